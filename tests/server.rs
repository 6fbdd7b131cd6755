//! Projects on a real PostgreSQL server (a throwaway cluster per test binary,
//! one database per test): `weft push` and `weft pull` through the real
//! binary, and what a user sees when the server cannot be used.

mod common;

use common::Sandbox;
use common::pg::{self, PASSWORD};

/// Runs weft with the test server's password in PGPASSWORD.
fn weft(s: &Sandbox, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(s.dir.path())
        .env("WEFT_CODER", "tester")
        .env("PGPASSWORD", PASSWORD)
        .env("HOME", s.dir.path())
        .output()
        .unwrap()
}

fn ok(s: &Sandbox, args: &[&str]) -> String {
    let out = weft(s, args);
    assert!(
        out.status.success(),
        "weft {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(s: &Sandbox, args: &[&str]) -> String {
    let out = weft(s, args);
    assert!(!out.status.success(), "weft {args:?} should have failed");
    String::from_utf8(out.stderr).unwrap()
}

/// Every table's rows, as the store dumps them, and the undo history's length.
fn dump(path: &std::path::Path) -> Vec<String> {
    weft::store::Store::open(path)
        .unwrap()
        .read()
        .dump()
        .unwrap()
}

#[test]
fn a_project_pushed_and_pulled_back_is_the_same_project() {
    let Some(server) = pg::server() else { return };
    let url = server.fresh_database("roundtrip");
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    // Text that COPY must escape, a pinned exemplar, a practice.
    s.ok(&[
        "memo",
        "study.weft",
        "--project-memo",
        "--set",
        "tabs\there, a backslash \\ and\nnew lines\r\n✍ \\N",
    ]);
    let out = ok(&s, &["push", "study.weft", &url]);
    assert!(
        out.contains("12 document(s)") && out.contains("23 code(s)"),
        "{out}"
    );
    assert!(!out.contains(PASSWORD));
    // The server holds it, in its own tables.
    assert_eq!(
        server
            .psql(
                url.rsplit('/').next().unwrap(),
                "SELECT count(*) FROM segment"
            )
            .trim(),
        "79"
    );
    ok(&s, &["pull", &url, "copy.weft"]);
    assert_eq!(dump(&s.path("copy.weft")), dump(&s.path("study.weft")));
    let info = s.ok(&["info", "copy.weft"]);
    assert!(info.contains("Segments:     79"), "{info}");
    // The copy keeps the project's GUID, so it merges back: nothing new.
    let merged = s.ok(&["merge", "study.weft", "copy.weft"]);
    assert!(merged.contains("Nothing new"), "{merged}");
    // A pull never overwrites a file.
    let err = fails(&s, &["pull", &url, "copy.weft"]);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn a_push_into_a_database_that_holds_anything_is_refused_and_changes_nothing() {
    let Some(server) = pg::server() else { return };
    let url = server.fresh_database("busy");
    let db = url.rsplit('/').next().unwrap().to_string();
    server.psql(&db, "CREATE TABLE theirs (x int)");
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    let err = fails(&s, &["push", "study.weft", &url]);
    assert!(err.contains("not empty (1 table(s))"), "{err}");
    assert_eq!(
        server
            .psql(
                &db,
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            )
            .trim(),
        "1"
    );
    // Pushed once, a second push says there is a project already.
    let url2 = server.fresh_database("twice");
    ok(&s, &["push", "study.weft", &url2]);
    let err = fails(&s, &["push", "study.weft", &url2]);
    assert!(err.contains("already holds a Weft project"), "{err}");
}

#[test]
fn errors_say_what_failed_and_never_show_the_password() {
    let Some(server) = pg::server() else { return };
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    // Not a Weft project.
    let empty = server.fresh_database("empty");
    let err = fails(&s, &["pull", &empty, "x.weft"]);
    assert!(err.contains("not a Weft project"), "{err}");
    assert!(!s.path("x.weft").exists());
    // A wrong password, given in the URL: authentication failed, and the
    // password is nowhere in the message.
    let wrong = empty.replace("weft@", "weft:Sup3rSecret!@");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["pull", &wrong, "x.weft"])
        .current_dir(s.dir.path())
        .env_remove("PGPASSWORD")
        .env("HOME", s.dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("authentication failed"), "{err}");
    assert!(!err.contains("Sup3rSecret"), "{err}");
    assert!(
        err.contains(&format!("weft@127.0.0.1:{}/", server.port)),
        "{err}"
    );
    // No password anywhere, and no terminal to ask on.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["pull", &empty, "x.weft"])
        .current_dir(s.dir.path())
        .env_remove("PGPASSWORD")
        .env("HOME", s.dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("asks for a password") && err.contains("~/.pgpass"),
        "{err}"
    );
    // A database that does not exist.
    let err = fails(&s, &["pull", &server.url("no_such_db"), "x.weft"]);
    assert!(err.contains("database does not exist"), "{err}");
    // A server that is not there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = fails(
        &s,
        &[
            "pull",
            &format!("postgres://weft@127.0.0.1:{port}/x"),
            "x.weft",
        ],
    );
    assert!(err.contains("cannot reach the server"), "{err}");
    // An sslmode libpq has but Weft does not know.
    let err = fails(
        &s,
        &["push", "study.weft", &format!("{empty}?sslmode=sometimes")],
    );
    assert!(err.contains("sslmode=sometimes is not known"), "{err}");
    assert!(!s.path("x.weft").exists());
}

#[test]
fn the_password_comes_from_pgpass_too() {
    let Some(server) = pg::server() else { return };
    let url = server.fresh_database("pgpass");
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    let pgpass = s.path(".pgpass");
    std::fs::write(
        &pgpass,
        format!(
            "# a comment\nother.host:*:*:*:nope\n127.0.0.1:{}:*:weft:{PASSWORD}\n",
            server.port
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["push", "study.weft", &url])
        .current_dir(s.dir.path())
        .env_remove("PGPASSWORD")
        .env("HOME", s.dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn tls_is_used_when_asked_and_the_certificate_must_be_trusted() {
    let Some(server) = pg::server() else { return };
    let Some(ca) = &server.tls_root else {
        eprintln!("skipped: openssl not installed (the test server has no certificate)");
        return;
    };
    let url = server.fresh_database_of("tls", pg::TLS_ROLE);
    let s = Sandbox::new();
    s.ok(&["demo", "study.weft"]);
    // This role may only come in over TLS: in the clear, the server says no.
    let err = fails(&s, &["push", "study.weft", &url]);
    assert!(
        err.contains("refused") || err.contains("authentication"),
        "{err}"
    );
    // TLS, but a certificate no one here trusts: refused before anything is sent.
    let err = fails(
        &s,
        &["push", "study.weft", &format!("{url}?sslmode=require")],
    );
    assert!(
        err.contains("cannot be trusted") && err.contains("sslrootcert"),
        "{err}"
    );
    // Trusting the test authority: the project goes up and comes back.
    let secure = format!("{url}?sslmode=require&sslrootcert={}", ca.display());
    let out = ok(&s, &["push", "study.weft", &secure]);
    assert!(out.contains("12 document(s)"), "{out}");
    ok(&s, &["pull", &secure, "copy.weft"]);
    assert_eq!(dump(&s.path("copy.weft")), dump(&s.path("study.weft")));
}

/// A push killed at a random moment leaves the database empty or holding
/// the whole project, never part of it (one transaction: the server rolls
/// back when the client's connection drops).
#[test]
fn a_push_killed_at_any_moment_leaves_nothing_or_everything() {
    let Some(server) = pg::server() else { return };
    let s = Sandbox::new();
    s.ok(&["new", "big.weft"]);
    let turn = "P: She came with me to the office and we waited together for an hour. ";
    let body: String = (0..400)
        .map(|i| format!("Interviewer: Question {i}?\n{turn}\n"))
        .collect();
    let files: Vec<String> = (0..40)
        .map(|i| {
            let name = format!("T{i:02}.txt");
            s.write(&name, &body);
            name
        })
        .collect();
    let mut args = vec!["import", "big.weft"];
    args.extend(files.iter().map(String::as_str));
    s.ok(&args);
    let push = |url: &str| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_weft"));
        c.args(["push", "big.weft", url])
            .current_dir(s.dir.path())
            .env("PGPASSWORD", PASSWORD)
            .env("HOME", s.dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let tables = |db: &str| -> usize {
        server
            .psql(
                db,
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .trim()
            .parse()
            .unwrap()
    };
    // A full push, timed.
    let url = server.fresh_database("killfull");
    let t0 = std::time::Instant::now();
    assert!(push(&url).status().unwrap().success());
    let full = t0.elapsed();
    let full_tables = tables(url.rsplit('/').next().unwrap());
    let mut seen = (0, 0);
    for round in 0..12u32 {
        let url = server.fresh_database(&format!("kill{round}"));
        let db = url.rsplit('/').next().unwrap().to_string();
        let mut child = push(&url).spawn().unwrap();
        // Spread the kills over the whole run (and a little past it).
        std::thread::sleep(full.mul_f64(f64::from(round) / 10.0));
        let _ = child.kill();
        let _ = child.wait();
        // Judge once the server is done with the killed client's session
        // (it rolls back, or finishes a commit already under way).
        for _ in 0..250 {
            let others = server.psql(
                "postgres",
                &format!(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()"
                ),
            );
            if others.trim() == "0" {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let n = tables(&db);
        if n == 0 {
            seen.0 += 1;
            // Nothing is left that stops a new push.
            assert!(
                push(&url).status().unwrap().success(),
                "round {round}: push after a kill"
            );
        } else {
            assert_eq!(n, full_tables, "round {round}: part of a project");
            seen.1 += 1;
        }
        assert_eq!(
            server.psql(&db, "SELECT count(*) FROM document").trim(),
            "40",
            "round {round}"
        );
    }
    eprintln!(
        "killed pushes: {} left nothing, {} everything (full run {full:?})",
        seen.0, seen.1
    );
    assert!(seen.0 > 0, "no kill landed inside the push");
}
