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

/// Up to this many segments are put in place one by one; more are added to
/// their documents' lists, each sorted once.
const FEW: usize = 32;

/// What [`ProjectSnapshot::patch`] touched.
#[derive(Debug, Default)]
pub struct Patched {
    /// The codes whose segments changed.
    pub codes: HashSet<CodeId>,
    /// The documents whose segments changed, or that came, went or changed.
    pub documents: HashSet<DocumentId>,
}

/// What a patch touched, so that only those derived counts are recomputed.
#[derive(Default)]
struct Touched {
    codes: HashSet<CodeId>,
    documents: HashSet<DocumentId>,
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
    /// Returns the codes whose segments changed and the documents whose
    /// segments (or rows) changed, so views can tell what to rebuild.
    pub fn patch(&mut self, edit: &Edit) -> Patched {
        let mut touched = Touched::default();
        self.patch_rows(edit, &mut touched);
        self.recompute(&touched);
        Patched {
            codes: touched.codes,
            documents: touched.documents,
        }
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
                    self.segments_of(doc.id).to_vec()
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
                for s in segs {
                    self.count(s, false, t);
                }
                if segs.len() > FEW {
                    // Each touched document's list sorted once.
                    self.segments.insert_many(segs.iter().cloned());
                } else {
                    // A few new rows go straight to their place.
                    for s in segs {
                        self.segments.insert(s.clone());
                    }
                }
            }
            Edit::DeleteSegments(ids) => {
                for s in self.segments.remove_many(ids) {
                    self.count(&s, true, t);
                }
            }
            Edit::UpdateSegment(seg) => {
                // Taken out of its place and put in again, which may be in
                // another document's list.
                if let Some(old) = self.segments.remove(seg.id) {
                    self.count(&old, true, t);
                    self.count(seg, false, t);
                    self.segments.insert(seg.clone());
                }
            }
            Edit::RecodeSegments { ids, from: _, to } => {
                // A new code moves a segment only among those on the same
                // passage, so only those few are sorted again.
                for old in self.segments.recode(ids, *to) {
                    self.count(&old, true, t);
                    let new = Segment { code: *to, ..old };
                    self.count(&new, false, t);
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_rng::Rng;

    fn document(id: i64) -> Document {
        Document {
            id: DocumentId(id),
            guid: String::new(),
            name: format!("D{id}"),
            participant: Some(ParticipantId(id % 3)),
            char_len: 1_000,
            source_file: String::new(),
            encoding: String::new(),
            imported_at: String::new(),
            memo: String::new(),
        }
    }

    /// A segment on one of a few passages, so that many share one.
    fn segment(id: i64, rng: &mut Rng) -> Segment {
        let start = 10 * rng.below(6);
        Segment {
            id: SegmentId(id),
            guid: format!("g{id}"),
            document: DocumentId(1 + rng.below(6) as i64),
            code: CodeId(1 + rng.below(4) as i64),
            range: CharRange::new(start, start + 5 + 5 * rng.below(3)),
            coder: CoderId(1),
            created_at: String::new(),
            memo: String::new(),
            exemplar: false,
        }
    }

    /// The snapshot loaded fresh with these segments.
    fn fresh(documents: &[Document], segments: &[Segment]) -> ProjectSnapshot {
        let mut s = ProjectSnapshot {
            documents: documents.to_vec(),
            segments: segments.to_vec().into(),
            ..Default::default()
        };
        s.compute_stats();
        s
    }

    /// Some ids of the segments, picked at random.
    fn some(rng: &mut Rng, segments: &[Segment], n: usize) -> Vec<SegmentId> {
        let mut ids: Vec<_> = (0..n)
            .map(|_| segments[rng.below(segments.len())].id)
            .collect();
        ids.dedup();
        ids
    }

    /// Segment edits, alone and in batches, few and many at a time, patch
    /// the snapshot to what a fresh load of the same rows gives: the order,
    /// the index by id, the counts and the coverage.
    #[test]
    fn patched_segments_equal_a_fresh_load() {
        let mut rng = Rng(7);
        let documents: Vec<_> = (1..=6).map(document).collect();
        let mut rows: Vec<Segment> = (1..=300).map(|id| segment(id, &mut rng)).collect();
        let mut snap = fresh(&documents, &rows);
        let mut next_id = 301;
        for round in 0..400 {
            let mut parts = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let edit = match rng.below(6) {
                    0 | 1 => {
                        let n = if rng.below(4) == 0 {
                            40
                        } else {
                            1 + rng.below(3)
                        };
                        let new: Vec<_> = (0..n)
                            .map(|i| segment(next_id + i as i64, &mut rng))
                            .collect();
                        next_id += n as i64;
                        rows.extend(new.iter().cloned());
                        Edit::InsertSegments(new)
                    }
                    2 => {
                        let n = if rng.below(4) == 0 {
                            40
                        } else {
                            1 + rng.below(3)
                        };
                        let ids = some(&mut rng, &rows, n);
                        rows.retain(|s| !ids.contains(&s.id));
                        Edit::DeleteSegments(ids)
                    }
                    3 => {
                        let n = 1 + rng.below(60);
                        let ids = some(&mut rng, &rows, n);
                        let to = CodeId(1 + rng.below(5) as i64);
                        for s in rows.iter_mut().filter(|s| ids.contains(&s.id)) {
                            s.code = to;
                        }
                        Edit::RecodeSegments {
                            ids,
                            from: CodeId(1),
                            to,
                        }
                    }
                    _ => {
                        let at = rng.below(rows.len());
                        let mut s = rows[at].clone();
                        s.range = CharRange::new(s.range.start, s.range.end + 1 + rng.below(20));
                        s.code = CodeId(1 + rng.below(4) as i64);
                        rows[at] = s.clone();
                        Edit::UpdateSegment(s)
                    }
                };
                parts.push(edit);
            }
            let edit = if parts.len() == 1 {
                parts.pop().unwrap()
            } else {
                Edit::Batch(parts)
            };
            snap.patch(&edit);
            assert_eq!(snap, fresh(&documents, &rows), "round {round}: {edit:?}");
            if rows.len() < 50 {
                let more: Vec<_> = (0..200).map(|i| segment(next_id + i, &mut rng)).collect();
                next_id += 200;
                rows.extend(more.iter().cloned());
                snap.patch(&Edit::InsertSegments(more));
            }
        }
    }
}
