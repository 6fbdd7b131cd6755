//! The margin of coding stripes beside the text: one lane per code, with the
//! code's name, click to select a segment, right-click for its menu.

use super::*;

impl TranscriptView {
    pub(super) fn stripes_ui(
        &mut self,
        ui: &mut Ui,
        visible: &[(usize, Pos2)],
        x0: f32,
        code_names: &[(CodeId, String)],
        actions: &mut Vec<TranscriptAction>,
    ) {
        let Some(&(first, _)) = visible.first() else {
            return;
        };
        let Some(&(last, _)) = visible.last() else {
            return;
        };
        let span = CharRange::new(self.blocks[first].chars.start, self.blocks[last].chars.end);
        let y_of = |view: &Self, offset: usize, end: bool| -> f32 {
            let b = view.block_of(offset).clamp(first, last);
            let (_, pos) = visible
                .iter()
                .find(|(i, _)| *i == b)
                .copied()
                .unwrap_or(visible[0]);
            let g = &view.galleys[&b];
            let local = offset.clamp(view.blocks[b].chars.start, view.blocks[b].chars.end)
                - view.blocks[b].chars.start;
            let r = g.pos_from_cursor(CCursor::new(local));
            pos.y + if end { r.max.y } else { r.min.y }
        };
        let small = FontId::proportional(10.5);
        let hovered_text = ui.visuals().strong_text_color();
        let mut clicked = None;
        for h in self.highlights.iter().filter(|h| h.range.overlaps(&span)) {
            let lane = self
                .lanes
                .iter()
                .position(|&lane| lane == (h.code, h.coder))
                .unwrap_or(0)
                .min(MAX_LANES - 1);
            let x = x0 + lane as f32 * LANE_WIDTH;
            let top = y_of(self, h.range.start.max(span.start), false);
            let bottom = y_of(self, h.range.end.min(span.end), true).max(top + 6.0);
            let bar = Rect::from_min_max(pos2(x, top), pos2(x + 4.0, bottom));
            let selected = self.selected_segment == Some(h.segment);
            let resp = ui
                .interact(
                    bar.expand2(vec2(4.0, 0.0)),
                    Id::unique(("stripe", h.segment)),
                    Sense::click(),
                )
                .on_hover_text(&h.name);
            let painter = ui.painter();
            painter.rect_filled(bar, 2.0, h.color);
            if selected || resp.hovered() {
                painter.rect_stroke(
                    bar.expand(1.5),
                    2.0,
                    Stroke::new(1.5, hovered_text),
                    egui::StrokeKind::Outside,
                );
            }
            // The code's name runs down beside its stripe, clipped to the stripe's height.
            if bottom - top > 24.0 {
                let galley = ui
                    .ctx()
                    .fonts_mut(|f| f.layout_no_wrap(h.name.clone(), small.clone(), h.color));
                let text = egui::epaint::TextShape::new(pos2(x + 16.0, top + 2.0), galley, h.color)
                    .with_angle(std::f32::consts::FRAC_PI_2);
                ui.painter()
                    .with_clip_rect(Rect::from_min_max(
                        pos2(x, top),
                        pos2(x + LANE_WIDTH, bottom),
                    ))
                    .add(text);
            }
            if resp.clicked() {
                clicked = Some((h.segment, h.range));
            }
            resp.context_menu(|ui| {
                ui.label(egui::RichText::new(&h.name).strong());
                if ui.button("Remove this coding").clicked() {
                    actions.push(TranscriptAction::RemoveSegment(h.segment));
                    ui.close();
                }
                if ui.button("Edit memo…").clicked() {
                    actions.push(TranscriptAction::EditSegmentMemo(h.segment));
                    ui.close();
                }
                let pin = if h.exemplar {
                    "Unpin exemplar"
                } else {
                    "Pin as exemplar"
                };
                if ui.button(pin).clicked() {
                    actions.push(TranscriptAction::SetExemplar(h.segment, !h.exemplar));
                    ui.close();
                }
                ui.menu_button("Recode as", |ui| {
                    egui::ScrollArea::vertical()
                        .max_height(300.0)
                        .show(ui, |ui| {
                            for (code, path) in code_names {
                                if *code != h.code && ui.button(path).clicked() {
                                    actions.push(TranscriptAction::RecodeSegment(h.segment, *code));
                                    ui.close();
                                }
                            }
                        });
                });
            });
        }
        if let Some((segment, range)) = clicked {
            self.selected_segment = Some(segment);
            self.selection = Some(Selection {
                anchor: range.start,
                cursor: range.end,
            });
            actions.push(TranscriptAction::SelectSegment(segment));
        }
    }
}
