//! The offline team workflow: hand a copy of a project to one coder, and
//! merge a coder's copy (or a `.qdpx` from another Weft project) back.
//!
//! Matching, in order: everything by GUID; codes with other GUIDs by their
//! full path (coders who imported the same codebook file got new GUIDs);
//! documents with other GUIDs by identical text; coders, participants and
//! attributes by name. A document whose text differs from the project's is
//! never merged into: its segments are reported and skipped. A code,
//! participant value or memo that differs is a conflict: the project's own
//! version is kept and the report lists both. Segments of different coders are
//! all kept; the same segment (document, code, range, coder) is kept once.
//! The result is one [`Edit`], so the merge is one undoable change, and
//! merging the same file twice adds nothing the second time.

use std::collections::{HashMap, HashSet};

use super::{Edit, ValueChange};
use crate::error::Result;
use crate::model::*;
use crate::store::Reader;

/// Everything a project holds, loaded from its file.
#[derive(Debug, Clone)]
pub struct Source {
    /// The project's GUID.
    pub guid: String,
    /// Project memo.
    pub memo: String,
    /// Rows and derived counts.
    pub snapshot: ProjectSnapshot,
    /// Each document with its text, turns and cue times, by id.
    pub records: HashMap<DocumentId, DocumentRecord>,
    /// Framework-matrix summaries.
    pub summaries: HashMap<(ParticipantId, CodeId), String>,
    /// Reconcile decisions.
    pub decisions: HashMap<super::DecisionKey, String>,
}

impl Source {
    /// Reads a whole project.
    pub fn load(r: &Reader<'_>) -> Result<Source> {
        let snapshot = r.snapshot()?;
        let mut records = HashMap::new();
        for d in &snapshot.documents {
            if let Some(rec) = r.document_record(d.id)? {
                records.insert(d.id, rec);
            }
        }
        Ok(Source {
            guid: r.project_guid()?,
            memo: r.project()?.1,
            snapshot,
            records,
            summaries: r.summaries()?,
            decisions: r.decisions()?,
        })
    }
}

/// The edit that fills an empty project with a copy of `src`, ids and GUIDs
/// kept. With `blind_for`, only that coder and their own segments are copied
/// (and no framework summaries or reconcile decisions, which may tell what
/// others found).
pub fn copy_of(src: &Source, blind_for: Option<&str>) -> Result<Edit> {
    let s = &src.snapshot;
    let keep_coder = |c: &Coder| blind_for.is_none_or(|name| same_name(&c.name, name));
    let coders: Vec<Coder> = s.coders.iter().filter(|c| keep_coder(c)).cloned().collect();
    let kept: HashSet<CoderId> = coders.iter().map(|c| c.id).collect();
    let codes = s.codes.parents_first();
    let values = values_of(s, |_| true);
    let mut records: Vec<DocumentRecord> = src.records.values().cloned().collect();
    records.sort_by_key(|r| r.document.id);
    let segments: Vec<Segment> = s
        .segments
        .iter()
        .filter(|seg| kept.contains(&seg.coder))
        .cloned()
        .collect();
    let mut batch = vec![
        Edit::SetProjectMemo(src.memo.clone()),
        Edit::InsertCoders(coders),
        Edit::InsertCodes(codes),
        Edit::InsertAttributes(s.attributes.clone()),
        Edit::InsertParticipants(s.participants.clone()),
        Edit::SetValues(values),
        Edit::InsertDocuments(records),
        Edit::InsertSegments(segments),
    ];
    if blind_for.is_none() {
        let mut summaries: Vec<_> = src.summaries.iter().collect();
        summaries.sort_by_key(|((p, c), _)| (*p, *c));
        for (&(participant, code), text) in summaries {
            batch.push(Edit::SetSummary {
                participant,
                code,
                text: Some(text.clone()),
            });
        }
        let mut decisions: Vec<_> = src.decisions.iter().collect();
        decisions.sort();
        for (key, choice) in decisions {
            batch.push(Edit::SetDecision {
                key: key.clone(),
                choice: Some(choice.clone()),
            });
        }
    }
    Ok(Edit::Batch(batch))
}

/// The attribute values of the participants `keep` takes, as changes that
/// set them in a new project (sorted, so the edit is the same each time).
pub(crate) fn values_of(
    s: &ProjectSnapshot,
    keep: impl Fn(ParticipantId) -> bool,
) -> Vec<ValueChange> {
    let mut values: Vec<ValueChange> = s
        .values
        .iter()
        .filter(|((p, _), _)| keep(*p))
        .map(|(&(participant, attribute), v)| ValueChange {
            participant,
            attribute,
            value: Some(v.clone()),
        })
        .collect();
    values.sort_by_key(|v| (v.participant, v.attribute));
    values
}

/// Something that differs between the two projects; the project's own
/// version was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// What kind of thing: "code", "value", "memo", "attribute", "summary".
    pub kind: &'static str,
    /// Which one, e.g. a code's path or "P07 / Age".
    pub item: String,
    /// The project's version (kept).
    pub into: String,
    /// The merged file's version (not taken).
    pub from: String,
}

/// Segments not merged, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The document in the merged file.
    pub document: String,
    /// The code's path.
    pub code: String,
    /// Who coded it.
    pub coder: String,
    /// The range.
    pub range: CharRange,
    /// Why it was skipped.
    pub reason: String,
}

/// What a merge did (or would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// New coders.
    pub coders: usize,
    /// New codes.
    pub codes: usize,
    /// Codes matched by path rather than GUID.
    pub codes_by_path: usize,
    /// New documents.
    pub documents: usize,
    /// Documents matched by text rather than GUID.
    pub documents_by_text: usize,
    /// New participants.
    pub participants: usize,
    /// New attributes.
    pub attributes: usize,
    /// Values filled in where the project had none.
    pub values: usize,
    /// New segments.
    pub segments: usize,
    /// Segments the project already had.
    pub segments_already: usize,
    /// New framework summaries.
    pub summaries: usize,
    /// Whether the project's empty memo takes the merged file's.
    pub project_memo: bool,
    /// What differed.
    pub conflicts: Vec<Conflict>,
    /// What was left out.
    pub skipped: Vec<Skipped>,
}

impl MergeReport {
    /// Whether the merge changes nothing.
    pub fn is_empty(&self) -> bool {
        self.coders
            + self.codes
            + self.documents
            + self.participants
            + self.attributes
            + self.values
            + self.segments
            + self.summaries
            + usize::from(self.project_memo)
            == 0
    }
}

impl std::fmt::Display for MergeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Segments: {} new, {} already there, {} skipped.",
            self.segments,
            self.segments_already,
            self.skipped.len()
        )?;
        writeln!(
            f,
            "New: {} coder(s), {} code(s), {} document(s), {} participant(s), {} attribute(s), {} value(s), {} summary(ies).",
            self.coders,
            self.codes,
            self.documents,
            self.participants,
            self.attributes,
            self.values,
            self.summaries
        )?;
        if self.codes_by_path + self.documents_by_text > 0 {
            writeln!(
                f,
                "Matched without a shared GUID: {} code(s) by path, {} document(s) by identical text.",
                self.codes_by_path, self.documents_by_text
            )?;
        }
        if !self.conflicts.is_empty() {
            writeln!(
                f,
                "{} conflict(s); the project's own version was kept:",
                self.conflicts.len()
            )?;
            for c in self.conflicts.iter().take(20) {
                writeln!(
                    f,
                    "  {} {}: kept \"{}\", not \"{}\"",
                    c.kind,
                    c.item,
                    short(&c.into),
                    short(&c.from)
                )?;
            }
            if self.conflicts.len() > 20 {
                writeln!(
                    f,
                    "  … and {} more (see --report)",
                    self.conflicts.len() - 20
                )?;
            }
        }
        let mut reasons: Vec<&str> = self.skipped.iter().map(|s| s.reason.as_str()).collect();
        reasons.sort_unstable();
        reasons.dedup();
        for reason in reasons {
            let n = self.skipped.iter().filter(|s| s.reason == reason).count();
            writeln!(f, "Skipped {n} segment(s): {reason}")?;
        }
        Ok(())
    }
}

fn short(s: &str) -> String {
    let one_line = s.replace('\n', " ");
    if one_line.chars().count() > 60 {
        format!("{}…", one_line.chars().take(60).collect::<String>())
    } else {
        one_line
    }
}

/// Ids handed out in turn.
struct Ids(i64);

impl Ids {
    fn next(&mut self) -> i64 {
        self.0 += 1;
        self.0 - 1
    }
}

/// Builds the edit that merges `src` into the project `r` reads.
pub fn merge(r: &Reader<'_>, src: &Source) -> Result<(Edit, MergeReport)> {
    let into = Source::load(r)?;
    let t = &into.snapshot;
    let s = &src.snapshot;
    let mut report = MergeReport::default();
    let mut batch = Vec::new();

    if into.memo != src.memo && !src.memo.is_empty() {
        if into.memo.is_empty() {
            report.project_memo = true;
            batch.push(Edit::SetProjectMemo(src.memo.clone()));
        } else {
            report.conflicts.push(Conflict {
                kind: "memo",
                item: "project".into(),
                into: into.memo.clone(),
                from: src.memo.clone(),
            });
        }
    }

    // Coders: by GUID, else by name.
    let mut ids = Ids(r.next_id("coder")?);
    let mut coder_map: HashMap<CoderId, CoderId> = HashMap::new();
    let mut new_coders = Vec::new();
    for c in &s.coders {
        let found = t
            .coders
            .iter()
            .find(|k| k.guid == c.guid)
            .or_else(|| t.coders.iter().find(|k| same_name(&k.name, &c.name)));
        let id = match found {
            Some(k) => k.id,
            None => {
                let id = CoderId(ids.next());
                new_coders.push(Coder {
                    id,
                    guid: fresh_guid(&c.guid, t.coders.iter().map(|k| &k.guid)),
                    name: c.name.clone(),
                });
                id
            }
        };
        coder_map.insert(c.id, id);
    }
    report.coders = new_coders.len();
    batch.push(Edit::InsertCoders(new_coders));

    // Codes: by GUID, else by full path; parents before children.
    let mut ids = Ids(r.next_id("code")?);
    let mut code_map: HashMap<CodeId, CodeId> = HashMap::new();
    let mut new_codes: Vec<Code> = Vec::new();
    let by_guid: HashMap<&str, &Code> = t
        .codes
        .codes()
        .iter()
        .map(|c| (c.guid.as_str(), c))
        .collect();
    let mut positions: HashMap<Option<CodeId>, i64> = HashMap::new();
    for id in s.codes.in_tree_order() {
        if code_map.contains_key(&id) {
            continue;
        }
        let Some(c) = s.codes.get(id) else { continue };
        let path = s.codes.path(id);
        let found = by_guid
            .get(c.guid.as_str())
            .map(|k| (k.id, false))
            .or_else(|| t.codes.find_path(&path).map(|k| (k, true)));
        match found {
            Some((k, by_path)) => {
                code_map.insert(id, k);
                report.codes_by_path += usize::from(by_path);
                let mine = t.codes.get(k).expect("matched code exists");
                let mine_path = t.codes.path(k);
                for (what, a, b) in [
                    ("path", mine_path.as_str(), path.as_str()),
                    ("colour", mine.color.as_str(), c.color.as_str()),
                    (
                        "definition",
                        mine.description.as_str(),
                        c.description.as_str(),
                    ),
                    (
                        "short definition",
                        mine.short_definition.as_str(),
                        c.short_definition.as_str(),
                    ),
                    (
                        "when to use",
                        mine.when_to_use.as_str(),
                        c.when_to_use.as_str(),
                    ),
                    (
                        "when not to use",
                        mine.when_not_to_use.as_str(),
                        c.when_not_to_use.as_str(),
                    ),
                    ("memo", mine.memo.as_str(), c.memo.as_str()),
                ] {
                    if a != b && !(what == "path" && same_name(a, b)) {
                        report.conflicts.push(Conflict {
                            kind: "code",
                            item: format!("{mine_path} ({what})"),
                            into: a.to_string(),
                            from: b.to_string(),
                        });
                    }
                }
            }
            None => {
                let parent = c.parent.and_then(|p| code_map.get(&p).copied());
                let new_id = CodeId(ids.next());
                let position = positions.entry(parent).or_insert_with(|| {
                    t.codes
                        .children(parent)
                        .iter()
                        .filter_map(|k| t.codes.get(*k))
                        .map(|k| k.position + 1)
                        .max()
                        .unwrap_or(0)
                });
                let mut code = c.clone();
                code.id = new_id;
                code.parent = parent;
                code.position = *position;
                *position += 1;
                code.guid = fresh_guid(&c.guid, t.codes.codes().iter().map(|k| &k.guid));
                code_map.insert(id, new_id);
                new_codes.push(code);
            }
        }
    }
    report.codes = new_codes.len();
    batch.push(Edit::InsertCodes(new_codes));

    // Attributes: by GUID, else by name. Different kinds are a conflict.
    let mut ids = Ids(r.next_id("attribute")?);
    let mut attr_map: HashMap<AttributeId, AttributeId> = HashMap::new();
    let mut new_attrs = Vec::new();
    let mut position = t
        .attributes
        .iter()
        .map(|a| a.position + 1)
        .max()
        .unwrap_or(0);
    for a in &s.attributes {
        let found = t
            .attributes
            .iter()
            .find(|k| k.guid == a.guid)
            .or_else(|| t.attributes.iter().find(|k| same_name(&k.name, &a.name)));
        match found {
            Some(k) if k.kind != a.kind => report.conflicts.push(Conflict {
                kind: "attribute",
                item: format!("{} (type; its values were not merged)", k.name),
                into: k.kind.as_str().into(),
                from: a.kind.as_str().into(),
            }),
            Some(k) => {
                attr_map.insert(a.id, k.id);
            }
            None => {
                let mut attr = a.clone();
                attr.id = AttributeId(ids.next());
                attr.position = position;
                position += 1;
                attr.guid = fresh_guid(&a.guid, t.attributes.iter().map(|k| &k.guid));
                attr_map.insert(a.id, attr.id);
                new_attrs.push(attr);
            }
        }
    }
    report.attributes = new_attrs.len();
    batch.push(Edit::InsertAttributes(new_attrs));

    // Participants: by GUID, else by name.
    let mut ids = Ids(r.next_id("participant")?);
    let mut part_map: HashMap<ParticipantId, ParticipantId> = HashMap::new();
    let mut new_parts = Vec::new();
    for p in &s.participants {
        let found = t
            .participants
            .iter()
            .find(|k| k.guid == p.guid)
            .or_else(|| t.participants.iter().find(|k| same_name(&k.name, &p.name)));
        let id = match found {
            Some(k) => k.id,
            None => {
                let id = ParticipantId(ids.next());
                new_parts.push(Participant {
                    id,
                    guid: fresh_guid(&p.guid, t.participants.iter().map(|k| &k.guid)),
                    name: p.name.clone(),
                });
                id
            }
        };
        part_map.insert(p.id, id);
    }
    report.participants = new_parts.len();
    batch.push(Edit::InsertParticipants(new_parts));

    // Values: filled in where the project has none; a different one is a conflict.
    let mut values: Vec<(&(ParticipantId, AttributeId), &String)> = s.values.iter().collect();
    values.sort();
    let mut changes = Vec::new();
    for (&(p, a), v) in values {
        let (Some(&tp), Some(&ta)) = (part_map.get(&p), attr_map.get(&a)) else {
            continue;
        };
        match t.values.get(&(tp, ta)) {
            Some(mine) if mine == v => {}
            Some(mine) => report.conflicts.push(Conflict {
                kind: "value",
                item: format!(
                    "{} / {}",
                    t.participant(tp).map_or("", |p| p.name.as_str()),
                    t.attributes
                        .iter()
                        .find(|x| x.id == ta)
                        .map_or("", |x| x.name.as_str())
                ),
                into: mine.clone(),
                from: v.clone(),
            }),
            None => changes.push(ValueChange {
                participant: tp,
                attribute: ta,
                value: Some(v.clone()),
            }),
        }
    }
    report.values = changes.len();
    batch.push(Edit::SetValues(changes));

    // Documents: by GUID (the text must be the same), else by identical text.
    let mut ids = Ids(r.next_id("document")?);
    let mut doc_map: HashMap<DocumentId, DocumentId> = HashMap::new();
    let mut refused: HashMap<DocumentId, String> = HashMap::new();
    let by_text: HashMap<&str, DocumentId> = into
        .records
        .values()
        .map(|rec| (rec.text.as_str(), rec.document.id))
        .collect();
    let mut new_docs = Vec::new();
    let mut src_docs: Vec<&DocumentRecord> = src.records.values().collect();
    src_docs.sort_by_key(|r| r.document.id);
    for rec in src_docs {
        let d = &rec.document;
        if let Some(mine) = t.documents.iter().find(|k| k.guid == d.guid) {
            if into
                .records
                .get(&mine.id)
                .is_some_and(|m| m.text == rec.text)
            {
                doc_map.insert(d.id, mine.id);
                memo_conflict(&mut report, &mine.name, &mine.memo, &d.memo);
            } else {
                refused.insert(
                    d.id,
                    format!(
                        "the text of {} differs from the project's; its coding was not merged",
                        d.name
                    ),
                );
            }
            continue;
        }
        if let Some(&mine) = by_text.get(rec.text.as_str()) {
            doc_map.insert(d.id, mine);
            report.documents_by_text += 1;
            if let Some(m) = t.document(mine) {
                memo_conflict(&mut report, &m.name, &m.memo, &d.memo);
            }
            continue;
        }
        if let Some(same) = t.documents.iter().find(|k| same_name(&k.name, &d.name)) {
            refused.insert(
                d.id,
                format!(
                    "the project's {} has other text; its coding was not merged",
                    same.name
                ),
            );
            continue;
        }
        let mut new = rec.clone();
        new.document.id = DocumentId(ids.next());
        new.document.participant = d.participant.and_then(|p| part_map.get(&p).copied());
        new.document.guid = fresh_guid(&d.guid, t.documents.iter().map(|k| &k.guid));
        doc_map.insert(d.id, new.document.id);
        new_docs.push(new);
    }
    report.documents = new_docs.len();
    batch.push(Edit::InsertDocuments(new_docs));

    // Segments: the same (document, code, range, coder) is kept once.
    let mut ids = Ids(r.next_id("segment")?);
    let existing: HashMap<(DocumentId, CodeId, usize, usize, CoderId), &Segment> = t
        .segments
        .iter()
        .map(|seg| {
            (
                (
                    seg.document,
                    seg.code,
                    seg.range.start,
                    seg.range.end,
                    seg.coder,
                ),
                seg,
            )
        })
        .collect();
    let guids: HashSet<&str> = t.segments.iter().map(|seg| seg.guid.as_str()).collect();
    let mut seen = HashSet::new();
    let mut new_segments = Vec::new();
    for seg in &s.segments {
        if let Some(reason) = refused.get(&seg.document) {
            report.skipped.push(Skipped {
                document: s
                    .document(seg.document)
                    .map_or_else(String::new, |d| d.name.clone()),
                code: s.codes.path(seg.code),
                coder: s.coder_name(seg.coder).to_string(),
                range: seg.range,
                reason: reason.clone(),
            });
            continue;
        }
        let (Some(&d), Some(&c), Some(&k)) = (
            doc_map.get(&seg.document),
            code_map.get(&seg.code),
            coder_map.get(&seg.coder),
        ) else {
            continue;
        };
        let key = (d, c, seg.range.start, seg.range.end, k);
        if let Some(mine) = existing.get(&key) {
            report.segments_already += 1;
            if mine.memo != seg.memo && !seg.memo.is_empty() {
                report.conflicts.push(Conflict {
                    kind: "memo",
                    item: format!(
                        "segment {} {}-{} {} by {}",
                        t.document(d).map_or("", |d| d.name.as_str()),
                        seg.range.start,
                        seg.range.end,
                        t.codes.path(c),
                        s.coder_name(seg.coder)
                    ),
                    into: mine.memo.clone(),
                    from: seg.memo.clone(),
                });
            }
            continue;
        }
        if !seen.insert(key) {
            continue;
        }
        new_segments.push(Segment {
            id: SegmentId(ids.next()),
            guid: if guids.contains(seg.guid.as_str()) {
                new_guid()
            } else {
                seg.guid.clone()
            },
            document: d,
            code: c,
            range: seg.range,
            coder: k,
            created_at: seg.created_at.clone(),
            memo: seg.memo.clone(),
            exemplar: seg.exemplar,
        });
    }
    report.segments = new_segments.len();
    batch.push(Edit::InsertSegments(new_segments));

    // Framework summaries: added where the project has none.
    let mut summaries: Vec<_> = src.summaries.iter().collect();
    summaries.sort_by_key(|((p, c), _)| (*p, *c));
    for (&(p, c), text) in summaries {
        let (Some(&tp), Some(&tc)) = (part_map.get(&p), code_map.get(&c)) else {
            continue;
        };
        match into.summaries.get(&(tp, tc)) {
            Some(mine) if mine == text => {}
            Some(mine) => report.conflicts.push(Conflict {
                kind: "summary",
                item: format!(
                    "{} / {}",
                    t.participant(tp).map_or("", |p| p.name.as_str()),
                    t.codes.path(tc)
                ),
                into: mine.clone(),
                from: text.clone(),
            }),
            None => {
                report.summaries += 1;
                batch.push(Edit::SetSummary {
                    participant: tp,
                    code: tc,
                    text: Some(text.clone()),
                });
            }
        }
    }
    if report.is_empty() {
        return Ok((Edit::Batch(vec![]), report));
    }
    Ok((Edit::Batch(batch), report))
}

fn memo_conflict(report: &mut MergeReport, name: &str, mine: &str, theirs: &str) {
    if mine != theirs && !theirs.is_empty() {
        report.conflicts.push(Conflict {
            kind: "memo",
            item: format!("document {name}"),
            into: mine.to_string(),
            from: theirs.to_string(),
        });
    }
}

/// The merged file's GUID, unless the project already uses it for another row.
fn fresh_guid<'a>(guid: &str, taken: impl Iterator<Item = &'a String>) -> String {
    let mut taken = taken;
    if guid.is_empty() || taken.any(|g| g == guid) {
        new_guid()
    } else {
        guid.to_string()
    }
}

/// Loads the project to merge from a `.weft` file, or from a `.qdpx` (read
/// into a scratch project in the temp folder, removed afterwards).
pub fn load_source(path: &std::path::Path) -> Result<Source> {
    use crate::store::Store;
    let is_qdpx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("qdpx"));
    if !is_qdpx {
        let store = Store::open(path)?;
        return Source::load(&store.read());
    }
    let bytes = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
    let (edit, guid, _) =
        crate::refi::import::read_qdpx_with(path, &bytes, Default::default(), None)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let scratch =
        std::env::temp_dir().join(format!("weft-merge-{}-{nanos}.weft", std::process::id()));
    let result = Store::build(&scratch, guid.as_deref(), |store| {
        store.change("Read REFI-QDA project", |_| Ok(edit))
    })
    .and_then(|(store, _)| Source::load(&store.read()));
    for suffix in ["", "-wal", "-shm"] {
        let mut p = scratch.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    result
}

/// Which version of a disagreement the consensus takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// The first coder's.
    First,
    /// The second coder's.
    Second,
    /// Both: their union.
    Both,
    /// Only what both coded.
    Overlap,
    /// Nothing.
    Neither,
}

impl Choice {
    /// Every choice, in the order the window offers them.
    pub const ALL: [Choice; 5] = [
        Choice::First,
        Choice::Second,
        Choice::Both,
        Choice::Overlap,
        Choice::Neither,
    ];

    /// The name stored with a decision.
    pub fn name(self) -> &'static str {
        match self {
            Choice::First => "first",
            Choice::Second => "second",
            Choice::Both => "both",
            Choice::Overlap => "overlap",
            Choice::Neither => "neither",
        }
    }

    /// A short label for buttons.
    pub fn label(self) -> &'static str {
        match self {
            Choice::First => "first's",
            Choice::Second => "second's",
            Choice::Both => "both (union)",
            Choice::Overlap => "overlap",
            Choice::Neither => "neither",
        }
    }
}

/// The edit that writes the consensus for these stretches: the consensus
/// coder (created when new) gets the chosen version of each, replacing what
/// it had of that code there, with a memo naming whose version it came from.
/// One edit, so one undo takes the whole reconcile back.
pub fn reconcile(
    r: &Reader<'_>,
    consensus: &str,
    coders: (&str, &str),
    items: &[(crate::analysis::agreement::Disagreement, Choice)],
) -> Result<Edit> {
    let consensus = consensus.trim();
    if consensus.is_empty() {
        return Err(crate::Error::Invalid(
            "name the consensus coder first".into(),
        ));
    }
    if same_name(consensus, coders.0) || same_name(consensus, coders.1) {
        return Err(crate::Error::Invalid(format!(
            "the consensus coder must be someone other than {} and {}",
            coders.0, coders.1
        )));
    }
    let (make_coder, coder) = super::ops::ensure_coder(r, consensus)?;
    let mut remove = Vec::new();
    let mut add = Vec::new();
    let mut next = r.next_id("segment")?;
    let mut docs: HashMap<DocumentId, Vec<Segment>> = HashMap::new();
    let now = now_rfc3339();
    let mut decisions = Vec::new();
    for (d, choice) in items {
        let of_doc = match docs.entry(d.document) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(r.segments_of_document(d.document)?)
            }
        };
        for s in of_doc.iter() {
            if s.coder == coder && s.code == d.code && s.range.overlaps(&d.range) {
                remove.push(s.id);
            }
        }
        let doc_guid = r.document(d.document)?.map(|x| x.guid).unwrap_or_default();
        let code_guid = r.code(d.code)?.map(|x| x.guid).unwrap_or_default();
        decisions.push(Edit::SetDecision {
            key: (doc_guid, code_guid, d.range, consensus.to_string()),
            choice: Some(choice.name().to_string()),
        });
        let ranges = match choice {
            Choice::First => d.first.clone(),
            Choice::Second => d.second.clone(),
            Choice::Both => d.union(),
            Choice::Overlap => d.overlap(),
            Choice::Neither => vec![],
        };
        let label = crate::export::agreement::ranges_label;
        let whose = match choice {
            _ if d.differing == 0 => format!("{} and {} agreed", coders.0, coders.1),
            Choice::First => format!("{}'s version", coders.0),
            Choice::Second => format!("{}'s version", coders.1),
            Choice::Both => format!("both versions joined ({} and {})", coders.0, coders.1),
            Choice::Overlap => format!("what both {} and {} coded", coders.0, coders.1),
            Choice::Neither => String::new(),
        };
        for range in ranges {
            add.push(Segment {
                id: SegmentId(next),
                guid: new_guid(),
                document: d.document,
                code: d.code,
                range,
                coder,
                created_at: now.clone(),
                memo: format!(
                    "Consensus: {whose} ({}: {}; {}: {})",
                    coders.0,
                    label(&d.first),
                    coders.1,
                    label(&d.second)
                ),
                exemplar: false,
            });
            next += 1;
        }
    }
    remove.sort_unstable();
    remove.dedup();
    let mut batch = vec![
        make_coder,
        Edit::DeleteSegments(remove),
        Edit::InsertSegments(add),
    ];
    batch.extend(decisions);
    Ok(Edit::Batch(batch))
}
