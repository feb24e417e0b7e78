//! Files that are not jars, damaged jars, and jars of unusual but valid
//! shapes (a comment, a launch script in front, a long local extra field).

use crate::support::byte_sources;
use cdp_spark_testkit::javajar;
use cdp_spark_testkit::zipjar;

use byte_sources::{Counting, MemSource};
use cdp_spark_domain::jar::{check_main_class, JarError, MainClassCheck};
use javajar::{Compiled, Packing};
use zipjar::{deflated, stored, JarWriter};

fn compiled() -> Compiled {
    javajar::compile(
        "jar-damaged",
        &[(
            "com/acme/Main.java",
            "package com.acme;\npublic class Main { public static void main(String[] args) {} }\n",
        )],
    )
}

fn main_class() -> Vec<u8> {
    compiled().class_bytes("com/acme/Main")
}

async fn check_bytes(bytes: Vec<u8>, class: &str) -> Result<MainClassCheck, JarError> {
    check_main_class(&MemSource(bytes), class).await
}

fn has_main() -> MainClassCheck {
    MainClassCheck::HasMain {
        entry: "com/acme/Main.class".into(),
    }
}

fn corrupt(result: Result<MainClassCheck, JarError>) -> String {
    match result {
        Err(JarError::Corrupt(detail)) => detail,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// Index of the central directory header of the only entry.
fn central_header(zip: &[u8]) -> usize {
    zip.windows(4)
        .rposition(|w| w == b"PK\x01\x02")
        .expect("a central directory header")
}

#[tokio::test]
async fn an_empty_file_is_not_a_zip() {
    let err = check_bytes(Vec::new(), "com.acme.Main")
        .await
        .expect_err("empty");
    assert!(
        matches!(&err, JarError::NotAZip(d) if d.contains("empty")),
        "{err:?}"
    );
}

#[tokio::test]
async fn other_files_are_not_zips() {
    for bytes in [
        b"#!/bin/sh\necho this is a script\n".to_vec(),
        b"PK".to_vec(),
        "a CSV,with,columns\n".repeat(10_000).into_bytes(),
        main_class(),
    ] {
        let len = bytes.len();
        let err = check_bytes(bytes, "com.acme.Main")
            .await
            .expect_err("not a zip");
        assert!(
            matches!(&err, JarError::NotAZip(d) if d.contains("no zip end of central directory")),
            "{len} bytes: {err:?}"
        );
        assert!(
            err.to_string().starts_with("is not a jar (zip) file"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_truncated_jar_is_reported_as_truncated() {
    let jar = std::fs::read(compiled().jar(Packing::Deflated)).expect("read the jar");
    for keep in [jar.len() / 2, jar.len() - 10, 40] {
        let detail = corrupt(check_bytes(jar[..keep].to_vec(), "com.acme.Main").await);
        assert!(detail.contains("truncated"), "kept {keep}: {detail}");
    }
}

#[tokio::test]
async fn a_damaged_class_entry_fails_its_crc_or_inflate() {
    let class = main_class();
    let mut w = JarWriter::in_memory();
    w.add("com/acme/Main.class", stored(), &class);
    let mut zip = w.finish_bytes();
    let at = zip
        .windows(class.len())
        .position(|w| w == class.as_slice())
        .expect("the stored class");
    zip[at + class.len() / 2] ^= 0x5A;
    let detail = corrupt(check_bytes(zip, "com.acme.Main").await);
    assert!(
        detail.contains("CRC-32") && detail.contains("com/acme/Main.class"),
        "{detail}"
    );

    let mut w = JarWriter::in_memory();
    w.add("com/acme/Main.class", deflated(), &class);
    let mut zip = w.finish_bytes();
    // The deflate stream starts right after the 30-byte header and the name.
    let data = 30 + "com/acme/Main.class".len();
    zip[data] = 0xFF; // block type 3: reserved, invalid
    let detail = corrupt(check_bytes(zip, "com.acme.Main").await);
    assert!(detail.contains("does not inflate"), "{detail}");
}

#[tokio::test]
async fn bad_central_directory_offsets_are_corrupt() {
    let mut w = JarWriter::in_memory();
    w.add("com/acme/Main.class", deflated(), &main_class());
    let good = w.finish_bytes();
    let eocd = good.len() - 22;
    let recorded = u32::from_le_bytes(good[eocd + 16..eocd + 20].try_into().expect("4 bytes"));

    // Past where the directory really is: it would overlap the end record.
    let mut zip = good.clone();
    zip[eocd + 16..eocd + 20].copy_from_slice(&(recorded + 1000).to_le_bytes());
    let detail = corrupt(check_bytes(zip, "com.acme.Main").await);
    assert!(
        detail.contains("places the central directory at byte"),
        "{detail}"
    );

    // Before it: everything shifts and the local header is not found.
    let mut zip = good.clone();
    zip[eocd + 16..eocd + 20].copy_from_slice(&(recorded - 7).to_le_bytes());
    let detail = corrupt(check_bytes(zip, "com.acme.Main").await);
    assert!(detail.contains("no local header"), "{detail}");

    // A directory size larger than the file.
    let mut zip = good.clone();
    zip[eocd + 12..eocd + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    let detail = corrupt(check_bytes(zip, "com.acme.Main").await);
    assert!(detail.contains("before the start of the file"), "{detail}");

    // A damaged directory entry signature.
    let mut zip = good;
    let cen = central_header(&zip);
    zip[cen + 2] = b'X';
    let detail = corrupt(check_bytes(zip, "com.acme.Main").await);
    assert!(detail.contains("central directory entry #0"), "{detail}");
}

#[tokio::test]
async fn entries_java_cannot_read_are_corrupt() {
    let mut w = JarWriter::in_memory();
    w.add("com/acme/Main.class", stored(), &main_class());
    let good = w.finish_bytes();
    let cen = central_header(&good);

    let mut zip = good.clone();
    zip[cen + 10..cen + 12].copy_from_slice(&12u16.to_le_bytes()); // bzip2
    let detail = corrupt(check_bytes(zip, "com.acme.Main").await);
    assert!(detail.contains("compression method 12"), "{detail}");

    let mut zip = good;
    zip[cen + 8] |= 1; // encrypted
    let detail = corrupt(check_bytes(zip, "com.acme.Main").await);
    assert!(detail.contains("encrypted"), "{detail}");
}

#[tokio::test]
async fn a_class_entry_that_is_no_class_or_the_wrong_class_is_corrupt() {
    let mut w = JarWriter::in_memory();
    w.add("com/acme/Fake.class", deflated(), b"hello, not a class")
        .add("com/acme/Other.class", deflated(), &main_class());
    let zip = w.finish_bytes();
    let detail = corrupt(check_bytes(zip.clone(), "com.acme.Fake").await);
    assert!(
        detail.contains("com/acme/Fake.class") && detail.contains("CAFEBABE"),
        "{detail}"
    );
    let detail = corrupt(check_bytes(zip, "com.acme.Other").await);
    assert!(
        detail.contains("holds class com.acme.Main, not com.acme.Other"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_comment_or_a_launch_script_in_front_is_fine() {
    let mut w = JarWriter::in_memory();
    w.add(
        "META-INF/MANIFEST.MF",
        deflated(),
        b"Manifest-Version: 1.0\r\n\r\n",
    )
    .add("com/acme/Main.class", deflated(), &main_class());
    w.zip
        .set_comment("built by a test; PK\u{5}\u{6} inside the comment");
    let zip = w.finish_bytes();
    assert_eq!(
        check_bytes(zip.clone(), "com.acme.Main").await,
        Ok(has_main())
    );

    // What Spring Boot's "fully executable" jars look like.
    let mut launchable = b"#!/bin/bash\nexec java -jar \"$0\" \"$@\"\n".to_vec();
    launchable.extend_from_slice(&zip);
    assert_eq!(
        check_bytes(launchable, "com.acme.Main").await,
        Ok(has_main())
    );
}

/// An entry whose local extra field is far longer than the central
/// directory's (here alignment padding) takes one more read for the rest.
#[tokio::test]
async fn a_long_local_extra_field_costs_one_more_read() {
    let class = main_class();
    let mut w = JarWriter::in_memory();
    w.add(
        "com/acme/Main.class",
        deflated().with_alignment(4096),
        &class,
    )
    .add("blob.bin", stored(), &zipjar::random_bytes(7, 100 * 1024));
    let zip = w.finish_bytes();
    let local_extra = u16::from_le_bytes([zip[28], zip[29]]);
    assert!(
        local_extra > 1000,
        "alignment padding of {local_extra} bytes expected"
    );

    let compressed = u64::from(u32::from_le_bytes([zip[18], zip[19], zip[20], zip[21]]));
    let data_end = 30 + "com/acme/Main.class".len() as u64 + u64::from(local_extra) + compressed;

    let source = Counting::new(MemSource(zip));
    assert_eq!(
        check_main_class(&source, "com.acme.Main").await,
        Ok(has_main())
    );
    let ranges = source.ranges();
    assert_eq!(
        ranges.len(),
        3,
        "tail, local header, rest of the data: {ranges:?}"
    );
    assert_eq!(
        ranges[1].0, 0,
        "the local header is read at its offset: {ranges:?}"
    );
    assert_eq!(ranges[2].0 + ranges[2].1, data_end, "{ranges:?}");
}
