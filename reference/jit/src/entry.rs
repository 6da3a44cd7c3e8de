//! The interpreter's way into a compiled function: a Rust function that
//! checks the arguments in the slot window against the entry's parameter
//! types and calls the direct entry through a C function pointer.
//!
//! Before, every new parameter shape cost a second cranelift compile (a
//! trampoline doing the same checks), a fifth of a cold first compile.
//! A direct entry takes `(ctx, regs, depth, params...)` with Int, Bool and
//! array parameters as one integer, Float as one double and anything else
//! as two integers (tag, bits), and returns `(tag, bits)`. The C calling
//! conventions of x86-64 (System V) and AArch64 (AAPCS64) give integer and
//! floating-point arguments separate register sequences, put what does not
//! fit on the stack in argument order, and return a two-integer struct in
//! two registers. So one Rust function type with `INTS` integers and
//! `FLOATS` doubles calls any direct entry with at most that many of each,
//! in any interleaving; the arguments it does not take are never read.
//! Entries with more parameters keep a compiled trampoline
//! ([`crate::lower::lower_trampoline`]).

use crate::abi::{tern_jit_exit, ExitReason, NativeCtx, Slot, STATUS_EXITED, STATUS_RETURNED};
use crate::infer::Ty;
use crate::lower::{tag_of, EXITED_TAG};

/// Integer arguments (ctx, regs and depth included) one call passes.
const INTS: usize = 16;
/// Floating-point arguments: all in registers on both targets, so the
/// integers that overflow to the stack are the only stack arguments.
const FLOATS: usize = 8;

#[repr(C)]
struct Ret {
    tag: i64,
    bits: i64,
}

type Short =
    unsafe extern "C" fn(i64, i64, i64, i64, i64, i64, f64, f64, f64, f64, f64, f64, f64, f64) -> Ret;
#[rustfmt::skip]
type Long = unsafe extern "C" fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f64, f64, f64, f64, f64, f64, f64, f64) -> Ret;

/// Whether a direct entry with these (entry-shape) parameters can be
/// called from Rust; else it needs a compiled trampoline.
pub fn fits(shape: &[Ty]) -> bool {
    let floats = shape.iter().filter(|t| **t == Ty::Float).count();
    let ints: usize = shape
        .iter()
        .map(|t| match t {
            Ty::Float => 0,
            Ty::Int | Ty::Bool | Ty::Arr => 1,
            _ => 2,
        })
        .sum();
    cfg!(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(windows)))
        && 3 + ints <= INTS
        && floats <= FLOATS
}

/// Calls the direct entry at `target` (unit `unit`, parameter shape
/// `shape`, which [`fits`]) with the arguments in `regs[..shape.len()]`;
/// the result goes to `regs[0]`. Returns `STATUS_RETURNED`, or
/// `STATUS_EXITED` when the frames left to the interpreter, including
/// before the call when an argument does not have its parameter's type.
///
/// # Safety
/// `target` is finalized code compiled with `lower::direct_signature(shape)`;
/// `ctx` and `regs` are the engine's, set up for a native run.
pub unsafe fn call(ctx: *mut NativeCtx, regs: *mut Slot, target: *const u8, unit: u32, shape: &[Ty]) -> i64 {
    let mut ints = [0i64; INTS];
    let mut floats = [0f64; FLOATS];
    // SAFETY: the caller's ctx.
    ints[..3].copy_from_slice(&[ctx as i64, regs as i64, unsafe { (*ctx).depth_left }]);
    let (mut ni, mut nf) = (3, 0);
    for (r, t) in shape.iter().enumerate() {
        // SAFETY: the window holds the call's arguments.
        let s = unsafe { *regs.add(r) };
        if !matches!(t, Ty::Int | Ty::Bool | Ty::Float | Ty::Arr) {
            ints[ni] = s.tag as i64;
            ints[ni + 1] = s.bits as i64;
            ni += 2;
            continue;
        }
        if s.tag != tag_of(*t) {
            // Nothing ran yet: the interpreter runs the call from the start.
            // SAFETY: the engine's ctx and window, as native code passes them.
            unsafe { tern_jit_exit(ctx, unit as u64, 0, ExitReason::Entry as u64, regs) };
            return STATUS_EXITED;
        }
        if *t == Ty::Float {
            floats[nf] = f64::from_bits(s.bits);
            nf += 1;
        } else {
            ints[ni] = s.bits as i64;
            ni += 1;
        }
    }
    let [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = ints;
    let [fa, fb, fc, fd, fe, ff, fg, fh] = floats;
    // SAFETY: see the module docs: the entry reads only the arguments its
    // signature has, and they are where this call puts them.
    let ret = unsafe {
        if ni <= 6 {
            std::mem::transmute::<*const u8, Short>(target)(a, b, c, d, e, f, fa, fb, fc, fd, fe, ff, fg, fh)
        } else {
            std::mem::transmute::<*const u8, Long>(target)(
                a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, fa, fb, fc, fd, fe, ff, fg, fh,
            )
        }
    };
    if ret.tag == EXITED_TAG {
        return STATUS_EXITED;
    }
    // SAFETY: regs[0] is the window's first slot.
    unsafe { *regs = Slot { tag: ret.tag as u64, bits: ret.bits as u64 } };
    STATUS_RETURNED
}
