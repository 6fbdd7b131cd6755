//! `weft import`, `show`, `code` and `segments` on real files with real encodings.

mod common;

use common::{Sandbox, csv_rows};

/// Code-point range of `needle` in `haystack`.
fn range_of(haystack: &str, needle: &str) -> (usize, usize) {
    let at = haystack.find(needle).expect("needle present");
    let start = haystack[..at].chars().count();
    (start, start + needle.chars().count())
}

#[test]
fn segments_return_exact_text_across_encodings_and_line_endings() {
    let s = Sandbox::new();
    s.ok(&["new", "study.weft"]);
    // UTF-8 with accents, emoji and curly quotes.
    s.write(
        "Ágnes.txt",
        "Interviewer: Hogy kezdődött?\nÁgnes: “Nagyon” féltem 😀 — de ő meghallgatott.\n",
    );
    // CRLF line endings.
    s.write("crlf.txt", "Q: First?\r\nA: Yes, café.\r\nQ: Second?\r\n");
    // UTF-8 with BOM.
    s.write("bom.txt", b"\xef\xbb\xbfP03: With a BOM \xe2\x80\x94 ok.\n");
    // UTF-16LE with BOM.
    let mut utf16 = vec![0xff, 0xfe];
    for u in "P04: Ser\u{e1} que s\u{ed}?\n".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    s.write("utf16.txt", utf16);
    // Windows-1252: é is 0xE9, curly quotes are 0x93/0x94.
    s.write("cp1252.txt", b"P05: Caf\xe9 and \x93quotes\x94.\r\n");

    let out = s.run(&[
        "import",
        "study.weft",
        "Ágnes.txt",
        "crlf.txt",
        "bom.txt",
        "utf16.txt",
        "cp1252.txt",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cp1252.txt") && stderr.contains("Windows-1252"),
        "{stderr}"
    );

    let expect = [
        (
            "Ágnes",
            "Interviewer: Hogy kezdődött?\nÁgnes: “Nagyon” féltem 😀 — de ő meghallgatott.\n",
            "“Nagyon” féltem 😀",
        ),
        (
            "crlf",
            "Q: First?\nA: Yes, café.\nQ: Second?\n",
            "Yes, café.\nQ",
        ),
        ("bom", "P03: With a BOM — ok.\n", "BOM — ok"),
        ("utf16", "P04: Será que sí?\n", "Será que sí?"),
        ("cp1252", "P05: Café and “quotes”.\n", "Café and “quotes”"),
    ];
    for (doc, stored, coded) in expect {
        let shown = s.ok(&["show", "study.weft", "--doc", doc]);
        assert_eq!(shown, stored, "stored text of {doc}");
        let (start, end) = range_of(stored, coded);
        s.ok(&[
            "code",
            "study.weft",
            "--doc",
            doc,
            "--start",
            &start.to_string(),
            "--end",
            &end.to_string(),
            "--code",
            "Feelings/Fear",
        ]);
    }
    let csv = s.ok(&["segments", "study.weft"]);
    let rows = csv_rows(&csv);
    assert_eq!(
        rows[0],
        [
            "document",
            "participant",
            "code",
            "start",
            "end",
            "text",
            "coder"
        ]
    );
    let mut docs: Vec<&str> = expect.iter().map(|e| e.0).collect();
    docs.sort();
    assert_eq!(
        rows[1..].iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        docs
    );
    for (doc, _, coded) in expect {
        let row = rows.iter().find(|r| r[0] == doc).expect("row for doc");
        assert_eq!(row[5], coded, "exact text of {doc}");
        assert_eq!(row[2], "Feelings/Fear");
        assert_eq!(row[6], "tester");
    }
    // Turns are detected, so the speaker is known by offset.
    let turns = s.ok(&["show", "study.weft", "--doc", "Ágnes", "--turns"]);
    assert!(turns.contains("\tÁgnes\t"), "{turns}");
}

#[test]
fn a_bad_file_in_a_batch_writes_nothing() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    s.write("good.txt", "P1: fine\n");
    s.write("empty.txt", "  \n\n");
    s.write("binary.txt", b"\x00\x01\x02\x03binary\x00stuff");
    s.write("photo.jpg", b"\xff\xd8\xff");
    for (bad, says) in [
        ("empty.txt", "holds no text"),
        ("binary.txt", "binary"),
        ("photo.jpg", "cannot import this type"),
    ] {
        let err = s.fails(&["import", "p.weft", "good.txt", bad]);
        assert!(err.contains(bad) && err.contains(says), "{bad}: {err}");
    }
    // Over the size limit: a sparse file, so the test stays small on disk.
    let big = s.path("huge.txt");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(65 * 1024 * 1024)
        .unwrap();
    let err = s.fails(&["import", "p.weft", "good.txt", "huge.txt"]);
    assert!(err.contains("huge.txt") && err.contains("limit"), "{err}");
    assert!(s.ok(&["info", "p.weft"]).contains("Documents:    0"));

    s.ok(&["import", "p.weft", "good.txt"]);
    let err = s.fails(&["import", "p.weft", "good.txt"]);
    assert!(err.contains("already in the project"), "{err}");
    std::fs::create_dir(s.path("other")).unwrap();
    s.write("other/good.txt", "P1: again\n");
    s.write("new.txt", "P2: new\n");
    let err = s.fails(&["import", "p.weft", "new.txt", "new.txt"]);
    assert!(err.contains("both named"), "{err}");
    assert!(s.ok(&["info", "p.weft"]).contains("Documents:    1"));
}

/// Builds a minimal .docx with the given paragraphs.
fn docx(paragraphs: &[&str]) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", opts).unwrap();
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    zip.start_file("word/document.xml", opts).unwrap();
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
    );
    for p in paragraphs {
        let escaped = p.replace('&', "&amp;").replace('<', "&lt;");
        // Two runs per paragraph, as Word writes them.
        let cut = escaped.char_indices().nth(5).map_or(0, |(i, _)| i);
        let (a, b) = escaped.split_at(cut);
        xml.push_str(&format!(
            "<w:p><w:r><w:t xml:space=\"preserve\">{a}</w:t></w:r><w:r><w:t>{b}</w:t></w:r></w:p>"
        ));
    }
    xml.push_str("<w:p/></w:body></w:document>");
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap();
    buf.into_inner()
}

#[test]
fn docx_vtt_and_srt_import() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    s.write(
        "P07.docx",
        docx(&["Interviewer: Why & how?", "P07: Porque sí — “claro”."]),
    );
    s.write(
        "P08.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>Hello there.\n\n00:00:03.500 --> 00:00:06.250\n<v P08>Hi! I'm fine.\n",
    );
    s.write(
        "P09.srt",
        "1\r\n00:00:00,500 --> 00:00:02,000\r\nQ: Ready?\r\n\r\n2\r\n00:00:02,100 --> 00:00:04,000\r\nA: Yes.\r\n",
    );
    let out = s.ok(&["import", "p.weft", "P07.docx", "P08.vtt", "P09.srt"]);
    assert!(
        out.contains("Imported 3 document(s), 6 speaker turn(s), 3 new participant(s)"),
        "{out}"
    );
    assert_eq!(
        s.ok(&["show", "p.weft", "--doc", "P07"]),
        "Interviewer: Why & how?\nP07: Porque sí — “claro”.\n"
    );
    assert_eq!(
        s.ok(&["show", "p.weft", "--doc", "P08"]),
        "Interviewer: Hello there.\nP08: Hi! I'm fine.\n"
    );
    assert_eq!(
        s.ok(&["show", "p.weft", "--doc", "P09"]),
        "Q: Ready?\nA: Yes.\n"
    );
    // The cue timestamps are kept for the lines.
    let store = weft::store::Store::open(&s.path("p.weft")).unwrap();
    let r = store.read();
    let p08 = r.document_by_name("P08").unwrap().unwrap();
    let cues = r.cue_times(p08.id).unwrap();
    assert_eq!(cues.len(), 2);
    assert_eq!((cues[1].start_ms, cues[1].end_ms), (3500, 6250));
    assert_eq!((cues[1].range.start, cues[1].range.end), (26, 44));

    s.write("broken.docx", b"PK\x03\x04 not really");
    let err = s.fails(&["import", "p.weft", "broken.docx"]);
    assert!(
        err.contains("broken.docx") && err.contains("Word document"),
        "{err}"
    );
}

#[test]
fn encoding_flag_overrides_detection() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    // Valid UTF-8 bytes that were really meant as Windows-1252 text.
    s.write("x.txt", "P1: Ã©\n");
    s.ok(&["import", "p.weft", "x.txt", "--encoding", "utf-8"]);
    assert_eq!(s.ok(&["show", "p.weft", "--doc", "x"]), "P1: Ã©\n");
    let err = s.fails(&["import", "p.weft", "x.txt", "--encoding", "klingon"]);
    assert!(err.contains("unknown encoding"), "{err}");
}
