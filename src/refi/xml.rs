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

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_string()
}

/// One copy of each element and attribute name.
#[derive(Default)]
struct Names(HashMap<String, Rc<str>>);

impl Names {
    fn get(&mut self, name: String) -> Rc<str> {
        if let Some(n) = self.0.get(&name) {
            return n.clone();
        }
        let n: Rc<str> = name.as_str().into();
        self.0.insert(name, n.clone());
        n
    }
}

fn element(
    e: &quick_xml::events::BytesStart<'_>,
    names: &mut Names,
) -> std::result::Result<El, String> {
    let mut el = El {
        name: names.get(local(e.name().as_ref())),
        ..Default::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|e| format!("a malformed attribute ({e})"))?;
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("a malformed attribute value ({e})"))?;
        el.attrs.push((
            names.get(local(a.key.as_ref())),
            v.into_owned().into_boxed_str(),
        ));
    }
    el.attrs.shrink_to_fit();
    Ok(el)
}

/// Parses XML into elements. No DTD is processed and no entity but the five
/// predefined ones and character references is resolved.
pub fn parse_xml(xml: &str) -> std::result::Result<El, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<El> = vec![El::default()];
    let mut names = Names::default();
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("not well-formed XML ({e})"))?
        {
            Event::Start(e) => {
                if stack.len() > MAX_DEPTH {
                    return Err("the XML nests too deeply".into());
                }
                stack.push(element(&e, &mut names)?);
            }
            Event::Empty(e) => {
                let el = element(&e, &mut names)?;
                stack.last_mut().expect("root").children.push(el);
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err("an end tag with no start".into());
                }
                let mut el = stack.pop().expect("checked");
                el.children.shrink_to_fit();
                el.text.shrink_to_fit();
                stack.last_mut().expect("root").children.push(el);
            }
            Event::Text(t) => stack
                .last_mut()
                .expect("root")
                .text
                .push_str(&t.xml10_content()),
            Event::CData(t) => stack
                .last_mut()
                .expect("root")
                .text
                .push_str(&t.into_inner()),
            Event::GeneralRef(r) => {
                if let Some(c) = crate::import::resolve_xml_ref(&r) {
                    stack.last_mut().expect("root").text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err("the XML ends before all elements are closed".into());
    }
    let root = stack.pop().expect("root");
    root.children
        .into_iter()
        .next()
        .ok_or_else(|| "the XML has no root element".into())
}
