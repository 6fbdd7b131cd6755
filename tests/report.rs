//! Reports through the real binary: the DOCX read back (its XML parsed) for
//! headings, one entry per code and the quotes' exact text; the HTML's
//! headings, rendered by headless Chromium when it is installed; and no
//! participant name anywhere when ids are asked for.

mod common;

use std::io::Read;

use common::{Sandbox, csv_rows, have_tool};
use weft::refi::import::El;

/// A paragraph of a DOCX: its style id and its text (`<w:br/>` as a newline).
#[derive(Debug, Clone, PartialEq)]
struct Para {
    style: String,
    text: String,
}

fn docx_part(path: &std::path::Path, part: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name(part).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

fn docx_paragraphs(path: &std::path::Path) -> Vec<Para> {
    let xml = docx_part(path, "word/document.xml");
    let root = weft::refi::import::parse_xml(&xml).unwrap();
    fn walk(el: &El, out: &mut Vec<Para>) {
        if &*el.name == "p" {
            let style = el
                .child("pPr")
                .and_then(|p| p.child("pStyle"))
                .and_then(|s| s.attr("val"))
                .unwrap_or("")
                .to_string();
            let mut text = String::new();
            for r in el.all("r") {
                for part in &r.children {
                    match &*part.name {
                        "t" => text.push_str(&part.text),
                        "br" => text.push('\n'),
                        _ => {}
                    }
                }
            }
            out.push(Para { style, text });
            return;
        }
        for c in &el.children {
            walk(c, out);
        }
    }
    let mut out = Vec::new();
    walk(&root, &mut out);
    out
}

/// The codebook as the project exports it, as (path, depth, exemplar quotes).
fn codebook_entries(s: &Sandbox, project: &str) -> Vec<(String, String, usize, Vec<String>)> {
    s.ok(&["codebook", "export", project, "book.json"]);
    let book: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.path("book.json")).unwrap()).unwrap();
    fn walk(
        codes: &serde_json::Value,
        prefix: &str,
        depth: usize,
        out: &mut Vec<(String, String, usize, Vec<String>)>,
    ) {
        for c in codes.as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap().to_string();
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let quotes = c["exemplars"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|q| q.as_str().unwrap().to_string())
                .collect();
            out.push((path.clone(), name, depth, quotes));
            walk(&c["children"], &path, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(&book, "", 1, &mut out);
    out
}

#[test]
fn the_docx_codebook_has_a_heading_per_code_and_its_exemplars_exact_text() {
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    // A quote over two lines, and text that XML must escape.
    s.ok(&[
        "codes",
        "describe",
        "study.weft",
        "Outcomes",
        "--when",
        "The parent says <it> changed & why",
    ]);
    let out = s.ok(&["report", "codebook", "study.weft", "--out", "book.docx"]);
    assert!(out.contains("Wrote book.docx"), "{out}");
    let paras = docx_paragraphs(&s.path("book.docx"));
    assert_eq!(paras[0].style, "Title");
    let headings: Vec<(usize, String)> = paras
        .iter()
        .filter_map(|p| {
            let level = p.style.strip_prefix("Heading")?.parse().ok()?;
            Some((level, p.text.clone()))
        })
        .collect();
    let entries = codebook_entries(&s, "study.weft");
    assert_eq!(
        headings,
        entries
            .iter()
            .map(|(_, name, depth, _)| (*depth, name.clone()))
            .collect::<Vec<_>>(),
        "one heading per code, in tree order, at its depth"
    );
    let quotes: Vec<&str> = paras
        .iter()
        .filter(|p| p.style == "Quote")
        .map(|p| p.text.as_str())
        .collect();
    let pinned: Vec<&str> = entries
        .iter()
        .flat_map(|e| e.3.iter().map(String::as_str))
        .collect();
    assert!(pinned.len() >= 5, "the demo pins exemplars: {pinned:?}");
    assert_eq!(quotes, pinned, "the exemplars' exact text, in order");
    // Each exemplar is the coded text of a segment of its code.
    for (path, _, _, qs) in &entries {
        if qs.is_empty() {
            continue;
        }
        let rows = csv_rows(&s.ok(&["segments", "study.weft", "--code", path, "--format", "csv"]));
        for q in qs {
            assert!(rows.iter().any(|r| r[5] == *q), "{path}: {q}");
        }
    }
    assert!(
        paras
            .iter()
            .any(|p| p.text == "When to use: The parent says <it> changed & why"),
        "the part, escaped and read back"
    );
    // Word finds the headings: each style is named "heading N" with its outline level.
    let styles = docx_part(&s.path("book.docx"), "word/styles.xml");
    for level in 1..=3 {
        assert!(styles.contains(&format!(
            r#"w:styleId="Heading{level}"><w:name w:val="heading {level}" />"#
        )));
        assert!(styles.contains(&format!(r#"<w:outlineLvl w:val="{}" />"#, level - 1)));
    }
}

#[test]
fn the_docx_findings_have_the_matrix_each_cell_its_summaries_and_at_most_n_quotes() {
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    s.ok(&[
        "summary",
        "study.weft",
        "--participant",
        "P04",
        "--code",
        "Engagement/Shared experience",
        "--set",
        "Her mentor's own case made the difference.",
    ]);
    s.ok(&[
        "report",
        "matrix",
        "study.weft",
        "--cols",
        "Phase",
        "--quotes",
        "1",
        "--out",
        "findings.docx",
    ]);
    let paras = docx_paragraphs(&s.path("findings.docx"));
    let matrix = csv_rows(&s.ok(&["matrix", "study.weft", "--cols", "Phase"]));
    // The table: every row's figures, as the matrix command gives them.
    let texts: Vec<&str> = paras.iter().map(|p| p.text.as_str()).collect();
    let header = &matrix[0];
    for h in header.iter().skip(1) {
        assert!(texts.contains(&h.as_str()), "column {h}");
    }
    // One H2 per code with segments, one H3 per cell with segments, each
    // followed by at most one quote.
    let with_segments: Vec<&Vec<String>> = matrix[1..]
        .iter()
        .filter(|r| r[0] != "total" && r.last().unwrap() != "0")
        .collect();
    let h2: Vec<&str> = paras
        .iter()
        .filter(|p| p.style == "Heading2")
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(
        h2,
        with_segments
            .iter()
            .map(|r| r[0].as_str())
            .collect::<Vec<_>>()
    );
    let cells: usize = with_segments
        .iter()
        .map(|r| r[1..r.len() - 1].iter().filter(|v| *v != "0").count())
        .sum();
    let h3: Vec<&Para> = paras.iter().filter(|p| p.style == "Heading3").collect();
    assert_eq!(h3.len(), cells);
    assert!(h3.iter().all(|p| p.text.starts_with("Phase: ")));
    let mut quotes_in_cell = 0;
    for p in &paras {
        match p.style.as_str() {
            "Heading2" | "Heading3" => quotes_in_cell = 0,
            "Quote" => {
                quotes_in_cell += 1;
                assert!(quotes_in_cell <= 1, "more than --quotes 1 in a cell");
            }
            _ => {}
        }
    }
    assert_eq!(paras.iter().filter(|p| p.style == "Quote").count(), cells);
    assert!(texts.contains(&"Summary, P04: Her mentor's own case made the difference."));
}

#[test]
fn the_html_report_has_headings_and_renders_in_chromium() {
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    s.ok(&["report", "codebook", "study.weft", "--out", "book.html"]);
    let html = std::fs::read_to_string(s.path("book.html")).unwrap();
    let entries = codebook_entries(&s, "study.weft");
    for (_, name, depth, _) in &entries {
        let h = depth + 1;
        assert!(
            html.contains(&format!("<h{h}>{name}</h{h}>")),
            "no <h{h}> for {name}"
        );
    }
    assert_eq!(
        html.matches("<blockquote>").count(),
        entries.iter().map(|e| e.3.len()).sum::<usize>()
    );
    if !have_tool("chromium", "--version", "WEFT_REQUIRE_CHROMIUM") {
        return;
    }
    let profile = s.path("chromium-profile");
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
        ])
        .arg(format!("file://{}", s.path("book.html").display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains("<h1>Codebook: study</h1>"), "{dom:.300}");
    assert_eq!(
        dom.matches("<h2>").count(),
        entries.iter().filter(|e| e.2 == 1).count()
    );
}

#[test]
fn with_ids_no_participant_or_document_name_appears() {
    let s = Sandbox::new();
    s.ok(&["new", "study.weft"]);
    std::fs::create_dir(s.path("interviews")).unwrap();
    s.write(
        "interviews/Maria Lopez.txt",
        "Interviewer: How did it go?\nMaria Lopez: The mentor drove me to court.\n",
    );
    s.write(
        "interviews/John Okafor.txt",
        "Interviewer: And for you?\nJohn Okafor: She listened every night.\n",
    );
    s.ok(&[
        "import",
        "study.weft",
        "interviews/Maria Lopez.txt",
        "interviews/John Okafor.txt",
    ]);
    s.write(
        "people.csv",
        "Participant,Phase\nMaria Lopez,pre\nJohn Okafor,post\n",
    );
    s.ok(&["participants", "study.weft", "people.csv"]);
    let docs = s.ok(&["docs", "study.weft"]);
    assert!(docs.contains("Maria Lopez"), "{docs}");
    for (doc, start, end, code) in [
        ("Maria Lopez", 41, 68, "Concrete"),
        ("John Okafor", 39, 60, "Emotional"),
    ] {
        let (start, end) = (start.to_string(), end.to_string());
        for command in ["code", "pin"] {
            s.ok(&[
                command,
                "study.weft",
                "--doc",
                doc,
                "--start",
                &start,
                "--end",
                &end,
                "--code",
                code,
            ]);
        }
        s.ok(&[
            "summary",
            "study.weft",
            "--participant",
            doc,
            "--code",
            code,
            "--set",
            "A summary that names no one.",
        ]);
    }
    let secrets = ["Maria", "Lopez", "John", "Okafor"];
    let reports = [
        vec!["report", "codebook", "study.weft"],
        vec!["report", "matrix", "study.weft", "--cols", "Phase"],
        vec!["report", "matrix", "study.weft", "--cols", "participants"],
        vec!["report", "matrix", "study.weft", "--cols", "documents"],
    ];
    for (i, args) in reports.iter().enumerate() {
        for ext in ["html", "docx"] {
            let file = format!("r{i}.{ext}");
            let mut named = args.clone();
            named.extend(["--out", &file]);
            s.ok(&named);
            let text = |file: &str| {
                if ext == "html" {
                    std::fs::read_to_string(s.path(file)).unwrap()
                } else {
                    docx_paragraphs(&s.path(file))
                        .into_iter()
                        .map(|p| p.text)
                        .collect::<Vec<_>>()
                        .join("\n")
                        + &docx_part(&s.path(file), "docProps/core.xml")
                }
            };
            // Without --ids the names are there (so the check below means something).
            assert!(text(&file).contains("Lopez"), "{args:?} {ext}");
            let anon = format!("anon{i}.{ext}");
            let mut with_ids = args.clone();
            with_ids.extend(["--out", &anon, "--ids"]);
            s.ok(&with_ids);
            let body = text(&anon);
            for name in secrets {
                assert!(!body.contains(name), "{name} in {anon}:\n{body}");
            }
            assert!(
                body.contains("Participant 1") || body.contains("Document 1"),
                "{body}"
            );
        }
    }
}

#[test]
fn a_report_in_an_unknown_format_is_refused_before_any_work() {
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    let err = s.fails(&["report", "codebook", "study.weft", "--out", "book.pdf"]);
    assert!(
        err.contains("book.pdf") && err.contains(".html or .docx"),
        "{err}"
    );
    assert!(!s.path("book.pdf").exists());
}
