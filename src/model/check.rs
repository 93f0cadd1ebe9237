//! The report of a mail check (test letter, «Проверить настройки», the check before saving): the
//! steps that ran, each with its time, and, if one failed, why in plain words with the server's
//! own reply kept underneath. Shared by the server, which fills it, and the browser, which shows it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// The host name was looked up and the address passed the egress guard.
    Resolve,
    Connect,
    Tls,
    /// The server's greeting and what it offers (EHLO, CAPABILITY, CAPA).
    Greeting,
    Login,
    Sender,
    Recipient,
    Data,
    /// IMAP: INBOX selected and messages counted; POP3: STAT.
    Mailbox,
}

impl Step {
    pub fn key(self) -> &'static str {
        match self {
            Step::Resolve => "step.resolve",
            Step::Connect => "step.connect",
            Step::Tls => "step.tls",
            Step::Greeting => "step.greeting",
            Step::Login => "step.login",
            Step::Sender => "step.sender",
            Step::Recipient => "step.recipient",
            Step::Data => "step.data",
            Step::Mailbox => "step.mailbox",
        }
    }

    pub const ALL: &'static [Step] = &[
        Step::Resolve,
        Step::Connect,
        Step::Tls,
        Step::Greeting,
        Step::Login,
        Step::Sender,
        Step::Recipient,
        Step::Data,
        Step::Mailbox,
    ];
}

/// Which server of an account a step talked to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    Outgoing,
    Incoming,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    pub side: Side,
    pub step: Step,
    pub ok: bool,
    pub millis: u32,
    /// A short fact worth showing: the address connected to, the TLS version, a message count.
    pub detail: Option<String>,
}

/// Why a check failed, in terms a user can act on. Each has an explanation and advice in the
/// catalogs (`reason.<name>` and `advice.<name>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    WrongLoginOrPassword,
    AppPasswordRequired,
    PasswordLoginDisabled,
    SenderNotOwned,
    RecipientRejected,
    SslOnStartTlsPort,
    StartTlsOnSslPort,
    StartTlsNotOffered,
    CertificateUntrusted,
    CertificateExpired,
    CertificateWrongHost,
    /// The server shows another certificate than the one the administrator trusted for it.
    CertificateChanged,
    TlsFailed,
    HostNotFound,
    /// Refused, unreachable or not allowed by the egress guard: one text, so checks cannot be
    /// used to map a network (security rule 6).
    Unreachable,
    Timeout,
    ConnectionDropped,
    MessageTooLarge,
    AuthNotOffered,
    MailboxUnavailable,
    ServerRejected,
    PresetNotConfigured,
    /// A line or a whole answer longer than any mail server sends (a hostile or wrong server).
    ReplyTooLong,
    /// The tenant already has as many outbound connections open as it may.
    TooManyConnections,
    /// An address has letters outside ASCII before the @ and the server does not offer SMTPUTF8.
    SmtpUtf8NotOffered,
    /// The server refused the provider's access token (revoked, expired, or for another address).
    TokenRefused,
    /// Signing in with the provider's token (XOAUTH2) is not offered on this connection.
    Xoauth2NotOffered,
}

/// One table gives each reason its stored name and its catalog keys (`reason.*`, `advice.*`).
macro_rules! reasons {
    ($($variant:ident => $name:literal),* $(,)?) => {
        impl Reason {
            /// The stable name, stored as an account's last check result.
            pub fn name(self) -> &'static str {
                match self { $(Reason::$variant => $name),* }
            }

            pub fn from_name(name: &str) -> Option<Reason> {
                match name { $($name => Some(Reason::$variant),)* _ => None }
            }

            /// The catalog key of the plain-language explanation.
            pub fn text_key(self) -> &'static str {
                match self { $(Reason::$variant => concat!("reason.", $name)),* }
            }

            /// The catalog key of what to do about it.
            pub fn advice_key(self) -> &'static str {
                match self { $(Reason::$variant => concat!("advice.", $name)),* }
            }

            pub const ALL: &'static [Reason] = &[$(Reason::$variant),*];
        }
    };
}

reasons! {
    WrongLoginOrPassword => "wrong_login_or_password",
    AppPasswordRequired => "app_password_required",
    PasswordLoginDisabled => "password_login_disabled",
    SenderNotOwned => "sender_not_owned",
    RecipientRejected => "recipient_rejected",
    SslOnStartTlsPort => "ssl_on_starttls_port",
    StartTlsOnSslPort => "starttls_on_ssl_port",
    StartTlsNotOffered => "starttls_not_offered",
    CertificateUntrusted => "certificate_untrusted",
    CertificateExpired => "certificate_expired",
    CertificateWrongHost => "certificate_wrong_host",
    CertificateChanged => "certificate_changed",
    TlsFailed => "tls_failed",
    HostNotFound => "host_not_found",
    Unreachable => "unreachable",
    Timeout => "timeout",
    ConnectionDropped => "connection_dropped",
    MessageTooLarge => "message_too_large",
    AuthNotOffered => "auth_not_offered",
    MailboxUnavailable => "mailbox_unavailable",
    ServerRejected => "server_rejected",
    PresetNotConfigured => "preset_not_configured",
    ReplyTooLong => "reply_too_long",
    TooManyConnections => "too_many_connections",
    SmtpUtf8NotOffered => "smtputf8_not_offered",
    TokenRefused => "token_refused",
    Xoauth2NotOffered => "xoauth2_not_offered",
}

impl Reason {
    /// The form field to highlight for this failure (field names of the forms).
    pub fn field(self, side: Side) -> Option<&'static str> {
        let outgoing = side == Side::Outgoing;
        match self {
            Reason::WrongLoginOrPassword | Reason::AppPasswordRequired | Reason::PasswordLoginDisabled => {
                Some("password")
            }
            Reason::SenderNotOwned => Some("sender_email"),
            Reason::RecipientRejected => Some("recipient"),
            Reason::SslOnStartTlsPort | Reason::StartTlsOnSslPort | Reason::StartTlsNotOffered => {
                Some(if outgoing { "smtp_security" } else { "incoming_security" })
            }
            Reason::CertificateUntrusted
            | Reason::CertificateExpired
            | Reason::CertificateWrongHost
            | Reason::CertificateChanged
            | Reason::HostNotFound
            | Reason::Unreachable
            | Reason::PresetNotConfigured
            | Reason::ReplyTooLong => Some(if outgoing { "smtp_host" } else { "incoming_host" }),
            Reason::Timeout | Reason::TlsFailed => Some(if outgoing { "smtp_port" } else { "incoming_port" }),
            _ => None,
        }
    }
}

/// What went wrong, with the server's own words when it said something.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub side: Side,
    pub reason: Reason,
    pub server_reply: Option<String>,
    /// The setting the server showed would work, offered as a one-click correction.
    #[serde(default)]
    pub fix: Option<Fix>,
    /// The certificate a refused TLS handshake was shown, so a person can compare it.
    #[serde(default)]
    pub certificate: Option<Box<CertificateView>>,
}

/// A server certificate as people compare it with what their administrator says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    pub subject: String,
    pub issuer: String,
    pub valid_from: String,
    pub valid_until: String,
    /// SHA-256 of the certificate, as `AB:CD:…`.
    pub sha256: String,
    /// The server it was shown by (the host in its ASCII form), for «Доверять этому сертификату».
    #[serde(default)]
    pub host: String,
    /// The same host as people read it (Unicode).
    #[serde(default)]
    pub host_shown: String,
    #[serde(default)]
    pub port: u16,
    /// Whether the certificate names that host; if not, trusting it needs a second confirmation.
    #[serde(default)]
    pub names_host: bool,
    /// For [`Reason::CertificateChanged`]: the fingerprint the administrator trusted.
    #[serde(default)]
    pub trusted_sha256: Option<String>,
    /// The server's word that a check of this tenant was shown this certificate at this host and
    /// port (for a while): «Доверять этому сертификату» sends it back, so a report made up
    /// elsewhere (a crafted link) cannot get a certificate trusted.
    #[serde(default)]
    pub proof: String,
}

/// A port and security to switch to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub port: u16,
    pub security: crate::model::Security,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub steps: Vec<StepResult>,
    pub failure: Option<Failure>,
    /// For IMAP/POP3: how many messages the mailbox holds (since the initial load date, if set).
    pub messages: Option<u32>,
    /// When the certificate the server showed stops being valid (Unix ms), if TLS was used: kept
    /// on the server for the account's health, not shown in the report.
    #[serde(skip)]
    pub certificate_expires_at: Option<i64>,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.failure.is_none() && !self.steps.is_empty()
    }
}

/// A way of finding an address's settings, in priority order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Method {
    Preset,
    Autoconfig,
    Ispdb,
    Mx,
    Srv,
    Probe,
}

impl Method {
    pub const ALL: &'static [Method] =
        &[Method::Preset, Method::Autoconfig, Method::Ispdb, Method::Mx, Method::Srv, Method::Probe];

    pub fn key(self) -> &'static str {
        match self {
            Method::Preset => "method.preset",
            Method::Autoconfig => "method.autoconfig",
            Method::Ispdb => "method.ispdb",
            Method::Mx => "method.mx",
            Method::Srv => "method.srv",
            Method::Probe => "method.probe",
        }
    }

    /// The stored and reported name: `preset`, `autoconfig`, `ispdb`, `mx`, `srv`, `probe`.
    pub fn name(self) -> &'static str {
        self.key().trim_start_matches("method.")
    }
}

/// How one detection method ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    pub method: Method,
    pub found: bool,
    pub millis: u32,
    /// What it looked at or found (a URL, an MX host, a server).
    pub detail: Option<String>,
}

/// One thing that happened during a check or a detection, as shown live.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ProgressEvent {
    Method(MethodResult),
    Step(StepResult),
}
