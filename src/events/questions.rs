//! Custom registration questions: their kinds, the organiser's form, and checking a
//! registrant's answers against them.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::registration_questions as rq;
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::web::form::FormData;
use crate::web::text;
use crate::web::FormErrors;

pub const KINDS: &[(&str, &str)] = &[
    ("short_text", "Short text"),
    ("long_text", "Long text"),
    ("single_choice", "Single choice"),
    ("multiple_choice", "Multiple choice"),
    ("checkbox", "Checkbox (yes/no)"),
];

pub const LABEL_MAX: usize = 300;
pub const HELP_MAX: usize = 500;
pub const OPTION_MAX: usize = 200;
pub const OPTIONS_MAX: usize = 50;
pub const SHORT_ANSWER_MAX: usize = 300;
pub const LONG_ANSWER_MAX: usize = 4000;
pub const QUESTIONS_MAX: i64 = 50;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = rq)]
pub struct Question {
    pub id: i64,
    pub event_id: i64,
    pub position: i32,
    pub kind: String,
    pub label: String,
    pub help: String,
    pub options: String,
    pub required: bool,
    #[serde(skip)]
    pub created_at: chrono::NaiveDateTime,
}

impl Question {
    pub fn field(&self) -> String {
        format!("q_{}", self.id)
    }
    pub fn choices(&self) -> Vec<&str> {
        self.options.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
    }
    pub fn kind_label(&self) -> &'static str {
        KINDS.iter().find(|(k, _)| *k == self.kind).map(|(_, l)| *l).unwrap_or("")
    }
    pub fn has_choices(&self) -> bool {
        matches!(self.kind.as_str(), "single_choice" | "multiple_choice")
    }
}

pub fn for_event(conn: &mut DbConn, event_id: i64) -> Result<Vec<Question>, AppError> {
    Ok(rq::table
        .filter(rq::event_id.eq(event_id))
        .order((rq::position, rq::id))
        .select(Question::as_select())
        .load(conn)?)
}

/// The organiser's question form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct QuestionForm {
    pub kind: String,
    pub label: String,
    pub help: String,
    pub options: String,
    pub required: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuestionInput {
    pub kind: String,
    pub label: String,
    pub help: String,
    pub options: String,
    pub required: bool,
}

impl QuestionForm {
    pub fn from_question(q: &Question) -> Self {
        QuestionForm {
            kind: q.kind.clone(),
            label: q.label.clone(),
            help: q.help.clone(),
            options: q.options.clone(),
            required: if q.required { "on".into() } else { String::new() },
        }
    }

    pub fn validate(&self) -> Result<QuestionInput, FormErrors> {
        let mut e = FormErrors::default();
        let kind = self.kind.trim().to_string();
        if !KINDS.iter().any(|(k, _)| *k == kind) {
            e.add("kind", "Please choose a kind of question.");
        }
        let label = text::required_line(&mut e, "label", &self.label, LABEL_MAX, "Please write the question.");
        let help = text::line(&mut e, "help", &self.help, HELP_MAX);
        // Each choice is one line of the field; a choice is a one-line text like the label.
        let needs_choices = matches!(kind.as_str(), "single_choice" | "multiple_choice");
        let options_text = if needs_choices {
            text::lines(&mut e, "options", &self.options, OPTIONS_MAX * (OPTION_MAX + 1) * 2)
        } else {
            String::new()
        };
        let choices: Vec<&str> = options_text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if needs_choices {
            if choices.len() < 2 {
                e.add("options", "Give at least two choices, one per line.");
            } else if choices.len() > OPTIONS_MAX {
                e.add("options", format!("At most {OPTIONS_MAX} choices."));
            } else if choices.iter().any(|c| c.chars().count() > OPTION_MAX) {
                e.add("options", format!("Keep each choice under {OPTION_MAX} characters."));
            } else if let Some(p) = choices.iter().find_map(|c| text::one_line_problem(c)) {
                e.add("options", p.message());
            } else {
                let mut seen = std::collections::HashSet::new();
                if !choices.iter().all(|c| seen.insert(c.to_lowercase())) {
                    e.add("options", "Each choice must be different.");
                }
            }
        }
        let options = if needs_choices { choices.join("\n") } else { String::new() };
        e.into_result(QuestionInput { kind, label, help, options, required: !self.required.is_empty() })
    }
}

pub fn add(conn: &mut DbConn, event_id: i64, q: &QuestionInput) -> Result<i64, AppError> {
    let position: Option<i32> =
        rq::table.filter(rq::event_id.eq(event_id)).select(diesel::dsl::max(rq::position)).first(conn)?;
    Ok(diesel::insert_into(rq::table)
        .values((
            rq::event_id.eq(event_id),
            rq::position.eq(position.unwrap_or(0) + 1),
            rq::kind.eq(&q.kind),
            rq::label.eq(&q.label),
            rq::help.eq(&q.help),
            rq::options.eq(&q.options),
            rq::required.eq(q.required),
            rq::created_at.eq(now()),
        ))
        .returning(rq::id)
        .get_result(conn)?)
}

pub fn update(conn: &mut DbConn, event_id: i64, id: i64, actor: i64, q: &QuestionInput) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |c| {
        let n = diesel::update(rq::table.find(id).filter(rq::event_id.eq(event_id)))
            .set((
                rq::kind.eq(&q.kind),
                rq::label.eq(&q.label),
                rq::help.eq(&q.help),
                rq::options.eq(&q.options),
                rq::required.eq(q.required),
            ))
            .execute(c)?;
        if n == 0 {
            return Err(AppError::NotFound);
        }
        crate::audit::record_event(c, Some(actor), event_id, "question.updated", &q.label)
    })
}

/// Deletes a question and the answers given to it.
pub fn delete(conn: &mut DbConn, event_id: i64, id: i64, actor: i64) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |c| {
        let label: String = rq::table
            .find(id)
            .filter(rq::event_id.eq(event_id))
            .select(rq::label)
            .first(c)
            .optional()?
            .ok_or(AppError::NotFound)?;
        use crate::db::schema::registration_answers as ra;
        diesel::delete(ra::table.filter(ra::question_id.eq(id))).execute(c)?;
        diesel::delete(rq::table.find(id)).execute(c)?;
        crate::audit::record_event(c, Some(actor), event_id, "question.deleted", &label)
    })
}

/// Swaps a question with its neighbour above (`up`) or below.
pub fn shift(conn: &mut DbConn, event_id: i64, id: i64, up: bool) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |c| {
        let list = for_event(c, event_id)?;
        let i = list.iter().position(|q| q.id == id).ok_or(AppError::NotFound)?;
        let j = if up { i.checked_sub(1) } else { Some(i + 1).filter(|j| *j < list.len()) };
        let Some(j) = j else { return Ok(()) };
        // Renumber all so equal positions cannot make the swap a no-op.
        let mut order: Vec<i64> = list.iter().map(|q| q.id).collect();
        order.swap(i, j);
        for (pos, qid) in order.iter().enumerate() {
            diesel::update(rq::table.find(qid)).set(rq::position.eq(pos as i32 + 1)).execute(c)?;
        }
        Ok(())
    })
}

pub fn count(conn: &mut DbConn, event_id: i64) -> Result<i64, AppError> {
    Ok(rq::table.filter(rq::event_id.eq(event_id)).count().get_result(conn)?)
}

/// A registrant's answers: (question id, stored value). Unanswered optional questions are left out.
pub type Answers = Vec<(i64, String)>;

/// Checks the answers sent in `form` (fields `q_<id>`) against `questions`.
pub fn read_answers(questions: &[Question], form: &FormData) -> Result<Answers, FormErrors> {
    let mut e = FormErrors::default();
    let mut out = Vec::new();
    for q in questions {
        let field = q.field();
        let value = match q.kind.as_str() {
            "short_text" | "long_text" => {
                let max = if q.kind == "short_text" { SHORT_ANSWER_MAX } else { LONG_ANSWER_MAX };
                let raw = form.get(&field);
                if q.kind == "short_text" {
                    text::line(&mut e, &field, raw, max)
                } else {
                    text::lines(&mut e, &field, raw, max)
                }
            }
            "single_choice" => {
                let v = form.get(&field).trim();
                if !v.is_empty() && !q.choices().contains(&v) {
                    e.add(&field, "Please choose one of the options.");
                }
                v.to_string()
            }
            "multiple_choice" => {
                let chosen: Vec<&str> = form.all(&field).into_iter().map(str::trim).filter(|v| !v.is_empty()).collect();
                let choices = q.choices();
                if chosen.iter().any(|c| !choices.contains(c)) {
                    e.add(&field, "Please choose among the options shown.");
                }
                // Stored in the order of the options, without repeats.
                choices.into_iter().filter(|c| chosen.contains(c)).collect::<Vec<_>>().join("\n")
            }
            _ => {
                if form.has(&field) {
                    "yes".into()
                } else {
                    String::new()
                }
            }
        };
        if value.is_empty() {
            if q.required {
                let msg = if q.kind == "checkbox" {
                    "Please tick this box to continue."
                } else {
                    "Please answer this question."
                };
                e.add(&field, msg);
            }
            continue;
        }
        out.push((q.id, value));
    }
    e.into_result(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: i64, kind: &str, options: &str, required: bool) -> Question {
        Question {
            id,
            event_id: 1,
            position: id as i32,
            kind: kind.into(),
            label: format!("Question {id}"),
            help: String::new(),
            options: options.into(),
            required,
            created_at: chrono::NaiveDateTime::default(),
        }
    }

    #[test]
    fn answers_are_checked_per_kind() {
        let qs = vec![
            q(1, "short_text", "", true),
            q(2, "long_text", "", false),
            q(3, "single_choice", "Lunch\nNo lunch", true),
            q(4, "multiple_choice", "Oncology\nVaccines\nAMR", false),
            q(5, "checkbox", "", true),
        ];
        let ok = FormData::parse(b"q_1=Ada&q_3=Lunch&q_4=AMR&q_4=Oncology&q_5=on");
        let a = read_answers(&qs, &ok).expect("valid");
        assert_eq!(a, vec![(1, "Ada".into()), (3, "Lunch".into()), (4, "Oncology\nAMR".into()), (5, "yes".into())]);

        let bad = FormData::parse(b"q_1=&q_3=Dinner&q_4=Mining");
        let e = read_answers(&qs, &bad).unwrap_err();
        for f in ["q_1", "q_3", "q_4", "q_5"] {
            assert!(e.has(f), "{f}");
        }
        let long = format!("q_1={}&q_3=Lunch&q_5=on", "x".repeat(SHORT_ANSWER_MAX + 1));
        assert!(read_answers(&qs, &FormData::parse(long.as_bytes())).unwrap_err().has("q_1"));
    }

    #[test]
    fn question_form_needs_choices_for_choice_kinds() {
        let f = QuestionForm {
            kind: "single_choice".into(),
            label: "Diet?".into(),
            options: "Vegan\n".into(),
            ..Default::default()
        };
        assert!(f.validate().unwrap_err().has("options"));
        let f = QuestionForm {
            kind: "single_choice".into(),
            label: "Diet?".into(),
            options: " Vegan \r\n\r\nAny".into(),
            required: "on".into(),
            ..Default::default()
        };
        let v = f.validate().expect("valid");
        assert_eq!(v.options, "Vegan\nAny");
        assert!(v.required);
        let f = QuestionForm { kind: "essay".into(), label: "".into(), ..Default::default() };
        let e = f.validate().unwrap_err();
        assert!(e.has("kind") && e.has("label"));
    }
}
