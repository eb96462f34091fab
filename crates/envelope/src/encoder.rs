//! The message encoders WCF uses over WebSocket: each turns a [`Message`] into the bytes of one
//! WebSocket message and back. One [`MessageEncoder`] per connection: the binary session
//! encoder keeps the connection's reader and writer string tables.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use soapws_nbfs::{
    DecodeError, EncodeError, Nbfs, Quotas, Reader, ReaderSession, StringSource, Writer,
    WriterSession, DEFAULT_SESSION_QUOTA,
};

use crate::headers::Headers;
use crate::message::{scoped, Body, BodyEncoding, Message, ReceivedBody, ScopedNamespace};
use crate::names;
use crate::xml::{
    bytes_below, BinaryXmlReader, Node, TextXmlReader, XmlError, XmlRead, XmlReadExt, HIGH_BITS,
};

/// A message encoding, named by its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `application/soap+xml; charset=utf-8`: SOAP 1.2 XML text.
    Text,
    /// `application/soap+msbin1`: binary XML with the [MC-NBFS] dictionary (also what WCF's
    /// binary encoder sends in streamed transfer mode).
    Binary,
    /// `application/soap+msbinsession1`: binary XML with a session string table per connection.
    BinarySession,
}

impl Encoding {
    /// The content type WCF announces for this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Text => "application/soap+xml; charset=utf-8",
            Self::Binary => "application/soap+msbin1",
            Self::BinarySession => "application/soap+msbinsession1",
        }
    }

    /// The encoding a content type names, following WCF's `IsContentTypeSupported`: the media
    /// type compares case-insensitively; for text, a `charset` must be UTF-8 or UTF-16 (any case,
    /// quoted or not) and an `action` parameter is allowed; binary types take no parameters.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let mut parts = content_type.split(';');
        let media = parts.next()?.trim();
        let params: Vec<(String, String)> = parts
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (
                    k.trim().to_ascii_lowercase(),
                    v.trim().trim_matches('"').to_ascii_lowercase(),
                )
            })
            .collect();
        if media.eq_ignore_ascii_case("application/soap+xml") {
            let charset_ok = params.iter().all(|(k, v)| match k.as_str() {
                "charset" => matches!(
                    v.as_str(),
                    "utf-8" | "utf-16" | "utf-16le" | "utf-16be" | "unicodefffe"
                ),
                "action" => true,
                _ => false,
            });
            return charset_ok.then_some(Self::Text);
        }
        if !params.iter().all(|(k, _)| k.is_empty()) {
            return None;
        }
        if media.eq_ignore_ascii_case("application/soap+msbin1") {
            Some(Self::Binary)
        } else if media.eq_ignore_ascii_case("application/soap+msbinsession1") {
            Some(Self::BinarySession)
        } else {
            None
        }
    }
}

/// A received message that cannot be turned into a [`Message`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// Malformed XML (text or binary): WCF drops the connection.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// A malformed or over-quota session string table: the connection cannot continue.
    #[error("session string table: {0}")]
    Session(DecodeError),
    /// A SOAP 1.1 envelope: answered with a VersionMismatch fault.
    #[error("a SOAP 1.1 envelope where SOAP 1.2 is expected")]
    VersionMismatch,
    /// The root is not a SOAP 1.2 `Envelope`: answered with a Sender fault.
    #[error("not a SOAP 1.2 envelope: found {0}")]
    NotAnEnvelope(String),
    /// The envelope has no `Body`: answered with a Sender fault.
    #[error("the envelope has no Body")]
    MissingBody,
    /// Text in an encoding other than UTF-8 or UTF-16.
    #[error("the message is not UTF-8 or UTF-16 text")]
    Charset,
}

impl MessageError {
    /// The fault message to send back, for errors SOAP answers with a fault; `None` for errors
    /// after which the connection is dropped (malformed XML, session tables).
    pub fn to_fault_message(&self) -> Option<Message> {
        use crate::fault::Fault;
        match self {
            Self::VersionMismatch => Some(Message::version_mismatch_fault()),
            Self::NotAnEnvelope(_) | Self::MissingBody => Some(Message::fault(
                None,
                names::WSA10_FAULT_ACTION.as_str(),
                Fault::sender(self.to_string()),
            )),
            Self::Xml(_) | Self::Session(_) | Self::Charset => None,
        }
    }
}

/// Encodes and decodes the messages of one connection.
#[derive(Debug, Clone)]
pub struct MessageEncoder {
    encoding: Encoding,
    quotas: Quotas,
    reader_session: ReaderSession,
    writer_session: WriterSession,
    /// The namespaces in scope at the last message's body (the same from one message to the
    /// next, mostly).
    body_scope: Arc<[ScopedNamespace]>,
}

impl MessageEncoder {
    /// An encoder with WCF's default quotas and a 2048-byte session quota per direction.
    pub fn new(encoding: Encoding) -> Self {
        Self::with_quotas(encoding, Quotas::WCF, DEFAULT_SESSION_QUOTA)
    }

    /// An encoder with these reader quotas and session quota (WCF's `MaxSessionSize`).
    pub fn with_quotas(encoding: Encoding, quotas: Quotas, session_quota: usize) -> Self {
        Self {
            encoding,
            quotas,
            reader_session: ReaderSession::with_quota(session_quota),
            writer_session: WriterSession::with_quota(session_quota),
            body_scope: Arc::default(),
        }
    }

    /// The encoding.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Encodes `message` as the bytes of one WebSocket message. Binary session messages start
    /// with the string table of the strings this message adds to the writer session.
    pub fn encode(&mut self, message: &Message) -> Result<Vec<u8>, EncodeError> {
        self.encode_into(message, Vec::new())
    }

    /// Like [`MessageEncoder::encode`], writing into `buffer` (cleared first) to reuse it.
    pub fn encode_into(
        &mut self,
        message: &Message,
        mut buffer: Vec<u8>,
    ) -> Result<Vec<u8>, EncodeError> {
        buffer.clear();
        match self.encoding {
            Encoding::Text => {
                let mut w = Writer::text(buffer);
                message.write(&mut w)?;
                w.finish()
            }
            Encoding::Binary => {
                let mut w = Writer::with_buffer(buffer).dictionary(&Nbfs);
                message.write(&mut w)?;
                w.finish()
            }
            Encoding::BinarySession => {
                let mut w = Writer::with_buffer(buffer)
                    .dictionary(&Nbfs)
                    .session(&mut self.writer_session);
                message.write(&mut w)?;
                w.finish_session_message()
            }
        }
    }

    /// Decodes one received message: headers now, the body on demand.
    pub fn decode(&mut self, bytes: Bytes) -> Result<Message, MessageError> {
        match self.encoding {
            Encoding::Text => decode_text(bytes, self.quotas, &mut self.body_scope),
            Encoding::Binary => decode_binary(bytes, 0, None, self.quotas, &mut self.body_scope),
            Encoding::BinarySession => {
                let start = self
                    .reader_session
                    .read_table(&bytes)
                    .map_err(MessageError::Session)?;
                let snapshot = self.reader_session.clone();
                decode_binary(
                    bytes,
                    start,
                    Some(snapshot),
                    self.quotas,
                    &mut self.body_scope,
                )
            }
        }
    }
}

/// Where the envelope parser found the body.
struct BodyStart {
    offset: usize,
    namespaces: Arc<[ScopedNamespace]>,
}

/// Reads the envelope up to the `s:Body` start tag, its headers into `headers`;
/// `body_position` reports the offset after the Body start tag and the namespaces in scope there.
/// The body's content is left to the body reader: a service reads its request's first element
/// once, not here and again there (whether the body is a fault is asked of the body).
fn parse_envelope<R: XmlRead>(
    r: &mut R,
    headers: &mut Headers,
    body_position: impl FnOnce(&R) -> (usize, Arc<[ScopedNamespace]>),
) -> Result<BodyStart, MessageError> {
    r.advance()?;
    match r.move_to_content()? {
        Some(Node::StartElement(e)) => {
            if e.namespace == names::SOAP11_NS {
                return Err(MessageError::VersionMismatch);
            }
            if !names::is_soap(&e, names::ENVELOPE) {
                return Err(MessageError::NotAnEnvelope(format!(
                    "{{{}}}{}",
                    e.namespace, e.local_name
                )));
            }
        }
        _ => return Err(MessageError::NotAnEnvelope("no root element".into())),
    }
    r.advance()?;
    let on = |r: &mut R, local| -> Result<bool, XmlError> {
        Ok(matches!(r.move_to_content()?, Some(Node::StartElement(e)) if names::is_soap(&e, local)))
    };
    if on(r, names::HEADER)? {
        r.advance()?;
        headers.read_into(r)?;
    }
    if !on(r, names::BODY)? {
        return Err(MessageError::MissingBody);
    }
    let (offset, namespaces) = body_position(r);
    Ok(BodyStart { offset, namespaces })
}

/// The namespaces in scope at a body, as `in_scope` lists them (prefix, namespace, source):
/// `last` again when they are the same, else new ones, which become `last`.
fn body_scope<'s>(
    last: &mut Arc<[ScopedNamespace]>,
    in_scope: impl Iterator<Item = (&'s str, &'s str, StringSource)> + Clone,
) -> Arc<[ScopedNamespace]> {
    // A static dictionary namespace is told by its key; a prefix (a letter mostly) by bytes
    // compared in place rather than by a `memcmp` call.
    let same = in_scope.clone().count() == last.len()
        && in_scope
            .clone()
            .zip(last.iter())
            .all(|((p, ns, source), (lp, lns, ls))| {
                source == *ls
                    && p.len() == lp.len()
                    && p.bytes().zip(lp.bytes()).all(|(a, b)| a == b)
                    && (matches!(source, StringSource::Static(_)) || ns == lns)
            });
    if !same {
        *last = in_scope
            .map(|(p, ns, source)| (scoped(p), scoped(ns), source))
            .collect();
    }
    Arc::clone(last)
}

/// Decodes a binary message from `start` (past any session table), with what the last message
/// left in `last_scope`.
fn decode_binary(
    bytes: Bytes,
    start: usize,
    session: Option<ReaderSession>,
    quotas: Quotas,
    last_scope: &mut Arc<[ScopedNamespace]>,
) -> Result<Message, MessageError> {
    let mut message = Message::default();
    let body = {
        let mut reader = Reader::new(&bytes[start..])
            .with_base_offset(start)
            .with_dictionary(&Nbfs)
            .with_quotas(quotas);
        if let Some(s) = &session {
            reader = reader.with_session(s);
        }
        let mut r = BinaryXmlReader::new(reader).with_quotas(quotas);
        parse_envelope(&mut r, &mut message.headers, |r| {
            let in_scope = r.inner().namespaces_in_scope();
            let namespaces = body_scope(
                last_scope,
                in_scope.map(|(p, ns)| (p, ns.as_str(), ns.source())),
            );
            (r.offset(), namespaces)
        })?
    };
    message.body = received(body, bytes, BodyEncoding::Binary(session), quotas);
    Ok(message)
}

fn decode_text(
    bytes: Bytes,
    quotas: Quotas,
    last_scope: &mut Arc<[ScopedNamespace]>,
) -> Result<Message, MessageError> {
    let bytes = to_utf8(bytes)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| MessageError::Charset)?;
    check_xml_chars(text)?;
    let mut message = Message::default();
    let body = {
        let mut r = TextXmlReader::new(text).with_quotas(quotas);
        parse_envelope(&mut r, &mut message.headers, |r| {
            let in_scope = r.namespaces().map(|(p, ns)| (p, ns, StringSource::Inline));
            (r.offset(), body_scope(last_scope, in_scope))
        })?
    };
    message.body = received(body, bytes, BodyEncoding::Text, quotas);
    Ok(message)
}

/// Refuses the control characters XML 1.0 does not allow (all below U+0020 but tab, line feed
/// and carriage return), as .NET's reader does, before anything is parsed: a NUL must not reach
/// a name or a fault reason. Whole words are tested, four at a time while there are that many.
fn check_xml_chars(text: &str) -> Result<(), XmlError> {
    let bytes = text.as_bytes();
    let offset = check_chunks::<32>(bytes, 0)?;
    let offset = check_chunks::<8>(&bytes[offset..], offset)?;
    check_bytes(&bytes[offset..], offset)
}

/// Tests `bytes` (at `offset` in the text) `N` bytes at a time, `N` a multiple of 8, looking at
/// the bytes of a chunk one by one only when a word of it may hold a control character; returns
/// the offset of the bytes left over.
fn check_chunks<const N: usize>(bytes: &[u8], mut offset: usize) -> Result<usize, XmlError> {
    for chunk in bytes.chunks_exact(N) {
        let below = chunk.chunks_exact(8).fold(0, |below, word| {
            below | bytes_below(u64::from_le_bytes(word.try_into().expect("8 bytes")), 0x20)
        });
        if below & HIGH_BITS != 0 {
            check_bytes(chunk, offset)?;
        }
        offset += N;
    }
    Ok(offset)
}

fn check_bytes(bytes: &[u8], offset: usize) -> Result<(), XmlError> {
    match bytes
        .iter()
        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    {
        Some(i) => Err(XmlError::Text {
            offset: offset + i,
            message: format!("character 0x{:02X} is not allowed in XML", bytes[i]),
        }),
        None => Ok(()),
    }
}

/// The body of a message received in `bytes`, found where `body` says.
fn received(body: BodyStart, bytes: Bytes, encoding: BodyEncoding, quotas: Quotas) -> Body {
    Body::Received(ReceivedBody {
        bytes,
        start: body.offset,
        encoding,
        namespaces: body.namespaces,
        quotas,
        is_fault: OnceLock::new(),
    })
}

/// Text as UTF-8: a UTF-8 BOM is dropped, UTF-16 (with a BOM) is converted.
fn to_utf8(bytes: Bytes) -> Result<Bytes, MessageError> {
    let utf16 = |be: bool| -> Result<Bytes, MessageError> {
        let body = &bytes[2..];
        if body.len() % 2 != 0 {
            return Err(MessageError::Charset);
        }
        let units = body.chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        let text: String = char::decode_utf16(units)
            .collect::<Result<_, _>>()
            .map_err(|_| MessageError::Charset)?;
        Ok(Bytes::from(text.into_bytes()))
    };
    match bytes.as_ref() {
        [0xEF, 0xBB, 0xBF, ..] => Ok(bytes.slice(3..)),
        [0xFF, 0xFE, ..] => utf16(false),
        [0xFE, 0xFF, ..] => utf16(true),
        _ => Ok(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::check_xml_chars;

    /// The word-at-a-time test finds exactly what a byte-by-byte scan finds, at every position
    /// (in blocks of four words, in single words and in the bytes left over) and for every ASCII
    /// byte.
    #[test]
    fn control_characters_are_found_wherever_they_are() {
        for len in 1..80 {
            for at in 0..len {
                for b in 0u8..0x80 {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = b;
                    let text = std::str::from_utf8(&bytes).unwrap();
                    let refused = b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r');
                    match check_xml_chars(text) {
                        Err(crate::xml::XmlError::Text { offset, .. }) => {
                            assert!(refused && offset == at, "{bytes:?}")
                        }
                        Err(e) => panic!("{e}"),
                        Ok(()) => assert!(!refused, "{bytes:?}"),
                    }
                }
            }
        }
        // Non-ASCII text is fine.
        assert!(check_xml_chars("é€😀 ÿ").is_ok());
    }
}
