//! The domain: what vindplaats publishes (publications, podcast episodes,
//! dossiers, questions, kennisateliers, partners) and the taxonomy they are
//! filed under, typed from the `[extra]` of Zola pages.
//!
//! Not for loading files or rendering: [`check`] applies the domain's rules
//! to an already loaded [`Library`].

mod rules;
mod types;

pub use rules::check;
pub use types::{
    DatePrecision, EpisodeExtra, HarvestFields, PublicationExtra, Status, TaxonomyRules, Theme,
};
