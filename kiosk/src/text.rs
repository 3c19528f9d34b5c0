//! Every word the kiosk screen shows, one [`Text`] per language
//! ([`ZH`], [`EN`]). Button labels are a test contract: the kittest
//! flows find buttons by these strings, so a wording change here changes
//! the tests with it and nowhere else.

/// The screen's language. Chinese first; English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The words for this language.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

/// The fixed words of the screens. Figures are put in by the helpers
/// below so word order can follow the language; they tell the languages
/// apart by address, which is why [`ZH`] and [`EN`] are `static`s (a
/// `const` is copied at each use, and `ZH.ahead(3)` said it in English).
#[allow(missing_docs)] // Field names say what each string is.
#[derive(Debug)]
pub struct Text {
    pub title: &'static str,
    pub choose_service: &'static str,
    pub switch_language: &'static str,
    pub large_text_on: &'static str,
    pub large_text_off: &'static str,
    pub green_channel: &'static str,
    pub appointment: &'static str,
    pub guide: &'static str,
    pub progress: &'static str,
    pub case_query: &'static str,
    pub case_enter_no: &'static str,
    pub case_enter_password: &'static str,
    pub case_no: &'static str,
    pub case_password: &'static str,
    pub case_accepted_on: &'static str,
    pub case_due: &'static str,
    pub case_closed_on: &'static str,
    pub case_paused_left: &'static str,
    pub case_bring: &'static str,
    pub case_special: &'static str,
    pub case_applicant: &'static str,
    pub case_not_found: &'static str,
    pub staff: &'static str,
    pub back: &'static str,
    pub home: &'static str,
    pub done: &'static str,
    pub confirm_take: &'static str,
    pub confirm_title: &'static str,
    pub bring_materials: &'static str,
    pub no_materials_listed: &'static str,
    pub closed: &'static str,
    pub no_wait: &'static str,
    pub issuing: &'static str,
    pub retrying: &'static str,
    pub cancel: &'static str,
    pub your_number: &'static str,
    pub printing: &'static str,
    pub printed: &'static str,
    pub scan_progress: &'static str,
    pub photograph: &'static str,
    pub ticket_valid: &'static str,
    pub paused: &'static str,
    pub loading: &'static str,
    pub elderly: &'static str,
    pub disabled: &'static str,
    pub military: &'static str,
    pub green_channel_for: &'static str,
    pub green_channel_pick: &'static str,
    pub leave_green_channel: &'static str,
    pub enter_booking_code: &'static str,
    pub booking_code: &'static str,
    pub next: &'static str,
    pub clear: &'static str,
    pub delete: &'static str,
    pub appointment_for: &'static str,
    pub guide_departments: &'static str,
    pub materials: &'static str,
    pub fee: &'static str,
    pub legal_limit: &'static str,
    pub committed_limit: &'static str,
    pub on_the_spot: &'static str,
    pub on_the_spot_short: &'static str,
    pub not_on_the_spot: &'static str,
    pub originals: &'static str,
    pub copies: &'static str,
    pub take_ticket_for_this: &'static str,
    pub progress_enter_id: &'static str,
    pub progress_enter_code: &'static str,
    pub ticket_id: &'static str,
    pub query_code: &'static str,
    pub look_up: &'static str,
    pub status: &'static str,
    pub requeue: &'static str,
    pub requeued: &'static str,
    pub go_to_counter: &'static str,
    pub st_waiting: &'static str,
    pub st_called: &'static str,
    pub st_finished: &'static str,
    pub st_no_show: &'static str,
    pub st_cancelled: &'static str,
    pub st_expired: &'static str,
    pub enter_pin: &'static str,
    pub wrong_pin: &'static str,
    pub settings: &'static str,
    pub print_test: &'static str,
    pub server: &'static str,
    pub printer: &'static str,
    pub online: &'static str,
    pub unknown: &'static str,
    pub error_title: &'static str,
    pub no_services: &'static str,
    pub printer_down: &'static str,
    pub priority_ticket: &'static str,
    pub appointment_outside: &'static str,
    pub pr_paper_near_end: &'static str,
    pub pr_paper_out: &'static str,
    pub pr_cover_open: &'static str,
    pub pr_offline: &'static str,
    pub pr_error: &'static str,
}

/// 中文.
pub static ZH: Text = Text {
    title: "自助取号",
    choose_service: "请选择要办理的业务",
    switch_language: "English",
    large_text_on: "大字",
    large_text_off: "标准字",
    green_channel: "绿色通道",
    appointment: "预约签到",
    guide: "办事指南",
    progress: "进度查询",
    case_query: "办件查询",
    case_enter_no: "请输入受理回执上的办件编号",
    case_enter_password: "请输入受理回执上的查询密码",
    case_no: "办件编号",
    case_password: "查询密码",
    case_accepted_on: "受理日期",
    case_due: "承诺办结日期",
    case_closed_on: "办结日期",
    case_paused_left: "暂停计时，剩余工作日",
    case_bring: "请补交以下材料（送达后次日起继续计时）",
    case_special: "特别程序中（听证、检验检测或专家评审），所需时间不计入时限",
    case_applicant: "申请人",
    case_not_found: "未查到办件，请核对办件编号和查询密码",
    staff: "管理",
    back: "返回",
    home: "首页",
    done: "完成",
    confirm_take: "确认取号",
    confirm_title: "请确认业务",
    bring_materials: "请准备以下材料：",
    no_materials_listed: "本业务未列出所需材料，请咨询工作人员。",
    closed: "暂停取号",
    no_wait: "无需等候",
    issuing: "正在取号…",
    retrying: "服务器无响应，正在重试…",
    cancel: "取消",
    your_number: "您的号码",
    printing: "正在打印…",
    printed: "请取走号票",
    scan_progress: "扫码查看排队进度",
    photograph: "请拍照记下您的号码",
    ticket_valid: "号码有效，请留意叫号。",
    paused: "暂停取号",
    loading: "正在连接服务器…",
    elderly: "老年人",
    disabled: "残疾人",
    military: "军人",
    green_channel_for: "绿色通道：",
    green_channel_pick: "请选择绿色通道类别",
    leave_green_channel: "退出绿色通道",
    enter_booking_code: "请输入预约码",
    booking_code: "预约码",
    next: "下一步",
    clear: "清空",
    delete: "删除",
    appointment_for: "预约签到：请选择预约的业务",
    guide_departments: "请选择部门",
    materials: "申请材料",
    fee: "收费公示",
    legal_limit: "法定时限",
    committed_limit: "承诺时限",
    on_the_spot: "即办件（当场办结）",
    on_the_spot_short: "即办",
    not_on_the_spot: "承诺件",
    originals: "原件",
    copies: "复印件",
    take_ticket_for_this: "为此事项取号",
    progress_enter_id: "请输入号票上的编号",
    progress_enter_code: "请输入号票上的查询码",
    ticket_id: "编号",
    query_code: "查询码",
    look_up: "查询",
    status: "状态",
    requeue: "重新排队",
    requeued: "已重新排队",
    go_to_counter: "请到",
    st_waiting: "等候中",
    st_called: "已叫号",
    st_finished: "已办结",
    st_no_show: "已过号",
    st_cancelled: "已取消",
    st_expired: "已过期",
    enter_pin: "请输入管理密码",
    wrong_pin: "密码错误",
    settings: "设备设置",
    print_test: "打印测试票",
    server: "服务器",
    printer: "打印机",
    online: "正常",
    unknown: "未知",
    error_title: "无法取号",
    no_services: "暂无可办理的业务",
    printer_down: "打印机暂不能出票，取号后号码显示在屏幕上",
    priority_ticket: "优先号（绿色通道/预约）",
    appointment_outside: "已过预约时段，按普通号排队",
    pr_paper_near_end: "纸将用完",
    pr_paper_out: "缺纸",
    pr_cover_open: "机盖打开",
    pr_offline: "无响应",
    pr_error: "故障",
};

/// English.
pub static EN: Text = Text {
    title: "Take a ticket",
    choose_service: "Choose a service",
    switch_language: "中文",
    large_text_on: "Large text",
    large_text_off: "Normal text",
    green_channel: "Priority lane",
    appointment: "Appointment",
    guide: "Service guide",
    progress: "Check progress",
    case_query: "Case progress",
    case_enter_no: "Enter the case number on your acceptance receipt",
    case_enter_password: "Enter the query password on your acceptance receipt",
    case_no: "Case No.",
    case_password: "Password",
    case_accepted_on: "Accepted",
    case_due: "Committed by",
    case_closed_on: "Decided",
    case_paused_left: "Clock stopped; working days left",
    case_bring: "Please bring these missing materials (the clock runs again the day after)",
    case_special: "Special procedure (hearing, testing or expert review); its time does not count",
    case_applicant: "Applicant",
    case_not_found: "No case matches; check the case number and password",
    staff: "Staff",
    back: "Back",
    home: "Home",
    done: "Done",
    confirm_take: "Take ticket",
    confirm_title: "Please confirm",
    bring_materials: "Please have these ready:",
    no_materials_listed: "No materials are listed for this service; please ask staff.",
    closed: "Not issuing",
    no_wait: "No wait",
    issuing: "Taking your ticket…",
    retrying: "The server does not answer; retrying…",
    cancel: "Cancel",
    your_number: "Your number",
    printing: "Printing…",
    printed: "Please take your ticket",
    scan_progress: "Scan to follow your place in the queue",
    photograph: "Please photograph your number",
    ticket_valid: "Your number is valid; watch the screens.",
    paused: "Ticket issuing paused",
    loading: "Connecting to the server…",
    elderly: "Elderly",
    disabled: "Disabled",
    military: "Military",
    green_channel_for: "Priority lane: ",
    green_channel_pick: "Who is the priority lane for?",
    leave_green_channel: "Leave priority lane",
    enter_booking_code: "Enter your booking code",
    booking_code: "Booking code",
    next: "Next",
    clear: "Clear",
    delete: "Delete",
    appointment_for: "Appointment: choose the booked service",
    guide_departments: "Choose a department",
    materials: "Required materials",
    fee: "Fees",
    legal_limit: "Legal time limit",
    committed_limit: "Committed time limit",
    on_the_spot: "Done on the spot",
    on_the_spot_short: "same day",
    not_on_the_spot: "Not done on the spot",
    originals: "original",
    copies: "copy",
    take_ticket_for_this: "Take a ticket for this",
    progress_enter_id: "Enter the ticket id printed on your ticket",
    progress_enter_code: "Enter the query code printed on your ticket",
    ticket_id: "Ticket id",
    query_code: "Query code",
    look_up: "Look up",
    status: "Status",
    requeue: "Queue again",
    requeued: "Queued again",
    go_to_counter: "Please go to",
    st_waiting: "Waiting",
    st_called: "Called",
    st_finished: "Finished",
    st_no_show: "Missed (no-show)",
    st_cancelled: "Cancelled",
    st_expired: "Expired",
    enter_pin: "Enter the staff PIN",
    wrong_pin: "Wrong PIN",
    settings: "Device settings",
    print_test: "Print test ticket",
    server: "Server",
    printer: "Printer",
    online: "OK",
    unknown: "unknown",
    error_title: "Could not take a ticket",
    no_services: "No services available",
    printer_down: "No paper tickets now; your number will be shown on screen",
    priority_ticket: "Priority ticket",
    appointment_outside: "Outside your booked time: you queue as a normal ticket",
    pr_paper_near_end: "paper nearly out",
    pr_paper_out: "out of paper",
    pr_cover_open: "cover open",
    pr_offline: "not responding",
    pr_error: "fault",
};

impl Text {
    /// 「前面还有 N 人」; nobody ahead is said in words, not as a zero.
    pub fn ahead(&self, n: u32) -> String {
        if std::ptr::eq(self, &ZH) {
            if n == 0 {
                "前面没有人等候".to_owned()
            } else {
                format!("前面还有 {n} 人")
            }
        } else if n == 0 {
            "Nobody ahead of you".to_owned()
        } else if n == 1 {
            "1 person ahead".to_owned()
        } else {
            format!("{n} people ahead")
        }
    }

    /// 「预计等候约 M 分钟」; under a minute is 「即将叫号」, not
    /// 「约 0 分钟」.
    pub fn wait(&self, minutes: u32) -> String {
        match (std::ptr::eq(self, &ZH), minutes) {
            (true, 0) => "即将叫号".to_owned(),
            (true, m) => format!("预计等候约 {m} 分钟"),
            (false, 0) => "called soon".to_owned(),
            (false, m) => format!("about {m} min wait"),
        }
    }

    /// 「等候 N 人」 on a service button.
    pub fn waiting_count(&self, n: u32) -> String {
        if std::ptr::eq(self, &ZH) {
            format!("等候 {n} 人")
        } else {
            format!("{n} waiting")
        }
    }

    /// 「N 秒后返回首页」 under the ticket.
    pub fn back_home_in(&self, secs: u64) -> String {
        if std::ptr::eq(self, &ZH) {
            format!("{secs} 秒后返回首页")
        } else {
            format!("Back to the start in {secs} s")
        }
    }

    /// How many items a guide department has: 「共 N 项」.
    pub fn guide_item_count(&self, n: usize) -> String {
        if std::ptr::eq(self, &ZH) {
            format!("共 {n} 项")
        } else if n == 1 {
            "1 item".to_owned()
        } else {
            format!("{n} items")
        }
    }

    /// Days for a time limit; a limit of 0 days is 「当场办结」, not
    /// 「0 个工作日」.
    pub fn days(&self, days: u32) -> String {
        match (std::ptr::eq(self, &ZH), days) {
            (true, 0) => "当场办结".to_owned(),
            (true, d) => format!("{d} 个工作日"),
            (false, 0) => "on the spot".to_owned(),
            (false, 1) => "1 working day".to_owned(),
            (false, d) => format!("{d} working days"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_naturally_in_both_languages() {
        assert_eq!(ZH.ahead(3), "前面还有 3 人");
        assert_eq!(ZH.ahead(0), "前面没有人等候");
        assert_eq!(EN.ahead(1), "1 person ahead");
        assert_eq!(EN.ahead(0), "Nobody ahead of you");
        assert_eq!(ZH.wait(12), "预计等候约 12 分钟");
        assert_eq!(ZH.wait(0), "即将叫号");
        assert_eq!(EN.wait(0), "called soon");
        assert_eq!(ZH.days(0), "当场办结");
        assert_eq!(ZH.days(15), "15 个工作日");
        assert_eq!(EN.days(1), "1 working day");
        // Through the language, as the screens reach them.
        assert_eq!(Lang::Zh.text().guide_item_count(4), "共 4 项");
        assert_eq!(Lang::En.text().guide_item_count(1), "1 item");
    }
}
