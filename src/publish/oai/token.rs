//! Resumption tokens: the state of a list request (verb, format, range,
//! set, the last record sent and how many were sent) in the token itself,
//! signed with HMAC-SHA256 and with an expiry. Nothing is kept on the
//! server, so a token survives a rebuild; a forged, tampered or expired one
//! is refused. The list goes on after the last record sent, by datestamp
//! and identifier, so records added or removed meanwhile shift nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The longest token accepted, in bytes: a real one is a few hundred.
pub const MAX_TOKEN_BYTES: usize = 2_048;

/// What a token carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenState {
    /// `ListRecords` or `ListIdentifiers`.
    pub verb: String,
    pub prefix: String,
    /// Seconds since the epoch, inclusive.
    pub from: Option<i64>,
    pub until: Option<i64>,
    pub set: Option<String>,
    /// The last record sent: (datestamp in seconds, identifier).
    pub after: (i64, String),
    /// Records sent before this page.
    pub cursor: usize,
    /// Seconds since the epoch after which the token is refused.
    pub expires: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the resumptionToken is too long")]
    TooLong,
    #[error("the resumptionToken is not one this repository issued")]
    Forged,
    #[error("the resumptionToken expired; start the list again")]
    Expired,
}

/// The signing key.
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    pub fn from_bytes(bytes: [u8; 32]) -> TokenKey {
        TokenKey(bytes)
    }

    /// A fresh random key.
    pub fn random() -> TokenKey {
        let mut bytes = [0u8; 32];
        // Without the system's randomness, a key from the clock and the
        // process still makes tokens unguessable enough for paging.
        if getrandom::getrandom(&mut bytes).is_err() {
            use sha2::Digest;
            let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
            bytes.copy_from_slice(&Sha256::digest(seed.as_bytes()));
        }
        TokenKey(bytes)
    }

    /// The key in `path`, made and saved there when missing (so tokens
    /// survive a restart). When it cannot be saved, a key for this run.
    pub fn load_or_create(path: &std::path::Path) -> TokenKey {
        if let Ok(bytes) = std::fs::read(path) {
            if let Ok(bytes) = <[u8; 32]>::try_from(bytes.as_slice()) {
                return TokenKey(bytes);
            }
        }
        let key = TokenKey::random();
        if let Err(e) = crate::content::write_atomic(path, &key.0) {
            tracing::warn!("OAI-PMH resumption tokens will not survive a restart: {e}");
        }
        key
    }

    fn mac(&self, payload: &[u8]) -> Vec<u8> {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return Vec::new();
        };
        mac.update(payload);
        mac.finalize().into_bytes().to_vec()
    }

    /// The token for `state`.
    pub fn issue(&self, state: &TokenState) -> String {
        let payload = serde_json::to_vec(state).unwrap_or_default();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(self.mac(&payload))
        )
    }

    /// The state in `token`, if this key signed it and it has not expired
    /// at `now` (seconds since the epoch).
    pub fn open(&self, token: &str, now: i64) -> Result<TokenState, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong);
        }
        let (payload, signature) = token.split_once('.').ok_or(TokenError::Forged)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Forged)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Forged)?;
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return Err(TokenError::Forged);
        };
        mac.update(&payload);
        // Constant time: the comparison tells an attacker nothing.
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::Forged)?;
        let state: TokenState = serde_json::from_slice(&payload).map_err(|_| TokenError::Forged)?;
        if now > state.expires {
            return Err(TokenError::Expired);
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn state() -> TokenState {
        TokenState {
            verb: "ListRecords".into(),
            prefix: "oai_dc".into(),
            from: Some(1),
            until: None,
            set: Some("thema:gelijke-kansen".into()),
            after: (1_700_000_000, "oai:kis.nl:publicaties/x".into()),
            cursor: 100,
            expires: 2_000,
        }
    }

    #[test]
    fn a_token_opens_with_its_key_only_and_until_it_expires() {
        let key = TokenKey::random();
        let token = key.issue(&state());
        assert_eq!(key.open(&token, 1_000), Ok(state()));
        assert_eq!(key.open(&token, 2_001), Err(TokenError::Expired));
        assert_eq!(
            TokenKey::random().open(&token, 1_000),
            Err(TokenError::Forged)
        );
    }

    #[test]
    fn tampering_is_found() {
        let key = TokenKey::random();
        let token = key.issue(&state());
        let (payload, signature) = token.split_once('.').unwrap();
        let mut forged = state();
        forged.cursor = 0;
        forged.expires = i64::MAX;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(
            key.open(&format!("{forged_payload}.{signature}"), 0),
            Err(TokenError::Forged)
        );
        assert_eq!(key.open(payload, 0), Err(TokenError::Forged));
        assert_eq!(key.open("", 0), Err(TokenError::Forged));
        assert_eq!(
            key.open(&"a".repeat(MAX_TOKEN_BYTES + 1), 0),
            Err(TokenError::TooLong)
        );
    }

    proptest! {
        #[test]
        fn no_input_opens_or_panics(token in ".{0,300}") {
            let key = TokenKey::random();
            prop_assert!(key.open(&token, 0).is_err());
        }

        #[test]
        fn a_flipped_byte_never_opens(at in 0usize..200, bit in 0u8..8) {
            let key = TokenKey::random();
            let token = key.issue(&state());
            let mut bytes = token.into_bytes();
            let at = at % bytes.len();
            if let Some(b) = bytes.get_mut(at) {
                *b ^= 1 << bit;
            }
            if let Ok(text) = String::from_utf8(bytes) {
                prop_assert!(key.open(&text, 0).is_err());
            }
        }
    }
}
