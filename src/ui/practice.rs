//! The Practice tab, shown in a practice project: what to do, Check my
//! coding, then the agreement with the expert per code (F1 and Cohen's kappa
//! from the agreement library) and every passage as agreed, partly agreed,
//! missed or extra, with the code's definition and the expert's reason.
//! Clicking a passage opens the transcript there. The feedback is computed
//! when asked and kept until the coding changes; Try again clears it.

use egui::{Color32, RichText, Ui};

use super::app::{Command, Tab, WeftApp};
use crate::analysis::agreement::Figure;
use crate::analysis::practice::{self, Feedback, Verdict};
use crate::model::*;

/// The tab's state.
#[derive(Default)]
pub struct PracticePanel {
    /// The feedback, with the snapshot version it was made from.
    pub feedback: Option<(u64, Feedback)>,
    /// Each passage's text, read once per check.
    pub quotes: Vec<String>,
    /// Why checking failed.
    pub problem: Option<String>,
}

fn figure(f: &Figure) -> String {
    match f {
        Ok(v) => practice::rounded(*v),
        Err(why) => format!("n/a ({why})"),
    }
}

fn verdict_colour(v: Verdict) -> Color32 {
    match v {
        Verdict::Agreed => Color32::from_rgb(46, 140, 70),
        Verdict::Partly => Color32::from_rgb(190, 140, 20),
        Verdict::Missed => Color32::from_rgb(200, 60, 50),
        Verdict::Extra => Color32::from_rgb(70, 100, 200),
    }
}

impl WeftApp {
    /// Runs the check for the window's coder.
    pub fn check_practice(&mut self) {
        let Some(p) = &mut self.project else { return };
        let Some(practice) = p.practice.clone() else {
            return;
        };
        self.practice.problem = None;
        let Some(me) = p.snap.coder_named(self.settings.coder.trim()).map(|c| c.id) else {
            self.practice.problem = Some(format!(
                "{} has not coded anything yet: code some passages first.",
                self.settings.coder
            ));
            self.practice.feedback = None;
            return;
        };
        match practice::check(&p.snap, &practice, me) {
            Ok(f) => {
                let wanted: Vec<(DocumentId, CharRange)> =
                    f.passages.iter().map(|x| (x.document, x.range)).collect();
                self.practice.quotes = p.passages(&wanted);
                self.practice.feedback = Some((p.version, f));
            }
            Err(e) => {
                self.practice.problem = Some(e.to_string());
                self.practice.feedback = None;
            }
        }
    }
}

/// Draws the tab.
pub fn practice_ui(app: &mut WeftApp, ui: &mut Ui) {
    let Some(p) = &app.project else { return };
    if super::widgets::reading_the_coding(ui, p) {
        return;
    }
    let Some(practice) = p.practice.clone() else {
        ui.heading("Practice");
        ui.label("This project is not a practice project. Help, Open the practice project, or `weft practice make` turns some coded documents into one.");
        return;
    };
    let version = p.version;
    ui.heading(format!("Practice against {}'s coding", practice.expert));
    ui.label(format!(
        "Code the transcripts on the Coding tab as {} (you). {}'s coding stays hidden until you press Check my coding.",
        app.settings.coder, practice.expert
    ));
    ui.horizontal(|ui| {
        if ui.button("Check my coding").clicked() {
            app.check_practice();
        }
        if app.practice.feedback.is_some() && ui.button("Try again").clicked() {
            app.practice.feedback = None;
            app.status = "Feedback hidden: change your coding, then check again".into();
        }
    });
    if let Some(problem) = &app.practice.problem {
        ui.colored_label(ui.visuals().error_fg_color, problem);
    }
    let Some((made, f)) = app.practice.feedback.clone() else {
        return;
    };
    if made != version {
        ui.label(
            RichText::new("You have changed your coding since: check again to update.").italics(),
        );
    }
    let Some(p) = &app.project else { return };
    let snap = &p.snap;
    ui.separator();
    ui.label(RichText::new("By code").strong());
    egui::Grid::new("practice-codes")
        .striped(true)
        .show(ui, |ui| {
            ui.label(RichText::new("code").strong());
            ui.label(RichText::new("F1").strong());
            ui.label(RichText::new("Cohen's kappa").strong());
            ui.end_row();
            for c in &f.by_code {
                ui.label(snap.codes.path(c.code));
                ui.label(figure(&c.figures.f1));
                ui.label(figure(&c.figures.cohen_kappa));
                ui.end_row();
            }
            if let Some(o) = &f.overall {
                ui.label(RichText::new("all codes").italics());
                ui.label(figure(&o.f1));
                ui.label(figure(&o.cohen_kappa));
                ui.end_row();
            }
        });
    for d in &f.not_coded {
        if let Some(doc) = snap.document(*d) {
            ui.label(format!("{} is not coded yet, so it is left out.", doc.name));
        }
    }
    let count = |v: Verdict| f.passages.iter().filter(|x| x.verdict == v).count();
    ui.separator();
    ui.label(
        RichText::new(format!(
            "Passages: {} agreed, {} partly agreed, {} missed, {} extra",
            count(Verdict::Agreed),
            count(Verdict::Partly),
            count(Verdict::Missed),
            count(Verdict::Extra)
        ))
        .strong(),
    );
    let mut open = None;
    egui::ScrollArea::vertical()
        .id_salt("practice-passages")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (i, x) in f.passages.iter().enumerate() {
                let doc = snap.document(x.document).map_or("", |d| d.name.as_str());
                let code = snap.codes.get(x.code);
                ui.horizontal_wrapped(|ui| {
                    ui.label(
                        RichText::new(x.verdict.as_str())
                            .strong()
                            .color(verdict_colour(x.verdict)),
                    );
                    let quote = app.practice.quotes.get(i).cloned().unwrap_or_default();
                    let link = format!(
                        "{doc} · {} · {}",
                        snap.codes.path(x.code),
                        super::widgets::quote_line(&quote, x.range.len())
                    );
                    if ui
                        .link(link)
                        .on_hover_text("Open it in the transcript")
                        .clicked()
                    {
                        open = Some((x.document, x.range));
                    }
                });
                ui.indent(("practice-passage", i), |ui| {
                    if let Some(c) = code {
                        let def = c.brief();
                        if !def.is_empty() {
                            ui.label(format!("The code: {def}"));
                        }
                        if x.verdict == Verdict::Extra && !c.when_not_to_use.is_empty() {
                            ui.label(format!("When not to use it: {}", c.when_not_to_use));
                        }
                    }
                    if let Some(line) = practice::instead_line(snap, &practice, x) {
                        ui.label(RichText::new(line).strong());
                    }
                    for r in &x.reasons {
                        ui.label(
                            RichText::new(format!("Why ({}): {r}", practice.expert)).italics(),
                        );
                    }
                });
                ui.add_space(4.0);
            }
        });
    if let Some((doc, range)) = open {
        app.queue.push(Command::OpenDocument(doc, Some(range)));
        app.tab = Tab::Coding;
    }
}
