//! The offline team workflow through the real binary: hand out blind copies,
//! code them, merge them back, and compare.

mod common;

use common::{Sandbox, csv_rows};
use weft::store::Store;

fn dump(s: &Sandbox, name: &str) -> Vec<String> {
    Store::open(&s.path(name)).unwrap().read().dump().unwrap()
}

/// (document, code, start, end, coder) of every segment, sorted.
fn segments(s: &Sandbox, name: &str) -> Vec<(String, String, String, String, String)> {
    let csv = s.ok(&["segments", name, "--format", "csv"]);
    let rows = csv_rows(&csv);
    let col = |n: &str| rows[0].iter().position(|h| h == n).unwrap();
    let (d, c, st, en, k) = (
        col("document"),
        col("code"),
        col("start"),
        col("end"),
        col("coder"),
    );
    let mut out: Vec<_> = rows[1..]
        .iter()
        .map(|r| {
            (
                r[d].clone(),
                r[c].clone(),
                r[st].clone(),
                r[en].clone(),
                r[k].clone(),
            )
        })
        .collect();
    out.sort();
    out
}

fn code(s: &Sandbox, project: &str, coder: &str, doc: &str, start: usize, end: usize, path: &str) {
    s.ok(&[
        "code",
        project,
        "--doc",
        doc,
        "--start",
        &start.to_string(),
        "--end",
        &end.to_string(),
        "--code",
        path,
        "--coder",
        coder,
    ]);
}

#[test]
fn hand_out_blind_copies_code_them_and_merge_them_back() {
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    let lead = segments(&s, "study.weft");
    assert!(!lead.is_empty());
    s.ok(&[
        "handout",
        "study.weft",
        "--coder",
        "cy",
        "--out",
        "cy.weft",
        "--blind",
    ]);
    s.ok(&[
        "handout",
        "study.weft",
        "--coder",
        "dee",
        "--out",
        "dee.weft",
        "--blind",
    ]);
    // Blind: no one else's segments or coders in the copy.
    assert!(segments(&s, "cy.weft").is_empty());
    let info = s.ok(&["info", "cy.weft"]);
    assert!(info.contains("Documents:    12"), "{info}");
    assert!(info.contains("Coders:       0"), "{info}");
    // A copy that is not blind holds everything.
    s.ok(&[
        "handout",
        "study.weft",
        "--coder",
        "ana",
        "--out",
        "ana.weft",
    ]);
    assert_eq!(segments(&s, "ana.weft"), lead);

    code(
        &s,
        "cy.weft",
        "cy",
        "P01",
        0,
        40,
        "Types of support/Emotional",
    );
    code(&s, "cy.weft", "cy", "P02", 10, 90, "Engagement");
    code(
        &s,
        "dee.weft",
        "dee",
        "P01",
        0,
        40,
        "Types of support/Emotional",
    );
    code(
        &s,
        "dee.weft",
        "dee",
        "P03",
        5,
        25,
        "Types of support/Emotional",
    );

    let before = dump(&s, "study.weft");
    let dry = s.ok(&["merge", "study.weft", "cy.weft", "--dry-run"]);
    assert!(dry.contains("Segments: 2 new"), "{dry}");
    assert_eq!(dump(&s, "study.weft"), before, "a dry run writes nothing");

    let out = s.ok(&["merge", "study.weft", "cy.weft"]);
    assert!(out.contains("Segments: 2 new"), "{out}");
    s.ok(&["merge", "study.weft", "dee.weft"]);
    let merged = segments(&s, "study.weft");
    assert_eq!(merged.len(), lead.len() + 4);
    for seg in &merged {
        assert_eq!(
            merged.iter().filter(|x| *x == seg).count(),
            1,
            "{seg:?} twice"
        );
    }
    // Both coders' identical segment is kept, once each.
    let p01: Vec<_> = merged
        .iter()
        .filter(|x| x.0 == "P01" && x.2 == "0" && x.3 == "40")
        .map(|x| x.4.as_str())
        .collect();
    assert_eq!(p01, ["cy", "dee"]);

    // Merging the same file again changes nothing.
    let after = dump(&s, "study.weft");
    let again = s.ok(&["merge", "study.weft", "dee.weft"]);
    assert!(again.contains("Nothing new"), "{again}");
    assert_eq!(dump(&s, "study.weft"), after);

    // The merge is one change: one undo restores every table exactly.
    let with_cy = {
        let s2 = &s;
        s2.ok(&["undo", "study.weft"]);
        dump(s2, "study.weft")
    };
    s.ok(&["undo", "study.weft"]);
    assert_eq!(dump(&s, "study.weft"), before);
    s.ok(&["redo", "study.weft"]);
    assert_eq!(dump(&s, "study.weft"), with_cy);

    // Their agreement is computed from the merged project.
    s.ok(&["merge", "study.weft", "dee.weft"]);
    let csv = s.ok(&[
        "agreement",
        "study.weft",
        "--coders",
        "cy,dee",
        "--codes",
        "Types of support/Emotional",
        "--by",
        "overall",
    ]);
    let rows = csv_rows(&csv);
    let col = |n: &str| rows[0].iter().position(|h| h == n).unwrap();
    assert_eq!(rows[1][col("both")], "40", "{csv}");
}

#[test]
fn a_copy_whose_text_was_edited_is_refused_and_reported() {
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    s.ok(&[
        "handout",
        "study.weft",
        "--coder",
        "cy",
        "--out",
        "cy.weft",
        "--blind",
    ]);
    code(&s, "cy.weft", "cy", "P01", 0, 40, "Engagement");
    code(&s, "cy.weft", "cy", "P02", 0, 40, "Engagement");
    {
        let conn = rusqlite::Connection::open(s.path("cy.weft")).unwrap();
        conn.execute(
            "UPDATE document_text SET text = 'X' || text WHERE document_id =
               (SELECT id FROM document WHERE name = 'P01')",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE document SET char_len = char_len + 1 WHERE name = 'P01'",
            [],
        )
        .unwrap();
    }
    let out = s.ok(&[
        "merge",
        "study.weft",
        "cy.weft",
        "--report",
        "conflicts.csv",
    ]);
    assert!(out.contains("Segments: 1 new"), "{out}");
    assert!(
        out.contains("Skipped 1 segment(s): the text of P01 differs"),
        "{out}"
    );
    let rows = csv_rows(&std::fs::read_to_string(s.path("conflicts.csv")).unwrap());
    assert!(
        rows.iter()
            .any(|r| r[0] == "skipped" && r[1].contains("P01 0-40 Engagement by cy")),
        "{rows:?}"
    );
    assert!(
        !segments(&s, "study.weft")
            .iter()
            .any(|x| x.0 == "P01" && x.4 == "cy")
    );
}

#[test]
fn codes_match_by_path_documents_by_text_and_conflicts_keep_ours() {
    let s = Sandbox::new();
    std::fs::create_dir(s.path("talks")).unwrap();
    s.write(
        "talks/T1.txt",
        "Interviewer: Hello.\nT1: We met every week at the centre.\n",
    );
    s.write(
        "talks/T2.txt",
        "Interviewer: Hi.\nT2: The bus was late again.\n",
    );
    for p in ["lead.weft", "other.weft"] {
        s.ok(&["new", p]);
        s.ok(&["import", p, "talks/T1.txt", "talks/T2.txt"]);
        s.ok(&["codes", "add", p, "Support/Peer"]);
    }
    s.ok(&[
        "codes",
        "describe",
        "lead.weft",
        "Support/Peer",
        "--description",
        "Help from peers",
    ]);
    s.ok(&[
        "codes",
        "describe",
        "other.weft",
        "Support/Peer",
        "--description",
        "Any help",
    ]);
    code(&s, "other.weft", "eve", "T1", 24, 40, "Support/Peer");
    code(&s, "other.weft", "eve", "T2", 20, 30, "Support/New one");
    let out = s.ok(&["merge", "lead.weft", "other.weft", "--report", "c.csv"]);
    assert!(
        out.contains("2 code(s) by path, 2 document(s) by identical text"),
        "{out}"
    );
    assert!(out.contains("Segments: 2 new"), "{out}");
    let rows = csv_rows(&std::fs::read_to_string(s.path("c.csv")).unwrap());
    let def = rows
        .iter()
        .find(|r| r[0] == "code" && r[1] == "Support/Peer (definition)")
        .unwrap();
    assert_eq!(
        (def[2].as_str(), def[3].as_str()),
        ("Help from peers", "Any help")
    );
    let codes = s.ok(&["codes", "list", "lead.weft"]);
    assert!(codes.contains("New one"), "{codes}");
    assert_eq!(codes.matches("Peer").count(), 1, "{codes}");

    // A .qdpx exported by another Weft project merges the same way.
    s.ok(&["export-qdpx", "other.weft", "other.qdpx"]);
    let again = s.ok(&["merge", "lead.weft", "other.qdpx"]);
    assert!(again.contains("Nothing new"), "{again}");
    let fresh = Sandbox::new();
    std::fs::create_dir(fresh.path("talks")).unwrap();
    fresh.write(
        "talks/T1.txt",
        "Interviewer: Hello.\nT1: We met every week at the centre.\n",
    );
    fresh.ok(&["new", "l.weft"]);
    fresh.ok(&["import", "l.weft", "talks/T1.txt"]);
    std::fs::copy(s.path("other.qdpx"), fresh.path("other.qdpx")).unwrap();
    let out = fresh.ok(&["merge", "l.weft", "other.qdpx"]);
    assert!(out.contains("Segments: 2 new"), "{out}");
    assert!(out.contains("1 document(s)"), "{out}");
}

#[test]
fn merging_a_project_into_itself_is_refused() {
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    let err = s.fails(&["merge", "study.weft", "./study.weft"]);
    assert!(err.contains("are the same file"), "{err}");
}

#[test]
fn reconcile_writes_the_consensus_and_remembers_every_decision_in_one_undoable_change() {
    use weft::analysis::agreement::{self, Scope};
    use weft::edit::merge::{Choice, reconcile};
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    let mut store = Store::open(&s.path("study.weft")).unwrap();
    store.set_coder("lead");
    let before = store.read().dump().unwrap();
    let snap = store.read().snapshot().unwrap();
    let ana = snap.coder_named("ana").unwrap().id;
    let ben = snap.coder_named("ben").unwrap().id;
    let scope = Scope {
        coders: vec![ana, ben],
        ..Scope::default()
    };
    let list = agreement::disagreements(&snap, ana, ben, &scope);
    assert!(list.len() >= 3, "{}", list.len());
    // Largest first.
    assert!(list.windows(2).all(|w| w[0].differing >= w[1].differing));
    let items = vec![
        (list[0].clone(), Choice::First),
        (list[1].clone(), Choice::Neither),
        (list[2].clone(), Choice::Both),
    ];
    store
        .change("Reconcile", |r| {
            reconcile(r, "consensus", ("ana", "ben"), &items)
        })
        .unwrap();
    let after = store.read().snapshot().unwrap();
    let consensus = after.coder_named("consensus").unwrap().id;
    let mine: Vec<_> = after
        .segments
        .iter()
        .filter(|x| x.coder == consensus)
        .collect();
    let want = list[0].first.len() + list[2].union().len();
    assert_eq!(mine.len(), want);
    assert!(mine.iter().all(|x| x.memo.starts_with("Consensus: ")));
    let decisions = store.read().decisions().unwrap();
    assert_eq!(decisions.len(), 3, "{decisions:?}");
    assert!(decisions.values().any(|c| c == "neither"));
    // Reconciling again with another choice replaces the consensus there.
    let again = vec![(list[0].clone(), Choice::Overlap)];
    store
        .change("Reconcile", |r| {
            reconcile(r, "consensus", ("ana", "ben"), &again)
        })
        .unwrap();
    let snap2 = store.read().snapshot().unwrap();
    let n = snap2
        .segments
        .iter()
        .filter(|x| x.coder == consensus)
        .count();
    assert_eq!(n, list[0].overlap().len() + list[2].union().len());
    // Two undos restore every table exactly.
    store.undo().unwrap().unwrap();
    store.undo().unwrap().unwrap();
    assert_eq!(store.read().dump().unwrap(), before);
    // The consensus coder must be someone else.
    let err = store
        .change("Reconcile", |r| reconcile(r, "Ana", ("ana", "ben"), &items))
        .unwrap_err();
    assert!(err.to_string().contains("someone other than"), "{err}");
}

/// Two coders on one project file: a row id is never handed out twice, so
/// undoing a removal does not clash with the other coder's newer segment
/// (with `max(id) + 1` the new segment took the removed one's id and the
/// undo was refused).
#[test]
fn undoing_a_removal_after_another_coder_coded_restores_both() {
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    code(&s, "study.weft", "ana", "P03", 0, 11, "Outcomes");
    s.ok_as(
        "ana",
        &[
            "uncode",
            "study.weft",
            "--doc",
            "P03",
            "--start",
            "0",
            "--end",
            "11",
            "--code",
            "Outcomes",
        ],
    );
    code(&s, "study.weft", "ben", "P03", 20, 30, "Outcomes");
    s.ok_as("ana", &["undo", "study.weft"]);
    let rows = common::csv_rows(&s.ok(&[
        "segments",
        "study.weft",
        "--code",
        "Outcomes",
        "--format",
        "csv",
    ]));
    let p03: Vec<(&str, &str, &str)> = rows
        .iter()
        .filter(|r| r[0] == "P03")
        .map(|r| (r[3].as_str(), r[4].as_str(), r[6].as_str()))
        .collect();
    assert!(p03.contains(&("0", "11", "ana")), "{p03:?}");
    assert!(p03.contains(&("20", "30", "ben")), "{p03:?}");
    // And the ids only grow: ben's next segment does not take a freed one.
    let store = weft::store::Store::open(&s.path("study.weft")).unwrap();
    let next = store.read().next_id("segment").unwrap();
    let max = store
        .read()
        .segments()
        .unwrap()
        .iter()
        .map(|x| x.id.0)
        .max()
        .unwrap();
    assert_eq!(next, max + 1);
}

/// Undo takes back whole rows, so an undo after another coder changed the
/// same rows would overwrite their work: it is refused, with a message, and
/// nothing changes. Once the other coder's change is undone, it goes through.
#[test]
fn an_undo_over_another_coders_later_change_is_refused_and_overwrites_nothing() {
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    s.ok_as(
        "ana",
        &["codes", "rename", "study.weft", "Outcomes", "Changes"],
    );
    s.ok_as(
        "ben",
        &[
            "codes",
            "describe",
            "study.weft",
            "Changes",
            "--color",
            "#123456",
        ],
    );
    let before = weft::store::Store::open(&s.path("study.weft"))
        .unwrap()
        .read()
        .dump()
        .unwrap();
    let out = s.run_as("ana", &["undo", "study.weft"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot undo") && err.contains("another coder has changed a code"),
        "{err}"
    );
    let after = weft::store::Store::open(&s.path("study.weft"))
        .unwrap()
        .read()
        .dump()
        .unwrap();
    assert_eq!(before, after, "nothing was overwritten");
    // Ben takes his colour back; then Ana's rename can be undone.
    s.ok_as("ben", &["undo", "study.weft"]);
    s.ok_as("ana", &["undo", "study.weft"]);
    let tree = weft::store::Store::open(&s.path("study.weft"))
        .unwrap()
        .read()
        .code_tree()
        .unwrap();
    assert!(tree.find_path("Outcomes").is_some());

    // A memo another coder wrote on one's new segment is not thrown away by
    // undoing the coding.
    s.ok_as(
        "ana",
        &[
            "code",
            "study.weft",
            "--doc",
            "P03",
            "--start",
            "0",
            "--end",
            "11",
            "--code",
            "Outcomes",
        ],
    );
    s.ok_as(
        "ben",
        &[
            "memo",
            "study.weft",
            "--doc",
            "P03",
            "--start",
            "0",
            "--end",
            "11",
            "--code",
            "Outcomes",
            "--set",
            "ben's thought",
        ],
    );
    let err = String::from_utf8_lossy(&s.run_as("ana", &["undo", "study.weft"]).stderr).to_string();
    assert!(
        err.contains("another coder has changed a coded segment"),
        "{err}"
    );
    let memo = s.ok(&[
        "memo",
        "study.weft",
        "--doc",
        "P03",
        "--start",
        "0",
        "--end",
        "11",
        "--code",
        "Outcomes",
    ]);
    assert!(memo.contains("ben's thought"), "{memo}");
}
