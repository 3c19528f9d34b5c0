//! `/admin/reports`: tickets by service, counter and staff member for a
//! business day or a range, with average and 90th-percentile waits,
//! average handle time and no-show rate, arrivals and waits by hour, as
//! JSON or CSV.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use banli_core::jiff::civil::Date;
use serde::Deserialize;

use super::error::AppError;
use super::extract::{AppJson, AppQuery, Caller};
use crate::AppState;
use crate::store::reports::{Report, ReportRow};

/// Longest range a report may cover, in days.
pub const MAX_RANGE_DAYS: i32 = 366;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/reports", get(admin_reports))
}

/// Which days, and in which format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// First business day, `YYYY-MM-DD`; default today.
    pub from: Option<String>,
    /// Last business day; default `from`.
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

fn bad_date(s: &str) -> AppError {
    AppError::invalid(
        "invalid_date",
        format!("{s:?} is not a date like 2026-11-24"),
        "日期格式应为 2026-11-24",
    )
}

/// A report over business days.
#[utoipa::path(get, path = "/api/v1/admin/reports", tag = "admin", params(ReportQuery),
    responses((status = 200, description = "The report (JSON, or CSV with format=csv)", body = Report),
        (status = 422, description = "Bad dates", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_reports(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<ReportQuery>,
) -> Result<Response, AppError> {
    caller.admin()?;
    let now = state.clock.now();
    let (today, tz) = state.engine.view().read(|engine, _| {
        let tz = banli_core::jiff::tz::TimeZone::get(&engine.config().hall.timezone)
            .unwrap_or(banli_core::jiff::tz::TimeZone::UTC);
        (
            engine
                .day()
                .unwrap_or_else(|| now.to_zoned_datetime(tz.clone()).date()),
            tz,
        )
    });
    let from: Date = match &q.from {
        Some(s) => s.parse().map_err(|_| bad_date(s))?,
        None => today,
    };
    let to: Date = match &q.to {
        Some(s) => s.parse().map_err(|_| bad_date(s))?,
        None => from,
    };
    if to < from {
        return Err(AppError::invalid(
            "invalid_range",
            "`to` is before `from`",
            "结束日期早于开始日期",
        ));
    }
    if (to - from).get_days() > MAX_RANGE_DAYS {
        return Err(AppError::invalid(
            "invalid_range",
            format!("at most {MAX_RANGE_DAYS} days"),
            format!("最多{MAX_RANGE_DAYS}天"),
        ));
    }
    let (f, t) = (from.to_string(), to.to_string());
    let report = state
        .readers
        .call_report(move |s| s.report(&f, &t, &tz))
        .await?;
    match q.format.as_deref() {
        None | Some("json") => Ok(AppJson(report).into_response()),
        Some("csv") => {
            let name = format!("attachment; filename=\"banli-report-{from}-{to}.csv\"");
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, name),
                ],
                to_csv(&report),
            )
                .into_response())
        }
        Some(other) => Err(AppError::invalid(
            "invalid_format",
            format!("unknown format {other:?}: use json or csv"),
            "导出格式应为 json 或 csv",
        )),
    }
}

/// The report as CSV: one table of rows with a `section` column, then the
/// hours. A UTF-8 BOM lets spreadsheet programs read the Chinese.
pub fn to_csv(r: &Report) -> String {
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_default();
    let mut out = String::from(
        "\u{feff}section,key,tickets,served,no_shows,cancelled,expired,avg_wait_secs,p90_wait_secs,avg_handle_secs,no_show_rate\n",
    );
    let mut line = |section: &str, row: &ReportRow| {
        out.push_str(&format!(
            "{section},{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(&row.key),
            row.tickets,
            row.served,
            row.no_shows,
            row.cancelled,
            row.expired,
            opt(row.avg_wait_secs),
            opt(row.p90_wait_secs),
            opt(row.avg_handle_secs),
            row.no_show_rate
                .map(|x| format!("{x:.3}"))
                .unwrap_or_default(),
        ));
    };
    line("total", &r.total);
    r.by_service.iter().for_each(|row| line("service", row));
    r.by_counter.iter().for_each(|row| line("counter", row));
    r.by_staff.iter().for_each(|row| line("staff", row));
    out.push_str("\nhour,arrivals,avg_wait_secs\n");
    for h in &r.by_hour {
        out.push_str(&format!(
            "{},{},{}\n",
            h.hour,
            h.arrivals,
            opt(h.avg_wait_secs)
        ));
    }
    out
}

/// Quotes a CSV field when it needs it.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
