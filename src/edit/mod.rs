//! Every change a user can make to a project, as data.
//!
//! An [`Edit`] is a row-level change with explicit ids; [`Edit::apply`] makes it
//! and returns its exact inverse, which is what undo applies. User-level actions
//! (merge two codes, import a participants sheet, autocode) are built from these by
//! the functions in [`ops`], inside the transaction that applies them, and are
//! recorded as one entry of the undo history. Edits are serialised to JSON for
//! that history, so it survives closing the project.

pub mod merge;
pub mod ops;
mod patch;
pub use patch::Patched;
pub mod practice;
pub mod witness;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::*;
use crate::store::Writer;

/// A change to one participant's value of one attribute (`None` removes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueChange {
    /// Whose value.
    pub participant: ParticipantId,
    /// Which attribute.
    pub attribute: AttributeId,
    /// The new value in stored form, or `None` for no value.
    pub value: Option<String>,
}

/// Where a reconcile decision applies: document GUID, code GUID, the
/// stretch, and the consensus coder's name.
pub type DecisionKey = (String, String, CharRange, String);

/// One change to a project. Applying it returns the edit that undoes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Edit {
    /// Several edits applied in order, undone in reverse order.
    Batch(Vec<Edit>),
    /// Replace the project's memo.
    SetProjectMemo(String),
    /// Add documents with their text, turns and cue times.
    InsertDocuments(Vec<DocumentRecord>),
    /// Remove documents (their segments must be removed first).
    DeleteDocuments(Vec<DocumentId>),
    /// Change a document's name, participant or memo.
    UpdateDocument(Document),
    /// Add participants.
    InsertParticipants(Vec<Participant>),
    /// Remove participants (their values and documents must be detached first).
    DeleteParticipants(Vec<ParticipantId>),
    /// Rename a participant.
    RenameParticipant {
        /// Who.
        id: ParticipantId,
        /// The new name.
        name: String,
    },
    /// Add attributes.
    InsertAttributes(Vec<Attribute>),
    /// Remove attributes (their values must be removed first).
    DeleteAttributes(Vec<AttributeId>),
    /// Change an attribute's name, kind or position.
    UpdateAttribute(Attribute),
    /// Set or clear attribute values.
    SetValues(Vec<ValueChange>),
    /// Add codes, parents before children.
    InsertCodes(Vec<Code>),
    /// Remove codes (their segments must be removed first); children go before parents.
    DeleteCodes(Vec<CodeId>),
    /// Change a code's parent, name, colour, definition, position or memo.
    UpdateCode(Code),
    /// Add coders.
    InsertCoders(Vec<Coder>),
    /// Remove coders (their segments must be removed first).
    DeleteCoders(Vec<CoderId>),
    /// Add segments.
    InsertSegments(Vec<Segment>),
    /// Remove segments.
    DeleteSegments(Vec<SegmentId>),
    /// Change a segment's code or memo.
    UpdateSegment(Segment),
    /// Move many segments from one code to another (merging codes), in one
    /// statement; every one must be on `from`.
    RecodeSegments {
        /// The segments.
        ids: Vec<SegmentId>,
        /// The code they are on.
        from: CodeId,
        /// The code they go to.
        to: CodeId,
    },
    /// Record or clear which version a consensus coder took for a stretch.
    SetDecision {
        /// The stretch: document GUID, code GUID, range, consensus coder's name.
        key: DecisionKey,
        /// The version taken, or `None` to forget the decision.
        choice: Option<String>,
    },
    /// Make the project a practice project against this expert coding, or
    /// (with `None`) an ordinary one again.
    SetPractice(Option<Practice>),
    /// Set or clear the researcher's summary of a framework-matrix cell.
    SetSummary {
        /// The cell's participant.
        participant: ParticipantId,
        /// The cell's code.
        code: CodeId,
        /// The summary, or `None` to clear it.
        text: Option<String>,
    },
}

fn missing(what: &str) -> Error {
    Error::Invalid(format!(
        "{what} no longer exists; it may have been changed elsewhere"
    ))
}

impl Edit {
    /// True when applying it would change nothing.
    pub fn is_empty(&self) -> bool {
        match self {
            Edit::Batch(v) => v.iter().all(Edit::is_empty),
            Edit::InsertDocuments(v) => v.is_empty(),
            Edit::DeleteDocuments(v) => v.is_empty(),
            Edit::InsertParticipants(v) => v.is_empty(),
            Edit::DeleteParticipants(v) => v.is_empty(),
            Edit::InsertAttributes(v) => v.is_empty(),
            Edit::DeleteAttributes(v) => v.is_empty(),
            Edit::SetValues(v) => v.is_empty(),
            Edit::InsertCodes(v) => v.is_empty(),
            Edit::DeleteCodes(v) => v.is_empty(),
            Edit::InsertCoders(v) => v.is_empty(),
            Edit::DeleteCoders(v) => v.is_empty(),
            Edit::InsertSegments(v) => v.is_empty(),
            Edit::DeleteSegments(v) => v.is_empty(),
            _ => false,
        }
    }

    /// Whether applying this adds or removes documents.
    pub fn touches_documents(&self) -> bool {
        match self {
            Edit::Batch(v) => v.iter().any(Edit::touches_documents),
            Edit::InsertDocuments(_) | Edit::DeleteDocuments(_) => true,
            _ => false,
        }
    }

    /// Whether this sets or removes the practice (the expert's answers).
    pub fn touches_practice(&self) -> bool {
        match self {
            Edit::Batch(v) => v.iter().any(Edit::touches_practice),
            Edit::SetPractice(_) => true,
            _ => false,
        }
    }

    /// Whether applying this can change a listing of documents: documents,
    /// participants, attributes or their values (not coding or memos).
    pub fn touches_listing(&self) -> bool {
        match self {
            Edit::Batch(v) => v.iter().any(Edit::touches_listing),
            Edit::InsertDocuments(_)
            | Edit::DeleteDocuments(_)
            | Edit::UpdateDocument(_)
            | Edit::InsertParticipants(_)
            | Edit::DeleteParticipants(_)
            | Edit::RenameParticipant { .. }
            | Edit::InsertAttributes(_)
            | Edit::DeleteAttributes(_)
            | Edit::UpdateAttribute(_)
            | Edit::SetValues(_) => true,
            _ => false,
        }
    }

    /// Whether applying this changes only coding (segments, and what is not
    /// in the snapshot: decisions, cell summaries, the practice) or the
    /// project's memo: nothing of the codes, documents, coders or
    /// participants. Views made from the coding of some documents then need
    /// only those documents worked out again.
    pub fn changes_only_coding(&self) -> bool {
        match self {
            Edit::Batch(v) => v.iter().all(Edit::changes_only_coding),
            Edit::InsertSegments(_)
            | Edit::DeleteSegments(_)
            | Edit::UpdateSegment(_)
            | Edit::RecodeSegments { .. }
            | Edit::SetDecision { .. }
            | Edit::SetSummary { .. }
            | Edit::SetPractice(_)
            | Edit::SetProjectMemo(_) => true,
            _ => false,
        }
    }

    /// Whether applying this can change the shape of the code tree.
    pub fn touches_codes(&self) -> bool {
        match self {
            Edit::Batch(v) => v.iter().any(Edit::touches_codes),
            Edit::InsertCodes(_) | Edit::UpdateCode(_) => true,
            _ => false,
        }
    }

    /// Makes the change through `w` and returns the edit that undoes it.
    pub fn apply(&self, w: &Writer<'_>) -> Result<Edit> {
        let r = w.reader();
        Ok(match self {
            Edit::Batch(edits) => {
                let mut inverses = Vec::with_capacity(edits.len());
                for e in edits {
                    inverses.push(e.apply(w)?);
                }
                inverses.reverse();
                Edit::Batch(inverses)
            }
            Edit::SetProjectMemo(memo) => {
                let (_, old) = r.project()?;
                w.set_project_memo(memo)?;
                Edit::SetProjectMemo(old)
            }
            Edit::InsertDocuments(records) => {
                for rec in records {
                    w.insert_document(rec)?;
                }
                w.raise_high_water("document", records.iter().map(|r| r.document.id.0))?;
                Edit::DeleteDocuments(records.iter().map(|r| r.document.id).collect())
            }
            Edit::DeleteDocuments(ids) => {
                let mut records = Vec::with_capacity(ids.len());
                for &id in ids {
                    records.push(
                        r.document_record(id)?
                            .ok_or_else(|| missing("the document"))?,
                    );
                    w.delete_document(id)?;
                }
                Edit::InsertDocuments(records)
            }
            Edit::UpdateDocument(d) => {
                let old = r.document(d.id)?.ok_or_else(|| missing("the document"))?;
                w.update_document(d)?;
                Edit::UpdateDocument(old)
            }
            Edit::InsertParticipants(ps) => {
                for p in ps {
                    w.insert_participant(p)?;
                }
                w.raise_high_water("participant", ps.iter().map(|p| p.id.0))?;
                Edit::DeleteParticipants(ps.iter().map(|p| p.id).collect())
            }
            Edit::DeleteParticipants(ids) => {
                let all = r.participants()?;
                let mut rows = Vec::with_capacity(ids.len());
                for id in ids {
                    let p = all
                        .iter()
                        .find(|p| p.id == *id)
                        .ok_or_else(|| missing("the participant"))?;
                    rows.push(p.clone());
                    w.delete_participant(*id)?;
                }
                Edit::InsertParticipants(rows)
            }
            Edit::RenameParticipant { id, name } => {
                let old = r
                    .participants()?
                    .into_iter()
                    .find(|p| p.id == *id)
                    .ok_or_else(|| missing("the participant"))?;
                w.rename_participant(*id, name)?;
                Edit::RenameParticipant {
                    id: *id,
                    name: old.name,
                }
            }
            Edit::InsertAttributes(attrs) => {
                for a in attrs {
                    w.insert_attribute(a)?;
                }
                w.raise_high_water("attribute", attrs.iter().map(|a| a.id.0))?;
                Edit::DeleteAttributes(attrs.iter().map(|a| a.id).collect())
            }
            Edit::DeleteAttributes(ids) => {
                let all = r.attributes()?;
                let mut rows = Vec::with_capacity(ids.len());
                for id in ids {
                    let a = all
                        .iter()
                        .find(|a| a.id == *id)
                        .ok_or_else(|| missing("the attribute"))?;
                    rows.push(a.clone());
                    w.delete_attribute(*id)?;
                }
                Edit::InsertAttributes(rows)
            }
            Edit::UpdateAttribute(a) => {
                let old = r
                    .attributes()?
                    .into_iter()
                    .find(|x| x.id == a.id)
                    .ok_or_else(|| missing("the attribute"))?;
                w.update_attribute(a)?;
                Edit::UpdateAttribute(old)
            }
            Edit::SetValues(changes) => {
                let mut old = Vec::with_capacity(changes.len());
                for c in changes {
                    old.push(ValueChange {
                        participant: c.participant,
                        attribute: c.attribute,
                        value: r.attribute_value(c.participant, c.attribute)?,
                    });
                    w.set_value(c.participant, c.attribute, c.value.as_deref())?;
                }
                old.reverse();
                Edit::SetValues(old)
            }
            Edit::InsertCodes(codes) => {
                for c in codes {
                    w.insert_code(c)?;
                }
                w.raise_high_water("code", codes.iter().map(|c| c.id.0))?;
                Edit::DeleteCodes(codes.iter().rev().map(|c| c.id).collect())
            }
            Edit::DeleteCodes(ids) => {
                let mut rows = Vec::with_capacity(ids.len());
                for &id in ids {
                    rows.push(r.code(id)?.ok_or_else(|| missing("the code"))?);
                    w.delete_code(id)?;
                }
                rows.reverse();
                Edit::InsertCodes(rows)
            }
            Edit::UpdateCode(c) => {
                let old = r.code(c.id)?.ok_or_else(|| missing("the code"))?;
                w.update_code(c)?;
                Edit::UpdateCode(old)
            }
            Edit::InsertCoders(coders) => {
                for c in coders {
                    w.insert_coder(c)?;
                }
                w.raise_high_water("coder", coders.iter().map(|c| c.id.0))?;
                Edit::DeleteCoders(coders.iter().map(|c| c.id).collect())
            }
            Edit::DeleteCoders(ids) => {
                let all = r.coders()?;
                let mut rows = Vec::with_capacity(ids.len());
                for id in ids {
                    let c = all
                        .iter()
                        .find(|c| c.id == *id)
                        .ok_or_else(|| missing("the coder"))?;
                    rows.push(c.clone());
                    w.delete_coder(*id)?;
                }
                Edit::InsertCoders(rows)
            }
            Edit::InsertSegments(segments) => {
                for s in segments {
                    w.insert_segment(s)?;
                }
                w.raise_high_water("segment", segments.iter().map(|s| s.id.0))?;
                Edit::DeleteSegments(segments.iter().map(|s| s.id).collect())
            }
            Edit::DeleteSegments(ids) => {
                let mut rows = Vec::with_capacity(ids.len());
                for &id in ids {
                    rows.push(r.segment(id)?.ok_or_else(|| missing("the segment"))?);
                    w.delete_segment(id)?;
                }
                Edit::InsertSegments(rows)
            }
            Edit::UpdateSegment(s) => {
                let old = r.segment(s.id)?.ok_or_else(|| missing("the segment"))?;
                w.update_segment(s)?;
                Edit::UpdateSegment(old)
            }
            Edit::RecodeSegments { ids, from, to } => {
                w.recode_segments(ids, *from, *to)?;
                Edit::RecodeSegments {
                    ids: ids.clone(),
                    from: *to,
                    to: *from,
                }
            }
            Edit::SetDecision { key, choice } => {
                let old = r.decision(key)?;
                w.set_decision(key, choice.as_deref())?;
                Edit::SetDecision {
                    key: key.clone(),
                    choice: old,
                }
            }
            Edit::SetPractice(practice) => {
                let old = r.practice()?;
                w.set_practice(practice.as_ref())?;
                Edit::SetPractice(old)
            }
            Edit::SetSummary {
                participant,
                code,
                text,
            } => {
                let old = r.summary(*participant, *code)?;
                let text = text.as_deref().filter(|t| !t.trim().is_empty());
                w.set_summary(*participant, *code, text)?;
                Edit::SetSummary {
                    participant: *participant,
                    code: *code,
                    text: old,
                }
            }
        })
    }
}
