//! The reader on streams real Java wrote (hex below, made by
//! `ObjectOutputStream` of Java 17 with Quartz 2.3.2's `JobDataMap`), and
//! on truncated, altered and hostile ones: errors, never a panic.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn garbage_and_truncations_are_errors_not_panics() {
    assert!(job_data_map(b"").is_err());
    assert!(job_data_map(&[0xAC]).is_err());
    assert!(job_data_map(&[0xAC, 0xED, 0, 4]).is_err());
    assert!(job_data_map(&[0xAC, 0xED, 0, 5, TC_STRING, 0, 1, b'x']).is_err());
    // A reference to a handle that does not exist.
    assert!(job_data_map(&[0xAC, 0xED, 0, 5, TC_REFERENCE, 0, 0x7E, 0, 9]).is_err());
    // Deep nesting of arrays is cut at the bound.
    let mut deep = vec![0xAC, 0xED, 0, 5];
    for _ in 0..10_000 {
        deep.extend_from_slice(&[TC_ARRAY, TC_CLASSDESC, 0, 3, b'[', b'[', b'L']);
        deep.extend_from_slice(&[0; 8]);
        deep.extend_from_slice(&[SC_SERIALIZABLE, 0, 0, TC_ENDBLOCKDATA, TC_NULL, 0, 0, 0, 1]);
    }
    let e = job_data_map(&deep).expect_err("too deep");
    assert!(e.problem.contains("deeper"), "{e}");
    // An array claiming more elements than bytes.
    let mut big = vec![0xAC, 0xED, 0, 5, TC_ARRAY, TC_CLASSDESC, 0, 2, b'[', b'L'];
    big.extend_from_slice(&[0; 8]);
    big.extend_from_slice(&[
        SC_SERIALIZABLE,
        0,
        0,
        TC_ENDBLOCKDATA,
        TC_NULL,
        0x7F,
        0xFF,
        0xFF,
        0xFF,
    ]);
    assert!(job_data_map(&big).is_err());
    // Pseudo-random bytes after the header.
    let mut seed = 0x1234_5678_u32;
    for len in 0..300 {
        let mut bytes = vec![0xAC, 0xED, 0, 5];
        for _ in 0..len {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            bytes.push((seed >> 16) as u8 | 0x70 * ((seed & 1) as u8));
        }
        let _ = job_data_map(&bytes);
    }
}

#[test]
fn modified_utf8_reads_nul_and_surrogate_pairs() {
    assert_eq!(modified_utf8(&[0xC0, 0x80]).as_deref(), Some("\0"));
    // U+1F680 as two 3-byte surrogates.
    assert_eq!(
        modified_utf8(&[0xED, 0xA0, 0xBD, 0xED, 0xBA, 0x80]).as_deref(),
        Some("🚀")
    );
    assert_eq!(modified_utf8(&[0xED, 0xA0, 0xBD]), None, "a lone surrogate");
    assert_eq!(modified_utf8(&[0xFF]), None);
}
