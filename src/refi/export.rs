//! Writing `.qdpx` projects and `.qdc` codebooks.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use super::{CODEBOOK_NS, PROJECT_NS, derived_guid, esc};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::Reader;

/// The GUID of the note holding an object's memo. The project's own memo uses
/// the project's GUID, since `<Project>` has no GUID attribute of its own: an
/// importer that adopts it keeps the project's identity across a round trip.
fn note_guid(object: &str, project: &str) -> String {
    if object == project {
        project.to_string()
    } else {
        derived_guid(object, "memo")
    }
}

/// Each code's exemplar quotes (see [`Reader::exemplar_quotes`]).
pub type Exemplars = HashMap<CodeId, Vec<String>>;

fn code_xml(
    out: &mut String,
    book: (&CodeTree, &Exemplars),
    id: CodeId,
    notes: &HashMap<String, String>,
    indent: usize,
) {
    let (tree, exemplars) = book;
    let Some(c) = tree.get(id) else { return };
    let pad = "  ".repeat(indent);
    let _ = write!(
        out,
        r#"{pad}<Code guid="{}" name="{}" isCodable="true" color="{}">"#,
        c.guid,
        esc(&c.name),
        esc(&c.color)
    );
    out.push('\n');
    let quotes = exemplars.get(&c.id).cloned().unwrap_or_default();
    let description = CodeParts::of(c, quotes).to_description();
    if !description.is_empty() {
        let _ = writeln!(
            out,
            "{pad}  <Description>{}</Description>",
            esc(&description)
        );
    }
    if notes.contains_key(&c.guid) {
        let _ = writeln!(
            out,
            r#"{pad}  <NoteRef targetGUID="{}"/>"#,
            derived_guid(&c.guid, "memo")
        );
    }
    for &child in tree.children(Some(id)) {
        code_xml(out, book, child, notes, indent + 1);
    }
    let _ = writeln!(out, "{pad}</Code>");
}

fn codes_xml(
    book: (&CodeTree, &Exemplars),
    notes: &HashMap<String, String>,
    indent: usize,
) -> String {
    let mut out = String::new();
    for &top in book.0.children(None) {
        code_xml(&mut out, book, top, notes, indent);
    }
    out
}

fn variable_type(kind: AttributeKind) -> &'static str {
    match kind {
        AttributeKind::Text => "Text",
        AttributeKind::Number => "Float",
        AttributeKind::Date => "Date",
        AttributeKind::Bool => "Boolean",
    }
}

fn value_xml(kind: AttributeKind, value: &str) -> String {
    match kind {
        AttributeKind::Text => format!("<TextValue>{}</TextValue>", esc(value)),
        AttributeKind::Number => format!("<FloatValue>{}</FloatValue>", esc(value)),
        AttributeKind::Date => format!("<DateValue>{}</DateValue>", esc(value)),
        AttributeKind::Bool => format!("<BooleanValue>{}</BooleanValue>", value == "yes"),
    }
}

/// The `project.qde` XML and the texts to put under `sources/`, by file name.
pub fn project_xml(r: &Reader<'_>) -> Result<(String, Vec<(String, String)>)> {
    let snap = r.snapshot()?;
    let project_guid: String = r.project_guid()?;
    let created = r.project_created()?;
    // Memos become notes, with GUIDs derived from what they annotate.
    let mut notes: HashMap<String, String> = HashMap::new();
    if !snap.memo.is_empty() {
        notes.insert(project_guid.clone(), snap.memo.clone());
    }
    for c in snap.codes.codes() {
        if !c.memo.is_empty() {
            notes.insert(c.guid.clone(), c.memo.clone());
        }
    }
    for d in &snap.documents {
        if !d.memo.is_empty() {
            notes.insert(d.guid.clone(), d.memo.clone());
        }
    }
    for s in &snap.segments {
        if !s.memo.is_empty() {
            notes.insert(s.guid.clone(), s.memo.clone());
        }
    }
    let coder_guid: HashMap<CoderId, &str> = snap
        .coders
        .iter()
        .map(|c| (c.id, c.guid.as_str()))
        .collect();
    let code_guid: HashMap<CodeId, &str> = snap
        .codes
        .codes()
        .iter()
        .map(|c| (c.id, c.guid.as_str()))
        .collect();

    let mut x = String::with_capacity(1 << 20);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(
        x,
        r#"<Project xmlns="{PROJECT_NS}" name="{}" origin="Weft {}" creationDateTime="{}">"#,
        esc(&snap.name),
        env!("CARGO_PKG_VERSION"),
        esc(&created)
    );
    if !snap.coders.is_empty() {
        x.push_str("  <Users>\n");
        for c in &snap.coders {
            let _ = writeln!(
                x,
                r#"    <User guid="{}" name="{}"/>"#,
                c.guid,
                esc(&c.name)
            );
        }
        x.push_str("  </Users>\n");
    }
    if !snap.codes.codes().is_empty() {
        x.push_str("  <CodeBook>\n    <Codes>\n");
        let exemplars = r.exemplar_quotes()?;
        x.push_str(&codes_xml((&snap.codes, &exemplars), &notes, 3));
        x.push_str("    </Codes>\n  </CodeBook>\n");
    }
    if !snap.attributes.is_empty() {
        x.push_str("  <Variables>\n");
        for a in &snap.attributes {
            let _ = writeln!(
                x,
                r#"    <Variable guid="{}" name="{}" typeOfVariable="{}"/>"#,
                a.guid,
                esc(&a.name),
                variable_type(a.kind)
            );
        }
        x.push_str("  </Variables>\n");
    }
    if !snap.participants.is_empty() {
        x.push_str("  <Cases>\n");
        for p in &snap.participants {
            let _ = writeln!(x, r#"    <Case guid="{}" name="{}">"#, p.guid, esc(&p.name));
            for a in &snap.attributes {
                let v = snap.value(p.id, a.id);
                if !v.is_empty() {
                    let _ = writeln!(
                        x,
                        r#"      <VariableValue><VariableRef targetGUID="{}"/>{}</VariableValue>"#,
                        a.guid,
                        value_xml(a.kind, v)
                    );
                }
            }
            for d in snap
                .documents
                .iter()
                .filter(|d| d.participant == Some(p.id))
            {
                let _ = writeln!(x, r#"      <SourceRef targetGUID="{}"/>"#, d.guid);
            }
            x.push_str("    </Case>\n");
        }
        x.push_str("  </Cases>\n");
    }
    let mut files = Vec::with_capacity(snap.documents.len());
    if !snap.documents.is_empty() {
        x.push_str("  <Sources>\n");
        for d in &snap.documents {
            let file = format!("{}.txt", d.guid);
            let _ = writeln!(
                x,
                r#"    <TextSource guid="{}" name="{}" plainTextPath="internal://{file}" creationDateTime="{}">"#,
                d.guid,
                esc(&d.name),
                esc(&d.imported_at)
            );
            for s in snap.segments_of(d.id) {
                let user = coder_guid.get(&s.coder).copied().unwrap_or_default();
                let _ = writeln!(
                    x,
                    r#"      <PlainTextSelection guid="{}" startPosition="{}" endPosition="{}" creatingUser="{user}" creationDateTime="{}">"#,
                    s.guid,
                    s.range.start,
                    s.range.end,
                    esc(&s.created_at)
                );
                let _ = writeln!(
                    x,
                    r#"        <Coding guid="{}" creatingUser="{user}" creationDateTime="{}"><CodeRef targetGUID="{}"/></Coding>"#,
                    derived_guid(&s.guid, "coding"),
                    esc(&s.created_at),
                    code_guid.get(&s.code).copied().unwrap_or_default()
                );
                if notes.contains_key(&s.guid) {
                    let _ = writeln!(
                        x,
                        r#"        <NoteRef targetGUID="{}"/>"#,
                        derived_guid(&s.guid, "memo")
                    );
                }
                x.push_str("      </PlainTextSelection>\n");
            }
            if notes.contains_key(&d.guid) {
                let _ = writeln!(
                    x,
                    r#"      <NoteRef targetGUID="{}"/>"#,
                    derived_guid(&d.guid, "memo")
                );
            }
            x.push_str("    </TextSource>\n");
            files.push((file, r.document_text(d.id)?));
        }
        x.push_str("  </Sources>\n");
    }
    if !notes.is_empty() {
        x.push_str("  <Notes>\n");
        let mut keys: Vec<&String> = notes.keys().collect();
        keys.sort();
        for k in keys {
            let _ = writeln!(
                x,
                r#"    <Note guid="{}" name="Memo"><PlainTextContent>{}</PlainTextContent></Note>"#,
                note_guid(k, &project_guid),
                esc(&notes[k])
            );
        }
        x.push_str("  </Notes>\n");
    }
    if notes.contains_key(&project_guid) {
        let _ = writeln!(x, r#"  <NoteRef targetGUID="{project_guid}"/>"#);
    }
    x.push_str("</Project>\n");
    Ok((x, files))
}

/// Writes the project as a `.qdpx` file (written beside and renamed, so a
/// failure leaves no half file).
pub fn write_qdpx(r: &Reader<'_>, path: &Path) -> Result<()> {
    let (xml, files) = project_xml(r)?;
    crate::export::write_atomically(path, |f| -> Result<()> {
        let mut write = || -> std::io::Result<()> {
            let mut zip = zip::ZipWriter::new(&mut *f);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("project.qde", opts)?;
            zip.write_all(xml.as_bytes())?;
            for (name, text) in &files {
                zip.start_file(format!("sources/{name}"), opts)?;
                zip.write_all(text.as_bytes())?;
            }
            zip.finish()?;
            Ok(())
        };
        write().map_err(|e| Error::io(path, e))
    })
}

/// The codebook as a `.qdc` document, each code's parts laid out in its
/// Description (see [`CodeParts`]).
pub fn codebook_xml(tree: &CodeTree, exemplars: &Exemplars) -> String {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(
        x,
        r#"<CodeBook xmlns="{CODEBOOK_NS}" origin="Weft {}">"#,
        env!("CARGO_PKG_VERSION")
    );
    x.push_str("  <Codes>\n");
    x.push_str(&codes_xml((tree, exemplars), &HashMap::new(), 2));
    x.push_str("  </Codes>\n</CodeBook>\n");
    x
}
