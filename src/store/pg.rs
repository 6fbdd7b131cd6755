//! Projects on a PostgreSQL server: the connection (URL, password, clear
//! errors), the PostgreSQL dialect's schema, and moving a whole project
//! between a `.weft` file and a server database (`weft push`, `weft pull`).
//!
//! The schema is the SQLite one in PostgreSQL's dialect (see
//! [`PG_MIGRATIONS`]): `BIGINT` ids, `"end"` quoted, text that is sorted or
//! unique declared `COLLATE "C"` so that both backends sort alike, foreign keys
//! deferrable so that a whole project can be copied in any order inside one
//! transaction, and a `weft_meta` table in place of SQLite's PRAGMAs.
//!
//! No password is ever part of an error or a message: errors name the server
//! as `user@host:port/database`. TLS (rustls, with the ring provider, so no
//! system library is needed) is used when the URL asks for it with
//! `sslmode=require`, `verify-ca` or `verify-full`; the certificate is always
//! verified, against the system's authorities and `sslrootcert`.

use std::io::{BufRead, Write};
use std::path::Path;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, NoTls};
use rusqlite::types::ValueRef;

use super::sql::{Db, p};
use super::{APPLICATION_ID, Store, TABLES, migrations};
use crate::error::{Error, Result};

/// The PostgreSQL dialect's migrations, numbered as SQLite's (see
/// [`migrations::MIGRATIONS`]); append-only, like them. Projects could first
/// be put on a server at version 9, so versions 1 to 8 have nothing to do
/// here and version 9 makes the whole schema.
pub const PG_MIGRATIONS: &[&str] = &[
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    // 9: the schema of SQLite version 9.
    r#"
    CREATE TABLE weft_meta (
        key    TEXT COLLATE "C" PRIMARY KEY,
        value  TEXT NOT NULL
    );
    CREATE TABLE project (
        id          BIGINT PRIMARY KEY CHECK (id = 1),
        name        TEXT NOT NULL,
        guid        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        memo        TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE participant (
        id    BIGINT PRIMARY KEY,
        guid  TEXT COLLATE "C" NOT NULL UNIQUE,
        name  TEXT COLLATE "C" NOT NULL UNIQUE
    );
    CREATE TABLE document (
        id              BIGINT PRIMARY KEY,
        guid            TEXT COLLATE "C" NOT NULL UNIQUE,
        name            TEXT COLLATE "C" NOT NULL UNIQUE,
        participant_id  BIGINT REFERENCES participant(id) DEFERRABLE,
        char_len        BIGINT NOT NULL,
        source_file     TEXT NOT NULL,
        encoding        TEXT NOT NULL,
        imported_at     TEXT NOT NULL,
        memo            TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX document_participant ON document(participant_id);
    CREATE TABLE document_text (
        document_id  BIGINT PRIMARY KEY REFERENCES document(id) ON DELETE CASCADE DEFERRABLE,
        text         TEXT NOT NULL
    );
    CREATE TABLE turn (
        document_id   BIGINT NOT NULL REFERENCES document(id) ON DELETE CASCADE DEFERRABLE,
        start         BIGINT NOT NULL,
        "end"         BIGINT NOT NULL,
        speech_start  BIGINT NOT NULL,
        speaker       TEXT NOT NULL,
        PRIMARY KEY (document_id, start)
    );
    CREATE TABLE cue_time (
        document_id  BIGINT NOT NULL REFERENCES document(id) ON DELETE CASCADE DEFERRABLE,
        start        BIGINT NOT NULL,
        "end"        BIGINT NOT NULL,
        start_ms     BIGINT NOT NULL,
        end_ms       BIGINT NOT NULL,
        PRIMARY KEY (document_id, start)
    );
    CREATE TABLE attribute (
        id        BIGINT PRIMARY KEY,
        guid      TEXT COLLATE "C" NOT NULL UNIQUE,
        name      TEXT COLLATE "C" NOT NULL UNIQUE,
        kind      TEXT NOT NULL CHECK (kind IN ('text', 'number', 'date', 'bool')),
        position  BIGINT NOT NULL
    );
    CREATE TABLE attribute_value (
        participant_id  BIGINT NOT NULL REFERENCES participant(id) DEFERRABLE,
        attribute_id    BIGINT NOT NULL REFERENCES attribute(id) DEFERRABLE,
        value           TEXT NOT NULL,
        PRIMARY KEY (participant_id, attribute_id)
    );
    CREATE TABLE code (
        id                BIGINT PRIMARY KEY,
        guid              TEXT COLLATE "C" NOT NULL UNIQUE,
        parent_id         BIGINT REFERENCES code(id) DEFERRABLE,
        name              TEXT COLLATE "C" NOT NULL CHECK (name <> '' AND strpos(name, '/') = 0),
        color             TEXT NOT NULL,
        description       TEXT NOT NULL DEFAULT '',
        position          BIGINT NOT NULL,
        memo              TEXT NOT NULL DEFAULT '',
        short_definition  TEXT NOT NULL DEFAULT '',
        when_to_use       TEXT NOT NULL DEFAULT '',
        when_not_to_use   TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX code_sibling_name ON code(coalesce(parent_id, 0), name);
    CREATE TABLE coder (
        id    BIGINT PRIMARY KEY,
        guid  TEXT COLLATE "C" NOT NULL UNIQUE,
        name  TEXT COLLATE "C" NOT NULL UNIQUE
    );
    CREATE TABLE segment (
        id           BIGINT PRIMARY KEY,
        guid         TEXT COLLATE "C" NOT NULL UNIQUE,
        document_id  BIGINT NOT NULL REFERENCES document(id) DEFERRABLE,
        code_id      BIGINT NOT NULL REFERENCES code(id) DEFERRABLE,
        start        BIGINT NOT NULL CHECK (start >= 0),
        "end"        BIGINT NOT NULL CHECK ("end" > start),
        coder_id     BIGINT NOT NULL REFERENCES coder(id) DEFERRABLE,
        created_at   TEXT NOT NULL,
        memo         TEXT NOT NULL DEFAULT '',
        exemplar     BIGINT NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX segment_once ON segment(document_id, code_id, start, "end", coder_id);
    CREATE INDEX segment_code ON segment(code_id);
    CREATE INDEX segment_coder ON segment(coder_id);
    CREATE TABLE history (
        id          BIGINT PRIMARY KEY,
        stack       TEXT NOT NULL CHECK (stack IN ('undo', 'redo')),
        label       TEXT NOT NULL,
        edit        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        coder       TEXT COLLATE "C" NOT NULL DEFAULT ''
    );
    CREATE INDEX history_stack ON history(stack, coder, id);
    CREATE TABLE cell_summary (
        participant_id  BIGINT NOT NULL REFERENCES participant(id) DEFERRABLE,
        code_id         BIGINT NOT NULL REFERENCES code(id) DEFERRABLE,
        text            TEXT NOT NULL,
        PRIMARY KEY (participant_id, code_id)
    );
    CREATE TABLE reconcile_decision (
        document_guid  TEXT COLLATE "C" NOT NULL,
        code_guid      TEXT COLLATE "C" NOT NULL,
        start          BIGINT NOT NULL,
        "end"          BIGINT NOT NULL,
        coder          TEXT COLLATE "C" NOT NULL,
        choice         TEXT NOT NULL,
        PRIMARY KEY (document_guid, code_guid, start, "end", coder)
    );
    CREATE TABLE practice (
        id      BIGINT PRIMARY KEY CHECK (id = 1),
        expert  TEXT NOT NULL
    );
    CREATE TABLE practice_answer (
        document_guid  TEXT COLLATE "C" NOT NULL,
        code_guid      TEXT COLLATE "C" NOT NULL,
        start          BIGINT NOT NULL,
        "end"          BIGINT NOT NULL,
        reason         TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (document_guid, code_guid, start, "end")
    );
    "#,
    // 10: as SQLite's: each table's next id only grows; history keeps witnesses.
    r#"
    CREATE TABLE id_high_water (
        tbl   TEXT COLLATE "C" PRIMARY KEY,
        next  BIGINT NOT NULL
    );
    INSERT INTO id_high_water (tbl, next)
        SELECT 'document', coalesce(max(id), 0) + 1 FROM document
        UNION ALL SELECT 'participant', coalesce(max(id), 0) + 1 FROM participant
        UNION ALL SELECT 'attribute', coalesce(max(id), 0) + 1 FROM attribute
        UNION ALL SELECT 'code', coalesce(max(id), 0) + 1 FROM code
        UNION ALL SELECT 'coder', coalesce(max(id), 0) + 1 FROM coder
        UNION ALL SELECT 'segment', coalesce(max(id), 0) + 1 FROM segment;
    ALTER TABLE history ADD COLUMN witness TEXT NOT NULL DEFAULT '';
    "#,
    // 11: as SQLite's: the change log, read by the other windows.
    r#"
    CREATE TABLE change_log (
        seq         BIGINT PRIMARY KEY,
        guid        TEXT COLLATE "C" NOT NULL UNIQUE,
        coder       TEXT COLLATE "C" NOT NULL,
        label       TEXT NOT NULL,
        edit        TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    "#,
    // 12: the team. Each member is a PostgreSQL login mapped to a Weft coder
    // with a role; row-level security lets a coder add, change and remove
    // only their own segments (memos included) and history, and leaves the
    // rest to leads. The database's owner (who pushed the project) is a
    // lead without a row. `weft team add` grants a login its table rights.
    r#"
    CREATE TABLE team_member (
        login  TEXT COLLATE "C" PRIMARY KEY,
        coder  TEXT COLLATE "C" NOT NULL UNIQUE,
        role   TEXT NOT NULL CHECK (role IN ('lead', 'coder'))
    );
    CREATE FUNCTION weft_is_lead() RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
        SELECT NOT EXISTS (SELECT 1 FROM team_member WHERE login = current_user)
            OR EXISTS (SELECT 1 FROM team_member WHERE login = current_user AND role = 'lead')
    $$;
    CREATE FUNCTION weft_my_coder() RETURNS TEXT LANGUAGE sql STABLE AS $$
        SELECT coder FROM team_member WHERE login = current_user
    $$;
    CREATE FUNCTION weft_my_coder_id() RETURNS BIGINT LANGUAGE sql STABLE AS $$
        SELECT c.id FROM coder c JOIN team_member t ON t.coder = c.name
        WHERE t.login = current_user
    $$;
    ALTER TABLE segment ENABLE ROW LEVEL SECURITY;
    CREATE POLICY everyone_reads ON segment FOR SELECT USING (true);
    CREATE POLICY own_segments ON segment FOR ALL
        USING (weft_is_lead() OR coder_id = weft_my_coder_id())
        WITH CHECK (weft_is_lead() OR coder_id = weft_my_coder_id());
    ALTER TABLE history ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_history ON history FOR ALL
        USING (weft_is_lead() OR coder = weft_my_coder())
        WITH CHECK (weft_is_lead() OR coder = weft_my_coder());
    ALTER TABLE change_log ENABLE ROW LEVEL SECURITY;
    CREATE POLICY everyone_reads ON change_log FOR SELECT USING (true);
    CREATE POLICY own_changes ON change_log FOR INSERT
        WITH CHECK (weft_is_lead() OR coder = weft_my_coder());
    CREATE POLICY leads_prune ON change_log FOR DELETE USING (weft_is_lead());
    "#,
];

/// A team member: a PostgreSQL login, the Weft coder it codes as, and its
/// role (`lead` or `coder`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The PostgreSQL login.
    pub login: String,
    /// The coder name its segments and history carry.
    pub coder: String,
    /// `lead` or `coder`.
    pub role: String,
}

/// Table rights per role; row-level security (migration 12) narrows a
/// coder's to their own segments and history.
const CODER_GRANTS: &str = "GRANT INSERT, UPDATE, DELETE ON segment, history TO {who};
     GRANT INSERT, DELETE ON change_log TO {who};
     GRANT INSERT, UPDATE ON id_high_water TO {who};";
const LEAD_GRANTS: &str = "GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who};
     REVOKE INSERT, UPDATE, DELETE ON team_member, weft_meta FROM {who};";

/// Makes `login` a member of the team project `store` is open on, coding as
/// `coder`, with `role`: creates the login if the server has none by that
/// name (it then has no password: IT or `ALTER ROLE … PASSWORD` sets one),
/// lets it connect and read the project, and grants what the role may
/// write. Run by the database's owner. Running it again changes the
/// member's coder or role.
pub fn add_member(store: &mut Store, login: &str, coder: &str, role: &str) -> Result<()> {
    if !store.db.is_pg() {
        return Err(Error::Invalid(
            "a team is a project on a PostgreSQL server; put the project there with weft push first".into(),
        ));
    }
    let login_ok = !login.is_empty()
        && login.len() <= 63
        && login.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !login_ok {
        return Err(Error::Invalid(format!(
            "\"{login}\" cannot be a login here: use letters, digits, _ . and -, starting with a letter"
        )));
    }
    if !matches!(role, "lead" | "coder") {
        return Err(Error::Invalid(format!(
            "the role \"{role}\" is not known; use lead or coder"
        )));
    }
    crate::model::check_name_characters("the coder name", coder)?;
    let taken: Option<String> = store.db.one(
        "SELECT login FROM team_member WHERE coder = ?1 AND login <> ?2",
        p![coder, login],
        |r| r.get(0),
    )?;
    if let Some(other) = taken {
        return Err(Error::Invalid(format!(
            "the coder \"{coder}\" is already the login {other}'s; choose another coder name"
        )));
    }
    // The coder row, as an ordinary change (so it is undone like one).
    store.change(&format!("Add {coder} to the team"), |r| {
        if r.coder_by_name(coder)?.is_some() {
            return Ok(crate::edit::Edit::Batch(vec![]));
        }
        Ok(crate::edit::Edit::InsertCoders(vec![crate::model::Coder {
            id: crate::model::CoderId(r.next_id("coder")?),
            guid: crate::model::new_guid(),
            name: coder.to_string(),
        }]))
    })?;
    let db = &store.db;
    let tx = db.begin_write()?;
    let exists: bool = db.value(
        "SELECT count(*) > 0 FROM pg_roles WHERE rolname = ?1",
        p![login],
    )?;
    let who = format!("\"{login}\"");
    if !exists {
        db.batch(&format!("CREATE ROLE {who} LOGIN")).map_err(|e| {
            Error::Invalid(format!(
                "the server has no login {login} and you may not create one ({e}); ask IT to create it, then run this again"
            ))
        })?;
    }
    let (database, schema): (String, String) = db
        .one("SELECT current_database(), current_schema()", p![], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .ok_or_else(|| Error::Invalid("the server did not say which database this is".into()))?;
    let fill = |sql: &str| {
        sql.replace("{who}", &who)
            .replace("{schema}", &format!("\"{schema}\""))
    };
    db.batch(&fill(&format!(
        "GRANT CONNECT ON DATABASE \"{database}\" TO {{who}};
         GRANT USAGE ON SCHEMA {{schema}} TO {{who}};
         REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {{schema}} FROM {{who}};
         GRANT SELECT ON ALL TABLES IN SCHEMA {{schema}} TO {{who}};
         {}",
        if role == "lead" {
            LEAD_GRANTS
        } else {
            CODER_GRANTS
        }
    )))?;
    db.execute(
        "INSERT INTO team_member (login, coder, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (login) DO UPDATE SET coder = excluded.coder, role = excluded.role",
        p![login, coder, role],
    )?;
    tx.commit()
}

/// The team's members, by login.
pub fn members(store: &Store) -> Result<Vec<Member>> {
    if !store.db.is_pg() {
        return Ok(Vec::new());
    }
    store.db.list(
        "SELECT login, coder, role FROM team_member ORDER BY login",
        p![],
        |r| {
            Ok(Member {
                login: r.get(0)?,
                coder: r.get(1)?,
                role: r.get(2)?,
            })
        },
    )
}

/// Listens for other coders' changes to a server project on a connection
/// and thread of its own, and rings (calls `ring`) whenever one commits,
/// and once after each (re)connection, since changes may have come while it
/// was away. The ring only says "look": the change log is the truth. Stops
/// when dropped.
pub struct Listener {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Listener {
    /// Starts listening on `server`.
    pub fn start(server: Server, ring: impl Fn() + Send + 'static) -> Listener {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::Builder::new()
            .name("weft-listener".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    let Ok(mut client) = server.connect() else {
                        std::thread::sleep(std::time::Duration::from_secs(2));
                        continue;
                    };
                    if client
                        .batch_execute(&format!(
                            "SET application_name = 'weft-listener'; LISTEN {}",
                            super::CHANGE_CHANNEL
                        ))
                        .is_err()
                    {
                        std::thread::sleep(std::time::Duration::from_secs(2));
                        continue;
                    }
                    ring();
                    'listen: while !stopped.load(Ordering::Relaxed) {
                        let mut rang = false;
                        {
                            let mut notes = client.notifications();
                            let mut waiting =
                                notes.timeout_iter(std::time::Duration::from_millis(250));
                            loop {
                                match waiting.next() {
                                    Ok(Some(_)) => rang = true,
                                    Ok(None) => break,
                                    Err(_) => break 'listen,
                                }
                            }
                        }
                        if rang {
                            ring();
                        }
                        if client.is_closed() {
                            break;
                        }
                    }
                }
            })
            .expect("start the listener thread");
        Listener { stop }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What each Weft connection's `application_name` starts with, before the
/// coder's name: how a window sees who else is working.
pub(crate) const APP_PREFIX: &str = "weft:";

/// Whether a project argument names a server rather than a file.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// A server database, parsed from a `postgres://` URL.
#[derive(Clone)]
pub struct Server {
    config: Config,
    /// `user@host:port/database`, for messages: never the password.
    shown: String,
    /// Host, port, database and user, as `~/.pgpass` lines match them.
    parts: [String; 4],
    /// TLS, asked for with `sslmode=require` (or `verify-ca`, `verify-full`).
    tls: bool,
    /// A PEM file of certificates to trust besides the system's (`sslrootcert`).
    root_cert: Option<std::path::PathBuf>,
    /// Whether a missing password is asked for in the terminal (not in the
    /// window, which asks in its own dialog).
    prompt: bool,
}

/// How the error for a server that wants a password begins.
pub const NEEDS_PASSWORD: &str = "the server asks for a password";

/// Takes libpq's `sslmode` and `sslrootcert` out of a URL's query (the
/// client library knows only some of their values), returning the rest.
fn take_tls_options(url: &str) -> Result<(String, bool, Option<std::path::PathBuf>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), false, None));
    };
    let (mut tls, mut root, mut rest) = (false, None, Vec::new());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "sslmode" => match v {
                "require" | "verify-ca" | "verify-full" => tls = true,
                "disable" | "allow" | "prefer" => tls = false,
                other => {
                    return Err(Error::Invalid(format!(
                        "sslmode={other} is not known; use require (TLS) or disable"
                    )));
                }
            },
            "sslrootcert" => root = Some(std::path::PathBuf::from(v)),
            _ => rest.push(pair),
        }
    }
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, tls, root))
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config holds the password: show only the safe name.
        write!(f, "Server({})", self.shown)
    }
}

impl Server {
    /// Parses a `postgres://user@host:port/database` URL (libpq's form; a
    /// password in the URL works but is better kept in `PGPASSWORD` or
    /// `~/.pgpass`).
    pub fn parse(url: &str) -> Result<Server> {
        let (url, tls, root_cert) = take_tls_options(url)?;
        let config: Config = url.parse().map_err(|_| {
            Error::Invalid(
                "not a PostgreSQL URL; write it as postgres://user@host:port/database".into(),
            )
        })?;
        let host = config
            .get_hosts()
            .first()
            .map(|h| match h {
                postgres::config::Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(p) => p.display().to_string(),
            })
            .unwrap_or_else(|| "localhost".into());
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let user = config.get_user().unwrap_or("").to_string();
        let db = config.get_dbname().unwrap_or(&user).to_string();
        if user.is_empty() {
            return Err(Error::Invalid(
                "the URL names no user; write it as postgres://user@host:port/database".into(),
            ));
        }
        Ok(Server {
            shown: format!("{user}@{host}:{port}/{db}"),
            parts: [host, port.to_string(), db, user],
            config,
            tls,
            root_cert,
            prompt: true,
        })
    }

    /// Never asks for a password in the terminal (for the window).
    pub fn without_prompt(mut self) -> Server {
        self.prompt = false;
        self
    }

    /// Uses this password (typed into the window), kept only in memory.
    pub fn with_password(mut self, password: &str) -> Server {
        if !password.is_empty() {
            self.config.password(password);
        }
        self
    }

    /// `user@host:port/database`.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The server's URL without any password, with its TLS options: what
    /// the window keeps in its recent projects and shows in its title.
    pub fn url(&self) -> String {
        let enc = |s: &str| {
            let mut out = String::new();
            for b in s.bytes() {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            out
        };
        let [host, port, db, user] = &self.parts;
        let mut url = format!("postgres://{}@{}:{port}/{}", enc(user), enc(host), enc(db));
        let mut query = Vec::new();
        if self.tls {
            query.push("sslmode=require".to_string());
        }
        if let Some(root) = &self.root_cert {
            query.push(format!("sslrootcert={}", root.display()));
        }
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        url
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> Error {
        Error::Server {
            server: self.shown.clone(),
            message: message.into(),
        }
    }

    /// Connects, with the password from the URL, `PGPASSWORD`, `~/.pgpass`
    /// or (in a terminal) a prompt, in that order.
    pub fn connect(&self) -> Result<Client> {
        let mut config = self.config.clone();
        config.application_name("weft");
        config.connect_timeout(std::time::Duration::from_secs(10));
        if config.get_password().is_none()
            && let Some(pw) = self.stored_password()
        {
            config.password(pw);
        }
        match self.connect_with(&config) {
            Ok(c) => Ok(c),
            Err(ConnectError::Pg(e))
                if asks_for_password(&e) && config.get_password().is_none() =>
            {
                let asked = if self.prompt {
                    prompt_password(&self.shown)
                } else {
                    None
                };
                let Some(pw) = asked else {
                    return Err(self.error(format!(
                        "{NEEDS_PASSWORD}: type it, set PGPASSWORD, add the server to ~/.pgpass, or run weft in a terminal to be asked"
                    )));
                };
                config.password(pw);
                self.connect_with(&config)
                    .map_err(|e| self.connect_error(&e))
            }
            Err(e) => Err(self.connect_error(&e)),
        }
    }

    /// Connects in the clear, or with TLS (rustls) when the URL asks for it:
    /// then the server's certificate must be signed by a certificate the
    /// system trusts or the one `sslrootcert` names, for the host connected to.
    fn connect_with(&self, config: &Config) -> std::result::Result<Client, ConnectError> {
        if !self.tls {
            return config.connect(NoTls).map_err(ConnectError::Pg);
        }
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        if let Some(path) = &self.root_cert {
            use rustls::pki_types::{CertificateDer, pem::PemObject};
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect())
                .map_err(|e| {
                    ConnectError::Tls(format!("cannot read sslrootcert {} ({e})", path.display()))
                })?;
            roots.add_parsable_certificates(certs);
        }
        let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let mut config = config.clone();
        config.ssl_mode(postgres::config::SslMode::Require);
        config
            .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
            .map_err(ConnectError::Pg)
    }

    /// `PGPASSWORD`, else the first matching line of `~/.pgpass` (or the
    /// file `PGPASSFILE` names), as libpq reads them.
    fn stored_password(&self) -> Option<String> {
        if let Ok(pw) = std::env::var("PGPASSWORD")
            && !pw.is_empty()
        {
            return Some(pw);
        }
        let file = std::env::var_os("PGPASSFILE")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
        let text = std::fs::read_to_string(file).ok()?;
        let [host, port, db, user] = &self.parts;
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .find_map(|line| {
                let fields = split_pgpass(line);
                if fields.len() != 5 {
                    return None;
                }
                let fits = |pattern: &str, value: &str| pattern == "*" || pattern == value;
                (fits(&fields[0], host)
                    && fits(&fields[1], port)
                    && fits(&fields[2], db)
                    && fits(&fields[3], user))
                .then(|| fields[4].clone())
            })
    }

    fn connect_error(&self, e: &ConnectError) -> Error {
        let e = match e {
            ConnectError::Tls(why) => return self.error(format!("TLS cannot be set up: {why}")),
            ConnectError::Pg(e) => e,
        };
        if self.tls {
            let mut cur: Option<&dyn std::error::Error> = Some(e);
            while let Some(x) = cur {
                // rustls's error arrives inside an io::Error.
                let inner = x
                    .downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref())
                    .and_then(|i| i.downcast_ref::<rustls::Error>());
                if let Some(t) = x.downcast_ref::<rustls::Error>().or(inner) {
                    return self.error(format!(
                        "the server's certificate cannot be trusted ({t}): give the certificate of the authority that signed it with sslrootcert=FILE in the URL"
                    ));
                }
                cur = x.source();
            }
            if e.to_string().contains("does not support TLS") {
                return self.error(
                    "the server does not accept TLS connections, and the URL asks for them (sslmode=require)",
                );
            }
        }
        if let Some(db) = e.as_db_error() {
            use postgres::error::SqlState;
            let code = db.code();
            if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            {
                return self.error(
                    "authentication failed: check the user name and the password (PGPASSWORD or ~/.pgpass)",
                );
            }
            if *code == SqlState::INVALID_CATALOG_NAME {
                return self.error(
                    "the database does not exist: ask the server's administrator to create it (createdb), or check its name",
                );
            }
            return self.error(format!(
                "the server refused the connection ({})",
                db.message()
            ));
        }
        if asks_for_password(e) {
            return self.error(
                "the server asks for a password: set PGPASSWORD, add the server to ~/.pgpass, or run weft in a terminal to be asked",
            );
        }
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                return self.error(format!(
                    "cannot reach the server ({io}): check the host and port, that PostgreSQL is running, and that it accepts connections from this computer"
                ));
            }
            source = s.source();
        }
        if e.is_closed() || e.to_string().contains("timed out") {
            return self.error(
                "cannot reach the server (no answer): check the host and port, and any firewall between",
            );
        }
        self.error(format!("cannot connect ({e})"))
    }
}

/// Whether the server wanted a password that was not given (the client
/// library says so as "invalid configuration", with the reason as its source).
/// Why a connection failed: the server or client library, or setting up TLS.
#[derive(Debug)]
enum ConnectError {
    Pg(postgres::Error),
    Tls(String),
}

fn asks_for_password(e: &postgres::Error) -> bool {
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(x) = cur {
        if x.to_string().contains("password missing") {
            return true;
        }
        cur = x.source();
    }
    false
}

/// Splits a `~/.pgpass` line at unescaped colons, undoing `\:` and `\\`.
fn split_pgpass(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.last_mut().expect("one field").push(n);
                }
            }
            ':' => out.push(String::new()),
            c => out.last_mut().expect("one field").push(c),
        }
    }
    out
}

/// Asks for the password on the terminal without echoing it; `None` when
/// there is no terminal.
fn prompt_password(shown: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return None;
        }
        eprint!("Password for {shown}: ");
        let _ = std::io::stderr().flush();
        // SAFETY: tcgetattr/tcsetattr on stdin with a zeroed termios that
        // tcgetattr fills; the old settings are put back before returning.
        let mut old: libc::termios = unsafe { std::mem::zeroed() };
        let have = unsafe { libc::tcgetattr(0, &mut old) } == 0;
        if have {
            let mut quiet = old;
            quiet.c_lflag &= !libc::ECHO;
            unsafe { libc::tcsetattr(0, libc::TCSANOW, &quiet) };
        }
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        if have {
            unsafe { libc::tcsetattr(0, libc::TCSANOW, &old) };
        }
        eprintln!();
        read.ok()?;
        let pw = line.trim_end_matches(['\n', '\r']).to_string();
        (!pw.is_empty()).then_some(pw)
    }
    #[cfg(not(unix))]
    {
        let _ = shown;
        None
    }
}

/// The schema version of the Weft project in a server database, after
/// checking that it is one.
pub(crate) fn schema_version(db: &Db, server: &Server) -> Result<i64> {
    let not_weft = || {
        server.error(
            "the database is not a Weft project (no weft_meta table); put one there with weft push",
        )
    };
    let has: bool = db
        .value(
            "SELECT count(*) > 0 FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name = 'weft_meta'",
            p![],
        )
        .map_err(|e| server.error(e.to_string()))?;
    if !has {
        return Err(not_weft());
    }
    let rows: Vec<(String, String)> = db.list("SELECT key, value FROM weft_meta", p![], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    let get = |k: &str| rows.iter().find(|r| r.0 == k).map(|r| r.1.clone());
    if get("application_id") != Some(APPLICATION_ID.to_string()) {
        return Err(not_weft());
    }
    get("schema_version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(not_weft)
}

/// Brings a server project's schema from `from` to `target`, in the caller's
/// transaction, and records the new version.
pub(crate) fn migrate(db: &Db, from: i64, target: i64) -> Result<()> {
    for sql in steps(from, target) {
        db.batch(sql)?;
    }
    db.execute(
        "UPDATE weft_meta SET value = ?1 WHERE key = 'schema_version'",
        p![&*target.to_string()],
    )?;
    Ok(())
}

/// The migrations that take a server project from schema `from` to `target`.
fn steps(from: i64, target: i64) -> impl Iterator<Item = &'static str> {
    (from.max(0) as usize..target.max(0) as usize)
        .filter_map(|i| PG_MIGRATIONS.get(i).copied())
        .filter(|sql| !sql.is_empty())
}

/// Refuses a server project made by a newer Weft than this one.
pub(crate) fn refuse_newer(server: &Server, version: i64) -> Result<()> {
    let known = migrations::latest_version();
    if version > known {
        return Err(server.error(format!(
            "the project was made by a newer Weft (schema version {version}, this Weft knows up to {known}); update Weft"
        )));
    }
    Ok(())
}

/// One value in COPY's text format.
fn copy_text(v: ValueRef<'_>, out: &mut Vec<u8>) -> std::result::Result<(), String> {
    match v {
        ValueRef::Null => out.extend_from_slice(b"\\N"),
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(f) => out.extend_from_slice(f.to_string().as_bytes()),
        ValueRef::Text(t) => {
            for &b in t {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    0 => return Err("a text holds a NUL character".into()),
                    b => out.push(b),
                }
            }
        }
        ValueRef::Blob(_) => return Err("a column holds binary data".into()),
    }
    Ok(())
}

/// One field of COPY's text format back as text (`None` for `\N`).
fn uncopy_text(field: &str) -> Option<String> {
    if field == "\\N" {
        return None;
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(o) => out.push(o),
            None => {}
        }
    }
    Some(out)
}

fn columns(conn: &rusqlite::Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let cols = stmt
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(cols)
}

fn quoted(cols: &[String]) -> String {
    cols.iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a push or pull moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moved {
    /// Rows per table, in [`TABLES`] order (tables with none left out).
    pub rows: Vec<(&'static str, u64)>,
}

impl Moved {
    /// A line for the user: documents, codes and segments.
    pub fn summary(&self) -> String {
        let n = |t: &str| self.rows.iter().find(|(x, _)| *x == t).map_or(0, |r| r.1);
        format!(
            "{} document(s), {} code(s), {} segment(s), {} coder(s)",
            n("document"),
            n("code"),
            n("segment"),
            n("coder")
        )
    }
}

/// Uploads the project at `path` into `server`'s database, which must hold
/// no tables (in its current schema): all in one transaction, so a failure
/// or a kill leaves the database empty.
pub fn push(path: &Path, server: &Server) -> Result<Moved> {
    let store = Store::open(path)?;
    let mut client = server.connect()?;
    let failed =
        |why: String| server.error(format!("the upload failed and nothing was kept ({why})"));
    let fail = |e: postgres::Error| failed(pg_message(&e));
    let unsent = |e: std::io::Error| failed(e.to_string());
    let mut tx = client.transaction().map_err(fail)?;
    let existing: i64 = tx
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )
        .map_err(fail)?
        .get(0);
    if existing > 0 {
        let weft: bool = tx
            .query_one(
                "SELECT count(*) > 0 FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name = 'weft_meta'",
                &[],
            )
            .map_err(fail)?
            .get(0);
        return Err(server.error(if weft {
            "the database already holds a Weft project; open it with weft open, or push into an empty database".to_string()
        } else {
            format!("the database is not empty ({existing} table(s)); push into an empty database or schema")
        }));
    }
    let version = migrations::latest_version();
    for sql in steps(0, version) {
        tx.batch_execute(sql).map_err(fail)?;
    }
    // The project's own high-water marks replace the empty tables' ones.
    tx.batch_execute("DELETE FROM id_high_water")
        .map_err(fail)?;
    tx.batch_execute("SET CONSTRAINTS ALL DEFERRED")
        .map_err(fail)?;
    // One read transaction over the file, so the copy is one moment of it
    // even if a window or a script writes meanwhile.
    let conn = store
        .db
        .lite()
        .expect("push reads a file")
        .unchecked_transaction()?;
    let guid = store.read().project_guid()?;
    tx.execute(
        "INSERT INTO weft_meta (key, value) VALUES ('application_id', $1), ('schema_version', $2), ('project_guid', $3)",
        &[&APPLICATION_ID.to_string(), &version.to_string(), &guid],
    )
    .map_err(fail)?;
    let mut moved = Moved::default();
    for table in TABLES {
        let cols = columns(&conn, table)?;
        let mut stmt = conn.prepare(&format!("SELECT {} FROM {table}", quoted(&cols)))?;
        let mut rows = stmt.query([])?;
        let mut writer = tx
            .copy_in(&format!("COPY {table} ({}) FROM STDIN", quoted(&cols)))
            .map_err(fail)?;
        let mut n = 0u64;
        let mut buf = Vec::with_capacity(1 << 16);
        while let Some(row) = rows.next()? {
            for i in 0..cols.len() {
                if i > 0 {
                    buf.push(b'\t');
                }
                copy_text(row.get_ref(i)?, &mut buf).map_err(|why| Error::Damaged {
                    path: path.to_path_buf(),
                    reason: format!("{why} in table {table}"),
                })?;
            }
            buf.push(b'\n');
            n += 1;
            if buf.len() > 1 << 20 {
                writer.write_all(&buf).map_err(unsent)?;
                buf.clear();
            }
        }
        writer.write_all(&buf).map_err(unsent)?;
        writer.finish().map_err(fail)?;
        if n > 0 {
            moved.rows.push((table, n));
        }
    }
    tx.commit().map_err(fail)?;
    Ok(moved)
}

/// Saves the project in `server`'s database as a new `.weft` file at `path`,
/// all or nothing (built beside it and moved into place). The copy keeps the
/// project's GUID, so it merges back with `weft merge`.
pub fn pull(server: &Server, path: &Path) -> Result<Moved> {
    let db = Db::pg(server.connect()?);
    let fail = |e: postgres::Error| {
        server.error(format!("reading the project failed ({})", pg_message(&e)))
    };
    // One moment of the project, however many coders write meanwhile.
    let read = db.begin_read()?;
    refuse_newer(server, schema_version(&db, server)?)?;
    let guid: String = db.value(
        "SELECT value FROM weft_meta WHERE key = 'project_guid'",
        p![],
    )?;
    let (_, moved) = Store::build(path, Some(&guid), |store| {
        let conn = store
            .db
            .lite()
            .expect("pull writes a file")
            .unchecked_transaction()?;
        conn.execute("DELETE FROM project", [])?;
        conn.execute("DELETE FROM id_high_water", [])?;
        let mut moved = Moved::default();
        let mut client = db.pg_client().expect("pull reads a server");
        for table in TABLES {
            let cols = columns(&conn, table)?;
            let mut insert = conn.prepare(&format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                quoted(&cols),
                (1..=cols.len())
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))?;
            let reader = client
                .copy_out(&format!(
                    "COPY (SELECT {} FROM {table} ORDER BY 1) TO STDOUT",
                    quoted(&cols)
                ))
                .map_err(fail)?;
            let mut n = 0u64;
            for line in std::io::BufReader::new(reader).lines() {
                let line =
                    line.map_err(|e| server.error(format!("reading the project failed ({e})")))?;
                let values: Vec<Option<String>> = line.split('\t').map(uncopy_text).collect();
                if values.len() != cols.len() {
                    return Err(server.error(format!("table {table} has an unexpected row")));
                }
                insert.execute(rusqlite::params_from_iter(values.iter()))?;
                n += 1;
            }
            if n > 0 {
                moved.rows.push((table, n));
            }
        }
        conn.commit()?;
        Ok(moved)
    })?;
    read.commit()?;
    Ok(moved)
}

/// A server error's own message, without anything of ours that could hold a
/// password.
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_postgres_schema_has_a_step_for_every_sqlite_version() {
        assert_eq!(PG_MIGRATIONS.len() as i64, migrations::latest_version());
    }

    #[test]
    fn copy_text_round_trips_every_character_that_needs_escaping() {
        let text = "a\\b\tc\nd\re ✍ \\N";
        let mut out = Vec::new();
        copy_text(ValueRef::Text(text.as_bytes()), &mut out).unwrap();
        let line = String::from_utf8(out).unwrap();
        assert!(!line.contains('\t') && !line.contains('\n'));
        assert_eq!(uncopy_text(&line).as_deref(), Some(text));
        let mut null = Vec::new();
        copy_text(ValueRef::Null, &mut null).unwrap();
        assert_eq!(uncopy_text(std::str::from_utf8(&null).unwrap()), None);
    }

    #[test]
    fn pgpass_lines_split_at_unescaped_colons() {
        assert_eq!(
            split_pgpass(r"db.example.org:5432:*:ana:pa\:ss\\word"),
            ["db.example.org", "5432", "*", "ana", r"pa:ss\word"]
        );
    }

    #[test]
    fn the_shown_name_never_holds_the_password() {
        let s = Server::parse("postgres://ana:secret@db.example.org:6543/study").unwrap();
        assert_eq!(s.shown(), "ana@db.example.org:6543/study");
        assert!(!format!("{s:?}").contains("secret"));
        assert!(Server::parse("postgres://db.example.org/study").is_err());
    }
}
