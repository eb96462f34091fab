//! `soapws gen`: Rust code from a WSDL, as `build.rs` generates it.

use std::path::PathBuf;

use clap::Args;
use soapws_codegen::LoadOptions;

/// Options of `soapws gen`.
#[derive(Args)]
pub struct GenArgs {
    /// The WSDL.
    wsdl: PathBuf,
    /// OASIS XML catalogs mapping remote schema locations to local files.
    #[arg(long, value_name = "CATALOG.xml")]
    catalog: Vec<PathBuf>,
    /// Where to write the code (default: standard output).
    #[arg(short, long, value_name = "FILE.rs")]
    output: Option<PathBuf>,
}

/// Generates the code and writes it; warnings go to standard error.
pub fn gen(args: &GenArgs) -> Result<(), soapws_codegen::Error> {
    let generated = soapws_codegen::generate(
        &args.wsdl,
        &LoadOptions {
            catalogs: args.catalog.clone(),
        },
    )?;
    for d in &generated.diagnostics {
        eprintln!("soapws: {d}");
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, &generated.code).map_err(|source| soapws_codegen::Error::Io {
                path: path.display().to_string(),
                source,
            })
        }
        None => {
            print!("{}", generated.code);
            Ok(())
        }
    }
}
