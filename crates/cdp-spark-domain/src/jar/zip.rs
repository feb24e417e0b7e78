//! The few zip structures a main-class check needs, read by byte range:
//! the end of central directory record (plain and ZIP64), the central
//! directory, and one entry's local header and data.
//!
//! Reads, in order (see [`CentralDirectory::open`],
//! [`CentralDirectory::find_or`] and [`CentralDirectory::read_entry`]):
//! 1. the tail: the last `min(len, 64 KiB + 22)` bytes, where the end record
//!    must be (its comment is at most 65,535 bytes); it often holds the
//!    whole central directory too;
//! 2. the part of the central directory the tail does not cover, if any, as
//!    **one streamed read**: its bytes arrive [`CHUNK`] at a time and the
//!    entries are parsed as they come, so the directory is never held in
//!    memory whole; the read stops at the entry looked for, and at the first
//!    entry that does not parse or runs past the end record's claims;
//! 3. one entry's local header and data in one read, sized from the central
//!    directory plus a margin for the local extra field (a 4th read only if
//!    that field is larger than the margin). Nothing is read again if the
//!    bytes are already in memory.
//!
//! Every read is charged to the validation's [`ReadBudget`] before it is
//! made; the end record's claims are checked against the file's length and
//! against each other before anything else is read.
//!
//! Like Java's `ZipFile`, bytes prepended to the archive (a launch script in
//! front of an "executable" jar) are tolerated: offsets are taken relative to
//! where the central directory really is.

use super::{read_exact, read_streamed, ByteSource, JarError, ReadBudget};

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
/// Where the end record can be: its own 22 bytes plus the longest comment.
pub(super) const TAIL_LEN: u64 = EOCD_LEN as u64 + 0xFFFF;

const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: usize = 20;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_EOCD_LEN: usize = 56;

const CEN_SIG: u32 = 0x0201_4b50;
const CEN_LEN: usize = 46;
const LOC_SIG: u32 = 0x0403_4b50;
const LOC_LEN: usize = 30;
/// Local-file-header signature, found at offset 0 of any ordinary jar.
const LOC_MAGIC: [u8; 4] = [b'P', b'K', 3, 4];

/// Extra bytes read after the local header's name on top of the central
/// directory's own extra-field length: local extra fields are usually the
/// same or a little longer (ZIP64 sizes, timestamps, Unix ids, alignment
/// padding, the jar tool's 0xCAFE marker).
const LOCAL_EXTRA_MARGIN: u64 = 256;

/// The largest a central directory header can be: its fixed part and a
/// name, extra field and comment of 65,535 bytes each.
const MAX_CEN_ENTRY: u64 = CEN_LEN as u64 + 3 * 0xFFFF;

/// The central directory is streamed this many bytes at a time: what one
/// piece of it costs in memory, whatever the directory's size.
pub const CHUNK: u64 = 1024 * 1024;

/// The first tail read of a dependency, which only needs its end record: an
/// end record with a comment of up to 4 KiB is in it; a longer comment
/// costs a second read of the whole tail.
pub(super) const SHORT_TAIL_LEN: u64 = 4096;

/// Stored (no compression) and deflated: the only methods Java reads.
pub(super) const METHOD_STORED: u16 = 0;
pub(super) const METHOD_DEFLATED: u16 = 8;

/// What the central directory says about one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CenEntry {
    pub name: String,
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    /// Absolute offset of the local header in the file (prepended bytes
    /// already accounted for).
    pub local_header: u64,
    name_len: u64,
    extra_len: u64,
}

/// Bytes of the file held in memory: `[start, start + bytes.len())`.
struct Region {
    start: u64,
    bytes: Vec<u8>,
}

impl Region {
    /// The bytes at `[offset, offset + len)` if all of them are held.
    fn get(&self, offset: u64, len: u64) -> Option<&[u8]> {
        let from = offset.checked_sub(self.start)?;
        let to = from.checked_add(len)?;
        if to > self.bytes.len() as u64 {
            return None;
        }
        self.bytes.get(from as usize..to as usize)
    }
}

/// An opened jar: where its central directory is, and the tail of the file
/// (which often holds the whole directory), ready to look entries up and
/// read one.
pub(super) struct CentralDirectory {
    /// The tail of the file, read to find the end record.
    held: Region,
    /// Absolute offset of the central directory's first byte.
    start: u64,
    /// Its size in bytes.
    size: u64,
    /// Bytes in front of the archive proper: added to every recorded offset.
    prefix: u64,
    file_len: u64,
}

impl CentralDirectory {
    /// Read the tail (the last `first_tail` bytes, then the whole 64 KiB
    /// tail if the end record is not in them), find the end record (ZIP64
    /// if present) and check what it claims against the file's length.
    /// Nothing of the central directory beyond the tail is read here.
    pub async fn open(
        source: &dyn ByteSource,
        budget: &ReadBudget,
        first_tail: u64,
    ) -> Result<Self, JarError> {
        let file_len = source.len();
        if file_len == 0 {
            return Err(JarError::NotAZip(
                "the file is empty (0 bytes); rebuild or re-upload the jar".into(),
            ));
        }
        let tail_len = file_len.min(first_tail.min(TAIL_LEN));
        let tail_start = file_len - tail_len;
        let mut held = Region {
            start: tail_start,
            bytes: read_exact(
                source,
                budget,
                tail_start,
                tail_len,
                "reading its end record",
            )
            .await?,
        };
        let mut eocd_index = if tail_len < TAIL_LEN {
            // A short first look: only an end record whose comment ends the
            // file counts; anything else is decided on the whole tail.
            find_eocd_exact(&held.bytes)
        } else {
            find_eocd(&held.bytes)
        };
        if eocd_index.is_none() && tail_len < file_len.min(TAIL_LEN) {
            let tail_len = file_len.min(TAIL_LEN);
            let tail_start = file_len - tail_len;
            held = Region {
                start: tail_start,
                bytes: read_exact(
                    source,
                    budget,
                    tail_start,
                    tail_len,
                    "reading its end record",
                )
                .await?,
            };
            eocd_index = find_eocd(&held.bytes);
        }

        let Some(eocd_index) = eocd_index else {
            return Err(no_end_record(source, budget, &held, file_len).await);
        };
        let eocd_pos = held.start + eocd_index as u64;
        let eocd = &held.bytes[eocd_index..];
        let disk = le16(eocd, 4);
        let cd_disk = le16(eocd, 6);
        // Some writers record the count modulo 65,536: it is only a lower
        // bound on the real count, and the directory is walked by its size.
        let mut count = u64::from(le16(eocd, 10));
        let mut exact_count = false;
        let mut cd_size = u64::from(le32(eocd, 12));
        let mut cd_offset = u64::from(le32(eocd, 16));
        // Where the central directory ends: the ZIP64 end record if there
        // is one, else the plain end record.
        let mut cd_end = eocd_pos;

        if let Some(locator) = eocd_pos.checked_sub(ZIP64_LOCATOR_LEN as u64) {
            let locator_bytes = held.get(locator, ZIP64_LOCATOR_LEN as u64);
            if let Some(loc) = locator_bytes.filter(|b| le32(b, 0) == ZIP64_LOCATOR_SIG) {
                let recorded = le64(loc, 8);
                let total_disks = le32(loc, 16);
                if total_disks > 1 {
                    return Err(split_archive());
                }
                let (pos, record) =
                    zip64_end_record(source, budget, &held, recorded, locator).await?;
                if le32(&record, 16) != 0 || le32(&record, 20) != 0 {
                    return Err(split_archive());
                }
                count = le64(&record, 32);
                exact_count = true;
                cd_size = le64(&record, 40);
                cd_offset = le64(&record, 48);
                cd_end = pos;
            }
        }
        if cd_end == eocd_pos && (disk != 0 || cd_disk != 0) {
            return Err(split_archive());
        }

        let start = cd_end.checked_sub(cd_size).ok_or_else(|| {
            JarError::Corrupt(format!(
                "the end record gives a central directory of {cd_size} bytes ending at byte \
                 {cd_end}, before the start of the file (truncated or damaged jar)"
            ))
        })?;
        let prefix = start.checked_sub(cd_offset).ok_or_else(|| {
            JarError::Corrupt(format!(
                "the end record places the central directory at byte {cd_offset}, but it is \
                 {cd_size} bytes long and must end at byte {cd_end} (truncated or damaged jar)"
            ))
        })?;
        // Every entry takes at least its fixed 46 bytes, at most 46 plus
        // three 65,535-byte fields.
        if count.saturating_mul(CEN_LEN as u64) > cd_size {
            return Err(JarError::Corrupt(format!(
                "the end record counts {count} entries, which need at least {} bytes, in a \
                 central directory of {cd_size} bytes (damaged jar)",
                count.saturating_mul(CEN_LEN as u64)
            )));
        }
        if exact_count && cd_size > count.saturating_mul(MAX_CEN_ENTRY) {
            return Err(JarError::Corrupt(format!(
                "the ZIP64 end record gives {count} entries a central directory of {cd_size} \
                 bytes, more than so many entries can fill (damaged jar)"
            )));
        }

        Ok(CentralDirectory {
            held,
            start,
            size: cd_size,
            prefix,
            file_len,
        })
    }

    /// Walk the central directory, calling `visit` with each entry's raw
    /// name and the entry's fixed header; stops early when `visit` says so.
    /// What the tail holds is walked in memory; the part before it is
    /// streamed in one read (see the module's documentation).
    async fn walk(
        &self,
        source: &dyn ByteSource,
        budget: &ReadBudget,
        visit: &mut Visit<'_>,
    ) -> Result<(), JarError> {
        let end = self.start + self.size;
        let mut scanner = Scanner {
            start: self.start,
            size: self.size,
            parsed: 0,
            index: 0,
            pending: Vec::new(),
            visit,
            state: ScanState::Running,
        };
        let streamed_end = end.min(self.held.start);
        if self.start < streamed_end {
            read_streamed(
                source,
                budget,
                self.start,
                streamed_end - self.start,
                &format!("reading its central directory of {} bytes", self.size),
                &mut |bytes: &[u8]| scanner.feed(bytes),
            )
            .await?;
        }
        let held_from = self.start.max(self.held.start);
        if matches!(scanner.state, ScanState::Running) && held_from < end {
            let bytes = self.held.get(held_from, end - held_from).ok_or_else(|| {
                JarError::Corrupt("the central directory runs past the end of the file".into())
            })?;
            scanner.feed(bytes);
        }
        scanner.finish()
    }

    /// The entry named exactly `name` (the first one if repeated).
    pub async fn find(
        &self,
        source: &dyn ByteSource,
        budget: &ReadBudget,
        name: &str,
    ) -> Result<Option<CenEntry>, JarError> {
        self.find_or(source, budget, name, &mut |_| {}).await
    }

    /// The entry named exactly `name`, showing `others` every name seen
    /// before it (all of them when there is no such entry): one walk.
    pub async fn find_or(
        &self,
        source: &dyn ByteSource,
        budget: &ReadBudget,
        name: &str,
        others: &mut (dyn FnMut(&[u8]) + Send),
    ) -> Result<Option<CenEntry>, JarError> {
        let wanted = name.as_bytes();
        let prefix = self.prefix;
        let mut found = None;
        self.walk(source, budget, &mut |raw_name, raw| {
            if raw_name != wanted {
                others(raw_name);
                return Ok(true);
            }
            found = Some(raw.entry(name, prefix)?);
            Ok(false)
        })
        .await?;
        Ok(found)
    }

    /// The stored (still compressed) bytes of `entry`: one read for the
    /// local header and data together unless they are already in memory.
    pub async fn read_entry(
        &self,
        source: &dyn ByteSource,
        budget: &ReadBudget,
        entry: &CenEntry,
    ) -> Result<Vec<u8>, JarError> {
        let at = entry.local_header;
        let guess = (LOC_LEN as u64)
            .saturating_add(entry.name_len)
            .saturating_add(entry.extra_len)
            .saturating_add(LOCAL_EXTRA_MARGIN)
            .saturating_add(entry.compressed_size);
        if at.saturating_add(LOC_LEN as u64) > self.file_len {
            return Err(JarError::Corrupt(format!(
                "entry {}: its local header offset {at} is beyond the end of the jar \
                 ({} bytes); the jar is truncated or damaged",
                entry.name, self.file_len
            )));
        }
        let len = guess.min(self.file_len - at);
        let owned;
        let what = format!("reading entry {}", entry.name);
        let chunk: &[u8] = match self.held.get(at, len) {
            Some(bytes) => bytes,
            None => {
                owned = read_exact(source, budget, at, len, &what).await?;
                &owned
            }
        };
        if le32(chunk, 0) != LOC_SIG {
            return Err(JarError::Corrupt(format!(
                "entry {}: no local header at byte {at} where the central directory points \
                 (damaged jar, or bytes were inserted into it)",
                entry.name
            )));
        }
        let data_at = LOC_LEN as u64 + u64::from(le16(chunk, 26)) + u64::from(le16(chunk, 28));
        let data_end = data_at.saturating_add(entry.compressed_size);
        if at.saturating_add(data_end) > self.file_len {
            return Err(JarError::Corrupt(format!(
                "entry {}: its {} bytes of data run past the end of the jar ({} bytes); \
                 the jar is truncated",
                entry.name, entry.compressed_size, self.file_len
            )));
        }
        if data_end <= chunk.len() as u64 {
            return Ok(chunk[data_at as usize..data_end as usize].to_vec());
        }
        // The local extra field is longer than the margin: read the rest.
        let have = chunk.get(data_at as usize..).unwrap_or(&[]);
        let mut data = Vec::with_capacity(entry.compressed_size as usize);
        data.extend_from_slice(have);
        let missing_from = at + data_at + have.len() as u64;
        let rest = entry.compressed_size - have.len() as u64;
        match self.held.get(missing_from, rest) {
            Some(bytes) => data.extend_from_slice(bytes),
            None => data
                .extend_from_slice(&read_exact(source, budget, missing_from, rest, &what).await?),
        }
        Ok(data)
    }
}

/// What a walk of the central directory calls with each entry's raw name
/// and header; `Ok(false)` stops the walk.
type Visit<'v> = dyn FnMut(&[u8], &RawCen<'_>) -> Result<bool, JarError> + Send + 'v;

/// Where a [`Scanner`] is.
enum ScanState {
    Running,
    /// The visitor asked to stop.
    Stopped,
    Failed(JarError),
}

/// Parses central directory headers from bytes handed over in pieces, in
/// order: each complete entry goes to the visitor; an entry cut between two
/// pieces is carried over (at most [`MAX_CEN_ENTRY`] bytes). The first
/// entry that does not parse, or that runs past the directory's size,
/// stops it.
struct Scanner<'v> {
    /// Absolute offset of the directory (for messages).
    start: u64,
    size: u64,
    /// Bytes of the directory consumed by complete entries.
    parsed: u64,
    index: u64,
    pending: Vec<u8>,
    visit: &'v mut Visit<'v>,
    state: ScanState,
}

impl Scanner<'_> {
    /// The next piece; `false` when no more is wanted.
    fn feed(&mut self, bytes: &[u8]) -> bool {
        if !matches!(self.state, ScanState::Running) {
            return false;
        }
        match self.feed_inner(bytes) {
            Ok(true) => true,
            Ok(false) => {
                self.state = ScanState::Stopped;
                false
            }
            Err(e) => {
                self.state = ScanState::Failed(e);
                false
            }
        }
    }

    fn feed_inner(&mut self, mut bytes: &[u8]) -> Result<bool, JarError> {
        // First complete an entry carried over from the last piece.
        while !self.pending.is_empty() {
            let want = self.extent(&self.pending)?.unwrap_or(CEN_LEN);
            if self.pending.len() < want {
                let take = (want - self.pending.len()).min(bytes.len());
                self.pending.extend_from_slice(&bytes[..take]);
                bytes = &bytes[take..];
                if self.pending.len() < want {
                    return Ok(true);
                }
                continue;
            }
            let entry = std::mem::take(&mut self.pending);
            let go_on = self.entry(&entry)?;
            // Keep the buffer for the next carried entry.
            self.pending = entry;
            self.pending.clear();
            if !go_on {
                return Ok(false);
            }
        }
        let mut pos = 0;
        while pos < bytes.len() {
            match self.extent(&bytes[pos..])? {
                Some(len) if pos + len <= bytes.len() => {
                    if !self.entry(&bytes[pos..pos + len])? {
                        return Ok(false);
                    }
                    pos += len;
                }
                _ => break,
            }
        }
        self.pending.extend_from_slice(&bytes[pos..]);
        Ok(true)
    }

    /// The length of the entry at the start of `buf` (the next entry of the
    /// directory), `None` while its fixed header is incomplete.
    fn extent(&self, buf: &[u8]) -> Result<Option<usize>, JarError> {
        let left = self.size - self.parsed;
        if left < CEN_LEN as u64 {
            return Err(self.corrupt("is cut short by the end of the central directory"));
        }
        let Some(header) = buf.get(..CEN_LEN) else {
            return Ok(None);
        };
        if le32(header, 0) != CEN_SIG {
            return Err(self.corrupt("does not start with a header signature"));
        }
        let len = CEN_LEN
            + usize::from(le16(header, 28))
            + usize::from(le16(header, 30))
            + usize::from(le16(header, 32));
        if len as u64 > left {
            return Err(self.corrupt("runs past the end of the central directory"));
        }
        Ok(Some(len))
    }

    /// One complete entry (`extent` checked it): to the visitor.
    fn entry(&mut self, bytes: &[u8]) -> Result<bool, JarError> {
        let header = &bytes[..CEN_LEN];
        let name_end = CEN_LEN + usize::from(le16(header, 28));
        let extra_end = name_end + usize::from(le16(header, 30));
        let raw = RawCen {
            header,
            extra: &bytes[name_end..extra_end],
        };
        let go_on = (self.visit)(&bytes[CEN_LEN..name_end], &raw)?;
        self.parsed += bytes.len() as u64;
        self.index += 1;
        Ok(go_on)
    }

    fn corrupt(&self, what: &str) -> JarError {
        JarError::Corrupt(format!(
            "central directory entry #{} (byte {}) {what}",
            self.index,
            self.start + self.parsed
        ))
    }

    /// After the last piece.
    fn finish(self) -> Result<(), JarError> {
        match self.state {
            ScanState::Failed(e) => Err(e),
            ScanState::Stopped => Ok(()),
            ScanState::Running if self.parsed == self.size => Ok(()),
            ScanState::Running => Err(self.corrupt("is cut short by the end of the file")),
        }
    }
}

/// One central directory header and its extra field, not yet interpreted.
struct RawCen<'a> {
    header: &'a [u8],
    extra: &'a [u8],
}

impl RawCen<'_> {
    fn entry(&self, name: &str, prefix: u64) -> Result<CenEntry, JarError> {
        let h = self.header;
        let recorded = [le32(h, 24), le32(h, 20), le32(h, 42)].map(u64::from);
        // ZIP64 extended information: only the values whose 32-bit field is
        // saturated are present, in this order.
        let wanted = recorded.map(|v| v == 0xFFFF_FFFF);
        let [uncompressed, compressed, offset] = if wanted.contains(&true) {
            let values = zip64_values(self.extra, wanted).ok_or_else(|| {
                JarError::Corrupt(format!(
                    "entry {name}: its sizes or offset say ZIP64 but it has no complete ZIP64 \
                     extra field"
                ))
            })?;
            [0, 1, 2].map(|i| values[i].unwrap_or(recorded[i]))
        } else {
            recorded
        };
        Ok(CenEntry {
            name: name.to_string(),
            flags: le16(h, 8),
            method: le16(h, 10),
            crc32: le32(h, 16),
            compressed_size: compressed,
            uncompressed_size: uncompressed,
            local_header: offset.checked_add(prefix).ok_or_else(|| {
                JarError::Corrupt(format!("entry {name}: its local header offset overflows"))
            })?,
            name_len: u64::from(le16(h, 28)),
            extra_len: self.extra.len() as u64,
        })
    }
}

/// The values of a ZIP64 extra field for the `wanted` slots (uncompressed
/// size, compressed size, local header offset), each with whether it came
/// from the field. Some writers (the `zip` crate 7 with `large_file`) put
/// two ZIP64 fields in the central directory, the first holding
/// placeholders (0xFFFFFFFF) and the second the real values: a field whose
/// values are all real wins over one with placeholders. Slots not wanted
/// are `None`.
fn zip64_values(extra: &[u8], wanted: [bool; 3]) -> Option<[Option<u64>; 3]> {
    let mut with_placeholders = None;
    let mut rest = extra;
    while rest.len() >= 4 {
        let size = usize::from(le16(rest, 2));
        let data = rest.get(4..4 + size)?;
        if le16(rest, 0) == 0x0001 {
            let mut values = data.chunks_exact(8).map(|c| le64(c, 0));
            let parsed = wanted.map(|want| if want { values.next() } else { Some(0) });
            if parsed.iter().all(Option::is_some) {
                let parsed = [0, 1, 2].map(|i| parsed[i].filter(|_| wanted[i]));
                if !parsed.contains(&Some(0xFFFF_FFFF)) {
                    return Some(parsed);
                }
                with_placeholders.get_or_insert(parsed);
            }
        }
        rest = &rest[4 + size..];
    }
    with_placeholders
}

/// Index of the end record in `tail`: searching backwards, the first
/// signature whose comment ends exactly at the end of the file, else the
/// first whose comment fits (some tools append bytes after the archive).
fn find_eocd(tail: &[u8]) -> Option<usize> {
    let last = tail.len().checked_sub(EOCD_LEN)?;
    let candidates = (0..=last).rev().filter(|&i| le32(tail, i) == EOCD_SIG);
    let mut fitting = None;
    for i in candidates {
        let end = i + EOCD_LEN + usize::from(le16(tail, i + 20));
        if end == tail.len() {
            return Some(i);
        }
        if end < tail.len() && fitting.is_none() {
            fitting = Some(i);
        }
    }
    fitting
}

/// Index of an end record whose comment ends exactly at the end of `tail`.
fn find_eocd_exact(tail: &[u8]) -> Option<usize> {
    let last = tail.len().checked_sub(EOCD_LEN)?;
    (0..=last).rev().find(|&i| {
        le32(tail, i) == EOCD_SIG && i + EOCD_LEN + usize::from(le16(tail, i + 20)) == tail.len()
    })
}

/// The ZIP64 end record: where the locator says, or right before the
/// locator when bytes were prepended to the archive.
async fn zip64_end_record(
    source: &dyn ByteSource,
    budget: &ReadBudget,
    held: &Region,
    recorded: u64,
    locator: u64,
) -> Result<(u64, Vec<u8>), JarError> {
    let mut candidates = vec![recorded];
    if let Some(before) = locator.checked_sub(ZIP64_EOCD_LEN as u64) {
        if before != recorded {
            candidates.push(before);
        }
    }
    for pos in candidates {
        if pos.saturating_add(ZIP64_EOCD_LEN as u64) > locator {
            continue;
        }
        let record = match held.get(pos, ZIP64_EOCD_LEN as u64) {
            Some(bytes) => bytes.to_vec(),
            None => {
                read_exact(
                    source,
                    budget,
                    pos,
                    ZIP64_EOCD_LEN as u64,
                    "reading its ZIP64 end record",
                )
                .await?
            }
        };
        if le32(&record, 0) == ZIP64_EOCD_SIG {
            return Ok((pos, record));
        }
    }
    Err(JarError::Corrupt(format!(
        "the ZIP64 end locator points to byte {recorded}, where there is no ZIP64 end record \
         (truncated or damaged jar)"
    )))
}

/// Why there is no end record: an empty-looking, truncated or foreign file.
async fn no_end_record(
    source: &dyn ByteSource,
    budget: &ReadBudget,
    held: &Region,
    file_len: u64,
) -> JarError {
    let head = match held.get(0, 4) {
        Some(bytes) => Some(bytes.to_vec()),
        None if file_len >= 4 => read_exact(source, budget, 0, 4, "reading its first bytes")
            .await
            .ok(),
        None => None,
    };
    if head.as_deref() == Some(&LOC_MAGIC[..]) {
        JarError::Corrupt(format!(
            "it starts like a zip file but has no end of central directory record in its last \
             {} bytes: the jar is truncated (an interrupted upload or copy?); upload it again",
            held.bytes.len()
        ))
    } else {
        JarError::NotAZip(format!(
            "no zip end of central directory record in its last {} bytes and no zip header at \
             its start; point the job at the built .jar",
            held.bytes.len()
        ))
    }
}

fn split_archive() -> JarError {
    JarError::Corrupt(
        "it is a split (multi-disk) zip archive, which Java cannot load; rebuild it as one file"
            .into(),
    )
}

/// Little-endian readers over a slice known to be long enough; a short
/// slice reads as zeros for the missing bytes, which the signature and
/// bounds checks around every use then reject.
pub(super) fn le16(b: &[u8], at: usize) -> u16 {
    let mut v = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        v.copy_from_slice(s);
    }
    u16::from_le_bytes(v)
}

pub(super) fn le32(b: &[u8], at: usize) -> u32 {
    let mut v = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        v.copy_from_slice(s);
    }
    u32::from_le_bytes(v)
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut v = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        v.copy_from_slice(s);
    }
    u64::from_le_bytes(v)
}

/// CRC-32 (IEEE 802.3, reflected, as zip uses it).
pub(super) fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    };
    !data.iter().fold(!0u32, |c, &b| {
        TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn end_record_prefers_the_one_whose_comment_ends_the_file() {
        // A real end record with a 26-byte comment that itself contains a
        // fake signature whose "comment length" does not reach the end.
        let mut tail = vec![0u8; 10];
        let real = tail.len();
        tail.extend_from_slice(&EOCD_SIG.to_le_bytes());
        tail.extend_from_slice(&[0u8; 16]);
        tail.extend_from_slice(&26u16.to_le_bytes());
        let mut comment = EOCD_SIG.to_le_bytes().to_vec();
        comment.extend_from_slice(&[0u8; 22]);
        tail.extend_from_slice(&comment);
        assert_eq!(tail.len(), real + EOCD_LEN + 26);
        assert_eq!(find_eocd(&tail), Some(real));
        assert_eq!(find_eocd(&tail[..EOCD_LEN - 1]), None);
    }

    #[test]
    fn zip64_values_take_only_the_saturated_slots_and_skip_placeholders() {
        let field = |values: &[u64]| {
            let mut f = vec![0x01, 0, 8 * values.len() as u8, 0];
            for v in values {
                f.extend_from_slice(&v.to_le_bytes());
            }
            f
        };
        // Another field first (the jar tool's 0xCAFE marker), then ZIP64
        // with only the offset.
        let mut extra = vec![0xFE, 0xCA, 0, 0];
        extra.extend(field(&[5 << 30]));
        assert_eq!(
            zip64_values(&extra, [false, false, true]),
            Some([None, None, Some(5 << 30)])
        );
        // A field too short for what is wanted is not complete.
        assert_eq!(zip64_values(&extra, [true, false, true]), None);
        // Placeholders first, real values second: the real ones win.
        let mut extra = field(&[0xFFFF_FFFF, 0xFFFF_FFFF]);
        extra.extend(field(&[262, 197]));
        assert_eq!(
            zip64_values(&extra, [true, true, false]),
            Some([Some(262), Some(197), None])
        );
        // A field claiming more bytes than there are ends the search.
        assert_eq!(
            zip64_values(&[0x01, 0, 9, 0, 1], [true, false, false]),
            None
        );
    }
}
