//! Every query the library runs. Lists come back sorted, as their doc says.

use std::collections::HashMap;

use super::sql::{Db, Row, p};

use crate::error::Result;
use crate::model::*;

/// Read access to a project, inside or outside a transaction.
#[derive(Clone, Copy)]
pub struct Reader<'c> {
    db: &'c Db,
}

const DOCUMENT_COLUMNS: &str =
    "id, guid, name, participant_id, char_len, source_file, encoding, imported_at, memo";
const CODE_COLUMNS: &str = "id, guid, parent_id, name, color, description, position, memo, \
     short_definition, when_to_use, when_not_to_use";
/// A segment's coded text, in a query joining `segment s` and `document_text t`.
/// Both backends' `substr` count characters (code points), as Weft's offsets
/// do, so no transcript has to be loaded whole.
const QUOTE: &str =
    "substr(t.text, CAST(s.start + 1 AS INTEGER), CAST(s.\"end\" - s.start AS INTEGER))";
const SEGMENT_COLUMNS: &str =
    "id, guid, document_id, code_id, start, \"end\", coder_id, created_at, memo, exemplar";

fn no_project() -> crate::Error {
    crate::Error::Invalid("the project row is missing; the project may be damaged".into())
}

fn document_row(r: &Row<'_>) -> Result<Document> {
    Ok(Document {
        id: DocumentId(r.get(0)?),
        guid: r.get(1)?,
        name: r.get(2)?,
        participant: r.get::<Option<i64>>(3)?.map(ParticipantId),
        char_len: r.get::<i64>(4)? as usize,
        source_file: r.get(5)?,
        encoding: r.get(6)?,
        imported_at: r.get(7)?,
        memo: r.get(8)?,
    })
}

fn code_row(r: &Row<'_>) -> Result<Code> {
    Ok(Code {
        id: CodeId(r.get(0)?),
        guid: r.get(1)?,
        parent: r.get::<Option<i64>>(2)?.map(CodeId),
        name: r.get(3)?,
        color: r.get(4)?,
        description: r.get(5)?,
        position: r.get(6)?,
        memo: r.get(7)?,
        short_definition: r.get(8)?,
        when_to_use: r.get(9)?,
        when_not_to_use: r.get(10)?,
    })
}

fn segment_row(r: &Row<'_>) -> Result<Segment> {
    Ok(Segment {
        id: SegmentId(r.get(0)?),
        guid: r.get(1)?,
        document: DocumentId(r.get(2)?),
        code: CodeId(r.get(3)?),
        range: CharRange::new(r.get::<i64>(4)? as usize, r.get::<i64>(5)? as usize),
        coder: CoderId(r.get(6)?),
        created_at: r.get(7)?,
        memo: r.get(8)?,
        exemplar: r.get(9)?,
    })
}

fn attribute_row(r: &Row<'_>) -> Result<Attribute> {
    let kind: String = r.get(3)?;
    Ok(Attribute {
        id: AttributeId(r.get(0)?),
        guid: r.get(1)?,
        name: r.get(2)?,
        kind: AttributeKind::parse(&kind).unwrap_or(AttributeKind::Text),
        position: r.get(4)?,
    })
}

impl<'c> Reader<'c> {
    pub(crate) fn new(db: &'c Db) -> Self {
        Reader { db }
    }

    fn list<T>(
        &self,
        sql: &str,
        params: &[super::sql::P<'_>],
        f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.db.list(sql, params, f)
    }

    fn one<T>(
        &self,
        sql: &str,
        params: &[super::sql::P<'_>],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        self.db.one(sql, params, f)
    }

    /// How many segments the project holds.
    pub fn segment_count(&self) -> Result<usize> {
        Ok(self.db.value::<i64>("SELECT count(*) FROM segment", p![])? as usize)
    }

    /// How many segments the project holds, counted no further than
    /// `limit` (a count of them all walks an index).
    pub fn segment_count_up_to(&self, limit: usize) -> Result<usize> {
        Ok(self.db.value::<i64>(
            "SELECT count(*) FROM (SELECT 1 FROM segment LIMIT ?1)",
            p![limit as i64],
        )? as usize)
    }

    /// How many of each thing the project holds.
    pub fn counts(&self) -> Result<Counts> {
        let n = |table: &str| -> Result<usize> {
            let sql = format!("SELECT count(*) FROM {table}");
            Ok(self.db.value::<i64>(&sql, p![])? as usize)
        };
        Ok(Counts {
            documents: n("document")?,
            participants: n("participant")?,
            attributes: n("attribute")?,
            codes: n("code")?,
            segments: n("segment")?,
            coders: n("coder")?,
        })
    }

    /// The project's name and memo.
    pub fn project(&self) -> Result<(String, String)> {
        self.one("SELECT name, memo FROM project WHERE id = 1", p![], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .ok_or_else(no_project)
    }

    /// The project's GUID.
    pub fn project_guid(&self) -> Result<String> {
        self.one("SELECT guid FROM project WHERE id = 1", p![], |r| r.get(0))?
            .ok_or_else(no_project)
    }

    /// When the project was created (RFC 3339).
    pub fn project_created(&self) -> Result<String> {
        self.one("SELECT created_at FROM project WHERE id = 1", p![], |r| {
            r.get(0)
        })?
        .ok_or_else(no_project)
    }

    /// The next free row id of a table. Edits carry explicit ids so that undo
    /// restores rows exactly as they were.
    pub fn next_id(&self, table: &str) -> Result<i64> {
        self.next_number(table, "id")
    }

    /// The next free number of a table's key column, never one used before.
    pub(crate) fn next_number(&self, table: &str, column: &str) -> Result<i64> {
        // Never an id that was used before, even by a row since deleted:
        // undoing that deletion must not clash with someone's new row.
        let sql = format!(
            "SELECT {}(coalesce((SELECT next FROM id_high_water WHERE tbl = ?1), 1),
                        (SELECT coalesce(max({column}), 0) + 1 FROM {table}))",
            if self.db.is_pg() { "greatest" } else { "max" }
        );
        self.db.value(&sql, p![table])
    }

    /// All documents, sorted by name (byte by byte, on either backend).
    pub fn documents(&self) -> Result<Vec<Document>> {
        // Sorted here rather than by ORDER BY, which walks the name index
        // and looks up each row from it (also, a server's collation may
        // order names otherwise than a file).
        let mut all = self.list(
            &format!("SELECT {DOCUMENT_COLUMNS} FROM document"),
            p![],
            document_row,
        )?;
        all.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    /// The document with this id.
    pub fn document(&self, id: DocumentId) -> Result<Option<Document>> {
        self.one(
            &format!("SELECT {DOCUMENT_COLUMNS} FROM document WHERE id = ?1"),
            p![id.0],
            document_row,
        )
    }

    /// The document with this name.
    /// A document by name: exactly, else ignoring case.
    pub fn document_by_name(&self, name: &str) -> Result<Option<Document>> {
        let exact = self.one(
            &format!("SELECT {DOCUMENT_COLUMNS} FROM document WHERE name = ?1"),
            p![name],
            document_row,
        )?;
        if exact.is_some() {
            return Ok(exact);
        }
        Ok(self
            .documents()?
            .into_iter()
            .find(|d| crate::model::same_name(&d.name, name)))
    }

    /// A document's stored text: what every offset into it refers to.
    pub fn document_text(&self, id: DocumentId) -> Result<String> {
        Ok(self
            .one(
                "SELECT text FROM document_text WHERE document_id = ?1",
                p![id.0],
                |r| r.get(0),
            )?
            .unwrap_or_default())
    }

    /// A document's speaker turns, in order.
    pub fn turns(&self, id: DocumentId) -> Result<Vec<Turn>> {
        self.list(
            "SELECT start, \"end\", speech_start, speaker FROM turn WHERE document_id = ?1 ORDER BY start",
            p![id.0],
            |r| {
                Ok(Turn {
                    range: CharRange::new(r.get::<i64>(0)? as usize, r.get::<i64>(1)? as usize),
                    speech_start: r.get::<i64>(2)? as usize,
                    speaker: r.get(3)?,
                })
            },
        )
    }

    /// Every document's speaker turns (for co-occurrence by turn).
    pub fn all_turns(&self) -> Result<HashMap<DocumentId, Vec<Turn>>> {
        let mut out: HashMap<DocumentId, Vec<Turn>> = HashMap::new();
        let rows = self.list(
            "SELECT document_id, start, \"end\", speech_start, speaker FROM turn ORDER BY document_id, start",
            p![],
            |r| {
                Ok((
                    DocumentId(r.get(0)?),
                    Turn {
                        range: CharRange::new(r.get::<i64>(1)? as usize, r.get::<i64>(2)? as usize),
                        speech_start: r.get::<i64>(3)? as usize,
                        speaker: r.get(4)?,
                    },
                ))
            },
        )?;
        for (d, t) in rows {
            out.entry(d).or_default().push(t);
        }
        Ok(out)
    }

    /// A document's subtitle timestamps, in order.
    pub fn cue_times(&self, id: DocumentId) -> Result<Vec<CueTime>> {
        self.list(
            "SELECT start, \"end\", start_ms, end_ms FROM cue_time WHERE document_id = ?1 ORDER BY start",
            p![id.0],
            |r| {
                Ok(CueTime {
                    range: CharRange::new(r.get::<i64>(0)? as usize, r.get::<i64>(1)? as usize),
                    start_ms: r.get(2)?,
                    end_ms: r.get(3)?,
                })
            },
        )
    }

    /// Everything stored for one document.
    pub fn document_record(&self, id: DocumentId) -> Result<Option<DocumentRecord>> {
        let Some(document) = self.document(id)? else {
            return Ok(None);
        };
        Ok(Some(DocumentRecord {
            text: self.document_text(id)?,
            turns: self.turns(id)?,
            cue_times: self.cue_times(id)?,
            document,
        }))
    }

    /// All participants, sorted by name (as [`Reader::documents`]).
    pub fn participants(&self) -> Result<Vec<Participant>> {
        let mut all = self.list("SELECT id, guid, name FROM participant", p![], |r| {
            Ok(Participant {
                id: ParticipantId(r.get(0)?),
                guid: r.get(1)?,
                name: r.get(2)?,
            })
        })?;
        all.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    /// The participant with this name.
    fn participant_exactly(&self, name: &str) -> Result<Option<Participant>> {
        self.one(
            "SELECT id, guid, name FROM participant WHERE name = ?1",
            p![name],
            |r| {
                Ok(Participant {
                    id: ParticipantId(r.get(0)?),
                    guid: r.get(1)?,
                    name: r.get(2)?,
                })
            },
        )
    }

    /// A participant by name: exactly, else ignoring case (`p01` is `P01`).
    pub fn participant_by_name(&self, name: &str) -> Result<Option<Participant>> {
        if let Some(p) = self.participant_exactly(name)? {
            return Ok(Some(p));
        }
        Ok(self
            .participants()?
            .into_iter()
            .find(|p| crate::model::same_name(&p.name, name)))
    }

    /// All attributes, in column order.
    pub fn attributes(&self) -> Result<Vec<Attribute>> {
        self.list(
            "SELECT id, guid, name, kind, position FROM attribute ORDER BY position, name",
            p![],
            attribute_row,
        )
    }

    /// All attribute values, sorted by participant then attribute.
    pub fn attribute_values(&self) -> Result<Vec<AttributeValue>> {
        self.list(
            "SELECT participant_id, attribute_id, value FROM attribute_value
             ORDER BY participant_id, attribute_id",
            p![],
            |r| {
                Ok(AttributeValue {
                    participant: ParticipantId(r.get(0)?),
                    attribute: AttributeId(r.get(1)?),
                    value: r.get(2)?,
                })
            },
        )
    }

    /// One participant's value of one attribute.
    pub fn attribute_value(&self, p: ParticipantId, a: AttributeId) -> Result<Option<String>> {
        self.one(
            "SELECT value FROM attribute_value WHERE participant_id = ?1 AND attribute_id = ?2",
            p![p.0, a.0],
            |r| r.get(0),
        )
    }

    /// All codes, sorted by id. Use [`CodeTree`] for the hierarchy.
    pub fn codes(&self) -> Result<Vec<Code>> {
        self.list(
            &format!("SELECT {CODE_COLUMNS} FROM code ORDER BY id"),
            p![],
            code_row,
        )
    }

    /// The codebook as a tree.
    pub fn code_tree(&self) -> Result<CodeTree> {
        Ok(CodeTree::new(self.codes()?))
    }

    /// The code with this id.
    pub fn code(&self, id: CodeId) -> Result<Option<Code>> {
        self.one(
            &format!("SELECT {CODE_COLUMNS} FROM code WHERE id = ?1"),
            p![id.0],
            code_row,
        )
    }

    /// All coders, sorted by name.
    pub fn coders(&self) -> Result<Vec<Coder>> {
        self.list(
            "SELECT id, guid, name FROM coder ORDER BY name",
            p![],
            |r| {
                Ok(Coder {
                    id: CoderId(r.get(0)?),
                    guid: r.get(1)?,
                    name: r.get(2)?,
                })
            },
        )
    }

    /// The coder with this name.
    pub fn coder_by_name(&self, name: &str) -> Result<Option<Coder>> {
        self.one(
            "SELECT id, guid, name FROM coder WHERE name = ?1",
            p![name],
            |r| {
                Ok(Coder {
                    id: CoderId(r.get(0)?),
                    guid: r.get(1)?,
                    name: r.get(2)?,
                })
            },
        )
    }

    /// All segments, sorted by document, start, end and code.
    pub fn segments(&self) -> Result<Vec<Segment>> {
        let mut all = self.segments_unordered()?;
        all.sort_unstable_by_key(crate::model::segment_order);
        Ok(all)
    }

    /// All segments in the table's own order: SQLite's ORDER BY walks
    /// `segment_once` and looks each row up from there, which takes about
    /// twice as long on a project of 100,000 segments as reading them as
    /// they lie and sorting them in memory.
    fn segments_unordered(&self) -> Result<Vec<Segment>> {
        self.list(
            &format!("SELECT {SEGMENT_COLUMNS} FROM segment"),
            p![],
            segment_row,
        )
    }

    /// A document's segments, sorted by start, end and code.
    pub fn segments_of_document(&self, doc: DocumentId) -> Result<Vec<Segment>> {
        self.list(
            &format!(
                "SELECT {SEGMENT_COLUMNS} FROM segment WHERE document_id = ?1
                 ORDER BY start, \"end\", code_id, id"
            ),
            p![doc.0],
            segment_row,
        )
    }

    /// A code's own segments (not its children's), sorted by document and start.
    pub fn segments_of_code(&self, code: CodeId) -> Result<Vec<Segment>> {
        self.list(
            &format!(
                "SELECT {SEGMENT_COLUMNS} FROM segment WHERE code_id = ?1
                 ORDER BY document_id, start, \"end\", id"
            ),
            p![code.0],
            segment_row,
        )
    }

    /// A code's own segments' ids, each with whether `other` already codes
    /// the same passage by the same coder: what merging the code into
    /// `other` moves and what it drops. Each is looked up in the
    /// `segment_once` index, so `other`'s segments are never all read.
    pub fn segments_also_coded(
        &self,
        code: CodeId,
        other: CodeId,
    ) -> Result<Vec<(SegmentId, bool)>> {
        self.list(
            "SELECT s.id, CASE WHEN EXISTS (
                 SELECT 1 FROM segment t
                 WHERE t.document_id = s.document_id AND t.code_id = ?2
                   AND t.start = s.start AND t.\"end\" = s.\"end\" AND t.coder_id = s.coder_id
             ) THEN 1 ELSE 0 END
             FROM segment s WHERE s.code_id = ?1 ORDER BY s.id",
            p![code.0, other.0],
            |r| Ok((SegmentId(r.get(0)?), r.get::<i64>(1)? == 1)),
        )
    }

    /// The coded text of each of a code's segments (see [`QUOTE`]).
    pub fn quotes_of_code(&self, code: CodeId) -> Result<HashMap<SegmentId, String>> {
        Ok(self
            .list(
                &format!(
                    "SELECT s.id, {QUOTE}
                     FROM segment s JOIN document_text t ON t.document_id = s.document_id
                     WHERE s.code_id = ?1"
                ),
                p![code.0],
                |r| Ok((SegmentId(r.get(0)?), r.get::<String>(1)?)),
            )?
            .into_iter()
            .collect())
    }

    /// The pinned exemplars of every code: (segment, its text), in document
    /// and then text order.
    pub fn exemplars(&self) -> Result<HashMap<CodeId, Vec<(SegmentId, String)>>> {
        let rows = self.list(
            &format!(
                "SELECT s.code_id, s.id, {QUOTE}
                 FROM segment s JOIN document_text t ON t.document_id = s.document_id
                 WHERE s.exemplar <> 0 ORDER BY s.document_id, s.start, s.\"end\", s.id"
            ),
            p![],
            |r| Ok((CodeId(r.get(0)?), SegmentId(r.get(1)?), r.get::<String>(2)?)),
        )?;
        let mut out: HashMap<CodeId, Vec<(SegmentId, String)>> = HashMap::new();
        for (code, id, text) in rows {
            out.entry(code).or_default().push((id, text));
        }
        Ok(out)
    }

    /// Each code's exemplar quotes, for codebook files.
    pub fn exemplar_quotes(&self) -> Result<HashMap<CodeId, Vec<String>>> {
        Ok(self
            .exemplars()?
            .into_iter()
            .map(|(c, list)| (c, list.into_iter().map(|(_, q)| q).collect()))
            .collect())
    }

    /// The text of a range of a document (code points; `None` for no such document).
    pub fn passage(&self, doc: DocumentId, range: CharRange) -> Result<Option<String>> {
        self.one(
            "SELECT substr(text, CAST(?2 + 1 AS INTEGER), CAST(?3 AS INTEGER)) FROM document_text WHERE document_id = ?1",
            p![doc.0, range.start as i64, range.len() as i64],
            |r| r.get(0),
        )
    }

    /// The coded text of these segments (missing ids are left out).
    pub fn quotes(&self, ids: &[SegmentId]) -> Result<HashMap<SegmentId, String>> {
        let sql = format!(
            "SELECT {QUOTE}
             FROM segment s JOIN document_text t ON t.document_id = s.document_id
             WHERE s.id = ?1"
        );
        let mut out = HashMap::with_capacity(ids.len());
        for &id in ids {
            if let Some(q) = self.one(&sql, p![id.0], |r| r.get::<String>(0))? {
                out.insert(id, q);
            }
        }
        Ok(out)
    }

    /// The researcher's summaries of framework-matrix cells.
    pub fn summaries(&self) -> Result<HashMap<(ParticipantId, CodeId), String>> {
        Ok(self
            .list(
                "SELECT participant_id, code_id, text FROM cell_summary",
                p![],
                |r| {
                    Ok((
                        (ParticipantId(r.get(0)?), CodeId(r.get(1)?)),
                        r.get::<String>(2)?,
                    ))
                },
            )?
            .into_iter()
            .collect())
    }

    /// Every reconcile decision: (document GUID, code GUID, range, coder) →
    /// the version taken.
    pub fn decisions(&self) -> Result<HashMap<crate::edit::DecisionKey, String>> {
        Ok(self
            .list(
                "SELECT document_guid, code_guid, start, \"end\", coder, choice FROM reconcile_decision",
                p![],
                |r| {
                    Ok((
                        (
                            r.get::<String>(0)?,
                            r.get::<String>(1)?,
                            CharRange::new(r.get::<i64>(2)? as usize, r.get::<i64>(3)? as usize),
                            r.get::<String>(4)?,
                        ),
                        r.get::<String>(5)?,
                    ))
                },
            )?
            .into_iter()
            .collect())
    }

    /// The practice this project is for, if it is a practice project.
    pub fn practice(&self) -> Result<Option<Practice>> {
        let Some(expert) = self.one("SELECT expert FROM practice WHERE id = 1", p![], |r| {
            r.get::<String>(0)
        })?
        else {
            return Ok(None);
        };
        let answers = self.list(
            "SELECT document_guid, code_guid, start, \"end\", reason FROM practice_answer
             ORDER BY document_guid, start, \"end\", code_guid",
            p![],
            |r| {
                Ok(PracticeAnswer {
                    document_guid: r.get(0)?,
                    code_guid: r.get(1)?,
                    range: CharRange::new(r.get::<i64>(2)? as usize, r.get::<i64>(3)? as usize),
                    reason: r.get(4)?,
                })
            },
        )?;
        Ok(Some(Practice { expert, answers }))
    }

    /// One reconcile decision.
    pub fn decision(&self, key: &crate::edit::DecisionKey) -> Result<Option<String>> {
        let (doc, code, range, coder) = key;
        self.one(
            "SELECT choice FROM reconcile_decision WHERE document_guid = ?1 AND code_guid = ?2
             AND start = ?3 AND \"end\" = ?4 AND coder = ?5",
            p![doc, code, range.start as i64, range.end as i64, coder],
            |r| r.get(0),
        )
    }

    /// One framework-matrix cell's summary.
    pub fn summary(&self, p: ParticipantId, c: CodeId) -> Result<Option<String>> {
        self.one(
            "SELECT text FROM cell_summary WHERE participant_id = ?1 AND code_id = ?2",
            p![p.0, c.0],
            |r| r.get(0),
        )
    }

    /// The segment with this id.
    pub fn segment(&self, id: SegmentId) -> Result<Option<Segment>> {
        self.one(
            &format!("SELECT {SEGMENT_COLUMNS} FROM segment WHERE id = ?1"),
            p![id.0],
            segment_row,
        )
    }

    /// The segment with exactly this document, code, range and coder, if any.
    pub fn find_segment(
        &self,
        doc: DocumentId,
        code: CodeId,
        range: CharRange,
        coder: CoderId,
    ) -> Result<Option<Segment>> {
        self.one(
            &format!(
                "SELECT {SEGMENT_COLUMNS} FROM segment WHERE document_id = ?1 AND code_id = ?2
                 AND start = ?3 AND \"end\" = ?4 AND coder_id = ?5"
            ),
            p![doc.0, code.0, range.start as i64, range.end as i64, coder.0],
            segment_row,
        )
    }

    /// The top entry of a history stack: id, label and the edit as JSON.
    pub(crate) fn history_top(
        &self,
        stack: &str,
        coder: &str,
    ) -> Result<Option<(i64, String, String, String)>> {
        self.one(
            "SELECT id, label, edit, witness FROM history WHERE stack = ?1 AND coder IN (?2, '')
             ORDER BY id DESC LIMIT 1",
            p![stack, coder],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    }

    /// How many levels deep the code tree is (0 with no codes). Stops
    /// counting a little past the limit, so a cycle or a huge tree cannot run on.
    pub fn code_tree_depth(&self) -> Result<usize> {
        let depth: Option<i64> = self.db.value(
            "WITH RECURSIVE d(id, depth) AS (
                 SELECT id, 1 FROM code WHERE parent_id IS NULL
                 UNION ALL
                 SELECT c.id, d.depth + 1 FROM code c JOIN d ON c.parent_id = d.id
                 WHERE d.depth <= ?1
             )
             SELECT max(depth) FROM d",
            p![crate::model::MAX_CODE_DEPTH as i64 + 1],
        )?;
        Ok(depth.unwrap_or(0) as usize)
    }

    /// A history stack, newest first.
    pub(crate) fn history_entries(
        &self,
        stack: &str,
        coder: &str,
    ) -> Result<Vec<super::HistoryEntry>> {
        self.list(
            "SELECT label, created_at, coder FROM history WHERE stack = ?1 AND coder IN (?2, '')
             ORDER BY id DESC",
            p![stack, coder],
            |r| {
                Ok(super::HistoryEntry {
                    label: r.get(0)?,
                    created_at: r.get(1)?,
                    coder: r.get(2)?,
                })
            },
        )
    }

    /// Segments without their GUID, timestamp and memo (empty), all of them
    /// or one code's, sorted by document, start, end, code: for counting and
    /// for exports that show none of those.
    pub fn segment_ranges(&self, code: Option<CodeId>) -> Result<Vec<Segment>> {
        let mut all = self.segment_ranges_unordered(code)?;
        all.sort_unstable_by_key(crate::model::segment_order);
        Ok(all)
    }

    /// [`Reader::segment_ranges`] in the table's own order (see
    /// [`Reader::segments_unordered`]).
    fn segment_ranges_unordered(&self, code: Option<CodeId>) -> Result<Vec<Segment>> {
        let (filter, params) = match code {
            Some(c) => ("WHERE code_id = ?1", vec![super::sql::P::Int(c.0)]),
            None => ("", vec![]),
        };
        self.list(
            &format!(
                "SELECT id, document_id, code_id, start, \"end\", coder_id FROM segment {filter}"
            ),
            &params,
            |r| {
                Ok(Segment {
                    id: SegmentId(r.get(0)?),
                    guid: String::new(),
                    document: DocumentId(r.get(1)?),
                    code: CodeId(r.get(2)?),
                    range: CharRange::new(r.get::<i64>(3)? as usize, r.get::<i64>(4)? as usize),
                    coder: CoderId(r.get(5)?),
                    created_at: String::new(),
                    memo: String::new(),
                    exemplar: false,
                })
            },
        )
    }

    /// A snapshot for counting (matrices): every row as in [`Reader::snapshot`],
    /// but segments without their GUID, timestamp and memo, which a matrix
    /// never reads. Not for the window, which shows memos.
    pub fn snapshot_for_counting(&self) -> Result<ProjectSnapshot> {
        self.at_one_moment(|| self.snapshot_for_counting_now())
    }

    fn snapshot_for_counting_now(&self) -> Result<ProjectSnapshot> {
        let mut s = self.snapshot_without_segments(true)?;
        s.segments = self.segment_ranges_unordered(None)?.into();
        s.compute_stats();
        Ok(s)
    }

    /// Everything but the transcripts' text, with derived counts.
    pub fn snapshot(&self) -> Result<ProjectSnapshot> {
        self.at_one_moment(|| {
            let mut s = self.snapshot_without_segments(true)?;
            s.segments = self.segments_unordered()?.into();
            s.compute_stats();
            Ok(s)
        })
    }

    /// Runs `f`'s queries as one moment of the project: another coder or a
    /// script may commit between two queries, so `f` runs in a read
    /// transaction (repeatable read on a server) unless one is open.
    pub(crate) fn at_one_moment<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        if self.db.in_transaction() {
            return f();
        }
        let tx = self.db.begin_read()?;
        let value = f()?;
        tx.commit()?;
        Ok(value)
    }

    /// Everything [`Reader::snapshot`] reads but the segments (the counts
    /// made from them are empty) and, unless `values`, the participants'
    /// attribute values.
    pub(crate) fn snapshot_without_segments(&self, values: bool) -> Result<ProjectSnapshot> {
        let (name, memo) = self.project()?;
        let s = ProjectSnapshot {
            name,
            memo,
            documents: self.documents()?,
            participants: self.participants()?,
            attributes: self.attributes()?,
            values: if values {
                self.attribute_values()?
                    .into_iter()
                    .map(|v| ((v.participant, v.attribute), v.value))
                    .collect()
            } else {
                HashMap::new()
            },
            codes: self.code_tree()?,
            coders: self.coders()?,
            ..Default::default()
        };
        Ok(s)
    }

    /// Every row of every table as text, in a fixed order: the whole project state,
    /// for tests that check an edit and its inverse leave no trace. Left out:
    /// the history and the change log, which record the edits themselves, and the id
    /// high-water marks, which only ever grow (an undo does not lower them).
    pub fn dump(&self) -> Result<Vec<String>> {
        let tables = super::TABLES
            .into_iter()
            .filter(|t| !matches!(*t, "history" | "id_high_water" | "change_log"));
        let mut out = Vec::new();
        for t in tables {
            self.db
                .each(&format!("SELECT * FROM {t} ORDER BY 1, 2"), p![], |r| {
                    let mut cells = Vec::with_capacity(r.len());
                    for i in 0..r.len() {
                        cells.push(format!("{:?}", r.cell(i)?));
                    }
                    out.push(format!("{t}: {}", cells.join(" | ")));
                    Ok(())
                })?;
        }
        Ok(out)
    }
}
