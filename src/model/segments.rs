//! A project's segments as the window holds them: one sorted list per
//! document, and an index from each segment's id to its document.
//!
//! One list for the whole project made every new or removed segment move
//! the tail of that list (on 400,000 segments, some 25 MB a change); with
//! a list per document a change moves only its document's few hundred.
//! Walking every segment ([`Segments::iter`]) gives the same order as one
//! sorted list: by document, start, end, code and id.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::{CodeId, DocumentId, Segment, SegmentId};

/// The order of the segments: by document, start, end, code and id.
pub fn segment_order(s: &Segment) -> (DocumentId, usize, usize, CodeId, SegmentId) {
    (s.document, s.range.start, s.range.end, s.code, s.id)
}

/// Where a segment sits within its document's list.
fn within(s: &Segment) -> (usize, usize, CodeId, SegmentId) {
    (s.range.start, s.range.end, s.code, s.id)
}

/// Every segment of a project, grouped by document and sorted.
#[derive(Clone, Default)]
pub struct Segments {
    /// Each document's segments, sorted by start, end, code and id. A
    /// document with none has no entry. A list is shared with whoever took
    /// it ([`Segments::share`]) until it changes, when the change is made
    /// on a copy of that one list.
    by_document: BTreeMap<DocumentId, Arc<Vec<Segment>>>,
    /// Each segment's document.
    document_of: FxHashMap<SegmentId, DocumentId>,
}

impl Segments {
    /// How many segments there are.
    pub fn len(&self) -> usize {
        self.document_of.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.document_of.is_empty()
    }

    /// Every segment, by document, start, end, code and id.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Segment> + Clone {
        self.by_document.values().flat_map(|v| v.iter())
    }

    /// Each document that has segments, with them (sorted by start).
    pub fn by_document(&self) -> impl Iterator<Item = (DocumentId, &[Segment])> + Clone {
        self.by_document.iter().map(|(d, v)| (*d, v.as_slice()))
    }

    /// A document's segments, sorted by start, end, code and id.
    pub fn of(&self, doc: DocumentId) -> &[Segment] {
        self.by_document.get(&doc).map_or(&[], |v| v.as_slice())
    }

    /// A document's segments, as [`Segments::of`] gives them, shared
    /// without copying: for work on another thread that must not see later
    /// changes (the list it holds stays as it was).
    pub fn share(&self, doc: DocumentId) -> Arc<Vec<Segment>> {
        self.by_document.get(&doc).cloned().unwrap_or_default()
    }

    /// The document of the segment with this id.
    pub fn document_of(&self, id: SegmentId) -> Option<DocumentId> {
        self.document_of.get(&id).copied()
    }

    /// The segment with this id, found among its document's few.
    pub fn get(&self, id: SegmentId) -> Option<&Segment> {
        let (doc, at) = self.place(id)?;
        Some(&self.of(doc)[at])
    }

    /// The list of this segment's document and where it sits in it.
    fn place(&self, id: SegmentId) -> Option<(DocumentId, usize)> {
        let doc = self.document_of(id)?;
        let at = self.of(doc).iter().position(|s| s.id == id)?;
        Some((doc, at))
    }

    /// Puts one segment in its place (moving only its document's list).
    /// A segment whose id is already there replaces it.
    pub fn insert(&mut self, s: Segment) {
        self.remove(s.id);
        self.document_of.insert(s.id, s.document);
        let list = Arc::make_mut(self.by_document.entry(s.document).or_default());
        let key = within(&s);
        let at = list.partition_point(|x| within(x) < key);
        list.insert(at, s);
    }

    /// Puts many segments in: each document's list grows by its new ones
    /// and is sorted once.
    pub fn insert_many(&mut self, segments: impl IntoIterator<Item = Segment>) {
        let mut touched = HashSet::new();
        for s in segments {
            self.remove(s.id);
            self.document_of.insert(s.id, s.document);
            touched.insert(s.document);
            Arc::make_mut(self.by_document.entry(s.document).or_default()).push(s);
        }
        for doc in touched {
            if let Some(list) = self.by_document.get_mut(&doc) {
                // Sorted already but for the new tail: about linear.
                Arc::make_mut(list).sort_by_key(within);
            }
        }
    }

    /// Takes out the segment with this id.
    pub fn remove(&mut self, id: SegmentId) -> Option<Segment> {
        let (doc, at) = self.place(id)?;
        self.document_of.remove(&id);
        let list = Arc::make_mut(self.by_document.get_mut(&doc)?);
        let s = list.remove(at);
        if list.is_empty() {
            self.by_document.remove(&doc);
        }
        Some(s)
    }

    /// Takes out the segments with these ids (those there), each
    /// document's list walked once.
    pub fn remove_many(&mut self, ids: &[SegmentId]) -> Vec<Segment> {
        let mut per_document: HashMap<DocumentId, HashSet<SegmentId>> = HashMap::new();
        for id in ids {
            if let Some(doc) = self.document_of.remove(id) {
                per_document.entry(doc).or_default().insert(*id);
            }
        }
        let mut removed = Vec::new();
        for (doc, gone) in per_document {
            let Some(list) = self.by_document.get_mut(&doc) else {
                continue;
            };
            let (out, keep): (Vec<_>, Vec<_>) = std::mem::take(Arc::make_mut(list))
                .into_iter()
                .partition(|s| gone.contains(&s.id));
            removed.extend(out);
            if keep.is_empty() {
                self.by_document.remove(&doc);
            } else {
                *list = Arc::new(keep);
            }
        }
        removed
    }

    /// Gives these segments another code, each moved only among those on
    /// its passage; returns them as they were.
    pub fn recode(&mut self, ids: &[SegmentId], to: CodeId) -> Vec<Segment> {
        let mut before = Vec::with_capacity(ids.len());
        for id in ids {
            let Some((doc, at)) = self.place(*id) else {
                continue;
            };
            let Some(list) = self.by_document.get_mut(&doc) else {
                continue;
            };
            let list = Arc::make_mut(list);
            before.push(list[at].clone());
            list[at].code = to;
            sort_passage_at(list, at);
        }
        before
    }
}

/// Sorts the segments on the same passage (start and end) as the one at
/// `i`, the only ones a new code can move it among.
fn sort_passage_at(list: &mut [Segment], i: usize) {
    let here = list[i].range;
    let mut from = i;
    while from > 0 && list[from - 1].range == here {
        from -= 1;
    }
    let mut to = i + 1;
    while to < list.len() && list[to].range == here {
        to += 1;
    }
    list[from..to].sort_by_key(within);
}

impl FromIterator<Segment> for Segments {
    /// Segments in any order, grouped by document and sorted.
    fn from_iter<I: IntoIterator<Item = Segment>>(segments: I) -> Self {
        Vec::from_iter(segments).into()
    }
}

impl From<Vec<Segment>> for Segments {
    /// Segments in any order, sorted, then moved into one list per
    /// document made at its exact size (lists grown a row at a time would
    /// hold up to twice the room they need).
    fn from(mut all: Vec<Segment>) -> Self {
        all.sort_unstable_by_key(segment_order);
        let runs: Vec<(DocumentId, usize)> = all
            .chunk_by(|a, b| a.document == b.document)
            .map(|run| (run[0].document, run.len()))
            .collect();
        let mut document_of = FxHashMap::default();
        document_of.reserve(all.len());
        document_of.extend(all.iter().map(|s| (s.id, s.document)));
        let mut rows = all.into_iter();
        let by_document = runs
            .into_iter()
            .map(|(doc, n)| {
                let mut list = Vec::with_capacity(n);
                list.extend(rows.by_ref().take(n));
                (doc, Arc::new(list))
            })
            .collect();
        Segments {
            by_document,
            document_of,
        }
    }
}

impl<'a> IntoIterator for &'a Segments {
    type Item = &'a Segment;
    type IntoIter = std::iter::FlatMap<
        std::collections::btree_map::Values<'a, DocumentId, Arc<Vec<Segment>>>,
        std::slice::Iter<'a, Segment>,
        fn(&'a Arc<Vec<Segment>>) -> std::slice::Iter<'a, Segment>,
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.by_document.values().flat_map(|v| v.iter())
    }
}

impl PartialEq for Segments {
    /// The same segments in the same order, and the same index.
    fn eq(&self, other: &Self) -> bool {
        self.by_document == other.by_document && self.document_of == other.document_of
    }
}

impl std::fmt::Debug for Segments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{CharRange, CoderId};

    /// A segment of coder 1 with no GUID, date or memo, for tests.
    pub(crate) fn seg(id: i64, doc: i64, code: i64, start: usize, end: usize) -> Segment {
        Segment {
            id: SegmentId(id),
            guid: String::new(),
            document: DocumentId(doc),
            code: CodeId(code),
            range: CharRange::new(start, end),
            coder: CoderId(1),
            created_at: String::new(),
            memo: String::new(),
            exemplar: false,
        }
    }

    fn ids(s: &Segments) -> Vec<i64> {
        s.iter().map(|x| x.id.0).collect()
    }

    #[test]
    fn kept_in_one_order_whatever_the_changes() {
        let mut s: Segments = vec![
            seg(1, 2, 1, 5, 9),
            seg(2, 1, 1, 0, 4),
            seg(3, 2, 1, 0, 4),
            seg(4, 1, 2, 0, 4),
        ]
        .into();
        assert_eq!(ids(&s), [2, 4, 3, 1]);
        assert_eq!(s.len(), 4);
        s.insert(seg(5, 1, 1, 2, 3));
        assert_eq!(ids(&s), [2, 4, 5, 3, 1]);
        // Recoded: moved among its passage's segments only.
        assert_eq!(s.recode(&[SegmentId(2)], CodeId(3))[0].code, CodeId(1));
        assert_eq!(ids(&s), [4, 2, 5, 3, 1]);
        assert_eq!(s.remove(SegmentId(3)).map(|x| x.id), Some(SegmentId(3)));
        assert_eq!(s.remove(SegmentId(3)), None);
        let gone = s.remove_many(&[SegmentId(1), SegmentId(4), SegmentId(99)]);
        assert_eq!(gone.len(), 2);
        assert_eq!(ids(&s), [2, 5]);
        // Document 2 has none left, so it has no list either.
        assert_eq!(s.by_document().count(), 1);
        assert!(s.of(DocumentId(2)).is_empty());
        s.insert_many([seg(6, 3, 1, 0, 1), seg(7, 1, 1, 0, 1), seg(5, 3, 1, 0, 2)]);
        assert_eq!(ids(&s), [7, 2, 6, 5]);
        assert_eq!(s.document_of(SegmentId(5)), Some(DocumentId(3)));
        assert_eq!(s.get(SegmentId(2)).map(|x| x.code), Some(CodeId(3)));
        let fresh: Segments = s.iter().rev().cloned().collect();
        assert_eq!(fresh, s);
        assert_eq!(fresh.len(), 4);
    }

    /// A shared list stays as it was when it was taken, whatever changes
    /// after; the segments change as they would unshared.
    #[test]
    fn a_shared_list_keeps_what_it_held() {
        let rows = vec![seg(1, 1, 1, 0, 4), seg(2, 1, 2, 5, 9), seg(3, 2, 1, 0, 4)];
        let mut s: Segments = rows.clone().into();
        let mut alone: Segments = rows.into();
        let taken = s.share(DocumentId(1));
        let other = s.share(DocumentId(2));
        assert!(s.share(DocumentId(9)).is_empty());
        for t in [&mut s, &mut alone] {
            t.insert(seg(4, 1, 1, 1, 2));
            t.recode(&[SegmentId(1)], CodeId(3));
            t.remove_many(&[SegmentId(2)]);
            t.insert_many([seg(5, 1, 1, 0, 1), seg(6, 2, 1, 0, 1)]);
            t.remove(SegmentId(3));
        }
        assert_eq!(s, alone);
        let held: Vec<(i64, i64)> = taken.iter().map(|x| (x.id.0, x.code.0)).collect();
        assert_eq!(held, [(1, 1), (2, 2)]);
        assert_eq!(other.iter().map(|x| x.id.0).collect::<Vec<_>>(), [3]);
        assert_eq!(ids(&s), [5, 1, 4, 6]);
    }
}
