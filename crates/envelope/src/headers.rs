//! SOAP headers: the WS-Addressing 1.0 headers typed, every other header kept as raw XML with
//! its `mustUnderstand`, `role` and `relay`.

use std::fmt;

use soapws_nbfs::{Attribute, Element, EncodeError, Guid, Value, Writer, XmlString};

use crate::names;
use crate::xml::{Node, NodeKind, RawXml, XmlError, XmlRead, XmlReadExt};

/// A WS-Addressing message id: a GUID-based UniqueId (`urn:uuid:…`, what WCF sends) or any URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MessageId {
    /// `urn:uuid:` + a GUID.
    Uuid(Guid),
    /// Any other URI.
    Uri(String),
}

impl MessageId {
    /// A new random `urn:uuid:` id.
    pub fn new_random() -> Self {
        let mut b = *uuid::Uuid::new_v4().as_bytes();
        // Guid byte order: the first three fields are little-endian.
        b[0..4].reverse();
        b[4..6].reverse();
        b[6..8].reverse();
        Self::Uuid(Guid(b))
    }

    fn from_value(v: &Value<'_>) -> Self {
        let text = match v {
            Value::UniqueId(g) => return Self::Uuid(*g),
            Value::Str(s) => std::borrow::Cow::Borrowed(*s),
            other => std::borrow::Cow::Owned(other.to_text()),
        };
        match text.trim().strip_prefix("urn:uuid:").and_then(Guid::parse) {
            Some(g) => Self::Uuid(g),
            None => Self::Uri(text.trim().to_owned()),
        }
    }

    fn value(&self) -> Value<'_> {
        match self {
            Self::Uuid(g) => Value::UniqueId(*g),
            Self::Uri(s) => Value::Str(s),
        }
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uuid(g) => write!(f, "urn:uuid:{g}"),
            Self::Uri(s) => f.write_str(s),
        }
    }
}

/// A `RelatesTo` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatesTo {
    /// The related message's id.
    pub id: MessageId,
    /// The relationship; `None` means reply (the default).
    pub relationship: Option<String>,
}

/// An endpoint reference (`ReplyTo`, `FaultTo`, `From`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EndpointAddress {
    /// The address URI.
    pub address: String,
    /// `ReferenceParameters`, kept as raw XML.
    pub reference_parameters: Option<RawXml>,
}

impl EndpointAddress {
    /// The WS-Addressing anonymous address.
    pub fn anonymous() -> Self {
        Self {
            address: names::ANONYMOUS.as_str().to_owned(),
            reference_parameters: None,
        }
    }

    /// True for either anonymous URI (WS-Addressing 1.0's or WCF's).
    pub fn is_anonymous(&self) -> bool {
        self.address == names::ANONYMOUS.as_str() || self.address == names::WCF_ANONYMOUS
    }
}

/// A header other than the WS-Addressing ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The header element, attributes included.
    pub content: RawXml,
    /// `s:mustUnderstand="1"` (or `true`).
    pub must_understand: bool,
    /// `s:role`, if given.
    pub role: Option<String>,
    /// `s:relay="1"` (or `true`).
    pub relay: bool,
}

impl Header {
    /// The header's namespace and local name.
    pub fn name(&self) -> (&str, &str) {
        self.content.name().unwrap_or(("", ""))
    }

    /// Writes `s:mustUnderstand`, `s:role` and `s:relay` as the fields say, unless the content
    /// already carries them (a header read from a message keeps its own).
    fn write_soap_attributes(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let missing = |name: XmlString<'_>| {
            !self
                .content
                .has_attribute(name.as_str(), names::SOAP12_NS.as_str())
        };
        if self.must_understand && missing(names::MUST_UNDERSTAND) {
            soap_attribute(w, names::MUST_UNDERSTAND, "1")?;
        }
        if let Some(role) = self.role.as_deref().filter(|_| missing(names::ROLE_ATTR)) {
            soap_attribute(w, names::ROLE_ATTR, role)?;
        }
        if self.relay && missing(names::RELAY) {
            soap_attribute(w, names::RELAY, "1")?;
        }
        Ok(())
    }

    /// True when the header targets this node as ultimate receiver (no role, `next`, or
    /// `ultimateReceiver`).
    pub fn targets_ultimate_receiver(&self) -> bool {
        matches!(
            self.role.as_deref(),
            None | Some("") | Some(names::ROLE_NEXT) | Some(names::ROLE_ULTIMATE_RECEIVER)
        )
    }
}

/// The headers of a message.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headers {
    /// `Action`.
    pub action: Option<String>,
    /// `MessageID`.
    pub message_id: Option<MessageId>,
    /// `RelatesTo`.
    pub relates_to: Option<RelatesTo>,
    /// `To`.
    pub to: Option<String>,
    /// `ReplyTo`.
    pub reply_to: Option<EndpointAddress>,
    /// `FaultTo`.
    pub fault_to: Option<EndpointAddress>,
    /// `From`.
    pub from: Option<EndpointAddress>,
    /// Every other header, in order.
    pub other: Vec<Header>,
}

impl Headers {
    /// True when there is no header at all.
    pub fn is_empty(&self) -> bool {
        self.action.is_none()
            && self.message_id.is_none()
            && self.relates_to.is_none()
            && self.to.is_none()
            && self.reply_to.is_none()
            && self.fault_to.is_none()
            && self.from.is_none()
            && self.other.is_empty()
    }

    fn has_addressing(&self) -> bool {
        self.action.is_some()
            || self.message_id.is_some()
            || self.relates_to.is_some()
            || self.to.is_some()
            || self.reply_to.is_some()
            || self.fault_to.is_some()
            || self.from.is_some()
    }

    /// Headers marked `mustUnderstand` for the ultimate receiver that `understood` does not
    /// claim, as `(namespace, local name)`.
    pub fn not_understood(&self, understood: impl Fn(&str, &str) -> bool) -> Vec<(String, String)> {
        self.other
            .iter()
            .filter(|h| h.must_understand && h.targets_ultimate_receiver())
            .map(Header::name)
            .filter(|(ns, local)| !understood(ns, local))
            .map(|(ns, local)| (ns.to_owned(), local.to_owned()))
            .collect()
    }

    /// Reads the children of `s:Header` (the reader is on its first child) into these headers up
    /// to its end tag, and moves past the end tag. (Filled in place: returned, the headers were
    /// copied twice more on their way into the message.)
    pub(crate) fn read_into(
        &mut self,
        reader: &mut (impl XmlRead + ?Sized),
    ) -> Result<(), XmlError> {
        loop {
            let header = match reader.move_to_content()? {
                Some(Node::StartElement(e)) => Addressing::of(&e),
                Some(Node::EndElement) => {
                    reader.advance()?;
                    return Ok(());
                }
                _ => return Err(reader.unexpected("a header element")),
            };
            match header {
                Addressing::Action => self.action = Some(trimmed(reader.read_element_string()?)),
                Addressing::To => self.to = Some(trimmed(reader.read_element_string()?)),
                Addressing::MessageId => {
                    self.message_id = Some(
                        reader
                            .read_element_value("message id", |v| Some(MessageId::from_value(v)))?,
                    )
                }
                Addressing::RelatesTo => {
                    let relationship = reader
                        .attribute_value(names::RELATIONSHIP_TYPE.as_str(), "")
                        .map(|v| v.to_text())
                        .filter(|r| r != names::REPLY_RELATIONSHIP.as_str());
                    let id = reader
                        .read_element_value("message id", |v| Some(MessageId::from_value(v)))?;
                    self.relates_to = Some(RelatesTo { id, relationship });
                }
                Addressing::ReplyTo => self.reply_to = Some(read_endpoint(reader)?),
                Addressing::FaultTo => self.fault_to = Some(read_endpoint(reader)?),
                Addressing::From => self.from = Some(read_endpoint(reader)?),
                Addressing::Other => self.other.push(read_other(reader)?),
            }
        }
    }

    /// Writes `s:Header` (nothing when there are no headers).
    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.is_empty() {
            return Ok(());
        }
        crate::message::start_soap(w, names::HEADER)?;
        if let Some(action) = &self.action {
            let action = Value::Dictionary(XmlString::dynamic(action));
            write_addressing(w, names::ACTION, true, &action)?;
        }
        if let Some(id) = &self.message_id {
            write_addressing(w, names::MESSAGE_ID, false, &id.value())?;
        }
        if let Some(r) = &self.relates_to {
            start_addressing(w, names::RELATES_TO, false)?;
            if let Some(rel) = &r.relationship {
                w.attribute(None, names::RELATIONSHIP_TYPE, None, &Value::Str(rel))?;
            }
            w.value(&r.id.value())?;
            w.end_element()?;
        }
        if let Some(a) = &self.reply_to {
            write_endpoint(w, names::REPLY_TO, a)?;
        }
        if let Some(to) = &self.to {
            write_addressing(w, names::TO, true, &Value::Dictionary(address_string(to)))?;
        }
        if let Some(a) = &self.fault_to {
            write_endpoint(w, names::FAULT_TO, a)?;
        }
        if let Some(a) = &self.from {
            write_endpoint(w, names::FROM, a)?;
        }
        for h in &self.other {
            h.content.write_with(w, |w| h.write_soap_attributes(w))?;
        }
        w.end_element()
    }

    /// Declares `xmlns:a` on the envelope when addressing headers are present (as WCF does).
    pub(crate) fn declare_prefix(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.has_addressing() {
            w.xmlns(Some("a"), names::WSA10_NS)?;
        }
        Ok(())
    }
}

/// Which header an element of `s:Header` is.
enum Addressing {
    Action,
    To,
    MessageId,
    RelatesTo,
    ReplyTo,
    FaultTo,
    From,
    /// Not a WS-Addressing 1.0 header this reader types.
    Other,
}

impl Addressing {
    /// The header element `e` is. Binary messages name the WS-Addressing headers by their
    /// static dictionary keys (see [`names::same`]), which are looked at first; text is
    /// compared otherwise. Inlined: a call took the element copied out of the reader.
    #[inline(always)]
    fn of(e: &Element<'_>) -> Self {
        const ACTION: Option<u32> = names::ACTION.static_key();
        const TO: Option<u32> = names::TO.static_key();
        const MESSAGE_ID: Option<u32> = names::MESSAGE_ID.static_key();
        const REPLY_TO: Option<u32> = names::REPLY_TO.static_key();
        if !names::same(e.namespace, names::WSA10_NS) {
            return Self::Other;
        }
        match e.local_name.static_key() {
            ACTION => return Self::Action,
            TO => return Self::To,
            MESSAGE_ID => return Self::MessageId,
            REPLY_TO => return Self::ReplyTo,
            _ => {}
        }
        match e.local_name.as_str() {
            "Action" => Self::Action,
            "To" => Self::To,
            "MessageID" => Self::MessageId,
            "RelatesTo" => Self::RelatesTo,
            "ReplyTo" => Self::ReplyTo,
            "FaultTo" => Self::FaultTo,
            "From" => Self::From,
            _ => Self::Other,
        }
    }
}

/// `s` without surrounding white space (reusing it when it has none, which a printable ASCII
/// character at each end tells without a closer look).
fn trimmed(s: String) -> String {
    let plain = |b: Option<&u8>| b.is_some_and(|b| (0x21..0x7F).contains(b));
    if plain(s.as_bytes().first()) && plain(s.as_bytes().last()) || s.trim().len() == s.len() {
        s
    } else {
        s.trim().to_owned()
    }
}

/// The anonymous URI by its static key, any other address as a dynamic dictionary string.
fn address_string(address: &str) -> XmlString<'_> {
    if address == names::ANONYMOUS.as_str() {
        names::ANONYMOUS
    } else {
        XmlString::dynamic(address)
    }
}

fn start_addressing(
    w: &mut Writer<'_>,
    name: XmlString<'_>,
    must_understand: bool,
) -> Result<(), EncodeError> {
    w.start_element(Some("a"), name, Some(names::WSA10_NS))?;
    if must_understand {
        soap_attribute(w, names::MUST_UNDERSTAND, "1")?;
    }
    Ok(())
}

/// Writes the WS-Addressing element `a:{name}` holding `value` (with `s:mustUnderstand="1"`
/// if `must_understand`). One function for every such header: written inline at each, the
/// writer's fast paths made the envelope's hot code several kilobytes larger.
#[inline(never)]
fn write_addressing(
    w: &mut Writer<'_>,
    name: XmlString<'_>,
    must_understand: bool,
    value: &Value<'_>,
) -> Result<(), EncodeError> {
    if !must_understand {
        return w.element(Some("a"), name, Some(names::WSA10_NS), value);
    }
    start_addressing(w, name, must_understand)?;
    w.value(value)?;
    w.end_element()
}

/// Writes the SOAP 1.2 attribute `s:{name}="{value}"` on the open start tag.
fn soap_attribute(w: &mut Writer<'_>, name: XmlString<'_>, value: &str) -> Result<(), EncodeError> {
    w.attribute(Some("s"), name, Some(names::SOAP12_NS), &Value::Str(value))
}

fn write_endpoint(
    w: &mut Writer<'_>,
    name: XmlString<'_>,
    a: &EndpointAddress,
) -> Result<(), EncodeError> {
    start_addressing(w, name, false)?;
    let address = Value::Dictionary(address_string(&a.address));
    write_addressing(w, names::ADDRESS, false, &address)?;
    if let Some(p) = &a.reference_parameters {
        p.write(w)?;
    }
    w.end_element()
}

fn read_endpoint(reader: &mut (impl XmlRead + ?Sized)) -> Result<EndpointAddress, XmlError> {
    let mut ep = EndpointAddress::default();
    if reader.kind() == Some(NodeKind::StartElement) && reader_is_empty_next(reader)? {
        return Ok(ep);
    }
    loop {
        match reader.move_to_content()? {
            Some(Node::StartElement(e)) => {
                let wsa = e.namespace == names::WSA10_NS.as_str();
                match e.local_name.as_str() {
                    "Address" if wsa => ep.address = trimmed(reader.read_element_string()?),
                    "ReferenceParameters" if wsa => {
                        ep.reference_parameters = Some(RawXml::read(reader)?)
                    }
                    _ => reader.skip()?,
                }
            }
            Some(Node::EndElement) => {
                reader.advance()?;
                return Ok(ep);
            }
            _ => return Err(reader.unexpected("an endpoint reference")),
        }
    }
}

/// Moves past a start tag; true if the element was empty (and its end was consumed too).
fn reader_is_empty_next(reader: &mut (impl XmlRead + ?Sized)) -> Result<bool, XmlError> {
    reader.advance()?;
    if reader.skip_to_content()? == Some(NodeKind::EndElement) {
        reader.advance()?;
        return Ok(true);
    }
    Ok(false)
}

fn read_other(reader: &mut (impl XmlRead + ?Sized)) -> Result<Header, XmlError> {
    let mut must_understand = false;
    let mut role = None;
    let mut relay = false;
    for i in 0..reader.attribute_count() {
        if let Attribute::Value {
            local_name,
            namespace,
            value,
            ..
        } = reader.attribute(i)
        {
            if namespace != names::SOAP12_NS.as_str() {
                continue;
            }
            match local_name.as_str() {
                "mustUnderstand" => must_understand = value.to_bool().unwrap_or(false),
                "relay" => relay = value.to_bool().unwrap_or(false),
                "role" => role = Some(value.to_text()),
                _ => {}
            }
        }
    }
    Ok(Header {
        content: RawXml::read(reader)?,
        must_understand,
        role,
        relay,
    })
}

#[cfg(test)]
mod tests {
    use super::trimmed;

    #[test]
    fn trimmed_removes_the_white_space_str_trim_removes() {
        for s in [
            "",
            " ",
            "x",
            " x",
            "x\t",
            "\u{b}x",
            "x\u{c}",
            "\u{a0}x\u{2003}",
            "é",
            "éx",
            " é ",
            "a b",
        ] {
            assert_eq!(trimmed(s.to_owned()), s.trim(), "{s:?}");
        }
    }
}
