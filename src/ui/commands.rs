//! Commands: everything the panels ask the app to do, run after the UI pass;
//! each change is one `Store::change`, long work a `Job`.

use std::collections::HashMap;
use std::path::PathBuf;

use super::app::*;
use super::dialogs::Dialog;
use super::jobs::{Job, JobOutcome};
use crate::analysis::search;
use crate::edit::{Edit, ops};
use crate::model::*;
use crate::store::{Reader, Store};

/// A change the UI asks for, built inside the transaction that applies it.
pub type BuildEdit = Box<dyn FnOnce(&Reader<'_>) -> crate::Result<Edit>>;

/// Everything the UI can ask the app to do. Panels push these; the app runs
/// them after drawing.
pub enum Command {
    /// Create a project and open it.
    NewProject(PathBuf),
    /// Open a project.
    OpenProject(PathBuf),
    /// Open a team project on a server, with the password typed (if any).
    OpenTeamProject {
        /// The server's URL.
        url: String,
        /// The password, or empty.
        password: String,
    },
    /// Import transcripts (runs as a job).
    ImportTranscripts(Vec<PathBuf>),
    /// Import a participants sheet.
    ImportParticipants(PathBuf),
    /// Import a codebook.
    ImportCodebook(PathBuf),
    /// Export the codebook.
    ExportCodebook(PathBuf),
    /// Export the retrieval list as CSV (runs as a job).
    ExportRetrieval(PathBuf),
    /// Export the matrix shown (.csv, .json or .xlsx).
    ExportMatrix(PathBuf),
    /// Import a REFI-QDA project into a new Weft project beside it, and open it.
    ImportQdpx(PathBuf),
    /// Export the project as REFI-QDA.
    ExportQdpx(PathBuf),
    /// Merge a coder's project (.weft or .qdpx) into the open one.
    MergeProject(PathBuf),
    /// Show a document, optionally selecting a range.
    OpenDocument(DocumentId, Option<CharRange>),
    /// Apply a code to the selection.
    ApplyCode(CodeId),
    /// Apply the code at this path (created if new) to the selection.
    ApplyCodePath(String),
    /// Apply a code to every hit of the find bar.
    CodeAllHits(CodeId),
    /// Any other change, with its undo label.
    Change(String, BuildEdit),
    /// Undo the latest change.
    Undo,
    /// Redo.
    Redo,
    /// Forget every coder's undo and redo history.
    ForgetHistory,
    /// Write a report (.html or .docx): the codebook, or the findings of
    /// the matrix on the Matrices tab.
    Report {
        /// Which report.
        kind: super::dialogs::ReportKind,
        /// Where.
        file: PathBuf,
        /// Participant and document names replaced by ids.
        ids: bool,
        /// Quotes per cell (findings).
        quotes: usize,
    },
    /// Open the practice project Weft ships (written on first use).
    OpenPractice,
    /// Close the window.
    Quit,
}

/// What to do with files dropped on the window, by type.
pub fn commands_for_dropped(files: Vec<PathBuf>) -> Vec<Command> {
    let mut transcripts = Vec::new();
    let mut out = Vec::new();
    for f in files {
        let ext = crate::import::extension(&f);
        match ext.as_str() {
            "weft" => out.push(Command::OpenProject(f)),
            "json" => out.push(Command::ImportCodebook(f)),
            "csv" => {
                let header = std::fs::read_to_string(&f)
                    .ok()
                    .and_then(|t| t.lines().next().map(str::to_lowercase))
                    .unwrap_or_default();
                if header.trim_start_matches('\u{feff}').starts_with("path") {
                    out.push(Command::ImportCodebook(f));
                } else {
                    out.push(Command::ImportParticipants(f));
                }
            }
            _ => transcripts.push(f),
        }
    }
    if !transcripts.is_empty() {
        out.push(Command::ImportTranscripts(transcripts));
    }
    out
}

impl Command {
    /// What can run while a large project's coding is still being read
    /// ([`super::project::Loading`]): reading a transcript. The rest wait
    /// for it, quitting and opening another project too, so that a change
    /// asked for meanwhile is made, and made in this project.
    fn runs_while_loading(&self) -> bool {
        matches!(self, Command::OpenDocument(..))
    }
}

impl WeftApp {
    /// Runs the queued commands. The window calls this after each frame; tests
    /// call it through [`WeftApp::ui`] too.
    pub fn run_commands(&mut self, ctx: &egui::Context) {
        let mut holding = false;
        for command in std::mem::take(&mut self.queue) {
            if self.project.as_ref().is_some_and(|p| p.is_loading())
                && (holding || !command.runs_while_loading())
            {
                // Run once the coding is in: changes are patched into the
                // whole snapshot, and most commands read it. What comes
                // after a held command waits too, so that everything runs
                // in the order asked (a change before the document that
                // was shown changes, or before another project opens).
                holding = true;
                self.queue.push(command);
                continue;
            }
            if let Err(e) = self.run_command(ctx, command) {
                self.error = Some(e);
            }
        }
    }

    pub(super) fn run_command(
        &mut self,
        ctx: &egui::Context,
        command: Command,
    ) -> Result<(), String> {
        match command {
            Command::NewProject(path) => {
                Store::create(&path).map_err(|e| e.to_string())?;
                self.open_project(&path);
            }
            Command::OpenProject(path) => self.open_project(&path),
            Command::OpenTeamProject { url, password } => self.open_team_project(&url, &password),
            Command::ImportTranscripts(files) => self.start_import(ctx, files)?,
            Command::ImportParticipants(file) => {
                let sheet = crate::import::read_participants(&file, &HashMap::new())
                    .map_err(|e| e.to_string())?;
                let n = sheet.rows.len();
                self.apply("Import participants", move |r| {
                    ops::import_participants(
                        r,
                        &sheet,
                        &ops::ParticipantImportOptions {
                            create_missing: true,
                        },
                    )
                })?;
                self.status = format!("Imported {n} participant row(s)");
            }
            Command::ImportCodebook(file) => {
                let entries = if crate::import::extension(&file) == "qdc" {
                    crate::refi::import::read_qdc(&file)
                } else {
                    crate::import::read_codebook(&file)
                }
                .map_err(|e| e.to_string())?;
                self.apply("Import codebook", move |r| {
                    ops::import_codebook(r, &file, &entries)
                })?;
            }
            Command::ExportCodebook(file) => {
                let p = self.project.as_ref().ok_or("open a project first")?;
                let exemplars = p
                    .store
                    .read()
                    .exemplar_quotes()
                    .map_err(|e| e.to_string())?;
                crate::export::codebook::write_file(&p.snap.codes, &exemplars, &file)
                    .map_err(|e| e.to_string())?;
                self.status = format!("Wrote the codebook to {}", file.display());
            }
            Command::ExportRetrieval(file) => self.start_export_retrieval(ctx, file)?,
            Command::ImportQdpx(file) => {
                // The new project goes beside the .qdpx, never over an existing file.
                let mut target = file.with_extension("weft");
                let mut n = 2;
                while target.exists() {
                    let stem = file
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    target = file.with_file_name(format!("{stem}-{n}.weft"));
                    n += 1;
                }
                let report = crate::refi::import::import_qdpx(&file, &target, Default::default())
                    .map_err(|e| e.to_string())?;
                self.open_project(&target);
                self.dialog = Some(Dialog::Report {
                    text: format!("{report}\nSaved as {}", target.display()),
                });
            }
            Command::ExportQdpx(file) => {
                let p = self.project.as_ref().ok_or("open a project first")?;
                crate::refi::export::write_qdpx(&p.store.read(), &file)
                    .map_err(|e| e.to_string())?;
                self.status = format!("Wrote {}", file.display());
            }
            Command::ExportMatrix(file) => {
                let p = self.project.as_ref().ok_or("open a project first")?;
                let (_, _, m) = self
                    .matrices
                    .matrix
                    .as_ref()
                    .ok_or("build a matrix first")?;
                let measure = self.matrices.measure;
                let r = p.store.read();
                let q = if measure == crate::analysis::matrix::Measure::Quotes {
                    crate::export::matrix::quote_text(&r, &p.snap, m).map_err(|e| e.to_string())?
                } else {
                    Default::default()
                };
                let description = crate::export::matrix::describe(m, measure, "columns", "");
                let result = match crate::import::extension(&file).as_str() {
                    "xlsx" => {
                        crate::export::matrix::write_xlsx(m, measure, &q, &file, &description)
                    }
                    ext @ ("csv" | "json") => crate::export::write_atomically(&file, |f| {
                        if ext == "csv" {
                            crate::export::matrix::write_csv(m, measure, &q, f, false)
                        } else {
                            crate::export::matrix::write_json(m, measure, &q, f)
                        }
                    }),
                    _ => Err(crate::Error::file(
                        &file,
                        "a matrix is written as .csv, .json or .xlsx",
                    )),
                };
                result.map_err(|e| e.to_string())?;
                self.status = format!("Wrote the matrix to {}", file.display());
                self.settings.tour.tick(7);
            }
            Command::Report {
                kind,
                file,
                ids,
                quotes,
            } => self.write_report(ctx, kind, &file, ids, quotes)?,
            Command::OpenPractice => self.open_practice_copy(),
            Command::OpenDocument(doc, select) => {
                self.settings.tour.tick(0);
                let p = self.project.as_mut().ok_or("open a project first")?;
                p.open_document(doc).map_err(|e| e.to_string())?;
                if let (Some(range), Some(v)) = (select, p.view.as_mut()) {
                    v.select(range);
                }
                self.find.hits.clear();
                self.refresh_find();
                self.focus_transcript = true;
            }
            Command::ApplyCode(code) => {
                let (doc, range) = self.selection().ok_or("select some text first")?;
                let coder = self.settings.coder.clone();
                let label = format!("Apply code \"{}\"", self.code_path(code));
                self.apply(&label, move |r| {
                    let (make_coder, coder) = ops::ensure_coder(r, &coder)?;
                    let segs = ops::code_ranges(
                        r,
                        &[(doc, range)],
                        code,
                        coder,
                        "",
                        r.next_id("segment")?,
                    )?;
                    Ok(Edit::Batch(vec![make_coder, Edit::InsertSegments(segs)]))
                })?;
                if let Some(p) = &mut self.project {
                    p.selected_code = Some(code);
                }
            }
            Command::ApplyCodePath(path) => {
                let (doc, range) = self.selection().ok_or("select some text first")?;
                let coder = self.settings.coder.clone();
                self.apply(&format!("Apply code \"{path}\""), move |r| {
                    ops::code_path_ranges(r, &[(doc, range)], &path, &coder, "").map(|e| e.0)
                })?;
            }
            Command::CodeAllHits(code) => {
                let p = self.project.as_ref().ok_or("open a project first")?;
                let doc = p.view.as_ref().ok_or("open a document first")?.document;
                let ranges: Vec<_> = self.find.hits.iter().map(|&h| (doc, h)).collect();
                let n = ranges.len();
                let coder = self.settings.coder.clone();
                let label = format!("Code all hits as \"{}\"", self.code_path(code));
                self.apply(&label, move |r| {
                    let (make_coder, coder) = ops::ensure_coder(r, &coder)?;
                    let segs =
                        ops::code_ranges(r, &ranges, code, coder, "", r.next_id("segment")?)?;
                    Ok(Edit::Batch(vec![make_coder, Edit::InsertSegments(segs)]))
                })?;
                self.status = format!("Coded {n} hit(s)");
            }
            Command::Change(label, build) => self.apply(&label, build)?,
            Command::MergeProject(file) => {
                let p = self.project.as_ref().ok_or("open a project first")?;
                if std::fs::canonicalize(&file).ok().as_ref() == Some(&p.canonical_path) {
                    return Err("that is the open project itself".into());
                }
                let src = crate::edit::merge::load_source(&file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                let mut report = crate::edit::merge::MergeReport::default();
                let label = format!(
                    "Merge {}",
                    file.file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                );
                let rep = &mut report;
                self.apply(&label, move |r| {
                    let (edit, got) = crate::edit::merge::merge(r, &src)?;
                    *rep = got;
                    Ok(edit)
                })?;
                let tail = if report.is_empty() {
                    format!("Nothing new to merge from {}.", file.display())
                } else {
                    "Merged as one change: Undo (Ctrl+Z) takes it back.".to_string()
                };
                self.dialog = Some(Dialog::Report {
                    text: format!("{report}{tail}"),
                });
            }
            Command::Undo | Command::Redo => {
                let p = self.project.as_mut().ok_or("open a project first")?;
                p.store.set_coder(&self.settings.coder);
                let redo = matches!(command, Command::Redo);
                let done = if redo {
                    p.store.redo_applied()
                } else {
                    p.store.undo_applied()
                }
                .map_err(|e| e.to_string())?;
                self.status = match done {
                    Some((label, edit)) => {
                        p.after_own_change(&edit).map_err(|e| e.to_string())?;
                        format!("{}: {label}", if redo { "Redone" } else { "Undone" })
                    }
                    None => format!("Nothing to {}", if redo { "redo" } else { "undo" }),
                };
            }
            Command::ForgetHistory => {
                let p = self.project.as_mut().ok_or("open a project first")?;
                p.store.forget_history().map_err(|e| e.to_string())?;
                self.status = "Forgot the undo history: deleted data is gone for good".into();
            }
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
        Ok(())
    }

    /// A code's full path, for labels ("" when it is gone).
    fn code_path(&self, code: crate::model::CodeId) -> String {
        self.project
            .as_ref()
            .and_then(|p| p.code_paths.iter().find(|(c, _)| *c == code))
            .map(|(_, path)| path.clone())
            .unwrap_or_default()
    }

    /// Applies one change to the open project and refreshes what is drawn.
    pub(super) fn apply(
        &mut self,
        label: &str,
        build: impl FnOnce(&Reader<'_>) -> crate::Result<Edit>,
    ) -> Result<(), String> {
        let p = self.project.as_mut().ok_or("open a project first")?;
        p.store.set_coder(&self.settings.coder);
        let applied = p
            .store
            .change_applied(label, build)
            .map_err(|e| e.to_string())?;
        p.after_own_change(&applied.forward)
            .map_err(|e| e.to_string())?;
        self.status = label.to_string();
        self.observe_change(label, &applied.forward);
        Ok(())
    }

    pub(super) fn start_import(
        &mut self,
        ctx: &egui::Context,
        files: Vec<PathBuf>,
    ) -> Result<(), String> {
        let reopen = self
            .project
            .as_ref()
            .ok_or("open a project first")?
            .store
            .reopener();
        if self.job.is_some() {
            return Err("wait for the running task to finish".into());
        }
        let coder = self.settings.coder.clone();
        self.job = Some(Job::spawn(
            ctx,
            format!("Importing {} transcript(s)", files.len()),
            move |jc| {
                let mut store = reopen.open()?;
                store.set_coder(&coder);
                let n = files.len();
                // Each file is written as the next ones are read; it all
                // commits at the end, or, cancelled or refused, not at all.
                crate::import::import_transcripts(
                    &mut store,
                    &format!("Import {n} transcript(s)"),
                    &files,
                    None,
                    |i, doc| {
                        if jc.cancelled() {
                            return Err(crate::Error::Invalid("cancelled".into()));
                        }
                        jc.report(
                            i as f32 / n as f32,
                            format!("Adding {}", doc.source_file.display()),
                        );
                        Ok(())
                    },
                )?;
                Ok(format!("Imported {n} transcript(s)"))
            },
        ));
        Ok(())
    }

    /// Autocodes every document as a job: search with progress per document,
    /// then one change (one undo) for all the hits.
    pub fn autocode(
        &mut self,
        ctx: &egui::Context,
        pattern: String,
        regex: bool,
        unit: search::Unit,
        code: String,
        speaker: String,
    ) {
        let Some(p) = &self.project else { return };
        if self.job.is_some() {
            self.error = Some("wait for the running task to finish".into());
            return;
        }
        let reopen = p.store.reopener();
        let coder = self.settings.coder.clone();
        self.job = Some(Job::spawn(ctx, "Autocoding", move |jc| {
            let re = search::build_pattern(&pattern, !regex, !regex)?;
            let mut store = reopen.open()?;
            store.set_coder(&coder);
            let speaker = Some(speaker.trim()).filter(|s| !s.is_empty());
            let docs = store.read().documents()?;
            let mut ranges = Vec::new();
            for (i, d) in docs.iter().enumerate() {
                if jc.cancelled() {
                    anyhow::bail!("cancelled");
                }
                jc.report(
                    i as f32 / docs.len().max(1) as f32,
                    format!("Searching {}", d.name),
                );
                let r = store.read();
                let hits =
                    search::find_hits(&r.document_text(d.id)?, &r.turns(d.id)?, &re, unit, speaker);
                ranges.extend(hits.into_iter().map(|h| (d.id, h)));
            }
            if jc.cancelled() {
                anyhow::bail!("cancelled");
            }
            let hits = ranges.len();
            let mut added = 0;
            store.change("Autocode", |r| {
                let (edit, n) = ops::code_path_ranges(r, &ranges, &code, &coder, "")?;
                added = n;
                Ok(edit)
            })?;
            Ok(format!(
                "Autocode: {hits} hit(s), {added} new segment(s) coded \"{code}\""
            ))
        }));
    }

    pub(super) fn start_export_retrieval(
        &mut self,
        ctx: &egui::Context,
        file: PathBuf,
    ) -> Result<(), String> {
        let p = self.project.as_ref().ok_or("open a project first")?;
        let code = p.selected_code.ok_or("pick a code first")?;
        let reopen = p.store.reopener();
        let filter = self.retrieval_filter.clone();
        let attributes = p.snap.attributes.clone();
        self.job = Some(Job::spawn(ctx, "Exporting segments", move |jc| {
            jc.report(0.1, "Collecting segments");
            let store = reopen.open()?;
            let mut f = crate::export::segments::SegmentFilter {
                code: Some(code),
                ..Default::default()
            };
            if let Some((a, v)) = filter
                && attributes.iter().any(|x| x.id == a)
            {
                f.conditions
                    .push((a, crate::analysis::matrix::Condition::Equals(v)));
            }
            let table = crate::export::segments::segment_table(&store.read(), &f)?;
            jc.report(0.6, "Writing");
            crate::export::write_atomically(&file, |out| -> anyhow::Result<()> {
                crate::export::segments::write_csv(&table, out)?;
                Ok(())
            })?;
            Ok(format!(
                "Wrote {} segment(s) to {}",
                table.rows.len(),
                file.display()
            ))
        }));
        Ok(())
    }

    pub(super) fn poll_job(&mut self) {
        let Some(job) = &mut self.job else { return };
        let Some(outcome) = job.poll() else { return };
        self.job = None;
        match outcome {
            JobOutcome::Done(msg) => self.status = msg,
            JobOutcome::Failed(msg) => self.error = Some(msg),
            JobOutcome::Cancelled => self.status = "Cancelled; nothing was written".into(),
        }
        if let Some(p) = &mut self.project
            && let Err(e) = p.refresh()
        {
            self.error = Some(e.to_string());
        }
    }
}
