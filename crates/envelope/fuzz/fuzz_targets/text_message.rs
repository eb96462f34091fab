//! Arbitrary bytes as one `application/soap+xml` message: if the text encoder decodes it, its
//! body (and fault) must read to the end without a panic, and re-encoding it with each of the
//! three encoders either is refused with an `EncodeError` or gives bytes that decode again.
//! The message is decoded twice: with WCF's quotas, and with small ones that documents of
//! fuzzing size reach (the per-read limit, and the exact count of distinct names).
#![no_main]

use libfuzzer_sys::fuzz_target;
use soapws_envelope::{Encoding, MessageEncoder};
use soapws_envelope_fuzz::{check, Peer};
use soapws_nbfs::{Quotas, DEFAULT_SESSION_QUOTA};

fuzz_target!(|data: &[u8]| {
    let mut decoder = MessageEncoder::new(Encoding::Text);
    let _ = check(&mut decoder, data, &mut Peer::all());

    let small = Quotas {
        max_bytes_per_read: 32,
        max_name_table_char_count: 24,
        ..Quotas::WCF
    };
    let mut decoder = MessageEncoder::with_quotas(Encoding::Text, small, DEFAULT_SESSION_QUOTA);
    let _ = check(&mut decoder, data, &mut Peer::all());
});
