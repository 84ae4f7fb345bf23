//! Project ideas, their roles and applications: the rows, the forms with their validation, and
//! the eligibility checklist in words. Pure: no database, no web.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::accounts::model::{country_name, sector_label, SECTORS};
use crate::db::schema::{idea_applications, idea_roles, ideas};
use crate::matchmaking::engine::eligibility::{Check, Rule, Rules, SectorNeed, ASSOCIATED_COUNTRIES, EU_MEMBER_STATES};
use crate::matchmaking::model::{topic_by_name, Topic};
use crate::web::form::FormData;
use crate::web::text;
use crate::web::FormErrors;

pub const TITLE_MAX: usize = 200;
pub const SUMMARY_MAX: usize = 4000;
pub const CALL_TEXT_MAX: usize = 300;
pub const CALL_ID_MAX: usize = 60;
pub const ROLE_MAX: usize = 300;
pub const MESSAGE_MAX: usize = 2000;
/// Most roles one idea has.
pub const MAX_ROLES: usize = 12;
/// Most ideas one person posts at one event.
pub const MAX_IDEAS_PER_PERSON: i64 = 20;
/// Most topics one role asks for.
pub const MAX_ROLE_TOPICS: usize = 8;
/// Empty role rows a new idea's form starts with.
pub const NEW_ROLE_ROWS: usize = 3;
/// Rows of sector needs on the organiser's eligibility form.
pub const NEED_ROWS: usize = 4;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ideas)]
pub struct Idea {
    pub id: i64,
    pub event_id: i64,
    pub author_id: i64,
    pub title: String,
    pub summary: String,
    pub call_text: String,
    pub call_id: String,
    pub listed: bool,
    pub status: String,
    pub hidden: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Idea {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
    /// The call in one line: "HORIZON-… · free text", whichever parts there are.
    pub fn call_line(&self) -> String {
        match (self.call_id.is_empty(), self.call_text.is_empty()) {
            (false, false) => format!("{} · {}", self.call_id, self.call_text),
            (false, true) => self.call_id.clone(),
            (true, false) => self.call_text.clone(),
            (true, true) => String::new(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idea_roles)]
pub struct Role {
    pub id: i64,
    pub idea_id: i64,
    pub position: i32,
    pub description: String,
    pub sectors: String,
    pub countries: String,
}

impl Role {
    pub fn sector_list(&self) -> Vec<String> {
        self.sectors.split_whitespace().map(str::to_string).collect()
    }
    pub fn country_list(&self) -> Vec<String> {
        self.countries.split_whitespace().map(str::to_string).collect()
    }
    /// "Pharmaceutical company or Biotech / SME", or "" for any sector.
    pub fn sectors_words(&self) -> String {
        self.sectors.split_whitespace().map(sector_label).collect::<Vec<_>>().join(" or ")
    }
    /// "Belgium, Netherlands", or "" for any country.
    pub fn countries_words(&self) -> String {
        self.countries.split_whitespace().map(|c| country_name(c).to_string()).collect::<Vec<_>>().join(", ")
    }
    /// Whether a person of `sector` and `country` meets the role's hard constraints.
    pub fn admits(&self, sector: &str, country: &str) -> bool {
        let sectors = self.sector_list();
        let countries = self.country_list();
        (sectors.is_empty() || sectors.iter().any(|s| s == sector))
            && (countries.is_empty() || countries.iter().any(|c| c == country))
    }
    /// Why a person of `sector` and `country` may not take the role, in words.
    pub fn refusal(&self, sector: &str, country: &str) -> Option<String> {
        let sectors = self.sector_list();
        if !sectors.is_empty() && !sectors.iter().any(|s| s == sector) {
            return Some(format!(
                "This role is for a partner from {}; your profile gives {}.",
                self.sectors_words(),
                if sector.is_empty() { "no sector".into() } else { sector_label(sector).to_string() }
            ));
        }
        let countries = self.country_list();
        if !countries.is_empty() && !countries.iter().any(|c| c == country) {
            return Some(format!(
                "This role is for a partner from {}; your profile gives {}.",
                self.countries_words(),
                if country.is_empty() { "no country".into() } else { country_name(country).to_string() }
            ));
        }
        None
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idea_applications)]
pub struct Application {
    pub id: i64,
    pub idea_id: i64,
    pub role_id: i64,
    pub user_id: i64,
    pub message: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

impl Application {
    pub fn is_pending(&self) -> bool {
        self.status == "pending"
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "pending" => "Waiting for the coordinator",
            "accepted" => "Accepted",
            "declined" => "Declined",
            "withdrawn" => "Withdrawn",
            _ => "",
        }
    }
}

// ---------- the idea form ----------

/// One role row of the form, as typed.
#[derive(Debug, Clone, Default)]
pub struct RoleRow {
    /// The stored role's id, or "" for a new row.
    pub id: String,
    pub description: String,
    /// Topic names, comma-separated.
    pub topics: String,
    pub sectors: Vec<String>,
    /// Country codes, separated by commas or spaces.
    pub countries: String,
    /// Someone holds the role: it cannot be removed.
    pub filled: bool,
}

impl RoleRow {
    pub fn wants(&self, sector: &str) -> bool {
        self.sectors.iter().any(|s| s == sector)
    }
}

/// The idea form as typed.
#[derive(Debug, Clone, Default)]
pub struct IdeaForm {
    pub title: String,
    pub summary: String,
    pub call_text: String,
    pub call_id: String,
    pub listed: bool,
    pub roles: Vec<RoleRow>,
}

/// A checked role: `id` is the stored role a row edits.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleInput {
    pub id: Option<i64>,
    pub description: String,
    pub topics: Vec<i64>,
    pub sectors: Vec<String>,
    pub countries: Vec<String>,
}

/// A checked idea. Stored roles whose row was emptied are not in `roles`: they are removed.
#[derive(Debug, Clone, PartialEq)]
pub struct IdeaInput {
    pub title: String,
    pub summary: String,
    pub call_text: String,
    pub call_id: String,
    pub listed: bool,
    pub roles: Vec<RoleInput>,
}

/// The field name of row `i`'s `part` ("role2_description").
pub fn role_field(i: usize, part: &str) -> String {
    format!("role{i}_{part}")
}

impl IdeaForm {
    pub fn from_form(f: &FormData) -> IdeaForm {
        let rows = f.get("rows").trim().parse::<usize>().unwrap_or(NEW_ROLE_ROWS).min(MAX_ROLES + 1);
        let roles = (0..rows)
            .map(|i| RoleRow {
                id: f.get(&role_field(i, "id")).trim().to_string(),
                description: f.get(&role_field(i, "description")).to_string(),
                topics: f.get(&role_field(i, "topics")).to_string(),
                sectors: f.all(&role_field(i, "sectors")).into_iter().map(str::to_string).collect(),
                countries: f.get(&role_field(i, "countries")).to_string(),
                filled: false,
            })
            .collect();
        IdeaForm {
            title: f.get("title").to_string(),
            summary: f.get("summary").to_string(),
            call_text: f.get("call_text").to_string(),
            call_id: f.get("call_id").to_string(),
            listed: f.get("listed") == "on",
            roles,
        }
    }

    /// Checks every field against the event's `topics`; `stored` are the ids of the idea's
    /// roles (a row may only edit one of them) and `filled` those somebody holds.
    pub fn validate(&self, topics: &[Topic], stored: &[i64], filled: &[i64]) -> Result<IdeaInput, FormErrors> {
        let mut e = FormErrors::default();
        let title = text::required_line(&mut e, "title", &self.title, TITLE_MAX, "Please give the idea a title.");
        let summary = text::lines(&mut e, "summary", &self.summary, SUMMARY_MAX);
        let call_text = text::line(&mut e, "call_text", &self.call_text, CALL_TEXT_MAX);
        let call_id = match parse_call_id(&self.call_id) {
            Ok(id) => id,
            Err(msg) => {
                e.add("call_id", msg);
                String::new()
            }
        };
        let mut roles = Vec::new();
        for (i, row) in self.roles.iter().enumerate() {
            let id = match row.id.as_str() {
                "" => None,
                raw => match raw.parse::<i64>().ok().filter(|id| stored.contains(id)) {
                    Some(id) => Some(id),
                    None => {
                        e.add(
                            &role_field(i, "description"),
                            "This role is no longer part of the idea; reload the page.",
                        );
                        continue;
                    }
                },
            };
            let description = text::line(&mut e, &role_field(i, "description"), &row.description, ROLE_MAX);
            if description.is_empty() {
                let typed_more =
                    !row.topics.trim().is_empty() || !row.sectors.is_empty() || !row.countries.trim().is_empty();
                if id.is_some_and(|id| filled.contains(&id)) {
                    e.add(
                        &role_field(i, "description"),
                        "Somebody holds this role: it cannot be removed while they do.",
                    );
                } else if typed_more {
                    e.add(&role_field(i, "description"), "Please describe the role, or clear the whole row.");
                }
                // An empty row adds nothing; an emptied stored row removes its role.
                continue;
            }
            let topics = role_topics(&mut e, &role_field(i, "topics"), &row.topics, topics);
            let mut sectors: Vec<String> = Vec::new();
            for s in &row.sectors {
                if !SECTORS.iter().any(|(c, _)| c == s) {
                    e.add(&role_field(i, "sectors"), "Please choose sectors from the list.");
                } else if !sectors.contains(s) {
                    sectors.push(s.clone());
                }
            }
            let countries = match parse_countries(&row.countries) {
                Ok(c) => c,
                Err(msg) => {
                    e.add(&role_field(i, "countries"), msg);
                    Vec::new()
                }
            };
            roles.push(RoleInput { id, description, topics, sectors, countries });
        }
        if roles.len() > MAX_ROLES {
            e.add("roles", format!("An idea has at most {MAX_ROLES} roles."));
        }
        e.into_result(IdeaInput { title, summary, call_text, call_id, listed: self.listed, roles })
    }
}

/// A call identifier such as `HORIZON-JU-IHI-2027-10-01`: letters and digits in at least two
/// parts joined by hyphens (upper-cased); empty is allowed.
pub fn parse_call_id(raw: &str) -> Result<String, String> {
    let s = raw.trim().to_uppercase();
    if s.is_empty() {
        return Ok(s);
    }
    let parts: Vec<&str> = s.split('-').collect();
    let ok = s.chars().count() <= CALL_ID_MAX
        && parts.len() >= 2
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if ok {
        Ok(s)
    } else {
        Err(format!(
            "A call identifier is letters and digits in parts joined by hyphens, such as HORIZON-JU-IHI-2027-10-01 (at most {CALL_ID_MAX} characters). Leave it empty if the call has none."
        ))
    }
}

/// Country codes typed as "BE, nl  DE": known ISO alpha-2 codes, upper-cased, each once.
pub fn parse_countries(raw: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    for code in raw.split(|c: char| c == ',' || c.is_whitespace()).filter(|c| !c.is_empty()) {
        let code = code.to_uppercase();
        // Kosovo (XK) is associated to Horizon Europe but has no ISO 3166 code of its own.
        let known = !country_name(&code).is_empty() || ASSOCIATED_COUNTRIES.contains(&code.as_str());
        if code.chars().count() != 2 || !known {
            unknown.push(code.chars().take(12).collect::<String>());
        } else if !out.contains(&code) {
            out.push(code);
        }
    }
    if !unknown.is_empty() {
        return Err(format!(
            "Not a known two-letter country code: {}. Use codes such as BE, DE or NL.",
            unknown.join(", ")
        ));
    }
    if out.len() > 60 {
        return Err("Please name at most 60 countries.".into());
    }
    Ok(out)
}

/// The topics named in `raw` (comma-separated names of the event's topics).
fn role_topics(e: &mut FormErrors, field: &str, raw: &str, topics: &[Topic]) -> Vec<i64> {
    if let Some(p) = text::one_line_problem(raw) {
        e.add(field, p.message());
        return Vec::new();
    }
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match topic_by_name(topics, name) {
            Some(t) if !ids.contains(&t.id) => ids.push(t.id),
            Some(_) => {}
            None => unknown.push(name.chars().take(60).collect::<String>()),
        }
    }
    if !unknown.is_empty() {
        e.add(
            field,
            format!(
                "No topic of this event is called {}: pick names from the event's topic list, separated by commas.",
                unknown.iter().map(|u| format!("\u{201c}{u}\u{201d}")).collect::<Vec<_>>().join(", ")
            ),
        );
    } else if ids.len() > MAX_ROLE_TOPICS {
        e.add(field, format!("Please name at most {MAX_ROLE_TOPICS} topics for one role."));
    }
    ids
}

/// A role row for the form from what is stored.
pub fn row_of(role: &Role, topics: &[Topic], topic_ids: &[i64], filled: bool) -> RoleRow {
    RoleRow {
        id: role.id.to_string(),
        description: role.description.clone(),
        topics: topic_ids
            .iter()
            .filter_map(|id| topics.iter().find(|t| t.id == *id))
            .map(|t| t.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
        sectors: role.sector_list(),
        countries: role.countries.split_whitespace().collect::<Vec<_>>().join(", "),
        filled,
    }
}

/// The application message, checked.
pub fn check_message(e: &mut FormErrors, raw: &str) -> String {
    text::lines(e, "message", raw, MESSAGE_MAX)
}

// ---------- eligibility in words ----------

/// One line of the checklist: whether the rule holds, and the sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    pub ok: bool,
    pub text: String,
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Where the countries that count come from, in words.
pub fn countries_words(rules: &Rules) -> String {
    if rules.eligible_countries.is_empty() {
        String::new()
    } else if is_default_country_list(&rules.eligible_countries) {
        " from EU member states or associated countries".into()
    } else {
        " from the call's eligible countries".into()
    }
}

pub fn is_default_country_list(list: &[String]) -> bool {
    let mut a: Vec<&str> = list.iter().map(String::as_str).collect();
    let mut b: Vec<&str> = EU_MEMBER_STATES.iter().chain(ASSOCIATED_COUNTRIES).copied().collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// The checks as sentences: "✓ 3 independent legal entities", "✗ 2 of 3 countries … : add …".
pub fn checklist(rules: &Rules, checks: &[Check]) -> Vec<CheckLine> {
    checks
        .iter()
        .map(|c| {
            let ok = c.holds();
            let text = match &c.rule {
                Rule::Entities if ok => {
                    format!("\u{2713} {}", plural(c.have, "independent legal entity", "independent legal entities"))
                }
                Rule::Entities => format!(
                    "\u{2717} {} of {} independent legal entities: add a partner from another organisation",
                    c.have, c.need
                ),
                Rule::Countries if ok => {
                    format!("\u{2713} {}{}", plural(c.have, "country", "countries"), countries_words(rules))
                }
                Rule::Countries => format!(
                    "\u{2717} {} of {} countries{}: add a partner from another country",
                    c.have,
                    c.need,
                    countries_words(rules)
                ),
                Rule::Sector { label, .. } if ok => format!("\u{2713} {}", plural(c.have, label, &format!("{label}s"))),
                Rule::Sector { label, sectors } => {
                    let which = sectors.iter().map(|s| sector_label(s)).collect::<Vec<_>>().join(" or ");
                    if c.have == 0 {
                        format!("\u{2717} no {label} yet: the rules need at least {} ({which})", c.need)
                    } else {
                        format!(
                            "\u{2717} {} of {} {label}s: the rules need at least {} ({which})",
                            c.have, c.need, c.need
                        )
                    }
                }
            };
            CheckLine { ok, text }
        })
        .collect()
}

// ---------- the organiser's rules form ----------

/// One row of sector needs as typed.
#[derive(Debug, Clone, Default)]
pub struct NeedRow {
    pub label: String,
    pub sectors: Vec<String>,
    pub min: String,
}

impl NeedRow {
    pub fn wants(&self, sector: &str) -> bool {
        self.sectors.iter().any(|s| s == sector)
    }
}

#[derive(Debug, Clone, Default)]
pub struct RulesForm {
    pub min_entities: String,
    pub min_countries: String,
    pub countries: String,
    pub needs: Vec<NeedRow>,
}

pub fn need_field(i: usize, part: &str) -> String {
    format!("need{i}_{part}")
}

impl RulesForm {
    pub fn from_rules(r: &Rules) -> RulesForm {
        let mut needs: Vec<NeedRow> = r
            .sector_mix
            .iter()
            .map(|n| NeedRow { label: n.label.clone(), sectors: n.sectors.clone(), min: n.min.to_string() })
            .collect();
        while needs.len() < NEED_ROWS {
            needs.push(NeedRow::default());
        }
        RulesForm {
            min_entities: r.min_entities.to_string(),
            min_countries: r.min_countries.to_string(),
            countries: r.eligible_countries.join(" "),
            needs,
        }
    }

    pub fn from_form(f: &FormData) -> RulesForm {
        RulesForm {
            min_entities: f.get("min_entities").to_string(),
            min_countries: f.get("min_countries").to_string(),
            countries: f.get("countries").to_string(),
            needs: (0..NEED_ROWS)
                .map(|i| NeedRow {
                    label: f.get(&need_field(i, "label")).to_string(),
                    sectors: f.all(&need_field(i, "sectors")).into_iter().map(str::to_string).collect(),
                    min: f.get(&need_field(i, "min")).to_string(),
                })
                .collect(),
        }
    }

    pub fn validate(&self) -> Result<Rules, FormErrors> {
        let mut e = FormErrors::default();
        let mut number = |field: &str, raw: &str, max: u32| -> u32 {
            match raw.trim().parse::<u32>() {
                Ok(n) if n <= max => n,
                _ => {
                    e.add(field, format!("Give a whole number from 0 to {max}."));
                    0
                }
            }
        };
        let min_entities = number("min_entities", &self.min_entities, 50);
        let min_countries = number("min_countries", &self.min_countries, 50);
        let eligible_countries = match parse_countries(&self.countries) {
            Ok(mut c) => {
                c.sort();
                c
            }
            Err(msg) => {
                e.add("countries", msg);
                Vec::new()
            }
        };
        let mut sector_mix = Vec::new();
        for (i, row) in self.needs.iter().enumerate() {
            let blank = row.label.trim().is_empty() && row.sectors.is_empty() && row.min.trim().is_empty();
            if blank {
                continue;
            }
            let label = text::required_line(
                &mut e,
                &need_field(i, "label"),
                &row.label,
                80,
                "Please name this kind of partner, e.g. \u{201c}industry partner\u{201d}.",
            );
            let min = match row.min.trim().parse::<u32>() {
                Ok(n) if (1..=20).contains(&n) => n,
                _ => {
                    e.add(&need_field(i, "min"), "Give a whole number from 1 to 20.");
                    0
                }
            };
            let mut sectors = Vec::new();
            for s in &row.sectors {
                if SECTORS.iter().any(|(c, _)| c == s) && !sectors.contains(s) {
                    sectors.push(s.clone());
                }
            }
            if sectors.is_empty() {
                e.add(&need_field(i, "sectors"), "Tick at least one sector.");
            }
            sector_mix.push(SectorNeed { label, sectors, min });
        }
        e.into_result(Rules { min_entities, min_countries, eligible_countries, sector_mix })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matchmaking::engine::eligibility::Partner;

    fn topics() -> Vec<Topic> {
        ["Oncology", "Biomarkers", "Real-world data"]
            .iter()
            .enumerate()
            .map(|(i, n)| Topic {
                id: i as i64 + 1,
                event_id: 1,
                name: n.to_string(),
                category: "area".into(),
                position: i as i32,
            })
            .collect()
    }

    fn form(rows: Vec<RoleRow>) -> IdeaForm {
        IdeaForm {
            title: "Paediatric oncology models".into(),
            summary: "A consortium.".into(),
            call_text: "IHI call 10".into(),
            call_id: " horizon-ju-ihi-2027-10-01 ".into(),
            listed: true,
            roles: rows,
        }
    }

    fn row(desc: &str, topics: &str) -> RoleRow {
        RoleRow { description: desc.into(), topics: topics.into(), ..Default::default() }
    }

    #[test]
    fn a_good_idea_is_parsed_and_empty_rows_are_skipped() {
        let mut r = row("SME with a biomarker assay", "biomarkers, Oncology");
        r.sectors = vec!["biotech_sme".into()];
        r.countries = "nl, BE".into();
        let input = form(vec![r, row("", "")]).validate(&topics(), &[], &[]).expect("valid");
        assert_eq!(input.call_id, "HORIZON-JU-IHI-2027-10-01");
        assert_eq!(input.roles.len(), 1);
        assert_eq!(input.roles[0].topics, vec![2, 1]);
        assert_eq!(input.roles[0].countries, vec!["NL", "BE"]);
    }

    #[test]
    fn bad_input_is_named_beside_its_field() {
        let mut f = form(vec![row("Clinic", "Oncology, Astrology"), row("", "Oncology")]);
        f.title = "Two\nlines".into();
        f.call_id = "HORIZON JU".into();
        f.roles[0].countries = "BE, XX".into();
        let e = f.validate(&topics(), &[], &[]).expect_err("invalid");
        assert!(e.get("title").expect("title").contains("one line"));
        assert!(e.get("call_id").expect("call").contains("HORIZON-JU-IHI"));
        assert!(e.get("role0_topics").expect("topic").contains("Astrology"));
        assert!(e.get("role0_countries").expect("country").contains("XX"));
        assert!(e.get("role1_description").expect("desc").contains("describe the role"));
        let mut f = form(vec![]);
        f.title = "x".repeat(TITLE_MAX + 1);
        assert!(f.validate(&topics(), &[], &[]).expect_err("long").get("title").expect("t").contains("under"));
    }

    #[test]
    fn rows_edit_only_the_ideas_own_roles_and_a_filled_role_stays() {
        let mut r = row("Old", "");
        r.id = "99".into();
        assert!(form(vec![r.clone()]).validate(&topics(), &[5], &[]).is_err(), "a foreign role id");
        r.id = "5".into();
        r.description = String::new();
        assert!(form(vec![r.clone()]).validate(&topics(), &[5], &[5]).is_err(), "a filled role cannot go");
        assert!(form(vec![r]).validate(&topics(), &[5], &[]).expect("removed").roles.is_empty());
    }

    #[test]
    fn call_ids() {
        assert_eq!(parse_call_id("HORIZON-HLTH-2027-DISEASE-03").as_deref(), Ok("HORIZON-HLTH-2027-DISEASE-03"));
        assert_eq!(parse_call_id("").as_deref(), Ok(""));
        for bad in ["HORIZON", "HORIZON--X", "-A-B", "A-B-", "A_B-C", "HORIZON-ÉU"] {
            assert!(parse_call_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_admit_by_sector_and_country() {
        let role = Role {
            id: 1,
            idea_id: 1,
            position: 0,
            description: "x".into(),
            sectors: "pharma biotech_sme".into(),
            countries: "BE NL".into(),
        };
        assert!(role.admits("pharma", "BE"));
        assert!(!role.admits("academia", "BE"));
        assert!(role.refusal("pharma", "FR").expect("country").contains("Belgium"));
        assert!(role.refusal("academia", "BE").expect("sector").contains("Biotech / SME"));
    }

    #[test]
    fn the_checklist_says_what_holds_and_what_is_missing() {
        let rules = Rules::default();
        let p = |o: &str, c: &str, s: &str| Partner { organisation: o.into(), country: c.into(), sector: s.into() };
        let lines = checklist(&rules, &rules.check(&[p("KU Leuven", "BE", "academia"), p("Curie", "FR", "hospital")]));
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "\u{2717} 2 of 3 independent legal entities: add a partner from another organisation",
                "\u{2717} 2 of 3 countries from EU member states or associated countries: add a partner from another country",
                "\u{2713} 2 academic or clinical partners",
                "\u{2717} no industry partner yet: the rules need at least 1 (Pharmaceutical company or Biotech / SME)",
            ]
        );
        let team = [p("KU Leuven", "BE", "academia"), p("Acme", "DE", "pharma"), p("Assay", "NL", "biotech_sme")];
        let lines = checklist(&rules, &rules.check(&team));
        assert!(lines.iter().all(|l| l.ok));
        assert_eq!(lines[0].text, "\u{2713} 3 independent legal entities");
    }

    #[test]
    fn the_rules_form_round_trips_and_refuses_bad_rows() {
        let form = RulesForm::from_rules(&Rules::default());
        assert_eq!(form.validate().expect("valid"), {
            let mut r = Rules::default();
            r.eligible_countries.sort();
            r
        });
        let mut bad = form.clone();
        bad.min_entities = "-1".into();
        bad.countries = "BE ZZ".into();
        bad.needs[2] = NeedRow { label: "regulator".into(), sectors: vec![], min: "0".into() };
        let e = bad.validate().expect_err("invalid");
        assert!(e.has("min_entities") && e.has("countries") && e.has("need2_sectors") && e.has("need2_min"));
    }
}
