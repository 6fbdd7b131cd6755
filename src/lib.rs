//! Weft: qualitative coding of interview transcripts.
//!
//! This library owns a project and everything done to it; the `weft` command line
//! and the window both call it, so there is one tested path for both.
//!
//! - [`model`]: plain data (documents, participants, attributes, codes, segments)
//!   and [`model::CharRange`], the code-point offsets used everywhere.
//! - [`store::Store`]: the project file (one SQLite database). Open or create a
//!   project here; read it with [`store::Store::read`].
//! - [`edit::Edit`]: every change as data, with its inverse for undo.
//!   [`edit::ops`] builds the edits for user-level actions; apply them with
//!   [`store::Store::change`], one transaction each.
//!   [`model::ProjectSnapshot::patch`] brings a loaded snapshot up to date from
//!   an applied edit ([`store::Store::change_applied`]) without reloading it.
//! - [`import`]: transcripts (`.txt`, `.md`, `.docx`, `.vtt`, `.srt`),
//!   participants sheets and codebooks.
//! - [`analysis`]: search and autocode; pure functions over loaded data.
//! - [`export`]: segments, codebooks and matrices as CSV, JSON and XLSX.
//! - [`refi`]: REFI-QDA `.qdpx` projects and `.qdc` codebooks, both ways.
//! - [`report`]: the codebook and a matrix's findings as HTML or DOCX.
//! - [`demo`]: the demo project that newcomers and tests start from.
//! - [`parallel`]: work spread over the machine's cores.
//! - [`ui`]: the window (egui); the only module that uses egui or eframe.

pub mod analysis;
pub mod cli;
pub mod demo;
pub mod edit;
pub mod error;
pub mod export;
pub mod import;
pub mod model;
pub mod parallel;
pub mod refi;
pub mod report;
pub mod store;
#[cfg(test)]
mod test_rng;
pub mod text;
pub mod ui;

pub use error::{Error, Result};
