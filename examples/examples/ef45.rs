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
//!
//! Against a real terminal the flow enrols a user with placeholder templates: delete it
//! afterwards (`DELETE user/{uuid}`), as the flow leaves it for you to inspect.

use std::process::ExitCode;

use biometric_sim::ef45::{Ef45Config, Ef45Sim};
use clap::Parser;
use ef45_client::Client;
use ef45_client::chrono::NaiveDate;
use examples::cli::Ef45Args;
use examples::flows::ef45::{
    capture_and_recognise, run, simulate_person, synthetic_firmware, upload_firmware,
};
use examples::{Outcome, exit_code, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    let args = Ef45Args::parse();
    exit_code(match args.url.clone() {
        Some(url) => against_device(args, &url).await,
        None => against_simulator(&args).await,
    })
}

fn day(text: &str, flag: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("--{flag}: expected yyyy-mm-dd, got {text}"))
}

async fn against_simulator(args: &Ef45Args) -> Outcome {
    let config = Ef45Config::default();
    let sim = Ef45Sim::new(config.clone());
    sim.add_logs(150);
    let running = sim.start().await?;
    heading(format!(
        "CMITECH EF-45 terminal (simulator at {})",
        running.base_url()
    ));
    let device = Client::builder(running.base_url())
        .credentials(config.id(), config.password())
        .build()?;
    let (from, to) = (day(&args.from, "from")?, day(&args.to, "to")?);
    let summary = run(&device, &args.user, from, to).await?;
    // The simulator's camera needs someone in front of it.
    let person = simulate_person(sim.clone(), "kim", 3);
    let captured = capture_and_recognise(&device, "900002", 3).await?;
    person.await?;
    let firmware = synthetic_firmware(8 * 1024 * 1024)?;
    let uploaded = upload_firmware(&device, firmware.path(), false).await?;
    device.close().await?;
    step(format!(
        "done: {} log(s) walked, {} face record(s) captured, {} recognition(s) handled, \
         firmware in {} units",
        summary.logs_walked,
        captured.faces,
        captured.recognised.len(),
        uploaded.units
    ));
    Ok(())
}

async fn against_device(args: Ef45Args, url: &str) -> Outcome {
    let mut builder = Client::builder(url);
    match (args.id, args.password) {
        (Some(id), Some(password)) => builder = builder.credentials(id, password.into_string()),
        (None, None) => {}
        _ => return Err("--id and --password (EF45_ID, EF45_PASSWORD) go together".into()),
    }
    heading(format!("CMITECH EF-45 terminal at {url}"));
    let device = builder.build()?;
    let (from, to) = (day(&args.from, "from")?, day(&args.to, "to")?);
    run(&device, &args.user, from, to).await?;
    if let Some(capture_user) = &args.capture_user {
        capture_and_recognise(&device, capture_user, 3).await?;
    }
    if let Some(firmware) = &args.firmware {
        upload_firmware(&device, firmware, args.forced).await?;
    }
    device.close().await?;
    Ok(())
}
