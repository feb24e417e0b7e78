//! Hadoop's TFile, the container of YARN's aggregated logs, read over byte
//! ranges of a [`ByteSource`] and within a budget: nothing of a file is
//! trusted (a log directory is writable by the applications' users).
//!
//! The layout (Hadoop's `BCFile` and `TFile`, format version 1):
//!
//! - the file ends with the offset of the meta index (8 bytes, big-endian),
//!   the BCFile version (two `short`s, major 1) and a 16-byte magic;
//! - the meta index: a count, then per meta block its name (`data:` and the
//!   block's name), its compression and its region (offset, compressed and
//!   raw size, each a TFile `VLong`);
//! - the meta block `BCFile.index`: the data blocks' compression and their
//!   regions;
//! - a data block: records, each a key (`VInt` length, bytes) and a value
//!   in chunks (`VInt` length, negative for every chunk but the last).
//!
//! Blocks stored without compression (`none`, YARN's default for
//! aggregated logs) are read in place, only the parts asked for; `gz`
//! blocks (zlib) are inflated whole within [`MAX_INFLATED_BLOCK`]; other
//! codecs (LZO, Snappy, …) are refused by name.

use crate::cause;
use crate::jar::ByteSource;
use crate::ports::FsError;

/// BCFile's magic, the last 16 bytes of every TFile.
const MAGIC: [u8; 16] = [
    0xd1, 0x11, 0xd3, 0x68, 0x91, 0xb5, 0xd7, 0xb6, 0x39, 0xdf, 0x41, 0x40, 0x92, 0xba, 0xe1, 0x50,
];
/// Offset of the meta index, version, magic.
const TRAILER: u64 = 8 + 4 + 16;
/// Largest meta index or data index read.
const MAX_INDEX_BYTES: u64 = 4 << 20;
/// Most meta blocks and data blocks a file may list.
const MAX_BLOCKS: usize = 1 << 20;
/// Largest key read (YARN's keys are container ids and a few names).
pub const MAX_KEY_BYTES: u64 = 64 << 10;
/// Largest `gz` block inflated.
pub const MAX_INFLATED_BLOCK: usize = 64 << 20;
/// Most chunks of one value: YARN writes chunks of `tfile.io.chunk.size`
/// (1 MiB by default), so this is a 64 GiB log; a file of tiny chunks
/// cannot make the provisioner hold an entry per byte.
pub const MAX_VALUE_CHUNKS: usize = 1 << 16;
/// Bytes fetched around a small read, so that walking a block's record
/// headers costs few range reads.
const WINDOW: u64 = 256 << 10;

/// Where a block is in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRegion {
    pub offset: u64,
    pub compressed: u64,
    pub raw: u64,
}

/// A block's compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    None,
    Gz,
}

impl Codec {
    fn named(name: &str, path: &str) -> Result<Codec, FsError> {
        match name {
            "none" => Ok(Codec::None),
            "gz" => Ok(Codec::Gz),
            other => Err(bad(
                path,
                format!(
                    "its blocks are compressed with '{}', which the provisioner does not read \
                     (it reads 'none', YARN's default, and 'gz')",
                    shown(other)
                ),
            )),
        }
    }
}

/// A TFile's data blocks, found from its trailer and indexes.
#[derive(Debug, Clone)]
pub struct TFile {
    pub codec: Codec,
    pub blocks: Vec<BlockRegion>,
}

/// A name from a file, bounded and escaped for a message.
pub(crate) fn shown(text: &str) -> String {
    let cut: String = text.chars().take(60).collect();
    let more = if cut.len() < text.len() { "…" } else { "" };
    format!("{}{more}", cut.escape_debug())
}

fn bad(path: &str, why: impl Into<String>) -> FsError {
    FsError::Read {
        path: path.to_string(),
        detail: cause!("not a readable TFile (YARN aggregated log): {}", why.into()),
    }
}

impl TFile {
    /// Reads the trailer, the meta index and the data index of `src`
    /// (named `path` in errors).
    pub async fn open(src: &dyn ByteSource, path: &str) -> Result<TFile, FsError> {
        let len = src.len();
        if len < TRAILER {
            return Err(bad(path, format!("it has only {len} bytes")));
        }
        let trailer = src.read(len - TRAILER, TRAILER).await?;
        if trailer[12..] != MAGIC {
            return Err(bad(path, "it does not end with BCFile's magic"));
        }
        let major = i16::from_be_bytes([trailer[8], trailer[9]]);
        if major != 1 {
            return Err(bad(path, format!("its BCFile version is {major}, not 1")));
        }
        let mut at = [0u8; 8];
        at.copy_from_slice(&trailer[..8]);
        let meta_at = u64::from_be_bytes(at);
        let meta_end = len - TRAILER;
        if meta_at >= meta_end || meta_end - meta_at > MAX_INDEX_BYTES {
            return Err(bad(
                path,
                format!("its meta index offset {meta_at} is not within the file"),
            ));
        }
        let meta = src.read(meta_at, meta_end - meta_at).await?;
        let mut cur = Cursor::new(&meta, path);
        let count = cur.count()?;
        let mut index = None;
        for _ in 0..count {
            let name = cur.string()?;
            let codec = cur.string()?;
            let region = cur.region(meta_at)?;
            if name == "data:BCFile.index" {
                index = Some((Codec::named(&codec, path)?, region));
            }
        }
        let Some((index_codec, region)) = index else {
            return Err(bad(path, "its meta index has no BCFile.index"));
        };
        if region.compressed > MAX_INDEX_BYTES {
            return Err(bad(
                path,
                "its data index is larger than the provisioner reads",
            ));
        }
        let raw = src.read(region.offset, region.compressed).await?;
        let data_index = match index_codec {
            Codec::None => raw,
            Codec::Gz => inflate(&raw, MAX_INDEX_BYTES as usize, path)?,
        };
        let mut cur = Cursor::new(&data_index, path);
        let codec = Codec::named(&cur.string()?, path)?;
        let n = cur.count()?;
        let mut blocks = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            blocks.push(cur.region(meta_at)?);
        }
        Ok(TFile { codec, blocks })
    }

    /// The data of block `i`: in place when stored plainly, inflated
    /// otherwise.
    pub async fn block<'s>(
        &self,
        src: &'s dyn ByteSource,
        i: usize,
        path: &str,
    ) -> Result<Block<'s>, FsError> {
        let region = self.blocks[i];
        match self.codec {
            Codec::None => {
                if region.raw != region.compressed {
                    return Err(bad(
                        path,
                        format!("block {i} is stored plainly but its sizes differ"),
                    ));
                }
                Ok(Block::InPlace {
                    src,
                    base: region.offset,
                    len: region.raw,
                    window: None,
                })
            }
            Codec::Gz => {
                if region.raw > MAX_INFLATED_BLOCK as u64 {
                    return Err(bad(
                        path,
                        format!(
                            "block {i} inflates to {} bytes, more than the {} the provisioner inflates",
                            region.raw, MAX_INFLATED_BLOCK
                        ),
                    ));
                }
                let raw = src.read(region.offset, region.compressed).await?;
                Ok(Block::Inflated(inflate(&raw, MAX_INFLATED_BLOCK, path)?))
            }
        }
    }
}

fn inflate(bytes: &[u8], limit: usize, path: &str) -> Result<Vec<u8>, FsError> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(bytes, limit).map_err(|e| {
        bad(
            path,
            format!("a gz block does not inflate ({:?})", e.status),
        )
    })
}

/// One data block's bytes.
pub enum Block<'s> {
    /// Read from the file when asked, through a window of [`WINDOW`] bytes.
    InPlace {
        src: &'s dyn ByteSource,
        base: u64,
        len: u64,
        window: Option<(u64, Vec<u8>)>,
    },
    Inflated(Vec<u8>),
}

impl Block<'_> {
    pub fn len(&self) -> u64 {
        match self {
            Block::InPlace { len, .. } => *len,
            Block::Inflated(bytes) => bytes.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `n` bytes at `at` of the block (an error past its end).
    pub async fn read(&mut self, at: u64, n: u64, path: &str) -> Result<Vec<u8>, FsError> {
        let end = at
            .checked_add(n)
            .filter(|&e| e <= self.len())
            .ok_or_else(|| {
                bad(
                    path,
                    format!("a record runs past its block ({n} bytes at {at})"),
                )
            })?;
        match self {
            Block::Inflated(bytes) => Ok(bytes[at as usize..end as usize].to_vec()),
            Block::InPlace {
                src,
                base,
                len,
                window,
            } => {
                if let Some((start, bytes)) = window {
                    if at >= *start && end <= *start + bytes.len() as u64 {
                        let from = (at - *start) as usize;
                        return Ok(bytes[from..from + n as usize].to_vec());
                    }
                }
                if n >= WINDOW {
                    return src.read(*base + at, n).await;
                }
                let size = WINDOW.min(*len - at);
                let bytes = src.read(*base + at, size).await?;
                let out = bytes[..n as usize].to_vec();
                *window = Some((at, bytes));
                Ok(out)
            }
        }
    }

    /// A TFile `VLong` at `at`: its value and its encoded length.
    pub async fn vlong(&mut self, at: u64, path: &str) -> Result<(i64, u64), FsError> {
        let n = 9.min(self.len().saturating_sub(at));
        let bytes = self.read(at, n, path).await?;
        let mut cur = Cursor::new(&bytes, path);
        let v = cur.vlong()?;
        Ok((v, cur.at as u64))
    }
}

/// One record of a block: its key and its value's chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub key: Vec<u8>,
    pub value: Value,
    /// Where the next record starts.
    pub next: u64,
}

/// A value as the byte ranges of the block its chunks hold, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Value {
    pub chunks: Vec<(u64, u64)>,
}

impl Value {
    pub fn len(&self) -> u64 {
        self.chunks.iter().map(|(_, n)| n).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `n` bytes at `at` of the value, across its chunks.
    pub async fn read(
        &self,
        block: &mut Block<'_>,
        at: u64,
        n: u64,
        path: &str,
    ) -> Result<Vec<u8>, FsError> {
        let mut out = Vec::with_capacity(n.min(1 << 20) as usize);
        let mut skip = at;
        let mut left = n;
        for &(start, len) in &self.chunks {
            if left == 0 {
                break;
            }
            if skip >= len {
                skip -= len;
                continue;
            }
            let take = (len - skip).min(left);
            out.extend(block.read(start + skip, take, path).await?);
            left -= take;
            skip = 0;
        }
        if left > 0 {
            return Err(bad(
                path,
                format!("a value is shorter than the {n} bytes at {at} it names"),
            ));
        }
        Ok(out)
    }
}

/// The record at `at` of `block`.
pub async fn record_at(block: &mut Block<'_>, at: u64, path: &str) -> Result<Record, FsError> {
    let (key_len, used) = block.vlong(at, path).await?;
    let key_len = u64::try_from(key_len)
        .ok()
        .filter(|&n| n <= MAX_KEY_BYTES)
        .ok_or_else(|| bad(path, format!("a key length of {key_len} at {at}")))?;
    let mut pos = at + used;
    let key = block.read(pos, key_len, path).await?;
    pos += key_len;
    let mut value = Value::default();
    loop {
        let (n, used) = block.vlong(pos, path).await?;
        pos += used;
        let len = n.unsigned_abs();
        if pos.checked_add(len).is_none_or(|e| e > block.len()) {
            return Err(bad(
                path,
                format!("a value chunk of {len} bytes at {pos} runs past its block"),
            ));
        }
        if len > 0 {
            if value.chunks.len() == MAX_VALUE_CHUNKS {
                return Err(bad(
                    path,
                    format!("a value at {at} has more than {MAX_VALUE_CHUNKS} chunks"),
                ));
            }
            value.chunks.push((pos, len));
        }
        pos += len;
        if n >= 0 {
            break;
        }
        if len == 0 {
            return Err(bad(path, format!("an empty continued chunk at {pos}")));
        }
    }
    Ok(Record {
        key,
        value,
        next: pos,
    })
}

/// Reads the indexes' fields.
struct Cursor<'b> {
    bytes: &'b [u8],
    at: usize,
    path: &'b str,
}

impl<'b> Cursor<'b> {
    fn new(bytes: &'b [u8], path: &'b str) -> Self {
        Cursor { bytes, at: 0, path }
    }

    fn take(&mut self, n: usize) -> Result<&'b [u8], FsError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| bad(self.path, "an index ends in the middle of a field"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn byte(&mut self) -> Result<u8, FsError> {
        Ok(self.take(1)?[0])
    }

    /// Hadoop's `org.apache.hadoop.io.file.tfile.Utils.readVLong`.
    fn vlong(&mut self) -> Result<i64, FsError> {
        let first = i64::from(self.byte()? as i8);
        if first >= -32 {
            return Ok(first);
        }
        let be = |bytes: &[u8]| bytes.iter().fold(0i64, |acc, &b| (acc << 8) | i64::from(b));
        match (first + 128) / 8 {
            7..=11 => Ok(((first + 52) << 8) | i64::from(self.byte()?)),
            3..=6 => Ok(((first + 88) << 16) | be(self.take(2)?)),
            1 | 2 => Ok(((first + 112) << 24) | be(self.take(3)?)),
            0 => {
                let n = (first + 129) as usize;
                if !(4..=8).contains(&n) {
                    return Err(bad(self.path, "a corrupted VLong"));
                }
                let bytes = self.take(n)?;
                // Sign-extend from the first byte, as Java's readInt/readLong do.
                let init = if bytes[0] & 0x80 != 0 { -1i64 } else { 0 };
                Ok(bytes.iter().fold(init, |acc, &b| (acc << 8) | i64::from(b)))
            }
            _ => Err(bad(self.path, "a corrupted VLong")),
        }
    }

    fn count(&mut self) -> Result<usize, FsError> {
        let n = self.vlong()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= MAX_BLOCKS)
            .ok_or_else(|| bad(self.path, format!("an index lists {n} blocks")))
    }

    /// Hadoop's `Utils.readString`: a `VInt` length and UTF-8 bytes.
    fn string(&mut self) -> Result<String, FsError> {
        let n = self.vlong()?;
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n <= 4096)
            .ok_or_else(|| bad(self.path, format!("a name of length {n} in an index")))?;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }

    fn region(&mut self, limit: u64) -> Result<BlockRegion, FsError> {
        let mut field = || -> Result<u64, FsError> {
            u64::try_from(self.vlong()?)
                .map_err(|_| bad(self.path, "a negative block offset or size"))
        };
        let region = BlockRegion {
            offset: field()?,
            compressed: field()?,
            raw: field()?,
        };
        if region
            .offset
            .checked_add(region.compressed)
            .is_none_or(|e| e > limit)
        {
            return Err(bad(
                self.path,
                format!(
                    "a block of {} bytes at {} is not before the file's indexes",
                    region.compressed, region.offset
                ),
            ));
        }
        Ok(region)
    }
}

/// Hadoop's `Utils.writeVLong`, for the tests' files.
#[cfg(test)]
pub(crate) fn write_vlong(out: &mut Vec<u8>, n: i64) {
    if (-32..128).contains(&n) {
        out.push(n as u8);
        return;
    }
    let un = if n < 0 { !n } else { n };
    let len = (64 - un.leading_zeros() as usize) / 8 + 1;
    let mut first = n >> ((len - 1) * 8);
    let mut len = len;
    if len == 1 {
        first >>= 8;
        len = 2;
    }
    if len == 2 {
        if (-20..20).contains(&first) {
            out.push((first - 52) as u8);
            out.push(n as u8);
            return;
        }
        first >>= 8;
        len = 3;
    }
    if len == 3 {
        if (-16..16).contains(&first) {
            out.push((first - 88) as u8);
            out.extend_from_slice(&(n as u16).to_be_bytes());
            return;
        }
        first >>= 8;
        len = 4;
    }
    if len == 4 {
        if (-8..8).contains(&first) {
            out.push((first - 112) as u8);
            out.extend_from_slice(&((n as i32 >> 8) as u16).to_be_bytes());
            out.push(n as u8);
            return;
        }
        out.push((4i64 - 129) as u8);
        out.extend_from_slice(&(n as i32).to_be_bytes());
        return;
    }
    out.push((len as i64 - 129) as u8);
    let bytes = n.to_be_bytes();
    out.extend_from_slice(&bytes[8 - len..]);
}

#[cfg(test)]
pub(crate) const TEST_MAGIC: [u8; 16] = MAGIC;
