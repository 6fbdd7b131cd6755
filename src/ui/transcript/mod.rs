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

use crate::model::{CharRange, CodeId, CoderId, DocumentId, SegmentId, Turn};

mod keys;
mod layout;
mod stripes;

use layout::{make_blocks, row_spans, symmetric_ranges};

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
    /// With stripes split by coder: whose segment it is (its lane is the
    /// code's and this coder's). `None` shares the code's lane.
    pub coder: Option<CoderId>,
    /// Pinned as an exemplar of its code.
    pub exemplar: bool,
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
    /// Pin the segment as an exemplar of its code (true) or unpin it.
    SetExemplar(SegmentId, bool),
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
    lanes: Vec<(CodeId, Option<CoderId>)>,
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
        let present: std::collections::BTreeSet<(CodeId, Option<CoderId>)> =
            self.highlights.iter().map(|h| (h.code, h.coder)).collect();
        self.lanes = lane_order
            .iter()
            .flat_map(|c| present.range((*c, None)..=(*c, Some(CoderId(i64::MAX)))))
            .copied()
            .collect();
        for r in changed {
            self.invalidate(r);
        }
    }

    /// How many segments are drawn.
    pub fn highlights_len(&self) -> usize {
        self.highlights.len()
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
}
