//! Writes the seed corpora of both targets: realistic messages encoded with our own encoders
//! (requests with headers and typed bodies, replies, faults) and the four WCF captures of
//! `shared/nbfx-captures` (the `.hex` messages for `binary_message`, the `.xml` files for
//! `text_message`).
//!
//! ```sh
//! cargo run --example seeds [-- CAPTURES_DIR [CORPUS_DIR]]
//! ```
//!
//! `CAPTURES_DIR` defaults to `shared/nbfx-captures` next to the repository, `CORPUS_DIR` to
//! this crate's `corpus/`; files are written to `CORPUS_DIR/text_message/` and
//! `CORPUS_DIR/binary_message/` (existing files of the same name are replaced).

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use soapws_envelope::{
    Encoding, Fault, FaultCode, Message, MessageEncoder, MessageId, QualifiedName,
};
use soapws_envelope_fuzz::{session_messages, MAX_SESSION_MESSAGES, SEPARATOR};
use soapws_nbfs::{
    ArrayItems, DateTime, Decimal, EncodeError, Guid, TimeSpan, Value, ValueList, Writer, XmlString,
};

const CAPTURES: [&str; 4] = [
    "capture-nettcp-calculator-1-subtract",
    "capture-nettcp-calculator-2-multiply",
    "capture-nettcp-calculator-3-divide",
    "capture-nettcp-calculator-4-concat",
];

/// A request with a typed body: every scalar type, an array, a list, nested elements.
fn order_request() -> Message {
    let mut m = Message::request("http://tempuri.org/IShop/Submit", |w: &mut Writer<'_>| {
        let ns = XmlString::dynamic("http://tempuri.org/");
        w.start_element(None, XmlString::dynamic("Submit"), Some(ns))?;
        w.xmlns(
            Some("i"),
            XmlString::dynamic("http://www.w3.org/2001/XMLSchema-instance"),
        )?;
        let decimal = Decimal {
            mantissa: 1999,
            scale: 2,
            negative: false,
        };
        let when = DateTime::from_wire((1 << 62) | 638_000_000_000_000_000).expect("in range");
        let id = Guid::parse("a47cb7ed-65dd-4db9-a623-44d76b8389cc").expect("a GUID");
        for (name, value) in [
            ("id", Value::Int32(42)),
            ("big", Value::Int64(-9_000_000_000)),
            ("count", Value::UInt64(u64::MAX)),
            ("price", Value::Double(19.99)),
            ("ratio", Value::Float(0.5)),
            ("total", Value::Decimal(decimal)),
            ("paid", Value::Bool(true)),
            ("note", Value::Str("a < b & 'c' \"d\" > e")),
            ("blob", Value::Bytes(&[0, 1, 2, 250, 251, 252, 253])),
            ("when", Value::DateTime(when)),
            ("wait", Value::TimeSpan(TimeSpan(36_000_000_000))),
            ("key", Value::Guid(id)),
            ("ref", Value::UniqueId(id)),
            (
                "tags",
                Value::List(ValueList::new(&[
                    Value::Int32(1),
                    Value::Str("two"),
                    Value::Bool(false),
                ])),
            ),
        ] {
            w.start_element(None, XmlString::dynamic(name), None)?;
            w.value(&value)?;
            w.end_element()?;
        }
        w.start_element(None, XmlString::dynamic("lines"), None)?;
        w.array(
            None,
            XmlString::dynamic("n"),
            None,
            ArrayItems::Int32(&[1, -2, 300, 40000]),
        )?;
        w.end_element()?;
        w.start_element(None, XmlString::dynamic("customer"), None)?;
        w.attribute(
            Some("i"),
            XmlString::dynamic("type"),
            Some(XmlString::dynamic(
                "http://www.w3.org/2001/XMLSchema-instance",
            )),
            &Value::Str("Person"),
        )?;
        w.start_element(None, XmlString::dynamic("name"), None)?;
        w.value(&Value::Str("Zoë Ünïcödé ✓"))?;
        w.end_element()?;
        w.start_element(None, XmlString::dynamic("empty"), None)?;
        w.end_element()?;
        w.comment(" a comment ")?;
        w.end_element()?;
        w.end_element()
    });
    m.headers.to = Some("ws://127.0.0.1:8080/shop".into());
    // A fixed id, so that the seeds are the same on every run.
    let id = Guid::parse("f7aa2da5-12fe-4624-9105-4a2ca872002e").expect("a GUID");
    m.headers.message_id = Some(MessageId::Uuid(id));
    m
}

/// A reply to [`order_request`] with a small body.
fn order_reply(request: &Message) -> Message {
    Message::reply(
        &request.headers,
        "http://tempuri.org/IShop/SubmitResponse",
        |w: &mut Writer<'_>| -> Result<(), EncodeError> {
            let ns = XmlString::dynamic("http://tempuri.org/");
            w.start_element(None, XmlString::dynamic("SubmitResponse"), Some(ns))?;
            w.start_element(None, XmlString::dynamic("SubmitResult"), None)?;
            w.value(&Value::Bool(true))?;
            w.end_element()?;
            w.end_element()
        },
    )
}

/// Every addressing header, unknown headers with mustUnderstand/role/relay, an empty body.
fn full_headers() -> Message {
    let text = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">urn:shop:Ping</a:Action><a:MessageID>urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e</a:MessageID><a:RelatesTo RelationshipType="urn:custom">urn:other:1</a:RelatesTo><a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">ws://example.org/svc</a:To><a:FaultTo><a:Address>ws://example.org/faults</a:Address><a:ReferenceParameters><r:Id xmlns:r="urn:ref">7</r:Id></a:ReferenceParameters></a:FaultTo><a:From><a:Address>urn:client</a:Address></a:From><h:Ctx s:mustUnderstand="true" s:role="http://www.w3.org/2003/05/soap-envelope/role/next" s:relay="1" n="5" xmlns:h="urn:h"><h:v>1.5</h:v><!-- note --><h:w xml:lang="en">x &amp; y<![CDATA[ <z> ]]></h:w></h:Ctx><t:Trace xmlns:t="urn:t" s:role="http://www.w3.org/2003/05/soap-envelope/role/none"/></s:Header><s:Body/></s:Envelope>"#;
    decode(Encoding::Text, text.as_bytes())
}

/// A one-way message whose body uses default namespaces and prefixes declared deep inside.
fn one_way_namespaces() -> Message {
    let text = r#"<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">
  <s:Header>
    <a:Action s:mustUnderstand="1">urn:shop:Notify</a:Action>
  </s:Header>
  <s:Body>
    <Notify xmlns="urn:shop" xmlns:x="urn:x">
      <x:item x:code="A&#x41;" plain="1">first</x:item>
      <item xmlns="">no namespace</item>
      <y:deep xmlns:y="urn:y"><y:deeper y:at="&lt;&gt;">&#233;t&#xE9;</y:deeper></y:deep>
    </Notify>
  </s:Body>
</s:Envelope>
"#;
    decode(Encoding::Text, text.as_bytes())
}

fn faults(request: &Message) -> Vec<(&'static str, Message)> {
    let mut detailed = Fault::new(
        FaultCode::new(QualifiedName::soap("Receiver"))
            .with_subcode(QualifiedName::new("urn:app", "Overloaded"))
            .with_subcode(QualifiedName::new("urn:app", "TryLater")),
        "busy, try later",
    );
    detailed.node = Some("urn:node".into());
    detailed.role = Some("http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver".into());
    let detail = decode(
        Encoding::Text,
        br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><d:Info xmlns:d="urn:app"><d:RetryAfter>30</d:RetryAfter></d:Info></s:Body></s:Envelope>"#,
    );
    let mut r = detail.body_reader().expect("a body");
    detailed
        .detail
        .push(soapws_envelope::xml::RawXml::read(&mut r).expect("an element"));

    let not_understood = vec![("urn:h".to_owned(), "Secret".to_owned())];
    vec![
        (
            "fault-receiver-detail",
            Message::fault(Some(&request.headers), "urn:app:fault", detailed),
        ),
        (
            "fault-action-not-supported",
            Message::fault(
                Some(&request.headers),
                "http://www.w3.org/2005/08/addressing/fault",
                Fault::action_not_supported("urn:nope"),
            ),
        ),
        (
            "fault-must-understand",
            Message::must_understand_fault(&request.headers, &not_understood),
        ),
        ("fault-version-mismatch", Message::version_mismatch_fault()),
        (
            "fault-internal",
            Message::fault(None, "urn:app:fault", Fault::internal_service_fault("boom")),
        ),
    ]
}

fn decode(encoding: Encoding, bytes: &[u8]) -> Message {
    MessageEncoder::new(encoding)
        .decode(Bytes::copy_from_slice(bytes))
        .unwrap_or_else(|e| panic!("seed message does not decode: {e}"))
}

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).expect("ASCII"), 16).expect("hex"))
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Joins session messages with the separator, when none contains it (else the target would
/// split them differently).
fn joined(messages: &[Vec<u8>]) -> Option<Vec<u8>> {
    if messages
        .iter()
        .any(|m| m.windows(2).any(|w| w == SEPARATOR))
    {
        return None;
    }
    let out = messages.join(SEPARATOR);
    assert_eq!(session_messages(&out).len(), messages.len());
    Some(out)
}

fn main() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut args = std::env::args_os().skip(1);
    let captures = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../../../shared/nbfx-captures"));
    let corpus = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("corpus"));
    let text_dir = corpus.join("text_message");
    let binary_dir = corpus.join("binary_message");
    fs::create_dir_all(&text_dir).expect("corpus/text_message");
    fs::create_dir_all(&binary_dir).expect("corpus/binary_message");

    // Our own messages, in all three encodings.
    let request = order_request();
    let mut messages = vec![
        ("request-typed-body", request.clone()),
        ("reply", order_reply(&request)),
        ("headers-empty-body", full_headers()),
        ("one-way-namespaces", one_way_namespaces()),
    ];
    messages.extend(faults(&request));
    let mut session = MessageEncoder::new(Encoding::BinarySession);
    let mut in_session = Vec::new();
    for (name, m) in &messages {
        let text = MessageEncoder::new(Encoding::Text).encode(m).expect("text");
        write(&text_dir, &format!("{name}.xml"), &text);
        let binary = MessageEncoder::new(Encoding::Binary)
            .encode(m)
            .expect("msbin1");
        write(&binary_dir, &format!("{name}.msbin1"), &binary);
        let alone = MessageEncoder::new(Encoding::BinarySession)
            .encode(m)
            .expect("msbinsession1");
        write(&binary_dir, &format!("{name}.msbinsession1"), &alone);
        in_session.push(session.encode(m).expect("msbinsession1"));
    }
    // One connection's messages, up to four per input.
    for (i, group) in in_session.chunks(MAX_SESSION_MESSAGES).enumerate() {
        match joined(group) {
            Some(bytes) => write(
                &binary_dir,
                &format!("session-{}.msbinsession1", i + 1),
                &bytes,
            ),
            None => eprintln!("session group {} contains FF FE; not written", i + 1),
        }
    }

    // The WCF captures: msbinsession1 messages of one connection, and their XML.
    let mut capture_messages = Vec::new();
    let mut decoder = MessageEncoder::new(Encoding::BinarySession);
    for name in CAPTURES {
        let read = |ext: &str| {
            let path = captures.join(format!("{name}.{ext}"));
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        let bytes = hex(&read("hex"));
        write(&binary_dir, &format!("{name}.msbinsession1"), &bytes);
        let xml = read("xml");
        write(&text_dir, &format!("{name}.xml"), xml.as_bytes());
        // The same message as msbin1 (the session strings written inline).
        let m = decoder
            .decode(Bytes::from(bytes.clone()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let binary = MessageEncoder::new(Encoding::Binary)
            .encode(&m)
            .expect("msbin1");
        write(&binary_dir, &format!("{name}.msbin1"), &binary);
        capture_messages.push(bytes);
    }
    match joined(&capture_messages) {
        Some(bytes) => write(&binary_dir, "captures-session.msbinsession1", &bytes),
        None => eprintln!("a capture contains FF FE; the joined session is not written"),
    }
    // The last capture's XML with a BOM and declaration, and as UTF-16 (both byte orders).
    let xml = fs::read_to_string(captures.join(format!("{}.xml", CAPTURES[3]))).expect("xml");
    let with_bom = [
        &b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>"[..],
        xml.as_bytes(),
    ]
    .concat();
    write(&text_dir, "capture-bom-declaration.xml", &with_bom);
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(xml.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    write(&text_dir, "capture-utf16le.xml", &le);
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(xml.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    write(&text_dir, "capture-utf16be.xml", &be);

    // Every seed must decode with the target's decoder.
    for entry in fs::read_dir(&text_dir).expect("text corpus") {
        let path = entry.expect("entry").path();
        let bytes = fs::read(&path).expect("seed");
        if let Err(e) = MessageEncoder::new(Encoding::Text).decode(Bytes::from(bytes)) {
            eprintln!("{}: {e}", path.display());
        }
    }
    let text_count = fs::read_dir(&text_dir).expect("dir").count();
    let binary_count = fs::read_dir(&binary_dir).expect("dir").count();
    println!("{text_count} seeds in {}", text_dir.display());
    println!("{binary_count} seeds in {}", binary_dir.display());
}
