//! Sheets Subject, User_info, Face, User and Card.

use biometric_core::{Error, Method, Operation, Result, decode_unit};
use futures_core::Stream;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::list::{ListPage, check_page, decode_list, list_operation};
use crate::models::{
    Card, CardEntry, Face, FaceSubId, NewUser, Subject, UserCards, UserInfo, check_cards,
    check_uuid, user_id,
};

/// One of the paged lists: its operation and the name of its page-size parameter (`page_size`
/// on subjects, `pageSize` on user-info and faces: the sheets' URLs; see notes.md).
#[derive(Clone, Copy)]
struct List {
    name: &'static str,
    path: &'static str,
    size_param: &'static str,
}

const SUBJECTS: List = List {
    name: "ef45.subjects",
    path: "subjects",
    size_param: "page_size",
};
const USER_INFO: List = List {
    name: "ef45.user_info_list",
    path: "user-info",
    size_param: "pageSize",
};
const FACES: List = List {
    name: "ef45.faces",
    path: "faces",
    size_param: "pageSize",
};

impl List {
    fn operation<T: DeserializeOwned>(self) -> Operation<ListPage<T>> {
        list_operation(self.name, self.path)
    }

    fn page<T: DeserializeOwned>(
        self,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<Operation<ListPage<T>>> {
        check_page(page, page_size)?;
        Ok(self
            .operation()
            .query("page", page)
            .query_opt(self.size_param, page_size))
    }
}

impl Client {
    async fn list_all<T: DeserializeOwned>(&self, list: List) -> Result<Vec<T>> {
        Ok(self.send(list.operation::<T>()).await?.items)
    }

    async fn list_page<T: DeserializeOwned>(
        &self,
        list: List,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<ListPage<T>> {
        self.send(list.page(page, page_size)?).await
    }

    fn list_stream<T: DeserializeOwned + Send + 'static>(
        &self,
        list: List,
        page_size: Option<u32>,
    ) -> impl Stream<Item = Result<T>> + Send + '_ {
        self.walk_pages(move |page| list.page(page, page_size))
    }
}

/// Sheet Subject.
impl Client {
    /// Every subject in one answer (`GET subjects` without `page`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn subjects(&self) -> Result<Vec<Subject>> {
        self.list_all(SUBJECTS).await
    }

    /// One page of subjects (`page` from 1; `page_size` defaults to 50 on the device).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn subjects_page(
        &self,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<ListPage<Subject>> {
        self.list_page(SUBJECTS, page, page_size).await
    }

    /// Every subject, one page at a time as the stream is read (`page_size` rows per page, the
    /// device's default of 50 when `None`).
    ///
    /// **Resent** page by page after a failure that may go away: it only reads.
    pub fn subjects_stream(
        &self,
        page_size: Option<u32>,
    ) -> impl Stream<Item = Result<Subject>> + Send + '_ {
        self.list_stream(SUBJECTS, page_size)
    }

    /// One subject (`GET subjects/{user_uuid}`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn subject(&self, user_uuid: &str) -> Result<Subject> {
        let op = Operation::new("ef45.subject", Method::GET, "subjects/")
            .segment("user_uuid", user_id("user_uuid", user_uuid)?);
        self.send(op).await
    }

    /// Registers a subject (`POST subjects`, 201).
    ///
    /// **Not resent** once it may have reached the device: it creates a record, and a second
    /// request would fail as a duplicate or store it twice.
    pub async fn create_subject(&self, subject: &Subject) -> Result<()> {
        subject.check()?;
        let op =
            Operation::with_decoder("ef45.create_subject", Method::POST, "subjects", decode_unit)
                .json_body(subject)?;
        self.send(op).await
    }

    /// Replaces the subject `subject.user_uuid` (`PUT subjects/{user_uuid}`, 204).
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn update_subject(&self, subject: &Subject) -> Result<()> {
        subject.check()?;
        let op =
            Operation::with_decoder("ef45.update_subject", Method::PUT, "subjects/", decode_unit)
                .segment("user_uuid", user_id("user_uuid", &subject.user_uuid)?)
                .json_body(subject)?
                // The whole record is written: writing it twice leaves the same record.
                .idempotent(true);
        self.send(op).await
    }

    /// Deletes a subject (`DELETE subjects/{user_uuid}`, 204).
    ///
    /// Retried like a read: a second delete leaves the device as the first did, but if the
    /// first answer was lost, the repeat may be answered with an error (the sheets do not
    /// document the answer for a missing subject).
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn delete_subject(&self, user_uuid: &str) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.delete_subject",
            Method::DELETE,
            "subjects/",
            decode_unit,
        )
        .segment("user_uuid", user_id("user_uuid", user_uuid)?)
        // Deleting the same subject again changes nothing more.
        .idempotent(true);
        self.send(op).await
    }

    /// The number of subjects (`GET subjects/count`; spec 1.4.3, app 2.1.66 or later).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn subject_count(&self) -> Result<u64> {
        #[derive(Deserialize)]
        struct Answer {
            count: u64,
        }
        let op = Operation::<Answer>::new("ef45.subject_count", Method::GET, "subjects/count");
        Ok(self.send(op).await?.count)
    }

    /// The algorithm's record version (`GET subjects/record-version`: 8976 in the sheet; fixed
    /// unless the device's iris/face algorithm changes).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn record_version(&self) -> Result<i64> {
        #[derive(Deserialize)]
        struct Answer {
            record_version: i64,
        }
        let op = Operation::<Answer>::new(
            "ef45.record_version",
            Method::GET,
            "subjects/record-version",
        );
        Ok(self.send(op).await?.record_version)
    }

    /// Checks whether the subject's templates are already enrolled (`PUT
    /// subjects/is-exist/template`): the `user_uuid` of the duplicate, or `None`.
    ///
    /// The sheet only shows the answer with a duplicate (`{"duplicate_uuid": "111"}`); an
    /// answer without the field, with `null` or with `""` is read as no duplicate.
    ///
    /// **Resent** after a failure that may go away: a lookup that stores nothing.
    pub async fn find_duplicate(&self, subject: &Subject) -> Result<Option<String>> {
        #[derive(Deserialize)]
        struct Answer {
            duplicate_uuid: Option<serde_json::Value>,
        }
        subject.check()?;
        let op = Operation::<Answer>::new(
            "ef45.find_duplicate",
            Method::PUT,
            "subjects/is-exist/template",
        )
        .json_body(subject)?
        // A lookup: it stores nothing, so sending it twice is harmless.
        .idempotent(true);
        Ok(match self.send(op).await?.duplicate_uuid {
            Some(serde_json::Value::String(uuid)) if !uuid.is_empty() => Some(uuid),
            Some(serde_json::Value::Number(uuid)) => Some(uuid.to_string()),
            _ => None,
        })
    }
}

/// Sheet User_info.
impl Client {
    /// Every user info in one answer (`GET user-info` without `page`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn user_infos(&self) -> Result<Vec<UserInfo>> {
        self.list_all(USER_INFO).await
    }

    /// One page of user info. The page size goes out as `pageSize`, as the sheet's URL writes
    /// it (its parameter table says `page_size`; notes.md chose the URL).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn user_infos_page(
        &self,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<ListPage<UserInfo>> {
        self.list_page(USER_INFO, page, page_size).await
    }

    /// Every user info, one page at a time as the stream is read.
    ///
    /// **Resent** page by page after a failure that may go away: it only reads.
    pub fn user_infos_stream(
        &self,
        page_size: Option<u32>,
    ) -> impl Stream<Item = Result<UserInfo>> + Send + '_ {
        self.list_stream(USER_INFO, page_size)
    }

    /// The user info holding `card` (`GET user-info/card/{card}`, the card as `65 D8 A1 BD`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn user_info_by_card(&self, card: &Card) -> Result<UserInfo> {
        let op = Operation::new("ef45.user_info_by_card", Method::GET, "user-info/card/")
            .segment("card", card);
        self.send(op).await
    }

    /// One user's info (`GET user-info/uuid/{user_uuid}`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn user_info(&self, user_uuid: &str) -> Result<UserInfo> {
        let op = Operation::new("ef45.user_info", Method::GET, "user-info/uuid/")
            .segment("user_uuid", user_id("user_uuid", user_uuid)?);
        self.send(op).await
    }

    /// Registers user info (`POST user-info`, 201).
    ///
    /// **Not resent** once it may have reached the device: it creates a record, and a second
    /// request would fail as a duplicate or store it twice.
    pub async fn create_user_info(&self, info: &UserInfo) -> Result<()> {
        info.check()?;
        let op = Operation::with_decoder(
            "ef45.create_user_info",
            Method::POST,
            "user-info",
            decode_unit,
        )
        .json_body(info)?;
        self.send(op).await
    }

    /// Replaces the user info of `info.user_uuid` (`PUT user-info/uuid/{user_uuid}`, 204).
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn update_user_info(&self, info: &UserInfo) -> Result<()> {
        info.check()?;
        let op = Operation::with_decoder(
            "ef45.update_user_info",
            Method::PUT,
            "user-info/uuid/",
            decode_unit,
        )
        .segment("user_uuid", user_id("user_uuid", &info.user_uuid)?)
        .json_body(info)?
        // Every field is written: writing them twice leaves the same record.
        .idempotent(true);
        self.send(op).await
    }

    /// Deletes a user's info (`DELETE user-info/uuid/{user_uuid}`, 204).
    ///
    /// The sheet's table for this call repeats the update's body fields; the URL names the
    /// record, so no body is sent.
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn delete_user_info(&self, user_uuid: &str) -> Result<()> {
        let op = Operation::with_decoder(
            "ef45.delete_user_info",
            Method::DELETE,
            "user-info/uuid/",
            decode_unit,
        )
        .segment("user_uuid", user_id("user_uuid", user_uuid)?)
        // Deleting the same record again changes nothing more.
        .idempotent(true);
        self.send(op).await
    }

    /// Sets users' time schedule codes (`PUT user-info/schedule` with `{"size", "users":
    /// [{"id", "time_schedule_code"}]}`, 200; spec 1.3.4).
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn set_schedule_codes(&self, codes: &[(&str, i64)]) -> Result<()> {
        if codes.is_empty() {
            return Err(Error::invalid("users", "must hold at least one user"));
        }
        for (i, (id, _)) in codes.iter().enumerate() {
            check_uuid("users[].id", id)
                .map_err(|_| Error::invalid(format!("users[{i}].id"), "must not be empty"))?;
        }
        let users: Vec<_> = codes
            .iter()
            .map(|(id, code)| serde_json::json!({"id": id, "time_schedule_code": code}))
            .collect();
        let op = Operation::with_decoder(
            "ef45.set_schedule_codes",
            Method::PUT,
            "user-info/schedule",
            decode_unit,
        )
        .json_body(&serde_json::json!({"size": users.len(), "users": users}))?
        // Sets each code to a given value: the same result however often it is sent.
        .idempotent(true);
        self.send(op).await
    }
}

/// Sheet Face.
impl Client {
    /// Every face record in one answer (`GET faces` without `page`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn faces(&self) -> Result<Vec<Face>> {
        self.list_all(FACES).await
    }

    /// One page of face records; the page size goes out as `pageSize` (the sheet's URL).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn faces_page(&self, page: u32, page_size: Option<u32>) -> Result<ListPage<Face>> {
        self.list_page(FACES, page, page_size).await
    }

    /// Every face record, one page at a time as the stream is read.
    ///
    /// **Resent** page by page after a failure that may go away: it only reads.
    pub fn faces_stream(
        &self,
        page_size: Option<u32>,
    ) -> impl Stream<Item = Result<Face>> + Send + '_ {
        self.list_stream(FACES, page_size)
    }

    /// All face records of one user (`GET faces/{user_uuid}`, a list envelope).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn user_faces(&self, user_uuid: &str) -> Result<Vec<Face>> {
        let op = Operation::with_decoder(
            "ef45.user_faces",
            Method::GET,
            "faces/",
            decode_list::<Face>,
        )
        .segment("user_uuid", user_id("user_uuid", user_uuid)?);
        Ok(self.send(op).await?.items)
    }

    /// One face record (`GET faces/{user_uuid}?subId=`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn face(&self, user_uuid: &str, sub_id: FaceSubId) -> Result<Face> {
        let op = Operation::new("ef45.face", Method::GET, "faces/")
            .segment("user_uuid", user_id("user_uuid", user_uuid)?)
            .query("subId", sub_id.number());
        self.send(op).await
    }

    /// Registers a face record (`POST faces`, 201).
    ///
    /// **Not resent** once it may have reached the device: it creates a record, and a second
    /// request would fail as a duplicate or store it twice.
    pub async fn create_face(&self, face: &Face) -> Result<()> {
        check_uuid("user_uuid", &face.user_uuid)?;
        face.check("face")?;
        let op = Operation::with_decoder("ef45.create_face", Method::POST, "faces", decode_unit)
            .json_body(face)?;
        self.send(op).await
    }

    /// Replaces the face record `face.sub_id` of `face.user_uuid`
    /// (`PUT faces/{user_uuid}?subId=`, 204).
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn update_face(&self, face: &Face) -> Result<()> {
        check_uuid("user_uuid", &face.user_uuid)?;
        face.check("face")?;
        let op = Operation::with_decoder("ef45.update_face", Method::PUT, "faces/", decode_unit)
            .segment("user_uuid", user_id("user_uuid", &face.user_uuid)?)
            .query("subId", face.sub_id.number())
            .json_body(face)?
            // The whole record is written: writing it twice leaves the same record.
            .idempotent(true);
        self.send(op).await
    }

    /// Deletes one face record (`DELETE faces/{user_uuid}?subId=`, 204).
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn delete_face(&self, user_uuid: &str, sub_id: FaceSubId) -> Result<()> {
        let op = Operation::with_decoder("ef45.delete_face", Method::DELETE, "faces/", decode_unit)
            .segment("user_uuid", user_id("user_uuid", user_uuid)?)
            .query("subId", sub_id.number())
            // Deleting the same record again changes nothing more.
            .idempotent(true);
        self.send(op).await
    }

    /// `DELETE faces/{user_uuid}` without `subId` (spec 1.4.10, app 2.2.41 or later: "sub_id is
    /// not required as a query parameter to delete a face info"). The sheet does not say which
    /// of the user's face records this deletes (its remark still reads "one face info deleted
    /// at a time"); read them back with [`user_faces`](Self::user_faces) if it matters.
    ///
    /// **Not resent** once it may have reached the device: it deletes whatever matches when it
    /// runs, so a resend could delete what was written in between.
    pub async fn delete_faces(&self, user_uuid: &str) -> Result<()> {
        let op =
            Operation::with_decoder("ef45.delete_faces", Method::DELETE, "faces/", decode_unit)
                .segment("user_uuid", user_id("user_uuid", user_uuid)?)
                // Every face of the user: a selection that deletes what exists when it runs,
                // so a resend could delete faces enrolled in between.
                .idempotent(false);
        self.send(op).await
    }
}

/// Sheets User and Card.
impl Client {
    /// Enrolls a user in one call (`POST user`): subject, faces, user info and up to eight
    /// cards. A ninth card, a mismatched `user_uuid` or an empty one is refused before any I/O.
    /// The sheet documents no answer: any 2xx is success.
    ///
    /// **Not resent** once it may have reached the device: it creates a record, and a second
    /// request would fail as a duplicate or store it twice.
    pub async fn enroll_user(&self, user: &NewUser) -> Result<()> {
        let body = user.body()?;
        let op = Operation::with_decoder("ef45.enroll_user", Method::POST, "user", decode_unit)
            .json_body(&body)?;
        self.send(op).await
    }

    /// Deletes a user with its biometrics and other info (`DELETE user/{user_uuid}`).
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn delete_user(&self, user_uuid: &str) -> Result<()> {
        let op = Operation::with_decoder("ef45.delete_user", Method::DELETE, "user/", decode_unit)
            .segment("user_uuid", user_id("user_uuid", user_uuid)?)
            // Deleting the same user again changes nothing more.
            .idempotent(true);
        self.send(op).await
    }

    /// Deletes several users (`PUT user/delete-users` with `{"list": [1, 2, 3]}`; spec 1.3.10,
    /// app 2.1.7 or later). The sheet types the list as integers, so only numeric user ids can
    /// be deleted this way.
    ///
    /// **Resent** after a failure that may go away: it deletes one named record, and deleting it
    /// again changes nothing more.
    pub async fn delete_users(&self, user_uuids: &[i64]) -> Result<()> {
        if user_uuids.is_empty() {
            return Err(Error::invalid("list", "must hold at least one user"));
        }
        let op = Operation::with_decoder(
            "ef45.delete_users",
            Method::PUT,
            "user/delete-users",
            decode_unit,
        )
        .json_body(&serde_json::json!({ "list": user_uuids }))?
        // Deleting the same users again changes nothing more.
        .idempotent(true);
        self.send(op).await
    }

    /// A user's cards (`GET cards/{uuid}`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn cards(&self, user_uuid: &str) -> Result<UserCards> {
        let op = Operation::new("ef45.cards", Method::GET, "cards/")
            .segment("uuid", user_id("uuid", user_uuid)?);
        self.send(op).await
    }

    /// Registers up to eight cards for a user (`POST cards`); a ninth is refused before any
    /// I/O. The sheet documents no answer: any 2xx is success.
    ///
    /// **Not resent** once it may have reached the device: it creates a record, and a second
    /// request would fail as a duplicate or store it twice.
    pub async fn register_cards(&self, user_uuid: &str, cards: &[CardEntry]) -> Result<()> {
        check_uuid("user_uuid", user_uuid)?;
        if cards.is_empty() {
            return Err(Error::invalid("cards", "must hold at least one card"));
        }
        check_cards(cards)?;
        let op = Operation::with_decoder("ef45.register_cards", Method::POST, "cards", decode_unit)
            .json_body(&serde_json::json!({"user_uuid": user_uuid, "cards": cards}))?;
        self.send(op).await
    }

    /// Deletes a user's cards (`DELETE cards/{user_uuid}`).
    ///
    /// **Not resent** once it may have reached the device: it deletes whatever matches when it
    /// runs, so a resend could delete what was written in between.
    pub async fn delete_cards(&self, user_uuid: &str) -> Result<()> {
        let op =
            Operation::with_decoder("ef45.delete_cards", Method::DELETE, "cards/", decode_unit)
                .segment("user_uuid", user_id("user_uuid", user_uuid)?)
                // Every card of the user: a selection that deletes what exists when it runs,
                // so a resend could delete cards registered in between.
                .idempotent(false);
        self.send(op).await
    }
}
