//! Encode + decode of a typical request — the four WS-Addressing headers and a body of 20 typed
//! fields — in each encoding, with quick-xml's raw parse of the same text measured beside it.
//!
//! Run: `cargo bench -p soapws-envelope --bench envelope`.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use soapws_envelope::xml::XmlReadExt;
use soapws_envelope::{Encoding, Message, MessageEncoder};
use soapws_nbfs::{DateTime, DateTimeKind, Decimal, Value, Writer, XmlString};

const NS: XmlString<'static> = XmlString::dynamic("http://tempuri.org/");
/// The body's field names, made at compile time as a serializer's are.
const FIELDS: [XmlString<'static>; 20] = [
    XmlString::dynamic("OrderId"),
    XmlString::dynamic("CustomerId"),
    XmlString::dynamic("Quantity"),
    XmlString::dynamic("UnitPrice"),
    XmlString::dynamic("Discount"),
    XmlString::dynamic("Total"),
    XmlString::dynamic("Paid"),
    XmlString::dynamic("Express"),
    XmlString::dynamic("Created"),
    XmlString::dynamic("Shipped"),
    XmlString::dynamic("Name"),
    XmlString::dynamic("Street"),
    XmlString::dynamic("City"),
    XmlString::dynamic("Zip"),
    XmlString::dynamic("Country"),
    XmlString::dynamic("Email"),
    XmlString::dynamic("Phone"),
    XmlString::dynamic("Note"),
    XmlString::dynamic("Weight"),
    XmlString::dynamic("Priority"),
];

fn value(i: usize) -> Value<'static> {
    match i % 7 {
        0 => Value::Int32(100_000 + i as i32),
        1 => Value::Int64(9_000_000_000 + i as i64),
        2 => Value::Double(19.99 + i as f64),
        3 => Value::Decimal(Decimal {
            mantissa: 123_456 + i as u128,
            scale: 2,
            negative: false,
        }),
        4 => Value::Bool(i % 2 == 0),
        5 => Value::DateTime(DateTime {
            ticks: 638_000_000_000_000_000 + i as u64,
            kind: DateTimeKind::Utc,
        }),
        _ => Value::Str("Contoso Ltd, 1 Microsoft Way"),
    }
}

fn request() -> Message {
    let mut m = Message::request(
        "http://tempuri.org/IOrderService/SubmitOrder",
        |w: &mut Writer<'_>| {
            w.start_element(None, XmlString::dynamic("SubmitOrder"), Some(NS))?;
            for (i, name) in FIELDS.iter().enumerate() {
                w.element(None, *name, None, &value(i))?;
            }
            w.end_element()
        },
    );
    m.headers.to = Some("ws://127.0.0.1:8080/orders".into());
    m
}

/// Reads the whole message as a service would: headers (done by decode), then every field typed.
fn read_body(m: &Message) -> i64 {
    let mut r = m.body_reader().unwrap();
    r.read_start_element("SubmitOrder", NS.as_str()).unwrap();
    let mut sum = 0i64;
    for i in 0..FIELDS.len() {
        sum += match i % 7 {
            0 | 1 => r.read_element_value("long", |v| v.to_i64()).unwrap(),
            2 => r.read_element_value("double", |v| v.to_f64()).unwrap() as i64,
            3 => {
                r.read_element_value("decimal", |v| v.to_decimal())
                    .unwrap()
                    .scale as i64
            }
            4 => r.read_element_value("bool", |v| v.to_bool()).unwrap() as i64,
            5 => {
                r.read_element_value("dateTime", |v| v.to_date_time())
                    .unwrap()
                    .ticks as i64
                    & 1
            }
            _ => r.read_element_string().unwrap().len() as i64,
        };
    }
    r.read_end_element().unwrap();
    sum
}

fn bench(c: &mut Criterion) {
    let message = request();
    let mut group = c.benchmark_group("request");
    for (label, encoding) in [
        ("msbinsession1", Encoding::BinarySession),
        ("msbin1", Encoding::Binary),
        ("text", Encoding::Text),
    ] {
        // Steady state of a connection: the session tables already hold the strings.
        let mut enc = MessageEncoder::new(encoding);
        let mut dec = MessageEncoder::new(encoding);
        let warm = enc.encode(&message).unwrap();
        dec.decode(Bytes::from(warm)).unwrap();
        let bytes = enc.encode(&message).unwrap();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        println!("{label}: {} bytes", bytes.len());
        let mut buffer = Vec::with_capacity(4096);
        group.bench_function(format!("{label}/encode+decode"), |b| {
            b.iter(|| {
                buffer = enc
                    .encode_into(black_box(&message), std::mem::take(&mut buffer))
                    .unwrap();
                let m = dec.decode(Bytes::copy_from_slice(&buffer)).unwrap();
                black_box(read_body(&m))
            })
        });
        group.bench_function(format!("{label}/encode"), |b| {
            b.iter(|| {
                buffer = enc
                    .encode_into(black_box(&message), std::mem::take(&mut buffer))
                    .unwrap();
                black_box(buffer.len())
            })
        });
        let frame = Bytes::from(bytes.clone());
        group.bench_function(format!("{label}/decode"), |b| {
            b.iter(|| {
                let m = dec.decode(black_box(frame.clone())).unwrap();
                black_box(read_body(&m))
            })
        });
        if encoding == Encoding::Text {
            let text = String::from_utf8(bytes).unwrap();
            group.bench_function("quick-xml NsReader (parse only)", |b| {
                b.iter(|| {
                    let mut r = quick_xml::NsReader::from_str(black_box(&text));
                    let mut n = 0usize;
                    loop {
                        match r.read_resolved_event().unwrap() {
                            (_, quick_xml::events::Event::Eof) => break,
                            (_, quick_xml::events::Event::Start(e)) => {
                                for a in e.attributes() {
                                    let a = a.unwrap();
                                    n += r.resolver().resolve_attribute(a.key).1.as_ref().len();
                                }
                            }
                            (_, quick_xml::events::Event::Text(t)) => n += t.xml10_content().len(),
                            _ => n += 1,
                        }
                    }
                    black_box(n)
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
