//! Fonts. egui 0.37 bundles only a Latin font and its icons by default;
//! transcripts hold curly quotes, accents and emoji, so Weft turns on egui's
//! `monochrome_emoji_fonts` feature (Noto Emoji and an emoji icon font, bundled
//! in the binary). eframe's system font fallback (on by default) then covers
//! other scripts (CJK, Arabic, …) from the fonts installed on the machine.

use std::sync::Arc;

use egui::Context;

/// Adds the system's fonts as the last fallback. eframe does this itself for the
/// window; headless tests call it to draw what the window draws.
pub fn install_system_fallback(ctx: &Context) {
    ctx.add_font_provider(Arc::new(
        egui_system_font_provider::SystemFontProvider::new(),
    ));
}
