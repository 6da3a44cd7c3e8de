//! Operator semantics as plain functions: the interpreter's slow paths and
//! helpers native code can call. Errors are (code, message); the caller
//! attaches the span and stack trace.

use crate::value::Value;
use std::cmp::Ordering;
use std::rc::Rc;
use tern_diag::Code;

pub type OpResult = Result<Value, (Code, String)>;

fn mismatch(op: &str, a: &Value, b: &Value) -> (Code, String) {
    (Code::Mismatch, format!("`{op}` cannot combine {} and {}", a.type_name(), b.type_name()))
}

pub fn add(a: &Value, b: &Value) -> OpResult {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_add(*y))),
        (Value::Float(x), Value::Float(y)) => Ok(Value::Float(x + y)),
        (Value::Str(x), Value::Str(y)) => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Ok(Value::Str(Rc::from(s)))
        }
        _ => Err(mismatch("+", a, b)),
    }
}

pub fn sub(a: &Value, b: &Value) -> OpResult {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_sub(*y))),
        (Value::Float(x), Value::Float(y)) => Ok(Value::Float(x - y)),
        _ => Err(mismatch("-", a, b)),
    }
}

pub fn mul(a: &Value, b: &Value) -> OpResult {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_mul(*y))),
        (Value::Float(x), Value::Float(y)) => Ok(Value::Float(x * y)),
        _ => Err(mismatch("*", a, b)),
    }
}

pub fn div(a: &Value, b: &Value) -> OpResult {
    match (a, b) {
        (Value::Int(_), Value::Int(0)) => Err((Code::DivisionByZero, "division by zero".into())),
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_div(*y))),
        (Value::Float(x), Value::Float(y)) => Ok(Value::Float(x / y)),
        _ => Err(mismatch("/", a, b)),
    }
}

pub fn rem(a: &Value, b: &Value) -> OpResult {
    match (a, b) {
        (Value::Int(_), Value::Int(0)) => Err((Code::DivisionByZero, "modulo by zero".into())),
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_rem(*y))),
        (Value::Float(x), Value::Float(y)) => Ok(Value::Float(x % y)),
        _ => Err(mismatch("%", a, b)),
    }
}

/// Ordering for `< <= > >=`: int/int, float/float, str/str.
/// `None` inside Ok means unordered (a NaN is involved): every comparison is false.
pub fn compare(op: &str, a: &Value, b: &Value) -> Result<Option<Ordering>, (Code, String)> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(Some(x.cmp(y))),
        (Value::Float(x), Value::Float(y)) => Ok(x.partial_cmp(y)),
        (Value::Str(x), Value::Str(y)) => Ok(Some(x.as_bytes().cmp(y.as_bytes()))),
        _ => Err(mismatch(op, a, b)),
    }
}

/// `<`, `<=`, `>`, `>=` as a bool.
pub fn ordered(op: &str, a: &Value, b: &Value) -> Result<bool, (Code, String)> {
    let o = compare(op, a, b)?;
    Ok(match (op, o) {
        (_, None) => false,
        ("<", Some(o)) => o == Ordering::Less,
        ("<=", Some(o)) => o != Ordering::Greater,
        (">", Some(o)) => o == Ordering::Greater,
        (_, Some(o)) => o != Ordering::Less,
    })
}

/// `==`: same type on both sides (nil may meet an array or record).
pub fn equal(op: &str, a: &Value, b: &Value) -> Result<bool, (Code, String)> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Nil, Value::Nil) => true,
        (Value::Array(x), Value::Array(y)) => Rc::ptr_eq(x, y),
        (Value::Record(x), Value::Record(y)) => Rc::ptr_eq(x, y),
        (Value::Module(x), Value::Module(y)) => x == y,
        (Value::Nil, Value::Array(_) | Value::Record(_))
        | (Value::Array(_) | Value::Record(_), Value::Nil) => false,
        _ => return Err(mismatch(op, a, b)),
    })
}

pub fn neg(a: &Value) -> OpResult {
    match a {
        Value::Int(x) => Ok(Value::Int(x.wrapping_neg())),
        Value::Float(x) => Ok(Value::Float(-x)),
        _ => Err((Code::Mismatch, format!("`-` cannot negate {}", a.type_name()))),
    }
}

pub fn not(a: &Value) -> OpResult {
    match a {
        Value::Bool(b) => Ok(Value::Bool(!b)),
        _ => Err((Code::Mismatch, format!("`!` needs a bool, found {}", a.type_name()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_arithmetic_wraps_and_truncates() {
        let i = Value::Int;
        let get = |r: OpResult| match r {
            Ok(Value::Int(v)) => v,
            other => panic!("{other:?}"),
        };
        assert_eq!(get(add(&i(i64::MAX), &i(1))), i64::MIN);
        assert_eq!(get(mul(&i(i64::MAX), &i(2))), -2);
        assert_eq!(get(sub(&i(i64::MIN), &i(1))), i64::MAX);
        assert_eq!(get(div(&i(-7), &i(2))), -3);
        assert_eq!(get(rem(&i(-7), &i(2))), -1);
        assert_eq!(get(rem(&i(7), &i(-2))), 1);
        assert_eq!(get(div(&i(i64::MIN), &i(-1))), i64::MIN);
        assert_eq!(get(rem(&i(i64::MIN), &i(-1))), 0);
        assert_eq!(div(&i(1), &i(0)).unwrap_err().0, Code::DivisionByZero);
        assert_eq!(rem(&i(1), &i(0)).unwrap_err().0, Code::DivisionByZero);
        assert_eq!(add(&i(1), &Value::Float(1.0)).unwrap_err().0, Code::Mismatch);
    }

    #[test]
    fn equality_rules() {
        assert!(equal("==", &Value::Nil, &Value::Nil).unwrap());
        assert!(!equal("==", &Value::Nil, &Value::array(vec![])).unwrap());
        assert!(equal("==", &Value::Int(1), &Value::Float(1.0)).is_err());
        assert!(equal("==", &Value::str("a"), &Value::str("a")).unwrap());
        let a = Value::array(vec![]);
        assert!(equal("==", &a, &a.clone()).unwrap());
        assert!(!equal("==", &a, &Value::array(vec![])).unwrap());
        assert!(!ordered("<", &Value::Float(f64::NAN), &Value::Float(1.0)).unwrap());
    }
}
