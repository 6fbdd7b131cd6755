//! Writing what a project holds to files other people and tools read.
//! Writers take `impl Write`, so the CLI, the window and tests share them.

pub mod codebook;
pub mod matrix;
pub mod segments;
