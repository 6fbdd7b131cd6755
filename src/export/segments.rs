//! The coded segments as a table: one row per segment with its exact text, its
//! coder and its participant's attributes. `weft segments` and the window's
//! retrieval export both write this.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use crate::error::Result;
use crate::model::*;
use crate::store::Reader;
use crate::text::CharIndex;

/// Which segments to list.
#[derive(Debug, Clone, Default)]
pub struct SegmentFilter {
    /// Only this code's segments (children not included).
    pub code: Option<CodeId>,
    /// Only participants whose values meet all these conditions (see
    /// [`crate::analysis::matrix::parse_where`]).
    pub conditions: Vec<(AttributeId, crate::analysis::matrix::Condition)>,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentRow {
    /// The segment's id.
    #[serde(skip)]
    pub id: SegmentId,
    /// Document name.
    pub document: String,
    /// Participant name (empty when the document has none).
    pub participant: String,
    /// Code path.
    pub code: String,
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// The coded text, exactly.
    pub text: String,
    /// Coder name.
    pub coder: String,
    /// Memo on the segment.
    #[serde(skip)]
    pub memo: String,
    /// The participant's attribute values, one per attribute, in column order.
    #[serde(skip)]
    pub attributes: Vec<String>,
}

/// The table: attribute names (the extra columns) and rows sorted by document and start.
#[derive(Debug, Clone, Default)]
pub struct SegmentTable {
    /// Names of the attribute columns.
    pub attributes: Vec<String>,
    /// Rows, sorted by document name, start, end and code path.
    pub rows: Vec<SegmentRow>,
}

/// Builds the table from the project.
pub fn segment_table(r: &Reader<'_>, filter: &SegmentFilter) -> Result<SegmentTable> {
    let attributes = r.attributes()?;
    let mut values: HashMap<(ParticipantId, AttributeId), String> = HashMap::new();
    for v in r.attribute_values()? {
        values.insert((v.participant, v.attribute), v.value);
    }
    let participants: HashMap<ParticipantId, String> = r
        .participants()?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let coders: HashMap<CoderId, String> =
        r.coders()?.into_iter().map(|c| (c.id, c.name)).collect();
    let tree = r.code_tree()?;
    let mut paths: HashMap<CodeId, String> = HashMap::new();
    let documents = r.documents()?;
    let segments = match filter.code {
        Some(c) => r.segments_of_code(c)?,
        None => r.segments()?,
    };
    let mut by_doc: HashMap<DocumentId, Vec<&Segment>> = HashMap::new();
    for s in &segments {
        by_doc.entry(s.document).or_default().push(s);
    }
    let mut rows = Vec::with_capacity(segments.len());
    for doc in &documents {
        let Some(segs) = by_doc.get(&doc.id) else {
            continue;
        };
        let pid = doc.participant;
        let keep = filter.conditions.iter().all(|(aid, condition)| {
            let kind = attributes
                .iter()
                .find(|a| a.id == *aid)
                .map_or(AttributeKind::Text, |a| a.kind);
            let value = pid.and_then(|p| values.get(&(p, *aid)));
            crate::analysis::matrix::meets(kind, value.map(String::as_str), condition)
        });
        if !keep {
            continue;
        }
        let text = r.document_text(doc.id)?;
        let index = CharIndex::new(&text);
        let participant = pid
            .and_then(|p| participants.get(&p))
            .cloned()
            .unwrap_or_default();
        let attrs: Vec<String> = attributes
            .iter()
            .map(|a| {
                pid.and_then(|p| values.get(&(p, a.id)))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let start = rows.len();
        for s in segs {
            let code = paths
                .entry(s.code)
                .or_insert_with(|| tree.path(s.code))
                .clone();
            rows.push(SegmentRow {
                id: s.id,
                document: doc.name.clone(),
                participant: participant.clone(),
                code,
                start: s.range.start,
                end: s.range.end,
                text: index.slice(s.range).to_string(),
                coder: coders.get(&s.coder).cloned().unwrap_or_default(),
                memo: s.memo.clone(),
                attributes: attrs.clone(),
            });
        }
        rows[start..].sort_by(|a, b| (a.start, a.end, &a.code).cmp(&(b.start, b.end, &b.code)));
    }
    Ok(SegmentTable {
        attributes: attributes.into_iter().map(|a| a.name).collect(),
        rows,
    })
}

/// The fixed columns, before one column per attribute.
pub const CSV_COLUMNS: [&str; 7] = [
    "document",
    "participant",
    "code",
    "start",
    "end",
    "text",
    "coder",
];

/// Writes the table as CSV (UTF-8, a header row).
pub fn write_csv(table: &SegmentTable, out: impl Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(out));
    let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
    header.extend(table.attributes.iter().map(String::as_str));
    super::write_safe_record(&mut w, &header)?;
    let mut record = csv::StringRecord::new();
    for row in &table.rows {
        record.clear();
        let safe = super::csv_safe;
        record.push_field(&safe(&row.document));
        record.push_field(&safe(&row.participant));
        record.push_field(&safe(&row.code));
        record.push_field(row.start.to_string().as_str());
        record.push_field(row.end.to_string().as_str());
        record.push_field(&safe(&row.text));
        record.push_field(&safe(&row.coder));
        for a in &row.attributes {
            record.push_field(&safe(a));
        }
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the table as a JSON array of objects; attributes go in an `attributes` object.
pub fn write_json(table: &SegmentTable, out: impl Write) -> serde_json::Result<()> {
    #[derive(Serialize)]
    struct JsonRow<'a> {
        #[serde(flatten)]
        row: &'a SegmentRow,
        memo: &'a str,
        attributes: serde_json::Map<String, serde_json::Value>,
    }
    let rows: Vec<JsonRow> = table
        .rows
        .iter()
        .map(|row| JsonRow {
            row,
            memo: &row.memo,
            attributes: table
                .attributes
                .iter()
                .zip(&row.attributes)
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
        })
        .collect();
    serde_json::to_writer_pretty(out, &rows)
}
