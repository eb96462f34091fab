//! The pull reader: binary XML bytes in, [`Event`]s out, borrowing names and text from the input.

use std::cell::Cell;
use std::collections::HashSet;

use crate::cursor::Cursor;
use crate::dictionary::Dictionary;
use crate::error::{DecodeError, DecodeErrorKind as K};
use crate::name_table::{NameTableQuota, Taken};
use crate::record::{self as r, ArrayType};
use crate::session::ReaderSession;
use crate::string::{StringSource, XmlString};
use crate::value::{DateTime, Decimal, Guid, QName, TimeSpan, Utf16, Value, ValueList};

/// Namespace bound to the `xml` prefix.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
/// Namespace of namespace declarations.
pub const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// Limits the reader enforces, named after .NET's `XmlDictionaryReaderQuotas`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// Deepest element nesting allowed (.NET `MaxDepth`).
    pub max_depth: usize,
    /// Longest text or attribute value, in bytes of the record (.NET `MaxStringContentLength`).
    pub max_string_content_length: usize,
    /// Most items in one Array record (.NET `MaxArrayLength`).
    pub max_array_length: usize,
    /// Most bytes the attributes of one element may take (.NET `MaxBytesPerRead`, which .NET's
    /// readers of a message in memory apply to a start tag's attributes).
    pub max_bytes_per_read: usize,
    /// Most characters the distinct names read inline may hold together: prefixes, local names
    /// and namespace URIs written in the message (.NET `MaxNameTableCharCount`; see
    /// [`NameTableQuota`](crate::NameTableQuota)). Dictionary strings are not counted: the
    /// static dictionary is fixed and the session's are bounded by the session quota.
    pub max_name_table_char_count: usize,
}

impl Quotas {
    /// WCF's defaults: depth 32, strings 8192, arrays 16384, 4096 bytes per read, names 16384.
    pub const WCF: Quotas = Quotas {
        max_depth: 32,
        max_string_content_length: 8192,
        max_array_length: 16384,
        max_bytes_per_read: 4096,
        max_name_table_char_count: 16384,
    };

    /// No limit beyond the input's size, for tools; depth is still capped at 4096.
    pub const TOOLS: Quotas = Quotas {
        max_depth: 4096,
        max_string_content_length: usize::MAX,
        max_array_length: usize::MAX,
        max_bytes_per_read: usize::MAX,
        max_name_table_char_count: usize::MAX,
    };
}

impl Default for Quotas {
    fn default() -> Self {
        Self::WCF
    }
}

/// One step of a binary XML document.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// An element start; its attributes are in [`Reader::attributes`] until the next call.
    StartElement(Element<'a>),
    /// The end of the innermost open element (from EndElement or a WithEndElement text record).
    EndElement,
    /// A text node.
    Text(Value<'a>),
    /// A comment.
    Comment(&'a str),
    /// An Array record: `count` elements of the same name, each holding one typed value. Its
    /// attributes are in [`Reader::attributes`] until the next call.
    Array(Array<'a>),
}

/// The kind of node [`Reader::read`] moved to; the node itself is read with the accessors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    /// An element start: [`Reader::element`], [`Reader::attributes`].
    StartElement,
    /// The end of the innermost open element.
    EndElement,
    /// Text: [`Reader::value`].
    Text,
    /// A comment: [`Reader::comment`].
    Comment,
    /// An Array record: [`Reader::array`], [`Reader::attributes`].
    Array,
    /// The end of the input.
    None,
}

/// An element's name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Element<'a> {
    /// The prefix (empty for none).
    pub prefix: &'a str,
    /// The local name.
    pub local_name: XmlString<'a>,
    /// The namespace the prefix is bound to (empty for none).
    pub namespace: XmlString<'a>,
}

/// An attribute or a namespace declaration, in the order the records came.
#[derive(Debug, Clone, PartialEq)]
pub enum Attribute<'a> {
    /// An ordinary attribute.
    Value {
        /// The prefix (empty for none).
        prefix: &'a str,
        /// The local name.
        local_name: XmlString<'a>,
        /// The namespace of the prefix (empty when there is no prefix).
        namespace: XmlString<'a>,
        /// The value.
        value: Value<'a>,
    },
    /// `xmlns="…"` (empty prefix) or `xmlns:prefix="…"`.
    Xmlns {
        /// The declared prefix (empty for the default namespace).
        prefix: &'a str,
        /// The namespace.
        namespace: XmlString<'a>,
    },
}

/// The payload of an Array record.
#[derive(Debug, Clone, PartialEq)]
pub struct Array<'a> {
    /// The name every item element has.
    pub element: Element<'a>,
    /// Item type.
    pub item_type: ArrayType,
    /// Raw little-endian items, `count × item_size` bytes.
    pub data: &'a [u8],
}

impl<'a> Array<'a> {
    /// Number of items.
    pub fn len(&self) -> usize {
        self.data.len() / self.item_type.item_size()
    }

    /// Always false: an Array record has at least one item.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Item `i` as a value.
    pub fn value(&self, i: usize) -> Option<Value<'static>> {
        let size = self.item_type.item_size();
        self.data
            .get(i * size..(i + 1) * size)
            .map(|c| array_item(self.item_type, c))
    }

    /// The items as values. DateTime items beyond year 9999 were rejected when read.
    pub fn values(&self) -> impl ExactSizeIterator<Item = Value<'static>> + '_ {
        let size = self.item_type.item_size();
        let ty = self.item_type;
        self.data.chunks_exact(size).map(move |c| array_item(ty, c))
    }
}

pub(crate) fn array_item(ty: ArrayType, c: &[u8]) -> Value<'static> {
    let a8 = |c: &[u8]| -> [u8; 8] { c.try_into().expect("8-byte item") };
    match ty {
        ArrayType::Bool => Value::Bool(c[0] != 0),
        ArrayType::Int16 => Value::Int32(i16::from_le_bytes([c[0], c[1]]).into()),
        ArrayType::Int32 => Value::Int32(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        ArrayType::Int64 => Value::Int64(i64::from_le_bytes(a8(c))),
        ArrayType::Float => Value::Float(f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        ArrayType::Double => Value::Double(f64::from_le_bytes(a8(c))),
        ArrayType::Decimal => Value::Decimal(Decimal::from_bytes(c.try_into().expect("16 bytes"))),
        ArrayType::DateTime => Value::DateTime(
            DateTime::from_wire(u64::from_le_bytes(a8(c))).unwrap_or(DateTime {
                ticks: DateTime::MAX_TICKS,
                kind: crate::value::DateTimeKind::Unspecified,
            }),
        ),
        ArrayType::TimeSpan => Value::TimeSpan(TimeSpan(i64::from_le_bytes(a8(c)))),
        ArrayType::Guid => Value::Guid(Guid(c.try_into().expect("16 bytes"))),
    }
}

/// A pull reader over one binary XML document.
///
/// ```
/// use soapws_nbfs::{Reader, Event, Value};
/// let bytes = [0x40, 0x01, b'a', 0x99, 0x02, b'h', b'i'];
/// let mut reader = Reader::new(&bytes);
/// assert!(matches!(reader.next_event()?, Some(Event::StartElement(e)) if e.local_name == "a"));
/// assert_eq!(reader.next_event()?, Some(Event::Text(Value::Str("hi"))));
/// assert_eq!(reader.next_event()?, Some(Event::EndElement));
/// assert_eq!(reader.next_event()?, None);
/// # Ok::<(), soapws_nbfs::DecodeError>(())
/// ```
pub struct Reader<'a> {
    cur: Cursor<'a>,
    dictionary: Option<&'a dyn Dictionary>,
    session: Option<&'a ReaderSession>,
    quotas: Quotas,
    /// Namespace declarations in scope, innermost last, each with the depth of the element
    /// that made it (0 for a fragment's bindings).
    namespaces: Vec<Binding<'a>>,
    /// Number of open elements.
    depth: usize,
    attributes: Vec<Attribute<'a>>,
    /// What the next step does before reading a record ([`PENDING_END`], [`PENDING_SCOPE`],
    /// [`FRAGMENT_DONE`]): mostly nothing, which one test tells.
    pending: u8,
    /// Reading the content of an element opened before the input starts: an EndElement at
    /// depth 0 ends the input.
    fragment: bool,
    /// The current node, as `read` left it.
    element: Element<'a>,
    value: Value<'a>,
    comment: &'a str,
    array: (ArrayType, &'a [u8]),
    /// Names read lately, by [`name_slot`] (empty until the first name is kept): a document
    /// repeats its names, and an equal one found here needs no UTF-8 validation.
    recent_names: Vec<&'a str>,
    /// The last prefix declared or an element was resolved with, and its namespace, while the
    /// declarations in scope stay the same (elements in a row mostly share their prefix).
    last_binding: Option<(&'a str, XmlString<'a>)>,
    /// The names read inline, against [`Quotas::max_name_table_char_count`].
    names: NameTableQuota<'a>,
}

/// [`Reader::pending`]: a WithEndElement text record was returned; its EndElement comes next.
/// The low bit of a text record's type, which says the same.
const PENDING_END: u8 = 1;
/// [`Reader::pending`]: the element just ended (or an Array's element) made declarations; they
/// stay in scope while the caller looks at the event and are dropped at the next step.
const PENDING_SCOPE: u8 = 2;
/// [`Reader::pending`]: the fragment's closing EndElement was read.
const FRAGMENT_DONE: u8 = 4;

/// A namespace declaration in scope.
#[derive(Debug, Clone, Copy)]
struct Binding<'a> {
    prefix: &'a str,
    namespace: XmlString<'a>,
    /// Depth of the element that declared it.
    depth: usize,
}

/// The vectors a [`Reader`] fills as it reads, kept emptied between readers: a reader dropped
/// leaves them to the next reader made on the same thread, so a connection (or a server thread)
/// reading one message after another allocates them once.
#[derive(Default)]
struct Buffers {
    namespaces: Vec<Binding<'static>>,
    attributes: Vec<Attribute<'static>>,
    recent_names: Vec<&'static str>,
}

/// Room for a typical SOAP message's declarations; attributes (rarer than elements in most
/// bodies) get room when the first is read.
const NAMESPACES_ROOM: usize = 16;

/// Vectors grown past this many entries (a document with thousands of attributes) are freed
/// rather than kept for the next reader.
const MAX_KEPT: usize = 1024;

thread_local! {
    /// The vectors of the last reader dropped on this thread.
    static SPARE: Cell<Buffers> = const {
        Cell::new(Buffers {
            namespaces: Vec::new(),
            attributes: Vec::new(),
            recent_names: Vec::new(),
        })
    };
}

impl Buffers {
    /// The thread's spare vectors (or new ones, with room for the namespaces).
    fn take() -> Self {
        let mut buffers = SPARE.try_with(Cell::take).unwrap_or_default();
        if buffers.namespaces.capacity() == 0 {
            buffers.namespaces.reserve(NAMESPACES_ROOM);
        }
        buffers
    }

    /// Leaves the vectors of a reader, emptied, to the thread's next reader.
    fn keep(namespaces: Vec<Binding<'_>>, attributes: Vec<Attribute<'_>>, recent_names: Vec<&str>) {
        // A reader that never had the thread's vectors (a list's) leaves them where they are.
        let kept = |capacity: usize| (1..=MAX_KEPT).contains(&capacity);
        if !kept(namespaces.capacity()) || attributes.capacity() > MAX_KEPT {
            return;
        }
        let buffers = Buffers {
            namespaces: recycle(namespaces, |_| Binding {
                prefix: "",
                namespace: XmlString::inline(""),
                depth: 0,
            }),
            attributes: recycle(attributes, |_| Attribute::Xmlns {
                prefix: "",
                namespace: XmlString::inline(""),
            }),
            recent_names: recycle(recent_names, |_| ""),
        };
        // During thread teardown there is no next reader: the vectors are freed.
        let _ = SPARE.try_with(|spare| spare.set(buffers));
    }
}

/// `v` emptied, as a vector of another lifetime, keeping its allocation: the standard library
/// collects a vector's own iterator in place when the items have the same layout (`empty`,
/// never called, makes an item of the new lifetime).
fn recycle<T, U>(mut v: Vec<T>, empty: fn(T) -> U) -> Vec<U> {
    v.clear();
    v.into_iter().map(empty).collect()
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        Buffers::keep(
            std::mem::take(&mut self.namespaces),
            std::mem::take(&mut self.attributes),
            std::mem::take(&mut self.recent_names),
        );
    }
}

/// Size of [`Reader`]'s cache of recent names.
const RECENT_NAMES: usize = 16;

/// Where a name of these bytes is kept in the cache of recent names.
#[inline]
fn name_slot(bytes: &[u8]) -> usize {
    let first = bytes.first().map_or(0, |&b| usize::from(b));
    (bytes.len() + 3 * first) % RECENT_NAMES
}

impl<'a> Reader<'a> {
    /// A reader with no dictionary (plain [MC-NBFX]) and WCF's default quotas.
    #[inline(always)]
    pub fn new(input: &'a [u8]) -> Self {
        Self::with_buffers(input, Buffers::take())
    }

    /// A reader filling `buffers`.
    #[inline(always)]
    fn with_buffers(input: &'a [u8], buffers: Buffers) -> Self {
        Self {
            cur: Cursor::new(input, 0),
            dictionary: None,
            session: None,
            quotas: Quotas::default(),
            namespaces: buffers.namespaces,
            depth: 0,
            attributes: buffers.attributes,
            pending: 0,
            fragment: false,
            element: Element {
                prefix: "",
                local_name: XmlString::inline(""),
                namespace: XmlString::inline(""),
            },
            value: Value::Str(""),
            comment: "",
            array: (ArrayType::Bool, &[]),
            recent_names: buffers.recent_names,
            last_binding: None,
            names: NameTableQuota::new(Quotas::WCF.max_name_table_char_count),
        }
    }

    /// Resolves even dictionary keys in `dictionary` (e.g. [`crate::Nbfs`]).
    #[inline(always)]
    pub fn with_dictionary(mut self, dictionary: &'a dyn Dictionary) -> Self {
        self.dictionary = Some(dictionary);
        self
    }

    /// Resolves odd dictionary keys in `session`.
    #[inline(always)]
    pub fn with_session(mut self, session: &'a ReaderSession) -> Self {
        self.session = Some(session);
        self
    }

    /// Replaces the quotas.
    #[inline(always)]
    pub fn with_quotas(mut self, quotas: Quotas) -> Self {
        self.quotas = quotas;
        self.names.set_max(quotas.max_name_table_char_count);
        self
    }

    /// Reads the content of an element whose start tag came before `input`: `namespaces` are the
    /// bindings in scope there, and the EndElement that closes it ends the input (the reader
    /// then returns `Ok(None)` and [`Reader::offset`] is just past it).
    #[inline(always)]
    pub fn fragment(
        mut self,
        namespaces: impl IntoIterator<Item = (&'a str, XmlString<'a>)>,
    ) -> Self {
        self.namespaces
            .extend(namespaces.into_iter().map(|(prefix, namespace)| Binding {
                prefix,
                namespace,
                depth: 0,
            }));
        self.fragment = true;
        self
    }

    /// Reports error offsets relative to an input that starts `base` bytes earlier (e.g. past a
    /// session string table).
    #[inline(always)]
    pub fn with_base_offset(mut self, base: usize) -> Self {
        let data = self.cur;
        debug_assert_eq!(data.position(), 0);
        self.cur = Cursor::new(self.remaining_input(), base);
        self
    }

    fn remaining_input(&self) -> &'a [u8] {
        let mut c = self.cur;
        c.take(c.remaining()).unwrap_or_default()
    }

    /// Offset of the next unread byte.
    pub fn offset(&self) -> usize {
        self.cur.offset()
    }

    /// Number of elements open.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Attributes and namespace declarations of the last [`Event::StartElement`] or
    /// [`Event::Array`], in record order.
    pub fn attributes(&self) -> &[Attribute<'a>] {
        &self.attributes
    }

    /// True when the next event will be text (so a caller joining adjacent text need not read
    /// ahead to find out).
    pub fn next_is_text(&self) -> bool {
        self.pending & (PENDING_END | FRAGMENT_DONE) == 0 && self.cur.peek().is_some_and(r::is_text)
    }

    /// The namespace declarations in scope, outermost first (later ones shadow earlier ones).
    pub fn namespaces_in_scope(
        &self,
    ) -> impl Iterator<Item = (&'a str, XmlString<'a>)> + Clone + '_ {
        self.namespaces.iter().map(|b| (b.prefix, b.namespace))
    }

    /// The namespace `prefix` is bound to at the current position.
    pub fn lookup_namespace(&self, prefix: &str) -> Option<XmlString<'a>> {
        if let Some(b) = self
            .namespaces
            .iter()
            .rev()
            .find(|b| crate::string::short_eq(b.prefix.as_bytes(), prefix.as_bytes()))
        {
            return Some(b.namespace);
        }
        match prefix {
            "" => Some(XmlString::inline("")),
            "xml" => Some(XmlString::inline(XML_NAMESPACE)),
            "xmlns" => Some(XmlString::inline(XMLNS_NAMESPACE)),
            _ => None,
        }
    }

    /// The next event; `Ok(None)` at the end of a well-formed document.
    #[allow(clippy::should_implement_trait)]
    pub fn next_event(&mut self) -> Result<Option<Event<'a>>, DecodeError> {
        self.step(Self::event, |_, value| Some(Event::Text(value)))
    }

    /// The event of the node just moved to.
    #[inline(always)]
    fn event(&mut self, node: NodeType) -> Option<Event<'a>> {
        Some(match node {
            NodeType::None => return None,
            NodeType::StartElement => Event::StartElement(self.element),
            NodeType::EndElement => Event::EndElement,
            NodeType::Text => Event::Text(self.value),
            NodeType::Comment => Event::Comment(self.comment),
            NodeType::Array => Event::Array(self.array()),
        })
    }

    /// The current (or last) element: the start element or the Array's element.
    pub fn element(&self) -> Element<'a> {
        self.element
    }

    /// The current text value.
    pub fn value(&self) -> &Value<'a> {
        &self.value
    }

    /// The current comment.
    pub fn comment(&self) -> &'a str {
        self.comment
    }

    /// The current Array record.
    pub fn array(&self) -> Array<'a> {
        Array {
            element: self.element,
            item_type: self.array.0,
            data: self.array.1,
        }
    }

    /// Moves to the next node and says what it is; the node is then read with
    /// [`Reader::element`], [`Reader::value`], [`Reader::comment`] or [`Reader::array`]. The
    /// same checks as [`Reader::next_event`], without building an event.
    #[inline]
    pub fn read(&mut self) -> Result<NodeType, DecodeError> {
        self.step(|_, node| node, |_, _| NodeType::Text)
    }

    /// Moves to the next node and returns what `emit` makes of it (`text` of a text node's
    /// value), called where the node is found: an event is then built from values the step
    /// still holds, not read back after all the ways of reading a node have joined (a text
    /// value read back right after each record's own stores wrote it would stall).
    #[inline(always)]
    fn step<T>(
        &mut self,
        emit: impl FnOnce(&mut Self, NodeType) -> T,
        text: impl FnOnce(&mut Self, Value<'a>) -> T,
    ) -> Result<T, DecodeError> {
        if self.pending != 0 {
            if let Some(node) = self.pending_step() {
                return Ok(emit(self, node));
            }
        }
        let Some(t) = self.cur.peek() else {
            return match (self.depth, self.fragment) {
                (0, false) => Ok(emit(self, NodeType::None)),
                (n, _) => Err(self
                    .cur
                    .error(K::UnclosedElements(n + usize::from(self.fragment)))),
            };
        };
        let at = self.cur.position();
        self.cur.u8()?;
        match t {
            r::END_ELEMENT => {
                if self.depth == 0 {
                    if self.fragment {
                        self.pending |= FRAGMENT_DONE;
                        return Ok(emit(self, NodeType::None));
                    }
                    return Err(self.cur.error_at(at, K::UnbalancedEndElement));
                }
                self.end_element();
                Ok(emit(self, NodeType::EndElement))
            }
            r::COMMENT => {
                self.comment = self.cur.string()?;
                Ok(emit(self, NodeType::Comment))
            }
            r::ARRAY => {
                self.read_array(at)?;
                Ok(emit(self, NodeType::Array))
            }
            _ if r::is_element(t) => {
                let element = self.start_element(t, at)?;
                self.depth += 1;
                // Stored last: the event is then built from these values, not read back.
                self.element = element;
                Ok(emit(self, NodeType::StartElement))
            }
            _ if r::is_text(t) => {
                if self.depth == 0 && !self.fragment {
                    let node = self.text_outside_root(t, at)?;
                    return Ok(emit(self, node));
                }
                self.text_with(
                    t,
                    at,
                    #[inline(always)]
                    |r, value| {
                        r.set_value(value);
                        r.pending |= t & PENDING_END;
                        text(r, value)
                    },
                )
            }
            _ if r::is_attribute(t) => Err(self.cur.error_at(
                at,
                K::MisplacedRecord {
                    record: t,
                    context: "outside an element start",
                },
            )),
            _ => Err(self.cur.error_at(at, K::UnknownRecord(t))),
        }
    }

    /// Reads the rest of the current element's content when it is one text record that ends
    /// the element (a WithEndElement record) or nothing, and returns true: the value is then
    /// [`Reader::value`] (`""` for nothing) and the reader is past the element's end, as if
    /// [`Reader::read`] had returned [`NodeType::EndElement`]. Any other content is left unread
    /// and gives false.
    ///
    /// The commonest element of a SOAP body is `<a>value</a>`; read from its start this takes
    /// one step instead of the two that return the text and then the end.
    #[inline]
    pub fn read_simple_content(&mut self) -> Result<bool, DecodeError> {
        let Some(t) = self.cur.peek() else {
            return Ok(false);
        };
        if self.pending & PENDING_END != 0 || self.depth == 0 {
            return Ok(false);
        }
        let at = self.cur.position();
        if t == r::END_ELEMENT {
            self.cur.u8()?;
            self.set_value(Value::Str(""));
        } else if r::is_text(t) && t % 2 == 1 {
            self.cur.u8()?;
            self.text_with(
                t,
                at,
                #[inline(always)]
                |r, value| r.set_value(value),
            )?;
        } else {
            return Ok(false);
        }
        self.end_element();
        Ok(true)
    }

    /// A text record outside the root element: only white space, and no end of element.
    #[cold]
    fn text_outside_root(&mut self, t: u8, at: usize) -> Result<NodeType, DecodeError> {
        let value = self.text_value(t, at)?;
        if t % 2 == 1 {
            return Err(self.cur.error_at(at, K::UnbalancedEndElement));
        }
        if !value.is_whitespace() {
            return Err(self.cur.error_at(at, K::TextOutsideRoot));
        }
        self.set_value(value);
        Ok(NodeType::Text)
    }

    /// Makes `value` the current text value.
    #[inline(always)]
    fn set_value(&mut self, value: Value<'a>) {
        self.value = value;
    }

    /// What [`Reader::pending`] asks for: drops the declarations of the element just ended, then
    /// returns the node a pending end makes, or the end of a finished fragment.
    #[inline(always)]
    fn pending_step(&mut self) -> Option<NodeType> {
        if self.pending & PENDING_SCOPE != 0 {
            self.drop_scope();
        }
        if self.pending & PENDING_END != 0 {
            self.pending &= !PENDING_END;
            if self.fragment && self.depth == 0 {
                self.pending |= FRAGMENT_DONE;
                return Some(NodeType::None);
            }
            self.end_element();
            return Some(NodeType::EndElement);
        }
        (self.pending & FRAGMENT_DONE != 0).then_some(NodeType::None)
    }

    fn end_element(&mut self) {
        self.scope_ends_at(self.depth);
        self.depth -= 1;
    }

    /// Marks the declarations of the element at `depth`, if it made any, to be dropped at the
    /// next step.
    #[inline(always)]
    fn scope_ends_at(&mut self, depth: usize) {
        if self.namespaces.last().is_some_and(|b| b.depth >= depth) {
            self.pending |= PENDING_SCOPE;
        }
    }

    /// Drops the declarations of the element just ended (made deeper than the current depth).
    #[inline(never)]
    fn drop_scope(&mut self) {
        self.pending &= !PENDING_SCOPE;
        while self.namespaces.last().is_some_and(|b| b.depth > self.depth) {
            self.namespaces.pop();
        }
        self.last_binding = None;
    }

    /// Reads an element record and its attributes; declarations stay in scope from
    /// `self.scope_start`. Inlined, so that the element goes to the event field by field (an
    /// element stored and copied right after in wider pieces stalls).
    #[inline(always)]
    fn start_element(&mut self, t: u8, at: usize) -> Result<Element<'a>, DecodeError> {
        if self.depth >= self.quotas.max_depth {
            return Err(self
                .cur
                .error_at(at, K::DepthExceeded(self.quotas.max_depth)));
        }
        let (prefix, local_name) = match t {
            r::SHORT_ELEMENT => ("", self.inline_name()?),
            r::ELEMENT => (self.prefix()?, self.inline_name()?),
            r::SHORT_DICTIONARY_ELEMENT => ("", self.dictionary_string()?),
            r::DICTIONARY_ELEMENT => (self.prefix()?, self.dictionary_string()?),
            r::PREFIX_DICTIONARY_ELEMENT_A..=r::PREFIX_DICTIONARY_ELEMENT_Z => (
                r::letter(t - r::PREFIX_DICTIONARY_ELEMENT_A),
                self.dictionary_string()?,
            ),
            _ => (r::letter(t - r::PREFIX_ELEMENT_A), self.inline_name()?),
        };
        if local_name.as_str().is_empty() {
            return Err(self.cur.error_at(at, K::InvalidName("empty element name")));
        }
        self.read_attributes()?;
        let namespace = match self.last_binding {
            Some((p, ns)) if crate::string::short_eq(p.as_bytes(), prefix.as_bytes()) => ns,
            _ => {
                let ns = self.lookup_namespace(prefix).ok_or_else(|| {
                    self.cur
                        .error_at(at, K::UndeclaredPrefix(prefix.to_owned()))
                })?;
                self.last_binding = Some((prefix, ns));
                ns
            }
        };
        Ok(Element {
            prefix,
            local_name,
            namespace,
        })
    }

    /// A String record field holding a prefix; one letter (what WCF writes) is told first.
    #[inline(always)]
    fn prefix(&mut self) -> Result<&'a str, DecodeError> {
        match self.cur.one_letter() {
            Some(i) => Ok(r::letter(i)),
            None => self.any_prefix(),
        }
    }

    fn any_prefix(&mut self) -> Result<&'a str, DecodeError> {
        let at = self.cur.position();
        let p = self.name_string()?;
        match p {
            "" => Err(self.cur.error_at(at, K::InvalidName("empty prefix"))),
            "xmlns" => Err(self.cur.error_at(at, K::InvalidName("prefix 'xmlns'"))),
            _ => Ok(p),
        }
    }

    fn inline_name(&mut self) -> Result<XmlString<'a>, DecodeError> {
        self.name_string().map(XmlString::inline)
    }

    /// A String record field holding a name or prefix. A one-letter name (a prefix mostly) is
    /// the static letter; an equal name read before is returned from the cache (the same text,
    /// borrowed from its earlier occurrence in the input).
    fn name_string(&mut self) -> Result<&'a str, DecodeError> {
        if let Some(i) = self.cur.one_letter() {
            return Ok(r::letter(i));
        }
        let len = self.cur.mb31()? as usize;
        let at = self.cur.position();
        let bytes = self.cur.take(len)?;
        let slot = name_slot(bytes);
        if let Some(&recent) = self.recent_names.get(slot) {
            if crate::string::short_eq(recent.as_bytes(), bytes) {
                return Ok(recent);
            }
        }
        let name = std::str::from_utf8(bytes).map_err(|_| self.cur.error_at(at, K::InvalidUtf8))?;
        // A name found in the cache was counted when first read.
        self.count_name(name, at)?;
        if self.recent_names.is_empty() {
            self.recent_names.resize(RECENT_NAMES, "");
        }
        self.recent_names[slot] = name;
        Ok(name)
    }

    /// Counts a name read inline (at `at`) against the name table quota.
    #[inline(always)]
    fn count_name(&mut self, name: &'a str, at: usize) -> Result<(), DecodeError> {
        match self.names.take(name) {
            Taken::Within => Ok(()),
            Taken::Count => self.count_name_exactly(name, at),
        }
    }

    /// The name budget is spent: distinct names are counted, the first time from a second
    /// reading of the input up to the record being read.
    #[cold]
    #[inline(never)]
    fn count_name_exactly(&mut self, name: &'a str, at: usize) -> Result<(), DecodeError> {
        let max = self.quotas.max_name_table_char_count;
        if !self.names.is_exact() {
            let earlier = self.names_read_before(at)?;
            self.names.count_exactly(max, earlier);
        }
        if self.names.add(name) {
            return Ok(());
        }
        Err(self.cur.error_at(at, K::NameTableCharCountExceeded(max)))
    }

    /// The names read inline from the start of the input through the node holding byte `at`
    /// (the reading is repeated by a reader with the same dictionary, session and fragment
    /// bindings, which reads no further).
    fn names_read_before(&self, at: usize) -> Result<HashSet<&'a str>, DecodeError> {
        let mut again = Reader::new(self.cur.input())
            .with_quotas(Quotas::TOOLS)
            .fragment(
                self.namespaces
                    .iter()
                    .filter(|b| b.depth == 0)
                    .map(|b| (b.prefix, b.namespace)),
            );
        again.fragment = self.fragment;
        again.dictionary = self.dictionary;
        again.session = self.session;
        let inline = |s: XmlString<'a>| (s.source() == StringSource::Inline).then(|| s.as_str());
        // A set: the names read before may repeat far more often than the budget counted
        // (names found in the cache of recent names are not counted again).
        let mut names = HashSet::new();
        while again.cur.position() <= at {
            let element = match again.next_event()? {
                None => break,
                Some(Event::StartElement(e)) => e,
                Some(Event::Array(a)) => a.element,
                Some(_) => continue,
            };
            names.insert(element.prefix);
            names.extend(inline(element.local_name));
            for a in &again.attributes {
                match *a {
                    Attribute::Value {
                        prefix, local_name, ..
                    } => {
                        names.insert(prefix);
                        names.extend(inline(local_name));
                    }
                    Attribute::Xmlns { prefix, namespace } => {
                        names.insert(prefix);
                        names.extend(inline(namespace));
                    }
                }
            }
        }
        Ok(names)
    }

    /// A DictionaryString field: a key resolved in the dictionary or the session. Inlined: the
    /// call and its returned `Result` had cost about as much as the lookup.
    #[inline(always)]
    fn dictionary_string(&mut self) -> Result<XmlString<'a>, DecodeError> {
        let at = self.cur.position();
        let key = self.cur.mb31()?;
        self.resolve_key(key, at)
    }

    /// The string of dictionary key `key` (read at `at`): an even key's from the dictionary, an
    /// odd key's from the session. Inlined as [`Reader::dictionary_string`] is.
    #[inline(always)]
    fn resolve_key(&self, key: u32, at: usize) -> Result<XmlString<'a>, DecodeError> {
        if key % 2 == 0 {
            self.dictionary
                .and_then(|d| d.get(key))
                .map(|s| XmlString::with_source(s, StringSource::Static(key)))
                .ok_or_else(|| self.cur.error_at(at, K::UndefinedStaticKey(key)))
        } else {
            self.session
                .and_then(|s| s.get(key))
                .map(|s| XmlString::from_session(s, key))
                .ok_or_else(|| self.cur.error_at(at, K::UndefinedSessionKey(key)))
        }
    }

    /// Reads the attribute records that follow an element record.
    #[inline(always)]
    fn read_attributes(&mut self) -> Result<(), DecodeError> {
        if !self.attributes.is_empty() {
            self.attributes.clear();
        }
        if !self.cur.peek().is_some_and(r::is_attribute) {
            return Ok(());
        }
        self.read_attribute_records()
    }

    fn read_attribute_records(&mut self) -> Result<(), DecodeError> {
        let first = self.cur.position();
        while let Some(t) = self.cur.peek().filter(|t| r::is_attribute(*t)) {
            let at = self.cur.position();
            self.cur.u8()?;
            let attr = match t {
                r::SHORT_XMLNS_ATTRIBUTE => {
                    let ns = self.namespace_string()?;
                    self.xmlns("", XmlString::inline(ns))
                }
                r::XMLNS_ATTRIBUTE => {
                    let p = self.prefix()?;
                    let ns = self.namespace_string()?;
                    self.xmlns(p, XmlString::inline(ns))
                }
                r::SHORT_DICTIONARY_XMLNS_ATTRIBUTE => {
                    let ns = self.dictionary_string()?;
                    self.xmlns("", ns)
                }
                r::DICTIONARY_XMLNS_ATTRIBUTE => {
                    let p = self.prefix()?;
                    let ns = self.dictionary_string()?;
                    self.xmlns(p, ns)
                }
                _ => {
                    let (prefix, local_name) = match t {
                        r::SHORT_ATTRIBUTE => ("", self.inline_name()?),
                        r::ATTRIBUTE => (self.prefix()?, self.inline_name()?),
                        r::SHORT_DICTIONARY_ATTRIBUTE => ("", self.dictionary_string()?),
                        r::DICTIONARY_ATTRIBUTE => (self.prefix()?, self.dictionary_string()?),
                        r::PREFIX_DICTIONARY_ATTRIBUTE_A..=r::PREFIX_DICTIONARY_ATTRIBUTE_Z => (
                            r::letter(t - r::PREFIX_DICTIONARY_ATTRIBUTE_A),
                            self.dictionary_string()?,
                        ),
                        _ => (r::letter(t - r::PREFIX_ATTRIBUTE_A), self.inline_name()?),
                    };
                    if local_name.as_str().is_empty() {
                        return Err(self
                            .cur
                            .error_at(at, K::InvalidName("empty attribute name")));
                    }
                    let vt_at = self.cur.position();
                    let vt = self.cur.u8()?;
                    if !r::is_text(vt) || vt % 2 == 1 || vt == r::END_LIST_TEXT {
                        return Err(self.cur.error_at(
                            vt_at,
                            K::MisplacedRecord {
                                record: vt,
                                context: "as an attribute value",
                            },
                        ));
                    }
                    let value = self.text_value(vt, vt_at)?;
                    Attribute::Value {
                        prefix,
                        local_name,
                        namespace: XmlString::inline(""),
                        value,
                    }
                }
            };
            self.attributes.push(attr);
        }
        if self.cur.position() - first > self.quotas.max_bytes_per_read {
            let max = self.quotas.max_bytes_per_read;
            return Err(self.cur.error_at(first, K::BytesPerReadExceeded(max)));
        }
        self.resolve_attribute_namespaces()
    }

    /// A String record field holding a namespace URI, counted against the name table quota.
    fn namespace_string(&mut self) -> Result<&'a str, DecodeError> {
        let at = self.cur.position();
        let ns = self.cur.string()?;
        self.count_name(ns, at)?;
        Ok(ns)
    }

    fn xmlns(&mut self, prefix: &'a str, namespace: XmlString<'a>) -> Attribute<'a> {
        self.namespaces.push(Binding {
            prefix,
            namespace,
            depth: self.depth + 1,
        });
        // The innermost binding of `prefix` now: an element in it (mostly the one declaring
        // it) takes the namespace from here rather than from the entry just pushed, which a
        // copy in wide pieces would read before the narrow stores writing it are done.
        self.last_binding = Some((prefix, namespace));
        Attribute::Xmlns { prefix, namespace }
    }

    /// Binds attribute prefixes (declarations may follow the attributes that use them) and
    /// rejects duplicates.
    fn resolve_attribute_namespaces(&mut self) -> Result<(), DecodeError> {
        let at = self.cur.position();
        for i in 0..self.attributes.len() {
            if let Attribute::Value { prefix, .. } = self.attributes[i] {
                if prefix.is_empty() {
                    continue;
                }
                let ns = self.lookup_namespace(prefix).ok_or_else(|| {
                    self.cur
                        .error_at(at, K::UndeclaredPrefix(prefix.to_owned()))
                })?;
                if let Attribute::Value { namespace, .. } = &mut self.attributes[i] {
                    *namespace = ns;
                }
            }
        }
        self.check_duplicates(at)
    }

    fn check_duplicates(&self, at: usize) -> Result<(), DecodeError> {
        let key = |a: &Attribute<'a>| -> (bool, &'a str, &'a str) {
            match a {
                Attribute::Value {
                    local_name,
                    namespace,
                    ..
                } => (false, namespace.as_str(), local_name.as_str()),
                Attribute::Xmlns { prefix, .. } => (true, "", prefix),
            }
        };
        let n = self.attributes.len();
        let duplicate = if n <= 16 {
            (0..n).any(|i| (i + 1..n).any(|j| key(&self.attributes[i]) == key(&self.attributes[j])))
        } else {
            let mut keys: Vec<_> = self.attributes.iter().map(key).collect();
            keys.sort_unstable();
            keys.windows(2).any(|w| w[0] == w[1])
        };
        if duplicate {
            return Err(self
                .cur
                .error_at(at, K::DuplicateAttribute(self.first_duplicate())));
        }
        Ok(())
    }

    fn first_duplicate(&self) -> String {
        let mut seen = std::collections::HashSet::new();
        for a in &self.attributes {
            let name = match a {
                Attribute::Value {
                    prefix,
                    local_name,
                    namespace,
                    ..
                } => {
                    let _ = prefix;
                    format!("{{{}}}{}", namespace, local_name)
                }
                Attribute::Xmlns { prefix, .. } => format!("xmlns:{prefix}"),
            };
            if !seen.insert(name.clone()) {
                return name;
            }
        }
        String::new()
    }

    fn read_array(&mut self, at: usize) -> Result<(), DecodeError> {
        let et_at = self.cur.position();
        let et = self.cur.u8()?;
        if !r::is_element(et) {
            return Err(self.cur.error_at(
                et_at,
                K::MisplacedRecord {
                    record: et,
                    context: "where an Array's element is expected",
                },
            ));
        }
        self.element = self.start_element(et, at)?;
        self.scope_ends_at(self.depth + 1);
        let end_at = self.cur.position();
        let end = self.cur.u8()?;
        if end != r::END_ELEMENT {
            return Err(self.cur.error_at(
                end_at,
                K::MisplacedRecord {
                    record: end,
                    context: "where an Array's EndElement is expected",
                },
            ));
        }
        let ty_at = self.cur.position();
        let ty = self.cur.u8()?;
        let item_type = ArrayType::from_record(ty)
            .ok_or_else(|| self.cur.error_at(ty_at, K::InvalidArrayType(ty)))?;
        let count_at = self.cur.position();
        let count = self.cur.mb31()? as usize;
        if count == 0 {
            return Err(self.cur.error_at(count_at, K::EmptyArray));
        }
        if count > self.quotas.max_array_length {
            return Err(self.cur.error_at(
                count_at,
                K::ArrayTooLong {
                    len: count,
                    max: self.quotas.max_array_length,
                },
            ));
        }
        let data = self.cur.take(count * item_type.item_size())?;
        if item_type == ArrayType::DateTime {
            for (i, c) in data.chunks_exact(8).enumerate() {
                let v = u64::from_le_bytes(c.try_into().expect("8-byte item"));
                if DateTime::from_wire(v).is_none() {
                    let pos = self.cur.position() - data.len() + 8 * i;
                    return Err(self
                        .cur
                        .error_at(pos, K::DateTimeOutOfRange(v & 0x3FFF_FFFF_FFFF_FFFF)));
                }
            }
        }
        self.array = (item_type, data);
        Ok(())
    }

    /// The value of text record `t` (type byte already consumed at `at`), for attribute values
    /// and list items.
    #[inline(never)]
    fn text_value(&mut self, t: u8, at: usize) -> Result<Value<'a>, DecodeError> {
        self.text_with(t, at, |_, value| value)
    }

    /// Reads the payload of text record `t` (type byte already consumed at `at`) and hands the
    /// value to `emit`. Inlined with `emit` into [`Reader::read`], which then stores the value
    /// without moving it through a returned `Result` (measured: copies in pieces unlike the
    /// stores that wrote them stall).
    #[inline(always)]
    fn text_with<R>(
        &mut self,
        t: u8,
        at: usize,
        emit: impl FnOnce(&mut Self, Value<'a>) -> R,
    ) -> Result<R, DecodeError> {
        let base = t & !1;
        // Each arm hands its value over itself: joined after the match, the variants' stores
        // were cut into common pieces (an `i64` stored as two halves) that the 8-byte load
        // reading the value back right after cannot be forwarded from.
        match base {
            r::ZERO_TEXT => Ok(emit(self, Value::Int32(0))),
            r::ONE_TEXT => Ok(emit(self, Value::Int32(1))),
            r::FALSE_TEXT => Ok(emit(self, Value::Bool(false))),
            r::TRUE_TEXT => Ok(emit(self, Value::Bool(true))),
            r::INT8_TEXT => {
                let value = Value::Int32(i8::from_le_bytes(self.cur.array()?).into());
                Ok(emit(self, value))
            }
            r::INT16_TEXT => {
                let value = Value::Int32(i16::from_le_bytes(self.cur.array()?).into());
                Ok(emit(self, value))
            }
            r::INT32_TEXT => {
                let value = Value::Int32(self.cur.i32()?);
                Ok(emit(self, value))
            }
            r::INT64_TEXT => {
                let value = Value::Int64(i64::from_le_bytes(self.cur.array()?));
                Ok(emit(self, value))
            }
            r::UINT64_TEXT => {
                let value = Value::UInt64(self.cur.u64()?);
                Ok(emit(self, value))
            }
            r::FLOAT_TEXT => {
                let value = Value::Float(f32::from_le_bytes(self.cur.array()?));
                Ok(emit(self, value))
            }
            r::DOUBLE_TEXT => {
                let value = Value::Double(f64::from_le_bytes(self.cur.array()?));
                Ok(emit(self, value))
            }
            r::DECIMAL_TEXT => {
                let value = Value::Decimal(Decimal::from_bytes(self.cur.array()?));
                Ok(emit(self, value))
            }
            r::DATE_TIME_TEXT => {
                let v = self.cur.u64()?;
                let value = Value::DateTime(DateTime::from_wire(v).ok_or_else(|| {
                    self.cur
                        .error_at(at, K::DateTimeOutOfRange(v & 0x3FFF_FFFF_FFFF_FFFF))
                })?);
                Ok(emit(self, value))
            }
            r::TIME_SPAN_TEXT => {
                let value = Value::TimeSpan(TimeSpan(i64::from_le_bytes(self.cur.array()?)));
                Ok(emit(self, value))
            }
            r::UNIQUE_ID_TEXT => {
                let value = Value::UniqueId(Guid(self.cur.array()?));
                Ok(emit(self, value))
            }
            r::UUID_TEXT => {
                let value = Value::Guid(Guid(self.cur.array()?));
                Ok(emit(self, value))
            }
            r::BOOL_TEXT => {
                let value = Value::Bool(self.cur.u8()? != 0);
                Ok(emit(self, value))
            }
            r::CHARS8_TEXT | r::CHARS16_TEXT | r::CHARS32_TEXT => {
                let len =
                    self.text_length(base, r::CHARS8_TEXT, self.quotas.max_string_content_length)?;
                let value = Value::Str(self.cur.utf8(len)?);
                Ok(emit(self, value))
            }
            r::BYTES8_TEXT | r::BYTES16_TEXT | r::BYTES32_TEXT => {
                let len = self.text_length(base, r::BYTES8_TEXT, self.quotas.max_array_length)?;
                let value = Value::Bytes(self.cur.take(len)?);
                Ok(emit(self, value))
            }
            r::UNICODE_CHARS8_TEXT | r::UNICODE_CHARS16_TEXT | r::UNICODE_CHARS32_TEXT => {
                let len = self.text_length(
                    base,
                    r::UNICODE_CHARS8_TEXT,
                    self.quotas.max_string_content_length,
                )?;
                let bytes_at = self.cur.position();
                let bytes = self.cur.take(len)?;
                if len % 2 != 0 {
                    return Err(self.cur.error_at(bytes_at, K::OddUtf16Length(len)));
                }
                let value = Value::Utf16(
                    Utf16::new(bytes)
                        .ok_or_else(|| self.cur.error_at(bytes_at, K::InvalidUtf16))?,
                );
                Ok(emit(self, value))
            }
            r::EMPTY_TEXT => Ok(emit(self, Value::Str(""))),
            r::DICTIONARY_TEXT => {
                let value = Value::Dictionary(self.dictionary_string()?);
                Ok(emit(self, value))
            }
            r::QNAME_DICTIONARY_TEXT => {
                let p_at = self.cur.position();
                let p = self.cur.u8()?;
                if p >= 26 {
                    return Err(self.cur.error_at(p_at, K::InvalidQNamePrefix(p)));
                }
                let value = Value::QName(QName {
                    prefix: b'a' + p,
                    name: self.dictionary_string()?,
                });
                Ok(emit(self, value))
            }
            r::START_LIST_TEXT if t == base => {
                let list = self.list()?;
                Ok(emit(self, list))
            }
            _ => Err(self.cur.error_at(
                at,
                K::MisplacedRecord {
                    record: t,
                    context: "outside a list",
                },
            )),
        }
    }

    /// Length of a 8/16/32-bit length-prefixed text record, checked against `max` (the string
    /// quota for characters, the array quota for bytes, as .NET applies them).
    #[inline(always)]
    fn text_length(&mut self, base: u8, first: u8, max: usize) -> Result<usize, DecodeError> {
        let at = self.cur.position();
        let len = match base - first {
            0 => usize::from(self.cur.u8()?),
            2 => usize::from(self.cur.u16()?),
            _ => self.cur.len32()?,
        };
        if len > max {
            return Err(self.cur.error_at(at, K::StringTooLong { len, max }));
        }
        Ok(len)
    }

    /// A list's items (after StartListText), checked as they are read; the value is a view of
    /// their records, decoded again when iterated.
    fn list(&mut self) -> Result<Value<'a>, DecodeError> {
        let mut records = self.cur;
        loop {
            let at = self.cur.position();
            let t = self.cur.u8()?;
            if t == r::END_LIST_TEXT {
                return Ok(Value::List(ValueList::read(ListRecords {
                    records: records.take(at - records.position())?,
                    dictionary: self.dictionary,
                    session: self.session,
                })));
            }
            if !r::is_text(t) || t % 2 == 1 || t == r::START_LIST_TEXT {
                return Err(self.cur.error_at(
                    at,
                    K::MisplacedRecord {
                        record: t,
                        context: "inside a list",
                    },
                ));
            }
            self.text_value(t, at)?;
        }
    }

    /// The next item of a [`ListRecords`] reader (None at the end).
    fn list_item(&mut self) -> Option<Value<'a>> {
        let at = self.cur.position();
        let t = self.cur.u8().ok()?;
        self.text_value(t, at).ok()
    }
}

/// The text records of a list a [`Reader`] read and checked, with what resolves their keys.
#[derive(Clone, Copy)]
pub(crate) struct ListRecords<'a> {
    records: &'a [u8],
    dictionary: Option<&'a dyn Dictionary>,
    session: Option<&'a ReaderSession>,
}

impl<'a> ListRecords<'a> {
    /// The items, decoded again (by a reader of the records alone, which allocates nothing).
    pub(crate) fn items(self) -> impl Iterator<Item = Value<'a>> {
        // Empty vectors: the thread's spare ones stay with the reader that has them.
        let mut reader = Reader::with_buffers(self.records, Buffers::default());
        reader.dictionary = self.dictionary;
        reader.session = self.session;
        reader.quotas = Quotas::TOOLS;
        std::iter::from_fn(move || reader.list_item())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `<a xmlns:p="u" p:x="1"><b/></a>`: a declaration and an attribute.
    const DOC: [u8; 17] = [
        0x40, 0x01, b'a', 0x09, 0x01, b'p', 0x01, b'u', 0x35, 0x01, b'x', 0x82, 0x40, 0x01, b'b',
        0x01, 0x01,
    ];

    fn events(reader: &mut Reader<'_>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(e) = reader.next_event().unwrap() {
            out.push(format!("{e:?} {:?}", reader.attributes()));
        }
        out
    }

    #[test]
    fn a_dropped_readers_vectors_go_empty_to_the_next_reader_on_the_thread() {
        let mut first = Reader::new(&DOC);
        let expected = events(&mut first);
        let (namespaces, attributes) = (first.namespaces.as_ptr(), first.attributes.as_ptr());
        drop(first);
        let mut second = Reader::new(&DOC);
        assert_eq!(second.namespaces.as_ptr(), namespaces.cast());
        assert_eq!(second.attributes.as_ptr(), attributes.cast());
        assert!(second.namespaces.is_empty() && second.attributes.is_empty());
        assert_eq!(events(&mut second), expected);
    }

    #[test]
    fn reading_a_lists_items_leaves_the_threads_vectors_where_they_are() {
        // `<a>5 true</a>`: a list of an Int8 and a True record.
        let doc = [0x40, 0x01, b'a', 0xA4, 0x88, 0x05, 0x86, 0xA6, 0x01];
        let mut reader = Reader::new(&doc);
        assert!(matches!(reader.read(), Ok(NodeType::StartElement)));
        assert!(matches!(reader.read(), Ok(NodeType::Text)));
        let Value::List(items) = *reader.value() else {
            panic!("not a list: {:?}", reader.value());
        };
        drop(reader);
        let spare_room = || {
            SPARE.with(|spare| {
                let buffers = spare.take();
                let room = buffers.namespaces.capacity();
                spare.set(buffers);
                room
            })
        };
        assert!(spare_room() >= NAMESPACES_ROOM);
        assert_eq!(
            items.iter().collect::<Vec<_>>(),
            [Value::Int32(5), Value::Bool(true)]
        );
        assert!(spare_room() >= NAMESPACES_ROOM);
    }

    #[test]
    fn vectors_grown_past_the_limit_are_not_kept() {
        let mut doc = vec![0x40, 0x01, b'a'];
        for i in 0..=MAX_KEPT {
            let name = format!("x{i}");
            doc.extend([0x04, name.len() as u8]);
            doc.extend(name.as_bytes());
            doc.push(0x82);
        }
        doc.push(0x01);
        let mut big = Reader::new(&doc).with_quotas(Quotas::TOOLS);
        assert_eq!(events(&mut big).len(), 2);
        assert!(big.attributes.capacity() > MAX_KEPT);
        drop(big);
        assert!(Reader::new(&DOC).attributes.capacity() <= MAX_KEPT);
    }

    #[test]
    fn one_letter_names_are_read_as_written() {
        for name in ["a", "z", "A", "_", "\u{e9}", "ab"] {
            let mut doc = vec![0x40, name.len() as u8];
            doc.extend(name.as_bytes());
            doc.push(0x01);
            let mut reader = Reader::new(&doc);
            let Some(Event::StartElement(e)) = reader.next_event().unwrap() else {
                panic!("{name}: no start element");
            };
            assert_eq!(e.local_name, name);
        }
    }
}
