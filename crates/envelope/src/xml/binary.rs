//! [`XmlRead`] over .NET Binary XML: wraps [`soapws_nbfs::Reader`], expands Array records into
//! elements and joins adjacent text records into one text node, as .NET's reader presents them.

use soapws_nbfs::{Array, Attribute, Event, Reader, Value};

use super::{Node, XmlError, XmlRead};

/// The node the reader is on.
enum Current<'a> {
    None,
    Event(Event<'a>),
    /// Several adjacent text records joined.
    JoinedText(String),
    /// Several adjacent Bytes records joined.
    JoinedBytes(Vec<u8>),
    /// Item `index` of an array; `phase` 0 = start, 1 = value, 2 = end.
    ArrayItem {
        array: Array<'a>,
        index: usize,
        phase: u8,
    },
}

/// Reads binary XML through [`XmlRead`].
pub struct BinaryXmlReader<'a> {
    reader: Reader<'a>,
    current: Current<'a>,
    /// An event read ahead while joining text.
    pending: Option<Event<'a>>,
    depth: usize,
}

impl<'a> BinaryXmlReader<'a> {
    /// Wraps a configured reader (dictionary, session, quotas, fragment).
    pub fn new(reader: Reader<'a>) -> Self {
        Self {
            reader,
            current: Current::None,
            pending: None,
            depth: 0,
        }
    }

    /// Offset of the next unread byte in the underlying input.
    pub fn offset(&self) -> usize {
        self.reader.offset()
    }

    /// The wrapped reader (e.g. to resolve a prefix).
    pub fn inner(&self) -> &Reader<'a> {
        &self.reader
    }

    fn next_event(&mut self) -> Result<Option<Event<'a>>, XmlError> {
        match self.pending.take() {
            Some(e) => Ok(Some(e)),
            None => Ok(self.reader.next_event()?),
        }
    }

    /// After a text event: joins any text events that follow it.
    fn join_text(&mut self, first: Value<'a>) -> Result<Current<'a>, XmlError> {
        if !self.reader.next_is_text() {
            return Ok(Current::Event(Event::Text(first)));
        }
        let next = self.reader.next_event()?;
        let Some(Event::Text(second)) = next else {
            self.pending = next;
            return Ok(Current::Event(Event::Text(first)));
        };
        if let (Value::Bytes(a), Value::Bytes(b)) = (&first, &second) {
            let mut bytes = [*a, *b].concat();
            loop {
                match self.reader.next_event()? {
                    Some(Event::Text(Value::Bytes(more))) => bytes.extend_from_slice(more),
                    Some(Event::Text(other)) => {
                        let mut text = Value::Bytes(&bytes).to_text();
                        other.write_text(&mut text);
                        return self.join_rest(text);
                    }
                    other => {
                        self.pending = other;
                        return Ok(Current::JoinedBytes(bytes));
                    }
                }
            }
        }
        let mut text = first.to_text();
        second.write_text(&mut text);
        self.join_rest(text)
    }

    fn join_rest(&mut self, mut text: String) -> Result<Current<'a>, XmlError> {
        loop {
            match self.reader.next_event()? {
                Some(Event::Text(v)) => v.write_text(&mut text),
                other => {
                    self.pending = other;
                    return Ok(Current::JoinedText(text));
                }
            }
        }
    }
}

impl XmlRead for BinaryXmlReader<'_> {
    fn advance(&mut self) -> Result<bool, XmlError> {
        if matches!(
            self.current,
            Current::Event(Event::EndElement) | Current::ArrayItem { phase: 2, .. }
        ) {
            self.depth -= 1;
        }
        if let Current::ArrayItem {
            array,
            index,
            phase,
        } = &mut self.current
        {
            if *phase < 2 {
                *phase += 1;
                return Ok(true);
            }
            if *index + 1 < array.len() {
                *index += 1;
                *phase = 0;
                self.depth += 1;
                return Ok(true);
            }
        }
        self.current = match self.next_event()? {
            None => Current::None,
            Some(Event::Text(v)) => self.join_text(v)?,
            Some(Event::StartElement(e)) => {
                self.depth += 1;
                Current::Event(Event::StartElement(e))
            }
            Some(Event::Array(array)) => {
                self.depth += 1;
                Current::ArrayItem {
                    array,
                    index: 0,
                    phase: 0,
                }
            }
            Some(e) => Current::Event(e),
        };
        Ok(!matches!(self.current, Current::None))
    }

    fn node(&self) -> Option<Node<'_>> {
        Some(match &self.current {
            Current::None => return None,
            Current::Event(Event::StartElement(e)) => Node::StartElement(*e),
            Current::Event(Event::EndElement) => Node::EndElement,
            Current::Event(Event::Text(v)) => Node::Text(v.clone()),
            Current::Event(Event::Comment(c)) => Node::Comment(c),
            Current::Event(Event::Array(_)) => unreachable!("arrays are expanded"),
            Current::JoinedText(t) => Node::Text(Value::Str(t)),
            Current::JoinedBytes(b) => Node::Text(Value::Bytes(b)),
            Current::ArrayItem {
                array,
                index,
                phase,
            } => match phase {
                0 => Node::StartElement(array.element),
                1 => Node::Text(array.value(*index).expect("index within the array")),
                _ => Node::EndElement,
            },
        })
    }

    fn attribute_count(&self) -> usize {
        match &self.current {
            Current::Event(Event::StartElement(_)) | Current::ArrayItem { phase: 0, .. } => {
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

    fn depth(&self) -> usize {
        self.depth
    }
}
