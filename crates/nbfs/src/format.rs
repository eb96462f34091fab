//! Text forms of typed values, as .NET's `XmlConverter`/`XmlConvert` writes them.

use std::fmt;

/// Appends a double as .NET Core's round-trip text: `INF`, `-INF`, `NaN`, `-0`, else the shortest
/// digits that read back to the same value, in fixed or `E±XX` notation as `double.ToString("R")`.
pub fn double(v: f64, out: &mut String) {
    if !special(
        v.is_nan(),
        v.is_infinite(),
        v.is_sign_negative(),
        v == 0.0,
        out,
    ) {
        let mut buffer = ryu::Buffer::new();
        round_trip(buffer.format_finite(v.abs()), v.abs(), v < 0.0, 15, out);
    }
}

/// Appends a float as .NET Core's round-trip text (see [`double`]).
pub fn float(v: f32, out: &mut String) {
    if !special(
        v.is_nan(),
        v.is_infinite(),
        v.is_sign_negative(),
        v == 0.0,
        out,
    ) {
        let mut buffer = ryu::Buffer::new();
        let magnitude = f64::from(v.abs());
        round_trip(buffer.format_finite(v.abs()), magnitude, v < 0.0, 7, out);
    }
}

/// Lays out ryu's shortest text of a positive finite value (`magnitude`) as .NET's "R" does
/// with `precision` significant digits: positionally as ryu wrote it from 1e-4 up to
/// 10^precision, else through the digits read back. Always inlined, so that 10^precision is a
/// constant rather than a `powi` call per value.
#[inline(always)]
fn round_trip(text: &str, magnitude: f64, neg: bool, precision: i32, out: &mut String) {
    if (1e-4..10f64.powi(precision)).contains(&magnitude) {
        plain(text, neg, out);
    } else {
        general(&Shortest::parse(text), precision, neg, out);
    }
}

/// ryu's text of a positive value from 1e-4 up to (not including) 10^precision, which ryu lays
/// out in positional notation as [`general`] would, but for the `.0` it puts after a whole
/// number: the digits need not be read back and laid out again.
fn plain(text: &str, neg: bool, out: &mut String) {
    if neg {
        out.push('-');
    }
    out.push_str(text.strip_suffix(".0").unwrap_or(text));
}

/// The shortest digits that read back to a positive finite value (ryu's; between two equally
/// near candidates the even one, as .NET's Dragon4 chooses), and the decimal exponent of the
/// first digit.
struct Shortest {
    digits: Ascii<32>,
    exp: i32,
}

impl Shortest {
    /// Reads ryu's text (`123.45`, `0.001`, `1e21`, `1.5e-7`) in one pass over its bytes.
    fn parse(text: &str) -> Self {
        let mut digits = Ascii::new();
        let (mut seen, mut leading, mut int_len, mut exp) = (0, 0, None, 0i32);
        let mut bytes = text.as_bytes().iter();
        while let Some(&b) = bytes.next() {
            match b {
                b'.' => int_len = Some(seen),
                b'e' => {
                    let rest = bytes.as_slice();
                    let (negative, rest) = match rest.split_first() {
                        Some((b'-', rest)) => (true, rest),
                        _ => (false, rest),
                    };
                    exp = rest.iter().fold(0, |e, d| e * 10 + i32::from(d - b'0'));
                    if negative {
                        exp = -exp;
                    }
                    break;
                }
                b'0' if digits.len == 0 => {
                    leading += 1;
                    seen += 1;
                }
                digit => {
                    digits.push(digit);
                    seen += 1;
                }
            }
        }
        while digits.len > 1 && digits.buf[digits.len - 1] == b'0' {
            digits.len -= 1;
        }
        Self {
            digits,
            exp: int_len.unwrap_or(seen) - leading - 1 + exp,
        }
    }
}

fn special(nan: bool, inf: bool, neg: bool, zero: bool, out: &mut String) -> bool {
    let s = match (nan, inf, neg, zero) {
        (true, ..) => "NaN",
        (_, true, false, _) => "INF",
        (_, true, true, _) => "-INF",
        (_, _, true, true) => "-0",
        (_, _, false, true) => "0",
        _ => return false,
    };
    out.push_str(s);
    true
}

/// Lays out the shortest digits the way .NET's "G" formatting does: scientific when the decimal
/// exponent is beyond `max(digit count, precision)` or below -5.
fn general(shortest: &Shortest, precision: i32, neg: bool, out: &mut String) {
    let digits = shortest.digits.as_str();
    let exp = shortest.exp;
    let n = digits.len() as i32;
    let dig_pos = exp + 1;
    if neg {
        out.push('-');
    }
    if dig_pos > n.max(precision) || dig_pos < -3 {
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        out.push(if exp < 0 { '-' } else { '+' });
        let mut e = Ascii::<8>::new();
        e.digits(exp.unsigned_abs().into(), 2);
        out.push_str(e.as_str());
    } else if dig_pos <= 0 {
        out.push_str("0.");
        for _ in 0..-dig_pos {
            out.push('0');
        }
        out.push_str(digits);
    } else if dig_pos >= n {
        out.push_str(digits);
        for _ in 0..dig_pos - n {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..dig_pos as usize]);
        out.push('.');
        out.push_str(&digits[dig_pos as usize..]);
    }
}

/// "00" to "99", two bytes each.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Short ASCII text built on the stack (numbers, dates, GUIDs), so formatting a value neither
/// allocates nor goes through `core::fmt`. Pushing past `N` bytes panics.
pub(crate) struct Ascii<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Ascii<N> {
    pub(crate) fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    fn extend(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// `v` in decimal, zero-padded to at least `width` digits (two digits per division).
    pub(crate) fn digits(&mut self, mut v: u64, width: usize) {
        let mut tmp = [b'0'; 20];
        let mut i = tmp.len();
        while v >= 100 {
            let pair = 2 * (v % 100) as usize;
            v /= 100;
            i -= 2;
            tmp[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        }
        if v >= 10 {
            let pair = 2 * v as usize;
            i -= 2;
            tmp[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        } else {
            i -= 1;
            tmp[i] = b'0' + v as u8;
        }
        let start = i.min(tmp.len().saturating_sub(width));
        self.extend(&tmp[start..]);
    }

    /// `v` (below 100) as two digits.
    fn pair(&mut self, v: u64) {
        let at = 2 * v as usize;
        self.extend(&DIGIT_PAIRS[at..at + 2]);
    }

    /// A signed integer in decimal.
    pub(crate) fn int(&mut self, v: i64) {
        if v < 0 {
            self.push(b'-');
        }
        self.digits(v.unsigned_abs(), 1);
    }

    /// `v` in decimal (no padding), for the 96-bit decimal mantissa.
    fn digits128(&mut self, v: u128) {
        const E19: u128 = 10_000_000_000_000_000_000;
        match u64::try_from(v) {
            Ok(small) => self.digits(small, 1),
            Err(_) => {
                self.digits128(v / E19);
                self.digits((v % E19) as u64, 19);
            }
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).expect("ASCII")
    }
}

impl<const N: usize> fmt::Write for Ascii<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.len + s.len() > N {
            return Err(fmt::Error);
        }
        self.extend(s.as_bytes());
        Ok(())
    }
}

/// A decimal's text: sign, integer digits, and exactly `scale` fraction digits (up to 28 for
/// values .NET creates; 255 at most).
pub(crate) fn decimal(mantissa: u128, scale: u8, negative: bool) -> Ascii<320> {
    let mut digits = Ascii::<40>::new();
    digits.digits128(mantissa);
    let digits = digits.as_bytes();
    let scale = usize::from(scale);
    let mut s = Ascii::new();
    if negative && mantissa != 0 {
        s.push(b'-');
    }
    if scale == 0 {
        s.extend(digits);
    } else if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        s.extend(int);
        s.push(b'.');
        s.extend(frac);
    } else {
        s.extend(b"0.");
        for _ in digits.len()..scale {
            s.push(b'0');
        }
        s.extend(digits);
    }
    s
}

/// A GUID's text, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, from its bytes in display order.
pub(crate) fn guid(bytes: [u8; 16]) -> Ascii<36> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = Ascii::new();
    for (i, b) in bytes.into_iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push(b'-');
        }
        s.push(HEX[usize::from(b >> 4)]);
        s.push(HEX[usize::from(b & 15)]);
    }
    s
}

const TICKS_PER_SECOND: u64 = 10_000_000;
const TICKS_PER_DAY: u64 = 86_400 * TICKS_PER_SECOND;

/// Writes `yyyy-MM-ddTHH:mm:ss[.fffffff]` (fraction trimmed of trailing zeros, omitted if zero).
pub fn date_time(ticks: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(date_time_text(ticks).as_str())
}

/// The text [`date_time`] writes.
pub(crate) fn date_time_text(ticks: u64) -> Ascii<40> {
    let days = (ticks / TICKS_PER_DAY) as i64;
    let (y, m, d) = civil_from_days(days - 719_162);
    let in_day = ticks % TICKS_PER_DAY;
    let secs = in_day / TICKS_PER_SECOND;
    let mut s = Ascii::new();
    s.digits(y.unsigned_abs(), 4);
    for (sep, v) in [
        (b'-', u64::from(m)),
        (b'-', u64::from(d)),
        (b'T', secs / 3600),
        (b':', secs / 60 % 60),
        (b':', secs % 60),
    ] {
        s.push(sep);
        s.pair(v);
    }
    fraction(&mut s, in_day % TICKS_PER_SECOND);
    s
}

/// `.fffffff` with trailing zeros removed; nothing when zero.
fn fraction<const N: usize>(s: &mut Ascii<N>, mut frac: u64) {
    if frac == 0 {
        return;
    }
    let mut width = 7;
    while frac % 10 == 0 {
        frac /= 10;
        width -= 1;
    }
    s.push(b'.');
    s.digits(frac, width);
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Writes an xsd:duration as `XmlConvert.ToString(TimeSpan)` does (`P2D`, `PT1H30M`, `-PT1.5S`, `PT0S`).
pub fn duration(ticks: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut s = String::from(if ticks < 0 { "-P" } else { "P" });
    let t = ticks.unsigned_abs();
    let days = t / TICKS_PER_DAY;
    let rest = t % TICKS_PER_DAY;
    let (h, m) = (
        rest / (3600 * TICKS_PER_SECOND),
        rest / (60 * TICKS_PER_SECOND) % 60,
    );
    let (sec, frac) = (rest / TICKS_PER_SECOND % 60, rest % TICKS_PER_SECOND);
    if days != 0 {
        s.push_str(&format!("{days}D"));
    }
    if rest != 0 {
        s.push('T');
        if h != 0 {
            s.push_str(&format!("{h}H"));
        }
        if m != 0 {
            s.push_str(&format!("{m}M"));
        }
        if sec != 0 || frac != 0 {
            s.push_str(&sec.to_string());
            if frac != 0 {
                s.push('.');
                s.push_str(format!("{frac:07}").trim_end_matches('0'));
            }
            s.push('S');
        }
    }
    if s.ends_with('P') {
        s.push_str("T0S");
    }
    f.write_str(&s)
}

/// Appends standard base64 with padding.
pub fn base64(bytes: &[u8], out: &mut String) {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode_string(bytes, out);
}

#[cfg(test)]
mod tests {
    /// ryu's shortest digits are as many as Rust's own (`{:e}`), with the same exponent, and read
    /// back to the value; where the two differ the value lies exactly between two candidates, and
    /// ryu's last digit is the even one (as .NET's Dragon4 rounds), where Rust rounds up.
    #[test]
    fn shortest_digits_are_rusts_but_ties_go_to_even() {
        fn check(text: &str, sci: &str, reads_back: bool) {
            let (mantissa, exp) = sci.split_once('e').unwrap();
            let digits: String = mantissa.chars().filter(|&c| c != '.').collect();
            let s = super::Shortest::parse(text);
            assert!(reads_back, "{text}");
            assert_eq!(s.digits.as_str().len(), digits.len(), "{text} / {sci}");
            assert_eq!(s.exp, exp.parse::<i32>().unwrap(), "{text} / {sci}");
            if s.digits.as_str() != digits {
                let last = s.digits.as_bytes()[s.digits.len - 1];
                assert_eq!((last - b'0') % 2, 0, "{text} / {sci}");
            }
        }
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut doubles = vec![
            1.0,
            0.1,
            100.0,
            1e15,
            1e16,
            1e17,
            1e-5,
            1e-7,
            5e-324,
            f64::MAX,
        ];
        let mut floats = vec![
            312_985.12f32,
            1.0,
            0.1,
            1e7,
            1e-5,
            f32::MAX,
            f32::MIN_POSITIVE,
        ];
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            doubles.push(f64::from_bits(seed).abs());
            floats.push(f32::from_bits(seed as u32).abs());
        }
        for d in doubles.into_iter().filter(|d| d.is_finite() && *d != 0.0) {
            let text = ryu::Buffer::new().format_finite(d).to_owned();
            check(&text, &format!("{d:e}"), text.parse::<f64>() == Ok(d));
        }
        for f in floats.into_iter().filter(|f| f.is_finite() && *f != 0.0) {
            let text = ryu::Buffer::new().format_finite(f).to_owned();
            check(&text, &format!("{f:e}"), text.parse::<f32>() == Ok(f));
        }
    }

    /// Two-digits-at-a-time formatting gives what `format!` gives, padding included.
    #[test]
    fn digits_match_format() {
        let mut values = vec![
            0,
            1,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            u64::MAX,
            u64::MAX / 10,
        ];
        values.extend((0..64).map(|shift| (1u64 << shift) - 1));
        values.extend((1..20).map(|p| 10u64.pow(p)));
        for v in values {
            for width in 0..=19 {
                let mut s = super::Ascii::<24>::new();
                s.digits(v, width);
                assert_eq!(s.as_str(), format!("{v:0width$}"), "{v} width {width}");
            }
        }
    }

    fn d(v: f64) -> String {
        let mut s = String::new();
        super::double(v, &mut s);
        s
    }

    fn f(v: f32) -> String {
        let mut s = String::new();
        super::float(v, &mut s);
        s
    }

    #[test]
    fn doubles_as_dotnet_core() {
        assert_eq!(d(76.54), "76.54");
        assert_eq!(d(0.1), "0.1");
        assert_eq!(d(1e25), "1E+25");
        assert_eq!(d(1e15), "1E+15");
        assert_eq!(d(123456789012345.0), "123456789012345");
        assert_eq!(d(0.0001), "0.0001");
        assert_eq!(d(0.00001), "1E-05");
        assert_eq!(d(-1.5e-7), "-1.5E-07");
        assert_eq!(d(f64::MAX), "1.7976931348623157E+308");
        assert_eq!(d(-0.0), "-0");
        assert_eq!(d(f64::NAN), "NaN");
        assert_eq!(d(f64::NEG_INFINITY), "-INF");
        assert_eq!(d(100.0), "100");
    }

    /// Values ryu lays out positionally take a short cut; it must agree with the general path.
    #[test]
    fn positional_short_cut_agrees_with_the_general_layout() {
        let general = |text: &str, precision, neg| {
            let mut s = String::new();
            super::general(&super::Shortest::parse(text), precision, neg, &mut s);
            s
        };
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for i in 0..100_000 {
            // Spread over the short cut's range and just past its ends.
            let v = (next() >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi(i % 21 - 5);
            let v = if i % 3 == 0 { v.round() } else { v };
            if v == 0.0 {
                continue;
            }
            let expected = general(ryu::Buffer::new().format_finite(v), 15, i % 2 == 0);
            assert_eq!(d(if i % 2 == 0 { -v } else { v }), expected, "{v:e}");
            let v = v as f32;
            if v.is_finite() && v != 0.0 {
                let expected = general(ryu::Buffer::new().format_finite(v), 7, false);
                assert_eq!(f(v), expected, "{v:e}");
            }
        }
        for v in [1e-4, 9.999999999999999e14, 1e15, 1.0, 10.0, 1234.5] {
            assert_eq!(
                d(v),
                general(ryu::Buffer::new().format_finite(v), 15, false)
            );
        }
    }

    #[test]
    fn stack_text_matches_core_fmt() {
        for v in [0, 1, -1, 9, 10, 99, 1_000_000, i64::MIN, i64::MAX] {
            let mut s = super::Ascii::<24>::new();
            s.int(v);
            assert_eq!(s.as_str(), v.to_string());
        }
        let dec = |m, scale, neg| super::decimal(m, scale, neg).as_str().to_owned();
        assert_eq!(dec(12345, 2, false), "123.45");
        assert_eq!(dec(5, 3, true), "-0.005");
        assert_eq!(dec(0, 0, true), "0");
        assert_eq!(
            dec(u128::from(u64::MAX) * 1000 + 7, 0, false),
            "18446744073709551615007"
        );
        assert_eq!(
            dec((1 << 96) - 1, 28, false),
            "7.9228162514264337593543950335"
        );
    }

    #[test]
    fn floats_as_dotnet_core() {
        assert_eq!(f(81.25), "81.25");
        assert_eq!(f(1e7), "1E+07");
        assert_eq!(f(16777216.0), "16777216");
        assert_eq!(f(f32::MAX), "3.4028235E+38");
        assert_eq!(f(0.1), "0.1");
    }
}
