//! Data matrices: codes crossed with participant attributes, participants,
//! documents or other codes, the step that turns coding into findings.
//!
//! Everything here is a pure function of a [`ProjectSnapshot`] (plus speaker
//! turns for co-occurrence by turn). A [`Matrix`] keeps, for every cell, the
//! segments in it and the participants they come from, so every measure (counts,
//! participants, percent of the column's participants, coded characters, the
//! quotes themselves) is read from the same cell, in the CLI, the exports and the
//! window alike.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::*;

/// What the cells count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Number of segments.
    Segments,
    /// Number of distinct participants with the code.
    Participants,
    /// Percent of the column's participants with the code.
    Percent,
    /// Code points covered (overlaps counted once).
    Chars,
    /// The coded quotes (their number, where a number is wanted).
    Quotes,
}

/// When two segments co-occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CoOccurrence {
    /// Their ranges overlap.
    #[default]
    Overlap,
    /// They start in the same speaker turn.
    Turn,
    /// They are in the same document.
    Document,
}

/// How an attribute's values become columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Grouping {
    /// One column per distinct value.
    Values,
    /// Numeric bins, inclusive at both ends, each with its label.
    Bins(Vec<(String, f64, f64)>),
    /// Dates by year.
    Year,
    /// Dates by month.
    Month,
}

/// What the columns are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Columns {
    /// The values (or groups of values) of one attribute.
    Attribute(AttributeId, Grouping),
    /// One column per participant.
    Participants,
    /// One column per document.
    Documents,
    /// The codes again: code co-occurrence.
    Codes(CoOccurrence),
}

/// A condition on a participant's attribute value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    /// Equal to this value.
    Equals(String),
    /// One of these values.
    In(Vec<String>),
    /// Within this range (numbers or dates), inclusive; either end may be open.
    Range(Option<String>, Option<String>),
}

/// Which data go into the matrix.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    /// Only participants whose values meet all these conditions.
    pub attributes: Vec<(AttributeId, Condition)>,
    /// Only these documents (all when `None`).
    pub documents: Option<HashSet<DocumentId>>,
    /// Only these coders' segments (all when `None`).
    pub coders: Option<HashSet<CoderId>>,
}

/// A matrix to compute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixSpec {
    /// Rows: codes down to this depth (1 = top level); all codes when `None`.
    pub depth: Option<usize>,
    /// A code counts its children's segments too (a participant once).
    pub rollup: bool,
    /// What the columns are.
    pub columns: Columns,
    /// Which data go in.
    pub filters: Filters,
}

/// One cell: the segments in it and who they come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    /// The segments, in document order (by document, then start).
    pub segments: Vec<SegmentId>,
    /// The participants they come from.
    pub participants: BTreeSet<ParticipantId>,
    /// Code points covered, overlaps counted once.
    pub chars: usize,
}

/// A column: its heading and how many participants it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// The heading: a value, a group, a participant, a document or a code path.
    pub label: String,
    /// Participants in scope that the column stands for (the base of percent).
    pub participants: usize,
}

/// A computed matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Row codes with their paths, in tree order.
    pub rows: Vec<(CodeId, String)>,
    /// Columns.
    pub columns: Vec<Column>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Cell>>,
    /// One per row: everything of the row, whatever column.
    pub row_totals: Vec<Cell>,
    /// One per column: everything of the column, whatever row (each segment once).
    pub column_totals: Vec<Cell>,
    /// Everything in the matrix.
    pub total: Cell,
    /// Participants in scope (the base of the totals' percent).
    pub scope_participants: usize,
    /// Whether parents count their children's segments.
    pub rollup: bool,
}

impl Matrix {
    /// A cell's value for a measure; `column` is `None` for a row total.
    pub fn value(&self, cell: &Cell, column: Option<usize>, measure: Measure) -> f64 {
        match measure {
            Measure::Segments | Measure::Quotes => cell.segments.len() as f64,
            Measure::Participants => cell.participants.len() as f64,
            Measure::Chars => cell.chars as f64,
            Measure::Percent => {
                let base = column.map_or(self.scope_participants, |c| self.columns[c].participants);
                if base == 0 {
                    0.0
                } else {
                    100.0 * cell.participants.len() as f64 / base as f64
                }
            }
        }
    }

    /// The largest cell value, for shading.
    pub fn max_value(&self, measure: Measure) -> f64 {
        let mut max = 0.0f64;
        for row in &self.cells {
            for (c, cell) in row.iter().enumerate() {
                max = max.max(self.value(cell, Some(c), measure));
            }
        }
        max
    }
}

/// Checks a participant's value against a condition, by the attribute's kind.
/// Whether a participant's stored value meets a condition.
pub fn meets(kind: AttributeKind, value: Option<&str>, condition: &Condition) -> bool {
    let Some(v) = value else { return false };
    let norm = |s: &str| kind.normalise(s).unwrap_or_else(|| s.trim().to_string());
    match condition {
        Condition::Equals(x) => norm(x) == v,
        Condition::In(xs) => xs.iter().any(|x| norm(x) == v),
        Condition::Range(lo, hi) => {
            let cmp = |a: &str, b: &str| -> std::cmp::Ordering {
                match (a.parse::<f64>(), b.parse::<f64>()) {
                    (Ok(x), Ok(y)) if kind == AttributeKind::Number => x.total_cmp(&y),
                    _ => a.cmp(b),
                }
            };
            lo.as_deref().is_none_or(|l| cmp(v, &norm(l)).is_ge())
                && hi.as_deref().is_none_or(|h| cmp(v, &norm(h)).is_le())
        }
    }
}

/// Parses bins such as `26-35,36-45,46-60` or `-10--1,0-9` (labels are the
/// two numbers as given, joined by an en dash: `26–35`). Empty entries, a bin that ends before it starts and bins that
/// overlap are refused: each participant must fall into one bin only.
pub fn parse_bins(text: &str) -> Result<Vec<(String, f64, f64)>> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.iter().all(|p| p.is_empty()) {
        return Err(Error::Invalid(
            "--bins needs at least one bin, e.g. 26-35,36-45".into(),
        ));
    }
    let mut bins = Vec::new();
    for b in parts {
        if b.is_empty() {
            return Err(Error::Invalid(format!(
                "--bins \"{text}\" has an empty bin; separate bins by single commas"
            )));
        }
        // The separator is a dash that is not a number's minus sign: try each
        // one after the first character until both sides are numbers.
        let split = b
            .char_indices()
            .filter(|&(i, c)| i > 0 && (c == '-' || c == '–'))
            .find_map(|(i, c)| {
                let (l, h) = (b[..i].trim(), b[i + c.len_utf8()..].trim());
                let (lo, hi) = (l.parse::<f64>().ok()?, h.parse::<f64>().ok()?);
                (lo.is_finite() && hi.is_finite()).then(|| (format!("{l}–{h}"), lo, hi))
            });
        let Some((label, lo, hi)) = split else {
            return Err(Error::Invalid(format!(
                "bin \"{b}\" is not of the form LOW-HIGH with two numbers, e.g. 26-35 or -10--1"
            )));
        };
        if hi < lo {
            return Err(Error::Invalid(format!("bin \"{b}\" ends before it starts")));
        }
        bins.push((label, lo, hi));
    }
    let mut sorted: Vec<&(String, f64, f64)> = bins.iter().collect();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
    for w in sorted.windows(2) {
        if w[1].1 <= w[0].2 {
            return Err(Error::Invalid(format!(
                "bins \"{}\" and \"{}\" overlap; a participant would fall into both",
                w[0].0, w[1].0
            )));
        }
    }
    Ok(bins)
}

/// Finds an attribute by name: exactly, else ignoring case.
pub fn find_attribute<'a>(attributes: &'a [Attribute], name: &str) -> Result<&'a Attribute> {
    let name = name.trim();
    attributes
        .iter()
        .find(|a| a.name == name)
        .or_else(|| {
            attributes
                .iter()
                .find(|a| a.name.to_lowercase() == name.to_lowercase())
        })
        .ok_or_else(|| {
            Error::Invalid(format!(
                "no attribute \"{name}\"; the project has: {}",
                attributes
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// Parses `--where` conditions (`ATTR=VALUE`, `ATTR=A|B`, `ATTR=LOW..HIGH`
/// with either end open) against the attributes. The one parser for
/// `segments`, `matrix` and `framework`. A value that cannot be the
/// attribute's type (`Age=abc`, an impossible date), a range on a text
/// attribute, or a range that ends before it starts is an error, never an
/// empty result.
pub fn parse_where(
    attributes: &[Attribute],
    filters: &[String],
) -> Result<Vec<(AttributeId, Condition)>> {
    let mut out = Vec::new();
    for f in filters {
        let Some((name, value)) = f.split_once('=') else {
            return Err(Error::Invalid(format!(
                "--where takes ATTR=VALUE, ATTR=A|B or ATTR=LOW..HIGH; got \"{f}\""
            )));
        };
        let a = find_attribute(attributes, name)?;
        let typed = |v: &str| -> Result<String> {
            a.kind.normalise(v).ok_or_else(|| {
                Error::Invalid(format!(
                    "--where {f}: \"{}\" is not a {} value for \"{}\"{}",
                    v.trim(),
                    a.kind.as_str(),
                    a.name,
                    match a.kind {
                        AttributeKind::Date => " (dates are YYYY-MM-DD and must exist)",
                        AttributeKind::Bool => " (yes or no)",
                        _ => "",
                    }
                ))
            })
        };
        let value = value.trim();
        let condition = if let Some((lo, hi)) = value.split_once("..") {
            if !matches!(a.kind, AttributeKind::Number | AttributeKind::Date) {
                return Err(Error::Invalid(format!(
                    "--where {f}: a range needs a number or date attribute, and \"{}\" is {}; use A|B for a set of values",
                    a.name,
                    a.kind.as_str()
                )));
            }
            let side = |s: &str| -> Result<Option<String>> {
                Ok(if s.trim().is_empty() {
                    None
                } else {
                    Some(typed(s)?)
                })
            };
            let (lo, hi) = (side(lo)?, side(hi)?);
            if lo.is_none() && hi.is_none() {
                return Err(Error::Invalid(format!(
                    "--where {f}: give at least one end of the range, e.g. {}=30..45",
                    a.name
                )));
            }
            if let (Some(l), Some(h)) = (&lo, &hi) {
                let backwards = match a.kind {
                    AttributeKind::Number => {
                        l.parse::<f64>().unwrap_or(0.0) > h.parse::<f64>().unwrap_or(0.0)
                    }
                    _ => l > h,
                };
                if backwards {
                    return Err(Error::Invalid(format!(
                        "--where {f}: the range ends before it starts; write {}={h}..{l}",
                        a.name
                    )));
                }
            }
            Condition::Range(lo, hi)
        } else if value.contains('|') {
            Condition::In(value.split('|').map(typed).collect::<Result<_>>()?)
        } else {
            Condition::Equals(typed(value)?)
        };
        out.push((a.id, condition));
    }
    Ok(out)
}

const NO_VALUE: &str = "(no value)";
const OTHER: &str = "(other)";

/// Orders attribute values for columns: numbers by value, the rest as text.
fn sort_values(kind: AttributeKind, values: &mut [String]) {
    values.sort_by(|a, b| match (kind, a.parse::<f64>(), b.parse::<f64>()) {
        (AttributeKind::Number, Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    });
}

/// Computes a matrix. `turns` is needed only for co-occurrence by turn.
pub fn compute(
    snap: &ProjectSnapshot,
    spec: &MatrixSpec,
    turns: &HashMap<DocumentId, Vec<Turn>>,
) -> Result<Matrix> {
    let tree = &snap.codes;
    // Participants in scope.
    let mut kinds = HashMap::new();
    for a in &snap.attributes {
        kinds.insert(a.id, a.kind);
    }
    for (a, _) in &spec.filters.attributes {
        if !kinds.contains_key(a) {
            return Err(Error::Invalid(
                "a filter names an attribute the project does not have".into(),
            ));
        }
    }
    let in_scope: BTreeSet<ParticipantId> = snap
        .participants
        .iter()
        .filter(|p| {
            spec.filters.attributes.iter().all(|(a, c)| {
                meets(
                    kinds[a],
                    snap.values.get(&(p.id, *a)).map(String::as_str),
                    c,
                )
            })
        })
        .map(|p| p.id)
        .collect();
    let documents: Vec<&Document> = snap
        .documents
        .iter()
        .filter(|d| {
            spec.filters
                .documents
                .as_ref()
                .is_none_or(|set| set.contains(&d.id))
        })
        .filter(|d| d.participant.is_some_and(|p| in_scope.contains(&p)))
        .collect();
    let doc_participant: HashMap<DocumentId, ParticipantId> = documents
        .iter()
        .filter_map(|d| Some((d.id, d.participant?)))
        .collect();

    // Rows, and for each code the rows its segments count in.
    let rows: Vec<(CodeId, String)> = tree
        .in_tree_order()
        .into_iter()
        .filter(|&c| spec.depth.is_none_or(|d| tree.depth(c) <= d))
        .map(|c| (c, tree.path(c)))
        .collect();
    let row_of: HashMap<CodeId, usize> =
        rows.iter().enumerate().map(|(i, (c, _))| (*c, i)).collect();
    let rows_for = |code: CodeId| -> Vec<usize> {
        let mut out = Vec::new();
        if let Some(&r) = row_of.get(&code) {
            out.push(r);
        }
        if spec.rollup {
            let mut cur = tree.get(code).and_then(|c| c.parent);
            while let Some(p) = cur {
                if let Some(&r) = row_of.get(&p) {
                    out.push(r);
                }
                cur = tree.get(p).and_then(|c| c.parent);
            }
        }
        // Without roll-up, a code below the chosen depth counts in no row.
        out
    };
    // Each code's rows, once.
    let code_rows: HashMap<CodeId, Vec<usize>> = tree
        .codes()
        .iter()
        .map(|c| (c.id, rows_for(c.id)))
        .collect();

    // Segments in scope.
    let segments: Vec<&Segment> = snap
        .segments
        .iter()
        .filter(|s| doc_participant.contains_key(&s.document))
        .filter(|s| {
            spec.filters
                .coders
                .as_ref()
                .is_none_or(|set| set.contains(&s.coder))
        })
        .collect();
    // Per segment (by index into `segments`, which keeps the snapshot's order by
    // document and start): its rows and its participant.
    let seg_rows: Vec<&[usize]> = segments
        .iter()
        .map(|s| code_rows.get(&s.code).map_or(&[][..], Vec::as_slice))
        .collect();
    let seg_participant: Vec<ParticipantId> = segments
        .iter()
        .map(|s| doc_participant[&s.document])
        .collect();

    // Columns and each participant's (or document's) column.
    let mut columns: Vec<Column> = Vec::new();
    let mut column_of_participant: HashMap<ParticipantId, usize> = HashMap::new();
    let mut column_of_document: HashMap<DocumentId, usize> = HashMap::new();
    match &spec.columns {
        Columns::Attribute(attribute, grouping) => {
            let kind = *kinds
                .get(attribute)
                .ok_or_else(|| Error::Invalid("the columns' attribute does not exist".into()))?;
            let key = |v: &str| -> String {
                match grouping {
                    Grouping::Values => v.to_string(),
                    Grouping::Year => v.get(..4).unwrap_or(v).to_string(),
                    Grouping::Month => v.get(..7).unwrap_or(v).to_string(),
                    Grouping::Bins(bins) => match v.parse::<f64>() {
                        Ok(n) => bins
                            .iter()
                            .find(|(_, lo, hi)| *lo <= n && n <= *hi)
                            .map_or(OTHER.to_string(), |b| b.0.clone()),
                        Err(_) => OTHER.to_string(),
                    },
                }
            };
            let mut labels: Vec<String> = Vec::new();
            let mut key_of: HashMap<ParticipantId, String> = HashMap::new();
            for p in &in_scope {
                let k = snap
                    .values
                    .get(&(*p, *attribute))
                    .map_or(NO_VALUE.to_string(), |v| key(v));
                if !labels.contains(&k) {
                    labels.push(k.clone());
                }
                key_of.insert(*p, k);
            }
            match grouping {
                Grouping::Bins(bins) => {
                    let order: Vec<&String> = bins.iter().map(|b| &b.0).collect();
                    let mut ordered: Vec<String> = order.iter().map(|s| (*s).clone()).collect();
                    for l in &labels {
                        if !ordered.contains(l) {
                            ordered.push(l.clone());
                        }
                    }
                    labels = ordered;
                }
                _ => {
                    labels.retain(|l| l != NO_VALUE);
                    sort_values(kind, &mut labels);
                    if key_of.values().any(|k| k == NO_VALUE) {
                        labels.push(NO_VALUE.into());
                    }
                }
            }
            for l in &labels {
                columns.push(Column {
                    label: l.clone(),
                    participants: key_of.values().filter(|k| *k == l).count(),
                });
            }
            for (p, k) in key_of {
                column_of_participant.insert(
                    p,
                    labels.iter().position(|l| *l == k).expect("label listed"),
                );
            }
        }
        Columns::Participants => {
            for p in snap
                .participants
                .iter()
                .filter(|p| in_scope.contains(&p.id))
            {
                column_of_participant.insert(p.id, columns.len());
                columns.push(Column {
                    label: p.name.clone(),
                    participants: 1,
                });
            }
        }
        Columns::Documents => {
            for d in &documents {
                column_of_document.insert(d.id, columns.len());
                columns.push(Column {
                    label: d.name.clone(),
                    participants: 1,
                });
            }
        }
        Columns::Codes(_) => {
            for (_, path) in &rows {
                columns.push(Column {
                    label: path.clone(),
                    participants: in_scope.len(),
                });
            }
        }
    }

    let n_rows = rows.len();
    let n_cols = columns.len();
    // Cells hold indices into `segments`. Pushed in index order, they come out
    // sorted and without duplicates, except for co-occurrence (sorted below).
    let mut cell_sets: Vec<Vec<Vec<u32>>> = vec![vec![Vec::new(); n_cols]; n_rows];
    let mut row_sets: Vec<Vec<u32>> = vec![Vec::new(); n_rows];
    let mut in_any_row: Vec<u32> = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        let rs = seg_rows[i];
        if rs.is_empty() {
            continue;
        }
        let i = i as u32;
        in_any_row.push(i);
        for &r in rs {
            row_sets[r].push(i);
        }
        let col = match &spec.columns {
            Columns::Attribute(..) | Columns::Participants => column_of_participant
                .get(&seg_participant[i as usize])
                .copied(),
            Columns::Documents => column_of_document.get(&s.document).copied(),
            Columns::Codes(_) => None,
        };
        if let Some(c) = col {
            for &r in rs {
                cell_sets[r][c].push(i);
            }
        }
    }
    if let Columns::Codes(mode) = &spec.columns {
        // Segments of one document are consecutive, sorted by start.
        let mut start = 0;
        while start < segments.len() {
            let doc = segments[start].document;
            let end = start
                + segments[start..]
                    .iter()
                    .take_while(|s| s.document == doc)
                    .count();
            if *mode == CoOccurrence::Overlap {
                for i in start..end {
                    for j in i + 1..end {
                        if segments[j].range.start >= segments[i].range.end {
                            break;
                        }
                        for &x in seg_rows[i] {
                            for &y in seg_rows[j] {
                                cell_sets[x][y].push(i as u32);
                                cell_sets[y][x].push(j as u32);
                            }
                        }
                    }
                }
            } else {
                // By turn or document: count each row's segments per group; a
                // segment co-occurs with a row when the group holds one of that
                // row's segments other than itself.
                let doc_turns = turns.get(&doc).map(Vec::as_slice).unwrap_or(&[]);
                let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
                for (i, seg) in segments.iter().enumerate().take(end).skip(start) {
                    let g = match mode {
                        CoOccurrence::Turn => {
                            let t = doc_turns.partition_point(|t| t.range.start <= seg.range.start);
                            if t == 0 {
                                continue;
                            }
                            t - 1
                        }
                        _ => 0,
                    };
                    groups.entry(g).or_default().push(i);
                }
                for members in groups.values() {
                    let mut count: HashMap<usize, usize> = HashMap::new();
                    for &i in members {
                        for &r in seg_rows[i] {
                            *count.entry(r).or_default() += 1;
                        }
                    }
                    for &i in members {
                        let rs = seg_rows[i];
                        for &x in rs {
                            for (&y, &n) in &count {
                                if n > usize::from(rs.contains(&y)) {
                                    cell_sets[x][y].push(i as u32);
                                }
                            }
                        }
                    }
                }
            }
            start = end;
        }
        for row in &mut cell_sets {
            for cell in row {
                cell.sort_unstable();
                cell.dedup();
            }
        }
    }

    // A cell from sorted indices: indices in order are by document, then start,
    // so the covered characters are one sweep.
    let make = |set: &[u32]| -> Cell {
        let mut people: Vec<ParticipantId> =
            set.iter().map(|&i| seg_participant[i as usize]).collect();
        people.sort_unstable();
        people.dedup();
        let mut chars = 0;
        let mut cur: Option<(DocumentId, usize, usize)> = None;
        for &i in set {
            let s = segments[i as usize];
            match &mut cur {
                Some((d, _, end)) if *d == s.document && s.range.start <= *end => {
                    *end = (*end).max(s.range.end);
                }
                _ => {
                    if let Some((_, a, b)) = cur {
                        chars += b - a;
                    }
                    cur = Some((s.document, s.range.start, s.range.end));
                }
            }
        }
        if let Some((_, a, b)) = cur {
            chars += b - a;
        }
        Cell {
            segments: set.iter().map(|&i| segments[i as usize].id).collect(),
            participants: people.into_iter().collect(),
            chars,
        }
    };
    let cells: Vec<Vec<Cell>> = cell_sets
        .iter()
        .map(|row| row.iter().map(|c| make(c)).collect())
        .collect();
    let row_totals: Vec<Cell> = row_sets.iter().map(|c| make(c)).collect();
    let column_totals: Vec<Cell> = (0..n_cols)
        .map(|c| {
            let mut set: Vec<u32> = cell_sets
                .iter()
                .flat_map(|row| row[c].iter().copied())
                .collect();
            set.sort_unstable();
            set.dedup();
            make(&set)
        })
        .collect();
    Ok(Matrix {
        rows,
        columns,
        cells,
        row_totals,
        column_totals,
        total: make(&in_any_row),
        scope_participants: in_scope.len(),
        rollup: spec.rollup,
    })
}
