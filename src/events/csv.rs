//! CSV in and out: the registrant export (RFC 4180, UTF-8 with a byte-order mark so
//! spreadsheets detect the encoding, CRLF line ends, cells that would start a formula
//! neutralised) and the invitee import, which reports every bad row by its line; one bad row
//! refuses the whole file, so nothing is half imported.

use crate::accounts::model::{check_email, normalise_email, EMAIL_MAX, NAME_MAX, ORGANISATION_MAX};
use crate::web::text::{self, OneLine, TextProblem};
use crate::web::FormErrors;

pub const IMPORT_MAX_ROWS: usize = 5000;

/// Writes rows as CSV text, BOM first.
pub fn write(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(header.iter().map(|h| neutralise(h)))?;
    for row in rows {
        w.write_record(row.iter().map(|c| neutralise(c)))?;
    }
    let body = w.into_inner().map_err(|e| e.into_error())?;
    let mut out = Vec::with_capacity(body.len() + 3);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    out.extend_from_slice(&body);
    Ok(out)
}

/// A cell beginning with = + - @ (or a tab or CR) is run as a formula by spreadsheets;
/// a leading apostrophe keeps it text (OWASP's advice on CSV injection).
fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    pub name: String,
    pub email: String,
    pub organisation: String,
}

/// A refused line of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Import {
    pub good: Vec<Invitee>,
    pub bad: Vec<LineError>,
}

/// Reads an invitee list. The header row names the columns (name, email, organisation, in any
/// order; "e-mail" and "organization" are accepted too). A problem with the file as a whole
/// (not UTF-8, no header, missing columns) is an `Err`; a bad row is reported in `bad`, and the
/// caller then invites nobody.
pub fn parse_invitees(data: &[u8]) -> Result<Import, String> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if std::str::from_utf8(data).is_err() {
        return Err("The file is not UTF-8 text. Save it as \"CSV UTF-8\" and try again.".into());
    }
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err("The file is empty.".into());
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(data);
    let headers = reader.headers().map_err(|e| format!("The header row could not be read: {}", describe(&e)))?.clone();
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.to_lowercase().as_str()));
    let (Some(name_col), Some(email_col), Some(org_col)) = (
        find(&["name", "full name"]),
        find(&["email", "e-mail", "email address", "e-mail address"]),
        find(&["organisation", "organization", "affiliation"]),
    ) else {
        return Err(format!(
            "The first row must name the columns name, email and organisation; it has: {}.",
            headers.iter().collect::<Vec<_>>().join(", ")
        ));
    };
    let mut out = Import::default();
    let mut seen = std::collections::HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| line_at(data, p.byte())).unwrap_or(0);
                out.bad.push(LineError { line, message: describe(&e) });
                // Broken quoting swallows the rest of the file: stop rather than guess.
                if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    continue;
                }
                break;
            }
        };
        let line = record.position().map(|p| line_at(data, p.byte())).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if out.good.len() + out.bad.len() >= IMPORT_MAX_ROWS {
            out.bad.push(LineError { line, message: format!("Only {IMPORT_MAX_ROWS} rows are read per import.") });
            break;
        }
        if record.len() != headers.len() {
            out.bad.push(LineError {
                line,
                message: format!(
                    "This row has {} cells; the header has {}. Check its commas and quotation marks (a quoted cell must end with a quote).",
                    record.len(),
                    headers.len()
                ),
            });
            continue;
        }
        let (name, email, organisation) = (&record[name_col], &record[email_col], &record[org_col]);
        // The same one-line rules as the forms: a name with a line break would end up in a
        // mail header.
        let name = OneLine::required(name, NAME_MAX);
        let organisation = OneLine::parse(organisation, ORGANISATION_MAX);
        let mut e = FormErrors::default();
        check_email(&mut e, "email", email);
        let problem = match (&name, &organisation) {
            (Err(TextProblem::Empty), _) => Some("The name is missing.".to_string()),
            (Err(TextProblem::TooLong { .. }), _) => Some(format!("The name is longer than {NAME_MAX} characters.")),
            (Err(p), _) => Some(format!("The name: {}", p.message())),
            _ if e.get("email").is_some() => {
                let shown = text::flatten(&truncate(email, EMAIL_MAX));
                Some(format!("E-mail \"{shown}\": {}", e.get("email").unwrap_or_default()))
            }
            (_, Err(TextProblem::TooLong { .. })) => {
                Some(format!("The organisation is longer than {ORGANISATION_MAX} characters."))
            }
            (_, Err(p)) => Some(format!("The organisation: {}", p.message())),
            _ if !seen.insert(normalise_email(email)) => {
                Some(format!("{} appears more than once in the file.", normalise_email(email)))
            }
            _ => None,
        };
        match (problem, name, organisation) {
            (None, Ok(name), Ok(organisation)) => out.good.push(Invitee {
                name: name.into_string(),
                email: normalise_email(email),
                organisation: organisation.into_string(),
            }),
            (problem, _, _) => {
                out.bad.push(LineError { line, message: problem.unwrap_or_else(|| "This row is not valid.".into()) })
            }
        }
    }
    Ok(out)
}

/// The 1-based line where a record starts. With CRLF files the csv crate places a record's
/// start on the LF that ends the previous line, so that LF is counted too.
fn line_at(data: &[u8], byte: u64) -> u64 {
    let end = (byte as usize).min(data.len());
    let on_lf = data.get(end) == Some(&b'\n');
    (data[..end].iter().filter(|b| **b == b'\n').count() + usize::from(on_lf)) as u64 + 1
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn describe(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "This row is not valid UTF-8 text.".into(),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("This row has {len} cells; the header has {expected_len}.")
        }
        _ => "This row could not be read; check its quotation marks (a quoted cell must end with a quote).".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_is_excel_friendly_and_safe() {
        let out = write(
            &["Name".into(), "Answer".into()],
            &[vec!["Zoë, \"Z\"".into(), "=HYPERLINK(\"x\")".into()], vec!["Multi\nline".into(), "-3".into()]],
        )
        .expect("csv");
        let text = String::from_utf8(out).expect("utf8");
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("\"Zoë, \"\"Z\"\"\",\"'=HYPERLINK(\"\"x\"\")\"\r\n"), "{text:?}");
        assert!(text.contains("\"Multi\nline\",'-3\r\n"), "{text:?}");
    }

    #[test]
    fn import_reports_bad_rows_by_line_and_keeps_good_ones() {
        let data = "\u{feff}Email,Name,Organisation\r\nada@uni.example.org,Ada Lovelace,Uni\r\nnot-an-email,Bob,X\r\n,,\r\nADA@uni.example.org,Ada again,Uni\r\ncarl@pharma.example.com,,Pharma\r\ndora@sme.example.com,Dora,\"SME, Ltd\"\r\n";
        let imp = parse_invitees(data.as_bytes()).expect("parsed");
        assert_eq!(imp.good.len(), 2);
        assert_eq!(imp.good[1].organisation, "SME, Ltd");
        let lines: Vec<u64> = imp.bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![3, 5, 6], "{:?}", imp.bad);
    }

    #[test]
    fn line_numbers_count_from_the_header_line() {
        for nl in ["\n", "\r\n"] {
            let data = format!("name,email,organisation{nl}A,a@x.example.org,X{nl}B,bad,Y{nl}");
            let imp = parse_invitees(data.as_bytes()).expect("parsed");
            assert_eq!(imp.bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![3], "{nl:?}");
        }
    }

    #[test]
    fn import_refuses_wrong_columns_and_reports_broken_quoting() {
        assert!(parse_invitees(b"first,last\nA,B\n").unwrap_err().contains("name, email and organisation"));
        assert!(parse_invitees(b"").is_err());
        assert!(parse_invitees(b"name,email,organisation\n\xff\xfe,x,y\n").is_err());
        let imp = parse_invitees(b"name,email,organisation\nAda,ada@uni.example.org,Uni\n\"Bob,bob@x.example.org,Y\nCarl,carl@x.example.org,Z\n")
            .expect("parsed");
        assert_eq!(imp.good.len(), 1);
        assert!(!imp.bad.is_empty(), "{imp:?}");
    }
}
