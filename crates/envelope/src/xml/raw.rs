//! [`RawXml`]: an element subtree kept as owned nodes, for headers nobody understands and
//! `xs:any` content; read from either encoding and written to either, it round-trips.

use soapws_nbfs::{
    Attribute, DateTime, Decimal, EncodeError, Guid, StringSource, TimeSpan, Value, Writer,
    XmlString,
};

use super::{Node, XmlError, XmlRead};

/// A name, namespace or dictionary text kept with its dictionary identity, so that a subtree
/// read from binary XML is written back with the same dictionary and session keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawName {
    /// The text.
    pub text: String,
    /// Where it came from (inline, static key, session).
    pub source: StringSource,
}

impl RawName {
    /// A plain name (written inline).
    pub fn inline(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            source: StringSource::Inline,
        }
    }

    fn from(s: XmlString<'_>) -> Self {
        Self {
            text: s.as_str().to_owned(),
            source: s.source(),
        }
    }

    /// The name as the writer takes it.
    pub fn as_xml_string(&self) -> XmlString<'_> {
        match self.source {
            StringSource::Inline => XmlString::inline(&self.text),
            StringSource::Static(k) => XmlString::from_static(&self.text, k),
            StringSource::Dynamic | StringSource::Session(_) => XmlString::dynamic(&self.text),
        }
    }
}

impl PartialEq<str> for RawName {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

/// An owned text value: typed scalars stay typed, strings and everything else are text.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// Character text.
    Text(String),
    /// Text that was a dictionary string.
    Dictionary(RawName),
    /// Binary data.
    Bytes(Vec<u8>),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An unsigned 64-bit integer.
    UInt64(u64),
    /// A float.
    Float(f32),
    /// A double.
    Double(f64),
    /// A decimal.
    Decimal(Decimal),
    /// A DateTime.
    DateTime(DateTime),
    /// A TimeSpan.
    TimeSpan(TimeSpan),
    /// A GUID.
    Guid(Guid),
    /// A UniqueId GUID.
    UniqueId(Guid),
}

impl RawValue {
    /// Takes ownership of a read value.
    pub fn from_value(v: &Value<'_>) -> Self {
        match v {
            Value::Bytes(b) => Self::Bytes(b.to_vec()),
            Value::Bool(b) => Self::Bool(*b),
            Value::Int32(i) => Self::Int((*i).into()),
            Value::Int64(i) => Self::Int(*i),
            Value::UInt64(i) => Self::UInt64(*i),
            Value::Float(f) => Self::Float(*f),
            Value::Double(f) => Self::Double(*f),
            Value::Decimal(d) => Self::Decimal(*d),
            Value::DateTime(d) => Self::DateTime(*d),
            Value::TimeSpan(t) => Self::TimeSpan(*t),
            Value::Guid(g) => Self::Guid(*g),
            Value::UniqueId(g) => Self::UniqueId(*g),
            Value::Dictionary(d) => Self::Dictionary(RawName::from(*d)),
            other => Self::Text(other.to_text()),
        }
    }

    /// The value to write.
    pub fn as_value(&self) -> Value<'_> {
        match self {
            Self::Text(s) => Value::Str(s),
            Self::Dictionary(d) => Value::Dictionary(d.as_xml_string()),
            Self::Bytes(b) => Value::Bytes(b),
            Self::Bool(b) => Value::Bool(*b),
            Self::Int(i) => Value::Int64(*i),
            Self::UInt64(i) => Value::UInt64(*i),
            Self::Float(f) => Value::Float(*f),
            Self::Double(f) => Value::Double(*f),
            Self::Decimal(d) => Value::Decimal(*d),
            Self::DateTime(d) => Value::DateTime(*d),
            Self::TimeSpan(t) => Value::TimeSpan(*t),
            Self::Guid(g) => Value::Guid(*g),
            Self::UniqueId(g) => Value::UniqueId(*g),
        }
    }
}

/// One node of a [`RawXml`] subtree.
#[derive(Debug, Clone, PartialEq)]
pub enum RawNode {
    /// An element start with its namespace declarations and attributes.
    Start {
        /// Prefix (empty for none).
        prefix: String,
        /// Local name.
        local: RawName,
        /// Namespace.
        namespace: RawName,
        /// `(prefix, namespace)` declared on this element.
        declarations: Vec<(String, RawName)>,
        /// `(prefix, local name, namespace, value)`.
        attributes: Vec<(String, RawName, RawName, RawValue)>,
    },
    /// An element end.
    End,
    /// Text.
    Text(RawValue),
    /// A comment.
    Comment(String),
}

/// An element and everything in it, owned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawXml {
    /// The nodes, from the element's start to its end.
    pub nodes: Vec<RawNode>,
}

impl RawXml {
    /// Reads the element the reader is on (its whole subtree) and moves past its end.
    pub fn read(reader: &mut (impl XmlRead + ?Sized)) -> Result<Self, XmlError> {
        let mut nodes = Vec::new();
        let depth = reader.depth();
        loop {
            let node = match reader.node() {
                Some(Node::StartElement(e)) => {
                    let mut declarations = Vec::new();
                    let mut attributes = Vec::new();
                    for i in 0..reader.attribute_count() {
                        match reader.attribute(i) {
                            Attribute::Xmlns { prefix, namespace } => {
                                declarations.push((prefix.to_owned(), RawName::from(namespace)));
                            }
                            Attribute::Value {
                                prefix,
                                local_name,
                                namespace,
                                value,
                            } => attributes.push((
                                prefix.to_owned(),
                                RawName::from(local_name),
                                RawName::from(namespace),
                                RawValue::from_value(&value),
                            )),
                        }
                    }
                    RawNode::Start {
                        prefix: e.prefix.to_owned(),
                        local: RawName::from(e.local_name),
                        namespace: RawName::from(e.namespace),
                        declarations,
                        attributes,
                    }
                }
                Some(Node::EndElement) => RawNode::End,
                Some(Node::Text(v)) => RawNode::Text(RawValue::from_value(&v)),
                Some(Node::Comment(c)) => RawNode::Comment(c.to_owned()),
                None => {
                    return Err(XmlError::Unexpected {
                        expected: "an element".into(),
                        found: "the end".into(),
                    })
                }
            };
            let end = matches!(node, RawNode::End) && reader.depth() == depth;
            let single = nodes.is_empty() && !matches!(node, RawNode::Start { .. });
            nodes.push(node);
            reader.advance()?;
            if end || single {
                return Ok(Self { nodes });
            }
        }
    }

    /// The first element's namespace and local name.
    pub fn name(&self) -> Option<(&str, &str)> {
        match self.nodes.first() {
            Some(RawNode::Start {
                namespace, local, ..
            }) => Some((&namespace.text, &local.text)),
            _ => None,
        }
    }

    /// Writes the subtree through `w`, names with the dictionary identity they were read with.
    pub fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.write_with(w, |_| Ok(()))
    }

    /// True when the first element has the attribute `local` in `namespace`.
    pub fn has_attribute(&self, local: &str, namespace: &str) -> bool {
        match self.nodes.first() {
            Some(RawNode::Start { attributes, .. }) => attributes
                .iter()
                .any(|(_, l, ns, _)| *l == *local && *ns == *namespace),
            _ => false,
        }
    }

    /// Like [`RawXml::write`], with `extra` writing more attributes on the first element.
    pub fn write_with(
        &self,
        w: &mut Writer<'_>,
        extra: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        let mut extra = Some(extra);
        for (i, node) in self.nodes.iter().enumerate() {
            if i == 1 {
                if let Some(extra) = extra.take() {
                    extra(w)?;
                }
            }
            match node {
                RawNode::Start {
                    prefix,
                    local,
                    namespace,
                    declarations,
                    attributes,
                } => {
                    w.start_element(
                        Some(prefix),
                        local.as_xml_string(),
                        Some(namespace.as_xml_string()),
                    )?;
                    for (p, ns) in declarations {
                        w.xmlns(Some(p), ns.as_xml_string())?;
                    }
                    for (p, l, ns, v) in attributes {
                        let ns = (!ns.text.is_empty()).then(|| ns.as_xml_string());
                        w.attribute(Some(p), l.as_xml_string(), ns, &v.as_value())?;
                    }
                }
                RawNode::End => w.end_element()?,
                RawNode::Text(v) => w.value(&v.as_value())?,
                RawNode::Comment(c) => w.comment(c)?,
            }
        }
        Ok(())
    }
}
