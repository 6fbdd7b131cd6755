//! Finding text in transcripts, for autocoding and the window's find bar.
//!
//! A hit can be widened to the unit a researcher wants coded: the match itself,
//! its sentence, its paragraph (line) or its whole speaker turn. Results are
//! code-point ranges, sorted and without duplicates.

use regex::{Regex, RegexBuilder};

use crate::error::{Error, Result};
use crate::model::{CharRange, Turn};
use crate::text::{CharIndex, Sentences};

/// How much text around a match gets coded.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Unit {
    /// Exactly the matched text.
    #[default]
    Match,
    /// The sentence holding the match.
    Sentence,
    /// The line (paragraph) holding the match.
    Paragraph,
    /// The speaker turn holding the match, without its label.
    Turn,
}

/// Builds the search pattern. `plain` searches for the text literally.
pub fn build_pattern(pattern: &str, plain: bool, ignore_case: bool) -> Result<Regex> {
    if pattern.is_empty() {
        return Err(Error::Invalid("the search pattern is empty".into()));
    }
    let source = if plain {
        regex::escape(pattern)
    } else {
        pattern.to_string()
    };
    RegexBuilder::new(&source)
        .case_insensitive(ignore_case)
        .multi_line(true)
        .size_limit(10 * 1024 * 1024)
        .build()
        .map_err(|e| {
            Error::Invalid(format!(
                "the search pattern is not a valid regular expression: {e}"
            ))
        })
}

/// Finds every hit of `pattern` in one document, widened to `unit`. With
/// `speaker`, only matches inside that speaker's turns count (case-insensitive).
pub fn find_hits(
    text: &str,
    turns: &[Turn],
    pattern: &Regex,
    unit: Unit,
    speaker: Option<&str>,
) -> Vec<CharRange> {
    find_hits_counted(text, turns, pattern, unit, speaker).0
}

/// The same, with the number of matches that counted (several matches in one
/// sentence are one unit to code, so the two numbers differ).
pub fn find_hits_counted(
    text: &str,
    turns: &[Turn],
    pattern: &Regex,
    unit: Unit,
    speaker: Option<&str>,
) -> (Vec<CharRange>, usize) {
    let mut matches = 0;
    let index = CharIndex::new(text);
    // Built once per document, so each match is widened by a binary search:
    // linear in the text, however many matches one long line holds.
    let sentences = matches!(unit, Unit::Sentence | Unit::Paragraph).then(|| Sentences::new(text));
    let mut out = Vec::new();
    for m in pattern.find_iter(text) {
        if m.start() == m.end() {
            continue;
        }
        let range = index.range_from_bytes(m.start(), m.end());
        // Turns are sorted by start: the last one starting at or before the match.
        let turn = turns[..turns.partition_point(|t| t.range.start <= range.start)]
            .last()
            .filter(|t| range.start < t.range.end.max(t.range.start + 1));
        if let Some(name) = speaker {
            let in_speech = turn.is_some_and(|t| {
                t.speaker.eq_ignore_ascii_case(name.trim()) && range.start >= t.speech_start
            });
            if !in_speech {
                continue;
            }
        }
        let widened = match unit {
            Unit::Match => range,
            Unit::Sentence => {
                let (s, e) = sentences
                    .as_ref()
                    .expect("built for sentences")
                    .around(m.start(), m.end());
                index.range_from_bytes(s, e.max(m.end()))
            }
            Unit::Paragraph => {
                let (s, e) = sentences
                    .as_ref()
                    .expect("built for paragraphs")
                    .line_around(m.start());
                index.range_from_bytes(s, e.max(m.end()))
            }
            Unit::Turn => match turn {
                Some(t) if t.range.end > t.speech_start => {
                    CharRange::new(t.speech_start, t.range.end)
                }
                _ => continue,
            },
        };
        // A sentence or paragraph that opens a turn starts after the speaker's label.
        let mut widened = widened;
        if let Some(t) = turn
            && widened.start < t.speech_start
            && t.speech_start <= range.start
        {
            widened.start = t.speech_start;
        }
        if !widened.is_empty() {
            matches += 1;
            out.push(widened);
        }
    }
    out.sort();
    out.dedup();
    (out, matches)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::turns::detect_turns;

    #[test]
    fn units_widen_the_match() {
        let text = "Q: Did she help?\nA: She helped me a lot. Then I called.\nQ: And the judge?";
        let turns = detect_turns(text);
        let re = build_pattern("helped", true, false).unwrap();
        let slice = |r: CharRange| text.chars().skip(r.start).take(r.len()).collect::<String>();
        let hits = find_hits(text, &turns, &re, Unit::Match, None);
        assert_eq!(
            hits.iter().map(|&r| slice(r)).collect::<Vec<_>>(),
            ["helped"]
        );
        let hits = find_hits(text, &turns, &re, Unit::Sentence, None);
        assert_eq!(slice(hits[0]), "She helped me a lot.");
        let hits = find_hits(text, &turns, &re, Unit::Turn, None);
        assert_eq!(slice(hits[0]), "She helped me a lot. Then I called.");
        let re = build_pattern("(?i)help", false, false).unwrap();
        let hits = find_hits(text, &turns, &re, Unit::Paragraph, Some("a"));
        assert_eq!(hits.len(), 1);
        assert_eq!(slice(hits[0]), "She helped me a lot. Then I called.");
        let hits = find_hits(text, &turns, &re, Unit::Paragraph, Some("nobody"));
        assert!(hits.is_empty());
    }
}
