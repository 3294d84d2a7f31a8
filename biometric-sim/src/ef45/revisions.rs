//! What the fake serves at the application version it reports (sheet Revision_History), and
//! the switch that makes its lock go stale every Nth call.
//!
//! Written from the sheets, not from the client: a call that a revision added after the
//! configured version answers 404 (the device has no such path), a lock body before basic
//! authentication (app 2.1.50) and a face delete without `subId` before app 2.2.41 are refused
//! with 400 (the call exists, but not in that form).

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::wire::Reject;
use super::{Ef45Sim, STALE_LOCK_CODE, device_code_text};

/// An application version: `major.minor.patch`, compared by its numbers.
pub(super) type AppVersion = (u32, u32, u32);

/// `"2.1.47"` as numbers; text the fake cannot read counts as the newest version.
pub(super) fn parse_version(text: &str) -> AppVersion {
    let mut numbers = text.trim().split('.').map(|n| n.trim().parse::<u32>().ok());
    match (numbers.next(), numbers.next(), numbers.next()) {
        (Some(Some(a)), Some(Some(b)), Some(Some(c))) => (a, b, c),
        (Some(Some(a)), Some(Some(b)), None) => (a, b, 0),
        _ => (u32::MAX, 0, 0),
    }
}

/// How a call is refused on a device older than the revision that brought it.
enum Refusal {
    /// The path does not exist yet: 404.
    NoSuchPath,
    /// The call exists in an older form: 400 with the reason.
    OlderForm(&'static str),
}

/// The application version a call needs, when a revision with an application version brought
/// it (Revision_History; `biometric-data/ver1` from the Biometric-data sheet's remark).
fn needs(
    method: &Method,
    path: &str,
    query: &str,
    has_body: bool,
) -> Option<(AppVersion, Refusal)> {
    let path = path.trim_start_matches("/1.0/").trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').collect();
    let get = *method == Method::GET;
    let no_path = Refusal::NoSuchPath;
    Some(match segments.as_slice() {
        ["lock"] if has_body => (
            (2, 1, 50),
            Refusal::OlderForm(
                "this application takes no lock body (basic authentication is 2.1.50)",
            ),
        ),
        ["lock", "chpasswd"] => ((2, 1, 50), no_path),
        ["control", "manual"] => ((2, 0, 92), no_path),
        ["user", "delete-users"] => ((2, 1, 7), no_path),
        ["logs", "count"] if get => ((2, 1, 20), no_path),
        ["logs", "from", "date", ..] if get => ((2, 1, 20), no_path),
        ["logs", "fromto", ..] | ["logs", "count", _, ..] if get => ((2, 1, 47), no_path),
        ["subjects", "count"] if get => ((2, 1, 66), no_path),
        ["logs", "from", "to", "type"] if get => ((2, 2, 30), no_path),
        ["faces", _] if *method == Method::DELETE && !has_query(query, "subId") => (
            (2, 2, 41),
            Refusal::OlderForm("subId is required before application 2.2.41"),
        ),
        ["biometric-data", "ver1"] => ((1, 2, 34), no_path),
        ["biometric-data", "ver2"] => ((2, 0, 73), no_path),
        ["database", .., "EyeLockFull" | "EyeLockPart"] => ((2, 1, 58), no_path),
        _ => return None,
    })
}

fn has_query(query: &str, name: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes()).any(|(key, _)| key == name)
}

/// Refuses what the configured application version does not serve, before anything else but
/// the injected faults.
pub(super) async fn enforce_version(
    State(sim): State<Ef45Sim>,
    request: Request,
    next: Next,
) -> Response {
    let version = parse_version(&sim.config.version);
    let has_body = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|len| len != "0");
    let query = request.uri().query().unwrap_or("");
    let path = request.uri().path();
    if let Some((since, refusal)) = needs(request.method(), path, query, has_body)
        && version < since
    {
        sim.store().stats.too_old += 1;
        return match refusal {
            Refusal::NoSuchPath => Reject::new(
                StatusCode::NOT_FOUND,
                404,
                "NOT_FOUND",
                "the configured application version predates this call",
            ),
            Refusal::OlderForm(why) => {
                Reject::new(StatusCode::BAD_REQUEST, 400, "BAD_REQUEST", why)
            }
        }
        .into_response();
    }
    next.run(request).await
}

/// The stale-lock switch: every `every`th call made with the current lock finds it stale.
#[derive(Debug, Clone, Default)]
pub(super) struct StaleEvery {
    pub(super) every: usize,
    pub(super) status: u16,
    calls: usize,
    /// An upload (firmware or database) between its start and its last unit.
    transfer_open: bool,
    /// The open upload already lost its lock once: no second time until it completes.
    transfer_hit: bool,
}

impl StaleEvery {
    pub(super) fn new(every: usize, status: u16) -> Self {
        StaleEvery {
            every,
            status,
            ..StaleEvery::default()
        }
    }

    /// Counts one call made with the current lock; true when this one finds it stale.
    pub(super) fn strikes(&mut self, path: &str) -> bool {
        let path = path.trim_start_matches("/1.0/");
        let starts_transfer =
            path.starts_with("update/start") || path.starts_with("database/start");
        let ends_transfer = path.starts_with("update/done") || path.starts_with("database/done");
        if starts_transfer {
            self.transfer_open = true;
        }
        if self.every == 0 {
            return false;
        }
        self.calls += 1;
        let due = self.calls.is_multiple_of(self.every);
        let spared = self.transfer_open && self.transfer_hit;
        if due && !spared {
            if self.transfer_open {
                self.transfer_hit = true;
            }
            return true;
        }
        if ends_transfer {
            self.transfer_open = false;
            self.transfer_hit = false;
        }
        false
    }

    /// The answer to the call that found its lock stale: device code 1102 under the
    /// configured HTTP status.
    pub(super) fn refusal(&self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        Reject::new(
            status,
            u32::from(STALE_LOCK_CODE),
            device_code_text(STALE_LOCK_CODE).unwrap_or_default(),
            "the lock went stale (stale-lock switch)",
        )
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_their_numbers() {
        assert!(parse_version("2.1.9") < parse_version("2.1.10"));
        assert!(parse_version("1.1.69") < (1, 2, 34));
        assert_eq!(parse_version("2.1"), (2, 1, 0));
        assert_eq!(parse_version("beta").0, u32::MAX);
    }

    #[test]
    fn an_open_upload_loses_its_lock_once_until_it_completes() {
        let mut switch = StaleEvery::new(3, 200);
        let hits: Vec<bool> = [
            "subjects",
            "camera",
            "update/start",
            "update/continuous",
            "update/continuous",
            "update/continuous",
            "update/start",
            "update/continuous",
            "update/continuous",
            "update/continuous",
            "update/done",
            "subjects",
            "camera",
        ]
        .iter()
        .map(|path| switch.strikes(path))
        .collect();
        assert_eq!(
            hits,
            [
                false, false, true, false, false, false, false, false, false, false, false, true,
                false
            ]
        );
    }
}
