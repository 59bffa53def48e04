//! The `scn` binary: the command line of `kscn::cli`, with mimalloc as its allocator (the
//! simulation allocates many small objects; mimalloc roughly halves their cost).

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (the Rust bindings name only some
/// options). `-1`: freed memory is reused by the process, never returned to the OS.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // A run frees and reallocates its objects many times over (each pod is replaced on a
    // rolling update); handing those pages back and faulting them in again made the kernel
    // zero the same memory over and over. `MIMALLOC_PURGE_DELAY` in the environment, when a
    // user sets it, stays in charge.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets a plain integer option, which mimalloc allows at any time.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
    no_transparent_huge_pages();
    kscn::cli::main()
}

/// mimalloc asks for transparent huge pages on its arenas (`madvise(MADV_HUGEPAGE)`, done
/// when it maps its first arena, before `main`). Each first touch of a 2 MiB page then made
/// the kernel find one (compacting memory, copying pages) and zero it: at 10,000 replicas
/// (400-500 MiB) a quarter of the process's CPU time, all in the kernel, with the run
/// stalled meanwhile. `PR_SET_THP_DISABLE` turns them off for this process (and the
/// processes it starts), whatever the arenas asked; 4 KiB pages cost the kernel a few
/// percent. `MIMALLOC_ALLOW_THP`, when a user sets it, stays in charge (mimalloc reads
/// it; `0` makes it do the same `prctl` itself).
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // A kernel that refuses (before Linux 3.15) leaves the pages as they were.
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
}
