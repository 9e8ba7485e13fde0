//! Partners' submissions (`harvesters/pending/`): the list, and approving
//! (a registry file and a partner page, one commit by the editor) or
//! rejecting one.

use super::*;
use crate::submission::{self, PendingError};

fn render_list(
    beheer: &Beheer,
    signed: &Signed,
    status: StatusCode,
    melding: Option<&str>,
    fout: Option<String>,
) -> Response {
    let mut context = beheer.context(Some(signed), "aanmeldingen");
    let (pending, error) = match submission::pending(&beheer.site_dir) {
        Ok(p) => (p, None),
        Err(e) => (
            Vec::new(),
            Some(format!("De aanmeldingen konden niet worden gelezen: {e}")),
        ),
    };
    let list: Vec<serde_json::Value> = pending
        .iter()
        .map(|p| {
            serde_json::json!({
                "slug": p.slug,
                "organisation": p.organisation,
                "email": p.email,
                "homepage": p.homepage,
                "submitted_at": p.submitted_at,
                "format": p.source.format,
                "url": p.source.url,
                "given_url": p.source.given_url,
                "items": p.preview.items,
                "dated": p.preview.dated,
                "problems": p.preview.problems,
            })
        })
        .collect();
    context.insert("pending", &list);
    if let Some(m) = melding {
        context.insert("melding", m);
    }
    if let Some(f) = fout.or(error) {
        context.insert("fout", &f);
    }
    beheer.render("aanmeldingen.html", &context, status)
}

pub(super) async fn submissions_page(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let signed = signed_in_or!(beheer, headers, Method::GET);
    let query =
        Form::parse(request.uri().query().unwrap_or_default().as_bytes()).unwrap_or_default();
    let melding = notice(query.get("melding"));
    let b = beheer.clone();
    blocking(move || render_list(&b, &signed, StatusCode::OK, melding, None))
        .await
        .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn dutch_pending(error: &PendingError) -> String {
    match error {
        PendingError::NotFound { .. } => {
            "deze aanmelding bestaat niet (meer); misschien heeft een andere redacteur haar al afgehandeld".into()
        }
        PendingError::Exists { path } => format!(
            "er is al een partner met deze naam ({}); pas de bestaande partner aan",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        ),
        PendingError::BadSlug { .. } => "dit is geen naam van een aanmelding".into(),
        other => other.to_string(),
    }
}

pub(super) async fn submissions_post(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let (signed, form) = checked_form!(beheer, headers, request.into_body());
    let b = beheer.clone();
    blocking(move || {
        let slug = form.get("slug").to_string();
        let author = b.author_of(&signed);
        let result = match form.get("actie") {
            "goedkeuren" => {
                let _lock = match review::lock(&b.site_dir) {
                    Ok(lock) => lock,
                    Err(e) => {
                        return render_list(
                            &b,
                            &signed,
                            StatusCode::INTERNAL_SERVER_ERROR,
                            None,
                            Some(e.to_string()),
                        )
                    }
                };
                submission::approve(&b.site_dir, &slug).map(|approved| {
                    let message =
                        format!("Beheer: partner {} aangemeld en goedgekeurd", approved.slug);
                    let files = [approved.partner_file.clone(), approved.partner_page.clone()];
                    if let Err(e) = review::git::commit(&b.content_dir, &files, &message, &author) {
                        tracing::warn!("approved {}, but not committed: {e}", approved.slug);
                    }
                    "partner"
                })
            }
            "afwijzen" => submission::reject(&b.site_dir, &slug).map(|_| "aanmelding-afgewezen"),
            _ => {
                return render_list(
                    &b,
                    &signed,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    None,
                    Some("Kies goedkeuren of afwijzen.".into()),
                )
            }
        };
        match result {
            Ok(done) => {
                b.changed();
                see_other(&format!("/beheer/aanmeldingen/?melding={done}"))
            }
            Err(e) => {
                let status = match e {
                    PendingError::NotFound { .. } => StatusCode::NOT_FOUND,
                    PendingError::Exists { .. } => StatusCode::CONFLICT,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                render_list(
                    &b,
                    &signed,
                    status,
                    None,
                    Some(format!("Niet gelukt: {}.", dutch_pending(&e))),
                )
            }
        }
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
