//! `weft info`, `import`, `participants`, `docs` and `show`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use crate::edit::ops;
use crate::import::{self, encoding_by_label};
use crate::model::{AttributeKind, CharRange};
use crate::store::Store;
use crate::text::CharIndex;

/// Arguments of `weft import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The project file.
    pub project: PathBuf,
    /// Transcript files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Decode text files with this encoding (e.g. windows-1252, latin1, utf-16le)
    /// instead of detecting it.
    #[arg(long)]
    pub encoding: Option<String>,
}

/// Arguments of `weft participants`.
#[derive(Debug, Args)]
pub struct ParticipantsArgs {
    /// The project file.
    pub project: PathBuf,
    /// The CSV sheet.
    pub file: PathBuf,
    /// Force a column's type: NAME=text|number|date|bool. Repeatable.
    #[arg(long = "type", value_name = "NAME=KIND")]
    pub types: Vec<String>,
    /// Add participants the project does not have yet instead of refusing them.
    #[arg(long)]
    pub create_missing: bool,
}

/// Arguments of `weft show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The project file.
    pub project: PathBuf,
    /// The document's name.
    #[arg(long)]
    pub doc: String,
    /// List the speaker turns (start, end, speaker) instead of the text.
    #[arg(long)]
    pub turns: bool,
}

pub fn info(path: &Path) -> anyhow::Result<()> {
    let store = Store::open(path)?;
    let r = store.read();
    let (name, memo) = r.project()?;
    let c = r.counts()?;
    println!("Project:      {name}");
    println!("Documents:    {}", c.documents);
    println!("Participants: {}", c.participants);
    println!("Attributes:   {}", c.attributes);
    println!("Codes:        {}", c.codes);
    println!("Segments:     {}", c.segments);
    println!("Coders:       {}", c.coders);
    if !memo.is_empty() {
        println!("Memo:         {} characters", memo.chars().count());
    }
    Ok(())
}

pub fn import(args: ImportArgs) -> anyhow::Result<()> {
    let encoding = match &args.encoding {
        Some(label) => Some(encoding_by_label(label).with_context(|| {
            format!("unknown encoding \"{label}\"; try utf-8, windows-1252, latin1 or utf-16le")
        })?),
        None => None,
    };
    let mut store = Store::open(&args.project)?;
    let label = format!("Import {} transcript(s)", args.files.len());
    let done = import::import_transcripts(&mut store, &label, &args.files, encoding, |_, doc| {
        for n in &doc.notices {
            eprintln!("note: {}: {n}", doc.source_file.display());
        }
        Ok(())
    })?;
    println!(
        "Imported {} document(s), {} speaker turn(s), {} new participant(s)",
        done.documents, done.turns, done.participants
    );
    Ok(())
}

pub fn participants(args: ParticipantsArgs) -> anyhow::Result<()> {
    let mut forced = HashMap::new();
    for t in &args.types {
        let Some((name, kind)) = t.split_once('=') else {
            bail!("--type takes NAME=KIND, e.g. --type Age=number; got \"{t}\"");
        };
        let Some(kind) = AttributeKind::parse(kind) else {
            bail!("unknown type \"{kind}\"; use text, number, date or bool");
        };
        forced.insert(name.trim().to_string(), kind);
    }
    let mut store = Store::open(&args.project)?;
    let sheet = import::read_participants(&args.file, &forced)?;
    let options = ops::ParticipantImportOptions {
        create_missing: args.create_missing,
    };
    let mut notes = Vec::new();
    store.change("Import participants", |r| {
        notes = ops::sheet_spelling_notes(r, &sheet)?;
        ops::import_participants(r, &sheet, &options)
    })?;
    for n in &notes {
        println!("Note: {n}");
    }
    println!(
        "Imported {} participant row(s) with {} attribute(s):",
        sheet.rows.len(),
        sheet.columns.len()
    );
    for c in &sheet.columns {
        println!(
            "  {} ({}{})",
            c.name,
            c.kind.as_str(),
            if c.forced { ", forced" } else { "" }
        );
    }
    Ok(())
}

pub fn docs(path: &Path) -> anyhow::Result<()> {
    let store = Store::open(path)?;
    let r = store.read();
    let participants: HashMap<_, _> = r
        .participants()?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    println!("document\tparticipant\tcharacters\tturns\tsegments");
    let segments = r.segments()?;
    for d in r.documents()? {
        let n_seg = segments.iter().filter(|s| s.document == d.id).count();
        println!(
            "{}\t{}\t{}\t{}\t{}",
            d.name,
            d.participant
                .and_then(|p| participants.get(&p))
                .map_or("", |s| s),
            d.char_len,
            r.turns(d.id)?.len(),
            n_seg
        );
    }
    Ok(())
}

pub fn show(args: ShowArgs) -> anyhow::Result<()> {
    let store = Store::open(&args.project)?;
    let r = store.read();
    let doc = r
        .document_by_name(&args.doc)?
        .with_context(|| format!("no document \"{}\"; list them with `weft docs`", args.doc))?;
    let text = r.document_text(doc.id)?;
    if args.turns {
        let index = CharIndex::new(&text);
        println!("start\tend\tspeaker\tcharacters");
        for t in r.turns(doc.id)? {
            let speech = index.slice(CharRange::new(t.speech_start, t.range.end));
            println!(
                "{}\t{}\t{}\t{}",
                t.range.start,
                t.range.end,
                t.speaker,
                speech.chars().count()
            );
        }
    } else {
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
    }
    Ok(())
}
