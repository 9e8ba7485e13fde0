//! The podcast feed from the real binary: a series with artwork and one
//! episode with a generated MP3 gets an RSS feed with the tags Apple
//! Podcasts and Spotify ask for, the enclosure's exact length and type and
//! the duration read from the file; an episode whose audio file is missing
//! is left out, and the build says so.

mod common;

use std::fs;

use common::{run_binary, shipped_site_copy};

/// An MP3 of `frames` silent MPEG-1 Layer III frames (128 kbit/s, 44.1
/// kHz, 1152 samples each): a real file any MP3 reader takes.
fn silent_mp3(frames: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..frames {
        out.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x00]);
        out.extend(std::iter::repeat_n(0u8, 417 - 4));
    }
    out
}

fn artwork_png() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(1200, 900, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    png.into_inner()
}

#[test]
fn a_series_with_audio_gets_a_feed_podcast_apps_accept() {
    let site = shipped_site_copy();
    let series = site.path().join("content/podcasts/denkers-en-doeners");
    fs::write(series.join("artwork.png"), artwork_png()).unwrap();
    let index = fs::read_to_string(series.join("_index.md")).unwrap();
    fs::write(
        series.join("_index.md"),
        index.replace("[extra]\n", "[extra]\nartwork = \"artwork.png\"\n"),
    )
    .unwrap();
    let audio = silent_mp3(115);
    fs::create_dir_all(site.path().join("static/audio")).unwrap();
    fs::write(site.path().join("static/audio/aflevering-4.mp3"), &audio).unwrap();
    let with_audio = series.join("jaco-dagevos-over-de-nieuwe-wet-inburgering.md");
    let text = fs::read_to_string(&with_audio).unwrap();
    fs::write(
        &with_audio,
        text.replace(
            "guests = [\"Jaco Dagevos\"]",
            "guests = [\"Jaco Dagevos\"]\naudio = \"/audio/aflevering-4.mp3\"\naudio_type = \"audio/mpeg\"",
        ),
    )
    .unwrap();
    let missing = series.join("rotterdamse-wethouder-bert-wijbenga.md");
    let text = fs::read_to_string(&missing).unwrap();
    assert!(text.contains("[extra]\n"));
    fs::write(
        &missing,
        text.replace("[extra]\n", "[extra]\naudio = \"/audio/weg.mp3\"\n"),
    )
    .unwrap();

    let out = run_binary(site.path(), &["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rotterdamse-wethouder-bert-wijbenga.md: extra.audio: no audio file at /audio/weg.mp3; the episode is left out of the podcast feed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("4 of 6 episodes have no audio file yet"),
        "{stderr}"
    );

    let public = site.path().join("public");
    let xml = fs::read_to_string(public.join("podcasts/denkers-en-doeners/feed.xml")).unwrap();
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    assert_eq!(feed.entries.len(), 1, "only the episode with audio");
    let entry = &feed.entries[0];
    assert_eq!(
        entry.links[0].href,
        "https://www.kis.nl/podcasts/denkers-en-doeners/jaco-dagevos-over-de-nieuwe-wet-inburgering/"
    );
    let media = &entry.media[0].content[0];
    assert_eq!(
        media.url.as_ref().unwrap().as_str(),
        "https://www.kis.nl/audio/aflevering-4.mp3"
    );
    assert_eq!(
        media.size,
        Some(audio.len() as u64),
        "the file's exact length"
    );
    assert_eq!(
        media.content_type.as_ref().unwrap().to_string(),
        "audio/mpeg"
    );
    // The audio itself is published where the enclosure points.
    assert_eq!(
        fs::read(public.join("audio/aflevering-4.mp3")).unwrap(),
        audio
    );

    for tag in [
        "<language>nl</language>",
        "<itunes:category text=\"Society &amp; Culture\"/>",
        "<itunes:explicit>false</itunes:explicit>",
        "<itunes:owner><itunes:name>Kennisplatform Inclusief Samenleven</itunes:name><itunes:email>info@kis.nl</itunes:email></itunes:owner>",
        "<itunes:duration>00:00:03</itunes:duration>",
        "<podcast:locked owner=\"info@kis.nl\">yes</podcast:locked>",
        "<podcast:transcript url=\"https://www.kis.nl/podcasts/denkers-en-doeners/jaco-dagevos-over-de-nieuwe-wet-inburgering/\" type=\"text/html\" language=\"nl\"/>",
        "<guid isPermaLink=\"true\">https://www.kis.nl/podcasts/denkers-en-doeners/jaco-dagevos-over-de-nieuwe-wet-inburgering/</guid>",
        "<pubDate>Wed, 01 Jan 2020 00:00:00 +0000</pubDate>",
        "<itunes:image href=\"https://www.kis.nl/podcasts/denkers-en-doeners/artwork-1400.jpg\"/>",
    ] {
        assert!(xml.contains(tag), "{tag} missing from\n{xml}");
    }
    let guid = xml
        .split("<podcast:guid>")
        .nth(1)
        .and_then(|r| r.split("</podcast:guid>").next())
        .unwrap();
    assert_eq!(
        guid,
        vindplaats::publish::podcast::podcast_guid(
            "https://www.kis.nl/podcasts/denkers-en-doeners/feed.xml"
        )
    );
    let artwork = image::open(public.join("podcasts/denkers-en-doeners/artwork-1400.jpg")).unwrap();
    assert_eq!((artwork.width(), artwork.height()), (1400, 1400));

    // A rebuild writes the same feed.
    run_binary(site.path(), &["build"]);
    assert_eq!(
        fs::read_to_string(public.join("podcasts/denkers-en-doeners/feed.xml")).unwrap(),
        xml
    );
}

#[test]
fn the_shipped_series_without_audio_has_a_feed_without_items() {
    let site = shipped_site_copy();
    let out = run_binary(site.path(), &["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("6 of 6 episodes have no audio file yet"),
        "{stderr}"
    );
    assert!(stderr.contains("extra.artwork: missing"), "{stderr}");
    let xml = fs::read_to_string(
        site.path()
            .join("public/podcasts/denkers-en-doeners/feed.xml"),
    )
    .unwrap();
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    assert!(feed.entries.is_empty());
    assert!(!xml.contains("<enclosure"));
}
