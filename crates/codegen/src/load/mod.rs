//! The WSDL 1.1 + XML Schema loader: reads an entry WSDL (or XSD) and everything it imports
//! or includes, offline, and produces the [`Definitions`] model.
//!
//! Locations are resolved through OASIS XML catalogs first, then relative to the document
//! that refers to them. Remote locations are never fetched: one that no catalog maps is a
//! [`LoadError::Unresolvable`], except for an `xs:import` of a namespace that is loaded from
//! elsewhere anyway or is well-known (XML Schema, `xml:`, SOAP envelope/encoding, WSDL), which
//! is skipped with a warning.
//!
//! ```no_run
//! use soapws_codegen::load::{load, LoadOptions};
//! let options = LoadOptions { catalogs: vec!["wsdl/catalog.xml".into()] };
//! let (defs, diagnostics) = load("wsdl/service.wsdl".as_ref(), &options)?;
//! for d in &diagnostics {
//!     eprintln!("{d}");
//! }
//! println!("{} portTypes", defs.port_types.len());
//! # Ok::<(), soapws_codegen::load::LoadError>(())
//! ```

mod catalog;
mod check;
mod collect;
mod dom;
mod error;
mod ns;
mod policy;
mod resolve;
mod wsdl;
mod xsd;

use std::path::{Path, PathBuf};

pub use error::{Diagnostic, LoadError, Severity};

use crate::model::Definitions;

/// How to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// OASIS XML catalog files, consulted in order, mapping remote (or bogus) locations to
    /// local files.
    pub catalogs: Vec<PathBuf>,
}

/// Loads the WSDL 1.1 document (or XML Schema) at `entry` and everything it reaches.
///
/// Returns the model and the non-fatal diagnostics (skipped constructs, dangling references),
/// or the first fatal error: malformed XML (with file, line and column), a missing file, a
/// remote location no catalog maps, a document that is neither WSDL 1.1 nor XML Schema.
pub fn load(
    entry: &Path,
    options: &LoadOptions,
) -> Result<(Definitions, Vec<Diagnostic>), LoadError> {
    let catalogs = options
        .catalogs
        .iter()
        .map(|c| catalog::Catalog::load(c))
        .collect::<Result<Vec<_>, _>>()?;
    let resolver = resolve::Resolver::new(catalogs);
    let mut diags = Vec::new();
    let sources = collect::collect(entry, &resolver, &mut diags)?;
    let mut defs = Definitions {
        schema: xsd::build_schema(&sources, &mut diags),
        ..Definitions::default()
    };
    let mut refs = check::Refs::default();
    wsdl::build_wsdl(&sources, &mut defs, &mut diags, &mut refs);
    refs.check(&defs, &mut diags);
    Ok((defs, diags))
}
