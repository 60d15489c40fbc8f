//! `cargo fuzz run metadata`: see crates/walrus-fuzz for what the target checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (walrus_fuzz::target("metadata").expect("a known target").run)(data);
});
