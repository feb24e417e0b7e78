//! Use cases, written only against the ports.
