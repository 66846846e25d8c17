//! glibc's allocator gives each thread that allocates its own arena, up to eight per
//! core, and memory freed in one arena is not reused by another. herd's host threads each
//! build and drop a libssh2 session's ~110 KB of state over and over, so with many forks
//! the arenas fragment: a 1000-host playbook peaked at 106 MB with the default and 52 MB
//! with two arenas (measured, `bench/playbooks/scale.yml` under `ulimit -n 1024`).

/// Arenas herd's allocator may use.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: libc::c_int = 2;

/// Limits glibc's malloc to [`ARENAS`] arenas, before any thread starts. Elsewhere (musl,
/// other systems) there is nothing to do.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it is called before herd starts threads.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}
