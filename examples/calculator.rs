//! Serves WCF's calculator samples over WebSocket: `ICalculator` at `/calculator` and
//! `ICalculatorDuplex` at `/calculator-duplex`, each in text and binary session encoding, and
//! the contracts of dotnet/wcf's WebSocket scenario tests at `/push` and `/request-reply`, and
//! the inventory sample (typed SOAP headers; rpc/literal pricing) at `/inventory` and `/pricing`.
//!
//! `cargo run --release --example calculator [-- --listen ADDR]` (default `127.0.0.1:8080`);
//! Ctrl-C shuts down gracefully.

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut listen: SocketAddr = "127.0.0.1:8080".parse()?;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().ok_or("--listen needs an address")?.parse()?,
            other => {
                return Err(format!("unknown argument {other:?} (expected --listen ADDR)").into())
            }
        }
    }
    let server = soapws_examples::server().bind(listen).await?;
    let addr = server.local_addr();
    println!("soapws calculator samples listening on {addr}");
    println!(
        "  ICalculator        ws://{addr}/calculator         (WSDL: http://{addr}/calculator?wsdl)"
    );
    println!("  ICalculatorDuplex  ws://{addr}/calculator-duplex  (WSDL: http://{addr}/calculator-duplex?wsdl)");
    println!("  also /push and /request-reply (dotnet/wcf's WebSocket scenarios), /inventory and /pricing");
    println!(
        "All accept NetHttpBinding's binary session encoding and text (SOAP 1.2, WS-Addressing)."
    );
    println!("From .NET: new ChannelFactory<ICalculator>(new NetHttpBinding {{ WebSocketSettings = {{ TransportUsage = WebSocketTransportUsage.Always }} }},");
    println!("           \"ws://{addr}/calculator\").CreateChannel().Add(1, 2)");
    println!("From Rust: cargo run --release --example calculator_client -- ws://{addr}");
    println!("           cargo run --release --example push_client -- ws://{addr}");
    println!("Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    println!("shutting down: finishing calls in flight");
    server.shutdown().await;
    Ok(())
}
