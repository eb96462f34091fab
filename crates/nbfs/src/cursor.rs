//! Bounds-checked reading of primitive fields, and MultiByteInt31 encoding.

use crate::error::{DecodeError, DecodeErrorKind};

/// A position in a byte slice. Every read is bounds-checked against the input, so no length
/// field can cause an allocation or a read beyond the bytes that are actually there.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    /// Added to `pos` in error offsets (the position of `data` in the caller's input).
    base: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    /// Offset of the next byte in the caller's coordinates.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// The whole input, from position 0.
    pub(crate) fn input(&self) -> &'a [u8] {
        self.data
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.offset(), kind)
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn error_at(&self, pos: usize, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.base + pos, kind)
    }

    #[inline(always)]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    #[inline(always)]
    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let b = self
            .peek()
            .ok_or_else(|| self.error(DecodeErrorKind::UnexpectedEof))?;
        self.pos += 1;
        Ok(b)
    }

    /// A String of one letter `a`–`z` (the prefixes WCF writes): consumes it and returns the
    /// letter's index 0–25; anything else is left unread.
    #[inline(always)]
    pub(crate) fn one_letter(&mut self) -> Option<u8> {
        match *self.data.get(self.pos..self.pos + 2)? {
            [1, c @ b'a'..=b'z'] => {
                self.pos += 2;
                Some(c - b'a')
            }
            _ => None,
        }
    }

    /// The next `n` bytes; `n` is checked against what is left before anything is touched.
    #[inline(always)]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.error(DecodeErrorKind::LengthPastEnd(n as u64)));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    #[inline(always)]
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        if N > self.remaining() {
            return Err(self.error(DecodeErrorKind::UnexpectedEof));
        }
        let mut a = [0u8; N];
        a.copy_from_slice(&self.data[self.pos..self.pos + N]);
        self.pos += N;
        Ok(a)
    }

    #[inline(always)]
    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        self.array().map(u16::from_le_bytes)
    }

    #[inline(always)]
    pub(crate) fn i32(&mut self) -> Result<i32, DecodeError> {
        self.array().map(i32::from_le_bytes)
    }

    #[inline(always)]
    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        self.array().map(u64::from_le_bytes)
    }

    /// A 32-bit length that must not be negative.
    pub(crate) fn len32(&mut self) -> Result<usize, DecodeError> {
        let at = self.pos;
        let n = self.i32()?;
        if n < 0 {
            return Err(self.error_at(at, DecodeErrorKind::NegativeLength(n)));
        }
        Ok(n as usize)
    }

    /// A MultiByteInt31 ([MC-NBFX] 2.1.2). Over-long encodings are accepted, as .NET does.
    #[inline]
    pub(crate) fn mb31(&mut self) -> Result<u32, DecodeError> {
        match self.peek() {
            Some(b) if b < 0x80 => {
                self.pos += 1;
                Ok(u32::from(b))
            }
            _ => self.mb31_multi(),
        }
    }

    /// [`Cursor::mb31`] past a one-byte value.
    fn mb31_multi(&mut self) -> Result<u32, DecodeError> {
        let at = self.pos;
        let mut value: u32 = 0;
        for i in 0..5 {
            let b = self.u8()?;
            if i == 4 {
                if b > 0x07 {
                    return Err(self.error_at(at, DecodeErrorKind::InvalidMultiByteInt31));
                }
                return Ok(value | (u32::from(b) << 28));
            }
            value |= u32::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        unreachable!("the loop returns on its fifth byte")
    }

    /// A String: MultiByteInt31 byte length, then UTF-8.
    pub(crate) fn string(&mut self) -> Result<&'a str, DecodeError> {
        let len = self.mb31()? as usize;
        self.utf8(len)
    }

    #[inline(always)]
    pub(crate) fn utf8(&mut self, len: usize) -> Result<&'a str, DecodeError> {
        let at = self.pos;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).map_err(|_| self.error_at(at, DecodeErrorKind::InvalidUtf8))
    }
}

/// Appends `value` as a minimal MultiByteInt31.
pub(crate) fn write_mb31(out: &mut Vec<u8>, mut value: u32) {
    debug_assert!(value <= i32::MAX as u32);
    while value >= 0x80 {
        out.push((value as u8 & 0x7F) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Bytes a minimal MultiByteInt31 of `value` takes.
pub(crate) fn mb31_len(value: u32) -> usize {
    match value {
        0..=0x7F => 1,
        0x80..=0x3FFF => 2,
        0x4000..=0x1F_FFFF => 3,
        0x20_0000..=0xFFF_FFFF => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mb31_round_trips_boundaries() {
        for v in [
            0u32,
            1,
            0x7F,
            0x80,
            300,
            0x3FFF,
            0x4000,
            100_000,
            0x1F_FFFF,
            0x20_0000,
            0xFFF_FFFF,
            0x1000_0000,
            i32::MAX as u32,
        ] {
            let mut out = Vec::new();
            write_mb31(&mut out, v);
            assert_eq!(out.len(), mb31_len(v), "length of {v}");
            let mut c = Cursor::new(&out, 0);
            assert_eq!(c.mb31().unwrap(), v);
            assert!(c.is_empty());
        }
    }

    #[test]
    fn mb31_known_bytes() {
        let mut out = Vec::new();
        write_mb31(&mut out, 300);
        assert_eq!(out, [0xAC, 0x02]);
        out.clear();
        write_mb31(&mut out, 100_000);
        assert_eq!(out, [0xA0, 0x8D, 0x06]);
    }

    #[test]
    fn mb31_rejects_sixth_byte_and_overflow() {
        let mut c = Cursor::new(&[0x80, 0x80, 0x80, 0x80, 0x08], 0);
        assert_eq!(
            c.mb31().unwrap_err().kind,
            DecodeErrorKind::InvalidMultiByteInt31
        );
        let mut c = Cursor::new(&[0xFF, 0xFF, 0xFF, 0xFF, 0x87], 0);
        assert_eq!(
            c.mb31().unwrap_err().kind,
            DecodeErrorKind::InvalidMultiByteInt31
        );
        let mut c = Cursor::new(&[0xFF, 0xFF, 0xFF, 0xFF, 0x07], 0);
        assert_eq!(c.mb31().unwrap(), i32::MAX as u32);
    }

    #[test]
    fn mb31_accepts_overlong_and_reports_truncation() {
        let mut c = Cursor::new(&[0x81, 0x00], 0);
        assert_eq!(c.mb31().unwrap(), 1);
        let mut c = Cursor::new(&[0x81], 7);
        let e = c.mb31().unwrap_err();
        assert_eq!((e.offset, e.kind), (8, DecodeErrorKind::UnexpectedEof));
    }
}
