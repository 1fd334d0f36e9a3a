//! BER (X.690) as SNMP uses it: definite lengths only, primitive encodings.
//!
//! [`Reader`] is a checked view over bytes in the smoltcp style: every accessor
//! checks the length first and returns [`DecodeError`]; nothing here can panic on
//! any input. [`Writer`] builds encodings from the inside out.

use std::fmt;

/// Universal and SNMP application tags used by SNMP.
pub mod tag {
    pub const INTEGER: u8 = 0x02;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const SEQUENCE: u8 = 0x30;
    pub const IP_ADDRESS: u8 = 0x40;
    pub const COUNTER32: u8 = 0x41;
    pub const GAUGE32: u8 = 0x42;
    pub const TIMETICKS: u8 = 0x43;
    pub const OPAQUE: u8 = 0x44;
    pub const COUNTER64: u8 = 0x46;
    pub const NO_SUCH_OBJECT: u8 = 0x80;
    pub const NO_SUCH_INSTANCE: u8 = 0x81;
    pub const END_OF_MIB_VIEW: u8 = 0x82;
    pub const GET: u8 = 0xa0;
    pub const GET_NEXT: u8 = 0xa1;
    pub const RESPONSE: u8 = 0xa2;
    pub const SET: u8 = 0xa3;
    pub const GET_BULK: u8 = 0xa5;
    pub const REPORT: u8 = 0xa8;
}

/// Why bytes are not a valid SNMP encoding. `at` is the byte offset in the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub at: usize,
    pub what: &'static str,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

impl std::error::Error for DecodeError {}

pub type DResult<T> = Result<T, DecodeError>;

/// A checked cursor over a BER encoding. `base` is the offset of `buf[0]` in the
/// whole message, so that errors and positions refer to the message.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

/// One TLV: its tag, its content bytes and the offset of the content in the message.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub offset: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader {
            buf,
            pos: 0,
            base: 0,
        }
    }

    fn err(&self, what: &'static str) -> DecodeError {
        DecodeError {
            at: self.base + self.pos,
            what,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Offset in the message of the next byte.
    pub fn position(&self) -> usize {
        self.base + self.pos
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Read the next TLV, whatever its tag.
    pub fn any(&mut self) -> DResult<Tlv<'a>> {
        let tag = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| self.err("truncated: tag expected"))?;
        if tag & 0x1f == 0x1f {
            return Err(self.err("multi-byte tags are not used by SNMP"));
        }
        let mut p = self.pos + 1;
        let first = *self
            .buf
            .get(p)
            .ok_or_else(|| self.err("truncated: length expected"))?;
        p += 1;
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err(self.err("indefinite length is not allowed in SNMP"));
        } else {
            let n = usize::from(first & 0x7f);
            if n > 4 {
                return Err(self.err("length field longer than 4 bytes"));
            }
            let bytes = self
                .buf
                .get(p..p + n)
                .ok_or_else(|| self.err("truncated: length bytes expected"))?;
            p += n;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        let end = p
            .checked_add(len)
            .ok_or_else(|| self.err("length overflows"))?;
        let content = self
            .buf
            .get(p..end)
            .ok_or_else(|| self.err("truncated: content shorter than its length"))?;
        let tlv = Tlv {
            tag,
            content,
            offset: self.base + p,
        };
        self.pos = end;
        Ok(tlv)
    }

    /// Read the next TLV and require its tag.
    pub fn expect(&mut self, want: u8, what: &'static str) -> DResult<Tlv<'a>> {
        let at = self.position();
        let tlv = self.any()?;
        if tlv.tag != want {
            return Err(DecodeError { at, what });
        }
        Ok(tlv)
    }

    /// A reader over the content of a constructed TLV.
    pub fn enter(tlv: Tlv<'a>) -> Reader<'a> {
        Reader {
            buf: tlv.content,
            pos: 0,
            base: tlv.offset,
        }
    }

    pub fn sequence(&mut self, what: &'static str) -> DResult<Reader<'a>> {
        let tlv = self.expect(tag::SEQUENCE, what)?;
        Ok(Reader::enter(tlv))
    }

    pub fn integer(&mut self, what: &'static str) -> DResult<i64> {
        let tlv = self.expect(tag::INTEGER, what)?;
        decode_i64(tlv)
    }

    pub fn octets(&mut self, what: &'static str) -> DResult<&'a [u8]> {
        Ok(self.expect(tag::OCTET_STRING, what)?.content)
    }
}

/// A signed integer of at most 8 content bytes.
pub fn decode_i64(tlv: Tlv<'_>) -> DResult<i64> {
    let c = tlv.content;
    if c.is_empty() {
        return Err(DecodeError {
            at: tlv.offset,
            what: "empty INTEGER",
        });
    }
    if c.len() > 8 {
        return Err(DecodeError {
            at: tlv.offset,
            what: "INTEGER longer than 8 bytes",
        });
    }
    let mut v: i64 = if c[0] & 0x80 != 0 { -1 } else { 0 };
    for b in c {
        v = (v << 8) | i64::from(*b);
    }
    Ok(v)
}

/// An unsigned integer of at most 64 bits (a leading zero byte is allowed).
pub fn decode_u64(tlv: Tlv<'_>) -> DResult<u64> {
    let mut c = tlv.content;
    if c.is_empty() {
        return Err(DecodeError {
            at: tlv.offset,
            what: "empty unsigned integer",
        });
    }
    while c.len() > 1 && c[0] == 0 {
        c = &c[1..];
    }
    if c.len() > 8 {
        return Err(DecodeError {
            at: tlv.offset,
            what: "unsigned integer longer than 64 bits",
        });
    }
    Ok(c.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// Encode a length in definite form.
pub fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Bytes taken by a tag and a length header.
pub fn header_len(len: usize) -> usize {
    let mut v = Vec::with_capacity(6);
    push_len(&mut v, len);
    1 + v.len()
}

/// A TLV around `content`.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

pub fn integer(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    // Minimal two's complement: drop leading bytes that only repeat the sign.
    let mut start = 0;
    while start < 7 {
        let b = bytes[start];
        let next_high = bytes[start + 1] & 0x80;
        if (b == 0 && next_high == 0) || (b == 0xff && next_high != 0) {
            start += 1;
        } else {
            break;
        }
    }
    tlv(tag::INTEGER, &bytes[start..])
}

pub fn unsigned(tag: u8, v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    // `start` is at most 7, so the slice below is never empty.
    let start = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut content = Vec::with_capacity(9);
    if bytes[start] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(&bytes[start..]);
    tlv(tag, &content)
}

pub fn octets(v: &[u8]) -> Vec<u8> {
    tlv(tag::OCTET_STRING, v)
}

pub fn null() -> Vec<u8> {
    vec![tag::NULL, 0]
}

pub fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(tag::SEQUENCE, &parts.concat())
}
