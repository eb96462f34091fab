//! Generated types survive encoding and decoding in all three encodings, edge values included.

mod common;

use common::check;
use soapws_examples::calculator::{Add, DivideResponse, MathFault};
use soapws_examples::calculator_duplex::Equation;
use soapws_examples::websocket_scenarios::{
    DownloadStreamResponse, GetLogResponse, ReceiveLog, UploadData,
};

const SAMPLES: &str = "http://Microsoft.ServiceModel.Samples";
const TEMPURI: &str = "http://tempuri.org/";

#[test]
fn doubles_including_extremes() {
    for (n1, n2) in [
        (Some(100.0), Some(15.99)),
        (Some(-0.0), Some(f64::INFINITY)),
        (Some(f64::NEG_INFINITY), Some(f64::MAX)),
        (Some(f64::MIN_POSITIVE), Some(5e-324)),
        (Some(1e21), Some(0.1 + 0.2)),
        (None, Some(1.0)),
        (None, None),
    ] {
        check(Add { n1, n2 }, "Add", SAMPLES);
    }
    check(
        DivideResponse {
            divide_result: Some(1.0 / 3.0),
        },
        "DivideResponse",
        SAMPLES,
    );
}

#[test]
fn strings_with_markup_unicode_and_whitespace() {
    for text in [
        "",
        " ",
        "a < b && c > d",
        "\"quoted\" 'single'",
        "ünïcødé ✓ 𝄞",
        "line\nbreak\ttab",
        "]]>",
    ] {
        check(
            MathFault {
                operation: Some(text.into()),
                problem_type: Some(text.repeat(3)),
            },
            "MathFault",
            "http://schemas.datacontract.org/2004/07/Microsoft.ServiceModel.Samples",
        );
        check(
            UploadData {
                data: Some(text.into()),
            },
            "UploadData",
            TEMPURI,
        );
    }
    check(
        MathFault {
            operation: None,
            problem_type: Some("x".into()),
        },
        "MathFault",
        SAMPLES,
    );
}

#[test]
fn nil_members_and_empty_or_long_arrays_and_bytes() {
    check(Equation { eqn: None }, "Equation", SAMPLES);
    check(
        Equation {
            eqn: Some("0 + 2 = 2".into()),
        },
        "Equation",
        SAMPLES,
    );
    check(
        ReceiveLog {
            log: Some(Vec::new()),
        },
        "ReceiveLog",
        TEMPURI,
    );
    check(ReceiveLog { log: None }, "ReceiveLog", TEMPURI);
    let long: Vec<String> = (0..500).map(|i| format!("entry {i}")).collect();
    check(
        GetLogResponse {
            get_log_result: Some(long),
        },
        "GetLogResponse",
        TEMPURI,
    );
    for len in [0, 1, 2, 3, 255, 256, 16_384] {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        check(
            DownloadStreamResponse {
                download_stream_result: Some(bytes),
            },
            "DownloadStreamResponse",
            TEMPURI,
        );
    }
}
