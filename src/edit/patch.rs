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
}

impl ProjectSnapshot {
    /// Applies to the snapshot an edit that has just been applied to the
    /// project (the forward edit, not its inverse).
    pub fn patch(&mut self, edit: &Edit) {
        let mut touched = Touched::default();
        self.patch_rows(edit, &mut touched);
        if touched.resort_segments {
            // Nearly sorted already: the sort runs in about linear time.
            self.segments
                .sort_by_key(|s| (s.document, s.range.start, s.range.end, s.code, s.id));
        }
        self.recompute(&touched);
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
                self.documents
                    .extend(records.iter().map(|r| r.document.clone()));
                self.documents.sort_by(|a, b| a.name.cmp(&b.name));
                t.documents.extend(records.iter().map(|r| r.document.id));
            }
            Edit::DeleteDocuments(ids) => {
                let ids: HashSet<_> = ids.iter().copied().collect();
                self.documents.retain(|d| !ids.contains(&d.id));
                t.documents.extend(ids);
            }
            Edit::UpdateDocument(doc) => {
                if let Some(d) = self.documents.iter_mut().find(|d| d.id == doc.id) {
                    *d = doc.clone();
                }
                self.documents.sort_by(|a, b| a.name.cmp(&b.name));
                // A new participant changes who has each of its codes.
                t.documents.insert(doc.id);
                t.codes
                    .extend(self.segments_of(doc.id).iter().map(|s| s.code));
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
                self.segments.extend(segs.iter().cloned());
                for s in segs {
                    t.codes.insert(s.code);
                    t.documents.insert(s.document);
                }
                t.resort_segments = true;
            }
            Edit::DeleteSegments(ids) => {
                t.positions = None;
                let ids: HashSet<_> = ids.iter().copied().collect();
                self.segments.retain(|s| {
                    let gone = ids.contains(&s.id);
                    if gone {
                        t.codes.insert(s.code);
                        t.documents.insert(s.document);
                    }
                    !gone
                });
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
                if let Some(s) = positions.get(&seg.id).map(|&i| &mut self.segments[i]) {
                    t.codes.insert(s.code);
                    t.documents.insert(s.document);
                    *s = seg.clone();
                }
                t.codes.insert(seg.code);
                t.documents.insert(seg.document);
                t.resort_segments = true;
            }
            // Cell summaries and reconcile decisions are not part of the snapshot.
            Edit::SetSummary { .. } | Edit::SetDecision { .. } => {}
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
        if !t.codes.is_empty() {
            let participant_of: HashMap<DocumentId, Option<ParticipantId>> = self
                .documents
                .iter()
                .map(|d| (d.id, d.participant))
                .collect();
            let mut counts: HashMap<CodeId, (usize, HashSet<ParticipantId>)> = HashMap::new();
            for s in self.segments.iter().filter(|s| t.codes.contains(&s.code)) {
                let entry = counts.entry(s.code).or_default();
                entry.0 += 1;
                if let Some(Some(p)) = participant_of.get(&s.document) {
                    entry.1.insert(*p);
                }
            }
            for code in &t.codes {
                match counts.remove(code) {
                    Some((segments, people)) => {
                        self.code_stats.insert(
                            *code,
                            CodeStats {
                                segments,
                                participants: people.len(),
                            },
                        );
                    }
                    None => {
                        self.code_stats.remove(code);
                    }
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
