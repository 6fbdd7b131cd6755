//! Many coders on one team project at once, each a thread with its own
//! connection (and its own listener, as a window has), coding as fast as
//! the server lets them for a while. Used by `tests/load.rs` (which checks
//! that nothing is lost or doubled) and `benches/team_load.rs` (which
//! prints the figures).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use weft::model::{CharRange, ProjectSnapshot};
use weft::store::Store;
use weft::store::pg::{Listener, Server};

/// One acknowledged segment: document, code path, range, coder.
pub type Ack = (String, String, CharRange, String);

/// What a run did.
pub struct Report {
    /// Changes acknowledged (committed) in all.
    pub changes: usize,
    /// Changes that failed (busy, or refused).
    pub failed: usize,
    /// How long the coders coded.
    pub elapsed: Duration,
    /// From a change's commit to another client's snapshot holding it, one
    /// figure per (change, other client).
    pub latencies: Vec<Duration>,
    /// Every acknowledged segment.
    pub acked: BTreeSet<Ack>,
    /// Each client's snapshot at the end, brought up to date from the log.
    pub snapshots: Vec<ProjectSnapshot>,
}

impl Report {
    /// The `q`-quantile of the latencies (0.5: the median).
    pub fn latency(&self, q: f64) -> Duration {
        let mut v = self.latencies.clone();
        v.sort();
        if v.is_empty() {
            return Duration::ZERO;
        }
        v[((v.len() - 1) as f64 * q).round() as usize]
    }
}

/// Reads the log from `pos` into `snap`; returns the changes patched in
/// (`None` would mean the log no longer reaches back: loaded again).
fn catch_up(store: &mut Store, snap: &mut ProjectSnapshot, pos: &mut i64) -> Vec<(i64, String)> {
    match store.changes_since(*pos).unwrap() {
        Some(changes) => changes
            .into_iter()
            .map(|c| {
                snap.patch(&c.edit);
                *pos = c.seq;
                (c.seq, c.coder)
            })
            .collect(),
        None => {
            let (s, p) = store.snapshot_at().unwrap();
            *snap = s;
            *pos = p;
            Vec::new()
        }
    }
}

/// `coders` clients on `url` code for `duration`.
pub fn run(url: &str, coders: usize, duration: Duration) -> Report {
    let committed: Arc<Mutex<HashMap<i64, Instant>>> = Default::default();
    let stop = Arc::new(AtomicBool::new(false));
    // Every client's last change is in before any reads the log a last time.
    let done = Arc::new(Barrier::new(coders));
    let start = Instant::now();
    let threads: Vec<_> = (0..coders)
        .map(|i| {
            let (url, committed, stop, done) = (
                url.to_string(),
                committed.clone(),
                stop.clone(),
                done.clone(),
            );
            std::thread::spawn(move || {
                let name = format!("load{i:02}");
                let mut store = Store::open(Path::new(&url)).unwrap();
                store.set_coder(&name);
                let rung = Arc::new(AtomicBool::new(false));
                let ring = rung.clone();
                let _listener = Listener::start(Server::parse(&url).unwrap(), move || {
                    ring.store(true, Ordering::SeqCst)
                });
                let (mut snap, mut pos) = store.snapshot_at().unwrap();
                let docs: Vec<_> = snap
                    .documents
                    .iter()
                    .map(|d| (d.id, d.name.clone(), d.char_len))
                    .collect();
                let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ i as u64;
                let mut next = move || {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (seed >> 33) as usize
                };
                let (mut acked, mut failed, mut latencies) = (BTreeSet::new(), 0, Vec::new());
                let mut next_change = Instant::now();
                // Another coder's change reached this client's snapshot:
                // how long after its commit.
                let heard = |got: Vec<(i64, String)>, latencies: &mut Vec<Duration>| {
                    let seen = Instant::now();
                    let committed = committed.lock().unwrap();
                    for (seq, coder) in got {
                        if coder != name
                            && let Some(t) = committed.get(&seq)
                        {
                            latencies.push(seen.saturating_duration_since(*t));
                        }
                    }
                };
                while !stop.load(Ordering::SeqCst) {
                    if rung.swap(false, Ordering::SeqCst) {
                        heard(catch_up(&mut store, &mut snap, &mut pos), &mut latencies);
                    }
                    if Instant::now() < next_change {
                        std::thread::sleep(Duration::from_millis(1));
                        continue;
                    }
                    // A coder codes a passage about every 50 ms: far faster
                    // than a person, so twenty of them load the server.
                    next_change = Instant::now() + Duration::from_millis(40 + (next() % 20) as u64);
                    let (doc, doc_name, len) = docs[next() % docs.len()].clone();
                    let start = next() % (len - 60);
                    let range = CharRange::new(start, start + 5 + next() % 50);
                    let code = format!("Load/Theme {}", next() % 8);
                    let result =
                        store.change_applied("Apply code", |r| {
                            Ok(weft::edit::ops::code_path_ranges(
                                r,
                                &[(doc, range)],
                                &code,
                                &name,
                                "",
                            )?
                            .0)
                        });
                    match result {
                        Ok(applied) => {
                            if !applied.forward.is_empty() {
                                committed
                                    .lock()
                                    .unwrap()
                                    .insert(store.last_logged(), Instant::now());
                            }
                            acked.insert((doc_name, code, range, name.clone()));
                            // As the window does: patched in order from the log.
                            heard(catch_up(&mut store, &mut snap, &mut pos), &mut latencies);
                        }
                        Err(_) => failed += 1,
                    }
                }
                // The others' last changes (a commit still in flight when
                // `stop` was seen lands after it), then the snapshot as the
                // client holds it.
                done.wait();
                catch_up(&mut store, &mut snap, &mut pos);
                (acked, failed, latencies, snap)
            })
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::SeqCst);
    let elapsed = start.elapsed();
    let mut report = Report {
        changes: 0,
        failed: 0,
        elapsed,
        latencies: Vec::new(),
        acked: BTreeSet::new(),
        snapshots: Vec::new(),
    };
    for t in threads {
        let (acked, failed, latencies, snap) = t.join().unwrap();
        report.changes += acked.len();
        report.failed += failed;
        report.latencies.extend(latencies);
        report.acked.extend(acked);
        report.snapshots.push(snap);
    }
    report
}

/// Every segment of the load's coders in the project, as acks.
pub fn segments_in(store: &Store) -> Vec<Ack> {
    let snap = store.read().snapshot().unwrap();
    snap.segments
        .iter()
        .filter_map(|s| {
            let coder = snap.coder_name(s.coder).to_string();
            coder.starts_with("load").then(|| {
                (
                    snap.document(s.document).unwrap().name.clone(),
                    snap.codes.path(s.code),
                    s.range,
                    coder,
                )
            })
        })
        .collect()
}
