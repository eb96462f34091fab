//! Schema types as Rust: enums of enumerations, unions, structs (with their choice enums) and
//! the enums of derived types, each with its `SerializeXml`/`DeserializeXml` impls.

use std::fmt::Write as _;

use super::{doc, ns_arg, xs};
use crate::plan::{Derived, Enum, Field, Occurs, Struct, Union};

pub(super) fn emit_enum(out: &mut String, e: &Enum) {
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
        }}",
        id = e.ident
    );
    simple_element_impls(out, &e.ident);
}

/// `SerializeXml` and `DeserializeXml` of a generated simple type, through its `SimpleValue`.
fn simple_element_impls(out: &mut String, id: &str) {
    let _ = writeln!(
        out,
        "impl soapws::rt::SerializeXml for {id} {{
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

/// `Default` for a generated enum whose variants hold values: the first, holding its default.
fn default_first_variant(out: &mut String, id: &str, first: &str) {
    let _ = writeln!(
        out,
        "impl ::core::default::Default for {id} {{
            fn default() -> Self {{ Self::{first}(::core::default::Default::default()) }}
        }}"
    );
}

pub(super) fn emit_union(out: &mut String, u: &Union) {
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
    let _ = writeln!(
        out,
        "}}
        impl soapws::rt::SimpleValue for {id} {{
            fn to_value(&self) -> soapws::rt::Value<'_> {{ match self {{ {to} }} }}
            fn from_value(v: &soapws::rt::Value<'_>) -> ::core::option::Option<Self> {{ {from} None }}
        }}"
    );
    default_first_variant(out, id, &u.variants[0].0);
    simple_element_impls(out, id);
}

pub(super) fn field_type(f: &Field) -> String {
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

/// Statements writing field `f`'s value `v` (a reference) as its element(s).
pub(super) fn write_one(f: &Field, v: &str) -> String {
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
pub(super) fn read_one(f: &Field) -> String {
    let read = match &f.items {
        Some(item) => format!(
            "{{ let mut items = ::std::vec::Vec::new(); soapws::rt::enter(r)?; \
             while let Some(i) = soapws::rt::next_child(r, &[({:?}, {:?})], &mut 0)? {{ \
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

/// A struct with its `SerializeXml` and `DeserializeXml` impls, then the enums of its choices.
pub(super) fn emit_struct(out: &mut String, s: &Struct) {
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
    if s.any_attributes {
        let _ = writeln!(out, "/// Attributes the schema leaves open (`xs:anyAttribute`), kept as they came.\npub any_attributes: ::std::vec::Vec<soapws::rt::AnyAttribute>,");
    }
    let _ = writeln!(out, "}}");
    write_serializer(out, s);
    write_deserializer(out, s);
    for f in s.fields.iter().filter(|f| !f.choice.is_empty()) {
        emit_choice(out, f);
    }
}

/// `SerializeXml` for struct `s`: attributes, then members in order.
fn write_serializer(out: &mut String, s: &Struct) {
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
    if s.any_attributes {
        let _ = writeln!(
            attrs,
            "soapws::rt::write_any_attributes(w, &self.any_attributes)?;"
        );
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
}

/// `DeserializeXml` for struct `s`: attributes, then members by name in any order (the
/// required ones checked at the end).
fn write_deserializer(out: &mut String, s: &Struct) {
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
    if s.any_attributes {
        let known: Vec<String> = s
            .fields
            .iter()
            .filter(|f| f.attribute)
            .map(|f| format!("({:?}, {:?})", f.name.local, f.name.ns))
            .collect();
        let _ = writeln!(
            read,
            "out.any_attributes = soapws::rt::read_any_attributes(r, &[{}]);",
            known.join(", ")
        );
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
            "let mut next_member = 0; loop {{ match soapws::rt::{next}(r, &[{}], &mut next_member)? {{ None => break, {arms} Some(_) => {{ {other} }} }} }}",
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
}

/// The enum of a base type and its derived types, told apart by `xsi:type`.
pub(super) fn emit_derived(out: &mut String, d: &Derived) {
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
    let _ = writeln!(out, "}}");
    default_first_variant(out, id, &d.variants[0].0);
    let _ = writeln!(
        out,
        "impl soapws::rt::SerializeXml for {id} {{
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
    let _ = writeln!(out, "}}");
    default_first_variant(out, &id, &f.choice[0].ident);
    let _ = writeln!(
        out,
        "impl {id} {{
            /// Writes the element this value stands for.
            pub fn write_xml(&self, w: &mut soapws::rt::Writer<'_>) -> ::core::result::Result<(), soapws::rt::EncodeError> {{
                match self {{ {arms} }}
                Ok(())
            }}
        }}"
    );
}
