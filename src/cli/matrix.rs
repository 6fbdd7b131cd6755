//! `weft matrix`, `weft framework` and `weft summary`.

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use crate::analysis::matrix::{
    self, CoOccurrence, Columns, Condition, Filters, Grouping, MatrixSpec, Measure,
};
use crate::edit::Edit;
use crate::edit::ops::find_code;
use crate::export::matrix as export;
use crate::model::{AttributeKind, ProjectSnapshot};
use crate::store::Store;

/// Output formats of `weft matrix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// Comma-separated values.
    Csv,
    /// JSON.
    Json,
    /// An Excel workbook (needs --out).
    Xlsx,
}

/// Grouping of date columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateGroup {
    /// By year.
    Year,
    /// By month.
    Month,
}

/// Arguments of `weft matrix`.
#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Which matrix.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MatrixFormat::Csv)]
    pub format: MatrixFormat,
    /// Write to this file (needed for xlsx).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Start the CSV with the byte-order mark Excel needs to read accents.
    #[arg(long)]
    pub excel: bool,
}

/// Which matrix: rows, columns, measure and filters (`weft matrix` and
/// `weft report matrix`).
#[derive(Debug, Args)]
pub struct SpecArgs {
    /// The project file.
    pub project: PathBuf,
    /// Rows: `codes`, or `codes:DEPTH` for the codes down to that depth of the tree.
    #[arg(long, default_value = "codes")]
    pub rows: String,
    /// Columns: an attribute's name, or `participants`, `documents` or `codes` (co-occurrence).
    #[arg(long)]
    pub cols: String,
    /// What the cells hold.
    #[arg(long, value_enum, default_value_t = Measure::Segments)]
    pub measure: Measure,
    /// Parents count their children's segments (a participant once).
    #[arg(long)]
    pub rollup: bool,
    /// Only participants whose attribute matches: ATTR=VALUE, ATTR=A|B (any of), or
    /// ATTR=LOW..HIGH (numbers or dates; either end may be left out). Repeatable.
    #[arg(long = "where", value_name = "CONDITION")]
    pub filters: Vec<String>,
    /// Numeric columns grouped into bins, e.g. "26-35,36-45,46-60" (negative
    /// numbers work: "-10--1,0-9"). Bins may not overlap.
    #[arg(long, allow_hyphen_values = true)]
    pub bins: Option<String>,
    /// Date columns grouped by year or month.
    #[arg(long, value_enum)]
    pub by: Option<DateGroup>,
    /// With --cols codes: when two segments co-occur.
    #[arg(long, value_enum, default_value_t = CoOccurrence::Overlap)]
    pub cooccur: CoOccurrence,
    /// Only these documents.
    #[arg(long, num_args = 1..)]
    pub docs: Vec<String>,
    /// Only these coders' segments.
    #[arg(long, num_args = 1..)]
    pub coders: Vec<String>,
}

/// Parses `--where` conditions against the project's attributes.
pub fn parse_filters(
    snap: &ProjectSnapshot,
    filters: &[String],
) -> anyhow::Result<Vec<(crate::model::AttributeId, Condition)>> {
    Ok(matrix::parse_where(&snap.attributes, filters)?)
}

/// Builds the spec from the arguments.
pub fn spec(snap: &ProjectSnapshot, a: &SpecArgs) -> anyhow::Result<MatrixSpec> {
    let depth = match a.rows.split_once(':') {
        None if a.rows == "codes" => None,
        Some(("codes", d)) => Some(d.parse::<usize>().ok().filter(|d| *d >= 1).with_context(
            || format!("--rows codes:DEPTH takes a depth of 1 or more; got \"{d}\""),
        )?),
        _ => bail!("--rows takes `codes` or `codes:DEPTH`; got \"{}\"", a.rows),
    };
    let columns = match a.cols.as_str() {
        "participants" => Columns::Participants,
        "documents" => Columns::Documents,
        "codes" => Columns::Codes(a.cooccur),
        name => {
            let Some(attr) = snap.attributes.iter().find(|x| x.name == name) else {
                bail!(
                    "--cols takes an attribute, participants, documents or codes; the project's attributes are: {}",
                    snap.attributes
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            };
            let grouping = match (&a.bins, a.by) {
                (Some(b), _) => {
                    if attr.kind != AttributeKind::Number {
                        bail!(
                            "--bins groups a number attribute; \"{}\" is {}",
                            attr.name,
                            attr.kind.as_str()
                        );
                    }
                    Grouping::Bins(matrix::parse_bins(b)?)
                }
                (None, Some(by)) => {
                    if attr.kind != AttributeKind::Date {
                        bail!(
                            "--by groups a date attribute; \"{}\" is {}",
                            attr.name,
                            attr.kind.as_str()
                        );
                    }
                    if by == DateGroup::Year {
                        Grouping::Year
                    } else {
                        Grouping::Month
                    }
                }
                (None, None) => Grouping::Values,
            };
            Columns::Attribute(attr.id, grouping)
        }
    };
    let documents = if a.docs.is_empty() {
        None
    } else {
        let mut set = HashSet::new();
        for name in &a.docs {
            let d = snap
                .document_named(name)
                .with_context(|| format!("no document \"{name}\"; list them with `weft docs`"))?;
            set.insert(d.id);
        }
        Some(set)
    };
    let coders = if a.coders.is_empty() {
        None
    } else {
        let mut set = HashSet::new();
        for name in &a.coders {
            let c = snap
                .coder_named(name)
                .with_context(|| format!("no coder \"{name}\""))?;
            set.insert(c.id);
        }
        Some(set)
    };
    Ok(MatrixSpec {
        depth,
        rollup: a.rollup,
        columns,
        filters: Filters {
            attributes: parse_filters(snap, &a.filters)?,
            documents,
            coders,
        },
    })
}

pub fn matrix(args: MatrixArgs) -> anyhow::Result<()> {
    let a = &args.spec;
    let store = Store::open(&a.project)?;
    let r = store.read();
    let snap = r.snapshot_for_counting()?;
    let spec = spec(&snap, a)?;
    let turns = if matches!(spec.columns, Columns::Codes(CoOccurrence::Turn)) {
        r.all_turns()?
    } else {
        Default::default()
    };
    let m = matrix::compute(&snap, &spec, &turns)?;
    let q = if a.measure == Measure::Quotes {
        export::quote_text(&r, &snap, &m)?
    } else {
        Default::default()
    };
    let description = export::describe(&m, a.measure, &a.cols, &a.filters.join(", "));
    match (args.format, &args.out) {
        (MatrixFormat::Xlsx, Some(path)) => {
            export::write_xlsx(&m, a.measure, &q, path, &description)?
        }
        (MatrixFormat::Xlsx, None) => bail!("an xlsx matrix needs --out FILE.xlsx"),
        (format, Some(path)) => crate::export::write_atomically(path, |f| -> anyhow::Result<()> {
            match format {
                MatrixFormat::Json => export::write_json(&m, a.measure, &q, f)?,
                _ => export::write_csv(&m, a.measure, &q, f, args.excel)?,
            }
            Ok(())
        })?,
        (MatrixFormat::Json, None) => {
            export::write_json(&m, a.measure, &q, std::io::stdout().lock())?;
            println!();
        }
        (_, None) => export::write_csv(&m, a.measure, &q, std::io::stdout().lock(), args.excel)?,
    }
    if let Some(path) = &args.out {
        eprintln!(
            "Wrote {} × {} matrix to {}. {description}",
            m.rows.len(),
            m.columns.len(),
            path.display()
        );
    }
    Ok(())
}

/// Arguments of `weft summary`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// The project file.
    pub project: PathBuf,
    /// The participant (framework-matrix row).
    #[arg(long)]
    pub participant: String,
    /// The code's path (framework-matrix column).
    #[arg(long)]
    pub code: String,
    /// Set the summary to this text (empty clears it); without it, print it.
    #[arg(long)]
    pub set: Option<String>,
}

pub fn summary(a: SummaryArgs) -> anyhow::Result<()> {
    let mut store = Store::open(&a.project)?;
    let (pid, code) = {
        let r = store.read();
        let p = r
            .participant_by_name(&a.participant)?
            .with_context(|| format!("no participant \"{}\"", a.participant))?;
        (p.id, find_code(&r.code_tree()?, &a.code)?)
    };
    match a.set {
        Some(text) => {
            store.change("Edit summary", |_| {
                Ok(Edit::SetSummary {
                    participant: pid,
                    code,
                    text: Some(text.clone()),
                })
            })?;
            println!("Summary saved");
        }
        None => println!("{}", store.read().summary(pid, code)?.unwrap_or_default()),
    }
    Ok(())
}

/// Arguments of `weft framework`.
#[derive(Debug, Args)]
pub struct FrameworkArgs {
    /// The project file.
    pub project: PathBuf,
    /// Columns: codes down to this depth (all when left out).
    #[arg(long)]
    pub depth: Option<usize>,
    /// Codes include their children's quotes.
    #[arg(long)]
    pub rollup: bool,
    /// Only participants matching ATTR=VALUE (as for `weft matrix`). Repeatable.
    #[arg(long = "where", value_name = "CONDITION")]
    pub filters: Vec<String>,
    /// Write CSV to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The framework matrix: one row per participant, one column per code; each cell
/// holds the quotes and, after them, the researcher's summary.
pub fn framework(a: FrameworkArgs) -> anyhow::Result<()> {
    let store = Store::open(&a.project)?;
    let r = store.read();
    let snap = r.snapshot_for_counting()?;
    let spec = MatrixSpec {
        depth: a.depth,
        rollup: a.rollup,
        columns: Columns::Participants,
        filters: Filters {
            attributes: parse_filters(&snap, &a.filters)?,
            ..Default::default()
        },
    };
    let m = matrix::compute(&snap, &spec, &Default::default())?;
    let q = export::quote_text(&r, &snap, &m)?;
    let summaries = r.summaries()?;
    let participant_ids: Vec<_> = snap
        .participants
        .iter()
        .filter(|p| m.columns.iter().any(|c| c.label == p.name))
        .map(|p| (p.id, p.name.clone()))
        .collect();
    let write = |out: &mut dyn std::io::Write| -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let mut header = vec!["participant".to_string()];
        header.extend(m.rows.iter().map(|(_, p)| p.clone()));
        crate::export::write_safe_record(&mut w, &header)?;
        for (c, (pid, name)) in participant_ids.iter().enumerate() {
            let mut rec = vec![name.clone()];
            for (row, (code, _)) in m.rows.iter().enumerate() {
                let mut cell = q.cell(&m.cells[row][c]);
                if let Some(s) = summaries.get(&(*pid, *code)) {
                    if !cell.is_empty() {
                        cell.push_str("\n\n");
                    }
                    cell.push_str(&format!("Summary: {s}"));
                }
                rec.push(cell);
            }
            crate::export::write_safe_record(&mut w, &rec)?;
        }
        w.flush()?;
        Ok(())
    };
    match &a.out {
        Some(path) => crate::export::write_atomically(path, |f| write(f))?,
        None => write(&mut std::io::stdout().lock())?,
    }
    Ok(())
}
