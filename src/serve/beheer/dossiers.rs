//! Dossiers: the list, and ordering a dossier's items.

use super::*;

pub(super) async fn dossiers_page(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
) -> Response {
    let signed = signed_in_or!(beheer, headers, Method::GET);
    let b = beheer.clone();
    blocking(move || {
        let list: Vec<serde_json::Value> = dossier::list(&b.content_dir)
            .iter()
            .map(|d| {
                serde_json::json!({
                    "slug": d.slug,
                    "title": d.title,
                    "count": d.groups.iter().map(|g| g.pages.len()).sum::<usize>(),
                })
            })
            .collect();
        let mut context = b.context(Some(&signed), "dossiers");
        context.insert("dossiers", &list);
        b.render("dossiers.html", &context, StatusCode::OK)
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn dossier_by_slug(content_dir: &Path, slug: &str) -> Option<dossier::Dossier> {
    dossier::list(content_dir)
        .into_iter()
        .find(|d| d.slug == slug)
}

fn render_dossier(
    beheer: &Beheer,
    signed: &Signed,
    d: &dossier::Dossier,
    status: StatusCode,
    melding: Option<&str>,
    fout: Option<String>,
) -> Response {
    let titles = {
        let mut queue = beheer.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.refresh();
        queue
            .all()
            .iter()
            .map(|i| (i.relative_path.clone(), i.title.clone()))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let groups: Vec<serde_json::Value> = d
        .groups
        .iter()
        .map(|g| {
            let items: Vec<serde_json::Value> = g
                .pages
                .iter()
                .map(|p| {
                    let title = titles
                        .get(p.trim_start_matches("@/"))
                        .cloned()
                        .unwrap_or_else(|| p.clone());
                    serde_json::json!({"path": p, "title": title})
                })
                .collect();
            serde_json::json!({"title": g.title, "items": items})
        })
        .collect();
    let mut context = beheer.context(Some(signed), "dossiers");
    context.insert(
        "dossier",
        &serde_json::json!({"slug": d.slug, "title": d.title, "version": d.version}),
    );
    context.insert("groups", &groups);
    if let Some(m) = melding {
        context.insert("melding", m);
    }
    if let Some(f) = fout {
        context.insert("fout", &f);
    }
    beheer.render("dossier.html", &context, status)
}

pub(super) async fn dossier_page(
    State(beheer): State<Arc<Beheer>>,
    UrlPath(slug): UrlPath<String>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let signed = signed_in_or!(beheer, headers, Method::GET);
    let query =
        Form::parse(request.uri().query().unwrap_or_default().as_bytes()).unwrap_or_default();
    let melding = notice(query.get("melding"));
    let b = beheer.clone();
    blocking(move || match dossier_by_slug(&b.content_dir, &slug) {
        Some(d) => render_dossier(&b, &signed, &d, StatusCode::OK, melding, None),
        None => b.gone(
            &signed,
            "Dit dossier bestaat niet.",
            ("/beheer/dossiers/", "Naar de dossiers"),
        ),
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

pub(super) async fn dossier_post(
    State(beheer): State<Arc<Beheer>>,
    UrlPath(slug): UrlPath<String>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let (signed, form) = checked_form!(beheer, headers, request.into_body());
    let b = beheer.clone();
    blocking(move || {
        let Some(d) = dossier_by_slug(&b.content_dir, &slug) else {
            return b.gone(
                &signed,
                "Dit dossier bestaat niet.",
                ("/beheer/dossiers/", "Naar de dossiers"),
            );
        };
        let group: usize = form.get("groep").parse().unwrap_or(usize::MAX);
        let index: usize = form.get("positie").parse().unwrap_or(usize::MAX);
        let up = form.get("richting") == "omhoog";
        let result = dossier::move_item(
            &b.content_dir,
            &d.relative_path,
            form.get("versie"),
            group,
            index,
            up,
            &b.author_of(&signed),
        );
        match result {
            Ok(_) => {
                b.changed();
                see_other(&format!(
                    "/beheer/dossiers/{}/?melding=volgorde",
                    urlencode(&d.slug)
                ))
            }
            Err(e) => {
                let fresh = dossier_by_slug(&b.content_dir, &slug).unwrap_or(d);
                let status = if matches!(e, ReviewError::Conflict { .. }) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                render_dossier(
                    &b,
                    &signed,
                    &fresh,
                    status,
                    None,
                    Some(format!(
                        "Niet opgeslagen: {}. Hieronder staat de huidige volgorde.",
                        dutch(&e)
                    )),
                )
            }
        }
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
