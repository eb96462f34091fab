//! Phase one: read the entry document and everything it reaches (`wsdl:import`, `xs:import`,
//! `xs:include`, `xs:redefine`), each file once, and list the WSDL documents and schema
//! units (a schema element with its effective target namespace) to build from.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::dom::{Document, El};
use super::error::{Diagnostic, LoadError};
use super::ns;
use super::resolve::{normalize, DocBase, Resolved, Resolver};
use crate::model::Location;

/// An `xs:schema` element and how it is to be read.
#[derive(Debug, Clone)]
pub(crate) struct SchemaUnit {
    /// The document ([`Sources::docs`] index).
    pub doc: usize,
    /// The `xs:schema` element's id.
    pub root: u32,
    /// The effective target namespace (adopted from the includer for chameleon includes).
    pub tns: String,
    /// A chameleon include: no-namespace references are read as `tns` ones.
    pub chameleon: bool,
    /// `elementFormDefault="qualified"`.
    pub element_qualified: bool,
    /// `attributeFormDefault="qualified"`.
    pub attribute_qualified: bool,
}

/// Everything read.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    /// Parsed documents, the entry first.
    pub docs: Vec<Document>,
    /// The WSDL documents ([`Sources::docs`] indices), the entry first, then in the order
    /// their imports were reached.
    pub wsdls: Vec<usize>,
    /// All schema units, in the order they were reached.
    pub units: Vec<SchemaUnit>,
}

impl Sources {
    /// The `xs:schema` element of a unit.
    pub fn unit_root(&self, unit: usize) -> El<'_> {
        let u = &self.units[unit];
        self.docs[u.doc].element(u.root)
    }
}

/// An `xs:import` whose outcome depends on which namespaces end up loaded.
enum Deferred {
    /// Its `schemaLocation` is remote and no catalog maps it.
    Remote {
        namespace: String,
        location: String,
        from: Location,
    },
    /// It has no `schemaLocation`.
    NamespaceOnly { namespace: String, from: Location },
}

/// What kind of document an import may bring in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Wsdl,
    Schema,
}

/// Reads `entry` and everything it reaches.
pub(crate) fn collect(
    entry: &Path,
    resolver: &Resolver,
    diags: &mut Vec<Diagnostic>,
) -> Result<Sources, LoadError> {
    let mut c = Collector {
        resolver,
        diags,
        sources: Sources::default(),
        by_key: HashMap::new(),
        bases: Vec::new(),
        unit_keys: HashSet::new(),
        wsdl_seen: HashSet::new(),
        deferred: Vec::new(),
    };
    let resolved = Resolved::File {
        path: normalize(entry),
        uri: None,
    };
    let doc = c.open(resolved, None)?;
    let root = c.sources.docs[doc].root();
    if root.is(ns::WSDL, "definitions") {
        c.visit_wsdl(doc)?;
    } else if root.is(ns::XSD, "schema") {
        c.register_unit(doc, 0, None)?;
    } else {
        return Err(unsupported(root, None));
    }
    c.finish()?;
    Ok(c.sources)
}

struct Collector<'r> {
    resolver: &'r Resolver,
    diags: &'r mut Vec<Diagnostic>,
    sources: Sources,
    by_key: HashMap<PathBuf, usize>,
    bases: Vec<DocBase>,
    unit_keys: HashSet<(usize, u32, String)>,
    wsdl_seen: HashSet<usize>,
    deferred: Vec<Deferred>,
}

fn unsupported(root: El<'_>, from: Option<&Location>) -> LoadError {
    LoadError::UnsupportedDocument {
        ns: root.ns().to_owned(),
        local: root.local().to_owned(),
        location: from.cloned().unwrap_or_else(|| root.location()),
    }
}

impl Collector<'_> {
    /// Reads and parses a resolved file (once), returning its document index.
    fn open(&mut self, resolved: Resolved, from: Option<&Location>) -> Result<usize, LoadError> {
        let (path, uri) = match resolved {
            Resolved::File { path, uri } => (path, uri),
            Resolved::Remote(location) => {
                return Err(LoadError::Unresolvable {
                    location,
                    from: from.cloned().unwrap_or_default(),
                })
            }
        };
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if let Some(&id) = self.by_key.get(&key) {
            return Ok(id);
        }
        let file = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|source| LoadError::Read {
            file: file.clone(),
            referenced_from: from.cloned(),
            source,
        })?;
        let doc = Document::parse(&file, &bytes)?;
        let id = self.sources.docs.len();
        self.sources.docs.push(doc);
        self.bases.push(DocBase { path, uri });
        self.by_key.insert(key, id);
        Ok(id)
    }

    fn resolve(&self, doc: usize, location: &str) -> Resolved {
        self.resolver.resolve(location, &self.bases[doc])
    }

    /// Opens an imported/included document and checks its root is of the expected kind.
    fn open_import(
        &mut self,
        resolved: Resolved,
        from: &Location,
        allowed: &[Kind],
    ) -> Result<(usize, Kind), LoadError> {
        let doc = self.open(resolved, Some(from))?;
        let root = self.sources.docs[doc].root();
        let kind = if root.is(ns::WSDL, "definitions") {
            Kind::Wsdl
        } else if root.is(ns::XSD, "schema") {
            Kind::Schema
        } else {
            return Err(unsupported(root, Some(from)));
        };
        if !allowed.contains(&kind) {
            return Err(unsupported(root, Some(from)));
        }
        Ok((doc, kind))
    }

    fn visit_wsdl(&mut self, doc: usize) -> Result<(), LoadError> {
        if !self.wsdl_seen.insert(doc) {
            return Ok(());
        }
        self.sources.wsdls.push(doc);
        let root = self.sources.docs[doc].root();
        let mut imports = Vec::new();
        let mut schemas = Vec::new();
        for child in root.children() {
            if child.is(ns::WSDL, "import") {
                imports.push((child.attr("location").map(str::to_owned), child.location()));
            } else if child.is(ns::WSDL, "types") {
                schemas.extend(child.children_named(ns::XSD, "schema").map(|s| s.id()));
                for other in child.children().filter(|c| !c.is(ns::XSD, "schema")) {
                    self.diags.push(Diagnostic::warning_at(
                        format!(
                            "unsupported type system element `{{{}}}{}` in wsdl:types skipped",
                            other.ns(),
                            other.local()
                        ),
                        other.location(),
                    ));
                }
            }
        }
        for id in schemas {
            self.register_unit(doc, id, None)?;
        }
        for (location, from) in imports {
            let Some(location) = location else {
                self.diags.push(Diagnostic::warning_at(
                    "wsdl:import without location skipped",
                    from,
                ));
                continue;
            };
            let resolved = self.resolve(doc, &location);
            let (imported, kind) =
                self.open_import(resolved, &from, &[Kind::Wsdl, Kind::Schema])?;
            match kind {
                Kind::Wsdl => self.visit_wsdl(imported)?,
                Kind::Schema => self.register_unit(imported, 0, None)?,
            }
        }
        Ok(())
    }

    /// Registers the schema element `root` of `doc` (once per effective namespace) and
    /// follows its includes and imports. `includer_tns` is set for includes/redefines.
    fn register_unit(
        &mut self,
        doc: usize,
        root: u32,
        includer_tns: Option<&str>,
    ) -> Result<(), LoadError> {
        let el = self.sources.docs[doc].element(root);
        let own = el.attr("targetNamespace");
        let (tns, chameleon) = match (own, includer_tns) {
            (Some(own), Some(inc)) if own != inc => {
                self.diags.push(Diagnostic::warning_at(
                    format!(
                        "included schema has targetNamespace `{own}`, not the including schema's `{inc}`; it is read with its own"
                    ),
                    el.location(),
                ));
                (own.to_owned(), false)
            }
            (Some(own), _) => (own.to_owned(), false),
            (None, Some(inc)) => (inc.to_owned(), !inc.is_empty()),
            (None, None) => (String::new(), false),
        };
        if !self.unit_keys.insert((doc, root, tns.clone())) {
            return Ok(());
        }
        self.sources.units.push(SchemaUnit {
            doc,
            root,
            tns: tns.clone(),
            chameleon,
            element_qualified: el.attr("elementFormDefault").map(str::trim) == Some("qualified"),
            attribute_qualified: el.attr("attributeFormDefault").map(str::trim)
                == Some("qualified"),
        });

        enum Ref {
            Include(Option<String>, Location),
            Import(Option<String>, String, Location),
        }
        let mut refs = Vec::new();
        for child in el.children().filter(|c| c.ns() == ns::XSD) {
            let loc = child.attr("schemaLocation").map(str::to_owned);
            match child.local() {
                "include" => refs.push(Ref::Include(loc, child.location())),
                "redefine" => {
                    if child.children().any(|c| !c.is(ns::XSD, "annotation")) {
                        self.diags.push(Diagnostic::warning_at(
                            "xs:redefine is read as xs:include: its redefinitions are ignored and the original definitions are used",
                            child.location(),
                        ));
                    }
                    refs.push(Ref::Include(loc, child.location()));
                }
                "import" => {
                    let namespace = child.attr("namespace").unwrap_or("").to_owned();
                    refs.push(Ref::Import(loc, namespace, child.location()));
                }
                _ => {}
            }
        }
        for r in refs {
            match r {
                Ref::Include(None, from) => {
                    self.diags.push(Diagnostic::warning_at(
                        "xs:include without schemaLocation skipped",
                        from,
                    ));
                }
                Ref::Include(Some(location), from) => {
                    let resolved = self.resolve(doc, &location);
                    let (inc, _) = self.open_import(resolved, &from, &[Kind::Schema])?;
                    self.register_unit(inc, 0, Some(&tns))?;
                }
                Ref::Import(None, namespace, from) => {
                    self.deferred
                        .push(Deferred::NamespaceOnly { namespace, from });
                }
                Ref::Import(Some(location), namespace, from) => {
                    let resolved = self.resolve(doc, &location);
                    if let Resolved::Remote(location) = resolved {
                        self.deferred.push(Deferred::Remote {
                            namespace,
                            location,
                            from,
                        });
                        continue;
                    }
                    let (imp, _) = self.open_import(resolved, &from, &[Kind::Schema])?;
                    let imported_tns = self.sources.docs[imp]
                        .root()
                        .attr("targetNamespace")
                        .unwrap_or("");
                    if imported_tns != namespace {
                        self.diags.push(Diagnostic::warning_at(
                            format!(
                                "xs:import of namespace `{namespace}` brought in a schema for `{imported_tns}`"
                            ),
                            from.clone(),
                        ));
                    }
                    self.register_unit(imp, 0, None)?;
                }
            }
        }
        Ok(())
    }

    /// Decides the deferred imports now that every loadable schema is loaded.
    fn finish(&mut self) -> Result<(), LoadError> {
        let loaded: HashSet<&str> = self.sources.units.iter().map(|u| u.tns.as_str()).collect();
        let mut warned = HashSet::new();
        for d in std::mem::take(&mut self.deferred) {
            match d {
                Deferred::Remote {
                    namespace,
                    location,
                    from,
                } => {
                    let why = if loaded.contains(namespace.as_str()) {
                        "its namespace is already loaded from another document"
                    } else if ns::WELL_KNOWN.contains(&namespace.as_str()) {
                        "it is a well-known namespace; its components are not loaded"
                    } else {
                        return Err(LoadError::Unresolvable { location, from });
                    };
                    self.diags.push(Diagnostic::warning_at(
                        format!(
                            "xs:import of `{namespace}` from remote `{location}` skipped (offline, not in a catalog): {why}"
                        ),
                        from,
                    ));
                }
                Deferred::NamespaceOnly { namespace, from } => {
                    if loaded.contains(namespace.as_str())
                        || namespace == ns::XSD
                        || namespace == ns::XML
                        || !warned.insert(namespace.clone())
                    {
                        continue;
                    }
                    self.diags.push(Diagnostic::warning_at(
                        format!(
                            "xs:import of namespace `{namespace}` has no schemaLocation and no schema for it was loaded; references to its components stay unresolved"
                        ),
                        from,
                    ));
                }
            }
        }
        Ok(())
    }
}
