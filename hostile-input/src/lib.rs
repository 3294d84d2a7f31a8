//! Test support for the workspace's hostile-input suites (`tests/suite/hostile.rs` in each crate).
//!
//! Every parser that reads network bytes is driven with arbitrary bytes, arbitrary JSON, and,
//! above all, *mutated valid documents*: a crate's own fixtures with bytes flipped, inserted or
//! deleted, cut short, values replaced by other JSON types, huge numbers, deep nesting and very
//! long strings ([`mutate`]). Client calls receive those bodies from a wiremock server through
//! an answer [`Slot`](server::Slot) that each proptest case refills, so the real decoder runs
//! behind the real engine. [`check`] holds the properties every outcome must have: a typed
//! error carrying the raw body, and printed forms bounded by the input. [`edge`] holds the
//! caller-side edge values (control characters, blank text, huge text); [`logs`] the tracing
//! capture of the secrets suites.
//!
//! Not published: it exists so that five suites do not each carry the same mutators.

pub mod check;
pub mod edge;
pub mod logs;
pub mod mutate;
pub mod server;

use proptest::test_runner::{Config, FileFailurePersistence};

/// The case count of every hostile proptest: enough variety per run, and a whole-workspace test
/// run on two cores stays fast.
pub const CASES: u32 = 128;

/// The configuration of every hostile proptest: [`CASES`] cases (or `HOSTILE_CASES` from the
/// environment, for a deeper run by hand), and the seeds of failures found kept beside the test
/// file (`tests/suite/hostile.proptest-regressions`, committed), so that they run first from then on.
/// (proptest's default place needs a `lib.rs` above the test file, which an integration test
/// does not have.)
pub fn config() -> Config {
    let cases = std::env::var("HOSTILE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES);
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::with_cases(cases)
    }
}

/// [`config`] with half the cases, for the suites whose every case costs more (a new client and
/// its login, a recorded request to parse).
pub fn light_config() -> Config {
    let config = config();
    Config {
        cases: (config.cases / 2).max(1),
        ..config
    }
}
