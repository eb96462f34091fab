//! Namespace scopes of the writer, following .NET's `XmlBaseWriter.NamespaceManager`: which
//! declarations an element needs, which prefix an attribute gets, and in what order the
//! declarations are written. Prefixes and namespaces are copied into an arena that grows and
//! shrinks with the scopes, so callers' strings need not outlive the call.

use std::cell::Cell;
use std::ops::Range;

use crate::error::EncodeError;
use crate::reader::{XMLNS_NAMESPACE, XML_NAMESPACE};
use crate::record;
use crate::string::{chunked_eq, short_eq, StringSource, XmlString};

#[derive(Debug, Clone)]
struct Entry {
    prefix: Range<usize>,
    /// [`prefix_key`] of the prefix.
    key: u32,
    uri: Range<usize>,
    /// Identity of the namespace string (inline, static key, dynamic): it decides whether the
    /// declaration is written with a dictionary key and how .NET's by-reference lookup goes.
    source: StringSource,
    /// Element depth that declared it (0 for the initial empty binding).
    depth: usize,
    /// The scope before it was added: restored when it is dropped.
    before: Scope,
}

/// What adding a declaration changes besides the entries, so that leaving an element restores
/// it rather than recomputing it from the entries left.
#[derive(Debug, Clone, Copy, Default)]
struct Scope {
    /// Depth of the last entry: elements deeper than it declared nothing.
    top_depth: usize,
    /// Index of the first entry made at `top_depth` (the declarations of that element).
    top_start: usize,
    /// Bit `i` set: the one-letter prefix `a` + `i` (most prefixes) is declared in scope.
    letters: u32,
}

/// A declared namespace, borrowed from the manager.
pub(crate) struct Declaration<'n> {
    pub(crate) prefix: &'n str,
    pub(crate) uri: XmlString<'n>,
}

pub(crate) struct Namespaces {
    arena: String,
    entries: Vec<Entry>,
    /// The entry the last prefix lookup found (.NET's `_lastNameSpace` cache).
    last: Option<usize>,
    /// Counter for `d{depth}p{n}` prefixes of the current element.
    generated: usize,
    scope: Scope,
}

/// The namespaces `xml` and `xmlns` are bound to without a declaration.
fn fixed_namespace(prefix: &str) -> Option<&'static str> {
    match prefix {
        "xml" => Some(XML_NAMESPACE),
        "xmlns" => Some(XMLNS_NAMESPACE),
        _ => None,
    }
}

/// [`prefix_key`] of prefixes longer than three bytes, which it does not tell apart.
const LONG_PREFIX: u32 = u32::MAX;

/// A prefix of up to three bytes packed with its length into one word, so that scope lookups
/// compare words rather than strings; [`LONG_PREFIX`] for longer ones.
#[inline]
fn prefix_key(prefix: &str) -> u32 {
    let b = prefix.as_bytes();
    let n = b.len();
    match n {
        0 => 0,
        // First, middle and last byte: all of a string of up to three bytes.
        1..=3 => {
            n as u32 | u32::from(b[0]) << 8 | u32::from(b[n / 2]) << 16 | u32::from(b[n - 1]) << 24
        }
        _ => LONG_PREFIX,
    }
}

/// The bit of a one-letter prefix `a`…`z` in [`Namespaces::letters`].
#[inline]
fn letter_bit(prefix: &str) -> Option<u32> {
    match prefix.as_bytes() {
        [c @ b'a'..=b'z'] => Some(1 << (c - b'a')),
        _ => None,
    }
}

/// True for the `xml` and `xmlns` namespaces, which no declaration may bind: told by length
/// first, then compared without a `memcmp` call.
#[inline]
fn is_reserved_namespace(uri: &str) -> bool {
    let uri = uri.as_bytes();
    match uri.len() {
        n if n == XML_NAMESPACE.len() => chunked_eq(uri, XML_NAMESPACE.as_bytes()),
        n if n == XMLNS_NAMESPACE.len() => chunked_eq(uri, XMLNS_NAMESPACE.as_bytes()),
        _ => false,
    }
}

/// .NET compares namespace strings by reference before comparing by value. Dictionary strings
/// with the same text stand for the same .NET object; inline strings never do.
fn same_object(a: StringSource, b: XmlString<'_>) -> bool {
    a != StringSource::Inline && b.is_dictionary()
}

/// The vectors of the namespace scopes, kept emptied between writers: scopes dropped leave
/// them to the next writer made on the same thread, so a connection (or a server thread)
/// writing one message after another allocates them once.
struct NamespaceBuffers {
    arena: String,
    entries: Vec<Entry>,
}

/// Vectors grown past this (a document declaring thousands of namespaces) are freed rather
/// than kept for the next writer.
const MAX_KEPT_ENTRIES: usize = 1024;
const MAX_KEPT_ARENA: usize = 64 * 1024;

thread_local! {
    /// The vectors of the last scopes dropped on this thread.
    static SPARE: Cell<Option<NamespaceBuffers>> = const { Cell::new(None) };
}

/// Leaves the vectors, emptied, to the thread's next writer.
impl Drop for Namespaces {
    fn drop(&mut self) {
        let (mut arena, mut entries) = (
            std::mem::take(&mut self.arena),
            std::mem::take(&mut self.entries),
        );
        if arena.capacity() > MAX_KEPT_ARENA || entries.capacity() > MAX_KEPT_ENTRIES {
            return;
        }
        arena.clear();
        entries.clear();
        // During thread teardown there is no next writer: the vectors are freed.
        let _ = SPARE.try_with(|spare| spare.set(Some(NamespaceBuffers { arena, entries })));
    }
}

impl Namespaces {
    /// Scopes in the thread's spare vectors, or in new ones with room for a typical SOAP
    /// message's declarations.
    #[inline]
    pub(crate) fn new() -> Self {
        let spare = SPARE.try_with(Cell::take).ok().flatten();
        let NamespaceBuffers { arena, entries } = spare.unwrap_or_else(|| NamespaceBuffers {
            arena: String::with_capacity(256),
            entries: Vec::with_capacity(8),
        });
        Self::in_vectors(arena, entries)
    }

    /// Scopes in `arena` and `entries` (empty), with only the empty prefix bound.
    fn in_vectors(arena: String, entries: Vec<Entry>) -> Self {
        let mut ns = Self {
            arena,
            entries,
            last: None,
            generated: 0,
            scope: Scope::default(),
        };
        ns.entries.push(Entry {
            prefix: 0..0,
            key: prefix_key(""),
            uri: 0..0,
            source: StringSource::Inline,
            depth: 0,
            before: Scope::default(),
        });
        ns
    }

    /// True when entry `e` has this prefix, whose [`prefix_key`] is `key` (compared as words,
    /// or as bytes for long prefixes).
    #[inline(always)]
    fn has_prefix(&self, e: &Entry, prefix: &str, key: u32) -> bool {
        e.key == key
            && (key != LONG_PREFIX
                || short_eq(&self.arena.as_bytes()[e.prefix.clone()], prefix.as_bytes()))
    }

    /// True when entry `e` binds this namespace (compared as bytes).
    #[inline]
    fn has_uri(&self, e: &Entry, uri: &str) -> bool {
        chunked_eq(&self.arena.as_bytes()[e.uri.clone()], uri.as_bytes())
    }

    fn prefix_of(&self, e: &Entry) -> &str {
        self.arena.get(e.prefix.clone()).unwrap_or_default()
    }

    fn uri_of(&self, e: &Entry) -> &str {
        &self.arena[e.uri.clone()]
    }

    /// The prefix of entry `i`.
    pub(crate) fn prefix(&self, i: usize) -> &str {
        self.prefix_of(&self.entries[i])
    }

    /// The innermost declaration of `prefix`.
    #[inline]
    fn find_prefix(&self, prefix: &str) -> Option<&Entry> {
        match prefix_key(prefix) {
            LONG_PREFIX => self.find_long_prefix(prefix),
            key => self.entries.iter().rev().find(|e| e.key == key),
        }
    }

    /// [`Namespaces::find_prefix`] for a prefix longer than its key.
    #[inline(never)]
    fn find_long_prefix(&self, prefix: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| self.has_prefix(e, prefix, LONG_PREFIX))
    }

    /// True when `prefix` is bound in scope (declared, or `xml`/`xmlns`).
    #[inline]
    pub(crate) fn is_bound(&self, prefix: &str) -> bool {
        self.is_declared(prefix) || fixed_namespace(prefix).is_some()
    }

    /// True when `prefix` is declared in scope (so it is a name the writer accepted); a bit
    /// test for the empty and one-letter prefixes.
    #[inline]
    pub(crate) fn is_declared(&self, prefix: &str) -> bool {
        match letter_bit(prefix) {
            Some(bit) => self.scope.letters & bit != 0,
            None => prefix.is_empty() || self.find_prefix(prefix).is_some(),
        }
    }

    /// True when `prefix` is declared in scope and its innermost declaration binds `uri` (so
    /// that an element in that prefix and namespace declares nothing).
    #[inline]
    pub(crate) fn binds(&self, prefix: &str, uri: &str) -> bool {
        self.is_declared(prefix)
            && self
                .find_prefix(prefix)
                .is_some_and(|e| self.has_uri(e, uri))
    }

    /// The prefix .NET's `LookupPrefix` (or, with `attribute`, `LookupAttributePrefix`, which
    /// skips the empty prefix) returns for `uri`: `Ok(Some(entry))`, `Err(fixed prefix)` for
    /// `xml`/`xmlns`/the empty namespace, `Ok(None)` when there is none.
    pub(crate) fn lookup_prefix(
        &mut self,
        uri: XmlString<'_>,
        attribute: bool,
    ) -> Result<Option<usize>, &'static str> {
        let usable = |e: &Entry| !(attribute && e.prefix.is_empty());
        if let Some(i) = self.last {
            let e = &self.entries[i];
            if self.has_uri(e, uri.as_str()) && usable(e) {
                return Ok(Some(i));
            }
        }
        let in_scope = |ns: &Self, i: usize| {
            let e = &ns.entries[i];
            let p = ns.prefix_of(e);
            ns.entries[i + 1..]
                .iter()
                .all(|later| !ns.has_prefix(later, p, e.key))
        };
        let matches = |ns: &Self, i: usize, by_object: bool| {
            let e = &ns.entries[i];
            ns.has_uri(e, uri.as_str())
                && (!by_object || same_object(e.source, uri))
                && usable(e)
                && in_scope(ns, i)
        };
        // Mostly a namespace is bound once or not at all: one scan tells whether there is a
        // binding to choose from.
        let bound = self.entries.iter().any(|e| self.has_uri(e, uri.as_str()));
        let found = bound
            .then(|| {
                (0..self.entries.len())
                    .rev()
                    .find(|&i| matches(self, i, true))
                    .or_else(|| {
                        (0..self.entries.len())
                            .rev()
                            .find(|&i| matches(self, i, false))
                    })
            })
            .flatten();
        if let Some(i) = found {
            self.last = Some(i);
            return Ok(Some(i));
        }
        match uri.as_str() {
            "" if attribute => Err(""),
            XML_NAMESPACE if !attribute => Err("xml"),
            XMLNS_NAMESPACE if !attribute => Err("xmlns"),
            _ => Ok(None),
        }
    }

    pub(crate) fn add_if_not_declared(
        &mut self,
        prefix: &str,
        uri: XmlString<'_>,
        depth: usize,
    ) -> Result<(), EncodeError> {
        // A one-letter prefix whose bit is clear is declared nowhere: no scope to search.
        let undeclared_letter = letter_bit(prefix).is_some_and(|bit| self.scope.letters & bit == 0);
        let declared = !undeclared_letter
            && match self.find_prefix(prefix) {
                Some(e) => self.has_uri(e, uri.as_str()),
                None => fixed_namespace(prefix) == Some(uri.as_str()),
            };
        if declared {
            return Ok(());
        }
        self.add(prefix, uri, depth)
    }

    pub(crate) fn add(
        &mut self,
        prefix: &str,
        uri: XmlString<'_>,
        depth: usize,
    ) -> Result<(), EncodeError> {
        if prefix.len() >= 3 && prefix.as_bytes()[..3].eq_ignore_ascii_case(b"xml") {
            return match (prefix, uri.as_str()) {
                ("xml", XML_NAMESPACE) | ("xmlns", XMLNS_NAMESPACE) => Ok(()),
                _ => Err(EncodeError::InvalidName(
                    "prefixes starting with 'xml' are reserved",
                )),
            };
        }
        if is_reserved_namespace(uri.as_str()) {
            return Err(EncodeError::InvalidName(
                "the xml and xmlns namespaces cannot be bound",
            ));
        }
        if !prefix.is_empty() && uri.as_str().is_empty() {
            return Err(EncodeError::InvalidName(
                "a prefix cannot be bound to the empty namespace",
            ));
        }
        let key = prefix_key(prefix);
        if let Some(e) = self
            .declared_at(depth)
            .iter()
            .find(|e| self.has_prefix(e, prefix, key))
        {
            return if self.has_uri(e, uri.as_str()) {
                Ok(())
            } else {
                Err(EncodeError::InvalidName(
                    "prefix bound twice on one element",
                ))
            };
        }
        let before = self.scope;
        if self.scope.top_depth != depth {
            self.scope.top_start = self.entries.len();
            self.scope.top_depth = depth;
        }
        let start = self.arena.len();
        self.arena.reserve(prefix.len() + uri.as_str().len());
        match prefix.as_bytes() {
            [] => {}
            // A one-letter prefix (most are) without a `memcpy` call.
            [c] => self.arena.push(char::from(*c)),
            _ => self.arena.push_str(prefix),
        }
        let mid = self.arena.len();
        self.arena.push_str(uri.as_str());
        self.entries.push(Entry {
            prefix: start..mid,
            key,
            uri: mid..self.arena.len(),
            // A key of a session read from is no key of the writer's: written as Dynamic.
            source: match uri.source() {
                StringSource::Session(_) => StringSource::Dynamic,
                source => source,
            },
            depth,
            before,
        });
        self.scope.letters |= letter_bit(prefix).unwrap_or(0);
        self.last = None;
        Ok(())
    }

    /// Binds a new prefix to `uri`: the first of `a`…`z` unused in scope, else `d{depth}p{n}`.
    /// Returns the new entry.
    pub(crate) fn generate_prefix(
        &mut self,
        uri: XmlString<'_>,
        depth: usize,
    ) -> Result<usize, EncodeError> {
        let letter = (0..26u8)
            .map(record::letter)
            .find(|p| self.entries.iter().all(|e| self.prefix_of(e) != *p));
        match letter {
            Some(p) => self.add(p, uri, depth)?,
            None => loop {
                let p = format!("d{depth}p{}", self.generated);
                self.generated += 1;
                if !self.is_bound(&p) {
                    self.add(&p, uri, depth)?;
                    break;
                }
            },
        }
        Ok(self.entries.len() - 1)
    }

    /// Starts a new element's scope.
    pub(crate) fn enter(&mut self) {
        self.generated = 0;
    }

    /// True when the element at `depth` declared something (its declarations are the last).
    #[inline]
    pub(crate) fn declares_at(&self, depth: usize) -> bool {
        depth > 0 && self.scope.top_depth == depth
    }

    /// The entries made by the element at `depth` (empty unless it is the last to declare).
    fn declared_at(&self, depth: usize) -> &[Entry] {
        match self.declares_at(depth) {
            true => &self.entries[self.scope.top_start..],
            false => &[],
        }
    }

    /// The declarations made by the element at `depth`, in declaration order.
    pub(crate) fn declarations(&self, depth: usize) -> impl Iterator<Item = Declaration<'_>> {
        self.declared_at(depth).iter().map(|e| Declaration {
            prefix: self.prefix_of(e),
            uri: XmlString::with_source(self.uri_of(e), e.source),
        })
    }

    /// Leaves the element at `depth`.
    #[inline]
    pub(crate) fn exit(&mut self, depth: usize) {
        if self.scope.top_depth >= depth {
            self.pop_scope(depth);
        }
    }

    /// Drops the declarations made at `depth` and deeper, restoring the scope from before the
    /// first of them.
    #[inline(never)]
    fn pop_scope(&mut self, depth: usize) {
        let keep = self
            .entries
            .iter()
            .rposition(|e| e.depth < depth)
            .map_or(1, |i| i + 1);
        if let Some(first) = self.entries.get(keep) {
            self.arena.truncate(first.prefix.start);
            self.scope = first.before;
            self.entries.truncate(keep);
        }
        if self.last.is_some_and(|i| i >= keep) {
            self.last = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Namespaces;

    #[test]
    fn dropped_scopes_leave_their_vectors_emptied_to_the_next_on_the_thread() {
        let mut ns = Namespaces::new();
        ns.enter();
        ns.add("p", super::XmlString::inline("urn:p"), 1).unwrap();
        let (arena, entries) = (ns.arena.as_ptr(), ns.entries.as_ptr());
        drop(ns);
        let next = Namespaces::new();
        assert_eq!(
            (next.arena.as_ptr(), next.entries.as_ptr()),
            (arena, entries)
        );
        assert_eq!((next.arena.len(), next.entries.len()), (0, 1));
    }
}
