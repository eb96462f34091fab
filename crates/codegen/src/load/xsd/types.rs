//! Complex and simple type definitions.

use super::{documentation, is_true, xsd, Builder};
use crate::load::dom::El;
use crate::load::ns::XSD;
use crate::model::{ComplexType, Derivation, QName, SimpleKind, SimpleType, TypeDef, TypeRef};

impl Builder<'_, '_> {
    pub(super) fn complex_type(
        &mut self,
        unit: usize,
        el: El<'_>,
        name: Option<QName>,
    ) -> ComplexType {
        let mut ct = ComplexType {
            name,
            is_abstract: is_true(el.attr("abstract")),
            mixed: is_true(el.attr("mixed")),
            base: None,
            particle: None,
            simple_content: None,
            attributes: Vec::new(),
            any_attribute: false,
            documentation: documentation(el),
        };
        let mut attributes = Vec::new();
        let mut any = false;
        if let Some(sc) = el.child(XSD, "simpleContent") {
            match derivation(sc) {
                Some(d) => {
                    if let Some(base) = d.attr("base").and_then(|b| self.qname(unit, d, b)) {
                        ct.simple_content = Some(TypeRef::Named(base));
                    } else if let Some(st) = d.child(XSD, "simpleType") {
                        let st = self.simple_type(unit, st, None);
                        ct.simple_content = Some(TypeRef::Anonymous(Box::new(TypeDef::Simple(st))));
                    }
                    self.attributes(unit, d, &mut attributes, &mut any);
                }
                None => self.warn("xs:simpleContent without extension or restriction", sc),
            }
        } else if let Some(cc) = el.child(XSD, "complexContent") {
            if cc.attr("mixed").is_some() {
                ct.mixed = is_true(cc.attr("mixed"));
            }
            match derivation(cc) {
                Some(d) => {
                    let base = d.attr("base").and_then(|b| self.qname(unit, d, b));
                    match base {
                        Some(base) => {
                            ct.base = Some(Derivation {
                                base,
                                extension: d.local() == "extension",
                            })
                        }
                        None => self.warn("complexContent derivation without base", d),
                    }
                    ct.particle = self.content_particle(unit, d);
                    self.attributes(unit, d, &mut attributes, &mut any);
                }
                None => self.warn("xs:complexContent without extension or restriction", cc),
            }
        } else {
            ct.particle = self.content_particle(unit, el);
            self.attributes(unit, el, &mut attributes, &mut any);
        }
        ct.attributes = attributes;
        ct.any_attribute = any;
        ct
    }

    pub(super) fn simple_type(
        &mut self,
        unit: usize,
        el: El<'_>,
        name: Option<QName>,
    ) -> SimpleType {
        let documentation = documentation(el);
        let kind = if let Some(r) = el.child(XSD, "restriction") {
            let base = self.base_or_inline(unit, r, "base");
            let enumerations = r
                .children_named(XSD, "enumeration")
                .filter_map(|e| e.attr("value").map(str::to_owned))
                .collect();
            SimpleKind::Restriction { base, enumerations }
        } else if let Some(l) = el.child(XSD, "list") {
            SimpleKind::List {
                item: self.base_or_inline(unit, l, "itemType"),
            }
        } else if let Some(u) = el.child(XSD, "union") {
            let mut members = Vec::new();
            for m in u.attr("memberTypes").unwrap_or("").split_whitespace() {
                if let Some(q) = self.qname(unit, u, m) {
                    members.push(TypeRef::Named(q));
                }
            }
            for st in u.children_named(XSD, "simpleType") {
                let st = self.simple_type(unit, st, None);
                members.push(TypeRef::Anonymous(Box::new(TypeDef::Simple(st))));
            }
            SimpleKind::Union { members }
        } else {
            self.warn(
                "xs:simpleType without restriction, list or union; xs:anySimpleType assumed",
                el,
            );
            SimpleKind::Restriction {
                base: TypeRef::Named(xsd("anySimpleType")),
                enumerations: vec![],
            }
        };
        SimpleType {
            name,
            kind,
            documentation,
        }
    }

    /// The type named by attribute `attr`, or the inline `xs:simpleType`.
    pub(super) fn base_or_inline(&mut self, unit: usize, el: El<'_>, attr: &str) -> TypeRef {
        if let Some(q) = el.attr(attr).and_then(|v| self.qname(unit, el, v)) {
            return TypeRef::Named(q);
        }
        if let Some(st) = el.child(XSD, "simpleType") {
            return TypeRef::Anonymous(Box::new(TypeDef::Simple(self.simple_type(unit, st, None))));
        }
        self.warn(
            format!(
                "xs:{} without {attr} or inline simpleType; xs:anySimpleType assumed",
                el.local()
            ),
            el,
        );
        TypeRef::Named(xsd("anySimpleType"))
    }
}

/// The `extension` or `restriction` child of a `simpleContent`/`complexContent`.
fn derivation(el: El<'_>) -> Option<El<'_>> {
    el.children()
        .find(|c| c.is(XSD, "extension") || c.is(XSD, "restriction"))
}
