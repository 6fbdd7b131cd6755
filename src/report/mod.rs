//! Reports a thesis can use: the codebook (every code's parts, its counts and
//! its exemplar quotes) and a matrix's findings (each cell's figure, the
//! framework summaries of its participants and a few quotes). A report is
//! first a plain list of [`Block`]s, then written as HTML ([`html`]) or DOCX
//! ([`docx`]) with real headings, so a reader can navigate either.
//!
//! With [`Options::ids`], participant and document names are replaced by
//! `Participant N` / `Document N` throughout (quotes are the participants'
//! words and are left as they are).

pub mod docx;
pub mod html;

use std::collections::HashMap;
use std::path::Path;

use crate::analysis::matrix::{self as analysis, Columns, Matrix, MatrixSpec, Measure};
use crate::error::{Error, Result};
use crate::export::matrix::{first_header, number};
use crate::model::*;
use crate::store::Reader;

/// One piece of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading; level 1 is the highest below the title.
    Heading(u8, String),
    /// A paragraph.
    Para(String),
    /// A labelled paragraph: "When to use: …".
    Field(String, String),
    /// A quote and where it comes from.
    Quote {
        /// The coded text.
        text: String,
        /// Participant (or document) it comes from.
        source: String,
    },
    /// A table: the header row, then the rows.
    Table(Vec<String>, Vec<Vec<String>>),
    /// A remark in smaller type.
    Note(String),
}

/// A whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The title.
    pub title: String,
    /// The line under it: project, date, what was counted.
    pub subtitle: String,
    /// The content.
    pub blocks: Vec<Block>,
}

/// What every report can be asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Participant and document names replaced by ids.
    pub ids: bool,
}

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A single HTML page with its styles.
    Html,
    /// A Word document.
    Docx,
}

impl Format {
    /// The format a file name asks for.
    pub fn of(path: &Path) -> Result<Format> {
        match crate::import::extension(path).as_str() {
            "html" | "htm" => Ok(Format::Html),
            "docx" => Ok(Format::Docx),
            _ => Err(Error::file(path, "a report is written as .html or .docx")),
        }
    }
}

/// Writes the report to `path` in the format its extension names, whole or
/// not at all.
pub fn write_file(report: &Report, path: &Path) -> Result<()> {
    let bytes = match Format::of(path)? {
        Format::Html => html::to_html(report).into_bytes(),
        Format::Docx => docx::to_docx(report)
            .map_err(|e| Error::file(path, format!("cannot write the report ({e})")))?,
    };
    crate::export::write_atomically(path, |out| {
        std::io::Write::write_all(out, &bytes).map_err(|e| Error::io(path, e))
    })
}

/// A table's body cells shaded by value, 0 to 1 of the largest: every
/// number but the `total` row and column, which would outshine the rest.
pub fn shades(header: &[String], rows: &[Vec<String>]) -> Vec<Vec<Option<f32>>> {
    let last_is_total = header.last().is_some_and(|h| h == "total");
    let value = |r: usize, c: usize| -> Option<f64> {
        let row = &rows[r];
        if c == 0 || row[0] == "total" || (last_is_total && c + 1 == row.len()) {
            return None;
        }
        row[c].parse::<f64>().ok()
    };
    let max = (0..rows.len())
        .flat_map(|r| (0..rows[r].len()).map(move |c| (r, c)))
        .filter_map(|(r, c)| value(r, c))
        .fold(0.0f64, f64::max);
    (0..rows.len())
        .map(|r| {
            (0..rows[r].len())
                .map(|c| value(r, c).filter(|_| max > 0.0).map(|v| (v / max) as f32))
                .collect()
        })
        .collect()
}

/// A light blue of this strength (0 to 1), as `rrggbb`.
pub fn shade_hex(strength: f32) -> String {
    let mix = |full: f32| (255.0 - (255.0 - full) * strength.clamp(0.0, 1.0) * 0.8) as u8;
    format!("{:02x}{:02x}{:02x}", mix(67.0), mix(99.0), mix(216.0))
}

/// How participants and documents are called in a report.
struct Names {
    participants: HashMap<ParticipantId, String>,
    documents: HashMap<DocumentId, String>,
    /// A document's participant, if it has one.
    doc_participant: HashMap<DocumentId, ParticipantId>,
}

impl Names {
    fn new(snap: &ProjectSnapshot, opts: Options) -> Self {
        let participants = snap
            .participants
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let name = if opts.ids {
                    format!("Participant {}", i + 1)
                } else {
                    p.name.clone()
                };
                (p.id, name)
            })
            .collect();
        let documents = snap
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let name = if opts.ids {
                    format!("Document {}", i + 1)
                } else {
                    d.name.clone()
                };
                (d.id, name)
            })
            .collect();
        Names {
            participants,
            documents,
            doc_participant: snap
                .documents
                .iter()
                .filter_map(|d| Some((d.id, d.participant?)))
                .collect(),
        }
    }

    /// Where a quote from this document comes from: its participant, else the document.
    fn source(&self, doc: DocumentId) -> String {
        self.doc_participant
            .get(&doc)
            .and_then(|p| self.participants.get(p))
            .or_else(|| self.documents.get(&doc))
            .cloned()
            .unwrap_or_default()
    }
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// The codebook: the hierarchy in tree order, each code under a heading of
/// its depth with its short definition, full definition, when to use it and
/// when not, its counts of segments and participants, and its exemplars.
pub fn codebook(r: &Reader<'_>, opts: Options) -> Result<Report> {
    let snap = r.snapshot()?;
    let names = Names::new(&snap, opts);
    let exemplars = r.exemplars()?;
    let mut blocks = Vec::new();
    let order = snap.codes.in_tree_order();
    for &id in &order {
        let Some(c) = snap.codes.get(id) else {
            continue;
        };
        let depth = snap.codes.depth(id).min(6) as u8;
        blocks.push(Block::Heading(depth, c.name.clone()));
        if depth > 1 {
            blocks.push(Block::Note(snap.codes.path(id)));
        }
        if !c.short_definition.is_empty() {
            blocks.push(Block::Field("In short".into(), c.short_definition.clone()));
        }
        let parts = [
            ("Definition", &c.description),
            ("When to use", &c.when_to_use),
            ("When not to use", &c.when_not_to_use),
        ];
        if parts.iter().all(|(_, t)| t.is_empty()) && c.short_definition.is_empty() {
            blocks.push(Block::Note("No definition yet.".into()));
        }
        for (label, text) in parts {
            if !text.is_empty() {
                blocks.push(Block::Field(label.into(), text.clone()));
            }
        }
        let stats = snap.code_stats.get(&id).copied().unwrap_or_default();
        blocks.push(Block::Note(format!(
            "{} segment(s) from {} participant(s)",
            stats.segments, stats.participants
        )));
        for (seg, text) in exemplars.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
            let source = snap
                .segments
                .document_of(*seg)
                .map(|d| names.source(d))
                .unwrap_or_default();
            blocks.push(Block::Quote {
                text: text.clone(),
                source,
            });
        }
    }
    Ok(Report {
        title: format!("Codebook: {}", snap.name),
        subtitle: format!(
            "{} code(s), {} segment(s), {} participant(s). Written by Weft on {}.",
            order.len(),
            snap.segments.len(),
            snap.participants.len(),
            today()
        ),
        blocks,
    })
}

/// What a matrix report shows besides the matrix.
#[derive(Debug, Clone)]
pub struct MatrixReport {
    /// The matrix to compute.
    pub spec: MatrixSpec,
    /// What the cells hold.
    pub measure: Measure,
    /// At most this many quotes per cell.
    pub quotes: usize,
    /// How the columns were asked for, for the subtitle ("Phase").
    pub columns: String,
}

/// The findings of a matrix: the table of figures, then for each code and
/// each column where it occurs, the figure, the framework summaries of the
/// cell's participants for that code, and up to `quotes` quotes.
pub fn matrix(r: &Reader<'_>, what: &MatrixReport, opts: Options) -> Result<Report> {
    let snap = r.snapshot()?;
    let names = Names::new(&snap, opts);
    let turns = if matches!(
        what.spec.columns,
        Columns::Codes(analysis::CoOccurrence::Turn)
    ) {
        r.all_turns()?
    } else {
        Default::default()
    };
    let m = analysis::compute(&snap, &what.spec, &turns)?;
    let measure = if what.measure == Measure::Quotes {
        Measure::Segments
    } else {
        what.measure
    };
    let labels = column_labels(&snap, &m, &what.spec, &names);
    let summaries = r.summaries()?;

    let mut header = vec![first_header(&m).to_string()];
    header.extend(labels.iter().cloned());
    header.push("total".into());
    let mut rows: Vec<Vec<String>> = m
        .rows
        .iter()
        .enumerate()
        .map(|(i, (_, path))| {
            let mut row = vec![path.clone()];
            row.extend(
                m.cells[i]
                    .iter()
                    .enumerate()
                    .map(|(c, cell)| number(&m, cell, Some(c), measure)),
            );
            row.push(number(&m, &m.row_totals[i], None, measure));
            row
        })
        .collect();
    let mut total = vec!["total".to_string()];
    total.extend(
        m.column_totals
            .iter()
            .enumerate()
            .map(|(c, cell)| number(&m, cell, Some(c), measure)),
    );
    total.push(number(&m, &m.total, None, measure));
    rows.push(total);

    let mut blocks = vec![
        Block::Heading(1, "Matrix".into()),
        Block::Para(crate::export::matrix::describe(
            &m,
            measure,
            &what.columns,
            "",
        )),
        Block::Table(header, rows),
        Block::Heading(1, "Cells".into()),
    ];
    let mut wanted: Vec<SegmentId> = Vec::new();
    for row in &m.cells {
        for cell in row {
            wanted.extend(cell.segments.iter().take(what.quotes));
        }
    }
    let quotes = r.quotes(&wanted)?;
    for (i, (code, path)) in m.rows.iter().enumerate() {
        if m.row_totals[i].segments.is_empty() {
            continue;
        }
        blocks.push(Block::Heading(2, path.clone()));
        for (c, cell) in m.cells[i].iter().enumerate() {
            if cell.segments.is_empty() {
                continue;
            }
            let column = match what.spec.columns {
                Columns::Attribute(..) => format!("{}: {}", what.columns, labels[c]),
                _ => labels[c].clone(),
            };
            blocks.push(Block::Heading(3, column));
            let mut note = format!(
                "{} segment(s) from {} participant(s)",
                cell.segments.len(),
                cell.participants.len()
            );
            if matches!(measure, Measure::Percent | Measure::Chars) {
                note.push_str(&format!(
                    "; {}: {}",
                    measure_word(measure),
                    number(&m, cell, Some(c), measure)
                ));
            }
            blocks.push(Block::Note(note));
            for p in &cell.participants {
                if let Some(text) = summaries.get(&(*p, *code)).filter(|t| !t.is_empty()) {
                    let who = names.participants.get(p).cloned().unwrap_or_default();
                    blocks.push(Block::Field(format!("Summary, {who}"), text.clone()));
                }
            }
            for seg in cell.segments.iter().take(what.quotes) {
                if let Some(text) = quotes.get(seg) {
                    blocks.push(Block::Quote {
                        text: text.clone(),
                        source: snap
                            .segments
                            .document_of(*seg)
                            .map(|d| names.source(d))
                            .unwrap_or_default(),
                    });
                }
            }
        }
    }
    Ok(Report {
        title: format!("Findings: {}", snap.name),
        subtitle: format!(
            "Codes × {}, {}{}. Up to {} quote(s) per cell. Written by Weft on {}.",
            what.columns,
            measure_word(measure),
            if m.rollup {
                ", parents with their children"
            } else {
                ""
            },
            what.quotes,
            today()
        ),
        blocks,
    })
}

fn measure_word(m: Measure) -> &'static str {
    match m {
        Measure::Segments | Measure::Quotes => "segments",
        Measure::Participants => "participants",
        Measure::Percent => "percent of participants",
        Measure::Chars => "coded characters",
    }
}

/// Column headings, with participants and documents renamed as asked.
fn column_labels(
    snap: &ProjectSnapshot,
    m: &Matrix,
    spec: &MatrixSpec,
    names: &Names,
) -> Vec<String> {
    let renamed: HashMap<&str, &String> = match spec.columns {
        Columns::Participants => snap
            .participants
            .iter()
            .filter_map(|p| Some((p.name.as_str(), names.participants.get(&p.id)?)))
            .collect(),
        Columns::Documents => snap
            .documents
            .iter()
            .filter_map(|d| Some((d.name.as_str(), names.documents.get(&d.id)?)))
            .collect(),
        _ => HashMap::new(),
    };
    m.columns
        .iter()
        .map(|c| {
            renamed
                .get(c.label.as_str())
                .map_or_else(|| c.label.clone(), |n| (*n).clone())
        })
        .collect()
}
