//! [`Message`]: a SOAP 1.2 envelope with WS-Addressing 1.0 headers and a body that is written by
//! the application when the message is encoded, or read lazily from the received bytes.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use soapws_nbfs::{
    EncodeError, Nbfs, Quotas, Reader, ReaderSession, StringSource, Writer, XmlString,
};

use crate::fault::Fault;
use crate::headers::{EndpointAddress, Header, Headers, MessageId, RelatesTo};
use crate::names;
use crate::xml::{BinaryXmlReader, Node, RawXml, TextXmlReader, XmlError, XmlRead, XmlReadExt};

/// Writes a message body's content (its child elements) when the message is encoded.
pub trait WriteBody: Send + Sync {
    /// Writes the content of `s:Body`.
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError>;
}

impl<F> WriteBody for F
where
    F: Fn(&mut Writer<'_>) -> Result<(), EncodeError> + Send + Sync,
{
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self(w)
    }
}

impl WriteBody for RawXml {
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.write(w)
    }
}

/// A message's body.
#[derive(Clone, Default)]
pub enum Body {
    /// No content.
    #[default]
    Empty,
    /// Written by the application when the message is encoded.
    Content(Arc<dyn WriteBody>),
    /// A fault.
    Fault(Fault),
    /// Received: the content is read on demand from the message's bytes.
    Received(ReceivedBody),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Content(_) => f.write_str("Content(..)"),
            Body::Fault(x) => f.debug_tuple("Fault").field(x).finish(),
            Body::Received(r) => f.debug_tuple("Received").field(r).finish(),
        }
    }
}

/// A namespace declaration in scope at a received body: (prefix, namespace, its dictionary
/// source). The envelope's usual prefixes and namespaces are not copied.
pub(crate) type ScopedNamespace = (Cow<'static, str>, Cow<'static, str>, StringSource);

/// `text` as a static string when it is one of the envelope's usual prefixes or namespaces.
pub(crate) fn scoped(text: &str) -> Cow<'static, str> {
    const USUAL: [&str; 6] = [
        "s",
        "a",
        "",
        "http://www.w3.org/2003/05/soap-envelope",
        "http://www.w3.org/2005/08/addressing",
        "http://www.w3.org/2001/XMLSchema-instance",
    ];
    match USUAL.iter().find(|u| **u == text) {
        Some(u) => Cow::Borrowed(u),
        None => Cow::Owned(text.to_owned()),
    }
}

/// The body of a received message: the encoded bytes and where its content starts.
#[derive(Clone)]
pub struct ReceivedBody {
    pub(crate) bytes: Bytes,
    /// Offset of the first byte after the `s:Body` start tag.
    pub(crate) start: usize,
    pub(crate) encoding: BodyEncoding,
    /// Namespace declarations in scope at the body: (prefix, namespace, source).
    pub(crate) namespaces: Arc<[ScopedNamespace]>,
    pub(crate) quotas: Quotas,
    /// Whether the first element is `s:Fault`, found when first asked.
    pub(crate) is_fault: OnceLock<bool>,
}

impl fmt::Debug for ReceivedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedBody")
            .field("len", &(self.bytes.len() - self.start))
            .field("is_fault", &self.is_fault.get())
            .finish()
    }
}

#[derive(Clone)]
pub(crate) enum BodyEncoding {
    Text,
    /// Binary XML, with the session strings known when the message arrived.
    Binary(Option<ReaderSession>),
}

/// A reader over a received body's content, in either encoding.
// A body reader lives on the stack for one read of one message: the binary reader's size costs
// nothing there, where boxing it would cost an allocation per message. The explicit tag makes
// telling the variant (at every call) one byte compared, not a niche decoded.
#[allow(clippy::large_enum_variant)]
#[repr(u8)]
pub enum BodyReader<'m> {
    /// XML text.
    Text(TextXmlReader<'m>),
    /// Binary XML.
    Binary(BinaryXmlReader<'m>),
    /// An empty body.
    Empty,
}

impl XmlRead for BodyReader<'_> {
    fn advance(&mut self) -> Result<bool, XmlError> {
        match self {
            Self::Text(r) => r.advance(),
            Self::Binary(r) => r.advance(),
            Self::Empty => Ok(false),
        }
    }

    fn kind(&self) -> Option<crate::xml::NodeKind> {
        match self {
            Self::Text(r) => r.kind(),
            Self::Binary(r) => r.kind(),
            Self::Empty => None,
        }
    }

    fn node(&self) -> Option<Node<'_>> {
        match self {
            Self::Text(r) => r.node(),
            Self::Binary(r) => r.node(),
            Self::Empty => None,
        }
    }

    fn attribute_count(&self) -> usize {
        match self {
            Self::Text(r) => r.attribute_count(),
            Self::Binary(r) => r.attribute_count(),
            Self::Empty => 0,
        }
    }

    fn attribute(&self, i: usize) -> soapws_nbfs::Attribute<'_> {
        match self {
            Self::Text(r) => r.attribute(i),
            Self::Binary(r) => r.attribute(i),
            Self::Empty => unreachable!("an empty body has no attributes"),
        }
    }

    fn lookup_namespace(&self, prefix: &str) -> Option<&str> {
        match self {
            Self::Text(r) => r.lookup_namespace(prefix),
            Self::Binary(r) => r.lookup_namespace(prefix),
            Self::Empty => None,
        }
    }

    fn depth(&self) -> usize {
        match self {
            Self::Text(r) => r.depth(),
            Self::Binary(r) => r.depth(),
            Self::Empty => 0,
        }
    }

    fn with_text<T>(&self, f: impl FnOnce(&soapws_nbfs::Value<'_>) -> T) -> Option<T> {
        match self {
            Self::Text(r) => r.with_text(f),
            Self::Binary(r) => r.with_text(f),
            Self::Empty => None,
        }
    }

    fn element_value<T>(
        &mut self,
        kind: &'static str,
        f: impl FnOnce(&soapws_nbfs::Value<'_>) -> Option<T>,
    ) -> Result<T, XmlError> {
        match self {
            Self::Text(r) => r.element_value(kind, f),
            Self::Binary(r) => r.element_value(kind, f),
            Self::Empty => crate::xml::element_value_by_nodes(self, kind, f),
        }
    }

    fn element_string(&mut self) -> Result<String, XmlError> {
        match self {
            Self::Text(r) => r.element_string(),
            Self::Binary(r) => r.element_string(),
            Self::Empty => crate::xml::element_string_by_nodes(self),
        }
    }

    fn is_whitespace_text(&self) -> bool {
        match self {
            Self::Text(r) => r.is_whitespace_text(),
            Self::Binary(r) => r.is_whitespace_text(),
            Self::Empty => false,
        }
    }
}

impl ReceivedBody {
    /// A reader positioned on the body's first node (`node()` is `None` when there is none;
    /// `move_to_content` also passes white space and comments).
    pub fn reader(&self) -> Result<BodyReader<'_>, XmlError> {
        let mut reader = match &self.encoding {
            BodyEncoding::Text => {
                let text =
                    std::str::from_utf8(&self.bytes[self.start..]).map_err(|e| XmlError::Text {
                        offset: self.start + e.valid_up_to(),
                        message: "invalid UTF-8".into(),
                    })?;
                BodyReader::Text(TextXmlReader::new(text).with_quotas(self.quotas).fragment(
                    self.start,
                    self.namespaces.iter().map(|(p, u, _)| (&**p, &**u)),
                ))
            }
            BodyEncoding::Binary(session) => {
                let mut r = Reader::new(&self.bytes[self.start..])
                    .with_base_offset(self.start)
                    .with_dictionary(&Nbfs)
                    .with_quotas(self.quotas)
                    .fragment(self.namespaces.iter().map(|(p, u, source)| {
                        let ns = match source {
                            StringSource::Static(k) => XmlString::from_static(u, *k),
                            StringSource::Inline => XmlString::inline(u),
                            _ => XmlString::dynamic(u),
                        };
                        (&**p, ns)
                    }));
                if let Some(s) = session {
                    r = r.with_session(s);
                }
                BodyReader::Binary(BinaryXmlReader::new(r).with_quotas(self.quotas))
            }
        };
        reader.advance()?;
        Ok(reader)
    }

    /// True when the body's first element is `s:Fault`. Read when first asked (a body whose
    /// start cannot be read is no fault: reading it gives the error).
    pub fn is_fault(&self) -> bool {
        *self.is_fault.get_or_init(|| {
            let Ok(mut r) = self.reader() else {
                return false;
            };
            matches!(r.move_to_content(), Ok(Some(Node::StartElement(e)))
                if names::is_soap(&e, names::FAULT))
        })
    }
}

/// A SOAP 1.2 message with WS-Addressing 1.0 headers.
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// The headers.
    pub headers: Headers,
    /// The body.
    pub body: Body,
}

impl Message {
    /// A two-way request: `Action`, a new random `MessageID`, `ReplyTo` anonymous (`To` is set
    /// by the transport).
    pub fn request(action: impl Into<String>, body: impl WriteBody + 'static) -> Self {
        Self {
            headers: Headers {
                action: Some(action.into()),
                message_id: Some(MessageId::new_random()),
                reply_to: Some(EndpointAddress::anonymous()),
                ..Headers::default()
            },
            body: Body::Content(Arc::new(body)),
        }
    }

    /// A one-way message: `Action` only (`To` is set by the transport).
    pub fn one_way(action: impl Into<String>, body: impl WriteBody + 'static) -> Self {
        Self {
            headers: Headers {
                action: Some(action.into()),
                ..Headers::default()
            },
            body: Body::Content(Arc::new(body)),
        }
    }

    /// A reply to `request`: `RelatesTo` its `MessageID` and `To` anonymous, as WCF replies.
    pub fn reply(
        request: &Headers,
        action: impl Into<String>,
        body: impl WriteBody + 'static,
    ) -> Self {
        let mut m = Self::one_way(action, body);
        m.headers.relates_to = request.message_id.clone().map(|id| RelatesTo {
            id,
            relationship: None,
        });
        m.headers.to = Some(names::ANONYMOUS.as_str().to_owned());
        m
    }

    /// A fault message replying to `request` (if any): the fault's action, `RelatesTo`, and for
    /// SOAP-level faults the `NotUnderstood` / `Upgrade` headers SOAP 1.2 asks for.
    pub fn fault(request: Option<&Headers>, action: impl Into<String>, fault: Fault) -> Self {
        let mut headers = Headers {
            action: Some(action.into()),
            ..Headers::default()
        };
        if let Some(r) = request {
            headers.relates_to = r.message_id.clone().map(|id| RelatesTo {
                id,
                relationship: None,
            });
            headers.to = Some(names::ANONYMOUS.as_str().to_owned());
        }
        Self {
            headers,
            body: Body::Fault(fault),
        }
    }

    /// A MustUnderstand fault message listing the headers that were not understood.
    pub fn must_understand_fault(request: &Headers, not_understood: &[(String, String)]) -> Self {
        let mut m = Self::fault(
            Some(request),
            names::SOAP_FAULT_ACTION,
            Fault::must_understand(not_understood),
        );
        for (ns, local) in not_understood {
            m.headers.other.push(not_understood_header(ns, local));
        }
        m
    }

    /// A VersionMismatch fault message with the `Upgrade` header naming SOAP 1.2.
    pub fn version_mismatch_fault() -> Self {
        let mut m = Self::fault(None, names::SOAP_FAULT_ACTION, Fault::version_mismatch());
        m.headers.other.push(upgrade_header());
        m
    }

    /// True when the body is a fault (built or received).
    pub fn is_fault(&self) -> bool {
        match &self.body {
            Body::Fault(_) => true,
            Body::Received(r) => r.is_fault(),
            _ => false,
        }
    }

    /// The fault in the body, if it is one.
    pub fn read_fault(&self) -> Result<Option<Fault>, XmlError> {
        match &self.body {
            Body::Fault(f) => Ok(Some(f.clone())),
            Body::Received(r) if r.is_fault() => {
                let mut reader = r.reader()?;
                Fault::read(&mut reader).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// A reader positioned on the first node of a received body.
    pub fn body_reader(&self) -> Result<BodyReader<'_>, XmlError> {
        match &self.body {
            Body::Received(r) => r.reader(),
            _ => Ok(BodyReader::Empty),
        }
    }

    /// Writes the envelope through `w`: `s:Envelope` with `xmlns:a` when addressing headers are
    /// present, the headers in WCF's order, and the body.
    pub fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        start_soap(w, names::ENVELOPE)?;
        self.headers.declare_prefix(w)?;
        self.headers.write(w)?;
        start_soap(w, names::BODY)?;
        match &self.body {
            Body::Empty => {}
            Body::Content(c) => c.write_body(w)?,
            Body::Fault(f) => f.write(w)?,
            Body::Received(r) => copy_received(r, w)?,
        }
        w.end_element()?;
        w.end_element()
    }
}

/// Opens the SOAP 1.2 element `s:{name}`. One function for the envelope's elements: written
/// inline at each, the writer's fast path made the envelope's hot code larger.
#[inline(never)]
pub(crate) fn start_soap(w: &mut Writer<'_>, name: XmlString<'_>) -> Result<(), EncodeError> {
    w.start_element(Some("s"), name, Some(names::SOAP12_NS))
}

/// Copies a received body into another message (e.g. when relaying): read and written again.
fn copy_received(r: &ReceivedBody, w: &mut Writer<'_>) -> Result<(), EncodeError> {
    let mut reader = r
        .reader()
        .map_err(|_| EncodeError::InvalidState("received body is not readable"))?;
    while reader.node().is_some() {
        let raw = RawXml::read(&mut reader)
            .map_err(|_| EncodeError::InvalidState("received body is not readable"))?;
        raw.write(w)?;
    }
    Ok(())
}

fn not_understood_header(ns: &str, local: &str) -> Header {
    use crate::xml::{RawName, RawNode, RawValue};
    let soap = names::SOAP12_NS.as_str().to_owned();
    Header {
        content: RawXml {
            nodes: vec![
                RawNode::Start {
                    prefix: "s".into(),
                    local: RawName::inline("NotUnderstood"),
                    namespace: RawName::inline(soap),
                    declarations: vec![("p".into(), RawName::inline(ns))],
                    attributes: vec![(
                        "".into(),
                        RawName::inline("qname"),
                        RawName::inline(""),
                        RawValue::Text(format!("p:{local}")),
                    )],
                },
                RawNode::End,
            ],
        },
        must_understand: false,
        role: None,
        relay: false,
    }
}

fn upgrade_header() -> Header {
    use crate::xml::{RawName, RawNode, RawValue};
    let soap = names::SOAP12_NS.as_str().to_owned();
    Header {
        content: RawXml {
            nodes: vec![
                RawNode::Start {
                    prefix: "s".into(),
                    local: RawName::inline("Upgrade"),
                    namespace: RawName::inline(soap.clone()),
                    declarations: vec![],
                    attributes: vec![],
                },
                RawNode::Start {
                    prefix: "s".into(),
                    local: RawName::inline("SupportedEnvelope"),
                    namespace: RawName::inline(soap.clone()),
                    declarations: vec![("s12".into(), RawName::inline(soap))],
                    attributes: vec![(
                        "".into(),
                        RawName::inline("qname"),
                        RawName::inline(""),
                        RawValue::Text("s12:Envelope".into()),
                    )],
                },
                RawNode::End,
                RawNode::End,
            ],
        },
        must_understand: false,
        role: None,
        relay: false,
    }
}
