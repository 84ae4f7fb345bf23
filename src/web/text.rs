//! The two kinds of free text a person types, each one validated type used wherever text enters
//! (forms, CSV imports, query strings that are stored): parse, don't validate.
//!
//! - [`OneLine`]: a name, title, organisation, subject, room, track, topic, venue, label… It ends
//!   up in mail headers, iCalendar properties, CSV cells and page titles, so it is trimmed,
//!   length-limited and refuses every control character (TAB, CR, LF, VT, FF, NUL, ESC, NEL),
//!   the Unicode line and paragraph separators, and the bidirectional overrides and isolates
//!   that make text read differently from what it is.
//! - [`MultiLine`]: a description, abstract, bio, message. Line ends are normalised to LF; LF and
//!   TAB are its only control characters; the same separators and bidi controls are refused.
//!
//! Writers still escape at the edge (mail headers, iCalendar, CSV): rows stored before these
//! rules, or written by other software, must not break an output either.

use std::fmt;

use super::FormErrors;

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    TooLong {
        max: usize,
    },
    /// A line break in a one-line field.
    LineBreak,
    /// A control or invisible formatting character.
    Control(char),
}

impl TextProblem {
    /// The sentence shown beside the field.
    pub fn message(self) -> String {
        match self {
            TextProblem::Empty => "Please fill this in.".into(),
            TextProblem::TooLong { max } => format!("Please keep this under {max} characters."),
            TextProblem::LineBreak => "Please keep this on one line: line breaks are not allowed here.".into(),
            TextProblem::Control(c) => format!(
                "This contains an invisible control character (U+{:04X}) that is not allowed; please retype it{}.",
                c as u32,
                if c == '\t' { " without tabs" } else { "" }
            ),
        }
    }
}

impl fmt::Display for TextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Characters no text may hold, one-line or not: the Unicode line/paragraph separators (mail
/// and calendar software treat them as line ends) and the bidi embeddings, overrides and
/// isolates (they make a name or a file name display as something else).
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// The first character a one-line text may not hold.
pub fn one_line_problem(s: &str) -> Option<TextProblem> {
    s.chars().find_map(|c| {
        if is_line_break(c) {
            Some(TextProblem::LineBreak)
        } else if c.is_control() || is_invisible_format(c) {
            Some(TextProblem::Control(c))
        } else {
            None
        }
    })
}

/// The first character a multi-line text (after normalising line ends) may not hold.
pub fn multi_line_problem(s: &str) -> Option<TextProblem> {
    s.chars().find(|&c| (c.is_control() && c != '\n' && c != '\t') || is_invisible_format(c)).map(TextProblem::Control)
}

/// A trimmed single line of text, at most `max` characters, without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OneLine(String);

impl OneLine {
    /// Trims `raw` and checks it; an empty result is allowed (see [`OneLine::required`]).
    pub fn parse(raw: &str, max: usize) -> Result<OneLine, TextProblem> {
        let s = raw.trim();
        if let Some(p) = one_line_problem(s) {
            return Err(p);
        }
        if s.chars().count() > max {
            return Err(TextProblem::TooLong { max });
        }
        Ok(OneLine(s.to_string()))
    }

    /// As [`OneLine::parse`], refusing an empty value.
    pub fn required(raw: &str, max: usize) -> Result<OneLine, TextProblem> {
        let v = Self::parse(raw, max)?;
        if v.0.is_empty() {
            return Err(TextProblem::Empty);
        }
        Ok(v)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Trimmed text of several lines (LF line ends), at most `max` characters, whose only control
/// characters are LF and TAB.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiLine(String);

impl MultiLine {
    pub fn parse(raw: &str, max: usize) -> Result<MultiLine, TextProblem> {
        let s = raw.trim().replace("\r\n", "\n").replace('\r', "\n");
        if let Some(p) = multi_line_problem(&s) {
            return Err(p);
        }
        if s.chars().count() > max {
            return Err(TextProblem::TooLong { max });
        }
        Ok(MultiLine(s))
    }

    pub fn required(raw: &str, max: usize) -> Result<MultiLine, TextProblem> {
        let v = Self::parse(raw, max)?;
        if v.0.is_empty() {
            return Err(TextProblem::Empty);
        }
        Ok(v)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

// ---------- form helpers: the checked text, or a message beside `field` ----------

/// An optional one-line field: the cleaned text, or the input with a message added to `e`.
pub fn line(e: &mut FormErrors, field: &str, raw: &str, max: usize) -> String {
    checked(e, field, raw, OneLine::parse(raw, max).map(OneLine::into_string), "")
}

/// A required one-line field; `missing` is the message when it is empty.
pub fn required_line(e: &mut FormErrors, field: &str, raw: &str, max: usize, missing: &str) -> String {
    checked(e, field, raw, OneLine::required(raw, max).map(OneLine::into_string), missing)
}

/// An optional multi-line field.
pub fn lines(e: &mut FormErrors, field: &str, raw: &str, max: usize) -> String {
    checked(e, field, raw, MultiLine::parse(raw, max).map(MultiLine::into_string), "")
}

/// A required multi-line field.
pub fn required_lines(e: &mut FormErrors, field: &str, raw: &str, max: usize, missing: &str) -> String {
    checked(e, field, raw, MultiLine::required(raw, max).map(MultiLine::into_string), missing)
}

/// The parsed text, or (with its message added to `e`) the input as typed, so the form shows
/// it again; `missing` is the message for an empty required field.
fn checked(e: &mut FormErrors, field: &str, raw: &str, parsed: Result<String, TextProblem>, missing: &str) -> String {
    match parsed {
        Ok(v) => v,
        Err(TextProblem::Empty) => {
            e.add(field, missing);
            String::new()
        }
        Err(p) => {
            e.add(field, p.message());
            raw.trim().to_string()
        }
    }
}

/// A one-line value for output where refusing is no longer possible (old rows, other software):
/// every control or invisible formatting character becomes a space.
pub fn flatten(s: &str) -> String {
    s.chars().map(|c| if c.is_control() || is_invisible_format(c) { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: &[char] = &[
        '\0', '\t', '\r', '\n', '\u{0B}', '\u{0C}', '\u{1B}', '\u{7F}', '\u{85}', '\u{9B}', '\u{2028}', '\u{2029}',
        '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}',
    ];

    #[test]
    fn one_line_trims_and_refuses_every_control_and_bidi_character_inside() {
        assert_eq!(OneLine::parse("  Zoë Müller-Łukasiewicz ", 100).expect("ok").as_str(), "Zoë Müller-Łukasiewicz");
        assert_eq!(OneLine::parse(" \r\n", 10).expect("blank is allowed").as_str(), "");
        for &c in NASTY {
            let s = format!("Evil{c}Bcc: victim@x.org");
            let p = OneLine::parse(&s, 100).expect_err(&format!("{c:?} accepted"));
            assert!(matches!(p, TextProblem::LineBreak | TextProblem::Control(_)), "{c:?}: {p:?}");
            assert!(!p.message().is_empty());
        }
        assert_eq!(OneLine::parse("Evil\r\nBcc: x", 100), Err(TextProblem::LineBreak));
        assert_eq!(OneLine::parse("a\tb", 100), Err(TextProblem::Control('\t')));
        // Right-to-left scripts and marks that do not override are fine.
        assert!(OneLine::parse("جامعة القاهرة \u{200F}", 100).is_ok());
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(OneLine::parse(&"é".repeat(10), 10).is_ok());
        assert_eq!(OneLine::parse(&"é".repeat(11), 10), Err(TextProblem::TooLong { max: 10 }));
        assert_eq!(OneLine::required("   ", 10), Err(TextProblem::Empty));
        assert_eq!(MultiLine::required("\n\n", 10), Err(TextProblem::Empty));
    }

    #[test]
    fn multi_line_normalises_line_ends_and_keeps_only_lf_and_tab() {
        let v = MultiLine::parse(" One\r\nTwo\rThree\n\tindented ", 100).expect("ok");
        assert_eq!(v.as_str(), "One\nTwo\nThree\n\tindented");
        for &c in NASTY.iter().filter(|c| !matches!(c, '\t' | '\r' | '\n')) {
            assert!(MultiLine::parse(&format!("a{c}b"), 100).is_err(), "{c:?} accepted");
        }
    }

    #[test]
    fn form_helpers_keep_the_input_and_add_one_message_per_field() {
        let mut e = FormErrors::default();
        assert_eq!(line(&mut e, "title", " ok ", 10), "ok");
        assert!(e.is_empty());
        assert_eq!(required_line(&mut e, "name", "", 10, "Please enter your name."), "");
        assert_eq!(e.get("name"), Some("Please enter your name."));
        let kept = line(&mut e, "org", "A\nB", 10);
        assert_eq!(kept, "A\nB");
        assert!(e.get("org").expect("message").contains("one line"));
        assert_eq!(lines(&mut e, "bio", "a\r\nb", 10), "a\nb");
        assert!(!e.has("bio"));
        required_lines(&mut e, "body", "x\u{1b}[31m", 100, "Please write the message.");
        assert!(e.get("body").expect("message").contains("U+001B"));
    }

    #[test]
    fn flatten_makes_any_stored_text_one_safe_line() {
        assert_eq!(flatten("Evil\r\nX-Injected: 1\u{2028}\u{202e}"), "Evil  X-Injected: 1  ");
    }
}
