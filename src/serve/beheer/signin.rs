//! Signing in and out of `/beheer/`.

use super::*;

pub(super) async fn sign_in_form(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
) -> Response {
    if beheer.signed_in(&headers).is_some() {
        return see_other("/beheer/");
    }
    sign_in_page(&beheer, &headers, StatusCode::OK, None, "")
}

fn sign_in_page(
    beheer: &Beheer,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
    username: &str,
) -> Response {
    let token = session::token();
    let mut context = beheer.context(None, "inloggen");
    context.insert("login_csrf", &token);
    context.insert("username", username);
    if let Some(error) = error {
        context.insert("fout", &error);
    }
    let cookie = session::set_cookie(
        session::SIGN_IN_COOKIE,
        &token,
        secure(beheer, headers),
        None,
    );
    with_cookie(beheer.render("inloggen.html", &context, status), &cookie)
}

pub(super) async fn sign_in(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let address = address(request.extensions().get::<ConnectInfo<SocketAddr>>());
    if cross_site(&headers) {
        return beheer.forbidden(None);
    }
    let form = match read_form(request.into_body()).await {
        Ok(form) => form,
        Err(error) => {
            return sign_in_page(
                &beheer,
                &headers,
                StatusCode::BAD_REQUEST,
                Some(error.to_string()),
                "",
            )
        }
    };
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .unwrap_or_default();
    let expected = session::cookie(cookies, session::SIGN_IN_COOKIE).unwrap_or_default();
    if !session::same(form.get("csrf"), expected) {
        return sign_in_page(
            &beheer,
            &headers,
            StatusCode::FORBIDDEN,
            Some("Het formulier was verlopen. Probeer het opnieuw.".into()),
            "",
        );
    }
    let username: String = form.get("gebruiker").trim().chars().take(64).collect();
    let password = form.get("wachtwoord").to_string();
    // The limit is checked once a password check may run, so that
    // attempts sent at once are counted one after the other.
    let Ok(_slot) = beheer.verify.acquire().await else {
        return sign_in_page(
            &beheer,
            &headers,
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            &username,
        );
    };
    let blocked = beheer
        .limiter
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .blocked(&username, address);
    if let Some(wait) = blocked {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let mut response = sign_in_page(
            &beheer,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "Te veel mislukte pogingen. Probeer het over {minutes} {} opnieuw.",
                if minutes == 1 { "minuut" } else { "minuten" }
            )),
            &username,
        );
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let b = beheer.clone();
    let name = username.clone();
    let verified = blocking(move || {
        let accounts = b.accounts()?;
        Ok::<_, AccountError>(accounts.verify(&name, &password).cloned())
    })
    .await;
    let account = match verified {
        Some(Ok(account)) => account,
        Some(Err(e)) => {
            tracing::error!("/beheer/ accounts: {e}");
            return sign_in_page(
                &beheer,
                &headers,
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("Het accountbestand kon niet worden gelezen.".into()),
                &username,
            );
        }
        None => None,
    };
    let Some(account) = account else {
        beheer
            .limiter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .failed(&username, address);
        return sign_in_page(
            &beheer,
            &headers,
            StatusCode::UNAUTHORIZED,
            Some("Gebruikersnaam of wachtwoord klopt niet.".into()),
            &username,
        );
    };
    beheer
        .limiter
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .succeeded(&account.username);
    let token = beheer
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .start(&account.username, &account.name, &account.email);
    let mut response = see_other("/beheer/");
    for cookie in [
        session::set_cookie(
            session::SESSION_COOKIE,
            &token,
            secure(&beheer, &headers),
            None,
        ),
        session::set_cookie(
            session::SIGN_IN_COOKIE,
            "",
            secure(&beheer, &headers),
            Some(std::time::Duration::ZERO),
        ),
    ] {
        response = with_cookie(response, &cookie);
    }
    response
}

pub(super) async fn sign_out(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let (signed, _form) = checked_form!(beheer, headers, request.into_body());
    beheer
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .end(&signed.token);
    let cookie = session::set_cookie(
        session::SESSION_COOKIE,
        "",
        secure(&beheer, &headers),
        Some(std::time::Duration::ZERO),
    );
    with_cookie(see_other("/beheer/inloggen"), &cookie)
}
