//! Work spread over the machine's cores.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

/// `f` over every item, on as many threads as the machine has cores (no
/// more than there are items), with the results in the items' order. Each
/// thread takes the next item not yet taken, so one long item does not hold
/// the others back.
pub fn map_on_cores<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(mine) => mine,
                // The worker's panic goes on in the caller, as if it ran here.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in done.into_iter().flatten() {
        slots[i] = Some(r);
    }
    slots
        .into_iter()
        .map(|s| s.expect("every item was taken by a worker"))
        .collect()
}

/// `f` over every item on the cores but one, while `body` takes the
/// results on the calling thread, in the items' order, as soon as each is
/// ready: work that must be done in order (writing a transaction) goes on
/// while the rest is still being prepared. No more than `ahead` results
/// wait to be taken, so a slow `body` does not hold every result in memory.
/// When `body` returns, early or not, the workers stop after the item in
/// hand. A panic in `f` goes on in `body`'s thread, as if it ran there.
pub fn stream_on_cores<T, R, O>(
    items: &[T],
    ahead: usize,
    f: impl Fn(&T) -> R + Sync,
    body: impl FnOnce(&mut InOrder<'_, R>) -> O,
) -> O
where
    T: Sync,
    R: Send,
{
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .clamp(1, items.len().max(1));
    let ahead = ahead.max(workers);
    let next = AtomicUsize::new(0);
    let gate = Gate {
        taken: Mutex::new(0),
        moved: Condvar::new(),
        stop: AtomicBool::new(false),
    };
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, gate, f) = (&next, &gate, &f);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if !gate.wait_for_room(i, ahead) {
                        break;
                    }
                    let r = catch_unwind(AssertUnwindSafe(|| f(item)));
                    if tx.send((i, r)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut results = InOrder {
            rx,
            early: HashMap::new(),
            next: 0,
            len: items.len(),
            gate: &gate,
        };
        body(&mut results)
    })
}

/// How far `body` has taken results, and whether the workers should stop.
struct Gate {
    taken: Mutex<usize>,
    moved: Condvar,
    stop: AtomicBool,
}

impl Gate {
    /// Waits until item `i` is within `ahead` of the next one to be taken;
    /// false when the work has stopped instead.
    fn wait_for_room(&self, i: usize, ahead: usize) -> bool {
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        while i >= *taken + ahead && !self.stop.load(Ordering::Relaxed) {
            taken = self.moved.wait(taken).unwrap_or_else(|p| p.into_inner());
        }
        !self.stop.load(Ordering::Relaxed)
    }

    fn set_taken(&self, n: usize) {
        *self.taken.lock().unwrap_or_else(|p| p.into_inner()) = n;
        self.moved.notify_all();
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        // Under the lock, so no worker misses it between its check and its wait.
        let _taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        self.moved.notify_all();
    }
}

/// The results of [`stream_on_cores`], in the items' order.
pub struct InOrder<'g, R> {
    rx: mpsc::Receiver<(usize, std::thread::Result<R>)>,
    /// Results that came before their turn.
    early: HashMap<usize, std::thread::Result<R>>,
    next: usize,
    len: usize,
    gate: &'g Gate,
}

impl<R> Iterator for InOrder<'_, R> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        if self.next == self.len {
            return None;
        }
        let result = loop {
            if let Some(r) = self.early.remove(&self.next) {
                break r;
            }
            let (i, r) = self
                .rx
                .recv()
                .expect("the workers hand on every item until told to stop");
            self.early.insert(i, r);
        };
        self.next += 1;
        self.gate.set_taken(self.next);
        match result {
            Ok(r) => Some(r),
            Err(panic) => {
                self.gate.stop();
                resume_unwind(panic)
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.len - self.next;
        (left, Some(left))
    }
}

impl<R> Drop for InOrder<'_, R> {
    fn drop(&mut self) {
        self.gate.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u64> = (0..1000).collect();
        // Uneven work, so threads finish out of order.
        let out = map_on_cores(&items, |&n| (0..n % 37 * 1000).fold(n, |a, b| a ^ b));
        let expect: Vec<u64> = items
            .iter()
            .map(|&n| (0..n % 37 * 1000).fold(n, |a, b| a ^ b))
            .collect();
        assert_eq!(out, expect);
        assert!(map_on_cores(&[] as &[u8], |&b| b).is_empty());
    }

    #[test]
    fn streamed_results_come_in_order_and_the_body_may_stop_early() {
        let items: Vec<u64> = (0..500).collect();
        let work = |&n: &u64| (0..n % 37 * 1000).fold(n, |a, b| a ^ b);
        let got = stream_on_cores(&items, 4, work, |r| r.collect::<Vec<_>>());
        assert_eq!(got, items.iter().map(work).collect::<Vec<_>>());
        // Taking three and stopping returns at once, whatever is in hand.
        let taken = AtomicUsize::new(0);
        let first = stream_on_cores(
            &items,
            4,
            |&n| {
                taken.fetch_add(1, Ordering::Relaxed);
                n
            },
            |r| r.take(3).collect::<Vec<_>>(),
        );
        assert_eq!(first, vec![0, 1, 2]);
        // No more than `ahead` past what was taken (one more per worker in hand).
        assert!(taken.load(Ordering::Relaxed) <= 3 + 4 + 2, "{taken:?}");
        assert!(stream_on_cores(&[] as &[u8], 2, |&b| b, |r| r.next()).is_none());
    }

    #[test]
    fn a_panic_in_the_work_goes_on_in_the_body() {
        let items: Vec<u32> = (0..50).collect();
        let caught = catch_unwind(|| {
            stream_on_cores(
                &items,
                2,
                |&n| {
                    assert!(n != 20, "item twenty");
                    n
                },
                |r| r.count(),
            )
        });
        assert!(caught.is_err());
    }
}
