//! Reading a `.qdpx` archive safely: its files listed with caps on their
//! count and unpacked size before anything is unpacked, paths that climb
//! out refused, each file read no further than the size it declares, and
//! `project.qde` parsed as it is unpacked on another thread.

use std::collections::HashMap;
use std::io::{BufRead, Cursor, Read};
use std::path::Path;

use super::import::Limits;
use super::xml::{El, parse_xml_from};
use crate::error::{Error, Result};

/// A file in the archive: its index and the size it declares.
#[derive(Debug, Clone, Copy)]
pub(super) struct Listed {
    index: usize,
    pub(super) size: u64,
}

/// The archive opened on its bytes.
pub(super) type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

pub(super) fn open_archive<'a>(path: &Path, bytes: &'a [u8]) -> Result<Archive<'a>> {
    zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
        Error::file(
            path,
            "not a REFI-QDA project: the file is not a zip archive",
        )
    })
}

pub(super) fn too_big(path: &Path, limits: Limits) -> Error {
    Error::file(
        path,
        format!(
            "the archive unpacks to more than {} MB; it may be a zip bomb",
            limits.unpacked_bytes >> 20
        ),
    )
}

/// Lists a zip's files by lower-cased path, checking the caps and paths
/// before anything is unpacked: the entry count, every path, and the sizes
/// the entries declare, which together must fit the cap. Each entry is
/// then read no further than its declared size ([`unpack`]), so the
/// archive cannot unpack to more than the cap however it lies.
pub(super) fn list_archive(
    path: &Path,
    bytes: &[u8],
    limits: Limits,
) -> Result<HashMap<String, Listed>> {
    let bad = |m: String| Error::file(path, m);
    let mut zip = open_archive(path, bytes)?;
    if zip.len() > limits.entries {
        return Err(bad(format!(
            "the archive holds {} entries, more than the {} Weft accepts",
            zip.len(),
            limits.entries
        )));
    }
    let mut total = 0u64;
    let mut out = HashMap::new();
    for index in 0..zip.len() {
        let entry = zip
            .by_index_raw(index)
            .map_err(|e| bad(format!("a damaged archive entry ({e})")))?;
        let name = entry
            .name()
            .map_err(|_| bad("an archive entry has a name that is not text".into()))?
            .replace('\\', "/");
        if name.starts_with('/') || name.split('/').any(|p| p == "..") || name.contains(':') {
            return Err(bad(format!(
                "the archive holds a path that leaves it (\"{name}\"); refusing it"
            )));
        }
        if entry.is_dir() {
            continue;
        }
        total = total.saturating_add(entry.size());
        if total > limits.unpacked_bytes {
            return Err(too_big(path, limits));
        }
        out.insert(
            name.to_lowercase(),
            Listed {
                index,
                size: entry.size(),
            },
        );
    }
    Ok(out)
}

/// One file's bytes, read no further than the size it declares (an entry
/// that unpacks to more is refused as a bomb).
pub(super) fn unpack(
    zip: &mut Archive<'_>,
    listed: Listed,
    path: &Path,
    limits: Limits,
) -> Result<Vec<u8>> {
    let damaged = |e: String| Error::file(path, format!("a damaged archive entry ({e})"));
    let mut entry = zip
        .by_index(listed.index)
        .map_err(|e| damaged(e.to_string()))?;
    let mut data = Vec::with_capacity(listed.size.min(limits.unpacked_bytes) as usize);
    (&mut entry)
        .take(listed.size + 1)
        .read_to_end(&mut data)
        .map_err(|e| damaged(e.to_string()))?;
    if data.len() as u64 > listed.size {
        return Err(too_big(path, limits));
    }
    Ok(data)
}

/// `project.qde` parsed as it is unpacked on another thread, so the two
/// take the time of the longer instead of both, and the unpacked text is
/// never held whole. None when anything goes wrong (a damaged entry, one
/// that unpacks past its size, a byte-order mark, text that is not UTF-8,
/// XML that is not well-formed): the careful way then reads it again and
/// gives the reason, or decodes it as other text is decoded.
pub(super) fn parse_while_unpacking(
    path: &Path,
    bytes: &[u8],
    qde: Listed,
    limits: Limits,
) -> Option<El> {
    const CHUNK: u64 = 256 * 1024;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(8);
    std::thread::scope(|scope| {
        let unpacking = scope.spawn(move || -> Option<()> {
            let mut zip = open_archive(path, bytes).ok()?;
            let mut entry = zip.by_index(qde.index).ok()?;
            let mut total = 0u64;
            loop {
                let mut chunk = Vec::with_capacity(CHUNK as usize);
                (&mut entry).take(CHUNK).read_to_end(&mut chunk).ok()?;
                if chunk.is_empty() {
                    return Some(());
                }
                if total == 0
                    && (chunk.starts_with(b"\xef\xbb\xbf")
                        || chunk.starts_with(b"\xff\xfe")
                        || chunk.starts_with(b"\xfe\xff"))
                {
                    return None;
                }
                total += chunk.len() as u64;
                if total > qde.size.min(limits.unpacked_bytes) {
                    return None;
                }
                tx.send(chunk).ok()?;
            }
        });
        let parsed = parse_xml_from(Chunks {
            rx,
            chunk: Vec::new(),
            at: 0,
        });
        // Whatever the parse made of a stream cut short, the unpacking's
        // own answer decides.
        let unpacked = unpacking.join().ok().flatten();
        parsed.ok().filter(|_| unpacked.is_some())
    })
}

/// The chunks of a file being unpacked, read as one stream; the stream
/// ends when the unpacking thread stops sending.
struct Chunks {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for Chunks {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let have = self.fill_buf()?;
            let n = have.len().min(out.len());
            out[..n].copy_from_slice(&have[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Chunks {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.at == self.chunk.len() {
            match self.rx.recv() {
                Ok(next) => {
                    self.chunk = next;
                    self.at = 0;
                }
                Err(_) => return Ok(&[]),
            }
        }
        Ok(&self.chunk[self.at..])
    }

    fn consume(&mut self, n: usize) {
        self.at = (self.at + n).min(self.chunk.len());
    }
}

#[cfg(test)]
mod unpacking_tests {
    use std::io::Write;

    use super::*;
    use crate::refi::xml::parse_xml;

    fn archive(qde: &[u8]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("project.qde", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(qde).unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn streamed(qde: &[u8]) -> Option<El> {
        let bytes = archive(qde);
        let path = Path::new("t.qdpx");
        let listed = list_archive(path, &bytes, Limits::default()).unwrap();
        parse_while_unpacking(path, &bytes, listed["project.qde"], Limits::default())
    }

    /// Plain UTF-8 is parsed as it is unpacked, to the same tree as the
    /// careful way, across many chunks (elements and characters cut where
    /// the chunks meet); anything else is left to the careful way.
    #[test]
    fn project_qde_is_parsed_while_unpacked_or_left_to_the_careful_way() {
        let mut xml = String::from("<Project a=\"é\">");
        for i in 0..20_000 {
            xml.push_str(&format!(
                "<Source guid=\"{i}\" name=\"café “{i}”\"><T>Ágnes &amp; 家 {i}</T></Source>\n"
            ));
        }
        xml.push_str("</Project>");
        assert!(xml.len() > 4 * 256 * 1024);
        let got = streamed(xml.as_bytes()).expect("plain UTF-8 goes the fast way");
        assert_eq!(
            format!("{got:?}"),
            format!("{:?}", parse_xml(&xml).unwrap())
        );
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend(xml.as_bytes());
        assert!(streamed(&bom).is_none());
        assert!(streamed(b"<Project name=\"caf\xe9\"/>").is_none());
        assert!(streamed(&xml.as_bytes()[..xml.len() / 2]).is_none());
        assert!(streamed(b"<Project><A></B></Project>").is_none());
    }
}
