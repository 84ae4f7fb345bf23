//! The account e-mails. Each has a text and an HTML template under `templates/emails/`.

use super::mail_templates;

pub struct Confirm {
    pub name: String,
    pub link: String,
}
mail_templates!(
    Confirm,
    ConfirmText = "emails/confirm.txt",
    ConfirmHtml = "emails/confirm.html",
    subject = |_m| "Confirm your e-mail address for Liaison".to_string()
);

/// Sent instead of a confirmation when someone signs up with an address that has an account.
pub struct AlreadyRegistered {
    pub name: String,
    pub login_link: String,
    pub reset_link: String,
}
mail_templates!(
    AlreadyRegistered,
    AlreadyRegisteredText = "emails/already_registered.txt",
    AlreadyRegisteredHtml = "emails/already_registered.html",
    subject = |_m| "You already have a Liaison account".to_string()
);

pub struct ResetPassword {
    pub name: String,
    pub link: String,
}
mail_templates!(
    ResetPassword,
    ResetPasswordText = "emails/reset_password.txt",
    ResetPasswordHtml = "emails/reset_password.html",
    subject = |_m| "Reset your Liaison password".to_string()
);

pub struct PasswordChanged {
    pub name: String,
    pub reset_link: String,
}
mail_templates!(
    PasswordChanged,
    PasswordChangedText = "emails/password_changed.txt",
    PasswordChangedHtml = "emails/password_changed.html",
    subject = |_m| "Your Liaison password was changed".to_string()
);

pub struct AccountDeleted {
    pub name: String,
    /// Events whose calendar entry the attached cancellations remove.
    pub events: Vec<String>,
}
mail_templates!(
    AccountDeleted,
    AccountDeletedText = "emails/account_deleted.txt",
    AccountDeletedHtml = "emails/account_deleted.html",
    subject = |_m| "Your Liaison account has been deleted".to_string()
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Mail;

    #[test]
    fn html_part_escapes_and_text_part_does_not() {
        let m = Confirm { name: "Ada <b>&</b>".into(), link: "http://x/confirm/abc".into() };
        let html = m.html().expect("html");
        assert!(
            html.contains("Ada &#60;b&#62;&#38;&#60;/b&#62;") || html.contains("Ada &lt;b&gt;&amp;&lt;/b&gt;"),
            "{html}"
        );
        assert!(html.contains("http://x/confirm/abc"));
        let text = m.text().expect("text");
        assert!(text.contains("Ada <b>&</b>"));
        assert!(text.contains("http://x/confirm/abc"));
        assert!(m.subject().contains("Confirm"));
    }
}
