//! Conversions between Weft's code-point offsets and Rust's byte offsets, and the
//! text units (lines, sentences) that coding and search work in.
//!
//! Everything outside this module speaks code points ([`CharRange`]). Byte offsets
//! appear only where a `str` is sliced or a regex reports a match, and are converted
//! here, in one place.

use crate::model::CharRange;

/// Maps code-point offsets to byte offsets and back for one text.
///
/// ASCII text needs no table: offsets are the same in both units. Other text
/// keeps the byte offset of every 64th code point and walks at most 63 code
/// points from there, so indexing a long transcript writes a few kilobytes,
/// not eight bytes per character.
#[derive(Debug, Clone)]
pub struct CharIndex<'a> {
    text: &'a str,
    /// Byte offset of code points 0, 64, 128, …; empty when the text is ASCII.
    marks: Vec<usize>,
    /// Length in code points.
    chars: usize,
}

/// Code points between two marks.
const STRIDE: usize = 64;

impl<'a> CharIndex<'a> {
    /// Builds the index for `text`.
    pub fn new(text: &'a str) -> Self {
        if text.is_ascii() {
            return CharIndex {
                text,
                marks: Vec::new(),
                chars: text.len(),
            };
        }
        let bytes = text.as_bytes();
        let mut marks = Vec::with_capacity(text.len() / STRIDE + 1);
        let mut chars = 0;
        // A byte that does not continue a UTF-8 sequence (10xxxxxx) starts a
        // code point. Eight bytes at a time: a word whose code points need
        // no mark only adds to the count; the others are walked byte by byte.
        let mut visit = |i: usize, b: u8, chars: &mut usize| {
            if b & 0xC0 != 0x80 {
                if (*chars).is_multiple_of(STRIDE) {
                    marks.push(i);
                }
                *chars += 1;
            }
        };
        let mut words = bytes.chunks_exact(8);
        let mut at = 0;
        for word in &mut words {
            let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            let continuing = (w & !(w << 1) & 0x8080_8080_8080_8080).count_ones() as usize;
            let starts = 8 - continuing;
            let r = chars % STRIDE;
            if starts > 0 && (r == 0 || r + starts > STRIDE) {
                for (k, &b) in word.iter().enumerate() {
                    visit(at + k, b, &mut chars);
                }
            } else {
                chars += starts;
            }
            at += 8;
        }
        for (k, &b) in words.remainder().iter().enumerate() {
            visit(at + k, b, &mut chars);
        }
        CharIndex { text, marks, chars }
    }

    /// The text indexed.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Length in code points.
    pub fn char_len(&self) -> usize {
        self.chars
    }

    /// Byte offset of a code-point offset (clamped to the end).
    pub fn byte(&self, char_offset: usize) -> usize {
        if self.marks.is_empty() {
            return char_offset.min(self.text.len());
        }
        if char_offset >= self.chars {
            return self.text.len();
        }
        let mark = self.marks[char_offset / STRIDE];
        let skip = char_offset % STRIDE;
        self.text[mark..]
            .char_indices()
            .nth(skip)
            .map_or(self.text.len(), |(b, _)| mark + b)
    }

    /// Code-point offset of a byte offset that lies on a char boundary.
    pub fn char_at_byte(&self, byte: usize) -> usize {
        if self.marks.is_empty() {
            return byte;
        }
        let byte = byte.min(self.text.len());
        let k = self.marks.partition_point(|&m| m <= byte).saturating_sub(1);
        let mark = self.marks.get(k).copied().unwrap_or(0);
        k * STRIDE
            + self.text.as_bytes()[mark..byte]
                .iter()
                .filter(|b| (**b & 0xC0) != 0x80)
                .count()
    }

    /// The text of a range.
    pub fn slice(&self, range: CharRange) -> &'a str {
        &self.text[self.byte(range.start)..self.byte(range.end.max(range.start))]
    }

    /// A byte range converted to code points.
    pub fn range_from_bytes(&self, start: usize, end: usize) -> CharRange {
        CharRange::new(self.char_at_byte(start), self.char_at_byte(end))
    }
}

/// [`normalise`] of a string it may keep: one with no `\r` and no BOM, as
/// most are, comes back as it is, without a copy.
pub fn normalise_owned(text: String) -> String {
    if text.starts_with('\u{feff}') || text.contains('\r') {
        normalise(&text)
    } else {
        text
    }
}

/// Line endings become `\n` and a leading BOM is dropped: the form every stored text has.
pub fn normalise(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.contains('\r') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

/// Byte ranges of the lines of `text`, without their `\n`.
pub fn line_byte_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            out.push((start, i));
            start = i + 1;
        }
    }
    out.push((start, text.len()));
    out
}

/// Where the lines and sentences of one text start and end, worked out once
/// so that widening many matches costs a binary search each, not a scan of
/// the line (which made autocode quadratic on long unpunctuated text).
///
/// A sentence ends after `.`, `!`, `?` or `…` (with any closing quotes or
/// brackets) followed by white space, or at the end of the line. It never
/// crosses a line. Leading white space is left out. Positions are bytes.
pub struct Sentences<'a> {
    text: &'a str,
    /// Byte offset of each line's first byte.
    line_starts: Vec<usize>,
    /// Byte offsets just past each sentence end inside a line, in order.
    ends: Vec<usize>,
}

impl<'a> Sentences<'a> {
    /// One pass over the text.
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        let mut ends = Vec::new();
        let closing = |c: char| {
            matches!(
                c,
                '.' | '!' | '?' | '…' | '"' | '\'' | '”' | '’' | ')' | ']'
            )
        };
        let mut iter = text.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            if c == '\n' {
                line_starts.push(i + 1);
            } else if matches!(c, '.' | '!' | '?' | '…') {
                let mut end = i + c.len_utf8();
                while let Some(&(j, n)) = iter.peek() {
                    if closing(n) {
                        end = j + n.len_utf8();
                        iter.next();
                    } else {
                        break;
                    }
                }
                if iter.peek().is_none_or(|&(_, n)| n.is_whitespace()) {
                    ends.push(end);
                }
            }
        }
        Sentences {
            text,
            line_starts,
            ends,
        }
    }

    /// The byte range of the line (without its `\n`) holding byte `at`.
    pub fn line_around(&self, at: usize) -> (usize, usize) {
        let k = self.line_starts.partition_point(|&s| s <= at) - 1;
        let start = self.line_starts[k];
        let end = self
            .line_starts
            .get(k + 1)
            .map_or(self.text.len(), |next| next - 1);
        (start, end)
    }

    /// The byte range of the sentence holding the byte range `[at, at_end)`
    /// (running on to the sentence where the range ends, within the line).
    pub fn around(&self, at: usize, at_end: usize) -> (usize, usize) {
        let (line_start, line_end) = self.line_around(at);
        // The last sentence end at or before `at` on this line starts ours.
        let k = self.ends.partition_point(|&e| e <= at);
        let start = match k.checked_sub(1).map(|i| self.ends[i]) {
            Some(e) if e > line_start => e,
            _ => line_start,
        };
        // The first end after `at` that reaches the range's end closes it.
        let need = at_end.min(line_end);
        let from = self.ends[k..].partition_point(|&e| e < need) + k;
        let end = match self.ends.get(from) {
            Some(&e) if e <= line_end => e,
            _ => line_end,
        };
        trim_start(self.text, start, end)
    }
}

impl Sentences<'_> {
    /// The byte ranges of every sentence, in order: each line cut after its
    /// sentence ends, leading white space left out, empty pieces skipped.
    /// The agreement measures use them as units.
    pub fn spans(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut ends = self.ends.iter().peekable();
        for (k, &line_start) in self.line_starts.iter().enumerate() {
            let line_end = self
                .line_starts
                .get(k + 1)
                .map_or(self.text.len(), |next| next - 1);
            let mut start = line_start;
            while let Some(&&e) = ends.peek() {
                if e > line_end {
                    break;
                }
                ends.next();
                push_trimmed(self.text, start, e, &mut out);
                start = e;
            }
            push_trimmed(self.text, start, line_end, &mut out);
        }
        out
    }
}

/// The byte ranges of the paragraphs of `text`: its lines with anything but
/// white space on them, trimmed at both ends.
pub fn paragraph_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (start, end) in line_byte_ranges(text) {
        let line = &text[start..end];
        let trimmed = line.trim_end();
        if !trimmed.trim_start().is_empty() {
            let lead = trimmed.len() - trimmed.trim_start().len();
            out.push((start + lead, start + trimmed.len()));
        }
    }
    out
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let (s, e) = trim_start(text, start, end);
    if s < e {
        out.push((s, e));
    }
}

fn trim_start(text: &str, start: usize, end: usize) -> (usize, usize) {
    let s = &text[start..end];
    let skipped = s.len() - s.trim_start().len();
    (start + skipped, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sampled index agrees with a full table at every offset.
    #[test]
    fn char_index_agrees_with_a_full_table() {
        let mut text = String::new();
        for i in 0..500 {
            text.push_str(["a", "é", "😀", "家", "e\u{301}", " ", "\n"][i % 7]);
        }
        let index = CharIndex::new(&text);
        let table: Vec<usize> = text
            .char_indices()
            .map(|(b, _)| b)
            .chain([text.len()])
            .collect();
        assert_eq!(index.char_len(), table.len() - 1);
        for (c, &b) in table.iter().enumerate() {
            assert_eq!(index.byte(c), b, "char {c}");
            assert_eq!(index.char_at_byte(b), c, "byte {b}");
        }
        assert_eq!(index.byte(table.len() + 10), text.len());
    }

    /// Long ASCII runs with a few wide characters at every kind of place
    /// (inside a word of eight bytes, across two, at a mark): the word-at-a-
    /// time count agrees with a full table.
    #[test]
    fn char_index_agrees_on_mostly_ascii_text() {
        let mut seed = 7u64;
        for round in 0..200 {
            let mut text = String::new();
            let len = 1 + round * 13;
            for _ in 0..len {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                let r = (seed >> 33) % 100;
                text.push_str(match r {
                    0 => "é",
                    1 => "😀",
                    2 => "家",
                    _ => "a",
                });
            }
            let index = CharIndex::new(&text);
            let table: Vec<usize> = text
                .char_indices()
                .map(|(b, _)| b)
                .chain([text.len()])
                .collect();
            assert_eq!(index.char_len(), table.len() - 1, "round {round}");
            for (c, &b) in table.iter().enumerate() {
                assert_eq!(index.byte(c), b, "round {round}, char {c}");
            }
        }
    }

    #[test]
    fn index_maps_code_points_to_bytes_and_back() {
        let t = "a😀é“b”";
        let ix = CharIndex::new(t);
        assert_eq!(ix.char_len(), 6);
        assert_eq!(ix.slice(CharRange::new(1, 3)), "😀é");
        assert_eq!(ix.char_at_byte(ix.byte(4)), 4);
        let ascii = CharIndex::new("hello");
        assert_eq!(ascii.slice(CharRange::new(1, 3)), "el");
    }

    #[test]
    fn normalise_drops_bom_and_crlf() {
        assert_eq!(normalise("\u{feff}a\r\nb\rc\n"), "a\nb\nc\n");
        for t in ["\u{feff}a\r\nb\rc\n", "a\nb", "\u{feff}x", "x\r", ""] {
            assert_eq!(normalise_owned(t.to_string()), normalise(t), "{t:?}");
        }
    }

    #[test]
    fn sentences_split_on_terminal_punctuation() {
        let t = "First one. Second “quoted.” Third?\nNext line";
        let at = t.find("Second").unwrap();
        let sentences = Sentences::new(t);
        let (s, e) = sentences.around(at, at + 3);
        assert_eq!(&t[s..e], "Second “quoted.”");
        let at = t.find("Third").unwrap();
        let (s, e) = sentences.around(at, at + 1);
        assert_eq!(&t[s..e], "Third?");
        let at = t.find("Next").unwrap();
        let (s, e) = sentences.around(at, at + 1);
        assert_eq!(&t[s..e], "Next line");
    }
}
