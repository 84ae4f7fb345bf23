//! The organisers' meeting grid as a query: the filters of the grid's GET form (person,
//! organisation, slot, table, state), one page of meetings at a time, and the same selection
//! for the CSV export. Pure: the handler loads the draft and the names; this picks and pages.

use super::model::Meeting;

/// Meetings per page of the grid: a page stays small (three small forms per meeting) however
/// large the event.
pub const PER_PAGE: usize = 50;

/// The grid's query string as typed; every field a string so no value is refused.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct GridQuery {
    pub person: String,
    pub organisation: String,
    pub slot: String,
    pub table: String,
    pub state: String,
    pub page: String,
}

/// Which meetings by their place in the published schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateFilter {
    #[default]
    All,
    /// New or moved in the draft: participants do not see this place yet.
    Unpublished,
    Published,
    Locked,
}

pub const STATES: &[(&str, &str)] = &[
    ("", "All meetings"),
    ("unpublished", "Not published (new or moved)"),
    ("published", "Published as shown"),
    ("locked", "Locked"),
];

impl StateFilter {
    fn parse(s: &str) -> StateFilter {
        match s {
            "unpublished" => StateFilter::Unpublished,
            "published" => StateFilter::Published,
            "locked" => StateFilter::Locked,
            _ => StateFilter::All,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            StateFilter::All => "",
            StateFilter::Unpublished => "unpublished",
            StateFilter::Published => "published",
            StateFilter::Locked => "locked",
        }
    }
}

/// A meeting's draft place against what participants see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    Published,
    NotPublished,
    Changed,
}

impl Publication {
    pub fn label(self) -> &'static str {
        match self {
            Publication::Published => "published",
            Publication::NotPublished => "not published",
            Publication::Changed => "changed since publishing",
        }
    }
}

/// The checked filter. Text is kept as typed (trimmed) to show it again; matching ignores case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub person: String,
    pub organisation: String,
    pub slot: Option<i64>,
    pub table: Option<i32>,
    pub state: StateFilter,
    /// 1-based; clamped to the pages there are when the page is cut.
    pub page: usize,
}

/// Longest search text kept: longer input cannot match a name and only costs time.
const TEXT_MAX: usize = 200;

fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(TEXT_MAX).collect::<String>().trim().to_string()
}

impl Filter {
    pub fn parse(q: &GridQuery) -> Filter {
        Filter {
            person: clean(&q.person),
            organisation: clean(&q.organisation),
            slot: q.slot.trim().parse().ok(),
            table: q.table.trim().parse().ok().filter(|t| *t > 0),
            state: StateFilter::parse(q.state.trim()),
            page: q.page.trim().parse().ok().filter(|p| *p > 0).unwrap_or(1),
        }
    }

    /// Parses the query part of a grid address (`/organise/events/1/meetings?person=x`).
    pub fn from_query_string(query: &str) -> Filter {
        Filter::parse(&serde_urlencoded::from_str::<GridQuery>(query).unwrap_or_default())
    }

    /// No filter set (the page number aside).
    pub fn is_empty(&self) -> bool {
        self.person.is_empty()
            && self.organisation.is_empty()
            && self.slot.is_none()
            && self.table.is_none()
            && self.state == StateFilter::All
    }

    /// The filters (not the page) as a query string, for the CSV link and the pager; only the
    /// set ones, so addresses stay short.
    pub fn query(&self) -> String {
        let slot = self.slot.map(|s| s.to_string()).unwrap_or_default();
        let table = self.table.map(|t| t.to_string()).unwrap_or_default();
        let pairs = [
            ("person", self.person.as_str()),
            ("organisation", self.organisation.as_str()),
            ("slot", slot.as_str()),
            ("table", table.as_str()),
            ("state", self.state.code()),
        ];
        let set: Vec<(&str, &str)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(set).unwrap_or_default()
    }

    /// The filters and page `page` as a query string (page 1 is left out).
    pub fn query_for_page(&self, page: usize) -> String {
        let q = self.query();
        match (page > 1, q.is_empty()) {
            (false, _) => q,
            (true, true) => format!("page={page}"),
            (true, false) => format!("{q}&page={page}"),
        }
    }

    pub fn slot_is(&self, id: &i64) -> bool {
        self.slot == Some(*id)
    }

    pub fn table_is(&self, t: &i32) -> bool {
        self.table == Some(*t)
    }

    /// Whether the meeting between `a` and `b` is selected.
    pub fn keeps(&self, m: &Meeting, a: &Who, b: &Who, publication: Publication) -> bool {
        let person = self.person.to_lowercase();
        let organisation = self.organisation.to_lowercase();
        let has = |hay: &str, needle: &str| hay.to_lowercase().contains(needle);
        self.slot.is_none_or(|s| s == m.slot_id)
            && self.table.is_none_or(|t| t == m.table_no)
            && match self.state {
                StateFilter::All => true,
                StateFilter::Unpublished => publication != Publication::Published,
                StateFilter::Published => publication == Publication::Published,
                StateFilter::Locked => m.locked,
            }
            && (person.is_empty() || [a, b].iter().any(|w| has(&w.name, &person) || has(&w.email, &person)))
            && (organisation.is_empty() || [a, b].iter().any(|w| has(&w.organisation, &organisation)))
    }
}

/// A person as the grid and the export name them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    pub name: String,
    pub email: String,
    pub organisation: String,
}

impl Who {
    /// Someone whose registration or account is gone.
    pub fn former() -> Who {
        Who { name: "A former participant".into(), ..Default::default() }
    }
    /// "Name (Organisation)".
    pub fn label(&self) -> String {
        if self.organisation.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.organisation)
        }
    }
}

/// One page of `items`: the page number (clamped to 1..=pages), the number of pages (at least
/// one) and the items on it.
pub fn page_of<T>(items: Vec<T>, page: usize, per_page: usize) -> (usize, usize, Vec<T>) {
    let per_page = per_page.max(1);
    let pages = items.len().div_ceil(per_page).max(1);
    let page = page.clamp(1, pages);
    let on_page = items.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    (page, pages, on_page)
}

/// Consecutive items with the same key together, in order (the draft comes sorted by slot).
pub fn group_by<T, K: PartialEq>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<(K, Vec<T>)> {
    let mut out: Vec<(K, Vec<T>)> = Vec::new();
    for item in items {
        let k = key(&item);
        match out.last_mut() {
            Some((last, group)) if *last == k => group.push(item),
            _ => out.push((k, vec![item])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(id: i64, slot: i64, table: i32, locked: bool) -> Meeting {
        let t = chrono::NaiveDate::from_ymd_opt(2030, 6, 10).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("time");
        Meeting {
            id,
            event_id: 1,
            slot_id: slot,
            table_no: table,
            a_user: 1,
            b_user: 2,
            request_id: None,
            origin: "organiser".into(),
            locked,
            score: 0.0,
            created_at: t,
            updated_at: t,
        }
    }

    fn who(name: &str, email: &str, org: &str) -> Who {
        Who { name: name.into(), email: email.into(), organisation: org.into() }
    }

    fn q(s: &str) -> Filter {
        Filter::from_query_string(s)
    }

    #[test]
    fn parses_and_writes_back_only_what_is_set() {
        let f = q("person=+Ada+&organisation=&slot=7&table=x&state=locked&page=3");
        assert_eq!(f.person, "Ada");
        assert_eq!((f.slot, f.table, f.state, f.page), (Some(7), None, StateFilter::Locked, 3));
        assert_eq!(f.query(), "person=Ada&slot=7&state=locked");
        assert_eq!(f.query_for_page(1), "person=Ada&slot=7&state=locked");
        assert_eq!(f.query_for_page(2), "person=Ada&slot=7&state=locked&page=2");
        assert!(!f.is_empty());
        let none = q("page=0&table=-3&state=nonsense&slot=");
        assert!(none.is_empty());
        assert_eq!((none.page, none.query(), none.query_for_page(2)), (1, String::new(), "page=2".to_string()));
        assert_eq!(q("person=a%26b%3Dc").query(), "person=a%26b%3Dc", "escaped again");
        assert_eq!(q("person=%0d%0aX").person, "X", "control characters dropped");
        assert_eq!(q("%%%").page, 1, "an unreadable query is no filter");
    }

    #[test]
    fn keeps_by_person_organisation_slot_table_and_state() {
        let ada = who("Ada Lovelace", "ada@uni.example.org", "KU Leuven");
        let bob = who("Bob Stone", "bob@pharma.example.com", "Pharma SA");
        let m = meeting(1, 10, 3, false);
        let p = Publication::Published;
        assert!(q("").keeps(&m, &ada, &bob, p));
        assert!(q("person=lovelace").keeps(&m, &ada, &bob, p), "name, any case");
        assert!(q("person=BOB%40PHARMA").keeps(&m, &ada, &bob, p), "e-mail");
        assert!(!q("person=carl").keeps(&m, &ada, &bob, p));
        assert!(q("organisation=leuven").keeps(&m, &ada, &bob, p));
        assert!(!q("organisation=leuven").keeps(&m, &bob, &bob, p));
        assert!(q("slot=10&table=3").keeps(&m, &ada, &bob, p));
        assert!(!q("slot=11").keeps(&m, &ada, &bob, p));
        assert!(!q("table=4").keeps(&m, &ada, &bob, p));
        assert!(!q("state=locked").keeps(&m, &ada, &bob, p));
        assert!(q("state=locked").keeps(&meeting(1, 10, 3, true), &ada, &bob, p));
        assert!(!q("state=unpublished").keeps(&m, &ada, &bob, p));
        assert!(q("state=unpublished").keeps(&m, &ada, &bob, Publication::Changed));
        assert!(q("state=unpublished").keeps(&m, &ada, &bob, Publication::NotPublished));
        assert!(!q("state=published").keeps(&m, &ada, &bob, Publication::NotPublished));
        assert!(!q("person=ada&organisation=pharma&slot=10").keeps(&m, &ada, &ada, p), "all filters apply");
    }

    #[test]
    fn pages_are_clamped_and_groups_follow_the_order() {
        let items: Vec<u32> = (1..=120).collect();
        let (page, pages, on) = page_of(items.clone(), 3, 50);
        assert_eq!((page, pages, on.len(), on[0]), (3, 3, 20, 101));
        let (page, _, on) = page_of(items.clone(), 9, 50);
        assert_eq!((page, on[0]), (3, 101), "past the end: the last page");
        assert_eq!(page_of(Vec::<u32>::new(), 2, 50), (1, 1, vec![]));
        let groups = group_by(vec![(1, 'a'), (1, 'b'), (2, 'c'), (1, 'd')], |x| x.0);
        assert_eq!(groups.iter().map(|(k, g)| (*k, g.len())).collect::<Vec<_>>(), vec![(1, 2), (2, 1), (1, 1)]);
    }
}
