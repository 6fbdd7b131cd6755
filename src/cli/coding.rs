//! `weft code`, `uncode`, `recode`, `autocode` and `memo`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::analysis::search::{Unit, build_pattern, find_hits_counted};
use crate::edit::Edit;
use crate::edit::ops::{self, MemoTarget, find_code};
use crate::error::Error;
use crate::model::{CharRange, DocumentId, SegmentId};
use crate::store::{Reader, Store};

/// Names one coded segment: document, range and code (and optionally coder).
#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// The project file.
    pub project: PathBuf,
    /// The document's name.
    #[arg(long)]
    pub doc: String,
    /// First code point (counting from 0).
    #[arg(long)]
    pub start: usize,
    /// One past the last code point.
    #[arg(long)]
    pub end: usize,
    /// The code's path.
    #[arg(long)]
    pub code: String,
    /// Only this coder's segment (default: any coder's).
    #[arg(long)]
    pub coder: Option<String>,
}

/// Arguments of `weft code`.
#[derive(Debug, Args)]
pub struct CodeArgs {
    /// The project file.
    pub project: PathBuf,
    /// The document's name.
    #[arg(long)]
    pub doc: String,
    /// First code point (counting from 0).
    #[arg(long)]
    pub start: usize,
    /// One past the last code point.
    #[arg(long)]
    pub end: usize,
    /// The code's path; missing codes along it are created.
    #[arg(long)]
    pub code: String,
    /// Who is coding (default: $WEFT_CODER, else your login name).
    #[arg(long)]
    pub coder: Option<String>,
    /// A memo on the new segment.
    #[arg(long, default_value = "")]
    pub memo: String,
}

/// Arguments of `weft pin`.
#[derive(Debug, Args)]
pub struct PinArgs {
    /// Which segment.
    #[command(flatten)]
    pub segment: SegmentArgs,
    /// Unpin it instead.
    #[arg(long)]
    pub unpin: bool,
}

/// Arguments of `weft recode`.
#[derive(Debug, Args)]
pub struct RecodeArgs {
    /// Which segment.
    #[command(flatten)]
    pub segment: SegmentArgs,
    /// The code's path to move it to.
    #[arg(long)]
    pub to: String,
}

/// Arguments of `weft autocode`.
#[derive(Debug, Args)]
pub struct AutocodeArgs {
    /// The project file.
    pub project: PathBuf,
    /// A regular expression (or plain text with --plain).
    #[arg(long)]
    pub pattern: String,
    /// The code's path; created when missing.
    #[arg(long)]
    pub code: String,
    /// How much to code around each match.
    #[arg(long, value_enum, default_value_t = Unit::Match)]
    pub unit: Unit,
    /// Only matches in this speaker's turns.
    #[arg(long)]
    pub speaker: Option<String>,
    /// Only these documents (default: all).
    #[arg(long, num_args = 1..)]
    pub docs: Vec<String>,
    /// Search for the pattern as plain text.
    #[arg(long)]
    pub plain: bool,
    /// Ignore upper and lower case.
    #[arg(long, short = 'i')]
    pub ignore_case: bool,
    /// Who is coding (default: $WEFT_CODER, else your login name).
    #[arg(long)]
    pub coder: Option<String>,
}

/// Arguments of `weft memo`.
#[derive(Debug, Args)]
pub struct MemoArgs {
    /// The project file.
    pub project: PathBuf,
    /// The project's own memo.
    #[arg(long, conflicts_with_all = ["doc", "code"])]
    pub project_memo: bool,
    /// A document's memo (with --start, --end and --code: a segment's memo).
    #[arg(long)]
    pub doc: Option<String>,
    /// A code's memo (with --doc, --start and --end: a segment's memo).
    #[arg(long)]
    pub code: Option<String>,
    /// The segment's first code point.
    #[arg(long, requires_all = ["doc", "code", "end"])]
    pub start: Option<usize>,
    /// The segment's end.
    #[arg(long, requires_all = ["doc", "code", "start"])]
    pub end: Option<usize>,
    /// Set the memo to this text (without it, the memo is printed).
    #[arg(long)]
    pub set: Option<String>,
    /// For a segment that several coders coded: whose segment.
    #[arg(long, requires = "start")]
    pub coder: Option<String>,
}

fn document(r: &Reader<'_>, name: &str) -> crate::Result<DocumentId> {
    Ok(r.document_by_name(name)?
        .ok_or_else(|| {
            Error::Invalid(format!(
                "no document \"{name}\"; list them with `weft docs`"
            ))
        })?
        .id)
}

/// The segments a [`SegmentArgs`] names.
fn find_segments(r: &Reader<'_>, a: &SegmentArgs) -> crate::Result<Vec<SegmentId>> {
    let doc = document(r, &a.doc)?;
    let code = find_code(&r.code_tree()?, &a.code)?;
    let coder = match &a.coder {
        Some(name) => Some(
            r.coder_by_name(name)?
                .ok_or_else(|| Error::Invalid(format!("no coder \"{name}\" in the project")))?
                .id,
        ),
        None => None,
    };
    let range = CharRange::new(a.start, a.end);
    let ids: Vec<SegmentId> = r
        .segments_of_code(code)?
        .into_iter()
        .filter(|s| s.document == doc && s.range == range && coder.is_none_or(|c| c == s.coder))
        .map(|s| s.id)
        .collect();
    if ids.is_empty() {
        return Err(Error::Invalid(format!(
            "\"{}\" has no segment {}..{} coded \"{}\"; list them with `weft segments --code`",
            a.doc, a.start, a.end, a.code
        )));
    }
    Ok(ids)
}

pub fn code(a: CodeArgs) -> anyhow::Result<()> {
    let mut store = Store::open(&a.project)?;
    let coder = super::code_as(&mut store, a.coder.clone())?;
    let (mut added, mut memo_set, mut stored_path) = (0, false, a.code.clone());
    store.change(&format!("Apply code \"{}\"", a.code), |r| {
        let doc = document(r, &a.doc)?;
        let range = CharRange::new(a.start, a.end);
        let (edit, n) = ops::code_path_ranges(r, &[(doc, range)], &a.code, &coder, &a.memo)?;
        added = n;
        if n > 0 || a.memo.is_empty() {
            if let Ok(id) = find_code(&r.code_tree()?, &a.code) {
                stored_path = r.code_tree()?.path(id);
            }
            return Ok(edit);
        }
        // Already coded by this coder: the memo given goes on that segment
        // rather than being dropped.
        let tree = r.code_tree()?;
        let code = find_code(&tree, &a.code)?;
        stored_path = tree.path(code);
        let coder_id = r.coder_by_name(&coder)?.map(|c| c.id);
        let Some(seg) = r
            .segments_of_code(code)?
            .into_iter()
            .find(|s| s.document == doc && s.range == range && Some(s.coder) == coder_id)
        else {
            return Ok(edit);
        };
        if seg.memo == a.memo {
            return Ok(edit);
        }
        memo_set = true;
        ops::set_memo(r, MemoTarget::Segment(seg.id), &a.memo)
    })?;
    let place = format!("{} {}..{}", a.doc, a.start, a.end);
    if memo_set {
        println!("Already coded: {place} {stored_path} by {coder}; its memo is now the one given");
    } else if added == 0 {
        println!("Already coded: {place} {stored_path} by {coder}");
    } else {
        println!("Coded {place} as {stored_path} by {coder}");
    }
    Ok(())
}

pub fn uncode(a: SegmentArgs) -> anyhow::Result<()> {
    let mut store = Store::open(&a.project)?;
    let mut n = 0;
    store.change(&format!("Remove code \"{}\"", a.code), |r| {
        let ids = find_segments(r, &a)?;
        n = ids.len();
        Ok(Edit::DeleteSegments(ids))
    })?;
    println!("Removed {n} segment(s)");
    Ok(())
}

pub fn pin(a: PinArgs) -> anyhow::Result<()> {
    let mut store = Store::open(&a.segment.project)?;
    let label = if a.unpin {
        "Unpin exemplar"
    } else {
        "Pin exemplar"
    };
    let mut n = 0;
    store.change(label, |r| {
        let ids = find_segments(r, &a.segment)?;
        n = ids.len();
        let edits = ids
            .into_iter()
            .map(|id| ops::set_exemplar(r, id, !a.unpin))
            .collect::<crate::Result<Vec<_>>>()?;
        Ok(Edit::Batch(edits))
    })?;
    let what = if a.unpin { "Unpinned" } else { "Pinned" };
    println!("{what} {n} segment(s) as exemplar of {}", a.segment.code);
    Ok(())
}

pub fn recode(a: RecodeArgs) -> anyhow::Result<()> {
    let mut store = Store::open(&a.segment.project)?;
    store.change(
        &format!("Recode \"{}\" to \"{}\"", a.segment.code, a.to),
        |r| {
            let ids = find_segments(r, &a.segment)?;
            let target = find_code(&r.code_tree()?, &a.to)?;
            ops::recode_segments(r, &ids, target)
        },
    )?;
    println!("Recoded to {}", a.to);
    Ok(())
}

pub fn autocode(a: AutocodeArgs) -> anyhow::Result<()> {
    let pattern = build_pattern(&a.pattern, a.plain, a.ignore_case)?;
    let mut store = Store::open(&a.project)?;
    let coder = super::code_as(&mut store, a.coder.clone())?;
    let (mut matches, mut hits, mut added) = (0, 0, 0);
    store.change(&format!("Autocode \"{}\"", a.code), |r| {
        let docs = if a.docs.is_empty() {
            r.documents()?
        } else {
            let mut v = Vec::new();
            for name in &a.docs {
                let id = document(r, name)?;
                v.push(r.document(id)?.expect("just found"));
            }
            v
        };
        let mut ranges = Vec::new();
        for d in &docs {
            let text = r.document_text(d.id)?;
            let turns = r.turns(d.id)?;
            let (units, n) =
                find_hits_counted(&text, &turns, &pattern, a.unit, a.speaker.as_deref());
            matches += n;
            ranges.extend(units.into_iter().map(|u| (d.id, u)));
        }
        hits = ranges.len();
        if ranges.is_empty() {
            return Ok(Edit::Batch(vec![]));
        }
        let (edit, n) = ops::code_path_ranges(r, &ranges, &a.code, &coder, "")?;
        added = n;
        Ok(edit)
    })?;
    let unit = match a.unit {
        Unit::Match => "match(es)",
        Unit::Sentence => "sentence(s)",
        Unit::Paragraph => "paragraph(s)",
        Unit::Turn => "turn(s)",
    };
    let within = if a.unit == Unit::Match {
        String::new()
    } else {
        format!(" in {hits} {unit}")
    };
    println!(
        "Found {matches} match(es){within}; coded {added} new segment(s) as {}{}",
        a.code,
        if hits > added {
            format!(" ({} {unit} were already coded)", hits - added)
        } else {
            String::new()
        }
    );
    Ok(())
}

pub fn memo(a: MemoArgs) -> anyhow::Result<()> {
    let mut store = Store::open(&a.project)?;
    let target = {
        let r = store.read();
        if a.project_memo {
            MemoTarget::Project
        } else {
            match (&a.doc, &a.code, a.start, a.end) {
                (Some(doc), Some(code), Some(start), Some(end)) => {
                    let ids = find_segments(
                        &r,
                        &SegmentArgs {
                            project: a.project.clone(),
                            doc: doc.clone(),
                            start,
                            end,
                            code: code.clone(),
                            coder: a.coder.clone(),
                        },
                    )?;
                    if ids.len() > 1 {
                        let mut coders: Vec<(String, String)> = Vec::new();
                        let names = r.coders()?;
                        for id in &ids {
                            if let Some(seg) = r.segment(*id)?
                                && let Some(c) = names.iter().find(|c| c.id == seg.coder)
                            {
                                coders.push((c.name.clone(), seg.memo));
                            }
                        }
                        if a.set.is_none() {
                            // Reading: each coder's memo, named.
                            for (coder, memo) in &coders {
                                println!("{coder}: {memo}");
                            }
                            return Ok(());
                        }
                        let coders: Vec<String> = coders.into_iter().map(|c| c.0).collect();
                        bail!(
                            "{} coders coded {doc} {start}..{end} as \"{code}\" ({}); say whose memo with --coder",
                            ids.len(),
                            coders.join(", ")
                        );
                    }
                    MemoTarget::Segment(ids[0])
                }
                (Some(doc), None, None, None) => MemoTarget::Document(document(&r, doc)?),
                (None, Some(code), None, None) => {
                    MemoTarget::Code(find_code(&r.code_tree()?, code)?)
                }
                _ => bail!(
                    "say whose memo: --project-memo, --doc NAME, --code PATH, or --doc, --code, --start and --end for a segment"
                ),
            }
        }
    };
    match a.set {
        Some(text) => {
            store.change("Edit memo", |r| ops::set_memo(r, target, &text))?;
            println!("Memo saved");
        }
        None => {
            let text = ops::memo(&store.read(), target).context("reading the memo")?;
            println!("{text}");
        }
    }
    Ok(())
}
