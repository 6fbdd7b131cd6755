//! Word documents: each paragraph of `word/document.xml` becomes one line.

use std::io::{Cursor, Read};
use std::path::Path;

use quick_xml::events::{BytesRef, Event};

use crate::error::{Error, Result};

/// The most `word/document.xml` may unpack to; more is a zip bomb, not a transcript.
const MAX_XML_BYTES: u64 = 256 * 1024 * 1024;

/// Resolves a character or predefined entity reference (`&amp;`, `&#233;`).
pub fn resolve_xml_ref(r: &BytesRef<'_>) -> Option<char> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c);
    }
    match r.xml10_content().as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// Extracts the text of a `.docx`: paragraphs become lines, tabs stay tabs and
/// manual line breaks become line breaks.
pub fn read_docx(path: &Path, bytes: &[u8]) -> Result<String> {
    let bad = |what: &str| {
        Error::file(
            path,
            format!(
                "this is not a readable Word document ({what}); open it in Word and save it again as .docx"
            ),
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| bad("not a zip archive"))?;
    let mut entry = zip
        .by_name("word/document.xml")
        .map_err(|_| bad("no word/document.xml inside"))?;
    if entry.size() > MAX_XML_BYTES {
        return Err(bad("its text part is too large"));
    }
    let mut xml = String::new();
    (&mut entry)
        .take(MAX_XML_BYTES)
        .read_to_string(&mut xml)
        .map_err(|_| bad("its text part is damaged"))?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    let mut paragraphs = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            Error::file(
                path,
                format!("word/document.xml is not well-formed XML ({e}); save the document again"),
            )
        })?;
        match event {
            Event::Start(e) if e.local_name().as_ref() == "t" => in_text = true,
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => {
                    out.push('\n');
                    paragraphs += 1;
                }
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" => out.push('\t'),
                "br" | "cr" => out.push('\n'),
                "p" => {
                    out.push('\n');
                    paragraphs += 1;
                }
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => out.push_str(&t.into_inner()),
            Event::GeneralRef(r) if in_text => {
                if let Some(c) = resolve_xml_ref(&r) {
                    out.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if paragraphs > 0 && out.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}
