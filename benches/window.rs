//! The whole window on a large project, headless: what the window's main
//! thread pays per frame (every panel's layout, painting and tessellation)
//! and per action (the command, its SQLite commit, and the next frame).
//!
//! "Corpus L": 500 transcripts of about 12,000 words, 500 participants with
//! four attributes, 68 codes in three levels and 100,000 segments by two
//! coders. `WEFT_BENCH_SCALE=4` builds 4 × L (2,000 transcripts, 400,000
//! segments) to check that costs follow what is visible, not the project.
//!
//! Printed, each as a median:
//! - opening the project to its first frame (target ≤ 300 ms), and until its
//!   coding, read behind that frame, is in; and opening it again from the
//!   window where it is open;
//! - an idle frame on the Coding, Participants and Matrices tabs (≤ 2 ms);
//! - applying a code, removing it, undo, redo, renaming a code, merging a code
//!   of about 2,000 segments into another, and selecting a code, each from the
//!   command to the end of the next frame (≤ 16 ms; the merge ≤ 50 ms);
//! - the Agreement tab: opening it (to its first frame, and until its
//!   report, computed on a thread for a large scope, is in), an idle frame,
//!   and applying a code while it is shown (the report updated from the
//!   change).
//!
//! Run with `cargo bench --bench window`.

use std::time::{Duration, Instant};

use egui::{Context, RawInput, Rect, pos2, vec2};
use weft::edit::{Edit, ops};
use weft::model::{CharRange, CodeId, DocumentId};
use weft::ui::WeftApp;
use weft::ui::app::{Command, Settings, Tab};

mod corpus;
use corpus::build;

fn input() -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(pos2(0.0, 0.0), vec2(1400.0, 900.0))),
        ..Default::default()
    }
}

/// One frame of the whole window, tessellated, as the main thread pays it.
fn frame(ctx: &Context, app: &mut WeftApp) {
    let out = ctx.run_ui(input(), |ui| app.ui(ui));
    std::hint::black_box(ctx.tessellate(out.shapes, out.pixels_per_point));
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Times `act` followed by one frame, `n` times (each time after `reset`).
fn action(
    ctx: &Context,
    app: &mut WeftApp,
    n: usize,
    mut act: impl FnMut(&mut WeftApp),
    mut reset: impl FnMut(&mut WeftApp, &Context),
) -> Duration {
    settle(app);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        act(app);
        frame(ctx, app);
        frame(ctx, app);
        times.push(t.elapsed());
        reset(app, ctx);
    }
    median(times)
}

/// Merging `from` into `to`, from the command to the end of the next
/// frame, undone after each of `n` runs; the median.
fn merge_time(ctx: &Context, app: &mut WeftApp, n: usize, from: CodeId, to: CodeId) -> Duration {
    action(
        ctx,
        app,
        n,
        |app| {
            push(
                app,
                Command::Change(
                    "Merge".into(),
                    Box::new(move |r| ops::merge_codes(r, from, to)),
                ),
            )
        },
        |app, ctx| {
            push(app, Command::Undo);
            frame(ctx, app);
        },
    )
}

/// The median of 30 frames with nothing to do, after one that settles.
fn idle(ctx: &Context, app: &mut WeftApp) -> Duration {
    frame(ctx, app);
    median(
        (0..30)
            .map(|_| {
                let t = Instant::now();
                frame(ctx, app);
                t.elapsed()
            })
            .collect(),
    )
}

/// The copy of the write-ahead log back into the file that the window makes
/// a second after the last change (`Store::checkpoint_when_idle`), so that
/// each action's figure starts where a user pausing between actions would,
/// not behind every change the bench made before it.
fn settle(app: &mut WeftApp) {
    if let Some(p) = app.project.as_mut() {
        p.store.checkpoint_when_idle().unwrap();
    }
}

fn push(app: &mut WeftApp, c: Command) {
    app.queue.push(c);
}

fn main() {
    let scale: usize = std::env::var("WEFT_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let dir = tempfile::tempdir().unwrap();
    // WEFT_BENCH_CORPUS=FILE: the corpus is built there once and kept, so
    // that runs of two builds compare on the same file.
    let kept = std::env::var_os("WEFT_BENCH_CORPUS").map(std::path::PathBuf::from);
    let path = kept
        .clone()
        .unwrap_or_else(|| dir.path().join("corpus.weft"));
    let t = Instant::now();
    if !kept.as_ref().is_some_and(|k| k.exists()) {
        build(&path, scale);
    }
    eprintln!(
        "corpus {}L: {} transcripts, {} segments, built in {:.1} s",
        if scale == 1 {
            String::new()
        } else {
            format!("{scale} × ")
        },
        500 * scale,
        100_000 * scale,
        t.elapsed().as_secs_f64()
    );

    let ctx = Context::default();
    // Fonts and their atlas, as a running window has them.
    let mut warm = WeftApp::with_settings(Settings::default());
    frame(&ctx, &mut warm);
    frame(&ctx, &mut warm);

    // WEFT_BENCH_PROFILE_OPEN=N: only open the project to its first frame N
    // times, for perf.
    if let Some(n) = std::env::var("WEFT_BENCH_PROFILE_OPEN")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let mut times = Vec::new();
        for _ in 0..n {
            let mut app = WeftApp::with_settings(Settings::default());
            let t = Instant::now();
            app.open_project(&path);
            frame(&ctx, &mut app);
            times.push(t.elapsed());
            app.project.as_mut().unwrap().finish_loading().unwrap();
        }
        println!("open the project to its first frame: {}", ms(median(times)));
        return;
    }
    let mut opens = Vec::new();
    let mut loaded = Vec::new();
    let mut app = WeftApp::with_settings(Settings::default());
    for _ in 0..9 {
        app = WeftApp::with_settings(Settings {
            coder: "bench".into(),
            ..Default::default()
        });
        let t = Instant::now();
        app.open_project(&path);
        frame(&ctx, &mut app);
        opens.push(t.elapsed());
        // The coding of a large project comes in behind the first frame;
        // the window goes on drawing (and showing that) until it is in.
        while app.project.as_ref().is_some_and(|p| p.is_loading()) {
            std::thread::sleep(Duration::from_millis(5));
            frame(&ctx, &mut app);
        }
        loaded.push(t.elapsed());
        assert!(app.error.is_none(), "{:?}", app.error);
    }
    println!("open the project to its first frame: {}", ms(median(opens)));
    // Opening a project from a window where one is open: the one shown
    // before is let go (a large one on a thread of its own).
    let mut switches = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        app.open_project(&path);
        frame(&ctx, &mut app);
        switches.push(t.elapsed());
        app.project.as_mut().unwrap().finish_loading().unwrap();
        std::thread::sleep(Duration::from_millis(200));
    }
    println!(
        "open it again from the window where it is open, to the first frame: {}",
        ms(median(switches))
    );
    println!(
        "open the project until its coding is in (frames drawn meanwhile): {}",
        ms(median(loaded))
    );
    // The peak resident set so far: the corpus built, then opened nine times.
    if let Some(line) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM")).map(String::from))
    {
        println!("peak memory with the project open (bench process): {line}");
    }

    let (doc, code, big, other) = {
        let p = app.project.as_ref().unwrap();
        let doc: DocumentId = p.snap.documents[p.snap.documents.len() / 2].id;
        let leaves: Vec<CodeId> = p
            .snap
            .codes
            .in_tree_order()
            .into_iter()
            .filter(|c| p.snap.codes.children(Some(*c)).is_empty())
            .collect();
        (doc, leaves[0], leaves[1], leaves[2])
    };
    push(
        &mut app,
        Command::OpenDocument(doc, Some(CharRange::new(100, 160))),
    );
    frame(&ctx, &mut app);
    app.project.as_mut().unwrap().selected_code = Some(code);
    frame(&ctx, &mut app);

    for tab in [Tab::Coding, Tab::Participants, Tab::Matrices] {
        app.tab = tab;
        println!("idle frame, {tab:?} tab: {}", ms(idle(&ctx, &mut app)));
    }
    app.tab = Tab::Coding;
    frame(&ctx, &mut app);

    // WEFT_BENCH_PROFILE=N: only apply (and undo) a code N times, for perf.
    let profile = std::env::var("WEFT_BENCH_PROFILE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    let reps = 11;
    let apply = action(
        &ctx,
        &mut app,
        profile.unwrap_or(reps),
        |app| push(app, Command::ApplyCode(code)),
        |app, ctx| {
            push(app, Command::Undo);
            frame(ctx, app);
        },
    );
    println!("apply a code: {}", ms(apply));
    if profile.is_some() {
        return;
    }
    let undo = action(
        &ctx,
        &mut app,
        reps,
        |app| push(app, Command::Undo),
        |app, ctx| {
            push(app, Command::Redo);
            frame(ctx, app);
        },
    );
    println!("undo: {}", ms(undo));
    push(&mut app, Command::Undo);
    frame(&ctx, &mut app);
    let redo = action(
        &ctx,
        &mut app,
        reps,
        |app| push(app, Command::Redo),
        |app, ctx| {
            push(app, Command::Undo);
            frame(ctx, app);
        },
    );
    println!("redo: {}", ms(redo));
    let remove = action(
        &ctx,
        &mut app,
        reps,
        |app| {
            push(app, Command::ApplyCode(code));
            frame(&Context::default(), app);
            let p = app.project.as_ref().unwrap();
            let id = p
                .snap
                .segments_of(doc)
                .iter()
                .find(|s| s.code == code && s.range == CharRange::new(100, 160))
                .map(|s| s.id)
                .unwrap();
            push(
                app,
                Command::Change(
                    "Remove coding".into(),
                    Box::new(move |_| Ok(Edit::DeleteSegments(vec![id]))),
                ),
            );
        },
        |_, _| {},
    );
    println!("apply a code and remove it: {}", ms(remove));
    let rename = action(
        &ctx,
        &mut app,
        reps,
        |app| {
            push(
                app,
                Command::Change(
                    "Rename".into(),
                    Box::new(move |r| ops::rename_code(r, code, "Renamed in the bench")),
                ),
            )
        },
        |app, ctx| {
            push(app, Command::Undo);
            frame(ctx, app);
        },
    );
    println!("rename a code: {}", ms(rename));
    let held = app.project.as_ref().unwrap().snap.code_stats[&big].segments;
    // WEFT_BENCH_PROFILE_MERGE=N: merge (and undo) N times, for perf.
    let merges = std::env::var("WEFT_BENCH_PROFILE_MERGE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    let merge = merge_time(&ctx, &mut app, merges.unwrap_or(5), big, other);
    println!(
        "merge a code of {held} segments into another: {}",
        ms(merge)
    );
    if scale > 1 {
        // The merge is of a code of about 1,700 segments: at 4 × L
        // every leaf holds 4× as many, so for the growth figure a new leaf
        // is given what `big` holds at L (its first `held / scale`
        // segments, in two changes before the timing), and merged.
        let want = held / scale;
        let parent = app
            .project
            .as_ref()
            .unwrap()
            .snap
            .codes
            .get(big)
            .unwrap()
            .parent;
        push(
            &mut app,
            Command::Change(
                "Add code".into(),
                Box::new(move |r| Ok(ops::add_code(r, parent, "Split in the bench", None, "")?.0)),
            ),
        );
        frame(&ctx, &mut app);
        let p = app.project.as_ref().unwrap();
        let same = p
            .snap
            .codes
            .child_named(parent, "Split in the bench")
            .expect("the new leaf");
        let ids: Vec<_> = p
            .snap
            .segments
            .iter()
            .filter(|s| s.code == big)
            .take(want)
            .map(|s| s.id)
            .collect();
        push(
            &mut app,
            Command::Change(
                "Recode".into(),
                Box::new(move |r| ops::recode_segments(r, &ids, same)),
            ),
        );
        frame(&ctx, &mut app);
        let n = app.project.as_ref().unwrap().snap.code_stats[&same].segments;
        let t = merge_time(&ctx, &mut app, 5, same, other);
        println!(
            "merge a code of {n} segments (the size merged at L) into another: {}",
            ms(t)
        );
        // Selecting a code prepares its whole retrieval list (drawn only
        // where it is in view), so its like-for-like figure is this leaf's.
        let t = action(
            &ctx,
            &mut app,
            reps,
            |app| app.project.as_mut().unwrap().selected_code = Some(same),
            |app, ctx| {
                app.project.as_mut().unwrap().selected_code = None;
                frame(ctx, app);
            },
        );
        println!(
            "select a code of {n} segments (the size selected at L): {}",
            ms(t)
        );
    }
    if merges.is_some() {
        return;
    }
    let select = action(
        &ctx,
        &mut app,
        reps,
        |app| {
            let p = app.project.as_mut().unwrap();
            p.selected_code = Some(if p.selected_code == Some(big) {
                other
            } else {
                big
            });
        },
        |_, _| {},
    );
    println!("select a code (retrieval loads): {}", ms(select));

    // The Agreement tab: computing every granularity for ana and ben, the
    // idle frame with a code's documents and a document's disagreements
    // shown, and a change while it is shown (the report is computed again).
    app.tab = Tab::Agreement;
    settle(&mut app);
    let (mut first, mut whole) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        app.agreement.report = None;
        let t = Instant::now();
        frame(&ctx, &mut app);
        first.push(t.elapsed());
        // A large scope's report is computed on a thread, the window
        // drawing a spinner meanwhile.
        while app.agreement.pending.is_some() {
            std::thread::sleep(Duration::from_millis(1));
            frame(&ctx, &mut app);
        }
        whole.push(t.elapsed());
    }
    println!(
        "open the Agreement tab, to its first frame: {}",
        ms(median(first))
    );
    println!(
        "open the Agreement tab until its report is in (every granularity computed): {}",
        ms(median(whole))
    );
    app.agreement.code = Some(code);
    app.agreement.document = Some(doc);
    println!(
        "idle frame, Agreement tab (a code and a document picked): {}",
        ms(idle(&ctx, &mut app))
    );
    let apply_agreement = action(
        &ctx,
        &mut app,
        reps,
        |app| push(app, Command::ApplyCode(code)),
        |app, ctx| {
            push(app, Command::Undo);
            frame(ctx, app);
        },
    );
    println!(
        "apply a code with the Agreement tab shown: {}",
        ms(apply_agreement)
    );
}
