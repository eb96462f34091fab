//! The tokens of XML text, read from a `&str` that is already known to be UTF-8 and free of the
//! control characters XML forbids: markup is found with `memchr`, and every slice handed out
//! is cut at an ASCII delimiter, so no piece is validated again.
//!
//! Only what a SOAP message may hold is recognised: elements, attributes, character data,
//! CDATA sections, comments and the XML declaration. A DOCTYPE or a processing instruction is
//! an error (SOAP 1.2 forbids both), so no entity beyond the five predefined ones exists.
//! References are expanded and line ends normalized by [`expand_text`] and
//! [`normalize_attribute`], only when a slice holds any.

use std::borrow::Cow;

use memchr::{memchr, memchr2, memchr3, memmem};

use crate::xml::{bytes_below, HIGH_BITS};

/// A malformed piece of XML text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LexError {
    /// Byte offset in the lexer's input.
    pub offset: usize,
    /// What was wrong.
    pub message: String,
}

/// One token of XML text. Slices borrow the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// `<name …>`, or `<name …/>` when `empty`; the attributes are in the list given to
    /// [`Lexer::next_token`].
    Start { name: &'a str, empty: bool },
    /// `</name>`.
    End { name: &'a str },
    /// Character data up to the next markup, references not yet expanded; `plain` when it holds
    /// no reference and no carriage return, so there is nothing to expand.
    Text { raw: &'a str, plain: bool },
    /// The content of a CDATA section.
    CData(&'a str),
    /// The content of a comment.
    Comment(&'a str),
    /// `<?xml …?>`.
    Declaration,
    /// The end of the input.
    Eof,
}

/// An attribute as written: its name, its value between the quotes (references not yet
/// expanded), and the offset of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RawAttribute<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub offset: usize,
    /// Offset of the name.
    pub name_offset: usize,
}

/// Cuts XML text into [`Token`]s.
pub(super) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

/// `NAME[b]`: true when `b` may be part of a name. Lenient as a reader should be (and as
/// quick-xml was): anything but white space, control characters and the bytes that make markup,
/// so a name our writer may write (from binary XML, which carries any string) reads back.
const NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x21;
    while b < 256 {
        table[b] = !matches!(
            b as u8,
            b'<' | b'>' | b'&' | b'"' | b'\'' | b'=' | b'/' | b'!' | b'?'
        );
        b += 1;
    }
    table
};

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `input`.
    pub fn new(input: &'a str) -> Self {
        Self { input, pos: 0 }
    }

    /// Offset of the next unread byte.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The whole input.
    pub fn input(&self) -> &'a str {
        self.input
    }

    /// Goes back to `position` (an earlier [`Lexer::position`]), to read tokens again.
    pub fn rewind(&mut self, position: usize) {
        self.pos = position;
    }

    fn bytes(&self) -> &'a [u8] {
        self.input.as_bytes()
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> LexError {
        LexError {
            offset,
            message: message.into(),
        }
    }

    /// The next token; a start tag's attributes replace the content of `attributes`.
    pub fn next_token(
        &mut self,
        attributes: &mut Vec<RawAttribute<'a>>,
    ) -> Result<Token<'a>, LexError> {
        let bytes = self.bytes();
        let start = self.pos;
        let Some(&first) = bytes.get(start) else {
            return Ok(Token::Eof);
        };
        if first != b'<' {
            return Ok(self.text(start));
        }
        match bytes.get(start + 1) {
            Some(b'/') => self.end_tag(start),
            Some(b'?') => self.declaration(start),
            Some(b'!') => self.bang(start),
            _ => self.start_tag(start, attributes),
        }
    }

    /// The text token at the position, or `None` when markup or the end of the input comes next:
    /// [`Lexer::next_token`] without its dispatch on markup, for a caller that expects text.
    pub fn next_text(&mut self) -> Option<Token<'a>> {
        match self.bytes().get(self.pos) {
            Some(&b) if b != b'<' => Some(self.text(self.pos)),
            _ => None,
        }
    }

    /// Moves past `</name>` (white space allowed before the `>`) when that end tag comes next,
    /// and returns true; anything else is left unread. Comparing with the name the caller
    /// expects saves reading the name byte by byte and comparing it afterwards.
    pub fn skip_end_tag(&mut self, name: &str) -> bool {
        let bytes = self.bytes();
        let named = bytes[self.pos..]
            .strip_prefix(b"</")
            .is_some_and(|rest| rest.starts_with(name.as_bytes()));
        if !named {
            return false;
        }
        let close = self.skip_space(self.pos + 2 + name.len());
        if bytes.get(close) != Some(&b'>') {
            return false;
        }
        self.pos = close + 1;
        true
    }

    /// Character data from `start` up to the next `<`. The one search that finds its end also
    /// tells whether it needs expanding, so plain text (nearly all of it) is not scanned twice.
    fn text(&mut self, start: usize) -> Token<'a> {
        let bytes = self.bytes();
        let (end, plain) = match memchr3(b'<', b'&', b'\r', &bytes[start..]) {
            Some(i) if bytes[start + i] == b'<' => (start + i, true),
            Some(i) => {
                let from = start + i;
                (
                    memchr(b'<', &bytes[from..]).map_or(bytes.len(), |j| from + j),
                    false,
                )
            }
            None => (bytes.len(), true),
        };
        self.pos = end;
        Token::Text {
            raw: &self.input[start..end],
            plain,
        }
    }

    /// A name starting at `at`; returns its end.
    fn name(&self, at: usize) -> Result<usize, LexError> {
        let bytes = self.bytes();
        match bytes.get(at) {
            Some(&b) if NAME[usize::from(b)] => {}
            Some(&b) => {
                return Err(self.error(at, format!("'{}' cannot start a name", b as char)));
            }
            None => return Err(self.error(at, "input ended inside a tag")),
        }
        let len = bytes[at + 1..]
            .iter()
            .position(|&b| !NAME[usize::from(b)])
            .unwrap_or(bytes.len() - at - 1);
        Ok(at + 1 + len)
    }

    fn skip_space(&self, mut at: usize) -> usize {
        let bytes = self.bytes();
        while bytes.get(at).is_some_and(|&b| is_space(b)) {
            at += 1;
        }
        at
    }

    fn expect(&self, at: usize, byte: u8, what: &str) -> Result<(), LexError> {
        match self.bytes().get(at) {
            Some(&b) if b == byte => Ok(()),
            Some(_) => Err(self.error(at, format!("expected {what}"))),
            None => Err(self.error(at, "input ended inside a tag")),
        }
    }

    fn start_tag(
        &mut self,
        start: usize,
        attributes: &mut Vec<RawAttribute<'a>>,
    ) -> Result<Token<'a>, LexError> {
        attributes.clear();
        let name_end = self.name(start + 1)?;
        let name = &self.input[start + 1..name_end];
        let bytes = self.bytes();
        let mut at = name_end;
        loop {
            let spaced = self.skip_space(at);
            match bytes.get(spaced) {
                Some(b'>') => {
                    self.pos = spaced + 1;
                    return Ok(Token::Start { name, empty: false });
                }
                Some(b'/') => {
                    self.expect(spaced + 1, b'>', "'>' after '/'")?;
                    self.pos = spaced + 2;
                    return Ok(Token::Start { name, empty: true });
                }
                None => return Err(self.error(spaced, "input ended inside a tag")),
                Some(_) if spaced == at => {
                    return Err(self.error(at, "expected white space, '>' or '/>'"));
                }
                Some(_) => at = self.attribute(spaced, attributes)?,
            }
        }
    }

    /// `name = "value"` at `at`; returns the offset past the closing quote.
    fn attribute(
        &self,
        at: usize,
        attributes: &mut Vec<RawAttribute<'a>>,
    ) -> Result<usize, LexError> {
        let bytes = self.bytes();
        let name_end = self.name(at)?;
        let eq = self.skip_space(name_end);
        self.expect(eq, b'=', "'=' after an attribute name")?;
        let open = self.skip_space(eq + 1);
        let quote = match bytes.get(open) {
            Some(&q @ (b'"' | b'\'')) => q,
            Some(_) => return Err(self.error(open, "expected a quoted attribute value")),
            None => return Err(self.error(open, "input ended inside a tag")),
        };
        let value_start = open + 1;
        let value_end = memchr(quote, &bytes[value_start..])
            .map(|i| value_start + i)
            .ok_or_else(|| self.error(open, "unterminated attribute value"))?;
        if let Some(i) = memchr(b'<', &bytes[value_start..value_end]) {
            return Err(self.error(value_start + i, "'<' in an attribute value"));
        }
        attributes.push(RawAttribute {
            name: &self.input[at..name_end],
            value: &self.input[value_start..value_end],
            offset: value_start,
            name_offset: at,
        });
        Ok(value_end + 1)
    }

    fn end_tag(&mut self, start: usize) -> Result<Token<'a>, LexError> {
        let name_end = self.name(start + 2)?;
        let close = self.skip_space(name_end);
        self.expect(close, b'>', "'>' to close an end tag")?;
        self.pos = close + 1;
        Ok(Token::End {
            name: &self.input[start + 2..name_end],
        })
    }

    /// `<?xml …?>`; any other `<?` is a processing instruction, which SOAP forbids.
    fn declaration(&mut self, start: usize) -> Result<Token<'a>, LexError> {
        let bytes = self.bytes();
        let is_declaration = bytes[start..].starts_with(b"<?xml")
            && bytes
                .get(start + 5)
                .is_some_and(|&b| is_space(b) || b == b'?');
        if !is_declaration {
            return Err(self.error(start, "processing instructions are not allowed"));
        }
        let end = memmem::find(&bytes[start..], b"?>")
            .ok_or_else(|| self.error(start, "unterminated XML declaration"))?;
        self.pos = start + end + 2;
        Ok(Token::Declaration)
    }

    /// Comments and CDATA sections; a DOCTYPE is refused.
    fn bang(&mut self, start: usize) -> Result<Token<'a>, LexError> {
        let rest = &self.bytes()[start..];
        if rest.starts_with(b"<!--") {
            let body = start + 4;
            let len = memmem::find(&self.bytes()[body..], b"--")
                .ok_or_else(|| self.error(start, "unterminated comment"))?;
            self.expect(body + len + 2, b'>', "'>' after '--' in a comment")?;
            self.pos = body + len + 3;
            return Ok(Token::Comment(&self.input[body..body + len]));
        }
        if rest.starts_with(b"<![CDATA[") {
            let body = start + 9;
            let len = memmem::find(&self.bytes()[body..], b"]]>")
                .ok_or_else(|| self.error(start, "unterminated CDATA section"))?;
            self.pos = body + len + 3;
            return Ok(Token::CData(&self.input[body..body + len]));
        }
        if rest.starts_with(b"<!DOCTYPE") {
            return Err(self.error(start, "DOCTYPE is not allowed"));
        }
        Err(self.error(start, "malformed markup after '<!'"))
    }
}

/// Character data with references expanded and line ends normalized (`\r\n` and `\r` become
/// `\n`); borrowed when there is nothing to change. `offset` is where `raw` starts, for errors.
pub(super) fn expand_text(raw: &str, offset: usize) -> Result<Cow<'_, str>, LexError> {
    if memchr2(b'&', b'\r', raw.as_bytes()).is_none() {
        return Ok(Cow::Borrowed(raw));
    }
    rewrite(raw, offset, false).map(Cow::Owned)
}

/// An attribute value normalized as XML 1.0 says: references expanded, line ends normalized,
/// then each white-space character replaced by a space.
pub(super) fn normalize_attribute(raw: &str, offset: usize) -> Result<Cow<'_, str>, LexError> {
    if !needs_normalizing(raw.as_bytes()) {
        return Ok(Cow::Borrowed(raw));
    }
    rewrite(raw, offset, true).map(Cow::Owned)
}

/// True when `raw` may hold a byte attribute normalization changes: `&`, or a byte below 0x20
/// (in XML only tab, line feed and carriage return, the white space that becomes a space; any
/// other is left as it is). Eight bytes are tested at a time, as attribute values are mostly
/// namespace URIs, long enough for that to pay.
fn needs_normalizing(raw: &[u8]) -> bool {
    const AMPERSANDS: u64 = 0x0101_0101_0101_0101 * b'&' as u64;
    let mut words = raw.chunks_exact(8);
    let found = words.by_ref().any(|word| {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        // A `&` is a zero byte of `x ^ AMPERSANDS`.
        (bytes_below(x, 0x20) | bytes_below(x ^ AMPERSANDS, 1)) & HIGH_BITS != 0
    });
    found || words.remainder().iter().any(|&b| b < 0x20 || b == b'&')
}

/// CDATA content with line ends normalized.
pub(super) fn normalize_line_ends(raw: &str) -> Cow<'_, str> {
    if memchr(b'\r', raw.as_bytes()).is_none() {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
}

fn rewrite(raw: &str, offset: usize, attribute: bool) -> Result<String, LexError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest
        .bytes()
        .position(|b| matches!(b, b'&' | b'\r' | b'\t' | b'\n'))
    {
        out.push_str(&rest[..i]);
        let at = offset + (raw.len() - rest.len()) + i;
        match rest.as_bytes()[i] {
            b'&' => {
                let end = rest[i..].find(';').filter(|&n| n <= 12).ok_or(LexError {
                    offset: at,
                    message: "'&' that does not start a reference".into(),
                })?;
                out.push(reference(&rest[i + 1..i + end], at)?);
                rest = &rest[i + end + 1..];
                continue;
            }
            b'\r' => {
                out.push(if attribute { ' ' } else { '\n' });
                if rest.as_bytes().get(i + 1) == Some(&b'\n') {
                    rest = &rest[i + 2..];
                    continue;
                }
            }
            other => out.push(if attribute { ' ' } else { other as char }),
        }
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The character a reference (between `&` and `;`) stands for.
fn reference(name: &str, offset: usize) -> Result<char, LexError> {
    let error = |message: String| LexError { offset, message };
    let code = match name {
        "amp" => return Ok('&'),
        "lt" => return Ok('<'),
        "gt" => return Ok('>'),
        "quot" => return Ok('"'),
        "apos" => return Ok('\''),
        _ => match name.strip_prefix('#') {
            Some(hex) if hex.starts_with('x') => u32::from_str_radix(&hex[1..], 16),
            Some(decimal) => decimal.parse::<u32>(),
            None => return Err(error(format!("undefined entity '&{name};'"))),
        },
    };
    let valid = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    code.ok()
        .filter(|_| name.bytes().skip(1).all(|b| b.is_ascii_alphanumeric()))
        .and_then(char::from_u32)
        .filter(|&c| valid(c))
        .ok_or_else(|| error(format!("'&{name};' is not a valid character reference")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each token with the attributes of a start tag as `(name, value)`.
    type Tokens<'a> = Vec<(Token<'a>, Vec<(String, String)>)>;

    fn tokens(input: &str) -> Result<Tokens<'_>, LexError> {
        let mut lexer = Lexer::new(input);
        let mut attributes = Vec::new();
        let mut out = Vec::new();
        loop {
            let token = lexer.next_token(&mut attributes)?;
            let attrs = match token {
                Token::Start { .. } => attributes
                    .iter()
                    .map(|a| (a.name.to_owned(), a.value.to_owned()))
                    .collect(),
                _ => Vec::new(),
            };
            if token == Token::Eof {
                return Ok(out);
            }
            out.push((token, attrs));
        }
    }

    #[test]
    fn a_document_is_cut_into_tokens() {
        let t = tokens(
            "<?xml version=\"1.0\"?><a:b x = 'v' y=\"w\" >t&amp;<![CDATA[<c>]]><!-- n --><e/></a:b >",
        )
        .unwrap();
        let kinds: Vec<_> = t.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            kinds,
            [
                Token::Declaration,
                Token::Start {
                    name: "a:b",
                    empty: false
                },
                Token::Text {
                    raw: "t&amp;",
                    plain: false
                },
                Token::CData("<c>"),
                Token::Comment(" n "),
                Token::Start {
                    name: "e",
                    empty: true
                },
                Token::End { name: "a:b" },
            ]
        );
        assert_eq!(t[1].1, [("x".into(), "v".into()), ("y".into(), "w".into())]);
    }

    /// Any name our writer writes reads back, XML name rules or not (found by fuzzing: a prefix
    /// `~` from binary XML, written as text, did not read back).
    #[test]
    fn names_are_read_leniently() {
        let t = tokens("<~:1 xmlns:~='u' a.b-c=''>x</~:1>").unwrap();
        assert_eq!(
            t[0],
            (
                Token::Start {
                    name: "~:1",
                    empty: false
                },
                vec![
                    ("xmlns:~".to_owned(), "u".to_owned()),
                    ("a.b-c".to_owned(), String::new())
                ]
            )
        );
    }

    #[test]
    fn malformed_markup_is_an_error_at_its_offset() {
        for (input, offset, message) in [
            ("<a b='1'c='2'/>", 8, "white space"),
            ("<a b=1/>", 5, "quoted"),
            ("<a b='1/>", 5, "unterminated"),
            ("<a b='<'/>", 6, "'<'"),
            ("< a/>", 1, "cannot start a name"),
            ("<a =''/>", 3, "cannot start a name"),
            ("<a", 2, "ended"),
            ("</a", 3, "ended"),
            ("<?pi x?>", 0, "processing instructions"),
            ("<!DOCTYPE a>", 0, "DOCTYPE"),
            ("<!-- a -- b -->", 9, "'--'"),
            ("<!-- a", 0, "unterminated comment"),
            ("<![CDATA[x", 0, "unterminated CDATA"),
            ("<!x>", 0, "malformed"),
            ("<a/ >", 3, "'>'"),
        ] {
            let e = tokens(input).expect_err(input);
            assert_eq!(e.offset, offset, "{input}: {}", e.message);
            assert!(e.message.contains(message), "{input}: {}", e.message);
        }
    }

    #[test]
    fn text_tells_whether_it_needs_expanding() {
        for (input, raw, plain) in [
            ("ab<c/>", "ab", true),
            ("ab", "ab", true),
            ("a&lt;b<c/>", "a&lt;b", false),
            ("a\r\nb", "a\r\nb", false),
        ] {
            let token = Lexer::new(input).next_text();
            assert_eq!(token, Some(Token::Text { raw, plain }), "{input}");
        }
        assert_eq!(Lexer::new("<a>").next_text(), None);
        assert_eq!(Lexer::new("").next_text(), None);
    }

    #[test]
    fn an_end_tag_is_skipped_only_when_it_closes_the_name_given() {
        for (input, skipped_to) in [
            ("</a>x", Some(4)),
            ("</a \n>", Some(6)),
            ("</ab>", None),
            ("</a/>", None),
            ("</b>", None),
            ("<a>", None),
            ("</a", None),
            ("", None),
        ] {
            let mut lexer = Lexer::new(input);
            let skipped = lexer.skip_end_tag("a");
            assert_eq!(skipped.then(|| lexer.position()), skipped_to, "{input}");
            assert!(skipped || lexer.position() == 0, "{input}");
        }
    }

    /// The word-at-a-time test agrees with a byte-by-byte one at every position, in a word and in
    /// the bytes after the last whole word, for every ASCII byte.
    #[test]
    fn attribute_values_needing_normalization_are_found_wherever() {
        for len in 1..20 {
            for at in 0..len {
                for b in 0u8..0x80 {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = b;
                    let expected = b < 0x20 || b == b'&';
                    assert_eq!(needs_normalizing(&bytes), expected, "{bytes:?}");
                }
            }
        }
        assert!(!needs_normalizing("é€😀 ÿ http://tempuri.org/".as_bytes()));
    }

    #[test]
    fn references_and_line_ends_are_expanded() {
        assert!(matches!(
            expand_text("plain", 0),
            Ok(Cow::Borrowed("plain"))
        ));
        assert_eq!(
            expand_text("a&lt;&gt;&amp;&quot;&apos;&#65;&#x42;\r\nc\rd", 0).unwrap(),
            "a<>&\"'AB\nc\nd"
        );
        assert_eq!(
            normalize_attribute("a\tb\r\nc&#10;d", 0).unwrap(),
            "a b c\nd"
        );
        assert_eq!(normalize_line_ends("a\r\nb\rc"), "a\nb\nc");
        for (bad, offset) in [
            ("x&nope;", 1),
            ("&#0;", 0),
            ("&#xD800;", 0),
            ("&#xFFFE;", 0),
            ("ab&", 2),
            ("&#12a;", 0),
            ("&#x;", 0),
            ("&#;", 0),
        ] {
            let e = expand_text(bad, 0).expect_err(bad);
            assert_eq!(e.offset, offset, "{bad}");
        }
    }
}
