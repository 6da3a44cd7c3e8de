//! Runtime values. Scalars live inline; strings, arrays and records are
//! reference counted (see BYTECODE.md, "Memory model": cycles leak).

use std::cell::RefCell;
use std::rc::Rc;

/// `repr(u8)` pins the layout (a `u8` tag at offset 0 in declaration order:
/// Nil 0, Bool 1, Int 2, Float 3, ..., Undef 8; a bool payload at offset 1,
/// int/float payloads at offset 8) so tern-jit's native code can read and
/// write scalar globals in place.
#[derive(Debug, Default)]
#[repr(u8)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Array(Rc<Array>),
    Record(Rc<Record>),
    /// A loaded module (index into `Vm::modules`), the value of an import alias.
    Module(u32),
    /// A module global whose `let` has not run yet. Never escapes a global slot.
    Undef,
}

// `Value::copy_to` moves a value as three words.
const _: () = assert!(std::mem::size_of::<Value>() == 24);

impl Clone for Value {
    /// Scalars are copied bitwise: one range test of the tag instead of a
    /// jump through the derived per-variant match (hot in every register move).
    #[inline(always)]
    fn clone(&self) -> Value {
        match self {
            Value::Str(s) => Value::Str(s.clone()),
            Value::Array(a) => Value::Array(a.clone()),
            Value::Record(r) => Value::Record(r.clone()),
            // SAFETY: every other variant is plain data (no Drop, no pointer).
            _ => unsafe { std::ptr::read(self) },
        }
    }
}

impl Value {
    /// Does this value hold a reference count (so overwriting it must drop)?
    #[inline(always)]
    pub fn is_heap(&self) -> bool {
        matches!(self, Value::Str(_) | Value::Array(_) | Value::Record(_))
    }

    /// `*dst = (*src).clone()` without moving the value through a temporary:
    /// a word-wise copy plus a reference count bump. `src` may point into
    /// something `*dst` owns (`b = b.next`): it is read before the old `*dst`
    /// is dropped.
    ///
    /// # Safety
    /// Both must point to valid, initialised `Value`s.
    #[inline(always)]
    pub unsafe fn copy_to(src: *const Value, dst: *mut Value) {
        unsafe {
            // Raw bytes, padding included: a scalar is plain data, and a
            // heap value's copy becomes an owner once its count is bumped.
            let bits = std::ptr::read(src as *const std::mem::MaybeUninit<[u64; 3]>);
            if (*src).is_heap() {
                std::mem::forget((*src).clone());
            }
            if (*dst).is_heap() {
                std::ptr::drop_in_place(dst);
            }
            std::ptr::write(dst as *mut std::mem::MaybeUninit<[u64; 3]>, bits);
        }
    }

    /// Overwrites `*slot` with `v`; skips the drop glue when the old value is
    /// a scalar (the common case for registers).
    ///
    /// # Safety
    /// `slot` must point to a valid, initialised `Value`.
    #[inline(always)]
    pub unsafe fn store(slot: *mut Value, v: Value) {
        unsafe {
            if (*slot).is_heap() {
                *slot = v;
            } else {
                std::ptr::write(slot, v);
            }
        }
    }
}

/// A shallow annotation check, resolved for the VM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    Int,
    Float,
    Bool,
    Str,
    Array,
    /// Record of struct `index` of module `module`, or nil.
    Struct {
        module: u32,
        index: u16,
        name: String,
    },
    Unknown(String),
}

/// What every record of one struct shares: its name and field layout.
#[derive(Debug)]
pub struct Shape {
    pub name: String,
    pub module: u32,
    pub index: u16,
    pub fields: Vec<String>,
    pub checks: Vec<Check>,
    /// Per field, the `tag_bit`s that certainly pass its check (a record of
    /// a struct still needs `fits`): the `setfield` fast path.
    pub check_masks: Vec<u8>,
}

impl Shape {
    pub fn slot(&self, field: &str) -> Option<usize> {
        self.fields.iter().position(|f| f == field)
    }
}

#[derive(Debug)]
pub struct Record {
    pub shape: Rc<Shape>,
    pub fields: RefCell<Vec<Value>>,
}

/// An array's elements. Derefs to the `RefCell<Vec<Value>>` it wraps; it is
/// a type of its own only so that dropping it can be iterative (see `release`).
#[derive(Debug, Default)]
pub struct Array(pub RefCell<Vec<Value>>);

impl Array {
    pub fn new(items: Vec<Value>) -> Array {
        Array(RefCell::new(items))
    }
}

impl std::ops::Deref for Array {
    type Target = RefCell<Vec<Value>>;
    fn deref(&self) -> &RefCell<Vec<Value>> {
        &self.0
    }
}

fn is_container(v: &Value) -> bool {
    matches!(v, Value::Array(_) | Value::Record(_))
}

/// Frees the values a dying record or array held. Rust's derived drop would
/// recurse once per level of nesting, so freeing a 1,000,000-long linked list
/// would overflow the native stack; instead every container that dies with
/// its parent (the last reference) hands its elements to one worklist and is
/// then dropped empty, so the native stack depth stays constant.
fn release(mut work: Vec<Value>) {
    while let Some(v) = work.pop() {
        match v {
            Value::Record(mut r) => {
                if let Some(rec) = Rc::get_mut(&mut r) {
                    work.append(rec.fields.get_mut());
                }
            }
            Value::Array(mut a) => {
                if let Some(arr) = Rc::get_mut(&mut a) {
                    work.append(arr.0.get_mut());
                }
            }
            _ => {}
        }
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        let fields = self.fields.get_mut();
        if fields.iter().any(is_container) {
            release(std::mem::take(fields));
        }
    }
}

impl Drop for Array {
    fn drop(&mut self) {
        let items = self.0.get_mut();
        if items.iter().any(is_container) {
            release(std::mem::take(items));
        }
    }
}

/// The tag bits that certainly pass `check` without a closer look.
pub fn check_mask(check: &Check) -> u8 {
    match check {
        Check::Int => 1,
        Check::Float => 2,
        Check::Bool => 4,
        Check::Str => 8,
        Check::Array => 32 | 16,
        Check::Struct { .. } => 16,
        Check::Unknown(_) => 0,
    }
}

/// One bit per value kind, for type feedback (`FnRt::feedback`).
#[inline(always)]
pub fn tag_bit(v: &Value) -> u8 {
    match v {
        Value::Int(_) => 1,
        Value::Float(_) => 2,
        Value::Bool(_) => 4,
        Value::Str(_) => 8,
        Value::Nil | Value::Undef => 16,
        Value::Array(_) => 32,
        Value::Record(_) => 64,
        Value::Module(_) => 128,
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(Array::new(items)))
    }

    /// The type name used in error messages.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil | Value::Undef => "nil".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::Array(_) => "array".into(),
            Value::Record(r) => r.shape.name.clone(),
            Value::Module(_) => "module".into(),
        }
    }

    /// Does this value pass a shallow annotation check?
    pub fn fits(&self, check: &Check) -> bool {
        match (check, self) {
            (Check::Int, Value::Int(_))
            | (Check::Float, Value::Float(_))
            | (Check::Bool, Value::Bool(_))
            | (Check::Str, Value::Str(_)) => true,
            (Check::Array, Value::Array(_) | Value::Nil) => true,
            (Check::Struct { .. }, Value::Nil) => true,
            (Check::Struct { module, index, .. }, Value::Record(r)) => {
                r.shape.module == *module && r.shape.index == *index
            }
            _ => false,
        }
    }
}

impl Check {
    pub fn describe(&self) -> String {
        match self {
            Check::Int => "int".into(),
            Check::Float => "float".into(),
            Check::Bool => "bool".into(),
            Check::Str => "str".into(),
            Check::Array => "an array".into(),
            Check::Struct { name, .. } => name.clone(),
            Check::Unknown(n) => n.clone(),
        }
    }
}
