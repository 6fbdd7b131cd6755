//! `weft codes …` and `weft codebook import|export`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Subcommand;

use crate::edit::ops::{self, find_code};
use crate::export::codebook;
use crate::import::{extension, read_codebook};
use crate::model::CodeId;
use crate::store::Store;

/// `weft codebook` subcommands.
#[derive(Debug, Subcommand)]
pub enum CodebookCommand {
    /// Add the codes of a codebook file (.csv, .json or REFI-QDA .qdc); existing codes get its definitions and colours.
    #[command(
        after_help = "Example:\n  weft codebook import study.weft sample_codebooks/peer_support.csv"
    )]
    Import {
        /// The project file.
        project: PathBuf,
        /// A .csv (path,description,color) or .json codebook.
        file: PathBuf,
    },
    /// Write the codebook to a file; the format follows the extension.
    #[command(after_help = "Example:\n  weft codebook export study.weft codebook.csv")]
    Export {
        /// The project file.
        project: PathBuf,
        /// The .csv or .json file to write.
        file: PathBuf,
    },
}

/// `weft codes` subcommands.
#[derive(Debug, Subcommand)]
pub enum CodesCommand {
    /// Print the code tree with each code's segment and participant counts.
    #[command(after_help = "Example:\n  weft codes list study.weft")]
    List {
        /// The project file.
        project: PathBuf,
    },
    /// Add a code (and any missing parents) by path.
    #[command(
        after_help = "Example:\n  weft codes add study.weft \"Types of support/Emotional/Reassurance\" --color \"#e6194b\""
    )]
    Add {
        /// The project file.
        project: PathBuf,
        /// The new code's path.
        path: String,
        /// Colour as #rrggbb.
        #[arg(long)]
        color: Option<String>,
        /// Definition: what it means, when to use it and when not.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Rename a code (its children and segments stay).
    #[command(
        after_help = "Example:\n  weft codes rename study.weft \"Types of support/Informational\" Information"
    )]
    Rename {
        /// The project file.
        project: PathBuf,
        /// The code's path.
        path: String,
        /// Its new name (not a path).
        name: String,
    },
    /// Move a code, with its children, under another code or to the top level.
    #[command(
        after_help = "Example:\n  weft codes move study.weft \"Types of support/Advocacy\" --to Engagement"
    )]
    Move {
        /// The project file.
        project: PathBuf,
        /// The code's path.
        path: String,
        /// The new parent's path; leave out to move to the top level.
        #[arg(long)]
        to: Option<String>,
    },
    /// Merge a code into another: its segments and children move to the target.
    #[command(
        after_help = "Example:\n  weft codes merge study.weft \"Types of support/Emotional/Validation\" \"Types of support/Emotional\""
    )]
    Merge {
        /// The project file.
        project: PathBuf,
        /// The code that goes away.
        source: String,
        /// The code that keeps everything.
        target: String,
    },
    /// Delete a code with its children; with segments, only with --force.
    #[command(after_help = "Example:\n  weft codes delete study.weft Outcomes --force")]
    Delete {
        /// The project file.
        project: PathBuf,
        /// The code's path.
        path: String,
        /// Delete its segments too.
        #[arg(long)]
        force: bool,
    },
    /// Set a code's colour or its codebook parts: short and full definition,
    /// when to use it, when not.
    #[command(
        after_help = "Examples:\n  weft codes describe study.weft Outcomes --color \"#469990\" --description \"Changes the parent links to the mentor\"\n  weft codes describe study.weft Outcomes --short \"What changed\" --when \"The parent names a change\" --when-not \"Hopes for change (use Goals)\""
    )]
    Describe {
        /// The project file.
        project: PathBuf,
        /// The code's path.
        path: String,
        /// New full definition.
        #[arg(long)]
        description: Option<String>,
        /// New colour as #rrggbb.
        #[arg(long)]
        color: Option<String>,
        /// New short definition.
        #[arg(long)]
        short: Option<String>,
        /// When to use the code.
        #[arg(long)]
        when: Option<String>,
        /// When not to use it.
        #[arg(long)]
        when_not: Option<String>,
    },
}

pub fn codebook(command: CodebookCommand) -> anyhow::Result<()> {
    match command {
        CodebookCommand::Import { project, file } => {
            let mut store = Store::open(&project)?;
            let entries = if extension(&file) == "qdc" {
                crate::refi::import::read_qdc(&file)?
            } else {
                read_codebook(&file)?
            };
            let before = store.read().counts()?.codes;
            store.change("Import codebook", |r| {
                ops::import_codebook(r, &file, &entries)
            })?;
            let added = store.read().counts()?.codes - before;
            println!(
                "Read {} code(s) from {}; {added} new",
                entries.len(),
                file.display()
            );
        }
        CodebookCommand::Export { project, file } => {
            let store = Store::open(&project)?;
            let tree = store.read().code_tree()?;
            let exemplars = store.read().exemplar_quotes()?;
            codebook::write_file(&tree, &exemplars, &file)?;
            println!("Wrote {} code(s) to {}", tree.codes().len(), file.display());
        }
    }
    Ok(())
}

pub fn codes(command: CodesCommand) -> anyhow::Result<()> {
    match command {
        CodesCommand::List { project } => list(&project)?,
        CodesCommand::Add {
            project,
            path,
            color,
            description,
        } => {
            let mut store = Store::open(&project)?;
            store.change(&format!("Add code \"{path}\""), |r| {
                ops::add_code_path(r, &path, color.as_deref(), &description)
            })?;
            println!("Added {}", stored_path(&store, &path));
        }
        CodesCommand::Rename {
            project,
            path,
            name,
        } => {
            let mut store = Store::open(&project)?;
            let old = stored_path(&store, &path);
            let mut renamed = None;
            store.change(&format!("Rename code \"{old}\""), |r| {
                let id = find_code(&r.code_tree()?, &path)?;
                renamed = Some(id);
                ops::rename_code(r, id, &name)
            })?;
            println!("Renamed {old} to {}", path_of(&store, renamed));
        }
        CodesCommand::Move { project, path, to } => {
            let mut store = Store::open(&project)?;
            let old = stored_path(&store, &path);
            let mut moved = None;
            store.change(&format!("Move code \"{old}\""), |r| {
                let tree = r.code_tree()?;
                let id = find_code(&tree, &path)?;
                moved = Some(id);
                let parent = to.as_deref().map(|p| find_code(&tree, p)).transpose()?;
                ops::move_code(r, id, parent)
            })?;
            println!("Moved {old} to {}", path_of(&store, moved));
        }
        CodesCommand::Merge {
            project,
            source,
            target,
        } => {
            let mut store = Store::open(&project)?;
            let (from, into) = (stored_path(&store, &source), stored_path(&store, &target));
            store.change(&format!("Merge \"{from}\" into \"{into}\""), |r| {
                let tree = r.code_tree()?;
                ops::merge_codes(r, find_code(&tree, &source)?, find_code(&tree, &target)?)
            })?;
            println!("Merged {from} into {into}");
        }
        CodesCommand::Delete {
            project,
            path,
            force,
        } => {
            let mut store = Store::open(&project)?;
            let old = stored_path(&store, &path);
            store.change(&format!("Delete code \"{old}\""), |r| {
                let id = find_code(&r.code_tree()?, &path)?;
                ops::delete_code(r, id, force)
            })?;
            println!("Deleted {old}");
        }
        CodesCommand::Describe {
            project,
            path,
            description,
            color,
            short,
            when,
            when_not,
        } => {
            if [&description, &color, &short, &when, &when_not]
                .iter()
                .all(|o| o.is_none())
            {
                bail!("give one or more of --description, --short, --when, --when-not, --color");
            }
            let color = color
                .map(|c| {
                    anyhow::Context::with_context(crate::model::parse_color(&c), || {
                        format!("\"{c}\" is not a colour; use #rrggbb, e.g. #469990")
                    })
                })
                .transpose()?;
            let mut store = Store::open(&project)?;
            let old = stored_path(&store, &path);
            store.change(&format!("Edit code \"{old}\""), |r| {
                let id = find_code(&r.code_tree()?, &path)?;
                ops::update_code(r, id, |c| {
                    for (given, part) in [
                        (description, &mut c.description),
                        (short, &mut c.short_definition),
                        (when, &mut c.when_to_use),
                        (when_not, &mut c.when_not_to_use),
                    ] {
                        if let Some(text) = given {
                            *part = text.trim().to_string();
                        }
                    }
                    if let Some(col) = color {
                        c.color = col;
                    }
                })
            })?;
            println!("Updated {old}");
        }
    }
    Ok(())
}

/// A code's path as stored (the user may have typed it in another case).
fn stored_path(store: &Store, typed: &str) -> String {
    store
        .read()
        .code_tree()
        .ok()
        .and_then(|t| t.find_path(typed).map(|id| t.path(id)))
        .unwrap_or_else(|| typed.to_string())
}

/// The stored path of a code by id, after a change.
fn path_of(store: &Store, id: Option<CodeId>) -> String {
    let tree = store.read().code_tree().ok();
    match (tree, id) {
        (Some(t), Some(id)) => t.path(id),
        _ => String::new(),
    }
}

fn list(project: &Path) -> anyhow::Result<()> {
    let store = Store::open(project)?;
    let r = store.read();
    let tree = r.code_tree()?;
    let participant_of: HashMap<_, _> = r
        .documents()?
        .into_iter()
        .map(|d| (d.id, d.participant))
        .collect();
    let mut segments: HashMap<CodeId, usize> = HashMap::new();
    let mut people: HashMap<CodeId, HashSet<_>> = HashMap::new();
    for s in r.segments()? {
        *segments.entry(s.code).or_default() += 1;
        if let Some(Some(p)) = participant_of.get(&s.document) {
            people.entry(s.code).or_default().insert(*p);
        }
    }
    println!("code\tsegments\tparticipants\tcolor");
    for id in tree.in_tree_order() {
        let c = tree.get(id).expect("from tree");
        println!(
            "{}{}\t{}\t{}\t{}",
            "  ".repeat(tree.depth(id) - 1),
            c.name,
            segments.get(&id).copied().unwrap_or(0),
            people.get(&id).map_or(0, HashSet::len),
            c.color
        );
    }
    Ok(())
}
