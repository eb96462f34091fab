//! Namespace scopes of the writer, following .NET's `XmlBaseWriter.NamespaceManager`: which
//! declarations an element needs, which prefix an attribute gets, and in what order the
//! declarations are written.

use std::borrow::Cow;

use crate::error::EncodeError;
use crate::reader::{XMLNS_NAMESPACE, XML_NAMESPACE};
use crate::record;
use crate::string::XmlString;

struct Entry<'a> {
    prefix: Cow<'a, str>,
    uri: XmlString<'a>,
    /// Element depth that declared it (0 for the initial empty binding).
    depth: usize,
}

pub(crate) struct Namespaces<'a> {
    entries: Vec<Entry<'a>>,
    /// The entry the last prefix lookup found (.NET's `_lastNameSpace` cache).
    last: Option<usize>,
    /// Counter for `d{depth}p{n}` prefixes of the current element.
    generated: usize,
}

/// .NET compares namespace strings by reference before comparing by value. Dictionary strings
/// with the same text stand for the same .NET object; inline strings never do.
fn same_object(a: XmlString<'_>, b: XmlString<'_>) -> bool {
    a.is_dictionary() && b.is_dictionary() && a.as_str() == b.as_str()
}

impl<'a> Namespaces<'a> {
    pub(crate) fn new() -> Self {
        Self {
            entries: vec![Entry {
                prefix: Cow::Borrowed(""),
                uri: XmlString::inline(""),
                depth: 0,
            }],
            last: None,
            generated: 0,
        }
    }

    pub(crate) fn lookup_namespace(&self, prefix: &str) -> Option<&str> {
        if let Some(e) = self.entries.iter().rev().find(|e| e.prefix == prefix) {
            return Some(e.uri.as_str());
        }
        match prefix {
            "xml" => Some(XML_NAMESPACE),
            "xmlns" => Some(XMLNS_NAMESPACE),
            _ => None,
        }
    }

    /// The prefix bound to `uri` that .NET's `LookupPrefix` (or, with `attribute`,
    /// `LookupAttributePrefix`, which skips the empty prefix) would return.
    pub(crate) fn lookup_prefix(
        &mut self,
        uri: XmlString<'a>,
        attribute: bool,
    ) -> Option<Cow<'a, str>> {
        let usable = |e: &Entry<'_>| !(attribute && e.prefix.is_empty());
        if let Some(e) = self.last.map(|i| &self.entries[i]) {
            if e.uri == uri && usable(e) {
                return Some(e.prefix.clone());
            }
        }
        let in_scope = |entries: &[Entry<'_>], i: usize| {
            entries[i + 1..]
                .iter()
                .all(|later| later.prefix != entries[i].prefix)
        };
        let by_object = (0..self.entries.len()).rev().find(|&i| {
            same_object(self.entries[i].uri, uri)
                && usable(&self.entries[i])
                && in_scope(&self.entries, i)
        });
        let found = by_object.or_else(|| {
            (0..self.entries.len()).rev().find(|&i| {
                self.entries[i].uri == uri && usable(&self.entries[i]) && in_scope(&self.entries, i)
            })
        });
        if let Some(i) = found {
            self.last = Some(i);
            return Some(self.entries[i].prefix.clone());
        }
        match uri.as_str() {
            "" if attribute => Some(Cow::Borrowed("")),
            XML_NAMESPACE if !attribute => Some(Cow::Borrowed("xml")),
            XMLNS_NAMESPACE if !attribute => Some(Cow::Borrowed("xmlns")),
            _ => None,
        }
    }

    pub(crate) fn add_if_not_declared(
        &mut self,
        prefix: Cow<'a, str>,
        uri: XmlString<'a>,
        depth: usize,
    ) -> Result<(), EncodeError> {
        if self.lookup_namespace(&prefix) == Some(uri.as_str()) {
            return Ok(());
        }
        self.add(prefix, uri, depth)
    }

    pub(crate) fn add(
        &mut self,
        prefix: Cow<'a, str>,
        uri: XmlString<'a>,
        depth: usize,
    ) -> Result<(), EncodeError> {
        if prefix.len() >= 3 && prefix[..3].eq_ignore_ascii_case("xml") {
            return match (&*prefix, uri.as_str()) {
                ("xml", XML_NAMESPACE) | ("xmlns", XMLNS_NAMESPACE) => Ok(()),
                _ => Err(EncodeError::InvalidName(
                    "prefixes starting with 'xml' are reserved",
                )),
            };
        }
        if uri == XML_NAMESPACE || uri == XMLNS_NAMESPACE {
            return Err(EncodeError::InvalidName(
                "the xml and xmlns namespaces cannot be bound",
            ));
        }
        if !prefix.is_empty() && uri.as_str().is_empty() {
            return Err(EncodeError::InvalidName(
                "a prefix cannot be bound to the empty namespace",
            ));
        }
        if let Some(e) = self
            .entries
            .iter()
            .rev()
            .take_while(|e| e.depth == depth)
            .find(|e| e.prefix == prefix)
        {
            return if e.uri == uri {
                Ok(())
            } else {
                Err(EncodeError::InvalidName(
                    "prefix bound twice on one element",
                ))
            };
        }
        self.entries.push(Entry { prefix, uri, depth });
        self.last = None;
        Ok(())
    }

    /// Binds a new prefix to `uri`: the first of `a`…`z` unused in scope, else `d{depth}p{n}`.
    pub(crate) fn generate_prefix(
        &mut self,
        uri: XmlString<'a>,
        depth: usize,
    ) -> Result<Cow<'a, str>, EncodeError> {
        let letter = (0..26u8)
            .map(record::letter)
            .find(|p| self.entries.iter().all(|e| e.prefix != *p));
        let prefix = match letter {
            Some(p) => Cow::Borrowed(p),
            None => loop {
                let p = format!("d{depth}p{}", self.generated);
                self.generated += 1;
                if self.lookup_namespace(&p).is_none() {
                    break Cow::Owned(p);
                }
            },
        };
        self.add(prefix.clone(), uri, depth)?;
        Ok(prefix)
    }

    /// Starts a new element's scope.
    pub(crate) fn enter(&mut self) {
        self.generated = 0;
    }

    /// Declarations made at `depth`, in the order they were made.
    pub(crate) fn declared_at(&self, depth: usize) -> impl Iterator<Item = (&str, XmlString<'a>)> {
        let start = self
            .entries
            .iter()
            .rposition(|e| e.depth < depth)
            .map_or(0, |i| i + 1);
        self.entries[start..].iter().map(|e| (&*e.prefix, e.uri))
    }

    /// Leaves the element at `depth`.
    pub(crate) fn exit(&mut self, depth: usize) {
        while self.entries.len() > 1 && self.entries.last().is_some_and(|e| e.depth >= depth) {
            self.entries.pop();
            if self.last == Some(self.entries.len()) {
                self.last = None;
            }
        }
    }
}
