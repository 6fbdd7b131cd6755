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

/// The height of a [`quote_row`]: two lines of body text and a margin.
pub fn quote_row_height(ui: &Ui) -> f32 {
    2.0 * ui.text_style_height(&egui::TextStyle::Body) + 6.0
}

/// A quote for a one-line row: line breaks shown as ¶, cut at 160 characters
/// (`coded_len` is the segment's length, to tell whether it was cut).
pub fn quote_line(text: &str, coded_len: usize) -> String {
    let q: String = text.replace('\n', " ¶ ").chars().take(160).collect();
    if coded_len > 160 {
        format!("“{q}…”")
    } else {
        format!("“{q}”")
    }
}

/// One quote in a list: where it is from on the first line, the quote on the
/// second, each cut to the width, in a fixed height so that long lists can be
/// drawn with `show_rows`. Selectable and clickable; the full text shows on
/// hover. Returns the row's response.
pub fn quote_row(ui: &mut Ui, head: &str, quote: &str, selected: bool) -> egui::Response {
    let line = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, resp) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), quote_row_height(ui)),
        egui::Sense::click(),
    );
    let visuals = ui.visuals();
    if selected {
        ui.painter()
            .rect_filled(rect, 2.0, visuals.selection.bg_fill);
    } else if resp.hovered() {
        ui.painter()
            .rect_filled(rect, 2.0, visuals.widgets.hovered.weak_bg_fill);
    }
    let text_rect = rect.shrink2(egui::vec2(4.0, 3.0));
    let (top, bottom) = text_rect.split_top_bottom_at_y(text_rect.top() + line);
    // Left-aligned in each line's rect (`put` would centre them).
    for (line_rect, text) in [
        (top, egui::RichText::new(head)),
        (bottom, egui::RichText::new(quote).weak()),
    ] {
        ui.scope_builder(egui::UiBuilder::new().max_rect(line_rect), |ui| {
            ui.add(egui::Label::new(text).truncate().selectable(false));
        });
    }
    let resp = resp.on_hover_text(format!(
        "{head}\n{quote}\nDouble-click to open the transcript here"
    ));
    resp.widget_info(|| {
        egui::WidgetInfo::selected(
            egui::Role::Button,
            true,
            selected,
            format!("{head}\n{quote}"),
        )
    });
    resp
}

/// The names typed in a comma-separated field ("P01, P03"), trimmed, empty
/// ones left out.
pub fn comma_names(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect()
}

/// In place of a view made from the segments while a large project's coding
/// is still being read: says so, with a spinner. Returns whether it did.
pub fn reading_the_coding(ui: &mut Ui, p: &super::project::OpenProject) -> bool {
    let Some(loading) = &p.loading else {
        return false;
    };
    ui.add_space(40.0);
    ui.vertical_centered(|ui| {
        ui.add(egui::Spinner::new());
        ui.label(match loading.segments() {
            Some(n) => format!(
                "Reading the coding ({} segments). This shows when it is in.",
                thousands(n)
            ),
            None => "Reading the coding. This shows when it is in.".to_string(),
        });
    });
    true
}

/// A count with its thousands apart, as a reader writes it: 400,000.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_set_apart() {
        let cases = [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (20_000, "20,000"),
            (400_000, "400,000"),
            (1_234_567, "1,234,567"),
        ];
        for (n, want) in cases {
            assert_eq!(super::thousands(n), want);
        }
    }
}
