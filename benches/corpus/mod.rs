//! Generated corpora for the benchmarks: the words transcripts are made of
//! (shared with `foundation`) and corpus L, which `window` and `commands`
//! build the same way.
#![allow(dead_code)]

use std::path::Path;

use weft::edit::{Edit, ops};
use weft::model::{CharRange, CodeId, Coder, CoderId, Segment, SegmentId};
use weft::store::Store;

/// Words of an interview about peer mentoring, accents and curly quotes included.
pub const WORDS: &[&str] = &[
    "mentor",
    "court",
    "visit",
    "caseworker",
    "housing",
    "my",
    "she",
    "the",
    "and",
    "I",
    "was",
    "really",
    "helped",
    "called",
    "we",
    "talked",
    "about",
    "kids",
    "home",
    "program",
    "café",
    "niños",
    "“trust”",
    "week",
    "plan",
    "judge",
    "felt",
    "alone",
    "group",
    "school",
];

/// A small seeded generator, so every run builds the same corpus.
pub struct Rng(pub u64);

impl Rng {
    /// The next pseudo-random number.
    pub fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

/// Builds corpus L × `scale` at `path`: 500 × `scale` transcripts, a
/// participants sheet with four attributes, 68 codes in three levels and
/// 100,000 × `scale` segments by two coders, who both code every document.
pub fn build(path: &Path, scale: usize) {
    let (documents, segments) = (500 * scale, 100_000 * scale);
    let mut rng = Rng(42);
    let docs: Vec<_> = transcripts(documents, &mut rng)
        .into_iter()
        .map(|(name, text)| {
            weft::import::parse_transcript(Path::new(&name), text.as_bytes(), None).unwrap()
        })
        .collect();
    let sheet: String = std::iter::once("Participant,Phase,Age,Site,Interviewed\n".to_string())
        .chain((0..documents).map(|i| {
            format!(
                "P{i:04},{},{},{},2025-{:02}-{:02}\n",
                ["pre", "post"][i % 2],
                20 + i % 40,
                ["north", "south", "east"][i % 3],
                1 + i % 12,
                1 + i % 28
            )
        }))
        .collect();
    let sheet =
        weft::import::parse_participants(Path::new("p.csv"), &sheet, &Default::default()).unwrap();
    Store::build(path, None, |store| {
        store.change("Import", |r| ops::import_documents(r, docs))?;
        store.change("Sheet", |r| {
            ops::import_participants(r, &sheet, &Default::default())
        })?;
        store.change("Codes and segments", |r| {
            // 4 themes × 4 subthemes × 3 codes: 68 codes, 48 leaves.
            let mut codes = Vec::new();
            let mut leaves = Vec::new();
            let code =
                |parent: Option<CodeId>, name: String, codes: &mut Vec<weft::model::Code>| {
                    let id = CodeId(codes.len() as i64 + 1);
                    codes.push(weft::model::Code {
                        id,
                        guid: weft::model::new_guid(),
                        parent,
                        name,
                        color: "#4363d8".into(),
                        description: String::new(),
                        position: codes.len() as i64,
                        memo: String::new(),
                        short_definition: String::new(),
                        when_to_use: String::new(),
                        when_not_to_use: String::new(),
                    });
                    id
                };
            for a in 0..4 {
                let theme = code(None, format!("Theme {a}"), &mut codes);
                for b in 0..4 {
                    let sub = code(Some(theme), format!("Sub {b}"), &mut codes);
                    for c in 0..3 {
                        leaves.push(code(Some(sub), format!("Code {c}"), &mut codes));
                    }
                }
            }
            let coders: Vec<Coder> = ["ana", "ben"]
                .iter()
                .enumerate()
                .map(|(i, name)| Coder {
                    id: CoderId(i as i64 + 1),
                    guid: weft::model::new_guid(),
                    name: name.to_string(),
                })
                .collect();
            let documents = r.documents()?;
            let mut segs = Vec::with_capacity(segments);
            let mut rng = Rng(7);
            for i in 0..segments {
                let d = &documents[i % documents.len()];
                let start = rng.next() % (d.char_len - 400);
                segs.push(Segment {
                    id: SegmentId(i as i64 + 1),
                    guid: weft::model::new_guid(),
                    document: d.id,
                    code: leaves[rng.next() % leaves.len()],
                    range: CharRange::new(start, start + 40 + rng.next() % 300),
                    // Every document coded by both, each round of
                    // documents by the other coder: a team's agreement.
                    coder: CoderId(((i / documents.len()) % 2) as i64 + 1),
                    created_at: "2026-01-01T00:00:00Z".into(),
                    memo: String::new(),
                    exemplar: false,
                });
            }
            Ok(Edit::Batch(vec![
                Edit::InsertCodes(codes),
                Edit::InsertCoders(coders),
                Edit::InsertSegments(segs),
            ]))
        })?;
        Ok(())
    })
    .unwrap();
}

/// `n` transcripts of about 12,000 words (75 KB) in speaker turns, as
/// (file name, text).
pub fn transcripts(n: usize, rng: &mut Rng) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let mut text = String::with_capacity(80_000);
            let mut turn = 0;
            while text.len() < 75_000 {
                text.push_str(if turn % 2 == 0 {
                    "Interviewer: "
                } else {
                    "P: "
                });
                for _ in 0..(20 + rng.next() % 40) {
                    text.push_str(WORDS[rng.next() % WORDS.len()]);
                    text.push(' ');
                }
                text.push_str("end.\n");
                turn += 1;
            }
            (format!("P{i:04}.txt"), text)
        })
        .collect()
}
