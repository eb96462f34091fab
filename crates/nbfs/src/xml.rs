//! Conversion between binary XML and XML text (quick-xml on the text side), for tools and tests.

use std::fmt::Write as _;

use quick_xml::events::Event as XmlEvent;

use crate::dictionary::Dictionary;
use crate::error::{DecodeError, EncodeError};
use crate::reader::{Attribute, Element, Event, Reader, XMLNS_NAMESPACE, XML_NAMESPACE};
use crate::string::XmlString;
use crate::value::{Guid, Value};
use crate::writer::Writer;

/// The WS-Addressing 1.0 namespace.
const WSA10: &str = "http://www.w3.org/2005/08/addressing";

/// Writes the document `reader` reads as XML text (no declaration; every element with an end tag;
/// values as .NET presents them; text and attribute values minimally escaped).
pub fn write_xml(reader: &mut Reader<'_>, out: &mut String) -> Result<(), DecodeError> {
    Printer::new(None).print(reader, out)
}

/// [`write_xml`] laid out for reading: each child element, comment or array item on its own line,
/// indented by `indent` per level. Elements with text keep it inline, so a document without mixed
/// content reads back to the same infoset once the added white space is ignored.
pub fn write_xml_indented(
    reader: &mut Reader<'_>,
    out: &mut String,
    indent: &str,
) -> Result<(), DecodeError> {
    Printer::new(Some(indent)).print(reader, out)
}

/// An element [`Printer`] has open: its name, and what its content has held so far.
struct Open {
    name: String,
    children: bool,
    text: bool,
}

/// Turns reader events into XML text, optionally indented.
struct Printer<'i> {
    indent: Option<&'i str>,
    open: Vec<Open>,
    /// Whether anything was written at the top level (the next top-level node starts a line).
    started: bool,
    scratch: String,
}

impl<'i> Printer<'i> {
    fn new(indent: Option<&'i str>) -> Self {
        Printer {
            indent,
            open: Vec::new(),
            started: false,
            scratch: String::new(),
        }
    }

    fn print(mut self, reader: &mut Reader<'_>, out: &mut String) -> Result<(), DecodeError> {
        while let Some(event) = reader.next_event()? {
            match event {
                Event::StartElement(e) => {
                    let name = qname(&e);
                    self.child(out);
                    start_tag(out, &name, reader.attributes(), &mut self.scratch);
                    self.open.push(Open {
                        name,
                        children: false,
                        text: false,
                    });
                }
                Event::EndElement => {
                    let element = self.open.pop();
                    let name = element.as_ref().map_or("", |e| e.name.as_str());
                    if element.as_ref().is_some_and(|e| e.children && !e.text) {
                        self.line(out, self.open.len());
                    }
                    let _ = write!(out, "</{name}>");
                }
                Event::Text(v) => {
                    if let Some(parent) = self.open.last_mut() {
                        parent.text = true;
                    }
                    self.scratch.clear();
                    v.write_text(&mut self.scratch);
                    escape(out, &self.scratch, false);
                }
                Event::Comment(c) => {
                    self.child(out);
                    let _ = write!(out, "<!--{c}-->");
                }
                Event::Array(a) => {
                    let name = qname(&a.element);
                    for item in a.values() {
                        self.child(out);
                        start_tag(out, &name, reader.attributes(), &mut self.scratch);
                        self.scratch.clear();
                        item.write_text(&mut self.scratch);
                        escape(out, &self.scratch, false);
                        let _ = write!(out, "</{name}>");
                    }
                }
            }
        }
        Ok(())
    }

    /// Starts a child node: on its own line when indenting and the parent holds no text.
    fn child(&mut self, out: &mut String) {
        let depth = self.open.len();
        let new_line = match self.open.last_mut() {
            Some(parent) => {
                parent.children = true;
                !parent.text
            }
            None => std::mem::replace(&mut self.started, true),
        };
        if new_line {
            self.line(out, depth);
        }
    }

    fn line(&self, out: &mut String, depth: usize) {
        if let Some(indent) = self.indent {
            out.push('\n');
            for _ in 0..depth {
                out.push_str(indent);
            }
        }
    }
}

fn qname(e: &Element<'_>) -> String {
    if e.prefix.is_empty() {
        e.local_name.as_str().to_owned()
    } else {
        format!("{}:{}", e.prefix, e.local_name)
    }
}

fn start_tag(out: &mut String, name: &str, attributes: &[Attribute<'_>], scratch: &mut String) {
    out.push('<');
    out.push_str(name);
    for a in attributes {
        out.push(' ');
        match a {
            Attribute::Xmlns { prefix, namespace } => {
                out.push_str("xmlns");
                if !prefix.is_empty() {
                    out.push(':');
                    out.push_str(prefix);
                }
                out.push_str("=\"");
                escape(out, namespace.as_str(), true);
            }
            Attribute::Value {
                prefix,
                local_name,
                value,
                ..
            } => {
                if !prefix.is_empty() {
                    out.push_str(prefix);
                    out.push(':');
                }
                out.push_str(local_name.as_str());
                out.push_str("=\"");
                scratch.clear();
                value.write_text(scratch);
                escape(out, scratch, true);
            }
        }
        out.push('"');
    }
    out.push('>');
}

/// Minimal escaping ([MC-NBFX] §3): `&`, `<`, `>` in content; `&`, `<`, `"` in attribute values;
/// characters XML does not allow as `&#N;`.
fn escape(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' if !attribute => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// XML text that cannot be converted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// Not well-formed XML.
    #[error("XML text at byte {offset}: {message}")]
    Syntax {
        /// Byte offset in the text.
        offset: u64,
        /// What quick-xml reported.
        message: String,
    },
    /// A construct binary XML cannot carry (DOCTYPE, processing instruction) or a bad prefix.
    #[error("XML text at byte {offset}: {what}")]
    Unsupported {
        /// Byte offset in the text.
        offset: u64,
        /// What was found.
        what: String,
    },
    /// The writer refused a call.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// One node of a parsed XML text document, with its names resolved.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Start {
        prefix: String,
        local: String,
        namespace: String,
        attributes: Vec<(String, String, String, String)>,
        declarations: Vec<(String, String)>,
    },
    End,
    Text(String),
    Comment(String),
}

/// An XML text document parsed into owned nodes, ready to be written as binary XML.
#[derive(Debug, Clone, PartialEq)]
pub struct TextDocument {
    nodes: Vec<Node>,
}

/// How names and values from XML text become [`XmlString`]s.
#[derive(Clone, Copy)]
pub enum Names<'d> {
    /// Every name inline (what .NET's `WriteNode` from a text reader does).
    Inline,
    /// Names and namespaces found in the dictionary by value use their key; the others are
    /// dynamic dictionary strings (session table in msbinsession1, inline otherwise). With
    /// `wcf_headers`, the text of WS-Addressing `Action`, `To`, `Address` is written as a
    /// dictionary string and `MessageID`/`RelatesTo` GUIDs as UniqueIds, as WCF's encoder does.
    Dictionary {
        /// The dictionary to look names up in.
        dictionary: &'d dyn Dictionary,
        /// Write WS-Addressing header values as WCF does.
        wcf_headers: bool,
    },
}

impl TextDocument {
    /// Parses XML text (a UTF-8 BOM and an XML declaration are allowed; DOCTYPE and processing
    /// instructions are not).
    pub fn parse(text: &str) -> Result<Self, TextError> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let mut reader = quick_xml::Reader::from_str(text);
        let mut nodes = Vec::new();
        let mut scopes: Vec<(String, String, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut pending_text = String::new();
        loop {
            let offset = reader.buffer_position();
            let event = reader.read_event().map_err(|e| TextError::Syntax {
                offset: reader.error_position(),
                message: e.to_string(),
            })?;
            let is_text = matches!(
                event,
                XmlEvent::Text(_) | XmlEvent::CData(_) | XmlEvent::GeneralRef(_)
            );
            if !is_text && !pending_text.is_empty() {
                let text = std::mem::take(&mut pending_text);
                // White space around the root element is layout, not content.
                if depth > 0 || !text.bytes().all(|b| b.is_ascii_whitespace()) {
                    nodes.push(Node::Text(text));
                }
            }
            let unsupported = |what: &str| TextError::Unsupported {
                offset,
                what: what.to_owned(),
            };
            match event {
                XmlEvent::Start(e) => {
                    depth += 1;
                    nodes.push(start_node(&e, &mut scopes, depth, offset)?);
                }
                XmlEvent::Empty(e) => {
                    nodes.push(start_node(&e, &mut scopes, depth + 1, offset)?);
                    nodes.push(Node::End);
                    scopes.retain(|s| s.2 <= depth);
                }
                XmlEvent::End(_) => {
                    nodes.push(Node::End);
                    scopes.retain(|s| s.2 < depth);
                    depth -= 1;
                }
                XmlEvent::Text(t) => pending_text.push_str(&t.xml10_content()),
                XmlEvent::CData(c) => pending_text.push_str(&c.xml10_content()),
                XmlEvent::GeneralRef(r) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        Ok(None) => match &*r.into_inner() {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => {
                                return Err(unsupported(&format!("undefined entity &{other};")))
                            }
                        },
                        Err(e) => return Err(unsupported(&e.to_string())),
                    };
                    pending_text.push(c);
                }
                XmlEvent::Comment(c) => nodes.push(Node::Comment(c.into_inner().into_owned())),
                XmlEvent::Decl(_) => {}
                XmlEvent::PI(_) => return Err(unsupported("processing instruction")),
                XmlEvent::DocType(_) => return Err(unsupported("DOCTYPE")),
                XmlEvent::Eof => break,
            }
        }
        if !pending_text.bytes().all(|b| b.is_ascii_whitespace()) {
            nodes.push(Node::Text(pending_text));
        }
        Ok(Self { nodes })
    }

    /// Writes the document through `writer`.
    pub fn write_to<'a>(
        &'a self,
        writer: &mut Writer<'a>,
        names: Names<'a>,
    ) -> Result<(), EncodeError> {
        let name = |s: &'a str| -> XmlString<'a> {
            match names {
                Names::Inline => XmlString::inline(s),
                Names::Dictionary { dictionary, .. } => match dictionary.key_of(s) {
                    Some(k) => XmlString::from_static(s, k),
                    None => XmlString::dynamic(s),
                },
            }
        };
        let wcf_headers = matches!(
            names,
            Names::Dictionary {
                wcf_headers: true,
                ..
            }
        );
        let mut header_kind: Vec<Option<&str>> = Vec::new();
        for node in &self.nodes {
            match node {
                Node::Start {
                    prefix,
                    local,
                    namespace,
                    attributes,
                    declarations,
                } => {
                    writer.start_element(Some(prefix), name(local), Some(name(namespace)))?;
                    for (p, uri) in declarations {
                        writer.xmlns(Some(p), name(uri))?;
                    }
                    for (p, l, ns, v) in attributes {
                        let ns = (!ns.is_empty()).then(|| name(ns));
                        writer.attribute(Some(p), name(l), ns, &Value::Str(v))?;
                    }
                    header_kind.push((wcf_headers && namespace == WSA10).then_some(local.as_str()));
                }
                Node::End => {
                    header_kind.pop();
                    writer.end_element()?;
                }
                Node::Text(t) => match header_kind.last().copied().flatten() {
                    Some("Action" | "To" | "Address") => {
                        writer.value(&Value::Dictionary(name(t)))?
                    }
                    Some("MessageID" | "RelatesTo") => {
                        match t.strip_prefix("urn:uuid:").and_then(Guid::parse) {
                            Some(g) => writer.value(&Value::UniqueId(g))?,
                            None => writer.value(&Value::Str(t))?,
                        }
                    }
                    _ => writer.value(&Value::Str(t))?,
                },
                Node::Comment(c) => writer.comment(c)?,
            }
        }
        Ok(())
    }
}

/// Resolves a start tag's names against the declarations in scope (its own included).
fn start_node(
    e: &quick_xml::events::BytesStart<'_>,
    scopes: &mut Vec<(String, String, usize)>,
    depth: usize,
    offset: u64,
) -> Result<Node, TextError> {
    let bad = |what: String| TextError::Unsupported { offset, what };
    let mut declarations = Vec::new();
    let mut raw_attributes = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| bad(err.to_string()))?;
        let key = a.key.as_ref().to_owned();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| bad(err.to_string()))?
            .into_owned();
        if key == "xmlns" {
            declarations.push((String::new(), value));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            declarations.push((p.to_owned(), value));
        } else {
            raw_attributes.push((key, value));
        }
    }
    for (p, uri) in &declarations {
        scopes.push((p.clone(), uri.clone(), depth));
    }
    let resolve = |prefix: &str| -> Option<String> {
        match prefix {
            "xml" => Some(XML_NAMESPACE.to_owned()),
            "xmlns" => Some(XMLNS_NAMESPACE.to_owned()),
            _ => scopes
                .iter()
                .rev()
                .find(|s| s.0 == prefix)
                .map(|s| s.1.clone()),
        }
    };
    let split = |q: &str| -> (String, String) {
        match q.split_once(':') {
            Some((p, l)) => (p.to_owned(), l.to_owned()),
            None => (String::new(), q.to_owned()),
        }
    };
    let qn = e.name().as_ref().to_owned();
    let (prefix, local) = split(&qn);
    let namespace = match resolve(&prefix) {
        Some(ns) => ns,
        None if prefix.is_empty() => String::new(),
        None => return Err(bad(format!("prefix '{prefix}' is not declared"))),
    };
    let mut attributes = Vec::new();
    for (key, value) in raw_attributes {
        let (p, l) = split(&key);
        let ns = if p.is_empty() {
            String::new()
        } else {
            resolve(&p).ok_or_else(|| bad(format!("prefix '{p}' is not declared")))?
        };
        attributes.push((p, l, ns, value));
    }
    Ok(Node::Start {
        prefix,
        local,
        namespace,
        attributes,
        declarations,
    })
}
