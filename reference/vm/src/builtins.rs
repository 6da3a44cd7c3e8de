//! The builtin functions. `print` writes to the VM's buffered output.

use crate::format::{fixed, format_float, format_value};
use crate::value::Value;
use std::io::Write;
use std::rc::Rc;
use std::time::Instant;
use tern_bytecode::Builtin;
use tern_diag::Code;

pub type BuiltinResult = Result<Value, (Code, String)>;

fn bad_arg(name: &str, want: &str, got: &Value) -> (Code, String) {
    (Code::ArgumentMismatch, format!("`{name}` expects {want}, found {}", got.type_name()))
}

/// Calls builtin `b` with `args` (arity already checked by the compiler/verifier).
pub fn call_builtin(b: Builtin, args: &[Value], out: &mut dyn Write, epoch: Instant) -> BuiltinResult {
    match b {
        Builtin::Print => {
            // Output errors (a closed pipe) are ignored, as most languages do.
            let _ = match &args[0] {
                Value::Str(s) => writeln!(out, "{s}"),
                Value::Int(i) => writeln!(out, "{i}"),
                v => writeln!(out, "{}", format_value(v)),
            };
            Ok(Value::Nil)
        }
        Builtin::Str => Ok(match &args[0] {
            Value::Str(s) => Value::Str(s.clone()),
            v => Value::Str(Rc::from(format_value(v))),
        }),
        Builtin::Int => match &args[0] {
            Value::Int(i) => Ok(Value::Int(*i)),
            Value::Float(f) => {
                let t = f.trunc();
                if t.is_finite() && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&t) {
                    Ok(Value::Int(t as i64))
                } else {
                    Err((Code::BadConversion, format!("cannot convert {} to int", format_float(*f))))
                }
            }
            v => Err(bad_arg("int", "an int or float", v)),
        },
        Builtin::Float => match &args[0] {
            Value::Int(i) => Ok(Value::Float(*i as f64)),
            Value::Float(f) => Ok(Value::Float(*f)),
            v => Err(bad_arg("float", "an int or float", v)),
        },
        Builtin::Sqrt => match &args[0] {
            Value::Float(f) => Ok(Value::Float(f.sqrt())),
            v => Err(bad_arg("sqrt", "a float", v)),
        },
        Builtin::Fixed => {
            let x = match &args[0] {
                Value::Float(f) => *f,
                v => return Err(bad_arg("fixed", "a float as its first argument", v)),
            };
            let d = match &args[1] {
                Value::Int(d) => *d,
                v => return Err(bad_arg("fixed", "an int as its second argument", v)),
            };
            if !(0..=20).contains(&d) {
                return Err((Code::FixedDigits, format!("fixed() digits must be 0..=20, got {d}")));
            }
            Ok(Value::Str(Rc::from(fixed(x, d as usize))))
        }
        Builtin::Len => match &args[0] {
            Value::Str(s) => Ok(Value::Int(s.chars().count() as i64)),
            Value::Array(a) => Ok(Value::Int(a.borrow().len() as i64)),
            Value::Nil => Err((Code::NilAccess, "`len` of nil".into())),
            v => Err(bad_arg("len", "a str or an array", v)),
        },
        Builtin::Push => match &args[0] {
            Value::Array(a) => {
                a.borrow_mut().push(args[1].clone());
                Ok(Value::Nil)
            }
            Value::Nil => Err((Code::NilAccess, "`push` onto nil".into())),
            v => Err(bad_arg("push", "an array as its first argument", v)),
        },
        Builtin::Clock => Ok(Value::Int(epoch.elapsed().as_nanos() as i64)),
    }
}
