//! Round trips over 127.0.0.1: the soapws transport (server, client, duplex session, message
//! encoders) against a raw tokio-tungstenite echo of the same bytes, measured the way the raw
//! anchors of `perf-anchors.md` §1 and §5 were.
//!
//! Run: `cargo bench -p soapws-transport --bench roundtrip` (a few minutes), or
//! `cargo bench -p soapws-transport --bench roundtrip -- --quick` (about 10 s, a smoke run).
//! Options: `--reps N` (default 3; each cell is the median of N interleaved runs), `--measure-ms`,
//! `--warmup-ms`, `--idle-conns N` (default 10,000), `--no-memory`, `--only-memory`.
//!
//! How it works. One binary plays every role: the process `cargo bench` starts only orchestrates;
//! it re-executes itself as a **server child** (soapws or raw echo) and as a **client child**
//! per cell, each with a `current_thread` tokio runtime and pinned with `taskset -c` (through
//! `sh -c 'ulimit -n <hard>; exec taskset …'`, which also raises `RLIMIT_NOFILE`).
//!
//! - Placements: *split* (server on vCPU 1, client on vCPU 0) and *shared* (both on vCPU 0).
//! - Workloads: (a) `bin`: an `Echo` of a short string over msbinsession1 (steady state: the
//!   session tables are filled during warm-up); (b) `text`: a `SubmitOrder` of 44 typed fields
//!   (~2 KB of SOAP 1.2 text), which the service reads field by field and sends back as a
//!   `SubmitOrderResponse` with the same fields. The client reads every reply body too.
//! - Baseline: a tokio-tungstenite echo server (default `WebSocketConfig`; reply with `feed`,
//!   more `feed`s while messages are already decodable, one `flush`) and a tokio-tungstenite
//!   client sending the encoded request of (a) / (b) as they are on the wire.
//! - Scenarios: 1 connection × 1 in flight; 1 connection × 64 in flight (soapws: 64 tasks calling
//!   on one `Client`; raw: a writer keeping 64 outstanding, a reader receiving); 100 connections
//!   × 1 in flight.
//! - Each cell: connect, warm up, then a measured window; only round trips that complete inside
//!   the window count. Latency runs from the call (send) to the reply being read.
//! - Server CPU per request: the server child's utime+stime (`/proc/PID/stat`) read by the client
//!   at the start and end of the window, divided by the requests in it. Client CPU likewise.
//! - Memory: fresh server children; a client child opens N idle connections (batches of 100
//!   handshakes); server VmRSS before, 1 s after the last handshake, and 1 s after one round trip
//!   on every connection. soapws (binary session) vs raw tokio-tungstenite with the default
//!   config and with `read_buffer_size` = 4 KiB (what soapws configures).
//!
//! `cargo test --benches` runs this binary without `--bench`: it then only prints how to run it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{FutureExt, SinkExt, StreamExt};
use soapws_envelope::xml::XmlReadExt;
use soapws_envelope::{Encoding, Message, MessageEncoder, RelatesTo};
use soapws_nbfs::{DateTime, DateTimeKind, Decimal, Value, Writer, XmlString};
use soapws_transport::handshake::{EndpointConfig, MessageEncoding};
use soapws_transport::{Client, RequestContext, Server, Service, ServiceError};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::WebSocketStream;

// ---------------------------------------------------------------------------------------------
// The messages
// ---------------------------------------------------------------------------------------------

const PATH: &str = "/bench";
const ECHO_NS: &str = "urn:bench";
const ECHO_ACTION: &str = "urn:bench/Echo";
const ECHO_REPLY_ACTION: &str = "urn:bench/EchoResponse";
const ECHO_TEXT: &str = "hello, soapws";
const ORDER_NS: &str = "http://tempuri.org/";
const ORDER_ACTION: &str = "http://tempuri.org/IOrderService/SubmitOrder";
const ORDER_REPLY_ACTION: &str = "http://tempuri.org/IOrderService/SubmitOrderResponse";
/// The `To` the client puts in requests has this length (`ws://127.0.0.1:NNNNN/bench`).
const SAMPLE_URL: &str = "ws://127.0.0.1:40000/bench";

const FIELDS: [&str; 44] = [
    "OrderId",
    "CustomerId",
    "Quantity",
    "UnitPrice",
    "Discount",
    "Total",
    "Paid",
    "Express",
    "Created",
    "Shipped",
    "Name",
    "Street",
    "City",
    "Zip",
    "Country",
    "Email",
    "Phone",
    "Note",
    "Weight",
    "Priority",
    "Warehouse",
    "Carrier",
    "Tracking",
    "Currency",
    "TaxRate",
    "TaxAmount",
    "Gift",
    "Wrapped",
    "Ordered",
    "Delivered",
    "Contact",
    "Company",
    "Region",
    "Reference",
    "Channel",
    "Comment",
    "Batch",
    "Bin",
    "Pallet",
    "Volume",
    "Returned",
    "Invoice",
    "Agent",
    "Remarks",
];

/// A field value as a service holds it after reading (a DataContract member).
#[derive(Debug, Clone, PartialEq)]
enum Field {
    I32(i32),
    I64(i64),
    F64(f64),
    Dec(Decimal),
    Bool(bool),
    Dt(DateTime),
    Str(String),
}

impl Field {
    fn value(&self) -> Value<'_> {
        match self {
            Field::I32(v) => Value::Int32(*v),
            Field::I64(v) => Value::Int64(*v),
            Field::F64(v) => Value::Double(*v),
            Field::Dec(v) => Value::Decimal(*v),
            Field::Bool(v) => Value::Bool(*v),
            Field::Dt(v) => Value::DateTime(*v),
            Field::Str(v) => Value::Str(v),
        }
    }
}

fn order_fields() -> Vec<Field> {
    (0..FIELDS.len())
        .map(|i| match i % 7 {
            0 => Field::I32(100_000 + i as i32),
            1 => Field::I64(9_000_000_000 + i as i64),
            2 => Field::F64(19.99 + i as f64),
            3 => Field::Dec(Decimal {
                mantissa: 123_456 + i as u128,
                scale: 2,
                negative: false,
            }),
            4 => Field::Bool(i % 2 == 0),
            5 => Field::Dt(DateTime {
                ticks: 638_000_000_000_000_000 + i as u64,
                kind: DateTimeKind::Utc,
            }),
            _ => Field::Str("Contoso Ltd, 1 Microsoft Way".into()),
        })
        .collect()
}

fn write_order(
    w: &mut Writer<'_>,
    root: &str,
    fields: &[Field],
) -> Result<(), soapws_nbfs::EncodeError> {
    w.start_element(
        None,
        XmlString::dynamic(root),
        Some(XmlString::dynamic(ORDER_NS)),
    )?;
    for (name, f) in FIELDS.iter().zip(fields) {
        w.start_element(None, XmlString::dynamic(name), None)?;
        w.value(&f.value())?;
        w.end_element()?;
    }
    w.end_element()
}

fn read_order(m: &Message, root: &str) -> Result<Vec<Field>, String> {
    let e = |e: soapws_envelope::xml::XmlError| e.to_string();
    let mut r = m.body_reader().map_err(e)?;
    r.read_start_element(root, ORDER_NS).map_err(e)?;
    let mut out = Vec::with_capacity(FIELDS.len());
    for i in 0..FIELDS.len() {
        out.push(match i % 7 {
            0 => Field::I32(r.read_element_value("int", |v| v.to_i32()).map_err(e)?),
            1 => Field::I64(r.read_element_value("long", |v| v.to_i64()).map_err(e)?),
            2 => Field::F64(r.read_element_value("double", |v| v.to_f64()).map_err(e)?),
            3 => Field::Dec(
                r.read_element_value("decimal", |v| v.to_decimal())
                    .map_err(e)?,
            ),
            4 => Field::Bool(r.read_element_value("bool", |v| v.to_bool()).map_err(e)?),
            5 => Field::Dt(
                r.read_element_value("dateTime", |v| v.to_date_time())
                    .map_err(e)?,
            ),
            _ => Field::Str(r.read_element_string().map_err(e)?),
        });
    }
    r.read_end_element().map_err(e)?;
    Ok(out)
}

fn write_echo(w: &mut Writer<'_>, root: &str, text: &str) -> Result<(), soapws_nbfs::EncodeError> {
    w.start_element(
        None,
        XmlString::dynamic(root),
        Some(XmlString::dynamic(ECHO_NS)),
    )?;
    w.start_element(None, XmlString::dynamic("text"), None)?;
    w.value(&Value::Str(text))?;
    w.end_element()?;
    w.end_element()
}

fn read_echo(m: &Message, root: &str) -> Result<String, String> {
    let e = |e: soapws_envelope::xml::XmlError| e.to_string();
    let mut r = m.body_reader().map_err(e)?;
    r.read_start_element(root, ECHO_NS).map_err(e)?;
    r.read_element_string().map_err(e)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Workload {
    /// (a) small binary-session request/reply.
    Bin,
    /// (b) ~2 KB text request/reply.
    Text,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Bin => "bin",
            Workload::Text => "text",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "bin" => Workload::Bin,
            "text" => Workload::Text,
            _ => panic!("unknown workload {s}"),
        }
    }
    fn encoding(self) -> MessageEncoding {
        match self {
            Workload::Bin => MessageEncoding::BinarySession,
            Workload::Text => MessageEncoding::Text,
        }
    }
    fn wire_encoding(self) -> Encoding {
        match self {
            Workload::Bin => Encoding::BinarySession,
            Workload::Text => Encoding::Text,
        }
    }
    fn request(self) -> Message {
        match self {
            Workload::Bin => Message::request(ECHO_ACTION, |w: &mut Writer<'_>| {
                write_echo(w, "Echo", ECHO_TEXT)
            }),
            Workload::Text => {
                let fields = ORDER.with(|f| f.clone());
                Message::request(ORDER_ACTION, move |w: &mut Writer<'_>| {
                    write_order(w, "SubmitOrder", &fields)
                })
            }
        }
    }
    /// Reads a reply as a client would; checks it on request.
    fn read_reply(self, reply: &Message, check: bool) {
        match self {
            Workload::Bin => {
                let text = read_echo(reply, "EchoResponse").expect("echo reply");
                if check {
                    assert_eq!(text, ECHO_TEXT);
                }
            }
            Workload::Text => {
                let fields = read_order(reply, "SubmitOrderResponse").expect("order reply");
                if check {
                    assert_eq!(fields, *ORDER.with(|f| f.clone()));
                }
            }
        }
    }
    /// The steady-state bytes of a request and of its reply, as soapws puts them on the wire.
    fn wire_bytes(self) -> (Vec<u8>, Vec<u8>) {
        let mut client = MessageEncoder::new(self.wire_encoding());
        let mut server = MessageEncoder::new(self.wire_encoding());
        let mut request = self.request();
        request.headers.to = Some(SAMPLE_URL.into());
        let reply = |request: &Message| {
            let mut reply = match self {
                Workload::Bin => Message::one_way(ECHO_REPLY_ACTION, |w: &mut Writer<'_>| {
                    write_echo(w, "EchoResponse", ECHO_TEXT)
                }),
                Workload::Text => {
                    let fields = order_fields();
                    Message::one_way(ORDER_REPLY_ACTION, move |w: &mut Writer<'_>| {
                        write_order(w, "SubmitOrderResponse", &fields)
                    })
                }
            };
            reply.headers.relates_to = request.headers.message_id.clone().map(|id| RelatesTo {
                id,
                relationship: None,
            });
            reply.headers.to = Some(soapws_envelope::names::ANONYMOUS.as_str().to_owned());
            reply
        };
        // The first message of a session carries the session strings; the second is steady state.
        client.encode(&request).unwrap();
        server.encode(&reply(&request)).unwrap();
        (
            client.encode(&request).unwrap(),
            server.encode(&reply(&request)).unwrap(),
        )
    }
}

thread_local! {
    static ORDER: Arc<Vec<Field>> = Arc::new(order_fields());
}

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

struct Bench;

#[async_trait]
impl Service for Bench {
    async fn call(
        &self,
        request: Message,
        _: RequestContext,
    ) -> Result<Option<Message>, ServiceError> {
        match request.headers.action.as_deref() {
            Some(ECHO_ACTION) => {
                let text = read_echo(&request, "Echo").map_err(ServiceError::Internal)?;
                Ok(Some(Message::one_way(
                    ECHO_REPLY_ACTION,
                    move |w: &mut Writer<'_>| write_echo(w, "EchoResponse", &text),
                )))
            }
            Some(ORDER_ACTION) => {
                let fields = read_order(&request, "SubmitOrder").map_err(ServiceError::Internal)?;
                Ok(Some(Message::one_way(
                    ORDER_REPLY_ACTION,
                    move |w: &mut Writer<'_>| write_order(w, "SubmitOrderResponse", &fields),
                )))
            }
            other => Err(ServiceError::ActionNotSupported(
                other.unwrap_or_default().into(),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ServerKind {
    Soap,
    /// tokio-tungstenite echo, default `WebSocketConfig`.
    Raw,
    /// tokio-tungstenite echo, `read_buffer_size` 4 KiB (what soapws configures).
    Raw4k,
}

impl ServerKind {
    fn name(self) -> &'static str {
        match self {
            ServerKind::Soap => "soap",
            ServerKind::Raw => "raw",
            ServerKind::Raw4k => "raw4k",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "soap" => ServerKind::Soap,
            "raw" => ServerKind::Raw,
            "raw4k" => ServerKind::Raw4k,
            _ => panic!("unknown server {s}"),
        }
    }
}

/// Server child: prints `PORT n`, serves until its standard input closes.
fn server_main(kind: ServerKind) {
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        std::process::exit(0);
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        match kind {
            ServerKind::Soap => {
                let endpoint = EndpointConfig::new(MessageEncoding::BinarySession)
                    .with_encoding(MessageEncoding::Text);
                let _server = Server::builder()
                    .route(PATH, endpoint, Bench)
                    .max_connections(1_000_000)
                    .serve(listener);
                announce(port);
                std::future::pending::<()>().await;
            }
            ServerKind::Raw | ServerKind::Raw4k => {
                let config = (kind == ServerKind::Raw4k)
                    .then(|| WebSocketConfig::default().read_buffer_size(4096));
                announce(port);
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(raw_echo(stream, config));
                }
            }
        }
    });
}

fn announce(port: u16) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "PORT {port}");
    let _ = out.flush();
}

/// The anchor's `ws_echo`: feed the message back, feed what is already decodable, flush once.
async fn raw_echo(stream: TcpStream, config: Option<WebSocketConfig>) {
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, config).await else {
        return;
    };
    while let Some(Ok(m)) = ws.next().await {
        if m.is_close() {
            break;
        }
        if !(m.is_binary() || m.is_text()) {
            continue;
        }
        if ws.feed(m).await.is_err() {
            return;
        }
        while let Some(Some(Ok(m))) = ws.next().now_or_never() {
            if (m.is_binary() || m.is_text()) && ws.feed(m).await.is_err() {
                return;
            }
        }
        if ws.flush().await.is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Load client
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Scenario {
    OneByOne,
    Pipelined,
    Conns,
}

const SCENARIOS: [Scenario; 3] = [Scenario::OneByOne, Scenario::Pipelined, Scenario::Conns];

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::OneByOne => "1x1",
            Scenario::Pipelined => "1x64",
            Scenario::Conns => "100x1",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "1x1" => Scenario::OneByOne,
            "1x64" => Scenario::Pipelined,
            "100x1" => Scenario::Conns,
            _ => panic!("unknown scenario {s}"),
        }
    }
    fn connections(self) -> usize {
        if self == Scenario::Conns {
            100
        } else {
            1
        }
    }
    fn in_flight(self) -> usize {
        if self == Scenario::Pipelined {
            64
        } else {
            1
        }
    }
}

/// `utime + stime` of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return 0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state is field 3; utime and stime are fields 14 and 15.
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
}

fn vm_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Window {
    start: Instant,
    end: Instant,
}

impl Window {
    fn contains(&self, t: Instant) -> bool {
        t >= self.start && t < self.end
    }
}

fn record(lat: &mut Vec<u32>, w: &Window, sent: Instant, now: Instant) {
    if w.contains(now) {
        lat.push(now.duration_since(sent).as_nanos().min(u32::MAX as u128) as u32);
    }
}

/// Client child: runs one cell and prints `RESULT count secs p50_ns p99_ns server_us client_us`.
fn client_main(args: &Args) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let system = ServerKind::parse(&args.value("--system").unwrap());
    let workload = Workload::parse(&args.value("--workload").unwrap());
    let scenario = Scenario::parse(&args.value("--scenario").unwrap());
    let url = args.value("--url").unwrap();
    let server_pid: u32 = args.value("--server-pid").unwrap().parse().unwrap();
    let warmup = Duration::from_millis(args.num("--warmup-ms", 500));
    let measure = Duration::from_millis(args.num("--measure-ms", 2000));
    let tick_us: f64 = args
        .value("--tick-us")
        .map_or(10_000.0, |v| v.parse().unwrap());
    rt.block_on(async move {
        let (mut lat, sample) = match system {
            ServerKind::Soap => {
                run_soap(workload, scenario, &url, server_pid, warmup, measure).await
            }
            _ => run_raw(workload, scenario, &url, server_pid, warmup, measure).await,
        };
        lat.sort_unstable();
        let pct = |p: f64| {
            if lat.is_empty() {
                0
            } else {
                lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)]
            }
        };
        let count = lat.len() as f64;
        // Requests in the sampled interval, at the rate of the window.
        let sampled = count * sample.elapsed.as_secs_f64() / measure.as_secs_f64();
        let per = |ticks: u64| ticks as f64 * tick_us / sampled.max(1.0);
        println!(
            "RESULT {} {} {} {} {:.3} {:.3} {:.3}",
            lat.len(),
            measure.as_secs_f64(),
            pct(0.50),
            pct(0.99),
            per(sample.server_ticks),
            per(sample.client_ticks),
            // CPUs' worth of time used by other processes during the window.
            (sample.machine_ticks as f64 - sample.server_ticks as f64 - sample.client_ticks as f64)
                .max(0.0)
                * tick_us
                / 1e6
                / sample.elapsed.as_secs_f64().max(1e-9),
        );
    });
}

struct Sample {
    elapsed: Duration,
    server_ticks: u64,
    client_ticks: u64,
    /// Busy ticks of the whole machine (all CPUs).
    machine_ticks: u64,
}

/// Busy time of all CPUs together, in clock ticks (`/proc/stat`: everything but idle and iowait).
fn machine_busy_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return 0;
    };
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    v.iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, x)| x)
        .sum()
}

async fn sample_cpu(server_pid: u32, w: Arc<Window>) -> Sample {
    let me = std::process::id();
    tokio::time::sleep_until(w.start.into()).await;
    let (t0, s0, c0, m0) = (
        Instant::now(),
        cpu_ticks(server_pid),
        cpu_ticks(me),
        machine_busy_ticks(),
    );
    tokio::time::sleep_until(w.end.into()).await;
    let (t1, s1, c1, m1) = (
        Instant::now(),
        cpu_ticks(server_pid),
        cpu_ticks(me),
        machine_busy_ticks(),
    );
    Sample {
        elapsed: t1 - t0,
        server_ticks: s1.saturating_sub(s0),
        client_ticks: c1.saturating_sub(c0),
        machine_ticks: m1.saturating_sub(m0),
    }
}

async fn run_soap(
    workload: Workload,
    scenario: Scenario,
    url: &str,
    server_pid: u32,
    warmup: Duration,
    measure: Duration,
) -> (Vec<u32>, Sample) {
    let mut clients = Vec::new();
    for _ in 0..scenario.connections() {
        let client = Client::builder(url)
            .encoding(workload.encoding())
            .connect()
            .await
            .expect("connect");
        // Checked once; fills the binary session tables.
        let reply = client.call(workload.request()).await.expect("first call");
        workload.read_reply(&reply, true);
        clients.push(client);
    }
    let start = Instant::now() + warmup;
    let w = Arc::new(Window {
        start,
        end: start + measure,
    });
    let sampler = tokio::spawn(sample_cpu(server_pid, w.clone()));
    let mut tasks = JoinSet::new();
    for client in &clients {
        for _ in 0..scenario.in_flight() {
            let (client, w) = (client.clone(), w.clone());
            tasks.spawn(async move {
                let mut lat = Vec::with_capacity(1 << 16);
                loop {
                    let sent = Instant::now();
                    if sent >= w.end {
                        break;
                    }
                    let reply = client.call(workload.request()).await.expect("call");
                    workload.read_reply(&reply, false);
                    record(&mut lat, &w, sent, Instant::now());
                }
                lat
            });
        }
    }
    let mut lat = Vec::new();
    while let Some(r) = tasks.join_next().await {
        lat.extend(r.expect("client task"));
    }
    (lat, sampler.await.unwrap())
}

type Ws = WebSocketStream<TcpStream>;

async fn raw_connect(url: &str) -> Ws {
    let addr = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.set_nodelay(true).unwrap();
    let (ws, _) = tokio_tungstenite::client_async(url, tcp)
        .await
        .expect("handshake");
    ws
}

async fn run_raw(
    workload: Workload,
    scenario: Scenario,
    url: &str,
    server_pid: u32,
    warmup: Duration,
    measure: Duration,
) -> (Vec<u32>, Sample) {
    let payload = Bytes::from(workload.wire_bytes().0);
    let mut conns = Vec::new();
    for _ in 0..scenario.connections() {
        let mut ws = raw_connect(url).await;
        ws.send(WsMessage::Binary(payload.clone())).await.unwrap();
        let echoed = ws.next().await.unwrap().unwrap();
        assert_eq!(echoed.into_data(), payload);
        conns.push(ws);
    }
    let start = Instant::now() + warmup;
    let w = Arc::new(Window {
        start,
        end: start + measure,
    });
    let sampler = tokio::spawn(sample_cpu(server_pid, w.clone()));
    let mut lat = Vec::new();
    if scenario == Scenario::Pipelined {
        let ws = conns.pop().unwrap();
        lat = raw_pipelined(ws, payload, scenario.in_flight(), w).await;
    } else {
        let mut tasks = JoinSet::new();
        for mut ws in conns {
            let (payload, w) = (payload.clone(), w.clone());
            tasks.spawn(async move {
                let mut lat = Vec::with_capacity(1 << 16);
                loop {
                    let sent = Instant::now();
                    if sent >= w.end {
                        break;
                    }
                    ws.send(WsMessage::Binary(payload.clone())).await.unwrap();
                    ws.next().await.unwrap().unwrap();
                    record(&mut lat, &w, sent, Instant::now());
                }
                lat
            });
        }
        while let Some(r) = tasks.join_next().await {
            lat.extend(r.expect("client task"));
        }
    }
    (lat, sampler.await.unwrap())
}

/// The anchor's loadgen at 64 in flight: a writer keeps `depth` messages outstanding (feeds the
/// free window, then flushes) while a reader receives; latency from send to matching receive.
async fn raw_pipelined(ws: Ws, payload: Bytes, depth: usize, w: Arc<Window>) -> Vec<u32> {
    let (mut sink, mut stream) = ws.split();
    let sent: Arc<Mutex<VecDeque<Instant>>> = Arc::new(Mutex::new(VecDeque::new()));
    let window = Arc::new(Semaphore::new(depth));
    let writer = {
        let (sent, window, w) = (sent.clone(), window.clone(), w.clone());
        tokio::spawn(async move {
            loop {
                window.acquire().await.unwrap().forget();
                let now = Instant::now();
                if now >= w.end {
                    break;
                }
                sent.lock().unwrap().push_back(now);
                if sink.feed(WsMessage::Binary(payload.clone())).await.is_err() {
                    break;
                }
                while let Ok(p) = window.try_acquire() {
                    p.forget();
                    sent.lock().unwrap().push_back(Instant::now());
                    if sink.feed(WsMessage::Binary(payload.clone())).await.is_err() {
                        return sink;
                    }
                }
                if sink.flush().await.is_err() {
                    break;
                }
            }
            sink
        })
    };
    let mut lat = Vec::with_capacity(1 << 20);
    let deadline = tokio::time::Instant::from(w.end + Duration::from_secs(2));
    while let Ok(Some(Ok(_))) = tokio::time::timeout_at(deadline, stream.next()).await {
        let now = Instant::now();
        let t = sent
            .lock()
            .unwrap()
            .pop_front()
            .expect("a reply for a request");
        record(&mut lat, &w, t, now);
        window.add_permits(1);
        if now >= w.end {
            break;
        }
    }
    writer.abort();
    lat
}

// ---------------------------------------------------------------------------------------------
// Idle connections (memory)
// ---------------------------------------------------------------------------------------------

/// Idle client child: opens N connections, prints `CONNECTED n`; on an `echo` line does one
/// round trip on each and prints `ECHOED`; exits when its standard input closes.
fn idle_main(args: &Args) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let system = ServerKind::parse(&args.value("--system").unwrap());
    let url = args.value("--url").unwrap();
    let n: usize = args.num("--n", 10_000) as usize;
    rt.block_on(async move {
        let mut soap: Vec<Client> = Vec::new();
        let mut raw: Vec<Ws> = Vec::new();
        let mut error = None;
        'outer: while soap.len() + raw.len() < n {
            let batch = (n - soap.len() - raw.len()).min(100);
            let mut set = JoinSet::new();
            for _ in 0..batch {
                let url = url.clone();
                if system == ServerKind::Soap {
                    set.spawn(async move {
                        Client::builder(url)
                            .encoding(MessageEncoding::BinarySession)
                            .connect()
                            .await
                            .map(either_soap)
                            .map_err(|e| e.to_string())
                    });
                } else {
                    set.spawn(async move {
                        let addr = url
                            .trim_start_matches("ws://")
                            .split('/')
                            .next()
                            .unwrap()
                            .to_owned();
                        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
                        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
                        tokio_tungstenite::client_async(url, tcp)
                            .await
                            .map(|(ws, _)| either_raw(ws))
                            .map_err(|e| e.to_string())
                    });
                }
            }
            while let Some(r) = set.join_next().await {
                match r.unwrap() {
                    Ok(Either::Soap(c)) => soap.push(c),
                    Ok(Either::Raw(ws)) => raw.push(ws),
                    Err(e) => {
                        error = Some(e);
                    }
                }
            }
            if error.is_some() {
                break 'outer;
            }
        }
        let opened = soap.len() + raw.len();
        println!(
            "CONNECTED {opened} {}",
            error.unwrap_or_default().replace('\n', " ")
        );
        let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::stdin().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        while let Some(line) = lines.recv().await {
            if line.trim() != "echo" {
                continue;
            }
            let payload = Bytes::from(Workload::Bin.wire_bytes().0);
            for chunk in soap.chunks(100) {
                let mut set = JoinSet::new();
                for c in chunk {
                    let c = c.clone();
                    set.spawn(async move {
                        let reply = c.call(Workload::Bin.request()).await.expect("call");
                        Workload::Bin.read_reply(&reply, true);
                    });
                }
                while set.join_next().await.is_some() {}
            }
            for chunk in raw.chunks_mut(100) {
                let sends = chunk.iter_mut().map(|ws| {
                    let payload = payload.clone();
                    async move {
                        ws.send(WsMessage::Binary(payload)).await.unwrap();
                        ws.next().await.unwrap().unwrap();
                    }
                });
                futures_util::future::join_all(sends).await;
            }
            println!("ECHOED");
        }
    });
}

enum Either {
    Soap(Client),
    Raw(Ws),
}

fn either_soap(c: Client) -> Either {
    Either::Soap(c)
}

fn either_raw(ws: Ws) -> Either {
    Either::Raw(ws)
}

// ---------------------------------------------------------------------------------------------
// Orchestrator
// ---------------------------------------------------------------------------------------------

struct Args(Vec<String>);

impl Args {
    fn has(&self, flag: &str) -> bool {
        self.0.iter().any(|a| a == flag)
    }
    fn value(&self, flag: &str) -> Option<String> {
        let i = self.0.iter().position(|a| a == flag)?;
        self.0.get(i + 1).cloned()
    }
    fn num(&self, flag: &str, default: u64) -> u64 {
        self.value(flag).map_or(default, |v| v.parse().expect(flag))
    }
}

/// A child process of this binary, optionally pinned, with `RLIMIT_NOFILE` raised to the hard
/// limit. Killed (by its own pid) when dropped.
struct ChildProc {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl ChildProc {
    fn spawn(cpu: Option<usize>, args: &[String]) -> Self {
        let exe = std::env::current_exe().expect("current exe");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(r#"ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@""#)
            .arg("sh");
        if let Some(cpu) = cpu {
            cmd.args(["taskset", "-c", &cpu.to_string()]);
        }
        cmd.arg(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("spawn child");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next stdout line starting with `prefix` (its remainder), or `None` at EOF.
    fn line(&mut self, prefix: &str) -> Option<String> {
        let mut line = String::new();
        loop {
            line.clear();
            if self.stdout.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if let Some(rest) = line.trim_end().strip_prefix(prefix) {
                return Some(rest.trim().to_owned());
            }
        }
    }

    fn send(&mut self, line: &str) {
        if let Some(s) = &mut self.stdin {
            let _ = writeln!(s, "{line}");
            let _ = s.flush();
        }
    }

    fn finish(mut self) {
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        self.stdin.take();
        if let Ok(None) = self.child.try_wait() {
            std::thread::sleep(Duration::from_millis(50));
            if let Ok(None) = self.child.try_wait() {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
    }
}

struct RunningServer {
    proc: ChildProc,
    url: String,
}

fn start_server(kind: ServerKind, cpu: Option<usize>) -> RunningServer {
    let mut proc = ChildProc::spawn(
        cpu,
        &[
            "--role".into(),
            "server".into(),
            "--kind".into(),
            kind.name().into(),
        ],
    );
    let port = proc.line("PORT").expect("server started");
    RunningServer {
        proc,
        url: format!("ws://127.0.0.1:{port}{PATH}"),
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    rate: f64,
    p50_us: f64,
    p99_us: f64,
    server_us: f64,
    client_us: f64,
    /// vCPUs' worth of time other processes used during the window.
    other: f64,
}

const NO_CELL: Cell = Cell {
    rate: f64::NAN,
    p50_us: f64::NAN,
    p99_us: f64::NAN,
    server_us: f64::NAN,
    client_us: f64::NAN,
    other: f64::NAN,
};

#[allow(clippy::too_many_arguments)]
fn run_cell(
    system: ServerKind,
    server: &RunningServer,
    workload: Workload,
    scenario: Scenario,
    client_cpu: Option<usize>,
    warmup_ms: u64,
    measure_ms: u64,
    tick_us: f64,
) -> Option<Cell> {
    let args: Vec<String> = [
        "--role",
        "client",
        "--system",
        system.name(),
        "--workload",
        workload.name(),
        "--scenario",
        scenario.name(),
        "--url",
        &server.url,
        "--server-pid",
        &server.proc.pid().to_string(),
        "--warmup-ms",
        &warmup_ms.to_string(),
        "--measure-ms",
        &measure_ms.to_string(),
        "--tick-us",
        &tick_us.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut proc = ChildProc::spawn(client_cpu, &args);
    let result = proc.line("RESULT");
    proc.finish();
    let f: Vec<f64> = result?
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(f64::NAN))
        .collect();
    Some(Cell {
        rate: f[0] / f[1],
        p50_us: f[2] / 1000.0,
        p99_us: f[3] / 1000.0,
        server_us: f[4],
        client_us: f[5],
        other: f[6],
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn median_cell(cells: &[Cell]) -> Option<Cell> {
    if cells.is_empty() {
        return None;
    }
    let m = |f: fn(&Cell) -> f64| median(cells.iter().map(f).collect());
    Some(Cell {
        rate: m(|c| c.rate),
        p50_us: m(|c| c.p50_us),
        p99_us: m(|c| c.p99_us),
        server_us: m(|c| c.server_us),
        client_us: m(|c| c.client_us),
        other: m(|c| c.other),
    })
}

fn range(cells: &[Cell], f: fn(&Cell) -> f64) -> String {
    let v: Vec<f64> = cells.iter().map(f).collect();
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if v.len() < 2 {
        String::new()
    } else {
        format!(" ({}–{})", fmt_rate(lo), fmt_rate(hi))
    }
}

fn fmt_rate(r: f64) -> String {
    if !r.is_finite() {
        "–".into()
    } else if r >= 100_000.0 {
        format!("{:.0}k", r / 1000.0)
    } else if r >= 10_000.0 {
        format!("{:.1}k", r / 1000.0)
    } else {
        format!("{:.0}", r)
    }
}

fn fmt_us(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Placement {
    name: &'static str,
    server_cpu: Option<usize>,
    client_cpu: Option<usize>,
}

fn clock_tick_us() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .map_or(10_000.0, |hz| 1e6 / hz)
}

fn orchestrate(args: &Args) {
    let quick = args.has("--quick");
    if !quick && !args.has("--bench") && !args.has("--full") {
        println!(
            "roundtrip: a load benchmark; run `cargo bench -p soapws-transport --bench roundtrip` \
             (add `-- --quick` for a 10-second smoke run)"
        );
        return;
    }
    let warmup_ms = args.num("--warmup-ms", if quick { 50 } else { 500 });
    let measure_ms = args.num("--measure-ms", if quick { 200 } else { 2000 });
    let reps = args.num("--reps", if quick { 1 } else { 3 }) as usize;
    let idle_n = args.num("--idle-conns", if quick { 1000 } else { 10_000 }) as usize;
    let settle = Duration::from_millis(if quick { 300 } else { 1000 });
    let tick_us = clock_tick_us();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pin = Command::new("taskset")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let placements: Vec<Placement> = if pin && cpus >= 2 {
        vec![
            Placement {
                name: "split",
                server_cpu: Some(1),
                client_cpu: Some(0),
            },
            Placement {
                name: "shared",
                server_cpu: Some(0),
                client_cpu: Some(0),
            },
        ]
    } else {
        eprintln!("roundtrip: taskset or a second CPU missing: running unpinned");
        vec![Placement {
            name: "unpinned",
            server_cpu: None,
            client_cpu: None,
        }]
    };
    let began = Instant::now();
    println!(
        "# soapws round trips vs raw tokio-tungstenite echo ({} ms warm-up, {} ms measured, median of {} interleaved run(s); server CPU from utime+stime, tick {} µs)",
        warmup_ms, measure_ms, reps, tick_us
    );
    for w in [Workload::Bin, Workload::Text] {
        let (req, rep) = w.wire_bytes();
        println!(
            "# workload {}: request {} B, reply {} B on the wire ({:?}); raw echo sends the request bytes both ways",
            w.name(),
            req.len(),
            rep.len(),
            w.wire_encoding()
        );
    }

    if !args.has("--only-memory") {
        println!();
        println!("| placement | workload | conns×in flight | soapws rt/s | p50 µs | p99 µs | srv CPU µs/req | cli CPU µs/req | raw rt/s | p50 µs | p99 µs | srv CPU µs/req | soapws÷raw rt/s | target | other load (vCPU, max) |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for p in &placements {
            let soap = start_server(ServerKind::Soap, p.server_cpu);
            let raw = start_server(ServerKind::Raw, p.server_cpu);
            let mut results: Vec<(Workload, Scenario, Vec<Cell>, Vec<Cell>)> = Vec::new();
            for w in [Workload::Bin, Workload::Text] {
                for s in SCENARIOS {
                    results.push((w, s, Vec::new(), Vec::new()));
                }
            }
            for _ in 0..reps {
                for (w, s, soap_cells, raw_cells) in results.iter_mut() {
                    for (kind, server, cells) in [
                        (ServerKind::Soap, &soap, &mut *soap_cells),
                        (ServerKind::Raw, &raw, &mut *raw_cells),
                    ] {
                        let cell = run_cell(
                            kind,
                            server,
                            *w,
                            *s,
                            p.client_cpu,
                            warmup_ms,
                            measure_ms,
                            tick_us,
                        );
                        cells.push(cell.unwrap_or(NO_CELL));
                    }
                }
            }
            for (w, s, soap_cells, raw_cells) in &results {
                let (sc, rc) = (median_cell(soap_cells), median_cell(raw_cells));
                let (sc_, rc_) = (sc.unwrap_or(NO_CELL), rc.unwrap_or(NO_CELL));
                // Median of the ratios of runs that ran back to back.
                let ratio = median(
                    soap_cells
                        .iter()
                        .zip(raw_cells.iter())
                        .map(|(a, b)| a.rate / b.rate)
                        .collect(),
                );
                let other = soap_cells
                    .iter()
                    .chain(raw_cells.iter())
                    .map(|c| c.other)
                    .fold(0.0f64, f64::max);
                let target = match w {
                    Workload::Bin => (0.70, "≥0.70"),
                    Workload::Text => (0.50, "≥0.50"),
                };
                let mut verdict = format!(
                    "{} {}",
                    target.1,
                    if ratio >= target.0 { "ok" } else { "MISS" }
                );
                if *w == Workload::Text {
                    verdict.push_str(if sc_.server_us <= 20.0 {
                        "; CPU≤20 ok"
                    } else {
                        "; CPU≤20 MISS"
                    });
                }
                println!(
                    "| {} | {} | {} | {}{} | {} | {} | {} | {} | {}{} | {} | {} | {} | {:.2} | {} | {:.2} |",
                    p.name,
                    w.name(),
                    s.name(),
                    fmt_rate(sc_.rate),
                    range(soap_cells, |c| c.rate),
                    fmt_us(sc_.p50_us),
                    fmt_us(sc_.p99_us),
                    fmt_us(sc_.server_us),
                    fmt_us(sc_.client_us),
                    fmt_rate(rc_.rate),
                    range(raw_cells, |c| c.rate),
                    fmt_us(rc_.p50_us),
                    fmt_us(rc_.p99_us),
                    fmt_us(rc_.server_us),
                    ratio,
                    verdict,
                    other
                );
            }
            soap.proc.finish();
            raw.proc.finish();
        }
    }

    if !args.has("--no-memory") {
        println!();
        println!("| server (memory, {idle_n} idle conns requested) | opened | RSS before MiB | RSS idle MiB | KiB/conn idle | KiB/conn after 1 echo each | target ≤16 KiB |");
        println!("|---|---|---|---|---|---|---|");
        let (server_cpu, client_cpu) = placements
            .first()
            .map_or((None, None), |p| (p.server_cpu, p.client_cpu));
        for kind in [ServerKind::Soap, ServerKind::Raw, ServerKind::Raw4k] {
            let server = start_server(kind, server_cpu);
            std::thread::sleep(Duration::from_millis(200));
            let before = vm_rss_kib(server.proc.pid());
            let mut client = ChildProc::spawn(
                client_cpu,
                &[
                    "--role".into(),
                    "idle".into(),
                    "--system".into(),
                    kind.name().into(),
                    "--url".into(),
                    server.url.clone(),
                    "--n".into(),
                    idle_n.to_string(),
                ],
            );
            let connected = client.line("CONNECTED").unwrap_or_default();
            let mut parts = connected.splitn(2, ' ');
            let opened: usize = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            let error = parts.next().unwrap_or("").trim().to_owned();
            std::thread::sleep(settle);
            let idle = vm_rss_kib(server.proc.pid());
            client.send("echo");
            let echoed = client.line("ECHOED").is_some();
            std::thread::sleep(settle);
            let after = vm_rss_kib(server.proc.pid());
            client.finish();
            server.proc.finish();
            let per = |rss: u64| (rss as f64 - before as f64) / opened.max(1) as f64;
            let label = match kind {
                ServerKind::Soap => "soapws (msbinsession1, default ConnectionConfig)",
                ServerKind::Raw => "raw tokio-tungstenite, default WebSocketConfig",
                ServerKind::Raw4k => "raw tokio-tungstenite, read_buffer_size 4 KiB",
            };
            println!(
                "| {} | {}{} | {:.1} | {:.1} | {:.1} | {} | {} |",
                label,
                opened,
                if error.is_empty() {
                    String::new()
                } else {
                    format!(" (stopped: {error})")
                },
                before as f64 / 1024.0,
                idle as f64 / 1024.0,
                per(idle),
                if echoed {
                    format!("{:.1}", per(after))
                } else {
                    "–".into()
                },
                if kind == ServerKind::Soap {
                    if per(idle) <= 16.0 {
                        "ok"
                    } else {
                        "MISS"
                    }
                } else {
                    "(reference)"
                }
            );
        }
    }
    println!();
    println!("# total {:.0} s", began.elapsed().as_secs_f64());
}

fn main() {
    let args = Args(std::env::args().skip(1).collect());
    match args.value("--role").as_deref() {
        Some("server") => server_main(ServerKind::parse(&args.value("--kind").unwrap())),
        Some("client") => client_main(&args),
        Some("idle") => idle_main(&args),
        _ => orchestrate(&args),
    }
}
