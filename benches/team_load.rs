//! Twenty coders on one team project on a local PostgreSQL (a throwaway
//! cluster on 127.0.0.1, as the tests make) for 60 s (`WEFT_LOAD_SECONDS`),
//! each with its own connection and listener: prints the throughput and the
//! live-update latency, from a change's commit to the other clients'
//! snapshots, as p50 and p95. The goal is p95 ≤ 250 ms.
//!
//! `cargo bench --bench team_load`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

fn main() {
    let Some(server) = common::pg::server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.weft");
    weft::demo::write_demo(&path).unwrap();
    let url = server.fresh_socket_database("bench");
    weft::store::pg::push(&path, &weft::store::pg::Server::parse(&url).unwrap()).unwrap();
    let seconds = std::env::var("WEFT_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let r = common::load::run(&url, 20, Duration::from_secs(seconds));
    println!(
        "team load: 20 coders for {:.1} s: {} changes, {:.0} changes/s, {} failed",
        r.elapsed.as_secs_f64(),
        r.changes,
        r.changes as f64 / r.elapsed.as_secs_f64(),
        r.failed
    );
    println!(
        "team load: live update from commit to the other clients' snapshots: p50 {:.1} ms, p95 {:.1} ms ({} deliveries; goal p95 <= 250 ms)",
        r.latency(0.5).as_secs_f64() * 1e3,
        r.latency(0.95).as_secs_f64() * 1e3,
        r.latencies.len()
    );
}
