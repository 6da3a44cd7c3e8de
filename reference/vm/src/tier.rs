//! The seam a tier-up engine (the JIT) plugs into. See BYTECODE.md,
//! "Hooks for the JIT".

use crate::value::Value;
use crate::vm::{FnIdx, Vm};
use std::rc::Rc;
use tern_diag::Diagnostic;

/// How native code leaves.
pub enum NativeExit {
    /// The call finished with this value.
    Return(Value),
    /// The registers in the frame's window are current; continue
    /// interpreting this frame at `pc` (deoptimisation).
    Deopt { pc: u32 },
    /// A runtime error (build it with `Vm::error_at` for span and trace).
    Error(Box<Diagnostic>),
}

/// Native code for one function (or one OSR entry). The `usize` is the
/// frame's register base: registers are `vm.stack[base..base + num_regs]`.
pub type NativeFn = Rc<dyn Fn(&mut Vm, usize) -> NativeExit>;

pub trait Tier {
    /// `vm.functions[f].calls` reached `vm.hot_call_threshold`. Compile and
    /// set `vm.functions[f].native` to have later calls run natively.
    fn on_hot_call(&mut self, vm: &mut Vm, f: FnIdx);

    /// A back-edge counter of `f` reached `vm.hot_loop_threshold`; the top
    /// frame is about to execute `header_pc`. Returning code OSR-enters it now
    /// with the current registers.
    fn on_hot_loop(&mut self, vm: &mut Vm, f: FnIdx, header_pc: u32) -> Option<NativeFn>;
}
