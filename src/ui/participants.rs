//! The participants tab: a grid of participants × attributes, edited in place.

use egui::{RichText, Ui};

use super::app::{WeftApp, draft_field};
use super::dialogs::Dialog;
use crate::edit::ops;
use crate::model::AttributeKind;

/// Width of the participant column and of each attribute column.
const NAME_WIDTH: f32 = 140.0;
const CELL_WIDTH: f32 = 110.0;

/// Draws the grid. A cell saves when it loses focus; a value that does not fit
/// its attribute's type is refused with an error. Only the rows in view are
/// laid out, so a project of thousands of participants costs what one screen
/// costs.
pub fn participants_ui(app: &mut WeftApp, ui: &mut Ui) {
    let Some(p) = &app.project else { return };
    // The values come in with the coding of a large project.
    if super::widgets::reading_the_coding(ui, p) {
        return;
    }
    let attributes = p.snap.attributes.clone();
    let count = p.snap.participants.len();
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
    let mut saves = Vec::new();
    let row_height = ui.spacing().interact_size.y;
    egui::ScrollArea::horizontal()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.add_sized(
                    [NAME_WIDTH, row_height],
                    egui::Label::new(RichText::new("Participant").strong()),
                );
                for a in &attributes {
                    ui.add_sized(
                        [CELL_WIDTH, row_height],
                        egui::Label::new(
                            RichText::new(format!("{} ({})", a.name, a.kind.as_str())).strong(),
                        )
                        .truncate(),
                    );
                }
            });
            egui::ScrollArea::vertical()
                .id_salt("participants-rows")
                .auto_shrink([false, false])
                .show_rows(ui, row_height, count, |ui, range| {
                    let Some(p) = &app.project else { return };
                    for person in &p.snap.participants[range] {
                        ui.horizontal(|ui| {
                            ui.add_sized(
                                [NAME_WIDTH, row_height],
                                egui::Label::new(person.name.as_str()).truncate(),
                            );
                            for a in &attributes {
                                let name = format!("{} of {}", a.name, person.name);
                                let stored = p.snap.value(person.id, a.id);
                                let (resp, saved) = draft_field(
                                    &mut app.drafts,
                                    ui,
                                    &format!("cell:{}:{}", person.id.0, a.id.0),
                                    stored,
                                    1,
                                    CELL_WIDTH,
                                    &name,
                                );
                                let resp = resp.on_hover_text(&name);
                                resp.widget_info(|| {
                                    egui::WidgetInfo::labeled(egui::Role::TextInput, true, &name)
                                });
                                if let Some(text) = saved.filter(|t| t.trim() != stored) {
                                    saves.push((person.id, a.id, text));
                                }
                            }
                        });
                    }
                });
        });
    for (pid, aid, text) in saves {
        app.change("Edit attribute value", move |r| {
            ops::set_value(r, pid, aid, &text)
        });
    }
}
