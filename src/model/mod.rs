//! The domain: what vindplaats publishes (publications, podcast series and
//! episodes, dossiers, questions, kennisateliers, portal projects, partners,
//! theme pages) and the taxonomy they are filed under, typed from the
//! `[extra]` of Zola pages.
//!
//! Not for loading files or rendering: [`check`] applies the domain's rules
//! to an already loaded [`crate::content::Library`].

mod rules;
mod types;

pub use rules::check;
pub use types::{
    parse_extra, DatePrecision, DossierExtra, DossierGroup, EpisodeExtra, HarvestFields,
    KennisatelierExtra, Kind, Origin, PartnerExtra, PodcastSeriesExtra, PortalProjectExtra,
    PublicationExtra, QuestionExtra, Status, TaxonomyRules, Theme, ThemeKind, ThemePageExtra,
};
