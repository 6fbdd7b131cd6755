//! Pure computations over loaded project data: no SQL, no window.

pub mod agreement;
pub mod matrix;
pub mod practice;
pub mod search;
