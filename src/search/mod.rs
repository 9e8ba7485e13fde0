//! Search: one analysis of Dutch text shared by both backends (the
//! embedded index and Meilisearch), so stemming, accent folding, stop words
//! and compound splitting behave the same whichever answers.
//!
//! Built so far: the analysis ([`analysis`]). The backends, the wire
//! protocol and the search page follow (issue 5).

pub mod analysis;
