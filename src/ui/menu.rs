//! Actions with their labels and shortcuts, the menus built from them, the
//! status bar and the error window.

use crate::store::HistoryEntry;
use egui::{Key, KeyboardShortcut, Modifiers, Ui};

use super::app::*;
use super::dialogs::{Dialog, PathPurpose};
use super::widgets::thousands;
use crate::analysis::search;

/// User actions that have a menu entry and maybe a shortcut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// File → New…
    NewProject,
    /// File → Open…
    OpenProject,
    /// File → Open team project… (on a PostgreSQL server)
    OpenTeamProject,
    /// File → Import transcripts…
    ImportTranscripts,
    /// File → Import participants…
    ImportParticipants,
    /// File → Import codebook…
    ImportCodebook,
    /// File → Export codebook…
    ExportCodebook,
    /// File → Import REFI-QDA…
    ImportQdpx,
    /// File → Export REFI-QDA…
    ExportQdpx,
    /// File → Quit
    Quit,
    /// Edit → Undo
    Undo,
    /// Edit → Redo
    Redo,
    /// Edit → Find in document
    Find,
    /// Edit → Quick code
    QuickCode,
    /// Edit → Code in vivo
    InVivo,
    /// Edit → Autocode…
    Autocode,
    /// Edit → Forget undo history… (so deleted data is gone for good)
    ForgetHistory,
    /// Edit → Coder… (who is coding)
    Coder,
    /// File → Merge a coder's project…
    MergeProject,
    /// File → Report…
    Report,
    /// Help → Tour
    Tour,
    /// Help → Open the practice project
    PracticeProject,
    /// Help → Keyboard shortcuts
    Shortcuts,
    /// Help → About thematic analysis
    AboutThematicAnalysis,
}

/// Keys that are not menu entries, for Help → Keyboard shortcuts.
pub const OTHER_KEYS: &[(&str, &str)] = &[
    (
        "1 to 9",
        "Apply the code on that quick key to the selection",
    ),
    (
        "Arrows, Home, End, Page Up/Down",
        "Move the cursor in the transcript",
    ),
    ("Shift with a move", "Extend the selection"),
    ("Ctrl+Left / Ctrl+Right", "Move by word"),
    ("Ctrl+Home / Ctrl+End", "Start / end of the document"),
    ("Ctrl+A", "Select the whole document"),
    ("Escape", "Clear the selection; close a dialog or help page"),
    ("Enter", "Confirm a dialog; apply the quick-code match"),
];

impl Action {
    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Action::NewProject => "New project…",
            Action::OpenProject => "Open project…",
            Action::OpenTeamProject => "Open team project…",
            Action::ImportTranscripts => "Import transcripts…",
            Action::ImportParticipants => "Import participants…",
            Action::ImportCodebook => "Import codebook…",
            Action::ExportCodebook => "Export codebook…",
            Action::ImportQdpx => "Import REFI-QDA project (.qdpx)…",
            Action::ExportQdpx => "Export REFI-QDA project (.qdpx)…",
            Action::Quit => "Quit",
            Action::Undo => "Undo",
            Action::Redo => "Redo",
            Action::Find => "Find in document…",
            Action::QuickCode => "Quick code…",
            Action::InVivo => "Code in vivo",
            Action::Autocode => "Autocode…",
            Action::ForgetHistory => "Forget undo history…",
            Action::Coder => "Coder…",
            Action::MergeProject => "Merge a coder's project…",
            Action::Report => "Report…",
            Action::Tour => "Tour",
            Action::PracticeProject => "Open the practice project",
            Action::Shortcuts => "Keyboard shortcuts",
            Action::AboutThematicAnalysis => "About thematic analysis",
        }
    }

    /// The keyboard shortcut, if any.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let cmd = Modifiers::COMMAND;
        Some(match self {
            Action::NewProject => KeyboardShortcut::new(cmd, Key::N),
            Action::OpenProject => KeyboardShortcut::new(cmd, Key::O),
            Action::ImportTranscripts => KeyboardShortcut::new(cmd, Key::T),
            Action::Quit => KeyboardShortcut::new(cmd, Key::Q),
            Action::Undo => KeyboardShortcut::new(cmd, Key::Z),
            Action::Redo => KeyboardShortcut::new(cmd | Modifiers::SHIFT, Key::Z),
            Action::Find => KeyboardShortcut::new(cmd, Key::F),
            Action::QuickCode => KeyboardShortcut::new(cmd, Key::K),
            Action::InVivo => KeyboardShortcut::new(cmd, Key::I),
            Action::Shortcuts => KeyboardShortcut::new(Modifiers::NONE, Key::F1),
            _ => return None,
        })
    }

    /// Every action: the menus, the shortcuts checked every frame and Help →
    /// Keyboard shortcuts all come from this table. Redo comes before Undo so
    /// Ctrl+Shift+Z is not taken as Ctrl+Z.
    pub const ALL: [Action; 24] = [
        Action::NewProject,
        Action::OpenProject,
        Action::OpenTeamProject,
        Action::ImportTranscripts,
        Action::ImportParticipants,
        Action::ImportCodebook,
        Action::ExportCodebook,
        Action::ImportQdpx,
        Action::ExportQdpx,
        Action::MergeProject,
        Action::Report,
        Action::Quit,
        Action::Redo,
        Action::Undo,
        Action::Find,
        Action::QuickCode,
        Action::InVivo,
        Action::Autocode,
        Action::ForgetHistory,
        Action::Coder,
        Action::Tour,
        Action::PracticeProject,
        Action::Shortcuts,
        Action::AboutThematicAnalysis,
    ];
}

impl WeftApp {
    pub(super) fn handle_shortcuts(&mut self, ctx: &egui::Context) {
        for action in Action::ALL {
            let Some(sc) = action.shortcut() else {
                continue;
            };
            if ctx.input_mut(|i| i.consume_shortcut(&sc)) {
                self.trigger(action);
            }
        }
        // Quick keys 1–9 code the selection, unless a text field has the keyboard.
        let focused = ctx.memory(|m| m.focused());
        let transcript = self
            .project
            .as_ref()
            .and_then(|p| p.view.as_ref())
            .map(|v| v.widget_id());
        let keys_free = focused.is_none() || focused == transcript;
        if keys_free && self.selection().is_some() {
            const DIGITS: [Key; 9] = [
                Key::Num1,
                Key::Num2,
                Key::Num3,
                Key::Num4,
                Key::Num5,
                Key::Num6,
                Key::Num7,
                Key::Num8,
                Key::Num9,
            ];
            for (n, key) in DIGITS.iter().enumerate() {
                if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, *key))
                    && let Some(code) = self.quick_key_code(n)
                {
                    self.queue.push(Command::ApplyCode(code));
                }
            }
        }
    }

    /// Does what a menu entry or shortcut asks.
    pub fn trigger(&mut self, action: Action) {
        match action {
            Action::NewProject => self.dialog = Some(Dialog::path(PathPurpose::NewProject)),
            Action::OpenProject => self.dialog = Some(Dialog::path(PathPurpose::OpenProject)),
            Action::OpenTeamProject => self.dialog = Some(Dialog::team_project("", None)),
            Action::ImportTranscripts => {
                self.dialog = Some(Dialog::path(PathPurpose::ImportTranscripts))
            }
            Action::ImportParticipants => {
                self.dialog = Some(Dialog::path(PathPurpose::ImportParticipants))
            }
            Action::ImportCodebook => self.dialog = Some(Dialog::path(PathPurpose::ImportCodebook)),
            Action::ExportCodebook => self.dialog = Some(Dialog::path(PathPurpose::ExportCodebook)),
            Action::ImportQdpx => self.dialog = Some(Dialog::path(PathPurpose::ImportQdpx)),
            Action::ExportQdpx => self.dialog = Some(Dialog::path(PathPurpose::ExportQdpx)),
            Action::Quit => self.queue.push(Command::Quit),
            Action::Undo => self.queue.push(Command::Undo),
            Action::Redo => self.queue.push(Command::Redo),
            Action::Find => {
                self.find.open = true;
                self.find.focus = true;
                self.tab = Tab::Coding;
            }
            Action::QuickCode => {
                self.quick.focus = true;
                self.tab = Tab::Coding;
            }
            Action::Autocode => {
                self.dialog = Some(Dialog::Autocode {
                    pattern: String::new(),
                    regex: false,
                    unit: search::Unit::Sentence,
                    code: String::new(),
                    speaker: String::new(),
                })
            }
            Action::ForgetHistory => self.dialog = Some(Dialog::ForgetHistory),
            Action::Coder => {
                self.dialog = Some(Dialog::Coder {
                    text: self.settings.coder.clone(),
                })
            }
            Action::MergeProject => self.dialog = Some(Dialog::path(PathPurpose::MergeProject)),
            Action::Report => self.dialog = Some(Dialog::report(self.matrices.matrix.is_some())),
            Action::Tour => self.tour_open = true,
            Action::PracticeProject => self.queue.push(Command::OpenPractice),
            Action::Shortcuts => self.help = Some(super::help::HelpPage::Shortcuts),
            Action::AboutThematicAnalysis => {
                self.help = Some(super::help::HelpPage::ThematicAnalysis)
            }
            Action::InVivo => match self.in_vivo_name() {
                Some(name) => self.queue.push(Command::ApplyCodePath(name)),
                None => self.error = Some("select the words to name the code after first".into()),
            },
        }
    }

    pub(super) fn menu_ui(&mut self, ui: &mut Ui) {
        let item = |ui: &mut Ui, action: Action| -> bool {
            let mut b = egui::Button::new(action.label());
            if let Some(sc) = action.shortcut() {
                b = b.shortcut_text(ui.ctx().format_shortcut(&sc));
            }
            ui.add(b).clicked()
        };
        ui.menu_button("File", |ui| {
            for a in [
                Action::NewProject,
                Action::OpenProject,
                Action::OpenTeamProject,
            ] {
                if item(ui, a) {
                    self.trigger(a);
                }
            }
            ui.menu_button("Open recent", |ui| {
                if self.settings.recent.is_empty() {
                    ui.label("No recent projects");
                }
                for p in self.settings.recent.clone() {
                    if ui.button(p.display().to_string()).clicked() {
                        self.queue.push(Command::OpenProject(p));
                    }
                }
            });
            ui.separator();
            for a in [
                Action::ImportTranscripts,
                Action::ImportParticipants,
                Action::ImportCodebook,
                Action::ExportCodebook,
            ] {
                if item(ui, a) {
                    self.trigger(a);
                }
            }
            ui.separator();
            for a in [Action::ImportQdpx, Action::ExportQdpx, Action::MergeProject] {
                if item(ui, a) {
                    self.trigger(a);
                }
            }
            ui.separator();
            if item(ui, Action::Report) {
                self.trigger(Action::Report);
            }
            ui.separator();
            if item(ui, Action::Quit) {
                self.trigger(Action::Quit);
            }
        });
        ui.menu_button("Edit", |ui| {
            let (undo, redo) = self
                .project
                .as_ref()
                .and_then(|p| p.store.history().ok())
                .map(|(u, r)| {
                    (
                        u.first().map(HistoryEntry::describe),
                        r.first().map(HistoryEntry::describe),
                    )
                })
                .unwrap_or_default();
            let undo_label = undo.map_or("Undo".to_string(), |l| format!("Undo {l}"));
            let redo_label = redo.map_or("Redo".to_string(), |l| format!("Redo {l}"));
            for (a, label) in [(Action::Undo, undo_label), (Action::Redo, redo_label)] {
                let sc = a
                    .shortcut()
                    .map(|s| ui.ctx().format_shortcut(&s))
                    .unwrap_or_default();
                if ui.add(egui::Button::new(label).shortcut_text(sc)).clicked() {
                    self.trigger(a);
                }
            }
            ui.separator();
            for a in [
                Action::Find,
                Action::QuickCode,
                Action::InVivo,
                Action::Autocode,
                Action::ForgetHistory,
            ] {
                if item(ui, a) {
                    self.trigger(a);
                }
            }
            ui.separator();
            if ui
                .button(format!("Coder… ({})", self.settings.coder))
                .clicked()
            {
                self.trigger(Action::Coder);
            }
        });
        ui.menu_button("View", |ui| self.view_menu_ui(ui));
        ui.menu_button("Help", |ui| {
            for a in [
                Action::Tour,
                Action::PracticeProject,
                Action::Shortcuts,
                Action::AboutThematicAnalysis,
            ] {
                if item(ui, a) {
                    self.trigger(a);
                }
            }
        });
    }

    /// View: whose coding is shown, and stripes split by coder.
    fn view_menu_ui(&mut self, ui: &mut Ui) {
        let Some(p) = &mut self.project else {
            ui.label("No project is open");
            return;
        };
        let mut changed = ui
            .checkbox(&mut p.split_by_coder, "Split stripes by coder")
            .changed();
        ui.separator();
        if p.snap.coders.is_empty() {
            ui.label("No one has coded yet");
        }
        for c in p.snap.coders.clone() {
            let mut shown = !p.hidden_coders.contains(&c.id);
            if ui
                .checkbox(&mut shown, format!("Show {}'s coding", c.name))
                .changed()
            {
                if shown {
                    p.hidden_coders.remove(&c.id);
                } else {
                    p.hidden_coders.insert(c.id);
                }
                changed = true;
            }
        }
        if changed {
            p.update_highlights();
        }
    }

    pub(super) fn status_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            if let Some(job) = &self.job {
                let p = job.progress();
                ui.label(&job.title);
                ui.add(
                    egui::ProgressBar::new(p.fraction)
                        .desired_width(220.0)
                        .show_percentage(),
                );
                ui.label(egui::RichText::new(&p.message).weak());
                if ui.button("Cancel").clicked() {
                    job.cancel();
                }
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(100));
            } else {
                ui.label(&self.status);
            }
            if let Some(loading) = self.project.as_ref().and_then(|p| p.loading.as_ref()) {
                ui.add(egui::Spinner::new());
                ui.label(match loading.segments() {
                    Some(n) => format!("Reading the coding: {} segments…", thousands(n)),
                    None => "Reading the coding…".to_string(),
                });
            }
            if let Some(p) = &self.project {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let c = &p.snap;
                    let segments = match &p.loading {
                        None => Some(c.segments.len()),
                        Some(l) => l.segments(),
                    };
                    ui.label(format!(
                        "{} documents · {} codes · {} segments · coder: {}",
                        thousands(c.documents.len()),
                        thousands(c.codes.codes().len()),
                        segments.map_or("…".to_string(), thousands),
                        // A team member codes as the coder the team gave them.
                        p.store.coder()
                    ));
                    if p.store.server().is_some() {
                        let who = if p.others.is_empty() {
                            "no one else is working here now".to_string()
                        } else {
                            format!("also working: {}", p.others.join(", "))
                        };
                        ui.label(egui::RichText::new(who).weak());
                        ui.separator();
                    }
                });
            }
        });
    }

    pub(super) fn error_ui(&mut self, ctx: &egui::Context) {
        let Some(message) = self.error.clone() else {
            return;
        };
        let modal = egui::Modal::new(egui::Id::unique("error")).show(ctx, |ui| {
            ui.set_max_width(480.0);
            ui.heading("Something went wrong");
            ui.label(&message);
            ui.add_space(8.0);
            ui.button("OK").clicked()
        });
        if modal.inner || modal.should_close() {
            self.error = None;
        }
    }
}
