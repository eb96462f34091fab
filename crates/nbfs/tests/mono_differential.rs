//! Differential tests against Microsoft's binary XML reader and writer as shipped in Mono
//! (`XmlDictionaryWriter.CreateBinaryWriter`, `XmlDictionaryReader.CreateBinaryReader`), driven
//! through `tests/interop/nbfx/NbfxHarness.cs`.
//!
//! A generated corpus of documents covering every record and array type is written by both
//! writers (the bytes must be identical), read by Mono from our bytes and by us from Mono's bytes
//! (the infosets must be identical), in plain NBFX, NBFS and NBFSE session modes.
//!
//! Needs Mono (`mono`, `mcs`); fails, never skips, when it is missing.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use soapws_nbfs::{
    ArrayItems, Attribute, DateTime, DateTimeKind, Decimal, Event, Guid, ListItems, Nbfs, QName,
    Quotas, Reader, ReaderSession, TimeSpan, Value, ValueList, Writer, WriterSession, XmlString,
    XMLNS_NAMESPACE,
};

const DOCS_PER_MODE: usize = 400;

// ---------------------------------------------------------------------------------------------
// Mono and the harness

/// Compiles the harness once per test binary; panics with a clear message when Mono is missing.
fn harness() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        soapws_testkit::compile_interop(
            Path::new(env!("CARGO_TARGET_TMPDIR")),
            "NbfxHarness",
            &["nbfx/NbfxHarness.cs"],
        )
    })
}

fn run_harness(args: &[&str], input: &str) -> String {
    let mut child = Command::new("mono")
        .arg(harness())
        .args(args)
        .arg(soapws_testkit::dictionary_tsv())
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mono");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("mono output");
    feeder.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "harness {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The logical document model, shared by both writers

#[derive(Debug, Clone)]
struct Name {
    text: String,
    dictionary: bool,
}

#[derive(Debug, Clone)]
enum Val {
    Str(String),
    DStr(Name),
    I32(i32),
    I64(i64),
    U64(u64),
    F32(f32),
    F64(f64),
    Dec(Decimal),
    Bool(bool),
    Dt(DateTime),
    Ts(i64),
    Guid(Guid),
    Uid(Guid),
    B64(Vec<u8>),
    QName { prefix: u8, local: Name, ns: Name },
    List(ListVals),
}

/// A list's items, written as each one's [`value`].
#[derive(Debug, Clone)]
struct ListVals(Vec<Val>);

impl ListItems for ListVals {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn item(&self, i: usize) -> Value<'_> {
        value(&self.0[i])
    }
}

#[derive(Debug, Clone)]
enum Items {
    Bool(Vec<bool>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Dec(Vec<Decimal>),
    Dt(Vec<DateTime>),
    Ts(Vec<TimeSpan>),
    Guid(Vec<Guid>),
}

#[derive(Debug, Clone)]
enum Cmd {
    Start {
        prefix: Option<String>,
        local: Name,
        ns: Option<Name>,
    },
    Attr {
        prefix: Option<String>,
        local: Name,
        ns: Option<Name>,
        value: Val,
    },
    Xmlns {
        prefix: String,
        ns: Name,
    },
    Text(Val),
    Comment(String),
    Array {
        prefix: Option<String>,
        local: Name,
        ns: Option<Name>,
        items: Items,
    },
    End,
    Flush,
}

// ---------------------------------------------------------------------------------------------
// A small deterministic generator

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }
}

const LOCAL_NAMES: &[&str] = &[
    "Envelope",
    "Header",
    "Body",
    "Action",
    "To",
    "Address",
    "Order",
    "id",
    "Item",
    "n1",
    "value",
    "lang",
    "r\u{e9}sum\u{e9}",
    "\u{540d}\u{524d}",
    "a_very_long_element_name_that_takes_more_than_forty_two_utf16_units",
];
const NAMESPACES: &[&str] = &[
    "http://www.w3.org/2003/05/soap-envelope",
    "http://www.w3.org/2005/08/addressing",
    "http://tempuri.org/",
    "urn:shop",
    "http://schemas.datacontract.org/2004/07/Shop.Contracts",
];
const PREFIXES: &[&str] = &["a", "s", "b", "pre", "X", "z"];
/// Prefixes for attributes and declarations: never one the writer may generate (`a`, `b`, …).
const ATTRIBUTE_PREFIXES: &[&str] = &["s", "pre", "X", "z"];

fn gen_string(rng: &mut Rng) -> String {
    const POOL: &[&str] = &[
        "a",
        "b",
        "Z",
        "0",
        "9",
        " ",
        "&",
        "<",
        ">",
        "\"",
        "'",
        "\t",
        "\n",
        "\u{e9}",
        "\u{4e2d}",
        "\u{1F600}",
        "x",
    ];
    match rng.below(12) {
        0 => "0".into(),
        1 => "1".into(),
        2 => String::new(),
        3 => (0..rng.below(400) + 86)
            .map(|_| *rng.pick(&["a", "b", "c"]))
            .collect(),
        4 => (0..rng.below(300) + 40)
            .map(|_| *rng.pick(&["\u{4e2d}", "\u{6587}", "x"]))
            .collect(),
        5 => (0..rng.below(200) + 150).map(|_| *rng.pick(POOL)).collect(),
        _ => (0..rng.below(30)).map(|_| *rng.pick(POOL)).collect(),
    }
}

fn gen_name(rng: &mut Rng, pool: &[&str], dictionary: bool) -> Name {
    Name {
        text: rng.pick(pool).to_string(),
        dictionary,
    }
}

fn gen_decimal(rng: &mut Rng) -> Decimal {
    let mantissa = match rng.below(3) {
        0 => u128::from(rng.next() % 1000),
        1 => u128::from(rng.next()),
        _ => (u128::from(rng.next() as u32) << 64) | u128::from(rng.next()),
    };
    Decimal {
        mantissa,
        scale: rng.below(29) as u8,
        negative: rng.chance(30),
    }
}

fn gen_date_time(rng: &mut Rng) -> DateTime {
    let kind = *rng.pick(&[
        DateTimeKind::Unspecified,
        DateTimeKind::Utc,
        DateTimeKind::Local,
    ]);
    let ticks = match rng.below(3) {
        0 => rng.next() % (DateTime::MAX_TICKS + 1),
        1 => 630_822_816_000_000_000 + (rng.next() % 1_000_000_000_000_000),
        _ => (rng.next() % 3_000_000) * 864_000_000_000,
    };
    // Local times are stored as UTC ticks; keep them where the local→UTC conversion is exact.
    DateTime { ticks, kind }
}

fn gen_f64(rng: &mut Rng) -> f64 {
    match rng.below(8) {
        0 => *rng.pick(&[
            0.0, -0.0, 1.0, 0.5, 256.0, 1e10, -3.25, 81.25, 76.54, 0.1, 1e300,
        ]),
        1 => *rng.pick(&[
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MAX,
            f64::MIN_POSITIVE,
        ]),
        2 => (rng.next() % 100_000) as f64 - 50_000.0,
        3 => f64::from(f32::from_bits(rng.next() as u32 & 0x7F7F_FFFF)),
        _ => {
            let v = f64::from_bits(rng.next());
            if v.is_nan() {
                1.5
            } else {
                v
            }
        }
    }
}

fn gen_scalar(rng: &mut Rng, in_attribute: bool) -> Val {
    match rng.below(17) {
        0 => Val::Str(gen_string(rng)),
        1 => Val::DStr(gen_name(rng, NAMESPACES, true)),
        2 => Val::I32(match rng.below(4) {
            0 => rng.below(3) as i32,
            1 => rng.below(256) as i32 - 128,
            2 => rng.below(65536) as i32 - 32768,
            _ => rng.next() as i32,
        }),
        3 => Val::I64(if rng.chance(50) {
            rng.next() as i64
        } else {
            rng.below(70000) as i64
        }),
        4 => Val::U64(if rng.chance(50) {
            rng.next()
        } else {
            rng.next() >> 1
        }),
        5 => Val::F32(gen_f64(rng) as f32),
        6 => Val::F64(gen_f64(rng)),
        7 => Val::Dec(gen_decimal(rng)),
        8 => Val::Bool(rng.chance(50)),
        9 => Val::Dt(gen_date_time(rng)),
        10 => Val::Ts(rng.next() as i64 >> rng.below(64)),
        11 => Val::Guid(Guid(
            rng.next()
                .to_le_bytes()
                .into_iter()
                .chain(rng.next().to_le_bytes())
                .collect::<Vec<_>>()
                .try_into()
                .unwrap(),
        )),
        12 => Val::Uid(Guid(
            rng.next()
                .to_le_bytes()
                .into_iter()
                .chain(rng.next().to_le_bytes())
                .collect::<Vec<_>>()
                .try_into()
                .unwrap(),
        )),
        13 => Val::B64(
            (0..*rng.pick(&[
                0usize, 1, 2, 3, 4, 5, 100, 255, 256, 300, 511, 512, 600, 70000,
            ]))
                .map(|i| i as u8)
                .collect(),
        ),
        14 if !in_attribute => Val::List(ListVals(
            (0..rng.below(4) + 1)
                .map(|_| match rng.below(4) {
                    0 => Val::I32(rng.next() as i32),
                    1 => Val::Bool(rng.chance(50)),
                    2 => Val::F64(gen_f64(rng)),
                    _ => Val::Str(
                        gen_string(rng)
                            .chars()
                            .filter(|c| !c.is_whitespace())
                            .take(10)
                            .collect(),
                    ),
                })
                .collect(),
        )),
        14 => Val::List(ListVals(vec![Val::I32(rng.next() as i32), Val::Bool(true)])),
        _ => Val::Str(gen_string(rng)),
    }
}

fn gen_items(rng: &mut Rng) -> Items {
    let n = if rng.chance(10) {
        rng.below(300) + 1
    } else {
        rng.below(8) + 1
    };
    match rng.below(10) {
        0 => Items::Bool((0..n).map(|_| rng.chance(50)).collect()),
        1 => Items::I16((0..n).map(|_| rng.next() as i16).collect()),
        2 => Items::I32((0..n).map(|_| rng.next() as i32).collect()),
        3 => Items::I64((0..n).map(|_| rng.next() as i64).collect()),
        4 => Items::F32(
            (0..n)
                .map(|_| gen_f64(rng) as f32)
                .map(|f| if f.is_nan() { 2.5 } else { f })
                .collect(),
        ),
        5 => Items::F64(
            (0..n)
                .map(|_| gen_f64(rng))
                .map(|f| if f.is_nan() { 2.5 } else { f })
                .collect(),
        ),
        6 => Items::Dec((0..n).map(|_| gen_decimal(rng)).collect()),
        7 => Items::Dt((0..n).map(|_| gen_date_time(rng)).collect()),
        8 => Items::Ts((0..n).map(|_| TimeSpan(rng.next() as i64)).collect()),
        _ => Items::Guid(
            (0..n)
                .map(|_| Guid(core::array::from_fn(|_| rng.next() as u8)))
                .collect(),
        ),
    }
}

/// One random document: a root element with nested content.
fn gen_document(rng: &mut Rng) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    gen_element(rng, &mut cmds, 0);
    cmds
}

fn gen_element(rng: &mut Rng, cmds: &mut Vec<Cmd>, depth: usize) {
    let dictionary = rng.chance(60);
    let (prefix, ns) = match rng.below(4) {
        0 => (
            Some(String::new()),
            Some(gen_name(rng, NAMESPACES, dictionary)),
        ),
        1 => (None, Some(gen_name(rng, NAMESPACES, dictionary))),
        2 if depth > 0 => (None, None),
        _ => (
            Some(rng.pick(PREFIXES).to_string()),
            Some(gen_name(rng, NAMESPACES, dictionary)),
        ),
    };
    let local = gen_name(rng, LOCAL_NAMES, dictionary);
    // Prefixes this element binds, to keep the document valid.
    let mut bound: Vec<(String, String)> = Vec::new();
    if let (Some(p), Some(n)) = (&prefix, &ns) {
        bound.push((p.clone(), n.text.clone()));
    }
    let element_ns = ns.clone();
    let element_prefix = prefix.clone();
    cmds.push(Cmd::Start { prefix, local, ns });
    let mut attr_names: Vec<(String, String)> = Vec::new();
    for _ in 0..rng.below(4) {
        let dictionary = rng.chance(60);
        let local = gen_name(rng, &LOCAL_NAMES[..12], dictionary);
        let (prefix, ns) = match rng.below(4) {
            0 => (Some(String::new()), None),
            1 => (None, Some(gen_name(rng, NAMESPACES, dictionary))),
            2 => (
                Some("xml".to_owned()),
                Some(Name {
                    text: "http://www.w3.org/XML/1998/namespace".into(),
                    dictionary,
                }),
            ),
            _ => {
                let p = rng.pick(ATTRIBUTE_PREFIXES).to_string();
                let n = gen_name(rng, NAMESPACES, dictionary);
                if bound.iter().any(|(bp, bn)| *bp == p && *bn != n.text) {
                    continue;
                }
                bound.push((p.clone(), n.text.clone()));
                (Some(p), Some(n))
            }
        };
        let ns_text = ns.as_ref().map_or(String::new(), |n| n.text.clone());
        if attr_names.contains(&(ns_text.clone(), local.text.clone())) {
            continue;
        }
        if prefix.is_none() && bound.iter().all(|(p, _)| p.len() == 1) && bound.len() >= 26 {
            continue;
        }
        attr_names.push((ns_text, local.text.clone()));
        let value = gen_scalar(rng, true);
        cmds.push(Cmd::Attr {
            prefix,
            local,
            ns,
            value,
        });
    }
    if rng.chance(20) {
        let p = rng.pick(ATTRIBUTE_PREFIXES).to_string();
        let dictionary = rng.chance(50);
        let n = gen_name(rng, NAMESPACES, dictionary);
        if !bound.iter().any(|(bp, bn)| *bp == p && *bn != n.text) {
            bound.push((p.clone(), n.text.clone()));
            cmds.push(Cmd::Xmlns { prefix: p, ns: n });
        }
    }
    let children = if depth >= 5 { 0 } else { rng.below(6) };
    for _ in 0..children {
        match rng.below(10) {
            0..=2 => gen_element(rng, cmds, depth + 1),
            3 => cmds.push(Cmd::Comment(gen_string(rng).replace('-', "_"))),
            4 => {
                let dictionary = rng.chance(50);
                let (prefix, ns) = match rng.below(3) {
                    0 => (None, None),
                    1 => (None, Some(gen_name(rng, NAMESPACES, dictionary))),
                    _ => (
                        Some("q".to_owned()),
                        Some(gen_name(rng, NAMESPACES, dictionary)),
                    ),
                };
                let local = gen_name(rng, LOCAL_NAMES, dictionary);
                cmds.push(Cmd::Array {
                    prefix,
                    local,
                    ns,
                    items: gen_items(rng),
                });
            }
            5 if element_prefix.as_ref().is_some_and(|p| p.len() == 1) => {
                let p = element_prefix.as_ref().unwrap().as_bytes()[0];
                let ns = element_ns.clone().unwrap();
                if p.is_ascii_lowercase() {
                    let ns = Name {
                        text: ns.text,
                        dictionary: true,
                    };
                    cmds.push(Cmd::Text(Val::QName {
                        prefix: p,
                        local: gen_name(rng, LOCAL_NAMES, true),
                        ns,
                    }));
                }
            }
            6 => cmds.push(Cmd::Flush),
            _ => cmds.push(Cmd::Text(gen_scalar(rng, false))),
        }
    }
    if rng.chance(50) {
        cmds.push(Cmd::Text(gen_scalar(rng, false)));
    }
    cmds.push(Cmd::End);
}

// ---------------------------------------------------------------------------------------------
// The harness script

fn b64(s: &str) -> String {
    B64.encode(s.as_bytes())
}

fn name_field(n: &Name) -> String {
    format!("{}:{}", if n.dictionary { "d" } else { "s" }, b64(&n.text))
}

fn opt_name(n: &Option<Name>) -> String {
    n.as_ref().map_or("-".to_owned(), name_field)
}

fn opt_prefix(p: &Option<String>) -> String {
    p.as_ref().map_or("-".to_owned(), |p| b64(p))
}

fn hex_bits(bits: u64, digits: usize) -> String {
    format!("{bits:0digits$x}")
}

fn decimal_text(d: &Decimal) -> String {
    let s = Decimal {
        negative: false,
        ..*d
    }
    .to_string();
    if d.negative {
        format!("-{s}")
    } else {
        s
    }
}

fn guid_text(g: &Guid) -> String {
    g.to_string()
}

fn dt_text(d: &DateTime) -> String {
    let k = match d.kind {
        DateTimeKind::Unspecified => "U",
        DateTimeKind::Utc => "Z",
        DateTimeKind::Local => "L",
    };
    format!("{}:{k}", d.ticks)
}

fn scalar_field(v: &Val) -> String {
    match v {
        Val::Str(s) => format!("str\t{}", b64(s)),
        Val::DStr(n) => format!("dstr\t{}", name_field(n)),
        Val::I32(i) => format!("i32\t{i}"),
        Val::I64(i) => format!("i64\t{i}"),
        Val::U64(i) => format!("u64\t{i}"),
        Val::F32(f) => format!("f32\t{}", hex_bits(u64::from(f.to_bits()), 8)),
        Val::F64(f) => format!("f64\t{}", hex_bits(f.to_bits(), 16)),
        Val::Dec(d) => format!("dec\t{}", decimal_text(d)),
        Val::Bool(b) => format!("bool\t{b}"),
        Val::Dt(d) => format!("dt\t{}", dt_text(d)),
        Val::Ts(t) => format!("ts\t{t}"),
        Val::Guid(g) => format!("guid\t{}", guid_text(g)),
        Val::Uid(g) => format!("uid\t{}", guid_text(g)),
        Val::B64(b) => format!("b64\t{}", B64.encode(b)),
        Val::QName { local, ns, .. } => format!("qn\t{}\t{}", name_field(local), name_field(ns)),
        Val::List(items) => {
            let items: Vec<String> = items
                .0
                .iter()
                .map(|i| match i {
                    Val::I32(v) => format!("i32:{v}"),
                    Val::Bool(v) => format!("bool:{v}"),
                    Val::F64(f) => format!("f64:{}", hex_bits(f.to_bits(), 16)),
                    Val::Str(s) => format!("str:{}", b64(s)),
                    other => unreachable!("list item {other:?}"),
                })
                .collect();
            format!("list\t{}", items.join(","))
        }
    }
}

fn items_field(items: &Items) -> String {
    fn join<T>(v: &[T], f: impl Fn(&T) -> String) -> String {
        v.iter().map(f).collect::<Vec<_>>().join(",")
    }
    match items {
        Items::Bool(v) => format!("bool\t{}", join(v, |b| b.to_string())),
        Items::I16(v) => format!("i16\t{}", join(v, |b| b.to_string())),
        Items::I32(v) => format!("i32\t{}", join(v, |b| b.to_string())),
        Items::I64(v) => format!("i64\t{}", join(v, |b| b.to_string())),
        Items::F32(v) => format!("f32\t{}", join(v, |b| hex_bits(u64::from(b.to_bits()), 8))),
        Items::F64(v) => format!("f64\t{}", join(v, |b| hex_bits(b.to_bits(), 16))),
        Items::Dec(v) => format!("dec\t{}", join(v, decimal_text)),
        Items::Dt(v) => format!("dt\t{}", join(v, dt_text)),
        Items::Ts(v) => format!("ts\t{}", join(v, |t| t.0.to_string())),
        Items::Guid(v) => format!("guid\t{}", join(v, guid_text)),
    }
}

fn script(mode: &str, doc: &[Cmd], out: &mut String) {
    out.push_str(&format!("DOC\t{mode}\n"));
    for c in doc {
        let line = match c {
            Cmd::Start { prefix, local, ns } => format!(
                "SE\t{}\t{}\t{}",
                opt_prefix(prefix),
                name_field(local),
                opt_name(ns)
            ),
            Cmd::Attr {
                prefix,
                local,
                ns,
                value,
            } => {
                format!(
                    "AT\t{}\t{}\t{}\t{}",
                    opt_prefix(prefix),
                    name_field(local),
                    opt_name(ns),
                    scalar_field(value)
                )
            }
            Cmd::Xmlns { prefix, ns } => format!("XN\t{}\t{}", b64(prefix), name_field(ns)),
            Cmd::Text(v) => format!("TX\t{}", scalar_field(v)),
            Cmd::Comment(c) => format!("CM\t{}", b64(c)),
            Cmd::Array {
                prefix,
                local,
                ns,
                items,
            } => {
                format!(
                    "AR\t{}\t{}\t{}\t{}",
                    opt_prefix(prefix),
                    name_field(local),
                    opt_name(ns),
                    items_field(items)
                )
            }
            Cmd::End => "EE".to_owned(),
            Cmd::Flush => "FL".to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
}

// ---------------------------------------------------------------------------------------------
// Our writer

fn xml_string(n: &Name) -> XmlString<'_> {
    if n.dictionary {
        Nbfs::find(&n.text).unwrap_or(XmlString::dynamic(&n.text))
    } else {
        XmlString::inline(&n.text)
    }
}

fn value<'v>(v: &'v Val) -> Value<'v> {
    match v {
        Val::Str(s) => Value::Str(s),
        Val::DStr(n) => Value::Dictionary(xml_string(n)),
        Val::I32(i) => Value::Int32(*i),
        Val::I64(i) => Value::Int64(*i),
        Val::U64(i) => Value::UInt64(*i),
        Val::F32(f) => Value::Float(*f),
        Val::F64(f) => Value::Double(*f),
        Val::Dec(d) => Value::Decimal(*d),
        Val::Bool(b) => Value::Bool(*b),
        Val::Dt(d) => Value::DateTime(*d),
        Val::Ts(t) => Value::TimeSpan(TimeSpan(*t)),
        Val::Guid(g) => Value::Guid(*g),
        Val::Uid(g) => Value::UniqueId(*g),
        Val::B64(b) => Value::Bytes(b),
        Val::QName { prefix, local, .. } => Value::QName(QName {
            prefix: *prefix,
            name: xml_string(local),
        }),
        Val::List(items) => Value::List(ValueList::produced(items)),
    }
}

fn write_ours<'a>(doc: &'a [Cmd], w: &mut Writer<'a>) {
    for c in doc {
        match c {
            Cmd::Start { prefix, local, ns } => w.start_element(
                prefix.as_deref(),
                xml_string(local),
                ns.as_ref().map(xml_string),
            ),
            Cmd::Attr {
                prefix,
                local,
                ns,
                value: v,
            } => w.attribute(
                prefix.as_deref(),
                xml_string(local),
                ns.as_ref().map(xml_string),
                &value(v),
            ),
            Cmd::Xmlns { prefix, ns } => w.xmlns(Some(prefix), xml_string(ns)),
            Cmd::Text(Val::QName { local, ns, .. }) => {
                w.qualified_name(xml_string(local), xml_string(ns))
            }
            Cmd::Text(v) => w.value(&value(v)),
            Cmd::Comment(c) => w.comment(c),
            Cmd::Array {
                prefix,
                local,
                ns,
                items,
            } => {
                let items = match items {
                    Items::Bool(v) => ArrayItems::Bool(v),
                    Items::I16(v) => ArrayItems::Int16(v),
                    Items::I32(v) => ArrayItems::Int32(v),
                    Items::I64(v) => ArrayItems::Int64(v),
                    Items::F32(v) => ArrayItems::Float(v),
                    Items::F64(v) => ArrayItems::Double(v),
                    Items::Dec(v) => ArrayItems::Decimal(v),
                    Items::Dt(v) => ArrayItems::DateTime(v),
                    Items::Ts(v) => ArrayItems::TimeSpan(v),
                    Items::Guid(v) => ArrayItems::Guid(v),
                };
                w.array(
                    prefix.as_deref(),
                    xml_string(local),
                    ns.as_ref().map(xml_string),
                    items,
                )
            }
            Cmd::End => w.end_element(),
            Cmd::Flush => {
                w.flush();
                Ok(())
            }
        }
        .unwrap_or_else(|e| panic!("our writer refused {c:?}: {e}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Infosets

/// One canonical event line, as the harness prints them (strings decoded).
#[derive(Debug, Clone, PartialEq)]
enum Canon {
    Start(String, String, String),
    Attr(String, String, String, String),
    Text(String),
    End,
    Comment(String),
}

/// Each text record is its own node on both sides (number formats are compared per node).
fn push_text(events: &mut Vec<Canon>, text: String) {
    events.push(Canon::Text(text));
}

fn canon_attrs(attrs: &[Attribute<'_>], events: &mut Vec<Canon>) {
    for a in attrs {
        events.push(match a {
            Attribute::Xmlns {
                prefix: "",
                namespace,
            } => Canon::Attr(
                String::new(),
                "xmlns".into(),
                XMLNS_NAMESPACE.into(),
                namespace.to_string(),
            ),
            Attribute::Xmlns { prefix, namespace } => Canon::Attr(
                "xmlns".into(),
                prefix.to_string(),
                XMLNS_NAMESPACE.into(),
                namespace.to_string(),
            ),
            Attribute::Value {
                prefix,
                local_name,
                namespace,
                value,
            } => Canon::Attr(
                prefix.to_string(),
                local_name.to_string(),
                namespace.to_string(),
                value.to_text(),
            ),
        });
    }
}

/// Our reader's infoset of one document; `Err` with the error text if reading fails.
fn read_ours(doc: &[u8], session: Option<&ReaderSession>) -> Result<Vec<Canon>, String> {
    let mut reader = Reader::new(doc)
        .with_dictionary(&Nbfs)
        .with_quotas(Quotas::TOOLS);
    if let Some(s) = session {
        reader = reader.with_session(s);
    }
    let mut events = Vec::new();
    while let Some(e) = reader.next_event().map_err(|e| e.to_string())? {
        match e {
            Event::StartElement(e) => {
                events.push(Canon::Start(
                    e.prefix.into(),
                    e.local_name.to_string(),
                    e.namespace.to_string(),
                ));
                canon_attrs(reader.attributes(), &mut events);
            }
            Event::EndElement => events.push(Canon::End),
            Event::Text(v) => push_text(&mut events, v.to_text()),
            Event::Comment(c) => events.push(Canon::Comment(c.into())),
            Event::Array(a) => {
                for v in a.values() {
                    events.push(Canon::Start(
                        a.element.prefix.into(),
                        a.element.local_name.to_string(),
                        a.element.namespace.to_string(),
                    ));
                    canon_attrs(reader.attributes(), &mut events);
                    push_text(&mut events, v.to_text());
                    events.push(Canon::End);
                }
            }
        }
    }
    Ok(events)
}

fn unb64(s: &str) -> String {
    String::from_utf8(B64.decode(s).unwrap()).unwrap()
}

/// Parses the harness's `read` output into one result per document.
fn parse_mono_read(out: &str) -> Vec<Result<Vec<Canon>, String>> {
    let mut docs = Vec::new();
    let mut events = Vec::new();
    let mut error = None;
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f[0] {
            "SE" => events.push(Canon::Start(unb64(f[1]), unb64(f[2]), unb64(f[3]))),
            "AT" => events.push(Canon::Attr(
                unb64(f[1]),
                unb64(f[2]),
                unb64(f[3]),
                unb64(f[4]),
            )),
            "TX" => push_text(&mut events, unb64(f[2])),
            "EE" => events.push(Canon::End),
            "CM" => events.push(Canon::Comment(unb64(f[1]))),
            "END" => {
                docs.push(match error.take() {
                    Some(e) => Err(e),
                    None => Ok(std::mem::take(&mut events)),
                });
                events.clear();
            }
            _ if line.starts_with("ERR") => error = Some(line.to_owned()),
            other => panic!("unexpected harness line {other:?}"),
        }
    }
    docs
}

/// Text equality, allowing the number formats of .NET Framework (Mono) and .NET Core to differ
/// (e.g. `3.40282347E+38` and `3.4028235E+38` are the same float).
fn same_text(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (ta, tb): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
    ta.len() == tb.len()
        && ta.iter().zip(&tb).all(|(x, y)| {
            x == y
                || match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(p), Ok(q)) => {
                        p == q
                            || (p.is_nan() && q.is_nan())
                            || x.parse::<f32>().ok() == y.parse::<f32>().ok()
                    }
                    _ => false,
                }
        })
}

fn same_infoset(a: &[Canon], b: &[Canon]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Canon::Text(p), Canon::Text(q)) => same_text(p, q),
            (Canon::Attr(p1, l1, n1, v1), Canon::Attr(p2, l2, n2, v2)) => {
                (p1, l1, n1) == (p2, l2, n2) && same_text(v1, v2)
            }
            _ => x == y,
        })
}

/// A document's commands, one per line, with long byte values shortened.
fn describe(doc: &[Cmd]) -> String {
    doc.iter()
        .map(|c| match c {
            Cmd::Text(Val::B64(b)) => format!("Text(B64(len {}))", b.len()),
            Cmd::Attr {
                value: Val::B64(b),
                local,
                ..
            } => format!("Attr {} B64(len {})", local.text, b.len()),
            other => format!("{other:?}").chars().take(300).collect(),
        })
        .collect::<Vec<_>>()
        .join("\n  ")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The test

struct Corpus {
    mode: &'static str,
    docs: Vec<Vec<Cmd>>,
}

fn corpus(mode: &'static str, seed: u64) -> Corpus {
    let mut rng = Rng(seed);
    Corpus {
        mode,
        docs: (0..DOCS_PER_MODE).map(|_| gen_document(&mut rng)).collect(),
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

fn check_mode(c: &Corpus) {
    // 1. Both writers write every document.
    let mut text = String::new();
    for d in &c.docs {
        script(c.mode, d, &mut text);
    }
    let mono_lines: Vec<String> = run_harness(&["write"], &text)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        mono_lines.len(),
        c.docs.len(),
        "one output line per document"
    );

    let mut session = WriterSession::new();
    let ours: Vec<Vec<u8>> = c
        .docs
        .iter()
        .map(|d| match c.mode {
            "nbfx" => {
                let mut w = Writer::new();
                write_ours(d, &mut w);
                w.finish().unwrap()
            }
            "nbfs" => {
                let mut w = Writer::new().dictionary(&Nbfs);
                write_ours(d, &mut w);
                w.finish().unwrap()
            }
            _ => {
                let mut w = Writer::new().dictionary(&Nbfs).session(&mut session);
                write_ours(d, &mut w);
                w.finish_session_message().unwrap()
            }
        })
        .collect();

    // 2. The bytes are the same.
    let mut mismatches = Vec::new();
    for (i, (mono, ours)) in mono_lines.iter().zip(&ours).enumerate() {
        assert!(
            !mono.starts_with("ERR"),
            "{} doc {i}: Mono's writer failed: {mono}\n{:?}",
            c.mode,
            c.docs[i]
        );
        let mono = unhex(mono);
        if mono != *ours {
            let at = first_difference(&mono, ours);
            mismatches.push(format!(
                "{} doc {i}: first difference at byte {at}\n  mono: {}\n  ours: {}{}",
                c.mode,
                hex(&mono[at.saturating_sub(8)..(at + 24).min(mono.len())]),
                hex(&ours[at.saturating_sub(8)..(at + 24).min(ours.len())]),
                if std::env::var_os("NBFX_DIFF_VERBOSE").is_some() {
                    format!("\n  {}", describe(&c.docs[i]))
                } else {
                    String::new()
                },
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} documents differ from Mono's bytes:\n{}",
        mismatches.len(),
        c.docs.len(),
        mismatches
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );

    // 3. Mono reads our bytes, we read Mono's bytes: the same infosets.
    let ours_hex: String = ours.iter().map(|b| hex(b) + "\n").collect();
    let mono_reads = parse_mono_read(&run_harness(&["read", c.mode], &ours_hex));
    assert_eq!(mono_reads.len(), c.docs.len());
    let mut reader_session = ReaderSession::new();
    for (i, (mono_read, mono_hex)) in mono_reads.iter().zip(&mono_lines).enumerate() {
        let mono_bytes = unhex(mono_hex);
        let ours_read = if c.mode == "session" {
            let start = reader_session.read_table(&mono_bytes).unwrap();
            read_ours(&mono_bytes[start..], Some(&reader_session))
        } else {
            read_ours(&mono_bytes, None)
        };
        let mono_read = mono_read
            .as_ref()
            .unwrap_or_else(|e| panic!("{} doc {i}: Mono could not read our bytes: {e}", c.mode));
        let ours_read = ours_read
            .unwrap_or_else(|e| panic!("{} doc {i}: we could not read Mono's bytes: {e}", c.mode));
        assert!(
            same_infoset(mono_read, &ours_read),
            "{} doc {i}: infosets differ\n mono: {mono_read:?}\n ours: {ours_read:?}",
            c.mode
        );
    }
}

#[test]
fn plain_nbfx_matches_mono() {
    check_mode(&corpus("nbfx", 1));
}

#[test]
fn nbfs_dictionary_matches_mono() {
    check_mode(&corpus("nbfs", 2));
}

#[test]
fn nbfse_session_matches_mono() {
    check_mode(&corpus("session", 3));
}

/// `<r><{name}/>…</r>` in plain NBFX (one-letter root, each child named inline), after an `<a>`
/// whose one attribute takes `attribute` bytes (record, name and text) if given.
fn quota_document(names: impl IntoIterator<Item = String>, attribute: Option<usize>) -> Vec<u8> {
    let mut first = Vec::new();
    if let Some(bytes) = attribute {
        // ShortAttribute `x` (3 bytes) with a Chars16Text (3 bytes) of the rest.
        let text = bytes - 6;
        first.extend([0x40, 0x01, b'a', 0x04, 0x01, b'x', 0x9A]);
        first.extend((text as u16).to_le_bytes());
        first.extend(std::iter::repeat_n(b'v', text));
        first.push(0x01);
    }
    soapws_testkit::nbfx_named_children(&first, names)
}

/// WCF's default quotas as Microsoft's reader applies them to a message in memory, against
/// ours: one element's attributes of 4096 bytes pass and of 4097 are refused
/// (`MaxBytesPerRead`); distinct names far past 16384 characters are refused and the same
/// names repeated are not (`MaxNameTableCharCount`; near the limit the two differ by what .NET
/// counts besides the names written inline, see `Quotas`).
#[test]
fn wcf_default_quotas_refuse_what_ours_refuse() {
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        (
            "attributes of 4096 bytes",
            quota_document([], Some(4096)),
            true,
        ),
        (
            "attributes of 4097 bytes",
            quota_document([], Some(4097)),
            false,
        ),
        (
            "2,000 distinct names of 10 characters",
            quota_document((0..2000).map(|i| format!("name{i:06}")), None),
            false,
        ),
        (
            "10 names of 10 characters read 2,000 times",
            quota_document((0..2000).map(|i| format!("name{:06}", i % 10)), None),
            true,
        ),
    ];
    let input: String = cases.iter().map(|(_, doc, _)| hex(doc) + "\n").collect();
    let mono = parse_mono_read(&run_harness(&["read", "nbfx+wcf"], &input));
    assert_eq!(mono.len(), cases.len());
    for ((what, doc, reads), theirs) in cases.iter().zip(&mono) {
        let mut reader = Reader::new(doc).with_quotas(Quotas::WCF);
        let ours = loop {
            match reader.next_event() {
                Ok(Some(_)) => continue,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        assert_eq!(theirs.is_ok(), *reads, "Mono, {what}: {theirs:?}");
        assert_eq!(ours.is_ok(), *reads, "ours, {what}: {ours:?}");
    }
}
