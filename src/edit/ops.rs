//! User-level actions, each built as one [`Edit`] from the project's current state.
//!
//! Every function here only reads (through a [`Reader`]) and returns the edit to
//! make; [`crate::store::Store::change`] calls it inside the write transaction and
//! applies the result, so the state it read cannot change before it is applied.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::{Edit, ValueChange};
use crate::error::{Error, Result};
use crate::import::{CodebookEntry, ParsedDocument, ParticipantSheet};
use crate::model::*;
use crate::store::Reader;

/// What a memo is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoTarget {
    /// The whole project.
    Project,
    /// A document.
    Document(DocumentId),
    /// A code.
    Code(CodeId),
    /// A segment.
    Segment(SegmentId),
}

/// Checks a code name: not empty, no `/` (it separates paths), no surrounding
/// spaces. (Line breaks, tabs, controls and direction marks are refused by the
/// writer, for every way a name arrives.)
pub fn check_code_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("a code needs a name".into()));
    }
    if name.contains(PATH_SEPARATOR) {
        return Err(Error::Invalid(format!(
            "a code name cannot contain '{PATH_SEPARATOR}', which separates levels of a code path"
        )));
    }
    Ok(name.to_string())
}

fn next_position(tree: &CodeTree, parent: Option<CodeId>) -> i64 {
    tree.children(parent)
        .iter()
        .filter_map(|&c| tree.get(c))
        .map(|c| c.position + 1)
        .max()
        .unwrap_or(0)
}

fn code_or_err(tree: &CodeTree, id: CodeId) -> Result<&Code> {
    tree.get(id)
        .ok_or_else(|| Error::Invalid("that code no longer exists".into()))
}

/// Looks a code up by its path, with an error that says how to list codes.
pub fn find_code(tree: &CodeTree, path: &str) -> Result<CodeId> {
    tree.find_path(path).ok_or_else(|| {
        Error::Invalid(format!(
            "no code \"{path}\" in the codebook; list codes with `weft codes list`"
        ))
    })
}

/// Creates the codes of `path` that do not exist yet. Returns the edit (possibly
/// empty) and the id the path's last code has or will have.
pub fn ensure_code_path(r: &Reader<'_>, path: &str) -> Result<(Edit, CodeId)> {
    let tree = r.code_tree()?;
    let mut next = r.next_id("code")?;
    ensure_path_in(&tree, path, &mut next, &mut Vec::new())
}

/// Walks `path`, reusing existing codes and codes already queued in `new`.
fn ensure_path_in(
    tree: &CodeTree,
    path: &str,
    next_id: &mut i64,
    new: &mut Vec<Code>,
) -> Result<(Edit, CodeId)> {
    let names: Vec<&str> = split_path(path).collect();
    if names.is_empty() {
        return Err(Error::Invalid("a code path needs at least one name".into()));
    }
    let before = new.len();
    let mut parent: Option<CodeId> = None;
    for name in names {
        let name = check_code_name(name)?;
        let existing = tree.child_named(parent, &name).or_else(|| {
            new.iter()
                .find(|c| c.parent == parent && same_name(&c.name, &name))
                .map(|c| c.id)
        });
        let id = match existing {
            Some(id) => id,
            None => {
                let id = CodeId(*next_id);
                *next_id += 1;
                let siblings_new = new.iter().filter(|c| c.parent == parent).count() as i64;
                new.push(Code {
                    id,
                    guid: new_guid(),
                    parent,
                    name,
                    color: PALETTE[(id.0 as usize - 1) % PALETTE.len()].to_string(),
                    description: String::new(),
                    position: next_position(tree, parent) + siblings_new,
                    memo: String::new(),
                    short_definition: String::new(),
                    when_to_use: String::new(),
                    when_not_to_use: String::new(),
                });
                id
            }
        };
        parent = Some(id);
    }
    let created = new[before..].to_vec();
    Ok((Edit::InsertCodes(created), parent.expect("path has a name")))
}

/// Adds a new code by path, with any missing parents. Refuses a path that exists.
pub fn add_code_path(
    r: &Reader<'_>,
    path: &str,
    color: Option<&str>,
    description: &str,
) -> Result<Edit> {
    let tree = r.code_tree()?;
    if tree.find_path(path).is_some() {
        return Err(Error::Invalid(format!(
            "the code \"{path}\" already exists"
        )));
    }
    let color = color
        .map(|c| {
            parse_color(c)
                .ok_or_else(|| Error::Invalid(format!("\"{c}\" is not a colour; use #rrggbb")))
        })
        .transpose()?;
    let mut new = Vec::new();
    let (_, id) = ensure_path_in(&tree, path, &mut r.next_id("code")?, &mut new)?;
    if let Some(last) = new.iter_mut().find(|c| c.id == id) {
        if let Some(c) = color {
            last.color = c;
        }
        last.description = description.to_string();
    }
    Ok(Edit::InsertCodes(new))
}

/// Adds a new code under `parent`.
pub fn add_code(
    r: &Reader<'_>,
    parent: Option<CodeId>,
    name: &str,
    color: Option<&str>,
    description: &str,
) -> Result<(Edit, CodeId)> {
    let tree = r.code_tree()?;
    let name = check_code_name(name)?;
    if let Some(p) = parent {
        code_or_err(&tree, p)?;
    }
    if tree.child_named(parent, &name).is_some() {
        return Err(Error::Invalid(format!(
            "a code named \"{name}\" already exists there"
        )));
    }
    let id = CodeId(r.next_id("code")?);
    let color = match color {
        Some(c) => parse_color(c)
            .ok_or_else(|| Error::Invalid(format!("\"{c}\" is not a colour; use #rrggbb")))?,
        None => PALETTE[(id.0 as usize - 1) % PALETTE.len()].to_string(),
    };
    let code = Code {
        id,
        guid: new_guid(),
        parent,
        name,
        color,
        description: description.to_string(),
        position: next_position(&tree, parent),
        memo: String::new(),
        short_definition: String::new(),
        when_to_use: String::new(),
        when_not_to_use: String::new(),
    };
    Ok((Edit::InsertCodes(vec![code]), id))
}

/// Changes some fields of a code.
pub fn update_code(r: &Reader<'_>, id: CodeId, f: impl FnOnce(&mut Code)) -> Result<Edit> {
    let mut code = r
        .code(id)?
        .ok_or_else(|| Error::Invalid("that code no longer exists".into()))?;
    f(&mut code);
    code.name = check_code_name(&code.name)?;
    code.color = parse_color(&code.color).ok_or_else(|| {
        Error::Invalid(format!("\"{}\" is not a colour; use #rrggbb", code.color))
    })?;
    Ok(Edit::UpdateCode(code))
}

/// Pins a segment as an exemplar quote of its code, or unpins it.
pub fn set_exemplar(r: &Reader<'_>, id: SegmentId, pinned: bool) -> Result<Edit> {
    let mut s = r
        .segment(id)?
        .ok_or_else(|| Error::Invalid("that segment no longer exists".into()))?;
    if s.exemplar == pinned {
        return Ok(Edit::Batch(Vec::new()));
    }
    s.exemplar = pinned;
    Ok(Edit::UpdateSegment(s))
}

/// Renames a code.
pub fn rename_code(r: &Reader<'_>, id: CodeId, name: &str) -> Result<Edit> {
    update_code(r, id, |c| c.name = name.to_string())
}

/// Moves a code (with its children) under a new parent, or to the top level.
pub fn move_code(r: &Reader<'_>, id: CodeId, parent: Option<CodeId>) -> Result<Edit> {
    let tree = r.code_tree()?;
    let code = code_or_err(&tree, id)?;
    if let Some(p) = parent {
        code_or_err(&tree, p)?;
        if tree.is_within(p, id) {
            return Err(Error::Invalid(format!(
                "cannot move \"{}\" inside itself or one of its children",
                tree.path(id)
            )));
        }
    }
    if code.parent == parent {
        return Ok(Edit::Batch(vec![]));
    }
    if tree.child_named(parent, &code.name).is_some() {
        return Err(Error::Invalid(format!(
            "a code named \"{}\" already exists there; rename one first, or merge them",
            code.name
        )));
    }
    let mut moved = code.clone();
    moved.parent = parent;
    moved.position = next_position(&tree, parent);
    Ok(Edit::UpdateCode(moved))
}

/// Merges `source` into `target`: its segments move to the target (an identical
/// segment already there is dropped), its children move under the target, its
/// definition and memo are appended to the target's memo, and the source goes.
pub fn merge_codes(r: &Reader<'_>, source: CodeId, target: CodeId) -> Result<Edit> {
    let tree = r.code_tree()?;
    let src = code_or_err(&tree, source)?.clone();
    let dst = code_or_err(&tree, target)?.clone();
    if source == target {
        return Err(Error::Invalid("cannot merge a code into itself".into()));
    }
    if tree.is_within(target, source) {
        return Err(Error::Invalid(format!(
            "cannot merge \"{}\" into one of its own children; move the child out first",
            tree.path(source)
        )));
    }
    let mut edits = Vec::new();
    let mut drop = Vec::new();
    // A segment whose passage the target already codes (same coder) goes;
    // the others move.
    let mut moving = Vec::new();
    for (id, coded) in r.segments_also_coded(source, target)? {
        if coded {
            drop.push(id);
        } else {
            moving.push(id);
        }
    }
    if !moving.is_empty() {
        // One statement and a short undo entry, not one row each.
        edits.push(Edit::RecodeSegments {
            ids: moving,
            from: source,
            to: target,
        });
    }
    if !drop.is_empty() {
        edits.push(Edit::DeleteSegments(drop));
    }
    let first = next_position(&tree, Some(target));
    for (position, &child) in (first..).zip(tree.children(Some(source))) {
        let mut c = code_or_err(&tree, child)?.clone();
        if tree.child_named(Some(target), &c.name).is_some() {
            return Err(Error::Invalid(format!(
                "both codes have a child named \"{}\"; merge or rename those first",
                c.name
            )));
        }
        c.parent = Some(target);
        c.position = position;
        edits.push(Edit::UpdateCode(c));
    }
    let notes: Vec<String> = [&src.description, &src.memo]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .cloned()
        .collect();
    if !notes.is_empty() {
        let mut t = dst.clone();
        let mut memo = t.memo.clone();
        if !memo.is_empty() {
            memo.push_str("\n\n");
        }
        memo.push_str(&format!(
            "Merged from \"{}\":\n{}",
            src.name,
            notes.join("\n")
        ));
        t.memo = memo;
        edits.push(Edit::UpdateCode(t));
    }
    // Framework-matrix summaries of the source join the target's.
    let summaries = r.summaries()?;
    let mut moved: Vec<_> = summaries
        .iter()
        .filter(|((_, c), _)| *c == source)
        .collect();
    moved.sort_by_key(|((p, _), _)| *p);
    for ((participant, _), text) in moved {
        let joined = match summaries.get(&(*participant, target)) {
            Some(t) if !t.trim().is_empty() => format!("{t}\n\n{text}"),
            _ => text.clone(),
        };
        edits.push(Edit::SetSummary {
            participant: *participant,
            code: target,
            text: Some(joined),
        });
        edits.push(Edit::SetSummary {
            participant: *participant,
            code: source,
            text: None,
        });
    }
    edits.push(Edit::DeleteCodes(vec![source]));
    Ok(Edit::Batch(edits))
}

/// Deletes a code with all its children. When any of them holds segments, `force`
/// must be set, and the segments go too.
pub fn delete_code(r: &Reader<'_>, id: CodeId, force: bool) -> Result<Edit> {
    let tree = r.code_tree()?;
    code_or_err(&tree, id)?;
    let mut ids = vec![id];
    ids.extend(tree.descendants(id));
    let mut segments = Vec::new();
    for &c in &ids {
        segments.extend(r.segments_of_code(c)?.into_iter().map(|s| s.id));
    }
    if !segments.is_empty() && !force {
        return Err(Error::Invalid(format!(
            "\"{}\" holds {} coded segment(s){}; delete with --force to remove them too, or merge it into another code",
            tree.path(id),
            segments.len(),
            if ids.len() > 1 {
                " with its children"
            } else {
                ""
            }
        )));
    }
    // Children before parents, so no row ever points at a deleted parent.
    ids.reverse();
    // Framework-matrix summaries of the deleted codes go too (and come back on undo).
    let mut summaries: Vec<(ParticipantId, CodeId)> = r
        .summaries()?
        .into_keys()
        .filter(|(_, c)| ids.contains(c))
        .collect();
    summaries.sort();
    let mut edits = vec![Edit::DeleteSegments(segments)];
    edits.extend(
        summaries
            .into_iter()
            .map(|(participant, code)| Edit::SetSummary {
                participant,
                code,
                text: None,
            }),
    );
    edits.push(Edit::DeleteCodes(ids));
    Ok(Edit::Batch(edits))
}

/// The coder with this name, and the edit that creates them when new.
pub fn ensure_coder(r: &Reader<'_>, name: &str) -> Result<(Edit, CoderId)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("a coder needs a name".into()));
    }
    if let Some(c) = r.coder_by_name(name)? {
        return Ok((Edit::Batch(vec![]), c.id));
    }
    let id = CoderId(r.next_id("coder")?);
    Ok((
        Edit::InsertCoders(vec![Coder {
            id,
            guid: new_guid(),
            name: name.to_string(),
        }]),
        id,
    ))
}

/// Checks a range against a document's length.
pub fn check_range(doc: &Document, range: CharRange) -> Result<()> {
    if range.start >= range.end {
        return Err(Error::Invalid(format!(
            "the range {}..{} is empty; the end must be after the start",
            range.start, range.end
        )));
    }
    if range.end > doc.char_len {
        return Err(Error::Invalid(format!(
            "the range {}..{} runs past the end of \"{}\", which has {} characters",
            range.start, range.end, doc.name, doc.char_len
        )));
    }
    Ok(())
}

/// Codes ranges of documents with one code by one coder. Ranges already coded the
/// same way are skipped, so applying the same code twice changes nothing.
pub fn code_ranges(
    r: &Reader<'_>,
    ranges: &[(DocumentId, CharRange)],
    code: CodeId,
    coder: CoderId,
    memo: &str,
    first_id: i64,
) -> Result<Vec<Segment>> {
    let mut docs: HashMap<DocumentId, Document> = HashMap::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let now = now_rfc3339();
    for &(doc, range) in ranges {
        let d = match docs.entry(doc) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                r.document(doc)?
                    .ok_or_else(|| Error::Invalid("that document no longer exists".into()))?,
            ),
        };
        check_range(d, range)?;
        if !seen.insert((doc, range)) || r.find_segment(doc, code, range, coder)?.is_some() {
            continue;
        }
        out.push(Segment {
            id: SegmentId(first_id + out.len() as i64),
            guid: new_guid(),
            document: doc,
            code,
            range,
            coder,
            created_at: now.clone(),
            memo: memo.to_string(),
            exemplar: false,
        });
    }
    Ok(out)
}

/// Codes ranges with the code at `path` (created when missing) as `coder`
/// (created when new). Returns the edit and how many new segments it adds.
pub fn code_path_ranges(
    r: &Reader<'_>,
    ranges: &[(DocumentId, CharRange)],
    path: &str,
    coder: &str,
    memo: &str,
) -> Result<(Edit, usize)> {
    let (make_code, code) = ensure_code_path(r, path)?;
    let (make_coder, coder) = ensure_coder(r, coder)?;
    let segments = code_ranges(r, ranges, code, coder, memo, r.next_id("segment")?)?;
    let n = segments.len();
    if n == 0 {
        return Ok((Edit::Batch(vec![]), 0));
    }
    Ok((
        Edit::Batch(vec![make_code, make_coder, Edit::InsertSegments(segments)]),
        n,
    ))
}

/// Moves segments to another code; a segment that would duplicate one already
/// on the target is removed instead.
pub fn recode_segments(r: &Reader<'_>, ids: &[SegmentId], target: CodeId) -> Result<Edit> {
    r.code(target)?
        .ok_or_else(|| Error::Invalid("that code no longer exists".into()))?;
    let mut edits = Vec::new();
    let mut drop = Vec::new();
    for &id in ids {
        let mut s = r
            .segment(id)?
            .ok_or_else(|| Error::Invalid("that segment no longer exists".into()))?;
        if s.code == target {
            continue;
        }
        if r.find_segment(s.document, target, s.range, s.coder)?
            .is_some()
        {
            drop.push(id);
        } else {
            s.code = target;
            edits.push(Edit::UpdateSegment(s));
        }
    }
    edits.push(Edit::DeleteSegments(drop));
    Ok(Edit::Batch(edits))
}

/// Sets the memo of a project, document, code or segment.
pub fn set_memo(r: &Reader<'_>, target: MemoTarget, text: &str) -> Result<Edit> {
    let gone = || Error::Invalid("what the memo belongs to no longer exists".into());
    Ok(match target {
        MemoTarget::Project => Edit::SetProjectMemo(text.to_string()),
        MemoTarget::Document(id) => {
            let mut d = r.document(id)?.ok_or_else(gone)?;
            d.memo = text.to_string();
            Edit::UpdateDocument(d)
        }
        MemoTarget::Code(id) => {
            let mut c = r.code(id)?.ok_or_else(gone)?;
            c.memo = text.to_string();
            Edit::UpdateCode(c)
        }
        MemoTarget::Segment(id) => {
            let mut s = r.segment(id)?.ok_or_else(gone)?;
            s.memo = text.to_string();
            Edit::UpdateSegment(s)
        }
    })
}

/// Reads a memo.
pub fn memo(r: &Reader<'_>, target: MemoTarget) -> Result<String> {
    let gone = || Error::Invalid("what the memo belongs to no longer exists".into());
    Ok(match target {
        MemoTarget::Project => r.project()?.1,
        MemoTarget::Document(id) => r.document(id)?.ok_or_else(gone)?.memo,
        MemoTarget::Code(id) => r.code(id)?.ok_or_else(gone)?.memo,
        MemoTarget::Segment(id) => r.segment(id)?.ok_or_else(gone)?.memo,
    })
}

/// Removes a document with its coding (for a participant who withdraws
/// consent). Returns the edit and how many segments go with it. The text stays
/// in the undo history until the history is cleared (`weft history --clear`).
pub fn delete_document(r: &Reader<'_>, name: &str) -> Result<(Edit, usize, Document)> {
    let doc = r.document_by_name(name)?.ok_or_else(|| {
        Error::Invalid(format!(
            "no document \"{name}\"; list them with `weft docs`"
        ))
    })?;
    let segments: Vec<SegmentId> = r
        .segments_of_document(doc.id)?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let n = segments.len();
    Ok((
        Edit::Batch(vec![
            Edit::DeleteSegments(segments),
            Edit::DeleteDocuments(vec![doc.id]),
        ]),
        n,
        doc,
    ))
}

/// Adds parsed transcripts. Each belongs to the participant named after it (made
/// when new). A name already in the project, or twice in the batch, is refused
/// and nothing is added.
pub fn import_documents(r: &Reader<'_>, docs: Vec<ParsedDocument>) -> Result<Edit> {
    let mut import = DocumentImport::new(r)?;
    for d in &docs {
        import.admit(d)?;
    }
    let mut new_participants = Vec::new();
    let mut records = Vec::with_capacity(docs.len());
    for d in docs {
        let (participant, record) = import.place(d);
        new_participants.extend(participant);
        records.push(record);
    }
    Ok(Edit::Batch(vec![
        Edit::InsertParticipants(new_participants),
        Edit::InsertDocuments(records),
    ]))
}

/// Transcripts added to one change, as [`import_documents`] adds them, or
/// one at a time ([`DocumentImport::piece`]) while later files are still
/// being read. What it needs of the project is read once, at the start:
/// the names of its documents and participants, and the next free ids.
pub struct DocumentImport {
    /// The project's documents: lower-cased name, then the name as written.
    documents: HashMap<String, String>,
    /// This import's names, lower-cased.
    batch: HashSet<String>,
    /// Participants by exact name, then by lower-cased name (the first in
    /// name order), the project's and those this import makes.
    exact: HashMap<String, ParticipantId>,
    folded: HashMap<String, ParticipantId>,
    next_document: i64,
    next_participant: i64,
    made: usize,
    now: String,
}

impl DocumentImport {
    /// Reads what the import checks against.
    pub fn new(r: &Reader<'_>) -> Result<Self> {
        let mut import = DocumentImport {
            documents: HashMap::new(),
            batch: HashSet::new(),
            exact: HashMap::new(),
            folded: HashMap::new(),
            next_document: r.next_id("document")?,
            next_participant: r.next_id("participant")?,
            made: 0,
            now: now_rfc3339(),
        };
        for d in r.documents()? {
            import
                .documents
                .entry(d.name.to_lowercase())
                .or_insert(d.name);
        }
        for p in r.participants()? {
            import.know(&p.name, p.id);
        }
        Ok(import)
    }

    /// How many participants the documents so far have made.
    pub fn participants_made(&self) -> usize {
        self.made
    }

    fn know(&mut self, name: &str, id: ParticipantId) {
        self.exact.entry(name.to_string()).or_insert(id);
        self.folded.entry(name.to_lowercase()).or_insert(id);
    }

    /// The next transcript as its own edit: the participant it makes, if
    /// any, and the document.
    pub fn piece(&mut self, d: ParsedDocument) -> Result<Edit> {
        self.admit(&d)?;
        let (participant, record) = self.place(d);
        Ok(Edit::Batch(vec![
            Edit::InsertParticipants(participant.into_iter().collect()),
            Edit::InsertDocuments(vec![record]),
        ]))
    }

    /// Refuses a name already in the project, or already in this import.
    fn admit(&mut self, d: &ParsedDocument) -> Result<()> {
        let folded = d.name.to_lowercase();
        if let Some(there) = self.documents.get(&folded) {
            return Err(Error::file(
                &d.source_file,
                format!(
                    "a document named \"{there}\" is already in the project; rename the file to import it as another document"
                ),
            ));
        }
        if !self.batch.insert(folded) {
            return Err(Error::file(
                &d.source_file,
                format!(
                    "two files in this import are both named \"{}\"; rename one",
                    d.name
                ),
            ));
        }
        Ok(())
    }

    /// The document's record, and its participant when it is a new one.
    fn place(&mut self, d: ParsedDocument) -> (Option<Participant>, DocumentRecord) {
        let found = self
            .exact
            .get(&d.participant)
            .or_else(|| self.folded.get(&d.participant.to_lowercase()))
            .copied();
        let (participant, new) = match found {
            Some(id) => (id, None),
            None => {
                let id = ParticipantId(self.next_participant);
                self.next_participant += 1;
                self.made += 1;
                self.know(&d.participant, id);
                let p = Participant {
                    id,
                    guid: new_guid(),
                    name: d.participant.clone(),
                };
                (id, Some(p))
            }
        };
        let id = DocumentId(self.next_document);
        self.next_document += 1;
        let record = DocumentRecord {
            document: Document {
                id,
                guid: new_guid(),
                name: d.name,
                participant: Some(participant),
                char_len: d.text.chars().count(),
                source_file: d.source_file.to_string_lossy().into_owned(),
                encoding: d.encoding,
                imported_at: self.now.clone(),
                memo: String::new(),
            },
            text: d.text,
            turns: d.turns,
            cue_times: d.cue_times,
        };
        (new, record)
    }
}

/// Options for importing a participants sheet.
#[derive(Debug, Clone, Default)]
pub struct ParticipantImportOptions {
    /// Add rows naming participants the project does not have, instead of refusing them.
    pub create_missing: bool,
}

/// Applies a participants sheet: new attributes are created with the sheet's
/// types, values are checked against their attribute's type, and any problem is
/// reported by line and column with nothing written.
pub fn import_participants(
    r: &Reader<'_>,
    sheet: &ParticipantSheet,
    options: &ParticipantImportOptions,
) -> Result<Edit> {
    let existing_attrs = r.attributes()?;
    let mut next_attr = r.next_id("attribute")?;
    let mut position = existing_attrs
        .iter()
        .map(|a| a.position + 1)
        .max()
        .unwrap_or(0);
    let mut new_attrs = Vec::new();
    let mut columns = Vec::with_capacity(sheet.columns.len());
    for (i, col) in sheet.columns.iter().enumerate() {
        let same = existing_attrs
            .iter()
            .find(|a| a.name == col.name)
            .or_else(|| {
                existing_attrs
                    .iter()
                    .find(|a| same_name(&a.name, &col.name))
            });
        match same {
            Some(a) => {
                if col.forced && a.kind != col.kind {
                    return Err(Error::at(
                        &sheet.path,
                        1,
                        Some(i as u64 + 2),
                        format!(
                            "attribute \"{}\" already exists as {}, not {}",
                            a.name,
                            a.kind.as_str(),
                            col.kind.as_str()
                        ),
                    ));
                }
                columns.push((a.id, a.kind));
            }
            None => {
                let a = Attribute {
                    id: AttributeId(next_attr),
                    guid: new_guid(),
                    name: col.name.clone(),
                    kind: col.kind,
                    position,
                };
                next_attr += 1;
                position += 1;
                columns.push((a.id, a.kind));
                new_attrs.push(a);
            }
        }
    }
    let mut next_participant = r.next_id("participant")?;
    let mut new_participants = Vec::new();
    let mut values = Vec::new();
    let mut seen = HashSet::new();
    for row in &sheet.rows {
        if !seen.insert(row.participant.to_lowercase()) {
            return Err(Error::at(
                &sheet.path,
                row.line,
                Some(1),
                format!(
                    "participant \"{}\" appears twice in the sheet",
                    row.participant
                ),
            ));
        }
        let pid = match r.participant_by_name(&row.participant)? {
            Some(p) => p.id,
            None if options.create_missing => {
                let p = Participant {
                    id: ParticipantId(next_participant),
                    guid: new_guid(),
                    name: row.participant.clone(),
                };
                next_participant += 1;
                let id = p.id;
                new_participants.push(p);
                id
            }
            None => {
                return Err(Error::at(
                    &sheet.path,
                    row.line,
                    Some(1),
                    format!(
                        "unknown participant \"{}\"; import their transcript first, fix the name, or pass --create-missing",
                        row.participant
                    ),
                ));
            }
        };
        for (i, cell) in row.cells.iter().enumerate() {
            let (aid, kind) = columns[i];
            if cell.trim().is_empty() {
                continue;
            }
            let value = kind.normalise(cell).ok_or_else(|| {
                Error::at(
                    &sheet.path,
                    row.line,
                    Some(i as u64 + 2),
                    format!(
                        "the value in column \"{}\" is not a {}; fix it, or force the column's type with --type \"{}=text\"",
                        sheet.columns[i].name,
                        kind_word(kind),
                        sheet.columns[i].name
                    ),
                )
            })?;
            values.push(ValueChange {
                participant: pid,
                attribute: aid,
                value: Some(value),
            });
        }
    }
    Ok(Edit::Batch(vec![
        Edit::InsertParticipants(new_participants),
        Edit::InsertAttributes(new_attrs),
        Edit::SetValues(values),
    ]))
}

/// The names in a sheet that match the project's only when case is ignored,
/// as notes to show the user ("column \"age\" is attribute \"Age\"").
pub fn sheet_spelling_notes(r: &Reader<'_>, sheet: &ParticipantSheet) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let attrs = r.attributes()?;
    for col in &sheet.columns {
        if !attrs.iter().any(|a| a.name == col.name)
            && let Some(a) = attrs.iter().find(|a| same_name(&a.name, &col.name))
        {
            notes.push(format!(
                "column \"{}\" is the attribute \"{}\" (names are matched ignoring case)",
                col.name, a.name
            ));
        }
    }
    for row in &sheet.rows {
        if let Some(p) = r.participant_by_name(&row.participant)?
            && p.name != row.participant
        {
            notes.push(format!(
                "line {}: \"{}\" is the participant \"{}\"",
                row.line, row.participant, p.name
            ));
        }
    }
    Ok(notes)
}

fn kind_word(kind: AttributeKind) -> &'static str {
    match kind {
        AttributeKind::Text => "text",
        AttributeKind::Number => "number",
        AttributeKind::Date => "date (YYYY-MM-DD)",
        AttributeKind::Bool => "yes/no value",
    }
}

/// Adds an attribute.
pub fn add_attribute(
    r: &Reader<'_>,
    name: &str,
    kind: AttributeKind,
) -> Result<(Edit, AttributeId)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("an attribute needs a name".into()));
    }
    let attrs = r.attributes()?;
    if let Some(a) = attrs.iter().find(|a| same_name(&a.name, name)) {
        return Err(Error::Invalid(format!(
            "an attribute named \"{}\" already exists",
            a.name
        )));
    }
    let id = AttributeId(r.next_id("attribute")?);
    Ok((
        Edit::InsertAttributes(vec![Attribute {
            id,
            guid: new_guid(),
            name: name.to_string(),
            kind,
            position: attrs.iter().map(|a| a.position + 1).max().unwrap_or(0),
        }]),
        id,
    ))
}

/// Sets one participant's value of one attribute from what a user typed; an
/// empty value clears it.
pub fn set_value(
    r: &Reader<'_>,
    participant: ParticipantId,
    attribute: AttributeId,
    raw: &str,
) -> Result<Edit> {
    let attr = r
        .attributes()?
        .into_iter()
        .find(|a| a.id == attribute)
        .ok_or_else(|| Error::Invalid("that attribute no longer exists".into()))?;
    let value = if raw.trim().is_empty() {
        None
    } else {
        Some(attr.kind.normalise(raw).ok_or_else(|| {
            Error::Invalid(format!(
                "\"{}\" needs a {}",
                attr.name,
                kind_word(attr.kind)
            ))
        })?)
    };
    Ok(Edit::SetValues(vec![ValueChange {
        participant,
        attribute,
        value,
    }]))
}

/// Applies a codebook: codes are created along each path, and an existing code's
/// definition and colour are replaced when the codebook gives them.
pub fn import_codebook(r: &Reader<'_>, path: &Path, entries: &[CodebookEntry]) -> Result<Edit> {
    let tree = r.code_tree()?;
    let mut next = r.next_id("code")?;
    let mut new: Vec<Code> = Vec::new();
    let mut updates: HashMap<CodeId, Code> = HashMap::new();
    let mut quotes: HashMap<CodeId, Vec<String>> = HashMap::new();
    for e in entries {
        let (_, id) = ensure_path_in(&tree, &e.path.join("/"), &mut next, &mut new)
            .map_err(|err| Error::at(path, e.line, None, err.to_string()))?;
        let color = match &e.color {
            Some(c) => Some(parse_color(c).ok_or_else(|| {
                Error::at(
                    path,
                    e.line,
                    None,
                    format!("\"{c}\" is not a colour; use #rrggbb"),
                )
            })?),
            None => None,
        };
        let target: &mut Code = match new.iter_mut().find(|c| c.id == id) {
            Some(c) => c,
            None => updates
                .entry(id)
                .or_insert_with(|| tree.get(id).expect("existing code").clone()),
        };
        for (given, part) in [
            (&e.description, &mut target.description),
            (&e.short_definition, &mut target.short_definition),
            (&e.when_to_use, &mut target.when_to_use),
            (&e.when_not_to_use, &mut target.when_not_to_use),
        ] {
            if let Some(text) = given {
                *part = text.trim().to_string();
            }
        }
        if let Some(c) = color {
            target.color = c;
        }
        if !e.exemplars.is_empty() {
            quotes
                .entry(id)
                .or_default()
                .extend(e.exemplars.iter().cloned());
        }
    }
    let mut edits = vec![Edit::InsertCodes(new)];
    let mut changed: Vec<Code> = updates
        .into_values()
        .filter(|c| tree.get(c.id) != Some(c))
        .collect();
    changed.sort_by_key(|c| c.id);
    edits.extend(changed.into_iter().map(Edit::UpdateCode));
    edits.extend(pin_quotes(r, &quotes)?.into_iter().map(Edit::UpdateSegment));
    Ok(Edit::Batch(edits))
}

/// For each exemplar quote a codebook gives, the first of the code's segments
/// (in document order) with exactly that text, pinned; a quote already pinned
/// or found nowhere is passed over. New codes have no segments yet.
fn pin_quotes(r: &Reader<'_>, quotes: &HashMap<CodeId, Vec<String>>) -> Result<Vec<Segment>> {
    let mut out = Vec::new();
    let mut codes: Vec<&CodeId> = quotes.keys().collect();
    codes.sort();
    for &code in codes {
        let segments = r.segments_of_code(code)?;
        if segments.is_empty() {
            continue;
        }
        let texts = r.quotes_of_code(code)?;
        let candidates: Vec<(SegmentId, &str, bool)> = segments
            .iter()
            .filter_map(|s| Some((s.id, texts.get(&s.id)?.as_str(), s.exemplar)))
            .collect();
        let pin = crate::model::exemplars_to_pin(&quotes[&code], &candidates);
        out.extend(
            segments
                .iter()
                .filter(|s| pin.contains(&s.id))
                .map(|s| Segment {
                    exemplar: true,
                    ..s.clone()
                }),
        );
    }
    Ok(out)
}
