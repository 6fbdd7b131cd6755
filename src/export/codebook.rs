//! Codebook export as CSV (`path,description,color,short_definition,
//! when_to_use,when_not_to_use,exemplar 1…`), JSON (a nested tree), or
//! REFI-QDA `.qdc` through [`write_file`]. Every part of the structured
//! codebook travels, exemplars as their quotes' text.

use std::io::Write;

use crate::import::codebook_json::JsonCode;
use crate::model::{CodeId, CodeTree};
pub use crate::refi::export::Exemplars;

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn json_tree(tree: &CodeTree, exemplars: &Exemplars, parent: Option<CodeId>) -> Vec<JsonCode> {
    tree.children(parent)
        .iter()
        .filter_map(|&id| tree.get(id))
        .map(|c| JsonCode {
            name: c.name.clone(),
            color: Some(c.color.clone()),
            description: some(&c.description),
            short_definition: some(&c.short_definition),
            when_to_use: some(&c.when_to_use),
            when_not_to_use: some(&c.when_not_to_use),
            exemplars: exemplars.get(&c.id).cloned().unwrap_or_default(),
            children: json_tree(tree, exemplars, Some(c.id)),
        })
        .collect()
}

/// Writes the codebook as CSV, parents before children, with as many
/// `exemplar N` columns as the code with the most exemplars needs.
pub fn write_csv(tree: &CodeTree, exemplars: &Exemplars, out: impl Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let most = exemplars.values().map(Vec::len).max().unwrap_or(0);
    let mut header: Vec<String> = [
        "path",
        "description",
        "color",
        "short_definition",
        "when_to_use",
        "when_not_to_use",
    ]
    .map(String::from)
    .to_vec();
    header.extend((1..=most).map(|i| format!("exemplar {i}")));
    w.write_record(&header)?;
    for id in tree.in_tree_order() {
        let c = tree.get(id).expect("id from the tree");
        let mut row = vec![
            tree.path(id),
            c.description.clone(),
            c.color.clone(),
            c.short_definition.clone(),
            c.when_to_use.clone(),
            c.when_not_to_use.clone(),
        ];
        let quotes = exemplars.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        row.extend((0..most).map(|i| quotes.get(i).cloned().unwrap_or_default()));
        super::write_safe_record(&mut w, row.iter().map(String::as_str))?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the codebook as a JSON tree.
pub fn write_json(
    tree: &CodeTree,
    exemplars: &Exemplars,
    out: impl Write,
) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, &json_tree(tree, exemplars, None))
}

/// Writes the codebook to a file in the format its extension names: `.csv`,
/// `.json` or REFI-QDA `.qdc`.
pub fn write_file(
    tree: &CodeTree,
    exemplars: &Exemplars,
    path: &std::path::Path,
) -> crate::Result<()> {
    let ext = crate::import::extension(path);
    if !matches!(ext.as_str(), "csv" | "json" | "qdc") {
        return Err(crate::Error::file(
            path,
            "a codebook is written as .csv, .json or .qdc",
        ));
    }
    let failed = |e: String| crate::Error::file(path, format!("cannot write the codebook ({e})"));
    super::write_atomically(path, |out| match ext.as_str() {
        "csv" => write_csv(tree, exemplars, out).map_err(|e| failed(e.to_string())),
        "json" => write_json(tree, exemplars, out).map_err(|e| failed(e.to_string())),
        _ => out
            .write_all(crate::refi::export::codebook_xml(tree, exemplars).as_bytes())
            .map_err(|e| crate::Error::io(path, e)),
    })
}
