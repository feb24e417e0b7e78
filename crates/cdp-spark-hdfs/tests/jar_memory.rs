//! What a crafted jar costs in memory: an end record that claims a huge
//! central directory over a sparse file (a few kilobytes on disk). Before,
//! the claimed directory was read into memory whole (up to 512 MiB per
//! validation; six at once peaked at 2.1 GiB). Now it is refused by the
//! validation's read budget before any read when it claims more than the
//! budget, and streamed 1 MiB at a time, stopping at the first entry that
//! does not parse, when it claims less.
//!
//! This binary counts every allocation (a counting global allocator) and
//! runs its cases one after the other: the peak is what one validation (or
//! six at once) held on top of what was live before it.

#[path = "support/validation.rs"]
mod validation;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use cdp_spark_domain::usecases::UseCaseSettings;
use cdp_spark_hdfs::ArtifactFs;

/// Counts the bytes allocated now and the most since the last reset.
struct CountingAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = LIVE.fetch_add(grow, Ordering::SeqCst) + grow;
                PEAK.fetch_max(now, Ordering::SeqCst);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

const MIB: usize = 1024 * 1024;

/// A sparse file of `claimed + 22` bytes: zeros, then an end record that
/// claims one entry in a central directory of `claimed` bytes at offset 0.
fn crafted_jar(path: &Path, claimed: u32) {
    let mut file = std::fs::File::create(path).expect("create");
    file.seek(SeekFrom::Start(u64::from(claimed)))
        .expect("seek past the hole");
    let mut eocd = Vec::new();
    eocd.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    eocd.extend_from_slice(&[0, 0, 0, 0]); // disks
    eocd.extend_from_slice(&1u16.to_le_bytes()); // entries on this disk
    eocd.extend_from_slice(&1u16.to_le_bytes()); // entries
    eocd.extend_from_slice(&claimed.to_le_bytes()); // central directory size
    eocd.extend_from_slice(&0u32.to_le_bytes()); // its offset
    eocd.extend_from_slice(&0u16.to_le_bytes()); // no comment
    file.write_all(&eocd).expect("write the end record");
    let on_disk = std::os::unix::fs::MetadataExt::blocks(&file.metadata().expect("meta")) * 512;
    assert!(on_disk < 64 * 1024, "{on_disk} bytes on disk: not sparse");
}

/// A sparse zip of one stored entry, the fixture's main class, claiming
/// `claimed` bytes of data (zeros on disk but for the headers).
fn crafted_class(path: &Path, claimed: u32) {
    let name = b"com/acme/finance/cashflow/DailyAggregation.class";
    let header = |central: bool| {
        let mut h = Vec::new();
        h.extend_from_slice(&(if central { 0x0201_4b50u32 } else { 0x0403_4b50 }).to_le_bytes());
        if central {
            h.extend_from_slice(&20u16.to_le_bytes()); // made by
        }
        h.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // needed, flags, stored, time, date
        h.extend_from_slice(&0u32.to_le_bytes()); // crc
        h.extend_from_slice(&claimed.to_le_bytes());
        h.extend_from_slice(&claimed.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // extra
        if central {
            h.extend_from_slice(&[0; 6]); // comment, disk, internal attributes
            h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            h.extend_from_slice(&0u32.to_le_bytes()); // local header at 0
        }
        h.extend_from_slice(name);
        h
    };
    let local = header(false);
    let central = header(true);
    let cd_at = local.len() as u32 + claimed;
    let mut file = std::fs::File::create(path).expect("create");
    file.write_all(&local).expect("local header");
    file.seek(SeekFrom::Start(u64::from(cd_at)))
        .expect("seek past the data");
    file.write_all(&central).expect("central directory");
    let mut eocd = Vec::new();
    eocd.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    eocd.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    eocd.extend_from_slice(&(central.len() as u32).to_le_bytes());
    eocd.extend_from_slice(&cd_at.to_le_bytes());
    eocd.extend_from_slice(&0u16.to_le_bytes());
    file.write_all(&eocd).expect("end record");
}

/// Runs `validations` validations of `jar` at once; the problems on
/// `specific.jar` and the peak of memory above what was live before.
fn validate_measured(jar: &Path, validations: usize) -> (Vec<String>, usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let provisioner = validation::provisioner(
        Arc::new(ArtifactFs::local_only()),
        UseCaseSettings::default(),
    );
    let request = validation::request(&jar.display().to_string(), validation::FIXTURE_CLASS, &[]);
    // Warm up the runtime's threads and the descriptor parser once.
    let warm = runtime.block_on(provisioner.validate(&request));
    assert!(warm.is_ok(), "{warm:?}");
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let results = runtime.block_on(futures::future::join_all(
        (0..validations).map(|_| provisioner.validate(&request)),
    ));
    let peak = PEAK.load(Ordering::SeqCst) - before;
    let mut problems = Vec::new();
    for result in results {
        let result = result.expect("a validation result, not a system error");
        assert!(!result.valid);
        problems.push(validation::problem_on(&result, "specific.jar"));
    }
    drop(runtime);
    (problems, peak)
}

#[test]
fn a_crafted_central_directory_costs_a_few_mib_not_what_it_claims() {
    let dir = tempfile::tempdir().expect("tempdir");

    // 500 MB claimed: past the 64 MiB budget, refused before it is read.
    let huge = dir.path().join("huge-claim.jar");
    crafted_jar(&huge, 500_000_000);
    let (problems, peak) = validate_measured(&huge, 1);
    eprintln!(
        "500 MB claimed: peak {:.2} MiB; {}",
        peak as f64 / MIB as f64,
        problems[0]
    );
    assert!(
        problems[0].contains("is too large to inspect")
            && problems[0].contains("its central directory"),
        "{problems:?}"
    );
    assert!(peak < 8 * MIB, "one validation held {peak} bytes");

    // 60 MB claimed, within the budget: streamed, and stopped at the first
    // entry, which is zeros.
    let within = dir.path().join("within-budget.jar");
    crafted_jar(&within, 60_000_000);
    let (problems, peak) = validate_measured(&within, 1);
    eprintln!(
        "60 MB claimed: peak {:.2} MiB; {}",
        peak as f64 / MIB as f64,
        problems[0]
    );
    assert!(
        problems[0].contains("is a damaged jar")
            && problems[0].contains(
                "central directory entry #0 (byte 0) does not start with a header signature"
            ),
        "{problems:?}"
    );
    assert!(peak < 8 * MIB, "one validation held {peak} bytes");

    // Six at once (the attack's figure was 2.1 GiB): at most four inspect
    // at a time, each within its few MiB.
    let (problems, peak) = validate_measured(&within, 6);
    eprintln!(
        "6 at once, 60 MB claimed each: peak {:.2} MiB",
        peak as f64 / MIB as f64
    );
    assert_eq!(problems.len(), 6);
    assert!(peak < 24 * MIB, "six validations held {peak} bytes");

    // The class entry itself claiming 32 MB: refused before it is read
    // (16 MiB at most for a class file).
    let class = dir.path().join("huge-class.jar");
    crafted_class(&class, 32_000_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let provisioner = validation::provisioner(
        Arc::new(ArtifactFs::local_only()),
        UseCaseSettings::default(),
    );
    let request = validation::request(&class.display().to_string(), validation::FIXTURE_CLASS, &[]);
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let result = runtime
        .block_on(provisioner.validate(&request))
        .expect("a validation result");
    let peak = PEAK.load(Ordering::SeqCst) - before;
    let problem = validation::problem_on(&result, "specific.jar");
    eprintln!(
        "a class entry of 32 MB claimed: peak {:.2} MiB; {problem}",
        peak as f64 / MIB as f64
    );
    assert!(
        problem.contains("more than any class file has"),
        "{problem}"
    );
    assert!(peak < 8 * MIB, "one validation held {peak} bytes");
}
