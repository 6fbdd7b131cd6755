//! The Agreement tab: pick two coders (and the unit and how parent codes
//! count), read a table of codes × measures shaded by value, click a code for
//! its documents, a document for its disagreements (largest first), open one
//! in the transcript, and reconcile it into a consensus coder. Computing is
//! [`crate::analysis::agreement`]; writing is [`crate::edit::merge::reconcile`].

use egui::{Color32, RichText, Ui};

use super::app::{Command, Tab, WeftApp};
use crate::analysis::agreement::{
    self, AgreementUnit, Disagreement, Figure, Include, Row, RowKind, Scope,
};
use crate::edit::merge::{self, Choice};
use crate::model::{CodeId, CoderId, DocumentId};

/// What the tab shows and remembers.
pub struct AgreementPanel {
    /// The first coder.
    pub first: Option<CoderId>,
    /// The second coder.
    pub second: Option<CoderId>,
    /// The unit.
    pub unit: AgreementUnit,
    /// How parent codes count.
    pub include: Include,
    /// The consensus coder's name.
    pub consensus: String,
    /// Only codes whose path contains this (all when empty).
    pub codes_filter: String,
    /// Only these documents, by name, separated by commas (all when empty).
    pub documents: String,
    /// The code picked in the table.
    pub code: Option<CodeId>,
    /// The document picked for that code.
    pub document: Option<DocumentId>,
    /// What "Accept all remaining" takes.
    pub bulk: Choice,
    /// The stretches the consensus coder has a decision for (read from the
    /// project once per snapshot version and consensus name).
    pub decided: Option<((u64, String), Decided)>,
    /// The report, for (snapshot version, options). A change to the coding
    /// alone is taken in by working out only the documents it touched.
    pub report: Option<(Key, agreement::Live)>,
    /// Why there is no report, for its key: tried once per key.
    pub problem: Option<(Key, String)>,
    /// The picked document's disagreements, for (report key, code, document).
    pub list: Option<((Key, CodeId, DocumentId), Vec<Disagreement>)>,
    /// How many times the report was computed whole (not updated from a
    /// change): for the tests and the benchmark.
    pub computed: u64,
    /// A report being computed on its own thread, for its key.
    pub pending: Option<(Key, std::thread::JoinHandle<crate::Result<agreement::Live>>)>,
    /// Scopes with at least this many segments are computed on a thread of
    /// their own, the window showing the last report (or a spinner) until
    /// it is in; smaller ones at once.
    pub background_from: usize,
}

/// Stretches with a reconcile decision: (document, code, start, end).
pub type Decided = std::collections::HashSet<(DocumentId, CodeId, usize, usize)>;

/// The decisions of the consensus coder `name`, as ids of this snapshot.
fn read_decided(p: &super::app::OpenProject, name: &str) -> Decided {
    let docs: std::collections::HashMap<&str, DocumentId> = p
        .snap
        .documents
        .iter()
        .map(|d| (d.guid.as_str(), d.id))
        .collect();
    let codes: std::collections::HashMap<&str, CodeId> = p
        .snap
        .codes
        .codes()
        .iter()
        .map(|c| (c.guid.as_str(), c.id))
        .collect();
    p.store
        .read()
        .decisions()
        .unwrap_or_default()
        .into_keys()
        .filter(|(_, _, _, coder)| crate::model::same_name(coder, name))
        .filter_map(|(d, c, r, _)| {
            Some((
                *docs.get(d.as_str())?,
                *codes.get(c.as_str())?,
                r.start,
                r.end,
            ))
        })
        .collect()
}

/// What a computed report depends on.
pub type Key = (
    u64,
    CoderId,
    CoderId,
    AgreementUnit,
    Include,
    String,
    String,
);

/// Whether two keys name the same options (whatever the snapshot version).
fn same_options(a: &Key, b: &Key) -> bool {
    (a.1, a.2, a.3, a.4, &a.5, &a.6) == (b.1, b.2, b.3, b.4, &b.5, &b.6)
}

impl Default for AgreementPanel {
    fn default() -> Self {
        AgreementPanel {
            first: None,
            second: None,
            unit: AgreementUnit::Character,
            include: Include::Exact,
            consensus: "consensus".into(),
            codes_filter: String::new(),
            documents: String::new(),
            code: None,
            document: None,
            bulk: Choice::Both,
            decided: None,
            report: None,
            problem: None,
            list: None,
            computed: 0,
            pending: None,
            background_from: super::project::LOAD_IN_BACKGROUND_FROM,
        }
    }
}

impl AgreementPanel {
    /// Keeps a computed report, or why there is none.
    fn set_report(&mut self, key: Key, done: crate::Result<agreement::Live>) {
        match done {
            Ok(live) => {
                self.report = Some((key, live));
                self.problem = None;
            }
            Err(e) => {
                self.report = None;
                self.problem = Some((key, e.to_string()));
            }
        }
    }

    /// The scope the pickers describe, or what is wrong with them.
    fn scope(
        &self,
        snap: &crate::model::ProjectSnapshot,
        first: CoderId,
        second: CoderId,
    ) -> Result<Scope, String> {
        let filter = self.codes_filter.trim().to_lowercase();
        let codes = (!filter.is_empty()).then(|| {
            snap.codes
                .in_tree_order()
                .into_iter()
                .filter(|c| snap.codes.path(*c).to_lowercase().contains(&filter))
                .collect::<Vec<_>>()
        });
        let names = super::widgets::comma_names(&self.documents);
        let documents = if names.is_empty() {
            None
        } else {
            let mut ids = Vec::new();
            for n in names {
                let d = snap
                    .document_named(n)
                    .ok_or_else(|| format!("no document \"{n}\" in this project"))?;
                ids.push(d.id);
            }
            Some(ids)
        };
        Ok(Scope {
            coders: vec![first, second],
            codes,
            documents,
            unit: self.unit,
            include: self.include,
        })
    }
}

/// Width of the first column, and of each figure.
const NAME_WIDTH: f32 = 320.0;
const CELL_WIDTH: f32 = 64.0;
const ROW_HEIGHT: f32 = 20.0;

/// The header of a table: the first column's name, the measures, a last column.
fn header(ui: &mut Ui, first: &str, last: &str) {
    ui.horizontal(|ui| {
        ui.allocate_ui_with_layout(
            egui::vec2(NAME_WIDTH, ROW_HEIGHT),
            egui::Layout::left_to_right(egui::Align::Center),
            |ui| {
                ui.set_width(NAME_WIDTH);
                ui.label(RichText::new(first).strong());
            },
        );
        for h in HEADERS {
            ui.add_sized(
                [CELL_WIDTH, ROW_HEIGHT],
                egui::Label::new(RichText::new(h).strong()),
            );
        }
        if !last.is_empty() {
            ui.label(RichText::new(last).strong());
        }
    });
}

/// A figure as text: three decimals, or "undefined" with the reason on hover.
fn figure_text(f: &Figure) -> (String, Option<&'static str>) {
    match f {
        Ok(v) => (format!("{v:.3}"), None),
        Err(why) => ("undefined".into(), Some(why)),
    }
}

fn shade(f: &Figure) -> Color32 {
    match f {
        Ok(v) => {
            let v = v.clamp(0.0, 1.0) as f32;
            Color32::from_rgba_unmultiplied(40, 120, 200, (30.0 + 150.0 * v) as u8)
        }
        Err(_) => Color32::TRANSPARENT,
    }
}

fn coder_pick(ui: &mut Ui, label: &str, pick: &mut Option<CoderId>, coders: &[(CoderId, String)]) {
    let shown = pick
        .and_then(|c| coders.iter().find(|(k, _)| *k == c))
        .map_or("(pick)".to_string(), |(_, n)| n.clone());
    egui::ComboBox::from_label(label)
        .selected_text(shown)
        .show_ui(ui, |ui| {
            for (id, name) in coders {
                ui.selectable_value(pick, Some(*id), name);
            }
        });
}

/// The measures' headers, short enough for columns.
const HEADERS: [&str; 8] = [
    "%",
    "Cohen κ",
    "Fleiss κ",
    "B–P κ",
    "α",
    "uα",
    "F1",
    "Jaccard",
];

fn figure_cells(ui: &mut Ui, row: &Row) {
    for (_, f) in row.figures.named() {
        let (text, why) = figure_text(f);
        let (rect, _) =
            ui.allocate_exact_size(egui::vec2(CELL_WIDTH, ROW_HEIGHT), egui::Sense::hover());
        ui.painter().rect_filled(rect.shrink(1.0), 2.0, shade(f));
        let r = ui.put(rect, egui::Label::new(text));
        if let Some(why) = why {
            r.on_hover_text(why);
        }
    }
}

/// A picked-or-not name in the first column, left-aligned and cut to fit.
fn name_cell(ui: &mut Ui, picked: bool, name: &str) -> bool {
    ui.allocate_ui_with_layout(
        egui::vec2(NAME_WIDTH, ROW_HEIGHT),
        egui::Layout::left_to_right(egui::Align::Center),
        |ui| {
            ui.set_width(NAME_WIDTH);
            ui.add(egui::Button::selectable(picked, name).truncate())
                .on_hover_text(name)
                .clicked()
        },
    )
    .inner
}

/// Draws the tab.
pub fn agreement_ui(app: &mut WeftApp, ui: &mut Ui) {
    let Some(p) = &mut app.project else { return };
    if super::widgets::reading_the_coding(ui, p) {
        return;
    }
    let coders: Vec<(CoderId, String)> = p
        .snap
        .coders
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let panel = &mut app.agreement;
    if coders.len() >= 2 && panel.first.is_none() && panel.second.is_none() {
        panel.first = Some(coders[0].0);
        panel.second = Some(coders[1].0);
    }
    ui.horizontal_wrapped(|ui| {
        coder_pick(ui, "first coder", &mut panel.first, &coders);
        coder_pick(ui, "second coder", &mut panel.second, &coders);
        egui::ComboBox::from_label("unit")
            .selected_text(panel.unit.as_str())
            .show_ui(ui, |ui| {
                for u in [
                    AgreementUnit::Character,
                    AgreementUnit::Sentence,
                    AgreementUnit::Paragraph,
                    AgreementUnit::Document,
                ] {
                    ui.selectable_value(&mut panel.unit, u, u.as_str());
                }
            });
        egui::ComboBox::from_label("parent codes")
            .selected_text(match panel.include {
                Include::Exact => "own segments",
                Include::Children => "with children",
                Include::Descendants => "with descendants",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut panel.include, Include::Exact, "own segments");
                ui.selectable_value(&mut panel.include, Include::Children, "with children");
                ui.selectable_value(&mut panel.include, Include::Descendants, "with descendants");
            });
        let label = ui.label("Codes containing:");
        ui.add(egui::TextEdit::singleline(&mut panel.codes_filter).desired_width(110.0))
            .labelled_by(label.id);
        let label = ui.label("Documents:");
        ui.add(
            egui::TextEdit::singleline(&mut panel.documents)
                .hint_text("all, or P01, P03")
                .desired_width(110.0),
        )
        .labelled_by(label.id);
        let label = ui.label("Consensus coder:");
        ui.add(egui::TextEdit::singleline(&mut panel.consensus).desired_width(100.0))
            .labelled_by(label.id);
    });
    ui.separator();
    let (Some(first), Some(second)) = (panel.first, panel.second) else {
        ui.label("Agreement compares two coders: this project needs at least two. Merge a coder's copy from the File menu first.");
        return;
    };
    if first == second {
        ui.label("Pick two different coders.");
        return;
    }
    let key: Key = (
        p.version,
        first,
        second,
        panel.unit,
        panel.include,
        panel.codes_filter.clone(),
        panel.documents.clone(),
    );
    let base = match panel.scope(&p.snap, first, second) {
        Ok(s) => s,
        Err(problem) => {
            ui.colored_label(ui.visuals().error_fg_color, problem);
            return;
        }
    };
    // A report computed on its own thread has come in.
    if panel.pending.as_ref().is_some_and(|(_, h)| h.is_finished()) {
        let (k, handle) = panel.pending.take().expect("just looked");
        let done = handle.join().unwrap_or_else(|_| {
            Err(crate::Error::Invalid(
                "computing the agreement stopped unexpectedly".into(),
            ))
        });
        panel.set_report(k, done);
    }
    // Only the coding changed since the report was made (same options):
    // the documents it touched are worked out again, not every cell.
    if let Some((k, live)) = &mut panel.report
        && k.0 != key.0
        && same_options(k, &key)
        && let Some(touched) = p.coding_changed_since(k.0)
    {
        live.update(&p.snap, &touched);
        k.0 = key.0;
    }
    let current = panel.report.as_ref().is_some_and(|(k, _)| *k == key)
        || panel.problem.as_ref().is_some_and(|(k, _)| *k == key);
    // A report on its way for these options is waited for, even if made
    // from an older version: once in, it takes in the changes since as
    // above (or, if more than coding changed, is computed again then), so
    // changes arriving while it is computed do not start one after another.
    let computing = panel
        .pending
        .as_ref()
        .is_some_and(|(k, _)| same_options(k, &key));
    if !current && !computing {
        panel.computed += 1;
        panel.problem = None;
        match agreement::Coding::of(&p.snap, &base) {
            Ok(coding) if coding.len() < panel.background_from => {
                let r = p.store.read();
                let done = coding
                    .units(|d| r.document_text(d))
                    .map(|units| agreement::Live::from_coding(coding, &units));
                panel.set_report(key.clone(), done);
            }
            Ok(coding) => {
                // Text is read on the thread's own connection.
                let reopen = p.store.reopener();
                let started = std::thread::Builder::new()
                    .name("weft-agreement".into())
                    .spawn(move || {
                        let units = if coding.needs_text() {
                            let store = reopen.open()?;
                            let r = store.read();
                            coding.units(|d| r.document_text(d))?
                        } else {
                            Default::default()
                        };
                        Ok(agreement::Live::from_coding(coding, &units))
                    });
                match started {
                    Ok(handle) => panel.pending = Some((key.clone(), handle)),
                    Err(e) => panel.set_report(
                        key.clone(),
                        Err(crate::Error::Invalid(format!(
                            "cannot start computing the agreement: {e}"
                        ))),
                    ),
                }
            }
            Err(e) => panel.set_report(key.clone(), Err(e)),
        }
    }
    if let Some((_, problem)) = &panel.problem {
        ui.colored_label(ui.visuals().error_fg_color, problem);
        return;
    }
    // While a report is computed on its thread, the last one for these
    // options stays (a change behind), else a spinner shows.
    let shown = panel.report.as_ref().filter(|(k, _)| same_options(k, &key));
    if panel.pending.is_some() {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(30));
        if shown.is_none() {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                ui.add(egui::Spinner::new());
                ui.label("Computing the agreement. It shows when it is done.");
            });
            return;
        }
        ui.weak("Updating…");
    }
    let Some((_, live)) = shown else {
        return;
    };
    let report = live.report();
    let names = (
        p.snap.coder_name(first).to_string(),
        p.snap.coder_name(second).to_string(),
    );
    let mut open: Option<(DocumentId, crate::model::CharRange)> = None;
    let mut reconcile: Vec<(Disagreement, Choice)> = Vec::new();
    if let Some(all) = report.overall.first() {
        ui.label(
            RichText::new(format!(
                "Overall, {} and {}: Cohen's κ {}, Krippendorff's α {}, percent agreement {}, over {} {}s.",
                names.0,
                names.1,
                figure_text(&all.figures.cohen_kappa).0,
                figure_text(&all.figures.krippendorff_alpha).0,
                figure_text(&all.figures.percent_agreement).0,
                super::widgets::thousands(all.counts.map_or(0, |c| c.units) as usize),
                panel.unit.as_str()
            ))
            .strong(),
        );
    }
    let height = ui.available_height();
    // Codes × measures. Only the rows in view are drawn.
    header(ui, "Code", "both / only first / only second");
    let code_rows: Vec<&Row> = report
        .by_code
        .iter()
        .filter(|r| r.kind == RowKind::Pooled && r.code.is_some())
        .collect();
    egui::ScrollArea::vertical()
        .id_salt("agreement codes")
        .max_height(height * if panel.code.is_some() { 0.4 } else { 0.85 })
        .auto_shrink([false, true])
        .show_rows(ui, ROW_HEIGHT, code_rows.len(), |ui, range| {
            for row in &code_rows[range] {
                let Some(code) = row.code else { continue };
                ui.horizontal(|ui| {
                    let picked = panel.code == Some(code);
                    if name_cell(ui, picked, &p.snap.codes.path(code)) {
                        panel.code = if picked { None } else { Some(code) };
                        panel.document = None;
                    }
                    figure_cells(ui, row);
                    if let Some(c) = row.counts {
                        ui.label(format!(
                            "{} / {} / {}",
                            c.both,
                            c.only_first.unwrap_or(0),
                            c.only_second.unwrap_or(0)
                        ));
                    }
                });
            }
        });
    let Some(code) = panel.code else {
        ui.label("Click a code to see its documents.");
        return;
    };
    ui.separator();
    ui.label(RichText::new(format!("{} by document", p.snap.codes.path(code))).heading());
    header(ui, "Document", "");
    let doc_rows = live.code_by_document(code);
    egui::ScrollArea::vertical()
        .id_salt("agreement documents")
        .max_height(height * 0.25)
        .auto_shrink([false, true])
        .show_rows(ui, ROW_HEIGHT, doc_rows.len(), |ui, range| {
            for row in &doc_rows[range] {
                let Some(doc) = row.document else { continue };
                ui.horizontal(|ui| {
                    let name = p.snap.document(doc).map_or("", |d| d.name.as_str());
                    let picked = panel.document == Some(doc);
                    if name_cell(ui, picked, name) {
                        panel.document = if picked { None } else { Some(doc) };
                    }
                    figure_cells(ui, row);
                });
            }
        });
    let s = Scope {
        codes: Some(vec![code]),
        ..base
    };
    let consensus = p.snap.coder_named(panel.consensus.trim()).map(|c| c.id);
    let decided_key = (p.version, panel.consensus.trim().to_string());
    if panel
        .decided
        .as_ref()
        .is_none_or(|(k, _)| *k != decided_key)
    {
        let set = read_decided(p, &decided_key.1);
        panel.decided = Some((decided_key, set));
    }
    let decided = panel.decided.as_ref().map(|(_, d)| d);
    let settled = |d: &Disagreement| {
        decided.is_some_and(|set| set.contains(&(d.document, d.code, d.range.start, d.range.end)))
            || consensus.is_some_and(|c| {
                p.snap
                    .segments_of(d.document)
                    .iter()
                    .any(|x| x.coder == c && x.code == d.code && x.range.overlaps(&d.range))
            })
    };
    ui.separator();
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("for what differs")
            .selected_text(panel.bulk.label())
            .show_ui(ui, |ui| {
                for c in Choice::ALL {
                    ui.selectable_value(&mut panel.bulk, c, c.label());
                }
            });
        if ui
            .button("Accept all remaining for this code")
            .on_hover_text(
                "Every passage of this code not yet reconciled, in every document: agreed \
                 passages as they are, disagreements with the version picked here.",
            )
            .clicked()
        {
            let all = agreement::stretches(&p.snap, first, second, &s, true);
            reconcile = all
                .into_iter()
                .filter(|d| !settled(d))
                .map(|d| (d, panel.bulk))
                .collect();
        }
    });
    let Some(doc) = panel.document else {
        ui.label("Click a document to list its disagreements.");
        finish(app, open, reconcile, names);
        return;
    };
    let s = Scope {
        documents: Some(vec![doc]),
        ..s
    };
    let list_key = (key, code, doc);
    if panel.list.as_ref().is_none_or(|(k, _)| *k != list_key) {
        let list = agreement::disagreements(&p.snap, first, second, &s);
        panel.list = Some((list_key, list));
    }
    let list = panel.list.as_ref().map_or(&[][..], |(_, l)| l.as_slice());
    ui.label(
        RichText::new(format!(
            "Disagreements in {} ({}), largest first",
            p.snap.document(doc).map_or("", |d| d.name.as_str()),
            list.len()
        ))
        .heading(),
    );
    egui::ScrollArea::vertical()
        .id_salt("agreement disagreements")
        .auto_shrink([false, true])
        .show_rows(ui, ROW_HEIGHT + 4.0, list.len(), |ui, range| {
            for d in &list[range] {
                let done = settled(d);
                ui.horizontal(|ui| {
                    let text = format!(
                        "{}–{}: {} differ · {}: {} · {}: {}{}",
                        d.range.start,
                        d.range.end,
                        d.differing,
                        names.0,
                        none_if_empty(crate::export::agreement::ranges_label(&d.first)),
                        names.1,
                        none_if_empty(crate::export::agreement::ranges_label(&d.second)),
                        if done { " · reconciled" } else { "" }
                    );
                    if ui
                        .link(text)
                        .on_hover_text("Open it in the transcript")
                        .clicked()
                    {
                        open = Some((d.document, d.range));
                    }
                    for c in Choice::ALL {
                        let label = match c {
                            Choice::First => format!("Accept {}'s", names.0),
                            Choice::Second => format!("Accept {}'s", names.1),
                            other => format!("Accept {}", other.label()),
                        };
                        if ui.small_button(label).clicked() {
                            reconcile = vec![(d.clone(), c)];
                        }
                    }
                });
            }
        });
    finish(app, open, reconcile, names);
}

fn none_if_empty(s: String) -> String {
    if s.is_empty() { "nothing".into() } else { s }
}

/// Opens the disagreement picked and queues the reconcile asked for.
fn finish(
    app: &mut WeftApp,
    open: Option<(DocumentId, crate::model::CharRange)>,
    reconcile: Vec<(Disagreement, Choice)>,
    names: (String, String),
) {
    if let Some((doc, range)) = open {
        if let Some(p) = &mut app.project {
            p.split_by_coder = true;
            p.update_highlights();
        }
        app.queue.push(Command::OpenDocument(doc, Some(range)));
        app.tab = Tab::Coding;
    }
    if !reconcile.is_empty() {
        let consensus = app.agreement.consensus.clone();
        let n = reconcile.len();
        app.change(
            &format!("Reconcile {n} passage(s) as {consensus}"),
            move |r| merge::reconcile(r, &consensus, (&names.0, &names.1), &reconcile),
        );
    }
}
