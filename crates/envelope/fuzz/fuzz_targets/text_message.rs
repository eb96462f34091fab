//! Arbitrary bytes as one `application/soap+xml` message: if the text encoder decodes it, its
//! body (and fault) must read to the end without a panic, and re-encoding it with each of the
//! three encoders either is refused with an `EncodeError` or gives bytes that decode again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soapws_envelope::{Encoding, MessageEncoder};
use soapws_envelope_fuzz::{check, Peer};

fuzz_target!(|data: &[u8]| {
    let mut decoder = MessageEncoder::new(Encoding::Text);
    let _ = check(&mut decoder, data, &mut Peer::all());
});
