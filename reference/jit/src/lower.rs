//! Bytecode -> Cranelift IR for one compiled unit (a whole function entered
//! at pc 0, or an OSR entry at a loop header), using the register types
//! from [`crate::infer`]. Every place where the assumptions could be wrong
//! or the instruction could raise gets a guard whose failure writes the live
//! registers back to the slot window and leaves to the interpreter at that pc.

use crate::abi::{
    ExitReason, Slot, CTX_DEPTH_LEFT, CTX_GLOBALS, STATUS_EXITED, STATUS_RETURNED, TAG_ARRAY, TAG_BOOL,
    TAG_FLOAT, TAG_INT, TAG_MODULE, TAG_NIL, TAG_RECORD, VALUE_BITS_OFF, VALUE_BOOL_OFF, VALUE_MODULE_OFF,
    VALUE_SIZE, VALUE_TAG_FIRST_HEAP, VALUE_TAG_UNDEF,
};
use crate::codemem::CodeMemory;
use crate::infer::{plan, reads, step, target, ExitKind, HeapCheck, Hints, Plan, Ty};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, AliasRegionData, Block, BlockArg, InstBuilder, MemFlagsData, Signature, Value,
};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_module::{FuncId, Module};
use tern_bytecode::{Builtin, FunctionProto, Instr};

const SLOT: i64 = std::mem::size_of::<Slot>() as i64;

pub fn unit_signature(mem: &mut CodeMemory) -> Signature {
    let ptr = mem.pointer_type();
    let mut sig = mem.module().make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// Parameters of a direct (native-to-native) entry: Int/Bool as one i64,
/// Float as one f64, anything else (Dyn) as tag + bits.
pub fn direct_signature(mem: &mut CodeMemory, params: &[Ty]) -> Signature {
    let ptr = mem.pointer_type();
    let mut sig = mem.module().make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(types::I64)); // calls still allowed (depth limit)
    for p in params {
        match p {
            // (An array: its box pointer.)
            Ty::Int | Ty::Bool | Ty::Arr => sig.params.push(AbiParam::new(types::I64)),
            Ty::Float => sig.params.push(AbiParam::new(types::F64)),
            _ => {
                sig.params.push(AbiParam::new(types::I64));
                sig.params.push(AbiParam::new(types::I64));
            }
        }
    }
    // (tag, bits) of the result, or (EXITED_TAG, 0)
    sig.returns.push(AbiParam::new(types::I64));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// The result tag of a direct call whose frames left to the interpreter.
pub const EXITED_TAG: i64 = -1;

/// How a unit is entered.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// `unit_signature`: from the interpreter (OSR), registers in the slot window.
    Generic,
    /// `direct_signature(params)`: a function called natively, parameters in machine registers.
    Direct(Vec<Ty>),
}

/// What the lowering needs to know about other functions of the module.
pub trait Callees {
    /// The direct entry to call for `f`, its parameter types and the result type the caller was inferred with.
    fn unit_for(&mut self, f: u32, nargs: u8) -> Option<(FuncId, Vec<Ty>, Ty)>;
}

struct Exit {
    block: Block,
    pc: usize,
    reason: ExitReason,
    state: Vec<Ty>,
    /// Only registers below this are written back (frames under a call).
    limit: usize,
    write: bool,
}

struct Lower<'a, 'b> {
    b: FunctionBuilder<'a>,
    f: &'b FunctionProto,
    vt: Vec<Variable>,
    vi: Vec<Variable>,
    vf: Vec<Variable>,
    ctx: Value,
    regs: Value,
    exits: Vec<Exit>,
    edges: Vec<(Block, Vec<Ty>, Vec<Ty>, Block)>,
    entry_pc: usize,
    /// Registers holding a prologue constant everywhere (see `infer::prologue_consts`).
    known: Vec<Option<crate::infer::Known>>,
    /// Native calls still allowed below this frame.
    depth: Variable,
    /// The depth was checked earlier in this straight-line stretch of
    /// instructions (it never changes within a frame): a second call there
    /// needs no check, and no compare result live across the first call.
    depth_checked: bool,
    direct: bool,
    /// Instructions whose only way in is falling through from the previous
    /// one: they continue its cranelift block instead of starting their own
    /// (fewer blocks and jumps for cranelift to compile).
    sole_fallthrough: Vec<bool>,
    /// Set when the previous instruction did continue into this one.
    continued: Vec<bool>,
    /// Memory flags of the two alias regions native code reads heap memory
    /// through: `values` (the `Value`s in fields, array elements and
    /// globals, which native code stores to) and `headers` (a record's shape
    /// and fields pointer, an array's data pointer and length, which only
    /// Rust changes, inside helper calls). Every access to either kind of
    /// memory carries its region, so that cranelift's alias analysis may
    /// reuse a header load across stores to fields (nbody's inner loop
    /// reloaded a record's fields pointer after each field it stored).
    values: MemFlagsData,
    headers: MemFlagsData,
    /// Registers live on entry to each pc (`infer::live_in`).
    live: Vec<crate::infer::RegSet>,
    /// The pc each instruction block starts (jumps there fix up only live registers).
    block_pc: std::collections::HashMap<Block, usize>,
    /// The pcs this unit compiles (reachable from its entry).
    reached: Vec<usize>,
    /// `abi::tern_jit_store`, `abi::tern_jit_new_record`.
    store_fn: cranelift_codegen::ir::FuncRef,
    new_record_fn: cranelift_codegen::ir::FuncRef,
    /// `abi::tern_jit_new_array`, `abi::tern_jit_array_push`.
    new_array_fn: cranelift_codegen::ir::FuncRef,
    array_push_fn: cranelift_codegen::ir::FuncRef,
}

/// Register r needs no fixup going from state `from` to `to`: the same
/// representation, or dead there (never read again, so not worth loading or tagging).
fn settled(from: &[Ty], to: &[Ty], live: Option<crate::infer::RegSet>, r: usize) -> bool {
    from[r] == to[r] || live.is_some_and(|l| !crate::infer::reg_live(&l, r))
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

pub(crate) fn tag_of(t: Ty) -> u64 {
    match t {
        Ty::Nil => TAG_NIL,
        Ty::Bool => TAG_BOOL,
        Ty::Int => TAG_INT,
        Ty::Float => TAG_FLOAT,
        Ty::Arr => TAG_ARRAY,
        Ty::Rec(_) => TAG_RECORD,
        Ty::Mod => TAG_MODULE,
        Ty::Slot | Ty::Dyn => unreachable!("no static tag"),
    }
}

impl<'a, 'b> Lower<'a, 'b> {
    fn slot_off(r: usize) -> i32 {
        (r as i64 * SLOT) as i32
    }

    fn load_slot(&mut self, r: usize) {
        let tag = self.b.ins().load(types::I64, flags(), self.regs, Self::slot_off(r));
        let bits = self.b.ins().load(types::I64, flags(), self.regs, Self::slot_off(r) + 8);
        self.b.def_var(self.vt[r], tag);
        self.b.def_var(self.vi[r], bits);
    }

    /// The 64 payload bits of register r in state t.
    fn bits(&mut self, r: usize, t: Ty) -> Value {
        match t {
            Ty::Nil => self.b.ins().iconst(types::I64, 0),
            Ty::Float => {
                let f = self.b.use_var(self.vf[r]);
                self.b.ins().bitcast(types::I64, MemFlagsData::new(), f)
            }
            _ => self.b.use_var(self.vi[r]),
        }
    }

    fn tag(&mut self, r: usize, t: Ty) -> Value {
        match t {
            Ty::Dyn => self.b.use_var(self.vt[r]),
            t => self.b.ins().iconst(types::I64, tag_of(t) as i64),
        }
    }

    fn store_reg(&mut self, r: usize, t: Ty, to: usize) {
        if t == Ty::Slot {
            return;
        }
        let tag = self.tag(r, t);
        let bits = self.bits(r, t);
        self.b.ins().store(flags(), tag, self.regs, Self::slot_off(to));
        self.b.ins().store(flags(), bits, self.regs, Self::slot_off(to) + 8);
    }

    fn exit_to(&mut self, pc: usize, reason: ExitReason, state: &[Ty], limit: usize, write: bool) -> Block {
        // Guards of one instruction share its exit (same pc, same state).
        if let Some(e) = self.exits.iter().rev().take(4).find(|e| {
            e.pc == pc && e.reason == reason && e.limit == limit && e.write == write && e.state == state
        }) {
            return e.block;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.exits.push(Exit { block, pc, reason, state: state.to_vec(), limit, write });
        block
    }

    /// Leaves at pc unconditionally (the current block ends here), writing
    /// back every register of `state`.
    fn leave(&mut self, pc: usize, reason: ExitReason, state: &[Ty]) {
        let exit = self.exit_to(pc, reason, state, state.len(), true);
        self.b.ins().jump(exit, &[]);
    }

    /// Continue in a fresh block if `ok`, else leave at pc.
    fn guard(&mut self, ok: Value, pc: usize, reason: ExitReason, state: &[Ty]) {
        let exit = self.exit_to(pc, reason, state, state.len(), true);
        let cont = self.b.create_block();
        self.b.ins().brif(ok, cont, &[], exit, &[]);
        self.b.switch_to_block(cont);
    }

    /// Guards Dyn register r to type t (a float also gets its float variable).
    fn guard_reg(&mut self, r: usize, t: Ty, pc: usize, before: &[Ty]) {
        let tag = self.b.use_var(self.vt[r]);
        let ok = self.b.ins().icmp_imm_s(IntCC::Equal, tag, tag_of(t) as i64);
        self.guard(ok, pc, guard_reason(t), before);
        if t == Ty::Float {
            let bits = self.b.use_var(self.vi[r]);
            let fv = self.b.ins().bitcast(types::F64, MemFlagsData::new(), bits);
            self.b.def_var(self.vf[r], fv);
        }
    }

    /// Makes the registers' representation match what `to` expects, for
    /// the registers in `live`: a dead one is never read again, and loading
    /// or tagging it would only give cranelift more to compile.
    fn fixup(&mut self, from: &[Ty], to: &[Ty], live: Option<crate::infer::RegSet>) {
        for r in 0..from.len() {
            let (s, t) = (from[r], to[r]);
            if settled(from, to, live, r) {
                continue;
            }
            debug_assert_eq!(t, Ty::Dyn, "joins only widen to Dyn");
            match s {
                // A natively called frame's slots were never filled: a
                // register not written yet on this path holds nothing worth
                // loading (possibly a handle left by an earlier run), and no
                // instruction reads it before writing it. Nil is safe.
                Ty::Slot if self.direct && r >= self.f.arity as usize => {
                    let nil = self.b.ins().iconst(types::I64, TAG_NIL as i64);
                    let zero = self.b.ins().iconst(types::I64, 0);
                    self.b.def_var(self.vt[r], nil);
                    self.b.def_var(self.vi[r], zero);
                }
                Ty::Slot => self.load_slot(r),
                Ty::Dyn => {}
                s => {
                    let tag = self.b.ins().iconst(types::I64, tag_of(s) as i64);
                    self.b.def_var(self.vt[r], tag);
                    if matches!(s, Ty::Float | Ty::Nil) {
                        let bits = self.bits(r, s);
                        self.b.def_var(self.vi[r], bits);
                    }
                }
            }
        }
    }

    /// The registers live where block `to` starts, if it is an instruction's block.
    fn live_at(&self, to: Block) -> Option<crate::infer::RegSet> {
        self.block_pc.get(&to).map(|pc| self.live[*pc])
    }

    fn jump(&mut self, from: &[Ty], to_state: &[Ty], to: Block) {
        let live = self.live_at(to);
        self.fixup(from, to_state, live);
        self.b.ins().jump(to, &[]);
    }

    /// A block that fixes up the representation, then jumps to `to`
    /// (filled in by `flush_edges` once the current block is terminated);
    /// `to` itself when there is nothing to fix up (a block less for
    /// cranelift: it splits the critical edges it must itself).
    fn edge(&mut self, from: &[Ty], to_state: &[Ty], to: Block) -> Block {
        let live = self.live_at(to);
        if (0..from.len()).all(|r| settled(from, to_state, live, r)) {
            return to;
        }
        let e = self.b.create_block();
        self.edges.push((e, from.to_vec(), to_state.to_vec(), to));
        e
    }

    /// `brif`, or a plain jump when both ways lead to the same block.
    fn branch(&mut self, c: Value, then: Block, otherwise: Block) {
        if then == otherwise {
            self.b.ins().jump(then, &[]);
        } else {
            self.b.ins().brif(c, then, &[], otherwise, &[]);
        }
    }

    fn flush_edges(&mut self) {
        for (e, from, to_state, to) in std::mem::take(&mut self.edges) {
            self.b.switch_to_block(e);
            self.jump(&from, &to_state, to);
        }
    }

    /// Exits that write back the same registers with the same types share
    /// one write-back block (pc and reason arrive as block arguments): most
    /// exits of a loop body store the same live set, and cranelift's compile
    /// time grows with every store it sees.
    ///
    /// Static tags are not stored inline either: each exit passes a list of
    /// (register, tag) pairs that `tern_jit_exit` writes, with nil for the
    /// registers it clears, so the block stores only payloads (and the tags
    /// of `Dyn` registers).
    fn emit_exits(
        &mut self,
        unit: u32,
        exit_fn: cranelift_codegen::ir::FuncRef,
        tag_lists: &mut Vec<Vec<(u16, u64)>>,
    ) {
        let exits = std::mem::take(&mut self.exits);
        let live = std::mem::take(&mut self.live);
        // An entry from the interpreter (OSR) copied the whole frame into the
        // slots, and nothing but an exit writes this frame's slots: a register
        // no instruction of the unit writes needs no store. A natively called
        // frame's slots were never filled, so it stores everything live.
        let clean: crate::infer::RegSet = if self.direct {
            [0; 4]
        } else {
            let w = crate::infer::written(self.f, self.reached.iter().copied());
            [!w[0], !w[1], !w[2], !w[3]]
        };
        let mut shared: std::collections::HashMap<(Vec<(usize, Ty)>, u64), Block> =
            std::collections::HashMap::new();
        let mut list_ids: std::collections::HashMap<Vec<(u16, u64)>, u64> = std::collections::HashMap::new();
        let mut pending = vec![];
        for e in exits {
            let mut tags = vec![];
            let mut stores = vec![];
            if e.write {
                // Only registers the interpreter will read again (a caller
                // frame resumes after its call: what is live there).
                let mut want = live[e.pc];
                if e.reason == ExitReason::Caller {
                    if let Some(after) = live.get(e.pc + 1) {
                        for k in 0..4 {
                            want[k] |= after[k];
                        }
                    }
                }
                for r in 0..e.limit.min(e.state.len()) {
                    let stale = e.state[r] == Ty::Slot && self.entry_pc == 0 && r >= self.f.arity as usize;
                    if crate::infer::reg_live(&want, r) && !stale {
                        let t = e.state[r];
                        if t != Ty::Slot && !crate::infer::reg_live(&clean, r) {
                            if t != Ty::Dyn {
                                tags.push((r as u16, tag_of(t)));
                            }
                            if t != Ty::Nil {
                                stores.push((r, t));
                            }
                        }
                    } else {
                        // Dead, or never written in this (natively called) frame: the
                        // slot may hold a stale handle from an earlier run, which
                        // must not be turned back into a value. `tern_jit_exit`
                        // clears these from a list: as inline stores they were
                        // most of the exit code cranelift had to compile.
                        tags.push((r as u16, TAG_NIL));
                    }
                }
            }
            let list = if tags.is_empty() {
                0
            } else {
                *list_ids.entry(tags.clone()).or_insert_with(|| {
                    tag_lists.push(tags);
                    tag_lists.len() as u64 - 1
                })
            };
            let key = (stores, list);
            let target = match shared.get(&key) {
                Some(t) => *t,
                None => {
                    let t = self.b.create_block();
                    self.b.set_cold_block(t);
                    self.b.append_block_param(t, types::I64);
                    self.b.append_block_param(t, types::I64);
                    shared.insert(key.clone(), t);
                    pending.push((t, key.0));
                    t
                }
            };
            self.b.switch_to_block(e.block);
            let pc = self.b.ins().iconst(types::I64, e.pc as i64);
            let reason = self
                .b
                .ins()
                .iconst(types::I64, (e.reason as u64 | list << crate::abi::EXIT_LIST_SHIFT) as i64);
            self.b.ins().jump(target, &[BlockArg::Value(pc), BlockArg::Value(reason)]);
        }
        for (t, stores) in pending {
            self.b.switch_to_block(t);
            let (pc, reason) = (self.b.block_params(t)[0], self.b.block_params(t)[1]);
            for (r, ty) in stores {
                if ty == Ty::Dyn {
                    self.store_reg(r, ty, r);
                } else {
                    let bits = self.bits(r, ty);
                    self.b.ins().store(flags(), bits, self.regs, Self::slot_off(r) + 8);
                }
            }
            let unit = self.b.ins().iconst(types::I64, unit as i64);
            self.b.ins().call(exit_fn, &[self.ctx, unit, pc, reason, self.regs]);
            self.return_exited();
        }
    }
}

impl Lower<'_, '_> {
    /// After a helper that makes a value into r[dst] (`abi::tern_jit_new_*`):
    /// status 1, nothing made (the interpreter runs the instruction and
    /// raises); 2, made, but the run keeps too many values alive: it leaves
    /// after the instruction.
    fn made_by_helper(&mut self, status: Value, dst: usize, pc: usize, before: &[Ty], after: &[Ty]) {
        let made = self.b.ins().icmp_imm_s(IntCC::NotEqual, status, 1);
        self.guard(made, pc, ExitReason::Error, before);
        self.load_slot(dst);
        let within = self.b.ins().icmp_imm_s(IntCC::NotEqual, status, 2);
        let exit = self.exit_to(pc + 1, ExitReason::Budget, after, after.len(), true);
        let cont = self.b.create_block();
        self.b.ins().brif(within, cont, &[], exit, &[]);
        self.b.switch_to_block(cont);
    }

    fn return_exited(&mut self) {
        if self.direct {
            let t = self.b.ins().iconst(types::I64, EXITED_TAG);
            let z = self.b.ins().iconst(types::I64, 0);
            self.b.ins().return_(&[t, z]);
        } else {
            let st = self.b.ins().iconst(types::I64, STATUS_EXITED);
            self.b.ins().return_(&[st]);
        }
    }

    /// Returns register r (state t) to the caller.
    fn return_value(&mut self, r: usize, t: Ty) {
        if self.direct {
            let (tag, bits) = if t == Ty::Slot {
                self.load_slot(r);
                (self.b.use_var(self.vt[r]), self.b.use_var(self.vi[r]))
            } else {
                (self.tag(r, t), self.bits(r, t))
            };
            self.b.ins().return_(&[tag, bits]);
        } else {
            self.store_reg(r, t, 0);
            let st = self.b.ins().iconst(types::I64, STATUS_RETURNED);
            self.b.ins().return_(&[st]);
        }
    }
}

fn guard_reason(t: Ty) -> ExitReason {
    match t {
        Ty::Int => ExitReason::GuardInt,
        Ty::Float => ExitReason::GuardFloat,
        Ty::Bool => ExitReason::GuardBool,
        _ => ExitReason::GuardType,
    }
}

pub struct Unit<'x> {
    pub f: &'x FunctionProto,
    pub id: u32,
    pub entry_pc: usize,
    /// Register types at entry: concrete ones are loaded and checked.
    pub entry: Vec<Ty>,
    pub states: Vec<Option<Vec<Ty>>>,
    pub mode: Mode,
}

/// Builds the unit's IR into `mem.ctx` (the caller defines it).
pub fn lower(
    mem: &mut CodeMemory,
    u: &Unit,
    hints: &dyn Hints,
    callees: &mut dyn Callees,
    exit_helper: FuncId,
    (fmod_helper, builtin_helper): (FuncId, FuncId),
) -> Result<(), String> {
    let sig = match &u.mode {
        Mode::Generic => unit_signature(mem),
        Mode::Direct(p) => direct_signature(mem, p),
    };
    mem.ctx.func.signature = sig;
    let target_cfg = mem.module().target_config();
    // Resolve callees first: it may compile them, which needs `mem`.
    let mut callee_ids = std::collections::HashMap::new();
    for (pc, i) in u.f.code.iter().enumerate() {
        match (i, &u.states[pc]) {
            (Instr::Call { nargs, f, .. }, Some(_)) => {
                callee_ids.insert(pc, callees.unit_for(*f, *nargs));
            }
            (Instr::CallMember { nargs, site, .. }, Some(_)) => {
                if let Some((_, f)) = hints.member(*site) {
                    callee_ids.insert(pc, callees.unit_for(f, *nargs));
                }
            }
            _ => {}
        }
    }
    let store_helper = mem.helper("tern_jit_store");
    let new_record_helper = mem.helper("tern_jit_new_record");
    let (new_array_helper, array_push_helper) =
        (mem.helper("tern_jit_new_array"), mem.helper("tern_jit_array_push"));
    let mut func = std::mem::replace(&mut mem.ctx.func, cranelift_codegen::ir::Function::new());
    let mut refs = std::collections::HashMap::new();
    {
        let module = mem.module();
        let exit_ref = module.declare_func_in_func(exit_helper, &mut func);
        let fmod_ref = module.declare_func_in_func(fmod_helper, &mut func);
        let builtin_ref = module.declare_func_in_func(builtin_helper, &mut func);
        let store_ref = module.declare_func_in_func(store_helper, &mut func);
        let new_record_ref = module.declare_func_in_func(new_record_helper, &mut func);
        let new_array_ref = module.declare_func_in_func(new_array_helper, &mut func);
        let array_push_ref = module.declare_func_in_func(array_push_helper, &mut func);
        for (pc, id) in &callee_ids {
            if let Some((id, spec, ret)) = id {
                refs.insert(*pc, (module.declare_func_in_func(*id, &mut func), spec.clone(), *ret));
            }
        }
        let region = |func: &mut cranelift_codegen::ir::Function, user_id, description: &'static str| {
            let r =
                func.dfg.alias_regions.insert(AliasRegionData { user_id, description: description.into() });
            flags().with_alias_region(Some(r))
        };
        let (values, headers) = (region(&mut func, 1, "values"), region(&mut func, 2, "headers"));
        let b = FunctionBuilder::new(&mut func, &mut mem.fctx);
        let n = u.f.num_regs as usize;
        let mut b = b;
        let depth = b.declare_var(types::I64);
        let mut l = Lower {
            b,
            f: u.f,
            vt: vec![],
            vi: vec![],
            vf: vec![],
            ctx: Value::from_u32(0),
            regs: Value::from_u32(0),
            exits: vec![],
            edges: vec![],
            entry_pc: u.entry_pc,
            known: crate::infer::prologue_consts(u.f),
            depth,
            depth_checked: false,
            direct: matches!(u.mode, Mode::Direct(_)),
            sole_fallthrough: vec![],
            continued: vec![false; u.f.code.len()],
            reached: u.states.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(pc, _)| pc).collect(),
            values,
            headers,
            live: crate::infer::live_in(u.f),
            block_pc: Default::default(),
            store_fn: store_ref,
            new_record_fn: new_record_ref,
            new_array_fn: new_array_ref,
            array_push_fn: array_push_ref,
        };
        for _ in 0..n {
            let t = l.b.declare_var(types::I64);
            let i = l.b.declare_var(types::I64);
            let f = l.b.declare_var(types::F64);
            l.vt.push(t);
            l.vi.push(i);
            l.vf.push(f);
        }
        let entry = l.b.create_block();
        l.b.append_block_params_for_function_params(entry);
        l.b.switch_to_block(entry);
        l.ctx = l.b.block_params(entry)[0];
        l.regs = l.b.block_params(entry)[1];
        match &u.mode {
            Mode::Generic => {
                let d = l.b.ins().load(types::I64, flags(), l.ctx, CTX_DEPTH_LEFT);
                l.b.def_var(l.depth, d);
            }
            Mode::Direct(params) => {
                let ps = l.b.block_params(entry).to_vec();
                l.b.def_var(l.depth, ps[2]);
                let mut k = 3;
                for (r, t) in params.iter().enumerate() {
                    match t {
                        Ty::Int | Ty::Bool | Ty::Arr => l.b.def_var(l.vi[r], ps[k]),
                        Ty::Float => l.b.def_var(l.vf[r], ps[k]),
                        _ => {
                            l.b.def_var(l.vt[r], ps[k]);
                            k += 1;
                            l.b.def_var(l.vi[r], ps[k]);
                        }
                    }
                    k += 1;
                }
            }
        }
        let blocks: Vec<Option<Block>> =
            u.states.iter().map(|s| s.as_ref().map(|_| l.b.create_block())).collect();
        l.block_pc = blocks.iter().enumerate().filter_map(|(pc, b)| b.map(|b| (b, pc))).collect();
        // Entry guards: nothing has run yet, so failing ones write nothing back.
        let slot_state = vec![Ty::Slot; n];
        let known = l.known.clone();
        // All entry tags are checked with one branch: a block per register
        // was most of the blocks of a small loop's unit.
        let mut mismatch = None;
        #[allow(clippy::needless_range_loop, reason = "r indexes several per-register tables")]
        for r in 0..n {
            let t = u.entry[r];
            if t == Ty::Slot || l.direct {
                continue;
            }
            // Set once by the prologue, which already ran: the constant itself.
            match (t, known[r]) {
                (Ty::Int, Some(crate::infer::Known::Int(v))) => {
                    let c = l.b.ins().iconst(types::I64, v);
                    l.b.def_var(l.vi[r], c);
                    continue;
                }
                (Ty::Float, Some(crate::infer::Known::Float(v))) => {
                    let c = l.b.ins().f64const(v);
                    l.b.def_var(l.vf[r], c);
                    continue;
                }
                _ => {}
            }
            l.load_slot(r);
            let tag = l.b.use_var(l.vt[r]);
            let diff = l.b.ins().bxor_imm_s(tag, tag_of(t) as i64);
            mismatch = Some(match mismatch {
                Some(m) => l.b.ins().bor(m, diff),
                None => diff,
            });
            if t == Ty::Float {
                let bits = l.b.use_var(l.vi[r]);
                let f = l.b.ins().bitcast(types::F64, MemFlagsData::new(), bits);
                l.b.def_var(l.vf[r], f);
            }
        }
        if let Some(m) = mismatch {
            let exit = l.exit_to(u.entry_pc, ExitReason::Entry, &slot_state, 0, false);
            let cont = l.b.create_block();
            l.b.ins().brif(m, exit, &[], cont, &[]);
            l.b.switch_to_block(cont);
        }
        let first = blocks[u.entry_pc].ok_or("entry pc unreachable")?;
        let entry_state = u.states[u.entry_pc].clone().unwrap();
        l.jump(&u.entry, &entry_state, first);

        let mut preds = vec![0u32; u.f.code.len()];
        preds[u.entry_pc] += 1;
        for (pc, st) in u.states.iter().enumerate() {
            if let Some(st) = st {
                for (to, _) in step(u.f, pc, st, hints) {
                    if let Some(p) = preds.get_mut(to) {
                        *p += 1;
                    }
                }
            }
        }
        l.sole_fallthrough = preds.iter().map(|p| *p == 1).collect();
        for pc in 0..u.f.code.len() {
            let Some(before) = u.states[pc].clone() else { continue };
            if !l.continued[pc] {
                l.b.switch_to_block(blocks[pc].unwrap());
                l.depth_checked = false;
            }
            lower_instr(
                &mut l,
                pc,
                &before,
                &u.states,
                &blocks,
                hints,
                refs.get(&pc).cloned(),
                (fmod_ref, builtin_ref),
            )?;
            l.flush_edges();
        }
        l.emit_exits(u.id, exit_ref, &mut mem.exit_tags);
        l.b.seal_all_blocks();
        l.b.finalize(target_cfg);
    }
    mem.ctx.func = func;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn lower_instr(
    l: &mut Lower,
    pc: usize,
    before: &[Ty],
    states: &[Option<Vec<Ty>>],
    blocks: &[Option<Block>],
    hints: &dyn Hints,
    callee: Option<(cranelift_codegen::ir::FuncRef, Vec<Ty>, Ty)>,
    (fmod, builtin_fn): (cranelift_codegen::ir::FuncRef, cranelift_codegen::ir::FuncRef),
) -> Result<(), String> {
    use Instr::*;
    let f = l.f;
    let instr = f.code[pc];
    let p = plan(f, pc, before, hints);
    if let Plan::Exit(kind) = p {
        let reason = if kind == ExitKind::Unsupported { ExitReason::Unsupported } else { ExitReason::Error };
        l.leave(pc, reason, before);
        return Ok(());
    }
    // Load operands still in the window, then check their types.
    let mut s = before.to_vec();
    for r in reads(&instr) {
        if s[r as usize] == Ty::Slot {
            l.load_slot(r as usize);
            s[r as usize] = Ty::Dyn;
        }
    }
    let typed = if let Plan::Typed(t) = p { t } else { Ty::Dyn };
    if let Plan::Typed(t) = p {
        // Typed(Slot): a helper call, which checks its arguments itself;
        // Typed(Dyn): an identity comparison, which checks its tags itself.
        if !matches!(instr, Call { .. }) && t != Ty::Slot && t != Ty::Dyn {
            let mut seen = vec![];
            for r in reads(&instr) {
                let r = r as usize;
                if s[r] != Ty::Dyn || seen.contains(&r) {
                    continue;
                }
                seen.push(r);
                l.guard_reg(r, t, pc, before);
                s[r] = t;
            }
        }
    }
    let succs = step(f, pc, before, hints);
    let goto = |pc: usize| blocks[pc].unwrap();
    let st = |pc: usize| states[pc].clone().unwrap();
    let next = pc + 1;
    macro_rules! fallthrough {
        ($l:expr) => {{
            let out = &succs[0].1;
            if $l.edges.is_empty() && $l.sole_fallthrough.get(next) == Some(&true) && states[next].is_some() {
                let live = $l.live[next];
                $l.fixup(out, &st(next), Some(live));
                $l.continued[next] = true;
            } else {
                $l.jump(out, &st(next), goto(next));
            }
        }};
    }
    let vi = |l: &mut Lower, r: u8| l.b.use_var(l.vi[r as usize]);
    let vf = |l: &mut Lower, r: u8| l.b.use_var(l.vf[r as usize]);
    match instr {
        Nil { .. } => fallthrough!(l),
        Bool { dst, v } => {
            let c = l.b.ins().iconst(types::I64, v as i64);
            l.b.def_var(l.vi[dst as usize], c);
            fallthrough!(l)
        }
        Int { dst, v } => {
            let c = l.b.ins().iconst(types::I64, v as i64);
            l.b.def_var(l.vi[dst as usize], c);
            fallthrough!(l)
        }
        Const { dst, k } => {
            match f.consts[k as usize] {
                tern_bytecode::Const::Int(v) => {
                    let c = l.b.ins().iconst(types::I64, v);
                    l.b.def_var(l.vi[dst as usize], c);
                }
                tern_bytecode::Const::Float(v) => {
                    let c = l.b.ins().f64const(v);
                    l.b.def_var(l.vf[dst as usize], c);
                }
                tern_bytecode::Const::Str(_) => unreachable!("planned as exit"),
            }
            fallthrough!(l)
        }
        Move { dst, src } => {
            let (d, sr) = (dst as usize, src as usize);
            match s[sr] {
                Ty::Nil => {}
                Ty::Float => {
                    let v = vf(l, src);
                    l.b.def_var(l.vf[d], v);
                }
                Ty::Dyn => {
                    let t = l.b.use_var(l.vt[sr]);
                    l.b.def_var(l.vt[d], t);
                    let v = vi(l, src);
                    l.b.def_var(l.vi[d], v);
                }
                _ => {
                    let v = vi(l, src);
                    l.b.def_var(l.vi[d], v);
                }
            }
            fallthrough!(l)
        }
        Add { dst, a, b } | Sub { dst, a, b } | Mul { dst, a, b } | Div { dst, a, b } | Rem { dst, a, b } => {
            if typed == Ty::Int {
                let (x, y) = (vi(l, a), vi(l, b));
                let r = match instr {
                    Add { .. } => l.b.ins().iadd(x, y),
                    Sub { .. } => l.b.ins().isub(x, y),
                    Mul { .. } => l.b.ins().imul(x, y),
                    _ if matches!(l.known[b as usize], Some(crate::infer::Known::Int(v)) if v != 0 && v != -1) =>
                    {
                        // A constant divisor: no guards, and cranelift divides by multiplying.
                        let Some(crate::infer::Known::Int(v)) = l.known[b as usize] else { unreachable!() };
                        let c = l.b.ins().iconst(types::I64, v);
                        if matches!(instr, Div { .. }) {
                            l.b.ins().sdiv(x, c)
                        } else {
                            l.b.ins().srem(x, c)
                        }
                    }
                    _ => {
                        let nonzero = l.b.ins().icmp_imm_s(IntCC::NotEqual, y, 0);
                        l.guard(nonzero, pc, ExitReason::Error, before);
                        // MIN / -1 traps in hardware; Tern wraps (MIN / -1 == MIN, MIN % -1 == 0).
                        let minus1 = l.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                        let one = l.b.ins().iconst(types::I64, 1);
                        let safe = l.b.ins().select(minus1, one, y);
                        if matches!(instr, Div { .. }) {
                            let q = l.b.ins().sdiv(x, safe);
                            let neg = l.b.ins().ineg(x);
                            l.b.ins().select(minus1, neg, q)
                        } else {
                            l.b.ins().srem(x, safe)
                        }
                    }
                };
                l.b.def_var(l.vi[dst as usize], r);
            } else {
                let (x, y) = (vf(l, a), vf(l, b));
                let r = match instr {
                    Add { .. } => l.b.ins().fadd(x, y),
                    Sub { .. } => l.b.ins().fsub(x, y),
                    Mul { .. } => l.b.ins().fmul(x, y),
                    Div { .. } => l.b.ins().fdiv(x, y),
                    _ => {
                        let call = l.b.ins().call(fmod, &[x, y]);
                        l.b.inst_results(call)[0]
                    }
                };
                l.b.def_var(l.vf[dst as usize], r);
            }
            fallthrough!(l)
        }
        AddI { dst, a, v } => {
            let x = vi(l, a);
            let r = l.b.ins().iadd_imm_s(x, v as i64);
            l.b.def_var(l.vi[dst as usize], r);
            fallthrough!(l)
        }
        Eq { dst, a, b }
        | Ne { dst, a, b }
        | Lt { dst, a, b }
        | Le { dst, a, b }
        | Gt { dst, a, b }
        | Ge { dst, a, b } => {
            let c = if typed == Ty::Dyn {
                identity(l, &instr, &s, a, b, pc, before)
            } else {
                compare(l, &instr, typed, a, b)
            };
            let c = l.b.ins().uextend(types::I64, c);
            l.b.def_var(l.vi[dst as usize], c);
            fallthrough!(l)
        }
        Neg { dst, src } => {
            if typed == Ty::Int {
                let x = vi(l, src);
                let r = l.b.ins().ineg(x);
                l.b.def_var(l.vi[dst as usize], r);
            } else {
                let x = vf(l, src);
                let r = l.b.ins().fneg(x);
                l.b.def_var(l.vf[dst as usize], r);
            }
            fallthrough!(l)
        }
        Not { dst, src } => {
            let x = vi(l, src);
            let r = l.b.ins().bxor_imm_s(x, 1);
            l.b.def_var(l.vi[dst as usize], r);
            fallthrough!(l)
        }
        GetGlobal { dst, g } if typed == Ty::Dyn => {
            let addr = global_addr(l, g);
            load_value(l, addr, dst as usize, pc, before);
            fallthrough!(l)
        }
        GetGlobal { dst, g } => {
            let addr = global_addr(l, g);
            let tag = l.b.ins().uload8(types::I64, l.values, addr, 0);
            let ok = l.b.ins().icmp_imm_s(IntCC::Equal, tag, tag_of(typed) as i64);
            // Undef (read before its `let`) fails too: the interpreter raises E0104.
            l.guard(ok, pc, guard_reason(typed), before);
            match typed {
                Ty::Bool => {
                    let v = l.b.ins().uload8(types::I64, l.values, addr, VALUE_BOOL_OFF);
                    l.b.def_var(l.vi[dst as usize], v);
                }
                Ty::Int => {
                    let v = l.b.ins().load(types::I64, l.values, addr, VALUE_BITS_OFF);
                    l.b.def_var(l.vi[dst as usize], v);
                }
                Ty::Float => {
                    let v = l.b.ins().load(types::F64, l.values, addr, VALUE_BITS_OFF);
                    l.b.def_var(l.vf[dst as usize], v);
                }
                Ty::Mod => {
                    let v = l.b.ins().uload32(l.values, addr, VALUE_MODULE_OFF);
                    l.b.def_var(l.vi[dst as usize], v);
                }
                _ => {}
            }
            fallthrough!(l)
        }
        SetGlobal { src, g } | DefGlobal { src, g } => {
            let addr = global_addr(l, g);
            let defining = matches!(instr, DefGlobal { .. });
            if !defining {
                // Assigning a global whose `let` has not run: the interpreter raises E0104.
                let old = l.b.ins().uload8(types::I64, l.values, addr, 0);
                let defined = l.b.ins().icmp_imm_s(IntCC::NotEqual, old, VALUE_TAG_UNDEF);
                l.guard(defined, pc, ExitReason::GuardType, before);
            }
            store_value(l, addr, src as usize, &s, None, None, defining, pc, before, &succs[0].1);
            fallthrough!(l)
        }
        GetIndex { dst, obj, idx } | SetIndex { obj, idx, val: dst } => {
            let lay = hints.heap().ok_or("heap op without a layout")?;
            let arr = heap_ptr(l, obj as usize, &s, TAG_ARRAY, pc, before);
            let i = int_operand(l, idx as usize, &s, pc, before);
            let vec = l.b.ins().iadd_imm_s(arr, lay.array_vec as i64);
            let len = l.b.ins().load(types::I64, l.headers, vec, lay.vec_len);
            // Out of range (negative included): the interpreter raises E0701.
            let inb = l.b.ins().icmp(IntCC::UnsignedLessThan, i, len);
            l.guard(inb, pc, ExitReason::Error, before);
            let data = l.b.ins().load(types::I64, l.headers, vec, lay.vec_ptr);
            let off = l.b.ins().imul_imm_s(i, VALUE_SIZE);
            let addr = l.b.ins().iadd(data, off);
            if matches!(instr, GetIndex { .. }) {
                load_value(l, addr, dst as usize, pc, before);
            } else {
                store_value(l, addr, dst as usize, &s, None, None, false, pc, before, &succs[0].1);
            }
            fallthrough!(l)
        }
        GetField { dst, obj, site } | SetField { obj, val: dst, site } => {
            let lay = hints.heap().ok_or("heap op without a layout")?;
            let h = hints.field(site).ok_or("field op without a hint")?;
            let known_shape = s[obj as usize] == Ty::Rec(h.shape_id);
            let rec = heap_ptr(l, obj as usize, &s, TAG_RECORD, pc, before);
            if !known_shape {
                let shape = l.b.ins().load(types::I64, l.headers, rec, lay.record_shape);
                let same = l.b.ins().icmp_imm_s(IntCC::Equal, shape, h.shape_word as i64);
                l.guard(same, pc, ExitReason::GuardType, before);
            }
            let data = l.b.ins().load(types::I64, l.headers, rec, lay.record_vec + lay.vec_ptr);
            let addr = l.b.ins().iadd_imm_s(data, h.slot as i64 * VALUE_SIZE);
            match (instr, h.load_ty) {
                (GetField { .. }, Some(Ty::Float)) => {
                    let v = l.b.ins().load(types::F64, l.values, addr, VALUE_BITS_OFF);
                    l.b.def_var(l.vf[dst as usize], v);
                }
                (GetField { .. }, Some(Ty::Int)) => {
                    let v = l.b.ins().load(types::I64, l.values, addr, VALUE_BITS_OFF);
                    l.b.def_var(l.vi[dst as usize], v);
                }
                (GetField { .. }, Some(Ty::Bool)) => {
                    let v = l.b.ins().uload8(types::I64, l.values, addr, VALUE_BOOL_OFF);
                    l.b.def_var(l.vi[dst as usize], v);
                }
                (GetField { .. }, _) => load_value(l, addr, dst as usize, pc, before),
                _ => store_value(
                    l,
                    addr,
                    dst as usize,
                    &s,
                    Some(h.store_tag),
                    h.store_heap.map(|c| (c, lay.record_shape)),
                    false,
                    pc,
                    before,
                    &succs[0].1,
                ),
            }
            fallthrough!(l)
        }
        CallBuiltin { base, nargs, b } if typed == Ty::Slot => {
            // A helper call (print, int, push, len of a string): arguments go
            // through the slot window, the scalar result comes back in r[base].
            for r in base..base + nargs {
                let r = r as usize;
                l.store_reg(r, s[r], r);
            }
            let window = l.b.ins().iadd_imm_s(l.regs, base as i64 * SLOT);
            let bn = l.b.ins().iconst(types::I64, b as i64);
            let n = l.b.ins().iconst(types::I64, nargs as i64);
            let call = l.b.ins().call(builtin_fn, &[l.ctx, bn, n, window]);
            let failed = l.b.inst_results(call)[0];
            let ok = l.b.ins().icmp_imm_s(IntCC::Equal, failed, 0);
            l.guard(ok, pc, ExitReason::Error, before);
            l.load_slot(base as usize);
            fallthrough!(l)
        }
        NewArray { dst, cap } => {
            let cap = l.b.ins().iconst(types::I64, cap as i64);
            let out = l.b.ins().iadd_imm_s(l.regs, dst as i64 * SLOT);
            let call = l.b.ins().call(l.new_array_fn, &[l.ctx, cap, out]);
            let status = l.b.inst_results(call)[0];
            l.made_by_helper(status, dst as usize, pc, before, &succs[0].1);
            fallthrough!(l)
        }
        ArrayPush { arr, val } => {
            let a = heap_ptr(l, arr as usize, &s, TAG_ARRAY, pc, before);
            let (tag, bits) = (l.tag(val as usize, s[val as usize]), l.bits(val as usize, s[val as usize]));
            l.b.ins().call(l.array_push_fn, &[l.ctx, a, tag, bits]);
            fallthrough!(l)
        }
        NewRecord { dst, base, s: shape } => {
            // The field values go through the slot window; the helper makes
            // the record (the run's handle table keeps it alive).
            let (ptr, n) = hints.new_record(shape).ok_or("record planned without its shape")?;
            for (r, &ty) in s.iter().enumerate().skip(base as usize).take(n) {
                l.store_reg(r, ty, r);
            }
            let shape_ptr = l.b.ins().iconst(types::I64, ptr as i64);
            let window = l.b.ins().iadd_imm_s(l.regs, base as i64 * SLOT);
            let count = l.b.ins().iconst(types::I64, n as i64);
            let out = l.b.ins().iadd_imm_s(l.regs, dst as i64 * SLOT);
            let call = l.b.ins().call(l.new_record_fn, &[l.ctx, shape_ptr, window, count, out]);
            let status = l.b.inst_results(call)[0];
            l.made_by_helper(status, dst as usize, pc, before, &succs[0].1);
            fallthrough!(l)
        }
        CallBuiltin { base, b, .. } if Builtin::from_u8(b) == Some(Builtin::Len) => {
            let lay = hints.heap().ok_or("heap op without a layout")?;
            // Strings (and nil, which raises) are left to the interpreter.
            let arr = heap_ptr(l, base as usize, &s, TAG_ARRAY, pc, before);
            let len = l.b.ins().load(types::I64, l.headers, arr, lay.array_vec + lay.vec_len);
            l.b.def_var(l.vi[base as usize], len);
            fallthrough!(l)
        }
        CheckType { r, ty, .. } if typed == Ty::Dyn => {
            // An array/struct check (scalar checks are planned as typed guards;
            // a known array / record of the right shape passes as is).
            let r = r as usize;
            if s[r] == Ty::Dyn {
                let tag = l.b.use_var(l.vt[r]);
                let bits = l.b.use_var(l.vi[r]);
                let is_nil = l.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_NIL as i64);
                let done = l.b.create_block();
                let check = l.b.create_block();
                l.b.ins().brif(is_nil, done, &[], check, &[]);
                l.b.switch_to_block(check);
                match hints.check_heap(ty) {
                    Some(HeapCheck::Array) => {
                        let ok = l.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_ARRAY as i64);
                        l.guard(ok, pc, ExitReason::GuardType, before);
                    }
                    Some(HeapCheck::Struct(word)) => {
                        let lay = hints.heap().ok_or("struct check without a layout")?;
                        let ok = l.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_RECORD as i64);
                        l.guard(ok, pc, ExitReason::GuardType, before);
                        let shape = l.b.ins().load(types::I64, l.headers, bits, lay.record_shape);
                        let same = l.b.ins().icmp_imm_s(IntCC::Equal, shape, word as i64);
                        l.guard(same, pc, ExitReason::GuardType, before);
                    }
                    None => return Err("heap check without a hint".into()),
                }
                l.b.ins().jump(done, &[]);
                l.b.switch_to_block(done);
            }
            fallthrough!(l)
        }
        CheckBool { .. } | CheckType { .. } => fallthrough!(l),
        Jump { off } | Loop { off, .. } => {
            let t = target(pc, off);
            let out = succs[0].1.clone();
            l.jump(&out, &st(t), goto(t));
        }
        JumpIfFalse { r, off } | JumpIfTrue { r, off } => {
            let c = vi(l, r);
            let t = target(pc, off);
            let e_next = l.edge(&succs[0].1, &st(next), goto(next));
            let e_t = l.edge(&succs[1].1, &st(t), goto(t));
            if matches!(instr, JumpIfFalse { .. }) {
                l.branch(c, e_next, e_t);
            } else {
                l.branch(c, e_t, e_next);
            }
        }
        JumpIfNotLt { a, b, off }
        | JumpIfNotLe { a, b, off }
        | JumpIfNotGt { a, b, off }
        | JumpIfNotGe { a, b, off }
        | JumpIfNotEq { a, b, off }
        | JumpIfNotNe { a, b, off } => {
            let c = if typed == Ty::Dyn {
                identity(l, &instr, &s, a, b, pc, before)
            } else {
                compare(l, &instr, typed, a, b)
            };
            let t = target(pc, off);
            let e_next = l.edge(&succs[0].1, &st(next), goto(next));
            let e_t = l.edge(&succs[1].1, &st(t), goto(t));
            l.branch(c, e_next, e_t);
        }
        ForPrep { base, off } => {
            let (start, end) = (vi(l, base), vi(l, base + 1));
            let c = l.b.ins().icmp(IntCC::SignedLessThan, start, end);
            let t = target(pc, off);
            let body = l.b.create_block();
            let e_skip = l.edge(&succs[1].1, &st(t), goto(t));
            l.b.ins().brif(c, body, &[], e_skip, &[]);
            l.b.switch_to_block(body);
            l.b.def_var(l.vi[base as usize + 2], start);
            let out = succs[0].1.clone();
            l.jump(&out, &st(next), goto(next));
        }
        ForLoop { base, off, .. } => {
            let i = vi(l, base);
            let i = l.b.ins().iadd_imm_s(i, 1);
            l.b.def_var(l.vi[base as usize], i);
            let end = vi(l, base + 1);
            let c = l.b.ins().icmp(IntCC::SignedLessThan, i, end);
            let t = target(pc, off);
            let body = l.b.create_block();
            let e_next = l.edge(&succs[1].1, &st(next), goto(next));
            l.b.ins().brif(c, body, &[], e_next, &[]);
            l.b.switch_to_block(body);
            l.b.def_var(l.vi[base as usize + 2], i);
            let out = succs[0].1.clone();
            l.jump(&out, &st(t), goto(t));
        }
        Call { base, nargs, .. } => {
            let Some(callee) = callee else {
                l.leave(pc, ExitReason::Unsupported, before);
                return Ok(());
            };
            if !native_call(l, pc, before, &s, base, nargs, base, callee) {
                return Ok(());
            }
            fallthrough!(l)
        }
        CallMember { base, nargs, site } => {
            let (Some(callee), Some((m, _))) = (callee, hints.member(site)) else {
                l.leave(pc, ExitReason::Unsupported, before);
                return Ok(());
            };
            // The module the site saw (another one: the interpreter looks its function up).
            let r = base as usize;
            match s[r] {
                Ty::Dyn => l.guard_reg(r, Ty::Mod, pc, before),
                Ty::Mod => {}
                _ => {
                    l.leave(pc, ExitReason::GuardType, before);
                    return Ok(());
                }
            }
            let index = l.b.use_var(l.vi[r]);
            let same = l.b.ins().icmp_imm_s(IntCC::Equal, index, m as i64);
            l.guard(same, pc, ExitReason::GuardType, before);
            if !native_call(l, pc, before, &s, base + 1, nargs, base, callee) {
                return Ok(());
            }
            fallthrough!(l)
        }
        CallBuiltin { base, b, .. } => {
            let r = match Builtin::from_u8(b) {
                Some(Builtin::Sqrt) => {
                    let x = vf(l, base);
                    l.b.ins().sqrt(x)
                }
                _ if typed == Ty::Int => {
                    let x = vi(l, base);
                    l.b.ins().fcvt_from_sint(types::F64, x)
                }
                _ => vf(l, base),
            };
            l.b.def_var(l.vf[base as usize], r);
            fallthrough!(l)
        }
        Return { src } => l.return_value(src as usize, s[src as usize]),
        ReturnNil => l.return_value(0, Ty::Nil),
        other => return Err(format!("planned but not lowered: {}", other.mnemonic())),
    }
    Ok(())
}

/// A native call of a compiled function's direct entry: the arguments are
/// registers `args..args+nargs` (the callee's frame starts there), the
/// result goes to `dst`. False when it always leaves to the interpreter
/// (an argument of the wrong type): the block is terminated.
#[allow(clippy::too_many_arguments)]
fn native_call(
    l: &mut Lower,
    pc: usize,
    before: &[Ty],
    s: &[Ty],
    args: u8,
    nargs: u8,
    dst: u8,
    (callee, spec, ret): (cranelift_codegen::ir::FuncRef, Vec<Ty>, Ty),
) -> bool {
    // Arguments must have the callee's parameter types (else the interpreter calls).
    for (k, r) in (args..args + nargs).enumerate() {
        let (r, want) = (r as usize, spec[k]);
        if !matches!(want, Ty::Int | Ty::Float | Ty::Bool | Ty::Arr) || s[r] == want {
            continue;
        }
        if s[r] != Ty::Dyn {
            l.leave(pc, ExitReason::GuardType, before);
            return false;
        }
        l.guard_reg(r, want, pc, before);
    }
    let depth = l.b.use_var(l.depth);
    if !l.depth_checked {
        let room = l.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, depth, 0);
        l.guard(room, pc, ExitReason::Stack, before);
        l.depth_checked = true;
    }
    let less = l.b.ins().iadd_imm_s(depth, -1);
    let window = l.b.ins().iadd_imm_s(l.regs, args as i64 * SLOT);
    let mut call_args = vec![l.ctx, window, less];
    for (k, r) in (args..args + nargs).enumerate() {
        let r = r as usize;
        match spec[k] {
            Ty::Int | Ty::Bool | Ty::Arr => call_args.push(l.b.use_var(l.vi[r])),
            Ty::Float => call_args.push(l.b.use_var(l.vf[r])),
            _ => {
                let t = s[r];
                let tag = l.tag(r, t);
                let bits = l.bits(r, t);
                call_args.push(tag);
                call_args.push(bits);
            }
        }
    }
    let call = l.b.ins().call(callee, &call_args);
    let res = l.b.inst_results(call).to_vec();
    let ok = l.b.ins().icmp_imm_s(IntCC::NotEqual, res[0], EXITED_TAG);
    // The callee left to the interpreter: so does this frame, below it.
    let exit = l.exit_to(pc, ExitReason::Caller, before, dst as usize, true);
    let cont = l.b.create_block();
    l.b.ins().brif(ok, cont, &[], exit, &[]);
    l.b.switch_to_block(cont);
    // The callee only ever returns `ret` (when not Dyn): no check needed.
    match ret {
        Ty::Float => {
            let fv = l.b.ins().bitcast(types::F64, MemFlagsData::new(), res[1]);
            l.b.def_var(l.vf[dst as usize], fv);
        }
        Ty::Int | Ty::Bool => l.b.def_var(l.vi[dst as usize], res[1]),
        _ => {
            l.b.def_var(l.vt[dst as usize], res[0]);
            l.b.def_var(l.vi[dst as usize], res[1]);
        }
    }
    true
}

/// The box pointer of register r after guarding that it holds a borrowed
/// handle with tag `want` (anything else: the interpreter runs the instruction).
fn heap_ptr(l: &mut Lower, r: usize, s: &[Ty], want: u64, pc: usize, before: &[Ty]) -> Value {
    if s[r].heap() {
        debug_assert_eq!(tag_of(s[r]), want, "other concrete objects are planned as exits");
        return l.b.use_var(l.vi[r]);
    }
    debug_assert_eq!(s[r], Ty::Dyn, "concrete objects are planned as exits");
    let tag = l.b.use_var(l.vt[r]);
    let ok = l.b.ins().icmp_imm_s(IntCC::Equal, tag, want as i64);
    l.guard(ok, pc, ExitReason::GuardType, before);
    l.b.use_var(l.vi[r])
}

fn int_operand(l: &mut Lower, r: usize, s: &[Ty], pc: usize, before: &[Ty]) -> Value {
    if s[r] == Ty::Dyn {
        let tag = l.b.use_var(l.vt[r]);
        let ok = l.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_INT as i64);
        l.guard(ok, pc, ExitReason::GuardInt, before);
    }
    l.b.use_var(l.vi[r])
}

/// r[dst] = the `Value` at `addr`, as a Dyn register (scalars and borrowed
/// arrays/records; strings and modules leave to the interpreter).
fn load_value(l: &mut Lower, addr: Value, dst: usize, pc: usize, before: &[Ty]) {
    let tag = l.b.ins().uload8(types::I64, l.values, addr, 0);
    let is_str = l.b.ins().icmp_imm_s(IntCC::Equal, tag, VALUE_TAG_FIRST_HEAP);
    let past = l.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, tag, TAG_RECORD as i64);
    let bad = l.b.ins().bor(is_str, past);
    let ok = l.b.ins().bxor_imm_s(bad, 1);
    l.guard(ok, pc, ExitReason::GuardType, before);
    let is_bool = l.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_BOOL as i64);
    let b8 = l.b.ins().uload8(types::I64, l.values, addr, VALUE_BOOL_OFF);
    let w = l.b.ins().load(types::I64, l.values, addr, VALUE_BITS_OFF);
    let bits = l.b.ins().select(is_bool, b8, w);
    l.b.def_var(l.vt[dst], tag);
    l.b.def_var(l.vi[dst], bits);
}

/// Whether the `Value` at `addr` needs no drop: a scalar (or, defining a
/// global, the `Undef` before its `let`).
fn old_is_plain(l: &mut Lower, addr: Value, over_undef: bool) -> Value {
    let old = l.b.ins().uload8(types::I64, l.values, addr, 0);
    let scalar = l.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, old, VALUE_TAG_FIRST_HEAP);
    if !over_undef {
        return scalar;
    }
    let undef = l.b.ins().icmp_imm_s(IntCC::Equal, old, VALUE_TAG_UNDEF);
    l.b.ins().bor(scalar, undef)
}

/// Stores register r into the `Value` at `addr` after its annotation check
/// (`want`: None for array elements; Some(tag) for a field, where
/// `store_heap` says what a non-nil value of an array/struct field must
/// be; Some(None): a check native code cannot do, left to the
/// interpreter). Scalars over scalars are stored inline; when the new or
/// the old value is a heap value, `abi::tern_jit_store` does the reference
/// counting (it keeps the old value alive until the run ends).
#[allow(clippy::too_many_arguments)]
fn store_value(
    l: &mut Lower,
    addr: Value,
    r: usize,
    s: &[Ty],
    want: Option<Option<u64>>,
    store_heap: Option<(HeapCheck, i32)>,
    over_undef: bool,
    pc: usize,
    before: &[Ty],
    after: &[Ty],
) {
    let t = s[r];
    let tag = l.tag(r, t);
    let bits = l.bits(r, t);
    match (want, store_heap) {
        (Some(Some(_)), Some((check, shape_off))) => {
            // An array/struct field: nil, or an array / a record of the struct.
            let nil = l.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_NIL as i64);
            let kind = match check {
                HeapCheck::Array => TAG_ARRAY,
                HeapCheck::Struct(_) => TAG_RECORD,
            };
            let is_kind = l.b.ins().icmp_imm_s(IntCC::Equal, tag, kind as i64);
            let ok = l.b.ins().bor(nil, is_kind);
            l.guard(ok, pc, ExitReason::GuardType, before);
            if let HeapCheck::Struct(word) = check {
                // A record: its shape must be the struct's (its box has the shape word).
                let check_shape = l.b.create_block();
                let checked = l.b.create_block();
                l.b.ins().brif(nil, checked, &[], check_shape, &[]);
                l.b.switch_to_block(check_shape);
                let shape = l.b.ins().load(types::I64, l.headers, bits, shape_off);
                let same = l.b.ins().icmp_imm_s(IntCC::Equal, shape, word as i64);
                l.guard(same, pc, ExitReason::GuardType, before);
                l.b.ins().jump(checked, &[]);
                l.b.switch_to_block(checked);
            }
        }
        (Some(Some(w)), None) => {
            let ok = l.b.ins().icmp_imm_s(IntCC::Equal, tag, w as i64);
            l.guard(ok, pc, ExitReason::GuardType, before);
        }
        (Some(None), _) => {
            let no = l.b.ins().iconst(types::I8, 0);
            l.guard(no, pc, ExitReason::GuardType, before);
        }
        (None, _) => {}
    }
    let scalar_field = matches!(want, Some(Some(_))) && store_heap.is_none();
    let done = l.b.create_block();
    if scalar_field {
        // A scalar-annotated field always holds a scalar (every store is
        // checked), and the new value passed the same check: store inline.
    } else if matches!(t, Ty::Int | Ty::Float | Ty::Bool) {
        // A scalar over an array element / array or struct field: only a
        // heap value in the way needs the helper, which is rare enough to
        // leave to the interpreter (a helper call here slows the loop).
        let old_scalar = old_is_plain(l, addr, over_undef);
        l.guard(old_scalar, pc, ExitReason::GuardType, before);
    } else {
        // A heap value, nil (unlinking) or an unknown value: the helper
        // unless both the old and the new value are scalars.
        let old_scalar = old_is_plain(l, addr, over_undef);
        let new_scalar = if t.heap() {
            l.b.ins().iconst(types::I8, 0)
        } else {
            l.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, tag, VALUE_TAG_FIRST_HEAP)
        };
        let inline = l.b.ins().band(old_scalar, new_scalar);
        let fast = l.b.create_block();
        let slow = l.b.create_block();
        l.b.set_cold_block(slow);
        l.b.ins().brif(inline, fast, &[], slow, &[]);
        l.b.switch_to_block(slow);
        let call = l.b.ins().call(l.store_fn, &[l.ctx, addr, tag, bits]);
        let over = l.b.inst_results(call)[0];
        let exit = l.exit_to(pc + 1, ExitReason::Budget, after, after.len(), true);
        l.b.ins().brif(over, exit, &[], done, &[]);
        l.b.switch_to_block(fast);
    }
    if !scalar_field {
        // (A scalar field's tag already is the one its check demands.)
        l.b.ins().istore8(l.values, tag, addr, 0);
    }
    if t != Ty::Nil {
        if matches!(t, Ty::Bool | Ty::Dyn) {
            l.b.ins().istore8(l.values, bits, addr, VALUE_BOOL_OFF);
        }
        if t == Ty::Float {
            // From the float register itself (no move through an integer one).
            let f = l.b.use_var(l.vf[r]);
            l.b.ins().store(l.values, f, addr, VALUE_BITS_OFF);
        } else if t != Ty::Bool {
            l.b.ins().store(l.values, bits, addr, VALUE_BITS_OFF);
        }
    }
    l.b.ins().jump(done, &[]);
    l.b.switch_to_block(done);
}

/// Address of `vm.globals[g]` (indices in the VM's relocated code are absolute).
fn global_addr(l: &mut Lower, g: u32) -> Value {
    let base = l.b.ins().load(types::I64, flags(), l.ctx, CTX_GLOBALS);
    l.b.ins().iadd_imm_s(base, g as i64 * VALUE_SIZE)
}

/// An I8 truth value for `a OP b` on operands of type `t`.
fn compare(l: &mut Lower, instr: &Instr, t: Ty, a: u8, b: u8) -> Value {
    use Instr::*;
    let (ic, fc) = match instr {
        Eq { .. } | JumpIfNotEq { .. } => (IntCC::Equal, FloatCC::Equal),
        Ne { .. } | JumpIfNotNe { .. } => (IntCC::NotEqual, FloatCC::NotEqual),
        Lt { .. } | JumpIfNotLt { .. } => (IntCC::SignedLessThan, FloatCC::LessThan),
        Le { .. } | JumpIfNotLe { .. } => (IntCC::SignedLessThanOrEqual, FloatCC::LessThanOrEqual),
        Gt { .. } | JumpIfNotGt { .. } => (IntCC::SignedGreaterThan, FloatCC::GreaterThan),
        _ => (IntCC::SignedGreaterThanOrEqual, FloatCC::GreaterThanOrEqual),
    };
    match t {
        Ty::Float => {
            let (x, y) = (l.b.use_var(l.vf[a as usize]), l.b.use_var(l.vf[b as usize]));
            l.b.ins().fcmp(fc, x, y)
        }
        Ty::Nil => {
            // nil == nil
            l.b.ins().iconst(types::I8, (ic == IntCC::Equal) as i64)
        }
        _ => {
            let (x, y) = (l.b.use_var(l.vi[a as usize]), l.b.use_var(l.vi[b as usize]));
            l.b.ins().icmp(ic, x, y)
        }
    }
}

/// `==` / `!=` of nil, arrays and records (`tern_vm::ops::equal`): nil
/// equals only nil, arrays and records by identity. A string (or anything
/// else) on either side, or an array against a record (E0201), leaves to
/// the interpreter.
fn identity(l: &mut Lower, instr: &Instr, s: &[Ty], a: u8, b: u8, pc: usize, before: &[Ty]) -> Value {
    let mut ok = None;
    let mut side = |l: &mut Lower, r: u8| -> (Value, Value) {
        let r = r as usize;
        match s[r] {
            Ty::Dyn => {
                let (tag, bits) = (l.b.use_var(l.vt[r]), l.b.use_var(l.vi[r]));
                let nil = l.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_NIL as i64);
                let arr = l.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_ARRAY as i64);
                let rec = l.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_RECORD as i64);
                let v = l.b.ins().bor(nil, arr);
                let v = l.b.ins().bor(v, rec);
                ok = Some(match ok {
                    Some(o) => l.b.ins().band(o, v),
                    None => v,
                });
                (tag, bits)
            }
            Ty::Nil => (l.b.ins().iconst(types::I64, TAG_NIL as i64), l.b.ins().iconst(types::I64, 0)),
            t => (l.b.ins().iconst(types::I64, tag_of(t) as i64), l.b.use_var(l.vi[r])),
        }
    };
    let (ta, ba) = side(l, a);
    let (tb, bb) = side(l, b);
    // Both non-nil with different tags: an array against a record.
    let a_nil = l.b.ins().icmp_imm_s(IntCC::Equal, ta, TAG_NIL as i64);
    let b_nil = l.b.ins().icmp_imm_s(IntCC::Equal, tb, TAG_NIL as i64);
    let same_tag = l.b.ins().icmp(IntCC::Equal, ta, tb);
    let either_nil = l.b.ins().bor(a_nil, b_nil);
    let fine = l.b.ins().bor(either_nil, same_tag);
    let ok = match ok {
        Some(o) => l.b.ins().band(o, fine),
        None => fine,
    };
    l.guard(ok, pc, ExitReason::GuardType, before);
    // A nil's payload is not meaningful: nil == nil whatever the bits.
    let same_obj = l.b.ins().icmp(IntCC::Equal, ba, bb);
    let nil_or_same = l.b.ins().bor(a_nil, same_obj);
    let eq = l.b.ins().band(same_tag, nil_or_same);
    match instr {
        Instr::Eq { .. } | Instr::JumpIfNotEq { .. } => eq,
        _ => l.b.ins().bxor_imm_s(eq, 1),
    }
}

/// Signature of a shared entry trampoline: `(ctx, regs, direct entry, unit) -> status`.
pub fn trampoline_signature(mem: &mut CodeMemory) -> Signature {
    let ptr = mem.pointer_type();
    let mut sig = unit_signature(mem);
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(types::I64));
    sig
}

/// The interpreter's way into a direct entry taking `params` when
/// [`crate::entry`] cannot call it (more parameters than one C call passes
/// in its fixed shape): loads and checks the parameters from the slot
/// window, calls, stores the result in `regs[0]`. One trampoline serves
/// every function with the same parameter shape (it gets the direct entry's
/// address and the unit number as arguments).
pub fn lower_trampoline(mem: &mut CodeMemory, params: &[Ty], exit_helper: FuncId) {
    let sig = trampoline_signature(mem);
    mem.ctx.func.signature = sig;
    let dsig = direct_signature(mem, params);
    let target_cfg = mem.module().target_config();
    let mut func = std::mem::replace(&mut mem.ctx.func, cranelift_codegen::ir::Function::new());
    {
        let module = mem.module();
        let exit_ref = module.declare_func_in_func(exit_helper, &mut func);
        let mut b = FunctionBuilder::new(&mut func, &mut mem.fctx);
        let dsig_ref = b.import_signature(dsig);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let (ctx, regs) = (b.block_params(entry)[0], b.block_params(entry)[1]);
        let (target, unit) = (b.block_params(entry)[2], b.block_params(entry)[3]);
        let fail = b.create_block();
        b.set_cold_block(fail);
        let depth = b.ins().load(types::I64, flags(), ctx, CTX_DEPTH_LEFT);
        let mut args = vec![ctx, regs, depth];
        for (r, t) in params.iter().enumerate() {
            let off = (r as i64 * SLOT) as i32;
            let tag = b.ins().load(types::I64, flags(), regs, off);
            let bits = b.ins().load(types::I64, flags(), regs, off + 8);
            match t {
                Ty::Int | Ty::Bool | Ty::Float | Ty::Arr => {
                    let ok = b.ins().icmp_imm_s(IntCC::Equal, tag, tag_of(*t) as i64);
                    let cont = b.create_block();
                    b.ins().brif(ok, cont, &[], fail, &[]);
                    b.switch_to_block(cont);
                    args.push(if *t == Ty::Float {
                        b.ins().bitcast(types::F64, MemFlagsData::new(), bits)
                    } else {
                        bits
                    });
                }
                _ => {
                    args.push(tag);
                    args.push(bits);
                }
            }
        }
        let call = b.ins().call_indirect(dsig_ref, target, &args);
        let res = b.inst_results(call).to_vec();
        let exited = b.ins().icmp_imm_s(IntCC::Equal, res[0], EXITED_TAG);
        let done = b.create_block();
        let back = b.create_block();
        b.ins().brif(exited, back, &[], done, &[]);
        b.switch_to_block(done);
        b.ins().store(flags(), res[0], regs, 0);
        b.ins().store(flags(), res[1], regs, 8);
        let st = b.ins().iconst(types::I64, STATUS_RETURNED);
        b.ins().return_(&[st]);
        b.switch_to_block(back);
        let st = b.ins().iconst(types::I64, STATUS_EXITED);
        b.ins().return_(&[st]);
        // Nothing ran yet: the interpreter runs the call from the start.
        b.switch_to_block(fail);
        let z = b.ins().iconst(types::I64, 0);
        let reason = b.ins().iconst(types::I64, ExitReason::Entry as i64);
        b.ins().call(exit_ref, &[ctx, unit, z, reason, regs]);
        let st = b.ins().iconst(types::I64, STATUS_EXITED);
        b.ins().return_(&[st]);
        b.seal_all_blocks();
        b.finalize(target_cfg);
    }
    mem.ctx.func = func;
}
