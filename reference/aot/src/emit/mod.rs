//! Typed Tern -> Cranelift IR -> one relocatable ELF object for the whole
//! program. Every Tern function becomes a native function with a readable
//! symbol; each module's top-level code becomes an init function.

mod func;
mod sites;

use crate::layout::{clif_type, descriptor, string_literal};
use crate::target::Target;
use cranelift_codegen::ir::{types, AbiParam, Signature};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{default_libcall_names, DataDescription, DataId, FuncId, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use std::collections::HashMap;
use tern_check::Checked;
use tern_diag::SourceMap;
use tern_syntax::ast::Item;

pub use sites::Sites;

/// Active frames allowed (calls, `<main>`, module top levels); a call
/// when this many are active is runtime error E1001.
pub const MAX_FRAMES: i64 = 10_000;

pub struct Emitted {
    pub object: Vec<u8>,
    /// Symbol of every Tern function and module init function.
    pub symbols: Vec<String>,
}

/// Runtime entry points: (name, params, returns).
const RUNTIME: &[(&str, &[types::Type], &[types::Type])] = &[
    ("tern_print", &[types::I64, types::I64], &[]),
    ("tern_to_str", &[types::I64, types::I64], &[types::I64]),
    ("tern_str_concat", &[types::I64, types::I64], &[types::I64]),
    ("tern_str_eq", &[types::I64, types::I64], &[types::I64]),
    ("tern_str_cmp", &[types::I64, types::I64], &[types::I64]),
    ("tern_str_len", &[types::I64], &[types::I64]),
    ("tern_arr_new", &[types::I64], &[types::I64]),
    ("tern_arr_push", &[types::I64, types::I64, types::I32], &[]),
    ("tern_rec_new", &[types::I64, types::I64], &[types::I64]),
    ("tern_int_of_float", &[types::F64, types::I32], &[types::I64]),
    ("tern_fixed", &[types::F64, types::I64, types::I32], &[types::I64]),
    ("tern_clock", &[], &[types::I64]),
    ("tern_error", &[types::I32, types::I32, types::I64, types::I64], &[]),
    ("fmod", &[types::F64, types::F64], &[types::F64]),
];

/// Everything function lowering needs from the program as a whole.
pub struct ProgramEmitter<'a> {
    pub checked: &'a Checked,
    pub sources: &'a SourceMap,
    pub module: ObjectModule,
    pub fn_ids: Vec<FuncId>,
    pub init_ids: Vec<FuncId>,
    pub runtime: HashMap<&'static str, FuncId>,
    pub depth: DataId,
    pub stack: DataId,
    pub globals: DataId,
    pub global_flags: DataId,
    pub module_flags: DataId,
    /// One flag per outermost `import ... as a` of each module (module, alias):
    /// set when that statement runs; functions check it before using `a`.
    pub alias_flags: DataId,
    pub alias_index: HashMap<(usize, String), usize>,
    strings: HashMap<String, DataId>,
    descriptors: HashMap<String, DataId>,
    pub sites: Sites,
    /// First internal inconsistency met while lowering (a checker gap).
    pub internal_error: Option<String>,
}

pub fn isa(target: Target) -> Result<OwnedTargetIsa, String> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").map_err(|e| e.to_string())?;
    flags.set("is_pic", "true").map_err(|e| e.to_string())?;
    let triple = target.triple().parse().map_err(|e| format!("{e:?}"))?;
    cranelift_codegen::isa::lookup(triple)
        .map_err(|e| format!("no code generator for {}: {e}", target.triple()))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| format!("cannot configure {}: {e}", target.triple()))
}

pub fn emit_program(checked: &Checked, sources: &SourceMap, target: Target) -> Result<Emitted, String> {
    let builder = ObjectBuilder::new(isa(target)?, "tern_program", default_libcall_names())
        .map_err(|e| e.to_string())?;
    let mut module = ObjectModule::new(builder);
    let err = |e: cranelift_module::ModuleError| format!("cranelift-module: {e}");

    let mut runtime = HashMap::new();
    for (name, params, rets) in RUNTIME {
        let mut sig = module.make_signature();
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        sig.returns.extend(rets.iter().map(|t| AbiParam::new(*t)));
        runtime.insert(*name, module.declare_function(name, Linkage::Import, &sig).map_err(err)?);
    }

    let names = symbol_names(checked);
    let mut symbols = Vec::new();
    let mut fn_ids = Vec::new();
    for (i, f) in checked.functions.iter().enumerate() {
        let sig = tern_signature(&module, &f.params, &f.ret);
        let name = &names.functions[i];
        fn_ids.push(module.declare_function(name, Linkage::Local, &sig).map_err(err)?);
        symbols.push(name.clone());
    }
    let mut init_ids = Vec::new();
    for (m, name) in names.inits.iter().enumerate() {
        let linkage = if m == 0 { Linkage::Export } else { Linkage::Local };
        let mut sig = module.make_signature();
        sig.params.push(AbiParam::new(types::I64)); // the frame's depth, see func.rs
        init_ids.push(module.declare_function(name, linkage, &sig).map_err(err)?);
        symbols.push(name.clone());
    }

    let zeroed =
        |module: &mut ObjectModule, name: &str, size: usize, export: bool| -> Result<DataId, String> {
            let linkage = if export { Linkage::Export } else { Linkage::Local };
            let id = module.declare_data(name, linkage, true, false).map_err(err)?;
            let mut d = DataDescription::new();
            d.define_zeroinit(size.max(8));
            d.set_align(8);
            module.define_data(id, &d).map_err(err)?;
            Ok(id)
        };
    let depth = zeroed(&mut module, "tern_depth", 8, true)?;
    let stack = zeroed(&mut module, "tern_stack", 4 * (MAX_FRAMES as usize + 2), true)?;
    // Exported: the runtime's collector scans the globals as roots.
    let globals = zeroed(&mut module, "tern_globals", 8 * checked.globals.len(), true)?;
    let nglobals = module.declare_data("tern_nglobals", Linkage::Export, false, false).map_err(err)?;
    let mut d = DataDescription::new();
    d.define((checked.globals.len() as i64).to_le_bytes().to_vec().into_boxed_slice());
    d.set_align(8);
    module.define_data(nglobals, &d).map_err(err)?;
    let global_flags = zeroed(&mut module, "tern_global_ready", checked.globals.len(), false)?;
    let module_flags = zeroed(&mut module, "tern_module_started", checked.program.modules.len(), false)?;

    let mut alias_index = HashMap::new();
    for (mi, module) in checked.program.modules.iter().enumerate() {
        for item in &module.ast.items {
            if let Item::Stmt(tern_syntax::ast::Stmt {
                kind: tern_syntax::ast::StmtKind::Import { alias, .. },
                ..
            }) = item
            {
                let n = alias_index.len();
                alias_index.entry((mi, alias.name.clone())).or_insert(n);
            }
        }
    }
    let alias_flags = zeroed(&mut module, "tern_alias_ready", alias_index.len(), false)?;

    let mut em = ProgramEmitter {
        checked,
        sources,
        module,
        fn_ids,
        init_ids,
        runtime,
        depth,
        stack,
        globals,
        global_flags,
        module_flags,
        alias_flags,
        alias_index,
        strings: HashMap::new(),
        descriptors: HashMap::new(),
        sites: Sites::default(),
        internal_error: None,
    };

    let mut fbc = FunctionBuilderContext::new();
    for (i, f) in checked.functions.iter().enumerate() {
        let Some(Item::Fn(decl)) = checked.program.modules[f.module].ast.items.get(f.item) else {
            return Err(format!("internal: function `{}` has no declaration", f.name));
        };
        let id = em.fn_ids[i];
        func::lower_function(&mut em, &mut fbc, id, f.module, decl, &f.ret)?;
    }
    for m in 0..checked.program.modules.len() {
        func::lower_init(&mut em, &mut fbc, m)?;
    }
    if let Some(e) = em.internal_error.take() {
        return Err(e);
    }

    let sites = std::mem::take(&mut em.sites).into_text();
    em.define_text("tern_sites", &sites)?;
    em.define_text("tern_structs", &sites::struct_table(checked))?;
    let product = em.module.finish();
    let object = product.emit().map_err(|e| format!("cannot write object: {e}"))?;
    Ok(Emitted { object, symbols })
}

fn tern_signature(module: &ObjectModule, params: &[tern_check::Type], ret: &tern_check::Type) -> Signature {
    let mut sig = module.make_signature();
    // Hidden first parameter: the callee frame's depth (see func.rs `call_tern`).
    sig.params.push(AbiParam::new(types::I64));
    sig.params.extend(params.iter().map(|t| AbiParam::new(clif_type(t))));
    sig.returns.push(AbiParam::new(clif_type(ret)));
    sig
}

struct SymbolNames {
    functions: Vec<String>,
    inits: Vec<String>,
}

/// `tern_fn_NAME` for the entry module, `tern$STEM$NAME` for an imported
/// module (STEM = file stem; a numeric suffix disambiguates equal stems).
fn symbol_names(checked: &Checked) -> SymbolNames {
    let mut stems: Vec<String> = Vec::new();
    for (i, m) in checked.program.modules.iter().enumerate() {
        let stem = std::path::Path::new(&m.path)
            .file_stem()
            .map_or("module".into(), |s| s.to_string_lossy().into_owned());
        let mut stem: String =
            stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
        if stems.contains(&stem) {
            stem = format!("{stem}_{i}");
        }
        stems.push(stem);
    }
    let functions = checked
        .functions
        .iter()
        .map(|f| {
            if f.module == 0 {
                format!("tern_fn_{}", f.name)
            } else {
                format!("tern${}${}", stems[f.module], f.name)
            }
        })
        .collect();
    let inits = (0..stems.len())
        .map(|m| if m == 0 { "tern_main".to_string() } else { format!("tern$init${}", stems[m]) })
        .collect();
    SymbolNames { functions, inits }
}

impl ProgramEmitter<'_> {
    /// The read-only data object holding a string literal.
    pub fn string_data(&mut self, s: &str) -> DataId {
        if let Some(id) = self.strings.get(s) {
            return *id;
        }
        let name = format!("tern$str${}", self.strings.len());
        let id = self.read_only(&name, string_literal(s), Linkage::Local);
        self.strings.insert(s.to_string(), id);
        id
    }

    /// A NUL-terminated type descriptor for the runtime's printer.
    pub fn descriptor_data(&mut self, ty: &tern_check::Type) -> DataId {
        let d = descriptor(ty);
        if let Some(id) = self.descriptors.get(&d) {
            return *id;
        }
        let name = format!("tern$type${}", self.descriptors.len());
        let mut bytes = d.clone().into_bytes();
        bytes.push(0);
        let id = self.read_only(&name, bytes, Linkage::Local);
        self.descriptors.insert(d, id);
        id
    }

    fn define_text(&mut self, name: &str, text: &str) -> Result<(), String> {
        let mut bytes = text.as_bytes().to_vec();
        bytes.push(0);
        self.read_only(name, bytes, Linkage::Export);
        self.internal_error.take().map_or(Ok(()), Err)
    }

    fn read_only(&mut self, name: &str, bytes: Vec<u8>, linkage: Linkage) -> DataId {
        let result = self.module.declare_data(name, linkage, false, false).and_then(|id| {
            let mut d = DataDescription::new();
            d.define(bytes.into_boxed_slice());
            d.set_align(8);
            self.module.define_data(id, &d).map(|_| id)
        });
        match result {
            Ok(id) => id,
            Err(e) => {
                self.internal_error.get_or_insert(format!("cranelift-module: {e}"));
                self.depth
            }
        }
    }

    /// The `<main>` / `<module util.tern>` frame name of a module's top level.
    pub fn module_frame(&self, m: usize) -> String {
        if m == 0 {
            "<main>".into()
        } else {
            format!("<module {}>", self.checked.program.modules[m].path)
        }
    }

    /// Module index an `import` statement in module `m` names.
    pub fn imported_module(&self, m: usize, written: &str) -> Option<usize> {
        let path = tern_syntax::loader::resolve(&self.checked.program.modules[m].path, written);
        self.checked.program.module_index(&path)
    }
}
