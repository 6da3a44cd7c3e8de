//! tern-check
