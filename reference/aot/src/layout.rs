//! How Tern values live in machine words; shared with runtime/tern_rt.h.
//! Every value fits one 8-byte slot: ints and pointers as i64, floats as f64
//! bits, bools as 0/1. In Cranelift registers bools are `i8`.

use cranelift_codegen::ir::{types, Type as ClifType};
use tern_check::Type;

/// `TernArr { len, cap, data }`.
pub const ARR_LEN: i32 = 0;
pub const ARR_DATA: i32 = 16;
/// `TernRec { sid, fields[] }`: field i lives at `REC_FIELDS + 8 * i`.
pub const REC_FIELDS: i32 = 8;
/// `TernStr { len, nchars, bytes, buf }`; a literal has `bytes` and `buf`
/// NULL, which means its bytes follow the header.
pub const STR_HEADER: usize = 32;

pub fn clif_type(ty: &Type) -> ClifType {
    match ty {
        Type::Float => types::F64,
        Type::Bool => types::I8,
        _ => types::I64,
    }
}

/// The runtime's type descriptor: `i f b s n`, `[T`, `S<id>;`.
pub fn descriptor(ty: &Type) -> String {
    let mut out = String::new();
    write_descriptor(ty, &mut out);
    out
}

fn write_descriptor(ty: &Type, out: &mut String) {
    match ty {
        Type::Int => out.push('i'),
        Type::Float => out.push('f'),
        Type::Bool => out.push('b'),
        Type::Str => out.push('s'),
        Type::Nil => out.push('n'),
        Type::Array(inner) => {
            out.push('[');
            write_descriptor(inner, out);
        }
        Type::Struct(id) => {
            out.push('S');
            out.push_str(&id.0.to_string());
            out.push(';');
        }
    }
}

/// A string literal as the runtime lays it out (header, inline bytes, NUL).
pub fn string_literal(s: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(STR_HEADER + s.len() + 1);
    bytes.extend_from_slice(&(s.len() as i64).to_le_bytes());
    bytes.extend_from_slice(&(s.chars().count() as i64).to_le_bytes());
    bytes.extend_from_slice(&[0u8; 16]);
    bytes.extend_from_slice(s.as_bytes());
    bytes.push(0);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_check::StructId;

    #[test]
    fn descriptors_nest() {
        assert_eq!(
            descriptor(&Type::Array(Box::new(Type::Array(Box::new(Type::Struct(StructId(12))))))),
            "[[S12;"
        );
        assert_eq!(descriptor(&Type::Float), "f");
    }

    #[test]
    fn string_literals_count_chars() {
        let b = string_literal("hé");
        assert_eq!(&b[0..8], &3i64.to_le_bytes());
        assert_eq!(&b[8..16], &2i64.to_le_bytes());
        assert_eq!(&b[16..32], &[0u8; 16]);
        assert_eq!(&b[32..35], "hé".as_bytes());
        assert_eq!(*b.last().unwrap(), 0);
    }
}
