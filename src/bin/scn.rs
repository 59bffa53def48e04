//! The `scn` binary: the command line of `kscn::cli`, with mimalloc as its allocator (the
//! simulation allocates many small objects; mimalloc roughly halves their cost).

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kscn::cli::main()
}
