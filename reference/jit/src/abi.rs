//! The contract between native code and the Rust side of the engine.
//!
//! Native code never touches interpreter `Value`s. A compiled unit works on
//! a window of [`Slot`]s (tag + 64 payload bits), Lua style: a call passes
//! `regs + base` as the callee's window, so arguments are already in place
//! and the result lands in the caller's `r[base]`. Heap values (strings,
//! arrays, records, modules) cross into native code only as `TAG_HEAP`
//! handles: an index into a side table the engine fills when it enters
//! native code; native code may move them around, never look inside.
//!
//! Signature of every unit: `extern "C" fn(ctx: *mut NativeCtx, regs: *mut Slot) -> u64`
//! returning [`STATUS_RETURNED`] (result in `regs[0]`) or [`STATUS_EXITED`]
//! (the frame and, innermost first, every native frame below it were
//! recorded with `tern_jit_exit`, and the interpreter must resume them).

pub const TAG_NIL: u64 = 0;
pub const TAG_BOOL: u64 = 1;
pub const TAG_INT: u64 = 2;
pub const TAG_FLOAT: u64 = 3;
pub const TAG_HEAP: u64 = 4;
/// A borrowed array / record: `bits` is its `Rc` box pointer (see [`crate::heap`]).
/// Same numbers as `tern_vm::Value`'s tags, so values copy between the two as is.
pub const TAG_ARRAY: u64 = 5;
pub const TAG_RECORD: u64 = 6;
/// A module (`m` of `m.f()`): its index in the bits. Also its `Value` tag.
pub const TAG_MODULE: u64 = 7;

pub const STATUS_RETURNED: i64 = 0;
pub const STATUS_EXITED: i64 = 1;

/// Registers per window in the slot stack; bytecode functions have at most 250.
pub const WINDOW: usize = 256;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Slot {
    pub tag: u64,
    pub bits: u64,
}

impl Slot {
    pub fn int(v: i64) -> Slot {
        Slot { tag: TAG_INT, bits: v as u64 }
    }
    pub fn float(v: f64) -> Slot {
        Slot { tag: TAG_FLOAT, bits: v.to_bits() }
    }
    pub fn boolean(v: bool) -> Slot {
        Slot { tag: TAG_BOOL, bits: v as u64 }
    }
    pub fn nil() -> Slot {
        Slot { tag: TAG_NIL, bits: 0 }
    }
}

/// Why a native frame handed control back (the `reason` argument of `tern_jit_exit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum ExitReason {
    GuardInt = 0,
    GuardFloat = 1,
    GuardBool = 2,
    GuardType = 3,
    /// The instruction at pc may raise; the interpreter re-runs it.
    Error = 4,
    /// Call depth limit: the interpreter re-runs the call and raises E1001.
    Stack = 5,
    /// An instruction the native tier leaves to the interpreter.
    Unsupported = 6,
    /// A frame below an exiting callee: resume after the call returns.
    Caller = 7,
    /// The unit's entry guards failed before anything ran.
    Entry = 8,
    /// Values a native run displaced (kept alive until it ends) passed
    /// [`DISPLACED_BUDGET`]: resume after the store, so they can be freed.
    Budget = 9,
}

impl ExitReason {
    pub fn from_u64(v: u64) -> ExitReason {
        use ExitReason::*;
        [GuardInt, GuardFloat, GuardBool, GuardType, Error, Stack, Unsupported, Caller, Entry, Budget]
            .get(v as usize)
            .copied()
            .unwrap_or(Error)
    }

    /// The `reason=` of a `deopt` trace event.
    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::GuardInt => "guard-int",
            ExitReason::GuardFloat => "guard-float",
            ExitReason::GuardBool => "guard-bool",
            ExitReason::GuardType => "guard-type",
            ExitReason::Error => "error",
            ExitReason::Stack => "stack",
            ExitReason::Unsupported => "unsupported",
            ExitReason::Caller => "caller",
            ExitReason::Entry => "entry-guard",
            ExitReason::Budget => "displaced-budget",
        }
    }
}

/// One native frame handed back to the interpreter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExitFrame {
    pub unit: u32,
    /// Resume here; for `Caller` frames, the pc of the `Call` whose callee exited.
    pub pc: u32,
    pub reason: ExitReason,
    /// Window start, in slots from the start of the slot stack.
    pub window: usize,
}

/// Shared state of one native run; field offsets are read by native code.
#[repr(C)]
pub struct NativeCtx {
    /// Native calls still allowed before the depth limit (offset 0).
    pub depth_left: i64,
    /// `vm.globals.as_mut_ptr()`, refreshed on every entry (offset 8). Nothing
    /// that could grow the table (an import) runs while native code does.
    pub globals: *mut tern_vm::Value,
    /// Base of the slot stack, to record windows as offsets.
    pub slots_base: *mut Slot,
    /// The interpreter and the engine's handle table, for helper calls
    /// (set on every entry; native code never reads them).
    pub vm: *mut tern_vm::Vm,
    /// The run's handle table: values the frame held on entry, and values
    /// native stores displaced (their drop waits until the run ends, since
    /// native code may still hold a borrowed handle to them).
    pub heap: *mut Vec<tern_vm::Value>,
    pub exits: Vec<ExitFrame>,
    /// `CodeMemory::exit_tags`, set on every entry: the (register, tag)
    /// pairs each exit writes (nil for registers it clears).
    pub exit_tags: *const Vec<Vec<(u16, u64)>>,
}

/// `tern_jit_exit`'s `reason` argument carries, above this bit, the number
/// of the list of registers to set to nil before the interpreter sees them.
pub const EXIT_LIST_SHIFT: u64 = 8;

pub const CTX_DEPTH_LEFT: i32 = 0;
pub const CTX_GLOBALS: i32 = 8;

/// `tern_vm::Value` is `repr(u8)`: these are its tag values and payload
/// offsets, which native code uses to read and write scalar globals in place
/// ([`value_layout_ok`] checks them once at start-up).
pub const VALUE_SIZE: i64 = 24;
pub const VALUE_TAG_UNDEF: i64 = 8;
/// First tag of a heap value (Str, Array, Record, Module): never touched natively.
pub const VALUE_TAG_FIRST_HEAP: i64 = 4;
pub const VALUE_BOOL_OFF: i32 = 1;
pub const VALUE_BITS_OFF: i32 = 8;
/// Where a `Value::Module`'s index (u32) is.
pub const VALUE_MODULE_OFF: i32 = 4;

/// Does `tern_vm::Value` have the layout native code assumes?
pub fn value_layout_ok() -> bool {
    use tern_vm::Value;
    if std::mem::size_of::<Value>() as i64 != VALUE_SIZE {
        return false;
    }
    // SAFETY: repr(u8) enums start with their u8 tag; the payload bytes read are initialised fields.
    unsafe {
        let tag = |v: &Value| *(v as *const Value as *const u8);
        let at8 = |v: &Value| *((v as *const Value as *const u8).add(VALUE_BITS_OFF as usize) as *const u64);
        let at1 = |v: &Value| *((v as *const Value as *const u8).add(VALUE_BOOL_OFF as usize));
        let (n, b, i, f, u) =
            (Value::Nil, Value::Bool(true), Value::Int(-7), Value::Float(2.5), Value::Undef);
        tag(&n) as u64 == TAG_NIL
            && tag(&b) as u64 == TAG_BOOL
            && at1(&b) == 1
            && tag(&i) as u64 == TAG_INT
            && at8(&i) == (-7i64) as u64
            && tag(&f) as u64 == TAG_FLOAT
            && at8(&f) == 2.5f64.to_bits()
            && tag(&u) as i64 == VALUE_TAG_UNDEF
            && tag(&Value::str("s")) as i64 >= VALUE_TAG_FIRST_HEAP
            && tag(&Value::array(vec![])) as i64 >= VALUE_TAG_FIRST_HEAP
            && tag(&Value::Module(0x1234_5678)) as u64 == TAG_MODULE
            && *((&Value::Module(0x1234_5678) as *const Value as *const u8).add(VALUE_MODULE_OFF as usize)
                as *const u32)
                == 0x1234_5678
    }
}

/// Records one exiting frame. Never panics (it only pushes to a Vec whose
/// allocation failure aborts rather than unwinds).
///
/// # Safety
/// Called only by native code, with the `NativeCtx` the engine gave it and
/// pointers into its own slot window or values it just checked.
pub unsafe extern "C" fn tern_jit_exit(
    ctx: *mut NativeCtx,
    unit: u64,
    pc: u64,
    reason: u64,
    regs: *mut Slot,
) {
    // SAFETY: native code passes the ctx it was given and a window inside its slot stack.
    let ctx = unsafe { &mut *ctx };
    let list = (reason >> EXIT_LIST_SHIFT) as usize;
    if list != 0 {
        // SAFETY: the engine set exit_tags on entry; lists only name registers of this window.
        let lists = unsafe { &*ctx.exit_tags };
        for &(r, tag) in &lists[list] {
            unsafe { (*regs.add(r as usize)).tag = tag };
        }
    }
    let window = (regs as usize - ctx.slots_base as usize) / std::mem::size_of::<Slot>();
    let reason = ExitReason::from_u64(reason & ((1 << EXIT_LIST_SHIFT) - 1));
    ctx.exits.push(ExitFrame { unit: unit as u32, pc: pc as u32, reason, window });
}

/// Values one native run may keep alive (displaced by stores, or records
/// it made) before it leaves to the interpreter ([`ExitReason::Budget`]),
/// which frees the ones nothing else holds.
pub const DISPLACED_BUDGET: usize = 1 << 14;

/// Keeps `v` alive in the run's handle table until the run ends; true when
/// the table is now over [`DISPLACED_BUDGET`].
fn keep(heap: &mut Vec<tern_vm::Value>, v: tern_vm::Value) -> bool {
    heap.push(v);
    heap.len() > DISPLACED_BUDGET
}

/// Stores slot (tag, bits) into the `Value` at `addr` (a record field or
/// an array element, already checked against its annotation) when the
/// new or the old value is a heap value: the new one gets its own
/// reference; the old one is not dropped now (a borrowed handle in native
/// code may point to it) but kept in the run's handle table. Returns 0, or
/// 1 when the table is over [`DISPLACED_BUDGET`] (the store is done).
/// Never panics.
///
/// # Safety
/// Called only by native code, with the `NativeCtx` the engine gave it and
/// pointers into its own slot window or values it just checked.
pub unsafe extern "C" fn tern_jit_store(
    ctx: *mut NativeCtx,
    addr: *mut tern_vm::Value,
    tag: u64,
    bits: u64,
) -> u64 {
    use tern_vm::Value;
    // SAFETY: native code passes its ctx, whose handle table the engine set on entry.
    let ctx = unsafe { &mut *ctx };
    let heap = unsafe { &mut *ctx.heap };
    let new = slot_value(heap, Slot { tag, bits });
    // SAFETY: `addr` is a field or element slot native code just bounds-checked.
    let old = unsafe { std::ptr::replace(addr, new) };
    if matches!(old, Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_)) {
        return 0;
    }
    keep(heap, old) as u64
}

/// `NewRecord`: a record of `shape` (an `Rc<Shape>` pointer of a loaded
/// module) from the `n` field slots at `fields`, kept alive by the run's
/// handle table; native code gets a borrowed handle in `*out`. Returns 0;
/// 1 when a field fails its annotation (nothing made: the interpreter
/// re-runs the instruction and raises); 2 when made but the table is over
/// [`DISPLACED_BUDGET`] (the run leaves after the instruction). Never panics.
///
/// # Safety
/// Called only by native code, with the `NativeCtx` the engine gave it and
/// pointers into its own slot window or values it just checked.
pub unsafe extern "C" fn tern_jit_new_record(
    ctx: *mut NativeCtx,
    shape: *const tern_vm::Shape,
    fields: *const Slot,
    n: u64,
    out: *mut Slot,
) -> u64 {
    use tern_vm::Value;
    // SAFETY: native code passes its ctx, its own window, and a shape its module holds for the whole run.
    let ctx = unsafe { &mut *ctx };
    let heap = unsafe { &mut *ctx.heap };
    let shape = unsafe {
        std::rc::Rc::increment_strong_count(shape);
        std::rc::Rc::from_raw(shape)
    };
    let slots = unsafe { std::slice::from_raw_parts(fields, n as usize) };
    let values: Vec<Value> = slots.iter().map(|s| slot_value(heap, *s)).collect();
    if values.len() != shape.checks.len() || values.iter().zip(&shape.checks).any(|(v, c)| !v.fits(c)) {
        return 1;
    }
    let v =
        Value::Record(std::rc::Rc::new(tern_vm::Record { shape, fields: std::cell::RefCell::new(values) }));
    unsafe { *out = Slot { tag: TAG_RECORD, bits: crate::heap::payload(&v) } };
    if keep(heap, v) {
        2
    } else {
        0
    }
}

/// `NewArray`: an empty array with room for `cap` elements, kept alive by
/// the run's handle table; a borrowed handle in `*out`. Returns 0, or 2
/// when the table is over [`DISPLACED_BUDGET`]. Never panics.
///
/// # Safety
/// Called only by native code, with the `NativeCtx` the engine gave it and
/// pointers into its own slot window or values it just checked.
pub unsafe extern "C" fn tern_jit_new_array(ctx: *mut NativeCtx, cap: u64, out: *mut Slot) -> u64 {
    // SAFETY: native code passes its ctx and a slot of its own window.
    let ctx = unsafe { &mut *ctx };
    let heap = unsafe { &mut *ctx.heap };
    let v = tern_vm::Value::array(Vec::with_capacity(cap as usize));
    unsafe { *out = Slot { tag: TAG_ARRAY, bits: crate::heap::payload(&v) } };
    if keep(heap, v) {
        2
    } else {
        0
    }
}

/// `ArrayPush` (an element of an array literal): appends its own reference
/// to slot (tag, bits) to the array whose box is `arr`. Never panics.
///
/// # Safety
/// Called only by native code, with the `NativeCtx` the engine gave it and
/// pointers into its own slot window or values it just checked.
pub unsafe extern "C" fn tern_jit_array_push(ctx: *mut NativeCtx, arr: u64, tag: u64, bits: u64) {
    // SAFETY: native code passes its ctx and a borrowed array handle of this run.
    let ctx = unsafe { &mut *ctx };
    let heap = unsafe { &*ctx.heap };
    let v = slot_value(heap, Slot { tag, bits });
    if let tern_vm::Value::Array(a) = unsafe { crate::heap::own_slot(Slot { tag: TAG_ARRAY, bits: arr }) } {
        a.borrow_mut().push(v);
    }
}

/// The owned value a slot of this native run stands for (`heap`: the
/// run's handle table).
pub fn slot_value(heap: &[tern_vm::Value], s: Slot) -> tern_vm::Value {
    use tern_vm::Value;
    match s.tag {
        TAG_BOOL => Value::Bool(s.bits != 0),
        TAG_INT => Value::Int(s.bits as i64),
        TAG_FLOAT => Value::Float(f64::from_bits(s.bits)),
        TAG_HEAP => heap.get(s.bits as usize).cloned().unwrap_or(Value::Nil),
        // SAFETY: borrowed handles only come from live values of this native run.
        TAG_ARRAY | TAG_RECORD => unsafe { crate::heap::own_slot(s) },
        TAG_MODULE => Value::Module(s.bits as u32),
        _ => Value::Nil,
    }
}

/// Builtins native code calls through [`tern_jit_builtin`] (results are never heap values).
pub fn helper_builtin(b: tern_bytecode::Builtin) -> bool {
    use tern_bytecode::Builtin::*;
    matches!(b, Print | Int | Push | Len)
}

/// Runs builtin `b` on the `nargs` slots at `args`, result in `args[0]`.
/// Returns 0, or 1 when it would raise (nothing happened yet: the
/// interpreter re-runs the call and reports the error).
///
/// # Safety
/// Called only by native code, with the `NativeCtx` the engine gave it and
/// pointers into its own slot window or values it just checked.
pub unsafe extern "C" fn tern_jit_builtin(ctx: *mut NativeCtx, b: u64, nargs: u64, args: *mut Slot) -> u64 {
    use tern_vm::Value;
    // SAFETY: native code passes its ctx (whose vm/heap the engine set on entry) and its own window.
    let ctx = unsafe { &mut *ctx };
    let (vm, heap) = unsafe { (&mut *ctx.vm, &*ctx.heap) };
    let Some(which) = tern_bytecode::Builtin::from_u8(b as u8).filter(|b| helper_builtin(*b)) else {
        return 1;
    };
    let slots = unsafe { std::slice::from_raw_parts_mut(args, nargs as usize) };
    let vals: Vec<Value> = slots.iter().map(|s| slot_value(heap, *s)).collect();
    // A push of a value that needs to be dropped later is fine; one that would drop now is not possible.
    match tern_vm::builtins::call_builtin(which, &vals, &mut vm.out, std::time::Instant::now()) {
        Ok(Value::Nil) => slots[0] = Slot::nil(),
        Ok(Value::Int(i)) => slots[0] = Slot::int(i),
        Ok(Value::Float(f)) => slots[0] = Slot::float(f),
        Ok(Value::Bool(v)) => slots[0] = Slot::boolean(v),
        _ => return 1,
    }
    0
}
