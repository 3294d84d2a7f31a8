//! `biometric-sim --vendor apptenticate|bioid|biopassid|controlid|ef45 [--port 8080] [vendor options]`
//!
//! Serves one fake vendor service on 127.0.0.1 until stopped. `biometric-sim --help` lists the
//! options; the simulator's own credentials are best given in the environment (a flag's value
//! is visible to every user of the machine in the process list):
//!
//! | flag | environment variable | vendors |
//! |---|---|---|
//! | `--vendor VENDOR` | | every one (required) |
//! | `--port PORT` | `SIM_PORT` | every one (default 0: any free port) |
//! | `--client-id ID` | `SIM_BIOID_CLIENT_ID` | BioID |
//! | `--client-key-base64 KEY` | `SIM_BIOID_CLIENT_KEY` | BioID, **secret** |
//! | `--key KEY` | `SIM_BIOPASSID_KEY` | BioPass ID, **secret** |
//! | `--login LOGIN` | `SIM_CONTROLID_LOGIN` | Control iD |
//! | `--username USER` | `SIM_APPTENTICATE_USERNAME` | Apptenticate |
//! | `--id ID` | `SIM_EF45_ID` | EF-45 |
//! | `--password PASSWORD` | `SIM_PASSWORD` | Control iD, Apptenticate, EF-45, **secret** |
//! | `--app-version 2.1.40` | `SIM_EF45_APP_VERSION` | EF-45: the application served (default 2.2.41) |
//! | `--stale-every N` | | EF-45: every Nth locked call finds its lock stale (once per upload) |
//! | `--stale-status 200\|400` | | EF-45: the HTTP status of that 1102 answer (default 200) |
//! | `--leftover-capture` | | EF-45: a capture waits in the buffer at start |
//! | `--person NAME` | | EF-45: someone stands at the camera (captured, then recognised every second) |
//!
//! Without credentials each fake uses its library defaults, which it prints.

use std::fmt;
use std::net::SocketAddr;
use std::process::ExitCode;

use biometric_sim::apptenticate::{ApptenticateConfig, ApptenticateSim};
use biometric_sim::bioid::{BioIdConfig, BioIdSim};
use biometric_sim::biopassid::{BioPassIdConfig, BioPassIdSim};
use biometric_sim::controlid::{ControlIdConfig, ControlIdSim};
use biometric_sim::ef45::{Ef45Config, Ef45Sim};
use clap::{Args, Parser, ValueEnum};

/// Printed at the end of `--help`.
const SECRETS_NOTE: &str = "Secrets (--password, --client-key-base64, --key): prefer the \
    environment variables shown above to the flags. A flag's value is visible to every user of \
    this machine in the process list (ps); --help never prints an environment variable's value. \
    Without credentials each fake uses its defaults and prints them.";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "biometric-sim",
    version,
    about = "Serves one fake vendor service on 127.0.0.1 until stopped.",
    after_help = SECRETS_NOTE
)]
struct Cli {
    /// The vendor service to fake
    #[arg(long, value_enum)]
    vendor: Vendor,
    /// Port on 127.0.0.1 (0: any free port)
    #[arg(long, env = "SIM_PORT", default_value_t = 0)]
    port: u16,
    #[command(flatten)]
    credentials: Credentials,
    #[command(flatten)]
    ef45: Ef45Behaviour,
}

/// How the EF-45 fake behaves like a terminal in the field.
#[derive(Debug, Args)]
struct Ef45Behaviour {
    /// The application version the EF-45 fake reports and serves (Revision_History enforced)
    #[arg(long, env = "SIM_EF45_APP_VERSION", help_heading = "EF-45")]
    app_version: Option<String>,
    /// Every Nth call made with the current lock finds it stale (device code 1102), at most
    /// once per upload
    #[arg(long, default_value_t = 0, help_heading = "EF-45")]
    stale_every: usize,
    /// The HTTP status of the stale-lock answer (the device code is in the body)
    #[arg(long, default_value_t = 200, help_heading = "EF-45")]
    stale_status: u16,
    /// Start with a capture left in the biometric-data buffer by an earlier enrolment
    #[arg(long, help_heading = "EF-45")]
    leftover_capture: bool,
    /// A person stands at the camera: captured whenever it starts in Slave mode, recognised
    /// every second in Recog mode
    #[arg(long, value_name = "NAME", help_heading = "EF-45")]
    person: Option<String>,
}

/// The fakes the binary serves (one arm each in `main`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Vendor {
    /// Apptenticate (citizen-ID check, liveness)
    Apptenticate,
    /// BioID BWS 3
    Bioid,
    /// BioPass ID Multibiometrics
    Biopassid,
    /// A Control iD access terminal
    Controlid,
    /// A CMITECH EF-45 device
    Ef45,
}

/// The fake's own credentials; each vendor reads its own, and `--password` is shared.
#[derive(Debug, Args)]
struct Credentials {
    /// BioID client id (with --client-key-base64)
    #[arg(long, env = "SIM_BIOID_CLIENT_ID", help_heading = "BioID")]
    client_id: Option<String>,
    /// BioID client key, standard base64 (with --client-id; prefer the environment variable)
    #[arg(
        long,
        env = "SIM_BIOID_CLIENT_KEY",
        hide_env_values = true,
        help_heading = "BioID"
    )]
    client_key_base64: Option<Secret>,
    /// BioPass ID subscription key (prefer the environment variable)
    #[arg(
        long,
        env = "SIM_BIOPASSID_KEY",
        hide_env_values = true,
        help_heading = "BioPass ID"
    )]
    key: Option<Secret>,
    /// Control iD login (with --password)
    #[arg(long, env = "SIM_CONTROLID_LOGIN", help_heading = "Control iD")]
    login: Option<String>,
    /// Apptenticate username (with --password)
    #[arg(long, env = "SIM_APPTENTICATE_USERNAME", help_heading = "Apptenticate")]
    username: Option<String>,
    /// EF-45 id (with --password)
    #[arg(long, env = "SIM_EF45_ID", help_heading = "EF-45")]
    id: Option<String>,
    /// Password of the Control iD, Apptenticate or EF-45 fake, whichever --vendor serves
    /// (prefer the environment variable)
    #[arg(
        long,
        env = "SIM_PASSWORD",
        hide_env_values = true,
        help_heading = "Control iD, Apptenticate, EF-45"
    )]
    password: Option<Secret>,
}

/// A secret from the command line or the environment: its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
struct Secret(String);

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

#[tokio::main]
async fn main() -> ExitCode {
    let Cli {
        vendor,
        port,
        credentials: c,
        ef45,
    } = Cli::parse();
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let password = c.password.map(|secret| secret.0);
    match vendor {
        Vendor::Bioid => serve_bioid(address, c.client_id, c.client_key_base64.map(|k| k.0)).await,
        Vendor::Biopassid => serve_biopassid(address, c.key.map(|k| k.0)).await,
        Vendor::Controlid => serve_controlid(address, c.login, password).await,
        Vendor::Apptenticate => serve_apptenticate(address, c.username, password).await,
        Vendor::Ef45 => serve_ef45(address, c.id, password, ef45).await,
    }
}

async fn serve_bioid(
    address: SocketAddr,
    client_id: Option<String>,
    key: Option<String>,
) -> ExitCode {
    let given = key.is_some();
    let config = match (client_id, key) {
        (Some(id), Some(key)) => match biometric_core::base64::decode(&key) {
            Ok(bytes) if !bytes.is_empty() => BioIdConfig::new(id, bytes),
            _ => return fail("--client-key-base64 must be non-empty standard base64"),
        },
        (None, None) => BioIdConfig::default(),
        _ => {
            return fail(
                "--client-id (SIM_BIOID_CLIENT_ID) and --client-key-base64 (SIM_BIOID_CLIENT_KEY) go together",
            );
        }
    };
    let sim = BioIdSim::new(config.clone());
    let running = match biometric_sim::serve(sim.router(), address).await {
        Ok(running) => running,
        Err(error) => return fail(&format!("cannot listen on {address}: {error}")),
    };
    eprintln!("BioID BWS 3 fake listening on {}", running.base_url());
    eprintln!("  client id:  {}", config.client_id());
    if given {
        eprintln!("  client key: as configured");
    } else {
        eprintln!(
            "  client key: {}  (the default)",
            config.client_key_base64()
        );
    }
    running.wait().await;
    ExitCode::SUCCESS
}

async fn serve_biopassid(address: SocketAddr, key: Option<String>) -> ExitCode {
    let given = key.is_some();
    let config = match key {
        Some(key) if key.trim().is_empty() => return fail("--key must not be empty"),
        Some(key) => BioPassIdConfig::new(key, BioPassIdConfig::default().client_id()),
        None => BioPassIdConfig::default(),
    };
    let sim = BioPassIdSim::new(config.clone());
    let running = match biometric_sim::serve(sim.router(), address).await {
        Ok(running) => running,
        Err(error) => return fail(&format!("cannot listen on {address}: {error}")),
    };
    eprintln!(
        "BioPass ID Multibiometrics fake listening on {}",
        running.base_url()
    );
    if given {
        eprintln!("  Ocp-Apim-Subscription-Key: as configured");
    } else {
        eprintln!(
            "  Ocp-Apim-Subscription-Key: {}  (the default)",
            config.key()
        );
    }
    running.wait().await;
    ExitCode::SUCCESS
}

async fn serve_controlid(
    address: SocketAddr,
    login: Option<String>,
    password: Option<String>,
) -> ExitCode {
    let config = match (login, password) {
        (Some(login), Some(password)) => ControlIdConfig::new(login, password),
        (None, None) => ControlIdConfig::default(),
        _ => {
            return fail("--login (SIM_CONTROLID_LOGIN) and --password (SIM_PASSWORD) go together");
        }
    };
    let sim = ControlIdSim::new(config.clone());
    let running = match biometric_sim::serve(sim.router(), address).await {
        Ok(running) => running,
        Err(error) => return fail(&format!("cannot listen on {address}: {error}")),
    };
    eprintln!(
        "Control iD terminal fake listening on {}",
        running.base_url()
    );
    eprintln!("  login: {}  (password as configured)", config.login());
    running.wait().await;
    ExitCode::SUCCESS
}

async fn serve_apptenticate(
    address: SocketAddr,
    username: Option<String>,
    password: Option<String>,
) -> ExitCode {
    let config = match (username, password) {
        (Some(username), Some(password)) => ApptenticateConfig::new(username, password).citizen(
            "0102030405",
            biometric_sim::apptenticate::face_image("0102030405"),
        ),
        (None, None) => ApptenticateConfig::default(),
        _ => {
            return fail(
                "--username (SIM_APPTENTICATE_USERNAME) and --password (SIM_PASSWORD) go together",
            );
        }
    };
    let sim = ApptenticateSim::new(config.clone());
    let running = match biometric_sim::serve(sim.router(), address).await {
        Ok(running) => running,
        Err(error) => return fail(&format!("cannot listen on {address}: {error}")),
    };
    eprintln!("Apptenticate fake listening on {}", running.base_url());
    eprintln!(
        "  username: {}  (password as configured; by default sim-password)",
        config.username()
    );
    eprintln!(
        "  citizen-ID check path (the fake's own; the real one is in your contract): {}",
        config.check_path()
    );
    eprintln!(
        "  citizen 0102030405 validates with biometric_sim::apptenticate::face_image(\"0102030405\")"
    );
    running.wait().await;
    ExitCode::SUCCESS
}

async fn serve_ef45(
    address: SocketAddr,
    id: Option<String>,
    password: Option<String>,
    behaviour: Ef45Behaviour,
) -> ExitCode {
    let mut config = match (id, password) {
        (Some(id), Some(password)) => Ef45Config::new(id, password),
        (None, None) => Ef45Config::default(),
        _ => return fail("--id (SIM_EF45_ID) and --password (SIM_PASSWORD) go together"),
    };
    if let Some(version) = behaviour.app_version {
        config = config.version(version);
    }
    let sim = Ef45Sim::new(config.clone());
    sim.stale_lock_every(behaviour.stale_every, behaviour.stale_status);
    if behaviour.leftover_capture {
        sim.leave_capture(&biometric_sim::ef45::Capture::of("someone-earlier"));
    }
    let _person = behaviour.person.map(|name| {
        let capture = biometric_sim::ef45::Capture::of(name);
        sim.attend_camera(capture, std::time::Duration::from_secs(1))
    });
    let running = match biometric_sim::serve(sim.router(), address).await {
        Ok(running) => running,
        Err(error) => return fail(&format!("cannot listen on {address}: {error}")),
    };
    eprintln!(
        "CMITECH EF-45 fake listening on {}/1.0/",
        running.base_url()
    );
    eprintln!("  id: {}  (password as configured)", config.id());
    eprintln!("  application {}", config.app_version());
    running.wait().await;
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("biometric-sim: {message}");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use std::process::Command as Process;

    use clap::CommandFactory;

    use super::*;

    /// The value every secret variable gets in the child process.
    const SECRET: &str = "s3cr3t-from-the-environment";
    /// Set in the child process: there the test does its work.
    const CHILD: &str = "BIOMETRIC_SIM_CLI_TEST_CHILD";

    /// Runs the test `name` again in a child process with `vars` set and every other variable
    /// the command line reads removed; returns `true` in the child, where the test does its
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
        for arg in Cli::command().get_arguments() {
            if let Some(env) = arg.get_env() {
                child.env_remove(env);
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

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_simulated_vendor_can_be_served_and_no_other() {
        let names: Vec<String> = Vendor::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(names, biometric_sim::VENDORS);
    }

    #[test]
    fn every_secret_hides_its_environment_value() {
        let secrets = ["SIM_BIOID_CLIENT_KEY", "SIM_BIOPASSID_KEY", "SIM_PASSWORD"];
        let mut found = 0;
        for arg in Cli::command().get_arguments() {
            let env = arg.get_env().and_then(|env| env.to_str());
            if env.is_some_and(|env| secrets.contains(&env)) {
                assert!(arg.is_hide_env_values_set(), "{:?}", arg.get_id());
                found += 1;
            }
        }
        assert_eq!(found, secrets.len());
    }

    #[test]
    fn secrets_come_from_the_environment_and_never_show_in_help_or_debug() {
        let vars = [
            ("SIM_PASSWORD", SECRET),
            ("SIM_BIOID_CLIENT_KEY", SECRET),
            ("SIM_BIOPASSID_KEY", SECRET),
            ("SIM_PORT", "8088"),
        ];
        if !in_child(
            "secrets_come_from_the_environment_and_never_show_in_help_or_debug",
            &vars,
        ) {
            return;
        }
        let secret = Some(Secret(SECRET.to_owned()));
        let cli = Cli::try_parse_from(["biometric-sim", "--vendor", "controlid"]).unwrap();
        assert_eq!(cli.vendor, Vendor::Controlid);
        assert_eq!(cli.port, 8088);
        assert_eq!(cli.credentials.password, secret);
        assert_eq!(cli.credentials.client_key_base64, secret);
        assert_eq!(cli.credentials.key, secret);
        assert!(!format!("{cli:?}").contains(SECRET), "{cli:?}");

        // The flag stays as a fallback, and wins over the environment.
        let flagged =
            Cli::try_parse_from(["x", "--vendor", "ef45", "--password", "typed"]).unwrap();
        assert_eq!(flagged.credentials.password, Some(Secret("typed".into())));

        let mut command = Cli::command();
        let mut helps = vec![
            command.render_help().to_string(),
            command.render_long_help().to_string(),
        ];
        for args in [
            &["x", "--help"][..],
            &["x", "-h"],
            &["x", "--vendor", "bioid", "--help"],
        ] {
            let error = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(error.kind(), clap::error::ErrorKind::DisplayHelp);
            helps.push(error.to_string());
        }
        for help in helps {
            assert!(!help.contains(SECRET), "--help shows the secret:\n{help}");
            assert!(help.contains("[env: SIM_PASSWORD]"), "{help}");
            assert!(help.contains("[env: SIM_PORT=8088]"), "{help}");
            assert!(help.contains("process list"), "{help}");
        }
    }

    #[test]
    fn without_credentials_every_fake_uses_its_defaults() {
        if !in_child("without_credentials_every_fake_uses_its_defaults", &[]) {
            return;
        }
        let cli = Cli::try_parse_from(["biometric-sim", "--vendor", "bioid"]).unwrap();
        assert_eq!((cli.vendor, cli.port), (Vendor::Bioid, 0));
        let c = cli.credentials;
        assert!(c.client_id.is_none() && c.client_key_base64.is_none() && c.key.is_none());
        assert!(c.login.is_none() && c.username.is_none() && c.id.is_none());
        assert!(c.password.is_none());
        let error = Cli::try_parse_from(["biometric-sim"]).unwrap_err();
        assert_eq!(
            error.kind(),
            clap::error::ErrorKind::MissingRequiredArgument
        );
        let error = Cli::try_parse_from(["x", "--vendor", "nobody"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::InvalidValue);
    }
}
