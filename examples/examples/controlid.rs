//! Control iD flow: against the simulator by default, or a real terminal.
//!
//! ```sh
//! cargo run -p examples --example controlid
//! cargo run -p examples --example controlid -- --url http://192.168.0.129 --login admin --password admin \
//!     --callback-host 192.168.0.20 --callback-port 8000
//! ```
//!
//! With a real device, `--callback-host` is this machine's address as the device sees it: the
//! callback server listens on `0.0.0.0:<callback-port>` and the device's monitor is pointed at it.
//! Flags fall back to `CONTROLID_URL`, `CONTROLID_LOGIN`, `CONTROLID_PASSWORD`.

use std::process::ExitCode;

use biometric_sim::controlid::{ControlIdConfig, ControlIdSim};
use controlid_client::Client;
use examples::flows::controlid::{Inbox, run};
use examples::{Flags, Outcome, exit_code, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    let flags = Flags::from_env();
    exit_code(match flags.get("url", "CONTROLID_URL") {
        Some(url) => against_device(&flags, &url).await,
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

async fn against_device(flags: &Flags, url: &str) -> Outcome {
    let login = flags
        .get("login", "CONTROLID_LOGIN")
        .ok_or("--login is required with --url")?;
    let password = flags
        .get("password", "CONTROLID_PASSWORD")
        .ok_or("--password is required with --url")?;
    let host = flags
        .get("callback-host", "CONTROLID_CALLBACK_HOST")
        .ok_or("--callback-host (this machine's LAN address) is required with --url")?;
    let port = flags
        .get("callback-port", "CONTROLID_CALLBACK_PORT")
        .unwrap_or_else(|| "8000".into());
    heading(format!("Control iD terminal at {url}"));
    let device = Client::builder(url).credentials(login, password).build()?;
    let mut inbox = Inbox::start(&format!("0.0.0.0:{port}"), &host).await?;
    run(&device, &mut inbox).await?;
    Ok(())
}
