//! REFI-QDA: the exchange standard that NVivo, ATLAS.ti, MAXQDA and QualCoder
//! read and write. A `.qdpx` is a zip holding `project.qde` (XML in the
//! namespace `urn:QDA-XML:project:1.0`) and `sources/`, one UTF-8 text per
//! transcript named by its GUID; a `.qdc` is a codebook alone.
//!
//! Positions in REFI-QDA are code points, first character 0, end exclusive, the
//! same unit as Weft's. Other tools do not all follow that (NVivo counts UTF-16
//! units with CR and LF apart; ATLAS.ti counts a CRLF as one), so the importer
//! works out each source's counting, see [`import`].

mod archive;
pub mod export;
pub mod import;
mod positions;
mod xml;

/// The project namespace.
pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
/// The codebook namespace.
pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";

/// A stable GUID derived from another: the same object exports with the same
/// GUIDs every time, even for things Weft does not store a GUID for (notes,
/// codings).
pub fn derived_guid(base: &str, what: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("{base}/{what}").as_bytes(),
    )
    .to_string()
}

/// Escapes text for XML content and attribute values.
pub(crate) fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}
