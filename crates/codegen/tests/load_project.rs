//! The project's own WSDLs (`wsdl/calculator.wsdl`, `wsdl/calculator-duplex.wsdl`).

use std::path::{Path, PathBuf};

use soapws_codegen::load::{load, LoadOptions};
use soapws_codegen::model::{Definitions, QName, SoapVersion, Style, TypeDef, TypeRef};

const WEBSOCKET: &str = "http://schemas.microsoft.com/soap/websocket";
const NS: &str = "http://Microsoft.ServiceModel.Samples";

fn wsdl(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../wsdl")
        .join(name);
    assert!(p.is_file(), "missing {}", p.display());
    p
}

fn load_clean(name: &str) -> Definitions {
    let (defs, diags) = load(&wsdl(name), &LoadOptions::default()).unwrap();
    assert!(diags.is_empty(), "{name}: {diags:#?}");
    defs
}

#[test]
fn calculator() {
    let defs = load_clean("calculator.wsdl");
    assert_eq!(defs.port_types.len(), 1);
    let pt = &defs.port_types[0];
    assert_eq!(pt.name, QName::new(NS, "ICalculator"));
    let names: Vec<&str> = pt.operations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Add", "Subtract", "Multiply", "Divide"]);
    for op in &pt.operations {
        assert!(
            op.input.is_some() && op.output.is_some() && !op.output_first,
            "{}",
            op.name
        );
        let action = op.input.as_ref().unwrap().action.as_deref().unwrap();
        assert_eq!(action, format!("{NS}/ICalculator/{}", op.name));
    }
    let divide = &pt.operations[3];
    assert_eq!(divide.faults.len(), 1);
    assert_eq!(divide.faults[0].name, "MathFaultFault");
    assert_eq!(
        divide.faults[0].action.as_deref(),
        Some("http://Microsoft.ServiceModel.Samples/ICalculator/DivideMathFaultFault")
    );
    let fault_msg = &defs.messages[&divide.faults[0].message];
    let detail = fault_msg.parts[0].element.as_ref().unwrap();
    assert_eq!(
        detail,
        &QName::new(
            "http://schemas.datacontract.org/2004/07/Microsoft.ServiceModel.Samples",
            "MathFault"
        )
    );
    assert!(defs.schema.elements[detail].nillable);
    assert!(matches!(&defs.schema.types[detail], TypeDef::Complex(_)));

    assert_eq!(defs.bindings.len(), 1);
    let b = &defs.bindings[0];
    assert_eq!(b.port_type, pt.name);
    assert_eq!(b.soap, Some(SoapVersion::Soap12));
    assert_eq!(b.transport.as_deref(), Some(WEBSOCKET));
    assert!(b.binary_encoding);
    assert_eq!(b.transfer_mode, None);
    assert_eq!(b.style, Style::Document);
    assert_eq!(b.operations.len(), 4);
    assert!(
        b.location
            .path
            .ends_with("wsdl:binding[NetHttpBinding_ICalculator]"),
        "{}",
        b.location.path
    );
    assert_eq!(
        defs.services[0].ports[0].address.as_deref(),
        Some("ws://localhost:8080/calculator")
    );

    // The request wrapper: a sequence of two qualified doubles.
    let add = &defs.schema.elements[&QName::new(NS, "Add")];
    let TypeRef::Anonymous(t) = &add.type_ref else {
        panic!("anonymous type expected")
    };
    let TypeDef::Complex(ct) = &**t else {
        panic!("complex type expected")
    };
    assert_eq!(ct.particle.as_ref().unwrap().items.len(), 2);
}

#[test]
fn calculator_duplex() {
    let defs = load_clean("calculator-duplex.wsdl");
    let pt = &defs.port_types[0];
    assert_eq!(pt.name, QName::new(NS, "ICalculatorDuplex"));
    let one_way: Vec<&str> = pt
        .operations
        .iter()
        .filter(|o| o.input.is_some() && o.output.is_none())
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(
        one_way,
        ["Clear", "AddTo", "SubtractFrom", "MultiplyBy", "DivideBy"]
    );
    let callbacks: Vec<&str> = pt
        .operations
        .iter()
        .filter(|o| o.input.is_none() && o.output.is_some())
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(callbacks, ["Result", "Equation"]);
    assert!(pt.operations.iter().filter(|o| o.output_first).count() == 2);
    let result = pt.operations.iter().find(|o| o.name == "Result").unwrap();
    assert_eq!(
        result.output.as_ref().unwrap().action.as_deref(),
        Some("http://Microsoft.ServiceModel.Samples/ICalculatorDuplex/Result")
    );

    let b = &defs.bindings[0];
    assert!(b.binary_encoding);
    assert_eq!(b.soap, Some(SoapVersion::Soap12));
    assert_eq!(b.transport.as_deref(), Some(WEBSOCKET));
    let result = b.operations.iter().find(|o| o.name == "Result").unwrap();
    assert!(result.input.is_none() && result.output.is_some());
    assert_eq!(
        defs.services[0].ports[0].address.as_deref(),
        Some("ws://localhost:8080/calculator-duplex")
    );
}
