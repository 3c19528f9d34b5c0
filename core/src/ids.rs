//! Identifier newtypes, so a service id can never be passed where a counter
//! id is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A service (业务/队列) id chosen by the administrator, e.g. `"biz-license"`.
///
/// Lowercase ASCII letters, digits and `-`, 1 to 32 characters
/// ([`crate::config::HallConfig::validate`] checks it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ServiceId(pub String);

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
        Self(s.to_owned())
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
