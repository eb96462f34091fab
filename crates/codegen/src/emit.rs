//! Rust source for a [`Plan`]: types with their XML (de)serialization, and per service an async
//! trait, server dispatch, a typed client and, for duplex contracts, the callback side.

use std::fmt::Write as _;

use crate::plan::{
    BodyElement, Derived, Enum, Field, HeaderSet, Occurs, Op, Plan, Struct, Svc, Union,
};

/// `soapws::nbfs::XmlString::dynamic("…")`: a dictionary string, so binary session messages
/// carry it in the session table as WCF's do.
fn xs(s: &str) -> String {
    format!("soapws::nbfs::XmlString::dynamic({s:?})")
}

fn doc(out: &mut String, doc: &Option<String>) {
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
        emit_enum(&mut out, e);
    }
    for u in &plan.unions {
        emit_union(&mut out, u);
    }
    for s in &plan.structs {
        emit_struct(&mut out, s);
    }
    for d in &plan.derived {
        emit_derived(&mut out, d);
    }
    for svc in &plan.services {
        emit_service(&mut out, svc);
    }
    out
}

fn emit_enum(out: &mut String, e: &Enum) {
    doc(out, &e.doc);
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]\npub enum {} {{",
        e.ident
    );
    for (i, (v, text)) in e.variants.iter().enumerate() {
        let default = if i == 0 { "#[default]\n" } else { "" };
        let _ = writeln!(out, "/// `{text}`\n{default}{v},");
    }
    let _ = writeln!(out, "}}");
    let arms: String = e
        .variants
        .iter()
        .map(|(v, t)| format!("Self::{v} => {t:?},"))
        .collect();
    let parse: String = e
        .variants
        .iter()
        .map(|(v, t)| format!("{t:?} => Some(Self::{v}),"))
        .collect();
    let _ = writeln!(
        out,
        "impl {id} {{
            /// The XML text of the value.
            pub fn as_str(&self) -> &'static str {{ match self {{ {arms} }} }}
            /// The value with this XML text.
            pub fn from_xml(text: &str) -> ::core::option::Option<Self> {{ match text.trim() {{ {parse} _ => None }} }}
        }}
        impl soapws::rt::SimpleValue for {id} {{
            fn to_value(&self) -> soapws::rt::Value<'_> {{ soapws::rt::Value::Str(self.as_str()) }}
            fn from_value(v: &soapws::rt::Value<'_>) -> ::core::option::Option<Self> {{ Self::from_xml(&v.to_text()) }}
        }}
        impl soapws::rt::SerializeXml for {id} {{
            fn write_content(&self, w: &mut soapws::rt::Writer<'_>) -> ::core::result::Result<(), soapws::rt::EncodeError> {{
                w.value(&soapws::rt::Value::Str(self.as_str()))
            }}
        }}
        impl soapws::rt::DeserializeXml for {id} {{
            fn read_element<R: soapws::rt::XmlRead + ?Sized>(r: &mut R) -> ::core::result::Result<Self, soapws::rt::XmlError> {{
                soapws::rt::XmlReadExt::read_element_value(r, {id:?}, |v| Self::from_xml(&v.to_text()))
            }}
        }}",
        id = e.ident
    );
}

fn emit_union(out: &mut String, u: &Union) {
    doc(out, &u.doc);
    let id = &u.ident;
    let _ = writeln!(
        out,
        "/// A union: the first member type the text is valid for.\n#[derive(Debug, Clone, PartialEq)]\npub enum {id} {{"
    );
    let mut to = String::new();
    let mut from = String::new();
    for (variant, ty) in &u.variants {
        let path = ty.path();
        let _ = writeln!(out, "{variant}({path}),");
        let _ = writeln!(
            to,
            "Self::{variant}(x) => soapws::rt::SimpleValue::to_value(x),"
        );
        let _ = writeln!(
            from,
            "if let Some(x) = <{path} as soapws::rt::SimpleValue>::from_value(v) {{ return Some(Self::{variant}(x)); }}"
        );
    }
    let first = &u.variants[0].0;
    let _ = writeln!(
        out,
        "}}
        impl ::core::default::Default for {id} {{
            fn default() -> Self {{ Self::{first}(::core::default::Default::default()) }}
        }}
        impl soapws::rt::SimpleValue for {id} {{
            fn to_value(&self) -> soapws::rt::Value<'_> {{ match self {{ {to} }} }}
            fn from_value(v: &soapws::rt::Value<'_>) -> ::core::option::Option<Self> {{ {from} None }}
        }}
        impl soapws::rt::SerializeXml for {id} {{
            fn write_content(&self, w: &mut soapws::rt::Writer<'_>) -> ::core::result::Result<(), soapws::rt::EncodeError> {{
                w.value(&soapws::rt::SimpleValue::to_value(self))
            }}
        }}
        impl soapws::rt::DeserializeXml for {id} {{
            fn read_element<R: soapws::rt::XmlRead + ?Sized>(r: &mut R) -> ::core::result::Result<Self, soapws::rt::XmlError> {{
                soapws::rt::XmlReadExt::read_element_value(r, {id:?}, <Self as soapws::rt::SimpleValue>::from_value)
            }}
        }}"
    );
}

fn field_type(f: &Field) -> String {
    let t = f.ty.path();
    let t = if f.items.is_some() {
        format!("::std::vec::Vec<{t}>")
    } else {
        t
    };
    let t = if f.boxed {
        format!("::std::boxed::Box<{t}>")
    } else {
        t
    };
    match f.occurs {
        Occurs::One => t,
        Occurs::Optional => format!("::core::option::Option<{t}>"),
        Occurs::Many if f.items.is_some() => t,
        Occurs::Many => format!("::std::vec::Vec<{t}>"),
    }
}

fn ns_arg(ns: &str) -> String {
    format!("Some({})", xs(ns))
}

/// Statements writing field `f`'s value `v` (a reference) as its element(s).
fn write_one(f: &Field, v: &str) -> String {
    match &f.items {
        Some(item) => format!(
            "w.start_element(None, {name}, {ns})?; for x in {v}.iter() {{ soapws::rt::SerializeXml::write_element(x, w, {iname}, {ins})?; }} w.end_element()?;",
            name = xs(&f.name.local),
            ns = ns_arg(&f.name.ns),
            iname = xs(&item.local),
            ins = ns_arg(&item.ns)
        ),
        None => format!(
            "soapws::rt::SerializeXml::write_element({v}, w, {}, {})?;",
            xs(&f.name.local),
            ns_arg(&f.name.ns)
        ),
    }
}

/// An expression reading field `f`'s element (the reader is on it).
fn read_one(f: &Field) -> String {
    let read = match &f.items {
        Some(item) => format!(
            "{{ let mut items = ::std::vec::Vec::new(); soapws::rt::enter(r)?; \
             while let Some(i) = soapws::rt::next_child(r, &[({:?}, {:?})])? {{ \
             if i == 0 {{ items.push(soapws::rt::DeserializeXml::read_element(r)?); }} else {{ soapws::rt::XmlReadExt::skip(r)?; }} }} \
             r.advance()?; items }}",
            item.local, item.ns
        ),
        None => "soapws::rt::DeserializeXml::read_element(r)?".to_owned(),
    };
    if f.boxed {
        format!("::std::boxed::Box::new({read})")
    } else {
        read
    }
}

fn emit_struct(out: &mut String, s: &Struct) {
    doc(out, &s.doc);
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, PartialEq, Default)]\npub struct {} {{",
        s.ident
    );
    for f in &s.fields {
        doc(out, &f.doc);
        let _ = writeln!(out, "pub {}: {},", f.ident, field_type(f));
    }
    if let Some(v) = &s.value {
        let _ = writeln!(out, "/// The text content.\npub value: {},", v.path());
    }
    if s.any {
        let _ = writeln!(out, "/// Elements the schema leaves open (`xs:any`), kept as they came.\npub any: ::std::vec::Vec<soapws::rt::RawXml>,");
    }
    let _ = writeln!(out, "}}");

    // Serialization.
    let mut attrs = String::new();
    let mut content = String::new();
    for f in &s.fields {
        if f.attribute {
            let ns = if f.name.ns.is_empty() {
                "None".to_owned()
            } else {
                ns_arg(&f.name.ns)
            };
            let set = format!(
                "w.attribute(None, {}, {ns}, &soapws::rt::SimpleValue::to_value(v))?;",
                xs(&f.name.local)
            );
            let _ = match f.occurs {
                Occurs::One => writeln!(attrs, "{{ let v = &self.{}; {set} }}", f.ident),
                _ => writeln!(attrs, "if let Some(v) = &self.{} {{ {set} }}", f.ident),
            };
            continue;
        }
        if !f.choice.is_empty() {
            let _ = match f.occurs {
                Occurs::One => writeln!(content, "self.{}.write_xml(w)?;", f.ident),
                Occurs::Optional => writeln!(
                    content,
                    "if let Some(v) = &self.{} {{ v.write_xml(w)?; }}",
                    f.ident
                ),
                Occurs::Many => {
                    writeln!(content, "for v in &self.{} {{ v.write_xml(w)?; }}", f.ident)
                }
            };
            continue;
        }
        let deref = if f.boxed { "&**v" } else { "v" };
        let _ = match f.occurs {
            Occurs::One => writeln!(
                content,
                "{{ let v = &self.{}; {} }}",
                f.ident,
                write_one(f, deref)
            ),
            Occurs::Optional => {
                let none = if f.nil_when_none {
                    format!(
                        "soapws::rt::write_nil(w, {}, {})?;",
                        xs(&f.name.local),
                        ns_arg(&f.name.ns)
                    )
                } else {
                    String::new()
                };
                if none.is_empty() {
                    writeln!(
                        content,
                        "if let Some(v) = &self.{} {{ {} }}",
                        f.ident,
                        write_one(f, deref)
                    )
                } else {
                    writeln!(
                        content,
                        "match &self.{} {{ Some(v) => {{ {} }} None => {{ {none} }} }}",
                        f.ident,
                        write_one(f, deref)
                    )
                }
            }
            Occurs::Many if f.items.is_some() => writeln!(
                content,
                "{{ let v = &self.{}; {} }}",
                f.ident,
                write_one(f, "v")
            ),
            Occurs::Many => writeln!(
                content,
                "for v in &self.{} {{ {} }}",
                f.ident,
                write_one(f, "v")
            ),
        };
    }
    if s.value.is_some() {
        let _ = writeln!(
            content,
            "w.value(&soapws::rt::SimpleValue::to_value(&self.value))?;"
        );
    }
    if s.any {
        let _ = writeln!(content, "for x in &self.any {{ x.write(w)?; }}");
    }
    let _ = writeln!(
        out,
        "impl soapws::rt::SerializeXml for {id} {{
            fn write_attributes(&self, w: &mut soapws::rt::Writer<'_>) -> ::core::result::Result<(), soapws::rt::EncodeError> {{
                let _ = &w;
                {attrs}
                Ok(())
            }}
            fn write_content(&self, w: &mut soapws::rt::Writer<'_>) -> ::core::result::Result<(), soapws::rt::EncodeError> {{
                let _ = &w;
                {content}
                Ok(())
            }}
        }}",
        id = s.ident
    );

    // Deserialization.
    let mut read = String::new();
    for f in s.fields.iter().filter(|f| f.attribute) {
        let ns = &f.name.ns;
        let conv = format!(
            "soapws::rt::SimpleValue::from_value(&v).ok_or_else(|| soapws::rt::XmlError::InvalidValue {{ text: v.to_text(), kind: {:?} }})?",
            f.name.local
        );
        let assign = match f.occurs {
            Occurs::One => format!("out.{} = {conv};", f.ident),
            _ => format!("out.{} = Some({conv});", f.ident),
        };
        let _ = writeln!(read, "if let Some(v) = soapws::rt::XmlReadExt::attribute_value(r, {:?}, {ns:?}) {{ {assign} }}", f.name.local);
    }
    let elements: Vec<&Field> = s.fields.iter().filter(|f| !f.attribute).collect();
    if let Some(v) = &s.value {
        let _ = writeln!(
            read,
            "out.value = soapws::rt::XmlReadExt::read_element_value(r, \"value\", <{} as soapws::rt::SimpleValue>::from_value)?;",
            v.path()
        );
    } else {
        // The element names a child may have: (name, member, variant of a choice member).
        let mut names: Vec<String> = Vec::new();
        let mut arms = String::new();
        for (j, f) in elements.iter().enumerate() {
            if f.choice.is_empty() {
                let value = read_one(f);
                let body = match f.occurs {
                    Occurs::One => format!("out.{} = {value};", f.ident),
                    Occurs::Optional => format!(
                        "if !soapws::rt::skip_nil(r)? {{ out.{} = Some({value}); }}",
                        f.ident
                    ),
                    Occurs::Many if f.items.is_some() => format!(
                        "if !soapws::rt::skip_nil(r)? {{ out.{} = {value}; }}",
                        f.ident
                    ),
                    Occurs::Many => format!("out.{}.push({value});", f.ident),
                };
                let _ = writeln!(
                    arms,
                    "Some({}) => {{ {body} seen[{j}] = true; }}",
                    names.len()
                );
                names.push(format!("({:?}, {:?})", f.name.local, f.name.ns));
                continue;
            }
            for v in &f.choice {
                let _ = writeln!(
                    arms,
                    "Some({}) => {{ let x = {}; {} seen[{j}] = true; }}",
                    names.len(),
                    read_one(v),
                    read_variant(f, v, j)
                );
                names.push(format!("({:?}, {:?})", v.name.local, v.name.ns));
            }
        }
        let required: Vec<(usize, &Field)> = elements
            .iter()
            .enumerate()
            .filter(|(_, f)| f.occurs == Occurs::One)
            .map(|(i, f)| (i, *f))
            .collect();
        let _ = writeln!(
            read,
            "#[allow(unused_mut)] let mut seen = [false; {}];",
            elements.len().max(1)
        );
        if !s.parts {
            let _ = writeln!(read, "soapws::rt::enter(r)?;");
        }
        let other = if s.any {
            "out.any.push(soapws::rt::RawXml::read(r)?);"
        } else {
            "soapws::rt::XmlReadExt::skip(r)?;"
        };
        let _ = writeln!(
            read,
            "loop {{ match soapws::rt::{next}(r, &[{}])? {{ None => break, {arms} Some(_) => {{ {other} }} }} }}",
            names.join(", "),
            next = if s.parts { "next_part" } else { "next_child" }
        );
        if !s.parts {
            let _ = writeln!(read, "r.advance()?;");
        }
        for (i, f) in required {
            let _ = writeln!(
                read,
                "if !seen[{i}] {{ return Err(soapws::rt::missing({:?})); }}",
                member_name(f)
            );
        }
        let _ = writeln!(read, "let _ = seen;");
    }
    let _ = writeln!(
        out,
        "impl soapws::rt::DeserializeXml for {id} {{
            #[allow(clippy::field_reassign_with_default)]
            fn read_element<R: soapws::rt::XmlRead + ?Sized>(r: &mut R) -> ::core::result::Result<Self, soapws::rt::XmlError> {{
                #[allow(unused_mut)]
                let mut out = Self::default();
                {read}
                Ok(out)
            }}
        }}",
        id = s.ident
    );
    for f in s.fields.iter().filter(|f| !f.choice.is_empty()) {
        emit_choice(out, f);
    }
}

/// The enum of a base type and its derived types, told apart by `xsi:type`.
fn emit_derived(out: &mut String, d: &Derived) {
    let id = &d.ident;
    let _ = writeln!(
        out,
        "/// `{}` or a type derived from it, told apart by `xsi:type` (WCF's known types).\n#[derive(Debug, Clone, PartialEq)]\npub enum {id} {{",
        d.base.local
    );
    let mut write = String::new();
    let mut content = String::new();
    let mut read = String::new();
    for (variant, name, ty) in &d.variants {
        let _ = writeln!(
            out,
            "/// Type `{}`.\n{variant}(::std::boxed::Box<{}>),",
            name.local,
            ty.path()
        );
        let _ = if *name == d.base {
            writeln!(
                write,
                "Self::{variant}(v) => soapws::rt::SerializeXml::write_element(&**v, w, name, ns),"
            )
        } else {
            writeln!(
                write,
                "Self::{variant}(v) => soapws::rt::write_derived(w, &**v, name, ns, {:?}, {}),",
                name.local,
                xs(&name.ns)
            )
        };
        let _ = writeln!(
            content,
            "Self::{variant}(v) => soapws::rt::SerializeXml::write_content(&**v, w),"
        );
        let _ = writeln!(
            read,
            "Some(({:?}, {:?})) => Ok(Self::{variant}(::std::boxed::Box::new(soapws::rt::DeserializeXml::read_element(r)?))),",
            name.ns, name.local
        );
    }
    let fallback = match d.variants.iter().find(|(_, name, _)| *name == d.base) {
        Some((variant, _, _)) => format!(
            "_ => Ok(Self::{variant}(::std::boxed::Box::new(soapws::rt::DeserializeXml::read_element(r)?))),"
        ),
        None => format!(
            "_ => Err(soapws::rt::XmlError::Unexpected {{ expected: {:?}.to_owned(), found: format!(\"xsi:type {{:?}}\", ty) }}),",
            format!("an xsi:type derived from the abstract type {}", d.base.local)
        ),
    };
    let first = &d.variants[0].0;
    let _ = writeln!(
        out,
        "}}
        impl ::core::default::Default for {id} {{
            fn default() -> Self {{ Self::{first}(::core::default::Default::default()) }}
        }}
        impl soapws::rt::SerializeXml for {id} {{
            fn write_element(&self, w: &mut soapws::rt::Writer<'_>, name: soapws::nbfs::XmlString<'_>, ns: ::core::option::Option<soapws::nbfs::XmlString<'_>>) -> ::core::result::Result<(), soapws::rt::EncodeError> {{
                match self {{ {write} }}
            }}
            fn write_content(&self, w: &mut soapws::rt::Writer<'_>) -> ::core::result::Result<(), soapws::rt::EncodeError> {{
                match self {{ {content} }}
            }}
        }}
        impl soapws::rt::DeserializeXml for {id} {{
            fn read_element<R: soapws::rt::XmlRead + ?Sized>(r: &mut R) -> ::core::result::Result<Self, soapws::rt::XmlError> {{
                let ty = soapws::rt::xsi_type(r);
                match ty.as_ref().map(|(ns, local)| (ns.as_str(), local.as_str())) {{
                    {read}
                    {fallback}
                }}
            }}
        }}"
    );
}

/// How a required member is named in the error when it is missing: its element, or the
/// elements of its choice.
fn member_name(f: &Field) -> String {
    if f.choice.is_empty() {
        return f.name.local.clone();
    }
    let names: Vec<&str> = f.choice.iter().map(|v| v.name.local.as_str()).collect();
    names.join(" or ")
}

/// Statements storing `x`, read for variant `v` of choice member `f` (element member `j`):
/// a repeated variant gathers consecutive elements into one value.
fn read_variant(f: &Field, v: &Field, j: usize) -> String {
    let variant = format!("{}::{}", f.ty.path(), v.ident);
    let m = &f.ident;
    match (f.occurs, v.occurs == Occurs::Many) {
        (Occurs::One, false) => format!("out.{m} = {variant}(x);"),
        (Occurs::Optional, false) => format!("out.{m} = Some({variant}(x));"),
        (Occurs::Many, false) => format!("out.{m}.push({variant}(x));"),
        (Occurs::One, true) => format!(
            "match &mut out.{m} {{ {variant}(items) if seen[{j}] => items.push(x), _ => out.{m} = {variant}(vec![x]) }}"
        ),
        (Occurs::Optional, true) => format!(
            "match &mut out.{m} {{ Some({variant}(items)) => items.push(x), _ => out.{m} = Some({variant}(vec![x])) }}"
        ),
        (Occurs::Many, true) => format!(
            "match out.{m}.last_mut() {{ Some({variant}(items)) => items.push(x), _ => out.{m}.push({variant}(vec![x])) }}"
        ),
    }
}

/// The enum of a choice member, with the writer of the element its variant stands for.
fn emit_choice(out: &mut String, f: &Field) {
    let id = f.ty.path();
    let _ = writeln!(
        out,
        "/// One of: {}.\n#[derive(Debug, Clone, PartialEq)]\npub enum {id} {{",
        f.choice
            .iter()
            .map(|v| format!("`{}`", v.name.local))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut arms = String::new();
    for v in &f.choice {
        match &v.doc {
            Some(_) => doc(out, &v.doc),
            None => {
                let _ = writeln!(out, "/// Element `{}`.", v.name.local);
            }
        }
        let _ = writeln!(out, "{}({}),", v.ident, field_type(v));
        let deref = if v.boxed { "&**v" } else { "v" };
        let write = if v.occurs == Occurs::Many {
            format!("for v in v {{ {} }}", write_one(v, "v"))
        } else {
            write_one(v, deref)
        };
        let _ = writeln!(arms, "Self::{}(v) => {{ {write} }}", v.ident);
    }
    let first = &f.choice[0].ident;
    let _ = writeln!(
        out,
        "}}
        impl ::core::default::Default for {id} {{
            fn default() -> Self {{ Self::{first}(::core::default::Default::default()) }}
        }}
        impl {id} {{
            /// Writes the element this value stands for.
            pub fn write_xml(&self, w: &mut soapws::rt::Writer<'_>) -> ::core::result::Result<(), soapws::rt::EncodeError> {{
                match self {{ {arms} }}
                Ok(())
            }}
        }}"
    );
}

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

fn emit_service(out: &mut String, svc: &Svc) {
    let id = &svc.ident;
    let fault = format!("{id}Fault");
    let duplex = !svc.callbacks.is_empty();
    let callback = format!("{id}Callback");
    let callback_client = format!("{id}CallbackClient");

    // The fault enum.
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

    for set in &svc.header_sets {
        emit_header_set(out, set);
    }

    // The service trait.
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

    // Server dispatch.
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
    let understood: Vec<String> = svc
        .ops
        .iter()
        .filter_map(|op| op.input_headers)
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
    let _ = writeln!(
        out,
        "/// Serves a [`{id}`] implementation: add it to a `soapws::transport::Server` route.
        pub struct {id}Server<T: {id}>(pub ::std::sync::Arc<T>);
        impl<T: {id}> {id}Server<T> {{
            /// Serves `service`.
            pub fn new(service: T) -> Self {{ Self(::std::sync::Arc::new(service)) }}
        }}
        #[soapws::async_trait]
        impl<T: {id}> soapws::rt::Service for {id}Server<T> {{
            async fn call(&self, request: soapws::rt::Message, context: soapws::rt::RequestContext) -> ::core::result::Result<Option<soapws::rt::Message>, soapws::rt::ServiceError> {{
                let _ = &context;
                let action = request.headers.action.clone().unwrap_or_default();
                {dispatch}
            }}
            {understands}
        }}"
    );

    // The client.
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

    if duplex {
        emit_callbacks(out, svc, &callback, &callback_client);
    }
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
    let dispatch = dispatch(&arms);
    let _ = writeln!(
        out,
        "/// Handles the callbacks of `{id}` on the client side.
        pub struct {callback}Server<T: {callback}>(pub ::std::sync::Arc<T>);
        impl<T: {callback}> {callback}Server<T> {{
            /// Handles callbacks with `callbacks`.
            pub fn new(callbacks: T) -> Self {{ Self(::std::sync::Arc::new(callbacks)) }}
        }}
        #[soapws::async_trait]
        impl<T: {callback}> soapws::rt::Service for {callback}Server<T> {{
            async fn call(&self, request: soapws::rt::Message, _context: soapws::rt::RequestContext) -> ::core::result::Result<Option<soapws::rt::Message>, soapws::rt::ServiceError> {{
                let action = request.headers.action.clone().unwrap_or_default();
                {dispatch}
            }}
        }}
        /// Calls a connected client back, from a `{id}` operation.
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
