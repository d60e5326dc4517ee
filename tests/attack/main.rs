//! The attack suite: the emulator under hostile and heavy input, over real HTTP and raw TCP.
//!
//! - `fuzz`: every `/v2` operation of the official OpenAPI document (`TRIPLETEX_OPENAPI`) or of
//!   the emulator's own route catalogue, with generated path parameters, query values and JSON
//!   bodies; and the `/_sandbox` control plane with malformed bodies.
//! - `raw_tcp`: a corpus of malformed HTTP/1.1 requests written to a bare socket.
//! - `soak`: concurrent customer creates and versioned updates, then every acknowledged write read
//!   back; a sandbox deleted under load.
//! - `durability`: the real binary on a database file, killed with SIGKILL under load, restarted.
//! - `boundaries`: boundary values a client stores and the emulator later computes with
//!   (the largest numbers, due days beyond the calendar).
//! - `parsers`: property tests of every parser that sees client bytes.
//! - `revocation`: readers racing every kind of revocation, in memory, in a fork and on a
//!   database file: nothing revoked serves a request started after it was acknowledged.
//!
//! Each part prints its figures and appends them to `$CARGO_TARGET_TMPDIR/attack-figures.txt`.
//! The fuzz seed is `ATTACK_SEED` (default 42).

mod boundaries;
mod durability;
mod figures;
mod fuzz;
mod harness;
mod operations;
mod parsers;
mod raw_tcp;
mod revocation;
mod soak;
mod world;
