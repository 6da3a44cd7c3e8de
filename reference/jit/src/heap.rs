//! How native code reaches into records and arrays without calling out.
//!
//! `tern_vm::Value` is `repr(u8)`, so an `Array`/`Record` value is the tag
//! (5/6) plus, at offset 8, the `Rc`'s pointer to its heap box. Native code
//! carries exactly that pair in a [`Slot`] (tags [`TAG_ARRAY`], [`TAG_RECORD`])
//! as a *borrowed* reference: no reference count changes while native code
//! runs. That is sound because nothing frees a heap value during a native
//! run: no interpreter code runs; a native store of or over a heap value
//! (field, element) goes through `abi::tern_jit_store`, which keeps the
//! displaced value alive in the run's handle table until the run ends (so
//! do stores into globals). Leaving native code turns the pair back into an owned
//! `Value` (a clone) before any register is overwritten.
//!
//! The offsets inside `Rc`, `RefCell` and `Vec` are not pinned by Rust, so
//! [`HeapLayout::probe`] measures them on live values once at start-up; if
//! anything looks unexpected, records and arrays simply stay interpreted.

use crate::abi::{Slot, TAG_ARRAY, TAG_RECORD};
use std::cell::RefCell;
use std::mem::{align_of, offset_of, ManuallyDrop, MaybeUninit};
use std::rc::Rc;
use tern_vm::{Array, Record, Shape, Value};

/// Byte offsets from the `Rc` box pointer (the word at `Value + 8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapLayout {
    /// To an array's `Vec<Value>`.
    pub array_vec: i32,
    /// To a record's fields `Vec<Value>`.
    pub record_vec: i32,
    /// To a record's `Rc<Shape>` (the word holding the shape's box pointer).
    pub record_shape: i32,
    /// Within a `Vec`: its data pointer and its length.
    pub vec_ptr: i32,
    pub vec_len: i32,
    /// `Rc::as_ptr(shape) - box pointer` (what the VM's field caches hold vs the word).
    pub rc_value: i64,
}

/// The word after the tag of a heap value: its `Rc` box pointer.
pub fn payload(v: &Value) -> u64 {
    // SAFETY: repr(u8) Value; Array/Record/Str payloads start at offset 8 and are initialised.
    unsafe { *((v as *const Value as *const u8).add(8) as *const u64) }
}

fn words(p: usize) -> [usize; 3] {
    // SAFETY: `p` is a live Vec<Value> (three initialised words: pointer, capacity, length).
    unsafe { *(p as *const [usize; 3]) }
}

impl HeapLayout {
    pub fn probe() -> Option<HeapLayout> {
        if !crate::abi::value_layout_ok()
            || align_of::<Array>() != align_of::<Record>()
            || align_of::<Shape>() != align_of::<Array>()
        {
            return None;
        }
        // Vec: find the data pointer and the length among its three words, on two vectors.
        let mut vec_ptr = None;
        let mut vec_len = None;
        for n in [3usize, 9] {
            let mut v: Vec<Value> = Vec::with_capacity(n * 2 + 1);
            v.extend((0..n).map(|i| Value::Int(i as i64)));
            let w = words(&v as *const Vec<Value> as usize);
            let p = w.iter().position(|x| *x == v.as_ptr() as usize)?;
            let l = w.iter().position(|x| *x == n)?;
            if w.iter().filter(|x| **x == n).count() != 1
                || *vec_ptr.get_or_insert(p) != p
                || *vec_len.get_or_insert(l) != l
            {
                return None;
            }
        }
        // Rc box header and the RefCell's value, measured on an array.
        let arr = Value::array(vec![Value::Int(1)]);
        let Value::Array(a) = &arr else { return None };
        let boxp = payload(&arr) as usize;
        let rc_value = Rc::as_ptr(a) as usize as i64 - boxp as i64;
        let array_vec = (a.0.as_ptr() as usize).checked_sub(boxp)? as i32;
        let cell = RefCell::new(Vec::<Value>::new());
        let cell_value = cell.as_ptr() as usize - &cell as *const _ as usize;
        let record_vec = (rc_value as usize + offset_of!(Record, fields) + cell_value) as i32;
        let record_shape = (rc_value as usize + offset_of!(Record, shape)) as i32;
        let l = HeapLayout {
            array_vec,
            record_vec,
            record_shape,
            vec_ptr: (vec_ptr? * 8) as i32,
            vec_len: (vec_len? * 8) as i32,
            rc_value,
        };
        // Check the array path end to end: length and first element through the offsets.
        let vec = boxp + array_vec as usize;
        // SAFETY: offsets just measured on this live array.
        let ok = unsafe {
            let len = *((vec + l.vec_len as usize) as *const usize);
            let data = *((vec + l.vec_ptr as usize) as *const usize);
            len == 1 && *(data as *const u8) == crate::abi::TAG_INT as u8 && *((data + 8) as *const i64) == 1
        };
        ok.then_some(l)
    }
}

/// A borrowed native handle for an array or record (None for other values).
pub fn borrow_slot(v: &Value) -> Option<Slot> {
    match v {
        Value::Array(_) => Some(Slot { tag: TAG_ARRAY, bits: payload(v) }),
        Value::Record(_) => Some(Slot { tag: TAG_RECORD, bits: payload(v) }),
        _ => None,
    }
}

/// The owned value a borrowed handle stands for (a new reference).
///
/// # Safety
/// `s` must come from [`borrow_slot`] or native code during the current run
/// (its object is still alive).
pub unsafe fn own_slot(s: Slot) -> Value {
    let mut m = MaybeUninit::<Value>::zeroed();
    let p = m.as_mut_ptr() as *mut u8;
    unsafe {
        *p = s.tag as u8;
        *(p.add(8) as *mut u64) = s.bits;
        let v = ManuallyDrop::new(m.assume_init());
        (*v).clone()
    }
}
