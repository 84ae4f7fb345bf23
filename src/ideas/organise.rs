//! The organiser's page of the event's eligibility rules: entities, countries, the list of
//! countries that count (EU member states and associated countries by default) and the sector
//! mix, with "reset to the default".

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model::{need_field, RulesForm};
use super::service;
use crate::accounts::model::SECTORS;
use crate::app::AppState;
use crate::error::AppResult;
use crate::events::model::Event;
use crate::events::organise::OrganiserCtx;
use crate::web::form::FormData;
use crate::web::{redirect, render_status, FormErrors, PageCtx};

type State = web::Data<AppState>;

#[derive(Template)]
#[template(path = "pages/ideas/eligibility.html")]
struct RulesPage {
    ctx: PageCtx,
    event: Event,
    form: RulesForm,
    errors: FormErrors,
    customised: bool,
    sectors: &'static [(&'static str, &'static str)],
}

impl RulesPage {
    fn field(&self, i: &usize, part: &str) -> String {
        need_field(*i, part)
    }
    fn error(&self, i: &usize, part: &str) -> Option<&str> {
        self.errors.get(&need_field(*i, part))
    }
}

fn url(id: i64) -> String {
    format!("/organise/events/{id}/eligibility")
}

pub async fn page(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let (rules, customised) = state.db.run(move |c| service::rules(c, id)).await?;
    let page = RulesPage {
        ctx: o.ctx,
        event: o.event,
        form: RulesForm::from_rules(&rules),
        errors: FormErrors::default(),
        customised,
        sectors: SECTORS,
    };
    render_status(StatusCode::OK, &page)
}

pub async fn save(o: OrganiserCtx, state: State, f: FormData) -> AppResult<HttpResponse> {
    let (id, uid) = (o.event.id, o.user.id);
    if f.has("reset") {
        state.db.run(move |c| service::save_rules(c, id, uid, None)).await?;
        o.ctx.flash("success", "The eligibility rules are back to the default for EU public-private calls.");
        return Ok(redirect(&url(id)));
    }
    let form = RulesForm::from_form(&f);
    match form.validate() {
        Ok(rules) => {
            state.db.run(move |c| service::save_rules(c, id, uid, Some(&rules))).await?;
            o.ctx.flash("success", "The eligibility rules are saved; every idea's checklist follows them.");
            Ok(redirect(&url(id)))
        }
        Err(errors) => {
            let customised = state.db.run(move |c| Ok(service::rules(c, id)?.1)).await?;
            let page = RulesPage { ctx: o.ctx, event: o.event, form, errors, customised, sectors: SECTORS };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
