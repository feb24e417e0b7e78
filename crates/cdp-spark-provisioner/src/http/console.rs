//! The web console at `/ui/`: a page shell, a script and a style sheet,
//! compiled into the binary (no CDN, works offline). Every path under
//! `/ui/` answers the same shell (`/ui/` the jobs, `/ui/jobs/{group}/{name}`
//! a job, `/ui/runs/{runId}` a run); the script reads the path and calls
//! the job status API with `fetch`, passing the status or trigger token
//! the user typed (kept in the tab's `sessionStorage`), so the console has
//! no auth of its own and every rule stays in the API. Values from the API
//! are written with `textContent` only; the answers carry a strict
//! `Content-Security-Policy` (no inline script or style, nothing from
//! elsewhere).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

/// The shell of every console page.
pub const SHELL: &str = include_str!("../../console/index.html");
/// The console's script.
pub const SCRIPT: &str = include_str!("../../console/app.js");
/// The console's style sheet.
pub const STYLE: &str = include_str!("../../console/app.css");

/// The policy of every `/ui/` answer: only this origin's script, style,
/// images (and `data:` for none but the favicon) and API calls; no frames,
/// no plugins, no `<base>`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn answer(content_type: &'static str, body: &'static str, cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)))
        .body(body)
}

/// `GET /ui/…`: the page shell (the script picks the page from the path).
pub async fn shell(_req: HttpRequest) -> HttpResponse {
    answer("text/html; charset=utf-8", SHELL, "no-cache")
}

/// `GET /ui/assets/app.js`.
pub async fn script() -> HttpResponse {
    answer("text/javascript; charset=utf-8", SCRIPT, "no-cache")
}

/// `GET /ui/assets/app.css`.
pub async fn style() -> HttpResponse {
    answer("text/css; charset=utf-8", STYLE, "no-cache")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assets_hold_no_inline_script_and_write_no_html_from_data() {
        // The policy forbids inline script: the shell loads the one script.
        assert!(SHELL.contains(r#"<script src="/ui/assets/app.js" defer></script>"#));
        assert_eq!(SHELL.matches("<script").count(), 1, "one script tag");
        assert!(!SHELL.contains(" style="), "no inline style");
        assert!(SHELL.contains(r#"<html lang="en">"#));
        // Data reaches the page through textContent, never as markup.
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(!SCRIPT.contains(sink), "the script uses {sink}");
        }
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'self'"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
    }
}
