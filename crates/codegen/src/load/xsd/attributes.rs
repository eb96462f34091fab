//! Attribute uses, with attribute groups expanded.

use super::{xsd, Builder};
use crate::load::dom::El;
use crate::load::ns::{XML, XSD};
use crate::model::{Attribute, QName, TypeDef, TypeRef};

impl Builder<'_, '_> {
    /// Attribute uses among `el`'s children, with attribute groups expanded.
    pub(super) fn attributes(
        &mut self,
        unit: usize,
        el: El<'_>,
        out: &mut Vec<Attribute>,
        any: &mut bool,
    ) {
        self.attributes_inner(unit, el, out, any, &mut Vec::new());
    }

    pub(super) fn attributes_inner(
        &mut self,
        unit: usize,
        el: El<'_>,
        out: &mut Vec<Attribute>,
        any: &mut bool,
        stack: &mut Vec<QName>,
    ) {
        for child in el.children().filter(|c| c.ns() == XSD) {
            match child.local() {
                "attribute" => {
                    if let Some(a) = self.attribute_use(unit, child) {
                        out.push(a);
                    }
                }
                "attributeGroup" => {
                    let Some(r) = child.attr("ref") else { continue };
                    if let Some(q) = self.qname(unit, child, r) {
                        if !self.index.attribute_groups.contains_key(&q) {
                            self.warn(
                                format!("reference to unknown attribute group {q} skipped"),
                                child,
                            );
                            continue;
                        }
                        self.expand_attribute_group(&q, out, any, stack);
                    }
                }
                "anyAttribute" => *any = true,
                _ => {}
            }
        }
    }

    pub(super) fn expand_attribute_group(
        &mut self,
        q: &QName,
        out: &mut Vec<Attribute>,
        any: &mut bool,
        stack: &mut Vec<QName>,
    ) {
        let Some(c) = self.index.attribute_groups.get(q).copied() else {
            return;
        };
        if stack.contains(q) {
            self.warn(format!("recursive attribute group {q} skipped"), c.el);
            return;
        }
        stack.push(q.clone());
        self.attributes_inner(c.unit, c.el, out, any, stack);
        stack.pop();
    }

    /// A local attribute or attribute reference; `None` if prohibited or invalid.
    pub(super) fn attribute_use(&mut self, unit: usize, el: El<'_>) -> Option<Attribute> {
        let usage = el.attr("use").map(str::trim);
        if usage == Some("prohibited") {
            return None;
        }
        let required = usage == Some("required");
        if let Some(r) = el.attr("ref") {
            let q = self.qname(unit, el, r)?;
            let type_ref = match self.index.attributes.get(&q).copied() {
                Some(g) => self.attribute_type(g.unit, g.el),
                None if q.ns == XML => TypeRef::Named(xsd(match q.local.as_str() {
                    "lang" => "language",
                    "space" => "NCName",
                    "base" => "anyURI",
                    "id" => "ID",
                    _ => "string",
                })),
                None => {
                    self.warn(
                        format!("reference to unknown attribute {q}; xs:anySimpleType assumed"),
                        el,
                    );
                    TypeRef::Named(xsd("anySimpleType"))
                }
            };
            return Some(Attribute {
                name: q,
                type_ref,
                required,
            });
        }
        let Some(name) = el.attr("name") else {
            self.warn("xs:attribute without name or ref skipped", el);
            return None;
        };
        let u = self.unit(unit);
        let qualified = match el.attr("form").map(str::trim) {
            Some("qualified") => true,
            Some("unqualified") => false,
            _ => u.attribute_qualified,
        };
        let ns = if qualified {
            u.tns.clone()
        } else {
            String::new()
        };
        Some(Attribute {
            name: QName::new(ns, name.trim()),
            type_ref: self.attribute_type(unit, el),
            required,
        })
    }

    pub(super) fn attribute_type(&mut self, unit: usize, el: El<'_>) -> TypeRef {
        if let Some(t) = el.attr("type") {
            return self
                .qname(unit, el, t)
                .map_or_else(|| TypeRef::Named(xsd("anySimpleType")), TypeRef::Named);
        }
        if let Some(st) = el.child(XSD, "simpleType") {
            return TypeRef::Anonymous(Box::new(TypeDef::Simple(self.simple_type(unit, st, None))));
        }
        TypeRef::Named(xsd("anySimpleType"))
    }
}
