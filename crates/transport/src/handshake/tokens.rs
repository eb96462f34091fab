//! HTTP lexical helpers: tokens, optional whitespace and comma-separated lists.

/// Whether `b` is a `tchar` (RFC 9110 §5.6.2).
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `s` is a non-empty `token` (RFC 9110 §5.6.2).
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// `s` without leading and trailing optional whitespace (SP / HTAB).
pub(crate) fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// The elements of a comma-separated header value, trimmed, empty ones skipped.
///
/// Commas inside a quoted-string do not split (a `multipart/related` content type quotes its
/// parameters), matching how .NET's `WebHeaderCollection.GetValues` splits unknown headers.
pub(crate) fn list_elements(value: &str) -> ListElements<'_> {
    ListElements { rest: value }
}

/// Iterator returned by [`list_elements`].
pub(crate) struct ListElements<'a> {
    rest: &'a str,
}

impl<'a> Iterator for ListElements<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        while !self.rest.is_empty() {
            let end = comma_outside_quotes(self.rest).unwrap_or(self.rest.len());
            let element = trim_ows(&self.rest[..end]);
            self.rest = self.rest.get(end + 1..).unwrap_or("");
            if !element.is_empty() {
                return Some(element);
            }
        }
        None
    }
}

/// Byte index of the first `,` that is not inside a quoted-string.
fn comma_outside_quotes(s: &str) -> Option<usize> {
    split_point(s, b',')
}

/// Byte index of the first `separator` outside a quoted-string (backslash escapes honoured).
pub(crate) fn split_point(s: &str, separator: u8) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        if escaped {
            escaped = false;
        } else if quoted && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            quoted = !quoted;
        } else if !quoted && b == separator {
            return Some(i);
        }
    }
    None
}

/// `s` with one pair of surrounding double quotes removed and `\x` escapes resolved; `s` itself
/// when it is not a quoted-string.
pub(crate) fn unquote(s: &str) -> std::borrow::Cow<'_, str> {
    let Some(inner) = s.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) else {
        return s.into();
    };
    if !inner.contains('\\') {
        return inner.into();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: &str) -> Vec<&str> {
        list_elements(s).collect()
    }

    #[test]
    fn lists_split_on_commas_outside_quotes() {
        assert_eq!(list("Upgrade,Keep-Alive"), ["Upgrade", "Keep-Alive"]);
        assert_eq!(list(" a , ,b,,"), ["a", "b"]);
        assert_eq!(list(r#"x; p="1,2", y"#), [r#"x; p="1,2""#, "y"]);
        assert_eq!(list(r#"x; p="a\",b", y"#), [r#"x; p="a\",b""#, "y"]);
        assert!(list("").is_empty());
        assert!(list(" , ").is_empty());
    }

    #[test]
    fn unquote_handles_escapes_and_lone_quotes() {
        assert_eq!(unquote(r#""utf-8""#), "utf-8");
        assert_eq!(unquote(r#""a\"b""#), "a\"b");
        assert_eq!(unquote("\""), "\"");
        assert_eq!(unquote("plain"), "plain");
    }

    #[test]
    fn tokens() {
        assert!(is_token("soap"));
        assert!(is_token("x-a.b"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
        assert!(!is_token("a/b"));
    }
}
