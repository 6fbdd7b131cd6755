//! The Matrices tab: codes crossed with an attribute, participants, documents
//! or codes, shaded by value. A cell lists its quotes (double-click jumps to
//! the transcript); with participants as columns it is the framework matrix,
//! and the cell's summary is edited here. A bar chart compares one code's
//! prevalence across an attribute's groups. Computing is
//! [`crate::analysis::matrix::compute`]; this only draws it.

use egui::{Color32, RichText, Ui};

use super::app::{Command, Tab, WeftApp, draft_field};
use super::dialogs::{Dialog, PathPurpose};
use super::widgets::{quote_line, quote_row, quote_row_height};
use crate::analysis::matrix::{
    self, CoOccurrence, Columns, Condition, Filters, Grouping, Matrix, MatrixSpec, Measure,
};
use crate::edit::Edit;
use crate::model::{AttributeId, AttributeKind, CharRange, DocumentId, SegmentId};

/// What the columns are, as picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnChoice {
    /// An attribute's values.
    Attribute(AttributeId),
    /// Participants (the framework matrix).
    Participants,
    /// Documents.
    Documents,
    /// Codes (co-occurrence).
    Codes,
}

/// How date columns are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateChoice {
    /// Each date.
    #[default]
    Values,
    /// By year.
    Year,
    /// By month.
    Month,
}

/// A quote of the selected cell.
#[derive(Debug, Clone)]
pub struct CellQuote {
    /// The segment.
    pub segment: SegmentId,
    /// Its document.
    pub document: DocumentId,
    /// Where.
    pub range: CharRange,
    /// "P07 · P07".
    pub source: String,
}

/// The tab's state.
pub struct MatrixPanel {
    /// Rows down to this depth (all when `None`).
    pub depth: Option<usize>,
    /// Parents include their children.
    pub rollup: bool,
    /// The columns.
    pub columns: Option<ColumnChoice>,
    /// Bins for a number attribute, e.g. "26-35,36-45".
    pub bins: String,
    /// Grouping for a date attribute.
    pub dates: DateChoice,
    /// Co-occurrence mode for code columns.
    pub cooccur: CoOccurrence,
    /// What the cells show.
    pub measure: Measure,
    /// Only participants with this value.
    pub filter: Option<(AttributeId, String)>,
    /// Only these coders' segments (all when empty).
    pub coders: std::collections::BTreeSet<crate::model::CoderId>,
    /// Only these documents, by name, separated by commas (all when empty).
    pub documents: String,
    /// The picked cell (row, column).
    pub selected: Option<(usize, usize)>,
    /// The computed matrix and what it was computed from.
    pub matrix: Option<(u64, MatrixSpec, Matrix)>,
    /// A problem with the choices.
    pub problem: Option<String>,
    /// The picked cell's quotes.
    pub quotes: Option<((u64, usize, usize), Vec<CellQuote>)>,
}

impl Default for MatrixPanel {
    fn default() -> Self {
        MatrixPanel {
            depth: Some(2),
            rollup: true,
            columns: None,
            bins: String::new(),
            dates: DateChoice::Values,
            cooccur: CoOccurrence::Overlap,
            measure: Measure::Percent,
            filter: None,
            coders: Default::default(),
            documents: String::new(),
            selected: None,
            matrix: None,
            problem: None,
            quotes: None,
        }
    }
}

impl MatrixPanel {
    /// The spec the choices describe.
    pub fn spec(
        &self,
        app_attrs: &[(AttributeId, AttributeKind)],
        documents: &[crate::model::Document],
    ) -> Result<Option<MatrixSpec>, String> {
        let Some(choice) = self.columns else {
            return Ok(None);
        };
        let columns = match choice {
            ColumnChoice::Participants => Columns::Participants,
            ColumnChoice::Documents => Columns::Documents,
            ColumnChoice::Codes => Columns::Codes(self.cooccur),
            ColumnChoice::Attribute(a) => {
                let kind = app_attrs
                    .iter()
                    .find(|x| x.0 == a)
                    .map(|x| x.1)
                    .unwrap_or(AttributeKind::Text);
                let grouping = match kind {
                    AttributeKind::Number if !self.bins.trim().is_empty() => {
                        Grouping::Bins(matrix::parse_bins(&self.bins).map_err(|e| e.to_string())?)
                    }
                    AttributeKind::Date => match self.dates {
                        DateChoice::Values => Grouping::Values,
                        DateChoice::Year => Grouping::Year,
                        DateChoice::Month => Grouping::Month,
                    },
                    _ => Grouping::Values,
                };
                Columns::Attribute(a, grouping)
            }
        };
        let attributes = match &self.filter {
            Some((a, v)) if !v.is_empty() => vec![(*a, Condition::Equals(v.clone()))],
            _ => Vec::new(),
        };
        let names = super::widgets::comma_names(&self.documents);
        let documents = if names.is_empty() {
            None
        } else {
            let mut set = std::collections::HashSet::new();
            for n in names {
                let id = documents
                    .iter()
                    .find(|d| d.name == n)
                    .ok_or_else(|| format!("no document \"{n}\""))?
                    .id;
                set.insert(id);
            }
            Some(set)
        };
        let coders = (!self.coders.is_empty()).then(|| self.coders.iter().copied().collect());
        Ok(Some(MatrixSpec {
            depth: self.depth,
            rollup: self.rollup,
            columns,
            filters: Filters {
                attributes,
                documents,
                coders,
            },
        }))
    }
}

fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Segments => "segments",
        Measure::Participants => "participants",
        Measure::Percent => "% of participants",
        Measure::Chars => "coded characters",
        Measure::Quotes => "quotes",
    }
}

/// Draws the tab.
pub fn matrices_ui(app: &mut WeftApp, ui: &mut Ui) {
    let Some(p) = &app.project else { return };
    if super::widgets::reading_the_coding(ui, p) {
        return;
    }
    let attrs: Vec<(AttributeId, String, AttributeKind)> = p
        .snap
        .attributes
        .iter()
        .map(|a| (a.id, a.name.clone(), a.kind))
        .collect();
    // An attribute's values, for the filter's list: gathered only while the
    // list is open, not every frame.
    let values_of = |a: AttributeId| -> Vec<String> {
        let mut v: Vec<String> = p
            .snap
            .participants
            .iter()
            .map(|pp| p.snap.value(pp.id, a).to_string())
            .filter(|v| !v.is_empty())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let coders: Vec<(crate::model::CoderId, String)> = p
        .snap
        .coders
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let version = p.version;
    let panel = &mut app.matrices;

    // Pickers.
    ui.horizontal_wrapped(|ui| {
        ui.label("Rows: codes to depth");
        egui::ComboBox::from_id_salt("matrix-depth")
            .selected_text(panel.depth.map_or("all".to_string(), |d| d.to_string()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut panel.depth, None, "all");
                for d in 1..=4 {
                    ui.selectable_value(&mut panel.depth, Some(d), d.to_string());
                }
            })
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Depth"));
        ui.checkbox(&mut panel.rollup, "parents include children");
        ui.separator();
        ui.label("Columns:");
        let current = match panel.columns {
            None => "pick…".to_string(),
            Some(ColumnChoice::Attribute(a)) => attrs
                .iter()
                .find(|x| x.0 == a)
                .map_or("?".into(), |x| x.1.clone()),
            Some(ColumnChoice::Participants) => "participants (framework)".into(),
            Some(ColumnChoice::Documents) => "documents".into(),
            Some(ColumnChoice::Codes) => "codes (co-occurrence)".into(),
        };
        egui::ComboBox::from_id_salt("matrix-columns")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (id, name, _) in &attrs {
                    ui.selectable_value(
                        &mut panel.columns,
                        Some(ColumnChoice::Attribute(*id)),
                        name,
                    );
                }
                ui.selectable_value(
                    &mut panel.columns,
                    Some(ColumnChoice::Participants),
                    "participants (framework)",
                );
                ui.selectable_value(
                    &mut panel.columns,
                    Some(ColumnChoice::Documents),
                    "documents",
                );
                ui.selectable_value(
                    &mut panel.columns,
                    Some(ColumnChoice::Codes),
                    "codes (co-occurrence)",
                );
            })
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Columns"));
        if let Some(ColumnChoice::Attribute(a)) = panel.columns {
            match attrs.iter().find(|x| x.0 == a).map(|x| x.2) {
                Some(AttributeKind::Number) => {
                    let l = ui.label("bins:");
                    ui.add(
                        egui::TextEdit::singleline(&mut panel.bins)
                            .hint_text("e.g. 26-35,36-45")
                            .desired_width(140.0),
                    )
                    .labelled_by(l.id);
                }
                Some(AttributeKind::Date) => {
                    ui.selectable_value(&mut panel.dates, DateChoice::Values, "each date");
                    ui.selectable_value(&mut panel.dates, DateChoice::Year, "by year");
                    ui.selectable_value(&mut panel.dates, DateChoice::Month, "by month");
                }
                _ => {}
            }
        }
        if panel.columns == Some(ColumnChoice::Codes) {
            ui.selectable_value(&mut panel.cooccur, CoOccurrence::Overlap, "overlapping");
            ui.selectable_value(&mut panel.cooccur, CoOccurrence::Turn, "same turn");
            ui.selectable_value(&mut panel.cooccur, CoOccurrence::Document, "same document");
        }
        ui.separator();
        ui.label("Cells:");
        egui::ComboBox::from_id_salt("matrix-measure")
            .selected_text(measure_name(panel.measure))
            .show_ui(ui, |ui| {
                for m in [
                    Measure::Segments,
                    Measure::Participants,
                    Measure::Percent,
                    Measure::Chars,
                    Measure::Quotes,
                ] {
                    ui.selectable_value(&mut panel.measure, m, measure_name(m));
                }
            })
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Measure"));
        ui.separator();
        ui.label("Only participants with");
        let fname = panel
            .filter
            .as_ref()
            .and_then(|(a, _)| attrs.iter().find(|x| x.0 == *a))
            .map_or("anyone".to_string(), |x| x.1.clone());
        egui::ComboBox::from_id_salt("matrix-filter")
            .selected_text(fname)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(panel.filter.is_none(), "anyone")
                    .clicked()
                {
                    panel.filter = None;
                }
                for (id, name, _) in &attrs {
                    if ui
                        .selectable_label(panel.filter.as_ref().is_some_and(|f| f.0 == *id), name)
                        .clicked()
                    {
                        panel.filter = Some((*id, String::new()));
                    }
                }
            })
            .response
            .widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Filter attribute")
            });
        if let Some((a, v)) = &mut panel.filter {
            let a = *a;
            ui.label("=");
            egui::ComboBox::from_id_salt("matrix-filter-value")
                .selected_text(if v.is_empty() {
                    "any value".to_string()
                } else {
                    v.clone()
                })
                .show_ui(ui, |ui| {
                    for x in values_of(a) {
                        ui.selectable_value(v, x.clone(), x);
                    }
                })
                .response
                .widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Filter value")
                });
        }
    });

    ui.horizontal_wrapped(|ui| {
        ui.label("Coders:");
        for (id, name) in &coders {
            let mut on = panel.coders.is_empty() || panel.coders.contains(id);
            if ui.checkbox(&mut on, name).changed() {
                if panel.coders.is_empty() {
                    panel.coders = coders.iter().map(|c| c.0).collect();
                }
                if on {
                    panel.coders.insert(*id);
                } else {
                    panel.coders.remove(id);
                }
                if panel.coders.len() == coders.len() {
                    panel.coders.clear();
                }
            }
        }
        ui.separator();
        let l = ui.label("Only documents:");
        ui.add(
            egui::TextEdit::singleline(&mut panel.documents)
                .hint_text("all, or names: P01, P02")
                .desired_width(220.0),
        )
        .labelled_by(l.id);
    });

    // Compute when the choices or the project changed.
    let kinds: Vec<(AttributeId, AttributeKind)> = attrs.iter().map(|x| (x.0, x.2)).collect();
    match panel.spec(&kinds, &p.snap.documents) {
        Ok(None) => {
            ui.add_space(20.0);
            ui.label("Pick what the columns are: an attribute (e.g. Phase), participants, documents or codes.");
            return;
        }
        Err(e) => {
            panel.problem = Some(e);
        }
        Ok(Some(spec)) => {
            panel.problem = None;
            let stale = panel
                .matrix
                .as_ref()
                .is_none_or(|(v, s, _)| *v != version || *s != spec);
            if stale {
                let Some(p) = &app.project else { return };
                let turns = if matches!(spec.columns, Columns::Codes(CoOccurrence::Turn)) {
                    p.store.read().all_turns().unwrap_or_default()
                } else {
                    Default::default()
                };
                match matrix::compute(&p.snap, &spec, &turns) {
                    Ok(m) => {
                        app.matrices.matrix = Some((version, spec, m));
                        app.matrices.selected = None;
                        app.matrices.quotes = None;
                    }
                    Err(e) => app.matrices.problem = Some(e.to_string()),
                }
            }
        }
    }
    if let Some(problem) = &app.matrices.problem {
        ui.colored_label(Color32::from_rgb(220, 80, 80), problem);
    }
    let Some((_, _, m)) = app.matrices.matrix.clone() else {
        return;
    };
    let measure = app.matrices.measure;
    ui.horizontal(|ui| {
        ui.label(RichText::new(crate::export::matrix::describe(&m, measure, "columns", "")).weak());
        if ui
            .button("Export…")
            .on_hover_text("Write this matrix as .csv, .json or .xlsx")
            .clicked()
        {
            app.dialog = Some(Dialog::path(PathPurpose::ExportMatrix));
        }
    });
    ui.separator();
    grid_ui(app, ui, &m, measure);
    cell_ui(app, ui, &m, version);
}

fn cell_text(m: &Matrix, cell: &matrix::Cell, col: Option<usize>, measure: Measure) -> String {
    let v = m.value(cell, col, measure);
    match measure {
        Measure::Percent => format!("{v:.0}%"),
        _ => format!("{v}"),
    }
}

fn grid_ui(app: &mut WeftApp, ui: &mut Ui, m: &Matrix, measure: Measure) {
    let max = m.max_value(measure).max(1.0);
    let accent = ui.visuals().selection.bg_fill;
    let base = ui.visuals().extreme_bg_color;
    let shade = |v: f64| -> Color32 {
        let t = (v / max).clamp(0.0, 1.0) as f32;
        Color32::from_rgb(
            (base.r() as f32 + (accent.r() as f32 - base.r() as f32) * t) as u8,
            (base.g() as f32 + (accent.g() as f32 - base.g() as f32) * t) as u8,
            (base.b() as f32 + (accent.b() as f32 - base.b() as f32) * t) as u8,
        )
    };
    let mut picked = None;
    egui::ScrollArea::both()
        .id_salt("matrix-grid")
        .max_height(ui.available_height() * 0.55)
        .show(ui, |ui| {
            egui::Grid::new("matrix")
                .striped(false)
                .spacing([4.0, 3.0])
                .show(ui, |ui| {
                    ui.label(
                        RichText::new(if m.rollup {
                            "code (with children)"
                        } else {
                            "code"
                        })
                        .strong(),
                    );
                    for c in &m.columns {
                        ui.label(RichText::new(&c.label).strong())
                            .on_hover_text(format!("{} participant(s)", c.participants));
                    }
                    ui.label(RichText::new("total").strong());
                    ui.end_row();
                    for (r, (_, path)) in m.rows.iter().enumerate() {
                        ui.label(path);
                        for (c, cell) in m.cells[r].iter().enumerate() {
                            let v = m.value(cell, Some(c), measure);
                            let selected = app.matrices.selected == Some((r, c));
                            let b = egui::Button::new(cell_text(m, cell, Some(c), measure))
                                .fill(shade(v))
                                .selected(selected)
                                .min_size(egui::vec2(56.0, 0.0));
                            let resp = ui.add(b);
                            resp.widget_info(|| {
                                egui::WidgetInfo::labeled(
                                    egui::Role::Button,
                                    true,
                                    format!("{path} × {}", m.columns[c].label),
                                )
                            });
                            if resp.clicked() {
                                picked = Some((r, c));
                            }
                        }
                        ui.label(
                            RichText::new(cell_text(m, &m.row_totals[r], None, measure)).strong(),
                        );
                        ui.end_row();
                    }
                    ui.label(RichText::new("total").strong());
                    for (c, cell) in m.column_totals.iter().enumerate() {
                        ui.label(RichText::new(cell_text(m, cell, Some(c), measure)).strong());
                    }
                    ui.label(RichText::new(cell_text(m, &m.total, None, measure)).strong());
                    ui.end_row();
                });
        });
    if picked.is_some() {
        app.matrices.selected = picked;
        app.matrices.quotes = None;
    }
}

fn cell_ui(app: &mut WeftApp, ui: &mut Ui, m: &Matrix, version: u64) {
    let Some((r, c)) = app.matrices.selected else {
        ui.label(RichText::new("Click a cell to read its quotes.").weak());
        return;
    };
    let Some(p) = &app.project else { return };
    if app
        .matrices
        .quotes
        .as_ref()
        .is_none_or(|(k, _)| *k != (version, r, c))
    {
        let cell = &m.cells[r][c];
        // Each found through the snapshot's index: a cell can hold
        // thousands of segments.
        let list = cell
            .segments
            .iter()
            .filter_map(|id| {
                let s = p.snap.segment(*id)?;
                let d = p.snap.document(s.document)?;
                let who = d
                    .participant
                    .and_then(|x| p.snap.participant(x))
                    .map_or("", |x| x.name.as_str());
                Some(CellQuote {
                    segment: s.id,
                    document: s.document,
                    range: s.range,
                    source: format!("{} · {} · {}", d.name, who, p.snap.coder_name(s.coder)),
                })
            })
            .collect();
        app.matrices.quotes = Some(((version, r, c), list));
    }
    let Some((key, quotes)) = app.matrices.quotes.take() else {
        return;
    };
    let (code, path) = m.rows[r].clone();
    ui.horizontal(|ui| {
        ui.strong(format!("{path} × {}", m.columns[c].label));
        ui.label(format!("{} quote(s)", quotes.len()));
    });
    ui.columns(2, |cols| {
        let row_height = quote_row_height(&cols[0]);
        egui::ScrollArea::vertical()
            .id_salt("matrix-quotes")
            .auto_shrink([false, true])
            .show_rows(&mut cols[0], row_height, quotes.len(), |ui, range| {
                let Some(p) = &mut app.project else { return };
                // Text only for the quotes in view, read once.
                let shown: Vec<_> = quotes[range.clone()]
                    .iter()
                    .map(|q| (q.segment, q.document, q.range))
                    .collect();
                let texts = p.quotes_of(&shown);
                for (q, text) in quotes[range].iter().zip(texts) {
                    let quote = quote_line(&text, q.range.len());
                    let resp =
                        quote_row(ui, &q.source, &quote, p.selected_segment == Some(q.segment));
                    if resp.clicked() {
                        p.selected_segment = Some(q.segment);
                    }
                    if resp.double_clicked() {
                        p.selected_segment = Some(q.segment);
                        app.queue
                            .push(Command::OpenDocument(q.document, Some(q.range)));
                        app.tab = Tab::Coding;
                    }
                }
            });
        let ui = &mut cols[1];
        // Framework matrix: the researcher's summary of this participant × code.
        if app.matrices.columns == Some(ColumnChoice::Participants) {
            let Some(p) = &app.project else { return };
            let Some(pid) = p
                .snap
                .participants
                .iter()
                .find(|x| x.name == m.columns[c].label)
                .map(|x| x.id)
            else {
                return;
            };
            let stored = p
                .store
                .read()
                .summary(pid, code)
                .ok()
                .flatten()
                .unwrap_or_default();
            let label = ui.strong("Your summary of this cell:");
            let (resp, saved) = draft_field(
                &mut app.drafts,
                ui,
                &format!("summary:{}:{}", pid.0, code.0),
                &stored,
                5,
                f32::INFINITY,
                "",
            );
            resp.labelled_by(label.id);
            if let Some(text) = saved {
                app.change("Edit summary", move |_| {
                    Ok(Edit::SetSummary {
                        participant: pid,
                        code,
                        text: Some(text),
                    })
                });
            }
        } else if matches!(app.matrices.columns, Some(ColumnChoice::Attribute(_))) {
            // Prevalence of this code across the attribute's groups.
            let bars: Vec<egui_plot::Bar> = m.cells[r]
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    egui_plot::Bar::new(i as f64, m.value(cell, Some(i), Measure::Percent))
                        .name(&m.columns[i].label)
                        .width(0.6)
                })
                .collect();
            let labels: Vec<String> = m.columns.iter().map(|c| c.label.clone()).collect();
            ui.label(format!("% of participants with \"{path}\""));
            egui_plot::Plot::new("prevalence")
                .height(180.0)
                .allow_zoom(false)
                .allow_drag(false)
                .allow_scroll(false)
                .include_y(0.0)
                .include_y(100.0)
                .x_axis_formatter(move |mark, _| {
                    labels
                        .get(mark.value.round() as usize)
                        .filter(|_| (mark.value - mark.value.round()).abs() < 1e-6)
                        .cloned()
                        .unwrap_or_default()
                })
                .show(ui, |plot| {
                    plot.bar_chart(egui_plot::BarChart::new("prevalence", bars))
                });
        }
    });
    app.matrices.quotes = Some((key, quotes));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Only documents" names documents; a name that is not there is
    /// refused with it.
    #[test]
    fn only_documents_are_found_by_name() {
        let doc = |id: i64, name: &str| crate::model::Document {
            id: DocumentId(id),
            guid: String::new(),
            name: name.into(),
            participant: None,
            char_len: 10,
            source_file: String::new(),
            encoding: String::new(),
            imported_at: String::new(),
            memo: String::new(),
        };
        let documents = [doc(1, "P01"), doc(2, "P02"), doc(3, "P03")];
        let mut panel = MatrixPanel {
            columns: Some(ColumnChoice::Participants),
            documents: "P01, P03".into(),
            ..Default::default()
        };
        let spec = panel.spec(&[], &documents).unwrap().unwrap();
        let want: std::collections::HashSet<_> = [DocumentId(1), DocumentId(3)].into();
        assert_eq!(spec.filters.documents, Some(want));
        panel.documents = "P01, P09".into();
        assert_eq!(
            panel.spec(&[], &documents).unwrap_err(),
            "no document \"P09\""
        );
        panel.documents = String::new();
        let spec = panel.spec(&[], &documents).unwrap().unwrap();
        assert_eq!(spec.filters.documents, None);
    }
}
