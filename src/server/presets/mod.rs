//! The mail-service presets: the file shipped inside the binary (`mail-services.json`), merged
//! with the operator's file (`POCHTA_PRESETS_FILE`), which may change any field of a shipped
//! service — typically give Tradesoft its servers — or add services, without a rebuild.

use crate::model::{Host, MailService, ServerPreset, Texts};
use serde::Deserialize;
use std::path::Path;

const SHIPPED: &str = include_str!("mail-services.json");

pub struct Presets {
    services: Vec<MailService>,
}

/// An entry of the operator's file: every field optional for a service that already exists.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OperatorEntry {
    id: String,
    name: Option<String>,
    smtp: Option<ServerPreset>,
    imap: Option<ServerPreset>,
    pop3: Option<ServerPreset>,
    domains: Option<Vec<String>>,
    mx: Option<Vec<String>>,
    password_hint: Option<Texts>,
    guide_url: Option<String>,
    notice: Option<Texts>,
    oauth: Option<crate::model::oauth::Provider>,
}

impl Presets {
    pub fn load(operator_file: Option<&Path>) -> Result<Self, String> {
        let mut services: Vec<MailService> =
            serde_json::from_str(SHIPPED).map_err(|e| format!("shipped presets: {e}"))?;
        if let Some(path) = operator_file {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let entries: Vec<OperatorEntry> =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            for entry in entries {
                merge(&mut services, entry).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        for service in &services {
            validate(service)?;
        }
        Ok(Self { services })
    }

    pub fn all(&self) -> &[MailService] {
        &self.services
    }

    pub fn get(&self, id: &str) -> Option<&MailService> {
        self.services.iter().find(|s| s.id == id)
    }

    /// The service hosting a domain whose mail exchanger is `mx_host`.
    pub fn for_mx(&self, mx_host: &str) -> Option<&MailService> {
        let host = mx_host.trim_end_matches('.').to_ascii_lowercase();
        self.services.iter().find(|s| s.mx.iter().any(|end| host == *end || host.ends_with(&format!(".{end}"))))
    }

    /// The service whose domain list contains the address's domain.
    pub fn for_domain(&self, domain: &str) -> Option<&MailService> {
        let domain = domain.to_ascii_lowercase();
        self.services.iter().find(|s| s.domains.contains(&domain))
    }
}

fn merge(services: &mut Vec<MailService>, entry: OperatorEntry) -> Result<(), String> {
    let index = match services.iter().position(|s| s.id == entry.id) {
        Some(i) => i,
        None => {
            let name = entry.name.clone().ok_or_else(|| format!("the new service {} needs a name", entry.id))?;
            services.push(MailService {
                id: entry.id.clone(),
                name,
                smtp: None,
                imap: None,
                pop3: None,
                domains: Vec::new(),
                mx: Vec::new(),
                password_hint: Texts::default(),
                guide_url: None,
                notice: None,
                oauth: None,
            });
            services.len() - 1
        }
    };
    let service = &mut services[index];
    if let Some(name) = entry.name {
        service.name = name;
    }
    if entry.smtp.is_some() {
        service.smtp = entry.smtp;
    }
    if entry.imap.is_some() {
        service.imap = entry.imap;
    }
    if entry.pop3.is_some() {
        service.pop3 = entry.pop3;
    }
    if let Some(domains) = entry.domains {
        service.domains = domains.into_iter().map(|d| d.to_ascii_lowercase()).collect();
    }
    if let Some(mx) = entry.mx {
        service.mx = mx.into_iter().map(|d| d.to_ascii_lowercase()).collect();
    }
    if let Some(hint) = entry.password_hint {
        service.password_hint = hint;
    }
    if entry.guide_url.is_some() {
        service.guide_url = entry.guide_url;
    }
    if entry.notice.is_some() {
        service.notice = entry.notice;
    }
    if entry.oauth.is_some() {
        service.oauth = entry.oauth;
    }
    Ok(())
}

fn validate(service: &MailService) -> Result<(), String> {
    if service.id.is_empty()
        || service.id == crate::model::OTHER_SERVICE
        || !service.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!("service id {:?}: letters, digits, - and _, and not \"other\"", service.id));
    }
    for server in [&service.smtp, &service.imap, &service.pop3].into_iter().flatten() {
        Host::parse(&server.host).map_err(|_| format!("service {}: bad host {}", service.id, server.host))?;
        if server.port == 0 {
            return Err(format!("service {}: port 0", service.id));
        }
    }
    if let Some(url) = &service.guide_url {
        if !url.starts_with("https://") {
            return Err(format!("service {}: the guide link must be https", service.id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_presets_have_the_services_of_the_seed() {
        let presets = Presets::load(None).unwrap();
        let names: Vec<_> = presets.all().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Google", "Mail.ru", "Microsoft 365", "Outlook", "Rambler", "Tradesoft", "Yandex"]);
        // Microsoft's services sign in with Microsoft; the work mail sends through Microsoft 365's
        // own endpoint.
        let microsoft = crate::model::oauth::Provider::Microsoft;
        assert_eq!(
            (presets.get("outlook").unwrap().oauth, presets.get("microsoft365").unwrap().oauth),
            (Some(microsoft), Some(microsoft))
        );
        let work = presets.get("microsoft365").unwrap().smtp.clone().unwrap();
        assert_eq!((work.host.as_str(), work.port), ("smtp.office365.com", 587));
        let google = presets.get("google").unwrap().smtp.clone().unwrap();
        assert_eq!((google.host.as_str(), google.port), ("smtp.gmail.com", 465));
        assert!(presets.get("tradesoft").unwrap().smtp.is_none(), "Tradesoft publishes no servers");
        assert_eq!(presets.for_domain("Inbox.ru").unwrap().id, "mailru");
        assert_eq!(presets.for_mx("aspmx.l.google.com").unwrap().id, "google");
        assert_eq!(presets.for_mx("mx.yandex.net.").unwrap().id, "yandex");
        assert!(presets.for_mx("notgoogle.com").is_none(), "whole labels only");
        for s in presets.all() {
            assert!(!s.password_hint.ru.is_empty() && !s.password_hint.en.is_empty(), "{} has a hint", s.id);
        }
    }

    #[test]
    fn the_operator_file_completes_and_extends_the_presets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("services.json");
        std::fs::write(
            &path,
            r#"[{"id":"tradesoft","smtp":{"host":"smtp.tradesoft.example","port":465,"security":"Ssl"}},
                {"id":"corp","name":"Корпоративная почта","smtp":{"host":"mail.corp.example","port":587,"security":"StartTls"},"domains":["Corp.Example"]}]"#,
        )
        .unwrap();
        let presets = Presets::load(Some(&path)).unwrap();
        let tradesoft = presets.get("tradesoft").unwrap();
        assert_eq!(tradesoft.smtp.as_ref().unwrap().host, "smtp.tradesoft.example");
        assert_eq!(tradesoft.name, "Tradesoft", "fields not given are kept");
        assert_eq!(presets.for_domain("corp.example").unwrap().name, "Корпоративная почта");
    }

    #[test]
    fn a_broken_operator_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("services.json");
        for bad in [
            r#"[{"id":"new-one"}]"#,
            r#"[{"id":"google","smtp":{"host":"smtp://x","port":465,"security":"Ssl"}}]"#,
            r#"[{"id":"google","guide_url":"http://insecure.example"}]"#,
            r#"[{"id":"google","colour":"red"}]"#,
            "not json",
        ] {
            std::fs::write(&path, bad).unwrap();
            assert!(Presets::load(Some(&path)).is_err(), "{bad}");
        }
    }
}
