//! Binary XML (msbin1) against XML text (quick-xml) on the same infoset.
//!
//! Two documents, each written by a function that walks compact data with our [`Writer`], as a
//! serializer walks objects (envelope names static dictionary strings, body names dynamic ones,
//! which msbin1 writes inline, values typed):
//!
//! - `soap_2k`: a ~2 KB SOAP 1.2 request (WS-Addressing 1.0 headers, an order submission body);
//! - `records_1m`: a ~1 MB response with 8,000 `b:Record` elements and three Array records of
//!   `int` and `double`.
//!
//! The text form is what [`write_xml`] makes of the binary (Array records become repeated
//! elements). Per document, in one group with `Throughput::Bytes(text length)`:
//!
//! - `nbfx_decode`: our [`Reader`] over the msbin1 bytes, touching names, attribute values, text
//!   values and array items as a deserializer would (no allocation per event);
//! - `nbfx_encode`: our [`Writer`] writing the document again (typed values) into a reused buffer;
//! - `quickxml_nsreader`: quick-xml's `NsReader` over the text, resolving element and attribute
//!   namespaces, normalizing attribute values and reading text and entity references;
//! - `quickxml_writer`: quick-xml's `Writer` writing the text from pre-formatted strings
//!   (escaping text and attribute values) into a reused buffer.
//!
//! After the groups the medians criterion saved in this run are read back and the ratios printed
//! (targets: decode ≥ 3× quick-xml's reader, encode ≥ 2× quick-xml's writer), then each ratio is
//! measured again in interleaved pairs of batches (see [`paired`]), which a drifting machine
//! speed does not skew.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use criterion::{BenchmarkGroup, Criterion, Throughput};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event as XmlEvent};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::{NsReader, XmlVersion};
use soapws_nbfs::xml::write_xml;
use soapws_nbfs::{
    ArrayItems, ArrayType, Attribute, DateTime, DateTimeKind, Decimal, EncodeError, Event, Guid,
    Nbfs, Quotas, Reader, Value, Writer, XmlString,
};

const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const WSA10: &str = "http://www.w3.org/2005/08/addressing";
const ANONYMOUS: &str = "http://www.w3.org/2005/08/addressing/anonymous";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const TEMPURI: &str = "http://tempuri.org/";
const ORDERS_NS: &str = "http://schemas.datacontract.org/2004/07/Contoso.Orders";
const RECORDS_NS: &str = "http://schemas.datacontract.org/2004/07/Contoso.Records";
const ARRAYS_NS: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";

// --- the documents ---------------------------------------------------------------------------------
//
// Each document is written by a function walking compact data, as a serializer walks objects:
// envelope names are static dictionary strings (looked up once), body names dynamic dictionary
// strings (inline in msbin1), values typed.

type Name = XmlString<'static>;
type Res = Result<(), EncodeError>;

/// A body name: a dictionary string outside the static dictionary (inline in msbin1), made at
/// compile time as a serializer's names are.
macro_rules! dy {
    ($text:expr) => {
        const { XmlString::dynamic($text) }
    };
}

/// A static dictionary string.
fn st(text: &str) -> Name {
    Nbfs::find(text).unwrap_or_else(|| panic!("{text:?} is not in the static dictionary"))
}

/// Static dictionary strings used by the envelope (and `i:nil`), looked up once.
struct Statics {
    envelope: Name,
    header: Name,
    body: Name,
    action: Name,
    message_id: Name,
    reply_to: Name,
    address: Name,
    to: Name,
    must_understand: Name,
    nil: Name,
    soap12: Name,
    wsa10: Name,
    anonymous: Name,
    xsi: Name,
}

impl Statics {
    fn new() -> Self {
        Self {
            envelope: st("Envelope"),
            header: st("Header"),
            body: st("Body"),
            action: st("Action"),
            message_id: st("MessageID"),
            reply_to: st("ReplyTo"),
            address: st("Address"),
            to: st("To"),
            must_understand: st("mustUnderstand"),
            nil: st("nil"),
            soap12: st(SOAP12),
            wsa10: st(WSA10),
            anonymous: st(ANONYMOUS),
            xsi: st(XSI),
        }
    }
}

/// `<b:name>value</b:name>`, `b` being bound to the data contract namespace.
fn leaf(w: &mut Writer<'_>, name: Name, value: &Value<'_>) -> Res {
    w.element(Some("b"), name, None, value)
}

fn money(cents: u128) -> Value<'static> {
    Value::Decimal(Decimal {
        mantissa: cents,
        scale: 2,
        negative: false,
    })
}

/// `s:Envelope`, the WS-Addressing 1.0 headers, and `s:Body` opened.
fn envelope_start(w: &mut Writer<'_>, k: &Statics, action: &str, message_id: Guid) -> Res {
    w.start_element(Some("s"), k.envelope, Some(k.soap12))?;
    w.xmlns(Some("a"), k.wsa10)?;
    w.start_element(Some("s"), k.header, None)?;
    w.start_element(Some("a"), k.action, None)?;
    w.attribute(Some("s"), k.must_understand, None, &Value::Int32(1))?;
    w.value(&Value::Str(action))?;
    w.end_element()?;
    w.start_element(Some("a"), k.message_id, None)?;
    w.value(&Value::UniqueId(message_id))?;
    w.end_element()?;
    w.start_element(Some("a"), k.reply_to, None)?;
    w.start_element(Some("a"), k.address, None)?;
    w.value(&Value::Dictionary(k.anonymous))?;
    w.end_element()?;
    w.end_element()?;
    w.start_element(Some("a"), k.to, None)?;
    w.attribute(Some("s"), k.must_understand, None, &Value::Int32(1))?;
    w.value(&Value::Str(
        "ws://orders.contoso.example:8080/OrderService.svc",
    ))?;
    w.end_element()?;
    w.end_element()?; // s:Header
    w.start_element(Some("s"), k.body, None)
}

fn message_id(seed: u8) -> Guid {
    Guid(core::array::from_fn(|i| {
        seed.wrapping_mul(31).wrapping_add(i as u8 * 17)
    }))
}

struct OrderLine {
    description: &'static str,
    code: &'static str,
    quantity: i32,
    unit_price: u128,
}

const ORDER_LINES: [OrderLine; 4] = [
    OrderLine {
        description: "Espresso beans 1 kg",
        code: "SKU-10442",
        quantity: 4,
        unit_price: 2_490,
    },
    OrderLine {
        description: "Milk frother",
        code: "SKU-20017",
        quantity: 1,
        unit_price: 8_900,
    },
    OrderLine {
        description: "Ceramic cup 'Classic'",
        code: "SKU-31008",
        quantity: 6,
        unit_price: 1_250,
    },
    OrderLine {
        description: "Descaler 3-pack",
        code: "SKU-40120",
        quantity: 2,
        unit_price: 1_995,
    },
];

/// A ~2 KB SOAP 1.2 request: `SubmitOrder` with one `order` of 35 leaf values.
fn write_order(w: &mut Writer<'_>, k: &Statics) -> Res {
    envelope_start(
        w,
        k,
        "http://tempuri.org/IOrderService/SubmitOrder",
        message_id(7),
    )?;
    w.start_element(None, dy!("SubmitOrder"), Some(dy!(TEMPURI)))?;
    w.start_element(None, dy!("order"), None)?;
    w.xmlns(Some("b"), dy!(ORDERS_NS))?;
    w.xmlns(Some("i"), k.xsi)?;
    w.start_element(Some("b"), dy!("BillingAddress"), None)?;
    leaf(w, dy!("City"), &Value::Str("Zürich"))?;
    leaf(w, dy!("Country"), &Value::Str("CH"))?;
    leaf(w, dy!("Line1"), &Value::Str("Bahnhofstrasse 12"))?;
    leaf(w, dy!("PostalCode"), &Value::Str("8001"))?;
    w.end_element()?;
    leaf(
        w,
        dy!("Comment"),
        &Value::Str("Leave at the back door & ring twice"),
    )?;
    leaf(w, dy!("Currency"), &Value::Str("CHF"))?;
    leaf(w, dy!("CustomerId"), &Value::Int32(48_213))?;
    leaf(w, dy!("CustomerName"), &Value::Str("O'Brien & Sons Ltd."))?;
    leaf(w, dy!("Discount"), &money(5))?;
    leaf(w, dy!("Express"), &Value::Bool(true))?;
    w.start_element(Some("b"), dy!("Lines"), None)?;
    for (n, line) in ORDER_LINES.iter().enumerate() {
        w.start_element(Some("b"), dy!("OrderLine"), None)?;
        leaf(w, dy!("Description"), &Value::Str(line.description))?;
        leaf(w, dy!("LineNumber"), &Value::Int32(n as i32 + 1))?;
        leaf(w, dy!("ProductCode"), &Value::Str(line.code))?;
        leaf(w, dy!("Quantity"), &Value::Int32(line.quantity))?;
        leaf(w, dy!("UnitPrice"), &money(line.unit_price))?;
        w.end_element()?;
    }
    w.end_element()?; // b:Lines
    let order_date = DateTime {
        ticks: 638_515_386_000_000_000, // 2024-05-17T10:30:00Z
        kind: DateTimeKind::Utc,
    };
    leaf(w, dy!("OrderDate"), &Value::DateTime(order_date))?;
    leaf(w, dy!("OrderId"), &Value::Int32(1_000_457))?;
    w.start_element(Some("b"), dy!("Reference"), None)?;
    w.attribute(Some("i"), k.nil, None, &Value::Bool(true))?;
    w.end_element()?;
    leaf(w, dy!("ShippingCost"), &money(1_500))?;
    leaf(w, dy!("Total"), &money(27_670))?;
    for _ in 0..4 {
        w.end_element()?; // order, SubmitOrder, s:Body, s:Envelope
    }
    Ok(())
}

struct Row {
    id: i32,
    name: String,
    price: u128,
    in_stock: bool,
}

/// The data of the ~1 MB response.
struct Records {
    histogram: Vec<i32>,
    rows: Vec<Row>,
    samples: Vec<f64>,
    counts: Vec<i32>,
}

impl Records {
    fn generate(rows: usize) -> Self {
        const WORDS: [&str; 8] = [
            "Widget", "Gadget", "Sprocket", "Bolt", "Gear", "Lever", "Valve", "Spring",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let histogram = (0..2_000).map(|_| (next() % 100_000) as i32).collect();
        let rows = (0..rows)
            .map(|i| {
                let r = next();
                let word = WORDS[(r % 8) as usize];
                Row {
                    id: 100_000 + i as i32,
                    name: if i % 16 == 0 {
                        format!("{word} & Co {i}")
                    } else {
                        format!("{word} {i}")
                    },
                    price: u128::from((r >> 8) % 100_000),
                    in_stock: r & 0x10 != 0,
                }
            })
            .collect();
        let samples = (0..2_000)
            .map(|_| (next() % 10_000_000) as f64 / 1_000.0 + 0.000_1)
            .collect();
        let counts = (0..1_000).map(|_| (next() % 1_000) as i32).collect();
        Self {
            histogram,
            rows,
            samples,
            counts,
        }
    }
}

/// `<b:wrapper xmlns:c="…/Arrays">` + an Array record of `c:item` + `</b:wrapper>`.
fn array(w: &mut Writer<'_>, wrapper: Name, item: Name, items: ArrayItems<'_>) -> Res {
    w.start_element(Some("b"), wrapper, None)?;
    w.xmlns(Some("c"), dy!(ARRAYS_NS))?;
    w.array(Some("c"), item, None, items)?;
    w.end_element()
}

/// A ~1 MB response: `GetRecordsResult` with the rows as `b:Record`s and three Array records.
fn write_records(w: &mut Writer<'_>, k: &Statics, d: &Records) -> Res {
    envelope_start(
        w,
        k,
        "http://tempuri.org/IRecordService/GetRecordsResponse",
        message_id(9),
    )?;
    w.start_element(None, dy!("GetRecordsResponse"), Some(dy!(TEMPURI)))?;
    w.start_element(None, dy!("GetRecordsResult"), None)?;
    w.xmlns(Some("b"), dy!(RECORDS_NS))?;
    w.xmlns(Some("i"), k.xsi)?;
    let int = dy!("int");
    array(w, dy!("Histogram"), int, ArrayItems::Int32(&d.histogram))?;
    w.start_element(Some("b"), dy!("Records"), None)?;
    for row in &d.rows {
        w.start_element(Some("b"), dy!("Record"), None)?;
        leaf(w, dy!("Id"), &Value::Int32(row.id))?;
        leaf(w, dy!("Name"), &Value::Str(&row.name))?;
        leaf(w, dy!("Price"), &money(row.price))?;
        leaf(w, dy!("InStock"), &Value::Bool(row.in_stock))?;
        w.end_element()?;
    }
    w.end_element()?; // b:Records
    let double = dy!("double");
    array(w, dy!("Samples"), double, ArrayItems::Double(&d.samples))?;
    array(w, dy!("Counts"), int, ArrayItems::Int32(&d.counts))?;
    for _ in 0..4 {
        w.end_element()?; // GetRecordsResult, GetRecordsResponse, s:Body, s:Envelope
    }
    Ok(())
}

enum Doc {
    Order,
    Records(Records),
}

// --- our codec ------------------------------------------------------------------------------------

/// Writes the document into a writer appending to `buf`; returns the msbin1 bytes.
fn encode_nbfx(doc: &Doc, k: &Statics, buf: Vec<u8>) -> Vec<u8> {
    let mut w = Writer::with_buffer(buf).dictionary(&Nbfs);
    match doc {
        Doc::Order => write_order(&mut w, k),
        Doc::Records(d) => write_records(&mut w, k, d),
    }
    .expect("encode");
    w.finish().expect("finish")
}

/// What a deserializer looks at in a value.
#[inline]
fn touch_value(v: &Value<'_>) {
    match v {
        Value::Str(s) => {
            black_box(s.len());
        }
        Value::Dictionary(s) => {
            black_box(s.as_str().len());
        }
        Value::Bool(b) => {
            black_box(*b);
        }
        Value::Int32(i) => {
            black_box(*i);
        }
        Value::Int64(i) => {
            black_box(*i);
        }
        Value::Double(f) => {
            black_box(*f);
        }
        Value::Decimal(d) => {
            black_box(d.mantissa);
        }
        Value::DateTime(d) => {
            black_box(d.ticks);
        }
        Value::UniqueId(g) | Value::Guid(g) => {
            black_box(g.0[0]);
        }
        other => {
            black_box(other);
        }
    }
}

/// Reads every event, comparing names and reading values; returns the number of events.
fn decode_nbfx(bin: &[u8]) -> usize {
    let mut r = Reader::new(bin)
        .with_dictionary(&Nbfs)
        .with_quotas(Quotas::TOOLS);
    let mut events = 0;
    while let Some(event) = r.next_event().expect("decode") {
        events += 1;
        match event {
            Event::StartElement(e) => {
                black_box(e.local_name.as_str() == "Record");
                black_box(e.namespace.as_str() == RECORDS_NS);
                for a in r.attributes() {
                    if let Attribute::Value {
                        local_name,
                        namespace,
                        value,
                        ..
                    } = a
                    {
                        black_box(local_name.as_str() == "nil" && namespace.as_str() == XSI);
                        touch_value(value);
                    }
                }
            }
            Event::EndElement => {}
            Event::Text(v) => touch_value(&v),
            Event::Comment(c) => {
                black_box(c.len());
            }
            Event::Array(a) => {
                black_box(a.element.local_name.as_str() == "int");
                match a.item_type {
                    ArrayType::Int32 => {
                        let sum = a.values().fold(0i64, |s, v| match v {
                            Value::Int32(i) => s + i64::from(i),
                            _ => s,
                        });
                        black_box(sum);
                    }
                    ArrayType::Double => {
                        let sum = a.values().fold(0f64, |s, v| match v {
                            Value::Double(f) => s + f,
                            _ => s,
                        });
                        black_box(sum);
                    }
                    _ => {
                        black_box(a.data.len());
                    }
                }
            }
        }
    }
    events
}

// --- quick-xml ------------------------------------------------------------------------------------

/// A text event with its strings already formatted.
enum TextOp {
    Start(String, Vec<(String, String)>),
    Text(String),
    End(String),
}

/// `prefix:local`, or `local` without a prefix (so `qname("xmlns", "")` is `xmlns`).
fn qname(prefix: &str, local: &str) -> String {
    match (prefix, local) {
        ("", _) => local.to_owned(),
        (_, "") => prefix.to_owned(),
        _ => format!("{prefix}:{local}"),
    }
}

/// The text events of the document (Array records as repeated elements, as `write_xml` does).
fn text_ops(bin: &[u8]) -> Vec<TextOp> {
    let mut r = Reader::new(bin)
        .with_dictionary(&Nbfs)
        .with_quotas(Quotas::TOOLS);
    let mut ops = Vec::new();
    let mut open = Vec::new();
    while let Some(event) = r.next_event().expect("decode") {
        let attributes = || -> Vec<(String, String)> {
            r.attributes()
                .iter()
                .map(|a| match a {
                    Attribute::Xmlns { prefix, namespace } => {
                        (qname("xmlns", prefix), namespace.as_str().to_owned())
                    }
                    Attribute::Value {
                        prefix,
                        local_name,
                        value,
                        ..
                    } => (qname(prefix, local_name.as_str()), value.to_text()),
                })
                .collect()
        };
        match event {
            Event::StartElement(e) => {
                let name = qname(e.prefix, e.local_name.as_str());
                ops.push(TextOp::Start(name.clone(), attributes()));
                open.push(name);
            }
            Event::EndElement => ops.push(TextOp::End(open.pop().expect("open element"))),
            Event::Text(v) => ops.push(TextOp::Text(v.to_text())),
            Event::Comment(_) => {}
            Event::Array(a) => {
                let name = qname(a.element.prefix, a.element.local_name.as_str());
                let attrs = attributes();
                for item in a.values() {
                    ops.push(TextOp::Start(name.clone(), attrs.clone()));
                    ops.push(TextOp::Text(item.to_text()));
                    ops.push(TextOp::End(name.clone()));
                }
            }
        }
    }
    ops
}

/// Writes the text events with quick-xml into `buf`.
fn encode_quickxml(ops: &[TextOp], buf: Vec<u8>) -> Vec<u8> {
    let mut w = quick_xml::Writer::new(buf);
    for op in ops {
        let event = match op {
            TextOp::Start(name, attributes) => {
                let mut start = BytesStart::new(name.as_str());
                for (k, v) in attributes {
                    start.push_attribute((k.as_str(), v.as_str()));
                }
                XmlEvent::Start(start)
            }
            TextOp::Text(text) => XmlEvent::Text(BytesText::new(text)),
            TextOp::End(name) => XmlEvent::End(BytesEnd::new(name.as_str())),
        };
        w.write_event(event).expect("write");
    }
    w.into_inner()
}

fn is_ns(r: &ResolveResult<'_>, ns: &str) -> bool {
    matches!(r, ResolveResult::Bound(Namespace(n)) if *n == ns)
}

/// Reads the text with namespace resolution, normalized attribute values and text content;
/// returns the number of events.
fn decode_quickxml(text: &str) -> usize {
    let mut r = NsReader::from_str(text);
    let mut events = 0;
    loop {
        let (ns, event) = r.read_resolved_event().expect("xml");
        events += 1;
        match event {
            XmlEvent::Start(e) | XmlEvent::Empty(e) => {
                black_box(is_ns(&ns, RECORDS_NS));
                black_box(e.local_name().as_ref() == "Record");
                for a in e.attributes() {
                    let a = a.expect("attribute");
                    if a.key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let (ans, local) = r.resolver().resolve_attribute(a.key);
                    black_box(local.as_ref() == "nil" && is_ns(&ans, XSI));
                    let v = a.normalized_value(XmlVersion::Implicit1_0).expect("value");
                    black_box(v.len());
                }
            }
            XmlEvent::End(_) => {}
            XmlEvent::Text(t) => {
                black_box(t.xml10_content().len());
            }
            XmlEvent::GeneralRef(g) => match g.resolve_char_ref().expect("char ref") {
                Some(c) => {
                    black_box(c);
                }
                None => {
                    black_box(resolve_predefined_entity(&g).expect("entity").len());
                }
            },
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    events
}

// --- the benchmarks -------------------------------------------------------------------------------

struct Prepared {
    group: &'static str,
    doc: Doc,
    statics: Statics,
    bin: Vec<u8>,
    text: String,
    text_ops: Vec<TextOp>,
    quickxml_len: usize,
}

fn prepare(group: &'static str, doc: Doc) -> Prepared {
    let statics = Statics::new();
    let bin = encode_nbfx(&doc, &statics, Vec::new());
    let mut text = String::new();
    write_xml(
        &mut Reader::new(&bin)
            .with_dictionary(&Nbfs)
            .with_quotas(Quotas::TOOLS),
        &mut text,
    )
    .expect("write_xml");
    let text_ops = text_ops(&bin);
    let quickxml = encode_quickxml(&text_ops, Vec::new());
    // The text quick-xml writes reads back as the same elements (it escapes a little more).
    let count = |s: &str| {
        let mut r = NsReader::from_str(s);
        let mut n = 0;
        loop {
            match r.read_event().expect("xml") {
                XmlEvent::Start(_) | XmlEvent::Empty(_) => n += 1,
                XmlEvent::Eof => return n,
                _ => {}
            }
        }
    };
    let quickxml_text = std::str::from_utf8(&quickxml).expect("utf-8");
    assert_eq!(count(&text), count(quickxml_text), "{group}: element count");
    assert_eq!(
        encode_nbfx(&doc, &statics, Vec::new()),
        bin,
        "{group}: encode"
    );
    decode_nbfx(&bin);
    decode_quickxml(&text);
    Prepared {
        group,
        doc,
        statics,
        quickxml_len: quickxml.len(),
        bin,
        text,
        text_ops,
    }
}

fn bench_doc(g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, p: &Prepared) {
    g.throughput(Throughput::Bytes(p.text.len() as u64));
    g.bench_function("nbfx_decode", |b| b.iter(|| decode_nbfx(black_box(&p.bin))));
    let mut buf = Vec::with_capacity(p.bin.len());
    g.bench_function("nbfx_encode", |b| {
        b.iter(|| {
            let mut out = std::mem::take(&mut buf);
            out.clear();
            buf = encode_nbfx(black_box(&p.doc), &p.statics, out);
            black_box(buf.len())
        })
    });
    g.bench_function("quickxml_nsreader", |b| {
        b.iter(|| decode_quickxml(black_box(&p.text)))
    });
    let mut buf = Vec::with_capacity(p.quickxml_len);
    g.bench_function("quickxml_writer", |b| {
        b.iter(|| {
            let mut out = std::mem::take(&mut buf);
            out.clear();
            buf = encode_quickxml(black_box(&p.text_ops), out);
            black_box(buf.len())
        })
    });
}

/// Where criterion may have saved its estimates: `CRITERION_HOME`, `CARGO_TARGET_DIR`, then
/// every `target/criterion` above this crate (criterion asks `cargo metadata`; a stale one may
/// exist nearer, so the estimates saved during this run are looked for in each).
fn criterion_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        dirs.push(home.into());
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        dirs.push(Path::new(&target).join("criterion"));
    }
    dirs.extend(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|p| p.join("target").join("criterion"))
            .filter(|p| p.is_dir()),
    );
    dirs
}

/// The median (ns per iteration) criterion saved for `group/bench` since `since`.
fn median_ns(dir: &Path, group: &str, bench: &str, since: SystemTime) -> Option<f64> {
    let path = dir
        .join(group)
        .join(bench)
        .join("new")
        .join("estimates.json");
    if path.metadata().ok()?.modified().ok()? < since {
        return None;
    }
    let json = std::fs::read_to_string(path).ok()?;
    let rest = &json[json.find("\"median\"")?..];
    let rest = &rest[rest.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = rest.find([',', '}'])?;
    rest[..end].trim().parse().ok()
}

/// Rounds of [`paired`].
const ROUNDS: usize = 31;

#[derive(Clone, Copy)]
enum Op {
    Decode,
    Encode,
}

/// The median and middle half of a set of ratios.
struct Spread {
    median: f64,
    low: f64,
    high: f64,
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2}x (middle half {:.2}–{:.2})",
            self.median, self.low, self.high
        )
    }
}

/// quick-xml's time over ours for `op`, measured in pairs: each round times a batch of ours and
/// a batch of quick-xml's back to back (which goes first alternates), so that a machine whose
/// speed drifts during the run (criterion measures the two minutes apart) changes both sides of
/// each ratio alike.
///
/// The operations are written out here as in [`bench_doc`] rather than shared with it: put in
/// one function for both, they compiled into slower code for the serializer being measured
/// (about 7% on the 2 KB encode in alternating runs of both builds).
fn paired(p: &Prepared, op: Op) -> Spread {
    let mut ours_buf = Vec::with_capacity(p.bin.len());
    let mut theirs_buf = Vec::with_capacity(p.quickxml_len);
    let mut ours = || match op {
        Op::Decode => {
            black_box(decode_nbfx(black_box(&p.bin)));
        }
        Op::Encode => {
            let mut out = std::mem::take(&mut ours_buf);
            out.clear();
            ours_buf = encode_nbfx(black_box(&p.doc), &p.statics, out);
            black_box(ours_buf.len());
        }
    };
    let mut theirs = || match op {
        Op::Decode => {
            black_box(decode_quickxml(black_box(&p.text)));
        }
        Op::Encode => {
            let mut out = std::mem::take(&mut theirs_buf);
            out.clear();
            theirs_buf = encode_quickxml(black_box(&p.text_ops), out);
            black_box(theirs_buf.len());
        }
    };
    // A batch of ours takes about 2 ms.
    let start = std::time::Instant::now();
    let mut batch = 0usize;
    while start.elapsed() < Duration::from_millis(2) {
        ours();
        batch += 1;
    }
    let time = |f: &mut dyn FnMut()| {
        let start = std::time::Instant::now();
        for _ in 0..batch {
            f();
        }
        start.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            let (a, b) = if round % 2 == 0 {
                let a = time(&mut ours);
                (a, time(&mut theirs))
            } else {
                let b = time(&mut theirs);
                (time(&mut ours), b)
            };
            b / a
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    Spread {
        median: ratios[ROUNDS / 2],
        low: ratios[ROUNDS / 4],
        high: ratios[ROUNDS - 1 - ROUNDS / 4],
    }
}

fn report(docs: &[Prepared], since: SystemTime) {
    let dirs = criterion_dirs();
    let mut out = String::new();
    for p in docs {
        let m = |bench| {
            dirs.iter()
                .find_map(|dir| median_ns(dir, p.group, bench, since))
        };
        let (Some(dec), Some(enc), Some(qr), Some(qw)) = (
            m("nbfx_decode"),
            m("nbfx_encode"),
            m("quickxml_nsreader"),
            m("quickxml_writer"),
        ) else {
            continue;
        };
        let mbps = |ns: f64| p.text.len() as f64 / ns * 1e9 / (1024.0 * 1024.0);
        let _ = writeln!(
            out,
            "{} (text {} B, msbin1 {} B):",
            p.group,
            p.text.len(),
            p.bin.len()
        );
        for (name, ns) in [
            ("nbfx_decode", dec),
            ("nbfx_encode", enc),
            ("quickxml_nsreader", qr),
            ("quickxml_writer", qw),
        ] {
            let _ = writeln!(
                out,
                "  {name:<18} median {:>12.1} µs  {:>8.1} MiB/s of text",
                ns / 1e3,
                mbps(ns)
            );
        }
        let _ = writeln!(
            out,
            "  decode: {:.2}x quick-xml NsReader (target 3x)   encode: {:.2}x quick-xml Writer (target 2x)",
            qr / dec,
            qw / enc
        );
        let (decode, encode) = (paired(p, Op::Decode), paired(p, Op::Encode));
        let _ = writeln!(
            out,
            "  paired, {ROUNDS} rounds: decode {decode}   encode {encode}"
        );
    }
    if !out.is_empty() {
        println!("\nMedians and ratios from this run:\n{out}");
    }
}

fn main() {
    let since = SystemTime::now();
    let docs = [
        prepare("soap_2k", Doc::Order),
        prepare("records_1m", Doc::Records(Records::generate(8_000))),
    ];
    for p in &docs {
        println!(
            "{}: text {} B, msbin1 {} B ({:.1}%), quick-xml text {} B",
            p.group,
            p.text.len(),
            p.bin.len(),
            100.0 * p.bin.len() as f64 / p.text.len() as f64,
            p.quickxml_len
        );
    }
    let mut c = Criterion::default().configure_from_args();
    for p in &docs {
        let mut g = c.benchmark_group(p.group);
        g.warm_up_time(Duration::from_secs(1));
        g.measurement_time(Duration::from_secs(3));
        if p.text.len() > 100_000 {
            g.sample_size(30);
        }
        bench_doc(&mut g, p);
        g.finish();
    }
    c.final_summary();
    report(&docs, since);
}
