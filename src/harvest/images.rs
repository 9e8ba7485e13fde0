//! Thumbnails of harvested cover and feed images: decoded with `image`
//! under size and pixel caps, scaled to 480 px wide, stored as JPEG beside
//! the draft. A broken or huge image is an error the run notes, never a
//! crash.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

/// The width of a thumbnail.
pub const THUMBNAIL_WIDTH: u32 = 480;
/// The file name of the thumbnail beside a draft's `index.md`.
pub const THUMBNAIL_NAME: &str = "omslag.jpg";

#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error("not an image we can read: {0}")]
    Unreadable(String),
    #[error("too large to decode ({0})")]
    TooLarge(String),
}

/// Decodes `bytes` (JPEG, PNG, GIF or WebP) and returns a JPEG at most
/// [`THUMBNAIL_WIDTH`] wide.
pub fn thumbnail(bytes: &[u8]) -> Result<Vec<u8>, ThumbnailError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(10_000);
    limits.max_image_height = Some(10_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ThumbnailError::Unreadable(e.to_string()))?;
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(l) => ThumbnailError::TooLarge(l.to_string()),
        other => ThumbnailError::Unreadable(other.to_string()),
    })?;
    let image = if image.width() > THUMBNAIL_WIDTH {
        let height =
            ((image.height() as u64 * THUMBNAIL_WIDTH as u64) / image.width() as u64).max(1) as u32;
        image.thumbnail(THUMBNAIL_WIDTH, height)
    } else {
        image
    };
    let mut out = Cursor::new(Vec::new());
    image
        .to_rgb8()
        .write_to(&mut out, ImageFormat::Jpeg)
        .map_err(|e| ThumbnailError::Unreadable(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn scales_to_480_wide_jpeg() {
        let jpeg = thumbnail(&png(1200, 600)).unwrap();
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (480, 240));
        assert_eq!(image::guess_format(&jpeg).unwrap(), ImageFormat::Jpeg);
        let small = image::load_from_memory(&thumbnail(&png(100, 50)).unwrap()).unwrap();
        assert_eq!(small.width(), 100, "small images are not enlarged");
    }

    #[test]
    fn broken_and_huge_images_are_errors() {
        assert!(matches!(
            thumbnail(b"geen plaatje"),
            Err(ThumbnailError::Unreadable(_))
        ));
        let mut truncated = png(200, 200);
        truncated.truncate(100);
        assert!(thumbnail(&truncated).is_err());
        // A PNG header that claims 50,000 x 50,000 pixels.
        let mut huge = png(1, 1);
        huge[16..20].copy_from_slice(&50_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&50_000u32.to_be_bytes());
        assert!(thumbnail(&huge).is_err());
    }
}
