// Written by hand with only the SQL types both backends share (see DESIGN.md).
// Ids are BIGINT on PostgreSQL and INTEGER (64-bit) on SQLite.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        email_confirmed_at -> Nullable<Timestamp>,
        session_epoch -> Integer,
        organisation -> Text,
        sector -> Text,
        country -> Text,
        job_title -> Text,
        bio -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    email_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        message_id -> Text,
        to_addr -> Text,
        to_name -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        attachment_name -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        attachment_body -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        more_attachments -> Nullable<Text>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        email -> Text,
        ip -> Text,
        succeeded -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        device -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        subject_user_id -> Nullable<BigInt>,
        action -> Text,
        detail -> Text,
        created_at -> Timestamp,
        event_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        description -> Text,
        venue -> Text,
        address -> Text,
        timezone -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        registration_opens_at -> Nullable<Timestamp>,
        registration_closes_at -> Nullable<Timestamp>,
        capacity -> Nullable<Integer>,
        requires_approval -> Bool,
        status -> Text,
        registration_version -> BigInt,
        waitlist_seq -> Integer,
        sequence -> Integer,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        told_starts_at -> Nullable<Timestamp>,
        told_ends_at -> Nullable<Timestamp>,
        told_timezone -> Nullable<Text>,
        told_venue -> Nullable<Text>,
        told_address -> Nullable<Text>,
        change_pending_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_organisers (event_id, user_id) {
        event_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    event_invitations (id) {
        id -> BigInt,
        event_id -> BigInt,
        kind -> Text,
        email -> Text,
        name -> Text,
        organisation -> Text,
        token_hash -> Text,
        invited_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    registration_questions (id) {
        id -> BigInt,
        event_id -> BigInt,
        position -> Integer,
        kind -> Text,
        label -> Text,
        help -> Text,
        options -> Text,
        required -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    registrations (id) {
        id -> BigInt,
        event_id -> BigInt,
        user_id -> BigInt,
        status -> Text,
        waitlist_number -> Nullable<Integer>,
        ical_uid -> Text,
        ical_sequence -> Integer,
        directory_consent -> Bool,
        matchmaking_consent -> Bool,
        attended_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        calendar_epoch -> Integer,
    }
}

diesel::table! {
    registration_answers (registration_id, question_id) {
        registration_id -> BigInt,
        question_id -> BigInt,
        value -> Text,
    }
}

diesel::table! {
    rooms (id) {
        id -> BigInt,
        event_id -> BigInt,
        name -> Text,
        capacity -> Nullable<Integer>,
        position -> Integer,
    }
}

diesel::table! {
    tracks (id) {
        id -> BigInt,
        event_id -> BigInt,
        name -> Text,
        colour -> Text,
        position -> Integer,
    }
}

diesel::table! {
    agenda_sessions (id) {
        id -> BigInt,
        event_id -> BigInt,
        guid -> Text,
        title -> Text,
        abstract_text -> Text,
        kind -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        room_id -> Nullable<BigInt>,
        track_id -> Nullable<BigInt>,
        capacity -> Nullable<Integer>,
        signup_required -> Bool,
        status -> Text,
        sequence -> Integer,
        signups_version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    session_speakers (id) {
        id -> BigInt,
        session_id -> BigInt,
        position -> Integer,
        name -> Text,
        affiliation -> Text,
        user_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    session_signups (session_id, user_id) {
        session_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        told_starts_at -> Nullable<Timestamp>,
        told_ends_at -> Nullable<Timestamp>,
        told_room -> Text,
        told_cancelled -> Bool,
        told_sequence -> Nullable<Integer>,
    }
}

diesel::table! {
    session_changes (id) {
        id -> BigInt,
        session_id -> BigInt,
        description -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    match_settings (event_id) {
        event_id -> BigInt,
        enabled -> Bool,
        meeting_minutes -> Integer,
        tables_count -> Integer,
        max_meetings -> Integer,
        cross_sector_bonus -> Double,
        allow_same_organisation -> Bool,
        request_ttl_hours -> Integer,
        booking_opens_at -> Nullable<Timestamp>,
        booking_closes_at -> Nullable<Timestamp>,
        allow_suggested -> Bool,
        published_at -> Nullable<Timestamp>,
        schedule_version -> BigInt,
        last_run_at -> Nullable<Timestamp>,
        last_run_summary -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    topics (id) {
        id -> BigInt,
        event_id -> BigInt,
        name -> Text,
        category -> Text,
        position -> Integer,
    }
}

diesel::table! {
    match_profiles (event_id, user_id) {
        event_id -> BigInt,
        user_id -> BigInt,
        max_meetings -> Nullable<Integer>,
        updated_at -> Timestamp,
        meet_during_sessions -> Bool,
    }
}

diesel::table! {
    profile_interests (event_id, user_id, topic_id) {
        event_id -> BigInt,
        user_id -> BigInt,
        topic_id -> BigInt,
    }
}

diesel::table! {
    opportunities (id) {
        id -> BigInt,
        event_id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        title -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    opportunity_topics (opportunity_id, topic_id) {
        opportunity_id -> BigInt,
        topic_id -> BigInt,
    }
}

diesel::table! {
    meeting_slots (id) {
        id -> BigInt,
        event_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
    }
}

diesel::table! {
    unavailability (slot_id, user_id) {
        slot_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    meeting_requests (id) {
        id -> BigInt,
        event_id -> BigInt,
        from_user -> BigInt,
        to_user -> BigInt,
        message -> Text,
        status -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
        digest_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    meetings (id) {
        id -> BigInt,
        event_id -> BigInt,
        slot_id -> BigInt,
        table_no -> Integer,
        a_user -> BigInt,
        b_user -> BigInt,
        request_id -> Nullable<BigInt>,
        origin -> Text,
        locked -> Bool,
        score -> Double,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    meeting_seats (slot_id, user_id) {
        slot_id -> BigInt,
        user_id -> BigInt,
        meeting_id -> BigInt,
    }
}

diesel::table! {
    published_meetings (id) {
        id -> BigInt,
        event_id -> BigInt,
        a_user -> BigInt,
        b_user -> BigInt,
        active -> Bool,
        slot_id -> Nullable<BigInt>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        table_no -> Integer,
        origin -> Text,
        sequence -> Integer,
        change_kind -> Text,
        changed_by -> Nullable<BigInt>,
        changed_at -> Timestamp,
        told_active -> Bool,
        told_starts_at -> Nullable<Timestamp>,
        told_ends_at -> Nullable<Timestamp>,
        told_table_no -> Nullable<Integer>,
        told_sequence -> Integer,
    }
}

diesel::table! {
    schedule_versions (event_id, version) {
        event_id -> BigInt,
        version -> Integer,
        published_at -> Timestamp,
        published_by -> Nullable<BigInt>,
        added -> Integer,
        moved -> Integer,
        removed -> Integer,
        notified -> Integer,
    }
}

diesel::table! {
    ideas (id) {
        id -> BigInt,
        event_id -> BigInt,
        author_id -> BigInt,
        title -> Text,
        summary -> Text,
        call_text -> Text,
        call_id -> Text,
        listed -> Bool,
        status -> Text,
        hidden -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    idea_roles (id) {
        id -> BigInt,
        idea_id -> BigInt,
        position -> Integer,
        description -> Text,
        sectors -> Text,
        countries -> Text,
    }
}

diesel::table! {
    idea_role_topics (role_id, topic_id) {
        role_id -> BigInt,
        topic_id -> BigInt,
    }
}

diesel::table! {
    idea_members (idea_id, user_id) {
        idea_id -> BigInt,
        user_id -> BigInt,
        role_id -> Nullable<BigInt>,
        joined_at -> Timestamp,
    }
}

diesel::table! {
    idea_applications (id) {
        id -> BigInt,
        idea_id -> BigInt,
        role_id -> BigInt,
        user_id -> BigInt,
        message -> Text,
        status -> Text,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idea_invitations (id) {
        id -> BigInt,
        idea_id -> BigInt,
        role_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    eligibility_rules (event_id) {
        event_id -> BigInt,
        rules -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(email_tokens -> users (user_id));
diesel::joinable!(user_sessions -> users (user_id));
diesel::joinable!(rooms -> events (event_id));
diesel::joinable!(tracks -> events (event_id));
diesel::joinable!(agenda_sessions -> events (event_id));
diesel::joinable!(agenda_sessions -> rooms (room_id));
diesel::joinable!(agenda_sessions -> tracks (track_id));
diesel::joinable!(session_speakers -> agenda_sessions (session_id));
diesel::joinable!(session_signups -> agenda_sessions (session_id));
diesel::joinable!(session_signups -> users (user_id));
diesel::joinable!(session_changes -> agenda_sessions (session_id));
diesel::joinable!(event_organisers -> events (event_id));
diesel::joinable!(event_organisers -> users (user_id));
diesel::joinable!(event_invitations -> events (event_id));
diesel::joinable!(registration_questions -> events (event_id));
diesel::joinable!(registrations -> events (event_id));
diesel::joinable!(registrations -> users (user_id));
diesel::joinable!(registration_answers -> registrations (registration_id));
diesel::joinable!(registration_answers -> registration_questions (question_id));

diesel::joinable!(topics -> events (event_id));
diesel::joinable!(opportunity_topics -> opportunities (opportunity_id));
diesel::joinable!(opportunity_topics -> topics (topic_id));
diesel::joinable!(profile_interests -> topics (topic_id));
diesel::joinable!(opportunities -> users (user_id));
diesel::joinable!(match_profiles -> users (user_id));
diesel::joinable!(meetings -> meeting_slots (slot_id));
diesel::joinable!(meeting_seats -> meetings (meeting_id));
diesel::joinable!(unavailability -> meeting_slots (slot_id));
diesel::joinable!(published_meetings -> events (event_id));
diesel::joinable!(ideas -> users (author_id));
diesel::joinable!(idea_roles -> ideas (idea_id));
diesel::joinable!(idea_role_topics -> idea_roles (role_id));
diesel::joinable!(idea_members -> users (user_id));
diesel::joinable!(idea_applications -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    email_tokens,
    outbox,
    login_attempts,
    user_sessions,
    audit_log,
    events,
    event_organisers,
    event_invitations,
    registration_questions,
    registrations,
    registration_answers,
    rooms,
    tracks,
    agenda_sessions,
    session_speakers,
    session_signups,
    session_changes,
    match_settings,
    topics,
    match_profiles,
    profile_interests,
    opportunities,
    opportunity_topics,
    meeting_slots,
    unavailability,
    meeting_requests,
    meetings,
    meeting_seats,
    published_meetings,
    schedule_versions,
    ideas,
    idea_roles,
    idea_role_topics,
    idea_members,
    idea_applications,
    idea_invitations,
    eligibility_rules,
);
