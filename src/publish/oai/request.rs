//! An OAI-PMH request from its arguments (the query string of a GET or the
//! form body of a POST), checked the way the protocol says: a known verb,
//! each argument at most once, only the arguments the verb takes, the
//! required ones present, `resumptionToken` exclusive, and dates in one of
//! the two granularities. Every failure is an OAI error code; nothing here
//! can panic.

use chrono::{NaiveDate, NaiveDateTime};

/// The most arguments read from one request; more is a badArgument.
pub const MAX_ARGUMENTS: usize = 16;
/// The longest argument value accepted, in bytes.
pub const MAX_ARGUMENT_BYTES: usize = 2_048;

/// An OAI-PMH error: its code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiError {
    pub code: &'static str,
    pub message: String,
}

impl OaiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> OaiError {
        OaiError {
            code,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> OaiError {
        OaiError::new("badArgument", message)
    }
}

/// How precise a `from` or `until` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Seconds,
}

/// A `from` or `until` as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub moment: NaiveDateTime,
    pub granularity: Granularity,
}

impl Bound {
    /// `2024-09-01` or `2024-09-01T12:00:00Z`.
    pub fn parse(text: &str, argument: &str) -> Result<Bound, OaiError> {
        let bad = || {
            OaiError::bad(format!(
                "`{argument}` must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, not `{}`",
                clip(text)
            ))
        };
        if text.len() == 10 {
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?;
            return Ok(Bound {
                moment: day.and_hms_opt(0, 0, 0).ok_or_else(bad)?,
                granularity: Granularity::Day,
            });
        }
        if text.len() == 20 && text.ends_with('Z') {
            let moment =
                NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ").map_err(|_| bad())?;
            return Ok(Bound {
                moment,
                granularity: Granularity::Seconds,
            });
        }
        Err(bad())
    }

    /// The first second the bound takes in (`from`).
    pub fn start(&self) -> i64 {
        self.moment.and_utc().timestamp()
    }

    /// The last second the bound takes in (`until`): the whole day for a
    /// day.
    pub fn end(&self) -> i64 {
        match self.granularity {
            Granularity::Day => self.start() + 86_399,
            Granularity::Seconds => self.start(),
        }
    }
}

/// A list request's selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub prefix: String,
    pub from: Option<Bound>,
    pub until: Option<Bound>,
    pub set: Option<String>,
}

/// What was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    Identify,
    ListMetadataFormats {
        identifier: Option<String>,
    },
    ListSets {
        token: Option<String>,
    },
    GetRecord {
        identifier: String,
        prefix: String,
    },
    /// `ListIdentifiers` (`records: false`) or `ListRecords`.
    List {
        records: bool,
        selection: Selection,
    },
    Resume {
        records: bool,
        token: String,
    },
}

/// A request's arguments as the `<request>` element echoes them (only
/// when the request was valid, as the protocol says).
pub type Arguments = Vec<(String, String)>;

fn clip(text: &str) -> String {
    text.chars().take(80).collect()
}

/// Reads the arguments. `pairs` are the decoded `name=value` pairs in
/// order.
pub fn parse(pairs: &[(String, String)]) -> Result<Verb, OaiError> {
    if pairs.len() > MAX_ARGUMENTS {
        return Err(OaiError::bad(format!(
            "{} arguments; no request takes more than 6",
            pairs.len()
        )));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in pairs {
        if seen.contains(&name.as_str()) {
            return Err(if name == "verb" {
                OaiError::new("badVerb", "the verb argument is repeated")
            } else {
                OaiError::bad(format!("the argument `{}` is repeated", clip(name)))
            });
        }
        if value.len() > MAX_ARGUMENT_BYTES {
            return Err(OaiError::bad(format!(
                "the argument `{}` is longer than {MAX_ARGUMENT_BYTES} bytes",
                clip(name)
            )));
        }
        seen.push(name);
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let Some(verb) = get("verb") else {
        return Err(OaiError::new("badVerb", "the verb argument is missing"));
    };
    // The argument ListMetadataFormats may take, alone.
    const IDENTIFIER: &str = "identifier";
    let (allowed, required): (&[&str], &[&str]) = match verb.as_str() {
        "Identify" => (&[], &[]),
        "ListMetadataFormats" => (&[IDENTIFIER], &[]),
        "ListSets" => (&["resumptionToken"], &[]),
        "GetRecord" => (
            &["identifier", "metadataPrefix"],
            &["identifier", "metadataPrefix"],
        ),
        "ListIdentifiers" | "ListRecords" => (
            &["metadataPrefix", "from", "until", "set", "resumptionToken"],
            &[],
        ),
        _ => {
            return Err(OaiError::new(
                "badVerb",
                format!("`{}` is not an OAI-PMH verb", clip(&verb)),
            ))
        }
    };
    for (name, _) in pairs {
        if name != "verb" && !allowed.contains(&name.as_str()) {
            return Err(OaiError::bad(format!(
                "{verb} does not take the argument `{}`",
                clip(name)
            )));
        }
    }
    for name in required {
        if get(name).is_none() {
            return Err(OaiError::bad(format!("{verb} needs the argument `{name}`")));
        }
    }
    let not_empty = |name: &str| -> Result<Option<String>, OaiError> {
        match get(name) {
            Some(v) if v.is_empty() => Err(OaiError::bad(format!("`{name}` is empty"))),
            other => Ok(other),
        }
    };
    Ok(match verb.as_str() {
        "Identify" => Verb::Identify,
        "ListMetadataFormats" => Verb::ListMetadataFormats {
            identifier: not_empty("identifier")?,
        },
        "ListSets" => Verb::ListSets {
            token: not_empty("resumptionToken")?,
        },
        "GetRecord" => Verb::GetRecord {
            identifier: not_empty("identifier")?.unwrap_or_default(),
            prefix: not_empty("metadataPrefix")?.unwrap_or_default(),
        },
        _ => {
            let records = verb == "ListRecords";
            if let Some(token) = not_empty("resumptionToken")? {
                if pairs.len() > 2 {
                    return Err(OaiError::bad(
                        "resumptionToken is an exclusive argument: send it with the verb only",
                    ));
                }
                return Ok(Verb::Resume { records, token });
            }
            let Some(prefix) = not_empty("metadataPrefix")? else {
                return Err(OaiError::bad(format!(
                    "{verb} needs the argument `metadataPrefix`"
                )));
            };
            let from = not_empty("from")?
                .map(|f| Bound::parse(&f, "from"))
                .transpose()?;
            let until = not_empty("until")?
                .map(|u| Bound::parse(&u, "until"))
                .transpose()?;
            if let (Some(f), Some(u)) = (from, until) {
                if f.granularity != u.granularity {
                    return Err(OaiError::bad(
                        "`from` and `until` must have the same granularity",
                    ));
                }
                if f.start() > u.end() {
                    return Err(OaiError::bad("`from` is later than `until`"));
                }
            }
            Verb::List {
                records,
                selection: Selection {
                    prefix,
                    from,
                    until,
                    set: not_empty("set")?,
                },
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn args(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn code(list: &[(&str, &str)]) -> &'static str {
        parse(&args(list)).unwrap_err().code
    }

    #[test]
    fn verbs_and_their_arguments() {
        assert_eq!(parse(&args(&[("verb", "Identify")])), Ok(Verb::Identify));
        assert_eq!(code(&[]), "badVerb");
        assert_eq!(code(&[("verb", "Delete")]), "badVerb");
        assert_eq!(
            code(&[("verb", "Identify"), ("verb", "Identify")]),
            "badVerb"
        );
        assert_eq!(code(&[("verb", "Identify"), ("x", "1")]), "badArgument");
        assert_eq!(
            code(&[("verb", "GetRecord"), ("identifier", "a")]),
            "badArgument"
        );
        assert_eq!(code(&[("verb", "ListRecords")]), "badArgument");
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("set", "a"),
                ("set", "b")
            ]),
            "badArgument"
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("resumptionToken", "t"),
                ("metadataPrefix", "oai_dc")
            ]),
            "badArgument"
        );
        assert_eq!(
            parse(&args(&[
                ("verb", "ListIdentifiers"),
                ("resumptionToken", "t")
            ])),
            Ok(Verb::Resume {
                records: false,
                token: "t".into()
            })
        );
    }

    #[test]
    fn dates_in_two_granularities() {
        let ok = parse(&args(&[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2024-01-01"),
            ("until", "2024-01-01"),
        ]))
        .unwrap();
        let Verb::List { selection, .. } = ok else {
            panic!()
        };
        let (from, until) = (selection.from.unwrap(), selection.until.unwrap());
        assert_eq!(until.end() - from.start(), 86_399);
        for bad in [
            "2024-13-01",
            "2024-1-1",
            "20240101",
            "2024-01-01T10:00:00",
            "2024-01-01T25:00:00Z",
            "gisteren",
            "2024-02-30",
        ] {
            assert_eq!(
                code(&[
                    ("verb", "ListRecords"),
                    ("metadataPrefix", "oai_dc"),
                    ("from", bad)
                ]),
                "badArgument",
                "{bad}"
            );
        }
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", "2024-01-01"),
                ("until", "2024-01-02T00:00:00Z")
            ]),
            "badArgument"
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("from", "2024-02-01"),
                ("until", "2024-01-01")
            ]),
            "badArgument"
        );
        assert!(parse(&args(&[
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2024-01-01T10:00:00Z")
        ]))
        .is_ok());
    }

    proptest! {
        #[test]
        fn any_arguments_give_a_verb_or_an_oai_error(
            pairs in proptest::collection::vec(("[a-zA-Z]{0,16}", ".{0,40}"), 0..8)
        ) {
            match parse(&pairs) {
                Ok(_) => {}
                Err(e) => prop_assert!([
                    "badArgument", "badVerb"
                ].contains(&e.code)),
            }
        }
    }
}
