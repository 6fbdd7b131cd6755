//! The right panel: details of what is selected (a segment, a code, the
//! document), the memos, and the retrieval list of the selected code.

use egui::{RichText, Ui};

use super::app::{Command, WeftApp, draft_field, parse_hex};
use super::dialogs::{Dialog, PathPurpose};
use super::widgets::{quote_line, quote_row, quote_row_height};
use crate::edit::ops::{self, MemoTarget};
use crate::model::{CharRange, ProjectSnapshot, Segment};

/// A memo editor: edits a draft, and saves when the field loses focus.
fn memo_editor(
    app: &mut WeftApp,
    ui: &mut Ui,
    label: &str,
    key: String,
    target: MemoTarget,
    stored: &str,
    rows: usize,
) {
    let label = ui.label(RichText::new(label).strong());
    let (resp, saved) = draft_field(
        &mut app.drafts,
        ui,
        &key,
        stored,
        rows,
        f32::INFINITY,
        "memo",
    );
    resp.labelled_by(label.id);
    if let Some(text) = saved {
        app.change("Edit memo", move |r| ops::set_memo(r, target, &text));
    }
}

fn snippet(text: &str, range: CharRange, max: usize) -> String {
    let s: String = text
        .chars()
        .skip(range.start)
        .take(range.len().min(max))
        .collect();
    let s = s.replace('\n', " ¶ ");
    if range.len() > max {
        format!("{s}…")
    } else {
        s
    }
}

/// What the details panel shows, gathered before drawing so the app can be
/// borrowed mutably while drawing.
struct Shown {
    segment: Option<Segment>,
    segment_line: String,
    segment_text: Option<String>,
    codes_here: Vec<(egui::Color32, String)>,
    code: Option<crate::model::Code>,
    code_path: String,
    doc: Option<crate::model::Document>,
    project_memo: String,
}

fn gather(app: &WeftApp) -> Option<Shown> {
    let p = app.project.as_ref()?;
    let snap: &ProjectSnapshot = &p.snap;
    let segment = p.selected_segment.and_then(|s| snap.segment(s)).cloned();
    let mut shown = Shown {
        segment_line: String::new(),
        segment_text: None,
        codes_here: Vec::new(),
        code: p.selected_code.and_then(|c| snap.codes.get(c)).cloned(),
        code_path: p
            .selected_code
            .map(|c| snap.codes.path(c))
            .unwrap_or_default(),
        doc: p
            .view
            .as_ref()
            .and_then(|v| snap.document(v.document))
            .cloned(),
        project_memo: snap.memo.clone(),
        segment: None,
    };
    if let Some(s) = &segment {
        let doc_name = snap.document(s.document).map_or("", |d| d.name.as_str());
        shown.segment_line = format!(
            "{} · {}–{} · coded by {} on {}",
            doc_name,
            s.range.start,
            s.range.end,
            snap.coder_name(s.coder),
            s.created_at.get(..10).unwrap_or("")
        );
        if let Some(v) = p.view.as_ref().filter(|v| v.document == s.document) {
            shown.segment_text = Some(snippet(v.text(), s.range, 300));
            shown.codes_here = snap
                .segments_of(s.document)
                .iter()
                .filter(|x| x.range.overlaps(&s.range))
                .filter_map(|x| {
                    let c = snap.codes.get(x.code)?;
                    Some((
                        parse_hex(&c.color),
                        format!("{} ({})", snap.codes.path(c.id), snap.coder_name(x.coder)),
                    ))
                })
                .collect();
        }
    }
    shown.segment = segment;
    Some(shown)
}

/// Draws the right panel.
pub fn details_ui(app: &mut WeftApp, ui: &mut Ui) {
    let Some(shown) = gather(app) else { return };
    egui::ScrollArea::vertical()
        .id_salt("details")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if let Some(s) = &shown.segment {
                ui.heading("Segment");
                ui.label(&shown.segment_line);
                if let Some(t) = &shown.segment_text {
                    ui.label(RichText::new(t).italics());
                    ui.label(RichText::new("Codes here:").strong());
                    for (color, label) in &shown.codes_here {
                        ui.horizontal(|ui| {
                            let (r, _) = ui
                                .allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                            ui.painter().rect_filled(r, 2.0, *color);
                            ui.label(label);
                        });
                    }
                }
                let id = s.id;
                memo_editor(
                    app,
                    ui,
                    "Segment memo",
                    format!("seg:{}", id.0),
                    MemoTarget::Segment(id),
                    &s.memo,
                    3,
                );
                let mut pinned = s.exemplar;
                if ui
                    .checkbox(&mut pinned, "Exemplar quote of its code")
                    .on_hover_text("Pinned exemplars go in the codebook and its report")
                    .changed()
                {
                    let label = if pinned {
                        "Pin exemplar"
                    } else {
                        "Unpin exemplar"
                    };
                    app.change(label, move |r| ops::set_exemplar(r, id, pinned));
                }
                if ui.button("Remove this coding").clicked() {
                    app.change("Remove coding", move |_| {
                        Ok(crate::edit::Edit::DeleteSegments(vec![id]))
                    });
                }
                ui.separator();
            }
            if let Some(c) = &shown.code {
                ui.heading(&shown.code_path);
                let id = c.id;
                ui.horizontal(|ui| {
                    ui.label("Colour:");
                    let mut color = parse_hex(&c.color);
                    if ui.color_edit_button_srgba(&mut color).changed() {
                        let hex = format!("#{:02x}{:02x}{:02x}", color.r(), color.g(), color.b());
                        app.change("Change colour", move |r| {
                            ops::update_code(r, id, |c| c.color = hex)
                        });
                    }
                    if ui.button("Rename…").clicked() {
                        app.renaming = Some((id, c.name.clone()));
                    }
                    if ui.button("Add child…").clicked() {
                        app.dialog = Some(Dialog::AddCode {
                            parent: Some(id),
                            text: String::new(),
                        });
                    }
                });
                code_parts_ui(app, ui, c);
                exemplars_ui(app, ui, id);
                memo_editor(
                    app,
                    ui,
                    "Code memo",
                    format!("code:{}", id.0),
                    MemoTarget::Code(id),
                    &c.memo,
                    2,
                );
                ui.separator();
                retrieval_ui(app, ui, id);
                ui.separator();
            }
            if let Some(d) = &shown.doc {
                egui::CollapsingHeader::new(format!("Document memo: {}", d.name))
                    .default_open(shown.segment.is_none() && shown.code.is_none())
                    .show(ui, |ui| {
                        memo_editor(
                            app,
                            ui,
                            "Document memo",
                            format!("doc:{}", d.id.0),
                            MemoTarget::Document(d.id),
                            &d.memo,
                            3,
                        );
                    });
            }
            egui::CollapsingHeader::new("Project memo").show(ui, |ui| {
                memo_editor(
                    app,
                    ui,
                    "Project memo",
                    "project".into(),
                    MemoTarget::Project,
                    &shown.project_memo,
                    4,
                );
            });
        });
}

/// One row of the retrieval list. Its heading (document, participant,
/// attributes, coder) is written when the row first comes into view.
pub struct RetrievalRow {
    document: crate::model::DocumentId,
    segment: crate::model::SegmentId,
    range: CharRange,
    coder: crate::model::CoderId,
}

/// Whether a segment passes the retrieval list's attribute filter.
/// `participant` is the segment's document's participant.
fn admits(
    snap: &ProjectSnapshot,
    filter: &Option<(crate::model::AttributeId, String)>,
    participant: Option<crate::model::ParticipantId>,
) -> bool {
    let Some((a, v)) = filter else { return true };
    v.is_empty() || participant.is_some_and(|pid| snap.value(pid, *a) == v)
}

/// A row's heading: document, participant, attributes and coder.
fn retrieval_head(snap: &ProjectSnapshot, row: &RetrievalRow) -> String {
    let Some(d) = snap.document(row.document) else {
        return String::new();
    };
    let who = d
        .participant
        .and_then(|pid| snap.participant(pid))
        .map_or("", |x| x.name.as_str());
    let attrs: Vec<&str> = d
        .participant
        .map(|pid| {
            snap.attributes
                .iter()
                .map(|a| snap.value(pid, a.id))
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default();
    format!(
        "{} · {} · {} · coded by {}",
        d.name,
        who,
        attrs.join(", "),
        snap.coder_name(row.coder)
    )
}

/// What the retrieval rows depend on: code, attribute filter, hidden coders.
/// A change to the project drops the rows when it touches their code or the
/// documents' details (`OpenProject::patch`).
type RetrievalKey = (
    crate::model::CodeId,
    Option<(crate::model::AttributeId, String)>,
    Vec<crate::model::CoderId>,
);

/// The retrieval list, worked out once per snapshot version, code and filter
/// rather than every frame: on a large project the selected code has
/// thousands of segments.
pub struct RetrievalCache {
    key: RetrievalKey,
    rows: Vec<RetrievalRow>,
    /// Headings of the rows that have been in view.
    heads: std::collections::HashMap<crate::model::SegmentId, String>,
    /// The filter attribute's values, for its picker.
    values: Vec<String>,
}

impl RetrievalCache {
    /// The code listed.
    pub fn code(&self) -> crate::model::CodeId {
        self.key.0
    }

    /// Brings the rows up to date from an edit just applied, when it only
    /// added or removed segments: a new segment of the code goes to its
    /// place, a removed one leaves. Returns false when the rows must be
    /// built again (segments recoded or edited, codes deleted).
    pub fn patch(&mut self, snap: &ProjectSnapshot, edit: &crate::edit::Edit) -> bool {
        use crate::edit::Edit;
        match edit {
            Edit::Batch(v) => v.iter().all(|e| self.patch(snap, e)),
            Edit::InsertSegments(segs) => {
                let (code, filter, hidden) = &self.key;
                for s in segs.iter().filter(|s| s.code == *code) {
                    let participant = snap.document(s.document).and_then(|d| d.participant);
                    if hidden.contains(&s.coder) || !admits(snap, filter, participant) {
                        continue;
                    }
                    let key = (s.document, s.range.start, s.range.end, s.id);
                    let at = self.rows.partition_point(|r| {
                        (r.document, r.range.start, r.range.end, r.segment) < key
                    });
                    self.rows.insert(
                        at,
                        RetrievalRow {
                            document: s.document,
                            segment: s.id,
                            range: s.range,
                            coder: s.coder,
                        },
                    );
                }
                true
            }
            Edit::DeleteSegments(ids) => {
                if ids.len() > 64 {
                    let ids: std::collections::HashSet<_> = ids.iter().collect();
                    self.rows.retain(|r| !ids.contains(&r.segment));
                } else {
                    self.rows.retain(|r| !ids.contains(&r.segment));
                }
                true
            }
            Edit::UpdateSegment(_) | Edit::RecodeSegments { .. } | Edit::DeleteCodes(_) => false,
            _ => true,
        }
    }

    fn build(snap: &ProjectSnapshot, key: RetrievalKey) -> Self {
        let (code, filter, hidden) = &key;
        let documents: std::collections::HashMap<_, _> =
            snap.documents.iter().map(|d| (d.id, d)).collect();
        let values = match filter {
            Some((a, _)) => {
                let mut v: Vec<String> = snap
                    .participants
                    .iter()
                    .map(|pp| snap.value(pp.id, *a).to_string())
                    .filter(|v| !v.is_empty())
                    .collect();
                v.sort();
                v.dedup();
                v
            }
            None => Vec::new(),
        };
        let keep = |s: &Segment| {
            admits(
                snap,
                filter,
                documents.get(&s.document).and_then(|d| d.participant),
            )
        };
        let rows = snap
            .segments
            .iter()
            .filter(|s| s.code == *code && !hidden.contains(&s.coder) && keep(s))
            .filter(|s| documents.contains_key(&s.document))
            .map(|s| RetrievalRow {
                document: s.document,
                segment: s.id,
                range: s.range,
                coder: s.coder,
            })
            .collect();
        RetrievalCache {
            key,
            rows,
            heads: Default::default(),
            values,
        }
    }
}

/// The selected code's segments across documents, filterable by attribute.
/// Only the rows in view are drawn.
/// Which part of a code a field edits.
#[derive(Clone, Copy)]
enum Part {
    Short,
    Full,
    When,
    WhenNot,
}

impl Part {
    fn of(self, c: &mut crate::model::Code) -> &mut String {
        match self {
            Part::Short => &mut c.short_definition,
            Part::Full => &mut c.description,
            Part::When => &mut c.when_to_use,
            Part::WhenNot => &mut c.when_not_to_use,
        }
    }
}

/// The structured codebook's text parts, each saved as its own undoable change.
fn code_parts_ui(app: &mut WeftApp, ui: &mut Ui, c: &crate::model::Code) {
    let id = c.id;
    let mut code = c.clone();
    for (part, label, key, rows, hint) in [
        (Part::Short, "Short definition", "short", 1, "a few words"),
        (
            Part::Full,
            "Full definition",
            "def",
            3,
            "what the code means",
        ),
        (Part::When, "When to use", "when", 2, "inclusion criteria"),
        (
            Part::WhenNot,
            "When not to use",
            "whennot",
            2,
            "exclusion criteria; which code instead",
        ),
    ] {
        let heading = ui.label(RichText::new(format!("{label}:")).strong());
        let (resp, saved) = draft_field(
            &mut app.drafts,
            ui,
            &format!("{key}:{}", id.0),
            part.of(&mut code),
            rows,
            f32::INFINITY,
            hint,
        );
        resp.labelled_by(heading.id);
        if let Some(text) = saved {
            app.change(&format!("Edit {}", label.to_lowercase()), move |r| {
                ops::update_code(r, id, |c| *part.of(c) = text.trim().to_string())
            });
        }
    }
}

/// The code's pinned exemplars: quote, where it is, open or unpin.
fn exemplars_ui(app: &mut WeftApp, ui: &mut Ui, code: crate::model::CodeId) {
    let Some(p) = &mut app.project else { return };
    let pinned = p.exemplars_of(code);
    ui.label(RichText::new(format!("Exemplars ({}):", pinned.len())).strong());
    if pinned.is_empty() {
        ui.weak("None yet: right-click a coded passage's stripe, or tick \"Exemplar quote\" on a segment.");
        return;
    }
    let quotes = p.quotes_of(&pinned);
    let mut open = None;
    let mut unpin = None;
    for ((seg, doc, range), quote) in pinned.iter().zip(quotes) {
        let name = p
            .snap
            .document(*doc)
            .map_or("", |d| d.name.as_str())
            .to_string();
        ui.horizontal_wrapped(|ui| {
            if ui
                .link(format!(
                    "{name}: \u{201c}{}\u{201d}",
                    quote_line(&quote, range.len())
                ))
                .clicked()
            {
                open = Some((*doc, *range));
            }
            if ui.small_button("Unpin").clicked() {
                unpin = Some(*seg);
            }
        });
    }
    if let Some((doc, range)) = open {
        app.queue.push(Command::OpenDocument(doc, Some(range)));
    }
    if let Some(seg) = unpin {
        app.change("Unpin exemplar", move |r| ops::set_exemplar(r, seg, false));
    }
}

fn retrieval_ui(app: &mut WeftApp, ui: &mut Ui, code: crate::model::CodeId) {
    let Some(p) = &mut app.project else { return };
    if super::widgets::reading_the_coding(ui, p) {
        return;
    }
    let mut hidden: Vec<_> = p.hidden_coders.iter().copied().collect();
    hidden.sort_unstable();
    let key = (code, app.retrieval_filter.clone(), hidden);
    if p.retrieval.as_ref().is_none_or(|c| c.key != key) {
        p.retrieval = Some(RetrievalCache::build(&p.snap, key));
    }
    let Some(mut cache) = p.retrieval.take() else {
        return;
    };
    let snap = &p.snap;
    let attributes: Vec<(crate::model::AttributeId, String)> = snap
        .attributes
        .iter()
        .map(|a| (a.id, a.name.clone()))
        .collect();
    let mut filter = app.retrieval_filter.clone();
    let values = &cache.values;
    let total = cache.rows.len();
    let selected = p.selected_segment;

    ui.horizontal(|ui| {
        ui.strong("Retrieval");
        if ui
            .small_button("Export CSV…")
            .on_hover_text("Write these segments to a CSV file")
            .clicked()
        {
            app.dialog = Some(Dialog::path(PathPurpose::ExportRetrieval));
        }
    });
    ui.horizontal(|ui| {
        let current = filter
            .as_ref()
            .and_then(|(a, _)| attributes.iter().find(|x| x.0 == *a))
            .map_or("any participant".to_string(), |a| a.1.clone());
        ui.label("Filter:");
        egui::ComboBox::from_id_salt("retrieval-attribute")
            .selected_text(current)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(filter.is_none(), "any participant")
                    .clicked()
                {
                    filter = None;
                }
                for (id, name) in &attributes {
                    if ui
                        .selectable_label(filter.as_ref().is_some_and(|f| f.0 == *id), name)
                        .clicked()
                    {
                        filter = Some((*id, String::new()));
                    }
                }
            })
            .response
            .widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Filter by attribute")
            });
        if let Some((_, value)) = &mut filter {
            ui.label("is");
            let shown = if value.is_empty() {
                "pick a value".to_string()
            } else {
                value.clone()
            };
            egui::ComboBox::from_id_salt("retrieval-value")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    for v in values {
                        ui.selectable_value(value, v.clone(), v);
                    }
                })
                .response
                .widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Filter value")
                });
        }
    });
    app.retrieval_filter = filter;
    ui.label(format!("{total} segment(s)"));
    let mut open = None;
    egui::ScrollArea::vertical()
        .id_salt("retrieval")
        .auto_shrink([false, true])
        .show_rows(ui, quote_row_height(ui), total, |ui, range| {
            // Quotes only for the rows in view, read once.
            let shown: Vec<_> = cache.rows[range.clone()]
                .iter()
                .map(|r| (r.segment, r.document, r.range))
                .collect();
            let quotes = p.quotes_of(&shown);
            for (row, quote) in cache.rows[range].iter().zip(quotes) {
                let quote = quote_line(&quote, row.range.len());
                let head = cache
                    .heads
                    .entry(row.segment)
                    .or_insert_with(|| retrieval_head(&p.snap, row));
                let resp = quote_row(ui, head, &quote, selected == Some(row.segment));
                if resp.clicked() || resp.double_clicked() {
                    open = Some((row.document, row.range, row.segment, resp.double_clicked()));
                }
            }
        });
    p.retrieval = Some(cache);
    if let Some((doc, range, seg, jump)) = open {
        if let Some(p) = &mut app.project {
            p.selected_segment = Some(seg);
        }
        if jump {
            app.queue.push(Command::OpenDocument(doc, Some(range)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::ops;
    use crate::store::Store;

    fn ids(c: &RetrievalCache) -> Vec<crate::model::SegmentId> {
        c.rows.iter().map(|r| r.segment).collect()
    }

    /// A patched retrieval list equals one built fresh, after coding and
    /// uncoding, with and without an attribute filter.
    #[test]
    fn a_patched_retrieval_list_equals_a_fresh_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.weft");
        crate::demo::write_demo(&path).unwrap();
        let mut store = Store::open(&path).unwrap();
        let mut snap = store.read().snapshot().unwrap();
        let code = snap
            .codes
            .find_path("Engagement/Shared experience")
            .unwrap();
        let phase = snap
            .attributes
            .iter()
            .find(|a| a.name == "Phase")
            .unwrap()
            .id;
        let keys = [
            (code, None, vec![]),
            (code, Some((phase, "post".to_string())), vec![]),
        ];
        let mut caches: Vec<RetrievalCache> = keys
            .iter()
            .map(|k| RetrievalCache::build(&snap, k.clone()))
            .collect();
        let docs: Vec<_> = snap.documents.iter().map(|d| d.id).collect();
        let ranges: Vec<_> = docs
            .iter()
            .map(|d| (*d, crate::model::CharRange::new(3, 9)))
            .collect();
        let path_of = snap.codes.path(code);
        for step in 0..2 {
            let applied = if step == 0 {
                store
                    .change_applied("code", |r| {
                        Ok(ops::code_path_ranges(r, &ranges, &path_of, "zoe", "")?.0)
                    })
                    .unwrap()
            } else {
                let snap_now = store.read().snapshot().unwrap();
                let gone: Vec<_> = snap_now
                    .segments
                    .iter()
                    .filter(|s| s.code == code)
                    .step_by(3)
                    .map(|s| s.id)
                    .collect();
                store
                    .change_applied("uncode", |_| Ok(crate::edit::Edit::DeleteSegments(gone)))
                    .unwrap()
            };
            snap.patch(&applied.forward);
            for (cache, key) in caches.iter_mut().zip(&keys) {
                assert!(cache.patch(&snap, &applied.forward));
                let fresh = RetrievalCache::build(&snap, key.clone());
                assert_eq!(ids(cache), ids(&fresh), "step {step}, filter {:?}", key.1);
            }
        }
    }
}
