//! Segments of a site and their named hosts (offsets and services).

use super::*;

impl Walker {
    pub(super) fn segment(
        &mut self,
        site: &str,
        name: String,
        key: &Node,
        node: &Node,
    ) -> Option<Segment> {
        let id = format!("{site}.{name}");
        let what = format!("segment `{id}`");
        let f = self.fields(node, &what, SEGMENT_KEYS, "{ vlan: 10, hosts: 50 }")?;
        let vlan = match f.get("vlan") {
            None => {
                self.missing(&f, "vlan", &what, "10");
                0
            }
            Some(n) => match self.int(n, &format!("the VLAN of {what}"), "10") {
                Some(v) if (1..=4094).contains(&v) => v as u16,
                Some(v) => {
                    self.error(
                        n.span,
                        format!("VLAN {v} of {what} is outside 1-4094"),
                        "use a VLAN id from 1 to 4094 (0 and 4095 are reserved)",
                    );
                    0
                }
                None => 0,
            },
        };
        let hosts = match f.get("hosts") {
            None => {
                self.missing(&f, "hosts", &what, "50");
                0
            }
            Some(n) => match self.int(n, &format!("the hosts of {what}"), "50") {
                Some(v) if v <= 0 => {
                    self.error(
                        n.span,
                        format!("{what} has {v} hosts: a segment holds at least 1 host"),
                        "write how many hosts the segment must hold, e.g. `hosts: 50`",
                    );
                    0
                }
                Some(v) if v > MAX_HOSTS => {
                    self.error(
                        n.span,
                        format!("{what} has {v} hosts, more than a /8 holds ({MAX_HOSTS})"),
                        "split it into several segments with realistic sizes",
                    );
                    0
                }
                // Checked: 1 ..= MAX_HOSTS fits in u32.
                Some(v) => v as u32,
                None => 0,
            },
        };
        let description = self.opt_text(&f, "description", &what);
        let prefix_node = f.get("prefix");
        let prefix = prefix_node.and_then(|n| self.cidr4(n, &format!("the prefix of {what}")));
        let prefix_span = prefix_node.map(|n| n.span);
        if let (Some(p), Some(span)) = (prefix, prefix_span) {
            if p.prefix_len() > 30 {
                self.error(
                    span,
                    format!("the prefix {p} of {what} is too small for a segment"),
                    "a segment needs at least a /30 (gateway and one host)",
                );
            }
            self.pins.push(Pin {
                net: IpNet::V4(p),
                span,
                label: format!("segment `{id}`"),
                owner: PinOwner::Segment(site.to_string()),
            });
        }
        let prefix6_node = f.get("prefix6");
        let prefix6 = prefix6_node.and_then(|n| self.cidr6(n, &format!("the prefix6 of {what}")));
        if let (Some(p), Some(n)) = (prefix6, prefix6_node) {
            if p.prefix_len() != 64 {
                self.error(
                    n.span,
                    format!("the prefix6 {p} of {what} is not a /64"),
                    "every segment gets a /64: pin a /64, e.g. fd00:ac:1:10::/64",
                );
            } else {
                self.pins.push(Pin {
                    net: IpNet::V6(p),
                    span: n.span,
                    label: format!("segment `{id}`"),
                    owner: PinOwner::Segment(site.to_string()),
                });
            }
        }
        let isolated = f
            .get("isolated")
            .and_then(|n| self.boolean(n, &format!("`isolated` of {what}")))
            .unwrap_or(false);
        let gateway = f.get("gateway").and_then(|n| {
            self.gateway_spans.insert(id.clone(), n.span);
            self.text(n, &format!("the gateway of {what}"))
        });
        let mut named = Vec::new();
        if let Some(n) = f.get("named")
            && let Some(entries) = self.mapping(
                n,
                &format!("`named` of {what}"),
                "{ fs1: { host: 10, services: [tcp/445] } }",
            )
        {
            let mut seen: HashMap<String, u32> = HashMap::new();
            let mut offsets: HashMap<u32, (String, u32)> = HashMap::new();
            for (k, v) in entries {
                let Some(hname) = self.name(k, "named host") else {
                    continue;
                };
                if let Some(line) = seen.get(&hname) {
                    self.error(
                        k.span,
                        format!(
                            "duplicate named host `{id}.{hname}` (first written on line {line})"
                        ),
                        "give each named host of a segment its own name",
                    );
                    continue;
                }
                seen.insert(hname.clone(), k.span.line);
                let Some(h) = self.named_host(&id, hname, k, v, hosts, prefix) else {
                    continue;
                };
                if h.host != 0 {
                    if let Some((other, line)) = offsets.get(&h.host) {
                        self.error(
                            host_value_span(v).unwrap_or(h.span),
                            format!("duplicate offset {} in `{id}`: named host `{id}.{}` takes the address of `{id}.{other}` (line {line})", h.host, h.name),
                            "give each named host its own offset",
                        );
                    } else {
                        offsets.insert(h.host, (h.name.clone(), h.span.line));
                    }
                }
                named.push(h);
            }
        }
        Some(Segment {
            name,
            vlan,
            hosts,
            description,
            prefix,
            prefix6,
            isolated,
            gateway,
            named,
            span: key.span,
            prefix_span,
        })
    }

    pub(super) fn named_host(
        &mut self,
        seg_id: &str,
        name: String,
        key: &Node,
        node: &Node,
        hosts: u32,
        prefix: Option<Ipv4Net>,
    ) -> Option<NamedHost> {
        let id = format!("{seg_id}.{name}");
        let what = format!("named host `{id}`");
        let f = self.fields(node, &what, NAMED_KEYS, "{ host: 10, services: [tcp/445] }")?;
        let host = match f.get("host") {
            None => {
                self.missing(&f, "host", &what, "10");
                0
            }
            Some(n) => match self.int(n, &format!("the host offset of {what}"), "10") {
                Some(0) => {
                    self.error(
                        n.span,
                        format!("{what} has offset 0, the network address of the subnet"),
                        "use an offset from 2 up (offset 1 is the gateway), e.g. `host: 10`",
                    );
                    0
                }
                Some(1) => {
                    self.error(
                        n.span,
                        format!("{what} has offset 1, the address of the segment's gateway"),
                        "use an offset from 2 up, e.g. `host: 10`",
                    );
                    0
                }
                Some(v) if v < 0 => {
                    self.error(n.span, format!("{what} has a negative offset {v}"), "the offset counts from the subnet's network address: use 2 or more, e.g. `host: 10`");
                    0
                }
                Some(v) if v > i64::from(u32::MAX) => {
                    self.error(
                        n.span,
                        format!("{what} has offset {v}, far outside any IPv4 subnet"),
                        "use an offset inside the segment's subnet, e.g. `host: 10`",
                    );
                    0
                }
                Some(v) => {
                    let offset = v as u32;
                    if hosts > 0 {
                        self.offsets.push(OffsetCheck {
                            id: id.clone(),
                            offset,
                            span: n.span,
                            hosts,
                            prefix_len: prefix.map(|p| p.prefix_len()),
                        });
                    }
                    offset
                }
                None => 0,
            },
        };
        let services = f
            .get("services")
            .map(|n| self.services(n, &format!("the services of {what}")))
            .unwrap_or_default();
        Some(NamedHost {
            name,
            host,
            services,
            span: key.span,
        })
    }
}
