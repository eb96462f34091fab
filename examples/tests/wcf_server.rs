//! The reverse interop direction: the soapws clients generated from `wsdl/calculator.wsdl` and
//! `wsdl/calculator-duplex.wsdl` call a C# service running on Mono, in text and binary session
//! encoding, over real sockets on 127.0.0.1.
//!
//! Mono can host no WCF WebSocket service, so `tests/interop/wcf-server/CalculatorServer.cs` is
//! a hand-written WebSocket server (`TcpListener`, the upgrade answered by hand,
//! `WebSocket.CreateFromStream`) whose messages are all Mono's real WCF code: the text encoder
//! and binary XML writer/reader (through `SoapWsCodec` of
//! `tests/interop/wcf-client/SoapWsTransport.cs`, which adds the msbinsession1 string table Mono's
//! session encoder omits), `Message.CreateMessage`, `DataContractSerializer` and `MessageFault`.
//!
//! Needs Mono (`mono`, `mcs`); fails, never skips, when it is missing.

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use soapws::rt::{ClientError, ConnectError};
use soapws::transport::handshake::MessageEncoding;
use soapws_examples::calculator::{
    Add, CalculatorClient, CalculatorFault, Divide, MathFault, Multiply, Subtract,
};
use soapws_examples::calculator_duplex::{
    self, AddTo, CalculatorDuplexCallback, CalculatorDuplexCallbackServer, CalculatorDuplexClient,
    Clear, DivideBy, MultiplyBy, SubtractFrom,
};

const ENCODINGS: [MessageEncoding; 2] = [MessageEncoding::Text, MessageEncoding::BinarySession];

/// How long one call may take (Mono's JIT makes the first calls slow).
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Compiles the C# once per test binary.
fn server_exe() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        soapws_testkit::compile_interop(
            &Path::new(env!("CARGO_TARGET_TMPDIR")).join("CalculatorServer"),
            "CalculatorServer",
            &[
                "wcf-client/SoapWsTransport.cs",
                "wcf-server/CalculatorServer.cs",
            ],
        )
    })
}

/// The running Mono server; killed on drop (also when a test panics). Its log (stderr) is
/// printed then, shown with `--nocapture` or on failure.
struct MonoServer {
    child: Child,
    /// Held open: the server exits when its stdin closes, should this process die unkilled.
    _stdin: ChildStdin,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl MonoServer {
    fn start() -> Self {
        let mut child = Command::new("mono")
            .arg("--debug")
            .arg(server_exe())
            .env("SOAPWS_WIRE_LOG", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mono");
        let stdin = child.stdin.take().expect("stdin");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buf) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok());
        let mut server = Self {
            child,
            _stdin: stdin,
            port: 0,
            log,
        };
        match port {
            Some(port) => server.port = port,
            None => {
                let _ = server.child.kill();
                let _ = server.child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "the Mono server printed no port: {line:?}\n--- stderr\n{}",
                    server.log.lock().unwrap()
                );
            }
        }
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stdout.read_to_string(&mut rest);
        });
        server
    }

    fn url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The log once `done` holds for it (it arrives through a pipe, after the socket traffic
    /// it describes), or after 5 s.
    async fn log_when(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let log = self.log();
            if done(&log) || tokio::time::Instant::now() > deadline {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for MonoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        println!("--- Mono server log\n{}", self.log());
    }
}

async fn calculator(server: &MonoServer, encoding: MessageEncoding) -> CalculatorClient {
    let url = server.url("/calculator");
    let client = if encoding == MessageEncoding::BinarySession {
        // The generated constructor: the WSDL's binary encoding policy.
        CalculatorClient::connect(&url).await
    } else {
        soapws::transport::Client::builder(&url)
            .encoding(encoding)
            .call_timeout(CALL_TIMEOUT)
            .connect()
            .await
            .map(CalculatorClient::new)
    };
    client.unwrap_or_else(|e| {
        panic!(
            "connect {encoding:?} to {url}: {e}\n--- server log\n{}",
            server.log()
        )
    })
}

/// Add/Subtract/Multiply/Divide with the WCF sample's values, the declared MathFault for a
/// division by zero, the connection usable after the fault, and a clean client close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_reply_and_declared_fault() {
    let server = MonoServer::start();
    for encoding in ENCODINGS {
        let calc = calculator(&server, encoding).await;
        let (n1, n2) = (Some(100.0), Some(15.99));
        let add = calc.add(Add { n1, n2 }).await.expect("Add").add_result;
        assert_eq!(add, Some(100.0 + 15.99), "{encoding:?}");
        let sub = calc
            .subtract(Subtract { n1, n2 })
            .await
            .expect("Subtract")
            .subtract_result;
        assert_eq!(sub, Some(100.0 - 15.99), "{encoding:?}");
        let mul = calc
            .multiply(Multiply { n1, n2 })
            .await
            .expect("Multiply")
            .multiply_result;
        assert_eq!(mul, Some(1599.0), "{encoding:?}");
        let div = calc
            .divide(Divide { n1, n2 })
            .await
            .expect("Divide")
            .divide_result;
        assert_eq!(div, Some(100.0 / 15.99), "{encoding:?}");

        match calc.divide(Divide { n1, n2: Some(0.0) }).await {
            Err(ClientError::Fault(CalculatorFault::MathFault(detail))) => assert_eq!(
                detail,
                MathFault {
                    operation: Some("Divide".into()),
                    problem_type: Some("Division by zero".into()),
                },
                "{encoding:?}"
            ),
            other => panic!(
                "{encoding:?}: Divide by zero gave {other:?}, not the declared MathFault\n\
                 --- server log\n{}",
                server.log()
            ),
        }
        // The same fault as a message: the WSDL's fault action, RelatesTo the request, and
        // the code MessageFault wrote (SOAP 1.2 Sender).
        let mut request = soapws::rt::message(
            "http://Microsoft.ServiceModel.Samples/ICalculator/Divide",
            Divide {
                n1: Some(1.0),
                n2: Some(0.0),
            },
            soapws::nbfs::XmlString::dynamic("Divide"),
            Some(soapws::nbfs::XmlString::dynamic(
                "http://Microsoft.ServiceModel.Samples",
            )),
        );
        let id = soapws::envelope::MessageId::new_random();
        request.headers.message_id = Some(id.clone());
        request.headers.reply_to = Some(soapws::envelope::EndpointAddress::anonymous());
        let reply = calc.inner().call(request).await.expect("raw Divide call");
        assert!(reply.is_fault(), "{encoding:?}: not a fault");
        assert_eq!(
            reply.headers.action.as_deref(),
            Some("http://Microsoft.ServiceModel.Samples/ICalculator/DivideMathFaultFault"),
            "{encoding:?}"
        );
        assert_eq!(
            reply.headers.relates_to.as_ref().map(|r| r.id.to_string()),
            Some(id.to_string()),
            "{encoding:?}"
        );
        let fault = reply
            .read_fault()
            .expect("read the fault")
            .expect("a fault");
        let codes: Vec<_> = fault.code.chain().map(|q| q.name.as_str()).collect();
        assert_eq!(codes, ["Sender"], "{encoding:?}: fault code");
        assert_eq!(
            fault.reason(),
            "The creator of this fault did not specify a Reason.",
            "{encoding:?}"
        );

        // An action the service has no operation for: WCF's undeclared ActionNotSupported fault.
        let unknown = common::request(
            "http://Microsoft.ServiceModel.Samples/ICalculator/Modulo",
            Add::default(),
            "Modulo",
            "http://Microsoft.ServiceModel.Samples",
        );
        let reply = calc.inner().call(unknown).await;
        match soapws::rt::reply_or_fault::<calculator_duplex::Clear, CalculatorFault>(
            reply,
            soapws::rt::BodyShape::Element("Clear", "http://Microsoft.ServiceModel.Samples"),
            CalculatorFault::from_fault,
        ) {
            Err(ClientError::Soap(fault)) => {
                let codes: Vec<_> = fault.code.chain().map(|q| q.name.as_str()).collect();
                assert_eq!(codes, ["Sender", "ActionNotSupported"], "{encoding:?}");
            }
            other => panic!("{encoding:?}: unknown action gave {other:?}"),
        }

        let after = calc
            .add(Add {
                n1: Some(1.0),
                n2: Some(2.0),
            })
            .await
            .expect("a call after the fault");
        assert_eq!(after.add_result, Some(3.0), "{encoding:?}");

        calc.inner().close().await;
        let closed = tokio::time::timeout(Duration::from_secs(5), calc.inner().closed())
            .await
            .expect("the close completes");
        assert!(
            !closed.by_peer && closed.code == Some(1000) && closed.error.is_none(),
            "{encoding:?}: unclean close {closed:?}"
        );
    }
}

/// 200 sequential calls on one connection: in binary session the string tables grow on both
/// sides (each distinct value string the server's writer meets is a new session string).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_sequential_calls_on_one_connection() {
    let server = MonoServer::start();
    for encoding in ENCODINGS {
        let calc = calculator(&server, encoding).await;
        for i in 0..200 {
            let n1 = f64::from(i);
            let r = calc
                .multiply(Multiply {
                    n1: Some(n1),
                    n2: Some(1.5),
                })
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "{encoding:?}: call {i} failed: {e}\n--- server log\n{}",
                        server.log()
                    )
                });
            assert_eq!(r.multiply_result, Some(n1 * 1.5), "{encoding:?} call {i}");
        }
        calc.inner().close().await;
    }
    // The server's codec logged each binary message's string table (SOAPWS_WIRE_LOG=1): the
    // first message each way carries the strings, the other 199 an empty table.
    let log = server
        .log_when(|l| l.matches("soapws send: ").count() >= 200)
        .await;
    for (dir, what) in [
        ("receive", "Rust client -> Mono"),
        ("send", "Mono -> Rust client"),
    ] {
        let tables: Vec<&str> = log
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("soapws {dir}: ")))
            .collect();
        assert_eq!(tables.len(), 200, "{what}: binary messages logged\n{log}");
        assert!(
            !tables[0].starts_with("0 new"),
            "{what}: the first message carries no session strings: {}",
            tables[0]
        );
        assert!(
            tables[1..].iter().all(|t| t.starts_with("0 new")),
            "{what}: later messages repeat strings\n{log}"
        );
    }
}

/// Concurrent calls: 40 in flight on one shared connection (the server answers them as they
/// finish; replies are matched by RelatesTo), and 4 connections at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls() {
    let server = MonoServer::start();
    for encoding in ENCODINGS {
        let calc = calculator(&server, encoding).await;
        let mut calls = tokio::task::JoinSet::new();
        for i in 0..40 {
            let calc = calc.clone();
            calls.spawn(async move {
                let n1 = f64::from(i);
                let r = calc
                    .add(Add {
                        n1: Some(n1),
                        n2: Some(0.25),
                    })
                    .await;
                (i, n1 + 0.25, r)
            });
        }
        while let Some(joined) = calls.join_next().await {
            let (i, want, r) = joined.expect("call task");
            let got = r
                .unwrap_or_else(|e| panic!("{encoding:?}: concurrent call {i}: {e}"))
                .add_result;
            assert_eq!(got, Some(want), "{encoding:?}: concurrent call {i}");
        }
        calc.inner().close().await;

        let mut clients = tokio::task::JoinSet::new();
        for c in 0..4 {
            let calc = calculator(&server, encoding).await;
            clients.spawn(async move {
                for i in 0..10 {
                    let n1 = f64::from(c * 100 + i);
                    let r = calc
                        .subtract(Subtract {
                            n1: Some(n1),
                            n2: Some(1.0),
                        })
                        .await
                        .unwrap_or_else(|e| panic!("connection {c} call {i}: {e}"));
                    assert_eq!(r.subtract_result, Some(n1 - 1.0), "connection {c} call {i}");
                }
                calc.inner().close().await;
            });
        }
        while let Some(joined) = clients.join_next().await {
            joined.unwrap_or_else(|e| panic!("{encoding:?}: {e}"));
        }
    }
}

/// Replies exactly as Mono's text encoder writes them, with the UTF-8 BOM and the XML
/// declaration .NET leaves out: the soapws reader accepts both, replies and faults.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_replies_with_bom_and_declaration() {
    let server = MonoServer::start();
    let calc = soapws::transport::Client::builder(server.url("/calculator-mono-text"))
        .encoding(MessageEncoding::Text)
        .call_timeout(CALL_TIMEOUT)
        .connect()
        .await
        .map(CalculatorClient::new)
        .expect("connect");
    let r = calc
        .add(Add {
            n1: Some(100.0),
            n2: Some(15.99),
        })
        .await
        .unwrap_or_else(|e| panic!("Add: {e}\n--- server log\n{}", server.log()));
    assert_eq!(r.add_result, Some(100.0 + 15.99));
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
        other => panic!("Divide by zero gave {other:?}"),
    }
    calc.inner().close().await;
    let log = server
        .log_when(|l| l.matches("mono-text send: ").count() >= 2)
        .await;
    let sent: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("mono-text send: "))
        .collect();
    assert_eq!(sent.len(), 2, "{log}");
    assert!(
        sent.iter()
            .all(|l| l.contains("begins EF-BB-BF | <?xml version=")),
        "the replies did not start with a BOM and an XML declaration:\n{log}"
    );
    // The endpoint is text only: binary session is refused.
    assert_refused_400(
        soapws::transport::Client::builder(server.url("/calculator-mono-text"))
            .encoding(MessageEncoding::BinarySession)
            .connect()
            .await,
        "binary session at a text-only endpoint",
    );
}

fn assert_refused_400(result: Result<soapws::transport::Client, ConnectError>, what: &str) {
    match result {
        Err(ConnectError::Refused(refusal)) => assert_eq!(
            refusal.status.as_u16(),
            400,
            "{what}: refused, but not with HTTP 400: {refusal:?}"
        ),
        Err(other) => panic!("{what}: expected an HTTP 400 handshake failure, got {other:?}"),
        Ok(_) => panic!("{what}: the server accepted the connection"),
    }
}

/// Handshakes the server refuses with WCF's encoder-mismatch 400: a text client at a
/// binary-only endpoint, and a `soap-content-type` naming msbin1 (the non-session binary
/// encoder, which WebSocket endpoints do not accept). The same clients connect otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_handshakes() {
    let server = MonoServer::start();
    let binary_only = server.url("/calculator-binary");
    let text = soapws::transport::Client::builder(&binary_only)
        .encoding(MessageEncoding::Text)
        .connect()
        .await;
    assert_refused_400(text, "text client at a binary-only endpoint");
    let binary = CalculatorClient::connect(&binary_only)
        .await
        .expect("binary session at the binary-only endpoint");
    let r = binary
        .add(Add {
            n1: Some(2.0),
            n2: Some(40.0),
        })
        .await
        .expect("Add");
    assert_eq!(r.add_result, Some(42.0));
    binary.inner().close().await;

    // soapws has no msbin1 encoding to choose; an extra header sends that content type next to
    // the session one, which the server (as HttpListener does) reads as one combined value.
    for encoding in ENCODINGS {
        let msbin1 = soapws::transport::Client::builder(server.url("/calculator"))
            .encoding(encoding)
            .header("soap-content-type", "application/soap+msbin1")
            .connect()
            .await;
        assert_refused_400(msbin1, &format!("{encoding:?} plus msbin1"));
    }
    let refusal = "refused with 400 Bad Request: content type";
    let log = server.log_when(|l| l.matches(refusal).count() >= 3).await;
    assert!(
        log.matches(refusal).count() == 3,
        "the server did not refuse all three for their content type:\n{log}"
    );
}

/// The duplex calculator: one-way calls, each answered by a `Result` callback on the same
/// socket, `Clear` by an `Equation` callback, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplex_callbacks() {
    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<String>>>);

    #[soapws::async_trait]
    impl CalculatorDuplexCallback for Recorder {
        async fn result(&self, r: calculator_duplex::Result) -> Result<(), soapws::rt::Fault> {
            let v = r.result.map_or("none".into(), |v| v.to_string());
            self.0.lock().unwrap().push(format!("Result({v})"));
            Ok(())
        }

        async fn equation(&self, r: calculator_duplex::Equation) -> Result<(), soapws::rt::Fault> {
            let v = r.eqn.unwrap_or_default();
            self.0.lock().unwrap().push(format!("Equation({v})"));
            Ok(())
        }
    }

    let server = MonoServer::start();
    for encoding in ENCODINGS {
        let recorder = Recorder::default();
        let client = soapws::transport::Client::builder(server.url("/calculator-duplex"))
            .encoding(encoding)
            .callbacks(CalculatorDuplexCallbackServer::new(recorder.clone()))
            .connect()
            .await
            .map(CalculatorDuplexClient::new)
            .expect("connect the duplex client");
        client.add_to(AddTo { n: Some(2.0) }).await.expect("AddTo");
        client
            .multiply_by(MultiplyBy { n: Some(21.0) })
            .await
            .expect("MultiplyBy");
        client
            .subtract_from(SubtractFrom { n: Some(2.0) })
            .await
            .expect("SubtractFrom");
        client
            .divide_by(DivideBy { n: Some(4.0) })
            .await
            .expect("DivideBy");
        client.clear(Clear {}).await.expect("Clear");
        let expected = [
            "Result(2)",
            "Result(42)",
            "Result(40)",
            "Result(10)",
            "Equation(0 + 2 * 21 - 2 / 4 = 10)",
        ];
        let deadline = tokio::time::Instant::now() + CALL_TIMEOUT;
        while recorder.0.lock().unwrap().len() < expected.len()
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let got = recorder.0.lock().unwrap().clone();
        assert_eq!(
            got,
            expected,
            "{encoding:?}: callbacks\n--- server log\n{}",
            server.log()
        );
        client.inner().close().await;
    }
}
