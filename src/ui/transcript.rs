//! The transcript view: the text of one document, with its coding.
//!
//! A long transcript is never laid out as one galley. It is cut into blocks (a
//! speaker turn each, or a paragraph when there are no turns, split further when
//! very long) and only the blocks in view are laid out, inside
//! `ScrollArea::show_viewport`, with a table of block heights: estimated for
//! blocks not yet seen, measured once drawn. Selection is kept as code-point
//! offsets into the whole document, so it runs across blocks as one selection.
//! Galleys count characters, as Weft does, so a block-relative galley index plus
//! the block's start is a document offset.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use egui::text::{CCursor, LayoutJob, TextFormat};
use egui::{
    Color32, CursorIcon, EventFilter, FontId, Galley, Id, Key, Pos2, Rect, Sense, Stroke, Ui, Vec2,
    pos2, vec2,
};

use crate::model::{CharRange, CodeId, DocumentId, SegmentId, Turn};

/// Longest block laid out as one galley; longer turns are split at line breaks.
const MAX_BLOCK_CHARS: usize = 4_000;
/// Space between blocks.
const BLOCK_GAP: f32 = 8.0;
/// Width of one coding stripe lane in the margin.
const LANE_WIDTH: f32 = 16.0;
/// The most lanes drawn; codes past this share the last lane.
const MAX_LANES: usize = 12;

/// One coded passage as the view draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlight {
    /// The segment.
    pub segment: SegmentId,
    /// Its code.
    pub code: CodeId,
    /// Its range.
    pub range: CharRange,
    /// The code's colour.
    pub color: Color32,
    /// The code's name, shown on its stripe.
    pub name: String,
}

/// A selection: where it started and where the cursor is now (code points).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    /// Where the selection started.
    pub anchor: usize,
    /// Where the cursor is.
    pub cursor: usize,
}

impl Selection {
    /// The selected range, start before end.
    pub fn range(&self) -> CharRange {
        CharRange::new(self.anchor.min(self.cursor), self.anchor.max(self.cursor))
    }
}

/// What the user did in the view this frame that the app must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TranscriptAction {
    /// A stripe or highlight was clicked: show this segment's details.
    SelectSegment(SegmentId),
    /// Remove this segment (from a stripe's context menu).
    RemoveSegment(SegmentId),
    /// Move this segment to another code.
    RecodeSegment(SegmentId, CodeId),
    /// Edit this segment's memo.
    EditSegmentMemo(SegmentId),
    /// The user is dragging the selection (to drop it on a code).
    DragSelection,
}

#[derive(Debug, Clone)]
struct Block {
    /// Displayed code points (trailing line breaks left out).
    chars: CharRange,
    /// The same, in bytes.
    bytes: Range<usize>,
    /// Code points of the speaker label at the start (0 when none).
    label_chars: usize,
    /// Code points of each line, for height estimates.
    line_chars: Vec<u32>,
}

/// The state of the transcript view for one open document.
pub struct TranscriptView {
    /// The document shown.
    pub document: DocumentId,
    text: String,
    char_len: usize,
    blocks: Vec<Block>,
    heights: Vec<f32>,
    tops: Vec<f32>,
    measured: Vec<bool>,
    wrap_width: f32,
    font_size: f32,
    galleys: HashMap<usize, Arc<Galley>>,
    highlights: Vec<Highlight>,
    lanes: Vec<CodeId>,
    /// The current selection, if any.
    pub selection: Option<Selection>,
    /// Hits of the find bar, outlined in the text.
    find_hits: Vec<CharRange>,
    /// The segment picked by a click on its stripe.
    pub selected_segment: Option<SegmentId>,
    scroll_to: Option<usize>,
    keep_cursor_visible: bool,
    h_pos: Option<f32>,
    /// A drag that started inside the selection carries it instead of selecting.
    dragging_selection: bool,
}

fn is_line_break(c: char) -> bool {
    c == '\n'
}

impl TranscriptView {
    /// Prepares a document for display. `turns` split it into blocks.
    pub fn new(document: DocumentId, text: String, turns: &[Turn]) -> Self {
        let blocks = make_blocks(&text, turns);
        let n = blocks.len();
        let char_len = text.chars().count();
        let mut view = TranscriptView {
            document,
            text,
            char_len,
            blocks,
            heights: vec![0.0; n],
            tops: vec![0.0; n + 1],
            measured: vec![false; n],
            wrap_width: 0.0,
            font_size: 15.0,
            galleys: HashMap::new(),
            highlights: Vec::new(),
            lanes: Vec::new(),
            selection: None,
            find_hits: Vec::new(),
            selected_segment: None,
            scroll_to: None,
            keep_cursor_visible: false,
            h_pos: None,
            dragging_selection: false,
        };
        view.estimate_heights(600.0);
        view
    }

    /// The id of the text widget (to tell whether it has the keyboard).
    pub fn widget_id(&self) -> Id {
        Id::unique(("transcript-text", self.document))
    }

    /// The document's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Length in code points.
    pub fn char_len(&self) -> usize {
        self.char_len
    }

    /// Replaces the coding drawn. Only blocks whose highlights changed are laid out again.
    pub fn set_highlights(&mut self, mut highlights: Vec<Highlight>, lane_order: &[CodeId]) {
        highlights.sort_by_key(|h| (h.range.start, h.range.end, h.segment));
        if highlights == self.highlights {
            return;
        }
        let changed = symmetric_ranges(&self.highlights, &highlights);
        self.highlights = highlights;
        let present: std::collections::HashSet<CodeId> =
            self.highlights.iter().map(|h| h.code).collect();
        self.lanes = lane_order
            .iter()
            .copied()
            .filter(|c| present.contains(c))
            .collect();
        for r in changed {
            self.invalidate(r);
        }
    }

    /// Sets the find bar's hits.
    pub fn set_find_hits(&mut self, hits: Vec<CharRange>) {
        if hits == self.find_hits {
            return;
        }
        let old = std::mem::replace(&mut self.find_hits, hits);
        for r in old.into_iter().chain(self.find_hits.clone()) {
            self.invalidate(r);
        }
    }

    /// Scrolls so that this offset is in view, and puts the cursor there.
    pub fn scroll_to(&mut self, offset: usize) {
        self.scroll_to = Some(offset.min(self.char_len));
    }

    /// Selects a range and scrolls to it.
    pub fn select(&mut self, range: CharRange) {
        self.selection = Some(Selection {
            anchor: range.start,
            cursor: range.end,
        });
        self.scroll_to(range.start);
    }

    /// The text of a range.
    pub fn slice(&self, range: CharRange) -> String {
        self.text
            .chars()
            .skip(range.start)
            .take(range.len())
            .collect()
    }

    fn invalidate(&mut self, range: CharRange) {
        let first = self.blocks.partition_point(|b| b.chars.end <= range.start);
        for i in first..self.blocks.len() {
            if self.blocks[i].chars.start >= range.end.max(range.start + 1) {
                break;
            }
            self.galleys.remove(&i);
        }
    }

    fn estimate_heights(&mut self, width: f32) {
        let char_w = self.font_size * 0.52;
        let row_h = self.font_size * 1.3;
        let per_row = ((width / char_w).floor() as u32).max(10);
        for (i, b) in self.blocks.iter().enumerate() {
            let rows: u32 = b
                .line_chars
                .iter()
                .map(|&n| n.div_ceil(per_row).max(1))
                .sum();
            self.heights[i] = rows as f32 * row_h + BLOCK_GAP;
            self.measured[i] = false;
        }
        self.recompute_tops();
    }

    fn recompute_tops(&mut self) {
        let mut y = 0.0;
        for (i, h) in self.heights.iter().enumerate() {
            self.tops[i] = y;
            y += h;
        }
        self.tops[self.blocks.len()] = y;
    }

    /// The block holding a document offset (the nearest one for a line break between blocks).
    fn block_of(&self, offset: usize) -> usize {
        self.blocks
            .partition_point(|b| b.chars.end < offset)
            .min(self.blocks.len().saturating_sub(1))
    }

    fn layout_block(&self, ui: &Ui, i: usize) -> Arc<Galley> {
        let b = &self.blocks[i];
        let text = &self.text[b.bytes.clone()];
        // Local offsets where the format changes.
        let mut cuts = vec![0, b.chars.len()];
        if b.label_chars > 0 {
            cuts.push(b.label_chars.min(b.chars.len()));
        }
        let local = |o: usize| o.clamp(b.chars.start, b.chars.end) - b.chars.start;
        let first_hl = self
            .highlights
            .partition_point(|h| h.range.end <= b.chars.start && h.range.start < b.chars.start);
        let relevant: Vec<&Highlight> = self.highlights[first_hl..]
            .iter()
            .take_while(|h| h.range.start < b.chars.end)
            .filter(|h| h.range.overlaps(&b.chars))
            .collect();
        let hits: Vec<&CharRange> = self
            .find_hits
            .iter()
            .filter(|r| r.overlaps(&b.chars))
            .collect();
        for h in &relevant {
            cuts.push(local(h.range.start));
            cuts.push(local(h.range.end));
        }
        for r in &hits {
            cuts.push(local(r.start));
            cuts.push(local(r.end));
        }
        cuts.sort_unstable();
        cuts.dedup();
        let char_bytes: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let visuals = ui.visuals();
        let base = TextFormat {
            font_id: FontId::proportional(self.font_size),
            color: visuals.text_color(),
            line_height: Some(self.font_size * 1.3),
            ..Default::default()
        };
        let dark = visuals.dark_mode;
        let mut job = LayoutJob {
            text: text.to_string(),
            wrap: egui::text::TextWrapping::wrap_at_width(self.wrap_width),
            ..Default::default()
        };
        for w in cuts.windows(2) {
            let (s, e) = (w[0], w[1]);
            if s >= e {
                continue;
            }
            let (ds, de) = (b.chars.start + s, b.chars.start + e);
            let mut format = base.clone();
            if s < b.label_chars {
                // The speaker's label stands out by colour (egui's default fonts have no bold).
                format.color = if dark {
                    Color32::from_rgb(140, 190, 255)
                } else {
                    Color32::from_rgb(20, 70, 160)
                };
            }
            let covering: Vec<Color32> = relevant
                .iter()
                .filter(|h| h.range.start < de && ds < h.range.end)
                .map(|h| h.color)
                .collect();
            if !covering.is_empty() {
                format.background = blend(&covering, dark);
            }
            if hits.iter().any(|r| r.start < de && ds < r.end) {
                format.underline = Stroke::new(2.0, Color32::from_rgb(230, 120, 0));
            }
            job.sections.push(egui::text::LayoutSection {
                leading_space: 0.0,
                byte_range: egui::text::ByteIndex(char_bytes[s])
                    ..egui::text::ByteIndex(char_bytes[e]),
                format,
            });
        }
        ui.ctx().fonts_mut(|f| f.layout_job(job))
    }

    /// Draws the view and handles the mouse and keyboard. Returns what the app must do.
    pub fn ui(&mut self, ui: &mut Ui, code_names: &[(CodeId, String)]) -> Vec<TranscriptAction> {
        let mut actions = Vec::new();
        // Room for a few lanes is kept even before any coding, so the first code
        // applied to a document does not re-wrap the whole text.
        let lanes_shown = self.lanes.len().clamp(4, MAX_LANES);
        let margin = 12.0 + lanes_shown as f32 * LANE_WIDTH;
        let avail = ui.available_width();
        let wrap_width = (avail - margin - 16.0).max(120.0);
        let mut scroll_offset: Option<f32> = None;
        if (wrap_width - self.wrap_width).abs() > 0.5 {
            // Keep the first visible block in place across a resize.
            let anchor = ui
                .ctx()
                .data(|d| d.get_temp::<(usize, f32)>(Id::unique(("weft-anchor", self.document))));
            self.wrap_width = wrap_width;
            self.galleys.clear();
            self.estimate_heights(wrap_width);
            if let Some((block, offset)) = anchor
                && block < self.blocks.len()
            {
                scroll_offset = Some(self.tops[block] + offset);
            }
        }
        if let Some(target) = self.scroll_to.take() {
            let b = self.block_of(target);
            scroll_offset = Some((self.tops[b] - 40.0).max(0.0));
            self.keep_cursor_visible = true;
        }
        let mut area = egui::ScrollArea::vertical()
            .id_salt(("transcript", self.document))
            .auto_shrink([false, false]);
        if let Some(y) = scroll_offset {
            area = area.vertical_scroll_offset(y);
        }
        let id = self.widget_id();
        area.show_viewport(ui, |ui, viewport| {
            let total = self.tops[self.blocks.len()];
            let (rect, _) =
                ui.allocate_exact_size(vec2(avail, total.max(viewport.height())), Sense::hover());
            // Only the part in view takes the pointer, so a click lands where it is aimed.
            let response = ui.interact(rect.intersect(ui.clip_rect()), id, Sense::click_and_drag());
            response.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Transcript")
            });
            let origin = rect.min + vec2(4.0, 0.0);
            let first = self
                .tops
                .partition_point(|&t| t <= viewport.min.y)
                .saturating_sub(1);
            let mut changed_height = false;
            let mut visible: Vec<(usize, Pos2)> = Vec::new();
            let mut i = first;
            while i < self.blocks.len() && self.tops[i] < viewport.max.y {
                let galley = match self.galleys.get(&i) {
                    Some(g) => g.clone(),
                    None => {
                        let g = self.layout_block(ui, i);
                        self.galleys.insert(i, g.clone());
                        g
                    }
                };
                let h = galley.size().y + BLOCK_GAP;
                if (h - self.heights[i]).abs() > 0.1 {
                    self.heights[i] = h;
                    changed_height = true;
                    self.recompute_tops();
                }
                self.measured[i] = true;
                visible.push((i, origin + vec2(0.0, self.tops[i])));
                i += 1;
            }
            if changed_height {
                ui.ctx().request_repaint();
            }
            // Forget galleys far from view so memory stays flat on long documents.
            if self.galleys.len() > 400 {
                let keep = first.saturating_sub(50)..i + 50;
                self.galleys.retain(|k, _| keep.contains(k));
            }
            if let Some(&(b, _)) = visible.first() {
                let offset = viewport.min.y - self.tops[b];
                ui.ctx().data_mut(|d| {
                    d.insert_temp(Id::unique(("weft-anchor", self.document)), (b, offset))
                });
            }

            // Mouse.
            let hit = |view: &Self, pos: Pos2| -> usize {
                let y = pos.y - origin.y;
                let b = view
                    .tops
                    .partition_point(|&t| t <= y)
                    .saturating_sub(1)
                    .min(view.blocks.len() - 1);
                let block_origin = origin + vec2(0.0, view.tops[b]);
                match view.galleys.get(&b) {
                    Some(g) => {
                        view.blocks[b].chars.start + g.cursor_from_pos(pos - block_origin).index.0
                    }
                    None => view.blocks[b].chars.start,
                }
            };
            if !self.blocks.is_empty() {
                if response.hovered() {
                    ui.ctx().set_cursor_icon(CursorIcon::Text);
                }
                // A drag that starts inside the selection carries the selection
                // (to drop it on a code) rather than starting a new one.
                if response.drag_started() {
                    let origin = ui.input(|i| i.pointer.press_origin());
                    let inside = match (origin, self.selection.map(|s| s.range())) {
                        (Some(o), Some(r)) if !r.is_empty() => {
                            let at = hit(self, o);
                            r.start <= at && at < r.end
                        }
                        _ => false,
                    };
                    self.dragging_selection = inside && !ui.input(|i| i.modifiers.shift);
                }
                if self.dragging_selection {
                    if response.dragged() {
                        ui.ctx().set_cursor_icon(CursorIcon::Grabbing);
                        actions.push(TranscriptAction::DragSelection);
                    }
                    if response.drag_stopped() || !ui.input(|i| i.pointer.any_down()) {
                        self.dragging_selection = false;
                    }
                } else if response.drag_started() || response.clicked() {
                    if let Some(pos) = response.interact_pointer_pos() {
                        let at = hit(self, pos);
                        let shift = ui.input(|i| i.modifiers.shift);
                        self.selection = match (shift, self.selection) {
                            (true, Some(s)) => Some(Selection {
                                anchor: s.anchor,
                                cursor: at,
                            }),
                            _ => Some(Selection {
                                anchor: at,
                                cursor: at,
                            }),
                        };
                        self.h_pos = None;
                        response.request_focus();
                    }
                } else if response.dragged()
                    && let (Some(pos), Some(s)) = (response.interact_pointer_pos(), self.selection)
                {
                    self.selection = Some(Selection {
                        anchor: s.anchor,
                        cursor: hit(self, pos),
                    });
                    // Scroll when dragging past the edge.
                    let clip = ui.clip_rect();
                    if pos.y > clip.max.y - 10.0 || pos.y < clip.min.y + 10.0 {
                        ui.scroll_to_rect(Rect::from_center_size(pos, Vec2::splat(20.0)), None);
                    }
                }
            }

            // Keyboard.
            if response.has_focus() {
                ui.memory_mut(|m| {
                    m.set_focus_lock_filter(
                        id,
                        EventFilter {
                            horizontal_arrows: true,
                            vertical_arrows: true,
                            tab: false,
                            escape: false,
                        },
                    )
                });
                self.keyboard(ui);
            }

            // Paint: selection under the text, then the text, then stripes.
            let painter = ui.painter_at(rect.intersect(ui.clip_rect()));
            let sel_color = ui.visuals().selection.bg_fill.gamma_multiply(0.8);
            let selection = self.selection.map(|s| s.range());
            for &(b, pos) in &visible {
                let galley = &self.galleys[&b];
                let block = &self.blocks[b];
                if let Some(sel) = selection.filter(|s| !s.is_empty() && s.overlaps(&block.chars)) {
                    for r in row_spans(
                        galley,
                        sel.start.saturating_sub(block.chars.start),
                        (sel.end - block.chars.start).min(block.chars.len()),
                    ) {
                        painter.rect_filled(r.translate(pos.to_vec2()), 0.0, sel_color);
                    }
                }
                painter.galley(pos, galley.clone(), ui.visuals().text_color());
            }
            if let Some(s) = self.selection
                && response.has_focus()
            {
                let b = self.block_of(s.cursor);
                if let Some((_, pos)) = visible.iter().find(|(i, _)| *i == b) {
                    let g = &self.galleys[&b];
                    let local = s
                        .cursor
                        .clamp(self.blocks[b].chars.start, self.blocks[b].chars.end)
                        - self.blocks[b].chars.start;
                    let r = g
                        .pos_from_cursor(CCursor::new(local))
                        .translate(pos.to_vec2());
                    painter.line_segment(
                        [r.center_top(), r.center_bottom()],
                        Stroke::new(1.5, ui.visuals().text_color()),
                    );
                    if self.keep_cursor_visible {
                        ui.scroll_to_rect(r.expand(30.0), None);
                        self.keep_cursor_visible = false;
                    }
                }
            }
            let text_right = origin.x + self.wrap_width + 10.0;
            self.stripes_ui(ui, &visible, text_right, code_names, &mut actions);
        });
        actions
    }

    fn stripes_ui(
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
                .position(|&c| c == h.code)
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

    fn keyboard(&mut self, ui: &Ui) {
        let events: Vec<(Key, egui::Modifiers)> = ui.input(|i| {
            i.events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::Key {
                        key,
                        pressed: true,
                        modifiers,
                        ..
                    } => Some((*key, *modifiers)),
                    _ => None,
                })
                .collect()
        });
        for (key, modifiers) in events {
            let (shift, command) = (modifiers.shift, modifiers.command);
            let cur = self.selection.map_or(0, |s| s.cursor);
            let next = match key {
                Key::ArrowLeft => Some(self.step_left(cur, command)),
                Key::ArrowRight => Some(self.step_right(cur, command)),
                Key::ArrowUp => Some(self.vertical(cur, false)),
                Key::ArrowDown => Some(self.vertical(cur, true)),
                Key::Home if command => Some(0),
                Key::End if command => Some(self.char_len),
                Key::Home => Some(self.row_edge(cur, false)),
                Key::End => Some(self.row_edge(cur, true)),
                Key::PageUp => {
                    let b = self.block_of(cur).saturating_sub(5);
                    Some(self.blocks.get(b).map_or(0, |b| b.chars.start))
                }
                Key::PageDown => {
                    let b = (self.block_of(cur) + 5).min(self.blocks.len().saturating_sub(1));
                    Some(self.blocks.get(b).map_or(0, |b| b.chars.start))
                }
                Key::A if command => {
                    self.selection = Some(Selection {
                        anchor: 0,
                        cursor: self.char_len,
                    });
                    None
                }
                Key::Escape => {
                    self.selection = self.selection.map(|s| Selection {
                        anchor: s.cursor,
                        cursor: s.cursor,
                    });
                    None
                }
                _ => None,
            };
            if !matches!(key, Key::ArrowUp | Key::ArrowDown) {
                self.h_pos = None;
            }
            if let Some(n) = next {
                let n = n.min(self.char_len);
                self.selection = Some(match (shift, self.selection) {
                    (true, Some(s)) => Selection {
                        anchor: s.anchor,
                        cursor: n,
                    },
                    _ => Selection {
                        anchor: n,
                        cursor: n,
                    },
                });
                self.keep_cursor_visible = true;
                // The cursor's block may be off screen: bring it into view first.
                let b = self.block_of(n);
                if !self.galleys.contains_key(&b) {
                    self.scroll_to = Some(n);
                }
            }
        }
    }

    fn step_left(&self, cur: usize, word: bool) -> usize {
        if !word {
            return cur.saturating_sub(1);
        }
        let chars: Vec<char> = self
            .text
            .chars()
            .skip(cur.saturating_sub(200))
            .take(cur.min(200))
            .collect();
        let mut i = chars.len();
        while i > 0 && !chars[i - 1].is_alphanumeric() {
            i -= 1;
        }
        while i > 0 && chars[i - 1].is_alphanumeric() {
            i -= 1;
        }
        cur - (chars.len() - i)
    }

    fn step_right(&self, cur: usize, word: bool) -> usize {
        if !word {
            return (cur + 1).min(self.char_len);
        }
        let mut n = cur;
        let mut it = self.text.chars().skip(cur).peekable();
        while it.peek().is_some_and(|c| !c.is_alphanumeric()) {
            it.next();
            n += 1;
        }
        while it.peek().is_some_and(|c| c.is_alphanumeric()) {
            it.next();
            n += 1;
        }
        n
    }

    fn vertical(&mut self, cur: usize, down: bool) -> usize {
        let b = self.block_of(cur);
        let block = &self.blocks[b];
        let Some(g) = self.galleys.get(&b) else {
            return if down {
                block.chars.end
            } else {
                block.chars.start
            };
        };
        let local = cur.clamp(block.chars.start, block.chars.end) - block.chars.start;
        // At a wrap point the cursor belongs to the next row, or Down would stick there.
        let c = CCursor {
            index: egui::text::CharIndex(local),
            prefer_next_row: true,
        };
        let row = g.layout_from_cursor(c).row;
        if down && row + 1 >= g.rows.len() {
            return match self.blocks.get(b + 1) {
                Some(n) => n.chars.start,
                None => block.chars.end,
            };
        }
        if !down && row == 0 {
            return if b == 0 {
                0
            } else {
                self.blocks[b - 1].chars.end
            };
        }
        let (n, h) = if down {
            g.cursor_down_one_row(&c, self.h_pos)
        } else {
            g.cursor_up_one_row(&c, self.h_pos)
        };
        self.h_pos = h;
        block.chars.start + n.index.0
    }

    fn row_edge(&self, cur: usize, end: bool) -> usize {
        let b = self.block_of(cur);
        let block = &self.blocks[b];
        let Some(g) = self.galleys.get(&b) else {
            return cur;
        };
        let local = CCursor::new(cur.clamp(block.chars.start, block.chars.end) - block.chars.start);
        let n = if end {
            g.cursor_end_of_row(&local)
        } else {
            g.cursor_begin_of_row(&local)
        };
        block.chars.start + n.index.0
    }
}

/// Rectangles (galley-relative) covering local chars `[start, end)` row by row.
fn row_spans(galley: &Galley, start: usize, end: usize) -> Vec<Rect> {
    let mut out = Vec::new();
    let mut at = 0usize;
    for placed in &galley.rows {
        let n = placed.row.char_count_excluding_newline().0;
        let (r0, r1) = (at, at + n);
        let (s, e) = (start.max(r0), end.min(r1));
        // A selection that runs on past this row also covers its line break.
        let runs_on = start <= r1 && end > r1 && placed.ends_with_newline;
        if s < e || runs_on {
            let s = s.min(r1);
            let x0 = placed.pos.x + placed.row.x_offset(egui::text::CharIndex(s - r0));
            let x1 = placed.pos.x
                + placed.row.x_offset(egui::text::CharIndex(e.max(s) - r0))
                + if runs_on { 4.0 } else { 0.0 };
            let rr = placed.rect();
            out.push(Rect::from_min_max(pos2(x0, rr.min.y), pos2(x1, rr.max.y)));
        }
        at = r1 + usize::from(placed.ends_with_newline);
        if at >= end {
            break;
        }
    }
    out
}

/// Overlapping codes mix their colours, light enough to read through.
fn blend(colors: &[Color32], dark: bool) -> Color32 {
    let n = colors.len() as u32;
    let (r, g, b) = colors.iter().fold((0u32, 0u32, 0u32), |(r, g, b), c| {
        (r + c.r() as u32, g + c.g() as u32, b + c.b() as u32)
    });
    let (r, g, b) = ((r / n) as u8, (g / n) as u8, (b / n) as u8);
    let alpha = (70 + 35 * (n.min(3) - 1)) as u8;
    let bg = if dark {
        Color32::from_gray(27)
    } else {
        Color32::WHITE
    };
    let mix = |c: u8, base: u8| {
        ((c as u32 * alpha as u32 + base as u32 * (255 - alpha as u32)) / 255) as u8
    };
    Color32::from_rgb(mix(r, bg.r()), mix(g, bg.g()), mix(b, bg.b()))
}

/// Ranges whose highlighting differs between two highlight lists sorted by
/// (start, end, segment): one merge pass, so an edit costs O(n), not O(n²).
fn symmetric_ranges(old: &[Highlight], new: &[Highlight]) -> Vec<CharRange> {
    let key = |h: &Highlight| (h.range.start, h.range.end, h.segment);
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < old.len() && j < new.len() {
        match key(&old[i]).cmp(&key(&new[j])) {
            std::cmp::Ordering::Less => {
                out.push(old[i].range);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(new[j].range);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                if old[i] != new[j] {
                    out.push(new[j].range);
                }
                i += 1;
                j += 1;
            }
        }
    }
    out.extend(old[i..].iter().map(|h| h.range));
    out.extend(new[j..].iter().map(|h| h.range));
    out
}

/// Cuts a text into blocks: one per speaker turn (and the text before the first),
/// or one per paragraph without turns; long blocks are split at line breaks.
fn make_blocks(text: &str, turns: &[Turn]) -> Vec<Block> {
    // Starts of pieces (in chars) with the label length of each.
    let mut starts: Vec<(usize, usize)> = Vec::new();
    let char_len = text.chars().count();
    if turns.is_empty() {
        let mut pos = 0;
        for line in text.split('\n') {
            starts.push((pos, 0));
            pos += line.chars().count() + 1;
        }
    } else {
        if turns[0].range.start > 0 {
            starts.push((0, 0));
        }
        for t in turns {
            starts.push((t.range.start, t.speech_start - t.range.start));
        }
    }
    let mut blocks = Vec::new();
    let char_bytes: Vec<usize> = if text.is_ascii() {
        Vec::new()
    } else {
        text.char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect()
    };
    let byte = |c: usize| {
        if char_bytes.is_empty() {
            c
        } else {
            char_bytes[c]
        }
    };
    for (k, &(start, label)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(char_len, |s| s.0);
        let piece = &text[byte(start)..byte(end)];
        // Split long pieces at line breaks so no galley grows past MAX_BLOCK_CHARS.
        let mut piece_start = start;
        let mut acc = String::new();
        let mut first = true;
        let flush = |from: usize, s: &str, label: usize, blocks: &mut Vec<Block>| {
            let trimmed = s.trim_end_matches(is_line_break);
            let n = trimmed.chars().count();
            if n == 0 {
                return;
            }
            let b0 = byte(from);
            blocks.push(Block {
                chars: CharRange::new(from, from + n),
                bytes: b0..b0 + trimmed.len(),
                label_chars: label.min(n),
                line_chars: trimmed
                    .split('\n')
                    .map(|l| l.chars().count() as u32)
                    .collect(),
            });
        };
        for line in piece.split_inclusive('\n') {
            if acc.chars().count() + line.chars().count() > MAX_BLOCK_CHARS && !acc.is_empty() {
                let n = acc.chars().count();
                flush(
                    piece_start,
                    &acc,
                    if first { label } else { 0 },
                    &mut blocks,
                );
                first = false;
                piece_start += n;
                acc.clear();
            }
            acc.push_str(line);
        }
        flush(
            piece_start,
            &acc,
            if first { label } else { 0 },
            &mut blocks,
        );
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::turns::detect_turns;

    #[test]
    fn blocks_follow_turns_and_split_long_ones() {
        let text = "Intro\nQ: Hi?\nA: Yes\nand more\n\nQ: Bye";
        let blocks = make_blocks(text, &detect_turns(text));
        let shown: Vec<String> = blocks
            .iter()
            .map(|b| {
                text.chars()
                    .skip(b.chars.start)
                    .take(b.chars.len())
                    .collect()
            })
            .collect();
        assert_eq!(shown, ["Intro", "Q: Hi?", "A: Yes\nand more", "Q: Bye"]);
        assert_eq!(blocks[1].label_chars, 3);
        let long: String = (0..3000).map(|i| format!("line {i}\n")).collect();
        let blocks = make_blocks(&long, &[]);
        assert_eq!(blocks.len(), 3000, "paragraph blocks without turns");
        let one_turn = format!("P: {long}");
        let blocks = make_blocks(&one_turn, &detect_turns(&one_turn));
        assert!(blocks.len() > 5 && blocks.iter().all(|b| b.chars.len() <= MAX_BLOCK_CHARS));
        assert_eq!(
            blocks.last().unwrap().chars.end,
            one_turn.trim_end().chars().count()
        );
    }
}
