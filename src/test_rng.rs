//! A small seeded generator for the library's randomised unit tests, so a
//! failing round can be run again exactly.

/// A linear congruential generator: the same seed gives the same numbers.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// A number in `[0, n)` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}
