//! Noticing, on a thread of its own, that another connection (a terminal, a
//! script, a second window) committed to a project file, so that a window
//! with nothing to do draws no frames to find out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::Reopen;

/// Reads the file's data version on its own connection every so often and
/// calls `wake` when it moves. It stops, and closes its connection, when
/// dropped.
pub struct Watcher {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Starts watching the project `reopen` opens, every `every`. The
    /// watcher's connection sees every other connection's commits, this
    /// process's own among them, so `wake` may be called for a change the
    /// caller made itself.
    pub fn start(reopen: Reopen, every: Duration, wake: impl Fn() + Send + 'static) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let handle = std::thread::Builder::new()
            .name("weft-watch".into())
            .spawn(move || {
                let Ok(store) = reopen.open() else { return };
                let Ok(mut seen) = store.data_version() else {
                    return;
                };
                loop {
                    std::thread::park_timeout(every);
                    if stopped.load(Ordering::SeqCst) {
                        return;
                    }
                    match store.data_version() {
                        Ok(now) if now != seen => {
                            seen = now;
                            wake();
                        }
                        Ok(_) => {}
                        // The file may be gone or locked for a moment: the
                        // window reads it itself on its next frame anyway.
                        Err(_) => wake(),
                    }
                }
            })
            .ok();
        Watcher { stop, handle }
    }

    /// Whether its thread is running (else the caller has to look itself).
    pub fn is_running(&self) -> bool {
        self.handle.as_ref().is_some_and(|h| !h.is_finished())
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.handle.take() {
            handle.thread().unpark();
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::ops;

    /// A commit on another connection wakes the watcher's caller; nothing
    /// else does, and dropping it stops its thread.
    #[test]
    fn another_connections_commit_wakes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.weft");
        super::super::Store::create(&path).unwrap();
        let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let w = woken.clone();
        let watcher = Watcher::start(
            Reopen::File(path.clone()),
            Duration::from_millis(20),
            move || {
                w.fetch_add(1, Ordering::SeqCst);
            },
        );
        std::thread::sleep(Duration::from_millis(150));
        assert!(watcher.is_running());
        assert_eq!(woken.load(Ordering::SeqCst), 0, "no commit, no wake");
        let mut other = super::super::Store::open(&path).unwrap();
        other
            .change("Add code", |r| {
                Ok(ops::add_code(r, None, "Hope", None, "")?.0)
            })
            .unwrap();
        let waited = std::time::Instant::now();
        while woken.load(Ordering::SeqCst) == 0 && waited.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(woken.load(Ordering::SeqCst), 1, "woken once for the commit");
        let started = std::time::Instant::now();
        drop(watcher);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "stops at once"
        );
    }
}
