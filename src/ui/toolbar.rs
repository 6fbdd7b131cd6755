//! The transcript's toolbar: the quick-code box (fuzzy), in-vivo coding and the
//! find bar.

use egui::{Key, Ui};

use super::app::*;
use crate::analysis::search;
use crate::model::*;

/// The quick-code box.
#[derive(Default)]
pub struct QuickCode {
    /// What the user typed.
    pub text: String,
    /// The highlighted suggestion.
    pub index: usize,
    /// Focus the box next frame.
    pub focus: bool,
}

/// The find bar.
#[derive(Default)]
pub struct FindBar {
    /// Shown?
    pub open: bool,
    /// The search text.
    pub text: String,
    /// Read the text as a regular expression.
    pub regex: bool,
    /// Hits in the open document.
    pub hits: Vec<CharRange>,
    /// The hit last jumped to.
    pub current: usize,
    /// Focus the field next frame.
    pub focus: bool,
    /// A problem with the pattern.
    pub problem: Option<String>,
}

/// Matches a code path against what the user typed: every typed character in
/// order (ignoring case). Lower scores are better; `None` means no match.
pub fn fuzzy_score(path: &str, typed: &str) -> Option<usize> {
    let typed = typed.trim().to_lowercase();
    if typed.is_empty() {
        return Some(0);
    }
    let hay = path.to_lowercase();
    if let Some(at) = hay.find(&typed) {
        // A whole-word hit on the last name ranks first.
        let last = hay.rsplit('/').next().unwrap_or(&hay);
        return Some(if last.starts_with(&typed) { 0 } else { 1 + at });
    }
    let mut gaps = 0;
    let mut chars = hay.chars();
    for t in typed.chars() {
        let mut found = false;
        for c in chars.by_ref() {
            if c == t {
                found = true;
                break;
            }
            gaps += 1;
        }
        if !found {
            return None;
        }
    }
    Some(1000 + gaps)
}

impl WeftApp {
    /// Re-runs the find bar's search on the open document.
    pub fn refresh_find(&mut self) {
        let Some(view) = self.project.as_mut().and_then(|p| p.view.as_mut()) else {
            return;
        };
        self.find.problem = None;
        if !self.find.open || self.find.text.is_empty() {
            self.find.hits.clear();
        } else {
            match search::build_pattern(&self.find.text, !self.find.regex, !self.find.regex) {
                Ok(re) => {
                    self.find.hits =
                        search::find_hits(view.text(), &[], &re, search::Unit::Match, None)
                }
                Err(e) => {
                    self.find.hits.clear();
                    self.find.problem = Some(e.to_string());
                }
            }
        }
        view.set_find_hits(self.find.hits.clone());
    }

    /// The code name in-vivo coding gives the selection: its words, trimmed.
    pub fn in_vivo_name(&self) -> Option<String> {
        let (_, range) = self.selection()?;
        let view = self.project.as_ref()?.view.as_ref()?;
        let words: String = view
            .slice(range)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace('/', "-")
            .chars()
            .take(60)
            .collect();
        let words = words
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_string();
        (!words.is_empty()).then_some(words)
    }

    pub(super) fn toolbar_ui(&mut self, ui: &mut Ui) {
        let Some(p) = &self.project else { return };
        let doc_name = p
            .view
            .as_ref()
            .and_then(|v| p.snap.document(v.document))
            .map(|d| d.name.clone());
        ui.horizontal(|ui| {
            ui.heading(doc_name.as_deref().unwrap_or("No document"));
            ui.separator();
            let label = ui.label("Code as:");
            let resp = ui
                .add(
                    egui::TextEdit::singleline(&mut self.quick.text)
                        .hint_text("type a code (Ctrl+K)")
                        .desired_width(220.0)
                        .id_salt("quick-code"),
                )
                .labelled_by(label.id);
            if self.quick.focus {
                resp.request_focus();
                self.quick.focus = false;
            }
            if resp.changed() {
                self.quick.index = 0;
            }
            if ui
                .button("In vivo")
                .on_hover_text("Make a code named after the selected words (Ctrl+I)")
                .clicked()
            {
                self.trigger(Action::InVivo);
            }
            if let Some((_, range)) = self.selection() {
                ui.label(format!("{}–{} selected", range.start, range.end));
                // Drag this onto a code in the tree to apply it.
                let handle = ui
                    .add(egui::Button::new("drag onto a code").sense(egui::Sense::click_and_drag()))
                    .on_hover_text("Drag this onto a code in the tree to code the selection");
                handle.dnd_set_drag_payload(TreeDrag::Selection);
                if handle.dragged() {
                    ui.ctx().set_cursor_icon(egui::CursorIcon::Grabbing);
                }
            }
            if resp.has_focus() || resp.lost_focus() {
                self.quick_suggestions_ui(ui, &resp);
            }
        });
    }

    pub(super) fn quick_suggestions_ui(&mut self, ui: &mut Ui, resp: &egui::Response) {
        let Some(p) = &self.project else { return };
        let mut matches: Vec<(usize, CodeId, String)> = p
            .code_paths
            .iter()
            .filter_map(|(id, path)| {
                fuzzy_score(path, &self.quick.text).map(|s| (s, *id, path.clone()))
            })
            .collect();
        matches.sort_by_key(|m| m.0);
        matches.truncate(8);
        let (up, down, enter) = ui.input(|i| {
            (
                i.key_pressed(Key::ArrowUp),
                i.key_pressed(Key::ArrowDown),
                i.key_pressed(Key::Enter),
            )
        });
        if down && self.quick.index + 1 < matches.len() {
            self.quick.index += 1;
        }
        if up && self.quick.index > 0 {
            self.quick.index -= 1;
        }
        let typed = self.quick.text.trim().to_string();
        if resp.lost_focus() && enter && !typed.is_empty() {
            let exact = matches.iter().find(|m| {
                m.2.eq_ignore_ascii_case(&typed)
                    || m.2
                        .rsplit('/')
                        .next()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&typed))
            });
            let cmd = match (exact, matches.get(self.quick.index)) {
                (Some(m), _) => Command::ApplyCode(m.1),
                (None, Some(m)) if fuzzy_score(&m.2, &typed).is_some_and(|s| s < 1000) => {
                    Command::ApplyCode(m.1)
                }
                _ => Command::ApplyCodePath(typed),
            };
            self.queue.push(cmd);
            self.quick.text.clear();
            self.focus_transcript = true;
            return;
        }
        if resp.lost_focus() && ui.input(|i| i.key_pressed(Key::Escape)) {
            self.quick.text.clear();
            self.focus_transcript = true;
            return;
        }
        if !resp.has_focus() || typed.is_empty() {
            return;
        }
        egui::Area::new(egui::Id::unique("quick-suggestions"))
            .fixed_pos(resp.rect.left_bottom())
            .order(egui::Order::Foreground)
            .show(ui.ctx(), |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    for (i, (_, _, path)) in matches.iter().enumerate() {
                        let _ = ui.selectable_label(i == self.quick.index, path);
                    }
                    if matches.is_empty() {
                        ui.label(format!("Enter: new code \"{typed}\""));
                    }
                });
            });
    }

    pub(super) fn find_ui(&mut self, ui: &mut Ui) {
        let mut changed = false;
        let mut close = false;
        ui.horizontal(|ui| {
            let label = ui.label("Find:");
            let resp = ui
                .add(
                    egui::TextEdit::singleline(&mut self.find.text)
                        .desired_width(220.0)
                        .id_salt("find-text"),
                )
                .labelled_by(label.id);
            if self.find.focus {
                resp.request_focus();
                self.find.focus = false;
            }
            changed |= resp.changed();
            changed |= ui.checkbox(&mut self.find.regex, "Regex").changed();
            let n = self.find.hits.len();
            ui.label(match &self.find.problem {
                Some(p) => p.clone(),
                None => format!("{n} hit(s)"),
            });
            let next = ui.button("Next").clicked()
                || (resp.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)));
            if next && n > 0 {
                self.find.current = (self.find.current + 1) % n;
                let hit = self.find.hits[self.find.current];
                if let Some(v) = self.project.as_mut().and_then(|p| p.view.as_mut()) {
                    v.select(hit);
                }
            }
            let code = self.project.as_ref().and_then(|p| p.selected_code);
            let label = match code.and_then(|c| self.project.as_ref()?.snap.codes.get(c)) {
                Some(c) => format!("Code all hits as \"{}\"", c.name),
                None => "Code all hits (pick a code first)".into(),
            };
            if ui
                .add_enabled(code.is_some() && n > 0, egui::Button::new(label))
                .clicked()
                && let Some(c) = code
            {
                self.queue.push(Command::CodeAllHits(c));
            }
            if ui
                .button("Close")
                .on_hover_text("Close the find bar (Escape)")
                .clicked()
                || ui.input(|i| i.key_pressed(Key::Escape))
            {
                close = true;
            }
        });
        if close {
            self.find.open = false;
            changed = true;
        }
        if changed {
            self.refresh_find();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fuzzy_score;

    #[test]
    fn fuzzy_prefers_name_prefixes_then_substrings_then_subsequences() {
        let a = fuzzy_score("Types of support/Emotional", "emo").unwrap();
        let b = fuzzy_score("Engagement/Personal qualities", "emo");
        let c = fuzzy_score("Types of support/Emotional/Empowerment", "emp").unwrap();
        assert_eq!(a, 0);
        assert!(b.is_some_and(|b| b >= 1000), "only a scattered match");
        assert_eq!(c, 0);
        assert!(fuzzy_score("Engagement/Shared experience", "shex").unwrap() >= 1000);
        assert!(fuzzy_score("Outcomes", "xyz").is_none());
    }
}
