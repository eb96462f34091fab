//! Which message encoding each direction of a connection uses.

use soapws_envelope::Encoding;

use crate::handshake::{MessageEncoding, TransferMode};

/// True when the messages this side sends are streamed.
pub(crate) fn sends_streamed(encoding: MessageEncoding, mode: TransferMode, server: bool) -> bool {
    encoding == MessageEncoding::BinarySession
        && if server {
            mode.responses_streamed()
        } else {
            mode.requests_streamed()
        }
}

/// The (incoming, outgoing) encodings of one side. Binary messages in a streamed direction are
/// plain [MC-NBFS] without a session string table, as WCF's binary encoder writes them.
pub(crate) fn encodings(
    encoding: MessageEncoding,
    mode: TransferMode,
    server: bool,
) -> (Encoding, Encoding) {
    let binary = |streamed: bool| {
        if streamed {
            Encoding::Binary
        } else {
            Encoding::BinarySession
        }
    };
    match encoding {
        MessageEncoding::Text => (Encoding::Text, Encoding::Text),
        MessageEncoding::BinarySession => {
            let (requests, responses) = (
                binary(mode.requests_streamed()),
                binary(mode.responses_streamed()),
            );
            if server {
                (requests, responses)
            } else {
                (responses, requests)
            }
        }
    }
}
