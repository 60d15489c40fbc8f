//! Signed protocol messages and certificates (filled in by the messages work).
