//! `soapws decode` / `soapws encode` as a user runs them.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn soapws(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_soapws"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run soapws");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn capture(name: &str, ext: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../../shared/nbfx-captures/{name}.{ext}"));
    assert!(p.is_file(), "missing shared test data {}", p.display());
    p
}

const CAPTURES: [&str; 4] = [
    "capture-nettcp-calculator-1-subtract",
    "capture-nettcp-calculator-2-multiply",
    "capture-nettcp-calculator-3-divide",
    "capture-nettcp-calculator-4-concat",
];

/// `soapws decode --hex OPTIONS` of the four captures, in order: its standard output.
fn decode_captures(options: &[&str]) -> String {
    let files: Vec<String> = CAPTURES
        .iter()
        .map(|c| capture(c, "hex").display().to_string())
        .collect();
    let mut args = vec!["decode", "--hex"];
    args.extend(options);
    args.extend(files.iter().map(String::as_str));
    let out = soapws(&args, b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn decodes_a_session_of_captures_in_order() {
    let text = decode_captures(&["--format", "msbinsession1"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    for (line, name) in lines.iter().zip(CAPTURES) {
        let expected = std::fs::read_to_string(capture(name, "xml")).unwrap();
        assert_eq!(*line, expected.trim_end());
    }
}

#[test]
fn pretty_decode_indents_children_and_keeps_text_inline() {
    let text = decode_captures(&["--pretty"]);
    let documents: Vec<&str> = text.split_inclusive("</s:Envelope>\n").collect();
    assert_eq!(documents.len(), 4);
    for (document, name) in documents.iter().zip(CAPTURES) {
        let lines: Vec<&str> = document.lines().collect();
        assert_eq!(lines[1], "  <s:Header>", "{name}");
        assert!(
            lines.contains(
                &"      <a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address>"
            ),
            "{name}: {document}"
        );
        assert_eq!(lines.last(), Some(&"</s:Envelope>"), "{name}");
        // Without the added line breaks and indentation it is the plain output.
        let joined: String = lines.iter().map(|l| l.trim_start()).collect();
        let expected = std::fs::read_to_string(capture(name, "xml")).unwrap();
        assert_eq!(joined, expected.trim_end(), "{name}");
    }

    let xml = "<a><!--c--><b>hi</b>text<c><d/></c></a>";
    let encoded = soapws(&["encode", "--format", "nbfx"], xml.as_bytes());
    let out = soapws(&["decode", "--format", "nbfx", "--pretty"], &encoded.stdout);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "<a>\n  <!--c-->\n  <b>hi</b>text<c>\n    <d></d>\n  </c></a>\n",
        "mixed content gains no white space after text"
    );
}

#[test]
fn session_strings_are_shown_before_each_document() {
    let text = decode_captures(&["--session-strings"]);
    let mut shown: Vec<String> = Vec::new();
    let mut documents = 0;
    for line in text.lines() {
        if let Some(entry) = line.strip_prefix("<!-- session ") {
            let (key, string) = entry
                .strip_suffix(" -->")
                .unwrap()
                .split_once(": ")
                .unwrap();
            shown.push(format!("{key}\t{string}"));
            continue;
        }
        // After each document: every string shown so far is the session the capture records.
        let name = CAPTURES[documents];
        let after = std::fs::read_to_string(capture(name, "session-after.tsv")).unwrap();
        assert_eq!(shown, after.lines().collect::<Vec<_>>(), "{name}");
        documents += 1;
    }
    assert_eq!(documents, 4);
}

#[test]
fn reads_raw_bytes_from_stdin() {
    let out = soapws(
        &["decode", "--format", "nbfx"],
        &[0x40, 0x01, b'a', 0x89, 0x85],
    );
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "<a>-123</a>\n");
}

#[test]
fn malformed_input_names_the_offset_and_fails() {
    let out = soapws(
        &["decode", "--format", "nbfx"],
        &[0x40, 0x01, b'a', 0x8C, 0x01],
    );
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("-: invalid binary XML at byte 4: unexpected end of input"),
        "{err}"
    );

    let out = soapws(
        &[
            "decode",
            "--hex",
            capture(CAPTURES[1], "hex").to_str().unwrap(),
        ],
        b"",
    );
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("byte 81: dictionary key 13 is not in the session string table"),
        "{err}"
    );

    let out = soapws(&["decode", "--hex"], b"40 0");
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("not hex text"));
}

#[test]
fn encode_then_decode_is_the_identity_on_xml() {
    let xml = std::fs::read_to_string(capture(CAPTURES[3], "xml")).unwrap();
    for format in ["nbfx", "msbin1", "msbinsession1"] {
        let encoded = soapws(&["encode", "--format", format], xml.as_bytes());
        assert!(
            encoded.status.success(),
            "{}",
            String::from_utf8_lossy(&encoded.stderr)
        );
        let decoded = soapws(&["decode", "--format", format], &encoded.stdout);
        assert!(
            decoded.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&decoded.stderr)
        );
        assert_eq!(
            String::from_utf8(decoded.stdout).unwrap().trim_end(),
            xml.trim_end(),
            "{format}"
        );
    }
}

#[test]
fn encode_writes_wcf_header_values_like_wcf() {
    let xml = std::fs::read_to_string(capture(CAPTURES[0], "xml")).unwrap();
    let out = soapws(&["encode", "--hex"], xml.as_bytes());
    assert!(out.status.success());
    let hex = String::from_utf8(out.stdout).unwrap();
    let expected: String = std::fs::read_to_string(capture(CAPTURES[0], "hex"))
        .unwrap()
        .split_whitespace()
        .collect::<String>()
        .to_lowercase();
    // Identical up to the body's typed numbers, which XML text does not carry.
    let header_end = expected.find("560e").unwrap();
    assert_eq!(&hex[..header_end], &expected[..header_end]);
}

#[test]
fn custom_dictionary_replaces_the_static_one() {
    let dir = std::env::temp_dir().join(format!("soapws-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dict = dir.join("dict.tsv");
    std::fs::write(&dict, "0\tOrder\n2\turn:shop\n").unwrap();
    let out = soapws(
        &[
            "decode",
            "--format",
            "nbfx",
            "--dictionary",
            dict.to_str().unwrap(),
        ],
        &[0x42, 0x00, 0x0A, 0x02, 0x01],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "<Order xmlns=\"urn:shop\"></Order>\n"
    );
    let enc = soapws(
        &[
            "encode",
            "--format",
            "nbfx",
            "--hex",
            "--dictionary",
            dict.to_str().unwrap(),
        ],
        b"<Order xmlns=\"urn:shop\"/>",
    );
    assert_eq!(String::from_utf8(enc.stdout).unwrap().trim(), "42000a0201");
}
