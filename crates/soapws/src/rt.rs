//! Support for generated code (`soapws-codegen` output names these paths). Not meant to be
//! used directly; its API follows the generator.

use std::fmt;

pub use soapws_envelope::ser::{
    enter, is_nil, missing, next_child, next_part, read_any_attributes, skip_nil,
    write_any_attributes, write_derived, write_nil, xsi_type, AnyAttribute, DeserializeXml, List,
    SerializeXml, SimpleValue,
};
pub use soapws_envelope::xml::{RawXml, XmlError, XmlRead, XmlReadExt};
pub use soapws_envelope::{Fault, Header, Headers, Message, WriteBody};
pub use soapws_nbfs::{EncodeError, Value, Writer, XmlString};
pub use soapws_transport::{
    CallError, Client, ConnectError, Peer, RequestContext, Service, ServiceError,
};

use soapws_envelope::xml::{Node, NodeKind, TextXmlReader};
use soapws_envelope::{Encoding, MessageEncoder};

/// A message body holding one element: `value` written as `name` in `ns`.
pub struct ElementBody<T> {
    /// The value.
    pub value: T,
    /// The element's local name.
    pub name: XmlString<'static>,
    /// The element's namespace.
    pub ns: Option<XmlString<'static>>,
}

impl<T: SerializeXml + Send + Sync> WriteBody for ElementBody<T> {
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.value.write_element(w, self.name, self.ns)
    }
}

/// A message with `action` and a body of one element.
pub fn message<T: SerializeXml + Send + Sync + 'static>(
    action: &str,
    value: T,
    name: XmlString<'static>,
    ns: Option<XmlString<'static>>,
) -> Message {
    Message::one_way(action, ElementBody { value, name, ns })
}

/// The body's first element, deserialized.
pub fn read_body<T: DeserializeXml>(message: &Message) -> Result<T, XmlError> {
    let mut r = message.body_reader()?;
    if r.skip_to_content()? != Some(NodeKind::StartElement) {
        return Err(XmlError::Unexpected {
            expected: "a body element".into(),
            found: "an empty body".into(),
        });
    }
    T::read_element(&mut r)
}

/// How a message body holds an operation's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape<'a> {
    /// One element, `(local name, namespace)`: document/literal (wrapped or bare) and rpc.
    Element(&'a str, &'a str),
    /// A document/literal message of several parts: the value's members are the body's
    /// elements, with no wrapper.
    Parts,
}

/// The body read as `T`. An element body must have the expected name and namespace: as WCF's
/// formatters do, a body element of another name is refused, not read.
pub fn read_message_body<T: DeserializeXml>(
    message: &Message,
    shape: BodyShape<'_>,
) -> Result<T, XmlError> {
    let mut r = message.body_reader()?;
    let BodyShape::Element(local, ns) = shape else {
        // The parts' reader reads members up to the end of the body.
        return T::read_element(&mut r);
    };
    let expected = || format!("element {local} in namespace '{ns}'");
    if r.skip_to_content()? != Some(NodeKind::StartElement) {
        return Err(XmlError::Unexpected {
            expected: expected(),
            found: "an empty body".into(),
        });
    }
    if let Some(Node::StartElement(e)) = r.node() {
        if (e.local_name.as_str(), e.namespace.as_str()) != (local, ns) {
            return Err(XmlError::Unexpected {
                expected: expected(),
                found: format!("element {} in namespace '{}'", e.local_name, e.namespace),
            });
        }
    }
    T::read_element(&mut r)
}

/// A message body holding a multi-part value: its members, one element each, no wrapper.
pub struct PartsBody<T>(pub T);

impl<T: SerializeXml + Send + Sync> WriteBody for PartsBody<T> {
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.0.write_content(w)
    }
}

/// A message with `action` whose body is the parts of `value`.
pub fn parts_message<T: SerializeXml + Send + Sync + 'static>(action: &str, value: T) -> Message {
    Message::one_way(action, PartsBody(value))
}

/// A kept element (a fault detail, a header) read as `T`.
fn raw_as<T: DeserializeXml>(raw: &RawXml) -> Result<T, XmlError> {
    let mut w = Writer::text(Vec::new());
    let text = raw
        .write(&mut w)
        .and_then(|()| w.finish())
        .map_err(|e| XmlError::Unexpected {
            expected: "an element that can be written again".into(),
            found: e.to_string(),
        })?;
    let text = String::from_utf8_lossy(&text);
    let mut r = TextXmlReader::new(&text);
    r.advance()?;
    T::read_element(&mut r)
}

/// `value` written as the element `name` in `ns`, kept as raw XML.
fn to_raw<T: SerializeXml + ?Sized>(
    value: &T,
    name: XmlString<'static>,
    ns: Option<XmlString<'static>>,
) -> Result<RawXml, EncodeError> {
    let mut w = Writer::text(Vec::new());
    value.write_element(&mut w, name, ns)?;
    let text = w.finish()?;
    let text = String::from_utf8_lossy(&text);
    let mut r = TextXmlReader::new(&text);
    let read = r.advance().and_then(|_| RawXml::read(&mut r));
    // Text this writer made always reads back.
    read.map_err(|_| EncodeError::InvalidState("a written element did not read back"))
}

/// A fault detail element read as `T`, if it is one.
pub fn detail_as<T: DeserializeXml>(detail: &RawXml) -> Option<T> {
    raw_as(detail).ok()
}

/// A fault carrying `detail` (written as `name` in `ns`) as its detail element.
pub fn typed_fault<T: SerializeXml>(
    reason: &str,
    detail: &T,
    name: XmlString<'static>,
    ns: Option<XmlString<'static>>,
) -> Fault {
    let mut fault = Fault::receiver(reason);
    fault.detail.extend(to_raw(detail, name, ns).ok());
    fault
}

/// The typed SOAP headers an operation's message carries (generated per operation from the
/// binding's `soap:header`s).
pub trait MessageHeaders: Sized {
    /// The headers' elements, `(local name, namespace)`: a service understands these.
    const NAMES: &'static [(&'static str, &'static str)];

    /// Adds the headers that have a value to `headers`.
    fn write_headers(&self, headers: &mut Headers) -> Result<(), EncodeError>;

    /// The headers found in `headers`; an absent header is `None`.
    fn read_headers(headers: &Headers) -> Result<Self, XmlError>;
}

/// Adds `value` as the header element `name` in `ns`.
pub fn add_header<T: SerializeXml>(
    headers: &mut Headers,
    value: &T,
    name: XmlString<'static>,
    ns: Option<XmlString<'static>>,
) -> Result<(), EncodeError> {
    headers.other.push(Header {
        content: to_raw(value, name, ns)?,
        must_understand: false,
        role: None,
        relay: false,
    });
    Ok(())
}

/// The header element `local` in `ns` read as `T`, if the message has it.
pub fn header_value<T: DeserializeXml>(
    headers: &Headers,
    local: &str,
    ns: &str,
) -> Result<Option<T>, XmlError> {
    headers
        .other
        .iter()
        .find(|h| h.name() == (ns, local))
        .map(|h| raw_as(&h.content))
        .transpose()
}

/// A message to send with typed headers added.
pub fn with_headers<H: MessageHeaders>(
    mut message: Message,
    headers: &H,
) -> Result<Message, EncodeError> {
    headers.write_headers(&mut message.headers)?;
    Ok(message)
}

/// The call error for a request whose headers could not be written.
pub fn unsendable(e: EncodeError) -> CallError {
    CallError::Encode(e.to_string())
}

/// The service error for a reply whose headers could not be written.
pub fn unwritable_reply(e: EncodeError) -> ServiceError {
    ServiceError::Internal(format!("the reply headers could not be written: {e}"))
}

/// A request that did not produce the reply it asked for.
#[derive(Debug)]
pub enum ClientError<F> {
    /// The connection or the call failed.
    Call(CallError),
    /// The service answered with a declared fault.
    Fault(F),
    /// The service answered with another SOAP fault.
    Soap(Box<Fault>),
    /// The reply could not be read as the expected type.
    Decode(XmlError),
}

impl<F: fmt::Debug> fmt::Display for ClientError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Call(e) => write!(f, "call failed: {e}"),
            Self::Fault(d) => write!(f, "declared fault: {d:?}"),
            Self::Soap(fault) => write!(f, "SOAP fault: {}", fault.reason()),
            Self::Decode(e) => write!(f, "unreadable reply: {e}"),
        }
    }
}

impl<F: fmt::Debug> std::error::Error for ClientError<F> {}

/// A reply, or the fault it is: declared faults are recognised by `declared`.
/// The reply's body must have the shape `expected`.
pub fn reply_or_fault<T: DeserializeXml, F>(
    reply: Result<Message, CallError>,
    expected: BodyShape<'_>,
    declared: impl Fn(&Fault) -> Option<F>,
) -> Result<T, ClientError<F>> {
    let reply = not_a_fault(reply, declared)?;
    read_message_body(&reply, expected).map_err(ClientError::Decode)
}

/// Like [`reply_or_fault`], with the reply's typed headers.
pub fn reply_with_headers<T: DeserializeXml, H: MessageHeaders, F>(
    reply: Result<Message, CallError>,
    expected: BodyShape<'_>,
    declared: impl Fn(&Fault) -> Option<F>,
) -> Result<(T, H), ClientError<F>> {
    let reply = not_a_fault(reply, declared)?;
    let headers = H::read_headers(&reply.headers).map_err(ClientError::Decode)?;
    let body = read_message_body(&reply, expected).map_err(ClientError::Decode)?;
    Ok((body, headers))
}

/// The reply, unless the call failed or the reply is a fault.
fn not_a_fault<F>(
    reply: Result<Message, CallError>,
    declared: impl Fn(&Fault) -> Option<F>,
) -> Result<Message, ClientError<F>> {
    let reply = reply.map_err(ClientError::Call)?;
    if reply.is_fault() {
        return Err(fault_error(&reply, declared));
    }
    Ok(reply)
}

/// The error a fault reply is: a declared fault, another SOAP fault, or an unreadable one.
fn fault_error<F>(reply: &Message, declared: impl Fn(&Fault) -> Option<F>) -> ClientError<F> {
    let fault = match reply.read_fault() {
        Ok(fault) => fault.unwrap_or_else(|| Fault::receiver("")),
        Err(e) => return ClientError::Decode(e),
    };
    match declared(&fault) {
        Some(d) => ClientError::Fault(d),
        None => ClientError::Soap(Box::new(fault)),
    }
}

/// The service error for an undecodable request.
pub fn bad_request(e: XmlError) -> ServiceError {
    ServiceError::Fault {
        fault: Fault::sender(format!("The request could not be read: {e}")),
        action: soapws_envelope::names::WSA10_FAULT_ACTION
            .as_str()
            .to_owned(),
    }
}

/// The encoding a generated client uses by default (binary session when the binding says
/// `msb:BinaryEncoding`, as WCF's NetHttpBinding does).
pub fn default_encoding(binary: bool) -> soapws_transport::handshake::MessageEncoding {
    if binary {
        soapws_transport::handshake::MessageEncoding::BinarySession
    } else {
        soapws_transport::handshake::MessageEncoding::Text
    }
}

/// Checks that a value survives encoding and decoding in `encoding` (for tests of generated
/// types).
pub fn round_trip<T: SerializeXml + DeserializeXml + Send + Sync + Clone + 'static>(
    value: &T,
    name: XmlString<'static>,
    ns: Option<XmlString<'static>>,
    encoding: Encoding,
) -> Result<T, String> {
    let m = message("urn:round-trip", value.clone(), name, ns);
    let bytes = MessageEncoder::new(encoding)
        .encode(&m)
        .map_err(|e| e.to_string())?;
    let back = MessageEncoder::new(encoding)
        .decode(bytes.into())
        .map_err(|e| e.to_string())?;
    read_body(&back).map_err(|e| e.to_string())
}
