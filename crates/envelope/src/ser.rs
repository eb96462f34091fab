//! Typed values to and from XML, for generated code: [`SerializeXml`] and [`DeserializeXml`],
//! implemented here for the XML Schema built-in types and by generated code for contract types.
//!
//! Generated structs write and read their members through these traits; members that repeat or
//! may be absent are handled by the generated code (loops, `Option`), not by impls on
//! `Vec`/`Option`, so `Vec<u8>` can stand for `xs:base64Binary`.

use soapws_nbfs::{
    Attribute, DateTime, Decimal, EncodeError, Guid, ListItems, TimeSpan, Value, ValueList, Writer,
    XmlString,
};

use crate::xml::{Node, NodeKind, RawXml, XmlError, XmlRead, XmlReadExt};

/// `http://www.w3.org/2001/XMLSchema-instance`
pub const XSI_NS: XmlString<'static> =
    XmlString::dynamic("http://www.w3.org/2001/XMLSchema-instance");

/// A value written as one element: its attributes and content.
pub trait SerializeXml {
    /// Writes the element `name` in `ns` (`None`: no namespace, or the one in scope for an
    /// unqualified local element) holding this value.
    fn write_element(
        &self,
        w: &mut Writer<'_>,
        name: XmlString<'_>,
        ns: Option<XmlString<'_>>,
    ) -> Result<(), EncodeError> {
        w.start_element(None, name, ns)?;
        self.write_attributes(w)?;
        self.write_content(w)?;
        w.end_element()
    }

    /// Writes the attributes of the open start tag.
    fn write_attributes(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let _ = w;
        Ok(())
    }

    /// Writes the element's content.
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError>;
}

/// A value read from one element.
pub trait DeserializeXml: Sized {
    /// Reads the element the reader is on, from its start tag to past its end tag.
    fn read_element<R: XmlRead + ?Sized>(r: &mut R) -> Result<Self, XmlError>;
}

/// A simple value: an attribute value or the text of simple content.
pub trait SimpleValue: Sized {
    /// The value to write.
    fn to_value(&self) -> Value<'_>;
    /// The value read, if it converts.
    fn from_value(v: &Value<'_>) -> Option<Self>;
}

/// Writes `<name xsi:nil="true"/>`.
pub fn write_nil(
    w: &mut Writer<'_>,
    name: XmlString<'_>,
    ns: Option<XmlString<'_>>,
) -> Result<(), EncodeError> {
    w.start_element(None, name, ns)?;
    w.attribute(
        Some("i"),
        XmlString::dynamic("nil"),
        Some(XSI_NS),
        &Value::Bool(true),
    )?;
    w.end_element()
}

/// True when the start element the reader is on has `xsi:nil="true"`.
pub fn is_nil<R: XmlRead + ?Sized>(r: &R) -> bool {
    r.attribute_value("nil", XSI_NS.as_str())
        .and_then(|v| v.to_bool())
        .unwrap_or(false)
}

/// On a start element: moves past it if it is nil (returning true), else leaves it.
pub fn skip_nil<R: XmlRead + ?Sized>(r: &mut R) -> Result<bool, XmlError> {
    if is_nil(r) {
        r.skip()?;
        return Ok(true);
    }
    Ok(false)
}

/// Which of `names` (`(local name, namespace)`) the start element the reader is on has, after
/// skipping comments and white space; `Ok(None)` at an end tag, `Some(usize::MAX)` for an
/// element not in the list.
///
/// `expected` is where to look first: start it at 0; each name found moves it past that name.
/// Members mostly come in the order of `names` (a schema's order, which serializers follow),
/// so each is found at the first comparison, and a repeated member at the second.
pub fn next_child<R: XmlRead + ?Sized>(
    r: &mut R,
    names: &[(&str, &str)],
    expected: &mut usize,
) -> Result<Option<usize>, XmlError> {
    match r.skip_to_content()? {
        Some(NodeKind::StartElement) => {}
        Some(NodeKind::EndElement) => return Ok(None),
        _ => return Err(r.unexpected("an element or an end tag")),
    }
    let Some(Node::StartElement(e)) = r.node() else {
        return Ok(None);
    };
    let is = |i: usize| {
        names
            .get(i)
            .is_some_and(|(l, ns)| e.local_name == *l && e.namespace == *ns)
    };
    let found = if is(*expected) {
        Some(*expected)
    } else if *expected > 0 && is(*expected - 1) {
        Some(*expected - 1)
    } else {
        (0..names.len()).find(|&i| is(i))
    };
    Ok(Some(match found {
        Some(i) => {
            *expected = i + 1;
            i
        }
        None => usize::MAX,
    }))
}

/// Like [`next_child`] over the elements of a message body (the parts of a multi-part
/// message): the end of the body is the end of the input.
pub fn next_part<R: XmlRead + ?Sized>(
    r: &mut R,
    names: &[(&str, &str)],
    expected: &mut usize,
) -> Result<Option<usize>, XmlError> {
    if r.skip_to_content()?.is_none() {
        return Ok(None);
    }
    next_child(r, names, expected)
}

/// On a start element: moves onto its first child node.
pub fn enter<R: XmlRead + ?Sized>(r: &mut R) -> Result<(), XmlError> {
    if r.skip_to_content()? != Some(NodeKind::StartElement) {
        return Err(r.unexpected("a start tag"));
    }
    r.advance()?;
    Ok(())
}

/// The `xsi:type` of the start element the reader is on, as `(namespace, local name)` (the
/// prefix resolved where it is used); `None` without one.
pub fn xsi_type<R: XmlRead + ?Sized>(r: &R) -> Option<(String, String)> {
    let value = r.attribute_value("type", XSI_NS.as_str())?.to_text();
    let value = value.trim();
    let (prefix, local) = value.split_once(':').unwrap_or(("", value));
    let ns = r.lookup_namespace(prefix).unwrap_or_default();
    Some((ns.to_owned(), local.to_owned()))
}

/// Writes `value` as the element `name` in `ns` declaring its derived type with `xsi:type`
/// (`type_local` in `type_ns`), as WCF writes a known type where its base type is declared.
pub fn write_derived<T: SerializeXml + ?Sized>(
    w: &mut Writer<'_>,
    value: &T,
    name: XmlString<'_>,
    ns: Option<XmlString<'_>>,
    type_local: &str,
    type_ns: XmlString<'_>,
) -> Result<(), EncodeError> {
    w.start_element(None, name, ns)?;
    // The type's name is qualified with the prefix in scope for its namespace (the element's
    // own, usually), as WCF's WriteQualifiedName does, else with one declared here.
    let qname = match w.lookup_prefix(type_ns) {
        Some(p) if p.is_empty() => type_local.to_owned(),
        Some(p) => format!("{p}:{type_local}"),
        None => {
            w.xmlns(Some("t"), type_ns)?;
            format!("t:{type_local}")
        }
    };
    w.attribute(
        Some("i"),
        XmlString::dynamic("type"),
        Some(XSI_NS),
        &Value::Str(&qname),
    )?;
    value.write_attributes(w)?;
    value.write_content(w)?;
    w.end_element()
}

/// An attribute the schema leaves open (`xs:anyAttribute`), kept as it came.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnyAttribute {
    /// Its namespace (empty for none).
    pub namespace: String,
    /// Its local name.
    pub local_name: String,
    /// Its value, as text.
    pub value: String,
}

/// The attributes of the start element the reader is on that are not `known` (`(local name,
/// namespace)`), namespace declarations, or `xsi:` attributes.
pub fn read_any_attributes<R: XmlRead + ?Sized>(
    r: &R,
    known: &[(&str, &str)],
) -> Vec<AnyAttribute> {
    (0..r.attribute_count())
        .filter_map(|i| match r.attribute(i) {
            Attribute::Value {
                local_name,
                namespace,
                value,
                ..
            } if namespace != XSI_NS.as_str()
                && !known
                    .iter()
                    .any(|&(l, ns)| local_name == *l && namespace == *ns) =>
            {
                Some(AnyAttribute {
                    namespace: namespace.as_str().to_owned(),
                    local_name: local_name.as_str().to_owned(),
                    value: value.to_text(),
                })
            }
            _ => None,
        })
        .collect()
}

/// Writes kept open attributes on the open start tag.
pub fn write_any_attributes(
    w: &mut Writer<'_>,
    attributes: &[AnyAttribute],
) -> Result<(), EncodeError> {
    for a in attributes {
        let ns = (!a.namespace.is_empty()).then(|| XmlString::dynamic(&a.namespace));
        w.attribute(
            None,
            XmlString::dynamic(&a.local_name),
            ns,
            &Value::Str(&a.value),
        )?;
    }
    Ok(())
}

/// A required member that was not there.
pub fn missing(member: &str) -> XmlError {
    XmlError::Unexpected {
        expected: format!("element {member}"),
        found: "its absence".into(),
    }
}

macro_rules! simple {
    ($t:ty, $kind:literal, |$v:ident| $to:expr, |$s:ident| $from:expr) => {
        impl SimpleValue for $t {
            fn to_value(&self) -> Value<'_> {
                let $s = self;
                $from
            }

            fn from_value($v: &Value<'_>) -> Option<Self> {
                $to
            }
        }

        impl SerializeXml for $t {
            fn write_element(
                &self,
                w: &mut Writer<'_>,
                name: XmlString<'_>,
                ns: Option<XmlString<'_>>,
            ) -> Result<(), EncodeError> {
                let $s = self;
                w.element(None, name, ns, &$from)
            }

            fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
                let $s = self;
                w.value(&$from)
            }
        }

        impl DeserializeXml for $t {
            fn read_element<R: XmlRead + ?Sized>(r: &mut R) -> Result<Self, XmlError> {
                r.read_element_value($kind, |$v| $to)
            }
        }
    };
}

simple!(bool, "boolean", |v| v.to_bool(), |s| Value::Bool(*s));
simple!(
    i8,
    "byte",
    |v| v.to_i64().and_then(|i| i8::try_from(i).ok()),
    |s| Value::Int32((*s).into())
);
simple!(
    i16,
    "short",
    |v| v.to_i64().and_then(|i| i16::try_from(i).ok()),
    |s| Value::Int32((*s).into())
);
simple!(i32, "int", |v| v.to_i32(), |s| Value::Int32(*s));
simple!(i64, "long", |v| v.to_i64(), |s| Value::Int64(*s));
simple!(
    u8,
    "unsignedByte",
    |v| v.to_i64().and_then(|i| u8::try_from(i).ok()),
    |s| Value::Int32((*s).into())
);
simple!(
    u16,
    "unsignedShort",
    |v| v.to_i64().and_then(|i| u16::try_from(i).ok()),
    |s| Value::Int32((*s).into())
);
simple!(
    u32,
    "unsignedInt",
    |v| v.to_i64().and_then(|i| u32::try_from(i).ok()),
    |s| Value::Int64((*s).into())
);
simple!(u64, "unsignedLong", |v| v.to_u64(), |s| Value::UInt64(*s));
simple!(f32, "float", |v| v.to_f32(), |s| Value::Float(*s));
simple!(f64, "double", |v| v.to_f64(), |s| Value::Double(*s));
simple!(Decimal, "decimal", |v| v.to_decimal(), |s| Value::Decimal(
    *s
));
simple!(DateTime, "dateTime", |v| v.to_date_time(), |s| {
    Value::DateTime(*s)
});
simple!(TimeSpan, "duration", |v| v.to_time_span(), |s| {
    Value::TimeSpan(*s)
});
simple!(Guid, "guid", |v| v.to_guid(), |s| Value::Guid(*s));
simple!(
    Vec<u8>,
    "base64Binary",
    |v| v.to_bytes().map(|b| b.into_owned()),
    |s| Value::Bytes(s)
);

impl SimpleValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }

    fn from_value(v: &Value<'_>) -> Option<Self> {
        Some(v.to_text())
    }
}

impl SimpleValue for char {
    fn to_value(&self) -> Value<'_> {
        Value::Int32(*self as i32)
    }

    fn from_value(v: &Value<'_>) -> Option<Self> {
        v.to_i64()
            .and_then(|i| u32::try_from(i).ok())
            .and_then(char::from_u32)
    }
}

impl SerializeXml for String {
    fn write_element(
        &self,
        w: &mut Writer<'_>,
        name: XmlString<'_>,
        ns: Option<XmlString<'_>>,
    ) -> Result<(), EncodeError> {
        w.element(None, name, ns, &Value::Str(self))
    }

    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.value(&Value::Str(self))
    }
}

impl DeserializeXml for String {
    fn read_element<R: XmlRead + ?Sized>(r: &mut R) -> Result<Self, XmlError> {
        r.read_element_string()
    }
}

impl SerializeXml for char {
    /// WCF's `ser:char`: the UTF-16 code as an integer.
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.value(&Value::Int32(*self as i32))
    }
}

impl DeserializeXml for char {
    fn read_element<R: XmlRead + ?Sized>(r: &mut R) -> Result<Self, XmlError> {
        r.read_element_value("char", |v| {
            v.to_i64()
                .and_then(|i| u32::try_from(i).ok())
                .and_then(char::from_u32)
        })
    }
}

impl SerializeXml for RawXml {
    /// Writes the kept element itself (its name is the one it was read with).
    fn write_element(
        &self,
        w: &mut Writer<'_>,
        _: XmlString<'_>,
        _: Option<XmlString<'_>>,
    ) -> Result<(), EncodeError> {
        self.write(w)
    }

    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.write(w)
    }
}

impl DeserializeXml for RawXml {
    fn read_element<R: XmlRead + ?Sized>(r: &mut R) -> Result<Self, XmlError> {
        RawXml::read(r)
    }
}

/// An `xs:list` value: items written as one text, separated by single spaces (WCF's `[Flags]`
/// enums are lists of their member names).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct List<T>(pub Vec<T>);

impl<T> From<Vec<T>> for List<T> {
    fn from(items: Vec<T>) -> Self {
        Self(items)
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<T> std::ops::Deref for List<T> {
    type Target = Vec<T>;

    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> std::ops::DerefMut for List<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

/// The items are written as each one's [`SimpleValue::to_value`].
impl<T: SimpleValue + Sync> ListItems for List<T> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn item(&self, i: usize) -> Value<'_> {
        self.0[i].to_value()
    }
}

impl<T: SimpleValue + Sync> SimpleValue for List<T> {
    fn to_value(&self) -> Value<'_> {
        Value::List(ValueList::produced(self))
    }

    fn from_value(v: &Value<'_>) -> Option<Self> {
        match v {
            Value::List(items) => items.iter().map(|item| T::from_value(&item)).collect(),
            _ => v
                .to_text()
                .split_ascii_whitespace()
                .map(|item| T::from_value(&Value::Str(item)))
                .collect(),
        }
    }
}

impl<T: SimpleValue + Sync> SerializeXml for List<T> {
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.0.is_empty() {
            return Ok(());
        }
        w.value(&self.to_value())
    }
}

impl<T: SimpleValue + Sync> DeserializeXml for List<T> {
    fn read_element<R: XmlRead + ?Sized>(r: &mut R) -> Result<Self, XmlError> {
        r.read_element_value("list", Self::from_value)
    }
}
