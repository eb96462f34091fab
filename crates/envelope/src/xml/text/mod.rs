//! [`XmlRead`] over XML text (UTF-8). The [`lexer`] cuts the input into tokens; this module
//! resolves namespaces, checks that tags match, joins adjacent text and applies the quotas.
//! Names and text borrow the input where no reference is expanded.

mod buffers;
mod lexer;

use std::borrow::Cow;
use std::collections::HashSet;
use std::mem::ManuallyDrop;

use soapws_nbfs::{
    Attribute, Element, NameTableQuota, Quotas, Taken, Value, XmlString, XMLNS_NAMESPACE,
    XML_NAMESPACE,
};

use self::buffers::Buffers;
use self::lexer::{expand_text, normalize_attribute, normalize_line_ends, LexError, Lexer};
use self::lexer::{RawAttribute, Token};
use super::{
    convert, element_string_by_nodes, element_value_by_nodes, max_text_length, Node, NodeKind,
    XmlError, XmlRead, XmlReadExt,
};

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
    lexer: Lexer<'a>,
    /// Added to offsets in errors.
    base: usize,
    quotas: Quotas,
    current: Current<'a>,
    /// A token read ahead while joining text, and where it started.
    pending: Option<(Token<'a>, usize)>,
    /// The current start tag was `<a/>`: its end comes next.
    pending_end: bool,
    /// Namespace declarations in scope: (prefix, namespace).
    namespaces: Vec<(&'a str, Cow<'a, str>)>,
    /// For each open element, its name as written and the length of `namespaces` before its
    /// declarations.
    scopes: Vec<(&'a str, usize)>,
    attributes: Vec<TextAttribute<'a>>,
    /// The attributes of the tag just read, as written (kept to reuse the allocation).
    raw_attributes: Vec<RawAttribute<'a>>,
    /// Attributes of the start tag being read, before their prefixes are resolved.
    pending_attributes: Vec<(&'a str, Cow<'a, str>)>,
    fragment: bool,
    done: bool,
    /// The names read, against [`Quotas::max_name_table_char_count`].
    names: NameTableQuota<'a>,
}

impl<'a> TextXmlReader<'a> {
    /// A reader over a whole document, with WCF's default quotas.
    pub fn new(input: &'a str) -> Self {
        let buffers = Buffers::take();
        Self {
            lexer: Lexer::new(input),
            base: 0,
            quotas: Quotas::WCF,
            current: Current::None,
            pending: None,
            pending_end: false,
            namespaces: buffers.namespaces,
            scopes: buffers.scopes,
            attributes: buffers.attributes,
            raw_attributes: buffers.raw_attributes,
            pending_attributes: buffers.pending_attributes,
            fragment: false,
            done: false,
            names: NameTableQuota::new(Quotas::WCF.max_name_table_char_count),
        }
    }

    /// Replaces the quotas.
    pub fn with_quotas(mut self, quotas: Quotas) -> Self {
        self.quotas = quotas;
        self.names.set_max(quotas.max_name_table_char_count);
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
        self.namespaces
            .extend(namespaces.into_iter().map(|(p, u)| (p, Cow::Borrowed(u))));
        self
    }

    /// Offset just past the last node read, from the start of the document.
    pub fn offset(&self) -> usize {
        self.base + self.lexer.position()
    }

    /// The namespace bindings in scope, innermost last.
    pub fn namespaces(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.namespaces.iter().map(|(p, u)| (*p, &**u))
    }

    fn lex_error(&self, e: LexError) -> XmlError {
        XmlError::Text {
            offset: self.base + e.offset,
            message: e.message,
        }
    }

    fn error_here(&self, message: impl Into<String>) -> XmlError {
        XmlError::Text {
            offset: self.offset(),
            message: message.into(),
        }
    }

    /// The next token and where it starts.
    fn next_raw(&mut self) -> Result<(Token<'a>, usize), XmlError> {
        if let Some(pending) = self.pending.take() {
            return Ok(pending);
        }
        let at = self.lexer.position();
        match self.lexer.next_token(&mut self.raw_attributes) {
            Ok(token) => Ok((token, at)),
            Err(e) => Err(self.lex_error(e)),
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

    /// `(prefix, local name)`. Always inlined, into the two callers: for the short names of XML,
    /// the call and its `Result` in memory cost as much as the search.
    #[inline(always)]
    fn split(name: &'a str) -> Result<(&'a str, &'a str), String> {
        let Some(colon) = name.bytes().position(|b| b == b':') else {
            return Ok(("", name));
        };
        let (prefix, local) = (&name[..colon], &name[colon + 1..]);
        if prefix.is_empty() || local.is_empty() || local.bytes().any(|b| b == b':') {
            return Err(format!("'{name}' is not a qualified name"));
        }
        Ok((prefix, local))
    }

    fn start(&mut self, name: &'a str) -> Result<Current<'a>, XmlError> {
        if self.scopes.len() >= self.quotas.max_depth {
            return Err(XmlError::Quota {
                offset: self.offset(),
                what: "element depth",
                max: self.quotas.max_depth,
            });
        }
        let scope_start = self.namespaces.len();
        self.scopes.push((name, scope_start));
        self.attributes.clear();
        if !self.raw_attributes.is_empty() {
            self.read_attributes()?;
        }
        let (prefix, local) = Self::split(name).map_err(|m| self.error_here(m))?;
        self.count_qname(name, prefix, local)?;
        let ns = self
            .resolve(prefix)
            .ok_or_else(|| self.error_here(format!("prefix '{prefix}' is not declared")))?;
        Ok(Current::Start { prefix, local, ns })
    }

    /// Counts a name written `qname` against the name table quota (its bytes, which are never
    /// fewer than the characters of its prefix and local name).
    #[inline(always)]
    fn count_qname(
        &mut self,
        qname: &str,
        prefix: &'a str,
        local: &'a str,
    ) -> Result<(), XmlError> {
        match self.names.take(qname) {
            Taken::Within => Ok(()),
            Taken::Count => self.count_exactly([Cow::Borrowed(prefix), Cow::Borrowed(local)]),
        }
    }

    /// The name budget is spent: distinct names are counted, the first time from a second
    /// reading of the input up to here.
    #[cold]
    #[inline(never)]
    fn count_exactly<const N: usize>(&mut self, names: [Cow<'a, str>; N]) -> Result<(), XmlError> {
        let max = self.quotas.max_name_table_char_count;
        if !self.names.is_exact() {
            let earlier = self.names_read_before(self.lexer.position())?;
            self.names.count_exactly(max, earlier);
        }
        for name in names {
            if !self.names.add(name) {
                return Err(XmlError::Quota {
                    offset: self.offset(),
                    what: "characters of distinct names (MaxNameTableCharCount)",
                    max,
                });
            }
        }
        Ok(())
    }

    /// The names of the start tags (prefixes, local names, declared prefixes and namespaces)
    /// before byte `at` of the input, read again by a reader with the same fragment bindings.
    fn names_read_before(&self, at: usize) -> Result<Vec<Cow<'a, str>>, XmlError> {
        let mut again = TextXmlReader::new(self.lexer.input()).with_quotas(Quotas::TOOLS);
        if self.fragment {
            let bindings = self.scopes.first().map_or(self.namespaces.len(), |s| s.1);
            let borrowed = self.namespaces[..bindings]
                .iter()
                .filter_map(|(p, u)| match u {
                    Cow::Borrowed(u) => Some((*p, *u)),
                    Cow::Owned(_) => None,
                });
            again = again.fragment(self.base, borrowed);
        }
        let mut names = Vec::new();
        while again.lexer.position() < at && again.advance()? {
            let Current::Start { prefix, local, .. } = again.current else {
                continue;
            };
            names.extend([Cow::Borrowed(prefix), Cow::Borrowed(local)]);
            for a in &again.attributes {
                match a {
                    TextAttribute::Value { prefix, local, .. } => {
                        names.extend([Cow::Borrowed(*prefix), Cow::Borrowed(*local)]);
                    }
                    TextAttribute::Xmlns { declaration } => {
                        let (prefix, uri) = &again.namespaces[*declaration];
                        names.extend([Cow::Borrowed(*prefix), uri.clone()]);
                    }
                }
            }
        }
        Ok(names)
    }

    /// The start tag's attributes: declarations put in scope, the others resolved, each
    /// checked for duplicates and normalized.
    fn read_attributes(&mut self) -> Result<(), XmlError> {
        let raw = std::mem::take(&mut self.raw_attributes);
        if let (Some(first), Some(last)) = (raw.first(), raw.last()) {
            // From the first name to the last closing quote, as .NET measures it.
            if last.offset + last.value.len() + 1 - first.name_offset
                > self.quotas.max_bytes_per_read
            {
                return Err(XmlError::Quota {
                    offset: self.base + first.name_offset,
                    what: "bytes of one start tag's attributes (MaxBytesPerRead)",
                    max: self.quotas.max_bytes_per_read,
                });
            }
        }
        let mut plain = std::mem::take(&mut self.pending_attributes);
        plain.clear();
        // Duplicates are found by comparing with the attributes before, as a tag has few; a tag
        // with many gets a set, so that checking stays linear.
        let mut many = (raw.len() > 16).then(|| HashSet::with_capacity(raw.len()));
        for (i, a) in raw.iter().enumerate() {
            let key = a.name;
            let declaration = match key.strip_prefix("xmlns") {
                Some("") => Some(""),
                Some(p) if p.starts_with(':') => Some(&p[1..]),
                _ => None,
            };
            // A declaration given twice is an attribute name given twice.
            let duplicate = match &mut many {
                Some(seen) => !seen.insert(key),
                None => raw[..i].iter().any(|b| b.name == key),
            };
            if duplicate {
                return Err(self.error_here(format!("attribute '{key}' appears twice")));
            }
            let value = normalize_attribute(a.value, a.offset).map_err(|e| self.lex_error(e))?;
            if value.len() > self.quotas.max_string_content_length {
                return Err(XmlError::Quota {
                    offset: self.base + a.offset,
                    what: "attribute value length",
                    max: self.quotas.max_string_content_length,
                });
            }
            match declaration {
                Some(prefix) => self.declare(prefix, value)?,
                None => plain.push((key, value)),
            }
        }
        self.raw_attributes = raw;
        for (key, value) in plain.drain(..) {
            let (prefix, local) = Self::split(key).map_err(|m| self.error_here(m))?;
            self.count_qname(key, prefix, local)?;
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
        self.pending_attributes = plain;
        Ok(())
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
        if self.names.take(prefix) == Taken::Count || self.names.take(&uri) == Taken::Count {
            self.count_exactly([Cow::Borrowed(prefix), uri.clone()])?;
        }
        self.namespaces.push((prefix, uri));
        self.attributes.push(TextAttribute::Xmlns {
            declaration: self.namespaces.len() - 1,
        });
        Ok(())
    }

    /// An end tag: it must close the innermost open element (in a fragment, an end tag with
    /// nothing open ends the input).
    fn end_tag(&mut self, name: &str) -> Result<Current<'a>, XmlError> {
        match self.scopes.last() {
            Some(&(open, _)) if open == name => Ok(Current::End),
            Some(&(open, _)) => {
                Err(self.error_here(format!("end tag '</{name}>' does not match '<{open}>'")))
            }
            None if self.fragment => {
                self.done = true;
                Ok(Current::None)
            }
            None => Err(self.error_here("end tag with no element open")),
        }
    }

    fn end(&mut self) {
        if let Some((_, len)) = self.scopes.pop() {
            self.namespaces.truncate(len);
        }
    }

    /// Character data at `at` with its references expanded; plain text is borrowed as it is.
    fn expand(&self, raw: &'a str, plain: bool, at: usize) -> Result<Cow<'a, str>, XmlError> {
        if plain {
            return Ok(Cow::Borrowed(raw));
        }
        expand_text(raw, at).map_err(|e| self.lex_error(e))
    }

    /// Reads text-like tokens after `first`, joining them; leaves the next token pending.
    fn text(&mut self, first: Cow<'a, str>) -> Result<Current<'a>, XmlError> {
        let mut text = first;
        loop {
            let (token, at) = self.next_raw()?;
            match token {
                Token::Text { raw, plain } => {
                    let t = self.expand(raw, plain, at)?;
                    text.to_mut().push_str(&t);
                }
                Token::CData(c) => text.to_mut().push_str(&normalize_line_ends(c)),
                other => {
                    self.pending = Some((other, at));
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
}

/// `text` as a [`Value`] that is not dropped: a `Value::Str` owns nothing, and the compiler,
/// not seeing that through the reference handed to a caller's closure, would call the drop of
/// `Value` for every text node.
fn str_value(text: &str) -> ManuallyDrop<Value<'_>> {
    ManuallyDrop::new(Value::Str(text))
}

/// String equality without an out-of-line `memcmp` for the short strings prefixes are.
fn short_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

impl Drop for TextXmlReader<'_> {
    fn drop(&mut self) {
        Buffers {
            namespaces: std::mem::take(&mut self.namespaces),
            scopes: std::mem::take(&mut self.scopes),
            attributes: std::mem::take(&mut self.attributes),
            raw_attributes: std::mem::take(&mut self.raw_attributes),
            pending_attributes: std::mem::take(&mut self.pending_attributes),
        }
        .keep();
    }
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
            let (token, at) = self.next_raw()?;
            self.current = match token {
                Token::Start { name, empty } => {
                    self.pending_end = empty;
                    self.start(name)?
                }
                Token::End { name } => self.end_tag(name)?,
                Token::Text { raw, plain } => {
                    let t = self.expand(raw, plain, at)?;
                    self.text(t)?
                }
                Token::CData(c) => self.text(normalize_line_ends(c))?,
                Token::Comment(c) => Current::Comment(c),
                Token::Declaration if at == 0 && !self.fragment => continue,
                Token::Declaration => {
                    return Err(self.error_here("an XML declaration is only allowed first"))
                }
                Token::Eof => {
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

    fn with_text<T>(&self, f: impl FnOnce(&Value<'_>) -> T) -> Option<T> {
        match &self.current {
            Current::Text(t) => Some(f(&str_value(t))),
            _ => None,
        }
    }

    fn element_value<T>(
        &mut self,
        kind: &'static str,
        f: impl FnOnce(&Value<'_>) -> Option<T>,
    ) -> Result<T, XmlError> {
        match self.simple_text()? {
            Some(text) => convert(&str_value(text), kind, f),
            None => element_value_by_nodes(self, kind, f),
        }
    }

    fn element_string(&mut self) -> Result<String, XmlError> {
        match self.simple_text()? {
            Some(text) => Ok(text.to_owned()),
            None => element_string_by_nodes(self),
        }
    }
}

impl<'a> TextXmlReader<'a> {
    /// The text of the element the reader is on (after comments and white space) when it is
    /// `<a>text</a>` with nothing to expand in `text`, read here without the node-by-node
    /// states, the reader then past the element; `None`, on its start tag, for anything else.
    fn simple_text(&mut self) -> Result<Option<&'a str>, XmlError> {
        if !matches!(self.current, Current::Start { .. })
            && self.skip_to_content()? != Some(NodeKind::StartElement)
        {
            return Ok(None);
        }
        if !matches!(self.current, Current::Start { .. })
            || self.pending_end
            || self.pending.is_some()
        {
            return Ok(None);
        }
        let start = self.lexer.position();
        let text = match self.lexer.next_text() {
            Some(Token::Text { raw, plain: true }) => raw,
            _ => {
                self.lexer.rewind(start);
                return Ok(None);
            }
        };
        let closes = self
            .scopes
            .last()
            .is_some_and(|&(open, _)| self.lexer.skip_end_tag(open));
        if !closes || text.len() > max_text_length(&self.quotas) {
            self.lexer.rewind(start);
            return Ok(None);
        }
        self.current = Current::End;
        self.advance()?;
        Ok(Some(text))
    }
}

#[cfg(test)]
mod tests {
    use super::TextXmlReader;

    #[test]
    fn qualified_names_split_at_their_one_colon() {
        assert_eq!(TextXmlReader::split("a"), Ok(("", "a")));
        assert_eq!(TextXmlReader::split("p:a"), Ok(("p", "a")));
        for bad in [":a", "a:", "p:a:b", "::", ":"] {
            assert!(TextXmlReader::split(bad).is_err(), "{bad}");
        }
    }
}
