//! The example programs' shared parts: command-line flags, readable output, and each vendor's
//! flow as a function, so that the vendor example, the quickstart and the tests run the same code.

use std::collections::HashMap;

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

/// Command-line flags of the form `--name value` (and bare `--switch`).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    values: HashMap<String, String>,
}

impl Flags {
    /// Parses the process arguments.
    pub fn from_env() -> Self {
        Self::parse(std::env::args().skip(1))
    }

    /// Parses `args` (without the program name).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Self {
        let mut values = HashMap::new();
        let mut args = args.into_iter().peekable();
        while let Some(arg) = args.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = match args.peek() {
                    Some(next) if !next.starts_with("--") => args.next().unwrap_or_default(),
                    _ => String::new(),
                };
                values.insert(name.to_owned(), value);
            }
        }
        Flags { values }
    }

    /// A flag's value, falling back to the environment variable `env`.
    pub fn get(&self, name: &str, env: &str) -> Option<String> {
        self.values
            .get(name)
            .cloned()
            .or_else(|| std::env::var(env).ok())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_and_switches() {
        let flags =
            Flags::parse(["--url", "http://d", "--verbose", "--login", "a"].map(String::from));
        assert_eq!(
            flags.get("url", "NO_SUCH_VAR_X").as_deref(),
            Some("http://d")
        );
        assert_eq!(flags.get("verbose", "NO_SUCH_VAR_X").as_deref(), Some(""));
        assert_eq!(flags.get("login", "NO_SUCH_VAR_X").as_deref(), Some("a"));
        assert_eq!(flags.get("password", "NO_SUCH_VAR_X"), None);
    }
}
