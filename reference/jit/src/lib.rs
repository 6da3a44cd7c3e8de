//! tern-jit
