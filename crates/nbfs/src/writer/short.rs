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

#[cfg(test)]
mod tests {
    use super::extend_short;

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
