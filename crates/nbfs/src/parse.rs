//! Typed values from their XML Schema text forms (the reverse of [`crate::format`]), so that a
//! value reads the same whether it arrived as a typed record or as text.

use std::borrow::Cow;

use crate::value::{DateTime, DateTimeKind, Decimal, Guid, TimeSpan, Value};

const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        // Values mostly come without white space: told from the two ends.
        (Some(&first), Some(&last)) if !is_xml_space(first) && !is_xml_space(last) => s,
        _ => s.trim_matches(|c: char| c.is_ascii() && is_xml_space(c as u8)),
    }
}

/// The value of a decimal digit byte; `None` for any other byte.
fn digit(b: u8) -> Option<u8> {
    let d = b.wrapping_sub(b'0');
    (d <= 9).then_some(d)
}

/// `digits` as an unsigned number; `None` if empty, not all digits, or above `u64::MAX`.
fn unsigned(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |v, &b| {
        v.checked_mul(10)?.checked_add(u64::from(digit(b)?))
    })
}

/// `true`, `false`, `1`, `0`.
pub fn bool(s: &str) -> Option<bool> {
    match trim(s) {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// An xsd:long (optional sign, decimal digits).
pub fn i64(s: &str) -> Option<i64> {
    match trim(s).as_bytes() {
        [b'-', digits @ ..] => 0i64.checked_sub_unsigned(unsigned(digits)?),
        [b'+', digits @ ..] | digits => i64::try_from(unsigned(digits)?).ok(),
    }
}

/// An xsd:unsignedLong.
pub fn u64(s: &str) -> Option<u64> {
    let s = trim(s).as_bytes();
    unsigned(s.strip_prefix(b"+").unwrap_or(s))
}

/// An xsd:double: `INF`, `-INF`, `NaN` or a decimal/scientific number.
pub fn f64(s: &str) -> Option<f64> {
    match trim(s) {
        "INF" | "+INF" => Some(f64::INFINITY),
        "-INF" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        t if t
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E')) =>
        {
            t.parse().ok()
        }
        _ => None,
    }
}

/// An xsd:decimal within System.Decimal's range (96-bit magnitude, scale ≤ 28).
pub fn decimal(s: &str) -> Option<Decimal> {
    let s = trim(s).as_bytes();
    let (negative, s) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = match s.iter().position(|&b| b == b'.') {
        Some(dot) => (&s[..dot], &s[dot + 1..]),
        None => (s, &[][..]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    // Fraction digits past 28 are dropped (but must still be digits).
    let (frac, dropped) = frac.split_at(frac.len().min(28));
    if !dropped.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut mantissa: u128 = 0;
    for &b in int.iter().chain(frac) {
        // Below 2^96 before, so ten times it cannot overflow.
        mantissa = mantissa * 10 + u128::from(digit(b)?);
        if mantissa >> 96 != 0 {
            return None;
        }
    }
    Some(Decimal {
        mantissa,
        scale: frac.len() as u8,
        negative,
    })
}

/// An xsd:dateTime: `Z` gives a UTC time, an offset a local time (stored as UTC ticks), none an
/// unspecified one, as .NET's `XmlConvert.ToDateTime(s, RoundtripKind)` does.
pub fn date_time(s: &str) -> Option<DateTime> {
    let s = trim(s).as_bytes();
    let [y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2, b'T', h1, h2, b':', mi1, mi2, b':', s1, s2, ..] =
        *s
    else {
        return None;
    };
    let num = |digits: &[u8]| {
        digits
            .iter()
            .try_fold(0i64, |v, &b| Some(v * 10 + i64::from(digit(b)?)))
    };
    let (y, mo, d) = (num(&[y1, y2, y3, y4])?, num(&[mo1, mo2])?, num(&[d1, d2])?);
    let (h, mi, sec) = (num(&[h1, h2])?, num(&[mi1, mi2])?, num(&[s1, s2])?);
    let dim = [
        31,
        if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
            29
        } else {
            28
        },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || d < 1
        || d > dim[(mo - 1) as usize]
        || h > 23
        || mi > 59
        || sec > 59
    {
        return None;
    }
    let mut i = 19;
    let mut frac = 0i64;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 7 {
                frac = frac * 10 + i64::from(s[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start).min(7)..7 {
            frac *= 10;
        }
    }
    let days = days_from_civil(y, mo as u32, d as u32) + 719_162;
    let mut ticks = days * TICKS_PER_DAY + (h * 3600 + mi * 60 + sec) * TICKS_PER_SECOND + frac;
    let kind = match &s[i..] {
        [] => DateTimeKind::Unspecified,
        [b'Z'] => DateTimeKind::Utc,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (oh, om) = (num(&[*h1, *h2])?, num(&[*m1, *m2])?);
            if oh > 14 || om > 59 {
                return None;
            }
            let offset = (oh * 60 + om) * 60 * TICKS_PER_SECOND;
            ticks += if *sign == b'+' { -offset } else { offset };
            DateTimeKind::Local
        }
        _ => return None,
    };
    let ticks = u64::try_from(ticks)
        .ok()
        .filter(|t| *t <= DateTime::MAX_TICKS)?;
    Some(DateTime { ticks, kind })
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An xsd:duration as a TimeSpan (a year counts 365 days and a month 30, as in .NET).
pub fn duration(s: &str) -> Option<TimeSpan> {
    let s = trim(s);
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut rest = s.strip_prefix('P')?;
    if rest.is_empty() {
        return None;
    }
    let mut ticks: i128 = 0;
    let mut in_time = false;
    let mut any = false;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('T') {
            if in_time || r.is_empty() {
                return None;
            }
            in_time = true;
            rest = r;
            continue;
        }
        let end = rest.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        let (number, unit) = rest.split_at(end);
        let unit_char = unit.chars().next()?;
        rest = &unit[1..];
        if number.is_empty() {
            return None;
        }
        any = true;
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        let whole: i128 = whole.parse().ok()?;
        let per: i128 = match (in_time, unit_char) {
            (false, 'Y') => 365 * TICKS_PER_DAY as i128,
            (false, 'M') => 30 * TICKS_PER_DAY as i128,
            (false, 'D') => TICKS_PER_DAY as i128,
            (true, 'H') => 3600 * TICKS_PER_SECOND as i128,
            (true, 'M') => 60 * TICKS_PER_SECOND as i128,
            (true, 'S') => TICKS_PER_SECOND as i128,
            _ => return None,
        };
        if !frac.is_empty() {
            if unit_char != 'S' || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let digits = &frac[..frac.len().min(7)];
            let scaled: i128 = format!("{digits:0<7}").parse().ok()?;
            ticks = ticks.checked_add(scaled)?;
        }
        ticks = ticks.checked_add(whole.checked_mul(per)?)?;
    }
    if !any {
        return None;
    }
    let ticks = if negative { -ticks } else { ticks };
    i64::try_from(ticks).ok().map(TimeSpan)
}

/// Base64 with padding; XML white space inside is ignored.
pub fn base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let compact: Cow<'_, str> = if s.bytes().any(|b| b.is_ascii_whitespace()) {
        Cow::Owned(s.chars().filter(|c| !c.is_ascii_whitespace()).collect())
    } else {
        Cow::Borrowed(s)
    };
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()
}

impl Value<'_> {
    /// The value as a boolean, whether typed or text.
    pub fn to_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int32(0) => Some(false),
            Value::Int32(1) => Some(true),
            _ => self.with_text(bool),
        }
    }

    /// The value as a 64-bit integer (integral typed values, or text).
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Value::Int32(v) => Some((*v).into()),
            Value::Int64(v) => Some(*v),
            Value::UInt64(v) => i64::try_from(*v).ok(),
            Value::Float(v) if v.fract() == 0.0 && v.abs() < 9.2e18 => Some(*v as i64),
            Value::Double(v) if v.fract() == 0.0 && v.abs() < 9.2e18 => Some(*v as i64),
            _ => self.with_text(i64),
        }
    }

    /// The value as a 32-bit integer.
    pub fn to_i32(&self) -> Option<i32> {
        self.to_i64().and_then(|v| i32::try_from(v).ok())
    }

    /// The value as an unsigned 64-bit integer.
    pub fn to_u64(&self) -> Option<u64> {
        match self {
            Value::UInt64(v) => Some(*v),
            Value::Str(_) | Value::Utf16(_) | Value::Dictionary(_) => self.with_text(u64),
            _ => self.to_i64().and_then(|v| u64::try_from(v).ok()),
        }
    }

    /// The value as a double (any numeric value, or text).
    pub fn to_f64(&self) -> Option<f64> {
        match self {
            Value::Double(v) => Some(*v),
            Value::Float(v) => Some(f64::from(*v)),
            Value::Int32(v) => Some(f64::from(*v)),
            Value::Int64(v) => Some(*v as f64),
            Value::UInt64(v) => Some(*v as f64),
            _ => self.with_text(f64),
        }
    }

    /// The value as a float.
    pub fn to_f32(&self) -> Option<f32> {
        match self {
            Value::Float(v) => Some(*v),
            _ => self.to_f64().map(|v| v as f32),
        }
    }

    /// The value as a decimal.
    pub fn to_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Decimal(d) => Some(*d),
            Value::Int32(v) => Some(Decimal {
                mantissa: v.unsigned_abs().into(),
                scale: 0,
                negative: *v < 0,
            }),
            Value::Int64(v) => Some(Decimal {
                mantissa: v.unsigned_abs().into(),
                scale: 0,
                negative: *v < 0,
            }),
            _ => self.with_text(decimal),
        }
    }

    /// The value as a DateTime.
    pub fn to_date_time(&self) -> Option<DateTime> {
        match self {
            Value::DateTime(d) => Some(*d),
            _ => self.with_text(date_time),
        }
    }

    /// The value as a TimeSpan (xsd:duration).
    pub fn to_time_span(&self) -> Option<TimeSpan> {
        match self {
            Value::TimeSpan(t) => Some(*t),
            _ => self.with_text(duration),
        }
    }

    /// The value as a GUID (also a `urn:uuid:` UniqueId).
    pub fn to_guid(&self) -> Option<Guid> {
        match self {
            Value::Guid(g) | Value::UniqueId(g) => Some(*g),
            _ => self.with_text(|s| {
                let s = trim(s);
                Guid::parse(s.strip_prefix("urn:uuid:").unwrap_or(s))
            }),
        }
    }

    /// The value as bytes (base64 text decoded).
    pub fn to_bytes(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            Value::Bytes(b) => Some(Cow::Borrowed(b)),
            _ => self.with_text(base64).map(Cow::Owned),
        }
    }

    fn with_text<T>(&self, f: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        match self {
            Value::Str(s) => f(s),
            Value::Dictionary(s) => f(s.as_str()),
            _ => f(&self.to_text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(i64(" -42 "), Some(-42));
        assert_eq!(i64("4x"), None);
        assert_eq!(i64(""), None);
        assert_eq!(u64("18446744073709551615"), Some(u64::MAX));
        assert_eq!(f64("INF"), Some(f64::INFINITY));
        assert_eq!(f64("1E+25"), Some(1e25));
        assert_eq!(f64("inf"), None);
        assert_eq!(bool("1"), Some(true));
        assert_eq!(bool("True"), None);
        assert_eq!(decimal("-12.340").unwrap().to_string(), "-12.340");
        assert_eq!(decimal(".5").unwrap().to_string(), "0.5");
        assert_eq!(decimal("79228162514264337593543950336"), None);
    }

    #[test]
    fn integer_and_decimal_limits() {
        assert_eq!(i64("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(i64("+9223372036854775807"), Some(i64::MAX));
        assert_eq!(i64("9223372036854775808"), None);
        assert_eq!(i64("-9223372036854775809"), None);
        assert_eq!(i64("-"), None);
        assert_eq!(i64("+-1"), None);
        assert_eq!(i64("\t007\r\n"), Some(7));
        assert_eq!(u64("18446744073709551616"), None);
        assert_eq!(u64("+0"), Some(0));
        assert_eq!(u64("-0"), None);
        let max = "79228162514264337593543950335";
        assert_eq!(decimal(max).unwrap().to_string(), max);
        assert_eq!(
            decimal("7922816251426433759354395033.5")
                .unwrap()
                .to_string(),
            "7922816251426433759354395033.5"
        );
        // Past 28 fraction digits the rest is dropped, but must be digits.
        assert_eq!(
            decimal("0.12345678901234567890123456789")
                .unwrap()
                .to_string(),
            "0.1234567890123456789012345678"
        );
        assert_eq!(decimal("0.1234567890123456789012345678x"), None);
        assert_eq!(
            decimal("000000000000000000000000000000000001")
                .unwrap()
                .to_string(),
            "1"
        );
        assert_eq!(decimal("1.2.3"), None);
        assert_eq!(decimal("."), None);
        assert_eq!(decimal("-"), None);
    }

    #[test]
    fn date_times_round_trip_with_format() {
        for s in [
            "2000-01-01T00:00:00Z",
            "2000-01-01T00:00:00.12345",
            "9999-12-31T23:59:59.9999999Z",
            "0001-01-01T00:00:00",
        ] {
            assert_eq!(date_time(s).unwrap().to_string(), s);
        }
        let local = date_time("2000-01-01T01:30:00+01:30").unwrap();
        assert_eq!(
            (local.kind, local.to_string()),
            (DateTimeKind::Local, "2000-01-01T00:00:00+00:00".into())
        );
        assert_eq!(date_time("2001-02-29T00:00:00"), None);
        assert_eq!(date_time("2000-01-01T24:00:00"), None);
    }

    #[test]
    fn durations_round_trip_with_format() {
        for s in [
            "PT1H30M",
            "-PT1.5S",
            "P2D",
            "PT0S",
            "PT0.0000001S",
            "P10675199DT2H48M5.4775807S",
        ] {
            assert_eq!(duration(s).unwrap().to_string(), s, "{s}");
        }
        assert_eq!(duration("P1Y").unwrap().0, 365 * TICKS_PER_DAY);
        assert_eq!(duration("P"), None);
        assert_eq!(duration("PT"), None);
        assert_eq!(duration("P1H"), None);
    }

    #[test]
    fn values_convert_from_records_and_text() {
        assert_eq!(Value::Str("12").to_i32(), Some(12));
        assert_eq!(Value::Int64(1 << 40).to_i32(), None);
        assert_eq!(Value::Float(81.25).to_f64(), Some(81.25));
        assert_eq!(
            Value::Str("urn:uuid:04030201-0605-0807-090a-0b0c0d0e0f10")
                .to_guid()
                .unwrap()
                .0[0],
            1
        );
        assert_eq!(Value::Str("AQID").to_bytes().unwrap().as_ref(), &[1, 2, 3]);
        assert_eq!(Value::Int32(1).to_bool(), Some(true));
    }
}
