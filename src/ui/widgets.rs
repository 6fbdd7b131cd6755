//! Small widgets shared by the panels.

use std::collections::HashMap;

use egui::Ui;

/// A text field over a stored value. The user edits a draft kept in `drafts`
/// under `key`; when the field loses focus with a change, the new text is
/// returned for the caller to save as one change. While the field is not
/// focused it follows the stored value, so an undo or a reload shows at once.
/// `rows` of 1 makes a single-line field.
pub fn draft_field(
    drafts: &mut HashMap<String, String>,
    ui: &mut Ui,
    key: &str,
    stored: &str,
    rows: usize,
    width: f32,
    hint: &str,
) -> (egui::Response, Option<String>) {
    let draft = drafts
        .entry(key.to_string())
        .or_insert_with(|| stored.to_string());
    let field = if rows <= 1 {
        egui::TextEdit::singleline(draft)
    } else {
        egui::TextEdit::multiline(draft).desired_rows(rows)
    };
    let resp = ui.add(field.desired_width(width).hint_text(hint).id_salt(key));
    let mut saved = None;
    if resp.lost_focus() {
        let text = drafts.remove(key).unwrap_or_default();
        if text != stored {
            saved = Some(text);
        }
    } else if !resp.has_focus() && draft != stored {
        *draft = stored.to_string();
    }
    (resp, saved)
}

/// Parses `#rrggbb` into a colour (grey when malformed).
pub fn parse_hex(s: &str) -> egui::Color32 {
    let h = s.trim_start_matches('#');
    let c = |i: usize| {
        h.get(i..i + 2)
            .and_then(|x| u8::from_str_radix(x, 16).ok())
            .unwrap_or(128)
    };
    egui::Color32::from_rgb(c(0), c(2), c(4))
}
