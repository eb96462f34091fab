//! Turning `location=` / `schemaLocation=` values into local files: catalogs first, then
//! paths relative to the referencing document. Nothing is ever fetched from the network.

use std::path::{Component, Path, PathBuf};

use super::catalog::Catalog;

/// Where a catalog entry points (before it is known whether the file exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A local file.
    File(PathBuf),
    /// Anything else (`http:`, `classpath:`, …).
    Uri(String),
}

/// The base against which a document's relative references are resolved.
#[derive(Debug, Clone)]
pub(crate) struct DocBase {
    /// The local file.
    pub path: PathBuf,
    /// The remote URI the file stands for, when it was reached through a catalog.
    pub uri: Option<String>,
}

/// The outcome of resolving a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// A local file (it may still turn out not to exist).
    File {
        /// The path, lexically normalised.
        path: PathBuf,
        /// The remote URI it stands for, if any (the base for its own relative references).
        uri: Option<String>,
    },
    /// A location that can only be fetched remotely.
    Remote(String),
}

/// Resolves locations with the configured catalogs.
#[derive(Debug, Default)]
pub(crate) struct Resolver {
    catalogs: Vec<Catalog>,
}

impl Resolver {
    /// A resolver consulting `catalogs` in order.
    pub fn new(catalogs: Vec<Catalog>) -> Self {
        Self { catalogs }
    }

    fn catalog(&self, id: &str) -> Option<Target> {
        self.catalogs.iter().find_map(|c| c.lookup(id))
    }

    /// Resolves `location` as written in the document at `base`.
    pub fn resolve(&self, location: &str, base: &DocBase) -> Resolved {
        let location = location.trim();
        if let Some(target) = self.catalog(location) {
            let uri = scheme(location).is_some().then(|| location.to_owned());
            return from_target(target, uri);
        }
        if scheme(location).is_some() {
            return from_target(Target::Uri(location.to_owned()), None);
        }
        let dir = base.path.parent().unwrap_or(Path::new(""));
        let local = normalize(&dir.join(location));
        let remote = base.uri.as_deref().map(|u| join_uri(u, location));
        if local.is_file() {
            return Resolved::File {
                path: local,
                uri: remote,
            };
        }
        if let Some(abs) = remote {
            return match self.catalog(&abs) {
                Some(target) => from_target(target, Some(abs)),
                None => Resolved::Remote(abs),
            };
        }
        let decoded = normalize(&dir.join(percent_decode(location)));
        if decoded.is_file() {
            return Resolved::File {
                path: decoded,
                uri: None,
            };
        }
        Resolved::File {
            path: local,
            uri: None,
        }
    }
}

fn from_target(target: Target, uri: Option<String>) -> Resolved {
    match target {
        Target::File(path) => Resolved::File { path, uri },
        Target::Uri(u) => match file_uri_to_path(&u) {
            Some(path) => Resolved::File { path, uri: None },
            None => Resolved::Remote(u),
        },
    }
}

/// The scheme of an absolute URI (`http`, `file`, `urn`, …). One-letter "schemes" are
/// taken to be Windows drive letters and ignored.
pub(crate) fn scheme(s: &str) -> Option<&str> {
    let (head, _) = s.split_once(':')?;
    let mut chars = head.chars();
    let first = chars.next()?;
    let ok = head.len() >= 2
        && first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then_some(head)
}

/// `file:` URI → path.
pub(crate) fn file_uri_to_path(uri: &str) -> Option<PathBuf> {
    let s = scheme(uri)?;
    if !s.eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = &uri[s.len() + 1..];
    let path = if let Some(after) = rest.strip_prefix("//") {
        // file://host/path: only an empty host or localhost is local.
        let slash = after.find('/').unwrap_or(after.len());
        let host = &after[..slash];
        if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
            return None;
        }
        &after[slash..]
    } else {
        rest
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    Some(normalize(Path::new(&percent_decode(path))))
}

/// A raw catalog value (`uri=`, a rewritten prefix) resolved against the catalog's base.
pub(crate) fn target_from(raw: &str, base: &Target) -> Target {
    if scheme(raw).is_some() {
        return match file_uri_to_path(raw) {
            Some(p) => Target::File(p),
            None => Target::Uri(raw.to_owned()),
        };
    }
    match base {
        Target::File(dir) => Target::File(normalize(&dir.join(percent_decode(raw)))),
        Target::Uri(u) => Target::Uri(join_uri(u, raw)),
    }
}

/// Resolves a relative reference against an absolute URI (RFC 3986 §5.2, simplified).
pub(crate) fn join_uri(base: &str, reference: &str) -> String {
    if scheme(reference).is_some() {
        return reference.to_owned();
    }
    let base = base.split('#').next().unwrap_or(base);
    let Some(s) = scheme(base) else {
        return reference.to_owned();
    };
    let after_scheme = &base[s.len() + 1..];
    let (authority, path) = match after_scheme.strip_prefix("//") {
        Some(rest) => {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            (format!("//{}", &rest[..end]), &rest[end..])
        }
        None => (String::new(), after_scheme),
    };
    let path = path.split('?').next().unwrap_or("");
    if let Some(r) = reference.strip_prefix("//") {
        return format!("{s}://{r}");
    }
    let merged = if reference.starts_with('/') {
        reference.to_owned()
    } else if reference.is_empty() {
        return base.to_owned();
    } else if reference.starts_with('?') {
        format!("{path}{reference}")
    } else {
        let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
        format!("{dir}{reference}")
    };
    format!("{s}:{authority}{}", remove_dot_segments(&merged))
}

fn remove_dot_segments(path: &str) -> String {
    let (path, query) = match path.find(['?', '#']) {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, ""),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("{}{query}", out.join("/"))
}

/// Removes `.` and resolves `..` lexically (no file-system access).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped =
                    matches!(out.components().next_back(), Some(Component::Normal(_))) && out.pop();
                if !popped && !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Decodes `%XX` escapes (invalid ones are kept as written).
pub(crate) fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_uris() {
        assert_eq!(join_uri("http://a/b/c.xsd", "d.xsd"), "http://a/b/d.xsd");
        assert_eq!(join_uri("http://a/b/c.xsd", "../d.xsd"), "http://a/d.xsd");
        assert_eq!(join_uri("http://a/b/c.xsd", "/x/y.xsd"), "http://a/x/y.xsd");
        assert_eq!(
            join_uri("http://a/b/c.svc?xsd=1", "c.svc?xsd=2"),
            "http://a/b/c.svc?xsd=2"
        );
        assert_eq!(join_uri("http://a/b/c.xsd", "https://z/q"), "https://z/q");
    }

    #[test]
    fn schemes_and_file_uris() {
        assert_eq!(scheme("http://x"), Some("http"));
        assert_eq!(scheme("C:\\x"), None);
        assert_eq!(scheme("a/b.xsd"), None);
        assert_eq!(
            file_uri_to_path("file:///x/a%20b.xsd"),
            Some(PathBuf::from("/x/a b.xsd"))
        );
        assert_eq!(file_uri_to_path("http://x/y"), None);
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(
            normalize(Path::new("a/b/../../../c/./d")),
            PathBuf::from("../c/d")
        );
        assert_eq!(normalize(Path::new("/a/../../b")), PathBuf::from("/b"));
        assert_eq!(percent_decode("a%20b%zz%2"), "a b%zz%2");
    }
}
