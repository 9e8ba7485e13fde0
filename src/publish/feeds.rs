//! Atom, RSS 2.0 and JSON Feed 1.1 for every listing ([`super::listing`]):
//! `feeds/publicaties/`, `feeds/<facet>/<slug>/`, each with `atom.xml`,
//! `rss.xml` and `feed.json`. Titles and summaries are text, escaped; links
//! are absolute. A feed holds the newest `feed_limit` items of its listing,
//! in the listing's order.

use chrono::{NaiveDateTime, TimeZone, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::listing::{Listing, Listings};
use super::view::Urls;
use super::{xml_text as xml, Output};
use crate::model::{Collection, Entry};
use crate::site::ExtraMemo;

/// The three formats of each listing's feed.
pub const FILES: [&str; 3] = ["atom.xml", "rss.xml", "feed.json"];

/// The folder of a listing's feeds, relative to the output folder.
pub fn folder(listing: &Listing) -> String {
    match listing.facet {
        None => "feeds/publicaties".into(),
        Some(_) => format!("feeds/{}", listing.key()),
    }
}

/// One item of a feed, shared by the three formats.
#[derive(Hash)]
struct FeedItem<'a> {
    url: String,
    title: &'a str,
    summary: Option<&'a str>,
    published: NaiveDateTime,
    updated: NaiveDateTime,
    authors: Vec<&'a str>,
    categories: Vec<&'a str>,
}

impl<'a> FeedItem<'a> {
    fn of(urls: &Urls, entry: &Entry<'a>) -> FeedItem<'a> {
        let page = entry.page;
        let epoch = NaiveDateTime::default();
        let published = page.date.as_ref().map_or(epoch, |d| d.moment);
        let authors = entry.authors();
        let categories = ["thema", "programmalijn", "type"]
            .iter()
            .flat_map(|t| page.meta.taxonomies.get(*t).into_iter().flatten())
            .map(String::as_str)
            .collect();
        FeedItem {
            url: urls.page(&page.path),
            title: page.meta.title.as_deref().unwrap_or_default(),
            summary: page.meta.description.as_deref().filter(|s| !s.is_empty()),
            published,
            updated: page.updated.as_ref().map_or(published, |u| u.moment),
            authors,
            categories,
        }
    }
}

fn rfc3339(moment: NaiveDateTime) -> String {
    Utc.from_utc_datetime(&moment)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn rfc2822(moment: NaiveDateTime) -> String {
    Utc.from_utc_datetime(&moment)
        .format("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

/// Every feed of every listing, but for those `memo` knows as made from the
/// same items.
pub fn files(collection: &Collection, listings: &Listings, memo: &ExtraMemo) -> Vec<Output> {
    let urls = Urls { collection };
    let limit = collection.config.feed_limit.unwrap_or(50).max(1);
    let listings: Vec<&Listing> = listings
        .iter()
        .filter(|l| l.facet.as_ref().is_none_or(|(f, _)| f.has_feed()))
        .collect();
    listings
        .par_iter()
        .flat_map_iter(|listing| {
            let items: Vec<FeedItem> = listing
                .pages
                .iter()
                .take(limit)
                .filter_map(|&id| {
                    Some(Entry {
                        id,
                        page: collection.library.pages.get(id)?,
                        item: collection.items.get(id)?,
                    })
                })
                .map(|entry| FeedItem::of(&urls, &entry))
                .collect();
            let feed = Feed {
                title: format!(
                    "{} | {}",
                    listing.title,
                    collection.config.title.as_deref().unwrap_or_default()
                ),
                home: urls.page(&listing.page_path),
                folder: folder(listing),
                base: collection.config.base_url.trim_end_matches('/').to_string(),
                items,
            };
            let key = crate::site::combine(("feed", &feed));
            let file = |name: &str| format!("{}/{name}", feed.folder);
            [
                Output::make(memo, file("atom.xml"), key, || feed.atom()),
                Output::make(memo, file("rss.xml"), key, || feed.rss()),
                Output::make(memo, file("feed.json"), key, || feed.json()),
            ]
        })
        .collect()
}

/// A feed: what its three files are made from.
#[derive(Hash)]
struct Feed<'a> {
    title: String,
    /// The listing's HTML page.
    home: String,
    folder: String,
    base: String,
    items: Vec<FeedItem<'a>>,
}

impl Feed<'_> {
    fn url(&self, file: &str) -> String {
        format!("{}/{}/{file}", self.base, self.folder)
    }

    /// The newest change in the feed; the epoch for an empty one, so that a
    /// rebuild of the same content writes the same bytes.
    fn updated(&self) -> NaiveDateTime {
        self.items
            .iter()
            .map(|i| i.updated.max(i.published))
            .max()
            .unwrap_or_default()
    }

    fn atom(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"nl\">\n");
        out.push_str(&format!("  <title>{}</title>\n", xml(&self.title)));
        out.push_str(&format!(
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
            xml(&self.url("atom.xml"))
        ));
        out.push_str(&format!(
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml(&self.home)
        ));
        out.push_str(&format!("  <id>{}</id>\n", xml(&self.url("atom.xml"))));
        out.push_str(&format!(
            "  <updated>{}</updated>\n",
            rfc3339(self.updated())
        ));
        out.push_str("  <generator>vindplaats</generator>\n");
        for item in &self.items {
            out.push_str("  <entry xml:lang=\"nl\">\n");
            out.push_str(&format!("    <title>{}</title>\n", xml(item.title)));
            out.push_str(&format!(
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                xml(&item.url)
            ));
            out.push_str(&format!("    <id>{}</id>\n", xml(&item.url)));
            out.push_str(&format!(
                "    <published>{}</published>\n",
                rfc3339(item.published)
            ));
            out.push_str(&format!(
                "    <updated>{}</updated>\n",
                rfc3339(item.updated.max(item.published))
            ));
            for author in &item.authors {
                out.push_str(&format!(
                    "    <author><name>{}</name></author>\n",
                    xml(author)
                ));
            }
            for category in &item.categories {
                out.push_str(&format!("    <category term=\"{}\"/>\n", xml(category)));
            }
            if let Some(summary) = item.summary {
                out.push_str(&format!(
                    "    <summary type=\"text\">{}</summary>\n",
                    xml(summary)
                ));
            }
            out.push_str("  </entry>\n");
        }
        out.push_str("</feed>\n");
        out
    }

    fn rss(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
        out.push_str(&format!("  <title>{}</title>\n", xml(&self.title)));
        out.push_str(&format!("  <link>{}</link>\n", xml(&self.home)));
        out.push_str(&format!(
            "  <description>{}</description>\n",
            xml(&self.title)
        ));
        out.push_str("  <language>nl</language>\n");
        out.push_str(&format!(
            "  <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
            xml(&self.url("rss.xml"))
        ));
        out.push_str(&format!(
            "  <lastBuildDate>{}</lastBuildDate>\n",
            rfc2822(self.updated())
        ));
        out.push_str("  <generator>vindplaats</generator>\n");
        for item in &self.items {
            out.push_str("  <item>\n");
            out.push_str(&format!("    <title>{}</title>\n", xml(item.title)));
            out.push_str(&format!("    <link>{}</link>\n", xml(&item.url)));
            out.push_str(&format!(
                "    <guid isPermaLink=\"true\">{}</guid>\n",
                xml(&item.url)
            ));
            out.push_str(&format!(
                "    <pubDate>{}</pubDate>\n",
                rfc2822(item.published)
            ));
            for category in &item.categories {
                out.push_str(&format!("    <category>{}</category>\n", xml(category)));
            }
            if let Some(summary) = item.summary {
                out.push_str(&format!(
                    "    <description>{}</description>\n",
                    xml(summary)
                ));
            }
            out.push_str("  </item>\n");
        }
        out.push_str("</channel>\n</rss>\n");
        out
    }

    fn json(&self) -> String {
        #[derive(Serialize)]
        struct Author<'a> {
            name: &'a str,
        }
        #[derive(Serialize)]
        struct Item<'a> {
            id: &'a str,
            url: &'a str,
            title: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            summary: Option<&'a str>,
            /// Text only: JSON Feed needs `content_text` or `content_html`.
            content_text: &'a str,
            date_published: String,
            date_modified: String,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            authors: Vec<Author<'a>>,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            tags: &'a [&'a str],
            language: &'static str,
        }
        #[derive(Serialize)]
        struct JsonFeed<'a> {
            version: &'static str,
            title: &'a str,
            home_page_url: &'a str,
            feed_url: String,
            language: &'static str,
            items: Vec<Item<'a>>,
        }
        let feed = JsonFeed {
            version: "https://jsonfeed.org/version/1.1",
            title: &self.title,
            home_page_url: &self.home,
            feed_url: self.url("feed.json"),
            language: "nl",
            items: self
                .items
                .iter()
                .map(|i| Item {
                    id: &i.url,
                    url: &i.url,
                    title: i.title,
                    summary: i.summary,
                    content_text: i.summary.unwrap_or(i.title),
                    date_published: rfc3339(i.published),
                    date_modified: rfc3339(i.updated.max(i.published)),
                    authors: i.authors.iter().map(|name| Author { name }).collect(),
                    tags: &i.categories,
                    language: "nl",
                })
                .collect(),
        };
        super::api::pretty(&feed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_formats() {
        let moment = chrono::NaiveDate::from_ymd_opt(2024, 9, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap();
        assert_eq!(rfc3339(moment), "2024-09-01T00:00:00Z");
        assert_eq!(rfc2822(moment), "Sun, 01 Sep 2024 00:00:00 +0000");
    }
}
