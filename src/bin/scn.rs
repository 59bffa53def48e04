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
    kscn::cli::main()
}
