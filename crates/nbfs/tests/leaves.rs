//! `Writer::element` writes a leaf's value record with the end folded in directly; these tests
//! check every kind of value against `start_element`, `value` and `end_element`, in every
//! binary mode, with the leaf written at every position around .NET's 512-byte buffer (whose
//! flushes decide whether an end can be folded).

use soapws_nbfs::{
    DateTime, DateTimeKind, Decimal, Guid, Nbfs, TimeSpan, Value, Writer, WriterSession, XmlString,
};

const ROOT: XmlString<'static> = XmlString::dynamic("r");
const FILLER: XmlString<'static> = XmlString::dynamic("f");
const LEAF: XmlString<'static> = XmlString::dynamic("leaf");

fn values() -> Vec<Value<'static>> {
    let mut v = vec![
        Value::Bool(true),
        Value::Bool(false),
        Value::Str(""),
        Value::Str("0"),
        Value::Str("1"),
        Value::Str("hi"),
        Value::Str("sixteen bytes..."),
        Value::Str("seventeen bytes.."),
        Value::Str("Zürich"),
        Value::Str("a & b < c"),
        Value::Dictionary(XmlString::dynamic("urn:dynamic")),
        Value::Dictionary(Nbfs::find("Envelope").expect("a static string")),
        Value::Bytes(&[1, 2, 3]),
        Value::Float(1.5),
        Value::Float(3.0),
        Value::Double(0.1),
        Value::Double(2.5),
        Value::Double(1e300),
        Value::Decimal(Decimal {
            mantissa: 12_345,
            scale: 2,
            negative: true,
        }),
        Value::DateTime(DateTime {
            ticks: 638_515_386_000_000_000,
            kind: DateTimeKind::Utc,
        }),
        Value::TimeSpan(TimeSpan(-36_000_000_000)),
        Value::Guid(Guid([7; 16])),
        Value::UniqueId(Guid([9; 16])),
        Value::UInt64(u64::MAX),
        Value::UInt64(5),
    ];
    for i in [0, 1, -1, 127, -128, 300, -300, 70_000, i32::MIN] {
        v.push(Value::Int32(i));
        v.push(Value::Int64(i64::from(i)));
    }
    v.push(Value::Int64(1 << 40));
    v
}

/// `<r>` + `filler` bytes of text + `<leaf>value</leaf>` + `</r>`, the leaf written whole or in
/// three calls.
fn written(mode: usize, filler: usize, value: &Value<'_>, whole: bool) -> Vec<u8> {
    let mut session = WriterSession::new();
    let mut w = match mode {
        0 => Writer::new(),
        1 => Writer::new().dictionary(&Nbfs),
        _ => Writer::new().dictionary(&Nbfs).session(&mut session),
    };
    let pad = "x".repeat(filler);
    w.start_element(None, ROOT, None).unwrap();
    w.element(None, FILLER, None, &Value::Str(&pad)).unwrap();
    if whole {
        w.element(None, LEAF, None, value).unwrap();
    } else {
        w.start_element(None, LEAF, None).unwrap();
        w.value(value).unwrap();
        w.end_element().unwrap();
    }
    w.end_element().unwrap();
    match mode {
        2 => w.finish_session_message().unwrap(),
        _ => w.finish().unwrap(),
    }
}

#[test]
fn a_leaf_written_whole_is_the_same_bytes_as_in_three_calls_everywhere_in_the_buffer() {
    let values = values();
    for mode in 0..3 {
        // The filler moves the leaf across the 512-byte buffer: from well before its end to
        // just past a flush.
        for filler in (440..530).chain([0, 5, 100, 1000]) {
            for value in &values {
                let apart = written(mode, filler, value, false);
                let whole = written(mode, filler, value, true);
                assert_eq!(whole, apart, "mode {mode}, filler {filler}, {value:?}");
            }
        }
    }
}

#[test]
fn a_leaf_ends_its_value_record() {
    // `<leaf>hi</leaf>` is Chars8TextWithEndElement, no EndElement record.
    let mut w = Writer::new();
    w.element(None, LEAF, None, &Value::Str("hi")).unwrap();
    assert_eq!(
        w.finish().unwrap(),
        [0x40, 4, b'l', b'e', b'a', b'f', 0x99, 2, b'h', b'i']
    );
}
