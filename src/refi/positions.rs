//! How another tool counted a source's positions, and what they are in
//! Weft's code points. In a file Weft wrote they are read the standard way;
//! in another tool's file each source's positions are also read three other
//! ways (UTF-16 units, CRLF as one), and one of those is taken only when it
//! is clearly better at putting selection ends on word boundaries.

use crate::model::CharRange;

/// A position counting that tools use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counting {
    CodePoints,
    CodePointsCrlfOne,
    Utf16,
    Utf16CrlfOne,
}

impl Counting {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Counting::CodePoints => "code points (the standard)",
            Counting::CodePointsCrlfOne => {
                "code points with a line break as one (as ATLAS.ti writes)"
            }
            Counting::Utf16 => "UTF-16 units with CR and LF apart (as NVivo writes)",
            Counting::Utf16CrlfOne => "UTF-16 units with a line break as one",
        }
    }
}

/// Where positions counted one way fall in the normalised text, for the
/// positions a source's selections name only: sorted, each with its
/// offset. One walk over the raw text up to the last position asked about,
/// instead of a table of every position (eight bytes a character, four
/// times over for a guess).
struct Placed {
    at: Vec<(usize, usize)>,
}

impl Placed {
    /// `raw` is the source text after the BOM, before line endings are
    /// normalised; `wanted` is sorted, without repeats.
    fn new(raw: &str, counting: Counting, wanted: &[usize]) -> Self {
        // With no CRLF, and each character one unit of the counting (always
        // for code points; for UTF-16, with no character beyond the BMP,
        // which UTF-8 starts with a byte of 0xF0 or more), every position is
        // its own offset: only the text's length is needed, not a walk.
        let one_unit_each = match counting {
            Counting::CodePoints | Counting::CodePointsCrlfOne => true,
            Counting::Utf16 | Counting::Utf16CrlfOne => !raw.bytes().any(|b| b >= 0xF0),
        };
        if one_unit_each && !raw.contains("\r\n") {
            let len = raw.chars().count();
            return Placed {
                at: wanted
                    .iter()
                    .take_while(|&&p| p <= len)
                    .map(|&p| (p, p))
                    .collect(),
            };
        }
        let units_of = |c: char| match counting {
            Counting::CodePoints | Counting::CodePointsCrlfOne => 1,
            Counting::Utf16 | Counting::Utf16CrlfOne => c.len_utf16(),
        };
        let crlf_one = matches!(
            counting,
            Counting::CodePointsCrlfOne | Counting::Utf16CrlfOne
        );
        let mut at = Vec::with_capacity(wanted.len());
        let mut want = wanted.iter().copied().peekable();
        // The next position, and the normalised offset it stands for.
        let mut pos = 0usize;
        let mut norm = 0usize;
        let mut take = |norm: usize, at: &mut Vec<(usize, usize)>| {
            if want.peek() == Some(&pos) {
                at.push((pos, norm));
                want.next();
            }
            pos += 1;
            want.peek().is_some()
        };
        let mut chars = raw.chars().peekable();
        let mut more = true;
        while more && let Some(c) = chars.next() {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
                // CR then LF become one \n at `norm`.
                more = take(norm, &mut at);
                if !crlf_one && more {
                    more = take(norm, &mut at);
                }
            } else {
                for _ in 0..units_of(c) {
                    more = take(norm, &mut at);
                    if !more {
                        break;
                    }
                }
            }
            norm += 1;
        }
        // The end of the text is a position too.
        if more {
            take(norm, &mut at);
        }
        Placed { at }
    }

    /// The normalised offset of a position, if it is inside the text.
    fn get(&self, position: i64) -> Option<usize> {
        let p = usize::try_from(position).ok()?;
        let i = self.at.binary_search_by_key(&p, |&(q, _)| q).ok()?;
        Some(self.at[i].1)
    }

    /// The selections' ranges this way (`None`: it does not fit the text).
    fn ranges(&self, selections: &[(i64, i64)]) -> Vec<Option<CharRange>> {
        selections
            .iter()
            .map(|&(s, e)| {
                if e <= s {
                    return None;
                }
                let r = CharRange::new(self.get(s)?, self.get(e)?);
                (!r.is_empty()).then_some(r)
            })
            .collect()
    }
}

/// Every position the selections name, sorted, without repeats.
fn wanted(selections: &[(i64, i64)]) -> Vec<usize> {
    let mut w: Vec<usize> = selections
        .iter()
        .flat_map(|&(s, e)| [s, e])
        .filter_map(|p| usize::try_from(p).ok())
        .collect();
    w.sort_unstable();
    w.dedup();
    w
}

fn on_boundary(text: &[char], p: usize) -> bool {
    if p == 0 || p >= text.len() {
        return true;
    }
    text[p - 1].is_alphanumeric() != text[p].is_alphanumeric()
}

/// How a user can force the positions of a `.qdpx` to be read
/// (`weft import-qdpx --positions`), overriding the guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Positions {
    /// Code points over the text as written (the REFI-QDA standard).
    Standard,
    /// UTF-16 units with CR and LF apart (as NVivo writes).
    Utf16,
    /// Code points with a CRLF line break as one (as ATLAS.ti writes).
    CrlfAsOne,
}

impl Positions {
    pub(super) fn counting(self) -> Counting {
        match self {
            Positions::Standard => Counting::CodePoints,
            Positions::Utf16 => Counting::Utf16,
            Positions::CrlfAsOne => Counting::CodePointsCrlfOne,
        }
    }
}

/// How one source's positions were read, for the report.
pub(super) struct Chosen {
    pub(super) counting: Counting,
    /// Why: forced, trusted (Weft's own file), or guessed with these scores.
    pub(super) why: String,
    pub(super) ranges: Vec<Option<CharRange>>,
}

/// How many of the ranges' ends land on word boundaries (a selection that
/// does not fit the text counts as none).
fn fit(norm: &[char], ranges: &[Option<CharRange>]) -> usize {
    ranges
        .iter()
        .flatten()
        .map(|r| usize::from(on_boundary(norm, r.start)) + usize::from(on_boundary(norm, r.end)))
        .sum()
}

/// Picks the counting for one source.
///
/// A forced counting wins; a file Weft wrote is read the standard way. Else
/// the standard is kept unless another counting is clearly better: it puts at
/// least 90% of the selection ends on word boundaries where the standard puts
/// at most half, or the standard puts selections outside the text and the
/// other does not. Selections that honestly start mid-word then stay where
/// the file put them.
pub(super) fn choose_counting(
    raw: &str,
    text: &str,
    selections: &[(i64, i64)],
    forced: Option<Counting>,
    ours: bool,
) -> Chosen {
    let fixed = match (forced, ours) {
        (Some(c), _) => Some((c, "as you asked".to_string())),
        (None, true) => Some((Counting::CodePoints, "Weft wrote this file".to_string())),
        _ => None,
    };
    let wanted = wanted(selections);
    if let Some((counting, why)) = fixed {
        // Only the one counting is read, and nothing is scored.
        return Chosen {
            counting,
            why,
            ranges: Placed::new(raw, counting, &wanted).ranges(selections),
        };
    }
    let norm: Vec<char> = text.chars().collect();
    let ends = 2 * selections.len();
    let std_ranges = Placed::new(raw, Counting::CodePoints, &wanted).ranges(selections);
    let std_fit = fit(&norm, &std_ranges);
    let std_outside = std_ranges.iter().filter(|r| r.is_none()).count();
    let mut best: Option<(usize, Counting, Vec<Option<CharRange>>, usize)> = None;
    for counting in [
        Counting::CodePointsCrlfOne,
        Counting::Utf16,
        Counting::Utf16CrlfOne,
    ] {
        let ranges = Placed::new(raw, counting, &wanted).ranges(selections);
        let fit = fit(&norm, &ranges);
        let outside = ranges.iter().filter(|r| r.is_none()).count();
        let by_boundaries = fit * 10 >= ends * 9 && std_fit * 2 <= ends;
        let by_fitting = std_outside > 0 && outside < std_outside;
        if (by_boundaries || by_fitting) && best.as_ref().is_none_or(|b| fit > b.0) {
            best = Some((fit, counting, ranges, outside));
        }
    }
    match best {
        Some((fit, counting, ranges, _)) => Chosen {
            counting,
            why: format!(
                "guessed: {fit} of {ends} selection ends fall on word boundaries this way, \
                 {std_fit} the standard way; force a counting with --positions"
            ),
            ranges,
        },
        None => Chosen {
            counting: Counting::CodePoints,
            why: String::new(),
            ranges: std_ranges,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every position's offset, the plain way: a table of all of them.
    fn table(raw: &str, counting: Counting) -> Vec<usize> {
        let crlf_one = matches!(
            counting,
            Counting::CodePointsCrlfOne | Counting::Utf16CrlfOne
        );
        let utf16 = matches!(counting, Counting::Utf16 | Counting::Utf16CrlfOne);
        let chars: Vec<char> = raw.chars().collect();
        let mut map = Vec::new();
        let mut norm = 0;
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '\r' && chars.get(i + 1) == Some(&'\n') {
                map.extend(std::iter::repeat_n(norm, if crlf_one { 1 } else { 2 }));
                i += 2;
            } else {
                let units = if utf16 { chars[i].len_utf16() } else { 1 };
                map.extend(std::iter::repeat_n(norm, units));
                i += 1;
            }
            norm += 1;
        }
        map.push(norm);
        map
    }

    #[test]
    fn placed_positions_match_a_table_of_every_position() {
        let pieces = ["a", "word ", "\r\n", "\n", "\r", "é", "😀", "中文", " "];
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        // Texts with no CRLF take the short way (positions are offsets).
        let mut short_way = 0;
        for _ in 0..300 {
            let raw: String = (0..next(60)).map(|_| pieces[next(pieces.len())]).collect();
            short_way += usize::from(!raw.contains("\r\n"));
            for counting in [
                Counting::CodePoints,
                Counting::CodePointsCrlfOne,
                Counting::Utf16,
                Counting::Utf16CrlfOne,
            ] {
                let table = table(&raw, counting);
                let selections: Vec<(i64, i64)> = (0..next(8))
                    .map(|_| {
                        let s = next(table.len() + 3) as i64 - 1;
                        (s, s + next(10) as i64 - 2)
                    })
                    .collect();
                let placed = Placed::new(&raw, counting, &wanted(&selections));
                for &(s, e) in &selections {
                    for p in [s, e] {
                        let expect = usize::try_from(p).ok().and_then(|p| table.get(p).copied());
                        assert_eq!(placed.get(p), expect, "{raw:?} {counting:?} {p}");
                    }
                }
                let expect: Vec<Option<CharRange>> = selections
                    .iter()
                    .map(|&(s, e)| {
                        if s < 0 || e <= s || e as usize >= table.len() {
                            return None;
                        }
                        let r = CharRange::new(table[s as usize], table[e as usize]);
                        (!r.is_empty()).then_some(r)
                    })
                    .collect();
                assert_eq!(placed.ranges(&selections), expect, "{raw:?} {counting:?}");
            }
        }
        assert!(short_way >= 30, "only {short_way} texts without CRLF");
    }
}
