//! Codebook export as CSV (`path,description,color`), JSON (a nested tree), or
//! REFI-QDA `.qdc` through [`write_file`].

use std::io::Write;

use crate::import::codebook_json::JsonCode;
use crate::model::{CodeId, CodeTree};

fn json_tree(tree: &CodeTree, parent: Option<CodeId>) -> Vec<JsonCode> {
    tree.children(parent)
        .iter()
        .filter_map(|&id| tree.get(id))
        .map(|c| JsonCode {
            name: c.name.clone(),
            color: Some(c.color.clone()),
            description: (!c.description.is_empty()).then(|| c.description.clone()),
            children: json_tree(tree, Some(c.id)),
        })
        .collect()
}

/// Writes the codebook as CSV, parents before children.
pub fn write_csv(tree: &CodeTree, out: impl Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["path", "description", "color"])?;
    for id in tree.in_tree_order() {
        let c = tree.get(id).expect("id from the tree");
        super::write_safe_record(&mut w, [tree.path(id).as_str(), &c.description, &c.color])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the codebook as a JSON tree.
pub fn write_json(tree: &CodeTree, out: impl Write) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, &json_tree(tree, None))
}

/// Writes the codebook to a file in the format its extension names: `.csv`,
/// `.json` or REFI-QDA `.qdc`.
pub fn write_file(tree: &CodeTree, path: &std::path::Path) -> crate::Result<()> {
    let ext = crate::import::extension(path);
    if !matches!(ext.as_str(), "csv" | "json" | "qdc") {
        return Err(crate::Error::file(
            path,
            "a codebook is written as .csv, .json or .qdc",
        ));
    }
    let failed = |e: String| crate::Error::file(path, format!("cannot write the codebook ({e})"));
    super::write_atomically(path, |out| match ext.as_str() {
        "csv" => write_csv(tree, out).map_err(|e| failed(e.to_string())),
        "json" => write_json(tree, out).map_err(|e| failed(e.to_string())),
        _ => out
            .write_all(crate::refi::export::codebook_xml(tree).as_bytes())
            .map_err(|e| crate::Error::io(path, e)),
    })
}
