//! BLS12-381 min_pk keys (filled in by the messages work).
