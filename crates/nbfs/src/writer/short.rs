//! Copies of short byte strings (names, small values) with fixed-size moves instead of
//! `memcpy` calls, which cost more than the copy for a few bytes.

/// Copies `s` (up to 16 bytes) to the start of `dst` with fixed-size moves (overlapping for
/// lengths between the powers of two) rather than a `memcpy` call.
#[inline(always)]
pub(super) fn copy_short(dst: &mut [u8; 16], s: &[u8]) {
    let n = s.len();
    if (8..=16).contains(&n) {
        dst[..8].copy_from_slice(&s[..8]);
        dst[n - 8..n].copy_from_slice(&s[n - 8..]);
    } else if (4..8).contains(&n) {
        dst[..4].copy_from_slice(&s[..4]);
        dst[n - 4..n].copy_from_slice(&s[n - 4..]);
    } else if (1..4).contains(&n) {
        dst[0] = s[0];
        dst[n / 2] = s[n / 2];
        dst[n - 1] = s[n - 1];
    }
}

/// Appends `s` to `out`: up to 16 bytes as one fixed-size block (then cut back to length),
/// longer strings with `extend_from_slice`.
#[inline(always)]
pub(super) fn extend_short(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() > 16 {
        out.extend_from_slice(s);
        return;
    }
    let mut block = [0; 16];
    copy_short(&mut block, s);
    let len = out.len();
    out.extend_from_slice(&block);
    out.truncate(len + s.len());
}

/// Bytes a [`Sink`] stages before appending them to its vector.
const STAGE: usize = 256;

/// An output vector written through a small staging array: a short record is one fixed-size
/// copy into the array, and the vector grows by one call per array-full rather than per record.
pub(super) struct Sink {
    out: Vec<u8>,
    stage: [u8; STAGE],
    /// Bytes in `stage`, written after those in `out`.
    staged: usize,
}

impl Sink {
    /// A sink appending to `out`.
    pub(super) fn new(out: Vec<u8>) -> Self {
        Self {
            out,
            stage: [0; STAGE],
            staged: 0,
        }
    }

    /// Bytes written.
    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        self.out.len() + self.staged
    }

    /// Appends the first `len` (at most `N`) bytes of `block`.
    #[inline(always)]
    pub(super) fn block<const N: usize>(&mut self, block: &[u8; N], len: usize) {
        let at = if self.staged + N > STAGE {
            self.drain();
            0
        } else {
            self.staged
        };
        if let Some(room) = self.stage[at..].first_chunk_mut::<N>() {
            *room = *block;
        }
        self.staged = at + len;
    }

    /// Appends a two-byte record head and `s` (up to 16 bytes), copied straight into the
    /// stage: unlike a [`Sink::block`], no padded block is built first.
    #[inline(always)]
    pub(super) fn headed(&mut self, head: [u8; 2], s: &[u8]) {
        let at = if self.staged + 18 > STAGE {
            self.drain();
            0
        } else {
            self.staged
        };
        if let Some(room) = self.stage[at..].first_chunk_mut::<18>() {
            room[..2].copy_from_slice(&head);
            if let Some(tail) = room[2..].first_chunk_mut() {
                copy_short(tail, s);
            }
        }
        self.staged = at + 2 + s.len();
    }

    /// Appends one byte.
    #[inline(always)]
    pub(super) fn push(&mut self, b: u8) {
        self.block(&[b], 1);
    }

    /// Appends `s`, up to 16 bytes copied straight into the stage (see [`Sink::headed`]).
    #[inline(always)]
    pub(super) fn short(&mut self, s: &[u8]) {
        if s.len() > 16 {
            return self.extend(s);
        }
        let at = if self.staged + 16 > STAGE {
            self.drain();
            0
        } else {
            self.staged
        };
        if let Some(room) = self.stage[at..].first_chunk_mut::<16>() {
            copy_short(room, s);
        }
        self.staged = at + s.len();
    }

    /// Appends `s` of any length: staged like a record when it fits the stage (a long text
    /// value, a namespace), else after the staged bytes straight into the vector.
    pub(super) fn extend(&mut self, s: &[u8]) {
        if self.staged + s.len() > STAGE {
            self.drain();
        }
        match self.stage.get_mut(self.staged..self.staged + s.len()) {
            Some(room) => {
                room.copy_from_slice(s);
                self.staged += s.len();
            }
            None => self.out.extend_from_slice(s),
        }
    }

    /// Adds 1 to the byte written at `i` (a text record's type becoming its `…WithEndElement`).
    #[inline(always)]
    pub(super) fn increment(&mut self, i: usize) {
        let byte = match i.checked_sub(self.out.len()) {
            Some(staged) => self.stage.get_mut(staged),
            None => self.out.get_mut(i),
        };
        if let Some(b) = byte {
            *b += 1;
        }
    }

    /// Moves the staged bytes to the vector.
    #[inline(never)]
    fn drain(&mut self) {
        self.out.extend_from_slice(&self.stage[..self.staged]);
        self.staged = 0;
    }

    /// The vector holding all bytes written.
    pub(super) fn written(&mut self) -> &mut Vec<u8> {
        self.drain();
        &mut self.out
    }
}

#[cfg(test)]
mod tests {
    use super::{extend_short, Sink};

    #[test]
    fn a_sink_holds_what_was_written() {
        let mut sink = Sink::new(vec![7]);
        let mut expected = vec![7];
        for n in 0..300 {
            let s: Vec<u8> = (0..n % 40).map(|i| (i + n) as u8).collect();
            sink.short(&s);
            sink.push(n as u8);
            expected.extend_from_slice(&s);
            expected.push(n as u8);
        }
        sink.increment(0);
        expected[0] += 1;
        assert_eq!(sink.len(), expected.len());
        assert_eq!(*sink.written(), expected);
        std::mem::take(sink.written());
        sink.push(1);
        assert_eq!(*sink.written(), [1]);
    }

    #[test]
    fn short_strings_are_appended_whole() {
        let source: Vec<u8> = (1..=40).collect();
        for n in 0..=40 {
            let mut out = vec![0xEE];
            extend_short(&mut out, &source[..n]);
            assert_eq!(out[1..], source[..n], "{n}");
        }
    }
}
