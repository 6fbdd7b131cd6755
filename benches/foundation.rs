//! Import rate and segment export on a large generated corpus.
//!
//! - Import: 500 transcripts of about 12,000 words each, with speaker turns, into a
//!   new project, through the same library path as `weft import`. Target: 30 MB/s.
//! - Export: 100,000 segments as CSV, as `weft segments` writes them. Target: < 1 s.
//!
//! - Autocode by sentence on one long unpunctuated line (1 MB and 4 MB), the
//!   case that was quadratic: the bench prints the ratio of the two medians,
//!   which is about 4 when the work is linear (16 when quadratic).
//!
//! Run with `cargo bench --bench foundation`; criterion prints the times and the
//! import throughput.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use weft::edit::{Edit, ops};
use weft::export::segments::{SegmentFilter, segment_table, write_csv};
use weft::model::{CharRange, Segment, SegmentId};
use weft::store::Store;

const DOCUMENTS: usize = 500;
const WORDS_PER_DOCUMENT: usize = 12_000;
const SEGMENTS: usize = 100_000;

mod corpus;
use corpus::WORDS;

/// Writes the corpus; returns the file paths and the total size in bytes.
fn write_corpus(dir: &Path) -> (Vec<PathBuf>, u64) {
    let mut seed = 42u64;
    let mut next = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (seed >> 33) as usize
    };
    let mut files = Vec::new();
    let mut total = 0;
    for d in 0..DOCUMENTS {
        let mut text = String::with_capacity(WORDS_PER_DOCUMENT * 7);
        let mut words = 0;
        let mut turn = 0;
        while words < WORDS_PER_DOCUMENT {
            let speaker = if turn % 2 == 0 {
                "Interviewer".to_string()
            } else {
                format!("P{d:03}")
            };
            text.push_str(&speaker);
            text.push(':');
            let len = 10 + next() % 80;
            for i in 0..len {
                text.push(' ');
                text.push_str(WORDS[next() % WORDS.len()]);
                if i % 12 == 11 {
                    text.push('.');
                }
            }
            text.push_str(".\n");
            words += len;
            turn += 1;
        }
        let path = dir.join(format!("P{d:03}.txt"));
        total += text.len() as u64;
        std::fs::write(&path, text).unwrap();
        files.push(path);
    }
    (files, total)
}

/// What `weft import` does: parse every file, then one change.
fn import(project: &Path, files: &[PathBuf]) {
    let mut store = Store::create(project).unwrap();
    let docs: Vec<_> = files
        .iter()
        .map(|f| weft::import::read_transcript(f, None).unwrap())
        .collect();
    store
        .change("Import", |r| ops::import_documents(r, docs))
        .unwrap();
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (files, bytes) = write_corpus(dir.path());
    eprintln!(
        "corpus: {DOCUMENTS} transcripts, {:.1} MB, about {WORDS_PER_DOCUMENT} words each",
        bytes as f64 / 1e6
    );

    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Bytes(bytes));
    let mut round = 0;
    group.bench_function("500 transcripts into a new project", |b| {
        b.iter(|| {
            round += 1;
            let p = dir.path().join(format!("import{round}.weft"));
            import(&p, &files);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
            }
        })
    });
    group.finish();

    // A project with the corpus and 100,000 segments, for the export.
    let project = dir.path().join("segments.weft");
    import(&project, &files);
    let mut store = Store::open(&project).unwrap();
    store
        .change("Code", |r| {
            let docs = r.documents()?;
            let (make_code, code) = ops::ensure_code_path(r, "Bench/Code")?;
            let (make_coder, coder) = ops::ensure_coder(r, "bench")?;
            let per_doc = SEGMENTS / docs.len();
            let mut segments = Vec::with_capacity(SEGMENTS);
            for d in &docs {
                let step = d.char_len / per_doc;
                for i in 0..per_doc {
                    segments.push(Segment {
                        id: SegmentId(segments.len() as i64 + 1),
                        guid: weft::model::new_guid(),
                        document: d.id,
                        code,
                        range: CharRange::new(i * step, i * step + step.min(120)),
                        coder,
                        created_at: "2026-01-01T00:00:00Z".into(),
                        memo: String::new(),
                        exemplar: false,
                    });
                }
            }
            Ok(Edit::Batch(vec![
                make_code,
                make_coder,
                Edit::InsertSegments(segments),
            ]))
        })
        .unwrap();
    assert_eq!(store.read().counts().unwrap().segments, SEGMENTS);

    let mut group = c.benchmark_group("segments");
    group.sample_size(10);
    group.bench_function("100k segments as CSV", |b| {
        b.iter(|| {
            let table = segment_table(&store.read(), &SegmentFilter::default()).unwrap();
            let mut out = Vec::with_capacity(32 << 20);
            write_csv(&table, &mut out).unwrap();
            assert_eq!(table.rows.len(), SEGMENTS);
            out.len()
        })
    });
    group.finish();
}

/// Autocode by sentence over one unpunctuated line of about `bytes` bytes.
fn autocode_sentences(bytes: usize) -> usize {
    let line = "and so we went to the park and then we talked about the mentor ";
    let text = format!("P1: {}", line.repeat(bytes / line.len()));
    let re = weft::analysis::search::build_pattern("mentor", true, false).unwrap();
    let turns = weft::import::turns::detect_turns(&text);
    weft::analysis::search::find_hits(
        &text,
        &turns,
        &re,
        weft::analysis::search::Unit::Sentence,
        None,
    )
    .len()
}

fn autocode(c: &mut Criterion) {
    let mut group = c.benchmark_group("autocode by sentence, one unpunctuated line");
    group.sample_size(10);
    for mb in [1, 4] {
        group.bench_function(format!("{mb} MB"), |b| {
            b.iter(|| autocode_sentences(mb << 20))
        });
    }
    group.finish();
    let median = |mb: usize| {
        let mut t: Vec<f64> = (0..7)
            .map(|_| {
                let t0 = std::time::Instant::now();
                autocode_sentences(mb << 20);
                t0.elapsed().as_secs_f64()
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[3]
    };
    let (one, four) = (median(1), median(4));
    eprintln!(
        "autocode by sentence: 1 MB {:.1} ms, 4 MB {:.1} ms, ratio {:.2} (linear ≈ 4, quadratic ≈ 16)",
        one * 1e3,
        four * 1e3,
        four / one
    );
}

criterion_group!(foundation, benches, autocode);
criterion_main!(foundation);
