//! Which application version serves which call (sheet Revision_History), and how a call the
//! device cannot serve is refused.

use std::fmt;
use std::str::FromStr;

use biometric_core::{Error, StatusCode};

/// An EF-45 application version, as `GET version` answers it (`"2.1.47"`), ordered by its
/// numbers.
///
/// ```
/// use ef45_client::AppVersion;
/// let device: AppVersion = "2.1.40".parse().unwrap();
/// assert!(device < AppVersion::new(2, 1, 47));
/// assert_eq!(AppVersion::parse("v2.2.41-rc1"), Some(AppVersion::new(2, 2, 41)));
/// assert_eq!(AppVersion::parse("unknown"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppVersion {
    major: u32,
    minor: u32,
    patch: u32,
}

impl AppVersion {
    /// `major.minor.patch`.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        AppVersion {
            major,
            minor,
            patch,
        }
    }

    /// Reads the device's text: `2.1.47`, also with a leading `v`, a missing patch (`2.1` is
    /// `2.1.0`) or a suffix after the numbers (`2.2.41-rc1`). `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
        let end = text
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(text.len());
        let mut numbers = text[..end].split('.').map(|n| n.parse::<u32>().ok());
        let major = numbers.next()??;
        let minor = numbers.next()??;
        let patch = match numbers.next() {
            None => 0,
            Some(number) => number?,
        };
        if numbers.next().is_some() {
            return None;
        }
        Some(AppVersion::new(major, minor, patch))
    }
}

impl fmt::Display for AppVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for AppVersion {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        AppVersion::parse(text)
            .ok_or_else(|| Error::invalid("version", "must be numbers like 2.1.47"))
    }
}

/// What a call needs beyond the workbook's first release: the revision that added it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Requirement {
    /// The first application version that serves the call, when Revision_History gives one.
    pub(crate) since: Option<AppVersion>,
    /// The spec revision that added it and what it says ("spec 1.3.21: log retrieval by
    /// period").
    pub(crate) revision: &'static str,
}

impl Requirement {
    const fn app(major: u32, minor: u32, patch: u32, revision: &'static str) -> Self {
        Requirement {
            since: Some(AppVersion::new(major, minor, patch)),
            revision,
        }
    }

    const fn spec(revision: &'static str) -> Self {
        Requirement {
            since: None,
            revision,
        }
    }

    /// "application 2.1.47 or later (spec 1.3.21: ...)".
    fn needs(&self) -> String {
        match self.since {
            Some(since) => format!("application {since} or later ({})", self.revision),
            None => format!("{} (no application version given)", self.revision),
        }
    }
}

/// The first application version able to lock with `{"id", "passwd"}` and to change the
/// password (spec 1.4.0, "basic authentication", app 2.1.50). Before it, `POST lock` is sent
/// without a body.
pub(crate) const BASIC_AUTH_SINCE: AppVersion = AppVersion::new(2, 1, 50);

/// The first application version serving `biometric-data/ver1` (sheet Biometric-data:
/// "revised endpoint - App version 1.2.34 or later").
pub(crate) const VER1_SINCE: AppVersion = AppVersion::new(1, 2, 34);

/// The requirement of the operation named `operation` (sent to `path`), from sheet
/// Revision_History and the call blocks' remarks. Calls of the workbook's first release, or
/// whose revision the history does not name, have none.
///
/// Spec revisions without an application version are listed only for calls whose 404 cannot
/// mean a missing record (a list, a registration, the database files): a 404 to one of them
/// says the device lacks the call. Calls that address one record by id are left out, since
/// their 404 may mean "no such record".
pub(crate) fn requirement(operation: &str, path: &str) -> Option<Requirement> {
    const LOG_PERIOD: Requirement = Requirement::app(
        2,
        1,
        47,
        "spec 1.3.21: log data and count retrieval by period",
    );
    const LOG_COUNT_AND_DATE: Requirement =
        Requirement::app(2, 1, 20, "spec 1.3.12: log count and logs by date");
    const BASIC_AUTH: Requirement = Requirement::app(
        2,
        1,
        50,
        "spec 1.4.0: basic authentication (password change)",
    );
    const MANUAL_DOOR: Requirement = Requirement::app(2, 0, 92, "spec 1.3.8: manual door control");
    const DATABASE: Requirement = Requirement::spec("spec 1.2: database download and upload");
    const SCHEDULES: Requirement = Requirement::spec("spec 1.3.3: the Schedule sheet");
    let requirement = match operation {
        "ef45.change_password" | "ef45.force_change_password" => BASIC_AUTH,
        "ef45.set_door_mode" | "ef45.door_mode" => MANUAL_DOOR,
        "ef45.delete_users" => Requirement::app(2, 1, 7, "spec 1.3.9: multiple users delete"),
        "ef45.log_count" | "ef45.logs_since" => LOG_COUNT_AND_DATE,
        "ef45.logs_between" | "ef45.log_count_between" => LOG_PERIOD,
        "ef45.subject_count" => Requirement::app(2, 1, 66, "spec 1.4.3: subject count"),
        "ef45.logs_by_type" => {
            Requirement::app(2, 2, 30, "spec 1.4.8: logs by event type and log id range")
        }
        "ef45.delete_faces" => {
            Requirement::app(2, 2, 41, "spec 1.4.10: face delete without sub_id")
        }
        "ef45.biometric_data" if path.ends_with("/ver1") => {
            Requirement::app(1, 2, 34, "Biometric-data sheet: the revised endpoint ver1")
        }
        "ef45.biometric_data" if path.ends_with("/ver2") => {
            Requirement::app(2, 0, 73, "spec 1.4.21: biometric data ver2")
        }
        name if name.starts_with("ef45.database") && path.contains("EyeLock") => {
            Requirement::app(2, 1, 58, "spec 1.4.2: the Database (eyelock) sheet")
        }
        name if name.starts_with("ef45.database") => DATABASE,
        "ef45.logs_from_count" => Requirement::spec("spec 1.2: logs by from/count"),
        "ef45.enroll_user" => Requirement::spec("spec 1.1: user batch enrolment"),
        "ef45.register_cards" => Requirement::spec("spec 1.2: card registration"),
        "ef45.set_schedule_codes" => Requirement::spec("spec 1.3.4: user-info schedule update"),
        "ef45.register_device_schedule" => {
            Requirement::spec("spec 1.3.7: device schedule creation")
        }
        "ef45.delete_all_schedules" => Requirement::spec("spec 1.3.11: delete all schedule data"),
        "ef45.schedules"
        | "ef45.register_schedules"
        | "ef45.special_days"
        | "ef45.register_special_days"
        | "ef45.schedule_types"
        | "ef45.register_schedule_types" => SCHEDULES,
        _ => return None,
    };
    Some(requirement)
}

/// Refuses `operation` before any I/O when the device's `version` is older than it needs. An
/// unreadable version (`None`) refuses nothing.
pub(crate) fn check(
    operation: &'static str,
    path: &str,
    version: Option<AppVersion>,
) -> Result<(), Error> {
    let (Some(requirement), Some(version)) = (requirement(operation, path), version) else {
        return Ok(());
    };
    match requirement.since {
        Some(since) if version < since => Err(Error::unsupported(
            operation,
            requirement.needs(),
            format!("application {version}"),
        )),
        _ => Ok(()),
    }
}

/// A 404 without a device code, answered to a call that a revision added, says the device
/// lacks the path: [`Error::Unsupported`] naming what the call needs. Any other error is
/// returned as it is.
pub(crate) fn path_missing(error: Error, path: &str, version: Option<AppVersion>) -> Error {
    let Error::Api(api) = &error else {
        return error;
    };
    let Some(requirement) = requirement(api.operation, path) else {
        return error;
    };
    let device_code = api.code.as_deref().is_some_and(|code| code.trim() != "404");
    if api.status != StatusCode::NOT_FOUND || device_code {
        return error;
    }
    let found = match version {
        Some(version) => format!("application {version}, which has no such path (HTTP 404)"),
        None => "an application without such a path (HTTP 404)".to_owned(),
    };
    Error::unsupported_answer(api.operation, requirement.needs(), found, api.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_and_ordered_by_their_numbers() {
        let v = |text| AppVersion::parse(text).unwrap();
        assert!(v("2.1.9") < v("2.1.10"));
        assert!(v("2.0.99") < v("2.1.0"));
        assert_eq!(v("2.1"), AppVersion::new(2, 1, 0));
        assert_eq!(v(" V1.1.69 "), AppVersion::new(1, 1, 69));
        for bad in ["", "2", "x.1.2", "2..1", "2.1.2.3"] {
            assert_eq!(AppVersion::parse(bad), None, "{bad}");
        }
    }
}
