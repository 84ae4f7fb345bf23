//! Deleting an account erases the person from what others keep: the programme's speaker
//! lines, organisers' invitation lists, copies of e-mails sent to others and the audit log.

use diesel::prelude::*;
use liaison::db::schema::{agenda_sessions, audit_log, event_invitations, outbox, session_speakers};

use crate::matchmaking::{at, create_event, open_matchmaking, participant};
use crate::support::*;
use liaison::mail::{enqueue_with, Attachment};

/// A mail to someone else that names a person in every part.
struct Naming(String);

impl liaison::mail::Mail for Naming {
    fn subject(&self) -> String {
        "Meeting with Beatrix Quill".into()
    }
    fn text(&self) -> Result<String, askama::Error> {
        Ok(format!("Beatrix Quill ({}) asked to meet you.", self.0))
    }
    fn html(&self) -> Result<String, askama::Error> {
        Ok(format!("<p>Beatrix Quill ({}) asked to meet you.</p>", self.0))
    }
}

#[actix_web::test]
async fn a_deleted_account_leaves_no_name_or_address_in_programmes_mails_to_others_or_the_log() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Erasure Day").await;
    open_matchmaking(&org, &ev, "5", "6", &[(at(11, "09:00"), at(11, "11:00"))]).await;
    let (_, bea_addr, bea) = participant(&app, &ev, "Beatrix Quill", "KU Leuven", "academia", true, true).await;
    let (pia_id, pia_addr, _pia) = participant(&app, &ev, "Pia Pharma", "Acme", "pharma", true, true).await;

    // Beatrix speaks in the programme, under her account.
    let speakers = format!("Beatrix Quill | KU Leuven | {bea_addr}\nGrace Hopper | Navy");
    let r = org
        .post(
            &ev.org("/sessions/new"),
            &[
                ("title", "Organoids at scale"),
                ("kind", "talk"),
                ("starts_at", &at(10, "10:00")),
                ("ends_at", &at(10, "10:45")),
                ("room_id", ""),
                ("track_id", ""),
                ("capacity", ""),
                ("speakers", &speakers),
                ("abstract_text", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "session: {}", r.body);
    assert!(org.get(&ev.public("/agenda")).await.has("Beatrix Quill"), "she is on the programme");
    let sequence = || -> i32 {
        app.with_conn(|c| {
            agenda_sessions::table
                .filter(agenda_sessions::title.eq("Organoids at scale"))
                .select(agenda_sessions::sequence)
                .first(c)
                .expect("session")
        })
    };
    let sequence_before = sequence();
    // She asks Pia for a meeting: Pia's mail names her.
    let r = bea.post(&format!("/events/{}/people/{pia_id}/request", ev.slug), &[("message", "Hello")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    sink.wait_for(&pia_addr, "Meeting request from Beatrix Quill").await;
    // Sent mail keeps only who, what and when; a mail not sent yet keeps its bodies too. One
    // to Pia naming Beatrix everywhere waits for its next attempt (the worker leaves it).
    let waiting = app.with_conn(|c| {
        liaison::db::write_transaction::<_, liaison::error::AppError, _>(c, |c| {
            let attachment = Attachment {
                filename: "meeting.ics".into(),
                content_type: "text/calendar; charset=utf-8".into(),
                body: format!(
                    "BEGIN:VCALENDAR\r\nSUMMARY:Meeting with Beatrix Quill ({bea_addr})\r\nEND:VCALENDAR\r\n"
                ),
            };
            let id = enqueue_with(c, &pia_addr, "Pia Pharma", &Naming(bea_addr.clone()), Some(attachment))?;
            diesel::update(outbox::table.find(id))
                .set(outbox::next_attempt_at.eq(liaison::db::now() + chrono::TimeDelta::hours(1)))
                .execute(c)?;
            Ok(id)
        })
        .expect("a mail waiting for its next attempt")
    });
    // An organiser's invitation list and the log hold her address.
    let t = liaison::db::now();
    app.with_conn(|c| {
        diesel::insert_into(event_invitations::table)
            .values((
                event_invitations::event_id.eq(ev.id),
                event_invitations::kind.eq("attendee"),
                event_invitations::email.eq(&bea_addr),
                event_invitations::name.eq("Beatrix Quill"),
                event_invitations::token_hash.eq(uuid::Uuid::new_v4().simple().to_string()),
                event_invitations::created_at.eq(t),
            ))
            .execute(c)
            .expect("invitation");
        liaison::audit::record(c, None, None, "test.note", &format!("Beatrix Quill <{bea_addr}> was invited"))
            .expect("audit");
    });

    let r = bea.post("/account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    sink.wait_for(&bea_addr, "Your Liaison account has been deleted").await;

    let agenda = app.client().get(&ev.public("/agenda")).await;
    assert!(!agenda.has("Beatrix Quill"), "the programme no longer names her");
    assert!(agenda.has("Organoids at scale") && agenda.has("Grace Hopper"), "the session and others stay");
    assert!(sequence() > sequence_before, "calendars that hold the session are told to replace it");
    let linked: i64 = app.with_conn(|c| session_speakers::table.count().get_result(c).expect("speakers"));
    assert_eq!(linked, 1, "only Grace's line is left");
    let invited: i64 = app.with_conn(|c| {
        event_invitations::table.filter(event_invitations::email.eq(&bea_addr)).count().get_result(c).expect("inv")
    });
    assert_eq!(invited, 0, "no invitation keeps her address");

    // What others keep: the mail to Pia and the log, with her name and address erased. The
    // only row still addressed to her is the notice of the deletion itself.
    type Row = (i64, String, String, String, String, String, Option<String>);
    let rows: Vec<Row> = app.with_conn(|c| {
        outbox::table
            .select((
                outbox::id,
                outbox::status,
                outbox::to_addr,
                outbox::subject,
                outbox::text_body,
                outbox::html_body,
                outbox::attachment_body,
            ))
            .load(c)
            .expect("outbox")
    });
    let to_pia = rows.iter().find(|r| r.2 == pia_addr && r.3.starts_with("Meeting request")).expect("Pia's copy");
    assert_eq!(to_pia.3, "Meeting request from a former participant: Erasure Day");
    assert_eq!((to_pia.1.as_str(), to_pia.4.as_str()), ("sent", ""), "sent: only the subject is kept");
    let unsent = rows.iter().find(|r| r.0 == waiting).expect("the waiting mail");
    assert_eq!(unsent.1, "pending", "still unsent: its bodies are checked below");
    assert_eq!(unsent.4, "a former participant (a former participant) asked to meet you.", "the mail stays");
    assert!(unsent.6.as_deref().is_some_and(|a| a.contains("Meeting with a former participant")), "{unsent:?}");
    for (_, _, to, subject, text, html, attachment) in &rows {
        if to == &bea_addr {
            assert!(subject.contains("deleted"), "only the deletion notice is addressed to her: {subject}");
            continue;
        }
        let all = format!("{subject}\n{text}\n{html}\n{}", attachment.clone().unwrap_or_default());
        assert!(!all.contains("Beatrix") && !all.contains(&bea_addr), "a mail to {to} still names her:\n{all}");
    }
    let details: Vec<String> = app.with_conn(|c| audit_log::table.select(audit_log::detail).load(c).expect("audit"));
    assert!(details.iter().all(|d| !d.contains("Beatrix") && !d.contains(&bea_addr)), "{details:?}");
    assert!(details.iter().any(|d| d == "a former participant <a former participant> was invited"), "{details:?}");
}
