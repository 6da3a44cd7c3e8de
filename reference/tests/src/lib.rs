//! Random Tern programs for differential testing. The programs terminate
//! (loops are bounded `for`s, functions only call earlier functions) and
//! come in two flavours:
//!   - [`well_typed`]: accepted by the static checker, so the interpreter,
//!     the JIT and the AOT executables must print exactly the same thing
//!     ([`well_typed_modules`]: the same with the functions in an imported
//!     module, called as `lib.f(..)`);
//!   - [`dynamic`]: functions that see one type for many calls and then
//!     another, so the JIT must deoptimise — interpreter and JIT must agree;
//!   - [`heapy`]: well typed, over records, arrays and nil (lists built,
//!     reversed and dropped, elements swapped, identity comparisons), so
//!     the JIT's native heap code meets the other engines.
//!
//! Generation is driven by a seed (proptest supplies it), so a failure
//! reproduces from the seed printed in the test's failure message.

mod gen;
mod heap;

pub use gen::{dynamic, well_typed, well_typed_modules};
pub use heap::heapy;
