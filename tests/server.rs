//! Projects on a real PostgreSQL server (a throwaway cluster per test binary,
//! one database per test): `weft push` and `weft pull` through the real
//! binary, and what a user sees when the server cannot be used.

mod common;

use common::Sandbox;
use common::pg;

/// Runs weft as the test coder (see [`weft_as`]) and asserts success.
fn ok(s: &Sandbox, args: &[&str]) -> String {
    ok_as(s, "tester", args)
}

fn fails(s: &Sandbox, args: &[&str]) -> String {
    fails_as(s, "tester", args)
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
    assert!(!out.contains(pg::password()));
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
    let wrong = empty.replace(
        &format!("{}@", server.admin),
        &format!("{}:Sup3rSecret!@", server.admin),
    );
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
        err.contains(&format!(
            "{}@{}:{}/",
            server.admin, server.host, server.port
        )),
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
            "# a comment\nother.host:*:*:*:nope\n{}:{}:*:{}:{}\n",
            server.host,
            server.port,
            server.admin,
            pg::password()
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
        eprintln!(
            "skipped: openssl not installed, or WEFT_TEST_PG_URL set (only the throwaway server has a test certificate)"
        );
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
            .env("PGPASSWORD", pg::password())
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

/// Runs weft as `coder` (WEFT_CODER) with the test server's password in
/// PGPASSWORD, and the sandbox as HOME (so no ~/.pgpass of the machine's).
fn weft_as(s: &Sandbox, coder: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(s.dir.path())
        .env("WEFT_CODER", coder)
        .env("PGPASSWORD", pg::password())
        .env("HOME", s.dir.path())
        .output()
        .unwrap()
}

fn ok_as(s: &Sandbox, coder: &str, args: &[&str]) -> String {
    let out = weft_as(s, coder, args);
    assert!(
        out.status.success(),
        "weft {args:?} as {coder}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails_as(s: &Sandbox, coder: &str, args: &[&str]) -> String {
    let out = weft_as(s, coder, args);
    assert!(
        !out.status.success(),
        "weft {args:?} as {coder} should have failed"
    );
    String::from_utf8(out.stderr).unwrap()
}

/// The demo pushed into a fresh database; its URL.
fn team_project(s: &Sandbox, server: &pg::PgServer, hint: &str) -> String {
    let url = server.fresh_database(hint);
    s.ok(&["demo", "study.weft"]);
    ok(s, &["push", "study.weft", &url]);
    url
}

#[test]
fn commands_take_a_server_url_wherever_they_take_a_project_file() {
    let Some(server) = pg::server() else { return };
    let s = Sandbox::new();
    let url = team_project(&s, server, "commands");
    let code = [
        "code", &url, "--doc", "P03", "--start", "0", "--end", "11", "--code", "Outcomes",
    ];
    let out = ok_as(&s, "ana", &code);
    assert!(out.contains("Coded P03 0..11 as Outcomes by ana"), "{out}");
    // The same commands on the file give the same answers.
    ok_as(
        &s,
        "ana",
        &[
            "code",
            "study.weft",
            "--doc",
            "P03",
            "--start",
            "0",
            "--end",
            "11",
            "--code",
            "Outcomes",
        ],
    );
    for (head, tail) in [
        (vec!["info"], vec![]),
        (vec!["docs"], vec![]),
        (vec!["codes", "list"], vec![]),
        (vec!["segments"], vec!["--format", "csv"]),
        (vec!["matrix"], vec!["--cols", "Phase"]),
        (vec!["show"], vec!["--doc", "P03"]),
        (vec!["framework"], vec![]),
    ] {
        let with = |project: &str| {
            let mut v = head.clone();
            v.push(project);
            v.extend(&tail);
            ok_as(&s, "ana", &v)
        };
        assert_eq!(
            with(&url),
            with("study.weft"),
            "weft {head:?} differs between the server and the file"
        );
    }
    // Changes, undo and redo, and their history.
    ok_as(&s, "ana", &["codes", "add", &url, "Found/Later"]);
    let h = ok_as(&s, "ana", &["history", &url]);
    assert!(
        h.contains("ana can undo (2)") && h.contains("Add code"),
        "{h}"
    );
    assert!(ok_as(&s, "ana", &["undo", &url]).contains("Undid"));
    assert!(ok_as(&s, "ana", &["redo", &url]).contains("Redid"));
    // Exports and the team workflow read it like a file.
    ok_as(&s, "ana", &["export-qdpx", &url, "out.qdpx"]);
    ok_as(
        &s,
        "ana",
        &["handout", &url, "--coder", "ben", "--out", "ben.weft"],
    );
    ok_as(
        &s,
        "ben",
        &[
            "code", "ben.weft", "--doc", "P05", "--start", "0", "--end", "9", "--code", "Outcomes",
        ],
    );
    let merged = ok_as(&s, "ana", &["merge", &url, "ben.weft"]);
    assert!(merged.contains("1 new"), "{merged}");
    let segs = ok_as(&s, "ana", &["segments", &url, "--format", "csv"]);
    assert_eq!(segs.lines().count(), 1 + 79 + 2, "{segs}");
    // An offline copy, coded on a train, merges back.
    ok_as(&s, "ana", &["pull", &url, "offline.weft"]);
    ok_as(
        &s,
        "ana",
        &[
            "code",
            "offline.weft",
            "--doc",
            "P06",
            "--start",
            "2",
            "--end",
            "9",
            "--code",
            "Outcomes",
        ],
    );
    let merged = ok_as(&s, "ana", &["merge", &url, "offline.weft"]);
    assert!(merged.contains("1 new"), "{merged}");
    let segs = ok_as(&s, "ana", &["segments", &url, "--format", "csv"]);
    assert_eq!(segs.lines().count(), 1 + 79 + 3, "{segs}");
    // A new project is made as a file.
    let err = fails_as(&s, "ana", &["new", &url]);
    assert!(err.contains("weft push"), "{err}");
    assert!(!err.contains(pg::password()));
}

#[test]
fn each_coder_undoes_only_their_own_changes_and_a_conflicting_undo_is_refused() {
    let Some(server) = pg::server() else { return };
    let s = Sandbox::new();
    let url = team_project(&s, server, "undo");
    let code = |coder: &str, doc: &str, code: &str| {
        ok_as(
            &s,
            coder,
            &[
                "code", &url, "--doc", doc, "--start", "0", "--end", "11", "--code", code,
            ],
        )
    };
    let count = |code: &str| -> usize {
        ok(&s, &["segments", &url, "--format", "csv", "--code", code])
            .lines()
            .count()
            - 1
    };
    code("ana", "P03", "Outcomes");
    code("ben", "P04", "Outcomes");
    assert_eq!(count("Outcomes"), 5 + 2);
    // Ana's undo takes back ana's segment; ben's stays.
    assert!(ok_as(&s, "ana", &["undo", &url]).contains("by ana"));
    assert_eq!(count("Outcomes"), 5 + 1);
    let segs = ok(
        &s,
        &["segments", &url, "--format", "csv", "--code", "Outcomes"],
    );
    assert!(
        segs.lines().any(|l| l.contains("P04") && l.contains("ben")),
        "{segs}"
    );
    // Ana makes a code, ben codes with it: ana's undo of the code would
    // take ben's work with it, so it is refused and nothing changes.
    code("ana", "P05", "Fresh/Idea");
    code("ben", "P06", "Fresh/Idea");
    ok_as(
        &s,
        "ana",
        &[
            "uncode",
            &url,
            "--doc",
            "P05",
            "--start",
            "0",
            "--end",
            "11",
            "--code",
            "Fresh/Idea",
        ],
    );
    ok_as(&s, "ana", &["undo", &url]);
    let err = fails_as(&s, "ana", &["undo", &url]);
    assert!(err.contains("another coder"), "{err}");
    assert_eq!(count("Fresh/Idea"), 2);
}

#[test]
fn a_coder_may_change_only_their_own_coding_and_postgresql_itself_says_so() {
    let Some(server) = pg::server() else { return };
    let s = Sandbox::new();
    let url = team_project(&s, server, "roles");
    let db = url.rsplit('/').next().unwrap().to_string();
    let add = ok(
        &s,
        &["team", "add", &url, "--coder", "ben", "--role", "coder"],
    );
    assert!(add.contains("ben codes as ben, as a coder"), "{add}");
    ok(
        &s,
        &[
            "team", "add", &url, "--coder", "cy", "--login", "cy_lead", "--role", "lead",
        ],
    );
    server.psql(
        "postgres",
        &format!("ALTER ROLE ben PASSWORD '{}'", pg::password()),
    );
    server.psql(
        "postgres",
        &format!("ALTER ROLE cy_lead PASSWORD '{}'", pg::password()),
    );
    let list = ok(&s, &["team", "list", &url]);
    assert!(
        list.contains("ben\tben\tcoder") && list.contains("cy_lead\tcy\tlead"),
        "{list}"
    );
    let as_login = |login: &str| {
        url.replacen(
            &format!("postgres://{}@", server.admin),
            &format!("postgres://{login}@"),
            1,
        )
    };
    let ben = as_login("ben");
    let cy = as_login("cy_lead");
    // Ben codes, as ben whatever WEFT_CODER says, and undoes his own.
    let out = ok_as(
        &s,
        "mallory",
        &[
            "code", &ben, "--doc", "P03", "--start", "0", "--end", "11", "--code", "Outcomes",
        ],
    );
    assert!(out.contains("by ben"), "{out}");
    let err = fails_as(
        &s,
        "x",
        &[
            "code", &ben, "--doc", "P03", "--start", "0", "--end", "5", "--code", "Outcomes",
            "--coder", "ana",
        ],
    );
    assert!(err.contains("codes as \"ben\""), "{err}");
    // Through Weft, ben may not touch the codebook or another's segment.
    let err = fails_as(&s, "x", &["codes", "rename", &ben, "Outcomes", "Results"]);
    assert!(err.contains("does not allow"), "{err}");
    // The demo's first segment, someone else's.
    let segs = ok(&s, &["segments", &url, "--format", "csv"]);
    let first: Vec<String> = segs
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    let (doc, code, start, end) = (&first[0], &first[2], &first[3], &first[4]);
    let err = fails_as(
        &s,
        "x",
        &[
            "uncode", &ben, "--doc", doc, "--start", start, "--end", end, "--code", code,
        ],
    );
    assert!(
        err.contains("another coder's segment") && err.contains("does not allow"),
        "{err}"
    );
    // Nor through raw SQL: the server refuses, whatever the client.
    let psql_as = |login: &str, sql: &str| {
        std::process::Command::new(server.bin.join("psql"))
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                &server.host,
            ])
            .args([
                "-p",
                &server.port.to_string(),
                "-U",
                login,
                "-d",
                &db,
                "-c",
                sql,
            ])
            .env("PGPASSWORD", pg::password())
            .output()
            .unwrap()
    };
    let before = server.psql(&db, "SELECT count(*) FROM segment");
    let out = psql_as(
        "ben",
        "DELETE FROM segment WHERE coder_id <> (SELECT id FROM coder WHERE name = 'ben') RETURNING id",
    );
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).trim().is_empty());
    assert_eq!(
        server.psql(&db, "SELECT count(*) FROM segment"),
        before,
        "ben deleted someone else's segments"
    );
    let out = psql_as(
        "ben",
        "UPDATE code SET name = 'Renamed' WHERE parent_id IS NULL",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("permission denied"));
    let out = psql_as(
        "ben",
        "INSERT INTO segment (id, guid, document_id, code_id, start, \"end\", coder_id, created_at) SELECT 99999, 'g', 1, 1, 0, 3, id, '' FROM coder WHERE name <> 'ben' LIMIT 1",
    );
    assert!(!out.status.success(), "ben coded as someone else");
    assert!(String::from_utf8_lossy(&out.stderr).contains("row-level security"));
    // A lead may do all of it.
    ok_as(&s, "x", &["codes", "rename", &cy, "Outcomes", "Results"]);
    ok_as(
        &s,
        "x",
        &[
            "uncode", &cy, "--doc", "P03", "--start", "0", "--end", "11", "--code", "Results",
            "--coder", "ben",
        ],
    );
}

#[test]
fn a_writer_that_waits_too_long_hears_the_project_is_busy() {
    let Some(server) = pg::server() else { return };
    let s = Sandbox::new();
    let url = team_project(&s, server, "busy");
    // Another client holds the writers' lock for longer than Weft waits.
    let db = url.rsplit('/').next().unwrap().to_string();
    let mut holder = server
        .psql_command(&db)
        .args([
            "-c",
            "BEGIN; SELECT pg_advisory_xact_lock(1464157780); SELECT pg_sleep(8); COMMIT;",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Until the server shows the lock held.
    for _ in 0..250 {
        let held = server.psql(
            &db,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
        );
        if held.trim() != "0" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let err = fails_as(
        &s,
        "ana",
        &[
            "code", &url, "--doc", "P03", "--start", "0", "--end", "11", "--code", "Outcomes",
        ],
    );
    assert!(err.contains("the project is busy"), "{err}");
    holder.wait().unwrap();
    ok_as(
        &s,
        "ana",
        &[
            "code", &url, "--doc", "P03", "--start", "0", "--end", "11", "--code", "Outcomes",
        ],
    );
}

#[test]
fn a_client_killed_mid_change_leaves_the_change_whole_or_absent_and_others_carry_on() {
    let Some(server) = pg::server() else { return };
    let s = Sandbox::new();
    let url = team_project(&s, server, "killchange");
    let db = url.rsplit('/').next().unwrap().to_string();
    let segments = || -> usize {
        server
            .psql(&db, "SELECT count(*) FROM segment")
            .trim()
            .parse()
            .unwrap()
    };
    let autocode = |code: &str| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_weft"));
        c.args([
            "autocode",
            &url,
            "--pattern",
            "e",
            "--unit",
            "match",
            "--code",
            code,
        ])
        .current_dir(s.dir.path())
        .env("WEFT_CODER", "ana")
        .env("PGPASSWORD", pg::password())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
        c
    };
    // One whole run, to know what a whole change adds and how long it takes.
    let before = segments();
    let t0 = std::time::Instant::now();
    assert!(autocode("Whole").status().unwrap().success());
    let full = t0.elapsed();
    let whole = segments() - before;
    assert!(
        whole > 1000,
        "the change is big enough to be killed inside ({whole})"
    );
    let (mut absent, mut present) = (0, 0);
    for round in 0..20u32 {
        let before = segments();
        let mut child = autocode(&format!("Kill/R{round}")).spawn().unwrap();
        std::thread::sleep(full.mul_f64(f64::from(round % 10) / 8.0));
        let _ = child.kill();
        let _ = child.wait();
        for _ in 0..250 {
            let others = server.psql(
                "postgres",
                &format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()"),
            );
            if others.trim() == "0" {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let added = segments() - before;
        if added == 0 {
            absent += 1;
        } else {
            assert_eq!(added, whole, "round {round}: part of a change");
            present += 1;
        }
        // The lock was released: another coder's change goes through at once.
        ok_as(
            &s,
            "ben",
            &[
                "code",
                &url,
                "--doc",
                "P03",
                "--start",
                &round.to_string(),
                "--end",
                "40",
                "--code",
                "Outcomes",
            ],
        );
    }
    eprintln!("killed changes: {absent} absent, {present} whole (a whole run {full:?})");
    assert!(absent > 0, "no kill landed inside a change");
}

/// A TCP relay to the test server that, once armed, cuts the client off at
/// its next COMMIT: after passing it on (the change is made, the client
/// never hears) or before (the change is not made).
struct Relay {
    port: u16,
    /// 0: pass everything; 1: pass the COMMIT, then cut; 2: cut before it.
    arm: std::sync::Arc<std::sync::atomic::AtomicU8>,
}

impl Relay {
    fn start(server_port: u16) -> Relay {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let arm = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(0));
        let armed = arm.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { continue };
                let Ok(mut upstream) = std::net::TcpStream::connect(("127.0.0.1", server_port))
                else {
                    continue;
                };
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                // Set when the client is to hear nothing more.
                let mute = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                let muted = mute.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 65536];
                    while let Ok(n) = u2.read(&mut buf) {
                        if n == 0
                            || muted.load(Ordering::SeqCst)
                            || c2.write_all(&buf[..n]).is_err()
                        {
                            break;
                        }
                    }
                });
                let armed = armed.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 65536];
                    while let Ok(n) = client.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        let commit = buf[..n].windows(7).any(|w| w == b"COMMIT\0");
                        let mode = if commit {
                            armed.swap(0, Ordering::SeqCst)
                        } else {
                            0
                        };
                        if mode == 2 {
                            break;
                        }
                        if mode == 1 {
                            mute.store(true, Ordering::SeqCst);
                        }
                        if upstream.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        if mode == 1 {
                            // Let the server have it, then drop the client
                            // before it hears the answer.
                            std::thread::sleep(std::time::Duration::from_millis(200));
                            break;
                        }
                    }
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    let _ = upstream.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Relay { port, arm }
    }
}

#[test]
fn a_change_whose_commit_went_unanswered_is_made_once_or_reported_not_made() {
    let Some(server) = pg::server() else { return };
    if server.external {
        eprintln!("skipped: the relay needs the throwaway server on 127.0.0.1");
        return;
    }
    let s = Sandbox::new();
    let url = team_project(&s, server, "unanswered");
    let db = url.rsplit('/').next().unwrap().to_string();
    let relay = Relay::start(server.port);
    let through = format!(
        "postgres://{}:{}@127.0.0.1:{}/{db}",
        server.admin,
        pg::password(),
        relay.port
    );
    let mut store = weft::store::Store::open(std::path::Path::new(&through)).unwrap();
    store.set_coder("ana");
    let count = || -> usize {
        server
            .psql(
                &db,
                "SELECT count(*) FROM segment WHERE start = 1 AND \"end\" = 9",
            )
            .trim()
            .parse()
            .unwrap()
    };
    let code = |store: &mut weft::store::Store, code: &str| {
        let code = code.to_string();
        store.change("Apply code", move |r| {
            let d = r.document_by_name("P03")?.unwrap().id;
            Ok(weft::edit::ops::code_path_ranges(
                r,
                &[(d, weft::model::CharRange::new(1, 9))],
                &code,
                "ana",
                "",
            )?
            .0)
        })
    };
    // The server gets the COMMIT, the client never hears back: Weft
    // connects again, finds the change's GUID in the log, and reports it made.
    relay.arm.store(1, std::sync::atomic::Ordering::SeqCst);
    code(&mut store, "Outcomes").expect("the change was made, so it is reported made");
    assert_eq!(count(), 1);
    // The COMMIT never reaches the server: the change is reported not made,
    // and it is not there.
    relay.arm.store(2, std::sync::atomic::Ordering::SeqCst);
    let err = code(&mut store, "Engagement").unwrap_err().to_string();
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(count(), 1);
    // Made once, so undo takes back exactly that one.
    assert!(store.undo().unwrap().is_some());
    assert_eq!(count(), 0);
}

#[test]
fn a_server_project_of_an_older_schema_is_upgraded_when_opened_and_a_newer_one_refused() {
    let Some(server) = pg::server() else { return };
    let s = Sandbox::new();
    let url = team_project(&s, server, "upgrade");
    let db = url.rsplit('/').next().unwrap().to_string();
    // Back to schema 10: no change log, no team.
    server.psql(
        &db,
        "DROP POLICY everyone_reads ON segment; DROP POLICY own_segments ON segment;
         ALTER TABLE segment DISABLE ROW LEVEL SECURITY;
         DROP POLICY own_history ON history; ALTER TABLE history DISABLE ROW LEVEL SECURITY;
         DROP TABLE change_log; DROP FUNCTION weft_is_lead(); DROP FUNCTION weft_my_coder_id();
         DROP FUNCTION weft_my_coder(); DROP TABLE team_member;
         UPDATE weft_meta SET value = '10' WHERE key = 'schema_version'",
    );
    let out = ok_as(
        &s,
        "ana",
        &[
            "code", &url, "--doc", "P03", "--start", "0", "--end", "11", "--code", "Outcomes",
        ],
    );
    assert!(out.contains("Coded"), "{out}");
    assert_eq!(
        server
            .psql(
                &db,
                "SELECT value FROM weft_meta WHERE key = 'schema_version'"
            )
            .trim(),
        weft::store::migrations::latest_version().to_string()
    );
    assert_eq!(
        server.psql(&db, "SELECT count(*) FROM change_log").trim(),
        "1"
    );
    assert_eq!(
        server
            .psql(
                &db,
                "SELECT relrowsecurity FROM pg_class WHERE relname = 'segment'"
            )
            .trim(),
        "t"
    );
    server.psql(
        &db,
        "UPDATE weft_meta SET value = '999' WHERE key = 'schema_version'",
    );
    let err = fails(&s, &["info", &url]);
    assert!(err.contains("newer Weft") && err.contains("999"), "{err}");
}
