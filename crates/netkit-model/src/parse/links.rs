//! The `links` section: the two ends, bandwidth, cost, pinned prefixes and the
//! service-level targets (`latency`, `jitter`, `loss`).

use super::*;

impl Walker {
    pub(super) fn links(&mut self, node: &Node) -> Vec<Link> {
        let items = match &node.kind {
            Kind::Seq(items) => items,
            _ => {
                self.error(
                    node.span,
                    format!("`links` must be a list, not {}", node.describe()),
                    "write it like `links: [ { a: hq.r1, b: lyon.r1, bandwidth: 100Mbps } ]`",
                );
                return vec![];
            }
        };
        let mut out = Vec::new();
        for item in items {
            let index = out.len();
            let what = format!("link {index}");
            let Some(f) = self.fields(
                item,
                &what,
                LINK_KEYS,
                "{ a: hq.r1, b: lyon.r1, bandwidth: 100Mbps }",
            ) else {
                continue;
            };
            let end = |w: &mut Walker, key: &str| -> String {
                match f.get(key) {
                    None => {
                        w.missing(&f, key, &what, "site.device");
                        String::new()
                    }
                    Some(n) => match w.text(n, &format!("`{key}` of {what}")) {
                        Some(t) => {
                            w.refs.push(Ref {
                                text: t.clone(),
                                span: n.span,
                                what: RefKind::LinkEnd(index),
                            });
                            t
                        }
                        None => String::new(),
                    },
                }
            };
            let a = end(self, "a");
            let b = end(self, "b");
            if !a.is_empty()
                && a == b
                && let Some(n) = f.get("b")
            {
                self.error(
                    n.span,
                    format!("{what} joins `{}` to itself", shorten(&a)),
                    "a link joins two different layer-3 devices: fix `a` or `b`",
                );
            }
            let bandwidth_bps = f.get("bandwidth").and_then(|n| {
                let t = self.text(n, &format!("the bandwidth of {what}"))?;
                match text::parse_bandwidth(&t) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        self.error(
                            n.span,
                            format!("invalid bandwidth for {what}: {e}"),
                            "write a number and a unit in bits per second: 100Mbps, 1Gbps, 1.5Gbps, 512kbps",
                        );
                        None
                    }
                }
            });
            let cost = f.get("cost").and_then(|n| {
                match self.int(n, &format!("the cost of {what}"), "10")? {
                    v if v <= 0 => {
                        self.error(
                            n.span,
                            format!("the cost of {what} is {v}: costs are positive"),
                            "use a cost from 1 to 65535 (lower is preferred)",
                        );
                        None
                    }
                    v if v > 65535 => {
                        self.error(
                            n.span,
                            format!("the cost of {what} is {v}, more than 65535"),
                            "use a cost from 1 to 65535 (the OSPF range)",
                        );
                        None
                    }
                    v => Some(v as u32),
                }
            });
            let prefix_node = f.get("prefix");
            let prefix = prefix_node.and_then(|n| {
                let p = self.cidr4(n, &format!("the prefix of {what}"))?;
                if !matches!(p.prefix_len(), 30 | 31) {
                    self.error(n.span, format!("the prefix {p} of {what} is a /{}: a point-to-point link uses a /31 or a /30", p.prefix_len()), "pin a /31 (or /30), e.g. 10.255.0.0/31");
                    return None;
                }
                self.pins.push(Pin {
                    net: IpNet::V4(p),
                    span: n.span,
                    label: format!("link {index} ({a} - {b})"),
                    owner: PinOwner::Link,
                });
                Some(p)
            });
            let description = self.opt_text(&f, "description", &what);
            let targets = self.link_targets(&f, &what);
            out.push(Link {
                a,
                b,
                bandwidth_bps,
                cost,
                prefix,
                description,
                targets,
                span: item.span,
            });
        }
        out
    }

    /// `latency: 20ms`, `jitter: 5ms`, `loss: 1%` of a link.
    fn link_targets(&mut self, f: &Fields<'_>, what: &str) -> LinkTargets {
        let one = |w: &mut Walker, key: &str, parse: fn(&str) -> Option<f64>, hint: &str| {
            let n = f.get(key)?;
            let t = w.text(n, &format!("the {key} of {what}"))?;
            let v = parse(&t);
            if v.is_none() {
                w.error(
                    n.span,
                    format!("invalid {key} for {what}: `{}`", t.trim()),
                    hint,
                );
            }
            v
        };
        LinkTargets {
            max_rtt_ms: one(
                self,
                "latency",
                netkit_units::parse_millis,
                "write the most round-trip time the link may take, from 0 to 60s: 20ms, 0.5ms, 1s",
            ),
            max_jitter_ms: one(
                self,
                "jitter",
                netkit_units::parse_millis,
                "write the most jitter the link may show, from 0 to 60s: 5ms, 0.5ms",
            ),
            max_loss_pct: one(
                self,
                "loss",
                netkit_units::parse_percent,
                "write the most loss the link may show, from 0 to 100 percent: 1%, 0.1%",
            ),
        }
    }
}
