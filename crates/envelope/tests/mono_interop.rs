//! Message-level interop with WCF's message encoders as shipped in Mono, driven through
//! `tests/interop/envelope/WcfMessageHarness.cs`: WCF (text, msbin1, and msbinsession1 through
//! the harness's shim) reads messages we encode — requests, replies, faults, a growing session
//! string table — and we read messages WCF builds and encodes.
//!
//! Needs Mono (`mono`, `mcs`); fails, never skips, when it is missing.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use bytes::Bytes;
use soapws_envelope::names;
use soapws_envelope::xml::{Node, RawNode, RawValue, RawXml, TextXmlReader, XmlRead};
use soapws_envelope::{
    Encoding, Fault, FaultCode, Header, Message, MessageEncoder, MessageId, QualifiedName,
};
use soapws_nbfs::{
    Attribute, DateTime, DateTimeKind, Decimal, EncodeError, Guid, Value, Writer, XmlString,
};

const TO: &str = "ws://127.0.0.1:8080/orders";
const ORDERS_NS: &str = "urn:soapws:test:orders";
const CUSTOMERS_NS: &str = "urn:soapws:test:customers";
const HEADERS_NS: &str = "urn:soapws:test:headers";
const FAULTS_NS: &str = "urn:soapws:test:faults";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const WSA10_ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";

// ---------------------------------------------------------------------------------------------
// Mono and the harness

/// Compiles the harness once per test binary; panics with a clear message when Mono is missing.
fn harness() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        soapws_testkit::compile_interop(
            Path::new(env!("CARGO_TARGET_TMPDIR")),
            "WcfMessageHarness",
            &["envelope/WcfMessageHarness.cs"],
        )
    })
}

fn mode_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Text => "text",
        Encoding::Binary => "binary",
        Encoding::BinarySession => "session",
    }
}

fn run_harness(command: &str, mode: Encoding, input: &str) -> String {
    let mut child = Command::new("mono")
        .arg(harness())
        .args([command, mode_name(mode)])
        .arg(soapws_testkit::dictionary_tsv())
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mono");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("mono output");
    feeder.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "harness {command} {} failed: {}",
        mode_name(mode),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn b64(s: &str) -> String {
    B64.encode(s)
}

fn unb64(s: &str) -> String {
    String::from_utf8(B64.decode(s).unwrap()).unwrap()
}

fn opt_unb64(s: &str) -> Option<String> {
    (s != "-").then(|| unb64(s))
}

/// What WCF saw in one message (the harness's `decode` output).
#[derive(Debug, Default)]
struct Seen {
    action: Option<String>,
    message_id: Option<String>,
    relates_to: Option<String>,
    to: Option<String>,
    reply_to: Option<String>,
    /// (namespace, local name, mustUnderstand)
    headers: Vec<(String, String, bool)>,
    content: SeenBody,
}

#[derive(Debug, Default, PartialEq)]
enum SeenBody {
    #[default]
    Missing,
    Body(String),
    Empty,
    Fault {
        code: (String, String),
        subcode: Option<(String, String)>,
        reason: String,
    },
    Err(String),
}

/// WCF decodes `messages` in order (one reader session in session mode).
fn wcf_decode(mode: Encoding, messages: &[Vec<u8>]) -> Vec<Seen> {
    let input: String = messages.iter().map(|m| hex(m) + "\n").collect();
    let out = run_harness("decode", mode, &input);
    let mut all = Vec::new();
    let mut seen = Seen::default();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f[0] {
            "ACTION" => seen.action = opt_unb64(f[1]),
            "MESSAGEID" => seen.message_id = opt_unb64(f[1]),
            "RELATESTO" => seen.relates_to = opt_unb64(f[1]),
            "TO" => seen.to = opt_unb64(f[1]),
            "REPLYTO" => seen.reply_to = opt_unb64(f[1]),
            "HEADER" => seen.headers.push((unb64(f[1]), unb64(f[2]), f[3] == "1")),
            "FAULT" => {
                seen.content = SeenBody::Fault {
                    code: (unb64(f[1]), unb64(f[2])),
                    subcode: opt_unb64(f[3]).map(|ns| (ns, unb64(f[4]))),
                    reason: unb64(f[5]),
                }
            }
            "BODY" => seen.content = SeenBody::Body(unb64(f[1])),
            "EMPTY" => seen.content = SeenBody::Empty,
            "END" => all.push(std::mem::take(&mut seen)),
            _ if line.starts_with("ERR ") => seen.content = SeenBody::Err(line.to_owned()),
            _ => panic!("unexpected harness line {line:?}"),
        }
    }
    assert_eq!(
        all.len(),
        messages.len(),
        "one description per message:\n{out}"
    );
    for (i, s) in all.iter().enumerate() {
        if let SeenBody::Err(e) = &s.content {
            panic!(
                "{} message {i}: WCF could not read our bytes: {e}\n  bytes: {}",
                mode_name(mode),
                hex(&messages[i])
            );
        }
    }
    all
}

/// WCF builds and encodes the messages of `script` (one harness line each), in order.
fn wcf_encode(mode: Encoding, script: &[String]) -> Vec<Vec<u8>> {
    let input: String = script.iter().map(|l| l.clone() + "\n").collect();
    let out = run_harness("encode", mode, &input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), script.len(), "one line per message:\n{out}");
    lines
        .iter()
        .zip(script)
        .map(|(l, s)| {
            assert!(
                !l.starts_with("ERR"),
                "{}: WCF could not build/encode {s:?}: {l}",
                mode_name(mode)
            );
            unhex(l)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Bodies: a model written by us, and infosets to compare

/// A typed text value.
#[derive(Debug, Clone)]
enum Typed {
    I32(i32),
    I64(i64),
    F64(f64),
    Dec(Decimal),
    Bool(bool),
    Dt(DateTime),
    Str(String),
    Bytes(Vec<u8>),
    Guid(Guid),
}

impl Typed {
    fn value(&self) -> Value<'_> {
        match self {
            Typed::I32(v) => Value::Int32(*v),
            Typed::I64(v) => Value::Int64(*v),
            Typed::F64(v) => Value::Double(*v),
            Typed::Dec(v) => Value::Decimal(*v),
            Typed::Bool(v) => Value::Bool(*v),
            Typed::Dt(v) => Value::DateTime(*v),
            Typed::Str(v) => Value::Str(v),
            Typed::Bytes(v) => Value::Bytes(v),
            Typed::Guid(v) => Value::Guid(*v),
        }
    }

    /// True when `text` (as another XML stack prints it) is this value.
    fn matches(&self, text: &str) -> bool {
        match self {
            Typed::I32(v) => text.trim().parse::<i64>() == Ok(i64::from(*v)),
            Typed::I64(v) => text.trim().parse::<i64>() == Ok(*v),
            Typed::F64(v) => text.trim().parse::<f64>() == Ok(*v),
            Typed::Dec(v) => normalize_decimal(text.trim()) == normalize_decimal(&v.to_string()),
            Typed::Bool(v) => text.trim() == if *v { "true" } else { "false" },
            Typed::Dt(v) => text.trim() == v.to_string(),
            Typed::Str(v) => text == v,
            Typed::Bytes(v) => B64.decode(text.trim()).is_ok_and(|b| b == *v),
            Typed::Guid(v) => text.trim().eq_ignore_ascii_case(&v.to_string()),
        }
    }
}

fn normalize_decimal(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s.to_owned()
    }
}

/// An element of a body model.
#[derive(Debug, Clone)]
struct El {
    prefix: Option<&'static str>,
    local: &'static str,
    ns: &'static str,
    /// (prefix, local name, namespace, value)
    attrs: Vec<(&'static str, &'static str, &'static str, &'static str)>,
    content: Content,
}

#[derive(Debug, Clone)]
enum Content {
    Nothing,
    Text(Typed),
    Children(Vec<El>),
}

fn el(local: &'static str, content: Content) -> El {
    El {
        prefix: None,
        local,
        ns: ORDERS_NS,
        attrs: Vec::new(),
        content,
    }
}

fn leaf(local: &'static str, v: Typed) -> El {
    el(local, Content::Text(v))
}

/// Writes the model; names and namespaces are dynamic dictionary strings (session strings in
/// msbinsession1), as generated serializers write them.
fn write_el(e: &El, w: &mut Writer<'_>) -> Result<(), EncodeError> {
    w.start_element(
        e.prefix,
        XmlString::dynamic(e.local),
        Some(XmlString::dynamic(e.ns)),
    )?;
    for (p, l, ns, v) in &e.attrs {
        let ns = (!ns.is_empty()).then(|| XmlString::dynamic(ns));
        w.attribute(Some(p), XmlString::dynamic(l), ns, &Value::Str(v))?;
    }
    match &e.content {
        Content::Nothing => {}
        Content::Text(t) => w.value(&t.value())?,
        Content::Children(c) => {
            for child in c {
                write_el(child, w)?;
            }
        }
    }
    w.end_element()
}

/// One node of an infoset: namespace declarations and comments are left out, adjacent text is
/// joined, attributes are sorted.
#[derive(Debug, Clone, PartialEq)]
enum Ev {
    /// (namespace, local name, attributes as (namespace, local name, value))
    Start(String, String, Vec<(String, String, String)>),
    Text(String),
    End,
}

/// The infoset of the nodes from the reader's current one to the end of its input.
fn infoset(r: &mut impl XmlRead) -> Vec<Ev> {
    let mut evs = Vec::new();
    while let Some(node) = r.node() {
        match node {
            Node::StartElement(e) => {
                let mut attrs: Vec<_> = (0..r.attribute_count())
                    .filter_map(|i| match r.attribute(i) {
                        Attribute::Value {
                            local_name,
                            namespace,
                            value,
                            ..
                        } => Some((
                            namespace.to_string(),
                            local_name.to_string(),
                            value.to_text(),
                        )),
                        Attribute::Xmlns { .. } => None,
                    })
                    .collect();
                attrs.sort();
                evs.push(Ev::Start(
                    e.namespace.to_string(),
                    e.local_name.to_string(),
                    attrs,
                ));
            }
            Node::EndElement => evs.push(Ev::End),
            Node::Text(v) => match evs.last_mut() {
                Some(Ev::Text(t)) => v.write_text(t),
                _ => evs.push(Ev::Text(v.to_text())),
            },
            Node::Comment(_) => {}
        }
        r.advance().expect("read the body");
    }
    evs
}

/// The infoset of XML text with any number of top-level elements.
fn infoset_of_text(xml: &str) -> Vec<Ev> {
    let wrapped = format!("<wrapper>{xml}</wrapper>");
    let mut r = TextXmlReader::new(&wrapped);
    r.advance().unwrap();
    let mut evs = infoset(&mut r);
    assert_eq!(
        evs.first(),
        Some(&Ev::Start(String::new(), "wrapper".into(), vec![]))
    );
    evs.remove(0);
    evs.pop();
    evs
}

/// The infoset a model should have; text stays typed.
#[derive(Debug)]
enum Expect {
    Ev(Ev),
    Text(Typed),
}

fn expected(e: &El, out: &mut Vec<Expect>) {
    let mut attrs: Vec<_> = e
        .attrs
        .iter()
        .map(|(_, l, ns, v)| (ns.to_string(), l.to_string(), v.to_string()))
        .collect();
    attrs.sort();
    out.push(Expect::Ev(Ev::Start(e.ns.into(), e.local.into(), attrs)));
    match &e.content {
        Content::Nothing => {}
        Content::Text(t) => out.push(Expect::Text(t.clone())),
        Content::Children(c) => c.iter().for_each(|c| expected(c, out)),
    }
    out.push(Expect::Ev(Ev::End));
}

fn assert_body_matches(what: &str, model: &El, xml: &str) {
    let mut want = Vec::new();
    expected(model, &mut want);
    let got = infoset_of_text(xml);
    let ok = want.len() == got.len()
        && want.iter().zip(&got).all(|(w, g)| match (w, g) {
            (Expect::Ev(w), g) => w == g,
            (Expect::Text(t), Ev::Text(s)) => t.matches(s),
            _ => false,
        });
    assert!(ok, "{what}: the body WCF read differs from what we wrote\n want: {want:?}\n got:  {got:?}\n xml: {xml}");
}

/// A body with typed fields of every common kind, a nested element in another namespace with an
/// attribute, and an empty element.
fn order_body(id: i32, note: &str, extra: bool) -> El {
    let mut fields = vec![
        leaf("Id", Typed::I32(id)),
        leaf("Big", Typed::I64(-9_000_000_001)),
        leaf("Ratio", Typed::F64(std::f64::consts::PI)),
        leaf(
            "Price",
            Typed::Dec(Decimal {
                mantissa: 123_456_789,
                scale: 4,
                negative: false,
            }),
        ),
        leaf("Active", Typed::Bool(true)),
        leaf(
            "Created",
            Typed::Dt(DateTime {
                ticks: 638_448_068_967_890_000,
                kind: DateTimeKind::Utc,
            }),
        ),
        leaf("Note", Typed::Str(note.to_owned())),
        leaf(
            "Blob",
            Typed::Bytes((0..=255u8).rev().step_by(5).chain([0]).collect()),
        ),
        leaf(
            "Ref",
            Typed::Guid(Guid::parse("0f8fad5b-d9cb-469f-a165-70867728950e").unwrap()),
        ),
        El {
            prefix: Some("c"),
            local: "Customer",
            ns: CUSTOMERS_NS,
            attrs: vec![
                ("c", "tier", CUSTOMERS_NS, "gold"),
                ("", "since", "", "2019"),
            ],
            content: Content::Children(vec![
                El {
                    prefix: Some("c"),
                    local: "Name",
                    ns: CUSTOMERS_NS,
                    attrs: vec![],
                    content: Content::Text(Typed::Str("Zoë".into())),
                },
                El {
                    prefix: Some("c"),
                    local: "Score",
                    ns: CUSTOMERS_NS,
                    attrs: vec![],
                    content: Content::Text(Typed::F64(-0.125)),
                },
            ]),
        },
        el("Nothing", Content::Nothing),
    ];
    if extra {
        fields.push(leaf("Extra", Typed::Str("only in some messages".into())));
    }
    el("Order", Content::Children(fields))
}

const NOTE: &str = "a < b && c > d; \"quoted\" 'apos' ]]> ünïcödé 𝄞\nsecond line\ttab";

fn body_writer(
    body: El,
) -> impl Fn(&mut Writer<'_>) -> Result<(), EncodeError> + Send + Sync + 'static {
    move |w: &mut Writer<'_>| write_el(&body, w)
}

/// A custom `mustUnderstand` header, read from XML text into raw XML.
fn tenant_header() -> Header {
    let xml = format!(
        r#"<h:Tenant xmlns:h="{HEADERS_NS}" xmlns:s="{SOAP12}" s:mustUnderstand="1">contoso &amp; co</h:Tenant>"#
    );
    let mut r = TextXmlReader::new(&xml);
    r.advance().unwrap();
    Header {
        content: RawXml::read(&mut r).unwrap(),
        must_understand: true,
        role: None,
        relay: false,
    }
}

/// The strings of a msbinsession1 message's string table.
fn session_table(message: &[u8]) -> Vec<String> {
    fn mb31(b: &[u8], pos: &mut usize) -> usize {
        let mut v = 0usize;
        for i in 0..5 {
            let x = b[*pos];
            *pos += 1;
            v |= usize::from(x & 0x7f) << (7 * i);
            if x & 0x80 == 0 {
                break;
            }
        }
        v
    }
    let mut pos = 0;
    let size = mb31(message, &mut pos);
    let end = pos + size;
    let mut strings = Vec::new();
    while pos < end {
        let len = mb31(message, &mut pos);
        strings.push(String::from_utf8(message[pos..pos + len].to_vec()).unwrap());
        pos += len;
    }
    strings
}

// ---------------------------------------------------------------------------------------------
// a) requests we build, read by WCF

fn requests_read_by_wcf(mode: Encoding) {
    let m = mode_name(mode);
    let mut encoder = MessageEncoder::new(mode);
    let body = order_body(42, NOTE, false);
    let mut request = Message::request("urn:soapws:test/IOrders/Submit", body_writer(body.clone()));
    request.headers.to = Some(TO.into());
    request.headers.other.push(tenant_header());
    let mut one_way = Message::one_way("urn:soapws:test/IOrders/Ping", |_: &mut Writer<'_>| Ok(()));
    one_way.headers.to = Some(TO.into());

    let bytes = vec![
        encoder.encode(&request).unwrap(),
        encoder.encode(&one_way).unwrap(),
    ];
    let seen = wcf_decode(mode, &bytes);

    let s = &seen[0];
    assert_eq!(
        s.action.as_deref(),
        Some("urn:soapws:test/IOrders/Submit"),
        "{m}"
    );
    let id = request.headers.message_id.as_ref().unwrap();
    assert!(matches!(id, MessageId::Uuid(_)));
    assert_eq!(
        s.message_id.as_deref(),
        Some(id.to_string().as_str()),
        "{m}"
    );
    assert_eq!(s.relates_to, None, "{m}");
    assert_eq!(s.to.as_deref(), Some(TO), "{m}");
    assert_eq!(s.reply_to.as_deref(), Some(WSA10_ANONYMOUS), "{m}");
    assert_eq!(
        s.headers,
        vec![(HEADERS_NS.to_owned(), "Tenant".to_owned(), true)],
        "{m}"
    );
    match &s.content {
        SeenBody::Body(xml) => assert_body_matches(m, &body, xml),
        other => panic!("{m}: expected a body, WCF saw {other:?}"),
    }

    let s = &seen[1];
    assert_eq!(
        s.action.as_deref(),
        Some("urn:soapws:test/IOrders/Ping"),
        "{m}"
    );
    assert_eq!(
        (&s.message_id, &s.reply_to, &s.relates_to),
        (&None, &None, &None),
        "{m}"
    );
    assert_eq!(s.to.as_deref(), Some(TO), "{m}");
    assert!(s.headers.is_empty(), "{m}");
    assert_eq!(s.content, SeenBody::Empty, "{m}");
}

#[test]
fn text_requests_are_read_by_wcf() {
    requests_read_by_wcf(Encoding::Text);
}

#[test]
fn binary_requests_are_read_by_wcf() {
    requests_read_by_wcf(Encoding::Binary);
}

#[test]
fn session_requests_are_read_by_wcf() {
    requests_read_by_wcf(Encoding::BinarySession);
}

// ---------------------------------------------------------------------------------------------
// b) a msbinsession1 session of five messages: the string table grows, later messages reuse keys

#[test]
fn session_string_table_grows_and_is_reused_by_wcf() {
    let mut encoder = MessageEncoder::new(Encoding::BinarySession);
    let actions = [
        "urn:soapws:test/IOrders/Submit",
        "urn:soapws:test/IOrders/Update",
    ];
    let plan = [(0, false), (1, false), (0, false), (1, true), (0, true)];
    let mut bodies = Vec::new();
    let mut sent = Vec::new();
    for (i, (a, extra)) in plan.iter().enumerate() {
        let body = order_body(i as i32 * 1000 - 1, &format!("{NOTE} #{i}"), *extra);
        let mut msg = Message::request(actions[*a], body_writer(body.clone()));
        msg.headers.to = Some(TO.into());
        msg.headers.other.push(tenant_header());
        sent.push(msg);
        bodies.push(body);
    }
    let bytes: Vec<Vec<u8>> = sent.iter().map(|m| encoder.encode(m).unwrap()).collect();

    // What each message adds to the session: everything new the first time, then only what is new.
    let tables: Vec<Vec<String>> = bytes.iter().map(|b| session_table(b)).collect();
    for s in [
        actions[0],
        TO,
        "Order",
        ORDERS_NS,
        "Id",
        "Customer",
        CUSTOMERS_NS,
        "tier",
        "Nothing",
    ] {
        assert!(
            tables[0].iter().any(|t| t == s),
            "first table lacks {s:?}: {:?}",
            tables[0]
        );
    }
    assert!(!tables[0].iter().any(|t| t == "Extra"), "{:?}", tables[0]);
    assert_eq!(tables[1], vec![actions[1].to_owned()]);
    assert_eq!(tables[2], Vec::<String>::new());
    assert_eq!(tables[3], vec!["Extra".to_owned()]);
    assert_eq!(tables[4], Vec::<String>::new());
    assert!(bytes[2].len() < bytes[0].len() && bytes[2][0] == 0);

    // WCF reads all five with one reader session: keys from earlier tables resolve.
    let seen = wcf_decode(Encoding::BinarySession, &bytes);
    for (i, s) in seen.iter().enumerate() {
        assert_eq!(s.action.as_deref(), Some(actions[plan[i].0]), "message {i}");
        assert_eq!(s.to.as_deref(), Some(TO), "message {i}");
        assert_eq!(
            s.message_id,
            sent[i].headers.message_id.as_ref().map(|id| id.to_string()),
            "message {i}"
        );
        assert_eq!(
            s.headers,
            vec![(HEADERS_NS.to_owned(), "Tenant".to_owned(), true)],
            "message {i}"
        );
        match &s.content {
            SeenBody::Body(xml) => assert_body_matches(&format!("message {i}"), &bodies[i], xml),
            other => panic!("message {i}: expected a body, WCF saw {other:?}"),
        }
    }
    let ids: std::collections::HashSet<_> = seen.iter().map(|s| s.message_id.clone()).collect();
    assert_eq!(ids.len(), 5, "message ids must differ");
}

// ---------------------------------------------------------------------------------------------
// c) replies and faults we build, read by WCF

fn replies_and_faults_read_by_wcf(mode: Encoding) {
    let m = mode_name(mode);
    let request = Message::request(
        "urn:soapws:test/IOrders/Submit",
        |_: &mut Writer<'_>| Ok(()),
    );
    let request_id = request.headers.message_id.as_ref().unwrap().to_string();
    let reply_body = el(
        "SubmitResponse",
        Content::Children(vec![
            leaf("SubmitResult", Typed::I64(7)),
            leaf("Message", Typed::Str("accepted <ok>".into())),
        ]),
    );
    let sender = Fault::new(
        FaultCode::new(QualifiedName::soap("Sender"))
            .with_subcode(QualifiedName::new(FAULTS_NS, "InvalidInput")),
        "The input was invalid: <Id> & \"Price\" ünï",
    );
    let receiver = Fault::new(
        FaultCode::new(QualifiedName::soap("Receiver"))
            .with_subcode(QualifiedName::new(FAULTS_NS, "Overloaded")),
        "Try again later.",
    );
    let faults = [
        (sender, "urn:soapws:test/IOrders/SubmitInvalidInputFault"),
        (receiver, "urn:soapws:test/IOrders/SubmitOverloadedFault"),
        (
            Fault::action_not_supported("urn:nope"),
            names::WSA10_FAULT_ACTION.as_str(),
        ),
        (
            Fault::internal_service_fault("The server was unable to process the request."),
            names::WCF_FAULT_ACTION,
        ),
        (
            Fault::sender("plain sender fault"),
            names::WSA10_FAULT_ACTION.as_str(),
        ),
        (
            Fault::receiver("plain receiver fault"),
            names::WSA10_FAULT_ACTION.as_str(),
        ),
    ];

    let mut encoder = MessageEncoder::new(mode);
    let mut bytes = vec![encoder
        .encode(&Message::reply(
            &request.headers,
            "urn:soapws:test/IOrders/SubmitResponse",
            body_writer(reply_body.clone()),
        ))
        .unwrap()];
    for (i, (f, action)) in faults.iter().enumerate() {
        // Every other fault answers the request; the others stand alone.
        let to = (i % 2 == 0).then_some(&request.headers);
        bytes.push(
            encoder
                .encode(&Message::fault(to, *action, f.clone()))
                .unwrap(),
        );
    }
    let seen = wcf_decode(mode, &bytes);

    let s = &seen[0];
    assert_eq!(
        s.action.as_deref(),
        Some("urn:soapws:test/IOrders/SubmitResponse"),
        "{m}"
    );
    assert_eq!(s.relates_to.as_deref(), Some(request_id.as_str()), "{m}");
    assert_eq!(s.to.as_deref(), Some(WSA10_ANONYMOUS), "{m}");
    assert_eq!((&s.message_id, &s.reply_to), (&None, &None), "{m}");
    match &s.content {
        SeenBody::Body(xml) => assert_body_matches(m, &reply_body, xml),
        other => panic!("{m}: expected a body, WCF saw {other:?}"),
    }

    for (i, ((f, action), s)) in faults.iter().zip(&seen[1..]).enumerate() {
        assert_eq!(s.action.as_deref(), Some(*action), "{m} fault {i}");
        if i % 2 == 0 {
            assert_eq!(
                s.relates_to.as_deref(),
                Some(request_id.as_str()),
                "{m} fault {i}"
            );
            assert_eq!(s.to.as_deref(), Some(WSA10_ANONYMOUS), "{m} fault {i}");
        } else {
            assert_eq!((&s.relates_to, &s.to), (&None, &None), "{m} fault {i}");
        }
        let code = f.code.value.clone();
        let subcode = f
            .code
            .subcode
            .as_ref()
            .map(|c| (c.value.namespace.clone(), c.value.name.clone()));
        assert_eq!(
            s.content,
            SeenBody::Fault {
                code: (code.namespace, code.name),
                subcode,
                reason: f.reason().to_owned()
            },
            "{m} fault {i}"
        );
    }
}

#[test]
fn text_replies_and_faults_are_read_by_wcf() {
    replies_and_faults_read_by_wcf(Encoding::Text);
}

#[test]
fn binary_replies_and_faults_are_read_by_wcf() {
    replies_and_faults_read_by_wcf(Encoding::Binary);
}

#[test]
fn session_replies_and_faults_are_read_by_wcf() {
    replies_and_faults_read_by_wcf(Encoding::BinarySession);
}

// ---------------------------------------------------------------------------------------------
// d) messages WCF builds and encodes, read by us

const ECHO_BODY: &str = r#"<Echo xmlns="http://tempuri.org/"><text>hello &amp; &lt;world&gt; "ünï" 𝄞</text><count>3</count><p:item xmlns:p="urn:soapws:test:p" p:kind="x" plain="y">v</p:item><empty/><nested><deeper>deep</deeper></nested></Echo>"#;
const ECHO_BODY_2: &str =
    r#"<Echo xmlns="http://tempuri.org/"><text>second</text><count>4</count><empty/></Echo>"#;
const REPLY_BODY: &str = r#"<EchoResponse xmlns="http://tempuri.org/"><EchoResult>hello back</EchoResult></EchoResponse>"#;
const NOTIFY_BODY: &str = r#"<Notify xmlns="http://tempuri.org/"><event>news#1</event></Notify>"#;
const RELATES: &str = "urn:uuid:6f1c9a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b";

fn messages_from_wcf(mode: Encoding) {
    let m = mode_name(mode);
    let to = "ws://127.0.0.1:9000/echo";
    let header = format!(
        "{}:{}:{}",
        b64(HEADERS_NS),
        b64("Tenant"),
        b64("fabrikam <&>")
    );
    let script = [
        format!(
            "REQUEST\t{}\t{}\t{}\t{header}",
            b64("http://tempuri.org/IEcho/Echo"),
            b64(to),
            b64(ECHO_BODY)
        ),
        format!(
            "ONEWAY\t{}\t{}\t{}",
            b64("http://tempuri.org/IEcho/Notify"),
            b64(to),
            b64(NOTIFY_BODY)
        ),
        format!(
            "REPLY\t{}\t{}\t{}",
            b64("http://tempuri.org/IEcho/EchoResponse"),
            b64(RELATES),
            b64(REPLY_BODY)
        ),
        format!(
            "FAULT\t{}\tSender\t{}\t{}\t{}\t{}",
            b64("http://tempuri.org/IEcho/EchoFault"),
            b64(FAULTS_NS),
            b64("InvalidInput"),
            b64("bad input: <x> & \"y\""),
            b64(RELATES)
        ),
        format!(
            "FAULT\t{}\tReceiver\t{}\t{}\t{}\t-",
            b64(names::WCF_FAULT_ACTION),
            b64(names::WCF_DISPATCHER_NS),
            b64("InternalServiceFault"),
            b64("The server was unable to process the request.")
        ),
        format!(
            "REQUEST\t{}\t{}\t{}",
            b64("http://tempuri.org/IEcho/Echo"),
            b64(to),
            b64(ECHO_BODY_2)
        ),
        format!(
            "ONEWAY\t{}\t{}\t-",
            b64("http://tempuri.org/IEcho/Ping"),
            b64(to)
        ),
    ];
    let bytes = wcf_encode(mode, &script);
    if mode == Encoding::Text {
        // Mono writes a BOM and an XML declaration (.NET writes neither); we must accept both.
        assert!(
            bytes[0].starts_with(b"\xef\xbb\xbf<?xml"),
            "{m}: {}",
            String::from_utf8_lossy(&bytes[0])
        );
    }
    if mode == Encoding::BinarySession {
        assert!(
            !session_table(&bytes[0]).is_empty(),
            "the harness should put body names in the session"
        );
        assert!(
            session_table(&bytes[5]).is_empty(),
            "the second Echo reuses the first one's strings"
        );
    }

    let mut decoder = MessageEncoder::new(mode);
    let msgs: Vec<Message> = bytes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            decoder.decode(Bytes::from(b.clone())).unwrap_or_else(|e| {
                panic!(
                    "{m} message {i}: we could not read WCF's bytes: {e}\n  bytes: {}",
                    hex(b)
                )
            })
        })
        .collect();

    let body_of = |i: usize| -> Vec<Ev> {
        let mut r = msgs[i]
            .body_reader()
            .unwrap_or_else(|e| panic!("{m} message {i}: body: {e}"));
        infoset(&mut r)
    };
    let relates = MessageId::Uuid(Guid::parse(RELATES.strip_prefix("urn:uuid:").unwrap()).unwrap());
    let anonymous = Some(WSA10_ANONYMOUS.to_owned());

    // Requests: Action, a UniqueId MessageID, ReplyTo anonymous, To; the custom header.
    for i in [0, 5] {
        let h = &msgs[i].headers;
        assert_eq!(
            h.action.as_deref(),
            Some("http://tempuri.org/IEcho/Echo"),
            "{m} message {i}"
        );
        assert!(
            matches!(h.message_id, Some(MessageId::Uuid(_))),
            "{m} message {i}: {:?}",
            h.message_id
        );
        assert_eq!(h.to.as_deref(), Some(to), "{m} message {i}");
        let reply_to = h
            .reply_to
            .as_ref()
            .unwrap_or_else(|| panic!("{m} message {i}: no ReplyTo"));
        assert!(reply_to.is_anonymous(), "{m} message {i}: {reply_to:?}");
        assert_eq!(reply_to.address, WSA10_ANONYMOUS, "{m} message {i}");
        assert_eq!(h.relates_to, None, "{m} message {i}");
        assert!(!msgs[i].is_fault(), "{m} message {i}");
    }
    assert_ne!(
        msgs[0].headers.message_id, msgs[5].headers.message_id,
        "{m}"
    );
    let other = &msgs[0].headers.other;
    assert_eq!(other.len(), 1, "{m}: {other:?}");
    assert_eq!(other[0].name(), (HEADERS_NS, "Tenant"), "{m}");
    assert!(other[0].must_understand, "{m}");
    let header_text: String = other[0]
        .content
        .nodes
        .iter()
        .filter_map(|n| match n {
            RawNode::Text(RawValue::Text(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(header_text, "fabrikam <&>", "{m}");
    assert!(msgs[5].headers.other.is_empty(), "{m}");
    assert_eq!(body_of(0), infoset_of_text(ECHO_BODY), "{m}");
    assert_eq!(body_of(5), infoset_of_text(ECHO_BODY_2), "{m}");

    // One-way messages: Action and To only.
    for (i, action, body) in [
        (1, "http://tempuri.org/IEcho/Notify", Some(NOTIFY_BODY)),
        (6, "http://tempuri.org/IEcho/Ping", None),
    ] {
        let h = &msgs[i].headers;
        assert_eq!(h.action.as_deref(), Some(action), "{m} message {i}");
        assert_eq!(h.to.as_deref(), Some(to), "{m} message {i}");
        assert_eq!(
            (&h.message_id, &h.reply_to, &h.relates_to),
            (&None, &None, &None),
            "{m} message {i}"
        );
        assert_eq!(
            body_of(i),
            body.map(infoset_of_text).unwrap_or_default(),
            "{m} message {i}"
        );
    }

    // The reply: RelatesTo the given id, To anonymous.
    let h = &msgs[2].headers;
    assert_eq!(
        h.action.as_deref(),
        Some("http://tempuri.org/IEcho/EchoResponse"),
        "{m}"
    );
    assert_eq!(
        h.relates_to.as_ref().map(|r| (&r.id, &r.relationship)),
        Some((&relates, &None)),
        "{m}"
    );
    assert_eq!(h.to, anonymous, "{m}");
    assert_eq!(h.message_id, None, "{m}");
    assert_eq!(body_of(2), infoset_of_text(REPLY_BODY), "{m}");

    // Faults: code, subcode, reason. Mono writes the top-level code unqualified
    // (`<s:Value>Sender</s:Value>`, where .NET writes `s:Sender`), which names {}Sender; the
    // namespace is accepted as either.
    let faults = [
        (
            3,
            "http://tempuri.org/IEcho/EchoFault",
            "Sender",
            FAULTS_NS,
            "InvalidInput",
            "bad input: <x> & \"y\"",
            true,
        ),
        (
            4,
            names::WCF_FAULT_ACTION,
            "Receiver",
            names::WCF_DISPATCHER_NS,
            "InternalServiceFault",
            "The server was unable to process the request.",
            false,
        ),
    ];
    for (i, action, code, sub_ns, sub, reason, related) in faults {
        let msg = &msgs[i];
        assert_eq!(
            msg.headers.action.as_deref(),
            Some(action),
            "{m} message {i}"
        );
        if related {
            assert_eq!(
                msg.headers.relates_to.as_ref().map(|r| &r.id),
                Some(&relates),
                "{m} message {i}"
            );
            assert_eq!(msg.headers.to, anonymous, "{m} message {i}");
        } else {
            assert_eq!(
                (&msg.headers.relates_to, &msg.headers.to),
                (&None, &None),
                "{m} message {i}"
            );
        }
        assert!(msg.is_fault(), "{m} message {i}");
        let fault = msg
            .read_fault()
            .unwrap_or_else(|e| panic!("{m} message {i}: fault: {e}"))
            .unwrap_or_else(|| panic!("{m} message {i}: no fault"));
        let chain: Vec<&QualifiedName> = fault.code.chain().collect();
        assert_eq!(chain.len(), 2, "{m} message {i}: {:?}", fault.code);
        assert_eq!(chain[0].name, code, "{m} message {i}");
        assert!(
            chain[0].namespace == SOAP12 || chain[0].namespace.is_empty(),
            "{m} message {i}: {:?}",
            chain[0]
        );
        assert_eq!(
            chain[1],
            &QualifiedName::new(sub_ns, sub),
            "{m} message {i}"
        );
        assert_eq!(fault.reason(), reason, "{m} message {i}");
    }
}

#[test]
fn text_messages_from_wcf_are_read_by_us() {
    messages_from_wcf(Encoding::Text);
}

#[test]
fn binary_messages_from_wcf_are_read_by_us() {
    messages_from_wcf(Encoding::Binary);
}

#[test]
fn session_messages_from_wcf_are_read_by_us() {
    messages_from_wcf(Encoding::BinarySession);
}
