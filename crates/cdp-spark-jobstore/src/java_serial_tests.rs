//! The reader on streams real Java wrote (hex below, made by
//! `ObjectOutputStream` of Java 17 with Quartz 2.3.2's `JobDataMap`), and
//! on truncated, altered and hostile ones: errors, never a panic.

use super::*;

/// A JobDataMap as the old provisioner's `JobManager.createJob` fills it,
/// serialized by Java 17's `ObjectOutputStream` with Quartz 2.3.2's
/// `JobDataMap` and the Scala 2.13 stand-ins of the app's
/// `tests/java/scala` (`OldProvisioner hex`): `jobArgs` a `List` proxy,
/// `conf` a `Map` proxy of 5 `Tuple2`s, boxed `Integer`s.
const OLD_JOB_DATA: &[&str] = &[
    "aced0005737200156f72672e71756172747a2e4a6f62446174614d61709fb083e8bfa9b0cb020000787200266f72672e",
    "71756172747a2e7574696c732e537472696e674b65794469727479466c61674d61708208e8c3fbc55d280200015a0013",
    "616c6c6f77735472616e7369656e74446174617872001d6f72672e71756172747a2e7574696c732e4469727479466c61",
    "674d617013e62ead28760ace0200025a000564697274794c00036d617074000f4c6a6176612f7574696c2f4d61703b78",
    "7001737200116a6176612e7574696c2e486173684d61700507dac1c31660d103000246000a6c6f6164466163746f7249",
    "00097468726573686f6c6478703f4000000000000c7708000000100000000b74000c6e756d4578656375746f72737372",
    "00116a6176612e6c616e672e496e746567657212e2a0a4f781873802000149000576616c7565787200106a6176612e6c",
    "616e672e4e756d62657286ac951d0b94e08b02000078700000000374000c6472697665724d656d6f7279740002326774",
    "000e6578656375746f724d656d6f7279740002346774000b647269766572436f7265737371007e000800000001740007",
    "6a617250617468740017686466733a2f2f6e73312f617070732f6167672e6a617274000d6578656375746f72436f7265",
    "737371007e0008000000027400076a6f6241726773737200327363616c612e636f6c6c656374696f6e2e67656e657269",
    "632e44656661756c7453657269616c697a6174696f6e50726f787900000000000000030300014c0007666163746f7279",
    "7400124c6a6176612f6c616e672f4f626a6563743b78707372002a7363616c612e636f6c6c656374696f6e2e49746572",
    "61626c65466163746f727924546f466163746f727900000000000000030200014c0007666163746f727971007e001778",
    "70737200267363616c612e72756e74696d652e4d6f64756c6553657269616c697a6174696f6e50726f78790000000000",
    "0000010200014c000b6d6f64756c65436c6173737400114c6a6176612f6c616e672f436c6173733b7870767200207363",
    "616c612e636f6c6c656374696f6e2e696d6d757461626c652e4c69737424000000000000000000000078707704ffffff",
    "ff7400062d2d6461746574000d63697474c3a020eda0bdedba80740003613d627371007e001b767200267363616c612e",
    "636f6c6c656374696f6e2e67656e657269632e53657269616c697a65456e642400000000000000000000007870787400",
    "046e616d657400096461696c792d616767740009636c6173734e616d6574000c636f6d2e61636d652e41676774000463",
    "6f6e667371007e0016737200257363616c612e636f6c6c656374696f6e2e4d6170466163746f727924546f466163746f",
    "727900000000000000030200014c0007666163746f727971007e001778707371007e001b7672001f7363616c612e636f",
    "6c6c656374696f6e2e696d6d757461626c652e4d617024000000000000000000000078707704000000057372000c7363",
    "616c612e5475706c653200000000000000010200024c00025f3171007e00174c00025f3271007e0017787074001c7370",
    "61726b2e73716c2e73687566666c652e706172746974696f6e73740001387371007e0031740007737061726b2e617400",
    "01317371007e0031740007737061726b2e62740001327371007e0031740007737061726b2e63740001337371007e0031",
    "740007737061726b2e647400013478740005717565756574000c726f6f742e66696e616e63657800",
];

fn old_job_data() -> Vec<u8> {
    hex(&OLD_JOB_DATA.concat())
}

#[test]
fn the_old_provisioners_job_data_map_is_read() {
    let m = job_data_map(&old_job_data()).expect("reads");
    let text = |s: &str| LegacyValue::Text(s.into());
    assert_eq!(m["className"], text("com.acme.Agg"));
    assert_eq!(m["driverCores"], LegacyValue::Integer(1));
    assert_eq!(m["numExecutors"], LegacyValue::Integer(3));
    assert_eq!(
        m["jobArgs"],
        LegacyValue::List(vec![text("--date"), text("città 🚀"), text("a=b")])
    );
    let LegacyValue::Map(conf) = &m["conf"] else {
        panic!("conf is a map: {:?}", m["conf"]);
    };
    assert_eq!(conf.len(), 5);
    assert!(conf.contains(&(text("spark.sql.shuffle.partitions"), text("8"))));
    assert_eq!(m.len(), 11);
}

#[test]
fn every_truncation_and_every_byte_flip_of_a_real_stream_is_handled() {
    let bytes = old_job_data();
    for end in 0..bytes.len() {
        assert!(job_data_map(&bytes[..end]).is_err(), "cut at {end}");
    }
    for at in 0..bytes.len() {
        for flip in [0x01, 0x80, 0xFF] {
            let mut b = bytes.clone();
            b[at] ^= flip;
            // Either an error or a map; never a panic or a hang.
            let _ = job_data_map(&b);
        }
    }
}

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
            bytes.push((seed >> 16) as u8 | (0x70 * ((seed & 1) as u8)));
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
