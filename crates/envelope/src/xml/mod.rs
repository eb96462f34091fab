//! One XML reading API over both encodings: [`XmlRead`], implemented by [`BinaryXmlReader`]
//! (.NET Binary XML) and [`TextXmlReader`] (XML text). Writing goes through
//! [`soapws_nbfs::Writer`], which writes either encoding.
//!
//! The reader model is .NET's `XmlReader`: the reader is positioned on a node, `advance` moves it,
//! and the current node and its attributes are looked at in place, so a deserializer can peek at
//! an element's name before deciding what to do with it.

mod binary;
mod raw;
mod text;

pub use binary::BinaryXmlReader;
pub use raw::{RawName, RawNode, RawValue, RawXml};
pub use text::TextXmlReader;

use soapws_nbfs::{Attribute, DecodeError, Element, Value, XmlString};

/// The node a reader is positioned on.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    /// An element start; its attributes are available from the reader.
    StartElement(Element<'a>),
    /// An element end (also after an empty element).
    EndElement,
    /// Text content, typed when the encoding carried a type.
    Text(Value<'a>),
    /// A comment.
    Comment(&'a str),
}

/// The kind of node a reader is on (cheap to ask, unlike [`XmlRead::node`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// An element start.
    StartElement,
    /// An element end.
    EndElement,
    /// Text.
    Text,
    /// A comment.
    Comment,
}

/// XML that cannot be read, or is not what the reader of it expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// Malformed binary XML.
    #[error(transparent)]
    Binary(#[from] DecodeError),
    /// Malformed XML text.
    #[error("XML text at byte {offset}: {message}")]
    Text {
        /// Byte offset in the text.
        offset: usize,
        /// What was wrong.
        message: String,
    },
    /// A limit of the reader quotas was exceeded.
    #[error("XML at byte {offset}: {what} exceeds the quota of {max}")]
    Quota {
        /// Byte offset.
        offset: usize,
        /// Which limit.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// Well-formed XML that is not what was expected here.
    #[error("expected {expected}, found {found}")]
    Unexpected {
        /// What the reader of it expected.
        expected: String,
        /// What was there.
        found: String,
    },
    /// A value that does not convert to the type asked for.
    #[error("'{text}' is not a valid {kind}")]
    InvalidValue {
        /// The value's text.
        text: String,
        /// The type asked for.
        kind: &'static str,
    },
}

/// A pull reader over XML in either encoding, positioned on one node at a time.
pub trait XmlRead {
    /// Moves to the next node; `Ok(false)` at the end of the input (or of the fragment).
    fn advance(&mut self) -> Result<bool, XmlError>;
    /// The kind of node the reader is on; `None` before the first `advance` and at the end.
    fn kind(&self) -> Option<NodeKind>;
    /// The node the reader is on; `None` before the first `advance` and at the end.
    fn node(&self) -> Option<Node<'_>>;
    /// Number of attributes (namespace declarations included) of the current start element.
    fn attribute_count(&self) -> usize;
    /// Attribute `i` of the current start element, in document order.
    fn attribute(&self, i: usize) -> Attribute<'_>;
    /// The namespace `prefix` is bound to at the current node.
    fn lookup_namespace(&self, prefix: &str) -> Option<&str>;
    /// Elements open around the current node; a start element and its end element count
    /// themselves (so both have the same depth).
    fn depth(&self) -> usize;

    /// Calls `f` with the value of the text node the reader is on (`None` elsewhere), without
    /// copying the value into a [`Node`].
    fn with_text<T>(&self, f: impl FnOnce(&Value<'_>) -> T) -> Option<T> {
        match self.node() {
            Some(Node::Text(v)) => Some(f(&v)),
            _ => None,
        }
    }

    /// The work of [`XmlReadExt::read_element_value`]. Readers override it to take the
    /// commonest element, `<a>text</a>`, in one step, and read anything else node by node as
    /// this default does.
    fn element_value<T>(
        &mut self,
        kind: &'static str,
        f: impl FnOnce(&Value<'_>) -> Option<T>,
    ) -> Result<T, XmlError> {
        element_value_by_nodes(self, kind, f)
    }

    /// The work of [`XmlReadExt::read_element_string`], overridden as
    /// [`XmlRead::element_value`] is.
    fn element_string(&mut self) -> Result<String, XmlError> {
        element_string_by_nodes(self)
    }

    /// True when the reader is on a text node of XML white space only.
    fn is_whitespace_text(&self) -> bool {
        self.with_text(|v| v.is_whitespace()).unwrap_or(false)
    }
}

/// Convenience reading on top of [`XmlRead`], in the style of .NET's `XmlReader` helpers.
pub trait XmlReadExt: XmlRead {
    /// Skips comments and white-space text; returns the node it stops on (`None` at the end).
    /// Always inlined, so that the node is built where it is matched (see the binary reader's
    /// `node`).
    #[inline(always)]
    fn move_to_content(&mut self) -> Result<Option<Node<'_>>, XmlError> {
        self.skip_to_content()?;
        Ok(self.node())
    }

    /// Skips comments and white-space text; returns the kind of node it stops on.
    fn skip_to_content(&mut self) -> Result<Option<NodeKind>, XmlError> {
        loop {
            match self.kind() {
                Some(NodeKind::Comment) => {}
                Some(NodeKind::Text) if self.is_whitespace_text() => {}
                other => return Ok(other),
            }
            if !self.advance()? {
                return Ok(None);
            }
        }
    }

    /// True when, after [`XmlReadExt::move_to_content`], the reader is on a start element with
    /// this local name and namespace.
    fn is_start_element(&mut self, local: &str, ns: &str) -> Result<bool, XmlError> {
        Ok(
            matches!(self.move_to_content()?, Some(Node::StartElement(e)) if e.local_name == local && e.namespace == ns),
        )
    }

    /// Expects a start element with this name and moves past it (onto its first child node).
    fn read_start_element(&mut self, local: &str, ns: &str) -> Result<(), XmlError> {
        if !self.is_start_element(local, ns)? {
            return Err(self.unexpected(&format!("element {{{ns}}}{local}")));
        }
        self.advance()?;
        Ok(())
    }

    /// Expects an end element (after skipping comments and white space) and moves past it.
    fn read_end_element(&mut self) -> Result<(), XmlError> {
        if self.skip_to_content()? != Some(NodeKind::EndElement) {
            return Err(self.unexpected("an end tag"));
        }
        self.advance()?;
        Ok(())
    }

    /// On a start element: converts its text content with `f` and moves past the end tag. Both
    /// readers join adjacent text, so `f` sees one value (typed when the encoding carried a type);
    /// an empty element gives an empty string. Child elements are an error.
    fn read_element_value<T>(
        &mut self,
        kind: &'static str,
        f: impl FnOnce(&Value<'_>) -> Option<T>,
    ) -> Result<T, XmlError> {
        self.element_value(kind, f)
    }

    /// On a start element: reads its text content as a string and moves past the end tag.
    fn read_element_string(&mut self) -> Result<String, XmlError> {
        self.element_string()
    }

    /// Skips the current node; for a start element, its whole subtree.
    fn skip(&mut self) -> Result<(), XmlError> {
        if self.kind() == Some(NodeKind::StartElement) {
            let depth = self.depth();
            while self.advance()? {
                if self.kind() == Some(NodeKind::EndElement) && self.depth() == depth {
                    break;
                }
            }
        }
        self.advance()?;
        Ok(())
    }

    /// An [`XmlError::Unexpected`] describing the current node.
    fn unexpected(&self, expected: &str) -> XmlError {
        let found = match self.node() {
            None => "the end of the input".to_owned(),
            Some(Node::StartElement(e)) => format!("element {{{}}}{}", e.namespace, e.local_name),
            Some(Node::EndElement) => "an end tag".to_owned(),
            Some(Node::Text(v)) => format!(
                "text '{}'",
                v.to_text().chars().take(40).collect::<String>()
            ),
            Some(Node::Comment(_)) => "a comment".to_owned(),
        };
        XmlError::Unexpected {
            expected: expected.to_owned(),
            found,
        }
    }

    /// The value of the attribute with this local name and namespace, if present.
    fn attribute_value(&self, local: &str, ns: &str) -> Option<Value<'_>> {
        (0..self.attribute_count()).find_map(|i| match self.attribute(i) {
            Attribute::Value {
                local_name,
                namespace,
                value,
                ..
            } if local_name == local && namespace == ns => Some(value),
            _ => None,
        })
    }
}

impl<R: XmlRead + ?Sized> XmlReadExt for R {}

/// `f`'s value of `v`, or the error saying `v` is not a valid `kind`.
#[inline]
pub(crate) fn convert<T>(
    v: &Value<'_>,
    kind: &'static str,
    f: impl FnOnce(&Value<'_>) -> Option<T>,
) -> Result<T, XmlError> {
    f(v).ok_or_else(|| invalid_value(v, kind))
}

/// The error saying `v` is not a valid `kind` (out of line: the call sites are many and hot).
#[cold]
#[inline(never)]
fn invalid_value(v: &Value<'_>, kind: &'static str) -> XmlError {
    XmlError::InvalidValue {
        text: v.to_text(),
        kind,
    }
}

/// [`XmlRead::element_value`] node by node: comments and white space before the start tag,
/// comments around the text, an empty element (`f` sees an empty string). Out of line, as
/// the readers' one-step paths mostly serve.
#[inline(never)]
pub(crate) fn element_value_by_nodes<R: XmlRead + ?Sized, T>(
    r: &mut R,
    kind: &'static str,
    f: impl FnOnce(&Value<'_>) -> Option<T>,
) -> Result<T, XmlError> {
    if r.skip_to_content()? != Some(NodeKind::StartElement) {
        return Err(r.unexpected("a start tag"));
    }
    r.advance()?;
    while r.kind() == Some(NodeKind::Comment) {
        r.advance()?;
    }
    let value = if r.kind() == Some(NodeKind::EndElement) {
        convert(&Value::Str(""), kind, f)?
    } else {
        let value = r
            .with_text(|v| convert(v, kind, f))
            .ok_or_else(|| r.unexpected("text content"))??;
        r.advance()?;
        value
    };
    r.read_end_element()?;
    Ok(value)
}

/// [`XmlRead::element_string`] node by node: the text nodes joined, comments skipped.
#[inline(never)]
pub(crate) fn element_string_by_nodes<R: XmlRead + ?Sized>(r: &mut R) -> Result<String, XmlError> {
    if r.skip_to_content()? != Some(NodeKind::StartElement) {
        return Err(r.unexpected("a start tag"));
    }
    r.advance()?;
    let mut text = String::new();
    loop {
        match r.kind() {
            Some(NodeKind::Text) => {
                r.with_text(|v| v.write_text(&mut text));
            }
            Some(NodeKind::Comment) => {}
            Some(NodeKind::EndElement) => break,
            _ => return Err(r.unexpected("text content")),
        }
        if !r.advance()? {
            return Err(r.unexpected("an end tag"));
        }
    }
    r.advance()?;
    Ok(text)
}

/// Names of an element, for comparisons by local name and namespace.
pub fn is_named(e: &Element<'_>, local: XmlString<'_>, ns: XmlString<'_>) -> bool {
    e.local_name == local && e.namespace == ns
}

/// The high bit of each byte, to test the result of [`bytes_below`].
pub(crate) const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Eight bytes at a time: sets the high bit of each byte of `word` below `limit` (`limit` at
/// most 0x80; a byte after such a one may be set too, never a byte of 0x80 or above), so
/// `bytes_below(word, limit) & HIGH_BITS != 0` tells whether any byte is below `limit`, and
/// with `limit` 1 whether any byte is zero.
pub(crate) fn bytes_below(word: u64, limit: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    word.wrapping_sub(ONES * u64::from(limit)) & !word
}

/// Longest text node: a string of `max_string_content_length`, or the base64 text of a byte
/// array of `max_array_length` (.NET applies the string quota to strings and the array quota to
/// `ReadContentAsBase64`; a text node can be either until it is read).
pub(crate) fn max_text_length(quotas: &soapws_nbfs::Quotas) -> usize {
    let base64 = quotas.max_array_length.div_ceil(3).saturating_mul(4);
    quotas.max_string_content_length.max(base64)
}
