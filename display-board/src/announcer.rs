//! The announcement plan: which clips a call is spoken with, in which order.
//!
//! This module is pure: a [`CallView`] and the board's languages go in, a
//! [`Plan`] comes out, and nothing here touches a file or a device. A call is
//! a chime followed by 「请 A023 号到 5 号窗口办理」 and, when English is on,
//! "Number A023, please go to counter 5".
//!
//! Two ways of reading numbers, on purpose:
//! - **Ticket numbers digit by digit** (A023 → A, 零, 二, 三). A ticket number is
//!   a label, not a quantity: its leading zeros are printed on the ticket and
//!   the citizen compares the sounds with the paper in hand. 「二十三」 would
//!   drop the 零 they are looking for, and digits are what Chinese calling
//!   machines say. 一 is read yī (the calling-machine habit; yāo is the
//!   telephone one).
//! - **Counter numbers as numbers** (12 → 十二号窗口, 105 → 一百零五). They are
//!   painted above the windows and said that way by staff and citizens alike.
//!   Past what a hall could have (over 9999 in Chinese, 999 in English) the
//!   counter is read digit by digit rather than failing.
//!
//! The clip names are the contract with the voice packs: [`required_clips`]
//! lists every name a plan can use, and `display-board/voice/generate.sh`
//! writes exactly those.

use std::fmt;
use std::str::FromStr;

use banli_core::ids::CounterId;
use banli_core::wire::CallView;
use serde::{Deserialize, Serialize};

/// A language the board speaks; each has its own voice pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Mandarin Chinese (普通话), always the first language of a hall.
    Zh,
    /// English, for visitors.
    En,
}

impl Lang {
    /// Every language, Chinese first.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The language's code, as in manifests and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code that is neither `zh` nor `en`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: expected zh or en")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "cmn" | "zh-cn" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

/// One clip of a voice pack: the pack's language and the clip's name in its
/// manifest (`qing`, `digit_0`, `letter_a`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClipRef {
    /// Which pack.
    pub lang: Lang,
    /// The name in that pack's manifest.
    pub name: &'static str,
}

impl fmt::Display for ClipRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.lang, self.name)
    }
}

/// One step of the spoken part of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// Play a clip.
    Clip(ClipRef),
    /// A phrase break (the comma in "Number A023, please go to counter 5",
    /// or between languages); the renderer decides how long it is.
    Pause,
}

/// What to play for one call: a chime that plays once, then speech that the
/// renderer may repeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The chime, from the first language's pack; `None` when there is
    /// nothing to say.
    pub chime: Option<ClipRef>,
    /// The words, every language in turn, separated by [`Cue::Pause`].
    pub speech: Vec<Cue>,
}

impl Plan {
    /// True when the plan plays nothing.
    pub fn is_empty(&self) -> bool {
        self.chime.is_none() && self.speech.is_empty()
    }

    /// Every clip the plan plays once (chime, then speech), in order.
    pub fn clips(&self) -> impl Iterator<Item = ClipRef> + '_ {
        self.chime
            .into_iter()
            .chain(self.speech.iter().filter_map(|cue| match cue {
                Cue::Clip(clip) => Some(*clip),
                Cue::Pause => None,
            }))
    }
}

/// Names of the clips a plan may use, shared by both packs.
pub mod clip {
    /// The two-tone ding-dong before a call.
    pub const CHIME: &str = "chime";
    /// 请.
    pub const QING: &str = "qing";
    /// 号 (after the ticket number and the counter number).
    pub const HAO: &str = "hao";
    /// 到.
    pub const DAO: &str = "dao";
    /// 窗口.
    pub const CHUANGKOU: &str = "chuangkou";
    /// 办理.
    pub const BANLI: &str = "banli";
    /// 十.
    pub const SHI: &str = "shi";
    /// 百.
    pub const BAI: &str = "bai";
    /// 千.
    pub const QIAN: &str = "qian";
    /// "Number".
    pub const NUMBER: &str = "number";
    /// "please go to counter".
    pub const PLEASE_GO_TO_COUNTER: &str = "please_go_to_counter";
    /// "hundred".
    pub const HUNDRED: &str = "hundred";
    /// `digit_0` … `digit_9`: 零…九 in Chinese, zero…nine in English.
    pub const DIGITS: [&str; 10] = [
        "digit_0", "digit_1", "digit_2", "digit_3", "digit_4", "digit_5", "digit_6", "digit_7",
        "digit_8", "digit_9",
    ];
    /// `letter_a` … `letter_z`, as each language reads the Latin letters.
    pub const LETTERS: [&str; 26] = [
        "letter_a", "letter_b", "letter_c", "letter_d", "letter_e", "letter_f", "letter_g",
        "letter_h", "letter_i", "letter_j", "letter_k", "letter_l", "letter_m", "letter_n",
        "letter_o", "letter_p", "letter_q", "letter_r", "letter_s", "letter_t", "letter_u",
        "letter_v", "letter_w", "letter_x", "letter_y", "letter_z",
    ];
    /// English `n_10` … `n_19`: ten … nineteen.
    pub const TEENS: [&str; 10] = [
        "n_10", "n_11", "n_12", "n_13", "n_14", "n_15", "n_16", "n_17", "n_18", "n_19",
    ];
    /// English `n_20` … `n_90`: twenty … ninety, indexed by the tens digit
    /// (0 and 1 are unused, hence empty).
    pub const TENS: [&str; 10] = [
        "", "", "n_20", "n_30", "n_40", "n_50", "n_60", "n_70", "n_80", "n_90",
    ];
}

/// Every clip name a plan in `lang` can use: what a voice pack for that
/// language must provide.
pub fn required_clips(lang: Lang) -> Vec<&'static str> {
    let mut names = vec![clip::CHIME];
    match lang {
        Lang::Zh => names.extend([
            clip::QING,
            clip::HAO,
            clip::DAO,
            clip::CHUANGKOU,
            clip::BANLI,
            clip::SHI,
            clip::BAI,
            clip::QIAN,
        ]),
        Lang::En => {
            names.extend([clip::NUMBER, clip::PLEASE_GO_TO_COUNTER, clip::HUNDRED]);
            names.extend(clip::TEENS);
            names.extend(clip::TENS.iter().copied().filter(|n| !n.is_empty()));
        }
    }
    names.extend(clip::DIGITS);
    names.extend(clip::LETTERS);
    names
}

/// The plan for announcing `call` in `langs`, in the order given (a
/// language listed twice is spoken twice). No languages, no plan.
pub fn clips_for(call: &CallView, langs: &[Lang]) -> Plan {
    plan(&call.number, call.counter_id, langs)
}

/// The plan for ticket `number` called to `counter`, in `langs`: what
/// [`clips_for`] does without a whole [`CallView`] (the CLI's `say`).
///
/// Characters of the number other than ASCII letters and digits (a `-`, say)
/// are not spoken.
pub fn plan(number: &str, counter: CounterId, langs: &[Lang]) -> Plan {
    let Some(&first) = langs.first() else {
        return Plan::default();
    };
    let mut speech = Vec::new();
    for (i, &lang) in langs.iter().enumerate() {
        if i > 0 {
            speech.push(Cue::Pause);
        }
        let say = |name: &'static str| Cue::Clip(ClipRef { lang, name });
        match lang {
            Lang::Zh => {
                // 请 A023 号到 5 号窗口办理
                speech.push(say(clip::QING));
                speech.extend(ticket_words(number).map(say));
                speech.extend([clip::HAO, clip::DAO].map(say));
                speech.extend(zh_number(counter.0).into_iter().map(say));
                speech.extend([clip::HAO, clip::CHUANGKOU, clip::BANLI].map(say));
            }
            Lang::En => {
                // Number A023, please go to counter 5
                speech.push(say(clip::NUMBER));
                speech.extend(ticket_words(number).map(say));
                speech.push(Cue::Pause);
                speech.push(say(clip::PLEASE_GO_TO_COUNTER));
                speech.extend(en_number(counter.0).into_iter().map(say));
            }
        }
    }
    Plan {
        chime: Some(ClipRef {
            lang: first,
            name: clip::CHIME,
        }),
        speech,
    }
}

/// A ticket number character by character: letters and digits, the rest
/// skipped.
fn ticket_words(number: &str) -> impl Iterator<Item = &'static str> + '_ {
    number.chars().filter_map(|c| {
        if c.is_ascii_digit() {
            Some(clip::DIGITS[usize::from(c as u8 - b'0')])
        } else if c.is_ascii_alphabetic() {
            Some(clip::LETTERS[usize::from(c.to_ascii_lowercase() as u8 - b'a')])
        } else {
            None
        }
    })
}

/// Digit by digit, for numbers too large to read as numbers.
fn digit_words(n: u32) -> Vec<&'static str> {
    n.to_string()
        .bytes()
        .map(|b| clip::DIGITS[usize::from(b - b'0')])
        .collect()
}

/// A counter number read in Chinese: 12 → 十二, 20 → 二十, 105 → 一百零五,
/// 110 → 一百一十, 1005 → 一千零五. Up to 9999; beyond, digit by digit.
///
/// Numbers from 10 to 19 drop the leading 一 (十二, not 一十二), as spoken;
/// inside larger numbers it stays (一百一十). One 零 stands for any run of
/// zeros between non-zero digits, and trailing zeros are silent (一百, 一千零一十).
pub fn zh_number(n: u32) -> Vec<&'static str> {
    if n == 0 {
        return vec![clip::DIGITS[0]];
    }
    if n > 9999 {
        return digit_words(n);
    }
    // Places from thousands down, with the unit word after each digit.
    let places = [
        (n / 1000, Some(clip::QIAN)),
        (n / 100 % 10, Some(clip::BAI)),
        (n / 10 % 10, Some(clip::SHI)),
        (n % 10, None),
    ];
    let mut words = Vec::new();
    let mut zero_pending = false;
    for (digit, unit) in places {
        if digit == 0 {
            // A zero only counts once something has been said.
            zero_pending |= !words.is_empty();
            continue;
        }
        if zero_pending {
            words.push(clip::DIGITS[0]);
            zero_pending = false;
        }
        let is_leading_ten = words.is_empty() && digit == 1 && unit == Some(clip::SHI);
        if !is_leading_ten {
            words.push(clip::DIGITS[digit as usize]);
        }
        words.extend(unit);
    }
    words
}

/// A counter number read in English from word clips: 5 → five, 12 →
/// twelve, 25 → twenty five, 105 → one hundred five (no "and", as on
/// American signs). Up to 999; beyond, digit by digit.
pub fn en_number(n: u32) -> Vec<&'static str> {
    if n > 999 {
        return digit_words(n);
    }
    let mut words = Vec::new();
    let hundreds = n / 100;
    let rest = n % 100;
    if hundreds > 0 {
        words.push(clip::DIGITS[hundreds as usize]);
        words.push(clip::HUNDRED);
    }
    match rest {
        0 if hundreds > 0 => {}
        0..=9 => words.push(clip::DIGITS[rest as usize]),
        10..=19 => words.push(clip::TEENS[(rest - 10) as usize]),
        _ => {
            words.push(clip::TENS[(rest / 10) as usize]);
            if !rest.is_multiple_of(10) {
                words.push(clip::DIGITS[(rest % 10) as usize]);
            }
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use banli_core::engine::ticket::TicketClass;
    use banli_core::ids::{ServiceId, TicketId};
    use banli_core::jiff::Timestamp;

    use super::*;

    fn call(number: &str, counter: u32) -> CallView {
        CallView {
            ticket_id: TicketId(7),
            number: number.into(),
            service_id: ServiceId::from("tax"),
            counter_id: CounterId(counter),
            counter_name_zh: format!("{counter}号窗口"),
            counter_name_en: format!("Counter {counter}"),
            zone: "1F".into(),
            called_at: Timestamp::UNIX_EPOCH,
            recalls: 0,
            class: TicketClass::Normal,
            call_no: 1,
            announced_at: Timestamp::UNIX_EPOCH,
        }
    }

    /// The plan as one line: `zh:` or `en:` before each language's words,
    /// `,` for a pause; the chime first.
    fn spoken(plan: &Plan) -> String {
        let mut out = Vec::new();
        if let Some(chime) = plan.chime {
            out.push(chime.to_string());
        }
        let mut lang = None;
        for cue in &plan.speech {
            match cue {
                Cue::Pause => out.push(",".into()),
                Cue::Clip(c) => {
                    if lang != Some(c.lang) {
                        out.push(format!("{}:", c.lang));
                        lang = Some(c.lang);
                    }
                    out.push(c.name.into());
                }
            }
        }
        out.join(" ")
    }

    fn zh(call: &CallView) -> String {
        spoken(&clips_for(call, &[Lang::Zh]))
    }

    #[test]
    fn zh_call_reads_the_ticket_digit_by_digit() {
        assert_eq!(
            zh(&call("A023", 5)),
            "zh:chime zh: qing letter_a digit_0 digit_2 digit_3 hao dao digit_5 hao chuangkou banli"
        );
    }

    #[test]
    fn zh_counter_numbers_are_read_as_numbers() {
        let counter = |n| {
            let s = zh(&call("A1", n));
            let start = s.find("dao ").map_or(0, |i| i + 4);
            s[start..]
                .trim_end_matches(" hao chuangkou banli")
                .to_owned()
        };
        assert_eq!(counter(1), "digit_1");
        assert_eq!(counter(2), "digit_2");
        assert_eq!(counter(10), "shi");
        assert_eq!(counter(12), "shi digit_2");
        assert_eq!(counter(20), "digit_2 shi");
        assert_eq!(counter(105), "digit_1 bai digit_0 digit_5");
    }

    #[test]
    fn zh_numbers_follow_spoken_chinese() {
        let cases: &[(u32, &str)] = &[
            (0, "digit_0"),
            (7, "digit_7"),
            (11, "shi digit_1"),
            (19, "shi digit_9"),
            (21, "digit_2 shi digit_1"),
            (99, "digit_9 shi digit_9"),
            (100, "digit_1 bai"),
            (101, "digit_1 bai digit_0 digit_1"),
            (110, "digit_1 bai digit_1 shi"),
            (111, "digit_1 bai digit_1 shi digit_1"),
            (120, "digit_1 bai digit_2 shi"),
            (999, "digit_9 bai digit_9 shi digit_9"),
            (1000, "digit_1 qian"),
            (1001, "digit_1 qian digit_0 digit_1"),
            (1010, "digit_1 qian digit_0 digit_1 shi"),
            (1100, "digit_1 qian digit_1 bai"),
            (2305, "digit_2 qian digit_3 bai digit_0 digit_5"),
            (9999, "digit_9 qian digit_9 bai digit_9 shi digit_9"),
            (10000, "digit_1 digit_0 digit_0 digit_0 digit_0"),
            (
                u32::MAX,
                "digit_4 digit_2 digit_9 digit_4 digit_9 digit_6 digit_7 digit_2 digit_9 digit_5",
            ),
        ];
        for &(n, want) in cases {
            assert_eq!(zh_number(n).join(" "), want, "{n}");
        }
    }

    #[test]
    fn en_numbers_are_composed_from_words() {
        let cases: &[(u32, &str)] = &[
            (0, "digit_0"),
            (1, "digit_1"),
            (5, "digit_5"),
            (10, "n_10"),
            (12, "n_12"),
            (19, "n_19"),
            (20, "n_20"),
            (25, "n_20 digit_5"),
            (99, "n_90 digit_9"),
            (100, "digit_1 hundred"),
            (105, "digit_1 hundred digit_5"),
            (112, "digit_1 hundred n_12"),
            (340, "digit_3 hundred n_40"),
            (999, "digit_9 hundred n_90 digit_9"),
            (1000, "digit_1 digit_0 digit_0 digit_0"),
        ];
        for &(n, want) in cases {
            assert_eq!(en_number(n).join(" "), want, "{n}");
        }
    }

    #[test]
    fn zh_and_en_follow_each_other_after_a_pause() {
        assert_eq!(
            spoken(&clips_for(&call("A023", 5), &[Lang::Zh, Lang::En])),
            "zh:chime zh: qing letter_a digit_0 digit_2 digit_3 hao dao digit_5 hao chuangkou banli \
             , en: number letter_a digit_0 digit_2 digit_3 , please_go_to_counter digit_5"
        );
    }

    #[test]
    fn en_only_takes_its_chime_from_the_english_pack() {
        assert_eq!(
            spoken(&clips_for(&call("B105", 12), &[Lang::En])),
            "en:chime en: number letter_b digit_1 digit_0 digit_5 , please_go_to_counter n_12"
        );
    }

    #[test]
    fn two_letter_prefixes_are_spelt_and_case_does_not_matter() {
        assert_eq!(
            zh(&call("GA007", 20)),
            "zh:chime zh: qing letter_g letter_a digit_0 digit_0 digit_7 hao dao digit_2 shi hao chuangkou banli"
        );
        assert_eq!(zh(&call("ga007", 20)), zh(&call("GA007", 20)));
        assert_eq!(
            spoken(&clips_for(&call("XY0", 10), &[Lang::Zh, Lang::En])),
            "zh:chime zh: qing letter_x letter_y digit_0 hao dao shi hao chuangkou banli \
             , en: number letter_x letter_y digit_0 , please_go_to_counter n_10"
        );
    }

    #[test]
    fn unspeakable_characters_are_skipped_and_nothing_panics() {
        assert_eq!(zh(&call("A-01", 1)), zh(&call("A01", 1)));
        assert_eq!(zh(&call("号A01", 1)), zh(&call("A01", 1)));
        assert_eq!(
            zh(&call("", 1)),
            "zh:chime zh: qing hao dao digit_1 hao chuangkou banli"
        );
    }

    #[test]
    fn no_language_means_no_plan() {
        let plan = clips_for(&call("A023", 5), &[]);
        assert!(plan.is_empty());
        assert_eq!(plan.clips().count(), 0);
    }

    #[test]
    fn every_clip_a_plan_uses_is_required_of_its_pack() {
        let mut numbers = vec!["A023".to_owned(), "ZZ999".into()];
        numbers.extend(('A'..='Z').map(|c| format!("{c}0123456789")));
        for number in &numbers {
            for counter in (0..=1200).chain([9999, 10_000, u32::MAX]) {
                let plan = plan(number, CounterId(counter), &Lang::ALL);
                for clip in plan.clips() {
                    assert!(
                        required_clips(clip.lang).contains(&clip.name),
                        "{clip} in {number} to {counter}"
                    );
                }
            }
        }
    }

    #[test]
    fn required_clips_have_no_duplicates() {
        for lang in Lang::ALL {
            let names = required_clips(lang);
            let mut unique = names.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{lang}");
        }
        assert_eq!(required_clips(Lang::Zh).len(), 45);
        assert_eq!(required_clips(Lang::En).len(), 58);
    }

    #[test]
    fn languages_parse_from_codes() {
        assert_eq!("zh".parse(), Ok(Lang::Zh));
        assert_eq!(" EN ".parse(), Ok(Lang::En));
        assert_eq!("fr".parse::<Lang>(), Err(UnknownLang("fr".into())));
    }
}
