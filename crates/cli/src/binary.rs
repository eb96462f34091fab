//! `soapws decode` and `soapws encode`: .NET Binary XML to XML text and back.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use soapws_nbfs::xml::{self, Names, TextDocument};
use soapws_nbfs::{
    DecodeError, Dictionary, EncodeError, Nbfs, Quotas, Reader, ReaderSession, TableDictionary,
    Writer, WriterSession,
};

/// Session tables grow without WCF's 2048-byte default when the tool reads or writes them, so
/// that traffic from services with a raised `MaxSessionSize` decodes.
const TOOL_SESSION_QUOTA: usize = 64 << 20;

/// The binary XML flavour of the messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Plain [MC-NBFX]: no dictionary unless --dictionary is given.
    Nbfx,
    /// `application/soap+msbin1`: the [MC-NBFS] static dictionary.
    Msbin1,
    /// `application/soap+msbinsession1`: NBFS plus a session string table before each message;
    /// consecutive files are consecutive messages of one session.
    Msbinsession1,
}

/// Options of `soapws decode`.
#[derive(Args)]
pub struct DecodeArgs {
    /// The binary XML flavour.
    #[arg(long, value_enum, default_value_t = Format::Msbinsession1)]
    format: Format,
    /// A dictionary (`KEY<TAB>STRING` lines, even keys) replacing the static one.
    #[arg(long, value_name = "FILE.tsv")]
    dictionary: Option<PathBuf>,
    /// The input is hex text (whitespace ignored) rather than raw bytes.
    #[arg(long)]
    hex: bool,
    /// Lay the XML out for reading: one child element per line, indented by two spaces (the
    /// added white space is not part of the message).
    #[arg(long)]
    pretty: bool,
    /// With msbinsession1: before each document, the strings its table adds to the session, one
    /// XML comment each (`<!-- session 1: … -->`).
    #[arg(long)]
    session_strings: bool,
    /// Messages to decode, one per file, in order; none or `-` reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// Options of `soapws encode`.
#[derive(Args)]
pub struct EncodeArgs {
    /// The binary XML flavour.
    #[arg(long, value_enum, default_value_t = Format::Msbinsession1)]
    format: Format,
    /// A dictionary (`KEY<TAB>STRING` lines, even keys) replacing the static one.
    #[arg(long, value_name = "FILE.tsv")]
    dictionary: Option<PathBuf>,
    /// Write each message as a line of hex rather than raw bytes.
    #[arg(long)]
    hex: bool,
    /// XML documents to encode, one message per file, in order; none or `-` reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// What went wrong, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file (`-` for standard input/output).
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The dictionary file is malformed.
    #[error("{path}: {source}")]
    Dictionary {
        /// The dictionary file.
        path: String,
        /// What is wrong with it.
        source: soapws_nbfs::TableError,
    },
    /// `--hex` input that is not hex.
    #[error("{path}: not hex text at character {position}")]
    Hex {
        /// The input file.
        path: String,
        /// Index of the offending character.
        position: usize,
    },
    /// A message is not valid binary XML.
    #[error("{path}: {source}")]
    Decode {
        /// The input file.
        path: String,
        /// The error, with its byte offset.
        source: DecodeError,
    },
    /// A document is not valid XML, or not representable.
    #[error("{path}: {source}")]
    Text {
        /// The input file.
        path: String,
        /// The error.
        source: xml::TextError,
    },
    /// Code generation failed.
    #[error(transparent)]
    Gen(#[from] soapws_codegen::Error),
    /// The writer refused the document.
    #[error("{path}: {source}")]
    Encode {
        /// The input file.
        path: String,
        /// The error.
        source: EncodeError,
    },
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// The inputs: the files given, or standard input.
fn inputs(files: &[PathBuf]) -> Vec<PathBuf> {
    if files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        files.to_vec()
    }
}

fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let io = |source| CliError::Io {
        path: display(path),
        source,
    };
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map_err(io)?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(io)
    }
}

fn load_dictionary(path: &Option<PathBuf>) -> Result<Option<TableDictionary>, CliError> {
    let Some(path) = path else { return Ok(None) };
    let bytes = read_input(path)?;
    let text = String::from_utf8_lossy(&bytes);
    TableDictionary::from_tsv(&text)
        .map(Some)
        .map_err(|source| CliError::Dictionary {
            path: display(path),
            source,
        })
}

/// The dictionary of `format`: the one given with `--dictionary`, else the [MC-NBFS] static
/// dictionary (none for plain `nbfx`).
fn dictionary_for(custom: Option<&TableDictionary>, format: Format) -> Option<&dyn Dictionary> {
    match (custom, format) {
        (Some(d), _) => Some(d),
        (None, Format::Nbfx) => None,
        (None, _) => Some(&Nbfs),
    }
}

fn parse_hex(path: &Path, text: &[u8]) -> Result<Vec<u8>, CliError> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    for (position, &c) in text.iter().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        let nibble = (c as char).to_digit(16).ok_or(CliError::Hex {
            path: display(path),
            position,
        })? as u8;
        match high.take() {
            Some(h) => out.push(h << 4 | nibble),
            None => high = Some(nibble),
        }
    }
    if high.is_some() {
        return Err(CliError::Hex {
            path: display(path),
            position: text.len(),
        });
    }
    Ok(out)
}

/// `soapws decode`: prints each message as XML, one document per line (per block with `--pretty`).
pub fn decode(args: &DecodeArgs) -> Result<(), CliError> {
    let custom = load_dictionary(&args.dictionary)?;
    let dictionary = dictionary_for(custom.as_ref(), args.format);
    let mut session = ReaderSession::with_quota(TOOL_SESSION_QUOTA);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in inputs(&args.files) {
        let raw = read_input(&path)?;
        let bytes = if args.hex {
            parse_hex(&path, &raw)?
        } else {
            raw
        };
        let decode_error = |source| CliError::Decode {
            path: display(&path),
            source,
        };
        let known = session.len();
        let start = match args.format {
            Format::Msbinsession1 => session.read_table(&bytes).map_err(decode_error)?,
            _ => 0,
        };
        let mut text = String::new();
        if args.session_strings {
            for (key, string) in session.entries().skip(known) {
                // A comment cannot hold "--".
                let shown = string.replace("--", "- -");
                text.push_str(&format!("<!-- session {key}: {shown} -->\n"));
            }
        }
        let mut reader = Reader::new(&bytes[start..])
            .with_base_offset(start)
            .with_quotas(Quotas::TOOLS)
            .with_session(&session);
        if let Some(d) = dictionary {
            reader = reader.with_dictionary(d);
        }
        let printed = if args.pretty {
            xml::write_xml_indented(&mut reader, &mut text, "  ")
        } else {
            xml::write_xml(&mut reader, &mut text)
        };
        printed.map_err(decode_error)?;
        writeln!(out, "{text}").map_err(|source| CliError::Io {
            path: "-".into(),
            source,
        })?;
    }
    Ok(())
}

/// `soapws encode`: writes each XML document as one binary message.
///
/// Element and attribute names and namespaces are dictionary strings (static key when the
/// dictionary has them, session table in msbinsession1), and WS-Addressing header values are
/// written as WCF's encoder writes them; text content is character text, as .NET's `WriteNode`
/// writes it (types are not guessed from text).
pub fn encode(args: &EncodeArgs) -> Result<(), CliError> {
    let custom = load_dictionary(&args.dictionary)?;
    let dictionary = dictionary_for(custom.as_ref(), args.format);
    let mut session = WriterSession::with_quota(TOOL_SESSION_QUOTA);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in inputs(&args.files) {
        let raw = read_input(&path)?;
        let text = String::from_utf8(raw).map_err(|e| CliError::Io {
            path: display(&path),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })?;
        let document = TextDocument::parse(&text).map_err(|source| CliError::Text {
            path: display(&path),
            source,
        })?;
        let encode_error = |source| CliError::Encode {
            path: display(&path),
            source,
        };
        let names = match dictionary {
            Some(dictionary) => Names::Dictionary {
                dictionary,
                wcf_headers: args.format != Format::Nbfx,
            },
            None => Names::Inline,
        };
        let mut writer = Writer::new();
        if let Some(d) = dictionary {
            writer = writer.dictionary(d);
        }
        let message = if args.format == Format::Msbinsession1 {
            let mut writer = writer.session(&mut session);
            document
                .write_to(&mut writer, names)
                .map_err(encode_error)?;
            writer.finish_session_message().map_err(encode_error)?
        } else {
            document
                .write_to(&mut writer, names)
                .map_err(encode_error)?;
            writer.finish().map_err(encode_error)?
        };
        let written = if args.hex {
            let hex: String = message.iter().map(|b| format!("{b:02x}")).collect();
            writeln!(out, "{hex}")
        } else {
            out.write_all(&message)
        };
        written.map_err(|source| CliError::Io {
            path: "-".into(),
            source,
        })?;
    }
    Ok(())
}
