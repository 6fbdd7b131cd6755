//! Practice against an expert, through the real binary and the library: a
//! practice project hides the expert's coding, and checking gives agreed,
//! missed and extra passages and the agreement library's own F1 and kappa.

mod common;

use common::Sandbox;
use weft::analysis::agreement::{self, AgreementUnit, Include, RowKind, Scope};
use weft::analysis::practice::{self, Verdict};
use weft::store::Store;

fn code(s: &Sandbox, project: &str, coder: &str, doc: &str, range: (usize, usize), path: &str) {
    s.ok_as(
        coder,
        &[
            "code",
            project,
            "--doc",
            doc,
            "--start",
            &range.0.to_string(),
            "--end",
            &range.1.to_string(),
            "--code",
            path,
        ],
    );
}

const QUALITIES: &str = "Engagement/Personal qualities";
const CONCRETE: &str = "Types of support/Concrete";
const OUTCOMES: &str = "Outcomes";

/// A project where "ex" coded three passages of P03 with reasons, and a
/// practice project made from it.
fn practice_of_three(s: &Sandbox) {
    s.ok(&["new", "src.weft"]);
    s.write(
        "P03.txt",
        "Interviewer: Tell me about her.\nP03: She is real and never judged me. She drove me to court. Now my son is home.\n",
    );
    s.ok(&["import", "src.weft", "P03.txt"]);
    for (range, path, why) in [
        ((37, 69), QUALITIES, "What she is like"),
        ((70, 92), CONCRETE, "Hands-on help"),
        ((93, 112), OUTCOMES, "A change"),
    ] {
        code(s, "src.weft", "ex", "P03", range, path);
        s.ok(&[
            "memo",
            "src.weft",
            "--doc",
            "P03",
            "--start",
            &range.0.to_string(),
            "--end",
            &range.1.to_string(),
            "--code",
            path,
            "--set",
            why,
        ]);
    }
    let out = s.ok(&[
        "practice",
        "make",
        "src.weft",
        "--expert",
        "ex",
        "--docs",
        "P03",
        "--out",
        "practice.weft",
    ]);
    assert!(
        out.contains("3 passage(s) coded by ex (3 with a reason)"),
        "{out}"
    );
}

#[test]
fn the_expert_coding_is_hidden_and_checking_gives_agreed_missed_and_extra() {
    let s = Sandbox::new();
    practice_of_three(&s);
    // Blind: no segment and no coder in the practice project.
    let segs = s.ok(&["segments", "practice.weft", "--format", "csv"]);
    assert_eq!(segs.lines().count(), 1, "{segs}");
    let err = s.fails(&["practice", "check", "practice.weft", "--coder", "stu"]);
    assert!(err.contains("stu has not coded anything"), "{err}");

    // One passage exactly as the expert, one missed, one extra.
    code(&s, "practice.weft", "stu", "P03", (37, 69), QUALITIES);
    code(&s, "practice.weft", "stu", "P03", (0, 12), OUTCOMES);
    let store = Store::open(&s.path("practice.weft")).unwrap();
    let r = store.read();
    let p = r.practice().unwrap().unwrap();
    let snap = r.snapshot().unwrap();
    let stu = snap.coder_named("stu").unwrap().id;
    let f = practice::check(&snap, &p, stu).unwrap();
    let verdicts: Vec<(Verdict, usize, usize, String)> = f
        .passages
        .iter()
        .map(|x| {
            (
                x.verdict,
                x.range.start,
                x.range.end,
                snap.codes.path(x.code),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            (Verdict::Extra, 0, 12, OUTCOMES.to_string()),
            (Verdict::Agreed, 37, 69, QUALITIES.to_string()),
            (Verdict::Missed, 70, 92, CONCRETE.to_string()),
            (Verdict::Missed, 93, 112, OUTCOMES.to_string()),
        ]
    );
    let missed = &f.passages[2];
    assert_eq!(missed.reasons, ["Hands-on help"]);

    // The figures are the agreement library's on the same data, where the
    // expert's coding is real segments: the source project plus the student's.
    code(&s, "src.weft", "stu", "P03", (37, 69), QUALITIES);
    code(&s, "src.weft", "stu", "P03", (0, 12), OUTCOMES);
    let src = Store::open(&s.path("src.weft")).unwrap();
    let sr = src.read();
    let ssnap = sr.snapshot().unwrap();
    let ex = ssnap.coder_named("ex").unwrap().id;
    let sstu = ssnap.coder_named("stu").unwrap().id;
    let codes: Vec<_> = [QUALITIES, CONCRETE, OUTCOMES]
        .iter()
        .map(|p| ssnap.codes.find_path(p).unwrap())
        .collect();
    let scope = Scope {
        coders: vec![ex, sstu],
        codes: Some(codes.clone()),
        documents: None,
        unit: AgreementUnit::Character,
        include: Include::Exact,
    };
    let reference = agreement::compute(&ssnap, &scope, &Default::default()).unwrap();
    for c in &f.by_code {
        let path = snap.codes.path(c.code);
        let want = reference
            .by_code
            .iter()
            .find(|r| {
                r.kind == RowKind::Pooled
                    && r.code.map(|k| ssnap.codes.path(k)) == Some(path.clone())
            })
            .unwrap();
        for (got, want) in [
            (&c.figures.f1, &want.figures.f1),
            (&c.figures.cohen_kappa, &want.figures.cohen_kappa),
        ] {
            match (got, want) {
                (Ok(a), Ok(b)) => assert!((a - b).abs() < 1e-9, "{path}: {a} vs {b}"),
                (a, b) => assert_eq!(a, b, "{path}"),
            }
        }
    }
    assert_eq!(f.by_code.len(), 3);
    // Exact match gives F1 1; the missed code F1 0.
    let f1 = |path: &str| {
        f.by_code
            .iter()
            .find(|c| snap.codes.path(c.code) == path)
            .unwrap()
            .figures
            .f1
    };
    assert_eq!(f1(QUALITIES), Ok(1.0));
    assert_eq!(f1(CONCRETE), Ok(0.0));

    // The command line says the same.
    let out = s.ok(&["practice", "check", "practice.weft", "--coder", "stu"]);
    assert!(
        out.contains("1 agreed, 0 partly agreed, 2 missed, 1 extra"),
        "{out}"
    );
    assert!(out.contains("Why (ex): Hands-on help"), "{out}");
}

#[test]
fn the_shipped_practice_project_has_two_interviews_and_a_reason_for_every_passage() {
    let s = Sandbox::new();
    s.ok(&["practice", "demo", "practice.weft"]);
    let store = Store::open(&s.path("practice.weft")).unwrap();
    let r = store.read();
    let p = r.practice().unwrap().unwrap();
    let snap = r.snapshot().unwrap();
    assert_eq!(
        snap.documents
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["P03", "P08"]
    );
    assert!(snap.segments.is_empty() && snap.coders.is_empty());
    assert!(p.answers.len() >= 6);
    assert!(p.answers.iter().all(|a| a.reason.len() > 20));
    // Every answer is on whole words of its document and on a code of the codebook.
    for a in &p.answers {
        let d = snap
            .documents
            .iter()
            .find(|d| d.guid == a.document_guid)
            .unwrap();
        assert!(snap.codes.codes().iter().any(|c| c.guid == a.code_guid));
        let text = r.document_text(d.id).unwrap();
        let idx = weft::text::CharIndex::new(&text);
        let quote = idx.slice(a.range);
        assert_eq!(quote.trim(), quote);
        assert!(a.range.end <= idx.char_len());
    }
    // Undo cannot take the practice away: the project starts with no history.
    let out = s.run(&["undo", "practice.weft"]);
    assert!(!out.status.success() || String::from_utf8_lossy(&out.stdout).contains("Nothing"));
    let store = Store::open(&s.path("practice.weft")).unwrap();
    assert!(store.read().practice().unwrap().is_some());
}

#[test]
fn making_a_practice_names_what_is_wrong() {
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    let err = s.fails(&[
        "practice",
        "make",
        "study.weft",
        "--expert",
        "nobody",
        "--docs",
        "P03",
        "--out",
        "p.weft",
    ]);
    assert!(
        err.contains("no coder \"nobody\"") && err.contains("ana"),
        "{err}"
    );
    let err = s.fails(&[
        "practice",
        "make",
        "study.weft",
        "--expert",
        "ana",
        "--docs",
        "P99",
        "--out",
        "p.weft",
    ]);
    assert!(err.contains("no document \"P99\""), "{err}");
    assert!(!s.path("p.weft").exists());
    let err = s.fails(&["practice", "check", "study.weft"]);
    assert!(err.contains("not a practice project"), "{err}");
}

#[test]
fn the_right_words_with_another_code_say_which_code_each_side_used() {
    let s = Sandbox::new();
    practice_of_three(&s);
    // The expert's Concrete passage, coded as Outcomes.
    code(&s, "practice.weft", "stu", "P03", (70, 92), OUTCOMES);
    let out = s.ok(&["practice", "check", "practice.weft", "--coder", "stu"]);
    assert!(
        out.contains(&format!(
            "[missed] P03 70..92 {CONCRETE}\n  \u{201c}She drove me to court.\u{201d}"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("You coded these words as {OUTCOMES}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("ex coded these words as {CONCRETE}")),
        "{out}"
    );
}
