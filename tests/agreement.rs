//! Agreement figures against the reference statistics libraries.
//!
//! `tests/data/agreement/fixtures.json` was written by `generate.py` beside
//! it, with scikit-learn, statsmodels, krippendorff and
//! krippendorff-unitized-alpha (versions in the file). Each case is built as a
//! real project (SQLite file, documents imported, segments coded through the
//! store), read back, and every figure of every row at every granularity must
//! equal the reference to 1e-9; undefined must be undefined.

mod common;

use std::collections::HashMap;

use serde_json::Value;
use weft::analysis::agreement::{self, AgreementUnit, Include, Report, Row, Scope};
use weft::edit::ops;
use weft::export::agreement::{code_label, coders_label, document_label};
use weft::import::ParsedDocument;
use weft::model::{CharRange, ProjectSnapshot};
use weft::store::Store;

const FIXTURES: &str = include_str!("data/agreement/fixtures.json");

fn unit(s: &str) -> AgreementUnit {
    match s {
        "character" => AgreementUnit::Character,
        "sentence" => AgreementUnit::Sentence,
        "paragraph" => AgreementUnit::Paragraph,
        _ => AgreementUnit::Document,
    }
}

fn include(s: &str) -> Include {
    match s {
        "exact" => Include::Exact,
        "children" => Include::Children,
        _ => Include::Descendants,
    }
}

/// Builds the case as a project file and returns its store.
fn build(dir: &std::path::Path, case: &Value) -> Store {
    let path = dir.join(format!(
        "{}.weft",
        case["name"]
            .as_str()
            .unwrap()
            .replace([' ', ',', ':', '\''], "_")
    ));
    let mut store = Store::create(&path).unwrap();
    let docs: Vec<ParsedDocument> = case["docs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, text)| ParsedDocument {
            name: name.clone(),
            participant: name.clone(),
            source_file: format!("{name}.txt").into(),
            encoding: "utf-8".into(),
            text: text.as_str().unwrap().to_string(),
            turns: vec![],
            cue_times: vec![],
            notices: vec![],
        })
        .collect();
    store
        .change("import", |r| ops::import_documents(r, docs))
        .unwrap();
    for code in case["codes"].as_array().unwrap() {
        store
            .change("code", |r| {
                Ok(ops::ensure_code_path(r, code.as_str().unwrap())?.0)
            })
            .unwrap();
    }
    for coder in case["coders"].as_array().unwrap() {
        store
            .change("coder", |r| {
                Ok(ops::ensure_coder(r, coder.as_str().unwrap())?.0)
            })
            .unwrap();
    }
    // One change per (code, coder): every range of it at once.
    let mut groups: HashMap<(String, String), Vec<(String, CharRange)>> = HashMap::new();
    for s in case["segments"].as_array().unwrap() {
        groups
            .entry((
                s["code"].as_str().unwrap().into(),
                s["coder"].as_str().unwrap().into(),
            ))
            .or_default()
            .push((
                s["doc"].as_str().unwrap().into(),
                CharRange::new(
                    s["start"].as_u64().unwrap() as usize,
                    s["end"].as_u64().unwrap() as usize,
                ),
            ));
    }
    let mut keys: Vec<_> = groups.keys().cloned().collect();
    keys.sort();
    for key in keys {
        let ranges = &groups[&key];
        store
            .change("code", |r| {
                let snap = r.snapshot()?;
                let ranges: Vec<_> = ranges
                    .iter()
                    .map(|(d, range)| (snap.document_named(d).unwrap().id, *range))
                    .collect();
                Ok(ops::code_path_ranges(r, &ranges, &key.0, &key.1, "")?.0)
            })
            .unwrap();
    }
    store
}

fn scope_of(snap: &ProjectSnapshot, case: &Value) -> Scope {
    let options = &case["options"];
    let coders = case["coders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| snap.coder_named(c.as_str().unwrap()).unwrap().id)
        .collect();
    let codes = options["codes"].as_array().map(|a| {
        a.iter()
            .map(|p| snap.codes.find_path(p.as_str().unwrap()).unwrap())
            .collect()
    });
    let documents = options["docs"].as_array().map(|a| {
        a.iter()
            .map(|d| snap.document_named(d.as_str().unwrap()).unwrap().id)
            .collect()
    });
    Scope {
        coders,
        codes,
        documents,
        unit: unit(options["unit"].as_str().unwrap()),
        include: include(options["include"].as_str().unwrap()),
    }
}

fn compute(store: &Store, case: &Value) -> (ProjectSnapshot, Report) {
    let r = store.read();
    let snap = r.snapshot().unwrap();
    let scope = scope_of(&snap, case);
    let units = agreement::units_for(&snap, &scope, |d| r.document_text(d)).unwrap();
    let report = agreement::compute(&snap, &scope, &units).unwrap();
    (snap, report)
}

fn key(snap: &ProjectSnapshot, row: &Row) -> String {
    format!(
        "{} | {} | {}",
        code_label(snap, row),
        document_label(snap, row),
        coders_label(snap, row)
    )
}

fn check_rows(case: &str, granularity: &str, snap: &ProjectSnapshot, ours: &[Row], want: &Value) {
    let want = want.as_array().unwrap();
    let mut by_key: HashMap<String, &Row> = HashMap::new();
    for row in ours {
        assert!(
            by_key.insert(key(snap, row), row).is_none(),
            "{case}: duplicate row {}",
            key(snap, row)
        );
    }
    assert_eq!(
        ours.len(),
        want.len(),
        "{case} {granularity}: {} rows, the reference has {}",
        ours.len(),
        want.len()
    );
    for w in want {
        let k = format!(
            "{} | {} | {}",
            w["code"].as_str().unwrap(),
            w["document"].as_str().unwrap(),
            w["coders"].as_str().unwrap()
        );
        let row = by_key
            .get(&k)
            .unwrap_or_else(|| panic!("{case} {granularity}: no row {k}"));
        if let Some(counts) = w.get("counts") {
            let c = row.counts.unwrap();
            let pairs = [
                ("units", Some(c.units)),
                ("both", Some(c.both)),
                ("only_first", c.only_first),
                ("only_second", c.only_second),
                ("neither", Some(c.neither)),
            ];
            for (name, ours) in pairs {
                if let Some(v) = counts.get(name) {
                    assert_eq!(ours, v.as_u64(), "{case} {granularity} {k}: {name}");
                }
            }
        }
        for (name, ours) in row.figures.named() {
            let reference = w["figures"][name].as_f64();
            match (ours, reference) {
                (Ok(a), Some(b)) => assert!(
                    (a - b).abs() <= 1e-9,
                    "{case} {granularity} {k}: {name} is {a}, the reference gives {b}"
                ),
                (Err(_), None) => {}
                (Ok(a), None) => {
                    panic!(
                        "{case} {granularity} {k}: {name} is {a}, the reference has it undefined"
                    )
                }
                (Err(why), Some(b)) => panic!(
                    "{case} {granularity} {k}: {name} is undefined ({why}), the reference gives {b}"
                ),
            }
        }
    }
}

#[test]
fn every_figure_equals_the_reference_libraries() {
    let fixtures: Value = serde_json::from_str(FIXTURES).unwrap();
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() >= 300, "{} cases", cases.len());
    let dir = tempfile::tempdir().unwrap();
    let mut figures = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let store = build(dir.path(), case);
        let (snap, report) = compute(&store, case);
        let want = &case["expected"];
        check_rows(
            name,
            "by code and document",
            &snap,
            &report.by_code_document,
            &want["by_code_document"],
        );
        check_rows(name, "by code", &snap, &report.by_code, &want["by_code"]);
        check_rows(
            name,
            "by document",
            &snap,
            &report.by_document,
            &want["by_document"],
        );
        check_rows(name, "overall", &snap, &report.overall, &want["overall"]);
        figures += 8
            * (report.by_code_document.len()
                + report.by_code.len()
                + report.by_document.len()
                + report.overall.len());
    }
    eprintln!("checked {figures} figures in {} cases", cases.len());
}

/// The worked examples, by value, so a wrong fixture cannot hide a wrong formula.
#[test]
fn the_published_worked_examples() {
    let fixtures: Value = serde_json::from_str(FIXTURES).unwrap();
    let cases = fixtures["cases"].as_array().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let overall = |name: &str| {
        let case = cases.iter().find(|c| c["name"] == name).unwrap();
        let store = build(dir.path(), case);
        compute(&store, case).1.overall[0].clone()
    };
    let nvivo = overall("NVivo's worked example");
    let f = &nvivo.figures;
    assert!((f.percent_agreement.unwrap() - 0.85).abs() < 1e-12);
    assert!((f.cohen_kappa.unwrap() - 0.318_181_818_181_818).abs() < 1e-12);
    assert!((f.krippendorff_alpha.unwrap() - 0.314_628_571_428_571_5).abs() < 1e-12);
    // QualCoder's formula gives 0.213 here; ours must not.
    assert!((f.cohen_kappa.unwrap() - 0.2131).abs() > 0.05);
    let atlas = overall("ATLAS.ti's ten-unit example");
    let f = &atlas.figures;
    assert!((f.percent_agreement.unwrap() - 0.6).abs() < 1e-12);
    assert!((f.cohen_kappa.unwrap() - 0.090_909_090_909_090_9).abs() < 1e-12);
    assert!((f.krippendorff_alpha.unwrap() - 0.095_238_095_238_095_2).abs() < 1e-12);
    assert!((f.brennan_prediger.unwrap() - 0.2).abs() < 1e-12);
    let u = overall("unitized alpha depends on merged runs");
    assert!((u.figures.unitized_alpha.unwrap() - 0.76869).abs() < 1e-5);
}

/// With every unit of length one, the unitized alpha is the nominal alpha.
#[test]
fn unitized_alpha_equals_alpha_when_every_unit_is_one_character() {
    let mut rng = common::Lcg(7);
    for _ in 0..50 {
        let n = 20 + rng.below(50);
        let runs = |rng: &mut common::Lcg| -> Vec<(usize, usize)> {
            // Isolated single characters: never adjacent, so each is one unit.
            (0..n)
                .step_by(2)
                .filter(|_| rng.below(3) == 0)
                .map(|i| (i, i + 1))
                .collect()
        };
        let (a, b) = (runs(&mut rng), runs(&mut rng));
        let f = agreement::figures_of_runs(n, &[a, b]);
        match (f.krippendorff_alpha, f.unitized_alpha) {
            (Ok(x), Ok(y)) => assert!((x - y).abs() < 1e-12, "{x} vs {y}"),
            (x, y) => assert_eq!(x.is_err(), y.is_err()),
        }
    }
}

/// The NVivo example through the real binary: project file, import, code,
/// then `weft agreement` as CSV, JSON, XLSX and the disagreements.
#[test]
fn the_command_line_reports_the_reference_figures() {
    let s = common::Sandbox::new();
    let text: String = "a quiet kitchen table where we talked ".repeat(30)[..1000].to_string();
    s.write("D1.txt", &text);
    s.ok(&["new", "p.weft"]);
    s.ok(&["import", "p.weft", "D1.txt"]);
    for (coder, start, end) in [("A", 0, 150), ("B", 0, 50), ("B", 150, 200)] {
        s.ok(&[
            "code",
            "p.weft",
            "--doc",
            "D1",
            "--start",
            &start.to_string(),
            "--end",
            &end.to_string(),
            "--code",
            "X",
            "--coder",
            coder,
        ]);
    }
    s.ok(&["codes", "add", "p.weft", "Unused"]);
    let csv = s.ok(&["agreement", "p.weft", "--coders", "A,B", "--by", "code"]);
    let rows = common::csv_rows(&csv);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let x = rows
        .iter()
        .find(|r| r[0] == "X" && r[1] == "(all)")
        .unwrap();
    assert_eq!(x[col("coders")], "A+B");
    assert_eq!(
        (
            &x[col("units")],
            &x[col("both")],
            &x[col("only_first")],
            &x[col("only_second")],
            &x[col("neither")]
        ),
        (
            &"1000".to_string(),
            &"50".to_string(),
            &"100".to_string(),
            &"50".to_string(),
            &"800".to_string()
        )
    );
    let num = |r: &Vec<String>, c: &str| r[col(c)].parse::<f64>().unwrap();
    assert!((num(x, "percent_agreement") - 0.85).abs() < 1e-12);
    assert!((num(x, "cohen_kappa") - 0.318_181_818_181_818).abs() < 1e-12);
    assert!((num(x, "krippendorff_alpha") - 0.314_628_571_428_571_5).abs() < 1e-12);
    // A code nobody used has no variation: kappa is empty, never 0 or 1.
    let unused = rows
        .iter()
        .find(|r| r[0] == "Unused" && r[1] == "(all)")
        .unwrap();
    assert_eq!(unused[col("cohen_kappa")], "");
    assert_eq!(unused[col("percent_agreement")], "1");

    let json = s.ok(&[
        "agreement",
        "p.weft",
        "--coders",
        "a,b",
        "--codes",
        "Unused",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&json).unwrap();
    let row = &v["rows"][0];
    assert!(row["figures"]["cohen_kappa"].is_null());
    assert!(
        row["undefined"]["cohen_kappa"]
            .as_str()
            .unwrap()
            .contains("no variation")
    );
    assert_eq!(v["about"]["unit"], "character");

    s.ok(&[
        "agreement",
        "p.weft",
        "--coders",
        "A,B",
        "--format",
        "xlsx",
        "--out",
        "a.xlsx",
    ]);
    let zip = zip::ZipArchive::new(std::fs::File::open(s.path("a.xlsx")).unwrap()).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    assert!(names.iter().any(|n| n.contains("sheet2")), "{names:?}");

    let list = s.ok(&["agreement", "p.weft", "--coders", "A,B", "--disagreements"]);
    let rows = common::csv_rows(&list);
    assert_eq!(rows[0][4], "A_ranges");
    assert_eq!(rows.len(), 2, "{list}");
    assert_eq!(&rows[1][2..7], ["0", "200", "0-150", "0-50 150-200", "150"]);
    assert_eq!(rows[1][7], text[..200]);

    let err = s.fails(&["agreement", "p.weft", "--coders", "A"]);
    assert!(err.contains("at least two coders"), "{err}");
    let err = s.fails(&["agreement", "p.weft", "--coders", "A,Zed"]);
    assert!(
        err.contains("no coder \"Zed\"") && err.contains("A, B"),
        "{err}"
    );
}
