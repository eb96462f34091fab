//! Calls the `calculator` example: `cargo run --release --example calculator_client [-- ws://HOST:PORT]`.

use soapws_examples::calculator::{Add, CalculatorClient, Divide, Multiply, Subtract};
use soapws_examples::calculator_duplex::{
    self, AddTo, CalculatorDuplexCallback, CalculatorDuplexClient, Clear, MultiplyBy,
};

/// Prints the duplex service's callbacks.
struct Printer;

#[soapws::async_trait]
impl CalculatorDuplexCallback for Printer {
    async fn result(&self, r: calculator_duplex::Result) -> Result<(), soapws::envelope::Fault> {
        println!("  callback Result({})", r.result.unwrap_or_default());
        Ok(())
    }

    async fn equation(
        &self,
        r: calculator_duplex::Equation,
    ) -> Result<(), soapws::envelope::Fault> {
        println!("  callback Equation({})", r.eqn.unwrap_or_default());
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:8080".into());
    let calc = CalculatorClient::connect(&format!("{base}/calculator")).await?;
    let (n1, n2) = (Some(100.0), Some(15.99));
    println!(
        "Add(100, 15.99) = {:?}",
        calc.add(Add { n1, n2 }).await?.add_result
    );
    println!(
        "Subtract(100, 15.99) = {:?}",
        calc.subtract(Subtract { n1, n2 }).await?.subtract_result
    );
    println!(
        "Multiply(100, 15.99) = {:?}",
        calc.multiply(Multiply { n1, n2 }).await?.multiply_result
    );
    println!(
        "Divide(100, 15.99) = {:?}",
        calc.divide(Divide { n1, n2 }).await?.divide_result
    );
    match calc.divide(Divide { n1, n2: Some(0.0) }).await {
        Err(e) => println!("Divide(100, 0) -> {e}"),
        Ok(r) => println!(
            "Divide(100, 0) = {:?} (expected a MathFault)",
            r.divide_result
        ),
    }
    let duplex = CalculatorDuplexClient::connect_with_callbacks(
        &format!("{base}/calculator-duplex"),
        Printer,
    )
    .await?;
    duplex.add_to(AddTo { n: Some(2.0) }).await?;
    duplex.multiply_by(MultiplyBy { n: Some(21.0) }).await?;
    duplex.clear(Clear {}).await?;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    duplex.inner().close().await;
    calc.inner().close().await;
    Ok(())
}
