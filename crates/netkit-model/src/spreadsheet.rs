//! The one rule for CSV cells that a spreadsheet would run as a formula (OWASP
//! "CSV injection"), shared by the plan's and the report's CSV writers.

/// Whether a spreadsheet could take `cell` for a formula: after any leading
/// whitespace (spaces, no-break and ideographic spaces...), it starts with `=`,
/// `+`, `-`, `@`, their fullwidth or small forms (`＝`, `＋`, `－`, `＠`, `﹦`...),
/// the minus sign `−`, or a control character (tab, carriage return, line feed).
/// Such a cell gets a leading apostrophe from the writers.
pub fn formula_like(cell: &str) -> bool {
    if cell.starts_with(char::is_control) {
        return true;
    }
    let rest = cell.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    rest.starts_with(|c: char| {
        c.is_control()
            || matches!(
                c,
                '=' | '+'
                    | '-'
                    | '@'
                    | '\u{FF1D}'
                    | '\u{FF0B}'
                    | '\u{FF0D}'
                    | '\u{FF20}'
                    | '\u{FE66}'
                    | '\u{FE62}'
                    | '\u{FE63}'
                    | '\u{FE6B}'
                    | '\u{2212}'
            )
    })
}

#[cfg(test)]
mod tests {
    use super::formula_like;

    #[test]
    fn formula_starts() {
        for f in [
            "=1+2",
            "+1",
            "-1",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "  =cmd|' /C calc'!A0",
            "\u{a0}=1",
            "\u{3000}=1",
            "＝HYPERLINK(\"x\")",
            "＋1",
            "＠A1",
            "﹦1",
            "−1",
        ] {
            assert!(formula_like(f), "{f:?}");
        }
        for plain in ["Paris", "10.1.0.0/24", "hq.r1", "a=b", "", "   "] {
            assert!(!formula_like(plain), "{plain:?}");
        }
    }
}
