//! A small XML reader for REFI-QDA files: an element tree, with no DTD
//! processing (external entities are never resolved, unknown entity
//! references are dropped) and a cap on nesting.

use std::collections::HashMap;
use std::rc::Rc;

use quick_xml::events::Event;

/// The deepest XML nesting accepted.
const MAX_DEPTH: usize = 200;

/// A parsed XML element. Names are shared between elements (a project of
/// 100,000 codings repeats a handful of names half a million times) and
/// values are stored at their exact size, so the tree of a 46 MB
/// `project.qde` takes about a third of the memory it took with a `String`
/// each.
#[derive(Debug, Clone, Default)]
pub struct El {
    /// Local name (namespace prefix dropped).
    pub name: Rc<str>,
    /// Attributes by local name.
    pub attrs: Vec<(Rc<str>, Box<str>)>,
    /// Child elements.
    pub children: Vec<El>,
    /// Text content directly inside.
    pub text: String,
}

impl El {
    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| &**v)
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| &*c.name == name)
    }

    /// Children with this name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| &*c.name == name)
    }
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// One copy of each element and attribute name, found without making a
/// string (the names are looked up half a million times).
#[derive(Default)]
struct Names(HashMap<String, Rc<str>>);

impl Names {
    fn get(&mut self, name: &str) -> Rc<str> {
        if let Some(n) = self.0.get(name) {
            return n.clone();
        }
        let n: Rc<str> = name.into();
        self.0.insert(name.to_string(), n.clone());
        n
    }
}

/// An element being read, and where its children start among the closed
/// elements not yet given to a parent.
struct Open {
    el: El,
    first_child: usize,
}

/// The elements being read (the innermost last) and the closed ones
/// waiting for their parent to close. A closed element's children are
/// moved out in one piece, at their exact number, instead of a vector
/// grown child by child for every element.
struct Tree {
    open: Vec<Open>,
    closed: Vec<El>,
}

impl Tree {
    fn top(&mut self) -> &mut Open {
        self.open
            .last_mut()
            .expect("the document's own root is never closed")
    }

    /// Puts `child` in the innermost open element. Whitespace before an
    /// element's first child is layout, not text, and is let go.
    fn adopt(&mut self, child: El) {
        let n = self.closed.len();
        let top = self.top();
        if n == top.first_child && top.el.text.trim().is_empty() {
            top.el.text = String::new();
        }
        self.closed.push(child);
    }

    /// Text inside the innermost open element; whitespace between its child
    /// elements is layout and is left out.
    fn add_text(&mut self, text: &str) {
        let n = self.closed.len();
        let top = self.top();
        if n == top.first_child || !text.trim().is_empty() {
            top.el.text.push_str(text);
        }
    }

    fn close(&mut self) -> std::result::Result<(), String> {
        if self.open.len() < 2 {
            return Err("an end tag with no start".into());
        }
        let Open {
            mut el,
            first_child,
        } = self.open.pop().expect("checked");
        el.children = self.closed.split_off(first_child);
        el.text.shrink_to_fit();
        self.adopt(el);
        Ok(())
    }
}

/// An element's name and attributes; `scratch` gathers the attributes, so
/// the element's own list is made once at its exact size.
fn element(
    e: &quick_xml::events::BytesStart<'_>,
    names: &mut Names,
    scratch: &mut Vec<(Rc<str>, Box<str>)>,
) -> std::result::Result<El, String> {
    scratch.clear();
    for a in e.attributes() {
        let a = a.map_err(|e| format!("a malformed attribute ({e})"))?;
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("a malformed attribute value ({e})"))?;
        scratch.push((
            names.get(local(a.key.as_ref())),
            v.into_owned().into_boxed_str(),
        ));
    }
    // Moved, not taken: the list gets exactly its length, the scratch keeps
    // its room for the next element.
    let mut attrs = Vec::with_capacity(scratch.len());
    attrs.append(scratch);
    Ok(El {
        name: names.get(local(e.name().as_ref())),
        attrs,
        ..Default::default()
    })
}

/// Parses XML into elements. No DTD is processed and no entity but the five
/// predefined ones and character references is resolved.
pub fn parse_xml(xml: &str) -> std::result::Result<El, String> {
    parse_xml_from(xml.as_bytes())
}

/// [`parse_xml`] of XML read as it comes, such as a file being unpacked
/// on another thread. Text that is not UTF-8 is an error.
pub fn parse_xml_from(input: impl std::io::BufRead) -> std::result::Result<El, String> {
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut tree = Tree {
        open: vec![Open {
            el: El::default(),
            first_child: 0,
        }],
        closed: Vec::new(),
    };
    let mut names = Names::default();
    let mut scratch = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("not well-formed XML ({e})"))?
        {
            Event::Start(e) => {
                if tree.open.len() > MAX_DEPTH {
                    return Err("the XML nests too deeply".into());
                }
                let el = element(&e, &mut names, &mut scratch)?;
                let first_child = tree.closed.len();
                tree.open.push(Open { el, first_child });
            }
            Event::Empty(e) => {
                let el = element(&e, &mut names, &mut scratch)?;
                tree.adopt(el);
            }
            Event::End(_) => tree.close()?,
            Event::Text(t) => tree.add_text(&t.xml10_content()),
            Event::CData(t) => tree.add_text(&t.into_inner()),
            Event::GeneralRef(r) => {
                if let Some(c) = crate::import::resolve_xml_ref(&r) {
                    tree.top().el.text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if tree.open.len() != 1 {
        return Err("the XML ends before all elements are closed".into());
    }
    tree.closed
        .into_iter()
        .next()
        .ok_or_else(|| "the XML has no root element".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_whitespace_goes_and_text_stays() {
        let root = parse_xml(
            "<r:Project xmlns:r=\"x\">\n  <A k=\"1\">\n    <B/>\n    <C>  spaced  </C>\n  </A>\n  <D>  </D>\n  <E>one &amp; <![CDATA[two]]></E>\n</r:Project>",
        )
        .unwrap();
        assert_eq!(&*root.name, "Project");
        assert_eq!(root.text, "", "only layout between the children");
        let a = root.child("A").unwrap();
        assert_eq!((a.text.as_str(), a.attr("k")), ("", Some("1")));
        assert_eq!(a.child("C").unwrap().text, "  spaced  ");
        assert_eq!(
            root.child("D").unwrap().text,
            "  ",
            "a leaf keeps its whitespace"
        );
        assert_eq!(root.child("E").unwrap().text, "one & two");
        // Names are shared, not copied per element.
        let b = a.child("B").unwrap();
        let again = parse_xml("<A><B/><B/></A>").unwrap();
        assert!(Rc::ptr_eq(&again.children[0].name, &again.children[1].name));
        assert_eq!(&*b.name, "B");
    }
}
