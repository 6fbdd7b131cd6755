//! The library's one error type.
//!
//! Every message says what went wrong, where (file, line, column when there is
//! one) and what to do about it. No message ever carries transcript text: interview
//! data is confidential, and errors end up in terminals, logs and bug reports.

use std::path::{Path, PathBuf};

/// What can go wrong when reading or changing a project.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not a Weft project (not SQLite, or another application's database).
    #[error("{}: not a Weft project ({reason}); open a .weft file made by `weft new`", path.display())]
    NotAProject {
        /// The file that was opened.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },
    /// The project was written by a newer Weft whose schema this build does not know.
    #[error(
        "{}: made by a newer Weft (schema version {found}, this Weft knows up to {known}); update Weft to open it",
        path.display()
    )]
    TooNew {
        /// The file that was opened.
        path: PathBuf,
        /// The schema version in the file.
        found: i64,
        /// The newest schema version this build knows.
        known: i64,
    },
    /// The file is a Weft project but cannot be used as one.
    #[error("{}: this Weft project is damaged ({reason}); restore it from a backup or an export", path.display())]
    Damaged {
        /// The project file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The project cannot be changed: its file or folder is read-only.
    #[error("{} is read-only ({why}); Weft can show and export it, but to change it copy it to a folder you can write to", path.display())]
    ReadOnly {
        /// The project file.
        path: PathBuf,
        /// Why it cannot be written.
        why: String,
    },
    /// There is no file at the path.
    #[error("{}: no such project; create one with `weft new {}`", path.display(), path.display())]
    NoSuchProject {
        /// The missing file.
        path: PathBuf,
    },
    /// `create` was asked to make a project where a file already exists.
    #[error("{}: a file already exists there; choose another name or remove it first", path.display())]
    AlreadyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// Another process holds the write lock for longer than we wait.
    #[error("the project is busy: another Weft is writing to it; try again in a moment")]
    Busy,
    /// An input file is malformed. `line` and `column` are 1-based.
    #[error("{}{}: {message}", path.display(), location(*line, *column))]
    File {
        /// The input file.
        path: PathBuf,
        /// 1-based line, when the problem has one.
        line: Option<u64>,
        /// 1-based column, when the problem has one.
        column: Option<u64>,
        /// What is wrong and what to do.
        message: String,
    },
    /// A request that does not fit the project (unknown code, range past the end, …).
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing a file failed. (The OS error is part of the message,
    /// not a separate source, so it is printed once.)
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// A PostgreSQL server could not be used; `server` is
    /// `user@host:port/database`, never with the password.
    #[error("{server}: {message}")]
    Server {
        /// The server and database.
        server: String,
        /// What failed and what to do.
        message: String,
    },
    /// The database reported an error that is not one of the above.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A PostgreSQL server refused a statement: its SQLSTATE (empty when the
    /// connection failed) and its one-line message, never the DETAIL that
    /// can quote a row.
    #[error("the server refused the change: {message}")]
    Postgres {
        /// SQLSTATE, e.g. `23505` for a unique violation.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The saved undo history could not be read back.
    #[error("undo history is damaged: {0}")]
    History(serde_json::Error),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Sqlite(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::History(e)
    }
}

impl Error {
    /// Whether a constraint (unique, foreign key, check) refused a write,
    /// on either backend.
    pub fn is_constraint_violation(&self) -> bool {
        match self {
            Error::Sqlite(e) => {
                e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
            }
            Error::Postgres { code, .. } => code.starts_with("23"),
            _ => false,
        }
    }

    /// Whether SQLite found the project file malformed (a damaged file).
    pub fn is_damaged_database(&self) -> bool {
        matches!(self, Error::Sqlite(e)
            if matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)))
    }
}

fn location(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl Error {
    /// An error about a whole input file.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Error::File {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// An error at a line (and optionally a column) of an input file.
    pub fn at(path: &Path, line: u64, column: Option<u64>, message: impl Into<String>) -> Self {
        Error::File {
            path: path.to_path_buf(),
            line: Some(line),
            column,
            message: message.into(),
        }
    }

    /// An I/O error on a path.
    pub fn io(path: &Path, error: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            error,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
