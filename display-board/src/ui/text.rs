//! Every fixed text on the board, Chinese and English. Tests find widgets
//! by these strings, so they are a contract: change them here only.

/// Heading of the newest call.
pub const NOW_CALLING: &str = "请到窗口办理";
/// English of [`NOW_CALLING`].
pub const NOW_CALLING_EN: &str = "Now calling";
/// Heading of the recent-call list.
pub const RECENT: &str = "最近叫号";
/// English of [`RECENT`].
pub const RECENT_EN: &str = "Recent calls";
/// Heading of the waiting counts.
pub const WAITING: &str = "等候人数";
/// English of [`WAITING`].
pub const WAITING_EN: &str = "Waiting";
/// The connection-lost mark.
pub const CONNECTION_LOST: &str = "连接中断";
/// English of [`CONNECTION_LOST`].
pub const CONNECTION_LOST_EN: &str = "connection lost · showing last known state";
/// Before the first snapshot.
pub const CONNECTING: &str = "正在连接服务器…";
/// English of [`CONNECTING`].
pub const CONNECTING_EN: &str = "Connecting to the server…";
/// No calls yet today.
pub const NO_CALLS: &str = "暂无叫号";
/// A paused counter.
pub const PAUSED: &str = "暂停服务";
/// English of [`PAUSED`].
pub const PAUSED_EN: &str = "Paused";
/// A closed counter.
pub const CLOSED: &str = "本窗口暂未开放";
/// English of [`CLOSED`].
pub const CLOSED_EN: &str = "Closed";
/// Counter mode, serving a ticket.
pub const SERVING: &str = "正在办理";
/// English of [`SERVING`].
pub const SERVING_EN: &str = "Now serving";
/// Counter mode, open and idle.
pub const IDLE: &str = "等待叫号";
/// English of [`IDLE`].
pub const IDLE_EN: &str = "Waiting for the next number";
/// Counter mode, a counter the snapshot does not have.
pub const UNKNOWN_COUNTER: &str = "未找到本窗口";
/// The unit after a waiting count.
pub const PEOPLE: &str = "人";
/// The board cannot speak.
pub const SILENT: &str = "无音频输出";

/// 「5号窗口」.
pub fn counter_zh(id: banli_core::ids::CounterId) -> String {
    format!("{id}号窗口")
}

/// "Counter 5".
pub fn counter_en(id: banli_core::ids::CounterId) -> String {
    format!("Counter {id}")
}

/// 星期一 … 星期日.
pub fn weekday_zh(day: jiff::civil::Weekday) -> &'static str {
    use jiff::civil::Weekday::*;
    match day {
        Monday => "星期一",
        Tuesday => "星期二",
        Wednesday => "星期三",
        Thursday => "星期四",
        Friday => "星期五",
        Saturday => "星期六",
        Sunday => "星期日",
    }
}

/// A counter's own name without the 「8号窗口」 or "Counter 8" that many
/// halls put in front of it (the board shows the number already):
/// 「8号窗口 · 税务」 → 「税务」.
pub fn counter_name_rest(name: &str, id: banli_core::ids::CounterId) -> &str {
    let rest = name
        .strip_prefix(&counter_zh(id))
        .or_else(|| name.strip_prefix(&counter_en(id)))
        .unwrap_or(name);
    rest.trim_start_matches(|c: char| c.is_whitespace() || "·-:：,，|".contains(c))
}
