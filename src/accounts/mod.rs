//! Accounts: sign-up, e-mail confirmation, login and throttling, password reset and change,
//! profile, personal data export and account deletion.

pub mod erasure;
pub mod handlers;
pub mod model;
pub mod password;
pub mod service;
pub mod sessions;
pub mod throttle;
pub mod tokens;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    cfg.route("/signup", web::get().to(signup_page))
        .route("/signup", web::post().to(signup_submit))
        .route("/signup/check-email", web::get().to(check_email_page))
        .route("/confirm/resend", web::get().to(resend_page))
        .route("/confirm/resend", web::post().to(resend_submit))
        .route("/confirm/{token}", web::get().to(confirm_page))
        .route("/confirm/{token}", web::post().to(confirm_submit))
        .route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login_submit))
        .route("/logout", web::post().to(logout))
        .route("/password/forgot", web::get().to(forgot_page))
        .route("/password/forgot", web::post().to(forgot_submit))
        .route("/password/reset/{token}", web::get().to(reset_page))
        .route("/password/reset/{token}", web::post().to(reset_submit))
        .route("/account", web::get().to(account_page))
        .route("/account", web::post().to(account_submit))
        .route("/account/sessions/end-others", web::post().to(end_other_sessions))
        .route("/account/sessions/end-all", web::post().to(end_all_sessions))
        .route("/account/sessions/{id}/end", web::post().to(end_session))
        .route("/account/password", web::get().to(password_page))
        .route("/account/password", web::post().to(password_submit))
        .route("/account/export", web::get().to(export))
        .route("/account/delete", web::get().to(delete_page))
        .route("/account/delete", web::post().to(delete_submit));
}
