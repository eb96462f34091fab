//! Arbitrary bytes as binary messages, read twice:
//! - whole, as one `application/soap+msbin1` message;
//! - split at the bytes `FF FE` into up to 4 `application/soap+msbinsession1` messages of one
//!   connection, decoded in order by one encoder (each starts with its string table).
//!
//! Whatever decodes must have a body (and fault) that reads to the end without a panic, and
//! re-encoding it with each of the three encoders either is refused with an `EncodeError` or
//! gives bytes that decode again. The session messages are re-encoded through one connection per
//! encoding, so the re-encoded string tables build on each other too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soapws_envelope::{Encoding, MessageEncoder, MessageError};
use soapws_envelope_fuzz::{check, session_messages, Peer};

fuzz_target!(|data: &[u8]| {
    let mut decoder = MessageEncoder::new(Encoding::Binary);
    let _ = check(&mut decoder, data, &mut Peer::all());

    let mut decoder = MessageEncoder::new(Encoding::BinarySession);
    let mut peers = Peer::all();
    for message in session_messages(data) {
        if let Err(MessageError::Session(_)) = check(&mut decoder, message, &mut peers) {
            // A bad string table ends the connection (every later message fails too).
            break;
        }
    }
});
