//! Bringing a loaded [`ProjectSnapshot`] up to date from an edit, without
//! reading the project again.
//!
//! Every edit carries the rows it writes (inserts and updates carry whole
//! rows, deletes carry ids), so the edit that was just applied is enough to
//! patch the snapshot, and its derived counts are recomputed only for the
//! codes and documents the edit touched. This is the one way a snapshot
//! changes after it is loaded: the window patches from its own changes, from
//! undo and redo, and (later) from other coders' changes as they arrive.
//! `tests/edits.rs` checks for every kind of edit that a patched snapshot
//! equals one loaded fresh from the file.

use std::collections::{HashMap, HashSet};

use super::Edit;
use crate::model::*;

/// Up to this many segments are put in place (or taken out) one by one;
/// more are appended and the list sorted once.
const FEW: usize = 32;

/// The order of `ProjectSnapshot::segments`.
fn sort_key(s: &Segment) -> (DocumentId, usize, usize, CodeId, SegmentId) {
    (s.document, s.range.start, s.range.end, s.code, s.id)
}

/// What a patch touched, so that only those derived counts are recomputed.
#[derive(Default)]
struct Touched {
    codes: HashSet<CodeId>,
    documents: HashSet<DocumentId>,
    /// Segments were inserted or their sort key changed: sort again.
    resort_segments: bool,
    /// Where each segment sits in `segments`, built on the first update of a
    /// patch (a merge updates thousands) and dropped when rows move.
    positions: Option<HashMap<SegmentId, usize>>,
    /// Each document's participant, built when first needed and dropped when
    /// documents change.
    participant_of: Option<HashMap<DocumentId, Option<ParticipantId>>>,
}

impl ProjectSnapshot {
    /// Counts a segment in (or, with `gone`, out of) its code's segment and
    /// participant counts, so a change never rescans every segment.
    fn count(&mut self, s: &Segment, gone: bool, t: &mut Touched) {
        let documents = &self.documents;
        let participant = *t
            .participant_of
            .get_or_insert_with(|| documents.iter().map(|d| (d.id, d.participant)).collect())
            .get(&s.document)
            .unwrap_or(&None);
        let stats = self.code_stats.entry(s.code).or_default();
        if gone {
            stats.segments = stats.segments.saturating_sub(1);
        } else {
            stats.segments += 1;
        }
        if let Some(p) = participant {
            let people = self.code_people.entry(s.code).or_default();
            let n = people.entry(p).or_default();
            if gone {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    people.remove(&p);
                }
            } else {
                *n += 1;
            }
            if people.is_empty() {
                self.code_people.remove(&s.code);
            }
        }
        t.codes.insert(s.code);
        t.documents.insert(s.document);
    }

    /// Applies to the snapshot an edit that has just been applied to the
    /// project (the forward edit, not its inverse).
    /// Returns the codes whose segments changed, so views of one code can
    /// tell whether they need rebuilding.
    pub fn patch(&mut self, edit: &Edit) -> HashSet<CodeId> {
        let mut touched = Touched::default();
        self.patch_rows(edit, &mut touched);
        if touched.resort_segments {
            // Nearly sorted already: the sort runs in about linear time.
            self.segments.sort_by_key(sort_key);
        }
        self.recompute(&touched);
        touched.codes
    }

    fn patch_rows(&mut self, edit: &Edit, t: &mut Touched) {
        match edit {
            Edit::Batch(edits) => {
                for e in edits {
                    self.patch_rows(e, t);
                }
            }
            Edit::SetProjectMemo(memo) => self.memo = memo.clone(),
            Edit::InsertDocuments(records) => {
                t.participant_of = None;
                self.documents
                    .extend(records.iter().map(|r| r.document.clone()));
                self.documents.sort_by(|a, b| a.name.cmp(&b.name));
                t.documents.extend(records.iter().map(|r| r.document.id));
            }
            Edit::DeleteDocuments(ids) => {
                t.participant_of = None;
                let ids: HashSet<_> = ids.iter().copied().collect();
                self.documents.retain(|d| !ids.contains(&d.id));
                t.documents.extend(ids);
            }
            Edit::UpdateDocument(doc) => {
                // A new participant changes who has each of its codes: its
                // segments are counted out under the old one and in again.
                let moved = self
                    .documents
                    .iter()
                    .find(|d| d.id == doc.id)
                    .is_some_and(|d| d.participant != doc.participant);
                let mine: Vec<Segment> = if moved {
                    self.segments
                        .iter()
                        .filter(|s| s.document == doc.id)
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                for s in &mine {
                    self.count(s, true, t);
                }
                if let Some(d) = self.documents.iter_mut().find(|d| d.id == doc.id) {
                    *d = doc.clone();
                }
                self.documents.sort_by(|a, b| a.name.cmp(&b.name));
                t.participant_of = None;
                for s in &mine {
                    self.count(s, false, t);
                }
                t.documents.insert(doc.id);
            }
            Edit::InsertParticipants(ps) => {
                self.participants.extend(ps.iter().cloned());
                self.participants.sort_by(|a, b| a.name.cmp(&b.name));
            }
            Edit::DeleteParticipants(ids) => {
                let ids: HashSet<_> = ids.iter().copied().collect();
                self.participants.retain(|p| !ids.contains(&p.id));
            }
            Edit::RenameParticipant { id, name } => {
                if let Some(p) = self.participants.iter_mut().find(|p| p.id == *id) {
                    p.name = name.clone();
                }
                self.participants.sort_by(|a, b| a.name.cmp(&b.name));
            }
            Edit::InsertAttributes(attrs) => {
                self.attributes.extend(attrs.iter().cloned());
                self.sort_attributes();
            }
            Edit::DeleteAttributes(ids) => {
                let ids: HashSet<_> = ids.iter().copied().collect();
                self.attributes.retain(|a| !ids.contains(&a.id));
            }
            Edit::UpdateAttribute(attr) => {
                if let Some(a) = self.attributes.iter_mut().find(|a| a.id == attr.id) {
                    *a = attr.clone();
                }
                self.sort_attributes();
            }
            Edit::SetValues(changes) => {
                for c in changes {
                    let key = (c.participant, c.attribute);
                    match &c.value {
                        Some(v) => {
                            self.values.insert(key, v.clone());
                        }
                        None => {
                            self.values.remove(&key);
                        }
                    }
                }
            }
            Edit::InsertCodes(new) => {
                let mut codes = self.codes.codes().to_vec();
                codes.extend(new.iter().cloned());
                self.set_codes(codes);
            }
            Edit::DeleteCodes(ids) => {
                for id in ids {
                    self.code_people.remove(id);
                }
                let ids: HashSet<_> = ids.iter().copied().collect();
                let mut codes = self.codes.codes().to_vec();
                codes.retain(|c| !ids.contains(&c.id));
                self.set_codes(codes);
                t.codes.extend(ids);
            }
            Edit::UpdateCode(code) => {
                let mut codes = self.codes.codes().to_vec();
                if let Some(c) = codes.iter_mut().find(|c| c.id == code.id) {
                    *c = code.clone();
                }
                self.set_codes(codes);
            }
            Edit::InsertCoders(cs) => {
                self.coders.extend(cs.iter().cloned());
                self.coders.sort_by(|a, b| a.name.cmp(&b.name));
            }
            Edit::DeleteCoders(ids) => {
                let ids: HashSet<_> = ids.iter().copied().collect();
                self.coders.retain(|c| !ids.contains(&c.id));
            }
            Edit::InsertSegments(segs) => {
                t.positions = None;
                for s in segs {
                    self.count(s, false, t);
                }
                if t.resort_segments || segs.len() > FEW {
                    self.segments.extend(segs.iter().cloned());
                    t.resort_segments = true;
                } else {
                    // A few new rows go straight to their place (one move
                    // of the tail each) instead of sorting the whole list.
                    for s in segs {
                        let key = sort_key(s);
                        let at = self.segments.partition_point(|x| sort_key(x) < key);
                        self.segments.insert(at, s.clone());
                    }
                }
            }
            Edit::DeleteSegments(ids) if ids.len() <= FEW => {
                t.positions = None;
                for id in ids {
                    if let Some(at) = self.segments.iter().position(|s| s.id == *id) {
                        let s = self.segments.remove(at);
                        self.count(&s, true, t);
                    }
                }
            }
            Edit::DeleteSegments(ids) => {
                t.positions = None;
                let ids: HashSet<_> = ids.iter().copied().collect();
                let mut removed = Vec::new();
                self.segments.retain(|s| {
                    let gone = ids.contains(&s.id);
                    if gone {
                        removed.push(s.clone());
                    }
                    !gone
                });
                for s in &removed {
                    self.count(s, true, t);
                }
            }
            Edit::UpdateSegment(seg) => {
                let positions = t.positions.get_or_insert_with(|| {
                    self.segments
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (s.id, i))
                        .collect()
                });
                // Updated in place: positions stay valid until the final sort.
                if let Some(i) = positions.get(&seg.id).copied() {
                    let old = std::mem::replace(&mut self.segments[i], seg.clone());
                    self.count(&old, true, t);
                    self.count(seg, false, t);
                }
                t.resort_segments = true;
            }
            Edit::RecodeSegments { ids, from: _, to } => {
                let ids: HashSet<_> = ids.iter().copied().collect();
                let mut moved = Vec::new();
                for s in self.segments.iter_mut().filter(|s| ids.contains(&s.id)) {
                    moved.push(s.clone());
                    s.code = *to;
                }
                for old in &moved {
                    self.count(old, true, t);
                    let mut new = old.clone();
                    new.code = *to;
                    self.count(&new, false, t);
                }
                t.resort_segments = true;
            }
            // Cell summaries and reconcile decisions are not part of the snapshot.
            Edit::SetSummary { .. } | Edit::SetDecision { .. } | Edit::SetPractice(_) => {}
        }
    }

    fn sort_attributes(&mut self) {
        self.attributes
            .sort_by(|a, b| (a.position, &a.name).cmp(&(b.position, &b.name)));
    }

    /// The store returns codes by id; the tree is rebuilt from that list.
    fn set_codes(&mut self, mut codes: Vec<Code>) {
        codes.sort_by_key(|c| c.id);
        self.codes = CodeTree::new(codes);
    }

    /// Recomputes the counts of the touched codes (segments, participants)
    /// and the coverage of the touched documents, as a fresh load would.
    fn recompute(&mut self, t: &Touched) {
        // The counts were kept up to date row by row; codes left with no
        // segment lose their entry, as a fresh load has none.
        for code in &t.codes {
            let people = self.code_people.get(code).map_or(0, HashMap::len);
            match self.code_stats.get_mut(code) {
                Some(stats) if stats.segments > 0 => stats.participants = people,
                _ => {
                    self.code_stats.remove(code);
                }
            }
        }
        for &doc in &t.documents {
            match covered_chars(self.segments_of(doc)) {
                0 if self.segments_of(doc).is_empty() => {
                    self.coded_chars.remove(&doc);
                }
                n => {
                    self.coded_chars.insert(doc, n);
                }
            }
        }
    }
}
