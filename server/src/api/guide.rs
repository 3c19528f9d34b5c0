//! `/guide` and `/admin/guide`: the service guide (办事指南). Reading it is
//! public (citizens may read it anywhere); changing it is for
//! administrators, validated against the hall's departments and services,
//! and recorded in the audit log.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use banli_core::config::ConfigIssue;
use banli_core::guide::{Guide, GuideItem, GuideView};

use super::error::AppError;
use super::extract::{AppJson, AppPath, Caller};
use crate::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/guide", get(guide_show))
        .route("/admin/guide", put(admin_guide_replace))
        .route(
            "/admin/guide/{id}",
            put(admin_guide_put).delete(admin_guide_delete),
        )
}

/// The whole service guide with the hall's departments (in hall order),
/// so a kiosk can browse it department by department. Public.
#[utoipa::path(get, path = "/api/v1/guide", tag = "guide",
    responses((status = 200, description = "The guide and the hall's departments", body = GuideView)))]
pub async fn guide_show(State(state): State<AppState>) -> Result<AppJson<GuideView>, AppError> {
    let departments = state
        .engine
        .view()
        .read(|engine, _| engine.config().departments.clone());
    let Guide { items } = state.readers.call(|s| s.guide()).await?;
    Ok(AppJson(GuideView { departments, items }))
}

/// Checks items against the hall: their departments and services exist.
async fn check(state: &AppState, guide: Guide) -> Result<Guide, AppError> {
    let mut issues = guide.validate().err().unwrap_or_default();
    let (guide, refs) = state.engine.view().read(move |engine, _| {
        let c = engine.config();
        let mut refs = Vec::new();
        for (i, item) in guide.items.iter().enumerate() {
            if !c.departments.iter().any(|d| d.id == item.department) {
                refs.push(ConfigIssue {
                    field: format!("items[{i}].department"),
                    message: format!("no department {:?}", item.department.as_str()),
                });
            }
            if let Some(s) = &item.service_id
                && c.service(s).is_none()
            {
                refs.push(ConfigIssue {
                    field: format!("items[{i}].service_id"),
                    message: format!("no service {:?}", s.as_str()),
                });
            }
        }
        (guide, refs)
    });
    issues.extend(refs);
    if issues.is_empty() {
        return Ok(guide);
    }
    let mut e = AppError::invalid(
        "invalid_guide",
        issues
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        "办事指南内容有误",
    );
    e.fields = issues;
    Err(e)
}

/// Add a guide item at the end, or replace the one with this id.
#[utoipa::path(put, path = "/api/v1/admin/guide/{id}", tag = "guide", request_body = GuideItem,
    params(("id" = String, Path, description = "Item id")),
    responses((status = 200, description = "Saved", body = GuideItem),
        (status = 422, description = "Invalid; `fields` names each problem", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_guide_put(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
    AppJson(item): AppJson<GuideItem>,
) -> Result<AppJson<GuideItem>, AppError> {
    let actor = caller.admin()?.actor();
    if item.id != id {
        return Err(AppError::invalid(
            "id_mismatch",
            format!("the path names {id:?} but the body has id {:?}", item.id),
            "地址与内容中的编号不一致",
        ));
    }
    let mut checked = check(&state, Guide { items: vec![item] }).await?;
    let item = checked.items.remove(0);
    let now = state.clock.now().as_millisecond();
    let saved = item.clone();
    state
        .store
        .call(move |s| {
            let added = s.guide_put(&item)?;
            s.audit(
                now,
                &actor,
                if added {
                    "guide_added"
                } else {
                    "guide_updated"
                },
                &item.id,
                &item.name_zh,
            )
        })
        .await?;
    Ok(AppJson(saved))
}

/// Replace the whole guide (an import).
#[utoipa::path(put, path = "/api/v1/admin/guide", tag = "guide", request_body = Guide,
    responses((status = 200, description = "Saved", body = Guide),
        (status = 422, description = "Invalid; `fields` names each problem", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_guide_replace(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(guide): AppJson<Guide>,
) -> Result<AppJson<Guide>, AppError> {
    let actor = caller.admin()?.actor();
    let guide = check(&state, guide).await?;
    replace_guide(&state, &actor, guide.clone()).await?;
    Ok(AppJson(guide))
}

/// Replaces the guide and records it (also used for the demo hall).
///
/// # Errors
/// 503 when the store fails.
pub async fn replace_guide(state: &AppState, actor: &str, guide: Guide) -> Result<(), AppError> {
    let now = state.clock.now().as_millisecond();
    let actor = actor.to_owned();
    state
        .store
        .call(move |s| {
            s.guide_replace(&guide)?;
            s.audit(
                now,
                &actor,
                "guide_replaced",
                "guide",
                &format!("{} items", guide.items.len()),
            )
        })
        .await?;
    Ok(())
}

/// Remove a guide item.
#[utoipa::path(delete, path = "/api/v1/admin/guide/{id}", tag = "guide",
    params(("id" = String, Path, description = "Item id")),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such item", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_guide_delete(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, AppError> {
    let actor = caller.admin()?.actor();
    let now = state.clock.now().as_millisecond();
    let removed = state
        .store
        .call(move |s| {
            let removed = s.guide_delete(&id)?;
            if removed {
                s.audit(now, &actor, "guide_removed", &id, "")?;
            }
            Ok(removed)
        })
        .await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found("guide item"))
    }
}
