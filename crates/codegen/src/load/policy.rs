//! WS-Policy attachment of bindings, for the WCF assertions the generator needs:
//! `msb:BinaryEncoding` and the `msf:Streamed*` transfer modes. Policies are found by id
//! (`wsu:Id`, `Id`, `xml:id`) and referenced with `wsp:PolicyReference URI="#id"`,
//! `wsp:PolicyURIs` or inline; nested references are followed.

use std::collections::HashMap;

use super::collect::Sources;
use super::dom::El;
use super::error::Diagnostic;
use super::ns::{MSB, MSF, WSDL, WSP, WSU, XML};

/// True for `{wsp}local` in either WS-Policy namespace.
pub(crate) fn is_wsp(el: El<'_>, local: &str) -> bool {
    el.local() == local && WSP.contains(&el.ns())
}

/// `wsp:Policy` elements by id (`wsu:Id`, `Id` or `xml:id`).
pub(crate) struct Policies<'a> {
    by_id: HashMap<&'a str, Vec<El<'a>>>,
}

impl<'a> Policies<'a> {
    /// Indexes the policies of every WSDL document.
    pub fn index(sources: &'a Sources) -> Self {
        let mut by_id: HashMap<&'a str, Vec<El<'a>>> = HashMap::new();
        for &doc in &sources.wsdls {
            let root = sources.docs[doc].root();
            // Policies live at the top level or inside bindings/ports, never in schemas.
            let mut stack: Vec<El<'a>> = root.children().filter(|c| !c.is(WSDL, "types")).collect();
            while let Some(e) = stack.pop() {
                if is_wsp(e, "Policy") {
                    let id = e
                        .attr_ns(WSU, "Id")
                        .or_else(|| e.attr("Id"))
                        .or_else(|| e.attr_ns(XML, "id"));
                    if let Some(id) = id {
                        by_id.entry(id.trim()).or_default().push(e);
                    }
                }
                stack.extend(e.children());
            }
        }
        Self { by_id }
    }

    /// The policy a `URI` refers to (`#id` or `…#id`), preferring the referrer's document.
    fn get(&self, uri: &str, from: El<'_>) -> Option<El<'a>> {
        let id = uri.trim().rsplit_once('#').map_or(uri.trim(), |(_, id)| id);
        let candidates = self.by_id.get(id)?;
        candidates
            .iter()
            .find(|p| std::ptr::eq(p.doc(), from.doc()))
            .or_else(|| candidates.first())
            .copied()
    }

    /// WCF policy assertions that apply to a binding (`wsp:PolicyReference`, inline
    /// `wsp:Policy`, `wsp:PolicyURIs`).
    pub fn assertions(&self, binding: El<'_>, diags: &mut Vec<Diagnostic>) -> Assertions {
        let mut policies = Vec::new();
        for child in binding.children() {
            if is_wsp(child, "Policy") {
                policies.push(child);
            } else if is_wsp(child, "PolicyReference") {
                match child.attr("URI").and_then(|u| self.get(u, child)) {
                    Some(p) => policies.push(p),
                    None => {
                        let uri = child.attr("URI").unwrap_or("");
                        let msg = format!("policy reference `{uri}` not found");
                        diags.push(Diagnostic::warning_at(msg, child.location()));
                    }
                }
            }
        }
        for ns in WSP {
            for uri in binding
                .attr_ns(ns, "PolicyURIs")
                .unwrap_or("")
                .split_whitespace()
            {
                match self.get(uri, binding) {
                    Some(p) => policies.push(p),
                    None => {
                        let msg = format!("policy reference `{uri}` not found");
                        diags.push(Diagnostic::warning_at(msg, binding.location()));
                    }
                }
            }
        }
        let mut a = Assertions::default();
        for p in policies {
            self.scan_policy(p, &mut a, 0);
        }
        a
    }

    fn scan_policy(&self, policy: El<'_>, a: &mut Assertions, depth: u32) {
        for e in policy.descendants() {
            if e.is(MSB, "BinaryEncoding") {
                a.binary_encoding = true;
            } else if e.ns() == MSF
                && matches!(
                    e.local(),
                    "Streamed" | "StreamedRequest" | "StreamedResponse"
                )
            {
                a.transfer_mode = Some(e.local().to_owned());
            } else if is_wsp(e, "PolicyReference") && depth < 8 {
                if let Some(p) = e.attr("URI").and_then(|u| self.get(u, e)) {
                    self.scan_policy(p, a, depth + 1);
                }
            }
        }
    }
}

/// What the WCF policy assertions of a binding say.
#[derive(Default)]
pub(crate) struct Assertions {
    /// `msb:BinaryEncoding`.
    pub binary_encoding: bool,
    /// `msf:Streamed` (or `StreamedRequest`/`StreamedResponse`).
    pub transfer_mode: Option<String>,
}
