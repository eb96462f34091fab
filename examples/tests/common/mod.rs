//! Helpers shared by the example tests (each test binary uses some of them).
#![allow(dead_code)]

use soapws::envelope::{Encoding, EndpointAddress, Message, MessageId};
use soapws::nbfs::XmlString;
use soapws::rt::{round_trip, DeserializeXml, SerializeXml};

/// The three encodings a value must survive.
pub const ENCODINGS: [Encoding; 3] = [Encoding::Text, Encoding::Binary, Encoding::BinarySession];

/// Asserts that `value`, as the element `name` in `ns`, reads back equal in every encoding.
pub fn check<T>(value: T, name: &'static str, ns: &'static str)
where
    T: SerializeXml + DeserializeXml + Send + Sync + Clone + PartialEq + std::fmt::Debug + 'static,
{
    for encoding in ENCODINGS {
        let back = round_trip(
            &value,
            XmlString::dynamic(name),
            Some(XmlString::dynamic(ns)),
            encoding,
        )
        .unwrap_or_else(|e| panic!("{name} in {encoding:?}: {e}"));
        assert_eq!(back, value, "{name} in {encoding:?}");
    }
}

/// A two-way request built by hand (as a generated client would, but with any body element):
/// `value` as the element `name` in `ns`, with a MessageID and an anonymous ReplyTo.
pub fn request<T: SerializeXml + Send + Sync + 'static>(
    action: &str,
    value: T,
    name: &'static str,
    ns: &'static str,
) -> Message {
    let mut m = soapws::rt::message(
        action,
        value,
        XmlString::dynamic(name),
        Some(XmlString::dynamic(ns)),
    );
    m.headers.message_id = Some(MessageId::new_random());
    m.headers.reply_to = Some(EndpointAddress::anonymous());
    m
}
