//! Text from outside (a topology, an SNMP agent, a peer, a state file) made safe
//! for a terminal or a log: control characters (ESC, BEL, CR, LF, C1 codes) and
//! the invisible formatting characters that reorder or hide text (bidirectional
//! overrides such as U+202E, isolates, zero-width characters, line separators)
//! are shown as `\u{..}` escapes instead of acting on the screen.
//!
//! This is the one helper for that: every place where such text reaches a
//! terminal or a log calls [`safe`] (or [`Safe`] in `format!`, or
//! [`safe_bytes`] for raw bytes). Plain text comes back borrowed, unchanged.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` must not reach a terminal raw.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional marks, embeddings, overrides and isolates.
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                // Zero-width characters and the byte-order mark: hidden text.
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'..='\u{2064}'
                | '\u{FEFF}'
                // Line and paragraph separators: a new line in a log.
                | '\u{2028}'
                | '\u{2029}'
                // Interlinear annotations, and the replacement-object marks.
                | '\u{FFF9}'..='\u{FFFC}'
        )
}

/// `text` with every unsafe character written as `\u{XX}`; borrowed when
/// there is none.
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push(&mut out, c);
    }
    Cow::Owned(out)
}

fn push(out: &mut String, c: char) {
    if is_unsafe(c) {
        out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
    } else {
        out.push(c);
    }
}

/// Like [`safe`] for text of several lines (a table, a diagnostic with its
/// source line): line feeds, tabs and the CR of a CRLF stay; every other
/// unsafe character is escaped.
pub fn safe_multiline(text: &str) -> Cow<'_, str> {
    let keep =
        |c: char, next: Option<char>| c == '\n' || c == '\t' || (c == '\r' && next == Some('\n'));
    let mut it = text.chars().peekable();
    let mut clean = true;
    while let Some(c) = it.next() {
        if is_unsafe(c) && !keep(c, it.peek().copied()) {
            clean = false;
            break;
        }
    }
    if clean {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        if keep(c, it.peek().copied()) {
            out.push(c);
        } else {
            push(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// JSON text (as serde_json writes it) made safe for a terminal while staying
/// the same JSON: serde_json escapes C0 controls inside strings but writes DEL,
/// C1 controls and bidirectional marks raw; those become `\uXXXX` escapes
/// (they can only occur inside strings). Line feeds (the layout) stay.
pub fn safe_json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c != '\n' && is_unsafe(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A writer that does what [`safe_json`] does to JSON text streamed through
/// it (a plan too large to hold in memory): unsafe characters become `\uXXXX`
/// escapes, a UTF-8 sequence split across two writes is kept until it is whole.
pub struct SafeJsonWriter<W: std::io::Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: std::io::Write> SafeJsonWriter<W> {
    pub fn new(inner: W) -> Self {
        SafeJsonWriter {
            inner,
            pending: Vec::new(),
        }
    }

    fn write_text(&mut self, text: &str) -> std::io::Result<()> {
        match safe_json(text) {
            Cow::Borrowed(t) => self.inner.write_all(t.as_bytes()),
            Cow::Owned(t) => self.inner.write_all(t.as_bytes()),
        }
    }
}

impl<W: std::io::Write> std::io::Write for SafeJsonWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Plain ASCII without DEL (nearly all of a plan) goes straight through.
        if self.pending.is_empty() && buf.iter().all(|&b| b < 0x7f) {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        self.pending.extend_from_slice(buf);
        let bytes = std::mem::take(&mut self.pending);
        let mut rest: &[u8] = &bytes;
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    self.write_text(text)?;
                    break;
                }
                Err(e) => {
                    let (good, tail) = rest.split_at(e.valid_up_to());
                    // SAFETY of the unwrap-free path: `good` is valid UTF-8 by construction.
                    self.write_text(std::str::from_utf8(good).unwrap_or_default())?;
                    match e.error_len() {
                        // An incomplete sequence at the end: wait for the rest.
                        None => {
                            self.pending.extend_from_slice(tail);
                            break;
                        }
                        // Not UTF-8 at all (serde_json never writes that): as `\xNN`.
                        Some(n) => {
                            for b in &tail[..n] {
                                self.inner.write_all(format!("\\x{b:02x}").as_bytes())?;
                            }
                            rest = &tail[n..];
                        }
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let tail = std::mem::take(&mut self.pending);
            for b in tail {
                self.inner.write_all(format!("\\x{b:02x}").as_bytes())?;
            }
        }
        self.inner.flush()
    }
}

/// Bytes from the wire: valid UTF-8 as text, other bytes as `\xNN`; unsafe
/// characters escaped either way.
pub fn safe_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push(&mut out, c);
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// A `Display` adapter: `format!("{}", Safe(&name))` escapes as [`safe`] does.
pub struct Safe<T>(pub T);

impl<T: fmt::Display> fmt::Display for Safe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        f.write_str(&safe(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_and_unchanged() {
        let t = "Paris — siège, 3ᵉ étage";
        assert!(matches!(safe(t), Cow::Borrowed(_)));
        assert_eq!(safe(t), t);
    }

    #[test]
    fn a_streamed_json_is_escaped_like_a_whole_one() {
        use std::io::Write;
        let json = "{\"a\": \"Lyon\u{202e}gnp\u{9b}\u{7f}\u{e9}t\u{e9}\"}\n";
        let bytes = json.as_bytes();
        // Every split point, including inside a multi-byte sequence.
        for cut in 0..bytes.len() {
            let mut w = SafeJsonWriter::new(Vec::new());
            w.write_all(&bytes[..cut]).unwrap();
            w.write_all(&bytes[cut..]).unwrap();
            w.flush().unwrap();
            let out = String::from_utf8(w.inner).unwrap();
            assert_eq!(out, safe_json(json), "cut at {cut}");
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v["a"], "Lyon\u{202e}gnp\u{9b}\u{7f}\u{e9}t\u{e9}");
        }
    }

    #[test]
    fn controls_and_bidi_are_escaped() {
        let t = "Lyon\u{1b}[2J\u{7}\r\nfake line\u{202e}gnp.exe\u{2066}\u{200b}\u{85}";
        let s = safe(t);
        for bad in [
            '\u{1b}', '\u{7}', '\r', '\n', '\u{202e}', '\u{2066}', '\u{200b}', '\u{85}',
        ] {
            assert!(!s.contains(bad), "{s:?}");
        }
        assert_eq!(
            s,
            "Lyon\\u{1b}[2J\\u{7}\\u{d}\\u{a}fake line\\u{202e}gnp.exe\\u{2066}\\u{200b}\\u{85}"
        );
    }

    #[test]
    fn multiline_keeps_the_layout() {
        assert_eq!(safe_multiline("a,b\r\nc\td\n"), "a,b\r\nc\td\n");
        assert_eq!(
            safe_multiline("x\u{1b}]52;c;ZXZpbA==\u{7}\ry\n"),
            "x\\u{1b}]52;c;ZXZpbA==\\u{7}\\u{d}y\n"
        );
    }

    #[test]
    fn json_stays_json() {
        let raw = serde_json::json!({ "location": "Lyon\u{202e}\u{9b}\u{7f}\u{1b}" }).to_string();
        let s = safe_json(&raw);
        assert!(!s.chars().any(|c| is_unsafe(c) && c != '\n'), "{s}");
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["location"], "Lyon\u{202e}\u{9b}\u{7f}\u{1b}");
    }

    #[test]
    fn bytes_are_escaped_too() {
        assert_eq!(
            safe_bytes(b"ok\x1b]0;x\x07\xff"),
            "ok\\u{1b}]0;x\\u{7}\\xff"
        );
        assert_eq!(format!("{}", Safe("a\u{9b}b")), "a\\u{9b}b");
    }
}
