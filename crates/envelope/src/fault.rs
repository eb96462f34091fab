//! SOAP 1.2 faults: built, written the way WCF writes them, and read back.

use soapws_nbfs::{EncodeError, Value, Writer, XmlString};

use crate::names;
use crate::xml::{Node, RawXml, XmlError, XmlRead, XmlReadExt};

/// A qualified name: namespace and local name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    /// The namespace.
    pub namespace: String,
    /// The local name.
    pub name: String,
}

impl QualifiedName {
    /// A name in a namespace.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// A code in the SOAP 1.2 namespace (`Sender`, `Receiver`, …).
    pub fn soap(name: &str) -> Self {
        Self::new(names::SOAP12_NS.as_str(), name)
    }
}

/// A fault code: a value and, nested, its subcodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultCode {
    /// The code (`s:Sender`, `s:Receiver`, …) or subcode value.
    pub value: QualifiedName,
    /// The next subcode, if any.
    pub subcode: Option<Box<FaultCode>>,
}

impl FaultCode {
    /// A code with no subcode.
    pub fn new(value: QualifiedName) -> Self {
        Self {
            value,
            subcode: None,
        }
    }

    /// Adds a subcode below the innermost one.
    pub fn with_subcode(mut self, value: QualifiedName) -> Self {
        let mut at = &mut self;
        while let Some(ref mut next) = at.subcode {
            at = next;
        }
        at.subcode = Some(Box::new(FaultCode::new(value)));
        self
    }

    /// The codes from the top one down.
    pub fn chain(&self) -> impl Iterator<Item = &QualifiedName> {
        std::iter::successors(Some(self), |c| c.subcode.as_deref()).map(|c| &c.value)
    }
}

/// The text of a fault reason in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultReason {
    /// `xml:lang` (may be empty).
    pub lang: String,
    /// The text.
    pub text: String,
}

/// A SOAP 1.2 fault.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `Code`.
    pub code: FaultCode,
    /// `Reason` texts.
    pub reasons: Vec<FaultReason>,
    /// `Node`.
    pub node: Option<String>,
    /// `Role`.
    pub role: Option<String>,
    /// `Detail`'s content (its child elements), kept as raw XML.
    pub detail: Vec<RawXml>,
}

impl Fault {
    /// A fault with a code and an English reason.
    pub fn new(code: FaultCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reasons: vec![FaultReason {
                lang: "en-US".into(),
                text: reason.into(),
            }],
            node: None,
            role: None,
            detail: Vec::new(),
        }
    }

    /// `s:Sender`: the message was wrong.
    pub fn sender(reason: impl Into<String>) -> Self {
        Self::new(FaultCode::new(QualifiedName::soap("Sender")), reason)
    }

    /// `s:Receiver`: the receiver failed.
    pub fn receiver(reason: impl Into<String>) -> Self {
        Self::new(FaultCode::new(QualifiedName::soap("Receiver")), reason)
    }

    /// `s:VersionMismatch`: not a SOAP 1.2 envelope.
    pub fn version_mismatch() -> Self {
        Self::new(
            FaultCode::new(QualifiedName::soap("VersionMismatch")),
            "The envelope version of the incoming message does not match that of the endpoint: SOAP 1.2 is expected.",
        )
    }

    /// `s:DataEncodingUnknown`.
    pub fn data_encoding_unknown(reason: impl Into<String>) -> Self {
        Self::new(
            FaultCode::new(QualifiedName::soap("DataEncodingUnknown")),
            reason,
        )
    }

    /// `s:MustUnderstand`; the not-understood headers go in `NotUnderstood` headers of the
    /// fault message (see [`crate::Message::fault`]).
    pub fn must_understand(not_understood: &[(String, String)]) -> Self {
        let names: Vec<String> = not_understood
            .iter()
            .map(|(ns, l)| format!("{{{ns}}}{l}"))
            .collect();
        Self::new(
            FaultCode::new(QualifiedName::soap("MustUnderstand")),
            format!(
                "The header(s) {} were not understood by the recipient of this message.",
                names.join(", ")
            ),
        )
    }

    /// WCF's `a:ActionNotSupported` (sender) fault, which .NET clients raise as
    /// `ActionNotSupportedException`.
    pub fn action_not_supported(action: &str) -> Self {
        Self::new(
            FaultCode::new(QualifiedName::soap("Sender"))
                .with_subcode(QualifiedName::new(names::WSA10_NS.as_str(), "ActionNotSupported")),
            format!(
                "The message with Action '{action}' cannot be processed at the receiver, due to a ContractFilter \
                 mismatch at the EndpointDispatcher. This may be because of either a contract mismatch (mismatched \
                 Actions between sender and receiver) or a binding/security mismatch between the sender and the \
                 receiver. Check that sender and receiver have the same contract and the same binding (including \
                 security requirements, e.g. Message, Transport, None)."
            ),
        )
    }

    /// WCF's `a:InternalServiceFault` (receiver) fault for an unhandled service error.
    pub fn internal_service_fault(reason: impl Into<String>) -> Self {
        Self::new(
            FaultCode::new(QualifiedName::soap("Receiver")).with_subcode(QualifiedName::new(
                names::WCF_DISPATCHER_NS,
                "InternalServiceFault",
            )),
            reason,
        )
    }

    /// The first reason text.
    pub fn reason(&self) -> &str {
        self.reasons.first().map_or("", |r| r.text.as_str())
    }

    /// Writes `s:Fault`.
    pub fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let soap = names::SOAP12_NS;
        w.start_element(Some("s"), names::FAULT, Some(soap))?;
        w.start_element(Some("s"), names::CODE, Some(soap))?;
        write_code(w, &self.code)?;
        w.end_element()?;
        w.start_element(Some("s"), names::REASON, Some(soap))?;
        for r in &self.reasons {
            w.start_element(Some("s"), names::TEXT, Some(soap))?;
            w.attribute(
                Some("xml"),
                XmlString::inline("lang"),
                None,
                &Value::Str(&r.lang),
            )?;
            w.value(&Value::Str(&r.text))?;
            w.end_element()?;
        }
        w.end_element()?;
        for (name, value) in [(names::NODE, &self.node), (names::ROLE, &self.role)] {
            if let Some(v) = value {
                w.start_element(Some("s"), name, Some(soap))?;
                w.value(&Value::Str(v))?;
                w.end_element()?;
            }
        }
        if !self.detail.is_empty() {
            w.start_element(Some("s"), names::DETAIL, Some(soap))?;
            for d in &self.detail {
                d.write(w)?;
            }
            w.end_element()?;
        }
        w.end_element()
    }

    /// Reads `s:Fault` (the reader is on its start tag) and moves past it.
    pub fn read(reader: &mut (impl XmlRead + ?Sized)) -> Result<Self, XmlError> {
        let soap = names::SOAP12_NS.as_str();
        reader.read_start_element("Fault", soap)?;
        let mut fault = Fault {
            code: FaultCode::new(QualifiedName::soap("Receiver")),
            reasons: Vec::new(),
            node: None,
            role: None,
            detail: Vec::new(),
        };
        loop {
            let local = match reader.move_to_content()? {
                Some(Node::StartElement(e)) if e.namespace == soap => e.local_name.to_string(),
                Some(Node::StartElement(_)) => {
                    reader.skip()?;
                    continue;
                }
                Some(Node::EndElement) => {
                    reader.advance()?;
                    return Ok(fault);
                }
                _ => return Err(reader.unexpected("a fault element")),
            };
            match local.as_str() {
                "Code" => {
                    reader.advance()?;
                    fault.code = read_code(reader, true)?;
                }
                "Reason" => {
                    reader.advance()?;
                    while reader.is_start_element("Text", soap)? {
                        let lang = reader
                            .attribute_value("lang", soapws_nbfs::XML_NAMESPACE)
                            .map(|v| v.to_text())
                            .unwrap_or_default();
                        let text = reader.read_element_string()?;
                        fault.reasons.push(FaultReason { lang, text });
                    }
                    reader.read_end_element()?;
                }
                "Node" => fault.node = Some(reader.read_element_string()?),
                "Role" => fault.role = Some(reader.read_element_string()?),
                "Detail" => {
                    reader.advance()?;
                    loop {
                        match reader.move_to_content()? {
                            Some(Node::StartElement(_)) => fault.detail.push(RawXml::read(reader)?),
                            Some(Node::EndElement) => break,
                            _ => return Err(reader.unexpected("detail content")),
                        }
                    }
                    reader.advance()?;
                }
                _ => reader.skip()?,
            }
        }
    }
}

/// Writes `s:Value` (and `s:Subcode`s) of a code; the enclosing `Code`/`Subcode` is open.
fn write_code(w: &mut Writer<'_>, code: &FaultCode) -> Result<(), EncodeError> {
    let soap = names::SOAP12_NS;
    w.start_element(Some("s"), names::VALUE, Some(soap))?;
    let ns = XmlString::inline(&code.value.namespace);
    if code.value.namespace != soap.as_str() {
        // WCF declares the subcode's namespace on the Value element, as `a`.
        w.xmlns(Some("a"), ns)?;
    }
    w.qualified_name(
        XmlString::inline(&code.value.name),
        if code.value.namespace == soap.as_str() {
            soap
        } else {
            ns
        },
    )?;
    w.end_element()?;
    if let Some(sub) = &code.subcode {
        w.start_element(Some("s"), names::SUBCODE, Some(soap))?;
        write_code(w, sub)?;
        w.end_element()?;
    }
    Ok(())
}

/// The SOAP 1.2 fault codes, which a top-level code written without a prefix (as Mono writes
/// them) is taken to mean, as .NET does.
const SOAP_CODES: [&str; 5] = [
    "Sender",
    "Receiver",
    "VersionMismatch",
    "MustUnderstand",
    "DataEncodingUnknown",
];

/// Reads `Value` and nested `Subcode`s up to the enclosing end tag (consumed).
fn read_code(reader: &mut (impl XmlRead + ?Sized), top: bool) -> Result<FaultCode, XmlError> {
    let soap = names::SOAP12_NS.as_str();
    let mut value = None;
    let mut subcode = None;
    loop {
        match reader.move_to_content()? {
            Some(Node::StartElement(e)) if e.namespace == soap && e.local_name == "Value" => {
                let mut name = read_qname(reader)?;
                if top && name.namespace.is_empty() && SOAP_CODES.contains(&name.name.as_str()) {
                    name.namespace = soap.to_owned();
                }
                value = Some(name);
            }
            Some(Node::StartElement(e)) if e.namespace == soap && e.local_name == "Subcode" => {
                reader.advance()?;
                subcode = Some(Box::new(read_code(reader, false)?));
            }
            Some(Node::StartElement(_)) => reader.skip()?,
            Some(Node::EndElement) => {
                reader.advance()?;
                break;
            }
            _ => return Err(reader.unexpected("a fault code")),
        }
    }
    let value = value.ok_or_else(|| XmlError::Unexpected {
        expected: "a fault code Value".into(),
        found: "none".into(),
    })?;
    Ok(FaultCode { value, subcode })
}

/// Reads a QName-valued element, resolving its prefix against the declarations in scope at its
/// text (those on the element itself included).
fn read_qname(reader: &mut (impl XmlRead + ?Sized)) -> Result<QualifiedName, XmlError> {
    reader.advance()?;
    let mut name = None;
    loop {
        match reader.node() {
            Some(Node::Text(v)) if name.is_none() => {
                let text = v.to_text();
                let trimmed = text.trim();
                let (prefix, local) = trimmed.split_once(':').unwrap_or(("", trimmed));
                let namespace = reader
                    .lookup_namespace(prefix)
                    .unwrap_or_default()
                    .to_owned();
                name = Some(QualifiedName::new(namespace, local));
            }
            Some(Node::Comment(_)) => {}
            Some(Node::EndElement) => break,
            _ => return Err(reader.unexpected("a qualified name")),
        }
        reader.advance()?;
    }
    reader.advance()?;
    name.ok_or_else(|| XmlError::Unexpected {
        expected: "a qualified name".into(),
        found: "an empty element".into(),
    })
}
