//! REFI-QDA: round trips, XSD validation, one hand-made file per quirk of the
//! big tools, hostile files, and a mutation test that the readers never panic.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use common::{Lcg, Sandbox};
use weft::refi::import::{Limits, import_qdpx, read_qdpx, read_qdpx_bytes};
use weft::store::Store;

/// The REFI-QDA schema, copied into the repo (MIT-licensed; see its README).
const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/refi/Project-mrt2019.xsd"
);

/// Validates a project.qde against the REFI-QDA schema with xmllint. Without
/// xmllint it says "skipped: xmllint not installed", or fails when
/// `WEFT_REQUIRE_XMLLINT` is set (as `.ci/run` does).
fn validate(qde: &Path) {
    if !common::have_tool("xmllint", "--version", "WEFT_REQUIRE_XMLLINT") {
        return;
    }
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(qde)
        .output()
        .expect("xmllint is needed (Debian: libxml2-utils; .ci/run installs it)");
    assert!(
        out.status.success(),
        "schema validation failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn unzip_qde(qdpx: &Path, dir: &Path) -> PathBuf {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(qdpx).unwrap()).unwrap();
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("project.qde").unwrap(), &mut qde).unwrap();
    let p = dir.join(format!(
        "{}.qde",
        qdpx.file_stem().unwrap().to_string_lossy()
    ));
    std::fs::write(&p, qde).unwrap();
    p
}

/// Everything a round trip must keep, as comparable text.
fn contents(path: &Path) -> BTreeMap<String, Vec<String>> {
    let store = Store::open(path).unwrap();
    let r = store.read();
    let snap = r.snapshot().unwrap();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in snap.codes.codes() {
        out.entry("codes".into()).or_default().push(format!(
            "{} {} {:?} {:?}",
            snap.codes.path(c.id),
            c.color,
            c.description,
            c.memo
        ));
    }
    for d in &snap.documents {
        let p = d
            .participant
            .and_then(|p| snap.participant(p))
            .map(|p| p.name.clone())
            .unwrap_or_default();
        out.entry("documents".into()).or_default().push(format!(
            "{} {p} {:?} {:?}",
            d.name,
            d.memo,
            r.document_text(d.id).unwrap()
        ));
    }
    for p in &snap.participants {
        let vals: Vec<String> = snap
            .attributes
            .iter()
            .map(|a| format!("{}={}", a.name, snap.value(p.id, a.id)))
            .collect();
        out.entry("participants".into()).or_default().push(format!(
            "{} {}",
            p.name,
            vals.join(",")
        ));
    }
    for a in &snap.attributes {
        out.entry("attributes".into())
            .or_default()
            .push(format!("{} {}", a.name, a.kind.as_str()));
    }
    let quotes = r
        .quotes(&snap.segments.iter().map(|s| s.id).collect::<Vec<_>>())
        .unwrap();
    for s in &snap.segments {
        out.entry("segments".into()).or_default().push(format!(
            "{} {} {}..{} {} {:?} {:?} {}",
            snap.document(s.document).unwrap().name,
            snap.codes.path(s.code),
            s.range.start,
            s.range.end,
            snap.coder_name(s.coder),
            quotes[&s.id],
            s.memo,
            s.guid
        ));
    }
    out.insert("memo".into(), vec![snap.memo.clone()]);
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// The bulk fill checks references once, after the rows are in, not row by
/// row: a segment of a code and document that are not there fails the whole
/// build, and no file is left where the project would have been.
#[test]
fn a_bulk_fill_with_a_broken_reference_writes_nothing() {
    use weft::edit::Edit;
    use weft::model::{CharRange, CodeId, CoderId, DocumentId, Segment, SegmentId};
    let s = Sandbox::new();
    let path = s.path("broken.weft");
    let segment = Segment {
        id: SegmentId(1),
        guid: weft::model::new_guid(),
        document: DocumentId(41),
        code: CodeId(42),
        range: CharRange::new(0, 5),
        coder: CoderId(43),
        created_at: "2026-12-03T00:00:00Z".into(),
        memo: String::new(),
        exemplar: false,
    };
    let err = Store::build(&path, None, |store| {
        store.fill_segments_in_bulk(|store| {
            store.change("Broken fill", |_| Ok(Edit::InsertSegments(vec![segment])))
        })
    })
    .err()
    .expect("a segment of nothing must not be written");
    let message = err.to_string();
    assert!(
        message.contains("segment") && message.contains("nothing was written"),
        "{message}"
    );
    assert!(!path.exists(), "a failed build leaves no project behind");
    let left: Vec<_> = std::fs::read_dir(s.dir.path()).unwrap().collect();
    assert!(left.is_empty(), "no partial file either: {left:?}");
}

#[test]
fn the_demo_round_trips_and_validates() {
    let s = Sandbox::new();
    s.ok(&["demo", "demo.weft"]);
    s.ok(&["export-qdpx", "demo.weft", "demo.qdpx"]);
    validate(&unzip_qde(&s.path("demo.qdpx"), s.dir.path()));
    let report = s.ok(&["import-qdpx", "demo.qdpx", "back.weft"]);
    assert!(
        report.contains("Imported 12 document(s), 12 participant(s), 23 code(s), 79 segment(s)"),
        "{report}"
    );
    assert_eq!(
        contents(&s.path("demo.weft")),
        contents(&s.path("back.weft"))
    );
    // The import drops the segments' plain indexes while it fills the file;
    // they are back, with the same definitions as in a project made new.
    let indexes = |p: &std::path::Path| -> Vec<(String, String)> {
        let c = rusqlite::Connection::open(p).unwrap();
        let mut q = c
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .unwrap();
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    let back = indexes(&s.path("back.weft"));
    assert_eq!(indexes(&s.path("demo.weft")), back);
    assert!(back.iter().any(|(n, _)| n == "segment_code"), "{back:?}");
    assert!(back.iter().any(|(n, _)| n == "segment_coder"), "{back:?}");
    // Exporting twice gives the same GUIDs (the same file, in fact).
    s.ok(&["export-qdpx", "demo.weft", "again.qdpx"]);
    let a = std::fs::read_to_string(unzip_qde(&s.path("demo.qdpx"), s.dir.path())).unwrap();
    let b = std::fs::read_to_string(unzip_qde(&s.path("again.qdpx"), s.dir.path())).unwrap();
    assert_eq!(a, b);
    // And the exported project exports the same GUIDs again after a round trip.
    s.ok(&["export-qdpx", "back.weft", "back.qdpx"]);
    let guids = |x: &str| -> Vec<String> {
        let mut v: Vec<String> = x
            .split("guid=\"")
            .skip(1)
            .map(|g| g[..36].to_string())
            .collect();
        v.sort();
        v
    };
    let c = std::fs::read_to_string(unzip_qde(&s.path("back.qdpx"), s.dir.path())).unwrap();
    assert_eq!(guids(&a), guids(&c));
}

#[test]
fn a_unicode_and_crlf_project_round_trips() {
    let s = Sandbox::new();
    s.ok(&["new", "u.weft"]);
    s.write(
        "Zsófia.txt",
        "Interviewer: Hogy volt? 😀\r\nZsófia: “Nagyon” jó — köszönöm! 👍🏽\r\nInterviewer: 谢谢\r\n",
    );
    s.write("Ана.txt", "Q: Как дела?\r\nА: Хорошо & <спасибо>.\r\n");
    s.ok(&["import", "u.weft", "Zsófia.txt", "Ана.txt"]);
    s.write(
        "p.csv",
        "id,Város,Kor,Dátum,Igen\nZsófia,Győr,41,2024-02-29,yes\nАна,Москва,29.5,2023-12-01,no\n",
    );
    s.ok(&["participants", "u.weft", "p.csv"]);
    let text = s.ok(&["show", "u.weft", "--doc", "Zsófia"]);
    let range = |t: &str, needle: &str| {
        let at = t.find(needle).unwrap();
        let start = t[..at].chars().count();
        (
            start.to_string(),
            (start + needle.chars().count()).to_string(),
        )
    };
    let (a, b) = range(&text, "“Nagyon” jó — köszönöm! 👍🏽");
    s.ok(&[
        "code",
        "u.weft",
        "--doc",
        "Zsófia",
        "--start",
        &a,
        "--end",
        &b,
        "--code",
        "Érzések/Öröm 😊",
        "--memo",
        "émoji & <tags>",
    ]);
    let (a, b) = range(&text, "谢谢");
    s.ok(&[
        "code",
        "u.weft",
        "--doc",
        "Zsófia",
        "--start",
        &a,
        "--end",
        &b,
        "--code",
        "Érzések/Hála",
        "--coder",
        "Łucja",
    ]);
    s.ok(&[
        "code",
        "u.weft",
        "--doc",
        "Ана",
        "--start",
        "14",
        "--end",
        "22",
        "--code",
        "Érzések/Öröm 😊",
    ]);
    s.ok(&[
        "memo",
        "u.weft",
        "--project-memo",
        "--set",
        "Projekt — “jegyzet” <&>",
    ]);
    s.ok(&["export-qdpx", "u.weft", "u.qdpx"]);
    validate(&unzip_qde(&s.path("u.qdpx"), s.dir.path()));
    s.ok(&["import-qdpx", "u.qdpx", "u2.weft"]);
    assert_eq!(contents(&s.path("u.weft")), contents(&s.path("u2.weft")));
}

/// Writes a .qdpx from a project.qde and source files.
fn qdpx(dir: &Path, name: &str, qde: &str, sources: &[(&str, &[u8])]) -> PathBuf {
    qdpx_bytes(dir, name, qde.as_bytes(), sources)
}

fn qdpx_bytes(dir: &Path, name: &str, qde: &[u8], sources: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("project.qde", opts).unwrap();
    zip.write_all(qde).unwrap();
    for (n, data) in sources {
        zip.start_file(*n, opts).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
    path
}

const G1: &str = "11111111-1111-1111-1111-111111111111";
const G2: &str = "22222222-2222-2222-2222-222222222222";
const GC: &str = "cccccccc-cccc-cccc-cccc-cccccccccccc";

/// A project with one code and one text source with the given selections.
fn one_source(text_path: &str, selections: &str) -> String {
    format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="q">
  <CodeBook><Codes><Code guid="{GC}" name="Theme" isCodable="true" color="#ff0000"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="{G1}" name="Doc" plainTextPath="internal://{text_path}">
{selections}
    </TextSource>
  </Sources>
</Project>"##
    )
}

fn selection(guid: &str, start: usize, end: usize) -> String {
    format!(
        r#"      <PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}"><Coding guid="{}"><CodeRef targetGUID="{GC}"/></Coding></PlainTextSelection>"#,
        uuid_from(guid)
    )
}

fn uuid_from(g: &str) -> String {
    weft::refi::derived_guid(g, "c")
}

/// Imports and returns the coded texts, in order, and the report.
fn coded(path: &Path) -> (Vec<String>, String) {
    let project = path.with_extension("weft");
    let report = import_qdpx(path, &project, Limits::default()).unwrap();
    let store = Store::open(&project).unwrap();
    let r = store.read();
    let segs = r.segments().unwrap();
    let q = r
        .quotes(&segs.iter().map(|s| s.id).collect::<Vec<_>>())
        .unwrap();
    (
        segs.iter().map(|s| q[&s.id].clone()).collect(),
        report.to_string(),
    )
}

#[test]
fn quirk_capital_sources_folder_bom_and_crlf_with_standard_positions() {
    let dir = tempfile::tempdir().unwrap();
    // Code points over the file as written: CR and LF are two.
    let raw = "Q: Hi there\r\nA: Fine thanks, really\r\n";
    let start = raw.find("Fine").unwrap();
    let end = raw.find(", really").unwrap();
    let start2 = raw.find("really").unwrap();
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(raw.as_bytes());
    let p = qdpx(
        dir.path(),
        "a.qdpx",
        &one_source(
            &format!("{G1}.txt"),
            &[
                selection(G2, start, end),
                selection("33333333-3333-3333-3333-333333333333", start2, start2 + 6),
            ]
            .join("\n"),
        ),
        &[(&format!("Sources/{G1}.txt"), &bytes)],
    );
    let (texts, report) = coded(&p);
    assert_eq!(texts, ["Fine thanks", "really"]);
    assert!(report.contains("code points (the standard)"), "{report}");
}

/// project.qde reads the same in UTF-8 (parsed as it is unpacked), with a
/// byte-order mark, in UTF-16 and in Windows-1252 (decoded first, as a
/// transcript is); cut short, it is refused with the reason.
#[test]
fn project_qde_reads_the_same_in_any_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let raw = "Q: Où?\nA: Au café, merci\n";
    let start = raw.chars().position(|c| c == 'c').unwrap();
    let qde = one_source(&format!("{G1}.txt"), &selection(G2, start, start + 4))
        .replace("name=\"Theme\"", "name=\"Thème\"");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(qde.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let (latin, _, lossy) = encoding_rs::WINDOWS_1252.encode(&qde);
    assert!(!lossy);
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend(qde.as_bytes());
    let source = [(format!("sources/{G1}.txt"), raw.as_bytes())];
    let sources: Vec<(&str, &[u8])> = source.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    for (i, bytes) in [qde.as_bytes(), &bom, &utf16, &latin]
        .into_iter()
        .enumerate()
    {
        let p = qdpx_bytes(dir.path(), &format!("e{i}.qdpx"), bytes, &sources);
        let (texts, _) = coded(&p);
        assert_eq!(texts, ["café"], "variant {i}");
        let store = Store::open(&p.with_extension("weft")).unwrap();
        let codes = store.read().codes().unwrap();
        assert_eq!(
            codes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["Thème"]
        );
    }
    let cut = qdpx_bytes(
        dir.path(),
        "cut.qdpx",
        &qde.as_bytes()[..qde.len() - 30],
        &sources,
    );
    let err = import_qdpx(&cut, &dir.path().join("cut.weft"), Limits::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("project.qde: "), "{err}");
    assert!(!dir.path().join("cut.weft").exists());
}

#[test]
fn quirk_nvivo_counts_utf16_units_with_cr_and_lf_apart() {
    let dir = tempfile::tempdir().unwrap();
    let raw = "P1: I felt 😀😀 happy about it\r\nP1: Then I called my mentor again\r\n";
    let utf16 = |s: &str| s.encode_utf16().count();
    let sel = |needle: &str| {
        let at = raw.find(needle).unwrap();
        (utf16(&raw[..at]), utf16(&raw[..at]) + utf16(needle))
    };
    let (a, b) = sel("happy");
    let (c, d) = sel("called my mentor");
    let p = qdpx(
        dir.path(),
        "nvivo.qdpx",
        &one_source(
            &format!("{G1}.txt"),
            &[
                selection(G2, a, b),
                selection("33333333-3333-3333-3333-333333333333", c, d),
            ]
            .join("\n"),
        ),
        &[(&format!("sources/{G1}.txt"), raw.as_bytes())],
    );
    let (texts, report) = coded(&p);
    assert_eq!(texts, ["happy", "called my mentor"]);
    assert!(report.contains("UTF-16"), "{report}");
}

#[test]
fn quirk_atlas_ti_counts_a_crlf_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let raw = "Q: One\r\nA: Two lines\r\nQ: Three\r\nA: The fourth answer here\r\n";
    let norm = raw.replace("\r\n", "\n");
    let sel = |needle: &str| {
        let at = norm.find(needle).unwrap();
        (
            norm[..at].chars().count(),
            norm[..at].chars().count() + needle.chars().count(),
        )
    };
    let (a, b) = sel("fourth answer");
    let (c, d) = sel("Two lines");
    let p = qdpx(
        dir.path(),
        "atlas.qdpx",
        &one_source(
            &format!("{G1}.txt"),
            &[
                selection(G2, c, d),
                selection("33333333-3333-3333-3333-333333333333", a, b),
            ]
            .join("\n"),
        ),
        &[(&format!("sources/{G1}.txt"), raw.as_bytes())],
    );
    let (texts, report) = coded(&p);
    assert_eq!(texts, ["Two lines", "fourth answer"]);
    assert!(report.contains("line break as one"), "{report}");
}

#[test]
fn quirk_maxqda_selection_with_a_description_and_no_coding() {
    let dir = tempfile::tempdir().unwrap();
    let raw = "P: Something worth keeping here.\n";
    let sels = format!(
        r#"      <PlainTextSelection guid="{G2}" startPosition="3" endPosition="18"><Description>Worth a second look</Description></PlainTextSelection>
      <PlainTextSelection guid="44444444-4444-4444-4444-444444444444" startPosition="500" endPosition="510"><Coding guid="55555555-5555-5555-5555-555555555555"><CodeRef targetGUID="{GC}"/></Coding></PlainTextSelection>"#
    );
    let qde = one_source(&format!("{G1}.txt"), &sels).replace(
        "</Sources>",
        r#"<PictureSource guid="66666666-6666-6666-6666-666666666666" name="photo"/></Sources><Graphs><Graph guid="77777777-7777-7777-7777-777777777777"/></Graphs>"#,
    );
    let p = qdpx(
        dir.path(),
        "maxqda.qdpx",
        &qde,
        &[(&format!("sources/{G1}.txt"), raw.as_bytes())],
    );
    let project = dir.path().join("maxqda.weft");
    let report = import_qdpx(&p, &project, Limits::default()).unwrap();
    assert_eq!(report.uncoded_selections, 1);
    assert_eq!(report.skipped_selections, [("Doc".to_string(), 500, 510)]);
    assert_eq!(report.skipped_elements.get("PictureSource"), Some(&1));
    assert_eq!(report.skipped_elements.get("Graphs"), Some(&1));
    let store = Store::open(&project).unwrap();
    let r = store.read();
    let segs = r.segments().unwrap();
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].memo, "Worth a second look");
    assert_eq!(
        r.code_tree().unwrap().path(segs[0].code),
        "Uncoded selections"
    );
    assert_eq!(
        r.quotes(&[segs[0].id]).unwrap()[&segs[0].id],
        "Something worth"
    );
}

#[test]
fn hostile_files_are_refused_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ok_qde = one_source(&format!("{G1}.txt"), &selection(G2, 0, 2));
    let text: &[u8] = b"P: hi\n";
    let fails = |p: &Path, limits: Limits, says: &str| {
        let project = p.with_extension("weft");
        let err = import_qdpx(p, &project, limits).unwrap_err().to_string();
        assert!(err.contains(says), "{}: {err}", p.display());
        assert!(!project.exists(), "nothing half-imported");
    };
    // A zip bomb: 8 MB of zeros against a 4 MB cap (the real cap is 1 GB).
    let zeros = vec![0u8; 8 << 20];
    let bomb = qdpx(
        dir.path(),
        "bomb.qdpx",
        &ok_qde,
        &[(&format!("sources/{G1}.txt"), &zeros)],
    );
    assert!(
        std::fs::metadata(&bomb).unwrap().len() < 100_000,
        "it compresses well"
    );
    fails(
        &bomb,
        Limits {
            entries: 100,
            unpacked_bytes: 4 << 20,
        },
        "zip bomb",
    );
    // The same bomb with its entry declaring 1,000 bytes, under the cap: it
    // is read no further than it declares, so it never unpacks past it.
    let mut liar = std::fs::read(&bomb).unwrap();
    let declared = (8u32 << 20).to_le_bytes();
    let mut patched = 0;
    for i in 0..liar.len() - 4 {
        let size_at = match &liar[i..i + 4] {
            b"PK\x03\x04" => i + 22,
            b"PK\x01\x02" => i + 24,
            _ => continue,
        };
        if liar[size_at..size_at + 4] == declared {
            liar[size_at..size_at + 4].copy_from_slice(&1000u32.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "the local and the central header");
    let liar_path = dir.path().join("liar.qdpx");
    std::fs::write(&liar_path, liar).unwrap();
    let project = liar_path.with_extension("weft");
    let err = import_qdpx(
        &liar_path,
        &project,
        Limits {
            entries: 100,
            unpacked_bytes: 4 << 20,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("zip bomb") || err.contains("damaged archive entry"),
        "{err}"
    );
    assert!(!project.exists(), "nothing half-imported");
    // Too many entries.
    let many: Vec<(String, Vec<u8>)> = (0..50)
        .map(|i| (format!("sources/x{i}.txt"), vec![b'a']))
        .collect();
    let many_refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    fails(
        &qdpx(dir.path(), "many.qdpx", &ok_qde, &many_refs),
        Limits {
            entries: 10,
            unpacked_bytes: 1 << 20,
        },
        "entries",
    );
    // A path that climbs out of the archive.
    fails(
        &qdpx(
            dir.path(),
            "climb.qdpx",
            &ok_qde,
            &[("../../evil.txt", text)],
        ),
        Limits::default(),
        "leaves it",
    );
    // Duplicate GUIDs.
    let dup = ok_qde.replace(
        &format!(r#"TextSource guid="{G1}""#),
        &format!(r#"TextSource guid="{GC}""#),
    );
    fails(
        &qdpx(
            dir.path(),
            "dup.qdpx",
            &dup,
            &[(&format!("sources/{G1}.txt"), text)],
        ),
        Limits::default(),
        "used twice",
    );
    // A missing source.
    fails(
        &qdpx(dir.path(), "missing.qdpx", &ok_qde, &[]),
        Limits::default(),
        "missing from the archive",
    );
    // Not a zip, and not REFI inside.
    std::fs::write(dir.path().join("junk.qdpx"), b"not a zip").unwrap();
    fails(
        &dir.path().join("junk.qdpx"),
        Limits::default(),
        "not a zip",
    );
    fails(
        &qdpx(dir.path(), "noqde.qdpx", "", &[]),
        Limits::default(),
        "project.qde",
    );
    // An external entity is never resolved: the name keeps no file content.
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET").unwrap();
    let xxe = ok_qde
        .replacen(
            "<Project",
            &format!(
                "<!DOCTYPE Project [<!ENTITY xxe SYSTEM \"file://{}\">]>\n<Project",
                secret.display()
            ),
            1,
        )
        .replace(r#"name="Theme""#, r#"name="Theme &xxe;""#);
    let p = qdpx(
        dir.path(),
        "xxe.qdpx",
        &xxe,
        &[(&format!("sources/{G1}.txt"), text)],
    );
    let project = dir.path().join("xxe.weft");
    match import_qdpx(&p, &project, Limits::default()) {
        Ok(_) => {
            let names: Vec<String> = Store::open(&project)
                .unwrap()
                .read()
                .codes()
                .unwrap()
                .into_iter()
                .map(|c| c.name)
                .collect();
            assert!(names.iter().all(|n| !n.contains("TOP-SECRET")), "{names:?}");
        }
        Err(e) => assert!(!e.to_string().contains("TOP-SECRET")),
    }
}

#[test]
fn codebooks_round_trip_as_qdc() {
    let s = Sandbox::new();
    s.ok(&["new", "a.weft"]);
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample_codebooks/peer_support.csv"
    );
    s.ok(&["codebook", "import", "a.weft", sample]);
    s.ok(&["codebook", "export", "a.weft", "book.qdc"]);
    let xml = std::fs::read_to_string(s.path("book.qdc")).unwrap();
    assert!(xml.contains("urn:QDA-XML:codebook:1.0"));
    s.ok(&["new", "b.weft"]);
    s.ok(&["codebook", "import", "b.weft", "book.qdc"]);
    s.ok(&["codebook", "export", "a.weft", "a.csv"]);
    s.ok(&["codebook", "export", "b.weft", "b.csv"]);
    assert_eq!(
        std::fs::read_to_string(s.path("a.csv")).unwrap(),
        std::fs::read_to_string(s.path("b.csv")).unwrap()
    );
}

#[test]
fn mutated_files_never_panic_the_readers() {
    let s = Sandbox::new();
    s.ok(&["demo", "demo.weft"]);
    s.ok(&["export-qdpx", "demo.weft", "demo.qdpx"]);
    let qdpx_bytes = std::fs::read(s.path("demo.qdpx")).unwrap();
    let qde = std::fs::read(unzip_qde(&s.path("demo.qdpx"), s.dir.path())).unwrap();
    let mut rng = Lcg(2026);
    let mut errors = 0;
    for _ in 0..400 {
        // Mutate the XML (flip, delete, duplicate bytes), then rezip with the sources.
        let mut x = qde.clone();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(x.len());
            match rng.below(4) {
                0 => x[at] = b"<>\"&/= x0\n"[rng.below(10)],
                1 => {
                    x.remove(at);
                }
                2 => {
                    let end = (at + rng.below(200)).min(x.len());
                    let chunk = x[at..end].to_vec();
                    x.splice(at..at, chunk);
                }
                _ => x.truncate(at),
            }
        }
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("project.qde", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&x).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        if read_qdpx_bytes(Path::new("fuzz.qdpx"), &bytes, Limits::default()).is_err() {
            errors += 1;
        }
        // Mutate the archive's own bytes too.
        let mut z = qdpx_bytes.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(z.len());
            z[at] = rng.below(256) as u8;
        }
        let _ = read_qdpx_bytes(Path::new("fuzz.qdpx"), &z, Limits::default());
    }
    assert!(errors > 0, "some mutations must be refused");
    // A whole valid file still reads.
    assert!(read_qdpx(&s.path("demo.qdpx"), Limits::default()).is_ok());
}

/// The review's repro: Weft's own export, with emoji before the segments and
/// selections that start and end mid-word, must come back on the same letters.
#[test]
fn weft_s_own_qdpx_keeps_segments_on_their_words_even_mid_word() {
    let s = Sandbox::new();
    s.ok(&["new", "e.weft"]);
    s.write(
        "E1.txt",
        "Interviewer: 😀😀😀😀 hi\nE: 👍👍 ok so the cat sat on the mat\n",
    );
    s.ok(&["import", "e.weft", "E1.txt"]);
    let text: Vec<char> = s.ok(&["show", "e.weft", "--doc", "E1"]).chars().collect();
    let word = |a: usize, b: usize| text[a..b].iter().collect::<String>();
    // The review's 43..46 and 47..50 fall mid-word ("t o", "n t" in code
    // points; "cat" and "sat" only if read as UTF-16 units), plus a whole word.
    let ranges = [(43, 46), (47, 50), (44, 49), (37, 40)];
    for (a, b) in ranges {
        s.ok(&[
            "code",
            "e.weft",
            "--doc",
            "E1",
            "--start",
            &a.to_string(),
            "--end",
            &b.to_string(),
            "--code",
            "C",
        ]);
    }
    assert_eq!(word(37, 40), "cat");
    s.ok(&["export-qdpx", "e.weft", "e.qdpx"]);
    let report = s.ok(&["import-qdpx", "e.qdpx", "back.weft"]);
    assert!(report.contains("Weft wrote this file"), "{report}");
    let rows = common::csv_rows(&s.ok(&["segments", "back.weft"]));
    let mut got: Vec<(usize, usize, String)> = rows[1..]
        .iter()
        .map(|r| (r[3].parse().unwrap(), r[4].parse().unwrap(), r[5].clone()))
        .collect();
    got.sort();
    let mut want: Vec<(usize, usize, String)> =
        ranges.iter().map(|&(a, b)| (a, b, word(a, b))).collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn another_tool_s_mid_word_selections_keep_the_standard_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    // Standard positions (code points) that honestly start and end mid-word,
    // after emoji that make UTF-16 units differ: the guess must not move them.
    let raw = "P1: 😀😀 we went to the clinic and the counsellor helped\n";
    let cp = |needle: &str| {
        let at = raw.find(needle).unwrap();
        (
            raw[..at].chars().count(),
            raw[..at].chars().count() + needle.chars().count(),
        )
    };
    let (a, b) = cp("ent to th");
    let (c, d) = cp("ounsello");
    let sels = [
        selection(G2, a, b),
        selection("33333333-3333-3333-3333-333333333333", c, d),
    ]
    .join("\n");
    let p = qdpx(
        dir.path(),
        "other.qdpx",
        &one_source(&format!("{G1}.txt"), &sels),
        &[(&format!("sources/{G1}.txt"), raw.as_bytes())],
    );
    let (texts, report) = coded(&p);
    assert_eq!(texts, ["ent to th", "ounsello"], "{report}");
    assert!(report.contains("code points (the standard)"), "{report}");

    // Forcing UTF-16 reads the same numbers the NVivo way (two units per emoji).
    let s = Sandbox::new();
    std::fs::copy(&p, s.path("other.qdpx")).unwrap();
    let report = s.ok(&[
        "import-qdpx",
        "other.qdpx",
        "f.weft",
        "--positions",
        "utf16",
    ]);
    assert!(report.contains("as you asked"), "{report}");
    let rows = common::csv_rows(&s.ok(&["segments", "f.weft"]));
    assert_eq!(rows[1][3], (a - 2).to_string(), "{rows:?}");
}

/// Two sources that name the same text file both get its text (the file's
/// bytes are let go only after its last reader).
#[test]
fn two_sources_may_share_one_text_file() {
    let dir = tempfile::tempdir().unwrap();
    let qde = format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="q">
  <CodeBook><Codes><Code guid="{GC}" name="Theme" isCodable="true" color="#ff0000"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="{G1}" name="First" plainTextPath="internal://shared.txt">
{}
    </TextSource>
    <TextSource guid="{G2}" name="Second" plainTextPath="internal://shared.txt"/>
  </Sources>
</Project>"##,
        selection("33333333-3333-3333-3333-333333333333", 3, 7)
    );
    let path = qdpx(
        dir.path(),
        "shared.qdpx",
        &qde,
        &[("sources/shared.txt", b"Q: Hello there, both of you")],
    );
    let project = path.with_extension("weft");
    import_qdpx(&path, &project, Limits::default()).unwrap();
    let store = Store::open(&project).unwrap();
    let r = store.read();
    let docs = r.documents().unwrap();
    assert_eq!(docs.len(), 2);
    for d in &docs {
        assert_eq!(
            r.document_text(d.id).unwrap(),
            "Q: Hello there, both of you"
        );
    }
}

/// A project of `n` sources over three batches, each source's text in its
/// own file with one coded selection of its second word; `break_source`
/// names one whose file is left out, or `binary` whose file is not text.
fn many_sources(n: usize, codes: &str) -> String {
    let sources: String = (0..n)
        .map(|i| {
            format!(
                r#"    <TextSource guid="{}" name="Doc {i}" plainTextPath="internal://s{i}.txt"><PlainTextSelection guid="{}" startPosition="3" endPosition="{}"><Coding guid="{}"><CodeRef targetGUID="{GC}"/></Coding></PlainTextSelection></TextSource>
"#,
                weft::refi::derived_guid(G1, &format!("source{i}")),
                weft::refi::derived_guid(G1, &format!("selection{i}")),
                3 + format!("word{i}").chars().count(),
                weft::refi::derived_guid(G1, &format!("coding{i}")),
            )
        })
        .collect();
    format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="q">
  <CodeBook><Codes>{codes}</Codes></CodeBook>
  <Sources>
{sources}  </Sources>
</Project>"##
    )
}

#[test]
fn a_qdpx_read_and_written_in_batches_is_whole_or_not_there() {
    let dir = tempfile::tempdir().unwrap();
    let theme = format!(r##"<Code guid="{GC}" name="Theme" isCodable="true" color="#ff0000"/>"##);
    let n = 150;
    let qde = many_sources(n, &theme);
    let texts: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| {
            (
                format!("sources/s{i}.txt"),
                format!("P: word{i} and more\n").into_bytes(),
            )
        })
        .collect();
    let files = |skip: Option<usize>, binary: Option<usize>| -> Vec<(String, Vec<u8>)> {
        texts
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip)
            .map(|(i, (name, data))| {
                let data = if Some(i) == binary {
                    b"\0\0\0".to_vec()
                } else {
                    data.clone()
                };
                (name.clone(), data)
            })
            .collect()
    };
    let write = |name: &str, qde: &str, files: &[(String, Vec<u8>)]| {
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        qdpx(dir.path(), name, qde, &refs)
    };
    // Imports `p` into a folder of its own, which must be left empty (no
    // target, no partial); returns the error.
    let refused = |p: &Path| -> String {
        let sub = tempfile::tempdir().unwrap();
        let err = import_qdpx(p, &sub.path().join("new.weft"), Limits::default())
            .unwrap_err()
            .to_string();
        let left: Vec<_> = std::fs::read_dir(sub.path()).unwrap().collect();
        assert!(
            left.is_empty(),
            "{}: nothing left, found {left:?}",
            p.display()
        );
        err
    };

    // Whole: every batch's documents and segments, with ids that run on
    // across batches, each segment on its own document's text.
    let whole = write("whole.qdpx", &qde, &files(None, None));
    let project = dir.path().join("whole.weft");
    let report = import_qdpx(&whole, &project, Limits::default()).unwrap();
    assert_eq!((report.documents, report.segments), (n, n));
    let store = Store::open(&project).unwrap();
    let r = store.read();
    let snap = r.snapshot().unwrap();
    assert_eq!(snap.documents.len(), n);
    let ids: Vec<_> = snap.segments.iter().map(|s| s.id).collect();
    let quotes = r.quotes(&ids).unwrap();
    for s in &snap.segments {
        let doc = snap.documents.iter().find(|d| d.id == s.document).unwrap();
        let i: usize = doc.name.trim_start_matches("Doc ").parse().unwrap();
        assert_eq!(quotes[&s.id], format!("word{i}"), "segment {:?}", s.id);
    }
    drop(store);

    // A source in the third batch whose file is missing, or is not text:
    // the first two batches were already written, and are rolled back.
    for (name, skip, binary, says) in [
        (
            "missing.qdpx",
            Some(140),
            None,
            "(s140.txt) is missing from the archive",
        ),
        ("binary.qdpx", None, Some(140), "looks like a binary file"),
    ] {
        let err = refused(&write(name, &qde, &files(skip, binary)));
        assert!(err.contains(says), "{name}: {err}");
        assert!(err.contains("Doc 140"), "{name} names the source: {err}");
    }

    // The writer refusing a document of the first batch (a name with an
    // invisible direction mark) while the reader goes on: the reader stops
    // at its next piece, and the writer's reason is the one told.
    let err = refused(&write(
        "bad-name.qdpx",
        &qde.replace(r#"name="Doc 3""#, r#"name="Doc 3&#x202E;""#),
        &files(None, None),
    ));
    assert!(err.contains("invisible direction mark"), "{err}");

    // Nor is anything left when the writer refuses only once every piece is
    // in: codes nested deeper than Weft allows.
    let mut deep = theme.replace("/>", ">");
    for level in 0..weft::model::MAX_CODE_DEPTH + 1 {
        deep.push_str(&format!(
            r#"<Code guid="{}" name="Level {level}" isCodable="true">"#,
            weft::refi::derived_guid(GC, &format!("level{level}"))
        ));
    }
    deep.push_str(&"</Code>".repeat(weft::model::MAX_CODE_DEPTH + 2));
    let err = refused(&write(
        "deep.qdpx",
        &many_sources(n, &deep),
        &files(None, None),
    ));
    assert!(err.contains("levels deep"), "{err}");
}
