//! The queue page and bulk actions.

use super::*;

/// A date filter as given: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub(super) fn date_filter(text: &str) -> Option<String> {
    let t = text.trim();
    let shape = t.len() == 4 || t.len() == 7 || t.len() == 10;
    let valid = shape
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    valid.then(|| t.to_string())
}

fn query_string(pairs: &[(&str, String)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        out.append_pair(k, v);
    }
    out.finish()
}

pub(super) async fn queue_page(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let signed = signed_in_or!(beheer, headers, Method::GET);
    let query =
        Form::parse(request.uri().query().unwrap_or_default().as_bytes()).unwrap_or_default();
    let show = Show::parse(query.get("toon")).unwrap_or_default();
    let text: String = query
        .get("q")
        .chars()
        .take(review::queue::MAX_QUERY_CHARS)
        .collect();
    let filter = review::Filter {
        show,
        partner: query.value("partner"),
        theme: query.value("thema"),
        kind: query.value("type"),
        from: date_filter(query.get("van")),
        until: date_filter(query.get("tot")),
        text: Some(text.clone()).filter(|t| !t.trim().is_empty()),
    };
    let page: usize = query.get("pagina").parse().unwrap_or(1);
    let site_dir = beheer.site_dir.clone();
    let b = beheer.clone();
    let f = filter.clone();
    let rendered = blocking(move || {
        let rules = rules_of(&site_dir).unwrap_or_default();
        let mut queue = b.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.refresh();
        let listing = queue.look(&f, page);
        let facets = queue.facets();
        let mut context = b.context(Some(&signed), "wachtrij");
        let filter_view = serde_json::json!({
            "toon": f.show.as_str(),
            "q": text,
            "partner": f.partner.clone().unwrap_or_default(),
            "thema": f.theme.clone().unwrap_or_default(),
            "type": f.kind.clone().unwrap_or_default(),
            "van": f.from.clone().unwrap_or_default(),
            "tot": f.until.clone().unwrap_or_default(),
        });
        let base = vec![
            ("toon", f.show.as_str().to_string()),
            ("q", text.clone()),
            ("partner", f.partner.clone().unwrap_or_default()),
            ("thema", f.theme.clone().unwrap_or_default()),
            ("type", f.kind.clone().unwrap_or_default()),
            ("van", f.from.clone().unwrap_or_default()),
            ("tot", f.until.clone().unwrap_or_default()),
        ];
        let at = |n: usize| {
            let mut pairs = base.clone();
            pairs.push(("pagina", n.to_string()));
            format!("/beheer/?{}", query_string(&pairs))
        };
        context.insert("filter", &filter_view);
        context.insert(
            "filtered",
            &(f != review::Filter {
                show: f.show,
                ..Default::default()
            }),
        );
        context.insert("here", &at(listing.page));
        context.insert("prev", &at(listing.page.saturating_sub(1).max(1)));
        context.insert("next", &at(listing.page + 1));
        context.insert("total", &listing.total);
        context.insert("page", &listing.page);
        context.insert("pages", &listing.pages);
        let items: Vec<ItemView<'_>> = listing.items.iter().map(|i| view(i)).collect();
        context.insert("items", &items);
        context.insert(
            "facets",
            &serde_json::json!({
                "partners": facets.partners,
                "themes": facets.themes,
                "types": facets.types,
            }),
        );
        let unreadable: Vec<serde_json::Value> = queue
            .unreadable()
            .iter()
            .take(50)
            .map(|u| serde_json::json!({"path": u.relative_path, "message": u.message}))
            .collect();
        context.insert("unreadable", &unreadable);
        let themes: Vec<serde_json::Value> = rules
            .themes
            .iter()
            .map(|t| serde_json::json!({"name": t.name, "programmalijnen": t.programmalijnen}))
            .collect();
        context.insert("themes", &themes);
        let types: Vec<(&String, &String)> = rules.types.iter().collect();
        context.insert("types", &types);
        if let Some(text) = notice(query.get("melding")) {
            context.insert("melding", text);
        }
        b.render("wachtrij.html", &context, StatusCode::OK)
    })
    .await;
    rendered.unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The most items one bulk action takes (a page of the queue, twice).
const MAX_BULK: usize = 2 * review::queue::PAGE_SIZE;

pub(super) async fn bulk(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let (signed, form) = checked_form!(beheer, headers, request.into_body());
    let selected = form.all("item");
    let back = form
        .value("terug")
        .filter(|t| t.starts_with("/beheer/?") || t == "/beheer/")
        .unwrap_or_else(|| "/beheer/".into());
    if selected.is_empty() {
        return beheer.message(
            Some(&signed),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Niets geselecteerd",
            &["Selecteer eerst een of meer items in de wachtrij.".into()],
            (&back, "Terug naar de wachtrij"),
        );
    }
    if selected.len() > MAX_BULK {
        return beheer.message(
            Some(&signed),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Te veel items",
            &[format!("Kies ten hoogste {MAX_BULK} items tegelijk.")],
            (&back, "Terug naar de wachtrij"),
        );
    }
    let change = match form.get("actie") {
        "goedkeuren" => Change::Approve,
        "afwijzen" => Change::Reject {
            reason: form.get("reden").to_string(),
        },
        "taggen" => Change::Tag(Tag {
            themes: form.value("thema").into_iter().collect(),
            programmalijnen: form.value("programmalijn").into_iter().collect(),
            kind: form.value("type"),
        }),
        _ => {
            return beheer.message(
                Some(&signed),
                StatusCode::UNPROCESSABLE_ENTITY,
                "Geen actie gekozen",
                &["Kies goedkeuren, afwijzen of taggen.".into()],
                (&back, "Terug naar de wachtrij"),
            )
        }
    };
    let author = beheer.author_of(&signed);
    let b = beheer.clone();
    let done = blocking(move || {
        let rules = rules_of(&b.site_dir).unwrap_or_default();
        let mut outcomes: Vec<Outcome> = Vec::new();
        let found: Vec<(String, String, Option<QueueItem>)> = {
            let mut queue = b.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.refresh();
            selected
                .iter()
                .map(|entry| {
                    let (id, version) = entry.rsplit_once('@').unwrap_or((entry.as_str(), ""));
                    let item = ItemId::parse(id).and_then(|id| queue.get(&id).cloned());
                    (id.to_string(), version.to_string(), item)
                })
                .collect()
        };
        for (id, version, item) in found {
            let version = version.as_str();
            let Some(item) = item else {
                outcomes.push(Outcome {
                    title: id.chars().take(100).collect(),
                    link: None,
                    outcome: "niet gevonden".into(),
                });
                continue;
            };
            let result = review::apply(
                &b.content_dir,
                &rules,
                &item.relative_path,
                version,
                std::slice::from_ref(&change),
                &author,
            );
            let outcome = match result {
                Ok(_) => match change {
                    Change::Approve => "goedgekeurd".to_string(),
                    Change::Reject { .. } => "afgewezen".to_string(),
                    _ => "getagd".to_string(),
                },
                Err(ReviewError::Conflict { .. }) => {
                    "niet gewijzigd: iemand anders wijzigde het intussen; bekijk het opnieuw".into()
                }
                Err(e) => format!("niet gewijzigd: {}", dutch(&e)),
            };
            b.queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .forget(&item.relative_path);
            outcomes.push(Outcome {
                link: Some(format!("/beheer/items/{}/", urlencode(item.id.as_str()))),
                title: item.title,
                outcome,
            });
        }
        outcomes
    })
    .await
    .unwrap_or_default();
    if done.iter().any(|o| !o.outcome.starts_with("niet")) {
        beheer.changed();
    }
    let failed = done
        .iter()
        .filter(|o| o.outcome.starts_with("niet"))
        .count();
    let mut context = beheer.context(Some(&signed), "wachtrij");
    context.insert(
        "heading",
        if failed == 0 {
            "Klaar"
        } else {
            "Klaar, met uitzonderingen"
        },
    );
    context.insert(
        "lines",
        &[format!(
            "{} van {} items gewijzigd.",
            done.len() - failed,
            done.len()
        )],
    );
    context.insert("results", &done);
    context.insert("back", &back);
    context.insert("back_label", "Terug naar de wachtrij");
    let status = if failed == 0 {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    beheer.render("melding.html", &context, status)
}
