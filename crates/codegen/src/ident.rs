//! Rust identifiers from XML names: case conversion, keywords, characters Rust does not allow.

use std::collections::HashSet;

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Words of a name: split on non-alphanumerics and lower→upper case changes.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && !current.is_empty()
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase())
                    && chars[i - 1].is_uppercase());
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Keeps ASCII letters, digits and `_`; others become `_` (or their code for non-ASCII).
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_string()
            } else if c.is_ascii() {
                "_".into()
            } else {
                format!("u{:x}", c as u32)
            }
        })
        .collect()
}

fn fix(ident: String) -> String {
    let ident = if ident.is_empty() {
        "value".to_owned()
    } else {
        ident
    };
    let ident = if ident.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{ident}")
    } else {
        ident
    };
    if KEYWORDS.contains(&ident.as_str()) {
        if matches!(ident.as_str(), "self" | "Self" | "super" | "crate") {
            format!("{ident}_")
        } else {
            format!("r#{ident}")
        }
    } else {
        ident
    }
}

/// `snake_case` for fields and functions.
pub fn snake(name: &str) -> String {
    fix(ascii(
        &words(name)
            .iter()
            .map(|w| w.to_lowercase())
            .collect::<Vec<_>>()
            .join("_"),
    ))
}

/// `UpperCamelCase` for types and variants.
pub fn camel(name: &str) -> String {
    let camel: String = words(name)
        .iter()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect();
    fix(ascii(&camel))
}

/// Hands out identifiers unique within a scope, adding `2`, `3`, … on clashes.
#[derive(Default)]
pub struct Unique {
    taken: HashSet<String>,
}

impl Unique {
    /// Reserves `ident` or the first free numbered variant of it.
    pub fn claim(&mut self, ident: String) -> String {
        if self.taken.insert(ident.clone()) {
            return ident;
        }
        let base = ident.trim_start_matches("r#").to_owned();
        (2..)
            .map(|n| format!("{base}{n}"))
            .find(|c| self.taken.insert(c.clone()))
            .expect("an unused name exists")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_and_keywords() {
        assert_eq!(snake("AddResult"), "add_result");
        assert_eq!(snake("n1"), "n1");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("Composite.file"), "composite_file");
        assert_eq!(camel("ICalculator"), "ICalculator");
        assert_eq!(camel("ArrayOfstring"), "ArrayOfstring");
        assert_eq!(camel("get_device-info"), "GetDeviceInfo");
        assert_eq!(camel("self"), "Self_");
        assert_eq!(camel("1st"), "_1st");
        let mut u = Unique::default();
        assert_eq!(u.claim("a".into()), "a");
        assert_eq!(u.claim("a".into()), "a2");
    }
}
