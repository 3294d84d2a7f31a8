//! The list arguments of this crate's calls, shaped so that the forms an application writes
//! (`[]`, `["a", "b"]`, `[image]`, a `Vec`, a borrowed slice) all compile without a type
//! annotation.
//!
//! A generic `impl IntoIterator<Item = impl Into<String>>` cannot do that: an empty `[]` leaves
//! its element type unknown. One array form per list, with a concrete element type, gives the
//! compiler the type to pick; the other forms cover what an application holds.

use biometric_core::Image;

use crate::models::EnrollImage;

mod sealed {
    /// Only the forms below take part: a new one is added here, not by an application.
    pub trait Sealed {}
    impl<T, const N: usize> Sealed for [T; N] {}
    impl<T, const N: usize> Sealed for &[T; N] {}
    impl<T> Sealed for &[T] {}
    impl<T> Sealed for Vec<T> {}
    impl<T> Sealed for &Vec<T> {}
}

/// Tags, as a call takes them: an array of `&str` (`[]`, `["staff"]`), a `Vec` of anything that
/// becomes a `String`, or a borrowed slice, array or `Vec` of text.
///
/// ```
/// # fn demo(client: &bioid_client::Client, id: bioid_client::ClassId) {
/// let everyone = client.class_count([]);
/// let staff = client.class_count(["staff", "site-7"]);
/// let held: Vec<String> = vec!["staff".into()];
/// let by_ref = client.class_count(&held);
/// let owned = client.class_count(held);
/// # }
/// ```
///
/// An iterator becomes one with `.collect::<Vec<_>>()`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list of tags",
    label = "pass `[\"tag\", ..]`, `[]`, a `Vec` of text or a borrowed slice of text"
)]
pub trait Tags: sealed::Sealed {
    /// The tags, owned.
    #[doc(hidden)]
    fn into_tags(self) -> Vec<String>;
}

impl<const N: usize> Tags for [&str; N] {
    fn into_tags(self) -> Vec<String> {
        self.iter().map(|tag| (*tag).to_owned()).collect()
    }
}

impl<S: Into<String>> Tags for Vec<S> {
    fn into_tags(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<S: AsRef<str>> Tags for &[S] {
    fn into_tags(self) -> Vec<String> {
        self.iter().map(|tag| tag.as_ref().to_owned()).collect()
    }
}

impl<S: AsRef<str>, const N: usize> Tags for &[S; N] {
    fn into_tags(self) -> Vec<String> {
        self.as_slice().into_tags()
    }
}

impl<S: AsRef<str>> Tags for &Vec<S> {
    fn into_tags(self) -> Vec<String> {
        self.as_slice().into_tags()
    }
}

/// The images of an enrollment: an array of [`Image`]s (`[]`, `[front, side]`), or a `Vec` of
/// images or of tagged [`EnrollImage`]s. (An array of `EnrollImage`s is not one: a second array
/// form would make `[]` ambiguous again; write `vec![..]`.)
///
/// ```
/// # fn demo(client: &bioid_client::Client, id: bioid_client::ClassId, front: bioid_client::Image) {
/// use bioid_client::EnrollImage;
/// let upgrade_only = client.enroll(id, []);
/// let plain = client.enroll(id, [front.clone()]);
/// let tagged = client.enroll(id, vec![EnrollImage::new(front).tags(["desk"])]);
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list of images to enroll",
    label = "pass `[image, ..]`, `[]`, or tagged images as `vec![EnrollImage::new(image).tags([..]), ..]`"
)]
pub trait EnrollImages: sealed::Sealed {
    /// The images, with their tags.
    #[doc(hidden)]
    fn into_enroll_images(self) -> Vec<EnrollImage>;
}

impl<const N: usize> EnrollImages for [Image; N] {
    fn into_enroll_images(self) -> Vec<EnrollImage> {
        self.into_iter().map(EnrollImage::new).collect()
    }
}

impl<T: Into<EnrollImage>> EnrollImages for Vec<T> {
    fn into_enroll_images(self) -> Vec<EnrollImage> {
        self.into_iter().map(Into::into).collect()
    }
}
