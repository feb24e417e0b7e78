//! Unit tests of the use cases with mocked ports.
