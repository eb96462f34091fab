//! The writer: typed calls in, the bytes .NET's `XmlBinaryWriter` would write out.

mod namespaces;
mod node;

use std::borrow::Cow;

use crate::dictionary::Dictionary;
use crate::error::EncodeError;
use crate::reader::{XMLNS_NAMESPACE, XML_NAMESPACE};
use crate::record::{self as r, ArrayType};
use crate::session::WriterSession;
use crate::string::XmlString;
use crate::value::{DateTime, Decimal, Guid, TimeSpan, Value};
use namespaces::Namespaces;
use node::NodeWriter;

/// The items of an Array record.
#[derive(Debug, Clone, Copy)]
pub enum ArrayItems<'v> {
    /// `bool` items.
    Bool(&'v [bool]),
    /// `i16` items.
    Int16(&'v [i16]),
    /// `i32` items.
    Int32(&'v [i32]),
    /// `i64` items.
    Int64(&'v [i64]),
    /// `f32` items.
    Float(&'v [f32]),
    /// `f64` items.
    Double(&'v [f64]),
    /// Decimal items.
    Decimal(&'v [Decimal]),
    /// DateTime items.
    DateTime(&'v [DateTime]),
    /// TimeSpan items.
    TimeSpan(&'v [TimeSpan]),
    /// GUID items.
    Guid(&'v [Guid]),
    /// Items already in wire form (e.g. from [`crate::reader::Array::data`]); the length must be
    /// a multiple of the item size.
    Raw(ArrayType, &'v [u8]),
}

impl ArrayItems<'_> {
    fn item_type(&self) -> ArrayType {
        match self {
            Self::Bool(_) => ArrayType::Bool,
            Self::Int16(_) => ArrayType::Int16,
            Self::Int32(_) => ArrayType::Int32,
            Self::Int64(_) => ArrayType::Int64,
            Self::Float(_) => ArrayType::Float,
            Self::Double(_) => ArrayType::Double,
            Self::Decimal(_) => ArrayType::Decimal,
            Self::DateTime(_) => ArrayType::DateTime,
            Self::TimeSpan(_) => ArrayType::TimeSpan,
            Self::Guid(_) => ArrayType::Guid,
            Self::Raw(t, _) => *t,
        }
    }

    fn wire(&self) -> Cow<'_, [u8]> {
        fn le<T: Copy, const N: usize>(
            items: &[T],
            f: impl Fn(T) -> [u8; N],
        ) -> Cow<'static, [u8]> {
            Cow::Owned(items.iter().flat_map(|&v| f(v)).collect())
        }
        match *self {
            Self::Bool(v) => le(v, |b| [u8::from(b)]),
            Self::Int16(v) => le(v, i16::to_le_bytes),
            Self::Int32(v) => le(v, i32::to_le_bytes),
            Self::Int64(v) => le(v, i64::to_le_bytes),
            Self::Float(v) => le(v, f32::to_le_bytes),
            Self::Double(v) => le(v, f64::to_le_bytes),
            Self::Decimal(v) => le(v, Decimal::to_bytes),
            Self::DateTime(v) => le(v, |d| d.to_wire().to_le_bytes()),
            Self::TimeSpan(v) => le(v, |t| t.0.to_le_bytes()),
            Self::Guid(v) => le(v, |g| g.0),
            Self::Raw(_, data) => Cow::Borrowed(data),
        }
    }
}

/// Writes one binary XML document, making the choices the .NET Framework `XmlBinaryWriter` makes
/// (as shipped in .NET Framework 4.x and Mono): record forms and widths, integer and float
/// narrowing, WithEndElement folding (including its 512-byte buffer effects), namespace
/// declaration order, base64 chunking and dictionary/session keys. Given the same calls, the
/// bytes are the same.
///
/// Names and namespaces are [`XmlString`]s: a plain string is written inline; a static dictionary
/// string by its key when the writer has that dictionary; any other dictionary string goes into
/// the session string table when the writer has a session (and room in its quota), else inline.
///
/// ```
/// use soapws_nbfs::{Writer, XmlString, Value};
/// let mut w = Writer::new();
/// w.start_element(None, XmlString::inline("a"), None)?;
/// w.value(&Value::Str("hi"))?;
/// w.end_element()?;
/// assert_eq!(w.finish()?, [0x40, 0x01, b'a', 0x99, 0x02, b'h', b'i']);
/// # Ok::<(), soapws_nbfs::EncodeError>(())
/// ```
pub struct Writer<'a> {
    node: NodeWriter<'a>,
    ns: Namespaces<'a>,
    depth: usize,
    /// An element's start tag is open: attributes may follow, declarations are not yet written.
    start_tag_open: bool,
    /// Base64 bytes (0–2) carried to the next call, as .NET's `WriteBase64` does.
    trail: [u8; 3],
    trail_len: usize,
}

impl Default for Writer<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> Writer<'a> {
    /// A writer for plain [MC-NBFX]: no dictionary, no session.
    pub fn new() -> Self {
        Self::with_buffer(Vec::new())
    }

    /// A writer appending to `out` (to reuse an allocation).
    pub fn with_buffer(out: Vec<u8>) -> Self {
        Self {
            node: NodeWriter::new(out, None, None),
            ns: Namespaces::new(),
            depth: 0,
            start_tag_open: false,
            trail: [0; 3],
            trail_len: 0,
        }
    }

    /// Writes static dictionary strings by key (use [`crate::Nbfs`] for msbin1/msbinsession1).
    pub fn dictionary(mut self, dictionary: &'a dyn Dictionary) -> Self {
        self.node.set_dictionary(dictionary);
        self
    }

    /// Puts dynamic dictionary strings in `session` (msbinsession1).
    pub fn session(mut self, session: &'a mut WriterSession) -> Self {
        self.node.set_session(session);
        self
    }

    /// Opens an element. With `ns` given, the prefix is bound to it (declared if needed); with
    /// `prefix` `None`, an in-scope prefix for `ns` is used or the default namespace declared;
    /// with `ns` `None`, `prefix` must already be bound.
    pub fn start_element(
        &mut self,
        prefix: Option<&'a str>,
        local_name: XmlString<'a>,
        ns: Option<XmlString<'a>>,
    ) -> Result<(), EncodeError> {
        if local_name.as_str().is_empty() {
            return Err(EncodeError::InvalidName("empty element name"));
        }
        if prefix == Some("xmlns") {
            return Err(EncodeError::InvalidName("element prefix 'xmlns'"));
        }
        self.flush_base64();
        self.close_start_tag();
        self.depth += 1;
        self.ns.enter();
        let prefix = self.element_prefix(prefix, ns)?;
        self.node.start_element(&prefix, local_name);
        self.start_tag_open = true;
        Ok(())
    }

    fn element_prefix(
        &mut self,
        prefix: Option<&'a str>,
        ns: Option<XmlString<'a>>,
    ) -> Result<Cow<'a, str>, EncodeError> {
        match (prefix, ns) {
            (p, None) => {
                let p = p.unwrap_or("");
                match self.ns.lookup_namespace(p) {
                    Some(_) => Ok(Cow::Borrowed(p)),
                    None => Err(EncodeError::UndeclaredPrefix(p.to_owned())),
                }
            }
            (None, Some(ns)) => match self.ns.lookup_prefix(ns, false) {
                Some(p) => Ok(p),
                None => {
                    self.ns.add(Cow::Borrowed(""), ns, self.depth)?;
                    Ok(Cow::Borrowed(""))
                }
            },
            (Some(p), Some(ns)) => {
                self.ns
                    .add_if_not_declared(Cow::Borrowed(p), ns, self.depth)?;
                Ok(Cow::Borrowed(p))
            }
        }
    }

    /// Writes an attribute of the open start tag. `prefix` `None` with a namespace picks an
    /// in-scope prefix or generates one (`a`…`z`); `xmlns` attributes become declarations.
    pub fn attribute(
        &mut self,
        prefix: Option<&'a str>,
        local_name: XmlString<'a>,
        ns: Option<XmlString<'a>>,
        value: &Value<'_>,
    ) -> Result<(), EncodeError> {
        if !self.start_tag_open {
            return Err(EncodeError::InvalidState("attribute outside a start tag"));
        }
        let declares = match prefix {
            Some("xmlns") => true,
            None => local_name == "xmlns" || ns.is_some_and(|n| n == XMLNS_NAMESPACE),
            Some(p) => p.is_empty() && local_name == "xmlns",
        };
        if declares {
            return Err(EncodeError::InvalidState(
                "namespace declarations are written with Writer::xmlns",
            ));
        }
        if local_name.as_str().is_empty() {
            return Err(EncodeError::InvalidName("empty attribute name"));
        }
        self.flush_base64();
        let prefix: Cow<'a, str> = match (prefix, ns) {
            (None, Some(ns)) if ns == XML_NAMESPACE => Cow::Borrowed("xml"),
            (None | Some(""), Some(ns)) if !ns.as_str().is_empty() => {
                match self.ns.lookup_prefix(ns, true) {
                    Some(p) => p,
                    None => self.ns.generate_prefix(ns, self.depth)?,
                }
            }
            (None | Some(""), _) => Cow::Borrowed(""),
            (Some(p), None) => {
                if self.ns.lookup_namespace(p).is_none() {
                    return Err(EncodeError::UndeclaredPrefix(p.to_owned()));
                }
                Cow::Borrowed(p)
            }
            (Some(p), Some(ns)) => {
                if p != "xml" {
                    self.ns
                        .add_if_not_declared(Cow::Borrowed(p), ns, self.depth)?;
                }
                Cow::Borrowed(p)
            }
        };
        self.node.start_attribute(&prefix, local_name);
        self.attribute_value(value)?;
        self.node.end_attribute();
        Ok(())
    }

    /// Declares a namespace on the open start tag (written after its attributes, in
    /// declaration order; dropped if the same binding is already in scope). With `prefix`
    /// `None`, an in-scope prefix is kept or one generated.
    pub fn xmlns(&mut self, prefix: Option<&'a str>, ns: XmlString<'a>) -> Result<(), EncodeError> {
        if !self.start_tag_open {
            return Err(EncodeError::InvalidState(
                "namespace declaration outside a start tag",
            ));
        }
        match prefix {
            None => {
                if self.ns.lookup_prefix(ns, false).is_none() {
                    self.ns.generate_prefix(ns, self.depth)?;
                }
                Ok(())
            }
            Some(p) => self
                .ns
                .add_if_not_declared(Cow::Borrowed(p), ns, self.depth),
        }
    }

    /// Writes a value as element content (or white space between elements at the top level).
    /// An empty string writes nothing, as in .NET.
    pub fn value(&mut self, value: &Value<'_>) -> Result<(), EncodeError> {
        if let Value::Bytes(b) = value {
            return self.base64(b);
        }
        if matches!(value, Value::Str("")) {
            return Ok(());
        }
        self.flush_base64();
        if self.depth == 0 && !value.is_whitespace() {
            return Err(EncodeError::InvalidState("text outside the root element"));
        }
        self.close_start_tag();
        self.write_value(value)
    }

    /// Writes base64 content; like .NET, each call writes a multiple of 3 bytes and carries
    /// the remainder to the next call or the end of the content.
    pub fn base64(&mut self, mut bytes: &[u8]) -> Result<(), EncodeError> {
        if self.depth == 0 {
            return Err(EncodeError::InvalidState("base64 outside the root element"));
        }
        self.close_start_tag();
        while self.trail_len > 0 && self.trail_len < 3 && !bytes.is_empty() {
            self.trail[self.trail_len] = bytes[0];
            self.trail_len += 1;
            bytes = &bytes[1..];
        }
        let total = self.trail_len + bytes.len();
        let whole = total - total % 3;
        if whole >= 3 {
            let from_input = whole - self.trail_len;
            let trail = self.trail;
            self.node
                .bytes_text(&trail[..self.trail_len], &bytes[..from_input]);
            let rest = &bytes[from_input..];
            self.trail[..rest.len()].copy_from_slice(rest);
            self.trail_len = rest.len();
        } else {
            self.trail[self.trail_len..total].copy_from_slice(bytes);
            self.trail_len = total;
        }
        Ok(())
    }

    fn flush_base64(&mut self) {
        if self.trail_len > 0 {
            let trail = self.trail;
            self.node.bytes_text(&trail[..self.trail_len], &[]);
            self.trail_len = 0;
        }
    }

    /// Writes a qualified name as content (e.g. a fault code), with the prefix bound to `ns` in
    /// scope, as .NET's `WriteQualifiedName(XmlDictionaryString, XmlDictionaryString)` does:
    /// QNameDictionaryText for a one-letter prefix and a name with a key, else text.
    pub fn qualified_name(
        &mut self,
        local_name: XmlString<'a>,
        ns: XmlString<'a>,
    ) -> Result<(), EncodeError> {
        let prefix = self
            .ns
            .lookup_prefix(ns, false)
            .ok_or_else(|| EncodeError::UndeclaredPrefix(format!("(for namespace {ns})")))?;
        self.flush_base64();
        if self.depth == 0 {
            return Err(EncodeError::InvalidState(
                "qualified name outside the root element",
            ));
        }
        self.close_start_tag();
        match prefix.as_bytes() {
            [] => self.node.dictionary_text(local_name),
            [p @ b'a'..=b'z'] => self.node.qname(*p, local_name),
            _ => {
                self.node.text(&prefix);
                self.node.text(":");
                self.node.dictionary_text(local_name);
            }
        }
        Ok(())
    }

    /// Writes a comment.
    pub fn comment(&mut self, text: &str) -> Result<(), EncodeError> {
        if text.contains("--") || text.ends_with('-') {
            return Err(EncodeError::InvalidState(
                "comment containing '--' or ending in '-'",
            ));
        }
        self.flush_base64();
        self.close_start_tag();
        self.node.comment(text);
        Ok(())
    }

    /// Writes an Array record: one element per item, all with the same name. No items, no bytes.
    pub fn array(
        &mut self,
        prefix: Option<&'a str>,
        local_name: XmlString<'a>,
        ns: Option<XmlString<'a>>,
        items: ArrayItems<'_>,
    ) -> Result<(), EncodeError> {
        let ty = items.item_type();
        let data = items.wire();
        if data.len() % ty.item_size() != 0 {
            return Err(EncodeError::InvalidState(
                "array data is not a whole number of items",
            ));
        }
        let count = data.len() / ty.item_size();
        if count == 0 {
            return Ok(());
        }
        if count > i32::MAX as usize {
            return Err(EncodeError::TooLong);
        }
        if self.depth == 0 && count > 1 {
            return Err(EncodeError::InvalidState(
                "array of several elements outside the root",
            ));
        }
        self.flush_base64();
        self.close_start_tag();
        self.node.node(r::ARRAY);
        self.start_element(prefix, local_name, ns)?;
        self.end_element()?;
        let per_item = match ty {
            ArrayType::DateTime | ArrayType::TimeSpan => Some(8),
            ArrayType::Guid => Some(16),
            _ => None,
        };
        self.node.array_items(ty.record(), count, &data, per_item);
        Ok(())
    }

    /// Closes the innermost open element.
    pub fn end_element(&mut self) -> Result<(), EncodeError> {
        if self.depth == 0 {
            return Err(EncodeError::InvalidState(
                "end of element with no element open",
            ));
        }
        self.flush_base64();
        self.close_start_tag();
        self.node.end_element();
        self.ns.exit(self.depth);
        self.depth -= 1;
        Ok(())
    }

    /// Like .NET's `Flush()`: empties the (simulated) buffer, so the next EndElement is not folded.
    /// Base64 bytes carried to the next call stay carried.
    pub fn flush(&mut self) {
        self.node.flush_buffer();
    }

    /// Number of open elements.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Closes any open elements and returns the document.
    pub fn finish(mut self) -> Result<Vec<u8>, EncodeError> {
        while self.depth > 0 {
            self.end_element()?;
        }
        self.flush_base64();
        Ok(self.node.out)
    }

    /// Closes any open elements and returns the message: the session's string table (strings
    /// added while writing this document; `00` if none) followed by the document.
    pub fn finish_session_message(mut self) -> Result<Vec<u8>, EncodeError> {
        while self.depth > 0 {
            self.end_element()?;
        }
        self.flush_base64();
        let mut message = Vec::with_capacity(self.node.out.len() + 16);
        match self.node.session() {
            Some(s) => s.write_table(&mut message),
            None => return Err(EncodeError::InvalidState("no session")),
        }
        message.extend_from_slice(&self.node.out);
        Ok(message)
    }

    /// Ends the start tag if one is open: writes its namespace declarations.
    fn close_start_tag(&mut self) {
        if !self.start_tag_open {
            return;
        }
        self.start_tag_open = false;
        let decls: Vec<(Cow<'a, str>, XmlString<'a>)> = self
            .ns
            .declared_at(self.depth)
            .map(|(p, u)| (Cow::Owned(p.to_owned()), u))
            .collect();
        for (prefix, uri) in decls {
            self.node.xmlns(&prefix, uri);
        }
    }

    fn attribute_value(&mut self, value: &Value<'_>) -> Result<(), EncodeError> {
        match value {
            Value::Bytes(b) => {
                self.node.bytes_text(&[], b);
                Ok(())
            }
            Value::Str(s) => {
                self.node.text(s);
                Ok(())
            }
            _ => self.write_value(value),
        }
    }

    fn write_value(&mut self, value: &Value<'_>) -> Result<(), EncodeError> {
        let n = &mut self.node;
        match value {
            Value::Str(s) => n.text(s),
            Value::Utf16(u) => n.text(&u.chars().collect::<String>()),
            Value::Dictionary(s) => n.dictionary_text(*s),
            Value::Bool(b) => n.bool(*b),
            Value::Int32(v) => n.int32(*v),
            Value::Int64(v) => n.int64(*v),
            Value::UInt64(v) => n.uint64(*v),
            Value::Float(v) => n.float(*v),
            Value::Double(v) => n.double(*v),
            Value::Decimal(v) => n.decimal(*v),
            Value::DateTime(v) => n.date_time(*v),
            Value::TimeSpan(v) => n.time_span(*v),
            Value::Guid(v) => n.guid(*v),
            Value::UniqueId(v) => n.unique_id(*v),
            Value::Bytes(b) => n.bytes_text(&[], b),
            Value::QName(q) => {
                if !q.prefix.is_ascii_lowercase() {
                    return Err(EncodeError::InvalidName(
                        "QName prefix must be a letter a-z",
                    ));
                }
                n.qname(q.prefix, q.name)
            }
            Value::List(items) => {
                n.node(r::START_LIST_TEXT);
                for item in items {
                    match item {
                        Value::List(_) => return Err(EncodeError::InvalidState("nested list")),
                        Value::Bytes(b) => self.node.bytes_text(&[], b),
                        Value::Str(s) => self.node.text(s),
                        _ => self.write_value(item)?,
                    }
                }
                self.node.node(r::END_LIST_TEXT);
            }
        }
        Ok(())
    }
}
