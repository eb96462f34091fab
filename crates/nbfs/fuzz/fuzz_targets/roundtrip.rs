//! Arbitrary bytes that decode as a document are re-encoded with the writer (replaying the
//! events); whenever the writer accepts them, its output must decode again, to the same element
//! and attribute names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use soapws_nbfs::{
    ArrayItems, Attribute, EncodeError, Event, Nbfs, Quotas, Reader, ReaderSession, Writer,
};
use soapws_nbfs_fuzz::capture_session;

/// The `{namespace}local` names of every element and array, each followed by its ordinary
/// attributes' names, or `None` if `doc` does not decode.
fn names(doc: &[u8], session: &ReaderSession) -> Option<Vec<String>> {
    let mut reader = Reader::new(doc)
        .with_dictionary(&Nbfs)
        .with_session(session)
        .with_quotas(Quotas::TOOLS);
    let mut out = Vec::new();
    while let Some(event) = reader.next_event().ok()? {
        let e = match event {
            Event::StartElement(e) => e,
            Event::Array(a) => a.element,
            _ => continue,
        };
        out.push(format!("{{{}}}{}", e.namespace, e.local_name));
        for a in reader.attributes() {
            if let Attribute::Value {
                local_name,
                namespace,
                ..
            } = a
            {
                out.push(format!("@{{{namespace}}}{local_name}"));
            }
        }
    }
    Some(out)
}

/// Replays `doc` into `writer`; `Err` if the writer refuses a call.
fn replay<'a>(
    doc: &'a [u8],
    session: &'a ReaderSession,
    writer: &mut Writer<'a>,
) -> Result<(), EncodeError> {
    let mut reader = Reader::new(doc)
        .with_dictionary(&Nbfs)
        .with_session(session)
        .with_quotas(Quotas::TOOLS);
    while let Some(event) = reader.next_event().expect("decoded before") {
        match event {
            Event::StartElement(e) => {
                writer.start_element(Some(e.prefix), e.local_name, Some(e.namespace))?;
                for a in reader.attributes() {
                    match a {
                        Attribute::Xmlns { prefix, namespace } => {
                            writer.xmlns(Some(prefix), *namespace)?
                        }
                        Attribute::Value {
                            prefix,
                            local_name,
                            namespace,
                            value,
                        } => {
                            writer.attribute(Some(prefix), *local_name, Some(*namespace), value)?
                        }
                    }
                }
            }
            Event::EndElement => writer.end_element()?,
            Event::Text(v) => writer.value(&v)?,
            Event::Comment(c) => writer.comment(c)?,
            Event::Array(a) => {
                // The writer, like .NET's `WriteArray`, puts no ordinary attributes on an
                // Array record's element (a reader accepts them): nothing to replay them with.
                if reader
                    .attributes()
                    .iter()
                    .any(|a| matches!(a, Attribute::Value { .. }))
                {
                    return Err(EncodeError::InvalidState("attributes on an Array record"));
                }
                writer.array(
                    Some(a.element.prefix),
                    a.element.local_name,
                    Some(a.element.namespace),
                    ArrayItems::Raw(a.item_type, a.data),
                )?
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let session = capture_session();
    let Some(expected) = names(data, &session) else {
        return;
    };

    // Plain and with the dictionary: session strings are written inline by name.
    for with_dictionary in [false, true] {
        let mut writer = Writer::new();
        if with_dictionary {
            writer = writer.dictionary(&Nbfs);
        }
        if replay(data, &session, &mut writer).is_err() {
            return;
        }
        let bytes = writer.finish().expect("finish after accepted calls");
        let empty = ReaderSession::new();
        let again = names(&bytes, &empty);
        assert_eq!(
            again.as_ref(),
            Some(&expected),
            "re-encoded document does not decode to the same names: {bytes:02X?}"
        );
    }
});
