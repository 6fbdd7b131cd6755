//! The window. egui and eframe are used only below this module.
//!
//! Panels read the open project's [`crate::model::ProjectSnapshot`] and never
//! write: they push [`app::Command`]s, which the app runs after the UI pass,
//! each change through [`crate::store::Store::change`] (one transaction, with
//! undo). Long work runs as a [`jobs::Job`] on its own thread.
//!
//! Fonts: egui 0.37 bundles only a Latin font and its icons. Transcripts hold
//! curly quotes, accents and emoji, so Weft turns on egui's
//! `monochrome_emoji_fonts` feature (Noto Emoji, built into the binary), and
//! eframe's system font fallback (on by default) draws other scripts (Chinese,
//! Arabic, …) from the fonts installed on the computer.

pub mod agreement;
pub mod app;
mod codes_panel;
mod commands;
mod details;
mod dialogs;
mod help;
pub mod jobs;
pub mod matrices;
mod menu;
mod participants;
pub mod practice;
mod project;
mod reports;
mod toolbar;
mod tour;
pub mod transcript;
mod widgets;

use std::path::PathBuf;

pub use app::WeftApp;

/// The app id: names the settings folder and the window class.
pub const APP_ID: &str = "weft";

/// Opens the window on `project`, or on the most recent project, or on a copy
/// of the demo project.
pub fn run(project: Option<PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Weft")
            .with_app_id(APP_ID)
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "Weft",
        options,
        Box::new(move |cc| Ok(Box::new(WeftApp::start(cc, project)))),
    )
    .map_err(|e| anyhow::anyhow!("the window could not start: {e}"))
}
