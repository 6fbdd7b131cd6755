//! Codebook export as CSV (`path,description,color`) or JSON (a nested tree).

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
        w.write_record([tree.path(id).as_str(), &c.description, &c.color])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the codebook as a JSON tree.
pub fn write_json(tree: &CodeTree, out: impl Write) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, &json_tree(tree, None))
}
