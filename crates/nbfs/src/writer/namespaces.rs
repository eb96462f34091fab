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
    generated: usize,
}

impl<'a> Namespaces<'a> {
    pub(crate) fn new() -> Self {
        Self {
            entries: vec![Entry {
                prefix: Cow::Borrowed(""),
                uri: XmlString::inline(""),
                depth: 0,
            }],
            generated: 0,
        }
    }

    pub(crate) fn lookup_namespace(&self, prefix: &str) -> Option<&str> {
        match prefix {
            "xml" => return Some(XML_NAMESPACE),
            "xmlns" => return Some(XMLNS_NAMESPACE),
            _ => {}
        }
        self.entries
            .iter()
            .rev()
            .find(|e| e.prefix == prefix)
            .map(|e| e.uri.as_str())
    }

    /// The innermost prefix bound to `uri` that is not shadowed; non-empty ones only if `nonempty`.
    pub(crate) fn lookup_prefix(&self, uri: &str, nonempty: bool) -> Option<Cow<'a, str>> {
        match uri {
            XML_NAMESPACE => return Some(Cow::Borrowed("xml")),
            XMLNS_NAMESPACE => return Some(Cow::Borrowed("xmlns")),
            _ => {}
        }
        self.entries
            .iter()
            .rev()
            .filter(|e| e.uri == uri && !(nonempty && e.prefix.is_empty()))
            .find(|e| self.lookup_namespace(&e.prefix) == Some(uri))
            .map(|e| e.prefix.clone())
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
        Ok(())
    }

    /// Binds a new prefix to `uri`: the first of `a`…`z` unused in scope, else `d{depth}p{n}`.
    pub(crate) fn generate_prefix(
        &mut self,
        uri: XmlString<'a>,
        depth: usize,
    ) -> Result<Cow<'a, str>, EncodeError> {
        let prefix = (0..26u8)
            .map(record::letter)
            .find(|p| self.entries.iter().all(|e| e.prefix != *p))
            .map(Cow::Borrowed)
            .unwrap_or_else(|| loop {
                self.generated += 1;
                let p = format!("d{depth}p{}", self.generated);
                if self.lookup_namespace(&p).is_none() {
                    break Cow::Owned(p);
                }
            });
        self.add(prefix.clone(), uri, depth)?;
        Ok(prefix)
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
        while self
            .entries
            .last()
            .is_some_and(|e| e.depth >= depth && e.depth > 0)
        {
            self.entries.pop();
        }
        if depth <= 1 {
            self.generated = 0;
        }
    }
}
