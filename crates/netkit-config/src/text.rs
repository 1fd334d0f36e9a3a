//! Turning names and free text from the topology (or a hand-edited plan JSON) into
//! text that cannot change the meaning of a configuration file.

/// Free text (descriptions, comments) on one line: control characters (newlines
/// included) become spaces, quotes, backslashes, `?` (IOS's help key) and `#`/`!`
/// (comment starters) are dropped, runs of spaces collapse, and the result is cut to
/// `max` bytes on a character boundary.
pub fn one_line(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    let mut space = false;
    for c in text.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if matches!(
            c,
            '"' | '\'' | '\\' | '?' | '#' | '!' | '`' | '$' | '{' | '}' | ';'
        ) {
            continue;
        }
        if c == ' ' {
            if space || out.is_empty() {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out.trim_end().to_string()
}

/// An identifier (device id, interface name, hostname) reduced to
/// `[A-Za-z0-9._-]`; anything else becomes `_`. Ids that the model accepted never
/// change; a hand-edited plan cannot inject syntax through them.
pub fn ident(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "_".to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_strips_injection() {
        assert_eq!(
            one_line("users\n!\ninterface Gi0/9\n shutdown", 240),
            "users interface Gi0/9 shutdown"
        );
        assert_eq!(one_line("say \"hi\" ? \\ #x", 240), "say hi x");
        assert_eq!(one_line("ééé", 4), "éé");
        assert_eq!(one_line("  a   b  ", 10), "a b");
    }

    #[test]
    fn ident_keeps_model_names() {
        assert_eq!(ident("hq.r1"), "hq.r1");
        assert_eq!(ident("eth1"), "eth1");
        assert_eq!(ident("x\ny z"), "x_y_z");
        assert_eq!(ident(""), "_");
    }
}
