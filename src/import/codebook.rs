//! Codebooks in CSV (`path,description,color,short_definition,when_to_use,
//! when_not_to_use,exemplar 1,exemplar 2…`, path as `Parent/Child`) and JSON (a
//! tree of `{name, color, description, short_definition, when_to_use,
//! when_not_to_use, exemplars, children}`), the formats
//! [`crate::export::codebook`] writes. Only `path` (or `name`) is required.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::decode;
use crate::error::{Error, Result};
use crate::model::split_path;

/// One code of a codebook file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodebookEntry {
    /// Names from the top level down.
    pub path: Vec<String>,
    /// Full definition, if the file gives one.
    pub description: Option<String>,
    /// Colour, if the file gives one.
    pub color: Option<String>,
    /// Short definition, if given.
    pub short_definition: Option<String>,
    /// When to use the code, if given.
    pub when_to_use: Option<String>,
    /// When not to use it, if given.
    pub when_not_to_use: Option<String>,
    /// Exemplar quotes: pinned again where a segment of the code has this text.
    pub exemplars: Vec<String>,
    /// 1-based line in the file (0 for JSON).
    pub line: u64,
}

/// A code in a JSON codebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonCode {
    /// Name.
    pub name: String,
    /// Colour as `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Full definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Short definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_definition: Option<String>,
    /// When to use the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_to_use: Option<String>,
    /// When not to use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_not_to_use: Option<String>,
    /// Exemplar quotes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemplars: Vec<String>,
    /// Child codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<JsonCode>,
}

/// Reads a codebook; the format follows the extension (`.csv` or `.json`).
pub fn read_codebook(path: &Path) -> Result<Vec<CodebookEntry>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_codebook(path, &decode(&bytes, None).text)
}

/// Parses a codebook already in memory; the format follows `path`'s extension.
pub fn parse_codebook(path: &Path, text: &str) -> Result<Vec<CodebookEntry>> {
    let text = crate::text::normalise(text);
    let ext = super::extension(path);
    match ext.as_str() {
        "csv" => read_csv(path, &text),
        "json" => read_json(path, &text),
        _ => Err(Error::file(path, "a codebook must be a .csv or .json file")),
    }
}

fn read_csv(path: &Path, text: &str) -> Result<Vec<CodebookEntry>> {
    super::check_csv_quotes(path, text, b',')?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|_| Error::at(path, 1, None, "the header row cannot be read"))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let Some(path_col) = col("path") else {
        return Err(Error::at(
            path,
            1,
            None,
            "the header must have a \"path\" column (path,description,color)",
        ));
    };
    let (desc_col, color_col) = (col("description"), col("color"));
    let (short_col, when_col, not_col) = (
        col("short_definition"),
        col("when_to_use"),
        col("when_not_to_use"),
    );
    let exemplar_cols: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| h.trim().to_lowercase().starts_with("exemplar"))
        .map(|(i, _)| i)
        .collect();
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            Error::at(
                path,
                e.position().map_or(0, |p| p.line()),
                None,
                "this line cannot be read as CSV; check its quotes",
            )
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        // Weft's own CSV export guards cells that a spreadsheet would take
        // for formulas with a leading `'` (see `export::csv_safe`): undo it.
        let unguard = |s: &'_ str| -> String {
            match s.strip_prefix('\'') {
                Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.into(),
                _ => s.into(),
            }
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(unguard)
        };
        let names: Vec<String> = split_path(&unguard(rec.get(path_col).unwrap_or("")))
            .map(String::from)
            .collect();
        if names.is_empty() {
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            return Err(Error::at(
                path,
                line,
                Some(path_col as u64 + 1),
                "this row has no code path",
            ));
        }
        out.push(CodebookEntry {
            path: names,
            description: get(desc_col),
            color: get(color_col),
            short_definition: get(short_col),
            when_to_use: get(when_col),
            when_not_to_use: get(not_col),
            exemplars: exemplar_cols.iter().filter_map(|&c| get(Some(c))).collect(),
            line,
        });
    }
    Ok(out)
}

fn read_json(path: &Path, text: &str) -> Result<Vec<CodebookEntry>> {
    let codes: Vec<JsonCode> = serde_json::from_str(text).map_err(|e| Error::File {
        path: path.to_path_buf(),
        line: Some(e.line() as u64),
        column: Some(e.column() as u64),
        message: "not a Weft JSON codebook (a list of {name, color, description, children})".into(),
    })?;
    let mut out = Vec::new();
    fn walk(codes: &[JsonCode], prefix: &[String], out: &mut Vec<CodebookEntry>) {
        for c in codes {
            let mut path = prefix.to_vec();
            path.push(c.name.trim().to_string());
            out.push(CodebookEntry {
                path: path.clone(),
                description: c.description.clone(),
                color: c.color.clone(),
                short_definition: c.short_definition.clone(),
                when_to_use: c.when_to_use.clone(),
                when_not_to_use: c.when_not_to_use.clone(),
                exemplars: c.exemplars.clone(),
                line: 0,
            });
            walk(&c.children, &path, out);
        }
    }
    walk(&codes, &[], &mut out);
    Ok(out)
}
