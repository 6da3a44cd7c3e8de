//! Printing values exactly as the language specifies: floats like Python's
//! `repr`, `fixed` like C's `%.*f`, strings quoted only inside containers.

use crate::value::Value;

/// Nesting deeper than this prints `...` (also stops cyclic structures).
pub const MAX_PRINT_DEPTH: usize = 16;

/// `print`/`str` text of a value.
pub fn format_value(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, 0, false);
    out
}

pub fn write_value(out: &mut String, v: &Value, depth: usize, quoted: bool) {
    match v {
        Value::Nil | Value::Undef => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            use std::fmt::Write;
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::Str(s) => {
            if quoted {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\t' => out.push_str("\\t"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
                out.push('"');
            } else {
                out.push_str(s);
            }
        }
        Value::Array(a) => {
            if depth >= MAX_PRINT_DEPTH {
                out.push_str("...");
                return;
            }
            out.push('[');
            for (i, x) in a.borrow().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, x, depth + 1, true);
            }
            out.push(']');
        }
        Value::Record(r) => {
            if depth >= MAX_PRINT_DEPTH {
                out.push_str("...");
                return;
            }
            out.push_str(&r.shape.name);
            out.push_str(" {");
            let fields = r.fields.borrow();
            for (i, (name, x)) in r.shape.fields.iter().zip(fields.iter()).enumerate() {
                out.push_str(if i > 0 { ", " } else { " " });
                out.push_str(name);
                out.push_str(": ");
                write_value(out, x, depth + 1, true);
            }
            out.push_str(if fields.is_empty() { "}" } else { " }" });
        }
        Value::Module(m) => {
            use std::fmt::Write;
            let _ = write!(out, "<module #{m}>");
        }
    }
}

/// Python's `repr(float)`: shortest round-trip digits; positional when
/// -4 <= exponent < 16, else `d.ddde+XX`.
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let neg = x.is_sign_negative();
    let (digits, exp) = shortest_digits(x.abs());
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    }
    out
}

/// The shortest digits that read back as `x` (> 0) and their decimal
/// exponent, chosen as Python's `repr` chooses them: among equally short
/// candidates the one nearest the exact binary value, and on an exact tie
/// the even one. Rust's `{:e}` gives the shortest digits but breaks such a
/// tie upwards (688504406428204.25 prints ...204.3 there, ...204.2 in
/// Python and in the AOT runtime), so a tie is detected from the exact
/// expansion and moved to the even neighbour.
fn shortest_digits(x: f64) -> (String, i32) {
    let split = |sci: &str| -> (String, i32) {
        let (mant, exp) = sci.split_once('e').expect("{:e} has an exponent");
        (mant.chars().filter(|c| c.is_ascii_digit()).collect(), exp.parse().expect("integer exponent"))
    };
    let (digits, exp) = split(&format!("{x:e}"));
    let n = digits.len();
    let last = digits.as_bytes()[n - 1] - b'0';
    if last.is_multiple_of(2) {
        return (digits, exp);
    }
    let prefix = &digits[..n - 1];
    // A tie means x is exactly prefix + (last or last-1) + 5, n+1
    // significant digits. x = m * 2^e (m odd) with e < 0 has exactly
    // exp + 1 - e of them, which rules out almost every x for free.
    let bits = x.to_bits();
    let (frac, biased) = (bits & ((1 << 52) - 1), ((bits >> 52) & 0x7ff) as i32);
    let (mant, e2) = if biased == 0 { (frac, -1074) } else { (frac | (1 << 52), biased - 1075) };
    let (m, e2) = (mant >> mant.trailing_zeros(), e2 + mant.trailing_zeros() as i32);
    let possible = if e2 < 0 {
        exp + 1 - e2 == n as i32 + 1
    } else {
        // An integer: n+1 significant digits need exp - n trailing zeros,
        // so 5^(exp-n) must divide m (m < 2^53 < 5^23).
        let k = exp - n as i32;
        (0..23).contains(&k) && m % 5u64.pow(k as u32) == 0
    };
    if !possible {
        return (digits, exp);
    }
    // x has at most n+1 significant digits now: that many are exact.
    let (exact, exact_exp) = split(&format!("{x:.n$e}"));
    let exact = exact.trim_end_matches('0');
    for alt in [last.wrapping_sub(1), last + 1] {
        if alt > 9 || exact_exp != exp {
            continue;
        }
        let mid = format!("{prefix}{}5", last.min(alt));
        let candidate = format!("{prefix}{alt}");
        let reads_back = format!("{}.{}e{exp}", &candidate[..1], &candidate[1..]).parse::<f64>() == Ok(x);
        if exact == mid && reads_back {
            return (candidate, exp);
        }
    }
    (digits, exp)
}

/// C's `printf("%.*f", digits, x)` (digits already checked to be 0..=20).
pub fn fixed(x: f64, digits: usize) -> String {
    // NaN's sign bit depends on the CPU (x86 makes 0.0/0.0 negative): LANGUAGE.md prints it as `nan`.
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust rounds the exact binary value half-to-even, as glibc does.
    format!("{x:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python_repr() {
        let cases: &[(f64, &str)] = &[
            (1e16, "1e+16"),
            (0.1, "0.1"),
            (25.0, "25.0"),
            (1e-05, "1e-05"),
            (123456789012345.6, "123456789012345.6"),
            (1234567890123456.7, "1234567890123456.8"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (-0.0, "-0.0"),
            (0.0001, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (1e100, "1e+100"),
            (-2.5, "-2.5"),
            (1.0 / 3.0, "0.3333333333333333"),
            (9007199254740993.0, "9007199254740992.0"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (100.0, "100.0"),
            (0.30000000000000004, "0.30000000000000004"),
            // Exact ties between two shortest candidates go to the even digit.
            (688_504_406_428_204.3, "688504406428204.2"),
            (562_949_953_421_313.3, "562949953421313.2"),
            (562_949_953_421_313.8, "562949953421313.8"),
            (1_000_000_000_000_003.3, "1000000000000003.2"),
            (-688_504_406_428_204.3, "-688504406428204.2"),
            (1.25e-301, "1.25e-301"),
        ];
        for (x, want) in cases {
            assert_eq!(format_float(*x), *want, "{x:e}");
        }
    }

    #[test]
    fn fixed_matches_c_printf() {
        assert_eq!(fixed(-0.169075164, 9), "-0.169075164");
        assert_eq!(fixed(0.125, 2), "0.12");
        assert_eq!(fixed(0.375, 2), "0.38");
        assert_eq!(fixed(2.5, 0), "2");
        assert_eq!(fixed(3.5, 0), "4");
        assert_eq!(fixed(1.005, 2), "1.00");
        assert_eq!(fixed(-0.0, 1), "-0.0");
        assert_eq!(fixed(std::hint::black_box(0.0f64) / 0.0, 2), "nan");
        assert_eq!(fixed(-f64::NAN, 2), "nan");
        assert_eq!(fixed(1e20, 2), "100000000000000000000.00");
        assert_eq!(fixed(f64::INFINITY, 3), "inf");
        assert_eq!(fixed(f64::NAN, 3), "nan");
        assert_eq!(fixed(0.1, 20), "0.10000000000000000555");
    }

    #[test]
    fn containers_quote_strings_and_limit_depth() {
        let v = Value::array(vec![Value::Int(1), Value::str("a\"b\n"), Value::Float(2.0), Value::Nil]);
        assert_eq!(format_value(&v), "[1, \"a\\\"b\\n\", 2.0, nil]");
        let mut deep = Value::array(vec![]);
        for _ in 0..20 {
            deep = Value::array(vec![deep]);
        }
        let s = format_value(&deep);
        assert!(s.ends_with("[...]]]]]]]]]]]]]]]]"), "{s}");
        assert_eq!(s.matches('[').count(), 16);
    }
}
