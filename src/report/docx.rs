//! A report as a Word document, written with the docx-rs crate. Headings use
//! Word's own style ids (`Title`, `Heading1` … `Heading6`, named "heading N"
//! with their outline level), so Word's navigation pane and table of contents
//! find them; quotes use the `Quote` style.

use docx_rs::{
    AlignmentType, Docx, LineSpacing, Paragraph, Run, Style, StyleType, Table, TableCell, TableRow,
};

/// Space before and after a paragraph, in twentieths of a point.
fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new().before(before).after(after)
}

/// The width of the text on an A4 or Letter page with Word's default
/// margins, in twentieths of a point.
const TEXT_WIDTH: usize = 9000;

use super::{Block, Report};

fn styles(doc: Docx) -> Docx {
    let mut doc = doc
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .based_on("Normal")
                .next("Normal")
                .size(48)
                .bold()
                .line_spacing(spacing(0, 120)),
        )
        .add_style(
            Style::new("Subtitle", StyleType::Paragraph)
                .name("Subtitle")
                .based_on("Normal")
                .color("555555")
                .italic()
                .line_spacing(spacing(0, 240)),
        )
        .add_style(
            Style::new("Quote", StyleType::Paragraph)
                .name("Quote")
                .based_on("Normal")
                .italic()
                .indent(Some(720), None, Some(360), None)
                .line_spacing(spacing(80, 0)),
        )
        .add_style(
            Style::new("Source", StyleType::Paragraph)
                .name("Quote Source")
                .based_on("Normal")
                .size(18)
                .color("555555")
                .indent(Some(720), None, None, None)
                .line_spacing(spacing(0, 120)),
        )
        .add_style(
            Style::new("Note", StyleType::Paragraph)
                .name("Note")
                .based_on("Normal")
                .size(18)
                .color("666666")
                .line_spacing(spacing(0, 120)),
        );
    // Sizes in half-points, largest first.
    for (level, size) in [
        (1usize, 36usize),
        (2, 30),
        (3, 26),
        (4, 24),
        (5, 22),
        (6, 22),
    ] {
        doc = doc.add_style(
            Style::new(format!("Heading{level}"), StyleType::Paragraph)
                .name(format!("heading {level}"))
                .based_on("Normal")
                .next("Normal")
                .outline_lvl(level - 1)
                .size(size)
                .bold()
                .line_spacing(spacing(240, 80)),
        );
    }
    doc
}

/// A run per line, with line breaks between them.
fn text_runs(mut p: Paragraph, text: &str, run: impl Fn(Run) -> Run) -> Paragraph {
    for (i, line) in text.split('\n').enumerate() {
        let mut r = Run::new();
        if i > 0 {
            r = r.add_break(docx_rs::BreakType::TextWrapping);
        }
        p = p.add_run(run(r.add_text(line)));
    }
    p
}

fn para(style: &str, text: &str) -> Paragraph {
    let p = Paragraph::new().style(style);
    // Body text gets its space here; the other styles carry their own.
    let p = if style == "Normal" {
        p.line_spacing(spacing(0, 120))
    } else {
        p
    };
    text_runs(p, text, |r| r)
}

/// The document's bytes.
pub fn to_docx(r: &Report) -> Result<Vec<u8>, String> {
    let mut doc = styles(Docx::new())
        .add_paragraph(para("Title", &r.title))
        .add_paragraph(para("Subtitle", &r.subtitle));
    for b in &r.blocks {
        doc = match b {
            Block::Heading(level, text) => {
                doc.add_paragraph(para(&format!("Heading{}", (*level).clamp(1, 6)), text))
            }
            Block::Para(text) => {
                let mut d = doc;
                for p in text.split("\n\n") {
                    d = d.add_paragraph(para("Normal", p));
                }
                d
            }
            Block::Field(label, text) => {
                let p = Paragraph::new()
                    .style("Normal")
                    .line_spacing(spacing(0, 120))
                    .add_run(Run::new().add_text(format!("{label}: ")).bold());
                doc.add_paragraph(text_runs(p, text, |r| r))
            }
            Block::Quote { text, source } => doc
                .add_paragraph(para("Quote", text))
                .add_paragraph(para("Source", &format!("\u{2014} {source}"))),
            Block::Note(text) => doc.add_paragraph(para("Note", text)),
            Block::Table(header, rows) => {
                let cell = |text: &str, bold: bool, right: bool, shade: Option<f32>| {
                    let mut p = Paragraph::new();
                    if right {
                        p = p.align(AlignmentType::Right);
                    }
                    let run = Run::new().add_text(text);
                    let mut c = TableCell::new().add_paragraph(p.add_run(if bold {
                        run.bold()
                    } else {
                        run
                    }));
                    if let Some(s) = shade {
                        c = c.shading(
                            docx_rs::Shading::new()
                                .shd_type(docx_rs::ShdType::Clear)
                                .fill(super::shade_hex(s)),
                        );
                    }
                    c
                };
                let mut table_rows = vec![TableRow::new(
                    header.iter().map(|h| cell(h, true, false, None)).collect(),
                )];
                let shades = super::shades(header, rows);
                for (row, shade) in rows.iter().zip(&shades) {
                    table_rows.push(TableRow::new(
                        row.iter()
                            .enumerate()
                            .map(|(i, c)| cell(c, false, i > 0, shade[i]))
                            .collect(),
                    ));
                }
                // The first column (the codes) takes two fifths of the width.
                let n = header.len().max(1);
                let first = if n > 1 {
                    TEXT_WIDTH * 2 / 5
                } else {
                    TEXT_WIDTH
                };
                let rest = (TEXT_WIDTH - first) / (n - 1).max(1);
                let mut grid = vec![first];
                grid.extend(std::iter::repeat_n(rest, n - 1));
                doc.add_table(Table::new(table_rows).set_grid(grid))
            }
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}
