//! The domain: what vindplaats publishes (publications, podcast series and
//! episodes, dossiers, questions, kennisateliers, portal projects, partners,
//! theme pages) and the taxonomy they are filed under, typed from the
//! `[extra]` of Zola pages.
//!
//! [`Collection::load`] loads a site once (through [`crate::content`]),
//! applies the domain's rules ([`check`]) and types every page's `[extra]`;
//! every output is a view of that [`Collection`]. Not for rendering.

mod collection;
mod legacy;
mod rules;
mod types;

pub use collection::{Collection, Entry, Item, LoadError, LoadOptions};
pub use legacy::{Modernised, OldName};
pub use rules::{check, Checked};
pub use types::{
    parse_extra, DatePrecision, DossierExtra, DossierGroup, EpisodeExtra, HarvestFields,
    KennisatelierExtra, Kind, Origin, PartnerExtra, PodcastSeriesExtra, PortalProjectExtra,
    PublicationExtra, QuestionExtra, Status, TaxonomyError, TaxonomyRules, Theme, ThemeKind,
    ThemePageExtra, DUTCH_MONTHS,
};
