//! Text forms of typed values, as .NET's `XmlConverter`/`XmlConvert` writes them.

use std::fmt;

/// Appends a double as .NET Core's round-trip text: `INF`, `-INF`, `NaN`, `-0`, else the shortest
/// digits that read back to the same value, in fixed or `E±XX` notation as `double.ToString("R")`.
pub fn double(v: f64, out: &mut String) {
    if special(
        v.is_nan(),
        v.is_infinite(),
        v.is_sign_negative(),
        v == 0.0,
        out,
    ) {
        return;
    }
    general(&format!("{v:e}"), 15, out);
}

/// Appends a float as .NET Core's round-trip text (see [`double`]).
pub fn float(v: f32, out: &mut String) {
    if special(
        v.is_nan(),
        v.is_infinite(),
        v.is_sign_negative(),
        v == 0.0,
        out,
    ) {
        return;
    }
    general(&format!("{v:e}"), 7, out);
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

/// Lays out Rust's shortest scientific form (`-d.ddde±x`) the way .NET's "G" formatting does:
/// scientific when the decimal exponent is beyond `max(digit count, precision)` or below -5.
fn general(sci: &str, precision: i32, out: &mut String) {
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` output has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
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
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else if dig_pos <= 0 {
        out.push_str("0.");
        for _ in 0..-dig_pos {
            out.push('0');
        }
        out.push_str(&digits);
    } else if dig_pos >= n {
        out.push_str(&digits);
        for _ in 0..dig_pos - n {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..dig_pos as usize]);
        out.push('.');
        out.push_str(&digits[dig_pos as usize..]);
    }
}

const TICKS_PER_SECOND: u64 = 10_000_000;
const TICKS_PER_DAY: u64 = 86_400 * TICKS_PER_SECOND;

/// Writes `yyyy-MM-ddTHH:mm:ss[.fffffff]` (fraction trimmed of trailing zeros, omitted if zero).
pub fn date_time(ticks: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let days = (ticks / TICKS_PER_DAY) as i64;
    let (y, m, d) = civil_from_days(days - 719_162);
    let in_day = ticks % TICKS_PER_DAY;
    let secs = in_day / TICKS_PER_SECOND;
    let frac = in_day % TICKS_PER_SECOND;
    write!(
        f,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )?;
    write_fraction(frac, f)
}

/// `.fffffff` with trailing zeros removed; nothing when zero.
fn write_fraction(frac: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if frac == 0 {
        return Ok(());
    }
    let s = format!("{frac:07}");
    write!(f, ".{}", s.trim_end_matches('0'))
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

    #[test]
    fn floats_as_dotnet_core() {
        assert_eq!(f(81.25), "81.25");
        assert_eq!(f(1e7), "1E+07");
        assert_eq!(f(16777216.0), "16777216");
        assert_eq!(f(f32::MAX), "3.4028235E+38");
        assert_eq!(f(0.1), "0.1");
    }
}
