//! Namespace URIs the loader recognises.

/// WSDL 1.1.
pub(crate) const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
/// WSDL 1.1 SOAP 1.1 binding.
pub(crate) const SOAP11: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
/// WSDL 1.1 SOAP 1.2 binding.
pub(crate) const SOAP12: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
/// WSDL 1.1 MIME binding.
pub(crate) const MIME: &str = "http://schemas.xmlsoap.org/wsdl/mime/";
/// XML Schema.
pub(crate) const XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// The `xml:` namespace.
pub(crate) const XML: &str = "http://www.w3.org/XML/1998/namespace";
/// WS-Addressing WSDL binding (`wsaw:Action`).
pub(crate) const WSAW: &str = "http://www.w3.org/2006/05/addressing/wsdl";
/// WS-Addressing metadata (`wsam:Action`).
pub(crate) const WSAM: &str = "http://www.w3.org/2007/05/addressing/metadata";
/// WS-Addressing 1.0 (`wsa:Action`).
pub(crate) const WSA: &str = "http://www.w3.org/2005/08/addressing";
/// WS-Policy 1.2 and 1.5.
pub(crate) const WSP: [&str; 2] = [
    "http://schemas.xmlsoap.org/ws/2004/09/policy",
    "http://www.w3.org/ns/ws-policy",
];
/// WS-Security utility (`wsu:Id`).
pub(crate) const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/// WCF binary encoding policy (`msb:BinaryEncoding`).
pub(crate) const MSB: &str = "http://schemas.microsoft.com/ws/06/2004/mspolicy/netbinary1";
/// WCF framing policy (`msf:Streamed`).
pub(crate) const MSF: &str = "http://schemas.microsoft.com/ws/2006/05/framing/policy";

/// Namespaces whose schemas every SOAP toolkit knows; an unresolvable remote `xs:import` of
/// one of them is skipped with a warning instead of failing the load.
pub(crate) const WELL_KNOWN: [&str; 7] = [
    XSD,
    XML,
    "http://schemas.xmlsoap.org/soap/encoding/",
    "http://schemas.xmlsoap.org/soap/envelope/",
    "http://www.w3.org/2003/05/soap-encoding",
    "http://www.w3.org/2003/05/soap-envelope",
    WSDL,
];
