//! The Agreement tab: pick two coders (and the unit and how parent codes
//! count), read a table of codes × measures shaded by value, click a code for
//! its documents, a document for its disagreements (largest first), open one
//! in the transcript, and reconcile it into a consensus coder. Computing is
//! [`crate::analysis::agreement`]; writing is [`crate::edit::merge::reconcile`].

use egui::{Color32, RichText, Ui};

use super::app::{Command, Tab, WeftApp};
use crate::analysis::agreement::{
    self, AgreementUnit, Disagreement, Figure, Include, Report, Row, RowKind, Scope, Units,
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
    /// The code picked in the table.
    pub code: Option<CodeId>,
    /// The document picked for that code.
    pub document: Option<DocumentId>,
    /// What "Accept all remaining" takes.
    pub bulk: Choice,
    /// Stretches decided "neither" this session (they leave nothing to see).
    pub settled: std::collections::HashSet<(DocumentId, CodeId, usize, usize)>,
    /// The report, for (snapshot version, options).
    pub report: Option<(Key, Report)>,
    /// Why there is no report.
    pub problem: Option<String>,
}

/// What a computed report depends on.
pub type Key = (u64, CoderId, CoderId, AgreementUnit, Include);

impl Default for AgreementPanel {
    fn default() -> Self {
        AgreementPanel {
            first: None,
            second: None,
            unit: AgreementUnit::Character,
            include: Include::Exact,
            consensus: "consensus".into(),
            code: None,
            document: None,
            bulk: Choice::Both,
            settled: Default::default(),
            report: None,
            problem: None,
        }
    }
}

fn scope(first: CoderId, second: CoderId, unit: AgreementUnit, include: Include) -> Scope {
    Scope {
        coders: vec![first, second],
        codes: None,
        documents: None,
        unit,
        include,
    }
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

fn figures_row(ui: &mut Ui, row: &Row) {
    for (_, f) in row.figures.named() {
        let (text, why) = figure_text(f);
        let r = egui::Frame::new()
            .fill(shade(f))
            .inner_margin(egui::Margin::symmetric(4, 1))
            .show(ui, |ui| ui.label(text))
            .response;
        if let Some(why) = why {
            r.on_hover_text(why);
        }
    }
}

/// Draws the tab.
pub fn agreement_ui(app: &mut WeftApp, ui: &mut Ui) {
    let Some(p) = &mut app.project else { return };
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
        coder_pick(ui, "and", &mut panel.first, &coders);
        coder_pick(ui, "compared", &mut panel.second, &coders);
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
        egui::ComboBox::from_label("parent codes count")
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
    let key: Key = (p.version, first, second, panel.unit, panel.include);
    if panel.report.as_ref().is_none_or(|(k, _)| *k != key) {
        let s = scope(first, second, panel.unit, panel.include);
        let mut units = std::collections::HashMap::new();
        let r = p.store.read();
        if s.unit.needs_text() {
            for d in &p.snap.documents {
                if let Ok(text) = r.document_text(d.id) {
                    units.insert(d.id, Units::of_text(s.unit, &text));
                }
            }
        }
        match agreement::compute(&p.snap, &s, &units) {
            Ok(rep) => {
                panel.report = Some((key, rep));
                panel.problem = None;
            }
            Err(e) => {
                panel.report = None;
                panel.problem = Some(e.to_string());
            }
        }
    }
    if let Some(problem) = &panel.problem {
        ui.colored_label(ui.visuals().error_fg_color, problem);
        return;
    }
    let Some((_, report)) = &panel.report else {
        return;
    };
    let names = (
        p.snap.coder_name(first).to_string(),
        p.snap.coder_name(second).to_string(),
    );
    let mut open: Option<(DocumentId, crate::model::CharRange)> = None;
    let mut reconcile: Vec<(Disagreement, Choice)> = Vec::new();
    egui::ScrollArea::vertical()
        .id_salt("agreement")
        .show(ui, |ui| {
            if let Some(all) = report.overall.first() {
                ui.label(RichText::new(format!(
                    "Overall, {} and {}: Cohen's κ {}, Krippendorff's α {}, percent agreement {}, over {} {}s.",
                    names.0,
                    names.1,
                    figure_text(&all.figures.cohen_kappa).0,
                    figure_text(&all.figures.krippendorff_alpha).0,
                    figure_text(&all.figures.percent_agreement).0,
                    all.counts.map_or(0, |c| c.units),
                    panel.unit.as_str()
                )).strong());
            }
            egui::Grid::new("agreement table").striped(true).show(ui, |ui| {
                ui.label(RichText::new("Code").strong());
                for h in HEADERS {
                    ui.label(RichText::new(h).strong());
                }
                ui.label(RichText::new("both / only first / only second").strong());
                ui.end_row();
                for row in report.by_code.iter().filter(|r| r.kind == RowKind::Pooled) {
                    let Some(code) = row.code else { continue };
                    let picked = panel.code == Some(code);
                    if ui.selectable_label(picked, p.snap.codes.path(code)).clicked() {
                        panel.code = if picked { None } else { Some(code) };
                        panel.document = None;
                    }
                    figures_row(ui, row);
                    if let Some(c) = row.counts {
                        ui.label(format!(
                            "{} / {} / {}",
                            c.both,
                            c.only_first.unwrap_or(0),
                            c.only_second.unwrap_or(0)
                        ));
                    }
                    ui.end_row();
                }
            });
            let Some(code) = panel.code else {
                ui.label("Click a code to see its documents.");
                return;
            };
            ui.separator();
            ui.heading(format!("{} by document", p.snap.codes.path(code)));
            egui::Grid::new("agreement documents").striped(true).show(ui, |ui| {
                ui.label(RichText::new("Document").strong());
                for h in HEADERS {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                for row in report
                    .by_code_document
                    .iter()
                    .filter(|r| r.code == Some(code))
                {
                    let Some(doc) = row.document else { continue };
                    let name = p.snap.document(doc).map_or("", |d| d.name.as_str());
                    let picked = panel.document == Some(doc);
                    if ui.selectable_label(picked, name).clicked() {
                        panel.document = if picked { None } else { Some(doc) };
                    }
                    figures_row(ui, row);
                    ui.end_row();
                }
            });
            let s = Scope {
                codes: Some(vec![code]),
                ..scope(first, second, panel.unit, panel.include)
            };
            let consensus = p.snap.coder_named(panel.consensus.trim()).map(|c| c.id);
            let settled = |d: &Disagreement| {
                panel
                    .settled
                    .contains(&(d.document, d.code, d.range.start, d.range.end))
                    || consensus.is_some_and(|c| {
                        p.snap.segments_of(d.document).iter().any(|x| {
                            x.coder == c && x.code == d.code && x.range.overlaps(&d.range)
                        })
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
                    .on_hover_text("Every passage of this code not yet reconciled, in every document: agreed passages as they are, disagreements with the version picked here.")
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
                return;
            };
            let s = Scope {
                documents: Some(vec![doc]),
                ..s
            };
            let list = agreement::disagreements(&p.snap, first, second, &s);
            ui.heading(format!(
                "Disagreements in {} ({})",
                p.snap.document(doc).map_or("", |d| d.name.as_str()),
                list.len()
            ));
            for d in &list {
                let done = settled(d);
                ui.horizontal_wrapped(|ui| {
                    let text = format!(
                        "{}–{}: {} differ · {}: {} · {}: {}{}",
                        d.range.start,
                        d.range.end,
                        d.differing,
                        names.0,
                        crate::export::agreement::ranges_label(&d.first),
                        names.1,
                        crate::export::agreement::ranges_label(&d.second),
                        if done { " · reconciled" } else { "" }
                    );
                    if ui.link(text).clicked() {
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
    if let Some((doc, range)) = open {
        p.split_by_coder = true;
        app.queue.push(Command::OpenDocument(doc, Some(range)));
        app.tab = Tab::Coding;
    }
    if !reconcile.is_empty() {
        for (d, c) in &reconcile {
            if *c == Choice::Neither {
                app.agreement
                    .settled
                    .insert((d.document, d.code, d.range.start, d.range.end));
            }
        }
        let consensus = app.agreement.consensus.clone();
        let n = reconcile.len();
        app.change(
            &format!("Reconcile {n} passage(s) as {consensus}"),
            move |r| merge::reconcile(r, &consensus, (&names.0, &names.1), &reconcile),
        );
    }
}
