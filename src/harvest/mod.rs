//! The harvester: partner feeds and OAI-PMH repositories into draft
//! publications, modelled on Miniflux's reader, one typed item from end to
//! end:
//!
//! - fetch ([`fetch`]): bounded and polite;
//! - parse, one adapter per format, each yielding an [`Entry`]: feeds
//!   ([`feed`]) and OAI-PMH ([`oai`]);
//! - normalise ([`normalise`]), the same for every format: dates with their
//!   precision ([`date`]), http(s) links only, HTML sanitised and text made
//!   inert, limits, DOIs; the result is a [`HarvestedItem`];
//! - dedupe ([`dedupe`]), a pure decision over an index of what is stored;
//! - classify ([`classify`]);
//! - store ([`store`]), which only reads and writes content files.
//!
//! [`pipeline`] runs the steps after parsing; [`run`] a whole harvest, one
//! run at a time ([`lock`]), one source never stopping another. The
//! partner registry is [`registry`], thumbnails [`images`]; how each
//! source is doing, for the partner pages, [`health`].
//!
//! Outside input reaches every function here: indexing and slicing that
//! can panic are refused by the compiler's lints.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

pub mod classify;
pub mod date;
pub mod decode;
pub mod dedupe;
pub mod feed;
pub mod fetch;
pub mod health;
pub mod images;
pub mod item;
pub mod lock;
pub mod normalise;
pub mod oai;
pub mod pipeline;
pub mod registry;
pub mod run;
pub mod store;

pub use feed::{parse_feed, FeedError, ParsedFeed};
pub use fetch::{Body, FetchError, FetchPolicy, Fetched, Fetcher, Validators};
pub use item::{Enclosure, Entry, HarvestedItem};
pub use registry::{Partner, Registry, RegistryError, Source, SourceKind};
pub use run::{harvest, HarvestError, HarvestOptions, HarvestReport, SourceReport, SourceState};
