//! Matrices as CSV, JSON and XLSX: what is shown, with the measure and whether
//! parents were rolled up stated in the file.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::analysis::matrix::{Cell, Matrix, Measure};
use crate::error::{Error, Result};
use crate::model::{ParticipantId, SegmentId};

/// What quotes cells need: the coded text and the participant's name.
#[derive(Debug, Clone, Default)]
pub struct QuoteText {
    /// Coded text by segment.
    pub quotes: HashMap<SegmentId, String>,
    /// Participant names.
    pub participants: HashMap<ParticipantId, String>,
    /// Each segment's participant.
    pub segment_participant: HashMap<SegmentId, ParticipantId>,
}

impl QuoteText {
    /// A quotes cell as text: each quote on its own, with its participant.
    pub fn cell(&self, cell: &Cell) -> String {
        cell.segments
            .iter()
            .map(|id| {
                let who = self
                    .segment_participant
                    .get(id)
                    .and_then(|p| self.participants.get(p))
                    .map_or("", String::as_str);
                format!("[{who}] {}", self.quotes.get(id).map_or("", String::as_str))
            })
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// Loads the text and participants that a matrix's quotes cells need.
pub fn quote_text(
    r: &crate::store::Reader<'_>,
    snap: &crate::model::ProjectSnapshot,
    m: &Matrix,
) -> Result<QuoteText> {
    let mut ids: Vec<SegmentId> = m.total.segments.clone();
    for row in &m.cells {
        for cell in row {
            ids.extend(&cell.segments);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let doc_participant: HashMap<_, _> = snap
        .documents
        .iter()
        .filter_map(|d| Some((d.id, d.participant?)))
        .collect();
    Ok(QuoteText {
        quotes: r.quotes(&ids)?,
        participants: snap
            .participants
            .iter()
            .map(|p| (p.id, p.name.clone()))
            .collect(),
        segment_participant: snap
            .segments
            .iter()
            .filter_map(|s| Some((s.id, *doc_participant.get(&s.document)?)))
            .collect(),
    })
}

/// The header of the first column, which says whether parents were rolled up.
pub fn first_header(m: &Matrix) -> &'static str {
    if m.rollup {
        "code (with children)"
    } else {
        "code"
    }
}

pub fn number(m: &Matrix, cell: &Cell, col: Option<usize>, measure: Measure) -> String {
    let v = m.value(cell, col, measure);
    if measure == Measure::Percent {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

fn text(m: &Matrix, cell: &Cell, col: Option<usize>, measure: Measure, q: &QuoteText) -> String {
    if measure == Measure::Quotes {
        q.cell(cell)
    } else {
        number(m, cell, col, measure)
    }
}

/// Writes the matrix as CSV: a header row (code path, one column per value named
/// exactly as the value, then `total`), one row per code, then a `total` row.
/// `excel_bom` adds the byte-order mark Excel needs to read accents.
pub fn write_csv(
    m: &Matrix,
    measure: Measure,
    q: &QuoteText,
    mut out: impl Write,
    excel_bom: bool,
) -> Result<()> {
    if excel_bom {
        out.write_all("\u{feff}".as_bytes())
            .map_err(|e| Error::io(Path::new("output"), e))?;
    }
    let mut w = csv::Writer::from_writer(out);
    let csv_err = |e: csv::Error| Error::Invalid(format!("writing CSV failed: {e}"));
    let mut header = vec![first_header(m).to_string()];
    header.extend(m.columns.iter().map(|c| c.label.clone()));
    header.push("total".into());
    super::write_safe_record(&mut w, &header).map_err(csv_err)?;
    for (r, (_, path)) in m.rows.iter().enumerate() {
        let mut rec = vec![path.clone()];
        rec.extend(
            m.cells[r]
                .iter()
                .enumerate()
                .map(|(c, cell)| text(m, cell, Some(c), measure, q)),
        );
        rec.push(text(m, &m.row_totals[r], None, measure, q));
        super::write_safe_record(&mut w, &rec).map_err(csv_err)?;
    }
    let mut rec = vec!["total".to_string()];
    rec.extend(
        m.column_totals
            .iter()
            .enumerate()
            .map(|(c, cell)| text(m, cell, Some(c), measure, q)),
    );
    rec.push(text(m, &m.total, None, measure, q));
    super::write_safe_record(&mut w, &rec).map_err(csv_err)?;
    w.flush().map_err(|e| Error::io(Path::new("output"), e))?;
    Ok(())
}

#[derive(Serialize)]
struct JsonMatrix<'a> {
    measure: Measure,
    rollup: bool,
    participants_in_scope: usize,
    columns: Vec<JsonColumn<'a>>,
    rows: Vec<JsonRow>,
    totals: Vec<serde_json::Value>,
    total: serde_json::Value,
}

#[derive(Serialize)]
struct JsonColumn<'a> {
    label: &'a str,
    participants: usize,
}

#[derive(Serialize)]
struct JsonRow {
    code: String,
    cells: Vec<serde_json::Value>,
    total: serde_json::Value,
}

/// Writes the matrix as JSON.
pub fn write_json(m: &Matrix, measure: Measure, q: &QuoteText, out: impl Write) -> Result<()> {
    let value = |cell: &Cell, col: Option<usize>| -> serde_json::Value {
        if measure == Measure::Quotes {
            serde_json::Value::Array(
                cell.segments
                    .iter()
                    .map(|id| {
                        serde_json::json!({
                            "participant": q.segment_participant.get(id).and_then(|p| q.participants.get(p)),
                            "text": q.quotes.get(id),
                        })
                    })
                    .collect(),
            )
        } else {
            serde_json::json!(m.value(cell, col, measure))
        }
    };
    let doc = JsonMatrix {
        measure,
        rollup: m.rollup,
        participants_in_scope: m.scope_participants,
        columns: m
            .columns
            .iter()
            .map(|c| JsonColumn {
                label: &c.label,
                participants: c.participants,
            })
            .collect(),
        rows: m
            .rows
            .iter()
            .enumerate()
            .map(|(r, (_, path))| JsonRow {
                code: path.clone(),
                cells: m.cells[r]
                    .iter()
                    .enumerate()
                    .map(|(c, cell)| value(cell, Some(c)))
                    .collect(),
                total: value(&m.row_totals[r], None),
            })
            .collect(),
        totals: m
            .column_totals
            .iter()
            .enumerate()
            .map(|(c, cell)| value(cell, Some(c)))
            .collect(),
        total: value(&m.total, None),
    };
    serde_json::to_writer_pretty(out, &doc)?;
    Ok(())
}

/// Writes the matrix as an Excel workbook: bold headers, frozen panes, wrapped
/// quotes, and a second sheet that says what the numbers are.
pub fn write_xlsx(
    m: &Matrix,
    measure: Measure,
    q: &QuoteText,
    path: &Path,
    description: &str,
) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| {
        Error::file(path, format!("cannot write the workbook: {e}"))
    };
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let sheet = wb.add_worksheet();
    sheet.set_name("Matrix").map_err(xerr)?;
    sheet
        .write_string_with_format(0, 0, first_header(m), &bold)
        .map_err(xerr)?;
    let last = m.columns.len() as u16 + 1;
    for (c, col) in m.columns.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16 + 1, &col.label, &bold)
            .map_err(xerr)?;
    }
    sheet
        .write_string_with_format(0, last, "total", &bold)
        .map_err(xerr)?;
    let put = |sheet: &mut rust_xlsxwriter::Worksheet,
               row: u32,
               col: u16,
               cell: &Cell,
               c: Option<usize>|
     -> Result<()> {
        if measure == Measure::Quotes {
            sheet
                .write_string_with_format(row, col, q.cell(cell), &wrap)
                .map_err(xerr)?;
        } else {
            sheet
                .write_number(row, col, m.value(cell, c, measure))
                .map_err(xerr)?;
        }
        Ok(())
    };
    for (r, (_, code)) in m.rows.iter().enumerate() {
        let row = r as u32 + 1;
        sheet
            .write_string_with_format(row, 0, code, &bold)
            .map_err(xerr)?;
        for (c, cell) in m.cells[r].iter().enumerate() {
            put(sheet, row, c as u16 + 1, cell, Some(c))?;
        }
        put(sheet, row, last, &m.row_totals[r], None)?;
    }
    let row = m.rows.len() as u32 + 1;
    sheet
        .write_string_with_format(row, 0, "total", &bold)
        .map_err(xerr)?;
    for (c, cell) in m.column_totals.iter().enumerate() {
        put(sheet, row, c as u16 + 1, cell, Some(c))?;
    }
    put(sheet, row, last, &m.total, None)?;
    sheet.set_freeze_panes(1, 1).map_err(xerr)?;
    sheet.set_column_width(0, 40).map_err(xerr)?;
    if measure == Measure::Quotes {
        for c in 1..=last {
            sheet.set_column_width(c, 50).map_err(xerr)?;
        }
    }
    let about = wb.add_worksheet();
    about.set_name("About").map_err(xerr)?;
    about.write_string(0, 0, description).map_err(xerr)?;
    super::write_atomically(path, |out| wb.save_to_writer(out).map_err(xerr))
}

/// A sentence saying what a matrix counts, for file headers and the window.
pub fn describe(m: &Matrix, measure: Measure, columns: &str, filters: &str) -> String {
    let what = match measure {
        Measure::Segments => "number of coded segments",
        Measure::Participants => "number of participants with the code",
        Measure::Percent => "percent of the column's participants with the code",
        Measure::Chars => "coded characters (overlaps counted once)",
        Measure::Quotes => "the coded quotes",
    };
    format!(
        "Codes × {columns}. Cells: {what}. {} {} participant(s) in scope{}.",
        if m.rollup {
            "Parents include their children's segments (a participant counted once)."
        } else {
            "Each code counts only its own segments."
        },
        m.scope_participants,
        if filters.is_empty() {
            String::new()
        } else {
            format!("; filters: {filters}")
        }
    )
}
