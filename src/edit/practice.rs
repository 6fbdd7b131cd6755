//! Making a practice project: some documents of a project with its codebook,
//! their participants and attributes, no one's segments, and one coder's
//! coding of them kept apart as the expert's answers (with each segment's memo
//! as the reason). The student codes; `analysis::practice::check` compares.

use std::collections::HashSet;

use super::Edit;
use super::merge::Source;
use crate::error::{Error, Result};
use crate::model::*;

/// The expert's segments in these documents, as answers keyed by GUIDs.
pub fn answers_of(src: &Source, expert: CoderId, docs: &[DocumentId]) -> Vec<PracticeAnswer> {
    let s = &src.snapshot;
    let mut out: Vec<PracticeAnswer> = s
        .segments
        .iter()
        .filter(|seg| seg.coder == expert && docs.contains(&seg.document))
        .filter_map(|seg| {
            Some(PracticeAnswer {
                document_guid: s.document(seg.document)?.guid.clone(),
                code_guid: s.codes.get(seg.code)?.guid.clone(),
                range: seg.range,
                reason: seg.memo.clone(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.document_guid, a.range.start, a.range.end, &a.code_guid).cmp(&(
            &b.document_guid,
            b.range.start,
            b.range.end,
            &b.code_guid,
        ))
    });
    out
}

/// The edit that fills an empty project with the practice: the documents
/// named, the whole codebook (ids and GUIDs kept), the documents'
/// participants with their values, and the answers.
pub fn practice_copy(src: &Source, docs: &[DocumentId], practice: Practice) -> Result<Edit> {
    let s = &src.snapshot;
    if docs.is_empty() {
        return Err(Error::Invalid(
            "a practice project needs at least one document".into(),
        ));
    }
    let mut records: Vec<DocumentRecord> = docs
        .iter()
        .filter_map(|d| src.records.get(d).cloned())
        .collect();
    records.sort_by_key(|r| r.document.id);
    let people: HashSet<ParticipantId> = records
        .iter()
        .filter_map(|r| r.document.participant)
        .collect();
    let participants: Vec<Participant> = s
        .participants
        .iter()
        .filter(|p| people.contains(&p.id))
        .cloned()
        .collect();
    let values = super::merge::values_of(s, |p| people.contains(&p));
    let codes = s.codes.parents_first();
    let names: Vec<&str> = records.iter().map(|r| r.document.name.as_str()).collect();
    let memo = format!(
        "Practice project: code {} with the codebook, then open the Practice tab and \
         press Check my coding. {}'s coding of the same passages stays hidden until you check.",
        names.join(", "),
        practice.expert
    );
    Ok(Edit::Batch(vec![
        Edit::SetProjectMemo(memo),
        Edit::InsertCodes(codes),
        Edit::InsertAttributes(s.attributes.clone()),
        Edit::InsertParticipants(participants),
        Edit::SetValues(values),
        Edit::InsertDocuments(records),
        Edit::SetPractice(Some(practice)),
    ]))
}
