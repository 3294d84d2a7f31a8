//! The example programs' shared parts: their command lines, readable output, and each vendor's
//! flow as a function, so that the vendor example, the quickstart and the tests run the same code.

pub mod cli;
pub mod flows;

/// What an example program's parts return.
pub type Outcome = Result<(), Box<dyn std::error::Error>>;

/// The process exit status for `outcome`, printing the error when there is one.
pub fn exit_code(outcome: Outcome) -> std::process::ExitCode {
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The workspace README's code samples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// Prints a step of an example's flow.
pub fn step(text: impl std::fmt::Display) {
    #[allow(clippy::print_stdout)]
    {
        println!("  - {text}");
    }
}

/// Prints a section heading.
pub fn heading(text: impl std::fmt::Display) {
    #[allow(clippy::print_stdout)]
    {
        println!("\n== {text}");
    }
}
