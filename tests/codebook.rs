//! The structured codebook: every part of a code (short and full definition,
//! when to use, when not, exemplar quotes) through CSV, JSON, `.qdc` and
//! `.qdpx` and back, with the real binary on real files.

mod common;

use common::{Sandbox, csv_rows};

/// The demo as `study.weft`, one code with every part set (lines that look
/// like the layout's labels included) and two of its segments pinned.
fn study(s: &Sandbox) -> Vec<(String, String, String)> {
    s.ok(&["demo", "study.weft"]);
    s.ok(&[
        "codes",
        "describe",
        "study.weft",
        "Types of support/Concrete",
        "--short",
        "Goods, rides, a hand",
        "--description",
        "Material help.\n\nWhen to use: this line belongs to the definition\n\\ and so does this one",
        "--when",
        "Something changes hands,\nor a task is done together.",
        "--when-not",
        "Exemplar: not a quote. Reminders and child care (Instrumental).",
    ]);
    let rows = csv_rows(&s.ok(&[
        "segments",
        "study.weft",
        "--code",
        "Types of support/Concrete",
        "--format",
        "csv",
    ]));
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (doc, start, end) = (col("document"), col("start"), col("end"));
    let picked: Vec<(String, String, String)> = [1, rows.len() - 1]
        .iter()
        .map(|&i| {
            (
                rows[i][doc].clone(),
                rows[i][start].clone(),
                rows[i][end].clone(),
            )
        })
        .collect();
    for (d, a, b) in &picked {
        let out = s.ok(&[
            "pin",
            "study.weft",
            "--doc",
            d,
            "--start",
            a,
            "--end",
            b,
            "--code",
            "Types of support/Concrete",
        ]);
        assert!(out.contains("Pinned 1 segment"), "{out}");
    }
    picked
}

fn json_codebook(s: &Sandbox, project: &str) -> serde_json::Value {
    let out = format!("{project}.codebook.json");
    s.ok(&["codebook", "export", project, &out]);
    serde_json::from_slice(&std::fs::read(s.path(&out)).unwrap()).unwrap()
}

fn concrete(book: &serde_json::Value) -> &serde_json::Value {
    book.as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Types of support")
        .unwrap()["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Concrete")
        .unwrap()
}

#[test]
fn every_part_goes_through_csv_json_qdc_and_qdpx_and_comes_back_equal() {
    let s = Sandbox::new();
    study(&s);
    let before = json_codebook(&s, "study.weft");
    let c = concrete(&before);
    assert_eq!(c["short_definition"], "Goods, rides, a hand");
    assert_eq!(c["exemplars"].as_array().unwrap().len(), 2, "{c}");
    assert!(c["when_to_use"].as_str().unwrap().contains('\n'));

    for ext in ["csv", "json", "qdc"] {
        let file = format!("book.{ext}");
        s.ok(&["codebook", "export", "study.weft", &file]);
        // A fresh demo: the same segments, none pinned, the sample parts.
        let target = format!("fresh_{ext}.weft");
        s.ok(&["demo", &target]);
        assert_ne!(
            json_codebook(&s, &target),
            before,
            "{ext}: nothing to restore"
        );
        s.ok(&["codebook", "import", &target, &file]);
        assert_eq!(json_codebook(&s, &target), before, "through .{ext}");
    }

    s.ok(&["export-qdpx", "study.weft", "study.qdpx"]);
    s.ok(&["import-qdpx", "study.qdpx", "back.weft"]);
    assert_eq!(json_codebook(&s, "back.weft"), before, "through .qdpx");
}

#[test]
fn the_csv_codebook_has_a_column_per_part_and_exemplar() {
    let s = Sandbox::new();
    study(&s);
    s.ok(&["codebook", "export", "study.weft", "book.csv"]);
    let rows = csv_rows(&std::fs::read_to_string(s.path("book.csv")).unwrap());
    assert_eq!(
        rows[0],
        [
            "path",
            "description",
            "color",
            "short_definition",
            "when_to_use",
            "when_not_to_use",
            "exemplar 1",
            "exemplar 2"
        ]
    );
    let row = rows
        .iter()
        .find(|r| r[0] == "Types of support/Concrete")
        .unwrap();
    assert_eq!(row[3], "Goods, rides, a hand");
    assert!(!row[6].is_empty() && !row[7].is_empty());
    // The exemplar is the segment's exact text.
    let show = s.ok(&[
        "segments",
        "study.weft",
        "--code",
        "Types of support/Concrete",
        "--format",
        "csv",
    ]);
    assert!(
        csv_rows(&show).iter().any(|r| r.contains(&row[6])),
        "{}",
        row[6]
    );
}

#[test]
fn unpinning_removes_the_exemplar_and_undo_brings_it_back() {
    let s = Sandbox::new();
    let picked = study(&s);
    let (d, a, b) = &picked[0];
    s.ok(&[
        "pin",
        "study.weft",
        "--doc",
        d,
        "--start",
        a,
        "--end",
        b,
        "--code",
        "Types of support/Concrete",
        "--unpin",
    ]);
    let n = |s: &Sandbox| {
        concrete(&json_codebook(s, "study.weft"))["exemplars"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(n(&s), 1);
    s.ok(&["undo", "study.weft"]);
    assert_eq!(n(&s), 2);
    let err = s.fails(&[
        "pin",
        "study.weft",
        "--doc",
        d,
        "--start",
        "0",
        "--end",
        "1",
        "--code",
        "Types of support/Concrete",
    ]);
    assert!(err.contains("no segment 0..1"), "{err}");
}

#[test]
fn the_sample_codebooks_fill_every_text_part() {
    for file in ["peer_support.csv", "thematic_analysis_starter.csv"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample_codebooks")
            .join(file);
        let entries = weft::import::read_codebook(&path).unwrap();
        assert!(entries.len() >= 10);
        for e in entries {
            for (part, what) in [
                (&e.description, "description"),
                (&e.short_definition, "short_definition"),
                (&e.when_to_use, "when_to_use"),
                (&e.when_not_to_use, "when_not_to_use"),
            ] {
                assert!(part.is_some(), "{file}: {} has no {what}", e.path.join("/"));
            }
        }
    }
}
