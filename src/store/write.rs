//! Row-level writes. Only [`crate::edit::Edit::apply`] calls these, inside the
//! transaction that [`super::Store::change`] opened.

use super::sql::{Db, P, p};

use super::Reader;
use crate::error::{Error, Result};
use crate::model::*;

/// Write access to a project, only inside a transaction.
pub struct Writer<'c> {
    db: &'c Db,
}

fn changed(n: usize, what: &str) -> Result<()> {
    if n == 0 {
        Err(Error::Invalid(format!(
            "{what} no longer exists; it may have been changed elsewhere"
        )))
    } else {
        Ok(())
    }
}

impl<'c> Writer<'c> {
    pub(crate) fn new(db: &'c Db) -> Self {
        Writer { db }
    }

    /// Reads inside the same transaction.
    pub fn reader(&self) -> Reader<'c> {
        Reader::new(self.db)
    }

    pub(crate) fn set_project_memo(&self, memo: &str) -> Result<()> {
        self.db
            .execute("UPDATE project SET memo = ?1 WHERE id = 1", p![memo])?;
        Ok(())
    }

    pub(crate) fn insert_document(&self, rec: &DocumentRecord) -> Result<()> {
        crate::model::check_name_characters("the document name", &rec.document.name)?;
        let d = &rec.document;
        self.db.execute(
            "INSERT INTO document (id, guid, name, participant_id, char_len, source_file,
             encoding, imported_at, memo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            p![
                d.id.0,
                &d.guid,
                &d.name,
                d.participant.map(|p| p.0),
                d.char_len as i64,
                &d.source_file,
                &d.encoding,
                &d.imported_at,
                &d.memo
            ],
        )?;
        self.db.execute(
            "INSERT INTO document_text (document_id, text) VALUES (?1, ?2)",
            p![d.id.0, &rec.text],
        )?;
        self.db.insert_rows(
            "INSERT INTO turn (document_id, start, \"end\", speech_start, speaker)",
            rec.turns.iter().map(|t| {
                [
                    P::Int(d.id.0),
                    P::Int(t.range.start as i64),
                    P::Int(t.range.end as i64),
                    P::Int(t.speech_start as i64),
                    P::Text(&t.speaker),
                ]
            }),
        )?;
        self.db.insert_rows(
            "INSERT INTO cue_time (document_id, start, \"end\", start_ms, end_ms)",
            rec.cue_times.iter().map(|c| {
                [
                    P::Int(d.id.0),
                    P::Int(c.range.start as i64),
                    P::Int(c.range.end as i64),
                    P::Int(c.start_ms),
                    P::Int(c.end_ms),
                ]
            }),
        )?;
        Ok(())
    }

    pub(crate) fn delete_document(&self, id: DocumentId) -> Result<()> {
        // Its text, turns and cue times go with it (ON DELETE CASCADE).
        let n = self
            .db
            .execute("DELETE FROM document WHERE id = ?1", p![id.0])?;
        changed(n, "the document")
    }

    pub(crate) fn update_document(&self, d: &Document) -> Result<()> {
        crate::model::check_name_characters("the document name", &d.name)?;
        let n = self.db.execute(
            "UPDATE document SET name = ?2, participant_id = ?3, memo = ?4 WHERE id = ?1",
            p![d.id.0, &d.name, d.participant.map(|p| p.0), &d.memo],
        )?;
        changed(n, "the document")
    }

    pub(crate) fn insert_participant(&self, p: &Participant) -> Result<()> {
        crate::model::check_name_characters("the participant name", &p.name)?;
        self.db.execute(
            "INSERT INTO participant (id, guid, name) VALUES (?1, ?2, ?3)",
            p![p.id.0, &p.guid, &p.name],
        )?;
        Ok(())
    }

    pub(crate) fn delete_participant(&self, id: ParticipantId) -> Result<()> {
        let n = self
            .db
            .execute("DELETE FROM participant WHERE id = ?1", p![id.0])?;
        changed(n, "the participant")
    }

    pub(crate) fn rename_participant(&self, id: ParticipantId, name: &str) -> Result<()> {
        crate::model::check_name_characters("the participant name", name)?;
        let n = self.db.execute(
            "UPDATE participant SET name = ?2 WHERE id = ?1",
            p![id.0, name],
        )?;
        changed(n, "the participant")
    }

    pub(crate) fn insert_attribute(&self, a: &Attribute) -> Result<()> {
        crate::model::check_name_characters("the attribute name", &a.name)?;
        self.db.execute(
            "INSERT INTO attribute (id, guid, name, kind, position) VALUES (?1, ?2, ?3, ?4, ?5)",
            p![a.id.0, &a.guid, &a.name, a.kind.as_str(), a.position],
        )?;
        Ok(())
    }

    pub(crate) fn delete_attribute(&self, id: AttributeId) -> Result<()> {
        let n = self
            .db
            .execute("DELETE FROM attribute WHERE id = ?1", p![id.0])?;
        changed(n, "the attribute")
    }

    pub(crate) fn update_attribute(&self, a: &Attribute) -> Result<()> {
        crate::model::check_name_characters("the attribute name", &a.name)?;
        let n = self.db.execute(
            "UPDATE attribute SET name = ?2, kind = ?3, position = ?4 WHERE id = ?1",
            p![a.id.0, &a.name, a.kind.as_str(), a.position],
        )?;
        changed(n, "the attribute")
    }

    pub(crate) fn set_value(
        &self,
        p: ParticipantId,
        a: AttributeId,
        value: Option<&str>,
    ) -> Result<()> {
        match value {
            Some(v) => self.db.execute(
                "INSERT INTO attribute_value (participant_id, attribute_id, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (participant_id, attribute_id) DO UPDATE SET value = excluded.value",
                p![p.0, a.0, v],
            )?,
            None => self.db.execute(
                "DELETE FROM attribute_value WHERE participant_id = ?1 AND attribute_id = ?2",
                p![p.0, a.0],
            )?,
        };
        Ok(())
    }

    pub(crate) fn insert_code(&self, c: &Code) -> Result<()> {
        // Every importer ends here, so no path lets a garbling name in.
        crate::model::check_name_characters("the code name", &c.name)?;
        self.db
            .execute(
                "INSERT INTO code (id, guid, parent_id, name, color, description, position, memo,
                 short_definition, when_to_use, when_not_to_use)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                p![
                    c.id.0,
                    &c.guid,
                    c.parent.map(|p| p.0),
                    &c.name,
                    &c.color,
                    &c.description,
                    c.position,
                    &c.memo,
                    &c.short_definition,
                    &c.when_to_use,
                    &c.when_not_to_use
                ],
            )
            .map_err(|e| sibling_conflict(e, &c.name))?;
        Ok(())
    }

    pub(crate) fn update_code(&self, c: &Code) -> Result<()> {
        crate::model::check_name_characters("the code name", &c.name)?;
        let n = self
            .db
            .execute(
                "UPDATE code SET parent_id = ?2, name = ?3, color = ?4, description = ?5,
                 position = ?6, memo = ?7, short_definition = ?8, when_to_use = ?9,
                 when_not_to_use = ?10 WHERE id = ?1",
                p![
                    c.id.0,
                    c.parent.map(|p| p.0),
                    &c.name,
                    &c.color,
                    &c.description,
                    c.position,
                    &c.memo,
                    &c.short_definition,
                    &c.when_to_use,
                    &c.when_not_to_use
                ],
            )
            .map_err(|e| sibling_conflict(e, &c.name))?;
        changed(n, "the code")
    }

    pub(crate) fn delete_code(&self, id: CodeId) -> Result<()> {
        let n = self
            .db
            .execute("DELETE FROM code WHERE id = ?1", p![id.0])?;
        changed(n, "the code")
    }

    pub(crate) fn insert_coder(&self, c: &Coder) -> Result<()> {
        self.db.execute(
            "INSERT INTO coder (id, guid, name) VALUES (?1, ?2, ?3)",
            p![c.id.0, &c.guid, &c.name],
        )?;
        Ok(())
    }

    pub(crate) fn delete_coder(&self, id: CoderId) -> Result<()> {
        let n = self
            .db
            .execute("DELETE FROM coder WHERE id = ?1", p![id.0])?;
        changed(n, "the coder")
    }

    /// One statement per segment: a segment row feeds four indexes (its
    /// GUID, its place, its code, its coder), whose upkeep is most of its
    /// cost, and many rows per statement measured 15–25% slower there.
    pub(crate) fn insert_segment(&self, s: &Segment) -> Result<()> {
        self.db.execute(
            "INSERT INTO segment (id, guid, document_id, code_id, start, \"end\", coder_id,
             created_at, memo, exemplar) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            p![
                s.id.0,
                &s.guid,
                s.document.0,
                s.code.0,
                s.range.start as i64,
                s.range.end as i64,
                s.coder.0,
                &s.created_at,
                &s.memo,
                s.exemplar
            ],
        )?;
        Ok(())
    }

    pub(crate) fn update_segment(&self, s: &Segment) -> Result<()> {
        let n = self.db.execute(
            "UPDATE segment SET code_id = ?2, memo = ?3, exemplar = ?4 WHERE id = ?1",
            p![s.id.0, s.code.0, &s.memo, s.exemplar],
        )?;
        self.segment_changed(n, &[s.id])
    }

    /// [`changed`] for segments. On a team project row-level security makes
    /// another coder's segment vanish from a coder's UPDATE or DELETE (it
    /// stays visible to reads): say so, instead of "no longer exists".
    fn segment_changed(&self, n: usize, ids: &[SegmentId]) -> Result<()> {
        if n == ids.len() {
            return Ok(());
        }
        if self.db.is_pg() {
            let there: i64 = self.db.value(
                &format!(
                    "SELECT count(*) FROM segment WHERE id IN ({})",
                    self.ids_in(1)
                ),
                p![&id_list(ids)?],
            )?;
            if there as usize > n {
                return Err(Error::Invalid(
                    "another coder's segment: your role in this team project does not allow changing it (a coder adds, changes and removes only their own segments and memos; the rest is for a lead)".into(),
                ));
            }
        }
        changed(0, "the segment")
    }

    /// Moves segments from one code to another in one statement; refused
    /// (and the caller's transaction rolled back) unless every one was on `from`.
    pub(crate) fn recode_segments(
        &self,
        ids: &[SegmentId],
        from: CodeId,
        to: CodeId,
    ) -> Result<()> {
        let n = self.db.execute(
            &format!(
                "UPDATE segment SET code_id = ?2 WHERE code_id = ?1 AND id IN ({})",
                self.ids_in(3)
            ),
            p![from.0, to.0, &id_list(ids)?],
        )?;
        if n != ids.len() {
            // Another coder's, on a team project? Say so.
            self.segment_changed(n, ids)?;
            return Err(crate::Error::Invalid(
                "some of these segments no longer exist or were recoded; they may have been changed elsewhere".into(),
            ));
        }
        Ok(())
    }

    /// A subquery of the ids in the JSON array passed as parameter `n`
    /// ([`id_list`]), in this backend's dialect.
    fn ids_in(&self, n: usize) -> String {
        if self.db.is_pg() {
            format!(
                "SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(CAST(?{n} AS TEXT) AS JSON))"
            )
        } else {
            format!("SELECT value FROM json_each(?{n})")
        }
    }

    pub(crate) fn delete_segment(&self, id: SegmentId) -> Result<()> {
        let n = self
            .db
            .execute("DELETE FROM segment WHERE id = ?1", p![id.0])?;
        self.segment_changed(n, &[id])
    }

    pub(crate) fn set_decision(
        &self,
        key: &crate::edit::DecisionKey,
        choice: Option<&str>,
    ) -> Result<()> {
        let (doc, code, range, coder) = key;
        let (start, end) = (range.start as i64, range.end as i64);
        match choice {
            Some(c) => self.db.execute(
                "INSERT INTO reconcile_decision (document_guid, code_guid, start, \"end\", coder, choice)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (document_guid, code_guid, start, \"end\", coder)
                 DO UPDATE SET choice = excluded.choice",
                p![doc, code, start, end, coder, c],
            )?,
            None => self.db.execute(
                "DELETE FROM reconcile_decision WHERE document_guid = ?1 AND code_guid = ?2
                 AND start = ?3 AND \"end\" = ?4 AND coder = ?5",
                p![doc, code, start, end, coder],
            )?,
        };
        Ok(())
    }

    /// Replaces the practice (none: not a practice project).
    pub(crate) fn set_practice(&self, practice: Option<&Practice>) -> Result<()> {
        self.db.execute("DELETE FROM practice_answer", p![])?;
        self.db.execute("DELETE FROM practice", p![])?;
        if let Some(pr) = practice {
            self.db.execute(
                "INSERT INTO practice (id, expert) VALUES (1, ?1)",
                p![&pr.expert],
            )?;
            for a in &pr.answers {
                self.db.execute(
                    "INSERT INTO practice_answer (document_guid, code_guid, start, \"end\", reason)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    p![
                        &a.document_guid,
                        &a.code_guid,
                        a.range.start as i64,
                        a.range.end as i64,
                        &a.reason
                    ],
                )?;
            }
        }
        Ok(())
    }

    pub(crate) fn set_summary(
        &self,
        p: ParticipantId,
        c: CodeId,
        text: Option<&str>,
    ) -> Result<()> {
        match text {
            Some(t) => self.db.execute(
                "INSERT INTO cell_summary (participant_id, code_id, text) VALUES (?1, ?2, ?3)
                 ON CONFLICT (participant_id, code_id) DO UPDATE SET text = excluded.text",
                p![p.0, c.0, t],
            )?,
            None => self.db.execute(
                "DELETE FROM cell_summary WHERE participant_id = ?1 AND code_id = ?2",
                p![p.0, c.0],
            )?,
        };
        Ok(())
    }

    /// Records that ids below `ids`' largest + 1 have been used in `table`,
    /// so [`Reader::next_id`] never hands one out again (see migration 10).
    pub(crate) fn raise_high_water(
        &self,
        table: &str,
        ids: impl Iterator<Item = i64>,
    ) -> Result<()> {
        if let Some(max) = ids.max() {
            let larger = if self.db.is_pg() { "greatest" } else { "max" };
            self.db.execute(
                &format!(
                    "INSERT INTO id_high_water (tbl, next) VALUES (?1, ?2)
                     ON CONFLICT (tbl) DO UPDATE SET next = {larger}(id_high_water.next, excluded.next)"
                ),
                p![table, max + 1],
            )?;
        }
        Ok(())
    }

    pub(crate) fn push_history(
        &self,
        stack: &str,
        label: &str,
        coder: &str,
        edit_json: &str,
        witness_json: &str,
    ) -> Result<()> {
        // The id is given, not left to the database: writers are serialised,
        // so the next one is free, on either backend (and a team coder, who
        // sees only their own entries, still never takes another's).
        let id = self.reader().next_id("history")?;
        self.raise_high_water("history", std::iter::once(id))?;
        self.db.execute(
            "INSERT INTO history (id, stack, label, edit, created_at, coder, witness)
             VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)",
            p![
                stack,
                label,
                edit_json,
                now_rfc3339().as_str(),
                coder,
                witness_json,
                id
            ],
        )?;
        Ok(())
    }

    pub(crate) fn delete_history(&self, id: i64) -> Result<()> {
        self.db
            .execute("DELETE FROM history WHERE id = ?1", p![id])?;
        Ok(())
    }

    /// Empties one stack: one coder's entries, or everyone's with `None`.
    pub(crate) fn clear_history(&self, stack: &str, coder: Option<&str>) -> Result<()> {
        match coder {
            Some(c) => self.db.execute(
                "DELETE FROM history WHERE stack = ?1 AND coder IN (?2, '')",
                p![stack, c],
            )?,
            None => self
                .db
                .execute("DELETE FROM history WHERE stack = ?1", p![stack])?,
        };
        Ok(())
    }
}

/// Segment ids as a JSON array, one query parameter for [`Writer::ids_in`].
fn id_list(ids: &[SegmentId]) -> Result<String> {
    serde_json::to_string(&ids.iter().map(|i| i.0).collect::<Vec<_>>())
        .map_err(|e| Error::Invalid(e.to_string()))
}

fn sibling_conflict(e: Error, name: &str) -> Error {
    if e.is_constraint_violation() {
        Error::Invalid(format!(
            "a code named \"{name}\" already exists at that level; choose another name or merge the two"
        ))
    } else {
        e
    }
}
