//! `weft report codebook` and `weft report matrix`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::matrix::{SpecArgs, spec};
use crate::analysis::matrix::Measure;
use crate::report::{self, MatrixReport, Options};
use crate::store::Store;

/// What every report takes besides its own arguments.
#[derive(Debug, Args)]
pub struct ReportOut {
    /// The file to write: .html or .docx.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace participant and document names with "Participant N" / "Document N".
    #[arg(long)]
    pub ids: bool,
}

/// The reports.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The codebook: every code's definitions, counts and exemplar quotes.
    #[command(
        after_help = "Examples:\n  weft report codebook study.weft --out codebook.docx\n  weft report codebook study.weft --out codebook.html --ids"
    )]
    Codebook {
        /// The project file.
        project: PathBuf,
        #[command(flatten)]
        out: ReportOut,
    },
    /// A matrix's findings: the figures, each cell's summaries and quotes.
    #[command(
        after_help = "Examples:\n  weft report matrix study.weft --cols Phase --quotes 2 --out findings.docx\n  weft report matrix study.weft --cols Phase --measure participants --rollup --rows codes:2 --quotes 1 --out findings.html --ids"
    )]
    Matrix {
        #[command(flatten)]
        spec: SpecArgs,
        /// At most this many quotes per cell.
        #[arg(long, default_value_t = 2)]
        quotes: usize,
        #[command(flatten)]
        out: ReportOut,
    },
}

pub fn run(command: ReportCommand) -> anyhow::Result<()> {
    let (project, out) = match &command {
        ReportCommand::Codebook { project, out } => (project, out),
        ReportCommand::Matrix { spec, out, .. } => (&spec.project, out),
    };
    // Refuse a wrong extension before any work.
    report::Format::of(&out.out)?;
    let store = Store::open(project)?;
    let r = store.read();
    let opts = Options { ids: out.ids };
    let made = match &command {
        ReportCommand::Codebook { .. } => report::codebook(&r, opts)?,
        ReportCommand::Matrix {
            spec: a, quotes, ..
        } => {
            let snap = r.snapshot_for_counting()?;
            let what = MatrixReport {
                spec: spec(&snap, a)?,
                measure: if a.measure == Measure::Quotes {
                    Measure::Segments
                } else {
                    a.measure
                },
                quotes: *quotes,
                columns: a.cols.clone(),
            };
            report::matrix(&r, &what, opts)?
        }
    };
    report::write_file(&made, &out.out)?;
    println!("Wrote {} ({})", out.out.display(), made.title);
    Ok(())
}
