//! Shared by the tests: `ByteSource`s over files and memory, counting reads.

pub mod byte_sources;
