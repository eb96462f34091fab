//! Phase two, WSDL 1.1: messages, portTypes, bindings (SOAP 1.1/1.2, MIME, WCF policies)
//! and services of every WSDL document reached. Cross-references are recorded as
//! [`Refs`] and checked once everything is built.

use std::collections::btree_map::Entry;

use super::check::{RefKind, Refs};
use super::collect::Sources;
use super::dom::El;
use super::error::{Diagnostic, Severity};
use super::ns::{MIME, SOAP11, SOAP12, WSA, WSAM, WSAW, WSDL};
use super::policy::Policies;
use crate::model::{
    Binding, BindingOperation, BodyBinding, Definitions, HeaderBinding, Message, Operation,
    OperationFault, OperationMessage, Part, Port, PortType, QName, Service, SoapVersion, Style,
};

/// Adds the WSDL components of every WSDL document to `defs`.
pub(crate) fn build_wsdl(
    sources: &Sources,
    defs: &mut Definitions,
    diags: &mut Vec<Diagnostic>,
    refs: &mut Refs,
) {
    let policies = Policies::index(sources);
    let mut b = Builder {
        diags,
        refs,
        policies,
    };
    for &doc in &sources.wsdls {
        let root = sources.docs[doc].root();
        let tns = root.attr("targetNamespace").unwrap_or("").to_owned();
        for child in root.children().filter(|c| c.ns() == WSDL) {
            let Some(name) = child.attr("name").map(str::trim) else {
                if matches!(
                    child.local(),
                    "message" | "portType" | "binding" | "service"
                ) {
                    b.warn(
                        format!("wsdl:{} without name skipped", child.local()),
                        child,
                    );
                }
                continue;
            };
            let q = QName::new(tns.clone(), name);
            match child.local() {
                "message" => {
                    let m = b.message(child, q.clone());
                    match defs.messages.entry(q) {
                        Entry::Vacant(v) => {
                            v.insert(m);
                        }
                        Entry::Occupied(o) => {
                            let msg =
                                format!("duplicate message {}; the first one is kept", o.key());
                            b.warn(msg, child);
                        }
                    }
                }
                "portType" => {
                    let pt = b.port_type(child, q);
                    defs.port_types.push(pt);
                }
                "binding" => {
                    if let Some(binding) = b.binding(child, q) {
                        defs.bindings.push(binding);
                    }
                }
                "service" => {
                    let s = b.service(child, q);
                    defs.services.push(s);
                }
                _ => {}
            }
        }
    }
}

struct Builder<'a, 'd> {
    diags: &'d mut Vec<Diagnostic>,
    refs: &'d mut Refs,
    policies: Policies<'a>,
}

fn documentation(el: El<'_>) -> Option<String> {
    let text = el.child(WSDL, "documentation")?.text();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn action(el: El<'_>) -> Option<String> {
    el.attr_ns(WSAW, "Action")
        .or_else(|| el.attr_ns(WSAM, "Action"))
        .or_else(|| el.attr_ns(WSA, "Action"))
        .map(|a| a.trim().to_owned())
}

/// A QName-valued attribute: `Ok(None)` when absent, `Err` for an undeclared prefix or an
/// empty local name (`message="tns:"`).
fn qname_attr(el: El<'_>, attr: &str) -> Result<Option<QName>, String> {
    let Some(value) = el.attr(attr) else {
        return Ok(None);
    };
    let q = el.resolve_qname(value)?;
    if q.local.is_empty() {
        return Err(format!("empty name in {attr}=\"{value}\""));
    }
    Ok(Some(q))
}

fn is_soap(el: El<'_>, local: &str) -> bool {
    el.local() == local && (el.ns() == SOAP11 || el.ns() == SOAP12)
}

impl<'a> Builder<'a, '_> {
    fn warn(&mut self, message: impl Into<String>, el: El<'_>) {
        self.diags
            .push(Diagnostic::warning_at(message, el.location()));
    }

    /// A required QName-valued attribute; a missing or unusable one is reported as
    /// "`what`: problem; skipped" with `severity`.
    fn qname_required(
        &mut self,
        el: El<'_>,
        attr: &str,
        what: &str,
        severity: Severity,
    ) -> Option<QName> {
        let problem = match qname_attr(el, attr) {
            Ok(Some(q)) => return Some(q),
            Ok(None) => format!("no {attr}="),
            Err(e) => e,
        };
        let d = Diagnostic {
            severity,
            message: format!("{what}: {problem}; skipped"),
            location: el.location(),
        };
        self.diags.push(d);
        None
    }

    /// An optional QName-valued attribute; an unusable one is reported as a warning.
    fn qname_optional(&mut self, el: El<'_>, attr: &str, what: &str) -> Option<QName> {
        match qname_attr(el, attr) {
            Ok(q) => q,
            Err(e) => {
                self.warn(format!("{what}: {e}; ignored"), el);
                None
            }
        }
    }

    fn reference(&mut self, kind: RefKind, name: &QName, el: El<'_>) {
        self.refs.push(kind, name.clone(), el.location());
    }

    fn message(&mut self, el: El<'_>, name: QName) -> Message {
        let mut parts = Vec::new();
        for p in el.children_named(WSDL, "part") {
            let Some(part_name) = p.attr("name") else {
                self.warn("wsdl:part without name skipped", p);
                continue;
            };
            let what = format!("part `{part_name}`");
            let element = self.qname_optional(p, "element", &what);
            let type_name = self.qname_optional(p, "type", &what);
            if let Some(e) = &element {
                self.reference(RefKind::Element, e, p);
            }
            if let Some(t) = &type_name {
                self.reference(RefKind::Type, t, p);
            }
            if element.is_none() && type_name.is_none() {
                self.warn(
                    format!("part `{part_name}` has neither element= nor type="),
                    p,
                );
            }
            parts.push(Part {
                name: part_name.trim().to_owned(),
                element,
                type_name,
            });
        }
        Message { name, parts }
    }

    fn port_type(&mut self, el: El<'_>, name: QName) -> PortType {
        let mut operations = Vec::new();
        for op in el.children_named(WSDL, "operation") {
            if let Some(o) = self.operation(op) {
                operations.push(o);
            }
        }
        PortType {
            name,
            documentation: documentation(el),
            operations,
            location: el.location(),
        }
    }

    fn operation(&mut self, op: El<'_>) -> Option<Operation> {
        let Some(name) = op.attr("name").map(str::trim) else {
            self.warn("wsdl:operation without name skipped", op);
            return None;
        };
        let mut input = None;
        let mut output = None;
        let mut output_first = false;
        let mut faults = Vec::new();
        for child in op.children().filter(|c| c.ns() == WSDL) {
            match child.local() {
                "input" | "output" => {
                    let what = format!("operation `{name}` (its {})", child.local());
                    let message = self.qname_required(child, "message", &what, Severity::Error)?;
                    self.reference(RefKind::Message, &message, child);
                    let m = OperationMessage {
                        message,
                        name: child.attr("name").map(|n| n.trim().to_owned()),
                        action: action(child),
                    };
                    if child.local() == "input" {
                        input = Some(m);
                    } else {
                        output_first = input.is_none();
                        output = Some(m);
                    }
                }
                "fault" => {
                    let Some(fname) = child.attr("name").map(str::trim) else {
                        self.warn(
                            format!("operation `{name}`: fault without name skipped"),
                            child,
                        );
                        continue;
                    };
                    let what = format!("operation `{name}` fault `{fname}`");
                    if let Some(message) =
                        self.qname_required(child, "message", &what, Severity::Warning)
                    {
                        self.reference(RefKind::Message, &message, child);
                        faults.push(OperationFault {
                            name: fname.to_owned(),
                            message,
                            action: action(child),
                        });
                    }
                }
                _ => {}
            }
        }
        if input.is_none() && output.is_none() {
            self.warn(
                format!("operation `{name}` has neither input nor output; skipped"),
                op,
            );
            return None;
        }
        Some(Operation {
            name: name.to_owned(),
            documentation: documentation(op),
            input,
            output,
            output_first,
            faults,
        })
    }

    fn binding(&mut self, el: El<'_>, name: QName) -> Option<Binding> {
        let port_type =
            self.qname_required(el, "type", &format!("binding {name}"), Severity::Error)?;
        self.reference(RefKind::PortType, &port_type, el);
        let soap_binding = el.children().find(|c| is_soap(*c, "binding"));
        let soap = soap_binding.map(|b| {
            if b.ns() == SOAP12 {
                SoapVersion::Soap12
            } else {
                SoapVersion::Soap11
            }
        });
        let style = match soap_binding.and_then(|b| b.attr("style")).map(str::trim) {
            Some("rpc") => Style::Rpc,
            _ => Style::Document,
        };
        let transport = soap_binding
            .and_then(|b| b.attr("transport"))
            .map(|t| t.trim().to_owned());
        let mut operations = Vec::new();
        for op in el.children_named(WSDL, "operation") {
            if let Some(o) = self.binding_operation(op) {
                operations.push(o);
            }
        }
        let assertions = self.policies.assertions(el, self.diags);
        Some(Binding {
            name,
            port_type,
            soap,
            transport,
            style,
            operations,
            binary_encoding: assertions.binary_encoding,
            transfer_mode: assertions.transfer_mode,
            location: el.location(),
        })
    }

    fn binding_operation(&mut self, op: El<'_>) -> Option<BindingOperation> {
        let Some(name) = op.attr("name").map(str::trim) else {
            self.warn("binding wsdl:operation without name skipped", op);
            return None;
        };
        let soap_op = op.children().find(|c| is_soap(*c, "operation"));
        let mut bo = BindingOperation {
            name: name.to_owned(),
            soap_action: soap_op
                .and_then(|o| o.attr("soapAction"))
                .map(|a| a.trim().to_owned()),
            style: match soap_op.and_then(|o| o.attr("style")).map(str::trim) {
                Some("rpc") => Some(Style::Rpc),
                Some("document") => Some(Style::Document),
                _ => None,
            },
            input: None,
            output: None,
            encoded: false,
            mime: false,
        };
        for child in op.children().filter(|c| c.ns() == WSDL) {
            match child.local() {
                "input" => bo.input = Some(self.body_binding(child, &mut bo.encoded, &mut bo.mime)),
                "output" => {
                    bo.output = Some(self.body_binding(child, &mut bo.encoded, &mut bo.mime))
                }
                "fault" => {
                    let encoded = child
                        .children()
                        .filter(|f| is_soap(*f, "fault"))
                        .any(|f| f.attr("use").map(str::trim) == Some("encoded"));
                    bo.encoded |= encoded;
                }
                _ => {}
            }
        }
        Some(bo)
    }

    /// `soap:body` and `soap:header`s of a binding input/output (also inside MIME parts).
    fn body_binding(&mut self, io: El<'_>, encoded: &mut bool, mime: &mut bool) -> BodyBinding {
        let mut bb = BodyBinding::default();
        self.body_binding_into(io, &mut bb, encoded, mime);
        bb
    }

    fn body_binding_into(
        &mut self,
        el: El<'_>,
        bb: &mut BodyBinding,
        encoded: &mut bool,
        mime: &mut bool,
    ) {
        for child in el.children() {
            if is_soap(child, "body") {
                if let Some(parts) = child.attr("parts") {
                    bb.parts = Some(parts.split_whitespace().map(str::to_owned).collect());
                }
                if let Some(ns) = child.attr("namespace") {
                    bb.namespace = Some(ns.trim().to_owned());
                }
                *encoded |= child.attr("use").map(str::trim) == Some("encoded");
            } else if is_soap(child, "header") {
                *encoded |= child.attr("use").map(str::trim) == Some("encoded");
                let Some(part) = child.attr("part").map(|p| p.trim().to_owned()) else {
                    self.warn("soap:header without part skipped", child);
                    continue;
                };
                if let Some(message) =
                    self.qname_required(child, "message", "soap:header", Severity::Warning)
                {
                    self.reference(RefKind::HeaderPart(part.clone()), &message, child);
                    bb.headers.push(HeaderBinding { message, part });
                }
            } else if child.ns() == MIME {
                *mime = true;
                if child.local() == "multipartRelated" {
                    for part in child.children_named(MIME, "part") {
                        self.body_binding_into(part, bb, encoded, mime);
                    }
                }
            }
        }
    }

    fn service(&mut self, el: El<'_>, name: QName) -> Service {
        let mut ports = Vec::new();
        for p in el.children_named(WSDL, "port") {
            let Some(port_name) = p.attr("name") else {
                self.warn("wsdl:port without name skipped", p);
                continue;
            };
            let what = format!("port `{port_name}`");
            let Some(binding) = self.qname_required(p, "binding", &what, Severity::Error) else {
                continue;
            };
            self.reference(RefKind::Binding, &binding, p);
            let address = p
                .children()
                .find(|c| is_soap(*c, "address"))
                .and_then(|a| a.attr("location"))
                .map(|l| l.trim().to_owned());
            ports.push(Port {
                name: port_name.trim().to_owned(),
                binding,
                address,
            });
        }
        Service { name, ports }
    }
}
