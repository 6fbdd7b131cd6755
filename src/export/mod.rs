//! Writing what a project holds to files other people and tools read.
//! Writers take `impl Write`, so the CLI, the window and tests share them, and
//! every file goes through [`write_atomically`].

pub mod codebook;
pub mod matrix;
pub mod segments;

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Writes `path` through a file beside it (`NAME.partial`) that is renamed over
/// it only when `write` succeeds, so a failure or a kill never leaves a
/// half-written file where the user expects a whole one. On failure the partial
/// file is removed.
pub fn write_atomically<E: From<Error>>(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<(), E>,
) -> Result<(), E> {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    let tmp: PathBuf = path.with_file_name(name);
    let mut file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let result = write(&mut file).and_then(|()| {
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| E::from(Error::io(path, e)))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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
