//! [`XmlRead`] over .NET Binary XML: wraps [`soapws_nbfs::Reader`] (positioned, so no event is
//! built or copied), expands Array records into elements and joins adjacent text records into
//! one text node, as .NET's reader presents them.

use soapws_nbfs::{Attribute, NodeType, Quotas, Reader, Value};

use super::{
    convert, element_string_by_nodes, element_value_by_nodes, max_text_length, Node, NodeKind,
    XmlError, XmlRead, XmlReadExt,
};

/// The node the reader is on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Current {
    None,
    /// The node the inner reader is on.
    Inner(NodeType),
    /// Several adjacent text records joined into `joined_text`.
    JoinedText,
    /// Several adjacent Bytes records joined into `joined_bytes`.
    JoinedBytes,
    /// Item [`BinaryXmlReader::array_index`] of the inner reader's array; `phase` 0 = start,
    /// 1 = value, 2 = end.
    ArrayItem {
        phase: u8,
    },
}

/// Reads binary XML through [`XmlRead`].
pub struct BinaryXmlReader<'a> {
    reader: Reader<'a>,
    current: Current,
    /// The array item the reader is on, when [`Current::ArrayItem`] (kept out of it, so that
    /// the node kind is two bytes to store at every step).
    array_index: usize,
    joined_text: String,
    joined_bytes: Vec<u8>,
    /// Limits on joined text: a byte array or a string split over several records counts whole,
    /// as .NET's `ReadContentAsBase64`/`ReadContentAsString` count it.
    quotas: Quotas,
}

impl<'a> BinaryXmlReader<'a> {
    /// Wraps a configured reader (dictionary, session, quotas, fragment).
    #[inline(always)]
    pub fn new(reader: Reader<'a>) -> Self {
        Self {
            reader,
            current: Current::None,
            array_index: 0,
            joined_text: String::new(),
            joined_bytes: Vec::new(),
            quotas: Quotas::WCF,
        }
    }

    /// Replaces the limits applied to joined text (the wrapped reader applies its own per
    /// record).
    #[inline(always)]
    pub fn with_quotas(mut self, quotas: Quotas) -> Self {
        self.quotas = quotas;
        self
    }

    fn check_joined(&self, len: usize, max: usize, what: &'static str) -> Result<(), XmlError> {
        if len > max {
            return Err(XmlError::Quota {
                offset: self.reader.offset(),
                what,
                max,
            });
        }
        Ok(())
    }

    /// Offset of the next unread byte in the underlying input.
    pub fn offset(&self) -> usize {
        self.reader.offset()
    }

    /// The wrapped reader (e.g. to resolve a prefix).
    pub fn inner(&self) -> &Reader<'a> {
        &self.reader
    }

    /// On a text node followed by more text: joins them (the reader ends on the last one).
    fn join_text(&mut self) -> Result<Current, XmlError> {
        if let Value::Bytes(b) = self.reader.value() {
            self.joined_bytes.clear();
            self.joined_bytes.extend_from_slice(b);
            while self.reader.next_is_text() {
                self.reader.read()?;
                match self.reader.value() {
                    Value::Bytes(more) => {
                        self.joined_bytes.extend_from_slice(more);
                        self.check_joined(
                            self.joined_bytes.len(),
                            self.quotas.max_array_length,
                            "byte array length",
                        )?;
                    }
                    other => {
                        self.joined_text = Value::Bytes(&self.joined_bytes).to_text();
                        other.write_text(&mut self.joined_text);
                        return self.join_rest();
                    }
                }
            }
            return Ok(Current::JoinedBytes);
        }
        self.joined_text.clear();
        self.reader.value().write_text(&mut self.joined_text);
        self.join_rest()
    }

    /// The node after phase `phase` of the current array item (moving to the next item after
    /// its end); `None` past the last item's end.
    fn next_array_node(&mut self, phase: u8) -> Option<Current> {
        if phase < 2 {
            return Some(Current::ArrayItem { phase: phase + 1 });
        }
        if self.array_index + 1 < self.reader.array().len() {
            self.array_index += 1;
            return Some(Current::ArrayItem { phase: 0 });
        }
        None
    }

    /// On an element (after comments and white space) whose content is a single text record or
    /// nothing: reads the value and the end in one step of the wrapped reader and returns true,
    /// the value then being the wrapped reader's (see [`BinaryXmlReader::past_simple_content`]).
    /// False, on the start tag, for anything else.
    #[inline(never)]
    fn at_simple_content(&mut self) -> Result<bool, XmlError> {
        if self.current != Current::Inner(NodeType::StartElement)
            && self.skip_to_content()? != Some(NodeKind::StartElement)
        {
            return Ok(false);
        }
        Ok(self.current == Current::Inner(NodeType::StartElement)
            && self.reader.read_simple_content()?)
    }

    /// After [`BinaryXmlReader::at_simple_content`]: moves to the node after the element.
    fn past_simple_content(&mut self) -> Result<(), XmlError> {
        self.current = Current::Inner(NodeType::EndElement);
        self.advance()?;
        Ok(())
    }

    fn join_rest(&mut self) -> Result<Current, XmlError> {
        while self.reader.next_is_text() {
            self.reader.read()?;
            self.reader.value().write_text(&mut self.joined_text);
            self.check_joined(
                self.joined_text.len(),
                max_text_length(&self.quotas),
                "text length",
            )?;
        }
        Ok(Current::JoinedText)
    }
}

impl XmlRead for BinaryXmlReader<'_> {
    fn advance(&mut self) -> Result<bool, XmlError> {
        if let Current::ArrayItem { phase } = self.current {
            if let Some(next) = self.next_array_node(phase) {
                self.current = next;
                return Ok(true);
            }
        }
        self.current = match self.reader.read()? {
            NodeType::None => Current::None,
            NodeType::Text if self.reader.next_is_text() => self.join_text()?,
            NodeType::Array => {
                self.array_index = 0;
                Current::ArrayItem { phase: 0 }
            }
            other => Current::Inner(other),
        };
        Ok(self.current != Current::None)
    }

    fn kind(&self) -> Option<NodeKind> {
        Some(match self.current {
            Current::None | Current::Inner(NodeType::None) => return None,
            Current::Inner(NodeType::StartElement | NodeType::Array)
            | Current::ArrayItem { phase: 0, .. } => NodeKind::StartElement,
            Current::Inner(NodeType::EndElement) | Current::ArrayItem { phase: 2, .. } => {
                NodeKind::EndElement
            }
            Current::Inner(NodeType::Text)
            | Current::JoinedText
            | Current::JoinedBytes
            | Current::ArrayItem { .. } => NodeKind::Text,
            Current::Inner(NodeType::Comment) => NodeKind::Comment,
        })
    }

    /// Always inlined: a caller matching the node reads the fields it looks at, where a call
    /// copied the whole element out in 16-byte pieces, which the 8-byte stores of the step
    /// just before cannot forward to.
    #[inline(always)]
    fn node(&self) -> Option<Node<'_>> {
        Some(match self.current {
            Current::None | Current::Inner(NodeType::None) => return None,
            Current::Inner(NodeType::StartElement | NodeType::Array) => {
                Node::StartElement(self.reader.element())
            }
            Current::Inner(NodeType::EndElement) => Node::EndElement,
            Current::Inner(NodeType::Text) => Node::Text(*self.reader.value()),
            Current::Inner(NodeType::Comment) => Node::Comment(self.reader.comment()),
            Current::JoinedText => Node::Text(Value::Str(&self.joined_text)),
            Current::JoinedBytes => Node::Text(Value::Bytes(&self.joined_bytes)),
            Current::ArrayItem { phase } => match phase {
                0 => Node::StartElement(self.reader.element()),
                1 => Node::Text(
                    self.reader
                        .array()
                        .value(self.array_index)
                        .expect("index within the array"),
                ),
                _ => Node::EndElement,
            },
        })
    }

    fn attribute_count(&self) -> usize {
        match self.current {
            Current::Inner(NodeType::StartElement) | Current::ArrayItem { phase: 0, .. } => {
                self.reader.attributes().len()
            }
            _ => 0,
        }
    }

    fn attribute(&self, i: usize) -> Attribute<'_> {
        self.reader.attributes()[i].clone()
    }

    fn lookup_namespace(&self, prefix: &str) -> Option<&str> {
        self.reader.lookup_namespace(prefix).map(|ns| ns.as_str())
    }

    /// The wrapped reader's depth, counting an end element (which the wrapped reader has closed)
    /// and an array item's element (which it never opens).
    fn depth(&self) -> usize {
        let open = self.reader.depth();
        match self.current {
            Current::Inner(NodeType::EndElement) | Current::ArrayItem { .. } => open + 1,
            _ => open,
        }
    }

    fn element_value<T>(
        &mut self,
        kind: &'static str,
        f: impl FnOnce(&Value<'_>) -> Option<T>,
    ) -> Result<T, XmlError> {
        if self.at_simple_content()? {
            let value = convert(self.reader.value(), kind, f);
            self.past_simple_content()?;
            return value;
        }
        element_value_by_nodes(self, kind, f)
    }

    fn element_string(&mut self) -> Result<String, XmlError> {
        if self.at_simple_content()? {
            let text = self.reader.value().to_text();
            self.past_simple_content()?;
            return Ok(text);
        }
        element_string_by_nodes(self)
    }

    fn with_text<T>(&self, f: impl FnOnce(&Value<'_>) -> T) -> Option<T> {
        match self.current {
            Current::Inner(NodeType::Text) => Some(f(self.reader.value())),
            Current::JoinedText => Some(f(&Value::Str(&self.joined_text))),
            Current::JoinedBytes => Some(f(&Value::Bytes(&self.joined_bytes))),
            Current::ArrayItem { phase: 1 } => {
                self.reader.array().value(self.array_index).map(|v| f(&v))
            }
            _ => None,
        }
    }
}
