//! Pure computations over loaded project data: no SQL, no window.

pub mod matrix;
pub mod search;
