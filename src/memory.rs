//! How the `arshif` process uses memory: its allocator (mimalloc, see
//! [`Allocator`]), the kernel's transparent huge pages and the allocator's
//! purging; how much it holds, for measuring ([`resident`]); and how it
//! leaves it behind when it exits ([`exit`]).
//!
//! The process runs without transparent huge pages ([`without_huge_pages`]).
//! They make touching fresh memory cheap only where the 2 MiB blocks the
//! kernel hands out are backed by real memory. In a virtual machine that
//! reports free memory to its host (virtio-balloon free page reporting),
//! the guest gives its free 2 MiB blocks back within seconds, and the next
//! process to touch them waits for the host to fault each one in again:
//! 500 MB took 1.2–1.7 s to touch in huge pages a few seconds after the
//! last process freed them, 0.06 s right after, and 0.27–0.29 s either way
//! in 4 KiB pages, which come from blocks the guest kept. A build seldom
//! follows another within a second: on the 100,000-article corpus, an added
//! story built 8 s after the previous build took 1.68–2.36 s with huge
//! pages and 1.12–1.33 s without. Besides, the kernel zeroes a whole 2 MiB
//! page again each time one that mimalloc gave back is touched, which was a
//! quarter of a full build's CPU on that corpus.
//!
//! A build that patches a previous output ([`for_patching`]) spends most
//! of its time building a model that lives to its end: mimalloc keeps what
//! it frees there, rather than give it back and fault it in again.
//!
//! That is for a process that runs one build: `arshif serve` gives memory
//! back between its builds.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// The process's allocator: mimalloc, asked for a plain block wherever a
/// plain block is aligned enough, as Rust's own allocator asks `malloc`.
///
/// glibc's allocator degrades as the heap grows with many threads: on the
/// 100,000-article corpus mimalloc halves the build (249 s → 134 s wall,
/// 358 s → 158 s user CPU, 2 cores). The `mimalloc` crate's allocator
/// passes every request to `mi_malloc_aligned`, with the alignment of its
/// type, even 1 or 8; mimalloc 3 serves such a request from a plain block
/// only when the block's size is a power of two, and otherwise allocates
/// more than asked and aligns within it, at a cost of about 250
/// instructions and a larger block (in a 1,000-article build, 92,000 of
/// its 3.3 million allocations).
pub struct Allocator;

/// The alignment `mi_malloc` gives any block of at least that many bytes:
/// `MI_MAX_ALIGN_SIZE`, C's `max_align_t`, which a `malloc` must honour
/// (Rust's own allocator counts on the same of the system's `malloc`).
const MIN_ALIGN: usize = 16;

/// Whether a plain block of `size` bytes is aligned enough for `align`.
fn plain(size: usize, align: usize) -> bool {
    align <= MIN_ALIGN && align <= size
}

/// A new block for `layout`: from `plain_block` (`mi_malloc` or
/// `mi_zalloc`) where a plain block is aligned enough, else from
/// `aligned_block` (their `_aligned` forms).
///
/// # Safety
///
/// As [`GlobalAlloc::alloc`]: `layout` has a non-zero size.
#[inline(always)]
unsafe fn new_block(
    layout: Layout,
    plain_block: unsafe extern "C" fn(usize) -> *mut c_void,
    aligned_block: unsafe extern "C" fn(usize, usize) -> *mut c_void,
) -> *mut u8 {
    // SAFETY: plain C calls of mimalloc's allocation functions.
    unsafe {
        if plain(layout.size(), layout.align()) {
            plain_block(layout.size()).cast()
        } else {
            aligned_block(layout.size(), layout.align()).cast()
        }
    }
}

// SAFETY: every block comes from mimalloc and goes back to it (`mi_free`
// frees blocks of either kind); a plain block is asked for only where
// `plain` says mimalloc's `malloc` guarantee covers the alignment.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl's comment.
        unsafe { new_block(layout, mi::mi_malloc, mi::mi_malloc_aligned) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl's comment.
        unsafe { new_block(layout, mi::mi_zalloc, mi::mi_zalloc_aligned) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator; the new block is plain
        // only where a plain block of `new_size` bytes is aligned enough.
        unsafe {
            if plain(new_size, layout.align()) {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

/// mimalloc's `mi_option_purge_delay` (the same in its v2 and v3 headers):
/// how long freed memory is kept before it is given back; -1 is never.
const MI_OPTION_PURGE_DELAY: mi::mi_option_t = 15;

/// Turns transparent huge pages off for the process (see the module's
/// doc). Refused (old kernels, other systems), nothing changes.
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// Stops mimalloc from giving memory back: for a build that patches a
/// previous output, called before its model is loaded.
pub fn for_patching() {
    // SAFETY: `mi_option_set` stores an integer in mimalloc's table of
    // options, which is safe to do at any time from any thread; the option
    // only changes when freed memory is returned to the system.
    unsafe { mi::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// Ends the process with `code`, leaving the freeing of its memory to the
/// kernel after the process is gone, when it holds much.
///
/// A process's memory is freed as it exits, before whoever waits for it
/// learns that it did: 20–25 ms at the end of a rebuild at 100,000
/// articles, which holds some 450 MB (about a twentieth of the rebuild). A
/// process made with `CLONE_VM` shares the memory, which is freed when the
/// last of the two exits: this holder waits for the process to exit (the
/// kernel then kills it, `PR_SET_PDEATHSIG`) and frees the memory on its
/// way out, while the command has already returned. `mold`, the linker,
/// leaves its memory to a process of its own in the same way. Where the
/// holder cannot be made, the process frees its memory itself, as any does.
///
/// The holder has a copy of the process's files, which it closes first;
/// the process waits for that before it exits, so that nothing it had
/// open (a socket `serve` listened on, a pipe it was given) stays open
/// after it.
///
/// With `ARSHIF_PLAIN_EXIT=1` in the environment the process exits as any
/// does: for tools that run it on a simulated processor and cannot follow
/// such a process (valgrind stops at it, and writes no counts).
pub fn exit(code: i32) -> ! {
    #[cfg(target_os = "linux")]
    if !crate::switched_on("ARSHIF_PLAIN_EXIT")
        && resident_bytes().is_some_and(|bytes| bytes >= holder::WORTH)
    {
        holder::start();
    }
    std::process::exit(code)
}

/// The process's resident memory in bytes, from `/proc/self/statm`.
#[cfg(target_os = "linux")]
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64)
}

/// The process that keeps this one's memory after it exits (see [`exit`]).
#[cfg(target_os = "linux")]
mod holder {
    use std::ffi::{c_int, c_void};
    use std::sync::atomic::{AtomicU32, Ordering};

    use rustix::thread::futex::Flags;

    /// Resident memory from which a holder is worth starting.
    pub const WORTH: u64 = 32 << 20;

    /// The holder's stack: it only makes a few system calls.
    const STACK: usize = 64 << 10;

    /// Starts the holder.
    pub fn start() {
        let parent = rustix::process::getpid();
        // SAFETY: a private anonymous mapping, given as the holder's stack
        // and never unmapped (it goes with the memory it is part of). The
        // holder runs `hold` on it, which touches no memory but its own
        // frame and makes raw system calls only (rustix's, which set no
        // `errno`: the holder shares the thread-local storage of the thread
        // that made it, and must not write there).
        unsafe {
            let stack = libc::mmap(
                std::ptr::null_mut(),
                STACK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            );
            if stack == libc::MAP_FAILED {
                return;
            }
            let top = stack.cast::<u8>().add(STACK).cast::<c_void>();
            let arg = parent.as_raw_nonzero().get() as usize as *mut c_void;
            if libc::clone(hold, top, libc::CLONE_VM | libc::SIGCHLD, arg) <= 0 {
                return;
            }
        }
        // The process ends only once the holder has closed its copies of
        // the files: a socket `serve` listened on, say, would otherwise
        // still take connections for a moment after the process is gone.
        let second = rustix::thread::Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        };
        while CLOSED.load(Ordering::Acquire) == 0 {
            match rustix::thread::futex::wait(&CLOSED, Flags::PRIVATE, 0, Some(&second)) {
                Ok(()) | Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
                // Timed out, or no futex: the process ends as it would.
                Err(_) => break,
            }
        }
    }

    /// Set by the holder once it has closed its copies of the files.
    static CLOSED: AtomicU32 = AtomicU32::new(0);

    /// The holder: gives up its copies of the process's files (so that
    /// whoever reads the process's output sees its end when the process
    /// exits) and tells the process so, then sleeps until the process
    /// exits, which kills it.
    extern "C" fn hold(parent: *mut c_void) -> c_int {
        let close = |fds: std::ops::Range<i32>| {
            for fd in fds {
                // SAFETY: the holder's own copies of the descriptors;
                // closing one that is not open does nothing.
                unsafe { rustix::io::close(fd) };
            }
        };
        // Its standard streams first: should the process stop waiting for
        // it (see `start`), a killed holder frees the memory before it
        // closes what it still has open.
        close(0..3);
        let _ =
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
        close(3..1024);
        CLOSED.store(1, Ordering::Release);
        let _ = rustix::thread::futex::wake(&CLOSED, Flags::PRIVATE, 1);
        // The process waits for `CLOSED`, set after the signal was asked
        // for; only if it stopped waiting may it have exited before.
        let alive = rustix::process::getppid()
            .is_some_and(|p| p.as_raw_nonzero().get() as usize == parent as usize);
        if alive {
            let hour = rustix::thread::Timespec {
                tv_sec: 3600,
                tv_nsec: 0,
            };
            loop {
                let _ = rustix::thread::nanosleep(&hour);
            }
        }
        0
    }
}

/// The process's resident memory, for measuring: all of it, then its
/// anonymous part (the heap: what the kernel faults in and zeroes page by
/// page) and its mapped files', as `/proc/self/status` gives them (`?`
/// where it cannot be read).
pub fn resident() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return "?".into();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map_or("?", str::trim)
    };
    format!(
        "{}; anonymous {}, files {}",
        field("VmRSS:"),
        field("RssAnon:"),
        field("RssFile:")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block is aligned as its layout asks, and keeps its bytes when
    /// it grows or shrinks: for every size up to 4 KiB that a plain block
    /// serves (each alignment up to 16) and some that it does not (larger
    /// alignments, sizes under the alignment).
    #[test]
    fn blocks_are_aligned_and_keep_their_bytes() {
        let a = Allocator;
        let mut layouts = Vec::new();
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in (1..=4096).filter(|size| size % align == 0 || *size < align) {
                layouts.push(Layout::from_size_align(size, align).unwrap());
            }
        }
        // Many at once, so that blocks come from several pages of a size.
        let blocks: Vec<(Layout, *mut u8)> = layouts
            .iter()
            .flat_map(|&layout| {
                let zeroed = unsafe { a.alloc_zeroed(layout) };
                let block = unsafe { a.alloc(layout) };
                [(layout, zeroed), (layout, block)]
            })
            .collect();
        for (i, &(layout, p)) in blocks.iter().enumerate() {
            assert!(!p.is_null());
            assert_eq!(p as usize % layout.align(), 0, "{layout:?}");
            if i % 2 == 0 {
                let bytes = unsafe { std::slice::from_raw_parts(p, layout.size()) };
                assert!(bytes.iter().all(|&b| b == 0), "{layout:?} not zeroed");
            }
            unsafe { p.write_bytes(0xA5, layout.size()) };
        }
        for (layout, p) in blocks {
            let size = layout.size();
            let grown = unsafe { a.realloc(p, layout, size * 3) };
            assert_eq!(grown as usize % layout.align(), 0, "{layout:?} grown");
            let kept = unsafe { std::slice::from_raw_parts(grown, size) };
            assert!(kept.iter().all(|&b| b == 0xA5), "{layout:?} grown");
            let grown_layout = Layout::from_size_align(size * 3, layout.align()).unwrap();
            let shrunk = unsafe { a.realloc(grown, grown_layout, size.div_ceil(2)) };
            assert_eq!(shrunk as usize % layout.align(), 0, "{layout:?} shrunk");
            let kept = unsafe { std::slice::from_raw_parts(shrunk, size.div_ceil(2)) };
            assert!(kept.iter().all(|&b| b == 0xA5), "{layout:?} shrunk");
            let shrunk_layout = Layout::from_size_align(size.div_ceil(2), layout.align()).unwrap();
            unsafe { a.dealloc(shrunk, shrunk_layout) };
        }
    }
}
