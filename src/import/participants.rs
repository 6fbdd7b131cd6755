//! Participants sheets: CSV with a header row, separated by commas, semicolons or
//! tabs. The first column names the participant; every other column is an
//! attribute whose type is inferred from its values unless the user forces it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::decode;
use crate::error::{Error, Result};
use crate::model::AttributeKind;

/// One attribute column of a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetColumn {
    /// The header text.
    pub name: String,
    /// The inferred or forced type.
    pub kind: AttributeKind,
    /// True when the user forced the type.
    pub forced: bool,
}

/// One participant's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// 1-based line in the file.
    pub line: u64,
    /// The participant's name (first column).
    pub participant: String,
    /// One raw cell per attribute column.
    pub cells: Vec<String>,
}

/// A parsed participants sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantSheet {
    /// The file it was read from, for error messages.
    pub path: PathBuf,
    /// Attribute columns (the participant column is not among them).
    pub columns: Vec<SheetColumn>,
    /// Data rows.
    pub rows: Vec<SheetRow>,
}

/// Guesses the separator from the header line: whichever of `,` `;` tab it has most of.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| header.bytes().filter(|&b| b == d).count())
        .unwrap_or(b',')
}

fn infer_kind<'a>(values: impl Iterator<Item = &'a str> + Clone) -> AttributeKind {
    let mut non_empty = values.filter(|v| !v.trim().is_empty()).peekable();
    if non_empty.peek().is_none() {
        return AttributeKind::Text;
    }
    let all = |f: &dyn Fn(&str) -> bool| non_empty.clone().all(f);
    if all(&|v| AttributeKind::Number.normalise(v).is_some()) {
        AttributeKind::Number
    } else if all(&|v| AttributeKind::Date.normalise(v).is_some()) {
        AttributeKind::Date
    } else if all(&|v| AttributeKind::Bool.normalise(v).is_some()) {
        // The same values `--type X=bool` accepts (a 0/1 column is numbers,
        // found above).
        AttributeKind::Bool
    } else {
        AttributeKind::Text
    }
}

/// Reads a participants sheet. `forced` maps column names to types that override
/// inference. A ragged row, a duplicate or empty header, or a forced column that
/// the sheet lacks is an error naming the line.
pub fn read_participants(
    path: &Path,
    forced: &HashMap<String, AttributeKind>,
) -> Result<ParticipantSheet> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_participants(path, &decode(&bytes, None).text, forced)
}

/// Parses a participants sheet already in memory; `path` is named in errors.
pub fn parse_participants(
    path: &Path,
    text: &str,
    forced: &HashMap<String, AttributeKind>,
) -> Result<ParticipantSheet> {
    let text = crate::text::normalise(text);
    let delimiter = sniff_delimiter(&text);
    super::check_csv_quotes(path, &text, delimiter)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(csv_error(path, e)),
        None => {
            return Err(Error::file(
                path,
                "the sheet is empty; it needs a header row",
            ));
        }
    };
    if header.len() < 2 {
        return Err(Error::at(
            path,
            1,
            None,
            "the header needs a participant column and at least one attribute column",
        ));
    }
    let names: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    for (i, n) in names.iter().enumerate().skip(1) {
        if n.is_empty() {
            return Err(Error::at(
                path,
                1,
                Some(i as u64 + 1),
                "this column has no name in the header",
            ));
        }
        if let Some(first) = names[1..i].iter().find(|m| crate::model::same_name(m, n)) {
            return Err(Error::at(
                path,
                1,
                Some(i as u64 + 1),
                if first == n {
                    format!("column \"{n}\" appears twice")
                } else {
                    format!(
                        "column \"{n}\" is column \"{first}\" again (names are matched ignoring case)"
                    )
                },
            ));
        }
    }
    for f in forced.keys() {
        if !names[1..].contains(f) {
            return Err(Error::file(
                path,
                format!("--type names column \"{f}\", which the sheet does not have"),
            ));
        }
    }
    let mut rows = Vec::new();
    for rec in records {
        let rec = rec.map_err(|e| csv_error(path, e))?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rec.len() != names.len() {
            return Err(Error::at(
                path,
                line,
                None,
                format!(
                    "this row has {} fields but the header has {}; check for a missing or extra separator",
                    rec.len(),
                    names.len()
                ),
            ));
        }
        let participant = rec[0].trim().to_string();
        if participant.is_empty() {
            return Err(Error::at(
                path,
                line,
                Some(1),
                "this row names no participant",
            ));
        }
        rows.push(SheetRow {
            line,
            participant,
            cells: rec.iter().skip(1).map(|c| c.trim().to_string()).collect(),
        });
    }
    let columns = names[1..]
        .iter()
        .enumerate()
        .map(|(i, name)| match forced.get(name) {
            Some(&kind) => SheetColumn {
                name: name.clone(),
                kind,
                forced: true,
            },
            None => SheetColumn {
                name: name.clone(),
                kind: infer_kind(rows.iter().map(|r| r.cells[i].as_str())),
                forced: false,
            },
        })
        .collect();
    Ok(ParticipantSheet {
        path: path.to_path_buf(),
        columns,
        rows,
    })
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    Error::at(
        path,
        line,
        None,
        "this line cannot be read as CSV; check its quotes",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_inferred() {
        let kinds = |v: &[&str]| infer_kind(v.iter().copied());
        assert_eq!(kinds(&["34", "", "41.5"]), AttributeKind::Number);
        assert_eq!(kinds(&["2019-03-01", "2020/1/2"]), AttributeKind::Date);
        assert_eq!(kinds(&["yes", "No"]), AttributeKind::Bool);
        assert_eq!(kinds(&["pre", "post"]), AttributeKind::Text);
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3"), b';');
        assert_eq!(sniff_delimiter("a\tb"), b'\t');
    }
}
