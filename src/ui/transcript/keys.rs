//! Moving the cursor and extending the selection from the keyboard: arrows by
//! character or word, Home/End, PageUp/PageDown, across blocks.

use super::*;

impl TranscriptView {
    pub(super) fn keyboard(&mut self, ui: &Ui) {
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

    pub(super) fn step_left(&self, cur: usize, word: bool) -> usize {
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

    pub(super) fn step_right(&self, cur: usize, word: bool) -> usize {
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

    pub(super) fn vertical(&mut self, cur: usize, down: bool) -> usize {
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

    pub(super) fn row_edge(&self, cur: usize, end: bool) -> usize {
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
