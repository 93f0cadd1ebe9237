//! The rule that guards stored mail passwords: a stored password goes only to the servers, with
//! the logins, it was saved for. Saving settings that would send it anywhere else (another host,
//! port, security, login or protocol, «Те же логин и пароль» turned on or off, sending or
//! receiving turned on or off) needs the password typed again. Pure code, decided in one place.

use crate::model::accounts::Connection;
use crate::model::{Invalid, Protocol, ServerLogin};
use std::collections::BTreeSet;

/// One place a password is sent: a protocol's server and the login used there.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Destination {
    protocol: &'static str,
    host: String,
    port: u16,
    security: &'static str,
    /// Compared without regard to letter case: the same mailbox either way.
    login: String,
}

impl Destination {
    pub fn new(protocol: Protocol, to: &ServerLogin) -> Self {
        Self {
            protocol: protocol.as_str(),
            host: to.server.host.to_string(),
            port: to.server.port.get(),
            security: to.server.security.as_str(),
            login: to.login.trim().to_lowercase(),
        }
    }
}

pub type Destinations = BTreeSet<Destination>;

/// Where an account's two passwords go under one configuration (the servers it uses).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Routes {
    /// The account's password: the SMTP server, and the incoming server when it takes the same
    /// credentials.
    pub main: Destinations,
    /// The incoming server's own password.
    pub incoming: Destinations,
}

impl Routes {
    /// `connection` holds only the servers in use (an account that does not send has no SMTP).
    pub fn of(connection: &Connection) -> Self {
        let mut routes = Routes::default();
        if let Some(smtp) = &connection.smtp {
            routes.main.insert(Destination::new(Protocol::Smtp, smtp));
        }
        if let Some((protocol, incoming)) = &connection.incoming {
            let to = if connection.same_credentials { &mut routes.main } else { &mut routes.incoming };
            to.insert(Destination::new(*protocol, incoming));
        }
        routes
    }
}

/// Why the password is about to be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Settings are being saved (and checked first): the stored password may be kept only if it
    /// would go to exactly the servers it was saved for.
    Save,
    /// Saved settings are used as they are (a check, a test letter): it may go to some of them.
    Use,
}

/// Where the password for a set of destinations comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// It goes nowhere: none is needed.
    NotNeeded,
    /// The one the user typed.
    Typed,
    /// The stored one: the rule allows it.
    Stored,
}

/// Decides where the password that will go to `going_to` comes from. `saved_for`: where the
/// stored password was saved to go (`None`: none is stored). Refused: the stored password may not
/// go there ([`Invalid::PasswordRequiredAfterServerChange`]), or nothing was typed or stored
/// ([`Invalid::PasswordForCheck`]).
pub fn source(
    typed: bool,
    saved_for: Option<&Destinations>,
    going_to: &Destinations,
    purpose: Purpose,
) -> Result<Source, Invalid> {
    if going_to.is_empty() {
        return Ok(Source::NotNeeded);
    }
    if typed {
        return Ok(Source::Typed);
    }
    let Some(saved_for) = saved_for else { return Err(Invalid::PasswordForCheck) };
    let allowed = match purpose {
        Purpose::Save => going_to == saved_for,
        Purpose::Use => going_to.is_subset(saved_for),
    };
    if allowed {
        Ok(Source::Stored)
    } else {
        Err(Invalid::PasswordRequiredAfterServerChange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Host, Port, Security, ServerAddress};

    fn server(host: &str, port: u32, security: Security, login: &str) -> ServerLogin {
        ServerLogin {
            server: ServerAddress { host: Host::parse(host).unwrap(), port: Port::new(port).unwrap(), security },
            login: login.into(),
        }
    }

    /// Sends through smtp.romashka.ru and receives over IMAP from imap.romashka.ru.
    fn saved(same_credentials: bool) -> Connection {
        Connection {
            provider: None,
            smtp: Some(server("smtp.romashka.ru", 465, Security::Ssl, "anna@romashka.ru")),
            incoming: Some((Protocol::Imap, server("imap.romashka.ru", 993, Security::Ssl, "anna@romashka.ru"))),
            same_credentials,
        }
    }

    type Change = fn(&mut Connection);

    fn smtp(c: &mut Connection) -> &mut ServerLogin {
        c.smtp.as_mut().unwrap()
    }

    fn incoming(c: &mut Connection) -> &mut ServerLogin {
        &mut c.incoming.as_mut().unwrap().1
    }

    /// What each password does when saved again without being typed.
    #[derive(Debug, PartialEq)]
    enum Outcome {
        Kept,
        Asked,
        Unused,
    }
    use Outcome::{Asked, Kept, Unused};

    fn outcome(typed_nothing: Result<Source, Invalid>) -> Outcome {
        match typed_nothing {
            Ok(Source::Stored) => Kept,
            Ok(Source::NotNeeded) => Unused,
            Ok(Source::Typed) => unreachable!("nothing was typed"),
            Err(_) => Asked,
        }
    }

    #[test]
    fn a_stored_password_goes_only_where_it_was_saved_for() {
        // (change, same credentials before, the account's password, the incoming password)
        let cases: &[(&str, Change, bool, Outcome, Outcome)] = &[
            ("nothing", |_| {}, true, Kept, Unused),
            ("nothing", |_| {}, false, Kept, Kept),
            ("same credentials turned off", |c| c.same_credentials = false, true, Asked, Asked),
            ("same credentials turned on", |c| c.same_credentials = true, false, Asked, Unused),
            ("sending turned off", |c| c.smtp = None, true, Asked, Unused),
            (
                "sending turned off (forces same credentials)",
                |c| {
                    c.smtp = None;
                    c.same_credentials = true;
                },
                false,
                Asked,
                Unused,
            ),
            ("receiving turned off", |c| c.incoming = None, true, Asked, Unused),
            ("receiving turned off", |c| c.incoming = None, false, Kept, Unused),
            ("protocol IMAP → POP3", |c| c.incoming.as_mut().unwrap().0 = Protocol::Pop3, true, Asked, Unused),
            ("protocol IMAP → POP3", |c| c.incoming.as_mut().unwrap().0 = Protocol::Pop3, false, Kept, Asked),
            ("SMTP host", |c| smtp(c).server.host = Host::parse("evil.example").unwrap(), true, Asked, Unused),
            ("SMTP host", |c| smtp(c).server.host = Host::parse("evil.example").unwrap(), false, Asked, Kept),
            ("SMTP port", |c| smtp(c).server.port = Port::new(2465).unwrap(), false, Asked, Kept),
            (
                "SMTP security",
                |c| {
                    smtp(c).server.security = Security::StartTls;
                },
                true,
                Asked,
                Unused,
            ),
            ("SMTP login", |c| smtp(c).login = "boris@romashka.ru".into(), false, Asked, Kept),
            ("incoming host", |c| incoming(c).server.host = Host::parse("evil.example").unwrap(), true, Asked, Unused),
            ("incoming host", |c| incoming(c).server.host = Host::parse("evil.example").unwrap(), false, Kept, Asked),
            ("incoming port", |c| incoming(c).server.port = Port::new(1993).unwrap(), false, Kept, Asked),
            ("incoming security", |c| incoming(c).server.security = Security::StartTls, true, Asked, Unused),
            ("incoming login", |c| incoming(c).login = "boris".into(), false, Kept, Asked),
            ("login letter case", |c| smtp(c).login = "Anna@Romashka.RU".into(), true, Kept, Unused),
        ];
        for (change, edit, same_credentials, main, incoming_password) in cases {
            let before = saved(*same_credentials);
            let mut after = before.clone();
            edit(&mut after);
            let (was, now) = (Routes::of(&before), Routes::of(&after));
            // Both passwords are stored where the account had them.
            let stored_incoming = (!before.same_credentials).then_some(&was.incoming);
            let got_main = outcome(source(false, Some(&was.main), &now.main, Purpose::Save));
            let got_incoming = outcome(source(false, stored_incoming, &now.incoming, Purpose::Save));
            assert_eq!(
                (&got_main, &got_incoming),
                (main, incoming_password),
                "{change} (same credentials before: {same_credentials})"
            );
        }
    }

    #[test]
    fn a_typed_password_goes_anywhere_and_a_missing_one_is_asked_for() {
        let to_evil =
            Routes::of(&Connection { smtp: Some(server("evil.example", 465, Security::Ssl, "x")), ..saved(true) });
        assert_eq!(source(true, None, &to_evil.main, Purpose::Save), Ok(Source::Typed));
        assert_eq!(source(false, None, &to_evil.main, Purpose::Save), Err(Invalid::PasswordForCheck));
        let was = Routes::of(&saved(true));
        assert_eq!(
            source(false, Some(&was.main), &to_evil.main, Purpose::Save),
            Err(Invalid::PasswordRequiredAfterServerChange)
        );
    }

    #[test]
    fn using_saved_settings_may_reach_part_of_them_but_nothing_else() {
        let was = Routes::of(&saved(true));
        let smtp_only = Routes::of(&Connection { incoming: None, ..saved(true) });
        assert_eq!(source(false, Some(&was.main), &smtp_only.main, Purpose::Use), Ok(Source::Stored));
        assert_eq!(
            source(false, Some(&was.main), &smtp_only.main, Purpose::Save),
            Err(Invalid::PasswordRequiredAfterServerChange)
        );
        let mut elsewhere = saved(true);
        smtp(&mut elsewhere).server.port = Port::new(587).unwrap();
        assert_eq!(
            source(false, Some(&was.main), &Routes::of(&elsewhere).main, Purpose::Use),
            Err(Invalid::PasswordRequiredAfterServerChange)
        );
    }
}
