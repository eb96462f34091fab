//! Real WCF clients (Mono's `ChannelFactory<T>`, `DuplexChannelFactory<T>`, `InstanceContext`,
//! `DataContractSerializer`, `FaultException<T>`) call the example services over real sockets on
//! 127.0.0.1, in text and binary session encoding.
//!
//! Mono has no WebSocket transport for WCF, so the clients run over
//! `tests/interop/wcf-client/SoapWsTransport.cs`, a WCF transport binding element over
//! `ClientWebSocket` that behaves on the wire as .NET's NetHttpBinding WebSocket transport does.
//! The scenarios live in `tests/interop/wcf-client/CalculatorClients.cs` (and, for the WebSocket
//! scenario contracts, `PushClients.cs`) and, for the inventory's message contracts with typed
//! headers and its rpc/literal contract, `InventoryClients.cs` (its own program); both take their
//! command line, verdict, checks and binding from `ClientHarness.cs`. Each run prints one `ok ...`
//! line per check and `PASS <scenario> <encoding>`, or exits non-zero.
//!
//! Needs Mono (`mono`, `mcs`); fails, never skips, when it is missing.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use soapws::transport::Server;

/// How long one client run may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Compiles the C# once per test binary.
fn client_exe() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        soapws_testkit::compile_interop(
            &Path::new(env!("CARGO_TARGET_TMPDIR")).join("CalculatorClients"),
            "CalculatorClients",
            &[
                "wcf-client/SoapWsTransport.cs",
                "wcf-client/ClientHarness.cs",
                "wcf-client/CalculatorClients.cs",
                "wcf-client/PushClients.cs",
            ],
        )
    })
}

/// The inventory's client (`InventoryClients.cs`, its own `Main`), compiled once per test binary.
fn inventory_exe() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        soapws_testkit::compile_interop(
            &Path::new(env!("CARGO_TARGET_TMPDIR")).join("InventoryClients"),
            "InventoryClients",
            &[
                "wcf-client/SoapWsTransport.cs",
                "wcf-client/ClientHarness.cs",
                "wcf-client/InventoryClients.cs",
            ],
        )
    })
}

async fn start() -> Server {
    soapws_examples::server()
        .bind("127.0.0.1:0")
        .await
        .expect("bind")
}

fn spawn_client(scenario: &str, encoding: &str, server: &Server) -> Child {
    spawn(client_exe(), scenario, encoding, server)
}

fn spawn(exe: &Path, scenario: &str, encoding: &str, server: &Server) -> Child {
    Command::new("mono")
        .arg("--debug")
        .arg(exe)
        .args([scenario, encoding, &format!("ws://{}", server.local_addr())])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mono")
}

/// Waits (off the async runtime) for the client to exit; kills it after `RUN_TIMEOUT`. Returns
/// its stdout; panics with its output unless it exited 0.
async fn finish(mut child: Child, what: String) -> String {
    tokio::task::spawn_blocking(move || {
        // Drain both pipes while waiting so the client never blocks on a full pipe.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let out = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for mono") {
                break Some(status);
            }
            if started.elapsed() > RUN_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let (out, err) = (out.join().unwrap(), err.join().unwrap());
        match status {
            Some(s) if s.success() => {
                // Shown with --nocapture.
                println!("--- {what} ({:?})\n{out}{err}", started.elapsed());
                out
            }
            Some(s) => panic!("{what}: mono exited with {s}\n--- stdout\n{out}--- stderr\n{err}"),
            None => panic!("{what}: no exit within {RUN_TIMEOUT:?}, killed\n--- stdout\n{out}--- stderr\n{err}"),
        }
    })
    .await
    .expect("client runner")
}

async fn run(scenario: &str, encoding: &str, server: &Server) -> String {
    run_exe(client_exe(), scenario, encoding, server).await
}

async fn run_exe(exe: &Path, scenario: &str, encoding: &str, server: &Server) -> String {
    let child = spawn(exe, scenario, encoding, server);
    finish(child, format!("{scenario} {encoding}")).await
}

fn assert_lines(output: &str, expected: &[&str]) {
    for line in expected {
        assert!(
            output.lines().any(|l| l == *line),
            "missing line {line:?} in the client's output:\n{output}"
        );
    }
}

async fn connections_drop_to_zero(server: &Server) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.connections() != 0 {
        assert!(
            Instant::now() < deadline,
            "{} connection(s) still open 5 s after the client closed",
            server.connections()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const ENCODINGS: [&str; 2] = ["text", "binary"];

/// Add/Subtract/Multiply/Divide with the WCF sample values, the declared MathFault as
/// `FaultException<MathFault>`, then 200 sequential calls (the binary session's string table
/// grows on both sides).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calculator_request_reply_and_declared_fault() {
    let server = start().await;
    for encoding in ENCODINGS {
        let out = run("calculator", encoding, &server).await;
        assert_lines(
            &out,
            &[
                "ok Add(100, 15.99) = 115.99",
                "ok Subtract(100, 15.99) = 84.01",
                "ok Multiply(100, 15.99) = 1599",
                "ok Divide(100, 15.99) = 6.2539086929330834",
                "ok Divide(1, 0) faults: MathFault Operation = Divide",
                "ok MathFault ProblemType = Division by zero",
                "ok channel still open after the fault",
                "ok 200 sequential Add calls",
                &format!("PASS calculator {encoding}"),
            ],
        );
    }
    server.shutdown().await;
}

/// `DuplexChannelFactory` with an `InstanceContext`: one-way calls, callbacks in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplex_callbacks_arrive_in_order() {
    let server = start().await;
    for encoding in ENCODINGS {
        let out = run("duplex", encoding, &server).await;
        assert_lines(
            &out,
            &[
                "ok AddTo(2) -> Result(2)",
                "ok MultiplyBy(21) -> Result(42)",
                "ok SubtractFrom(2) -> Result(40)",
                "ok DivideBy(4) -> Result(10)",
                "ok Clear() -> Equation(0 + 2 * 21 - 2 / 4 = 10)",
                &format!("PASS duplex {encoding}"),
            ],
        );
        connections_drop_to_zero(&server).await;
    }
    server.shutdown().await;
}

/// 8 threads x 25 `Multiply` calls on ONE shared `ChannelFactory<T>` channel (replies matched by
/// RelatesTo in the transport, as .NET does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_on_one_channel() {
    let server = start().await;
    for encoding in ENCODINGS {
        let out = run("concurrent", encoding, &server).await;
        assert_lines(
            &out,
            &[
                "ok 200 of 200 concurrent Multiply calls on one channel answered correctly",
                &format!("PASS concurrent {encoding}"),
            ],
        );
    }
    server.shutdown().await;
}

/// The client closes its proxy: a clean WebSocket close, and the server drops the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_started_by_the_client() {
    let server = start().await;
    for encoding in ENCODINGS {
        let out = run("close", encoding, &server).await;
        assert_lines(
            &out,
            &[
                "ok Add(1, 2) = 3",
                "ok proxy closed cleanly",
                &format!("PASS close {encoding}"),
            ],
        );
        connections_drop_to_zero(&server).await;
    }
    server.shutdown().await;
}

/// A handshake with an encoding the endpoint does not accept: ClientWebSocket and the WCF proxy
/// fail, the same code with the right encoding connects, and the raw answer is HTTP 400 naming
/// the server's content type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_handshake() {
    let server = start().await;
    for encoding in ENCODINGS {
        let out = run("refused", encoding, &server).await;
        assert_lines(
            &out,
            &[
                "ok ClientWebSocket refused with application/soap+msbin1: Unable to connect to the remote server",
                "response: HTTP/1.1 400 Bad Request",
                "ok WCF proxy refused: EndpointNotFoundException",
                &format!("PASS refused {encoding}"),
            ],
        );
        assert!(
            out.lines().any(|l| l.eq_ignore_ascii_case(
                "response: soap-content-type: application/soap+msbinsession1"
            )),
            "the 400 response names no soap-content-type the server accepts:\n{out}"
        );
        assert_eq!(
            server.connections(),
            0,
            "refused handshakes leave no connection"
        );
    }
    server.shutdown().await;
}

/// The server shuts down while a WCF client is connected: the client's next call fails with a
/// `CommunicationException` and it exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_started_by_the_server() {
    for encoding in ENCODINGS {
        let server = start().await;
        let mut child = spawn_client("server-close", encoding, &server);
        let stdout = child.stdout.take().expect("stdout");
        let (ready, stdout) = tokio::task::spawn_blocking(move || {
            let mut reader = BufReader::new(stdout);
            let mut seen = String::new();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                seen.push_str(&line);
                if line.trim_end() == "READY" {
                    return (Ok(seen), reader);
                }
                line.clear();
            }
            (Err(seen), reader)
        })
        .await
        .unwrap();
        if let Err(seen) = ready {
            let _ = child.kill();
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("server-close {encoding}: the client never got ready\n--- stdout\n{seen}--- stderr\n{err}");
        }
        assert_eq!(server.connections(), 1);
        tokio::time::timeout(Duration::from_secs(10), server.shutdown())
            .await
            .expect("shutdown completes while a WCF client is connected");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"go\n").expect("tell the client");
        drop(stdin);
        child.stdout = Some(stdout.into_inner());
        let out = finish(child, format!("server-close {encoding}")).await;
        assert!(
            out.lines()
                .any(|l| l.starts_with("ok call after server close fails: ")),
            "missing the failed call after the server closed:\n{out}"
        );
        assert_lines(&out, &[&format!("PASS server-close {encoding}")]);
    }
}

/// `IWSDuplexService` at `/push` through `DuplexChannelFactory` with an `InstanceContext`
/// implementing `IPushCallback`, declared as .NET declares it (`System.IO.Stream` parameters,
/// `List<string>`): data and streams both ways, pushed data in order, pushed streams, the log as a
/// callback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_callbacks_with_data_and_streams() {
    let server = start().await;
    for encoding in ENCODINGS {
        let out = run("push", encoding, &server).await;
        assert_lines(
            &out,
            &[
                "ok UploadData(3000 chars)",
                &format!("ok DownloadData() = {}", soapws_examples::DOWNLOAD_DATA),
                "ok UploadStream(5000 bytes) sent",
                "ok DownloadStream() = 8192 bytes: 00 01 02 03 04 05 06 07",
                "ok StartPushingData -> ReceiveData(push 0, push 1, push 2)",
                "ok StartPushingStream -> ReceiveStream(8192 bytes: 00 01 02 03 04 05 06 07)",
                "ok GetLog -> ReceiveLog(8 lines)",
                &format!("PASS push {encoding}"),
            ],
        );
        connections_drop_to_zero(&server).await;
    }
    server.shutdown().await;
}

/// `IWSRequestReplyService` at `/request-reply` through `ChannelFactory`: data and streams both
/// ways, then the log as a reply. The service keeps one log, so each encoding gets a fresh server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_reply_with_data_and_streams() {
    for encoding in ENCODINGS {
        let server = start().await;
        let out = run("request-reply", encoding, &server).await;
        assert_lines(
            &out,
            &[
                "ok UploadData(3000 chars)",
                &format!("ok DownloadData() = {}", soapws_examples::DOWNLOAD_DATA),
                "ok UploadStream(5000 bytes)",
                "ok DownloadStream() = 8192 bytes: 00 01 02 03 04 05 06 07",
                "ok GetLog() = 4 lines",
                &format!("PASS request-reply {encoding}"),
            ],
        );
        server.shutdown().await;
    }
}

/// `IInventory` at `/inventory` as svcutil declares it for `wsdl/inventory.wsdl`: message
/// contracts (`[MessageHeader]`, `[MessageBodyMember]`, wrapped and unwrapped bodies) with
/// `[XmlSerializerFormat]` (`xs:choice` with a choice identifier, `[Flags]` enums as lists,
/// repeated choices): typed request headers, the `Audit` and `TraceId` reply headers, a one-way
/// operation with its header, and the service's fault for a missing header. One server serves
/// both encodings; each run uses its own tenant. (Mono gives one-way messages a MessageID, so the
/// server handles its Restocks like requests, concurrently: the client repeats FindItems until
/// both are counted; see `InventoryClients.cs`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_message_contracts_with_typed_headers() {
    let server = start().await;
    for encoding in ENCODINGS {
        let out = run_exe(inventory_exe(), "inventory", encoding, &server).await;
        assert_lines(
            &out,
            &[
                "ok AddItem(glass) with a Tenant header = 1",
                "ok AddItem(crate) = 2",
                "ok FindItems() = 2 items",
                "ok item 1: glass Sku=G-1 Flags=Fragile|Hazardous Size=0.5 1.25 30 Code=A7 Discount=SeasonalDiscount(summer 12.5 2026) Bin=3 Shelf=north Bin=4 grades=Fragile",
                "ok item 2: crate Barcode=42 Flags=Perishable",
                "ok FindItems reply has the Audit header",
                "ok Audit: Server = soapws inventory, Items = 2, Restocked = 0",
                "ok TraceId reply header echoes the request's",
                "ok FindItems(ByName = crate) = crate",
                "ok FindItems(ByFlags = Hazardous) = glass",
                "ok Restock(5), Restock(7) one-way -> Audit.Restocked = 12",
                "ok AddItem without a Tenant header faults: a Tenant header is required",
                "ok fault code is Sender",
                "ok channel still open after the fault",
                &format!("PASS inventory {encoding}"),
            ],
        );
        connections_drop_to_zero(&server).await;
    }
    server.shutdown().await;
}

/// `IPricing` at `/pricing`, bound rpc/literal: `[XmlSerializerFormat(Style = Rpc)]` message
/// contracts, the wrappers in the binding's namespace and the parts unqualified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pricing_rpc_literal() {
    let server = start().await;
    for encoding in ENCODINGS {
        let out = run_exe(inventory_exe(), "pricing", encoding, &server).await;
        assert_lines(
            &out,
            &[
                "ok GetPrice(glass-7, 4) = 10, Fragile",
                &format!("PASS pricing {encoding}"),
            ],
        );
    }
    server.shutdown().await;
}
