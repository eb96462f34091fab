//! Names and namespaces of SOAP 1.2 and WS-Addressing 1.0, as [MC-NBFS] static dictionary
//! strings (so binary messages use their keys, as WCF's do).

use soapws_nbfs::{Element, XmlString};

const fn s(text: &'static str, key: u32) -> XmlString<'static> {
    XmlString::from_static(text, key)
}

/// True when `a` and `b` are the same string: at once when both carry the same static key
/// (the envelope's binary readers resolve static keys in [MC-NBFS], as these names do), else
/// by text.
#[inline]
pub(crate) fn same(a: XmlString<'_>, b: XmlString<'_>) -> bool {
    match (a.static_key(), b.static_key()) {
        (Some(x), Some(y)) if x == y => true,
        _ => a == b,
    }
}

/// True when `e` is the SOAP 1.2 element named `local`.
pub(crate) fn is_soap(e: &Element<'_>, local: XmlString<'_>) -> bool {
    same(e.local_name, local) && same(e.namespace, SOAP12_NS)
}

/// `http://www.w3.org/2003/05/soap-envelope`
pub const SOAP12_NS: XmlString<'static> = s("http://www.w3.org/2003/05/soap-envelope", 4);
/// `http://schemas.xmlsoap.org/soap/envelope/` (SOAP 1.1, refused with VersionMismatch).
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// `http://www.w3.org/2005/08/addressing`
pub const WSA10_NS: XmlString<'static> = s("http://www.w3.org/2005/08/addressing", 6);
/// The WS-Addressing 1.0 anonymous address.
pub const ANONYMOUS: XmlString<'static> = s("http://www.w3.org/2005/08/addressing/anonymous", 20);
/// WCF's anonymous address (accepted as anonymous, as .NET does).
pub const WCF_ANONYMOUS: &str =
    "http://schemas.microsoft.com/2005/12/ServiceModel/Addressing/Anonymous";
/// The WS-Addressing 1.0 `none` address.
pub const NONE_ADDRESS: XmlString<'static> = s("http://www.w3.org/2005/08/addressing/none", 206);
/// The reply relationship type (the default of `RelatesTo`).
pub const REPLY_RELATIONSHIP: XmlString<'static> =
    s("http://www.w3.org/2005/08/addressing/reply", 204);
/// The WS-Addressing 1.0 fault action.
pub const WSA10_FAULT_ACTION: XmlString<'static> =
    s("http://www.w3.org/2005/08/addressing/fault", 198);
/// The action of SOAP-level faults (MustUnderstand, VersionMismatch).
pub const SOAP_FAULT_ACTION: &str = "http://www.w3.org/2005/08/addressing/soap/fault";
/// WCF's dispatcher namespace (`a:InternalServiceFault`).
pub const WCF_DISPATCHER_NS: &str =
    "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher";
/// WCF's action for faults from unhandled service errors.
pub const WCF_FAULT_ACTION: &str =
    "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher/fault";
/// The SOAP 1.2 role of the ultimate receiver.
pub const ROLE_ULTIMATE_RECEIVER: &str =
    "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver";
/// The SOAP 1.2 role `next`.
pub const ROLE_NEXT: &str = "http://www.w3.org/2003/05/soap-envelope/role/next";
/// The SOAP 1.2 role `none`.
pub const ROLE_NONE: &str = "http://www.w3.org/2003/05/soap-envelope/role/none";

/// `Envelope`
pub const ENVELOPE: XmlString<'static> = s("Envelope", 2);
/// `Header`
pub const HEADER: XmlString<'static> = s("Header", 8);
/// `Body`
pub const BODY: XmlString<'static> = s("Body", 14);
/// `mustUnderstand`
pub const MUST_UNDERSTAND: XmlString<'static> = s("mustUnderstand", 0);
/// `role`
pub const ROLE_ATTR: XmlString<'static> = s("role", 138);
/// `relay`
pub const RELAY: XmlString<'static> = s("relay", 140);
/// `Action`
pub const ACTION: XmlString<'static> = s("Action", 10);
/// `To`
pub const TO: XmlString<'static> = s("To", 12);
/// `MessageID`
pub const MESSAGE_ID: XmlString<'static> = s("MessageID", 26);
/// `RelatesTo`
pub const RELATES_TO: XmlString<'static> = s("RelatesTo", 18);
/// `RelationshipType`
pub const RELATIONSHIP_TYPE: XmlString<'static> = s("RelationshipType", 178);
/// `ReplyTo`
pub const REPLY_TO: XmlString<'static> = s("ReplyTo", 44);
/// `FaultTo`
pub const FAULT_TO: XmlString<'static> = s("FaultTo", 166);
/// `From`
pub const FROM: XmlString<'static> = s("From", 164);
/// `Address`
pub const ADDRESS: XmlString<'static> = s("Address", 42);
/// `ReferenceParameters`
pub const REFERENCE_PARAMETERS: XmlString<'static> = s("ReferenceParameters", 200);
/// `Fault`
pub const FAULT: XmlString<'static> = s("Fault", 134);
/// `Code`
pub const CODE: XmlString<'static> = s("Code", 142);
/// `Reason`
pub const REASON: XmlString<'static> = s("Reason", 144);
/// `Text`
pub const TEXT: XmlString<'static> = s("Text", 146);
/// `Node`
pub const NODE: XmlString<'static> = s("Node", 148);
/// `Role` (the fault element)
pub const ROLE: XmlString<'static> = s("Role", 150);
/// `Detail`
pub const DETAIL: XmlString<'static> = s("Detail", 152);
/// `Value`
pub const VALUE: XmlString<'static> = s("Value", 154);
/// `Subcode`
pub const SUBCODE: XmlString<'static> = s("Subcode", 156);
/// `NotUnderstood`
pub const NOT_UNDERSTOOD: XmlString<'static> = s("NotUnderstood", 158);
/// `qname`
pub const QNAME: XmlString<'static> = s("qname", 160);

#[cfg(test)]
mod tests {
    use soapws_nbfs::Nbfs;

    #[test]
    fn static_keys_match_the_dictionary() {
        use super::*;
        for n in [
            SOAP12_NS,
            WSA10_NS,
            ANONYMOUS,
            NONE_ADDRESS,
            REPLY_RELATIONSHIP,
            WSA10_FAULT_ACTION,
            ENVELOPE,
            HEADER,
            BODY,
            MUST_UNDERSTAND,
            ROLE_ATTR,
            RELAY,
            ACTION,
            TO,
            MESSAGE_ID,
            RELATES_TO,
            RELATIONSHIP_TYPE,
            REPLY_TO,
            FAULT_TO,
            FROM,
            ADDRESS,
            REFERENCE_PARAMETERS,
            FAULT,
            CODE,
            REASON,
            TEXT,
            NODE,
            ROLE,
            DETAIL,
            VALUE,
            SUBCODE,
            NOT_UNDERSTOOD,
            QNAME,
        ] {
            assert_eq!(
                Nbfs::lookup(n.static_key().unwrap()),
                Some(n.as_str()),
                "{n:?}"
            );
        }
    }
}
