//! The harvester: partner feeds and OAI-PMH repositories into draft
//! publications, modelled on Miniflux's reader: fetch → parse → normalise →
//! dedupe → classify → store, with dates, encodings and sanitising each
//! solved once.
//!
//! Built so far: the partner registry ([`registry`]) and the bounded,
//! polite fetcher ([`fetch`]). Parsing, storing and the `harvest` command
//! follow.

pub mod fetch;
pub mod registry;

pub use fetch::{Body, FetchError, FetchPolicy, Fetched, Fetcher, Validators};
pub use registry::{Partner, Registry, RegistryError, Source, SourceKind};
