//! The simulator's figures as charts: an SVG of waits per service and hour
//! (`banli-sim --svg`) and a self-contained HTML page with that chart, the
//! counters' utilisation and the tables (`--html`).
//!
//! The SVG is written by hand, as the admin console's own chart is: a few
//! rectangles and lines in the same visual language, no charting library
//! (and its fonts) for that. The HTML goes through a minijinja template with
//! auto-escaping, since service names come from the hall file.

use std::fmt::Write as _;

use banli_core::config::HallConfig;
use minijinja::{Environment, context};

use super::report::{Report, Row};

const TEMPLATE: &str = include_str!("report.html");

/// Escapes text for SVG/XML.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn service_name(hall: &HallConfig, id: &str) -> String {
    hall.services
        .iter()
        .find(|s| s.id.as_str() == id)
        .map_or_else(
            || id.to_owned(),
            |s| format!("{} {} · {}", s.prefix, s.name_zh, s.name_en),
        )
}

/// Waits by hour of issue, one small chart per service: bars for the mean
/// wait, a tick for the 90th percentile, in minutes, on one shared scale.
pub fn waits_svg(report: &Report, hall: &HallConfig) -> String {
    let services: Vec<&Row> = report.services.iter().collect();
    let hours: Vec<i8> = {
        let mut h: Vec<i8> = report.hours.iter().filter_map(|r| r.hour).collect();
        h.sort_unstable();
        h.dedup();
        h
    };
    let (Some(&first), Some(&last)) = (hours.first(), hours.last()) else {
        return r#"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40"><text x="10" y="25">no tickets</text></svg>"#.to_owned();
    };
    let top = report
        .hours
        .iter()
        .map(|r| r.waits.p90)
        .fold(10.0_f64, f64::max);
    let scale_max = (top / 10.0).ceil() * 10.0;
    let (panel_w, panel_h, left, gap) = (560.0, 150.0, 56.0, 48.0);
    let n_hours = f64::from(last - first + 1);
    let bar = (panel_w - left - 16.0) / n_hours;
    let height = services.len() as f64 * (panel_h + gap) + 40.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{panel_w}" height="{height}" viewBox="0 0 {panel_w} {height}" font-family="sans-serif" font-size="13">"#
    );
    for (i, s) in services.iter().enumerate() {
        let y0 = i as f64 * (panel_h + gap) + 24.0;
        // The title sits above the plot, clear of the top tick's label.
        let title_y = y0 - 6.0;
        let y0 = y0 + 16.0;
        let plot_h = panel_h - 46.0;
        let y = |minutes: f64| y0 + plot_h - plot_h * (minutes / scale_max).min(1.0);
        let _ = write!(
            svg,
            r##"<text x="0" y="{title_y}" font-size="15" font-weight="bold">{}</text>"##,
            xml(&service_name(hall, &s.service))
        );
        for tick in [0.0, scale_max / 2.0, scale_max] {
            let _ = write!(
                svg,
                r##"<line x1="{left}" x2="{}" y1="{yy}" y2="{yy}" stroke="#ccc"/><text x="{}" y="{}" text-anchor="end" fill="#555">{tick:.0}</text>"##,
                panel_w - 16.0,
                left - 6.0,
                y(tick) + 4.0,
                yy = y(tick),
            );
        }
        for r in report.hours.iter().filter(|r| r.service == s.service) {
            let Some(h) = r.hour else { continue };
            let x = left + f64::from(h - first) * bar;
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#2f6fb0"><title>{:02}:00 mean {:.1} min, p90 {:.1} min, {} tickets</title></rect>"##,
                x + 3.0,
                y(r.waits.mean),
                bar - 6.0,
                y0 + plot_h - y(r.waits.mean),
                h,
                r.waits.mean,
                r.waits.p90,
                r.issued
            );
            let _ = write!(
                svg,
                r##"<line x1="{:.1}" x2="{:.1}" y1="{py:.1}" y2="{py:.1}" stroke="#c0392b" stroke-width="3"/>"##,
                x + 1.0,
                x + bar - 1.0,
                py = y(r.waits.p90),
            );
        }
        for h in first..=last {
            let x = left + f64::from(h - first) * bar + bar / 2.0;
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{}" text-anchor="middle" fill="#555">{h:02}</text>"##,
                y0 + plot_h + 16.0
            );
        }
    }
    let _ = write!(
        svg,
        r##"<text x="0" y="{}" fill="#555">柱：平均等候，红线：90% 等候（分钟），按取号时段</text><text x="0" y="{}" fill="#555">Bars: mean wait; red: 90th percentile (minutes), by hour of issue</text></svg>"##,
        height - 22.0,
        height - 4.0
    );
    svg
}

/// A self-contained HTML page: the summary, the waits chart, counters'
/// utilisation and the tables.
///
/// # Errors
/// When the template fails to render (a bug).
pub fn html(report: &Report, hall: &HallConfig, title: &str) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    let rows = |rows: &[Row]| {
        rows.iter()
            .map(|r| {
                context! {
                    name => service_name(hall, &r.service),
                    hour => r.hour.map(|h| format!("{h:02}:00")),
                    issued => r.issued,
                    served => r.served,
                    abandoned => r.abandoned,
                    mean => format!("{:.1}", r.waits.mean),
                    p50 => format!("{:.1}", r.waits.p50),
                    p90 => format!("{:.1}", r.waits.p90),
                    max => format!("{:.1}", r.waits.max),
                    mae => format!("{:.1}", r.accuracy.mae),
                    within5 => format!("{:.0}", r.accuracy.within_5 * 100.0),
                    bias => format!("{:+.1}", r.accuracy.bias),
                }
            })
            .collect::<Vec<_>>()
    };
    let counters: Vec<_> = report
        .counters
        .iter()
        .map(|c| {
            let name = hall
                .counters
                .iter()
                .find(|k| k.id.0 == c.counter)
                .map_or_else(|| c.counter.to_string(), |k| k.name_zh.clone());
            context! {
                name => name,
                served => c.served,
                staffed => format!("{:.1}", c.staffed_hours),
                percent => format!("{:.0}", c.utilisation * 100.0),
                width => format!("{:.1}", c.utilisation * 100.0),
            }
        })
        .collect();
    env.get_template("report.html")?.render(context! {
        title => title,
        hall_name => &hall.hall.name_zh,
        days => report.days,
        issued => report.issued,
        refused => report.refused,
        whole => rows(std::slice::from_ref(&report.hall)).into_iter().next(),
        services => rows(&report.services),
        hours => rows(&report.hours),
        counters => counters,
        chart => minijinja::Value::from_safe_string(waits_svg(report, hall)),
    })
}
