//! tern-bytecode
