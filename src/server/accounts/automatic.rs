//! Automatic setup: the settings found from the address are checked with the typed password (or
//! the sign-in with the provider);
//! when nothing is found, or it is incomplete, or the check fails, the user continues by hand
//! with what was found.

use super::check::{self, Target};
use super::passwords::Credentials;
use super::save;
use crate::model::accounts::{AccountOutcome, Basics, Connection};
use crate::model::check::Method;
use crate::model::error::AppError;
use crate::server::detection;
use crate::server::progress::Progress;
use crate::server::rate;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;

pub async fn setup(
    state: &AppState,
    user: &CurrentUser,
    basics: &Basics,
    credentials: &Credentials,
    progress: Option<Progress>,
) -> Result<AccountOutcome, AppError> {
    rate::mail_operation(&state.db, state.config.mail_limits(), user.tenant, user.id).await?;
    let outcome = state.detector(user.tenant).detect(&basics.address, progress.as_ref().map(Progress::methods)).await;
    let Some((_, found)) = outcome.found else {
        let defaults = detection::recommended(&state.presets, &basics.address);
        let source = defaults.source();
        let connection = defaults.into_connection().view(source);
        return Ok(AccountOutcome::Manual { connection, report: None, confirm_hosts: Vec::new() });
    };
    let source = found.source();
    let unvouched = matches!(found.source, Some(Method::Srv | Method::Probe));
    let mut connection = found.into_connection();
    if !basics.use_for_sending {
        connection.smtp = None;
    }
    if !basics.use_for_receiving {
        connection.incoming = None;
    }
    let incomplete = (basics.use_for_sending && connection.smtp.is_none())
        || (basics.use_for_receiving && connection.incoming.is_none());
    if incomplete {
        return Ok(AccountOutcome::Manual {
            connection: connection.view(source),
            report: None,
            confirm_hosts: Vec::new(),
        });
    }
    // Servers from DNS records or probing, outside the address's domain: anyone controlling that
    // DNS could have named them, so the password waits for the user to confirm them.
    let outside = if unvouched { hosts_outside(&connection, basics.address.domain()) } else { Vec::new() };
    if !outside.is_empty() {
        return Ok(AccountOutcome::Manual {
            connection: connection.view(source),
            report: None,
            confirm_hosts: outside,
        });
    }
    let report =
        check::run(state, user, &Target::of_draft(basics), &connection, credentials, progress.as_ref()).await?;
    if !report.passed() {
        let connection = connection.view(source);
        return Ok(AccountOutcome::Manual { connection, report: Some(report), confirm_hosts: Vec::new() });
    }
    let id = save::save(state, user, None, 0, basics, &connection, credentials).await?;
    Ok(AccountOutcome::Saved { id, report })
}

/// The servers of `connection` that are neither `domain` nor under it.
fn hosts_outside(connection: &Connection, domain: &str) -> Vec<String> {
    let domain = domain.to_ascii_lowercase();
    let servers = connection.smtp.iter().chain(connection.incoming.iter().map(|(_, s)| s));
    let mut outside: Vec<String> = servers
        .map(|s| &s.server.host)
        .filter(|host| host.as_str() != domain && !host.as_str().ends_with(&format!(".{domain}")))
        .map(|host| host.unicode())
        .collect();
    outside.dedup();
    outside
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Host, Port, Protocol, Security, ServerAddress, ServerLogin};

    fn at(host: &str) -> ServerLogin {
        let server =
            ServerAddress { host: Host::parse(host).unwrap(), port: Port::new(465).unwrap(), security: Security::Ssl };
        ServerLogin { server, login: "anna@romashka.ru".into() }
    }

    #[test]
    fn only_hosts_outside_the_domain_need_confirming() {
        let connection = |smtp: &str, imap: &str| Connection {
            provider: None,
            smtp: Some(at(smtp)),
            incoming: Some((Protocol::Imap, at(imap))),
            same_credentials: true,
        };
        assert!(hosts_outside(&connection("smtp.romashka.ru", "romashka.ru"), "Romashka.ru").is_empty());
        assert_eq!(
            hosts_outside(&connection("mail.evil.example", "imap.romashka.ru"), "romashka.ru"),
            ["mail.evil.example"]
        );
        assert_eq!(hosts_outside(&connection("notromashka.ru", "notromashka.ru"), "romashka.ru"), ["notromashka.ru"]);
    }
}
