//! Shared helpers: a temp dir and the real `weft` binary.
#![allow(dead_code)]

pub mod load;
pub mod pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temp directory that holds a project and input files.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write input");
        p
    }

    /// Runs `weft` with these arguments in the sandbox directory.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_as("tester", args)
    }

    /// Runs `weft` as this coder (`WEFT_CODER`).
    pub fn run_as(&self, coder: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_weft"))
            .args(args)
            .current_dir(self.dir.path())
            .env("WEFT_CODER", coder)
            .output()
            .expect("run weft")
    }

    /// Runs `weft` as this coder and asserts success; returns stdout.
    pub fn ok_as(&self, coder: &str, args: &[&str]) -> String {
        let out = self.run_as(coder, args);
        assert!(
            out.status.success(),
            "weft {args:?} as {coder} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs `weft` and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "weft {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs `weft` and asserts failure; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "weft {args:?} should have failed");
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }
}

/// Parses CSV output into rows of fields (header included).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("csv row").iter().map(String::from).collect())
        .collect()
}

pub fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).expect("read")
}

/// A small deterministic random generator, so a failing run can be replayed
/// from its seed.
pub struct Lcg(pub u64);

impl Lcg {
    /// The next 31 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() as usize) % n.max(1)
    }
}

/// Whether a system tool a test needs is on the `PATH`. When it is missing the
/// test prints "skipped: TOOL not installed" and returns, unless the variable
/// `require_var` (set by `.ci/run`, e.g. `WEFT_REQUIRE_XMLLINT=1`) asks for the
/// tool, in which case the test fails instead.
pub fn have_tool(tool: &str, version_arg: &str, require_var: &str) -> bool {
    let found = Command::new(tool)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let required = std::env::var(require_var).is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(
            !required,
            "{tool} is required ({require_var} is set) but is not installed"
        );
        eprintln!("skipped: {tool} not installed");
    }
    found
}
