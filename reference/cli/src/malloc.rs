//! Tunes glibc's malloc for how `tern` runs: on spawned threads (for their
//! big stacks), allocating and freeing in bursts (a JIT compile takes a few
//! hundred KB of cranelift's working memory and gives it back).
//!
//! By default each such thread gets its own malloc arena, which glibc grows
//! a page at a time (an `mprotect` call per page) and trims as soon as a
//! burst is freed, so the next burst faults fresh pages in again. With one
//! arena (the main one, grown with `brk` 1 MB ahead) and trimming only past
//! 32 MB, a run that compiles 400 functions makes half the `mprotect` calls,
//! and on a 2-core VM (old and new binary interleaved) the median JIT
//! compile of the benchmark programs went from 855 to 837 us and from 1067
//! to 1026 us in two runs (`loop`'s: 874 -> 692, 1215 -> 1077), with no
//! interpreted benchmark slower.
//! Without glibc this does nothing.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    use std::os::raw::c_int;
    extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    // <malloc.h>
    const M_TRIM_THRESHOLD: c_int = -1;
    const M_TOP_PAD: c_int = -2;
    const M_MMAP_THRESHOLD: c_int = -3;
    const M_ARENA_MAX: c_int = -8;
    // SAFETY: mallopt only sets allocator parameters; called before any
    // other thread exists. A refused setting (return 0) leaves the default.
    unsafe {
        mallopt(M_ARENA_MAX, 1);
        mallopt(M_TOP_PAD, 1 << 20);
        mallopt(M_TRIM_THRESHOLD, 32 << 20);
        // Setting the trim threshold fixes the mmap threshold, which glibc
        // would otherwise raise as large blocks come and go: start it where
        // that adjustment would end up, so big arrays stay in the heap too.
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}
