//! SNMPv3 messages and the User-based Security Model: RFC 3412 message format,
//! RFC 3414 key localization and HMAC-SHA-96, RFC 7860 HMAC-SHA-256-192,
//! RFC 3826 AES-128-CFB privacy.

use std::fmt;

use aes::cipher::{AsyncStreamCipher, KeyIvInit};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::ber::{self, DResult, DecodeError, Reader, tag};
use crate::pdu::{Pdu, VERSION_3};

/// Authentication protocols netkit speaks.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize)]
pub enum AuthProtocol {
    /// usmHMACSHAAuthProtocol (RFC 3414): HMAC-SHA-1, 12-byte MAC.
    Sha1,
    /// usmHMAC192SHA256AuthProtocol (RFC 7860): HMAC-SHA-256, 24-byte MAC.
    Sha256,
}

impl AuthProtocol {
    /// `SHA`, `SHA1`, `SHA-1`, `SHA-256`, `SHA256` (case-insensitive).
    pub fn parse(s: &str) -> Option<AuthProtocol> {
        match s
            .trim()
            .to_ascii_uppercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "SHA" | "SHA1" => Some(AuthProtocol::Sha1),
            "SHA256" => Some(AuthProtocol::Sha256),
            _ => None,
        }
    }

    pub fn mac_len(self) -> usize {
        match self {
            AuthProtocol::Sha1 => 12,
            AuthProtocol::Sha256 => 24,
        }
    }

    fn hash(self, data: &[&[u8]]) -> Vec<u8> {
        match self {
            AuthProtocol::Sha1 => {
                let mut h = Sha1::new();
                for d in data {
                    h.update(d);
                }
                h.finalize().to_vec()
            }
            AuthProtocol::Sha256 => {
                let mut h = Sha256::new();
                for d in data {
                    h.update(d);
                }
                h.finalize().to_vec()
            }
        }
    }

    /// RFC 3414 A.2: the password hashed over 1 MiB of its repetitions.
    pub fn password_to_key(self, password: &[u8]) -> Vec<u8> {
        const TOTAL: usize = 1_048_576;
        let mut expanded = Vec::with_capacity(TOTAL);
        if !password.is_empty() {
            while expanded.len() < TOTAL {
                let take = (TOTAL - expanded.len()).min(password.len());
                expanded.extend_from_slice(&password[..take]);
            }
        }
        self.hash(&[&expanded])
    }

    /// RFC 3414 A.2: the key localized to an engine: H(Ku || engineID || Ku).
    pub fn localize(self, ku: &[u8], engine_id: &[u8]) -> Vec<u8> {
        self.hash(&[ku, engine_id, ku])
    }

    /// The truncated HMAC of `msg` under the localized key.
    pub fn mac(self, key: &[u8], msg: &[u8]) -> Vec<u8> {
        let full = match self {
            AuthProtocol::Sha1 => {
                // HMAC takes keys of any length: new_from_slice cannot fail.
                let mut m = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("hmac key");
                m.update(msg);
                m.finalize().into_bytes().to_vec()
            }
            AuthProtocol::Sha256 => {
                let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("hmac key");
                m.update(msg);
                m.finalize().into_bytes().to_vec()
            }
        };
        full[..self.mac_len()].to_vec()
    }
}

/// Privacy protocols netkit speaks.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize)]
pub enum PrivProtocol {
    /// usmAesCfb128Protocol (RFC 3826).
    Aes128,
}

impl PrivProtocol {
    /// `AES`, `AES128`, `AES-128` (case-insensitive).
    pub fn parse(s: &str) -> Option<PrivProtocol> {
        match s
            .trim()
            .to_ascii_uppercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "AES" | "AES128" => Some(PrivProtocol::Aes128),
            _ => None,
        }
    }
}

type Aes128CfbEnc = cfb_mode::Encryptor<aes::Aes128>;
type Aes128CfbDec = cfb_mode::Decryptor<aes::Aes128>;

/// RFC 3826 IV: engineBoots, engineTime (big endian) and the 8-byte salt.
fn aes_iv(boots: u32, time: u32, salt: &[u8; 8]) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..4].copy_from_slice(&boots.to_be_bytes());
    iv[4..8].copy_from_slice(&time.to_be_bytes());
    iv[8..].copy_from_slice(salt);
    iv
}

/// Encrypt with AES-128-CFB. `key` is the localized privacy key (at least 16 bytes).
pub fn aes_encrypt(key: &[u8], boots: u32, time: u32, salt: &[u8; 8], data: &mut [u8]) {
    let k = key_16(key);
    let iv = aes_iv(boots, time, salt);
    Aes128CfbEnc::new(&k.into(), &iv.into()).encrypt(data);
}

pub fn aes_decrypt(key: &[u8], boots: u32, time: u32, salt: &[u8; 8], data: &mut [u8]) {
    let k = key_16(key);
    let iv = aes_iv(boots, time, salt);
    Aes128CfbDec::new(&k.into(), &iv.into()).decrypt(data);
}

fn key_16(key: &[u8]) -> [u8; 16] {
    let mut k = [0u8; 16];
    let n = key.len().min(16);
    k[..n].copy_from_slice(&key[..n]);
    k
}

/// msgFlags bits.
pub const FLAG_AUTH: u8 = 0x01;
pub const FLAG_PRIV: u8 = 0x02;
pub const FLAG_REPORTABLE: u8 = 0x04;

/// The USM security parameters of a message.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct UsmParams {
    pub engine_id: Vec<u8>,
    pub engine_boots: u32,
    pub engine_time: u32,
    pub user: Vec<u8>,
    pub auth_params: Vec<u8>,
    pub priv_params: Vec<u8>,
}

impl fmt::Debug for UsmParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsmParams")
            .field("engine_id", &hex(&self.engine_id))
            .field("engine_boots", &self.engine_boots)
            .field("engine_time", &self.engine_time)
            .field("user", &String::from_utf8_lossy(&self.user))
            .finish_non_exhaustive()
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

/// The body of a v3 message: a plaintext scoped PDU, or its encryption.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ScopedData {
    Plain(ScopedPdu),
    Encrypted(Vec<u8>),
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ScopedPdu {
    pub context_engine_id: Vec<u8>,
    pub context_name: Vec<u8>,
    pub pdu: Pdu,
}

impl ScopedPdu {
    pub fn emit(&self) -> Vec<u8> {
        ber::sequence(&[
            &ber::octets(&self.context_engine_id),
            &ber::octets(&self.context_name),
            &self.pdu.emit(),
        ])
    }

    /// Parse a scoped PDU. Trailing bytes after it are allowed (CFB decryption of
    /// some agents' padding) but the PDU itself must be complete.
    pub fn parse(bytes: &[u8]) -> DResult<ScopedPdu> {
        let mut top = Reader::new(bytes);
        let r = top.sequence("scoped PDU expected (wrong privacy password?)")?;
        ScopedPdu::parse_fields(r)
    }

    fn parse_fields(mut r: Reader<'_>) -> DResult<ScopedPdu> {
        let context_engine_id = r.octets("contextEngineID expected")?.to_vec();
        let context_name = r.octets("contextName expected")?.to_vec();
        let pdu = Pdu::parse(r.any()?)?;
        Ok(ScopedPdu {
            context_engine_id,
            context_name,
            pdu,
        })
    }
}

/// A v3 message as parsed: header, USM parameters, body, and where the
/// authentication parameters sit in the original bytes (to verify the MAC).
#[derive(Clone, Debug)]
pub struct V3Message {
    pub msg_id: i32,
    pub max_size: i64,
    pub flags: u8,
    pub security_model: i64,
    pub usm: UsmParams,
    pub data: ScopedData,
    /// Offset and length of msgAuthenticationParameters' content in the message.
    pub auth_span: (usize, usize),
}

impl V3Message {
    /// Build the wire bytes. When `auth` is given, the MAC is computed and
    /// written in place of the zeroed authentication parameters.
    pub fn emit(
        msg_id: i32,
        max_size: i64,
        flags: u8,
        usm: &UsmParams,
        data: &ScopedData,
        auth: Option<(AuthProtocol, &[u8])>,
    ) -> Vec<u8> {
        let global = ber::sequence(&[
            &ber::integer(i64::from(msg_id)),
            &ber::integer(max_size),
            &ber::octets(&[flags]),
            &ber::integer(3),
        ]);
        let auth_placeholder = match auth {
            Some((p, _)) => vec![0u8; p.mac_len()],
            None => usm.auth_params.clone(),
        };
        let sec_prefix = [
            ber::octets(&usm.engine_id),
            ber::integer(i64::from(usm.engine_boots)),
            ber::integer(i64::from(usm.engine_time)),
            ber::octets(&usm.user),
        ]
        .concat();
        let auth_tlv = ber::octets(&auth_placeholder);
        let sec_seq = ber::sequence(&[&sec_prefix, &auth_tlv, &ber::octets(&usm.priv_params)]);
        let sec_os = ber::octets(&sec_seq);
        let version = ber::integer(VERSION_3);
        let body = match data {
            ScopedData::Plain(s) => s.emit(),
            ScopedData::Encrypted(b) => ber::octets(b),
        };
        let content_len = version.len() + global.len() + sec_os.len() + body.len();
        let mut out = Vec::with_capacity(content_len + 6);
        out.push(tag::SEQUENCE);
        ber::push_len(&mut out, content_len);
        out.extend_from_slice(&version);
        out.extend_from_slice(&global);
        let priv_tlv = ber::octets(&usm.priv_params);
        let sec_content_len = sec_prefix.len() + auth_tlv.len() + priv_tlv.len();
        // Where the MAC goes: inside the OCTET STRING, the SEQUENCE, after the
        // fields before it and the authentication parameters' own header.
        let auth_offset = out.len()
            + ber::header_len(sec_seq.len())
            + ber::header_len(sec_content_len)
            + sec_prefix.len()
            + ber::header_len(auth_placeholder.len());
        out.extend_from_slice(&sec_os);
        out.extend_from_slice(&body);
        if let Some((proto, key)) = auth {
            let mac = proto.mac(key, &out);
            let end = auth_offset + mac.len();
            if let Some(slot) = out.get_mut(auth_offset..end) {
                slot.copy_from_slice(&mac);
            }
        }
        out
    }

    pub fn parse(bytes: &[u8]) -> DResult<V3Message> {
        let mut top = Reader::new(bytes);
        let mut r = top.sequence("SNMP message (SEQUENCE) expected")?;
        let version = r.integer("version expected")?;
        if version != VERSION_3 {
            return Err(DecodeError {
                at: 0,
                what: "not an SNMPv3 message",
            });
        }
        let mut g = r.sequence("msgGlobalData expected")?;
        let msg_id = g.integer("msgID expected")?;
        let msg_id = i32::try_from(msg_id).map_err(|_| DecodeError {
            at: g.position(),
            what: "msgID out of range",
        })?;
        let max_size = g.integer("msgMaxSize expected")?;
        let flags_at = g.position();
        let flags = g.octets("msgFlags expected")?;
        let flags = match flags {
            [f] => *f,
            _ => {
                return Err(DecodeError {
                    at: flags_at,
                    what: "msgFlags is not one byte",
                });
            }
        };
        let security_model = g.integer("msgSecurityModel expected")?;
        let sec_os = r.expect(tag::OCTET_STRING, "msgSecurityParameters expected")?;
        let mut so = Reader::enter(sec_os);
        let mut s = so.sequence("USM security parameters expected")?;
        let engine_id = s.octets("msgAuthoritativeEngineID expected")?.to_vec();
        let boots = s.integer("msgAuthoritativeEngineBoots expected")?;
        let time = s.integer("msgAuthoritativeEngineTime expected")?;
        let range = |v: i64, what| {
            u32::try_from(v).map_err(|_| DecodeError {
                at: sec_os.offset,
                what,
            })
        };
        let engine_boots = range(boots, "engine boots out of range")?;
        let engine_time = range(time, "engine time out of range")?;
        let user = s.octets("msgUserName expected")?.to_vec();
        let auth_tlv = s.expect(tag::OCTET_STRING, "msgAuthenticationParameters expected")?;
        let priv_params = s.octets("msgPrivacyParameters expected")?.to_vec();
        let data = if flags & FLAG_PRIV != 0 {
            ScopedData::Encrypted(r.octets("encrypted scoped PDU expected")?.to_vec())
        } else {
            let t = r.expect(tag::SEQUENCE, "scoped PDU expected")?;
            ScopedData::Plain(ScopedPdu::parse_fields(Reader::enter(t))?)
        };
        Ok(V3Message {
            msg_id,
            max_size,
            flags,
            security_model,
            usm: UsmParams {
                engine_id,
                engine_boots,
                engine_time,
                user,
                auth_params: auth_tlv.content.to_vec(),
                priv_params,
            },
            data,
            auth_span: (auth_tlv.offset, auth_tlv.content.len()),
        })
    }

    /// Check the MAC of the original bytes of this message.
    pub fn verify(&self, bytes: &[u8], proto: AuthProtocol, key: &[u8]) -> bool {
        let (off, len) = self.auth_span;
        if len != proto.mac_len() {
            return false;
        }
        let mut copy = bytes.to_vec();
        let Some(slot) = copy.get_mut(off..off + len) else {
            return false;
        };
        slot.fill(0);
        let mac = proto.mac(key, &copy);
        // Constant time is not needed on the client side, but costs nothing.
        mac.iter()
            .zip(&self.usm.auth_params)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}
