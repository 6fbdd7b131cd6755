//! A kill at any moment loses at most the change in flight, and two writers at
//! once lose nothing.

mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

use common::{Lcg, Sandbox};
use weft::store::Store;

/// Writes `n` transcripts of about 40 KB each, named with `prefix`.
fn write_corpus(s: &Sandbox, prefix: &str, n: usize) -> Vec<String> {
    let turn = "P: I went to the meeting and she was there with me, which mattered a lot to me. ";
    let body: String = (0..500)
        .map(|i| format!("Interviewer: Question {i}?\n{turn}\n"))
        .collect();
    (0..n)
        .map(|i| {
            let name = format!("{prefix}{i:03}.txt");
            s.write(&name, &body);
            name
        })
        .collect()
}

fn import_command(s: &Sandbox, project: &str, files: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_weft"));
    c.arg("import")
        .arg(project)
        .args(files)
        .current_dir(s.dir.path());
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

fn integrity_ok(path: &std::path::Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    let r: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(r, "ok");
}

#[test]
fn killing_an_import_leaves_all_or_nothing() {
    let s = Sandbox::new();
    let files = write_corpus(&s, "K", 120);
    s.ok(&["new", "timing.weft"]);
    let t0 = Instant::now();
    assert!(
        import_command(&s, "timing.weft", &files)
            .status()
            .unwrap()
            .success()
    );
    let full = t0.elapsed();

    s.ok(&["new", "p.weft"]);
    let path = s.path("p.weft");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Lcg(seed);
    let (mut none, mut all) = (0, 0);
    for round in 0..24 {
        let mut child = import_command(&s, "p.weft", &files).spawn().unwrap();
        // Anywhere from before the first read to just after the commit.
        let wait = full.mul_f64((rng.next() % 1000) as f64 / 850.0);
        std::thread::sleep(wait);
        let _ = child.kill();
        let _ = child.wait();
        integrity_ok(&path);
        let mut store =
            Store::open(&path).unwrap_or_else(|e| panic!("round {round} (seed {seed}): {e}"));
        let n = store.read().counts().unwrap().documents;
        match n {
            0 => none += 1,
            n if n == files.len() => {
                all += 1;
                // Put the project back for the next round.
                store.undo().unwrap();
                assert_eq!(store.read().counts().unwrap().documents, 0);
            }
            n => panic!(
                "round {round} (seed {seed}): {n} of {} documents: a half-written import",
                files.len()
            ),
        }
    }
    eprintln!(
        "kill test: {none} rounds left nothing, {all} left everything (full import {full:?})"
    );
    assert!(
        none > 0,
        "no kill landed before the commit; the test proved nothing"
    );
}

#[test]
fn two_writers_at_once_lose_nothing() {
    let s = Sandbox::new();
    let a = write_corpus(&s, "A", 60);
    let b = write_corpus(&s, "B", 60);
    s.ok(&["new", "p.weft"]);
    let first = import_command(&s, "p.weft", &a).spawn().unwrap();
    let second = import_command(&s, "p.weft", &b).spawn().unwrap();
    let mut expected = 0;
    for (child, n) in [(first, a.len()), (second, b.len())] {
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            expected += n;
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("busy"),
                "a writer failed for another reason: {err}"
            );
        }
    }
    assert!(expected > 0);
    integrity_ok(&s.path("p.weft"));
    let store = Store::open(&s.path("p.weft")).unwrap();
    assert_eq!(store.read().counts().unwrap().documents, expected);
    // Both imports are recorded, each as its own undo entry.
    assert_eq!(store.history().unwrap().0.len(), expected / 60);
}

/// What a killed command left behind.
#[derive(Debug, PartialEq, Eq)]
enum Left {
    /// The project as it was before (or, for a new project, no file).
    Before,
    /// The whole change.
    After,
}

fn weft(s: &Sandbox, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_weft"));
    c.args(args)
        .current_dir(s.dir.path())
        .env("WEFT_CODER", "tester")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Runs `args` 20 times, each killed at a random moment from its start to a
/// little after it would have finished, and asks `judge` what each kill left.
/// `judge` also puts things back for the next round. Returns how many rounds
/// left the state before and after.
fn kill_at_random(
    s: &Sandbox,
    args: &[&str],
    mut judge: impl FnMut(usize, u64) -> Left,
) -> (usize, usize) {
    let t0 = Instant::now();
    assert!(weft(s, args).status().unwrap().success(), "{args:?} failed");
    let full = t0.elapsed();
    assert_eq!(judge(usize::MAX, 0), Left::After, "{args:?} did not finish");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Lcg(seed);
    let (mut before, mut after) = (0, 0);
    for round in 0..20 {
        let mut child = weft(s, args).spawn().unwrap();
        std::thread::sleep(full.mul_f64((rng.next() % 1000) as f64 / 850.0));
        let _ = child.kill();
        let _ = child.wait();
        match judge(round, seed) {
            Left::Before => before += 1,
            Left::After => after += 1,
        }
    }
    eprintln!("{args:?}: {before} kills left it before, {after} after (full run {full:?})");
    (before, after)
}

/// Integrity and foreign keys are fine.
fn sound(path: &std::path::Path) {
    integrity_ok(path);
    let c = rusqlite::Connection::open(path).unwrap();
    let bad: i64 = c
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(bad, 0, "foreign key violations");
}

/// A new project (from `new`, `demo` or `import-qdpx`) is absent or complete,
/// with no undo entry; a complete one is removed for the next round.
fn absent_or_complete(s: &Sandbox, name: &str, documents: usize, round: usize, seed: u64) -> Left {
    let path = s.path(name);
    if !path.exists() {
        return Left::Before;
    }
    sound(&path);
    let store = Store::open(&path).unwrap_or_else(|e| panic!("round {round} (seed {seed}): {e}"));
    assert_eq!(
        store.read().counts().unwrap().documents,
        documents,
        "round {round} (seed {seed}): a half-made project"
    );
    let mut probe = Store::open(&path).unwrap();
    probe.set_coder("");
    assert!(
        probe.history().unwrap().0.is_empty(),
        "round {round} (seed {seed}): a new project has an undo entry"
    );
    drop((store, probe));
    std::fs::remove_file(&path).unwrap();
    Left::After
}

#[test]
fn killing_new_demo_or_import_qdpx_leaves_no_project_or_a_whole_one() {
    let s = Sandbox::new();
    kill_at_random(&s, &["new", "n.weft"], |round, seed| {
        absent_or_complete(&s, "n.weft", 0, round, seed)
    });
    kill_at_random(&s, &["demo", "d.weft"], |round, seed| {
        absent_or_complete(&s, "d.weft", 12, round, seed)
    });
    // A project big enough that a kill lands inside the import.
    let files = write_corpus(&s, "Q", 60);
    s.ok(&["new", "src.weft"]);
    let mut args = vec!["import", "src.weft"];
    args.extend(files.iter().map(String::as_str));
    s.ok(&args);
    s.ok(&[
        "autocode",
        "src.weft",
        "--pattern",
        "Question 1",
        "--code",
        "Q",
    ]);
    s.ok(&["export-qdpx", "src.weft", "src.qdpx"]);
    let (before, _) = kill_at_random(&s, &["import-qdpx", "src.qdpx", "q.weft"], |round, seed| {
        absent_or_complete(&s, "q.weft", 60, round, seed)
    });
    assert!(before > 0, "no kill landed inside import-qdpx");
}

#[test]
fn killing_undo_or_autocode_leaves_the_project_before_or_after() {
    let s = Sandbox::new();
    let files = write_corpus(&s, "U", 40);
    s.ok(&["new", "p.weft"]);
    let mut args = vec!["import", "p.weft"];
    args.extend(files.iter().map(String::as_str));
    s.ok(&args);
    let path = s.path("p.weft");
    let segments = |round: usize, seed: u64| -> usize {
        sound(&path);
        let store =
            Store::open(&path).unwrap_or_else(|e| panic!("round {round} (seed {seed}): {e}"));
        store.read().counts().unwrap().segments
    };
    let autocode = ["autocode", "p.weft", "--pattern", "meeting", "--code", "M"];
    let expected = 40 * 500;
    let (before, _) = kill_at_random(&s, &autocode, |round, seed| match segments(round, seed) {
        0 => Left::Before,
        n if n == expected => {
            let mut store = Store::open(&path).unwrap();
            store.set_coder("tester");
            store.undo().unwrap().expect("the autocode is undoable");
            Left::After
        }
        n => panic!("round {round} (seed {seed}): {n} of {expected} segments"),
    });
    assert!(before > 0, "no kill landed inside autocode");

    assert!(weft(&s, &autocode).status().unwrap().success());
    let (before, _) = kill_at_random(&s, &["undo", "p.weft"], |round, seed| {
        match segments(round, seed) {
            n if n == expected => Left::Before,
            0 => {
                let mut store = Store::open(&path).unwrap();
                store.set_coder("tester");
                store.redo().unwrap().expect("the undo is redoable");
                Left::After
            }
            n => panic!("round {round} (seed {seed}): {n} of {expected} segments"),
        }
    });
    assert!(before > 0, "no kill landed inside undo");
}
