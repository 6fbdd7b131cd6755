//! The project file: one SQLite database per project.
//!
//! [`Store`] opens and creates projects and is the only way to change one: every
//! change goes through [`Store::change`], which runs it as one `BEGIN IMMEDIATE`
//! transaction and records its inverse for undo in the same transaction. A kill at
//! any moment therefore leaves the project as it was before or after the change.
//! All SQL lives in this module: [`Reader`] holds the queries and [`Writer`] the
//! row-level writes that [`crate::edit::Edit`] is made of.

pub mod migrations;
pub mod pg;
mod read;
pub(crate) mod sql;
pub mod watch;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use sql::{Db, busy, p};

pub use read::Reader;
pub use write::Writer;

use crate::edit::Edit;
use crate::error::{Error, Result};
use crate::model::{new_guid, now_rfc3339};

/// Marks a SQLite file as a Weft project (`PRAGMA application_id`): "WEFT" in ASCII.
pub const APPLICATION_ID: i32 = 0x5745_4654;

/// Every table of a project, parents before children (the order a copy
/// goes in; with deferred keys it would not matter, but it reads better).
pub(crate) const TABLES: [&str; 18] = [
    "project",
    "participant",
    "document",
    "document_text",
    "turn",
    "cue_time",
    "attribute",
    "attribute_value",
    "code",
    "coder",
    "segment",
    "history",
    "cell_summary",
    "reconcile_decision",
    "practice",
    "practice_answer",
    "id_high_water",
    "change_log",
];

/// Why a project cannot be changed, in [`Error::ReadOnly`].
const READ_ONLY: &str = "it or its folder is read-only";

/// How many changes the change log keeps (see [`Store::log_change`]).
const CHANGE_LOG_KEPT: i64 = 1000;

/// The channel a server project's changes are announced on (`pg_notify`).
pub const CHANGE_CHANNEL: &str = "weft_change";

/// Whether a project argument names a server (`postgres://…`) rather than a file.
pub fn is_server(path: &Path) -> bool {
    path.to_str().is_some_and(pg::is_url)
}

/// How long a writer waits for another process's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open project.
pub struct Store {
    db: Db,
    /// The project file, or the server's URL without its password.
    path: PathBuf,
    /// The server, for a team project: for the listener's own connection.
    server: Option<pg::Server>,
    /// Who makes the changes: recorded with each undo entry, so undo takes back
    /// only this coder's own changes.
    coder: String,
    /// Opened read-only because the file or its folder cannot be written.
    read_only: bool,
    /// The change log's number of this store's latest change.
    last_logged: i64,
    /// On a team project, this login's role (`lead` or `coder`) when it is
    /// a member; its coder is then fixed by the team.
    team_role: Option<String>,
    /// Whether changes go on the undo stack: not while [`Store::build`]
    /// fills a new project, whose history it forgets anyway.
    recording: bool,
}

/// One change in the change log (see [`Store::changes_since`]).
#[derive(Debug, Clone)]
pub struct LoggedChange {
    /// Its place in commit order.
    pub seq: i64,
    /// Who made it.
    pub coder: String,
    /// The edit applied.
    pub edit: Edit,
}

/// How to open the same project again on another thread (a job's own
/// connection): the file, or the server with any password typed in.
#[derive(Clone)]
pub enum Reopen {
    /// A project file.
    File(PathBuf),
    /// A team project.
    Server(Box<pg::Server>),
}

impl Reopen {
    /// Opens the project.
    pub fn open(&self) -> Result<Store> {
        match self {
            Reopen::File(path) => Store::open(path),
            Reopen::Server(server) => Store::open_server((**server).clone()),
        }
    }
}

/// What one change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The edit applied to the project.
    pub forward: Edit,
    /// The edit that undoes it.
    pub inverse: Edit,
}

/// One entry of the undo or redo stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// What the user did, e.g. "Merge code".
    pub label: String,
    /// When.
    pub created_at: String,
    /// Who did it ("" for entries from before Weft recorded coders).
    pub coder: String,
}

impl HistoryEntry {
    /// The label with the coder who made the change, as menus show it.
    pub fn describe(&self) -> String {
        if self.coder.is_empty() {
            self.label.clone()
        } else {
            format!("{} ({})", self.label, self.coder)
        }
    }
}

impl Store {
    /// A store on an open connection, coding as the default coder.
    fn on(db: Db, path: PathBuf, read_only: bool) -> Store {
        Store {
            db,
            path,
            server: None,
            coder: crate::model::default_coder(),
            read_only,
            last_logged: 0,
            team_role: None,
            recording: true,
        }
    }

    /// Creates a new, empty project at `path`. Refuses to overwrite a file.
    pub fn create(path: &Path) -> Result<Store> {
        Ok(Self::build(path, None, |_| Ok(()))?.0)
    }

    /// Builds a new project at `path` all or nothing.
    ///
    /// The project is made in `NAME.partial` beside the target, filled by
    /// `fill`, stripped of undo history (there is nothing before it to undo to),
    /// and only then moved into place, without ever replacing a file that
    /// appeared there meanwhile. A kill at any moment leaves either no project
    /// or the whole one; a stale partial from a killed build is removed first.
    pub fn build<T>(
        path: &Path,
        guid: Option<&str>,
        fill: impl FnOnce(&mut Store) -> Result<T>,
    ) -> Result<(Store, T)> {
        if is_server(path) {
            return Err(Error::Invalid(
                "a new project is made as a file; make it, then put it on the server with weft push FILE URL".into(),
            ));
        }
        if path.exists() {
            return Err(Error::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        let tmp = sibling(path, ".partial");
        remove_project_files(&tmp);
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let result = (|| {
            let mut store = Self::create_inner(&tmp, path, &name, guid)?;
            // The fill's commits are not synced one by one: the partial file
            // is synced once, whole, below, before it takes the target's
            // name, and a partial left by a crash is never opened (the next
            // build removes it).
            store.lite().pragma_update(None, "synchronous", "OFF")?;
            // Nothing before the new project to undo to: its fill is not
            // recorded (for a 100,000-coding .qdpx, the inverse and the
            // witness were megabytes of JSON written only to be forgotten).
            store.recording = false;
            let value = fill(&mut store)?;
            store.forget_history()?;
            // Closing commits the rollback journal away, so the partial is one
            // self-contained file.
            drop(store);
            std::fs::File::open(&tmp)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::io(path, e))?;
            publish(&tmp, path)?;
            Ok(value)
        })();
        match result {
            Ok(value) => Ok((Store::open(path)?, value)),
            Err(e) => {
                remove_project_files(&tmp);
                Err(e)
            }
        }
    }

    /// Makes the schema in a new file. It uses a rollback journal while it is
    /// being built; [`Store::open`] turns on WAL once it is in place.
    fn create_inner(tmp: &Path, target: &Path, name: &str, guid: Option<&str>) -> Result<Store> {
        let conn = Connection::open(tmp).map_err(|e| sqlite_open_error(target, e))?;
        let mut store = Store::on(Db::Lite(conn), target.to_path_buf(), false);
        store.configure()?;
        let tx = store.db.begin_write()?;
        let conn = store.lite();
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        migrations::migrate_to(conn, migrations::latest_version())?;
        let guid = guid.map_or_else(new_guid, String::from);
        store.db.execute(
            "INSERT INTO project (id, name, guid, created_at) VALUES (1, ?1, ?2, ?3)",
            p![name, &guid, now_rfc3339().as_str()],
        )?;
        tx.commit()?;
        Ok(store)
    }

    /// Opens an existing project, upgrading its schema if it is older.
    ///
    /// A file that is not a Weft project, one made by a newer Weft, a damaged
    /// one, or one reached through a hard link, is refused before anything is
    /// written to it. A project that cannot be written (the file or its folder
    /// is read-only) opens read-only: it can be read and exported, and every
    /// change is refused with a message that says why.
    pub fn open(path: &Path) -> Result<Store> {
        if is_server(path) {
            let url = path.to_string_lossy();
            return Self::open_server(pg::Server::parse(&url)?);
        }
        if !path.is_file() {
            return Err(Error::NoSuchProject {
                path: path.to_path_buf(),
            });
        }
        refuse_hard_links(path)?;
        let (conn, read_only) = match Self::open_connection(path, Access::ReadWrite) {
            Ok(conn) => (conn, false),
            Err(Error::ReadOnly { .. }) => match Self::open_connection(path, Access::ReadOnly) {
                Ok(conn) => (conn, true),
                Err(_) if sibling(path, "-wal").metadata().is_ok_and(|m| m.len() > 0) => {
                    // Reading the file as it stands would skip the changes
                    // still in its log: refuse rather than show an old state.
                    return Err(Error::ReadOnly {
                        path: path.to_path_buf(),
                        why: "its folder is read-only and its latest changes are still in its -wal file; copy the project with its -wal file to a folder you can write to".into(),
                    });
                }
                Err(_) => (Self::open_connection(path, Access::Immutable)?, true),
            },
            Err(e) => return Err(e),
        };
        let mut store = Store::on(Db::Lite(conn), path.to_path_buf(), read_only);
        store.configure()?;
        let version: i64 = store
            .lite()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| sqlite_open_error(path, e))?;
        let known = migrations::latest_version();
        if version < known && !read_only {
            let tx = store.db.begin_write()?;
            migrations::migrate_to(store.lite(), known)?;
            tx.commit()?;
        } else if version < known {
            return Err(Error::ReadOnly {
                path: path.to_path_buf(),
                why: "it was made by an older Weft and must be upgraded first".into(),
            });
        }
        Ok(store)
    }

    /// Opens a team project on a PostgreSQL server, upgrading its schema if
    /// it is older (behind the writers' lock, so two coders opening it at
    /// once upgrade it once).
    pub fn open_server(server: pg::Server) -> Result<Store> {
        let db = Db::pg(server.connect()?);
        let mut store = Store::on(db, PathBuf::from(server.url()), false);
        let version = pg::schema_version(&store.db, &server)?;
        let known = migrations::latest_version();
        pg::refuse_newer(&server, version)?;
        if version < known {
            let tx = store.db.begin_write()?;
            // Read again behind the lock: another coder may just have done it.
            let version = pg::schema_version(&store.db, &server)?;
            pg::migrate(&store.db, version, known)?;
            tx.commit()?;
        }
        store.server = Some(server);
        let member: Option<(String, String)> = store.db.one(
            "SELECT coder, role FROM team_member WHERE login = current_user",
            p![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if let Some((coder, role)) = member {
            store.coder = coder;
            store.team_role = Some(role);
        }
        store.announce_coder()?;
        Ok(store)
    }

    /// How to open this project again, on another connection.
    pub fn reopener(&self) -> Reopen {
        match &self.server {
            Some(s) => Reopen::Server(Box::new(s.clone())),
            None => Reopen::File(self.path.clone()),
        }
    }

    /// The change log's number of the latest change this store made.
    pub fn last_logged(&self) -> i64 {
        self.last_logged
    }

    /// The changes logged after `seq`, in commit order: `None` when some of
    /// them are no longer kept (the caller then loads the project again),
    /// or when this is a file, whose log holds no edits.
    pub fn changes_since(&mut self, seq: i64) -> Result<Option<Vec<LoggedChange>>> {
        self.retrying(|store| store.changes_since_now(seq))
    }

    /// Runs a read (or opens a change's transaction); when it fails because
    /// a server's connection broke (the network, a restarted server, or while
    /// the project sat idle), connects again and runs it once more.
    fn retrying<T>(&mut self, read: impl Fn(&Store) -> Result<T>) -> Result<T> {
        self.reconnect_if_lost()?;
        match read(self) {
            Err(_) if matches!(self.db.pg_client(), Some(c) if c.is_closed()) => {
                self.reconnect()?;
                read(self)
            }
            other => other,
        }
    }

    fn changes_since_now(&self, seq: i64) -> Result<Option<Vec<LoggedChange>>> {
        if !self.db.is_pg() {
            return Ok(None);
        }
        let rows: Vec<(i64, String, String)> = self.db.list(
            "SELECT seq, coder, edit FROM change_log WHERE seq > ?1 ORDER BY seq",
            p![seq],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for (i, (n, coder, json)) in rows.into_iter().enumerate() {
            if n != seq + 1 + i as i64 {
                return Ok(None);
            }
            out.push(LoggedChange {
                seq: n,
                coder,
                edit: serde_json::from_str(&json)?,
            });
        }
        Ok(Some(out))
    }

    /// A snapshot and the change log's position it stands at, read as one
    /// moment (so a change committed meanwhile is neither lost nor doubled).
    pub fn snapshot_at(&mut self) -> Result<(crate::model::ProjectSnapshot, i64)> {
        self.retrying(|store| {
            let r = store.read();
            r.at_one_moment(|| Ok((r.snapshot()?, store.data_version()?)))
        })
    }

    /// [`Store::snapshot_at`] without the segments (and the counts made
    /// from them) and the participants' attribute values, for a window that
    /// reads the whole snapshot on another connection ([`Reader::snapshot`])
    /// while it already shows the documents, the codes and a transcript.
    pub fn snapshot_to_start_at(&mut self) -> Result<(crate::model::ProjectSnapshot, i64)> {
        self.retrying(|store| {
            let r = store.read();
            r.at_one_moment(|| Ok((r.snapshot_without_segments(false)?, store.data_version()?)))
        })
    }

    /// This login's role in a team project (`lead` or `coder`), if the
    /// team lists it.
    pub fn team_role(&self) -> Option<&str> {
        self.team_role.as_deref()
    }

    /// The server of a team project (`None` for a file).
    pub fn server(&self) -> Option<&pg::Server> {
        self.server.as_ref()
    }

    /// Tells the server who this connection codes for, so the other
    /// windows can show who is working ([`Store::others_working`]).
    fn announce_coder(&self) -> Result<()> {
        if self.db.is_pg() {
            let name = format!("{}{}", pg::APP_PREFIX, self.coder);
            self.db.execute(
                "SELECT set_config('application_name', ?1, false)",
                p![name.as_str()],
            )?;
        }
        Ok(())
    }

    /// The other coders connected to this team project now, by name, sorted
    /// (empty for a file).
    pub fn others_working(&self) -> Result<Vec<String>> {
        if !self.db.is_pg() {
            return Ok(Vec::new());
        }
        let prefix_len = pg::APP_PREFIX.chars().count() as i64;
        let mut names: Vec<String> = self.db.list(
            "SELECT DISTINCT substr(application_name, CAST(?1 AS INTEGER)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
             AND starts_with(application_name, ?2)",
            p![prefix_len + 1, pg::APP_PREFIX],
            |r| r.get(0),
        )?;
        names.retain(|n| !n.is_empty() && *n != self.coder);
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Opens the SQLite connection and checks that the file is a Weft project
    /// this build can read. [`Error::ReadOnly`] means "try again read-only".
    fn open_connection(path: &Path, access: Access) -> Result<Connection> {
        let flags = match access {
            Access::ReadWrite => OpenFlags::SQLITE_OPEN_READ_WRITE,
            Access::ReadOnly | Access::Immutable => OpenFlags::SQLITE_OPEN_READ_ONLY,
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let uri = sqlite_uri(path, access);
        let conn =
            Connection::open_with_flags(&uri, flags).map_err(|e| sqlite_open_error(path, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let read_only_error = || Error::ReadOnly {
            path: path.to_path_buf(),
            why: READ_ONLY.into(),
        };
        if access == Access::ReadWrite && conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(read_only_error());
        }
        let app_id: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen) => read_only_error(),
                _ => sqlite_open_error(path, e),
            })?;
        if app_id != APPLICATION_ID {
            return Err(Error::NotAProject {
                path: path.to_path_buf(),
                reason: "an SQLite database of another application".into(),
            });
        }
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| sqlite_open_error(path, e))?;
        let known = migrations::latest_version();
        if version > known {
            return Err(Error::TooNew {
                path: path.to_path_buf(),
                found: version,
                known,
            });
        }
        if version == 0 {
            // Marked as ours but holding no schema: a creation that was cut
            // short before Weft built projects beside their target. Migrating
            // it would pass off an empty shell as the user's project.
            return Err(Error::Damaged {
                path: path.to_path_buf(),
                reason: "it is marked as a Weft project but holds no tables".into(),
            });
        }
        if access == Access::ReadWrite {
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(|e| match e.sqlite_error_code() {
                    Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen) => read_only_error(),
                    _ => busy(e.into()),
                })?;
        }
        Ok(conn)
    }

    fn configure(&mut self) -> Result<()> {
        let conn = self.lite();
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // With WAL, NORMAL survives a crash or kill of the process; only a power
        // cut may lose the last commit, never corrupt the file.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Deleted rows are overwritten with zeros, so a transcript removed
        // (withdrawn consent, an undone import) does not linger in the file.
        conn.pragma_update(None, "secure_delete", true)?;
        // Temporary tables, sorts and statement journals in memory, not in
        // files: a statement that changes many rows (merging a code of
        // thousands of segments) keeps the pages it may have to roll back
        // without writing them out, and no copy of a transcript's pages
        // lands in a temporary file.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // A page cache big enough that one large change (merging a code of
        // thousands of segments, importing hundreds of transcripts) is not
        // spilled to the file half-way: 32 MiB at most, taken as used.
        conn.pragma_update(None, "cache_size", -32768)?;
        // Room for every statement the store runs, including the few
        // sizes of many-row inserts per table (`Db::insert_rows`).
        conn.set_prepared_statement_cache_capacity(128);
        Ok(())
    }

    /// The SQLite connection of a project file. Only for what a file alone
    /// has (pragmas, checkpoints); a server project never gets here.
    fn lite(&self) -> &Connection {
        self.db
            .lite()
            .expect("a file's connection asked of a server project")
    }

    /// The coder whose changes this store records and undoes.
    pub fn coder(&self) -> &str {
        &self.coder
    }

    /// Sets who makes the changes from now on (the `--coder`, the window's coder).
    pub fn set_coder(&mut self, coder: &str) {
        let coder = coder.trim();
        // A team member codes as the coder the team gave their login.
        if coder != self.coder && self.team_role.is_none() {
            self.coder = coder.to_string();
            // Only who is shown as working; a failure here changes nothing else.
            let _ = self.announce_coder();
        }
    }

    /// Whether the project was opened read-only (its file or folder cannot be written).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// How many times the project has been changed by any connection, as far as
    /// this one can tell: SQLite's `PRAGMA data_version`, which moves whenever
    /// another connection commits. The window polls it to notice a script or a
    /// second window writing to the same project.
    pub fn data_version(&self) -> Result<i64> {
        match self.db.lite() {
            Some(conn) => Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?),
            // On a server: the number of the newest change logged (kept
            // even when the log has been emptied).
            None => Ok(self.read().next_number("change_log", "seq")? - 1),
        }
    }

    /// For the window: changes no longer copy the write-ahead log back into
    /// the file at commit (which made a large change wait for it); the
    /// window calls [`Store::checkpoint_when_idle`] between changes instead.
    pub fn defer_checkpoints(&mut self) -> Result<()> {
        if let (false, Some(conn)) = (self.read_only, self.db.lite()) {
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        }
        Ok(())
    }

    /// Copies the write-ahead log back into the project file when it has
    /// grown past 4 MiB, without waiting for readers (a passive checkpoint).
    /// Cheap when there is nothing to do: one file size.
    pub fn checkpoint_when_idle(&mut self) -> Result<()> {
        let (false, Some(conn)) = (self.read_only, self.db.lite()) else {
            return Ok(());
        };
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        let big = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 4 << 20);
        if big {
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    fn refuse_read_only(&self) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly {
                path: self.path.clone(),
                why: READ_ONLY.into(),
            });
        }
        Ok(())
    }

    /// The project file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queries over the current state of the project.
    pub fn read(&self) -> Reader<'_> {
        Reader::new(&self.db)
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
        Ok(self.change_applied(label, build)?.inverse)
    }

    /// [`Store::change`], returning the edit applied as well as its inverse,
    /// so a loaded snapshot can be patched with it
    /// ([`crate::model::ProjectSnapshot::patch`]).
    pub fn change_applied<F>(&mut self, label: &str, build: F) -> Result<Applied>
    where
        F: FnOnce(&Reader<'_>) -> Result<Edit>,
    {
        let mut build = Some(build);
        self.change_in_pieces(label, |r| build.take().map(|b| b(r)).transpose())
    }

    /// One change made of pieces, each applied as soon as `next` builds it,
    /// so the next can be read or parsed while this one is written: `next`
    /// is called again (seeing every piece so far) until it returns `None`.
    /// All of it is one transaction and one step of undo: a piece that fails
    /// to build or apply rolls back every piece before it. With one piece
    /// this is [`Store::change_applied`]; with more, the edit applied is a
    /// [`Edit::Batch`] of the pieces in order.
    pub fn change_in_pieces<F>(&mut self, label: &str, mut next: F) -> Result<Applied>
    where
        F: FnMut(&Reader<'_>) -> Result<Option<Edit>>,
    {
        self.refuse_read_only()?;
        self.start_write()?;
        let tx = self.db.adopt();
        let w = Writer::new(&self.db);
        let (mut forwards, mut inverses, mut codes) = (Vec::new(), Vec::new(), false);
        while let Some(piece) = next(&w.reader())? {
            if piece.is_empty() {
                continue;
            }
            inverses.push(piece.apply(&w)?);
            codes |= piece.touches_codes();
            forwards.push(piece);
        }
        let (edit, inverse) = match forwards.len() {
            // Nothing to do, so nothing to undo either.
            0 => {
                return Ok(Applied {
                    forward: Edit::Batch(vec![]),
                    inverse: Edit::Batch(vec![]),
                });
            }
            1 => (forwards.remove(0), inverses.remove(0)),
            _ => {
                inverses.reverse();
                (Edit::Batch(forwards), Edit::Batch(inverses))
            }
        };
        if codes {
            // Dropping the transaction rolls the change back.
            refuse_deep_codes(&w)?;
        }
        if self.recording {
            w.clear_history("redo", Some(&self.coder))?;
            w.push_history(
                "undo",
                label,
                &self.coder,
                &serde_json::to_string(&inverse)?,
                &serde_json::to_string(&crate::edit::witness::Witness::of(&edit))?,
            )?;
        }
        let logged = self.log_change(label, &edit)?;
        let committed = tx.commit();
        self.settle(committed, logged)?;
        Ok(Applied {
            forward: edit,
            inverse,
        })
    }

    /// Appends a change to a server project's change log, in its
    /// transaction: its place in commit order (never reused), a GUID, the
    /// forward edit, and a notification to the other windows (delivered at
    /// commit). Keeps the newest [`CHANGE_LOG_KEPT`] entries; a window further
    /// behind loads the project again. A file logs nothing: no one reads its
    /// log (its windows reload when another connection writes, and its
    /// commits are always answered). Returns the entry's GUID and number.
    fn log_change(&self, label: &str, edit: &Edit) -> Result<Option<(String, i64)>> {
        if !self.db.is_pg() {
            return Ok(None);
        }
        let seq = Reader::new(&self.db).next_number("change_log", "seq")?;
        let guid = new_guid();
        self.db.execute(
            "INSERT INTO change_log (seq, guid, coder, label, edit, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            p![
                seq,
                &guid,
                &self.coder,
                label,
                &serde_json::to_string(edit)?,
                now_rfc3339().as_str()
            ],
        )?;
        Writer::new(&self.db).raise_high_water("change_log", std::iter::once(seq))?;
        self.db.execute(
            "DELETE FROM change_log WHERE seq <= ?1",
            p![seq - CHANGE_LOG_KEPT],
        )?;
        self.db.execute(
            "SELECT pg_notify(?1, ?2)",
            p![CHANGE_CHANNEL, &*seq.to_string()],
        )?;
        Ok(Some((guid, seq)))
    }

    /// What a change's commit did. When a server does not answer the commit (the
    /// connection broke), the change may or may not have been made: Weft
    /// connects again and looks for the change's GUID in the log, so a
    /// change is reported made only if it was, and never made twice.
    fn settle(&mut self, committed: Result<()>, logged: Option<(String, i64)>) -> Result<()> {
        let Some((guid, seq)) = logged else {
            return committed;
        };
        let made = match committed {
            Err(Error::Postgres { code, .. }) if code.is_empty() && self.server.is_some() => {
                self.reconnect()?;
                let found: Option<i64> = self.db.one(
                    "SELECT seq FROM change_log WHERE guid = ?1",
                    p![&guid],
                    |r| r.get(0),
                )?;
                match found {
                    Some(_) => Ok(()),
                    None => Err(Error::Invalid(
                        "the connection to the server broke before the change was saved; nothing was changed; try again".into(),
                    )),
                }
            }
            other => other,
        };
        if made.is_ok() {
            self.last_logged = seq;
        }
        made
    }

    /// A server project whose connection broke connects again (a file's
    /// connection cannot break). Changes do this themselves; a window calls
    /// it before reading the change log.
    pub fn reconnect_if_lost(&mut self) -> Result<()> {
        let lost = matches!(self.db.pg_client(), Some(c) if c.is_closed());
        if lost { self.reconnect() } else { Ok(()) }
    }

    /// Opens a change's transaction. A server's connection can have broken
    /// while the project sat idle (the client learns it only when it next
    /// talks): then it connects again and opens it on the new connection.
    fn start_write(&mut self) -> Result<()> {
        self.retrying(|store| store.db.start_write())
    }

    fn reconnect(&mut self) -> Result<()> {
        if let Some(server) = &self.server {
            self.db = Db::pg(server.connect()?);
            self.announce_coder()?;
        }
        Ok(())
    }

    /// Applies an edit without recording history. Tests use it to check inverses.
    pub fn apply_unrecorded(&mut self, edit: &Edit) -> Result<Edit> {
        let tx = self.db.begin_write()?;
        let inverse = edit.apply(&Writer::new(&self.db))?;
        tx.commit()?;
        Ok(inverse)
    }

    /// Undoes this coder's latest change (never another coder's). Returns its
    /// label, or `None` when there is nothing to undo.
    pub fn undo(&mut self) -> Result<Option<String>> {
        Ok(self.step("undo", "redo")?.map(|(label, _)| label))
    }

    /// [`Store::undo`], returning the label and the edit applied (to patch a
    /// snapshot with).
    pub fn undo_applied(&mut self) -> Result<Option<(String, Edit)>> {
        self.step("undo", "redo")
    }

    /// [`Store::redo`], returning the label and the edit applied.
    pub fn redo_applied(&mut self) -> Result<Option<(String, Edit)>> {
        self.step("redo", "undo")
    }

    /// Redoes this coder's latest undone change. Returns its label, or `None`.
    pub fn redo(&mut self) -> Result<Option<String>> {
        Ok(self.step("redo", "undo")?.map(|(label, _)| label))
    }

    fn step(&mut self, from: &str, to: &str) -> Result<Option<(String, Edit)>> {
        self.refuse_read_only()?;
        self.start_write()?;
        let tx = self.db.adopt();
        let w = Writer::new(&self.db);
        let Some((id, label, json, witness)) = w.reader().history_top(from, &self.coder)? else {
            return Ok(None);
        };
        let edit: Edit = serde_json::from_str(&json)?;
        // The rows the change left must still be as it left them: else
        // another coder has changed them since, and taking the change back
        // would overwrite their work. (Entries from before schema 10 have
        // no witness.)
        if !witness.is_empty() {
            let witness: crate::edit::witness::Witness = serde_json::from_str(&witness)?;
            if let Some(what) = witness.first_change(&w.reader())? {
                return Err(Error::Invalid(format!(
                    "cannot {from} \"{label}\": another coder has changed {what} it touched since; nothing was changed"
                )));
            }
        }
        // Another coder may since have built on what this entry would take
        // back (coded with a code it created, say). The transaction is then
        // rolled back: nothing is overwritten.
        let inverse = edit.apply(&w).map_err(|e| match e {
            Error::Busy => Error::Busy,
            e if e.is_constraint_violation() => Error::Invalid(format!(
                "cannot {from} \"{label}\": another coder's later changes depend on it; nothing was changed"
            )),
            Error::Invalid(why) => Error::Invalid(format!(
                "cannot {from} \"{label}\": {why} (another coder has changed it since); nothing was changed"
            )),
            e => e,
        })?;
        w.delete_history(id)?;
        w.push_history(
            to,
            &label,
            &self.coder,
            &serde_json::to_string(&inverse)?,
            &serde_json::to_string(&crate::edit::witness::Witness::of(&edit))?,
        )?;
        let what = if from == "undo" { "Undo" } else { "Redo" };
        let logged = self.log_change(&format!("{what} {label}"), &edit)?;
        let committed = tx.commit();
        self.settle(committed, logged)?;
        Ok(Some((label, edit)))
    }

    /// Runs `fill`, which adds many segments to a project being built,
    /// with the segments' two plain indexes (by code, by coder) dropped
    /// and made again afterwards: one sort of every row instead of an index
    /// update per row. The unique ones stay, so a duplicate is still
    /// refused. References are checked once, after the fill, instead of
    /// row by row; a broken one fails the fill. For [`Store::build`]'s fill
    /// only: a file, nothing else reading it, thrown away if this fails.
    pub fn fill_segments_in_bulk<T>(
        &mut self,
        fill: impl FnOnce(&mut Store) -> Result<T>,
    ) -> Result<T> {
        let conn = self
            .db
            .lite()
            .ok_or_else(|| Error::Invalid("a bulk fill is for a new project file".into()))?;
        // The indexes are made again from their own definitions in the file,
        // so this never drifts from the migrations that made them.
        let mut definitions = Vec::new();
        for name in ["segment_code", "segment_coder"] {
            let sql: String = conn.query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [name],
                |r| r.get(0),
            )?;
            conn.execute_batch(&format!("DROP INDEX {name}"))?;
            definitions.push(sql);
        }
        // Nor are references checked row by row (three lookups for every
        // segment): all of them are checked once the fill is in, below.
        conn.pragma_update(None, "foreign_keys", false)?;
        let value = fill(self);
        // The indexes and the checks come back whether or not the fill
        // worked: a failed build is thrown away, but a store in use must
        // keep its schema.
        let conn = self.db.lite().expect("a file, checked above");
        conn.pragma_update(None, "foreign_keys", true)?;
        for sql in &definitions {
            conn.execute_batch(sql)?;
        }
        let value = value?;
        let broken: Option<String> = conn
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })?;
        if let Some(table) = broken {
            return Err(Error::Invalid(format!(
                "a row of {table} refers to one that is not there; nothing was written"
            )));
        }
        Ok(value)
    }

    /// A new project's fill that arrives in pieces while it is read (a
    /// large `.qdpx`'s documents and segments, a batch at a time, see
    /// `refi::import`): each edit is applied as it comes, all of them in one
    /// transaction, which commits only if every piece is there and applies;
    /// an `Err` among the pieces, or one that fails, rolls all of it back.
    /// For [`Store::build`]'s fill only: nothing is recorded to undo.
    pub fn fill_in_pieces(&mut self, pieces: impl IntoIterator<Item = Result<Edit>>) -> Result<()> {
        if self.recording {
            return Err(Error::Invalid(
                "a fill in pieces is for building a new project".into(),
            ));
        }
        let tx = self.db.begin_write()?;
        let w = Writer::new(&self.db);
        let mut codes = false;
        for piece in pieces {
            let edit = piece?;
            codes |= edit.touches_codes();
            edit.apply(&w)?;
        }
        if codes {
            refuse_deep_codes(&w)?;
        }
        tx.commit()
    }

    /// Empties the undo and redo stacks, e.g. after writing the demo project.
    ///
    /// This is how removed data is forgotten for good: an undo entry holds what
    /// it would restore (a deleted document's text, say), and so does a
    /// server's change log. With `secure_delete` a file's entries' bytes are
    /// zeroed, and the write-ahead log that still holds older copies of those
    /// pages is checkpointed and truncated.
    pub fn forget_history(&mut self) -> Result<()> {
        self.refuse_read_only()?;
        let tx = self.db.begin_write()?;
        let w = Writer::new(&self.db);
        w.clear_history("undo", None)?;
        w.clear_history("redo", None)?;
        self.db.execute("DELETE FROM change_log", p![])?;
        tx.commit()?;
        // Not possible while another connection reads; it then happens when
        // the last connection closes.
        if let Some(conn) = self.db.lite() {
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        Ok(())
    }

    /// This coder's undo stack (newest first) and redo stack (newest first).
    pub fn history(&self) -> Result<(Vec<HistoryEntry>, Vec<HistoryEntry>)> {
        let r = self.read();
        Ok((
            r.history_entries("undo", &self.coder)?,
            r.history_entries("redo", &self.coder)?,
        ))
    }
}

/// How [`Store::open_connection`] opens the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    ReadWrite,
    ReadOnly,
    /// Read-only where SQLite cannot even make its shared-memory file (a
    /// read-only folder): the file is read as it stands.
    Immutable,
}

/// The `file:` URI SQLite opens: every byte but the plainest escaped as `%HH`.
fn sqlite_uri(path: &Path, access: Access) -> String {
    let mut uri = String::from("file:");
    for b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(b) {
            uri.push(*b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    match access {
        Access::ReadWrite => uri,
        Access::ReadOnly => uri + "?mode=ro",
        Access::Immutable => uri + "?mode=ro&immutable=1",
    }
}

/// SQLite cannot lock one file through two names: two hard-linked paths
/// written at once corrupt it. So a project with more than one link is refused,
/// unless the other link is the `NAME.partial` that [`publish`] left when it
/// was killed between linking the finished project into place and removing
/// the temporary name: that name is ours, the same file, and is removed.
fn refuse_hard_links(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let mut links = meta.nlink();
        if links == 2 {
            let partial = sibling(path, ".partial");
            let same = std::fs::symlink_metadata(&partial)
                .is_ok_and(|m| m.is_file() && m.dev() == meta.dev() && m.ino() == meta.ino());
            if same && std::fs::remove_file(&partial).is_ok() {
                links = 1;
            }
        }
        if links > 1 {
            return Err(Error::file(
                path,
                format!(
                    "not opened: the file has {links} hard links, and SQLite cannot keep a project safe when it is written through two names; remove the other links, or copy it (cp, not ln) and open the copy"
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a change that leaves the codebook nested deeper than Weft allows.
fn refuse_deep_codes(w: &Writer<'_>) -> Result<()> {
    if w.reader().code_tree_depth()? > crate::model::MAX_CODE_DEPTH {
        return Err(Error::Invalid(format!(
            "this would nest codes more than {} levels deep, which Weft does not allow; flatten the deepest levels",
            crate::model::MAX_CODE_DEPTH
        )));
    }
    Ok(())
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Moves a finished project from `tmp` to `target`, never over a file that
/// appeared at `target` meanwhile: a hard link fails if the name is taken,
/// then the temporary name is removed. Where links are not supported, a plain
/// rename after a last check.
fn publish(tmp: &Path, target: &Path) -> Result<()> {
    match std::fs::hard_link(tmp, target) {
        Ok(()) => {
            std::fs::remove_file(tmp).map_err(|e| Error::io(target, e))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::AlreadyExists {
                path: target.to_path_buf(),
            });
        }
        Err(_) if target.exists() => {
            return Err(Error::AlreadyExists {
                path: target.to_path_buf(),
            });
        }
        Err(_) => std::fs::rename(tmp, target).map_err(|e| Error::io(target, e))?,
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename is durable once the folder is synced (not possible everywhere).
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Removes a project file that this process just created, with its journals.
/// Only for cleaning up after a failed creation: never call it on a user's project.
pub(crate) fn remove_project_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(sibling(path, suffix));
    }
}

fn sqlite_open_error(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => Error::NotAProject {
            path: path.to_path_buf(),
            reason: "not an SQLite database".into(),
        },
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => Error::Busy,
        Some(ErrorCode::DatabaseCorrupt) => Error::Damaged {
            path: path.to_path_buf(),
            reason: "SQLite reports the file as malformed".into(),
        },
        _ => Error::Sqlite(e),
    }
}
