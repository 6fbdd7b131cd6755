//! One way to run the store's SQL on either backend: a project file
//! (SQLite, through rusqlite) or a team project on a PostgreSQL server
//! (through the synchronous `postgres` crate).
//!
//! Queries are written once, with SQLite's `?N` placeholders; on PostgreSQL
//! they become `$N`. Where the dialects differ, the caller asks
//! [`Db::is_pg`] and writes both. Parameters are [`P`] (null, an integer or
//! borrowed text) and cells are read through [`Row::get`], so neither side's
//! types leak into the queries. Statements are prepared once per connection
//! and cached.
//!
//! Transactions are opened by [`Db::begin_write`] and end with
//! [`Tx::commit`]; dropping a [`Tx`] rolls back. On SQLite a writer takes
//! the file's write lock (`BEGIN IMMEDIATE`); on PostgreSQL it runs at READ
//! COMMITTED and first takes a transaction-scoped advisory lock, so writers
//! queue one behind the other and each reads the state its predecessors
//! committed. Waiting longer than [`super::BUSY_TIMEOUT`] is
//! [`Error::Busy`] on both.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use rusqlite::types::ValueRef;

use crate::error::{Error, Result};

/// The advisory lock every writer of a server project takes first.
/// ("WEFT" in ASCII, as the SQLite application id.)
pub(crate) const WRITER_LOCK: i64 = 0x5745_4654;

/// A parameter of a query.
#[derive(Debug, Clone, Copy)]
pub(crate) enum P<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

impl From<i64> for P<'_> {
    fn from(v: i64) -> Self {
        P::Int(v)
    }
}
impl From<bool> for P<'_> {
    fn from(v: bool) -> Self {
        P::Int(v as i64)
    }
}
impl From<Option<i64>> for P<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(P::Null, P::Int)
    }
}
impl<'a> From<&'a str> for P<'a> {
    fn from(v: &'a str) -> Self {
        P::Text(v)
    }
}
impl<'a> From<&'a String> for P<'a> {
    fn from(v: &'a String) -> Self {
        P::Text(v)
    }
}
impl<'a> From<Option<&'a str>> for P<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(P::Null, P::Text)
    }
}

/// The most rows [`Db::insert_rows`] puts in one statement (a power of two):
/// 64 rows of a few columns stay far below either backend's limit on
/// parameters.
pub(crate) const ROWS_PER_INSERT: usize = 64;

/// `head VALUES (?1, …, ?N), (…)` for `rows` rows of `n` columns.
fn values_statement(head: &str, n: usize, rows: usize) -> Rc<str> {
    // Written once per statement and kept: writing it each time cost more
    // than running it (150,000 speaker turns are 2,400 statements).
    thread_local! {
        static WRITTEN: RefCell<HashMap<String, Vec<Option<Rc<str>>>>> =
            RefCell::new(HashMap::new());
    }
    let size = rows.ilog2() as usize;
    WRITTEN.with_borrow_mut(|written| {
        if !written.contains_key(head) {
            written.insert(head.to_string(), Vec::new());
        }
        let sizes = written.get_mut(head).expect("just put in");
        if sizes.len() <= size {
            sizes.resize(size + 1, None);
        }
        sizes[size]
            .get_or_insert_with(|| write_values_statement(head, n, rows).into())
            .clone()
    })
}

fn write_values_statement(head: &str, n: usize, rows: usize) -> String {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(head.len() + 8 + rows * n * 6);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..n {
            let sep = if c == 0 { "" } else { ", " };
            let _ = write!(sql, "{sep}?{}", r * n + c + 1);
        }
        sql.push(')');
    }
    sql
}

/// `p![a, b, c]`: a query's parameters.
macro_rules! p {
    ($($x:expr),* $(,)?) => {
        &[$($crate::store::sql::P::from($x)),*] as &[$crate::store::sql::P<'_>]
    };
}
pub(crate) use p;

impl rusqlite::ToSql for P<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ToSqlOutput::Borrowed;
        Ok(match *self {
            P::Null => Borrowed(ValueRef::Null),
            P::Int(i) => Borrowed(ValueRef::Integer(i)),
            P::Text(s) => Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

impl ToSql for P<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            P::Null => Ok(IsNull::Yes),
            // PostgreSQL infers a parameter's type from where it stands
            // (`start + ?1` is an integer, `?1 = id` a bigint): send the
            // integer as the type it asked for.
            P::Int(i) => match *ty {
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().as_str().to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            P::Text(s) => s.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// One cell of a result row, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

/// What a cell can be read as.
pub(crate) trait FromCell: Sized {
    fn from_cell(c: Value<'_>) -> Option<Self>;
}

impl FromCell for i64 {
    fn from_cell(c: Value<'_>) -> Option<Self> {
        match c {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }
}
impl FromCell for bool {
    fn from_cell(c: Value<'_>) -> Option<Self> {
        match c {
            Value::Int(i) => Some(i != 0),
            _ => None,
        }
    }
}
impl FromCell for String {
    fn from_cell(c: Value<'_>) -> Option<Self> {
        match c {
            Value::Text(s) => Some(s.to_string()),
            _ => None,
        }
    }
}
impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(c: Value<'_>) -> Option<Self> {
        match c {
            Value::Null => Some(None),
            c => T::from_cell(c).map(Some),
        }
    }
}

/// A result row of either backend.
pub(crate) enum Row<'r> {
    Lite(&'r rusqlite::Row<'r>),
    Pg(&'r postgres::Row),
}

impl Row<'_> {
    /// How many columns the row has.
    pub(crate) fn len(&self) -> usize {
        match self {
            Row::Lite(r) => r.as_ref().column_count(),
            Row::Pg(r) => r.len(),
        }
    }

    /// Column `i`, as it is stored.
    pub(crate) fn cell(&self, i: usize) -> Result<Value<'_>> {
        match self {
            Row::Lite(r) => Ok(match r.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Real(v) => Value::Real(v),
                ValueRef::Text(t) => Value::Text(
                    std::str::from_utf8(t)
                        .map_err(|_| Error::Invalid("a text in the project is not UTF-8".into()))?,
                ),
                ValueRef::Blob(_) => {
                    return Err(Error::Invalid(
                        "the project holds binary data where Weft keeps text".into(),
                    ));
                }
            }),
            Row::Pg(r) => {
                let ty = r.columns()[i].type_().clone();
                let cell = match ty {
                    Type::INT8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
                    Type::INT4 => r
                        .try_get::<_, Option<i32>>(i)
                        .map(|v| v.map(|v| Value::Int(v.into()))),
                    Type::INT2 => r
                        .try_get::<_, Option<i16>>(i)
                        .map(|v| v.map(|v| Value::Int(v.into()))),
                    Type::BOOL => r
                        .try_get::<_, Option<bool>>(i)
                        .map(|v| v.map(|v| Value::Int(v.into()))),
                    Type::FLOAT8 => r.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Real)),
                    _ => r.try_get::<_, Option<&str>>(i).map(|v| v.map(Value::Text)),
                };
                Ok(cell.map_err(|e| pg_error(&e))?.unwrap_or(Value::Null))
            }
        }
    }

    /// Column `i` as a `T`.
    pub(crate) fn get<T: FromCell>(&self, i: usize) -> Result<T> {
        let c = self.cell(i)?;
        T::from_cell(c).ok_or_else(|| {
            Error::Invalid(format!(
                "the project holds an unexpected value in column {} of a table; it may be damaged",
                i + 1
            ))
        })
    }
}

/// A PostgreSQL connection with its prepared statements.
pub(crate) struct PgDb {
    client: RefCell<postgres::Client>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    /// Whether a [`Tx`] is open.
    in_tx: Cell<bool>,
}

/// An open connection to a project.
pub(crate) enum Db {
    Lite(rusqlite::Connection),
    Pg(Box<PgDb>),
}

/// An open transaction; rolled back when dropped without [`Tx::commit`].
pub(crate) struct Tx<'d> {
    db: &'d Db,
    done: Cell<bool>,
}

impl Tx<'_> {
    /// Commits the transaction.
    pub(crate) fn commit(self) -> Result<()> {
        self.done.set(true);
        self.db.set_in_tx(false);
        self.db.batch("COMMIT").map_err(busy)
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done.get() {
            self.db.set_in_tx(false);
            let _ = self.db.batch("ROLLBACK");
        }
    }
}

/// `?N` placeholders as PostgreSQL's `$N` (no query of ours has a `?`
/// inside a string literal).
fn dollar_placeholders(sql: &str) -> String {
    sql.replace('?', "$")
}

impl Db {
    pub(crate) fn pg(client: postgres::Client) -> Db {
        Db::Pg(Box::new(PgDb {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            in_tx: Cell::new(false),
        }))
    }

    /// Whether this is a server project.
    pub(crate) fn is_pg(&self) -> bool {
        matches!(self, Db::Pg(_))
    }

    /// The SQLite connection (for what only a file has: pragmas, checkpoints).
    pub(crate) fn lite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Db::Lite(c) => Some(c),
            Db::Pg(_) => None,
        }
    }

    /// Runs statements without parameters or results.
    pub(crate) fn batch(&self, sql: &str) -> Result<()> {
        match self {
            Db::Lite(c) => Ok(c.execute_batch(sql)?),
            Db::Pg(pg) => pg
                .client
                .borrow_mut()
                .batch_execute(sql)
                .map_err(|e| pg_error(&e)),
        }
    }

    fn with_pg_statement<T>(
        pg: &PgDb,
        sql: &str,
        f: impl FnOnce(&mut postgres::Client, &postgres::Statement) -> Result<T, postgres::Error>,
    ) -> Result<T> {
        let mut client = pg.client.borrow_mut();
        let stmt = {
            let mut cache = pg.statements.borrow_mut();
            match cache.get(sql) {
                Some(s) => s.clone(),
                None => {
                    let s = client
                        .prepare(&dollar_placeholders(sql))
                        .map_err(|e| pg_error(&e))?;
                    cache.insert(sql.to_string(), s.clone());
                    s
                }
            }
        };
        f(&mut client, &stmt).map_err(|e| pg_error(&e))
    }

    /// Runs one statement; returns how many rows it changed.
    pub(crate) fn execute(&self, sql: &str, params: &[P<'_>]) -> Result<usize> {
        match self {
            Db::Lite(c) => Ok(c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(params.iter()))?),
            Db::Pg(pg) => Self::with_pg_statement(pg, sql, |client, stmt| {
                let args: Vec<&(dyn ToSql + Sync)> =
                    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                client.execute(stmt, &args).map(|n| n as usize)
            }),
        }
    }

    /// Inserts many rows of `N` columns: `head` is the statement up to
    /// `VALUES` (`INSERT INTO turn (a, b)`), and the rows go in with one
    /// statement per chunk of up to [`ROWS_PER_INSERT`] (the rest in
    /// chunks of falling powers of two, so each table uses a handful of
    /// statements, each prepared once). For narrow rows into one b-tree
    /// (speaker turns, cue times) a statement per row cost more than the
    /// row: 150,000 turns go in 1.7–1.8× faster this way. Rows that feed
    /// several indexes gain nothing (see `Writer::insert_segment`).
    pub(crate) fn insert_rows<'a, const N: usize>(
        &self,
        head: &str,
        rows: impl IntoIterator<Item = [P<'a>; N]>,
    ) -> Result<()> {
        let mut rows = rows.into_iter().peekable();
        let mut params: Vec<P<'a>> = Vec::with_capacity(ROWS_PER_INSERT * N);
        let mut buffered: Vec<[P<'a>; N]> = Vec::with_capacity(ROWS_PER_INSERT);
        while rows.peek().is_some() {
            buffered.clear();
            buffered.extend(rows.by_ref().take(ROWS_PER_INSERT));
            let mut rest = &buffered[..];
            while !rest.is_empty() {
                // A whole chunk, else the largest power of two that fits.
                let chunk = 1 << rest.len().ilog2();
                params.clear();
                for row in &rest[..chunk] {
                    params.extend_from_slice(row);
                }
                self.execute(&values_statement(head, N, chunk), &params)?;
                rest = &rest[chunk..];
            }
        }
        Ok(())
    }

    /// Runs a query and hands each row to `f`.
    pub(crate) fn each(
        &self,
        sql: &str,
        params: &[P<'_>],
        mut f: impl FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        match self {
            Db::Lite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
                while let Some(r) = rows.next()? {
                    f(&Row::Lite(r))?;
                }
                Ok(())
            }
            Db::Pg(pg) => {
                let rows = Self::with_pg_statement(pg, sql, |client, stmt| {
                    let args: Vec<&(dyn ToSql + Sync)> =
                        params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                    client.query(stmt, &args)
                })?;
                for r in &rows {
                    f(&Row::Pg(r))?;
                }
                Ok(())
            }
        }
    }

    /// Every row of a query, each made by `f`.
    pub(crate) fn list<T>(
        &self,
        sql: &str,
        params: &[P<'_>],
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each(sql, params, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query, if any, made by `f`.
    pub(crate) fn one<T>(
        &self,
        sql: &str,
        params: &[P<'_>],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut f = Some(f);
        let mut out = None;
        self.each(sql, params, |r| {
            if let Some(f) = f.take() {
                out = Some(f(r)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// One value of a query that always returns one row.
    pub(crate) fn value<T: FromCell>(&self, sql: &str, params: &[P<'_>]) -> Result<T> {
        self.one(sql, params, |r| r.get(0))?
            .ok_or_else(|| Error::Invalid("a query returned no row".into()))
    }

    /// Starts a writing transaction: on SQLite with the file's write lock,
    /// on PostgreSQL at READ COMMITTED behind the writers' advisory lock.
    pub(crate) fn begin_write(&self) -> Result<Tx<'_>> {
        self.start_write()?;
        Ok(self.adopt())
    }

    /// Opens the writing transaction of [`Db::begin_write`] without
    /// holding on to it; [`Db::adopt`] then makes its [`Tx`].
    pub(crate) fn start_write(&self) -> Result<()> {
        match self {
            Db::Lite(_) => self.batch("BEGIN IMMEDIATE").map_err(busy)?,
            Db::Pg(_) => {
                self.batch(&format!(
                    "BEGIN ISOLATION LEVEL READ COMMITTED;
                     SET LOCAL lock_timeout = '{}ms';
                     SELECT pg_advisory_xact_lock({WRITER_LOCK});
                     SET LOCAL lock_timeout = 0;",
                    super::BUSY_TIMEOUT.as_millis()
                ))
                .map_err(|e| {
                    let _ = self.batch("ROLLBACK");
                    busy(e)
                })?;
            }
        }
        Ok(())
    }

    /// The [`Tx`] of a transaction [`Db::start_write`] opened.
    pub(crate) fn adopt(&self) -> Tx<'_> {
        self.set_in_tx(true);
        Tx {
            db: self,
            done: Cell::new(false),
        }
    }

    /// Starts a read-only transaction that sees one moment of the project
    /// throughout (for loading a whole snapshot from a server while others
    /// write). On SQLite a deferred transaction does the same.
    pub(crate) fn begin_read(&self) -> Result<Tx<'_>> {
        match self {
            Db::Lite(_) => self.batch("BEGIN DEFERRED")?,
            Db::Pg(_) => self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?,
        }
        self.set_in_tx(true);
        Ok(Tx {
            db: self,
            done: Cell::new(false),
        })
    }

    /// Whether a transaction is open on this connection.
    pub(crate) fn in_transaction(&self) -> bool {
        match self {
            Db::Lite(c) => !c.is_autocommit(),
            Db::Pg(pg) => pg.in_tx.get(),
        }
    }

    fn set_in_tx(&self, open: bool) {
        if let Db::Pg(pg) = self {
            pg.in_tx.set(open);
        }
    }

    /// The PostgreSQL client, for what has no SQLite counterpart (COPY).
    pub(crate) fn pg_client(&self) -> Option<std::cell::RefMut<'_, postgres::Client>> {
        match self {
            Db::Pg(pg) => Some(pg.client.borrow_mut()),
            Db::Lite(_) => None,
        }
    }
}

/// A PostgreSQL error as ours: its SQLSTATE and the server's one-line
/// message, never its DETAIL (which can quote a row: a memo, a name).
pub(crate) fn pg_error(e: &postgres::Error) -> Error {
    match e.as_db_error() {
        // insufficient_privilege: a grant or a row-level policy said no.
        Some(db) if db.code().code() == "42501" => Error::Postgres {
            code: "42501".into(),
            message: format!(
                "{}: your role in this team project does not allow it (a coder adds, changes and removes only their own segments and memos; the rest is for a lead)",
                db.message()
            ),
        },
        Some(db) => Error::Postgres {
            code: db.code().code().to_string(),
            message: db.message().to_string(),
        },
        None if e.is_closed() => Error::Postgres {
            code: String::new(),
            message: "the connection to the server was lost; check the network and open the project again".into(),
        },
        None => Error::Postgres {
            code: String::new(),
            message: e.to_string(),
        },
    }
}

/// Maps a lock that could not be had in time to [`Error::Busy`].
pub(crate) fn busy(e: Error) -> Error {
    match &e {
        Error::Sqlite(s)
            if matches!(
                s.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ) =>
        {
            Error::Busy
        }
        // lock_not_available: the lock_timeout ran out.
        Error::Postgres { code, .. } if code == "55P03" => Error::Busy,
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars() {
        assert_eq!(
            dollar_placeholders("SELECT a FROM t WHERE b = ?1 AND c IN (?2, '')"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, '')"
        );
    }

    #[test]
    fn rows_read_the_same_through_both_cell_kinds() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let db = Db::Lite(c);
        let got = db
            .one(
                "SELECT ?1, ?2, NULL, ?3",
                p![7i64, "tekst ✍", true],
                |r| {
                    Ok((
                        r.get::<i64>(0)?,
                        r.get::<String>(1)?,
                        r.get::<Option<String>>(2)?,
                        r.get::<bool>(3)?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(got, Some((7, "tekst ✍".into(), None, true)));
        assert!(db.one("SELECT 'x'", p![], |r| r.get::<i64>(0)).is_err());
    }

    /// Every count of rows, around the chunk size, goes in whole and in
    /// order, each row's cells in their columns.
    #[test]
    fn many_rows_go_in_whole_in_chunks() {
        let db = Db::Lite(rusqlite::Connection::open_in_memory().unwrap());
        db.execute("CREATE TABLE t (n INTEGER, k INTEGER, s TEXT)", p![])
            .unwrap();
        let words: Vec<String> = (0..300).map(|i| format!("w{i} ✍")).collect();
        for count in [0usize, 1, 2, 7, 63, 64, 65, 127, 129, 300] {
            db.execute("DELETE FROM t", p![]).unwrap();
            db.insert_rows(
                "INSERT INTO t (n, k, s)",
                (0..count).map(|i| [P::Int(i as i64), P::Int(count as i64), P::Text(&words[i])]),
            )
            .unwrap();
            let mut got = Vec::new();
            db.each("SELECT n, k, s FROM t ORDER BY rowid", p![], |r| {
                got.push((r.get::<i64>(0)?, r.get::<i64>(1)?, r.get::<String>(2)?));
                Ok(())
            })
            .unwrap();
            let want: Vec<_> = (0..count)
                .map(|i| (i as i64, count as i64, words[i].clone()))
                .collect();
            assert_eq!(got, want, "{count} rows");
        }
        assert_eq!(
            &*values_statement("INSERT INTO t (a, b)", 2, 2),
            "INSERT INTO t (a, b) VALUES (?1, ?2), (?3, ?4)"
        );
        // Kept, and kept apart by size and by head.
        assert_eq!(
            &*values_statement("INSERT INTO t (a, b)", 2, 1),
            "INSERT INTO t (a, b) VALUES (?1, ?2)"
        );
        assert_eq!(
            &*values_statement("INSERT INTO u (a, b)", 2, 2),
            "INSERT INTO u (a, b) VALUES (?1, ?2), (?3, ?4)"
        );
        assert!(Rc::ptr_eq(
            &values_statement("INSERT INTO t (a, b)", 2, 2),
            &values_statement("INSERT INTO t (a, b)", 2, 2)
        ));
    }
}
