//! A fake CMITECH EF-45 iris and face terminal, written from the vendor's specification workbook
//! (`spec-v1.4.10-sheets.txt`, one sheet per area), `rest-api-reference.txt` and the EF-45
//! notes (the path map and the envelopes). Everything is served under `/1.0/`, as the device does
//! on port 9980.
//!
//! # Session (sheet Common)
//!
//! | call | answer |
//! |---|---|
//! | `POST /1.0/lock`, body optional `{"id", "passwd"}` | `{"lock_uid": "<8-4-4-4-12>"}` |
//! | `PUT /1.0/lock` (force connect), same body | a new `lock_uid`; the previous one is stale |
//! | `DELETE /1.0/lock/{lock_uid}` | 204 |
//! | `GET /1.0/version` (no lock) | `{"version": "2.2.41"}` ([`Ef45Config::version`], [`NEWEST_VERSION`]) |
//! | `POST /1.0/lock/chpasswd` `{"id", "current passwd", "new passwd"}` | 204 |
//! | `PUT /1.0/lock/chpasswd` (by force), same body | 204 |
//!
//! Without a body, `POST`/`PUT lock` use the factory credentials `root`/`cmi1003`, as the Common
//! sheet says; once the password was changed such a request fails. Wrong credentials answer
//! HTTP 400, as documented. Every other call needs `?lock_uid=` with the current lock.
//!
//! **Where the sheets are silent, the fake's own choices:**
//! - A missing, malformed or stale `lock_uid` answers **HTTP 401** ([`STALE_LOCK_STATUS`]) with
//!   the device code of the Response_code sheet: `{"status_code": 1102, "reason_phrase":
//!   "Unavailable accessToken!"}`. The sheets give the code and its text but no HTTP status.
//! - Error bodies use the two envelope fields the list calls document as "error code" and
//!   "error message": `{"status_code", "reason_phrase"}`; wrong credentials answer
//!   `{"status_code": 400, "reason_phrase": "Wrong ID or password"}`.
//! - One lock at a time: `POST lock` while another lock is current fails with HTTP 500 (the
//!   sheet's "failed to create lock"); `PUT lock` (documented as "force connect") takes over.
//! - `DELETE lock/{lock_uid}` and `lock/chpasswd` answer 204 (no answer is documented);
//!   neither `lock/chpasswd` needs a `lock_uid` (the URL example has none).
//! - `PUT lock/chpasswd` ("change password by force") takes the same body; the sheet does not
//!   say what "by force" skips. The fake's reading: `current passwd` must be sent but is not
//!   compared and `id` must be the device's; like `POST`, no lock is asked (the sheet shows
//!   none, and the fake does not invent one).
//! - Every error carries an `x-sim-reason` header naming the breach, for whoever reads a failing
//!   test.
//!
//! # Records (sheets Subject, User_info, Face, User, Card)
//!
//! | call | answer |
//! |---|---|
//! | `GET subjects[?page=&page_size=]`, `GET subjects/{user_uuid}`, `GET subjects/count`, `GET subjects/record-version` (8976) | list envelope / object / `{"count"}` / `{"record_version"}` |
//! | `POST subjects`, `PUT`/`DELETE subjects/{user_uuid}` | 201 / 204 / 204, no body |
//! | `PUT subjects/is-exist/template` (a Subject body) | `{"duplicate_uuid"}` |
//! | `GET user-info[?page=&pageSize=]`, `GET user-info/card/{card}`, `GET`/`PUT`/`DELETE user-info/uuid/{user_uuid}`, `POST user-info`, `PUT user-info/schedule` | list / object / 204 / 201 / 200 |
//! | `GET faces[?page=&pageSize=]`, `GET faces/{user_uuid}[?subId=]`, `POST faces`, `PUT faces/{user_uuid}?subId=`, `DELETE faces/{user_uuid}[?subId=]` | list / list or object / 201 / 204 / 204 |
//! | `POST user` (subject + `faces` + user-info + up to 8 `cards`), `DELETE user/{user_uuid}`, `PUT user/delete-users` `{"list": [int]}` | 201 / 204 / 204 |
//! | `GET cards/{user_uuid}`, `POST cards`, `DELETE cards/{user_uuid}` | `{"user_uuid", "cards"}` / 201 / 204 |
//!
//! Lists use the notes' envelope `{"status_code": 200, "reason_phrase": "OK", "items", "page",
//! "page_size", "has_more", "total"}`, 50 rows by default; without `page` every item is
//! answered (`page` 1, `page_size` the item count: the fake's choice). The page-size parameter
//! is `page_size` on subjects (and logs), `pageSize` on user-info and faces, as the sheets' URLs
//! write it. Keys are spelled as the sheets spell them (`indivisual`,
//! `three_out_status_access_allowd`, `face_LED_state`). Where a sheet's example disagrees with
//! its table, both are accepted: the Subject example's `"wiegand_custom": ""` and `null`
//! strings, the User_info example's `three_out_access_allowed`. Only the identifying keys are
//! required (`user_uuid`, a subject's `last_name`, a face's `sub_id`): the User_info example
//! itself omits a key its table marks required. Records are listed in `user_uuid` order (string
//! order). A key never sent is answered with the sheet's default (record version 8976, Wiegand
//! -1) or an empty value.
//!
//! Cards are bytes printed as upper-case hex with one space (`65 D8 A1 BD`); anything else
//! (lower case, no spaces, `0x`) is refused with 400 in bodies and in `user-info/card/{card}`:
//! the device's answer to a bad card is not documented, the refusal is the fake's. At most 8
//! cards per user (400 beyond). Faces have `sub_id` 0 to 5. **Fake's own answers:** an unknown
//! user is 404 with the device code `{"status_code": 1100, "reason_phrase": "User not found!"}`;
//! a record created twice is 409; a duplication check without a duplicate answers
//! `{"duplicate_uuid": ""}` (the synthetic rule: a stored subject with the same non-empty eye
//! template is a duplicate); `DELETE faces/{user_uuid}` without `subId` deletes all the user's
//! faces; `POST user` answers 201 and `delete-users` 204 (undocumented).
//!
//! # Logs (sheet Log)
//!
//! The fake starts with 7 log items, ids 68 to 74 (`total: 7`, as in the sheet's example): 68
//! and 69 are the sheet's example items verbatim, the rest generated (event types in turn, 37
//! minutes apart, users `111`/`112`); [`Ef45Sim::add_logs`] appends more. Served:
//! `GET logs?page=&page_size=&order=desc` (`asc`/`desc`), `logs/from/to?page=&page_size=&min=&max=`,
//! `logs/from/count?from=&count=`, `logs/from/to/type?page=&min=&max=&type=` (50 a page, fixed),
//! `logs/from/date/{yyyy[-mm[-dd]]}`, `logs/fromto/[{eventtype}/]{from}/{to}`,
//! `logs/count`, `logs/count/[{eventtype}/]{from}/{to}` (`{"count"}`), `logs/{id}`;
//! `DELETE logs?min=&max=` (both required), `DELETE logs/{id}`, `DELETE logs/db` (204).
//! Period bounds are `yyyy-mm-dd` (meaning 00:00, as the sheet insists) or
//! `yyyy-mm-ddThh:mm:ssZ`, both inclusive; event types must be one of the sheet's six
//! ([`EVENT_TYPES`]). **Fake's own:** an unknown log id is 404 `NOT_FOUND`; the bounds'
//! inclusiveness is not documented.
//!
//! # Settings (sheet Config)
//!
//! | call | answer |
//! |---|---|
//! | `GET config/{title}/{type}` (`type`: `bool`, `float`, `int`, `string`) | `{"title", "string", "int", "float", "bool"}` |
//! | `PUT config/{title}/{type}` `{"title", "bool", "float", "int", "string"}` | 204 |
//! | `GET config/door-status` | `{"door_sensor", "relay", "tamper", "rte"}`, each 0 normal, 1 event, 2 disabled ([`Ef45Sim::set_door_status`]; the sheet's example, all 2, at start) |
//! | `PUT config/relay[?forced=true\|false][&duration=<seconds>]` (query only) | 204 ([`Ef45Sim::last_relay`]) |
//!
//! Each title holds one value of one type ([`ConfigValue`], [`Ef45Sim::set_config`]); seeded:
//! `umx.camera.recog.eitherEye` = 1 and `launcher.device.door.relay` = 1 (the sheet's
//! examples), `umx.camera.enrol.MinimumUsableIrisArea` = 2 (range 0 to 4, API Overview) and
//! `launcher.network.diameter` = 0. The GET answer fills the other three fields with the
//! example's unused values (`""`, `-1`, `false`). **Fake's own:** the sheets refer to an "SDK
//! Configurations table" of titles that is not in them, so an unknown title is a 404 on GET and
//! is created by PUT; a title read or written with another type than its own is a 400; the PUT
//! body must carry the key of `{type}` (the others may be sent and are ignored) and a `title`
//! that is `""` (as in the example) or the path's; the relay's parameters are optional (not
//! marked required) and its answer, undocumented, is 204.
//!
//! # Device control (sheet Control)
//!
//! | call | answer |
//! |---|---|
//! | `POST control` with at least one of the sheet's keys (`result`, `recog_start`, `wav_path`, `uuid`, `last_name`, `card`, `wiegand_facility`, `wiegand_code`, `wiegand_custom`, `touch_enable_start`, `camera_init_position`, `launcher_show`) | `{"success": true, "status": "Success"}`, or the sheet's `{"success": false, "status": "Fail"}` when "Use manual command" is off ([`Ef45Sim::set_manual_command`], [`Ef45Sim::last_control`]) |
//! | `POST control/card/start`, `POST control/card/stop` | 204 ([`Ef45Sim::card_reading`]) |
//! | `GET control/card/data` | `{"card": "65 D8 A1 BD"}` ([`Ef45Sim::tag_card`]) |
//! | `POST control/apb/clear/{user_uuid}`, `POST control/apb/clearall` | 204; the user-info's `apb_status` becomes 1 (CLEAR) |
//! | `GET control/manual`, `POST control/manual?operation=0..3` | `{"operation": n}` (2 at start) / 204 |
//!
//! The example's `""` for the `int` keys of `POST control` is accepted (an integer or `""`).
//! **Fake's own, where the sheet is silent:** the success text `"Success"`; "Use manual
//! command" is on at start; the answers of card start/stop, the APB resets and the manual mode
//! (204); `control/card/start` in a camera mode other than `Slave` is 409 (the sheet says
//! the mode must be `Slave` first); `control/card/data` answers `{"card": ""}` until a card is tagged while the card
//! input screen is shown, and `card/stop` forgets the card; an unknown user on `apb/clear` is
//! 1100; door mode 2 ("no manual action") at start.
//!
//! # User schedules (sheet User-schedule)
//!
//! | call | answer |
//! |---|---|
//! | `POST user-schedule` `{"uuid", "from_time", "to_time", "used", "sc_idx"}` | 201 |
//! | `PUT user-schedule`, same body | 204 |
//! | `GET user-schedule/uuid/{uuid}` | `{"uuid", "from_time", "to_time", "used", "sc_idx"}` ([`Ef45Sim::user_schedule`]) |
//! | `DELETE user-schedule/uuid/{uuid}` | 204 |
//!
//! `from_time`/`to_time` are twelve digits `yyyyMMddHHmm` making a real date and time, `used`
//! 0 or 1, `sc_idx` -1 (disabled) or 1 to 999999; all keys but `sc_idx` are required, as the
//! table marks them. **Fake's own:** a missing `sc_idx` is answered as -1; a second `POST` for
//! the same user is 409, a `PUT`/`GET`/`DELETE` of a user without a schedule 404; the user need
//! not have other records; `from_time` after `to_time` is not refused (the sheet is silent).
//!
//! # Schedules (sheet Schedule)
//!
//! | call | answer |
//! |---|---|
//! | `GET schedule/schedule-info`, `GET schedule/type-info` (optional JSON body: `{"sc_idx", "si_idx"}` / `{"sti_idx"}` as a filter) | list envelope of every (matching) item |
//! | `GET schedule/specialday-info?sd_type=&uuid=[&sd_date=]` | list envelope |
//! | `POST` any of the three `{"size": n, "items": [...]}` | 200 and the envelope with no items; a refusal is 400 with the request's items in the envelope |
//! | `PUT` any of the three, one item as the body | 201, as documented |
//! | `DELETE schedule/schedule-info` `{"sc_idx"[, "si_idx"]}`, `DELETE schedule/type-info` `{"sti_idx"}`, `DELETE schedule/specialday-info?sd_type=&uuid=[&sd_date=]` | 204 |
//! | `POST schedule/device-schedule?sc_idx=` | 201 ([`Ef45Sim::device_schedule`]) |
//! | `DELETE schedule/all` | 204 |
//!
//! Items carry the tables' keys with their types (`sd_type` a string since spec 1.3.6); all are
//! required but `sc_start_date`. `size` must equal the number of items. `sc_idx` is 1 to 999999
//! (the User-schedule sheet's group index), `sd_date` `yyyy-mm-dd` (the sheet's only example,
//! `2018-09-05`); the other strings' forms are not documented and not checked.
//! **Readings of the sheet:** the GET tables list JSON parameters while the URL examples send no
//! body, so a body is an optional filter; the DELETE schedule-info table lists a `uuid` path
//! parameter its URL has no segment for, so there is none (the body's `sc_idx` is required,
//! `si_idx`, not marked required, narrows); items are identified by (`sc_idx`, `si_idx`),
//! (`sd_type`, `uuid`, `sd_date`) and `sti_idx`, the keys their DELETE takes. **Fake's own:**
//! the registration's success status (200), an item registered twice is refused like a bad
//! one, `PUT` of an item not stored is 404, a deletion matching nothing is 404, the device
//! schedule need not be registered, and `schedule/all` clears this sheet's data only (user
//! schedules stay).
//!
//! # Camera (sheet Camera)
//!
//! | call | answer |
//! |---|---|
//! | `GET camera` | `{"serial_number": "EB0022A002929", "camera_mode": "Recog", "audio_enabled": true}` at start (the sheet's example) |
//! | `POST camera` `{"serial_number", "camera_mode", "audio_enabled"}` | `{"success": true, "status": "Success set mode"}` |
//! | `POST camera/control/setDeviceTime/{MMddHHmmyyyy.ss}` | `{"success": true, "status": ""}` ([`Ef45Sim::device_time`]) |
//! | `POST camera/control/start?face_mode=&glasses_mode=&both_eye_mode=&either_eye_mode=[&streaming_mode=][&recog_mode=]` | `{"success": true, "status": "Started camera"}`; `{"success": false, "status": "Please first chagne mode to Slave(Enrollment)"}` unless the mode is `Slave`; `{"success": false, "status": "Unknown start mode"}` without one of the four biometric modes |
//! | `POST camera/control/stop` | `{"success": true, "status": "Stopped camera"}` |
//!
//! `camera_mode` is `Slave`, `Recog` or `Enrol`, exactly ([`CameraMode`],
//! [`Ef45Sim::set_camera_mode`]); `serial_number` and `camera_mode` are required. The device
//! time is the sheet's example's form, 24-hour (`051814412018.41` is 2018-05-18 14:41:41), and
//! must be a real date and time. Start flags are `true` or `false`; the running capture's flags
//! are [`Ef45Sim::camera_running`]. `control/card/start` needs the `Slave` mode too (409
//! otherwise). **Fake's own:** the HTTP status of the refused starts (200, the sheet gives only
//! the bodies), a `serial_number` other than the device's (400), a bad time or flag (400), a
//! second start replacing the first, a stop when stopped answering success.
//!
//! # Enrolment captures and device files (sheet Biometric-data)
//!
//! | call | answer |
//! |---|---|
//! | `GET biometric-data`, `GET biometric-data/ver1`, `GET biometric-data/ver2` | list envelope of the captures not yet deleted (`record_version` 8976 on `ver1`/`ver2` only) |
//! | `DELETE biometric-data/{encounter_id}` | 204 |
//! | `PUT biometric-data/save-8bmp`, `PUT biometric-data/save-24bmp` `{"filename", "height", "image", "width"}` | the envelope with no items (the sheet's "200", "OK", "1", "0", "false", "0") |
//! | `GET biometric-data/load-file?filename=` | `{"file": base64, "size": bytes}` ([`Ef45Sim::file`]) |
//! | `PUT biometric-data/save-file?filename=` `{"file", "size"}`, `DELETE biometric-data/delete-file?filename=` | 204 ([`Ef45Sim::put_file`]) |
//!
//! A capture is the test's doing: [`Ef45Sim::capture`] with a [`Capture`] of a named person.
//! With the camera started in `Slave` mode it adds one item with every field of the sheet and
//! stops the camera. The start's modes decide what is filled (eyes and `iris_off_face` with an
//! eye mode, `far_*` with `face_mode`, `near_*` with `glasses_mode`; the rest is `""`/0/false);
//! images are generated bytes of [`Capture::image_bytes`] each (1024 by default; 560 000 with
//! the four modes make an answer of about 5 MB); templates and features are generated from the
//! person's name ([`Capture::left_eye_template`]...), and `*_duplicate_uuid` names a stored
//! subject or face with the same one. The diameters are present only while
//! `launcher.network.diameter` is 1, as the sheet requires. **Readings and fake's own:** `ver2`
//! answers as `ver1` (the sheet lists no field for its "server match key");
//! `bodyTemperature`/`alarm`/`mask` are `""`; a malformed `encounter_id` is 400, an unknown one
//! 404; bitmaps need a name of the API Overview's table (`lefteye.bmp`, `righteye.bmp` for
//! 8-bit, `irisoff.bmp`, `faroff.bmp`, `faron.bmp`, `nearoff.bmp`, `nearon.bmp` for 24-bit)
//! under `/usr/local/share/CMITECH/Images/`, optionally `{uuid}_`-prefixed, and positive sizes
//! (integers or, as in the example, decimal strings); `image` may be `""` as in the example,
//! and its length is not compared with the size (the pixel format is not documented). Files
//! must be in the sheet's filename table (`{uuid}_*.jpg` with JPEG bytes; the two PNG logos of
//! 854x480 and 854x420, at most 768 KiB); `size` must be the decoded length (the example's
//! `{"file": "", "size": "5744"}` is a placeholder that fails it). Base64 is the standard padded
//! form only. An unknown file is 404; save and delete answer 204 (not documented).
//!
//! # Recognitions (sheet Match-data, and the Camera sheet's `start/matchtemplate`)
//!
//! | call | answer |
//! |---|---|
//! | `GET match-data` | list envelope of the recognitions not yet deleted |
//! | `DELETE match-data/{encounter_id}` | 204 |
//! | `POST camera/control/start/matchtemplate/{seq_uid}` with the Subject keys of the Camera sheet's table | `{"success": true, "status": "Started matching template"}` |
//!
//! Items carry every field of the sheet, the left template spelled as the sheet spells it,
//! `left_eye__iris_template`, the right one `right_eye_iris_template`. They come from
//! [`Ef45Sim::push_match`] (a recognition of a given user) or from [`Ef45Sim::capture`] in
//! `Recog` mode: the stored subject with an equal left or right template, or, after a
//! `start/matchtemplate`, the card subject sent with it (the item then carries `seq_uid` as its
//! `encounter_id`). Each recognition also adds a Recognition log (`Recog/BioOnly/IrisOk` and
//! `Allowed`, or `Recog/BioOnly/IrisFail` without a match), whose id is the item's `log_id`.
//! **Fake's own:** a recognition fills every image group; the "x" the sheet puts against the
//! eye quality fields is unexplained and they are sent filled; a failed recognition's
//! `additional_data` is `""`; `start/matchtemplate` outside `Recog` mode (the sheet's steps
//! switch to it first) answers `{"success": false, "status": "Please first change mode to
//! Recog"}`, a text of the fake's; malformed ids are 400, unknown ones 404.
//!
//! # Live preview (sheet Preview)
//!
//! `GET preview` answers, while the camera is started (from `camera/control/start` until
//! `stop` or a completed capture), a new frame with every field of the sheet: `left_eye`,
//! `right_eye`, `face_image` (generated bytes in base64, [`Ef45Sim::set_preview_image_bytes`]
//! each), the geometry as integers, `message` and `switch_flag`; otherwise 204 with no body
//! (the notes: "204 or empty body = no frame yet"). **Fake's own:** the geometry values,
//! `message` 0 (its codes are not documented), `switch_flag` false.
//!
//! # Firmware upload (sheet Firmware)
//!
//! | call (`POST` normal, `PUT` forced) | answer |
//! |---|---|
//! | `update/start`, no body | 204 |
//! | `update/continuous`, one unit | 204 |
//! | `update/done`, the last unit | `{"file": "Upload success"}`; the lock then goes stale (the sheet: the device reboots) |
//!
//! **The unit's body format is not documented; the fake's choice, shared with the Database
//! upload:** the unit's standard base64 text as the whole body, `Content-Type: text/plain`
//! (415 otherwise), not empty, at most [`MAX_UNIT_TEXT`] (1 MiB) of text: the sheets' "about
//! 1MB ... encoded with Base64", the Database example's 786 432-byte unit being exactly 1 MiB
//! of base64. Units arrive in order: every `continuous` unit of the same size (the sheet's
//! "pre-defined upload buffer size"), the last one not larger; all with the method the upload
//! started with. A unit without a started upload is 409, the other checks 400 (the fake's).
//! `update/start` abandons an unfinished upload, as the sheet says ([`Ef45Sim::firmware_aborts`]).
//! The fake keeps the byte count and a running digest ([`UploadDigest`], FNV-1a 64), never the
//! bytes ([`Ef45Sim::firmware_upload`]): a 256 MiB upload grows the process by a few MiB. It
//! neither checks the firmware version nor reboots.
//!
//! # Databases (sheets Database and Database (eyelock))
//!
//! | call (eyelock: the same with `/EyeLockFull` or `/EyeLockPart` last) | answer |
//! |---|---|
//! | `GET database/size` | `{"size": bytes, "status": "", "file": ""}` |
//! | `GET database` | `{"file": base64, "size": bytes}` |
//! | `GET database/partial/{index}` | `{"size": part bytes, "status": "start"\|"continuous"\|"done", "file": base64}` |
//! | `POST database/start`, `POST database/continuous/{strSize}` | 204 |
//! | `POST database/done/{strSize}/{strTotalSize}` | 204; the device restarts (the lock becomes stale; not for eyelock) |
//!
//! Each database is generated to its size ([`DEFAULT_DATABASE_BYTES`], the example's 19 456,
//! or [`Ef45Sim::set_database_size`]): SQLite's header, then generated bytes
//! ([`database_bytes`]), streamed as base64 while sent, never held. Parts are [`PART_BYTES`]
//! (10 MiB, the example's 10 485 760). Uploads take the unit format of the Firmware section;
//! `strSize` is the chunk's decoded size (the example's 786 432 is 1 MiB of base64) and
//! `strTotalSize` must equal all chunks' sizes added ([`Ef45Sim::database_upload`]: counts and
//! a digest; the download then serves generated bytes of the uploaded size). **Fake's own:** a
//! database of one part answers `done` at index 0; parts are asked from 0, each index again (a
//! retry) or the next (409 otherwise), an index past the last is 400; a chunk without a start
//! is 409; an unknown eyelock file is 404 on download and 400 elsewhere; the answers of the
//! upload calls (204) are not documented.
//!
//! # Strictness
//!
//! - A request body must be sent as `Content-Type: application/json` (415 otherwise) and be a
//!   JSON object with the documented keys only, each of the documented JSON type (400
//!   `{"status_code": 400, "reason_phrase": "BAD_REQUEST"}` otherwise, the Response_code sheet's
//!   text for "the parameter is not valid"). The refusal names the wrong type, never the value
//!   (it may be a password, a card or a template). The exception is an upload unit (firmware,
//!   database): base64 text as `text/plain`, the fake's choice (see Firmware upload).
//! - A call the sheets document without a body (parameters in the query or the path: the relay,
//!   `control/manual`, card start/stop, APB resets, `device-schedule`, camera start, stop and
//!   time, the upload starts) refuses one (400), so that parameters sent as JSON fail a test.
//! - Every call but `lock`, `lock/{lock_uid}`, `lock/chpasswd` and `version` needs the
//!   current `lock_uid`, the administration, camera and transfer sheets' calls included.
//! - Query parameters: `lock_uid` plus the ones the sheet lists for the call, nothing else (400).
//!   A device would probably ignore an unknown parameter; the fake refuses it so that a client
//!   sending `page_size` where the sheet says `pageSize` (or the reverse) fails a test instead
//!   of silently getting 50 rows.
//!
//! # Older applications
//!
//! The fake serves the application version it reports ([`Ef45Config::version`]), as sheet
//! Revision_History dates the calls: at 2.1.40, `logs/fromto`, `logs/count/{from}/{to}`,
//! `subjects/count`, `logs/from/to/type`, the EyeLock database and `lock/chpasswd` answer 404
//! (no such path), `POST lock` with a body and `DELETE faces/{uuid}` without `subId` answer 400
//! (the older form of the call); [`Ef45Stats::too_old`] counts them.
//!
//! # Fault injection
//!
//! [`Ef45Sim::fail_next`] (an HTTP status), [`Ef45Sim::device_error_next`] (a device code such
//! as 1301), [`Ef45Sim::delay_next`] (a late answer) and [`Ef45Sim::expire_lock`] (the current
//! lock becomes stale, as after a take-over). Faults are answered before anything else, lock
//! calls included. [`Ef45Sim::stale_lock_every`] makes every Nth locked call find its lock
//! stale (1102 under HTTP 200 or 400, not executed; once per upload), and
//! [`Ef45Sim::leave_capture`] puts a capture in the buffer as an earlier enrolment would have
//! left it. [`Ef45Sim::stats`] counts the calls, locks, take-overs and stale refusals.

mod biometric_data;
mod camera;
mod config;
mod control;
mod database;
mod device_files;
mod firmware;
mod logs;
mod match_data;
mod preview;
mod records;
mod revisions;
mod schedule;
mod session;
mod synthetic;
mod upload;
mod user_schedule;
mod wire;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::server::{Running, loopback, serve};
use logs::generated_log;
use wire::{Reject, unknown_path};

pub use biometric_data::{Capture, DEFAULT_IMAGE_BYTES};
pub use camera::{CameraMode, CameraStart};
pub use config::{ConfigValue, DoorState, DoorStatus, RelayCall};
pub use database::{
    DEFAULT_DATABASE_BYTES, DatabaseTarget, DatabaseUpload, PART_BYTES, database_bytes,
};
pub use firmware::FirmwareUpload;
pub use logs::EVENT_TYPES;
pub use records::{MAX_CARDS, RECORD_VERSION};
pub use upload::{MAX_UNIT_TEXT, UploadDigest};
pub use wire::DEFAULT_PAGE_SIZE;

/// The HTTP status the fake answers a missing or stale `lock_uid` with (the fake's choice: the
/// sheets give only the device code 1102).
pub const STALE_LOCK_STATUS: u16 = 401;

/// The device code of a stale or missing lock (Response_code sheet).
pub const STALE_LOCK_CODE: u16 = 1102;

/// The application version the workbook v1.4.10 was written for (its last revision: "compatible
/// app version v2.2.41 or later"), which the fake reports unless told otherwise.
pub const NEWEST_VERSION: &str = "2.2.41";

/// The factory credentials (Common sheet): `root` / `cmi1003`.
pub const FACTORY_ID: &str = "root";
/// The factory password (Common sheet).
pub const FACTORY_PASSWORD: &str = "cmi1003";

/// The device's account and what it reports.
#[derive(Clone)]
pub struct Ef45Config {
    id: String,
    password: String,
    version: String,
}

impl Ef45Config {
    /// A device whose REST id and password are `id` / `password`.
    pub fn new(id: impl Into<String>, password: impl Into<String>) -> Self {
        Ef45Config {
            id: id.into(),
            password: password.into(),
            version: NEWEST_VERSION.into(),
        }
    }

    /// The application version `GET version` answers and the fake serves: a call a later
    /// revision brought answers 404 (sheet Revision_History: e.g. `logs/count/{from}/{to}` from
    /// 2.1.47, `subjects/count` from 2.1.66), a lock body before basic authentication (2.1.50)
    /// and a face delete without `subId` before 2.2.41 answer 400. Default [`NEWEST_VERSION`].
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The application version it reports and serves.
    pub fn app_version(&self) -> &str {
        &self.version
    }

    /// The REST id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The REST password the device starts with.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl Default for Ef45Config {
    /// The factory credentials `root` / `cmi1003`.
    fn default() -> Self {
        Ef45Config::new(FACTORY_ID, FACTORY_PASSWORD)
    }
}

impl std::fmt::Debug for Ef45Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ef45Config")
            .field("id", &self.id)
            .field("password", &"[REDACTED]")
            .field("version", &self.version)
            .finish()
    }
}

/// What the fake has counted since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ef45Stats {
    /// Requests that reached the fake.
    pub calls: usize,
    /// Locks opened with `POST lock`.
    pub locks: usize,
    /// Locks taken over with `PUT lock`.
    pub takeovers: usize,
    /// Locks closed with `DELETE lock/{lock_uid}`.
    pub unlocks: usize,
    /// Calls refused for a missing or stale `lock_uid`.
    pub stale_refusals: usize,
    /// Calls refused because the configured application version predates them.
    pub too_old: usize,
}

/// An injected answer.
#[derive(Debug, Clone)]
enum Fault {
    Status(StatusCode),
    Device(StatusCode, u16),
}

struct Store {
    password: String,
    lock: Option<String>,
    uid_keys: std::collections::hash_map::RandomState,
    uid_counter: u64,
    faults: VecDeque<Fault>,
    delay: Option<(usize, Duration)>,
    stale: revisions::StaleEvery,
    stats: Ef45Stats,
    subjects: BTreeMap<String, Map<String, Value>>,
    user_info: BTreeMap<String, Map<String, Value>>,
    faces: BTreeMap<(String, i64), Map<String, Value>>,
    cards: BTreeMap<String, BTreeMap<i64, Map<String, Value>>>,
    logs: BTreeMap<i64, Value>,
    config: config::ConfigState,
    control: control::ControlState,
    user_schedules: BTreeMap<String, Map<String, Value>>,
    schedules: schedule::Schedules,
    camera: camera::CameraState,
    biometric: biometric_data::BiometricBuffer,
    files: device_files::DeviceFiles,
    matches: match_data::MatchBuffer,
    preview: preview::PreviewState,
    firmware: firmware::FirmwareState,
    databases: database::Databases,
}

/// The fake device and its state. Clones share the state.
#[derive(Clone)]
pub struct Ef45Sim {
    config: Arc<Ef45Config>,
    store: Arc<Mutex<Store>>,
}

impl std::fmt::Debug for Ef45Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ef45Sim")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Ef45Sim {
    /// A device with no lock and no records.
    pub fn new(config: Ef45Config) -> Self {
        let store = Store {
            password: config.password.clone(),
            lock: None,
            uid_keys: Default::default(),
            uid_counter: 0,
            faults: VecDeque::new(),
            delay: None,
            stale: Default::default(),
            stats: Ef45Stats::default(),
            subjects: BTreeMap::new(),
            user_info: BTreeMap::new(),
            faces: BTreeMap::new(),
            cards: BTreeMap::new(),
            logs: (68..=74).map(|id| (id, generated_log(id))).collect(),
            config: Default::default(),
            control: Default::default(),
            user_schedules: BTreeMap::new(),
            schedules: Default::default(),
            camera: Default::default(),
            biometric: Default::default(),
            files: Default::default(),
            matches: Default::default(),
            preview: Default::default(),
            firmware: Default::default(),
            databases: Default::default(),
        };
        Ef45Sim {
            config: Arc::new(config),
            store: Arc::new(Mutex::new(store)),
        }
    }

    /// Serves the fake on a free loopback port.
    pub async fn start(&self) -> std::io::Result<Running> {
        serve(self.router(), loopback()).await
    }

    /// The fake's routes, to serve or to merge into a bigger router.
    pub fn router(&self) -> Router {
        let locked = Router::new()
            .merge(records::routes())
            .merge(logs::routes())
            .merge(config::routes())
            .merge(control::routes())
            .merge(user_schedule::routes())
            .merge(schedule::routes())
            .merge(session::locked_routes())
            .merge(camera::routes())
            .merge(biometric_data::routes())
            .merge(device_files::routes())
            .merge(match_data::routes())
            .merge(preview::routes())
            .merge(firmware::routes())
            .merge(database::routes())
            .route_layer(middleware::from_fn_with_state(
                self.clone(),
                session::require_lock,
            ));
        Router::new()
            .merge(session::routes())
            .merge(locked)
            .fallback(unknown_path)
            .layer(middleware::from_fn_with_state(
                self.clone(),
                revisions::enforce_version,
            ))
            .layer(middleware::from_fn_with_state(self.clone(), faults))
            // No limit is documented; biometric data is about 5 MB.
            .layer(axum::extract::DefaultBodyLimit::max(50 * 1000 * 1000))
            .with_state(self.clone())
    }

    /// The next `count` calls answer `status` with `{"status_code": status, "reason_phrase":
    /// <its reason>}`, before any other check and without acting.
    pub fn fail_next(&self, status: u16, count: usize) {
        let status = StatusCode::from_u16(status).expect("a valid HTTP status");
        let mut store = self.store();
        store
            .faults
            .extend(std::iter::repeat_n(Fault::Status(status), count));
    }

    /// The next call answers HTTP `status` with the device code `code` of the Response_code
    /// sheet (1100, 1101, 1102, 1200, 1301) and its text, without acting.
    pub fn device_error_next(&self, status: u16, code: u16) {
        let status = StatusCode::from_u16(status).expect("a valid HTTP status");
        self.store().faults.push_back(Fault::Device(status, code));
    }

    /// The next `count` calls wait `delay` before being handled.
    pub fn delay_next(&self, count: usize, delay: Duration) {
        self.store().delay = Some((count, delay));
    }

    /// The current lock becomes stale, as when the device drops it or another client takes
    /// over: calls with it answer 1102 and `POST lock` opens a new one.
    pub fn expire_lock(&self) {
        self.store().lock = None;
    }

    /// From now on, every `every`th call made with the current lock finds it stale, as when
    /// another client forces a lock or the lock times out: the call is answered device code
    /// 1102 ("Unavailable accessToken!") under HTTP `status` (200 or 400: the sheets promise
    /// neither) and not executed, and `POST lock` opens a new lock. An upload (firmware or
    /// database, from its start call to its last unit) loses its lock at most once until it
    /// completes. `every` 0 turns the switch off.
    pub fn stale_lock_every(&self, every: usize, status: u16) {
        self.store().stale = revisions::StaleEvery::new(every, status);
    }

    /// The current `lock_uid`, if a lock is open.
    pub fn current_lock(&self) -> Option<String> {
        self.store().lock.clone()
    }

    /// What the fake has counted.
    pub fn stats(&self) -> Ef45Stats {
        self.store().stats
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock would be a bug in this fake; keep serving anyway.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The device's texts for its own codes (Response_code sheet).
pub fn device_code_text(code: u16) -> Option<&'static str> {
    Some(match code {
        1100 => "User not found!",
        1101 => "Incorrect information",
        1102 => "Unavailable accessToken!",
        1200 => "Unknown Device!",
        1301 => "Permission denied!",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Fault injection

async fn faults(State(sim): State<Ef45Sim>, request: Request, next: Next) -> Response {
    let (delay, fault) = {
        let mut store = sim.store();
        store.stats.calls += 1;
        let delay = match &mut store.delay {
            Some((count, delay)) if *count > 0 => {
                *count -= 1;
                Some(*delay)
            }
            _ => None,
        };
        (delay, store.faults.pop_front())
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    match fault {
        Some(Fault::Status(status)) => Reject::new(
            status,
            u32::from(status.as_u16()),
            status.canonical_reason().unwrap_or("error"),
            "injected fault",
        )
        .into_response(),
        Some(Fault::Device(status, code)) => Reject::new(
            status,
            u32::from(code),
            device_code_text(code).unwrap_or("error"),
            "injected device code",
        )
        .into_response(),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_reaches_debug() {
        let text = format!("{:?}", Ef45Config::new("root", "s3cret-pass"));
        assert!(!text.contains("s3cret-pass"), "{text}");
    }
}
