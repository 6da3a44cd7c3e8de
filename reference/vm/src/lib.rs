//! tern-vm
