//! `Sec-WebSocket-Key` validation and the `Sec-WebSocket-Accept` answer (RFC 6455 §4.2.2).

use base64::alphabet::STANDARD;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use sha1::{Digest, Sha1};

/// The GUID RFC 6455 appends to the key before hashing.
const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Standard alphabet with padding; non-zero trailing bits are tolerated (the answer hashes the
/// key's text, not its bytes, so they cannot matter).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Whether `key` (surrounding whitespace ignored) is the base64 encoding of 16 bytes.
pub fn is_valid_key(key: &str) -> bool {
    let key = key.trim_matches([' ', '\t']);
    // 16 bytes encode to exactly 24 characters, so nothing longer is ever decoded.
    key.len() == 24 && LENIENT.decode(key).is_ok_and(|bytes| bytes.len() == 16)
}

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`:
/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")). Surrounding whitespace is ignored.
pub fn accept_key(key: &str) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(key.trim_matches([' ', '\t']).as_bytes());
    sha1.update(WEBSOCKET_GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(sha1.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_sample() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        assert_eq!(
            accept_key(" dGhlIHNhbXBsZSBub25jZQ==\t"),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn keys_must_be_16_base64_bytes() {
        assert!(is_valid_key("dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(is_valid_key("ROOw9dYOJkStW2nx5r1k9w=="));
        assert!(
            is_valid_key("dGhlIHNhbXBsZSBub25jZR=="),
            "trailing bits tolerated"
        );
        assert!(!is_valid_key(""));
        assert!(!is_valid_key("dGhlIHNhbXBsZSBub25jZQ"), "padding required");
        assert!(!is_valid_key("dGhlIHNhbXBsZSBub25j"), "12 bytes");
        assert!(!is_valid_key("dGhlIHNhbXBsZSBub25jZXg="), "17 bytes");
        assert!(!is_valid_key("dGhlIHNhbXBsZSBub25jZQ=!"));
        assert!(!is_valid_key(
            "dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ=="
        ));
        assert!(
            !is_valid_key("dGhl-HNhbXBsZSBub25jZQ=="),
            "URL-safe alphabet"
        );
    }
}
