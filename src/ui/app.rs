//! The app: the open project, the command queue, menus, shortcuts and layout.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use egui::Ui;
use serde::{Deserialize, Serialize};

pub use super::commands::{BuildEdit, Command, commands_for_dropped};
use super::dialogs::Dialog;
use super::jobs::Job;
pub use super::menu::Action;
pub use super::project::OpenProject;
pub use super::toolbar::{FindBar, QuickCode, fuzzy_score};
use super::transcript::TranscriptAction;
pub use super::widgets::{draft_field, parse_hex};
use crate::edit::{Edit, ops};
use crate::model::*;
use crate::store::{Reader, Store};

/// What is kept between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Recently opened projects, newest first.
    pub recent: Vec<PathBuf>,
    /// Quick keys 1–9 per project: code GUIDs by key.
    pub quick_keys: HashMap<PathBuf, [Option<String>; 9]>,
    /// The name recorded as coder.
    pub coder: String,
    /// How far the guided tour has got.
    pub tour: super::tour::TourProgress,
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
    /// Inter-coder agreement and reconciling.
    Agreement,
    /// Practice against an expert (practice projects only).
    Practice,
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
    /// Projects with this many segments or more have their coding read
    /// behind the first frame ([`super::project::Loading`]).
    pub load_in_background_from: usize,
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
    /// The Agreement tab.
    pub agreement: super::agreement::AgreementPanel,
    /// The Practice tab.
    pub practice: super::practice::PracticePanel,
    /// The tour's panel is shown.
    pub tour_open: bool,
    /// A help page is shown.
    pub help: Option<super::help::HelpPage>,
    /// Where the demo and practice projects are written (default: eframe's
    /// storage folder); tests set it to a temp dir.
    pub data_dir: Option<PathBuf>,
    /// Give the transcript the keyboard next frame (after opening a document or
    /// applying a code from the quick-code box), so the keyboard loop goes on.
    pub focus_transcript: bool,
    title: String,
}

impl WeftApp {
    /// Starts the app from eframe: settings from storage, then the project asked
    /// for, the most recent one, or a copy of the demo.
    pub fn start(cc: &eframe::CreationContext<'_>, project: Option<PathBuf>) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
            .unwrap_or_default();
        let first_start = settings.coder.trim().is_empty();
        let mut app = WeftApp::with_settings(settings);
        let target = project.or_else(|| app.settings.recent.iter().find(|p| p.is_file()).cloned());
        match target {
            Some(p) => app.open_project(&p),
            None => {
                app.open_demo_copy();
                // The tour opens by itself once, on first start with the demo.
                if !app.settings.tour.offered && app.project.is_some() {
                    app.settings.tour.offered = true;
                    app.tour_open = true;
                }
            }
        }
        if first_start && app.dialog.is_none() {
            // Ask once who is coding; the login name is offered.
            app.dialog = Some(Dialog::Coder {
                text: app.settings.coder.clone(),
            });
        }
        app
    }

    /// An app with no project, for tests and start-up.
    pub fn with_settings(settings: Settings) -> Self {
        let mut settings = settings;
        if settings.coder.trim().is_empty() {
            settings.coder = crate::model::default_coder();
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
            load_in_background_from: super::project::LOAD_IN_BACKGROUND_FROM,
            quick: QuickCode::default(),
            find: FindBar::default(),
            doc_filter: String::new(),
            retrieval_filter: None,
            collapsed: Default::default(),
            drafts: HashMap::new(),
            renaming: None,
            focus_transcript: true,
            matrices: Default::default(),
            agreement: Default::default(),
            practice: Default::default(),
            tour_open: false,
            help: None,
            data_dir: None,
            title: String::new(),
        }
    }

    /// The demo project in the user's data folder, written on first use.
    fn open_demo_copy(&mut self) {
        self.open_bundled("demo", "demo.weft", crate::demo::write_demo);
    }

    /// The practice project Weft ships, in the user's data folder, written on
    /// first use.
    pub(super) fn open_practice_copy(&mut self) {
        self.open_bundled("practice", "practice.weft", crate::demo::write_practice);
    }

    fn open_bundled(&mut self, what: &str, file: &str, write: fn(&Path) -> crate::Result<()>) {
        let Some(dir) = self
            .data_dir
            .clone()
            .or_else(|| eframe::storage_dir(super::APP_ID))
        else {
            self.error = Some(format!(
                "cannot find a folder for the {what} project; open a project with File → Open"
            ));
            return;
        };
        let path = dir.join(file);
        if !path.exists() {
            if let Err(e) = std::fs::create_dir_all(&dir) {
                self.error = Some(format!("cannot create {}: {e}", dir.display()));
                return;
            }
            if let Err(e) = write(&path) {
                self.error = Some(format!("cannot write the {what} project: {e}"));
                return;
            }
        }
        self.open_project(&path);
    }

    /// Opens a team project on a server. The password, if given, is kept
    /// in memory for this session's connections only. When the server wants
    /// a password and none was given, or the connection fails, the dialog
    /// comes back with the URL filled in and the reason.
    pub fn open_team_project(&mut self, url: &str, password: &str) {
        let server = match crate::store::pg::Server::parse(url) {
            Ok(s) => s.without_prompt().with_password(password),
            Err(e) => {
                self.dialog = Some(super::dialogs::Dialog::team_project(
                    url,
                    Some(e.to_string()),
                ));
                return;
            }
        };
        let key = PathBuf::from(server.url());
        if let Err(e) = self.open_with(&key, || Store::open_server(server)) {
            self.dialog = Some(super::dialogs::Dialog::team_project(url, Some(e)));
        }
    }

    /// Opens a project (errors are shown in the window).
    pub fn open_project(&mut self, path: &Path) {
        if crate::store::is_server(path) {
            // From the recent list or the command line.
            self.open_team_project(&path.to_string_lossy(), "");
            return;
        }
        if let Err(e) = self.open_with(path, || Store::open(path)) {
            self.error = Some(e);
        }
    }

    fn open_with(
        &mut self,
        path: &Path,
        open: impl FnOnce() -> crate::Result<Store>,
    ) -> Result<(), String> {
        let coder = self.settings.coder.clone();
        let background_from = self.load_in_background_from;
        let opened = open().and_then(|mut store| {
            store.set_coder(&coder);
            store.defer_checkpoints()?;
            OpenProject::open(store, background_from)
        });
        match opened {
            Ok(mut p) => {
                if let Some(first) = p.snap.documents.first().map(|d| d.id) {
                    let _ = p.open_document(first);
                }
                if let Some(mut old) = self.project.replace(p) {
                    super::project::let_go(std::mem::take(&mut old.snap));
                }
                // Matrix results are keyed by the snapshot version, which
                // starts again with each project.
                self.matrices.matrix = None;
                self.matrices.quotes = None;
                self.agreement = Default::default();
                self.practice = Default::default();
                if self.project.as_ref().is_some_and(|p| p.practice.is_some()) {
                    self.tab = Tab::Practice;
                } else if self.tab == Tab::Practice {
                    self.tab = Tab::Coding;
                }
                self.remember(path);
                self.status = format!("Opened {}", path.display());
                self.find = FindBar::default();
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Notices changes that other connections made to the open project (a
    /// `weft` command in a terminal, a second window) and shows them. Checked
    /// about once a second, so an idle window wakes rarely.
    fn poll_other_writers(&mut self, ctx: &egui::Context) {
        let Some(p) = &mut self.project else { return };
        if p.store.coder() != self.settings.coder.trim() {
            // Edit → Coder… switched who is coding: undo follows.
            p.store.set_coder(&self.settings.coder);
        }
        if let (None, Some(server)) = (&p.listener, p.store.server()) {
            // Another coder's change wakes the window: it reads the change
            // log on its next frame.
            let (rung, ctx) = (p.rung.clone(), ctx.clone());
            p.listener = Some(crate::store::pg::Listener::start(
                server.clone(),
                move || {
                    rung.store(true, std::sync::atomic::Ordering::SeqCst);
                    ctx.request_repaint();
                },
            ));
        }
        if p.watcher.is_none() && p.store.server().is_none() {
            // Another connection's commit wakes the window, so that an idle
            // window draws nothing to find out.
            let ctx = ctx.clone();
            p.watcher = Some(crate::store::watch::Watcher::start(
                p.store.reopener(),
                std::time::Duration::from_millis(500),
                move || ctx.request_repaint(),
            ));
        }
        match p.poll_loading() {
            Ok(true) => {
                self.status = format!(
                    "Read the coding: {} segments",
                    super::widgets::thousands(p.snap.segments.len())
                );
            }
            Ok(false) => {}
            Err(e) => {
                self.reading_failed(e);
                return;
            }
        }
        if p.is_loading() {
            // Woken until the coding is in, as a running job is.
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
            return;
        }
        match p.refresh_if_changed_elsewhere() {
            Ok(true) => self.status = "Updated with changes made elsewhere".into(),
            Ok(false) => {}
            Err(e) => self.error = Some(e.to_string()),
        }
        if p.store.server().is_some()
            && p.others_at
                .is_none_or(|t| t.elapsed() > std::time::Duration::from_secs(5))
        {
            p.others_at = Some(std::time::Instant::now());
            p.others = p.store.others_working().unwrap_or_default();
        }
        // A second after the last change, the log is copied back into the
        // file, once.
        if self.job.is_none()
            && !p.checkpointed
            && p.changed_at.elapsed() > std::time::Duration::from_secs(1)
        {
            p.checkpointed = true;
            if let Err(e) = p.store.checkpoint_when_idle() {
                self.error = Some(e.to_string());
            }
        }
        // Woken again only for what is due: the copy back, a team project's
        // look at who is working and at a ring that may have been lost, or
        // the data version, when no watcher looks at it.
        let due = !p.checkpointed
            || p.store.server().is_some()
            || !p.watcher.as_ref().is_some_and(|w| w.is_running());
        if due {
            ctx.request_repaint_after(std::time::Duration::from_secs(1));
        }
    }

    fn remember(&mut self, path: &Path) {
        let path = self.project_key().unwrap_or_else(|| path.to_path_buf());
        self.settings.recent.retain(|p| p != &path);
        self.settings.recent.insert(0, path);
        self.settings.recent.truncate(10);
    }

    fn project_key(&self) -> Option<PathBuf> {
        Some(self.project.as_ref()?.canonical_path.clone())
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

    pub(super) fn selection(&self) -> Option<(DocumentId, CharRange)> {
        let v = self.project.as_ref()?.view.as_ref()?;
        let r = v.selection?.range();
        (!r.is_empty()).then_some((v.document, r))
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
        self.poll_other_writers(&ctx);
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
                    ui.selectable_value(&mut self.tab, Tab::Agreement, "Agreement");
                    if self.project.as_ref().is_some_and(|p| p.practice.is_some()) {
                        ui.selectable_value(&mut self.tab, Tab::Practice, "Practice");
                    }
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
                Tab::Agreement => {
                    egui::CentralPanel::default()
                        .show(ui, |ui| super::agreement::agreement_ui(self, ui));
                }
                Tab::Practice => {
                    egui::CentralPanel::default()
                        .show(ui, |ui| super::practice::practice_ui(self, ui));
                }
            }
        }
        self.tour_ui(&ctx);
        self.help_ui(&ctx);
        super::dialogs::dialogs_ui(self, &ctx);
        self.error_ui(&ctx);
        self.run_commands(&ctx);
        // A large project's coding is read from the end of its first frame
        // on (see OpenProject::open).
        if let Some(Err(e)) = self.project.as_mut().map(OpenProject::start_loading) {
            self.reading_failed(e);
        }
    }

    /// Reading a large project's coding failed: the project is closed.
    fn reading_failed(&mut self, e: crate::Error) {
        // Nothing was changed, but the window cannot show the project
        // without its coding.
        self.error = Some(format!(
            "{e}; the project was closed, and nothing in it changed"
        ));
        self.project = None;
        // Held for this project: none of it can be made now.
        self.queue.clear();
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
                    p.selected_code = p.snap.segment(s).map(|x| x.code);
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
                TranscriptAction::DragSelection => {
                    egui::DragAndDrop::set_payload(ui.ctx(), TreeDrag::Selection);
                }
                TranscriptAction::SetExemplar(s, pinned) => {
                    let label = if pinned {
                        "Pin exemplar"
                    } else {
                        "Unpin exemplar"
                    };
                    self.queue.push(Command::Change(
                        label.into(),
                        Box::new(move |r| ops::set_exemplar(r, s, pinned)),
                    ));
                }
                TranscriptAction::EditSegmentMemo(s) => {
                    let memo = p
                        .snap
                        .segment(s)
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

impl eframe::App for WeftApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        WeftApp::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}
