//! Control iD flow: against the simulator by default, or a real terminal.
//!
//! ```sh
//! cargo run -p examples --example controlid
//! CONTROLID_PASSWORD=... cargo run -p examples --example controlid -- \
//!     --url http://192.168.0.129 --login admin --callback-host 192.168.0.20 --callback-port 8000
//! cargo run -p examples --example controlid -- --help
//! ```
//!
//! | flag | environment variable | |
//! |---|---|---|
//! | `--url URL` | `CONTROLID_URL` | a real terminal; without it, the embedded simulator |
//! | `--login LOGIN` | `CONTROLID_LOGIN` | required with `--url` |
//! | `--password PASSWORD` | `CONTROLID_PASSWORD` | required with `--url`; **secret**, prefer the variable |
//! | `--callback-host HOST` | `CONTROLID_CALLBACK_HOST` | required with `--url` |
//! | `--callback-port PORT` | `CONTROLID_CALLBACK_PORT` | default 8000 |
//!
//! With a real device, `--callback-host` is this machine's address as the device sees it: the
//! callback server listens on `0.0.0.0:<callback-port>` and the device's monitor is pointed at it.
//! A flag wins over its variable; a flag's value is visible to every user of the machine in the
//! process list, so give the password in the environment.

use std::process::ExitCode;

use biometric_sim::controlid::{ControlIdConfig, ControlIdSim};
use clap::Parser;
use controlid_client::Client;
use examples::cli::{ControlIdArgs, required};
use examples::flows::controlid::{Inbox, run};
use examples::{Outcome, exit_code, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    let args = ControlIdArgs::parse();
    exit_code(match args.url.clone() {
        Some(url) => against_device(args, &url).await,
        None => against_simulator().await,
    })
}

async fn against_simulator() -> Outcome {
    let config = ControlIdConfig::default();
    let running = ControlIdSim::new(config.clone()).start().await?;
    heading(format!("Control iD (simulator at {})", running.base_url()));
    let device = Client::builder(running.base_url())
        .credentials(config.login(), config.password())
        .build()?;
    let mut inbox = Inbox::start("127.0.0.1:0", "127.0.0.1").await?;
    let summary = run(&device, &mut inbox).await?;
    step(format!("done: {summary:?}"));
    Ok(())
}

async fn against_device(args: ControlIdArgs, url: &str) -> Outcome {
    let login = required(args.login, "login", Some("CONTROLID_LOGIN"))?;
    let password = required(args.password, "password", Some("CONTROLID_PASSWORD"))?;
    let host = required(
        args.callback_host,
        "callback-host (this machine's LAN address)",
        Some("CONTROLID_CALLBACK_HOST"),
    )?;
    heading(format!("Control iD terminal at {url}"));
    let device = Client::builder(url)
        .credentials(login, password.into_string())
        .build()?;
    let mut inbox = Inbox::start(&format!("0.0.0.0:{}", args.callback_port), &host).await?;
    run(&device, &mut inbox).await?;
    Ok(())
}
