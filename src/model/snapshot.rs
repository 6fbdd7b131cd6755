//! Everything about a project except the transcripts' text, loaded at once: what
//! the window draws its lists, tree and grid from. Derived counts are computed
//! here, apart from any drawing, so tests can check them.

use std::collections::HashMap;

use super::*;

/// How much a code is used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodeStats {
    /// Segments coded with it (its own, not its children's).
    pub segments: usize,
    /// Distinct participants with at least one of those segments.
    pub participants: usize,
}

/// A project's metadata and coding, without transcript text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectSnapshot {
    /// Project name.
    pub name: String,
    /// Project memo.
    pub memo: String,
    /// Documents, sorted by name.
    pub documents: Vec<Document>,
    /// Participants, sorted by name.
    pub participants: Vec<Participant>,
    /// Attributes, in column order.
    pub attributes: Vec<Attribute>,
    /// Attribute values by participant and attribute.
    pub values: HashMap<(ParticipantId, AttributeId), String>,
    /// The codebook.
    pub codes: CodeTree,
    /// Coders, sorted by name.
    pub coders: Vec<Coder>,
    /// All segments, a sorted list per document (walked in the order of
    /// document, start, end, code and id), found by id through an index.
    pub segments: Segments,
    /// Use of each code.
    pub code_stats: HashMap<CodeId, CodeStats>,
    /// Code points of each document covered by at least one segment.
    pub coded_chars: HashMap<DocumentId, usize>,
    /// For each code, how many of its segments each participant has: kept so
    /// that a change updates a code's participant count without a scan.
    pub code_people: HashMap<CodeId, HashMap<ParticipantId, usize>>,
}

impl ProjectSnapshot {
    /// Computes the derived counts from the loaded rows.
    pub fn compute_stats(&mut self) {
        let participant_of: HashMap<DocumentId, Option<ParticipantId>> = self
            .documents
            .iter()
            .map(|d| (d.id, d.participant))
            .collect();
        let mut people: HashMap<CodeId, HashMap<ParticipantId, usize>> = HashMap::new();
        let mut stats: HashMap<CodeId, CodeStats> = HashMap::new();
        // Counted a document at a time (its few codes), then added up.
        let mut here: rustc_hash::FxHashMap<CodeId, usize> = Default::default();
        for (doc, segments) in self.segments.by_document() {
            here.clear();
            for s in segments {
                *here.entry(s.code).or_default() += 1;
            }
            let participant = participant_of.get(&doc).copied().flatten();
            for (&code, &n) in &here {
                stats.entry(code).or_default().segments += n;
                if let Some(p) = participant {
                    *people.entry(code).or_default().entry(p).or_default() += n;
                }
            }
        }
        for (code, by) in &people {
            stats.entry(*code).or_default().participants = by.len();
        }
        self.code_stats = stats;
        self.code_people = people;
        self.coded_chars = self
            .segments
            .by_document()
            .map(|(doc, segs)| (doc, covered_chars(segs)))
            .collect();
    }

    /// The segment with this id, found among its document's few.
    pub fn segment(&self, id: SegmentId) -> Option<&Segment> {
        self.segments.get(id)
    }

    /// The document with this id.
    pub fn document(&self, id: DocumentId) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }

    /// The participant with this id.
    pub fn participant(&self, id: ParticipantId) -> Option<&Participant> {
        self.participants.iter().find(|p| p.id == id)
    }

    /// The document of this name (exact spelling first, else ignoring case).
    pub fn document_named(&self, name: &str) -> Option<&Document> {
        let docs = &self.documents;
        docs.iter()
            .find(|d| d.name == name)
            .or_else(|| docs.iter().find(|d| super::same_name(&d.name, name)))
    }

    /// The coder of this name (exact spelling first, else ignoring case).
    pub fn coder_named(&self, name: &str) -> Option<&Coder> {
        let coders = &self.coders;
        coders
            .iter()
            .find(|c| c.name == name)
            .or_else(|| coders.iter().find(|c| super::same_name(&c.name, name)))
    }

    /// A participant's value of an attribute, or "".
    pub fn value(&self, p: ParticipantId, a: AttributeId) -> &str {
        self.values.get(&(p, a)).map_or("", String::as_str)
    }

    /// The coder's name, or "".
    pub fn coder_name(&self, id: CoderId) -> &str {
        self.coders
            .iter()
            .find(|c| c.id == id)
            .map_or("", |c| c.name.as_str())
    }

    /// Fraction of a document's text that is coded, from 0 to 1.
    pub fn coverage(&self, d: &Document) -> f32 {
        self.coverage_of(d.id, d.char_len)
    }

    /// Fraction of a document of `char_len` code points that is coded.
    pub fn coverage_of(&self, doc: DocumentId, char_len: usize) -> f32 {
        if char_len == 0 {
            return 0.0;
        }
        *self.coded_chars.get(&doc).unwrap_or(&0) as f32 / char_len as f32
    }

    /// A document's segments (sorted by start).
    pub fn segments_of(&self, doc: DocumentId) -> &[Segment] {
        self.segments.of(doc)
    }
}

/// Code points covered by at least one of one document's segments, given
/// sorted by start: one sweep merges overlaps.
pub fn covered_chars(segments: &[Segment]) -> usize {
    let mut total = 0;
    let mut current: Option<(usize, usize)> = None;
    for s in segments {
        current = match current {
            Some((start, end)) if s.range.start <= end => Some((start, end.max(s.range.end))),
            Some((start, end)) => {
                total += end - start;
                Some((s.range.start, s.range.end))
            }
            None => Some((s.range.start, s.range.end)),
        };
    }
    total + current.map_or(0, |(s, e)| e - s)
}

#[cfg(test)]
mod tests {
    use super::super::segments::tests::seg;
    use super::*;

    #[test]
    fn stats_count_segments_people_and_coverage() {
        let doc = |id: i64, p: i64| Document {
            id: DocumentId(id),
            guid: String::new(),
            name: format!("D{id}"),
            participant: Some(ParticipantId(p)),
            char_len: 100,
            source_file: String::new(),
            encoding: String::new(),
            imported_at: String::new(),
            memo: String::new(),
        };
        let mut s = ProjectSnapshot {
            documents: vec![doc(1, 1), doc(2, 1), doc(3, 2)],
            segments: vec![
                seg(1, 1, 7, 0, 10),
                seg(2, 1, 8, 5, 20),
                seg(3, 1, 7, 50, 60),
                seg(4, 2, 7, 0, 5),
                seg(5, 3, 7, 0, 5),
            ]
            .into(),
            ..Default::default()
        };
        s.compute_stats();
        assert_eq!(
            s.code_stats[&CodeId(7)],
            CodeStats {
                segments: 4,
                participants: 2
            }
        );
        assert_eq!(
            s.code_stats[&CodeId(8)],
            CodeStats {
                segments: 1,
                participants: 1
            }
        );
        assert_eq!(s.coded_chars[&DocumentId(1)], 30);
        assert_eq!(s.segments_of(DocumentId(1)).len(), 3);
        assert_eq!(s.segments_of(DocumentId(2)).len(), 1);
    }
}
