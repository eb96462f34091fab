//! What a WSDL and its schemas say, after loading: imports and includes merged, prefixes
//! resolved to namespaces. The loader builds it; the generator reads it.

use std::collections::BTreeMap;

/// A namespace-qualified name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QName {
    /// The namespace (empty for none).
    pub ns: String,
    /// The local name.
    pub local: String,
}

impl QName {
    /// A name in a namespace.
    pub fn new(ns: impl Into<String>, local: impl Into<String>) -> Self {
        Self {
            ns: ns.into(),
            local: local.into(),
        }
    }
}

impl std::fmt::Display for QName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{}}}{}", self.ns, self.local)
    }
}

/// Where something was declared, for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file (as given or resolved).
    pub file: String,
    /// One-based line.
    pub line: u64,
    /// The element path, e.g. `/wsdl:definitions/wsdl:portType[ICalculator]`.
    pub path: String,
}

/// Everything loaded from one entry WSDL.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    /// `wsdl:message`s by name.
    pub messages: BTreeMap<QName, Message>,
    /// `wsdl:portType`s, in document order.
    pub port_types: Vec<PortType>,
    /// `wsdl:binding`s, in document order.
    pub bindings: Vec<Binding>,
    /// `wsdl:service`s.
    pub services: Vec<Service>,
    /// All schema components of all schemas reached.
    pub schema: Schema,
}

/// A `wsdl:message`.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its name.
    pub name: QName,
    /// Its parts, in order.
    pub parts: Vec<Part>,
}

/// A `wsdl:part`.
#[derive(Debug, Clone)]
pub struct Part {
    /// The part name.
    pub name: String,
    /// `element=` (document style).
    pub element: Option<QName>,
    /// `type=` (rpc style).
    pub type_name: Option<QName>,
}

/// A `wsdl:portType`.
#[derive(Debug, Clone)]
pub struct PortType {
    /// Its name.
    pub name: QName,
    /// `wsdl:documentation`.
    pub documentation: Option<String>,
    /// Its operations, in order.
    pub operations: Vec<Operation>,
    /// Where it is.
    pub location: Location,
}

/// A portType operation. Input only = one-way; input then output = request-response; output
/// only = notification (a one-way callback); output then input = solicit-response (a two-way
/// callback).
#[derive(Debug, Clone)]
pub struct Operation {
    /// Its name.
    pub name: String,
    /// `wsdl:documentation`.
    pub documentation: Option<String>,
    /// `wsdl:input`.
    pub input: Option<OperationMessage>,
    /// `wsdl:output`.
    pub output: Option<OperationMessage>,
    /// True when `wsdl:output` comes before `wsdl:input` (or there is no input).
    pub output_first: bool,
    /// `wsdl:fault`s.
    pub faults: Vec<OperationFault>,
}

/// `wsdl:input` / `wsdl:output` of an operation.
#[derive(Debug, Clone)]
pub struct OperationMessage {
    /// The message.
    pub message: QName,
    /// `name=`, if given.
    pub name: Option<String>,
    /// `wsaw:Action` / `wsam:Action` / `wsa:Action`, if given.
    pub action: Option<String>,
}

/// A `wsdl:fault` of an operation.
#[derive(Debug, Clone)]
pub struct OperationFault {
    /// The fault name.
    pub name: String,
    /// The fault message.
    pub message: QName,
    /// Its action, if given.
    pub action: Option<String>,
}

/// The SOAP version a binding uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapVersion {
    /// `http://schemas.xmlsoap.org/wsdl/soap/`
    Soap11,
    /// `http://schemas.xmlsoap.org/wsdl/soap12/`
    Soap12,
}

/// `document` or `rpc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Document style.
    Document,
    /// RPC style.
    Rpc,
}

/// A `wsdl:binding`.
#[derive(Debug, Clone)]
pub struct Binding {
    /// Its name.
    pub name: QName,
    /// The portType it binds.
    pub port_type: QName,
    /// SOAP version; `None` for non-SOAP bindings (HTTP, MIME-only), which are not generated.
    pub soap: Option<SoapVersion>,
    /// `transport=` of the SOAP binding.
    pub transport: Option<String>,
    /// Default style.
    pub style: Style,
    /// Its operations.
    pub operations: Vec<BindingOperation>,
    /// A WCF `msb:BinaryEncoding` policy applies.
    pub binary_encoding: bool,
    /// A WCF streamed transfer-mode policy (`Streamed`, `StreamedRequest`, `StreamedResponse`).
    pub transfer_mode: Option<String>,
    /// Where it is.
    pub location: Location,
}

/// A binding operation.
#[derive(Debug, Clone)]
pub struct BindingOperation {
    /// The operation name.
    pub name: String,
    /// `soapAction=`.
    pub soap_action: Option<String>,
    /// `style=` of the operation, if given.
    pub style: Option<Style>,
    /// The input body binding.
    pub input: Option<BodyBinding>,
    /// The output body binding.
    pub output: Option<BodyBinding>,
    /// Some body or fault is `use="encoded"`.
    pub encoded: bool,
    /// A MIME (SOAP with Attachments) binding is used.
    pub mime: bool,
}

/// `soap:body` and `soap:header`s of an input or output.
#[derive(Debug, Clone, Default)]
pub struct BodyBinding {
    /// `parts=` of `soap:body`, if given.
    pub parts: Option<Vec<String>>,
    /// `namespace=` of `soap:body`: the namespace of an rpc operation's wrapper element.
    pub namespace: Option<String>,
    /// `soap:header`s.
    pub headers: Vec<HeaderBinding>,
}

/// A `soap:header`.
#[derive(Debug, Clone)]
pub struct HeaderBinding {
    /// Its message.
    pub message: QName,
    /// Its part.
    pub part: String,
}

/// A `wsdl:service`.
#[derive(Debug, Clone)]
pub struct Service {
    /// Its name.
    pub name: QName,
    /// Its ports.
    pub ports: Vec<Port>,
}

/// A `wsdl:port`.
#[derive(Debug, Clone)]
pub struct Port {
    /// Its name.
    pub name: String,
    /// Its binding.
    pub binding: QName,
    /// `soap:address location=`.
    pub address: Option<String>,
}

/// All schema components.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Global elements.
    pub elements: BTreeMap<QName, ElementDecl>,
    /// Global simple and complex types.
    pub types: BTreeMap<QName, TypeDef>,
    /// Global model groups (`xs:group`).
    pub groups: BTreeMap<QName, Particle>,
    /// Global attribute groups.
    pub attribute_groups: BTreeMap<QName, Vec<Attribute>>,
    /// Global attributes.
    pub attributes: BTreeMap<QName, Attribute>,
}

/// A global element.
#[derive(Debug, Clone)]
pub struct ElementDecl {
    /// Its name.
    pub name: QName,
    /// Its type.
    pub type_ref: TypeRef,
    /// `nillable="true"`.
    pub nillable: bool,
    /// `abstract="true"`.
    pub is_abstract: bool,
    /// `substitutionGroup=`.
    pub substitution_group: Option<QName>,
    /// `xs:documentation`.
    pub documentation: Option<String>,
}

impl ElementDecl {
    /// A member referring to this element, occurring once.
    pub fn as_member(&self) -> LocalElement {
        LocalElement {
            name: self.name.clone(),
            type_ref: self.type_ref.clone(),
            min: 1,
            max: Some(1),
            nillable: self.nillable,
            reference: Some(self.name.clone()),
            documentation: self.documentation.clone(),
        }
    }
}

/// A type, by name or inline.
#[derive(Debug, Clone)]
pub enum TypeRef {
    /// A named type (built-in XSD types are in the XSD namespace).
    Named(QName),
    /// An anonymous type.
    Anonymous(Box<TypeDef>),
}

/// A type definition.
#[derive(Debug, Clone)]
pub enum TypeDef {
    /// A simple type.
    Simple(SimpleType),
    /// A complex type.
    Complex(ComplexType),
}

/// A simple type.
#[derive(Debug, Clone)]
pub struct SimpleType {
    /// Its name (`None` if anonymous).
    pub name: Option<QName>,
    /// What it is.
    pub kind: SimpleKind,
    /// `xs:documentation`.
    pub documentation: Option<String>,
}

/// The variety of a simple type.
#[derive(Debug, Clone)]
pub enum SimpleKind {
    /// A restriction of `base`, with its enumeration values (empty if none).
    Restriction {
        /// The base type.
        base: TypeRef,
        /// `xs:enumeration` values, in order.
        enumerations: Vec<String>,
    },
    /// `xs:list` of `item`.
    List {
        /// The item type.
        item: TypeRef,
    },
    /// `xs:union` of `members`.
    Union {
        /// The member types.
        members: Vec<TypeRef>,
    },
}

/// A complex type.
#[derive(Debug, Clone)]
pub struct ComplexType {
    /// Its name (`None` if anonymous).
    pub name: Option<QName>,
    /// `abstract="true"`.
    pub is_abstract: bool,
    /// `mixed="true"`.
    pub mixed: bool,
    /// `complexContent/extension` or `restriction` base, if any.
    pub base: Option<Derivation>,
    /// The content model (`None` = empty or simple content).
    pub particle: Option<Particle>,
    /// `simpleContent`: the base simple type of the text content.
    pub simple_content: Option<TypeRef>,
    /// Attributes (attribute groups expanded).
    pub attributes: Vec<Attribute>,
    /// `xs:anyAttribute` present.
    pub any_attribute: bool,
    /// `xs:documentation`.
    pub documentation: Option<String>,
}

/// How a complex type derives from its base.
#[derive(Debug, Clone)]
pub struct Derivation {
    /// The base type.
    pub base: QName,
    /// `extension` (true) or `restriction` (false).
    pub extension: bool,
}

/// A model group with occurrence.
#[derive(Debug, Clone)]
pub struct Particle {
    /// The compositor.
    pub kind: Compositor,
    /// `minOccurs`.
    pub min: u32,
    /// `maxOccurs`; `None` = unbounded.
    pub max: Option<u32>,
    /// The members.
    pub items: Vec<ParticleItem>,
}

/// `sequence`, `choice` or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositor {
    /// `xs:sequence`.
    Sequence,
    /// `xs:choice`.
    Choice,
    /// `xs:all`.
    All,
}

/// A member of a model group.
#[derive(Debug, Clone)]
pub enum ParticleItem {
    /// A local element (or an element reference).
    Element(LocalElement),
    /// A nested group (`sequence`/`choice`/`all`, or a resolved `xs:group ref`).
    Group(Particle),
    /// `xs:any`.
    Any {
        /// `minOccurs`.
        min: u32,
        /// `maxOccurs`; `None` = unbounded.
        max: Option<u32>,
    },
}

/// A local element or element reference.
#[derive(Debug, Clone)]
pub struct LocalElement {
    /// The element's name: for a local element, the namespace follows its form (qualified:
    /// the schema's target namespace; unqualified: empty).
    pub name: QName,
    /// Its type (for a reference: the global element's type).
    pub type_ref: TypeRef,
    /// `minOccurs`.
    pub min: u32,
    /// `maxOccurs`; `None` = unbounded.
    pub max: Option<u32>,
    /// `nillable="true"`.
    pub nillable: bool,
    /// `ref=`: the global element referred to.
    pub reference: Option<QName>,
    /// `xs:documentation`.
    pub documentation: Option<String>,
}

/// An attribute use.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// Its name (qualified per its form).
    pub name: QName,
    /// Its (simple) type.
    pub type_ref: TypeRef,
    /// `use="required"`.
    pub required: bool,
}
