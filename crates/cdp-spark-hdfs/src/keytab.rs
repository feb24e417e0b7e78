//! Which principals a keytab holds keys for (MIT keytab format 0x0502, as
//! `ktutil`, `kadmin`, FreeIPA, Active Directory's `ktpass` and Cloudera
//! Manager write), to say precisely why a Kerberos login from a keytab was
//! refused: the GSSAPI library answers "No credentials cache found" when
//! the keytab has no key for the principal.

use std::path::Path;

/// The keytabs of this provisioner hold a few keys; anything bigger is not
/// one.
const MAX_KEYTAB_BYTES: u64 = 1 << 20;

/// `name/instance@REALM` of every entry, in file order, without repeats.
pub(crate) fn principals(path: &Path) -> Result<Vec<String>, String> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("cannot be read ({e})"))?
        .len();
    if len > MAX_KEYTAB_BYTES {
        return Err(format!("is {len} bytes, too big for a keytab"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot be read ({e})"))?;
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Result<Vec<String>, String> {
    match bytes {
        [0x05, 0x02, ..] => {}
        [0x05, 0x01, ..] => {
            return Err("is a version 1 keytab (host byte order), which is not read here".into())
        }
        _ => return Err("is not a keytab (no 0x0502 header)".into()),
    }
    let mut out: Vec<String> = Vec::new();
    let mut at = 2;
    while at + 4 <= bytes.len() {
        let size = i32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        at += 4;
        if size == 0 {
            break;
        }
        let span = size.unsigned_abs() as usize;
        let end = at
            .checked_add(span)
            .filter(|&end| end <= bytes.len())
            .ok_or("has an entry that runs past its end")?;
        if size > 0 {
            let principal = entry_principal(&bytes[at..end])?;
            if !out.contains(&principal) {
                out.push(principal);
            }
        }
        // A negative size is a hole left by a removed entry.
        at = end;
    }
    Ok(out)
}

fn entry_principal(entry: &[u8]) -> Result<String, String> {
    let mut at = 0;
    let u16_at = |at: &mut usize| -> Result<usize, String> {
        let b = entry.get(*at..*at + 2).ok_or("has a truncated entry")?;
        *at += 2;
        Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let components = u16_at(&mut at)?;
    let text = |at: &mut usize| -> Result<String, String> {
        let n = u16_at(at)?;
        let b = entry.get(*at..*at + n).ok_or("has a truncated entry")?;
        *at += n;
        Ok(String::from_utf8_lossy(b).into_owned())
    };
    let realm = text(&mut at)?;
    let mut names = Vec::with_capacity(components);
    for _ in 0..components {
        names.push(text(&mut at)?);
    }
    Ok(format!("{}@{realm}", names.join("/")))
}

/// Whether `held` (from a keytab, with its realm) is the configured
/// principal (with a realm, or without one: the default realm's).
pub(crate) fn same_principal(held: &str, configured: &str) -> bool {
    held == configured || (!configured.contains('@') && held.split('@').next() == Some(configured))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(realm: &str, names: &[&str]) -> Vec<u8> {
        let mut e = Vec::new();
        e.extend((names.len() as u16).to_be_bytes());
        let mut string = |s: &str| {
            e.extend((s.len() as u16).to_be_bytes());
            e.extend(s.as_bytes());
        };
        string(realm);
        for n in names {
            string(n);
        }
        e.extend(1u32.to_be_bytes()); // name type
        e.extend(0u32.to_be_bytes()); // timestamp
        e.push(1); // kvno
        e.extend(18u16.to_be_bytes()); // aes256
        e.extend(32u16.to_be_bytes());
        e.extend([7u8; 32]);
        e
    }

    fn keytab(entries: &[Vec<u8>], hole: bool) -> Vec<u8> {
        let mut out = vec![0x05, 0x02];
        if hole {
            out.extend((-8i32).to_be_bytes());
            out.extend([0u8; 8]);
        }
        for e in entries {
            out.extend((e.len() as i32).to_be_bytes());
            out.extend(e);
        }
        out
    }

    #[test]
    fn lists_each_principal_once_and_skips_holes() {
        let bytes = keytab(
            &[
                entry("EXAMPLE.COM", &["cdpprov"]),
                entry("EXAMPLE.COM", &["cdpprov"]),
                entry("EXAMPLE.COM", &["hdfs", "nn1.example.com"]),
            ],
            true,
        );
        assert_eq!(
            parse(&bytes),
            Ok(vec![
                "cdpprov@EXAMPLE.COM".to_string(),
                "hdfs/nn1.example.com@EXAMPLE.COM".to_string()
            ])
        );
        assert_eq!(parse(&[0x05, 0x02]), Ok(vec![]));
    }

    #[test]
    fn refuses_what_is_not_a_keytab_without_panicking() {
        assert!(parse(b"").is_err());
        assert!(parse(b"[libdefaults]").is_err());
        assert!(parse(&[0x05, 0x01, 0, 0]).is_err());
        let mut cut = keytab(&[entry("EXAMPLE.COM", &["cdpprov"])], false);
        cut.truncate(cut.len() - 40);
        assert!(parse(&cut).is_err());
        // A size that claims more than there is.
        assert!(parse(&[0x05, 0x02, 0x7f, 0xff, 0xff, 0xff, 0]).is_err());
        assert!(parse(&[0x05, 0x02, 0x80, 0, 0, 0]).is_err());
    }

    #[test]
    fn a_principal_without_a_realm_matches_any_realm() {
        assert!(same_principal("cdpprov@EXAMPLE.COM", "cdpprov@EXAMPLE.COM"));
        assert!(same_principal("cdpprov@EXAMPLE.COM", "cdpprov"));
        assert!(!same_principal("cdpprov@EXAMPLE.COM", "cdpprov@OTHER.COM"));
        assert!(!same_principal("cdpprov/host@EXAMPLE.COM", "cdpprov"));
    }
}
