//! The podcast feed of each series, `podcasts/<series>/feed.xml`: RSS 2.0
//! with the iTunes tags Apple Podcasts and Spotify ask for and the
//! Podcasting 2.0 `guid`, `locked` and `transcript`.
//!
//! - The channel's `itunes:image` is made from the series artwork with
//!   `image`: cut square and scaled into 1400-3000 px, as a JPEG.
//! - Each item's enclosure carries the byte length and the media type of
//!   the audio file itself, and `itunes:duration` is read from it
//!   (Symphonia reads the MP3 or MP4 container, no decoding).
//! - An episode whose audio file is missing is left out, with a problem
//!   that names it: never an item with a broken enclosure.

use std::path::{Path, PathBuf};

use image::GenericImageView;

use super::view::series;
use super::{xml_text as xml, Output};
use crate::content::{FieldError, Problem, Section};
use crate::model::{parse_extra, Collection, Item, PodcastSeriesExtra};

/// The smallest and largest artwork Apple accepts, in pixels a side.
pub const ARTWORK_MIN: u32 = 1400;
pub const ARTWORK_MAX: u32 = 3000;
/// The largest artwork file read, in bytes.
pub const MAX_ARTWORK_BYTES: u64 = 20 * 1024 * 1024;

/// What the podcast feeds need written.
#[derive(Debug, Default)]
pub struct PodcastFiles {
    pub feeds: Vec<Output>,
    pub artwork: Vec<(String, Vec<u8>)>,
    pub problems: Vec<Problem>,
}

/// What an audio file says of itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub length: u64,
    pub media_type: &'static str,
    pub seconds: u64,
}

/// The media type by the container's first bytes: MP3 (ID3 tag or a frame
/// sync) or MP4/M4A (`ftyp`).
fn media_type(head: &[u8]) -> Option<&'static str> {
    match head {
        [b'I', b'D', b'3', ..] => Some("audio/mpeg"),
        [0xFF, second, ..] if second & 0xE0 == 0xE0 => Some("audio/mpeg"),
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => Some("audio/mp4"),
        _ => None,
    }
}

/// Why an episode's audio file cannot go in the feed.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("cannot read: {0}")]
    Read(#[from] std::io::Error),
    #[error("not an MP3 or MP4 (M4A) audio file")]
    NotAudio,
    #[error("cannot read the audio: {0}")]
    Container(String),
    #[error("the file has no audio track")]
    NoTrack,
    #[error("the audio has no time base")]
    NoTimeBase,
    #[error("the audio lasts no time")]
    NoDuration,
}

/// Why the series artwork cannot become the feed's image.
#[derive(Debug, thiserror::Error)]
pub enum ArtworkError {
    #[error("no such file: {0}")]
    Missing(String),
    #[error("cannot read: {0}")]
    Read(#[from] std::io::Error),
    #[error("larger than {} MB", MAX_ARTWORK_BYTES >> 20)]
    TooLarge,
    #[error("not an image: {0}")]
    NotAnImage(image::ImageError),
    #[error("the image is empty")]
    Empty,
    #[error("cannot write the JPEG: {0}")]
    Encode(image::ImageError),
}

/// Reads an audio file's length, media type and duration.
pub fn measure(path: &Path) -> Result<Audio, AudioError> {
    use std::io::Read;
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;

    let file = std::fs::File::open(path)?;
    let length = file.metadata()?.len();
    let mut head = [0u8; 12];
    let read = (&file).take(12).read(&mut head)?;
    let media_type =
        media_type(head.get(..read).unwrap_or_default()).ok_or(AudioError::NotAudio)?;
    let file = std::fs::File::open(path)?;
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(if media_type == "audio/mpeg" {
        "mp3"
    } else {
        "m4a"
    });
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            stream,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| AudioError::Container(e.to_string()))?;
    let mut format = probed.format;
    let track = format.default_track().ok_or(AudioError::NoTrack)?;
    let (id, params) = (track.id, track.codec_params.clone());
    let time_base = params
        .time_base
        .or_else(|| {
            params
                .sample_rate
                .map(|r| symphonia::core::units::TimeBase::new(1, r))
        })
        .ok_or(AudioError::NoTimeBase)?;
    let frames = match params.n_frames {
        Some(n) => n,
        // No frame count in the header: count the packets (no decoding).
        None => {
            let mut total = 0u64;
            while let Ok(packet) = format.next_packet() {
                if packet.track_id() == id {
                    total = total.saturating_add(packet.dur);
                }
            }
            total
        }
    };
    let time = time_base.calc_time(frames);
    let seconds = time.seconds + u64::from(time.frac >= 0.5);
    if seconds == 0 {
        return Err(AudioError::NoDuration);
    }
    Ok(Audio {
        length,
        media_type,
        seconds,
    })
}

/// `hh:mm:ss`.
pub fn duration_text(seconds: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// The file a site path (`/podcasts/x/y/audio.mp3`) or a name beside
/// `folder` (a bundle or section folder in `content/`) names.
fn site_file(
    collection: &Collection,
    reference: &str,
    folder: Option<&str>,
    assets: &[String],
    url_path: &str,
) -> Option<PathBuf> {
    let site = &collection.site_dir;
    let content = site.join("content");
    if let Some(path) = reference.strip_prefix('/') {
        if path.split('/').any(|s| s == ".." || s.is_empty()) {
            return None;
        }
        // A colocated asset is served at its page's path.
        if let Some(name) = reference.strip_prefix(url_path) {
            if let Some(asset) = assets.iter().find(|a| a.rsplit('/').next() == Some(name)) {
                return Some(content.join(asset));
            }
        }
        let theme = collection
            .config
            .theme
            .as_ref()
            .map(|t| site.join("themes").join(t).join("static").join(path));
        return [Some(site.join("static").join(path)), theme]
            .into_iter()
            .flatten()
            .find(|p| p.is_file());
    }
    if reference.contains('/') || reference.contains("..") || reference.contains(':') {
        return None;
    }
    let folder = folder?;
    Some(content.join(folder).join(reference)).filter(|p| p.is_file())
}

/// The artwork made square and scaled into Apple's range, as a JPEG.
pub fn square_artwork(bytes: &[u8]) -> Result<(Vec<u8>, u32), ArtworkError> {
    let picture = image::load_from_memory(bytes).map_err(ArtworkError::NotAnImage)?;
    let (w, h) = picture.dimensions();
    let side = w.min(h);
    if side == 0 {
        return Err(ArtworkError::Empty);
    }
    let square = picture.crop_imm((w - side) / 2, (h - side) / 2, side, side);
    let target = side.clamp(ARTWORK_MIN, ARTWORK_MAX);
    let square = if target == side {
        square
    } else {
        square.resize_exact(target, target, image::imageops::FilterType::Lanczos3)
    };
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(square.to_rgb8())
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .map_err(ArtworkError::Encode)?;
    Ok((out.into_inner(), target))
}

/// The Podcasting 2.0 `podcast:guid`: a UUIDv5 of the feed URL without
/// its scheme, in the namespace the specification gives.
pub fn podcast_guid(feed_url: &str) -> String {
    let namespace = uuid::Uuid::from_u128(0xead4c236_bf58_58c6_a2c6_a6b28d128cb6);
    let bare = feed_url
        .split_once("://")
        .map_or(feed_url, |(_, rest)| rest)
        .trim_end_matches('/');
    uuid::Uuid::new_v5(&namespace, bare.as_bytes()).to_string()
}

/// The absolute URL of a file in the output (no trailing slash).
fn file_url(collection: &Collection, path: &str) -> String {
    format!(
        "{}/{}",
        collection.config.base_url.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Every series' feed.
pub fn files(collection: &Collection) -> PodcastFiles {
    let mut out = PodcastFiles::default();
    for section in series(collection) {
        series_feed(collection, section, &mut out);
    }
    out
}

fn series_feed(collection: &Collection, section: &Section, out: &mut PodcastFiles) {
    let config = &collection.config;
    let extra: PodcastSeriesExtra = match parse_extra(&section.meta.extra) {
        Ok(e) => e,
        Err(FieldError { field, message }) => {
            out.problems.push(Problem::field(
                &section.file,
                field,
                format!("{message}; no podcast feed for this series"),
            ));
            return;
        }
    };
    let folder = section.path.trim_matches('/');
    let feed_url = file_url(collection, &format!("{folder}/feed.xml"));
    let title = section.meta.title.clone().unwrap_or_default();
    let description = section
        .meta
        .description
        .clone()
        .unwrap_or_else(|| title.clone());

    let mut artwork_url = None;
    match &extra.artwork {
        None => out.problems.push(Problem::field(
            &section.file,
            "extra.artwork",
            "missing: Apple Podcasts and Spotify need square artwork of 1400-3000 px; the feed has none",
        )),
        Some(reference) => {
            let section_folder = section.relative_path.rsplit_once('/').map(|(f, _)| f);
            let found = site_file(collection, reference, section_folder, &section.assets, &section.path);
            let made = found
                .ok_or_else(|| ArtworkError::Missing(reference.to_string()))
                .and_then(|p| {
                    if std::fs::metadata(&p)?.len() > MAX_ARTWORK_BYTES {
                        return Err(ArtworkError::TooLarge);
                    }
                    Ok(std::fs::read(&p)?)
                })
                .and_then(|bytes| square_artwork(&bytes));
            match made {
                Ok((jpeg, side)) => {
                    let path = format!("{folder}/artwork-{side}.jpg");
                    artwork_url = Some(file_url(collection, &path));
                    out.artwork.push((path, jpeg));
                }
                Err(e) => out.problems.push(Problem::field(
                    &section.file,
                    "extra.artwork",
                    format!("{e}; the feed has no artwork"),
                )),
            }
        }
    }

    let mut items = String::new();
    let mut without_audio = 0;
    let mut episodes = 0;
    for &page_id in &section.pages {
        let (Some(page), Some(item)) = (
            collection.library.pages.get(page_id),
            collection.items.get(page_id),
        ) else {
            continue;
        };
        let Item::Episode(episode) = item else {
            continue;
        };
        let entry = crate::model::Entry {
            id: page_id,
            page,
            item,
        };
        if !entry.is_published() {
            continue;
        }
        episodes += 1;
        let Some(reference) = &episode.audio else {
            without_audio += 1;
            continue;
        };
        let bundle = page
            .colocated_path
            .as_deref()
            .map(|p| p.trim_end_matches('/'));
        let Some(file) = site_file(collection, reference, bundle, &page.assets, &page.path) else {
            out.problems.push(Problem::field(
                &page.file,
                "extra.audio",
                format!(
                    "no audio file at {reference}; the episode is left out of the podcast feed"
                ),
            ));
            continue;
        };
        let audio = match measure(&file) {
            Ok(a) => a,
            Err(e) => {
                out.problems.push(Problem::field(
                    &page.file,
                    "extra.audio",
                    format!(
                        "{}: {e}; the episode is left out of the podcast feed",
                        file.display()
                    ),
                ));
                continue;
            }
        };
        let audio_url = if reference.starts_with('/') {
            file_url(collection, reference)
        } else {
            file_url(collection, &format!("{}{reference}", page.path))
        };
        let page_url = config.make_permalink(&page.path);
        let date = page.date.as_ref().map(|d| {
            d.moment
                .and_utc()
                .format("%a, %d %b %Y %H:%M:%S +0000")
                .to_string()
        });
        items.push_str("  <item>\n");
        items.push_str(&format!(
            "    <title>{}</title>\n",
            xml(page.meta.title.as_deref().unwrap_or_default())
        ));
        if let Some(d) = page.meta.description.as_deref() {
            items.push_str(&format!("    <description>{}</description>\n", xml(d)));
            items.push_str(&format!(
                "    <itunes:summary>{}</itunes:summary>\n",
                xml(d)
            ));
        }
        items.push_str(&format!("    <link>{}</link>\n", xml(&page_url)));
        // The page's address is the episode's lasting identity.
        items.push_str(&format!(
            "    <guid isPermaLink=\"true\">{}</guid>\n",
            xml(&page_url)
        ));
        if let Some(d) = date {
            items.push_str(&format!("    <pubDate>{d}</pubDate>\n"));
        }
        items.push_str(&format!(
            "    <enclosure url=\"{}\" length=\"{}\" type=\"{}\"/>\n",
            xml(&audio_url),
            audio.length,
            audio.media_type
        ));
        items.push_str(&format!(
            "    <itunes:duration>{}</itunes:duration>\n",
            duration_text(audio.seconds)
        ));
        if let Some(n) = episode.episode {
            items.push_str(&format!("    <itunes:episode>{n}</itunes:episode>\n"));
        }
        items.push_str("    <itunes:episodeType>full</itunes:episodeType>\n");
        items.push_str(&format!(
            "    <itunes:explicit>{}</itunes:explicit>\n",
            extra.explicit
        ));
        // The episode's text summary is its page.
        items.push_str(&format!(
            "    <podcast:transcript url=\"{}\" type=\"text/html\" language=\"nl\"/>\n",
            xml(&page_url)
        ));
        items.push_str("  </item>\n");
    }
    if without_audio > 0 {
        out.problems.push(Problem::new(
            &section.file,
            format!("{without_audio} of {episodes} episodes have no audio file yet (extra.audio); the podcast feed lists only episodes with one"),
        ));
    }

    let owner_email = extra.owner_email.clone().unwrap_or_default();
    let mut feed = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\" xmlns:podcast=\"https://podcastindex.org/namespace/1.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    feed.push_str(&format!("  <title>{}</title>\n", xml(&title)));
    feed.push_str(&format!(
        "  <link>{}</link>\n",
        xml(&config.make_permalink(&section.path))
    ));
    feed.push_str(&format!(
        "  <description>{}</description>\n",
        xml(&description)
    ));
    feed.push_str(&format!(
        "  <itunes:summary>{}</itunes:summary>\n",
        xml(&description)
    ));
    feed.push_str("  <language>nl</language>\n");
    feed.push_str(&format!(
        "  <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        xml(&feed_url)
    ));
    let author = extra
        .owner_name
        .clone()
        .or_else(|| config.title.clone())
        .unwrap_or_default();
    feed.push_str(&format!(
        "  <itunes:author>{}</itunes:author>\n",
        xml(&author)
    ));
    feed.push_str(&format!(
        "  <itunes:owner><itunes:name>{}</itunes:name><itunes:email>{}</itunes:email></itunes:owner>\n",
        xml(&author),
        xml(&owner_email)
    ));
    if let Some(url) = &artwork_url {
        feed.push_str(&format!("  <itunes:image href=\"{}\"/>\n", xml(url)));
        feed.push_str(&format!(
            "  <image><url>{}</url><title>{}</title><link>{}</link></image>\n",
            xml(url),
            xml(&title),
            xml(&config.make_permalink(&section.path))
        ));
    }
    match (&extra.category, &extra.subcategory) {
        (Some(c), Some(s)) => feed.push_str(&format!(
            "  <itunes:category text=\"{}\"><itunes:category text=\"{}\"/></itunes:category>\n",
            xml(c),
            xml(s)
        )),
        (Some(c), None) => feed.push_str(&format!("  <itunes:category text=\"{}\"/>\n", xml(c))),
        _ => out.problems.push(Problem::field(
            &section.file,
            "extra.category",
            "missing: Apple Podcasts needs an itunes:category",
        )),
    }
    feed.push_str(&format!(
        "  <itunes:explicit>{}</itunes:explicit>\n",
        extra.explicit
    ));
    feed.push_str("  <itunes:type>episodic</itunes:type>\n");
    feed.push_str(&format!(
        "  <podcast:guid>{}</podcast:guid>\n",
        podcast_guid(&feed_url)
    ));
    feed.push_str(&format!(
        "  <podcast:locked owner=\"{}\">{}</podcast:locked>\n",
        xml(&owner_email),
        if extra.locked { "yes" } else { "no" }
    ));
    feed.push_str(&items);
    feed.push_str("</channel>\n</rss>\n");
    out.feeds
        .push(Output::whole(format!("{folder}/feed.xml"), feed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_by_their_first_bytes() {
        assert_eq!(media_type(b"ID3\x04\0\0\0\0\0\0\0\0"), Some("audio/mpeg"));
        assert_eq!(media_type(&[0xFF, 0xFB, 0x90, 0]), Some("audio/mpeg"));
        assert_eq!(media_type(b"\0\0\0\x20ftypM4A "), Some("audio/mp4"));
        assert_eq!(media_type(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(media_type(b""), None);
    }

    #[test]
    fn durations_and_guids() {
        assert_eq!(duration_text(3_725), "01:02:05");
        // The example of the Podcasting 2.0 specification.
        assert_eq!(
            podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml"),
            "917393e3-1b1e-5cef-ace4-edaa54e1f810"
        );
    }

    #[test]
    fn artwork_is_cut_square_and_scaled_into_range() {
        let small = image::RgbImage::from_pixel(1000, 600, image::Rgb([200, 30, 30]));
        let mut png = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(small)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let (jpeg, side) = square_artwork(png.get_ref()).unwrap();
        assert_eq!(side, 1400);
        let back = image::load_from_memory(&jpeg).unwrap();
        assert_eq!(back.dimensions(), (1400, 1400));
        assert!(square_artwork(b"geen plaatje").is_err());
    }
}
