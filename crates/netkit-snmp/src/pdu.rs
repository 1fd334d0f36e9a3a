//! SNMP values, variable bindings, PDUs and community (v1/v2c) messages:
//! validated representations with `parse` and `emit`.

use std::fmt;
use std::net::Ipv4Addr;

use crate::ber::{self, DResult, DecodeError, Reader, Tlv, decode_i64, decode_u64, tag};
use crate::oid::Oid;

/// Most variable bindings netkit accepts in one PDU (a guard against absurd input).
pub const MAX_VARBINDS: usize = 10_000;

/// A value in a variable binding.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Value {
    Integer(i64),
    OctetString(Vec<u8>),
    Null,
    Oid(Oid),
    IpAddress(Ipv4Addr),
    Counter32(u32),
    Gauge32(u32),
    TimeTicks(u32),
    Opaque(Vec<u8>),
    Counter64(u64),
    NoSuchObject,
    NoSuchInstance,
    EndOfMibView,
}

impl Value {
    pub fn parse(t: Tlv<'_>) -> DResult<Value> {
        let u32_of = |t: Tlv<'_>, what| {
            let v = decode_u64(t)?;
            u32::try_from(v).map_err(|_| DecodeError { at: t.offset, what })
        };
        Ok(match t.tag {
            tag::INTEGER => Value::Integer(decode_i64(t)?),
            tag::OCTET_STRING => Value::OctetString(t.content.to_vec()),
            tag::NULL => Value::Null,
            tag::OID => Value::Oid(Oid::decode(t)?),
            tag::IP_ADDRESS => {
                let b: [u8; 4] = t.content.try_into().map_err(|_| DecodeError {
                    at: t.offset,
                    what: "IpAddress is not 4 bytes",
                })?;
                Value::IpAddress(Ipv4Addr::from(b))
            }
            tag::COUNTER32 => Value::Counter32(u32_of(t, "Counter32 larger than 32 bits")?),
            tag::GAUGE32 => Value::Gauge32(u32_of(t, "Gauge32 larger than 32 bits")?),
            tag::TIMETICKS => Value::TimeTicks(u32_of(t, "TimeTicks larger than 32 bits")?),
            tag::OPAQUE => Value::Opaque(t.content.to_vec()),
            tag::COUNTER64 => Value::Counter64(decode_u64(t)?),
            tag::NO_SUCH_OBJECT => Value::NoSuchObject,
            tag::NO_SUCH_INSTANCE => Value::NoSuchInstance,
            tag::END_OF_MIB_VIEW => Value::EndOfMibView,
            _ => {
                return Err(DecodeError {
                    at: t.offset,
                    what: "unknown value type",
                });
            }
        })
    }

    pub fn emit(&self) -> Vec<u8> {
        match self {
            Value::Integer(v) => ber::integer(*v),
            Value::OctetString(v) => ber::octets(v),
            Value::Null => ber::null(),
            Value::Oid(o) => o.encode(),
            Value::IpAddress(a) => ber::tlv(tag::IP_ADDRESS, &a.octets()),
            Value::Counter32(v) => ber::unsigned(tag::COUNTER32, u64::from(*v)),
            Value::Gauge32(v) => ber::unsigned(tag::GAUGE32, u64::from(*v)),
            Value::TimeTicks(v) => ber::unsigned(tag::TIMETICKS, u64::from(*v)),
            Value::Opaque(v) => ber::tlv(tag::OPAQUE, v),
            Value::Counter64(v) => ber::unsigned(tag::COUNTER64, *v),
            Value::NoSuchObject => vec![tag::NO_SUCH_OBJECT, 0],
            Value::NoSuchInstance => vec![tag::NO_SUCH_INSTANCE, 0],
            Value::EndOfMibView => vec![tag::END_OF_MIB_VIEW, 0],
        }
    }

    /// One of the three v2 exceptions (no such object/instance, end of MIB view).
    pub fn is_exception(&self) -> bool {
        matches!(
            self,
            Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView
        )
    }

    /// An integer-like value as i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(v) => Some(*v),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => Some(i64::from(*v)),
            Value::Counter64(v) => i64::try_from(*v).ok(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Integer(v) => u64::try_from(*v).ok(),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => Some(u64::from(*v)),
            Value::Counter64(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::OctetString(v) | Value::Opaque(v) => Some(v),
            _ => None,
        }
    }

    /// Text of an OCTET STRING (lossy UTF-8).
    pub fn as_text(&self) -> Option<String> {
        self.as_bytes().map(|b| {
            String::from_utf8_lossy(b)
                .trim_end_matches('\0')
                .to_string()
        })
    }

    /// Type name as net-snmp prints it (`INTEGER`, `STRING`, `Gauge32`...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Integer(_) => "INTEGER",
            Value::OctetString(_) => "STRING",
            Value::Null => "NULL",
            Value::Oid(_) => "OID",
            Value::IpAddress(_) => "IpAddress",
            Value::Counter32(_) => "Counter32",
            Value::Gauge32(_) => "Gauge32",
            Value::TimeTicks(_) => "Timeticks",
            Value::Opaque(_) => "Opaque",
            Value::Counter64(_) => "Counter64",
            Value::NoSuchObject => "noSuchObject",
            Value::NoSuchInstance => "noSuchInstance",
            Value::EndOfMibView => "endOfMibView",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Integer(v) => write!(f, "{v}"),
            Value::OctetString(b) | Value::Opaque(b) => {
                let printable = !b.is_empty()
                    && b.iter().all(|c| {
                        c.is_ascii_graphic()
                            || *c == b' '
                            || *c == b'\n'
                            || *c == b'\t'
                            || *c == b'\r'
                    });
                if printable || b.is_empty() {
                    // Line breaks and tabs escaped: one value, one line, whatever
                    // the agent sends (no fake lines in a walk's output).
                    f.write_str(&netkit_model::terminal::safe_bytes(b))
                } else {
                    let hex: Vec<String> = b.iter().map(|c| format!("{c:02x}")).collect();
                    write!(f, "{}", hex.join(":"))
                }
            }
            Value::Null => f.write_str("NULL"),
            Value::Oid(o) => write!(f, "{o}"),
            Value::IpAddress(a) => write!(f, "{a}"),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => write!(f, "{v}"),
            Value::Counter64(v) => write!(f, "{v}"),
            Value::NoSuchObject => {
                f.write_str("No Such Object available on this agent at this OID")
            }
            Value::NoSuchInstance => f.write_str("No Such Instance currently exists at this OID"),
            Value::EndOfMibView => f.write_str("No more variables left in this MIB View"),
        }
    }
}

/// A variable binding: an OID and its value.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VarBind {
    pub oid: Oid,
    pub value: Value,
}

/// PDU types netkit sends or accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PduType {
    Get,
    GetNext,
    Response,
    Set,
    GetBulk,
    Report,
}

impl PduType {
    pub fn tag(self) -> u8 {
        match self {
            PduType::Get => tag::GET,
            PduType::GetNext => tag::GET_NEXT,
            PduType::Response => tag::RESPONSE,
            PduType::Set => tag::SET,
            PduType::GetBulk => tag::GET_BULK,
            PduType::Report => tag::REPORT,
        }
    }

    fn from_tag(t: u8) -> Option<PduType> {
        Some(match t {
            tag::GET => PduType::Get,
            tag::GET_NEXT => PduType::GetNext,
            tag::RESPONSE => PduType::Response,
            tag::SET => PduType::Set,
            tag::GET_BULK => PduType::GetBulk,
            tag::REPORT => PduType::Report,
            _ => return None,
        })
    }
}

/// A PDU. For GETBULK, `error_status` is non-repeaters and `error_index` is
/// max-repetitions (RFC 3416 uses the same two fields).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Pdu {
    pub kind: PduType,
    pub request_id: i32,
    pub error_status: i64,
    pub error_index: i64,
    pub varbinds: Vec<VarBind>,
}

impl Pdu {
    pub fn request(kind: PduType, request_id: i32, oids: &[Oid]) -> Pdu {
        Pdu {
            kind,
            request_id,
            error_status: 0,
            error_index: 0,
            varbinds: oids
                .iter()
                .map(|o| VarBind {
                    oid: o.clone(),
                    value: Value::Null,
                })
                .collect(),
        }
    }

    pub fn get_bulk(
        request_id: i32,
        non_repeaters: u32,
        max_repetitions: u32,
        oids: &[Oid],
    ) -> Pdu {
        let mut p = Pdu::request(PduType::GetBulk, request_id, oids);
        p.error_status = i64::from(non_repeaters);
        p.error_index = i64::from(max_repetitions);
        p
    }

    pub fn emit(&self) -> Vec<u8> {
        let mut vbs = Vec::new();
        for vb in &self.varbinds {
            vbs.extend(ber::sequence(&[&vb.oid.encode(), &vb.value.emit()]));
        }
        ber::tlv(
            self.kind.tag(),
            &[
                ber::integer(i64::from(self.request_id)),
                ber::integer(self.error_status),
                ber::integer(self.error_index),
                ber::tlv(tag::SEQUENCE, &vbs),
            ]
            .concat(),
        )
    }

    /// Parse one PDU TLV.
    pub fn parse(t: Tlv<'_>) -> DResult<Pdu> {
        let kind = PduType::from_tag(t.tag).ok_or(DecodeError {
            at: t.offset,
            what: "unknown PDU type",
        })?;
        let mut r = Reader::enter(t);
        let request_id = r.integer("request-id expected")?;
        let request_id = i32::try_from(request_id).map_err(|_| DecodeError {
            at: t.offset,
            what: "request-id out of range",
        })?;
        let error_status = r.integer("error-status expected")?;
        let error_index = r.integer("error-index expected")?;
        let mut list = r.sequence("variable bindings expected")?;
        let mut varbinds = Vec::new();
        while !list.is_empty() {
            if varbinds.len() >= MAX_VARBINDS {
                return Err(DecodeError {
                    at: list.position(),
                    what: "too many variable bindings",
                });
            }
            let mut vb = list.sequence("variable binding expected")?;
            let oid = Oid::decode(vb.expect(tag::OID, "OID expected in variable binding")?)?;
            let value = Value::parse(vb.any()?)?;
            if !vb.is_empty() {
                return Err(DecodeError {
                    at: vb.position(),
                    what: "extra bytes in variable binding",
                });
            }
            varbinds.push(VarBind { oid, value });
        }
        Ok(Pdu {
            kind,
            request_id,
            error_status,
            error_index,
            varbinds,
        })
    }
}

/// SNMP protocol versions as they appear on the wire.
pub const VERSION_1: i64 = 0;
pub const VERSION_2C: i64 = 1;
pub const VERSION_3: i64 = 3;

/// A community-based message (v1 or v2c).
#[derive(Clone, PartialEq, Eq)]
pub struct CommunityMessage {
    pub version: i64,
    pub community: Vec<u8>,
    pub pdu: Pdu,
}

impl fmt::Debug for CommunityMessage {
    // The community is a secret: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunityMessage")
            .field("version", &self.version)
            .field("community", &"<redacted>")
            .field("pdu", &self.pdu)
            .finish()
    }
}

impl CommunityMessage {
    pub fn emit(&self) -> Vec<u8> {
        ber::sequence(&[
            &ber::integer(self.version),
            &ber::octets(&self.community),
            &self.pdu.emit(),
        ])
    }

    pub fn parse(bytes: &[u8]) -> DResult<CommunityMessage> {
        let mut top = Reader::new(bytes);
        let mut r = top.sequence("SNMP message (SEQUENCE) expected")?;
        let version = r.integer("version expected")?;
        if version != VERSION_1 && version != VERSION_2C {
            return Err(DecodeError {
                at: 0,
                what: "not a v1/v2c message",
            });
        }
        let community = r.octets("community expected")?.to_vec();
        let pdu = Pdu::parse(r.any()?)?;
        Ok(CommunityMessage {
            version,
            community,
            pdu,
        })
    }
}

/// The version field of any SNMP message.
pub fn peek_version(bytes: &[u8]) -> DResult<i64> {
    let mut top = Reader::new(bytes);
    let mut r = top.sequence("SNMP message (SEQUENCE) expected")?;
    r.integer("version expected")
}

/// RFC 3416 error-status names.
pub fn error_status_name(status: i64) -> &'static str {
    match status {
        0 => "noError",
        1 => "tooBig",
        2 => "noSuchName",
        3 => "badValue",
        4 => "readOnly",
        5 => "genErr",
        6 => "noAccess",
        7 => "wrongType",
        8 => "wrongLength",
        9 => "wrongEncoding",
        10 => "wrongValue",
        11 => "noCreation",
        12 => "inconsistentValue",
        13 => "resourceUnavailable",
        14 => "commitFailed",
        15 => "undoFailed",
        16 => "authorizationError",
        17 => "notWritable",
        18 => "inconsistentName",
        _ => "unknown error",
    }
}
