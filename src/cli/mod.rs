//! The `weft` command line: parses arguments, calls the library, prints.
//!
//! Each subcommand opens the project, makes at most one change through
//! [`crate::store::Store::change`] and reports what it did. Errors go to stderr
//! with a non-zero exit code (see `main.rs`).

mod codes;
mod coding;
mod matrix;
mod project;
mod segments;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::store::Store;

/// Weft: qualitative coding of interview transcripts.
///
/// With no command, `weft [PROJECT]` opens the window.
#[derive(Debug, Parser)]
#[command(name = "weft", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A project to open in the window.
    pub project: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty project.
    #[command(after_help = "Example:\n  weft new study.weft")]
    New {
        /// The project file to create (by convention, ending in .weft).
        project: PathBuf,
    },
    /// Show what a project holds.
    #[command(after_help = "Example:\n  weft info study.weft")]
    Info {
        /// The project file.
        project: PathBuf,
    },
    /// Write the demo project: a dozen short interviews with participants and some coding.
    #[command(after_help = "Example:\n  weft demo demo.weft && weft info demo.weft")]
    Demo {
        /// Where to write it (must not exist yet).
        project: PathBuf,
    },
    /// Import transcripts (.txt, .md, .docx, .vtt, .srt), all in one transaction.
    #[command(after_help = "Example:\n  weft import study.weft interviews/*.txt P24.docx")]
    Import(project::ImportArgs),
    /// Import a participants sheet (CSV with a header; first column names the participant).
    #[command(
        after_help = "Example:\n  weft participants study.weft participants.csv --type \"Age=number\" --type \"Zip=text\""
    )]
    Participants(project::ParticipantsArgs),
    /// List the documents with their participants, lengths and turns.
    #[command(after_help = "Example:\n  weft docs study.weft")]
    Docs {
        /// The project file.
        project: PathBuf,
    },
    /// Print a document's stored text (what every offset refers to).
    #[command(
        after_help = "Example:\n  weft show study.weft --doc P07\n  weft show study.weft --doc P07 --turns"
    )]
    Show(project::ShowArgs),
    /// Import or export a codebook (.csv as path,description,color, .json, or REFI-QDA .qdc).
    #[command(
        subcommand,
        after_help = "Example:\n  weft codebook import study.weft sample_codebooks/peer_support.csv"
    )]
    Codebook(codes::CodebookCommand),
    /// List and change codes: add, rename, move, merge, delete, describe.
    #[command(subcommand, after_help = "Example:\n  weft codes list study.weft")]
    Codes(codes::CodesCommand),
    /// Apply a code to a range of a document (code points, start inclusive, end exclusive).
    #[command(
        after_help = "Example:\n  weft code study.weft --doc P07 --start 120 --end 188 --code \"Support/Emotional\" --memo \"first mention\""
    )]
    Code(coding::CodeArgs),
    /// Remove a code from a range.
    #[command(
        after_help = "Example:\n  weft uncode study.weft --doc P07 --start 120 --end 188 --code \"Support/Emotional\""
    )]
    Uncode(coding::SegmentArgs),
    /// Move a coded segment to another code.
    #[command(
        after_help = "Example:\n  weft recode study.weft --doc P07 --start 120 --end 188 --code Support --to \"Support/Emotional\""
    )]
    Recode(coding::RecodeArgs),
    /// Code every match of a pattern, widened to its sentence, paragraph or turn.
    #[command(
        after_help = "Example:\n  weft autocode study.weft --pattern \"(?i)\\bmentor\\b\" --code Mentor --unit sentence --speaker P07"
    )]
    Autocode(coding::AutocodeArgs),
    /// Read or set a memo on the project, a document, a code or a segment.
    #[command(
        after_help = "Examples:\n  weft memo study.weft --project --set \"Second round of coding\"\n  weft memo study.weft --code Support\n  weft memo study.weft --doc P07 --start 10 --end 40 --code Support --set \"strong example\""
    )]
    Memo(coding::MemoArgs),
    /// List coded segments as CSV or JSON, with participants' attributes.
    #[command(
        after_help = "Example:\n  weft segments study.weft --code \"Support/Emotional\" --where Phase=post --format csv > emotional_post.csv"
    )]
    Segments(segments::SegmentsArgs),
    /// Cross codes with an attribute, participants, documents or codes (a data matrix).
    #[command(
        after_help = "Examples:\n  weft matrix study.weft --cols Phase --measure percent --rollup --rows codes:2\n  weft matrix study.weft --cols Age --bins 26-35,36-45,46-60 --measure participants --format xlsx --out age.xlsx\n  weft matrix study.weft --cols codes --cooccur turn --where Phase=post"
    )]
    Matrix(matrix::MatrixArgs),
    /// The framework matrix: participants × codes, with quotes and your summaries.
    #[command(
        after_help = "Example:\n  weft framework study.weft --depth 2 --rollup --out framework.csv"
    )]
    Framework(matrix::FrameworkArgs),
    /// Read or set your summary of a framework-matrix cell (participant × code).
    #[command(
        after_help = "Example:\n  weft summary study.weft --participant P07 --code \"Types of support/Concrete\" --set \"Goods and moving help\""
    )]
    Summary(matrix::SummaryArgs),
    /// Export the project as REFI-QDA (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder.
    #[command(
        name = "export-qdpx",
        after_help = "Example:\n  weft export-qdpx study.weft study.qdpx"
    )]
    ExportQdpx {
        /// The project file.
        project: PathBuf,
        /// The .qdpx file to write.
        file: PathBuf,
    },
    /// Import a REFI-QDA project (.qdpx) into a new Weft project, and report what was read.
    #[command(
        name = "import-qdpx",
        after_help = "Example:\n  weft import-qdpx from_nvivo.qdpx study.weft"
    )]
    ImportQdpx {
        /// The .qdpx file to read.
        file: PathBuf,
        /// The new project file to create.
        project: PathBuf,
    },
    /// Undo the latest change.
    #[command(after_help = "Example:\n  weft undo study.weft")]
    Undo {
        /// The project file.
        project: PathBuf,
    },
    /// Redo the latest undone change.
    #[command(after_help = "Example:\n  weft redo study.weft")]
    Redo {
        /// The project file.
        project: PathBuf,
    },
    /// List the changes that can be undone and redone.
    #[command(after_help = "Example:\n  weft history study.weft")]
    History {
        /// The project file.
        project: PathBuf,
    },
}

/// The coder to record when `--coder` is not given: the user's login name.
pub fn default_coder() -> String {
    std::env::var("WEFT_CODER")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "coder".to_string())
}

/// Runs a subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::New { project } => {
            Store::create(&project)?;
            println!("Created {}", project.display());
        }
        Command::Info { project } => project::info(&project)?,
        Command::Demo { project } => {
            crate::demo::write_demo(&project)?;
            println!("Wrote the demo project to {}", project.display());
        }
        Command::Import(args) => project::import(args)?,
        Command::Participants(args) => project::participants(args)?,
        Command::Docs { project } => project::docs(&project)?,
        Command::Show(args) => project::show(args)?,
        Command::Codebook(c) => codes::codebook(c)?,
        Command::Codes(c) => codes::codes(c)?,
        Command::Code(args) => coding::code(args)?,
        Command::Uncode(args) => coding::uncode(args)?,
        Command::Recode(args) => coding::recode(args)?,
        Command::Autocode(args) => coding::autocode(args)?,
        Command::Memo(args) => coding::memo(args)?,
        Command::Segments(args) => segments::segments(args)?,
        Command::Matrix(args) => matrix::matrix(args)?,
        Command::ExportQdpx { project, file } => {
            let store = Store::open(&project)?;
            crate::refi::export::write_qdpx(&store.read(), &file)?;
            println!("Wrote {}", file.display());
        }
        Command::ImportQdpx { file, project } => {
            let report = crate::refi::import::import_qdpx(&file, &project, Default::default())?;
            print!("{report}");
            println!("Created {}", project.display());
        }
        Command::Framework(args) => matrix::framework(args)?,
        Command::Summary(args) => matrix::summary(args)?,
        Command::Undo { project } => match Store::open(&project)?.undo()? {
            Some(label) => println!("Undid: {label}"),
            None => println!("Nothing to undo"),
        },
        Command::Redo { project } => match Store::open(&project)?.redo()? {
            Some(label) => println!("Redid: {label}"),
            None => println!("Nothing to redo"),
        },
        Command::History { project } => {
            let (undo, redo) = Store::open(&project)?.history()?;
            println!("Can undo ({}):", undo.len());
            for e in undo {
                println!("  {}  {}", e.created_at, e.label);
            }
            println!("Can redo ({}):", redo.len());
            for e in redo {
                println!("  {}  {}", e.created_at, e.label);
            }
        }
    }
    Ok(())
}

/// Opens the window on a project (or the demo project).
pub fn open_window(project: Option<PathBuf>) -> anyhow::Result<()> {
    crate::ui::run(project)
}
