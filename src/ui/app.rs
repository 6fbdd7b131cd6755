//! The app: the open project, the command queue, menus, shortcuts and layout.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use egui::{Key, KeyboardShortcut, Modifiers, Ui};
use serde::{Deserialize, Serialize};

use super::dialogs::{Dialog, PathPurpose};
use super::jobs::{Job, JobOutcome};
use super::transcript::{Highlight, TranscriptAction, TranscriptView};
use crate::analysis::search;
use crate::edit::{Edit, ops};
use crate::model::*;
use crate::store::{Reader, Store};

/// What is kept between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Settings {
    /// Recently opened projects, newest first.
    pub recent: Vec<PathBuf>,
    /// Quick keys 1–9 per project: code GUIDs by key.
    pub quick_keys: HashMap<PathBuf, [Option<String>; 9]>,
    /// The name recorded as coder.
    pub coder: String,
}

const SETTINGS_KEY: &str = "weft-settings";

/// Which screen the central area shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// Documents, transcript and codes.
    #[default]
    Coding,
    /// The participants × attributes grid.
    Participants,
    /// Data matrices.
    Matrices,
}

/// A change the UI asks for, built inside the transaction that applies it.
pub type BuildEdit = Box<dyn FnOnce(&Reader<'_>) -> crate::Result<Edit>>;

/// Everything the UI can ask the app to do. Panels push these; the app runs
/// them after drawing.
pub enum Command {
    /// Create a project and open it.
    NewProject(PathBuf),
    /// Open a project.
    OpenProject(PathBuf),
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
    /// Close the window.
    Quit,
}

/// User actions that have a menu entry and maybe a shortcut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// File → New…
    NewProject,
    /// File → Open…
    OpenProject,
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
}

impl Action {
    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Action::NewProject => "New project…",
            Action::OpenProject => "Open project…",
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
            _ => return None,
        })
    }

    /// All actions with shortcuts, checked every frame. Redo comes before Undo
    /// so Ctrl+Shift+Z is not taken as Ctrl+Z.
    const WITH_SHORTCUTS: [Action; 9] = [
        Action::Redo,
        Action::Undo,
        Action::NewProject,
        Action::OpenProject,
        Action::ImportTranscripts,
        Action::Quit,
        Action::Find,
        Action::QuickCode,
        Action::InVivo,
    ];
}

/// The open project and what the user has picked in it.
pub struct OpenProject {
    /// The project file.
    pub store: Store,
    /// Everything but the texts.
    pub snap: ProjectSnapshot,
    /// The transcript shown.
    pub view: Option<TranscriptView>,
    /// The code picked in the tree.
    pub selected_code: Option<CodeId>,
    /// The segment picked in the transcript or the retrieval list.
    pub selected_segment: Option<SegmentId>,
    /// Codes in tree order with their paths, for menus and the quick-code box.
    pub code_paths: Vec<(CodeId, String)>,
    /// The selected code's quotes, loaded when the code or the project changes.
    pub quotes: Option<(CodeId, HashMap<SegmentId, String>)>,
    /// Counts reloads of the snapshot, so derived views know when to recompute.
    pub version: u64,
}

impl OpenProject {
    fn open(store: Store) -> crate::Result<Self> {
        let snap = store.read().snapshot()?;
        let mut p = OpenProject {
            store,
            snap,
            view: None,
            selected_code: None,
            selected_segment: None,
            code_paths: Vec::new(),
            quotes: None,
            version: 0,
        };
        p.derive();
        Ok(p)
    }

    fn derive(&mut self) {
        let tree = &self.snap.codes;
        self.code_paths = tree
            .in_tree_order()
            .into_iter()
            .map(|id| (id, tree.path(id)))
            .collect();
        if self.selected_code.is_some_and(|c| tree.get(c).is_none()) {
            self.selected_code = None;
        }
        if self
            .selected_segment
            .is_some_and(|s| !self.snap.segments.iter().any(|x| x.id == s))
        {
            self.selected_segment = None;
        }
        self.update_highlights();
    }

    /// Reloads the snapshot after a change and redraws what changed.
    pub fn refresh(&mut self) -> crate::Result<()> {
        self.snap = self.store.read().snapshot()?;
        self.quotes = None;
        self.version += 1;
        if let Some(v) = &self.view
            && self.snap.document(v.document).is_none()
        {
            self.view = None;
        }
        self.derive();
        Ok(())
    }

    fn update_highlights(&mut self) {
        let Some(view) = &mut self.view else { return };
        let tree = &self.snap.codes;
        let highlights = self
            .snap
            .segments_of(view.document)
            .iter()
            .filter_map(|s| {
                let code = tree.get(s.code)?;
                Some(Highlight {
                    segment: s.id,
                    code: s.code,
                    range: s.range,
                    color: parse_hex(&code.color),
                    name: code.name.clone(),
                })
            })
            .collect();
        let order: Vec<CodeId> = self.code_paths.iter().map(|(c, _)| *c).collect();
        view.set_highlights(highlights, &order);
        view.selected_segment = self.selected_segment;
    }

    /// The selected code's quotes by segment (loaded once per code and change).
    pub fn quotes(&mut self) -> Option<&HashMap<SegmentId, String>> {
        let code = self.selected_code?;
        if self.quotes.as_ref().is_none_or(|(c, _)| *c != code) {
            let q = self.store.read().quotes_of_code(code).unwrap_or_default();
            self.quotes = Some((code, q));
        }
        self.quotes.as_ref().map(|(_, q)| q)
    }

    /// Shows a document in the transcript view.
    pub fn open_document(&mut self, doc: DocumentId) -> crate::Result<()> {
        if self.view.as_ref().is_some_and(|v| v.document == doc) {
            return Ok(());
        }
        let r = self.store.read();
        let text = r.document_text(doc)?;
        let turns = r.turns(doc)?;
        self.view = Some(TranscriptView::new(doc, text, &turns));
        self.update_highlights();
        Ok(())
    }
}

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

/// The application.
pub struct WeftApp {
    /// Kept between runs.
    pub settings: Settings,
    /// The open project.
    pub project: Option<OpenProject>,
    /// Commands waiting to run after this frame.
    pub queue: Vec<Command>,
    /// An error to show.
    pub error: Option<String>,
    /// The latest status message.
    pub status: String,
    /// The open dialog, if any.
    pub dialog: Option<Dialog>,
    /// The running job, if any.
    pub job: Option<Job>,
    /// The central tab.
    pub tab: Tab,
    /// The quick-code box.
    pub quick: QuickCode,
    /// The find bar.
    pub find: FindBar,
    /// Filter text over the documents list.
    pub doc_filter: String,
    /// Attribute filter over the retrieval list.
    pub retrieval_filter: Option<(AttributeId, String)>,
    /// Codes collapsed in the tree.
    pub collapsed: std::collections::HashSet<CodeId>,
    /// Text being edited in memo fields and grid cells, by field.
    pub drafts: HashMap<String, String>,
    /// The code being renamed in place, with the name typed so far.
    pub renaming: Option<(CodeId, String)>,
    /// The Matrices tab.
    pub matrices: super::matrices::MatrixPanel,
    /// Give the transcript the keyboard next frame (after opening a document or
    /// applying a code from the quick-code box), so the keyboard loop goes on.
    pub focus_transcript: bool,
    title: String,
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
    /// Starts the app from eframe: settings from storage, then the project asked
    /// for, the most recent one, or a copy of the demo.
    pub fn start(cc: &eframe::CreationContext<'_>, project: Option<PathBuf>) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
            .unwrap_or_default();
        let mut app = WeftApp::with_settings(settings);
        let target = project.or_else(|| app.settings.recent.iter().find(|p| p.is_file()).cloned());
        match target {
            Some(p) => app.open_project(&p),
            None => app.open_demo_copy(),
        }
        app
    }

    /// An app with no project, for tests and start-up.
    pub fn with_settings(settings: Settings) -> Self {
        let mut settings = settings;
        if settings.coder.trim().is_empty() {
            settings.coder = crate::cli::default_coder();
        }
        WeftApp {
            settings,
            project: None,
            queue: Vec::new(),
            error: None,
            status: String::new(),
            dialog: None,
            job: None,
            tab: Tab::Coding,
            quick: QuickCode::default(),
            find: FindBar::default(),
            doc_filter: String::new(),
            retrieval_filter: None,
            collapsed: Default::default(),
            drafts: HashMap::new(),
            renaming: None,
            focus_transcript: true,
            matrices: Default::default(),
            title: String::new(),
        }
    }

    /// The demo project in the user's data folder, written on first use.
    fn open_demo_copy(&mut self) {
        let Some(dir) = eframe::storage_dir(super::APP_ID) else {
            self.error = Some(
                "cannot find a folder for the demo project; open a project with File → Open".into(),
            );
            return;
        };
        let path = dir.join("demo.weft");
        if !path.exists() {
            if let Err(e) = std::fs::create_dir_all(&dir) {
                self.error = Some(format!("cannot create {}: {e}", dir.display()));
                return;
            }
            if let Err(e) = crate::demo::write_demo(&path) {
                self.error = Some(format!("cannot write the demo project: {e}"));
                return;
            }
        }
        self.open_project(&path);
    }

    /// Opens a project (errors are shown in the window).
    pub fn open_project(&mut self, path: &Path) {
        match Store::open(path).and_then(OpenProject::open) {
            Ok(mut p) => {
                if let Some(first) = p.snap.documents.first().map(|d| d.id) {
                    let _ = p.open_document(first);
                }
                self.project = Some(p);
                self.remember(path);
                self.status = format!("Opened {}", path.display());
                self.find = FindBar::default();
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    fn remember(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.settings.recent.retain(|p| p != &path);
        self.settings.recent.insert(0, path);
        self.settings.recent.truncate(10);
    }

    fn project_key(&self) -> Option<PathBuf> {
        let p = self.project.as_ref()?.store.path();
        Some(std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
    }

    /// The code on quick key `n` (0-based): pinned, or else the n-th code in tree order.
    pub fn quick_key_code(&self, n: usize) -> Option<CodeId> {
        let p = self.project.as_ref()?;
        let pinned = self
            .project_key()
            .and_then(|k| self.settings.quick_keys.get(&k).cloned())
            .unwrap_or_default();
        if let Some(Some(guid)) = pinned.get(n) {
            return p
                .snap
                .codes
                .codes()
                .iter()
                .find(|c| &c.guid == guid)
                .map(|c| c.id);
        }
        let taken: Vec<&String> = pinned.iter().flatten().collect();
        p.code_paths
            .iter()
            .filter(|(c, _)| {
                p.snap
                    .codes
                    .get(*c)
                    .is_some_and(|c| !taken.contains(&&c.guid))
            })
            .nth(n - pinned.iter().take(n).filter(|x| x.is_some()).count())
            .map(|(c, _)| *c)
    }

    /// Pins a code to quick key `n` (0-based).
    pub fn pin_quick_key(&mut self, n: usize, code: CodeId) {
        let (Some(key), Some(p)) = (self.project_key(), self.project.as_ref()) else {
            return;
        };
        let Some(guid) = p.snap.codes.get(code).map(|c| c.guid.clone()) else {
            return;
        };
        let keys = self.settings.quick_keys.entry(key).or_default();
        for k in keys.iter_mut() {
            if k.as_deref() == Some(guid.as_str()) {
                *k = None;
            }
        }
        keys[n] = Some(guid);
    }

    /// Pushes a change for after this frame.
    pub fn change(
        &mut self,
        label: &str,
        build: impl FnOnce(&Reader<'_>) -> crate::Result<Edit> + 'static,
    ) {
        self.queue
            .push(Command::Change(label.to_string(), Box::new(build)));
    }

    fn selection(&self) -> Option<(DocumentId, CharRange)> {
        let v = self.project.as_ref()?.view.as_ref()?;
        let r = v.selection?.range();
        (!r.is_empty()).then_some((v.document, r))
    }

    /// Runs the queued commands. The window calls this after each frame; tests
    /// call it through [`WeftApp::ui`] too.
    pub fn run_commands(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.queue) {
            if let Err(e) = self.run_command(ctx, command) {
                self.error = Some(e);
            }
        }
    }

    fn run_command(&mut self, ctx: &egui::Context, command: Command) -> Result<(), String> {
        match command {
            Command::NewProject(path) => {
                Store::create(&path).map_err(|e| e.to_string())?;
                self.open_project(&path);
            }
            Command::OpenProject(path) => self.open_project(&path),
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
                write_codebook(&p.snap.codes, &file)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
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
                    ext @ ("csv" | "json") => std::fs::File::create(&file)
                        .map_err(|e| crate::Error::io(&file, e))
                        .and_then(|f| {
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
            }
            Command::OpenDocument(doc, select) => {
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
                self.apply("Apply code", move |r| {
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
                self.apply("Apply code", move |r| {
                    ops::code_path_ranges(r, &[(doc, range)], &path, &coder, "").map(|e| e.0)
                })?;
            }
            Command::CodeAllHits(code) => {
                let p = self.project.as_ref().ok_or("open a project first")?;
                let doc = p.view.as_ref().ok_or("open a document first")?.document;
                let ranges: Vec<_> = self.find.hits.iter().map(|&h| (doc, h)).collect();
                let n = ranges.len();
                let coder = self.settings.coder.clone();
                self.apply("Code all hits", move |r| {
                    let (make_coder, coder) = ops::ensure_coder(r, &coder)?;
                    let segs =
                        ops::code_ranges(r, &ranges, code, coder, "", r.next_id("segment")?)?;
                    Ok(Edit::Batch(vec![make_coder, Edit::InsertSegments(segs)]))
                })?;
                self.status = format!("Coded {n} hit(s)");
            }
            Command::Change(label, build) => self.apply(&label, build)?,
            Command::Undo | Command::Redo => {
                let p = self.project.as_mut().ok_or("open a project first")?;
                let redo = matches!(command, Command::Redo);
                let done = if redo { p.store.redo() } else { p.store.undo() }
                    .map_err(|e| e.to_string())?;
                self.status = match done {
                    Some(label) => format!("{}: {label}", if redo { "Redone" } else { "Undone" }),
                    None => format!("Nothing to {}", if redo { "redo" } else { "undo" }),
                };
                p.refresh().map_err(|e| e.to_string())?;
            }
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
        Ok(())
    }

    /// Applies one change to the open project and refreshes what is drawn.
    fn apply(
        &mut self,
        label: &str,
        build: impl FnOnce(&Reader<'_>) -> crate::Result<Edit>,
    ) -> Result<(), String> {
        let p = self.project.as_mut().ok_or("open a project first")?;
        let result = p.store.change(label, build);
        p.refresh().map_err(|e| e.to_string())?;
        result.map_err(|e| e.to_string())?;
        self.status = label.to_string();
        Ok(())
    }

    fn start_import(&mut self, ctx: &egui::Context, files: Vec<PathBuf>) -> Result<(), String> {
        let path = self
            .project
            .as_ref()
            .ok_or("open a project first")?
            .store
            .path()
            .to_path_buf();
        if self.job.is_some() {
            return Err("wait for the running task to finish".into());
        }
        self.job = Some(Job::spawn(
            ctx,
            format!("Importing {} transcript(s)", files.len()),
            move |jc| {
                let mut parsed = Vec::with_capacity(files.len());
                for (i, f) in files.iter().enumerate() {
                    if jc.cancelled() {
                        anyhow::bail!("cancelled");
                    }
                    jc.report(
                        i as f32 / files.len() as f32,
                        format!("Reading {}", f.display()),
                    );
                    parsed.push(crate::import::read_transcript(f, None)?);
                }
                if jc.cancelled() {
                    anyhow::bail!("cancelled");
                }
                jc.report(0.95, "Saving");
                let n = parsed.len();
                let mut store = Store::open(&path)?;
                store.change(&format!("Import {n} transcript(s)"), |r| {
                    ops::import_documents(r, parsed)
                })?;
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
        let path = p.store.path().to_path_buf();
        let coder = self.settings.coder.clone();
        self.job = Some(Job::spawn(ctx, "Autocoding", move |jc| {
            let re = search::build_pattern(&pattern, !regex, !regex)?;
            let mut store = Store::open(&path)?;
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

    fn start_export_retrieval(&mut self, ctx: &egui::Context, file: PathBuf) -> Result<(), String> {
        let p = self.project.as_ref().ok_or("open a project first")?;
        let code = p.selected_code.ok_or("pick a code first")?;
        let path = p.store.path().to_path_buf();
        let filter = self.retrieval_filter.clone();
        let attributes = p.snap.attributes.clone();
        self.job = Some(Job::spawn(ctx, "Exporting segments", move |jc| {
            jc.report(0.1, "Collecting segments");
            let store = Store::open(&path)?;
            let mut f = crate::export::segments::SegmentFilter {
                code: Some(code),
                ..Default::default()
            };
            if let Some((a, v)) = filter
                && let Some(attr) = attributes.iter().find(|x| x.id == a)
            {
                f.attribute_equals.push((attr.name.clone(), v));
            }
            let table = crate::export::segments::segment_table(&store.read(), &f)?;
            jc.report(0.6, "Writing");
            let tmp = file.with_extension("partial");
            crate::export::segments::write_csv(&table, std::fs::File::create(&tmp)?)?;
            std::fs::rename(&tmp, &file)?;
            Ok(format!(
                "Wrote {} segment(s) to {}",
                table.rows.len(),
                file.display()
            ))
        }));
        Ok(())
    }

    fn poll_job(&mut self) {
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

    fn handle_shortcuts(&mut self, ctx: &egui::Context) {
        for action in Action::WITH_SHORTCUTS {
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
            Action::InVivo => match self.in_vivo_name() {
                Some(name) => self.queue.push(Command::ApplyCodePath(name)),
                None => self.error = Some("select the words to name the code after first".into()),
            },
        }
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

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if dropped.is_empty() {
            return;
        }
        self.queue.extend(commands_for_dropped(dropped));
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let title = match &self.project {
            Some(p) => format!("{} — Weft", p.store.path().display()),
            None => "Weft".to_string(),
        };
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    /// Draws the whole window and runs what the user asked for.
    pub fn ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        self.poll_job();
        self.handle_shortcuts(&ctx);
        self.dropped_files(&ctx);
        self.update_title(&ctx);

        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| self.menu_ui(ui));
        });
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        if self.project.is_none() {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.vertical_centered(|ui| {
                    ui.add_space(80.0);
                    ui.heading("No project is open");
                    if ui.button("New project…").clicked() {
                        self.trigger(Action::NewProject);
                    }
                    if ui.button("Open project…").clicked() {
                        self.trigger(Action::OpenProject);
                    }
                });
            });
        } else {
            egui::Panel::top("tabs").show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut self.tab, Tab::Coding, "Coding");
                    ui.selectable_value(&mut self.tab, Tab::Participants, "Participants");
                    ui.selectable_value(&mut self.tab, Tab::Matrices, "Matrices");
                });
            });
            match self.tab {
                Tab::Coding => self.coding_ui(ui),
                Tab::Participants => {
                    egui::CentralPanel::default()
                        .show(ui, |ui| super::participants::participants_ui(self, ui));
                }
                Tab::Matrices => {
                    egui::CentralPanel::default()
                        .show(ui, |ui| super::matrices::matrices_ui(self, ui));
                }
            }
        }
        super::dialogs::dialogs_ui(self, &ctx);
        self.error_ui(&ctx);
        self.run_commands(&ctx);
    }

    fn coding_ui(&mut self, ui: &mut Ui) {
        egui::Panel::left("left")
            .resizable(true)
            .default_size(280.0)
            .show(ui, |ui| {
                super::codes_panel::documents_ui(self, ui);
                ui.separator();
                super::codes_panel::code_tree_ui(self, ui);
            });
        egui::Panel::right("right")
            .resizable(true)
            .default_size(340.0)
            .show(ui, |ui| {
                super::details::details_ui(self, ui);
            });
        egui::CentralPanel::default().show(ui, |ui| self.transcript_ui(ui));
    }

    fn transcript_ui(&mut self, ui: &mut Ui) {
        self.toolbar_ui(ui);
        if self.find.open {
            self.find_ui(ui);
        }
        ui.separator();
        let Some(p) = &mut self.project else { return };
        let Some(view) = &mut p.view else {
            ui.label("Pick a document on the left, or import transcripts with File → Import transcripts… (or drop files here).");
            return;
        };
        if std::mem::take(&mut self.focus_transcript) {
            let id = view.widget_id();
            ui.memory_mut(|m| m.request_focus(id));
        }
        let actions = view.ui(ui, &p.code_paths);
        for a in actions {
            match a {
                TranscriptAction::SelectSegment(s) => {
                    p.selected_segment = Some(s);
                    p.selected_code = p.snap.segments.iter().find(|x| x.id == s).map(|x| x.code);
                }
                TranscriptAction::RemoveSegment(s) => {
                    self.queue.push(Command::Change(
                        "Remove coding".into(),
                        Box::new(move |_| Ok(Edit::DeleteSegments(vec![s]))),
                    ));
                }
                TranscriptAction::RecodeSegment(s, code) => {
                    self.queue.push(Command::Change(
                        "Recode segment".into(),
                        Box::new(move |r| ops::recode_segments(r, &[s], code)),
                    ));
                }
                TranscriptAction::EditSegmentMemo(s) => {
                    let memo = p
                        .snap
                        .segments
                        .iter()
                        .find(|x| x.id == s)
                        .map(|x| x.memo.clone())
                        .unwrap_or_default();
                    self.dialog = Some(Dialog::SegmentMemo {
                        segment: s,
                        text: memo,
                    });
                }
            }
        }
    }

    fn toolbar_ui(&mut self, ui: &mut Ui) {
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

    fn quick_suggestions_ui(&mut self, ui: &mut Ui, resp: &egui::Response) {
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

    fn find_ui(&mut self, ui: &mut Ui) {
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

    fn menu_ui(&mut self, ui: &mut Ui) {
        let item = |ui: &mut Ui, action: Action| -> bool {
            let mut b = egui::Button::new(action.label());
            if let Some(sc) = action.shortcut() {
                b = b.shortcut_text(ui.ctx().format_shortcut(&sc));
            }
            ui.add(b).clicked()
        };
        ui.menu_button("File", |ui| {
            for a in [Action::NewProject, Action::OpenProject] {
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
            for a in [Action::ImportQdpx, Action::ExportQdpx] {
                if item(ui, a) {
                    self.trigger(a);
                }
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
                        u.first().map(|e| e.label.clone()),
                        r.first().map(|e| e.label.clone()),
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
            ] {
                if item(ui, a) {
                    self.trigger(a);
                }
            }
            ui.separator();
            ui.horizontal(|ui| {
                let label = ui.label("Coder:");
                ui.text_edit_singleline(&mut self.settings.coder)
                    .labelled_by(label.id);
            });
        });
    }

    fn status_ui(&mut self, ui: &mut Ui) {
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
            if let Some(p) = &self.project {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let c = &p.snap;
                    ui.label(format!(
                        "{} documents · {} codes · {} segments · coder: {}",
                        c.documents.len(),
                        c.codes.codes().len(),
                        c.segments.len(),
                        self.settings.coder
                    ));
                });
            }
        });
    }

    fn error_ui(&mut self, ctx: &egui::Context) {
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

/// What is being dragged onto the code tree. One type for both, because egui
/// hands a released payload to the first widget that asks, whatever its type.
#[derive(Debug, Clone, Copy)]
pub enum TreeDrag {
    /// A code, to move under another.
    Code(CodeId),
    /// The transcript's selection, to code.
    Selection,
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

fn write_codebook(tree: &CodeTree, file: &Path) -> anyhow::Result<()> {
    let ext = crate::import::extension(file);
    let tmp = file.with_extension(format!("{ext}.partial"));
    let out = std::fs::File::create(&tmp)?;
    match ext.as_str() {
        "json" => crate::export::codebook::write_json(tree, out)?,
        "csv" => crate::export::codebook::write_csv(tree, out)?,
        "qdc" => {
            let mut out = out;
            std::io::Write::write_all(
                &mut out,
                crate::refi::export::codebook_xml(tree).as_bytes(),
            )?;
        }
        _ => anyhow::bail!("a codebook is written as .csv, .json or .qdc"),
    }
    std::fs::rename(&tmp, file)?;
    Ok(())
}

impl eframe::App for WeftApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        WeftApp::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
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
