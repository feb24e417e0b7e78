//! A ProvisioningRequest descriptor from a caller: any text is read under
//! the provisioner's default limits and either parses or yields issues;
//! it must never panic, hang or allocate past libFuzzer's malloc limit.
#![no_main]

use cdp_spark_domain::api::DescriptorKind;
use cdp_spark_domain::descriptor::{parse_request, DescriptorSettings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let settings = DescriptorSettings::default();
        let _ = parse_request(DescriptorKind::ComponentDescriptor, text, &settings);
    }
});
