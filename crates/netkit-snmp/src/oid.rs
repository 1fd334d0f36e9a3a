//! Object identifiers: parsing from dotted text, BER encoding, ordering.

use std::fmt;

use crate::ber::{DResult, DecodeError, Tlv, tag, tlv};

/// An object identifier. Ordering is SNMP's lexicographic order of sub-identifiers.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Oid(pub Vec<u32>);

impl Oid {
    pub fn new(arcs: &[u32]) -> Oid {
        Oid(arcs.to_vec())
    }

    pub fn arcs(&self) -> &[u32] {
        &self.0
    }

    pub fn starts_with(&self, prefix: &Oid) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// `self` followed by `more`.
    pub fn child(&self, more: &[u32]) -> Oid {
        let mut v = self.0.clone();
        v.extend_from_slice(more);
        Oid(v)
    }

    /// The arcs after `prefix` when `self` starts with it.
    pub fn suffix(&self, prefix: &Oid) -> Option<&[u32]> {
        if self.starts_with(prefix) {
            Some(&self.0[prefix.0.len()..])
        } else {
            None
        }
    }

    /// BER encoding (tag, length, content). OIDs need at least two arcs on the
    /// wire; shorter ones are padded the way net-snmp does (`1` -> `1.0`).
    pub fn encode(&self) -> Vec<u8> {
        let a = &self.0;
        let first = a.first().copied().unwrap_or(0).min(2);
        let second = a.get(1).copied().unwrap_or(0);
        let mut content = Vec::with_capacity(a.len() + 4);
        push_arc(&mut content, u64::from(first) * 40 + u64::from(second));
        for arc in a.iter().skip(2) {
            push_arc(&mut content, u64::from(*arc));
        }
        tlv(tag::OID, &content)
    }

    /// Decode the content of an OID TLV.
    pub fn decode(t: Tlv<'_>) -> DResult<Oid> {
        let err = |what| DecodeError { at: t.offset, what };
        if t.content.is_empty() {
            return Err(err("empty OBJECT IDENTIFIER"));
        }
        if t.content.len() > 1024 {
            return Err(err("OBJECT IDENTIFIER longer than 1024 bytes"));
        }
        let mut arcs = Vec::with_capacity(t.content.len() + 1);
        let mut acc: u64 = 0;
        let mut in_arc = false;
        for b in t.content {
            if !in_arc && *b == 0x80 {
                return Err(err("OBJECT IDENTIFIER arc with a leading 0x80 byte"));
            }
            acc = (acc << 7) | u64::from(b & 0x7f);
            if acc > u64::from(u32::MAX) * 40 + 39 {
                return Err(err("OBJECT IDENTIFIER arc larger than 32 bits"));
            }
            if b & 0x80 != 0 {
                in_arc = true;
                continue;
            }
            in_arc = false;
            if arcs.is_empty() {
                let (x, y) = if acc < 40 {
                    (0, acc)
                } else if acc < 80 {
                    (1, acc - 40)
                } else {
                    (2, acc - 80)
                };
                let y = u32::try_from(y)
                    .map_err(|_| err("OBJECT IDENTIFIER arc larger than 32 bits"))?;
                arcs.push(x);
                arcs.push(y);
            } else {
                let v = u32::try_from(acc)
                    .map_err(|_| err("OBJECT IDENTIFIER arc larger than 32 bits"))?;
                arcs.push(v);
            }
            acc = 0;
        }
        if in_arc {
            return Err(err("truncated OBJECT IDENTIFIER arc"));
        }
        Ok(Oid(arcs))
    }
}

fn push_arc(out: &mut Vec<u8>, v: u64) {
    let mut tmp = [0u8; 10];
    let mut n = 0;
    let mut x = v;
    loop {
        tmp[n] = (x & 0x7f) as u8;
        n += 1;
        x >>= 7;
        if x == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(tmp[i] | if i > 0 { 0x80 } else { 0 });
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

/// Why a text is not a dotted OID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not an OID: write dotted numbers such as 1.3.6.1.2.1.2.2 (or a known name such as ifTable)"
)]
pub struct ParseOidError {
    pub text: String,
}

impl serde::Serialize for Oid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
