//! A code's parts as the team-codebook structure teaches them (MacQueen et
//! al., 1998): a short definition, the full definition, when to use the code,
//! when not to, and exemplar quotes. REFI-QDA has one plain-text Description
//! per code, so [`CodeParts::to_description`] lays the parts out there under
//! labels that other tools show as readable text, and
//! [`CodeParts::from_description`] takes them apart again. A description
//! without labels is all full definition.

use super::Code;

/// The labels, in the order they are written. The full definition has none.
const SHORT: &str = "Short definition:";
const WHEN: &str = "When to use:";
const WHEN_NOT: &str = "When not to use:";
const EXEMPLAR: &str = "Exemplar:";
const LABELS: [&str; 4] = [SHORT, WHEN, WHEN_NOT, EXEMPLAR];

/// Every part of one code's codebook entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeParts {
    /// The full definition (the code's `description`).
    pub description: String,
    /// The one-line definition.
    pub short_definition: String,
    /// When to use the code.
    pub when_to_use: String,
    /// When not to use it.
    pub when_not_to_use: String,
    /// The text of each pinned exemplar, in document order.
    pub exemplars: Vec<String>,
}

impl CodeParts {
    /// The parts of `code`, with the quotes of its pinned segments.
    pub fn of(code: &Code, exemplars: Vec<String>) -> Self {
        CodeParts {
            description: code.description.clone(),
            short_definition: code.short_definition.clone(),
            when_to_use: code.when_to_use.clone(),
            when_not_to_use: code.when_not_to_use.clone(),
            exemplars,
        }
    }

    /// Copies the text parts (not the exemplars, which are segments) into `code`.
    pub fn apply_to(&self, code: &mut Code) {
        code.description = self.description.clone();
        code.short_definition = self.short_definition.clone();
        code.when_to_use = self.when_to_use.clone();
        code.when_not_to_use = self.when_not_to_use.clone();
    }

    /// One plain text holding every part: the full definition first, then
    /// each other part under its label, separated by blank lines. A line of a
    /// part that would read as a label (or starts with `\`) is escaped with a
    /// leading `\`, so the text always comes apart into the same parts.
    pub fn to_description(&self) -> String {
        let mut blocks: Vec<String> = Vec::new();
        let full = self.description.trim();
        if !full.is_empty() {
            blocks.push(escape_lines(full, true));
        }
        let labelled = [
            (SHORT, self.short_definition.as_str()),
            (WHEN, self.when_to_use.as_str()),
            (WHEN_NOT, self.when_not_to_use.as_str()),
        ]
        .into_iter()
        .chain(self.exemplars.iter().map(|q| (EXEMPLAR, q.as_str())));
        for (label, text) in labelled {
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let escaped = escape_lines(text, false);
            blocks.push(format!("{label} {escaped}"));
        }
        blocks.join("\n\n")
    }

    /// Takes a description apart into its parts; see [`CodeParts::to_description`].
    pub fn from_description(text: &str) -> Self {
        let mut parts = CodeParts::default();
        // (label or None for the full definition, lines)
        let mut current: (Option<&str>, Vec<&str>) = (None, Vec::new());
        let mut finished: Vec<(Option<&str>, String)> = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix('\\') {
                current.1.push(rest);
            } else if let Some(label) = LABELS.iter().find(|l| line.starts_with(**l)) {
                let done = std::mem::replace(&mut current, (Some(label), Vec::new()));
                finished.push((done.0, done.1.join("\n")));
                let rest = &line[label.len()..];
                current.1.push(rest.strip_prefix(' ').unwrap_or(rest));
            } else {
                current.1.push(line);
            }
        }
        finished.push((current.0, current.1.join("\n")));
        for (label, body) in finished {
            let body = body.trim().to_string();
            match label {
                None => parts.description = body,
                Some(SHORT) => parts.short_definition = body,
                Some(WHEN) => parts.when_to_use = body,
                Some(WHEN_NOT) => parts.when_not_to_use = body,
                Some(_) if !body.is_empty() => parts.exemplars.push(body),
                Some(_) => {}
            }
        }
        parts
    }
}

/// Which of a code's segments to pin for its exemplar quotes: each quote is
/// met by a segment with exactly its text, one segment per quote: one pinned
/// already if there is one, else the first unpinned one (in the order given,
/// document order). `candidates` are the code's segments: (id, text, pinned).
pub fn exemplars_to_pin(
    quotes: &[String],
    candidates: &[(super::SegmentId, &str, bool)],
) -> Vec<super::SegmentId> {
    let mut used: Vec<super::SegmentId> = Vec::new();
    let mut pin = Vec::new();
    for quote in quotes {
        let free = |want_pinned: bool, used: &[super::SegmentId]| {
            candidates
                .iter()
                .find(|(id, text, pinned)| {
                    *pinned == want_pinned && *text == quote.as_str() && !used.contains(id)
                })
                .map(|(id, _, _)| *id)
        };
        if let Some(id) = free(true, &used) {
            used.push(id);
        } else if let Some(id) = free(false, &used) {
            used.push(id);
            pin.push(id);
        }
    }
    pin
}

fn escape_lines(text: &str, first_too: bool) -> String {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let looks_like_label = line.starts_with('\\') || LABELS.iter().any(|l| line.starts_with(l));
        if looks_like_label && (first_too || i > 0) {
            out.push(format!("\\{line}"));
        } else {
            out.push(line.to_string());
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_part() -> CodeParts {
        CodeParts {
            description:
                "Talk about money.\n\nWhen to use: as a line of the definition\n\\ a backslash"
                    .into(),
            short_definition: "Money worries".into(),
            when_to_use: "Rent, bills, debt.\nAlso benefits.".into(),
            when_not_to_use: "Exemplar: not a quote\nNot for work itself (use Work).".into(),
            exemplars: vec!["I could not pay the rent.".into(), "Two\nlines".into()],
        }
    }

    #[test]
    fn every_part_comes_back_from_its_description() {
        let parts = every_part();
        let text = parts.to_description();
        assert_eq!(CodeParts::from_description(&text), parts, "{text}");
    }

    #[test]
    fn a_plain_description_is_the_full_definition() {
        let parts = CodeParts::from_description("Just a definition.\nTwo lines.");
        assert_eq!(parts.description, "Just a definition.\nTwo lines.");
        assert!(parts.short_definition.is_empty() && parts.exemplars.is_empty());
        // And a description of the full definition alone stays as it was.
        let only = CodeParts {
            description: "Plain.".into(),
            ..Default::default()
        };
        assert_eq!(only.to_description(), "Plain.");
    }

    #[test]
    fn each_quote_is_met_by_its_own_segment() {
        use crate::model::SegmentId;
        let quotes = [
            "a".to_string(),
            "a".to_string(),
            "b".to_string(),
            "c".to_string(),
        ];
        let candidates = [
            (SegmentId(1), "a", true),
            (SegmentId(2), "b", false),
            (SegmentId(3), "a", false),
            (SegmentId(4), "a", false),
            (SegmentId(5), "b", false),
        ];
        // "a" twice: the pinned one and the first other; "b": the first; "c": none.
        assert_eq!(
            exemplars_to_pin(&quotes, &candidates),
            [SegmentId(3), SegmentId(2)]
        );
    }

    #[test]
    fn the_layout_reads_as_text() {
        let text = every_part().to_description();
        assert!(text.contains("\n\nShort definition: Money worries\n\nWhen to use: Rent"));
        assert!(text.contains("\n\nExemplar: I could not pay the rent."));
    }
}
