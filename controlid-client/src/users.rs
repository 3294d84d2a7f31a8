//! Users through the device's objects API (`create_objects`, `load_objects`, `modify_objects`,
//! `destroy_objects`), so that "save the enrollment to an existing user" needs no other tool.

use biometric_core::{Error, Method, Operation, Page, Result, decode_raw, paginate};
use futures_core::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::Client;
use crate::ids::UserId;
use crate::limits::TEXT;

/// A user stored on the device.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct User {
    /// The id.
    pub id: UserId,
    /// The name shown on the device.
    #[serde(default)]
    pub name: String,
    /// The registration (badge, employee) number.
    #[serde(default)]
    pub registration: String,
    /// Every other column the device returned (`begin_time`, `end_time`, ...), as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A user to create (or the changes to make to one).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[must_use]
pub struct NewUser {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registration: Option<String>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl NewUser {
    /// A user with a name (the device requires one). The name is checked when the user is
    /// sent: not blank, no control character, at most [`MAX_TEXT_CHARS`](crate::MAX_TEXT_CHARS)
    /// characters, or [`Error::InvalidRequest`] before anything is sent.
    pub fn new(name: impl Into<String>) -> Self {
        NewUser {
            name: Some(name.into()),
            ..NewUser::default()
        }
    }

    /// Changes to an existing user: set only what you want changed.
    pub fn changes() -> Self {
        NewUser::default()
    }

    /// Chooses the id instead of letting the device assign one.
    pub fn id(mut self, id: UserId) -> Self {
        self.id = Some(id);
        self
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the registration number.
    pub fn registration(mut self, registration: impl Into<String>) -> Self {
        self.registration = Some(registration.into());
        self
    }

    /// Sets another column of the `users` table (`begin_time`, `end_time`, `password`...). The
    /// column name is checked like a name; the value is sent as given (the documentation does
    /// not list the columns' types).
    pub fn column(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.other.insert(name.into(), value.into());
        self
    }

    /// The name is required to create a user; every text is checked against
    /// [`MAX_TEXT_CHARS`](crate::MAX_TEXT_CHARS) and for control characters (a registration may
    /// be empty; a name and a column name may not).
    fn check(&self, creating: bool) -> Result<()> {
        match &self.name {
            Some(name) => TEXT.check("name", name)?,
            None if creating => {
                return Err(Error::invalid("name", "is required to create a user"));
            }
            None => {}
        }
        if let Some(registration) = &self.registration {
            TEXT.allow_blank().check("registration", registration)?;
        }
        for column in self.other.keys() {
            TEXT.check("column", column)?;
        }
        Ok(())
    }
}

/// The default number of users fetched per page by [`Client::users`].
pub const DEFAULT_PAGE_SIZE: u32 = 100;

#[derive(Deserialize)]
struct Created {
    ids: Vec<UserId>,
}

#[derive(Deserialize)]
struct Changes {
    changes: u64,
}

#[derive(Deserialize)]
struct Loaded {
    #[serde(default)]
    users: Vec<User>,
}

fn by_id(id: UserId) -> Value {
    // The filter nests under the table name.
    json!({"users": {"id": id.get()}})
}

impl Client {
    /// Creates one user and returns its id (`create_objects.fcgi`).
    ///
    /// **Not resent** once it may have reached the device: it creates a user, and a second
    /// request would store the user twice or fail as a duplicate.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when the name is missing, blank, has a
    /// control character or is longer than [`MAX_TEXT_CHARS`](crate::MAX_TEXT_CHARS), or a
    /// registration or column name breaks the same rules; [`Error::Api`] when the device refuses;
    /// [`Error::Decode`] when the answer holds no id for the user; [`Error::Auth`] when the login
    /// is refused, or the device refuses the session again after one re-login.
    pub async fn create_user(&self, user: NewUser) -> Result<UserId> {
        let ids = self.create_users(vec![user]).await?;
        Ok(ids[0])
    }

    /// Creates users and returns their ids, in order.
    ///
    /// An answer with another number of ids than users sent is a [`Error::Decode`] carrying the
    /// device's body: the ids could not be matched to the users.
    ///
    /// **Not resent** once it may have reached the device: it creates users, and a second
    /// request would store them twice or fail as a duplicate.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when `users` is empty, or a user has no
    /// name or a text that breaks the rules of [`NewUser::new`]; [`Error::Api`] when the device
    /// refuses; [`Error::Decode`] as above; [`Error::Auth`] when the login is refused, or the
    /// device refuses the session again after one re-login.
    pub async fn create_users(&self, users: Vec<NewUser>) -> Result<Vec<UserId>> {
        if users.is_empty() {
            return Err(Error::invalid("users", "must hold at least one user"));
        }
        users.iter().try_for_each(|u| u.check(true))?;
        let op = Operation::with_decoder(
            "controlid.create_objects",
            Method::POST,
            "create_objects.fcgi",
            decode_raw,
        )
        .json_body(&json!({"object": "users", "values": users}))?;
        let raw = self.engine.execute(op).await?;
        let created: Created = raw.json()?;
        if created.ids.len() != users.len() {
            return Err(raw.decode_error(
                Some("ids".to_owned()),
                format!(
                    "the device returned {} id(s) for {} user(s)",
                    created.ids.len(),
                    users.len()
                ),
            ));
        }
        Ok(created.ids)
    }

    /// Loads one user, or `None` when there is no user with that id.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    ///
    /// Errors: [`Error::Api`] when the device refuses; [`Error::Auth`] when the login is refused,
    /// or the device refuses the session again after one re-login.
    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        let op = load_users(json!({"object": "users", "where": by_id(id)}))?;
        Ok(self.engine.execute(op).await?.users.into_iter().next())
    }

    /// A page of users in id order.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when `limit` is 0; [`Error::Api`] when
    /// the device refuses; [`Error::Auth`] when the login is refused, or the device refuses the
    /// session again after one re-login.
    pub async fn users_page(&self, limit: u32, offset: u64) -> Result<Vec<User>> {
        if limit == 0 {
            return Err(Error::invalid("limit", "must be at least 1"));
        }
        let body = json!({"object": "users", "limit": limit, "offset": offset, "order": ["id"]});
        Ok(self.engine.execute(load_users(body)?).await?.users)
    }

    /// Every user, fetched [`DEFAULT_PAGE_SIZE`] at a time as the stream is read.
    ///
    /// **Resent** page by page after a failure that may go away: it only reads.
    ///
    /// Errors, as items of the stream: those of [`users_page`](Self::users_page).
    pub fn users(&self) -> impl Stream<Item = Result<User>> + Send + '_ {
        self.users_paged(DEFAULT_PAGE_SIZE)
    }

    /// Every user, fetched `page_size` at a time as the stream is read.
    ///
    /// **Resent** page by page after a failure that may go away: it only reads.
    ///
    /// Errors, as items of the stream: those of [`users_page`](Self::users_page) (a
    /// `page_size` of 0 is an [`Error::InvalidRequest`] before any I/O).
    pub fn users_paged(&self, page_size: u32) -> impl Stream<Item = Result<User>> + Send + '_ {
        paginate(
            0u64,
            biometric_core::DEFAULT_MAX_PAGES,
            move |offset| async move {
                let users = self.users_page(page_size, offset).await?;
                // A short page is the last one.
                let next =
                    (users.len() as u64 == page_size as u64).then(|| offset + page_size as u64);
                Ok(Page { items: users, next })
            },
        )
    }

    /// Changes a user's columns; returns whether a user was changed.
    ///
    /// **Not resent** once it may have reached the device: the operation is not marked
    /// idempotent, and what the device answers to a second identical change is not
    /// documented; after a lost answer, read the user back with [`user`](Self::user).
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when a name, registration or column name
    /// given has a control character or is longer than [`MAX_TEXT_CHARS`](crate::MAX_TEXT_CHARS)
    /// (a name or column name also when blank); [`Error::Api`] when the device refuses;
    /// [`Error::Auth`] when the login is refused, or the device refuses the session again after
    /// one re-login.
    pub async fn modify_user(&self, id: UserId, changes: NewUser) -> Result<bool> {
        changes.check(false)?;
        let body = json!({"object": "users", "values": changes, "where": by_id(id)});
        let op = Operation::<Changes>::new(
            "controlid.modify_objects",
            Method::POST,
            "modify_objects.fcgi",
        )
        .json_body(&body)?;
        Ok(self.engine.execute(op).await?.changes > 0)
    }

    /// Deletes a user; returns whether one was deleted.
    ///
    /// **Not resent** once it may have reached the device: a second request would find no user
    /// and return `false`, hiding that the first one deleted it.
    ///
    /// Errors: [`Error::Api`] when the device refuses; [`Error::Auth`] when the login is refused,
    /// or the device refuses the session again after one re-login.
    pub async fn destroy_user(&self, id: UserId) -> Result<bool> {
        let body = json!({"object": "users", "where": by_id(id)});
        let op = Operation::<Changes>::new(
            "controlid.destroy_objects",
            Method::POST,
            "destroy_objects.fcgi",
        )
        .json_body(&body)?;
        Ok(self.engine.execute(op).await?.changes > 0)
    }
}

fn load_users(body: Value) -> Result<Operation<Loaded>> {
    // Reading changes nothing: safe to retry.
    Operation::<Loaded>::new("controlid.load_objects", Method::POST, "load_objects.fcgi")
        .idempotent(true)
        .json_body(&body)
}
