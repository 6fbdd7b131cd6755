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

/// For each counting, the offset in the normalised text of every position.
struct PositionMaps {
    maps: Vec<(Counting, Vec<usize>)>,
}

impl PositionMaps {
    /// `raw` is the source text after the BOM, before line endings are normalised.
    fn new(raw: &str) -> Self {
        let maps = [
            Counting::CodePoints,
            Counting::CodePointsCrlfOne,
            Counting::Utf16,
            Counting::Utf16CrlfOne,
        ]
        .into_iter()
        .map(|c| (c, position_map(raw, c)))
        .collect();
        PositionMaps { maps }
    }
}

/// For one counting, the offset in the normalised text of every position.
fn position_map(raw: &str, counting: Counting) -> Vec<usize> {
    let units_of = |c: char| match counting {
        Counting::CodePoints | Counting::CodePointsCrlfOne => 1,
        Counting::Utf16 | Counting::Utf16CrlfOne => c.len_utf16(),
    };
    let crlf_one = matches!(
        counting,
        Counting::CodePointsCrlfOne | Counting::Utf16CrlfOne
    );
    let mut map = Vec::with_capacity(raw.len() + 1);
    let mut norm = 0usize;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
            // CR then LF become one \n at `norm`.
            map.push(norm);
            if !crlf_one {
                map.push(norm);
            }
        } else {
            for _ in 0..units_of(c) {
                map.push(norm);
            }
        }
        norm += 1;
    }
    map.push(norm);
    map
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

/// Maps the positions with one counting. Returns the ranges and how many
/// selection ends land on word boundaries (a selection that does not fit the
/// text counts as none).
fn map_with(
    map: &[usize],
    norm: &[char],
    selections: &[(i64, i64)],
) -> (Vec<Option<CharRange>>, usize) {
    let mut fit = 0;
    let ranges = selections
        .iter()
        .map(|&(s, e)| {
            if s < 0 || e <= s || e as usize >= map.len() {
                return None;
            }
            let r = CharRange::new(map[s as usize], map[e as usize]);
            fit += usize::from(on_boundary(norm, r.start)) + usize::from(on_boundary(norm, r.end));
            (!r.is_empty()).then_some(r)
        })
        .collect();
    (ranges, fit)
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
    norm: &[char],
    selections: &[(i64, i64)],
    forced: Option<Counting>,
    ours: bool,
) -> Chosen {
    let fixed = match (forced, ours) {
        (Some(c), _) => Some((c, "as you asked".to_string())),
        (None, true) => Some((Counting::CodePoints, "Weft wrote this file".to_string())),
        _ => None,
    };
    if let Some((counting, why)) = fixed {
        // Only the one counting's map is needed.
        let (ranges, _) = map_with(&position_map(raw, counting), norm, selections);
        return Chosen {
            counting,
            why,
            ranges,
        };
    }
    let maps = PositionMaps::new(raw);
    let of = |c: Counting| &maps.maps.iter().find(|(k, _)| *k == c).expect("four").1;
    let ends = 2 * selections.len();
    let (std_ranges, std_fit) = map_with(of(Counting::CodePoints), norm, selections);
    let std_outside = std_ranges.iter().filter(|r| r.is_none()).count();
    let mut best: Option<(usize, Counting, Vec<Option<CharRange>>, usize)> = None;
    for &(counting, ref map) in &maps.maps {
        if counting == Counting::CodePoints {
            continue;
        }
        let (ranges, fit) = map_with(map, norm, selections);
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
