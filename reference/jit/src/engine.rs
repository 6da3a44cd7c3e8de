//! The tier-1 engine: decides what to compile, compiles it (with its
//! callees, so hot code calls native-to-native), enters native code from
//! the interpreter and turns native exits back into interpreter frames.

use crate::abi::*;
use crate::codemem::{CodeMemory, Helper};
use crate::entry;
use crate::heap::{self as heapmod, HeapLayout};
use crate::infer::{self, FieldHint, HeapCheck, Hints, Plan, Ty};
use crate::lower::{self, Callees};
use crate::trace::{Reason, Stats, TierEvent};
use cranelift_codegen::ir::types;
use cranelift_module::FuncId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tern_bytecode::{FunctionProto, Instr};
use tern_vm::{FnIdx, Frame, NativeExit, NativeFn, Tier, Value, Vm, MAX_DEPTH};

/// Deopts of one unit before its function goes back to the interpreter for good.
const MAX_DEOPTS: u32 = 16;
/// Recompiles (with fresher feedback) of one function after deopts.
const MAX_RECOMPILES: u32 = 2;
/// A loop that gets hot in a function already called this often is not
/// entered by OSR: its function's entry is compiled instead (see `on_hot_loop`).
const OSR_MAX_CALLS: u32 = 8;

extern "C" fn tern_jit_fmod(a: f64, b: f64) -> f64 {
    a % b
}

struct UnitRec {
    func: FnIdx,
    ptr: *const u8,
    deopts: u32,
    /// Function-entry units: the direct entry (which the shared trampoline at `ptr` calls, if any).
    direct: Option<FuncId>,
    target: *const u8,
    /// Function-entry units Rust calls ([`entry::call`], no trampoline): their parameter shape.
    shape: Option<Box<[Ty]>>,
}

pub struct Engine {
    mem: CodeMemory,
    units: Vec<UnitRec>,
    /// Function-entry unit of each compiled function: its direct entry, unit, parameter types.
    entry_units: HashMap<FnIdx, (FuncId, u32, Vec<Ty>, Ty)>,
    /// Functions whose speculated parameter types failed: next compile takes them untyped.
    generic_params: std::collections::HashSet<FnIdx>,
    refused: HashMap<FnIdx, String>,
    recompiles: HashMap<FnIdx, u32>,
    /// One entry trampoline per parameter shape (Int/Bool/Float/Arr, anything
    /// else as Dyn) that `entry::fits` does not cover.
    trampolines: HashMap<Vec<Ty>, FuncId>,
    slots: Vec<Slot>,
    heap: Vec<Value>,
    ctx: Box<NativeCtx>,
    pub trace: Option<Box<dyn Write>>,
    pub stats: Stats,
    /// Time spent in `compile_entry` so far (callees nested in a compile included once).
    entry_compile_time: Duration,
    /// Time native code (`stats.native`): two clock reads per entry from the
    /// interpreter, which a loop calling a compiled function pays on every
    /// call, so only when `--stats` asks for it.
    pub time_native: bool,
    /// `tern_vm::Value` has the layout native global access assumes.
    globals_ok: bool,
    /// Offsets for native record/array access, if the probe succeeded.
    heap_layout: Option<HeapLayout>,
    /// Shape words seen at field sites; `Ty::Rec(id)` indexes this.
    shapes: Vec<u64>,
    /// Functions whose call counter was advanced after a hot loop: their real count then.
    early_calls: HashMap<FnIdx, u32>,
    /// OSR units by (function, loop header), with the register types they
    /// were entered with: a loop entered again with the same types reuses its unit.
    osr_units: HashMap<(FnIdx, u32), (u32, Vec<Ty>)>,
}

/// What a compile knows of the run so far (built by `Engine::hints`):
/// feedback bits (`tern_vm::value::tag_bit`) as type hints, annotation
/// checks, the types the globals hold now (None: globals stay
/// interpreted), the heap layout, field-site hints, heap annotation
/// checks, the shape words by id, the compiled callees' result types, the
/// module's structs (`Rc<Shape>` pointer, field count, shape id) and what
/// each `m.f()` site called.
struct Feedback<'a>(
    &'a [u8],
    Vec<Option<Ty>>,
    Option<Vec<Option<Ty>>>,
    Option<HeapLayout>,
    Vec<Option<FieldHint>>,
    Vec<Option<HeapCheck>>,
    Vec<u64>,
    HashMap<FnIdx, Ty>,
    Vec<(u64, usize, u16)>,
    Vec<Option<(u32, FnIdx)>>,
);

impl Hints for Feedback<'_> {
    fn member(&self, site: u16) -> Option<(u32, u32)> {
        self.9.get(site as usize).copied().flatten()
    }

    fn call_result(&self, f: u32) -> Option<Ty> {
        self.7.get(&f).copied().filter(|t| *t != Ty::Dyn)
    }

    fn shape_word(&self, id: u16) -> Option<u64> {
        self.6.get(id as usize).copied()
    }

    fn check_heap(&self, ty: u16) -> Option<HeapCheck> {
        self.5.get(ty as usize).copied().flatten()
    }

    fn heap(&self) -> Option<HeapLayout> {
        self.3
    }

    fn field(&self, site: u16) -> Option<FieldHint> {
        self.4.get(site as usize).copied().flatten()
    }

    fn check(&self, ty: u16) -> Option<Ty> {
        self.1.get(ty as usize).copied().flatten()
    }

    fn native_globals(&self) -> bool {
        self.2.is_some()
    }

    fn global(&self, g: u32) -> Option<Ty> {
        self.2.as_ref()?.get(g as usize).copied().flatten()
    }

    fn strs_only(&self, pc: usize) -> bool {
        // tern_vm::tag_bit: str 8.
        self.0.get(pc).copied() == Some(8)
    }

    fn new_record(&self, s: u16) -> Option<(u64, usize)> {
        self.3?;
        self.8.get(s as usize).map(|(ptr, n, _)| (*ptr, *n))
    }

    fn record_shape(&self, s: u16) -> Option<u16> {
        self.3?;
        self.8.get(s as usize).map(|(_, _, id)| *id)
    }

    fn refs_only(&self, pc: usize) -> bool {
        // tern_vm::tag_bit: nil 16, array 32, record 64.
        let bits = self.0.get(pc).copied().unwrap_or(0);
        bits != 0 && bits & !(16 | 32 | 64) == 0
    }

    fn at(&self, pc: usize) -> Option<Ty> {
        match self.0.get(pc).copied().unwrap_or(0) {
            0 => None,
            1 => Some(Ty::Int),
            2 => Some(Ty::Float),
            4 => Some(Ty::Bool),
            16 => Some(Ty::Nil),
            5 => Some(Ty::Int), // int operands next to a bool (e.g. `==` of mixed sites) stay speculative
            _ => Some(Ty::Dyn),
        }
    }
}

/// The structs of `f`'s module: `Rc<Shape>` pointer, field count and
/// shape id (`Ty::Rec`, registered in `shapes` if new).
fn shapes_of(vm: &Vm, f: FnIdx, lay: Option<HeapLayout>, shapes: &mut Vec<u64>) -> Vec<(u64, usize, u16)> {
    let Some(lay) = lay else { return vec![] };
    let m = vm.functions[f as usize].module as usize;
    vm.modules[m]
        .shapes
        .iter()
        .map(|s| {
            let ptr = std::rc::Rc::as_ptr(s) as u64;
            (ptr, s.fields.len(), shape_id(shapes, (ptr as i64 - lay.rc_value) as u64))
        })
        .collect()
}

/// The id (`Ty::Rec`) of the shape whose records hold `word`.
fn shape_id(shapes: &mut Vec<u64>, word: u64) -> u16 {
    match shapes.iter().position(|w| *w == word) {
        Some(i) => i as u16,
        None => {
            shapes.push(word);
            (shapes.len() - 1) as u16
        }
    }
}

/// The scalar type an annotation check demands (int, float, bool), if any.
fn scalar_check(c: &tern_vm::Check) -> Option<Ty> {
    match c {
        tern_vm::Check::Int => Some(Ty::Int),
        tern_vm::Check::Float => Some(Ty::Float),
        tern_vm::Check::Bool => Some(Ty::Bool),
        _ => None,
    }
}

/// An array or struct annotation check as native code does it (None: not
/// one, or its struct's module is not loaded).
fn heap_check(vm: &Vm, c: &tern_vm::Check, lay: HeapLayout) -> Option<HeapCheck> {
    match c {
        tern_vm::Check::Array => Some(HeapCheck::Array),
        tern_vm::Check::Struct { module, index, .. } => {
            let sh = vm.modules.get(*module as usize)?.shapes.get(*index as usize)?;
            Some(HeapCheck::Struct((std::rc::Rc::as_ptr(sh) as i64 - lay.rc_value) as u64))
        }
        _ => None,
    }
}

/// Annotation checks of `f`'s module that native code can do (int, float, bool).
fn scalar_checks(vm: &Vm, f: FnIdx) -> Vec<Option<Ty>> {
    let m = vm.functions[f as usize].module as usize;
    vm.modules[m].checks.iter().map(scalar_check).collect()
}

/// Scalar types of the VM's globals right now, if native code may touch them.
fn global_types(vm: &Vm, native_ok: bool) -> Option<Vec<Option<Ty>>> {
    native_ok.then(|| {
        vm.globals
            .iter()
            .map(|v| match v {
                Value::Nil => Some(Ty::Nil),
                Value::Bool(_) => Some(Ty::Bool),
                Value::Int(_) => Some(Ty::Int),
                Value::Float(_) => Some(Ty::Float),
                Value::Array(_) | Value::Record(_) => Some(Ty::Dyn),
                Value::Module(_) => Some(Ty::Mod),
                _ => None,
            })
            .collect()
    })
}

/// Array/struct annotation checks of `f`'s module that native code can do.
fn heap_checks(vm: &Vm, f: FnIdx, lay: Option<HeapLayout>) -> Vec<Option<HeapCheck>> {
    let Some(lay) = lay else { return vec![] };
    let m = vm.functions[f as usize].module as usize;
    vm.modules[m].checks.iter().map(|c| heap_check(vm, c, lay)).collect()
}

/// What each field site of `f` saw, from the interpreter's inline caches.
fn field_hints(vm: &Vm, f: FnIdx, lay: Option<HeapLayout>, shapes: &mut Vec<u64>) -> Vec<Option<FieldHint>> {
    let Some(lay) = lay else { return vec![] };
    vm.functions[f as usize]
        .field_cache
        .iter()
        .map(|&(shape, slot)| {
            if shape.is_null() {
                return None;
            }
            // SAFETY: cached shapes belong to loaded modules, which live as long as the VM.
            let sh = unsafe { &*shape };
            let check = sh.checks.get(slot as usize)?;
            let load_ty = scalar_check(check);
            // An array/struct field whose struct is not loaded: no hint at all.
            let store_heap = match check {
                tern_vm::Check::Array | tern_vm::Check::Struct { .. } => Some(heap_check(vm, check, lay)?),
                _ => None,
            };
            let store_tag = match load_ty {
                Some(Ty::Int) => Some(TAG_INT),
                Some(Ty::Float) => Some(TAG_FLOAT),
                Some(Ty::Bool) => Some(TAG_BOOL),
                _ => store_heap.map(|_| TAG_NIL),
            };
            let shape_word = (shape as i64 - lay.rc_value) as u64;
            Some(FieldHint {
                shape_word,
                shape_id: shape_id(shapes, shape_word),
                slot,
                store_tag,
                store_heap,
                load_ty,
            })
        })
        .collect()
}

/// The (module, function) the `m.f()` site `site` of `f` called, from the
/// interpreter's inline cache (None: it has not run).
fn member_of(vm: &Vm, f: FnIdx, site: usize) -> Option<(u32, FnIdx)> {
    vm.functions[f as usize].member_cache.get(site).copied().filter(|(m, _)| *m != u32::MAX)
}

/// What each `m.f()` site of `f` called, when native code can hold the
/// module (`m` read from a global in place).
fn member_hints(vm: &Vm, f: FnIdx, native_ok: bool) -> Vec<Option<(u32, FnIdx)>> {
    if !native_ok {
        return vec![];
    }
    (0..vm.functions[f as usize].member_cache.len()).map(|site| member_of(vm, f, site)).collect()
}

/// The function a call instruction of `f` calls natively: `g(..)`, or
/// `m.g(..)` on the module its site saw; None if the arity is wrong (the
/// interpreter raises).
fn call_target(vm: &Vm, f: FnIdx, i: &Instr) -> Option<FnIdx> {
    let (g, nargs) = match *i {
        Instr::Call { f: g, nargs, .. } => (g, nargs),
        Instr::CallMember { site, nargs, .. } => (member_of(vm, f, site as usize)?.1, nargs),
        _ => return None,
    };
    (vm.functions[g as usize].proto.arity == nargs).then_some(g)
}

/// The function as native code sees it: the VM's relocated code.
fn proto_of(vm: &Vm, f: FnIdx) -> FunctionProto {
    let rt = &vm.functions[f as usize];
    let mut p = (*rt.proto).clone();
    p.code = rt.code.to_vec();
    p
}

impl Engine {
    pub fn new() -> Result<Engine, String> {
        let helpers = [
            Helper {
                name: "tern_jit_exit",
                ptr: tern_jit_exit as *const u8,
                params: &[types::I64, types::I64, types::I64, types::I64, types::I64],
                returns: &[],
            },
            Helper {
                name: "tern_jit_builtin",
                ptr: tern_jit_builtin as *const u8,
                params: &[types::I64, types::I64, types::I64, types::I64],
                returns: &[types::I64],
            },
            Helper {
                name: "tern_jit_fmod",
                ptr: tern_jit_fmod as *const u8,
                params: &[types::F64, types::F64],
                returns: &[types::F64],
            },
            Helper {
                name: "tern_jit_store",
                ptr: tern_jit_store as *const u8,
                params: &[types::I64; 4],
                returns: &[types::I64],
            },
            Helper {
                name: "tern_jit_new_record",
                ptr: tern_jit_new_record as *const u8,
                params: &[types::I64; 5],
                returns: &[types::I64],
            },
            Helper {
                name: "tern_jit_new_array",
                ptr: tern_jit_new_array as *const u8,
                params: &[types::I64; 3],
                returns: &[types::I64],
            },
            Helper {
                name: "tern_jit_array_push",
                ptr: tern_jit_array_push as *const u8,
                params: &[types::I64; 4],
                returns: &[],
            },
        ];
        let mem = CodeMemory::new(&helpers);
        let slots = vec![Slot::default(); (MAX_DEPTH + 2) * WINDOW];
        let mut ctx = Box::new(NativeCtx {
            depth_left: 0,
            globals: std::ptr::null_mut(),
            vm: std::ptr::null_mut(),
            heap: std::ptr::null_mut(),
            slots_base: std::ptr::null_mut(),
            exits: Vec::new(),
            exit_tags: std::ptr::null(),
        });
        ctx.slots_base = slots.as_ptr() as *mut Slot;
        Ok(Engine {
            mem,
            units: vec![],
            entry_units: HashMap::new(),
            generic_params: Default::default(),
            refused: HashMap::new(),
            recompiles: HashMap::new(),
            trampolines: HashMap::new(),
            slots,
            heap: vec![],
            ctx,
            trace: None,
            stats: Stats::default(),
            entry_compile_time: Duration::ZERO,
            time_native: false,
            globals_ok: value_layout_ok(),
            heap_layout: HeapLayout::probe(),
            shapes: vec![],
            early_calls: HashMap::new(),
            osr_units: HashMap::new(),
        })
    }

    fn event(&mut self, e: TierEvent) {
        if let Some(t) = &mut self.trace {
            let _ = writeln!(t, "{e}");
        }
    }

    /// Sets cranelift up on the first hot event (its time counts in
    /// `compile_us`, not in any function's `time_us`). On a machine without
    /// a native target the function is refused and stays interpreted.
    fn start(&mut self, vm: &Vm, f: FnIdx) -> bool {
        match self.mem.start() {
            Ok(()) => true,
            Err(why) => {
                if !self.refused.contains_key(&f) {
                    self.event(TierEvent::Refuse {
                        func: vm.function_name(f),
                        reason: "no-native-target".into(),
                    });
                    self.stats.refused += 1;
                    self.refused.insert(f, why.0);
                }
                false
            }
        }
    }

    /// Why `f` entered at `entry` cannot be compiled, if it cannot.
    /// `osr`: the loop header entered; only unsupported instructions in the
    /// loops around it matter (later loops exit, and get their own OSR).
    fn refusal(
        &self,
        f: &FunctionProto,
        states: &[Option<Vec<Ty>>],
        hints: &dyn Hints,
        osr: Option<usize>,
    ) -> Option<String> {
        if !self.mem.budget_left() {
            return Some("code-budget".into());
        }
        let mut loops = infer::loops(f);
        if let Some(h) = osr {
            loops.retain(|(head, back)| *head <= h && h <= *back);
        }
        for (pc, s) in states.iter().enumerate() {
            let Some(s) = s else { continue };
            if let Plan::Exit(infer::ExitKind::Unsupported) = infer::plan(f, pc, s, hints) {
                // An instruction that never ran (a cold branch: an error
                // message, a rare case) becomes an exit, like HotSpot's
                // uncommon trap; if it does start running, the deopts
                // bring a recompile, which then sees it ran.
                let never_ran = infer::records_feedback(&f.code[pc]) && hints.at(pc).is_none();
                if !never_ran && loops.iter().any(|(h, e)| *h <= pc && pc <= *e) {
                    return Some(format!("unsupported-op:{}", f.code[pc].mnemonic()));
                }
            }
        }
        None
    }

    /// What compiling `f` may assume (`fb`: its feedback bits).
    fn hints<'a>(&mut self, vm: &Vm, f: FnIdx, fb: &'a [u8]) -> Feedback<'a> {
        let fh = field_hints(vm, f, self.heap_layout, &mut self.shapes);
        let structs = shapes_of(vm, f, self.heap_layout, &mut self.shapes);
        Feedback(
            fb,
            scalar_checks(vm, f),
            global_types(vm, self.globals_ok),
            self.heap_layout,
            fh,
            heap_checks(vm, f, self.heap_layout),
            self.shapes.clone(),
            self.ret_types(),
            structs,
            member_hints(vm, f, self.globals_ok),
        )
    }

    /// The compiled direct entries a unit of `f` calls (in `states`), with
    /// the result type each was inferred with (`ret_types`).
    fn callee_units(
        &self,
        vm: &Vm,
        f: FnIdx,
        proto: &FunctionProto,
        states: &[Option<Vec<Ty>>],
        ret_types: &HashMap<FnIdx, Ty>,
    ) -> HashMap<FnIdx, (FuncId, Vec<Ty>, Ty)> {
        let mut ids = HashMap::new();
        for (pc, i) in proto.code.iter().enumerate() {
            if let (Some(g), Some(_)) = (call_target(vm, f, i), &states[pc]) {
                if let Some((gid, gspec)) = self.entry_units.get(&g).map(|(a, _, b, _)| (*a, b.clone())) {
                    ids.insert(g, (gid, gspec, ret_types.get(&g).copied().unwrap_or(Ty::Dyn)));
                }
            }
        }
        ids
    }

    /// Result types of the compiled entries (what their direct calls return).
    fn ret_types(&self) -> HashMap<FnIdx, Ty> {
        self.entry_units.iter().map(|(f, (_, _, _, r))| (*f, *r)).collect()
    }

    /// Compiles the function-entry unit of `f` and, first, of everything it calls.
    fn compile_entry(
        &mut self,
        vm: &Vm,
        f: FnIdx,
        reason: Reason,
        count: u64,
        batch: &mut Vec<(u32, FuncId)>,
    ) -> Option<(FuncId, Vec<Ty>, Ty)> {
        if let Some((id, _, spec, ret)) = self.entry_units.get(&f) {
            return Some((*id, spec.clone(), *ret));
        }
        if self.refused.contains_key(&f) {
            return None;
        }
        let (t0, nested0) = (Instant::now(), self.entry_compile_time);
        let proto = proto_of(vm, f);
        let fb = vm.functions[f as usize].feedback.clone();
        let mut hints = self.hints(vm, f, &fb);
        let n = proto.num_regs as usize;
        let spec = if self.generic_params.contains(&f) {
            vec![Ty::Dyn; proto.arity as usize]
        } else {
            infer::param_spec(&proto, &hints)
        };
        let mut entry = vec![Ty::Slot; n];
        entry[..spec.len()].copy_from_slice(&spec);
        let states = infer::infer(&proto, 0, entry.clone(), &hints);
        if let Some(why) = self.refusal(&proto, &states, &hints, None) {
            self.event(TierEvent::Refuse { func: vm.function_name(f), reason: why.clone() });
            self.stats.refused += 1;
            self.refused.insert(f, why);
            return None;
        }
        let dsig = lower::direct_signature(&mut self.mem, &spec);
        let id = self.mem.declare(&vm.function_name(f), &dsig).ok()?;
        let unit = self.units.len() as u32;
        self.units.push(UnitRec {
            func: f,
            ptr: std::ptr::null(),
            deopts: 0,
            direct: Some(id),
            target: std::ptr::null(),
            shape: None,
        });
        // Until its own result type is known, (mutually) recursive callers see Dyn.
        self.entry_units.insert(f, (id, unit, spec.clone(), Ty::Dyn));
        // Callees first, so this body can call them directly.
        for (pc, i) in proto.code.iter().enumerate() {
            if let (Some(g), Some(_)) = (call_target(vm, f, i), &states[pc]) {
                if g != f {
                    self.compile_entry(vm, g, Reason::Callee, 0, batch);
                }
            }
        }
        // Again with the callees' result types, then (self-recursion) with its own,
        // kept only if assuming it reproduces it.
        hints.7 = self.ret_types();
        let mut states = infer::infer(&proto, 0, entry.clone(), &hints);
        let mut ret = infer::return_type(&proto, &states);
        if ret != Ty::Dyn && proto.code.iter().any(|i| matches!(i, Instr::Call { f: g, .. } if *g == f)) {
            hints.7.insert(f, ret);
            let again = infer::infer(&proto, 0, entry.clone(), &hints);
            if infer::return_type(&proto, &again) == ret {
                states = again;
            } else {
                hints.7.insert(f, Ty::Dyn);
            }
        }
        if states.iter().flatten().count() == 0 || self.refusal(&proto, &states, &hints, None).is_some() {
            ret = Ty::Dyn;
        }
        self.entry_units.insert(f, (id, unit, spec.clone(), ret));
        // (With the result types this body was inferred with; its own as assumed above.)
        let callee_ids = self.callee_units(vm, f, &proto, &states, &hints.7);
        self.build(
            vm,
            &proto,
            unit,
            id,
            0,
            entry,
            states,
            &hints,
            callee_ids,
            lower::Mode::Direct(spec.clone()),
        );
        let shape: Vec<Ty> = spec
            .iter()
            .map(|t| if matches!(t, Ty::Int | Ty::Bool | Ty::Float | Ty::Arr) { *t } else { Ty::Dyn })
            .collect();
        let ttr = Instant::now();
        let tid = if entry::fits(&shape) {
            self.units[unit as usize].shape = Some(shape.into());
            // (`ptr` is then the direct entry too: unused.)
            id
        } else if let Some(tid) = self.trampolines.get(&shape) {
            *tid
        } else {
            let tsig = lower::trampoline_signature(&mut self.mem);
            let tid = self.mem.declare("entry", &tsig).ok()?;
            let exit = self.mem.helper("tern_jit_exit");
            lower::lower_trampoline(&mut self.mem, &shape, exit);
            self.mem.define(tid).ok()?;
            self.trampolines.insert(shape, tid);
            tid
        };
        // Its own time: callees compiled first report theirs in their own events.
        let own = t0.elapsed().saturating_sub(self.entry_compile_time - nested0);
        self.entry_compile_time += own;
        let time_us = own.as_micros() as u64;
        if std::env::var_os("TERN_JIT_DEBUG").is_some() {
            eprintln!(
                "tern-jit: {} trampoline {}us total {}us",
                proto.name,
                ttr.elapsed().as_micros(),
                time_us
            );
        }
        batch.push((unit, tid));
        self.stats.compiled += 1;
        self.event(TierEvent::Compile {
            func: vm.function_name(f),
            reason,
            count,
            ops: proto.code.len(),
            time_us,
        });
        Some((id, spec, ret))
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &mut self,
        _vm: &Vm,
        proto: &FunctionProto,
        unit: u32,
        id: FuncId,
        entry_pc: usize,
        entry: Vec<Ty>,
        states: Vec<Option<Vec<Ty>>>,
        hints: &dyn Hints,
        callee_ids: HashMap<FnIdx, (FuncId, Vec<Ty>, Ty)>,
        mode: lower::Mode,
    ) {
        struct Map(HashMap<FnIdx, (FuncId, Vec<Ty>, Ty)>);
        impl Callees for Map {
            fn unit_for(&mut self, f: u32, nargs: u8) -> Option<(FuncId, Vec<Ty>, Ty)> {
                // A call with another argument count is the interpreter's (it raises E0401).
                self.0.get(&f).filter(|(_, spec, _)| spec.len() == nargs as usize).cloned()
            }
        }
        let exit = self.mem.helper("tern_jit_exit");
        let fmod = self.mem.helper("tern_jit_fmod");
        let builtin = self.mem.helper("tern_jit_builtin");
        let u =
            lower::Unit { f: proto, id: unit, entry_pc, entry: entry.clone(), states, mode: mode.clone() };
        let tl = Instant::now();
        let ok = lower::lower(&mut self.mem, &u, hints, &mut Map(callee_ids.clone()), exit, (fmod, builtin));
        if std::env::var_os("TERN_JIT_IR").is_some() {
            eprintln!("{}", self.mem.ctx.func.display());
        }
        let td = Instant::now();
        let ok = ok.and_then(|_| self.mem.define(id));
        if std::env::var_os("TERN_JIT_DEBUG").is_some() {
            eprintln!(
                "tern-jit: {} lower {}us define {}us",
                proto.name,
                (td - tl).as_micros(),
                td.elapsed().as_micros()
            );
        }
        if let Err(why) = ok {
            if std::env::var_os("TERN_JIT_DEBUG").is_some() {
                eprintln!("tern-jit: compile error in {}: {why}", proto.name);
            }
            self.event(TierEvent::Refuse { func: proto.name.clone(), reason: "compile-error".into() });
            // Never leave a declared function undefined: a unit that exits at once is always correct.
            self.mem.discard();
            let n = proto.num_regs as usize;
            let states = vec![None; proto.code.len()];
            let mut st = states;
            st[entry_pc] = Some(entry.clone());
            let mut only_exit = proto.clone();
            only_exit.code[entry_pc] = Instr::Raise { e: 0 };
            let _ = n;
            let u = lower::Unit { f: &only_exit, id: unit, entry_pc, entry: entry.clone(), states: st, mode };
            lower::lower(&mut self.mem, &u, &(), &mut Map(HashMap::new()), exit, (fmod, builtin))
                .expect("exit-only unit lowers");
            self.mem.define(id).expect("exit-only unit compiles");
        }
    }

    fn finalize(&mut self, batch: &[(u32, FuncId)]) -> bool {
        if self.mem.finalize().is_err() {
            return false;
        }
        for (unit, id) in batch {
            self.units[*unit as usize].ptr = self.mem.address(*id);
            if let Some(d) = self.units[*unit as usize].direct {
                self.units[*unit as usize].target = self.mem.address(d);
            }
        }
        true
    }

    fn native_for(engine: &Rc<RefCell<Engine>>, unit: u32) -> NativeFn {
        let engine = engine.clone();
        Rc::new(move |vm: &mut Vm, base: usize| Engine::enter(&engine, vm, base, unit))
    }

    fn to_slot(heap: &mut Vec<Value>, v: &Value, borrow: bool) -> Slot {
        if borrow {
            if let Some(s) = heapmod::borrow_slot(v) {
                return s;
            }
        }
        match v {
            Value::Nil => Slot::nil(),
            Value::Bool(b) => Slot::boolean(*b),
            Value::Int(i) => Slot::int(*i),
            Value::Float(f) => Slot::float(*f),
            Value::Module(m) => Slot { tag: TAG_MODULE, bits: *m as u64 },
            other => {
                heap.push(other.clone());
                Slot { tag: TAG_HEAP, bits: heap.len() as u64 - 1 }
            }
        }
    }

    /// Runs unit `unit` on the frame whose registers start at `vm.stack[base]`.
    fn enter(engine: &Rc<RefCell<Engine>>, vm: &mut Vm, base: usize, unit: u32) -> NativeExit {
        let mut e = engine.borrow_mut();
        let e = &mut *e;
        let func = e.units[unit as usize].func;
        let n = vm.functions[func as usize].num_regs;
        e.heap.clear();
        for r in 0..n {
            e.slots[r] = Engine::to_slot(&mut e.heap, &vm.stack[base + r], e.heap_layout.is_some());
        }
        e.ctx.depth_left = MAX_DEPTH as i64 - vm.frames.len() as i64;
        e.ctx.globals = vm.globals.as_mut_ptr();
        e.ctx.heap = &mut e.heap;
        e.ctx.exits.clear();
        e.ctx.exit_tags = &e.mem.exit_tags;
        let rec = &e.units[unit as usize];
        let (ptr, target, is_entry) = (rec.ptr, rec.target, rec.direct.is_some());
        let t0 = e.time_native.then(Instant::now);
        e.ctx.vm = vm as *mut Vm;
        // SAFETY: ptr is finalized code with the signature its unit kind was compiled with.
        let status = if let Some(shape) = &rec.shape {
            unsafe { entry::call(&mut *e.ctx, e.slots.as_mut_ptr(), target, unit, shape) }
        } else if is_entry {
            let code: extern "C" fn(*mut NativeCtx, *mut Slot, *const u8, u64) -> i64 =
                unsafe { std::mem::transmute(ptr) };
            code(&mut *e.ctx, e.slots.as_mut_ptr(), target, unit as u64)
        } else {
            let code: extern "C" fn(*mut NativeCtx, *mut Slot) -> i64 = unsafe { std::mem::transmute(ptr) };
            code(&mut *e.ctx, e.slots.as_mut_ptr())
        };
        if let Some(t0) = t0 {
            e.stats.native += t0.elapsed();
        }
        if status == STATUS_RETURNED {
            return NativeExit::Return(slot_value(&e.heap, e.slots[0]));
        }
        // Rebuild interpreter frames, outermost (the one the VM entered) first.
        let exits: Vec<ExitFrame> = e.ctx.exits.iter().rev().copied().collect();
        let end = exits
            .iter()
            .map(|x| x.window + vm.functions[e.units[x.unit as usize].func as usize].num_regs)
            .max()
            .unwrap_or(n);
        if vm.stack.len() < base + end + WINDOW {
            vm.stack.resize(base + end + WINDOW, Value::Nil);
        }
        // Only the registers each exiting frame wrote back: a caller frame
        // below its call's base, the innermost frame all of its registers.
        // Other slots may hold stale handles from earlier runs.
        let mut ranges = vec![];
        for (k, x) in exits.iter().enumerate() {
            let f = e.units[x.unit as usize].func as usize;
            let len = if k + 1 == exits.len() {
                vm.functions[f].num_regs
            } else {
                match vm.functions[f].code.get(x.pc as usize) {
                    Some(Instr::Call { base, .. } | Instr::CallMember { base, .. }) => *base as usize,
                    _ => vm.functions[f].num_regs,
                }
            };
            ranges.push(x.window..x.window + len);
        }
        // Own every value first: overwriting a register may drop the last
        // reference to an object another (borrowed) slot still points to.
        let vals: Vec<(usize, Value)> =
            ranges.into_iter().flatten().map(|r| (r, slot_value(&e.heap, e.slots[r]))).collect();
        for (r, v) in vals {
            vm.stack[base + r] = v;
        }
        let top = vm.frames.len() - 1;
        for (k, x) in exits.iter().enumerate() {
            let f = e.units[x.unit as usize].func;
            let innermost = k + 1 == exits.len();
            let pc = if innermost { x.pc } else { x.pc + 1 };
            if k == 0 {
                vm.frames[top].pc = pc;
            } else {
                // Its result goes where its caller's call instruction wants
                // it: the frame's first register, or for `m.g()` the
                // register before (which held the module).
                let b = (base + x.window) as u32;
                let caller = &exits[k - 1];
                let by_member = matches!(
                    vm.functions[e.units[caller.unit as usize].func as usize].code.get(caller.pc as usize),
                    Some(Instr::CallMember { .. })
                );
                vm.frames.push(Frame { func: f, pc, base: b, ret: if by_member { b - 1 } else { b } });
            }
        }
        let inner = *exits.last().expect("an exiting unit records its frame");
        let f = e.units[inner.unit as usize].func;
        e.stats.deopts += 1;
        // Which instruction was left to the interpreter, as `refuse` says it.
        let reason = match (inner.reason, vm.functions[f as usize].code.get(inner.pc as usize)) {
            (ExitReason::Unsupported, Some(i)) => format!("unsupported-op:{}", i.mnemonic()),
            (r, _) => r.as_str().into(),
        };
        e.event(TierEvent::Deopt { func: vm.function_name(f), pc: inner.pc, reason });
        // A unit that keeps failing its guards is replaced (fresher feedback) or dropped.
        if inner.reason == ExitReason::Entry
            && e.entry_units.get(&f).map(|(_, un, _, _)| *un) == Some(inner.unit)
        {
            e.generic_params.insert(f);
        }
        if inner.reason == ExitReason::Budget {
            // Not a failure: the run kept too many values alive. The
            // innermost loop around the exit, in the exiting frame or the
            // nearest native caller that has one, is entered natively again
            // at its next back edge (its OSR unit is reused).
            let threshold = vm.hot_loop_threshold;
            for x in exits.iter().rev() {
                let func = e.units[x.unit as usize].func as usize;
                let proto = vm.functions[func].proto.clone();
                let pc = x.pc as usize;
                let innermost = infer::loops(&proto)
                    .into_iter()
                    .filter(|(head, back)| *head <= pc && pc <= *back)
                    .min_by_key(|(head, back)| back - head);
                if let Some((_, back)) = innermost {
                    if let Instr::Loop { id, .. } | Instr::ForLoop { id, .. } = proto.code[back] {
                        if let Some(c) = vm.functions[func].loops.get_mut(id as usize) {
                            *c = threshold.saturating_sub(1);
                        }
                    }
                    break;
                }
            }
        }
        let counted = !matches!(
            inner.reason,
            ExitReason::Caller | ExitReason::Stack | ExitReason::Error | ExitReason::Budget
        );
        if counted {
            let u = &mut e.units[inner.unit as usize];
            u.deopts += 1;
            if u.deopts >= MAX_DEOPTS {
                u.deopts = 0;
                let r = e.recompiles.entry(f).or_insert(0);
                *r += 1;
                let give_up = *r > MAX_RECOMPILES;
                let is_entry = e.entry_units.get(&f).map(|(_, un, _, _)| *un) == Some(inner.unit);
                if is_entry {
                    e.entry_units.remove(&f);
                    vm.functions[f as usize].native = None;
                    if give_up {
                        e.refused.insert(f, "too-many-deopts".into());
                        e.stats.refused += 1;
                        e.event(TierEvent::Refuse {
                            func: vm.function_name(f),
                            reason: "too-many-deopts".into(),
                        });
                    } else {
                        // Next hot call compiles it again, from the feedback gathered since.
                        vm.functions[f as usize].calls = 0;
                    }
                }
            }
        }
        NativeExit::Deopt { pc: exits[exits.len() - 1].pc }
    }
}

/// The `Tier` the VM calls; shares the engine with the native entry closures.
pub struct JitTier(pub Rc<RefCell<Engine>>);

impl JitTier {
    /// Compiles `f`'s entry (and its callees) after `count` calls and makes
    /// the interpreter call the native code from now on; false if refused.
    fn compile_entry_now(&mut self, vm: &mut Vm, f: FnIdx, count: u64, t0: Instant) -> bool {
        let mut batch = vec![];
        let (compiled, linked) = {
            let mut e = self.0.borrow_mut();
            let compiled = e.compile_entry(vm, f, Reason::Calls, count, &mut batch).is_some();
            let linked = e.finalize(&batch);
            e.stats.compiling += t0.elapsed();
            (compiled, linked)
        };
        // (Callees compiled on the way are used even if `f` itself was not.)
        if linked {
            for (unit, _) in batch {
                let func = self.0.borrow().units[unit as usize].func;
                vm.functions[func as usize].native = Some(Engine::native_for(&self.0, unit));
            }
        }
        compiled && linked
    }
}

impl Tier for JitTier {
    fn on_hot_call(&mut self, vm: &mut Vm, f: FnIdx) {
        let t0 = Instant::now();
        if !self.0.borrow_mut().start(vm, f) {
            return;
        }
        let count = match self.0.borrow_mut().early_calls.remove(&f) {
            Some(real) => real as u64 + 1,
            None => vm.functions[f as usize].calls as u64,
        };
        self.compile_entry_now(vm, f, count, t0);
    }

    fn on_hot_loop(&mut self, vm: &mut Vm, f: FnIdx, header_pc: u32) -> Option<NativeFn> {
        let t0 = Instant::now();
        if !self.0.borrow_mut().start(vm, f) {
            return None;
        }
        let fr = *vm.frames.last()?;
        let (calls, osr_before) = {
            let e = self.0.borrow();
            // (A first OSR may have advanced the counter: the real count is kept.)
            (
                e.early_calls.get(&f).copied().unwrap_or(vm.functions[f as usize].calls),
                e.osr_units.contains_key(&(f, header_pc)),
            )
        };
        if calls >= OSR_MAX_CALLS && !osr_before && vm.functions[f as usize].native.is_none() {
            // The loop got hot across many short calls (nbody's `advance`
            // runs ten iterations a call): an OSR unit would serve the rest
            // of this one call. Compile the entry for the next calls and let
            // this call finish interpreted.
            if self.compile_entry_now(vm, f, calls as u64, t0) {
                return None;
            }
        }
        let mut e = self.0.borrow_mut();
        let (t_unit, nested0) = (Instant::now(), e.entry_compile_time);
        let proto = proto_of(vm, f);
        let n = proto.num_regs as usize;
        // Specialise to the live registers' current types; anything else
        // stays in its slot (a dead register needs no load or entry guard).
        let live = infer::live_in(&proto)[header_pc as usize];
        let entry: Vec<Ty> = (0..n)
            .map(|r| {
                if !infer::reg_live(&live, r) {
                    Ty::Slot
                } else {
                    match vm.stack[fr.base as usize + r] {
                        Value::Int(_) => Ty::Int,
                        Value::Float(_) => Ty::Float,
                        Value::Bool(_) => Ty::Bool,
                        Value::Array(_) if e.heap_layout.is_some() => Ty::Arr,
                        _ => Ty::Slot,
                    }
                }
            })
            .collect();
        let pc = header_pc as usize;
        let name = vm.function_name(f);
        if let Some((unit, _)) = e.osr_units.get(&(f, header_pc)).filter(|(_, types)| *types == entry) {
            let unit = *unit;
            e.stats.compiling += t0.elapsed();
            e.stats.osr_entries += 1;
            let count = vm.functions[f as usize].loops.iter().copied().max().unwrap_or(0) as u64;
            e.event(TierEvent::Osr { func: name, pc: header_pc, loop_count: count });
            drop(e);
            return Some(Engine::native_for(&self.0, unit));
        }
        let fb = vm.functions[f as usize].feedback.clone();
        let mut hints = e.hints(vm, f, &fb);
        let states = infer::infer(&proto, pc, entry.clone(), &hints);
        if let Some(why) = e.refusal(&proto, &states, &hints, Some(pc)) {
            e.stats.refused += 1;
            e.event(TierEvent::Refuse { func: name, reason: why });
            return None;
        }
        let mut batch = vec![];
        for (at, i) in proto.code.iter().enumerate() {
            if let (Some(g), Some(_)) = (call_target(vm, f, i), &states[at]) {
                e.compile_entry(vm, g, Reason::Callee, 0, &mut batch);
            }
        }
        // Again, with the callees' result types.
        hints.7 = e.ret_types();
        let states = infer::infer(&proto, pc, entry.clone(), &hints);
        let callee_ids = e.callee_units(vm, f, &proto, &states, &hints.7);
        let sig = lower::unit_signature(&mut e.mem);
        let id = e.mem.declare(&format!("{name}@{pc}"), &sig).ok()?;
        let unit = e.units.len() as u32;
        e.units.push(UnitRec {
            func: f,
            ptr: std::ptr::null(),
            deopts: 0,
            direct: None,
            target: std::ptr::null(),
            shape: None,
        });
        e.osr_units.insert((f, header_pc), (unit, entry.clone()));
        e.build(vm, &proto, unit, id, pc, entry, states, &hints, callee_ids, lower::Mode::Generic);
        batch.push((unit, id));
        let count = vm.functions[f as usize].loops.iter().copied().max().unwrap_or(0) as u64;
        // Its own time, as for an entry: callees compiled first have their own events.
        let time_us = t_unit.elapsed().saturating_sub(e.entry_compile_time - nested0).as_micros() as u64;
        e.stats.compiled += 1;
        e.event(TierEvent::Compile {
            func: name.clone(),
            reason: Reason::Loop { pc: header_pc },
            count,
            ops: proto.code.len(),
            time_us,
        });
        // A function called again and again whose loop got hot: its later
        // calls should not each start interpreted and OSR again at another
        // loop, so its entry is compiled too (on its next call if this is its first).
        let advanced = e.early_calls.contains_key(&f);
        let calls = e.early_calls.get(&f).copied().unwrap_or(vm.functions[f as usize].calls);
        if calls >= 2 && !advanced && vm.functions[f as usize].native.is_none() {
            e.compile_entry(vm, f, Reason::Calls, calls as u64, &mut batch);
        } else if calls < vm.hot_call_threshold {
            e.early_calls.insert(f, calls);
            vm.functions[f as usize].calls = vm.hot_call_threshold - 1;
        }
        let ok = e.finalize(&batch);
        e.stats.compiling += t0.elapsed();
        if !ok {
            return None;
        }
        e.stats.osr_entries += 1;
        e.event(TierEvent::Osr { func: name, pc: header_pc, loop_count: count });
        drop(e);
        for (u, _) in batch.iter().filter(|(u, _)| *u != unit) {
            let func = self.0.borrow().units[*u as usize].func;
            vm.functions[func as usize].native = Some(Engine::native_for(&self.0, *u));
        }
        Some(Engine::native_for(&self.0, unit))
    }
}
