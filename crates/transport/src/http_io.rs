//! The little HTTP a WebSocket server needs: read a request head, write a response.

use std::fmt::Write as _;

use http::header::{HeaderName, HeaderValue};
use http::StatusCode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::handshake::{HeadError, RequestView, MAX_HEAD_LEN};

/// Reads until the end of the request head. Returns the parsed head and any bytes read past it.
pub(crate) async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> Result<(RequestView, Vec<u8>), HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        match RequestView::parse(&buf) {
            Ok((view, used)) => return Ok((view, buf[used..].to_vec())),
            Err(HeadError::Incomplete) => {}
            Err(e) => return Err(e),
        }
        if !may_be_http(&buf) {
            // E.g. a TLS ClientHello on a plain port: its head would never end.
            return Err(HeadError::RequestLine);
        }
        if buf.len() >= MAX_HEAD_LEN {
            return Err(HeadError::TooLarge {
                limit: MAX_HEAD_LEN,
            });
        }
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| HeadError::Incomplete)?;
        if n == 0 {
            return Err(HeadError::Incomplete);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// False once `buf` cannot be the start of a request: the method (the bytes up to the first
/// space, after any empty lines) must be a token (RFC 9110 §5.6.2).
fn may_be_http(buf: &[u8]) -> bool {
    let start = buf
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .unwrap_or(buf.len());
    buf[start..]
        .iter()
        .take_while(|&&b| b != b' ')
        .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Writes a complete response and flushes it.
pub(crate) async fn write_response<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: StatusCode,
    headers: &[(HeaderName, HeaderValue)],
    body: &str,
    upgrade: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    for (name, value) in headers {
        let _ = write!(head, "{}: {}\r\n", name, value.to_str().unwrap_or(""));
    }
    if !upgrade {
        let content_type = if body.starts_with('<') {
            "text/xml; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        };
        if !body.is_empty() && !headers.iter().any(|(n, _)| n == http::header::CONTENT_TYPE) {
            let _ = write!(head, "Content-Type: {content_type}\r\n");
        }
        let _ = write!(
            head,
            "Content-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.flush().await
}
