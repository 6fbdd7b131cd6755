//! Speaker turns: a line that starts with a label such as `Interviewer:`, `P07:`,
//! `Q:` or `Maria R.:` starts a turn, which runs until the next label.
//!
//! A label is one to four words, each starting with a capital letter, a digit or
//! a letter of a script without case (Chinese, Arabic, …), followed by a colon
//! and a space (or the end of the line), or by a full-width colon. That keeps
//! ordinary sentences with a colon ("so I said: no") and clock times ("10:30") out.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{CharRange, Turn};

static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[ \t]*((?:[\p{Lu}\p{Lt}\p{Lo}\p{N}][\p{L}\p{M}\p{N}.'’\-]*)(?:[ \t]+[\p{Lu}\p{Lt}\p{Lo}\p{N}][\p{L}\p{M}\p{N}.'’\-]*){0,3})[ \t]*(?::(?:[ \t]+|$)|：[ \t]*)",
    )
    .expect("valid label pattern")
});

/// The longest label taken as a speaker, in characters.
const MAX_LABEL_CHARS: usize = 40;

/// How far into a line a label's colon may be: a line with no colon this
/// near its start is not searched.
const HEAD_BYTES: usize = 4 * MAX_LABEL_CHARS + 16;

/// If the line starts with a speaker label, the speaker and the byte length of
/// the label (colon and following spaces included).
pub fn speaker_label(line: &str) -> Option<(&str, usize)> {
    let found = match ascii_label(line.as_bytes()) {
        Ascii::Label(speaker, end) => Some((&line[speaker], end)),
        Ascii::None => None,
        Ascii::Unsure => {
            let head = &line.as_bytes()[..line.len().min(HEAD_BYTES)];
            if !head.contains(&b':') && !head.windows(3).any(|w| w == "：".as_bytes()) {
                return None;
            }
            let caps = LABEL.captures(line)?;
            caps.get(1)
                .map(|m| (m.as_str(), caps.get(0).map_or(0, |m| m.end())))
        }
    };
    found.filter(|(speaker, _)| speaker.chars().count() <= MAX_LABEL_CHARS)
}

/// What [`ascii_label`] could tell.
#[derive(Debug, PartialEq, Eq)]
enum Ascii {
    /// A label: the speaker's bytes, and where the label ends.
    Label(std::ops::Range<usize>, usize),
    /// No label.
    None,
    /// A character beyond ASCII came before the answer: ask [`LABEL`].
    Unsure,
}

/// [`LABEL`]'s answer for a line, as long as the line is ASCII as far as
/// the answer needs: capital letters and digits start a word, letters,
/// digits, `.`, `'` and `-` go on with one. (`LABEL` never needs to
/// backtrack: a word stops only at a character no word may hold, and only
/// a colon may come after the last.) Most lines are decided by their first
/// word, without the regex.
fn ascii_label(b: &[u8]) -> Ascii {
    let blank = |i: usize| {
        b[i..]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count()
            + i
    };
    // A word from `i`: where it ends, None when it does not start there,
    // Err when a character beyond ASCII decides.
    let word = |i: usize| -> Result<Option<usize>, ()> {
        match b.get(i) {
            Some(c) if c.is_ascii_uppercase() || c.is_ascii_digit() => {}
            Some(c) if !c.is_ascii() => return Err(()),
            _ => return Ok(None),
        }
        let rest = b[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'\'' | b'-'))
            .count();
        match b.get(i + 1 + rest) {
            Some(c) if !c.is_ascii() => Err(()),
            _ => Ok(Some(i + 1 + rest)),
        }
    };
    let start = blank(0);
    let mut end = match word(start) {
        Ok(Some(end)) => end,
        Ok(None) => return Ascii::None,
        Err(()) => return Ascii::Unsure,
    };
    let mut at = blank(end);
    for _ in 1..4 {
        if at == end {
            break;
        }
        match word(at) {
            Ok(Some(e)) => {
                end = e;
                at = blank(end);
            }
            Ok(None) => break,
            Err(()) => return Ascii::Unsure,
        }
    }
    match b.get(at) {
        Some(b':') if at < HEAD_BYTES => match b.get(at + 1) {
            None => Ascii::Label(start..end, at + 1),
            Some(b' ' | b'\t') => Ascii::Label(start..end, blank(at + 1)),
            Some(_) => Ascii::None,
        },
        Some(c) if !c.is_ascii() => Ascii::Unsure,
        _ => Ascii::None,
    }
}

/// Code points in `s`: the bytes that do not continue a UTF-8 sequence.
fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| (b & 0xC0) != 0x80).count()
}

/// Finds the speaker turns of a normalised text, in order. Text before the first
/// label belongs to no turn. A turn ends at the end of its last non-blank line.
pub fn detect_turns(text: &str) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    let mut char_pos = 0usize;
    // End (in chars) of the last non-blank line seen, to close the open turn.
    let mut last_content_end = 0usize;
    for line in text.split('\n') {
        let line_chars = char_count(line);
        if let Some((speaker, label_bytes)) = speaker_label(line) {
            if let Some(t) = turns.last_mut() {
                t.range.end = last_content_end.max(t.speech_start);
            }
            turns.push(Turn {
                range: CharRange::new(char_pos, char_pos + line_chars),
                speech_start: char_pos + char_count(&line[..label_bytes]),
                speaker: speaker.to_string(),
            });
        }
        let content = line.trim_end();
        if !content.is_empty() {
            last_content_end = char_pos + line_chars - char_count(&line[content.len()..]);
        }
        char_pos += line_chars + 1;
    }
    if let Some(t) = turns.last_mut() {
        t.range.end = last_content_end.max(t.speech_start);
    }
    turns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_recognised() {
        for (line, speaker) in [
            ("Interviewer: How did it start?", "Interviewer"),
            ("P07: Well, my mentor called.", "P07"),
            ("Q: And then?", "Q"),
            ("Maria R.: She listened.", "Maria R."),
            ("Ágnes: Igen.", "Ágnes"),
            ("王芳: 她帮助我。", "王芳"),
            ("王芳：她帮助我。", "王芳"),
            ("فاطمة: ساعدتني", "فاطمة"),
        ] {
            assert_eq!(speaker_label(line).map(|s| s.0), Some(speaker), "{line}");
        }
        for line in [
            "so I said: no",
            "10:30 we met",
            "Note that: lower",
            "http://x",
        ] {
            assert_eq!(speaker_label(line), None, "{line}");
        }
    }

    /// What [`speaker_label`] answered when every line went to the regex.
    fn by_regex(line: &str) -> Option<(&str, usize)> {
        let head = &line.as_bytes()[..line.len().min(HEAD_BYTES)];
        if !head.contains(&b':') && !head.windows(3).any(|w| w == "：".as_bytes()) {
            return None;
        }
        let caps = LABEL.captures(line)?;
        let speaker = caps.get(1)?.as_str();
        (speaker.chars().count() <= MAX_LABEL_CHARS)
            .then(|| (speaker, caps.get(0).map_or(0, |m| m.end())))
    }

    /// The ASCII shortcut answers as the regex does, on random lines made
    /// of the pieces a label is made of, and of those that end one early.
    #[test]
    fn the_ascii_shortcut_answers_as_the_regex() {
        let pieces = [
            "A",
            "Q",
            "Maria",
            "R.",
            "P07",
            "7",
            "x",
            "and",
            "O'Neil",
            "Jean-Luc",
            " ",
            "  ",
            "\t",
            ":",
            ": ",
            "：",
            "’",
            "é",
            "Ágnes",
            "王",
            "?",
            ",",
            "-",
            ".",
            "'",
            "_",
            "\u{300}",
            "ǅ",
            "10:30",
            "http://x",
            "ONE TWO THREE FOUR FIVE",
        ];
        let mut seed = 11u64;
        let (mut labels, mut decided) = (0, 0);
        for round in 0..20_000 {
            let mut line = String::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for _ in 0..(seed >> 60) + 1 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                line.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            if round % 50 == 0 {
                // Past the head, where no colon is looked for.
                line = format!("A{}: x", " ".repeat(170 + round % 30));
            }
            let got = speaker_label(&line);
            assert_eq!(got, by_regex(&line), "{line:?}");
            let shortcut = ascii_label(line.as_bytes());
            decided += usize::from(shortcut != Ascii::Unsure);
            labels += usize::from(matches!(shortcut, Ascii::Label(..)));
        }
        // Both answers, often, without the regex.
        assert!(labels > 300 && decided > 8000, "{labels} {decided}");
    }

    #[test]
    fn turns_run_to_the_next_label() {
        let text = "Intro line\nQ: First?\nA: Yes.\nmore of A\n\nQ: Last?\n";
        let turns = detect_turns(text);
        let spk: Vec<&str> = turns.iter().map(|t| t.speaker.as_str()).collect();
        assert_eq!(spk, ["Q", "A", "Q"]);
        let chars: Vec<char> = text.chars().collect();
        let s = |r: CharRange| chars[r.start..r.end].iter().collect::<String>();
        assert_eq!(s(turns[1].range), "A: Yes.\nmore of A");
        assert_eq!(
            s(CharRange::new(turns[1].speech_start, turns[1].range.end)),
            "Yes.\nmore of A"
        );
        assert_eq!(s(turns[2].range), "Q: Last?");
    }
}
