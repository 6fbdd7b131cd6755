//! What a change left behind, so that undoing it later can tell whether
//! another coder has changed the same rows since. Undo restores whole rows:
//! a rename undone after someone else's recolour would wipe the colour. So
//! each history entry keeps a [`Witness`]: a fingerprint of every row the
//! change wrote, taken from the edit itself. Before an undo or redo is
//! applied, the rows are read again; if one differs, it is refused and
//! nothing is overwritten.
//!
//! A fingerprint is FNV-1a (64 bits) over the row's JSON, which is stable
//! across builds, unlike the standard library's hasher.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{DecisionKey, Edit};
use crate::error::Result;
use crate::model::*;
use crate::store::Reader;

/// Which row a fingerprint is of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
enum Row {
    Code(i64),
    Segment(i64),
    SegmentCode(i64),
    Document(i64),
    Participant(i64),
    ParticipantName(i64),
    Attribute(i64),
    Coder(i64),
    Value(i64, i64),
    Summary(i64, i64),
    Decision(DecisionKey),
    ProjectMemo,
    Practice,
}

impl Row {
    fn describe(&self) -> &'static str {
        match self {
            Row::Code(_) => "a code",
            Row::Segment(_) | Row::SegmentCode(_) => "a coded segment",
            Row::Document(_) => "a document",
            Row::Participant(_) | Row::ParticipantName(_) => "a participant",
            Row::Attribute(_) => "an attribute",
            Row::Coder(_) => "a coder",
            Row::Value(..) => "an attribute value",
            Row::Summary(..) => "a framework summary",
            Row::Decision(_) => "a reconcile decision",
            Row::ProjectMemo => "the project memo",
            Row::Practice => "the practice",
        }
    }
}

/// Fingerprints of the rows a change wrote (the last write of each row wins).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness(Vec<(Row, u64)>);

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn print<T: Serialize + ?Sized>(value: &T) -> u64 {
    fnv(serde_json::to_string(value).unwrap_or_default().as_bytes())
}

impl Witness {
    /// The rows `edit` leaves, as it was applied.
    pub fn of(edit: &Edit) -> Witness {
        let mut rows: HashMap<Row, u64> = HashMap::new();
        let mut order: Vec<Row> = Vec::new();
        // `None` forgets a row: one deleted later in the same change.
        let mut put = |row: Row, fp: Option<u64>| {
            // A later write of part of a row replaces the earlier print of
            // the whole, and the other way round.
            let other = match row {
                Row::Segment(id) => Some(Row::SegmentCode(id)),
                Row::SegmentCode(id) => Some(Row::Segment(id)),
                Row::Participant(id) => Some(Row::ParticipantName(id)),
                Row::ParticipantName(id) => Some(Row::Participant(id)),
                _ => None,
            };
            if let Some(o) = other {
                rows.remove(&o);
            }
            match fp {
                None => {
                    rows.remove(&row);
                }
                Some(fp) => {
                    if rows.insert(row.clone(), fp).is_none() {
                        order.push(row);
                    }
                }
            }
        };
        fn walk(e: &Edit, put: &mut dyn FnMut(Row, Option<u64>)) {
            match e {
                Edit::Batch(list) => list.iter().for_each(|x| walk(x, put)),
                Edit::SetProjectMemo(m) => put(Row::ProjectMemo, Some(print(m))),
                Edit::InsertDocuments(recs) => {
                    for r in recs {
                        put(Row::Document(r.document.id.0), Some(print(&r.document)));
                    }
                }
                Edit::UpdateDocument(d) => put(Row::Document(d.id.0), Some(print(d))),
                Edit::InsertParticipants(ps) => {
                    for p in ps {
                        put(Row::Participant(p.id.0), Some(print(p)));
                    }
                }
                Edit::RenameParticipant { id, name } => {
                    put(Row::ParticipantName(id.0), Some(print(name)))
                }
                Edit::InsertAttributes(a) => {
                    for x in a {
                        put(Row::Attribute(x.id.0), Some(print(x)));
                    }
                }
                Edit::UpdateAttribute(x) => put(Row::Attribute(x.id.0), Some(print(x))),
                Edit::SetValues(v) => {
                    for c in v {
                        put(
                            Row::Value(c.participant.0, c.attribute.0),
                            Some(print(&c.value)),
                        );
                    }
                }
                Edit::InsertCodes(c) => {
                    for x in c {
                        put(Row::Code(x.id.0), Some(print(x)));
                    }
                }
                Edit::UpdateCode(x) => put(Row::Code(x.id.0), Some(print(x))),
                Edit::InsertCoders(c) => {
                    for x in c {
                        put(Row::Coder(x.id.0), Some(print(x)));
                    }
                }
                Edit::InsertSegments(s) => {
                    for x in s {
                        put(Row::Segment(x.id.0), Some(print(x)));
                    }
                }
                Edit::UpdateSegment(x) => put(Row::Segment(x.id.0), Some(print(x))),
                Edit::RecodeSegments { ids, to, .. } => {
                    for id in ids {
                        put(Row::SegmentCode(id.0), Some(print(to)));
                    }
                }
                Edit::SetDecision { key, choice } => {
                    put(Row::Decision(key.clone()), Some(print(choice)))
                }
                Edit::SetSummary {
                    participant,
                    code,
                    text,
                } => put(
                    Row::Summary(participant.0, code.0),
                    Some(print(&text.as_deref().filter(|t| !t.trim().is_empty()))),
                ),
                Edit::SetPractice(p) => put(Row::Practice, Some(print(p))),
                // What a deletion leaves is an absence; ids are never reused,
                // so nothing can take the row's place. A row the change wrote
                // and then deleted is not checked.
                Edit::DeleteDocuments(ids) => {
                    ids.iter().for_each(|i| put(Row::Document(i.0), None))
                }
                Edit::DeleteParticipants(ids) => {
                    ids.iter().for_each(|i| put(Row::Participant(i.0), None))
                }
                Edit::DeleteAttributes(ids) => {
                    ids.iter().for_each(|i| put(Row::Attribute(i.0), None))
                }
                Edit::DeleteCodes(ids) => ids.iter().for_each(|i| put(Row::Code(i.0), None)),
                Edit::DeleteCoders(ids) => ids.iter().for_each(|i| put(Row::Coder(i.0), None)),
                Edit::DeleteSegments(ids) => ids.iter().for_each(|i| put(Row::Segment(i.0), None)),
            }
        }
        walk(edit, &mut put);
        Witness(
            order
                .into_iter()
                .filter_map(|r| {
                    let fp = rows.remove(&r)?;
                    Some((r, fp))
                })
                .collect(),
        )
    }

    /// The first row that is no longer as the change left it, if any (a
    /// row removed since counts as changed).
    pub fn first_change(&self, r: &Reader<'_>) -> Result<Option<&'static str>> {
        let mut participants: Option<HashMap<i64, Participant>> = None;
        let mut attributes: Option<HashMap<i64, Attribute>> = None;
        let mut coders: Option<HashMap<i64, Coder>> = None;
        for (row, fp) in &self.0 {
            let now: Option<u64> = match row {
                Row::Code(id) => r.code(CodeId(*id))?.map(|c| print(&c)),
                Row::Segment(id) => r.segment(SegmentId(*id))?.map(|s| print(&s)),
                Row::SegmentCode(id) => r.segment(SegmentId(*id))?.map(|s| print(&s.code)),
                Row::Document(id) => r.document(DocumentId(*id))?.map(|d| print(&d)),
                Row::Participant(id) | Row::ParticipantName(id) => {
                    let all = loaded(&mut participants, || r.participants(), |p| p.id.0)?;
                    all.get(id).map(|p| {
                        if matches!(row, Row::Participant(_)) {
                            print(p)
                        } else {
                            print(&p.name)
                        }
                    })
                }
                Row::Attribute(id) => loaded(&mut attributes, || r.attributes(), |a| a.id.0)?
                    .get(id)
                    .map(print),
                Row::Coder(id) => loaded(&mut coders, || r.coders(), |c| c.id.0)?
                    .get(id)
                    .map(print),
                Row::Value(p, a) => Some(print(
                    &r.attribute_value(ParticipantId(*p), AttributeId(*a))?,
                )),
                Row::Summary(p, c) => Some(print(&r.summary(ParticipantId(*p), CodeId(*c))?)),
                Row::Decision(key) => Some(print(&r.decision(key)?)),
                Row::ProjectMemo => Some(print(&r.project()?.1)),
                Row::Practice => Some(print(&r.practice()?)),
            };
            if now != Some(*fp) {
                return Ok(Some(row.describe()));
            }
        }
        Ok(None)
    }
}

/// Rows the store has no one-row read for, loaded once on first need and
/// kept by id.
fn loaded<T>(
    slot: &mut Option<HashMap<i64, T>>,
    load: impl FnOnce() -> Result<Vec<T>>,
    id: impl Fn(&T) -> i64,
) -> Result<&HashMap<i64, T>> {
    if slot.is_none() {
        *slot = Some(load()?.into_iter().map(|x| (id(&x), x)).collect());
    }
    Ok(slot.as_ref().expect("just filled"))
}
