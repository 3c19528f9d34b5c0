//! The console pages and the login flow.

use std::sync::OnceLock;

use axum::extract::{Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Router, extract::Request};
use minijinja::{Environment, context};
use serde::Deserialize;

use super::assets::Templates;
use crate::AppState;
use crate::api::auth_routes::{close_session, open_session};
use crate::api::extract::{ClientInfo, csrf_token};
use crate::auth::{Principal, TokenError, constant_time_eq, new_token};
use crate::cookies;
use crate::store::accounts::{Role, StaffAccount};

/// How long the login form's one-time value lives, in seconds.
const LOGIN_FORM_SECS: i64 = 3600;
/// How long the language choice is remembered, in seconds: a year.
const LANG_SECS: i64 = 365 * 24 * 3600;
/// Admin console pages, in menu order.
pub const ADMIN_PAGES: &[&str] = &[
    "dashboard",
    "services",
    "counters",
    "rules",
    "calendar",
    "staff",
    "devices",
    "notices",
    "guide",
    "reports",
    "ratings",
    "followups",
    "whatif",
    "audit",
    "cases",
];

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console") }))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
        .route("/console", get(console_page))
        .route("/admin", get(|| async { Redirect::to("/admin/dashboard") }))
        .route("/admin/{page}", get(admin_page))
        .route("/t/{id}", get(progress_page))
        .route("/pad", get(pad_page))
        .layer(middleware::from_fn(security_headers))
}

/// The rating pad's page (评价器): a static shell; `pad.js` holds the
/// device token and fills it from the API (see `api::pad`).
async fn pad_page(State(state): State<AppState>) -> Response {
    let (hall_zh, hall_en, _) = hall_name(&state).await;
    render("pad.html", context! { hall_zh, hall_en })
}

/// Every page: no framing, no foreign scripts or connections, no referrer.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_loader(|name| {
            Ok(Templates::get(name).map(|f| String::from_utf8_lossy(&f.data).into_owned()))
        });
        env
    })
}

pub(super) fn render(name: &str, ctx: minijinja::Value) -> Response {
    match env().get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error / 系统内部错误",
            )
                .into_response()
        }
    }
}

pub(super) fn lang(headers: &HeaderMap) -> &'static str {
    if cookies::read(headers, cookies::LANG).as_deref() == Some("en") {
        "en"
    } else {
        "zh"
    }
}

/// The hall's names and time zone, for page headers and local times.
pub(super) async fn hall_name(state: &AppState) -> (String, String, String) {
    state.engine.view().read(|engine, _| {
        let h = &engine.config().hall;
        (h.name_zh.clone(), h.name_en.clone(), h.timezone.clone())
    })
}

/// The signed-in staff member of a page request, from the session cookie.
/// Without one, the page redirects to the login form.
pub struct PageSession {
    pub(super) account: StaffAccount,
    pub(super) token: String,
}

impl FromRequestParts<AppState> for PageSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path();
        let login = if is_same_site_path(path) {
            format!("/login?next={path}")
        } else {
            "/login".to_owned()
        };
        let to_login = || Redirect::to(&login).into_response();
        let token = cookies::read(&parts.headers, cookies::SESSION).ok_or_else(to_login)?;
        match state
            .auth
            .resolve(&token, state.clock.now(), state.session_policy())
        {
            Ok(Principal::Staff(account)) => Ok(Self { account, token }),
            Ok(Principal::Device(_)) | Err(TokenError::Unknown | TokenError::Expired) => {
                Err(to_login())
            }
        }
    }
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Whether `next` is a path of this site that no browser reads as
/// anything else: it starts with one `/` and holds only letters, digits
/// and `/-._~?=&`. So no `//` or `/\` (another host to a browser), no
/// backslash, tab, newline or other control character (browsers drop or
/// turn them into `/`, which is how `/\t/evil.example` becomes
/// `//evil.example`), no `:` (a scheme), no space and no `%` (an encoded
/// form of any of these, decoded by whoever reads it next). Every page of
/// the consoles has such a path.
pub fn is_same_site_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.contains("//")
        && next
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~?=&".contains(&b))
}

/// Where a redirect asked for with `next` goes: `next` when it is one of
/// this site's paths ([`is_same_site_path`]), else `/`. None when no
/// `next` was given.
fn redirect_target(next: Option<&str>) -> Option<&str> {
    match next.filter(|n| !n.is_empty()) {
        None => None,
        Some(n) if is_same_site_path(n) => Some(n),
        Some(_) => Some("/"),
    }
}

fn session_cookie(token: &str, max_age_secs: i64, https: bool) -> cookie::Cookie<'static> {
    cookies::build(cookies::SESSION, token.to_owned(), "/", max_age_secs, https)
}

async fn login_page(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = q.next.filter(|n| is_same_site_path(n));
    login_form(&state, client, &headers, next, None, StatusCode::OK).await
}

/// The login form, with a new one-time value in its cookie. `next` is
/// carried only when it is a same-site path.
async fn login_form(
    state: &AppState,
    client: ClientInfo,
    headers: &HeaderMap,
    next: Option<String>,
    error: Option<(String, String)>,
    status: StatusCode,
) -> Response {
    let next = next.filter(|n| is_same_site_path(n));
    let nonce = new_token("");
    let (hall_zh, hall_en, _) = hall_name(state).await;
    let mut resp = render(
        "login.html",
        context! {
            lang => lang(headers), hall_zh, hall_en, nonce, next,
            error_zh => error.as_ref().map(|e| e.1.clone()),
            error_en => error.as_ref().map(|e| e.0.clone()),
        },
    );
    *resp.status_mut() = status;
    cookies::set(
        &mut resp,
        [cookies::build(
            cookies::LOGIN_FORM,
            nonce,
            "/login",
            LOGIN_FORM_SECS,
            client.https,
        )],
    );
    resp
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(rename = "_csrf")]
    csrf: String,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = redirect_target(form.next.as_deref()).map(ToOwned::to_owned);
    let cookie_nonce = cookies::read(&headers, cookies::LOGIN_FORM);
    if !cookie_nonce.is_some_and(|c| !c.is_empty() && constant_time_eq(&c, &form.csrf)) {
        let msg = (
            "The form expired; please sign in again.".to_owned(),
            "页面已过期，请重新登录。".to_owned(),
        );
        return login_form(
            &state,
            client,
            &headers,
            next,
            Some(msg),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    match open_session(&state, &form.username, form.password, client.ip).await {
        Ok((token, account, _)) => {
            let home = if account.role == Role::Admin {
                "/admin/dashboard"
            } else {
                "/console"
            };
            let target = next.unwrap_or_else(|| home.to_owned());
            let mut resp = Redirect::to(&target).into_response();
            let max_age = state.session_policy().lifetime.as_secs();
            cookies::set(
                &mut resp,
                [
                    session_cookie(&token, max_age, client.https),
                    cookies::removal(cookies::LOGIN_FORM, "/login", client.https),
                ],
            );
            resp
        }
        Err(e) => {
            login_form(
                &state,
                client,
                &headers,
                next,
                Some((e.message, e.message_zh)),
                e.status,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
struct LogoutForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    client: ClientInfo,
    session: PageSession,
    Form(form): Form<LogoutForm>,
) -> Response {
    if !constant_time_eq(&form.csrf, &csrf_token(&session.token)) {
        return (
            StatusCode::FORBIDDEN,
            "the form expired; reload the page / 页面已过期，请刷新",
        )
            .into_response();
    }
    if let Err(e) = close_session(&state, &session.token).await {
        return e.into_response();
    }
    let mut resp = Redirect::to("/login").into_response();
    cookies::set(
        &mut resp,
        [cookies::removal(cookies::SESSION, "/", client.https)],
    );
    resp
}

/// Switches the language and goes back to `next`, a same-site path (else
/// `/`). Reachable without logging in, so `next` is checked like a
/// login's.
async fn set_lang(
    client: ClientInfo,
    Path(lang): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let lang = if lang == "en" { "en" } else { "zh" };
    let target = redirect_target(q.next.as_deref()).unwrap_or("/");
    let mut resp = Redirect::to(target).into_response();
    cookies::set(
        &mut resp,
        [cookies::build(
            cookies::LANG,
            lang.to_owned(),
            "/",
            LANG_SECS,
            client.https,
        )],
    );
    resp
}

fn page_context(
    session: &PageSession,
    headers: &HeaderMap,
    page: &str,
    hall: (String, String, String),
) -> minijinja::Value {
    context! {
        lang => lang(headers),
        page,
        request_path => if page == "console" { "/console".to_owned() } else { format!("/admin/{page}") },
        pages => ADMIN_PAGES,
        csrf => csrf_token(&session.token),
        username => session.account.username.clone(),
        display_name => session.account.display_name.clone(),
        staff_no => session.account.staff_no.as_ref().map(ToString::to_string),
        is_admin => session.account.role == Role::Admin,
        counters => session.account.counters.iter().map(|c| c.0).collect::<Vec<_>>(),
        hall_zh => hall.0,
        hall_en => hall.1,
        timezone => hall.2,
    }
}

async fn console_page(
    State(state): State<AppState>,
    session: PageSession,
    headers: HeaderMap,
) -> Response {
    let hall = hall_name(&state).await;
    render(
        "console.html",
        page_context(&session, &headers, "console", hall),
    )
}

async fn admin_page(
    State(state): State<AppState>,
    session: PageSession,
    headers: HeaderMap,
    Path(page): Path<String>,
) -> Response {
    let hall = hall_name(&state).await;
    if session.account.role != Role::Admin {
        let mut resp = render(
            "forbidden.html",
            page_context(&session, &headers, "forbidden", hall),
        );
        *resp.status_mut() = StatusCode::FORBIDDEN;
        return resp;
    }
    if !ADMIN_PAGES.contains(&page.as_str()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    render("admin.html", page_context(&session, &headers, &page, hall))
}

#[derive(Debug, Deserialize)]
struct ProgressQuery {
    code: Option<String>,
}

/// The citizen's progress page, where a ticket's QR code leads: public,
/// readable on a phone, refreshing itself every 20 seconds.
async fn progress_page(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Query(q): Query<ProgressQuery>,
) -> Response {
    let (hall_zh, hall_en, timezone) = hall_name(&state).await;
    let lang = lang(&headers);
    let tz = banli_core::jiff::tz::TimeZone::get(&timezone)
        .unwrap_or(banli_core::jiff::tz::TimeZone::UTC);
    let hhmm = |t: banli_core::jiff::Timestamp| {
        t.to_zoned_datetime(tz.clone())
            .strftime("%H:%M")
            .to_string()
    };
    let id = banli_core::ids::TicketId(id);
    let found = crate::api::tickets::lookup(&state, id, q.code.as_deref(), client.ip).await;
    match found {
        Ok(t) => {
            let status = serde_json::to_value(t.status)
                .ok()
                .and_then(|v| v.as_str().map(ToOwned::to_owned));
            // 好差评: a finished ticket's page offers the rating form.
            // A transferred ticket was served for several services: the
            // form names the one it rates, the latest not rated first.
            let offer = crate::api::feedback::phone_offer(&state, id).await.ok();
            let rating = offer.as_ref().map_or("", |o| o.offer.key());
            let (rate_service, rate_zh, rate_en, rate_more) = offer
                .map(|o| (o.service_id, o.service_zh, o.service_en, o.more))
                .unwrap_or_default();
            render(
                "progress.html",
                context! {
                    lang, hall_zh, hall_en, found => true, status,
                    number => t.number, service_zh => t.service_name_zh, service_en => t.service_name_en,
                    ahead => t.ahead, wait => t.estimated_wait_minutes, counter => t.counter_id.map(|c| c.0),
                    counter_name => t.counter_name_zh, issued => hhmm(t.issued_at), called => t.called_at.map(hhmm),
                    can_requeue => t.can_requeue,
                    rating, ticket_id => id.0, code => q.code.clone().unwrap_or_default(),
                    rate_service, rate_zh, rate_en, rate_more,
                },
            )
        }
        Err(e) => {
            let limited = e.status == StatusCode::TOO_MANY_REQUESTS;
            let mut resp = render(
                "progress.html",
                context! { lang, hall_zh, hall_en, found => false, limited },
            );
            *resp.status_mut() = e.status;
            if let Some(secs) = e.retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_same_site_paths_are_redirect_targets() {
        for ok in [
            "/",
            "/console",
            "/admin/staff",
            "/t/12?code=123456",
            "/login",
        ] {
            assert!(is_same_site_path(ok), "{ok:?}");
        }
        for bad in [
            "",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            "/%2F%2Fevil.example",
            "/%5Cevil",
            "https://evil.example",
            "http:evil.example",
            "javascript:alert(1)",
            "evil.example",
            " /console",
            "/console\r\nSet-Cookie: x=1",
            "/a//b",
            "/caf\u{e9}",
        ] {
            assert!(!is_same_site_path(bad), "{bad:?}");
        }
        assert_eq!(redirect_target(None), None);
        assert_eq!(redirect_target(Some("")), None);
        assert_eq!(redirect_target(Some("/console")), Some("/console"));
        assert_eq!(redirect_target(Some("//evil.example")), Some("/"));
    }
}
