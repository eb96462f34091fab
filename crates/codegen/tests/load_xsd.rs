//! XML Schema features, on small fixtures written to a scratch directory, and on CXF's
//! `type_test.xsd` from the corpus.

use std::path::{Path, PathBuf};

use soapws_codegen::load::{load, Diagnostic, LoadOptions};
use soapws_codegen::model::{
    ComplexType, Compositor, Definitions, ParticleItem, QName, SimpleKind, SimpleType, TypeDef,
    TypeRef,
};

const XS: &str = "http://www.w3.org/2001/XMLSchema";
const T: &str = "urn:t";

/// Writes `files` into a fresh scratch directory named after `name` (one per call: tests
/// run in parallel and may write the same fixture).
fn fixture(name: &str, files: &[(&str, &str)]) -> PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("load_xsd")
        .join(format!("{name}-{}-{call}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (file, text) in files {
        let p = dir.join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn load_dir(dir: &Path, entry: &str) -> (Definitions, Vec<Diagnostic>) {
    load(&dir.join(entry), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn q(local: &str) -> QName {
    QName::new(T, local)
}

fn complex<'a>(defs: &'a Definitions, local: &str) -> &'a ComplexType {
    match defs.schema.types.get(&q(local)) {
        Some(TypeDef::Complex(c)) => c,
        other => panic!("{local}: {other:?}"),
    }
}

fn simple<'a>(defs: &'a Definitions, local: &str) -> &'a SimpleType {
    match defs.schema.types.get(&q(local)) {
        Some(TypeDef::Simple(s)) => s,
        other => panic!("{local}: {other:?}"),
    }
}

fn named(t: &TypeRef) -> &QName {
    match t {
        TypeRef::Named(q) => q,
        other => panic!("named type expected, got {other:?}"),
    }
}

fn elements(items: &[ParticleItem]) -> Vec<&str> {
    items
        .iter()
        .filter_map(|i| match i {
            ParticleItem::Element(e) => Some(e.name.local.as_str()),
            _ => None,
        })
        .collect()
}

const MAIN: &str = r###"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" xmlns:o="urn:other"
           targetNamespace="urn:t" elementFormDefault="unqualified" attributeFormDefault="unqualified">
  <xs:include schemaLocation="sub/chameleon.xsd"/>
  <xs:redefine schemaLocation="redefined.xsd"/>
  <xs:import namespace="urn:other" schemaLocation="other.xsd"/>

  <xs:element name="Root" type="t:RootType" nillable="true">
    <xs:annotation><xs:documentation>
        The root.
    </xs:documentation><xs:documentation>second</xs:documentation></xs:annotation>
  </xs:element>
  <xs:element name="Head" type="t:Base" abstract="true"/>
  <xs:element name="Member" substitutionGroup="t:Head"/>
  <xs:element name="Tree">
    <xs:complexType>
      <xs:sequence>
        <xs:element ref="t:Tree" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>

  <xs:complexType name="Base" abstract="true">
    <xs:sequence><xs:element name="id" type="xs:int"/></xs:sequence>
    <xs:attribute name="version" type="xs:string" use="required"/>
  </xs:complexType>

  <xs:complexType name="RootType" mixed="true">
    <xs:complexContent>
      <xs:extension base="t:Base">
        <xs:sequence>
          <xs:element name="plain" type="xs:string" maxOccurs="unbounded"/>
          <xs:element name="qual" form="qualified" type="xs:string" minOccurs="0" nillable="true"/>
          <xs:element ref="o:Shared" minOccurs="0"/>
          <xs:choice minOccurs="0" maxOccurs="3">
            <xs:element name="a" type="xs:int"/>
            <xs:sequence><xs:element name="b" type="xs:int"/><xs:element name="c" type="xs:int"/></xs:sequence>
          </xs:choice>
          <xs:group ref="t:Pair" minOccurs="0"/>
          <xs:element name="inline">
            <xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="x"/><xs:enumeration value="y"/></xs:restriction></xs:simpleType>
          </xs:element>
          <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
        </xs:sequence>
        <xs:attribute name="local" type="xs:int"/>
        <xs:attribute name="qualified" form="qualified" type="xs:int"/>
        <xs:attribute ref="o:shared" use="required"/>
        <xs:attribute name="gone" type="xs:int" use="prohibited"/>
        <xs:attributeGroup ref="t:Outer"/>
      </xs:extension>
    </xs:complexContent>
  </xs:complexType>

  <xs:complexType name="Restricted">
    <xs:complexContent>
      <xs:restriction base="t:Base">
        <xs:sequence><xs:element name="id" type="xs:int"/></xs:sequence>
      </xs:restriction>
    </xs:complexContent>
  </xs:complexType>

  <xs:complexType name="Money">
    <xs:simpleContent>
      <xs:extension base="xs:decimal"><xs:attribute name="currency" type="xs:string"/></xs:extension>
    </xs:simpleContent>
  </xs:complexType>
  <xs:complexType name="SmallMoney">
    <xs:simpleContent>
      <xs:restriction base="t:Money"><xs:maxInclusive value="10"/></xs:restriction>
    </xs:simpleContent>
  </xs:complexType>
  <xs:complexType name="All">
    <xs:all><xs:element name="x" type="xs:int"/><xs:element name="y" type="xs:int" minOccurs="0"/></xs:all>
  </xs:complexType>
  <xs:complexType name="GroupOnly"><xs:group ref="t:Pair" maxOccurs="unbounded"/></xs:complexType>

  <xs:group name="Pair">
    <xs:sequence><xs:element name="first" type="xs:string"/><xs:element name="second" type="xs:string"/></xs:sequence>
  </xs:group>
  <xs:attributeGroup name="Outer">
    <xs:attribute name="outer" type="xs:string"/>
    <xs:attributeGroup ref="t:Inner"/>
  </xs:attributeGroup>
  <xs:attributeGroup name="Inner">
    <xs:attribute name="inner" type="xs:string"/>
    <xs:anyAttribute namespace="##other"/>
  </xs:attributeGroup>

  <xs:simpleType name="Color">
    <xs:annotation><xs:documentation>A colour.</xs:documentation></xs:annotation>
    <xs:restriction base="xs:string"><xs:enumeration value="Red"/><xs:enumeration value="Green"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="Ints"><xs:list itemType="xs:int"/></xs:simpleType>
  <xs:simpleType name="Flags"><xs:list><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="A"/></xs:restriction></xs:simpleType></xs:list></xs:simpleType>
  <xs:simpleType name="IntOrColor">
    <xs:union memberTypes="xs:int t:Color">
      <xs:simpleType><xs:restriction base="xs:boolean"/></xs:simpleType>
    </xs:union>
  </xs:simpleType>
</xs:schema>
"###;

const CHAMELEON: &str = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:complexType name="Chameleon">
    <xs:sequence><xs:element name="ref" type="Other"/></xs:sequence>
  </xs:complexType>
  <xs:complexType name="Other"/>
  <xs:element name="ChameleonElement" type="Chameleon"/>
</xs:schema>
"#;

const REDEFINED: &str = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">
  <xs:complexType name="FromRedefine"/>
</xs:schema>
"#;

const OTHER: &str = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:other"
           attributeFormDefault="qualified">
  <xs:import namespace="urn:t" schemaLocation="main.xsd"/>
  <xs:element name="Shared" type="xs:string" nillable="true"/>
  <xs:attribute name="shared" type="xs:date"/>
</xs:schema>
"#;

fn main_fixture() -> (Definitions, Vec<Diagnostic>) {
    let dir = fixture(
        "main",
        &[
            ("main.xsd", MAIN),
            ("sub/chameleon.xsd", CHAMELEON),
            ("redefined.xsd", REDEFINED),
            ("other.xsd", OTHER),
        ],
    );
    load_dir(&dir, "main.xsd")
}

#[test]
fn elements_refs_substitution_and_documentation() {
    let (defs, diags) = main_fixture();
    let root = &defs.schema.elements[&q("Root")];
    assert!(root.nillable);
    assert_eq!(named(&root.type_ref), &q("RootType"));
    assert_eq!(root.documentation.as_deref(), Some("The root."));
    let head = &defs.schema.elements[&q("Head")];
    assert!(head.is_abstract);
    let member = &defs.schema.elements[&q("Member")];
    assert_eq!(member.substitution_group.as_ref(), Some(&q("Head")));
    assert_eq!(
        named(&member.type_ref),
        &q("Base"),
        "the head's type by default"
    );
    // A recursive element ref through an anonymous type does not loop.
    let tree = &defs.schema.elements[&q("Tree")];
    let TypeRef::Anonymous(t) = &tree.type_ref else {
        panic!()
    };
    let TypeDef::Complex(ct) = &**t else { panic!() };
    let ParticleItem::Element(inner) = &ct.particle.as_ref().unwrap().items[0] else {
        panic!()
    };
    assert_eq!(inner.reference.as_ref(), Some(&q("Tree")));
    assert_eq!(inner.max, None);
    assert!(
        diags
            .iter()
            .any(|d| d.message.contains("recursive reference to element")),
        "{diags:#?}"
    );
}

#[test]
fn complex_content_particles_and_attributes() {
    let (defs, _) = main_fixture();
    let base = complex(&defs, "Base");
    assert!(base.is_abstract);
    assert!(base.attributes[0].required);
    let rt = complex(&defs, "RootType");
    assert!(rt.mixed);
    let d = rt.base.as_ref().unwrap();
    assert!(d.extension);
    assert_eq!(d.base, q("Base"));
    let p = rt.particle.as_ref().unwrap();
    assert_eq!(p.kind, Compositor::Sequence);
    assert_eq!(elements(&p.items), ["plain", "qual", "Shared", "inline"]);
    let ParticleItem::Element(plain) = &p.items[0] else {
        panic!()
    };
    assert_eq!(
        plain.name,
        QName::new("", "plain"),
        "unqualified local element"
    );
    assert_eq!((plain.min, plain.max), (1, None));
    let ParticleItem::Element(qual) = &p.items[1] else {
        panic!()
    };
    assert_eq!(qual.name, q("qual"));
    assert!(qual.nillable);
    assert_eq!((qual.min, qual.max), (0, Some(1)));
    let ParticleItem::Element(shared) = &p.items[2] else {
        panic!()
    };
    assert_eq!(shared.name, QName::new("urn:other", "Shared"));
    assert_eq!(shared.reference.as_ref(), Some(&shared.name));
    assert_eq!(named(&shared.type_ref), &QName::new(XS, "string"));
    assert!(shared.nillable);
    let ParticleItem::Group(choice) = &p.items[3] else {
        panic!()
    };
    assert_eq!(
        (choice.kind, choice.min, choice.max),
        (Compositor::Choice, 0, Some(3))
    );
    assert!(
        matches!(&choice.items[1], ParticleItem::Group(s) if s.kind == Compositor::Sequence && s.items.len() == 2)
    );
    let ParticleItem::Group(pair) = &p.items[4] else {
        panic!()
    };
    assert_eq!((pair.min, pair.max), (0, Some(1)));
    assert_eq!(elements(&pair.items), ["first", "second"]);
    let ParticleItem::Element(inline) = &p.items[5] else {
        panic!()
    };
    let TypeRef::Anonymous(t) = &inline.type_ref else {
        panic!()
    };
    assert!(
        matches!(&**t, TypeDef::Simple(s) if matches!(&s.kind, SimpleKind::Restriction { enumerations, .. } if enumerations == &["x", "y"]))
    );
    assert!(matches!(
        p.items[6],
        ParticleItem::Any { min: 0, max: None }
    ));

    let names: Vec<String> = rt.attributes.iter().map(|a| a.name.to_string()).collect();
    assert_eq!(
        names,
        [
            "{}local",
            "{urn:t}qualified",
            "{urn:other}shared",
            "{}outer",
            "{}inner"
        ]
    );
    let shared = &rt.attributes[2];
    assert!(shared.required);
    assert_eq!(named(&shared.type_ref), &QName::new(XS, "date"));
    assert!(
        rt.any_attribute,
        "anyAttribute inside a nested attribute group"
    );

    let restricted = complex(&defs, "Restricted");
    assert!(!restricted.base.as_ref().unwrap().extension);
    let all = complex(&defs, "All");
    assert_eq!(all.particle.as_ref().unwrap().kind, Compositor::All);
    let group_only = complex(&defs, "GroupOnly");
    let gp = group_only.particle.as_ref().unwrap();
    assert_eq!((gp.kind, gp.max), (Compositor::Sequence, None));
    assert_eq!(defs.schema.groups[&q("Pair")].items.len(), 2);
    assert_eq!(defs.schema.attribute_groups[&q("Outer")].len(), 2);
    assert!(defs
        .schema
        .attributes
        .contains_key(&QName::new("urn:other", "shared")));
}

#[test]
fn simple_content_and_simple_types() {
    let (defs, _) = main_fixture();
    let money = complex(&defs, "Money");
    assert_eq!(
        named(money.simple_content.as_ref().unwrap()),
        &QName::new(XS, "decimal")
    );
    assert_eq!(money.attributes[0].name.local, "currency");
    assert!(money.particle.is_none() && money.base.is_none());
    let small = complex(&defs, "SmallMoney");
    assert_eq!(named(small.simple_content.as_ref().unwrap()), &q("Money"));

    let color = simple(&defs, "Color");
    assert_eq!(color.documentation.as_deref(), Some("A colour."));
    assert!(
        matches!(&color.kind, SimpleKind::Restriction { base, enumerations } if named(base).local == "string" && enumerations == &["Red", "Green"])
    );
    assert!(
        matches!(&simple(&defs, "Ints").kind, SimpleKind::List { item } if named(item).local == "int")
    );
    assert!(matches!(
        &simple(&defs, "Flags").kind,
        SimpleKind::List {
            item: TypeRef::Anonymous(_)
        }
    ));
    let SimpleKind::Union { members } = &simple(&defs, "IntOrColor").kind else {
        panic!()
    };
    assert_eq!(members.len(), 3);
    assert_eq!(named(&members[1]), &q("Color"));
    assert!(matches!(members[2], TypeRef::Anonymous(_)));
}

#[test]
fn include_chameleon_redefine_and_cyclic_import() {
    let (defs, diags) = main_fixture();
    // The chameleon include adopts urn:t, including its no-namespace references.
    let ch = complex(&defs, "Chameleon");
    let ParticleItem::Element(r) = &ch.particle.as_ref().unwrap().items[0] else {
        panic!()
    };
    assert_eq!(
        r.name,
        q("ref"),
        "qualified per the included schema's elementFormDefault"
    );
    assert_eq!(named(&r.type_ref), &q("Other"));
    assert_eq!(
        named(&defs.schema.elements[&q("ChameleonElement")].type_ref),
        &q("Chameleon")
    );
    // xs:redefine is read as an include.
    assert!(defs.schema.types.contains_key(&q("FromRedefine")));
    // other.xsd imports main.xsd back: loaded once, no duplicates.
    assert!(
        !diags.iter().any(|d| d.message.contains("duplicate")),
        "{diags:#?}"
    );
    assert!(defs
        .schema
        .elements
        .contains_key(&QName::new("urn:other", "Shared")));
}

#[test]
fn embedded_schemas_import_each_other_by_namespace() {
    let wsdl = r#"<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:a="urn:a" xmlns:b="urn:b" targetNamespace="urn:svc">
  <wsdl:types>
    <xs:schema targetNamespace="urn:a" elementFormDefault="qualified">
      <xs:import namespace="urn:b"/>
      <xs:element name="Req"><xs:complexType><xs:sequence><xs:element name="v" type="b:Value"/></xs:sequence></xs:complexType></xs:element>
    </xs:schema>
    <xs:schema targetNamespace="urn:b">
      <xs:complexType name="Value"><xs:sequence><xs:element ref="a:Req" minOccurs="0"/></xs:sequence></xs:complexType>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="M"><wsdl:part name="p" element="a:Req"/></wsdl:message>
</wsdl:definitions>"#;
    let dir = fixture("embedded", &[("s.wsdl", wsdl)]);
    let (defs, diags) = load_dir(&dir, "s.wsdl");
    assert!(diags.is_empty(), "{diags:#?}");
    assert!(defs
        .schema
        .types
        .contains_key(&QName::new("urn:b", "Value")));
    let TypeDef::Complex(value) = &defs.schema.types[&QName::new("urn:b", "Value")] else {
        panic!()
    };
    let ParticleItem::Element(req) = &value.particle.as_ref().unwrap().items[0] else {
        panic!()
    };
    assert!(
        matches!(req.type_ref, TypeRef::Anonymous(_)),
        "a ref takes the global element's (anonymous) type"
    );
}

/// CXF's type_test.xsd wraps its components in `itst:it_test_group` elements that its build
/// splits, by `ID`, into schemas for `http://apache.org/type_test/types<ID>` (which refer to
/// each other as `x1:`/`x2:`/`x3:`). The test does the same split (three cyclically
/// importing files) and loads the result: the richest XSD in the corpus.
#[test]
fn cxf_type_test_xsd() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/wsdl-corpus/cxf-testutils/wsdl/type_test/type_test.xsd");
    let text = std::fs::read_to_string(&src)
        .unwrap_or_else(|e| panic!("corpus file missing: {}: {e}", src.display()));
    let header_end = text.find("<itst:it_test_group").expect("it_test_group");
    let header = &text[..header_end];
    let mut groups: [String; 3] = Default::default();
    let mut current = 0;
    for line in text[header_end..].lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("<itst:it_test_group") {
            current = match rest.split('"').nth(1) {
                Some(id) => id.parse::<usize>().unwrap() - 1,
                None => 0,
            };
            continue;
        }
        if t.starts_with("</itst:it_test_group")
            || t.starts_with("<itst:builtIn")
            || t.starts_with("</schema>")
        {
            continue;
        }
        groups[current].push_str(line);
        groups[current].push('\n');
    }
    let files: Vec<(String, String)> = (1..=3)
        .map(|n| {
            let tns = format!("http://apache.org/type_test/types{n}");
            let head = header.replacen("elementFormDefault=\"qualified\">", &format!("elementFormDefault=\"qualified\" targetNamespace=\"{tns}\">"), 1);
            assert_ne!(head, header);
            let imports: String = (1..=3)
                .filter(|m| *m != n)
                .map(|m| format!("<import namespace=\"http://apache.org/type_test/types{m}\" schemaLocation=\"type_test_{m}.xsd\"/>\n"))
                .collect();
            (format!("type_test_{n}.xsd"), format!("{head}{imports}{}</schema>\n", groups[n - 1]))
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = fixture("type_test", &refs);
    let (defs, diags) = load_dir(&dir, "type_test_1.xsd");
    let s = &defs.schema;
    assert!(diags.is_empty(), "{diags:#?}");
    // Top-level counts, as in the file.
    assert_eq!(s.types.len(), 147);
    assert_eq!(s.elements.len(), 25);
    assert_eq!(s.groups.len(), 4);
    assert_eq!(s.attribute_groups.len(), 2);
    assert_eq!(
        s.elements
            .values()
            .filter(|e| e.substitution_group.is_some())
            .count(),
        8
    );
    let simple_kind = |f: fn(&SimpleKind) -> bool| {
        s.types
            .values()
            .filter(|t| matches!(t, TypeDef::Simple(st) if f(&st.kind)))
            .count()
    };
    let unions = simple_kind(|k| matches!(k, SimpleKind::Union { .. }));
    let lists = simple_kind(|k| matches!(k, SimpleKind::List { .. }));
    assert_eq!((unions, lists), (5, 6));
    let complex_count = |f: fn(&ComplexType) -> bool| {
        s.types
            .values()
            .filter(|t| matches!(t, TypeDef::Complex(c) if f(c)))
            .count()
    };
    assert_eq!(complex_count(|c| c.simple_content.is_some()), 16);
    assert!(complex_count(|c| c.any_attribute) >= 7);
    assert!(complex_count(|c| c.base.as_ref().is_some_and(|b| !b.extension)) >= 1);
    let top = |k: Compositor| complex_count_kind(s, k);
    assert!(top(Compositor::All) >= 3, "direct or in a derivation");
    assert!(top(Compositor::Choice) >= 18);
}

fn complex_count_kind(s: &soapws_codegen::model::Schema, kind: Compositor) -> usize {
    let of = |c: &ComplexType| c.particle.as_ref().is_some_and(|p| p.kind == kind);
    s.types
        .values()
        .filter(|t| matches!(t, TypeDef::Complex(c) if of(c)))
        .count()
}
