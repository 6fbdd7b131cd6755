//! Agreement on corpus L (500 transcripts, 68 codes, 100,000 segments by two
//! coders): every granularity at once (code × document, code with its means,
//! document, overall), as the Agreement tab computes it, and the real
//! `weft agreement` binary end to end.
//!
//! Printed, as medians, each beside a baseline run in the same process:
//! - the library's `agreement::compute` on the loaded snapshot (target
//!   ≤ 200 ms), beside one pass that adds up every segment's length per code
//!   and coder (the least any count over the segments can cost);
//! - `weft agreement --by code` and `--unit sentence`, beside `weft info`
//!   (opening the project and counting its rows).
//!
//! Run with `cargo bench --bench agreement`.

mod corpus;

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use weft::analysis::agreement::{self, Scope};
use weft::store::Store;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn weft(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "weft {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn line(what: &str, m: Duration, b: Duration, note: &str) {
    println!(
        "{what}: {:.1} ms; baseline {:.1} ms; ratio {:.1}{note}",
        m.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        m.as_secs_f64() / b.as_secs_f64()
    );
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = d.join("L.weft");
    corpus::build(&path, 1);
    let store = Store::open(&path).unwrap();
    let snap = store.read().snapshot_for_counting().unwrap();
    let scope = Scope {
        coders: snap.coders.iter().map(|c| c.id).collect(),
        ..Scope::default()
    };
    let units = HashMap::new();
    let report = agreement::compute(&snap, &scope, &units).unwrap();
    let rows = report.by_code_document.len()
        + report.by_code.len()
        + report.by_document.len()
        + report.overall.len();
    let lib = time(11, || agreement::compute(&snap, &scope, &units).unwrap());
    let pass = time(11, || {
        let mut sums: HashMap<(weft::model::CodeId, weft::model::CoderId), usize> = HashMap::new();
        for s in &snap.segments {
            *sums.entry((s.code, s.coder)).or_default() += s.range.len();
        }
        sums
    });
    line(
        &format!(
            "agreement::compute, every granularity ({rows} rows, {} segments)",
            snap.segments.len()
        ),
        lib,
        pass,
        " (target ≤ 200 ms; baseline: one pass over the segments)",
    );
    let p = path.to_str().unwrap();
    let info = time(5, || weft(d, &["info", p]));
    let by_code = time(5, || {
        weft(
            d,
            &["agreement", p, "--coders", "ana,ben", "--out", "a.csv"],
        )
    });
    line(
        "weft agreement --by code",
        by_code,
        info,
        " (baseline: weft info)",
    );
    let sentences = time(5, || {
        weft(
            d,
            &[
                "agreement",
                p,
                "--coders",
                "ana,ben",
                "--unit",
                "sentence",
                "--by",
                "code-document",
                "--out",
                "b.csv",
            ],
        )
    });
    line(
        "weft agreement --unit sentence --by code-document",
        sentences,
        info,
        " (baseline: weft info)",
    );
}
