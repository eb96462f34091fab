//! OASIS XML Catalogs (the subset WSDL tool chains use): `uri`, `system`, `rewriteURI`,
//! `rewriteSystem`, `uriSuffix`, `systemSuffix`, `group`, `nextCatalog` and `xml:base`.
//! Relative values resolve against the catalog file's directory (or the `xml:base` in scope).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::dom::{Document, El};
use super::error::LoadError;
use super::resolve::{normalize, target_from, Target};

const CATALOG_NS: &str = "urn:oasis:names:tc:entity:xmlns:xml:catalog";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Uri,
    System,
    RewriteUri,
    RewriteSystem,
    UriSuffix,
    SystemSuffix,
}

#[derive(Debug)]
struct Entry {
    kind: Kind,
    key: String,
    value: String,
    base: Target,
}

/// A parsed catalog, with the catalogs it chains to (`nextCatalog`).
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    entries: Vec<Entry>,
    next: Vec<Catalog>,
}

impl Catalog {
    /// Reads the catalog at `path` (and, recursively, its `nextCatalog`s).
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let mut seen = HashSet::new();
        Self::load_inner(path, &mut seen)
    }

    fn load_inner(path: &Path, seen: &mut HashSet<PathBuf>) -> Result<Self, LoadError> {
        let path = normalize(path);
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if !seen.insert(key) {
            return Ok(Self::default());
        }
        let file = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|source| LoadError::Read {
            file: file.clone(),
            referenced_from: None,
            source,
        })?;
        let doc = Document::parse(&file, &bytes)?;
        let root = doc.root();
        if !root.is(CATALOG_NS, "catalog") {
            return Err(LoadError::UnsupportedDocument {
                ns: root.ns().to_owned(),
                local: root.local().to_owned(),
                location: root.location(),
            });
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut catalog = Self::default();
        let mut next_paths = Vec::new();
        catalog.read_entries(root, &Target::File(dir), &mut next_paths);
        for p in next_paths {
            match p {
                Target::File(p) => catalog.next.push(Self::load_inner(&p, seen)?),
                Target::Uri(_) => {}
            }
        }
        Ok(catalog)
    }

    fn read_entries(&mut self, parent: El<'_>, base: &Target, next: &mut Vec<Target>) {
        let base = with_xml_base(parent, base);
        for e in parent.children().filter(|e| e.ns() == CATALOG_NS) {
            let (kind, key_attr, value_attr) = match e.local() {
                "uri" => (Kind::Uri, "name", "uri"),
                "system" => (Kind::System, "systemId", "uri"),
                "rewriteURI" => (Kind::RewriteUri, "uriStartString", "rewritePrefix"),
                "rewriteSystem" => (Kind::RewriteSystem, "systemIdStartString", "rewritePrefix"),
                "uriSuffix" => (Kind::UriSuffix, "uriSuffix", "uri"),
                "systemSuffix" => (Kind::SystemSuffix, "systemIdSuffix", "uri"),
                "group" => {
                    self.read_entries(e, &base, next);
                    continue;
                }
                "nextCatalog" => {
                    if let Some(c) = e.attr("catalog") {
                        next.push(target_from(c, &with_xml_base(e, &base)));
                    }
                    continue;
                }
                _ => continue,
            };
            if let (Some(key), Some(value)) = (e.attr(key_attr), e.attr(value_attr)) {
                self.entries.push(Entry {
                    kind,
                    key: key.trim().to_owned(),
                    value: value.trim().to_owned(),
                    base: with_xml_base(e, &base),
                });
            }
        }
    }

    /// Maps an identifier (a URI or a location as written) to its target, if an entry matches.
    /// Exact `uri`/`system` entries win over the longest `rewrite*` prefix, which wins over
    /// the longest `*Suffix`; chained catalogs are consulted last.
    pub fn lookup(&self, id: &str) -> Option<Target> {
        let exact = self
            .entries
            .iter()
            .find(|e| matches!(e.kind, Kind::Uri | Kind::System) && e.key == id);
        if let Some(e) = exact {
            return Some(target_from(&e.value, &e.base));
        }
        let rewrite = self
            .entries
            .iter()
            .filter(|e| matches!(e.kind, Kind::RewriteUri | Kind::RewriteSystem))
            .filter(|e| !e.key.is_empty() && id.starts_with(&e.key))
            .max_by_key(|e| e.key.len());
        if let Some(e) = rewrite {
            let value = format!("{}{}", e.value, &id[e.key.len()..]);
            return Some(target_from(&value, &e.base));
        }
        let suffix = self
            .entries
            .iter()
            .filter(|e| matches!(e.kind, Kind::UriSuffix | Kind::SystemSuffix))
            .filter(|e| !e.key.is_empty() && id.ends_with(&e.key))
            .max_by_key(|e| e.key.len());
        if let Some(e) = suffix {
            return Some(target_from(&e.value, &e.base));
        }
        self.next.iter().find_map(|c| c.lookup(id))
    }
}

fn with_xml_base(e: El<'_>, base: &Target) -> Target {
    match e.attr_ns(XML_NS, "base") {
        Some(b) => {
            let t = target_from(b, base);
            // A base names a directory only when it ends with '/'; otherwise its last
            // segment is a file name, as with URIs.
            match t {
                Target::File(p) if !b.ends_with('/') && !b.ends_with('\\') => {
                    Target::File(p.parent().map(Path::to_path_buf).unwrap_or_default())
                }
                Target::Uri(u) if !u.ends_with('/') => Target::Uri(u),
                other => other,
            }
        }
        None => base.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(xml: &str) -> Catalog {
        let doc = Document::parse("c.xml", xml.as_bytes()).unwrap();
        let mut c = Catalog::default();
        let mut next = Vec::new();
        c.read_entries(doc.root(), &Target::File(PathBuf::from("/cat")), &mut next);
        c
    }

    #[test]
    fn exact_rewrite_and_suffix() {
        let c = catalog(
            r#"<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
                 <uri name="http://x/a.xsd" uri="local/a.xsd"/>
                 <system systemId="http://x/b.xsd" uri="file:///abs/b.xsd"/>
                 <rewriteSystem systemIdStartString="doesnotexist" rewritePrefix="../wsdl/catalog"/>
                 <rewriteURI uriStartString="http://y/" rewritePrefix="y/"/>
                 <rewriteURI uriStartString="http://y/deep/" rewritePrefix="deep/"/>
                 <group xml:base="sub/"><uriSuffix uriSuffix="/z.xsd" uri="zz.xsd"/></group>
               </catalog>"#,
        );
        assert_eq!(
            c.lookup("http://x/a.xsd"),
            Some(Target::File("/cat/local/a.xsd".into()))
        );
        assert_eq!(
            c.lookup("http://x/b.xsd"),
            Some(Target::File("/abs/b.xsd".into()))
        );
        assert_eq!(
            c.lookup("doesnotexist/h.wsdl"),
            Some(Target::File("/wsdl/catalog/h.wsdl".into()))
        );
        assert_eq!(
            c.lookup("http://y/deep/q.xsd"),
            Some(Target::File("/cat/deep/q.xsd".into()))
        );
        assert_eq!(
            c.lookup("http://y/q.xsd"),
            Some(Target::File("/cat/y/q.xsd".into()))
        );
        assert_eq!(
            c.lookup("http://q/r/z.xsd"),
            Some(Target::File("/cat/sub/zz.xsd".into()))
        );
        assert_eq!(c.lookup("http://nope/"), None);
    }
}
