//! The service guide (办事指南): for each item of business a citizen can
//! do in the hall, what to bring, what it costs (收费公示), how long it
//! takes by law and by the hall's commitment, and whether it is done on
//! the spot (即办). Kiosks show it; administrators edit it.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigIssue, Department};
use crate::ids::{DepartmentId, ServiceId};

/// One item of business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GuideItem {
    /// Stable id: 1-48 of a-z, 0-9 and -.
    pub id: String,
    /// The department that handles it.
    pub department: DepartmentId,
    /// The queue to take a ticket for, if the kiosk should offer one.
    #[serde(default)]
    pub service_id: Option<ServiceId>,
    /// Chinese name: 「个体工商户设立登记」.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// What to bring.
    #[serde(default)]
    pub materials: Vec<Material>,
    /// Fee disclosure in Chinese: 「不收费」, 「工本费 20 元/本」.
    pub fee_zh: String,
    /// Fee disclosure in English.
    #[serde(default)]
    pub fee_en: String,
    /// The time limit the law sets, in working days (法定时限).
    #[serde(default)]
    pub legal_limit_days: Option<u32>,
    /// The time limit the hall commits to, in working days (承诺时限).
    #[serde(default)]
    pub committed_limit_days: Option<u32>,
    /// Done on the spot (即办件).
    #[serde(default)]
    pub on_the_spot: bool,
    /// Legal basis (设定依据), in Chinese.
    #[serde(default)]
    pub basis_zh: String,
    /// Notes for the citizen, in Chinese.
    #[serde(default)]
    pub notes_zh: String,
    /// Notes for the citizen, in English.
    #[serde(default)]
    pub notes_en: String,
}

/// One required material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// Chinese name: 「居民身份证」.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// Originals to show (原件).
    #[serde(default)]
    pub originals: u32,
    /// Copies to hand in (复印件).
    #[serde(default)]
    pub copies: u32,
    /// A remark in Chinese: 「需本人签字」.
    #[serde(default)]
    pub note_zh: String,
}

/// The whole guide, as kiosks read it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Guide {
    /// Items, in display order.
    #[serde(default)]
    pub items: Vec<GuideItem>,
}

/// `GET /api/v1/guide`: the guide as citizens browse it, departments
/// first. [`Guide`] is what administrators store and import; this adds
/// the hall's departments (from the hall configuration, in hall order) so
/// a kiosk can name them without a staff token.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GuideView {
    /// Every department of the hall, in the hall's order. Some may have
    /// no items; an item may name a department removed since it was
    /// written (readers fall back to its id).
    #[serde(default)]
    pub departments: Vec<Department>,
    /// Items, in display order.
    #[serde(default)]
    pub items: Vec<GuideItem>,
}

impl GuideItem {
    /// Checks what serde cannot. `at` prefixes field paths, e.g. `items[3]`.
    ///
    /// # Errors
    /// Every problem found, each naming its field.
    pub fn validate(&self, at: &str) -> Result<(), Vec<ConfigIssue>> {
        let mut issues = Vec::new();
        let mut bad = |field: &str, message: &str| {
            issues.push(ConfigIssue {
                field: format!("{at}{field}"),
                message: message.to_owned(),
            });
        };
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 48
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            bad("id", "use 1-48 of a-z, 0-9 and -");
        }
        if self.name_zh.trim().is_empty() {
            bad("name_zh", "must not be empty");
        }
        if self.fee_zh.trim().is_empty() {
            bad("fee_zh", "say what it costs, or 不收费");
        }
        if let (Some(legal), Some(committed)) = (self.legal_limit_days, self.committed_limit_days)
            && committed > legal
        {
            bad(
                "committed_limit_days",
                "a committed limit longer than the legal one is no commitment",
            );
        }
        for (i, m) in self.materials.iter().enumerate() {
            if m.name_zh.trim().is_empty() {
                bad(&format!("materials[{i}].name_zh"), "must not be empty");
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }
}

impl Guide {
    /// Checks every item and that ids are unique.
    ///
    /// # Errors
    /// Every problem found, each naming its field.
    pub fn validate(&self) -> Result<(), Vec<ConfigIssue>> {
        let mut issues = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, item) in self.items.iter().enumerate() {
            if let Err(mut e) = item.validate(&format!("items[{i}].")) {
                issues.append(&mut e);
            }
            if !seen.insert(&item.id) {
                issues.push(ConfigIssue {
                    field: format!("items[{i}].id"),
                    message: format!("{:?} is used twice", item.id),
                });
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }
}
