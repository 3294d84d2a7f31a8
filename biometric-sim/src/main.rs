//! `biometric-sim --vendor apptenticate|bioid|biopassid|controlid|ef45 [--port 8080] [vendor options]`
//!
//! Serves one fake vendor service on 127.0.0.1 until stopped.

use std::net::SocketAddr;
use std::process::ExitCode;

use biometric_sim::apptenticate::{ApptenticateConfig, ApptenticateSim};
use biometric_sim::bioid::{BioIdConfig, BioIdSim};
use biometric_sim::biopassid::{BioPassIdConfig, BioPassIdSim};
use biometric_sim::controlid::{ControlIdConfig, ControlIdSim};
use biometric_sim::ef45::{Ef45Config, Ef45Sim};

const USAGE: &str =
    "usage: biometric-sim --vendor apptenticate [--port PORT] [--username U --password P]
       biometric-sim --vendor bioid [--port PORT] [--client-id ID] [--client-key-base64 KEY]
       biometric-sim --vendor biopassid [--port PORT] [--key SUBSCRIPTION_KEY]
       biometric-sim --vendor controlid [--port PORT] [--login LOGIN --password PASSWORD]
       biometric-sim --vendor ef45 [--port PORT] [--id ID --password PASSWORD]";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let port: u16 = match flag("--port").map(|p| p.parse()) {
        None => 0,
        Some(Ok(port)) => port,
        Some(Err(_)) => return fail("--port must be a number from 0 to 65535"),
    };
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    match flag("--vendor").as_deref() {
        Some("bioid") => {
            serve_bioid(address, flag("--client-id"), flag("--client-key-base64")).await
        }
        Some("biopassid") => serve_biopassid(address, flag("--key")).await,
        Some("controlid") => serve_controlid(address, flag("--login"), flag("--password")).await,
        Some("apptenticate") => {
            serve_apptenticate(address, flag("--username"), flag("--password")).await
        }
        Some("ef45") => serve_ef45(address, flag("--id"), flag("--password")).await,
        Some(other) => fail(&format!(
            "vendor {other:?} is not simulated (available: {})",
            biometric_sim::VENDORS.join(", ")
        )),
        None => fail(USAGE),
    }
}

async fn serve_bioid(
    address: SocketAddr,
    client_id: Option<String>,
    key: Option<String>,
) -> ExitCode {
    let mut config = BioIdConfig::default();
    if let (Some(id), Some(key)) = (client_id, key) {
        match biometric_core::base64::decode(&key) {
            Ok(bytes) if !bytes.is_empty() => config = BioIdConfig::new(id, bytes),
            _ => return fail("--client-key-base64 must be non-empty standard base64"),
        }
    }
    let sim = BioIdSim::new(config.clone());
    let running = match biometric_sim::serve(sim.router(), address).await {
        Ok(running) => running,
        Err(error) => return fail(&format!("cannot listen on {address}: {error}")),
    };
    eprintln!("BioID BWS 3 fake listening on {}", running.base_url());
    eprintln!("  client id:  {}", config.client_id());
    eprintln!("  client key: {}", config.client_key_base64());
    running.wait().await;
    ExitCode::SUCCESS
}

async fn serve_biopassid(address: SocketAddr, key: Option<String>) -> ExitCode {
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
    eprintln!("  Ocp-Apim-Subscription-Key: {}", config.key());
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
        _ => return fail("--login and --password go together"),
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
        _ => return fail("--username and --password go together"),
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

async fn serve_ef45(address: SocketAddr, id: Option<String>, password: Option<String>) -> ExitCode {
    let config = match (id, password) {
        (Some(id), Some(password)) => Ef45Config::new(id, password),
        (None, None) => Ef45Config::default(),
        _ => return fail("--id and --password go together"),
    };
    let sim = Ef45Sim::new(config.clone());
    let running = match biometric_sim::serve(sim.router(), address).await {
        Ok(running) => running,
        Err(error) => return fail(&format!("cannot listen on {address}: {error}")),
    };
    eprintln!(
        "CMITECH EF-45 fake listening on {}/1.0/",
        running.base_url()
    );
    eprintln!("  id: {}  (password as configured)", config.id());
    running.wait().await;
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("biometric-sim: {message}");
    ExitCode::from(2)
}
