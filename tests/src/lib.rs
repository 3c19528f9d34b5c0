//! End-to-end tests of the Banli programs together; see `tests/`.
