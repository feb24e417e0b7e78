//! A jar named by a descriptor: any bytes, read by byte range as an HDFS
//! or local file is, searched for a main class.
#![no_main]

use async_trait::async_trait;
use cdp_spark_domain::jar::{check_main_class, ByteSource};
use cdp_spark_domain::ports::FsError;
use libfuzzer_sys::fuzz_target;

struct Bytes<'a>(&'a [u8]);

#[async_trait]
impl ByteSource for Bytes<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
        match self.0.get(start..end) {
            Some(slice) => Ok(slice.to_vec()),
            None => Err(FsError::Read {
                path: "fuzz.jar".into(),
                detail: format!("read past the end: {offset}+{len} of {}", self.0.len()),
            }),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let source = Bytes(data);
    for class in ["cdptest.Main", "Main"] {
        let _ = futures::executor::block_on(check_main_class(&source, class));
    }
});
