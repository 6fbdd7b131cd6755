//! Twenty coders on one team project at once for a minute (`WEFT_LOAD_SECONDS`
//! shortens it), each with its own connection and listener, on a real
//! PostgreSQL on 127.0.0.1. Afterwards every acknowledged segment is there
//! exactly once, nothing else of theirs is, and every client's patched
//! snapshot equals a fresh load. The figures are printed; `benches/team_load.rs`
//! runs the same load on a release build.

mod common;

use std::path::Path;
use std::time::Duration;

use weft::store::Store;

#[test]
fn twenty_coders_at_once_lose_nothing_and_double_nothing() {
    let Some(server) = common::pg::server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.weft");
    weft::demo::write_demo(&path).unwrap();
    let url = server.fresh_socket_database("load");
    weft::store::pg::push(&path, &weft::store::pg::Server::parse(&url).unwrap()).unwrap();
    let seconds = std::env::var("WEFT_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let report = common::load::run(&url, 20, Duration::from_secs(seconds));
    eprintln!(
        "20 coders, {:.0?}: {} changes ({:.0}/s), {} failed; live update p50 {:?}, p95 {:?} over {} deliveries",
        report.elapsed,
        report.changes,
        report.changes as f64 / report.elapsed.as_secs_f64(),
        report.failed,
        report.latency(0.5),
        report.latency(0.95),
        report.latencies.len()
    );
    assert!(report.changes > 200, "the coders hardly coded");
    assert_eq!(report.failed, 0, "changes failed under load");
    let store = Store::open(Path::new(&url)).unwrap();
    let mut there = common::load::segments_in(&store);
    there.sort();
    let n = there.len();
    there.dedup();
    assert_eq!(n, there.len(), "a segment is there twice");
    let there: std::collections::BTreeSet<_> = there.into_iter().collect();
    assert_eq!(
        there, report.acked,
        "the project holds other segments than those acknowledged"
    );
    let fresh = store.read().snapshot().unwrap();
    for (i, snap) in report.snapshots.iter().enumerate() {
        assert!(
            *snap == fresh,
            "client {i}'s patched snapshot differs from a fresh load"
        );
    }
    assert!(
        report.latencies.len() > report.changes,
        "other clients heard of the changes"
    );
}
