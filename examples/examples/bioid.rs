//! BioID BWS 3 flow: against the simulator by default, or a real service.
//!
//! ```sh
//! cargo run -p examples --example bioid
//! BWS_CLIENT_KEY=... cargo run -p examples --example bioid -- \
//!     --url https://grpc.bws-eu.bioid.com --client-id ID \
//!     --alice a.jpg --alice-again a2.jpg --alice-left a-left.jpg --alice-photo id.jpg --bob b.jpg --no-face wall.jpg
//! cargo run -p examples --example bioid -- --help
//! ```
//!
//! | flag | environment variable | |
//! |---|---|---|
//! | `--url URL` | `BWS_URL` | a real service; without it, the embedded simulator |
//! | `--client-id ID` | `BWS_CLIENT_ID` | required with `--url` |
//! | `--client-key KEY` | `BWS_CLIENT_KEY` | required with `--url`; **secret**, prefer the variable |
//! | `--alice`, `--alice-again`, `--alice-left`, `--alice-photo`, `--bob`, `--no-face` `FILE` | | pictures, required with `--url` (real faces are needed) |
//!
//! A flag wins over its variable; a flag's value is visible to every user of the machine in the
//! process list, so give the client key in the environment.

use std::path::PathBuf;
use std::process::ExitCode;

use bioid_client::{Client, Image};
use biometric_sim::bioid::{BioIdConfig, BioIdSim};
use clap::Parser;
use examples::cli::{BioIdArgs, required};
use examples::flows::bioid::{Pictures, run};
use examples::{Outcome, exit_code, heading, step};

#[tokio::main]
async fn main() -> ExitCode {
    let args = BioIdArgs::parse();
    exit_code(match args.url.clone() {
        Some(url) => against_service(args, &url).await,
        None => against_simulator().await,
    })
}

async fn against_simulator() -> Outcome {
    let config = BioIdConfig::default();
    let running = BioIdSim::new(config.clone()).start().await?;
    heading(format!("BioID BWS 3 (simulator at {})", running.base_url()));
    let client = Client::builder(running.base_url())
        .client_credentials(config.client_id(), config.client_key_base64())
        .build()?;
    let summary = run(&client, &Pictures::synthetic(), 4711).await?;
    step(format!("done: {summary:?}"));
    Ok(())
}

async fn against_service(args: BioIdArgs, url: &str) -> Outcome {
    let id = required(args.client_id, "client-id", Some("BWS_CLIENT_ID"))?;
    let key = required(args.client_key, "client-key", Some("BWS_CLIENT_KEY"))?;
    let picture =
        |path: Option<PathBuf>, name: &str| -> Result<Image, Box<dyn std::error::Error>> {
            let path = path.ok_or(format!(
                "--{name} FILE is required with --url (real faces are needed)"
            ))?;
            Ok(Image::from_file(&path).map_err(|e| format!("{}: {e}", path.display()))?)
        };
    let pictures = Pictures {
        alice: picture(args.alice, "alice")?,
        alice_again: picture(args.alice_again, "alice-again")?,
        alice_turned_left: picture(args.alice_left, "alice-left")?,
        alice_id_photo: picture(args.alice_photo, "alice-photo")?,
        bob: picture(args.bob, "bob")?,
        no_face: picture(args.no_face, "no-face")?,
    };
    heading(format!("BioID BWS 3 at {url}"));
    let client = Client::builder(url)
        .client_credentials(id, key.into_string())
        .build()?;
    // Class ids far from any a real deployment is likely to use.
    run(&client, &pictures, 9_000_000_000_000_000_001).await?;
    Ok(())
}
