//! Every edit forwards and backwards: apply it, undo it through the library's
//! inverse, and check the project is exactly as before; redo it and check it is
//! exactly as after. The window's undo uses the same path.

use std::collections::HashMap;
use std::path::Path;

use weft::edit::Edit;
use weft::edit::ops::{self, MemoTarget, find_code};
use weft::import::{parse_codebook, parse_participants, parse_transcript};
use weft::model::{AttributeKind, CharRange, ProjectSnapshot};
use weft::store::{Reader, Store};

mod common;

/// Where a test's project lives: every test here runs on both.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    File,
    Server,
}

/// The project file at `path` on `backend`: the file itself, or a copy
/// pushed to a fresh database on the test server (`None` when PostgreSQL is
/// not installed and not required: the test is then skipped).
fn on(backend: Backend, path: &Path) -> Option<Store> {
    match backend {
        Backend::File => Some(Store::open(path).unwrap()),
        Backend::Server => {
            let server = common::pg::server()?;
            let url = server.fresh_socket_database("edits");
            let target = weft::store::pg::Server::parse(&url).unwrap();
            weft::store::pg::push(path, &target).unwrap();
            Some(Store::open(Path::new(&url)).unwrap())
        }
    }
}

fn demo(backend: Backend) -> Option<(tempfile::TempDir, Store)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.weft");
    weft::demo::write_demo(&path).unwrap();
    let store = on(backend, &path)?;
    Some((dir, store))
}

/// `#[test]`s that run one check on a file and on a server.
macro_rules! on_both {
    ($($check:ident => $file:ident, $server:ident;)*) => {
        $(
            #[test]
            fn $file() {
                $check(Backend::File);
            }
            #[test]
            fn $server() {
                $check(Backend::Server);
            }
        )*
    };
}

on_both! {
    codebook_edits => codebook_edits_undo_exactly, codebook_edits_undo_exactly_on_a_server;
    coding_edits => coding_edits_undo_exactly, coding_edits_undo_exactly_on_a_server;
    import_edits => import_edits_undo_exactly, import_edits_undo_exactly_on_a_server;
    generated_project => patched_snapshots_equal_fresh_loads_on_a_generated_project,
        patched_snapshots_equal_fresh_loads_on_a_generated_server_project;
    failed_change => a_failed_change_leaves_nothing_behind,
        a_failed_change_leaves_nothing_behind_on_a_server;
}

/// Checks that `snap`, patched with the edit just applied, equals a snapshot
/// loaded fresh from the file.
fn patched_equals_fresh(snap: &mut ProjectSnapshot, applied: &Edit, store: &Store, what: &str) {
    snap.patch(applied);
    let fresh = store.read().snapshot().unwrap();
    assert!(
        *snap == fresh,
        "{what}: the patched snapshot differs from a fresh load"
    );
}

/// Makes a change, then checks undo restores the dump before and redo the dump
/// after; at each step a snapshot patched from the edit equals a fresh load.
fn round_trip(
    store: &mut Store,
    label: &str,
    build: impl FnOnce(&Reader<'_>) -> weft::Result<Edit>,
) {
    let before = store.read().dump().unwrap();
    let mut snap = store.read().snapshot().unwrap();
    let applied = store
        .change_applied(label, build)
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    patched_equals_fresh(&mut snap, &applied.forward, store, label);
    let after = store.read().dump().unwrap();
    assert!(before != after, "{label} changed nothing");
    let (undone, edit) = store.undo_applied().unwrap().unwrap();
    assert_eq!(undone, label);
    patched_equals_fresh(&mut snap, &edit, store, &format!("undo of {label}"));
    assert_eq!(store.read().dump().unwrap(), before, "undo of {label}");
    let (redone, edit) = store.redo_applied().unwrap().unwrap();
    assert_eq!(redone, label);
    patched_equals_fresh(&mut snap, &edit, store, &format!("redo of {label}"));
    assert_eq!(store.read().dump().unwrap(), after, "redo of {label}");
    // The history survives closing and reopening the project.
    let path = store.path().to_path_buf();
    *store = Store::open(&path).unwrap();
    assert_eq!(store.undo().unwrap().as_deref(), Some(label));
    assert_eq!(
        store.read().dump().unwrap(),
        before,
        "undo of {label} after reopening"
    );
    store.redo().unwrap();
}

fn code(r: &Reader<'_>, path: &str) -> weft::model::CodeId {
    find_code(&r.code_tree().unwrap(), path).unwrap()
}

fn codebook_edits(backend: Backend) {
    let Some((_dir, mut s)) = demo(backend) else {
        return;
    };
    round_trip(&mut s, "Add code", |r| {
        ops::add_code_path(r, "New/Deeper/Leaf", Some("#123456"), "def")
    });
    round_trip(&mut s, "Add child", |r| {
        ops::add_code(r, Some(code(r, "Outcomes")), "At home", None, "").map(|e| e.0)
    });
    round_trip(&mut s, "Rename", |r| {
        ops::rename_code(r, code(r, "Engagement/Barriers"), "Obstacles")
    });
    round_trip(&mut s, "Describe", |r| {
        ops::update_code(r, code(r, "Outcomes"), |c| {
            c.description = "changed".into();
            c.color = "#abcdef".into();
        })
    });
    round_trip(&mut s, "Codebook parts", |r| {
        ops::update_code(r, code(r, "Outcomes"), |c| {
            c.short_definition = "What changed".into();
            c.when_to_use = "A change the parent links to the mentor".into();
            c.when_not_to_use = "Hopes".into();
        })
    });
    round_trip(&mut s, "Move", |r| {
        ops::move_code(
            r,
            code(r, "Types of support/Advocacy"),
            Some(code(r, "Engagement")),
        )
    });
    round_trip(&mut s, "Move to top", |r| {
        ops::move_code(r, code(r, "Types of support/Concrete"), None)
    });
    round_trip(&mut s, "Merge", |r| {
        ops::merge_codes(
            r,
            code(r, "Types of support/Emotional/Validation"),
            code(r, "Types of support/Emotional/Connectedness"),
        )
    });
    round_trip(&mut s, "Merge a parent", |r| {
        ops::merge_codes(
            r,
            code(r, "Types of support/Informational"),
            code(r, "Types of support/Instructional"),
        )
    });
    round_trip(&mut s, "Delete", |r| {
        ops::delete_code(r, code(r, "Engagement"), true)
    });
    let path = Path::new("book.csv");
    let entries = parse_codebook(
        path,
        "path,description,color\nOutcomes,new def,#000000\nZ/Y,,\n",
    )
    .unwrap();
    round_trip(&mut s, "Import codebook", |r| {
        ops::import_codebook(r, path, &entries)
    });
}

fn coding_edits(backend: Backend) {
    let Some((_dir, mut s)) = demo(backend) else {
        return;
    };
    let doc = s.read().document_by_name("P03").unwrap().unwrap().id;
    round_trip(&mut s, "Apply code", |r| {
        ops::code_path_ranges(
            r,
            &[(doc, CharRange::new(5, 40))],
            "Brand/New",
            "carol",
            "memo",
        )
        .map(|e| e.0)
    });
    let some: Vec<_> = s
        .read()
        .segments()
        .unwrap()
        .iter()
        .take(5)
        .map(|x| x.id)
        .collect();
    round_trip(&mut s, "Recode", |r| {
        ops::recode_segments(r, &some, code(r, "Outcomes"))
    });
    round_trip(&mut s, "Remove coding", |_| {
        Ok(Edit::DeleteSegments(some[2..4].to_vec()))
    });
    let seg = s.read().segments().unwrap()[0].id;
    for (label, target) in [
        ("Project memo", MemoTarget::Project),
        ("Document memo", MemoTarget::Document(doc)),
        ("Segment memo", MemoTarget::Segment(seg)),
    ] {
        round_trip(&mut s, label, |r| ops::set_memo(r, target, "a memo ✍"));
    }
    let unpinned = s
        .read()
        .segments()
        .unwrap()
        .into_iter()
        .find(|x| !x.exemplar)
        .unwrap()
        .id;
    round_trip(&mut s, "Pin exemplar", |r| {
        ops::set_exemplar(r, unpinned, true)
    });
    let practice = weft::model::Practice {
        expert: "ana".into(),
        answers: vec![weft::model::PracticeAnswer {
            document_guid: "d".into(),
            code_guid: "c".into(),
            range: CharRange::new(1, 4),
            reason: "why".into(),
        }],
    };
    round_trip(&mut s, "Make practice", move |_| {
        Ok(Edit::SetPractice(Some(practice)))
    });
    let p = s.read().participant_by_name("P07").unwrap().unwrap().id;
    let concrete = code(&s.read(), "Types of support/Concrete");
    round_trip(&mut s, "Summary", move |_| {
        Ok(Edit::SetSummary {
            participant: p,
            code: concrete,
            text: Some("a summary".into()),
        })
    });
    // Deleting or merging a code carries its summaries along, and undoes exactly.
    round_trip(&mut s, "Merge with summary", |r| {
        ops::merge_codes(r, concrete, code(r, "Types of support/Advocacy"))
    });
    round_trip(&mut s, "Delete with summary", |r| {
        ops::delete_code(r, code(r, "Types of support"), true)
    });
    let re = weft::analysis::search::build_pattern("mentor", false, true).unwrap();
    round_trip(&mut s, "Autocode", |r| {
        let mut ranges = Vec::new();
        for d in r.documents()? {
            let hits = weft::analysis::search::find_hits(
                &r.document_text(d.id)?,
                &r.turns(d.id)?,
                &re,
                weft::analysis::search::Unit::Sentence,
                None,
            );
            ranges.extend(hits.into_iter().map(|h| (d.id, h)));
        }
        ops::code_path_ranges(r, &ranges, "Auto/Mentor", "auto", "").map(|e| e.0)
    });
}

fn import_edits(backend: Backend) {
    let Some((_dir, mut s)) = demo(backend) else {
        return;
    };
    let docs = vec![
        parse_transcript(
            Path::new("N1.txt"),
            "Q: Hola?\nN1: Sí 😀\n".as_bytes(),
            None,
        )
        .unwrap(),
        parse_transcript(Path::new("P01b.txt"), b"P01: more\n", None).unwrap(),
    ];
    round_trip(&mut s, "Import transcripts", |r| {
        ops::import_documents(r, docs)
    });
    let sheet = parse_participants(
        Path::new("p.csv"),
        "id,Phase,Score,Site\nP01,post,3,North\nN1,pre,4,South\nX9,pre,,East\n",
        &HashMap::from([("Score".to_string(), AttributeKind::Number)]),
    )
    .unwrap();
    round_trip(&mut s, "Import participants", |r| {
        ops::import_participants(
            r,
            &sheet,
            &ops::ParticipantImportOptions {
                create_missing: true,
            },
        )
    });
    let p = s.read().participant_by_name("P02").unwrap().unwrap().id;
    round_trip(&mut s, "Add attribute", |r| {
        ops::add_attribute(r, "Region", AttributeKind::Text).map(|e| e.0)
    });
    let age = s
        .read()
        .attributes()
        .unwrap()
        .into_iter()
        .find(|a| a.name == "Age")
        .unwrap()
        .id;
    round_trip(&mut s, "Edit value", |r| ops::set_value(r, p, age, "35"));
    round_trip(&mut s, "Clear value", |r| ops::set_value(r, p, age, ""));
    round_trip(&mut s, "Rename participant", |_| {
        Ok(Edit::RenameParticipant {
            id: p,
            name: "P02x".into(),
        })
    });
    // Removing a document with its coding, as one edit.
    let d = s.read().document_by_name("P04").unwrap().unwrap().id;
    round_trip(&mut s, "Remove document", |r| {
        let segs = r
            .segments_of_document(d)?
            .into_iter()
            .map(|x| x.id)
            .collect();
        Ok(Edit::Batch(vec![
            Edit::DeleteSegments(segs),
            Edit::DeleteDocuments(vec![d]),
        ]))
    });
    round_trip(&mut s, "Delete document", |r| {
        ops::delete_document(r, "P02").map(|(e, _, _)| e)
    });
}

/// The same checks on a generated project bigger than the demo: many
/// documents, overlapping segments by several coders, a sheet, merges.
fn generated_project(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    Store::create(&dir.path().join("gen.weft")).unwrap();
    let Some(mut s) = on(backend, &dir.path().join("gen.weft")) else {
        return;
    };
    let words = [
        "mentor", "court", "she", "helped", "housing", "the", "and", "judge",
    ];
    let mut seed = 11u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let docs: Vec<_> = (0..30)
        .map(|i| {
            let text: String = (0..40)
                .map(|t| {
                    let who = if t % 2 == 0 {
                        "Interviewer".to_string()
                    } else {
                        format!("G{i:02}")
                    };
                    let line: Vec<&str> = (0..25).map(|_| words[next() % words.len()]).collect();
                    format!("{who}: {}.\n", line.join(" "))
                })
                .collect();
            parse_transcript(Path::new(&format!("G{i:02}.txt")), text.as_bytes(), None).unwrap()
        })
        .collect();
    round_trip(&mut s, "Import transcripts", |r| {
        ops::import_documents(r, docs)
    });
    for (coder, pattern, code) in [
        ("ana", "mentor", "Support/Mentor"),
        ("ben", "judge", "Court/Judge"),
        ("ana", "housing", "Support/Housing"),
        ("ben", "mentor", "Support/Mentor"),
    ] {
        round_trip(&mut s, "Autocode", |r| {
            let re = weft::analysis::search::build_pattern(pattern, true, false)?;
            let mut ranges = Vec::new();
            for d in r.documents()? {
                let text = r.document_text(d.id)?;
                let turns = r.turns(d.id)?;
                for h in weft::analysis::search::find_hits(
                    &text,
                    &turns,
                    &re,
                    weft::analysis::search::Unit::Sentence,
                    None,
                ) {
                    ranges.push((d.id, h));
                }
            }
            ops::code_path_ranges(r, &ranges, code, coder, "").map(|e| e.0)
        });
    }
    let sheet_text: String = std::iter::once("Participant,Group,Age\n".to_string())
        .chain((0..30).map(|i| format!("G{i:02},{},{}\n", ["a", "b"][i % 2], 20 + i)))
        .collect();
    let sheet = parse_participants(Path::new("g.csv"), &sheet_text, &HashMap::new()).unwrap();
    round_trip(&mut s, "Import participants", |r| {
        ops::import_participants(r, &sheet, &Default::default())
    });
    round_trip(&mut s, "Merge", |r| {
        ops::merge_codes(r, code(r, "Support/Housing"), code(r, "Support/Mentor"))
    });
    round_trip(&mut s, "Move", |r| {
        ops::move_code(r, code(r, "Court/Judge"), Some(code(r, "Support")))
    });
    round_trip(&mut s, "Delete", |r| {
        ops::delete_code(r, code(r, "Support/Judge"), true)
    });
    round_trip(&mut s, "Delete document", |r| {
        ops::delete_document(r, "G07").map(|(e, _, _)| e)
    });
    round_trip(&mut s, "Remove a few", |r| {
        let ids = r.segments()?.into_iter().step_by(7).map(|x| x.id).collect();
        Ok(Edit::DeleteSegments(ids))
    });
}

fn failed_change(backend: Backend) {
    let Some((_dir, mut s)) = demo(backend) else {
        return;
    };
    let before = s.read().dump().unwrap();
    // The second half of this batch fails (duplicate sibling name) after the first half applied.
    let err = s
        .change("Bad", |r| {
            let (a, _) = ops::add_code(r, None, "Fresh", None, "")?;
            let rename = ops::rename_code(r, code(r, "Outcomes"), "Engagement")?;
            Ok(Edit::Batch(vec![a, rename]))
        })
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(s.read().dump().unwrap(), before);
    assert_eq!(s.history().unwrap().0.len(), 0, "nothing recorded");
}

#[test]
fn a_project_made_by_the_first_schema_opens_and_upgrades() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.weft");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "application_id", weft::store::APPLICATION_ID)
            .unwrap();
        weft::store::migrations::migrate_to(&c, 1).unwrap();
        c.execute_batch(
            "INSERT INTO project VALUES (1, 'old', 'g0', '2020-01-01T00:00:00Z', 'memo');
             INSERT INTO participant VALUES (1, 'g1', 'P1');
             INSERT INTO document VALUES (1, 'g2', 'D1', 1, 'P1: hi there', 12, 'D1.txt', 'UTF-8', '2020-01-01T00:00:00Z', '');
             INSERT INTO code VALUES (1, 'g3', NULL, 'C', '#ff0000', '', 0, '');
             INSERT INTO coder VALUES (1, 'g4', 'old coder');
             INSERT INTO segment VALUES (1, 'g5', 1, 1, 4, 6, 1, '2020-01-01T00:00:00Z', '');",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    let v: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, weft::store::migrations::latest_version());
    let segs = store.read().segments().unwrap();
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].range, CharRange::new(4, 6));
    // The text moved to its own table (schema 5) and reads back whole.
    let d = store.read().document_by_name("D1").unwrap().unwrap();
    assert_eq!(store.read().document_text(d.id).unwrap(), "P1: hi there");
    assert_eq!(d.char_len, 12);
    assert_eq!(
        store.read().quotes(&[segs[0].id]).unwrap()[&segs[0].id],
        "hi"
    );
    // And the upgraded project takes changes with undo.
    store
        .change("Rename", |r| ops::rename_code(r, code(r, "C"), "D"))
        .unwrap();
    assert_eq!(store.undo().unwrap().as_deref(), Some("Rename"));
}

/// The window copies the write-ahead log back into the file between changes
/// (not at each commit): after `checkpoint_when_idle`, the main file alone
/// holds the change (read with `immutable=1`, which ignores the log).
#[test]
fn deferred_checkpoints_still_reach_the_project_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.weft");
    let mut store = Store::create(&path).unwrap();
    store.defer_checkpoints().unwrap();
    let text: String = "We met every week at the centre and talked. ".repeat(130_000);
    let doc = weft::import::ParsedDocument {
        name: "Long".into(),
        participant: "Long".into(),
        source_file: "Long.txt".into(),
        encoding: "utf-8".into(),
        text,
        turns: vec![],
        cue_times: vec![],
        notices: vec![],
    };
    store
        .change("import", |r| ops::import_documents(r, vec![doc]))
        .unwrap();
    let mut wal = path.clone().into_os_string();
    wal.push("-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 4 << 20);
    let in_file = || {
        let uri = format!("file:{}?immutable=1", path.display());
        let c = rusqlite::Connection::open_with_flags(
            uri,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
        )
        .unwrap();
        c.query_row("SELECT count(*) FROM document", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    assert_eq!(in_file(), 0, "still only in the log");
    store.checkpoint_when_idle().unwrap();
    assert_eq!(in_file(), 1);
}
