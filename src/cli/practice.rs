//! `weft practice make`, `weft practice demo` and `weft practice check`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::analysis::practice;
use crate::edit::merge::Source;
use crate::store::Store;

/// Practice against an expert's coding.
#[derive(Debug, Subcommand)]
pub enum PracticeCommand {
    /// Make a practice project from some documents and one coder's coding of them (kept hidden).
    #[command(
        after_help = "Example:\n  weft practice make study.weft --expert ana --docs P03,P07 --out practice.weft"
    )]
    Make {
        /// The project to take the documents, codebook and expert coding from.
        project: PathBuf,
        /// Whose coding the student is checked against; their segment memos are the reasons.
        #[arg(long)]
        expert: String,
        /// The documents, by name, separated by commas.
        #[arg(long, value_delimiter = ',', num_args = 1..)]
        docs: Vec<String>,
        /// The practice project to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the practice project Weft ships: two demo interviews with our coding and reasons.
    #[command(after_help = "Example:\n  weft practice demo practice.weft")]
    Demo {
        /// The practice project to write.
        out: PathBuf,
    },
    /// Compare your coding in a practice project with the expert's.
    #[command(
        after_help = "Examples:\n  weft practice check practice.weft\n  weft practice check practice.weft --coder cy"
    )]
    Check {
        /// The practice project.
        project: PathBuf,
        /// Whose coding to check (default: $WEFT_CODER, else your login name).
        #[arg(long)]
        coder: Option<String>,
    },
}

pub fn run(command: PracticeCommand) -> anyhow::Result<()> {
    match command {
        PracticeCommand::Make {
            project,
            expert,
            docs,
            out,
        } => {
            let store = Store::open(&project)?;
            let src = Source::load(&store.read())?;
            let s = &src.snapshot;
            let who = s
                .coder_named(expert.trim())
                .with_context(|| {
                    format!(
                        "no coder \"{expert}\" in {}; its coders are: {}",
                        project.display(),
                        s.coders
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?
                .clone();
            let mut ids = Vec::new();
            for name in docs.iter().map(|d| d.trim()).filter(|d| !d.is_empty()) {
                let d = s.document_named(name).with_context(|| {
                    format!("no document \"{name}\"; list them with `weft docs`")
                })?;
                if !ids.contains(&d.id) {
                    ids.push(d.id);
                }
            }
            if ids.is_empty() {
                bail!("--docs needs one or more document names");
            }
            let answers = crate::edit::practice::answers_of(&src, who.id, &ids);
            if answers.is_empty() {
                bail!(
                    "{} coded nothing in those documents: there is nothing to practise against",
                    who.name
                );
            }
            let with_reasons = answers.iter().filter(|a| !a.reason.is_empty()).count();
            let n = answers.len();
            let edit = crate::edit::practice::practice_copy(
                &src,
                &ids,
                crate::model::Practice {
                    expert: who.name.clone(),
                    answers,
                },
            )?;
            Store::build(&out, None, |p| p.change("Practice project", |_| Ok(edit)))?;
            println!(
                "Wrote {}: {} document(s), {n} passage(s) coded by {} ({with_reasons} with a reason), hidden until the student checks.",
                out.display(),
                ids.len(),
                who.name
            );
            if with_reasons < n {
                println!(
                    "Passages without a memo show no reason; add one with `weft memo` in {} and make the practice again.",
                    project.display()
                );
            }
        }
        PracticeCommand::Demo { out } => {
            crate::demo::write_practice(&out)?;
            println!("Wrote the practice project to {}", out.display());
        }
        PracticeCommand::Check { project, coder } => {
            let coder = coder.unwrap_or_else(crate::model::default_coder);
            let store = Store::open(&project)?;
            let r = store.read();
            let Some(p) = r.practice()? else {
                bail!(
                    "{} is not a practice project; make one with `weft practice make`",
                    project.display()
                );
            };
            let snap = r.snapshot()?;
            let student = snap.coder_named(&coder).map(|c| c.id).with_context(|| {
                format!(
                    "{coder} has not coded anything in {} yet",
                    project.display()
                )
            })?;
            let f = practice::check(&snap, &p, student)?;
            print!(
                "{}",
                practice::describe(&snap, &p, &f, |d, range| {
                    let text = r.document_text(d).ok()?;
                    Some(crate::text::CharIndex::new(&text).slice(range).to_string())
                })
            );
        }
    }
    Ok(())
}
