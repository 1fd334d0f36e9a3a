//! The `sites` section: each site's location, prefix and devices.

use super::*;

impl Walker {
    pub(super) fn sites(&mut self, node: &Node) -> Vec<Site> {
        let Some(entries) = self.mapping(node, "`sites`", "{ hq: { location: Paris } }") else {
            return vec![];
        };
        if entries.is_empty() {
            self.error(
                node.span,
                "`sites` is empty: a topology has at least one site",
                "add a site, like `hq: { devices: { r1: { kind: router } } }`",
            );
        }
        let mut sites: Vec<Site> = Vec::new();
        let mut seen: HashMap<String, u32> = HashMap::new();
        for (k, v) in entries {
            let Some(name) = self.name(k, "site") else {
                continue;
            };
            if let Some(line) = seen.get(&name) {
                self.error(
                    k.span,
                    format!("duplicate site `{name}` (first written on line {line})"),
                    "give each site its own name, or merge the two",
                );
                continue;
            }
            seen.insert(name.clone(), k.span.line);
            if let Some(site) = self.site(name, k, v) {
                sites.push(site);
            }
        }
        sites
    }

    pub(super) fn site(&mut self, name: String, key: &Node, node: &Node) -> Option<Site> {
        let what = format!("site `{name}`");
        let f = self.fields(
            node,
            &what,
            SITE_KEYS,
            "{ location: Paris, devices: { r1: { kind: router } } }",
        )?;
        let location = self.opt_text(&f, "location", &what);
        let description = self.opt_text(&f, "description", &what);
        let prefix_node = f.get("prefix");
        let prefix =
            prefix_node.and_then(|n| self.cidr4(n, &format!("the prefix of site `{name}`")));
        let prefix_span = prefix_node.map(|n| n.span);
        if let (Some(p), Some(span)) = (prefix, prefix_span) {
            self.pins.push(Pin {
                net: IpNet::V4(p),
                span,
                label: format!("site `{name}`"),
                owner: PinOwner::Site(name.clone()),
            });
        }
        let prefix6_node = f.get("prefix6");
        let prefix6 =
            prefix6_node.and_then(|n| self.cidr6(n, &format!("the prefix6 of site `{name}`")));
        if let (Some(p), Some(n)) = (prefix6, prefix6_node) {
            if p.prefix_len() > 64 {
                self.error(
                    n.span,
                    format!(
                        "site `{name}`'s prefix6 {p} is smaller than a /64: each segment gets a /64"
                    ),
                    "pin a /56 or /48, or leave prefix6 out",
                );
            }
            self.pins.push(Pin {
                net: IpNet::V6(p),
                span: n.span,
                label: format!("site `{name}`"),
                owner: PinOwner::Site(name.clone()),
            });
        }

        let mut devices: Vec<Device> = Vec::new();
        // Set when a device was dropped for an error: "no layer-3 device" would only
        // repeat that error.
        let mut devices_incomplete = false;
        if let Some(n) = f.get("devices") {
            let entries = self.mapping(
                n,
                &format!("the devices of {what}"),
                "{ r1: { kind: router } }",
            );
            devices_incomplete |= entries.is_none();
            let entries = entries.unwrap_or_default();
            let mut seen: HashMap<String, u32> = HashMap::new();
            for (k, v) in entries {
                let Some(dname) = self.name(k, "device") else {
                    devices_incomplete = true;
                    continue;
                };
                if let Some(line) = seen.get(&dname) {
                    self.error(
                        k.span,
                        format!("duplicate device `{name}.{dname}` (first written on line {line})"),
                        "give each device of a site its own name",
                    );
                    continue;
                }
                seen.insert(dname.clone(), k.span.line);
                match self.device(&name, dname, k, v) {
                    Some(d) => devices.push(d),
                    None => devices_incomplete = true,
                }
            }
        }

        let device_index: HashMap<&str, usize> = devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.as_str(), i))
            .collect();
        let mut segments: Vec<Segment> = Vec::new();
        if let Some(n) = f.get("segments")
            && let Some(entries) = self.mapping(
                n,
                &format!("the segments of {what}"),
                "{ users: { vlan: 10, hosts: 50 } }",
            )
        {
            let mut seen: HashMap<String, u32> = HashMap::new();
            let mut vlans: HashMap<u16, (String, u32)> = HashMap::new();
            for (k, v) in entries {
                let Some(sname) = self.name(k, "segment") else {
                    continue;
                };
                if let Some(line) = seen.get(&sname) {
                    self.error(
                        k.span,
                        format!(
                            "duplicate segment `{name}.{sname}` (first written on line {line})"
                        ),
                        "give each segment of a site its own name",
                    );
                    continue;
                }
                seen.insert(sname.clone(), k.span.line);
                if let Some(d) = device_index.get(sname.as_str()).map(|&i| &devices[i]) {
                    self.error(
                        k.span,
                        format!("`{name}.{sname}` is both a device (line {}) and a segment: they share the `site.name` ids", d.span.line),
                        "rename the segment or the device",
                    );
                }
                let Some(seg) = self.segment(&name, sname, k, v) else {
                    continue;
                };
                if (1..=4094).contains(&seg.vlan) {
                    if let Some((other, line)) = vlans.get(&seg.vlan) {
                        let vspan = vlan_span(v).unwrap_or(seg.span);
                        self.error(
                            vspan,
                            format!(
                                "duplicate VLAN {} in site `{name}`: segment `{name}.{}` uses the VLAN of `{name}.{other}` (line {line})",
                                seg.vlan, seg.name
                            ),
                            "give each segment of a site its own VLAN",
                        );
                    } else {
                        vlans.insert(seg.vlan, (seg.name.clone(), seg.span.line));
                    }
                }
                segments.push(seg);
            }
        }

        // Gateways: a layer-3 device of this site.
        for seg in &mut segments {
            let Some(g) = seg.gateway.clone() else {
                continue;
            };
            let seg_id = format!("{name}.{}", seg.name);
            let span = self.gateway_spans.get(&seg_id).copied().unwrap_or(seg.span);
            let local = match g.split_once('.') {
                Some((s, d)) if s == name => d.to_string(),
                Some((s, _)) => {
                    self.error(
                        span,
                        format!("the gateway of `{seg_id}` is `{g}`, a device of site `{s}`"),
                        format!("the gateway is a layer-3 device of site `{name}`: write its name only, e.g. `gateway: r1`"),
                    );
                    seg.gateway = None;
                    continue;
                }
                None => g.clone(),
            };
            match device_index.get(local.as_str()).map(|&i| &devices[i]) {
                Some(d)
                    if !d.kind.is_layer3()
                        && !self.unknown_kind.contains(&format!("{name}.{local}")) =>
                {
                    self.error(
                        span,
                        format!("the gateway of `{seg_id}` is `{name}.{local}`, a {}: only layer-3 devices route a segment", d.kind),
                        format!("name a router, l3-switch or firewall of site `{name}`{}", l3_list(&devices)),
                    );
                }
                Some(_) => seg.gateway = Some(local),
                None => {
                    let hint = match self.suggest(&local, devices.iter().map(|d| d.name.as_str())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "name a layer-3 device of site `{name}`{}",
                            l3_list(&devices)
                        ),
                    };
                    self.error(
                        span,
                        format!("unknown gateway `{}` for `{seg_id}`: it is not a device of site `{name}`", shorten(&local)),
                        hint,
                    );
                }
            }
        }

        let unknown_kind = devices
            .iter()
            .any(|d| self.unknown_kind.contains(&format!("{name}.{}", d.name)));
        if !segments.is_empty()
            && !devices.iter().any(|d| d.kind.is_layer3())
            && !unknown_kind
            && !devices_incomplete
        {
            self.error(
                key.span,
                format!("site `{name}` has segments but no layer-3 device to route them"),
                "add a router, l3-switch or firewall, e.g. `devices: { r1: { kind: router } }`",
            );
        }

        let layer2 = self.layer2(&name, &f, &devices, &segments);
        Some(Site {
            name,
            location,
            description,
            prefix,
            prefix6,
            devices,
            segments,
            span: key.span,
            prefix_span,
            layer2,
        })
    }

    pub(super) fn device(
        &mut self,
        site: &str,
        name: String,
        key: &Node,
        node: &Node,
    ) -> Option<Device> {
        let id = format!("{site}.{name}");
        let what = format!("device `{id}`");
        let f = self.fields(node, &what, DEVICE_KEYS, "{ kind: router }")?;
        let kind = match f.get("kind") {
            None => {
                self.missing(&f, "kind", &what, "router");
                None
            }
            Some(n) => self.text(n, &format!("the kind of {what}")).and_then(|t| {
                let k = match t.as_str() {
                    "router" => Some(DeviceKind::Router),
                    "l3-switch" => Some(DeviceKind::L3Switch),
                    "firewall" => Some(DeviceKind::Firewall),
                    "switch" => Some(DeviceKind::Switch),
                    "access-point" => Some(DeviceKind::AccessPoint),
                    "server" => Some(DeviceKind::Server),
                    _ => None,
                };
                if k.is_none() {
                    let normalized = t.to_lowercase().replace(['_', ' '], "-");
                    let hint = match text::did_you_mean(&normalized, KINDS.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("use one of: {}", KINDS.join(", ")),
                    };
                    self.error(
                        n.span,
                        format!("unknown device kind `{}` for {what}", shorten(&t)),
                        hint,
                    );
                }
                k
            }),
        };
        if kind.is_none() {
            self.unknown_kind.insert(id);
        }
        Some(Device {
            name,
            kind: kind.unwrap_or(DeviceKind::Router),
            description: self.opt_text(&f, "description", &what),
            model: self.opt_text(&f, "model", &what),
            span: key.span,
        })
    }
}
