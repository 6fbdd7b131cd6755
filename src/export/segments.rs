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

/// One row as [`each_row`] hands it out: borrowed from what the document's
/// pass holds, so streaming it out allocates nothing per row.
struct RowRef<'a> {
    id: SegmentId,
    range: CharRange,
    memo: &'a str,
    document: &'a str,
    participant: &'a str,
    code: &'a str,
    text: &'a str,
    coder: &'a str,
    attributes: &'a [String],
}

impl SegmentRow {
    /// The row as the CSV writer takes it.
    fn view(&self) -> RowRef<'_> {
        RowRef {
            id: self.id,
            range: CharRange::new(self.start, self.end),
            memo: &self.memo,
            document: &self.document,
            participant: &self.participant,
            code: &self.code,
            text: &self.text,
            coder: &self.coder,
            attributes: &self.attributes,
        }
    }
}

/// Builds the table from the project.
pub fn segment_table(r: &Reader<'_>, filter: &SegmentFilter) -> Result<SegmentTable> {
    let mut table = SegmentTable::default();
    each_row(
        r,
        filter,
        true,
        |names| {
            table.attributes = names.to_vec();
            Ok(())
        },
        |rows| {
            table.rows.extend(rows.iter().map(|row| SegmentRow {
                id: row.id,
                document: row.document.to_string(),
                participant: row.participant.to_string(),
                code: row.code.to_string(),
                start: row.range.start,
                end: row.range.end,
                text: row.text.to_string(),
                coder: row.coder.to_string(),
                memo: row.memo.to_string(),
                attributes: row.attributes.to_vec(),
            }));
            Ok(())
        },
    )?;
    Ok(table)
}

/// Writes the table as CSV straight from the project, a document at a time,
/// without holding every row (`weft segments` on 100,000 segments spent most
/// of its time allocating and faulting in the whole table). Returns the
/// number of rows.
pub fn write_csv_from(r: &Reader<'_>, filter: &SegmentFilter, out: impl Write) -> Result<usize> {
    let w = std::cell::RefCell::new(csv::Writer::from_writer(std::io::BufWriter::with_capacity(
        1 << 16,
        out,
    )));
    let failed = |e: csv::Error| crate::Error::Invalid(format!("cannot write the segments ({e})"));
    let mut n = 0;
    let mut record = csv::StringRecord::new();
    each_row(
        r,
        filter,
        false,
        |names| {
            let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
            header.extend(names.iter().map(String::as_str));
            super::write_safe_record(&mut *w.borrow_mut(), &header).map_err(failed)
        },
        |rows| {
            let mut w = w.borrow_mut();
            for row in rows {
                csv_record(row, &mut record);
                w.write_record(&record).map_err(failed)?;
                n += 1;
            }
            Ok(())
        },
    )?;
    w.borrow_mut()
        .flush()
        .map_err(|e| crate::Error::Invalid(format!("cannot write the segments ({e})")))?;
    Ok(n)
}

/// One row's CSV fields, in [`CSV_COLUMNS`] order then the attributes, every
/// text through the formula guard. Allocates nothing for a row that needs
/// no guard.
fn csv_record(row: &RowRef<'_>, record: &mut csv::StringRecord) {
    record.clear();
    let safe = super::csv_safe;
    record.push_field(&safe(row.document));
    record.push_field(&safe(row.participant));
    record.push_field(&safe(row.code));
    for x in [row.range.start, row.range.end] {
        let mut digits = [0u8; 20];
        let mut at = std::io::Cursor::new(&mut digits[..]);
        let _ = write!(at, "{x}");
        let len = at.position() as usize;
        record.push_field(std::str::from_utf8(&digits[..len]).unwrap_or_default());
    }
    record.push_field(&safe(row.text));
    record.push_field(&safe(row.coder));
    for a in row.attributes {
        record.push_field(&safe(a));
    }
}

/// Visits the rows a document at a time, each document's sorted: first the
/// attribute names, then each document's rows. Without `memos`, segments are
/// read without their memos, GUIDs and timestamps, which the CSV has not.
fn each_row(
    r: &Reader<'_>,
    filter: &SegmentFilter,
    memos: bool,
    header: impl FnOnce(&[String]) -> Result<()>,
    mut rows_of_document: impl FnMut(&[RowRef<'_>]) -> Result<()>,
) -> Result<()> {
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
    let paths: HashMap<CodeId, String> = tree
        .codes()
        .iter()
        .map(|c| (c.id, tree.path(c.id)))
        .collect();
    let documents = r.documents()?;
    let segments = match (filter.code, memos) {
        (Some(c), true) => r.segments_of_code(c)?,
        (None, true) => r.segments()?,
        (code, false) => r.segment_ranges(code)?,
    };
    let mut by_doc: HashMap<DocumentId, Vec<&Segment>> = HashMap::new();
    for s in &segments {
        by_doc.entry(s.document).or_default().push(s);
    }
    header(
        &attributes
            .iter()
            .map(|a| a.name.clone())
            .collect::<Vec<_>>(),
    )?;
    let none = String::new();
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
        let participant = pid.and_then(|p| participants.get(&p)).unwrap_or(&none);
        let attrs: Vec<String> = attributes
            .iter()
            .map(|a| {
                pid.and_then(|p| values.get(&(p, a.id)))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let mut rows: Vec<RowRef<'_>> = segs
            .iter()
            .map(|s| RowRef {
                id: s.id,
                range: s.range,
                memo: &s.memo,
                document: &doc.name,
                participant,
                code: paths.get(&s.code).unwrap_or(&none),
                text: index.slice(s.range),
                coder: coders.get(&s.coder).unwrap_or(&none),
                attributes: &attrs,
            })
            .collect();
        rows.sort_by(|a, b| {
            (a.range.start, a.range.end, a.code).cmp(&(b.range.start, b.range.end, b.code))
        });
        rows_of_document(&rows)?;
    }
    Ok(())
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
        csv_record(&row.view(), &mut record);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed CSV is the table's CSV, byte for byte, with and without
    /// a filter.
    #[test]
    fn streaming_writes_what_the_table_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.weft");
        crate::demo::write_demo(&path).unwrap();
        let store = crate::store::Store::open(&path).unwrap();
        let r = store.read();
        let phase = r
            .attributes()
            .unwrap()
            .into_iter()
            .find(|a| a.name == "Phase")
            .unwrap();
        let filters = [
            SegmentFilter::default(),
            SegmentFilter {
                code: r.code_tree().unwrap().find_path("Outcomes"),
                conditions: vec![(
                    phase.id,
                    crate::analysis::matrix::Condition::Equals("post".into()),
                )],
            },
        ];
        for f in &filters {
            let mut table = Vec::new();
            write_csv(&segment_table(&r, f).unwrap(), &mut table).unwrap();
            let mut streamed = Vec::new();
            let n = write_csv_from(&r, f, &mut streamed).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(table).unwrap()
            );
            assert!(n > 0);
        }
    }
}
