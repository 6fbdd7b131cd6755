//! Inter-coder agreement: how far two or more coders coded the same text the
//! same way, per code and document and pooled, with every measure the other
//! tools report (and the ones their users asked for), computed exactly.
//!
//! # How it counts
//! The text is cut into units: code points (the default), sentences,
//! paragraphs or whole documents. A coder codes a unit (for one code) when any
//! of the unit's characters lies in one of their segments of that code (or,
//! with [`Include::Children`] / [`Include::Descendants`], of the code's
//! children or descendants). A coder's segments are first merged into disjoint
//! runs, so overlapping or adjacent segments count once.
//!
//! A coder takes part in a document when they coded anything in it (any code).
//! In a document a coder never touched, their coding is *missing*, not "coded
//! nothing": the two-coder measures leave such documents out for that pair,
//! Fleiss' kappa needs every coder, and Krippendorff's alphas use the coders
//! who are there (missing values, as in the reference implementation).
//!
//! Nothing is counted character by character: each (code, document) cell is a
//! sweep over the runs' boundaries that counts, for every combination of
//! coders, how many units they coded together. Every figure is then made from
//! integer counts with one final division, so it equals the reference
//! libraries (scikit-learn, statsmodels, krippendorff,
//! krippendorff-unitized-alpha) to rounding; `tests/agreement.rs` checks that
//! against fixtures those libraries computed.
//!
//! A figure that is undefined (no variation at all, no units) is `Err(reason)`,
//! never 0 or 1.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::*;
use crate::text::{CharIndex, Sentences, paragraph_spans};

/// What one unit of agreement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AgreementUnit {
    /// A code point.
    #[default]
    Character,
    /// A sentence (cut as autocode cuts them); coded when any of its characters is.
    Sentence,
    /// A paragraph (a non-blank line); coded when any of its characters is.
    Paragraph,
    /// A whole document: code presence per document.
    Document,
}

impl AgreementUnit {
    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementUnit::Character => "character",
            AgreementUnit::Sentence => "sentence",
            AgreementUnit::Paragraph => "paragraph",
            AgreementUnit::Document => "document",
        }
    }

    /// Whether the units need the documents' text.
    pub fn needs_text(self) -> bool {
        matches!(self, AgreementUnit::Sentence | AgreementUnit::Paragraph)
    }
}

/// Which segments count for a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Include {
    /// The code's own segments only.
    #[default]
    Exact,
    /// The code's and its children's.
    Children,
    /// The code's and all its descendants'.
    Descendants,
}

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The coders, in order (the first is "first" in the counts). At least two.
    pub coders: Vec<CoderId>,
    /// The codes to report; `None` means every code.
    pub codes: Option<Vec<CodeId>>,
    /// The documents; `None` means every document.
    pub documents: Option<Vec<DocumentId>>,
    /// The unit.
    pub unit: AgreementUnit,
    /// Which segments count for a code.
    pub include: Include,
}

/// A figure, or why it is undefined.
pub type Figure = std::result::Result<f64, &'static str>;

/// Every measure of one row.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Share of units on which all coders agree.
    pub percent_agreement: Figure,
    /// Cohen's kappa (for three or more coders: the mean of every pair's).
    pub cohen_kappa: Figure,
    /// Fleiss' kappa.
    pub fleiss_kappa: Figure,
    /// Brennan and Prediger's kappa (two categories).
    pub brennan_prediger: Figure,
    /// Krippendorff's alpha, nominal.
    pub krippendorff_alpha: Figure,
    /// Krippendorff's unitized alpha for coded against uncoded stretches (|uα).
    pub unitized_alpha: Figure,
    /// F1 (two coders): text neither coded is left out.
    pub f1: Figure,
    /// Jaccard (two coders): text neither coded is left out.
    pub jaccard: Figure,
}

impl Figures {
    /// The measures with their column names, in report order.
    pub fn named(&self) -> [(&'static str, &Figure); 8] {
        [
            ("percent_agreement", &self.percent_agreement),
            ("cohen_kappa", &self.cohen_kappa),
            ("fleiss_kappa", &self.fleiss_kappa),
            ("brennan_prediger", &self.brennan_prediger),
            ("krippendorff_alpha", &self.krippendorff_alpha),
            ("unitized_alpha", &self.unitized_alpha),
            ("f1", &self.f1),
            ("jaccard", &self.jaccard),
        ]
    }

    fn named_mut(&mut self) -> [&mut Figure; 8] {
        [
            &mut self.percent_agreement,
            &mut self.cohen_kappa,
            &mut self.fleiss_kappa,
            &mut self.brennan_prediger,
            &mut self.krippendorff_alpha,
            &mut self.unitized_alpha,
            &mut self.f1,
            &mut self.jaccard,
        ]
    }
}

/// The counts behind a row's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    /// Units compared.
    pub units: u64,
    /// Units every coder coded.
    pub both: u64,
    /// Units only the first coder coded (two coders).
    pub only_first: Option<u64>,
    /// Units only the second coder coded (two coders).
    pub only_second: Option<u64>,
    /// Units no coder coded.
    pub neither: u64,
    /// Units the first coder coded (two coders).
    pub first_coded: Option<u64>,
    /// Units the second coder coded (two coders).
    pub second_coded: Option<u64>,
}

/// What a row pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowKind {
    /// Counts added up over what the row covers.
    Pooled,
    /// NVivo-style: the mean of the code's per-document figures, weighted by
    /// each document's units.
    MeanWeighted,
    /// NVivo-style: the plain mean of the code's per-document figures.
    MeanUnweighted,
}

/// One line of an agreement report.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The code, or `None` for every code in scope.
    pub code: Option<CodeId>,
    /// The document, or `None` for every document in scope.
    pub document: Option<DocumentId>,
    /// The coders compared: a pair, or (with three or more) all of them.
    pub coders: Vec<CoderId>,
    /// Pooled or a mean.
    pub kind: RowKind,
    /// The counts (for pooled rows).
    pub counts: Option<Counts>,
    /// Observed and expected agreement behind Cohen's kappa (pooled pair rows).
    pub observed: Option<f64>,
    /// See `observed`.
    pub expected: Option<f64>,
    /// The measures.
    pub figures: Figures,
}

/// Every granularity at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// One block of rows per code and document.
    pub by_code_document: Vec<Row>,
    /// Each code pooled over the documents, followed by its two means.
    pub by_code: Vec<Row>,
    /// Each document pooled over the codes.
    pub by_document: Vec<Row>,
    /// Everything pooled.
    pub overall: Vec<Row>,
    /// Documents left out for a coder who coded nothing in them: (document, coder).
    pub absent: Vec<(DocumentId, CoderId)>,
}

/// The units of one document.
#[derive(Debug, Clone)]
pub enum Units {
    /// Code points `[0, n)`.
    Characters(usize),
    /// These character ranges, in order and disjoint; characters outside them
    /// are not counted.
    Spans(Vec<CharRange>),
    /// The whole document is one unit.
    Whole,
}

impl Units {
    /// The units of a document's text.
    pub fn of_text(unit: AgreementUnit, text: &str) -> Units {
        let index = CharIndex::new(text);
        let spans = match unit {
            AgreementUnit::Character => return Units::Characters(index.char_len()),
            AgreementUnit::Document => return Units::Whole,
            AgreementUnit::Sentence => Sentences::new(text).spans(),
            AgreementUnit::Paragraph => paragraph_spans(text),
        };
        Units::Spans(
            spans
                .into_iter()
                .map(|(s, e)| index.range_from_bytes(s, e))
                .collect(),
        )
    }

    fn count(&self) -> usize {
        match self {
            Units::Characters(n) => *n,
            Units::Spans(v) => v.len(),
            Units::Whole => 1,
        }
    }

    /// A character range as the half-open range of units it touches.
    fn map(&self, r: CharRange) -> Option<(usize, usize)> {
        match self {
            Units::Characters(n) => {
                let (s, e) = (r.start.min(*n), r.end.min(*n));
                (s < e).then_some((s, e))
            }
            Units::Whole => (r.start < r.end).then_some((0, 1)),
            Units::Spans(v) => {
                let s = v.partition_point(|u| u.end <= r.start);
                let e = v.partition_point(|u| u.start < r.end);
                (s < e).then_some((s, e))
            }
        }
    }
}

/// The units of every document in scope, reading text (through `text`) only
/// when the unit needs it; documents left out are counted as
/// [`compute`] counts them without text.
pub fn units_for(
    snap: &ProjectSnapshot,
    scope: &Scope,
    text: impl FnMut(DocumentId) -> Result<String>,
) -> Result<HashMap<DocumentId, Units>> {
    let (_, documents) = in_scope(snap, scope);
    read_units(scope.unit, documents.iter().map(|d| d.id), text)
}

/// The units of these documents, reading text only when the unit needs it.
fn read_units(
    unit: AgreementUnit,
    documents: impl Iterator<Item = DocumentId>,
    mut text: impl FnMut(DocumentId) -> Result<String>,
) -> Result<HashMap<DocumentId, Units>> {
    let mut out = HashMap::new();
    if unit.needs_text() {
        for d in documents {
            out.insert(d, Units::of_text(unit, &text(d)?));
        }
    }
    Ok(out)
}

/// Sorts runs and merges those that overlap or touch.
pub fn merge_runs(mut runs: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    runs.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(runs.len());
    for (s, e) in runs {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// One (code, document) cell: for each combination of coders (a bit mask over
/// `Scope::coders`), how many units exactly that combination coded.
#[derive(Debug, Clone, Default, PartialEq)]
struct Cell {
    units: u64,
    /// Coders taking part.
    present: u64,
    /// (mask, units) for non-empty masks.
    masks: Vec<(u64, u64)>,
    /// Per coder: Σ|run|² + Σ|gap|, the unitized alpha's self-pairing weight.
    self_weight: Vec<u128>,
}

impl Cell {
    fn sweep(units: u64, present: u64, runs: &[Vec<(usize, usize)>]) -> Cell {
        let mut events: Vec<(usize, usize, bool)> = Vec::new();
        let mut self_weight = vec![0u128; runs.len()];
        for (i, coder_runs) in runs.iter().enumerate() {
            if present & (1 << i) == 0 {
                continue;
            }
            let mut coded = 0u128;
            for &(s, e) in coder_runs {
                events.push((s, i, true));
                events.push((e, i, false));
                let len = (e - s) as u128;
                coded += len;
                self_weight[i] += len * len;
            }
            self_weight[i] += units as u128 - coded;
        }
        events.sort_unstable_by_key(|&(at, i, on)| (at, on, i));
        let mut counts: BTreeMap<u64, u64> = BTreeMap::new();
        let mut mask = 0u64;
        let mut last = 0usize;
        for (at, i, on) in events {
            if at > last && mask != 0 {
                *counts.entry(mask).or_default() += (at - last) as u64;
            }
            last = at;
            if on {
                mask |= 1 << i;
            } else {
                mask &= !(1 << i);
            }
        }
        Cell {
            units,
            present,
            masks: counts.into_iter().collect(),
            self_weight,
        }
    }
}

/// Two coders' counts: the 2×2 table and the self-pairing weights.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Pair {
    a: u64,
    b: u64,
    c: u64,
    d: u64,
    s: u128,
}

/// Everything needed for every figure, added up over cells.
#[derive(Debug, Clone, Default)]
struct Tally {
    m: usize,
    /// Per pair (i < j), over cells where both take part.
    pairs: Vec<Pair>,
    /// Units with exactly k coders coding, over cells where all take part.
    hist: Vec<u64>,
    /// Per number of coders taking part (≥ 2): coincidence numerators
    /// (o_11, o_10, o_00) before dividing by m_u − 1.
    coincidences: BTreeMap<usize, [u128; 3]>,
    /// Σ self-pairing weights of the coders taking part, over cells with ≥ 2.
    s_all: u128,
}

fn pair_index(m: usize, i: usize, j: usize) -> usize {
    // Pairs in the order (0,1), (0,2), …, (1,2), …
    i * m - i * (i + 1) / 2 + (j - i - 1)
}

impl Tally {
    fn new(m: usize) -> Tally {
        Tally {
            m,
            pairs: vec![Pair::default(); m * (m - 1) / 2],
            hist: vec![0; m + 1],
            ..Tally::default()
        }
    }

    /// Adds another tally's sums to this one's (as if its cells were added).
    fn absorb(&mut self, other: &Tally) {
        for (t, p) in self.pairs.iter_mut().zip(&other.pairs) {
            t.a += p.a;
            t.b += p.b;
            t.c += p.c;
            t.d += p.d;
            t.s += p.s;
        }
        for (h, o) in self.hist.iter_mut().zip(&other.hist) {
            *h += o;
        }
        for (mu, o) in &other.coincidences {
            let mine = self.coincidences.entry(*mu).or_default();
            for (x, y) in mine.iter_mut().zip(o) {
                *x += y;
            }
        }
        self.s_all += other.s_all;
    }

    fn add(&mut self, cell: &Cell) {
        let m = self.m;
        let coded: u64 = cell.masks.iter().map(|&(_, n)| n).sum();
        for i in 0..m {
            for j in i + 1..m {
                let both = (1u64 << i) | (1 << j);
                if cell.present & both != both {
                    continue;
                }
                let mut p = Pair::default();
                for &(mask, n) in &cell.masks {
                    match (mask & (1 << i) != 0, mask & (1 << j) != 0) {
                        (true, true) => p.a += n,
                        (true, false) => p.b += n,
                        (false, true) => p.c += n,
                        (false, false) => {}
                    }
                }
                p.d = cell.units - p.a - p.b - p.c;
                p.s = cell.self_weight[i] + cell.self_weight[j];
                let t = &mut self.pairs[pair_index(m, i, j)];
                t.a += p.a;
                t.b += p.b;
                t.c += p.c;
                t.d += p.d;
                t.s += p.s;
            }
        }
        let all = if m == 64 { u64::MAX } else { (1u64 << m) - 1 };
        if cell.present == all {
            self.hist[0] += cell.units - coded;
            for &(mask, n) in &cell.masks {
                self.hist[mask.count_ones() as usize] += n;
            }
        }
        let mu = cell.present.count_ones() as usize;
        if mu >= 2 {
            let o = self.coincidences.entry(mu).or_default();
            let mut add_k = |k: usize, n: u64| {
                let (k, r, n) = (k as u128, (mu - k) as u128, n as u128);
                o[0] += n * k * k.saturating_sub(1);
                o[1] += n * k * r;
                o[2] += n * r * r.saturating_sub(1);
            };
            add_k(0, cell.units - coded);
            for &(mask, n) in &cell.masks {
                add_k(mask.count_ones() as usize, n);
            }
            self.s_all += (0..m)
                .filter(|&i| cell.present & (1 << i) != 0)
                .map(|i| cell.self_weight[i])
                .sum::<u128>();
        }
    }
}

const NO_UNITS: &str = "no units to compare (no coder took part, or the scope is empty)";
const NO_VARIATION: &str = "no variation: every unit has the same value for every coder";
const NOTHING_CODED: &str =
    "neither coder coded anything, and F1 and Jaccard leave out text neither coded";
const ONE_CODER: &str = "fewer than two coders coded any unit";
const PAIRS_ONLY: &str = "defined for two coders: see the rows of each pair";
const NO_PAIR: &str = "no pair of coders has a defined kappa";

fn ratio(num: i128, den: i128, why: &'static str) -> Figure {
    if den == 0 {
        Err(why)
    } else {
        Ok(num as f64 / den as f64)
    }
}

/// Fleiss' kappa, Brennan–Prediger and percent agreement from the histogram of
/// how many of `m` coders coded each unit.
fn from_histogram(hist: &[u64]) -> (Figure, Figure, Figure) {
    let m = hist.len() as i128 - 1;
    let units: i128 = hist.iter().map(|&h| h as i128).sum();
    if units == 0 {
        return (Err(NO_UNITS), Err(NO_UNITS), Err(NO_UNITS));
    }
    let percent = ratio(hist[0] as i128 + hist[m as usize] as i128, units, NO_UNITS);
    // P̄ = agree / total, P_e = expect / mm².
    let mut agree = 0i128;
    let mut ones = 0i128;
    for (k, &h) in hist.iter().enumerate() {
        let (k, h) = (k as i128, h as i128);
        agree += h * (k * (k - 1) + (m - k) * (m - k - 1));
        ones += h * k;
    }
    let total = units * m * (m - 1);
    let mm = units * m;
    let expect = ones * ones + (mm - ones) * (mm - ones);
    let fleiss = ratio(
        agree * mm * mm - expect * total,
        total * (mm * mm - expect),
        NO_VARIATION,
    );
    let bp = ratio(2 * agree - total, total, NO_UNITS);
    (percent, fleiss, bp)
}

/// Krippendorff's alpha and the unitized alpha from coincidence numerators
/// grouped by the number of coders taking part.
fn alphas(coincidences: &BTreeMap<usize, [u128; 3]>, s_all: u128) -> (Figure, Figure) {
    let (mut o11, mut o10, mut o00) = (0f64, 0f64, 0f64);
    // Exact when one group (the usual case): divide once at the end.
    for (&mu, o) in coincidences {
        let w = (mu - 1) as f64;
        o11 += o[0] as f64 / w;
        o10 += o[1] as f64 / w;
        o00 += o[2] as f64 / w;
    }
    if let Some((&mu, o)) = coincidences.iter().next()
        && coincidences.len() == 1
    {
        let w = (mu - 1) as i128;
        let (a, b, c) = (o[0] as i128, o[1] as i128, o[2] as i128);
        let n1 = a + b; // × w
        let n0 = b + c; // × w
        let n = n1 + n0; // × w
        if n == 0 {
            return (Err(ONE_CODER), Err(ONE_CODER));
        }
        // α = 1 − (n−1)·o10 / (n1·n0), in units of w.
        let alpha = if n1 == 0 || n0 == 0 {
            Err(NO_VARIATION)
        } else {
            let num = (n - w) * b;
            let den = n1 * n0;
            Ok(1.0 - num as f64 / den as f64)
        };
        // uα = 1 − o10·(l² − S)/(l·n1·n0), with l = n/w.
        let s = s_all as i128;
        let ualpha = if n1 == 0 || n0 == 0 {
            Err(NO_VARIATION)
        } else {
            let num = b * (n * n - s * w * w);
            let den = n * n1 * n0;
            if n * n == s * w * w {
                Err(NO_VARIATION)
            } else {
                Ok(1.0 - num as f64 / den as f64)
            }
        };
        return (alpha, ualpha);
    }
    let n1 = o11 + o10;
    let n0 = o10 + o00;
    let n = n1 + n0;
    if n == 0.0 {
        return (Err(ONE_CODER), Err(ONE_CODER));
    }
    if n1 == 0.0 || n0 == 0.0 {
        return (Err(NO_VARIATION), Err(NO_VARIATION));
    }
    let alpha = 1.0 - (n - 1.0) * o10 / (n1 * n0);
    let s = s_all as f64;
    let ualpha = 1.0 - o10 * (n * n - s) / (n * n1 * n0);
    (Ok(alpha), Ok(ualpha))
}

fn pair_row(p: &Pair) -> (Counts, Option<f64>, Option<f64>, Figures) {
    let (a, b, c, d) = (p.a as i128, p.b as i128, p.c as i128, p.d as i128);
    let n = a + b + c + d;
    let counts = Counts {
        units: n as u64,
        both: p.a,
        only_first: Some(p.b),
        only_second: Some(p.c),
        neither: p.d,
        first_coded: Some(p.a + p.b),
        second_coded: Some(p.a + p.c),
    };
    let (percent, fleiss, bp) = from_histogram(&[p.d, p.b + p.c, p.a]);
    let chance = (a + b) * (a + c) + (c + d) * (b + d);
    let cohen = if n == 0 {
        Err(NO_UNITS)
    } else {
        ratio(n * (a + d) - chance, n * n - chance, NO_VARIATION)
    };
    let mut coincidences = BTreeMap::new();
    if n > 0 {
        coincidences.insert(2, [2 * p.a as u128, (p.b + p.c) as u128, 2 * p.d as u128]);
    }
    let (alpha, ualpha) = alphas(&coincidences, p.s);
    let f1 = ratio(2 * a, 2 * a + b + c, NOTHING_CODED);
    let jaccard = ratio(a, a + b + c, NOTHING_CODED);
    let (observed, expected) = if n > 0 {
        let nn = (n * n) as f64;
        (Some((a + d) as f64 / n as f64), Some(chance as f64 / nn))
    } else {
        (None, None)
    };
    let figures = Figures {
        percent_agreement: percent,
        cohen_kappa: cohen,
        fleiss_kappa: fleiss,
        brennan_prediger: bp,
        krippendorff_alpha: alpha,
        unitized_alpha: ualpha,
        f1,
        jaccard,
    };
    (counts, observed, expected, figures)
}

/// The rows of one tally: one per pair, and with three or more coders one
/// for all of them.
fn rows_of(
    tally: &Tally,
    coders: &[CoderId],
    code: Option<CodeId>,
    document: Option<DocumentId>,
) -> Vec<Row> {
    let m = coders.len();
    let mut out = Vec::new();
    for i in 0..m {
        for j in i + 1..m {
            let (counts, observed, expected, figures) = pair_row(&tally.pairs[pair_index(m, i, j)]);
            out.push(Row {
                code,
                document,
                coders: vec![coders[i], coders[j]],
                kind: RowKind::Pooled,
                counts: Some(counts),
                observed,
                expected,
                figures,
            });
        }
    }
    if m >= 3 {
        let kappas: Vec<f64> = out
            .iter()
            .filter_map(|r| r.figures.cohen_kappa.ok())
            .collect();
        let cohen = if kappas.is_empty() {
            Err(NO_PAIR)
        } else {
            Ok(kappas.iter().sum::<f64>() / kappas.len() as f64)
        };
        let (percent, fleiss, bp) = from_histogram(&tally.hist);
        let (alpha, ualpha) = alphas(&tally.coincidences, tally.s_all);
        let units: u64 = tally.hist.iter().sum();
        out.push(Row {
            code,
            document,
            coders: coders.to_vec(),
            kind: RowKind::Pooled,
            counts: Some(Counts {
                units,
                both: tally.hist[m],
                neither: tally.hist[0],
                ..Counts::default()
            }),
            observed: None,
            expected: None,
            figures: Figures {
                percent_agreement: percent,
                cohen_kappa: cohen,
                fleiss_kappa: fleiss,
                brennan_prediger: bp,
                krippendorff_alpha: alpha,
                unitized_alpha: ualpha,
                f1: Err(PAIRS_ONLY),
                jaccard: Err(PAIRS_ONLY),
            },
        });
    }
    out
}

/// NVivo-style means of a code's per-document rows (same coders, same order).
fn mean_rows(per_document: &[&[Row]], code: Option<CodeId>) -> Vec<Row> {
    let Some(first) = per_document.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, template) in first.iter().enumerate() {
        for kind in [RowKind::MeanWeighted, RowKind::MeanUnweighted] {
            let mut figures = template.figures.clone();
            for (f, slot) in figures.named_mut().into_iter().enumerate() {
                let (mut sum, mut weight) = (0f64, 0f64);
                for rows in per_document {
                    let row = &rows[k];
                    let units = row.counts.map_or(0, |c| c.units) as f64;
                    if let Ok(v) = row.figures.named()[f].1 {
                        let w = if kind == RowKind::MeanWeighted {
                            units
                        } else {
                            1.0
                        };
                        if units > 0.0 {
                            sum += w * v;
                            weight += w;
                        }
                    }
                }
                *slot = if weight > 0.0 {
                    Ok(sum / weight)
                } else {
                    Err("undefined in every document")
                };
            }
            out.push(Row {
                code,
                document: None,
                coders: template.coders.clone(),
                kind,
                counts: None,
                observed: None,
                expected: None,
                figures,
            });
        }
    }
    out
}

/// The codes whose segments count for `code`.
fn code_set(tree: &CodeTree, code: CodeId, include: Include) -> Vec<CodeId> {
    let mut set = vec![code];
    match include {
        Include::Exact => {}
        Include::Children => set.extend_from_slice(tree.children(Some(code))),
        Include::Descendants => set.extend(tree.descendants(code)),
    }
    set.sort_unstable();
    set.dedup();
    set
}

/// Checks the scope against the project.
fn check_scope(snap: &ProjectSnapshot, scope: &Scope) -> Result<()> {
    if scope.coders.len() < 2 {
        return Err(Error::Invalid(
            "agreement needs at least two coders: name them with --coders A,B".into(),
        ));
    }
    if scope.coders.len() > 64 {
        return Err(Error::Invalid(
            "agreement compares at most 64 coders at once".into(),
        ));
    }
    let mut seen = scope.coders.clone();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != scope.coders.len() {
        return Err(Error::Invalid("a coder is named twice in --coders".into()));
    }
    for c in &scope.coders {
        if !snap.coders.iter().any(|k| k.id == *c) {
            return Err(Error::Invalid(format!("no coder with id {}", c.0)));
        }
    }
    Ok(())
}

/// One document's segments of the coders compared, by code: (coder's place
/// in the scope, range). Kept between documents so its lists are reused.
type OfDocument = rustc_hash::FxHashMap<CodeId, Vec<(usize, CharRange)>>;

/// Groups one document's segments by code, and says which coders (a bit
/// mask over their places) coded anything in it.
fn group_document(
    snap: &ProjectSnapshot,
    coders: &[CoderId],
    doc: DocumentId,
    into: &mut OfDocument,
) -> u64 {
    let of = snap
        .segments_of(doc)
        .iter()
        .filter_map(|s| Some((s.code, place(coders, s.coder)?, s.range)));
    group_segments(of, into)
}

/// A coder's place among those compared: found by looking along them
/// (at most 64, most often two), cheaper than hashing for every segment.
fn place(coders: &[CoderId], coder: CoderId) -> Option<usize> {
    coders.iter().position(|c| *c == coder)
}

/// Groups (code, coder's place, range) by code into `into`, and says which
/// coders (a bit mask over their places) have any.
fn group_segments(
    segments: impl Iterator<Item = (CodeId, usize, CharRange)>,
    into: &mut OfDocument,
) -> u64 {
    for v in into.values_mut() {
        v.clear();
    }
    let mut present = 0u64;
    for (code, i, range) in segments {
        present |= 1 << i;
        into.entry(code).or_default().push((i, range));
    }
    present
}

/// The codes and documents a scope names (every one when it names none).
fn in_scope<'a>(snap: &'a ProjectSnapshot, scope: &Scope) -> (Vec<CodeId>, Vec<&'a Document>) {
    let codes = match &scope.codes {
        Some(c) => c.clone(),
        None => snap.codes.in_tree_order(),
    };
    let documents = match &scope.documents {
        Some(ids) => ids.iter().filter_map(|d| snap.document(*d)).collect(),
        None => snap.documents.iter().collect(),
    };
    (codes, documents)
}

/// Computes every granularity at once. `units` gives each document's units
/// (see [`Units::of_text`]); a document missing from it is counted in
/// characters.
pub fn compute(
    snap: &ProjectSnapshot,
    scope: &Scope,
    units: &HashMap<DocumentId, Units>,
) -> Result<Report> {
    Ok(Live::compute(snap, scope, units)?.report)
}

/// What a report is computed from, taken from a snapshot: the codes and
/// documents in scope, and each document's segments (shared with the
/// snapshot, not copied: [`crate::model::Segments::share`]). It owns what it
/// holds, so that the computing ([`Live::from_coding`]) can go to another
/// thread while the window goes on changing the snapshot.
pub struct Coding {
    coders: Vec<CoderId>,
    unit: AgreementUnit,
    /// The codes in scope, each with the codes whose segments count for it.
    codes: Vec<(CodeId, Vec<CodeId>)>,
    /// The documents in scope, in report order, with their length.
    documents: Vec<(DocumentId, usize)>,
    /// Each document's segments, shared with the snapshot as they were
    /// when taken (taking them copies none).
    segments: Vec<std::sync::Arc<Vec<Segment>>>,
}

impl Coding {
    /// Takes from the snapshot what the scope's report is computed from.
    pub fn of(snap: &ProjectSnapshot, scope: &Scope) -> Result<Coding> {
        check_scope(snap, scope)?;
        let (codes, documents) = in_scope(snap, scope);
        Ok(Coding {
            coders: scope.coders.clone(),
            unit: scope.unit,
            codes: codes
                .into_iter()
                .map(|c| (c, code_set(&snap.codes, c, scope.include)))
                .collect(),
            segments: documents
                .iter()
                .map(|d| snap.segments.share(d.id))
                .collect(),
            documents: documents.iter().map(|d| (d.id, d.char_len)).collect(),
        })
    }

    /// Whether its units need the documents' text.
    pub fn needs_text(&self) -> bool {
        self.unit.needs_text()
    }

    /// How many segments its documents hold (of any coder).
    pub fn len(&self) -> usize {
        self.segments.iter().map(|v| v.len()).sum()
    }

    /// Whether its documents hold no segment.
    pub fn is_empty(&self) -> bool {
        self.segments.iter().all(|v| v.is_empty())
    }

    /// The units of its documents, reading text (through `text`) only when
    /// the unit needs it, as [`units_for`] gives them.
    pub fn units(
        &self,
        text: impl FnMut(DocumentId) -> Result<String>,
    ) -> Result<HashMap<DocumentId, Units>> {
        read_units(self.unit, self.documents.iter().map(|(d, _)| *d), text)
    }
}

/// A report kept with the cells it was added up from, one per code and
/// document in scope, so that a change to some documents' coding is taken
/// in by working out only those documents' cells again and adding up anew
/// the rows they count in ([`Live::update`]): what the Agreement tab keeps
/// while the coding changes under it. An updated report equals one computed
/// afresh, to the last bit: every sum is of integers, and every figure is
/// made from its sums as [`compute`] makes it.
pub struct Live {
    report: Report,
    coders: Vec<CoderId>,
    /// The codes in scope, each with the codes whose segments count for it.
    codes: Vec<(CodeId, Vec<CodeId>)>,
    /// The documents in scope, in report order, and where each one is.
    documents: Vec<DocumentId>,
    at: HashMap<DocumentId, usize>,
    /// Each document's units.
    units: Vec<Units>,
    /// The coders who coded anything in each document (a bit mask).
    present: Vec<u64>,
    /// Cell of code `c` in document `k` at `c × documents + k`.
    cells: Vec<Cell>,
    /// Each document's cells added up.
    per_document: Vec<Tally>,
}

impl Live {
    /// Computes every granularity, as [`compute`] does, and keeps the cells.
    pub fn compute(
        snap: &ProjectSnapshot,
        scope: &Scope,
        units: &HashMap<DocumentId, Units>,
    ) -> Result<Live> {
        Ok(Live::from_coding(Coding::of(snap, scope)?, units))
    }

    /// Computes every granularity from what [`Coding::of`] took, and keeps
    /// the cells. `units` gives each document's units; a document missing
    /// from it is counted in characters.
    pub fn from_coding(coding: Coding, units: &HashMap<DocumentId, Units>) -> Live {
        let Coding {
            coders,
            unit,
            codes,
            documents,
            segments,
        } = coding;
        let m = coders.len();
        let doc_units: Vec<Units> = documents
            .iter()
            .map(|(d, len)| match units.get(d) {
                Some(u) => u.clone(),
                None if unit == AgreementUnit::Document => Units::Whole,
                None => Units::Characters(*len),
            })
            .collect();
        let nd = documents.len();
        let mut live = Live {
            report: Report::default(),
            coders,
            cells: vec![Cell::default(); codes.len() * nd],
            codes,
            at: documents
                .iter()
                .enumerate()
                .map(|(k, d)| (d.0, k))
                .collect(),
            documents: documents.iter().map(|d| d.0).collect(),
            units: doc_units,
            present: vec![0; nd],
            per_document: vec![Tally::new(m); nd],
        };
        let mut of_doc = OfDocument::default();
        let mut runs = vec![Vec::new(); m];
        for (k, of) in segments.iter().enumerate() {
            let of = of
                .iter()
                .filter_map(|s| Some((s.code, place(&live.coders, s.coder)?, s.range)));
            live.present[k] = group_segments(of, &mut of_doc);
            for c in 0..live.codes.len() {
                live.cells[c * nd + k] = live.cell(c, k, &of_doc, &mut runs);
            }
        }
        // Every row, in report order.
        let rows = rows_per_tally(m);
        let mut by_code_document = Vec::with_capacity(live.cells.len() * rows);
        for c in 0..live.codes.len() {
            for k in 0..nd {
                by_code_document.extend(live.cell_rows(c, k));
            }
        }
        live.report.by_code_document = by_code_document;
        for k in 0..nd {
            live.per_document[k] = live.document_tally(k);
        }
        live.report.by_code = (0..live.codes.len())
            .flat_map(|c| live.code_rows(c))
            .collect();
        live.report.by_document = (0..nd)
            .flat_map(|k| {
                rows_of(
                    &live.per_document[k],
                    &live.coders,
                    None,
                    Some(live.documents[k]),
                )
            })
            .collect();
        live.add_up_overall();
        live
    }

    /// The report.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// A code's rows in each document, in report order (a slice of the
    /// report's `by_code_document`); none for a code not in scope.
    pub fn code_by_document(&self, code: CodeId) -> &[Row] {
        let Some(c) = self.codes.iter().position(|(id, _)| *id == code) else {
            return &[];
        };
        let n = self.documents.len() * rows_per_tally(self.coders.len());
        &self.report.by_code_document[c * n..(c + 1) * n]
    }

    /// Takes in a change that touched only the coding (segments) of
    /// `documents`, the snapshot being the one after it. Not for changes to
    /// the codes, the documents or the coders: compute the report again for
    /// those. Documents outside the scope are passed over.
    pub fn update(
        &mut self,
        snap: &ProjectSnapshot,
        documents: &std::collections::HashSet<DocumentId>,
    ) {
        let nd = self.documents.len();
        let nc = self.codes.len();
        let rows = rows_per_tally(self.coders.len());
        let mut codes_changed = vec![false; nc];
        let mut changed = false;
        let mut of_doc = OfDocument::default();
        let mut runs = vec![Vec::new(); self.coders.len()];
        for doc in documents {
            let Some(&k) = self.at.get(doc) else {
                continue;
            };
            self.present[k] = group_document(snap, &self.coders, *doc, &mut of_doc);
            let mut this_document = false;
            for (c, code_changed) in codes_changed.iter_mut().enumerate() {
                let cell = self.cell(c, k, &of_doc, &mut runs);
                if cell == self.cells[c * nd + k] {
                    continue;
                }
                self.cells[c * nd + k] = cell;
                let at = (c * nd + k) * rows;
                let new = self.cell_rows(c, k);
                self.report.by_code_document.splice(at..at + rows, new);
                *code_changed = true;
                this_document = true;
            }
            if this_document {
                changed = true;
                self.per_document[k] = self.document_tally(k);
                let at = k * rows;
                let new = rows_of(&self.per_document[k], &self.coders, None, Some(*doc));
                self.report.by_document.splice(at..at + rows, new);
            }
        }
        if !changed {
            return;
        }
        // A code's rows: its pooled rows, then (with documents) two means of each.
        let per_code = if nd == 0 { rows } else { 3 * rows };
        for c in (0..nc).filter(|&c| codes_changed[c]) {
            let at = c * per_code;
            let new = self.code_rows(c);
            self.report.by_code.splice(at..at + per_code, new);
        }
        self.add_up_overall();
    }

    /// The cell of code `c` in document `k`, from that document's segments.
    fn cell(
        &self,
        c: usize,
        k: usize,
        of_doc: &OfDocument,
        runs: &mut [Vec<(usize, usize)>],
    ) -> Cell {
        let u = &self.units[k];
        for r in runs.iter_mut() {
            r.clear();
        }
        for code in &self.codes[c].1 {
            for (coder, range) in of_doc.get(code).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(mapped) = u.map(*range) {
                    runs[*coder].push(mapped);
                }
            }
        }
        for r in runs.iter_mut() {
            *r = merge_runs(std::mem::take(r));
        }
        Cell::sweep(u.count() as u64, self.present[k], runs)
    }

    /// The rows of code `c` in document `k`.
    fn cell_rows(&self, c: usize, k: usize) -> Vec<Row> {
        let mut t = Tally::new(self.coders.len());
        t.add(&self.cells[c * self.documents.len() + k]);
        rows_of(
            &t,
            &self.coders,
            Some(self.codes[c].0),
            Some(self.documents[k]),
        )
    }

    /// Document `k`'s cells added up.
    fn document_tally(&self, k: usize) -> Tally {
        let nd = self.documents.len();
        let mut t = Tally::new(self.coders.len());
        for c in 0..self.codes.len() {
            t.add(&self.cells[c * nd + k]);
        }
        t
    }

    /// Code `c`'s rows: pooled over the documents, then its two means.
    fn code_rows(&self, c: usize) -> Vec<Row> {
        let nd = self.documents.len();
        let mut t = Tally::new(self.coders.len());
        for cell in &self.cells[c * nd..(c + 1) * nd] {
            t.add(cell);
        }
        let code = Some(self.codes[c].0);
        let mut out = rows_of(&t, &self.coders, code, None);
        let rows = rows_per_tally(self.coders.len());
        let start = c * nd * rows;
        let per_document: Vec<&[Row]> = self.report.by_code_document[start..start + nd * rows]
            .chunks(rows)
            .collect();
        out.extend(mean_rows(&per_document, code));
        out
    }

    /// The overall rows and the documents left out, from the documents' tallies.
    fn add_up_overall(&mut self) {
        let mut overall = Tally::new(self.coders.len());
        for t in &self.per_document {
            overall.absorb(t);
        }
        self.report.overall = rows_of(&overall, &self.coders, None, None);
        self.report.absent.clear();
        for (k, d) in self.documents.iter().enumerate() {
            for (i, c) in self.coders.iter().enumerate() {
                if self.present[k] & (1 << i) == 0 {
                    self.report.absent.push((*d, *c));
                }
            }
        }
    }
}

/// How many rows one tally makes: one per pair, and with three or more
/// coders one for all of them ([`rows_of`]).
fn rows_per_tally(m: usize) -> usize {
    m * (m - 1) / 2 + usize::from(m >= 3)
}

/// The figures of one stretch of `units` units that every coder took part
/// in, given each coder's runs (in unit coordinates): pairs first, then (with
/// three or more coders) the row for all of them. For tests and quick checks.
pub fn figures_of_runs(units: usize, runs: &[Vec<(usize, usize)>]) -> Figures {
    let m = runs.len();
    let merged: Vec<_> = runs.iter().cloned().map(merge_runs).collect();
    let all = if m == 64 { u64::MAX } else { (1u64 << m) - 1 };
    let mut t = Tally::new(m);
    t.add(&Cell::sweep(units as u64, all, &merged));
    let coders: Vec<CoderId> = (0..m as i64).map(CoderId).collect();
    rows_of(&t, &coders, None, None)
        .pop()
        .map(|r| r.figures)
        .expect("at least two coders")
}

/// A stretch where two coders' coding of one code differs: a connected piece
/// of the union of both coders' runs in which they are not the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// The document.
    pub document: DocumentId,
    /// The code (as scoped: with its children or descendants if asked).
    pub code: CodeId,
    /// The whole stretch: the union of both versions.
    pub range: CharRange,
    /// The first coder's runs inside it.
    pub first: Vec<CharRange>,
    /// The second coder's runs inside it.
    pub second: Vec<CharRange>,
    /// Code points coded by one coder and not the other.
    pub differing: usize,
}

impl Disagreement {
    /// The code points both coded.
    pub fn overlap(&self) -> Vec<CharRange> {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.first.len() && j < self.second.len() {
            let (a, b) = (self.first[i], self.second[j]);
            let (s, e) = (a.start.max(b.start), a.end.min(b.end));
            if s < e {
                out.push(CharRange::new(s, e));
            }
            if a.end < b.end {
                i += 1;
            } else {
                j += 1;
            }
        }
        out
    }

    /// The union of both versions, as runs.
    pub fn union(&self) -> Vec<CharRange> {
        let runs = self
            .first
            .iter()
            .chain(&self.second)
            .map(|r| (r.start, r.end))
            .collect();
        merge_runs(runs)
            .into_iter()
            .map(|(s, e)| CharRange::new(s, e))
            .collect()
    }
}

/// The disagreements between two coders on the codes and documents in scope
/// (in code points, whatever the scope's unit), largest first.
pub fn disagreements(
    snap: &ProjectSnapshot,
    first: CoderId,
    second: CoderId,
    scope: &Scope,
) -> Vec<Disagreement> {
    stretches(snap, first, second, scope, false)
}

/// Every stretch of the union of two coders' coding, agreed ones too (with
/// `differing` 0), largest disagreement first: what a consensus is made from.
pub fn stretches(
    snap: &ProjectSnapshot,
    first: CoderId,
    second: CoderId,
    scope: &Scope,
    with_agreed: bool,
) -> Vec<Disagreement> {
    let (codes, documents) = in_scope(snap, scope);
    let sets: Vec<Vec<CodeId>> = codes
        .iter()
        .map(|&c| code_set(&snap.codes, c, scope.include))
        .collect();
    let mut of_doc = OfDocument::default();
    let mut out = Vec::new();
    // A document at a time, its codes in order: after the stable sort
    // below, the same order as taking each code over every document.
    for d in &documents {
        if group_document(snap, &[first, second], d.id, &mut of_doc) == 0 {
            continue;
        }
        for (&code, set) in codes.iter().zip(&sets) {
            let mut runs = [Vec::new(), Vec::new()];
            for c in set {
                for (coder, r) in of_doc.get(c).map(Vec::as_slice).unwrap_or(&[]) {
                    runs[*coder].push((r.start, r.end));
                }
            }
            let [a, b] = runs.map(merge_runs);
            out.extend(components(d.id, code, &a, &b, with_agreed));
        }
    }
    out.sort_by(|x, y| {
        y.differing
            .cmp(&x.differing)
            .then(x.document.cmp(&y.document))
            .then(x.range.start.cmp(&y.range.start))
    });
    out
}

/// The connected pieces of `a ∪ b` in which `a` and `b` differ.
fn components(
    doc: DocumentId,
    code: CodeId,
    a: &[(usize, usize)],
    b: &[(usize, usize)],
    with_agreed: bool,
) -> Vec<Disagreement> {
    let all = merge_runs(a.iter().chain(b).copied().collect());
    let mut out = Vec::new();
    let inside = |runs: &[(usize, usize)], s: usize, e: usize| -> Vec<CharRange> {
        runs.iter()
            .filter(|r| r.0 >= s && r.1 <= e)
            .map(|r| CharRange::new(r.0, r.1))
            .collect()
    };
    for (s, e) in all {
        let first = inside(a, s, e);
        let second = inside(b, s, e);
        if first == second && !with_agreed {
            continue;
        }
        let len = |v: &[CharRange]| v.iter().map(CharRange::len).sum::<usize>();
        let mut d = Disagreement {
            document: doc,
            code,
            range: CharRange::new(s, e),
            first,
            second,
            differing: 0,
        };
        d.differing = len(&d.first) + len(&d.second) - 2 * len(&d.overlap());
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: u64, b: u64, c: u64, d: u64) -> Figures {
        pair_row(&Pair { a, b, c, d, s: 0 }).3
    }

    #[test]
    fn nvivo_example() {
        // A = [0,150), B = [0,50) ∪ [150,200) in 1,000 characters.
        let f = pair(50, 100, 50, 800);
        assert!((f.percent_agreement.unwrap() - 0.85).abs() < 1e-12);
        assert!((f.cohen_kappa.unwrap() - 0.318_181_818_181_818).abs() < 1e-12);
        assert!((f.krippendorff_alpha.unwrap() - 0.314_628_571_428_571_5).abs() < 1e-12);
    }

    #[test]
    fn no_variation_is_undefined() {
        let f = pair(0, 0, 0, 100);
        assert_eq!(f.cohen_kappa, Err(NO_VARIATION));
        assert_eq!(f.f1, Err(NOTHING_CODED));
        assert_eq!(f.percent_agreement, Ok(1.0));
    }

    #[test]
    fn pair_index_is_dense() {
        let m = 5;
        let mut seen = Vec::new();
        for i in 0..m {
            for j in i + 1..m {
                seen.push(pair_index(m, i, j));
            }
        }
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
    }

    use crate::test_rng::Rng;

    /// Codes 1 (with children 2 and 3) and 4; coders 1 to 3; documents 1
    /// to 8 of 300 characters (the last one, empty, of none).
    fn project(segments: &[Segment]) -> ProjectSnapshot {
        let code = |id: i64, parent: Option<i64>| Code {
            id: CodeId(id),
            guid: format!("c{id}"),
            parent: parent.map(CodeId),
            name: format!("C{id}"),
            color: "#808080".into(),
            description: String::new(),
            position: id,
            memo: String::new(),
            short_definition: String::new(),
            when_to_use: String::new(),
            when_not_to_use: String::new(),
        };
        let mut s = ProjectSnapshot {
            documents: (1..=8)
                .map(|id| Document {
                    id: DocumentId(id),
                    guid: format!("d{id}"),
                    name: format!("D{id}"),
                    participant: None,
                    char_len: if id == 8 { 0 } else { 300 },
                    source_file: String::new(),
                    encoding: String::new(),
                    imported_at: String::new(),
                    memo: String::new(),
                })
                .collect(),
            codes: CodeTree::new(vec![
                code(1, None),
                code(2, Some(1)),
                code(3, Some(1)),
                code(4, None),
            ]),
            coders: (1..=3)
                .map(|id| Coder {
                    id: CoderId(id),
                    guid: format!("k{id}"),
                    name: format!("K{id}"),
                })
                .collect(),
            segments: segments.to_vec().into(),
            ..Default::default()
        };
        s.compute_stats();
        s
    }

    fn segment(id: i64, rng: &mut Rng) -> Segment {
        let start = 20 * rng.below(14);
        Segment {
            id: SegmentId(id),
            guid: format!("g{id}"),
            // Document 7 is coded by no one at first.
            document: DocumentId(1 + rng.below(6) as i64),
            code: CodeId(1 + rng.below(4) as i64),
            range: CharRange::new(start, start + 1 + rng.below(60)),
            coder: CoderId(1 + rng.below(3) as i64),
            created_at: String::new(),
            memo: String::new(),
            exemplar: false,
        }
    }

    /// A report kept live through changes to a few documents' coding at a
    /// time equals, bit for bit, the report computed afresh after each:
    /// two and three coders, every way of counting parent codes, character
    /// and paragraph units, every document or some, and a coder taking
    /// part in a document for the first time (or no longer).
    #[test]
    fn a_live_report_equals_one_computed_afresh() {
        let mut rng = Rng(11);
        let text = "One line.\n\nAnother, longer line of text here.\n".repeat(8);
        let paragraphs: HashMap<DocumentId, Units> = (1..=8)
            .map(|d| {
                (
                    DocumentId(d),
                    Units::of_text(AgreementUnit::Paragraph, &text),
                )
            })
            .collect();
        for (case, coders) in [vec![1, 2], vec![1, 2, 3], vec![3, 1]]
            .into_iter()
            .enumerate()
        {
            for include in [Include::Exact, Include::Children, Include::Descendants] {
                for (unit, units) in [
                    (AgreementUnit::Character, HashMap::new()),
                    (AgreementUnit::Paragraph, paragraphs.clone()),
                ] {
                    let scope = Scope {
                        coders: coders.iter().map(|&c| CoderId(c)).collect(),
                        codes: (case == 2).then(|| vec![CodeId(4), CodeId(1)]),
                        documents: (case == 2)
                            .then(|| vec![DocumentId(2), DocumentId(7), DocumentId(5)]),
                        unit,
                        include,
                    };
                    let mut rows: Vec<Segment> =
                        (1..=120).map(|id| segment(id, &mut rng)).collect();
                    let mut next = 121;
                    let mut live = Live::compute(&project(&rows), &scope, &units).unwrap();
                    for round in 0..40 {
                        let mut touched = std::collections::HashSet::new();
                        for _ in 0..1 + rng.below(3) {
                            if rng.below(2) == 0 || rows.is_empty() {
                                let mut s = segment(next, &mut rng);
                                next += 1;
                                if rng.below(5) == 0 {
                                    s.document = DocumentId(7);
                                }
                                touched.insert(s.document);
                                rows.push(s);
                            } else {
                                let gone = rows.remove(rng.below(rows.len()));
                                touched.insert(gone.document);
                            }
                        }
                        if round % 10 == 9 {
                            // Everything document 7 has goes.
                            rows.retain(|s| s.document != DocumentId(7));
                            touched.insert(DocumentId(7));
                        }
                        let snap = project(&rows);
                        live.update(&snap, &touched);
                        let fresh = compute(&snap, &scope, &units).unwrap();
                        assert_eq!(
                            *live.report(),
                            fresh,
                            "coders {coders:?}, {include:?}, {unit:?}, round {round}"
                        );
                        for code in (1..=5).map(CodeId) {
                            let rows: Vec<&Row> = fresh
                                .by_code_document
                                .iter()
                                .filter(|r| r.code == Some(code))
                                .collect();
                            let got: Vec<&Row> = live.code_by_document(code).iter().collect();
                            assert_eq!(got, rows, "code {code:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn sweep_counts_combinations() {
        let runs = vec![vec![(0, 150)], vec![(0, 50), (150, 200)]];
        let c = Cell::sweep(1000, 0b11, &runs);
        assert_eq!(c.masks, vec![(0b01, 100), (0b10, 50), (0b11, 50)]);
    }
}
