//! Messages through the three encoders: real WCF captures, round trips between encodings,
//! faults, and the SOAP processing rules.

use std::path::PathBuf;

use bytes::Bytes;
use soapws_envelope::xml::{Node, XmlError, XmlRead, XmlReadExt};
use soapws_envelope::{
    Encoding, Fault, Message, MessageEncoder, MessageError, MessageId, QualifiedName,
};
use soapws_nbfs::{
    ArrayItems, EncodeError, Quotas, Value, Writer, XmlString, DEFAULT_SESSION_QUOTA,
};

const CAPTURES: [&str; 4] = [
    "capture-nettcp-calculator-1-subtract",
    "capture-nettcp-calculator-2-multiply",
    "capture-nettcp-calculator-3-divide",
    "capture-nettcp-calculator-4-concat",
];

fn capture(name: &str, ext: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../../shared/nbfx-captures/{name}.{ext}"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("shared test data {}: {e}", p.display()))
}

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// The operation name and its two arguments' text, read from a calculator body.
fn calculator_body(m: &Message) -> (String, String, String) {
    let mut r = m.body_reader().unwrap();
    let op = match r.move_to_content().unwrap() {
        Some(Node::StartElement(e)) => {
            assert_eq!(e.namespace, "http://Microsoft.Samples.NetTcp");
            e.local_name.to_string()
        }
        other => panic!("body starts with {other:?}"),
    };
    r.advance().unwrap();
    let n1 = r.read_element_string().unwrap();
    let n2 = r.read_element_string().unwrap();
    r.read_end_element().unwrap();
    assert!(
        r.move_to_content().unwrap().is_none(),
        "nothing after the operation element"
    );
    (op, n1, n2)
}

#[test]
fn wcf_captures_decode_and_reencode_identically() {
    let mut decoder = MessageEncoder::new(Encoding::BinarySession);
    let mut encoder = MessageEncoder::new(Encoding::BinarySession);
    let expected_body = [
        ("Subtract", "145", "76.54"),
        ("Multiply", "9", "81.25"),
        ("Divide", "22", "7"),
        ("Concat", "foo", "bar"),
    ];
    for (name, (op, n1, n2)) in CAPTURES.iter().zip(expected_body) {
        let bytes = hex(&capture(name, "hex"));
        let m = decoder.decode(Bytes::from(bytes.clone())).unwrap();
        let h = &m.headers;
        assert_eq!(
            h.action.as_deref(),
            Some(format!("http://Microsoft.Samples.NetTcp/ICalculator/{op}").as_str())
        );
        assert!(matches!(h.message_id, Some(MessageId::Uuid(_))));
        assert_eq!(
            h.to.as_deref(),
            Some("net.tcp://localhost:9001/servicemodelsamples/service")
        );
        assert!(h.reply_to.as_ref().unwrap().is_anonymous());
        assert!(h.other.is_empty() && h.relates_to.is_none());
        assert_eq!(
            calculator_body(&m),
            (op.into(), n1.into(), n2.into()),
            "{name}"
        );
        assert_eq!(
            encoder.encode(&m).unwrap(),
            bytes,
            "{name}: re-encoded bytes"
        );
    }
}

#[test]
fn binary_captures_reencode_as_wcf_text() {
    let mut decoder = MessageEncoder::new(Encoding::BinarySession);
    let mut text = MessageEncoder::new(Encoding::Text);
    for name in CAPTURES {
        let m = decoder
            .decode(Bytes::from(hex(&capture(name, "hex"))))
            .unwrap();
        let xml = String::from_utf8(text.encode(&m).unwrap()).unwrap();
        assert_eq!(xml, capture(name, "xml").trim_end(), "{name}");
    }
}

#[test]
fn text_messages_decode_with_bom_declaration_and_utf16() {
    let xml = capture(CAPTURES[3], "xml");
    let variants: Vec<Vec<u8>> = vec![
        xml.clone().into_bytes(),
        [
            &b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>"[..],
            xml.as_bytes(),
        ]
        .concat(),
        [
            vec![0xFF, 0xFE],
            xml.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        ]
        .concat(),
        [
            vec![0xFE, 0xFF],
            xml.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        ]
        .concat(),
    ];
    for bytes in variants {
        let m = MessageEncoder::new(Encoding::Text)
            .decode(Bytes::from(bytes))
            .unwrap();
        assert_eq!(
            m.headers.action.as_deref(),
            Some("http://Microsoft.Samples.NetTcp/ICalculator/Concat")
        );
        assert_eq!(
            calculator_body(&m),
            ("Concat".into(), "foo".into(), "bar".into())
        );
    }
}

/// A request with typed fields, written through the same calls in every encoding.
fn order_request() -> Message {
    let mut m = Message::request("http://tempuri.org/IShop/Submit", |w: &mut Writer<'_>| {
        start(w, "Submit", Some("http://tempuri.org/"))?;
        for (name, value) in [
            ("id", Value::Int32(42)),
            ("price", Value::Double(19.99)),
            ("paid", Value::Bool(true)),
            ("note", Value::Str("a < b & 'c'")),
            ("blob", Value::Bytes(&[0, 1, 2, 250])),
        ] {
            start(w, name, None)?;
            w.value(&value)?;
            w.end_element()?;
        }
        w.end_element()
    });
    m.headers.to = Some("ws://127.0.0.1:8080/shop".into());
    m
}

/// `m` encoded and decoded again by fresh encoders of `encoding` (one message of a connection).
fn through(encoding: Encoding, m: &Message) -> Message {
    let bytes = MessageEncoder::new(encoding).encode(m).unwrap();
    MessageEncoder::new(encoding)
        .decode(Bytes::from(bytes))
        .unwrap()
}

/// Opens element `name` (unprefixed), declaring `ns` as the default namespace if given: the
/// bodies these tests write are dynamic names in a namespace of their own.
fn start(
    w: &mut Writer<'_>,
    name: &'static str,
    ns: Option<&'static str>,
) -> Result<(), EncodeError> {
    w.start_element(None, XmlString::dynamic(name), ns.map(XmlString::dynamic))
}

#[test]
fn every_encoding_round_trips_headers_and_typed_body() {
    for encoding in [Encoding::Text, Encoding::Binary, Encoding::BinarySession] {
        let sent = order_request();
        let mut enc = MessageEncoder::new(encoding);
        let mut dec = MessageEncoder::new(encoding);
        for _ in 0..3 {
            let m = dec.decode(Bytes::from(enc.encode(&sent).unwrap())).unwrap();
            assert_eq!(m.headers, sent.headers, "{encoding:?}");
            let mut r = m.body_reader().unwrap();
            r.read_start_element("Submit", "http://tempuri.org/")
                .unwrap();
            assert_eq!(r.read_element_value("int", |v| v.to_i32()).unwrap(), 42);
            assert_eq!(
                r.read_element_value("double", |v| v.to_f64()).unwrap(),
                19.99
            );
            assert!(r.read_element_value("bool", |v| v.to_bool()).unwrap());
            assert_eq!(r.read_element_string().unwrap(), "a < b & 'c'");
            assert_eq!(
                r.read_element_value("bytes", |v| v.to_bytes().map(|b| b.to_vec()))
                    .unwrap(),
                [0, 1, 2, 250]
            );
            r.read_end_element().unwrap();
        }
    }
}

#[test]
fn element_values_of_every_shape_read_alike_in_every_encoding() {
    let sent = Message::one_way("urn:shapes", |w: &mut Writer<'_>| {
        start(w, "Shapes", Some("urn:s"))?;
        start(w, "empty", None)?;
        w.end_element()?;
        start(w, "split", None)?;
        w.value(&Value::Str("ab"))?;
        w.comment("between")?;
        w.value(&Value::Int32(12))?;
        w.end_element()?;
        start(w, "typed", None)?;
        w.value(&Value::Int64(-7))?;
        w.end_element()?;
        start(w, "nested", None)?;
        start(w, "inner", None)?;
        w.end_element()?;
        w.end_element()?;
        w.end_element()
    });
    for encoding in [Encoding::Text, Encoding::Binary, Encoding::BinarySession] {
        let m = through(encoding, &sent);
        let mut r = m.body_reader().unwrap();
        r.read_start_element("Shapes", "urn:s").unwrap();
        assert_eq!(r.read_element_string().unwrap(), "", "{encoding:?}");
        assert_eq!(r.read_element_string().unwrap(), "ab12", "{encoding:?}");
        assert_eq!(
            r.read_element_value("long", |v| v.to_i64()).unwrap(),
            -7,
            "{encoding:?}"
        );
        assert!(
            matches!(
                r.read_element_value("long", |v| v.to_i64()),
                Err(XmlError::Unexpected { .. })
            ),
            "{encoding:?}"
        );
    }
}

#[test]
fn nodes_and_depths_read_alike_in_every_encoding() {
    let sent = Message::one_way("urn:nodes", |w: &mut Writer<'_>| {
        start(w, "Root", Some("urn:n"))?;
        start(w, "empty", None)?;
        w.end_element()?;
        start(w, "text", None)?;
        w.value(&Value::Int32(5))?;
        w.end_element()?;
        start(w, "outer", None)?;
        w.comment("c")?;
        start(w, "inner", None)?;
        w.value(&Value::Str("x"))?;
        w.end_element()?;
        w.array(
            None,
            XmlString::dynamic("item"),
            None,
            ArrayItems::Int32(&[1, 2]),
        )?;
        w.end_element()?;
        w.end_element()
    });
    let walk = |encoding| {
        let m = through(encoding, &sent);
        let mut r = m.body_reader().unwrap();
        let mut nodes = Vec::new();
        loop {
            nodes.push(format!("{:?}@{}", r.kind(), r.depth()));
            if !r.advance().unwrap() {
                return nodes;
            }
        }
    };
    let text = walk(Encoding::Text);
    assert_eq!(text.len(), 19, "{text:?}");
    assert_eq!(text[0], "Some(StartElement)@1");
    assert!(text.contains(&"Some(Text)@3".to_owned()), "{text:?}");
    for encoding in [Encoding::Binary, Encoding::BinarySession] {
        assert_eq!(walk(encoding), text, "{encoding:?}");
    }
}

#[test]
fn element_values_after_comments_read_alike_in_every_encoding() {
    let sent = Message::one_way("urn:comments", |w: &mut Writer<'_>| {
        start(w, "Values", None)?;
        for (name, value) in [("a", Value::Int32(5)), ("b", Value::Str("x"))] {
            w.comment("before")?;
            start(w, name, None)?;
            w.value(&value)?;
            w.end_element()?;
        }
        w.end_element()
    });
    for encoding in [Encoding::Text, Encoding::Binary, Encoding::BinarySession] {
        let m = through(encoding, &sent);
        let mut r = m.body_reader().unwrap();
        r.read_start_element("Values", "").unwrap();
        assert_eq!(
            r.read_element_value("int", |v| v.to_i32()).unwrap(),
            5,
            "{encoding:?}"
        );
        assert_eq!(r.read_element_string().unwrap(), "x", "{encoding:?}");
        for result in [
            r.read_element_string().map(|_| ()),
            r.read_element_value("int", |v| v.to_i32()).map(|_| ()),
        ] {
            assert!(
                matches!(result, Err(XmlError::Unexpected { .. })),
                "{encoding:?}"
            );
        }
        r.read_end_element().unwrap();
    }
}

#[test]
fn session_encoding_puts_action_to_and_body_names_in_the_string_table() {
    let mut enc = MessageEncoder::new(Encoding::BinarySession);
    let first = enc.encode(&order_request()).unwrap();
    let second = enc.encode(&order_request()).unwrap();
    let table_strings = |b: &[u8]| {
        let mut s = soapws_nbfs::ReaderSession::new();
        s.read_table(b).unwrap();
        s.entries().map(|(_, v)| v.to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(
        table_strings(&first),
        [
            "http://tempuri.org/IShop/Submit",
            "ws://127.0.0.1:8080/shop",
            "Submit",
            "http://tempuri.org/",
            "id",
            "price",
            "paid",
            "note",
            "blob"
        ]
    );
    assert_eq!(second[0], 0, "the second message adds no strings");
    assert!(second.len() < first.len() - 100);
}

#[test]
fn faults_round_trip_in_every_encoding() {
    let faults = [
        Fault::action_not_supported("urn:nope"),
        Fault::internal_service_fault("boom"),
        Fault::sender("bad input").clone(),
        Fault::new(
            soapws_envelope::FaultCode::new(QualifiedName::soap("Receiver"))
                .with_subcode(QualifiedName::new("urn:app", "Overloaded"))
                .with_subcode(QualifiedName::new("urn:app", "TryLater")),
            "busy",
        ),
    ];
    for encoding in [Encoding::Text, Encoding::Binary, Encoding::BinarySession] {
        let mut enc = MessageEncoder::new(encoding);
        let mut dec = MessageEncoder::new(encoding);
        for fault in &faults {
            let request = order_request();
            let sent = Message::fault(Some(&request.headers), "urn:fault", fault.clone());
            let got = dec.decode(Bytes::from(enc.encode(&sent).unwrap())).unwrap();
            assert!(got.is_fault());
            assert_eq!(
                got.headers.relates_to.as_ref().unwrap().id,
                *request.headers.message_id.as_ref().unwrap()
            );
            let read = got.read_fault().unwrap().unwrap();
            assert_eq!(read.code, fault.code, "{encoding:?}");
            assert_eq!(read.reason(), fault.reason());
        }
    }
}

/// The envelope parser stops at the `s:Body` start tag: whether the body is a fault, and what
/// its content is, are read from the body when asked — an empty body, one of white space and
/// comments, a fault, a request, and a body whose first element is broken (which decodes, and
/// fails when read).
#[test]
fn the_body_is_read_when_asked() {
    const ENV: &str = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">"#;
    let text = |body: &str| {
        MessageEncoder::new(Encoding::Text)
            .decode(Bytes::from(format!(
                "{ENV}<s:Body>{body}</s:Body></s:Envelope>"
            )))
            .unwrap()
    };
    for (body, fault, first) in [
        ("", false, None),
        (" <!-- none --> ", false, None),
        ("<s:Fault/>", true, Some("Fault")),
        ("<!-- c --><Fault xmlns='urn:app'/>", false, Some("Fault")),
        ("<Submit xmlns='urn:app'/>", false, Some("Submit")),
    ] {
        let m = text(body);
        assert_eq!(m.is_fault(), fault, "{body}");
        let mut r = m.body_reader().unwrap();
        let found = match r.move_to_content().unwrap() {
            Some(Node::StartElement(e)) => Some(e.local_name.as_str().to_owned()),
            _ => None,
        };
        assert_eq!(found.as_deref(), first, "{body}");
    }
    let broken = text("<a:Submit/>");
    assert!(!broken.is_fault());
    assert!(broken.body_reader().is_err());
    for encoding in [Encoding::Binary, Encoding::BinarySession] {
        let mut enc = MessageEncoder::new(encoding);
        let mut dec = MessageEncoder::new(encoding);
        let empty = Message::one_way("urn:x", |_: &mut Writer<'_>| Ok(()));
        let m = dec
            .decode(Bytes::from(enc.encode(&empty).unwrap()))
            .unwrap();
        assert!(!m.is_fault());
        assert!(m.body_reader().unwrap().node().is_none(), "{encoding:?}");
        let request = dec
            .decode(Bytes::from(enc.encode(&order_request()).unwrap()))
            .unwrap();
        assert!(!request.is_fault());
        assert!(matches!(
            request.body_reader().unwrap().node(),
            Some(Node::StartElement(e)) if e.local_name == "Submit"
        ));
    }
}

#[test]
fn soap_processing_rules() {
    let text = |xml: &str| MessageEncoder::new(Encoding::Text).decode(Bytes::from(xml.to_owned()));
    let soap11 =
        r#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>"#;
    let err = text(soap11).unwrap_err();
    assert_eq!(err, MessageError::VersionMismatch);
    let fault = err.to_fault_message().unwrap();
    assert_eq!(
        fault.headers.other[0].name(),
        ("http://www.w3.org/2003/05/soap-envelope", "Upgrade")
    );
    let xml =
        String::from_utf8(MessageEncoder::new(Encoding::Text).encode(&fault).unwrap()).unwrap();
    assert!(xml.contains(r#"<s:Upgrade><s:SupportedEnvelope qname="s12:Envelope" xmlns:s12="http://www.w3.org/2003/05/soap-envelope"/></s:Upgrade>"#), "{xml}");
    assert!(
        xml.contains("<s:Value>s:VersionMismatch</s:Value>"),
        "{xml}"
    );

    let no_body =
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/></s:Envelope>"#;
    let err = text(no_body).unwrap_err();
    assert_eq!(err, MessageError::MissingBody);
    assert_eq!(
        err.to_fault_message()
            .unwrap()
            .read_fault()
            .unwrap()
            .unwrap()
            .code
            .value
            .name,
        "Sender"
    );

    let wrong_ns = r#"<s:Envelope xmlns:s="urn:other"><s:Body/></s:Envelope>"#;
    assert!(matches!(
        text(wrong_ns).unwrap_err(),
        MessageError::NotAnEnvelope(_)
    ));

    for evil in [
        r#"<!DOCTYPE x [<!ENTITY a "aaaa">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>"#,
        r#"<?pi x?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>"#,
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&ext;</s:Body></s:Envelope>"#,
    ] {
        let m = text(evil);
        let body_error = m
            .as_ref()
            .ok()
            .map(|m| m.body_reader().and_then(|mut r| r.skip()).is_err());
        assert!(
            matches!(m, Err(MessageError::Xml(_))) || body_error == Some(true),
            "{evil}: {m:?}"
        );
    }

    let must = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">urn:x</a:Action><h:Secret xmlns:h="urn:h" s:mustUnderstand="true">x</h:Secret><h:Other xmlns:h="urn:h" s:mustUnderstand="1" s:role="http://www.w3.org/2003/05/soap-envelope/role/none"/><h:Fine xmlns:h="urn:h">y</h:Fine></s:Header><s:Body/></s:Envelope>"#;
    let m = text(must).unwrap();
    assert_eq!(
        m.headers.not_understood(|_, _| false),
        [("urn:h".to_owned(), "Secret".to_owned())]
    );
    assert!(m
        .headers
        .not_understood(|ns, l| ns == "urn:h" && l == "Secret")
        .is_empty());
    let fault = Message::must_understand_fault(&m.headers, &m.headers.not_understood(|_, _| false));
    let xml =
        String::from_utf8(MessageEncoder::new(Encoding::Text).encode(&fault).unwrap()).unwrap();
    assert!(
        xml.contains(r#"<s:NotUnderstood qname="p:Secret" xmlns:p="urn:h"/>"#),
        "{xml}"
    );
    assert!(xml.contains("<s:Value>s:MustUnderstand</s:Value>"), "{xml}");
}

#[test]
fn unknown_headers_round_trip_between_encodings() {
    let xml = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">urn:x</a:Action><h:Ctx xmlns:h="urn:h" s:mustUnderstand="1" n="5"><h:v>1.5</h:v></h:Ctx></s:Header><s:Body><p xmlns="urn:b">t</p></s:Body></s:Envelope>"#;
    let m = MessageEncoder::new(Encoding::Text)
        .decode(Bytes::from(xml))
        .unwrap();
    assert!(m.headers.other[0].must_understand);
    // .NET writers put namespace declarations after the attributes.
    let xml = xml.replace(
        r#"<h:Ctx xmlns:h="urn:h" s:mustUnderstand="1" n="5">"#,
        r#"<h:Ctx s:mustUnderstand="1" n="5" xmlns:h="urn:h">"#,
    );
    for encoding in [Encoding::Binary, Encoding::BinarySession, Encoding::Text] {
        let again = through(encoding, &m);
        let text =
            String::from_utf8(MessageEncoder::new(Encoding::Text).encode(&again).unwrap()).unwrap();
        assert_eq!(text, xml, "{encoding:?}");
    }
}

/// An envelope declaring `xmlns:p` as `ns`, whose body is `<p:x/>`, in `encoding`.
fn envelope_declaring_p(encoding: Encoding, ns: &'static str) -> Vec<u8> {
    let soap = XmlString::dynamic("http://www.w3.org/2003/05/soap-envelope");
    let write = |w: &mut Writer<'_>| -> Result<(), soapws_nbfs::EncodeError> {
        w.start_element(Some("s"), XmlString::dynamic("Envelope"), Some(soap))?;
        w.xmlns(Some("p"), XmlString::dynamic(ns))?;
        w.start_element(Some("s"), XmlString::dynamic("Body"), Some(soap))?;
        w.start_element(
            Some("p"),
            XmlString::dynamic("x"),
            Some(XmlString::dynamic(ns)),
        )?;
        w.end_element()?;
        w.end_element()?;
        w.end_element()
    };
    let mut w = match encoding {
        Encoding::Text => Writer::text(Vec::new()),
        _ => Writer::with_buffer(Vec::new()).dictionary(&soapws_nbfs::Nbfs),
    };
    write(&mut w).unwrap();
    w.finish().unwrap()
}

/// The namespaces in scope at the body are kept from one message to the next while they stay
/// the same; a message that declares others gets its own.
#[test]
fn each_body_sees_the_declarations_of_its_own_envelope() {
    for encoding in [Encoding::Text, Encoding::Binary] {
        let mut dec = MessageEncoder::new(encoding);
        for ns in ["urn:one", "urn:one", "urn:two", "urn:one"] {
            let m = dec
                .decode(Bytes::from(envelope_declaring_p(encoding, ns)))
                .unwrap();
            let r = m.body_reader().unwrap();
            assert_eq!(r.lookup_namespace("p"), Some(ns), "{encoding:?}");
            assert!(
                matches!(r.node(), Some(Node::StartElement(e)) if e.namespace == ns),
                "{encoding:?}"
            );
        }
    }
}

/// A byte array split over several Bytes records (as .NET's writer splits a `byte[]` whose
/// length is not a multiple of 3) counts whole against MaxArrayLength, as .NET counts it.
#[test]
fn a_byte_array_over_several_records_counts_whole_against_the_quota() {
    let message = Message::one_way("urn:x", |w: &mut Writer<'_>| {
        start(w, "data", Some("urn:d"))?;
        w.value(&Value::Bytes(&[1; 12]))?;
        w.value(&Value::Bytes(&[2; 12]))?;
        w.end_element()
    });
    let bytes = MessageEncoder::new(Encoding::Binary)
        .encode(&message)
        .unwrap();
    let read = |max_array_length: usize| -> Result<usize, XmlError> {
        let quotas = soapws_nbfs::Quotas {
            max_array_length,
            ..soapws_nbfs::Quotas::WCF
        };
        let m = MessageEncoder::with_quotas(Encoding::Binary, quotas, 2048)
            .decode(Bytes::from(bytes.clone()))
            .unwrap();
        let mut r = m.body_reader()?;
        r.read_start_element("data", "urn:d")?;
        match r.node() {
            Some(Node::Text(v)) => Ok(v.to_bytes().map_or(0, |b| b.len())),
            _ => Err(r.unexpected("the bytes")),
        }
    };
    // Each record is under 20 bytes: only the sum goes over.
    assert_eq!(read(24).unwrap(), 24);
    assert!(
        matches!(
            read(20),
            Err(XmlError::Quota {
                what: "byte array length",
                max: 20,
                ..
            })
        ),
        "{:?}",
        read(20)
    );
}

/// Text that is not well-formed is refused where it goes wrong: end tags that do not match,
/// attributes and namespace declarations given twice.
#[test]
fn text_that_is_not_well_formed_is_refused() {
    let envelope = |body: &str| {
        format!(
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>{body}</s:Body></s:Envelope>"#
        )
    };
    let read_with = |quotas: Quotas, xml: String| -> Result<(), String> {
        let m = MessageEncoder::with_quotas(Encoding::Text, quotas, DEFAULT_SESSION_QUOTA)
            .decode(Bytes::from(xml))
            .map_err(|e| e.to_string())?;
        let mut r = m.body_reader().map_err(|e| e.to_string())?;
        while r.node().is_some() {
            r.skip().map_err(|e| e.to_string())?;
        }
        Ok(())
    };
    let read_all = |xml: String| read_with(Quotas::WCF, xml);
    assert_eq!(read_all(envelope("<a><b/></a>")), Ok(()));
    assert_eq!(
        read_all(envelope(r#"<a x="1" y="2" xmlns:p="urn:p" p:x="3"/>"#)),
        Ok(())
    );
    for (bad, expected) in [
        ("<a><b></a></b>", "</a>"),
        ("<a>1</b>", "</b>"),
        (r#"<a x="1" x="2"/>"#, "appears twice"),
        (r#"<a xmlns:p="urn:p" xmlns:p="urn:q"/>"#, "appears twice"),
        (r#"<a xmlns="urn:p" xmlns="urn:q"/>"#, "appears twice"),
    ] {
        let err = read_all(envelope(bad)).expect_err(bad);
        assert!(err.contains(expected), "{bad}: {err}");
    }
    // A tag with many attributes is checked for duplicates in linear time.
    let many: String = (0..20_000).map(|i| format!(" a{i}=''")).collect();
    let unlimited = Quotas {
        max_bytes_per_read: usize::MAX,
        max_name_table_char_count: usize::MAX,
        ..Quotas::WCF
    };
    assert_eq!(
        read_with(unlimited, envelope(&format!("<a{many}/>"))),
        Ok(())
    );
    let err = read_with(unlimited, envelope(&format!("<a{many} a7=''/>"))).unwrap_err();
    assert!(err.contains("'a7' appears twice"), "{err}");
    // Control characters XML 1.0 does not allow are refused where they are, before parsing;
    // tab, line feed and carriage return are text.
    assert_eq!(read_all(envelope("<a>\t1\r\n2</a>")), Ok(()));
    for bad in ["<a>\u{0}</a>", "<a\u{1}/>", "<a b='\u{1f}'/>"] {
        let err = read_all(envelope(bad)).expect_err(bad);
        assert!(err.contains("is not allowed in XML"), "{bad:?}: {err}");
    }
    // In the headers too (read at decode time).
    let xml = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><h xmlns="urn:h"></x></s:Header><s:Body/></s:Envelope>"#;
    assert!(read_all(xml.to_owned()).is_err());
}

/// What XML text says is what the body reader gives: references expanded, CDATA joined with the
/// text around it, line ends normalized, attribute values normalized (a literal tab or line end
/// becomes a space, a referenced one stays), comments skipped.
#[test]
fn text_content_is_read_as_xml_defines_it() {
    let xml = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>\
        <a x=\"1&#9;2\r\n3 &lt;&amp;&quot;\" y='&apos;'>\
        <t>a&lt;b&gt;c&#x20AC;&#8364;<![CDATA[<&>]]>d\r\ne\rf<!-- skipped --></t></a>\
        </s:Body></s:Envelope>";
    let m = MessageEncoder::new(Encoding::Text)
        .decode(Bytes::from(xml))
        .unwrap();
    let mut r = m.body_reader().unwrap();
    assert!(r.is_start_element("a", "").unwrap());
    let attribute = |r: &soapws_envelope::BodyReader<'_>, name: &str| {
        r.attribute_value(name, "").map(|v| v.to_text())
    };
    assert_eq!(attribute(&r, "x").as_deref(), Some("1\t2 3 <&\""));
    assert_eq!(attribute(&r, "y").as_deref(), Some("'"));
    r.read_start_element("a", "").unwrap();
    assert_eq!(r.read_element_string().unwrap(), "a<b>c€€<&>d\ne\nf");
    r.read_end_element().unwrap();

    // Values in one text node, after a comment, empty, and after white space and comments.
    let xml = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><v>\
        <i>12</i><i><!-- c -->34</i> <!-- c --> <i/><i></i><i>5</i></v></s:Body></s:Envelope>";
    let m = MessageEncoder::new(Encoding::Text)
        .decode(Bytes::from(xml))
        .unwrap();
    let mut r = m.body_reader().unwrap();
    r.read_start_element("v", "").unwrap();
    let mut texts = Vec::new();
    for _ in 0..5 {
        texts.push(
            r.read_element_value("string", |v| Some(v.to_text()))
                .unwrap(),
        );
    }
    assert_eq!(texts, ["12", "34", "", "", "5"]);
    r.read_end_element().unwrap();
    assert!(r.node().is_none());

    let envelope = |body: &str| {
        format!(
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>{body}</s:Body></s:Envelope>"#
        )
    };
    for (body, expected) in [
        ("<a>&nbsp;</a>", "undefined entity"),
        ("<a>&#0;</a>", "character reference"),
        ("<a>x & y</a>", "reference"),
        ("<?xml version=\"1.0\"?>", "only allowed first"),
        ("<a b='1'c='2'/>", "white space"),
        ("<p:a xmlns:p='urn:p' p:b:c='1'/>", "not a qualified name"),
        ("<!-- a -- b -->", "'--'"),
        ("<a><![CDATA[x</a>", "unterminated CDATA"),
    ] {
        // Found at decode when the body's first node is bad, else when the body is read.
        let read_all = || -> Result<(), String> {
            let m = MessageEncoder::new(Encoding::Text)
                .decode(Bytes::from(envelope(body)))
                .map_err(|e| e.to_string())?;
            let mut r = m.body_reader().map_err(|e| e.to_string())?;
            while r.node().is_some() {
                r.skip().map_err(|e| e.to_string())?;
            }
            Ok(())
        };
        let err = read_all().expect_err(body);
        assert!(err.contains(expected), "{body}: {err}");
    }
}

#[test]
fn header_flags_set_in_code_are_written() {
    let xml = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><h:Ctx xmlns:h="urn:h">1</h:Ctx></s:Header><s:Body/></s:Envelope>"#;
    let mut m = MessageEncoder::new(Encoding::Text)
        .decode(Bytes::from(xml))
        .unwrap();
    let header = &mut m.headers.other[0];
    assert!(!header.must_understand);
    header.must_understand = true;
    header.role = Some("http://www.w3.org/2003/05/soap-envelope/role/next".into());
    header.relay = true;
    for encoding in [Encoding::Text, Encoding::Binary, Encoding::BinarySession] {
        let again = through(encoding, &m);
        let h = &again.headers.other[0];
        assert!(h.must_understand && h.relay, "{encoding:?}");
        assert_eq!(h.role, m.headers.other[0].role, "{encoding:?}");
        // Read back, the attributes are the content's own and are not written twice.
        let text =
            String::from_utf8(MessageEncoder::new(Encoding::Text).encode(&again).unwrap()).unwrap();
        assert_eq!(text.matches("mustUnderstand").count(), 1, "{text}");
    }
}

#[test]
fn content_types_follow_wcf_matching() {
    let cases = [
        ("application/soap+xml; charset=utf-8", Some(Encoding::Text)),
        (
            "Application/SOAP+XML;charset=\"UTF-8\"",
            Some(Encoding::Text),
        ),
        ("application/soap+xml", Some(Encoding::Text)),
        (
            "application/soap+xml; charset=utf-8; action=\"urn:a\"",
            Some(Encoding::Text),
        ),
        ("application/soap+xml; charset=iso-8859-1", None),
        ("text/xml; charset=utf-8", None),
        (
            "application/soap+msbinsession1",
            Some(Encoding::BinarySession),
        ),
        ("APPLICATION/SOAP+MSBIN1", Some(Encoding::Binary)),
        ("application/soap+msbin1; x=y", None),
        ("", None),
    ];
    for (ct, expected) in cases {
        assert_eq!(Encoding::from_content_type(ct), expected, "{ct}");
    }
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    let good = MessageEncoder::new(Encoding::BinarySession)
        .encode(&order_request())
        .unwrap();
    for cut in 0..good.len() {
        let mut dec = MessageEncoder::new(Encoding::BinarySession);
        if let Ok(m) = dec.decode(Bytes::copy_from_slice(&good[..cut])) {
            let _ = m.body_reader().and_then(|mut r| {
                while r.node().is_some() {
                    r.skip()?;
                }
                Ok(())
            });
        }
    }
    let mut dec = MessageEncoder::new(Encoding::Text);
    assert!(matches!(
        dec.decode(Bytes::from_static(b"\xFF\xFE\x00")),
        Err(MessageError::Charset)
    ));
    assert!(matches!(
        dec.decode(Bytes::from_static(b"<a>")),
        Err(MessageError::NotAnEnvelope(_))
    ));
    let truncated = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>"#;
    assert!(matches!(
        dec.decode(Bytes::from(truncated)),
        Err(MessageError::Xml(_))
    ));
}

#[test]
fn an_unprefixed_top_level_fault_code_is_a_soap_code() {
    let xml = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="">no</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>"#;
    let m = MessageEncoder::new(Encoding::Text)
        .decode(Bytes::from(xml))
        .unwrap();
    let f = m.read_fault().unwrap().unwrap();
    assert_eq!(f.code.value, QualifiedName::soap("Sender"));
    assert_eq!(f.reasons[0].lang, "");
}

/// Text where a header or the body belongs (found by fuzzing: it used to loop for ever) is an
/// error in both encodings.
#[test]
fn text_in_the_envelope_is_an_error_not_a_hang() {
    let text = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">x</s:Envelope>"#;
    let r = MessageEncoder::new(Encoding::Text).decode(Bytes::from(text));
    assert!(r.is_err(), "{:?}", r.map(|m| m.headers.action));
    // <s:Envelope xmlns:s="…soap-envelope">x</s:Envelope> in msbin1.
    let binary: &[u8] = &[0x56, 0x02, 0x0b, 0x01, 0x73, 0x04, 0x99, 0x01, 0x78];
    let r = MessageEncoder::new(Encoding::Binary).decode(Bytes::from_static(binary));
    assert!(r.is_err(), "{:?}", r.map(|m| m.headers.action));
}

#[test]
fn children_are_found_by_name_in_any_order_first_where_expected() {
    let names = [("a", "urn:c"), ("b", "urn:c"), ("c", "urn:c")];
    let sent = Message::one_way("urn:children", |w: &mut Writer<'_>| {
        start(w, "Parent", Some("urn:c"))?;
        for child in ["a", "b", "b", "x", "a", "c", "b"] {
            start(w, child, None)?;
            w.end_element()?;
        }
        w.end_element()
    });
    for encoding in [Encoding::Text, Encoding::Binary, Encoding::BinarySession] {
        let m = through(encoding, &sent);
        let mut r = m.body_reader().unwrap();
        soapws_envelope::ser::enter(&mut r).unwrap();
        let (mut expected, mut found) = (0, Vec::new());
        while let Some(i) = soapws_envelope::ser::next_child(&mut r, &names, &mut expected).unwrap()
        {
            found.push(i);
            r.skip().unwrap();
        }
        assert_eq!(found, [0, 1, 1, usize::MAX, 0, 2, 1], "{encoding:?}");
    }
}

/// A request whose body holds an element `<e>` per name, and one element with `attributes`
/// bytes of attribute value.
fn request_with(names: Vec<String>, attribute: usize) -> Message {
    Message::request("urn:quotas", move |w: &mut Writer<'_>| {
        start(w, "Body", Some("urn:q"))?;
        start(w, "tagged", None)?;
        w.attribute(
            None,
            XmlString::dynamic("v"),
            None,
            &Value::Str(&"x".repeat(attribute)),
        )?;
        w.end_element()?;
        for name in &names {
            w.start_element(None, XmlString::dynamic(name), None)?;
            w.end_element()?;
        }
        w.end_element()
    })
}

/// Reads the body of `m` as `encoding` carries it, with `quotas`.
fn read_body_with(encoding: Encoding, quotas: Quotas, m: &Message) -> Result<(), XmlError> {
    let bytes = MessageEncoder::new(encoding).encode(m).unwrap();
    let decoded = MessageEncoder::with_quotas(encoding, quotas, DEFAULT_SESSION_QUOTA)
        .decode(Bytes::from(bytes))
        .map_err(|e| XmlError::Unexpected {
            expected: "a message".into(),
            found: e.to_string(),
        })?;
    let mut r = decoded.body_reader()?;
    while r.node().is_some() {
        r.skip()?;
    }
    Ok(())
}

/// MaxBytesPerRead and MaxNameTableCharCount in every encoding: a start tag's attributes past
/// the first are refused; distinct names written inline past the second are, repeated ones are
/// counted once, and the names msbinsession1 puts in the session table are not counted.
#[test]
fn bytes_per_read_and_name_table_quotas() {
    let quota_error = |r: Result<(), XmlError>| match r {
        Err(XmlError::Quota { what, max, .. }) => (what.to_lowercase(), max),
        Err(XmlError::Binary(e)) => (e.kind.to_string(), 0),
        other => panic!("expected a quota error, got {other:?}"),
    };
    let quotas = Quotas {
        max_bytes_per_read: 100,
        max_name_table_char_count: 300,
        ..Quotas::WCF
    };
    let names =
        |n: usize, distinct: usize| (0..n).map(|i| format!("n{:04}", i % distinct)).collect();
    for encoding in [Encoding::Text, Encoding::Binary, Encoding::BinarySession] {
        let fits = request_with(names(2000, 20), 80);
        assert!(
            read_body_with(encoding, quotas, &fits).is_ok(),
            "{encoding:?}"
        );
        let wide = request_with(names(1, 1), 120);
        let (what, _) = quota_error(read_body_with(encoding, quotas, &wide));
        assert!(what.contains("bytes"), "{encoding:?}: {what}");
        let distinct = request_with(names(100, 100), 0);
        let read = read_body_with(encoding, quotas, &distinct);
        if encoding == Encoding::BinarySession {
            assert!(read.is_ok(), "session strings are not counted: {read:?}");
        } else {
            let (what, _) = quota_error(read);
            assert!(what.contains("name"), "{encoding:?}: {what}");
        }
    }
}
