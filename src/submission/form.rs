//! A partner's submission as it arrives: form-encoded (the page's form,
//! which works without JavaScript) or JSON, read strictly: invalid UTF-8,
//! a field given twice, an unknown field past a few, or a value past its
//! limit is an error that names the field, in Dutch.
//!
//! Not for checking the source itself: that is [`super::preview`].

use url::Url;

/// Field names, as the form and the JSON body spell them.
pub mod fields {
    pub const ORGANISATION: &str = "organisatie";
    pub const EMAIL: &str = "email";
    pub const HOMEPAGE: &str = "homepage";
    pub const SOURCE: &str = "bron";
    /// Hidden from people; only robots fill it in.
    pub const HONEYPOT: &str = "website";
}

/// Limits on what a submission may carry, in characters.
pub mod limits {
    pub const ORGANISATION: usize = 200;
    /// RFC 5321's longest path.
    pub const EMAIL: usize = 254;
    pub const URL: usize = 2_048;
    /// The honeypot's value is thrown away, but read within a limit too.
    pub const HONEYPOT: usize = 2_048;
    /// Fields in one submission, known or not.
    pub const FIELDS: usize = 20;
}

/// A submission whose fields are all within their limits and well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub organisation: String,
    pub email: String,
    /// An http(s) URL.
    pub homepage: String,
    /// The feed or OAI-PMH URL, or a page that links its feed.
    pub source: String,
    /// The honeypot was filled in: a robot. Answered as if accepted.
    pub honeypot: bool,
}

/// One field that is wrong, and why, in Dutch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// The body, or a field in it, is not UTF-8.
    #[error("{0}")]
    Encoding(String),
    /// Not form-encoded or JSON as we read it.
    #[error("{0}")]
    Syntax(String),
    /// One or more fields are missing or wrong.
    #[error("{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))]
    Fields(Vec<FieldError>),
}

/// The raw values of the known fields, before checking.
#[derive(Debug, Default)]
struct Raw {
    organisation: Option<String>,
    email: Option<String>,
    homepage: Option<String>,
    source: Option<String>,
    honeypot: Option<String>,
}

impl Raw {
    fn slot(&mut self, name: &str) -> Option<(&'static str, &mut Option<String>)> {
        Some(match name {
            fields::ORGANISATION => (fields::ORGANISATION, &mut self.organisation),
            fields::EMAIL => (fields::EMAIL, &mut self.email),
            fields::HOMEPAGE => (fields::HOMEPAGE, &mut self.homepage),
            fields::SOURCE => (fields::SOURCE, &mut self.source),
            fields::HONEYPOT => (fields::HONEYPOT, &mut self.honeypot),
            _ => return None,
        })
    }

    /// Sets a field once; a second value is an error (which one was meant?).
    fn set(&mut self, name: &str, value: String) -> Result<(), FormError> {
        let Some((field, slot)) = self.slot(name) else {
            // Unknown fields are ignored, so the form may grow.
            return Ok(());
        };
        if slot.is_some() {
            return Err(FormError::Fields(vec![FieldError {
                field,
                message: format!("Het veld '{field}' komt meer dan één keer voor."),
            }]));
        }
        *slot = Some(value);
        Ok(())
    }
}

/// Reads an `application/x-www-form-urlencoded` body.
pub fn parse_form_urlencoded(body: &[u8]) -> Result<Form, FormError> {
    let mut raw = Raw::default();
    let pairs = body.split(|b| *b == b'&').filter(|p| !p.is_empty());
    for (n, pair) in pairs.enumerate() {
        if n >= limits::FIELDS {
            return Err(too_many_fields());
        }
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (pair.get(..at), pair.get(at + 1..)),
            None => (Some(pair), Some(&b""[..])),
        };
        let name = String::from_utf8(percent_decode(name.unwrap_or_default()))
            .map_err(|_| FormError::Encoding("Een veldnaam is geen geldige UTF-8-tekst.".into()))?;
        let value = String::from_utf8(percent_decode(value.unwrap_or_default())).map_err(|_| {
            let shown = raw.slot(&name).map_or("onbekend", |(field, _)| field);
            FormError::Encoding(format!(
                "Het veld '{shown}' is geen geldige UTF-8-tekst; stuur het formulier als UTF-8."
            ))
        })?;
        raw.set(&name, value)?;
    }
    check(raw)
}

/// Reads a JSON object with the same field names, all strings.
pub fn parse_json(body: &[u8]) -> Result<Form, FormError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| FormError::Encoding("De JSON is geen geldige UTF-8-tekst.".into()))?;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        FormError::Syntax(format!(
            "De JSON kan niet gelezen worden (regel {}, kolom {}).",
            e.line(),
            e.column()
        ))
    })?;
    let serde_json::Value::Object(object) = value else {
        return Err(FormError::Syntax(
            "De JSON moet een object zijn met de velden organisatie, email, homepage en bron."
                .into(),
        ));
    };
    if object.len() > limits::FIELDS {
        return Err(too_many_fields());
    }
    let mut raw = Raw::default();
    for (name, value) in object {
        let text = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => continue,
            _ => {
                let field = raw.slot(&name).map(|(field, _)| field);
                match field {
                    Some(field) => {
                        return Err(FormError::Fields(vec![FieldError {
                            field,
                            message: format!("Het veld '{field}' moet tekst zijn."),
                        }]))
                    }
                    None => continue,
                }
            }
        };
        raw.set(&name, text)?;
    }
    check(raw)
}

fn too_many_fields() -> FormError {
    FormError::Syntax(format!(
        "De aanmelding heeft meer dan {} velden.",
        limits::FIELDS
    ))
}

/// `+` is a space, `%XX` a byte; a `%` without two hex digits stays.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        let hex = |at: usize| input.get(at).and_then(|c| (*c as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Every field checked; all errors together, so the form can show them.
fn check(raw: Raw) -> Result<Form, FormError> {
    let mut errors = Vec::new();
    let honeypot = raw.honeypot.as_deref().map(str::trim).unwrap_or_default();
    if honeypot.chars().count() > limits::HONEYPOT {
        errors.push(too_long(fields::HONEYPOT, limits::HONEYPOT));
    }
    let organisation = text_field(
        fields::ORGANISATION,
        "de naam van uw organisatie",
        raw.organisation,
        limits::ORGANISATION,
        &mut errors,
    );
    let email = text_field(
        fields::EMAIL,
        "een e-mailadres",
        raw.email,
        limits::EMAIL,
        &mut errors,
    );
    if let Some(email) = &email {
        if !is_email(email) {
            errors.push(FieldError {
                field: fields::EMAIL,
                message: "Het veld 'email' is geen geldig e-mailadres (naam@organisatie.nl)."
                    .into(),
            });
        }
    }
    let homepage = url_field(
        fields::HOMEPAGE,
        "het adres van uw website",
        raw.homepage,
        &mut errors,
    );
    let source = url_field(
        fields::SOURCE,
        "het adres van uw feed of OAI-PMH-endpoint",
        raw.source,
        &mut errors,
    );
    match (organisation, email, homepage, source) {
        (Some(organisation), Some(email), Some(homepage), Some(source)) if errors.is_empty() => {
            Ok(Form {
                organisation,
                email,
                homepage,
                source,
                honeypot: !honeypot.is_empty(),
            })
        }
        _ => Err(FormError::Fields(errors)),
    }
}

fn too_long(field: &'static str, max: usize) -> FieldError {
    FieldError {
        field,
        message: format!("Het veld '{field}' is langer dan {max} tekens."),
    }
}

/// A required line of text: trimmed, within `max` characters, no control
/// characters (a line break in a name breaks every file it goes into).
fn text_field(
    field: &'static str,
    what: &str,
    value: Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value.as_deref().map(str::trim).unwrap_or_default();
    if value.is_empty() {
        errors.push(FieldError {
            field,
            message: format!("Het veld '{field}' ontbreekt: vul {what} in."),
        });
        return None;
    }
    if value.chars().count() > max {
        errors.push(too_long(field, max));
        return None;
    }
    if value.chars().any(char::is_control) {
        errors.push(FieldError {
            field,
            message: format!("Het veld '{field}' bevat een regeleinde of ander stuurteken."),
        });
        return None;
    }
    Some(value.to_string())
}

/// A required http(s) URL with a host and without a user name or password.
fn url_field(
    field: &'static str,
    what: &str,
    value: Option<String>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let before = errors.len();
    let value = text_field(field, what, value, limits::URL, errors)?;
    let checked = match Url::parse(&value) {
        Err(_) => Err("is geen volledig webadres (begin met https://)"),
        Ok(u) if !matches!(u.scheme(), "http" | "https") => {
            Err("moet met http:// of https:// beginnen")
        }
        Ok(u) if u.host_str().is_none_or(str::is_empty) => Err("noemt geen server"),
        Ok(u) if !u.username().is_empty() || u.password().is_some() => {
            Err("mag geen gebruikersnaam of wachtwoord bevatten")
        }
        Ok(u) if u.as_str().len() > limits::URL => Err("is te lang"),
        Ok(u) => Ok(u),
    };
    match checked {
        Err(problem) => {
            errors.push(FieldError {
                field,
                message: format!("Het veld '{field}' {problem}."),
            });
            None
        }
        // As the URL parser writes it (`https:x.nl` is `https://x.nl/`):
        // what is stored and compared is what will be fetched.
        Ok(url) => (errors.len() == before).then(|| url.to_string()),
    }
}

/// A plain check: one `@`, a local part and a domain with a dot, no
/// spaces and none of the characters that only quoted local parts allow.
fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| !c.is_whitespace() && !"<>()[]\\,;:\"@".contains(c))
    };
    plain(local)
        && local.chars().count() <= 64
        && plain(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GOOD: &str = "organisatie=Kennisinstituut+%C3%89%C3%A9n&email=redactie%40example.org\
                        &homepage=https%3A%2F%2Fexample.org&bron=https%3A%2F%2Fexample.org%2Ffeed.xml";

    fn fields_of(e: FormError) -> Vec<&'static str> {
        match e {
            FormError::Fields(errors) => errors.iter().map(|e| e.field).collect(),
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn reads_a_form_with_utf8_and_plus_as_space() {
        let form = parse_form_urlencoded(GOOD.as_bytes()).unwrap();
        assert_eq!(form.organisation, "Kennisinstituut Één");
        assert_eq!(form.email, "redactie@example.org");
        assert_eq!(form.source, "https://example.org/feed.xml");
        assert_eq!(form.homepage, "https://example.org/");
        assert!(!form.honeypot);
        let bot = format!("{GOOD}&website=http%3A%2F%2Fspam");
        assert!(parse_form_urlencoded(bot.as_bytes()).unwrap().honeypot);
    }

    #[test]
    fn json_reads_the_same_fields() {
        let form = parse_json(
            br#"{"organisatie":"A","email":"a@b.nl","homepage":"https://a.nl","bron":"https://a.nl/feed","extra":1}"#,
        )
        .unwrap();
        assert_eq!(form.homepage, "https://a.nl/");
        assert!(matches!(parse_json(b"[1]"), Err(FormError::Syntax(_))));
        assert!(matches!(parse_json(b"{"), Err(FormError::Syntax(_))));
        assert_eq!(
            fields_of(parse_json(br#"{"organisatie":5}"#).unwrap_err()),
            ["organisatie"]
        );
    }

    #[test]
    fn every_missing_field_is_named() {
        let e = parse_form_urlencoded(b"").unwrap_err();
        assert_eq!(
            fields_of(e),
            ["organisatie", "email", "homepage", "bron"],
            "all at once, in form order"
        );
        let e = parse_form_urlencoded(b"organisatie=%20%20&email=x").unwrap_err();
        assert!(e.to_string().contains("'organisatie' ontbreekt"), "{e}");
    }

    #[test]
    fn limits_name_the_field() {
        let long = "a".repeat(limits::ORGANISATION + 1);
        let body = GOOD.replace("Kennisinstituut+%C3%89%C3%A9n", &long);
        let e = parse_form_urlencoded(body.as_bytes()).unwrap_err();
        assert!(
            e.to_string().contains("'organisatie' is langer dan 200"),
            "{e}"
        );
        // Exactly at the limit is fine, counted in characters, not bytes.
        let at = "é".repeat(limits::ORGANISATION);
        let body = GOOD.replace("Kennisinstituut+%C3%89%C3%A9n", &at);
        assert!(parse_form_urlencoded(body.as_bytes()).is_ok());
        let url = format!("https://example.org/{}", "a".repeat(limits::URL));
        let body = GOOD.replace("https%3A%2F%2Fexample.org%2Ffeed.xml", &url);
        assert_eq!(
            fields_of(parse_form_urlencoded(body.as_bytes()).unwrap_err()),
            ["bron"]
        );
        let many = "x=1&".repeat(limits::FIELDS + 1);
        assert!(matches!(
            parse_form_urlencoded(many.as_bytes()),
            Err(FormError::Syntax(_))
        ));
    }

    #[test]
    fn bad_values_are_refused() {
        for (field, from, to) in [
            ("email", "redactie%40example.org", "geen-adres"),
            ("email", "redactie%40example.org", "a%40b"),
            ("email", "redactie%40example.org", "%3Cscript%3E%40x.nl"),
            (
                "bron",
                "https%3A%2F%2Fexample.org%2Ffeed.xml",
                "ftp%3A%2F%2Fexample.org",
            ),
            (
                "bron",
                "https%3A%2F%2Fexample.org%2Ffeed.xml",
                "javascript%3Aalert(1)",
            ),
            (
                "bron",
                "https%3A%2F%2Fexample.org%2Ffeed.xml",
                "https%3A%2F%2Fu%3Ap%40example.org",
            ),
            ("homepage", "https%3A%2F%2Fexample.org&", "example.org&"),
            ("organisatie", "Kennisinstituut+", "a%0Ab"),
        ] {
            let body = GOOD.replacen(from, to, 1);
            let e = parse_form_urlencoded(body.as_bytes()).unwrap_err();
            assert_eq!(fields_of(e), [field], "{body}");
        }
        let twice = format!("{GOOD}&bron=https%3A%2F%2Fother.org");
        assert_eq!(
            fields_of(parse_form_urlencoded(twice.as_bytes()).unwrap_err()),
            ["bron"]
        );
    }

    #[test]
    fn invalid_utf8_names_the_field() {
        let body = GOOD.replace("%C3%89", "%FF");
        let e = parse_form_urlencoded(body.as_bytes()).unwrap_err();
        assert!(matches!(e, FormError::Encoding(_)));
        assert!(e.to_string().contains("'organisatie'"), "{e}");
        let mut raw = GOOD.as_bytes().to_vec();
        raw.extend_from_slice(b"&bron=\xff");
        assert!(matches!(
            parse_form_urlencoded(&raw),
            Err(FormError::Encoding(_))
        ));
        assert!(matches!(
            parse_json(b"{\"a\":\"\xff\"}"),
            Err(FormError::Encoding(_))
        ));
    }

    /// Found by the fuzz target: the URL parser reads `https:host` as
    /// `https://host/`, so the form keeps the URL as the parser wrote it.
    #[test]
    fn urls_are_kept_as_the_parser_writes_them() {
        let form = parse_json(
            br#"{"organisatie":"A","email":"a@b.nl","homepage":"HTTPS://A.nl","bron":"https:organis&bron=ht//a.nl/feed"}"#,
        )
        .unwrap();
        assert_eq!(form.homepage, "https://a.nl/");
        assert_eq!(form.source, "https://organis&bron=ht//a.nl/feed");
        let body = GOOD.replace(
            "https%3A%2F%2Fexample.org%2Ffeed.xml",
            "http%3Aexample.org%2Ff%20%3Cx%3E",
        );
        let form = parse_form_urlencoded(body.as_bytes()).unwrap();
        assert_eq!(form.source, "http://example.org/f%20%3Cx%3E");
    }

    #[test]
    fn a_lone_percent_sign_stays() {
        assert_eq!(percent_decode(b"100%"), b"100%");
        assert_eq!(percent_decode(b"%4"), b"%4");
        assert_eq!(percent_decode(b"%zz%41"), b"%zzA");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Any bytes: an answer, never a panic; an accepted form keeps
        /// every limit.
        #[test]
        fn any_body_is_an_answer_within_the_limits(body in proptest::collection::vec(any::<u8>(), 0..600)) {
            for form in [parse_form_urlencoded(&body), parse_json(&body)].into_iter().flatten() {
                prop_assert!(form.organisation.chars().count() <= limits::ORGANISATION);
                prop_assert!(form.email.chars().count() <= limits::EMAIL);
                prop_assert!(form.source.chars().count() <= limits::URL);
                prop_assert!(!form.organisation.chars().any(char::is_control));
            }
        }

        /// Forms built from arbitrary field values: accepted exactly when
        /// each value is acceptable, and read back as written.
        #[test]
        fn encoded_values_read_back(organisation in "\\PC{0,250}", email in "[a-z]{1,10}@[a-z]{1,10}\\.nl") {
            let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let body = format!(
                "organisatie={}&email={}&homepage=https%3A%2F%2Fa.nl&bron=https%3A%2F%2Fa.nl%2Ff",
                encode(&organisation), encode(&email)
            );
            let trimmed = organisation.trim();
            let acceptable = !trimmed.is_empty()
                && trimmed.chars().count() <= limits::ORGANISATION
                && !trimmed.chars().any(char::is_control);
            match parse_form_urlencoded(body.as_bytes()) {
                Ok(form) => {
                    prop_assert!(acceptable);
                    prop_assert_eq!(form.organisation, trimmed);
                    prop_assert_eq!(form.email, email);
                }
                Err(e) => {
                    prop_assert!(!acceptable, "{e}");
                }
            }
        }
    }
}
