//! Reading the hall configuration file (`hall.toml`) into a [`HallConfig`],
//! with every problem reported as `file:line:column: field: message`.
//!
//! The person who edits `hall.toml` is a hall administrator, not a Rust
//! programmer, so a problem must say where it is and which setting it is
//! about. The `toml` crate's own errors (syntax, wrong types, unknown keys
//! refused by `deny_unknown_fields`) carry a byte span, which becomes a line
//! and column here; the key or value under that span, found in the spanned
//! document ([`toml::de::DeTable::parse_recoverable`]), names the field.
//! The semantic problems that [`HallConfig::validate`] finds carry a field
//! path such as `services[2].prefix`, which is looked up in the same spanned
//! document to find the line where that key is written. All semantic
//! problems are reported at once, one per line, so they can be fixed in one
//! pass. A field that is not in the file (left out and defaulted) is
//! reported at its enclosing table or array element, and failing that by
//! its path alone.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use banli_core::config::{ConfigIssue, HallConfig};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The demo hall, 「滨江区政务服务中心」, built into the binary so the
/// server can start with a working configuration and no file at all.
pub const DEMO_HALL: &str = include_str!("../../assets/demo-hall.toml");

/// One problem in a hall file, located as precisely as the file allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallFileIssue {
    /// The file as named to the user, e.g. `/etc/banli/hall.toml`.
    pub file: String,
    /// 1-based line, when the problem could be placed in the file.
    pub line: Option<usize>,
    /// 1-based column in characters (not bytes, so Chinese text counts one
    /// per character, as an editor shows it), when the line is known.
    pub column: Option<usize>,
    /// Path of the field at fault, e.g. `counters[0].services[1].service`,
    /// when the problem belongs to a field.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for HallFileIssue {
    /// `file:line:column: field: message`, leaving out what is unknown; the
    /// `file:line:column:` prefix is what editors and terminals link to.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// Why a hall file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HallFileError {
    /// The file could not be read: missing, a directory, no permission.
    #[error("{path}: cannot read the hall file: {source}")]
    Unreadable {
        /// The file as named to the user.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not UTF-8 or not TOML, or does not fit the schema: a
    /// syntax error, a value of the wrong type, an unknown or missing key.
    /// Parsing stops at the first such problem.
    #[error("{0}")]
    Malformed(HallFileIssue),
    /// The file parsed, but [`HallConfig::validate`] found problems; all of
    /// them are here, in the order `validate` reports them.
    #[error("{}", lines(.0))]
    Invalid(Vec<HallFileIssue>),
}

impl HallFileError {
    /// The located problems: none for an unreadable file, one for a
    /// malformed one, every one for an invalid one. For showing them in a
    /// list, e.g. in the admin console.
    pub fn issues(&self) -> &[HallFileIssue] {
        match self {
            Self::Unreadable { .. } => &[],
            Self::Malformed(issue) => std::slice::from_ref(issue),
            Self::Invalid(issues) => issues,
        }
    }
}

fn lines(issues: &[HallFileIssue]) -> String {
    issues
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads and checks the hall file at `path`.
///
/// # Errors
/// [`HallFileError::Unreadable`] naming the path when the file cannot be
/// read, otherwise as [`parse_hall`].
pub fn load_hall(path: &Path) -> Result<HallConfig, HallFileError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| HallFileError::Unreadable {
        path: name.clone(),
        source,
    })?;
    match std::str::from_utf8(&bytes) {
        Ok(text) => parse_hall(&name, text),
        Err(e) => {
            // Windows editors in China often save as GBK; say so, at the
            // first byte that is not UTF-8.
            let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let valid = String::from_utf8_lossy(valid);
            let (line, column) = line_column(&valid, valid.len());
            Err(HallFileError::Malformed(HallFileIssue {
                file: name,
                line: Some(line),
                column: Some(column),
                field: None,
                message: "the file is not UTF-8 text (saved as GBK?); save it as UTF-8".into(),
            }))
        }
    }
}

/// Parses and checks the text of a hall file. `path_for_messages` names
/// the file in errors only; nothing is read from it.
///
/// # Errors
/// [`HallFileError::Malformed`] for the first syntax, type or unknown-key
/// error, located by line, column and field path;
/// [`HallFileError::Invalid`] with every problem [`HallConfig::validate`]
/// finds, each located at the line of its field.
pub fn parse_hall(path_for_messages: &str, text: &str) -> Result<HallConfig, HallFileError> {
    parse_checked(path_for_messages, text, HallConfig::validate)
}

/// Deserializes a TOML document and runs its semantic checks, locating
/// every problem in the text: what hall files and guide files share.
fn parse_checked<T: serde::de::DeserializeOwned>(
    path_for_messages: &str,
    text: &str,
    validate: impl FnOnce(&T) -> Result<(), Vec<ConfigIssue>>,
) -> Result<T, HallFileError> {
    let value: T = toml::from_str(text)
        .map_err(|e| HallFileError::Malformed(toml_issue(path_for_messages, text, &e)))?;
    let Err(issues) = validate(&value) else {
        return Ok(value);
    };
    // The text parsed as a `T`, so it parses as a document too; if it
    // somehow did not, the issues still name their fields.
    let doc = DeTable::parse(text).ok();
    Err(HallFileError::Invalid(
        issues
            .into_iter()
            .map(|issue| validation_issue(path_for_messages, text, doc.as_ref(), issue))
            .collect(),
    ))
}

/// The service guide of the demo hall (办事指南).
pub const DEMO_GUIDE: &str = include_str!("../../assets/demo-guide.toml");

/// Parses and checks a service guide file (`[[items]]` of
/// [`banli_core::guide::GuideItem`]), with the same file/line/field errors
/// as a hall file. References to departments and services are checked
/// against the hall when the guide is applied.
///
/// # Errors
/// [`HallFileError`] naming every problem.
pub fn parse_guide(
    path_for_messages: &str,
    text: &str,
) -> Result<banli_core::guide::Guide, HallFileError> {
    parse_checked(path_for_messages, text, banli_core::guide::Guide::validate)
}

/// Locates an error from the `toml` crate: its span gives line and column,
/// and the key or value under that span gives the field.
fn toml_issue(file: &str, text: &str, error: &toml::de::Error) -> HallFileIssue {
    let message = error.message().trim_end().to_owned();
    let Some(span) = error.span() else {
        return HallFileIssue {
            file: file.to_owned(),
            line: None,
            column: None,
            field: None,
            message,
        };
    };
    let (line, column) = line_column(text, span.start);
    // After a syntax error the parser recovers what it can. A key or value
    // found right under the error is still the one at fault; if there is
    // none (an unterminated string, say), name the section it is in.
    let (doc, syntax_errors) = DeTable::parse_recoverable(text);
    let mut field = field_at(&doc, span.start);
    if field.is_none() && !syntax_errors.is_empty() {
        field = section_at(doc.get_ref(), span.start);
    }
    // A missing field is reported on its table's header; name the field.
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        field = Some(match field {
            Some(table) => format!("{table}.{missing}"),
            None => missing.to_owned(),
        });
    }
    HallFileIssue {
        file: file.to_owned(),
        line: Some(line),
        column: Some(column),
        field,
        message,
    }
}

/// Locates a [`ConfigIssue`] at the line where its field is written.
fn validation_issue(
    file: &str,
    text: &str,
    doc: Option<&Spanned<DeTable<'_>>>,
    issue: ConfigIssue,
) -> HallFileIssue {
    let at = doc
        .and_then(|doc| span_of(doc, &issue.field))
        .map(|span| line_column(text, span.start));
    HallFileIssue {
        file: file.to_owned(),
        line: at.map(|(line, _)| line),
        column: at.map(|(_, column)| column),
        field: Some(issue.field),
        message: issue.message,
    }
}

/// One step of a field path: `services`, `[2]`, `prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `counters[0].services[1].service` into steps; `None` if it is not
/// such a path.
fn path_steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if key.is_empty() {
            return None;
        }
        steps.push(Step::Key(key));
        while !rest.is_empty() {
            let (index, after) = rest.strip_prefix('[')?.split_once(']')?;
            steps.push(Step::Index(index.parse().ok()?));
            rest = after;
        }
    }
    Some(steps)
}

/// The span of the field at `path`: the key for a table entry (so the line
/// is where `key = ...` or `[key]` is written), the element for an array
/// index. If the path leaves the document, such as a field that was left
/// out and defaulted, the span of the deepest step found; `None` if not
/// even the first step is there.
fn span_of(doc: &Spanned<DeTable<'_>>, path: &str) -> Option<Range<usize>> {
    let steps = path_steps(path)?;
    let mut best = None;
    let mut table = Some(doc.get_ref());
    let mut value: Option<&DeValue<'_>> = None;
    for step in steps {
        let next = match step {
            Step::Key(key) => table
                .and_then(|t| t.get_key_value(key))
                .map(|(k, v)| (k.span(), v)),
            Step::Index(i) => value
                .and_then(DeValue::as_array)
                .and_then(|a| a.get(i))
                .map(|v| (v.span(), v)),
        };
        let Some((span, v)) = next else { break };
        best = Some(span);
        table = v.get_ref().as_table();
        value = Some(v.get_ref());
    }
    best
}

/// The path of the deepest key or value whose span holds `offset`, e.g.
/// `services[2].prefx` for an unknown key or `counters[6]` for an array of
/// tables' `[[counters]]` header.
fn field_at(doc: &Spanned<DeTable<'_>>, offset: usize) -> Option<String> {
    let mut steps = Vec::new();
    if !table_path_at(doc.get_ref(), offset, &mut steps) {
        return None;
    }
    let mut path = String::new();
    for step in steps {
        match step {
            Step::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Step::Index(i) => path.push_str(&format!("[{i}]")),
        }
    }
    Some(path)
}

/// The top-level section that `offset` falls in: the table or
/// array-of-tables element (`services[3]`) whose start is the last one
/// before it. For errors with nothing more precise to point at.
fn section_at(doc: &DeTable<'_>, offset: usize) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    let mut consider = |start: usize, path: String| {
        if start <= offset && best.as_ref().is_none_or(|(b, _)| start > *b) {
            best = Some((start, path));
        }
    };
    for (key, value) in doc.iter() {
        match value.get_ref().as_array() {
            Some(array) if array.iter().all(|e| e.get_ref().is_table()) => {
                for (i, element) in array.iter().enumerate() {
                    consider(element.span().start, format!("{}[{i}]", key.get_ref()));
                }
            }
            _ => consider(key.span().start, key.get_ref().to_string()),
        }
    }
    best.map(|(_, path)| path)
}

// A depth-first search, because a table's span does not cover its
// contents: an array-of-tables element spans only its `[[header]]`, and
// the keys under it come after. So look inside every entry before
// settling for the entry itself.
fn table_path_at<'a>(table: &'a DeTable<'_>, offset: usize, steps: &mut Vec<Step<'a>>) -> bool {
    for (key, value) in table.iter() {
        steps.push(Step::Key(key.get_ref()));
        if value_path_at(value.get_ref(), offset, steps)
            || key.span().contains(&offset)
            || value.span().contains(&offset)
        {
            return true;
        }
        steps.pop();
    }
    false
}

fn value_path_at<'a>(value: &'a DeValue<'_>, offset: usize, steps: &mut Vec<Step<'a>>) -> bool {
    match value {
        DeValue::Table(table) => table_path_at(table, offset, steps),
        DeValue::Array(array) => {
            for (i, element) in array.iter().enumerate() {
                steps.push(Step::Index(i));
                if value_path_at(element.get_ref(), offset, steps)
                    || element.span().contains(&offset)
                {
                    return true;
                }
                steps.pop();
            }
            false
        }
        _ => false,
    }
}

/// 1-based line and column (in characters) of a byte offset; an offset past
/// the end or inside a character counts from the nearest character start
/// before it.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use banli_core::config::{Policy, PriorityClass};

    use super::*;

    const FILE: &str = "hall.toml";

    /// The demo with `from` replaced by `to`, which must occur exactly once.
    fn demo_with(from: &str, to: &str) -> String {
        assert_eq!(DEMO_HALL.matches(from).count(), 1, "{from:?} in the demo");
        DEMO_HALL.replacen(from, to, 1)
    }

    /// 1-based line and column of `needle`, which must occur exactly once.
    fn position_of(text: &str, needle: &str) -> (usize, usize) {
        let found: Vec<_> = text.match_indices(needle).collect();
        assert_eq!(found.len(), 1, "{needle:?} should occur once");
        line_column(text, found[0].0)
    }

    fn malformed(text: &str) -> HallFileIssue {
        match parse_hall(FILE, text) {
            Err(HallFileError::Malformed(issue)) => issue,
            other => panic!("expected a malformed-file error, got {other:?}"),
        }
    }

    fn invalid(text: &str) -> Vec<HallFileIssue> {
        match parse_hall(FILE, text) {
            Err(HallFileError::Invalid(issues)) => issues,
            other => panic!("expected validation issues, got {other:?}"),
        }
    }

    #[test]
    fn demo_guide_parses_and_refers_to_the_demo_hall() {
        let hall = parse_hall("demo-hall.toml", DEMO_HALL).expect("the demo is valid");
        let guide = parse_guide("demo-guide.toml", DEMO_GUIDE).expect("the demo guide is valid");
        assert!(guide.items.len() >= 20);
        for item in &guide.items {
            assert!(
                hall.departments.iter().any(|d| d.id == item.department),
                "{}",
                item.id
            );
            if let Some(s) = &item.service_id {
                assert!(hall.service(s).is_some(), "{}", item.id);
            }
        }
        for d in &hall.departments {
            assert!(
                guide.items.iter().any(|i| i.department == d.id),
                "every department has items: {}",
                d.id.as_str()
            );
        }
        let err = parse_guide(
            "guide.toml",
            "[[items]]\nid = \"x\"\ndepartment = \"tax\"\nname_zh = \"x\"\nfee_zh = \"\"\n",
        )
        .expect_err("empty fee");
        assert!(err.to_string().contains("guide.toml:5:"), "{err}");
    }

    #[test]
    fn demo_parses_and_validates() {
        let hall = parse_hall("demo-hall.toml", DEMO_HALL).expect("the demo is valid");
        assert_eq!(hall.hall.name_zh, "滨江区政务服务中心");
        assert_eq!(hall.hall.timezone, "Asia/Shanghai");
        assert_eq!(hall.hall.day_rollover.to_string(), "03:00");
        assert_eq!(
            hall.rules.stop_issuing_minutes, 0,
            "the demo is open around the clock"
        );

        // What the demo is for: enough variety to exercise every rule.
        let prefixes: HashSet<_> = hall.services.iter().map(|s| s.prefix.as_str()).collect();
        for p in ["A", "B", "C", "D", "E", "F"] {
            assert!(prefixes.contains(p), "service {p}");
        }
        assert!(hall.departments.len() >= 3);
        assert!(hall.counters.len() >= 8);
        let zones: HashSet<_> = hall.counters.iter().map(|c| c.zone.as_str()).collect();
        assert_eq!(zones, HashSet::from(["一楼", "二楼"]));
        for policy in [Policy::Ordered, Policy::Weighted, Policy::OldestFirst] {
            assert!(
                hall.counters.iter().any(|c| c.policy == policy),
                "{policy:?}"
            );
        }
        assert!(hall.counters.iter().any(|c| c.auto_call));
        assert!(hall.counters.iter().any(|c| !c.auto_call));
        for class in [
            PriorityClass::Elderly,
            PriorityClass::Disabled,
            PriorityClass::Military,
        ] {
            assert!(
                hall.services
                    .iter()
                    .any(|s| s.priority_classes.contains(&class))
            );
        }
        let appointments: Vec<_> = hall
            .services
            .iter()
            .filter(|s| s.appointments)
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(appointments, ["exit-entry", "real-estate"]);
        let quota = hall.services.iter().find_map(|s| s.daily_quota);
        assert_eq!(quota, Some(150));
        assert!(hall.services.iter().any(|s| s.hours.is_some()));
        for s in &hall.services {
            assert!(!s.name_en.is_empty(), "{} has an English name", s.id);
            assert!(s.expected_handle_minutes.is_some(), "{}", s.id);
        }
    }

    #[test]
    fn typo_in_a_key_names_file_line_and_key() {
        let text = demo_with("prefix = \"C\"", "prefx = \"C\"");
        let issue = malformed(&text);
        let (line, column) = position_of(&text, "prefx");
        assert_eq!((issue.line, issue.column), (Some(line), Some(column)));
        assert_eq!(issue.field.as_deref(), Some("services[2].prefx"));
        let shown = issue.to_string();
        assert!(
            shown.starts_with(&format!(
                "hall.toml:{line}:1: services[2].prefx: unknown field `prefx`"
            )),
            "{shown}"
        );
    }

    #[test]
    fn typo_inside_an_inline_table_is_located() {
        let text = demo_with(
            "{ service = \"saturday\", weight = 1 }",
            "{ service = \"saturday\", wieght = 1 }",
        );
        let issue = malformed(&text);
        assert_eq!((issue.line, issue.column), {
            let (l, c) = position_of(&text, "wieght");
            (Some(l), Some(c))
        });
        assert_eq!(
            issue.field.as_deref(),
            Some("counters[3].services[1].wieght")
        );
    }

    #[test]
    fn wrong_type_names_its_line_and_field() {
        let text = demo_with("daily_quota = 150", "daily_quota = \"150\"");
        let issue = malformed(&text);
        let (line, column) = position_of(&text, "\"150\"");
        assert_eq!((issue.line, issue.column), (Some(line), Some(column)));
        assert_eq!(issue.field.as_deref(), Some("services[2].daily_quota"));
        assert!(issue.message.contains("invalid type"), "{}", issue.message);
    }

    #[test]
    fn bad_time_value_names_its_field() {
        let text = demo_with("day_rollover = \"03:00\"", "day_rollover = \"25:00\"");
        let issue = malformed(&text);
        assert_eq!(issue.line, Some(position_of(&text, "\"25:00\"").0));
        assert_eq!(issue.field.as_deref(), Some("hall.day_rollover"));
        assert!(issue.message.contains("25:00"), "{}", issue.message);
    }

    #[test]
    fn missing_key_is_reported_on_its_table() {
        // Counter 7 is the only one staffed by the tax bureau's first entry;
        // drop its department line.
        let text = demo_with(
            "zone = \"二楼\"\ndepartment = \"tax\"\n# 企业开办专区",
            "zone = \"二楼\"\n# 企业开办专区",
        );
        let issue = malformed(&text);
        assert_eq!(issue.field.as_deref(), Some("counters[6].department"));
        let header_line = text
            .lines()
            .enumerate()
            .filter(|(_, l)| *l == "[[counters]]")
            .nth(6)
            .map(|(i, _)| i + 1);
        assert_eq!(issue.line, header_line);
        assert!(issue.message.contains("missing field"), "{}", issue.message);
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let text = demo_with("name_zh = \"社保业务\"", "name_zh = \"社保业务");
        let issue = malformed(&text);
        let (line, _) = position_of(&text, "\"社保业务");
        assert_eq!(issue.line, Some(line));
        // The column counts characters: after the quote and four hanzi.
        assert_eq!(
            issue.column,
            Some("name_zh = \"社保业务".chars().count() + 1)
        );
        assert_eq!(issue.field.as_deref(), Some("services[3]"));
        assert!(issue.to_string().starts_with(&format!("hall.toml:{line}:")));
    }

    #[test]
    fn syntax_error_names_the_key_under_it_or_its_section() {
        // Missing `=`: the error sits on the value, inside counter 5.
        let text = demo_with("id = 5\n", "id = 5 6\n");
        let issue = malformed(&text);
        assert_eq!(issue.line, Some(position_of(&text, "id = 5 6").0));
        assert_eq!(issue.field.as_deref(), Some("counters[4].id"));

        // A key with no value: nothing parsed there, so name the section.
        let text = demo_with("prefix = \"D\"", "prefix \"D\"");
        let issue = malformed(&text);
        let (line, column) = position_of(&text, "\"D\"");
        assert_eq!((issue.line, issue.column), (Some(line), Some(column)));
        assert_eq!(issue.field.as_deref(), Some("services[3]"));
        assert!(
            issue
                .to_string()
                .starts_with(&format!("hall.toml:{line}:{column}: services[3]: ")),
            "{issue}"
        );

        // A broken header.
        let text = demo_with("[[counters]]\nid = 6\n", "[[counters]\nid = 6\n");
        let issue = malformed(&text);
        assert_eq!(issue.line, Some(position_of(&text, "[[counters]\n").0));
        assert_eq!(issue.field.as_deref(), Some("counters[5]"));
    }

    #[test]
    fn duplicate_prefix_in_third_service_is_on_its_line() {
        let text = demo_with("prefix = \"C\"", "prefix = \"A\"");
        let issues = invalid(&text);
        assert_eq!(issues.len(), 1, "{issues:?}");
        let (line, _) = position_of(&text, "prefix = \"A\"\ndepartment = \"real-estate\"");
        assert_eq!(
            issues[0].to_string(),
            format!(
                "hall.toml:{line}:1: services[2].prefix: prefix \"A\" is already used by another service"
            )
        );
    }

    #[test]
    fn counter_with_missing_service_points_at_the_entry() {
        let text = demo_with(
            "{ service = \"saturday\", weight = 1 }",
            "{ service = \"sunday\", weight = 1 }",
        );
        let issues = invalid(&text);
        assert_eq!(issues.len(), 1, "{issues:?}");
        let (line, column) = position_of(&text, "service = \"sunday\"");
        assert_eq!(
            issues[0].field.as_deref(),
            Some("counters[3].services[1].service")
        );
        assert_eq!(
            (issues[0].line, issues[0].column),
            (Some(line), Some(column))
        );
        assert_eq!(
            issues[0].to_string(),
            format!(
                "hall.toml:{line}:{column}: counters[3].services[1].service: no service \"sunday\""
            )
        );
    }

    #[test]
    fn every_validation_issue_is_reported_one_per_line() {
        let text = demo_with("prefix = \"C\"", "prefix = \"A\"");
        let text = text.replacen("department = \"hrss\"", "department = \"labour\"", 1);
        let text = text.replacen(
            "{ service = \"tax\" }",
            "{ service = \"tax\", weight = 0 }",
            1,
        );
        let err = parse_hall(FILE, &text).expect_err("three problems");
        let fields: Vec<_> = err
            .issues()
            .iter()
            .filter_map(|i| i.field.as_deref())
            .collect();
        assert_eq!(
            fields,
            [
                "services[2].prefix",
                "services[3].department",
                "counters[7].services[0].weight",
            ]
        );
        let shown = err.to_string();
        let lines: Vec<_> = shown.lines().collect();
        assert_eq!(lines.len(), 3, "{shown}");
        let department_line = position_of(&text, "department = \"labour\"").0;
        assert!(
            lines[1].starts_with(&format!(
                "hall.toml:{department_line}:1: services[3].department: "
            )),
            "{shown}"
        );
        assert!(err.issues().iter().all(|i| i.line.is_some()), "{shown}");
    }

    #[test]
    fn defaulted_field_falls_back_to_its_table() {
        // Two digits cannot hold the default last number, 999, which the
        // file never mentions: point at the service's `[[services]]` line.
        let text = demo_with("prefix = \"A\"\n", "prefix = \"A\"\nnumber_width = 2\n");
        let issues = invalid(&text);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].field.as_deref(), Some("services[0].last_number"));
        let first_service = text
            .lines()
            .position(|l| l == "[[services]]")
            .map(|i| i + 1);
        assert_eq!(issues[0].line, first_service);
        assert_eq!(issues[0].column, Some(1));
    }

    #[test]
    fn unlocatable_field_is_named_by_path_alone() {
        let doc = DeTable::parse(DEMO_HALL).expect("the demo parses");
        assert_eq!(span_of(&doc, "nowhere.at_all"), None);
        let issue = validation_issue(
            FILE,
            DEMO_HALL,
            Some(&doc),
            ConfigIssue {
                field: "nowhere.at_all".into(),
                message: "is wrong".into(),
            },
        );
        assert_eq!(issue.to_string(), "hall.toml: nowhere.at_all: is wrong");
    }

    #[test]
    fn nested_paths_resolve_to_their_keys() {
        let doc = DeTable::parse(DEMO_HALL).expect("the demo parses");
        let line = |path: &str| span_of(&doc, path).map(|s| line_column(DEMO_HALL, s.start).0);
        assert_eq!(
            line("rules.default_hours.periods[0]"),
            Some(position_of(DEMO_HALL, "periods = [{ open = \"00:00\"").0)
        );
        assert_eq!(
            line("rules.default_hours.weekdays[4]"),
            Some(position_of(DEMO_HALL, "weekdays = [1, 2, 3, 4, 5, 6, 7]").0)
        );
        assert_eq!(
            line("hall.timezone"),
            Some(position_of(DEMO_HALL, "timezone = ").0)
        );
        assert_eq!(
            path_steps("a[1][2].b"),
            Some(vec![
                Step::Key("a"),
                Step::Index(1),
                Step::Index(2),
                Step::Key("b"),
            ])
        );
        assert_eq!(path_steps("a[x]"), None);
        assert_eq!(path_steps("a..b"), None);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "a = 1\nname = \"一楼\" x\n";
        let x = text.find(" x").expect("present") + 1;
        assert_eq!(
            line_column(text, x),
            (2, "name = \"一楼\" ".chars().count() + 1)
        );
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, text.len() + 10), (3, 1));
        // Inside a multi-byte character: counted from its start.
        let inside = text.find('一').expect("present") + 1;
        assert_eq!(line_column(text, inside), (2, 9));
    }

    #[test]
    fn byte_order_mark_is_accepted() {
        let text = format!("\u{feff}{DEMO_HALL}");
        parse_hall(FILE, &text).expect("a BOM from Notepad is fine");
    }

    #[test]
    fn load_reads_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hall.toml");
        std::fs::write(&path, DEMO_HALL).expect("write");
        let hall = load_hall(&path).expect("loads");
        assert_eq!(hall.counters.len(), 10);

        let bad = demo_with("prefix = \"C\"", "prefx = \"C\"");
        std::fs::write(&path, bad).expect("write");
        let err = load_hall(&path).expect_err("typo");
        let shown = err.to_string();
        assert!(shown.starts_with(&path.display().to_string()), "{shown}");
    }

    #[test]
    fn missing_file_names_its_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("no-such-hall.toml");
        let err = load_hall(&path).expect_err("missing");
        assert!(matches!(err, HallFileError::Unreadable { .. }));
        assert!(err.issues().is_empty());
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("{}: cannot read the hall file: ", path.display())),
            "{shown}"
        );
    }

    #[test]
    fn non_utf8_file_says_so_with_its_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hall.toml");
        // 「滨江」 in GBK, as Notepad on a Chinese Windows may save it.
        let mut bytes = b"[hall]\nname_zh = \"".to_vec();
        bytes.extend_from_slice(&[0xB1, 0xF5, 0xBD, 0xAD]);
        bytes.extend_from_slice(b"\"\n");
        std::fs::write(&path, bytes).expect("write");
        let err = load_hall(&path).expect_err("not UTF-8");
        let issue = err.issues().first().expect("one issue").clone();
        assert_eq!((issue.line, issue.column), (Some(2), Some(12)));
        assert!(issue.message.contains("UTF-8"), "{}", issue.message);
    }
}
