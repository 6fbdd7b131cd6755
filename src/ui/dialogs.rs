//! Small windows that ask for one thing: a path, a name, a confirmation.
//!
//! Every file action has a path field, with a Browse… button that opens the
//! native dialog (rfd). The field is what works where no native dialog is
//! available (a desktop without a portal, or tests).

use std::path::PathBuf;

use egui::{Context, Key};

use super::app::{Command, WeftApp};
use crate::analysis::search::Unit;
use crate::edit::ops;
use crate::model::{AttributeKind, CodeId, SegmentId};

/// What a path is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    /// A new project file.
    NewProject,
    /// A project to open.
    OpenProject,
    /// Transcripts to import (several).
    ImportTranscripts,
    /// A participants sheet.
    ImportParticipants,
    /// A codebook to import.
    ImportCodebook,
    /// Where to write the codebook.
    ExportCodebook,
    /// Where to write the retrieval list.
    ExportRetrieval,
    /// Where to write the matrix.
    ExportMatrix,
    /// A REFI-QDA project to import into a new Weft project.
    ImportQdpx,
    /// Where to write the project as REFI-QDA.
    ExportQdpx,
    /// A coder's project (or a .qdpx) to merge into the open one.
    MergeProject,
}

impl PathPurpose {
    /// The window title.
    pub fn title(self) -> &'static str {
        match self {
            PathPurpose::NewProject => "New project",
            PathPurpose::OpenProject => "Open project",
            PathPurpose::ImportTranscripts => "Import transcripts",
            PathPurpose::ImportParticipants => "Import participants",
            PathPurpose::ImportCodebook => "Import codebook",
            PathPurpose::ExportCodebook => "Export codebook",
            PathPurpose::ExportRetrieval => "Export segments as CSV",
            PathPurpose::ExportMatrix => "Export matrix",
            PathPurpose::ImportQdpx => "Import REFI-QDA project",
            PathPurpose::ExportQdpx => "Export REFI-QDA project",
            PathPurpose::MergeProject => "Merge a coder's project",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            PathPurpose::NewProject => "where to create it, e.g. /home/me/study.weft",
            PathPurpose::OpenProject => "a .weft file",
            PathPurpose::ImportTranscripts => "one path per line: .txt .md .docx .vtt .srt",
            PathPurpose::ImportParticipants => "a .csv sheet; first column names the participant",
            PathPurpose::ImportCodebook => "a .csv (path,description,color) or .json codebook",
            PathPurpose::ExportCodebook => "a .csv or .json file to write",
            PathPurpose::ExportRetrieval => "a .csv file to write",
            PathPurpose::ExportMatrix => "a .csv, .json or .xlsx file to write",
            PathPurpose::ImportQdpx => {
                "a .qdpx file from NVivo, ATLAS.ti, MAXQDA or QualCoder; a new .weft project is made beside it"
            }
            PathPurpose::ExportQdpx => "a .qdpx file to write",
            PathPurpose::MergeProject => {
                "a coder's .weft copy, or a .qdpx from another Weft project; it is merged as one change (Ctrl+Z takes it back)"
            }
        }
    }

    fn browse(self) -> Vec<PathBuf> {
        let d = rfd::FileDialog::new();
        match self {
            PathPurpose::NewProject => d
                .add_filter("Weft project", &["weft"])
                .save_file()
                .into_iter()
                .collect(),
            PathPurpose::OpenProject => d
                .add_filter("Weft project", &["weft"])
                .pick_file()
                .into_iter()
                .collect(),
            PathPurpose::ImportTranscripts => d
                .add_filter("Transcripts", crate::import::TRANSCRIPT_EXTENSIONS)
                .pick_files()
                .unwrap_or_default(),
            PathPurpose::ImportParticipants => d
                .add_filter("CSV", &["csv", "tsv", "txt"])
                .pick_file()
                .into_iter()
                .collect(),
            PathPurpose::ImportCodebook => d
                .add_filter("Codebook", &["csv", "json"])
                .pick_file()
                .into_iter()
                .collect(),
            PathPurpose::ExportCodebook => d
                .add_filter("Codebook", &["csv", "json"])
                .save_file()
                .into_iter()
                .collect(),
            PathPurpose::ExportRetrieval => d
                .add_filter("CSV", &["csv"])
                .save_file()
                .into_iter()
                .collect(),
            PathPurpose::ExportMatrix => d
                .add_filter("Matrix", &["csv", "json", "xlsx"])
                .save_file()
                .into_iter()
                .collect(),
            PathPurpose::ImportQdpx => d
                .add_filter("REFI-QDA project", &["qdpx"])
                .pick_file()
                .into_iter()
                .collect(),
            PathPurpose::ExportQdpx => d
                .add_filter("REFI-QDA project", &["qdpx"])
                .save_file()
                .into_iter()
                .collect(),
            PathPurpose::MergeProject => d
                .add_filter("Weft or REFI-QDA project", &["weft", "qdpx"])
                .pick_file()
                .into_iter()
                .collect(),
        }
    }

    fn command(self, paths: Vec<PathBuf>) -> Option<Command> {
        let first = paths.first()?.clone();
        Some(match self {
            PathPurpose::NewProject => Command::NewProject(first),
            PathPurpose::OpenProject => Command::OpenProject(first),
            PathPurpose::ImportTranscripts => Command::ImportTranscripts(paths),
            PathPurpose::ImportParticipants => Command::ImportParticipants(first),
            PathPurpose::ImportCodebook => Command::ImportCodebook(first),
            PathPurpose::ExportCodebook => Command::ExportCodebook(first),
            PathPurpose::ExportRetrieval => Command::ExportRetrieval(first),
            PathPurpose::ExportMatrix => Command::ExportMatrix(first),
            PathPurpose::ImportQdpx => Command::ImportQdpx(first),
            PathPurpose::ExportQdpx => Command::ExportQdpx(first),
            PathPurpose::MergeProject => Command::MergeProject(first),
        })
    }
}

/// The open dialog.
#[derive(Debug, Clone)]
pub enum Dialog {
    /// Ask for a path (or paths).
    Path {
        /// For what.
        purpose: PathPurpose,
        /// What is typed.
        text: String,
        /// A note after Browse… found nothing.
        note: Option<String>,
    },
    /// Autocode the corpus: search, widen, code.
    Autocode {
        /// The pattern.
        pattern: String,
        /// Read it as a regular expression.
        regex: bool,
        /// How much to code around a hit.
        unit: Unit,
        /// The code's path (created when missing).
        code: String,
        /// Only this speaker's turns (empty: everyone).
        speaker: String,
    },
    /// Add a code under a parent.
    AddCode {
        /// Its parent (none: top level).
        parent: Option<CodeId>,
        /// Its name.
        text: String,
    },
    /// Pick the code to merge into.
    MergeCode {
        /// The code that goes away.
        source: CodeId,
        /// Filter over targets.
        filter: String,
    },
    /// Confirm deleting a code that holds segments.
    DeleteCode {
        /// Which.
        code: CodeId,
        /// How many segments go with it.
        segments: usize,
    },
    /// Confirm deleting a document with its coding (withdrawn consent).
    DeleteDocument {
        /// The document's name.
        name: String,
        /// How many segments go with it.
        segments: usize,
    },
    /// Confirm forgetting every coder's undo and redo history.
    ForgetHistory,
    /// Who is coding (asked on first start, and from Edit → Coder…).
    Coder {
        /// The name typed.
        text: String,
    },
    /// Add an attribute, asking its type.
    AddAttribute {
        /// Its name.
        name: String,
        /// Its type.
        kind: AttributeKind,
    },
    /// Show what an import did.
    Report {
        /// The report's text.
        text: String,
    },
    /// Edit a segment's memo.
    SegmentMemo {
        /// Which.
        segment: SegmentId,
        /// The memo.
        text: String,
    },
    /// File → Report…: which report, where, and how.
    WriteReport(super::reports::ReportForm),
    /// File → Open team project…: the server's URL and, if it asks for
    /// one, the password (kept in memory only, never saved).
    TeamProject {
        /// `postgres://user@host:port/database`.
        url: String,
        /// The password typed.
        password: String,
        /// Why the last try failed.
        note: Option<String>,
    },
}

/// Which report File → Report… writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// The codebook with every part, counts and exemplars.
    Codebook,
    /// The findings of the matrix on the Matrices tab.
    Findings,
}

impl Dialog {
    /// File → Report…, on the findings when a matrix is built.
    pub fn report(has_matrix: bool) -> Self {
        Dialog::WriteReport(super::reports::ReportForm {
            kind: if has_matrix {
                ReportKind::Findings
            } else {
                ReportKind::Codebook
            },
            path: String::new(),
            ids: false,
            quotes: 2,
            note: None,
        })
    }

    /// File → Open team project…, with the URL filled in and why the last
    /// try failed.
    pub fn team_project(url: &str, note: Option<String>) -> Self {
        Dialog::TeamProject {
            url: url.to_string(),
            password: String::new(),
            note,
        }
    }

    /// A path prompt.
    pub fn path(purpose: PathPurpose) -> Self {
        Dialog::Path {
            purpose,
            text: String::new(),
            note: None,
        }
    }
}

fn paths_of(text: &str) -> Vec<PathBuf> {
    text.lines()
        .map(|l| l.trim().trim_matches('"'))
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// Draws the open dialog; OK pushes a command, Cancel or Escape closes it.
pub fn dialogs_ui(app: &mut WeftApp, ctx: &Context) {
    let Some(mut dialog) = app.dialog.take() else {
        return;
    };
    let mut open = true;
    let mut done = false;
    let escape = ctx.input(|i| i.key_pressed(Key::Escape));
    let title = match &dialog {
        Dialog::Path { purpose, .. } => purpose.title().to_string(),
        Dialog::Autocode { .. } => "Autocode".into(),
        Dialog::AddCode { .. } => "New code".into(),
        Dialog::MergeCode { .. } => "Merge code into…".into(),
        Dialog::DeleteCode { .. } => "Delete code".into(),
        Dialog::DeleteDocument { .. } => "Delete document".into(),
        Dialog::ForgetHistory => "Forget undo history".into(),
        Dialog::Coder { .. } => "Who is coding?".into(),
        Dialog::AddAttribute { .. } => "New attribute".into(),
        Dialog::SegmentMemo { .. } => "Segment memo".into(),
        Dialog::Report { .. } => "Import report".into(),
        Dialog::WriteReport(_) => "Report".into(),
        Dialog::TeamProject { .. } => "Open team project".into(),
    };
    let code_paths = app
        .project
        .as_ref()
        .map(|p| p.code_paths.clone())
        .unwrap_or_default();
    let name_of = |id: CodeId| {
        code_paths
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, p)| p.clone())
            .unwrap_or_default()
    };
    egui::Window::new(title)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .open(&mut open)
        .show(ctx, |ui| {
            ui.set_min_width(420.0);
            match &mut dialog {
                Dialog::Path { purpose, text, note } => {
                    let label = ui.label(purpose.hint());
                    let multi = *purpose == PathPurpose::ImportTranscripts;
                    let field = if multi {
                        egui::TextEdit::multiline(text).desired_rows(4)
                    } else {
                        egui::TextEdit::singleline(text)
                    };
                    let resp = ui.add(field.desired_width(f32::INFINITY).id_salt("path-field")).labelled_by(label.id);
                    if !resp.has_focus() && text.is_empty() {
                        resp.request_focus();
                    }
                    let enter = !multi && resp.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                    if let Some(n) = note {
                        ui.label(egui::RichText::new(n.as_str()).weak());
                    }
                    ui.horizontal(|ui| {
                        if ui.button("Browse…").clicked() {
                            let picked = purpose.browse();
                            if picked.is_empty() {
                                *note = Some("No file was chosen; you can type the path above.".into());
                            } else if let Some(cmd) = purpose.command(picked) {
                                app.queue.push(cmd);
                                done = true;
                            }
                        }
                        if (ui.button("OK").clicked() || enter)
                            && let Some(cmd) = purpose.command(paths_of(text))
                        {
                            app.queue.push(cmd);
                            done = true;
                        }
                        if ui.button("Cancel").clicked() {
                            done = true;
                        }
                    });
                }
                Dialog::TeamProject { url, password, note } => {
                    ui.label("A project on your team's PostgreSQL server (put one there with weft push).");
                    let mut enter = false;
                    egui::Grid::new("team-form").num_columns(2).show(ui, |ui| {
                        let l = ui.label("Server URL:");
                        let resp = ui.add(egui::TextEdit::singleline(url).hint_text("postgres://you@host/database").desired_width(320.0).id_salt("team-url")).labelled_by(l.id);
                        if url.is_empty() && !resp.has_focus() {
                            resp.request_focus();
                        }
                        ui.end_row();
                        let l = ui.label("Password:");
                        let resp = ui.add(egui::TextEdit::singleline(password).password(true).hint_text("if the server asks").desired_width(320.0).id_salt("team-password")).labelled_by(l.id);
                        enter = resp.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                        ui.end_row();
                    });
                    ui.label(egui::RichText::new("Add ?sslmode=require for TLS. The password is used for this session only; PGPASSWORD and ~/.pgpass work too.").weak());
                    if let Some(n) = note {
                        ui.colored_label(ui.visuals().warn_fg_color, n.as_str());
                    }
                    ui.horizontal(|ui| {
                        if (ui.button("Open").clicked() || enter) && !url.trim().is_empty() {
                            app.queue.push(Command::OpenTeamProject {
                                url: url.trim().to_string(),
                                password: std::mem::take(password),
                            });
                            done = true;
                        }
                        if ui.button("Cancel").clicked() {
                            done = true;
                        }
                    });
                }
                Dialog::Autocode { pattern, regex, unit, code, speaker } => {
                    ui.label("Search every document and code each hit.");
                    egui::Grid::new("autocode-form").num_columns(2).show(ui, |ui| {
                        let l = ui.label("Find:");
                        ui.add(egui::TextEdit::singleline(pattern).id_salt("autocode-pattern")).labelled_by(l.id);
                        ui.end_row();
                        ui.label("");
                        ui.checkbox(regex, "Regular expression (otherwise plain text, any case)");
                        ui.end_row();
                        let l = ui.label("Code:");
                        ui.add(egui::TextEdit::singleline(code).hint_text("Parent/Child").id_salt("autocode-code")).labelled_by(l.id);
                        ui.end_row();
                        let l = ui.label("Only speaker:");
                        ui.add(egui::TextEdit::singleline(speaker).hint_text("everyone").id_salt("autocode-speaker")).labelled_by(l.id);
                        ui.end_row();
                        ui.label("Code the:");
                        ui.horizontal(|ui| {
                            for (u, name) in [(Unit::Match, "match"), (Unit::Sentence, "sentence"), (Unit::Paragraph, "paragraph"), (Unit::Turn, "turn")] {
                                ui.radio_value(unit, u, name);
                            }
                        });
                        ui.end_row();
                    });
                    let ready = !pattern.is_empty() && !code.trim().is_empty();
                    if ui.add_enabled(ready, egui::Button::new("Autocode")).clicked() {
                        app.autocode(ctx, pattern.clone(), *regex, *unit, code.clone(), speaker.clone());
                        done = true;
                    }
                }
                Dialog::AddCode { parent, text } => {
                    let parent = *parent;
                    if let Some(p) = parent {
                        ui.label(format!("Under {}", name_of(p)));
                    }
                    let label = ui.label("Name:");
                    let resp = ui.add(egui::TextEdit::singleline(text).hint_text("name").id_salt("new-code-field")).labelled_by(label.id);
                    resp.request_focus();
                    let ok = ui.button("Add").clicked() || (resp.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)));
                    if ok {
                        let name = text.clone();
                        app.change("Add code", move |r| ops::add_code(r, parent, &name, None, "").map(|e| e.0));
                        done = true;
                    }
                }
                Dialog::MergeCode { source, filter } => {
                    let source = *source;
                    ui.label(format!("Move every segment and child of \"{}\" into:", name_of(source)));
                    let label = ui.label("Filter:");
                    ui.add(egui::TextEdit::singleline(filter).hint_text("filter").id_salt("merge-filter")).labelled_by(label.id);
                    egui::ScrollArea::vertical().max_height(300.0).show(ui, |ui| {
                        for (id, path) in &code_paths {
                            if *id == source || super::app::fuzzy_score(path, filter).is_none() {
                                continue;
                            }
                            if ui.button(path).clicked() {
                                let target = *id;
                                app.change("Merge code", move |r| ops::merge_codes(r, source, target));
                                done = true;
                            }
                        }
                    });
                }
                Dialog::DeleteCode { code, segments } => {
                    let code = *code;
                    ui.label(format!(
                        "\"{}\" and its children hold {segments} coded segment(s). Delete them all? (You can undo this.)",
                        name_of(code)
                    ));
                    ui.horizontal(|ui| {
                        if ui.button("Delete").clicked() {
                            app.change("Delete code", move |r| ops::delete_code(r, code, true));
                            done = true;
                        }
                        if ui.button("Cancel").clicked() {
                            done = true;
                        }
                    });
                }
                Dialog::DeleteDocument { name, segments } => {
                    ui.label(format!(
                        "Delete the document \"{name}\" and its {segments} coded segment(s)? \
                         You can undo this until the history is cleared; \
                         `weft history --clear` then removes its text from the project file for good."
                    ));
                    ui.horizontal(|ui| {
                        if ui.button("Delete document").clicked() {
                            let n = name.clone();
                            app.change(&format!("Delete document \"{n}\""), move |r| {
                                ops::delete_document(r, &n).map(|(e, _, _)| e)
                            });
                            done = true;
                        }
                        if ui.button("Cancel").clicked() {
                            done = true;
                        }
                    });
                }
                Dialog::ForgetHistory => {
                    ui.label(
                        "Forget the undo and redo history of every coder? Nothing done so far can be undone afterwards, \
                         and whatever was deleted (a withdrawn participant's transcript) is removed from the project file for good.",
                    );
                    ui.horizontal(|ui| {
                        if ui.button("Forget history").clicked() {
                            app.queue.push(Command::ForgetHistory);
                            done = true;
                        }
                        if ui.button("Cancel").clicked() {
                            done = true;
                        }
                    });
                }
                Dialog::Coder { text } => {
                    ui.label("Every segment you code records your name, so a team can compare coders and each coder undoes only their own changes.");
                    let label = ui.label("Your name:");
                    let field = ui.add(egui::TextEdit::singleline(text).id_salt("coder-name")).labelled_by(label.id);
                    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                    let name = text.trim().to_string();
                    let problem = if name.is_empty() {
                        Some("a name is needed".to_string())
                    } else {
                        crate::model::check_name_characters("a coder's name", &name).err().map(|e| e.to_string())
                    };
                    if let Some(problem) = &problem {
                        ui.colored_label(ui.visuals().error_fg_color, problem);
                    }
                    if (ui.add_enabled(problem.is_none(), egui::Button::new("Code as this name")).clicked() || enter) && problem.is_none() {
                        app.settings.coder = name;
                        app.status = format!("Coding as {}", app.settings.coder);
                        done = true;
                    }
                }
                Dialog::AddAttribute { name, kind } => {
                    let label = ui.label("Name:");
                    ui.add(egui::TextEdit::singleline(name).hint_text("name, e.g. Phase").id_salt("attr-name")).labelled_by(label.id);
                    egui::ComboBox::from_label("Type")
                        .selected_text(kind.as_str())
                        .show_ui(ui, |ui| {
                            for k in [AttributeKind::Text, AttributeKind::Number, AttributeKind::Date, AttributeKind::Bool] {
                                ui.selectable_value(kind, k, k.as_str());
                            }
                        });
                    if ui.button("Add attribute").clicked() {
                        let (n, k) = (name.clone(), *kind);
                        app.change("Add attribute", move |r| ops::add_attribute(r, &n, k).map(|e| e.0));
                        done = true;
                    }
                }
                Dialog::WriteReport(form) => {
                    done = super::reports::report_form_ui(app, ui, form);
                }
                Dialog::Report { text } => {
                    egui::ScrollArea::vertical().max_height(400.0).show(ui, |ui| {
                        ui.label(text.as_str());
                    });
                    if ui.button("OK").clicked() {
                        done = true;
                    }
                }
                Dialog::SegmentMemo { segment, text } => {
                    let segment = *segment;
                    let label = ui.label("Memo:");
                    ui.add(egui::TextEdit::multiline(text).desired_rows(6).desired_width(f32::INFINITY).id_salt("segment-memo")).labelled_by(label.id);
                    if ui.button("Save memo").clicked() {
                        let t = text.clone();
                        app.change("Edit memo", move |r| ops::set_memo(r, ops::MemoTarget::Segment(segment), &t));
                        done = true;
                    }
                }
            }
        });
    if open && !done && !escape {
        app.dialog = Some(dialog);
    }
}
