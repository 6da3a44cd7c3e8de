//! The interpreter: module linking, call frames on a heap-allocated stack,
//! and the dispatch loop.
//!
//! Registers of the running frame are reached through a raw pointer into
//! `stack`, refreshed whenever the stack may move (calls, imports, tier
//! hooks). That is sound because every program is `verify`d first: each
//! register operand is below the function's `num_regs`, and a frame is only
//! pushed after `stack` holds `base + num_regs` slots.

use crate::builtins::call_builtin;
use crate::ops;
use crate::tier::{NativeExit, NativeFn, Tier};
use crate::value::{check_mask, tag_bit, Array, Check, Record, Shape, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;
use std::time::Instant;
use tern_bytecode::{Builtin, CheckKind, FunctionProto, Instr, Program, TypeCheck};
use tern_diag::{Code, Diagnostic, FileId, Frame as TraceFrame, Phase, SourceMap, Span};

/// Index into `Vm::functions`, global across modules.
pub type FnIdx = u32;

/// Calls nested deeper than this raise E1001.
pub const MAX_DEPTH: usize = 10_000;

/// `Frame::ret` for a call whose result is dropped (a module's top level).
pub const DISCARD: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
pub struct Frame {
    pub func: FnIdx,
    /// The next instruction to run (so `pc - 1` is the current one).
    pub pc: u32,
    /// First register of the window in `Vm::stack`.
    pub base: u32,
    /// Stack slot receiving the result, or [`DISCARD`].
    pub ret: u32,
}

/// A function as the VM runs it.
pub struct FnRt {
    pub proto: Rc<FunctionProto>,
    pub module: u32,
    /// `proto.code` with call targets and global indices relocated.
    pub code: Box<[Instr]>,
    pub consts: Box<[Value]>,
    pub num_regs: usize,
    pub calls: u32,
    /// Back-edge counters, by loop id.
    pub loops: Box<[u32]>,
    /// Operand type bits seen per pc (only while instrumented). Instructions
    /// without operands (constants, allocations, builtin and module calls,
    /// imports) record some bit when they run: zero means never executed.
    pub feedback: Box<[u8]>,
    /// Inline cache per field site: (shape, slot).
    pub field_cache: Box<[(*const Shape, u32)]>,
    /// Inline cache per member-call site: (module, function).
    pub member_cache: Box<[(u32, FnIdx)]>,
    pub native: Option<NativeFn>,
}

pub struct ModuleRt {
    pub path: String,
    pub file: FileId,
    pub program: Rc<Program>,
    pub fn_base: u32,
    pub global_base: u32,
    pub shapes: Vec<Rc<Shape>>,
    pub checks: Box<[Check]>,
    /// Per check, the `value::tag_bit`s that pass it without looking further
    /// (records of a struct still need the shape test): `checktype` fast path.
    pub check_masks: Box<[u8]>,
}

pub struct Vm {
    pub stack: Vec<Value>,
    pub frames: Vec<Frame>,
    pub functions: Vec<FnRt>,
    pub globals: Vec<Value>,
    pub modules: Vec<ModuleRt>,
    pub sources: SourceMap,
    pub out: Box<dyn Write>,
    pub hot_call_threshold: u32,
    pub hot_loop_threshold: u32,
    pub tier: Option<Box<dyn Tier>>,
    /// Instructions executed (counted only when instrumented).
    pub instructions: u64,
    /// Count instructions and record type feedback.
    pub instrument: bool,
    by_path: HashMap<String, u32>,
    epoch: Instant,
}

impl Vm {
    /// A VM writing program output to `out` (wrap it in a `BufWriter`).
    pub fn new(out: Box<dyn Write>) -> Vm {
        Vm {
            stack: vec![Value::Nil; 1024],
            frames: Vec::with_capacity(64),
            functions: Vec::new(),
            globals: Vec::new(),
            modules: Vec::new(),
            sources: SourceMap::new(),
            out,
            hot_call_threshold: u32::MAX,
            hot_loop_threshold: u32::MAX,
            tier: None,
            instructions: 0,
            instrument: false,
            by_path: HashMap::new(),
            epoch: Instant::now(),
        }
    }

    /// Installs a tier-up engine with its thresholds; turns on type feedback.
    pub fn set_tier(&mut self, tier: Box<dyn Tier>, hot_calls: u32, hot_loops: u32) {
        self.tier = Some(tier);
        self.hot_call_threshold = hot_calls.max(1);
        self.hot_loop_threshold = hot_loops.max(1);
        self.instrument = true;
    }

    /// Links a compiled module whose source is `file` in `self.sources`.
    pub fn add_module(&mut self, program: Program, file: FileId) -> u32 {
        let m = self.modules.len() as u32;
        let fn_base = self.functions.len() as u32;
        let global_base = self.globals.len() as u32;
        let resolve = |t: &TypeCheck| match t {
            TypeCheck::Int => Check::Int,
            TypeCheck::Float => Check::Float,
            TypeCheck::Bool => Check::Bool,
            TypeCheck::Str => Check::Str,
            TypeCheck::Array => Check::Array,
            TypeCheck::Struct(i) => {
                Check::Struct { module: m, index: *i, name: program.structs[*i as usize].name.clone() }
            }
            TypeCheck::Unknown(n) => Check::Unknown(n.clone()),
        };
        let checks: Box<[Check]> = program.types.iter().map(resolve).collect();
        let shapes = program
            .structs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Rc::new(Shape {
                    name: s.name.clone(),
                    module: m,
                    index: i as u16,
                    fields: s.fields.clone(),
                    checks: s.field_types.iter().map(|t| checks[*t as usize].clone()).collect(),
                    check_masks: s.field_types.iter().map(|t| check_mask(&checks[*t as usize])).collect(),
                })
            })
            .collect();
        for proto in &program.functions {
            let code: Box<[Instr]> = proto
                .code
                .iter()
                .map(|i| match *i {
                    Instr::Call { base, nargs, f } => Instr::Call { base, nargs, f: f + fn_base },
                    Instr::GetGlobal { dst, g } => Instr::GetGlobal { dst, g: g + global_base },
                    Instr::DefGlobal { src, g } => Instr::DefGlobal { src, g: g + global_base },
                    Instr::SetGlobal { src, g } => Instr::SetGlobal { src, g: g + global_base },
                    other => other,
                })
                .collect();
            let consts = proto
                .consts
                .iter()
                .map(|c| match c {
                    tern_bytecode::Const::Int(i) => Value::Int(*i),
                    tern_bytecode::Const::Float(f) => Value::Float(*f),
                    tern_bytecode::Const::Str(s) => Value::Str(Rc::from(s.as_str())),
                })
                .collect();
            self.functions.push(FnRt {
                proto: Rc::new(proto.clone()),
                module: m,
                feedback: vec![0; code.len()].into(),
                code,
                consts,
                num_regs: proto.num_regs as usize,
                calls: 0,
                loops: vec![0; proto.num_loops as usize].into(),
                field_cache: vec![(std::ptr::null(), 0); proto.names.len()].into(),
                member_cache: vec![(u32::MAX, 0); proto.names.len()].into(),
                native: None,
            });
        }
        self.globals.extend(std::iter::repeat_n(Value::Undef, program.globals.len()));
        self.by_path.insert(program.path.clone(), m);
        self.modules.push(ModuleRt {
            path: program.path.clone(),
            file,
            program: Rc::new(program),
            fn_base,
            global_base,
            shapes,
            check_masks: checks.iter().map(check_mask).collect(),
            checks,
        });
        m
    }

    /// Runs module `m`'s top level to completion (the entry point).
    pub fn run_module(&mut self, m: u32) -> Result<(), Box<Diagnostic>> {
        let f = self.modules[m as usize].fn_base;
        let base = self
            .frames
            .last()
            .map(|fr| fr.base as usize + self.functions[fr.func as usize].num_regs)
            .unwrap_or(0);
        self.push_frame(f, base, DISCARD)?;
        self.dispatch(self.frames.len() - 1)?;
        Ok(())
    }

    /// Calls function `f` with `args` and runs it to completion: the entry
    /// point for native code calling back into the interpreter.
    pub fn call(&mut self, f: FnIdx, args: &[Value]) -> Result<Value, Box<Diagnostic>> {
        let base = self
            .frames
            .last()
            .map(|fr| fr.base as usize + self.functions[fr.func as usize].num_regs)
            .unwrap_or(0);
        let need = base + self.functions[f as usize].num_regs.max(args.len());
        if self.stack.len() < need {
            self.stack.resize(need.max(self.stack.len() * 2), Value::Nil);
        }
        self.stack[base..base + args.len()].clone_from_slice(args);
        self.push_frame(f, base, DISCARD)?;
        self.dispatch(self.frames.len() - 1)
    }

    fn push_frame(&mut self, f: FnIdx, base: usize, ret: u32) -> Result<(), Box<Diagnostic>> {
        if self.frames.len() >= MAX_DEPTH {
            return Err(self.error_here(Code::StackOverflow, format!("call depth exceeded {MAX_DEPTH}")));
        }
        let need = base + self.functions[f as usize].num_regs;
        if self.stack.len() < need {
            self.stack.resize(need.max(self.stack.len() * 2), Value::Nil);
        }
        self.frames.push(Frame { func: f, pc: 0, base: base as u32, ret });
        Ok(())
    }

    /// Writes buffered program output.
    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }

    /// Appends one line of program output (what `print` does).
    pub fn print(&mut self, v: &Value) {
        let _ = call_builtin(Builtin::Print, std::slice::from_ref(v), &mut self.out, self.epoch);
    }

    // ------------------------------------------------------------------ errors

    /// The trace name of a function: `<main>` / `<module path>` for top levels.
    pub fn function_name(&self, f: FnIdx) -> String {
        let fr = &self.functions[f as usize];
        let m = &self.modules[fr.module as usize];
        if m.fn_base == f {
            if fr.module == 0 {
                "<main>".into()
            } else {
                format!("<module {}>", m.path)
            }
        } else {
            fr.proto.name.clone()
        }
    }

    /// The source span of instruction `pc` of function `f`.
    pub fn span_of(&self, f: FnIdx, pc: usize) -> Span {
        let fr = &self.functions[f as usize];
        let s = fr.proto.spans.get(pc).copied().unwrap_or_default();
        Span { file: self.modules[fr.module as usize].file, start: s.start, end: s.end }
    }

    /// The current stack trace, innermost first.
    pub fn trace(&self) -> Vec<TraceFrame> {
        self.frames
            .iter()
            .rev()
            .map(|fr| {
                let span = self.span_of(fr.func, (fr.pc as usize).saturating_sub(1));
                let (line, col) = self.sources.line_col(span.file, span.start);
                TraceFrame {
                    function: self.function_name(fr.func),
                    file: self.sources.name(span.file).to_string(),
                    line,
                    col,
                }
            })
            .collect()
    }

    /// A runtime error at instruction `pc` of `f` with the current trace.
    pub fn error_at(&self, code: Code, message: String, f: FnIdx, pc: usize) -> Box<Diagnostic> {
        let mut d = Diagnostic::new(code, Phase::Runtime, self.span_of(f, pc), message);
        d.trace = self.trace();
        Box::new(d)
    }

    /// A runtime error at the top frame's current instruction.
    pub fn error_here(&self, code: Code, message: String) -> Box<Diagnostic> {
        match self.frames.last() {
            Some(fr) => self.error_at(code, message, fr.func, (fr.pc as usize).saturating_sub(1)),
            None => Box::new(Diagnostic::at(
                code,
                Phase::Runtime,
                tern_diag::Location { file: String::new(), line: 0, col: 0 },
                message,
            )),
        }
    }

    fn global_name(&self, g: usize) -> String {
        for m in self.modules.iter().rev() {
            if g >= m.global_base as usize {
                return m.program.globals.get(g - m.global_base as usize).cloned().unwrap_or_default();
            }
        }
        String::new()
    }

    // ------------------------------------------------------------------ modules

    /// Runs an `import`: returns the module and whether its top level must run now.
    fn import(&mut self, f: FnIdx, site: u16) -> Result<(u32, bool), Box<Diagnostic>> {
        let fr = &self.functions[f as usize];
        let written = fr.proto.names[site as usize].clone();
        let importer = self.modules[fr.module as usize].path.clone();
        let path = tern_syntax::loader::resolve(&importer, &written);
        if let Some(&m) = self.by_path.get(&path) {
            return Ok((m, false));
        }
        let pc = (self.frames.last().map(|fr| fr.pc).unwrap_or(1) as usize).saturating_sub(1);
        let at = self.span_of(f, pc);
        let with_trace = |vm: &Vm, d: Diagnostic| {
            let mut d = d.with_phase(Phase::Import);
            d.trace = vm.trace();
            Box::new(d)
        };
        let (file, ast) =
            match tern_syntax::loader::load_file(&path, Some(at), &mut self.sources, Phase::Import) {
                Ok(x) => x,
                Err(d) => return Err(with_trace(self, d)),
            };
        let program = match tern_bytecode::compile_module(&path, self.sources.text(file), &ast, Phase::Import)
        {
            Ok(p) => p,
            Err(d) => return Err(with_trace(self, d)),
        };
        Ok((self.add_module(program, file), true))
    }

    fn member_function(&mut self, f: FnIdx, site: u16, m: u32, nargs: u8) -> Result<FnIdx, (Code, String)> {
        let cached = self.functions[f as usize].member_cache[site as usize];
        if cached.0 == m {
            return Ok(cached.1);
        }
        let name = &self.functions[f as usize].proto.names[site as usize];
        let module = &self.modules[m as usize];
        let Some(i) = module.program.function_index(name) else {
            return Err(if module.program.global_index(name).is_some() {
                (
                    Code::NotCallable,
                    format!("`{name}` is a variable of module `{}`, not a function", module.path),
                )
            } else {
                (Code::UnknownMember, format!("module `{}` has no function `{name}`", module.path))
            });
        };
        let callee = module.fn_base + i as u32;
        let arity = self.functions[callee as usize].proto.arity;
        if arity != nargs {
            return Err((
                Code::WrongArity,
                format!(
                    "`{name}` takes {arity} argument{} but {nargs} {} given",
                    if arity == 1 { "" } else { "s" },
                    if nargs == 1 { "was" } else { "were" }
                ),
            ));
        }
        self.functions[f as usize].member_cache[site as usize] = (m, callee);
        Ok(callee)
    }

    fn module_global(&self, m: u32, name: &str) -> Result<Value, (Code, String)> {
        let module = &self.modules[m as usize];
        match module.program.global_index(name) {
            Some(g) => match &self.globals[module.global_base as usize + g] {
                Value::Undef => Err((
                    Code::Uninitialized,
                    format!("`{name}` of module `{}` read before its `let` ran", module.path),
                )),
                v => Ok(v.clone()),
            },
            None if module.program.function_index(name).is_some() => {
                Err((Code::FunctionAsValue, format!("function `{name}` used as a value")))
            }
            None => Err((Code::UnknownMember, format!("module `{}` has no global `{name}`", module.path))),
        }
    }

    // ------------------------------------------------------------------ fields

    fn field_slot(&mut self, f: FnIdx, site: u16, rec: &Record) -> Result<usize, (Code, String)> {
        let fr = &mut self.functions[f as usize];
        let cache = &mut fr.field_cache[site as usize];
        let sp = Rc::as_ptr(&rec.shape);
        if cache.0 == sp {
            return Ok(cache.1 as usize);
        }
        let name = &fr.proto.names[site as usize];
        match rec.shape.slot(name) {
            Some(slot) => {
                *cache = (sp, slot as u32);
                Ok(slot)
            }
            None => Err((Code::UnknownField, format!("struct `{}` has no field `{name}`", rec.shape.name))),
        }
    }

    /// `obj.name` for native code (records and modules).
    pub fn get_field(&mut self, f: FnIdx, site: u16, obj: &Value) -> Result<Value, (Code, String)> {
        match obj {
            Value::Record(r) => {
                let slot = self.field_slot(f, site, r)?;
                Ok(r.fields.borrow()[slot].clone())
            }
            Value::Module(m) => {
                let name = self.functions[f as usize].proto.names[site as usize].clone();
                self.module_global(*m, &name)
            }
            Value::Nil => Err((
                Code::NilAccess,
                format!("field `{}` of nil", self.functions[f as usize].proto.names[site as usize]),
            )),
            v => Err((
                Code::NotIndexable,
                format!(
                    "`.{}` needs a record, found {}",
                    self.functions[f as usize].proto.names[site as usize],
                    v.type_name()
                ),
            )),
        }
    }

    /// `obj.name = val` for native code.
    pub fn set_field(&mut self, f: FnIdx, site: u16, obj: &Value, val: Value) -> Result<(), (Code, String)> {
        match obj {
            Value::Record(r) => {
                let slot = self.field_slot(f, site, r)?;
                let check = &r.shape.checks[slot];
                if !val.fits(check) {
                    return Err(annotation_error(
                        check,
                        &val,
                        &format!("field `{}` of `{}`", r.shape.fields[slot], r.shape.name),
                    ));
                }
                r.fields.borrow_mut()[slot] = val;
                Ok(())
            }
            Value::Nil => Err((
                Code::NilAccess,
                format!("field `{}` of nil", self.functions[f as usize].proto.names[site as usize]),
            )),
            Value::Module(_) => {
                Err((Code::NotIndexable, "module globals cannot be assigned from outside the module".into()))
            }
            v => Err((
                Code::NotIndexable,
                format!(
                    "`.{}` needs a record, found {}",
                    self.functions[f as usize].proto.names[site as usize],
                    v.type_name()
                ),
            )),
        }
    }

    fn hot_call(&mut self, f: FnIdx) {
        if let Some(mut t) = self.tier.take() {
            t.on_hot_call(self, f);
            self.tier = Some(t);
        }
    }

    fn hot_loop(&mut self, f: FnIdx, header: u32) -> Option<NativeFn> {
        let mut t = self.tier.take()?;
        let r = t.on_hot_loop(self, f, header);
        self.tier = Some(t);
        r
    }

    /// Runs frames until the frame at depth `stop` returns; gives its value.
    pub fn dispatch(&mut self, stop: usize) -> Result<Value, Box<Diagnostic>> {
        // A tier needs the call/back-edge counters, kept only when instrumented.
        if self.instrument || self.tier.is_some() {
            self.run::<true>(stop)
        } else {
            self.run::<false>(stop)
        }
    }
}

/// The message for a failed annotation check.
pub fn annotation_error(check: &Check, v: &Value, what: &str) -> (Code, String) {
    match check {
        Check::Unknown(n) => (Code::UnknownType, format!("unknown type `{n}` in an annotation")),
        c => (
            Code::AnnotationMismatch,
            format!("{what} is annotated {} but got {}", c.describe(), v.type_name()),
        ),
    }
}

#[inline(always)]
fn int_index(v: &Value, len: usize) -> Result<usize, (Code, String)> {
    match v {
        Value::Int(i) if *i >= 0 && (*i as u64) < len as u64 => Ok(*i as usize),
        Value::Int(i) => {
            Err((Code::IndexOutOfRange, format!("index {i} out of range for an array of length {len}")))
        }
        v => Err((Code::Mismatch, format!("an array index must be an int, found {}", v.type_name()))),
    }
}

impl Vm {
    #[allow(unused_assignments)]
    fn run<const INSTR: bool>(&mut self, stop: usize) -> Result<Value, Box<Diagnostic>> {
        let mut fi: usize;
        let mut pc: usize;
        let mut base: usize;
        let mut code: *const Instr;
        let mut regs: *mut Value;

        // Points the loop's cached state at function `f` with its window at
        // `b` (pc is set by the caller). Indices come from verified code.
        macro_rules! enter_frame {
            ($f:expr, $b:expr) => {{
                fi = $f;
                base = $b;
                let f = unsafe { self.functions.get_unchecked(fi) };
                code = f.code.as_ptr();
                regs = unsafe { self.stack.as_mut_ptr().add(base) };
            }};
        }
        macro_rules! reload {
            () => {{
                let fr = *self.frames.last().expect("a frame is running");
                pc = fr.pc as usize;
                enter_frame!(fr.func as usize, fr.base as usize);
            }};
        }
        macro_rules! sync {
            () => {
                unsafe { self.frames.last_mut().unwrap_unchecked().pc = pc as u32 }
            };
        }
        macro_rules! throw {
            ($code:expr, $msg:expr) => {{
                sync!();
                return Err(self.error_here($code, $msg));
            }};
        }
        macro_rules! tryop {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err((c, m)) => throw!(c, m),
                }
            };
        }
        macro_rules! rd {
            ($r:expr) => {
                unsafe { &*regs.add($r as usize) }
            };
        }
        macro_rules! wr {
            ($r:expr, $v:expr) => {{
                let v = $v;
                unsafe { Value::store(regs.add($r as usize), v) }
            }};
        }
        macro_rules! feedback {
            ($($r:expr),*) => {
                if INSTR {
                    let bits = 0 $(| tag_bit(rd!($r)))*;
                    self.functions[fi].feedback[pc - 1] |= bits;
                }
            };
        }
        macro_rules! jump {
            ($off:expr) => {
                pc = (pc as isize + $off as isize) as usize
            };
        }
        macro_rules! back_edge {
            ($id:expr) => {{
                // Counters matter only to a tier (which runs instrumented).
                if INSTR && {
                    let c = &mut self.functions[fi].loops[$id as usize];
                    *c = c.wrapping_add(1);
                    *c == self.hot_loop_threshold
                } {
                    sync!();
                    if let Some(native) = self.hot_loop(fi as FnIdx, pc as u32) {
                        match native(self, base) {
                            NativeExit::Return(v) => {
                                // The OSR'd function finished: return from this frame.
                                let fr = self.frames.pop().expect("frame");
                                if self.frames.len() <= stop {
                                    return Ok(v);
                                }
                                if fr.ret != DISCARD {
                                    self.stack[fr.ret as usize] = v;
                                }
                            }
                            NativeExit::Deopt { pc } => self.frames.last_mut().expect("frame").pc = pc,
                            NativeExit::Error(d) => return Err(d),
                        }
                    }
                    reload!();
                }
            }};
        }
        // Calls `callee` with its window at `new_base`, result to `ret`.
        macro_rules! enter {
            ($callee:expr, $new_base:expr, $ret:expr) => {{
                let callee = $callee as usize;
                let new_base: usize = $new_base;
                if self.frames.len() >= MAX_DEPTH {
                    throw!(
                        Code::StackOverflow,
                        format!("call depth exceeded {MAX_DEPTH} (runaway recursion?)")
                    );
                }
                sync!();
                let f = unsafe { self.functions.get_unchecked_mut(callee) };
                if INSTR && {
                    f.calls = f.calls.wrapping_add(1);
                    f.calls == self.hot_call_threshold
                } {
                    self.hot_call(callee as FnIdx);
                }
                let f = unsafe { self.functions.get_unchecked(callee) };
                let need = new_base + f.num_regs;
                if self.stack.len() < need {
                    self.stack.resize(need.max(self.stack.len() * 2), Value::Nil);
                }
                self.frames.push(Frame {
                    func: callee as FnIdx,
                    pc: 0,
                    base: new_base as u32,
                    ret: $ret as u32,
                });
                if let Some(native) = f.native.clone() {
                    match native(self, new_base) {
                        NativeExit::Return(v) => {
                            self.frames.pop();
                            if $ret as u32 != DISCARD {
                                self.stack[$ret as usize] = v;
                            }
                        }
                        NativeExit::Deopt { pc } => self.frames.last_mut().expect("frame").pc = pc,
                        NativeExit::Error(d) => return Err(d),
                    }
                    reload!();
                } else {
                    // Interpreted callee: its frame is the one just pushed.
                    pc = 0;
                    enter_frame!(callee, new_base);
                }
            }};
        }
        macro_rules! do_return {
            ($v:expr) => {{
                let v = $v;
                let fr = unsafe { self.frames.pop().unwrap_unchecked() };
                if self.frames.len() <= stop {
                    return Ok(v);
                }
                if fr.ret != DISCARD {
                    unsafe { *self.stack.get_unchecked_mut(fr.ret as usize) = v };
                }
                reload!();
            }};
        }

        reload!();
        loop {
            let ins = unsafe { *code.add(pc) };
            pc += 1;
            if INSTR {
                self.instructions += 1;
            }
            match ins {
                Instr::Nil { dst } => wr!(dst, Value::Nil),
                Instr::Bool { dst, v } => wr!(dst, Value::Bool(v)),
                Instr::Int { dst, v } => wr!(dst, Value::Int(v as i64)),
                Instr::Const { dst, k } => {
                    wr!(dst, unsafe {
                        self.functions.get_unchecked(fi).consts.get_unchecked(k as usize).clone()
                    });
                    // Instructions without operands record that they ran (the
                    // result's type): a tier tells cold code from hot by it.
                    feedback!(dst);
                }
                Instr::Move { dst, src } => unsafe {
                    Value::copy_to(regs.add(src as usize), regs.add(dst as usize))
                },
                Instr::GetGlobal { dst, g } => {
                    let v = &self.globals[g as usize];
                    if let Value::Undef = v {
                        throw!(
                            Code::Uninitialized,
                            format!("global `{}` read before its `let` ran", self.global_name(g as usize))
                        );
                    }
                    wr!(dst, v.clone());
                }
                Instr::DefGlobal { src, g } => self.globals[g as usize] = rd!(src).clone(),
                Instr::SetGlobal { src, g } => {
                    if let Value::Undef = self.globals[g as usize] {
                        throw!(
                            Code::Uninitialized,
                            format!(
                                "global `{}` assigned before its `let` ran",
                                self.global_name(g as usize)
                            )
                        );
                    }
                    self.globals[g as usize] = rd!(src).clone();
                }
                Instr::Add { dst, a, b } => {
                    feedback!(a, b);
                    match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) => wr!(dst, Value::Int(x.wrapping_add(*y))),
                        (Value::Float(x), Value::Float(y)) => wr!(dst, Value::Float(x + y)),
                        (x, y) => wr!(dst, tryop!(ops::add(x, y))),
                    }
                }
                Instr::Sub { dst, a, b } => {
                    feedback!(a, b);
                    match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) => wr!(dst, Value::Int(x.wrapping_sub(*y))),
                        (Value::Float(x), Value::Float(y)) => wr!(dst, Value::Float(x - y)),
                        (x, y) => wr!(dst, tryop!(ops::sub(x, y))),
                    }
                }
                Instr::Mul { dst, a, b } => {
                    feedback!(a, b);
                    match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) => wr!(dst, Value::Int(x.wrapping_mul(*y))),
                        (Value::Float(x), Value::Float(y)) => wr!(dst, Value::Float(x * y)),
                        (x, y) => wr!(dst, tryop!(ops::mul(x, y))),
                    }
                }
                Instr::Div { dst, a, b } => {
                    feedback!(a, b);
                    match (rd!(a), rd!(b)) {
                        (Value::Float(x), Value::Float(y)) => wr!(dst, Value::Float(x / y)),
                        (x, y) => wr!(dst, tryop!(ops::div(x, y))),
                    }
                }
                Instr::Rem { dst, a, b } => {
                    feedback!(a, b);
                    match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) if *y != 0 => wr!(dst, Value::Int(x.wrapping_rem(*y))),
                        (x, y) => wr!(dst, tryop!(ops::rem(x, y))),
                    }
                }
                Instr::AddI { dst, a, v } => {
                    feedback!(a);
                    match rd!(a) {
                        Value::Int(x) => wr!(dst, Value::Int(x.wrapping_add(v as i64))),
                        x => {
                            let r = ops::add(x, &Value::Int(v as i64));
                            wr!(dst, tryop!(r))
                        }
                    }
                }
                Instr::Eq { dst, a, b } => {
                    feedback!(a, b);
                    wr!(dst, Value::Bool(tryop!(ops::equal("==", rd!(a), rd!(b)))))
                }
                Instr::Ne { dst, a, b } => {
                    feedback!(a, b);
                    wr!(dst, Value::Bool(!tryop!(ops::equal("!=", rd!(a), rd!(b)))))
                }
                Instr::Lt { dst, a, b } => {
                    feedback!(a, b);
                    let t = match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) => x < y,
                        (x, y) => tryop!(ops::ordered("<", x, y)),
                    };
                    wr!(dst, Value::Bool(t))
                }
                Instr::Le { dst, a, b } => {
                    feedback!(a, b);
                    wr!(dst, Value::Bool(tryop!(ops::ordered("<=", rd!(a), rd!(b)))))
                }
                Instr::Gt { dst, a, b } => {
                    feedback!(a, b);
                    wr!(dst, Value::Bool(tryop!(ops::ordered(">", rd!(a), rd!(b)))))
                }
                Instr::Ge { dst, a, b } => {
                    feedback!(a, b);
                    wr!(dst, Value::Bool(tryop!(ops::ordered(">=", rd!(a), rd!(b)))))
                }
                Instr::Neg { dst, src } => {
                    feedback!(src);
                    wr!(dst, tryop!(ops::neg(rd!(src))))
                }
                Instr::Not { dst, src } => match rd!(src) {
                    Value::Bool(b) => wr!(dst, Value::Bool(!b)),
                    x => wr!(dst, tryop!(ops::not(x))),
                },
                Instr::Jump { off } => jump!(off),
                Instr::JumpIfFalse { r, off } => match rd!(r) {
                    Value::Bool(true) => {}
                    Value::Bool(false) => jump!(off),
                    v => throw!(
                        Code::ConditionNotBool,
                        format!("a condition must be a bool, found {}", v.type_name())
                    ),
                },
                Instr::JumpIfTrue { r, off } => match rd!(r) {
                    Value::Bool(true) => jump!(off),
                    Value::Bool(false) => {}
                    v => throw!(
                        Code::ConditionNotBool,
                        format!("a condition must be a bool, found {}", v.type_name())
                    ),
                },
                Instr::CheckBool { r } => {
                    if !matches!(rd!(r), Value::Bool(_)) {
                        throw!(
                            Code::Mismatch,
                            format!("`&&` and `||` need bool operands, found {}", rd!(r).type_name())
                        );
                    }
                }
                Instr::JumpIfNotLt { a, b, off } => {
                    feedback!(a, b);
                    let t = match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) => x < y,
                        (Value::Float(x), Value::Float(y)) => x < y,
                        (x, y) => tryop!(ops::ordered("<", x, y)),
                    };
                    if !t {
                        jump!(off)
                    }
                }
                Instr::JumpIfNotLe { a, b, off } => {
                    feedback!(a, b);
                    let t = match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) => x <= y,
                        (Value::Float(x), Value::Float(y)) => x <= y,
                        (x, y) => tryop!(ops::ordered("<=", x, y)),
                    };
                    if !t {
                        jump!(off)
                    }
                }
                Instr::JumpIfNotGt { a, b, off } => {
                    feedback!(a, b);
                    let t = match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) => x > y,
                        (Value::Float(x), Value::Float(y)) => x > y,
                        (x, y) => tryop!(ops::ordered(">", x, y)),
                    };
                    if !t {
                        jump!(off)
                    }
                }
                Instr::JumpIfNotGe { a, b, off } => {
                    feedback!(a, b);
                    let t = match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) => x >= y,
                        (Value::Float(x), Value::Float(y)) => x >= y,
                        (x, y) => tryop!(ops::ordered(">=", x, y)),
                    };
                    if !t {
                        jump!(off)
                    }
                }
                Instr::JumpIfNotEq { a, b, off } => {
                    feedback!(a, b);
                    let t = match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) => x == y,
                        (x, y) => tryop!(ops::equal("==", x, y)),
                    };
                    if !t {
                        jump!(off)
                    }
                }
                Instr::JumpIfNotNe { a, b, off } => {
                    feedback!(a, b);
                    let t = match (rd!(a), rd!(b)) {
                        (Value::Int(x), Value::Int(y)) => x != y,
                        (x, y) => !tryop!(ops::equal("!=", x, y)),
                    };
                    if !t {
                        jump!(off)
                    }
                }
                Instr::Loop { id, off } => {
                    jump!(off);
                    back_edge!(id);
                }
                Instr::ForPrep { base: b, off } => match (rd!(b), rd!(b + 1)) {
                    (Value::Int(s), Value::Int(e)) => {
                        if s >= e {
                            jump!(off)
                        } else {
                            let s = *s;
                            wr!(b + 2, Value::Int(s))
                        }
                    }
                    (s, e) => throw!(
                        Code::Mismatch,
                        format!("a `for` range needs int bounds, found {}..{}", s.type_name(), e.type_name())
                    ),
                },
                Instr::ForLoop { base: b, id, off } => {
                    // The counter and limit are hidden registers ForPrep made ints.
                    let (c, e) = unsafe {
                        let (Value::Int(c), Value::Int(e)) =
                            (&mut *regs.add(b as usize), &*regs.add(b as usize + 1))
                        else {
                            std::hint::unreachable_unchecked()
                        };
                        *c += 1;
                        (*c, *e)
                    };
                    if c < e {
                        wr!(b + 2, Value::Int(c));
                        jump!(off);
                        back_edge!(id);
                    }
                }
                Instr::Call { base: b, nargs: _, f } => {
                    enter!(f, base + b as usize, base + b as usize);
                }
                Instr::CallBuiltin { base: b, nargs, b: which } => {
                    feedback!(b);
                    let args = unsafe { std::slice::from_raw_parts(regs.add(b as usize), nargs as usize) };
                    if which == Builtin::Sqrt as u8 {
                        if let [Value::Float(x)] = args {
                            wr!(b, Value::Float(x.sqrt()));
                            continue;
                        }
                    }
                    let which = Builtin::from_u8(which).expect("verified builtin");
                    let v = tryop!(call_builtin(which, args, &mut self.out, self.epoch));
                    wr!(b, v);
                }
                Instr::CallMember { base: b, nargs, site } => {
                    feedback!(b);
                    let m = match rd!(b) {
                        Value::Module(m) => *m,
                        Value::Nil => throw!(
                            Code::NilAccess,
                            format!("calling `.{}()` on nil", self.functions[fi].proto.names[site as usize])
                        ),
                        v => throw!(
                            Code::NotCallable,
                            format!(
                                "`.{}(...)` calls a module function, but this is {}",
                                self.functions[fi].proto.names[site as usize],
                                v.type_name()
                            )
                        ),
                    };
                    let callee = tryop!(self.member_function(fi as FnIdx, site, m, nargs));
                    enter!(callee, base + b as usize + 1, base + b as usize);
                }
                Instr::Return { src } => {
                    let fr = unsafe { self.frames.pop().unwrap_unchecked() };
                    if self.frames.len() <= stop {
                        return Ok(rd!(src).clone());
                    }
                    if fr.ret != DISCARD {
                        // The callee's registers stay valid: the stack only grows.
                        unsafe {
                            Value::copy_to(
                                regs.add(src as usize),
                                self.stack.as_mut_ptr().add(fr.ret as usize),
                            )
                        };
                    }
                    reload!();
                }
                Instr::ReturnNil => do_return!(Value::Nil),
                Instr::NewArray { dst, cap } => {
                    wr!(dst, Value::Array(Rc::new(Array::new(Vec::with_capacity(cap as usize)))));
                    feedback!(dst);
                }
                Instr::ArrayPush { arr, val } => {
                    if let Value::Array(a) = rd!(arr) {
                        a.borrow_mut().push(rd!(val).clone());
                    }
                }
                Instr::NewRecord { dst, base: b, s } => {
                    feedback!(dst);
                    let shape = self.modules[self.functions[fi].module as usize].shapes[s as usize].clone();
                    let fields: Vec<Value> =
                        (0..shape.fields.len()).map(|i| rd!(b as usize + i).clone()).collect();
                    for (i, (v, check)) in fields.iter().zip(&shape.checks).enumerate() {
                        if !v.fits(check) {
                            throw!(
                                annotation_error(
                                    check,
                                    v,
                                    &format!("field `{}` of `{}`", shape.fields[i], shape.name)
                                )
                                .0,
                                annotation_error(
                                    check,
                                    v,
                                    &format!("field `{}` of `{}`", shape.fields[i], shape.name)
                                )
                                .1
                            );
                        }
                    }
                    wr!(dst, Value::Record(Rc::new(Record { shape, fields: RefCell::new(fields) })));
                }
                Instr::GetField { dst, obj, site } => {
                    feedback!(obj);
                    let v = match rd!(obj) {
                        Value::Record(r) => {
                            let cache = unsafe {
                                *self.functions.get_unchecked(fi).field_cache.get_unchecked(site as usize)
                            };
                            let slot = if cache.0 == Rc::as_ptr(&r.shape) {
                                cache.1 as usize
                            } else {
                                tryop!(self.field_slot(fi as FnIdx, site, r))
                            };
                            // SAFETY (fields): the VM never keeps a borrow of a
                            // record's fields across instructions, and native code
                            // only borrows them inside `get_field`/`set_field`, so
                            // no `borrow_mut` is live while an instruction runs.
                            let src: *const Value = unsafe { &(&(*r.fields.as_ptr()))[slot] };
                            unsafe { Value::copy_to(src, regs.add(dst as usize)) };
                            continue;
                        }
                        o => {
                            let o = o.clone();
                            tryop!(self.get_field(fi as FnIdx, site, &o))
                        }
                    };
                    wr!(dst, v);
                }
                Instr::SetField { obj, val, site } => {
                    feedback!(obj, val);
                    // Fast path: cached shape and a value whose tag passes the
                    // field's annotation outright; anything else takes `set_field`.
                    if let Value::Record(r) = rd!(obj) {
                        let cache = unsafe {
                            *self.functions.get_unchecked(fi).field_cache.get_unchecked(site as usize)
                        };
                        if cache.0 == Rc::as_ptr(&r.shape) {
                            let slot = cache.1 as usize;
                            let v = rd!(val);
                            if r.shape.check_masks[slot] & tag_bit(v) != 0 {
                                let v = v.clone();
                                // SAFETY: see GetField; the old value is dropped
                                // after the write, and `r` stays alive (r[obj] holds it).
                                let old =
                                    unsafe { std::mem::replace(&mut (&mut *r.fields.as_ptr())[slot], v) };
                                drop(old);
                                continue;
                            }
                        }
                    }
                    let o = rd!(obj).clone();
                    let v = rd!(val).clone();
                    tryop!(self.set_field(fi as FnIdx, site, &o, v));
                }
                Instr::GetIndex { dst, obj, idx } => {
                    feedback!(obj, idx);
                    match rd!(obj) {
                        Value::Array(a) => {
                            // SAFETY: as for record fields (see GetField).
                            let items = unsafe { &*a.as_ptr() };
                            let i = tryop!(int_index(rd!(idx), items.len()));
                            unsafe { Value::copy_to(&items[i], regs.add(dst as usize)) };
                        }
                        Value::Nil => throw!(Code::NilAccess, "indexing nil".into()),
                        v => throw!(
                            Code::NotIndexable,
                            format!("only arrays can be indexed, found {}", v.type_name())
                        ),
                    };
                }
                Instr::SetIndex { obj, idx, val } => {
                    feedback!(obj, idx, val);
                    match rd!(obj) {
                        Value::Array(a) => {
                            let v = rd!(val).clone();
                            let mut a = a.borrow_mut();
                            let i = tryop!(int_index(rd!(idx), a.len()));
                            a[i] = v;
                        }
                        Value::Nil => throw!(Code::NilAccess, "indexing nil".into()),
                        v => throw!(
                            Code::NotIndexable,
                            format!("only arrays can be indexed, found {}", v.type_name())
                        ),
                    }
                }
                Instr::Import { dst, site } => {
                    feedback!(dst);
                    sync!();
                    let (m, run_top) = self.import(fi as FnIdx, site)?;
                    wr!(dst, Value::Module(m));
                    if run_top {
                        let top = self.modules[m as usize].fn_base;
                        let new_base = base + self.functions[fi].num_regs;
                        enter!(top, new_base, DISCARD);
                    }
                }
                Instr::CheckType { r, kind, ty } => {
                    // Few live variables in the loop keep its state in machine
                    // registers, so the module's check tables are looked up here.
                    let m = unsafe {
                        self.modules.get_unchecked(self.functions.get_unchecked(fi).module as usize)
                    };
                    let check = unsafe { m.checks.get_unchecked(ty as usize) };
                    let v = rd!(r);
                    let quick = unsafe { *m.check_masks.get_unchecked(ty as usize) } & tag_bit(v) != 0;
                    if !quick && !v.fits(check) {
                        let what = match kind {
                            CheckKind::Annotation => "the value".to_string(),
                            CheckKind::Argument => {
                                format!("argument {} of `{}`", r + 1, self.functions[fi].proto.name)
                            }
                        };
                        let (mut code, msg) = annotation_error(check, v, &what);
                        if kind == CheckKind::Argument && code == Code::AnnotationMismatch {
                            code = Code::ArgumentMismatch;
                        }
                        throw!(code, msg);
                    }
                }
                Instr::Raise { e } => {
                    let err = &self.functions[fi].proto.errors[e as usize];
                    let code = Code::from_number(err.code).expect("verified code");
                    let hint = err.hint.clone();
                    let msg = err.message.clone();
                    sync!();
                    let mut d = self.error_here(code, msg);
                    if let Some(h) = hint {
                        d.hint = Some(h);
                    }
                    return Err(d);
                }
            }
        }
    }
}
