//! The cookies the web consoles use, read and written through the
//! `cookie` crate (the one `axum-extra`'s cookie jar wraps; the jar itself
//! would add nothing here), never parsed by hand.
//!
//! Every cookie is HttpOnly (no script reads any of them) and
//! SameSite=Strict (no other site's page makes a browser send them), and
//! `Secure` when the request came over HTTPS, as the server's trusted
//! reverse proxy says (see [`crate::api::extract::ClientInfo`]). A hall
//! served over plain HTTP on its own network still gets working cookies.

use axum::http::{HeaderMap, header};
use cookie::{Cookie, SameSite};

/// The web console's session token.
pub const SESSION: &str = "banli_session";
/// The login form's one-time CSRF value.
pub const LOGIN_FORM: &str = "banli_login";
/// The chosen language, `zh` or `en`.
pub const LANG: &str = "banli_lang";

/// The value of cookie `name` in a request's `Cookie` headers.
/// A browser sends one `Cookie` header (HTTP/2 may split it); a cookie
/// that does not parse is skipped, and of two with the name the first
/// (the most specific path) counts.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A cookie for `path` that lives `max_age_secs`, with the attributes
/// every Banli cookie has.
pub fn build(
    name: &'static str,
    value: String,
    path: &'static str,
    max_age_secs: i64,
    https: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(https)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
}

/// A cookie that tells the browser to forget cookie `name` at `path`.
pub fn removal(name: &'static str, path: &'static str, https: bool) -> Cookie<'static> {
    let mut c = build(name, String::new(), path, 0, https);
    c.make_removal();
    c
}

/// Adds `cookies` to a response as `Set-Cookie` headers.
pub fn set(
    resp: &mut axum::response::Response,
    cookies: impl IntoIterator<Item = Cookie<'static>>,
) {
    for c in cookies {
        if let Ok(v) = c.encoded().to_string().parse() {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name_across_headers() {
        let mut h = HeaderMap::new();
        h.append(
            "cookie",
            "theme=dark; xbanli_session=nope".parse().expect("value"),
        );
        h.append(
            "cookie",
            "banli_session=s_abc; banli_lang=en".parse().expect("value"),
        );
        assert_eq!(read(&h, SESSION).as_deref(), Some("s_abc"));
        assert_eq!(read(&h, LANG).as_deref(), Some("en"));
        assert_eq!(read(&h, LOGIN_FORM), None);
    }

    #[test]
    fn written_cookies_carry_every_attribute() {
        let c = build(SESSION, "s_abc".into(), "/", 60, true)
            .encoded()
            .to_string();
        for part in [
            "banli_session=s_abc",
            "Path=/",
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Max-Age=60",
        ] {
            assert!(c.contains(part), "{c}");
        }
        let plain = build(SESSION, "s_abc".into(), "/", 60, false).to_string();
        assert!(!plain.contains("Secure"), "{plain}");
        let gone = removal(SESSION, "/", false).to_string();
        assert!(
            gone.contains("Max-Age=0") && gone.contains("HttpOnly"),
            "{gone}"
        );
    }
}
