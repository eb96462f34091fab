//! Per service: the declared-fault enum, the typed header structs, the async trait, the server
//! dispatch, the typed client and, for duplex contracts, the callback trait, server and client.

use std::fmt::Write as _;

use super::{doc, ns_arg, xs};
use crate::plan::{BodyElement, HeaderSet, Op, Svc};

/// The `BodyShape` of a message body, as Rust source.
fn body_shape(e: &BodyElement) -> String {
    if e.parts {
        return "soapws::rt::BodyShape::Parts".to_owned();
    }
    format!(
        "soapws::rt::BodyShape::Element({:?}, {:?})",
        e.name.local, e.name.ns
    )
}

fn body_type(e: &BodyElement) -> String {
    e.ty.path()
}

fn message_expr(action: &str, value: &str, e: &BodyElement) -> String {
    if e.parts {
        return format!("soapws::rt::parts_message({action:?}, {value})");
    }
    format!(
        "soapws::rt::message({action:?}, {value}, {}, {})",
        xs(&e.name.local),
        ns_arg(&e.name.ns)
    )
}

/// Names of the items generated for a service.
struct Names {
    id: String,
    fault: String,
    duplex: bool,
    callback: String,
    callback_client: String,
}

/// Everything generated for one service.
pub(super) fn emit_service(out: &mut String, svc: &Svc) {
    let id = svc.ident.clone();
    let n = Names {
        fault: format!("{id}Fault"),
        duplex: !svc.callbacks.is_empty(),
        callback: format!("{id}Callback"),
        callback_client: format!("{id}CallbackClient"),
        id,
    };
    emit_fault_enum(out, svc, &n);
    for set in &svc.header_sets {
        emit_header_set(out, set);
    }
    emit_trait(out, svc, &n);
    emit_server(out, svc, &n);
    emit_client(out, svc, &n);
    if n.duplex {
        emit_callbacks(out, svc, &n.callback, &n.callback_client);
    }
}

/// The enum of the faults the service's operations declare, with its conversions.
fn emit_fault_enum(out: &mut String, svc: &Svc, n: &Names) {
    let (id, fault) = (&n.id, &n.fault);
    let _ = writeln!(out, "/// The faults operations of `{id}` declare.\n#[derive(Debug, Clone)]\npub enum {fault} {{");
    for d in &svc.faults {
        let _ = writeln!(
            out,
            "/// Detail element `{}`.\n{}({}),",
            d.element.name.local,
            d.variant,
            body_type(&d.element)
        );
    }
    let _ = writeln!(
        out,
        "/// Any other SOAP fault.\nSoap(soapws::rt::Fault),\n}}"
    );
    let mut to_fault = String::new();
    let mut from_fault = String::new();
    for d in &svc.faults {
        let _ = writeln!(
            to_fault,
            "{fault}::{v}(d) => soapws::rt::typed_fault(\"The service returned a fault.\", d, {}, {}),",
            xs(&d.element.name.local),
            ns_arg(&d.element.name.ns),
            v = d.variant
        );
        let _ = writeln!(
            from_fault,
            "for d in &fault.detail {{ if d.name() == Some(({:?}, {:?})) {{ if let Some(v) = soapws::rt::detail_as(d) {{ return Some({fault}::{}(v)); }} }} }}",
            d.element.name.ns, d.element.name.local, d.variant
        );
    }
    let _ = writeln!(
        out,
        "impl {fault} {{
            /// The SOAP fault to send.
            pub fn to_fault(&self) -> soapws::rt::Fault {{ match self {{ {to_fault} {fault}::Soap(f) => f.clone(), }} }}
            /// The declared fault a received fault is, if any.
            pub fn from_fault(fault: &soapws::rt::Fault) -> ::core::option::Option<Self> {{ let _ = fault; {from_fault} None }}
        }}
        impl ::core::convert::From<soapws::rt::Fault> for {fault} {{ fn from(f: soapws::rt::Fault) -> Self {{ {fault}::Soap(f) }} }}"
    );
}

/// The async trait a service implements.
fn emit_trait(out: &mut String, svc: &Svc, n: &Names) {
    let (id, fault, duplex, callback_client) = (&n.id, &n.fault, n.duplex, &n.callback_client);
    doc(out, &svc.doc);
    let _ = writeln!(
        out,
        "#[soapws::async_trait]\npub trait {id}: Send + Sync + 'static {{"
    );
    for op in &svc.ops {
        doc(out, &op.doc);
        let ret = return_type(svc, op);
        let cb = if duplex {
            format!(", callback: {callback_client}")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "async fn {}(&self, request: {}{}{cb}) -> ::core::result::Result<{ret}, {fault}>;",
            op.ident,
            body_type(&op.input),
            headers_param(svc, op)
        );
    }
    let _ = writeln!(out, "}}");
}

/// `XServer<T>`: dispatch by action to the trait's methods.
fn emit_server(out: &mut String, svc: &Svc, n: &Names) {
    let (id, fault, duplex, callback_client) = (&n.id, &n.fault, n.duplex, &n.callback_client);
    let mut arms = String::new();
    for op in &svc.ops {
        let cb = if duplex {
            format!(", {callback_client} {{ peer: context.peer.clone() }}")
        } else {
            String::new()
        };
        let fault_action = op.faults.first().map(|(_, a)| a.clone()).unwrap_or_else(|| {
            "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher/fault".to_owned()
        });
        let mut fault_actions = String::new();
        for (variant, action) in &op.faults {
            let _ = write!(
                fault_actions,
                "{fault}::{variant}(_) => {action:?}.to_owned(), "
            );
        }
        let action_of_fault = if fault_actions.is_empty() {
            format!("let action = {fault_action:?}.to_owned();")
        } else {
            format!("let action = match &e {{ {fault_actions} _ => {fault_action:?}.to_owned() }};")
        };
        let reply = reply_arm(op);
        let (read_headers, headers_arg) = match op.input_headers {
            Some(h) => (
                format!(
                    "let headers: {} = soapws::rt::MessageHeaders::read_headers(&request.headers).map_err(soapws::rt::bad_request)?;",
                    svc.header_sets[h].ident
                ),
                ", headers",
            ),
            None => (String::new(), ""),
        };
        let _ = writeln!(
            arms,
            "{action:?} => {{
                let input: {input} = soapws::rt::read_message_body(&request, {expected}).map_err(soapws::rt::bad_request)?;
                {read_headers}
                match self.0.{op}(input{headers_arg}{cb}).await {{
                    {reply}
                    Err(e) => {{
                        {action_of_fault}
                        Err(soapws::rt::ServiceError::Fault {{ fault: e.to_fault(), action }})
                    }}
                }}
            }}",
            action = op.input_action,
            input = body_type(&op.input),
            expected = body_shape(&op.input),
            op = op.ident
        );
    }
    let dispatch = dispatch(&arms);
    // Each header set once, however many operations share it.
    let input_sets: std::collections::BTreeSet<usize> =
        svc.ops.iter().filter_map(|op| op.input_headers).collect();
    let understood: Vec<String> = input_sets
        .into_iter()
        .map(|h| {
            format!(
                "<{} as soapws::rt::MessageHeaders>::NAMES",
                svc.header_sets[h].ident
            )
        })
        .collect();
    let understands = if understood.is_empty() {
        String::new()
    } else {
        format!(
            "fn understands(&self, namespace: &str, local_name: &str) -> bool {{
                [{}].iter().any(|names| names.iter().any(|&(l, n)| l == local_name && n == namespace))
            }}",
            understood.join(", ")
        )
    };
    emit_dispatcher(
        out,
        &format!(
            "Serves a [`{id}`] implementation: add it to a `soapws::transport::Server` route."
        ),
        id,
        ("service", "Serves `service`."),
        &dispatch,
        &understands,
    );
}

/// `{bound}Server<T: {bound}>`: an implementation of the trait `bound` served as a
/// `soapws::rt::Service` that dispatches by action with `dispatch`; `extra` adds methods to the
/// `Service` impl. `param` names `new`'s parameter and documents `new`.
fn emit_dispatcher(
    out: &mut String,
    doc: &str,
    bound: &str,
    param: (&str, &str),
    dispatch: &str,
    extra: &str,
) {
    let (param, new_doc) = param;
    let _ = writeln!(
        out,
        "/// {doc}
        pub struct {bound}Server<T: {bound}>(pub ::std::sync::Arc<T>);
        impl<T: {bound}> {bound}Server<T> {{
            /// {new_doc}
            pub fn new({param}: T) -> Self {{ Self(::std::sync::Arc::new({param})) }}
        }}
        #[soapws::async_trait]
        impl<T: {bound}> soapws::rt::Service for {bound}Server<T> {{
            async fn call(&self, request: soapws::rt::Message, context: soapws::rt::RequestContext) -> ::core::result::Result<Option<soapws::rt::Message>, soapws::rt::ServiceError> {{
                let _ = &context;
                let action = request.headers.action.clone().unwrap_or_default();
                {dispatch}
            }}
            {extra}
        }}"
    );
}

/// `XClient`: typed calls over a connection.
fn emit_client(out: &mut String, svc: &Svc, n: &Names) {
    let (id, fault, duplex, callback) = (&n.id, &n.fault, n.duplex, &n.callback);
    let mut methods = String::new();
    for op in &svc.ops {
        doc(&mut methods, &op.doc);
        let input = body_type(&op.input);
        let params = headers_param(svc, op);
        let add_headers = |msg: String, error: &str| match op.input_headers {
            Some(_) => format!("soapws::rt::with_headers({msg}, &headers).map_err({error})?"),
            None => msg,
        };
        match &op.output {
            Some(_) => {
                let receive = if op.output_headers.is_some() {
                    "reply_with_headers"
                } else {
                    "reply_or_fault"
                };
                let _ = writeln!(
                    methods,
                    "pub async fn {op}(&self, request: {input}{params}) -> ::core::result::Result<{out}, soapws::rt::ClientError<{fault}>> {{
                        let request = {msg};
                        let reply = self.client.call(request).await;
                        soapws::rt::{receive}(reply, {expected}, {fault}::from_fault)
                    }}",
                    op = op.ident,
                    out = return_type(svc, op),
                    expected = op.output.as_ref().map(|(_, e)| body_shape(e)).unwrap_or_default(),
                    msg = add_headers(
                        message_request(op),
                        "|e| soapws::rt::ClientError::Call(soapws::rt::unsendable(e))"
                    )
                );
            }
            None => {
                let _ = writeln!(
                    methods,
                    "pub async fn {op}(&self, request: {input}{params}) -> ::core::result::Result<(), soapws::rt::CallError> {{
                        let request = {msg};
                        self.client.send_one_way(request).await
                    }}",
                    op = op.ident,
                    msg = add_headers(
                        message_expr(&op.input_action, "request", &op.input),
                        "soapws::rt::unsendable"
                    )
                );
            }
        }
    }
    let address = svc.address.clone().unwrap_or_default();
    let connect_callbacks = if duplex {
        format!(
            "/// Connects to `url`; requests the service sends back are handled by `callbacks`.
            pub async fn connect_with_callbacks(url: &str, callbacks: impl {callback}) -> ::core::result::Result<Self, soapws::rt::ConnectError> {{
                let client = soapws::rt::Client::builder(url).encoding(soapws::rt::default_encoding({binary})).callbacks({callback}Server::new(callbacks)).connect().await?;
                Ok(Self {{ client }})
            }}",
            binary = svc.binary
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "/// A typed client of `{id}`.
        #[derive(Clone)]
        pub struct {id}Client {{ client: soapws::rt::Client }}
        impl {id}Client {{
            /// The address the WSDL gives (`{address}`).
            pub const ADDRESS: &'static str = {address:?};
            /// Connects to `url` with the binding's encoding ({enc}).
            pub async fn connect(url: &str) -> ::core::result::Result<Self, soapws::rt::ConnectError> {{
                let client = soapws::rt::Client::builder(url).encoding(soapws::rt::default_encoding({binary})).connect().await?;
                Ok(Self {{ client }})
            }}
            {connect_callbacks}
            /// A client over a connection you built (encoding, TLS, timeouts, callbacks).
            pub fn new(client: soapws::rt::Client) -> Self {{ Self {{ client }} }}
            /// The underlying connection.
            pub fn inner(&self) -> &soapws::rt::Client {{ &self.client }}
            {methods}
        }}",
        binary = svc.binary,
        enc = if svc.binary { "binary session" } else { "text" }
    );
}

fn message_request(op: &Op) -> String {
    format!(
        "{{ let mut m = {}; m.headers.message_id = Some(soapws::envelope::MessageId::new_random()); m.headers.reply_to = Some(soapws::envelope::EndpointAddress::anonymous()); m }}",
        message_expr(&op.input_action, "request", &op.input)
    )
}

fn emit_callbacks(out: &mut String, svc: &Svc, callback: &str, client: &str) {
    let id = &svc.ident;
    let _ = writeln!(out, "/// The callback contract of `{id}`: what the service calls on its clients.\n#[soapws::async_trait]\npub trait {callback}: Send + Sync + 'static {{");
    for op in &svc.callbacks {
        doc(out, &op.doc);
        let ret = return_type(svc, op);
        let _ = writeln!(
            out,
            "async fn {}(&self, request: {}) -> ::core::result::Result<{ret}, soapws::rt::Fault>;",
            op.ident,
            body_type(&op.input)
        );
    }
    let _ = writeln!(out, "}}");
    let mut arms = String::new();
    let mut methods = String::new();
    for op in &svc.callbacks {
        let reply = reply_arm(op);
        let _ = writeln!(
            arms,
            "{action:?} => {{
                let input: {input} = soapws::rt::read_message_body(&request, {expected}).map_err(soapws::rt::bad_request)?;
                match self.0.{op}(input).await {{
                    {reply}
                    Err(fault) => Err(soapws::rt::ServiceError::Fault {{ fault, action: \"http://www.w3.org/2005/08/addressing/fault\".to_owned() }}),
                }}
            }}",
            action = op.input_action,
            input = body_type(&op.input),
            expected = body_shape(&op.input),
            op = op.ident
        );
        let input = body_type(&op.input);
        let _ = match &op.output {
            Some((_, e)) => writeln!(
                methods,
                "/// Calls the client's `{op}` and waits for its reply.
                pub async fn {op}(&self, request: {input}) -> ::core::result::Result<{out}, soapws::rt::ClientError<soapws::rt::Fault>> {{
                    let reply = self.peer.call({msg}).await;
                    soapws::rt::reply_or_fault(reply, {expected}, |f| Some(f.clone()))
                }}",
                op = op.ident,
                out = body_type(e),
                expected = body_shape(e),
                msg = message_request(op)
            ),
            None => writeln!(
                methods,
                "/// Sends the client a one-way `{op}`.
                pub async fn {op}(&self, request: {input}) -> ::core::result::Result<(), soapws::rt::CallError> {{
                    self.peer.send_one_way({msg}).await
                }}",
                op = op.ident,
                msg = message_expr(&op.input_action, "request", &op.input)
            ),
        };
    }
    emit_dispatcher(
        out,
        &format!("Handles the callbacks of `{id}` on the client side."),
        callback,
        ("callbacks", "Handles callbacks with `callbacks`."),
        &dispatch(&arms),
        "",
    );
    let _ = writeln!(
        out,
        "/// Calls a connected client back, from a `{id}` operation.
        #[derive(Clone)]
        pub struct {client} {{ pub peer: soapws::rt::Peer }}
        impl {client} {{
            {methods}
        }}"
    );
}

/// Dispatch by action: the match of `arms`, or (no operations) the refusal alone.
fn dispatch(arms: &str) -> String {
    let refuse = "Err(soapws::rt::ServiceError::ActionNotSupported(action))";
    if arms.trim().is_empty() {
        refuse.to_owned()
    } else {
        format!("match action.as_str() {{ {arms} _ => {refuse}, }}")
    }
}

/// The Rust type an operation's method returns on success: its output body (with its typed
/// headers, if the binding declares some), or `()`.
fn return_type(svc: &Svc, op: &Op) -> String {
    match (&op.output, op.output_headers) {
        (Some((_, e)), Some(h)) => format!("({}, {})", body_type(e), svc.header_sets[h].ident),
        (Some((_, e)), None) => body_type(e),
        (None, _) => "()".to_owned(),
    }
}

/// The typed-headers parameter of an operation whose input has headers.
fn headers_param(svc: &Svc, op: &Op) -> String {
    match op.input_headers {
        Some(h) => format!(", headers: {}", svc.header_sets[h].ident),
        None => String::new(),
    }
}

/// The dispatch arm for an operation's successful result: its reply message (with its typed
/// headers), or none.
fn reply_arm(op: &Op) -> String {
    match (&op.output, op.output_headers) {
        (Some((action, e)), Some(_)) => format!(
            "Ok((v, headers)) => Ok(Some(soapws::rt::with_headers({}, &headers).map_err(soapws::rt::unwritable_reply)?)),",
            message_expr(action, "v", e)
        ),
        (Some((action, e)), None) => {
            format!("Ok(v) => Ok(Some({})),", message_expr(action, "v", e))
        }
        (None, _) => "Ok(()) => Ok(None),".to_owned(),
    }
}

/// A struct of typed SOAP headers: one optional member per header element.
fn emit_header_set(out: &mut String, set: &HeaderSet) {
    let _ = writeln!(
        out,
        "/// SOAP headers of a message (absent headers are `None`).\n#[derive(Debug, Clone, PartialEq, Default)]\npub struct {} {{",
        set.ident
    );
    let mut write = String::new();
    let mut read = String::new();
    let mut names = String::new();
    for (member, e) in &set.headers {
        let _ = writeln!(
            out,
            "/// Header `{}`.\npub {member}: ::core::option::Option<{}>,",
            e.name.local,
            body_type(e)
        );
        let _ = writeln!(
            write,
            "if let Some(v) = &self.{member} {{ soapws::rt::add_header(headers, v, {}, {})?; }}",
            xs(&e.name.local),
            ns_arg(&e.name.ns)
        );
        let _ = writeln!(
            read,
            "{member}: soapws::rt::header_value(headers, {:?}, {:?})?,",
            e.name.local, e.name.ns
        );
        let _ = write!(names, "({:?}, {:?}), ", e.name.local, e.name.ns);
    }
    let _ = writeln!(
        out,
        "}}
        impl soapws::rt::MessageHeaders for {id} {{
            const NAMES: &'static [(&'static str, &'static str)] = &[{names}];
            fn write_headers(&self, headers: &mut soapws::rt::Headers) -> ::core::result::Result<(), soapws::rt::EncodeError> {{
                {write}
                Ok(())
            }}
            fn read_headers(headers: &soapws::rt::Headers) -> ::core::result::Result<Self, soapws::rt::XmlError> {{
                Ok(Self {{ {read} }})
            }}
        }}",
        id = set.ident
    );
}
