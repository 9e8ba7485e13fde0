//! Zola's paginator: which pages each pager holds, its address, and the
//! `paginator` value templates see.

use serde_json::{json, Value};

use crate::site::data::SiteData;
use crate::site::memo::{self, Fp};

/// Zola's pagination of a list of pages under `base` (`/publicaties/`).
pub(super) struct Pagination<'a> {
    pages: &'a [usize],
    per_page: usize,
    base: &'a str,
    paginate_path: &'a str,
}

impl<'a> Pagination<'a> {
    pub(super) fn new(
        pages: &'a [usize],
        per_page: usize,
        base: &'a str,
        paginate_path: &'a str,
    ) -> Self {
        Pagination {
            pages,
            per_page,
            base,
            paginate_path,
        }
    }

    /// Always at least one pager, even for an empty list.
    pub(super) fn count(&self) -> usize {
        self.pages.len().div_ceil(self.per_page).max(1)
    }

    pub(super) fn path(&self, n: usize) -> String {
        match n {
            0 => self.base.to_string(),
            _ if self.paginate_path.is_empty() => format!("{}{}/", self.base, n + 1),
            _ => format!("{}{}/{}/", self.base, self.paginate_path, n + 1),
        }
    }

    /// A fingerprint of everything [`Pagination::value`] is made of.
    pub(super) fn fingerprint(&self, n: usize, data: &SiteData) -> Fp {
        let chunk = self.pages.chunks(self.per_page).nth(n).unwrap_or(&[]);
        let pages: Vec<Fp> = chunk.iter().map(|&p| data.listed_fp(p)).collect();
        memo::combine((
            self.per_page,
            self.base,
            self.paginate_path,
            self.pages.len(),
            n,
            pages,
        ))
    }

    pub(super) fn value(&self, n: usize, data: &SiteData) -> Value {
        let chunk = self.pages.chunks(self.per_page).nth(n).unwrap_or(&[]);
        let pages: Vec<Value> = chunk.iter().map(|&p| data.listed_value(p)).collect();
        let count = self.count();
        let link = |i: usize| data.permalink(&self.path(i));
        let base_url = if self.paginate_path.is_empty() {
            data.permalink(self.base)
        } else {
            data.permalink(&format!("{}{}/", self.base, self.paginate_path))
        };
        json!({
            "paginate_by": self.per_page,
            "first": link(0),
            "last": link(count - 1),
            "previous": if n > 0 { Value::String(link(n - 1)) } else { Value::Null },
            "next": if n + 1 < count { Value::String(link(n + 1)) } else { Value::Null },
            "number_pagers": count,
            "base_url": base_url,
            "pages": pages,
            "current_index": n + 1,
            "total_pages": self.pages.len(),
        })
    }
}
