//! The vectors a [`super::TextXmlReader`] fills as it reads, kept emptied between readers: a
//! reader dropped leaves them to the next reader made on the same thread, so a connection (or a
//! server thread) reading one message after another allocates them once — two readers per
//! message, an envelope's and a body's, had allocated eight vectors.

use std::borrow::Cow;
use std::cell::Cell;

use super::lexer::RawAttribute;
use super::TextAttribute;

/// The reader's vectors (see the fields of [`super::TextXmlReader`]).
#[derive(Default)]
pub(super) struct Buffers<'a> {
    pub namespaces: Vec<(&'a str, Cow<'a, str>)>,
    pub scopes: Vec<(&'a str, usize)>,
    pub attributes: Vec<TextAttribute<'a>>,
    pub raw_attributes: Vec<RawAttribute<'a>>,
    pub pending_attributes: Vec<(&'a str, Cow<'a, str>)>,
}

/// Vectors grown past this many entries (a document with thousands of attributes) are freed
/// rather than kept for the next reader.
const MAX_KEPT: usize = 1024;

thread_local! {
    /// The vectors of the last reader dropped on this thread.
    static SPARE: Cell<Buffers<'static>> = const {
        Cell::new(Buffers {
            namespaces: Vec::new(),
            scopes: Vec::new(),
            attributes: Vec::new(),
            raw_attributes: Vec::new(),
            pending_attributes: Vec::new(),
        })
    };
}

impl<'a> Buffers<'a> {
    /// The thread's spare vectors, or new ones with room for a typical SOAP message (so that
    /// reading one does not grow them step by step).
    pub fn take() -> Self {
        let spare = SPARE.try_with(Cell::take).unwrap_or_default();
        if spare.scopes.capacity() > 0 {
            return spare.into_lifetime();
        }
        Self {
            namespaces: Vec::with_capacity(8),
            scopes: Vec::with_capacity(16),
            attributes: Vec::with_capacity(4),
            raw_attributes: Vec::with_capacity(4),
            pending_attributes: Vec::new(),
        }
    }

    /// Leaves the vectors, emptied, to the thread's next reader.
    pub fn keep(self) {
        let too_big = [
            self.namespaces.capacity(),
            self.scopes.capacity(),
            self.attributes.capacity(),
            self.raw_attributes.capacity(),
            self.pending_attributes.capacity(),
        ]
        .iter()
        .any(|&c| c > MAX_KEPT);
        if too_big {
            return;
        }
        // During thread teardown there is no next reader: the vectors are freed.
        let _ = SPARE.try_with(|spare| spare.set(self.into_lifetime()));
    }

    /// The vectors emptied, for items of another lifetime.
    fn into_lifetime<'b>(self) -> Buffers<'b> {
        Buffers {
            namespaces: recycle(self.namespaces, |_| ("", Cow::Borrowed(""))),
            scopes: recycle(self.scopes, |_| ("", 0)),
            attributes: recycle(self.attributes, |_| TextAttribute::Xmlns { declaration: 0 }),
            raw_attributes: recycle(self.raw_attributes, |_| RawAttribute {
                name: "",
                value: "",
                offset: 0,
                name_offset: 0,
            }),
            pending_attributes: recycle(self.pending_attributes, |_| ("", Cow::Borrowed(""))),
        }
    }
}

/// `v` emptied, as a vector of another lifetime, keeping its allocation: the standard library
/// collects a vector's own iterator in place when the items have the same layout (`empty`,
/// never called, makes an item of the new lifetime).
fn recycle<T, U>(mut v: Vec<T>, empty: fn(T) -> U) -> Vec<U> {
    v.clear();
    v.into_iter().map(empty).collect()
}

#[cfg(test)]
mod tests {
    use super::super::TextXmlReader;
    use crate::xml::XmlRead;

    #[test]
    fn a_dropped_readers_vectors_go_empty_to_the_next_reader_on_the_thread() {
        let doc = r#"<a xmlns:p="urn:p" p:x="1"><b>t</b></a>"#;
        let read_all = |r: &mut TextXmlReader<'_>| {
            let mut kinds = Vec::new();
            while r.advance().unwrap() {
                kinds.push((r.kind(), r.attribute_count(), r.depth()));
            }
            kinds
        };
        let mut first = TextXmlReader::new(doc);
        let expected = read_all(&mut first);
        let scopes = first.scopes.as_ptr();
        drop(first);
        let mut second = TextXmlReader::new(doc);
        assert_eq!(second.scopes.as_ptr(), scopes.cast());
        assert!(second.scopes.is_empty() && second.namespaces.is_empty());
        assert_eq!(read_all(&mut second), expected);
    }
}
