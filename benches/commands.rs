//! The real `weft` binary on corpus L, each command beside a raw SQLite
//! baseline run in the same process on the same file, so that runs on noisy
//! machines compare through the ratio.
//!
//! Printed, each as the median of 5 runs, with its peak memory (the child's
//! maximum resident set) and the ratio to its baseline:
//! - `weft import` of the 500 transcripts (38 MB) into a new project, beside
//!   inserting the same texts with one raw `INSERT` each (target ≥ 100 MB/s);
//! - `weft segments` as CSV (100,000 rows), beside selecting the same rows
//!   and their quotes with `substr` in SQL (target ≤ 0.3 s);
//! - `weft matrix --cols Phase`, beside the same counts as one `GROUP BY`
//!   (target ≤ 0.15 s);
//! - `weft import-qdpx` of the project's own export (100,000 codings), beside
//!   reading the `.qdpx` archive whole (target ≤ 1.5 s);
//! - every peak ≤ 250 MB.
//!
//! Run with `cargo bench --bench commands`.

mod corpus;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs the real binary; returns the wall time and the largest resident set
/// of any child so far, in MB (`getrusage` of the children: a running peak,
/// so each figure covers the commands before it too).
fn weft(dir: &Path, args: &[&str]) -> (Duration, f64) {
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let elapsed = t.elapsed();
    assert!(
        out.status.success(),
        "weft {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (elapsed, peak_children_mb())
}

/// The largest resident set of any child that has ended, in MB.
fn peak_children_mb() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut u);
        u
    };
    usage.ru_maxrss as f64 / 1024.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn report(what: &str, runs: Vec<Duration>, peak: f64, baseline: Vec<Duration>, note: &str) {
    let (m, b) = (median(runs), median(baseline));
    println!(
        "{what}: {:.3} s, peak so far {peak:.0} MB; baseline {:.3} s; ratio {:.2}{note}",
        m.as_secs_f64(),
        b.as_secs_f64(),
        m.as_secs_f64() / b.as_secs_f64()
    );
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let project = d.join("corpus.weft");
    corpus::build(&project, 1);
    let texts = corpus::transcripts(500, &mut corpus::Rng(42));
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    // WEFT_BENCH_KEEP=DIR: leave the transcripts and the project there, to profile the
    // binary on them by hand (`perf record weft import …`).
    if let Ok(keep) = std::env::var("WEFT_BENCH_KEEP") {
        std::fs::create_dir_all(&keep).unwrap();
        for (name, text) in &texts {
            std::fs::write(Path::new(&keep).join(name), text).unwrap();
        }
        std::fs::copy(&project, Path::new(&keep).join("corpus.weft")).unwrap();
        println!("transcripts and corpus.weft left in {keep}");
        return;
    }
    let mut files = Vec::new();
    for (name, text) in &texts {
        std::fs::write(d.join(name), text).unwrap();
        files.push(name.clone());
    }

    // Import.
    let mut runs = Vec::new();
    let mut base = Vec::new();
    let mut peak = 0.0;
    for round in 0..5 {
        let target = format!("import{round}.weft");
        weft(d, &["new", &target]);
        let mut args = vec!["import", target.as_str()];
        args.extend(files.iter().map(String::as_str));
        let (t, p) = weft(d, &args);
        runs.push(t);
        peak = p;
        let raw = d.join(format!("raw{round}.db"));
        let t = Instant::now();
        let mut c = rusqlite::Connection::open(&raw).unwrap();
        c.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (name TEXT, text TEXT);")
            .unwrap();
        let tx = c.transaction().unwrap();
        for (name, text) in &texts {
            tx.execute("INSERT INTO t VALUES (?1, ?2)", (name, text))
                .unwrap();
        }
        tx.commit().unwrap();
        base.push(t.elapsed());
    }
    let mb = bytes as f64 / (1024.0 * 1024.0);
    report(
        "weft import (500 transcripts)",
        runs.clone(),
        peak,
        base,
        &format!(", {:.0} MB/s", mb / median(runs).as_secs_f64()),
    );

    let p = project.to_str().unwrap();
    let conn = rusqlite::Connection::open(&project).unwrap();

    // Segments.
    let (mut runs, mut base) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        runs.push(weft(d, &["segments", p, "--out", "segments.csv"]).0);
        let t = Instant::now();
        let mut stmt = conn
            .prepare(
                "SELECT d.name, s.code_id, s.start, s.end, substr(x.text, s.start + 1, s.end - s.start)
                 FROM segment s JOIN document d ON d.id = s.document_id
                 JOIN document_text x ON x.document_id = s.document_id",
            )
            .unwrap();
        let n = stmt
            .query_map([], |r| r.get::<_, String>(4))
            .unwrap()
            .count();
        assert_eq!(n, 100_000);
        base.push(t.elapsed());
    }
    report(
        "weft segments (100,000 rows)",
        runs,
        peak_children_mb(),
        base,
        "",
    );

    // Matrix.
    let (mut runs, mut base) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        runs.push(weft(d, &["matrix", p, "--cols", "Phase", "--out", "m.csv"]).0);
        let t = Instant::now();
        let n = conn
            .prepare(
                "SELECT s.code_id, v.value, count(*) FROM segment s
                 JOIN document d ON d.id = s.document_id
                 JOIN attribute_value v ON v.participant_id = d.participant_id
                 JOIN attribute a ON a.id = v.attribute_id AND a.name = 'Phase'
                 GROUP BY 1, 2",
            )
            .unwrap()
            .query_map([], |r| r.get::<_, i64>(2))
            .unwrap()
            .count();
        assert!(n > 0);
        base.push(t.elapsed());
    }
    report(
        "weft matrix --cols Phase",
        runs,
        peak_children_mb(),
        base,
        "",
    );

    // import-qdpx.
    weft(d, &["export-qdpx", p, "corpus.qdpx"]);
    let (mut runs, mut base) = (Vec::new(), Vec::new());
    for round in 0..5 {
        let target = format!("q{round}.weft");
        runs.push(weft(d, &["import-qdpx", "corpus.qdpx", &target]).0);
        let t = Instant::now();
        let mut zip =
            zip::ZipArchive::new(std::fs::File::open(d.join("corpus.qdpx")).unwrap()).unwrap();
        let mut total = 0u64;
        for i in 0..zip.len() {
            total += std::io::copy(&mut zip.by_index(i).unwrap(), &mut std::io::sink()).unwrap();
        }
        assert!(total > 0);
        base.push(t.elapsed());
    }
    report(
        "weft import-qdpx (100,000 codings)",
        runs,
        peak_children_mb(),
        base,
        " (baseline: unpacking the archive)",
    );
}
