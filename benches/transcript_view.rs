//! CPU cost of the transcript view (layout and tessellation), headless.
//!
//! A 300,000-character transcript with about 2,000 speaker turns and 2,000
//! segments, and a 1,000,000-character one, each timed at four moments:
//! opening the document, a frame while scrolling, the frame after one code is
//! applied, and the frame after the window is resized. The same frames for the
//! plain text (no highlights) are printed for scale. Targets: open <= 10 ms,
//! scrolling <= 4 ms median, after an edit <= 2 ms, resize <= 10 ms.
//!
//! Then, in a child process so the generating does not count, the peak memory
//! (VmHWM) of the window's state with the 500-transcript corpus of the
//! foundation benchmark open. Target: under 500 MB.

use std::time::Duration;

use criterion::Criterion;
use egui::{Context, RawInput, Rect, pos2, vec2};
use weft::model::{CharRange, CodeId, DocumentId, SegmentId};
use weft::ui::transcript::{Highlight, TranscriptView};

const CODES: usize = 20;

/// A transcript of about `chars` characters in turns of about 150.
fn transcript(chars: usize) -> String {
    let words = [
        "mentor",
        "court",
        "visit",
        "she",
        "helped",
        "me",
        "with",
        "the",
        "housing",
        "and",
        "I",
        "felt",
        "less",
        "alone",
        "café",
        "“really”",
    ];
    let mut seed = 7u64;
    let mut text = String::with_capacity(chars + 200);
    let mut turn = 0;
    while text.len() < chars {
        text.push_str(if turn % 2 == 0 {
            "Interviewer: "
        } else {
            "P07: "
        });
        let target = text.len() + 100 + (seed % 100) as usize;
        while text.len() < target {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push_str(words[(seed >> 33) as usize % words.len()]);
            text.push(' ');
        }
        text.push_str("end.\n");
        turn += 1;
    }
    text
}

fn highlights(char_len: usize, n: usize) -> Vec<Highlight> {
    (0..n)
        .map(|i| {
            let start = i * (char_len / n);
            Highlight {
                segment: SegmentId(i as i64 + 1),
                code: CodeId((i % CODES) as i64 + 1),
                range: CharRange::new(start, (start + 40 + i % 90).min(char_len)),
                color: egui::Color32::from_rgb((i * 37 % 255) as u8, (i * 91 % 255) as u8, 160),
                name: format!("Code {}", i % CODES),
                coder: None,
                exemplar: false,
            }
        })
        .collect()
}

fn input(width: f32) -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(pos2(0.0, 0.0), vec2(width, 900.0))),
        ..Default::default()
    }
}

/// One frame of the view alone: layout, paint and tessellation.
fn frame(ctx: &Context, view: &mut TranscriptView, names: &[(CodeId, String)], width: f32) {
    let out = ctx.run_ui(input(width), |ui| {
        egui::CentralPanel::default().show(ui, |ui| {
            view.ui(ui, names);
        });
    });
    let shapes = ctx.tessellate(out.shapes, out.pixels_per_point);
    std::hint::black_box(shapes);
}

fn warm_context() -> Context {
    let ctx = Context::default();
    // Load fonts and their atlas once, as a running window already has.
    let mut v = TranscriptView::new(DocumentId(0), "Warm: up".into(), &[]);
    frame(&ctx, &mut v, &[], 1000.0);
    frame(&ctx, &mut v, &[], 1000.0);
    ctx
}

fn bench_size(c: &mut Criterion, label: &str, chars: usize, with_highlights: bool) {
    let text = transcript(chars);
    let turns = weft::import::turns::detect_turns(&text);
    let char_len = text.chars().count();
    let hl = if with_highlights {
        highlights(char_len, 2_000)
    } else {
        Vec::new()
    };
    let order: Vec<CodeId> = (1..=CODES as i64).map(CodeId).collect();
    let names: Vec<(CodeId, String)> = order
        .iter()
        .map(|c| (*c, format!("Code {}", c.0)))
        .collect();
    let ctx = warm_context();
    eprintln!(
        "{label}: {char_len} characters, {} turns, {} segments",
        turns.len(),
        hl.len()
    );

    let mut group = c.benchmark_group(label);
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    group.bench_function("open", |b| {
        b.iter(|| {
            let mut v = TranscriptView::new(DocumentId(1), text.clone(), &turns);
            v.set_highlights(hl.clone(), &order);
            frame(&ctx, &mut v, &names, 1200.0);
            v
        })
    });

    let mut view = TranscriptView::new(DocumentId(1), text.clone(), &turns);
    view.set_highlights(hl.clone(), &order);
    frame(&ctx, &mut view, &names, 1200.0);
    let mut at = 0usize;
    group.bench_function("scrolling frame", |b| {
        b.iter(|| {
            // About a third of a screen per frame, through the whole document.
            at = (at + 300) % char_len;
            view.scroll_to(at);
            frame(&ctx, &mut view, &names, 1200.0);
        })
    });

    view.scroll_to(char_len / 2);
    frame(&ctx, &mut view, &names, 1200.0);
    frame(&ctx, &mut view, &names, 1200.0);
    let mut with_one_more = hl.clone();
    with_one_more.push(Highlight {
        segment: SegmentId(999_999),
        code: CodeId(1),
        range: CharRange::new(char_len / 2 + 10, char_len / 2 + 60),
        color: egui::Color32::RED,
        name: "Code 1".into(),
        coder: None,
        exemplar: false,
    });
    let mut toggle = false;
    group.bench_function("frame after applying a code", |b| {
        b.iter(|| {
            toggle = !toggle;
            view.set_highlights(
                if toggle {
                    with_one_more.clone()
                } else {
                    hl.clone()
                },
                &order,
            );
            frame(&ctx, &mut view, &names, 1200.0);
        })
    });

    let mut wide = false;
    group.bench_function("frame after a resize", |b| {
        b.iter(|| {
            wide = !wide;
            frame(&ctx, &mut view, &names, if wide { 1400.0 } else { 1100.0 });
        })
    });
    group.finish();
}

/// Runs in a child process: opens the corpus project the way the window does
/// and reports the peak resident memory.
fn memory_child(project: &str) {
    let mut app = weft::ui::WeftApp::with_settings(Default::default());
    app.open_project(std::path::Path::new(project));
    assert!(app.error.is_none(), "{:?}", app.error);
    let ctx = Context::default();
    for _ in 0..5 {
        let out = ctx.run_ui(input(1400.0), |ui| app.ui(ui));
        std::hint::black_box(ctx.tessellate(out.shapes, out.pixels_per_point));
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: unknown");
    println!("{peak}");
}

fn memory(dir: &std::path::Path) {
    // The foundation benchmark's corpus: 500 transcripts of about 12,000 words.
    let project = dir.join("corpus.weft");
    let mut store = weft::store::Store::create(&project).unwrap();
    let docs: Vec<_> = (0..500)
        .map(|i| {
            let text = transcript(75_000);
            weft::import::parse_transcript(
                std::path::Path::new(&format!("P{i:03}.txt")),
                text.as_bytes(),
                None,
            )
            .unwrap()
        })
        .collect();
    store
        .change("Import", |r| weft::edit::ops::import_documents(r, docs))
        .unwrap();
    drop(store);
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env("WEFT_MEMORY_CHILD", &project)
        .output()
        .unwrap();
    eprintln!(
        "peak memory with the 500-transcript corpus open in the window: {}",
        String::from_utf8_lossy(&out.stdout).trim()
    );
}

fn main() {
    if let Ok(project) = std::env::var("WEFT_MEMORY_CHILD") {
        memory_child(&project);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench_size(&mut c, "300k chars, 2000 segments", 300_000, true);
    bench_size(&mut c, "300k chars, plain", 300_000, false);
    bench_size(&mut c, "1M chars, 2000 segments", 1_000_000, true);
    bench_size(&mut c, "1M chars, plain", 1_000_000, false);
    let dir = tempfile::tempdir().unwrap();
    memory(dir.path());
    c.final_summary();
}
