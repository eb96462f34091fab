//! [`XmlRead`] over XML text (UTF-8), on quick-xml's pull parser. Names and text borrow the
//! input where no unescaping is needed. DOCTYPE and processing instructions are rejected (SOAP
//! 1.2 forbids them), so no entity is ever expanded beyond the five predefined ones.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::XmlVersion;
use soapws_nbfs::{Attribute, Element, Quotas, Value, XmlString, XMLNS_NAMESPACE, XML_NAMESPACE};

use super::{max_text_length, Node, NodeKind, XmlError, XmlRead};

/// Where a name's namespace is: no namespace, the `xml` namespace, or a declaration.
#[derive(Clone, Copy, Debug)]
enum Ns {
    Empty,
    Xml,
    Declared(usize),
}

enum Current<'a> {
    None,
    Start {
        prefix: &'a str,
        local: &'a str,
        ns: Ns,
    },
    End,
    Text(Cow<'a, str>),
    Comment(&'a str),
}

enum TextAttribute<'a> {
    Value {
        prefix: &'a str,
        local: &'a str,
        ns: Ns,
        value: Cow<'a, str>,
    },
    Xmlns {
        declaration: usize,
    },
}

/// Reads XML text through [`XmlRead`].
pub struct TextXmlReader<'a> {
    reader: quick_xml::Reader<&'a [u8]>,
    input: &'a str,
    /// Added to offsets in errors.
    base: usize,
    quotas: Quotas,
    current: Current<'a>,
    /// An event read ahead while joining text.
    pending: Option<XmlEvent<'a>>,
    /// The current start tag was `<a/>`: its end comes next.
    pending_end: bool,
    /// Namespace declarations in scope: (prefix, namespace).
    namespaces: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// For each open element, the length of `namespaces` before its declarations.
    scopes: Vec<usize>,
    attributes: Vec<TextAttribute<'a>>,
    /// Attributes of the start tag being read, before their prefixes are resolved (kept to
    /// reuse its allocation).
    pending_attributes: Vec<(&'a str, Cow<'a, str>)>,
    fragment: bool,
    done: bool,
}

impl<'a> TextXmlReader<'a> {
    /// A reader over a whole document, with WCF's default quotas.
    pub fn new(input: &'a str) -> Self {
        let mut reader = quick_xml::Reader::from_str(input);
        reader.config_mut().check_end_names = true;
        Self {
            reader,
            input,
            base: 0,
            quotas: Quotas::WCF,
            current: Current::None,
            pending: None,
            pending_end: false,
            namespaces: Vec::new(),
            scopes: Vec::new(),
            attributes: Vec::new(),
            pending_attributes: Vec::new(),
            fragment: false,
            done: false,
        }
    }

    /// Replaces the quotas (depth and text length are enforced).
    pub fn with_quotas(mut self, quotas: Quotas) -> Self {
        self.quotas = quotas;
        self
    }

    /// Reads the content of an element whose start tag came before `input` (which starts at
    /// byte `base` of the document): `namespaces` are the bindings in scope there, and the end
    /// tag that closes it ends the input.
    pub fn fragment(
        mut self,
        base: usize,
        namespaces: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        self.base = base;
        self.fragment = true;
        self.namespaces.extend(
            namespaces
                .into_iter()
                .map(|(p, u)| (Cow::Borrowed(p), Cow::Borrowed(u))),
        );
        // Unmatched end tags are ours to interpret (the fragment's end).
        self.reader.config_mut().allow_unmatched_ends = true;
        self
    }

    /// Offset just past the last node read, from the start of the document.
    pub fn offset(&self) -> usize {
        self.base + self.reader.buffer_position() as usize
    }

    /// The namespace bindings in scope, innermost last.
    pub fn namespaces(&self) -> impl Iterator<Item = (&str, &str)> {
        self.namespaces.iter().map(|(p, u)| (&**p, &**u))
    }

    fn error(&self, message: impl Into<String>) -> XmlError {
        XmlError::Text {
            offset: self.base + self.reader.error_position() as usize,
            message: message.into(),
        }
    }

    fn error_here(&self, message: impl Into<String>) -> XmlError {
        XmlError::Text {
            offset: self.offset(),
            message: message.into(),
        }
    }

    /// The same string with the input's lifetime when it lies in the input.
    fn reborrow(&self, s: &str) -> Cow<'a, str> {
        let start = (s.as_ptr() as usize).wrapping_sub(self.input.as_ptr() as usize);
        match self.input.get(start..start.wrapping_add(s.len())) {
            Some(r) if r.as_ptr() == s.as_ptr() => Cow::Borrowed(r),
            _ => Cow::Owned(s.to_owned()),
        }
    }

    fn reborrow_name(&self, s: &str) -> Result<&'a str, XmlError> {
        match self.reborrow(s) {
            Cow::Borrowed(b) => Ok(b),
            Cow::Owned(_) => Err(self.error_here("name outside the input")),
        }
    }

    fn next_raw(&mut self) -> Result<XmlEvent<'a>, XmlError> {
        match self.pending.take() {
            Some(e) => Ok(e),
            None => self
                .reader
                .read_event()
                .map_err(|e| self.error(e.to_string())),
        }
    }

    fn resolve(&self, prefix: &str) -> Option<Ns> {
        if let Some(i) = self
            .namespaces
            .iter()
            .rposition(|(p, _)| short_eq(p, prefix))
        {
            return Some(Ns::Declared(i));
        }
        match prefix {
            "" => Some(Ns::Empty),
            "xml" => Some(Ns::Xml),
            _ => None,
        }
    }

    fn ns_str(&self, ns: Ns) -> &str {
        match ns {
            Ns::Empty => "",
            Ns::Xml => XML_NAMESPACE,
            Ns::Declared(i) => &self.namespaces[i].1,
        }
    }

    /// `(prefix, local name)`; a byte scan, as names are short.
    fn split(name: &'a str) -> (&'a str, &'a str) {
        match name.bytes().position(|b| b == b':') {
            Some(i) => (&name[..i], &name[i + 1..]),
            None => ("", name),
        }
    }

    fn start(&mut self, e: &BytesStart<'_>) -> Result<Current<'a>, XmlError> {
        if self.scopes.len() >= self.quotas.max_depth {
            return Err(XmlError::Quota {
                offset: self.offset(),
                what: "element depth",
                max: self.quotas.max_depth,
            });
        }
        let scope_start = self.namespaces.len();
        self.scopes.push(scope_start);
        self.attributes.clear();
        let mut raw = std::mem::take(&mut self.pending_attributes);
        raw.clear();
        // Duplicates are found below, among the few attributes of one tag, without the set
        // quick-xml would allocate per tag.
        let mut attributes = e.attributes();
        attributes.with_checks(false);
        for a in attributes {
            let a = a.map_err(|err| self.error_here(err.to_string()))?;
            let key = self.reborrow_name(a.key.as_ref())?;
            let declared = |p: &str| self.namespaces[scope_start..].iter().any(|(q, _)| q == p);
            let duplicate = match key.strip_prefix("xmlns") {
                Some("") => declared(""),
                Some(p) if p.starts_with(':') => declared(&p[1..]),
                _ => raw.iter().any(|(k, _)| *k == key),
            };
            if duplicate {
                return Err(self.error_here(format!("attribute '{key}' appears twice")));
            }
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| self.error_here(err.to_string()))?;
            let value = self.reborrow(&value);
            if value.len() > self.quotas.max_string_content_length {
                return Err(XmlError::Quota {
                    offset: self.offset(),
                    what: "attribute value length",
                    max: self.quotas.max_string_content_length,
                });
            }
            match key.strip_prefix("xmlns") {
                Some("") => self.declare("", value)?,
                Some(p) if p.starts_with(':') => self.declare(&p[1..], value)?,
                _ => raw.push((key, value)),
            }
        }
        for (key, value) in raw.drain(..) {
            let (prefix, local) = Self::split(key);
            let ns = if prefix.is_empty() {
                Ns::Empty
            } else {
                self.resolve(prefix)
                    .ok_or_else(|| self.error_here(format!("prefix '{prefix}' is not declared")))?
            };
            self.attributes.push(TextAttribute::Value {
                prefix,
                local,
                ns,
                value,
            });
        }
        self.pending_attributes = raw;
        let name = self.reborrow_name(e.name().as_ref())?;
        let (prefix, local) = Self::split(name);
        let ns = self
            .resolve(prefix)
            .ok_or_else(|| self.error_here(format!("prefix '{prefix}' is not declared")))?;
        Ok(Current::Start { prefix, local, ns })
    }

    fn declare(&mut self, prefix: &'a str, uri: Cow<'a, str>) -> Result<(), XmlError> {
        if prefix == "xmlns"
            || (prefix == "xml") != (uri == XML_NAMESPACE)
            || uri == XMLNS_NAMESPACE
        {
            return Err(self.error_here(format!("invalid namespace declaration for '{prefix}'")));
        }
        if !prefix.is_empty() && uri.is_empty() {
            return Err(self.error_here(format!("prefix '{prefix}' bound to the empty namespace")));
        }
        self.namespaces.push((Cow::Borrowed(prefix), uri));
        self.attributes.push(TextAttribute::Xmlns {
            declaration: self.namespaces.len() - 1,
        });
        Ok(())
    }

    fn end(&mut self) {
        if let Some(len) = self.scopes.pop() {
            self.namespaces.truncate(len);
        }
    }

    /// Reads text-like events from `first` on, joining them; leaves the next event pending.
    fn text(&mut self, first: Cow<'a, str>) -> Result<Current<'a>, XmlError> {
        let mut text = first;
        loop {
            let next = self
                .reader
                .read_event()
                .map_err(|e| self.error(e.to_string()))?;
            match next {
                XmlEvent::Text(t) => text.to_mut().push_str(&t.xml10_content()),
                XmlEvent::CData(c) => text.to_mut().push_str(&c.xml10_content()),
                XmlEvent::GeneralRef(r) => {
                    let c = self.entity(&r)?;
                    text.to_mut().push(c);
                }
                other => {
                    self.pending = Some(other);
                    break;
                }
            }
        }
        let max = max_text_length(&self.quotas);
        if text.len() > max {
            return Err(XmlError::Quota {
                offset: self.offset(),
                what: "text length",
                max,
            });
        }
        if self.scopes.is_empty()
            && !self.fragment
            && !text.bytes().all(|b| b.is_ascii_whitespace())
        {
            return Err(self.error_here("text outside the root element"));
        }
        Ok(Current::Text(text))
    }

    fn entity(&self, r: &quick_xml::events::BytesRef<'_>) -> Result<char, XmlError> {
        match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            Ok(None) => match &*r.clone().into_inner() {
                "amp" => Ok('&'),
                "lt" => Ok('<'),
                "gt" => Ok('>'),
                "quot" => Ok('"'),
                "apos" => Ok('\''),
                other => Err(self.error_here(format!("undefined entity '&{other};'"))),
            },
            Err(e) => Err(self.error_here(e.to_string())),
        }
    }
}

/// String equality without an out-of-line `memcmp` for the short strings prefixes are.
fn short_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

impl<'a> XmlRead for TextXmlReader<'a> {
    fn advance(&mut self) -> Result<bool, XmlError> {
        if matches!(self.current, Current::End) {
            self.end();
        }
        if self.done {
            self.current = Current::None;
            return Ok(false);
        }
        if self.pending_end {
            self.pending_end = false;
            self.current = Current::End;
            return Ok(true);
        }
        loop {
            let event = self.next_raw()?;
            self.current = match event {
                XmlEvent::Start(e) => self.start(&e)?,
                XmlEvent::Empty(e) => {
                    self.pending_end = true;
                    self.start(&e)?
                }
                XmlEvent::End(_) => {
                    if self.scopes.is_empty() {
                        if self.fragment {
                            self.done = true;
                            self.current = Current::None;
                            return Ok(false);
                        }
                        return Err(self.error_here("end tag with no element open"));
                    }
                    Current::End
                }
                XmlEvent::Text(t) => {
                    let t = t.xml10_content();
                    let t = self.reborrow(&t);
                    self.text(t)?
                }
                XmlEvent::CData(c) => {
                    let c = c.xml10_content();
                    let c = self.reborrow(&c);
                    self.text(c)?
                }
                XmlEvent::GeneralRef(r) => {
                    let c = self.entity(&r)?;
                    self.text(Cow::Owned(c.to_string()))?
                }
                XmlEvent::Comment(c) => {
                    let c = c.into_inner();
                    Current::Comment(self.reborrow_name(&c).unwrap_or(""))
                }
                XmlEvent::Decl(_) => continue,
                XmlEvent::PI(_) => {
                    return Err(self.error_here("processing instructions are not allowed"))
                }
                XmlEvent::DocType(_) => return Err(self.error_here("DOCTYPE is not allowed")),
                XmlEvent::Eof => {
                    if !self.scopes.is_empty() || self.fragment {
                        return Err(self.error_here("input ended inside an element"));
                    }
                    self.done = true;
                    Current::None
                }
            };
            return Ok(!matches!(self.current, Current::None));
        }
    }

    fn kind(&self) -> Option<NodeKind> {
        Some(match self.current {
            Current::None => return None,
            Current::Start { .. } => NodeKind::StartElement,
            Current::End => NodeKind::EndElement,
            Current::Text(_) => NodeKind::Text,
            Current::Comment(_) => NodeKind::Comment,
        })
    }

    fn node(&self) -> Option<Node<'_>> {
        Some(match &self.current {
            Current::None => return None,
            Current::Start { prefix, local, ns } => Node::StartElement(Element {
                prefix,
                local_name: XmlString::inline(local),
                namespace: XmlString::inline(self.ns_str(*ns)),
            }),
            Current::End => Node::EndElement,
            Current::Text(t) => Node::Text(Value::Str(t)),
            Current::Comment(c) => Node::Comment(c),
        })
    }

    fn attribute_count(&self) -> usize {
        match self.current {
            Current::Start { .. } => self.attributes.len(),
            _ => 0,
        }
    }

    fn attribute(&self, i: usize) -> Attribute<'_> {
        match &self.attributes[i] {
            TextAttribute::Value {
                prefix,
                local,
                ns,
                value,
            } => Attribute::Value {
                prefix,
                local_name: XmlString::inline(local),
                namespace: XmlString::inline(self.ns_str(*ns)),
                value: Value::Str(value),
            },
            TextAttribute::Xmlns { declaration } => {
                let (p, u) = &self.namespaces[*declaration];
                Attribute::Xmlns {
                    prefix: p,
                    namespace: XmlString::inline(u),
                }
            }
        }
    }

    fn lookup_namespace(&self, prefix: &str) -> Option<&str> {
        self.resolve(prefix).map(|ns| self.ns_str(ns))
    }

    fn depth(&self) -> usize {
        self.scopes.len()
    }
}
