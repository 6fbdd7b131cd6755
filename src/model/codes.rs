//! The codebook as a tree: paths, children and descendants over a flat list of codes.

use std::collections::HashMap;

use super::{Code, CodeId};

/// Separates code names in a path such as `Support/Emotional`.
pub const PATH_SEPARATOR: char = '/';

/// A read-only view of the codebook as a tree, built from the flat list the store returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodeTree {
    codes: Vec<Code>,
    index: HashMap<CodeId, usize>,
    children: HashMap<Option<CodeId>, Vec<CodeId>>,
}

impl CodeTree {
    /// Builds the tree. Children are ordered by position, then name.
    pub fn new(codes: Vec<Code>) -> Self {
        let index: HashMap<CodeId, usize> =
            codes.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let mut children: HashMap<Option<CodeId>, Vec<CodeId>> = HashMap::new();
        for c in &codes {
            children.entry(c.parent).or_default().push(c.id);
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| {
                let (ca, cb) = (&codes[index[a]], &codes[index[b]]);
                (ca.position, &ca.name).cmp(&(cb.position, &cb.name))
            });
        }
        CodeTree {
            codes,
            index,
            children,
        }
    }

    /// All codes, in the order the store returned them.
    pub fn codes(&self) -> &[Code] {
        &self.codes
    }

    /// The code with this id.
    pub fn get(&self, id: CodeId) -> Option<&Code> {
        self.index.get(&id).map(|&i| &self.codes[i])
    }

    /// Children of a code (or the top-level codes for `None`), in order.
    pub fn children(&self, parent: Option<CodeId>) -> &[CodeId] {
        self.children.get(&parent).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every code below `id`, depth first, not including `id`.
    pub fn descendants(&self, id: CodeId) -> Vec<CodeId> {
        let mut out = Vec::new();
        let mut stack: Vec<CodeId> = self.children(Some(id)).iter().rev().copied().collect();
        while let Some(c) = stack.pop() {
            out.push(c);
            stack.extend(self.children(Some(c)).iter().rev().copied());
        }
        out
    }

    /// Depth of a code: 1 at the top level.
    pub fn depth(&self, id: CodeId) -> usize {
        let mut depth = 0;
        let mut cur = Some(id);
        while let Some(c) = cur.and_then(|c| self.get(c)) {
            depth += 1;
            cur = c.parent;
        }
        depth
    }

    /// The full path of a code, such as `Support/Emotional/Validation`.
    pub fn path(&self, id: CodeId) -> String {
        let mut names = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur.and_then(|c| self.get(c)) {
            names.push(c.name.as_str());
            cur = c.parent;
        }
        names.reverse();
        names.join("/")
    }

    /// Finds a code among the children of `parent` by name: exactly, else
    /// ignoring case (so "outcomes" finds "Outcomes" rather than making a twin).
    pub fn child_named(&self, parent: Option<CodeId>, name: &str) -> Option<CodeId> {
        let children = self.children(parent).iter().copied();
        children
            .clone()
            .find(|&c| self.get(c).is_some_and(|c| c.name == name))
            .or_else(|| {
                children.clone().find(|&c| {
                    self.get(c)
                        .is_some_and(|c| crate::model::same_name(&c.name, name))
                })
            })
    }

    /// Finds a code by its full path.
    pub fn find_path(&self, path: &str) -> Option<CodeId> {
        let mut cur = None;
        for name in split_path(path) {
            cur = Some(self.child_named(cur, name)?);
        }
        cur
    }

    /// Every code in tree order, each once: the order that inserts a whole
    /// codebook, parents before children.
    pub fn parents_first(&self) -> Vec<Code> {
        let mut codes: Vec<Code> = self
            .in_tree_order()
            .into_iter()
            .filter_map(|id| self.get(id).cloned())
            .collect();
        codes.dedup_by_key(|c| c.id);
        codes
    }

    /// Every code id in tree order (parents before children, siblings by position).
    pub fn in_tree_order(&self) -> Vec<CodeId> {
        let mut out = Vec::new();
        for &top in self.children(None) {
            out.push(top);
            out.extend(self.descendants(top));
        }
        out
    }

    /// True when `ancestor` is `id` or lies above it.
    pub fn is_within(&self, id: CodeId, ancestor: CodeId) -> bool {
        let mut cur = Some(id);
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            cur = self.get(c).and_then(|c| c.parent);
        }
        false
    }
}

/// The deepest a code tree may be, in levels (a top-level code is level 1).
/// The same for every way codes come in (CSV, JSON, `.qdc`, `.qdpx`, typed
/// paths, moves and merges) and so for every way they go out.
pub const MAX_CODE_DEPTH: usize = 32;

/// Splits a path into trimmed, non-empty names.
pub fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.split(PATH_SEPARATOR)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}
