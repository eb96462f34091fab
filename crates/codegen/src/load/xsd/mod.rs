//! Phase two, schemas: every schema unit's global components become [`Schema`] entries.
//! Element refs take the global element's type, `xs:group ref` is replaced by the group's
//! particle and `xs:attributeGroup ref` is expanded; named types stay [`TypeRef::Named`].

mod attributes;
mod elements;
mod particles;
mod types;

use std::collections::{BTreeMap, HashMap};

use super::collect::{SchemaUnit, Sources};
use super::dom::El;
use super::error::Diagnostic;
use super::ns::{WELL_KNOWN, XSD};
use crate::model::{Attribute, Particle, QName, Schema, TypeDef, TypeRef};

/// Builds the schema components of all units.
pub(crate) fn build_schema(sources: &Sources, diags: &mut Vec<Diagnostic>) -> Schema {
    let mut b = Builder {
        sources,
        diags,
        index: Index::default(),
        element_types: HashMap::new(),
        groups: HashMap::new(),
    };
    b.index_units();
    let mut schema = Schema::default();
    let elements: Vec<QName> = b.index.elements.keys().cloned().collect();
    for q in elements {
        let decl = b.element_decl(&q);
        schema.elements.insert(q, decl);
    }
    let types: Vec<(QName, Comp<'_>)> =
        b.index.types.iter().map(|(q, c)| (q.clone(), *c)).collect();
    for (q, c) in types {
        let def = if c.el.local() == "complexType" {
            TypeDef::Complex(b.complex_type(c.unit, c.el, Some(q.clone())))
        } else {
            TypeDef::Simple(b.simple_type(c.unit, c.el, Some(q.clone())))
        };
        schema.types.insert(q, def);
    }
    let groups: Vec<QName> = b.index.groups.keys().cloned().collect();
    for q in groups {
        if let Some(p) = b.group_particle(&q) {
            schema.groups.insert(q, p);
        }
    }
    let attribute_groups: Vec<QName> = b.index.attribute_groups.keys().cloned().collect();
    for q in attribute_groups {
        let mut attrs = Vec::new();
        let mut any = false;
        b.expand_attribute_group(&q, &mut attrs, &mut any, &mut Vec::new());
        schema.attribute_groups.insert(q, attrs);
    }
    let attributes: Vec<(QName, Comp<'_>)> = b
        .index
        .attributes
        .iter()
        .map(|(q, c)| (q.clone(), *c))
        .collect();
    for (q, c) in attributes {
        let type_ref = b.attribute_type(c.unit, c.el);
        schema.attributes.insert(
            q.clone(),
            Attribute {
                name: q,
                type_ref,
                required: false,
            },
        );
    }
    schema
}

/// A global component: its unit and element.
#[derive(Clone, Copy)]
struct Comp<'a> {
    unit: usize,
    el: El<'a>,
}

#[derive(Default)]
struct Index<'a> {
    elements: BTreeMap<QName, Comp<'a>>,
    types: BTreeMap<QName, Comp<'a>>,
    groups: BTreeMap<QName, Comp<'a>>,
    attribute_groups: BTreeMap<QName, Comp<'a>>,
    attributes: BTreeMap<QName, Comp<'a>>,
}

struct Builder<'a, 'd> {
    sources: &'a Sources,
    diags: &'d mut Vec<Diagnostic>,
    index: Index<'a>,
    /// Global element types; `None` while being built (a cycle).
    element_types: HashMap<QName, Option<TypeRef>>,
    /// Global group particles; `None` while being built (a cycle).
    groups: HashMap<QName, Option<Particle>>,
}

fn xsd(local: &str) -> QName {
    QName::new(XSD, local)
}

fn any_type() -> TypeRef {
    TypeRef::Named(xsd("anyType"))
}

fn is_true(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("true" | "1"))
}

/// The first `xs:annotation/xs:documentation`, trimmed.
fn documentation(el: El<'_>) -> Option<String> {
    let doc = el.child(XSD, "annotation")?.child(XSD, "documentation")?;
    let text = doc.text();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl<'a> Builder<'a, '_> {
    fn unit(&self, unit: usize) -> &'a SchemaUnit {
        &self.sources.units[unit]
    }

    fn warn(&mut self, message: impl Into<String>, el: El<'_>) {
        self.diags
            .push(Diagnostic::warning_at(message, el.location()));
    }

    fn index_units(&mut self) {
        let sources = self.sources;
        for (unit, u) in sources.units.iter().enumerate() {
            let root = sources.unit_root(unit);
            for child in root.children() {
                if child.ns() != XSD {
                    self.warn(
                        format!(
                            "unknown top-level schema element `{{{}}}{}` skipped",
                            child.ns(),
                            child.local()
                        ),
                        child,
                    );
                    continue;
                }
                let local = child.local();
                let kind = match local {
                    "element" | "complexType" | "simpleType" | "group" | "attributeGroup"
                    | "attribute" => local,
                    "import" | "include" | "redefine" | "annotation" | "notation" => continue,
                    _ => {
                        self.warn(
                            format!("unknown top-level schema element xs:{local} skipped"),
                            child,
                        );
                        continue;
                    }
                };
                let Some(name) = child.attr("name") else {
                    self.warn(format!("global xs:{local} without name skipped"), child);
                    continue;
                };
                let q = QName::new(u.tns.clone(), name.trim());
                let map = match kind {
                    "element" => &mut self.index.elements,
                    "group" => &mut self.index.groups,
                    "attributeGroup" => &mut self.index.attribute_groups,
                    "attribute" => &mut self.index.attributes,
                    _ => &mut self.index.types,
                };
                let first = match map.get(&q) {
                    None => {
                        map.insert(q, Comp { unit, el: child });
                        continue;
                    }
                    Some(_) if WELL_KNOWN.contains(&q.ns.as_str()) => continue,
                    Some(first) => first.el.location(),
                };
                self.warn(
                    format!(
                        "duplicate global xs:{local} {q}; the first definition ({}:{}) is kept",
                        first.file, first.line
                    ),
                    child,
                );
            }
        }
    }

    /// Resolves a QName-valued attribute value in the context of `unit`.
    fn qname(&mut self, unit: usize, el: El<'_>, value: &str) -> Option<QName> {
        match el.resolve_qname(value) {
            Ok(mut q) => {
                let u = self.unit(unit);
                if u.chameleon && q.ns.is_empty() {
                    q.ns = u.tns.clone();
                }
                Some(q)
            }
            Err(msg) => {
                self.warn(msg, el);
                None
            }
        }
    }

    fn occurs(&mut self, el: El<'_>) -> (u32, Option<u32>) {
        let min = match el.attr("minOccurs").map(str::trim) {
            None => 1,
            Some(v) => v.parse().unwrap_or_else(|_| {
                self.warn(format!("invalid minOccurs `{v}`; 1 assumed"), el);
                1
            }),
        };
        let max = match el.attr("maxOccurs").map(str::trim) {
            None => Some(1),
            Some("unbounded") => None,
            Some(v) => Some(v.parse().unwrap_or_else(|_| {
                self.warn(format!("invalid maxOccurs `{v}`; 1 assumed"), el);
                1
            })),
        };
        (min, max)
    }
}
