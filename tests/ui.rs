//! The window, driven the way a user drives it: by role and label, with the
//! mouse and keyboard, through egui_kittest. Each test then checks what the
//! project file holds.

use egui::accesskit::Role;
use egui::{Key, Modifiers, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use weft::model::CharRange;
use weft::store::Store;
use weft::ui::WeftApp;
use weft::ui::app::{Settings, Tab};

mod common;

/// The whole window in a test harness. An open project's watcher may wake
/// the window once more after its own commit (it cannot tell whose commit
/// it saw), so a run may take a step or two more to settle than egui's own.
fn harness(app: WeftApp) -> Harness<'static, WeftApp> {
    Harness::builder()
        .with_size(Vec2::new(1400.0, 900.0))
        .with_max_steps(8)
        .build_ui_state(|ui, app: &mut WeftApp| app.ui(ui), app)
}

/// The demo written to a temporary folder, and a window for the coder
/// "tester" that has not opened it yet.
fn demo_project() -> (tempfile::TempDir, std::path::PathBuf, WeftApp) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.weft");
    weft::demo::write_demo(&path).unwrap();
    let app = WeftApp::with_settings(Settings {
        coder: "tester".into(),
        ..Default::default()
    });
    (dir, path, app)
}

fn demo_app() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    Harness<'static, WeftApp>,
) {
    let (dir, path, mut app) = demo_project();
    app.open_project(&path);
    assert!(app.error.is_none(), "{:?}", app.error);
    (dir, path, harness(app))
}

/// The document the transcript view shows.
fn shown(app: &WeftApp) -> weft::model::DocumentId {
    app.project
        .as_ref()
        .unwrap()
        .view
        .as_ref()
        .unwrap()
        .document
}

fn segments_of(path: &std::path::Path, doc: &str, code: &str) -> Vec<CharRange> {
    let store = Store::open(path).unwrap();
    let r = store.read();
    let d = r.document_by_name(doc).unwrap().unwrap().id;
    let c = r.code_tree().unwrap().find_path(code).unwrap();
    r.segments_of_code(c)
        .unwrap()
        .into_iter()
        .filter(|s| s.document == d)
        .map(|s| s.range)
        .collect()
}

/// Scrolls a code's row in the tree into view and clicks it (right-clicks with `menu`).
fn click_code(h: &mut Harness<'_, WeftApp>, name: &str, menu: bool) {
    let label = format!("{name}  ");
    h.get_by_label_contains(&label).scroll_to_me();
    h.run();
    let node = h.get_by_label_contains(&label);
    if menu {
        node.click_secondary()
    } else {
        node.click()
    }
    h.run();
}

/// Clicks into the transcript, goes to its start and selects `n` characters with Shift+Right.
fn select_first_chars(h: &mut Harness<'_, WeftApp>, n: usize) {
    h.get_by_role_and_label(Role::TextInput, "Transcript")
        .click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Home);
    h.run();
    for _ in 0..n {
        h.key_press_modifiers(Modifiers::SHIFT, Key::ArrowRight);
    }
    h.run();
}

#[test]
fn pick_a_document_select_text_and_apply_a_code_from_the_tree_then_undo_and_redo() {
    let (_dir, path, mut h) = demo_app();
    h.get_by_label("P03").click();
    h.run();
    assert_eq!(
        h.state()
            .project
            .as_ref()
            .unwrap()
            .snap
            .document(shown(h.state()))
            .unwrap()
            .name,
        "P03"
    );
    select_first_chars(&mut h, 11);
    assert_eq!(segments_of(&path, "P03", "Outcomes"), []);
    click_code(&mut h, "Outcomes", false);
    assert_eq!(
        segments_of(&path, "P03", "Outcomes"),
        [CharRange::new(0, 11)]
    );
    // The window shows it: the code's count went up.
    assert!(h.query_by_label_contains("Outcomes  6 · 6p").is_some());

    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(segments_of(&path, "P03", "Outcomes"), []);
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run();
    assert_eq!(
        segments_of(&path, "P03", "Outcomes"),
        [CharRange::new(0, 11)]
    );
    // The Edit menu says what undo will undo.
    h.get_by_label("Edit").click();
    h.run();
    assert!(h.query_by_label_contains("Undo Apply code").is_some());
}

#[test]
fn quick_key_and_quick_code_box_apply_codes_from_the_keyboard() {
    let (_dir, path, mut h) = demo_app();
    h.get_by_label("P05").click();
    h.run();
    select_first_chars(&mut h, 5);
    // Key 1 is the first code in the tree.
    h.key_press(Key::Num1);
    h.run();
    assert_eq!(
        segments_of(&path, "P05", "Types of support"),
        [CharRange::new(0, 5)]
    );
    // Ctrl+K, type part of a name, Enter.
    h.key_press_modifiers(Modifiers::COMMAND, Key::K);
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Code as:")
        .type_text("barri");
    h.run();
    h.key_press(Key::Enter);
    h.run();
    // The demo already had one Barriers passage in P05; now the selection is coded too.
    assert!(segments_of(&path, "P05", "Engagement/Barriers").contains(&CharRange::new(0, 5)));
    assert_eq!(segments_of(&path, "P05", "Engagement/Barriers").len(), 2);
}

#[test]
fn rename_and_merge_codes_from_the_tree() {
    let (_dir, path, mut h) = demo_app();
    click_code(&mut h, "Outcomes", true);
    h.get_by_label("Rename…").click();
    h.run();
    // The name becomes a field in place; select it all and type the new one.
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "Rename Outcomes")
        .type_text("Changes");
    h.run();
    h.key_press(Key::Enter);
    h.run();
    let store = Store::open(&path).unwrap();
    let tree = store.read().code_tree().unwrap();
    assert!(tree.find_path("Changes").is_some(), "renamed");
    assert!(tree.find_path("Outcomes").is_none());
    drop(store);

    // Merge Validation into Encouragement through the context menu.
    let before = segments_of(&path, "P01", "Types of support/Emotional/Encouragement").len()
        + segments_of(&path, "P01", "Types of support/Emotional/Validation").len();
    click_code(&mut h, "Validation", true);
    h.get_by_label("Merge into…").click();
    h.run();
    h.get_by_label("Types of support/Emotional/Encouragement")
        .click();
    h.run();
    let tree = Store::open(&path).unwrap().read().code_tree().unwrap();
    assert!(
        tree.find_path("Types of support/Emotional/Validation")
            .is_none(),
        "merged away"
    );
    assert_eq!(
        segments_of(&path, "P01", "Types of support/Emotional/Encouragement").len(),
        before
    );
}

#[test]
fn edit_an_attribute_in_the_participants_grid() {
    let (_dir, path, mut h) = demo_app();
    h.get_by_label("Participants").click();
    h.run();
    let cell = h.get_by_role_and_label(Role::TextInput, "Age of P02");
    cell.focus();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "Age of P02")
        .type_text("35");
    h.run();
    h.key_press(Key::Tab);
    h.run();
    let store = Store::open(&path).unwrap();
    let r = store.read();
    let p = r.participant_by_name("P02").unwrap().unwrap().id;
    let age = r
        .attributes()
        .unwrap()
        .into_iter()
        .find(|a| a.name == "Age")
        .unwrap()
        .id;
    assert_eq!(r.attribute_value(p, age).unwrap().as_deref(), Some("35"));
    drop(store);
    // A value that does not fit the type is refused, in words, and nothing changes.
    let cell = h.get_by_role_and_label(Role::TextInput, "Age of P02");
    cell.focus();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "Age of P02")
        .type_text("old");
    h.run();
    h.key_press(Key::Tab);
    h.run();
    assert!(
        h.state()
            .error
            .as_deref()
            .is_some_and(|e| e.contains("needs a number")),
        "{:?}",
        h.state().error
    );
}

#[test]
fn the_documents_list_names_each_participant_and_filters_by_attribute_value() {
    let (_dir, _path, mut h) = demo_app();
    let snap = h.state().project.as_ref().unwrap().snap.clone();
    // P03's participant renamed: its row says whose transcript it is.
    let p03 = snap
        .participants
        .iter()
        .find(|p| p.name == "P03")
        .unwrap()
        .id;
    h.state_mut().change("Rename participant", move |_| {
        Ok(weft::edit::Edit::RenameParticipant {
            id: p03,
            name: "Rosa".into(),
        })
    });
    h.run();
    h.run();
    assert!(h.query_by_label("P03 (Rosa)").is_some());
    assert_eq!(h.query_all_by_label("P05").count(), 1);
    // Filtered by one attribute's value: the documents whose participant
    // has that value, counted from the snapshot.
    let attr = &snap.attributes[0];
    let value = snap.value(snap.participants[0].id, attr.id).to_string();
    let mut want: Vec<String> = snap
        .documents
        .iter()
        .filter(|d| {
            d.participant
                .is_some_and(|p| snap.value(p, attr.id) == value)
        })
        .map(|d| d.name.clone())
        .collect();
    want.sort();
    assert!(!want.is_empty() && want.len() < snap.documents.len());
    let filter = format!("{}: {}", attr.name, value);
    h.get_by_role_and_label(Role::TextInput, "Documents")
        .click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Documents")
        .type_text(&filter);
    h.run();
    // The transcript shown is named in its header too.
    let open = snap.document(shown(h.state())).unwrap().name.clone();
    let mut listed: Vec<String> = snap
        .documents
        .iter()
        .map(|d| d.name.clone())
        .filter(|n| {
            let named = h.query_all_by_label(n).count()
                + h.query_all_by_label(&format!("{n} (Rosa)")).count();
            named > usize::from(*n == open)
        })
        .collect();
    listed.sort();
    assert_eq!(listed, want, "filter {filter:?}");
}

#[test]
fn filter_the_retrieval_list_by_attribute() {
    let (_dir, _path, mut h) = demo_app();
    click_code(&mut h, "Shared experience", false);
    assert!(h.query_by_label("12 segment(s)").is_some());
    h.get_by_label("Filter by attribute").click();
    h.run();
    h.get_by_label("Phase").click();
    h.run();
    h.get_by_label("Filter value").click();
    h.run();
    h.get_by_label("post").click();
    h.run();
    // Post-reunification participants' segments only, the same count the export gives.
    let store = Store::open(&_path).unwrap();
    let r = store.read();
    let filter = weft::export::segments::SegmentFilter {
        code: r
            .code_tree()
            .unwrap()
            .find_path("Engagement/Shared experience"),
        conditions: weft::analysis::matrix::parse_where(
            &r.attributes().unwrap(),
            &["Phase=post".to_string()],
        )
        .unwrap(),
    };
    let n = weft::export::segments::segment_table(&r, &filter)
        .unwrap()
        .rows
        .len();
    assert_eq!(n, 7, "hand count: P04 2, P09 3, P10 1, P11 1");
    assert!(h.query_by_label("7 segment(s)").is_some());
}

#[test]
fn dropped_files_are_sorted_by_what_they_hold() {
    use weft::ui::app::{Command, commands_for_dropped};
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let files = vec![
        write("P1.txt", "P1: hi\n"),
        write("book.csv", "path,description,color\nA,,\n"),
        write("people.csv", "id,Phase\nP1,pre\n"),
        write("P2.docx", ""),
        write("study.weft", ""),
    ];
    let kinds: Vec<String> = commands_for_dropped(files)
        .into_iter()
        .map(|c| match c {
            Command::OpenProject(p) => format!("open {}", p.file_name().unwrap().to_string_lossy()),
            Command::ImportCodebook(p) => {
                format!("codebook {}", p.file_name().unwrap().to_string_lossy())
            }
            Command::ImportParticipants(p) => {
                format!("participants {}", p.file_name().unwrap().to_string_lossy())
            }
            Command::ImportTranscripts(v) => format!("transcripts {}", v.len()),
            _ => "other".into(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "codebook book.csv",
            "participants people.csv",
            "open study.weft",
            "transcripts 2"
        ]
    );
}

#[test]
fn importing_transcripts_runs_as_a_job_and_lands_in_one_change() {
    let (dir, path, mut h) = demo_app();
    let files: Vec<std::path::PathBuf> = (0..30)
        .map(|i| {
            let p = dir.path().join(format!("N{i:02}.txt"));
            std::fs::write(
                &p,
                format!("Interviewer: Hello {i}?\nN{i:02}: Hola, ¿qué tal? 😀\n"),
            )
            .unwrap();
            p
        })
        .collect();
    h.state_mut()
        .queue
        .push(weft::ui::app::Command::ImportTranscripts(files));
    h.run();
    // Wait for the job the way the window does: poll between frames.
    wait_for_job(&mut h);
    assert!(
        h.state().status.contains("Imported 30"),
        "{}",
        h.state().status
    );
    assert_eq!(
        Store::open(&path)
            .unwrap()
            .read()
            .counts()
            .unwrap()
            .documents,
        42
    );
    // One undo removes the whole import.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(
        Store::open(&path)
            .unwrap()
            .read()
            .counts()
            .unwrap()
            .documents,
        12
    );
}

#[test]
fn the_whole_loop_from_the_keyboard_with_a_selection_across_turns() {
    let (_dir, path, mut h) = demo_app();
    h.run();
    // The transcript has the keyboard as soon as a document is open.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Home);
    h.run();
    // Select from the start through the next two speaker turns, one selection.
    for _ in 0..5 {
        h.key_press_modifiers(Modifiers::SHIFT, Key::ArrowDown);
        h.run();
    }
    let sel = h
        .state()
        .project
        .as_ref()
        .unwrap()
        .view
        .as_ref()
        .unwrap()
        .selection
        .unwrap()
        .range();
    assert_eq!(sel.start, 0);
    let turns = Store::open(&path)
        .unwrap()
        .read()
        .turns(weft::model::DocumentId(1))
        .unwrap();
    assert!(
        sel.end > turns[1].range.end,
        "the selection runs past the second turn: {sel:?}"
    );
    // Find the code by typing, apply it with Enter.
    h.key_press_modifiers(Modifiers::COMMAND, Key::K);
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Code as:")
        .type_text("outc");
    h.run();
    h.key_press(Key::Enter);
    h.run();
    assert!(segments_of(&path, "P01", "Outcomes").contains(&sel));
    // The transcript has the keyboard back: extend the selection and undo.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert!(!segments_of(&path, "P01", "Outcomes").contains(&sel));
}

#[test]
fn find_codes_all_hits_and_in_vivo_names_a_code_after_the_words() {
    let (_dir, path, mut h) = demo_app();
    click_code(&mut h, "Outcomes", false);
    h.key_press_modifiers(Modifiers::COMMAND, Key::F);
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Find:")
        .type_text("she");
    h.run();
    // Plain search ignores case: "She" and "she" in P01.
    let hits = h.state().find.hits.clone();
    assert!(hits.len() >= 5, "{hits:?}");
    h.get_by_label("Code all hits as \"Outcomes\"").click();
    h.run();
    let coded = segments_of(&path, "P01", "Outcomes");
    assert!(hits.iter().all(|r| coded.contains(r)), "every hit is coded");

    // Regex mode: only the capitalised word.
    h.get_by_label("Regex").click();
    h.run();
    let regex_hits = h.state().find.hits.len();
    assert!(regex_hits < hits.len() && regex_hits > 0);

    // In vivo: select "Thanks for making time", Ctrl+I.
    h.get_by_label("Close").click();
    h.run();
    h.state_mut().focus_transcript = true;
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Home);
    for _ in 0..13 {
        h.key_press(Key::ArrowRight);
    }
    for _ in 0..22 {
        h.key_press_modifiers(Modifiers::SHIFT, Key::ArrowRight);
    }
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::I);
    h.run();
    assert_eq!(
        segments_of(&path, "P01", "Thanks for making time"),
        [CharRange::new(13, 35)]
    );
}

/// Drags from one point to another in small steps, as a hand does.
fn drag(h: &mut Harness<'_, WeftApp>, from: egui::Pos2, to: egui::Pos2) {
    h.hover_at(from);
    h.run();
    h.drag_at(from);
    h.run();
    for i in 1..=10 {
        h.hover_at(from + (to - from) * (i as f32 / 10.0));
        h.run();
    }
    h.drop_at(to);
    h.run();
}

#[test]
fn drag_the_selected_text_itself_onto_a_code() {
    let (_dir, path, mut h) = demo_app();
    select_first_chars(&mut h, 11);
    // Press inside the selected words ("Interviewer") and drag them onto a code.
    let text = h
        .get_by_role_and_label(Role::TextInput, "Transcript")
        .rect();
    let from = text.min + egui::vec2(30.0, 10.0);
    let to = h.get_by_label_contains("Concrete  ").rect().center();
    drag(&mut h, from, to);
    assert!(
        segments_of(&path, "P01", "Types of support/Concrete").contains(&CharRange::new(0, 11))
    );
    // The selection was carried, not replaced.
    let sel = h
        .state()
        .project
        .as_ref()
        .unwrap()
        .view
        .as_ref()
        .unwrap()
        .selection
        .unwrap();
    assert_eq!(sel.range(), CharRange::new(0, 11));
}

#[test]
fn drag_a_code_onto_another_and_the_selection_onto_a_code() {
    let (_dir, path, mut h) = demo_app();
    // Re-parent: drag "Outcomes" onto "Engagement".
    h.get_by_label_contains("Outcomes  ").scroll_to_me();
    h.run();
    let from = h.get_by_label_contains("Outcomes  ").rect().center();
    let to = h.get_by_label_contains("Engagement  ").rect().center();
    drag(&mut h, from, to);
    let tree = Store::open(&path).unwrap().read().code_tree().unwrap();
    assert!(
        tree.find_path("Engagement/Outcomes").is_some(),
        "moved under Engagement"
    );

    // Select some text, then drag the handle onto a code.
    select_first_chars(&mut h, 8);
    let from = h.get_by_label("drag onto a code").rect().center();
    let to = h.get_by_label_contains("Concrete  ").rect().center();
    drag(&mut h, from, to);
    assert!(segments_of(&path, "P01", "Types of support/Concrete").contains(&CharRange::new(0, 8)));
}

/// The Matrices tab's filter lists an attribute's values (gathered when the
/// list opens) and narrows the matrix to the participants with the one
/// picked.
#[test]
fn a_matrix_is_narrowed_to_the_participants_with_a_value() {
    let (_dir, path, mut h) = demo_app();
    click_each(&mut h, &["Matrices", "Columns", "participants (framework)"]);
    let everyone = h
        .state()
        .matrices
        .matrix
        .as_ref()
        .unwrap()
        .2
        .scope_participants;
    click_each(
        &mut h,
        &["Filter attribute", "Phase", "Filter value", "post"],
    );
    let panel = &h.state().matrices;
    assert_eq!(panel.filter.as_ref().map(|(_, v)| v.as_str()), Some("post"));
    // Counted from the file: the participants whose Phase is "post".
    let snap = Store::open(&path).unwrap().read().snapshot().unwrap();
    let phase = snap.attributes.iter().find(|a| a.name == "Phase").unwrap();
    let post = snap
        .participants
        .iter()
        .filter(|p| snap.value(p.id, phase.id) == "post")
        .count();
    let narrowed = panel.matrix.as_ref().unwrap().2.scope_participants;
    assert!(post > 0 && post < everyone, "{post} of {everyone}");
    assert_eq!(narrowed, post);
}

/// Clicks each of these labels in turn, a frame after each.
fn click_each(h: &mut Harness<'static, WeftApp>, labels: &[&str]) {
    for label in labels {
        h.get_by_label(label).click();
        h.run();
    }
}

#[test]
fn a_matrix_cell_shows_the_quotes_the_export_counts_and_takes_a_summary() {
    let (dir, path, mut h) = demo_app();
    h.get_by_label("Matrices").click();
    h.run();
    h.get_by_label("Columns").click();
    h.run();
    h.get_by_label("Phase").click();
    h.run();
    h.get_by_label("Measure").click();
    h.run();
    h.get_by_label("segments").click();
    h.run();
    // The cell "Engagement × post", rolled up, at depth 2 (the defaults).
    h.get_by_label("Engagement × post").click();
    h.run();
    let shown = h.state().matrices.quotes.as_ref().unwrap().1.len();
    assert!(h.query_by_label(&format!("{shown} quote(s)")).is_some());
    // The export of the same matrix has the same number in that cell.
    let out = dir.path().join("m.csv");
    h.state_mut()
        .queue
        .push(weft::ui::app::Command::ExportMatrix(out.clone()));
    h.run();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let header = rows.headers().unwrap().clone();
    let post = header.iter().position(|h| h == "post").unwrap();
    let engagement = rows
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[0] == "Engagement")
        .unwrap();
    assert_eq!(engagement[post].parse::<usize>().unwrap(), shown);
    // Only ben's coding: fewer segments in the same cell.
    h.get_by_label("ana").click();
    h.run();
    h.get_by_label("Engagement × post").click();
    h.run();
    let bens = h.state().matrices.quotes.as_ref().unwrap().1.clone();
    assert!(
        !bens.is_empty() && bens.len() < shown,
        "ben coded {} of {shown}",
        bens.len()
    );
    assert!(bens.iter().all(|q| q.source.ends_with("ben")));
    h.get_by_label("ana").click();
    h.run();

    // Framework: participants as columns; a cell's summary is saved in the project.
    h.get_by_label("Columns").click();
    h.run();
    h.get_by_label("participants (framework)").click();
    h.run();
    h.get_by_label("Types of support/Concrete × P07").click();
    h.run();
    h.get_by_role_and_label(Role::MultilineTextInput, "Your summary of this cell:")
        .click();
    h.run();
    h.get_by_role_and_label(Role::MultilineTextInput, "Your summary of this cell:")
        .type_text("Goods and moving help");
    h.run();
    h.key_press(Key::Escape);
    h.get_by_label("Matrices").click();
    h.run();
    let store = Store::open(&path).unwrap();
    let r = store.read();
    let p07 = r.participant_by_name("P07").unwrap().unwrap().id;
    let concrete = r
        .code_tree()
        .unwrap()
        .find_path("Types of support/Concrete")
        .unwrap();
    assert_eq!(
        r.summary(p07, concrete).unwrap().as_deref(),
        Some("Goods and moving help")
    );
}

#[test]
fn refi_qda_export_and_import_from_the_file_menu() {
    let (dir, _path, mut h) = demo_app();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Export REFI-QDA project (.qdpx)…").click();
    h.run();
    let out = dir.path().join("from window.qdpx");
    h.get_by_role_and_label(Role::TextInput, "a .qdpx file to write")
        .type_text(&out.to_string_lossy());
    h.run();
    h.get_by_label("OK").click();
    h.run();
    assert!(out.exists(), "{}", h.state().status);
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Import REFI-QDA project (.qdpx)…").click();
    h.run();
    h.get_by_role_and_label(
        Role::TextInput,
        "a .qdpx file from NVivo, ATLAS.ti, MAXQDA or QualCoder; a new .weft project is made beside it",
    )
    .type_text(&out.to_string_lossy());
    h.run();
    h.get_by_label("OK").click();
    h.run();
    // The report is shown, and the new project beside the file is open.
    assert!(
        h.query_by_label_contains("Imported 12 document(s)")
            .is_some()
    );
    let opened = h
        .state()
        .project
        .as_ref()
        .unwrap()
        .store
        .path()
        .to_path_buf();
    assert_eq!(opened, dir.path().join("from window.weft"));
    assert_eq!(h.state().project.as_ref().unwrap().snap.segments.len(), 79);
}

#[test]
fn a_change_from_a_terminal_appears_in_the_window_and_the_window_does_not_undo_it() {
    let (_dir, path, mut h) = demo_app();
    h.run();
    assert!(h.query_by_label_contains("Outcomes  5 · 5p").is_some());
    // `weft code` from a terminal, as another coder, on another connection.
    let mut other = Store::open(&path).unwrap();
    other.set_coder("terminal");
    other
        .change("Apply code", |r| {
            let d = r.document_by_name("P03")?.unwrap().id;
            Ok(weft::edit::ops::code_path_ranges(
                r,
                &[(d, CharRange::new(0, 11))],
                "Outcomes",
                "terminal",
                "",
            )?
            .0)
        })
        .unwrap();
    h.run();
    assert!(
        h.query_by_label_contains("Outcomes  6 · 6p").is_some(),
        "the window did not notice the terminal's change"
    );
    // The window's coder has nothing to undo; the terminal's segment stays.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(
        segments_of(&path, "P03", "Outcomes"),
        [CharRange::new(0, 11)]
    );
    assert!(h.state().status.contains("Nothing to undo"));
}

#[test]
fn delete_a_document_from_its_context_menu_and_undo_it() {
    let (_dir, path, mut h) = demo_app();
    h.get_by_label("P03").click_secondary();
    h.run();
    h.get_by_label("Delete document…").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Delete document")
        .click();
    h.run();
    let docs = |p: &std::path::Path| {
        Store::open(p)
            .unwrap()
            .read()
            .documents()
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect::<Vec<_>>()
    };
    assert!(!docs(&path).contains(&"P03".to_string()));
    assert!(h.query_by_label("P03").is_none());
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert!(docs(&path).contains(&"P03".to_string()));

    // Delete again and forget the history: no undo brings it back.
    h.get_by_label("P03").click_secondary();
    h.run();
    h.get_by_label("Delete document…").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Delete document")
        .click();
    h.run();
    h.get_by_label("Edit").click();
    h.run();
    h.get_by_label("Forget undo history…").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Forget history")
        .click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert!(!docs(&path).contains(&"P03".to_string()));
    assert!(
        h.state().status.contains("Nothing to undo"),
        "{}",
        h.state().status
    );
}

#[test]
fn opening_another_project_shows_its_own_documents_not_cached_ones() {
    let (dir, _path, mut h) = demo_app();
    h.run();
    assert!(h.query_by_label("P03").is_some());
    let other = dir.path().join("other.weft");
    let mut store = Store::create(&other).unwrap();
    let doc = weft::import::parse_transcript(
        std::path::Path::new("X1.txt"),
        b"Interviewer: Hi.\nX1: Hello.\n",
        None,
    )
    .unwrap();
    store
        .change("Import", |r| {
            weft::edit::ops::import_documents(r, vec![doc])
        })
        .unwrap();
    drop(store);
    h.state_mut().open_project(&other);
    h.run();
    assert!(h.query_all_by_label("X1").next().is_some());
    assert!(h.query_by_label("P03").is_none());
}

/// The figure `weft agreement` prints, from the real binary.
fn cli_kappa(path: &std::path::Path) -> f64 {
    cli_kappa_with(path, &[])
}

/// Ana and ben's overall Cohen's kappa as `weft agreement` computes it,
/// with these options besides.
fn cli_kappa_with(path: &std::path::Path, options: &[&str]) -> f64 {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args([
            "agreement",
            path.to_str().unwrap(),
            "--coders",
            "ana,ben",
            "--by",
            "overall",
        ])
        .args(options)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "cohen_kappa").unwrap();
    row[col].parse().unwrap()
}

#[test]
fn the_agreement_tab_matches_the_cli_opens_a_disagreement_and_reconciles_it() {
    let (_dir, path, mut h) = demo_app();
    h.get_by_label("Agreement").click();
    h.run();
    // Pick the two coders: ben first, then ana (kappa is symmetric).
    h.get_by_label("first coder").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "ben").click();
    h.run();
    h.get_by_label("second coder").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "ana").click();
    h.run();
    let a = &h.state().agreement;
    let snap = &h.state().project.as_ref().unwrap().snap;
    assert_eq!(a.first, snap.coder_named("ben").map(|c| c.id));
    assert_eq!(a.second, snap.coder_named("ana").map(|c| c.id));
    let kappa = format!("Cohen's κ {:.3}", cli_kappa(&path));
    assert!(
        h.query_by_label_contains(&kappa).is_some(),
        "no \"{kappa}\" in the tab"
    );
    h.get_by_label("Types of support/Emotional/Connectedness")
        .click();
    h.run();
    h.get_by_label("P01").scroll_to_me();
    h.run();
    h.get_by_label("P01").click();
    h.run();
    assert!(h.query_by_label_contains("Disagreements in P01").is_some());
    // Ben coded 561–661 as Connectedness; ana did not.
    h.get_all_by_label("Accept ben's")
        .next()
        .unwrap()
        .scroll_to_me();
    h.run();
    h.get_all_by_label("Accept ben's").next().unwrap().click();
    h.run();
    let consensus = |path: &std::path::Path| -> Vec<(CharRange, String)> {
        let store = Store::open(path).unwrap();
        let r = store.read();
        let snap = r.snapshot().unwrap();
        let Some(c) = snap.coder_named("consensus") else {
            return vec![];
        };
        snap.segments
            .iter()
            .filter(|s| s.coder == c.id)
            .map(|s| (s.range, s.memo.clone()))
            .collect()
    };
    let got = consensus(&path);
    assert_eq!(
        got.len(),
        1,
        "{got:?} {:?} {}",
        h.state().error,
        h.state().status
    );
    assert!(got[0].1.starts_with("Consensus: ben's version"), "{got:?}");
    assert_eq!(got[0].0, CharRange::new(561, 661));
    assert!(h.query_by_label_contains("reconciled").is_some());
    // One undo takes the reconcile back.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert!(consensus(&path).is_empty());
    assert!(h.query_by_label_contains("reconciled").is_none());
    // "Neither" leaves no segment, and is remembered in the project.
    h.get_all_by_label("Accept neither").next().unwrap().click();
    h.run();
    assert!(consensus(&path).is_empty());
    let kept = h
        .state()
        .project
        .as_ref()
        .unwrap()
        .store
        .read()
        .decisions()
        .unwrap();
    assert_eq!(kept.values().collect::<Vec<_>>(), ["neither"]);
    h.state_mut().agreement.decided = None;
    h.run();
    assert!(h.query_by_label_contains("reconciled").is_some());
    // Opening a disagreement shows it in the transcript, stripes split by coder.
    h.get_all_by_label_contains("561–661")
        .next()
        .unwrap()
        .scroll_to_me();
    h.run();
    h.get_all_by_label_contains("561–661")
        .next()
        .unwrap()
        .click();
    h.run();
    h.run();
    let p = h.state().project.as_ref().unwrap();
    assert!(p.split_by_coder);
    let v = p.view.as_ref().unwrap();
    assert_eq!(v.selection.unwrap().range(), CharRange::new(561, 661));
    assert_eq!(h.state().tab, weft::ui::app::Tab::Coding);
}

/// Ana and ben's agreement report (characters, own segments, every code
/// and document), computed from the project read afresh.
fn ana_and_ben_afresh(project: &std::path::Path) -> weft::analysis::agreement::Report {
    use weft::analysis::agreement::{self, AgreementUnit, Include, Scope};
    let snap = Store::open(project).unwrap().read().snapshot().unwrap();
    let scope = Scope {
        coders: ["ana", "ben"]
            .map(|n| snap.coder_named(n).unwrap().id)
            .to_vec(),
        codes: None,
        documents: None,
        unit: AgreementUnit::Character,
        include: Include::Exact,
    };
    agreement::compute(&snap, &scope, &Default::default()).unwrap()
}

/// The Agreement tab's Cohen's kappa, as the tab shows it.
fn shown_kappa(h: &Harness<'_, WeftApp>) -> String {
    use egui_kittest::kittest::NodeT;
    let label = h.get_by_label_contains("Cohen's κ").accesskit_node();
    let text = label.value().unwrap_or_default();
    let at = text.find("Cohen's κ ").unwrap() + "Cohen's κ ".len();
    text[at..].split(',').next().unwrap().to_string()
}

#[test]
fn the_agreement_tab_takes_in_coding_done_since_without_computing_everything_again() {
    let (_dir, path, mut h) = demo_app();
    h.state_mut().settings.coder = "ana".into();
    h.get_by_label("Agreement").click();
    h.run();
    let before = shown_kappa(&h);
    assert_eq!(before, format!("{:.3}", cli_kappa(&path)));
    assert_eq!(h.state().agreement.computed, 1);
    // Ana codes the start of P03 on the Coding tab …
    h.get_by_label("Coding").click();
    h.run();
    h.get_by_label("P03").click();
    h.run();
    select_first_chars(&mut h, 300);
    click_code(&mut h, "Connectedness", false);
    assert!(has_segment(
        h.state(),
        "P03",
        "Types of support/Emotional/Connectedness",
        CharRange::new(0, 300)
    ));
    // … and the tab, shown again, has taken it in: the kappa the command
    // line computes from the file, and every row as a fresh computation.
    h.get_by_label("Agreement").click();
    h.run();
    let after = shown_kappa(&h);
    assert_ne!(after, before);
    assert_eq!(after, format!("{:.3}", cli_kappa(&path)));
    let fresh = |h: &Harness<'_, WeftApp>| {
        let (_, live) = h.state().agreement.report.as_ref().unwrap();
        assert_eq!(*live.report(), ana_and_ben_afresh(&path));
    };
    fresh(&h);
    // Undone with the tab shown, it is back as it was.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(shown_kappa(&h), before);
    fresh(&h);
    // Both changes were taken in without computing the report again.
    assert_eq!(h.state().agreement.computed, 1);
    // Other options compute it whole.
    h.get_by_label("unit").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "sentence").click();
    h.run();
    assert_eq!(h.state().agreement.computed, 2);
}

#[test]
fn a_large_scopes_agreement_is_computed_on_a_thread_behind_a_spinner() {
    let (_dir, path, mut h) = demo_app();
    // Every scope counts as large here.
    h.state_mut().agreement.background_from = 0;
    h.state_mut().tab = Tab::Agreement;
    h.step();
    // The tab's first frame draws at once, saying the report is on its way …
    assert!(
        h.query_by_label_contains("Computing the agreement")
            .is_some()
    );
    assert!(h.state().agreement.report.is_none());
    // … and shows it once its thread is done: the command line's kappa.
    assert!(step_until(&mut h, |app| app.agreement.pending.is_none()));
    h.run();
    assert!(
        h.query_by_label_contains("Computing the agreement")
            .is_none()
    );
    assert_eq!(shown_kappa(&h), format!("{:.3}", cli_kappa(&path)));
    // Sentences need the texts: they are read on the thread's own
    // connection, and the figures are the command line's for that unit.
    h.get_by_label("unit").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "sentence").click();
    h.run();
    assert!(step_until(&mut h, |app| app.agreement.pending.is_none()));
    h.run();
    assert_eq!(h.state().agreement.computed, 2);
    assert!(h.state().agreement.problem.is_none());
    let kappa = cli_kappa_with(&path, &["--unit", "sentence"]);
    assert_eq!(shown_kappa(&h), format!("{kappa:.3}"));
}

#[test]
fn coding_done_while_the_agreement_is_computed_is_taken_in_when_it_arrives() {
    use weft::ui::app::Command;
    let (_dir, path, mut h) = demo_app();
    h.state_mut().settings.coder = "ana".into();
    h.state_mut().agreement.background_from = 0;
    let (doc, code) = {
        let snap = &h.state().project.as_ref().unwrap().snap;
        let doc = snap.document_named("P03").unwrap().id;
        let code = snap
            .codes
            .find_path("Types of support/Emotional/Connectedness")
            .unwrap();
        (doc, code)
    };
    h.state_mut().tab = Tab::Agreement;
    // Ana codes three passages, one a frame, from the frame that starts
    // computing the report: whether each lands before or after the report
    // comes in, it is computed once and ends up with all three.
    for start in [0, 200, 400] {
        let range = CharRange::new(start, start + 100);
        let app = h.state_mut();
        app.queue.push(Command::OpenDocument(doc, Some(range)));
        app.queue.push(Command::ApplyCode(code));
        h.step();
    }
    assert!(step_until(&mut h, |a| a.agreement.pending.is_none()));
    h.run();
    assert_eq!(h.state().agreement.computed, 1);
    let (_, live) = h.state().agreement.report.as_ref().unwrap();
    assert_eq!(*live.report(), ana_and_ben_afresh(&path));
    assert_eq!(
        segments_of(&path, "P03", "Types of support/Emotional/Connectedness")
            .iter()
            .filter(|r| [0, 200, 400].contains(&r.start))
            .count(),
        3
    );
}

#[test]
fn merge_a_coders_copy_from_the_file_menu_and_hide_a_coder_from_the_view_menu() {
    let (dir, path, mut h) = demo_app();
    // A lead's copy went to cy, who coded one passage.
    let copy = dir.path().join("cy.weft");
    {
        let store = Store::open(&path).unwrap();
        let src = weft::edit::merge::Source::load(&store.read()).unwrap();
        let edit = weft::edit::merge::copy_of(&src, Some("cy")).unwrap();
        let (mut c, _) = Store::build(&copy, Some(&src.guid), |c| {
            c.change("Hand out", |_| Ok(edit))
        })
        .unwrap();
        c.set_coder("cy");
        c.change("code", |r| {
            let d = r.document_by_name("P02").unwrap().unwrap().id;
            Ok(weft::edit::ops::code_path_ranges(
                r,
                &[(d, CharRange::new(0, 30))],
                "Engagement",
                "cy",
                "",
            )?
            .0)
        })
        .unwrap();
    }
    let before = h.state().project.as_ref().unwrap().snap.segments.len();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Merge a coder's project…").click();
    h.run();
    h.get_by_role_and_label(
        Role::TextInput,
        "a coder's .weft copy, or a .qdpx from another Weft project; it is merged as one change (Ctrl+Z takes it back)",
    )
    .type_text(&copy.to_string_lossy());
    h.run();
    h.get_by_label("OK").click();
    h.run();
    assert!(h.query_by_label_contains("Segments: 1 new").is_some());
    assert_eq!(
        h.state().project.as_ref().unwrap().snap.segments.len(),
        before + 1
    );
    h.get_by_label("OK").click();
    h.run();
    // View → hide cy: cy's segment leaves the highlights.
    h.get_by_label("P02").click();
    h.run();
    let highlights = |h: &Harness<'_, WeftApp>| {
        h.state()
            .project
            .as_ref()
            .unwrap()
            .view
            .as_ref()
            .unwrap()
            .highlights_len()
    };
    let shown = highlights(&h);
    click_code(&mut h, "Engagement", false);
    assert!(h.query_all_by_label_contains("coded by cy").count() > 0);
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Show cy's coding").click();
    h.run();
    assert_eq!(highlights(&h), shown - 1);
    // … and from the retrieval list.
    h.run();
    assert_eq!(h.query_all_by_label_contains("coded by cy").count(), 0);
    // Edit → Coder… switches who is coding.
    h.get_by_label("Edit").click();
    h.run();
    h.get_by_label_contains("Coder…").click();
    h.run();
    let field = h.get_by_role_and_label(Role::TextInput, "Your name:");
    field.click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "Your name:")
        .type_text("dee");
    h.run();
    h.get_by_label("Code as this name").click();
    h.run();
    assert_eq!(h.state().settings.coder, "dee");
    assert!(h.query_by_label_contains("coder: dee").is_some());
}

#[test]
fn the_agreement_tab_scopes_codes_and_documents() {
    let (_dir, _path, mut h) = demo_app();
    h.get_by_label("Agreement").click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Documents:")
        .click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Documents:")
        .type_text("P01, p03");
    h.run();
    let units = |h: &Harness<'_, WeftApp>| {
        let (_, live) = h.state().agreement.report.as_ref().unwrap();
        live.report().overall[0].counts.unwrap().units
    };
    let snap = h.state().project.as_ref().unwrap().snap.clone();
    let chars: u64 = ["P01", "P03"]
        .iter()
        .map(|n| snap.document_named(n).unwrap().char_len as u64)
        .sum();
    let codes = snap.codes.codes().len() as u64;
    assert_eq!(
        units(&h),
        chars * codes,
        "{:?}",
        h.state().agreement.documents
    );
    h.get_by_role_and_label(Role::TextInput, "Codes containing:")
        .click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Codes containing:")
        .type_text("engagement/");
    h.run();
    let engagement = snap
        .codes
        .codes()
        .iter()
        .filter(|c| snap.codes.path(c.id).to_lowercase().contains("engagement/"))
        .count() as u64;
    assert_eq!(units(&h), chars * engagement);
    h.get_by_role_and_label(Role::TextInput, "Documents:")
        .click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Documents:")
        .type_text(", P99");
    h.run();
    assert!(h.query_by_label_contains("no document \"P99\"").is_some());
}

/// The steps of the tour that are done, by index.
fn tour_done(h: &Harness<'_, WeftApp>) -> Vec<usize> {
    (0..8)
        .filter(|&i| h.state().settings.tour.is_done(i))
        .collect()
}

#[test]
fn the_tour_ticks_off_each_step_only_when_the_user_does_it() {
    let (dir, _path, mut h) = demo_app();
    h.state_mut().data_dir = Some(dir.path().join("data"));
    h.get_by_label("Help").click();
    h.run();
    h.get_by_label("Tour").click();
    h.run();
    assert!(h.query_by_label("0 of 8 steps done").is_some());
    // Looking around does not count as doing.
    for tab in ["Participants", "Matrices", "Agreement", "Coding"] {
        h.get_by_label(tab).click();
        h.run();
    }
    click_code(&mut h, "Outcomes", false);
    assert_eq!(tour_done(&h), Vec::<usize>::new());

    // 1. Read a transcript: open one from the list.
    h.get_by_label("P03").click();
    h.run();
    assert_eq!(tour_done(&h), [0]);
    // 2. Select a passage and apply a code.
    select_first_chars(&mut h, 11);
    click_code(&mut h, "Outcomes", false);
    assert_eq!(tour_done(&h), [0, 1]);
    // 3. Write a memo on the code (saved when the field loses focus).
    let memo = h.get_by_role_and_label(Role::MultilineTextInput, "Code memo");
    memo.click();
    h.run();
    h.get_by_role_and_label(Role::MultilineTextInput, "Code memo")
        .type_text("Changes the parents name");
    h.run();
    h.key_press(Key::Escape);
    h.run();
    assert_eq!(tour_done(&h), [0, 1, 2]);
    // 4. A child code.
    click_code(&mut h, "Outcomes", true);
    h.get_by_label("Add child code…").click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Name:")
        .type_text("At home");
    h.run();
    h.get_by_label("Add").click();
    h.run();
    assert_eq!(tour_done(&h), [0, 1, 2, 3]);
    // 5. Merge two codes.
    click_code(&mut h, "Validation", true);
    h.get_by_label("Merge into…").click();
    h.run();
    h.get_by_label("Types of support/Emotional/Encouragement")
        .click();
    h.run();
    assert_eq!(tour_done(&h), [0, 1, 2, 3, 4]);
    // 6. A matrix against Phase; another attribute would not do.
    h.get_by_label("Matrices").click();
    h.run();
    h.get_by_label("Columns").click();
    h.run();
    h.get_by_label("Ethnicity").click();
    h.run();
    assert_eq!(tour_done(&h), [0, 1, 2, 3, 4]);
    h.get_by_label("Columns").click();
    h.run();
    h.get_by_label("Phase").click();
    h.run();
    assert_eq!(tour_done(&h), [0, 1, 2, 3, 4, 5]);
    // 7. Read a cell's quotes.
    h.get_by_label("Engagement × post").click();
    h.run();
    assert_eq!(tour_done(&h), [0, 1, 2, 3, 4, 5, 6]);
    // 8. Export it.
    h.state_mut()
        .queue
        .push(weft::ui::app::Command::ExportMatrix(
            dir.path().join("m.xlsx"),
        ));
    h.run();
    assert_eq!(tour_done(&h), [0, 1, 2, 3, 4, 5, 6, 7]);
    h.run();
    assert!(
        h.query_by_label("Every step done.").is_some(),
        "{:?}",
        h.state().error
    );
    // The end offers the practice project, which opens on its Practice tab.
    h.get_by_label("Open the practice project").click();
    h.run();
    h.run();
    let p = h.state().project.as_ref().unwrap();
    assert!(p.practice.is_some(), "{:?}", h.state().error);
    assert_eq!(h.state().tab, weft::ui::app::Tab::Practice);
    assert!(dir.path().join("data/practice.weft").is_file());
}

#[test]
fn the_tour_can_be_skipped_and_resumed_where_it_was() {
    let (_dir, _path, mut h) = demo_app();
    h.get_by_label("Help").click();
    h.run();
    h.get_by_label("Tour").click();
    h.run();
    h.get_by_label("P03").click();
    h.run();
    h.get_by_label("Skip the tour").click();
    h.run();
    assert!(h.query_by_label("Skip the tour").is_none());
    h.get_by_label("Help").click();
    h.run();
    h.get_by_label("Tour").click();
    h.run();
    assert!(h.query_by_label("1 of 8 steps done").is_some());
    assert!(h.query_by_label_contains("2. Select a passage").is_some());
}

#[test]
fn practice_mode_shows_agreed_missed_and_extra_with_the_libraries_figures() {
    use weft::analysis::agreement::{self, AgreementUnit, Include, RowKind, Scope};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practice.weft");
    weft::demo::write_practice(&path).unwrap();
    let mut app = WeftApp::with_settings(Settings {
        coder: "stu".into(),
        ..Default::default()
    });
    app.open_project(&path);
    let mut h = harness(app);
    h.run();
    assert_eq!(h.state().tab, weft::ui::app::Tab::Practice);
    // Blind: the expert's coding is nowhere to be seen.
    assert!(h.state().project.as_ref().unwrap().snap.segments.is_empty());
    let practice = h
        .state()
        .project
        .as_ref()
        .unwrap()
        .practice
        .clone()
        .unwrap();
    let snap = h.state().project.as_ref().unwrap().snap.clone();
    let p08 = snap.document_named("P08").unwrap().clone();
    let of_p08: Vec<_> = practice
        .answers
        .iter()
        .filter(|a| a.document_guid == p08.guid)
        .collect();
    let exact = of_p08[0];
    let exact_code = snap
        .codes
        .codes()
        .iter()
        .find(|c| c.guid == exact.code_guid)
        .unwrap()
        .name
        .clone();

    // Code one passage exactly as the expert did, and one the expert did not
    // (the first words of P08, as Outcomes); the rest are missed.
    h.get_by_label("Coding").click();
    h.run();
    h.get_by_label("P08").click();
    h.run();
    let select = |h: &mut Harness<'_, WeftApp>, range: CharRange| {
        let v = h
            .state_mut()
            .project
            .as_mut()
            .unwrap()
            .view
            .as_mut()
            .unwrap();
        v.selection = Some(weft::ui::transcript::Selection {
            anchor: range.start,
            cursor: range.end,
        });
        h.run();
    };
    select(&mut h, exact.range);
    click_code(&mut h, &exact_code, false);
    select_first_chars(&mut h, 11);
    click_code(&mut h, "Outcomes", false);

    h.get_by_label("Practice").click();
    h.run();
    h.get_by_label("Check my coding").click();
    h.run();
    let missed = of_p08.len() - 1;
    assert!(
        h.query_by_label(&format!(
            "Passages: 1 agreed, 0 partly agreed, {missed} missed, 1 extra"
        ))
        .is_some()
    );
    for verdict in ["agreed", "missed", "extra"] {
        assert!(h.query_all_by_label(verdict).count() >= 1, "{verdict}");
    }
    // The expert's reason is shown with the missed passages.
    let reason = &of_p08[1].reason;
    assert!(
        h.query_by_label(&format!("Why (Weft team): {reason}"))
            .is_some()
    );
    assert!(h.query_by_label_contains("P03 is not coded yet").is_some());

    // F1 and kappa are the agreement library's on the same data, where the
    // expert's coding is real segments of a coder of its own.
    let store = Store::open(&path).unwrap();
    let snap = store.read().snapshot().unwrap();
    let stu = snap.coder_named("stu").unwrap().id;
    let (both, expert) = weft::analysis::practice::with_expert(&snap, &practice);
    let scope = Scope {
        coders: vec![expert, stu],
        codes: None,
        documents: Some(vec![p08.id]),
        unit: AgreementUnit::Character,
        include: Include::Exact,
    };
    let reference = agreement::compute(&both, &scope, &Default::default()).unwrap();
    let (_, f) = h.state().practice.feedback.clone().unwrap();
    assert!(!f.by_code.is_empty());
    for c in &f.by_code {
        let want = reference
            .by_code
            .iter()
            .find(|r| r.kind == RowKind::Pooled && r.code == Some(c.code))
            .unwrap();
        assert_eq!(c.figures.f1, want.figures.f1);
        assert_eq!(c.figures.cohen_kappa, want.figures.cohen_kappa);
        if let Ok(k) = want.figures.cohen_kappa {
            let shown = format!("{:.2}", if k.abs() < 0.005 { 0.0 } else { k });
            assert!(h.query_all_by_label(&shown).next().is_some(), "{shown}");
        }
    }
    let exact_f1 = f
        .by_code
        .iter()
        .find(|c| snap.codes.get(c.code).unwrap().guid == exact.code_guid)
        .unwrap()
        .figures
        .f1;
    assert_eq!(exact_f1, Ok(1.0));

    // A passage opens the transcript there.
    let missed_passage = f
        .passages
        .iter()
        .find(|x| x.verdict == weft::analysis::practice::Verdict::Missed)
        .unwrap()
        .clone();
    h.get_by_label_contains(&format!("P08 · {}", snap.codes.path(missed_passage.code)))
        .click();
    h.run();
    h.run();
    let v = h.state().project.as_ref().unwrap().view.as_ref().unwrap();
    assert_eq!(v.document, missed_passage.document);
    assert_eq!(v.selection.unwrap().range(), missed_passage.range);
    assert_eq!(h.state().tab, weft::ui::app::Tab::Coding);
    // Try again hides the feedback.
    h.get_by_label("Practice").click();
    h.run();
    h.get_by_label("Try again").click();
    h.run();
    assert!(h.state().practice.feedback.is_none());
}

#[test]
fn codebook_parts_and_a_pinned_exemplar_survive_a_reopen() {
    let (_dir, path, mut h) = demo_app();
    click_code(&mut h, "Outcomes", false);
    for (label, text) in [
        ("Short definition:", "What changed"),
        ("When to use:", "The parent links a change to the mentor"),
        ("When not to use:", "Hopes for change"),
    ] {
        let role = if label == "Short definition:" {
            Role::TextInput
        } else {
            Role::MultilineTextInput
        };
        h.get_by_role_and_label(role, label).click();
        h.run();
        h.key_press_modifiers(Modifiers::COMMAND, Key::A);
        h.run();
        h.get_by_role_and_label(role, label).type_text(text);
        h.run();
        h.key_press(if role == Role::TextInput {
            Key::Enter
        } else {
            Key::Escape
        });
        h.run();
    }
    // Pin the first Outcomes passage of P01 from the right panel.
    let first = segments_of(&path, "P01", "Outcomes")[0];
    let seg = {
        let p = h.state().project.as_ref().unwrap();
        p.snap
            .segments
            .iter()
            .find(|s| s.range == first && p.snap.codes.path(s.code) == "Outcomes")
            .unwrap()
            .id
    };
    h.state_mut().project.as_mut().unwrap().selected_segment = Some(seg);
    h.run();
    h.get_by_label("Exemplar quote of its code").click();
    h.run();
    assert!(h.query_by_label("Exemplars (1):").is_some());
    drop(h);

    // Reopened: the parts are in their fields and the exemplar is listed.
    let mut app = WeftApp::with_settings(Settings {
        coder: "tester".into(),
        ..Default::default()
    });
    app.open_project(&path);
    let mut h = harness(app);
    h.run();
    click_code(&mut h, "Outcomes", false);
    assert_eq!(
        h.get_by_role_and_label(Role::TextInput, "Short definition:")
            .value()
            .as_deref(),
        Some("What changed")
    );
    assert_eq!(
        h.get_by_role_and_label(Role::MultilineTextInput, "When not to use:")
            .value()
            .as_deref(),
        Some("Hopes for change")
    );
    assert!(h.query_by_label("Exemplars (1):").is_some());
    let store = Store::open(&path).unwrap();
    let r = store.read();
    let code = r.code_tree().unwrap().find_path("Outcomes").unwrap();
    let c = r.code(code).unwrap().unwrap();
    assert_eq!(c.when_to_use, "The parent links a change to the mentor");
    assert_eq!(r.exemplars().unwrap()[&code][0].0, seg);
    // Undo takes each part back on its own: the last was the pin.
    drop(store);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert!(
        !Store::open(&path)
            .unwrap()
            .read()
            .exemplars()
            .unwrap()
            .contains_key(&code)
    );
}

#[test]
fn f1_lists_every_shortcut_and_help_explains_the_six_phases() {
    let (_dir, _path, mut h) = demo_app();
    h.key_press(Key::F1);
    h.run();
    for label in [
        "Undo",
        "Redo",
        "Quick code",
        "Code in vivo",
        "Find in document",
        "Keyboard shortcuts",
    ] {
        assert!(h.query_all_by_label(label).count() >= 1, "{label}");
    }
    assert!(
        h.query_by_label("Apply the code on that quick key to the selection")
            .is_some()
    );
    h.key_press(Key::Escape);
    h.run();
    h.get_by_label("Help").click();
    h.run();
    h.get_by_label("About thematic analysis").click();
    h.run();
    for phase in [
        "1. Familiarising yourself with the data",
        "2. Generating initial codes",
        "3. Searching for themes",
        "4. Reviewing themes",
        "5. Defining and naming themes",
        "6. Producing the report",
    ] {
        assert!(h.query_by_label(phase).is_some(), "{phase}");
    }
}

/// Runs frames until the window's job (if any) has finished.
fn wait_for_job(h: &mut Harness<'_, WeftApp>) {
    for _ in 0..1000 {
        if h.state().job.is_none() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        // A running job repaints for its progress bar, so frames never settle.
        h.step();
    }
    assert!(h.state().job.is_none(), "the job finished");
    h.run();
}

/// File, Report…: the kind is the dialog's default (findings once a matrix
/// is built), ids ticked if asked, the path typed, written, waited for.
fn report_from_the_menu(h: &mut Harness<'_, WeftApp>, file: &std::path::Path, ids: bool) {
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Report…").click();
    h.run();
    if ids {
        h.get_by_label("Participant ids instead of names (for confidentiality)")
            .click();
    }
    let field = "File (.docx or .html):";
    h.get_by_role_and_label(Role::TextInput, field).click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, field)
        .type_text(file.to_str().unwrap());
    h.run();
    h.get_by_label("Write report").click();
    h.step();
    wait_for_job(h);
}

#[test]
fn file_report_writes_the_codebook_and_the_findings() {
    let (dir, _path, mut h) = demo_app();
    let out = dir.path().join("book.docx");
    report_from_the_menu(&mut h, &out, false);
    assert!(h.state().error.is_none(), "{:?}", h.state().error);
    assert!(out.is_file());
    assert!(
        h.state().status.starts_with("Wrote Codebook: demo"),
        "{}",
        h.state().status
    );
    // Findings need a matrix: build one, then report it as HTML with ids.
    h.get_by_label("Matrices").click();
    h.run();
    h.get_by_label("Columns").click();
    h.run();
    h.get_by_label("Phase").click();
    h.run();
    let html = dir.path().join("findings.html");
    report_from_the_menu(&mut h, &html, true);
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("<h1>Findings: demo</h1>"), "{text:.200}");
    assert!(text.contains("Phase: post"));
    assert!(!text.contains("P07") && text.contains("Participant 7"));
}

/// Frames `h` until `done` holds, for at most ten seconds of wall time (a
/// bound for a stuck test, not a speed target).
fn step_until(h: &mut Harness<'_, WeftApp>, mut done: impl FnMut(&WeftApp) -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(10) {
        h.step();
        if done(h.state()) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

fn has_segment(app: &WeftApp, doc: &str, code: &str, range: CharRange) -> bool {
    let p = app.project.as_ref().unwrap();
    let Some(d) = p.snap.documents.iter().find(|d| d.name == doc) else {
        return false;
    };
    let Some(c) = p.snap.codes.find_path(code) else {
        return false;
    };
    p.snap
        .segments
        .iter()
        .any(|s| s.document == d.id && s.code == c && s.range == range)
}

/// The demo pushed to a fresh database on the test server: its URL (with
/// the directory that held the file, kept while the test runs).
fn demo_on_server(server: &common::pg::PgServer, hint: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.weft");
    weft::demo::write_demo(&path).unwrap();
    let url = server.fresh_socket_database(hint);
    weft::store::pg::push(&path, &weft::store::pg::Server::parse(&url).unwrap()).unwrap();
    (dir, url)
}

/// A window coding as `coder`.
fn window_as(coder: &str) -> WeftApp {
    WeftApp::with_settings(Settings {
        coder: coder.into(),
        ..Default::default()
    })
}

#[test]
fn a_team_members_coding_updates_the_agreement_tab_live() {
    let Some(server) = common::pg::server() else {
        return;
    };
    let (_dir, url) = demo_on_server(server, "agreement_live");
    let window = |coder: &str| {
        let mut app = window_as(coder);
        app.open_project(std::path::Path::new(&url));
        assert!(app.error.is_none(), "{:?}", app.error);
        harness(app)
    };
    // Ben compares ana and himself on the Agreement tab …
    let mut ben = window("ben");
    ben.run();
    ben.get_by_label("Agreement").click();
    ben.run();
    let before = shown_kappa(&ben);
    assert!(step_until(&mut ben, |a| a.project.as_ref().unwrap().rings >= 1));
    // … while ana codes the start of P03 in her window.
    let mut ana = window("ana");
    ana.run();
    ana.get_by_label("P03").click();
    ana.run();
    select_first_chars(&mut ana, 300);
    click_code(&mut ana, "Connectedness", false);
    let connectedness = "Types of support/Emotional/Connectedness";
    assert!(has_segment(
        ana.state(),
        "P03",
        connectedness,
        CharRange::new(0, 300)
    ));
    // Ben's tab takes her change in from the change log, without reading
    // the project again or computing the report whole …
    assert!(
        step_until(&mut ben, |a| has_segment(
            a,
            "P03",
            connectedness,
            CharRange::new(0, 300)
        )),
        "ana's segment never reached ben's window"
    );
    ben.run();
    assert_eq!(ben.state().project.as_ref().unwrap().loads, 1);
    assert_eq!(ben.state().agreement.computed, 1);
    // … and shows what the server's coding gives, computed afresh.
    let reference = ana_and_ben_afresh(std::path::Path::new(&url));
    let (_, live) = ben.state().agreement.report.as_ref().unwrap();
    assert_eq!(*live.report(), reference);
    let after = shown_kappa(&ben);
    assert_ne!(after, before);
    let kappa = reference.overall[0].figures.cohen_kappa.unwrap();
    assert_eq!(after, format!("{kappa:.3}"));
}

#[test]
fn two_windows_on_a_team_project_show_each_others_coding_live_without_a_reload() {
    let Some(server) = common::pg::server() else {
        return;
    };
    let (_dir, url) = demo_on_server(server, "windows");
    let window = |coder: &str| harness(window_as(coder));
    // Ana opens it from File → Open team project…
    let mut ana = window("ana");
    ana.run();
    ana.get_by_label("File").click();
    ana.run();
    ana.get_by_label("Open team project…").click();
    ana.run();
    let field = ana.get_by_role_and_label(Role::TextInput, "Server URL:");
    field.click();
    field.type_text(&url);
    ana.run();
    ana.get_by_role_and_label(Role::Button, "Open").click();
    ana.run();
    assert!(ana.state().error.is_none(), "{:?}", ana.state().error);
    assert!(ana.state().project.is_some(), "the team project opened");
    // Ben opens it too (from his recent list, say) and picks a code.
    let mut ben = window("ben");
    ben.state_mut().open_project(std::path::Path::new(&url));
    assert!(ben.state().error.is_none(), "{:?}", ben.state().error);
    ben.run();
    click_code(&mut ben, "Engagement", false);
    let picked = ben.state().project.as_ref().unwrap().selected_code;
    assert!(picked.is_some());
    // The status bar says who else is working.
    assert!(
        step_until(&mut ben, |a| a.project.as_ref().unwrap().others == ["ana"]),
        "ben's window does not show ana working"
    );
    assert!(ben.query_by_label_contains("also working: ana").is_some());

    // Ana codes the start of P03 as Outcomes, once ben's listener has
    // connected (it rings once then, to catch up).
    assert!(step_until(&mut ben, |a| a.project.as_ref().unwrap().rings >= 1));
    let rings_before = ben.state().project.as_ref().unwrap().rings;
    ana.get_by_label("P03").click();
    ana.run();
    select_first_chars(&mut ana, 11);
    click_code(&mut ana, "Outcomes", false);
    assert!(has_segment(
        ana.state(),
        "P03",
        "Outcomes",
        CharRange::new(0, 11)
    ));
    // Ben's window shows it once its listener rings: patched from the change
    // log, not reloaded, and his pick stays.
    assert!(
        step_until(&mut ben, |a| has_segment(
            a,
            "P03",
            "Outcomes",
            CharRange::new(0, 11)
        )),
        "ana's segment never reached ben's window"
    );
    ben.run();
    let p = ben.state().project.as_ref().unwrap();
    assert_eq!(p.loads, 1, "ben's window loaded the project again");
    // It came by the listener's ring (the log is also read every five
    // seconds without one, which would not count a ring).
    assert!(p.rings > rings_before, "the listener never rang");
    assert_eq!(p.selected_code, picked, "ben's pick was lost");
    assert!(ben.query_by_label_contains("Outcomes  6 · 6p").is_some());
    // And what ben's window holds is what the server holds.
    let fresh = Store::open(std::path::Path::new(&url))
        .unwrap()
        .read()
        .snapshot()
        .unwrap();
    assert!(
        p.snap == fresh,
        "ben's patched snapshot differs from a fresh load"
    );

    // Ana's undo takes back her segment in both windows; ben's undo does
    // not touch it (it is not his).
    ana.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    ana.run();
    assert!(!has_segment(
        ana.state(),
        "P03",
        "Outcomes",
        CharRange::new(0, 11)
    ));
    assert!(
        step_until(&mut ben, |a| !has_segment(
            a,
            "P03",
            "Outcomes",
            CharRange::new(0, 11)
        )),
        "ana's undo never reached ben's window"
    );
    ben.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    ben.run();
    assert!(
        ben.state().status.contains("Nothing to undo"),
        "{}",
        ben.state().status
    );
    assert_eq!(ben.state().project.as_ref().unwrap().loads, 1);

    // Ben's connections drop (the network, a server restart): his window
    // connects again and catches up from the log with what came meanwhile.
    let db = url.rsplit('/').next().unwrap();
    server.psql(
        "postgres",
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = '{db}' AND application_name IN ('weft:ben', 'weft-listener')"
        ),
    );
    select_first_chars(&mut ana, 7);
    click_code(&mut ana, "Outcomes", false);
    assert!(
        step_until(&mut ben, |a| has_segment(
            a,
            "P03",
            "Outcomes",
            CharRange::new(0, 7)
        )),
        "after losing its connection, ben's window never caught up"
    );
    assert!(ben.state().error.is_none(), "{:?}", ben.state().error);
}

/// A large project's coding is read on its own thread behind the first
/// frame (forced here on the demo): the window shows the documents and the
/// codes at once, a change asked for meanwhile waits and writes nothing, and
/// once the coding is in, the window shows and does what it does with a
/// project read at once.
#[test]
fn a_large_projects_coding_comes_in_behind_the_first_frame_and_changes_wait_for_it() {
    let (_dir, path, mut app) = demo_project();
    let fresh = Store::open(&path).unwrap().read().snapshot().unwrap();
    app.load_in_background_from = 0;
    app.open_project(&path);
    assert!(app.error.is_none(), "{:?}", app.error);
    let p = app.project.as_ref().unwrap();
    assert!(p.is_loading(), "read behind the first frame");
    assert!(p.snap.segments.is_empty());
    assert_eq!(p.snap.documents, fresh.documents);
    assert_eq!(p.snap.codes, fresh.codes);
    assert!(p.view.is_some(), "the first document is shown at once");
    assert!(!fresh.values.is_empty());
    assert!(
        p.snap.values.is_empty(),
        "the values come in with the coding"
    );

    let outcomes = fresh.codes.find_path("Outcomes").unwrap();
    app.queue.push(weft::ui::app::Command::Change(
        "Rename code".into(),
        Box::new(move |r| weft::edit::ops::rename_code(r, outcomes, "Changes")),
    ));
    // A document asked for after the change waits too, so the two run in
    // the order asked; one asked for alone is shown at once.
    let second = fresh.documents[1].id;
    app.queue
        .push(weft::ui::app::Command::OpenDocument(second, None));
    app.run_commands(&egui::Context::default());
    assert_eq!(app.queue.len(), 2, "the change and what follows it wait");
    let held = app.queue.remove(0);
    app.run_commands(&egui::Context::default());
    assert!(app.queue.is_empty(), "a document alone is shown at once");
    assert_eq!(shown(&app), second);
    app.queue.push(held);
    app.run_commands(&egui::Context::default());
    assert_eq!(app.queue.len(), 1, "the change waits for the coding");
    let tree = Store::open(&path).unwrap().read().code_tree().unwrap();
    assert!(tree.find_path("Outcomes").is_some(), "nothing written yet");

    // The participants' grid waits for their values, which come with the
    // coding: its first frame says so (the reading starts as it ends).
    app.tab = Tab::Participants;
    let texts = first_frame_texts(&mut app);
    assert!(
        texts.iter().any(|t| t.starts_with("Reading the coding")),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t == "Age (number)"), "no grid yet");
    let mut h = harness(app);
    for _ in 0..500 {
        if !h.state().project.as_ref().unwrap().is_loading() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        h.run();
    }
    h.state_mut().tab = Tab::Coding;
    h.run();
    let app = h.state();
    assert!(app.error.is_none(), "{:?}", app.error);
    let p = app.project.as_ref().unwrap();
    assert!(!p.is_loading(), "the coding came in");
    assert!(app.queue.is_empty(), "the waiting change ran");
    let now = Store::open(&path).unwrap().read().snapshot().unwrap();
    assert!(now.codes.find_path("Changes").is_some(), "renamed");
    assert_eq!(p.snap, now, "the window's snapshot is the file's");
    assert_eq!(p.snap.segments, fresh.segments);

    // The tree shows the counts the coding gives.
    let code = fresh
        .codes
        .find_path("Types of support/Emotional/Encouragement")
        .unwrap();
    let stats = fresh.code_stats[&code];
    let label = format!(
        "Encouragement  {} · {}p",
        stats.segments, stats.participants
    );
    h.get_by_label_contains(&label).scroll_to_me();
    h.run();
    h.get_by_label_contains(&label);
}

/// A frame's input for a window of 1400 × 900 points, at `time` if given.
fn window_input(time: Option<f64>) -> egui::RawInput {
    egui::RawInput {
        time,
        screen_rect: Some(egui::Rect::from_min_size(
            egui::pos2(0.0, 0.0),
            egui::vec2(1400.0, 900.0),
        )),
        ..Default::default()
    }
}

/// The labels and texts of one frame of the whole window, drawn on a plain
/// context (a harness draws several frames at once).
fn first_frame_texts(app: &mut WeftApp) -> Vec<String> {
    let ctx = egui::Context::default();
    ctx.enable_accesskit();
    let mut out = ctx.run_ui(window_input(None), |ui| app.ui(ui));
    out.textures_delta.clear();
    let update = out
        .platform_output
        .accesskit_update
        .expect("accesskit is on");
    update
        .nodes
        .iter()
        .flat_map(|(_, n)| [n.label(), n.value()])
        .flatten()
        .map(String::from)
        .collect()
}

/// One frame of the whole window on a plain context, as the window's main
/// thread runs it: how long until egui is asked to draw again.
fn frame_and_next_wake(ctx: &egui::Context, app: &mut WeftApp) -> std::time::Duration {
    // The clock moves, so that animations (a scroll bar fading in) end.
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let now = START.get_or_init(std::time::Instant::now).elapsed();
    let mut out = ctx.run_ui(window_input(Some(now.as_secs_f64())), |ui| app.ui(ui));
    out.textures_delta.clear();
    app.run_commands(ctx);
    out.viewport_output[&egui::ViewportId::ROOT].repaint_delay
}

/// An idle window asks for no frame at all once the log is copied back a
/// second after opening; another connection's commit wakes it (its watcher
/// looks at the file's data version on a thread of its own), and the next
/// frame shows the change.
#[test]
fn an_idle_window_draws_nothing_until_another_connection_writes() {
    let (_dir, path, mut app) = demo_project();
    app.open_project(&path);
    let ctx = egui::Context::default();
    let first = frame_and_next_wake(&ctx, &mut app);
    assert!(
        first <= std::time::Duration::from_secs(1),
        "woken for the copy back ({first:?})"
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for _ in 0..3 {
        frame_and_next_wake(&ctx, &mut app);
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let idle = frame_and_next_wake(&ctx, &mut app);
    assert_eq!(
        idle,
        std::time::Duration::MAX,
        "an idle window asks for no frame: {:?}",
        ctx.repaint_causes()
    );
    assert!(!ctx.has_requested_repaint());

    let mut other = Store::open(&path).unwrap();
    other
        .change("Add code", |r| {
            Ok(weft::edit::ops::add_code(r, None, "From a terminal", None, "")?.0)
        })
        .unwrap();
    let waited = std::time::Instant::now();
    while !ctx.has_requested_repaint() && waited.elapsed() < std::time::Duration::from_secs(5) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(ctx.has_requested_repaint(), "the commit woke the window");
    frame_and_next_wake(&ctx, &mut app);
    let p = app.project.as_ref().unwrap();
    assert!(p.snap.codes.find_path("From a terminal").is_some());
    assert!(
        app.status.contains("changes made elsewhere"),
        "{}",
        app.status
    );
}
