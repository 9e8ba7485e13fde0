//! The harvester: partner feeds and OAI-PMH repositories into draft
//! publications, modelled on Miniflux's reader: fetch → parse → normalise →
//! dedupe → classify → store, with dates, encodings and sanitising each
//! solved once.
//!
//! Built so far: the partner registry ([`registry`]), the bounded, polite
//! fetcher ([`fetch`]), normalising ([`normalise`]), feed parsing
//! ([`feed`]), the OAI-PMH client ([`oai`]), classification
//! ([`classify`]), storing drafts with dedupe ([`store`]) and the run with
//! its state and report ([`run`]), and thumbnails ([`images`]).

pub mod classify;
pub mod feed;
pub mod fetch;
pub mod images;
pub mod item;
pub mod normalise;
pub mod oai;
pub mod registry;
pub mod run;
pub mod store;

pub use feed::{parse_feed, FeedError, ParsedFeed};
pub use fetch::{Body, FetchError, FetchPolicy, Fetched, Fetcher, Validators};
pub use item::{Enclosure, HarvestedItem};
pub use registry::{Partner, Registry, RegistryError, Source, SourceKind};
pub use run::{harvest, HarvestError, HarvestOptions, HarvestReport, SourceReport, SourceState};
