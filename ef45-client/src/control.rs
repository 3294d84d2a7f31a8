//! Sheet Control: manual commands, the card-input screen, anti-passback, the door's manual
//! operation mode.

use biometric_core::{Error, Method, Operation, RawResponse, Result, decode_unit};
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::models::{Card, user_id};
use crate::outcome::decode_outcome;

/// A manual command (`POST control`): every field optional, at least one set.
///
/// The device runs it only when "Use manual command" (Settings > Network > Server) is enabled
/// on it. The sheet names the fields without saying what each does; their doc lines below say
/// only what the names and types tell.
///
/// ```
/// use ef45_client::ManualCommand;
/// let command = ManualCommand::new().recog_start(true).result(false);
/// # let _ = command;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[must_use]
pub struct ManualCommand {
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recog_start: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wav_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card: Option<Card>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wiegand_facility: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wiegand_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wiegand_custom: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    touch_enable_start: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    camera_init_position: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    launcher_show: Option<i64>,
}

impl ManualCommand {
    /// A command with no field set (add at least one).
    pub fn new() -> Self {
        ManualCommand::default()
    }

    /// `result` (boolean).
    pub fn result(mut self, result: bool) -> Self {
        self.result = Some(result);
        self
    }

    /// `recog_start` (boolean).
    pub fn recog_start(mut self, start: bool) -> Self {
        self.recog_start = Some(start);
        self
    }

    /// `wav_path`: a sound file path on the device.
    pub fn wav_path(mut self, path: impl Into<String>) -> Self {
        self.wav_path = Some(path.into());
        self
    }

    /// `uuid`: a user id.
    pub fn uuid(mut self, uuid: impl Into<String>) -> Self {
        self.uuid = Some(uuid.into());
        self
    }

    /// `last_name`.
    pub fn last_name(mut self, name: impl Into<String>) -> Self {
        self.last_name = Some(name.into());
        self
    }

    /// `card`, sent as upper-case hex (`65 D8 A1 BD`).
    pub fn card(mut self, card: Card) -> Self {
        self.card = Some(card);
        self
    }

    /// `wiegand_facility` (integer).
    pub fn wiegand_facility(mut self, value: i64) -> Self {
        self.wiegand_facility = Some(value);
        self
    }

    /// `wiegand_code` (integer).
    pub fn wiegand_code(mut self, value: i64) -> Self {
        self.wiegand_code = Some(value);
        self
    }

    /// `wiegand_custom` (a string in this sheet).
    pub fn wiegand_custom(mut self, value: impl Into<String>) -> Self {
        self.wiegand_custom = Some(value.into());
        self
    }

    /// `touch_enable_start` (integer).
    pub fn touch_enable_start(mut self, value: i64) -> Self {
        self.touch_enable_start = Some(value);
        self
    }

    /// `camera_init_position` (integer).
    pub fn camera_init_position(mut self, value: i64) -> Self {
        self.camera_init_position = Some(value);
        self
    }

    /// `launcher_show` (integer).
    pub fn launcher_show(mut self, value: i64) -> Self {
        self.launcher_show = Some(value);
        self
    }

    fn is_empty(&self) -> bool {
        *self == ManualCommand::default()
    }
}

/// The door's manual operation mode (`control/manual`, sheet Control).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DoorMode {
    /// 0: stay open.
    StayOpen,
    /// 1: stay closed.
    StayClosed,
    /// 2: no manual action (routine operation).
    Routine,
    /// 3: open temporarily.
    OpenTemporarily,
    /// A mode the sheet does not list, kept as sent.
    Unknown(i64),
}

impl DoorMode {
    /// The mode for the device's number.
    pub fn from_number(value: i64) -> Self {
        match value {
            0 => DoorMode::StayOpen,
            1 => DoorMode::StayClosed,
            2 => DoorMode::Routine,
            3 => DoorMode::OpenTemporarily,
            other => DoorMode::Unknown(other),
        }
    }

    /// The number on the wire.
    pub fn number(self) -> i64 {
        match self {
            DoorMode::StayOpen => 0,
            DoorMode::StayClosed => 1,
            DoorMode::Routine => 2,
            DoorMode::OpenTemporarily => 3,
            DoorMode::Unknown(other) => other,
        }
    }
}

/// `{"card": "65 D8 A1 BD"}`; no card, `null` or `""` is `None`; text that is not hex bytes
/// (a manually typed card) is kept as written (see [`Card::is_hex`]).
fn decode_card_input(raw: RawResponse) -> Result<Option<Card>> {
    #[derive(Deserialize)]
    struct Answer {
        card: Option<String>,
    }
    let answer: Answer = raw.json()?;
    match answer.card.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => serde_json::from_value::<Card>(text.into())
            .map(Some)
            .map_err(|err| raw.decode_error(Some("card".into()), err.to_string())),
    }
}

impl Client {
    /// Sends a manual command (`POST control`); the device's `status` text on success. An empty
    /// command is refused before any I/O; `{"success": false, ...}` is an
    /// [`Error::Api`] with the device's status text.
    ///
    /// **Not resent** once it may have reached the device: it makes the device act, and a second
    /// request would act again.
    pub async fn control(&self, command: &ManualCommand) -> Result<String> {
        if command.is_empty() {
            return Err(Error::invalid(
                "command",
                "must set at least one field (the sheet: at least one parameter)",
            ));
        }
        let op = Operation::with_decoder("ef45.control", Method::POST, "control", decode_outcome)
            .json_body(command)?;
        self.send(op).await
    }

    /// Shows the card-input screen on the device for a card to be tagged or typed (`POST
    /// control/card/start`). The camera must be in `Slave` (enrol) mode first. The answer is
    /// not documented: any 2xx is success.
    ///
    /// **Not resent** once it may have reached the device: it opens the card screen, and what a
    /// second request does is not documented.
    pub async fn start_card_input(&self) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.start_card_input",
            Method::POST,
            "control/card/start",
            decode_unit,
        );
        self.send(op).await
    }

    /// The card given on the card-input screen (`GET control/card/data`: `{"card": "65 D8 A1
    /// BD"}`). The sheet does not document the answer before a card is given; an answer
    /// without a card, with `null` or with `""` is read as `None`. A typed card that is not hex
    /// bytes is kept as written ([`Card::is_hex`] false).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn card_input(&self) -> Result<Option<Card>> {
        let op = Operation::with_decoder(
            "ef45.card_input",
            Method::GET,
            "control/card/data",
            decode_card_input,
        );
        self.send(op).await
    }

    /// Closes the card-input screen (`POST control/card/stop`). Any 2xx is success.
    ///
    /// **Not resent** once it may have reached the device: the sheet does not say what a second
    /// stop does.
    pub async fn stop_card_input(&self) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.stop_card_input",
            Method::POST,
            "control/card/stop",
            decode_unit,
        );
        self.send(op).await
    }

    /// Releases one user from an anti-passback violation (`POST control/apb/clear/{user_uuid}`:
    /// sets their APB status to 1, CLEAR). Any 2xx is success.
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn clear_anti_passback(&self, user_uuid: &str) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.clear_anti_passback",
            Method::POST,
            "control/apb/clear/",
            decode_unit,
        )
        .segment("user_uuid", user_id("user_uuid", user_uuid)?)
        // Sets the status to CLEAR: the same result however often it is sent.
        .idempotent(true);
        self.send(op).await
    }

    /// Releases every user from anti-passback violations (`POST control/apb/clearall`). Any
    /// 2xx is success.
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn clear_all_anti_passback(&self) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.clear_all_anti_passback",
            Method::POST,
            "control/apb/clearall",
            decode_unit,
        )
        // Sets every status to CLEAR: the same result however often it is sent.
        .idempotent(true);
        self.send(op).await
    }

    /// Sets the door's operation mode (`POST control/manual?operation=`). Any 2xx is success.
    ///
    /// **Resent** after a failure that may go away for the modes that set a state (stay open, stay
    /// closed, routine); **not resent** for "open temporarily", an action that would open the door
    /// again.
    pub async fn set_door_mode(&self, mode: DoorMode) -> Result<()> {
        if let DoorMode::Unknown(other) = mode {
            return Err(Error::invalid(
                "operation",
                format!("must be 0 to 3 (the sheet's modes), not {other}"),
            ));
        }
        let op = Operation::with_decoder(
            "ef45.set_door_mode",
            Method::POST,
            "control/manual",
            decode_unit,
        )
        .query("operation", mode.number())
        // Stay open, stay closed and routine set a state: repeating them changes nothing.
        // "Open temporarily" is an action: a repeat would open the door again.
        .idempotent(mode != DoorMode::OpenTemporarily);
        self.send(op).await
    }

    /// The door's operation mode (`GET control/manual`: `{"operation": 0}`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn door_mode(&self) -> Result<DoorMode> {
        #[derive(Deserialize)]
        struct Answer {
            operation: i64,
        }
        let op = Operation::<Answer>::new("ef45.door_mode", Method::GET, "control/manual");
        Ok(DoorMode::from_number(self.send(op).await?.operation))
    }
}
