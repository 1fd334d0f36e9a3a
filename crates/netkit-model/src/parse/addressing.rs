//! The `addressing` section: pools, the point-to-point prefix length, growth and reserves.

use super::*;

impl Walker {
    pub(super) fn addressing(&mut self, node: &Node) -> Option<Addressing> {
        let what = "`addressing`";
        let f = self.fields(node, what, ADDRESSING_KEYS, "{ ipv4: 10.0.0.0/8 }")?;
        let mut spans = AddressingSpans::default();
        let ipv4 = match f.get("ipv4") {
            Some(n) => {
                spans.ipv4 = n.span;
                self.cidr4(n, "addressing.ipv4")
            }
            None => {
                self.missing(&f, "ipv4", what, "10.0.0.0/8");
                None
            }
        };
        self.ipv4_ok = ipv4.is_some();
        let ipv6 = f.get("ipv6").and_then(|n| {
            self.ipv6_given = true;
            spans.ipv6 = Some(n.span);
            let net = self.cidr6(n, "addressing.ipv6")?;
            if net.prefix_len() > 64 {
                self.error(
                    n.span,
                    format!("addressing.ipv6 {net} is smaller than a /64: every segment gets a /64 from it"),
                    "use a /48 or /56 (e.g. fd00:ac::/48)",
                );
                return None;
            }
            Some(net)
        });
        let wan = f.get("wan").and_then(|n| {
            spans.wan = Some(n.span);
            let net = self.cidr4(n, "addressing.wan")?;
            if net.prefix_len() > 31 {
                self.error(
                    n.span,
                    format!("addressing.wan {net} cannot hold a point-to-point link"),
                    "use a pool of at least a /30, e.g. 10.255.0.0/16",
                );
                return None;
            }
            Some(net)
        });
        let loopbacks = f.get("loopbacks").and_then(|n| {
            spans.loopbacks = Some(n.span);
            self.cidr4(n, "addressing.loopbacks")
        });
        if let (Some(w), Some(l)) = (wan, loopbacks)
            && (w.contains(&l) || l.contains(&w))
        {
            self.error(
                spans.loopbacks,
                format!("addressing.loopbacks {l} overlaps addressing.wan {w}"),
                "give loopbacks and point-to-point links separate pools",
            );
        }
        let p2p_prefix = match f.get("p2p_prefix") {
            None => 31,
            Some(n) => match self.int(n, "addressing.p2p_prefix", "31") {
                Some(v @ (30 | 31)) => v as u8,
                Some(v) => {
                    self.error(
                        n.span,
                        format!("addressing.p2p_prefix is {v}: point-to-point links use /31 or /30"),
                        "write `p2p_prefix: 31` (RFC 3021, two addresses per link) or `p2p_prefix: 30`",
                    );
                    31
                }
                None => 31,
            },
        };
        let growth_percent = f.get("growth").map_or(0, |n| self.growth(n));
        let mut reserve = Vec::new();
        if let Some(n) = f.get("reserve") {
            let items: Vec<&Node> = match &n.kind {
                Kind::Seq(items) => items.iter().collect(),
                Kind::Scalar { .. } => vec![n],
                Kind::Map(_) => {
                    self.error(
                        n.span,
                        format!(
                            "addressing.reserve must be a list of prefixes, not {}",
                            n.describe()
                        ),
                        "write it like [10.0.0.0/16, 10.200.0.0/16]",
                    );
                    vec![]
                }
            };
            for item in items {
                if let Some(net) = self.cidr(item, "a reserve entry", Family::Any) {
                    if net.addr().is_ipv6() && !self.ipv6_given {
                        self.warning(
                            item.span,
                            format!("reserve {net} is IPv6 but addressing has no `ipv6`: it has no effect"),
                            "remove it, or add `ipv6:` to addressing",
                        );
                    }
                    reserve.push(net);
                    spans.reserve.push(item.span);
                }
            }
        }
        // Pools inside a reserve are useless.
        for (pool, span, name) in [
            (wan, spans.wan, "wan"),
            (loopbacks, spans.loopbacks, "loopbacks"),
            (ipv4, Some(spans.ipv4), "ipv4"),
        ] {
            if let Some(p) = pool
                && let Some(r) = reserve.iter().find(|r| r.contains(&IpNet::V4(p)))
            {
                self.error(
                    span,
                    format!("addressing.{name} {p} lies entirely inside reserve {r}: nothing could be allocated from it"),
                    "shrink the reserve or choose another pool",
                );
            }
        }
        Some(Addressing {
            ipv4: ipv4.unwrap_or_default(),
            ipv6,
            wan,
            loopbacks,
            p2p_prefix,
            growth_percent,
            reserve,
            spans,
        })
    }

    pub(super) fn growth(&mut self, node: &Node) -> u32 {
        let Kind::Scalar { text, .. } = &node.kind else {
            self.error(
                node.span,
                format!(
                    "addressing.growth must be a percentage, not {}",
                    node.describe()
                ),
                "write it like `growth: 25%`",
            );
            return 0;
        };
        let t = text.trim();
        let number = t.strip_suffix('%').unwrap_or(t).trim();
        match number.parse::<f64>() {
            Ok(v) if v < 0.0 => {
                self.error(
                    node.span,
                    format!("addressing.growth is negative ({t}): growth is spare room added on top of `hosts`"),
                    "use 0% or more, e.g. `growth: 25%`",
                );
                0
            }
            Ok(v) if v > MAX_GROWTH as f64 => {
                self.error(
                    node.span,
                    format!("addressing.growth {t} is more than {MAX_GROWTH}%"),
                    "raise `hosts` instead, and keep growth for spare room (e.g. `growth: 25%`)",
                );
                0
            }
            Ok(v) if v.fract() != 0.0 => {
                self.error(
                    node.span,
                    format!("addressing.growth {t} is not a whole percentage"),
                    if v < 1.0 && !t.ends_with('%') {
                        // `0.25` is most likely a fraction.
                        format!(
                            "growth is in percent: did you mean `growth: {}%`?",
                            (v * 100.0).round()
                        )
                    } else {
                        format!(
                            "write a whole number of percent, e.g. `growth: {}%`",
                            v.ceil()
                        )
                    },
                );
                0
            }
            // Checked above: a whole number from 0 to MAX_GROWTH.
            Ok(v) => v as u32,
            Err(_) => {
                self.error(
                    node.span,
                    format!("addressing.growth `{}` is not a percentage", shorten(t)),
                    "write it like `growth: 25%` (or the number 25)",
                );
                0
            }
        }
    }
}
