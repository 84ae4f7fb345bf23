//! Eligibility of a consortium for a call: the rules an event configures (with a default for EU
//! public-private calls) and their evaluation over the partners, as facts the pages put in
//! words ("2 of 3 countries: add a partner from another member state or associated country").
//!
//! A partner is a legal entity: people of one organisation are one entity (the organisation's
//! name, trimmed and compared case-insensitively). A person without an organisation is not yet
//! an entity the rules can count.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The 27 EU member states (ISO 3166-1 alpha-2).
pub const EU_MEMBER_STATES: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// Countries associated to Horizon Europe (2026), whose entities count like a member state's.
/// Organisers can change the list per event when a call says otherwise.
pub const ASSOCIATED_COUNTRIES: &[&str] = &[
    "AL", "AM", "BA", "CA", "CH", "FO", "GB", "GE", "IL", "IS", "KR", "MD", "ME", "MK", "NO", "NZ", "RS", "TN", "TR",
    "UA", "XK",
];

/// "At least `min` partners whose sector is one of `sectors`", e.g. an academic or clinical
/// partner. `label` names the group in words ("academic or clinical partner").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectorNeed {
    pub label: String,
    pub sectors: Vec<String>,
    pub min: u32,
}

/// An event's eligibility rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// Independent legal entities (distinct organisations), at least.
    pub min_entities: u32,
    /// Different countries among the entities that count, at least.
    pub min_countries: u32,
    /// Countries whose entities count towards `min_countries` (alpha-2); empty: every country.
    pub eligible_countries: Vec<String>,
    pub sector_mix: Vec<SectorNeed>,
}

impl Default for Rules {
    /// EU public-private calls: at least three independent legal entities from three different
    /// member states or associated countries, at least one academic or clinical partner and
    /// at least one industry partner.
    fn default() -> Self {
        Rules {
            min_entities: 3,
            min_countries: 3,
            eligible_countries: EU_MEMBER_STATES.iter().chain(ASSOCIATED_COUNTRIES).map(|c| c.to_string()).collect(),
            sector_mix: vec![
                SectorNeed {
                    label: "academic or clinical partner".into(),
                    sectors: vec!["academia".into(), "hospital".into()],
                    min: 1,
                },
                SectorNeed {
                    label: "industry partner".into(),
                    sectors: vec!["pharma".into(), "biotech_sme".into()],
                    min: 1,
                },
            ],
        }
    }
}

/// One member of a consortium, as the rules see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    pub organisation: String,
    /// ISO 3166-1 alpha-2, upper case; empty when unknown.
    pub country: String,
    pub sector: String,
}

/// Which rule a result is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    Entities,
    Countries,
    Sector { label: String, sectors: Vec<String> },
}

/// A rule and how the partners stand against it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub rule: Rule,
    pub have: u32,
    pub need: u32,
}

impl Check {
    pub fn holds(&self) -> bool {
        self.have >= self.need
    }

    pub fn missing(&self) -> u32 {
        self.need.saturating_sub(self.have)
    }
}

fn org_key(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Rules {
    /// Whether an entity of `country` counts towards the country rule.
    pub fn counts(&self, country: &str) -> bool {
        !country.is_empty()
            && (self.eligible_countries.is_empty() || self.eligible_countries.iter().any(|c| c == country))
    }

    /// Every rule with what the partners have; the entity and country rules first, then the
    /// sector mix in the configured order. Rules that need nothing (`0`) are left out.
    pub fn check(&self, partners: &[Partner]) -> Vec<Check> {
        let entities: BTreeSet<String> =
            partners.iter().map(|p| org_key(&p.organisation)).filter(|o| !o.is_empty()).collect();
        let countries: BTreeSet<&str> = partners
            .iter()
            .filter(|p| !org_key(&p.organisation).is_empty() && self.counts(&p.country))
            .map(|p| p.country.as_str())
            .collect();
        let mut out = Vec::new();
        if self.min_entities > 0 {
            out.push(Check { rule: Rule::Entities, have: entities.len() as u32, need: self.min_entities });
        }
        if self.min_countries > 0 {
            out.push(Check { rule: Rule::Countries, have: countries.len() as u32, need: self.min_countries });
        }
        for need in self.sector_mix.iter().filter(|n| n.min > 0) {
            // Counted per entity: two people of one university are one academic partner.
            let have: BTreeSet<String> = partners
                .iter()
                .filter(|p| need.sectors.contains(&p.sector))
                .map(|p| org_key(&p.organisation))
                .filter(|o| !o.is_empty())
                .collect();
            out.push(Check {
                rule: Rule::Sector { label: need.label.clone(), sectors: need.sectors.clone() },
                have: have.len() as u32,
                need: need.min,
            });
        }
        out
    }

    /// Whether every rule holds.
    pub fn eligible(&self, partners: &[Partner]) -> bool {
        self.check(partners).iter().all(Check::holds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(org: &str, country: &str, sector: &str) -> Partner {
        Partner { organisation: org.into(), country: country.into(), sector: sector.into() }
    }

    #[test]
    fn the_default_rules_follow_eu_public_private_calls() {
        let r = Rules::default();
        let team = [p("Karolinska", "SE", "academia"), p("Novartis", "CH", "pharma")];
        let c = r.check(&team);
        assert_eq!(c.iter().map(|c| (c.have, c.need)).collect::<Vec<_>>(), vec![(2, 3), (2, 3), (1, 1), (1, 1)]);
        assert!(!r.eligible(&team));
        let team = [team[0].clone(), team[1].clone(), p("Assay SME", "NL", "biotech_sme")];
        assert!(r.eligible(&team));
    }

    #[test]
    fn people_of_one_organisation_are_one_entity_and_other_countries_do_not_count() {
        let r = Rules::default();
        let team = [
            p("Charité", "DE", "hospital"),
            p(" charité ", "DE", "hospital"),
            p("Pfizer", "US", "pharma"),
            p("", "FR", "academia"),
        ];
        let c = r.check(&team);
        assert_eq!((c[0].have, c[1].have), (2, 1), "two entities; only Germany counts (US is not associated)");
        assert_eq!((c[2].have, c[3].have), (1, 1), "the person without an organisation is not counted");
        assert_eq!(c[1].missing(), 2);
    }

    #[test]
    fn an_empty_country_list_counts_every_country_and_zero_rules_are_left_out() {
        let r = Rules { min_entities: 0, min_countries: 2, eligible_countries: vec![], sector_mix: vec![] };
        let c = r.check(&[p("A", "US", "pharma"), p("B", "JP", "academia")]);
        assert_eq!(c, vec![Check { rule: Rule::Countries, have: 2, need: 2 }]);
    }
}
