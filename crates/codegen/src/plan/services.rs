//! Services: per usable SOAP binding, the operations with their bodies (document, rpc,
//! multi-part), actions, typed headers and declared faults.

use std::collections::BTreeMap;

use super::{BodyElement, FaultDetail, HeaderSet, Occurs, Op, Planner, Struct, Svc, Ty};
use crate::ident::{camel, snake, Unique};
use crate::load::Diagnostic;
use crate::model::{
    Binding, BodyBinding, LocalElement, Operation, Part, PortType, QName, Style, TypeRef,
};

impl<'d> Planner<'d> {
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
            let svc = self.service(b, pt);
            self.plan.services.push(svc);
        }
    }

    /// The service of portType `pt` as binding `b` binds it.
    fn service(&mut self, b: &Binding, pt: &PortType) -> Svc {
        let address = self
            .defs
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
        let mut names = ServiceNames::default();
        names.faults.claim("Soap".into());
        for op in &pt.operations {
            let Some(planned) = self.operation(&mut svc, &mut names, b, pt, op) else {
                continue;
            };
            let list = if op.output_first {
                &mut svc.callbacks
            } else {
                &mut svc.ops
            };
            // Requests are dispatched by action: a second operation with the same one could
            // never be called.
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
        for (set, users) in svc.header_sets.iter_mut().zip(&names.header_users) {
            set.ident = self.types.claim(header_set_name(&svc.ident, users));
        }
        svc
    }

    /// Operation `op` of `pt`, or `None` (with a located warning) when its messages cannot be
    /// generated. Output-first operations are callbacks: their first message is the output.
    fn operation(
        &mut self,
        svc: &mut Svc,
        names: &mut ServiceNames,
        b: &Binding,
        pt: &PortType,
        op: &Operation,
    ) -> Option<Op> {
        let binding_op = b.operations.iter().find(|o| o.name == op.name);
        let default = |suffix: &str| default_action(&pt.name.ns, &pt.name.local, &op.name, suffix);
        let (first, second) = if op.output_first {
            (op.output.as_ref()?, op.input.as_ref())
        } else {
            (op.input.as_ref()?, op.output.as_ref())
        };
        let (first_binding, second_binding) = match binding_op {
            Some(o) if op.output_first => (o.output.as_ref(), o.input.as_ref()),
            Some(o) => (o.input.as_ref(), o.output.as_ref()),
            None => (None, None),
        };
        let first_action = first
            .action
            .clone()
            .or_else(|| {
                binding_op
                    .and_then(|o| o.soap_action.clone())
                    .filter(|a| !a.is_empty())
            })
            .unwrap_or_else(|| default(""));
        let rpc = binding_op.and_then(|o| o.style).unwrap_or(b.style) == Style::Rpc;
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
        let planned = self
            .message_body(&first.message, first_binding, &body(""))
            .and_then(|input| {
                let output = match second {
                    Some(m) => {
                        let action = m.action.clone().unwrap_or_else(|| default("Response"));
                        let e = self.message_body(&m.message, second_binding, &body("Response"))?;
                        Some((action, e))
                    }
                    None => None,
                };
                Ok((input, output))
            });
        let (input, output) = match planned {
            Ok(planned) => planned,
            Err(reason) => {
                self.diagnostics.push(Diagnostic::warning_at(
                    format!(
                        "operation `{}` of {}: {reason}; the operation is not generated",
                        op.name, pt.name
                    ),
                    pt.location.clone(),
                ));
                return None;
            }
        };
        let faults = self.declared_faults(svc, names, pt, op, &default);
        let mut headers = [None, None];
        // Callbacks (output-first operations) carry no typed headers.
        if !op.output_first {
            headers[0] = self.op_headers(svc, names, first_binding, &op.name, "Input");
            if output.is_some() {
                headers[1] = self.op_headers(svc, names, second_binding, &op.name, "Output");
            }
        }
        Some(Op {
            ident: names.ops.claim(snake(&op.name)),
            doc: op.documentation.clone(),
            input_action: first_action,
            input,
            output,
            faults,
            input_headers: headers[0],
            output_headers: headers[1],
        })
    }

    /// The declared faults of `op`: (variant of the service's fault enum, action). A fault
    /// whose detail cannot be generated arrives as an untyped SOAP fault (with a warning).
    fn declared_faults(
        &mut self,
        svc: &mut Svc,
        names: &mut ServiceNames,
        pt: &PortType,
        op: &Operation,
        default: &dyn Fn(&str) -> String,
    ) -> Vec<(String, String)> {
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
                    let v = names.faults.claim(camel(&element.name.local));
                    svc.faults.push(FaultDetail {
                        variant: v.clone(),
                        element,
                    });
                    v
                }
            };
            faults.push((variant, action));
        }
        faults
    }

    /// The typed headers `binding` declares for one message of operation `op` (`direction`:
    /// `Input` or `Output`): an index into the service's header sets, shared by operations
    /// with the same headers.
    fn op_headers(
        &mut self,
        svc: &mut Svc,
        names: &mut ServiceNames,
        binding: Option<&BodyBinding>,
        op: &str,
        direction: &'static str,
    ) -> Option<usize> {
        let binding = binding.filter(|b| !b.headers.is_empty())?;
        let set = self.header_set(binding);
        if set.is_empty() {
            return None;
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
                names.header_users.push(Vec::new());
                svc.header_sets.len() - 1
            }
        };
        names.header_users[index].push((camel(op), direction));
        Some(index)
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
        let mut members = Vec::new();
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
            members.push((part.name.as_str(), decl.as_member()));
        }
        let doc = format!("The parts of message `{}`.", message.local);
        let mut s = Struct::new(self.types.claim(camel(&message.local)), Some(doc));
        s.parts = true;
        Ok(BodyElement {
            name: message.clone(),
            ty: self.struct_of_parts(s, &members),
            parts: true,
        })
    }

    /// An rpc/literal body: the wrapper element `wrapper` (the operation's name, or its name
    /// with `Response`), a struct with one member per part — unqualified elements named after
    /// `type=` parts, the element itself for `element=` parts.
    fn rpc_wrapper(&mut self, wrapper: &QName, parts: &[&Part]) -> Result<BodyElement, String> {
        let mut members = Vec::new();
        for part in parts {
            let element = match (&part.element, &part.type_name) {
                (Some(e), _) => match self.defs.schema.elements.get(e) {
                    Some(decl) => decl.as_member(),
                    None => {
                        return Err(format!("part '{}': element {e} is not defined", part.name))
                    }
                },
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
            members.push((part.name.as_str(), element));
        }
        let s = Struct::new(self.types.claim(camel(&wrapper.local)), None);
        Ok(BodyElement {
            name: wrapper.clone(),
            ty: self.struct_of_parts(s, &members),
            parts: false,
        })
    }

    /// Plans struct `s` with one member per `(part name, element)` and returns its type.
    fn struct_of_parts(&mut self, mut s: Struct, members: &[(&str, LocalElement)]) -> Ty {
        let mut idents = Unique::default();
        for (part, element) in members {
            let member = idents.claim(snake(part));
            let field = self.element_field(element, Occurs::One, &s.ident, member);
            s.fields.push(field);
        }
        let ty = Ty::Named(s.ident.clone());
        self.plan.structs.push(s);
        ty
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

/// Names handed out within one service.
#[derive(Default)]
struct ServiceNames {
    /// Operation methods.
    ops: Unique,
    /// Variants of the fault enum.
    faults: Unique,
    /// Per header set, the operations and directions that use it (for its name).
    header_users: Vec<Vec<(String, &'static str)>>,
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
fn header_set_name(service: &str, users: &[(String, &'static str)]) -> String {
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
