//! Arbitrary bytes as one binary XML document: the reader (with the [MC-NBFS] dictionary and a
//! small session) must return events or a `DecodeError` inside the input, never panic or loop;
//! and reading each element's content with `read_simple_content` where it applies must give the
//! same events as reading node by node.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soapws_nbfs::{xml, Attribute, Event, Nbfs, Quotas, Reader, Value};
use soapws_nbfs_fuzz::capture_session;

fn drain(mut reader: Reader<'_>, len: usize) {
    // Every event but the EndElement of a WithEndElement record consumes a byte.
    let mut budget = 2 * len + 2;
    loop {
        assert!(budget > 0, "reader made no progress");
        budget -= 1;
        match reader.next_event() {
            Ok(Some(event)) => touch(&event, reader.attributes()),
            Ok(None) => break,
            Err(e) => {
                assert!(e.offset <= len, "error offset {} past {len}: {e}", e.offset);
                let _ = e.to_string();
                break;
            }
        }
    }
}

fn touch(event: &Event<'_>, attributes: &[Attribute<'_>]) {
    match event {
        Event::Text(v) => {
            let _ = v.to_text();
        }
        Event::Array(a) => {
            assert!(!a.is_empty());
            assert_eq!(a.values().count(), a.len());
            for v in a.values() {
                let _ = v.to_text();
            }
        }
        _ => {}
    }
    for a in attributes {
        if let Attribute::Value { value, .. } = a {
            let _ = value.to_text();
        }
    }
}

/// The events of `reader` as text, empty text left out (an element with empty text and an
/// empty element read alike through `read_simple_content`); with `simple`, each element's
/// content read with `read_simple_content` where it applies.
fn events(mut reader: Reader<'_>, simple: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut text = |out: &mut Vec<String>, v: &Value<'_>| {
        if *v != Value::Str("") {
            out.push(format!("{:?}", Event::Text(v.clone())));
        }
    };
    loop {
        match reader.next_event() {
            Ok(Some(Event::Text(v))) => text(&mut out, &v),
            Ok(Some(event)) => {
                let start = matches!(event, Event::StartElement(_));
                out.push(format!("{event:?}"));
                if start {
                    out.push(format!("{:?}", reader.attributes()));
                }
                if start && simple {
                    match reader.read_simple_content() {
                        Ok(true) => {
                            text(&mut out, reader.value());
                            out.push(format!("{:?}", Event::EndElement));
                        }
                        Ok(false) => {}
                        Err(e) => {
                            out.push(format!("error {e}"));
                            return out;
                        }
                    }
                }
            }
            Ok(None) => return out,
            Err(e) => {
                out.push(format!("error {e}"));
                return out;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let session = capture_session();

    drain(Reader::new(data), data.len());
    // Small limits as well, so that the exact count of distinct names (a second reading of
    // the input) and the per-read limit are reached by documents of fuzzing size.
    let small = Quotas {
        max_bytes_per_read: 32,
        max_name_table_char_count: 24,
        ..Quotas::WCF
    };
    for quotas in [Quotas::WCF, Quotas::TOOLS, small] {
        let reader = Reader::new(data)
            .with_dictionary(&Nbfs)
            .with_session(&session)
            .with_quotas(quotas);
        drain(reader, data.len());
    }

    let mut reader = Reader::new(data)
        .with_dictionary(&Nbfs)
        .with_session(&session)
        .with_quotas(Quotas::TOOLS);
    let mut text = String::new();
    if let Err(e) = xml::write_xml(&mut reader, &mut text) {
        assert!(e.offset <= data.len());
    }

    let configured = || {
        Reader::new(data)
            .with_dictionary(&Nbfs)
            .with_session(&session)
    };
    assert_eq!(events(configured(), false), events(configured(), true));
});
