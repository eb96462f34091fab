//! Generates the services of the project's WSDLs (`wsdl/`).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    soapws_codegen::configure().compile(&[
        "../wsdl/calculator.wsdl",
        "../wsdl/calculator-duplex.wsdl",
        "../wsdl/websocket-scenarios.wsdl",
        "../wsdl/inventory.wsdl",
    ])?;
    Ok(())
}
