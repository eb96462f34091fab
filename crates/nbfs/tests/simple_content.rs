//! `Reader::read_simple_content`: an element's text and end in one step, and nothing read when
//! the content is anything else.

use soapws_nbfs::{DecodeErrorKind as K, NodeType, Reader, Value};

/// `<r><a>42</a><b/><c>x</c><d><e/></d><f xmlns:p="u">7</f><p:g/></r>` with `a` and `f` as
/// WithEndElement records, `c` as a text record followed by an EndElement record, and the
/// prefix `p` undeclared at `g` once `f` has ended.
const DOC: &[u8] = &[
    0x40, 1, b'r', // <r>
    0x40, 1, b'a', 0x89, 42, // <a>42</a> (Int8TextWithEndElement)
    0x40, 1, b'b', 0x01, // <b></b>
    0x40, 1, b'c', 0x98, 1, b'x', 0x01, // <c>x</c> (Chars8Text, EndElement)
    0x40, 1, b'd', 0x40, 1, b'e', 0x01, 0x01, // <d><e/></d>
    0x40, 1, b'f', 0x09, 1, b'p', 1, b'u', 0x89, 7,    // <f xmlns:p="u">7</f>
    0x01, // </r>
];

fn start(reader: &mut Reader<'_>, name: &str) {
    assert_eq!(reader.read().unwrap(), NodeType::StartElement);
    assert_eq!(reader.element().local_name, name);
}

#[test]
fn reads_text_and_end_in_one_step_and_leaves_other_content_unread() {
    let mut reader = Reader::new(DOC);
    start(&mut reader, "r");
    // Element content: nothing read.
    assert!(!reader.read_simple_content().unwrap());
    start(&mut reader, "a");
    assert!(reader.read_simple_content().unwrap());
    assert_eq!(reader.value(), &Value::Int32(42));
    assert_eq!(reader.depth(), 1);
    start(&mut reader, "b");
    assert!(reader.read_simple_content().unwrap());
    assert_eq!(reader.value(), &Value::Str(""));
    start(&mut reader, "c");
    // A text record that does not end the element: left for `read`.
    assert!(!reader.read_simple_content().unwrap());
    assert_eq!(reader.read().unwrap(), NodeType::Text);
    assert_eq!(reader.value(), &Value::Str("x"));
    // The rest of `c` is its end.
    assert!(reader.read_simple_content().unwrap());
    assert_eq!(reader.value(), &Value::Str(""));
    start(&mut reader, "d");
    assert!(!reader.read_simple_content().unwrap());
    start(&mut reader, "e");
    assert!(reader.read_simple_content().unwrap());
    assert_eq!(reader.value(), &Value::Str(""));
    assert_eq!(reader.read().unwrap(), NodeType::EndElement);
    start(&mut reader, "f");
    assert_eq!(reader.lookup_namespace("p").unwrap(), "u");
    assert!(reader.read_simple_content().unwrap());
    assert_eq!(reader.value(), &Value::Int32(7));
    assert_eq!(reader.read().unwrap(), NodeType::EndElement);
    assert_eq!(
        reader.lookup_namespace("p"),
        None,
        "f's declaration ended with it"
    );
    assert_eq!(reader.read().unwrap(), NodeType::None);
    // At the end of the document there is no element to read.
    assert!(!reader.read_simple_content().unwrap());
}

#[test]
fn a_pending_end_is_left_to_read() {
    let mut reader = Reader::new(DOC);
    start(&mut reader, "r");
    start(&mut reader, "a");
    assert_eq!(reader.read().unwrap(), NodeType::Text);
    assert!(!reader.read_simple_content().unwrap());
    assert_eq!(reader.read().unwrap(), NodeType::EndElement);
}

#[test]
fn malformed_text_is_a_typed_error() {
    // <a> then an Int32TextWithEndElement record cut short.
    let mut reader = Reader::new(&[0x40, 1, b'a', 0x8D, 1, 2]);
    start(&mut reader, "a");
    let e = reader.read_simple_content().unwrap_err();
    assert_eq!((e.offset, e.kind), (4, K::UnexpectedEof));
}
