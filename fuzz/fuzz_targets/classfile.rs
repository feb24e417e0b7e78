//! A class file: the input becomes the one stored entry `Main.class` of a
//! well-formed jar, so every run reaches the class-file reader (constant
//! pool, methods, the main check) instead of stopping in the zip reader.
#![no_main]

use async_trait::async_trait;
use cdp_spark_domain::jar::{check_main_class, ByteSource};
use cdp_spark_domain::ports::FsError;
use libfuzzer_sys::fuzz_target;

struct Bytes(Vec<u8>);

#[async_trait]
impl ByteSource for Bytes {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
        self.0
            .get(start..end)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| FsError::Read {
                path: "fuzz.jar".into(),
                detail: "read past the end".into(),
            })
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A zip with one stored entry.
fn jar(name: &str, body: &[u8]) -> Vec<u8> {
    let crc = crc32(body);
    let size = u32::try_from(body.len()).unwrap_or(u32::MAX);
    let name_len = u16::try_from(name.len()).unwrap_or(0);
    let mut out = Vec::with_capacity(body.len() + 128);
    // Local file header.
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(body);
    let cd_offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
    // Central directory entry.
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    out.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(&[0; 12]);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    let cd_size = u32::try_from(out.len()).unwrap_or(u32::MAX) - cd_offset;
    // End of central directory.
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fuzz_target!(|data: &[u8]| {
    let source = Bytes(jar("Main.class", data));
    let _ = futures::executor::block_on(check_main_class(&source, "Main"));
});
