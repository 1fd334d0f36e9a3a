//! The checks made once the whole file is read: cross-references, prefix pins and named-host offsets, so that the order of the top-level keys does not matter.

use super::*;

impl Walker {
    pub(super) fn cross_checks(&mut self, topo: &Topology) {
        self.check_refs(topo);
        self.check_pins(topo);
        self.check_offsets(topo);
        self.check_layer2_refs(topo);
    }

    pub(super) fn check_refs(&mut self, topo: &Topology) {
        let mut devices: HashMap<String, DeviceKind> = HashMap::new();
        let mut segments: HashSet<String> = HashSet::new();
        let mut named: HashSet<String> = HashSet::new();
        for s in &topo.sites {
            for d in &s.devices {
                devices.insert(format!("{}.{}", s.name, d.name), d.kind);
            }
            for g in &s.segments {
                segments.insert(format!("{}.{}", s.name, g.name));
                for h in &g.named {
                    named.insert(format!("{}.{}.{}", s.name, g.name, h.name));
                }
            }
        }
        let sites: HashSet<&str> = topo.sites.iter().map(|s| s.name.as_str()).collect();
        // Sorted, so that hints do not depend on hash order.
        let mut device_ids: Vec<&str> = devices.keys().map(String::as_str).collect();
        device_ids.sort_unstable();
        let mut named_ids: Vec<&str> = named.iter().map(String::as_str).collect();
        named_ids.sort_unstable();
        let mut endpoint_ids: Vec<&str> = segments
            .iter()
            .chain(named.iter())
            .map(String::as_str)
            .chain(sites.iter().copied())
            .collect();
        endpoint_ids.sort_unstable();

        let refs = std::mem::take(&mut self.refs);
        for r in refs {
            let t = r.text.as_str();
            let shown = shorten(t);
            match r.what {
                RefKind::LinkEnd(_) | RefKind::InternetEdge => {
                    let what = match r.what {
                        RefKind::LinkEnd(i) => format!("link {i}"),
                        _ => "the internet edge".to_string(),
                    };
                    let role = match r.what {
                        RefKind::LinkEnd(_) => {
                            "links join layer-3 devices (router, l3-switch, firewall)"
                        }
                        _ => "the internet edge is a layer-3 device (router or firewall)",
                    };
                    if let Some(kind) = devices.get(t) {
                        if !kind.is_layer3() && !self.unknown_kind.contains(t) {
                            self.error(
                                r.span,
                                format!("{what} names `{shown}`, a {kind}: {role}"),
                                format!(
                                    "connect a layer-3 device of that site instead, or change `{shown}`'s kind"
                                ),
                            );
                        }
                    } else if segments.contains(t) {
                        self.error(
                            r.span,
                            format!("{what} names `{shown}`, a segment, not a device: {role}"),
                            "name the segment's gateway device instead (`site.device`)",
                        );
                    } else {
                        let hint = match self.suggest(t, device_ids.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None if t.contains('.') => "write a device id `site.device` of a layer-3 device declared under `sites`".to_string(),
                            None => "write a device id as `site.device`, e.g. `hq.r1`".to_string(),
                        };
                        self.error(
                            r.span,
                            format!("{what} names unknown device `{shown}`"),
                            hint,
                        );
                    }
                }
                RefKind::DnsServer => {
                    if named.contains(t) {
                        continue;
                    }
                    let kind = if segments.contains(t) {
                        " (a segment)"
                    } else if devices.contains_key(t) {
                        " (a device)"
                    } else {
                        ""
                    };
                    let hint = match self.suggest(t, named_ids.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "the DNS server is a named host `site.segment.host`: declare it under the segment's `named` (e.g. `dns1: { host: 10, services: [udp/53] }`)".to_string(),
                    };
                    self.error(
                        r.span,
                        format!(
                            "unknown DNS server `{shown}`{kind}: it is not a named host of this topology"
                        ),
                        hint,
                    );
                }
                RefKind::PolicyEnd(i, which) => {
                    if segments.contains(t) || named.contains(t) || sites.contains(t) {
                        continue;
                    }
                    let kind = if devices.contains_key(t) {
                        " (a device)"
                    } else {
                        ""
                    };
                    let hint = match self.suggest(t, endpoint_ids.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "policy ends are a segment (`site.segment`), a named host (`site.segment.host`) or a site name".to_string(),
                    };
                    self.error(
                        r.span,
                        format!("unknown `{which}` of policy {i}: `{shown}`{kind} is not a segment, named host or site"),
                        hint,
                    );
                }
            }
        }
    }

    pub(super) fn check_pins(&mut self, topo: &Topology) {
        let a = &topo.addressing;
        let pins = std::mem::take(&mut self.pins);
        let sites: HashMap<&str, &Site> = topo.sites.iter().map(|s| (s.name.as_str(), s)).collect();
        // Containment in pools.
        for p in &pins {
            match (&p.owner, p.net) {
                (PinOwner::Site(_), IpNet::V4(n)) if self.ipv4_ok && !a.ipv4.contains(&n) => {
                    self.error(
                        p.span,
                        format!(
                            "the prefix {n} of {} is outside addressing.ipv4 {}",
                            p.label, a.ipv4
                        ),
                        format!("pin a prefix inside {}, or widen addressing.ipv4", a.ipv4),
                    );
                }
                (PinOwner::Site(_) | PinOwner::Segment(_), IpNet::V6(n)) => {
                    let outer = match &p.owner {
                        PinOwner::Segment(site) => sites.get(site.as_str()).and_then(|s| {
                            s.prefix6.map(|q| (q, format!("site `{site}`'s prefix6")))
                        }),
                        _ => None,
                    };
                    match (outer, a.ipv6) {
                        (Some((q, label)), _) => {
                            if !q.contains(&n) {
                                self.error(
                                    p.span,
                                    format!(
                                        "the prefix6 {n} of {} is outside {label} {q}",
                                        p.label
                                    ),
                                    format!("pin a /64 inside {q}"),
                                );
                            }
                        }
                        (None, Some(pool)) => {
                            if !pool.contains(&n) {
                                self.error(
                                    p.span,
                                    format!(
                                        "the prefix6 {n} of {} is outside addressing.ipv6 {pool}",
                                        p.label
                                    ),
                                    format!("pin a prefix inside {pool}, or widen addressing.ipv6"),
                                );
                            }
                        }
                        (None, None) if !self.ipv6_given => {
                            self.error(
                                p.span,
                                format!("{} pins a prefix6 but addressing has no `ipv6`", p.label),
                                "add `ipv6: fd00:…/48` to addressing, or remove prefix6",
                            );
                        }
                        (None, None) => {}
                    }
                }
                (PinOwner::Segment(site), IpNet::V4(n)) => {
                    let site_prefix = sites.get(site.as_str()).and_then(|s| s.prefix);
                    match site_prefix {
                        Some(sp) if !sp.contains(&n) => {
                            self.error(
                                p.span,
                                format!(
                                    "the prefix {n} of {} is outside its site's prefix {sp}",
                                    p.label
                                ),
                                format!("pin a prefix inside {sp}, or remove the pin"),
                            );
                        }
                        None if self.ipv4_ok && !a.ipv4.contains(&n) => {
                            self.error(
                                p.span,
                                format!(
                                    "the prefix {n} of {} is outside addressing.ipv4 {}",
                                    p.label, a.ipv4
                                ),
                                format!("pin a prefix inside {}", a.ipv4),
                            );
                        }
                        _ => {}
                    }
                }
                (PinOwner::Link, IpNet::V4(n)) => match a.wan {
                    Some(wan) if !wan.contains(&n) => {
                        self.error(
                            p.span,
                            format!(
                                "the prefix {n} of {} is outside addressing.wan {wan}",
                                p.label
                            ),
                            format!("pin a /31 inside {wan}"),
                        );
                    }
                    None if self.ipv4_ok && !a.ipv4.contains(&n) => {
                        self.error(
                            p.span,
                            format!(
                                "the prefix {n} of {} is outside addressing.ipv4 {}",
                                p.label, a.ipv4
                            ),
                            format!("pin a /31 inside {}", a.ipv4),
                        );
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        // Pins against reserves and the special pools.
        for p in &pins {
            if let Some((r, _)) = a
                .reserve
                .iter()
                .zip(&a.spans.reserve)
                .find(|(r, _)| overlaps(r, &p.net))
            {
                self.error(p.span, format!("the prefix {} of {} overlaps reserve {r}", p.net, p.label), "reserved ranges are never allocated: pin a prefix outside them, or shrink the reserve");
            }
            if p.owner != PinOwner::Link
                && let Some(w) = a.wan
                && overlaps(&IpNet::V4(w), &p.net)
            {
                self.error(
                    p.span,
                    format!(
                        "the prefix {} of {} overlaps the link pool addressing.wan {w}",
                        p.net, p.label
                    ),
                    "pin a prefix outside the wan pool",
                );
            }
            if let Some(l) = a.loopbacks
                && overlaps(&IpNet::V4(l), &p.net)
            {
                self.error(
                    p.span,
                    format!(
                        "the prefix {} of {} overlaps the loopback pool addressing.loopbacks {l}",
                        p.net, p.label
                    ),
                    "pin a prefix outside the loopback pool",
                );
            }
        }
        // Pins against each other: only a site and its own segments may nest. Prefixes
        // either nest or are disjoint, so a sweep in address order with a stack of the
        // prefixes that contain the current one finds every overlap in O(n log n).
        let key = |p: &Pin| match p.net {
            IpNet::V4(n) => (4u8, u128::from(u32::from(n.network())), n.prefix_len()),
            IpNet::V6(n) => (6u8, u128::from(n.network()), n.prefix_len()),
        };
        let mut order: Vec<usize> = (0..pins.len()).collect();
        order.sort_by_key(|&i| (key(&pins[i]), pins[i].span.offset));
        let mut stack: Vec<usize> = Vec::new();
        for i in order {
            let p = &pins[i];
            while let Some(&top) = stack.last() {
                if pins[top].net.contains(&p.net) {
                    break;
                }
                stack.pop();
            }
            let same_as_top = stack.last().is_some_and(|&top| pins[top].net == p.net);
            for &j in stack.iter().rev() {
                let q = &pins[j];
                let nested_ok = match (&p.owner, &q.owner) {
                    (PinOwner::Segment(s), PinOwner::Site(t))
                    | (PinOwner::Site(t), PinOwner::Segment(s)) => s == t,
                    _ => false,
                };
                if !nested_ok && p.label != q.label {
                    // Report on the one written later, naming the earlier one.
                    let (later, earlier) = if p.span.offset > q.span.offset {
                        (p, q)
                    } else {
                        (q, p)
                    };
                    self.error(
                        later.span,
                        format!(
                            "the prefix {} of {} overlaps the prefix {} of {} (line {})",
                            later.net, later.label, earlier.net, earlier.label, earlier.span.line
                        ),
                        "pinned prefixes must not overlap: change one of them, or remove a pin and let the planner choose",
                    );
                }
                if same_as_top {
                    // Equal prefixes: compare with the first copy only, keeping the
                    // stack (and the work) small.
                    break;
                }
            }
            if !same_as_top {
                stack.push(i);
            }
        }
    }

    pub(super) fn check_offsets(&mut self, topo: &Topology) {
        let growth = u64::from(topo.addressing.growth_percent);
        for c in std::mem::take(&mut self.offsets) {
            let (len, why) = match c.prefix_len {
                Some(l) => (u32::from(l), format!("its pinned /{l}")),
                None => {
                    let need = (u64::from(c.hosts) * (100 + growth)).div_ceil(100) + 1;
                    // Addresses for hosts + gateway + network + broadcast.
                    let total = need + 2;
                    let bits = 64 - (total - 1).leading_zeros();
                    let l = 32u32.saturating_sub(bits);
                    (l, format!("a /{l} for {} hosts", c.hosts))
                }
            };
            let size: u64 = 1u64 << (32 - len.min(32));
            // Offset 1 is the gateway; every offset from 2 to the last usable address
            // (size - 2) is valid (SPEC). The lab puts its test host on a free
            // address, or uses a named host when none is left: never a reason to
            // refuse a topology.
            let last = size.saturating_sub(2);
            let offset = u64::from(c.offset);
            if offset <= last {
                continue;
            }
            let message = if last < 2 {
                format!(
                    "named host `{}` has offset {}, but its segment ({why}) has no room for named hosts",
                    c.id, c.offset
                )
            } else {
                format!(
                    "named host `{}` has offset {}, outside its segment ({why} holds offsets 2 to {last})",
                    c.id, c.offset
                )
            };
            self.error(
                c.span,
                message,
                "use a smaller offset, raise the segment's `hosts`, or pin a larger `prefix`",
            );
        }
    }
}
