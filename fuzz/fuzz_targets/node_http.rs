//! `cargo fuzz run node_http`: see crates/walrus-fuzz for what the target checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    walrus_fuzz::http::node_http(data);
});
