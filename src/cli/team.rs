//! `weft handout` and `weft merge`: the offline team workflow.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::edit::merge::{self, MergeReport, Source};
use crate::store::Store;

/// Arguments of `weft handout`.
#[derive(Debug, Args)]
pub struct HandoutArgs {
    /// The lead's project.
    pub project: PathBuf,
    /// The coder the copy is for.
    #[arg(long)]
    pub coder: String,
    /// The copy to write (it must not exist yet).
    #[arg(long)]
    pub out: PathBuf,
    /// Leave out everyone else's segments (and coders, and framework summaries),
    /// so the coder codes blind.
    #[arg(long)]
    pub blind: bool,
}

/// Arguments of `weft merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The project to merge into.
    pub into: PathBuf,
    /// A coder's project (.weft) or a REFI-QDA export (.qdpx) to bring in.
    pub from: PathBuf,
    /// Print the report and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also write the conflicts and skipped segments as CSV.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

pub fn handout(a: HandoutArgs) -> anyhow::Result<()> {
    let coder = a.coder.trim();
    crate::model::check_name_characters("a coder's name", coder)?;
    if coder.is_empty() {
        anyhow::bail!("--coder needs a name");
    }
    let store = Store::open(&a.project)?;
    let src = Source::load(&store.read())?;
    let edit = merge::copy_of(&src, a.blind.then_some(coder))?;
    let kept: usize = if a.blind {
        src.snapshot
            .segments
            .iter()
            .filter(|s| crate::model::same_name(src.snapshot.coder_name(s.coder), coder))
            .count()
    } else {
        src.snapshot.segments.len()
    };
    Store::build(&a.out, Some(&src.guid), |copy| {
        copy.set_coder(coder);
        copy.change(&format!("Hand out to {coder}"), |_| Ok(edit))
    })?;
    println!(
        "Wrote {} for {coder}: {} document(s), {} code(s), {} segment(s){}.",
        a.out.display(),
        src.snapshot.documents.len(),
        src.snapshot.codes.codes().len(),
        kept,
        if a.blind {
            " (blind: no one else's coding)"
        } else {
            ""
        }
    );
    println!(
        "{coder} codes with `WEFT_CODER={coder} weft …` or by naming themselves in the window; \
         bring the copy back with `weft merge {} {}`.",
        a.project.display(),
        a.out.display()
    );
    Ok(())
}

pub fn merge_cmd(a: MergeArgs) -> anyhow::Result<()> {
    if same_file(&a.into, &a.from) {
        anyhow::bail!(
            "{} and {} are the same file",
            a.into.display(),
            a.from.display()
        );
    }
    let src =
        merge::load_source(&a.from).with_context(|| format!("cannot read {}", a.from.display()))?;
    let mut store = Store::open(&a.into)?;
    let report = if a.dry_run {
        merge::merge(&store.read(), &src)?.1
    } else {
        let mut report = MergeReport::default();
        let label = format!(
            "Merge {}",
            a.from
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        );
        store.change(&label, |r| {
            let (edit, rep) = merge::merge(r, &src)?;
            report = rep;
            Ok(edit)
        })?;
        report
    };
    if let Some(path) = &a.report {
        crate::export::write_atomically(path, |f| write_report_csv(&report, f))?;
    }
    print!("{report}");
    if a.dry_run {
        println!("Dry run: nothing was written.");
    } else if report.is_empty() {
        println!("Nothing new to merge from {}.", a.from.display());
    } else {
        println!(
            "Merged {} into {} as one change (`weft undo {}` takes it back).",
            a.from.display(),
            a.into.display(),
            a.into.display()
        );
    }
    Ok(())
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The conflicts and skipped segments as CSV: kind, item, kept, not taken.
pub fn write_report_csv(report: &MergeReport, out: impl std::io::Write) -> crate::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let err = |e: csv::Error| crate::Error::Invalid(format!("cannot write the report: {e}"));
    crate::export::write_safe_record(&mut w, ["kind", "item", "kept", "not_taken"]).map_err(err)?;
    for c in &report.conflicts {
        crate::export::write_safe_record(&mut w, [c.kind, &c.item, &c.into, &c.from])
            .map_err(err)?;
    }
    for s in &report.skipped {
        let item = format!(
            "segment {} {}-{} {} by {}",
            s.document, s.range.start, s.range.end, s.code, s.coder
        );
        crate::export::write_safe_record(&mut w, ["skipped", &item, "", &s.reason]).map_err(err)?;
    }
    w.flush()
        .map_err(|e| crate::Error::Invalid(format!("cannot write the report: {e}")))
}

/// `weft team`: the members of a team project on a server.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Make a PostgreSQL login a member: a coder (their own segments and memos) or a lead (everything)
    #[command(
        after_help = "Examples:\n  weft team add postgres://ana@db.example.org/study --coder ben --role coder\n  weft team add postgres://ana@db.example.org/study --coder cy --login cy_smith --role lead"
    )]
    Add {
        /// The team project: postgres://owner@host/database (run as the database's owner).
        url: PathBuf,
        /// The coder name their segments carry.
        #[arg(long)]
        coder: String,
        /// Their PostgreSQL login (default: the coder name); created if the server has none.
        #[arg(long)]
        login: Option<String>,
        /// lead or coder.
        #[arg(long, default_value = "coder")]
        role: String,
    },
    /// List the members: login, coder and role
    #[command(after_help = "Example:\n  weft team list postgres://ana@db.example.org/study")]
    List {
        /// The team project.
        url: PathBuf,
    },
}

/// Runs `weft team`.
pub fn team(c: TeamCommand) -> anyhow::Result<()> {
    match c {
        TeamCommand::Add {
            url,
            coder,
            login,
            role,
        } => {
            let mut store = Store::open(&url)?;
            let login = login.unwrap_or_else(|| coder.clone());
            crate::store::pg::add_member(&mut store, &login, &coder, &role)?;
            println!(
                "{login} codes as {coder}, as a {role}, in {}",
                store.path().display()
            );
        }
        TeamCommand::List { url } => {
            let store = Store::open(&url)?;
            println!("login\tcoder\trole");
            for m in crate::store::pg::members(&store)? {
                println!("{}\t{}\t{}", m.login, m.coder, m.role);
            }
        }
    }
    Ok(())
}
