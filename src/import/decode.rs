//! Turning a file's bytes into text: BOM sniffing, UTF-8, and the Windows-1252
//! fallback that old Word exports need.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// Decoded text and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, BOM removed.
    pub text: String,
    /// The encoding's name, e.g. `UTF-8`, `UTF-16LE`, `windows-1252`.
    pub encoding: &'static str,
    /// Something the user should be told, e.g. that the fallback was used.
    pub notice: Option<String>,
}

/// Looks an encoding up by a label such as `utf-8`, `latin1`, `windows-1252` or `utf-16le`.
pub fn encoding_by_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// Decodes bytes: a BOM decides first (UTF-8, UTF-16LE, UTF-16BE), then valid
/// UTF-8, and anything else is read as Windows-1252 with a notice. `forced`
/// overrides all of that.
pub fn decode(bytes: &[u8], forced: Option<&'static Encoding>) -> Decoded {
    if let Some(enc) = forced {
        let (text, _, had_errors) = enc.decode(bytes);
        return Decoded {
            text: text.trim_start_matches('\u{feff}').to_string(),
            encoding: enc.name(),
            notice: had_errors.then(|| {
                format!(
                    "some bytes are not valid {}; they were replaced with �",
                    enc.name()
                )
            }),
        };
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            encoding: enc.name(),
            notice: had_errors.then(|| {
                format!(
                    "some bytes are not valid {}; they were replaced with �",
                    enc.name()
                )
            }),
        };
    }
    match utf8(bytes) {
        Some(s) => Decoded {
            text: s.to_string(),
            encoding: UTF_8.name(),
            notice: None,
        },
        None => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            Decoded {
                text: text.into_owned(),
                encoding: WINDOWS_1252.name(),
                notice: Some(
                    "not valid UTF-8, so it was read as Windows-1252; if accents look wrong, import again with --encoding"
                        .into(),
                ),
            }
        }
    }
}

/// [`decode`] of bytes it may keep: valid UTF-8 with no byte-order mark,
/// and no encoding forced, becomes the text without a copy, as most
/// transcripts are. The bytes come back when they did not become the text,
/// for an error that looks at them.
pub fn decode_vec(bytes: Vec<u8>, forced: Option<&'static Encoding>) -> (Decoded, Option<Vec<u8>>) {
    let bytes = if forced.is_none() && Encoding::for_bom(&bytes).is_none() {
        match utf8_owned(bytes) {
            Ok(text) => {
                let decoded = Decoded {
                    text,
                    encoding: UTF_8.name(),
                    notice: None,
                };
                return (decoded, None);
            }
            Err(bytes) => bytes,
        }
    } else {
        bytes
    };
    (decode(&bytes, forced), Some(bytes))
}

/// The text of bytes [`decode`] would read (no encoding forced), keeping
/// them: valid UTF-8 becomes the text without a copy, which matters for a
/// `project.qde` of tens of megabytes.
pub fn decode_owned(bytes: Vec<u8>) -> String {
    match utf8_owned(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            text
        }
        Err(bytes) => decode(&bytes, None).text,
    }
}

/// Bytes checked as UTF-8 many at a time (simdutf8): several times faster
/// than the standard library's check on text with an accent or a curly
/// quote every few words, where its all-ASCII shortcut does not apply.
fn utf8(bytes: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(bytes).ok()
}

/// The bytes as a string, without a copy, when they are valid UTF-8; else
/// the bytes back.
fn utf8_owned(bytes: Vec<u8>) -> Result<String, Vec<u8>> {
    if utf8(&bytes).is_none() {
        return Err(bytes);
    }
    // SAFETY: `utf8` has just checked that the bytes are valid UTF-8.
    Ok(unsafe { String::from_utf8_unchecked(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_bytes_decode_as_borrowed_ones_do() {
        let cases: [&[u8]; 5] = [
            b"\xef\xbb\xbfcaf\xc3\xa9",
            b"caf\xc3\xa9",
            b"\xff\xfec\x00a\x00f\x00\xe9\x00",
            b"caf\xe9",
            b"",
        ];
        for bytes in cases {
            assert_eq!(decode_owned(bytes.to_vec()), decode(bytes, None).text);
            let (decoded, back) = decode_vec(bytes.to_vec(), None);
            assert_eq!(decoded, decode(bytes, None));
            // The bytes come back exactly when they are not the text.
            assert_eq!(
                back.is_none(),
                decoded.text.as_bytes() == bytes,
                "{bytes:?}"
            );
            if let Some(back) = back {
                assert_eq!(back, bytes);
            }
            let latin1 = encoding_by_label("latin1");
            let (forced, back) = decode_vec(bytes.to_vec(), latin1);
            assert_eq!(
                (forced, back.as_deref()),
                (decode(bytes, latin1), Some(bytes))
            );
        }
        // The fast check agrees with the standard library's, on every
        // truncation of text with multi-byte characters (some cut mid-way).
        let text = "plain é “quoted” 家 😀 end".repeat(3);
        for n in 0..=text.len() {
            let b = &text.as_bytes()[..n];
            assert_eq!(utf8(b), std::str::from_utf8(b).ok(), "{n}");
        }
    }

    #[test]
    fn boms_and_fallback() {
        let d = decode(b"\xef\xbb\xbfcaf\xc3\xa9", None);
        assert_eq!((d.text.as_str(), d.encoding), ("café", "UTF-8"));
        let d = decode(b"\xff\xfec\x00a\x00f\x00\xe9\x00", None);
        assert_eq!((d.text.as_str(), d.encoding), ("café", "UTF-16LE"));
        let d = decode(b"caf\xe9 \x93quoted\x94", None);
        assert_eq!(d.text, "café “quoted”");
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.notice.is_some());
        let d = decode(b"caf\xe9", encoding_by_label("latin1"));
        assert_eq!(d.text, "café");
    }
}
