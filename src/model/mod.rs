//! Plain data: what a project holds, with no I/O.
//!
//! Ids are typed newtypes so a code id cannot be passed where a document id is
//! wanted. Offsets into a transcript are always a [`CharRange`] of Unicode code
//! points, half-open, as in the REFI-QDA standard; bytes never leave `text`.

mod codes;
mod parts;
mod segments;
mod snapshot;
pub use codes::{CodeTree, MAX_CODE_DEPTH, PATH_SEPARATOR, split_path};
pub use parts::{CodeParts, exemplars_to_pin};
pub use segments::{Segments, segment_order};
pub use snapshot::{CodeStats, ProjectSnapshot, covered_chars};

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);
    };
}

id_type!(
    /// A transcript in the project.
    DocumentId
);
id_type!(
    /// A person interviewed; documents belong to one.
    ParticipantId
);
id_type!(
    /// A typed column of the participants sheet.
    AttributeId
);
id_type!(
    /// A code in the codebook.
    CodeId
);
id_type!(
    /// One coded passage.
    SegmentId
);
id_type!(
    /// A person who codes.
    CoderId
);

/// A half-open range `[start, end)` of Unicode code points into a document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CharRange {
    /// First code point, counted from 0.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
}

impl CharRange {
    /// A range from `start` to `end` (code points).
    pub fn new(start: usize, end: usize) -> Self {
        CharRange { start, end }
    }

    /// Number of code points covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the range covers nothing.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// True when the two ranges share at least one code point.
    pub fn overlaps(&self, other: &CharRange) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// A transcript, without its text (which can be large and is loaded on demand).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Row id.
    pub id: DocumentId,
    /// Stable id for exchange (REFI-QDA).
    pub guid: String,
    /// Name, by default the file stem (`P07.txt` is `P07`). Unique.
    pub name: String,
    /// The participant this transcript belongs to.
    pub participant: Option<ParticipantId>,
    /// Length of the text in code points.
    pub char_len: usize,
    /// The file it was imported from.
    pub source_file: String,
    /// The encoding it was decoded from (`UTF-8`, `windows-1252`, …).
    pub encoding: String,
    /// When it was imported (RFC 3339, UTC).
    pub imported_at: String,
    /// The researcher's memo on this document.
    pub memo: String,
}

/// A speaker turn: from the start of a labelled line to the next label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    /// The whole turn, label included.
    pub range: CharRange,
    /// Where the label (`Interviewer:`) ends and the speech begins.
    pub speech_start: usize,
    /// The label without its colon, e.g. `Maria R.`.
    pub speaker: String,
}

/// Timestamps of a subtitle cue, kept for the line it became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CueTime {
    /// The line of text the cue became.
    pub range: CharRange,
    /// Start of the cue, in milliseconds from the start of the recording.
    pub start_ms: i64,
    /// End of the cue, in milliseconds.
    pub end_ms: i64,
}

/// Everything stored for one document: what an import writes and an undo restores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRecord {
    /// The document's row.
    pub document: Document,
    /// The normalised text every offset refers to. Never changes after import.
    pub text: String,
    /// Speaker turns, in order.
    pub turns: Vec<Turn>,
    /// Subtitle timestamps, for `.vtt` and `.srt` imports.
    pub cue_times: Vec<CueTime>,
}

/// A person interviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Row id.
    pub id: ParticipantId,
    /// Stable id for exchange.
    pub guid: String,
    /// Name; unique.
    pub name: String,
}

/// The type of an attribute's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttributeKind {
    /// Free text.
    Text,
    /// A number (integer or decimal).
    Number,
    /// A calendar date, stored as `YYYY-MM-DD`.
    Date,
    /// Yes or no, stored as `yes` / `no`.
    Bool,
}

impl AttributeKind {
    /// The name used in the store, the CLI and files.
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeKind::Text => "text",
            AttributeKind::Number => "number",
            AttributeKind::Date => "date",
            AttributeKind::Bool => "bool",
        }
    }

    /// Parses a kind name; accepts a few synonyms users type.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "string" => Some(AttributeKind::Text),
            "number" | "numeric" | "int" | "integer" | "float" => Some(AttributeKind::Number),
            "date" => Some(AttributeKind::Date),
            "bool" | "boolean" | "yes/no" | "yesno" => Some(AttributeKind::Bool),
            _ => None,
        }
    }

    /// Checks a raw value and returns its stored form, or `None` when it does not fit.
    pub fn normalise(self, raw: &str) -> Option<String> {
        let v = raw.trim();
        match self {
            AttributeKind::Text => Some(v.to_string()),
            AttributeKind::Number => {
                let n: f64 = v.parse().ok()?;
                n.is_finite().then(|| v.to_string())
            }
            AttributeKind::Date => {
                let d = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .or_else(|_| chrono::NaiveDate::parse_from_str(v, "%Y/%m/%d"))
                    .ok()?;
                Some(d.format("%Y-%m-%d").to_string())
            }
            AttributeKind::Bool => match v.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" | "1" => Some("yes".into()),
                "no" | "n" | "false" | "0" => Some("no".into()),
                _ => None,
            },
        }
    }
}

/// A typed column of the participants sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    /// Row id.
    pub id: AttributeId,
    /// Stable id for exchange.
    pub guid: String,
    /// Name; unique.
    pub name: String,
    /// Type of its values.
    pub kind: AttributeKind,
    /// Column order.
    pub position: i64,
}

/// One participant's value of one attribute, in stored form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValue {
    /// Whose value.
    pub participant: ParticipantId,
    /// Of which attribute.
    pub attribute: AttributeId,
    /// The value, normalised for the attribute's kind.
    pub value: String,
}

/// A code in the hierarchical codebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    /// Row id.
    pub id: CodeId,
    /// Stable id for exchange.
    pub guid: String,
    /// Parent code, or `None` at the top level.
    pub parent: Option<CodeId>,
    /// Name; unique among its siblings; never contains `/`.
    pub name: String,
    /// Colour as `#rrggbb`.
    pub color: String,
    /// The full definition: what the code means (the REFI-QDA Description,
    /// see [`CodeParts`] for how the other parts travel with it).
    pub description: String,
    /// Order among its siblings.
    pub position: i64,
    /// The researcher's memo on this code.
    pub memo: String,
    /// A one-line definition, for lists and the codebook's first line.
    pub short_definition: String,
    /// When to use the code (inclusion criteria).
    pub when_to_use: String,
    /// When not to use it (exclusion criteria, and which code to use instead).
    pub when_not_to_use: String,
}

impl Code {
    /// The short definition, else the full one (either may be empty).
    pub fn brief(&self) -> &str {
        if self.short_definition.is_empty() {
            &self.description
        } else {
            &self.short_definition
        }
    }
}

/// One passage of an expert's coding in a practice project, kept apart from
/// the segments so that the student does not see it until they check.
/// Keyed by GUIDs, like reconcile decisions, so that merging or deleting codes
/// in the practice project never breaks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeAnswer {
    /// The document's GUID.
    pub document_guid: String,
    /// The code's GUID.
    pub code_guid: String,
    /// The passage.
    pub range: CharRange,
    /// Why the expert coded it so (their segment memo).
    pub reason: String,
}

/// A practice project: whose coding the student is checked against, and that
/// coding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Practice {
    /// The expert's name.
    pub expert: String,
    /// Their coding, by document and start.
    pub answers: Vec<PracticeAnswer>,
}

/// A person who codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coder {
    /// Row id.
    pub id: CoderId,
    /// Stable id for exchange.
    pub guid: String,
    /// Name; unique.
    pub name: String,
}

/// A coded passage: one code on one range of one document, by one coder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Row id.
    pub id: SegmentId,
    /// Stable id for exchange.
    pub guid: String,
    /// The document coded.
    pub document: DocumentId,
    /// The code applied.
    pub code: CodeId,
    /// The passage, in code points.
    pub range: CharRange,
    /// Who coded it.
    pub coder: CoderId,
    /// When it was coded (RFC 3339, UTC).
    pub created_at: String,
    /// The coder's memo on this passage.
    pub memo: String,
    /// Pinned as an exemplar quote of its code, for the codebook.
    pub exemplar: bool,
}

/// Counts shown by `weft info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Documents.
    pub documents: usize,
    /// Participants.
    pub participants: usize,
    /// Attributes.
    pub attributes: usize,
    /// Codes.
    pub codes: usize,
    /// Segments.
    pub segments: usize,
    /// Coders.
    pub coders: usize,
}

/// A new random GUID, as REFI-QDA writes them.
pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The current time as RFC 3339 UTC, to the second.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Colours handed to new codes in turn, chosen to stay readable as highlights.
pub const PALETTE: [&str; 12] = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45",
    "#fabed4", "#469990", "#dcbeff", "#9a6324",
];

/// Checks a colour of the form `#rrggbb` and returns it lower-cased.
pub fn parse_color(s: &str) -> Option<String> {
    let s = s.trim();
    let hex = s.strip_prefix('#')?;
    (hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

/// The coder to record when none is named: `$WEFT_CODER`, else the login name,
/// else "coder". The command line and the window both start from it.
pub fn default_coder() -> String {
    ["WEFT_CODER", "USER", "USERNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "coder".to_string())
}

/// Whether two names differ only in case: names of participants, documents,
/// attributes and codes are matched this way, so `p01` finds `P01` instead of
/// becoming a second participant.
pub fn same_name(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// Checks a name typed or imported for anything that would garble a list,
/// a CSV or a terminal: line breaks, tabs, other control characters and the
/// invisible bidirectional controls that can make text display reversed.
pub fn check_name_characters(what: &str, name: &str) -> crate::error::Result<()> {
    let bad = name.chars().find(|&c| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    });
    match bad {
        Some(c) => Err(crate::error::Error::Invalid(format!(
            "{what} \"{}\" contains {}; names must be one line of visible text",
            name.escape_debug(),
            match c {
                '\n' | '\r' => "a line break".to_string(),
                '\t' => "a tab".to_string(),
                c if c.is_control() => format!("the control character U+{:04X}", c as u32),
                c => format!("the invisible direction mark U+{:04X}", c as u32),
            }
        ))),
        None => Ok(()),
    }
}
