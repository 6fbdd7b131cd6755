//! The participants tab: a grid of participants × attributes, edited in place.

use egui::{RichText, Ui};

use super::app::{WeftApp, draft_field};
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
                            let name = format!("{} of {}", a.name, person.name);
                            let (resp, saved) = draft_field(
                                &mut app.drafts,
                                ui,
                                &format!("cell:{}:{}", person.id.0, a.id.0),
                                snap.value(person.id, a.id),
                                1,
                                110.0,
                                &name,
                            );
                            let resp = resp.on_hover_text(&name);
                            resp.widget_info(|| {
                                egui::WidgetInfo::labeled(egui::Role::TextInput, true, &name)
                            });
                            let stored = snap.value(person.id, a.id);
                            if let Some(text) = saved.filter(|t| t.trim() != stored) {
                                let (pid, aid) = (person.id, a.id);
                                app.change("Edit attribute value", move |r| {
                                    ops::set_value(r, pid, aid, &text)
                                });
                            }
                        }
                        ui.end_row();
                    }
                });
        });
}
