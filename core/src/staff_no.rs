//! The clerk's staff number (工号): what a hall prints on a clerk's badge
//! and what the rating pad may show the citizen instead of (or beside) the
//! clerk's name.
//!
//! # Decisions
//! - **Apart from the login name.** A username is for signing in and is
//!   never shown to citizens; a staff number is the hall's own numbering
//!   (「0231」, 「SW-08」, 「税务08」) and optional: an account without one is
//!   shown by its name.
//! - **1 to [`MAX_CHARS`] printable characters**, counted as Unicode
//!   characters (as JSON Schema's `maxLength` counts them): no control
//!   character and no white space anywhere, so 「A01」 and 「A01 」 cannot
//!   be two different numbers that look the same. Letters of any script
//!   are allowed.
//! - **One definition for the server and its documentation.** [`PATTERN`]
//!   is the documented schema's regular expression and [`StaffNo::parse`]
//!   accepts exactly the strings it matches; the character class is
//!   spelled out (not `\S`) because JavaScript, Python (the API fuzzer)
//!   and Rust disagree on what `\s` covers. The property tests check the
//!   two agree.
//! - Uniqueness across accounts is the store's (a unique index), not this
//!   type's: it ignores ASCII case there, so 「a01」 and 「A01」 are one
//!   number.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Most characters in a staff number.
pub const MAX_CHARS: usize = 20;

/// The characters a staff number may not contain, as a regular-expression
/// class body: C0 and C1 controls, DEL, and every Unicode white space
/// (`char::is_whitespace`) plus the byte-order mark, which JavaScript's
/// `\s` includes.
pub const FORBIDDEN_CLASS: &str =
    r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";

/// The documented pattern (JSON Schema `pattern`): 1 to 20 characters, none
/// of them forbidden.
pub const PATTERN: &str =
    r"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]{1,20}$";

/// Whether `c` may appear in a staff number (the complement of
/// [`FORBIDDEN_CLASS`]).
#[must_use]
pub fn is_allowed(c: char) -> bool {
    !(c.is_control() || c.is_whitespace() || c == '\u{feff}')
}

/// Why a staff number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffNoError {
    /// Empty, or longer than [`MAX_CHARS`] characters.
    #[error("a staff number has 1 to {MAX_CHARS} characters")]
    Length,
    /// A space, tab, line break or other control character.
    #[error("a staff number has no spaces or control characters")]
    Character,
}

/// A valid staff number (工号).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StaffNo(String);

impl StaffNo {
    /// Checks a staff number as typed. Nothing is trimmed: a space is
    /// refused, not silently dropped, so what is stored is what was seen.
    ///
    /// # Errors
    /// [`StaffNoError`] says what is wrong.
    pub fn parse(s: &str) -> Result<Self, StaffNoError> {
        let n = s.chars().count();
        if n == 0 || n > MAX_CHARS {
            return Err(StaffNoError::Length);
        }
        if !s.chars().all(is_allowed) {
            return Err(StaffNoError::Character);
        }
        Ok(Self(s.to_owned()))
    }

    /// The number as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StaffNo {
    type Error = StaffNoError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<StaffNo> for String {
    fn from(n: StaffNo) -> Self {
        n.0
    }
}

impl fmt::Display for StaffNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Every forbidden character, listed from the class one by one.
    fn forbidden() -> impl Strategy<Value = char> {
        prop_oneof![
            (0x00u32..=0x20).prop_map(|c| char::from_u32(c).expect("ascii")),
            (0x7fu32..=0xa0).prop_map(|c| char::from_u32(c).expect("latin-1")),
            (0x2000u32..=0x200a).prop_map(|c| char::from_u32(c).expect("bmp")),
            prop::sample::select(vec![
                '\u{1680}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}', '\u{feff}'
            ]),
        ]
    }

    #[test]
    fn the_pattern_is_the_class_it_names() {
        assert_eq!(
            PATTERN,
            format!("^[^{FORBIDDEN_CLASS}]{{1,{MAX_CHARS}}}$"),
            "PATTERN spells out FORBIDDEN_CLASS and MAX_CHARS"
        );
    }

    #[test]
    fn typical_numbers_pass_and_look_alikes_do_not() {
        for ok in ["0231", "SW-08", "税务08", "A", "12345678901234567890"] {
            assert_eq!(StaffNo::parse(ok).map(|n| n.to_string()), Ok(ok.into()));
        }
        assert_eq!(StaffNo::parse(""), Err(StaffNoError::Length));
        assert_eq!(
            StaffNo::parse("123456789012345678901"),
            Err(StaffNoError::Length)
        );
        for bad in [
            "A01 ",
            " A01",
            "A 01",
            "A\t01",
            "A01\n",
            "Ａ\u{3000}1",
            "\u{feff}A01",
        ] {
            assert_eq!(StaffNo::parse(bad), Err(StaffNoError::Character), "{bad:?}");
        }
        let n: Result<StaffNo, _> = serde_json::from_str("\"A 01\"");
        assert!(n.is_err(), "deserializing checks too");
    }

    proptest! {
        /// Whatever the documented pattern matches, the server accepts
        /// (proptest generates strings from the pattern's own class).
        #[test]
        fn every_string_the_pattern_matches_is_accepted(
            s in proptest::string::string_regex(&format!("[^{FORBIDDEN_CLASS}]{{1,{MAX_CHARS}}}")).expect("regex")
        ) {
            let n = StaffNo::parse(&s);
            prop_assert!(n.is_ok(), "{s:?}: {n:?}");
            let n = n.expect("checked");
            prop_assert_eq!(n.as_str(), s.as_str());
            let json = serde_json::to_string(&n).expect("json");
            prop_assert_eq!(serde_json::from_str::<StaffNo>(&json).expect("back"), n);
        }

        /// A forbidden character anywhere in an otherwise good number is
        /// refused, whatever its length.
        #[test]
        fn one_forbidden_character_anywhere_is_refused(
            good in "[A-Z0-9税务-]{0,19}",
            bad in forbidden(),
            at in 0usize..20,
        ) {
            let mut chars: Vec<char> = good.chars().collect();
            chars.insert(at.min(chars.len()), bad);
            let s: String = chars.into_iter().collect();
            prop_assert_eq!(StaffNo::parse(&s), Err(StaffNoError::Character), "{:?}", s);
        }

        /// Length is counted in characters: 20 Chinese characters pass, 21
        /// of anything do not.
        #[test]
        fn length_is_counted_in_characters(c in "[A-Za-z0-9工号税务]", n in 1usize..=30) {
            let s = c.repeat(n);
            prop_assert_eq!(StaffNo::parse(&s).is_ok(), n <= MAX_CHARS);
        }
    }
}
