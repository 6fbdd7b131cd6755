//! Work spread over the machine's cores.

use std::sync::atomic::{AtomicUsize, Ordering};

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
}
