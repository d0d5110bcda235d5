//! How the `arshif` process uses memory: the kernel's transparent huge pages
//! and the allocator's (mimalloc's) purging, set by the kind of build.
//!
//! Huge pages make touching fresh memory cheap (one fault per 2 MiB instead
//! of per 4 KiB), but the kernel zeroes a whole 2 MiB page again each time
//! one that mimalloc gave back is touched, and they hold more memory than
//! is used. So the process starts without them ([`for_rendering`]): a full
//! build renders and frees pages all along, and on the 100,000-article
//! corpus that re-zeroing was a quarter of a rebuild's CPU. A build that
//! patches a previous output ([`for_patching`]) spends most of its time
//! building a model that lives to its end: there, on the same corpus, 4 KiB
//! faults were a seventh of the CPU, and with huge pages never given back
//! no-op rebuilds took 5–22% less time (three series of runs) for 4–9%
//! more peak memory (a quarter more on the 10,000-article corpus).
//!
//! Both are for a process that runs one build: `arshif serve` keeps the
//! default.

/// mimalloc's `mi_option_purge_delay` (the same in its v2 and v3 headers):
/// how long freed memory is kept before it is given back; -1 is never.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Turns transparent huge pages off for the process: for builds that render
/// most pages. Refused (old kernels, other systems), nothing changes.
pub fn for_rendering() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// Turns transparent huge pages back on and stops mimalloc from giving
/// memory back: for a build that patches a previous output, called before
/// its model is loaded.
pub fn for_patching() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(false);
    // SAFETY: `mi_option_set` stores an integer in mimalloc's table of
    // options, which is safe to do at any time from any thread; the option
    // only changes when freed memory is returned to the system.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}
