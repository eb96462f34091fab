//! Rust source for a [`Plan`]: types with their XML (de)serialization ([`types`]), and per
//! service an async trait, server dispatch, a typed client and, for duplex contracts, the
//! callback side ([`service`]).

mod service;
mod types;

use std::fmt::Write as _;

use crate::plan::Plan;

/// `soapws::nbfs::XmlString::dynamic("…")`: a dictionary string, so binary session messages
/// carry it in the session table as WCF's do. Made in a `const` block, so that what the writer
/// asks of a name (is it made of letters only?) is known when the code is compiled.
pub(crate) fn xs(s: &str) -> String {
    format!("const {{ soapws::nbfs::XmlString::dynamic({s:?}) }}")
}

pub(crate) fn doc(out: &mut String, doc: &Option<String>) {
    if let Some(d) = doc {
        for line in d.lines() {
            let _ = writeln!(out, "/// {}", line.trim());
        }
    }
}

/// The source of the whole plan.
pub(crate) fn emit(plan: &Plan) -> String {
    let mut out = String::new();
    for e in &plan.enums {
        types::emit_enum(&mut out, e);
    }
    for u in &plan.unions {
        types::emit_union(&mut out, u);
    }
    for s in &plan.structs {
        types::emit_struct(&mut out, s);
    }
    for d in &plan.derived {
        types::emit_derived(&mut out, d);
    }
    for svc in &plan.services {
        service::emit_service(&mut out, svc);
    }
    out
}

pub(crate) fn ns_arg(ns: &str) -> String {
    format!("Some({})", xs(ns))
}
