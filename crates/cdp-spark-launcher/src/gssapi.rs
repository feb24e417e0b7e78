//! The few GSSAPI calls SPNEGO needs, from MIT Kerberos'
//! `libgssapi_krb5.so.2` loaded at run time (no Kerberos headers or
//! libclang at build time; a machine without the library fails with an
//! error naming the package to install).
//!
//! All `unsafe` of the SPNEGO support lives here, behind a safe API:
//! [`ClientContext`] (initiator: a token for `HTTP@host`, then verifying the
//! server's answer) and [`Acceptor`] (the server side, used by the tests'
//! fake ResourceManager and by anyone checking tokens). The C declarations
//! follow MIT krb5's `gssapi.h` and `gssapi_ext.h` (release 1.11 or later
//! for the credential store, `gss_acquire_cred_from`).
//!
//! GSSAPI calls may block (a KDC round trip): call them from a blocking
//! thread (`tokio::task::spawn_blocking`), never on an async worker.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void, CString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::OnceLock;

use libloading::Library;

use crate::error_chain;

/// The library loaded at run time (MIT Kerberos' GSSAPI mechanism).
pub const LIBRARY: &str = "libgssapi_krb5.so.2";

/// What to install when [`LIBRARY`] is missing.
const PACKAGE_HINT: &str =
    "install the MIT Kerberos GSSAPI library: package libgssapi-krb5-2 (Debian, Ubuntu) or krb5-libs (RHEL)";

// ------------------------------------------------------------ C types ---

type OM_uint32 = u32;

#[repr(C)]
struct gss_buffer_desc {
    length: usize,
    value: *mut c_void,
}

#[repr(C)]
struct gss_OID_desc {
    length: OM_uint32,
    elements: *mut c_void,
}

#[repr(C)]
struct gss_OID_set_desc {
    count: usize,
    elements: *mut gss_OID_desc,
}

#[repr(C)]
struct gss_key_value_element_desc {
    key: *const c_char,
    value: *const c_char,
}

#[repr(C)]
struct gss_key_value_set_desc {
    count: OM_uint32,
    elements: *mut gss_key_value_element_desc,
}

enum gss_name_struct {}
enum gss_cred_id_struct {}
enum gss_ctx_id_struct {}
type gss_name_t = *mut gss_name_struct;
type gss_cred_id_t = *mut gss_cred_id_struct;
type gss_ctx_id_t = *mut gss_ctx_id_struct;
type gss_cred_usage_t = c_int;
/// `gss_channel_bindings_t`; always `GSS_C_NO_CHANNEL_BINDINGS` here.
type gss_channel_bindings_t = *mut c_void;

type ImportNameFn = unsafe extern "C" fn(
    *mut OM_uint32,
    *mut gss_buffer_desc,
    *mut gss_OID_desc,
    *mut gss_name_t,
) -> OM_uint32;
type DisplayNameFn = unsafe extern "C" fn(
    *mut OM_uint32,
    gss_name_t,
    *mut gss_buffer_desc,
    *mut *mut gss_OID_desc,
) -> OM_uint32;
type AcquireCredFromFn = unsafe extern "C" fn(
    *mut OM_uint32,
    gss_name_t,
    OM_uint32,
    *mut gss_OID_set_desc,
    gss_cred_usage_t,
    *const gss_key_value_set_desc,
    *mut gss_cred_id_t,
    *mut *mut gss_OID_set_desc,
    *mut OM_uint32,
) -> OM_uint32;
type InitSecContextFn = unsafe extern "C" fn(
    *mut OM_uint32,
    gss_cred_id_t,
    *mut gss_ctx_id_t,
    gss_name_t,
    *mut gss_OID_desc,
    OM_uint32,
    OM_uint32,
    gss_channel_bindings_t,
    *mut gss_buffer_desc,
    *mut *mut gss_OID_desc,
    *mut gss_buffer_desc,
    *mut OM_uint32,
    *mut OM_uint32,
) -> OM_uint32;
type AcceptSecContextFn = unsafe extern "C" fn(
    *mut OM_uint32,
    *mut gss_ctx_id_t,
    gss_cred_id_t,
    *mut gss_buffer_desc,
    gss_channel_bindings_t,
    *mut gss_name_t,
    *mut *mut gss_OID_desc,
    *mut gss_buffer_desc,
    *mut OM_uint32,
    *mut OM_uint32,
    *mut gss_cred_id_t,
) -> OM_uint32;
type ReleaseBufferFn = unsafe extern "C" fn(*mut OM_uint32, *mut gss_buffer_desc) -> OM_uint32;
type ReleaseNameFn = unsafe extern "C" fn(*mut OM_uint32, *mut gss_name_t) -> OM_uint32;
type ReleaseCredFn = unsafe extern "C" fn(*mut OM_uint32, *mut gss_cred_id_t) -> OM_uint32;
type DeleteSecContextFn =
    unsafe extern "C" fn(*mut OM_uint32, *mut gss_ctx_id_t, *mut gss_buffer_desc) -> OM_uint32;
type DisplayStatusFn = unsafe extern "C" fn(
    *mut OM_uint32,
    OM_uint32,
    c_int,
    *mut gss_OID_desc,
    *mut OM_uint32,
    *mut gss_buffer_desc,
) -> OM_uint32;

const GSS_S_COMPLETE: OM_uint32 = 0;
const GSS_S_CONTINUE_NEEDED: OM_uint32 = 1;
/// The calling and routine error fields of a major status (`GSS_ERROR`).
const GSS_ERROR_MASK: OM_uint32 = 0xffff_0000;
const GSS_C_MUTUAL_FLAG: OM_uint32 = 2;
const GSS_C_INITIATE: gss_cred_usage_t = 1;
const GSS_C_ACCEPT: gss_cred_usage_t = 2;
const GSS_C_GSS_CODE: c_int = 1;
const GSS_C_MECH_CODE: c_int = 2;

/// `KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN` (krb5 error table base -1765328384 + 7):
/// the KDC does not know the service principal.
const KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN: OM_uint32 = (-1_765_328_377_i32) as OM_uint32;

/// SPNEGO, 1.3.6.1.5.5.2 (RFC 4178), what Hadoop's
/// `KerberosAuthenticationHandler` negotiates.
const SPNEGO_MECH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
/// The Kerberos 5 mechanism, 1.2.840.113554.1.2.2 (RFC 1964), which SPNEGO
/// negotiates with Hadoop.
const KRB5_MECH: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
/// `GSS_C_NT_HOSTBASED_SERVICE`, 1.2.840.113554.1.2.1.4: `service@host`.
const NT_HOSTBASED_SERVICE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x04];
/// `GSS_KRB5_NT_PRINCIPAL_NAME`, 1.2.840.113554.1.2.2.1: `name@REALM`.
const NT_KRB5_PRINCIPAL: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01];

/// An OID descriptor pointing at static bytes; GSSAPI only reads it.
fn oid(bytes: &'static [u8]) -> gss_OID_desc {
    gss_OID_desc {
        length: bytes.len() as OM_uint32,
        elements: bytes.as_ptr() as *mut c_void,
    }
}

/// A buffer descriptor pointing at `bytes`; GSSAPI only reads input buffers.
fn input_buffer(bytes: &[u8]) -> gss_buffer_desc {
    gss_buffer_desc {
        length: bytes.len(),
        value: bytes.as_ptr() as *mut c_void,
    }
}

fn empty_buffer() -> gss_buffer_desc {
    gss_buffer_desc {
        length: 0,
        value: ptr::null_mut(),
    }
}

// ------------------------------------------------------------ library ---

/// The resolved functions. The `Library` is kept so the pointers stay valid.
struct Gss {
    _lib: Library,
    import_name: ImportNameFn,
    display_name: DisplayNameFn,
    acquire_cred_from: AcquireCredFromFn,
    init_sec_context: InitSecContextFn,
    accept_sec_context: AcceptSecContextFn,
    release_buffer: ReleaseBufferFn,
    release_name: ReleaseNameFn,
    release_cred: ReleaseCredFn,
    delete_sec_context: DeleteSecContextFn,
    display_status: DisplayStatusFn,
}

fn load(name: &str) -> Result<Gss, GssError> {
    let unavailable = |what: String| GssError::Unavailable(format!("{what}; {PACKAGE_HINT}"));
    // SAFETY: loading MIT's GSSAPI library runs its initialisers, which
    // have no preconditions on the caller.
    let lib = unsafe { Library::new(name) }
        .map_err(|e| unavailable(format!("cannot load {name} ({})", error_chain(&e))))?;
    macro_rules! sym {
        ($name:literal) => {
            // SAFETY: the function type is declared above after MIT krb5's
            // gssapi.h / gssapi_ext.h; the pointer is copied out and stays
            // valid as long as `_lib` is kept in `Gss`.
            *unsafe { lib.get($name) }.map_err(|e| {
                unavailable(format!(
                    "{name} has no {} ({}); MIT Kerberos 1.11 or later is needed",
                    String::from_utf8_lossy(&$name[..$name.len() - 1]),
                    error_chain(&e)
                ))
            })?
        };
    }
    let import_name: ImportNameFn = sym!(b"gss_import_name\0");
    let display_name: DisplayNameFn = sym!(b"gss_display_name\0");
    let acquire_cred_from: AcquireCredFromFn = sym!(b"gss_acquire_cred_from\0");
    let init_sec_context: InitSecContextFn = sym!(b"gss_init_sec_context\0");
    let accept_sec_context: AcceptSecContextFn = sym!(b"gss_accept_sec_context\0");
    let release_buffer: ReleaseBufferFn = sym!(b"gss_release_buffer\0");
    let release_name: ReleaseNameFn = sym!(b"gss_release_name\0");
    let release_cred: ReleaseCredFn = sym!(b"gss_release_cred\0");
    let delete_sec_context: DeleteSecContextFn = sym!(b"gss_delete_sec_context\0");
    let display_status: DisplayStatusFn = sym!(b"gss_display_status\0");
    Ok(Gss {
        _lib: lib,
        import_name,
        display_name,
        acquire_cred_from,
        init_sec_context,
        accept_sec_context,
        release_buffer,
        release_name,
        release_cred,
        delete_sec_context,
        display_status,
    })
}

/// The process-wide library, loaded on first use.
fn gss() -> Result<&'static Gss, GssError> {
    static GSS: OnceLock<Result<Gss, GssError>> = OnceLock::new();
    GSS.get_or_init(|| load(LIBRARY))
        .as_ref()
        .map_err(Clone::clone)
}

/// Loads the library now, so that a machine without it fails at start-up
/// rather than at the first request.
pub fn ensure_available() -> Result<(), GssError> {
    gss().map(|_| ())
}

// -------------------------------------------------------------- errors ---

/// A GSSAPI failure, with GSSAPI's own text for both status codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GssError {
    /// The library or one of its functions is missing.
    Unavailable(String),
    /// A call failed.
    Call {
        /// The GSSAPI function, e.g. `gss_init_sec_context`.
        call: &'static str,
        major: u32,
        minor: u32,
        /// `gss_display_status` of the major, then of the minor status.
        message: String,
    },
    /// Something this module refuses before calling GSSAPI.
    Invalid(String),
}

impl GssError {
    /// The KDC does not know the service principal asked for. Through
    /// SPNEGO the Kerberos minor code arrives wrapped in SPNEGO's own, so
    /// MIT's text for it ("Server … not found in Kerberos database") is
    /// recognised too.
    pub fn is_unknown_service(&self) -> bool {
        match self {
            GssError::Call { minor, message, .. } => {
                *minor == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN
                    || message.split(": ").any(|part| {
                        part.starts_with("Server ")
                            && part.ends_with("not found in Kerberos database")
                    })
            }
            _ => false,
        }
    }

    /// The GSSAPI function that failed, if one did.
    pub fn call(&self) -> Option<&'static str> {
        match self {
            GssError::Call { call, .. } => Some(call),
            _ => None,
        }
    }
}

impl fmt::Display for GssError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GssError::Unavailable(m) | GssError::Invalid(m) => f.write_str(m),
            GssError::Call {
                call,
                major,
                minor,
                message,
            } => write!(
                f,
                "{call} failed: {message} (GSS major 0x{major:08x}, minor {})",
                *minor as i32
            ),
        }
    }
}

impl std::error::Error for GssError {}

impl Gss {
    /// The texts of one status code (`gss_display_status` may give several).
    fn status_text(&self, code: OM_uint32, kind: c_int) -> String {
        let mut parts = Vec::new();
        let mut message_context: OM_uint32 = 0;
        // At most a few messages per code; bound the loop against a broken
        // library.
        for _ in 0..8 {
            let mut minor = 0;
            let mut out = empty_buffer();
            // SAFETY: all pointers are to live locals; a NULL mech OID
            // (GSS_C_NO_OID) is allowed; `out` is released below.
            let major = unsafe {
                (self.display_status)(
                    &mut minor,
                    code,
                    kind,
                    ptr::null_mut(),
                    &mut message_context,
                    &mut out,
                )
            };
            if major & GSS_ERROR_MASK != 0 {
                break;
            }
            let text = self.take_buffer(&mut out);
            let text = String::from_utf8_lossy(&text).trim().to_string();
            if !text.is_empty() {
                parts.push(text);
            }
            if message_context == 0 {
                break;
            }
        }
        parts.join(", ")
    }

    fn error(&self, call: &'static str, major: OM_uint32, minor: OM_uint32) -> GssError {
        let mut message = self.status_text(major, GSS_C_GSS_CODE);
        if minor != 0 {
            let minor_text = self.status_text(minor, GSS_C_MECH_CODE);
            if !minor_text.is_empty() {
                message.push_str(": ");
                message.push_str(&minor_text);
            }
        }
        if message.is_empty() {
            message = "no message from GSSAPI".into();
        }
        GssError::Call {
            call,
            major,
            minor,
            message,
        }
    }

    /// Copies a buffer GSSAPI allocated and releases it.
    fn take_buffer(&self, buf: &mut gss_buffer_desc) -> Vec<u8> {
        let bytes = if buf.value.is_null() || buf.length == 0 {
            Vec::new()
        } else {
            // SAFETY: GSSAPI filled `buf` with `length` readable bytes at
            // `value`, owned by it until gss_release_buffer.
            unsafe { std::slice::from_raw_parts(buf.value as *const u8, buf.length) }.to_vec()
        };
        let mut minor = 0;
        // SAFETY: `buf` came from GSSAPI (or is empty, which it accepts).
        unsafe { (self.release_buffer)(&mut minor, buf) };
        bytes
    }

    fn import_name(&'static self, name: &str, name_type: &'static [u8]) -> Result<Name, GssError> {
        let mut buf = input_buffer(name.as_bytes());
        let mut kind = oid(name_type);
        let mut out: gss_name_t = ptr::null_mut();
        let mut minor = 0;
        // SAFETY: `buf` and `kind` point at live data GSSAPI only reads;
        // `out` receives a name released by `Name::drop`.
        let major = unsafe { (self.import_name)(&mut minor, &mut buf, &mut kind, &mut out) };
        if major & GSS_ERROR_MASK != 0 {
            return Err(self.error("gss_import_name", major, minor));
        }
        Ok(Name {
            gss: self,
            raw: out,
        })
    }

    fn display_name(&self, name: gss_name_t) -> Result<String, GssError> {
        let mut out = empty_buffer();
        let mut minor = 0;
        // SAFETY: `name` is a live name; the name type output is optional
        // (NULL); `out` is released by take_buffer.
        let major = unsafe { (self.display_name)(&mut minor, name, &mut out, ptr::null_mut()) };
        if major & GSS_ERROR_MASK != 0 {
            return Err(self.error("gss_display_name", major, minor));
        }
        Ok(String::from_utf8_lossy(&self.take_buffer(&mut out)).into_owned())
    }

    /// `gss_acquire_cred_from` with a credential store (`key=value` pairs).
    fn acquire_cred(
        &'static self,
        name: Option<&Name>,
        usage: gss_cred_usage_t,
        mech: Option<&'static [u8]>,
        store: &[(&str, CString)],
    ) -> Result<Cred, GssError> {
        let keys: Vec<CString> = store
            .iter()
            .map(|(k, _)| CString::new(*k))
            .collect::<Result<_, _>>()
            .map_err(|_| GssError::Invalid("a credential store key contains NUL".into()))?;
        let mut elements: Vec<gss_key_value_element_desc> = keys
            .iter()
            .zip(store)
            .map(|(k, (_, v))| gss_key_value_element_desc {
                key: k.as_ptr(),
                value: v.as_ptr(),
            })
            .collect();
        let set = gss_key_value_set_desc {
            count: elements.len() as OM_uint32,
            elements: elements.as_mut_ptr(),
        };
        let mut mech_oid = mech.map(oid);
        let mut mechs = mech_oid.as_mut().map(|m| gss_OID_set_desc {
            count: 1,
            elements: m,
        });
        let mechs_ptr = mechs
            .as_mut()
            .map_or(ptr::null_mut(), |m| m as *mut gss_OID_set_desc);
        let mut out: gss_cred_id_t = ptr::null_mut();
        let mut minor = 0;
        // SAFETY: the store's strings (`keys`, `store`) and `elements`,
        // `mech_oid` and `mechs` outlive the call and are only read; a NULL
        // name (GSS_C_NO_NAME), mech set (GSS_C_NO_OID_SET), actual mechs and
        // time are allowed; `out` is released by `Cred::drop`.
        let major = unsafe {
            (self.acquire_cred_from)(
                &mut minor,
                name.map_or(ptr::null_mut(), |n| n.raw),
                0,
                mechs_ptr,
                usage,
                &set,
                &mut out,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if major & GSS_ERROR_MASK != 0 {
            return Err(self.error("gss_acquire_cred_from", major, minor));
        }
        Ok(Cred {
            gss: self,
            raw: out,
        })
    }
}

/// An imported name, released on drop.
struct Name {
    gss: &'static Gss,
    raw: gss_name_t,
}

impl Drop for Name {
    fn drop(&mut self) {
        let mut minor = 0;
        // SAFETY: `raw` came from gss_import_name or gss_accept_sec_context
        // and is released once.
        unsafe { (self.gss.release_name)(&mut minor, &mut self.raw) };
    }
}

/// A credential handle, released on drop.
struct Cred {
    gss: &'static Gss,
    raw: gss_cred_id_t,
}

impl Drop for Cred {
    fn drop(&mut self) {
        let mut minor = 0;
        // SAFETY: `raw` came from gss_acquire_cred_from and is released once.
        unsafe { (self.gss.release_cred)(&mut minor, &mut self.raw) };
    }
}

/// A security context, deleted on drop.
struct Context {
    gss: &'static Gss,
    raw: gss_ctx_id_t,
}

impl Drop for Context {
    fn drop(&mut self) {
        if self.raw.is_null() {
            return;
        }
        let mut minor = 0;
        // SAFETY: `raw` came from gss_init/accept_sec_context and is deleted
        // once; no output token is wanted (GSS_C_NO_BUFFER).
        unsafe { (self.gss.delete_sec_context)(&mut minor, &mut self.raw, ptr::null_mut()) };
    }
}

fn path_cstring(prefix: &str, path: &Path) -> Result<CString, GssError> {
    let mut bytes = prefix.as_bytes().to_vec();
    bytes.extend_from_slice(path.as_os_str().as_bytes());
    CString::new(bytes)
        .map_err(|_| GssError::Invalid(format!("the path {} contains NUL", path.display())))
}

// ----------------------------------------------------------- initiator ---

/// Where the initiator's Kerberos credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitiatorCredentials {
    /// The default credential cache (`KRB5CCNAME`, filled by `kinit`).
    Default,
    /// Tickets for `principal` obtained (and renewed) from `keytab` into
    /// the credential cache `ccache` (e.g. `MEMORY:name`, private to the
    /// process): no `kinit` needed.
    Keytab {
        principal: String,
        keytab: PathBuf,
        ccache: String,
    },
}

/// An initiator's SPNEGO security context with one service.
pub struct ClientContext {
    // Field order is drop order: the context before the name and the
    // credentials it refers to.
    ctx: Context,
    target: Name,
    cred: Option<Cred>,
    complete: bool,
}

// SAFETY: MIT's GSSAPI lets a context, name or credential be used from any
// thread as long as calls on it do not overlap; `ClientContext` is not
// `Sync` and every call takes `&mut self` or `self`.
unsafe impl Send for ClientContext {}

impl fmt::Debug for ClientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientContext")
            .field("complete", &self.complete)
            .finish_non_exhaustive()
    }
}

impl ClientContext {
    /// Starts a SPNEGO context with `service@host` (a
    /// `GSS_C_NT_HOSTBASED_SERVICE` name, e.g. `HTTP@rm1.example.com`),
    /// asking for mutual authentication, and returns it with the first
    /// token to send. May block on the KDC.
    pub fn initiate(
        service: &str,
        host: &str,
        credentials: &InitiatorCredentials,
    ) -> Result<(Self, Vec<u8>), GssError> {
        if service.is_empty() || host.is_empty() || host.contains('@') {
            return Err(GssError::Invalid(format!(
                "'{service}@{host}' is not a host-based service name"
            )));
        }
        let gss = gss()?;
        let target = gss.import_name(&format!("{service}@{host}"), NT_HOSTBASED_SERVICE)?;
        let cred = match credentials {
            InitiatorCredentials::Default => None,
            InitiatorCredentials::Keytab {
                principal,
                keytab,
                ccache,
            } => {
                let name = gss.import_name(principal, NT_KRB5_PRINCIPAL)?;
                let ccache = CString::new(ccache.as_str()).map_err(|_| {
                    GssError::Invalid("the credential cache name contains NUL".into())
                })?;
                let store = [
                    ("client_keytab", path_cstring("FILE:", keytab)?),
                    ("ccache", ccache),
                ];
                match gss.acquire_cred(Some(&name), GSS_C_INITIATE, Some(SPNEGO_MECH), &store) {
                    Ok(cred) => Some(cred),
                    // SPNEGO only says that no mechanism had credentials;
                    // the Kerberos mechanism says why.
                    Err(spnego) => {
                        return Err(gss
                            .acquire_cred(Some(&name), GSS_C_INITIATE, Some(KRB5_MECH), &store)
                            .err()
                            .unwrap_or(spnego))
                    }
                }
            }
        };
        let mut this = Self {
            ctx: Context {
                gss,
                raw: ptr::null_mut(),
            },
            target,
            cred,
            complete: false,
        };
        let token = this.init(None)?;
        Ok((this, token))
    }

    /// Feeds the server's token (SPNEGO's `negTokenResp`) to the context:
    /// with mutual authentication it proves the server holds the key of
    /// the service principal. Returns a further token to send, if any.
    pub fn step(&mut self, server_token: &[u8]) -> Result<Vec<u8>, GssError> {
        self.init(Some(server_token))
    }

    /// The context is established (the server's answer verified).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    fn init(&mut self, input: Option<&[u8]>) -> Result<Vec<u8>, GssError> {
        let gss = self.ctx.gss;
        let mut mech = oid(SPNEGO_MECH);
        let mut input_buf = input.map(input_buffer);
        let input_ptr = input_buf
            .as_mut()
            .map_or(ptr::null_mut(), |b| b as *mut gss_buffer_desc);
        let mut out = empty_buffer();
        let mut minor = 0;
        // SAFETY: the credential (or GSS_C_NO_CREDENTIAL), context and name
        // handles are live and used by this thread only; `mech` and the
        // input token outlive the call and are only read; NULL channel
        // bindings, actual mech, flags and time outputs are allowed; `out`
        // is released by take_buffer.
        let major = unsafe {
            (gss.init_sec_context)(
                &mut minor,
                self.cred.as_ref().map_or(ptr::null_mut(), |c| c.raw),
                &mut self.ctx.raw,
                self.target.raw,
                &mut mech,
                GSS_C_MUTUAL_FLAG,
                0,
                ptr::null_mut(),
                input_ptr,
                ptr::null_mut(),
                &mut out,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        let token = gss.take_buffer(&mut out);
        if major & GSS_ERROR_MASK != 0 {
            return Err(gss.error("gss_init_sec_context", major, minor));
        }
        self.complete = major & GSS_S_CONTINUE_NEEDED == 0;
        Ok(token)
    }
}

// ------------------------------------------------------------ acceptor ---

/// What [`Acceptor::accept`] found in a client's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The authenticated client principal, e.g. `provisioner@CDP.TEST`.
    pub client: String,
    /// The token to return (`WWW-Authenticate: Negotiate <token>`).
    pub output: Vec<u8>,
}

/// The accepting side of SPNEGO for one service principal, with its keys
/// from a keytab: what Hadoop's `KerberosAuthenticationHandler` does with
/// a client's token. Each [`accept`](Acceptor::accept) is one leg, as in
/// Hadoop, which keeps no context between HTTP requests.
#[doc(hidden)]
pub struct Acceptor {
    cred: Cred,
}

// SAFETY: as for `ClientContext`, a credential handle may move between
// threads; `Acceptor` is not `Sync`, so callers that share one put it in a
// `Mutex` and calls never overlap.
unsafe impl Send for Acceptor {}

impl Acceptor {
    /// Acceptor credentials for `service@host` (e.g. `HTTP@localhost`,
    /// that is `HTTP/localhost@REALM`) from `keytab`.
    pub fn new(service: &str, host: &str, keytab: &Path) -> Result<Self, GssError> {
        let gss = gss()?;
        let name = gss.import_name(&format!("{service}@{host}"), NT_HOSTBASED_SERVICE)?;
        let store = [("keytab", path_cstring("FILE:", keytab)?)];
        let cred = gss.acquire_cred(Some(&name), GSS_C_ACCEPT, None, &store)?;
        Ok(Self { cred })
    }

    /// Verifies a client's initial token in one leg. A token that needs
    /// more legs is refused, as Hadoop refuses it.
    pub fn accept(&self, token: &[u8]) -> Result<Accepted, GssError> {
        let gss = self.cred.gss;
        let mut ctx = Context {
            gss,
            raw: ptr::null_mut(),
        };
        let mut input = input_buffer(token);
        let mut src: gss_name_t = ptr::null_mut();
        let mut out = empty_buffer();
        let mut minor = 0;
        // SAFETY: the credential is live; `input` outlives the call and is
        // only read; `ctx`, `src` and `out` receive objects released below
        // (Context::drop, Name::drop, take_buffer); NULL bindings, mech,
        // flags, time and delegated credential outputs are allowed.
        let major = unsafe {
            (gss.accept_sec_context)(
                &mut minor,
                &mut ctx.raw,
                self.cred.raw,
                &mut input,
                ptr::null_mut(),
                &mut src,
                ptr::null_mut(),
                &mut out,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        let src = Name { gss, raw: src };
        let output = gss.take_buffer(&mut out);
        if major & GSS_ERROR_MASK != 0 {
            return Err(gss.error("gss_accept_sec_context", major, minor));
        }
        if major != GSS_S_COMPLETE {
            return Err(GssError::Invalid(
                "the client's token needs more than one leg, which HTTP SPNEGO does not carry"
                    .into(),
            ));
        }
        let client = gss.display_name(src.raw)?;
        Ok(Accepted { client, output })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_names_the_package_to_install() {
        match load("libgssapi_krb5_cdp_missing.so.9") {
            Err(GssError::Unavailable(msg)) => {
                assert!(msg.contains("libgssapi_krb5_cdp_missing.so.9"), "{msg}");
                assert!(msg.contains("libgssapi-krb5-2"), "{msg}");
            }
            Err(other) => panic!("expected Unavailable, got {other}"),
            Ok(_) => panic!("a library that does not exist loaded"),
        }
    }

    #[test]
    fn the_oids_are_the_documented_ones() {
        fn dotted(der: &[u8]) -> String {
            let mut arcs = vec![u64::from(der[0] / 40), u64::from(der[0] % 40)];
            let mut acc = 0u64;
            for b in &der[1..] {
                acc = (acc << 7) | u64::from(b & 0x7f);
                if b & 0x80 == 0 {
                    arcs.push(acc);
                    acc = 0;
                }
            }
            arcs.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".")
        }
        assert_eq!(dotted(SPNEGO_MECH), "1.3.6.1.5.5.2");
        assert_eq!(dotted(KRB5_MECH), "1.2.840.113554.1.2.2");
        assert_eq!(dotted(NT_HOSTBASED_SERVICE), "1.2.840.113554.1.2.1.4");
        assert_eq!(dotted(NT_KRB5_PRINCIPAL), "1.2.840.113554.1.2.2.1");
    }

    #[test]
    fn errors_show_gssapi_codes_and_text() {
        let e = GssError::Call {
            call: "gss_init_sec_context",
            major: 0x000d_0000,
            minor: KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN,
            message: "Unspecified GSS failure: Server not found in Kerberos database".into(),
        };
        assert!(e.is_unknown_service());
        let wrapped = GssError::Call {
            call: "gss_init_sec_context",
            major: 0x000d_0000,
            minor: 100_005,
            message: "Unspecified GSS failure.  Minor code may provide more information: Server HTTP/rm1@EXAMPLE.COM not found in Kerberos database".into(),
        };
        assert!(wrapped.is_unknown_service());
        let client = GssError::Call {
            call: "gss_acquire_cred_from",
            major: 0x0007_0000,
            minor: 1,
            message: "No credentials were supplied: Client 'x@EXAMPLE.COM' not found in Kerberos database".into(),
        };
        assert!(!client.is_unknown_service());
        assert_eq!(
            e.to_string(),
            "gss_init_sec_context failed: Unspecified GSS failure: Server not found in Kerberos database (GSS major 0x000d0000, minor -1765328377)"
        );
    }
}
