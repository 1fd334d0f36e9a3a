//! What an SNMPv3 answer must prove before the client takes it (RFC 3412 §7.2,
//! RFC 3414 §3.2): at least the security level of the request, a valid MAC,
//! the engine and user of the request, and a place inside the time window.
//!
//! An answer that fails is refused with an error, never retried as if it were
//! noise: an impostor that answers first must not turn into a result, and a
//! clear error says what it tried.

use std::net::SocketAddr;

use crate::credentials::{Error, Result};
use crate::usm::{AuthProtocol, FLAG_AUTH, FLAG_PRIV, V3Message, hex};

/// RFC 3414 §2.2.3: how far behind the engine time an answer may be.
pub const TIME_WINDOW_SECS: u32 = 150;
/// RFC 3414 §2.2.2: snmpEngineBoots at its maximum latches the engine.
const BOOTS_LATCHED: u32 = 2_147_483_647;
/// The USM security model number (RFC 3411).
const USM: i64 = 3;

/// What the request was, so that the answer can be held to it.
pub(crate) struct Request<'a> {
    pub agent: SocketAddr,
    pub engine_id: &'a [u8],
    pub user: &'a [u8],
    /// The localized authentication key, when the request was authenticated.
    pub auth: Option<(AuthProtocol, &'a [u8])>,
    /// Whether the request was encrypted.
    pub privacy: bool,
    /// The client's notion of the engine's boots and time when it sent the request.
    pub boots: u32,
    pub time: u32,
}

/// What the checks established about one answer.
pub(crate) struct Checked {
    /// The MAC was present and valid.
    pub authenticated: bool,
    /// The answer carries at least the request's security level.
    pub level_ok: bool,
    /// A later engine boots/time that the client should adopt (authentic only).
    pub newer_clock: Option<(u32, u32)>,
}

pub(crate) fn level_name(flags: u8) -> &'static str {
    match (flags & FLAG_AUTH != 0, flags & FLAG_PRIV != 0) {
        (false, false) => "noAuthNoPriv",
        (true, false) => "authNoPriv",
        (false, true) => "noAuthPriv (invalid)",
        (true, true) => "authPriv",
    }
}

fn refuse(agent: SocketAddr, reason: String) -> Error {
    Error::V3 { agent, reason }
}

impl Request<'_> {
    fn flags(&self) -> u8 {
        let mut f = 0;
        if self.auth.is_some() {
            f |= FLAG_AUTH;
        }
        if self.privacy {
            f |= FLAG_PRIV;
        }
        f
    }

    /// The checks every answer passes, whatever its PDU: the security model, and
    /// the MAC whenever the answer claims to be authenticated.
    ///
    /// # Errors
    /// Another security model, an authenticated answer to an unauthenticated
    /// request, or a wrong MAC.
    pub fn check(&self, m: &V3Message, raw: &[u8]) -> Result<Checked> {
        if m.security_model != USM {
            return Err(refuse(
                self.agent,
                format!(
                    "the answer uses security model {}, not USM (3): refused",
                    m.security_model
                ),
            ));
        }
        let claims_auth = m.flags & FLAG_AUTH != 0;
        if m.flags & FLAG_PRIV != 0 && !claims_auth {
            return Err(refuse(
                self.agent,
                "the answer is encrypted without authentication, which SNMPv3 forbids: refused"
                    .into(),
            ));
        }
        let authenticated = if claims_auth {
            let Some((proto, key)) = self.auth else {
                return Err(refuse(
                    self.agent,
                    "the agent authenticated an answer to an unauthenticated request".into(),
                ));
            };
            if !m.verify(raw, proto, key) {
                return Err(refuse(
                    self.agent,
                    "the answer's authentication code is wrong: the authentication password or protocol differs from the agent's, or someone else answered".into(),
                ));
            }
            true
        } else {
            false
        };
        let wanted = self.flags();
        let level_ok = m.flags & wanted == wanted;
        let newer_clock = if authenticated {
            self.newer_clock(m)
        } else {
            None
        };
        Ok(Checked {
            authenticated,
            level_ok,
            newer_clock,
        })
    }

    /// RFC 3414 §3.2 step 7b (non-authoritative side): an authentic message from
    /// a later boot, or a later time of the same boot, moves the client's clock.
    fn newer_clock(&self, m: &V3Message) -> Option<(u32, u32)> {
        let (b, t) = (m.usm.engine_boots, m.usm.engine_time);
        if b == BOOTS_LATCHED {
            return None;
        }
        (b > self.boots || (b == self.boots && t > self.time)).then_some((b, t))
    }

    /// The checks a Response passes before it becomes a result: the security
    /// level, the engine, the user, and (when authenticated) the time window.
    ///
    /// # Errors
    /// Any of those differs from the request; each error names what and why.
    pub fn check_response(&self, m: &V3Message, checked: &Checked) -> Result<()> {
        if !checked.level_ok {
            return Err(refuse(
                self.agent,
                format!(
                    "the answer's security level ({}) is lower than the request's ({}): refused (RFC 3414 §3.2), someone without the keys may be answering for the agent",
                    level_name(m.flags),
                    level_name(self.flags()),
                ),
            ));
        }
        if m.usm.engine_id != self.engine_id {
            return Err(refuse(
                self.agent,
                format!(
                    "the answer comes from engine {}, not from the agent's engine {}: refused",
                    hex(&m.usm.engine_id),
                    hex(self.engine_id)
                ),
            ));
        }
        if m.usm.user != self.user {
            return Err(refuse(
                self.agent,
                format!(
                    "the answer is for user `{}`, not the request's user: refused",
                    netkit_model::terminal::safe_bytes(&m.usm.user)
                ),
            ));
        }
        if checked.authenticated {
            self.check_window(m)?;
        }
        Ok(())
    }

    /// RFC 3414 §3.2 step 7b: outside the window when the engine is latched,
    /// from an earlier boot, or more than 150 s behind the client's notion.
    fn check_window(&self, m: &V3Message) -> Result<()> {
        let (b, t) = (m.usm.engine_boots, m.usm.engine_time);
        let outside = b == BOOTS_LATCHED
            || b < self.boots
            || (b == self.boots && t.saturating_add(TIME_WINDOW_SECS) < self.time);
        if outside {
            return Err(refuse(
                self.agent,
                format!(
                    "the answer is outside the time window (engine boots {b}, time {t} s; expected boots {}, time at least {} s): a replayed or delayed message, refused",
                    self.boots,
                    self.time.saturating_sub(TIME_WINDOW_SECS)
                ),
            ));
        }
        Ok(())
    }
}
