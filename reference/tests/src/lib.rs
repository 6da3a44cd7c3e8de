//! Corpus harness lives in tests/.
