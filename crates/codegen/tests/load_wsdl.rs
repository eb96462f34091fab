//! WSDL 1.1 features, catalogs, errors and robustness, on small fixtures written to a
//! scratch directory.

use std::path::{Path, PathBuf};

use soapws_codegen::load::{load, Diagnostic, LoadError, LoadOptions, Severity};
use soapws_codegen::model::{Definitions, QName, SoapVersion, Style};

/// Writes `files` into a fresh scratch directory named `name`.
fn fixture(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("load_wsdl")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (file, text) in files {
        let p = dir.join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn load_with(
    dir: &Path,
    entry: &str,
    catalogs: &[&str],
) -> Result<(Definitions, Vec<Diagnostic>), LoadError> {
    let catalogs = catalogs.iter().map(|c| dir.join(c)).collect();
    load(&dir.join(entry), &LoadOptions { catalogs })
}

const HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
    xmlns:http="http://schemas.xmlsoap.org/wsdl/http/"
    xmlns:wsam="http://www.w3.org/2007/05/addressing/metadata" xmlns:wsa="http://www.w3.org/2005/08/addressing"
    xmlns:wsp="http://www.w3.org/ns/ws-policy" xmlns:tns="urn:svc" targetNamespace="urn:svc">"#;

fn wsdl(body: &str) -> String {
    format!("{HEAD}\n{body}\n</wsdl:definitions>\n")
}

const MESSAGES: &str = r#"
  <wsdl:types>
    <xs:schema targetNamespace="urn:svc" elementFormDefault="qualified">
      <xs:element name="Ping" type="xs:string"/>
      <xs:element name="Hdr" type="xs:string"/>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="In"><wsdl:part name="body" element="tns:Ping"/><wsdl:part name="h" element="tns:Hdr"/></wsdl:message>
  <wsdl:message name="Out"><wsdl:part name="body" element="tns:Ping"/></wsdl:message>"#;

#[test]
fn port_types_actions_and_patterns() {
    let body = format!(
        r#"{MESSAGES}
  <wsdl:portType name="P">
    <wsdl:documentation>  The port type.  </wsdl:documentation>
    <wsdl:operation name="Am">
      <wsdl:documentation>Uses wsam.</wsdl:documentation>
      <wsdl:input wsam:Action="urn:am/in" message="tns:In" name="AmIn"/>
      <wsdl:output wsam:Action="urn:am/out" message="tns:Out"/>
    </wsdl:operation>
    <wsdl:operation name="A">
      <wsdl:input wsa:Action="urn:a/in" message="tns:In"/>
    </wsdl:operation>
    <wsdl:operation name="Solicit">
      <wsdl:output message="tns:Out"/>
      <wsdl:input message="tns:In"/>
      <wsdl:fault name="F" message="tns:Out" wsam:Action="urn:f"/>
    </wsdl:operation>
    <wsdl:operation name="Notify"><wsdl:output message="tns:Out"/></wsdl:operation>
    <wsdl:operation name="Empty"/>
    <wsdl:operation name="Dangling"><wsdl:input message="tns:Nope"/></wsdl:operation>
  </wsdl:portType>"#
    );
    let dir = fixture("patterns", &[("s.wsdl", &wsdl(&body))]);
    let (defs, diags) = load_with(&dir, "s.wsdl", &[]).unwrap();
    let pt = &defs.port_types[0];
    assert_eq!(pt.documentation.as_deref(), Some("The port type."));
    assert!(pt.location.file.ends_with("s.wsdl") && pt.location.line > 1);
    assert_eq!(pt.location.path, "/wsdl:definitions/wsdl:portType[P]");
    let names: Vec<&str> = pt.operations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Am", "A", "Solicit", "Notify", "Dangling"]);
    let am = &pt.operations[0];
    assert_eq!(am.documentation.as_deref(), Some("Uses wsam."));
    let input = am.input.as_ref().unwrap();
    assert_eq!(
        (input.action.as_deref(), input.name.as_deref()),
        (Some("urn:am/in"), Some("AmIn"))
    );
    assert_eq!(input.message, QName::new("urn:svc", "In"));
    assert_eq!(
        am.output.as_ref().unwrap().action.as_deref(),
        Some("urn:am/out")
    );
    assert!(!am.output_first);
    assert_eq!(
        pt.operations[1].input.as_ref().unwrap().action.as_deref(),
        Some("urn:a/in")
    );
    let solicit = &pt.operations[2];
    assert!(solicit.output_first && solicit.input.is_some());
    assert_eq!(solicit.faults[0].action.as_deref(), Some("urn:f"));
    assert!(pt.operations[3].output_first && pt.operations[3].input.is_none());
    // `Empty` is skipped with a warning; `Dangling` refers to an unknown message (an error).
    assert!(diags
        .iter()
        .any(|d| d.severity == Severity::Warning && d.message.contains("`Empty`")));
    let errors: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{diags:#?}");
    assert!(errors[0].message.contains("{urn:svc}Nope"));
}

#[test]
fn bindings_soap11_soap12_http_and_policies() {
    let body = format!(
        r##"{MESSAGES}
  <wsp:Policy Id="bin"><wsp:ExactlyOne><wsp:All>
    <msb:BinaryEncoding xmlns:msb="http://schemas.microsoft.com/ws/06/2004/mspolicy/netbinary1"/>
    <wsp:PolicyReference URI="#streamed"/>
  </wsp:All></wsp:ExactlyOne></wsp:Policy>
  <wsp:Policy Id="streamed">
    <msf:StreamedResponse xmlns:msf="http://schemas.microsoft.com/ws/2006/05/framing/policy"/>
  </wsp:Policy>
  <wsdl:portType name="P">
    <wsdl:operation name="Op"><wsdl:input message="tns:In"/><wsdl:output message="tns:Out"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="B11" type="tns:P">
    <soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Op">
      <soap:operation soapAction="urn:op"/>
      <wsdl:input><soap:body use="literal" parts="body"/><soap:header message="tns:In" part="h" use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="B12" type="tns:P" wsp:PolicyURIs="#bin">
    <soap12:binding transport="http://schemas.microsoft.com/soap/websocket"/>
    <wsdl:operation name="Op">
      <soap12:operation soapAction="urn:op" style="document"/>
      <wsdl:input><soap12:body use="literal"/></wsdl:input>
      <wsdl:output><soap12:body use="literal"/></wsdl:output>
      <wsdl:fault name="F"><soap12:fault name="F" use="encoded"/></wsdl:fault>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="BHttp" type="tns:P">
    <http:binding verb="GET"/>
    <wsdl:operation name="Op"><http:operation location="/op"/></wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="BRef" type="tns:P">
    <wsp:PolicyReference URI="#missing"/>
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>
  </wsdl:binding>
  <wsdl:service name="S">
    <wsdl:port name="p11" binding="tns:B11"><soap:address location="http://h/11"/></wsdl:port>
    <wsdl:port name="p12" binding="tns:B12"><soap12:address location="ws://h/12"/></wsdl:port>
    <wsdl:port name="ph" binding="tns:BHttp"><http:address location="http://h/http"/></wsdl:port>
    <wsdl:port name="px" binding="tns:Nope"/>
  </wsdl:service>"##
    );
    let dir = fixture("bindings", &[("s.wsdl", &wsdl(&body))]);
    let (defs, diags) = load_with(&dir, "s.wsdl", &[]).unwrap();
    let [b11, b12, bhttp, bref] = &defs.bindings[..] else {
        panic!("{:?}", defs.bindings)
    };
    assert_eq!(
        (b11.soap, b11.style),
        (Some(SoapVersion::Soap11), Style::Rpc)
    );
    assert!(!b11.binary_encoding && b11.transfer_mode.is_none());
    let op = &b11.operations[0];
    assert_eq!(op.soap_action.as_deref(), Some("urn:op"));
    assert_eq!(op.style, None);
    let input = op.input.as_ref().unwrap();
    assert_eq!(input.parts.as_deref(), Some(&["body".to_string()][..]));
    assert_eq!(input.headers[0].message, QName::new("urn:svc", "In"));
    assert_eq!(input.headers[0].part, "h");
    assert!(op.output.as_ref().unwrap().parts.is_none());
    assert!(!op.encoded && !op.mime);

    assert_eq!(
        (b12.soap, b12.style),
        (Some(SoapVersion::Soap12), Style::Document)
    );
    assert_eq!(
        b12.transport.as_deref(),
        Some("http://schemas.microsoft.com/soap/websocket")
    );
    assert!(b12.binary_encoding, "PolicyURIs, WS-Policy 1.5, plain Id");
    assert_eq!(
        b12.transfer_mode.as_deref(),
        Some("StreamedResponse"),
        "nested PolicyReference"
    );
    assert_eq!(b12.operations[0].style, Some(Style::Document));
    assert!(b12.operations[0].encoded, "soap12:fault use=encoded");

    assert_eq!(bhttp.soap, None);
    assert_eq!(bhttp.operations.len(), 1);
    assert_eq!(bref.soap, Some(SoapVersion::Soap11));
    assert!(!bref.binary_encoding);

    let ports = &defs.services[0].ports;
    assert_eq!(ports[0].address.as_deref(), Some("http://h/11"));
    assert_eq!(ports[1].address.as_deref(), Some("ws://h/12"));
    assert_eq!(ports[2].address, None, "only soap/soap12 addresses");
    let warnings: Vec<&str> = diags
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("#missing")),
        "{diags:#?}"
    );
    let errors: Vec<&str> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(errors, ["unknown binding {urn:svc}Nope"]);
}

#[test]
fn catalogs_uri_system_rewrite_and_next() {
    let entry = wsdl(
        r#"
  <wsdl:import namespace="urn:imp" location="http://example.com/imported.wsdl"/>
  <wsdl:types>
    <xs:schema targetNamespace="urn:svc">
      <xs:import namespace="urn:a" schemaLocation="http://example.com/a.xsd"/>
      <xs:import namespace="urn:b" schemaLocation="https://rewrite.example/deep/b.xsd"/>
    </xs:schema>
  </wsdl:types>"#,
    );
    let imported = r#"<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:imp">
  <wsdl:types><xs:schema targetNamespace="urn:imp"><xs:import namespace="urn:c" schemaLocation="c.xsd"/></xs:schema></wsdl:types>
  <wsdl:portType name="Imported"/>
</wsdl:definitions>"#;
    let schema = |tns: &str| {
        format!(
            r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{tns}"><xs:element name="E" type="xs:int"/></xs:schema>"#
        )
    };
    let catalog = r#"<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <uri name="http://example.com/imported.wsdl" uri="local/imported.wsdl"/>
  <nextCatalog catalog="more/next.xml"/>
</catalog>"#;
    let next = r#"<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <system systemId="http://example.com/a.xsd" uri="../schemas/a.xsd"/>
  <rewriteURI uriStartString="https://rewrite.example/" rewritePrefix="../schemas/rewritten/"/>
</catalog>"#;
    let (a, b, c) = (schema("urn:a"), schema("urn:b"), schema("urn:c"));
    let dir = fixture(
        "catalogs",
        &[
            ("s.wsdl", &entry),
            ("catalog.xml", catalog),
            ("more/next.xml", next),
            ("local/imported.wsdl", imported),
            // c.xsd is relative to the imported WSDL's local copy.
            ("local/c.xsd", &c),
            ("schemas/a.xsd", &a),
            ("schemas/rewritten/deep/b.xsd", &b),
        ],
    );
    let (defs, diags) = load_with(&dir, "s.wsdl", &["catalog.xml"]).unwrap();
    assert!(diags.is_empty(), "{diags:#?}");
    for ns in ["urn:a", "urn:b", "urn:c"] {
        assert!(
            defs.schema.elements.contains_key(&QName::new(ns, "E")),
            "{ns}"
        );
    }
    assert_eq!(defs.port_types[0].name, QName::new("urn:imp", "Imported"));

    // Without the catalog: the remote wsdl:import is an error naming location and importer.
    let err = load_with(&dir, "s.wsdl", &[]).unwrap_err();
    let LoadError::Unresolvable { location, from } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(location, "http://example.com/imported.wsdl");
    assert!(from.file.ends_with("s.wsdl") && from.line == 8, "{from:?}");
    let text = err.to_string();
    assert!(
        text.contains("http://example.com/imported.wsdl") && text.contains("s.wsdl:8"),
        "{text}"
    );

    // A missing catalog file is an error too.
    let err = load_with(&dir, "s.wsdl", &["nope.xml"]).unwrap_err();
    assert!(matches!(err, LoadError::Read { .. }), "{err:?}");
}

#[test]
fn remote_imports_of_known_namespaces_are_skipped() {
    let body = r#"
  <wsdl:types>
    <xs:schema targetNamespace="urn:svc">
      <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="http://www.w3.org/2001/xml.xsd"/>
      <xs:import namespace="urn:local" schemaLocation="http://example.com/local.xsd"/>
      <xs:import namespace="urn:nowhere"/>
    </xs:schema>
    <xs:schema targetNamespace="urn:local"><xs:element name="L" type="xs:int"/></xs:schema>
  </wsdl:types>"#;
    let dir = fixture("skipped", &[("s.wsdl", &wsdl(body))]);
    let (defs, diags) = load_with(&dir, "s.wsdl", &[]).unwrap();
    assert!(defs
        .schema
        .elements
        .contains_key(&QName::new("urn:local", "L")));
    assert_eq!(diags.len(), 3, "{diags:#?}");
    assert!(diags.iter().all(|d| d.severity == Severity::Warning));
    assert!(diags[0].message.contains("xml.xsd") && diags[0].message.contains("well-known"));
    assert!(diags[1].message.contains("local.xsd") && diags[1].message.contains("already loaded"));
    assert!(diags[2].message.contains("urn:nowhere"));
    assert_eq!(diags[0].location.line, 10);

    let body = r#"<wsdl:types><xs:schema targetNamespace="urn:svc">
      <xs:import namespace="urn:far" schemaLocation="https://example.com/far.xsd"/>
    </xs:schema></wsdl:types>"#;
    let dir = fixture("unresolvable", &[("s.wsdl", &wsdl(body))]);
    let err = load_with(&dir, "s.wsdl", &[]).unwrap_err();
    assert!(
        matches!(&err, LoadError::Unresolvable { location, from } if location == "https://example.com/far.xsd" && from.line == 8),
        "{err:?}"
    );
}

#[test]
fn missing_files_and_unsupported_documents() {
    let body = r#"<wsdl:types><xs:schema targetNamespace="urn:svc">
      <xs:include schemaLocation="missing.xsd"/>
    </xs:schema></wsdl:types>"#;
    let dir = fixture(
        "missing",
        &[
            ("s.wsdl", &wsdl(body)),
            (
                "wsdl20.wsdl",
                r#"<description xmlns="http://www.w3.org/ns/wsdl"/>"#,
            ),
        ],
    );
    let err = load_with(&dir, "s.wsdl", &[]).unwrap_err();
    let LoadError::Read {
        file,
        referenced_from: Some(from),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(file.ends_with("missing.xsd"));
    assert_eq!(from.line, 8);
    assert!(err.to_string().contains("s.wsdl:8"), "{err}");

    let err = load_with(&dir, "nope.wsdl", &[]).unwrap_err();
    assert!(
        matches!(
            &err,
            LoadError::Read {
                referenced_from: None,
                ..
            }
        ),
        "{err:?}"
    );
    let err = load_with(&dir, "wsdl20.wsdl", &[]).unwrap_err();
    assert!(
        matches!(&err, LoadError::UnsupportedDocument { local, .. } if local == "description"),
        "{err:?}"
    );
}

#[test]
fn malformed_xml_reports_file_line_and_column() {
    let dir = fixture(
        "malformed",
        &[
            ("truncated.wsdl", "<?xml version=\"1.0\"?>\n<wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\">\n  <wsdl:types>\n"),
            ("mismatched.wsdl", "<a>\n  <b>\n  </c>\n</a>\n"),
            ("prefix.wsdl", "<a>\n  <x:b/>\n</a>\n"),
            ("empty.wsdl", ""),
            ("imports-bad.wsdl", &wsdl(r#"<wsdl:import namespace="urn:x" location="mismatched.wsdl"/>"#)),
        ],
    );
    for (file, line) in [
        ("truncated.wsdl", 3),
        ("mismatched.wsdl", 3),
        ("prefix.wsdl", 2),
        ("imports-bad.wsdl", 3),
    ] {
        let err = load_with(&dir, file, &[]).unwrap_err();
        let LoadError::Xml {
            file: f,
            line: l,
            column,
            ..
        } = &err
        else {
            panic!("{file}: {err:?}")
        };
        assert!(*l >= line && *column >= 1, "{file}: {err}");
        assert!(
            f.ends_with(if file == "imports-bad.wsdl" {
                "mismatched.wsdl"
            } else {
                file
            }),
            "{err}"
        );
    }
    assert!(matches!(
        load_with(&dir, "empty.wsdl", &[]),
        Err(LoadError::Xml { .. })
    ));
}

/// Any prefix of a valid WSDL, and some garbage, must give an error, never a panic.
#[test]
fn never_panics_on_truncated_or_garbage_input() {
    let calculator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wsdl/calculator.wsdl");
    let text = std::fs::read(&calculator).unwrap();
    let dir = fixture("fuzz", &[]);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cut.wsdl");
    let end = text.iter().rposition(|b| *b == b'>').unwrap();
    let mut cuts: Vec<usize> = (0..end).step_by(97).collect();
    cuts.push(end);
    for cut in cuts {
        std::fs::write(&path, &text[..cut]).unwrap();
        let result = load(&path, &LoadOptions::default());
        assert!(result.is_err(), "cut at {cut} loaded");
    }
    let garbage: [&[u8]; 6] = [
        b"\xff\xfe\x00<",
        b"<?xml version=\"1.0\" encoding=\"bogus\"?><a/>",
        b"<!DOCTYPE a [<!ENTITY x \"&x;\">]><a>&x;</a>",
        b"<wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\"><wsdl:portType name=\"p\"><wsdl:operation name=\"o\"><wsdl:input message=\"::\"/></wsdl:operation></wsdl:portType><wsdl:binding name=\"b\" type=\":\"/><wsdl:types><xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"><xs:element name=\"e\"><xs:complexType><xs:sequence minOccurs=\"-1\" maxOccurs=\"x\"><xs:group ref=\"g\"/><xs:element ref=\"e\"/></xs:sequence></xs:complexType></xs:element><xs:group name=\"g\"><xs:sequence><xs:group ref=\"g\"/></xs:sequence></xs:group><xs:attributeGroup name=\"ag\"><xs:attributeGroup ref=\"ag\"/></xs:attributeGroup><xs:complexType name=\"t\"><xs:attributeGroup ref=\"ag\"/><xs:simpleContent/></xs:complexType></xs:schema></wsdl:types></wsdl:definitions>",
        b"<wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\"><wsdl:import location=\"cut.wsdl\"/><wsdl:import location=\"\"/></wsdl:definitions>",
        b"<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"><xs:include schemaLocation=\"g.wsdl\"/></xs:schema>",
    ];
    for (i, g) in garbage.iter().enumerate() {
        let p = dir.join(format!("g{i}.wsdl"));
        std::fs::write(&p, g).unwrap();
        std::fs::write(dir.join("g.wsdl"), g).unwrap();
        let _ = load(&p, &LoadOptions::default());
    }
}
