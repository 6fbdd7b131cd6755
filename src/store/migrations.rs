//! The schema, as an append-only list of migrations keyed on `PRAGMA user_version`.
//!
//! NEVER EDIT OR REORDER AN ENTRY. A project file records how many entries it has
//! run; changing an old entry would leave existing projects on a schema that no
//! code describes. To change the schema, append a new entry.

use rusqlite::Connection;

use crate::error::Result;

/// Each entry moves the schema up by one version: entry `i` makes version `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the project, transcripts, participants, codebook and segments.
    r#"
    CREATE TABLE project (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        name        TEXT NOT NULL,
        guid        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        memo        TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE participant (
        id    INTEGER PRIMARY KEY,
        guid  TEXT NOT NULL UNIQUE,
        name  TEXT NOT NULL UNIQUE
    );
    CREATE TABLE document (
        id              INTEGER PRIMARY KEY,
        guid            TEXT NOT NULL UNIQUE,
        name            TEXT NOT NULL UNIQUE,
        participant_id  INTEGER REFERENCES participant(id),
        text            TEXT NOT NULL,
        char_len        INTEGER NOT NULL,
        source_file     TEXT NOT NULL,
        encoding        TEXT NOT NULL,
        imported_at     TEXT NOT NULL,
        memo            TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX document_participant ON document(participant_id);
    CREATE TABLE turn (
        document_id   INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
        start         INTEGER NOT NULL,
        end           INTEGER NOT NULL,
        speech_start  INTEGER NOT NULL,
        speaker       TEXT NOT NULL,
        PRIMARY KEY (document_id, start)
    ) WITHOUT ROWID;
    CREATE TABLE cue_time (
        document_id  INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
        start        INTEGER NOT NULL,
        end          INTEGER NOT NULL,
        start_ms     INTEGER NOT NULL,
        end_ms       INTEGER NOT NULL,
        PRIMARY KEY (document_id, start)
    ) WITHOUT ROWID;
    CREATE TABLE attribute (
        id        INTEGER PRIMARY KEY,
        guid      TEXT NOT NULL UNIQUE,
        name      TEXT NOT NULL UNIQUE,
        kind      TEXT NOT NULL CHECK (kind IN ('text', 'number', 'date', 'bool')),
        position  INTEGER NOT NULL
    );
    CREATE TABLE attribute_value (
        participant_id  INTEGER NOT NULL REFERENCES participant(id),
        attribute_id    INTEGER NOT NULL REFERENCES attribute(id),
        value           TEXT NOT NULL,
        PRIMARY KEY (participant_id, attribute_id)
    ) WITHOUT ROWID;
    CREATE TABLE code (
        id           INTEGER PRIMARY KEY,
        guid         TEXT NOT NULL UNIQUE,
        parent_id    INTEGER REFERENCES code(id),
        name         TEXT NOT NULL CHECK (name <> '' AND instr(name, '/') = 0),
        color        TEXT NOT NULL,
        description  TEXT NOT NULL DEFAULT '',
        position     INTEGER NOT NULL,
        memo         TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX code_sibling_name ON code(ifnull(parent_id, 0), name);
    CREATE TABLE coder (
        id    INTEGER PRIMARY KEY,
        guid  TEXT NOT NULL UNIQUE,
        name  TEXT NOT NULL UNIQUE
    );
    CREATE TABLE segment (
        id           INTEGER PRIMARY KEY,
        guid         TEXT NOT NULL UNIQUE,
        document_id  INTEGER NOT NULL REFERENCES document(id),
        code_id      INTEGER NOT NULL REFERENCES code(id),
        start        INTEGER NOT NULL CHECK (start >= 0),
        end          INTEGER NOT NULL CHECK (end > start),
        coder_id     INTEGER NOT NULL REFERENCES coder(id),
        created_at   TEXT NOT NULL,
        memo         TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX segment_once ON segment(document_id, code_id, start, end, coder_id);
    CREATE INDEX segment_code ON segment(code_id);
    "#,
    // 2: the undo and redo history, so it survives closing the project.
    r#"
    CREATE TABLE history (
        id          INTEGER PRIMARY KEY,
        stack       TEXT NOT NULL CHECK (stack IN ('undo', 'redo')),
        label       TEXT NOT NULL,
        edit        TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    "#,
    // 3: the researcher's summaries of framework-matrix cells (participant x code).
    r#"
    CREATE TABLE cell_summary (
        participant_id  INTEGER NOT NULL REFERENCES participant(id),
        code_id         INTEGER NOT NULL REFERENCES code(id),
        text            TEXT NOT NULL,
        PRIMARY KEY (participant_id, code_id)
    ) WITHOUT ROWID;
    "#,
    // 4: undo belongs to the coder who made the change: each history entry
    // records its coder, and undo and redo take the coder's own newest entry.
    // Entries made before this version belong to no one ('') and any coder
    // may undo them.
    r#"
    ALTER TABLE history ADD COLUMN coder TEXT NOT NULL DEFAULT '';
    CREATE INDEX history_stack ON history(stack, coder, id);
    "#,
    // 5: transcripts' text in a table of its own. In `document` the text sat
    // before the other columns, so reading a document's name or length walked
    // the whole text's overflow pages: opening a 500-interview project read
    // every transcript. Now rows are small and the text is read only when asked.
    r#"
    CREATE TABLE document_text (
        document_id  INTEGER PRIMARY KEY REFERENCES document(id) ON DELETE CASCADE,
        text         TEXT NOT NULL
    );
    INSERT INTO document_text (document_id, text) SELECT id, text FROM document;
    ALTER TABLE document DROP COLUMN text;
    "#,
    // 6: an index for the foreign key from segments to coders. Without it,
    // removing a coder (undoing a new coder's first code) checked every
    // segment row for a reference: a full scan on every such undo.
    r#"
    CREATE INDEX segment_coder ON segment(coder_id);
    "#,
    // 7: reconcile decisions: which version a consensus coder took for a
    // stretch where two coders differed (so "neither", which leaves no
    // segment, is remembered too). Keyed by GUIDs and the coder's name, so a
    // decision never attaches to a later row that reused an id.
    r#"
    CREATE TABLE reconcile_decision (
        document_guid  TEXT NOT NULL,
        code_guid      TEXT NOT NULL,
        start          INTEGER NOT NULL,
        end            INTEGER NOT NULL,
        coder          TEXT NOT NULL,
        choice         TEXT NOT NULL,
        PRIMARY KEY (document_guid, code_guid, start, end, coder)
    ) WITHOUT ROWID;
    "#,
    // 8: the structured codebook (MacQueen et al.): besides the full
    // definition (description), a short definition, when to use a code and
    // when not; and exemplar quotes, which are segments pinned as examples.
    r#"
    ALTER TABLE code ADD COLUMN short_definition TEXT NOT NULL DEFAULT '';
    ALTER TABLE code ADD COLUMN when_to_use TEXT NOT NULL DEFAULT '';
    ALTER TABLE code ADD COLUMN when_not_to_use TEXT NOT NULL DEFAULT '';
    ALTER TABLE segment ADD COLUMN exemplar INTEGER NOT NULL DEFAULT 0;
    "#,
    // 9: practice projects. The expert's coding is kept apart from the
    // segments (blind until the student checks), keyed by GUIDs so that the
    // student's merges and deletions of codes never break it.
    r#"
    CREATE TABLE practice (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        expert  TEXT NOT NULL
    );
    CREATE TABLE practice_answer (
        document_guid  TEXT NOT NULL,
        code_guid      TEXT NOT NULL,
        start          INTEGER NOT NULL,
        end            INTEGER NOT NULL,
        reason         TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (document_guid, code_guid, start, end)
    ) WITHOUT ROWID;
    "#,
    // 10: row ids are never handed out twice, and undo checks its rows. `max(id) + 1` gave a deleted
    // row's id to the next new row, so undoing the deletion (another coder's,
    // say) then clashed. Each table's next id only grows.
    r#"
    CREATE TABLE id_high_water (
        tbl   TEXT PRIMARY KEY,
        next  INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO id_high_water (tbl, next)
        SELECT 'document', ifnull(max(id), 0) + 1 FROM document
        UNION ALL SELECT 'participant', ifnull(max(id), 0) + 1 FROM participant
        UNION ALL SELECT 'attribute', ifnull(max(id), 0) + 1 FROM attribute
        UNION ALL SELECT 'code', ifnull(max(id), 0) + 1 FROM code
        UNION ALL SELECT 'coder', ifnull(max(id), 0) + 1 FROM coder
        UNION ALL SELECT 'segment', ifnull(max(id), 0) + 1 FROM segment;
    -- What each change left (edit/witness.rs), so that an undo after another
    -- coder changed the same rows is refused instead of overwriting them.
    ALTER TABLE history ADD COLUMN witness TEXT NOT NULL DEFAULT '';
    "#,
    // 11: the change log: one row per change, in commit order, with a GUID
    // so that a change whose commit went unanswered is never made twice,
    // and the forward edit, which the other open windows read to patch
    // their snapshots. Only a server writes it; a file keeps the table (the
    // same schema) empty, since its windows reload when another connection
    // writes.
    r#"
    CREATE TABLE change_log (
        seq         INTEGER PRIMARY KEY,
        guid        TEXT NOT NULL UNIQUE,
        coder       TEXT NOT NULL,
        label       TEXT NOT NULL,
        edit        TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    "#,
    // 12: nothing in a file. On a server: the team's members and what
    // PostgreSQL lets each do (see store/pg.rs).
    "",
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Runs every migration after the file's version, up to `target`, in the caller's
/// transaction, and records the new version.
pub fn migrate_to(conn: &Connection, target: i64) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version > current && version <= target {
            conn.execute_batch(sql)?;
        }
    }
    if target > current {
        conn.pragma_update(None, "user_version", target)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_twice_are_a_no_op() {
        let conn = Connection::open_in_memory().unwrap();
        migrate_to(&conn, latest_version()).unwrap();
        migrate_to(&conn, latest_version()).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest_version());
    }
}
