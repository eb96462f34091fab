//! From the model to Rust shapes: which structs and enums to emit, their fields, and the
//! services. Only types reachable from the selected operations are planned.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::ident::{camel, snake, Unique};
use crate::load::Diagnostic;
use crate::model::{
    BodyBinding, ComplexType, Compositor, Definitions, LocalElement, Part, Particle, ParticleItem,
    QName, SimpleKind, Style, TypeDef, TypeRef,
};

pub(crate) const XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// WCF's DataContract serialization namespace (`ser:guid`, `ser:char`, `ser:duration`).
pub(crate) const SER: &str = "http://schemas.microsoft.com/2003/10/Serialization/";

/// A Rust type of a member.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    /// A path of the runtime (`f64`, `String`, `soapws::nbfs::DateTime`, …).
    Builtin(&'static str),
    /// A generated struct or enum.
    Named(String),
    /// Raw XML (`xs:anyType`, `xs:any`).
    Raw,
    /// An `xs:list` of simple items.
    List(Box<Ty>),
}

impl Ty {
    pub(crate) fn path(&self) -> String {
        match self {
            Ty::Builtin(p) => (*p).to_owned(),
            Ty::Named(n) => n.clone(),
            Ty::Raw => "soapws::rt::RawXml".to_owned(),
            Ty::List(item) => format!("soapws::rt::List<{}>", item.path()),
        }
    }
}

/// How often a member occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Occurs {
    One,
    Optional,
    Many,
}

/// One member of a struct.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) ident: String,
    pub(crate) name: QName,
    pub(crate) ty: Ty,
    pub(crate) occurs: Occurs,
    /// `None` is written as `xsi:nil="true"` (nillable and required).
    pub(crate) nil_when_none: bool,
    /// Boxed to break a recursive type.
    pub(crate) boxed: bool,
    /// WCF's `ArrayOfX`: the member is a wrapper element holding items named so.
    pub(crate) items: Option<QName>,
    pub(crate) attribute: bool,
    pub(crate) doc: Option<String>,
    /// An `xs:choice` of elements: the member is the enum `ty` names, one variant per element
    /// (each variant's `occurs` is `One` or `Many`).
    pub(crate) choice: Vec<Field>,
}

/// A struct to emit.
#[derive(Debug, Clone)]
pub(crate) struct Struct {
    pub(crate) ident: String,
    pub(crate) doc: Option<String>,
    pub(crate) fields: Vec<Field>,
    /// Unknown child elements are kept in `any: Vec<RawXml>`.
    pub(crate) any: bool,
    /// Text content of a simpleContent type, in `value`.
    pub(crate) value: Option<Ty>,
    /// The parts of a multi-part message: read from the body itself, not from an element.
    pub(crate) parts: bool,
}

/// An enum (of an enumeration simple type) to emit.
#[derive(Debug, Clone)]
pub(crate) struct Enum {
    pub(crate) ident: String,
    pub(crate) doc: Option<String>,
    /// (variant, XML text)
    pub(crate) variants: Vec<(String, String)>,
}

/// An `xs:union` to emit: a simple value of the first member type its text is valid for.
#[derive(Debug, Clone)]
pub(crate) struct Union {
    pub(crate) ident: String,
    pub(crate) doc: Option<String>,
    /// (variant, member type), in the union's order.
    pub(crate) variants: Vec<(String, Ty)>,
}

/// A base type and the types derived from it, read and written by `xsi:type` (WCF's known
/// types): an enum with a boxed variant per type.
#[derive(Debug, Clone)]
pub(crate) struct Derived {
    pub(crate) ident: String,
    pub(crate) base: QName,
    /// (variant, type name, Rust type); the base itself first unless abstract.
    pub(crate) variants: Vec<(String, QName, Ty)>,
}

/// A message body element.
#[derive(Debug, Clone)]
pub(crate) struct BodyElement {
    pub(crate) name: QName,
    pub(crate) ty: Ty,
    /// A multi-part body: `ty`'s members are the body's elements (`name` is the message's).
    pub(crate) parts: bool,
}

/// An operation of a service.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub(crate) ident: String,
    pub(crate) doc: Option<String>,
    pub(crate) input_action: String,
    pub(crate) input: BodyElement,
    /// For two-way operations.
    pub(crate) output: Option<(String, BodyElement)>,
    /// Declared faults: (variant of the fault enum, action).
    pub(crate) faults: Vec<(String, String)>,
    /// The typed SOAP headers of the input (an index into [`Svc::header_sets`]).
    pub(crate) input_headers: Option<usize>,
    /// The typed SOAP headers of the output.
    pub(crate) output_headers: Option<usize>,
}

/// The SOAP headers a binding declares for one message of an operation: a struct with one
/// optional member per header.
#[derive(Debug, Clone)]
pub(crate) struct HeaderSet {
    pub(crate) ident: String,
    /// (member, header element)
    pub(crate) headers: Vec<(String, BodyElement)>,
}

/// A declared fault detail type.
#[derive(Debug, Clone)]
pub(crate) struct FaultDetail {
    pub(crate) variant: String,
    pub(crate) element: BodyElement,
}

/// A service (portType bound by a usable SOAP binding).
#[derive(Debug, Clone)]
pub(crate) struct Svc {
    pub(crate) ident: String,
    pub(crate) doc: Option<String>,
    pub(crate) ops: Vec<Op>,
    /// Output-only operations: the callback contract.
    pub(crate) callbacks: Vec<Op>,
    pub(crate) faults: Vec<FaultDetail>,
    /// The header structs its operations use (several operations may share one).
    pub(crate) header_sets: Vec<HeaderSet>,
    pub(crate) binary: bool,
    pub(crate) address: Option<String>,
}

/// Everything to emit.
#[derive(Default)]
pub(crate) struct Plan {
    pub(crate) structs: Vec<Struct>,
    pub(crate) enums: Vec<Enum>,
    pub(crate) unions: Vec<Union>,
    pub(crate) derived: Vec<Derived>,
    pub(crate) services: Vec<Svc>,
}

pub(crate) struct Planner<'d> {
    defs: &'d Definitions,
    pub(crate) plan: Plan,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Planned named types: QName → Rust type.
    named: HashMap<QName, Ty>,
    /// Planned global elements (several operations and portTypes may share one).
    elements: HashMap<QName, BodyElement>,
    /// Types being planned (for recursion).
    stack: Vec<QName>,
    /// Planned `xsi:type` enums by base type.
    derived: HashMap<QName, Ty>,
    /// Generated types that are simple values (enumerations, unions).
    simple: HashSet<String>,
    types: Unique,
}

impl<'d> Planner<'d> {
    pub(crate) fn new(defs: &'d Definitions) -> Self {
        let mut types = Unique::default();
        // Generated code names std types by full path, so only the names it defines itself
        // beside the schema's types are taken.
        for reserved in ["Message", "Fault"] {
            types.claim(reserved.to_owned());
        }
        Self {
            defs,
            plan: Plan::default(),
            diagnostics: Vec::new(),
            named: HashMap::new(),
            elements: HashMap::new(),
            stack: Vec::new(),
            derived: HashMap::new(),
            simple: HashSet::new(),
            types,
        }
    }

    fn error(&mut self, message: String) {
        self.diagnostics.push(Diagnostic::error(message));
    }

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
        let mut s = Struct {
            ident: ident.to_owned(),
            doc: c.documentation.clone().or(doc),
            fields: Vec::new(),
            any: false,
            value: None,
            parts: false,
        };
        let mut idents = Unique::default();
        idents.claim("any".into());
        idents.claim("value".into());
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
    fn element_field(
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
                let many = occurs(e.min, e.max) == Occurs::Many;
                let variant = variant_idents.claim(camel(&e.name.local));
                let mut v = self.element_field(
                    e,
                    if many { Occurs::Many } else { Occurs::One },
                    owner,
                    variant,
                );
                // A nil variant is its element present with no value: the value's default.
                v.occurs = if many { Occurs::Many } else { Occurs::One };
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
                found.push(LocalElement {
                    name: h.clone(),
                    type_ref: decl.type_ref.clone(),
                    min: 1,
                    max: Some(1),
                    nillable: decl.nillable,
                    reference: Some(h.clone()),
                    documentation: decl.documentation.clone(),
                });
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

    /// The services of every usable SOAP binding (one per portType).
    pub(crate) fn services(&mut self) {
        let defs = self.defs;
        let mut done: BTreeMap<QName, ()> = BTreeMap::new();
        let mut bindings: Vec<_> = defs.bindings.iter().filter(|b| b.soap.is_some()).collect();
        // Prefer SOAP 1.2 bindings, then document order.
        bindings.sort_by_key(|b| b.soap != Some(crate::model::SoapVersion::Soap12));
        for b in bindings {
            if done.contains_key(&b.port_type) {
                continue;
            }
            if b.operations.iter().any(|o| o.encoded) {
                self.diagnostics.push(Diagnostic::warning(format!(
                    "binding {} uses rpc/encoded (not WS-I, not WCF): skipped",
                    b.name
                )));
                continue;
            }
            if b.operations.iter().any(|o| o.mime) {
                self.diagnostics.push(Diagnostic::warning(format!(
                    "binding {} uses SOAP with Attachments (MIME): skipped",
                    b.name
                )));
                continue;
            }
            let Some(pt) = defs.port_types.iter().find(|p| p.name == b.port_type) else {
                self.error(format!(
                    "binding {} refers to portType {}, which is not defined",
                    b.name, b.port_type
                ));
                continue;
            };
            done.insert(b.port_type.clone(), ());
            let address = defs
                .services
                .iter()
                .flat_map(|s| &s.ports)
                .find(|p| p.binding == b.name)
                .and_then(|p| p.address.clone());
            let mut svc = Svc {
                ident: camel(
                    pt.name
                        .local
                        .strip_prefix('I')
                        .filter(|r| r.starts_with(char::is_uppercase))
                        .unwrap_or(&pt.name.local),
                ),
                doc: pt.documentation.clone(),
                ops: Vec::new(),
                callbacks: Vec::new(),
                faults: Vec::new(),
                header_sets: Vec::new(),
                binary: b.binary_encoding,
                address,
            };
            // Header sets by their elements, with the operations and directions using them.
            let mut header_users: Vec<Vec<(String, &str)>> = Vec::new();
            let mut op_idents = Unique::default();
            let mut fault_idents = Unique::default();
            fault_idents.claim("Soap".into());
            for op in &pt.operations {
                let binding_op = b.operations.iter().find(|o| o.name == op.name);
                let default =
                    |suffix: &str| default_action(&pt.name.ns, &pt.name.local, &op.name, suffix);
                let (first, second) = if op.output_first {
                    (&op.output, &op.input)
                } else {
                    (&op.input, &op.output)
                };
                let (first_binding, second_binding) = match binding_op {
                    Some(o) if op.output_first => (o.output.as_ref(), o.input.as_ref()),
                    Some(o) => (o.input.as_ref(), o.output.as_ref()),
                    None => (None, None),
                };
                let rpc = binding_op.and_then(|o| o.style).unwrap_or(b.style) == Style::Rpc;
                let Some(first) = first else { continue };
                let first_action = first
                    .action
                    .clone()
                    .or_else(|| {
                        binding_op
                            .and_then(|o| o.soap_action.clone())
                            .filter(|a| !a.is_empty())
                    })
                    .unwrap_or_else(|| default(""));
                let skip = |reason: String| {
                    Diagnostic::warning_at(
                        format!(
                            "operation `{}` of {}: {reason}; the operation is not generated",
                            op.name, pt.name
                        ),
                        pt.location.clone(),
                    )
                };
                let body = |suffix: &str| Body {
                    rpc_wrapper: rpc.then(|| {
                        QName::new(
                            [first_binding, second_binding]
                                .into_iter()
                                .flatten()
                                .find_map(|b| b.namespace.clone())
                                .unwrap_or_default(),
                            format!("{}{suffix}", op.name),
                        )
                    }),
                };
                let input = match self.message_body(&first.message, first_binding, &body("")) {
                    Ok(e) => e,
                    Err(reason) => {
                        self.diagnostics.push(skip(reason));
                        continue;
                    }
                };
                let output = match second {
                    Some(m) => {
                        let action = m.action.clone().unwrap_or_else(|| default("Response"));
                        match self.message_body(&m.message, second_binding, &body("Response")) {
                            Ok(e) => Some((action, e)),
                            Err(reason) => {
                                self.diagnostics.push(skip(reason));
                                continue;
                            }
                        }
                    }
                    None => None,
                };
                let mut faults = Vec::new();
                for f in &op.faults {
                    let element = match self.message_body(&f.message, None, &Body::default()) {
                        Ok(e) => e,
                        Err(reason) => {
                            self.diagnostics.push(Diagnostic::warning_at(
                                format!(
                                    "operation `{}` of {}: fault `{}`: {reason}; it arrives as an untyped SOAP fault",
                                    op.name, pt.name, f.name
                                ),
                                pt.location.clone(),
                            ));
                            continue;
                        }
                    };
                    let action = f
                        .action
                        .clone()
                        .unwrap_or_else(|| default(&format!("{}Fault", f.name)));
                    let existing = svc
                        .faults
                        .iter()
                        .find(|d| d.element.name == element.name)
                        .map(|d| d.variant.clone());
                    let variant = match existing {
                        Some(v) => v,
                        None => {
                            let v = fault_idents.claim(camel(&element.name.local));
                            svc.faults.push(FaultDetail {
                                variant: v.clone(),
                                element,
                            });
                            v
                        }
                    };
                    faults.push((variant, action));
                }
                let op_ident = op_idents.claim(snake(&op.name));
                let mut headers = [None, None];
                for (slot, (binding, direction)) in headers
                    .iter_mut()
                    .zip([(first_binding, "Input"), (second_binding, "Output")])
                {
                    // Callbacks (output-first operations) carry no typed headers.
                    let Some(binding) =
                        binding.filter(|b| !b.headers.is_empty() && !op.output_first)
                    else {
                        continue;
                    };
                    if direction == "Output" && output.is_none() {
                        continue;
                    }
                    let set = self.header_set(binding);
                    if set.is_empty() {
                        continue;
                    }
                    let index = match svc
                        .header_sets
                        .iter()
                        .position(|h| same_headers(&h.headers, &set))
                    {
                        Some(i) => i,
                        None => {
                            svc.header_sets.push(HeaderSet {
                                ident: String::new(),
                                headers: set,
                            });
                            header_users.push(Vec::new());
                            svc.header_sets.len() - 1
                        }
                    };
                    header_users[index].push((camel(&op.name), direction));
                    *slot = Some(index);
                }
                let planned = Op {
                    ident: op_ident,
                    doc: op.documentation.clone(),
                    input_action: first_action,
                    input,
                    output,
                    faults,
                    input_headers: headers[0],
                    output_headers: headers[1],
                };
                let list = if op.output_first {
                    &mut svc.callbacks
                } else {
                    &mut svc.ops
                };
                // Requests are dispatched by action: a second operation with the same one
                // could never be called.
                if let Some(first) = list.iter().find(|o| o.input_action == planned.input_action) {
                    self.diagnostics.push(Diagnostic::warning_at(
                        format!(
                            "operation `{}` of {} has the action {:?} of operation `{}`; it is not generated",
                            op.name, pt.name, planned.input_action, first.ident
                        ),
                        pt.location.clone(),
                    ));
                    continue;
                }
                list.push(planned);
            }
            svc.ident = self.types.claim(svc.ident.clone());
            for (set, users) in svc.header_sets.iter_mut().zip(&header_users) {
                set.ident = self.types.claim(header_set_name(&svc.ident, users));
            }
            self.plan.services.push(svc);
        }
    }

    /// The body element of a message, or why the message cannot be generated. Document style:
    /// the single body part's element (parts bound as headers are not in the body). Rpc style:
    /// a wrapper element holding one member per part.
    fn message_body(
        &mut self,
        message: &QName,
        binding: Option<&BodyBinding>,
        body: &Body,
    ) -> Result<BodyElement, String> {
        let Some(m) = self.defs.messages.get(message).cloned() else {
            return Err(format!("message {message} is not defined"));
        };
        let in_body = |part: &&Part| match binding {
            Some(b) => match &b.parts {
                Some(parts) => parts.contains(&part.name),
                None => !b
                    .headers
                    .iter()
                    .any(|h| h.message == *message && h.part == part.name),
            },
            None => true,
        };
        if let Some(missing) = binding.and_then(|b| b.parts.as_ref()).and_then(|parts| {
            parts
                .iter()
                .find(|p| !m.parts.iter().any(|q| q.name == **p))
        }) {
            return Err(format!(
                "soap:body parts=\"{missing}\" names no part of message {message}"
            ));
        }
        let parts: Vec<&Part> = m.parts.iter().filter(in_body).collect();
        if let Some(wrapper) = &body.rpc_wrapper {
            return self.rpc_wrapper(wrapper, &parts);
        }
        match parts.as_slice() {
            [part] => match &part.element {
                Some(e) if self.defs.schema.elements.contains_key(e) => {
                    self.element(e).ok_or_else(|| format!("element {e} is not defined"))
                }
                Some(e) => Err(format!("message {message}: element {e} is not defined")),
                None => Err(format!(
                    "message {message}: part '{}' has a type, not an element, in a document-style binding",
                    part.name
                )),
            },
            [] => Err(format!("message {message} has no body part")),
            _ => self.parts_body(message, &parts),
        }
    }

    /// A document/literal body of several parts: a struct named after the message with one
    /// member per part's element, written and read without a wrapper.
    fn parts_body(&mut self, message: &QName, parts: &[&Part]) -> Result<BodyElement, String> {
        let ident = self.types.claim(camel(&message.local));
        let mut s = Struct {
            ident: ident.clone(),
            doc: Some(format!("The parts of message `{}`.", message.local)),
            fields: Vec::new(),
            any: false,
            value: None,
            parts: true,
        };
        let mut idents = Unique::default();
        for part in parts {
            let Some(e) = &part.element else {
                return Err(format!(
                    "message {message}: part '{}' has a type, not an element, in a document-style binding",
                    part.name
                ));
            };
            let Some(decl) = self.defs.schema.elements.get(e) else {
                return Err(format!("message {message}: element {e} is not defined"));
            };
            let element = LocalElement {
                name: e.clone(),
                type_ref: decl.type_ref.clone(),
                min: 1,
                max: Some(1),
                nillable: decl.nillable,
                reference: Some(e.clone()),
                documentation: decl.documentation.clone(),
            };
            let member = idents.claim(snake(&part.name));
            let field = self.element_field(&element, Occurs::One, &ident, member);
            s.fields.push(field);
        }
        self.plan.structs.push(s);
        Ok(BodyElement {
            name: message.clone(),
            ty: Ty::Named(ident),
            parts: true,
        })
    }

    /// An rpc/literal body: the wrapper element `wrapper` (the operation's name, or its name
    /// with `Response`), a struct with one member per part — unqualified elements named after
    /// `type=` parts, the element itself for `element=` parts.
    fn rpc_wrapper(&mut self, wrapper: &QName, parts: &[&Part]) -> Result<BodyElement, String> {
        let ident = self.types.claim(camel(&wrapper.local));
        let mut s = Struct {
            ident: ident.clone(),
            doc: None,
            fields: Vec::new(),
            any: false,
            value: None,
            parts: false,
        };
        let mut idents = Unique::default();
        for part in parts {
            let element = match (&part.element, &part.type_name) {
                (Some(e), _) => {
                    let Some(decl) = self.defs.schema.elements.get(e) else {
                        return Err(format!("part '{}': element {e} is not defined", part.name));
                    };
                    LocalElement {
                        name: e.clone(),
                        type_ref: decl.type_ref.clone(),
                        min: 1,
                        max: Some(1),
                        nillable: decl.nillable,
                        reference: Some(e.clone()),
                        documentation: decl.documentation.clone(),
                    }
                }
                (None, Some(t)) => LocalElement {
                    name: QName::new("", part.name.clone()),
                    type_ref: TypeRef::Named(t.clone()),
                    min: 1,
                    max: Some(1),
                    nillable: false,
                    reference: None,
                    documentation: None,
                },
                (None, None) => return Err(format!("part '{}' has no element or type", part.name)),
            };
            let member = idents.claim(snake(&part.name));
            let field = self.element_field(&element, Occurs::One, &ident, member);
            s.fields.push(field);
        }
        self.plan.structs.push(s);
        Ok(BodyElement {
            name: wrapper.clone(),
            ty: Ty::Named(ident),
            parts: false,
        })
    }

    /// The headers a binding declares for one message, each with its element.
    fn header_set(&mut self, binding: &BodyBinding) -> Vec<(String, BodyElement)> {
        let mut idents = Unique::default();
        let mut set = Vec::new();
        for h in &binding.headers {
            let element = self
                .defs
                .messages
                .get(&h.message)
                .and_then(|m| m.parts.iter().find(|p| p.name == h.part))
                .and_then(|p| p.element.clone());
            let Some(element) = element else {
                self.diagnostics.push(Diagnostic::warning(format!(
                    "header part '{}' of message {} is not an element part: it stays untyped",
                    h.part, h.message
                )));
                continue;
            };
            if let Some(planned) = self.element(&element) {
                set.push((idents.claim(snake(&h.part)), planned));
            }
        }
        set
    }
}

/// How a message's body is laid out.
#[derive(Default)]
struct Body {
    /// Rpc style: the wrapper element's name.
    rpc_wrapper: Option<QName>,
}

/// True when two header sets carry the same elements under the same member names.
fn same_headers(a: &[(String, BodyElement)], b: &[(String, BodyElement)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((m, e), (n, f))| m == n && e.name == f.name)
}

/// A header struct's name: after its operation when one message uses it, after the service
/// when several do.
fn header_set_name(service: &str, users: &[(String, &str)]) -> String {
    match users {
        [(op, direction)] => format!("{op}{direction}Headers"),
        _ if users.iter().all(|(_, d)| *d == users[0].1) => {
            format!("{service}{}Headers", users[0].1)
        }
        _ => format!("{service}Headers"),
    }
}

/// WCF's default action: `{namespace}/{portType}/{operation}{suffix}`.
fn default_action(ns: &str, port_type: &str, op: &str, suffix: &str) -> String {
    let sep = if ns.ends_with('/') { "" } else { "/" };
    format!("{ns}{sep}{port_type}/{op}{suffix}")
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
