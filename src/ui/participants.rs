//! The participants tab: a grid of participants × attributes, edited in place.

use egui::{RichText, Ui};

use super::app::WeftApp;
use super::dialogs::Dialog;
use crate::edit::ops;
use crate::model::AttributeKind;

/// Draws the grid. A cell saves when it loses focus; a value that does not fit
/// its attribute's type is refused with an error.
pub fn participants_ui(app: &mut WeftApp, ui: &mut Ui) {
    let Some(p) = &app.project else { return };
    let snap = p.snap.clone();
    ui.horizontal(|ui| {
        ui.heading("Participants");
        if ui.button("+ Attribute…").clicked() {
            app.dialog = Some(Dialog::AddAttribute {
                name: String::new(),
                kind: AttributeKind::Text,
            });
        }
        if ui.button("Import sheet…").clicked() {
            app.trigger(super::app::Action::ImportParticipants);
        }
    });
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("participants-grid")
                .striped(true)
                .spacing([12.0, 4.0])
                .show(ui, |ui| {
                    ui.label(RichText::new("Participant").strong());
                    for a in &snap.attributes {
                        ui.label(
                            RichText::new(format!("{} ({})", a.name, a.kind.as_str())).strong(),
                        );
                    }
                    ui.end_row();
                    for person in &snap.participants {
                        ui.label(&person.name);
                        for a in &snap.attributes {
                            let key = format!("cell:{}:{}", person.id.0, a.id.0);
                            let stored = snap.value(person.id, a.id).to_string();
                            let draft = app
                                .drafts
                                .entry(key.clone())
                                .or_insert_with(|| stored.clone());
                            let resp = ui.add(
                                egui::TextEdit::singleline(draft)
                                    .desired_width(110.0)
                                    .hint_text(format!("{} of {}", a.name, person.name))
                                    .id_salt(key.as_str()),
                            );
                            let resp = resp.on_hover_text(format!("{} of {}", a.name, person.name));
                            resp.widget_info(|| {
                                egui::WidgetInfo::labeled(
                                    egui::Role::TextInput,
                                    true,
                                    format!("{} of {}", a.name, person.name),
                                )
                            });
                            if resp.lost_focus() {
                                let text = draft.clone();
                                app.drafts.remove(&key);
                                if text.trim() != stored {
                                    let (pid, aid) = (person.id, a.id);
                                    app.change("Edit attribute value", move |r| {
                                        ops::set_value(r, pid, aid, &text)
                                    });
                                }
                            } else if !resp.has_focus() && *draft != stored {
                                *draft = stored;
                            }
                        }
                        ui.end_row();
                    }
                });
        });
}
