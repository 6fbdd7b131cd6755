//! `weft agreement`: inter-coder agreement, and the list of disagreements.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use crate::analysis::agreement::{self, AgreementUnit, Include, Report, Row, Scope};
use crate::edit::ops::find_code;
use crate::export::agreement as export;
use crate::model::{CharRange, ProjectSnapshot};
use crate::store::{Reader, Store};
use crate::text::CharIndex;

/// Which rows `weft agreement` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// One row per code and document.
    CodeDocument,
    /// Each code pooled over the documents, with NVivo-style means of its
    /// per-document figures.
    Code,
    /// Each document pooled over the codes.
    Document,
    /// Everything pooled.
    Overall,
}

/// Output formats of `weft agreement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgreementFormat {
    /// Comma-separated values.
    Csv,
    /// JSON, with the reason for each undefined figure.
    Json,
    /// An Excel workbook with an About sheet (needs --out).
    Xlsx,
}

/// Arguments of `weft agreement`.
#[derive(Debug, Args)]
pub struct AgreementArgs {
    /// The project file.
    pub project: PathBuf,
    /// The coders to compare, comma-separated (two or more).
    #[arg(long, value_delimiter = ',', required = true)]
    pub coders: Vec<String>,
    /// Only these codes (paths such as `Barriers/Cost`); default every code.
    #[arg(long, num_args = 1..)]
    pub codes: Vec<String>,
    /// Only these documents; default every document.
    #[arg(long, num_args = 1..)]
    pub docs: Vec<String>,
    /// Which rows to print.
    #[arg(long, value_enum, default_value_t = By::Code)]
    pub by: By,
    /// The unit: a code point, a sentence, a paragraph or a whole document
    /// (a larger unit counts as coded when any of its characters is).
    #[arg(long, value_enum, default_value_t = AgreementUnit::Character)]
    pub unit: AgreementUnit,
    /// For a parent code: its own segments only, with its children's, or with
    /// all its descendants'.
    #[arg(long, value_enum, default_value_t = Include::Exact)]
    pub include: Include,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AgreementFormat::Csv)]
    pub format: AgreementFormat,
    /// Write to this file (needed for xlsx).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// List the passages where the first two coders disagree, largest first,
    /// as CSV with both coders' ranges and the passage's text.
    #[arg(long)]
    pub disagreements: bool,
}

/// Resolves the arguments into a scope.
pub fn scope(snap: &ProjectSnapshot, a: &AgreementArgs) -> anyhow::Result<Scope> {
    let mut coders = Vec::new();
    for name in &a.coders {
        let c = snap.coder_named(name.trim()).with_context(|| {
            format!(
                "no coder \"{name}\"; the project's coders are: {}",
                snap.coders
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        coders.push(c.id);
    }
    let codes = if a.codes.is_empty() {
        None
    } else {
        Some(
            a.codes
                .iter()
                .map(|p| find_code(&snap.codes, p))
                .collect::<crate::error::Result<Vec<_>>>()?,
        )
    };
    let documents = if a.docs.is_empty() {
        None
    } else {
        let mut ids = Vec::new();
        for name in &a.docs {
            let d = snap
                .document_named(name)
                .with_context(|| format!("no document \"{name}\"; list them with `weft docs`"))?;
            ids.push(d.id);
        }
        Some(ids)
    };
    Ok(Scope {
        coders,
        codes,
        documents,
        unit: a.unit,
        include: a.include,
    })
}

/// The options as (name, value) pairs, for the JSON and the About sheet.
pub fn about(snap: &ProjectSnapshot, scope: &Scope, by: &str) -> Vec<(String, String)> {
    let names = |ids: &[crate::model::CoderId]| {
        ids.iter()
            .map(|c| snap.coder_name(*c).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = vec![
        ("weft".to_string(), env!("CARGO_PKG_VERSION").to_string()),
        ("project".into(), snap.name.clone()),
        ("coders".into(), names(&scope.coders)),
        (
            "codes".into(),
            scope.codes.as_ref().map_or("every code".into(), |c| {
                c.iter()
                    .map(|c| snap.codes.path(*c))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        ),
        (
            "documents".into(),
            scope
                .documents
                .as_ref()
                .map_or("every document".into(), |d| {
                    d.iter()
                        .filter_map(|d| snap.document(*d).map(|d| d.name.clone()))
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
        ),
        ("unit".into(), scope.unit.as_str().into()),
        (
            "include".into(),
            format!("{:?}", scope.include).to_lowercase(),
        ),
        ("rows".into(), by.into()),
        (
            "how".into(),
            "A coder's segments are merged into runs first; a unit is coded when any of its \
             characters is; a coder who coded nothing in a document is missing there. \
             Agreement is a fraction from 0 to 1; an empty cell is undefined."
                .into(),
        ),
    ];
    out.retain(|(_, v)| !v.is_empty());
    out
}

/// The rows asked for.
pub fn rows_for(report: &Report, by: By) -> &[Row] {
    match by {
        By::CodeDocument => &report.by_code_document,
        By::Code => &report.by_code,
        By::Document => &report.by_document,
        By::Overall => &report.overall,
    }
}

pub fn agreement(a: AgreementArgs) -> anyhow::Result<()> {
    let store = Store::open(&a.project)?;
    let r = store.read();
    let snap = r.snapshot_for_counting()?;
    let scope = scope(&snap, &a)?;
    if a.disagreements {
        return disagreements(&r, &snap, &scope, &a);
    }
    let units = agreement::units_for(&snap, &scope, |d| r.document_text(d))?;
    let report = agreement::compute(&snap, &scope, &units)?;
    let rows = rows_for(&report, a.by);
    let by =
        a.by.to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_string());
    let about = about(&snap, &scope, &by);
    match (a.format, &a.out) {
        (AgreementFormat::Xlsx, Some(path)) => export::write_xlsx(&snap, rows, &about, path)?,
        (AgreementFormat::Xlsx, None) => bail!("an xlsx report needs --out FILE.xlsx"),
        (format, Some(path)) => crate::export::write_atomically(path, |f| -> anyhow::Result<()> {
            match format {
                AgreementFormat::Json => export::write_json(&snap, rows, &about, f)?,
                _ => export::write_csv(&snap, rows, f)?,
            }
            Ok(())
        })?,
        (AgreementFormat::Json, None) => {
            export::write_json(&snap, rows, &about, std::io::stdout().lock())?;
            println!();
        }
        (_, None) => export::write_csv(&snap, rows, std::io::stdout().lock())?,
    }
    if let Some(path) = &a.out {
        eprintln!("Wrote {} row(s) to {}", rows.len(), path.display());
    }
    // One note per coder who left documents untouched.
    for c in &scope.coders {
        let docs: Vec<&str> = report
            .absent
            .iter()
            .filter(|(_, k)| k == c)
            .filter_map(|(d, _)| snap.document(*d).map(|d| d.name.as_str()))
            .collect();
        if docs.is_empty() {
            continue;
        }
        let shown = docs.iter().take(5).copied().collect::<Vec<_>>().join(", ");
        let more = if docs.len() > 5 { ", …" } else { "" };
        eprintln!(
            "Note: {} coded nothing in {} document(s) ({shown}{more}); they count as missing for {}, not as \"coded nothing\".",
            snap.coder_name(*c),
            docs.len(),
            snap.coder_name(*c)
        );
    }
    Ok(())
}

fn disagreements(
    r: &Reader<'_>,
    snap: &ProjectSnapshot,
    scope: &Scope,
    a: &AgreementArgs,
) -> anyhow::Result<()> {
    if scope.coders.len() != 2 {
        bail!("--disagreements compares two coders; name exactly two with --coders A,B");
    }
    if a.format != AgreementFormat::Csv {
        bail!("--disagreements writes CSV only");
    }
    let (first, second) = (scope.coders[0], scope.coders[1]);
    let list = agreement::disagreements(snap, first, second, scope);
    let mut texts: HashMap<crate::model::DocumentId, String> = HashMap::new();
    let text = |d: &agreement::Disagreement| -> crate::error::Result<String> {
        let text = match texts.entry(d.document) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(r.document_text(d.document)?),
        };
        Ok(passage(text, d.range))
    };
    let names = (snap.coder_name(first), snap.coder_name(second));
    match &a.out {
        Some(path) => {
            crate::export::write_atomically(path, |f| {
                export::write_disagreements_csv(snap, names, &list, text, f)
            })?;
            eprintln!("Wrote {} disagreement(s) to {}", list.len(), path.display());
        }
        None => {
            export::write_disagreements_csv(snap, names, &list, text, std::io::stdout().lock())?
        }
    }
    Ok(())
}

/// The text of a range of a document.
pub fn passage(text: &str, range: CharRange) -> String {
    let index = CharIndex::new(text);
    let n = index.char_len();
    index
        .slice(CharRange::new(range.start.min(n), range.end.min(n)))
        .to_string()
}
