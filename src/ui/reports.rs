//! File → Report…: the codebook, or the findings of the matrix on the
//! Matrices tab, as Word (.docx) or HTML, with participant ids in place of
//! names if asked. Written by the library's `report` module, like
//! `weft report`.

use std::path::{Path, PathBuf};

use egui::Ui;

use super::app::{Command, WeftApp};
use super::dialogs::ReportKind;
use super::jobs::Job;
use crate::analysis::matrix::{Columns, Measure};
use crate::report::{self, MatrixReport, Options};

/// What the dialog holds.
#[derive(Debug, Clone)]
pub struct ReportForm {
    /// Which report.
    pub kind: ReportKind,
    /// Where to write it.
    pub path: String,
    /// Participant and document names replaced by ids.
    pub ids: bool,
    /// Quotes per cell (findings).
    pub quotes: usize,
    /// A note after Browse… found nothing.
    pub note: Option<String>,
}

/// Draws the form; true when it is done (written or cancelled).
pub fn report_form_ui(app: &mut WeftApp, ui: &mut Ui, form: &mut ReportForm) -> bool {
    let has_matrix = app.matrices.matrix.is_some();
    let mut done = false;
    ui.horizontal(|ui| {
        ui.radio_value(&mut form.kind, ReportKind::Codebook, "Codebook");
        ui.add_enabled_ui(has_matrix, |ui| {
            ui.radio_value(
                &mut form.kind,
                ReportKind::Findings,
                "Findings of the matrix",
            )
            .on_disabled_hover_text("Build a matrix on the Matrices tab first");
        });
    });
    match form.kind {
        ReportKind::Codebook => {
            ui.label("Every code with its definitions, its counts and its exemplar quotes.");
        }
        ReportKind::Findings => {
            ui.label(
                "The matrix on the Matrices tab, then each cell's figure, summaries and quotes.",
            );
            ui.horizontal(|ui| {
                let l = ui.label("Quotes per cell:");
                ui.add(egui::DragValue::new(&mut form.quotes).range(0..=20))
                    .labelled_by(l.id);
            });
        }
    }
    ui.checkbox(
        &mut form.ids,
        "Participant ids instead of names (for confidentiality)",
    );
    let l = ui.label("File (.docx or .html):");
    let field = ui
        .add(
            egui::TextEdit::singleline(&mut form.path)
                .desired_width(f32::INFINITY)
                .id_salt("report-path"),
        )
        .labelled_by(l.id);
    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if let Some(n) = &form.note {
        ui.label(egui::RichText::new(n.as_str()).weak());
    }
    let write = |file: PathBuf, app: &mut WeftApp| {
        app.queue.push(Command::Report {
            kind: form.kind,
            file,
            ids: form.ids,
            quotes: form.quotes,
        });
    };
    ui.horizontal(|ui| {
        if ui.button("Browse…").clicked() {
            let picked = rfd::FileDialog::new()
                .add_filter("Word document", &["docx"])
                .add_filter("Web page", &["html"])
                .save_file();
            match picked {
                Some(f) => {
                    write(f, app);
                    done = true;
                }
                None => form.note = Some("No file was chosen; you can type the path above.".into()),
            }
        }
        if (ui.button("Write report").clicked() || enter) && !form.path.trim().is_empty() {
            write(PathBuf::from(form.path.trim()), app);
            done = true;
        }
        if ui.button("Cancel").clicked() {
            done = true;
        }
    });
    done
}

impl WeftApp {
    /// Writes the report asked for, as a job with a progress bar (a findings
    /// report of a large framework matrix takes seconds): its own connection,
    /// and nothing written when cancelled.
    pub(super) fn write_report(
        &mut self,
        ctx: &egui::Context,
        kind: ReportKind,
        file: &Path,
        ids: bool,
        quotes: usize,
    ) -> Result<(), String> {
        let p = self.project.as_ref().ok_or("open a project first")?;
        report::Format::of(file).map_err(|e| e.to_string())?;
        if self.job.is_some() {
            return Err("wait for the running task to finish".into());
        }
        let findings = match kind {
            ReportKind::Codebook => None,
            ReportKind::Findings => {
                let (_, spec, _) = self
                    .matrices
                    .matrix
                    .as_ref()
                    .ok_or("build a matrix on the Matrices tab first")?;
                let columns = match spec.columns {
                    Columns::Attribute(a, _) => p
                        .snap
                        .attributes
                        .iter()
                        .find(|x| x.id == a)
                        .map_or("attribute".to_string(), |x| x.name.clone()),
                    Columns::Participants => "participants".into(),
                    Columns::Documents => "documents".into(),
                    Columns::Codes(_) => "codes".into(),
                };
                let measure = match self.matrices.measure {
                    Measure::Quotes => Measure::Segments,
                    m => m,
                };
                Some(MatrixReport {
                    spec: spec.clone(),
                    measure,
                    quotes,
                    columns,
                })
            }
        };
        let reopen = p.store.reopener();
        let file = file.to_path_buf();
        let opts = Options { ids };
        if findings.is_some() {
            self.settings.tour.tick(7);
        }
        self.job = Some(Job::spawn(ctx, "Writing the report", move |jc| {
            jc.report(0.1, "Reading the project");
            let store = reopen.open()?;
            let r = store.read();
            let made = match &findings {
                None => report::codebook(&r, opts)?,
                Some(what) => report::matrix(&r, what, opts)?,
            };
            if jc.cancelled() {
                anyhow::bail!("cancelled");
            }
            jc.report(0.7, format!("Writing {}", file.display()));
            report::write_file(&made, &file)?;
            Ok(format!("Wrote {} to {}", made.title, file.display()))
        }));
        Ok(())
    }
}
