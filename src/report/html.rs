//! A report as one HTML page: its styles inside, nothing fetched, headings
//! h1 (the title) to h6 so a screen reader or an outline can navigate it.

use std::fmt::Write as _;

use super::{Block, Report};

/// Escapes text for HTML content and attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Paragraph breaks kept: a blank line starts a new paragraph, a single
/// newline a new line.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(|p| esc(p).replace('\n', "<br>"))
        .collect::<Vec<_>>()
        .join("</p><p>")
}

const STYLE: &str = r#"
body { font-family: Georgia, "Times New Roman", serif; max-width: 46em; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1, h2, h3, h4, h5, h6 { font-family: "Helvetica Neue", Arial, sans-serif; margin: 1.4em 0 0.3em; }
h1 { font-size: 1.8em; margin-top: 0; }
.subtitle { color: #555; margin-top: 0; }
.field b { font-family: "Helvetica Neue", Arial, sans-serif; font-size: 0.9em; }
.note { color: #666; font-size: 0.9em; }
blockquote { border-left: 3px solid #b8c4d6; margin: 0.6em 0 0.6em 0.5em; padding: 0.1em 0.9em; background: #f6f8fb; }
blockquote footer { color: #555; font-size: 0.85em; }
table { border-collapse: collapse; margin: 0.8em 0; font-family: "Helvetica Neue", Arial, sans-serif; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
td.n { text-align: right; }
th { background: #eef1f5; }
tbody th { text-align: left; font-weight: normal; }
.field-short { font-style: italic; }
"#;

/// The page.
pub fn to_html(r: &Report) -> String {
    let mut x = String::new();
    let _ = write!(
        x,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n",
        esc(&r.title),
        esc(&r.title),
        esc(&r.subtitle)
    );
    for b in &r.blocks {
        match b {
            Block::Heading(level, text) => {
                let h = (*level + 1).min(6);
                let _ = writeln!(x, "<h{h}>{}</h{h}>", esc(text));
            }
            Block::Para(text) => {
                let _ = writeln!(x, "<p>{}</p>", paragraphs(text));
            }
            Block::Field(label, text) => {
                let _ = writeln!(
                    x,
                    "<p class=\"field\"><b>{}:</b> {}</p>",
                    esc(label),
                    paragraphs(text)
                );
            }
            Block::Quote { text, source } => {
                let _ = writeln!(
                    x,
                    "<blockquote><p>{}</p><footer>\u{2014} {}</footer></blockquote>",
                    paragraphs(text),
                    esc(source)
                );
            }
            Block::Note(text) => {
                let _ = writeln!(x, "<p class=\"note\">{}</p>", esc(text));
            }
            Block::Table(header, rows) => {
                x.push_str("<table>\n<thead><tr>");
                for h in header {
                    let _ = write!(x, "<th scope=\"col\">{}</th>", esc(h));
                }
                x.push_str("</tr></thead>\n<tbody>\n");
                let shades = super::shades(header, rows);
                for (row, shade) in rows.iter().zip(&shades) {
                    x.push_str("<tr>");
                    for (i, cell) in row.iter().enumerate() {
                        if i == 0 {
                            let _ = write!(x, "<th scope=\"row\">{}</th>", esc(cell));
                        } else if let Some(s) = shade[i] {
                            let _ = write!(
                                x,
                                "<td class=\"n\" style=\"background:#{}\">{}</td>",
                                super::shade_hex(s),
                                esc(cell)
                            );
                        } else {
                            let _ = write!(x, "<td class=\"n\">{}</td>", esc(cell));
                        }
                    }
                    x.push_str("</tr>\n");
                }
                x.push_str("</tbody>\n</table>\n");
            }
        }
    }
    x.push_str("</body>\n</html>\n");
    x
}
