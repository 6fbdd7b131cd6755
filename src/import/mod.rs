//! Reading the files researchers bring: transcripts, participants sheets and codebooks.
//!
//! Parsing is pure: each reader turns a file into plain data ([`ParsedDocument`],
//! [`ParticipantSheet`], [`CodebookEntry`]) or an error naming the file, line and
//! column. Edits from [`crate::edit::ops`] write what was parsed in one
//! transaction. [`import_transcripts`] writes each transcript while the next
//! ones parse, still as one change that commits only once all have.

mod codebook;
/// The JSON codebook format, shared with the exporter.
pub mod codebook_json {
    pub use super::codebook::JsonCode;
}
mod decode;
mod docx;
pub use docx::resolve_xml_ref;
mod participants;
mod subtitles;
pub mod turns;

use std::path::{Path, PathBuf};

pub use codebook::{CodebookEntry, parse_codebook, read_codebook};
pub use decode::{Decoded, decode, decode_owned, decode_vec, encoding_by_label};
pub use participants::{
    ParticipantSheet, SheetColumn, SheetRow, parse_participants, read_participants,
};

use crate::error::{Error, Result};
use crate::model::{CueTime, Turn};

/// Files larger than this are refused: no interview transcript is this long, and
/// a mistaken drop of a video file should fail fast rather than fill the project.
pub const MAX_TRANSCRIPT_BYTES: u64 = 64 * 1024 * 1024;

/// A transcript read from a file, ready to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDocument {
    /// Document name: the file stem.
    pub name: String,
    /// Participant name: by default the file stem too.
    pub participant: String,
    /// Where it came from.
    pub source_file: PathBuf,
    /// The encoding it was decoded from.
    pub encoding: String,
    /// The normalised text (no BOM, `\n` line endings).
    pub text: String,
    /// Detected speaker turns.
    pub turns: Vec<Turn>,
    /// Subtitle timestamps of lines (`.vtt`, `.srt`).
    pub cue_times: Vec<CueTime>,
    /// Things the user should know, such as a fallback encoding.
    pub notices: Vec<String>,
}

/// A file's extension, lower-cased ("" when it has none).
pub fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The file types Weft imports as transcripts.
pub const TRANSCRIPT_EXTENSIONS: &[&str] = &["txt", "md", "docx", "vtt", "srt"];

/// What [`import_transcripts`] added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Imported {
    pub documents: usize,
    pub turns: usize,
    /// Participants made for documents whose names the project did not have.
    pub participants: usize,
}

/// Reads, parses and adds transcripts, in the order given, as one change
/// (one step of undo): a file is written while the files after it are read
/// and parsed on the other cores. The first file (in that order) that fails
/// to read or to add gives the error, and nothing is added. `each` is told
/// of every document (its place in the order, what was parsed) before it is
/// written, for notices and progress; its error stops the import, and
/// nothing is added either.
pub fn import_transcripts(
    store: &mut crate::store::Store,
    label: &str,
    paths: &[PathBuf],
    encoding: Option<&'static encoding_rs::Encoding>,
    mut each: impl FnMut(usize, &ParsedDocument) -> Result<()>,
) -> Result<Imported> {
    let mut done = Imported::default();
    // A few parsed transcripts at most wait for the writer.
    crate::parallel::stream_on_cores(
        paths,
        8,
        |p| read_transcript(p, encoding),
        |docs| {
            let mut import = None;
            store.change_in_pieces(label, |r| {
                let import = match &mut import {
                    Some(i) => i,
                    None => import.insert(crate::edit::ops::DocumentImport::new(r)?),
                };
                let Some(doc) = docs.next() else {
                    done.participants = import.participants_made();
                    return Ok(None);
                };
                let doc = doc?;
                each(done.documents, &doc)?;
                done.documents += 1;
                done.turns += doc.turns.len();
                import.piece(doc).map(Some)
            })
        },
    )?;
    Ok(done)
}

/// Reads one transcript file. `encoding` overrides detection for text formats.
pub fn read_transcript(
    path: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<ParsedDocument> {
    let ext = extension(path);
    if path.is_dir() {
        return Err(Error::file(
            path,
            format!(
                "this is a folder; name the files in it, e.g. {}/*.txt",
                path.display()
            ),
        ));
    }
    if !TRANSCRIPT_EXTENSIONS.contains(&ext.as_str()) {
        return Err(Error::file(
            path,
            format!(
                "Weft cannot import this type of file; it imports {}",
                TRANSCRIPT_EXTENSIONS
                    .iter()
                    .map(|e| format!(".{e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    if size > MAX_TRANSCRIPT_BYTES {
        return Err(Error::file(
            path,
            format!(
                "the file is {:.1} MB, over the {} MB limit for one transcript; split it into parts",
                size as f64 / (1024.0 * 1024.0),
                MAX_TRANSCRIPT_BYTES / (1024 * 1024)
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_transcript_owned(path, bytes, encoding)
}

/// Parses a transcript already in memory; `path` gives its name, its type (by
/// extension) and the file named in errors.
pub fn parse_transcript(
    path: &Path,
    bytes: &[u8],
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<ParsedDocument> {
    parse_transcript_owned(path, bytes.to_vec(), encoding)
}

/// [`parse_transcript`] of bytes it may keep: a UTF-8 file's bytes become
/// its text without a copy.
pub fn parse_transcript_owned(
    path: &Path,
    bytes: Vec<u8>,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<ParsedDocument> {
    let ext = extension(path);
    let mut notices = Vec::new();
    let (text, encoding_name, cue_times) = match ext.as_str() {
        "docx" => (
            docx::read_docx(path, &bytes)?,
            "UTF-8".to_string(),
            Vec::new(),
        ),
        _ => {
            let (decoded, bytes) = decode_vec(bytes, encoding);
            if looks_binary(&decoded.text) {
                let bytes = bytes.as_deref().unwrap_or(decoded.text.as_bytes());
                return Err(binary_error(path, bytes, encoding));
            }
            if let Some(n) = decoded.notice {
                notices.push(n);
            }
            let text = crate::text::normalise_owned(decoded.text);
            match ext.as_str() {
                "vtt" | "srt" => {
                    let (t, cues) = subtitles::read_subtitles(path, &text, ext == "vtt")?;
                    (t, decoded.encoding.to_string(), cues)
                }
                _ => (text, decoded.encoding.to_string(), Vec::new()),
            }
        }
    };
    if text.trim().is_empty() {
        return Err(Error::file(
            path,
            "the file holds no text; check it is the right file",
        ));
    }
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().trim().to_string())
        .unwrap_or_default();
    if name.is_empty() {
        return Err(Error::file(
            path,
            "the file has no name to give the document",
        ));
    }
    Ok(ParsedDocument {
        participant: name.clone(),
        name,
        source_file: path.to_path_buf(),
        encoding: encoding_name,
        turns: turns::detect_turns(&text),
        text,
        cue_times,
        notices,
    })
}

/// Why text that looks binary was refused, with a hint where the bytes say
/// more: UTF-16 without a byte-order mark (NULs in every other byte), or a
/// UTF-8 file forced through another encoding.
fn binary_error(
    path: &Path,
    bytes: &[u8],
    forced: Option<&'static encoding_rs::Encoding>,
) -> Error {
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let nul_at = |parity: usize| {
        sample
            .iter()
            .enumerate()
            .filter(|&(i, &b)| i % 2 == parity && b == 0)
            .count()
    };
    let (even, odd) = (nul_at(0), nul_at(1));
    let half = sample.len() / 2;
    let message = if forced.is_none() && odd * 10 > half * 3 && even * 20 < odd {
        "this looks like UTF-16 text without a byte-order mark; import it with --encoding utf-16le"
            .to_string()
    } else if forced.is_none() && even * 10 > half * 3 && odd * 20 < even {
        "this looks like UTF-16 text without a byte-order mark; import it with --encoding utf-16be"
            .to_string()
    } else if let Some(enc) = forced.filter(|_| std::str::from_utf8(bytes).is_ok()) {
        format!(
            "this file is valid UTF-8, and reading it as {} garbles it; import it without --encoding",
            enc.name()
        )
    } else {
        "this looks like a binary file, not a text transcript; export it as .txt or .docx first"
            .to_string()
    };
    Error::file(path, message)
}

/// Whether text holds NUL bytes or is more than 1% control characters: what
/// `weft import` and the `.qdpx` import both refuse as a transcript.
pub(crate) fn looks_binary(text: &str) -> bool {
    if text.as_bytes().contains(&0) {
        return true;
    }
    // One pass over the first 64 Ki characters. `char::is_control` is
    // exactly U+0000–U+001F and U+007F–U+009F (category Cc): in UTF-8 the
    // first two ranges are single bytes and the third is C2 80 – C2 9F, so
    // the bytes tell, eight at a time where they are all printable ASCII.
    const LIMIT: usize = 64 * 1024;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let ones = |b: u8| u64::from_le_bytes([b; 8]);
    let bytes = text.as_bytes();
    let (mut total, mut control, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() && total < LIMIT {
        if i + 8 <= bytes.len() && total + 8 <= LIMIT {
            let w = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
            // Any byte below a space, any 0x7F, any 0xC2 (which may lead
            // U+0080–U+009F): else the word holds no control character, and
            // its code points are the bytes that do not continue one.
            let has = |b: u8| {
                let x = w ^ ones(b);
                x.wrapping_sub(ones(1)) & !x & HIGH
            };
            let below_space = w.wrapping_sub(ones(0x20)) & !w & HIGH;
            if below_space | has(0x7f) | has(0xC2) == 0 {
                total += 8 - (w & !(w << 1) & HIGH).count_ones() as usize;
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if b & 0xC0 != 0x80 {
            total += 1;
            let cc = b < 0x20
                || b == 0x7f
                || (b == 0xC2 && matches!(bytes.get(i + 1), Some(0x80..=0x9f)));
            control += usize::from(cc && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c));
        }
        i += 1;
    }
    control * 100 > total.max(1)
}

/// Refuses CSV text with a quote that is never closed, which a CSV reader
/// would otherwise let swallow the rest of the file into one field. Follows
/// the CSV rules: a quote opens only at the start of a field, and `""` inside
/// a quoted field is a literal quote. The error names where the quote opened.
pub fn check_csv_quotes(path: &Path, text: &str, delimiter: u8) -> Result<()> {
    let delimiter = char::from(delimiter);
    let (mut line, mut col) = (1u64, 0u64);
    let mut opened: Option<(u64, u64)> = None;
    let mut field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        col += 1;
        match (opened, c) {
            (Some(_), '"') if chars.peek() == Some(&'"') => {
                chars.next();
                col += 1;
            }
            (Some(_), '"') => {
                opened = None;
                field_start = false;
            }
            (None, '"') if field_start => {
                opened = Some((line, col));
                field_start = false;
            }
            (_, '\n') => {
                line += 1;
                col = 0;
                if opened.is_none() {
                    field_start = true;
                }
            }
            (None, c) => field_start = c == delimiter,
            (Some(_), _) => {}
        }
    }
    match opened {
        Some((l, c)) => Err(Error::at(
            path,
            l,
            Some(c),
            "this quote is never closed; close it, or double it (\"\") inside a quoted value",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod csv_quote_tests {
    use super::*;

    #[test]
    fn an_unterminated_quote_is_reported_where_it_opened() {
        let p = Path::new("s.csv");
        let err = check_csv_quotes(p, "Participant,Note\nP03,\"unterminated\nP04,x\n", b',')
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s.csv:2:5: this quote is never closed; close it, or double it (\"\") inside a quoted value"
        );
        // Closed quotes, doubled quotes, quotes mid-field and newlines inside
        // quotes are all fine.
        for ok in [
            "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n",
            "a,b\nsix\"two,\"multi\nline\"\n",
            "a;b\n\"x;y\";z\n",
        ] {
            check_csv_quotes(p, ok, if ok.contains(';') { b';' } else { b',' }).unwrap();
        }
    }
}

#[cfg(test)]
mod import_many {
    use super::*;
    use crate::store::Store;

    /// Many files go in, in the order given, as one change that one undo
    /// takes back; the first bad file (in that order), a name twice, or a
    /// stop asked for part-way, leaves the project as it was and names why.
    #[test]
    fn many_transcripts_go_in_whole_in_order_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for i in 0..40 {
            let p = dir.path().join(format!("T{i:02}.txt"));
            let crlf = if i % 3 == 0 { "\r\n" } else { "\n" };
            std::fs::write(
                &p,
                format!("Interviewer: Hello {i}.{crlf}T{i}: Hi, “café”.{crlf}"),
            )
            .unwrap();
            paths.push(p);
        }
        let project = dir.path().join("p.weft");
        let mut store = Store::create(&project).unwrap();
        let empty = store.read().counts().unwrap();
        let import = |store: &mut Store, paths: &[PathBuf]| {
            let mut seen = Vec::new();
            let done = import_transcripts(store, "Import", paths, None, |i, d| {
                seen.push((i, d.name.clone()));
                Ok(())
            });
            (done, seen)
        };

        // A bad file late in the order, and an empty one after it.
        let bad = paths[30].clone();
        std::fs::write(&bad, [7u8, 1, 2, 3, 5, 6]).unwrap();
        std::fs::write(&paths[35], "").unwrap();
        let (done, seen) = import(&mut store, &paths);
        let err = done.unwrap_err().to_string();
        assert!(err.contains("T30.txt") && err.contains("binary"), "{err}");
        assert_eq!(seen.len(), 30, "the files before it were read and added");
        assert_eq!(store.read().counts().unwrap(), empty);

        // The writer's own refusal: a name twice in one import.
        std::fs::write(&bad, "Interviewer: Back.\n").unwrap();
        std::fs::write(&paths[35], "Interviewer: Back too.\n").unwrap();
        let mut twice = paths.clone();
        twice.insert(12, paths[3].clone());
        let err = import(&mut store, &twice).0.unwrap_err().to_string();
        assert!(
            err.contains("T03.txt") && err.contains("both named"),
            "{err}"
        );
        assert_eq!(store.read().counts().unwrap(), empty);

        // A stop asked for part-way.
        let err = import_transcripts(&mut store, "Import", &paths, None, |i, _| {
            if i == 25 {
                Err(Error::Invalid("cancelled".into()))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "cancelled");
        assert_eq!(store.read().counts().unwrap(), empty);

        // All of them.
        let (done, seen) = import(&mut store, &paths);
        let done = done.unwrap();
        assert_eq!(
            done,
            Imported {
                documents: 40,
                turns: 78,
                participants: 40
            }
        );
        let order: Vec<_> = (0..40).map(|i| (i, format!("T{i:02}"))).collect();
        assert_eq!(seen, order);
        let r = store.read();
        let docs = r.documents().unwrap();
        assert_eq!(docs.len(), 40);
        for (i, p) in paths.iter().enumerate() {
            let d = r.document_by_name(&format!("T{i:02}")).unwrap().unwrap();
            // Ids in the order given; each text as one file read alone.
            assert_eq!(d.id.0, i as i64 + 1);
            let alone = read_transcript(p, None).unwrap();
            assert_eq!(r.document_text(d.id).unwrap(), alone.text);
            assert_eq!(d.char_len, alone.text.chars().count());
            assert_eq!(r.turns(d.id).unwrap(), alone.turns);
        }

        // The same names again are refused, whole.
        let before = store.read().counts().unwrap();
        let err = import(&mut store, &paths[..5]).0.unwrap_err().to_string();
        assert!(err.contains("already in the project"), "{err}");
        assert_eq!(store.read().counts().unwrap(), before);

        // One undo takes the whole import back.
        store.undo().unwrap();
        assert_eq!(store.read().counts().unwrap(), empty);
    }
}

#[cfg(test)]
mod looks_binary_tests {
    use super::looks_binary;

    /// What `looks_binary` decides, by characters, as it was first written.
    fn by_chars(text: &str) -> bool {
        if text.contains('\0') {
            return true;
        }
        let (mut total, mut control) = (0usize, 0usize);
        for c in text.chars().take(64 * 1024) {
            total += 1;
            control += usize::from(c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'));
        }
        control * 100 > total.max(1)
    }

    #[test]
    fn the_byte_count_decides_as_the_character_count() {
        let pieces = [
            "plain words ",
            "é",
            "\u{1}",
            "\u{7f}",
            "\u{85}",
            "\u{9f}",
            "\u{a0}",
            "\u{100}",
            "😀",
            "\n",
            "\t",
            "\u{c}",
            "\r",
            "\u{1b}[0m",
            "家",
        ];
        let mut seed = 3u64;
        for round in 0..400 {
            let mut text = String::new();
            // Around the 64 Ki limit too, where a late control must not count.
            let n = if round % 10 == 0 { 9000 } else { round * 3 };
            for _ in 0..n {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let k = (seed >> 33) as usize;
                // Mostly plain text, some rounds full of controls.
                let p = if k % 100 < 97 - (round % 7) * 10 {
                    0
                } else {
                    k % pieces.len()
                };
                text.push_str(pieces[p]);
            }
            assert_eq!(looks_binary(&text), by_chars(&text), "round {round}");
        }
        assert!(looks_binary(&"\u{85}".repeat(10)));
        assert!(!looks_binary(&"\u{a0}".repeat(10)));
        assert!(looks_binary(&format!("{}\u{1}", "a".repeat(50))));
        assert!(!looks_binary(&format!(
            "{}{}",
            "a".repeat(70_000),
            "\u{1}".repeat(5_000)
        )));
    }
}
