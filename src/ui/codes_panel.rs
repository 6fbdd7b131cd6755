//! The left panel: the documents (with participant, attributes and how much is
//! coded) and the code tree (colours, counts, rename, drag to re-parent, merge,
//! delete, quick keys).

use egui::{Color32, RichText, Sense, Ui, vec2};

use super::app::{Command, TreeDrag, WeftApp, parse_hex};
use super::dialogs::Dialog;
use crate::edit::ops;
use crate::model::CodeId;

/// The documents list's rows for one snapshot version and filter, worked out
/// once instead of every frame: where each listed document is in the
/// snapshot's documents (in name order), and where each participant is, for
/// the labels. A row's label is written only while it is in view, so a
/// project of thousands of documents opens without writing them all.
pub struct DocumentRows {
    key: (u64, String),
    rows: Vec<usize>,
    participants: rustc_hash::FxHashMap<crate::model::ParticipantId, usize>,
}

/// A participant's attributes that have a value, with it.
fn attribute_values(
    snap: &crate::model::ProjectSnapshot,
    participant: crate::model::ParticipantId,
) -> impl Iterator<Item = (&str, &str)> {
    snap.attributes
        .iter()
        .map(move |a| (a.name.as_str(), snap.value(participant, a.id)))
        .filter(|(_, v)| !v.is_empty())
}

impl DocumentRows {
    /// The rows. Each participant's attributes are written out only to
    /// match a filter (and for a row's hover, when it is hovered).
    fn build(snap: &crate::model::ProjectSnapshot, key: (u64, String)) -> Self {
        let participants = snap
            .participants
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        let mut rows = DocumentRows {
            key,
            rows: Vec::new(),
            participants,
        };
        let filter = &rows.key.1;
        rows.rows = if filter.is_empty() {
            (0..snap.documents.len()).collect()
        } else {
            (0..snap.documents.len())
                .filter(|&i| {
                    let d = &snap.documents[i];
                    let mut hay = format!("{} {}", d.name, rows.participant_name(snap, d));
                    if let Some(pid) = d.participant {
                        for (name, value) in attribute_values(snap, pid) {
                            hay.push_str(&format!(" {name}: {value}"));
                        }
                    }
                    hay.to_lowercase().contains(filter.as_str())
                })
                .collect()
        };
        rows
    }

    /// The name of a document's participant ("" for none).
    fn participant_name<'s>(
        &self,
        snap: &'s crate::model::ProjectSnapshot,
        d: &crate::model::Document,
    ) -> &'s str {
        d.participant
            .and_then(|id| self.participants.get(&id))
            .map_or("", |&i| snap.participants[i].name.as_str())
    }

    /// A row's label: the document's name, with its participant's when
    /// that differs.
    fn label(&self, snap: &crate::model::ProjectSnapshot, d: &crate::model::Document) -> String {
        match self.participant_name(snap, d) {
            "" => d.name.clone(),
            p if p == d.name => d.name.clone(),
            p => format!("{} ({p})", d.name),
        }
    }
}

/// The documents list. Only the rows in view are drawn.
pub fn documents_ui(app: &mut WeftApp, ui: &mut Ui) {
    let Some(p) = &mut app.project else { return };
    ui.horizontal(|ui| {
        let label = ui.strong("Documents");
        ui.add(
            egui::TextEdit::singleline(&mut app.doc_filter)
                .hint_text("filter")
                .desired_width(140.0)
                .id_salt("doc-filter"),
        )
        .labelled_by(label.id);
    });
    let current = p.view.as_ref().map(|v| v.document);
    // Rebuilt when documents, participants or values change, not on every
    // coding change: coverage and counts are read for the rows in view.
    let key = (p.listing_version, app.doc_filter.to_lowercase());
    if p.document_rows.as_ref().is_none_or(|c| c.key != key) {
        p.document_rows = Some(DocumentRows::build(&p.snap, key));
    }
    let Some(cache) = p.document_rows.take() else {
        return;
    };
    let mut open = None;
    let mut delete = None;
    let row_height = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical()
        .id_salt("documents")
        .max_height(ui.available_height() * 0.4)
        .auto_shrink([false, true])
        .show_rows(ui, row_height, cache.rows.len(), |ui, range| {
            for &at in &cache.rows[range] {
                // Rebuilt whenever the documents change (their listing
                // version moves), so every position is in the list.
                let Some(row) = p.snap.documents.get(at) else {
                    continue;
                };
                let coverage = p.snap.coverage_of(row.id, row.char_len);
                ui.horizontal(|ui| {
                    let resp =
                        ui.selectable_label(current == Some(row.id), cache.label(&p.snap, row));
                    let hover = row
                        .participant
                        .filter(|pid| attribute_values(&p.snap, *pid).next().is_some());
                    let resp = match hover {
                        // Written out only while it shows.
                        Some(pid) => resp.on_hover_ui(|ui| {
                            let lines: Vec<String> = attribute_values(&p.snap, pid)
                                .map(|(name, value)| format!("{name}: {value}"))
                                .collect();
                            ui.label(lines.join("\n"));
                        }),
                        None => resp,
                    };
                    if resp.clicked() {
                        open = Some(row.id);
                    }
                    resp.context_menu(|ui| {
                        // Its count of segments is not known yet.
                        let delete_button = egui::Button::new("Delete document…");
                        if ui.add_enabled(!p.is_loading(), delete_button).clicked() {
                            delete = Some((row.name.clone(), p.snap.segments_of(row.id).len()));
                            ui.close();
                        }
                    });
                    ui.add(egui::ProgressBar::new(coverage).desired_width(60.0).text(
                        if p.is_loading() {
                            "…".to_string()
                        } else {
                            format!("{:.0}%", coverage * 100.0)
                        },
                    ))
                    .on_hover_text("share of the text that is coded");
                });
            }
        });
    p.document_rows = Some(cache);
    if let Some(d) = open {
        app.queue.push(Command::OpenDocument(d, None));
    }
    if let Some((name, segments)) = delete {
        app.dialog = Some(Dialog::DeleteDocument { name, segments });
    }
}

/// The code tree.
pub fn code_tree_ui(app: &mut WeftApp, ui: &mut Ui) {
    if app.project.is_none() {
        return;
    }
    ui.horizontal(|ui| {
        ui.strong("Codes");
        if ui.small_button("+ New code").clicked() {
            app.dialog = Some(Dialog::AddCode {
                parent: None,
                text: String::new(),
            });
        }
    });
    let quick: Vec<Option<CodeId>> = (0..9).map(|n| app.quick_key_code(n)).collect();
    egui::ScrollArea::vertical()
        .id_salt("codes")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let top: Vec<CodeId> = app
                .project
                .as_ref()
                .map(|p| p.snap.codes.children(None).to_vec())
                .unwrap_or_default();
            for c in top {
                code_row(app, ui, c, 0, &quick);
            }
            // Dropping a code here moves it to the top level.
            let (rect, resp) =
                ui.allocate_exact_size(vec2(ui.available_width(), 28.0), Sense::hover());
            if let Some(drag) = resp.dnd_hover_payload::<TreeDrag>()
                && matches!(*drag, TreeDrag::Code(_))
            {
                ui.painter().rect_stroke(
                    rect,
                    4.0,
                    ui.visuals().selection.stroke,
                    egui::StrokeKind::Inside,
                );
                ui.painter().text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "move to top level",
                    egui::FontId::proportional(12.0),
                    ui.visuals().weak_text_color(),
                );
            }
            if let Some(drag) = resp.dnd_release_payload::<TreeDrag>()
                && let TreeDrag::Code(id) = *drag
            {
                app.change("Move code", move |r| ops::move_code(r, id, None));
            }
        });
}

fn code_row(app: &mut WeftApp, ui: &mut Ui, id: CodeId, depth: usize, quick: &[Option<CodeId>]) {
    let Some(p) = &app.project else { return };
    let Some(code) = p.snap.codes.get(id).cloned() else {
        return;
    };
    let children = p.snap.codes.children(Some(id)).to_vec();
    let stats = p.snap.code_stats.get(&id).copied().unwrap_or_default();
    let selected = p.selected_code == Some(id);
    let loading = p.is_loading();
    let has_selection = p
        .view
        .as_ref()
        .and_then(|v| v.selection)
        .is_some_and(|s| !s.range().is_empty());
    let collapsed = app.collapsed.contains(&id);
    let key = quick.iter().position(|q| *q == Some(id));
    let mut subtree_segments = stats.segments;
    for d in p.snap.codes.descendants(id) {
        subtree_segments += p.snap.code_stats.get(&d).map_or(0, |s| s.segments);
    }
    let resp = ui
        .horizontal(|ui| {
            ui.add_space(depth as f32 * 14.0);
            if children.is_empty() {
                ui.add_space(18.0);
            } else if ui
                .small_button(if collapsed { "+" } else { "−" })
                .on_hover_text("show or hide children")
                .clicked()
            {
                if collapsed {
                    app.collapsed.remove(&id);
                } else {
                    app.collapsed.insert(id);
                }
            }
            let (swatch, _) = ui.allocate_exact_size(vec2(12.0, 12.0), Sense::hover());
            ui.painter()
                .rect_filled(swatch, 3.0, parse_hex(&code.color));
            if let Some((renaming, text)) = &mut app.renaming
                && *renaming == id
            {
                // Rename in place: Enter or leaving the field saves, Escape cancels.
                let resp = ui.add(
                    egui::TextEdit::singleline(text)
                        .desired_width(160.0)
                        .id_salt(("rename", id.0)),
                );
                resp.widget_info(|| {
                    egui::WidgetInfo::labeled(
                        egui::Role::TextInput,
                        true,
                        format!("Rename {}", code.name),
                    )
                });
                if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    app.renaming = None;
                } else if resp.lost_focus() {
                    let name = text.clone();
                    app.renaming = None;
                    if name.trim() != code.name {
                        app.change("Rename code", move |r| ops::rename_code(r, id, &name));
                    }
                } else if !resp.has_focus() {
                    resp.request_focus();
                }
                return resp;
            }
            let mut text = if loading {
                // The counts come with the coding.
                format!("{}  …", code.name)
            } else {
                format!(
                    "{}  {} · {}p",
                    code.name, stats.segments, stats.participants
                )
            };
            if let Some(k) = key {
                text = format!("[{}] {text}", k + 1);
            }
            let resp =
                ui.add(egui::Button::selectable(selected, text).sense(Sense::click_and_drag()));
            let tip = if code.description.is_empty() {
                code.name.clone()
            } else {
                code.description.clone()
            };
            resp.on_hover_text(format!(
                "{tip}\n\n{} segment(s) from {} participant(s){}",
                stats.segments,
                stats.participants,
                if has_selection {
                    "\nClick to apply to the selection."
                } else {
                    ""
                }
            ))
        })
        .inner;
    resp.dnd_set_drag_payload(TreeDrag::Code(id));
    if resp.dnd_hover_payload::<TreeDrag>().is_some() {
        ui.painter().rect_stroke(
            resp.rect,
            3.0,
            ui.visuals().selection.stroke,
            egui::StrokeKind::Outside,
        );
    }
    match resp.dnd_release_payload::<TreeDrag>().map(|d| *d) {
        Some(TreeDrag::Code(moving)) if moving != id => {
            app.change("Move code", move |r| ops::move_code(r, moving, Some(id)));
        }
        Some(TreeDrag::Selection) => app.queue.push(Command::ApplyCode(id)),
        _ => {}
    }
    if resp.clicked() {
        if let Some(p) = &mut app.project {
            p.selected_code = Some(id);
            p.selected_segment = None;
        }
        app.retrieval_filter = None;
        if has_selection {
            app.queue.push(Command::ApplyCode(id));
        }
    }
    if resp.double_clicked() {
        app.renaming = Some((id, code.name.clone()));
    }
    resp.context_menu(|ui| {
        if has_selection && ui.button("Apply to selection").clicked() {
            app.queue.push(Command::ApplyCode(id));
            ui.close();
        }
        if ui.button("Add child code…").clicked() {
            app.dialog = Some(Dialog::AddCode {
                parent: Some(id),
                text: String::new(),
            });
            ui.close();
        }
        if ui.button("Rename…").clicked() {
            app.renaming = Some((id, code.name.clone()));
            ui.close();
        }
        if ui.button("Merge into…").clicked() {
            app.dialog = Some(Dialog::MergeCode {
                source: id,
                filter: String::new(),
            });
            ui.close();
        }
        if code.parent.is_some() && ui.button("Move to top level").clicked() {
            app.change("Move code", move |r| ops::move_code(r, id, None));
            ui.close();
        }
        ui.menu_button("Quick key", |ui| {
            for n in 0..9 {
                if ui.button(format!("{}", n + 1)).clicked() {
                    app.pin_quick_key(n, id);
                    ui.close();
                }
            }
        });
        ui.separator();
        if ui
            .button(RichText::new("Delete…").color(Color32::from_rgb(200, 60, 60)))
            .clicked()
        {
            if subtree_segments > 0 {
                app.dialog = Some(Dialog::DeleteCode {
                    code: id,
                    segments: subtree_segments,
                });
            } else {
                app.change("Delete code", move |r| ops::delete_code(r, id, false));
            }
            ui.close();
        }
    });
    if !collapsed {
        for c in children {
            code_row(app, ui, c, depth + 1, quick);
        }
    }
}
