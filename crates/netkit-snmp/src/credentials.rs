//! Credentials and the crate's error type. Secrets live in [`Secret`], whose
//! `Debug` and `Display` print `<redacted>`; no error message ever holds one.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use netkit_model::SnmpVersion;
use netkit_plan::SnmpPlan;

use crate::oid::Oid;
use crate::usm::{AuthProtocol, PrivProtocol};

/// A secret byte string (community, passphrase). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Secret {
        Secret(bytes.into())
    }

    /// The secret itself, for the wire only.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How to authenticate to an agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// SNMPv2c with a community.
    Community(Secret),
    /// SNMPv3 USM user. `auth: None` is noAuthNoPriv; `privacy` needs `auth`.
    V3 {
        user: String,
        auth: Option<(AuthProtocol, Secret)>,
        privacy: Option<(PrivProtocol, Secret)>,
    },
}

impl Credentials {
    /// `2c` or `3`, for people.
    pub fn version_label(&self) -> &'static str {
        match self {
            Credentials::Community(_) => "2c",
            Credentials::V3 { .. } => "3",
        }
    }

    /// The security level as net-snmp names it.
    pub fn level(&self) -> &'static str {
        match self {
            Credentials::Community(_) => "community",
            Credentials::V3 { auth: None, .. } => "noAuthNoPriv",
            Credentials::V3 { privacy: None, .. } => "authNoPriv",
            Credentials::V3 { .. } => "authPriv",
        }
    }

    /// Credentials from a topology's (or plan's) `snmp` section: `${VAR}` in any
    /// field is taken from the environment. `version` overrides the section's.
    ///
    /// # Errors
    /// A variable is not set, a protocol is unknown, or a field v3 needs is missing.
    pub fn from_plan(snmp: &SnmpPlan, version: Option<SnmpVersion>) -> Result<Credentials, Error> {
        let version = version.unwrap_or(snmp.version);
        let field = |name: &str, v: &Option<String>| -> Result<Option<String>, Error> {
            match v {
                Some(text) => expand(text, &format!("snmp.{name}")).map(Some),
                None => Ok(None),
            }
        };
        match version {
            SnmpVersion::V1 | SnmpVersion::V2c => {
                let community = field("community", &snmp.community)?
                    .or_else(|| env_nonempty("NETKIT_SNMP_COMMUNITY"))
                    .ok_or_else(|| {
                        Error::Credentials(
                            "no SNMP community: set `snmp: { community: \"${NETKIT_SNMP_COMMUNITY}\" }` in the topology and export NETKIT_SNMP_COMMUNITY, or pass --community-file".into(),
                        )
                    })?;
                Ok(Credentials::Community(Secret::new(community)))
            }
            SnmpVersion::V3 => {
                let user = field("user", &snmp.user)?
                    .or_else(|| env_nonempty("NETKIT_SNMP_USER"))
                    .ok_or_else(|| {
                        Error::Credentials(
                            "SNMPv3 needs a user: set snmp.user in the topology or export NETKIT_SNMP_USER".into(),
                        )
                    })?;
                let auth_pw = field("auth_password", &snmp.auth_password)?
                    .or_else(|| env_nonempty("NETKIT_SNMP_AUTH_PASSWORD"));
                let priv_pw = field("priv_password", &snmp.priv_password)?
                    .or_else(|| env_nonempty("NETKIT_SNMP_PRIV_PASSWORD"));
                let auth_proto = field("auth_protocol", &snmp.auth_protocol)?
                    .or_else(|| env_nonempty("NETKIT_SNMP_AUTH_PROTOCOL"));
                let priv_proto = field("priv_protocol", &snmp.priv_protocol)?
                    .or_else(|| env_nonempty("NETKIT_SNMP_PRIV_PROTOCOL"));
                v3(
                    user,
                    auth_proto.as_deref(),
                    auth_pw,
                    priv_proto.as_deref(),
                    priv_pw,
                )
            }
        }
    }

    /// Credentials from the environment alone: `NETKIT_SNMP_VERSION` (2c by
    /// default), `NETKIT_SNMP_COMMUNITY`, or `NETKIT_SNMP_USER`,
    /// `NETKIT_SNMP_AUTH_PROTOCOL` (SHA), `NETKIT_SNMP_AUTH_PASSWORD`,
    /// `NETKIT_SNMP_PRIV_PROTOCOL` (AES), `NETKIT_SNMP_PRIV_PASSWORD`.
    ///
    /// # Errors
    /// Nothing usable is set.
    pub fn from_env(version: Option<SnmpVersion>) -> Result<Credentials, Error> {
        let version = match version {
            Some(v) => v,
            None => match env_nonempty("NETKIT_SNMP_VERSION").as_deref() {
                Some("3") | Some("v3") => SnmpVersion::V3,
                _ => SnmpVersion::V2c,
            },
        };
        let plan = SnmpPlan {
            version,
            community: None,
            user: None,
            auth_protocol: None,
            auth_password: None,
            priv_protocol: None,
            priv_password: None,
        };
        Credentials::from_plan(&plan, None)
    }

    /// A community read from the first line of a file.
    ///
    /// # Errors
    /// The file cannot be read or is empty.
    pub fn community_file(path: &Path) -> Result<Credentials, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Credentials(format!(
                "cannot read the community file {}: {e}: check the path and its permissions",
                path.display()
            ))
        })?;
        let line = text.lines().next().unwrap_or("").trim().to_string();
        if line.is_empty() {
            return Err(Error::Credentials(format!(
                "the community file {} is empty: write the community on its first line",
                path.display()
            )));
        }
        Ok(Credentials::Community(Secret::new(line)))
    }
}

/// Where credentials come from, in order: the topology's `snmp` section with
/// `${VAR}` expanded from the environment (or the `NETKIT_SNMP_*` variables when
/// the topology has no `snmp`), then the secrets a running lab stored when it
/// configured its agents (`lab`), e.g. generated because the variable was unset.
///
/// # Errors
/// No source gives usable credentials; the error names what to set.
pub fn resolve(
    snmp: Option<&SnmpPlan>,
    version: Option<SnmpVersion>,
    lab: Option<(&str, &SecretFn)>,
) -> Result<Credentials, Error> {
    let first = match snmp {
        Some(s) => Credentials::from_plan(s, version),
        None => Credentials::from_env(version),
    };
    let err = match first {
        Ok(c) => return Ok(c),
        Err(e) => e,
    };
    if let Some(lab) = lab {
        let version = version
            .or(snmp.map(|s| s.version))
            .unwrap_or(SnmpVersion::V2c);
        if let Some(c) = from_lab(lab.0, version, lab.1)? {
            return Ok(c);
        }
    }
    Err(err)
}

/// Reads one secret a running lab stored (`snmp-community`, `snmp-user`, ...):
/// `Ok(None)` when it stored none. The lab crate owns where they live; the caller
/// (the CLI) hands its reader in, so this crate never reads a lab's state itself.
pub type SecretFn = dyn Fn(&str) -> Result<Option<String>, String> + Send + Sync;

/// The credentials lab `lab` configured its agents with (`None` when the lab
/// stored none), read with `read`.
///
/// # Errors
/// A secret file exists but cannot be read.
pub fn from_lab(
    lab: &str,
    version: SnmpVersion,
    read: &SecretFn,
) -> Result<Option<Credentials>, Error> {
    let get = |key: &str| {
        read(key).map_err(|e| {
            Error::Credentials(format!("cannot read the SNMP secrets of lab {lab}: {e}"))
        })
    };
    match version {
        SnmpVersion::V1 | SnmpVersion::V2c => {
            Ok(get("snmp-community")?.map(|c| Credentials::Community(Secret::new(c))))
        }
        SnmpVersion::V3 => {
            let Some(user) = get("snmp-user")? else {
                return Ok(None);
            };
            let auth = get("snmp-auth-password")?;
            let privacy = get("snmp-priv-password")?;
            v3(user, Some("SHA"), auth, Some("AES"), privacy).map(Some)
        }
    }
}

/// SNMPv3 credentials from their parts. Protocols default to SHA and AES when
/// the matching password is given.
///
/// # Errors
/// An unknown protocol, or privacy without authentication.
pub fn v3(
    user: String,
    auth_protocol: Option<&str>,
    auth_password: Option<String>,
    priv_protocol: Option<&str>,
    priv_password: Option<String>,
) -> Result<Credentials, Error> {
    let auth = match auth_password {
        Some(pw) => {
            let p = match auth_protocol {
                Some(name) => AuthProtocol::parse(name).ok_or_else(|| {
                    Error::Credentials(format!(
                        "unknown SNMPv3 authentication protocol `{name}`: use SHA or SHA-256"
                    ))
                })?,
                None => AuthProtocol::Sha1,
            };
            if pw.len() < 8 {
                return Err(Error::Credentials(
                    "the SNMPv3 authentication password is shorter than 8 characters (RFC 3414 minimum): use a longer one".into(),
                ));
            }
            Some((p, Secret::new(pw)))
        }
        None => None,
    };
    let privacy = match priv_password {
        Some(pw) => {
            let p = match priv_protocol {
                Some(name) => PrivProtocol::parse(name).ok_or_else(|| {
                    Error::Credentials(format!(
                        "unknown SNMPv3 privacy protocol `{name}`: use AES (AES-128)"
                    ))
                })?,
                None => PrivProtocol::Aes128,
            };
            if auth.is_none() {
                return Err(Error::Credentials(
                    "SNMPv3 privacy needs authentication too: give an authentication password"
                        .into(),
                ));
            }
            if pw.len() < 8 {
                return Err(Error::Credentials(
                    "the SNMPv3 privacy password is shorter than 8 characters (RFC 3414 minimum): use a longer one".into(),
                ));
            }
            Some((p, Secret::new(pw)))
        }
        None => None,
    };
    Ok(Credentials::V3 {
        user,
        auth,
        privacy,
    })
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Expand `${VAR}` references from the environment (the one grammar of
/// `netkit-units`). The error names the variable and the field, never a value.
pub fn expand(text: &str, field: &str) -> Result<String, Error> {
    netkit_units::expand_env(text, field).map_err(|e| Error::Credentials(e.to_string()))
}

/// Everything that can go wrong talking to an agent. Messages name the agent and
/// the operation, and never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no answer from the SNMP agent at {agent} after {tries} tries of {timeout_ms} ms: check the address, that snmpd runs and listens there, and the credentials (agents silently ignore a wrong community)"
    )]
    Timeout {
        agent: SocketAddr,
        tries: u32,
        timeout_ms: u64,
    },
    #[error(
        "the SNMP agent at {agent} sent a malformed message ({detail}): the agent is faulty, or something else answers on that port"
    )]
    Malformed { agent: SocketAddr, detail: String },
    #[error("the SNMP agent at {agent} answered {status_name} (error-status {status}, index {index}){}", oid.as_ref().map(|o| format!(" for {o}")).unwrap_or_default())]
    Agent {
        agent: SocketAddr,
        status: i64,
        status_name: &'static str,
        index: i64,
        oid: Option<Oid>,
    },
    #[error(
        "walk of {root} at {agent}: the agent returned {got} after {prev}, which does not increase (a table that never ends: an agent bug); stopped"
    )]
    NonIncreasing {
        agent: SocketAddr,
        root: Oid,
        prev: Oid,
        got: Oid,
    },
    #[error(
        "walk of {root} at {agent} stopped after {rows} rows, the limit: the table is larger than expected or never ends; raise the limit or walk a smaller subtree"
    )]
    TooManyRows {
        agent: SocketAddr,
        root: Oid,
        rows: usize,
    },
    #[error(
        "walk of {root} at {agent} did not finish within {secs} s ({rows} rows read): the agent is slow or the table never ends"
    )]
    WalkTimeout {
        agent: SocketAddr,
        root: Oid,
        secs: u64,
        rows: usize,
    },
    #[error("SNMPv3 with the agent at {agent}: {reason}")]
    V3 { agent: SocketAddr, reason: String },
    #[error("cannot open a UDP socket toward {agent}{}: {source}", namespace.as_ref().map(|n| format!(" in network namespace {n}")).unwrap_or_default())]
    Socket {
        agent: SocketAddr,
        namespace: Option<String>,
        source: std::io::Error,
    },
    #[error(transparent)]
    Netns(#[from] netkit_netns::Error),
    #[error("SNMP credentials: {0}")]
    Credentials(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
