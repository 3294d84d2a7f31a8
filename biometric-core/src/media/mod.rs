//! Images, raw bitmaps, templates and payload size rules.

pub(crate) mod gray;
pub(crate) mod image;
pub(crate) mod size;
pub(crate) mod template;
