//! The order of pages in a section or a term, as Zola sorts them: by
//! date, update date, title (naturally: "2" before "10"), weight, slug or
//! permalink, with the pages that lack the key after the others.

use super::frontmatter::SortBy;
use super::library::Page;

/// Zola's order for a section: the sortable pages in order and those that
/// lack the key. Ties are broken by path, so the order is stable.
pub(super) fn sort_pages(
    pages: &[Page],
    ids: &[usize],
    sort_by: SortBy,
) -> (Vec<usize>, Vec<usize>) {
    let (mut sortable, ignored): (Vec<usize>, Vec<usize>) = ids.iter().partition(|&&i| {
        let m = &pages[i];
        match sort_by {
            SortBy::Date => m.date.is_some(),
            SortBy::UpdateDate => m.date.is_some() || m.updated.is_some(),
            SortBy::Title | SortBy::TitleBytes => m.meta.title.is_some(),
            SortBy::Weight => m.meta.weight.is_some(),
            SortBy::Slug | SortBy::Permalink | SortBy::None => true,
        }
    });
    let moment = |p: &Page| p.date.as_ref().map(|d| d.moment);
    let latest = |p: &Page| moment(p).max(p.updated.as_ref().map(|d| d.moment));
    sortable.sort_by(|&a, &b| {
        let (pa, pb) = (&pages[a], &pages[b]);
        let title = |p: &Page| p.meta.title.clone().unwrap_or_default();
        let order = match sort_by {
            SortBy::Date => moment(pb).cmp(&moment(pa)),
            SortBy::UpdateDate => latest(pb).cmp(&latest(pa)),
            SortBy::Title => natural_cmp(&title(pa), &title(pb)),
            SortBy::TitleBytes => title(pa).cmp(&title(pb)),
            SortBy::Weight => pa.meta.weight.cmp(&pb.meta.weight),
            SortBy::Slug => natural_cmp(&pa.slug, &pb.slug),
            SortBy::Permalink | SortBy::None => std::cmp::Ordering::Equal,
        };
        order.then_with(|| pa.path.cmp(&pb.path))
    });
    (sortable, ignored)
}

/// Case-insensitive comparison where runs of digits compare as numbers
/// ("Aflevering 2" before "Aflevering 10"), as Zola's `title` sort does.
pub(super) fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let mut n = String::new();
                while let Some(c) = x.peek().copied().filter(char::is_ascii_digit) {
                    n.push(c);
                    x.next();
                }
                let mut m = String::new();
                while let Some(d) = y.peek().copied().filter(char::is_ascii_digit) {
                    m.push(d);
                    y.next();
                }
                let (n, m) = (n.trim_start_matches('0'), m.trim_start_matches('0'));
                let order = n.len().cmp(&m.len()).then_with(|| n.cmp(m));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(c), Some(d)) => {
                let order = c.to_lowercase().cmp(d.to_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                x.next();
                y.next();
            }
        }
    }
}
