//! Where native code lives: one `JITModule` per run, with every runtime
//! helper registered by name, and a hard budget on how much we compile.
//!
//! Code-memory strategy: all code lives in one reserved region (an
//! `ArenaMemoryProvider`, so direct calls between functions always reach),
//! compiled code is never freed while the program runs (old versions stay valid after a recompile, because a caller that
//! was compiled against them may still call them), the number of function
//! definitions is capped at [`MAX_DEFINITIONS`], and all of it is released in
//! one go by `free_memory` when the [`CodeMemory`] is dropped, which happens
//! only after the last native frame has returned.

use cranelift_codegen::ir::{self, UserFuncName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{ArenaMemoryProvider, JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module};

/// Compiling stops (events say `reason=code-budget`) after this many
/// function bodies, recompiles included. Generous for course programs, yet it
/// bounds memory if a program keeps deoptimising and recompiling.
pub const MAX_DEFINITIONS: usize = 4096;

/// Address space reserved for code (not committed until used): far more
/// than [`MAX_DEFINITIONS`] functions need, and within the ±2 GiB a
/// PC-relative call reaches.
pub const CODE_ARENA_BYTES: usize = 512 << 20;

/// A helper the native code may call, registered with `JITBuilder::symbol`.
#[derive(Clone, Copy)]
pub struct Helper {
    pub name: &'static str,
    pub ptr: *const u8,
    pub params: &'static [ir::Type],
    pub returns: &'static [ir::Type],
}

pub struct CodeMemory {
    /// Built on first use ([`Self::start`]): a run where nothing gets hot
    /// never sets up cranelift.
    module: Option<JITModule>,
    helper_specs: Vec<Helper>,
    pub ctx: Context,
    pub fctx: FunctionBuilderContext,
    helpers: Vec<(FuncId, &'static str)>,
    defined: usize,
    /// The (register, tag) pairs an exit writes, by list number (see
    /// `abi::tern_jit_exit`); list 0 is empty.
    pub exit_tags: Vec<Vec<(u16, u64)>>,
    /// Time [`Self::start`] took (counted as compile time, not per function).
    pub setup: std::time::Duration,
}

#[derive(Debug)]
pub struct SetupError(pub String);

impl CodeMemory {
    /// Records the helpers; cranelift itself is set up by [`Self::start`].
    pub fn new(helpers: &[Helper]) -> CodeMemory {
        CodeMemory {
            module: None,
            helper_specs: helpers.to_vec(),
            ctx: Context::new(),
            fctx: FunctionBuilderContext::new(),
            helpers: vec![],
            defined: 0,
            exit_tags: vec![vec![]],
            setup: std::time::Duration::ZERO,
        }
    }

    /// Sets up the ISA and the JIT module (once); an error means this
    /// machine has no native target for cranelift: nothing gets compiled.
    pub fn start(&mut self) -> Result<(), SetupError> {
        if self.module.is_some() {
            return Ok(());
        }
        let t0 = std::time::Instant::now();
        let mut flags = settings::builder();
        let err = |e: &dyn std::fmt::Display| SetupError(e.to_string());
        flags
            .set("opt_level", std::env::var("TERN_JIT_OPT").as_deref().unwrap_or("speed"))
            .map_err(|e| err(&e))?;
        // Colocated libcalls may not reach helpers far away in the address space.
        flags.set("use_colocated_libcalls", "false").map_err(|e| err(&e))?;
        flags.set("is_pic", "false").map_err(|e| err(&e))?;
        // cranelift-jit registers no unwind tables, so describing every
        // function's frame for an unwinder would be compile time thrown away
        // (5-10% of a small function's); frames keep their frame pointers.
        flags.set("unwind_info", "false").map_err(|e| err(&e))?;
        if let Ok(ra) = std::env::var("TERN_JIT_REGALLOC") {
            flags.set("regalloc_algorithm", &ra).map_err(|e| err(&e))?;
        }
        // The IR verifier costs about as much as the compile itself; debug builds keep it.
        flags
            .set("enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" })
            .map_err(|e| err(&e))?;
        let isa = cranelift_native::builder()
            .map_err(|e| err(&e))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| err(&e))?;
        let mut builder = JITBuilder::with_isa(isa, default_libcall_names());
        // One reserved region for all code: compiled functions call each
        // other PC-relative (32-bit), which the default provider's scattered
        // mappings can put out of reach (a panic in cranelift-jit's linker,
        // seen with several JITs in one process).
        let arena = ArenaMemoryProvider::new_with_size(CODE_ARENA_BYTES).map_err(|e| err(&e))?;
        builder.memory_provider(Box::new(arena));
        for h in &self.helper_specs {
            builder.symbol(h.name, h.ptr);
        }
        let mut module = JITModule::new(builder);
        let mut ids = Vec::new();
        for h in &self.helper_specs {
            let mut sig = module.make_signature();
            sig.params.extend(h.params.iter().map(|t| ir::AbiParam::new(*t)));
            sig.returns.extend(h.returns.iter().map(|t| ir::AbiParam::new(*t)));
            let id = module.declare_function(h.name, Linkage::Import, &sig).map_err(|e| err(&e))?;
            ids.push((id, h.name));
        }
        self.ctx = module.make_context();
        self.helpers = ids;
        self.module = Some(module);
        self.setup = t0.elapsed();
        Ok(())
    }

    pub fn started(&self) -> bool {
        self.module.is_some()
    }

    pub fn module(&mut self) -> &mut JITModule {
        self.module.as_mut().expect("code memory used before start() or after free")
    }

    pub fn helper(&self, name: &str) -> FuncId {
        self.helpers
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(id, _)| *id)
            .unwrap_or_else(|| panic!("unregistered helper {name}"))
    }

    pub fn budget_left(&self) -> bool {
        self.defined < MAX_DEFINITIONS
    }

    pub fn pointer_type(&mut self) -> ir::Type {
        self.module().target_config().pointer_type()
    }

    /// Declares a fresh local function; names are unique so recompiles never clash.
    pub fn declare(&mut self, name: &str, sig: &ir::Signature) -> Result<FuncId, String> {
        let unique = format!("{name}#{}", self.defined);
        self.defined += 1;
        self.module().declare_function(&unique, Linkage::Local, sig).map_err(|e| e.to_string())
    }

    /// Compiles the function built in `self.ctx` into `id` and makes it callable.
    pub fn define(&mut self, id: FuncId) -> Result<(), String> {
        self.ctx.func.name = UserFuncName::user(0, id.as_u32());
        let mut ctx = std::mem::replace(&mut self.ctx, Context::new());
        let module = self.module();
        let dis = std::env::var_os("TERN_JIT_DIS").is_some();
        ctx.set_disasm(dis);
        let result = module.define_function(id, &mut ctx).map_err(|e| format!("{e:?}"));
        if std::env::var("TERN_JIT_IR").as_deref() == Ok("opt") {
            eprintln!("{}", ctx.func.display());
        }
        if let (true, Some(code)) = (dis, ctx.compiled_code()) {
            eprintln!("{}", code.vcode.as_deref().unwrap_or(""));
        }
        module.clear_context(&mut ctx);
        self.ctx = ctx;
        result
    }

    /// Links everything defined since the last call; afterwards [`Self::address`] works.
    pub fn finalize(&mut self) -> Result<(), String> {
        self.module().finalize_definitions().map_err(|e| e.to_string())
    }

    pub fn address(&mut self, id: FuncId) -> *const u8 {
        self.module().get_finalized_function(id)
    }

    /// Drops a half-built function after a failed compile.
    pub fn discard(&mut self) {
        let mut ctx = std::mem::replace(&mut self.ctx, Context::new());
        self.module().clear_context(&mut ctx);
        self.ctx = ctx;
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        // Cranelift's own per-pass times, summed over every compile of the run.
        if std::env::var_os("TERN_JIT_PASSES").is_some() {
            eprintln!("{}", cranelift_codegen::timing::take_current());
        }
        if let Some(m) = self.module.take() {
            // SAFETY: the engine drops CodeMemory only after the run finished,
            // so no native frame is live and no function pointer is used again.
            unsafe { m.free_memory() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{types, AbiParam, InstBuilder};
    use cranelift_frontend::FunctionBuilder;

    extern "C" fn add_ten(x: i64) -> i64 {
        x + 10
    }

    /// Builds `f(x) = add_ten(x) * 2` natively, calling a helper registered
    /// by symbol, and runs it.
    #[test]
    fn compiles_and_calls_a_tiny_function_through_a_helper() {
        let helpers = [Helper {
            name: "add_ten",
            ptr: add_ten as *const u8,
            params: &[types::I64],
            returns: &[types::I64],
        }];
        let mut mem = CodeMemory::new(&helpers);
        assert!(!mem.started(), "cranelift is set up on first use, not by new()");
        mem.start().unwrap();
        assert!(mem.started() && mem.setup > std::time::Duration::ZERO);
        let mut sig = mem.module().make_signature();
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I64));
        let id = mem.declare("f", &sig).unwrap();
        let helper = mem.helper("add_ten");
        mem.ctx.func.signature = sig;
        let target = mem.module().target_config();
        {
            let CodeMemory { module, ctx, fctx, .. } = &mut mem;
            let module = module.as_mut().unwrap();
            let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let x = b.block_params(entry)[0];
            let callee = module.declare_func_in_func(helper, b.func);
            let call = b.ins().call(callee, &[x]);
            let r = b.inst_results(call)[0];
            let two = b.ins().iconst(types::I64, 2);
            let r = b.ins().imul(r, two);
            b.ins().return_(&[r]);
            b.seal_all_blocks();
            b.finalize(target);
        }
        mem.define(id).unwrap();
        mem.finalize().unwrap();
        let ptr = mem.address(id);
        let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(ptr) };
        assert_eq!(f(5), 30);
        assert_eq!(f(-10), 0);
    }
}
