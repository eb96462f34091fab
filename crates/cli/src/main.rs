//! `soapws`: the command-line tool of the soapws project.

mod binary;
mod gen;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// soapws: SOAP over WebSocket ([MS-SWSB]) tools.
#[derive(Parser)]
#[command(name = "soapws", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode .NET Binary XML messages and print them as XML.
    Decode(binary::DecodeArgs),
    /// Encode XML documents as .NET Binary XML.
    Encode(binary::EncodeArgs),
    /// Generate Rust code (types, service trait, server, client) from a WSDL.
    Gen(gen::GenArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => binary::decode(&args),
        Command::Encode(args) => binary::encode(&args),
        Command::Gen(args) => gen::gen(&args).map_err(binary::CliError::from),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("soapws: {e}");
            ExitCode::FAILURE
        }
    }
}
