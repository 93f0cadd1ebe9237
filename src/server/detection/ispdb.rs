//! The Thunderbird autoconfig format (`clientConfig` 1.1, as in the ISPDB): parsing a file into
//! the servers it describes, with `%EMAILADDRESS%`-style placeholders filled from an address.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SocketType {
    #[serde(rename = "SSL")]
    Ssl,
    #[serde(rename = "STARTTLS")]
    StartTls,
    #[serde(rename = "plain")]
    Plain,
}

/// One server as the file says it, placeholders not yet filled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerEntry {
    /// `imap`, `pop3` or `smtp`.
    #[serde(rename = "type")]
    pub kind: String,
    pub host: String,
    pub port: u16,
    pub socket_type: SocketType,
    /// The login template, e.g. `%EMAILADDRESS%`.
    pub username: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProviderConfig {
    pub id: String,
    pub display_name: Option<String>,
    pub domains: Vec<String>,
    pub incoming: Vec<ServerEntry>,
    pub outgoing: Vec<ServerEntry>,
}

fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.children().find(|c| c.has_tag_name(name)).and_then(|c| c.text()).map(str::trim)
}

fn server(node: roxmltree::Node<'_, '_>) -> Result<ServerEntry, String> {
    let kind = node.attribute("type").ok_or("a server without a type")?.to_string();
    let host = child_text(node, "hostname").ok_or_else(|| format!("{kind} server without a hostname"))?.to_string();
    let port = child_text(node, "port")
        .ok_or_else(|| format!("{kind} server {host} without a port"))?
        .parse::<u16>()
        .map_err(|_| format!("{kind} server {host}: the port is not a number"))?;
    let socket_type = match child_text(node, "socketType").unwrap_or("plain") {
        "SSL" => SocketType::Ssl,
        "STARTTLS" => SocketType::StartTls,
        "plain" => SocketType::Plain,
        other => return Err(format!("{kind} server {host}: unknown socketType {other}")),
    };
    let username = child_text(node, "username").unwrap_or("%EMAILADDRESS%").to_string();
    Ok(ServerEntry { kind, host, port, socket_type, username })
}

pub fn parse(xml: &str) -> Result<ProviderConfig, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("not XML: {e}"))?;
    let root = doc.root_element();
    if !root.has_tag_name("clientConfig") {
        return Err(format!("the root element is {}, not clientConfig", root.tag_name().name()));
    }
    let provider = root.children().find(|c| c.has_tag_name("emailProvider")).ok_or("no emailProvider")?;
    let mut config = ProviderConfig {
        id: provider.attribute("id").unwrap_or_default().to_string(),
        display_name: child_text(provider, "displayName").map(str::to_string),
        domains: Vec::new(),
        incoming: Vec::new(),
        outgoing: Vec::new(),
    };
    for node in provider.children().filter(|c| c.is_element()) {
        match node.tag_name().name() {
            "domain" => config.domains.extend(node.text().map(|t| t.trim().to_ascii_lowercase())),
            // Web-API servers (ews, owa, graph, exchange) have URLs, not mail protocols: skipped.
            "incomingServer" if matches!(node.attribute("type"), Some("imap" | "pop3")) => {
                config.incoming.push(server(node)?)
            }
            "outgoingServer" if node.attribute("type") == Some("smtp") => config.outgoing.push(server(node)?),
            _ => {}
        }
    }
    Ok(config)
}

/// Fills the placeholders of a template with the parts of `address`.
pub fn fill(template: &str, address: &crate::model::EmailAddress) -> String {
    template
        .replace("%EMAILADDRESS%", address.as_str())
        .replace("%EMAILLOCALPART%", address.local_part())
        .replace("%EMAILDOMAIN%", address.domain())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="example.com">
    <domain>example.com</domain>
    <domain>Example.NET</domain>
    <displayName>Example Mail</displayName>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname><port>993</port><socketType>SSL</socketType>
      <username>%EMAILLOCALPART%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.example.com</hostname><port>110</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.com</hostname><port>587</port><socketType>STARTTLS</socketType>
    </outgoingServer>
  </emailProvider>
</clientConfig>"#;

    #[test]
    fn a_client_config_gives_its_servers() {
        let config = parse(SAMPLE).unwrap();
        assert_eq!(config.id, "example.com");
        assert_eq!(config.domains, ["example.com", "example.net"]);
        assert_eq!(config.incoming.len(), 2);
        assert_eq!(config.incoming[0].socket_type, SocketType::Ssl);
        assert_eq!(config.incoming[1].port, 110);
        assert_eq!(config.outgoing[0].username, "%EMAILADDRESS%", "the default login is the address");
        let address = crate::model::EmailAddress::parse("anna@example.net").unwrap();
        assert_eq!(fill(&config.incoming[0].host, &address), "imap.example.net");
        assert_eq!(fill(&config.incoming[0].username, &address), "anna");
    }

    /// The servers of a file read a second, independent way: plain text search for each
    /// server element (comments removed), taking its hostname, port, socketType and username.
    fn servers_by_text(xml: &str, element: &str, types: &[&str]) -> Vec<(String, String, u16, String, String)> {
        let mut text = xml.to_string();
        while let Some(start) = text.find("<!--") {
            let end = text[start..].find("-->").map_or(text.len(), |e| start + e + 3);
            text.replace_range(start..end, "");
        }
        let value = |block: &str, tag: &str| -> Option<String> {
            let open = format!("<{tag}>");
            let start = block.find(&open)? + open.len();
            let end = block[start..].find(&format!("</{tag}>"))? + start;
            Some(block[start..end].trim().to_string())
        };
        let mut found = Vec::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find(&format!("<{element} ")) {
            let block_end = rest[start..].find(&format!("</{element}>")).expect("a closed element") + start;
            let block = &rest[start..block_end];
            let tag_end = block.find('>').unwrap();
            let kind = block[..tag_end]
                .split("type=")
                .nth(1)
                .unwrap()
                .trim_matches(|c| c == '"' || c == '\'' || c == ' ' || c == '/')
                .to_string();
            if types.contains(&kind.as_str()) {
                let port = value(block, "port").expect("a port").parse().expect("a numeric port");
                let socket = value(block, "socketType").unwrap_or_else(|| "plain".into());
                let username = value(block, "username").unwrap_or_else(|| "%EMAILADDRESS%".into());
                found.push((kind, value(block, "hostname").expect("a hostname"), port, socket, username));
            }
            rest = &rest[block_end..];
        }
        found
    }

    fn as_tuples(entries: &[ServerEntry]) -> Vec<(String, String, u16, String, String)> {
        entries
            .iter()
            .map(|e| {
                let socket = match e.socket_type {
                    SocketType::Ssl => "SSL",
                    SocketType::StartTls => "STARTTLS",
                    SocketType::Plain => "plain",
                };
                (e.kind.clone(), e.host.clone(), e.port, socket.to_string(), e.username.clone())
            })
            .collect()
    }

    /// Every shipped provider file (a copy of `shared/data/ispdb`) parses, and the parsed
    /// servers are exactly those the file lists.
    #[test]
    fn every_shipped_file_parses_into_exactly_its_servers() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server/detection/ispdb");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|x| x != "xml") {
                continue;
            }
            let xml = std::fs::read_to_string(&path).unwrap();
            let config = parse(&xml).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                as_tuples(&config.incoming),
                servers_by_text(&xml, "incomingServer", &["imap", "pop3"]),
                "{}",
                path.display()
            );
            assert_eq!(
                as_tuples(&config.outgoing),
                servers_by_text(&xml, "outgoingServer", &["smtp"]),
                "{}",
                path.display()
            );
            assert!(!config.outgoing.is_empty() || !config.incoming.is_empty(), "{}: no servers", path.display());
            checked += 1;
        }
        assert_eq!(checked, 128, "every file of the ISPDB copy");
    }

    #[test]
    fn broken_files_are_refused_with_a_reason() {
        assert!(parse("not xml").is_err());
        assert!(parse("<html/>").unwrap_err().contains("clientConfig"));
        let bad_port = SAMPLE.replace("<port>993</port>", "<port>nine</port>");
        assert!(parse(&bad_port).unwrap_err().contains("port"));
        let bad_socket = SAMPLE.replace("<socketType>SSL</socketType>", "<socketType>TLS1.3</socketType>");
        assert!(parse(&bad_socket).unwrap_err().contains("socketType"));
    }
}
