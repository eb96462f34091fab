//! Content-type matching after WCF's `MessageEncoder.IsContentTypeSupported`.

use std::borrow::Cow;

use super::tokens::{is_token, split_point, trim_ows, unquote};

/// Whether `value` names the encoder whose full content type is `content_type` and whose media
/// type is `media_type`, the way WCF's `IsContentTypeSupported` decides
/// (`System.ServiceModel/Channels/MessageEncoder.cs`):
///
/// 1. `value` starts with `content_type` (ASCII case ignored) and what follows is nothing, or
///    optional whitespace and then nothing or `;` (more parameters, e.g. SOAP 1.2's `action`);
/// 2. otherwise `value` parses as a media type with parameters, the media type equals
///    `media_type` (case ignored) and `charset_ok` accepts its `charset` parameter (unquoted;
///    `None` when absent). A value that does not parse is not supported.
pub(crate) fn is_supported(
    value: &str,
    content_type: &str,
    media_type: &str,
    charset_ok: fn(Option<&str>) -> bool,
) -> bool {
    let value = trim_ows(value);
    if let Some(rest) = strip_prefix_ignore_ascii_case(value, content_type) {
        let rest = rest.trim_start_matches([' ', '\t']);
        if rest.is_empty() || rest.starts_with(';') {
            return true;
        }
    }
    match media_type_and_charset(value) {
        Some((media, charset)) => {
            media.eq_ignore_ascii_case(media_type) && charset_ok(charset.as_deref())
        }
        None => false,
    }
}

fn strip_prefix_ignore_ascii_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &value[prefix.len()..])
}

/// `type/subtype` and the unquoted `charset` parameter of a media-type value (RFC 9110 §8.3.1);
/// `None` when the value is not well-formed. Empty parameters (`;;`) are tolerated.
fn media_type_and_charset(value: &str) -> Option<(&str, Option<Cow<'_, str>>)> {
    let (media, mut rest) = match split_point(value, b';') {
        Some(i) => (trim_ows(&value[..i]), &value[i + 1..]),
        None => (trim_ows(value), ""),
    };
    let (kind, subtype) = media.split_once('/')?;
    if !is_token(kind) || !is_token(subtype) {
        return None;
    }
    let mut charset = None;
    while !rest.is_empty() {
        let end = split_point(rest, b';').unwrap_or(rest.len());
        let parameter = trim_ows(&rest[..end]);
        rest = rest.get(end + 1..).unwrap_or("");
        if parameter.is_empty() {
            continue;
        }
        let (name, raw) = parameter.split_once('=')?;
        let (name, raw) = (trim_ows(name), trim_ows(raw));
        if !is_token(name) || !(is_token(raw) || is_quoted_string(raw)) {
            return None;
        }
        if charset.is_none() && name.eq_ignore_ascii_case("charset") {
            charset = Some(unquote(raw));
        }
    }
    Some((media, charset))
}

fn is_quoted_string(s: &str) -> bool {
    s.starts_with('"') && closing_quote(s) == Some(s.len() - 1)
}

/// Index of the quote that closes the quoted-string opening at index 0.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate().skip(1) {
        match (escaped, b) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'"') => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_parse() {
        let parsed = |v| media_type_and_charset(v).map(|(m, c)| (m, c.map(Cow::into_owned)));
        assert_eq!(parsed("a/b"), Some(("a/b", None)));
        assert_eq!(parsed("a/b;charset=x"), Some(("a/b", Some("x".into()))));
        assert_eq!(
            parsed(r#"a/b; action="urn:x;y"; CharSet = "u\"8""#),
            Some(("a/b", Some("u\"8".into())))
        );
        assert_eq!(parsed("a/b;;"), Some(("a/b", None)));
        assert_eq!(parsed("a"), None);
        assert_eq!(parsed("a/b c"), None);
        assert_eq!(parsed("a/b; p"), None);
        assert_eq!(parsed("a/b; p=\"open"), None);
        assert_eq!(parsed("a/b; p=x y"), None);
    }

    #[test]
    fn quoted_strings() {
        assert!(is_quoted_string(r#""""#));
        assert!(is_quoted_string(r#""a\"b""#));
        assert!(!is_quoted_string(r#"""""#));
        assert!(!is_quoted_string(r#"""#));
        assert!(!is_quoted_string(r#""a"b""#));
    }
}
