//! What can go wrong while loading: fatal [`LoadError`]s and non-fatal [`Diagnostic`]s.

use std::fmt;

use crate::model::Location;

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something was skipped or looks odd; the rest is usable.
    Warning,
    /// A reference could not be resolved; whatever depends on it cannot be generated.
    Error,
}

/// A problem that did not stop loading (an unsupported construct that was skipped, a
/// dangling reference, a remote import that was skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// What happened.
    pub message: String,
    /// Where.
    pub location: Location,
}

impl Diagnostic {
    /// A warning at `location`.
    pub fn warning_at(message: impl Into<String>, location: Location) -> Self {
        Self {
            severity: Severity::Warning,
            message: message.into(),
            location,
        }
    }

    /// An error at `location`.
    pub fn error_at(message: impl Into<String>, location: Location) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            location,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        if self.location.file.is_empty() {
            return write!(f, "{level}: {}", self.message);
        }
        write!(f, "{}: {level}: {}", At(&self.location), self.message)
    }
}

/// Formats a location as `file:line`.
struct At<'a>(&'a Location);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.line > 0 {
            write!(f, "{}:{}", self.0.file, self.0.line)
        } else {
            f.write_str(&self.0.file)
        }
    }
}

fn from_suffix(from: &Option<Location>) -> String {
    match from {
        Some(l) => format!(" (referenced from {})", At(l)),
        None => String::new(),
    }
}

/// A problem that stops loading.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A document is not well-formed XML.
    #[error("{file}:{line}:{column}: malformed XML: {message}")]
    Xml {
        /// The file.
        file: String,
        /// One-based line.
        line: u64,
        /// One-based column.
        column: u64,
        /// What the parser said.
        message: String,
    },
    /// A file (the entry, a catalog, or an imported/included document) cannot be read.
    #[error("cannot read {file}{}: {source}", from_suffix(.referenced_from))]
    Read {
        /// The file.
        file: String,
        /// The import/include that referenced it (`None` for the entry and catalogs).
        referenced_from: Option<Location>,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A remote (or otherwise non-file) location that no catalog maps; builds are offline.
    #[error(
        "{}: cannot load `{location}`: remote locations are not fetched (builds are offline); \
         map it to a local file with an XML catalog",
        At(.from)
    )]
    Unresolvable {
        /// The location as written (or as resolved against a remote base).
        location: String,
        /// The import/include that referenced it.
        from: Location,
    },
    /// A document whose root is neither `wsdl:definitions` (WSDL 1.1) nor `xs:schema`.
    #[error(
        "{}: unsupported document: root element is `{{{ns}}}{local}`, expected a WSDL 1.1 \
         `definitions` or an XML Schema `schema`",
        At(.location)
    )]
    UnsupportedDocument {
        /// The root element's namespace.
        ns: String,
        /// The root element's local name.
        local: String,
        /// Where (the document, or the import that referenced it).
        location: Location,
    },
}
