//! The message encodings and transfer modes a handshake negotiates.

use std::fmt;
use std::str::FromStr;

use super::content_type::is_supported;

/// A SOAP message encoding, as named by the `soap-content-type` handshake header.
///
/// These are the *session* encoders' content types, which WCF clients send whatever the transfer
/// mode. Not supported (and so refused at the handshake): MTOM, SOAP 1.1 `text/xml`, the
/// non-session `application/soap+msbin1`, and compressed binary (`…+gzip`, `…+deflate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageEncoding {
    /// SOAP 1.2 text in UTF-8: `application/soap+xml; charset=utf-8`.
    Text,
    /// .NET Binary XML with per-connection string tables: `application/soap+msbinsession1`.
    BinarySession,
}

impl MessageEncoding {
    /// Every encoding, in the order an endpoint lists them by default.
    pub const ALL: [MessageEncoding; 2] = [Self::BinarySession, Self::Text];

    /// The content type WCF's session encoder reports, sent in `soap-content-type`.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Text => "application/soap+xml; charset=utf-8",
            Self::BinarySession => "application/soap+msbinsession1",
        }
    }

    /// The media type without parameters.
    pub const fn media_type(self) -> &'static str {
        match self {
            Self::Text => "application/soap+xml",
            Self::BinarySession => "application/soap+msbinsession1",
        }
    }

    /// Whether this is the binary encoding (which also negotiates a [`TransferMode`]).
    pub const fn is_binary(self) -> bool {
        matches!(self, Self::BinarySession)
    }

    /// Whether a `soap-content-type` value names this encoding, by WCF's
    /// `MessageEncoder.IsContentTypeSupported` rules:
    ///
    /// - the encoder's own content type, ASCII case ignored, optionally followed by whitespace
    ///   and/or `;` and further parameters (`application/soap+xml; charset=utf-8; action="…"`);
    /// - otherwise a well-formed media type equal to [`media_type`](Self::media_type) (case
    ///   ignored) whose charset is acceptable. For text that is a `charset` of `utf-8` (any case,
    ///   quoted or not) or none (WCF autodetects then). WCF's text encoder also takes `utf-16`,
    ///   `utf-16LE` and `utf-16BE`; soapws reads UTF-8 only and refuses them here, so the client
    ///   gets WCF's content-type-mismatch 400 instead of a failure on the first message. Binary
    ///   accepts no charset, as in WCF.
    pub fn supports(self, value: &str) -> bool {
        let charset_ok: fn(Option<&str>) -> bool = match self {
            Self::Text => |charset| charset.is_none_or(|c| c.eq_ignore_ascii_case("utf-8")),
            Self::BinarySession => |_| false,
        };
        is_supported(value, self.content_type(), self.media_type(), charset_ok)
    }
}

impl fmt::Display for MessageEncoding {
    /// Writes the [content type](Self::content_type).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.content_type())
    }
}

/// WCF's `TransferMode`, carried by `microsoft-binary-transfer-mode` for the binary encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TransferMode {
    /// Whole messages, one WebSocket frame each (WCF's default).
    #[default]
    Buffered,
    /// Messages in both directions are streamed.
    Streamed,
    /// Requests are streamed, responses buffered.
    StreamedRequest,
    /// Responses are streamed, requests buffered.
    StreamedResponse,
}

impl TransferMode {
    /// Every transfer mode.
    pub const ALL: [TransferMode; 4] = [
        Self::Buffered,
        Self::Streamed,
        Self::StreamedRequest,
        Self::StreamedResponse,
    ];

    /// The name exactly as .NET's `TransferMode.ToString()` prints it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Buffered => "Buffered",
            Self::Streamed => "Streamed",
            Self::StreamedRequest => "StreamedRequest",
            Self::StreamedResponse => "StreamedResponse",
        }
    }
}

impl TransferMode {
    /// True when requests (client to server) are streamed.
    pub const fn requests_streamed(self) -> bool {
        matches!(self, Self::Streamed | Self::StreamedRequest)
    }

    /// True when responses (server to client) are streamed.
    pub const fn responses_streamed(self) -> bool {
        matches!(self, Self::Streamed | Self::StreamedResponse)
    }
}

impl fmt::Display for TransferMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `microsoft-binary-transfer-mode` value that names no [`TransferMode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown transfer mode {0:?} (expected Buffered, Streamed, StreamedRequest or StreamedResponse)")]
pub struct UnknownTransferMode(pub String);

impl FromStr for TransferMode {
    type Err = UnknownTransferMode;

    /// Parses a .NET name, surrounding whitespace and ASCII case ignored (as WCF compares it).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim_matches([' ', '\t']);
        Self::ALL
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownTransferMode(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MessageEncoding::{BinarySession, Text};

    #[test]
    fn content_types_wcf_clients_send_are_supported() {
        assert!(BinarySession.supports("application/soap+msbinsession1"));
        assert!(Text.supports("application/soap+xml; charset=utf-8"));
    }

    #[test]
    fn text_matching() {
        for ok in [
            "application/soap+xml; charset=utf-8",
            "APPLICATION/SOAP+XML; CHARSET=UTF-8",
            "application/soap+xml;charset=utf-8",
            "application/soap+xml; charset=\"utf-8\"",
            "application/soap+xml",
            "application/soap+xml; action=\"http://tempuri.org/IEcho/Echo\"",
            "application/soap+xml; charset=utf-8; action=\"urn:a;b\"",
            "application/soap+xml; action=\"urn:a\";charset=UTF-8",
            "application/soap+xml; charset=utf-8 ; foo",
            " application/soap+xml; charset=utf-8 ",
        ] {
            assert!(Text.supports(ok), "{ok:?}");
        }
        for bad in [
            "",
            "text/xml; charset=utf-8",
            "application/xml",
            "application/soap+xml; charset=utf-16",
            "application/soap+xml; charset=utf-16LE",
            "application/soap+xml; charset=iso-8859-1",
            "application/soap+xml; charset=utf-8x",
            "application/soap+xmlx",
            "application/soap+xml; action",
            "application/soap+msbinsession1",
            "multipart/related; type=\"application/xop+xml\";start=\"<http://tempuri.org/0>\";boundary=\"uuid:0+id=1\";start-info=\"application/soap+xml\"",
        ] {
            assert!(!Text.supports(bad), "{bad:?}");
        }
    }

    #[test]
    fn binary_matching() {
        for ok in [
            "application/soap+msbinsession1",
            "Application/Soap+MsBinSession1",
            "application/soap+msbinsession1;x",
            "application/soap+msbinsession1 ; charset=utf-8",
            "application/soap+msbinsession1\t",
        ] {
            assert!(BinarySession.supports(ok), "{ok:?}");
        }
        for bad in [
            "application/soap+msbin1",
            "application/soap+msbinsession1+gzip",
            "application/soap+msbinsession1+deflate",
            "application/soap+msbinsession12",
            "application/soap+msbinsession1 x",
            "application/soap+xml; charset=utf-8",
            "application/octet-stream",
        ] {
            assert!(!BinarySession.supports(bad), "{bad:?}");
        }
    }

    #[test]
    fn transfer_modes_round_trip_dotnet_names() {
        for mode in TransferMode::ALL {
            assert_eq!(mode.to_string().parse::<TransferMode>(), Ok(mode));
        }
        assert_eq!("streamedrequest".parse(), Ok(TransferMode::StreamedRequest));
        assert_eq!(" Buffered ".parse(), Ok(TransferMode::Buffered));
        assert_eq!(
            "Chunked".parse::<TransferMode>(),
            Err(UnknownTransferMode("Chunked".into()))
        );
        assert_eq!(TransferMode::default(), TransferMode::Buffered);
    }
}
