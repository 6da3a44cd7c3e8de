//! tern-aot
