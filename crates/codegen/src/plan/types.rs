//! Schema types to Rust types: elements, named and anonymous types, structs and their members
//! (choices, substitution groups, derived types), enumerations, lists and unions.

use super::{BodyElement, Derived, Enum, Field, Occurs, Planner, Struct, Ty, Union, SER, XSD};
use crate::ident::{camel, snake, Unique};
use crate::model::{
    ComplexType, Compositor, LocalElement, Particle, ParticleItem, QName, SimpleKind, TypeDef,
    TypeRef,
};

impl<'d> Planner<'d> {
    /// The Rust type of a global element's content.
    pub(crate) fn element(&mut self, name: &QName) -> Option<BodyElement> {
        if let Some(planned) = self.elements.get(name) {
            return Some(planned.clone());
        }
        let Some(decl) = self.defs.schema.elements.get(name) else {
            self.error(format!("element {name} is not defined"));
            return None;
        };
        let ty = self.type_ref(
            &decl.type_ref.clone(),
            &name.local,
            decl.documentation.clone(),
        );
        let planned = BodyElement {
            name: name.clone(),
            ty,
            parts: false,
        };
        self.elements.insert(name.clone(), planned.clone());
        Some(planned)
    }

    fn type_ref(&mut self, t: &TypeRef, context: &str, doc: Option<String>) -> Ty {
        match t {
            TypeRef::Named(q) => self.named_type(q),
            TypeRef::Anonymous(def) => self.type_def(def, None, context, doc),
        }
    }

    fn named_type(&mut self, q: &QName) -> Ty {
        if q.ns == XSD {
            return builtin(&q.local);
        }
        if q.ns == SER {
            return match q.local.as_str() {
                "guid" => Ty::Builtin("soapws::nbfs::Guid"),
                "char" => Ty::Builtin("char"),
                "duration" => Ty::Builtin("soapws::nbfs::TimeSpan"),
                other => builtin(other),
            };
        }
        if let Some(t) = self.named.get(q) {
            return t.clone();
        }
        let Some(def) = self.defs.schema.types.get(q).cloned() else {
            self.error(format!("type {q} is not defined"));
            return Ty::Raw;
        };
        self.type_def(&def, Some(q), &q.local, None)
    }

    fn type_def(
        &mut self,
        def: &TypeDef,
        name: Option<&QName>,
        context: &str,
        doc: Option<String>,
    ) -> Ty {
        match def {
            TypeDef::Simple(s) => match &s.kind {
                SimpleKind::Restriction { enumerations, .. } if !enumerations.is_empty() => {
                    let ident = self.types.claim(camel(context));
                    let ty = Ty::Named(ident.clone());
                    if let Some(q) = name {
                        self.named.insert(q.clone(), ty.clone());
                    }
                    let mut variants = Unique::default();
                    let values = enumerations
                        .iter()
                        .map(|v| (variants.claim(camel(v)), v.clone()))
                        .collect();
                    self.simple.insert(ident.clone());
                    self.plan.enums.push(Enum {
                        ident,
                        doc: s.documentation.clone().or(doc),
                        variants: values,
                    });
                    ty
                }
                SimpleKind::Restriction { base, .. } => {
                    let ty = self.type_ref(base, context, None);
                    if let Some(q) = name {
                        self.named.insert(q.clone(), ty.clone());
                    }
                    ty
                }
                // An anonymous item type takes the list's name: WCF's `[Flags]` enum `Colors`
                // becomes `List<Colors>`.
                SimpleKind::List { item } => {
                    let ty = match self.type_ref(item, context, s.documentation.clone().or(doc)) {
                        item @ Ty::Builtin(_) => Ty::List(Box::new(item)),
                        Ty::Named(n) if self.simple.contains(&n) => {
                            Ty::List(Box::new(Ty::Named(n)))
                        }
                        _ => Ty::Builtin("::std::string::String"),
                    };
                    if let Some(q) = name {
                        self.named.insert(q.clone(), ty.clone());
                    }
                    ty
                }
                SimpleKind::Union { members } => {
                    self.union(members, name, context, s.documentation.clone().or(doc))
                }
            },
            TypeDef::Complex(c) => {
                if is_any_type(c) {
                    return Ty::Raw;
                }
                let ident = self.types.claim(camel(context));
                let ty = Ty::Named(ident.clone());
                if let Some(q) = name {
                    self.named.insert(q.clone(), ty.clone());
                    self.stack.push(q.clone());
                }
                let s = self.complex(c, &ident, doc);
                if name.is_some() {
                    self.stack.pop();
                }
                self.plan.structs.push(s);
                ty
            }
        }
    }

    /// An `xs:union`: an enum with a variant per member type, the value being the first member
    /// its text is valid for (as XML Schema reads a union). Members that are not simple (or not
    /// defined) make it text.
    fn union(
        &mut self,
        members: &[TypeRef],
        name: Option<&QName>,
        context: &str,
        doc: Option<String>,
    ) -> Ty {
        let ident = self.types.claim(camel(context));
        let ty = Ty::Named(ident.clone());
        if let Some(q) = name {
            self.named.insert(q.clone(), ty.clone());
        }
        let mut variant_idents = Unique::default();
        let mut variants: Vec<(String, Ty)> = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let member_context = format!("{context}Member{}", i + 1);
            let member_ty = self.type_ref(member, &member_context, None);
            let simple = match &member_ty {
                Ty::Builtin(_) | Ty::List(_) => true,
                Ty::Named(n) => self.simple.contains(n),
                Ty::Raw => false,
            };
            if !simple || member_ty == ty {
                let text = Ty::Builtin("::std::string::String");
                if let Some(q) = name {
                    self.named.insert(q.clone(), text.clone());
                }
                return text;
            }
            if variants.iter().any(|(_, t)| *t == member_ty) {
                continue;
            }
            let variant = match member {
                TypeRef::Named(q) => camel(&q.local),
                TypeRef::Anonymous(_) => format!("Member{}", i + 1),
            };
            variants.push((variant_idents.claim(variant), member_ty));
        }
        if variants.is_empty() {
            return Ty::Builtin("::std::string::String");
        }
        self.simple.insert(ident.clone());
        self.plan.unions.push(Union {
            ident,
            doc,
            variants,
        });
        ty
    }

    fn complex(&mut self, c: &ComplexType, ident: &str, doc: Option<String>) -> Struct {
        let mut s = Struct::new(ident.to_owned(), c.documentation.clone().or(doc));
        let mut idents = Unique::default();
        idents.claim("any".into());
        idents.claim("any_attributes".into());
        idents.claim("value".into());
        s.any_attributes = c.any_attribute;
        // Inherited members first (extension flattens the base).
        if let Some(d) = &c.base {
            if d.extension {
                if let Some(TypeDef::Complex(base)) = self.defs.schema.types.get(&d.base).cloned() {
                    if !self.stack.contains(&d.base) {
                        self.stack.push(d.base.clone());
                        let inherited = self.complex(&base, ident, None);
                        self.stack.pop();
                        for f in inherited.fields {
                            let ident = idents.claim(f.ident.clone());
                            s.fields.push(Field { ident, ..f });
                        }
                        s.any |= inherited.any;
                        s.any_attributes |= inherited.any_attributes;
                        s.value = s.value.or(inherited.value);
                    }
                } else if d.base.ns == XSD || d.base.ns == SER {
                    s.value = Some(self.named_type(&d.base));
                }
            }
        }
        if let Some(sc) = &c.simple_content {
            s.value = Some(self.type_ref(sc, &format!("{ident}Value"), None));
        }
        // Simple content over `xs:anyType` (a restriction that only narrows attributes) is text.
        if s.value == Some(Ty::Raw) {
            s.value = Some(Ty::Builtin("::std::string::String"));
        }
        for a in &c.attributes {
            let ty = self.type_ref(
                &a.type_ref,
                &format!("{ident}{}", camel(&a.name.local)),
                None,
            );
            s.fields.push(Field {
                ident: idents.claim(snake(&a.name.local)),
                name: a.name.clone(),
                ty,
                occurs: if a.required {
                    Occurs::One
                } else {
                    Occurs::Optional
                },
                nil_when_none: false,
                boxed: false,
                items: None,
                attribute: true,
                doc: None,
                choice: Vec::new(),
            });
        }
        if let Some(p) = &c.particle {
            self.particle(p, Occurs::One, ident, &mut s, &mut idents);
        }
        s
    }

    fn particle(
        &mut self,
        p: &Particle,
        outer: Occurs,
        owner: &str,
        s: &mut Struct,
        idents: &mut Unique,
    ) {
        let own = occurs(p.min, p.max);
        let occurs_here = combine(outer, own);
        if p.kind == Compositor::Choice {
            if let Some(elements) = element_choice(p) {
                let field = self.choice(&elements, occurs_here, owner, None, idents);
                s.fields.push(field);
                return;
            }
        }
        for item in &p.items {
            match item {
                ParticleItem::Element(e) => {
                    let mut occ = combine(occurs_here, occurs(e.min, e.max));
                    if p.kind == Compositor::Choice && occ == Occurs::One {
                        occ = Occurs::Optional;
                    }
                    let substitutes = e
                        .reference
                        .as_ref()
                        .map(|head| self.substitutes(head))
                        .unwrap_or_default();
                    if substitutes.len() > 1 {
                        let elements: Vec<&LocalElement> = substitutes.iter().collect();
                        let field = self.choice(&elements, occ, owner, Some(&e.name.local), idents);
                        s.fields.push(field);
                        continue;
                    }
                    let ident = idents.claim(snake(&e.name.local));
                    let field = self.element_field(e, occ, owner, ident);
                    s.fields.push(field);
                }
                ParticleItem::Group(g) => {
                    let inner = if p.kind == Compositor::Choice {
                        combine(occurs_here, Occurs::Optional)
                    } else {
                        occurs_here
                    };
                    self.particle(g, inner, owner, s, idents);
                }
                ParticleItem::Any { .. } => s.any = true,
            }
        }
    }

    /// A member for local element `e` occurring `occ` times.
    pub(super) fn element_field(
        &mut self,
        e: &LocalElement,
        occ: Occurs,
        owner: &str,
        ident: String,
    ) -> Field {
        let context = format!("{owner}{}", camel(&e.name.local));
        let ty = match (&e.reference, &e.type_ref) {
            // A global element's anonymous type is planned once, named after the element.
            (Some(global), TypeRef::Anonymous(_)) => match self.element(global) {
                Some(planned) => planned.ty,
                None => Ty::Raw,
            },
            (_, TypeRef::Named(q)) => self.member_type(q),
            _ => self.type_ref(&e.type_ref, &context, e.documentation.clone()),
        };
        let items = self.array_items(&e.type_ref);
        let boxed = matches!(&e.type_ref, TypeRef::Named(q) if self.stack.contains(q))
            && occ != Occurs::Many;
        let (ty, items) = match items {
            Some((item_name, item_ty)) => (item_ty, Some(item_name)),
            None => (ty, None),
        };
        Field {
            ident,
            name: e.name.clone(),
            ty,
            occurs: if e.nillable && occ == Occurs::One {
                Occurs::Optional
            } else {
                occ
            },
            nil_when_none: e.nillable && occ != Occurs::Many,
            boxed,
            items,
            attribute: false,
            doc: e.documentation.clone(),
            choice: Vec::new(),
        }
    }

    /// The member of an `xs:choice` of elements: an enum with one variant per element. A choice that may be empty (an element with `minOccurs="0"`) is optional.
    fn choice(
        &mut self,
        elements: &[&LocalElement],
        occ: Occurs,
        owner: &str,
        name: Option<&str>,
        idents: &mut Unique,
    ) -> Field {
        // Named after its elements as JAXB does (`skuOrBarcode`), up to three of them.
        let base = if let Some(name) = name {
            name.to_owned()
        } else if elements.len() <= 3 {
            let names: Vec<&str> = elements.iter().map(|e| e.name.local.as_str()).collect();
            names.join("_or_")
        } else {
            "choice".to_owned()
        };
        let ident = self.types.claim(format!("{owner}{}", camel(&base)));
        let mut variant_idents = Unique::default();
        let variants = elements
            .iter()
            .map(|e| {
                let occ = match occurs(e.min, e.max) {
                    Occurs::Many => Occurs::Many,
                    _ => Occurs::One,
                };
                let variant = variant_idents.claim(camel(&e.name.local));
                let mut v = self.element_field(e, occ, owner, variant);
                // A nil variant is its element present with no value: the value's default
                // (element_field would make a nillable one optional).
                v.occurs = occ;
                v.nil_when_none = false;
                v
            })
            .collect();
        let may_be_empty = elements.iter().any(|e| e.min == 0);
        Field {
            ident: idents.claim(snake(&base)),
            name: QName::new("", ""),
            ty: Ty::Named(ident),
            occurs: if may_be_empty {
                combine(occ, Occurs::Optional)
            } else {
                occ
            },
            nil_when_none: false,
            boxed: false,
            items: None,
            attribute: false,
            doc: None,
            choice: variants,
        }
    }

    /// The Rust type of a member declared with type `q`: the type itself, or, when the schema
    /// derives types from it, the enum of it and its derived types (read by `xsi:type`).
    fn member_type(&mut self, q: &QName) -> Ty {
        if let Some(t) = self.derived.get(q) {
            return t.clone();
        }
        let is_struct = matches!(
            self.defs.schema.types.get(q),
            Some(TypeDef::Complex(c)) if !is_any_type(c)
        );
        let descendants = if is_struct {
            self.descendants(q)
        } else {
            Vec::new()
        };
        if descendants.is_empty() {
            return self.named_type(q);
        }
        let ident = self.types.claim(format!("Any{}", camel(&q.local)));
        let ty = Ty::Named(ident.clone());
        self.derived.insert(q.clone(), ty.clone());
        let is_abstract = matches!(
            self.defs.schema.types.get(q),
            Some(TypeDef::Complex(c)) if c.is_abstract
        );
        let mut variants = Vec::new();
        let mut variant_idents = Unique::default();
        for t in (!is_abstract)
            .then(|| q.clone())
            .into_iter()
            .chain(descendants)
        {
            let planned = self.named_type(&t);
            variants.push((variant_idents.claim(camel(&t.local)), t, planned));
        }
        self.plan.derived.push(Derived {
            ident,
            base: q.clone(),
            variants,
        });
        ty
    }

    /// The complex types derived from `base`, directly or not, in name order.
    fn descendants(&self, base: &QName) -> Vec<QName> {
        let mut found: Vec<QName> = Vec::new();
        let mut next = 0;
        let mut bases = vec![base.clone()];
        while let Some(b) = bases.get(next).cloned() {
            next += 1;
            for (name, def) in &self.defs.schema.types {
                let TypeDef::Complex(c) = def else { continue };
                if c.base.as_ref().is_some_and(|d| d.base == b)
                    && !found.contains(name)
                    && name != base
                {
                    found.push(name.clone());
                    bases.push(name.clone());
                }
            }
        }
        found.sort();
        found
    }

    /// The elements that may stand where `head` is referenced: `head` itself unless abstract,
    /// and the elements of its substitution group, level by level (transitively).
    fn substitutes(&self, head: &QName) -> Vec<LocalElement> {
        let elements = &self.defs.schema.elements;
        let mut heads = vec![head.clone()];
        let mut found: Vec<LocalElement> = Vec::new();
        let mut next = 0;
        while let Some(h) = heads.get(next).cloned() {
            next += 1;
            let Some(decl) = elements.get(&h) else {
                continue;
            };
            if heads[..next - 1].contains(&h) {
                continue;
            }
            if !decl.is_abstract {
                found.push(decl.as_member());
            }
            heads.extend(
                elements
                    .values()
                    .filter(|m| m.substitution_group.as_ref() == Some(&h))
                    .map(|m| m.name.clone()),
            );
        }
        found
    }

    /// WCF's `ArrayOfX` shape: a named complex type whose only content is one repeated element.
    /// Returns the item element's name and the item's Rust type.
    fn array_items(&mut self, t: &TypeRef) -> Option<(QName, Ty)> {
        let TypeRef::Named(q) = t else { return None };
        let Some(TypeDef::Complex(c)) = self.defs.schema.types.get(q).cloned() else {
            return None;
        };
        if !q.local.starts_with("ArrayOf")
            || c.base.is_some()
            || !c.attributes.is_empty()
            || c.simple_content.is_some()
        {
            return None;
        }
        let p = c.particle.as_ref()?;
        let [ParticleItem::Element(e)] = p.items.as_slice() else {
            return None;
        };
        if e.max.is_some_and(|m| m <= 1) {
            return None;
        }
        let ty = self.type_ref(&e.type_ref, &format!("{}Item", camel(&q.local)), None);
        Some((e.name.clone(), ty))
    }
}

/// The elements of a choice made only of elements (a choice holding groups or `xs:any` is
/// flattened into optional members instead).
fn element_choice(p: &Particle) -> Option<Vec<&LocalElement>> {
    p.items
        .iter()
        .map(|item| match item {
            ParticleItem::Element(e) => Some(e),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .filter(|elements| elements.len() > 1)
}

fn is_any_type(c: &ComplexType) -> bool {
    c.base.is_none()
        && c.attributes.is_empty()
        && c.simple_content.is_none()
        && c.particle
            .as_ref()
            .is_some_and(|p| matches!(p.items.as_slice(), [ParticleItem::Any { .. }]))
}

fn occurs(min: u32, max: Option<u32>) -> Occurs {
    match (min, max) {
        (_, None) => Occurs::Many,
        (_, Some(m)) if m > 1 => Occurs::Many,
        (0, _) => Occurs::Optional,
        _ => Occurs::One,
    }
}

fn combine(outer: Occurs, inner: Occurs) -> Occurs {
    match (outer, inner) {
        (Occurs::Many, _) | (_, Occurs::Many) => Occurs::Many,
        (Occurs::Optional, _) | (_, Occurs::Optional) => Occurs::Optional,
        _ => Occurs::One,
    }
}

/// The Rust type of an XML Schema built-in type.
fn builtin(local: &str) -> Ty {
    Ty::Builtin(match local {
        "boolean" => "bool",
        "byte" => "i8",
        "short" => "i16",
        "int" => "i32",
        "long" | "integer" | "nonNegativeInteger" | "positiveInteger" | "nonPositiveInteger"
        | "negativeInteger" => "i64",
        "unsignedByte" => "u8",
        "unsignedShort" => "u16",
        "unsignedInt" => "u32",
        "unsignedLong" => "u64",
        "float" => "f32",
        "double" => "f64",
        "decimal" => "soapws::nbfs::Decimal",
        "dateTime" => "soapws::nbfs::DateTime",
        "duration" => "soapws::nbfs::TimeSpan",
        "base64Binary" => "::std::vec::Vec<u8>",
        "anyType" => return Ty::Raw,
        _ => "::std::string::String",
    })
}
