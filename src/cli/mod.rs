//! The `weft` command line: parses arguments, calls the library, prints.
//!
//! Each subcommand opens the project, makes at most one change through
//! [`crate::store::Store::change`] and reports what it did. Errors go to stderr
//! with a non-zero exit code (see `main.rs`).

mod agreement;
mod codes;
mod coding;
mod matrix;
mod practice;
mod project;
mod report;
mod segments;
mod team;

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
    /// Open a project in the window: a .weft file, or a team project on a PostgreSQL server
    #[command(
        after_help = "Examples:\n  weft open study.weft\n  weft open postgres://ana@db.example.org/study?sslmode=require"
    )]
    Open {
        /// The project file, or the server's postgres:// URL.
        project: PathBuf,
    },
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
        after_help = "Example:\n  weft code study.weft --doc P07 --start 120 --end 188 --code \"Types of support/Emotional\" --memo \"first mention\""
    )]
    Code(coding::CodeArgs),
    /// Remove a code from a range.
    #[command(
        after_help = "Example:\n  weft uncode study.weft --doc P07 --start 120 --end 188 --code \"Types of support/Emotional\""
    )]
    Uncode(coding::SegmentArgs),
    /// Pin a coded segment as an exemplar quote of its code (for the codebook and its report).
    #[command(
        after_help = "Examples:\n  weft pin study.weft --doc P07 --start 120 --end 188 --code \"Types of support/Emotional\"\n  weft pin study.weft --doc P07 --start 120 --end 188 --code \"Types of support/Emotional\" --unpin"
    )]
    Pin(coding::PinArgs),
    /// Move a coded segment to another code.
    #[command(
        after_help = "Example:\n  weft recode study.weft --doc P07 --start 120 --end 188 --code \"Types of support/Emotional\" --to \"Types of support/Concrete\""
    )]
    Recode(coding::RecodeArgs),
    /// Code every match of a pattern, widened to its sentence, paragraph or turn.
    #[command(
        after_help = "Example:\n  weft autocode study.weft --pattern \"(?i)\\bmentor\\b\" --code Mentor --unit sentence --speaker P07"
    )]
    Autocode(coding::AutocodeArgs),
    /// Read or set a memo on the project, a document, a code or a segment.
    #[command(
        after_help = "Examples:\n  weft memo study.weft --project-memo --set \"Second round of coding\"\n  weft memo study.weft --code Outcomes\n  weft memo study.weft --doc P07 --start 120 --end 188 --code \"Types of support/Emotional\" --set \"strong example\"\n  weft memo study.weft --doc P01 --start 174 --end 253 --code \"Engagement/Shared experience\" --coder ben   # coded by two coders"
    )]
    Memo(coding::MemoArgs),
    /// List coded segments as CSV or JSON, with participants' attributes.
    #[command(
        after_help = "Examples:\n  weft segments study.weft --code \"Engagement/Shared experience\" --where Phase=post --format csv > shared_post.csv\n  weft segments study.weft --where \"Phase=pre|post\" --where Age=30..45 --out segments.csv"
    )]
    Segments(segments::SegmentsArgs),
    /// Cross codes with an attribute, participants, documents or codes (a data matrix).
    #[command(
        after_help = "Examples:\n  weft matrix study.weft --cols Phase --measure percent --rollup --rows codes:2\n  weft matrix study.weft --cols Age --bins 26-35,36-45,46-60 --measure participants --format xlsx --out age.xlsx\n  weft matrix study.weft --cols codes --cooccur turn --where Phase=post"
    )]
    Matrix(matrix::MatrixArgs),
    /// Write a copy of the project for one coder (with --blind, without anyone else's coding).
    #[command(
        after_help = "Examples:\n  weft handout study.weft --coder cy --out cy.weft --blind\n  weft handout study.weft --coder ana --out ana.weft"
    )]
    Handout(team::HandoutArgs),
    /// Merge a coder's copy (.weft) or a REFI-QDA export (.qdpx) into a project, as one change.
    #[command(
        after_help = "Examples:\n  weft merge study.weft cy.weft --dry-run\n  weft merge study.weft cy.weft --report conflicts.csv\n  weft merge study.weft from_nvivo.qdpx"
    )]
    Merge(team::MergeArgs),
    /// Inter-coder agreement: percent, Cohen, Fleiss, Brennan–Prediger, Krippendorff's
    /// alpha and unitized alpha, F1 and Jaccard, per code and document and pooled.
    #[command(
        after_help = "Examples:\n  weft agreement study.weft --coders ana,ben\n  weft agreement study.weft --coders ana,ben --by code-document --unit sentence\n  weft agreement study.weft --coders ana,ben --codes \"Types of support\" --include descendants --by overall\n  weft agreement study.weft --coders ana,ben --format xlsx --out agreement.xlsx\n  weft agreement study.weft --coders ana,ben --disagreements --out disagreements.csv"
    )]
    Agreement(agreement::AgreementArgs),
    /// The framework matrix: participants × codes, with quotes and your summaries.
    #[command(
        after_help = "Example:\n  weft framework study.weft --depth 2 --rollup --out framework.csv"
    )]
    Framework(matrix::FrameworkArgs),
    /// Reports a thesis can use, as .docx or .html: the codebook, or a matrix's findings.
    #[command(
        subcommand,
        after_help = "Examples:\n  weft report codebook study.weft --out codebook.docx\n  weft report matrix study.weft --cols Phase --quotes 2 --out findings.html"
    )]
    Report(report::ReportCommand),
    /// Practice against an expert: make a practice project, or check your coding in one.
    #[command(
        subcommand,
        after_help = "Examples:\n  weft practice make study.weft --expert ana --docs P03,P07 --out practice.weft\n  weft practice check practice.weft"
    )]
    Practice(practice::PracticeCommand),
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
        after_help = "Examples:\n  weft import-qdpx from_nvivo.qdpx study.weft\n  weft import-qdpx from_nvivo.qdpx study.weft --positions utf16"
    )]
    ImportQdpx {
        /// The .qdpx file to read.
        file: PathBuf,
        /// The new project file to create.
        project: PathBuf,
        /// How the file counts positions (default: trust a file Weft wrote,
        /// else the standard unless another counting is clearly better).
        #[arg(long, value_enum)]
        positions: Option<crate::refi::import::Positions>,
    },
    /// A team project's members: who codes, as whom, and whether they lead (PostgreSQL enforces it)
    #[command(
        subcommand,
        after_help = "Examples:\n  weft team add postgres://ana@db.example.org/study --coder ben --role coder\n  weft team list postgres://ana@db.example.org/study"
    )]
    Team(team::TeamCommand),
    /// Upload a project into an empty PostgreSQL database, for a team (one transaction).
    #[command(
        after_help = "Examples:\n  weft push study.weft postgres://ana@db.example.org/study\n  PGPASSWORD=… weft push study.weft postgres://ana@127.0.0.1:5432/study"
    )]
    Push {
        /// The project file.
        project: PathBuf,
        /// The database: postgres://user@host:port/database (the password from
        /// PGPASSWORD, ~/.pgpass or a prompt).
        url: String,
    },
    /// Save a project on a PostgreSQL server as a .weft file (it merges back with weft merge).
    #[command(after_help = "Example:\n  weft pull postgres://ana@db.example.org/study copy.weft")]
    Pull {
        /// The database: postgres://user@host:port/database.
        url: String,
        /// The new project file to write.
        project: PathBuf,
    },
    /// Undo your latest change (never another coder's).
    #[command(
        after_help = "Examples:\n  weft undo study.weft\n  weft undo study.weft --coder tester   # that coder's own latest change"
    )]
    Undo {
        /// The project file.
        project: PathBuf,
        /// Whose change (default: $WEFT_CODER, else your login name).
        #[arg(long)]
        coder: Option<String>,
    },
    /// Redo your latest undone change.
    #[command(after_help = "Example:\n  weft undo study.weft && weft redo study.weft")]
    Redo {
        /// The project file.
        project: PathBuf,
        /// Whose change (default: $WEFT_CODER, else your login name).
        #[arg(long)]
        coder: Option<String>,
    },
    /// List the changes you can undo and redo, or forget every coder's history for good.
    #[command(
        after_help = "Examples:\n  weft history study.weft\n  weft history study.weft --coder ben\n  weft history study.weft --clear   # removed data can no longer be restored"
    )]
    History {
        /// The project file.
        project: PathBuf,
        /// Whose history (default: $WEFT_CODER, else your login name).
        #[arg(long)]
        coder: Option<String>,
        /// Forget the undo and redo history of every coder, so that what was
        /// deleted (a withdrawn participant's transcript) is gone from the file.
        #[arg(long)]
        clear: bool,
    },
    /// Delete a document and its coding (when a participant withdraws consent).
    #[command(
        name = "delete-document",
        after_help = "Example:\n  weft delete-document study.weft P07\n  weft history study.weft --clear   # then it cannot be undone, and its text is gone from the file"
    )]
    DeleteDocument {
        /// The project file.
        project: PathBuf,
        /// The document's name.
        name: String,
    },
}

/// The coder to record when `--coder` is not given (see [`crate::model::default_coder`]).
pub fn default_coder() -> String {
    crate::model::default_coder()
}

/// Runs a subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Open { .. } => {
            anyhow::bail!("weft open shows the window, which this build of the command line cannot")
        }
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
        Command::Pin(args) => coding::pin(args)?,
        Command::Recode(args) => coding::recode(args)?,
        Command::Autocode(args) => coding::autocode(args)?,
        Command::Memo(args) => coding::memo(args)?,
        Command::Segments(args) => segments::segments(args)?,
        Command::Matrix(args) => matrix::matrix(args)?,
        Command::Agreement(args) => agreement::agreement(args)?,
        Command::Handout(args) => team::handout(args)?,
        Command::Merge(args) => team::merge_cmd(args)?,
        Command::ExportQdpx { project, file } => {
            let store = Store::open(&project)?;
            crate::refi::export::write_qdpx(&store.read(), &file)?;
            println!("Wrote {}", file.display());
        }
        Command::ImportQdpx {
            file,
            project,
            positions,
        } => {
            let report = crate::refi::import::import_qdpx_with(
                &file,
                &project,
                Default::default(),
                positions,
            )?;
            print!("{report}");
            println!("Created {}", project.display());
        }
        Command::Framework(args) => matrix::framework(args)?,
        Command::Summary(args) => matrix::summary(args)?,
        Command::Report(c) => report::run(c)?,
        Command::Practice(c) => practice::run(c)?,
        Command::Team(c) => team::team(c)?,
        Command::Push { project, url } => {
            let server = crate::store::pg::Server::parse(&url)?;
            let moved = crate::store::pg::push(&project, &server)?;
            println!(
                "Pushed {} to {}: {}",
                project.display(),
                server.shown(),
                moved.summary()
            );
        }
        Command::Pull { url, project } => {
            let server = crate::store::pg::Server::parse(&url)?;
            let moved = crate::store::pg::pull(&server, &project)?;
            println!(
                "Pulled {} into {}: {}",
                server.shown(),
                project.display(),
                moved.summary()
            );
        }
        Command::Undo { project, coder } => step(&project, coder, false)?,
        Command::Redo { project, coder } => step(&project, coder, true)?,
        Command::History {
            project,
            coder,
            clear,
        } => {
            let mut store = open_as(&project, coder)?;
            if clear {
                store.forget_history()?;
                println!(
                    "Forgot the undo and redo history of every coder in {}",
                    project.display()
                );
                return Ok(());
            }
            let (undo, redo) = store.history()?;
            println!("{} can undo ({}):", store.coder(), undo.len());
            for e in undo {
                println!("  {}  {}", e.created_at, e.label);
            }
            println!("{} can redo ({}):", store.coder(), redo.len());
            for e in redo {
                println!("  {}  {}", e.created_at, e.label);
            }
        }
        Command::DeleteDocument { project, name } => {
            let mut store = Store::open(&project)?;
            let mut what = (0, String::new());
            store.change(&format!("Delete document \"{name}\""), |r| {
                let (edit, n, doc) = crate::edit::ops::delete_document(r, &name)?;
                what = (n, doc.name);
                Ok(edit)
            })?;
            println!(
                "Deleted document {} and its {} segment(s). `weft undo` brings it back; \
                 `weft history --clear` forgets it for good.",
                what.1, what.0
            );
        }
    }
    Ok(())
}

/// Opens a project as a coder: the one named, else the default coder.
fn open_as(project: &std::path::Path, coder: Option<String>) -> anyhow::Result<Store> {
    let mut store = Store::open(project)?;
    code_as(&mut store, coder)?;
    Ok(store)
}

/// Who codes: the coder named (`--coder`), else the default. In a team
/// project the team has given the login its coder: naming another is an
/// error, and the default (`WEFT_CODER`, the login name) gives way to it.
pub(crate) fn code_as(store: &mut Store, asked: Option<String>) -> anyhow::Result<String> {
    if store.team_role().is_some() {
        if let Some(name) = asked.filter(|n| n.trim() != store.coder()) {
            anyhow::bail!(
                "in this team project your login codes as \"{}\", not \"{}\"; leave out --coder, or ask a lead (weft team add)",
                store.coder(),
                name.trim()
            );
        }
    } else {
        store.set_coder(&asked.unwrap_or_else(default_coder));
    }
    Ok(store.coder().to_string())
}

/// `weft undo` and `weft redo`: the coder's own latest change. Nothing to undo
/// is an error, so a script notices.
fn step(project: &std::path::Path, coder: Option<String>, redo: bool) -> anyhow::Result<()> {
    let mut store = open_as(project, coder)?;
    let done = if redo { store.redo()? } else { store.undo()? };
    let verb = if redo { "redo" } else { "undo" };
    match done {
        Some(label) => println!(
            "{}: {label} (by {})",
            if redo { "Redid" } else { "Undid" },
            store.coder()
        ),
        None => anyhow::bail!(
            "nothing to {verb} for coder \"{}\" in {} (other coders' changes are theirs to {verb}; see `weft history`)",
            store.coder(),
            project.display()
        ),
    }
    Ok(())
}
