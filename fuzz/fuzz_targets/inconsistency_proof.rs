//! `cargo fuzz run inconsistency_proof`: see crates/walrus-fuzz for what the target checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (walrus_fuzz::target("inconsistency_proof").expect("a known target").run)(data);
});
