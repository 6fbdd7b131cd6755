//! `weft segments`: every coded segment with its text and participant's attributes.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::edit::ops::find_code;
use crate::export::segments::{SegmentFilter, segment_table, write_csv, write_json};
use crate::store::Store;

/// Output formats of `weft segments`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated, with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// Arguments of `weft segments`.
#[derive(Debug, Args)]
pub struct SegmentsArgs {
    /// The project file.
    pub project: PathBuf,
    /// Only this code's segments (its children's are not included).
    #[arg(long)]
    pub code: Option<String>,
    /// Only participants whose attribute matches: ATTR=VALUE, ATTR=A|B or
    /// ATTR=LOW..HIGH (either end may be left out). Repeatable; all must hold.
    #[arg(long = "where", value_name = "ATTR=VALUE")]
    pub filters: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn segments(a: SegmentsArgs) -> anyhow::Result<()> {
    let store = Store::open(&a.project)?;
    let r = store.read();
    let mut filter = SegmentFilter::default();
    if let Some(code) = &a.code {
        filter.code = Some(find_code(&r.code_tree()?, code)?);
    }
    filter.conditions = crate::analysis::matrix::parse_where(&r.attributes()?, &a.filters)?;
    if a.format == Format::Csv {
        // Streamed a document at a time.
        match &a.out {
            Some(path) => {
                let mut n = 0;
                crate::export::write_atomically(path, |file| -> anyhow::Result<()> {
                    n = crate::export::segments::write_csv_from(&r, &filter, file)?;
                    Ok(())
                })?;
                eprintln!("Wrote {n} segment(s) to {}", path.display());
            }
            None => {
                crate::export::segments::write_csv_from(&r, &filter, std::io::stdout().lock())?;
            }
        }
        return Ok(());
    }
    let table = segment_table(&r, &filter)?;
    let write = |out: &mut dyn Write| -> anyhow::Result<()> {
        match a.format {
            Format::Csv => write_csv(&table, out)?,
            Format::Json => {
                write_json(&table, &mut *out)?;
                writeln!(out)?;
            }
        }
        Ok(())
    };
    match &a.out {
        Some(path) => {
            crate::export::write_atomically(path, |file| write(file))?;
            eprintln!(
                "Wrote {} segment(s) to {}",
                table.rows.len(),
                path.display()
            );
        }
        None => write(&mut std::io::stdout().lock())?,
    }
    // The process ends next: freeing 100,000 rows one by one took a tenth of
    // the command's time, and the system takes the memory back at once.
    std::mem::forget(table);
    Ok(())
}
