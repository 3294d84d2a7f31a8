//! CMITECH EF-45 flow: against the simulator by default, or a real terminal.
//!
//! ```sh
//! cargo run -p examples --example ef45
//! EF45_PASSWORD=... cargo run -p examples --example ef45 -- --url http://192.168.0.100:9980 --id root
//! cargo run -p examples --example ef45 -- --help
//! ```
//!
//! | flag | environment variable | |
//! |---|---|---|
//! | `--url URL` | `EF45_URL` | the terminal, `http://{host}:9980`; without it, the embedded simulator |
//! | `--id ID` | `EF45_ID` | the device login; without it (and a password) the device assumes its factory login |
//! | `--password PW` | `EF45_PASSWORD` | **secret**, prefer the variable |
//! | `--user ID` | | the user the flow enrols (default `900001`; it must not exist) |
//! | `--from`, `--to` `yyyy-mm-dd` | | the log range, `to` excluded (default 2018-05-28 to 2018-05-30) |
//! | `--capture-user ID` | | with a terminal: also enrol `ID` by capture (someone presents) and handle 3 recognitions |
//! | `--firmware FILE` [`--forced`] | | with a terminal: also upload this firmware (the device then upgrades and reboots) |
//! | `--sim-app-version V` | | the simulator's application version (`2.1.40`: older calls and their fallbacks) |
//! | `--sim-stale-every N` [`--sim-stale-status 200\|400`] | | the simulator's lock goes stale every Nth call (once per upload) |
//! | `--sim-leftover-capture` | | the simulator starts with an old capture in its buffer |
//!
//! Whatever happens, the flow ends by releasing the lock (`DELETE lock/{lock_uid}`); an error
//! says what to do about it.
//!
//! Against a real terminal the flow enrols a user with placeholder templates: delete it
//! afterwards (`DELETE user/{uuid}`), as the flow leaves it for you to inspect.

use std::process::ExitCode;

use biometric_sim::ef45::{Capture, Ef45Config, Ef45Sim};
use clap::Parser;
use ef45_client::Client;
use ef45_client::chrono::NaiveDate;
use examples::cli::Ef45Args;
use examples::flows::ef45::{
    advice, capture_and_recognise, release, run, simulate_person, synthetic_firmware,
    upload_firmware,
};
use examples::{Outcome, exit_code, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Ef45Args::parse();
    let outcome = match args.url.clone() {
        Some(url) => against_device(args, &url).await,
        None => against_simulator(&args).await,
    };
    if let Err(error) = &outcome
        && let Some(advice) = advice(error.as_ref())
    {
        eprintln!("what to do: {advice}");
    }
    exit_code(outcome)
}

fn day(text: &str, flag: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("--{flag}: expected yyyy-mm-dd, got {text}"))
}

/// The simulator as the flags describe it: application version, stale locks, a leftover
/// capture.
fn simulator(args: &Ef45Args) -> (Ef45Config, Ef45Sim) {
    let mut config = Ef45Config::default();
    if let Some(version) = &args.sim_app_version {
        config = config.version(version);
    }
    let sim = Ef45Sim::new(config.clone());
    // A device that has been in use: 150 logs from 2018-05-28 on.
    sim.add_logs(150);
    if args.sim_leftover_capture {
        sim.leave_capture(&Capture::of("someone-earlier"));
    }
    sim.stale_lock_every(args.sim_stale_every, args.sim_stale_status);
    (config, sim)
}

async fn against_simulator(args: &Ef45Args) -> Outcome {
    let (config, sim) = simulator(args);
    let running = sim.start().await?;
    heading(format!(
        "CMITECH EF-45 terminal (simulator at {}, application {})",
        running.base_url(),
        config.app_version()
    ));
    let device = Client::builder(running.base_url())
        .credentials(config.id(), config.password())
        .build()?;
    // The simulator's camera needs someone in front of it.
    let person = simulate_person(&sim, "kim");
    let outcome = whole_flow(&device, args, Some(8 * 1024 * 1024)).await;
    drop(person);
    release(&device, outcome).await
}

async fn against_device(args: Ef45Args, url: &str) -> Outcome {
    let mut builder = Client::builder(url);
    match (&args.id, &args.password) {
        (Some(id), Some(password)) => {
            builder = builder.credentials(id, password.clone().into_string())
        }
        (None, None) => {}
        _ => return Err("--id and --password (EF45_ID, EF45_PASSWORD) go together".into()),
    }
    heading(format!("CMITECH EF-45 terminal at {url}"));
    let device = builder.build()?;
    let outcome = whole_flow(&device, &args, None).await;
    release(&device, outcome).await
}

/// The records and logs flow, then (when asked, or always against the simulator) enrolment by
/// capture with three recognitions and a firmware upload. The caller releases the lock.
async fn whole_flow(device: &Client, args: &Ef45Args, synthetic: Option<usize>) -> Outcome {
    let (from, to) = (day(&args.from, "from")?, day(&args.to, "to")?);
    let summary = run(device, &args.user, from, to).await?;
    let capture_user = match (&args.capture_user, synthetic) {
        (Some(user), _) => Some(user.as_str()),
        (None, Some(_)) => Some("900002"),
        (None, None) => None,
    };
    let captured = match capture_user {
        Some(user) => Some(capture_and_recognise(device, user, 3).await?),
        None => None,
    };
    let generated = synthetic.map(synthetic_firmware).transpose()?;
    let firmware = args
        .firmware
        .as_deref()
        .or(generated.as_ref().map(|file| file.path()));
    let uploaded = match firmware {
        Some(path) => Some(upload_firmware(device, path, args.forced).await?),
        None => None,
    };
    step(format!(
        "done: {} log(s) walked, {} face record(s) captured, {} recognition(s) handled, \
         firmware in {} units",
        summary.logs_walked,
        captured.as_ref().map_or(0, |c| c.faces),
        captured.as_ref().map_or(0, |c| c.recognised.len()),
        uploaded.as_ref().map_or(0, |u| u.units),
    ));
    for fallback in &summary.fallbacks {
        step(format!("too old: {fallback}"));
    }
    Ok(())
}
