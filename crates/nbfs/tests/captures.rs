//! The real WCF binary session captures of `shared/nbfx-captures/` decode with one reader
//! session to their XML, and re-encode to the same bytes given the same writer session.

use std::path::PathBuf;

use soapws_nbfs::{
    xml, ArrayItems, Attribute, Event, Nbfs, Quotas, Reader, ReaderSession, Writer, WriterSession,
};

const CAPTURES: [&str; 4] = [
    "capture-nettcp-calculator-1-subtract",
    "capture-nettcp-calculator-2-multiply",
    "capture-nettcp-calculator-3-divide",
    "capture-nettcp-calculator-4-concat",
];

fn captures_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nbfx-captures");
    assert!(
        dir.is_dir(),
        "the shared test data is missing: expected {} (clone the project with shared/ beside it)",
        dir.display()
    );
    dir
}

fn read(name: &str, ext: &str) -> String {
    let path = captures_dir().join(format!("{name}.{ext}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

fn tsv(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once('\t').unwrap();
            (k.parse().unwrap(), v.to_owned())
        })
        .collect()
}

#[test]
fn captures_decode_in_order_with_one_session() {
    let mut session = ReaderSession::new();
    for name in CAPTURES {
        let before: Vec<(u32, String)> =
            session.entries().map(|(k, s)| (k, s.to_owned())).collect();
        if let Ok(expected) =
            std::fs::read_to_string(captures_dir().join(format!("{name}.session-before.tsv")))
        {
            assert_eq!(before, tsv(&expected), "{name}: session before");
        }
        let bytes = hex(&read(name, "hex"));
        let start = session.read_table(&bytes).unwrap();
        let after: Vec<(u32, String)> = session.entries().map(|(k, s)| (k, s.to_owned())).collect();
        assert_eq!(
            after,
            tsv(&read(name, "session-after.tsv")),
            "{name}: session after"
        );

        let mut reader = Reader::new(&bytes[start..])
            .with_base_offset(start)
            .with_dictionary(&Nbfs)
            .with_session(&session);
        let mut text = String::new();
        xml::write_xml(&mut reader, &mut text).unwrap();
        assert_eq!(text, read(name, "xml").trim_end(), "{name}: XML");
    }
}

/// Replays every event of `doc` into `writer`, as a caller with the same logical input would.
fn replay<'a>(doc: &'a [u8], reader_session: &'a ReaderSession, writer: &mut Writer<'a>) {
    let mut reader = Reader::new(doc)
        .with_dictionary(&Nbfs)
        .with_session(reader_session)
        .with_quotas(Quotas::TOOLS);
    while let Some(event) = reader.next_event().unwrap() {
        match event {
            Event::StartElement(e) => {
                writer
                    .start_element(Some(e.prefix), e.local_name, Some(e.namespace))
                    .unwrap();
                for a in reader.attributes() {
                    match a {
                        Attribute::Xmlns { prefix, namespace } => {
                            writer.xmlns(Some(prefix), *namespace).unwrap()
                        }
                        Attribute::Value {
                            prefix,
                            local_name,
                            namespace,
                            value,
                        } => writer
                            .attribute(Some(prefix), *local_name, Some(*namespace), value)
                            .unwrap(),
                    }
                }
            }
            Event::EndElement => writer.end_element().unwrap(),
            Event::Text(v) => writer.value(&v).unwrap(),
            Event::Comment(c) => writer.comment(c).unwrap(),
            Event::Array(a) => writer
                .array(
                    Some(a.element.prefix),
                    a.element.local_name,
                    Some(a.element.namespace),
                    ArrayItems::Raw(a.item_type, a.data),
                )
                .unwrap(),
        }
    }
}

#[test]
fn captures_reencode_identically_given_the_same_session() {
    let mut reader_session = ReaderSession::new();
    let mut writer_session = WriterSession::new();
    for name in CAPTURES {
        let bytes = hex(&read(name, "hex"));
        let start = reader_session.read_table(&bytes).unwrap();
        let encoded = {
            let mut writer = Writer::new().dictionary(&Nbfs).session(&mut writer_session);
            replay(&bytes[start..], &reader_session, &mut writer);
            writer.finish_session_message().unwrap()
        };
        assert_eq!(hex_string(&encoded), hex_string(&bytes), "{name}");
    }
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X} ")).collect()
}

#[test]
fn nbfs_table_matches_specification() {
    let path = captures_dir().join("../specs/nbfs-dictionary.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let from_file: Vec<(u32, String)> = tsv(&text);
    let compiled: Vec<(u32, String)> = Nbfs::entries().map(|(k, s)| (k, s.to_owned())).collect();
    assert_eq!(compiled.len(), 487);
    assert_eq!(compiled, from_file);
}
