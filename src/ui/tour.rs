//! The guided tour: eight steps of the workflow the seed studies describe,
//! each with why a researcher does it and where it sits among the six phases
//! of thematic analysis. A step ticks itself off only when the user has done
//! it: the tour watches the changes the window applies (through
//! [`Tour::observe_change`]), the commands it runs and the Matrices tab's
//! state. Progress is kept in the settings, so the tour can be skipped and
//! resumed.

use egui::{RichText, Ui};
use serde::{Deserialize, Serialize};

use super::app::{Tab, WeftApp};
use crate::analysis::matrix::Columns;
use crate::edit::Edit;

/// One step: what to do, why, which phase, and how to do it in Weft.
pub struct Step {
    /// What to do.
    pub title: &'static str,
    /// Why a researcher does it.
    pub why: &'static str,
    /// The phase of thematic analysis (Braun and Clarke's six).
    pub phase: &'static str,
    /// How, in this window.
    pub how: &'static str,
}

/// The steps, in order.
pub const STEPS: [Step; 8] = [
    Step {
        title: "Read a transcript",
        why: "Coding starts from knowing the data: read a whole interview before you code any of it.",
        phase: "Phase 1, familiarising yourself with the data",
        how: "Click a document in the list on the left; it opens in the middle.",
    },
    Step {
        title: "Select a passage and apply a code",
        why: "A code names what a passage is about, so that you can find every passage like it later.",
        phase: "Phase 2, generating initial codes",
        how: "Drag over some words, then click a code in the tree (or press 1 to 9, or Ctrl+K).",
    },
    Step {
        title: "Write a memo",
        why: "Memos keep the ideas you have while coding; they become the analysis you write up.",
        phase: "Phases 1 and 2: noting ideas as they come",
        how: "Pick a code or a coded passage and type in its memo on the right; click elsewhere to save.",
    },
    Step {
        title: "Create a child code",
        why: "Grouping codes under a broader one is how candidate themes take shape.",
        phase: "Phase 3, searching for themes",
        how: "Right-click a code in the tree and choose Add child code…",
    },
    Step {
        title: "Merge two codes",
        why: "Two codes that mean the same thing are one: merging keeps every passage and tidies the codebook.",
        phase: "Phase 4, reviewing themes",
        how: "Right-click a code, choose Merge into…, and pick the code it joins.",
    },
    Step {
        title: "Build a matrix of the codes against Phase",
        why: "A matrix shows whether a code is spread over the groups you compare or belongs to one of them.",
        phase: "Phase 4, reviewing themes across the data set",
        how: "Open the Matrices tab and choose Phase as the columns.",
    },
    Step {
        title: "Read a cell's quotes",
        why: "A number is only a pointer: the passages behind it say what the pattern is.",
        phase: "Phase 5, defining and naming themes",
        how: "Click a cell of the matrix; its quotes appear below.",
    },
    Step {
        title: "Export the matrix",
        why: "The matrix and its quotes go into your findings chapter or a team meeting.",
        phase: "Phase 6, producing the report",
        how: "In the Matrices tab, press Export… and give a .csv or .xlsx file (or File, Report… for a Word document).",
    },
];

/// Progress through the tour, kept between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct TourProgress {
    /// Which steps are done, by index.
    pub done: Vec<bool>,
    /// The tour was offered once (on first start with the demo).
    pub offered: bool,
}

impl TourProgress {
    /// Whether step `i` is done.
    pub fn is_done(&self, i: usize) -> bool {
        self.done.get(i).copied().unwrap_or(false)
    }

    /// Ticks step `i` off.
    pub fn tick(&mut self, i: usize) {
        if self.done.len() < STEPS.len() {
            self.done.resize(STEPS.len(), false);
        }
        self.done[i] = true;
    }

    /// The first step not done yet.
    pub fn current(&self) -> Option<usize> {
        (0..STEPS.len()).find(|&i| !self.is_done(i))
    }
}

/// The step a change completes, if any: applying a code, a memo, a child
/// code, a merge.
pub fn step_of_change(label: &str, edit: &Edit) -> Vec<usize> {
    let mut out = Vec::new();
    let mut inserts_segments = false;
    let mut child_code = false;
    let mut deletes_codes = false;
    visit(edit, &mut |e| match e {
        Edit::InsertSegments(s) if !s.is_empty() => inserts_segments = true,
        Edit::InsertCodes(c) if c.iter().any(|c| c.parent.is_some()) => child_code = true,
        Edit::DeleteCodes(c) if !c.is_empty() => deletes_codes = true,
        _ => {}
    });
    if inserts_segments {
        out.push(1);
    }
    if label == "Edit memo" {
        out.push(2);
    }
    if child_code && label == "Add code" {
        out.push(3);
    }
    if deletes_codes && label.starts_with("Merge") {
        out.push(4);
    }
    out
}

fn visit(edit: &Edit, f: &mut impl FnMut(&Edit)) {
    if let Edit::Batch(list) = edit {
        for e in list {
            visit(e, f);
        }
    } else {
        f(edit);
    }
}

impl WeftApp {
    /// Ticks off the steps an applied change completes.
    pub(super) fn observe_change(&mut self, label: &str, edit: &Edit) {
        for i in step_of_change(label, edit) {
            self.settings.tour.tick(i);
        }
    }

    /// Ticks off the steps the window's state shows: a matrix against Phase,
    /// a cell's quotes read.
    fn observe_state(&mut self) {
        let Some(p) = &self.project else { return };
        let phase = p
            .snap
            .attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case("phase"))
            .map(|a| a.id);
        if let Some((_, spec, _)) = &self.matrices.matrix
            && self.tab == Tab::Matrices
            && matches!(spec.columns, Columns::Attribute(a, _) if Some(a) == phase)
        {
            self.settings.tour.tick(5);
            if self.matrices.quotes.is_some() {
                self.settings.tour.tick(6);
            }
        }
    }

    /// The tour's panel, when it is open.
    pub(super) fn tour_ui(&mut self, ctx: &egui::Context) {
        if !self.tour_open {
            return;
        }
        self.observe_state();
        let mut open = true;
        egui::Window::new("Tour")
            .open(&mut open)
            .default_width(330.0)
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -36.0))
            .resizable(false)
            .collapsible(true)
            .show(ctx, |ui| self.tour_steps_ui(ui));
        if !open {
            self.tour_open = false;
        }
    }

    fn tour_steps_ui(&mut self, ui: &mut Ui) {
        let progress = self.settings.tour.clone();
        let current = progress.current();
        let n_done = (0..STEPS.len()).filter(|&i| progress.is_done(i)).count();
        ui.label(format!("{n_done} of {} steps done", STEPS.len()));
        ui.add(egui::ProgressBar::new(n_done as f32 / STEPS.len() as f32));
        for (i, step) in STEPS.iter().enumerate() {
            let done = progress.is_done(i);
            let mark = if done { "[x]" } else { "[ ]" };
            let text = RichText::new(format!("{mark} {}. {}", i + 1, step.title));
            let text = if Some(i) == current {
                text.strong()
            } else {
                text
            };
            ui.label(text).on_hover_text(step.why);
            if Some(i) == current {
                ui.indent(("tour-step", i), |ui| {
                    ui.label(step.why);
                    ui.label(RichText::new(step.phase).italics());
                    ui.label(RichText::new(format!("How: {}", step.how)).weak());
                });
            }
        }
        ui.separator();
        match current {
            Some(_) => {
                ui.horizontal(|ui| {
                    if ui.button("Skip the tour").clicked() {
                        self.tour_open = false;
                        self.status = "Tour skipped; Help, Tour resumes it".into();
                    }
                    if ui.button("Start over").clicked() {
                        self.settings.tour.done.clear();
                    }
                });
            }
            None => {
                ui.label(RichText::new("Every step done.").strong());
                ui.label(
                    "Next, practise: code two interviews that we coded, then check your coding against ours, with our reasons.",
                );
                ui.horizontal(|ui| {
                    if ui.button("Open the practice project").clicked() {
                        self.queue.push(super::commands::Command::OpenPractice);
                        self.tour_open = false;
                    }
                    if ui.button("Close").clicked() {
                        self.tour_open = false;
                    }
                });
            }
        }
    }
}
