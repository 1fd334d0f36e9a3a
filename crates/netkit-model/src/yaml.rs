//! A YAML document as a tree of spanned nodes, built from `granit-parser`'s event stream.
//!
//! Why not deserialize straight into the types with serde: serde stops at the first
//! problem and loses the position of most values. Here every node (keys included) keeps
//! its span, and the topology walker (`parse.rs`) reports every problem at once.
//!
//! Hostile input is bounded here: nesting depth, total node count, and alias expansion
//! (a "billion laughs" file) all have budgets; the builder is iterative, so no input can
//! overflow the stack.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, ScanError};

use crate::{Diagnostic, Span};

/// Deepest nesting of collections accepted. A topology needs 6 levels
/// (sites > hq > segments > servers > named > fs1 > services).
pub(crate) const MAX_DEPTH: usize = 64;
/// Most nodes a document may have once aliases are expanded. A generated 1,000-site
/// topology has about 50,000.
pub(crate) const MAX_NODES: usize = 400_000;
/// Most nodes that aliases may add by expansion.
pub(crate) const MAX_ALIAS_NODES: usize = 100_000;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// `plain` is false for quoted and block scalars: they are always text.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// Plain `null`, `~` or nothing at all.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What the node is, for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Map(_) => "a mapping".into(),
            Kind::Seq(_) => "a list".into(),
            Kind::Scalar { .. } if self.is_null() => "nothing".into(),
            Kind::Scalar { text, plain } => {
                let shown = shorten(text);
                if !plain {
                    format!("the text \"{shown}\"")
                } else if parse_yaml_int(text).is_some() || text.parse::<f64>().is_ok() {
                    format!("the number `{shown}`")
                } else if parse_yaml_bool(text).is_some() {
                    format!("the boolean `{shown}`")
                } else {
                    format!("`{shown}`")
                }
            }
        }
    }

    fn size(&self) -> usize {
        // Iterative: the tree is at most MAX_DEPTH deep, but keep it cheap anyway.
        let mut n = 0;
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            n += 1;
            match &node.kind {
                Kind::Scalar { .. } => {}
                Kind::Seq(items) => stack.extend(items.iter()),
                Kind::Map(entries) => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
            }
        }
        n
    }
}

/// Shorten a value for a message: at most 40 characters, control characters escaped.
pub(crate) fn shorten(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i >= 40 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// YAML 1.2 core schema integers: decimal, `0x`, `0o`, with an optional sign.
/// The digits after a prefix are digits only (`0x+a`, `0x-1` are not numbers),
/// and a value outside the 64-bit range is not a number either: no overflow.
pub(crate) fn parse_yaml_int(text: &str) -> Option<i64> {
    let (neg, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, body) = if let Some(hex) = digits.strip_prefix("0x") {
        (16, hex)
    } else if let Some(oct) = digits.strip_prefix("0o") {
        (8, oct)
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Parsed unsigned first, so that -9223372036854775808 fits and nothing negates
    // out of range.
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if neg {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

pub(crate) fn parse_yaml_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Span,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        start: Span,
        anchor: usize,
    },
}

/// Turns parser markers into our spans (1-based line and column, byte offsets).
pub(crate) struct Positions<'a> {
    source: &'a str,
}

impl Positions<'_> {
    fn span(&self, s: &granit_parser::Span) -> Span {
        let offset = s
            .start
            .byte_offset()
            .unwrap_or_else(|| self.char_to_byte(s.start.index()));
        let end = s
            .end
            .byte_offset()
            .unwrap_or_else(|| self.char_to_byte(s.end.index()));
        Span {
            offset,
            len: end.saturating_sub(offset),
            line: u32::try_from(s.start.line()).unwrap_or(u32::MAX),
            column: u32::try_from(s.start.col() + 1).unwrap_or(u32::MAX),
        }
    }

    fn marker(&self, m: &granit_parser::Marker) -> Span {
        let offset = m
            .byte_offset()
            .unwrap_or_else(|| self.char_to_byte(m.index()));
        Span {
            offset,
            len: 0,
            line: u32::try_from(m.line()).unwrap_or(u32::MAX),
            column: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
        }
    }

    fn char_to_byte(&self, chars: usize) -> usize {
        self.source
            .char_indices()
            .nth(chars)
            .map_or(self.source.len(), |(i, _)| i)
    }
}

fn join(start: Span, end: Span) -> Span {
    Span {
        len: (end.offset + end.len).saturating_sub(start.offset),
        ..start
    }
}

/// Load the single YAML document of `source`. `Ok(None)` for an empty file.
pub(crate) fn load(source: &str) -> Result<Option<Node>, Diagnostic> {
    let options = granit_parser::options! {
        flow_nesting_limit: MAX_DEPTH,
        block_nesting_limit: MAX_DEPTH,
        emit_comments: false,
    };
    let pos = Positions { source };
    // Only anchors that an alias uses are kept (copied), and their copies count
    // against the alias budget: nested `&a [&b [...]]` with no alias costs nothing,
    // where a copy of every anchored subtree made memory quadratic.
    let aliased = aliased_anchors(source, options.clone());
    let parser = Parser::new_from_str_with_options(source, options);

    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    let mut nodes = 0usize;
    let mut alias_nodes = 0usize;
    let mut anchor_copies = 0usize;

    for event in parser {
        let (event, span) = event.map_err(|e| syntax_error(&pos, &e))?;
        let here = pos.span(&span);
        let done: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => None,
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(Diagnostic::error(
                        here,
                        "the file holds more than one YAML document (a second `---`)",
                    )
                    .with_hint("a topology is one document: remove the second `---` and what follows, or merge the documents"));
                }
                None
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tagged_str = tag
                    .as_deref()
                    .is_some_and(|t| t.core_suffix() == Some("str"));
                let plain = matches!(style, ScalarStyle::Plain) && !tagged_str;
                Some((
                    Node {
                        kind: Kind::Scalar {
                            text: text.into_owned(),
                            plain,
                        },
                        span: here,
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(_, anchor, _) => {
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    start: here,
                    anchor,
                });
                None
            }
            Event::MappingStart(_, anchor, _) => {
                stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    start: here,
                    anchor,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                }) => Some((
                    Node {
                        kind: Kind::Seq(items),
                        span: join(start, here),
                    },
                    anchor,
                )),
                _ => return Err(internal(here)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    entries,
                    start,
                    anchor,
                    key,
                }) => {
                    if key.is_some() {
                        return Err(internal(here));
                    }
                    Some((
                        Node {
                            kind: Kind::Map(merge_keys(entries)),
                            span: join(start, here),
                        },
                        anchor,
                    ))
                }
                _ => return Err(internal(here)),
            },
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    return Err(Diagnostic::error(here, "this alias refers to an unknown anchor")
                        .with_hint("define the anchor (`&name`) before the alias (`*name`), or write the value out"));
                };
                let size = target.size();
                alias_nodes += size;
                if alias_nodes > MAX_ALIAS_NODES {
                    return Err(alias_bomb(here));
                }
                nodes += size - 1;
                let mut node = target.clone();
                node.span = here;
                Some((node, 0))
            }
            _ => None,
        };
        let Some((node, anchor)) = done else {
            continue;
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(Diagnostic::error(
                here,
                format!(
                    "the file holds more than {MAX_NODES} YAML values: it cannot be a topology"
                ),
            )
            .with_hint("check that this is the right file"));
        }
        if anchor != 0 && aliased.contains(&anchor) {
            // An aliased anchor is expanded at least once, so its copy is within
            // the alias budget of any document that passes.
            anchor_copies += node.size();
            if anchor_copies > MAX_ALIAS_NODES {
                return Err(alias_bomb(here));
            }
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
    Ok(root)
}

fn alias_bomb(here: Span) -> Diagnostic {
    Diagnostic::error(
        here,
        format!("aliases expand to more than {MAX_ALIAS_NODES} values (an alias bomb?)"),
    )
    .with_hint("write the values out instead of nesting aliases of aliases")
}

/// The anchor ids that some alias of `source` refers to (a first, cheap pass
/// over the events; syntax errors are left to the real pass).
fn aliased_anchors(
    source: &str,
    options: granit_parser::Options,
) -> std::collections::HashSet<usize> {
    let mut used = std::collections::HashSet::new();
    for event in Parser::new_from_str_with_options(source, options) {
        match event {
            Ok((Event::Alias(id), _)) => {
                used.insert(id);
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    used
}

fn plain_key(node: &Node) -> Option<&str> {
    match &node.kind {
        Kind::Scalar { text, plain: true } => Some(text),
        _ => None,
    }
}

fn key_text(node: &Node) -> Option<&str> {
    match &node.kind {
        Kind::Scalar { text, .. } => Some(text),
        _ => None,
    }
}

/// YAML merge keys: `<<: *defaults` (or a list of aliases) copies the entries of the
/// merged mappings that the mapping does not set itself, at the place of the `<<`.
/// A `<<` whose value is not a mapping stays, and is reported as an unknown key.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, _)| plain_key(k) == Some("<<")) {
        return entries;
    }
    let mut present: std::collections::HashSet<String> = entries
        .iter()
        .filter(|(k, _)| plain_key(k) != Some("<<"))
        .filter_map(|(k, _)| key_text(k).map(str::to_string))
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        if plain_key(&k) != Some("<<") {
            out.push((k, v));
            continue;
        }
        let sources: Vec<Node> = match v.kind {
            Kind::Map(_) => vec![v],
            Kind::Seq(ref items) if items.iter().all(|i| matches!(i.kind, Kind::Map(_))) => {
                match v.kind {
                    Kind::Seq(items) => items,
                    _ => Vec::new(),
                }
            }
            _ => {
                out.push((k, v));
                continue;
            }
        };
        for source in sources {
            if let Kind::Map(merged) = source.kind {
                for (mk, mv) in merged {
                    let Some(name) = key_text(&mk) else {
                        continue;
                    };
                    if present.insert(name.to_string()) {
                        out.push((mk, mv));
                    }
                }
            }
        }
    }
    out
}

fn internal(here: Span) -> Diagnostic {
    Diagnostic::error(
        here,
        "the YAML parser produced an unbalanced structure here",
    )
    .with_hint("check the indentation and brackets around this place")
}

fn syntax_error(pos: &Positions<'_>, e: &ScanError) -> Diagnostic {
    use granit_parser::ErrorKind as K;
    let here = pos.marker(e.marker());
    let info = e.info();
    let general = "check the indentation, that every `key:` is followed by a space, and quote values that contain `: `, `#`, `[`, `{` or start with `*`, `&`, `!`, `%`, `@`";
    let hint = match e.kind() {
        K::RecursionLimitExceeded => format!(
            "a topology nests a few levels; this file nests more than {MAX_DEPTH}: check that this is the right file"
        ),
        K::TabNotAllowed | K::TabInBlockIndentation | K::TabInIndentation | K::TabAtBlockScalarStart => {
            "indent with spaces, never tabs".to_string()
        }
        K::UnknownAnchor | K::MissingAnchorOrAliasName => {
            "define the anchor (`&name`) before the alias (`*name`), or write the value out; quote values that start with `*` or `&`".to_string()
        }
        K::ExpectedFlowMappingSeparator | K::UnexpectedEofFlowMapping | K::UnexpectedEofImplicitFlowMapping => {
            "a `{ ... }` opened on this line or above is not closed, or two entries lack a `,` between them".to_string()
        }
        K::ExpectedFlowSequenceSeparator | K::UnexpectedEofFlowSequence => {
            "a `[ ... ]` opened on this line or above is not closed, or two items lack a `,` between them".to_string()
        }
        K::UnclosedFlowCollection { .. } | K::MisplacedFlowCollectionEnd | K::MismatchedFlowCollectionEnd { .. } => {
            "every `{` needs its `}` and every `[` its `]`, in the right order".to_string()
        }
        K::ExpectedBlockMappingKey | K::InvalidIndentation => {
            "the keys of one mapping start in the same column: check the indentation of this line against the lines above".to_string()
        }
        K::MappingValueNotAllowed => {
            "a value contains `: ` (quote it, e.g. \"a: b\"), or this line is indented too far".to_string()
        }
        K::UnclosedQuotedScalar => "a quoted value is not closed: add the closing quote".to_string(),
        _ => general.to_string(),
    };
    let info = if matches!(e.kind(), K::RecursionLimitExceeded) {
        format!("nesting deeper than {MAX_DEPTH} levels ({info})")
    } else if info.is_empty() {
        "invalid YAML".to_string()
    } else {
        info
    };
    Diagnostic::error(here, format!("YAML syntax error: {info}")).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_keys_and_values() {
        let src = "a: 1\nb:\n  c: [x, 'y']\n";
        let root = load(src).unwrap().unwrap();
        let Kind::Map(entries) = &root.kind else {
            panic!("root is not a map")
        };
        assert_eq!(entries[0].0.span.line, 1);
        assert_eq!(entries[0].1.span.column, 4);
        let Kind::Map(inner) = &entries[1].1.kind else {
            panic!("b is not a map")
        };
        assert_eq!(inner[0].0.span.line, 3);
        assert_eq!(inner[0].0.span.column, 3);
        let Kind::Seq(items) = &inner[0].1.kind else {
            panic!("c is not a list")
        };
        assert_eq!(items[1].span.column, 10);
        assert!(matches!(&items[1].kind, Kind::Scalar { plain: false, .. }));
        assert_eq!(&src[items[1].span.offset..items[1].span.offset + 3], "'y'");
    }

    #[test]
    fn integers_never_overflow_and_need_digits() {
        assert_eq!(parse_yaml_int("0x1f"), Some(31));
        assert_eq!(parse_yaml_int("-0o17"), Some(-15));
        assert_eq!(parse_yaml_int("+42"), Some(42));
        assert_eq!(parse_yaml_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_yaml_int("9223372036854775808"), None);
        // These panicked in debug builds (negation of i64::MIN) or read as numbers.
        assert_eq!(parse_yaml_int("-0x-8000000000000000"), None);
        assert_eq!(parse_yaml_int("-0x8000000000000000"), Some(i64::MIN));
        assert_eq!(parse_yaml_int("0x+a"), None);
        assert_eq!(parse_yaml_int("0x-a"), None);
        assert_eq!(parse_yaml_int("0o+7"), None);
        assert_eq!(parse_yaml_int("0x"), None);
        assert_eq!(parse_yaml_int("--1"), None);
        assert_eq!(parse_yaml_int("1_000"), None);
    }

    #[test]
    fn empty_file_is_none() {
        assert!(load("").unwrap().is_none());
        assert!(load("# only a comment\n").unwrap().is_none());
    }
}
