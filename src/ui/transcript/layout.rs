//! Blocks and their heights: cutting the text into blocks, estimating and
//! measuring their heights, laying out the blocks in view with their
//! highlights, and the small geometry helpers the view draws with.

use super::*;

impl TranscriptView {
    pub(super) fn invalidate(&mut self, range: CharRange) {
        let first = self.blocks.partition_point(|b| b.chars.end <= range.start);
        for i in first..self.blocks.len() {
            if self.blocks[i].chars.start >= range.end.max(range.start + 1) {
                break;
            }
            self.galleys.remove(&i);
        }
    }

    pub(super) fn estimate_heights(&mut self, width: f32) {
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

    pub(super) fn recompute_tops(&mut self) {
        let mut y = 0.0;
        for (i, h) in self.heights.iter().enumerate() {
            self.tops[i] = y;
            y += h;
        }
        self.tops[self.blocks.len()] = y;
    }

    /// The block holding a document offset (the nearest one for a line break between blocks).
    pub(super) fn block_of(&self, offset: usize) -> usize {
        self.blocks
            .partition_point(|b| b.chars.end < offset)
            .min(self.blocks.len().saturating_sub(1))
    }

    pub(super) fn layout_block(&self, ui: &Ui, i: usize) -> Arc<Galley> {
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
}

/// Rectangles (galley-relative) covering local chars `[start, end)` row by row.
pub(super) fn row_spans(galley: &Galley, start: usize, end: usize) -> Vec<Rect> {
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
pub(super) fn blend(colors: &[Color32], dark: bool) -> Color32 {
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
pub(super) fn symmetric_ranges(old: &[Highlight], new: &[Highlight]) -> Vec<CharRange> {
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
pub(super) fn make_blocks(text: &str, turns: &[Turn]) -> Vec<Block> {
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
