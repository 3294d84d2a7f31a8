//! The example programs' command lines (clap derive), kept here so that tests can parse them.
//!
//! Without arguments every example runs against the embedded simulator. Secrets (passwords,
//! keys) are best given in environment variables: a flag's value is visible to every user of
//! the machine in the process list (`ps`). `--help` names the variables and never prints their
//! values.

use std::fmt;
use std::path::PathBuf;

use clap::Parser;

/// Printed at the end of every example's `--help`.
pub const SECRETS_NOTE: &str = "Without --url the example runs against the embedded simulator and \
    ignores the other options.\n\nSecrets: prefer the environment variables shown above to the \
    flags. A flag's value is visible to every user of this machine in the process list (ps); \
    --help never prints an environment variable's value.";

/// A secret from the command line or the environment: its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, to hand to a client builder.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret itself, by value.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The value of an option that `--url` needs, or an error naming the flag and its variable.
pub fn required<T>(value: Option<T>, flag: &str, env: Option<&str>) -> Result<T, String> {
    value.ok_or_else(|| match env {
        Some(env) => format!("--{flag} (or the environment variable {env}) is required with --url"),
        None => format!("--{flag} is required with --url"),
    })
}

/// `cargo run -p examples --example quickstart`: it takes no options.
#[derive(Debug, Parser)]
#[command(
    name = "quickstart",
    about = "Runs every landed vendor's main flow against the simulator, started in-process."
)]
pub struct QuickstartArgs {}

/// `cargo run -p examples --example controlid`: the Control iD flow.
#[derive(Debug, Parser)]
#[command(
    name = "controlid",
    about = "Control iD flow: against the embedded simulator by default, or a real terminal.",
    after_help = SECRETS_NOTE
)]
pub struct ControlIdArgs {
    /// Base URL of a real terminal (without it: the simulator).
    #[arg(
        long,
        env = "CONTROLID_URL",
        help = "Base URL of a real terminal, e.g. http://192.168.0.129 (without it: the simulator)"
    )]
    pub url: Option<String>,
    /// The terminal's login (required with --url)
    #[arg(long, env = "CONTROLID_LOGIN")]
    pub login: Option<String>,
    /// The terminal's password (required with --url; prefer the environment variable)
    #[arg(long, env = "CONTROLID_PASSWORD", hide_env_values = true)]
    pub password: Option<Secret>,
    /// This machine's address as the terminal sees it (required with --url)
    #[arg(long, env = "CONTROLID_CALLBACK_HOST")]
    pub callback_host: Option<String>,
    /// Port of the callback server, on 0.0.0.0, that the terminal posts to
    #[arg(long, env = "CONTROLID_CALLBACK_PORT", default_value_t = 8000)]
    pub callback_port: u16,
}

/// `cargo run -p examples --example ef45`: the CMITECH EF-45 flow.
#[derive(Debug, Parser)]
#[command(
    name = "ef45",
    about = "CMITECH EF-45 flow: against the embedded simulator by default, or a real terminal.",
    after_help = SECRETS_NOTE
)]
pub struct Ef45Args {
    /// Base URL of a real terminal (without it: the simulator).
    #[arg(
        long,
        env = "EF45_URL",
        help = "Base URL of a real terminal, e.g. http://192.168.0.100:9980 (without it: the simulator)"
    )]
    pub url: Option<String>,
    /// The device login (without it the device assumes its factory login)
    #[arg(long, env = "EF45_ID")]
    pub id: Option<String>,
    /// The device password (prefer the environment variable)
    #[arg(long, env = "EF45_PASSWORD", hide_env_values = true)]
    pub password: Option<Secret>,
    /// The user id the flow enrols (it must not exist on the device)
    #[arg(long, default_value = "900001")]
    pub user: String,
    /// First day of the log range (yyyy-mm-dd)
    #[arg(long, default_value = "2018-05-28")]
    pub from: String,
    /// Day after the last day of the log range (yyyy-mm-dd)
    #[arg(long, default_value = "2018-05-30")]
    pub to: String,
    /// With --url: also enrol this user by capture (someone presents at the camera) and
    /// handle three recognitions
    #[arg(long)]
    pub capture_user: Option<String>,
    /// With --url: also upload this firmware file (the device upgrades and reboots after it)
    #[arg(long, value_name = "FILE")]
    pub firmware: Option<PathBuf>,
    /// With --firmware: a forced upgrade or downgrade (PUT) instead of a normal one (POST)
    #[arg(long)]
    pub forced: bool,
    /// Without --url: the application version the simulator reports and serves (an older one
    /// refuses the calls later revisions brought)
    #[arg(long, value_name = "VERSION", help_heading = "Simulator")]
    pub sim_app_version: Option<String>,
    /// Without --url: every Nth call made with the lock finds it stale (device code 1102),
    /// at most once per upload
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        help_heading = "Simulator"
    )]
    pub sim_stale_every: usize,
    /// Without --url: the HTTP status of that 1102 answer (200 or 400)
    #[arg(
        long,
        value_name = "STATUS",
        default_value_t = 200,
        help_heading = "Simulator"
    )]
    pub sim_stale_status: u16,
    /// Without --url: a capture from an earlier enrolment waits in the buffer at start
    #[arg(long, help_heading = "Simulator")]
    pub sim_leftover_capture: bool,
}

/// `cargo run -p examples --example bioid`: the BioID BWS 3 flow.
#[derive(Debug, Parser)]
#[command(
    name = "bioid",
    about = "BioID BWS 3 flow: against the embedded simulator by default, or a real service.",
    after_help = SECRETS_NOTE
)]
pub struct BioIdArgs {
    /// Base URL of the service (without it: the simulator).
    #[arg(
        long,
        env = "BWS_URL",
        help = "Base URL of the service, e.g. https://grpc.bws-eu.bioid.com (without it: the simulator)"
    )]
    pub url: Option<String>,
    /// The BWS client id (required with --url)
    #[arg(long, env = "BWS_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The BWS client key, base64 (required with --url; prefer the environment variable)
    #[arg(long, env = "BWS_CLIENT_KEY", hide_env_values = true)]
    pub client_key: Option<Secret>,
    /// A live selfie of a first person (required with --url)
    #[arg(long, value_name = "FILE")]
    pub alice: Option<PathBuf>,
    /// Another live selfie of the same person (required with --url)
    #[arg(long, value_name = "FILE")]
    pub alice_again: Option<PathBuf>,
    /// The same person after turning left (required with --url)
    #[arg(long, value_name = "FILE")]
    pub alice_left: Option<PathBuf>,
    /// An ID photo of the same person (required with --url)
    #[arg(long, value_name = "FILE")]
    pub alice_photo: Option<PathBuf>,
    /// A live selfie of another person (required with --url)
    #[arg(long, value_name = "FILE")]
    pub bob: Option<PathBuf>,
    /// A picture without a face (required with --url)
    #[arg(long, value_name = "FILE")]
    pub no_face: Option<PathBuf>,
}

/// `cargo run -p examples --example biopassid`: the BioPass ID Multibiometrics flow.
#[derive(Debug, Parser)]
#[command(
    name = "biopassid",
    about = "BioPass ID Multibiometrics flow: against the embedded simulator by default, or a real service.",
    after_help = SECRETS_NOTE
)]
pub struct BioPassIdArgs {
    /// The service: production, homologation or a base URL (without it: the simulator)
    #[arg(long, env = "BIOPASSID_URL")]
    pub url: Option<String>,
    /// The subscription key (required with --url; prefer the environment variable)
    #[arg(long, env = "BIOPASSID_KEY", hide_env_values = true)]
    pub key: Option<Secret>,
    /// The person's face (required with --url)
    #[arg(long, value_name = "FILE")]
    pub face: Option<PathBuf>,
    /// A newer face of the same person, for the update (required with --url)
    #[arg(long, value_name = "FILE")]
    pub new_face: Option<PathBuf>,
    /// Another person's face (required with --url)
    #[arg(long, value_name = "FILE")]
    pub other_face: Option<PathBuf>,
    /// The person's finger 1 (required with --url)
    #[arg(long = "finger-1", value_name = "FILE")]
    pub finger_1: Option<PathBuf>,
    /// The person's finger 2 (required with --url)
    #[arg(long = "finger-2", value_name = "FILE")]
    pub finger_2: Option<PathBuf>,
    /// A picture without a face (required with --url)
    #[arg(long, value_name = "FILE")]
    pub no_face: Option<PathBuf>,
    /// The `CustomID` to enroll, verify, update and delete (default: a fresh one).
    #[arg(
        long,
        value_name = "ID",
        help = "The CustomID to enroll, verify, update and delete [default: biometric-rs-example-<time>]"
    )]
    pub custom_id: Option<String>,
}

/// `cargo run -p examples --example apptenticate`: the Apptenticate flow.
#[derive(Debug, Parser)]
#[command(
    name = "apptenticate",
    about = "Apptenticate flow: against the embedded simulator by default, or the real service.",
    after_help = SECRETS_NOTE
)]
pub struct ApptenticateArgs {
    /// Base URL of the service (without it: the simulator).
    #[arg(
        long,
        env = "APPTENTICATE_URL",
        help = "Base URL of the service, e.g. https://api.apptenticate.com (without it: the simulator)"
    )]
    pub url: Option<String>,
    /// The account's username (required with --url)
    #[arg(long, env = "APPTENTICATE_USERNAME")]
    pub username: Option<String>,
    /// The account's password (required with --url; prefer the environment variable)
    #[arg(long, env = "APPTENTICATE_PASSWORD", hide_env_values = true)]
    pub password: Option<Secret>,
    /// The path of the citizen-ID check, from your contract (required with --url; it is not in
    /// the public documentation)
    #[arg(long, env = "APPTENTICATE_CHECK_PATH")]
    pub check_path: Option<String>,
    /// The citizen ID (cedula) to check (required with --url)
    #[arg(long, env = "APPTENTICATE_CEDULA")]
    pub cedula: Option<String>,
    /// A live selfie of that citizen (required with --url)
    #[arg(long, env = "APPTENTICATE_IMAGE", value_name = "FILE")]
    pub image: Option<PathBuf>,
    /// A selfie of someone else (optional)
    #[arg(long, value_name = "FILE")]
    pub other_image: Option<PathBuf>,
    /// A photo of a photo, for the liveness check (optional)
    #[arg(long, value_name = "FILE")]
    pub photo: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use std::process::Command as Process;

    use clap::{Command, CommandFactory};

    use super::*;

    /// The value every secret variable gets in the child process.
    const SECRET: &str = "s3cr3t-from-the-environment";
    /// Set in the child process: there the test does its work.
    const CHILD: &str = "EXAMPLES_CLI_TEST_CHILD";

    fn commands() -> [Command; 5] {
        [
            QuickstartArgs::command(),
            ControlIdArgs::command(),
            BioIdArgs::command(),
            BioPassIdArgs::command(),
            ApptenticateArgs::command(),
        ]
    }

    /// Runs the test `name` again in a child process with `vars` set and every other variable
    /// the command lines read removed; returns `true` in the child, where the test does its
    /// work. (Setting variables in this process would need `unsafe`, which the workspace
    /// forbids, and would leak into the other tests.)
    fn in_child(name: &str, vars: &[(&str, &str)]) -> bool {
        if std::env::var_os(CHILD).is_some() {
            return true;
        }
        let module = module_path!().split_once("::").map_or("", |(_, path)| path);
        let test = format!("{module}::{name}");
        let mut child = Process::new(std::env::current_exe().unwrap());
        child
            .args(["--exact", &test, "--nocapture", "--test-threads=1"])
            .env(CHILD, "1");
        for command in commands() {
            for arg in command.get_arguments() {
                if let Some(env) = arg.get_env() {
                    child.env_remove(env);
                }
            }
        }
        child.envs(vars.iter().copied());
        let output = child.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{test} failed:\n{stdout}\n{stderr}"
        );
        assert!(
            stdout.contains("1 passed"),
            "{test} did not run in the child:\n{stdout}"
        );
        false
    }

    /// Every text `--help` and `-h` can print for `command`.
    fn help_texts(mut command: Command) -> Vec<String> {
        let mut texts = vec![
            command.render_help().to_string(),
            command.render_long_help().to_string(),
        ];
        for flag in ["--help", "-h"] {
            let error = command
                .clone()
                .try_get_matches_from(["x", flag])
                .unwrap_err();
            assert_eq!(error.kind(), clap::error::ErrorKind::DisplayHelp);
            texts.push(error.to_string());
        }
        texts
    }

    #[test]
    fn the_command_lines_are_well_formed() {
        for command in commands() {
            command.debug_assert();
        }
    }

    #[test]
    fn every_secret_hides_its_environment_value() {
        let secrets = [
            "CONTROLID_PASSWORD",
            "BWS_CLIENT_KEY",
            "BIOPASSID_KEY",
            "APPTENTICATE_PASSWORD",
        ];
        let mut found = 0;
        for command in commands() {
            for arg in command.get_arguments() {
                let env = arg.get_env().and_then(|env| env.to_str());
                if env.is_some_and(|env| secrets.contains(&env)) {
                    assert!(arg.is_hide_env_values_set(), "{:?}", arg.get_id());
                    found += 1;
                }
            }
        }
        assert_eq!(found, secrets.len());
    }

    #[test]
    fn without_arguments_every_example_runs_against_the_simulator() {
        if !in_child(
            "without_arguments_every_example_runs_against_the_simulator",
            &[],
        ) {
            return;
        }
        let controlid = ControlIdArgs::try_parse_from(["x"]).unwrap();
        assert!(controlid.url.is_none() && controlid.password.is_none());
        assert_eq!(controlid.callback_port, 8000);
        assert!(BioIdArgs::try_parse_from(["x"]).unwrap().url.is_none());
        assert!(BioPassIdArgs::try_parse_from(["x"]).unwrap().url.is_none());
        assert!(
            ApptenticateArgs::try_parse_from(["x"])
                .unwrap()
                .url
                .is_none()
        );
        QuickstartArgs::try_parse_from(["x"]).unwrap();
    }

    #[test]
    fn secrets_come_from_the_environment_and_never_show_in_help_or_debug() {
        let vars = [
            ("CONTROLID_PASSWORD", SECRET),
            ("BWS_CLIENT_KEY", SECRET),
            ("BIOPASSID_KEY", SECRET),
            ("APPTENTICATE_PASSWORD", SECRET),
            ("CONTROLID_URL", "http://192.0.2.1"),
        ];
        if !in_child(
            "secrets_come_from_the_environment_and_never_show_in_help_or_debug",
            &vars,
        ) {
            return;
        }
        let secret = Some(Secret(SECRET.to_owned()));

        let controlid = ControlIdArgs::try_parse_from(["x", "--login", "admin"]).unwrap();
        assert_eq!(controlid.password, secret);
        assert_eq!(controlid.url.as_deref(), Some("http://192.0.2.1"));
        assert!(!format!("{controlid:?}").contains(SECRET), "{controlid:?}");
        let bioid = BioIdArgs::try_parse_from(["x"]).unwrap();
        assert_eq!(bioid.client_key, secret);
        assert!(!format!("{bioid:?}").contains(SECRET), "{bioid:?}");
        let biopassid = BioPassIdArgs::try_parse_from(["x"]).unwrap();
        assert_eq!(biopassid.key, secret);
        assert!(!format!("{biopassid:?}").contains(SECRET), "{biopassid:?}");
        let apptenticate = ApptenticateArgs::try_parse_from(["x"]).unwrap();
        assert_eq!(apptenticate.password, secret);
        assert!(!format!("{apptenticate:?}").contains(SECRET));

        // The flag stays as a fallback, and wins over the environment.
        let flagged = ControlIdArgs::try_parse_from(["x", "--password", "typed"]).unwrap();
        assert_eq!(flagged.password.unwrap().expose(), "typed");

        for command in commands() {
            let name = command.get_name().to_owned();
            for help in help_texts(command) {
                assert!(
                    !help.contains(SECRET),
                    "{name} --help shows the secret:\n{help}"
                );
                if name != "quickstart" {
                    assert!(help.contains("process list"), "{name}:\n{help}");
                }
            }
        }
        // The variables are named (with a non-secret value shown, the secret one hidden).
        let help = ControlIdArgs::command().render_long_help().to_string();
        assert!(help.contains("[env: CONTROLID_PASSWORD]"), "{help}");
        assert!(
            help.contains("[env: CONTROLID_URL=http://192.0.2.1]"),
            "{help}"
        );
    }

    #[test]
    fn a_missing_option_names_its_flag_and_variable() {
        let error = required(None::<String>, "password", Some("CONTROLID_PASSWORD")).unwrap_err();
        assert_eq!(
            error,
            "--password (or the environment variable CONTROLID_PASSWORD) is required with --url"
        );
        assert_eq!(required(Some(1), "bob", None), Ok(1));
    }
}
