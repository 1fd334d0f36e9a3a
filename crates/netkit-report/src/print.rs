//! The print rules that depend on the document: running header (the document's
//! title) and footer (page n of N) in the page margin boxes, in the report's
//! language. Strings go into CSS strings escaped (`esc::css_string`), so a name with
//! quotes, backslashes or `</style>` stays text.

use crate::i18n::K;
use crate::view::Ctx;

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

/// The `<style>` block of the page margins. Each intervention sheet prints on its
/// own named page whose top-right box repeats the sheet's number on every page of it.
pub fn css(ctx: &Ctx, sheets: &[crate::sheets::Sheet]) -> String {
    let l = ctx.l;
    let title = css_string(&l.f(K::DocTitle, &[("name", &ctx.plan.name)]));
    let (page, of) = match l {
        crate::Lang::Fr => ("Page ", " sur "),
        crate::Lang::En => ("Page ", " of "),
    };
    let boxes = format!(
        "@top-left {{ content: {title}; font: 7.5pt \"DejaVu Sans\", sans-serif; color: #4b5563; }} \
         @bottom-right {{ content: {} counter(page) {} counter(pages); font: 7.5pt \"DejaVu Sans\", sans-serif; color: #4b5563; }}",
        css_string(page),
        css_string(of)
    );
    let mut named = String::new();
    for sh in sheets {
        // Anchors are `fi-` + letters, digits and dashes (`sheets::number`): CSS idents.
        named.push_str(&format!(
            "@page {} {{ {boxes} @top-right {{ content: {}; font: bold 8pt \"DejaVu Sans\", sans-serif; color: #1e3a5f; }} }}\n",
            sh.anchor,
            css_string(&format!("{} {}", l.t(K::Sheet), sh.number))
        ));
    }
    format!(
        "<style>\n@page {{ {boxes} }}\n@page wide {{ {boxes} }}\n{named}@page :first {{ @top-left {{ content: none; }} @bottom-right {{ content: none; }} }}\n</style>\n"
    )
}

/// The opening of an intervention sheet: its own named page (see [`css`]) and its
/// header with the number.
pub fn sheet_open(ctx: &Ctx, s: &crate::sheets::Sheet) -> String {
    use crate::esc::xml as e;
    let l = ctx.l;
    format!(
        "<article class=\"sheet\" id=\"{a}\" style=\"page: {a}\">\n<header><span class=\"t\">{}</span><span class=\"n\">{} {}</span></header>\n",
        e(l.t(K::Sheet)),
        e(l.t(K::SheetNumber)),
        e(&s.number),
        a = e(&s.anchor)
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
