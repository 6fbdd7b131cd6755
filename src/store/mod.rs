//! The project file: one SQLite database per project.
//!
//! [`Store`] opens and creates projects and is the only way to change one: every
//! change goes through [`Store::change`], which runs it as one `BEGIN IMMEDIATE`
//! transaction and records its inverse for undo in the same transaction. A kill at
//! any moment therefore leaves the project as it was before or after the change.
//! All SQL lives in this module: [`Reader`] holds the queries and [`Writer`] the
//! row-level writes that [`crate::edit::Edit`] is made of.

pub mod migrations;
mod read;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

pub use read::Reader;
pub use write::Writer;

use crate::edit::Edit;
use crate::error::{Error, Result};
use crate::model::{new_guid, now_rfc3339};

/// Marks a SQLite file as a Weft project (`PRAGMA application_id`): "WEFT" in ASCII.
pub const APPLICATION_ID: i32 = 0x5745_4654;

/// How long a writer waits for another process's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open project.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// One entry of the undo or redo stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// What the user did, e.g. "Merge code".
    pub label: String,
    /// When.
    pub created_at: String,
}

impl Store {
    /// Creates a new, empty project at `path`. Refuses to overwrite a file.
    pub fn create(path: &Path) -> Result<Store> {
        Self::create_with_guid(path, None)
    }

    /// Creates a project with a given GUID (an import keeps the one it read).
    pub fn create_with_guid(path: &Path, guid: Option<&str>) -> Result<Store> {
        if path.exists() {
            return Err(Error::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        let result = Self::create_inner(path, guid);
        if result.is_err() {
            // Nothing half-made is left behind.
            remove_project_files(path);
        }
        result
    }

    fn create_inner(path: &Path, guid: Option<&str>) -> Result<Store> {
        let conn = Connection::open(path).map_err(|e| sqlite_open_error(path, e))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.configure()?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tx = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        migrations::migrate_to(&tx, migrations::latest_version())?;
        tx.execute(
            "INSERT INTO project (id, name, guid, created_at) VALUES (1, ?1, ?2, ?3)",
            (
                name,
                guid.map_or_else(new_guid, String::from),
                now_rfc3339(),
            ),
        )?;
        tx.commit()?;
        Ok(store)
    }

    /// Opens an existing project, upgrading its schema if it is older.
    ///
    /// A file that is not a Weft project, or one made by a newer Weft, is refused
    /// before anything is written to it.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(Error::NoSuchProject {
                path: path.to_path_buf(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sqlite_open_error(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let app_id: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| sqlite_open_error(path, e))?;
        if app_id != APPLICATION_ID {
            return Err(Error::NotAProject {
                path: path.to_path_buf(),
                reason: "an SQLite database of another application".into(),
            });
        }
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = migrations::latest_version();
        if version > known {
            return Err(Error::TooNew {
                path: path.to_path_buf(),
                found: version,
                known,
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(busy)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.configure()?;
        if version < known {
            let tx = store
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(busy)?;
            migrations::migrate_to(&tx, known)?;
            tx.commit().map_err(busy)?;
        }
        Ok(store)
    }

    fn configure(&mut self) -> Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        self.conn.pragma_update(None, "foreign_keys", true)?;
        // With WAL, NORMAL survives a crash or kill of the process; only a power
        // cut may lose the last commit, never corrupt the file.
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    /// The project file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queries over the current state of the project.
    pub fn read(&self) -> Reader<'_> {
        Reader::new(&self.conn)
    }

    /// Makes one change, the way every change is made.
    ///
    /// `build` reads the project inside the transaction and returns the [`Edit`] to
    /// make, so what it saw cannot change under it. The edit is applied, its inverse
    /// is pushed on the undo stack, the redo stack is cleared, and all of it commits
    /// together or not at all. Returns the inverse.
    pub fn change<F>(&mut self, label: &str, build: F) -> Result<Edit>
    where
        F: FnOnce(&Reader<'_>) -> Result<Edit>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(busy)?;
        let edit = build(&Reader::new(&tx))?;
        if edit.is_empty() {
            // Nothing to do, so nothing to undo either.
            return Ok(Edit::Batch(vec![]));
        }
        let inverse = edit.apply(&Writer::new(&tx))?;
        let w = Writer::new(&tx);
        w.clear_history("redo")?;
        w.push_history("undo", label, &serde_json::to_string(&inverse)?)?;
        tx.commit().map_err(busy)?;
        Ok(inverse)
    }

    /// Applies an edit without recording history. Tests use it to check inverses.
    pub fn apply_unrecorded(&mut self, edit: &Edit) -> Result<Edit> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(busy)?;
        let inverse = edit.apply(&Writer::new(&tx))?;
        tx.commit().map_err(busy)?;
        Ok(inverse)
    }

    /// Undoes the latest change. Returns its label, or `None` when there is nothing to undo.
    pub fn undo(&mut self) -> Result<Option<String>> {
        self.step("undo", "redo")
    }

    /// Redoes the latest undone change. Returns its label, or `None`.
    pub fn redo(&mut self) -> Result<Option<String>> {
        self.step("redo", "undo")
    }

    fn step(&mut self, from: &str, to: &str) -> Result<Option<String>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(busy)?;
        let w = Writer::new(&tx);
        let Some((id, label, json)) = w.reader().history_top(from)? else {
            return Ok(None);
        };
        let edit: Edit = serde_json::from_str(&json)?;
        let inverse = edit.apply(&w)?;
        w.delete_history(id)?;
        w.push_history(to, &label, &serde_json::to_string(&inverse)?)?;
        tx.commit().map_err(busy)?;
        Ok(Some(label))
    }

    /// Empties the undo and redo stacks, e.g. after writing the demo project.
    pub fn forget_history(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(busy)?;
        let w = Writer::new(&tx);
        w.clear_history("undo")?;
        w.clear_history("redo")?;
        tx.commit().map_err(busy)?;
        Ok(())
    }

    /// The undo stack (newest first) and the redo stack (newest first).
    pub fn history(&self) -> Result<(Vec<HistoryEntry>, Vec<HistoryEntry>)> {
        let r = self.read();
        Ok((r.history_entries("undo")?, r.history_entries("redo")?))
    }
}

/// Removes a project file that this process just created, with its WAL files.
/// Only for cleaning up after a failed creation: never call it on a user's project.
pub(crate) fn remove_project_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Maps "database is locked" to [`Error::Busy`].
fn busy(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => Error::Busy,
        _ => Error::Sqlite(e),
    }
}

fn sqlite_open_error(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => Error::NotAProject {
            path: path.to_path_buf(),
            reason: "not an SQLite database".into(),
        },
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => Error::Busy,
        _ => Error::Sqlite(e),
    }
}
