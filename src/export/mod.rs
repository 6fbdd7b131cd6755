//! Writing what a project holds to files other people and tools read.
//! Writers take `impl Write`, so the CLI, the window and tests share them, and
//! every file goes through [`write_atomically`].

pub mod agreement;
pub mod codebook;
pub mod matrix;
pub mod segments;

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Writes `path` through a file beside it (`NAME.partial`) that is renamed over
/// it only when `write` succeeds, so a failure or a kill never leaves a
/// half-written file where the user expects a whole one. On failure the partial
/// file is removed; a partial left by a killed earlier write is replaced.
///
/// An export never overwrites a project: a target that is a Weft project (the
/// open one, another one, or a hard link to either) or any other SQLite
/// database is refused before anything is written.
pub fn write_atomically<E: From<Error>>(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<(), E>,
) -> Result<(), E> {
    refuse_project_target(path)?;
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    let tmp: PathBuf = path.with_file_name(name);
    // Errors name the file the user asked for, not the partial beside it.
    let mut file = File::create(&tmp).map_err(|e| Error::io(path, e))?;
    let result = write(&mut file).and_then(|()| {
        file.sync_all().map_err(|e| Error::io(path, e))?;
        std::fs::rename(&tmp, path).map_err(|e| E::from(Error::io(path, e)))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A CSV cell made safe to open in a spreadsheet: text that starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return would be read by Excel or
/// LibreOffice as a formula (a code named `=HYPERLINK(…)`, a quote that
/// starts with a dash), so it gets a leading `'`, which spreadsheets show as
/// text. Numbers (`-3`) are left alone: they are not formulas.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.trim().parse::<f64>().is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Writes one CSV record with every cell through [`csv_safe`]. Every CSV
/// export writes its rows with this.
pub fn write_safe_record<W: std::io::Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    fields: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    w.write_record(
        fields
            .into_iter()
            .map(|f| csv_safe(f.as_ref()).into_owned()),
    )
}

/// What a file holds, judged from its first bytes: a Weft project, another
/// SQLite database, or something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// An SQLite database marked with Weft's application id.
    WeftProject,
    /// An SQLite database of another application.
    Database,
    /// Anything else (or nothing there).
    Other,
}

/// Reads the SQLite header of `path`, if there is one. The application id sits
/// big-endian at byte 68 of the header. A project whose id still waits in its
/// write-ahead log shows id 0 here, so every SQLite file counts as precious.
pub fn file_kind(path: &Path) -> FileKind {
    use std::io::Read;
    let mut head = [0u8; 72];
    let Ok(mut f) = File::open(path) else {
        return FileKind::Other;
    };
    if f.read_exact(&mut head).is_err() || &head[..16] != b"SQLite format 3\0" {
        return FileKind::Other;
    }
    let id = i32::from_be_bytes([head[68], head[69], head[70], head[71]]);
    if id == crate::store::APPLICATION_ID {
        FileKind::WeftProject
    } else {
        FileKind::Database
    }
}

/// Refuses an export target that is a project or a project's own journal.
fn refuse_project_target(path: &Path) -> Result<(), Error> {
    let project_of_journal = path.to_str().and_then(|s| {
        s.strip_suffix("-wal")
            .or_else(|| s.strip_suffix("-shm"))
            .map(PathBuf::from)
    });
    let what = match (file_kind(path), project_of_journal) {
        (FileKind::WeftProject, _) => "it is a Weft project",
        (FileKind::Database, _) => "it is a database (perhaps a Weft project)",
        (_, Some(p)) if file_kind(&p) != FileKind::Other => "it is part of a project's journal",
        _ => return Ok(()),
    };
    Err(Error::file(
        path,
        format!(
            "not overwritten: {what}, and an export never replaces a project; choose another file name"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_partial() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        let result: crate::Result<()> = write_atomically(&path, |f| {
            f.write_all(b"half").unwrap();
            Err(Error::Invalid("stopped".into()))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no partial file left"
        );
        write_atomically(&path, |f| {
            f.write_all(b"new").map_err(|e| Error::io(&path, e))
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
