//! The `internet`, `dns` and `snmp` sections.

use super::*;

impl Walker {
    pub(super) fn internet(&mut self, node: &Node) -> Option<Internet> {
        let f = self.fields(node, "`internet`", &["edge"], "{ edge: hq.fw1 }")?;
        let Some(n) = f.get("edge") else {
            self.missing(&f, "edge", "`internet`", "hq.fw1");
            return None;
        };
        let edge = self.text(n, "the internet edge")?;
        self.refs.push(Ref {
            text: edge.clone(),
            span: n.span,
            what: RefKind::InternetEdge,
        });
        Some(Internet { edge, span: n.span })
    }

    pub(super) fn dns(&mut self, node: &Node) -> Option<Dns> {
        let f = self.fields(
            node,
            "`dns`",
            &["domain", "server"],
            "{ domain: acme.lan, server: hq.servers.dns1 }",
        )?;
        let domain = match f.get("domain") {
            None => {
                self.missing(&f, "domain", "`dns`", "acme.lan");
                None
            }
            Some(n) => self.text(n, "the DNS domain").and_then(|d| {
                // DNS names are case-insensitive: keep them in lowercase.
                let d = d.trim_end_matches('.').to_lowercase();
                let ok = !d.is_empty()
                    && d.len() <= 253
                    && d.split('.').all(|l| text::name_problem(l).is_none());
                if !ok {
                    self.error(
                        n.span,
                        format!("`{}` is not a valid DNS domain", shorten(&d)),
                        "write dot-separated labels of a-z, 0-9 and `-`, e.g. `acme.lan`",
                    );
                    return None;
                }
                Some(d)
            }),
        };
        let server = match f.get("server") {
            None => {
                self.missing(&f, "server", "`dns`", "hq.servers.dns1");
                None
            }
            Some(n) => self.text(n, "the DNS server").inspect(|s| {
                self.refs.push(Ref {
                    text: s.clone(),
                    span: n.span,
                    what: RefKind::DnsServer,
                });
            }),
        };
        Some(Dns {
            domain: domain?,
            server: server?,
            span: node.span,
        })
    }

    pub(super) fn snmp(&mut self, node: &Node) -> Option<Snmp> {
        let what = "`snmp`";
        let f = self.fields(
            node,
            what,
            SNMP_KEYS,
            "{ version: 2c, community: \"${NETKIT_SNMP_COMMUNITY}\" }",
        )?;
        let version = match f.get("version") {
            None => {
                self.missing(&f, "version", what, "2c");
                None
            }
            Some(n) => match &n.kind {
                Kind::Scalar { text, .. } => match text.trim() {
                    "1" | "v1" => Some(SnmpVersion::V1),
                    "2c" | "v2c" | "2C" => Some(SnmpVersion::V2c),
                    "3" | "v3" => Some(SnmpVersion::V3),
                    other => {
                        let hint = if other == "2" {
                            "did you mean `2c`?".to_string()
                        } else {
                            "use 1, 2c or 3".to_string()
                        };
                        self.error(
                            n.span,
                            format!(
                                "unknown SNMP version `{}`: netkit speaks SNMP 1, 2c and 3",
                                shorten(other)
                            ),
                            hint,
                        );
                        None
                    }
                },
                _ => {
                    self.error(
                        n.span,
                        format!("the SNMP version must be 1, 2c or 3, not {}", n.describe()),
                        "write `version: 2c`",
                    );
                    None
                }
            },
        };
        // Secrets are kept exactly as written and never echoed in messages.
        let secret = |w: &mut Walker, key: &str| -> Option<String> {
            let n = f.get(key)?;
            match &n.kind {
                Kind::Scalar { text, .. } => Some(text.clone()),
                _ => {
                    w.error(
                        n.span,
                        format!("`{key}` of {what} must be text"),
                        format!(
                            "write it like `{key}: \"${{NETKIT_SNMP_{}}}\"`",
                            key.to_uppercase()
                        ),
                    );
                    None
                }
            }
        };
        let community = secret(self, "community");
        let auth_password = secret(self, "auth_password");
        let priv_password = secret(self, "priv_password");
        let user = self.opt_text(&f, "user", what);
        let auth_protocol = f.get("auth_protocol").and_then(|n| {
            let t = self.text(n, "snmp.auth_protocol")?;
            const AUTH: &[&str] = &["MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512"];
            if AUTH.iter().any(|a| a.eq_ignore_ascii_case(&t)) {
                Some(t)
            } else {
                self.error(
                    n.span,
                    format!("unknown SNMPv3 authentication protocol `{}`", shorten(&t)),
                    format!("use one of: {}", AUTH.join(", ")),
                );
                None
            }
        });
        let priv_protocol = f.get("priv_protocol").and_then(|n| {
            let t = self.text(n, "snmp.priv_protocol")?;
            const PRIV: &[&str] = &["AES", "AES-128", "AES-192", "AES-256", "DES"];
            if PRIV.iter().any(|a| a.eq_ignore_ascii_case(&t)) {
                Some(t)
            } else {
                self.error(
                    n.span,
                    format!("unknown SNMPv3 privacy protocol `{}`", shorten(&t)),
                    format!("use one of: {}", PRIV.join(", ")),
                );
                None
            }
        });
        if version == Some(SnmpVersion::V3) && user.is_none() {
            self.missing(&f, "user", "`snmp` version 3", "netkit");
        }
        if let Some(v) = version
            && v != SnmpVersion::V3
        {
            for key in [
                "user",
                "auth_protocol",
                "auth_password",
                "priv_protocol",
                "priv_password",
            ] {
                if let Some(span) = f.key_span(key) {
                    self.warning(
                        span,
                        format!("`{key}` is only used by SNMP version 3, but `version` is not 3"),
                        "remove it, or set `version: 3`",
                    );
                }
            }
        }
        Some(Snmp {
            version: version?,
            community,
            user,
            auth_protocol,
            auth_password,
            priv_protocol,
            priv_password,
            span: node.span,
        })
    }
}
