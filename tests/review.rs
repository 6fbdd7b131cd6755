//! Regression tests for what a hostile review found (issue 13): each test is
//! named after what it pins, and runs the real binary on real files.

mod common;

use std::path::Path;

use common::{Sandbox, file_bytes};
use weft::store::Store;

fn demo(s: &Sandbox) {
    s.ok(&["demo", "d.weft"]);
}

/// Whether `needle` occurs anywhere in the bytes of `path`.
fn contains(path: &Path, needle: &[u8]) -> bool {
    std::fs::read(path).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
}

#[test]
fn an_export_onto_a_project_is_refused_and_the_project_is_kept() {
    let s = Sandbox::new();
    demo(&s);
    s.ok(&["demo", "other.weft"]);
    let before = file_bytes(&s.path("d.weft"));
    let other = file_bytes(&s.path("other.weft"));

    // A hard link to a project (which Weft then will not open) as the target.
    std::fs::hard_link(s.path("other.weft"), s.path("linked.csv")).unwrap();
    let attempts: Vec<Vec<&str>> = vec![
        vec!["export-qdpx", "d.weft", "d.weft"],
        vec!["export-qdpx", "d.weft", "other.weft"],
        vec!["segments", "d.weft", "--out", "d.weft"],
        vec!["segments", "d.weft", "--out", "linked.csv"],
        vec!["segments", "d.weft", "--out", "d.weft"],
        vec!["matrix", "d.weft", "--cols", "Phase", "--out", "d.weft"],
        vec![
            "matrix", "d.weft", "--cols", "Phase", "--format", "xlsx", "--out", "d.weft",
        ],
        vec!["framework", "d.weft", "--out", "other.weft"],
        vec!["segments", "d.weft", "--out", "d.weft-wal"],
    ];
    for args in attempts {
        let err = s.fails(&args);
        assert!(
            err.contains("never replaces a project"),
            "{args:?} said: {err}"
        );
        assert!(
            !err.contains(".partial"),
            "{args:?} names the temp file: {err}"
        );
    }
    std::fs::remove_file(s.path("linked.csv")).unwrap();
    assert_eq!(file_bytes(&s.path("d.weft")), before);
    assert_eq!(file_bytes(&s.path("other.weft")), other);
    assert!(s.ok(&["info", "d.weft"]).contains("12"));
}

#[test]
fn a_new_project_from_an_import_has_no_undo_entry() {
    let s = Sandbox::new();
    demo(&s);
    s.ok(&["export-qdpx", "d.weft", "d.qdpx"]);
    s.ok(&["import-qdpx", "d.qdpx", "back.weft"]);
    let err = s.fails(&["undo", "back.weft"]);
    assert!(err.contains("nothing to undo"), "{err}");
    let err = s.fails(&["undo", "d.weft"]);
    assert!(err.contains("nothing to undo"), "{err}");
    assert!(s.ok(&["info", "back.weft"]).contains("12"));
}

#[test]
fn a_stale_partial_from_a_killed_build_is_replaced() {
    let s = Sandbox::new();
    s.write("p.weft.partial", "junk left by a kill");
    s.write("p.weft.partial-journal", "more junk");
    s.ok(&["new", "p.weft"]);
    assert!(!s.path("p.weft.partial").exists());
    assert!(!s.path("p.weft.partial-journal").exists());
    s.ok(&["info", "p.weft"]);
    // An export's leftover partial is replaced by the next export, too.
    demo(&s);
    s.write("out.csv.partial", "half an export");
    s.ok(&["segments", "d.weft", "--out", "out.csv"]);
    assert!(!s.path("out.csv.partial").exists());
}

#[test]
fn a_weft_marked_file_without_tables_is_damaged_not_migrated() {
    let s = Sandbox::new();
    let path = s.path("bare.weft");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "application_id", weft::store::APPLICATION_ID)
            .unwrap();
    }
    let before = file_bytes(&path);
    let err = s.fails(&["info", "bare.weft"]);
    assert!(
        err.contains("bare.weft") && err.contains("damaged"),
        "{err}"
    );
    assert_eq!(file_bytes(&path), before, "nothing written");
}

#[test]
fn removed_text_is_gone_from_the_file() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    s.write(
        "P01.txt",
        "Interviewer: Hello.\nP01: My secret is zanzibarquokka forever.\n",
    );
    s.write(
        "P02.txt",
        "Interviewer: Hello.\nP02: I remember marmaladeplatypus well.\n",
    );
    s.ok(&["import", "p.weft", "P01.txt"]);
    s.ok(&["undo", "p.weft"]);
    // Another change clears the redo entry that still held the text.
    s.ok(&["codes", "add", "p.weft", "Anything"]);
    assert!(!contains(&s.path("p.weft"), b"zanzibarquokka"));

    // Withdrawn consent: delete the document, then forget the history.
    s.ok(&["import", "p.weft", "P02.txt"]);
    s.ok(&[
        "code", "p.weft", "--doc", "P02", "--start", "20", "--end", "30", "--code", "A",
    ]);
    let out = s.ok(&["delete-document", "p.weft", "P02"]);
    assert!(out.contains("1 segment"), "{out}");
    assert!(!s.ok(&["docs", "p.weft"]).contains("P02"));
    // Undoable until the history is cleared.
    s.ok(&["undo", "p.weft"]);
    assert!(s.ok(&["docs", "p.weft"]).contains("P02"));
    s.ok(&["redo", "p.weft"]);
    s.ok(&["history", "p.weft", "--clear"]);
    assert!(s.fails(&["undo", "p.weft"]).contains("nothing to undo"));
    for f in ["p.weft", "p.weft-wal"] {
        assert!(
            !contains(&s.path(f), b"marmaladeplatypus"),
            "{f} still holds the deleted text"
        );
    }
}

#[test]
fn undo_belongs_to_the_coder_who_made_the_change() {
    let s = Sandbox::new();
    demo(&s);
    let code = |coder: &str| {
        s.ok(&[
            "code", "d.weft", "--doc", "P01", "--start", "0", "--end", "11", "--code", "Mine",
            "--coder", coder,
        ])
    };
    code("alice");
    let segments = || {
        s.ok(&["segments", "d.weft"])
            .lines()
            .filter(|l| l.contains(",Mine,"))
            .count()
    };
    assert_eq!(segments(), 1);
    // bob has nothing to undo, and alice's segment stays.
    let err = s.fails(&["undo", "d.weft", "--coder", "bob"]);
    assert!(
        err.contains("nothing to undo") && err.contains("bob"),
        "{err}"
    );
    assert_eq!(segments(), 1);
    // bob codes the same passage with another code, after alice.
    s.ok(&[
        "code", "d.weft", "--doc", "P01", "--start", "0", "--end", "11", "--code", "Theirs",
        "--coder", "bob",
    ]);
    // alice's undo takes back hers, not bob's newer one; the label names both.
    let out = s.ok(&["undo", "d.weft", "--coder", "alice"]);
    assert!(out.contains("Mine") && out.contains("alice"), "{out}");
    assert_eq!(segments(), 0);
    let rows = s.ok(&["segments", "d.weft", "--code", "Theirs"]);
    assert!(rows.contains("bob"), "{rows}");
    // When bob has built on alice's change (coded with the code her change
    // made), her undo is refused and nothing is overwritten.
    s.ok(&["redo", "d.weft", "--coder", "alice"]);
    code("bob");
    assert_eq!(segments(), 2);
    let err = s.fails(&["undo", "d.weft", "--coder", "alice"]);
    assert!(
        err.contains("cannot undo") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(segments(), 2);
}

#[test]
fn a_hard_linked_project_is_refused() {
    let s = Sandbox::new();
    demo(&s);
    std::fs::hard_link(s.path("d.weft"), s.path("twin.weft")).unwrap();
    for p in ["d.weft", "twin.weft"] {
        let err = s.fails(&["info", p]);
        assert!(err.contains("hard links"), "{err}");
    }
    std::fs::remove_file(s.path("twin.weft")).unwrap();
    s.ok(&["info", "d.weft"]);
}

/// A build killed after linking the finished project into place and before
/// removing its temporary name leaves `NAME.partial` as a second link (found
/// by tests/durability.rs). That link is ours and the same file: opening the
/// project removes it, where any other second name is still refused.
#[test]
fn a_leftover_partial_link_from_a_killed_build_is_removed_on_open() {
    let s = Sandbox::new();
    demo(&s);
    std::fs::hard_link(s.path("d.weft"), s.path("d.weft.partial")).unwrap();
    s.ok(&["info", "d.weft"]);
    assert!(!s.path("d.weft.partial").exists());
    // A partial that is another file is left alone, and so is a third link.
    std::fs::write(s.path("d.weft.partial"), b"not ours").unwrap();
    s.ok(&["info", "d.weft"]);
    assert_eq!(
        std::fs::read(s.path("d.weft.partial")).unwrap(),
        b"not ours"
    );
    std::fs::remove_file(s.path("d.weft.partial")).unwrap();
    std::fs::hard_link(s.path("d.weft"), s.path("d.weft.partial")).unwrap();
    std::fs::hard_link(s.path("d.weft"), s.path("third.weft")).unwrap();
    assert!(s.fails(&["info", "d.weft"]).contains("3 hard links"));
}

/// Makes a folder read-only for the test's life: by mode for a normal user,
/// with the immutable attribute for root (whom modes do not stop).
struct ReadOnlyDir(std::path::PathBuf, bool);

impl ReadOnlyDir {
    fn new(dir: &Path) -> Option<Self> {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let ok = if root {
            std::process::Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success())
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).is_ok()
        };
        ok.then(|| ReadOnlyDir(dir.to_path_buf(), root))
    }
}

impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        if self.1 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.0)
                .status();
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[test]
fn a_project_in_a_read_only_folder_can_be_read_not_changed() {
    let s = Sandbox::new();
    let dir = s.path("ro");
    std::fs::create_dir(&dir).unwrap();
    s.ok(&["demo", "ro/d.weft"]);
    let Some(_guard) = ReadOnlyDir::new(&dir) else {
        eprintln!("skipped: cannot make a folder read-only here (chattr not supported)");
        return;
    };
    assert!(s.ok(&["info", "ro/d.weft"]).contains("12"));
    assert!(s.ok(&["segments", "ro/d.weft"]).lines().count() > 10);
    let err = s.fails(&["codes", "add", "ro/d.weft", "New"]);
    assert!(err.contains("ro/d.weft is read-only"), "{err}");
    let store = Store::open(&dir.join("d.weft")).unwrap();
    assert!(store.is_read_only());
}

#[test]
fn an_unterminated_quote_in_a_csv_is_an_error_not_a_swallowed_file() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    s.write("P03.txt", "Interviewer: Hi.\nP03: Hello.\n");
    s.write("P04.txt", "Interviewer: Hi.\nP04: Hello.\n");
    s.ok(&["import", "p.weft", "P03.txt", "P04.txt"]);
    s.write("sheet.csv", "Participant,Note\nP03,\"unterminated\nP04,x\n");
    let err = s.fails(&["participants", "p.weft", "sheet.csv"]);
    assert!(
        err.contains("sheet.csv:2:5: this quote is never closed"),
        "{err}"
    );
    s.write("codes.csv", "path,description\nA,\"never closed\nB,fine\n");
    let err = s.fails(&["codebook", "import", "p.weft", "codes.csv"]);
    assert!(
        err.contains("codes.csv:2:3: this quote is never closed"),
        "{err}"
    );
    assert!(!s.ok(&["codes", "list", "p.weft"]).contains('A'));
}

#[test]
fn an_srt_without_blank_lines_becomes_one_line_per_cue() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    s.write(
        "S1.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nAna: first\n2\n00:00:03,000 --> 00:00:04,000\nBen: second\n",
    );
    s.ok(&["import", "p.weft", "S1.srt"]);
    assert_eq!(
        s.ok(&["show", "p.weft", "--doc", "S1"]).trim_end(),
        "Ana: first\nBen: second"
    );
    s.write("S2.srt", "1\n00:00:05,000 --> 00:00:02,000\nx\n");
    let err = s.fails(&["import", "p.weft", "S2.srt"]);
    assert!(
        err.contains("S2.srt:2:") && err.contains("ends before"),
        "{err}"
    );
}

#[test]
fn overlapping_or_empty_bins_and_impossible_filters_are_errors() {
    let s = Sandbox::new();
    demo(&s);
    for (args, says) in [
        (vec!["--cols", "Age", "--bins", "26-35,30-45"], "overlap"),
        (vec!["--cols", "Age", "--bins", "26-35,,36-45"], "empty bin"),
        (vec!["--cols", "Age", "--bins", "abc"], "LOW-HIGH"),
        (
            vec!["--cols", "Phase", "--where", "Age=45..30"],
            "ends before it starts",
        ),
        (
            vec!["--cols", "Phase", "--where", "Age=abc..def"],
            "not a number",
        ),
        (
            vec!["--cols", "Phase", "--where", "Interviewed=2025-02-30"],
            "must exist",
        ),
        (
            vec!["--cols", "Phase", "--where", "Phase=a..b"],
            "needs a number or date",
        ),
    ] {
        let mut all = vec!["matrix", "d.weft"];
        all.extend(args.iter().copied());
        let err = s.fails(&all);
        assert!(err.contains(says), "{all:?}: {err}");
    }
    // Negative numbers are bins too.
    let out = s.ok(&[
        "matrix",
        "d.weft",
        "--cols",
        "Age",
        "--bins",
        "-10--1,0-40,41-99",
    ]);
    let header = &common::csv_rows(&out)[0];
    // (Guarded against spreadsheet formulas, as every CSV cell that starts with a minus.)
    assert!(header.contains(&"'-10–-1".to_string()), "{header:?}");
}

#[test]
fn segments_where_takes_sets_and_ranges_like_matrix() {
    let s = Sandbox::new();
    demo(&s);
    let count = |w: &str| common::csv_rows(&s.ok(&["segments", "d.weft", "--where", w])).len() - 1;
    let pre = count("Phase=pre");
    let post = count("Phase=post");
    assert!(pre > 0 && post > 0);
    assert_eq!(count("Phase=pre|post"), pre + post);
    let all = common::csv_rows(&s.ok(&["segments", "d.weft"])).len() - 1;
    let young = count("Age=..35");
    let old = count("Age=36..");
    assert!(young > 0 && old > 0);
    assert_eq!(young + old, all, "every demo participant has an age");
    let err = s.fails(&["segments", "d.weft", "--where", "Age=45..30"]);
    assert!(err.contains("ends before it starts"), "{err}");
}

#[test]
fn csv_cells_that_look_like_formulas_are_guarded_in_every_export() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    s.write("P01.txt", "P01: -so I said @home +1 =yes\n");
    s.ok(&["import", "p.weft", "P01.txt"]);
    let code = "=SUM(A1:A9)+cmd";
    s.ok(&[
        "code", "p.weft", "--doc", "P01", "--start", "5", "--end", "14", "--code", code,
    ]);
    let rows = common::csv_rows(&s.ok(&["segments", "p.weft"]));
    assert_eq!(rows[1][2], format!("'{code}"));
    assert_eq!(rows[1][5], "'-so I sai");
    let matrix = common::csv_rows(&s.ok(&["matrix", "p.weft", "--cols", "documents"]));
    assert_eq!(matrix[1][0], format!("'{code}"));
    let framework = s.ok(&["framework", "p.weft"]);
    assert!(framework.contains(&format!("'{code}")), "{framework}");
    for row in rows.iter().chain(&matrix) {
        for cell in row {
            let formula = cell.starts_with(['=', '+', '@'])
                || (cell.starts_with('-') && cell.parse::<f64>().is_err());
            assert!(!formula, "unguarded cell {cell:?}");
        }
    }
    // A codebook exported as CSV and imported again keeps the name exactly.
    s.ok(&["codebook", "export", "p.weft", "codes.csv"]);
    assert!(
        std::fs::read_to_string(s.path("codes.csv"))
            .unwrap()
            .contains("'=SUM")
    );
    s.ok(&["new", "q.weft"]);
    s.ok(&["codebook", "import", "q.weft", "codes.csv"]);
    assert!(s.ok(&["codes", "list", "q.weft"]).contains(code));
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    let s = Sandbox::new();
    s.ok(&["new", "d.weft"]);
    // More output than a pipe holds, so the writer meets the closed pipe.
    s.write(
        "Big.txt",
        "Interviewer: And then?\nP1: We talked for a long time.\n".repeat(8_000),
    );
    s.ok(&["import", "d.weft", "Big.txt"]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["show", "d.weft", "--doc", "Big"])
        .current_dir(s.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close the pipe, as `| head -c1` does.
    let mut out = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    std::io::Read::read_exact(&mut out, &mut one).unwrap();
    drop(out);
    let result = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(result.status.code(), Some(101), "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn a_mistyped_subcommand_suggests_the_nearest() {
    let s = Sandbox::new();
    demo(&s);
    let err = s.fails(&["impot", "d.weft", "x.txt"]);
    assert!(err.contains("did you mean `weft import`"), "{err}");
}

#[test]
fn autocode_by_sentence_reports_matches_and_units() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    // One unpunctuated line: every match is in the same "sentence".
    let small = "and so we went to the park and then ".repeat(2_500);
    let big = small.repeat(4);
    s.write("A1.txt", format!("P1: {small}\n"));
    s.write("A2.txt", format!("P2: {big}\n"));
    s.ok(&["import", "p.weft", "A1.txt", "A2.txt"]);
    let run = |doc: &str| {
        s.ok(&[
            "autocode",
            "p.weft",
            "--pattern",
            "park",
            "--plain",
            "--code",
            doc,
            "--unit",
            "sentence",
            "--docs",
            doc,
        ])
    };
    let out = run("A1");
    assert!(
        out.contains("Found 2500 match(es) in 1 sentence(s); coded 1 new segment(s)"),
        "{out}"
    );
    let out = run("A2");
    assert!(
        out.contains("Found 10000 match(es) in 1 sentence(s)"),
        "{out}"
    );
}

/// Splits one example line as a shell would, enough for our examples:
/// double quotes (with `\"`), `&&` between commands, `> file`, `*` globs and
/// a trailing `# comment`. Returns the commands, each with its stdout file.
fn shell_split(line: &str, dir: &Path) -> Vec<(Vec<String>, Option<String>)> {
    let mut words: Vec<(String, bool)> = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '#' {
            break;
        }
        let (mut word, mut quoted) = (String::new(), false);
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            if c == '"' {
                quoted = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if chars.peek() == Some(&'"') => word.push(chars.next().unwrap()),
                        c => word.push(c),
                    }
                }
            } else {
                word.push(c);
            }
        }
        words.push((word, quoted));
    }
    let mut commands = vec![(Vec::new(), None)];
    let mut redirect = false;
    for (w, quoted) in words {
        let cmd = commands.last_mut().unwrap();
        match w.as_str() {
            "&&" if !quoted => commands.push((Vec::new(), None)),
            ">" if !quoted => redirect = true,
            _ if redirect => {
                cmd.1 = Some(w);
                redirect = false;
            }
            _ if !quoted && w.contains('*') => {
                let (folder, pattern) = w.rsplit_once('/').unwrap_or((".", &w));
                let (pre, post) = pattern.split_once('*').unwrap();
                let mut hits: Vec<String> = std::fs::read_dir(dir.join(folder))
                    .unwrap()
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|n| n.starts_with(pre) && n.ends_with(post))
                    .map(|n| format!("{folder}/{n}"))
                    .collect();
                hits.sort();
                cmd.0.extend(hits);
            }
            _ => cmd.0.push(w),
        }
    }
    commands
}

/// Every example line in every `--help`.
fn help_examples(s: &Sandbox) -> Vec<String> {
    let mut helps = vec![];
    let top = s.ok(&["--help"]);
    for c in top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
    {
        helps.push(s.ok(&[c, "--help"]));
    }
    for c in ["import", "export"] {
        helps.push(s.ok(&["codebook", c, "--help"]));
    }
    for c in ["codebook", "matrix"] {
        helps.push(s.ok(&["report", c, "--help"]));
    }
    for c in ["make", "demo", "check"] {
        helps.push(s.ok(&["practice", c, "--help"]));
    }
    for c in [
        "list", "add", "rename", "move", "merge", "delete", "describe",
    ] {
        helps.push(s.ok(&["codes", c, "--help"]));
    }
    helps
        .iter()
        .flat_map(|h| {
            h.lines()
                .skip_while(|l| !l.starts_with("Example"))
                .filter_map(|l| l.trim().strip_prefix("weft ").map(|_| l.trim().to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The files the examples name, around a copy of the demo as `study.weft`
/// with one segment of the examples' coder on P07 120..188.
fn example_fixture(s: &Sandbox) {
    s.ok(&["demo", "study.weft"]);
    s.ok(&[
        "code",
        "study.weft",
        "--doc",
        "P07",
        "--start",
        "120",
        "--end",
        "188",
        "--code",
        "Types of support/Emotional",
    ]);
    std::fs::create_dir(s.path("interviews")).unwrap();
    s.write(
        "interviews/P13.txt",
        "Interviewer: How did it start?\nP13: With a phone call from my mentor.\n",
    );
    s.write(
        "interviews/P14.txt",
        "Interviewer: And then?\nP14: She came to court with me.\n",
    );
    s.write(
        "P25.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>Tell me more.\n",
    );
    let docx = s.path("P24.docx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&docx).unwrap());
    zip.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    std::io::Write::write_all(
        &mut zip,
        br#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Interviewer: Hello.</w:t></w:r></w:p><w:p><w:r><w:t>P24: Hi.</w:t></w:r></w:p></w:body></w:document>"#,
    )
    .unwrap();
    zip.finish().unwrap();
    s.write("participants.csv", "Participant,Age,Zip\nP01,29,02134\n");
    std::fs::create_dir(s.path("sample_codebooks")).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample_codebooks/peer_support.csv"
        ),
        s.path("sample_codebooks/peer_support.csv"),
    )
    .unwrap();
    s.ok(&["export-qdpx", "study.weft", "from_nvivo.qdpx"]);
    // A practice project in which the examples' coders (tester, cy) have coded.
    s.ok(&["practice", "demo", "practice.weft"]);
    for coder in ["tester", "cy"] {
        s.ok(&[
            "code",
            "practice.weft",
            "--doc",
            "P08",
            "--start",
            "0",
            "--end",
            "11",
            "--code",
            "Outcomes",
            "--coder",
            coder,
        ]);
    }
    s.ok(&[
        "handout",
        "study.weft",
        "--coder",
        "cy",
        "--out",
        "cy.weft",
        "--blind",
    ]);
}

#[test]
fn every_example_in_every_help_runs() {
    let s = Sandbox::new();
    let examples = help_examples(&s);
    assert!(examples.len() >= 40, "{examples:#?}");
    for example in &examples {
        let s = Sandbox::new();
        example_fixture(&s);
        let commands = shell_split(example, s.dir.path());
        // push and pull need a PostgreSQL server (and name one on the
        // network): tests/server.rs runs them against a local one. open
        // shows the window, which tests/ui.rs drives.
        if matches!(
            commands[0].0.get(1).map(String::as_str),
            Some("push" | "pull" | "open" | "team")
        ) {
            continue;
        }
        // Commands that make a project need its name free.
        if matches!(
            commands[0].0.get(1).map(String::as_str),
            Some("new" | "demo" | "import-qdpx")
        ) {
            for target in ["study.weft", "demo.weft"] {
                let _ = std::fs::remove_file(s.path(target));
            }
        }
        if commands[0].0.get(1).map(String::as_str) == Some("practice")
            && commands[0].0.get(2).map(String::as_str) != Some("check")
        {
            let _ = std::fs::remove_file(s.path("practice.weft"));
        }
        if commands[0].0.get(1).map(String::as_str) == Some("handout") {
            for target in ["cy.weft", "ana.weft"] {
                let _ = std::fs::remove_file(s.path(target));
            }
        }
        for (args, stdout) in commands {
            assert_eq!(args[0], "weft", "{example}");
            let rest: Vec<&str> = args[1..].iter().map(String::as_str).collect();
            let out = s.run(&rest);
            assert!(
                out.status.success(),
                "the example `{example}` failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            if let Some(file) = stdout {
                std::fs::write(s.path(&file), &out.stdout).unwrap();
                assert!(!out.stdout.is_empty(), "`{example}` wrote nothing");
            }
        }
    }
}

#[test]
fn a_memo_on_an_already_coded_range_is_kept_and_two_coders_need_coder() {
    let s = Sandbox::new();
    demo(&s);
    let code = |memo: &str| {
        s.ok(&[
            "code", "d.weft", "--doc", "P07", "--start", "120", "--end", "188", "--code",
            "Outcomes", "--memo", memo,
        ])
    };
    assert!(code("first").contains("Coded"));
    let out = code("second thoughts");
    assert!(
        out.contains("Already coded") && out.contains("memo"),
        "{out}"
    );
    let memo = |extra: &[&str]| {
        let mut args = vec![
            "memo", "d.weft", "--doc", "P07", "--start", "120", "--end", "188", "--code",
            "Outcomes",
        ];
        args.extend(extra);
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    let args = memo(&[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(s.ok(&args).trim(), "second thoughts");
    // The demo has P01 174..253 coded by ana and by ben.
    let two = [
        "memo",
        "d.weft",
        "--doc",
        "P01",
        "--start",
        "174",
        "--end",
        "253",
        "--code",
        "Engagement/Shared experience",
    ];
    let err = s.fails(&[&two[..], &["--set", "x"]].concat());
    assert!(
        err.contains("ana") && err.contains("ben") && err.contains("--coder"),
        "{err}"
    );
    s.ok(&[&two[..], &["--coder", "ben", "--set", "ben's note"]].concat());
    assert_eq!(
        s.ok(&[&two[..], &["--coder", "ben"]].concat()).trim(),
        "ben's note"
    );
    assert_ne!(
        s.ok(&[&two[..], &["--coder", "ana"]].concat()).trim(),
        "ben's note"
    );
}

#[test]
fn names_that_differ_only_in_case_are_one_thing() {
    let s = Sandbox::new();
    demo(&s);
    // A sheet column `age` is the attribute Age; `p01` is P01.
    s.write("more.csv", "participant,age,Phase\np01,31,PRE\n");
    let out = s.ok(&["participants", "d.weft", "more.csv"]);
    assert!(out.contains("\"age\" is the attribute \"Age\""), "{out}");
    assert!(out.contains("\"p01\" is the participant \"P01\""), "{out}");
    let store = Store::open(&s.path("d.weft")).unwrap();
    let snap = store.read().snapshot().unwrap();
    assert_eq!(
        snap.attributes
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case("age"))
            .count(),
        1
    );
    assert_eq!(snap.participants.len(), 12);
    let p01 = snap.participants.iter().find(|p| p.name == "P01").unwrap();
    let age = snap.attributes.iter().find(|a| a.name == "Age").unwrap();
    assert_eq!(snap.value(p01.id, age.id), "31");
    drop(store);
    // A transcript p01.txt is P01's document already; p13.txt joins a new P13.
    s.write("p01.txt", "Interviewer: Again?\np01: Yes.\n");
    let err = s.fails(&["import", "d.weft", "p01.txt"]);
    assert!(err.contains("\"P01\" is already in the project"), "{err}");
    // A code typed in another case is the existing code, echoed as stored.
    let out = s.ok(&[
        "code",
        "d.weft",
        "--doc",
        "P01",
        "--start",
        "0",
        "--end",
        "5",
        "--code",
        "types of support/concrete",
    ]);
    assert!(out.contains("Types of support/Concrete"), "{out}");
    assert!(!s.ok(&["codes", "list", "d.weft"]).contains("concrete"));
    let err = s.fails(&["codes", "add", "d.weft", "outcomes"]);
    assert!(err.contains("already exists"), "{err}");
    let out = s.ok(&["codes", "add", "d.weft", "outcomes/At home"]);
    assert_eq!(out.trim(), "Added Outcomes/At home");
    let out = s.ok(&[
        "codes",
        "rename",
        "d.weft",
        "outcomes/at home",
        "In the home",
    ]);
    assert_eq!(
        out.trim(),
        "Renamed Outcomes/At home to Outcomes/In the home"
    );
    let err = s.fails(&["codes", "describe", "d.weft", "Outcomes", "--color", "red"]);
    assert!(err.contains("not a colour"), "{err}");
}

#[test]
fn code_names_with_line_breaks_tabs_controls_or_direction_marks_are_refused_everywhere() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    for bad in [
        "two\nlines",
        "a\ttab",
        "bell\u{7}",
        "evil\u{202e}txt.exe",
        "iso\u{2066}late",
    ] {
        let err = s.fails(&["codes", "add", "p.weft", bad]);
        assert!(err.contains("one line of visible text"), "{bad:?}: {err}");
    }
    // JSON codebook.
    s.write("cb.json", r#"[{"name": "Line\nbreak", "children": []}]"#);
    let err = s.fails(&["codebook", "import", "p.weft", "cb.json"]);
    assert!(err.contains("line break"), "{err}");
    // CSV codebook (a quoted newline inside the path).
    s.write("cb.csv", "path,description\n\"Bad\u{202e}name\",x\n");
    let err = s.fails(&["codebook", "import", "p.weft", "cb.csv"]);
    assert!(err.contains("direction mark"), "{err}");
    // .qdc
    s.write(
        "cb.qdc",
        "<?xml version=\"1.0\"?><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa\" name=\"tab&#9;in\" isCodable=\"true\"/></Codes></CodeBook>",
    );
    let err = s.fails(&["codebook", "import", "p.weft", "cb.qdc"]);
    assert!(err.contains("a tab"), "{err}");
    assert_eq!(
        s.ok(&["codes", "list", "p.weft"]).lines().count(),
        1,
        "nothing added"
    );
    // Participants, documents and attributes are held to the same rule.
    s.write("sheet.csv", "Participant,Gro\u{202e}up\nP1,a\n");
    let err = s.fails(&["participants", "p.weft", "sheet.csv", "--create-missing"]);
    assert!(
        err.contains("attribute name") && err.contains("direction mark"),
        "{err}"
    );
    s.write("bad\tname.txt", "Interviewer: Hi.\nP1: Hello.\n");
    let err = s.fails(&["import", "p.weft", "bad\tname.txt"]);
    assert!(err.contains("a tab"), "{err}");
    assert_eq!(
        s.ok(&["docs", "p.weft"]).lines().count(),
        1,
        "no document added"
    );
}

#[test]
fn one_code_depth_limit_for_every_codebook_format() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    let path = |n: usize| {
        (1..=n)
            .map(|i| format!("L{i}"))
            .collect::<Vec<_>>()
            .join("/")
    };
    s.write("deep.csv", format!("path\n{}\n", path(33)));
    let err = s.fails(&["codebook", "import", "p.weft", "deep.csv"]);
    assert!(err.contains("more than 32 levels"), "{err}");
    let err = s.fails(&["codes", "add", "p.weft", &path(33)]);
    assert!(err.contains("more than 32 levels"), "{err}");
    // 32 levels are fine, and go out and back in every format.
    s.write("ok.csv", format!("path\n{}\n", path(32)));
    s.ok(&["codebook", "import", "p.weft", "ok.csv"]);
    for ext in ["csv", "json", "qdc"] {
        let file = format!("out.{ext}");
        s.ok(&["codebook", "export", "p.weft", &file]);
        let target = format!("back_{ext}.weft");
        s.ok(&["new", &target]);
        s.ok(&["codebook", "import", &target, &file]);
        assert_eq!(
            s.ok(&["codes", "list", &target]).lines().count(),
            33,
            "{ext}: header and 32 codes"
        );
    }
    // Moving a deep subtree under another would pass the limit.
    s.ok(&["codes", "add", "p.weft", "Top/Second"]);
    let err = s.fails(&["codes", "move", "p.weft", "L1", "--to", "Top/Second"]);
    assert!(err.contains("more than 32 levels"), "{err}");
}

#[test]
fn the_qdpx_import_reports_every_name_or_value_it_changes_and_refuses_binary_sources() {
    let s = Sandbox::new();
    let qde = r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="q">
  <CodeBook><Codes>
    <Code guid="c1111111-1111-1111-1111-111111111111" name="A/B" isCodable="true"/>
    <Code guid="c2222222-2222-2222-2222-222222222222" name="" isCodable="true"/>
    <Code guid="c3333333-3333-3333-3333-333333333333" name="Twin" isCodable="true"/>
    <Code guid="c4444444-4444-4444-4444-444444444444" name="twin" isCodable="true"/>
  </Codes></CodeBook>
  <Variables><Variable guid="v1111111-1111-1111-1111-111111111111" name="Score" typeOfVariable="Float"/></Variables>
  <Cases><Case guid="a1111111-1111-1111-1111-111111111111" name="P1">
    <VariableValue><VariableRef targetGUID="v1111111-1111-1111-1111-111111111111"/><FloatValue>not a number</FloatValue></VariableValue>
  </Case></Cases>
  <Sources><TextSource guid="s1111111-1111-1111-1111-111111111111" name="Doc"><PlainTextContent>Hello there.</PlainTextContent></TextSource></Sources>
</Project>"#;
    let make = |name: &str, qde: &str| {
        let p = s.path(name);
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
        zip.start_file("project.qde", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, qde.as_bytes()).unwrap();
        zip.finish().unwrap();
    };
    make("changes.qdpx", qde);
    let report = s.ok(&["import-qdpx", "changes.qdpx", "c.weft"]);
    for says in [
        "\"A/B\" is named \"A-B\"",
        "has no name; it is called \"Unnamed code\"",
        "a second code \"twin\" at the same level is called \"twin (2)\"",
        "the value of \"Score\" is not a number and was left out",
    ] {
        assert!(report.contains(says), "missing {says:?} in:\n{report}");
    }
    let binary = qde.replace(
        "Hello there.",
        "\u{1}\u{2}\u{3}\u{4}\u{5}bin\u{6}\u{7}\u{8}",
    );
    make("binary.qdpx", &binary);
    let err = s.fails(&["import-qdpx", "binary.qdpx", "b.weft"]);
    assert!(err.contains("binary") && err.contains("Doc"), "{err}");
    assert!(!s.path("b.weft").exists());
    make("empty.qdpx", &qde.replace("Hello there.", "  "));
    let err = s.fails(&["import-qdpx", "empty.qdpx", "e.weft"]);
    assert!(err.contains("holds no text"), "{err}");
}

#[test]
fn errors_say_it_once_name_the_file_and_give_the_right_hint() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    // An OS error is printed once.
    let err = s.fails(&["import", "p.weft", "missing.txt"]);
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    // A folder is a folder.
    std::fs::create_dir(s.path("interviews")).unwrap();
    let err = s.fails(&["import", "p.weft", "interviews"]);
    assert!(err.contains("is a folder"), "{err}");
    // Sizes are not rounded down to the limit.
    let big = s.path("big.txt");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(64 * 1024 * 1024 + 100 * 1024)
        .unwrap();
    let err = s.fails(&["import", "p.weft", "big.txt"]);
    assert!(err.contains("the file is 64.1 MB"), "{err}");
    assert!(!err.contains("64 MB, over"), "{err}");
    // UTF-16 without a BOM gets the hint to say so.
    let utf16: Vec<u8> = "Interviewer: Hello there, how are you?\nP1: Fine.\n"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    s.write("U1.txt", &utf16);
    let err = s.fails(&["import", "p.weft", "U1.txt"]);
    assert!(err.contains("--encoding utf-16le"), "{err}");
    s.ok(&["import", "p.weft", "U1.txt", "--encoding", "utf-16le"]);
    // A UTF-8 file forced through latin1 is not called binary.
    s.write("L1.txt", "P1: ÁÁÁ ÐÐÐ ÝÝÝ ÁÐÝ\n".repeat(20));
    let out = s.run(&["import", "p.weft", "L1.txt", "--encoding", "latin1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("binary"), "{err}");
    // A damaged project is named.
    s.ok(&["demo", "d.weft"]);
    let mut bytes = std::fs::read(s.path("d.weft")).unwrap();
    for b in &mut bytes[4096..12_000] {
        *b = 0xff;
    }
    std::fs::write(s.path("d.weft"), bytes).unwrap();
    let err = s.fails(&["docs", "d.weft"]);
    assert!(err.contains("d.weft") && err.contains("damaged"), "{err}");
}

#[test]
fn yes_no_inference_accepts_what_the_bool_type_accepts() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    s.write(
        "sheet.csv",
        "Participant,Consent\nA,Yes\nB,n\nC,TRUE\nD,false\n",
    );
    let out = s.ok(&["participants", "p.weft", "sheet.csv", "--create-missing"]);
    assert!(out.contains("Consent (bool)"), "{out}");
}

#[test]
fn a_read_only_copy_with_its_log_never_shows_an_older_state() {
    let s = Sandbox::new();
    let dir = s.path("ro");
    std::fs::create_dir(&dir).unwrap();
    s.ok(&["demo", "d.weft"]);
    // Copy the project while a connection holds changes in its -wal file.
    let mut open = Store::open(&s.path("d.weft")).unwrap();
    open.set_coder("tester");
    open.change("Add code", |r| {
        weft::edit::ops::add_code_path(r, "Only in the log", None, "")
    })
    .unwrap();
    for f in ["d.weft", "d.weft-wal"] {
        std::fs::copy(s.path(f), dir.join(f)).unwrap();
    }
    drop(open);
    let Some(_guard) = ReadOnlyDir::new(&dir) else {
        eprintln!("skipped: cannot make a folder read-only here (chattr not supported)");
        return;
    };
    let out = s.run(&["codes", "list", "ro/d.weft"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        assert!(
            stdout.contains("Only in the log"),
            "an older state: {stdout}"
        );
    } else {
        assert!(stderr.contains("-wal"), "{stderr}");
    }
}
