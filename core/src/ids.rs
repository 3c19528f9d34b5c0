//! Identifier newtypes, so a service id can never be passed where a counter
//! id is expected.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// A service (业务/队列) id chosen by the administrator, e.g. `"biz-license"`.
///
/// Lowercase ASCII letters, digits and `-`, 1 to 32 characters
/// ([`crate::config::HallConfig::validate`] checks it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServiceId(
    /// Inline up to 24 bytes: ids are short and cloned on every call.
    pub CompactString,
);

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ServiceId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("Service id: 1-32 of a-z, 0-9 and -"))
            .examples(["tax"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ServiceId {}

/// A department (部门) id, e.g. `"amr"` for 市场监管局.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct DepartmentId(pub String);

/// A counter (窗口) number as painted above the window: `5` is 「5 号窗口」.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct CounterId(pub u32);

/// A ticket's hall-wide unique id. Assigned by the engine in increasing
/// order and never reused, across business days too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct TicketId(pub u64);

macro_rules! display_inner {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )*};
}
display_inner!(ServiceId, DepartmentId, CounterId, TicketId);

impl From<&str> for ServiceId {
    fn from(s: &str) -> Self {
        Self(s.into())
    }
}

impl From<String> for ServiceId {
    fn from(s: String) -> Self {
        Self(s.into())
    }
}

impl From<&str> for DepartmentId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl ServiceId {
    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl DepartmentId {
    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
