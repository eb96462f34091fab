//! Loads every WSDL of the shared corpus (`../../../shared/wsdl-corpus`, see its README) and
//! checks facts about the larger sets.

use std::path::{Path, PathBuf};
use std::time::Instant;

use soapws_codegen::load::{load, Diagnostic, LoadError, LoadOptions, Severity};
use soapws_codegen::model::{Definitions, QName, SimpleKind, SoapVersion, Style, TypeDef, TypeRef};

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wsdl-corpus");
    assert!(
        dir.join("README.md").is_file(),
        "the WSDL corpus is missing: expected it at {} (shared/wsdl-corpus next to the workspace)",
        dir.display()
    );
    dir
}

/// The catalog the corpus README prescribes for a file, if any.
fn catalog_for(rel: &str) -> Option<&'static str> {
    if rel.starts_with("onvif/") {
        Some("onvif/catalog.xml")
    } else if rel.starts_with("wcf-projectn-multifile/") {
        Some("wcf-projectn-multifile/catalog.xml")
    } else if rel.starts_with("cxf-testutils/") {
        Some("cxf-testutils/META-INF/jax-ws-catalog.xml")
    } else {
        None
    }
}

fn try_load(rel: &str) -> Result<(Definitions, Vec<Diagnostic>), LoadError> {
    let root = corpus();
    let catalogs = catalog_for(rel).map(|c| root.join(c)).into_iter().collect();
    load(&root.join(rel), &LoadOptions { catalogs })
}

fn load_ok(rel: &str) -> (Definitions, Vec<Diagnostic>) {
    try_load(rel).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn wsdl_files(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            wsdl_files(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "wsdl") {
            out.push(
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

fn errors(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(ToString::to_string)
        .collect()
}

fn ops(defs: &Definitions, port_type: &str) -> usize {
    let pt = defs.port_types.iter().find(|p| p.name.local == port_type);
    pt.unwrap_or_else(|| panic!("no portType {port_type}"))
        .operations
        .len()
}

#[test]
fn every_corpus_wsdl_loads_or_fails_cleanly() {
    let root = corpus();
    let mut files = Vec::new();
    wsdl_files(&root, &root, &mut files);
    assert!(files.len() >= 45, "only {} WSDLs found", files.len());
    for rel in &files {
        let result = try_load(rel);
        if rel.ends_with("wsdl_brokenWsdl.wsdl") {
            assert!(result.is_err(), "{rel} must fail");
            continue;
        }
        let (defs, diags) = result.unwrap_or_else(|e| panic!("{rel}: {e}"));
        // Two fixtures have broken references, reported as error diagnostics: zeep's
        // cyclic-schema fixture binds `type="portje"` without a prefix (so in the WSDL
        // namespace), and CXF's hello_world_port_type.wsdl uses the undeclared prefix `x1`.
        let expected_errors = match rel.rsplit('/').next().unwrap() {
            "recursive_schema_main.wsdl" => 1,
            "hello_world_port_type.wsdl" => 3,
            _ => 0,
        };
        assert_eq!(
            errors(&diags).len(),
            expected_errors,
            "{rel}: {:#?}",
            errors(&diags)
        );
        let something =
            !defs.messages.is_empty() || !defs.port_types.is_empty() || !defs.services.is_empty();
        assert!(
            something || rel.contains("/external/"),
            "{rel}: nothing loaded"
        );
    }
}

#[test]
fn broken_wsdl_is_a_load_error_with_position() {
    let err = try_load("wcf-svcutil-testcases/wsdl_brokenWsdl.wsdl").unwrap_err();
    let LoadError::Xml {
        file,
        line,
        column,
        message,
    } = &err
    else {
        panic!("expected an XML error, got {err:?}");
    };
    assert!(file.ends_with("wsdl_brokenWsdl.wsdl"));
    assert!(*line >= 1 && *column > 1, "{err}");
    assert!(!message.is_empty());
    assert!(
        err.to_string().contains(&format!(":{line}:{column}:")),
        "{err}"
    );
}

#[test]
fn onvif_devicemgmt() {
    let t = Instant::now();
    let (defs, diags) = load_ok("onvif/wsdl/ver10/device/wsdl/devicemgmt.wsdl");
    let elapsed = t.elapsed();
    eprintln!("ONVIF devicemgmt.wsdl loaded in {elapsed:?}");
    assert_eq!(errors(&diags), Vec::<String>::new());
    assert_eq!(defs.port_types.len(), 1);
    assert_eq!(
        defs.port_types[0].name,
        QName::new("http://www.onvif.org/ver10/device/wsdl", "Device")
    );
    assert_eq!(ops(&defs, "Device"), 103);
    assert_eq!(defs.bindings.len(), 1);
    let b = &defs.bindings[0];
    assert_eq!(b.soap, Some(SoapVersion::Soap12));
    assert_eq!(b.style, Style::Document);
    assert_eq!(b.operations.len(), 103);
    assert_eq!(defs.messages.len(), 206);
    let op = &defs.port_types[0].operations[0];
    assert_eq!(op.name, "GetServices");
    assert!(op
        .documentation
        .as_deref()
        .unwrap_or("")
        .starts_with("Returns information about services"));

    let tt = "http://www.onvif.org/ver10/schema";
    // onvif.xsd (and common.xsd, included) are loaded.
    for name in [
        "Capabilities",
        "DeviceEntity",
        "IntRectangle",
        "Vector",
        "ReferenceToken",
        "Name",
    ] {
        assert!(
            defs.schema.types.contains_key(&QName::new(tt, name)),
            "type tt:{name}"
        );
    }
    let Some(TypeDef::Simple(list)) = defs.schema.types.get(&QName::new(tt, "IntList")) else {
        panic!("tt:IntList");
    };
    assert!(matches!(&list.kind, SimpleKind::List { item: TypeRef::Named(q) } if q.local == "int"));
    let enums = defs.schema.types.values().filter(|t| {
        matches!(t, TypeDef::Simple(s) if matches!(&s.kind, SimpleKind::Restriction { enumerations, .. } if !enumerations.is_empty()))
    });
    assert!(enums.count() > 30);
    // Remote imports resolved through the catalog.
    let has_ns = |ns: &str| {
        defs.schema
            .elements
            .keys()
            .chain(defs.schema.types.keys())
            .any(|q| q.ns == ns)
    };
    for ns in [
        "http://docs.oasis-open.org/wsn/b-2",
        "http://www.w3.org/2004/08/xop/include",
        "http://www.w3.org/2005/05/xmlmime",
        "http://www.w3.org/2003/05/soap-envelope",
    ] {
        assert!(has_ns(ns), "{ns}");
    }
    assert!(elapsed.as_secs() < 10);
}

#[test]
fn onvif_media_ptz_events() {
    let (media, _) = load_ok("onvif/wsdl/ver10/media/wsdl/media.wsdl");
    assert_eq!(ops(&media, "Media"), 79);
    let (ptz, _) = load_ok("onvif/wsdl/ver20/ptz/wsdl/ptz.wsdl");
    assert_eq!(ops(&ptz, "PTZ"), 29);

    let (ev, diags) = load_ok("onvif/wsdl/ver10/events/wsdl/event.wsdl");
    assert_eq!(errors(&diags), Vec::<String>::new());
    // 2 local portTypes, the entry's first, then 6 from the imported bw-2.wsdl.
    assert_eq!(ev.port_types.len(), 8);
    assert_eq!(ev.port_types[0].name.local, "EventPortType");
    assert_eq!(ev.port_types[1].name.local, "PullPointSubscription");
    assert_eq!(ev.bindings.len(), 8);
    let wsntw = "http://docs.oasis-open.org/wsn/bw-2";
    let np = ev
        .bindings
        .iter()
        .find(|b| b.name.local == "NotificationProducerBinding")
        .unwrap();
    assert_eq!(np.port_type, QName::new(wsntw, "NotificationProducer"));
    assert!(ev.port_types.iter().any(|p| p.name == np.port_type));
    let faults: usize = ev
        .port_types
        .iter()
        .flat_map(|p| &p.operations)
        .map(|o| o.faults.len())
        .sum();
    assert!(faults >= 35, "{faults}");
    let pull = ev
        .port_types
        .iter()
        .find(|p| p.name.local == "PullPointSubscription")
        .unwrap();
    let pm = pull
        .operations
        .iter()
        .find(|o| o.name == "PullMessages")
        .unwrap();
    assert!(pm
        .input
        .as_ref()
        .unwrap()
        .action
        .as_deref()
        .unwrap()
        .ends_with("PullMessagesRequest"));
    // The one-way Notify of the NotificationConsumer.
    let nc = ev
        .port_types
        .iter()
        .find(|p| p.name.local == "NotificationConsumer")
        .unwrap();
    assert!(nc.operations[0].input.is_some() && nc.operations[0].output.is_none());
    // bf-2.xsd's BaseFault (reached through b-2.xsd's relative import).
    assert!(ev.schema.types.contains_key(&QName::new(
        "http://docs.oasis-open.org/wsrf/bf-2",
        "BaseFaultType"
    )));
}

#[test]
fn wcf_projectn_multifile_resolves_all_schemas_through_the_catalog() {
    let (defs, diags) = load_ok("wcf-projectn-multifile/tempuri.org.wsdl");
    assert!(diags.is_empty(), "{diags:?}");
    let namespaces: std::collections::BTreeSet<&str> = defs
        .schema
        .elements
        .keys()
        .chain(defs.schema.types.keys())
        .map(|q| q.ns.as_str())
        .collect();
    let expected = [
        "http://tempuri.org/",
        "http://schemas.microsoft.com/2003/10/Serialization/",
        "http://schemas.microsoft.com/Message",
        "http://schemas.datacontract.org/2004/07/WcfProjectNService",
        "http://schemas.microsoft.com/2003/10/Serialization/Arrays",
        "http://schemas.datacontract.org/2004/07/System",
        "http://schemas.wcf.projectn.com/wcfnamespace",
        "http://schemas.datacontract.org/2004/07/System.Net",
        "http://mycustomwrappernamespace.com",
        "CustomNamespace",
        "http://mycustomcustomernamespace.com",
    ];
    assert_eq!(namespaces.len(), 11, "{namespaces:?}");
    for ns in expected {
        assert!(namespaces.contains(ns), "{ns} missing from {namespaces:?}");
    }
    assert_eq!(ops(&defs, "IWcfProjectNService"), 13);
    assert_eq!(defs.bindings.len(), 10);
    let binary: Vec<&str> = defs
        .bindings
        .iter()
        .filter(|b| b.binary_encoding)
        .map(|b| b.name.local.as_str())
        .collect();
    assert_eq!(
        binary,
        [
            "httpbinaryEndpoint",
            "nettcpdefaultBinding",
            "nettcpdefaultBinding1"
        ]
    );
    let basic = defs
        .bindings
        .iter()
        .find(|b| b.name.local == "defaultBasic")
        .unwrap();
    assert_eq!(basic.soap, Some(SoapVersion::Soap11));
    let tcp = defs
        .bindings
        .iter()
        .find(|b| b.name.local == "nettcpdefaultBinding")
        .unwrap();
    assert_eq!(
        tcp.transport.as_deref(),
        Some("http://schemas.microsoft.com/soap/tcp")
    );
    // DataContract serialization attributes.
    let ser = "http://schemas.microsoft.com/2003/10/Serialization/";
    assert!(defs.schema.attributes.contains_key(&QName::new(ser, "Id")));
    assert!(defs.schema.types.contains_key(&QName::new(ser, "guid")));
    let faults: usize = defs.port_types[0]
        .operations
        .iter()
        .map(|o| o.faults.len())
        .sum();
    assert!(faults >= 1);
}

#[test]
fn cxf_catalog_chain_with_rewrite_rules() {
    let (defs, diags) = load_ok("cxf-testutils/wsdl/catalog/hello_world_services.wsdl");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(defs.services.len(), 1);
    assert_eq!(defs.bindings.len(), 1);
    assert_eq!(defs.port_types.len(), 1);
    assert!(defs.messages.len() >= 6);
    // nopath/Invoice.xsd → ../wsdl/Invoice.xsd through rewriteSystem.
    assert!(defs
        .schema
        .types
        .keys()
        .any(|q| q.ns == "http://cxf.apache.org/courseware/Invoice"));
    // Without the catalog the bogus path is a missing file naming the importer.
    let root = corpus();
    let err = load(
        &root.join("cxf-testutils/wsdl/catalog/hello_world_services.wsdl"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    let LoadError::Read {
        file,
        referenced_from: Some(from),
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(file.contains("doesnotexist"), "{err}");
    assert!(
        from.file.ends_with("hello_world_services.wsdl") && from.line > 0,
        "{err}"
    );
}

#[test]
fn onvif_without_catalog_names_the_remote_location() {
    let root = corpus();
    let err = load(
        &root.join("onvif/wsdl/ver10/device/wsdl/devicemgmt.wsdl"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    let LoadError::Unresolvable { location, from } = &err else {
        panic!("{err:?}")
    };
    assert!(location.starts_with("http"), "{err}");
    assert!(from.file.ends_with("onvif.xsd") && from.line > 0, "{err}");
}

#[test]
fn encoded_and_mime_bindings_are_flagged() {
    for rel in [
        "corewcf-metadata-baselines/XmlSerializerFormatSoapTest.SoapServiceTest.wsdl",
        "zeep-fixtures/tests/wsdl_files/claim.wsdl",
    ] {
        let (defs, _) = load_ok(rel);
        assert!(!defs.bindings.is_empty(), "{rel}");
        for b in &defs.bindings {
            assert!(b.operations.iter().all(|o| o.encoded), "{rel}: {}", b.name);
            assert!(b.operations.iter().all(|o| !o.mime), "{rel}");
        }
        let rpc = defs.bindings.iter().any(|b| {
            b.style == Style::Rpc || b.operations.iter().any(|o| o.style == Some(Style::Rpc))
        });
        assert!(rpc, "{rel}");
    }
    let (defs, _) = load_ok("cxf-testutils/wsdl/swa-mime.wsdl");
    let ops = &defs.bindings[0].operations;
    assert!(ops.iter().any(|o| o.mime));
    assert!(ops.iter().any(|o| !o.mime));
    assert!(ops.iter().all(|o| !o.encoded));
    let m = ops.iter().find(|o| o.mime).unwrap();
    assert_eq!(
        m.input.as_ref().unwrap().parts.as_deref(),
        Some(&["text".to_string()][..])
    );
    // rpc/literal is not encoded.
    let (lit, _) = load_ok("cxf-testutils/wsdl/hello_world_rpc_lit.wsdl");
    assert_eq!(lit.bindings[0].style, Style::Rpc);
    assert!(lit.bindings[0].operations.iter().all(|o| !o.encoded));
}

#[test]
fn datacore_duplex_over_websocket() {
    let (defs, diags) = load_ok("datacore-ws-duplex/ExecutiveServices.wsdl");
    let b = &defs.bindings[0];
    assert_eq!(b.soap, Some(SoapVersion::Soap11));
    assert_eq!(
        b.transport.as_deref(),
        Some("http://schemas.microsoft.com/soap/websocket")
    );
    let pt = &defs.port_types[0];
    let callbacks: Vec<&str> = pt
        .operations
        .iter()
        .filter(|o| o.input.is_none() && o.output_first)
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(callbacks, ["ExecutiveStarted", "ExecutiveStopped"]);
    // The broken `message="tns:"` faults are skipped with warnings; the others are kept.
    assert!(callbacks.iter().all(|c| pt
        .operations
        .iter()
        .find(|o| o.name == *c)
        .unwrap()
        .faults
        .is_empty()));
    assert_eq!(pt.operations[0].faults.len(), 1);
    assert_eq!(
        pt.operations[0].faults[0].action.as_deref(),
        Some("ExecutiveError")
    );
    let skipped = diags
        .iter()
        .filter(|d| d.message.contains("empty name in message="))
        .count();
    assert_eq!(skipped, 2, "{diags:?}");
    assert!(
        diags.iter().all(|d| d.severity == Severity::Warning),
        "{diags:?}"
    );
    assert_eq!(
        defs.services[0].ports[0].address.as_deref(),
        Some("ws://mns-vsp-001:3794/IExecutiveServiceEx")
    );
}

#[test]
fn svcutil_named_pipe_streamed_binary() {
    let (defs, _) = load_ok("wcf-svcutil-testcases/wsdl_netNamedPipe.wsdl");
    let b = &defs.bindings[0];
    assert!(b.binary_encoding);
    assert_eq!(b.transfer_mode.as_deref(), Some("Streamed"));
    assert_eq!(b.soap, Some(SoapVersion::Soap12));
}

#[test]
fn superoffice_headers_and_flags_lists() {
    let (defs, diags) = load_ok("superoffice-webhook/Services88-Webhook.wsdl");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(ops(&defs, "Webhook"), 8);
    let op = &defs.bindings[0].operations[0];
    assert_eq!(op.input.as_ref().unwrap().headers.len(), 3);
    assert_eq!(op.output.as_ref().unwrap().headers.len(), 4);
    // [Flags] enums: a list of an anonymous enumeration.
    let flags = defs.schema.types.values().find_map(|t| match t {
        TypeDef::Simple(s) => match &s.kind {
            SimpleKind::List {
                item: TypeRef::Anonymous(inner),
            } => Some(inner),
            _ => None,
        },
        _ => None,
    });
    let Some(inner) = flags else {
        panic!("no list of an anonymous type")
    };
    assert!(
        matches!(&**inner, TypeDef::Simple(s) if matches!(&s.kind, SimpleKind::Restriction { enumerations, .. } if !enumerations.is_empty()))
    );
    assert!(defs.port_types[0]
        .operations
        .iter()
        .any(|o| o.documentation.is_some()));
}

#[test]
fn zeep_cycles() {
    let (a, _) = load_ok("zeep-fixtures/tests/integration/hello_world_recursive.wsdl");
    let (b, _) = load_ok("zeep-fixtures/tests/integration/hello_world_recursive_import.wsdl");
    assert_eq!(a.port_types.len(), b.port_types.len());
    assert_eq!(a.messages.len(), b.messages.len());
    let (_, diags) = load_ok("zeep-fixtures/tests/integration/recursive_schema_main.wsdl");
    let errs = errors(&diags);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("unknown portType"), "{errs:?}");
    // Chained wsdl:import plus a remote import of SOAP encoding, skipped with a warning.
    let (defs, diags) = load_ok("zeep-fixtures/tests/wsdl_files/soap_import_main.wsdl");
    assert!(defs
        .schema
        .elements
        .keys()
        .any(|q| q.ns == "http://example.com/stockquote.xsd"));
    assert!(diags
        .iter()
        .any(|d| d.severity == Severity::Warning && d.message.contains("soap/encoding")));
}

#[test]
fn cxf_headers_faults_and_xsd_features() {
    let (defs, _) = load_ok("cxf-testutils/wsdl/hello_world.wsdl");
    let greeter = defs
        .port_types
        .iter()
        .find(|p| p.name.local == "Greeter")
        .unwrap();
    let fault_op = greeter
        .operations
        .iter()
        .find(|o| o.faults.len() == 2)
        .unwrap();
    assert_eq!(fault_op.faults.len(), 2);
    let one_way = greeter
        .operations
        .iter()
        .find(|o| o.name == "greetMeOneWay")
        .unwrap();
    assert!(one_way.output.is_none() && !one_way.output_first);

    let (defs, _) = load_ok("cxf-testutils/wsdl/soapheader.wsdl");
    assert!(defs.bindings[0]
        .operations
        .iter()
        .any(|o| o.input.as_ref().is_some_and(|i| !i.headers.is_empty())));
}
