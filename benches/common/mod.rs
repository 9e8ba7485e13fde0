//! What both benchmarks share: the `vindplaats` binary's allocator set-up
//! (so the figures are the command's), a Dutch vocabulary for synthetic
//! text, and peak memory.
#![allow(dead_code)]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the mimalloc v2 that libmimalloc-sys builds.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Call first in `main`: the same allocator options as the binary.
pub fn setup() {
    // SAFETY: a global option, set before any thread starts.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // RUST_LOG=vindplaats=debug shows each build's steps.
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
}

pub const WORDS: &[&str] = &[
    "gemeenten",
    "statushouders",
    "inburgering",
    "onderwijs",
    "kansen",
    "arbeidsmarkt",
    "discriminatie",
    "polarisatie",
    "jongeren",
    "ouders",
    "wijk",
    "samenleving",
    "diversiteit",
    "nieuwkomers",
    "taal",
    "participatie",
    "professionals",
    "beleid",
    "onderzoek",
    "aanpak",
    "vluchtelingen",
    "werk",
    "zorg",
    "welzijn",
    "gezinnen",
    "netwerken",
    "emancipatie",
    "racisme",
    "verbondenheid",
    "migratie",
];

/// The process's peak resident memory (VmHWM), as "123 MB".
pub fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(String::from))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!("{:.0} MB", kb / 1024.0))
        .unwrap_or_else(|| "unknown".into())
}
