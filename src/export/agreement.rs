//! Agreement reports as CSV, JSON and XLSX, and disagreements as CSV.
//!
//! Columns: `code, document, coders, units, both, only_first, only_second,
//! neither, percent_agreement, cohen_kappa, fleiss_kappa, brennan_prediger,
//! krippendorff_alpha, unitized_alpha, f1, jaccard`, then `observed,
//! expected, first_coded, second_coded`. Pooled rows say `(all)`; an
//! undefined figure is an empty cell (in JSON, null with a reason).

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::analysis::agreement::{Disagreement, Row, RowKind};
use crate::error::{Error, Result};
use crate::model::ProjectSnapshot;

/// The CSV header.
pub const COLUMNS: [&str; 20] = [
    "code",
    "document",
    "coders",
    "units",
    "both",
    "only_first",
    "only_second",
    "neither",
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "brennan_prediger",
    "krippendorff_alpha",
    "unitized_alpha",
    "f1",
    "jaccard",
    "observed",
    "expected",
    "first_coded",
    "second_coded",
];

/// The label of a row's document column.
pub fn document_label(snap: &ProjectSnapshot, row: &Row) -> String {
    match (row.kind, row.document) {
        (RowKind::MeanWeighted, _) => "(mean of documents, weighted by size)".into(),
        (RowKind::MeanUnweighted, _) => "(mean of documents, unweighted)".into(),
        (_, Some(d)) => snap
            .document(d)
            .map_or_else(String::new, |d| d.name.clone()),
        (_, None) => "(all)".into(),
    }
}

/// The label of a row's code column.
pub fn code_label(snap: &ProjectSnapshot, row: &Row) -> String {
    row.code
        .map_or_else(|| "(all)".into(), |c| snap.codes.path(c))
}

/// The coders of a row, joined with `+`.
pub fn coders_label(snap: &ProjectSnapshot, row: &Row) -> String {
    row.coders
        .iter()
        .map(|c| snap.coder_name(*c))
        .collect::<Vec<_>>()
        .join("+")
}

/// One row as the CSV's cells.
pub fn cells(snap: &ProjectSnapshot, row: &Row) -> Vec<String> {
    let num = |v: Option<u64>| v.map_or_else(String::new, |v| v.to_string());
    let float = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
    let c = row.counts;
    let mut out = vec![
        code_label(snap, row),
        document_label(snap, row),
        coders_label(snap, row),
        num(c.map(|c| c.units)),
        num(c.map(|c| c.both)),
        num(c.and_then(|c| c.only_first)),
        num(c.and_then(|c| c.only_second)),
        num(c.map(|c| c.neither)),
    ];
    for (_, f) in row.figures.named() {
        out.push(float(f.ok()));
    }
    out.push(float(row.observed));
    out.push(float(row.expected));
    out.push(num(c.and_then(|c| c.first_coded)));
    out.push(num(c.and_then(|c| c.second_coded)));
    out
}

/// Writes the rows as CSV.
pub fn write_csv(snap: &ProjectSnapshot, rows: &[Row], out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let err = |e: csv::Error| Error::Invalid(format!("cannot write the CSV: {e}"));
    super::write_safe_record(&mut w, COLUMNS).map_err(err)?;
    for row in rows {
        super::write_safe_record(&mut w, cells(snap, row)).map_err(err)?;
    }
    w.flush()
        .map_err(|e| Error::Invalid(format!("cannot write the CSV: {e}")))
}

/// One row as JSON: labels, counts, and each figure as a number or null with
/// its reason in `undefined`.
pub fn row_json(snap: &ProjectSnapshot, row: &Row) -> Value {
    let mut figures = Map::new();
    let mut undefined = Map::new();
    for (name, f) in row.figures.named() {
        match f {
            Ok(v) => figures.insert(name.into(), json!(v)),
            Err(why) => {
                undefined.insert(name.into(), json!(why));
                figures.insert(name.into(), Value::Null)
            }
        };
    }
    json!({
        "code": code_label(snap, row),
        "document": document_label(snap, row),
        "coders": row.coders.iter().map(|c| snap.coder_name(*c)).collect::<Vec<_>>(),
        "kind": row.kind,
        "counts": row.counts,
        "observed": row.observed,
        "expected": row.expected,
        "cohen_kappa_is_mean_of_pairs": row.coders.len() > 2,
        "figures": figures,
        "undefined": undefined,
    })
}

/// Writes the rows as JSON, with the options that made them.
pub fn write_json(
    snap: &ProjectSnapshot,
    rows: &[Row],
    about: &[(String, String)],
    mut out: impl Write,
) -> Result<()> {
    let doc = json!({
        "about": about
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect::<Map<_, _>>(),
        "rows": rows.iter().map(|r| row_json(snap, r)).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut out, &doc)
        .map_err(|e| Error::Invalid(format!("cannot write the JSON: {e}")))
}

/// Writes the rows as a workbook, with an About sheet holding the options
/// and Weft's version, so a reported figure can be reproduced.
pub fn write_xlsx(
    snap: &ProjectSnapshot,
    rows: &[Row],
    about: &[(String, String)],
    path: &Path,
) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| {
        Error::file(path, format!("cannot write the workbook: {e}"))
    };
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name("Agreement").map_err(xerr)?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *name, &bold)
            .map_err(xerr)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in cells(snap, row).iter().enumerate() {
            let c = c as u16;
            match cell.parse::<f64>() {
                Ok(v) if c >= 3 => sheet.write_number(r, c, v).map_err(xerr)?,
                _ if cell.is_empty() => sheet,
                _ => sheet.write_string(r, c, cell).map_err(xerr)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 3).map_err(xerr)?;
    sheet.set_column_width(0, 30).map_err(xerr)?;
    sheet.set_column_width(1, 30).map_err(xerr)?;
    let sheet = wb.add_worksheet();
    sheet.set_name("About").map_err(xerr)?;
    for (r, (k, v)) in about.iter().enumerate() {
        sheet
            .write_string_with_format(r as u32, 0, k, &bold)
            .map_err(xerr)?;
        sheet.write_string(r as u32, 1, v).map_err(xerr)?;
    }
    sheet.set_column_width(0, 20).map_err(xerr)?;
    sheet.set_column_width(1, 80).map_err(xerr)?;
    super::write_atomically(path, |out| wb.save_to_writer(out).map_err(xerr))
}

/// Ranges as `start-end` joined by spaces.
pub fn ranges_label(ranges: &[crate::model::CharRange]) -> String {
    ranges
        .iter()
        .map(|r| format!("{}-{}", r.start, r.end))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes disagreements as CSV: document, code, the stretch, each coder's
/// ranges in it, the code points they differ on, and the passage's text
/// (read through `text`, which gets the document and the stretch).
pub fn write_disagreements_csv(
    snap: &ProjectSnapshot,
    coders: (&str, &str),
    list: &[Disagreement],
    mut text: impl FnMut(&Disagreement) -> Result<String>,
    out: impl Write,
) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let err = |e: csv::Error| Error::Invalid(format!("cannot write the CSV: {e}"));
    let first = format!("{}_ranges", coders.0);
    let second = format!("{}_ranges", coders.1);
    super::write_safe_record(
        &mut w,
        [
            "document",
            "code",
            "start",
            "end",
            &first,
            &second,
            "differing",
            "text",
        ],
    )
    .map_err(err)?;
    for d in list {
        let doc = snap
            .document(d.document)
            .map_or_else(String::new, |d| d.name.clone());
        super::write_safe_record(
            &mut w,
            [
                doc,
                snap.codes.path(d.code),
                d.range.start.to_string(),
                d.range.end.to_string(),
                ranges_label(&d.first),
                ranges_label(&d.second),
                d.differing.to_string(),
                text(d)?,
            ],
        )
        .map_err(err)?;
    }
    w.flush()
        .map_err(|e| Error::Invalid(format!("cannot write the CSV: {e}")))
}
