//! Escaping for every output syntax. Free text from the topology (names, locations,
//! descriptions) goes through one of these before it reaches a file: it is always
//! text, never markup or syntax.

/// Characters XML 1.0 forbids (control characters other than tab, newline, carriage
/// return; lone surrogates cannot occur in a Rust `str`; U+FFFE/U+FFFF).
fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Text for HTML and XML element content and attribute values (double- or
/// single-quoted): `& < > " '` become references, forbidden characters are dropped.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if xml_allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// Like [`xml`], for attribute values that must keep line breaks (draw.io labels):
/// newlines become `&#xa;` so that attribute normalisation keeps them.
pub fn xml_attr_multiline(s: &str) -> String {
    xml(s)
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "&#xa;")
}

/// One line of text: newlines and tabs become spaces (for diagram labels, table
/// cells and titles, where a line break would break the layout or the syntax).
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Content of a Graphviz double-quoted string: backslashes and quotes escaped (so that
/// `\N`, `\G`, `\l` written by a user print as text), line breaks become spaces.
/// Join lines of a label with `\n` after escaping each.
pub fn dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in one_line(s).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

/// Content of a Mermaid double-quoted label: every ASCII character that means
/// something to Mermaid, to Markdown or to HTML becomes an entity code (`#35;`,
/// `#quot;`), which Mermaid decodes to text. Line breaks become spaces.
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in one_line(s).chars() {
        if c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | ',' | ':' | '/' | '-' | '_') {
            out.push(c);
        } else if c == '"' {
            out.push_str("#quot;");
        } else if c.is_ascii() {
            out.push_str(&format!("#{};", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a
/// field a spreadsheet would take for a formula (`= + - @`, tab, carriage return first,
/// also after spaces, and their fullwidth forms: [`netkit_model::spreadsheet::formula_like`])
/// gets a leading apostrophe (OWASP "CSV injection").
pub fn csv(s: &str) -> String {
    let guarded;
    let s = if netkit_model::spreadsheet::formula_like(s) {
        guarded = format!("'{s}");
        guarded.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One CSV record, CRLF-terminated.
pub fn csv_row<S: AsRef<str>>(fields: &[S]) -> String {
    csv_row_sep(fields, ',')
}

/// One CSV record with `sep` between fields (`;` for a French spreadsheet, where
/// the comma is the decimal separator).
pub fn csv_row_sep<S: AsRef<str>>(fields: &[S], sep: char) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv(f.as_ref()))
        .collect::<Vec<_>>()
        .join(&sep.to_string());
    line.push_str("\r\n");
    line
}

/// Text inside a Markdown (GFM) table cell or paragraph: HTML-significant characters
/// become entities, Markdown punctuation is backslash-escaped, `|` cannot end the
/// cell, line breaks become spaces.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in one_line(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup() {
        assert_eq!(
            xml("<script>\"'&]]>"),
            "&lt;script&gt;&quot;&#39;&amp;]]&gt;"
        );
        assert_eq!(xml("a\u{1}b"), "ab");
    }

    #[test]
    fn dot_escapes_quotes_and_backslashes() {
        assert_eq!(dot("a\"b\\N\nc"), "a\\\"b\\\\N c");
    }

    #[test]
    fn mermaid_leaves_no_syntax() {
        let m = mermaid("a\"[b]{c}|d;e-->f<g>#h%%");
        for bad in ['"', '[', ']', '{', '}', '|', '<', '>', '%'] {
            assert!(!m.contains(bad), "{m} contains {bad}");
        }
        assert!(m.starts_with("a#quot;#91;b"));
    }

    #[test]
    fn csv_quotes_and_guards_formulas() {
        assert_eq!(csv("plain"), "plain");
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv("=1+2"), "'=1+2");
        assert_eq!(csv("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv(" =1+2"), "' =1+2");
        assert_eq!(csv("＝1+2"), "'＝1+2");
        assert_eq!(csv("-2,3"), "\"'-2,3\"");
        assert_eq!(csv_row(&["a", "b"]), "a,b\r\n");
    }

    #[test]
    fn markdown_cells_stay_cells() {
        assert_eq!(md("a|b<i>*c*"), "a\\|b&lt;i&gt;\\*c\\*");
    }
}
