//! A small, bounded parser for raw HTTP/1.x request heads (for raw-socket servers and tests).

use super::request::{HttpVersion, RequestView};
use super::tokens::{is_token, trim_ows};

/// The largest request head [`RequestView::parse`] accepts, terminating empty line included.
pub const MAX_HEAD_LEN: usize = 16 * 1024;

/// The most header fields [`RequestView::parse`] accepts.
pub const MAX_HEADERS: usize = 100;

/// Why a raw request head could not be parsed. Lines are numbered from the request line (1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeadError {
    /// No empty line ends the head yet; read more bytes and try again.
    #[error("request head incomplete: no empty line yet")]
    Incomplete,
    /// The head does not end within [`MAX_HEAD_LEN`] bytes.
    #[error("request head longer than {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The head has more than [`MAX_HEADERS`] header fields.
    #[error("request head has more than {limit} header fields")]
    TooManyHeaders {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The request line is not `method SP request-target SP HTTP-version`.
    #[error("malformed request line")]
    RequestLine,
    /// The request line names an HTTP version other than 1.0 or 1.1.
    #[error("unsupported HTTP version {0:?}")]
    UnsupportedVersion(String),
    /// A header line is not `name ":" value` with a token name and a value free of controls.
    #[error("line {line}: malformed header field")]
    HeaderField {
        /// The offending line.
        line: usize,
    },
    /// A header line starts with whitespace (obsolete line folding, RFC 9112 §5.2).
    #[error("line {line}: obsolete line folding")]
    ObsoleteLineFolding {
        /// The offending line.
        line: usize,
    },
}

impl RequestView {
    /// Parses the request head at the start of `buf`; returns it with the number of bytes it
    /// took (the bytes after it — a body or early WebSocket frames — are not looked at).
    ///
    /// Lines may end in CRLF or a bare LF; empty lines before the request line are skipped
    /// (RFC 9112 §2.2). The head is bounded by [`MAX_HEAD_LEN`] and [`MAX_HEADERS`]; every
    /// malformation is a [`HeadError`], never a panic.
    pub fn parse(buf: &[u8]) -> Result<(Self, usize), HeadError> {
        let (lines, len) = split_head(buf)?;
        let (request_line, fields) = lines.split_first().ok_or(HeadError::Incomplete)?;
        let mut view = parse_request_line(request_line)?;
        for (index, line) in fields.iter().enumerate() {
            let (name, value) = parse_field(line, index + 2)?;
            view.push_header(name, value);
        }
        Ok((view, len))
    }
}

/// The non-empty lines of the head (CR/LF stripped) and the head's length in bytes.
fn split_head(buf: &[u8]) -> Result<(Vec<&[u8]>, usize), HeadError> {
    let window = &buf[..buf.len().min(MAX_HEAD_LEN)];
    let mut lines: Vec<&[u8]> = Vec::new();
    let mut pos = 0;
    while let Some(newline) = window[pos..].iter().position(|&b| b == b'\n') {
        let raw = &window[pos..pos + newline];
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        pos += newline + 1;
        if line.is_empty() {
            if lines.is_empty() {
                continue;
            }
            return Ok((lines, pos));
        }
        if lines.len() > MAX_HEADERS {
            return Err(HeadError::TooManyHeaders { limit: MAX_HEADERS });
        }
        lines.push(line);
    }
    if buf.len() >= MAX_HEAD_LEN {
        Err(HeadError::TooLarge {
            limit: MAX_HEAD_LEN,
        })
    } else {
        Err(HeadError::Incomplete)
    }
}

fn parse_request_line(line: &[u8]) -> Result<RequestView, HeadError> {
    let text = std::str::from_utf8(line).map_err(|_| HeadError::RequestLine)?;
    let mut parts = text.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::RequestLine);
    };
    let target_ok = !target.is_empty() && target.bytes().all(|b| b.is_ascii_graphic());
    if !is_token(method) || !target_ok {
        return Err(HeadError::RequestLine);
    }
    let version = match version {
        "HTTP/1.1" => HttpVersion::Http11,
        "HTTP/1.0" => HttpVersion::Http10,
        other if other.starts_with("HTTP/") => {
            return Err(HeadError::UnsupportedVersion(other.to_owned()))
        }
        _ => return Err(HeadError::RequestLine),
    };
    Ok(RequestView::new(method, target, version))
}

/// One `name: value` line; the value trimmed, non-UTF-8 bytes (obs-text) converted lossily.
fn parse_field(line: &[u8], number: usize) -> Result<(String, String), HeadError> {
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return Err(HeadError::ObsoleteLineFolding { line: number });
    }
    let malformed = HeadError::HeaderField { line: number };
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(malformed.clone())?;
    let name = std::str::from_utf8(&line[..colon]).map_err(|_| malformed.clone())?;
    let raw_value = &line[colon + 1..];
    let value_ok = raw_value
        .iter()
        .all(|&b| b == b'\t' || b == b' ' || b.is_ascii_graphic() || b >= 0x80);
    if !is_token(name) || !value_ok {
        return Err(malformed);
    }
    let value = String::from_utf8_lossy(raw_value);
    Ok((name.to_owned(), trim_ows(&value).to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<(RequestView, usize), HeadError> {
        RequestView::parse(s.as_bytes())
    }

    #[test]
    fn parses_a_head_and_reports_its_length() {
        let text = "GET /svc?wsdl HTTP/1.1\r\nHost: h\r\nX:  a b \r\n\r\nFRAME";
        let (view, len) = parse(text).unwrap();
        assert_eq!(len, text.len() - "FRAME".len());
        assert_eq!(view.method(), "GET");
        assert_eq!(view.target(), "/svc?wsdl");
        assert_eq!(view.version(), HttpVersion::Http11);
        assert_eq!(view.header("x"), Some("a b"));
        assert_eq!(view.headers().count(), 2);
    }

    #[test]
    fn accepts_bare_lf_and_leading_empty_lines() {
        let text = "\r\n\nGET / HTTP/1.0\nA:1\n\n";
        let (view, len) = parse(text).unwrap();
        assert_eq!(len, text.len());
        assert_eq!(view.version(), HttpVersion::Http10);
        assert_eq!(view.header("a"), Some("1"));
    }

    #[test]
    fn obs_text_is_kept_lossily() {
        let (view, _) = RequestView::parse(b"GET / HTTP/1.1\r\nX: caf\xe9\r\n\r\n").unwrap();
        assert_eq!(view.header("x"), Some("caf\u{fffd}"));
    }

    #[test]
    fn malformed_heads_are_typed_errors() {
        use HeadError::*;
        let cases: &[(&str, HeadError)] = &[
            ("", Incomplete),
            ("\r\n\r\n", Incomplete),
            ("GET / HTTP/1.1\r\nHost: h\r\n", Incomplete),
            ("GET / HTTP/1.1 x\r\n\r\n", RequestLine),
            ("GET  / HTTP/1.1\r\n\r\n", RequestLine),
            ("GET /\r\n\r\n", RequestLine),
            ("G(T / HTTP/1.1\r\n\r\n", RequestLine),
            ("GET /a\x01 HTTP/1.1\r\n\r\n", RequestLine),
            ("GET / FTP/1.1\r\n\r\n", RequestLine),
            ("GET / HTTP/2\r\n\r\n", UnsupportedVersion("HTTP/2".into())),
            ("GET / HTTP/1.1\r\nNoColon\r\n\r\n", HeaderField { line: 2 }),
            (
                "GET / HTTP/1.1\r\nA: 1\r\nBad Name: x\r\n\r\n",
                HeaderField { line: 3 },
            ),
            (
                "GET / HTTP/1.1\r\nName : x\r\n\r\n",
                HeaderField { line: 2 },
            ),
            ("GET / HTTP/1.1\r\n: x\r\n\r\n", HeaderField { line: 2 }),
            ("GET / HTTP/1.1\r\nA: x\0y\r\n\r\n", HeaderField { line: 2 }),
            ("GET / HTTP/1.1\r\nA: x\ry\r\n\r\n", HeaderField { line: 2 }),
            (
                "GET / HTTP/1.1\r\nA: x\r\n  y\r\n\r\n",
                ObsoleteLineFolding { line: 3 },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).unwrap_err(), *expected, "{text:?}");
        }
    }

    #[test]
    fn header_count_is_bounded() {
        let mut head = String::from("GET / HTTP/1.1\r\n");
        for i in 0..MAX_HEADERS {
            head.push_str(&format!("H{i}: v\r\n"));
        }
        assert!(parse(&format!("{head}\r\n")).is_ok());
        head.push_str("One-Too-Many: v\r\n");
        assert_eq!(
            parse(&head).unwrap_err(),
            HeadError::TooManyHeaders { limit: MAX_HEADERS }
        );
    }

    #[test]
    fn head_size_is_bounded() {
        let filler = "x".repeat(MAX_HEAD_LEN);
        let exact = format!(
            "GET / HTTP/1.1\r\nA: {}\r\n\r\n",
            &filler[..MAX_HEAD_LEN - 23]
        );
        assert_eq!(exact.len(), MAX_HEAD_LEN);
        assert!(parse(&exact).is_ok());
        let over = format!(
            "GET / HTTP/1.1\r\nA: {}\r\n\r\n",
            &filler[..MAX_HEAD_LEN - 22]
        );
        assert_eq!(
            parse(&over).unwrap_err(),
            HeadError::TooLarge {
                limit: MAX_HEAD_LEN
            }
        );
        assert_eq!(
            parse(&format!("GET / HTTP/1.1\r\nA: {filler}{filler}")).unwrap_err(),
            HeadError::TooLarge {
                limit: MAX_HEAD_LEN
            }
        );
    }
}
