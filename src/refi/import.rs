//! Reading `.qdpx` projects and `.qdc` codebooks, tolerant of what real tools
//! write and safe against hostile files.
//!
//! - The archive is read with caps on entry count and unpacked size (a zip bomb
//!   stops with an error), and a path that climbs out of it is refused.
//! - XML is parsed without any DTD processing: external entities are never
//!   resolved, unknown entity references are dropped.
//! - `Sources/` and `sources/` both work; texts may have a BOM and CRLF.
//! - Positions are read the standard way (code points) in a file Weft wrote.
//!   In another tool's file each source's positions are also read three other
//!   ways (UTF-16 units, CRLF as one), and one of those is taken only when it
//!   is clearly better at putting selection ends on word boundaries; the
//!   report says which and why, and `--positions` forces one.
//! - Unknown elements (pictures, PDFs, audio, graphs) are counted and skipped;
//!   selections outside their text are listed and skipped; selections with no
//!   coding (as MAXQDA writes them) keep their description under a code named
//!   "Uncoded selections".
//! - Duplicate GUIDs or a missing source are errors, and nothing is imported.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use super::archive::{Listed, list_archive, open_archive, parse_while_unpacking, unpack};
pub use super::positions::Positions;
use super::positions::{Chosen, Counting, choose_counting};
pub use super::xml::{El, parse_xml};
use crate::edit::{Edit, ValueChange};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::Store;

/// Caps on what an archive may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most entries.
    pub entries: usize,
    /// The most bytes all entries may unpack to.
    pub unpacked_bytes: u64,
}

impl Default for Limits {
    /// 20,000 entries and 1 GiB: far above any real project, far below a bomb.
    fn default() -> Self {
        Limits {
            entries: 20_000,
            unpacked_bytes: 1 << 30,
        }
    }
}
/// A source's `plainTextPath` as (the file's path, its key in the archive).
fn source_file(p: &str) -> (String, String) {
    let file = p.rsplit("://").next().unwrap_or(p).trim_start_matches('/');
    (file.to_string(), format!("sources/{}", file.to_lowercase()))
}

/// What an import did, for the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Documents imported.
    pub documents: usize,
    /// Codes imported.
    pub codes: usize,
    /// Segments imported.
    pub segments: usize,
    /// Participants (cases) imported.
    pub participants: usize,
    /// Per source: the position counting chosen.
    pub countings: Vec<(String, String)>,
    /// Elements skipped, by name, with how many.
    pub skipped_elements: BTreeMap<String, usize>,
    /// Selections outside their text: source, start, end.
    pub skipped_selections: Vec<(String, i64, i64)>,
    /// Selections with no coding, kept under "Uncoded selections".
    pub uncoded_selections: usize,
    /// Every name or value Weft had to change to hold the file, in words.
    pub changes: Vec<String>,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Imported {} document(s), {} participant(s), {} code(s), {} segment(s).",
            self.documents, self.participants, self.codes, self.segments
        )?;
        for (source, counting) in &self.countings {
            writeln!(f, "  {source}: positions read as {counting}")?;
        }
        for (name, n) in &self.skipped_elements {
            writeln!(
                f,
                "  skipped {n} <{name}> element(s): Weft does not hold them"
            )?;
        }
        if self.uncoded_selections > 0 {
            writeln!(
                f,
                "  {} selection(s) had no code; they are under \"Uncoded selections\"",
                self.uncoded_selections
            )?;
        }
        for change in &self.changes {
            writeln!(f, "  changed: {change}")?;
        }
        for (source, s, e) in &self.skipped_selections {
            writeln!(
                f,
                "  skipped a selection {s}..{e} outside the text of {source}"
            )?;
        }
        Ok(())
    }
}

/// A file of the archive other than `project.qde`, read while the main
/// thread parses that: a `.txt` file already prepared as a transcript
/// ([`prepare_text`]), anything else as its bytes (prepared only if a
/// source names it).
#[derive(Clone)]
enum Ahead {
    Text(std::result::Result<Prepared, TextProblem>),
    Other(Vec<u8>),
}

/// Unpacks every file but `project.qde` on its own reader of the archive,
/// and prepares the `.txt` ones: the work on the sources' texts that needs
/// nothing from `project.qde`, done on a second core while it is parsed.
fn read_ahead(
    path: &Path,
    bytes: &[u8],
    listed: &HashMap<String, Listed>,
    limits: Limits,
) -> Result<HashMap<String, Ahead>> {
    let mut zip = open_archive(path, bytes)?;
    let mut out = HashMap::with_capacity(listed.len());
    for (name, &entry) in listed {
        if name == "project.qde" {
            continue;
        }
        let data = unpack(&mut zip, entry, path, limits)?;
        let file = if name.ends_with(".txt") {
            Ahead::Text(prepare_text(crate::import::decode_owned(data)))
        } else {
            Ahead::Other(data)
        };
        out.insert(name.clone(), file);
    }
    Ok(out)
}

/// How many sources' positions are mapped at once (see [`SourceWork`]).
const SOURCES_PER_BATCH: usize = 64;

/// A source's text before its positions are mapped: inside `project.qde`,
/// the bytes of a file in the archive, or a file already prepared.
enum SourceWork<'a> {
    Inline(&'a str),
    File(Vec<u8>),
    Ready(std::result::Result<Prepared, TextProblem>),
}

/// A text source as the walk over `project.qde` found it, before its text
/// is read.
struct SourceFound<'a> {
    src: &'a El,
    guid: String,
    name: String,
    selections: Vec<&'a El>,
}

/// A transcript's text made ready: decoded, checked as `weft import`
/// checks a transcript, normalised, and its speaker turns found.
#[derive(Clone)]
struct Prepared {
    /// The text as the file holds it (decoded, BOM dropped), where
    /// normalising changed it; else it is `text`.
    raw: Option<String>,
    text: String,
    char_len: usize,
    turns: Vec<Turn>,
}

/// Why a source's text cannot be a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextProblem {
    Binary,
    Empty,
}

impl TextProblem {
    fn message(self, source: &str) -> String {
        match self {
            TextProblem::Binary => format!(
                "source \"{source}\" looks like a binary file, not a text transcript; remove it from the project in the other tool, or export it as text"
            ),
            TextProblem::Empty => format!(
                "source \"{source}\" holds no text; remove it in the other tool and export again"
            ),
        }
    }
}

/// Everything about a text that depends on nothing else: `raw` (decoded)
/// checked, normalised and split into turns.
fn prepare_text(mut raw: String) -> std::result::Result<Prepared, TextProblem> {
    if raw.starts_with('\u{feff}') {
        raw.drain(..'\u{feff}'.len_utf8());
    }
    if crate::import::looks_binary(&raw) {
        return Err(TextProblem::Binary);
    }
    if raw.trim().is_empty() {
        return Err(TextProblem::Empty);
    }
    let (raw, text) = if raw.contains('\r') {
        let text = crate::text::normalise(&raw);
        (Some(raw), text)
    } else {
        (None, raw)
    };
    let char_len = crate::text::CharIndex::new(&text).char_len();
    let turns = crate::import::turns::detect_turns(&text);
    Ok(Prepared {
        raw,
        text,
        char_len,
        turns,
    })
}

/// A source's text prepared (unless it was prepared ahead) and its
/// selections' positions mapped to code points. Sources go through this
/// a batch at a time on all cores.
fn read_source_text(
    work: &SourceWork<'_>,
    positions: &[(i64, i64)],
    forced: Option<Counting>,
    ours: bool,
) -> std::result::Result<(Option<Prepared>, Chosen), TextProblem> {
    let mut made = None;
    let p: &Prepared = match work {
        SourceWork::Ready(ready) => ready.as_ref().map_err(|problem| *problem)?,
        SourceWork::Inline(t) => made.insert(prepare_text(t.to_string())?),
        SourceWork::File(bytes) => {
            made.insert(prepare_text(crate::import::decode(bytes, None).text)?)
        }
    };
    let raw = p.raw.as_deref().unwrap_or(&p.text);
    let chosen = choose_counting(raw, &p.text, positions, forced, ours);
    Ok((made, chosen))
}

fn guid_of(el: &El, path: &Path, seen: &mut HashSet<String>) -> Result<String> {
    let g = el
        .attr("guid")
        .ok_or_else(|| Error::file(path, format!("a <{}> has no guid", el.name)))?
        .trim_matches(|c| c == '{' || c == '}')
        .to_lowercase();
    if !seen.insert(g.clone()) {
        return Err(Error::file(
            path,
            format!("the GUID {g} is used twice; the project is inconsistent"),
        ));
    }
    Ok(g)
}

fn kind_of(t: &str) -> AttributeKind {
    match t {
        "Boolean" => AttributeKind::Bool,
        "Integer" | "Float" => AttributeKind::Number,
        "Date" | "DateTime" => AttributeKind::Date,
        _ => AttributeKind::Text,
    }
}

/// Everything a `.qdpx` becomes, as one edit on an empty project, plus the report.
/// Returns the edit, the GUID the new project should take (from the project
/// memo's note, if any), and the report.
pub fn read_qdpx(path: &Path, limits: Limits) -> Result<(Edit, Option<String>, ImportReport)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read_qdpx_bytes(path, &bytes, limits)
}

/// The same, from bytes in memory (`path` names the file in errors).
pub fn read_qdpx_bytes(
    path: &Path,
    bytes: &[u8],
    limits: Limits,
) -> Result<(Edit, Option<String>, ImportReport)> {
    read_qdpx_with(path, bytes, limits, None)
}

/// The same, with the positions' counting forced (`None`: trust a file Weft
/// wrote, else guess per source).
pub fn read_qdpx_with(
    path: &Path,
    bytes: &[u8],
    limits: Limits,
    positions: Option<Positions>,
) -> Result<(Edit, Option<String>, ImportReport)> {
    let (mut guid, mut edits) = (None, Vec::new());
    let report = read_pieces(path, bytes, limits, positions, &mut |piece| {
        match piece {
            Piece::Guid(g) => guid = g,
            Piece::Edit(e) => edits.push(e),
            Piece::End => {}
        }
        Ok(())
    })?;
    Ok((Edit::Batch(edits), guid, report))
}

/// What reading a `.qdpx` hands on as it goes: first the GUID the new
/// project takes (from the project memo's note, if any), then the edits
/// that fill it, each referring only to rows of the ones before it; the
/// end is said apart, so that a reading cut short is never taken for a
/// whole one.
enum Piece {
    Guid(Option<String>),
    Edit(Edit),
    End,
}

/// Reads a `.qdpx`, handing on its pieces ([`Piece`]) as they are read:
/// what the sources refer to first, then each batch of sources' documents
/// and segments, and `End` once all of it is read.
fn read_pieces(
    path: &Path,
    bytes: &[u8],
    limits: Limits,
    positions: Option<Positions>,
    out: &mut dyn FnMut(Piece) -> Result<()>,
) -> Result<ImportReport> {
    let forced = positions.map(Positions::counting);
    let listed = list_archive(path, bytes, limits)?;
    let qde = *listed
        .get("project.qde")
        .ok_or_else(|| Error::file(path, "not a REFI-QDA project: no project.qde inside"))?;
    // The sources' files are unpacked and prepared on a second thread
    // while this one unpacks and parses project.qde.
    std::thread::scope(|scope| {
        let ahead = scope.spawn(|| read_ahead(path, bytes, &listed, limits));
        read_project(path, bytes, qde, limits, forced, ahead, out)
    })
}

/// How much of the coders, codes and participants has been handed on.
#[derive(Default)]
struct Sent {
    coders: usize,
    codes: usize,
    participants: usize,
}

impl Sent {
    /// Hands on the coders, codes and participants made since last time.
    fn flush(
        &mut self,
        coders: &[Coder],
        codes: &[Code],
        participants: &[Participant],
        out: &mut dyn FnMut(Piece) -> Result<()>,
    ) -> Result<()> {
        if let Some(new) = made_since(coders, &mut self.coders) {
            out(Piece::Edit(Edit::InsertCoders(new)))?;
        }
        if let Some(new) = made_since(codes, &mut self.codes) {
            out(Piece::Edit(Edit::InsertCodes(new)))?;
        }
        if let Some(new) = made_since(participants, &mut self.participants) {
            out(Piece::Edit(Edit::InsertParticipants(new)))?;
        }
        Ok(())
    }
}

/// The items of `list` after the first `sent`, if any, counting them sent.
fn made_since<T: Clone>(list: &[T], sent: &mut usize) -> Option<Vec<T>> {
    let new = list.get(*sent..).filter(|n| !n.is_empty())?.to_vec();
    *sent = list.len();
    Some(new)
}

/// [`read_pieces`] once the archive is listed: `ahead` is the thread
/// reading the other files ([`read_ahead`]).
fn read_project(
    path: &Path,
    bytes: &[u8],
    qde: Listed,
    limits: Limits,
    forced: Option<Counting>,
    ahead: std::thread::ScopedJoinHandle<'_, Result<HashMap<String, Ahead>>>,
    out: &mut dyn FnMut(Piece) -> Result<()>,
) -> Result<ImportReport> {
    let root = match parse_while_unpacking(path, bytes, qde, limits) {
        Some(root) => root,
        None => {
            // The careful way, for a file that is not plain UTF-8 (decoded
            // as `weft import` decodes a transcript), or for the reason a
            // damaged or malformed one is refused. The text takes the
            // unpacked bytes without a copy, and goes as soon as it is
            // parsed: on a project of 100,000 codings it is tens of megabytes.
            let qde = unpack(&mut open_archive(path, bytes)?, qde, path, limits)?;
            let text = crate::import::decode_owned(qde);
            let root = parse_xml(&text);
            drop(text);
            root.map_err(|m| Error::file(path, format!("project.qde: {m}")))?
        }
    };
    if &*root.name != "Project" {
        return Err(Error::file(
            path,
            "project.qde does not hold a REFI-QDA <Project>",
        ));
    }
    let ours = root.attr("origin").is_some_and(|o| o.starts_with("Weft"));
    out(Piece::Guid(
        root.child("NoteRef")
            .and_then(|r| r.attr("targetGUID"))
            .map(|g| g.trim_matches(|c| c == '{' || c == '}').to_lowercase()),
    ))?;
    let mut report = ImportReport::default();
    let mut seen = HashSet::new();
    let now = now_rfc3339();

    // Notes by GUID.
    let mut notes: HashMap<String, String> = HashMap::new();
    if let Some(n) = root.child("Notes") {
        for note in n.all("Note") {
            let g = guid_of(note, path, &mut seen)?;
            let text = note
                .child("PlainTextContent")
                .map(|c| c.text.clone())
                .unwrap_or_default();
            notes.insert(g, crate::text::normalise(&text));
        }
    }
    let notes_of = |el: &El| -> String {
        el.all("NoteRef")
            .filter_map(|r| r.attr("targetGUID"))
            .filter_map(|g| notes.get(&g.trim_matches(|c| c == '{' || c == '}').to_lowercase()))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    };

    // Coders.
    let mut coders: Vec<Coder> = Vec::new();
    let mut coder_by_guid: HashMap<String, CoderId> = HashMap::new();
    if let Some(users) = root.child("Users") {
        for u in users.all("User") {
            let g = guid_of(u, path, &mut seen)?;
            let mut name = u.attr("name").unwrap_or("").trim().to_string();
            if name.is_empty() || coders.iter().any(|c| c.name == name) {
                name = format!(
                    "{} ({})",
                    if name.is_empty() { "user" } else { &name },
                    &g[..8]
                );
            }
            let id = CoderId(coders.len() as i64 + 1);
            coders.push(Coder {
                id,
                guid: g.clone(),
                name,
            });
            coder_by_guid.insert(g, id);
        }
    }

    // Codes, parents before children.
    /// What the walk over the codebook collects.
    #[derive(Default)]
    struct CodesRead {
        codes: Vec<Code>,
        by_guid: HashMap<String, CodeId>,
        changes: Vec<String>,
        /// Exemplar quotes laid out in the codes' descriptions.
        exemplars: HashMap<CodeId, Vec<String>>,
    }
    fn walk(
        el: &El,
        parent: Option<CodeId>,
        path: &Path,
        seen: &mut HashSet<String>,
        read: &mut CodesRead,
        notes_of: &dyn Fn(&El) -> String,
    ) -> Result<()> {
        for (pos, c) in el.all("Code").enumerate() {
            let g = guid_of(c, path, seen)?;
            let id = CodeId(read.codes.len() as i64 + 1);
            let given = c.attr("name").unwrap_or("").trim();
            check_name_characters("the code name", given)
                .map_err(|e| Error::file(path, format!("code {g}: {e}")))?;
            let mut name = given.replace('/', "-");
            if name != given {
                read.changes.push(format!(
                    "code \"{given}\" is named \"{name}\": '/' separates levels of a code path in Weft"
                ));
            }
            if name.is_empty() {
                name = "Unnamed code".into();
                read.changes
                    .push(format!("code {g} has no name; it is called \"{name}\""));
            }
            let before = name.clone();
            while read
                .codes
                .iter()
                .any(|x| x.parent == parent && same_name(&x.name, &name))
            {
                name.push_str(" (2)");
            }
            if name != before {
                read.changes.push(format!(
                    "a second code \"{before}\" at the same level is called \"{name}\""
                ));
            }
            let parts = c
                .child("Description")
                .map(|d| CodeParts::from_description(&crate::text::normalise(&d.text)))
                .unwrap_or_default();
            if !parts.exemplars.is_empty() {
                read.exemplars.insert(id, parts.exemplars.clone());
            }
            read.codes.push(Code {
                id,
                guid: g.clone(),
                parent,
                name,
                color: c
                    .attr("color")
                    .and_then(parse_color)
                    .filter(|c| c.len() == 7)
                    .unwrap_or_else(|| PALETTE[(id.0 as usize - 1) % PALETTE.len()].to_string()),
                description: parts.description,
                position: pos as i64,
                memo: notes_of(c),
                short_definition: parts.short_definition,
                when_to_use: parts.when_to_use,
                when_not_to_use: parts.when_not_to_use,
            });
            read.by_guid.insert(g, id);
            walk(c, Some(id), path, seen, read, notes_of)?;
        }
        Ok(())
    }
    let mut read = CodesRead::default();
    if let Some(cb) = root.child("CodeBook").and_then(|c| c.child("Codes")) {
        walk(cb, None, path, &mut seen, &mut read, &notes_of)?;
    }
    let CodesRead {
        mut codes,
        by_guid: code_by_guid,
        changes,
        mut exemplars,
    } = read;
    report.changes.extend(changes);

    // Variables and cases.
    let mut attributes: Vec<Attribute> = Vec::new();
    let mut attribute_by_guid: HashMap<String, AttributeId> = HashMap::new();
    if let Some(vars) = root.child("Variables") {
        for v in vars.all("Variable") {
            let g = guid_of(v, path, &mut seen)?;
            let id = AttributeId(attributes.len() as i64 + 1);
            let given = v.attr("name").unwrap_or("Variable").trim().to_string();
            let mut name = given.clone();
            while attributes.iter().any(|a| same_name(&a.name, &name)) {
                name.push_str(" (2)");
            }
            if name != given {
                report.changes.push(format!(
                    "a second variable \"{given}\" is called \"{name}\""
                ));
            }
            attributes.push(Attribute {
                id,
                guid: g.clone(),
                name,
                kind: kind_of(v.attr("typeOfVariable").unwrap_or("Text")),
                position: id.0 - 1,
            });
            attribute_by_guid.insert(g, id);
        }
    }
    let mut participants: Vec<Participant> = Vec::new();
    let mut values: Vec<ValueChange> = Vec::new();
    let mut participant_of_source: HashMap<String, ParticipantId> = HashMap::new();
    if let Some(cases) = root.child("Cases") {
        for c in cases.all("Case") {
            let g = guid_of(c, path, &mut seen)?;
            let id = ParticipantId(participants.len() as i64 + 1);
            let given = c.attr("name").unwrap_or("").trim().to_string();
            let mut name = given.clone();
            if name.is_empty() {
                name = format!("Case {}", id.0);
                report
                    .changes
                    .push(format!("a case with no name is called \"{name}\""));
            }
            let before = name.clone();
            while participants.iter().any(|p| same_name(&p.name, &name)) {
                name.push_str(" (2)");
            }
            if name != before {
                report
                    .changes
                    .push(format!("a second case \"{before}\" is called \"{name}\""));
            }
            let case_name = name.clone();
            participants.push(Participant { id, guid: g, name });
            for vv in c.all("VariableValue") {
                let Some(a) = vv
                    .child("VariableRef")
                    .and_then(|r| r.attr("targetGUID"))
                    .and_then(|g| {
                        attribute_by_guid
                            .get(&g.trim_matches(|c| c == '{' || c == '}').to_lowercase())
                    })
                else {
                    continue;
                };
                let raw = vv
                    .children
                    .iter()
                    .find(|x| &*x.name != "VariableRef")
                    .map(|x| x.text.trim().to_string())
                    .unwrap_or_default();
                let kind = attributes[(a.0 - 1) as usize].kind;
                let raw = if kind == AttributeKind::Date {
                    raw.get(..10).unwrap_or(&raw).to_string()
                } else {
                    raw
                };
                match kind.normalise(&raw).filter(|v| !v.is_empty()) {
                    Some(v) => values.push(ValueChange {
                        participant: id,
                        attribute: *a,
                        value: Some(v),
                    }),
                    None if !raw.is_empty() => report.changes.push(format!(
                        "case \"{case_name}\": the value of \"{}\" is not a {} and was left out",
                        attributes[(a.0 - 1) as usize].name,
                        kind.as_str()
                    )),
                    None => {}
                }
            }
            for sr in c.all("SourceRef") {
                if let Some(t) = sr.attr("targetGUID") {
                    participant_of_source
                        .entry(t.trim_matches(|c| c == '{' || c == '}').to_lowercase())
                        .or_insert(id);
                }
            }
        }
    }

    // What the sources refer to goes first. What they add to it (a
    // participant for a source with no case, the "imported" coder, the
    // code for uncoded selections) goes before each batch that adds it.
    out(Piece::Edit(Edit::InsertAttributes(attributes)))?;
    let mut sent = Sent::default();
    sent.flush(&coders, &codes, &participants, out)?;
    out(Piece::Edit(Edit::SetValues(values)))?;

    // Sources and their selections, a batch at a time: the batch's records
    // and segments, and how many went before them.
    let mut records: Vec<DocumentRecord> = Vec::new();
    let mut segments: Vec<Segment> = Vec::new();
    let (mut documents_before, mut segments_before) = (0, 0);
    let mut segment_keys: HashSet<(DocumentId, CodeId, usize, usize, CoderId)> = HashSet::new();
    let mut uncoded: Option<CodeId> = None;
    let default_coder = |coders: &mut Vec<Coder>| -> CoderId {
        if let Some(c) = coders.iter().find(|c| c.name == "imported") {
            return c.id;
        }
        let id = CoderId(coders.len() as i64 + 1);
        coders.push(Coder {
            id,
            guid: new_guid(),
            name: "imported".into(),
        });
        id
    };
    // The other files, read meanwhile.
    let mut files = ahead
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    // How many sources name each text file, so each file is let go to its
    // last reader instead of copied.
    let mut readers: HashMap<String, usize> = HashMap::new();
    if let Some(sources) = root.child("Sources") {
        for p in sources
            .children
            .iter()
            .filter_map(|s| s.attr("plainTextPath"))
        {
            *readers.entry(source_file(p).1).or_default() += 1;
        }
    }
    // The names sources have so far, lower-cased (what `same_name` compares).
    let mut taken: HashSet<String> = HashSet::new();
    let text_sources: Vec<&El> = match root.child("Sources") {
        Some(sources) => sources
            .children
            .iter()
            .filter(|src| {
                let text = &*src.name == "TextSource";
                if !text {
                    *report
                        .skipped_elements
                        .entry(src.name.to_string())
                        .or_default() += 1;
                }
                text
            })
            .collect(),
        None => Vec::new(),
    };
    // The sources go in batches: a batch's selections are mapped to code
    // points on all cores (with the texts not prepared ahead, inline ones),
    // then taken in order here.
    for (batch_no, batch) in text_sources.chunks(SOURCES_PER_BATCH).enumerate() {
        let mut found: Vec<SourceFound<'_>> = Vec::with_capacity(batch.len());
        let mut work: Vec<(SourceWork<'_>, Vec<(i64, i64)>)> = Vec::with_capacity(batch.len());
        for (k, &src) in batch.iter().enumerate() {
            let g = guid_of(src, path, &mut seen)?;
            let mut name = src.attr("name").unwrap_or("").trim().to_string();
            if name.is_empty() {
                name = format!("Source {}", batch_no * SOURCES_PER_BATCH + k + 1);
                report
                    .changes
                    .push(format!("a source with no name is called \"{name}\""));
            }
            let before = name.clone();
            while taken.contains(&name.to_lowercase()) {
                name.push_str(" (2)");
            }
            if name != before {
                report
                    .changes
                    .push(format!("a second source \"{before}\" is called \"{name}\""));
            }
            taken.insert(name.to_lowercase());
            // The text: inline, or a file under sources/ (any case).
            let raw = match (src.child("PlainTextContent"), src.attr("plainTextPath")) {
                (Some(c), _) => SourceWork::Inline(&c.text),
                (None, Some(p)) => {
                    let (file, key) = source_file(p);
                    let in_archive = if files.contains_key(&key) {
                        key.clone()
                    } else {
                        file.to_lowercase()
                    };
                    let missing = || {
                        Error::file(
                            path,
                            format!(
                                "the text of source \"{name}\" ({file}) is missing from the archive"
                            ),
                        )
                    };
                    let left = readers.get_mut(&key).map(|n| {
                        *n -= 1;
                        *n
                    });
                    let ahead = if left == Some(0) {
                        files.remove(&in_archive)
                    } else {
                        files.get(&in_archive).cloned()
                    };
                    match ahead.ok_or_else(missing)? {
                        Ahead::Text(t) => SourceWork::Ready(t),
                        Ahead::Other(b) => SourceWork::File(b),
                    }
                }
                (None, None) => {
                    return Err(Error::file(path, format!("source \"{name}\" has no text")));
                }
            };
            let selections: Vec<&El> = src.all("PlainTextSelection").collect();
            let positions: Vec<(i64, i64)> = selections
                .iter()
                .map(|s| {
                    let p = |a: &str| {
                        s.attr(a)
                            .and_then(|v| v.trim().parse::<i64>().ok())
                            .unwrap_or(-1)
                    };
                    (p("startPosition"), p("endPosition"))
                })
                .collect();
            work.push((raw, positions));
            found.push(SourceFound {
                src,
                guid: g,
                name,
                selections,
            });
        }
        let read: Vec<std::result::Result<(Option<Prepared>, Chosen), TextProblem>> =
            crate::parallel::map_on_cores(&work, |(raw, positions)| {
                read_source_text(raw, positions, forced, ours)
            });
        for ((source, read), (work, positions)) in found.into_iter().zip(read).zip(work) {
            let SourceFound {
                src,
                guid: g,
                name,
                selections: sels,
            } = source;
            let (made, chosen) =
                read.map_err(|problem| Error::file(path, problem.message(&name)))?;
            let Prepared {
                text,
                char_len,
                turns,
                ..
            } = match (made, work) {
                (Some(p), _) | (None, SourceWork::Ready(Ok(p))) => p,
                (None, _) => unreachable!("a text not prepared ahead is prepared in its batch"),
            };
            let doc_id = DocumentId((documents_before + records.len()) as i64 + 1);
            let participant = match participant_of_source.get(&g) {
                Some(p) => *p,
                None => {
                    let id = ParticipantId(participants.len() as i64 + 1);
                    let mut pname = name.clone();
                    while participants.iter().any(|p| p.name == pname) {
                        pname.push_str(" (2)");
                    }
                    participants.push(Participant {
                        id,
                        guid: new_guid(),
                        name: pname,
                    });
                    id
                }
            };
            if !sels.is_empty() {
                let mut how = chosen.counting.describe().to_string();
                if !chosen.why.is_empty() {
                    how = format!("{how} ({})", chosen.why);
                }
                report.countings.push((name.clone(), how));
            }
            for ((sel, range), (s0, e0)) in sels.iter().zip(chosen.ranges).zip(&positions) {
                let sel_guid = guid_of(sel, path, &mut seen)?;
                let Some(range) = range else {
                    report.skipped_selections.push((name.clone(), *s0, *e0));
                    continue;
                };
                let memo = {
                    let mut parts = Vec::new();
                    let n = notes_of(sel);
                    if !n.is_empty() {
                        parts.push(n);
                    }
                    parts.join("\n\n")
                };
                let coder_of = |el: &El| {
                    el.attr("creatingUser")
                        .and_then(|u| {
                            coder_by_guid
                                .get(&u.trim_matches(|c| c == '{' || c == '}').to_lowercase())
                        })
                        .copied()
                };
                let created = sel
                    .attr("creationDateTime")
                    .map(String::from)
                    .unwrap_or_else(|| now.clone());
                let codings: Vec<&El> = sel.all("Coding").collect();
                if codings.is_empty() {
                    report.uncoded_selections += 1;
                    let code = *uncoded.get_or_insert_with(|| {
                        let id = CodeId(codes.len() as i64 + 1);
                        codes.push(Code { id, guid: new_guid(), parent: None, name: "Uncoded selections".into(), color: "#888888".into(), description: "Selections that another tool exported without a code (their descriptions are the segments' memos).".into(), position: codes.len() as i64, memo: String::new(), short_definition: String::new(), when_to_use: String::new(), when_not_to_use: String::new() });
                        id
                    });
                    let desc = sel
                        .child("Description")
                        .map(|d| crate::text::normalise(&d.text))
                        .unwrap_or_default();
                    let coder = coder_of(sel).unwrap_or_else(|| default_coder(&mut coders));
                    segments.push(Segment {
                        id: SegmentId((segments_before + segments.len()) as i64 + 1),
                        guid: sel_guid.clone(),
                        document: doc_id,
                        code,
                        range,
                        coder,
                        created_at: created.clone(),
                        memo: [desc, memo.clone()]
                            .into_iter()
                            .filter(|s| !s.is_empty())
                            .collect::<Vec<_>>()
                            .join("\n\n"),
                        exemplar: false,
                    });
                    continue;
                }
                for (k, coding) in codings.iter().enumerate() {
                    let Some(code) = coding
                        .child("CodeRef")
                        .and_then(|r| r.attr("targetGUID"))
                        .and_then(|g| {
                            code_by_guid
                                .get(&g.trim_matches(|c| c == '{' || c == '}').to_lowercase())
                        })
                        .copied()
                    else {
                        *report
                            .skipped_elements
                            .entry("Coding with an unknown code".into())
                            .or_default() += 1;
                        continue;
                    };
                    let coder = coder_of(coding)
                        .or_else(|| coder_of(sel))
                        .unwrap_or_else(|| default_coder(&mut coders));
                    // The same segment twice is kept once: a set, not a scan of
                    // every earlier segment (which made large imports quadratic).
                    if !segment_keys.insert((doc_id, code, range.start, range.end, coder)) {
                        continue;
                    }
                    // The first coding keeps the selection's GUID, so a round trip keeps it.
                    let guid = if k == 0 {
                        sel_guid.clone()
                    } else {
                        super::derived_guid(&sel_guid, &format!("coding{k}"))
                    };
                    segments.push(Segment {
                        id: SegmentId((segments_before + segments.len()) as i64 + 1),
                        guid,
                        document: doc_id,
                        code,
                        range,
                        coder,
                        created_at: created.clone(),
                        memo: memo.clone(),
                        exemplar: false,
                    });
                }
            }
            for other in &src.children {
                if !matches!(
                    &*other.name,
                    "PlainTextSelection"
                        | "PlainTextContent"
                        | "Description"
                        | "NoteRef"
                        | "Coding"
                        | "VariableValue"
                ) {
                    *report
                        .skipped_elements
                        .entry(other.name.to_string())
                        .or_default() += 1;
                }
            }
            records.push(DocumentRecord {
                document: Document {
                    id: doc_id,
                    guid: g,
                    name,
                    participant: Some(participant),
                    char_len,
                    source_file: path.to_string_lossy().into_owned(),
                    encoding: "UTF-8".into(),
                    imported_at: src
                        .attr("creationDateTime")
                        .map(String::from)
                        .unwrap_or_else(|| now.clone()),
                    memo: notes_of(src),
                },
                turns,
                text,
                cue_times: Vec::new(),
            });
        }
        sent.flush(&coders, &codes, &participants, out)?;
        pin_exemplars(&mut segments, &records, &mut exemplars);
        documents_before += records.len();
        segments_before += segments.len();
        out(Piece::Edit(Edit::InsertDocuments(std::mem::take(
            &mut records,
        ))))?;
        out(Piece::Edit(Edit::InsertSegments(std::mem::take(
            &mut segments,
        ))))?;
    }
    for other in &root.children {
        if !matches!(
            &*other.name,
            "Users"
                | "CodeBook"
                | "Variables"
                | "Cases"
                | "Sources"
                | "Notes"
                | "NoteRef"
                | "Description"
        ) {
            *report
                .skipped_elements
                .entry(other.name.to_string())
                .or_default() += 1;
        }
    }
    sent.flush(&coders, &codes, &participants, out)?;
    out(Piece::Edit(Edit::SetProjectMemo(notes_of(&root))))?;
    report.documents = documents_before;
    report.codes = codes.len();
    report.segments = segments_before;
    report.participants = participants.len();
    // Said here, so the writer commits while the element tree is let go.
    out(Piece::End)?;
    Ok(report)
}

/// Pins, for each exemplar quote a code's description lists, the first of
/// the code's segments whose text is that quote (REFI-QDA has no place for
/// the pin itself, so the quote's text carries it). Segments come a batch
/// of documents at a time, in document order: a quote met in a batch is
/// taken out of `quotes`, so later batches pin only the quotes still unmet.
fn pin_exemplars(
    segments: &mut [Segment],
    records: &[DocumentRecord],
    quotes: &mut HashMap<CodeId, Vec<String>>,
) {
    if quotes.is_empty() {
        return;
    }
    // Only the documents that hold a segment of such a code are indexed.
    let holding: HashSet<DocumentId> = segments
        .iter()
        .filter(|s| quotes.contains_key(&s.code))
        .map(|s| s.document)
        .collect();
    let texts: HashMap<DocumentId, crate::text::CharIndex<'_>> = records
        .iter()
        .filter(|r| holding.contains(&r.document.id))
        .map(|r| (r.document.id, crate::text::CharIndex::new(&r.text)))
        .collect();
    let mut pin = HashSet::new();
    for (code, unmet) in quotes.iter_mut() {
        let mut candidates: Vec<(&Segment, &str)> = segments
            .iter()
            .filter(|s| s.code == *code)
            .filter_map(|s| {
                let t = texts.get(&s.document)?;
                (s.range.end <= t.char_len()).then(|| (s, t.slice(s.range)))
            })
            .collect();
        candidates.sort_by_key(|(s, _)| (s.document, s.range.start, s.range.end, s.id));
        let candidates: Vec<(SegmentId, &str, bool)> = candidates
            .iter()
            .map(|(s, t)| (s.id, *t, s.exemplar))
            .collect();
        for id in exemplars_to_pin(unmet, &candidates) {
            if let Some((_, text, _)) = candidates.iter().find(|c| c.0 == id)
                && let Some(i) = unmet.iter().position(|q| q == text)
            {
                unmet.remove(i);
            }
            pin.insert(id);
        }
    }
    quotes.retain(|_, unmet| !unmet.is_empty());
    for s in segments.iter_mut().filter(|s| pin.contains(&s.id)) {
        s.exemplar = true;
    }
}

/// Imports a `.qdpx` into a new project at `project`, all or nothing: the
/// project is built beside the target and moved into place whole, with no undo
/// entry (there is nothing before the import to go back to).
pub fn import_qdpx(qdpx: &Path, project: &Path, limits: Limits) -> Result<ImportReport> {
    import_qdpx_with(qdpx, project, limits, None)
}

/// The same, with the positions' counting forced (see [`read_qdpx_with`]).
pub fn import_qdpx_with(
    qdpx: &Path,
    project: &Path,
    limits: Limits,
    positions: Option<Positions>,
) -> Result<ImportReport> {
    let bytes = std::fs::read(qdpx).map_err(|e| Error::io(qdpx, e))?;
    // The project is written on this thread while another reads the
    // archive: each batch of documents and segments goes in as soon as it
    // is read. The channel holds two pieces at most, which bounds the
    // memory in flight.
    let (send, pieces) = std::sync::mpsc::sync_channel::<Piece>(2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut writer_gone = false;
            let mut hand_on = |piece| {
                send.send(piece).map_err(|_| {
                    writer_gone = true;
                    Error::Invalid("the import stopped".into())
                })
            };
            let read = read_pieces(qdpx, &bytes, limits, positions, &mut hand_on);
            (read, writer_gone)
        });
        let written = write_pieces(project, &pieces);
        // A reader still handing on pieces stops at its next one.
        drop(pieces);
        let (read, writer_gone) = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        match (read, written) {
            (Ok(report), Ok(())) => Ok(report),
            // The writer's error stopped the reader: it is the one to tell.
            (Err(_), Err(e)) if writer_gone => Err(e),
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
        }
    })
}

/// Builds the new project from the pieces a reader hands on, in one
/// transaction that commits only once the reader says it has ended.
fn write_pieces(project: &Path, pieces: &std::sync::mpsc::Receiver<Piece>) -> Result<()> {
    let stopped = || Error::Invalid("the reading of the project stopped".into());
    let Ok(Piece::Guid(guid)) = pieces.recv() else {
        return Err(stopped());
    };
    Store::build(project, guid.as_deref(), |store| {
        store.fill_segments_in_bulk(|store| {
            store.fill_in_pieces(std::iter::from_fn(|| match pieces.recv() {
                Ok(Piece::Edit(edit)) => Some(Ok(edit)),
                Ok(Piece::End) => None,
                Ok(Piece::Guid(_)) | Err(_) => Some(Err(stopped())),
            }))
        })
    })?;
    Ok(())
}

/// Reads a `.qdc` codebook into codebook entries.
pub fn read_qdc(path: &Path) -> Result<Vec<crate::import::CodebookEntry>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_qdc(path, &bytes)
}

/// Parses a `.qdc` codebook from bytes (`path` names the file in errors).
pub fn parse_qdc(path: &Path, bytes: &[u8]) -> Result<Vec<crate::import::CodebookEntry>> {
    let text = crate::import::decode(bytes, None).text;
    let root = parse_xml(&text).map_err(|m| Error::file(path, m))?;
    let codes = root
        .child("Codes")
        .filter(|_| &*root.name == "CodeBook")
        .ok_or_else(|| Error::file(path, "not a REFI-QDA codebook: no <CodeBook><Codes>"))?;
    let mut out = Vec::new();
    fn walk(el: &El, prefix: &[String], out: &mut Vec<crate::import::CodebookEntry>) {
        for c in el.all("Code") {
            let mut p = prefix.to_vec();
            p.push(
                c.attr("name")
                    .unwrap_or("Unnamed code")
                    .trim()
                    .replace('/', "-"),
            );
            let parts = c
                .child("Description")
                .map(|d| CodeParts::from_description(&crate::text::normalise(&d.text)));
            let part = |f: fn(&CodeParts) -> &String| {
                parts.as_ref().map(f).filter(|s| !s.is_empty()).cloned()
            };
            out.push(crate::import::CodebookEntry {
                path: p.clone(),
                description: parts.as_ref().map(|p| p.description.clone()),
                color: c.attr("color").filter(|c| c.len() == 7).map(String::from),
                short_definition: part(|p| &p.short_definition),
                when_to_use: part(|p| &p.when_to_use),
                when_not_to_use: part(|p| &p.when_not_to_use),
                exemplars: parts
                    .as_ref()
                    .map(|p| p.exemplars.clone())
                    .unwrap_or_default(),
                line: 0,
            });
            walk(c, &p, out);
        }
    }
    walk(codes, &[], &mut out);
    Ok(out)
}
