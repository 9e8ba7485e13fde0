//! Form bodies (`application/x-www-form-urlencoded`) and query strings of
//! `/beheer/`, bounded: at most [`MAX_FIELDS`] fields, each value valid
//! UTF-8, repeated names kept in order (checkbox lists).

/// The most fields one form may send.
pub const MAX_FIELDS: usize = 500;
/// The largest form body.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("meer dan {MAX_FIELDS} velden")]
    TooManyFields,
    #[error("het veld {0} is geen geldige UTF-8-tekst")]
    NotUtf8(String),
}

/// The fields of a form, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    fields: Vec<(String, String)>,
}

fn decode(part: &str) -> Vec<u8> {
    crate::serve::percent_decode(part, true)
}

impl Form {
    /// Parses `a=1&b=2`; the body must be UTF-8 before and after decoding.
    pub fn parse(body: &[u8]) -> Result<Form, FormError> {
        let text =
            std::str::from_utf8(body).map_err(|_| FormError::NotUtf8("(formulier)".into()))?;
        let mut fields = Vec::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            if fields.len() >= MAX_FIELDS {
                return Err(FormError::TooManyFields);
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name =
                String::from_utf8(decode(name)).map_err(|_| FormError::NotUtf8("(naam)".into()))?;
            let value = String::from_utf8(decode(value))
                .map_err(|_| FormError::NotUtf8(name.chars().take(40).collect()))?;
            fields.push((name, value));
        }
        Ok(Form { fields })
    }

    /// The first value of `name`, empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first value of `name`, when given and not blank.
    pub fn value(&self, name: &str) -> Option<String> {
        let v = self.get(name).trim();
        (!v.is_empty()).then(|| v.to_string())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_repeated_and_encoded_fields() {
        let form =
            Form::parse(b"thema=Gelijke+kansen&thema=Werk%20en%20inkomen&titel=%C3%A9%26x&leeg=")
                .unwrap();
        assert_eq!(form.all("thema"), ["Gelijke kansen", "Werk en inkomen"]);
        assert_eq!(form.get("titel"), "é&x");
        assert_eq!(form.value("leeg"), None);
        assert_eq!(form.get("geen"), "");
    }

    #[test]
    fn refuses_invalid_utf8_and_too_many_fields() {
        assert_eq!(
            Form::parse(b"titel=%FF%FE"),
            Err(FormError::NotUtf8("titel".into()))
        );
        assert!(Form::parse(&[b't', b'=', 0xff]).is_err());
        let many = "a=1&".repeat(MAX_FIELDS + 1);
        assert_eq!(Form::parse(many.as_bytes()), Err(FormError::TooManyFields));
    }

    proptest! {
        #[test]
        fn never_panics_and_round_trips_values(bytes in proptest::collection::vec(any::<u8>(), 0..400), value in "\\PC{0,40}") {
            let _ = Form::parse(&bytes);
            let encoded: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
            let form = Form::parse(format!("v={encoded}").as_bytes()).unwrap();
            prop_assert_eq!(form.get("v"), value.as_str());
        }
    }
}
