//! Dates from partners, parsed in one place for every format, with how
//! much of the date is known: OAI's `<dc:date>2010</dc:date>` is a year,
//! not the first of January.
//!
//! Not for rendering dates: templates do that from the content file's
//! `date` and `extra.date_precision`.

use chrono::{DateTime, Datelike, NaiveDate};

use crate::model::DatePrecision;

/// A date as far as it is known. `date` carries the first day of what is
/// known (the 1st of the month, the 1st of January).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HarvestDate {
    pub date: NaiveDate,
    pub precision: DatePrecision,
}

/// Dates longer than this are not dates.
const MAX_LEN: usize = 64;

/// Years outside this range are typing errors or placeholders ("0000").
const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

impl HarvestDate {
    pub fn day(date: NaiveDate) -> HarvestDate {
        HarvestDate {
            date,
            precision: DatePrecision::Day,
        }
    }

    pub fn year(&self) -> i32 {
        self.date.year()
    }

    /// `YYYY-MM-DD`, as TOML and Zola read it.
    pub fn ymd(&self) -> String {
        self.date.format("%Y-%m-%d").to_string()
    }

    /// The date as known: `2010`, `2010-05` or `2010-05-03`.
    pub fn as_known(&self) -> String {
        match self.precision {
            DatePrecision::Year => self.date.format("%Y").to_string(),
            DatePrecision::Month => self.date.format("%Y-%m").to_string(),
            DatePrecision::Day => self.ymd(),
        }
    }
}

/// Parses a partner's date: RFC 3339 and W3C-DTF (`2010`, `2010-05`,
/// `2010-05-03`, `2010-05-03T10:00:00Z`), RFC 2822 (RSS), and
/// `YYYY-MM-DD` followed by any time. Anything else is `None`.
pub fn parse(text: &str) -> Option<HarvestDate> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_LEN {
        return None;
    }
    let parsed = if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        Some(HarvestDate::day(t.date_naive()))
    } else if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        Some(HarvestDate::day(t.date_naive()))
    } else {
        w3c_dtf(text)
    };
    parsed.filter(|d| YEARS.contains(&d.year()))
}

/// `YYYY`, `YYYY-MM`, or `YYYY-MM-DD` with anything after it (a time).
fn w3c_dtf(text: &str) -> Option<HarvestDate> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next().filter(|y| is_digits(y, 4))?;
    let year: i32 = year.parse().ok()?;
    let Some(month) = parts.next() else {
        return Some(HarvestDate {
            date: NaiveDate::from_ymd_opt(year, 1, 1)?,
            precision: DatePrecision::Year,
        });
    };
    let month: u32 = month
        .get(..2)
        .filter(|m| is_digits(m, 2) && month.len() == 2)?
        .parse()
        .ok()?;
    let Some(rest) = parts.next() else {
        return Some(HarvestDate {
            date: NaiveDate::from_ymd_opt(year, month, 1)?,
            precision: DatePrecision::Month,
        });
    };
    let day = rest.get(..2).filter(|d| is_digits(d, 2))?;
    // After the day only a time may follow.
    let after = rest.get(2..).unwrap_or_default();
    if !(after.is_empty() || after.starts_with(['T', 't', ' '])) {
        return None;
    }
    Some(HarvestDate::day(NaiveDate::from_ymd_opt(
        year,
        month,
        day.parse().ok()?,
    )?))
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn known(text: &str) -> Option<String> {
        parse(text).map(|d| d.as_known())
    }

    #[test]
    fn reads_every_common_form_with_its_precision() {
        assert_eq!(known("2023-12-16"), Some("2023-12-16".into()));
        assert_eq!(
            known("2020-06-01T10:00:00+00:00"),
            Some("2020-06-01".into())
        );
        assert_eq!(known("2020-06-01T10:00:00"), Some("2020-06-01".into()));
        assert_eq!(known("2020-06-01 10:00"), Some("2020-06-01".into()));
        assert_eq!(
            known("Tue, 10 Jun 2003 04:00:00 GMT"),
            Some("2003-06-10".into())
        );
        assert_eq!(known("2010"), Some("2010".into()));
        assert_eq!(known(" 2010-05 "), Some("2010-05".into()));
        let year = parse("2010").unwrap();
        assert_eq!(year.precision, DatePrecision::Year);
        assert_eq!(year.ymd(), "2010-01-01");
        assert_eq!(parse("2010-05").unwrap().precision, DatePrecision::Month);
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "ooit",
            "",
            "2010-13",
            "2010-02-30",
            "0000",
            "20100",
            "2010-5",
            "2010-05-03x",
            "２０１０",
            "2010-0é",
            "é010-05-03",
            "2010-05-0é",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(parse(&"2".repeat(10_000)), None);
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,40}") {
            let _ = parse(&text);
        }

        #[test]
        fn days_come_back_as_they_went_in(y in 1000i32..=9999, m in 1u32..=12, d in 1u32..=28) {
            let text = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(known(&text), Some(text.clone()));
            let month = format!("{y:04}-{m:02}");
            prop_assert_eq!(known(&month), Some(month.clone()));
        }
    }
}
