//! The layer-2 keys of a site (SPEC "Switches, patching and Wi-Fi"): `ports` and
//! `uplink` of switches, `switch` of access points, `racks`, and `access` / `wifi` of
//! segments. Called from the site walker once its devices and segments are read; the
//! keys themselves were already accepted there, so this reads their values only.
//!
//! Every problem is reported at once: ports and panel ports that do not suffice (with
//! the count needed and the count there is), uplink loops and uplinks to another site,
//! unknown switches ("did you mean"), unknown security, passphrases written in the
//! file instead of the environment, enterprise security without RADIUS, SSIDs given
//! twice in a site. RADIUS servers are named hosts, checked once the whole file is read.

use std::collections::{HashMap, HashSet};

use super::{Fields, Walker, shorten};
use crate::yaml::{Kind, Node};
use crate::{
    AccessPointSpec, AccessPorts, Device, DeviceKind, Layer2, Rack, Security, Segment, Span,
    SwitchSpec, Topology, Wifi,
};

const WIFI_KEYS: &[&str] = &["ssid", "security", "passphrase", "radius", "radius_secret"];
const RACK_KEYS: &[&str] = &["panels", "panel_ports", "description"];
/// Most ports of one switch (a chassis), panels of a rack, ports of a panel.
const MAX_PORTS: i64 = 1024;
const MAX_PANELS: i64 = 64;
const MAX_PANEL_PORTS: i64 = 96;
const MAX_SWITCHES: usize = 1000;
const MAX_ACCESS_POINTS: usize = 4000;

/// The first value of `key` in a mapping node, with its key, when not null.
fn entry<'a>(node: &'a Node, key: &str) -> Option<(&'a Node, &'a Node)> {
    match &node.kind {
        Kind::Map(entries) => entries
            .iter()
            .find(|(k, _)| matches!(&k.kind, Kind::Scalar { text, .. } if text == key))
            .map(|(k, v)| (k, v))
            .filter(|(_, v)| !v.is_null()),
        _ => None,
    }
}

/// The entries of a mapping node whose key is a scalar: (name, key, value).
fn named_entries(node: &Node) -> Vec<(&str, &Node, &Node)> {
    match &node.kind {
        Kind::Map(entries) => entries
            .iter()
            .filter_map(|(k, v)| match &k.kind {
                Kind::Scalar { text, .. } => Some((text.as_str(), k, v)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `${NAME}` exactly: the variable name.
pub(crate) fn env_reference(text: &str) -> Option<&str> {
    let name = text.strip_prefix("${")?.strip_suffix('}')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    if (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        Some(name)
    } else {
        None
    }
}

/// A switch as written, before its uplink is followed.
struct RawSwitch {
    name: String,
    ports: u32,
    uplink: String,
    uplink_span: Span,
    span: Span,
}

impl Walker {
    /// Read the layer-2 part of site `site` (`f` are its fields).
    pub(super) fn layer2(
        &mut self,
        site: &str,
        f: &Fields<'_>,
        devices: &[Device],
        segments: &[Segment],
    ) -> Layer2 {
        let mut out = Layer2::default();
        let mut raw_switches: Vec<RawSwitch> = Vec::new();
        let mut raw_aps: Vec<(String, String, Span, Span)> = Vec::new();
        if let Some(n) = f.get("devices") {
            for (dname, _, v) in named_entries(n) {
                let Some(d) = devices.iter().find(|d| d.name == dname) else {
                    continue;
                };
                self.device_layer2(site, d, v, &mut raw_switches, &mut raw_aps);
            }
        }
        // Bounds, so that a hostile file stays fast (the checks below are linear or
        // quadratic in these counts); real sites have tens.
        if raw_switches.len() > MAX_SWITCHES {
            self.error(
                raw_switches[MAX_SWITCHES].span,
                format!(
                    "site `{site}` has {} switches with ports: at most {MAX_SWITCHES} per site",
                    raw_switches.len()
                ),
                "split the site, or leave `ports`/`uplink` out of the switches that are only drawn",
            );
            raw_switches.truncate(MAX_SWITCHES);
        }
        if raw_aps.len() > MAX_ACCESS_POINTS {
            self.error(
                raw_aps[MAX_ACCESS_POINTS].3,
                format!("site `{site}` has {} access points on switches: at most {MAX_ACCESS_POINTS} per site", raw_aps.len()),
                "split the site into several sites",
            );
            raw_aps.truncate(MAX_ACCESS_POINTS);
        }
        out.switches = self.resolve_uplinks(site, devices, raw_switches);

        for (name, sw, sw_span, span) in raw_aps {
            if let Some(sw) = self.switch_ref(
                site,
                &sw,
                sw_span,
                devices,
                &out,
                &format!("access point `{site}.{name}`"),
            ) {
                out.access_points.push(AccessPointSpec {
                    name,
                    switch: sw,
                    span,
                });
            }
        }

        if let Some(n) = f.get("segments") {
            let mut ssids: HashMap<String, (String, u32)> = HashMap::new();
            for (sname, _, v) in named_entries(n) {
                if !segments.iter().any(|s| s.name == sname) {
                    continue;
                }
                if let Some((_, a)) = entry(v, "access") {
                    self.access_ports(site, sname, a, devices, &mut out);
                }
                if let Some((_, w)) = entry(v, "wifi")
                    && let Some(wifi) = self.wifi(site, sname, w)
                {
                    if let Some((other, line)) = ssids.get(&wifi.ssid) {
                        let span = entry(w, "ssid").map_or(wifi.span, |(_, s)| s.span);
                        self.error(
                            span,
                            format!(
                                "duplicate SSID `{}` in site `{site}`: `{site}.{sname}` broadcasts the SSID of `{site}.{other}` (line {line})",
                                shorten(&wifi.ssid)
                            ),
                            "give each SSID of a site its own name",
                        );
                    } else {
                        ssids.insert(wifi.ssid.clone(), (sname.to_string(), wifi.span.line));
                        out.wifi.push(wifi);
                    }
                }
            }
        }
        if let Some(n) = f.get("racks") {
            self.racks(site, n, &mut out);
        }
        self.check_capacity(site, f, segments, devices, &out);
        out
    }

    fn device_layer2(
        &mut self,
        site: &str,
        d: &Device,
        v: &Node,
        switches: &mut Vec<RawSwitch>,
        aps: &mut Vec<(String, String, Span, Span)>,
    ) {
        let id = format!("{site}.{}", d.name);
        let unknown_kind = self.unknown_kind.contains(&id);
        let ports = entry(v, "ports");
        let uplink = entry(v, "uplink");
        let switch = entry(v, "switch");
        if d.kind != DeviceKind::Switch && !unknown_kind {
            for (key, node) in [("ports", ports), ("uplink", uplink)] {
                if let Some((k, _)) = node {
                    self.error(
                        k.span,
                        format!("`{key}` is for switches: `{id}` is a {}", d.kind),
                        format!("remove `{key}`, or make `{id}` a `kind: switch`"),
                    );
                }
            }
        }
        if d.kind != DeviceKind::AccessPoint
            && !unknown_kind
            && let Some((k, _)) = switch
        {
            self.error(
                k.span,
                format!("`switch` is for access points: `{id}` is a {}", d.kind),
                if d.kind == DeviceKind::Switch {
                    "a switch's trunk goes to its `uplink`: write `uplink:` instead".to_string()
                } else {
                    format!("remove `switch`, or make `{id}` a `kind: access-point`")
                },
            );
        }
        if d.kind == DeviceKind::AccessPoint
            && let Some((_, s)) = switch
            && let Some(text) = self.text(s, &format!("the switch of {id}"))
        {
            aps.push((d.name.clone(), text, s.span, d.span));
        }
        if d.kind != DeviceKind::Switch {
            return;
        }
        if ports.is_some() || uplink.is_some() {
            self.l2_declared.insert(id.clone());
        }
        let count = ports.and_then(|(_, n)| {
            match self.int(n, &format!("the ports of switch `{id}`"), "24")? {
                p if (1..=MAX_PORTS).contains(&p) => Some((u32::try_from(p).ok()?, n.span)),
                p => {
                    self.error(
                        n.span,
                        format!("switch `{id}` has {p} ports: a switch has 1 to {MAX_PORTS}"),
                        "write how many ports the switch has, e.g. `ports: 24`",
                    );
                    None
                }
            }
        });
        let up = uplink.and_then(|(_, n)| {
            self.text(n, &format!("the uplink of switch `{id}`"))
                .map(|t| (t, n.span))
        });
        match (count, up, ports.is_some(), uplink.is_some()) {
            (Some((ports, _)), Some((uplink, uplink_span)), _, _) => {
                switches.push(RawSwitch {
                    name: d.name.clone(),
                    ports,
                    uplink,
                    uplink_span,
                    span: d.span,
                });
            }
            (_, _, true, false) => self.error(
                d.span,
                format!("switch `{id}` has `ports` but no `uplink`"),
                "add `uplink: r1`: the layer-3 device or switch its trunk goes to",
            ),
            (_, _, false, true) => self.error(
                d.span,
                format!("switch `{id}` has an `uplink` but no `ports`"),
                "add how many ports it has, e.g. `ports: 24`",
            ),
            _ => {}
        }
    }

    /// Keep the switches whose uplink chain ends at a layer-3 device of the site.
    fn resolve_uplinks(
        &mut self,
        site: &str,
        devices: &[Device],
        raw: Vec<RawSwitch>,
    ) -> Vec<SwitchSpec> {
        let names: HashSet<&str> = raw.iter().map(|s| s.name.as_str()).collect();
        let mut ok: Vec<(SwitchSpec, Span)> = Vec::new();
        for s in &raw {
            let id = format!("{site}.{}", s.name);
            let local = match s.uplink.split_once('.') {
                Some((other, _)) if other != site => {
                    self.error(
                        s.uplink_span,
                        format!(
                            "the uplink of switch `{id}` is `{}`, a device of site `{}`: an uplink stays inside its site",
                            shorten(&s.uplink),
                            shorten(other)
                        ),
                        format!("name a layer-3 device or switch of site `{site}`; sites are joined by `links`"),
                    );
                    continue;
                }
                Some((_, d)) => d.to_string(),
                None => s.uplink.clone(),
            };
            if local == s.name {
                self.error(
                    s.uplink_span,
                    format!("switch `{id}` is its own uplink"),
                    "name the layer-3 device or switch its trunk goes to",
                );
                continue;
            }
            let Some(target) = devices.iter().find(|d| d.name == local) else {
                let candidates: Vec<&str> = devices
                    .iter()
                    .filter(|d| d.kind.is_layer3() || d.kind == DeviceKind::Switch)
                    .map(|d| d.name.as_str())
                    .collect();
                let hint = match self.suggest(&local, candidates.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!(
                        "name a layer-3 device or switch of site `{site}`{}",
                        list(&candidates)
                    ),
                };
                self.error(
                    s.uplink_span,
                    format!(
                        "unknown uplink `{}` for switch `{id}`: it is not a device of site `{site}`",
                        shorten(&local)
                    ),
                    hint,
                );
                continue;
            };
            let target_id = format!("{site}.{local}");
            if self.unknown_kind.contains(&target_id) {
                continue;
            }
            if !target.kind.is_layer3() && target.kind != DeviceKind::Switch {
                self.error(
                    s.uplink_span,
                    format!(
                        "the uplink of switch `{id}` is `{target_id}`, {} {}: a trunk goes to a layer-3 device or a switch",
                        article(target.kind),
                        target.kind
                    ),
                    "uplink to a router, l3-switch, firewall or switch of the site",
                );
                continue;
            }
            if target.kind == DeviceKind::Switch && !names.contains(local.as_str()) {
                self.error(
                    s.uplink_span,
                    format!(
                        "the uplink of switch `{id}` is switch `{target_id}`, which has no `ports` and `uplink` of its own"
                    ),
                    format!("give `{target_id}` `ports` and an `uplink`, or uplink `{id}` to a layer-3 device"),
                );
                continue;
            }
            ok.push((
                SwitchSpec {
                    name: s.name.clone(),
                    ports: s.ports,
                    uplink: local,
                    span: s.span,
                },
                s.uplink_span,
            ));
        }
        // Follow every chain; a chain that comes back is a loop, reported once at the
        // first switch of it in file order. Chains into a dropped switch are dropped
        // without a message (that switch's own error says why).
        let by_name: HashMap<&str, usize> = ok
            .iter()
            .enumerate()
            .map(|(i, (s, _))| (s.name.as_str(), i))
            .collect();
        let l3: HashSet<&str> = devices
            .iter()
            .filter(|d| d.kind.is_layer3())
            .map(|d| d.name.as_str())
            .collect();
        // Each switch is resolved once (linear in the number of switches): `state` is
        // unknown, on the current path (with its position), or known good/bad.
        #[derive(Clone, Copy)]
        enum State {
            Unknown,
            OnPath(usize),
            Done(bool),
        }
        let mut state = vec![State::Unknown; ok.len()];
        for start in 0..ok.len() {
            if !matches!(state[start], State::Unknown) {
                continue;
            }
            let mut path: Vec<usize> = Vec::new();
            let mut at = start;
            let ends_l3 = loop {
                match state[at] {
                    State::Done(g) => break g,
                    State::OnPath(pos) => {
                        let cycle = &path[pos..];
                        let first = *cycle.iter().min().unwrap_or(&at);
                        let rot = cycle.iter().position(|&c| c == first).unwrap_or(0);
                        let mut names: Vec<&str> = (0..cycle.len())
                            .map(|k| ok[cycle[(rot + k) % cycle.len()]].0.name.as_str())
                            .collect();
                        names.push(&ok[first].0.name);
                        let msg = format!("uplink loop in site `{site}`: {}", names.join(" -> "));
                        let span = ok[first].1;
                        self.error(
                            span,
                            msg,
                            "a chain of uplinks ends at a layer-3 device: uplink one of these switches to a router, l3-switch or firewall",
                        );
                        break false;
                    }
                    State::Unknown => {}
                }
                state[at] = State::OnPath(path.len());
                path.push(at);
                let up = ok[at].0.uplink.as_str();
                if l3.contains(up) {
                    break true;
                }
                match by_name.get(up) {
                    None => break false,
                    Some(&next) => at = next,
                }
            };
            for p in path {
                state[p] = State::Done(ends_l3);
            }
        }
        let good: Vec<bool> = state
            .iter()
            .map(|s| matches!(s, State::Done(true)))
            .collect();
        ok.into_iter()
            .zip(good)
            .filter_map(|((s, _), g)| g.then_some(s))
            .collect()
    }

    /// A reference to a switch of the site (from an access point or an `access` key):
    /// its name when it is a switch with ports and uplink.
    fn switch_ref(
        &mut self,
        site: &str,
        text: &str,
        span: Span,
        devices: &[Device],
        l2: &Layer2,
        what: &str,
    ) -> Option<String> {
        let local = match text.split_once('.') {
            Some((other, _)) if other != site => {
                self.error(
                    span,
                    format!(
                        "{what} names switch `{}` of site `{}`: a switch of site `{site}` is needed",
                        shorten(text),
                        shorten(other)
                    ),
                    format!("name a switch of site `{site}` (its name only, e.g. `sw1`)"),
                );
                return None;
            }
            Some((_, d)) => d,
            None => text,
        };
        let Some(d) = devices.iter().find(|d| d.name == local) else {
            let candidates: Vec<&str> = devices
                .iter()
                .filter(|d| d.kind == DeviceKind::Switch)
                .map(|d| d.name.as_str())
                .collect();
            let hint = match self.suggest(local, candidates.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("name a switch of site `{site}`{}", list(&candidates)),
            };
            self.error(
                span,
                format!(
                    "{what} names unknown switch `{}`: it is not a device of site `{site}`",
                    shorten(local)
                ),
                hint,
            );
            return None;
        };
        let id = format!("{site}.{local}");
        if self.unknown_kind.contains(&id) {
            return None;
        }
        if d.kind != DeviceKind::Switch {
            self.error(
                span,
                format!(
                    "{what} names `{id}`, {} {}, not a switch",
                    article(d.kind),
                    d.kind
                ),
                format!("name a switch of site `{site}`"),
            );
            return None;
        }
        if l2.switch(local).is_none() {
            // A switch with ports and uplink that was dropped for an error (loop, bad
            // uplink) already has its message.
            if !self.l2_declared.contains(&id) {
                self.error(
                    span,
                    format!("{what} is on switch `{id}`, which has no `ports` and `uplink`"),
                    format!("give `{id}` `ports` and an `uplink`, e.g. `{{ kind: switch, ports: 24, uplink: r1 }}`"),
                );
            }
            return None;
        }
        Some(local.to_string())
    }

    fn access_ports(
        &mut self,
        site: &str,
        seg: &str,
        node: &Node,
        devices: &[Device],
        l2: &mut Layer2,
    ) {
        let id = format!("{site}.{seg}");
        let Some(entries) =
            self.mapping(node, &format!("`access` of segment `{id}`"), "{ sw1: 12 }")
        else {
            return;
        };
        let mut seen: HashMap<String, u32> = HashMap::new();
        for (k, v) in entries {
            let Some(key) = self.key_text(k, &format!("`access` of segment `{id}`")) else {
                continue;
            };
            if let Some(line) = seen.get(key) {
                self.error(
                    k.span,
                    format!("duplicate switch `{}` in `access` of `{id}` (first written on line {line})", shorten(key)),
                    "write each switch once with the total of its access ports",
                );
                continue;
            }
            seen.insert(key.to_string(), k.span.line);
            let what = format!("`access` of segment `{id}`");
            let count = match self.int(
                v,
                &format!("the access ports of `{id}` on `{}`", shorten(key)),
                "12",
            ) {
                Some(c) if (1..=MAX_PORTS).contains(&c) => u32::try_from(c).ok(),
                Some(c) => {
                    self.error(
                        v.span,
                        format!("`{id}` asks for {c} access ports on `{}`: write 1 to {MAX_PORTS}", shorten(key)),
                        "write how many wired ports of this segment the switch has, or remove the line",
                    );
                    None
                }
                None => None,
            };
            let sw = self.switch_ref(site, key, k.span, devices, l2, &what);
            if let (Some(sw), Some(count)) = (sw, count) {
                l2.access.push(AccessPorts {
                    segment: seg.to_string(),
                    switch: sw,
                    count,
                    span: v.span,
                });
            }
        }
    }

    fn wifi(&mut self, site: &str, seg: &str, node: &Node) -> Option<Wifi> {
        let id = format!("{site}.{seg}");
        let what = format!("the Wi-Fi of segment `{id}`");
        let f = self.fields(
            node,
            &what,
            WIFI_KEYS,
            "{ ssid: Acme, security: wpa2-psk, passphrase: \"${NETKIT_WIFI_USERS}\" }",
        )?;
        let ssid = match f.get("ssid") {
            None => {
                self.missing(&f, "ssid", &what, "Acme");
                None
            }
            Some(n) => self.text(n, &format!("the SSID of `{id}`")).filter(|s| {
                let ok = !s.is_empty() && s.len() <= 32 && !s.chars().any(char::is_control);
                if !ok {
                    self.error(
                        n.span,
                        format!("the SSID of `{id}` has {} bytes: an SSID has 1 to 32 bytes, without control characters", s.len()),
                        "write a shorter network name",
                    );
                }
                ok
            }),
        };
        let security = match f.get("security") {
            None => {
                self.missing(&f, "security", &what, "wpa2-psk");
                None
            }
            Some(n) => self
                .text(n, &format!("the security of `{id}`"))
                .and_then(|t| {
                    let s = t.trim().to_ascii_lowercase().parse::<Security>().ok();
                    if s.is_none() {
                        let names: Vec<&str> = Security::ALL.iter().map(|s| s.as_str()).collect();
                        let hint = match crate::text::did_you_mean(
                            &t.to_ascii_lowercase(),
                            names.iter().copied(),
                        ) {
                            Some(c) => format!("did you mean `{c}`?"),
                            None => format!("use one of: {}", names.join(", ")),
                        };
                        self.error(
                            n.span,
                            format!("unknown Wi-Fi security `{}` for `{id}`", shorten(&t)),
                            hint,
                        );
                    }
                    s
                }),
        };
        let env_var = |w: &mut Walker, key: &str| -> Option<(String, Span)> {
            let n = f.get(key)?;
            let t = w.text(n, &format!("the {key} of `{id}`"))?;
            match env_reference(t.trim()) {
                Some(v) => Some((v.to_string(), n.span)),
                None => {
                    // Never echo the value: it may be the secret itself.
                    let var = format!("NETKIT_WIFI_{}", seg.to_ascii_uppercase().replace('-', "_"));
                    w.error(
                        n.span,
                        format!("the {key} of `{id}` is written in the topology: a Wi-Fi secret comes from the environment"),
                        format!("write `{key}: \"${{{var}}}\"` and export {var}"),
                    );
                    None
                }
            }
        };
        let passphrase = env_var(self, "passphrase");
        let radius_secret = env_var(self, "radius_secret");
        let radius = f.get("radius").and_then(|n| {
            self.text(n, &format!("the RADIUS server of `{id}`"))
                .map(|t| (t, n.span))
        });
        let security = security?;
        if security.needs_passphrase() && f.get("passphrase").is_none() {
            let var = format!("NETKIT_WIFI_{}", seg.to_ascii_uppercase().replace('-', "_"));
            self.error(
                f.at,
                format!("{what} is {security} but has no `passphrase`"),
                format!("add `passphrase: \"${{{var}}}\"` and export {var} (8 to 63 characters)"),
            );
        }
        if !security.needs_passphrase()
            && let Some(s) = f.key_span("passphrase")
        {
            self.error(
                s,
                format!("{what} is {security}: it takes no passphrase"),
                if security.is_enterprise() {
                    "enterprise security authenticates each user through RADIUS: remove `passphrase`"
                } else {
                    "remove `passphrase`, or use `security: wpa2-psk` or `wpa3-sae`"
                },
            );
        }
        if security.is_enterprise() && radius.is_none() {
            self.error(
                f.at,
                format!("{what} is {security} but names no RADIUS server"),
                "add `radius: site.segment.host`, the named host of the RADIUS server",
            );
        }
        if !security.is_enterprise() {
            for key in ["radius", "radius_secret"] {
                if let Some(s) = f.key_span(key) {
                    self.error(
                        s,
                        format!("{what} is {security}: `{key}` is for wpa2-enterprise and wpa3-enterprise"),
                        format!("remove `{key}`, or use an enterprise security"),
                    );
                }
            }
        }
        if let Some((r, span)) = radius.as_ref().filter(|_| security.is_enterprise()) {
            self.radius_refs.push((r.clone(), *span, id.clone()));
        }
        Some(Wifi {
            segment: seg.to_string(),
            ssid: ssid?,
            security,
            passphrase_env: passphrase.as_ref().map(|p| p.0.clone()),
            radius: radius.map(|r| r.0).filter(|_| security.is_enterprise()),
            radius_secret_env: radius_secret.map(|r| r.0),
            span: f.at,
            passphrase_span: passphrase.map(|p| p.1),
        })
    }

    fn racks(&mut self, site: &str, node: &Node, l2: &mut Layer2) {
        let Some(entries) = self.mapping(
            node,
            &format!("the racks of site `{site}`"),
            "{ baie-a: { panels: 2, panel_ports: 24 } }",
        ) else {
            return;
        };
        let mut seen: HashMap<String, u32> = HashMap::new();
        for (k, v) in entries {
            let Some(name) = self.name(k, "rack") else {
                continue;
            };
            if let Some(line) = seen.get(&name) {
                self.error(
                    k.span,
                    format!(
                        "duplicate rack `{name}` in site `{site}` (first written on line {line})"
                    ),
                    "give each rack of a site its own name",
                );
                continue;
            }
            seen.insert(name.clone(), k.span.line);
            let what = format!("rack `{name}` of site `{site}`");
            let Some(f) = self.fields(v, &what, RACK_KEYS, "{ panels: 2, panel_ports: 24 }") else {
                continue;
            };
            let num = |w: &mut Walker, key: &str, max: i64, example: &str| -> Option<u32> {
                let Some(n) = f.get(key) else {
                    w.missing(&f, key, &what, example);
                    return None;
                };
                match w.int(n, &format!("`{key}` of {what}"), example)? {
                    c if (1..=max).contains(&c) => u32::try_from(c).ok(),
                    c => {
                        w.error(
                            n.span,
                            format!("{what} has {key} {c}: write 1 to {max}"),
                            format!("write e.g. `{key}: {example}`"),
                        );
                        None
                    }
                }
            };
            let panels = num(self, "panels", MAX_PANELS, "2");
            let panel_ports = num(self, "panel_ports", MAX_PANEL_PORTS, "24");
            if let (Some(panels), Some(panel_ports)) = (panels, panel_ports) {
                l2.racks.push(Rack {
                    name,
                    panels,
                    panel_ports,
                    span: k.span,
                });
            }
        }
    }

    /// Enough ports on each switch, enough panel ports in the racks, and VLANs carried
    /// toward the layer-3 device that routes them.
    fn check_capacity(
        &mut self,
        site: &str,
        f: &Fields<'_>,
        segments: &[Segment],
        devices: &[Device],
        l2: &Layer2,
    ) {
        let mut patched = 0u64;
        for s in &l2.switches {
            let cascaded = l2.switches.iter().filter(|c| c.uplink == s.name).count() as u64;
            let aps = l2
                .access_points
                .iter()
                .filter(|a| a.switch == s.name)
                .count() as u64;
            let access: u64 = l2
                .access
                .iter()
                .filter(|a| a.switch == s.name)
                .map(|a| u64::from(a.count))
                .sum();
            patched += aps + access;
            let needed = 1 + cascaded + aps + access;
            if needed > u64::from(s.ports) {
                let span = value_span_of(f, &s.name).unwrap_or(s.span);
                self.error(
                    span,
                    format!(
                        "switch `{site}.{}` needs {needed} ports (1 uplink, {cascaded} cascaded switch{}, {aps} access point{}, {access} access port{}) but has {}",
                        s.name,
                        if cascaded == 1 { "" } else { "es" },
                        if aps == 1 { "" } else { "s" },
                        if access == 1 { "" } else { "s" },
                        s.ports
                    ),
                    format!("raise `ports` to at least {needed}, or move access ports to another switch"),
                );
            }
        }
        if !l2.racks.is_empty() {
            let capacity: u64 = l2
                .racks
                .iter()
                .map(|r| u64::from(r.panels) * u64::from(r.panel_ports))
                .sum();
            if patched > capacity {
                let span = f.key_span("racks").unwrap_or(f.at);
                self.error(
                    span,
                    format!("site `{site}` patches {patched} ports (access ports and access points) but its panels have {capacity}"),
                    format!("add panels or raise `panel_ports`: {patched} panel ports are needed"),
                );
            }
        }
        // Each switch tree carries its VLANs to the layer-3 device at its root: that
        // device must route them.
        let root = |name: &str| -> Option<String> {
            let mut at = name.to_string();
            for _ in 0..=l2.switches.len() {
                let s = l2.switch(&at)?;
                if l2.switch(&s.uplink).is_none() {
                    return Some(s.uplink.clone());
                }
                at = s.uplink.clone();
            }
            None
        };
        let first_l3 = devices
            .iter()
            .find(|d| d.kind.is_layer3())
            .map(|d| d.name.clone());
        let gateway = |seg: &str| -> Option<String> {
            let s = segments.iter().find(|s| s.name == seg)?;
            s.gateway.clone().or_else(|| first_l3.clone())
        };
        let mut problems: Vec<(Span, String, String)> = Vec::new();
        for a in &l2.access {
            if let (Some(r), Some(g)) = (root(&a.switch), gateway(&a.segment))
                && r != g
            {
                problems.push((
                    a.span,
                    format!("the access ports of `{site}.{}` on `{}` reach `{site}.{r}` through their uplinks, but `{site}.{r}` does not route `{site}.{}` (`{site}.{g}` does)", a.segment, a.switch, a.segment),
                    format!("uplink the chain of `{}` to `{g}`, or set the segment's `gateway: {r}`", a.switch),
                ));
            }
        }
        for w in &l2.wifi {
            for ap in &l2.access_points {
                if let (Some(r), Some(g)) = (root(&ap.switch), gateway(&w.segment))
                    && r != g
                {
                    problems.push((
                        w.span,
                        format!("access point `{site}.{}` broadcasts the SSID of `{site}.{}` and reaches `{site}.{r}` through its switch, but `{site}.{g}` routes the segment", ap.name, w.segment),
                        format!("put the access points under switches that uplink to `{g}`, or set the segment's `gateway: {r}`"),
                    ));
                }
            }
        }
        for (span, m, h) in problems {
            self.error(span, m, h);
        }
        if l2.access_points.is_empty() {
            for w in &l2.wifi {
                self.warning(
                    w.span,
                    format!("no access point of site `{site}` broadcasts the SSID of `{site}.{}`", w.segment),
                    "add an access point on a switch, e.g. `ap1: { kind: access-point, switch: sw1 }`",
                );
            }
        }
    }

    /// RADIUS servers are named hosts of the topology.
    pub(super) fn check_layer2_refs(&mut self, topo: &Topology) {
        let refs = std::mem::take(&mut self.radius_refs);
        if refs.is_empty() {
            return;
        }
        let mut named: Vec<String> = Vec::new();
        for s in &topo.sites {
            for g in &s.segments {
                for h in &g.named {
                    named.push(format!("{}.{}.{}", s.name, g.name, h.name));
                }
            }
        }
        named.sort_unstable();
        for (r, span, seg) in refs {
            if named.binary_search(&r).is_ok() {
                continue;
            }
            let hint = match self.suggest(&r, named.iter().map(String::as_str)) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "the RADIUS server is a named host `site.segment.host`: declare it under a segment's `named` (e.g. `radius1: { host: 12, services: [udp/1812] }`)".to_string(),
            };
            self.error(
                span,
                format!("unknown RADIUS server `{}` for the Wi-Fi of `{seg}`: it is not a named host of this topology", shorten(&r)),
                hint,
            );
        }
    }
}

/// Where `ports` of device `name` was written, through the site's fields.
fn value_span_of(f: &Fields<'_>, device: &str) -> Option<Span> {
    let devices = f.get("devices")?;
    let (_, d) = entry(devices, device)?;
    entry(d, "ports").map(|(_, v)| v.span)
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        let shown: Vec<&str> = names.iter().copied().take(6).collect();
        format!(" ({})", shown.join(", "))
    }
}

/// "a" or "an" before a device kind as it is written (`an access-point`, `an l3-switch`).
fn article(kind: DeviceKind) -> &'static str {
    let word = kind.as_str();
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) || word.starts_with("l3") {
        "an"
    } else {
        "a"
    }
}
