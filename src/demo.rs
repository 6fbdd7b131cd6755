//! The demo project: twelve short interviews with parents who worked with peer
//! mentors before or after family reunification, their participants sheet, the
//! peer-support codebook, and coding by two coders.
//!
//! The interviews are written for Weft (see `assets/demo/`); they are not real
//! data. The window opens a copy on first start, and the tests use it, so a
//! change here shows up in both.

use std::collections::HashMap;
use std::path::Path;

use crate::edit::ops::{self, MemoTarget, find_code};
use crate::error::{Error, Result};
use crate::import::{parse_codebook, parse_participants, parse_transcript};
use crate::model::CharRange;
use crate::store::Store;

/// The transcripts, by file name.
pub const TRANSCRIPTS: [(&str, &str); 12] = [
    ("P01.txt", include_str!("../assets/demo/P01.txt")),
    ("P02.txt", include_str!("../assets/demo/P02.txt")),
    ("P03.txt", include_str!("../assets/demo/P03.txt")),
    ("P04.txt", include_str!("../assets/demo/P04.txt")),
    ("P05.txt", include_str!("../assets/demo/P05.txt")),
    ("P06.txt", include_str!("../assets/demo/P06.txt")),
    ("P07.txt", include_str!("../assets/demo/P07.txt")),
    ("P08.txt", include_str!("../assets/demo/P08.txt")),
    ("P09.txt", include_str!("../assets/demo/P09.txt")),
    ("P10.txt", include_str!("../assets/demo/P10.txt")),
    ("P11.txt", include_str!("../assets/demo/P11.txt")),
    ("P12.txt", include_str!("../assets/demo/P12.txt")),
];

/// The practice project's answers: document, the exact words, code path and
/// the expert's reason (written for Weft, like the interviews).
pub const PRACTICE_ANSWERS: &str = include_str!("../assets/practice/answers.csv");

/// Whose answers the shipped practice project holds.
pub const PRACTICE_EXPERT: &str = "Weft team";

/// The participants sheet.
pub const PARTICIPANTS: &str = include_str!("../assets/demo/participants.csv");

/// The peer-support codebook (also in `sample_codebooks/`).
pub const CODEBOOK: &str = include_str!("../sample_codebooks/peer_support.csv");

const S: &str = "Types of support";
const E: &str = "Engagement";

/// The demo's coding: document, the exact words coded, code path, and who
/// coded it (`a` for ana, `b` for ben). Ben coded fewer passages and sometimes
/// chose another code, so the coders can be compared.
const CODING: &[(&str, &str, &str, &str)] = &[
    (
        "P01",
        "this woman came over and said she had been where I was sitting, eight years ago",
        "Engagement/Shared experience",
        "ab",
    ),
    (
        "P01",
        "Nobody from the agency ever talked to me like that, like a person.",
        "Engagement/Non-affiliation",
        "a",
    ),
    (
        "P01",
        "Mostly she listened. I would call her at night when I couldn't sleep and she would just let me talk.",
        "Types of support/Emotional/Validation",
        "a",
    ),
    (
        "P01",
        "Mostly she listened. I would call her at night when I couldn't sleep and she would just let me talk.",
        "Types of support/Emotional/Connectedness",
        "b",
    ),
    (
        "P01",
        "She kept telling me I was doing the work, that it counted.",
        "Types of support/Emotional/Encouragement",
        "ab",
    ),
    (
        "P01",
        "She got me a bus pass so I could make my visits",
        "Types of support/Concrete",
        "a",
    ),
    (
        "P01",
        "She got me a bus pass so I could make my visits",
        "Types of support/Instrumental",
        "b",
    ),
    (
        "P01",
        "she found a food pantry near my sister's place",
        "Types of support/Informational/Resources and referrals",
        "a",
    ),
    (
        "P01",
        "I know what the next steps are, and I am not doing it alone anymore.",
        "Outcomes",
        "a",
    ),
    (
        "P02",
        "“I'm not from the agency, I don't write reports on you.”",
        "Engagement/Non-affiliation",
        "ab",
    ),
    (
        "P02",
        "With her I could say I was angry, I could say I messed up, and it stayed between us.",
        "Engagement/Non-affiliation",
        "a",
    ),
    (
        "P02",
        "She taught me how to read my service plan.",
        "Types of support/Instructional/Navigation",
        "ab",
    ),
    (
        "P02",
        "She practiced with me what to say at the meeting.",
        "Types of support/Instructional/Communication",
        "a",
    ),
    (
        "P02",
        "but I asked, and they changed it. That was the first time I felt like I had any say.",
        "Types of support/Emotional/Empowerment",
        "a",
    ),
    (
        "P02",
        "but I asked, and they changed it. That was the first time I felt like I had any say.",
        "Types of support/Instructional/Self-advocacy skills",
        "b",
    ),
    (
        "P03",
        "She would sit on the floor and play with him and show me, without making me feel stupid, how to calm him down when he got wild.",
        "Types of support/Instructional",
        "a",
    ),
    (
        "P03",
        "she connected me with a parents' group at the church. Now I have three other moms I can text.",
        "Types of support/Emotional/Connectedness",
        "ab",
    ),
    (
        "P03",
        "Real. She doesn't sugarcoat.",
        "Engagement/Personal qualities",
        "a",
    ),
    (
        "P03",
        "But she never judged me, not once.",
        "Engagement/Personal qualities",
        "ab",
    ),
    (
        "P04",
        "She sat with me at the library and we did it line by line.",
        "Types of support/Instructional/Navigation",
        "a",
    ),
    (
        "P04",
        "she drove me to a meeting",
        "Types of support/Concrete",
        "a",
    ),
    (
        "P04",
        "My counselor is nice but she has forty people. My mentor picked up the phone at eleven at night.",
        "Engagement/Comfort with peers vs clinicians",
        "a",
    ),
    (
        "P04",
        "My mentor picked up the phone at eleven at night.",
        "Engagement/Personal qualities",
        "b",
    ),
    (
        "P04",
        "She knows the words they use, she knows how it feels when they look at you like you're a bad mother.",
        "Engagement/Shared experience",
        "ab",
    ),
    (
        "P05",
        "I thought she was a spy for the agency.",
        "Engagement/Barriers",
        "a",
    ),
    (
        "P05",
        "She told me her own story, the whole thing, even the part where she relapsed.",
        "Engagement/Shared experience",
        "ab",
    ),
    (
        "P05",
        "She went with me to court and sat right behind me.",
        "Types of support/Emotional",
        "a",
    ),
    (
        "P05",
        "She explained what the lawyer meant after",
        "Types of support/Informational/Guidance",
        "a",
    ),
    (
        "P05",
        "she spoke up when the caseworker said I missed a visit that I didn't miss",
        "Types of support/Advocacy",
        "ab",
    ),
    ("P05", "I feel like somebody has my back", "Outcomes", "a"),
    (
        "P06",
        "Those Tuesdays were the only normal hour I had.",
        "Types of support/Emotional/Connectedness",
        "a",
    ),
    (
        "P06",
        "She gave me a list of lawyers who do free consults, and a number for a program that pays a month of rent if you're behind.",
        "Types of support/Informational/Resources and referrals",
        "ab",
    ),
    (
        "P06",
        "The therapist was fine. But with her I always felt like I was being graded. With my mentor I could say the ugly stuff.",
        "Engagement/Comfort with peers vs clinicians",
        "ab",
    ),
    (
        "P06",
        "Sometimes she'd cancel because somebody else was in crisis",
        "Engagement/Barriers",
        "a",
    ),
    (
        "P07",
        "She was like a big sister.",
        "Engagement/Personal qualities",
        "a",
    ),
    (
        "P07",
        "She gave me a routine, bath, one story, lights, and she wrote it on a card for the fridge.",
        "Types of support/Instructional",
        "a",
    ),
    (
        "P07",
        "She got us a crib and a dresser from a donation place, and winter coats.",
        "Types of support/Concrete",
        "ab",
    ),
    (
        "P07",
        "“You got to the visit early, that's huge.”",
        "Types of support/Emotional/Encouragement",
        "a",
    ),
    (
        "P07",
        "I want to be a mentor one day, that's my goal. 💪",
        "Outcomes",
        "a",
    ),
    (
        "P08",
        "She didn't treat me like the worst person alive.",
        "Types of support/Emotional/Validation",
        "a",
    ),
    (
        "P08",
        "first things first, where are you sleeping tonight, and we made a plan for the week",
        "Types of support/Informational/Guidance",
        "a",
    ),
    (
        "P08",
        "Shelter intake on Monday, the benefits office on Wednesday, and she came to both.",
        "Types of support/Concrete",
        "a",
    ),
    (
        "P08",
        "she knew exactly which window to go to",
        "Types of support/Instructional/Navigation",
        "b",
    ),
    (
        "P08",
        "She's Puerto Rican like me, she talks like my aunts. And she's funny.",
        "Engagement/Personal qualities",
        "ab",
    ),
    (
        "P09",
        "When the clinician talked about discipline it sounded like a textbook.",
        "Engagement/Comfort with peers vs clinicians",
        "a",
    ),
    (
        "P09",
        "here's what I did wrong with my son and here's what I do now",
        "Engagement/Shared experience",
        "ab",
    ),
    (
        "P09",
        "She would go first with something embarrassing and then it was easier for everybody.",
        "Engagement/Shared experience",
        "a",
    ),
    (
        "P09",
        "Ways to talk to my kids without yelling.",
        "Outcomes",
        "a",
    ),
    (
        "P10",
        "her job was to make herself not needed",
        "Types of support/Emotional/Empowerment",
        "a",
    ),
    (
        "P10",
        "She taught me to bring my questions written down and to ask them to explain any word I don't know.",
        "Types of support/Instructional/Self-advocacy skills",
        "ab",
    ),
    (
        "P10",
        "Last meeting I pushed back on a change to his classroom and they listened. I did that, not her.",
        "Outcomes",
        "a",
    ),
    (
        "P10",
        "She told me the agency would expect me to complete every program even if it felt pointless",
        "Types of support/Informational/Guidance",
        "a",
    ),
    (
        "P10",
        "An outsider can be kind, but they can't tell you the truth the same way.",
        "Engagement/Shared experience",
        "a",
    ),
    (
        "P11",
        "ask if I needed a ride",
        "Types of support/Instrumental",
        "ab",
    ),
    (
        "P11",
        "She also brought snacks for the kids",
        "Types of support/Concrete",
        "a",
    ),
    (
        "P11",
        "With the therapist I chose my words.",
        "Engagement/Comfort with peers vs clinicians",
        "a",
    ),
    (
        "P11",
        "me too, my first night",
        "Engagement/Shared experience",
        "a",
    ),
    (
        "P12",
        "I had parenting class, drug testing, visits, therapy. I said I don't have time for a friend.",
        "Engagement/Barriers",
        "a",
    ),
    (
        "P12",
        "She made it fit my schedule.",
        "Types of support/Instrumental",
        "ab",
    ),
    (
        "P12",
        "She made me a calendar with every appointment in a different colour.",
        "Types of support/Instructional/Navigation",
        "a",
    ),
    (
        "P12",
        "That's knowledge you only get from going through it.",
        "Engagement/Shared experience",
        "a",
    ),
    (
        "P12",
        "go to the test, reschedule the interview, I'll help you explain it",
        "Types of support/Informational/Guidance",
        "a",
    ),
];

/// Writes the demo project to `path`, which must not exist. It is built beside
/// the target and moved into place whole, so a failure or a kill leaves no file,
/// and a newcomer's first undo has nothing of the demo to take apart.
pub fn write_demo(path: &Path) -> Result<()> {
    Store::build(path, None, fill_demo).map(|_| ())
}

/// Writes the practice project that Weft ships: two demo interviews (P03 and
/// P08) with the demo's codebook, and our coding of them with a reason for
/// each passage, hidden until the student checks. All or nothing, like the demo.
pub fn write_practice(path: &Path) -> Result<()> {
    // The demo is built beside the target, read whole, and removed.
    let scratch = path.with_extension("demo-for-practice.weft");
    crate::store::remove_project_files(&scratch);
    let loaded = (|| {
        let (store, ()) = Store::build(&scratch, None, fill_demo)?;
        crate::edit::merge::Source::load(&store.read())
    })();
    crate::store::remove_project_files(&scratch);
    let src = loaded?;
    let s = &src.snapshot;
    let mut docs = Vec::new();
    let mut answers = Vec::new();
    let mut rows = csv::Reader::from_reader(PRACTICE_ANSWERS.as_bytes());
    for row in rows.records() {
        let row = row.map_err(|e| Error::Invalid(format!("practice answers: {e}")))?;
        let (doc, words, code, reason) = (&row[0], &row[1], &row[2], &row[3]);
        let d = s
            .document_named(doc)
            .ok_or_else(|| Error::Invalid(format!("practice: no document {doc}")))?;
        let text = &src.records[&d.id].text;
        let at = text
            .find(words)
            .ok_or_else(|| Error::Invalid(format!("practice: passage not found in {doc}")))?;
        let start = text[..at].chars().count();
        let code = find_code(&s.codes, code)?;
        if !docs.contains(&d.id) {
            docs.push(d.id);
        }
        answers.push(crate::model::PracticeAnswer {
            document_guid: d.guid.clone(),
            code_guid: s
                .codes
                .get(code)
                .map(|c| c.guid.clone())
                .unwrap_or_default(),
            range: CharRange::new(start, start + words.chars().count()),
            reason: reason.to_string(),
        });
    }
    let practice = crate::model::Practice {
        expert: PRACTICE_EXPERT.into(),
        answers,
    };
    let edit = crate::edit::practice::practice_copy(&src, &docs, practice)?;
    Store::build(path, None, |store| {
        store.change("Practice project", |_| Ok(edit))
    })
    .map(|_| ())
}

fn fill_demo(store: &mut Store) -> Result<()> {
    let docs = TRANSCRIPTS
        .iter()
        .map(|(name, text)| parse_transcript(Path::new(name), text.as_bytes(), None))
        .collect::<Result<Vec<_>>>()?;
    store.change("Import transcripts", |r| ops::import_documents(r, docs))?;
    let sheet = parse_participants(Path::new("participants.csv"), PARTICIPANTS, &HashMap::new())?;
    store.change("Import participants", |r| {
        ops::import_participants(r, &sheet, &ops::ParticipantImportOptions::default())
    })?;
    let codebook_path = Path::new("peer_support.csv");
    let entries = parse_codebook(codebook_path, CODEBOOK)?;
    store.change("Import codebook", |r| {
        ops::import_codebook(r, codebook_path, &entries)
    })?;

    for (coder_key, coder) in [('a', "ana"), ('b', "ben")] {
        store.change("Demo coding", |r| {
            let mut batch = Vec::new();
            let mut by_code: Vec<(&str, Vec<_>)> = Vec::new();
            for &(doc, words, code, _) in CODING.iter().filter(|c| c.3.contains(coder_key)) {
                let d = r
                    .document_by_name(doc)?
                    .ok_or_else(|| Error::Invalid(format!("demo: no document {doc}")))?;
                let text = r.document_text(d.id)?;
                let at = text
                    .find(words)
                    .ok_or_else(|| Error::Invalid(format!("demo: passage not found in {doc}")))?;
                let start = text[..at].chars().count();
                let range = CharRange::new(start, start + words.chars().count());
                match by_code.iter_mut().find(|(c, _)| *c == code) {
                    Some((_, v)) => v.push((d.id, range)),
                    None => by_code.push((code, vec![(d.id, range)])),
                }
            }
            let (make_coder, coder_id) = ops::ensure_coder(r, coder)?;
            batch.push(make_coder);
            let mut next = r.next_id("segment")?;
            for (code, ranges) in by_code {
                let code = find_code(&r.code_tree()?, code)?;
                let segs = ops::code_ranges(r, &ranges, code, coder_id, "", next)?;
                next += segs.len() as i64;
                batch.push(crate::edit::Edit::InsertSegments(segs));
            }
            Ok(crate::edit::Edit::Batch(batch))
        })?;
    }

    store.change("Demo memos", |r| {
        let tree = r.code_tree()?;
        let p08 = r.document_by_name("P08")?.map(|d| d.id);
        let non_aff = find_code(&tree, &format!("{E}/Non-affiliation"))?;
        let advocacy = find_code(&tree, &format!("{S}/Advocacy"))?;
        let seg = r.segments_of_code(advocacy)?.first().map(|s| s.id);
        let mut edits = vec![
            ops::set_memo(
                r,
                MemoTarget::Project,
                "Demo study: twelve invented interviews with parents who worked with a peer mentor, \
                 six before reunification and six after. Two coders (ana, ben) coded with the \
                 peer-support codebook; compare them, then try focused coding: merge, move, recode.",
            )?,
            ops::set_memo(
                r,
                MemoTarget::Code(non_aff),
                "Comes up early in most pre-reunification interviews: trust starts from \"not the agency\".",
            )?,
        ];
        if let Some(d) = p08 {
            edits.push(ops::set_memo(
                r,
                MemoTarget::Document(d),
                "Housing crisis at intake; mentor works in one-week plans.",
            )?);
        }
        if let Some(s) = seg {
            edits.push(ops::set_memo(
                r,
                MemoTarget::Segment(s),
                "Clearest example of the mentor acting for the parent.",
            )?);
        }
        Ok(crate::edit::Edit::Batch(edits))
    })?;
    // A few exemplar quotes, so the codebook report has some from the start:
    // the first passage ana coded with each of these codes.
    store.change("Demo exemplars", |r| {
        let tree = r.code_tree()?;
        let ana = r.coder_by_name("ana")?.map(|c| c.id);
        let mut edits = Vec::new();
        for path in [
            format!("{S}/Emotional/Validation"),
            format!("{S}/Concrete"),
            format!("{S}/Advocacy"),
            format!("{S}/Instructional/Navigation"),
            format!("{E}/Shared experience"),
            format!("{E}/Non-affiliation"),
        ] {
            let code = find_code(&tree, &path)?;
            if let Some(s) = r
                .segments_of_code(code)?
                .into_iter()
                .find(|s| Some(s.coder) == ana)
            {
                edits.push(ops::set_exemplar(r, s.id, true)?);
            }
        }
        Ok(crate::edit::Edit::Batch(edits))
    })?;
    Ok(())
}
