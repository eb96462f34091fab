//! From the model to Rust shapes: which structs and enums to emit, their fields, and the
//! services. Only types reachable from the selected operations are planned.

use std::collections::{BTreeMap, HashMap};

use crate::ident::{camel, snake, Unique};
use crate::load::Diagnostic;
use crate::model::{
    ComplexType, Compositor, Definitions, Particle, ParticleItem, QName, SimpleKind, TypeDef,
    TypeRef,
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
}

impl Ty {
    pub(crate) fn path(&self) -> String {
        match self {
            Ty::Builtin(p) => (*p).to_owned(),
            Ty::Named(n) => n.clone(),
            Ty::Raw => "soapws::rt::RawXml".to_owned(),
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
}

/// An enum (of an enumeration simple type) to emit.
#[derive(Debug, Clone)]
pub(crate) struct Enum {
    pub(crate) ident: String,
    pub(crate) doc: Option<String>,
    /// (variant, XML text)
    pub(crate) variants: Vec<(String, String)>,
}

/// A message body element.
#[derive(Debug, Clone)]
pub(crate) struct BodyElement {
    pub(crate) name: QName,
    pub(crate) ty: Ty,
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
    pub(crate) binary: bool,
    pub(crate) address: Option<String>,
}

/// Everything to emit.
#[derive(Default)]
pub(crate) struct Plan {
    pub(crate) structs: Vec<Struct>,
    pub(crate) enums: Vec<Enum>,
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
                // Lists and unions are kept as their text.
                SimpleKind::List { .. } | SimpleKind::Union { .. } => {
                    Ty::Builtin("::std::string::String")
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

    fn complex(&mut self, c: &ComplexType, ident: &str, doc: Option<String>) -> Struct {
        let mut s = Struct {
            ident: ident.to_owned(),
            doc: c.documentation.clone().or(doc),
            fields: Vec::new(),
            any: false,
            value: None,
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
        for item in &p.items {
            match item {
                ParticleItem::Element(e) => {
                    let mut occ = combine(occurs_here, occurs(e.min, e.max));
                    if p.kind == Compositor::Choice && occ == Occurs::One {
                        occ = Occurs::Optional;
                    }
                    let context = format!("{owner}{}", camel(&e.name.local));
                    let ty = self.type_ref(&e.type_ref, &context, e.documentation.clone());
                    let items = self.array_items(&e.type_ref);
                    let boxed = matches!(&e.type_ref, TypeRef::Named(q) if self.stack.contains(q))
                        && occ != Occurs::Many;
                    let (ty, items) = match items {
                        Some((item_name, item_ty)) => (item_ty, Some(item_name)),
                        None => (ty, None),
                    };
                    s.fields.push(Field {
                        ident: idents.claim(snake(&e.name.local)),
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
                    });
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
            if b.style == crate::model::Style::Rpc
                || b.operations
                    .iter()
                    .any(|o| o.style == Some(crate::model::Style::Rpc))
            {
                self.diagnostics.push(Diagnostic::warning(format!(
                    "binding {} is rpc style: not supported yet, skipped",
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
                binary: b.binary_encoding,
                address,
            };
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
                let input = match self.message_element(&first.message) {
                    Ok(e) => e,
                    Err(reason) => {
                        self.diagnostics.push(skip(reason));
                        continue;
                    }
                };
                let output = match second {
                    Some(m) => {
                        let action = m.action.clone().unwrap_or_else(|| default("Response"));
                        match self.message_element(&m.message) {
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
                    let element = match self.message_element(&f.message) {
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
                let planned = Op {
                    ident: op_idents.claim(snake(&op.name)),
                    doc: op.documentation.clone(),
                    input_action: first_action,
                    input,
                    output,
                    faults,
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
            self.plan.services.push(svc);
        }
    }

    /// The body element of a document/literal message (its single part's element), or why
    /// the message cannot be generated.
    fn message_element(&mut self, message: &QName) -> Result<BodyElement, String> {
        let Some(m) = self.defs.messages.get(message).cloned() else {
            return Err(format!("message {message} is not defined"));
        };
        match m.parts.as_slice() {
            [part] => match &part.element {
                Some(e) if self.defs.schema.elements.contains_key(e) => {
                    self.element(e).ok_or_else(|| format!("element {e} is not defined"))
                }
                Some(e) => Err(format!("message {message}: element {e} is not defined")),
                None => Err(format!(
                    "message {message}: part '{}' has a type, not an element (rpc style)",
                    part.name
                )),
            },
            [] => Err(format!("message {message} has no part")),
            _ => Err(format!(
                "message {message} has several body parts: only document/literal wrapped (one part) is supported"
            )),
        }
    }
}

/// WCF's default action: `{namespace}/{portType}/{operation}{suffix}`.
fn default_action(ns: &str, port_type: &str, op: &str, suffix: &str) -> String {
    let sep = if ns.ends_with('/') { "" } else { "/" };
    format!("{ns}{sep}{port_type}/{op}{suffix}")
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
