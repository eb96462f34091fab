//! Global and local element declarations; element refs take the global element's type.

use super::{any_type, documentation, is_true, Builder};
use crate::load::dom::El;
use crate::load::ns::WELL_KNOWN;
use crate::load::ns::XSD;
use crate::model::{ElementDecl, LocalElement, QName, TypeDef, TypeRef};

impl Builder<'_, '_> {
    pub(super) fn element_decl(&mut self, q: &QName) -> ElementDecl {
        let c = self.index.elements[q];
        let substitution_group =
            c.el.attr("substitutionGroup")
                .and_then(|v| self.qname(c.unit, c.el, v));
        let type_ref = self.global_element_type(q).unwrap_or_else(any_type);
        ElementDecl {
            name: q.clone(),
            type_ref,
            nillable: is_true(c.el.attr("nillable")),
            is_abstract: is_true(c.el.attr("abstract")),
            substitution_group,
            documentation: documentation(c.el),
        }
    }

    /// The type of a global element; `None` if there is no such element or it is being
    /// built (a recursive reference through an anonymous type).
    pub(super) fn global_element_type(&mut self, q: &QName) -> Option<TypeRef> {
        if let Some(t) = self.element_types.get(q) {
            return t.clone();
        }
        let c = *self.index.elements.get(q)?;
        self.element_types.insert(q.clone(), None);
        let t = self.element_type(c.unit, c.el);
        self.element_types.insert(q.clone(), Some(t.clone()));
        Some(t)
    }

    /// The type of an element declaration: `type=`, an inline type, the substitution group
    /// head's type, or `xs:anyType`.
    pub(super) fn element_type(&mut self, unit: usize, el: El<'_>) -> TypeRef {
        if let Some(t) = el.attr("type") {
            return self
                .qname(unit, el, t)
                .map_or_else(any_type, TypeRef::Named);
        }
        if let Some(ct) = el.child(XSD, "complexType") {
            return TypeRef::Anonymous(Box::new(TypeDef::Complex(
                self.complex_type(unit, ct, None),
            )));
        }
        if let Some(st) = el.child(XSD, "simpleType") {
            return TypeRef::Anonymous(Box::new(TypeDef::Simple(self.simple_type(unit, st, None))));
        }
        if let Some(head) = el
            .attr("substitutionGroup")
            .and_then(|v| self.qname(unit, el, v))
        {
            if let Some(t) = self.global_element_type(&head) {
                return t;
            }
        }
        any_type()
    }

    pub(super) fn local_element(&mut self, unit: usize, el: El<'_>) -> Option<LocalElement> {
        let (min, max) = self.occurs(el);
        if let Some(r) = el.attr("ref") {
            let q = self.qname(unit, el, r)?;
            let global = self.index.elements.get(&q).copied();
            let type_ref = match self.global_element_type(&q) {
                Some(t) => t,
                None if global.is_some() => {
                    self.warn(
                        format!("recursive reference to element {q} with an anonymous type: type_ref is xs:anyType, use `reference`"),
                        el,
                    );
                    any_type()
                }
                None => {
                    if !WELL_KNOWN.contains(&q.ns.as_str()) {
                        self.warn(
                            format!("reference to unknown element {q}; xs:anyType assumed"),
                            el,
                        );
                    }
                    any_type()
                }
            };
            let documentation =
                documentation(el).or_else(|| global.and_then(|g| documentation(g.el)));
            return Some(LocalElement {
                name: q.clone(),
                type_ref,
                min,
                max,
                nillable: global.is_some_and(|g| is_true(g.el.attr("nillable"))),
                reference: Some(q),
                documentation,
            });
        }
        let Some(name) = el.attr("name") else {
            self.warn("local xs:element without name or ref skipped", el);
            return None;
        };
        let u = self.unit(unit);
        let qualified = match el.attr("form").map(str::trim) {
            Some("qualified") => true,
            Some("unqualified") => false,
            _ => u.element_qualified,
        };
        let ns = if qualified {
            u.tns.clone()
        } else {
            String::new()
        };
        Some(LocalElement {
            name: QName::new(ns, name.trim()),
            type_ref: self.element_type(unit, el),
            min,
            max,
            nillable: is_true(el.attr("nillable")),
            reference: None,
            documentation: documentation(el),
        })
    }
}
