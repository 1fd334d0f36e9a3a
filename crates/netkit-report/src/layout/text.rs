//! How wide text is: advance widths after DejaVu Sans (the font the SVG asks for
//! first), and shortening with an ellipsis to fit a width.

/// Advance width of a character in em, after DejaVu Sans Book.
fn advance(c: char) -> f64 {
    match c {
        ' ' => 0.319,
        'i' | 'j' | 'l' => 0.278,
        'f' => 0.352,
        't' => 0.392,
        'r' => 0.411,
        's' => 0.521,
        'z' => 0.525,
        'c' => 0.550,
        'k' => 0.579,
        'v' | 'x' | 'y' => 0.592,
        'a' | 'e' | 'o' => 0.615,
        'b' | 'd' | 'g' | 'h' | 'n' | 'p' | 'q' | 'u' => 0.635,
        'w' => 0.818,
        'm' => 0.974,
        '0'..='9' => 0.636,
        'I' => 0.295,
        'J' => 0.295,
        'M' => 0.863,
        'W' => 0.989,
        'A'..='Z' => 0.76,
        '.' | ',' => 0.319,
        ':' | ';' | '/' | '|' => 0.337,
        '\\' => 0.337,
        '-' => 0.361,
        '\'' => 0.275,
        '"' => 0.460,
        '(' | ')' | '[' | ']' => 0.390,
        '{' | '}' => 0.636,
        '_' => 0.5,
        '*' => 0.5,
        '!' => 0.4,
        '?' => 0.531,
        '&' => 0.780,
        '@' => 1.0,
        '%' => 0.950,
        '#' | '+' | '=' | '<' | '>' | '~' | '^' => 0.838,
        '·' => 0.319,
        '–' => 0.5,
        '—' | '…' => 1.0,
        c if c.is_ascii() => 0.7,
        c if ('\u{00C0}'..='\u{024F}').contains(&c) => 0.7,
        _ => 1.0,
    }
}

/// Estimated width of `s` in pixels at font size `size`.
pub fn text_width(s: &str, size: f64, bold: bool) -> f64 {
    let em: f64 = s.chars().map(advance).sum();
    em * size * if bold { 1.12 } else { 1.0 }
}

/// `s` shortened with `…` so that it is at most `max` pixels wide.
pub(super) fn fit(s: &str, size: f64, bold: bool, max: f64) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text_width(&s, size, bold) <= max {
        return s;
    }
    let ell = text_width("…", size, bold);
    let mut out = String::new();
    let mut w = 0.0;
    for c in s.chars() {
        let cw = advance(c) * size * if bold { 1.12 } else { 1.0 };
        if w + cw + ell > max {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out
}
