//! Request bodies read with a limit. Past the limit the rest is read and
//! dropped up to [`DRAIN_BYTES`], so that the client reads the answer
//! instead of a connection reset while it is still sending.

use axum::body::{Body, Bytes};

/// How much of an oversize body is read and dropped before answering.
pub const DRAIN_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the body could not be read: {0}")]
    Read(String),
}

/// At most `max` bytes of `body`.
pub async fn read_bounded(body: Body, max: usize) -> Result<Bytes, BodyError> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        total = total.saturating_add(chunk.len());
        if total <= max {
            kept.extend_from_slice(&chunk);
        } else if total > DRAIN_BYTES {
            break;
        }
    }
    if total > max {
        return Err(BodyError::TooLarge(max));
    }
    Ok(Bytes::from(kept))
}
