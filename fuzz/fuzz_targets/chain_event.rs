//! `cargo fuzz run chain_event`: see crates/walrus-fuzz for what the target checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (walrus_fuzz::target("chain_event").expect("a known target").run)(data);
});
