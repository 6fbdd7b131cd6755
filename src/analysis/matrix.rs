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
    /// The segments, sorted by id.
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
fn meets(kind: AttributeKind, value: Option<&str>, condition: &Condition) -> bool {
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

/// Parses bins such as `26-35,36-45,46-60` (labels are the text given).
pub fn parse_bins(text: &str) -> Result<Vec<(String, f64, f64)>> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|b| {
            let (lo, hi) = b
                .split_once('-')
                .or_else(|| b.split_once('–'))
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "bin \"{b}\" is not of the form LOW-HIGH, e.g. 26-35"
                    ))
                })?;
            let lo: f64 = lo
                .trim()
                .parse()
                .map_err(|_| Error::Invalid(format!("bin \"{b}\": \"{lo}\" is not a number")))?;
            let hi: f64 = hi
                .trim()
                .parse()
                .map_err(|_| Error::Invalid(format!("bin \"{b}\": \"{hi}\" is not a number")))?;
            if hi < lo {
                return Err(Error::Invalid(format!("bin \"{b}\" ends before it starts")));
            }
            Ok((b.replace('-', "–"), lo, hi))
        })
        .collect()
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
    let mut row_cache: HashMap<CodeId, Vec<usize>> = HashMap::new();

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
    let seg_index: HashMap<SegmentId, &Segment> = segments.iter().map(|s| (s.id, *s)).collect();

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
    // Segment ids per cell, gathered in vectors and deduplicated once at the end.
    let mut cell_sets: Vec<Vec<Vec<SegmentId>>> = vec![vec![Vec::new(); n_cols]; n_rows];
    let mut row_sets: Vec<Vec<SegmentId>> = vec![Vec::new(); n_rows];
    let mut rows_of = |code: CodeId| -> Vec<usize> {
        row_cache
            .entry(code)
            .or_insert_with(|| rows_for(code))
            .clone()
    };
    let mut by_doc: HashMap<DocumentId, Vec<&Segment>> = HashMap::new();
    for s in &segments {
        let rs = rows_of(s.code);
        if rs.is_empty() {
            continue;
        }
        for &r in &rs {
            row_sets[r].push(s.id);
        }
        let col = match &spec.columns {
            Columns::Attribute(..) | Columns::Participants => column_of_participant
                .get(&doc_participant[&s.document])
                .copied(),
            Columns::Documents => column_of_document.get(&s.document).copied(),
            Columns::Codes(_) => {
                by_doc.entry(s.document).or_default().push(s);
                None
            }
        };
        if let Some(c) = col {
            for &r in &rs {
                cell_sets[r][c].push(s.id);
            }
        }
    }
    if let Columns::Codes(mode) = &spec.columns {
        for (doc, mut segs) in by_doc {
            segs.sort_by_key(|s| (s.range.start, s.range.end, s.id));
            if *mode == CoOccurrence::Overlap {
                // Sorted by start, a segment overlaps the ones after it until one starts past its end.
                for i in 0..segs.len() {
                    let ra = rows_of(segs[i].code);
                    for j in i + 1..segs.len() {
                        if segs[j].range.start >= segs[i].range.end {
                            break;
                        }
                        let rb = rows_of(segs[j].code);
                        for &x in &ra {
                            for &y in &rb {
                                cell_sets[x][y].push(segs[i].id);
                                cell_sets[y][x].push(segs[j].id);
                            }
                        }
                    }
                }
                continue;
            }
            // By turn or document: count each row's segments per group; a segment
            // co-occurs with a row when the group holds one of that row's segments
            // other than itself.
            let doc_turns = turns.get(&doc).map(Vec::as_slice).unwrap_or(&[]);
            let mut groups: HashMap<usize, Vec<&Segment>> = HashMap::new();
            for s in segs {
                let g = match mode {
                    CoOccurrence::Turn => {
                        let i = doc_turns.partition_point(|t| t.range.start <= s.range.start);
                        if i == 0 {
                            continue;
                        }
                        i - 1
                    }
                    _ => 0,
                };
                groups.entry(g).or_default().push(s);
            }
            for members in groups.values() {
                let mut count: HashMap<usize, usize> = HashMap::new();
                let member_rows: Vec<Vec<usize>> =
                    members.iter().map(|s| rows_of(s.code)).collect();
                for rs in &member_rows {
                    for &r in rs {
                        *count.entry(r).or_default() += 1;
                    }
                }
                for (s, rs) in members.iter().zip(&member_rows) {
                    for &x in rs {
                        for (&y, &n) in &count {
                            let own = usize::from(rs.contains(&y));
                            if n > own {
                                cell_sets[x][y].push(s.id);
                            }
                        }
                    }
                }
            }
        }
    }
    for row in &mut cell_sets {
        for cell in row {
            cell.sort_unstable();
            cell.dedup();
        }
    }
    for r in &mut row_sets {
        r.sort_unstable();
        r.dedup();
    }

    let make = |set: &[SegmentId]| -> Cell {
        let mut participants = BTreeSet::new();
        let mut by_doc: HashMap<DocumentId, Vec<CharRange>> = HashMap::new();
        for id in set {
            let s = seg_index[id];
            participants.insert(doc_participant[&s.document]);
            by_doc.entry(s.document).or_default().push(s.range);
        }
        let mut chars = 0;
        for ranges in by_doc.values_mut() {
            ranges.sort();
            let mut cur: Option<CharRange> = None;
            for r in ranges.iter() {
                match &mut cur {
                    Some(c) if r.start <= c.end => c.end = c.end.max(r.end),
                    _ => {
                        if let Some(c) = cur {
                            chars += c.len();
                        }
                        cur = Some(*r);
                    }
                }
            }
            if let Some(c) = cur {
                chars += c.len();
            }
        }
        Cell {
            segments: set.to_vec(),
            participants,
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
            let mut set: Vec<SegmentId> = cell_sets
                .iter()
                .flat_map(|row| row[c].iter().copied())
                .collect();
            set.sort_unstable();
            set.dedup();
            make(&set)
        })
        .collect();
    let mut all: Vec<SegmentId> = row_sets.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    Ok(Matrix {
        rows,
        columns,
        cells,
        row_totals,
        column_totals,
        total: make(&all),
        scope_participants: in_scope.len(),
        rollup: spec.rollup,
    })
}
