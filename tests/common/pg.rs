//! A throwaway PostgreSQL server for the tests of one test binary: `initdb`
//! in a temp dir (as the `postgres` user when the tests run as root, since
//! PostgreSQL refuses root), listening on a free port on 127.0.0.1 only, with
//! password authentication over TCP. Each test gets its own database. The
//! server is stopped by its pid when the test binary exits.
//!
//! Without PostgreSQL the tests print "skipped: PostgreSQL not installed",
//! unless `WEFT_REQUIRE_PG` is set (as `.ci/run` does), when they fail.
//!
//! `WEFT_TEST_PG_URL=postgres://user@host:port/postgres` (with the password
//! in it or in `PGPASSWORD`) uses an existing server instead: its user must
//! be allowed to create databases and roles. Use a server you can throw
//! away: the tests make databases and a few roles (ben, cy_lead) there.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// The test role's password (the cluster is made with it; TCP needs it).
const PASSWORD: &str = "weft-test-Pw-7";

/// The password of the server's test role (the throwaway cluster's, or
/// the one `WEFT_TEST_PG_URL` came with).
pub fn password() -> &'static str {
    server().map_or(PASSWORD, |s| s.password.as_str())
}

/// The running server.
pub struct PgServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where its binaries are.
    pub bin: PathBuf,
    /// Its data and socket folder.
    pub dir: PathBuf,
    /// With openssl at hand, the server speaks TLS too, with a certificate
    /// for 127.0.0.1 signed by this test authority (PEM); the role
    /// `weft_tls` may only connect over TLS.
    pub tls_root: Option<PathBuf>,
    /// The host the tests connect to over TCP.
    pub host: String,
    /// The role that makes databases and owns them.
    pub admin: String,
    /// Its password.
    pub password: String,
    /// A server given by `WEFT_TEST_PG_URL` (not ours to stop).
    pub external: bool,
}

/// The server `WEFT_TEST_PG_URL` names, if set.
fn external() -> Option<PgServer> {
    let url = std::env::var("WEFT_TEST_PG_URL").ok()?;
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
        .expect("WEFT_TEST_PG_URL is postgres://user@host:port/database");
    let (who, place) = rest.split_once('@').expect("WEFT_TEST_PG_URL names a user");
    let (admin, password) = match who.split_once(':') {
        Some((u, p)) => (u.to_string(), p.to_string()),
        None => (
            who.to_string(),
            std::env::var("PGPASSWORD")
                .expect("WEFT_TEST_PG_URL needs PGPASSWORD or a password in it"),
        ),
    };
    let hostport = place.split('/').next().unwrap();
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().expect("a port number")),
        None => (hostport.to_string(), 5432),
    };
    let psql = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(find_bin())
        .find(|d| d.join("psql").is_file())
        .expect("WEFT_TEST_PG_URL needs psql");
    Some(PgServer {
        port,
        bin: psql,
        dir: std::env::temp_dir(),
        tls_root: None,
        host,
        admin,
        password,
        external: true,
    })
}

/// The role that may only connect over TLS.
pub const TLS_ROLE: &str = "weft_tls";

/// A test certificate authority and a server certificate for 127.0.0.1 in
/// `dir`; `None` without the openssl command.
fn make_certificates(dir: &Path) -> Option<PathBuf> {
    let run = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !run(&["version"]) {
        return None;
    }
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ok = run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Weft test CA",
    ]) && run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]) && run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    assert!(ok, "openssl could not make the test certificates");
    Some(dir.join("ca.pem"))
}

static SERVER: OnceLock<Option<PgServer>> = OnceLock::new();
static PID: AtomicU32 = AtomicU32::new(0);
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

fn find_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|b| b.join("initdb").is_file() && b.join("postgres").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs a PostgreSQL program as the user that may run it.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

extern "C" fn stop_server() {
    let pid = PID.load(Ordering::SeqCst);
    if pid == 0 {
        return;
    }
    // SAFETY: signalling a pid we started; polling with signal 0.
    unsafe {
        libc::kill(pid as i32, libc::SIGINT);
        for _ in 0..200 {
            if libc::kill(pid as i32, 0) != 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    if let Some(Some(s)) = SERVER.get() {
        let _ = std::fs::remove_dir_all(&s.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start() -> Option<PgServer> {
    if let Some(s) = external() {
        return Some(s);
    }
    let Some(bin) = find_bin() else {
        let required = std::env::var("WEFT_REQUIRE_PG").is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(
            !required,
            "PostgreSQL is required (WEFT_REQUIRE_PG is set) but is not installed"
        );
        eprintln!("skipped: PostgreSQL not installed");
        return None;
    };
    // A short path: the socket's name must stay under about 107 bytes.
    let dir = PathBuf::from(format!(
        "/tmp/weft-pg-{}-{}",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pwfile = dir.join("pw");
    std::fs::write(&pwfile, PASSWORD).unwrap();
    let tls_root = make_certificates(&dir);
    if tls_root.is_some() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("server.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(status.success(), "chown the test cluster's folder");
    }
    let data = dir.join("data");
    let out = as_server_user(&bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "weft",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .args(["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if tls_root.is_some() {
        // weft_tls only over TLS; everyone else as initdb set up.
        let hba = data.join("pg_hba.conf");
        let rest = std::fs::read_to_string(&hba).unwrap();
        std::fs::write(
            &hba,
            format!(
                "hostssl all {TLS_ROLE} 127.0.0.1/32 scram-sha-256\nhostnossl all {TLS_ROLE} 127.0.0.1/32 reject\n{rest}"
            ),
        )
        .unwrap();
    }
    let port = free_port();
    let mut server = as_server_user(&bin.join("postgres"));
    server
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string()])
        .arg("-k")
        .arg(&dir)
        .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
    if tls_root.is_some() {
        server
            .args(["-c", "ssl=on"])
            .arg("-c")
            .arg(format!(
                "ssl_cert_file={}",
                dir.join("server.crt").display()
            ))
            .arg("-c")
            .arg(format!("ssl_key_file={}", dir.join("server.key").display()));
    }
    let child = server
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child);
    // The server's own pid, from its pid file (runuser may stand between).
    for _ in 0..500 {
        if let Ok(text) = std::fs::read_to_string(data.join("postmaster.pid"))
            && let Some(pid) = text
                .lines()
                .next()
                .and_then(|l| l.trim().parse::<u32>().ok())
            && text.lines().count() >= 8
            && text.contains("ready")
        {
            PID.store(pid, Ordering::SeqCst);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        PID.load(Ordering::SeqCst) != 0,
        "the test server did not start"
    );
    // SAFETY: registering a plain extern "C" function.
    unsafe { libc::atexit(stop_server) };
    let s = PgServer {
        port,
        bin,
        dir,
        tls_root,
        host: "127.0.0.1".into(),
        admin: "weft".into(),
        password: PASSWORD.into(),
        external: false,
    };
    if s.tls_root.is_some() {
        s.psql(
            "postgres",
            &format!("CREATE ROLE {TLS_ROLE} LOGIN PASSWORD '{PASSWORD}'"),
        );
    }
    Some(s)
}

/// The server, started on first use; `None` (after printing why) when
/// PostgreSQL is not installed.
pub fn server() -> Option<&'static PgServer> {
    SERVER.get_or_init(start).as_ref()
}

impl PgServer {
    /// A new empty database owned by `role`, and its URL for that role.
    pub fn fresh_database_of(&self, hint: &str, role: &str) -> String {
        let url = self.fresh_database(hint);
        let db = url.rsplit('/').next().unwrap().to_string();
        self.psql("postgres", &format!("ALTER DATABASE {db} OWNER TO {role}"));
        self.psql(&db, &format!("ALTER SCHEMA public OWNER TO {role}"));
        format!("postgres://{role}@{}:{}/{db}", self.host, self.port)
    }

    /// A new empty database for one test, and its URL (without the password).
    pub fn fresh_database(&self, hint: &str) -> String {
        let n = NEXT_DB.fetch_add(1, Ordering::SeqCst);
        let name = format!(
            "t_{}_{}_{n}",
            hint.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>(),
            std::process::id()
        )
        .to_lowercase();
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// A new empty database for an in-process test, and its URL over the
    /// server's Unix socket, where the test role is trusted (so the test
    /// process needs no password in its environment).
    pub fn fresh_socket_database(&self, hint: &str) -> String {
        let url = self.fresh_database(hint);
        let db = url.rsplit('/').next().unwrap().to_string();
        self.socket_url(&db)
    }

    /// The URL of a database through the server's Unix socket.
    pub fn socket_url(&self, db: &str) -> String {
        if self.external {
            // No socket of ours: over TCP, the password in PGPASSWORD.
            return self.url(db);
        }
        let mut host = String::new();
        for b in self.dir.to_string_lossy().bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                host.push(b as char);
            } else {
                host.push_str(&format!("%{b:02X}"));
            }
        }
        format!("postgres://weft@{host}:{}/{db}", self.port)
    }

    /// The URL of a database on this server (the password comes from PGPASSWORD).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{}@{}:{}/{db}", self.admin, self.host, self.port)
    }

    /// psql on a database as the admin role: over our cluster's socket
    /// (trusted), or over TCP with the password for an external server.
    pub fn psql_command(&self, db: &str) -> Command {
        let mut c = Command::new(self.bin.join("psql"));
        c.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"]);
        if self.external {
            c.arg(&self.host).env("PGPASSWORD", &self.password);
        } else {
            c.arg(&self.dir);
        }
        c.args(["-p", &self.port.to_string(), "-U", &self.admin, "-d", db]);
        c
    }

    /// Runs SQL through psql as the admin role and returns its output.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = self.psql_command(db).args(["-c", sql]).output().unwrap();
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}
