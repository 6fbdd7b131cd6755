//! Data matrices on a small project whose numbers were counted by hand, a
//! property test on generated projects, and the exports through the binary.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use common::{Lcg, Sandbox, csv_rows};
use weft::analysis::matrix::{
    CoOccurrence, Columns, Condition, Filters, Grouping, Matrix, MatrixSpec, Measure, compute,
    parse_bins,
};
use weft::edit::ops;
use weft::import::{parse_participants, parse_transcript};
use weft::model::{CharRange, ProjectSnapshot};
use weft::store::Store;

/// Four participants, four codes (P with children K1 and K2, and Q):
///
/// | participant | Group | Age | Date       | segments (code [start, end))      |
/// |-------------|-------|-----|------------|-----------------------------------|
/// | A           | x     | 30  | 2020-01-15 | K1 [0,5), K2 [3,8), Q [20,30)     |
/// | B           | x     | 40  | 2020-06-01 | K1 [0,5), K1 [10,15) (coder "c2") |
/// | C           | y     | 50  | 2021-03-03 | K2 [0,4), Q [2,6)                 |
/// | D           | y     | 35  | 2021-03-20 | P [0,3)                           |
fn small(dir: &Path) -> Store {
    let path = dir.join("small.weft");
    let mut store = Store::create(&path).unwrap();
    let docs = ["A", "B", "C", "D"]
        .iter()
        .map(|n| {
            parse_transcript(
                Path::new(&format!("{n}.txt")),
                b"Q: hello there\nA: some text here that is long\n",
                None,
            )
            .unwrap()
        })
        .collect();
    store
        .change("Import", |r| ops::import_documents(r, docs))
        .unwrap();
    let sheet = parse_participants(
        Path::new("p.csv"),
        "id,Group,Age,Date\nA,x,30,2020-01-15\nB,x,40,2020-06-01\nC,y,50,2021-03-03\nD,y,35,2021-03-20\n",
        &HashMap::new(),
    )
    .unwrap();
    store
        .change("Sheet", |r| {
            ops::import_participants(r, &sheet, &Default::default())
        })
        .unwrap();
    for (doc, code, start, end, coder) in [
        ("A", "P/K1", 0, 5, "c1"),
        ("A", "P/K2", 3, 8, "c1"),
        ("A", "Q", 20, 30, "c1"),
        ("B", "P/K1", 0, 5, "c2"),
        ("B", "P/K1", 10, 15, "c2"),
        ("C", "P/K2", 0, 4, "c1"),
        ("C", "Q", 2, 6, "c1"),
        ("D", "P", 0, 3, "c1"),
    ] {
        store
            .change("Code", |r| {
                let d = r.document_by_name(doc)?.unwrap().id;
                ops::code_path_ranges(r, &[(d, CharRange::new(start, end))], code, coder, "")
                    .map(|e| e.0)
            })
            .unwrap();
    }
    store
}

fn attr(snap: &ProjectSnapshot, name: &str) -> weft::model::AttributeId {
    snap.attributes.iter().find(|a| a.name == name).unwrap().id
}

fn spec(columns: Columns, rollup: bool) -> MatrixSpec {
    MatrixSpec {
        depth: None,
        rollup,
        columns,
        filters: Filters::default(),
    }
}

/// The matrix as rows of numbers, one per column then the total, by code path.
fn table(m: &Matrix, measure: Measure) -> HashMap<String, Vec<f64>> {
    m.rows
        .iter()
        .enumerate()
        .map(|(r, (_, path))| {
            let mut v: Vec<f64> = m.cells[r]
                .iter()
                .enumerate()
                .map(|(c, cell)| m.value(cell, Some(c), measure))
                .collect();
            v.push(m.value(&m.row_totals[r], None, measure));
            (path.clone(), v)
        })
        .collect()
}

#[test]
fn code_by_attribute_every_measure_with_and_without_rollup() {
    let dir = tempfile::tempdir().unwrap();
    let store = small(dir.path());
    let snap = store.read().snapshot().unwrap();
    let group = Columns::Attribute(attr(&snap, "Group"), Grouping::Values);
    let m = compute(&snap, &spec(group.clone(), false), &HashMap::new()).unwrap();
    assert_eq!(
        m.columns
            .iter()
            .map(|c| (c.label.as_str(), c.participants))
            .collect::<Vec<_>>(),
        [("x", 2), ("y", 2)]
    );
    let seg = table(&m, Measure::Segments);
    assert_eq!(seg["P"], [0.0, 1.0, 1.0]);
    assert_eq!(seg["P/K1"], [3.0, 0.0, 3.0]);
    assert_eq!(seg["P/K2"], [1.0, 1.0, 2.0]);
    assert_eq!(seg["Q"], [1.0, 1.0, 2.0]);
    let people = table(&m, Measure::Participants);
    assert_eq!(people["P/K1"], [2.0, 0.0, 2.0]);
    assert_eq!(people["P/K2"], [1.0, 1.0, 2.0]);
    let pct = table(&m, Measure::Percent);
    assert_eq!(pct["P/K1"], [100.0, 0.0, 50.0]);
    assert_eq!(pct["P/K2"], [50.0, 50.0, 50.0]);
    let chars = table(&m, Measure::Chars);
    assert_eq!(chars["P/K1"], [15.0, 0.0, 15.0]);
    assert_eq!(chars["P/K2"], [5.0, 4.0, 9.0]);
    // Column totals count each segment once: x holds A's three and B's two.
    assert_eq!(
        m.value(&m.column_totals[0], Some(0), Measure::Segments),
        5.0
    );
    assert_eq!(m.value(&m.total, None, Measure::Segments), 8.0);

    let m = compute(&snap, &spec(group, true), &HashMap::new()).unwrap();
    assert!(m.rollup);
    assert_eq!(table(&m, Measure::Segments)["P"], [4.0, 2.0, 6.0]);
    assert_eq!(table(&m, Measure::Participants)["P"], [2.0, 2.0, 4.0]);
    assert_eq!(table(&m, Measure::Percent)["P"], [100.0, 100.0, 100.0]);
    // A's K1 [0,5) and K2 [3,8) overlap: 8 characters, not 10.
    assert_eq!(table(&m, Measure::Chars)["P"], [18.0, 7.0, 25.0]);
    // Quotes are the same cells: the number of quotes is the number of segments.
    assert_eq!(table(&m, Measure::Quotes)["P"], [4.0, 2.0, 6.0]);
}

#[test]
fn bins_dates_participants_documents_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let store = small(dir.path());
    let snap = store.read().snapshot().unwrap();
    let bins = Grouping::Bins(parse_bins("26-35,36-45,46-60").unwrap());
    let m = compute(
        &snap,
        &spec(Columns::Attribute(attr(&snap, "Age"), bins), false),
        &HashMap::new(),
    )
    .unwrap();
    assert_eq!(
        m.columns
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>(),
        ["26–35", "36–45", "46–60"]
    );
    assert_eq!(
        m.columns.iter().map(|c| c.participants).collect::<Vec<_>>(),
        [2, 1, 1]
    );
    assert_eq!(table(&m, Measure::Segments)["P/K1"], [1.0, 2.0, 0.0, 3.0]);
    assert_eq!(
        table(&m, Measure::Percent)["P/K1"],
        [50.0, 100.0, 0.0, 50.0]
    );

    let m = compute(
        &snap,
        &spec(
            Columns::Attribute(attr(&snap, "Date"), Grouping::Year),
            false,
        ),
        &HashMap::new(),
    )
    .unwrap();
    assert_eq!(
        m.columns
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>(),
        ["2020", "2021"]
    );
    assert_eq!(table(&m, Measure::Segments)["Q"], [1.0, 1.0, 2.0]);
    let m = compute(
        &snap,
        &spec(
            Columns::Attribute(attr(&snap, "Date"), Grouping::Month),
            false,
        ),
        &HashMap::new(),
    )
    .unwrap();
    assert_eq!(
        m.columns
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>(),
        ["2020-01", "2020-06", "2021-03"]
    );

    let m = compute(&snap, &spec(Columns::Participants, false), &HashMap::new()).unwrap();
    assert_eq!(
        table(&m, Measure::Segments)["P/K1"],
        [1.0, 2.0, 0.0, 0.0, 3.0]
    );
    let m = compute(&snap, &spec(Columns::Documents, true), &HashMap::new()).unwrap();
    assert_eq!(table(&m, Measure::Segments)["P"], [2.0, 2.0, 1.0, 1.0, 6.0]);

    // Filters: a numeric range, a set, documents and coders.
    let age = attr(&snap, "Age");
    let mut s = spec(
        Columns::Attribute(attr(&snap, "Group"), Grouping::Values),
        false,
    );
    s.filters.attributes = vec![(age, Condition::Range(None, Some("35".into())))];
    let m = compute(&snap, &s, &HashMap::new()).unwrap();
    assert_eq!(m.scope_participants, 2, "A (30) and D (35)");
    assert_eq!(table(&m, Measure::Segments)["P/K1"], [1.0, 0.0, 1.0]);
    assert_eq!(table(&m, Measure::Percent)["P/K1"], [100.0, 0.0, 50.0]);
    s.filters.attributes = vec![(attr(&snap, "Group"), Condition::In(vec!["y".into()]))];
    let m = compute(&snap, &s, &HashMap::new()).unwrap();
    assert_eq!(m.columns.len(), 1);
    assert_eq!(table(&m, Measure::Segments)["Q"], [1.0, 1.0]);
    s.filters.attributes.clear();
    let c2 = snap.coders.iter().find(|c| c.name == "c2").unwrap().id;
    s.filters.coders = Some(HashSet::from([c2]));
    let m = compute(&snap, &s, &HashMap::new()).unwrap();
    assert_eq!(
        m.value(&m.total, None, Measure::Segments),
        2.0,
        "only B's two, by c2"
    );
    s.filters.coders = None;
    let d = snap.documents.iter().find(|d| d.name == "C").unwrap().id;
    s.filters.documents = Some(HashSet::from([d]));
    let m = compute(&snap, &s, &HashMap::new()).unwrap();
    assert_eq!(m.value(&m.total, None, Measure::Segments), 2.0);
}

#[test]
fn co_occurrence_by_overlap_turn_and_document() {
    let dir = tempfile::tempdir().unwrap();
    let store = small(dir.path());
    let snap = store.read().snapshot().unwrap();
    let turns = store.read().all_turns().unwrap();
    let get = |m: &Matrix, a: &str, b: &str| {
        let r = m.rows.iter().position(|x| x.1 == a).unwrap();
        let c = m.columns.iter().position(|x| x.label == b).unwrap();
        m.cells[r][c].segments.len()
    };
    let m = compute(
        &snap,
        &spec(Columns::Codes(CoOccurrence::Overlap), false),
        &turns,
    )
    .unwrap();
    assert_eq!(
        (get(&m, "P/K1", "P/K2"), get(&m, "P/K2", "P/K1")),
        (1, 1),
        "A: K1 [0,5) and K2 [3,8)"
    );
    assert_eq!(
        (get(&m, "P/K2", "Q"), get(&m, "Q", "P/K2")),
        (1, 1),
        "C: K2 [0,4) and Q [2,6)"
    );
    assert_eq!(get(&m, "P/K1", "P/K1"), 0, "B's two K1 do not overlap");
    assert_eq!(get(&m, "P/K1", "Q"), 0);
    let m = compute(
        &snap,
        &spec(Columns::Codes(CoOccurrence::Document), false),
        &turns,
    )
    .unwrap();
    assert_eq!(get(&m, "P/K1", "P/K1"), 2, "B's two K1 share a document");
    assert_eq!(get(&m, "P/K2", "Q"), 2, "A and C");
    assert_eq!(get(&m, "P/K1", "Q"), 1);
    // By turn: A's Q [20,30) is in the second turn, away from K1 and K2.
    let m = compute(
        &snap,
        &spec(Columns::Codes(CoOccurrence::Turn), false),
        &turns,
    )
    .unwrap();
    assert_eq!(get(&m, "P/K1", "Q"), 0);
    assert_eq!(get(&m, "P/K2", "Q"), 1, "only C's");
}

#[test]
fn rows_sum_to_their_total_when_every_participant_has_one_value() {
    for seed in 1..=6u64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.weft");
        let mut store = Store::create(&path).unwrap();
        let mut rng = Lcg(seed);
        let n = 5 + rng.below(10);
        let docs = (0..n)
            .map(|i| {
                parse_transcript(
                    Path::new(&format!("D{i}.txt")),
                    "I: a b c d e f g h i j\nR: k l m n o p q r s t\n".as_bytes(),
                    None,
                )
                .unwrap()
            })
            .collect();
        store
            .change("Import", |r| ops::import_documents(r, docs))
            .unwrap();
        let mut sheet = String::from("id,Site\n");
        for i in 0..n {
            sheet.push_str(&format!("D{i},S{}\n", rng.below(3)));
        }
        let sheet = parse_participants(Path::new("p.csv"), &sheet, &HashMap::new()).unwrap();
        store
            .change("Sheet", |r| {
                ops::import_participants(r, &sheet, &Default::default())
            })
            .unwrap();
        let codes = ["A", "A/B", "A/C", "D", "D/E/F"];
        for _ in 0..60 {
            let d = format!("D{}", rng.below(n));
            let code = codes[rng.below(codes.len())];
            let start = rng.below(30);
            let len = 1 + rng.below(10);
            store
                .change("Code", |r| {
                    let id = r.document_by_name(&d)?.unwrap().id;
                    ops::code_path_ranges(
                        r,
                        &[(id, CharRange::new(start, start + len))],
                        code,
                        "c",
                        "",
                    )
                    .map(|e| e.0)
                })
                .unwrap();
        }
        let snap = store.read().snapshot().unwrap();
        for rollup in [false, true] {
            let with_cols = compute(
                &snap,
                &spec(
                    Columns::Attribute(attr(&snap, "Site"), Grouping::Values),
                    rollup,
                ),
                &HashMap::new(),
            )
            .unwrap();
            for measure in [Measure::Segments, Measure::Participants] {
                for (r, (code, path)) in with_cols.rows.iter().enumerate() {
                    let sum: f64 = with_cols.cells[r]
                        .iter()
                        .enumerate()
                        .map(|(c, cell)| with_cols.value(cell, Some(c), measure))
                        .sum();
                    let total = with_cols.value(&with_cols.row_totals[r], None, measure);
                    assert_eq!(sum, total, "seed {seed} {path} {measure:?} rollup {rollup}");
                    // The total equals the count with no columns at all.
                    let mut ids = vec![*code];
                    if rollup {
                        ids.extend(snap.codes.descendants(*code));
                    }
                    let segs: Vec<_> = snap
                        .segments
                        .iter()
                        .filter(|s| ids.contains(&s.code))
                        .collect();
                    let direct = match measure {
                        Measure::Segments => segs.len(),
                        _ => segs
                            .iter()
                            .map(|s| snap.document(s.document).unwrap().participant)
                            .collect::<HashSet<_>>()
                            .len(),
                    };
                    assert_eq!(total, direct as f64, "seed {seed} {path} {measure:?}");
                }
            }
        }
    }
}

#[test]
fn matrix_exports_through_the_binary() {
    let s = Sandbox::new();
    s.ok(&["demo", "demo.weft"]);
    let csv = s.ok(&[
        "matrix",
        "demo.weft",
        "--cols",
        "Phase",
        "--rows",
        "codes:1",
        "--rollup",
        "--measure",
        "participants",
    ]);
    let rows = csv_rows(&csv);
    assert_eq!(rows[0], ["code (with children)", "post", "pre", "total"]);
    assert_eq!(rows.len(), 5, "three top-level codes and the total row");
    // The segments in a cell are the quotes in it: counts and quotes agree.
    let counts = csv_rows(&s.ok(&[
        "matrix",
        "demo.weft",
        "--cols",
        "Phase",
        "--rows",
        "codes:1",
        "--rollup",
    ]));
    let quotes = csv_rows(&s.ok(&[
        "matrix",
        "demo.weft",
        "--cols",
        "Phase",
        "--rows",
        "codes:1",
        "--rollup",
        "--measure",
        "quotes",
    ]));
    for (c, q) in counts[1..].iter().zip(&quotes[1..]) {
        for col in 1..3 {
            let n: usize = c[col].parse().unwrap();
            let shown = if q[col].is_empty() {
                0
            } else {
                q[col].split("\n\n[").count()
            };
            assert_eq!(n, shown, "{} / {}", c[0], counts[0][col]);
        }
    }
    // --excel adds the BOM; xlsx needs --out and writes a zip.
    let out = s.run(&["matrix", "demo.weft", "--cols", "Ethnicity", "--excel"]);
    assert!(out.stdout.starts_with("\u{feff}code".as_bytes()));
    let err = s.fails(&["matrix", "demo.weft", "--cols", "Phase", "--format", "xlsx"]);
    assert!(err.contains("needs --out"), "{err}");
    s.ok(&[
        "matrix",
        "demo.weft",
        "--cols",
        "Phase",
        "--format",
        "xlsx",
        "--out",
        "m.xlsx",
        "--measure",
        "quotes",
    ]);
    let bytes = std::fs::read(s.path("m.xlsx")).unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx is a zip");
    let json: serde_json::Value = serde_json::from_str(&s.ok(&[
        "matrix",
        "demo.weft",
        "--cols",
        "codes",
        "--cooccur",
        "turn",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["measure"], "segments");
    assert_eq!(
        json["rows"].as_array().unwrap().len(),
        json["columns"].as_array().unwrap().len()
    );
    let err = s.fails(&["matrix", "demo.weft", "--cols", "Nope"]);
    assert!(err.contains("Ethnicity"), "lists the attributes: {err}");
    let err = s.fails(&["matrix", "demo.weft", "--cols", "Phase", "--bins", "1-2"]);
    assert!(err.contains("number attribute"), "{err}");
    // Framework matrix with a summary, which survives in the export and undoes.
    s.ok(&[
        "summary",
        "demo.weft",
        "--participant",
        "P07",
        "--code",
        "Types of support/Concrete",
        "--set",
        "Goods and moving help",
    ]);
    let fw = csv_rows(&s.ok(&["framework", "demo.weft"]));
    let col = fw[0]
        .iter()
        .position(|h| h == "Types of support/Concrete")
        .unwrap();
    let p07 = fw.iter().find(|r| r[0] == "P07").unwrap();
    assert!(
        p07[col].contains("crib and a dresser")
            && p07[col].ends_with("Summary: Goods and moving help"),
        "{}",
        p07[col]
    );
    s.ok(&["undo", "demo.weft"]);
    assert_eq!(
        s.ok(&[
            "summary",
            "demo.weft",
            "--participant",
            "P07",
            "--code",
            "Types of support/Concrete"
        ]),
        "\n"
    );
}

/// The command line counts from a lighter snapshot (no segment GUIDs,
/// timestamps or memos); it must give the same matrices as the full one.
#[test]
fn the_counting_snapshot_gives_the_same_matrices_as_the_full_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.weft");
    weft::demo::write_demo(&path).unwrap();
    let store = Store::open(&path).unwrap();
    let full = store.read().snapshot().unwrap();
    let light = store.read().snapshot_for_counting().unwrap();
    assert_eq!(full.segments.len(), light.segments.len());
    for (a, b) in full.segments.iter().zip(&light.segments) {
        assert_eq!(
            (a.id, a.document, a.code, a.range, a.coder),
            (b.id, b.document, b.code, b.range, b.coder)
        );
    }
    assert_eq!(full.code_stats, light.code_stats);
    assert_eq!(full.coded_chars, light.coded_chars);
    for rollup in [false, true] {
        let s = spec(
            Columns::Attribute(attr(&full, "Phase"), Grouping::Values),
            rollup,
        );
        let a = compute(&full, &s, &HashMap::new()).unwrap();
        let b = compute(&light, &s, &HashMap::new()).unwrap();
        for m in [
            Measure::Segments,
            Measure::Participants,
            Measure::Percent,
            Measure::Chars,
        ] {
            assert_eq!(table(&a, m), table(&b, m));
        }
    }
}
