//! The open project: the store, the snapshot drawn from, the transcript shown
//! and what the user has picked.

use std::collections::HashMap;

use super::app::*;
use super::transcript::{Highlight, TranscriptView};
use crate::model::*;
use crate::store::Store;

/// The open project and what the user has picked in it.
pub struct OpenProject {
    /// Wakes the window when another connection writes to the file (first,
    /// so that it closes its connection before the store's).
    pub watcher: Option<crate::store::watch::Watcher>,
    /// The project file.
    pub store: Store,
    /// Everything but the texts.
    pub snap: ProjectSnapshot,
    /// The transcript shown.
    pub view: Option<TranscriptView>,
    /// The code picked in the tree.
    pub selected_code: Option<CodeId>,
    /// The segment picked in the transcript or the retrieval list.
    pub selected_segment: Option<SegmentId>,
    /// Codes in tree order with their paths, for menus and the quick-code box.
    pub code_paths: Vec<(CodeId, String)>,
    /// Coded text already read, by document and range. Stored text never
    /// changes, so entries stay true until documents come or go (ids may then
    /// be reused), when the cache is emptied.
    pub quotes: HashMap<(DocumentId, CharRange), String>,
    /// Counts reloads of the snapshot, so derived views know when to recompute.
    pub version: u64,
    /// Counts changes to documents, participants, attributes and values
    /// (not coding), for lists that show only those.
    pub listing_version: u64,
    /// The project file's canonical path, worked out once: it keys the
    /// recent list and the quick keys, which are read every frame.
    pub canonical_path: std::path::PathBuf,
    /// The retrieval list's rows, kept until the snapshot, code or filter
    /// changes. Held here, so they go with the project.
    pub retrieval: Option<super::details::RetrievalCache>,
    /// The documents list's rows, kept until the snapshot or filter changes.
    pub document_rows: Option<super::codes_panel::DocumentRows>,
    /// `PRAGMA data_version` when the snapshot was last loaded: when it moves,
    /// another connection (a script, a second window, a job) has changed the
    /// project, and the snapshot is brought up to date.
    pub data_version: i64,
    /// When the snapshot last changed, so the log is copied back into the
    /// file only once the user pauses.
    pub changed_at: std::time::Instant,
    /// Whether the log has been copied back since the last change (so an
    /// idle window does it once, not on every frame).
    pub checkpointed: bool,
    /// Coders whose segments are hidden (View menu): in the highlights, the
    /// stripes and the retrieval list.
    pub hidden_coders: std::collections::HashSet<CoderId>,
    /// One stripe lane per code and coder, labelled with the coder's initials.
    pub split_by_coder: bool,
    /// The expert coding, when this is a practice project (read at open and
    /// on every reload; the window never changes it).
    pub practice: Option<Practice>,
    /// Every pinned exemplar: found by one scan when the snapshot is loaded,
    /// then patched from each edit (they are few, and the right panel lists a
    /// code's on every frame).
    pub exemplars: HashMap<SegmentId, (CodeId, DocumentId, CharRange)>,
    /// A team project's listener: it sets `rung` when another coder's
    /// change commits (started by the window, which can wake itself).
    pub listener: Option<crate::store::pg::Listener>,
    /// Set by the listener's thread; the window then reads the change log.
    pub rung: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// When a team project's change log was last read (it is read when the
    /// listener rings, and every few seconds in case a ring was lost).
    pub log_read_at: std::time::Instant,
    /// How many times the snapshot was loaded whole (opening counts as one).
    pub loads: u64,
    /// How many of the listener's rings the window has answered.
    pub rings: u64,
    /// The other coders working in a team project now, and when that was
    /// last asked.
    pub others: Vec<String>,
    pub others_at: Option<std::time::Instant>,
    /// A large project's coding, still being read on its own thread while
    /// the window shows the rest ([`OpenProject::open`]).
    pub loading: Option<Loading>,
    /// What the last changes of the snapshot touched, by the version each
    /// made ([`OpenProject::coding_changed_since`]).
    pub changes: std::collections::VecDeque<(u64, Touch)>,
}

/// What one change of the snapshot touched, for views that keep their work
/// across changes and take in only what changed.
#[derive(Debug, Clone)]
pub enum Touch {
    /// Only the coding of these documents (and nothing of the codes,
    /// documents, coders or participants: [`crate::edit::Edit::changes_only_coding`]).
    Coding(std::collections::HashSet<DocumentId>),
    /// Anything: the snapshot was read again, or more than coding changed.
    Everything,
}

/// How many changes [`OpenProject::changes`] remembers.
const CHANGES_KEPT: usize = 64;

/// A large project's whole snapshot, read on its own connection and thread
/// so that the window shows the documents, codes and participants at once.
/// Until it is in, changes wait ([`OpenProject::is_loading`]).
pub struct Loading {
    /// How many segments are being read, for the status bar: counted by
    /// the reading thread before it reads them (counting 400,000 walks an
    /// index, too slow for the first frame); `usize::MAX` until then.
    counted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// How to reach the project, until the reading thread is started
    /// ([`Loading::start`]).
    reopen: Option<crate::store::Reopen>,
    /// The reading thread, once started.
    handle: Option<std::thread::JoinHandle<crate::Result<ProjectSnapshot>>>,
}

impl Loading {
    /// Starts the reading thread, if it is not running yet. The window
    /// starts it once its first frame is drawn, so that the two do not
    /// share the machine while that frame is made.
    fn start(&mut self) -> crate::Result<()> {
        let Some(reopen) = self.reopen.take() else {
            return Ok(());
        };
        let count = self.counted.clone();
        let handle = std::thread::Builder::new()
            .name("weft-load".into())
            .spawn(move || {
                let store = reopen.open()?;
                let n = store.read().segment_count()?;
                count.store(n, std::sync::atomic::Ordering::Relaxed);
                store.read().snapshot()
            })
            .map_err(|e| crate::Error::Invalid(format!("cannot start reading: {e}")))?;
        self.handle = Some(handle);
        Ok(())
    }

    /// Whether the reading thread has ended.
    fn is_finished(&self) -> bool {
        self.handle.as_ref().is_some_and(|h| h.is_finished())
    }

    /// How many segments are being read, once the reading thread has
    /// counted them.
    pub fn segments(&self) -> Option<usize> {
        match self.counted.load(std::sync::atomic::Ordering::Relaxed) {
            usize::MAX => None,
            n => Some(n),
        }
    }
}

/// Projects with at least this many segments are opened with their coding
/// read behind the first frame; smaller ones are read at once.
pub const LOAD_IN_BACKGROUND_FROM: usize = 20_000;

/// Lets a snapshot go that the window no longer shows: a large one on a
/// thread of its own, since freeing 400,000 segments takes the main thread
/// tens of milliseconds (and leaves the allocator busy for the next frame).
pub fn let_go(snap: ProjectSnapshot) {
    if snap.segments.len() >= LOAD_IN_BACKGROUND_FROM {
        // Should the thread not start, the snapshot is freed here instead.
        let _ = std::thread::Builder::new()
            .name("weft-free".into())
            .spawn(move || {
                drop(snap);
                // Freed here, the memory goes back to the allocator's pool
                // of the thread that read it, which the next reading thread
                // may not use: handed back to the system instead, so that
                // opening one large project after another does not hold two.
                #[cfg(all(target_os = "linux", target_env = "gnu"))]
                // SAFETY: malloc_trim only releases free memory.
                unsafe {
                    libc::malloc_trim(0);
                }
            });
    }
}

impl OpenProject {
    /// Opens the project's snapshot. A project file with at least
    /// `background_from` segments gets everything but the segments now, and
    /// the whole snapshot is read again on another connection and thread
    /// ([`Loading`]), so the first frame does not wait for it.
    pub(super) fn open(mut store: Store, background_from: usize) -> crate::Result<Self> {
        let canonical_path =
            std::fs::canonicalize(store.path()).unwrap_or_else(|_| store.path().to_path_buf());
        // Whether there are at least `background_from` segments: counted
        // no further, so the first frame does not wait for a count of them all.
        let loading = store.server().is_none()
            && store.read().segment_count_up_to(background_from)? >= background_from;
        let (snap, data_version) = if loading {
            store.snapshot_to_start_at()?
        } else {
            store.snapshot_at()?
        };
        // Started after the moment read above (at the end of the first
        // frame), so what it reads is as new or newer; a change made
        // elsewhere in between moves the data version, and the window reads
        // the project again as it would anyway.
        let loading = loading.then(|| Loading {
            counted: std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(usize::MAX)),
            reopen: Some(store.reopener()),
            handle: None,
        });
        let practice = store.read().practice()?;
        let mut p = OpenProject {
            watcher: None,
            store,
            snap,
            view: None,
            selected_code: None,
            selected_segment: None,
            code_paths: Vec::new(),
            quotes: HashMap::new(),
            version: 0,
            listing_version: 0,
            canonical_path,
            retrieval: None,
            document_rows: None,
            data_version,
            changed_at: std::time::Instant::now(),
            checkpointed: false,
            hidden_coders: Default::default(),
            split_by_coder: false,
            practice,
            exemplars: HashMap::new(),
            listener: None,
            rung: Default::default(),
            log_read_at: std::time::Instant::now(),
            loads: 1,
            rings: 0,
            others: Vec::new(),
            others_at: None,
            loading,
            changes: Default::default(),
        };
        p.exemplars = exemplars_in(&p.snap);
        p.derive();
        Ok(p)
    }

    fn derive(&mut self) {
        let tree = &self.snap.codes;
        self.code_paths = tree
            .in_tree_order()
            .into_iter()
            .map(|id| (id, tree.path(id)))
            .collect();
        if self.selected_code.is_some_and(|c| tree.get(c).is_none()) {
            self.selected_code = None;
        }
        if self
            .selected_segment
            .is_some_and(|s| self.snap.segment(s).is_none())
        {
            self.selected_segment = None;
        }
        self.update_highlights();
    }

    /// The documents whose coding changed from snapshot version `version`
    /// to now, when nothing but coding changed in between (and the changes
    /// are still remembered); `None` otherwise.
    pub fn coding_changed_since(
        &self,
        version: u64,
    ) -> Option<std::collections::HashSet<DocumentId>> {
        let mut out = std::collections::HashSet::new();
        if version > self.version {
            return None;
        }
        if version < self.version {
            // The remembered changes must reach back to just after `version`.
            let first = self.changes.front()?.0;
            if first > version + 1 {
                return None;
            }
        }
        for (v, touch) in &self.changes {
            if *v <= version {
                continue;
            }
            match touch {
                Touch::Coding(docs) => out.extend(docs.iter().copied()),
                Touch::Everything => return None,
            }
        }
        Some(out)
    }

    /// Whether the coding is still being read ([`Loading`]): changes wait,
    /// and what is made from the segments is not shown yet.
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// Starts reading the whole snapshot, if it is still to be read and
    /// not started yet (the window calls this at the end of each frame).
    pub fn start_loading(&mut self) -> crate::Result<()> {
        match &mut self.loading {
            Some(loading) => loading.start(),
            None => Ok(()),
        }
    }

    /// Takes in the whole snapshot once its thread is done (the window asks
    /// on every frame; [`OpenProject::finish_loading`] waits for it).
    /// Returns whether it came in now.
    pub fn poll_loading(&mut self) -> crate::Result<bool> {
        if !self.loading.as_ref().is_some_and(Loading::is_finished) {
            return Ok(false);
        }
        self.finish_loading()?;
        Ok(true)
    }

    /// Waits for the whole snapshot, if it is still being read (starting
    /// the reading if it was not), and takes it in.
    pub fn finish_loading(&mut self) -> crate::Result<()> {
        self.start_loading()?;
        let Some(handle) = self.loading.take().and_then(|l| l.handle) else {
            return Ok(());
        };
        let snap = handle.join().map_err(|_| {
            crate::Error::Invalid("reading the project's coding stopped unexpectedly".into())
        })??;
        self.snap = snap;
        self.exemplars = exemplars_in(&self.snap);
        self.quotes.clear();
        self.listing_version += 1;
        self.retrieval = None;
        self.document_rows = None;
        self.snapshot_changed(Touch::Everything);
        Ok(())
    }

    /// Reloads the snapshot after a change and redraws what changed.
    pub fn refresh(&mut self) -> crate::Result<()> {
        let (snap, data_version) = self.store.snapshot_at()?;
        let_go(std::mem::replace(&mut self.snap, snap));
        self.data_version = data_version;
        self.loads += 1;
        self.exemplars = exemplars_in(&self.snap);
        self.practice = self.store.read().practice()?;
        self.quotes.clear();
        self.listing_version += 1;
        self.retrieval = None;
        self.snapshot_changed(Touch::Everything);
        Ok(())
    }

    /// Brings the snapshot up to date from an edit this window just applied
    /// (a change, an undo, a redo), without reloading the project.
    pub fn patch(&mut self, applied: &crate::edit::Edit) {
        let patched = self.snap.patch(applied);
        let codes = patched.codes;
        if applied.touches_documents() {
            self.quotes.clear();
        }
        if applied.touches_listing() {
            self.listing_version += 1;
        }
        // The retrieval list shows one code: it is patched when segments of
        // that code came or went, and rebuilt only when they were recoded or
        // the documents' details changed.
        let snap = &self.snap;
        if self.retrieval.as_mut().is_some_and(|r| {
            applied.touches_listing() || (codes.contains(&r.code()) && !r.patch(snap, applied))
        }) {
            self.retrieval = None;
        }
        patch_exemplars(&mut self.exemplars, applied);
        self.snapshot_changed(if applied.changes_only_coding() {
            Touch::Coding(patched.documents)
        } else {
            Touch::Everything
        });
    }

    /// What follows any change of the snapshot: derived views are recomputed.
    fn snapshot_changed(&mut self, touch: Touch) {
        self.version += 1;
        if self.changes.len() == CHANGES_KEPT {
            self.changes.pop_front();
        }
        self.changes.push_back((self.version, touch));
        self.changed_at = std::time::Instant::now();
        self.checkpointed = false;
        if let Some(v) = &self.view
            && self.snap.document(v.document).is_none()
        {
            self.view = None;
        }
        self.derive();
    }

    /// Brings the snapshot up to date after this window's own change (or
    /// undo, or redo). A file's snapshot is patched with the edit. A team
    /// project's is too when no one else committed in between; else the
    /// log is read from where the snapshot stands, so every change is
    /// patched in in the order it was made, this one among them.
    pub fn after_own_change(&mut self, forward: &crate::edit::Edit) -> crate::Result<()> {
        if forward.is_empty() {
            return Ok(());
        }
        if self.store.server().is_none() {
            self.patch(forward);
            return Ok(());
        }
        let seq = self.store.last_logged();
        if seq == self.data_version + 1 {
            self.patch(forward);
            self.data_version = seq;
        } else {
            self.catch_up()?;
        }
        Ok(())
    }

    /// Patches in the changes logged since the snapshot's position (another
    /// coder's, as they arrive), or loads the project again when the log no
    /// longer reaches back that far. Returns whether anything changed.
    pub fn catch_up(&mut self) -> crate::Result<bool> {
        self.log_read_at = std::time::Instant::now();
        // After a lost connection the store connects again, and the log is
        // read from where the snapshot stands: nothing is missed.
        let Some(changes) = self.store.changes_since(self.data_version)? else {
            self.refresh()?;
            return Ok(true);
        };
        for change in &changes {
            self.patch(&change.edit);
            if change.edit.touches_practice() {
                self.practice = self.store.read().practice()?;
            }
            self.data_version = change.seq;
        }
        Ok(!changes.is_empty())
    }

    /// Brings the snapshot up to date with changes made by other
    /// connections. Returns whether anything changed.
    ///
    /// A team project reads its change log when the listener rang, or every
    /// five seconds in case a ring was lost. A file is reloaded when
    /// another connection wrote to it (cheap to check: one pragma read).
    pub fn refresh_if_changed_elsewhere(&mut self) -> crate::Result<bool> {
        if self.is_loading() {
            return Ok(false);
        }
        if self.store.server().is_some() {
            let rung = self.rung.swap(false, std::sync::atomic::Ordering::SeqCst);
            if !rung && self.log_read_at.elapsed() < std::time::Duration::from_secs(5) {
                return Ok(false);
            }
            self.rings += u64::from(rung);
            return self.catch_up();
        }
        if self.store.data_version()? == self.data_version {
            return Ok(false);
        }
        self.refresh()?;
        Ok(true)
    }

    /// Redraws the coding of the document shown (after a change, or when the
    /// View menu hides a coder or splits the stripes).
    pub fn update_highlights(&mut self) {
        let Some(view) = &mut self.view else { return };
        let tree = &self.snap.codes;
        let split = self.split_by_coder;
        let hidden = &self.hidden_coders;
        let snap = &self.snap;
        let highlights = snap
            .segments_of(view.document)
            .iter()
            .filter(|s| !hidden.contains(&s.coder))
            .filter_map(|s| {
                let code = tree.get(s.code)?;
                let mut name = if split {
                    format!("{} · {}", initials(snap.coder_name(s.coder)), code.name)
                } else {
                    code.name.clone()
                };
                if s.exemplar {
                    name.push_str(" (exemplar)");
                }
                Some(Highlight {
                    segment: s.id,
                    code: s.code,
                    range: s.range,
                    color: parse_hex(&code.color),
                    name,
                    coder: split.then_some(s.coder),
                    exemplar: s.exemplar,
                })
            })
            .collect();
        let order: Vec<CodeId> = self.code_paths.iter().map(|(c, _)| *c).collect();
        view.set_highlights(highlights, &order);
        view.selected_segment = self.selected_segment;
    }

    /// The coded text of these segments, reading only those not read before:
    /// the retrieval list asks for the rows in view, not the code's thousands.
    pub fn quotes_of(&mut self, segments: &[(SegmentId, DocumentId, CharRange)]) -> Vec<String> {
        let missing: Vec<SegmentId> = segments
            .iter()
            .filter(|(_, d, r)| !self.quotes.contains_key(&(*d, *r)))
            .map(|(id, _, _)| *id)
            .collect();
        if !missing.is_empty() {
            let read = self.store.read().quotes(&missing).unwrap_or_default();
            for (id, d, r) in segments {
                if let Some(q) = read.get(id) {
                    self.quotes.insert((*d, *r), q.clone());
                }
            }
        }
        segments
            .iter()
            .map(|(_, d, r)| self.quotes.get(&(*d, *r)).cloned().unwrap_or_default())
            .collect()
    }

    /// The text of these ranges, through the same cache as [`Self::quotes_of`].
    pub fn passages(&mut self, ranges: &[(DocumentId, CharRange)]) -> Vec<String> {
        ranges
            .iter()
            .map(|&(d, r)| {
                if let Some(q) = self.quotes.get(&(d, r)) {
                    return q.clone();
                }
                let q = self
                    .store
                    .read()
                    .passage(d, r)
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                self.quotes.insert((d, r), q.clone());
                q
            })
            .collect()
    }

    /// A code's pinned exemplars (segment, document, range), in document order.
    pub fn exemplars_of(&self, code: CodeId) -> Vec<(SegmentId, DocumentId, CharRange)> {
        let mut rows: Vec<_> = self
            .exemplars
            .iter()
            .filter(|(_, (c, _, _))| *c == code)
            .map(|(s, (_, d, r))| (*s, *d, *r))
            .collect();
        rows.sort_by_key(|(s, d, r)| (*d, r.start, r.end, *s));
        rows
    }

    /// Shows a document in the transcript view.
    pub fn open_document(&mut self, doc: DocumentId) -> crate::Result<()> {
        if self.view.as_ref().is_some_and(|v| v.document == doc) {
            return Ok(());
        }
        let r = self.store.read();
        let text = r.document_text(doc)?;
        let turns = r.turns(doc)?;
        self.view = Some(TranscriptView::new(doc, text, &turns));
        self.update_highlights();
        Ok(())
    }
}

/// A coder's initials, put first on a split stripe's label so they show on
/// short stripes too: the first letter of each word
/// ("Ana Lima" → "AL"), or the first two letters of a one-word name ("ben" → "BE").
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let letters: String = if words.len() >= 2 {
        words.iter().filter_map(|w| w.chars().next()).collect()
    } else {
        name.chars().take(2).collect()
    };
    letters.to_uppercase()
}

/// Every pinned exemplar of a snapshot.
fn exemplars_in(snap: &ProjectSnapshot) -> HashMap<SegmentId, (CodeId, DocumentId, CharRange)> {
    snap.segments
        .iter()
        .filter(|s| s.exemplar)
        .map(|s| (s.id, (s.code, s.document, s.range)))
        .collect()
}

/// Brings the exemplars up to date from an applied edit.
fn patch_exemplars(
    ex: &mut HashMap<SegmentId, (CodeId, DocumentId, CharRange)>,
    edit: &crate::edit::Edit,
) {
    use crate::edit::Edit;
    match edit {
        Edit::Batch(list) => list.iter().for_each(|e| patch_exemplars(ex, e)),
        Edit::InsertSegments(segs) => {
            for s in segs.iter().filter(|s| s.exemplar) {
                ex.insert(s.id, (s.code, s.document, s.range));
            }
        }
        Edit::UpdateSegment(s) => {
            if s.exemplar {
                ex.insert(s.id, (s.code, s.document, s.range));
            } else {
                ex.remove(&s.id);
            }
        }
        Edit::DeleteSegments(ids) => ids.iter().for_each(|id| {
            ex.remove(id);
        }),
        Edit::RecodeSegments { ids, to, .. } => {
            for id in ids {
                if let Some(e) = ex.get_mut(id) {
                    e.0 = *to;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::ops;

    /// The exemplars patched from each edit equal a fresh scan: pinning,
    /// merging the pinned segment's code away, undoing, removing.
    #[test]
    fn patched_exemplars_equal_a_fresh_scan() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.weft");
        crate::demo::write_demo(&path).unwrap();
        let mut p = OpenProject::open(Store::open(&path).unwrap(), usize::MAX).unwrap();
        assert!(!p.exemplars.is_empty(), "the demo pins some");
        let check = |p: &OpenProject, what: &str| {
            assert_eq!(p.exemplars, exemplars_in(&p.snap), "{what}");
        };
        let seg = p
            .snap
            .segments
            .iter()
            .find(|s| !s.exemplar)
            .unwrap()
            .clone();
        let apply = |p: &mut OpenProject, label: &str, edit: crate::edit::Edit| {
            let applied = p.store.change_applied(label, |_| Ok(edit)).unwrap();
            p.patch(&applied.forward);
            check(p, label);
        };
        let pin = ops::set_exemplar(&p.store.read(), seg.id, true).unwrap();
        apply(&mut p, "pin", pin);
        let target = p
            .snap
            .codes
            .codes()
            .iter()
            .find(|c| c.id != seg.code)
            .unwrap()
            .id;
        let merge = ops::merge_codes(&p.store.read(), seg.code, target).unwrap();
        apply(&mut p, "merge", merge);
        assert!(!p.exemplars_of(target).is_empty());
        let (_, undo) = p.store.undo_applied().unwrap().unwrap();
        p.patch(&undo);
        check(&p, "undo merge");
        apply(
            &mut p,
            "remove",
            crate::edit::Edit::DeleteSegments(vec![seg.id]),
        );
        let (_, undo) = p.store.undo_applied().unwrap().unwrap();
        p.patch(&undo);
        check(&p, "undo remove");
        assert!(p.exemplars_of(seg.code).iter().any(|e| e.0 == seg.id));
    }
}
