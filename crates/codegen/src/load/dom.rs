//! A small read-only DOM built from xml-rs events: elements with resolved names, attributes,
//! text, line numbers and the namespace bindings in scope (for QName-valued attributes).

use std::collections::BTreeMap;

use xml::common::Position;
use xml::reader::{ErrorKind, ParserConfig, XmlEvent};

use super::error::LoadError;
use crate::model::{Location, QName};

/// Deeper nesting is rejected (the builders recurse along the tree; real WSDLs and
/// schemas nest a few dozen levels at most).
const MAX_DEPTH: usize = 256;

/// A parsed XML document: an arena of elements, the first one being the root.
#[derive(Debug)]
pub(crate) struct Document {
    /// The file, for messages.
    pub file: String,
    elements: Vec<ElementData>,
    /// Distinct sets of in-scope namespace bindings (prefix → URI; `""` = default).
    scopes: Vec<BTreeMap<String, String>>,
}

#[derive(Debug)]
struct ElementData {
    ns: String,
    local: String,
    prefix: Option<String>,
    attrs: Vec<AttrData>,
    children: Vec<Child>,
    parent: Option<u32>,
    line: u64,
    scope: u32,
}

#[derive(Debug)]
struct AttrData {
    ns: String,
    local: String,
    value: String,
}

#[derive(Debug)]
enum Child {
    Element(u32),
    Text(String),
}

impl Document {
    /// Parses `bytes`; `file` names the document in errors and locations.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Self, LoadError> {
        let config = ParserConfig::new()
            .trim_whitespace(false)
            .whitespace_to_characters(true)
            .cdata_to_characters(true)
            .coalesce_characters(true)
            .ignore_comments(true)
            .allow_multiple_root_elements(false);
        // xml-rs reads byte by byte; a BufReader makes that cheap.
        let mut reader = config.create_reader(std::io::BufReader::new(bytes));
        let mut doc = Document {
            file: file.to_owned(),
            elements: Vec::new(),
            scopes: Vec::new(),
        };
        let mut stack: Vec<u32> = Vec::new();
        loop {
            let event = reader.next().map_err(|e| xml_error(file, &e))?;
            let line = reader.position().row() + 1;
            match event {
                XmlEvent::StartElement {
                    name,
                    attributes,
                    namespace,
                } => {
                    if stack.len() >= MAX_DEPTH {
                        let column = reader.position().column() + 1;
                        let message = format!("elements nested more than {MAX_DEPTH} deep");
                        return Err(LoadError::Xml {
                            file: file.to_owned(),
                            line,
                            column,
                            message,
                        });
                    }
                    let parent = stack.last().copied();
                    let scope = doc.scope_for(parent, namespace.0);
                    let id = u32::try_from(doc.elements.len()).map_err(|_| LoadError::Xml {
                        file: file.to_owned(),
                        line,
                        column: 0,
                        message: "too many elements".into(),
                    })?;
                    let attrs = attributes
                        .into_iter()
                        .map(|a| AttrData {
                            ns: a.name.namespace.unwrap_or_default(),
                            local: a.name.local_name,
                            value: a.value,
                        })
                        .collect();
                    doc.elements.push(ElementData {
                        ns: name.namespace.unwrap_or_default(),
                        local: name.local_name,
                        prefix: name.prefix,
                        attrs,
                        children: Vec::new(),
                        parent,
                        line,
                        scope,
                    });
                    if let Some(p) = parent {
                        doc.elements[p as usize].children.push(Child::Element(id));
                    }
                    stack.push(id);
                }
                XmlEvent::EndElement { .. } => {
                    stack.pop();
                }
                XmlEvent::Characters(text) | XmlEvent::CData(text) | XmlEvent::Whitespace(text) => {
                    if let Some(&p) = stack.last() {
                        doc.elements[p as usize].children.push(Child::Text(text));
                    }
                }
                XmlEvent::EndDocument => break,
                _ => {}
            }
        }
        if doc.elements.is_empty() {
            return Err(LoadError::Xml {
                file: file.to_owned(),
                line: 1,
                column: 1,
                message: "no root element".into(),
            });
        }
        Ok(doc)
    }

    /// Reuses the parent's scope when the bindings did not change.
    fn scope_for(&mut self, parent: Option<u32>, ns: BTreeMap<String, String>) -> u32 {
        if let Some(p) = parent {
            let s = self.elements[p as usize].scope;
            if self.scopes[s as usize] == ns {
                return s;
            }
        }
        self.scopes.push(ns);
        (self.scopes.len() - 1) as u32
    }

    /// The root element.
    pub fn root(&self) -> El<'_> {
        El { doc: self, id: 0 }
    }

    /// The element with this id (from [`El::id`]).
    pub fn element(&self, id: u32) -> El<'_> {
        El { doc: self, id }
    }
}

fn xml_error(file: &str, e: &xml::reader::Error) -> LoadError {
    let pos = e.position();
    let message = match e.kind() {
        ErrorKind::Syntax(msg) => msg.to_string(),
        ErrorKind::Io(io) => io.to_string(),
        ErrorKind::Utf8(u) => u.to_string(),
        ErrorKind::UnexpectedEof => "unexpected end of document".into(),
        _ => e.to_string(),
    };
    LoadError::Xml {
        file: file.to_owned(),
        line: pos.row() + 1,
        column: pos.column() + 1,
        message,
    }
}

/// A handle to one element of a [`Document`].
#[derive(Clone, Copy)]
pub(crate) struct El<'d> {
    doc: &'d Document,
    id: u32,
}

impl std::fmt::Debug for El<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{}:{}>", self.doc.file, self.line())
    }
}

impl<'d> El<'d> {
    fn data(&self) -> &'d ElementData {
        &self.doc.elements[self.id as usize]
    }

    /// Its id in the document.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The document it belongs to.
    pub fn doc(&self) -> &'d Document {
        self.doc
    }

    /// Its namespace (empty for none).
    pub fn ns(&self) -> &'d str {
        &self.data().ns
    }

    /// Its local name.
    pub fn local(&self) -> &'d str {
        &self.data().local
    }

    /// True when it is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        let d = self.data();
        d.local == local && d.ns == ns
    }

    /// Its one-based line.
    pub fn line(&self) -> u64 {
        self.data().line
    }

    /// An unqualified attribute.
    pub fn attr(&self, local: &str) -> Option<&'d str> {
        self.attr_ns("", local)
    }

    /// A namespace-qualified attribute (`ns` empty for unqualified).
    pub fn attr_ns(&self, ns: &str, local: &str) -> Option<&'d str> {
        self.data()
            .attrs
            .iter()
            .find(|a| a.local == local && a.ns == ns)
            .map(|a| a.value.as_str())
    }

    /// Child elements, in order.
    pub fn children(&self) -> impl Iterator<Item = El<'d>> + 'd {
        let doc = self.doc;
        self.data().children.iter().filter_map(move |c| match c {
            Child::Element(id) => Some(El { doc, id: *id }),
            Child::Text(_) => None,
        })
    }

    /// Child elements named `{ns}local`.
    pub fn children_named<'a>(
        &self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = El<'d>> + 'a
    where
        'd: 'a,
    {
        self.children().filter(move |c| c.is(ns, local))
    }

    /// The first child element named `{ns}local`.
    pub fn child(&self, ns: &str, local: &str) -> Option<El<'d>> {
        self.children().find(|c| c.is(ns, local))
    }

    /// The parent element.
    pub fn parent(&self) -> Option<El<'d>> {
        self.data().parent.map(|id| El { doc: self.doc, id })
    }

    /// All text of the element and its descendants, concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for c in &self.data().children {
            match c {
                Child::Text(t) => out.push_str(t),
                Child::Element(id) => El {
                    doc: self.doc,
                    id: *id,
                }
                .collect_text(out),
            }
        }
    }

    /// The namespace bound to `prefix` here (`""` = the default namespace).
    pub fn lookup_prefix(&self, prefix: &str) -> Option<&'d str> {
        let scope = &self.doc.scopes[self.data().scope as usize];
        scope.get(prefix).map(String::as_str)
    }

    /// Resolves a QName-valued attribute value (`p:local` or `local`) with the bindings in
    /// scope. An unprefixed name takes the default namespace. `Err` names an undeclared prefix.
    pub fn resolve_qname(&self, value: &str) -> Result<QName, String> {
        let value = value.trim();
        match value.split_once(':') {
            Some((prefix, local)) => match self.lookup_prefix(prefix) {
                Some(ns) => Ok(QName::new(ns, local)),
                None => Err(format!(
                    "undeclared namespace prefix `{prefix}` in `{value}`"
                )),
            },
            None => Ok(QName::new(self.lookup_prefix("").unwrap_or(""), value)),
        }
    }

    /// The element path, e.g. `/wsdl:definitions/wsdl:portType[ICalculator]`.
    pub fn path(&self) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(*self);
        while let Some(e) = cur {
            let d = e.data();
            let mut s = match &d.prefix {
                Some(p) if !p.is_empty() => format!("{p}:{}", d.local),
                _ => d.local.clone(),
            };
            if let Some(n) = e.attr("name") {
                s.push('[');
                s.push_str(n);
                s.push(']');
            }
            parts.push(s);
            cur = e.parent();
        }
        parts.reverse();
        let mut out = String::new();
        for p in parts {
            out.push('/');
            out.push_str(&p);
        }
        out
    }

    /// Where it is, for diagnostics.
    pub fn location(&self) -> Location {
        Location {
            file: self.doc.file.clone(),
            line: self.line(),
            path: self.path(),
        }
    }

    /// Descendants (not including itself), depth first.
    pub fn descendants(&self) -> Vec<El<'d>> {
        let mut out = Vec::new();
        let mut stack: Vec<El<'d>> = self.children().collect();
        stack.reverse();
        while let Some(e) = stack.pop() {
            out.push(e);
            let mut kids: Vec<El<'d>> = e.children().collect();
            kids.reverse();
            stack.extend(kids);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_attributes_and_scopes() {
        let xml = br#"<?xml version="1.0"?>
<a:root xmlns:a="urn:a" xmlns="urn:d" x="1">
  <child a:y="2" type="a:Foo">hello <b>big</b> world</child>
  <c:other xmlns:c="urn:c" ref="Bar"/>
</a:root>"#;
        let doc = Document::parse("t.xml", xml).unwrap();
        let root = doc.root();
        assert!(root.is("urn:a", "root"));
        assert_eq!(root.attr("x"), Some("1"));
        let kids: Vec<_> = root.children().collect();
        assert_eq!(kids.len(), 2);
        assert!(kids[0].is("urn:d", "child"));
        assert_eq!(kids[0].line(), 3);
        assert_eq!(kids[0].attr_ns("urn:a", "y"), Some("2"));
        assert_eq!(kids[0].text(), "hello big world");
        assert_eq!(
            kids[0].resolve_qname("a:Foo").unwrap(),
            QName::new("urn:a", "Foo")
        );
        assert_eq!(
            kids[1].resolve_qname("Bar").unwrap(),
            QName::new("urn:d", "Bar")
        );
        assert_eq!(
            kids[1].resolve_qname("c:Baz").unwrap(),
            QName::new("urn:c", "Baz")
        );
        assert!(kids[0].resolve_qname("c:Baz").is_err());
        assert_eq!(kids[1].path(), "/a:root/c:other");
        assert_eq!(kids[1].line(), 4);
    }

    #[test]
    fn too_deep_nesting_is_an_error() {
        let xml = "<a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            Document::parse("t.xml", xml.as_bytes()),
            Err(LoadError::Xml { .. })
        ));
    }

    #[test]
    fn truncated_document_is_an_error_with_position() {
        let err = Document::parse("t.xml", b"<a>\n<b>\n").unwrap_err();
        match err {
            LoadError::Xml { line, .. } => assert!(line >= 2),
            other => panic!("unexpected {other:?}"),
        }
    }
}
