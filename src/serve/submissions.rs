//! `POST /api/v1/submissions`: a partner's feed, answered at once with a
//! preview ([`crate::submission`]). This module is the HTTP edge: a rate
//! limit per client address, a bounded body, form-encoded or JSON in, and
//! a Dutch HTML page (for the form, without JavaScript) or JSON out.
//! Nothing a visitor sent, and nothing a partner's feed holds, reaches the
//! answer unescaped: HTML is escaped, and JSON carries `<`, `>` and `&` as
//! `\u` escapes.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

use crate::submission::{
    self, Duplicate, FieldError, FormError, Outcome, Preview, Problem, Submitter,
};

pub const PATH: &str = "/api/v1/submissions";
/// The largest submission body; a form of four fields is far smaller.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// A larger body is read and thrown away up to this, so the client sees
/// the 413 instead of a reset connection.
const DRAIN_BYTES: usize = 1024 * 1024;
/// Submissions per client address (an IPv6 /64) per window.
pub const RATE_LIMIT: usize = 5;
pub const RATE_WINDOW: Duration = Duration::from_secs(10 * 60);
/// Client addresses remembered at once; past it, stale ones are forgotten
/// first, and new clients wait when none are stale.
const MAX_CLIENTS: usize = 100_000;

/// Submissions per client address in a sliding window.
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    seen: HashMap<IpAddr, VecDeque<Instant>>,
}

impl RateLimiter {
    pub fn new(limit: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            limit,
            window,
            seen: HashMap::new(),
        }
    }

    /// Counts one submission from `client`, or says how long it must wait.
    pub fn check(&mut self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = client_key(client);
        let window = self.window;
        if self.seen.len() >= MAX_CLIENTS && !self.seen.contains_key(&key) {
            self.seen.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|last| now.duration_since(*last) < window)
            });
            if self.seen.len() >= MAX_CLIENTS {
                return Err(Duration::from_secs(60));
            }
        }
        let times = self.seen.entry(key).or_default();
        while times
            .front()
            .is_some_and(|first| now.duration_since(*first) >= window)
        {
            times.pop_front();
        }
        if times.len() >= self.limit {
            let wait = times
                .front()
                .map(|first| window.saturating_sub(now.duration_since(*first)))
                .unwrap_or(window);
            return Err(wait.max(Duration::from_secs(1)));
        }
        times.push_back(now);
        Ok(())
    }
}

/// IPv4 as it is; IPv6 by its /64, which one client usually has whole.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    }
}

/// The endpoint's state: the submitter and the rate limit.
pub struct Submissions {
    submitter: Submitter,
    limiter: Mutex<RateLimiter>,
}

impl Submissions {
    pub fn new(submitter: Submitter) -> Submissions {
        Submissions {
            submitter,
            limiter: Mutex::new(RateLimiter::new(RATE_LIMIT, RATE_WINDOW)),
        }
    }
}

pub fn router(state: Arc<Submissions>) -> Router {
    Router::new()
        .route(PATH, post(submit))
        .route(&format!("{PATH}/"), post(submit))
        .with_state(state)
}

/// An answer in the form it was asked: a page for a browser's form post,
/// JSON otherwise.
struct Answer {
    status: StatusCode,
    /// `ontvangen`, `dubbel`, `afgewezen`, `ongeldig`, `te_groot`, ...
    code: &'static str,
    title: &'static str,
    message: String,
    errors: Vec<FieldError>,
    problems: Vec<Problem>,
    preview: Option<Preview>,
    retry_after: Option<u64>,
}

impl Answer {
    fn new(status: StatusCode, code: &'static str, title: &'static str, message: String) -> Self {
        Answer {
            status,
            code,
            title,
            message,
            errors: Vec::new(),
            problems: Vec::new(),
            preview: None,
            retry_after: None,
        }
    }
}

async fn submit(State(state): State<Arc<Submissions>>, request: Request) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let (parts, body) = request.into_parts();
    let html = wants_html(&parts.headers);
    let answer = answer(&state, peer, &parts.headers, body).await;
    if html {
        html_response(answer)
    } else {
        json_response(answer)
    }
}

async fn answer(state: &Submissions, peer: IpAddr, headers: &HeaderMap, body: Body) -> Answer {
    let limited = state
        .limiter
        .lock()
        .map(|mut l| l.check(peer, Instant::now()))
        .unwrap_or(Ok(()));
    if let Err(wait) = limited {
        let minutes = wait.as_secs().div_ceil(60);
        let mut answer = Answer::new(
            StatusCode::TOO_MANY_REQUESTS,
            "te_veel",
            "Even geduld",
            format!(
                "U heeft de afgelopen tien minuten al {RATE_LIMIT} aanmeldingen gedaan. Probeer het over {minutes} {} opnieuw.",
                if minutes == 1 { "minuut" } else { "minuten" }
            ),
        );
        answer.retry_after = Some(wait.as_secs().max(1));
        return answer;
    }
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let is_form = media == "application/x-www-form-urlencoded";
    if !is_form && media != "application/json" {
        return Answer::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "onbekend_formaat",
            "Aanmelding niet gelezen",
            "Stuur de aanmelding als formulier (application/x-www-form-urlencoded) of als JSON (application/json).".into(),
        );
    }
    let bytes = match read_body(headers, body).await {
        Ok(bytes) => bytes,
        Err(answer) => return *answer,
    };
    let form = if is_form {
        submission::parse_form_urlencoded(&bytes)
    } else {
        submission::parse_json(&bytes)
    };
    let form = match form {
        Ok(form) => form,
        Err(e) => return form_error(e),
    };
    let organisation = form.organisation.clone();
    match state.submitter.submit(form).await {
        Ok(Outcome::Accepted { preview, .. }) => accepted(&organisation, Some(preview)),
        Ok(Outcome::Ignored) => accepted(&organisation, None),
        Ok(Outcome::Duplicate(duplicate)) => Answer::new(
            StatusCode::CONFLICT,
            "dubbel",
            "Deze bron is al aangemeld",
            match duplicate {
                Duplicate::Pending(_) => {
                    "Deze bron is al aangemeld en wacht op de redactie. U hoeft niets meer te doen."
                        .into()
                }
                Duplicate::Registered(_) => {
                    "Deze bron halen we al op: ze hoort bij een partner van KIS.".into()
                }
            },
        ),
        Ok(Outcome::Refused(problem)) => {
            let mut answer = Answer::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "afgewezen",
                "Deze bron kunnen we niet ophalen",
                "We hebben uw bron bekeken, maar kunnen haar zo niet ophalen. Niets is opgeslagen; pas de bron of het adres aan en probeer het opnieuw.".into(),
            );
            answer.problems.push(problem);
            answer
        }
        Err(submission::PendingError::Full { .. }) => {
            let mut answer = Answer::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "vol",
                "Even geduld",
                "Er wachten op dit moment te veel aanmeldingen op de redactie. Probeer het over een paar dagen opnieuw.".into(),
            );
            answer.retry_after = Some(24 * 60 * 60);
            answer
        }
        Err(e) => {
            tracing::error!("submission not stored: {e}");
            Answer::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "fout",
                "Aanmelding niet opgeslagen",
                "Er ging bij ons iets mis bij het opslaan van uw aanmelding. Probeer het later opnieuw.".into(),
            )
        }
    }
}

/// The same answer with or without a preview, so the honeypot gives a
/// robot nothing to tell it apart.
fn accepted(organisation: &str, preview: Option<Preview>) -> Answer {
    let mut answer = Answer::new(
        StatusCode::CREATED,
        "ontvangen",
        "Aanmelding ontvangen",
        format!(
            "Dank u wel. De aanmelding van {organisation} is ontvangen; de redactie van KIS bekijkt haar en neemt contact met u op."
        ),
    );
    if let Some(preview) = preview {
        answer.problems = preview.warnings.clone();
        answer.preview = Some(preview);
    }
    answer
}

fn form_error(error: FormError) -> Answer {
    let mut answer = Answer::new(
        StatusCode::BAD_REQUEST,
        "ongeldig",
        "Controleer de aanmelding",
        String::new(),
    );
    match error {
        FormError::Fields(errors) => {
            answer.message = "Niet alle velden zijn goed ingevuld.".into();
            answer.errors = errors;
        }
        FormError::Encoding(message) | FormError::Syntax(message) => answer.message = message,
    }
    answer
}

/// The body, at most [`MAX_BODY_BYTES`]; larger is a 413.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Box<Answer>> {
    use futures_util::StreamExt;
    let too_large = || {
        Box::new(Answer::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "te_groot",
            "Aanmelding te groot",
            format!(
                "De aanmelding is groter dan {} KiB. Een aanmelding heeft alleen de vier velden van het formulier nodig.",
                MAX_BODY_BYTES / 1024
            ),
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_BYTES as u64) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            Box::new(Answer::new(
                StatusCode::BAD_REQUEST,
                "onleesbaar",
                "Aanmelding niet gelezen",
                "De aanmelding kon niet worden gelezen.".into(),
            ))
        })?;
        total = total.saturating_add(chunk.len());
        if total <= MAX_BODY_BYTES {
            kept.extend_from_slice(&chunk);
        } else if total > DRAIN_BYTES {
            break;
        }
    }
    if total > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(kept)
}

/// A browser's form post: form-encoded and accepting HTML.
fn wants_html(headers: &HeaderMap) -> bool {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    header(header::CONTENT_TYPE).starts_with("application/x-www-form-urlencoded")
        && header(header::ACCEPT).contains("text/html")
}

fn json_response(answer: Answer) -> Response {
    let text = json_text(&answer);
    finish(
        answer.status,
        answer.retry_after,
        "application/json; charset=utf-8",
        text,
    )
}

/// JSON with `<`, `>` and `&` escaped, so no reader can take it for markup.
fn json_text(answer: &Answer) -> String {
    let preview = answer.preview.as_ref();
    let value = serde_json::json!({
        "status": answer.code,
        "title": answer.title,
        "message": answer.message,
        "errors": answer.errors.iter().map(|e| serde_json::json!({"field": e.field, "message": e.message})).collect::<Vec<_>>(),
        "problems": answer.problems,
        "preview": preview,
    });
    serde_json::to_string(&value)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn finish(
    status: StatusCode,
    retry_after: Option<u64>,
    kind: &'static str,
    body: String,
) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, kind)], body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(seconds) = retry_after {
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            headers.insert(header::RETRY_AFTER, value);
        }
    }
    response
}

/// Text for HTML: every character that could end a text or an attribute
/// is an entity.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A plain Dutch page in the site's style.
fn html_response(answer: Answer) -> Response {
    let e = escape_html;
    let mut body = String::new();
    body.push_str(&format!("<p>{}</p>\n", e(&answer.message)));
    if !answer.errors.is_empty() {
        body.push_str("<ul class=\"meldingen\">\n");
        for error in &answer.errors {
            body.push_str(&format!("<li>{}</li>\n", e(&error.message)));
        }
        body.push_str("</ul>\n");
    }
    if let Some(preview) = &answer.preview {
        body.push_str("<h2>Wat we in uw bron vonden</h2>\n<dl>\n");
        body.push_str(&format!(
            "<dt>Soort</dt><dd>{}</dd>\n<dt>Adres dat we ophalen</dt><dd>{}</dd>\n<dt>Publicaties</dt><dd>{}</dd>\n</dl>\n",
            e(&preview.format),
            e(&preview.feed_url),
            preview.items
        ));
        if !preview.newest.is_empty() {
            body.push_str("<h3>De nieuwste publicaties</h3>\n<ol>\n");
            for item in &preview.newest {
                let date = item
                    .date
                    .as_deref()
                    .map(|d| format!(" ({})", e(d)))
                    .unwrap_or_else(|| " (geen datum)".into());
                body.push_str(&format!("<li>{}{date}</li>\n", e(&item.title)));
            }
            body.push_str("</ol>\n");
        }
    }
    if !answer.problems.is_empty() {
        body.push_str("<h2>Wat opviel</h2>\n<ul class=\"meldingen\">\n");
        for problem in &answer.problems {
            body.push_str(&format!("<li>{}</li>\n", e(&problem.message())));
        }
        body.push_str("</ul>\n");
    }
    body.push_str("<p><a href=\"/over-ons/partner-worden/\">Terug naar Partner worden</a></p>\n");
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title} | Partner worden</title>\n\
         <link rel=\"stylesheet\" href=\"/css/site.css\">\n</head>\n<body>\n\
         <main id=\"inhoud\">\n<article class=\"artikel\">\n<header class=\"intro\"><h1>{title}</h1></header>\n\
         <div class=\"tekst\">\n{body}</div>\n</article>\n</main>\n</body>\n</html>\n",
        title = e(answer.title),
    );
    finish(
        answer.status,
        answer.retry_after,
        "text/html; charset=utf-8",
        page,
    )
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    #[test]
    fn five_per_window_per_client_then_the_wait() {
        let mut limiter = RateLimiter::new(5, Duration::from_secs(600));
        let start = Instant::now();
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        for _ in 0..5 {
            assert!(limiter.check(a, start).is_ok());
        }
        let wait = limiter
            .check(a, start + Duration::from_secs(60))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(540));
        assert!(limiter.check("203.0.113.8".parse().unwrap(), start).is_ok());
        assert!(limiter.check(a, start + Duration::from_secs(600)).is_ok());
        // One IPv6 /64 is one client.
        let mut limiter = RateLimiter::new(1, Duration::from_secs(600));
        assert!(limiter
            .check("2001:db8:1:2::1".parse().unwrap(), start)
            .is_ok());
        assert!(limiter
            .check("2001:db8:1:2::ffff".parse().unwrap(), start)
            .is_err());
        assert!(limiter
            .check("2001:db8:1:3::1".parse().unwrap(), start)
            .is_ok());
    }

    #[test]
    fn html_and_json_answers_carry_no_markup_from_outside() {
        let mut answer = Answer::new(
            StatusCode::CREATED,
            "ontvangen",
            "Aanmelding ontvangen",
            "<script>alert(1)</script> & \"x\"".into(),
        );
        answer.problems.push(Problem::NotAFeed {
            url: "https://x.example/<script>".into(),
        });
        assert_eq!(
            escape_html("<script>'\"&"),
            "&lt;script&gt;&#39;&quot;&amp;"
        );
        let json = json_text(&answer);
        assert!(
            !json.contains('<') && !json.contains('>') && !json.contains('&'),
            "{json}"
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["message"], "<script>alert(1)</script> & \"x\"");
        assert!(value["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("<script>"));
    }
}
