//! Arbitrary bytes as one binary XML document: the reader (with the [MC-NBFS] dictionary and a
//! small session) must return events or a `DecodeError` inside the input, never panic or loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soapws_nbfs::{xml, Attribute, Event, Nbfs, Quotas, Reader, ReaderSession};

/// The session strings of the four captures of `shared/nbfx-captures` (keys 1, 3, …, 23), so that
/// their documents, the seed corpus, decode completely.
const SESSION_STRINGS: [&str; 12] = [
    "http://Microsoft.Samples.NetTcp/ICalculator/Subtract",
    "net.tcp://localhost:9001/servicemodelsamples/service",
    "Subtract",
    "http://Microsoft.Samples.NetTcp",
    "n1",
    "n2",
    "http://Microsoft.Samples.NetTcp/ICalculator/Multiply",
    "Multiply",
    "http://Microsoft.Samples.NetTcp/ICalculator/Divide",
    "Divide",
    "http://Microsoft.Samples.NetTcp/ICalculator/Concat",
    "Concat",
];

fn capture_session() -> ReaderSession {
    let mut strings = Vec::new();
    for s in SESSION_STRINGS {
        strings.push(s.len() as u8); // every string is shorter than 128 bytes
        strings.extend_from_slice(s.as_bytes());
    }
    // MultiByteInt31 size (the strings total 128..16383 bytes), then the strings.
    let size = strings.len();
    let mut table = vec![0x80 | (size & 0x7F) as u8, (size >> 7) as u8];
    table.extend_from_slice(&strings);
    let mut session = ReaderSession::new();
    session.read_table(&table).expect("valid table");
    session
}

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

fuzz_target!(|data: &[u8]| {
    let session = capture_session();

    drain(Reader::new(data), data.len());
    for quotas in [Quotas::WCF, Quotas::TOOLS] {
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
});
