//! Cross-reference checks, once everything is loaded: every message, portType and binding
//! referred to exists (an [`Severity::Error`](super::Severity::Error) diagnostic otherwise);
//! the schema components parts refer to, and the portType operations binding operations
//! name, exist (a warning otherwise).

use super::error::Diagnostic;
use super::ns::{WELL_KNOWN, XSD};
use crate::model::{Definitions, Location, QName};

/// What a reference refers to.
#[derive(Debug, Clone)]
pub(crate) enum RefKind {
    /// A `wsdl:message` (operation input/output/fault).
    Message,
    /// A part of a `wsdl:message` (`soap:header message= part=`).
    HeaderPart(String),
    /// A `wsdl:portType` (binding `type=`).
    PortType,
    /// A `wsdl:binding` (port `binding=`).
    Binding,
    /// A global element (part `element=`).
    Element,
    /// A type (part `type=`).
    Type,
}

/// References recorded while building.
#[derive(Debug, Default)]
pub(crate) struct Refs {
    items: Vec<(RefKind, QName, Location)>,
}

impl Refs {
    /// Records a reference.
    pub fn push(&mut self, kind: RefKind, name: QName, location: Location) {
        self.items.push((kind, name, location));
    }

    /// Reports every reference that does not resolve in `defs`.
    pub fn check(self, defs: &Definitions, diags: &mut Vec<Diagnostic>) {
        for (kind, name, location) in self.items {
            let diag = match &kind {
                RefKind::Message if !defs.messages.contains_key(&name) => {
                    Diagnostic::error_at(format!("unknown message {name}"), location)
                }
                RefKind::HeaderPart(part) => match defs.messages.get(&name) {
                    None => {
                        Diagnostic::error_at(format!("unknown header message {name}"), location)
                    }
                    Some(m) if !m.parts.iter().any(|p| &p.name == part) => Diagnostic::error_at(
                        format!("header message {name} has no part `{part}`"),
                        location,
                    ),
                    Some(_) => continue,
                },
                RefKind::PortType if !defs.port_types.iter().any(|p| p.name == name) => {
                    Diagnostic::error_at(format!("unknown portType {name}"), location)
                }
                RefKind::Binding if !defs.bindings.iter().any(|b| b.name == name) => {
                    Diagnostic::error_at(format!("unknown binding {name}"), location)
                }
                RefKind::Element
                    if !defs.schema.elements.contains_key(&name) && !well_known(&name) =>
                {
                    Diagnostic::warning_at(
                        format!("part refers to unknown element {name}"),
                        location,
                    )
                }
                RefKind::Type if !defs.schema.types.contains_key(&name) && !well_known(&name) => {
                    Diagnostic::warning_at(format!("part refers to unknown type {name}"), location)
                }
                _ => continue,
            };
            diags.push(diag);
        }
        for b in &defs.bindings {
            let Some(pt) = defs.port_types.iter().find(|p| p.name == b.port_type) else {
                continue;
            };
            for op in &b.operations {
                if !pt.operations.iter().any(|o| o.name == op.name) {
                    let msg = format!(
                        "binding {} has operation `{}`, which portType {} does not declare",
                        b.name, op.name, pt.name
                    );
                    diags.push(Diagnostic::warning_at(msg, b.location.clone()));
                }
            }
        }
    }
}

fn well_known(name: &QName) -> bool {
    name.ns == XSD || WELL_KNOWN.contains(&name.ns.as_str())
}
