//! tern-syntax
