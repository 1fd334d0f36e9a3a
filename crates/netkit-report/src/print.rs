//! The print rules that depend on the document: running header (the document's
//! title) and footer (page n of N) in the page margin boxes, in the report's
//! language. Strings go into CSS strings escaped (`esc::css_string`), so a name with
//! quotes, backslashes or `</style>` stays text.

use crate::i18n::K;
use crate::view::Ctx;
use crate::words::tr;

/// A CSS string literal: every character outside printable ASCII letters, digits
/// and spaces as a CSS escape (`\22 ` for `"`, `\3c ` for `<`).
pub fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == ' ' || c == '.' || c == '-' {
            out.push(c);
        } else {
            out.push_str(&format!("\\{:x} ", c as u32));
        }
    }
    out.push('"');
    out
}

/// The `<style>` block of the page margins.
pub fn css(ctx: &Ctx) -> String {
    let l = ctx.l;
    let title = css_string(&l.f(K::DocTitle, &[("name", &ctx.plan.name)]));
    let (page, of) = match l {
        crate::Lang::Fr => ("Page ", " sur "),
        crate::Lang::En => ("Page ", " of "),
    };
    let _ = tr;
    let boxes = format!(
        "@top-left {{ content: {title}; font: 7.5pt \"DejaVu Sans\", sans-serif; color: #4b5563; }} \
         @bottom-right {{ content: {} counter(page) {} counter(pages); font: 7.5pt \"DejaVu Sans\", sans-serif; color: #4b5563; }}",
        css_string(page),
        css_string(of)
    );
    format!(
        "<style>\n@page {{ {boxes} }}\n@page wide {{ {boxes} }}\n@page :first {{ @top-left {{ content: none; }} @bottom-right {{ content: none; }} }}\n</style>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::css_string;

    #[test]
    fn css_strings_cannot_close_the_style() {
        let s = css_string("a\"b\\c</style><script>");
        assert!(!s[1..s.len() - 1].contains(['"', '<', '>']), "{s}");
        assert_eq!(css_string("Page "), "\"Page \"");
    }
}
