//! Support for generated code (`soapws-codegen` output names these paths). Not meant to be
//! used directly; its API follows the generator.

use std::fmt;

pub use soapws_envelope::ser::{
    enter, is_nil, missing, next_child, skip_nil, write_nil, DeserializeXml, SerializeXml,
    SimpleValue,
};
pub use soapws_envelope::xml::{RawXml, XmlError, XmlRead, XmlReadExt};
pub use soapws_envelope::{Fault, Message, WriteBody};
pub use soapws_nbfs::{EncodeError, Value, Writer, XmlString};
pub use soapws_transport::{
    CallError, Client, ConnectError, Peer, RequestContext, Service, ServiceError,
};

use soapws_envelope::xml::{NodeKind, TextXmlReader};
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

/// A fault detail element read as `T`, if it is one.
pub fn detail_as<T: DeserializeXml>(detail: &RawXml) -> Option<T> {
    let mut w = Writer::text(Vec::new());
    detail.write(&mut w).ok()?;
    let text = String::from_utf8(w.finish().ok()?).ok()?;
    let mut r = TextXmlReader::new(&text);
    r.advance().ok()?;
    T::read_element(&mut r).ok()
}

/// A fault carrying `detail` (written as `name` in `ns`) as its detail element.
pub fn typed_fault<T: SerializeXml>(
    reason: &str,
    detail: &T,
    name: XmlString<'static>,
    ns: Option<XmlString<'static>>,
) -> Fault {
    let mut fault = Fault::receiver(reason);
    let mut w = Writer::text(Vec::new());
    let raw = detail
        .write_element(&mut w, name, ns)
        .ok()
        .and_then(|_| w.finish().ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            let mut r = TextXmlReader::new(&text);
            r.advance().ok()?;
            RawXml::read(&mut r).ok()
        });
    fault.detail.extend(raw);
    fault
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
pub fn reply_or_fault<T: DeserializeXml, F>(
    reply: Result<Message, CallError>,
    declared: impl Fn(&Fault) -> Option<F>,
) -> Result<T, ClientError<F>> {
    let reply = reply.map_err(ClientError::Call)?;
    if reply.is_fault() {
        let fault = reply
            .read_fault()
            .map_err(ClientError::Decode)?
            .unwrap_or_else(|| Fault::receiver(""));
        return Err(match declared(&fault) {
            Some(d) => ClientError::Fault(d),
            None => ClientError::Soap(Box::new(fault)),
        });
    }
    read_body(&reply).map_err(ClientError::Decode)
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
