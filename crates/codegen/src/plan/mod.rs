//! From the model to Rust shapes: which structs and enums to emit, their fields ([`types`]),
//! and the services ([`services`]). Only types reachable from the selected operations are
//! planned.

mod services;
mod types;

use std::collections::{HashMap, HashSet};

use crate::ident::Unique;
use crate::load::Diagnostic;
use crate::model::{Definitions, QName};

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
    /// Unknown attributes are kept in `any_attributes: Vec<AnyAttribute>` (`xs:anyAttribute`).
    pub(crate) any_attributes: bool,
    /// Text content of a simpleContent type, in `value`.
    pub(crate) value: Option<Ty>,
    /// The parts of a multi-part message: read from the body itself, not from an element.
    pub(crate) parts: bool,
}

impl Struct {
    /// A struct with no members yet.
    pub(crate) fn new(ident: String, doc: Option<String>) -> Self {
        Self {
            ident,
            doc,
            fields: Vec::new(),
            any: false,
            any_attributes: false,
            value: None,
            parts: false,
        }
    }
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
}
