//! SPNEGO (Kerberos HTTP authentication, RFC 4559) towards the
//! ResourceManagers, the way Hadoop's `AuthenticationFilter` with its
//! `KerberosAuthenticationHandler` expects it:
//!
//! - An RM answers `401` with `WWW-Authenticate: Negotiate`; the client
//!   gets a Kerberos service ticket for `HTTP@<host it asked>` and sends
//!   `Authorization: Negotiate <base64 SPNEGO token>` with the same request.
//! - The RM answers the request and sets the `hadoop.auth` cookie (signed,
//!   with an expiry); the cookie is kept per RM (scheme, host, port) and sent
//!   on later requests, so polling needs no Kerberos at all. Only when an RM
//!   answers `401` again (cookie expired, RM restarted with a new secret)
//!   is a new token made. Concurrent requests that meet the `401` together
//!   negotiate once: the others wait and then use the new cookie.
//! - The RM's answer carries its own token (`WWW-Authenticate: Negotiate
//!   <token>`), which is verified (mutual authentication).
//!
//! Credentials: with `launcher.kerberos_principal`/`kerberos_keytab`,
//! tickets come from the keytab into a credential cache private to the
//! process (`MEMORY:`), renewed by GSSAPI from the keytab when they near
//! their end: no `kinit` needed. Without them, the default credential cache
//! (`KRB5CCNAME`, filled by `kinit`). The ticket-granting ticket and the
//! service tickets are cached there too, so a renegotiation usually costs
//! no KDC round trip.
//!
//! GSSAPI calls run on tokio's blocking pool (they may wait for the KDC).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use cdp_spark_domain::cause;
use cdp_spark_domain::ports::LaunchError;
use reqwest::header::{HeaderMap, SET_COOKIE, WWW_AUTHENTICATE};
use tracing::{debug, info};

use crate::config::KerberosConfig;
use crate::gssapi::{self, ClientContext, GssError, InitiatorCredentials};

/// The service part of the RMs' web principals (`HTTP/<host>@REALM`).
const SERVICE: &str = "HTTP";

/// SPNEGO state of one [`crate::YarnRmClient`]: credentials, cookies per RM
/// and how many negotiations were made.
pub(crate) struct Spnego {
    credentials: InitiatorCredentials,
    origins: Mutex<HashMap<String, Arc<Origin>>>,
    negotiations: AtomicU64,
}

impl std::fmt::Debug for Spnego {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Cookies are credentials: never printed.
        f.debug_struct("Spnego")
            .field("credentials", &self.credentials)
            .field("negotiations", &self.negotiations)
            .finish_non_exhaustive()
    }
}

/// Cookies and the negotiation lock of one RM.
#[derive(Default)]
pub(crate) struct Origin {
    /// A generation bumped on every change, and the cookies by name.
    cookies: Mutex<(u64, BTreeMap<String, String>)>,
    negotiating: tokio::sync::Mutex<()>,
}

impl Origin {
    /// The `Cookie` header to send (if any) and the generation it is from.
    pub(crate) fn cookie_header(&self) -> (Option<String>, u64) {
        let guard = lock(&self.cookies);
        let header = (!guard.1.is_empty()).then(|| {
            guard
                .1
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        });
        (header, guard.0)
    }

    pub(crate) fn generation(&self) -> u64 {
        lock(&self.cookies).0
    }

    /// Takes the cookies a response set (an empty value, or `Max-Age=0`,
    /// removes one). Returns whether a cookie with a value was set.
    pub(crate) fn update(&self, set_cookie: &[String]) -> bool {
        let mut any = false;
        let mut guard = lock(&self.cookies);
        for line in set_cookie {
            let mut parts = line.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.is_empty() {
                continue;
            }
            let expired = parts.any(|attr| {
                attr.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("max-age") && v.trim().starts_with(['0', '-'])
                })
            });
            if value.is_empty() || value == "\"\"" || expired {
                guard.1.remove(name);
            } else {
                guard.1.insert(name.to_string(), value.to_string());
                any = true;
            }
            guard.0 += 1;
        }
        any
    }

    /// Forgets the cookies (the RM no longer takes them).
    pub(crate) fn clear(&self) {
        let mut guard = lock(&self.cookies);
        if !guard.1.is_empty() {
            guard.1.clear();
            guard.0 += 1;
        }
    }

    /// Held while negotiating, so that concurrent requests negotiate once.
    pub(crate) async fn negotiation_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.negotiating.lock().await
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The data (cookies) stay consistent even if a holder panicked.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The RM a URL addresses: its origin (cookie scope) and host (principal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub origin: String,
    pub host: String,
}

impl Target {
    pub(crate) fn of(url: &str) -> Result<Self, LaunchError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            LaunchError::Other(cause!(
                "'{url}' is not a URL ({e}); check launcher.resource_managers"
            ))
        })?;
        let host = parsed
            .host_str()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string())
            .filter(|h| !h.is_empty())
            .ok_or_else(|| {
                LaunchError::Other(cause!(
                    "'{url}' has no host; check launcher.resource_managers"
                ))
            })?;
        Ok(Self {
            origin: parsed.origin().ascii_serialization(),
            host,
        })
    }
}

/// `WWW-Authenticate: Negotiate [token]`: `None` without a Negotiate
/// challenge, `Some(None)` for a bare one, `Some(Some(token))` with a token.
pub(crate) fn negotiate_challenge(headers: &HeaderMap) -> Option<Option<String>> {
    let mut found = None;
    for value in headers.get_all(WWW_AUTHENTICATE) {
        let Ok(value) = value.to_str() else { continue };
        for challenge in value.split(',') {
            let challenge = challenge.trim();
            let Some(scheme) = challenge.get(..9) else {
                continue;
            };
            if !scheme.eq_ignore_ascii_case("negotiate") {
                continue;
            }
            let rest = challenge[9..].trim();
            if rest.is_empty() {
                found.get_or_insert(None);
            } else if challenge[9..].starts_with(' ') {
                return Some(Some(rest.to_string()));
            }
        }
    }
    found
}

/// The `Set-Cookie` lines of a response.
pub(crate) fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect()
}

impl Spnego {
    /// Loads GSSAPI now (a missing library fails at start-up, naming the
    /// package) and checks the keytab can be read.
    pub(crate) fn new(kerberos: Option<&KerberosConfig>) -> Result<Self, LaunchError> {
        gssapi::ensure_available().map_err(|e| {
            LaunchError::Other(cause!(
                "launcher.yarn_spnego = true needs GSSAPI: {e}; or set launcher.yarn_spnego = false if the ResourceManagers do not use Kerberos"
            ))
        })?;
        let credentials = match kerberos {
            None => InitiatorCredentials::Default,
            Some(k) => {
                if let Err(e) = std::fs::File::open(&k.keytab) {
                    return Err(LaunchError::Other(cause!(
                        "launcher.kerberos_keytab: cannot read {} ({e}); SPNEGO to the ResourceManagers (launcher.yarn_spnego = true) logs in as launcher.kerberos_principal with it: give the path of a keytab readable by the provisioner's user",
                        k.keytab.display()
                    )));
                }
                static CACHES: AtomicU64 = AtomicU64::new(0);
                InitiatorCredentials::Keytab {
                    principal: k.principal.trim().to_string(),
                    keytab: k.keytab.clone(),
                    ccache: format!(
                        "MEMORY:cdp-spark-launcher-{}-{}",
                        std::process::id(),
                        CACHES.fetch_add(1, Ordering::Relaxed)
                    ),
                }
            }
        };
        Ok(Self {
            credentials,
            origins: Mutex::new(HashMap::new()),
            negotiations: AtomicU64::new(0),
        })
    }

    /// The cookie state of one RM.
    pub(crate) fn origin(&self, origin: &str) -> Arc<Origin> {
        lock(&self.origins)
            .entry(origin.to_string())
            .or_default()
            .clone()
    }

    /// How many SPNEGO tokens were made (each is one negotiation).
    pub(crate) fn negotiations(&self) -> u64 {
        self.negotiations.load(Ordering::Relaxed)
    }

    /// Makes the `Authorization: Negotiate …` value for the RM at `target`.
    pub(crate) async fn initiate(
        &self,
        target: &Target,
    ) -> Result<(ClientContext, String), LaunchError> {
        let credentials = self.credentials.clone();
        let host = target.host.clone();
        let started = std::time::Instant::now();
        let result = tokio::task::spawn_blocking(move || {
            ClientContext::initiate(SERVICE, &host, &credentials)
        })
        .await
        .map_err(|e| LaunchError::Other(cause!("the SPNEGO task failed: {e}")).caused_by(e))?;
        match result {
            Ok((ctx, token)) => {
                let n = self.negotiations.fetch_add(1, Ordering::Relaxed) + 1;
                info!(
                    rm = %target.origin,
                    principal = %format!("{SERVICE}@{}", target.host),
                    negotiations = n,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "SPNEGO token made for the ResourceManager"
                );
                Ok((ctx, format!("Negotiate {}", BASE64.encode(token))))
            }
            Err(e) => Err(LaunchError::Other(self.token_error(target, &e).into())),
        }
    }

    /// Verifies the RM's own token (mutual authentication).
    pub(crate) async fn verify(
        &self,
        target: &Target,
        mut ctx: ClientContext,
        server_token: &str,
    ) -> Result<(), LaunchError> {
        let bytes = BASE64.decode(server_token.trim()).map_err(|e| {
            LaunchError::Other(cause!(
                "the ResourceManager at {} answered with a Negotiate token that is not base64 ({e})",
                target.origin
            ))
        })?;
        let result =
            tokio::task::spawn_blocking(move || ctx.step(&bytes).map(|_| ctx.is_complete()))
                .await
                .map_err(|e| {
                    LaunchError::Other(cause!("the SPNEGO task failed: {e}")).caused_by(e)
                })?;
        match result {
            Ok(complete) => {
                debug!(rm = %target.origin, complete, "the ResourceManager's SPNEGO answer verified");
                Ok(())
            }
            Err(e) => Err(LaunchError::Other(cause!(
                "the ResourceManager at {} answered, but its Kerberos reply does not prove it is {SERVICE}/{}: {e}; check that the RM's web keytab (yarn.resourcemanager.webapp.spnego-keytab-file) holds the current key of that principal",
                target.origin, target.host
            ))),
        }
    }

    /// Who the launcher authenticates as, for messages.
    fn who(&self) -> String {
        match &self.credentials {
            InitiatorCredentials::Default => {
                "the default Kerberos credential cache (KRB5CCNAME)".to_string()
            }
            InitiatorCredentials::Keytab {
                principal, keytab, ..
            } => format!("{principal} (keytab {})", keytab.display()),
        }
    }

    fn credentials_hint(&self) -> &'static str {
        match &self.credentials {
            InitiatorCredentials::Default => {
                "launcher.kerberos_principal and launcher.kerberos_keytab are not set, so the ticket cache of KRB5CCNAME is used: run kinit as the provisioner's user, or set launcher.kerberos_principal and launcher.kerberos_keytab so the provisioner logs in by itself"
            }
            InitiatorCredentials::Keytab { .. } => {
                "check launcher.kerberos_principal and launcher.kerberos_keytab: the principal must exist in the realm's KDC (see krb5.conf, KRB5_CONFIG) and the keytab must hold its current keys (klist -kte <keytab>)"
            }
        }
    }

    fn token_error(&self, target: &Target, e: &GssError) -> String {
        let rm = &target.origin;
        let service = format!("{SERVICE}/{}", target.host);
        let doing = match e.call() {
            Some("gss_acquire_cred_from") | Some("gss_import_name") if !e.is_unknown_service() => {
                format!("cannot get Kerberos credentials for {}", self.who())
            }
            _ => format!(
                "cannot get a Kerberos service ticket for {service} as {}",
                self.who()
            ),
        };
        let hint = if e.is_unknown_service() {
            format!(
                "the KDC does not know {service}: list the ResourceManagers in launcher.resource_managers by the host names of their HTTP principals (usually fully qualified, as in yarn.resourcemanager.webapp.address)"
            )
        } else if matches!(e, GssError::Unavailable(_)) {
            "install the library, or set launcher.yarn_spnego = false if the ResourceManagers do not use Kerberos".to_string()
        } else {
            self.credentials_hint().to_string()
        };
        format!("SPNEGO to the ResourceManager at {rm} failed: {doing}: {e}; {hint}")
    }

    /// The RM did not take the token.
    pub(crate) fn rejected(&self, target: &Target, status: u16, reason: &str) -> LaunchError {
        LaunchError::Other(cause!(
            "the ResourceManager at {} rejected the Kerberos (SPNEGO) authentication of {} with {status}: {reason}; check that the RM's web principal {SERVICE}/{} and its keytab match the KDC, that the clocks agree, and {}",
            target.origin,
            self.who(),
            target.host,
            self.credentials_hint()
        ))
    }
}

/// The error for an RM demanding SPNEGO when it is not configured.
pub(crate) fn not_configured(origin: &str) -> LaunchError {
    LaunchError::Other(cause!(
        "the ResourceManager at {origin} requires SPNEGO (Kerberos) HTTP authentication: set launcher.yarn_spnego = true, with launcher.kerberos_principal and launcher.kerberos_keytab (or a ticket cache from kinit in KRB5CCNAME)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn negotiate_challenges_are_read() {
        assert_eq!(negotiate_challenge(&headers(&[])), None);
        assert_eq!(
            negotiate_challenge(&headers(&[("www-authenticate", "Basic realm=\"x\"")])),
            None
        );
        assert_eq!(
            negotiate_challenge(&headers(&[("www-authenticate", "Negotiate")])),
            Some(None)
        );
        assert_eq!(
            negotiate_challenge(&headers(&[
                ("www-authenticate", "Basic realm=\"x\""),
                (
                    "www-authenticate",
                    "negotiate oRQwEqADCgEAoQsGCSqGSIb3EgECAg=="
                )
            ])),
            Some(Some("oRQwEqADCgEAoQsGCSqGSIb3EgECAg==".into()))
        );
        assert_eq!(
            negotiate_challenge(&headers(&[("www-authenticate", "NegotiateX abc")])),
            None
        );
    }

    #[test]
    fn cookies_are_kept_replaced_and_cleared() {
        let o = Origin::default();
        assert_eq!(o.cookie_header(), (None, 0));
        assert!(o.update(&[
            "hadoop.auth=\"u=provisioner&p=provisioner@CDP.TEST&t=kerberos&e=1&s=abc\"; Path=/; HttpOnly".into()
        ]));
        let (header, generation) = o.cookie_header();
        assert_eq!(
            header.as_deref(),
            Some("hadoop.auth=\"u=provisioner&p=provisioner@CDP.TEST&t=kerberos&e=1&s=abc\"")
        );
        assert_eq!(generation, 1);
        // Hadoop clears the cookie with an empty value when it refuses it.
        assert!(!o.update(&[
            "hadoop.auth=; Path=/; Expires=Thu, 01-Jan-1970 00:00:00 GMT; HttpOnly".into()
        ]));
        assert_eq!(o.cookie_header().0, None);
        assert!(o.update(&["a=1".into(), "b=2; Max-Age=3600".into()]));
        assert_eq!(o.cookie_header().0.as_deref(), Some("a=1; b=2"));
        o.update(&["a=1; Max-Age=0".into()]);
        assert_eq!(o.cookie_header().0.as_deref(), Some("b=2"));
        let before = o.generation();
        o.clear();
        assert_eq!(o.cookie_header().0, None);
        assert!(o.generation() > before);
    }

    #[test]
    fn targets_are_the_host_asked() {
        assert_eq!(
            Target::of("http://rm1.example.com:8088/ws/v1/cluster/apps/x").expect("url"),
            Target {
                origin: "http://rm1.example.com:8088".into(),
                host: "rm1.example.com".into()
            }
        );
        assert_eq!(
            Target::of("https://[::1]:8090/ws").expect("url").host,
            "::1"
        );
        assert!(Target::of("not a url").is_err());
    }

    fn spnego(credentials: InitiatorCredentials) -> Spnego {
        Spnego {
            credentials,
            origins: Mutex::new(HashMap::new()),
            negotiations: AtomicU64::new(0),
        }
    }

    #[test]
    fn token_errors_name_the_setting_at_fault() {
        let target = Target::of("http://rm1.example.com:8088/ws").expect("url");
        let keytab = spnego(InitiatorCredentials::Keytab {
            principal: "svc@EXAMPLE.COM".into(),
            keytab: "svc.keytab".into(),
            ccache: "MEMORY:x".into(),
        });
        let unknown_service = GssError::Call {
            call: "gss_init_sec_context",
            major: 0x000d_0000,
            minor: (-1_765_328_377_i32) as u32,
            message: "Unspecified GSS failure: Server not found in Kerberos database".into(),
        };
        let msg = keytab.token_error(&target, &unknown_service);
        assert!(
            msg.contains(
                "service ticket for HTTP/rm1.example.com as svc@EXAMPLE.COM (keytab svc.keytab)"
            ),
            "{msg}"
        );
        assert!(
            msg.contains("Server not found in Kerberos database"),
            "{msg}"
        );
        assert!(msg.contains("launcher.resource_managers"), "{msg}");
        assert!(!msg.contains("launcher.kerberos_keytab"), "{msg}");

        let no_keys = GssError::Call {
            call: "gss_acquire_cred_from",
            major: 0x0007_0000,
            minor: 1,
            message: "No credentials were supplied".into(),
        };
        let msg = keytab.token_error(&target, &no_keys);
        assert!(
            msg.contains("cannot get Kerberos credentials for svc@EXAMPLE.COM"),
            "{msg}"
        );
        assert!(
            msg.contains("launcher.kerberos_principal and launcher.kerberos_keytab"),
            "{msg}"
        );

        let default = spnego(InitiatorCredentials::Default);
        let expired = GssError::Call {
            call: "gss_init_sec_context",
            major: 0x000b_0000,
            minor: 2,
            message: "The referenced credential has expired".into(),
        };
        let msg = default.token_error(&target, &expired);
        assert!(
            msg.contains("default Kerberos credential cache (KRB5CCNAME)"),
            "{msg}"
        );
        assert!(msg.contains("run kinit"), "{msg}");
    }

    #[test]
    fn not_configured_names_the_setting() {
        let LaunchError::Other(msg) = not_configured("http://rm1:8088") else {
            panic!("Other expected")
        };
        assert!(msg.contains("launcher.yarn_spnego = true"), "{msg}");
        assert!(msg.contains("SPNEGO"), "{msg}");
    }
}
