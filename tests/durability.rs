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
