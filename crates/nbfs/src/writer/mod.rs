//! The writer: typed calls in, the bytes .NET's `XmlBinaryWriter` (or, for text, its
//! `XmlUTF8TextWriter`) would write out.

mod binary;
mod namespaces;
mod short;
mod text;

use std::borrow::Cow;

use crate::dictionary::Dictionary;
use crate::error::EncodeError;
use crate::reader::{XMLNS_NAMESPACE, XML_NAMESPACE};
use crate::record::{self as r, ArrayType};
use crate::session::WriterSession;
use crate::string::{every_byte_masked, is_plain_name_text, XmlString};
use crate::value::{DateTime, Decimal, Guid, TimeSpan, Value, ValueList};
use binary::BinaryNode;
use namespaces::Namespaces;
use text::TextNode;

/// What the base writer asks of an encoding: records for binary XML, markup for text.
trait Node {
    fn start_element(&mut self, prefix: &str, local: XmlString<'_>);
    fn start_attribute(&mut self, prefix: &str, local: XmlString<'_>);
    fn end_attribute(&mut self);
    fn xmlns(&mut self, prefix: &str, ns: XmlString<'_>);
    /// The start tag is complete; `empty` when the element ends right here.
    fn end_start_tag(&mut self, empty: bool);
    fn end_element(&mut self);
    fn comment(&mut self, text: &str);
    fn text(&mut self, s: &str);
    fn dictionary_text(&mut self, s: XmlString<'_>);
    /// A QName; without a dictionary key, three text records (content) or, with `joined`
    /// (attribute values and list items), one `p:name` text record.
    fn qname(&mut self, prefix: u8, name: XmlString<'_>, joined: bool);
    fn bool(&mut self, v: bool);
    fn int32(&mut self, v: i32);
    fn int64(&mut self, v: i64);
    fn uint64(&mut self, v: u64);
    fn float(&mut self, v: f32);
    fn double(&mut self, v: f64);
    fn decimal(&mut self, v: Decimal);
    fn date_time(&mut self, v: DateTime);
    fn time_span(&mut self, v: TimeSpan);
    fn guid(&mut self, v: Guid);
    fn unique_id(&mut self, v: Guid);
    fn bytes_text(&mut self, trail: &[u8], data: &[u8]);
    fn start_list(&mut self);
    fn list_separator(&mut self);
    fn end_list(&mut self);
    /// .NET's explicit `Flush()` (binary: cancels folding).
    fn flush(&mut self);
    fn output(&mut self) -> &mut Vec<u8>;

    /// A whole element holding one value (its prefix resolved, nothing to declare): start tag,
    /// value, end tag — the same bytes as those three steps.
    fn leaf(
        &mut self,
        prefix: &str,
        local: XmlString<'_>,
        value: &Value<'_>,
    ) -> Result<(), EncodeError>;
}

/// The binary node holds its output stage inline (a box would cost a load per record); a
/// writer is made once per document, so its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Output<'s> {
    Binary(BinaryNode<'s>),
    Text(TextNode),
}

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

/// Writes one XML document as .NET writes it: binary XML ([`Writer::new`]) byte-for-byte as the
/// .NET Framework `XmlBinaryWriter` (also shipped in Mono) writes it — record forms and widths,
/// integer and float narrowing, WithEndElement folding (including its 512-byte buffer effects),
/// base64 chunking, dictionary and session keys — or XML text ([`Writer::text`]) as its
/// `XmlUTF8TextWriter` writes it. Both follow .NET's `XmlBaseWriter` for namespaces: which
/// declarations an element needs, their order (after the attributes), and prefix choice.
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
pub struct Writer<'s> {
    out: Output<'s>,
    ns: Namespaces,
    depth: usize,
    /// What the next call may have to finish first: [`START_TAG`] and/or [`BASE64`], so that
    /// a call finding nothing to do tests one byte.
    pending: u8,
    /// Base64 bytes (0–2) carried to the next call, as .NET's `WriteBase64` does.
    trail: [u8; 3],
    trail_len: usize,
}

/// [`Writer::pending`]: an element's start tag is open (attributes may follow, declarations are
/// not yet written).
const START_TAG: u8 = 1;
/// [`Writer::pending`]: base64 bytes are carried.
const BASE64: u8 = 2;

/// A resolved prefix: the caller's string, a declaration's, or a fixed one.
#[derive(Clone, Copy)]
enum Prefix<'p> {
    Given(&'p str),
    Declared(usize),
}

/// Runs `$body` with `$n` bound to the encoding's node writer (static dispatch, so the record
/// writing inlines).
macro_rules! with_node {
    ($out:expr, $n:ident => $body:expr) => {
        match $out {
            Output::Binary($n) => $body,
            Output::Text($n) => $body,
        }
    };
}

impl Default for Writer<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'s> Writer<'s> {
    /// A binary writer for plain [MC-NBFX]: no dictionary, no session.
    #[inline]
    pub fn new() -> Self {
        Self::with_buffer(Vec::new())
    }

    /// A binary writer appending to `out` (to reuse an allocation).
    ///
    /// Inlined (as the other constructors are), so that the writer is built in place: as a call,
    /// its result (a few hundred bytes, with the output stage) is copied out.
    #[inline]
    pub fn with_buffer(out: Vec<u8>) -> Self {
        // The scopes first: made after the output stage, their call would leave the stage in a
        // temporary to be copied into the writer.
        let ns = Namespaces::new();
        Self::with_output(Output::Binary(BinaryNode::new(out, None, None)), ns)
    }

    /// A writer of XML text (UTF-8, no declaration), appending to `out`.
    #[inline]
    pub fn text(out: Vec<u8>) -> Self {
        let ns = Namespaces::new();
        Self::with_output(Output::Text(TextNode::new(out)), ns)
    }

    #[inline]
    fn with_output(out: Output<'s>, ns: Namespaces) -> Self {
        Self {
            out,
            ns,
            depth: 0,
            pending: 0,
            trail: [0; 3],
            trail_len: 0,
        }
    }

    /// Writes static dictionary strings by key (use [`crate::Nbfs`] for msbin1/msbinsession1).
    /// No effect on a text writer.
    #[inline(always)]
    pub fn dictionary(mut self, dictionary: &'s dyn Dictionary) -> Self {
        if let Output::Binary(b) = &mut self.out {
            b.set_dictionary(dictionary);
        }
        self
    }

    /// Puts dynamic dictionary strings in `session` (msbinsession1). No effect on a text writer.
    #[inline(always)]
    pub fn session(mut self, session: &'s mut WriterSession) -> Self {
        if let Output::Binary(b) = &mut self.out {
            b.set_session(session);
        }
        self
    }

    fn prefix_str<'p>(ns: &'p Namespaces, p: Prefix<'p>) -> &'p str {
        match p {
            Prefix::Given(s) => s,
            Prefix::Declared(i) => ns.prefix(i),
        }
    }

    /// Opens an element. With `ns` given, the prefix is bound to it (declared if needed); with
    /// `prefix` `None`, an in-scope prefix for `ns` is used or the default namespace declared;
    /// with `ns` `None`, `prefix` must already be bound.
    ///
    /// Always inlined: with the constant prefix and name a serializer passes, the fast path's
    /// tests (prefix declared, name characters, dictionary form, name length) mostly fold away;
    /// the general path stays a call.
    #[inline(always)]
    pub fn start_element(
        &mut self,
        prefix: Option<&str>,
        local_name: XmlString<'_>,
        ns: Option<XmlString<'_>>,
    ) -> Result<(), EncodeError> {
        if self.opens_in_scope(prefix, local_name, ns) {
            self.open_element(prefix.unwrap_or(""), local_name);
            return Ok(());
        }
        self.start_any_element(prefix, local_name, ns)
    }

    /// True when an element so named needs no check and no declaration: a name made of
    /// letters only, in a prefix already bound (to `ns`, if given).
    #[inline(always)]
    fn opens_in_scope(
        &self,
        prefix: Option<&str>,
        local_name: XmlString<'_>,
        ns: Option<XmlString<'_>>,
    ) -> bool {
        let in_scope = match (prefix, ns) {
            (_, None) => self.ns.is_declared(prefix.unwrap_or("")),
            (Some(p), Some(ns)) => self.ns.binds(p, ns.as_str()),
            (None, Some(_)) => false,
        };
        in_scope && plain(local_name)
    }

    /// Writes an element holding one value, `<name>value</name>`: the same as
    /// [`Writer::start_element`], [`Writer::value`] and [`Writer::end_element`] (and the same
    /// bytes), in one step — what serializers write most, as .NET's `WriteElementString` does.
    ///
    /// Always inlined, as [`Writer::start_element`] is: a name in a prefix in scope and a value
    /// built in place (neither bytes, an empty string, a QName nor a list) take the fast path,
    /// with no element state kept between the three steps.
    ///
    /// ```
    /// use soapws_nbfs::{Value, Writer, XmlString};
    /// let mut w = Writer::new();
    /// w.element(None, XmlString::inline("a"), None, &Value::Int32(7))?;
    /// assert_eq!(w.finish()?, [0x40, 0x01, b'a', 0x89, 0x07]);
    /// # Ok::<(), soapws_nbfs::EncodeError>(())
    /// ```
    #[inline(always)]
    pub fn element(
        &mut self,
        prefix: Option<&str>,
        local_name: XmlString<'_>,
        ns: Option<XmlString<'_>>,
        value: &Value<'_>,
    ) -> Result<(), EncodeError> {
        let whole = !matches!(
            value,
            Value::Bytes(_) | Value::Str("") | Value::QName(_) | Value::List(_)
        );
        if whole && self.opens_in_scope(prefix, local_name, ns) {
            self.settle();
            let given = prefix.unwrap_or("");
            return with_node!(&mut self.out, n => n.leaf(given, local_name, value));
        }
        self.any_element(prefix, local_name, ns, value)
    }

    /// [`Writer::element`] step by step.
    #[inline(never)]
    fn any_element(
        &mut self,
        prefix: Option<&str>,
        local_name: XmlString<'_>,
        ns: Option<XmlString<'_>>,
        value: &Value<'_>,
    ) -> Result<(), EncodeError> {
        self.start_any_element(prefix, local_name, ns)?;
        self.value(value)?;
        self.end_element()
    }

    /// [`Writer::start_element`] of a name made of letters only in a prefix already bound (to
    /// the namespace given, if one is), as serializers mostly write: nothing to check or
    /// declare, so no call into the general path.
    #[inline(always)]
    fn open_element(&mut self, prefix: &str, local_name: XmlString<'_>) {
        self.settle();
        self.depth += 1;
        self.ns.enter();
        with_node!(&mut self.out, n => n.start_element(prefix, local_name));
        self.pending = START_TAG;
    }

    /// [`Writer::start_element`] for any name and namespace.
    #[inline(never)]
    fn start_any_element(
        &mut self,
        prefix: Option<&str>,
        local_name: XmlString<'_>,
        ns: Option<XmlString<'_>>,
    ) -> Result<(), EncodeError> {
        if local_name.as_str().is_empty() {
            return Err(EncodeError::InvalidName("empty element name"));
        }
        // A prefix declared in scope was checked when it was declared.
        let declared = ns.is_none() && self.ns.is_declared(prefix.unwrap_or(""));
        if declared {
            check_name(local_name.as_str(), None)?;
        } else {
            Self::check_element_name(prefix, local_name)?;
        }
        self.settle();
        self.depth += 1;
        self.ns.enter();
        let prefix = match declared {
            true => Prefix::Given(prefix.unwrap_or("")),
            false => self.element_prefix(prefix, ns)?,
        };
        let prefix = Self::prefix_str(&self.ns, prefix);
        with_node!(&mut self.out, n => n.start_element(prefix, local_name));
        self.pending = START_TAG;
        Ok(())
    }

    /// [`Writer::start_element`]'s checks of a name whose prefix is not (yet) declared.
    #[inline]
    fn check_element_name(
        prefix: Option<&str>,
        local_name: XmlString<'_>,
    ) -> Result<(), EncodeError> {
        if prefix == Some("xmlns") {
            return Err(EncodeError::InvalidName("element prefix 'xmlns'"));
        }
        check_name(local_name.as_str(), prefix)
    }

    fn element_prefix<'p>(
        &mut self,
        prefix: Option<&'p str>,
        ns: Option<XmlString<'_>>,
    ) -> Result<Prefix<'p>, EncodeError> {
        match (prefix, ns) {
            (p, None) => {
                let p = p.unwrap_or("");
                if self.ns.is_bound(p) {
                    Ok(Prefix::Given(p))
                } else {
                    Err(EncodeError::UndeclaredPrefix(p.to_owned()))
                }
            }
            (None, Some(ns)) => match self.ns.lookup_prefix(ns, false) {
                Ok(Some(i)) => Ok(Prefix::Declared(i)),
                Err(fixed) => Ok(Prefix::Given(fixed)),
                Ok(None) => {
                    self.ns.add("", ns, self.depth)?;
                    Ok(Prefix::Given(""))
                }
            },
            (Some(p), Some(ns)) => {
                self.ns.add_if_not_declared(p, ns, self.depth)?;
                Ok(Prefix::Given(p))
            }
        }
    }

    /// Writes an attribute of the open start tag. `prefix` `None` with a namespace picks an
    /// in-scope prefix or generates one (`a`…`z`). Namespace declarations are written with
    /// [`Writer::xmlns`].
    ///
    /// Always inlined, as [`Writer::start_element`] is: a serializer's constant arguments fold
    /// the fast path's tests and the value dispatch away.
    #[inline(always)]
    pub fn attribute(
        &mut self,
        prefix: Option<&str>,
        local_name: XmlString<'_>,
        ns: Option<XmlString<'_>>,
        value: &Value<'_>,
    ) -> Result<(), EncodeError> {
        if let Some(p) = prefix.filter(|p| !p.is_empty()) {
            let in_scope = match ns {
                None => self.ns.is_declared(p),
                Some(ns) => self.ns.binds(p, ns.as_str()),
            };
            // A declared prefix is neither `xmlns` nor `xml`, and was checked when declared.
            if in_scope && self.pending == START_TAG && plain(local_name) {
                let out = &mut self.out;
                return with_node!(out, n => write_attribute(n, p, local_name, value));
            }
        }
        self.any_attribute(prefix, local_name, ns, value)
    }

    /// [`Writer::attribute`] for any name, namespace and state.
    #[inline(never)]
    fn any_attribute(
        &mut self,
        prefix: Option<&str>,
        local_name: XmlString<'_>,
        ns: Option<XmlString<'_>>,
        value: &Value<'_>,
    ) -> Result<(), EncodeError> {
        if self.pending & START_TAG == 0 {
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
        check_name(local_name.as_str(), prefix)?;
        self.flush_base64();
        let prefix = match (prefix, ns) {
            (None, Some(ns)) if ns == XML_NAMESPACE => Prefix::Given("xml"),
            (None | Some(""), Some(ns)) if !ns.as_str().is_empty() => {
                match self.ns.lookup_prefix(ns, true) {
                    Ok(Some(i)) => Prefix::Declared(i),
                    Err(fixed) => Prefix::Given(fixed),
                    Ok(None) => Prefix::Declared(self.ns.generate_prefix(ns, self.depth)?),
                }
            }
            (None | Some(""), _) => Prefix::Given(""),
            (Some(p), None) => {
                if !self.ns.is_bound(p) {
                    return Err(EncodeError::UndeclaredPrefix(p.to_owned()));
                }
                Prefix::Given(p)
            }
            (Some(p), Some(ns)) => {
                if p != "xml" {
                    self.ns.add_if_not_declared(p, ns, self.depth)?;
                }
                Prefix::Given(p)
            }
        };
        let prefix = Self::prefix_str(&self.ns, prefix);
        with_node!(&mut self.out, n => write_attribute(n, prefix, local_name, value))
    }

    /// Declares a namespace on the open start tag (written after its attributes, in
    /// declaration order; dropped if the same binding is already in scope). With `prefix`
    /// `None`, an in-scope prefix is kept or one generated.
    pub fn xmlns(&mut self, prefix: Option<&str>, ns: XmlString<'_>) -> Result<(), EncodeError> {
        if self.pending & START_TAG == 0 {
            return Err(EncodeError::InvalidState(
                "namespace declaration outside a start tag",
            ));
        }
        check_name("xmlns", prefix)?;
        match prefix {
            None => {
                if let Ok(None) = self.ns.lookup_prefix(ns, false) {
                    self.ns.generate_prefix(ns, self.depth)?;
                }
                Ok(())
            }
            Some(p) => self.ns.add_if_not_declared(p, ns, self.depth),
        }
    }

    /// Writes a value as element content (or white space between elements at the top level).
    /// An empty string writes nothing, as in .NET.
    ///
    /// Always inlined, so that a caller building the value in place (`w.value(&Value::Int32(n))`,
    /// as serializers do) gets that variant's writer alone, without the dispatch or a call.
    #[inline(always)]
    pub fn value(&mut self, value: &Value<'_>) -> Result<(), EncodeError> {
        if let Value::Bytes(b) = value {
            return self.base64(b);
        }
        if matches!(value, Value::Str("")) {
            return Ok(());
        }
        // Something pending means an element is open.
        if self.pending != 0 {
            self.settle();
        } else if self.depth == 0 && !value.is_whitespace() {
            return Err(EncodeError::InvalidState("text outside the root element"));
        }
        with_node!(&mut self.out, n => write_value(n, value, false))
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
            let trail = &trail[..self.trail_len];
            with_node!(&mut self.out, n => n.bytes_text(trail, &bytes[..from_input]));
            let rest = &bytes[from_input..];
            self.trail[..rest.len()].copy_from_slice(rest);
            self.trail_len = rest.len();
        } else {
            self.trail[self.trail_len..total].copy_from_slice(bytes);
            self.trail_len = total;
        }
        self.pending = if self.trail_len > 0 { BASE64 } else { 0 };
        Ok(())
    }

    /// Finishes what the last call left pending: carried base64 bytes, an open start tag.
    #[inline]
    fn settle(&mut self) {
        match self.pending {
            0 => {}
            START_TAG => self.close_start_tag(),
            _ => {
                self.flush_base64();
                self.close_start_tag();
            }
        }
    }

    /// Writes the carried base64 bytes, if any.
    #[inline]
    fn flush_base64(&mut self) {
        if self.pending & BASE64 != 0 {
            self.write_trail();
        }
    }

    #[inline(never)]
    fn write_trail(&mut self) {
        let trail = self.trail;
        let trail = &trail[..self.trail_len];
        with_node!(&mut self.out, n => n.bytes_text(trail, &[]));
        self.trail_len = 0;
        self.pending &= !BASE64;
    }

    /// Writes a qualified name as content (e.g. a fault code), with the prefix bound to `ns` in
    /// scope, as .NET's `WriteQualifiedName(XmlDictionaryString, XmlDictionaryString)` does:
    /// QNameDictionaryText for a one-letter prefix and a name with a key, else text.
    pub fn qualified_name(
        &mut self,
        local_name: XmlString<'_>,
        ns: XmlString<'_>,
    ) -> Result<(), EncodeError> {
        let prefix = match self.ns.lookup_prefix(ns, false) {
            Ok(Some(i)) => Prefix::Declared(i),
            Err(fixed) => Prefix::Given(fixed),
            Ok(None) => {
                return Err(EncodeError::UndeclaredPrefix(format!(
                    "(for namespace {ns})"
                )))
            }
        };
        self.flush_base64();
        if self.depth == 0 {
            return Err(EncodeError::InvalidState(
                "qualified name outside the root element",
            ));
        }
        self.close_start_tag();
        let prefix = Self::prefix_str(&self.ns, prefix);
        with_node!(&mut self.out, n => match prefix.as_bytes() {
            [] => n.dictionary_text(local_name),
            [p @ b'a'..=b'z'] => n.qname(*p, local_name, false),
            _ => {
                n.text(prefix);
                n.text(":");
                n.dictionary_text(local_name);
            }
        });
        Ok(())
    }

    /// The prefix bound to `ns` where the writer is (`""` for the default namespace), if any:
    /// for qualified names in attribute values, such as `xsi:type`.
    pub fn lookup_prefix(&mut self, ns: XmlString<'_>) -> Option<String> {
        match self.ns.lookup_prefix(ns, false) {
            Ok(Some(i)) => Some(self.ns.prefix(i).to_owned()),
            Err(fixed) => Some(fixed.to_owned()),
            Ok(None) => None,
        }
    }

    /// Writes a comment.
    pub fn comment(&mut self, text: &str) -> Result<(), EncodeError> {
        if text.contains("--") || text.ends_with('-') {
            return Err(EncodeError::InvalidState(
                "comment containing '--' or ending in '-'",
            ));
        }
        // A comment has no escapes: as text, a control character would not be XML. (Binary
        // XML carries any string, as .NET's binary writer does.)
        if matches!(self.out, Output::Text(_))
            && text
                .bytes()
                .any(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
        {
            return Err(EncodeError::InvalidState(
                "comment containing a control character",
            ));
        }
        self.settle();
        with_node!(&mut self.out, n => n.comment(text));
        Ok(())
    }

    /// Writes an array: one element per item, all with the same name — an Array record in binary
    /// XML, repeated elements in text. No items, no bytes.
    pub fn array(
        &mut self,
        prefix: Option<&str>,
        local_name: XmlString<'_>,
        ns: Option<XmlString<'_>>,
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
        self.settle();
        if matches!(self.out, Output::Text(_)) {
            for item in data.chunks_exact(ty.item_size()) {
                self.start_element(prefix, local_name, ns)?;
                self.value(&crate::reader::array_item(ty, item))?;
                self.end_element()?;
            }
            return Ok(());
        }
        if let Output::Binary(b) = &mut self.out {
            b.node(r::ARRAY);
        }
        self.start_element(prefix, local_name, ns)?;
        self.end_element()?;
        let per_item = match ty {
            ArrayType::DateTime | ArrayType::TimeSpan => Some(8),
            ArrayType::Guid => Some(16),
            _ => None,
        };
        if let Output::Binary(b) = &mut self.out {
            b.array_items(ty.record(), count, &data, per_item);
        }
        Ok(())
    }

    /// Closes the innermost open element.
    #[inline]
    pub fn end_element(&mut self) -> Result<(), EncodeError> {
        if self.pending == 0 && self.depth > 0 {
            self.close_element();
            return Ok(());
        }
        self.end_any_element()
    }

    /// [`Writer::end_element`] after content or a child element, as serializers mostly call
    /// it: only the end record to write (inlined, so without a call of the general path).
    #[inline(always)]
    fn close_element(&mut self) {
        with_node!(&mut self.out, n => n.end_element());
        self.ns.exit(self.depth);
        self.depth -= 1;
    }

    /// [`Writer::end_element`] in any state.
    #[inline(never)]
    fn end_any_element(&mut self) -> Result<(), EncodeError> {
        if self.depth == 0 {
            return Err(EncodeError::InvalidState(
                "end of element with no element open",
            ));
        }
        if self.pending & START_TAG != 0 {
            self.pending &= !START_TAG;
            self.declare_namespaces();
            with_node!(&mut self.out, n => n.end_start_tag(true));
        } else {
            self.flush_base64();
            with_node!(&mut self.out, n => n.end_element());
        }
        self.ns.exit(self.depth);
        self.depth -= 1;
        Ok(())
    }

    /// Like .NET's `Flush()`: in binary XML the next EndElement is then not folded. Base64
    /// bytes carried to the next call stay carried.
    pub fn flush(&mut self) {
        with_node!(&mut self.out, n => n.flush());
    }

    /// Number of open elements.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Closes any open elements and returns the document.
    pub fn finish(mut self) -> Result<Vec<u8>, EncodeError> {
        self.close_all()?;
        Ok(with_node!(&mut self.out, n => std::mem::take(n.output())))
    }

    /// Closes any open elements and returns the message: the session's string table (strings
    /// added while writing this document; `00` if none) followed by the document.
    pub fn finish_session_message(mut self) -> Result<Vec<u8>, EncodeError> {
        self.close_all()?;
        let Output::Binary(b) = &mut self.out else {
            return Err(EncodeError::InvalidState("a text writer has no session"));
        };
        b.session_message()
            .ok_or(EncodeError::InvalidState("no session"))
    }

    fn close_all(&mut self) -> Result<(), EncodeError> {
        while self.depth > 0 {
            self.end_element()?;
        }
        self.flush_base64();
        Ok(())
    }

    /// Ends the start tag if one is open: writes its namespace declarations.
    #[inline]
    fn close_start_tag(&mut self) {
        if self.pending & START_TAG != 0 {
            self.pending &= !START_TAG;
            self.declare_namespaces();
            with_node!(&mut self.out, n => n.end_start_tag(false));
        }
    }

    /// Writes the namespace declarations of the open start tag.
    #[inline]
    fn declare_namespaces(&mut self) {
        if self.ns.declares_at(self.depth) {
            self.write_declarations();
        }
    }

    fn write_declarations(&mut self) {
        let depth = self.depth;
        with_node!(&mut self.out, n => {
            for d in self.ns.declarations(depth) {
                n.xmlns(d.prefix, d.uri);
            }
        });
    }
}

/// Writes an attribute (its prefix resolved) and its value, one record.
#[inline(always)]
fn write_attribute<N: Node>(
    n: &mut N,
    prefix: &str,
    local_name: XmlString<'_>,
    value: &Value<'_>,
) -> Result<(), EncodeError> {
    n.start_attribute(prefix, local_name);
    match value {
        Value::Bytes(b) => n.bytes_text(&[], b),
        Value::Str(s) => n.text(s),
        _ => write_value(n, value, true)?,
    }
    n.end_attribute();
    Ok(())
}

/// Writes a typed value through the encoding's node writer; `joined` inside attribute values and
/// lists, where a value must be one record.
#[inline(always)]
fn write_value<N: Node>(n: &mut N, value: &Value<'_>, joined: bool) -> Result<(), EncodeError> {
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
            n.qname(q.prefix, q.name, joined)
        }
        Value::List(items) => write_list(n, *items)?,
    }
    Ok(())
}

/// Writes a list value: its items, each one record, between the list records.
#[inline(never)]
fn write_list<N: Node>(n: &mut N, items: ValueList<'_>) -> Result<(), EncodeError> {
    n.start_list();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            n.list_separator();
        }
        match item {
            Value::List(_) => return Err(EncodeError::InvalidState("nested list")),
            _ => write_value(n, &item, true)?,
        }
    }
    n.end_list();
    Ok(())
}

/// Refuses names that would change the markup or not be XML when written as text: white space
/// and other control characters, `<`, `>`, `&`, quotes, `=`, `/`, `!`, `?`, and a colon in a
/// local name or prefix. (Binary XML can carry any string; the reader takes what it is given,
/// the writer only writes names.)
///
/// Always inlined: it runs for every element and attribute, and its call cost was measurable.
#[inline(always)]
fn check_name(local: &str, prefix: Option<&str>) -> Result<(), EncodeError> {
    if bad_name(local) || prefix.is_some_and(bad_name) {
        return Err(EncodeError::InvalidName(
            "a name with white space, control or markup characters, or a colon",
        ));
    }
    Ok(())
}

/// The bytes a name may hold without a closer look: ASCII other than control characters, the
/// space and the markup characters.
const NAME_BYTE_OK: [bool; 256] = {
    let mut ok = [false; 256];
    let mut b = 0x20;
    while b < 0x80 {
        ok[b] = true;
        b += 1;
    }
    let bad = b"\t\n\x0B\x0C\r <>&\"'=/!?:";
    let mut i = 0;
    while i < bad.len() {
        ok[bad[i] as usize] = false;
        i += 1;
    }
    ok
};

/// True when every byte of `b` is in 0x40..=0x7F, which [`check_name`] never refuses: most
/// names (see [`is_plain_name_text`]).
#[inline]
fn letters_only(b: &[u8]) -> bool {
    every_byte_masked(b, 0xC0, 0x40)
}

/// True for a non-empty name [`check_name`] accepts at a glance (see [`letters_only`]): known
/// from its constructor, or tested here.
#[inline(always)]
fn plain(name: XmlString<'_>) -> bool {
    name.is_plain_name() || is_plain_name_text(name.as_str())
}

/// True when `s` holds a character [`check_name`] refuses: a table lookup per byte for ASCII
/// names, `char::is_whitespace` for the others.
#[inline]
fn bad_name(s: &str) -> bool {
    !letters_only(s.as_bytes()) && bad_name_bytewise(s)
}

/// [`bad_name`] past the letters-only test.
#[inline(never)]
fn bad_name_bytewise(s: &str) -> bool {
    if s.bytes().all(|b| NAME_BYTE_OK[usize::from(b)]) {
        return false;
    }
    s.chars().any(|c| {
        c.is_whitespace()
            || c < ' '
            || matches!(
                c,
                '<' | '>' | '&' | '"' | '\'' | '=' | '/' | '!' | '?' | ':'
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Comments are written as they are: one a text reader could not read is refused as text
    /// (binary XML carries it).
    #[test]
    fn comments_that_would_not_read_are_refused() {
        for (comment, ok) in [
            ("a\tb\r\nc", true),
            ("a -- b", false),
            ("ends-", false),
            ("a\u{4}b", false),
            ("\u{0}", false),
        ] {
            let mut w = Writer::text(Vec::new());
            w.start_element(None, XmlString::dynamic("e"), None)
                .unwrap();
            assert_eq!(w.comment(comment).is_ok(), ok, "{comment:?}");
            let mut w = Writer::new();
            w.start_element(None, XmlString::dynamic("e"), None)
                .unwrap();
            let binary_ok = !comment.contains("--") && !comment.ends_with('-');
            assert_eq!(
                w.comment(comment).is_ok(),
                binary_ok,
                "{comment:?} in binary"
            );
        }
    }

    /// A session writer's message is its table then the document, whether the table takes the
    /// byte reserved for it (`00`) or needs more room; `finish` gives the document alone.
    #[test]
    fn session_messages_start_with_their_table() {
        let write = |session: &mut WriterSession, finish_message: bool| {
            let mut w = Writer::new().session(session);
            w.start_element(None, XmlString::dynamic("Order"), None)
                .unwrap();
            match finish_message {
                true => w.finish_session_message().unwrap(),
                false => w.finish().unwrap(),
            }
        };
        let document = [r::SHORT_DICTIONARY_ELEMENT, 1, r::END_ELEMENT];
        let mut session = WriterSession::new();
        let first = write(&mut session, true);
        assert_eq!(first[..7], [6, 5, b'O', b'r', b'd', b'e', b'r']);
        assert_eq!(first[7..], document);
        assert_eq!(write(&mut session, true), [&[0][..], &document].concat());
        assert_eq!(write(&mut session, false), document);
    }

    /// A writer made after one dropped mid-document (an element still open, its declarations
    /// in scope) writes what the thread's first writer did: the vectors it is handed are empty.
    #[test]
    fn a_writer_after_one_dropped_mid_document_writes_as_the_first() {
        fn write(w: &mut Writer<'_>, open: bool) {
            let ns = XmlString::inline("urn:a");
            w.start_element(Some("p"), XmlString::inline("e"), Some(ns))
                .unwrap();
            w.xmlns(Some("q"), XmlString::inline("urn:b")).unwrap();
            w.start_element(None, XmlString::inline("f"), Some(ns))
                .unwrap();
            if !open {
                w.end_element().unwrap();
            }
        }
        for text in [false, true] {
            let new = || match text {
                true => Writer::text(Vec::new()),
                false => Writer::new(),
            };
            let mut first = new();
            write(&mut first, false);
            let expected = first.finish().unwrap();
            for _ in 0..3 {
                let mut dropped = new();
                write(&mut dropped, true);
                drop(dropped);
                let mut w = new();
                write(&mut w, false);
                assert_eq!(w.finish().unwrap(), expected, "text: {text}");
            }
        }
    }

    /// The byte-wise test agrees with the character-wise rule for every ASCII character.
    #[test]
    fn ascii_name_set_matches_the_rule() {
        for b in 0u8..128 {
            let c = char::from(b);
            let rule = c.is_whitespace()
                || c < ' '
                || matches!(
                    c,
                    '<' | '>' | '&' | '"' | '\'' | '=' | '/' | '!' | '?' | ':'
                );
            assert_eq!(bad_name(c.encode_utf8(&mut [0; 4])), rule, "{b:#04x}");
        }
        for s in [
            "",
            "a",
            "ab",
            "abc",
            "Abcd",
            "InStock",
            "Histogram",
            "LongerNameOfSixteen",
        ] {
            assert!(letters_only(s.as_bytes()), "{s}");
        }
        for s in [
            "1",
            "a1",
            "1bc",
            "ab-c",
            "Line1",
            "abcdefgh.",
            "ü",
            "Zürich",
        ] {
            assert!(!letters_only(s.as_bytes()), "{s}");
        }
        assert!(bad_name("a\u{2003}b"));
        assert!(!bad_name("Zürich"));
    }

    /// The dictionary-string constructors' flag and the writer's own test agree, so a name
    /// flagged plain skips no check the writer would have made.
    #[test]
    fn constructor_flag_matches_the_writer_test() {
        let bytes = (0u8..=255).filter(|&b| b.is_ascii());
        let mut names: Vec<String> = bytes
            .map(|b| format!("ab{}cdefghij", char::from(b)))
            .collect();
        names.extend(["", "a", "Line1", "Zürich", "OrderLine", "é", "x y"].map(String::from));
        for name in &names {
            let runtime = !name.is_empty() && name.bytes().all(|b| (0x40..0x80).contains(&b));
            for s in [XmlString::dynamic(name), XmlString::from_static(name, 2)] {
                assert_eq!(s.is_plain_name(), runtime, "{name:?}");
                assert_eq!(plain(s), runtime, "{name:?}");
            }
            assert!(!XmlString::inline(name).is_plain_name(), "{name:?}");
            assert_eq!(plain(XmlString::inline(name)), runtime, "{name:?}");
        }
    }

    /// A name read from binary XML may hold anything; written as text it must not inject markup
    /// (found by fuzzing: an element named `b x="1"` became an attribute).
    #[test]
    fn names_that_would_change_the_markup_are_refused() {
        let ns = Some(XmlString::inline("urn:x"));
        for name in ["b x=\"1\"", "a:b", "<!a", "b/", "a b", "q'y"] {
            let mut w = Writer::text(Vec::new());
            let r = w.start_element(None, XmlString::inline(name), ns);
            assert!(
                matches!(r, Err(EncodeError::InvalidName(_))),
                "{name}: {r:?}"
            );
            let mut w = Writer::text(Vec::new());
            w.start_element(None, XmlString::inline("ok"), ns).unwrap();
            let r = w.attribute(None, XmlString::inline(name), None, &Value::Bool(true));
            assert!(
                matches!(r, Err(EncodeError::InvalidName(_))),
                "{name}: {r:?}"
            );
        }
        let mut w = Writer::text(Vec::new());
        assert!(w
            .start_element(Some("p x"), XmlString::inline("e"), ns)
            .is_err());
        let mut w = Writer::text(Vec::new());
        assert!(w
            .start_element(Some("p"), XmlString::inline("e-1.x_y"), ns)
            .is_ok());
    }

    /// A prefix whose third byte falls inside a character is checked for `xml` by bytes (found
    /// by fuzzing: slicing it as a string panicked).
    #[test]
    fn a_non_ascii_prefix_is_declared() {
        for output in [Writer::text(Vec::new()), Writer::new()] {
            let mut w = output;
            let ns = Some(XmlString::inline("urn:x"));
            w.start_element(Some("ym\u{69b}V"), XmlString::inline("e"), ns)
                .unwrap();
            w.end_element().unwrap();
            assert!(!w.finish().unwrap().is_empty());
        }
    }
}
