//! Practice against an expert: the student's coding compared with the
//! expert's (kept blind in the project, see [`Practice`]) by the agreement
//! library, per code (F1 and Cohen's kappa over characters), and passage by
//! passage: agreed, partly agreed, missed or extra, with the expert's reason.
//!
//! The comparison is the agreement library's own: the expert's answers are
//! put into a copy of the snapshot as segments of one more coder, and
//! [`agreement::compute`] and [`agreement::stretches`] run on it. As there, a
//! document in which the student has coded nothing yet is left out of the
//! figures (and listed), rather than counted as all missed.

use std::collections::HashMap;

use super::agreement::{self, AgreementUnit, Figures, Include, RowKind, Scope};
use crate::error::{Error, Result};
use crate::model::*;

/// How one passage came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Coded exactly as the expert coded it.
    Agreed,
    /// Both coded it, but not over the same words.
    Partly,
    /// The expert coded it; the student did not.
    Missed,
    /// The student coded it; the expert did not.
    Extra,
}

impl Verdict {
    /// How the window and the command line name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agreed => "agreed",
            Verdict::Partly => "partly agreed",
            Verdict::Missed => "missed",
            Verdict::Extra => "extra",
        }
    }
}

/// One passage of the feedback: a connected stretch of either coding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// The document.
    pub document: DocumentId,
    /// The code.
    pub code: CodeId,
    /// The whole stretch (both versions joined).
    pub range: CharRange,
    /// How it came out.
    pub verdict: Verdict,
    /// The expert's runs inside it.
    pub expert: Vec<CharRange>,
    /// The student's runs inside it.
    pub yours: Vec<CharRange>,
    /// The expert's reasons for the passages inside it.
    pub reasons: Vec<String>,
    /// For a missed passage, the codes the student put on any of its words;
    /// for an extra one, the codes the expert put there. The usual lesson:
    /// the right words, another code.
    pub instead: Vec<CodeId>,
}

/// One code's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeResult {
    /// The code.
    pub code: CodeId,
    /// Every measure; the window shows F1 and Cohen's kappa.
    pub figures: Figures,
}

/// The whole feedback.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    /// The codes either coded, in tree order.
    pub by_code: Vec<CodeResult>,
    /// Everything pooled.
    pub overall: Option<Figures>,
    /// The passages, by document and position.
    pub passages: Vec<Passage>,
    /// Documents the student has not coded yet (left out of the figures).
    pub not_coded: Vec<DocumentId>,
}

/// The snapshot with the expert's answers added as segments of one more
/// coder (named after the expert, marked as such), and that coder's id.
/// Answers whose document or code is no longer in the project are left out.
pub fn with_expert(snap: &ProjectSnapshot, practice: &Practice) -> (ProjectSnapshot, CoderId) {
    let mut out = snap.clone();
    let expert = CoderId(snap.coders.iter().map(|c| c.id.0).max().unwrap_or(0) + 1);
    out.coders.push(Coder {
        id: expert,
        guid: String::new(),
        name: format!("{} (expert)", practice.expert),
    });
    let docs: HashMap<&str, DocumentId> = snap
        .documents
        .iter()
        .map(|d| (d.guid.as_str(), d.id))
        .collect();
    let codes: HashMap<&str, CodeId> = snap
        .codes
        .codes()
        .iter()
        .map(|c| (c.guid.as_str(), c.id))
        .collect();
    let mut next = snap.segments.iter().map(|s| s.id.0).max().unwrap_or(0) + 1;
    let mut answers = Vec::with_capacity(practice.answers.len());
    for a in &practice.answers {
        let (Some(&document), Some(&code)) = (
            docs.get(a.document_guid.as_str()),
            codes.get(a.code_guid.as_str()),
        ) else {
            continue;
        };
        answers.push(Segment {
            id: SegmentId(next),
            guid: String::new(),
            document,
            code,
            range: a.range,
            coder: expert,
            created_at: String::new(),
            memo: a.reason.clone(),
            exemplar: false,
        });
        next += 1;
    }
    out.segments.insert_many(answers);
    out.compute_stats();
    (out, expert)
}

/// Compares `student`'s coding with the expert's.
pub fn check(snap: &ProjectSnapshot, practice: &Practice, student: CoderId) -> Result<Feedback> {
    if snap.coders.iter().all(|c| c.id != student) {
        return Err(Error::Invalid(
            "you have not coded anything yet: code some passages, then check".into(),
        ));
    }
    let (both, expert) = with_expert(snap, practice);
    let coded_by = |who: CoderId| -> std::collections::HashSet<DocumentId> {
        both.segments
            .iter()
            .filter(|s| s.coder == who)
            .map(|s| s.document)
            .collect()
    };
    let (theirs, yours) = (coded_by(expert), coded_by(student));
    let not_coded: Vec<DocumentId> = both
        .documents
        .iter()
        .filter(|d| theirs.contains(&d.id) && !yours.contains(&d.id))
        .map(|d| d.id)
        .collect();
    let mut used: Vec<CodeId> = both
        .segments
        .iter()
        .filter(|s| s.coder == expert || s.coder == student)
        .filter(|s| !not_coded.contains(&s.document))
        .map(|s| s.code)
        .collect();
    used.sort();
    used.dedup();
    let order: HashMap<CodeId, usize> = both
        .codes
        .in_tree_order()
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c, i))
        .collect();
    used.sort_by_key(|c| order.get(c).copied().unwrap_or(usize::MAX));
    let scope = Scope {
        coders: vec![expert, student],
        codes: Some(used.clone()),
        documents: None,
        unit: AgreementUnit::Character,
        include: Include::Exact,
    };
    let report = agreement::compute(&both, &scope, &HashMap::new())?;
    let by_code = report
        .by_code
        .iter()
        .filter(|r| r.kind == RowKind::Pooled)
        .filter_map(|r| {
            Some(CodeResult {
                code: r.code?,
                figures: r.figures.clone(),
            })
        })
        .collect();
    let overall = report
        .overall
        .iter()
        .find(|r| r.kind == RowKind::Pooled)
        .map(|r| r.figures.clone());

    let mut passages: Vec<Passage> = agreement::stretches(&both, expert, student, &scope, true)
        .into_iter()
        .filter(|d| !not_coded.contains(&d.document))
        .map(|d| {
            let verdict = if d.second.is_empty() {
                Verdict::Missed
            } else if d.first.is_empty() {
                Verdict::Extra
            } else if d.differing == 0 {
                Verdict::Agreed
            } else {
                Verdict::Partly
            };
            let here = both.segments_of(d.document);
            let reasons = here
                .iter()
                .filter(|s| s.coder == expert && s.code == d.code && s.range.overlaps(&d.range))
                .map(|s| s.memo.clone())
                .filter(|m| !m.is_empty())
                .collect();
            let other = match verdict {
                Verdict::Missed => Some(student),
                Verdict::Extra => Some(expert),
                _ => None,
            };
            let mut instead: Vec<CodeId> = here
                .iter()
                .filter(|s| {
                    Some(s.coder) == other && s.code != d.code && s.range.overlaps(&d.range)
                })
                .map(|s| s.code)
                .collect();
            instead.sort();
            instead.dedup();
            Passage {
                document: d.document,
                code: d.code,
                range: d.range,
                verdict,
                expert: d.first,
                yours: d.second,
                reasons,
                instead,
            }
        })
        .collect();
    passages.sort_by_key(|p| (p.document, p.range.start, p.range.end, p.code));
    Ok(Feedback {
        by_code,
        overall,
        passages,
        not_coded,
    })
}

/// The feedback as text: the figures per code, then every passage with the
/// code's definition and the expert's reason. `quote` gives a range's text.
pub fn describe(
    snap: &ProjectSnapshot,
    practice: &Practice,
    f: &Feedback,
    mut quote: impl FnMut(DocumentId, CharRange) -> Option<String>,
) -> String {
    use std::fmt::Write as _;
    let fig = |x: &agreement::Figure| match x {
        Ok(v) => rounded(*v),
        Err(_) => "n/a".to_string(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Your coding against {}'s, by code (F1, Cohen's kappa):",
        practice.expert
    );
    for c in &f.by_code {
        let _ = writeln!(
            out,
            "  {}: F1 {}, kappa {}",
            snap.codes.path(c.code),
            fig(&c.figures.f1),
            fig(&c.figures.cohen_kappa)
        );
    }
    if let Some(o) = &f.overall {
        let _ = writeln!(
            out,
            "  all codes: F1 {}, kappa {}",
            fig(&o.f1),
            fig(&o.cohen_kappa)
        );
    }
    let count = |v: Verdict| f.passages.iter().filter(|p| p.verdict == v).count();
    let _ = writeln!(
        out,
        "\n{} agreed, {} partly agreed, {} missed, {} extra:",
        count(Verdict::Agreed),
        count(Verdict::Partly),
        count(Verdict::Missed),
        count(Verdict::Extra)
    );
    for p in &f.passages {
        let doc = snap.document(p.document).map_or("", |d| d.name.as_str());
        let _ = writeln!(
            out,
            "\n[{}] {} {}..{} {}",
            p.verdict.as_str(),
            doc,
            p.range.start,
            p.range.end,
            snap.codes.path(p.code)
        );
        if let Some(q) = quote(p.document, p.range) {
            let _ = writeln!(out, "  \u{201c}{q}\u{201d}");
        }
        if let Some(c) = snap.codes.get(p.code) {
            let def = c.brief();
            if !def.is_empty() {
                let _ = writeln!(out, "  The code: {def}");
            }
        }
        if let Some(line) = instead_line(snap, practice, p) {
            let _ = writeln!(out, "  {line}");
        }
        for r in &p.reasons {
            let _ = writeln!(out, "  Why ({}): {r}", practice.expert);
        }
    }
    for d in &f.not_coded {
        let name = snap.document(*d).map_or("", |d| d.name.as_str());
        let _ = writeln!(out, "\nNot coded yet (left out): {name}");
    }
    out
}

/// "You coded these words as …" for a missed passage, "Weft team coded these
/// words as …" for an extra one, when the other side used another code there.
pub fn instead_line(snap: &ProjectSnapshot, practice: &Practice, p: &Passage) -> Option<String> {
    if p.instead.is_empty() {
        return None;
    }
    let who = match p.verdict {
        Verdict::Missed => "You",
        Verdict::Extra => practice.expert.as_str(),
        _ => return None,
    };
    let codes: Vec<String> = p.instead.iter().map(|c| snap.codes.path(*c)).collect();
    Some(format!("{who} coded these words as {}", codes.join(", ")))
}

/// A figure as the feedback shows it: two decimals, without a sign on zero.
pub fn rounded(v: f64) -> String {
    format!("{:.2}", if v.abs() < 0.005 { 0.0 } else { v })
}
