//! Long work off the UI thread: a job runs on its own thread with its own
//! connection to the project, reports progress through shared state, and can
//! be cancelled between steps. The window keeps drawing and shows a progress bar.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Progress a job reports: a fraction from 0 to 1 and what it is doing.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Done so far, 0 to 1.
    pub fraction: f32,
    /// What it is doing now.
    pub message: String,
}

/// What a job hands to its work function.
#[derive(Clone)]
pub struct JobContext {
    progress: Arc<Mutex<Progress>>,
    cancel: Arc<AtomicBool>,
    ctx: egui::Context,
}

impl JobContext {
    /// Reports progress and wakes the window to draw it.
    pub fn report(&self, fraction: f32, message: impl Into<String>) {
        if let Ok(mut p) = self.progress.lock() {
            p.fraction = fraction.clamp(0.0, 1.0);
            p.message = message.into();
        }
        self.ctx.request_repaint();
    }

    /// True once the user pressed Cancel. Work stops at the next step and writes nothing.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// A running job.
pub struct Job {
    /// Shown above the progress bar.
    pub title: String,
    progress: Arc<Mutex<Progress>>,
    cancel: Arc<AtomicBool>,
    handle: Option<JoinHandle<anyhow::Result<String>>>,
}

/// How a job ended.
pub enum JobOutcome {
    /// It finished; the message says what it did.
    Done(String),
    /// It failed; the message says why.
    Failed(String),
    /// The user cancelled it.
    Cancelled,
}

impl Job {
    /// Starts `work` on a new thread. It returns a message for the status bar.
    pub fn spawn(
        ctx: &egui::Context,
        title: impl Into<String>,
        work: impl FnOnce(&JobContext) -> anyhow::Result<String> + Send + 'static,
    ) -> Job {
        let progress = Arc::new(Mutex::new(Progress::default()));
        let cancel = Arc::new(AtomicBool::new(false));
        let jc = JobContext {
            progress: progress.clone(),
            cancel: cancel.clone(),
            ctx: ctx.clone(),
        };
        let handle = std::thread::spawn(move || {
            let result = work(&jc);
            jc.ctx.request_repaint();
            result
        });
        Job {
            title: title.into(),
            progress,
            cancel,
            handle: Some(handle),
        }
    }

    /// The latest progress.
    pub fn progress(&self) -> Progress {
        self.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Asks the job to stop.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The outcome, once the job has ended.
    pub fn poll(&mut self) -> Option<JobOutcome> {
        if !self.handle.as_ref()?.is_finished() {
            return None;
        }
        let result = self.handle.take()?.join();
        Some(match result {
            Ok(Ok(_)) if self.cancel.load(Ordering::Relaxed) => JobOutcome::Cancelled,
            Ok(Ok(message)) => JobOutcome::Done(message),
            Ok(Err(_)) if self.cancel.load(Ordering::Relaxed) => JobOutcome::Cancelled,
            Ok(Err(e)) => JobOutcome::Failed(format!("{e:#}")),
            Err(_) => {
                JobOutcome::Failed("the job stopped unexpectedly; nothing was written".into())
            }
        })
    }
}
