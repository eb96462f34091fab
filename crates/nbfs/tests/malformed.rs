//! Bad input gets a typed error with the byte offset, never a panic, and never an allocation
//! larger than the input justifies.

use soapws_nbfs::{DecodeErrorKind as K, Event, Nbfs, Quotas, Reader, ReaderSession};

/// Reads `bytes` to the end; the error, if any.
fn read_all(bytes: &[u8], quotas: Quotas, session: Option<&ReaderSession>) -> Option<(usize, K)> {
    let mut reader = Reader::new(bytes)
        .with_dictionary(&Nbfs)
        .with_quotas(quotas);
    if let Some(s) = session {
        reader = reader.with_session(s);
    }
    loop {
        match reader.next_event() {
            Ok(Some(_)) => continue,
            Ok(None) => return None,
            Err(e) => return Some((e.offset, e.kind)),
        }
    }
}

fn error(bytes: &[u8]) -> (usize, K) {
    read_all(bytes, Quotas::TOOLS, None).expect("an error")
}

#[test]
fn truncated_records() {
    assert_eq!(error(&[0x40]), (1, K::UnexpectedEof));
    assert_eq!(error(&[0x40, 0x05, b'a']), (2, K::LengthPastEnd(5)));
    assert_eq!(
        error(&[0x40, 0x01, b'a', 0x8C, 0x01, 0x02]),
        (4, K::UnexpectedEof)
    );
    assert_eq!(
        error(&[0x40, 0x01, b'a', 0x9A, 0x10]),
        (4, K::UnexpectedEof)
    );
    assert_eq!(error(&[0x40, 0x01, b'a', 0x94]), (4, K::UnexpectedEof));
    assert_eq!(error(&[0x40, 0x01, b'a']), (3, K::UnclosedElements(1)));
}

#[test]
fn unknown_and_reserved_record_types() {
    for t in [0x00u8, 0x78, 0x7F, 0xA5, 0xA7, 0xBE, 0xFF] {
        assert_eq!(
            error(&[0x40, 0x01, b'a', t]),
            (3, K::UnknownRecord(t)),
            "type {t:#04x}"
        );
    }
    assert_eq!(error(&[0xA5]), (0, K::UnknownRecord(0xA5)));
}

#[test]
fn multibyte_int31_limits() {
    // Six bytes, and a fifth byte with bits above 2^31.
    assert_eq!(
        error(&[0x40, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
        (1, K::InvalidMultiByteInt31)
    );
    assert_eq!(
        error(&[0x40, 0xFF, 0xFF, 0xFF, 0xFF, 0x08]),
        (1, K::InvalidMultiByteInt31)
    );
    // The largest legal length, with almost nothing behind it: refused before any allocation.
    assert_eq!(
        error(&[0x40, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, b'a']),
        (6, K::LengthPastEnd(i32::MAX as u64))
    );
}

#[test]
fn lengths_past_the_end_never_allocate() {
    // Chars32 / Bytes32 claiming 2 GiB; an array claiming 2^31 items of 16 bytes.
    assert_eq!(
        error(&[0x40, 0x01, b'a', 0x9C, 0xFF, 0xFF, 0xFF, 0x7F]),
        (8, K::LengthPastEnd(0x7FFF_FFFF))
    );
    assert_eq!(
        error(&[0x40, 0x01, b'a', 0xA2, 0x00, 0x00, 0x00, 0x80]),
        (4, K::NegativeLength(i32::MIN))
    );
    let array = [
        0x03, 0x40, 0x01, b'v', 0x01, 0x95, 0xFF, 0xFF, 0xFF, 0xFF, 0x07,
    ];
    assert!(matches!(error(&array), (11, K::LengthPastEnd(_))));
    // A list of 100k empty items is fine, but its size is bounded by the input.
    let mut list = vec![0x40, 0x01, b'a', 0xA4];
    list.extend(std::iter::repeat_n(0xA8, 100_000));
    list.extend([0xA6, 0x01]);
    assert_eq!(read_all(&list, Quotas::TOOLS, None), None);
}

#[test]
fn invalid_text_encodings() {
    assert_eq!(error(&[0x40, 0x02, 0xC3, 0x28, 0x01]), (2, K::InvalidUtf8));
    assert_eq!(
        error(&[0x40, 0x01, b'a', 0x99, 0x01, 0xFF]),
        (5, K::InvalidUtf8)
    );
    assert_eq!(
        error(&[0x40, 0x01, b'a', 0xB7, 0x03, 0x41, 0x00, 0x42]),
        (5, K::OddUtf16Length(3))
    );
    assert_eq!(
        error(&[0x40, 0x01, b'a', 0xB7, 0x02, 0x00, 0xD8]),
        (5, K::InvalidUtf16)
    );
}

#[test]
fn undefined_dictionary_and_session_keys() {
    assert_eq!(
        error(&[0x42, 0xCE, 0x07, 0x01]),
        (1, K::UndefinedStaticKey(974))
    );
    assert_eq!(error(&[0x42, 0x01, 0x01]), (1, K::UndefinedSessionKey(1)));
    let mut plain = Reader::new(&[0x42, 0x02, 0x01]);
    assert_eq!(
        plain.next_event().unwrap_err().kind,
        K::UndefinedStaticKey(2)
    );
    let mut session = ReaderSession::new();
    session.read_table(&[0x02, 0x01, b'x']).unwrap();
    assert_eq!(
        read_all(&[0x42, 0x01, 0x01], Quotas::TOOLS, Some(&session)),
        None
    );
    assert_eq!(
        read_all(&[0x42, 0x03, 0x01], Quotas::TOOLS, Some(&session)),
        Some((1, K::UndefinedSessionKey(3)))
    );
}

#[test]
fn illegal_records_where_an_attribute_value_goes() {
    // WithEndElement form, EndElement, an element, EndListText, as attribute values.
    for t in [0x83u8, 0x01, 0x40, 0xA6] {
        let (offset, kind) = error(&[0x40, 0x01, b'a', 0x04, 0x01, b'b', t, 0x01]);
        assert_eq!(offset, 6, "type {t:#04x}");
        assert!(
            matches!(kind, K::MisplacedRecord { record, .. } if record == t),
            "type {t:#04x}: {kind:?}"
        );
    }
    // An attribute record outside a start tag.
    assert!(matches!(
        error(&[0x40, 0x01, b'a', 0x82, 0x04]),
        (4, K::MisplacedRecord { record: 0x04, .. })
    ));
}

#[test]
fn structure_rules() {
    assert_eq!(error(&[0x01]), (0, K::UnbalancedEndElement));
    assert_eq!(error(&[0x83]), (0, K::UnbalancedEndElement));
    assert_eq!(error(&[0x98, 0x01, b'x']), (0, K::TextOutsideRoot));
    assert_eq!(
        read_all(
            &[0x98, 0x01, b' ', 0x40, 0x01, b'a', 0x01],
            Quotas::TOOLS,
            None
        ),
        None
    );
    assert_eq!(
        error(&[0x5E, 0x01, b'x', 0x01]),
        (0, K::UndeclaredPrefix("a".into()))
    );
    assert_eq!(
        error(&[0x40, 0x00, 0x01]),
        (0, K::InvalidName("empty element name"))
    );
    assert_eq!(
        error(&[0x41, 0x05, b'x', b'm', b'l', b'n', b's', 0x01, b'a', 0x01]),
        (1, K::InvalidName("prefix 'xmlns'"))
    );
    let duplicate = [
        0x40, 0x01, b'a', 0x04, 0x01, b'b', 0x80, 0x04, 0x01, b'b', 0x82, 0x01,
    ];
    assert_eq!(error(&duplicate).1, K::DuplicateAttribute("{}b".into()));
    assert_eq!(
        error(&[0x40, 0x01, b'a', 0xBD, 0x1A, 0x02]),
        (4, K::InvalidQNamePrefix(26))
    );
}

#[test]
fn arrays_follow_dotnet_rules() {
    assert_eq!(
        error(&[0x03, 0x40, 0x01, b'v', 0x01, 0x8D, 0x00]),
        (6, K::EmptyArray)
    );
    assert_eq!(
        error(&[0x03, 0x40, 0x01, b'v', 0x01, 0xAD, 0x01]),
        (5, K::InvalidArrayType(0xAD))
    );
    assert!(matches!(
        error(&[0x03, 0x40, 0x01, b'v', 0x82, 0x8D, 0x01]),
        (4, K::MisplacedRecord { record: 0x82, .. })
    ));
    assert!(matches!(
        error(&[0x03, 0x03]),
        (1, K::MisplacedRecord { record: 0x03, .. })
    ));
    let mut bad_date = vec![0x03, 0x40, 0x01, b'v', 0x01, 0x97, 0x01];
    bad_date.extend(u64::MAX.to_le_bytes());
    assert!(matches!(error(&bad_date), (7, K::DateTimeOutOfRange(_))));
}

#[test]
fn quotas_are_enforced() {
    let mut deep = Vec::new();
    for _ in 0..33 {
        deep.extend([0x40, 0x01, b'a']);
    }
    assert_eq!(
        read_all(&deep, Quotas::WCF, None),
        Some((96, K::DepthExceeded(32)))
    );
    let long = [&[0x40, 0x01, b'a', 0x9B, 0x10, 0x00][..], &[b'x'; 16]].concat();
    let small = Quotas {
        max_string_content_length: 15,
        ..Quotas::WCF
    };
    assert_eq!(
        read_all(&long, small, None),
        Some((4, K::StringTooLong { len: 16, max: 15 }))
    );
    let array = [0x03, 0x40, 0x01, b'v', 0x01, 0xB5, 0x03, 1, 0, 1];
    let small = Quotas {
        max_array_length: 2,
        ..Quotas::WCF
    };
    assert_eq!(
        read_all(&array, small, None),
        Some((6, K::ArrayTooLong { len: 3, max: 2 }))
    );
}

#[test]
fn session_tables_over_quota_or_malformed() {
    let mut s = ReaderSession::with_quota(4);
    let e = s
        .read_table(&[0x05, 0x04, b'a', b'b', b'c', b'd'])
        .unwrap_err();
    assert_eq!(e.kind, K::SessionQuotaExceeded { size: 5, quota: 4 });
    let mut s = ReaderSession::new();
    let e = s.read_table(&[0x7F]).unwrap_err();
    assert!(matches!(e.kind, K::MalformedStringTable(_)));
    let mut s = ReaderSession::new();
    let e = s.read_table(&[0x02, 0x01, 0xFF]).unwrap_err();
    assert_eq!((e.offset, e.kind), (2, K::InvalidUtf8));
}

#[test]
fn a_valid_document_after_errors_elsewhere_still_reads() {
    // A reader is per document: an error in one does not poison another.
    assert!(error(&[0x40]).1 == K::UnexpectedEof);
    let mut r = Reader::new(&[0x40, 0x01, b'a', 0x01]);
    assert!(matches!(
        r.next_event().unwrap(),
        Some(Event::StartElement(_))
    ));
}

#[test]
fn attributes_past_max_bytes_per_read_are_refused() {
    // <a x="…"/>: the attribute takes 3 bytes of record and name, 2 of text record, N of text.
    let element = |n: usize| {
        let mut doc = vec![0x40, 0x01, b'a', 0x04, 0x01, b'x', 0x98, n as u8];
        doc.extend(std::iter::repeat_n(b'v', n));
        doc.push(0x01);
        doc
    };
    let quotas = Quotas {
        max_bytes_per_read: 10,
        ..Quotas::WCF
    };
    assert_eq!(read_all(&element(5), quotas, None), None);
    assert_eq!(
        read_all(&element(6), quotas, None),
        Some((3, K::BytesPerReadExceeded(10)))
    );
    assert_eq!(read_all(&element(200), Quotas::WCF, None), None);
}

/// `<r><{name}/>…</r>` in plain NBFX: one-letter root, each child written inline.
fn children(names: impl IntoIterator<Item = String>) -> Vec<u8> {
    soapws_testkit::nbfx_named_children(&[], names)
}

#[test]
fn distinct_names_past_the_name_table_quota_are_refused() {
    let quotas = Quotas {
        max_name_table_char_count: 200,
        ..Quotas::WCF
    };
    // 20 names of 6 characters, each read 50 times: 6,000 bytes of names, more than the
    // reader's cache of recent names holds apart, but 120 distinct characters.
    let repeated = children((0..1000).map(|i| format!("name{:02}", i % 20)));
    assert_eq!(read_all(&repeated, quotas, None), None);
    // 40 distinct names: the 34th brings them to 204 characters. Its name is at byte
    // 3 + 9 × 33 + 2.
    let distinct = children((0..40).map(|i| format!("name{i:02}")));
    assert_eq!(
        read_all(&distinct, quotas, None),
        Some((302, K::NameTableCharCountExceeded(200)))
    );
    // The same after the budget was spent on repeated names first.
    let late = children(
        (0..1000)
            .map(|i| format!("name{:02}", i % 20))
            .chain((20..40).map(|i| format!("name{i:02}"))),
    );
    let (_, kind) = read_all(&late, quotas, None).expect("refused");
    assert_eq!(kind, K::NameTableCharCountExceeded(200));
    // Namespace URIs written inline count; dictionary strings and one-letter prefixes do not.
    let mut declared = vec![0x40, 0x01, b'r'];
    for i in 0..40 {
        declared.extend([0x41, 0x01, b'p', 0x01, b'e', 0x09, 0x01, b'p', 0x06]);
        declared.extend(format!("urn:{i:02}").as_bytes());
        declared.push(0x01);
    }
    declared.push(0x01);
    let (_, kind) = read_all(&declared, quotas, None).expect("refused");
    assert_eq!(kind, K::NameTableCharCountExceeded(200));
    // <s:Envelope xmlns:s="…"/> by static keys, with a quota of nothing.
    let envelope = [0x56, 0x02, 0x0B, 0x01, b's', 0x04, 0x01];
    let none = Quotas {
        max_name_table_char_count: 0,
        ..Quotas::WCF
    };
    assert_eq!(read_all(&envelope, none, None), None);
}

/// The name table quota counts each distinct name once, however the budget and the reader's
/// cache of recent names met it: for random documents (names drawn from a small pool, so that
/// they repeat, collide in the cache and overflow the budget at different points), a quota of
/// exactly the distinct names' characters reads and one less is refused.
#[test]
fn the_name_table_quota_counts_distinct_names_exactly() {
    use soapws_nbfs::{Writer, XmlString};
    use std::collections::HashSet;

    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let pool: Vec<String> = (0..40)
        .map(|i| match i % 4 {
            0 => format!("n{i}"),
            1 => format!("Name{i}"),
            2 => "x".repeat(1 + i % 7),
            _ => format!("é{i}"),
        })
        .collect();
    let prefixes = ["", "p", "pre", "Q"];
    let namespaces = ["urn:a", "urn:bb", "urn:ccc"];
    for _ in 0..200 {
        let mut counted: HashSet<String> = HashSet::new();
        let mut w = Writer::new();
        let mut depth = 0;
        for _ in 0..(1 + next(300)) {
            if depth > 0 && next(3) == 0 {
                w.end_element().unwrap();
                depth -= 1;
                continue;
            }
            let name = &pool[next(pool.len() as u64) as usize];
            let prefix = prefixes[next(4) as usize];
            let ns = namespaces[next(3) as usize];
            let (prefix, ns) = if prefix.is_empty() {
                (None, None)
            } else {
                (Some(prefix), Some(XmlString::dynamic(ns)))
            };
            w.start_element(prefix, XmlString::dynamic(name), ns)
                .unwrap();
            depth += 1;
            for s in [name.as_str(), prefix.unwrap_or("")] {
                if !matches!(s.as_bytes(), [] | [b'a'..=b'z']) {
                    counted.insert(s.to_owned());
                }
            }
        }
        let doc = w.finish().unwrap();
        // The namespaces the writer declared (each at least once where a prefix used it).
        let mut reader = Reader::new(&doc).with_quotas(Quotas::TOOLS);
        while let Some(event) = reader.next_event().unwrap() {
            if let Event::StartElement(_) = event {
                for a in reader.attributes() {
                    if let soapws_nbfs::Attribute::Xmlns { namespace, .. } = a {
                        counted.insert(namespace.as_str().to_owned());
                    }
                }
            }
        }
        let chars: usize = counted.iter().map(|s| s.encode_utf16().count()).sum();
        let quota = |max| Quotas {
            max_name_table_char_count: max,
            ..Quotas::TOOLS
        };
        assert_eq!(
            read_all(&doc, quota(chars), None),
            None,
            "{chars} characters"
        );
        if chars > 0 {
            let (_, kind) = read_all(&doc, quota(chars - 1), None).expect("refused");
            assert_eq!(kind, K::NameTableCharCountExceeded(chars - 1));
        }
    }
}
