//! One item: its page and its changes.

use super::*;

#[derive(Serialize)]
struct Flagged {
    field: &'static str,
    label: &'static str,
    shown: Vec<review::diff::Run>,
    upstream: Vec<review::diff::Run>,
}

#[derive(Serialize)]
struct Choice {
    name: String,
    checked: bool,
    suggested: bool,
}

#[derive(Serialize)]
struct ThemeChoice {
    name: String,
    checked: bool,
    suggested: bool,
    lines: Vec<Choice>,
}

/// What the edit form shows: the values of a failed post, or the file's.
#[derive(Serialize, Default)]
struct EditValues {
    title: String,
    description: String,
    types: Vec<String>,
    themes: Vec<String>,
    programmalijnen: Vec<String>,
}

struct ItemProblem {
    status: StatusCode,
    error: Option<String>,
    conflict: bool,
    attempted: Vec<(String, String)>,
    values: Option<EditValues>,
}

impl ItemProblem {
    fn none() -> ItemProblem {
        ItemProblem {
            status: StatusCode::OK,
            error: None,
            conflict: false,
            attempted: Vec::new(),
            values: None,
        }
    }
}

fn item_context(
    beheer: &Beheer,
    signed: &Signed,
    item: &QueueItem,
    problem: &ItemProblem,
) -> Result<Context, ReviewError> {
    let rules = rules_of(&beheer.site_dir).unwrap_or_default();
    let mut context = beheer.context(Some(signed), "wachtrij");
    context.insert("item", &view(item));
    // The edit form: suggestions preselected when nothing is chosen.
    let values = problem.values.as_ref();
    let chosen_themes = values.map_or(&item.themes, |v| &v.themes);
    let chosen_lines = values.map_or(&item.programmalijnen, |v| &v.programmalijnen);
    let preselect_themes = values.is_none() && item.themes.is_empty();
    let preselect_lines = values.is_none() && item.programmalijnen.is_empty();
    let themes: Vec<ThemeChoice> = rules
        .themes
        .iter()
        .map(|t| ThemeChoice {
            name: t.name.clone(),
            suggested: item.suggested_themes.contains(&t.name),
            checked: chosen_themes.contains(&t.name)
                || (preselect_themes && item.suggested_themes.contains(&t.name)),
            lines: t
                .programmalijnen
                .iter()
                .map(|p| Choice {
                    name: p.clone(),
                    suggested: item.suggested_programmalijnen.contains(p),
                    checked: chosen_lines.contains(p)
                        || (preselect_lines && item.suggested_programmalijnen.contains(p)),
                })
                .collect(),
        })
        .collect();
    context.insert("themes", &themes);
    let types: Vec<(&String, &String)> = rules.types.iter().collect();
    context.insert("types", &types);
    let form = match values {
        Some(v) => serde_json::to_value(v).unwrap_or_default(),
        None => serde_json::json!({
            "title": item.title,
            "description": item.description,
            "types": item.types,
        }),
    };
    context.insert("form", &form);

    // A flagged item: each field side by side.
    let mut flagged: Vec<Flagged> = Vec::new();
    if item.flagged {
        for (field, shown, upstream) in
            review::edit::flagged_values(&beheer.content_dir, &item.relative_path)?
        {
            let (left, right) = review::diff::side_by_side(&shown, &upstream);
            flagged.push(Flagged {
                field: field.key(),
                label: match field {
                    FlagField::Title => "Titel",
                    FlagField::Description => "Samenvatting",
                },
                shown: left,
                upstream: right,
            });
        }
    }
    let other_notes: Vec<&String> = item
        .notes
        .iter()
        .filter(|n| !n.starts_with("title:") && !n.starts_with("description:"))
        .collect();
    context.insert("flagged", &flagged);
    context.insert("other_notes", &other_notes);

    // The upstream record.
    let opened = review::edit::open(&beheer.content_dir, &item.relative_path)?;
    let mut upstream: Vec<(&str, String, bool)> = Vec::new();
    if let Some(h) = &opened.extra.harvest {
        let link = |v: &Option<String>| {
            v.clone()
                .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
        };
        let mut add = |label: &'static str, value: Option<String>, is_link: bool| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                upstream.push((label, v, is_link));
            }
        };
        add("Bron", Some(h.source.clone()), false);
        add("Id bij de bron", h.upstream_id.clone(), false);
        add("Titel", h.upstream_title.clone(), false);
        add(
            "Samenvatting",
            h.abstract_text
                .as_deref()
                .map(crate::harvest::normalise::plain_text),
            false,
        );
        add("Auteurs", Some(h.authors.join(", ")), false);
        add("Datum", h.date.clone(), false);
        add("Link", link(&h.link), true);
        add("Pdf", link(&h.pdf), true);
        add("DOI", h.doi.clone(), false);
        add("Taal", h.language.clone(), false);
        add("Licentie", h.licence.clone(), false);
        add("Onderwerpen", Some(h.subjects.join(", ")), false);
        add("Opgehaald", h.fetched_at.clone(), false);
    }
    context.insert("upstream", &upstream);

    // Dossiers to add it to, and those it is in.
    let dossiers = dossier::list(&beheer.content_dir);
    let choices: Vec<serde_json::Value> = dossiers
        .iter()
        .map(|d| {
            let mut groups: Vec<String> = d.groups.iter().map(|g| g.title.clone()).collect();
            if groups.is_empty() {
                groups.push("Publicaties".into());
            }
            serde_json::json!({"path": d.relative_path, "title": d.title, "groups": groups})
        })
        .collect();
    let in_dossiers: Vec<serde_json::Value> = dossiers
        .iter()
        .filter(|d| opened.extra.dossiers.contains(&d.relative_path))
        .map(|d| serde_json::json!({"slug": d.slug, "title": d.title, "path": d.relative_path}))
        .collect();
    context.insert("dossiers", &choices);
    context.insert("in_dossiers", &in_dossiers);
    if let Some(e) = &problem.error {
        context.insert("fout", e);
    }
    context.insert("conflict", &problem.conflict);
    context.insert("attempted", &problem.attempted);
    Ok(context)
}

pub(super) async fn item_page(
    State(beheer): State<Arc<Beheer>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let signed = signed_in_or!(beheer, headers, Method::GET);
    let query =
        Form::parse(request.uri().query().unwrap_or_default().as_bytes()).unwrap_or_default();
    let melding = notice(query.get("melding"));
    let b = beheer.clone();
    blocking(move || {
        let Some(item) = ItemId::parse(&id).and_then(|id| b.item(&id)) else {
            return b.gone(
                &signed,
                "Dit item bestaat niet (meer).",
                ("/beheer/", "Naar de wachtrij"),
            );
        };
        render_item(&b, &signed, &item, &ItemProblem::none(), melding)
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn render_item(
    beheer: &Beheer,
    signed: &Signed,
    item: &QueueItem,
    problem: &ItemProblem,
    melding: Option<&str>,
) -> Response {
    match item_context(beheer, signed, item, problem) {
        Ok(mut context) => {
            if let Some(m) = melding {
                context.insert("melding", m);
            }
            beheer.render("item.html", &context, problem.status)
        }
        Err(e) => beheer.message(
            Some(signed),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Dit item is niet te lezen",
            &[dutch(&e)],
            ("/beheer/", "Naar de wachtrij"),
        ),
    }
}

pub(super) async fn item_post(
    State(beheer): State<Arc<Beheer>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let (signed, form) = checked_form!(beheer, headers, request.into_body());
    let b = beheer.clone();
    blocking(move || {
        let Some(item) = ItemId::parse(&id).and_then(|id| b.item(&id)) else {
            return b.gone(
                &signed,
                "Dit item bestaat niet (meer). Uw wijziging is niet opgeslagen.",
                ("/beheer/", "Naar de wachtrij"),
            );
        };
        item_change(&b, &signed, &item, &form)
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn item_change(beheer: &Beheer, signed: &Signed, item: &QueueItem, form: &Form) -> Response {
    let rules = rules_of(&beheer.site_dir).unwrap_or_default();
    let version = form.get("versie");
    let author = beheer.author_of(signed);
    let edit = || Edit {
        title: form.get("titel").to_string(),
        description: form.get("samenvatting").to_string(),
        types: form.value("type").into_iter().collect(),
        themes: form.all("thema"),
        programmalijnen: form.all("programmalijn"),
    };
    let action = form.get("actie");
    let (changes, done): (Vec<Change>, &str) = match action {
        "opslaan" => (vec![Change::Edit(edit())], "opgeslagen"),
        "publiceren" => (vec![Change::Edit(edit()), Change::Approve], "gepubliceerd"),
        "afwijzen" => (
            vec![Change::Reject {
                reason: form.get("reden").to_string(),
            }],
            "afgewezen",
        ),
        "bron" => match FlagField::parse(form.get("veld")) {
            Some(field) => (
                vec![Change::Keep {
                    field,
                    upstream: form.get("keuze") == "bron",
                }],
                "bron",
            ),
            None => (Vec::new(), ""),
        },
        "uit-dossier" => {
            let path = form.get("dossier");
            let known = dossier::list(&beheer.content_dir)
                .into_iter()
                .any(|d| d.relative_path == path);
            let result = if known {
                dossier::remove(
                    &beheer.content_dir,
                    &rules,
                    path,
                    &item.relative_path,
                    version,
                    &author,
                )
            } else {
                Err(ReviewError::Refused {
                    field: "dossier".into(),
                    message: "kies een bestaand dossier".into(),
                })
            };
            return after_change(
                beheer,
                signed,
                item,
                form,
                result.map(|_| ()),
                "uit-dossier",
            );
        }
        "dossier" => {
            let (path, group) = form.get("dossier").rsplit_once('#').unwrap_or(("", ""));
            let group: usize = group.parse().unwrap_or(usize::MAX);
            let known = dossier::list(&beheer.content_dir)
                .into_iter()
                .any(|d| d.relative_path == path);
            let result = if known {
                dossier::add(
                    &beheer.content_dir,
                    &rules,
                    path,
                    group,
                    &item.relative_path,
                    version,
                    &author,
                )
            } else {
                Err(ReviewError::Refused {
                    field: "dossier".into(),
                    message: "kies een bestaand dossier".into(),
                })
            };
            return after_change(beheer, signed, item, form, result.map(|_| ()), "dossier");
        }
        _ => (Vec::new(), ""),
    };
    if changes.is_empty() {
        let problem = ItemProblem {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: Some("Onbekende actie.".into()),
            ..ItemProblem::none()
        };
        return render_item(beheer, signed, item, &problem, None);
    }
    let result = review::apply(
        &beheer.content_dir,
        &rules,
        &item.relative_path,
        version,
        &changes,
        &author,
    );
    after_change(beheer, signed, item, form, result.map(|_| ()), done)
}

fn after_change(
    beheer: &Beheer,
    signed: &Signed,
    item: &QueueItem,
    form: &Form,
    result: Result<(), ReviewError>,
    done: &str,
) -> Response {
    beheer
        .queue
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .forget(&item.relative_path);
    let fresh = beheer.item(&item.id).unwrap_or_else(|| item.clone());
    let edited = matches!(form.get("actie"), "opslaan" | "publiceren");
    let values = edited.then(|| EditValues {
        title: form.get("titel").chars().take(1000).collect(),
        description: form.get("samenvatting").chars().take(5000).collect(),
        types: form.value("type").into_iter().collect(),
        themes: form.all("thema"),
        programmalijnen: form.all("programmalijn"),
    });
    match result {
        Ok(()) => {
            beheer.changed();
            let id = urlencode(item.id.as_str());
            match done {
                "gepubliceerd" | "afgewezen" => see_other(&format!("/beheer/?melding={done}")),
                _ => see_other(&format!("/beheer/items/{id}/?melding={done}")),
            }
        }
        Err(ReviewError::Conflict { .. }) => {
            let mut attempted: Vec<(String, String)> = Vec::new();
            if let Some(v) = &values {
                attempted.push(("Titel".into(), v.title.clone()));
                attempted.push(("Samenvatting".into(), v.description.clone()));
                attempted.push(("Thema's".into(), v.themes.join(", ")));
                attempted.push(("Programmalijnen".into(), v.programmalijnen.join(", ")));
            }
            let reason = form.get("reden");
            if !reason.is_empty() {
                attempted.push((
                    "Reden van afwijzing".into(),
                    reason.chars().take(1000).collect(),
                ));
            }
            let problem = ItemProblem {
                status: StatusCode::CONFLICT,
                error: None,
                conflict: true,
                attempted,
                values: None,
            };
            render_item(beheer, signed, &fresh, &problem, None)
        }
        Err(e) => {
            let problem = ItemProblem {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                error: Some(format!("Niet opgeslagen: {}.", dutch(&e))),
                conflict: false,
                attempted: Vec::new(),
                values,
            };
            render_item(beheer, signed, &fresh, &problem, None)
        }
    }
}
