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
use super::extract::{AppJson, AppQuery, Caller, day_range, query_day};
use crate::AppState;
use crate::store::reports::Report;

/// Longest range a report may cover, in days.
pub const MAX_RANGE_DAYS: i32 = 366;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/reports", get(admin_reports))
}

/// Which days, and in which format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First business day, `YYYY-MM-DD`; default today.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last business day, at most 366 days after `from`; default `from`.
    #[param(format = Date)]
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// A report over business days.
#[utoipa::path(get, path = "/api/v1/admin/reports", tag = "admin", params(ReportQuery),
    responses((status = 200, description = "The report (JSON, or CSV with format=csv)",
            content((Report = "application/json"), (String = "text/csv"))),
        (status = 422, description = "Bad dates", body = banli_core::wire::ApiError)),
    security(("bearer" = [])))]
pub async fn admin_reports(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<ReportQuery>,
) -> Result<Response, AppError> {
    caller.admin()?;
    let now = state.clock.now();
    let (today, tz, tz_name) = state.engine.view().read(|engine, _| {
        let name = engine.config().hall.timezone.clone();
        let tz = banli_core::jiff::tz::TimeZone::get(&name)
            .unwrap_or(banli_core::jiff::tz::TimeZone::UTC);
        (
            engine
                .day()
                .unwrap_or_else(|| now.to_zoned_datetime(tz.clone()).date()),
            tz,
            name,
        )
    });
    let from: Date = match &q.from {
        Some(s) => query_day(s)?,
        None => today,
    };
    let to: Date = match &q.to {
        Some(s) => query_day(s)?,
        None => from,
    };
    let (from, to) = day_range(from, to, MAX_RANGE_DAYS)?;
    let (f, t, d, name) = (
        from.to_string(),
        to.to_string(),
        today.to_string(),
        tz_name.clone(),
    );
    let past = state.readers.past_ranges();
    let (report, new) = state
        .readers
        .call_report(move |s| s.report(&f, &t, &tz, &name, &d, &past))
        .await?;
    if !new.is_empty() {
        // Kept for the next report. If they cannot be (a full disk), the
        // next report sums those days again: this one is not refused.
        let days = new.len();
        if let Err(e) = state
            .store
            .call(move |s| s.save_day_summaries(&tz_name, &new))
            .await
        {
            tracing::warn!(days, error = %e, "report summaries not kept");
        }
    }
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

/// The report as CSV: one table of rows with a `section` column, then a
/// blank line and the hours. A UTF-8 BOM lets spreadsheet programs read
/// the Chinese. Written by the `csv` crate, which quotes commas, quotes,
/// CR and LF; text cells go through [`neutralise`] first.
pub fn to_csv(r: &Report) -> String {
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_default();
    let mut rows: Vec<Vec<String>> = vec![
        [
            "section",
            "key",
            "tickets",
            "served",
            "no_shows",
            "cancelled",
            "expired",
            "avg_wait_secs",
            "p90_wait_secs",
            "avg_handle_secs",
            "no_show_rate",
            "estimate_mae_secs",
            "estimate_within_5min",
            "estimate_bias_secs",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    let sections = std::iter::once(("total", &r.total))
        .chain(r.by_service.iter().map(|row| ("service", row)))
        .chain(r.by_counter.iter().map(|row| ("counter", row)))
        .chain(r.by_staff.iter().map(|row| ("staff", row)));
    for (section, row) in sections {
        rows.push(vec![
            section.to_owned(),
            neutralise(&row.key),
            row.tickets.to_string(),
            row.served.to_string(),
            row.no_shows.to_string(),
            row.cancelled.to_string(),
            row.expired.to_string(),
            opt(row.avg_wait_secs),
            opt(row.p90_wait_secs),
            opt(row.avg_handle_secs),
            row.no_show_rate
                .map(|x| format!("{x:.3}"))
                .unwrap_or_default(),
            opt(row.estimate_mae_secs),
            row.estimate_within_5min
                .map(|x| format!("{x:.3}"))
                .unwrap_or_default(),
            opt(row.estimate_bias_secs),
        ]);
    }
    let mut hours: Vec<Vec<String>> = vec![
        ["hour", "arrivals", "avg_wait_secs"]
            .map(str::to_owned)
            .to_vec(),
    ];
    for h in &r.by_hour {
        hours.push(vec![
            h.hour.to_string(),
            h.arrivals.to_string(),
            opt(h.avg_wait_secs),
        ]);
    }
    format!("\u{feff}{}\n{}", csv_table(&rows), csv_table(&hours))
}

/// One table as CSV text.
fn csv_table(rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    for row in rows {
        // Writing to a Vec fails only on a record of another length,
        // which these tables never have.
        if let Err(e) = w.write_record(row) {
            tracing::error!(error = %e, "a report row could not be written as CSV");
        }
    }
    let bytes = match w.into_inner() {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e.error(), "a report could not be written as CSV");
            Vec::new()
        }
    };
    // Every cell is a String, so the bytes are UTF-8.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Makes a text cell inert in spreadsheet programs: one that begins with
/// `=`, `+`, `-` or `@` (a formula), or with a tab or CR (which some
/// programs skip before reading a formula), gets a leading `'`, so it is
/// shown as the text it is (OWASP, "CSV injection").
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_odd_characters_are_quoted() {
        for (cell, out) in [
            ("=1+1", "'=1+1"),
            ("+86 138", "'+86 138"),
            ("-1-1", "'-1-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("staff8", "staff8"),
            ("a=1", "a=1"),
            ("", ""),
        ] {
            assert_eq!(neutralise(cell), out, "{cell:?}");
        }
        let rows = vec![vec![
            neutralise("a,b"),
            neutralise("say \"hi\""),
            neutralise("line\rbreak"),
            neutralise("=cmd|' /C calc'!A0"),
            neutralise("two\nlines"),
        ]];
        assert_eq!(
            csv_table(&rows),
            "\"a,b\",\"say \"\"hi\"\"\",\"line\rbreak\",'=cmd|' /C calc'!A0,\"two\nlines\"\n"
        );
    }
}
