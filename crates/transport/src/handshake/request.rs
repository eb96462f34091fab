//! The request head a handshake decision reads: method, target, version and header fields.

use super::tokens::list_elements;

/// HTTP version of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpVersion {
    /// HTTP/0.9.
    Http09,
    /// HTTP/1.0.
    Http10,
    /// HTTP/1.1.
    Http11,
    /// HTTP/2.
    Http2,
    /// HTTP/3.
    Http3,
}

impl HttpVersion {
    /// Whether a request of this version can ask for a protocol switch with `Upgrade`.
    ///
    /// Only HTTP/1.1: RFC 9110 §7.8 tells servers to ignore `Upgrade` in an HTTP/1.0 request, and
    /// HTTP/2 and HTTP/3 have no `Upgrade` (their WebSockets, RFC 8441/9220, are not supported).
    pub fn can_upgrade(self) -> bool {
        self == Self::Http11
    }
}

impl From<http::Version> for HttpVersion {
    fn from(version: http::Version) -> Self {
        match version {
            http::Version::HTTP_09 => Self::Http09,
            http::Version::HTTP_10 => Self::Http10,
            http::Version::HTTP_2 => Self::Http2,
            http::Version::HTTP_3 => Self::Http3,
            // `http::Version` is closed in practice; HTTP/1.1 is its default.
            _ => Self::Http11,
        }
    }
}

/// An HTTP request head, owned: method, request target, version and header fields in arrival order.
///
/// Header names compare case-insensitively; a name may repeat. Build one from an
/// [`http::Request`] (`From`), from raw bytes ([`RequestView::parse`]) or field by field
/// ([`RequestView::new`] + [`RequestView::with_header`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView {
    method: String,
    target: String,
    version: HttpVersion,
    headers: Vec<(String, String)>,
}

impl RequestView {
    /// A head with no header fields. `target` is origin-form (`/path?query`) or absolute-form
    /// (`http://host/path?query`).
    pub fn new(method: impl Into<String>, target: impl Into<String>, version: HttpVersion) -> Self {
        Self {
            method: method.into(),
            target: target.into(),
            version,
            headers: Vec::new(),
        }
    }

    /// This head with one more header field (appended; an existing field of that name stays).
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.push_header(name, value);
        self
    }

    /// Appends a header field.
    pub fn push_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.headers.push((name.into(), value.into()));
    }

    /// The method, case preserved (methods are case-sensitive).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target exactly as received.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The HTTP version.
    pub fn version(&self) -> HttpVersion {
        self.version
    }

    /// The path of the target (`/` for an absolute-form target without one), not percent-decoded.
    pub fn path(&self) -> &str {
        split_target(&self.target).0
    }

    /// The query of the target, without the `?`; `None` when there is no `?`.
    pub fn query(&self) -> Option<&str> {
        split_target(&self.target).1
    }

    /// All header fields as `(name, value)` in arrival order.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The value of the first field called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether at least one field is called `name` (case-insensitive).
    pub fn has_header(&self, name: &str) -> bool {
        self.header(name).is_some()
    }

    /// The values of every field called `name` (case-insensitive), one per field line.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The comma-separated elements of every field called `name`, trimmed, empty ones skipped
    /// (commas inside quoted-strings do not split).
    pub fn header_elements<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.header_values(name).flat_map(list_elements)
    }

    /// Whether some element of the `name` fields equals `token`, ignoring ASCII case.
    pub fn has_element(&self, name: &str, token: &str) -> bool {
        self.header_elements(name)
            .any(|e| e.eq_ignore_ascii_case(token))
    }
}

impl<B> From<&http::Request<B>> for RequestView {
    /// Copies method, target, version and headers; values that are not UTF-8 are converted lossily.
    fn from(request: &http::Request<B>) -> Self {
        let mut view = Self::new(
            request.method().as_str(),
            request.uri().to_string(),
            request.version().into(),
        );
        for (name, value) in request.headers() {
            view.push_header(
                name.as_str(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            );
        }
        view
    }
}

/// Path and query of an origin-form or absolute-form target (a fragment, if any, is dropped).
fn split_target(target: &str) -> (&str, Option<&str>) {
    let target = target.split('#').next().unwrap_or("");
    let (before_query, query) = match target.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (target, None),
    };
    let path = if before_query.starts_with('/') {
        before_query
    } else if let Some((_, rest)) = before_query.split_once("://") {
        rest.find('/').map_or("/", |slash| &rest[slash..])
    } else {
        // asterisk-form or authority-form: no path to speak of.
        before_query
    };
    (path, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(target: &str) -> (String, Option<String>) {
        let v = RequestView::new("GET", target, HttpVersion::Http11);
        (v.path().to_owned(), v.query().map(str::to_owned))
    }

    #[test]
    fn targets_split_into_path_and_query() {
        assert_eq!(parts("/svc"), ("/svc".into(), None));
        assert_eq!(parts("/svc?wsdl"), ("/svc".into(), Some("wsdl".into())));
        assert_eq!(parts("/svc?"), ("/svc".into(), Some("".into())));
        assert_eq!(
            parts("http://myHost/myService"),
            ("/myService".into(), None)
        );
        assert_eq!(
            parts("ws://h:80/a/b?x=1#f"),
            ("/a/b".into(), Some("x=1".into()))
        );
        assert_eq!(parts("http://host"), ("/".into(), None));
        assert_eq!(parts("http://host?wsdl"), ("/".into(), Some("wsdl".into())));
        assert_eq!(parts("*"), ("*".into(), None));
        assert_eq!(parts(""), ("".into(), None));
    }

    #[test]
    fn headers_are_case_insensitive_and_repeatable() {
        let v = RequestView::new("GET", "/", HttpVersion::Http11)
            .with_header("Connection", "keep-alive")
            .with_header("connection", "Upgrade, x")
            .with_header("Host", "h");
        assert_eq!(v.header("CONNECTION"), Some("keep-alive"));
        assert_eq!(v.header_values("connection").count(), 2);
        assert_eq!(
            v.header_elements("Connection").collect::<Vec<_>>(),
            ["keep-alive", "Upgrade", "x"]
        );
        assert!(v.has_element("connection", "upgrade"));
        assert!(!v.has_header("Upgrade"));
    }

    #[test]
    fn from_http_request() {
        let request = http::Request::builder()
            .method("GET")
            .uri("/svc?x")
            .header("Sec-WebSocket-Protocol", "soap")
            .header("sec-websocket-protocol", "other")
            .body(())
            .unwrap();
        let v = RequestView::from(&request);
        assert_eq!(v.method(), "GET");
        assert_eq!(v.target(), "/svc?x");
        assert_eq!(v.version(), HttpVersion::Http11);
        assert_eq!(
            v.header_values("Sec-WebSocket-Protocol")
                .collect::<Vec<_>>(),
            ["soap", "other"]
        );
    }
}
