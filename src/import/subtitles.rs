//! WebVTT and SubRip captions: each cue's text becomes one line of the document,
//! and the cue's start and end times are kept as metadata of that line.
//! A WebVTT voice tag (`<v Maria>`) becomes a `Maria:` speaker label.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{CharRange, CueTime};

/// Parses `hh:mm:ss.mmm`, `mm:ss.mmm` (or with a comma, as SubRip writes) into ms.
fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', ".");
    let (hms, ms) = s.split_once('.').unwrap_or((&s, "0"));
    let parts: Vec<&str> = hms.split(':').collect();
    let nums: Option<Vec<i64>> = parts.iter().map(|p| p.parse::<i64>().ok()).collect();
    let nums = nums?;
    let (h, m, sec) = match nums.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] => (0, *m, *s),
        _ => return None,
    };
    let ms: String = ms.chars().take(3).collect();
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
        let Some(timing_at) = block.iter().position(|l| l.contains("-->")) else {
            return Err(Error::at(
                path,
                block_start as u64 + 1,
                None,
                "this caption has no timing line (start --> end)",
            ));
        };
        let timing = block[timing_at];
        let line_no = (block_start + timing_at) as u64 + 1;
        let (start, end) = timing.split_once("-->").expect("contains -->");
        let end = end.split_whitespace().next().unwrap_or("");
        let (Some(start_ms), Some(end_ms)) = (parse_timestamp(start), parse_timestamp(end)) else {
            return Err(Error::at(
                path,
                line_no,
                None,
                "the timing line is not of the form 00:01:02.500 --> 00:01:04.000",
            ));
        };
        let text = cue_text(&block[timing_at + 1..]);
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
    Ok((out, cues))
}

#[cfg(test)]
mod tests {
    use super::*;

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
