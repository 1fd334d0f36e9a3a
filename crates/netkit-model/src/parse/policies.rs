//! The `policies` section: deny and allow rules between segments.

use super::*;

impl Walker {
    pub(super) fn policies(&mut self, node: &Node) -> Vec<Policy> {
        let items = match &node.kind {
            Kind::Seq(items) => items,
            _ => {
                self.error(
                    node.span,
                    format!("`policies` must be a list, not {}", node.describe()),
                    "write it like `policies: [ { deny: { from: lyon.users, to: hq.users } } ]`",
                );
                return vec![];
            }
        };
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let what = format!("policy {index}");
            let Some(entries) =
                self.mapping(item, &what, "{ deny: { from: lyon.users, to: hq.users } }")
            else {
                continue;
            };
            if entries.len() != 1 {
                self.error(
                    item.span,
                    format!("{what} must have exactly one key, `deny` or `allow` (it has {})", entries.len()),
                    "write one rule per list item: `- { deny: { from: lyon.users, to: hq.users } }`",
                );
                continue;
            }
            let (k, v) = &entries[0];
            let Some(key) = self.key_text(k, &what) else {
                continue;
            };
            let action = match key {
                "deny" => PolicyAction::Deny,
                "allow" => PolicyAction::Allow,
                other => {
                    let hint = match text::did_you_mean(other, ["deny", "allow"]) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "a policy is `deny: {...}` or `allow: {...}`".to_string(),
                    };
                    self.error(
                        k.span,
                        format!("unknown policy action `{}` in {what}", shorten(other)),
                        hint,
                    );
                    continue;
                }
            };
            let Some(f) = self.fields(
                v,
                &format!("{what} ({key})"),
                &["from", "to", "services", "description"],
                "{ from: lyon.users, to: hq.users }",
            ) else {
                continue;
            };
            let end = |w: &mut Walker, which: &'static str| -> Option<String> {
                let Some(n) = f.get(which) else {
                    w.missing(&f, which, &what, "site.segment");
                    return None;
                };
                let t = w.text(n, &format!("`{which}` of {what}"))?;
                w.refs.push(Ref {
                    text: t.clone(),
                    span: n.span,
                    what: RefKind::PolicyEnd(index, which),
                });
                Some(t)
            };
            let from = end(self, "from");
            let to = end(self, "to");
            let services = f
                .get("services")
                .map(|n| self.services(n, &format!("the services of {what}")))
                .unwrap_or_default();
            if let (Some(a), Some(b)) = (&from, &to)
                && a == b
            {
                self.error(
                    f.get("to").map_or(item.span, |n| n.span),
                    format!("{what} goes from `{}` to itself", shorten(a)),
                    "a policy filters traffic between two different places: fix `from` or `to`",
                );
            }
            out.push(Policy {
                action,
                from: from.unwrap_or_default(),
                to: to.unwrap_or_default(),
                services,
                span: item.span,
            });
        }
        out
    }

    // ----- checks across the file ------------------------------------------------
}
