//! Participants, codes, coding, autocode, segments, memos, undo and opening errors,
//! through the real `weft` binary.

mod common;

use common::{Sandbox, csv_rows, file_bytes};

fn demo(s: &Sandbox) {
    s.ok(&["demo", "demo.weft"]);
}

#[test]
fn demo_project_has_everything_a_newcomer_needs() {
    let s = Sandbox::new();
    demo(&s);
    let info = s.ok(&["info", "demo.weft"]);
    for line in [
        "Documents:    12",
        "Participants: 12",
        "Attributes:   6",
        "Coders:       2",
    ] {
        assert!(info.contains(line), "{info}");
    }
    let rows = csv_rows(&s.ok(&["segments", "demo.weft"]));
    assert!(rows.len() > 60, "demo has coding");
    assert_eq!(
        rows[0],
        [
            "document",
            "participant",
            "code",
            "start",
            "end",
            "text",
            "coder",
            "Ethnicity",
            "Age",
            "Phase",
            "Mentor months",
            "Interviewed",
            "First involvement"
        ]
    );
    // Rows are sorted by document, then start.
    let keys: Vec<(String, usize)> = rows[1..]
        .iter()
        .map(|r| (r[0].clone(), r[3].parse().unwrap()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // Every row's text is exactly the document's text at its range.
    for r in &rows[1..] {
        let text = s.ok(&["show", "demo.weft", "--doc", &r[0]]);
        let (a, b): (usize, usize) = (r[3].parse().unwrap(), r[4].parse().unwrap());
        let slice: String = text.chars().skip(a).take(b - a).collect();
        assert_eq!(slice, r[5]);
    }
    // A second demo at the same path is refused, and the first is untouched.
    let before = file_bytes(&s.path("demo.weft"));
    let err = s.fails(&["demo", "demo.weft"]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(before, file_bytes(&s.path("demo.weft")));
}

#[test]
fn participants_sheet_types_and_errors() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    for n in ["A1", "A2", "B1"] {
        s.write(&format!("{n}.txt"), format!("{n}: hello\n"));
    }
    s.ok(&["import", "p.weft", "A1.txt", "A2.txt", "B1.txt"]);

    s.write("ragged.csv", "id;Phase;Age\nA1;pre;30\nA2;post\n");
    let err = s.fails(&["participants", "p.weft", "ragged.csv"]);
    assert!(
        err.contains("ragged.csv:3") && err.contains("2 fields"),
        "{err}"
    );

    s.write("unknown.csv", "id,Phase\nA1,pre\nZ9,post\n");
    let err = s.fails(&["participants", "p.weft", "unknown.csv"]);
    assert!(
        err.contains("unknown.csv:3:1") && err.contains("unknown participant"),
        "{err}"
    );

    s.write("badtype.csv", "id,Age\nA1,30\nA2,forty\n");
    let err = s.fails(&[
        "participants",
        "p.weft",
        "badtype.csv",
        "--type",
        "Age=number",
    ]);
    assert!(
        err.contains("badtype.csv:3:2") && err.contains("not a number"),
        "{err}"
    );
    assert!(
        s.ok(&["info", "p.weft"]).contains("Attributes:   0"),
        "nothing written"
    );

    s.write(
        "ok.csv",
        "id\tPhase\tAge\tInterviewed\tReunified\tZip\nA1\tpre\t30\t2024-01-05\tno\t02139\nA2\tpost\t41.5\t2024/02/07\tyes\t10001\nB1\tpost\t\t2024-03-01\tYes\t60601\n",
    );
    let out = s.ok(&["participants", "p.weft", "ok.csv", "--type", "Zip=text"]);
    assert!(out.contains("Phase (text)"), "{out}");
    assert!(out.contains("Age (number)"), "{out}");
    assert!(out.contains("Interviewed (date)"), "{out}");
    assert!(out.contains("Reunified (bool)"), "{out}");
    assert!(out.contains("Zip (text, forced)"), "{out}");

    // Values come back normalised, one column per attribute.
    s.write("A1b.txt", "A1: again\n");
    s.ok(&[
        "code", "p.weft", "--doc", "A2", "--start", "0", "--end", "2", "--code", "X",
    ]);
    s.ok(&[
        "code", "p.weft", "--doc", "B1", "--start", "0", "--end", "2", "--code", "X",
    ]);
    let rows = csv_rows(&s.ok(&["segments", "p.weft"]));
    assert_eq!(
        rows[0][7..],
        ["Phase", "Age", "Interviewed", "Reunified", "Zip"]
    );
    assert_eq!(rows[1][7..], ["post", "41.5", "2024-02-07", "yes", "10001"]);
    assert_eq!(rows[2][7..], ["post", "", "2024-03-01", "yes", "60601"]);

    // --where filters by attribute value; yes/no values are normalised first.
    let rows = csv_rows(&s.ok(&[
        "segments",
        "p.weft",
        "--where",
        "Reunified=true",
        "--where",
        "Age=41.5",
    ]));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "A2");
    let err = s.fails(&["segments", "p.weft", "--where", "Nope=1"]);
    assert!(err.contains("no attribute \"Nope\""), "{err}");

    // Participants without transcripts need --create-missing.
    s.write("more.csv", "id,Phase\nC1,pre\n");
    s.fails(&["participants", "p.weft", "more.csv"]);
    s.ok(&["participants", "p.weft", "more.csv", "--create-missing"]);
    assert!(s.ok(&["info", "p.weft"]).contains("Participants: 4"));
}

#[test]
fn focused_coding_rename_move_merge_delete() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    s.write("D.txt", "P1: one two three four five six seven\n");
    s.ok(&["import", "p.weft", "D.txt"]);
    let code = |start: &str, end: &str, path: &str| {
        s.ok(&[
            "code", "p.weft", "--doc", "D", "--start", start, "--end", end, "--code", path,
        ]);
    };
    code("4", "7", "Support/Emotional");
    code("8", "11", "Support/Feelings");
    code("4", "7", "Support/Feelings");
    code("12", "17", "Help");
    // Same code, same range, same coder: a no-op.
    let out = s.ok(&[
        "code", "p.weft", "--doc", "D", "--start", "12", "--end", "17", "--code", "Help",
    ]);
    assert!(out.contains("Already coded"), "{out}");
    let err = s.fails(&[
        "code", "p.weft", "--doc", "D", "--start", "30", "--end", "99", "--code", "Help",
    ]);
    assert!(
        err.contains("past the end") && err.contains("38 characters"),
        "{err}"
    );
    let err = s.fails(&[
        "code", "p.weft", "--doc", "D", "--start", "5", "--end", "5", "--code", "Help",
    ]);
    assert!(err.contains("empty"), "{err}");

    s.ok(&["codes", "rename", "p.weft", "Help", "Concrete"]);
    s.ok(&["codes", "move", "p.weft", "Concrete", "--to", "Support"]);
    let err = s.fails(&[
        "codes",
        "move",
        "p.weft",
        "Support",
        "--to",
        "Support/Concrete",
    ]);
    assert!(err.contains("inside itself"), "{err}");
    // Merge: Feelings' segments move to Emotional; the duplicate 4..7 collapses.
    s.ok(&[
        "codes",
        "merge",
        "p.weft",
        "Support/Feelings",
        "Support/Emotional",
    ]);
    let rows = csv_rows(&s.ok(&["segments", "p.weft"]));
    let got: Vec<(String, String, String)> = rows[1..]
        .iter()
        .map(|r| (r[2].clone(), r[3].clone(), r[5].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("Support/Emotional".into(), "4".into(), "one".into()),
            ("Support/Emotional".into(), "8".into(), "two".into()),
            ("Support/Concrete".into(), "12".into(), "three".into()),
        ]
    );
    let list = s.ok(&["codes", "list", "p.weft"]);
    assert!(
        list.contains("Support\t0\t0") && list.contains("  Emotional\t2\t1"),
        "{list}"
    );

    let err = s.fails(&["codes", "delete", "p.weft", "Support"]);
    assert!(
        err.contains("3 coded segment(s)") && err.contains("--force"),
        "{err}"
    );
    s.ok(&["codes", "delete", "p.weft", "Support", "--force"]);
    let info = s.ok(&["info", "p.weft"]);
    assert!(
        info.contains("Codes:        0") && info.contains("Segments:     0"),
        "{info}"
    );
    // And back again, in one undo.
    s.ok(&["undo", "p.weft"]);
    assert!(s.ok(&["info", "p.weft"]).contains("Segments:     3"));
}

#[test]
fn recode_uncode_and_memos() {
    let s = Sandbox::new();
    demo(&s);
    let seg = ["--doc", "P05", "--code", "Types of support/Advocacy"];
    let rows = csv_rows(&s.ok(&[
        "segments",
        "demo.weft",
        "--code",
        "Types of support/Advocacy",
        "--format",
        "csv",
    ]));
    let row = rows
        .iter()
        .find(|r| r[0] == "P05" && r[6] == "ben")
        .expect("ben coded advocacy in P05");
    let (start, end) = (row[3].clone(), row[4].clone());
    let memo = s.ok(&[
        "memo",
        "demo.weft",
        seg[0],
        seg[1],
        seg[2],
        seg[3],
        "--start",
        &start,
        "--end",
        &end,
    ]);
    // Two coders coded this range: each one's memo is shown, named.
    assert!(memo.contains("ben: ") && memo.contains("ana: "), "{memo}");
    assert!(memo.contains("acting for the parent"), "{memo}");

    s.ok(&[
        "recode",
        "demo.weft",
        "--doc",
        "P05",
        "--start",
        &start,
        "--end",
        &end,
        "--code",
        "Types of support/Advocacy",
        "--coder",
        "ben",
        "--to",
        "Types of support/Concrete",
    ]);
    let rows = csv_rows(&s.ok(&[
        "segments",
        "demo.weft",
        "--code",
        "Types of support/Concrete",
    ]));
    assert!(
        rows.iter()
            .any(|r| r[0] == "P05" && r[3] == start && r[6] == "ben")
    );
    s.ok(&[
        "uncode",
        "demo.weft",
        "--doc",
        "P05",
        "--start",
        &start,
        "--end",
        &end,
        "--code",
        "Types of support/Concrete",
    ]);
    let rows = csv_rows(&s.ok(&[
        "segments",
        "demo.weft",
        "--code",
        "Types of support/Concrete",
    ]));
    assert!(!rows.iter().any(|r| r[0] == "P05" && r[3] == start));

    s.ok(&[
        "memo",
        "demo.weft",
        "--project-memo",
        "--set",
        "Round two ✍",
    ]);
    assert_eq!(
        s.ok(&["memo", "demo.weft", "--project-memo"]),
        "Round two ✍\n"
    );
    s.ok(&[
        "memo",
        "demo.weft",
        "--doc",
        "P01",
        "--set",
        "Check the ending",
    ]);
    assert_eq!(
        s.ok(&["memo", "demo.weft", "--doc", "P01"]),
        "Check the ending\n"
    );
    s.ok(&[
        "memo",
        "demo.weft",
        "--code",
        "Outcomes",
        "--set",
        "Keep short",
    ]);
    assert_eq!(
        s.ok(&["memo", "demo.weft", "--code", "Outcomes"]),
        "Keep short\n"
    );
    let json: serde_json::Value = serde_json::from_str(&s.ok(&[
        "segments",
        "demo.weft",
        "--code",
        "Types of support/Advocacy",
        "--format",
        "json",
    ]))
    .unwrap();
    let first = &json.as_array().unwrap()[0];
    assert_eq!(first["document"], "P05");
    assert_eq!(first["attributes"]["Phase"], "pre");

    // Undo walks back through the memos, redo comes forward again.
    assert!(s.ok(&["undo", "demo.weft"]).contains("Edit memo"));
    assert_eq!(s.ok(&["memo", "demo.weft", "--code", "Outcomes"]), "\n");
    s.ok(&["redo", "demo.weft"]);
    assert_eq!(
        s.ok(&["memo", "demo.weft", "--code", "Outcomes"]),
        "Keep short\n"
    );
    let hist = s.ok(&["history", "demo.weft"]);
    assert!(hist.contains("tester can undo (5)"), "{hist}");
}

#[test]
fn autocode_units_speaker_and_docs() {
    let s = Sandbox::new();
    s.ok(&["new", "p.weft"]);
    s.write(
        "A.txt",
        "Interviewer: Did your mentor help?\nA: My mentor helped a lot. She called daily.\nInterviewer: Tell me more about the mentor.\nA: Not much more.\n",
    );
    s.write("B.txt", "Q: Mentor?\nB: No mentor for me.\n");
    s.ok(&["import", "p.weft", "A.txt", "B.txt"]);
    let out = s.ok(&[
        "autocode",
        "p.weft",
        "--pattern",
        "mentor",
        "--plain",
        "-i",
        "--code",
        "M/match",
    ]);
    assert!(out.contains("Found 5 match(es); coded 5"), "{out}");
    s.ok(&[
        "autocode",
        "p.weft",
        "--pattern",
        r"\bmentor\b",
        "--code",
        "M/sentence",
        "--unit",
        "sentence",
        "--speaker",
        "A",
    ]);
    s.ok(&[
        "autocode",
        "p.weft",
        "--pattern",
        "mentor",
        "--code",
        "M/turn",
        "--unit",
        "turn",
        "--speaker",
        "interviewer",
        "--docs",
        "A",
    ]);
    s.ok(&[
        "autocode",
        "p.weft",
        "--pattern",
        "(?i)mentor",
        "--code",
        "M/para",
        "--unit",
        "paragraph",
        "--docs",
        "B",
    ]);
    let texts = |code: &str| -> Vec<String> {
        csv_rows(&s.ok(&["segments", "p.weft", "--code", code]))[1..]
            .iter()
            .map(|r| r[5].clone())
            .collect()
    };
    assert_eq!(texts("M/sentence"), ["My mentor helped a lot."]);
    assert_eq!(
        texts("M/turn"),
        ["Did your mentor help?", "Tell me more about the mentor."]
    );
    assert_eq!(texts("M/para"), ["Mentor?", "No mentor for me."]);
    // Running it again adds nothing.
    let out = s.ok(&[
        "autocode",
        "p.weft",
        "--pattern",
        "mentor",
        "--plain",
        "-i",
        "--code",
        "M/match",
    ]);
    assert!(out.contains("coded 0 new"), "{out}");
    let err = s.fails(&[
        "autocode",
        "p.weft",
        "--pattern",
        "(unclosed",
        "--code",
        "X",
    ]);
    assert!(err.contains("not a valid regular expression"), "{err}");
}

#[test]
fn codebooks_round_trip_as_csv_and_json() {
    let s = Sandbox::new();
    s.ok(&["new", "a.weft"]);
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample_codebooks/peer_support.csv"
    );
    s.ok(&["codebook", "import", "a.weft", sample]);
    s.ok(&["codebook", "export", "a.weft", "book.json"]);
    s.ok(&["codebook", "export", "a.weft", "book.csv"]);
    s.ok(&["new", "b.weft"]);
    s.ok(&["codebook", "import", "b.weft", "book.json"]);
    s.ok(&["codebook", "export", "b.weft", "again.csv"]);
    assert_eq!(
        std::fs::read_to_string(s.path("book.csv")).unwrap(),
        std::fs::read_to_string(s.path("again.csv")).unwrap()
    );
    let exported = std::fs::read_to_string(s.path("book.csv")).unwrap();
    let original = std::fs::read_to_string(sample).unwrap();
    assert_eq!(csv_rows(&exported), csv_rows(&original));
    let starter = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample_codebooks/thematic_analysis_starter.csv"
    );
    let out = s.ok(&["codebook", "import", "b.weft", starter]);
    assert!(out.contains("14 new"), "{out}");
    s.write("bad.csv", "path,description,color\nA/B,x,red\n");
    let err = s.fails(&["codebook", "import", "b.weft", "bad.csv"]);
    assert!(
        err.contains("bad.csv:2") && err.contains("not a colour"),
        "{err}"
    );
    s.write("bad.json", "[{\"name\": \"A\", \"children\": [}]");
    let err = s.fails(&["codebook", "import", "b.weft", "bad.json"]);
    assert!(err.contains("bad.json:1:"), "{err}");
}

#[test]
fn opening_something_else_changes_nothing() {
    let s = Sandbox::new();
    let text = s.write("notes.weft", "just some text, not a database\n");
    let err = s.fails(&["info", "notes.weft"]);
    assert!(err.contains("notes.weft: not a Weft project"), "{err}");
    assert_eq!(file_bytes(&text), b"just some text, not a database\n");

    let other = s.path("other.sqlite");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let before = file_bytes(&other);
    let err = s.fails(&["info", "other.sqlite"]);
    assert!(err.contains("another application"), "{err}");
    assert_eq!(before, file_bytes(&other));

    s.ok(&["new", "future.weft"]);
    {
        let c = rusqlite::Connection::open(s.path("future.weft")).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = file_bytes(&s.path("future.weft"));
    let err = s.fails(&["info", "future.weft"]);
    assert!(err.contains("newer Weft") && err.contains("99"), "{err}");
    assert_eq!(before, file_bytes(&s.path("future.weft")));

    let err = s.fails(&["info", "missing.weft"]);
    assert!(err.contains("no such project"), "{err}");
    let err = s.fails(&["new", "future.weft"]);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    let s = Sandbox::new();
    let top = s.ok(&["--help"]);
    let subcommands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|c| c != "help")
        .collect();
    assert!(subcommands.len() >= 18, "{subcommands:?}");
    for c in &subcommands {
        let help = s.ok(&[c, "--help"]);
        assert!(help.contains("Example"), "weft {c} --help has no example");
    }
    for c in ["import", "export"] {
        assert!(s.ok(&["codebook", c, "--help"]).contains("Example"));
    }
    for c in [
        "list", "add", "rename", "move", "merge", "delete", "describe",
    ] {
        assert!(
            s.ok(&["codes", c, "--help"]).contains("Example"),
            "codes {c}"
        );
    }
}
