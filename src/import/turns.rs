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

/// If the line starts with a speaker label, the speaker and the byte length of
/// the label (colon and following spaces included).
pub fn speaker_label(line: &str) -> Option<(&str, usize)> {
    // A label ends in a colon within its first few words: a line with no
    // colon near its start is not searched.
    let head = &line.as_bytes()[..line.len().min(4 * MAX_LABEL_CHARS + 16)];
    if !head.contains(&b':') && !head.windows(3).any(|w| w == "：".as_bytes()) {
        return None;
    }
    let caps = LABEL.captures(line)?;
    let speaker = caps.get(1)?.as_str();
    (speaker.chars().count() <= MAX_LABEL_CHARS)
        .then(|| (speaker, caps.get(0).map_or(0, |m| m.end())))
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
                speech_start: char_pos + line[..label_bytes].chars().count(),
                speaker: speaker.to_string(),
            });
        }
        if !line.trim().is_empty() {
            last_content_end = char_pos + char_count(line.trim_end());
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
