//! Matrices on a generated project: 500 participants, 60 codes in three
//! levels, 100,000 segments. Times code × attribute (target < 50 ms) beside the
//! equivalent single SQL `GROUP BY` on the same project file (the ratio is the
//! figure to watch: no slower than the database's own count), and code
//! co-occurrence by overlap (target < 500 ms).

use std::collections::HashMap;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use weft::analysis::matrix::{CoOccurrence, Columns, Filters, Grouping, MatrixSpec, compute};
use weft::edit::{Edit, ops};
use weft::model::{CharRange, Code, CodeId, Segment, SegmentId};
use weft::store::Store;

fn project(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("matrix.weft");
    let mut store = Store::create(&path).unwrap();
    let body: String = (0..40).map(|i| format!("Interviewer: Question {i}?\nP: An answer that runs on for a while about the mentor and the court.\n")).collect();
    let docs = (0..500)
        .map(|i| {
            weft::import::parse_transcript(
                std::path::Path::new(&format!("P{i:03}.txt")),
                body.as_bytes(),
                None,
            )
            .unwrap()
        })
        .collect();
    store
        .change("Import", |r| ops::import_documents(r, docs))
        .unwrap();
    let mut sheet = String::from("id,Group,Age\n");
    for i in 0..500 {
        sheet.push_str(&format!("P{i:03},G{},{}\n", i % 4, 20 + i % 45));
    }
    let sheet =
        weft::import::parse_participants(std::path::Path::new("p.csv"), &sheet, &HashMap::new())
            .unwrap();
    store
        .change("Sheet", |r| {
            ops::import_participants(r, &sheet, &Default::default())
        })
        .unwrap();
    store
        .change("Codes and segments", |r| {
            // 60 codes: 4 top, each with 3 children, each with 4 grandchildren (4 + 12 + 48 = 64, trimmed to 60).
            let mut codes = Vec::new();
            let mut next = 1i64;
            let mut add = |parent: Option<CodeId>, name: String, codes: &mut Vec<Code>| {
                let id = CodeId(next);
                next += 1;
                codes.push(Code {
                    id,
                    guid: weft::model::new_guid(),
                    parent,
                    name,
                    color: "#336699".into(),
                    description: String::new(),
                    position: id.0,
                    memo: String::new(),
                    short_definition: String::new(),
                    when_to_use: String::new(),
                    when_not_to_use: String::new(),
                });
                id
            };
            'outer: for a in 0..4 {
                let top = add(None, format!("T{a}"), &mut codes);
                for b in 0..3 {
                    let mid = add(Some(top), format!("M{b}"), &mut codes);
                    for c in 0..4 {
                        if codes.len() >= 60 {
                            break 'outer;
                        }
                        add(Some(mid), format!("L{c}"), &mut codes);
                    }
                }
            }
            let (make_coder, coder) = ops::ensure_coder(r, "bench")?;
            let docs = r.documents()?;
            let mut seed = 11u64;
            let mut segments = Vec::with_capacity(100_000);
            let mut seen = std::collections::HashSet::new();
            while segments.len() < 100_000 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let d = &docs[(seed >> 33) as usize % docs.len()];
                let start = (seed >> 20) as usize % (d.char_len - 200);
                let code = codes[(seed >> 40) as usize % codes.len()].id;
                if !seen.insert((d.id, code, start)) {
                    continue;
                }
                segments.push(Segment {
                    id: SegmentId(segments.len() as i64 + 1),
                    guid: weft::model::new_guid(),
                    document: d.id,
                    code,
                    range: CharRange::new(start, start + 20 + (seed >> 50) as usize % 150),
                    coder,
                    created_at: "2026-01-01T00:00:00Z".into(),
                    memo: String::new(),
                    exemplar: false,
                });
            }
            Ok(Edit::Batch(vec![
                Edit::InsertCodes(codes),
                make_coder,
                Edit::InsertSegments(segments),
            ]))
        })
        .unwrap();
    path
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = project(dir.path());
    let store = Store::open(&path).unwrap();
    let snap = store.read().snapshot().unwrap();
    let group = snap
        .attributes
        .iter()
        .find(|a| a.name == "Group")
        .unwrap()
        .id;
    eprintln!(
        "project: {} participants, {} codes, {} segments",
        snap.participants.len(),
        snap.codes.codes().len(),
        snap.segments.len()
    );
    let by_attribute = MatrixSpec {
        depth: None,
        rollup: false,
        columns: Columns::Attribute(group, Grouping::Values),
        filters: Filters::default(),
    };
    let cooccurrence = MatrixSpec {
        depth: None,
        rollup: false,
        columns: Columns::Codes(CoOccurrence::Overlap),
        filters: Filters::default(),
    };
    let none = HashMap::new();

    let mut g = c.benchmark_group("matrix");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.bench_function("code x attribute (snapshot loaded)", |b| {
        b.iter(|| compute(&snap, &by_attribute, &none).unwrap())
    });
    g.bench_function("code x attribute (load snapshot + compute)", |b| {
        b.iter(|| compute(&store.read().snapshot().unwrap(), &by_attribute, &none).unwrap())
    });
    let conn = rusqlite::Connection::open(&path).unwrap();
    let sql = "SELECT s.code_id, v.value, count(*), count(DISTINCT d.participant_id)
               FROM segment s JOIN document d ON d.id = s.document_id
               JOIN attribute_value v ON v.participant_id = d.participant_id AND v.attribute_id = ?1
               GROUP BY s.code_id, v.value";
    g.bench_function("the same counts as one SQL GROUP BY", |b| {
        b.iter(|| {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            let rows: Vec<(i64, String, i64, i64)> = stmt
                .query_map([group.0], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            rows
        })
    });
    g.bench_function("code co-occurrence (overlap)", |b| {
        b.iter(|| compute(&snap, &cooccurrence, &none).unwrap())
    });
    g.finish();

    // The ratio, from medians of simple repeated timings (criterion prints the rest).
    let median = |f: &mut dyn FnMut()| {
        let mut t: Vec<f64> = (0..15)
            .map(|_| {
                let s = std::time::Instant::now();
                f();
                s.elapsed().as_secs_f64()
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    let ours = median(&mut || {
        compute(&snap, &by_attribute, &none).unwrap();
    });
    let sql_time = median(&mut || {
        let mut stmt = conn.prepare_cached(sql).unwrap();
        let n = stmt
            .query_map([group.0], |r| r.get::<_, i64>(2))
            .unwrap()
            .count();
        std::hint::black_box(n);
    });
    eprintln!(
        "code x attribute: {:.1} ms; SQL GROUP BY: {:.1} ms; ratio {:.2} (below 1 is faster than the database)",
        ours * 1e3,
        sql_time * 1e3,
        ours / sql_time
    );
}

criterion_group!(matrix, benches);
criterion_main!(matrix);
