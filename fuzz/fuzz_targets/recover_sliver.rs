//! `cargo fuzz run recover_sliver`: see crates/walrus-fuzz for what the target checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    (walrus_fuzz::target("recover_sliver").expect("a known target").run)(data);
});
