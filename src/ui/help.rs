//! Help: the keyboard shortcuts (F1), listed from the same action table that
//! builds the menus, and a short page on thematic analysis and what Weft
//! offers for each of its six phases.

use egui::{RichText, Ui};

use super::app::WeftApp;
use super::menu::{Action, OTHER_KEYS};

/// Which help page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpPage {
    /// Every shortcut.
    Shortcuts,
    /// The six phases.
    ThematicAnalysis,
}

/// The six phases (Braun and Clarke, 2006) and what Weft has for each.
const PHASES: [(&str, &str, &str); 6] = [
    (
        "1. Familiarising yourself with the data",
        "Read and re-read the transcripts, noting first ideas.",
        "The transcript view with speaker turns; document memos; Find (Ctrl+F).",
    ),
    (
        "2. Generating initial codes",
        "Code what is interesting across the whole data set, systematically.",
        "Select and code with a click, quick keys 1 to 9 or Ctrl+K; in vivo codes (Ctrl+I); autocode; segment memos; exemplar quotes.",
    ),
    (
        "3. Searching for themes",
        "Gather codes into candidate themes and collect the passages of each.",
        "Child codes by drag and drop; the retrieval list of a code with its children; the structured codebook.",
    ),
    (
        "4. Reviewing themes",
        "Check the themes against the coded passages and the whole data set.",
        "Merge and move codes (undoable); data matrices of codes against attributes, participants or other codes; inter-coder agreement.",
    ),
    (
        "5. Defining and naming themes",
        "Say what each theme is about and what it is not.",
        "Short and full definitions, when to use a code and when not; the framework matrix's summaries.",
    ),
    (
        "6. Producing the report",
        "Tell the story of the data with vivid, well-chosen extracts.",
        "File, Report…: the codebook and a matrix's findings with quotes, as Word or HTML; CSV and Excel exports.",
    ),
];

fn shortcuts_ui(ui: &mut Ui) {
    egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
        ui.label(RichText::new("Keys").strong());
        ui.label(RichText::new("Does").strong());
        ui.end_row();
        for a in Action::ALL {
            if let Some(sc) = a.shortcut() {
                ui.label(ui.ctx().format_shortcut(&sc));
                ui.label(a.label().trim_end_matches('…'));
                ui.end_row();
            }
        }
        for (keys, what) in OTHER_KEYS {
            ui.label(*keys);
            ui.label(*what);
            ui.end_row();
        }
    });
}

fn thematic_analysis_ui(ui: &mut Ui) {
    ui.label(
        "Thematic analysis finds, names and reports patterns of meaning across a data set. \
         Braun and Clarke (2006) describe six phases. They are not steps done once: you go back \
         and forth between them as your understanding grows.",
    );
    for (phase, what, weft) in PHASES {
        ui.add_space(6.0);
        ui.label(RichText::new(phase).strong());
        ui.label(what);
        ui.label(RichText::new(format!("In Weft: {weft}")).weak());
    }
    ui.add_space(6.0);
    ui.label("Help, Tour walks through these in the demo project; the practice project lets you compare your coding with ours.");
}

impl WeftApp {
    /// The help window, when one is open.
    pub(super) fn help_ui(&mut self, ctx: &egui::Context) {
        let Some(page) = self.help else { return };
        let title = match page {
            HelpPage::Shortcuts => "Keyboard shortcuts",
            HelpPage::ThematicAnalysis => "About thematic analysis",
        };
        let mut open = true;
        egui::Window::new(title)
            .open(&mut open)
            .default_width(460.0)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::ScrollArea::vertical()
                    .max_height(520.0)
                    .show(ui, |ui| match page {
                        HelpPage::Shortcuts => shortcuts_ui(ui),
                        HelpPage::ThematicAnalysis => thematic_analysis_ui(ui),
                    });
            });
        if !open || ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
            self.help = None;
        }
    }
}
