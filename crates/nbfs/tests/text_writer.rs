//! The text side of `Writer`: the same calls give the XML that the binary form decodes to.

use soapws_nbfs::{xml, ArrayItems, Nbfs, Quotas, Reader, Value, ValueList, Writer, XmlString};

const SOAP: XmlString<'static> =
    XmlString::from_static("http://www.w3.org/2003/05/soap-envelope", 4);
const WSA: XmlString<'static> = XmlString::from_static("http://www.w3.org/2005/08/addressing", 6);

/// Writes a small WCF-shaped envelope through `w`.
fn envelope(w: &mut Writer<'_>, attribute_value: &str) {
    w.start_element(Some("s"), XmlString::from_static("Envelope", 2), Some(SOAP))
        .unwrap();
    w.xmlns(Some("a"), WSA).unwrap();
    w.start_element(Some("s"), XmlString::from_static("Header", 8), Some(SOAP))
        .unwrap();
    w.start_element(Some("a"), XmlString::from_static("Action", 10), Some(WSA))
        .unwrap();
    w.attribute(
        Some("s"),
        XmlString::from_static("mustUnderstand", 0),
        Some(SOAP),
        &Value::Int32(1),
    )
    .unwrap();
    w.value(&Value::Dictionary(XmlString::dynamic("urn:op&\"x\"")))
        .unwrap();
    w.end_element().unwrap();
    w.end_element().unwrap();
    w.start_element(Some("s"), XmlString::from_static("Body", 14), Some(SOAP))
        .unwrap();
    w.start_element(
        None,
        XmlString::dynamic("Op"),
        Some(XmlString::dynamic("urn:svc")),
    )
    .unwrap();
    w.attribute(
        None,
        XmlString::inline("n"),
        Some(XmlString::inline("urn:attr")),
        &Value::Str(attribute_value),
    )
    .unwrap();
    w.start_element(None, XmlString::dynamic("x"), None)
        .unwrap();
    w.value(&Value::Double(0.1)).unwrap();
    w.end_element().unwrap();
    w.start_element(None, XmlString::dynamic("empty"), None)
        .unwrap();
    w.end_element().unwrap();
    w.array(
        None,
        XmlString::dynamic("v"),
        None,
        ArrayItems::Int32(&[1, -2]),
    )
    .unwrap();
    w.value(&Value::List(ValueList::new(&[
        Value::Int32(5),
        Value::Bool(true),
    ])))
    .unwrap();
    w.value(&Value::Bytes(&[1, 2, 3, 4])).unwrap();
}

#[test]
fn text_writer_writes_wcf_shaped_xml() {
    let mut w = Writer::text(Vec::new());
    envelope(&mut w, "a\tb<");
    let text = String::from_utf8(w.finish().unwrap()).unwrap();
    assert_eq!(
        text,
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:a=\"http://www.w3.org/2005/08/addressing\">\
         <s:Header><a:Action s:mustUnderstand=\"1\">urn:op&amp;\"x\"</a:Action></s:Header>\
         <s:Body><Op b:n=\"a&#x9;b&lt;\" xmlns=\"urn:svc\" xmlns:b=\"urn:attr\"><x>0.1</x><empty/><v>1</v><v>-2</v>5 trueAQIDBA==</Op>\
         </s:Body></s:Envelope>"
    );
}

#[test]
fn text_and_binary_writers_agree_on_the_infoset() {
    // (Tabs in attribute values are left out: the decoder's minimal escaping keeps them literal,
    // and XML attribute normalisation then turns them into spaces.)
    let mut w = Writer::text(Vec::new());
    envelope(&mut w, "a b<");
    let text = String::from_utf8(w.finish().unwrap()).unwrap();

    let mut w = Writer::new().dictionary(&Nbfs);
    envelope(&mut w, "a b<");
    let binary = w.finish().unwrap();
    let mut decoded = String::new();
    xml::write_xml(
        &mut Reader::new(&binary)
            .with_dictionary(&Nbfs)
            .with_quotas(Quotas::TOOLS),
        &mut decoded,
    )
    .unwrap();

    // The decoder writes every element with an end tag and escapes minimally; normalise both
    // through the XML text parser and compare the binary encodings of the two.
    let reencode = |xml_text: &str| {
        let doc = xml::TextDocument::parse(xml_text).unwrap();
        let mut w = Writer::new();
        doc.write_to(&mut w, xml::Names::Inline).unwrap();
        w.finish().unwrap()
    };
    assert_eq!(reencode(&text), reencode(&decoded));
}
