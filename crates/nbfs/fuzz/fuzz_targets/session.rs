//! Arbitrary bytes as several msbinsession1 messages of one connection (separated by `FF FE`):
//! each is a string table read into one `ReaderSession`, then a document read with it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soapws_nbfs::{xml, Nbfs, Quotas, Reader, ReaderSession};

const SEPARATOR: &[u8] = b"\xFF\xFE";

fn messages(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(2).position(|w| w == SEPARATOR) {
        out.push(&rest[..i]);
        rest = &rest[i + 2..];
    }
    out.push(rest);
    out
}

fuzz_target!(|data: &[u8]| {
    let mut session = ReaderSession::new();
    for message in messages(data).into_iter().take(8) {
        let before = session.len();
        let start = match session.read_table(message) {
            Ok(start) => start,
            Err(e) => {
                assert!(e.offset <= message.len());
                continue;
            }
        };
        assert!(start <= message.len());
        assert!(session.len() >= before);
        for (i, (key, s)) in session.entries().enumerate() {
            assert_eq!(key, 2 * i as u32 + 1);
            assert_eq!(session.get(key), Some(s));
        }

        let mut reader = Reader::new(&message[start..])
            .with_base_offset(start)
            .with_dictionary(&Nbfs)
            .with_session(&session)
            .with_quotas(Quotas::WCF);
        let mut text = String::new();
        if let Err(e) = xml::write_xml(&mut reader, &mut text) {
            assert!(
                (start..=message.len()).contains(&e.offset),
                "error offset {} outside {start}..={}: {e}",
                e.offset,
                message.len()
            );
        }
    }
});
