//! WebVTT and SubRip captions: each cue's text becomes one line of the document,
//! and the cue's start and end times are kept as metadata of that line.
//! A WebVTT voice tag (`<v Maria>`) becomes a `Maria:` speaker label.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{CharRange, CueTime};

/// Parses `hh:mm:ss.mmm`, `mm:ss.mmm` (or with a comma, as SubRip writes) into
/// ms. Every part must be plain digits (no sign), minutes and seconds under
/// 60, and the milliseconds one to three digits.
fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', ".");
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let (hms, ms) = s.split_once('.').unwrap_or((&s, "0"));
    if !digits(ms) || ms.len() > 3 {
        return None;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    if !parts.iter().all(|p| digits(p)) {
        return None;
    }
    let nums: Vec<i64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, sec) = match nums.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] => (0, *m, *s),
        _ => return None,
    };
    let ms: i64 = format!("{ms:0<3}").parse().ok()?;
    (m < 60 && sec < 60).then_some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// Turns cue markup into plain text: a voice tag becomes a speaker label, other
/// tags go, and the common entities are resolved.
fn cue_text(lines: &[&str]) -> String {
    let joined = lines.join(" ");
    let mut out = String::with_capacity(joined.len());
    let mut rest = joined.as_str();
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        if let Some(voice) = tag.strip_prefix('v').filter(|t| t.starts_with([' ', '.'])) {
            let name = voice.split_once(' ').map_or("", |(_, n)| n).trim();
            if !name.is_empty() {
                out.push_str(name);
                out.push_str(": ");
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .trim()
        .to_string()
}

/// A SubRip cue index: a line of digits only.
fn is_index(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

/// Reads `start --> end [settings]`, refusing malformed or negative times and
/// an end before the start.
fn parse_timing(path: &Path, line_no: u64, timing: &str) -> Result<(i64, i64)> {
    let (start, end) = timing.split_once("-->").expect("contains -->");
    let end = end.split_whitespace().next().unwrap_or("");
    let (Some(start_ms), Some(end_ms)) = (parse_timestamp(start), parse_timestamp(end)) else {
        return Err(Error::at(
            path,
            line_no,
            None,
            "the timing line is not of the form 00:01:02.500 --> 00:01:04.000 \
             (times are never negative, milliseconds have one to three digits)",
        ));
    };
    if end_ms < start_ms {
        return Err(Error::at(
            path,
            line_no,
            None,
            "this caption ends before it starts; correct its times",
        ));
    }
    Ok((start_ms, end_ms))
}

/// Reads captions from normalised text. Returns the document text and one
/// [`CueTime`] per line.
pub fn read_subtitles(path: &Path, text: &str, vtt: bool) -> Result<(String, Vec<CueTime>)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    if vtt {
        if !lines
            .first()
            .is_some_and(|l| l.trim_start().starts_with("WEBVTT"))
        {
            return Err(Error::at(
                path,
                1,
                Some(1),
                "a WebVTT file must start with WEBVTT",
            ));
        }
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
    }
    let mut out = String::new();
    let mut cues = Vec::new();
    let mut chars = 0usize;
    while i < lines.len() {
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        if i >= lines.len() {
            break;
        }
        let block_start = i;
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
        let block = &lines[block_start..i];
        let first = block[0].trim();
        if vtt && (first.starts_with("NOTE") || first == "STYLE" || first == "REGION") {
            continue;
        }
        let timings: Vec<usize> = (0..block.len())
            .filter(|&k| block[k].contains("-->"))
            .collect();
        if timings.is_empty() {
            return Err(Error::at(
                path,
                block_start as u64 + 1,
                None,
                "this caption has no timing line (start --> end)",
            ));
        }
        // Cues without a blank line between them: each timing line starts a
        // new cue, and a number just before it is that cue's index.
        let mut bounds = timings;
        bounds.push(block.len());
        for w in bounds.windows(2) {
            let (at, next) = (w[0], w[1]);
            let mut text_end = next;
            if next < block.len() && text_end > at + 1 && is_index(block[text_end - 1]) {
                text_end -= 1;
            }
            let line_no = (block_start + at) as u64 + 1;
            let (start_ms, end_ms) = parse_timing(path, line_no, block[at])?;
            let text = cue_text(&block[at + 1..text_end]);
            if text.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push('\n');
                chars += 1;
            }
            let len = text.chars().count();
            cues.push(CueTime {
                range: CharRange::new(chars, chars + len),
                start_ms,
                end_ms,
            });
            out.push_str(&text);
            chars += len;
        }
    }
    Ok((out, cues))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srt_cues_without_blank_lines_between_them_are_split_at_each_timing_line() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nFirst cue\n2\n00:00:03,000 --> 00:00:04,500\nSecond cue\nstill second\n00:00:05,000 --> 00:00:06,000\nThird\n";
        let (text, cues) = read_subtitles(Path::new("a.srt"), srt, false).unwrap();
        assert_eq!(text, "First cue\nSecond cue still second\nThird");
        let times: Vec<(i64, i64)> = cues.iter().map(|c| (c.start_ms, c.end_ms)).collect();
        assert_eq!(times, [(1000, 2000), (3000, 4500), (5000, 6000)]);
    }

    #[test]
    fn srt_times_that_go_backwards_are_negative_or_malformed_are_refused_with_the_line() {
        for (srt, line, what) in [
            (
                "1\n00:00:05,000 --> 00:00:02,000\nx\n",
                2,
                "ends before it starts",
            ),
            (
                "1\n-00:00:01,000 --> 00:00:02,000\nx\n",
                2,
                "never negative",
            ),
            (
                "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,5x0 --> 00:00:04,000\nx\n",
                6,
                "milliseconds",
            ),
            ("1\n00:00:01,12345 --> 00:00:02,000\nx\n", 2, "milliseconds"),
        ] {
            let err = read_subtitles(Path::new("a.srt"), srt, false)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(&format!("a.srt:{line}:")), "{err}");
            assert!(err.contains(what), "{err}");
        }
    }

    #[test]
    fn vtt_cues_become_lines_with_times() {
        let vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\n<v Ana>Hola, ¿qué tal?\n\nNOTE skip me\n\n00:03.000 --> 00:04.000 align:start\nsecond <i>line</i>\nwraps\n";
        let (text, cues) = read_subtitles(Path::new("a.vtt"), vtt, true).unwrap();
        assert_eq!(text, "Ana: Hola, ¿qué tal?\nsecond line wraps");
        assert_eq!(cues[0].start_ms, 1000);
        assert_eq!(cues[0].end_ms, 2500);
        assert_eq!(cues[1].range, CharRange::new(21, 38));
        assert_eq!(cues[1].start_ms, 3000);
    }

    #[test]
    fn srt_uses_commas_and_bad_timing_names_the_line() {
        let srt = "1\n00:00:01,200 --> 00:00:02,000\nP1: Hi\n\n2\n00:00:03 -> nope\nx\n";
        let err = read_subtitles(Path::new("a.srt"), srt, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a.srt:5"), "{err}");
        let (text, cues) = read_subtitles(
            Path::new("a.srt"),
            "1\n00:00:01,200 --> 00:00:02,000\nP1: Hi\n",
            false,
        )
        .unwrap();
        assert_eq!(text, "P1: Hi");
        assert_eq!(cues[0].start_ms, 1200);
    }
}
