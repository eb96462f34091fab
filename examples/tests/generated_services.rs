//! The generated services and clients of `wsdl/` end to end over real sockets on 127.0.0.1:
//! request/reply in both encodings, declared faults, many calls in flight, one-way operations
//! with callbacks on the same socket, and the WSDL served at `?wsdl`.

use std::time::Duration;

use soapws::rt::ClientError;
use soapws::transport::handshake::MessageEncoding;
use soapws::transport::{Client, Server};
use soapws_examples::calculator::{
    Add, CalculatorClient, CalculatorFault, Divide, Multiply, Subtract,
};
use soapws_examples::calculator_duplex::{
    self, AddTo, CalculatorDuplexCallback, CalculatorDuplexClient, Clear, DivideBy, MultiplyBy,
    SubtractFrom,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

async fn start() -> Server {
    soapws_examples::server()
        .bind("127.0.0.1:0")
        .await
        .expect("bind")
}

#[tokio::test]
async fn calculator_answers_in_binary_session_and_text() {
    let server = start().await;
    let url = format!("ws://{}/calculator", server.local_addr());
    let binary = CalculatorClient::connect(&url).await.expect("connect");
    let text = CalculatorClient::new(
        Client::builder(url.as_str())
            .encoding(MessageEncoding::Text)
            .connect()
            .await
            .expect("connect text"),
    );
    for calc in [&binary, &text] {
        let (n1, n2) = (Some(100.0), Some(15.99));
        assert_eq!(
            calc.add(Add { n1, n2 }).await.unwrap().add_result,
            Some(115.99)
        );
        assert_eq!(
            calc.subtract(Subtract { n1, n2 })
                .await
                .unwrap()
                .subtract_result,
            Some(100.0 - 15.99)
        );
        assert_eq!(
            calc.multiply(Multiply { n1, n2 })
                .await
                .unwrap()
                .multiply_result,
            Some(1599.0)
        );
        assert_eq!(
            calc.divide(Divide { n1, n2: Some(4.0) })
                .await
                .unwrap()
                .divide_result,
            Some(25.0)
        );
    }
    binary.inner().close().await;
    text.inner().close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn declared_fault_arrives_typed() {
    let server = start().await;
    let calc = CalculatorClient::connect(&format!("ws://{}/calculator", server.local_addr()))
        .await
        .unwrap();
    match calc
        .divide(Divide {
            n1: Some(1.0),
            n2: Some(0.0),
        })
        .await
    {
        Err(ClientError::Fault(CalculatorFault::MathFault(detail))) => {
            assert_eq!(detail.operation.as_deref(), Some("Divide"));
            assert_eq!(detail.problem_type.as_deref(), Some("Division by zero"));
        }
        other => panic!("expected the declared MathFault, got {other:?}"),
    }
    // The connection stays usable after a fault.
    assert_eq!(
        calc.add(Add {
            n1: Some(1.0),
            n2: Some(2.0)
        })
        .await
        .unwrap()
        .add_result,
        Some(3.0)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn many_calls_in_flight_on_one_connection() {
    let server = start().await;
    let calc = CalculatorClient::connect(&format!("ws://{}/calculator", server.local_addr()))
        .await
        .unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..200 {
        let calc = calc.clone();
        calls.spawn(async move {
            (
                i,
                calc.multiply(Multiply {
                    n1: Some(f64::from(i)),
                    n2: Some(2.0),
                })
                .await,
            )
        });
    }
    let mut answered = 0;
    while let Some(joined) = calls.join_next().await {
        let (i, reply) = joined.expect("task");
        assert_eq!(
            reply.expect("call").multiply_result,
            Some(f64::from(i) * 2.0)
        );
        answered += 1;
    }
    assert_eq!(answered, 200);
    server.shutdown().await;
}

/// Forwards the duplex service's callbacks to the test.
struct Recorder(mpsc::UnboundedSender<String>);

#[soapws::async_trait]
impl CalculatorDuplexCallback for Recorder {
    async fn result(&self, r: calculator_duplex::Result) -> Result<(), soapws::envelope::Fault> {
        let _ = self
            .0
            .send(format!("Result({})", r.result.unwrap_or(f64::NAN)));
        Ok(())
    }

    async fn equation(
        &self,
        r: calculator_duplex::Equation,
    ) -> Result<(), soapws::envelope::Fault> {
        let _ = self
            .0
            .send(format!("Equation({})", r.eqn.unwrap_or_default()));
        Ok(())
    }
}

async fn next(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("callback in time")
        .expect("callback")
}

#[tokio::test]
async fn duplex_calls_back_on_the_same_socket_per_session() {
    let server = start().await;
    let url = format!("ws://{}/calculator-duplex", server.local_addr());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let duplex = CalculatorDuplexClient::connect_with_callbacks(&url, Recorder(tx))
        .await
        .unwrap();
    // Sent back to back, without waiting for the callbacks: one-way calls are handled in order.
    duplex.add_to(AddTo { n: Some(2.0) }).await.unwrap();
    duplex
        .multiply_by(MultiplyBy { n: Some(21.0) })
        .await
        .unwrap();
    duplex
        .subtract_from(SubtractFrom { n: Some(2.0) })
        .await
        .unwrap();
    duplex.divide_by(DivideBy { n: Some(4.0) }).await.unwrap();
    duplex.clear(Clear {}).await.unwrap();
    for expected in [
        "Result(2)",
        "Result(42)",
        "Result(40)",
        "Result(10)",
        "Equation(0 + 2 * 21 - 2 / 4 = 10)",
    ] {
        assert_eq!(next(&mut rx).await, expected);
    }

    // A second connection is a second session: its running result starts at zero.
    let (tx2, mut rx2) = mpsc::unbounded_channel();
    let other = CalculatorDuplexClient::connect_with_callbacks(&url, Recorder(tx2))
        .await
        .unwrap();
    other.add_to(AddTo { n: Some(5.0) }).await.unwrap();
    assert_eq!(next(&mut rx2).await, "Result(5)");
    duplex.inner().close().await;
    other.inner().close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn wsdl_is_served_over_http_get() {
    let server = start().await;
    let mut socket = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    socket
        .write_all(b"GET /calculator?wsdl HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    socket.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let wsdl = include_str!("../../wsdl/calculator.wsdl");
    let served = response.split_once("\r\n\r\n").expect("a body").1;
    // The WSDL as written, with the endpoint address the client asked through.
    assert_eq!(
        served,
        wsdl.replace(
            "ws://localhost:8080/calculator",
            "ws://localhost/calculator"
        )
    );
    server.shutdown().await;
}
