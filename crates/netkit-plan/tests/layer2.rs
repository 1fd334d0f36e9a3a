//! The layer-2 planner: data-driven fixtures (`test_data/layer2/*.yaml` give the
//! `switches`, `cables` and `wifi` in the `.layer2.json` next to them), the SPEC's
//! rules on the SPEC's example, `--keep` stability, and properties over generated
//! access layers.
//!
//! `UPDATE_EXPECT=1 cargo test -p netkit-plan --test layer2` rewrites the expected
//! files; review the diff before committing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use netkit_plan::{Plan, PortMode, PortRole};
use proptest::prelude::*;

fn plan_text(text: &str, previous: Option<&Plan>) -> Plan {
    let parsed = netkit_model::parse(text.as_bytes());
    let topo = parsed.topology.unwrap_or_else(|| {
        panic!(
            "topology should be valid:\n{}",
            parsed
                .diagnostics
                .iter()
                .map(|d| d.display_with("t.yaml").to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    netkit_plan::plan(&topo, previous).unwrap_or_else(|e| panic!("plan failed: {e:?}"))
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/layer2");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("test_data/layer2 exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    assert!(!v.is_empty());
    v
}

#[test]
fn fixtures_give_expected_layer2_plans() {
    let mut failures = Vec::new();
    for path in fixtures() {
        let text = fs::read_to_string(&path).expect("readable");
        let plan = plan_text(&text, None);
        let mut json = serde_json::to_string_pretty(&plan.layer2).expect("serializes");
        json.push('\n');
        let expected_path = path.with_extension("layer2.json");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            fs::write(&expected_path, &json).expect("writable");
            continue;
        }
        match fs::read_to_string(&expected_path) {
            Ok(e) if e == json => {}
            Ok(e) => failures.push(format!(
                "{} differs:\n--- expected\n{e}\n--- actual\n{json}",
                expected_path.display()
            )),
            Err(_) => failures.push(format!("{} is missing:\n{json}", expected_path.display())),
        }
        // Deterministic: the same input gives the same bytes.
        assert_eq!(plan.to_json(), plan_text(&text, None).to_json());
        // And the plan JSON reads back with the same layer 2.
        let back = Plan::from_json(&plan.to_json()).expect("reads back");
        assert_eq!(back.layer2, plan.layer2);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

const SPEC: &str = include_str!("../test_data/layer2/spec_example.yaml");

#[test]
fn spec_example_follows_the_spec_rules() {
    let plan = plan_text(SPEC, None);
    let l2 = &plan.layer2;
    let sw1 = l2.switch("hq.sw1").expect("sw1 planned");
    assert_eq!(sw1.ports_total, 24);
    let p1 = sw1.port(1).expect("port 1");
    assert_eq!(p1.role, PortRole::Uplink);
    assert_eq!(p1.to.as_deref(), Some("hq.r1"));
    assert_eq!(p1.vlans.as_deref(), Some(&[10, 11, 99][..]));
    assert_eq!(p1.cable, "HQ-C001");
    assert_eq!(p1.panel, None);
    let p2 = sw1.port(2).expect("port 2");
    assert_eq!(
        (p2.role, p2.to.as_deref()),
        (PortRole::Trunk, Some("hq.sw2"))
    );
    assert_eq!(p2.vlans.as_deref(), Some(&[10, 11, 99][..]));
    let p3 = sw1.port(3).expect("port 3");
    assert_eq!(
        (p3.role, p3.to.as_deref()),
        (PortRole::AccessPoint, Some("hq.ap1"))
    );
    // An access point carries only the Wi-Fi VLANs.
    assert_eq!(p3.vlans.as_deref(), Some(&[11, 99][..]));
    assert_eq!(p3.panel.as_deref(), Some("baie-a.pp1:1"));
    let p4 = sw1.port(4).expect("port 4");
    assert_eq!(p4.mode, PortMode::Access);
    assert_eq!(
        (p4.vlan, p4.segment.as_deref()),
        (Some(10), Some("hq.users"))
    );
    assert_eq!(p4.panel.as_deref(), Some("baie-a.pp1:2"));
    assert_eq!(p4.cable, "HQ-C004");
    let c4 = l2.cable("HQ-C004").expect("cable 4");
    assert_eq!((c4.a.as_str(), c4.b.as_str()), ("hq.sw1:4", "baie-a.pp1:2"));
    assert_eq!((c4.role, c4.colour.as_str()), (PortRole::Access, "blue"));
    // sw1: 1 uplink + 1 trunk + 1 AP + 12 access; sw2: 1 uplink + 1 AP + 16 access.
    assert_eq!(sw1.ports.len(), 15);
    let sw2 = l2.switch("hq.sw2").expect("sw2");
    assert_eq!(sw2.ports.len(), 18);
    // The trunk between the two switches is one cable, seen from both ends.
    let up2 = sw2.uplink_port().expect("sw2 uplink");
    assert_eq!(up2.cable, p2.cable);
    assert_eq!(l2.cable(&p2.cable).map(|c| c.role), Some(PortRole::Trunk));
    // Patched: 12 + 1 on sw1 then 16 + 1 on sw2 = 30, over pp1 (24) and pp2.
    let panels: Vec<&str> = l2
        .switches
        .iter()
        .flat_map(|s| &s.ports)
        .filter_map(|p| p.panel.as_deref())
        .collect();
    assert_eq!(panels.len(), 30);
    assert!(panels.contains(&"baie-a.pp2:6") && !panels.contains(&"baie-a.pp2:7"));
    // Wi-Fi: two APs, distinct channels, every SSID on each.
    assert_eq!(l2.wifi.len(), 2);
    assert_eq!((l2.wifi[0].channel_24, l2.wifi[0].channel_5), (1, 36));
    assert_eq!((l2.wifi[1].channel_24, l2.wifi[1].channel_5), (6, 40));
    assert_eq!(l2.wifi[0].ssids.len(), 2);
    assert_eq!(l2.wifi[0].port, 3);
    // The passphrase is never in the plan: only its variable's name.
    let json = plan.to_json();
    assert!(json.contains("\"passphrase_env\": \"NETKIT_WIFI_GUESTS\""));
    assert!(!json.contains("passphrase\":"));
}

#[test]
fn keep_adds_a_desk_port_and_moves_nothing_else() {
    let before = plan_text(SPEC, None);
    let grown = SPEC.replace(
        "access: { sw1: 12, sw2: 16 }",
        "access: { sw1: 13, sw2: 16 }",
    );
    assert_ne!(grown, SPEC);
    let fresh = plan_text(&grown, None);
    let kept = plan_text(&grown, Some(&before));
    assert_unmoved(&before, &kept);
    // Without --keep the extra port shifts sw2's patch panel ports; with it, nothing.
    assert_ne!(fresh.layer2, kept.layer2);
    let new_ports: usize = kept
        .layer2
        .switches
        .iter()
        .map(|s| s.ports.len())
        .sum::<usize>()
        - before
            .layer2
            .switches
            .iter()
            .map(|s| s.ports.len())
            .sum::<usize>();
    assert_eq!(new_ports, 1);
    assert_eq!(kept.layer2.cables.len(), before.layer2.cables.len() + 1);
}

/// Every port of `before` is in `after` with the same number, role, far end, panel and
/// cable; every cable of `before` keeps its ends; every channel stays.
fn assert_unmoved(before: &Plan, after: &Plan) {
    for s in &before.layer2.switches {
        let t = after.layer2.switch(&s.id).expect("switch still planned");
        for p in &s.ports {
            let q = t
                .port(p.port)
                .unwrap_or_else(|| panic!("{}:{} moved", s.id, p.port));
            assert_eq!(
                (q.role, &q.to, &q.segment, &q.panel, &q.cable),
                (p.role, &p.to, &p.segment, &p.panel, &p.cable),
                "{}:{} changed",
                s.id,
                p.port
            );
        }
    }
    for c in &before.layer2.cables {
        let d = after.layer2.cable(&c.id).expect("cable kept");
        assert_eq!((&d.a, &d.b), (&c.a, &c.b), "cable {} moved", c.id);
    }
    for w in &before.layer2.wifi {
        let v = after
            .layer2
            .wifi
            .iter()
            .find(|v| v.ap == w.ap)
            .expect("AP kept");
        assert_eq!(
            (v.channel_24, v.channel_5, v.port),
            (w.channel_24, w.channel_5, w.port)
        );
    }
}

// ----- properties -------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Gen {
    /// Uplink of switch i: None = r1, Some(j) = switch j < i.
    uplinks: Vec<Option<usize>>,
    /// Switch of each access point.
    aps: Vec<usize>,
    /// Per segment: access ports per switch, and whether it has Wi-Fi.
    segments: Vec<(Vec<u32>, bool)>,
    slack: u32,
    racks: bool,
}

fn arb_layer2() -> impl Strategy<Value = Gen> {
    (1usize..6).prop_flat_map(|n| {
        let uplinks = (0..n)
            .map(|i| {
                if i == 0 {
                    Just(None).boxed()
                } else {
                    prop_oneof![Just(None), (0..i).prop_map(Some)].boxed()
                }
            })
            .collect::<Vec<_>>();
        (
            uplinks,
            prop::collection::vec(0..n, 0..5),
            prop::collection::vec((prop::collection::vec(0u32..6, n), any::<bool>()), 1..5),
            1u32..4,
            any::<bool>(),
        )
            .prop_map(|(uplinks, aps, segments, slack, racks)| Gen {
                uplinks,
                aps,
                segments,
                slack,
                racks,
            })
    })
}

impl Gen {
    fn vlan(i: usize) -> u16 {
        10 + i as u16
    }

    fn ports_needed(&self, s: usize) -> u32 {
        let cascaded = self.uplinks.iter().filter(|u| **u == Some(s)).count() as u32;
        let aps = self.aps.iter().filter(|a| **a == s).count() as u32;
        let access: u32 = self.segments.iter().map(|(a, _)| a[s]).sum();
        1 + cascaded + aps + access
    }

    fn patched(&self) -> u32 {
        self.aps.len() as u32
            + self
                .segments
                .iter()
                .map(|(a, _)| a.iter().sum::<u32>())
                .sum::<u32>()
    }

    fn yaml(&self) -> String {
        let mut y = String::from(
            "name: gen\naddressing: { ipv4: 10.0.0.0/8 }\nsites:\n  hq:\n    devices:\n      r1: { kind: router }\n",
        );
        for (i, u) in self.uplinks.iter().enumerate() {
            let up = u.map_or("r1".to_string(), |j| format!("sw{j}"));
            // Room for one more access port everywhere (the --keep property adds one).
            let ports = self.ports_needed(i) + self.slack;
            y.push_str(&format!(
                "      sw{i}: {{ kind: switch, ports: {ports}, uplink: {up} }}\n"
            ));
        }
        for (i, s) in self.aps.iter().enumerate() {
            y.push_str(&format!(
                "      ap{i}: {{ kind: access-point, switch: sw{s} }}\n"
            ));
        }
        if self.racks {
            let need = self.patched() + 1;
            y.push_str(&format!(
                "    racks:\n      baie-a: {{ panels: 1, panel_ports: {} }}\n      baie-b: {{ panels: 2, panel_ports: {} }}\n",
                need.div_ceil(3).max(1),
                need.div_ceil(3).max(1)
            ));
        }
        y.push_str("    segments:\n");
        for (i, (access, wifi)) in self.segments.iter().enumerate() {
            let acc: Vec<String> = access
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(s, c)| format!("sw{s}: {c}"))
                .collect();
            y.push_str(&format!(
                "      s{i}: {{ vlan: {}, hosts: 20",
                Self::vlan(i)
            ));
            if !acc.is_empty() {
                y.push_str(&format!(", access: {{ {} }}", acc.join(", ")));
            }
            if *wifi {
                y.push_str(&format!(", wifi: {{ ssid: Net{i}, security: open }}"));
            }
            y.push_str(" }\n");
        }
        y
    }

    /// VLANs at or below switch `s`, computed from the generator alone.
    fn below(&self, s: usize) -> BTreeSet<u16> {
        let mut v = BTreeSet::new();
        let wifi: BTreeSet<u16> = self
            .segments
            .iter()
            .enumerate()
            .filter(|(_, (_, w))| *w)
            .map(|(i, _)| Self::vlan(i))
            .collect();
        if self.aps.contains(&s) {
            v.extend(&wifi);
        }
        for (i, (a, _)) in self.segments.iter().enumerate() {
            if a[s] > 0 {
                v.insert(Self::vlan(i));
            }
        }
        for (c, u) in self.uplinks.iter().enumerate() {
            if *u == Some(s) {
                v.extend(self.below(c));
            }
        }
        v
    }
}

fn check_invariants(g: &Gen, plan: &Plan) -> Result<(), TestCaseError> {
    let l2 = &plan.layer2;
    prop_assert_eq!(l2.switches.len(), g.uplinks.len());
    let mut panels: HashSet<&str> = HashSet::new();
    let cables: HashMap<&str, _> = l2.cables.iter().map(|c| (c.id.as_str(), c)).collect();
    prop_assert_eq!(cables.len(), l2.cables.len(), "cable ids are unique");
    for (i, s) in l2.switches.iter().enumerate() {
        let mut used = HashSet::new();
        let mut access: BTreeMap<&str, u32> = BTreeMap::new();
        for p in &s.ports {
            prop_assert!(p.port >= 1 && p.port <= s.ports_total);
            prop_assert!(
                used.insert(p.port),
                "port {} of {} used twice",
                p.port,
                s.id
            );
            prop_assert!(
                cables.contains_key(p.cable.as_str()),
                "cable {} listed",
                p.cable
            );
            if let Some(pp) = &p.panel {
                prop_assert!(panels.insert(pp), "panel port {} used twice", pp);
            }
            let patched = matches!(p.role, PortRole::Access | PortRole::AccessPoint);
            prop_assert_eq!(p.panel.is_some(), patched && g.racks);
            match p.role {
                PortRole::Access => {
                    *access
                        .entry(p.segment.as_deref().unwrap_or(""))
                        .or_default() += 1
                }
                PortRole::Uplink => {
                    let want: Vec<u16> = g.below(i).into_iter().collect();
                    prop_assert_eq!(
                        p.vlans.clone(),
                        Some(want),
                        "uplink of {} carries what is below",
                        s.id
                    );
                }
                PortRole::Trunk => {
                    let c: usize =
                        p.to.as_deref()
                            .and_then(|t| t.strip_prefix("hq.sw"))
                            .and_then(|n| n.parse().ok())
                            .unwrap_or(usize::MAX);
                    let want: Vec<u16> = g.below(c).into_iter().collect();
                    prop_assert_eq!(p.vlans.clone(), Some(want));
                }
                PortRole::AccessPoint => {}
            }
        }
        for (k, (a, _)) in g.segments.iter().enumerate() {
            let got = access
                .get(format!("hq.s{k}").as_str())
                .copied()
                .unwrap_or(0);
            prop_assert_eq!(got, a[i], "access ports of s{} on sw{}", k, i);
        }
        // The uplink chain ends at the layer-3 device, without a loop.
        let mut at = s.id.clone();
        let mut steps = 0;
        while let Some(sw) = l2.switch(&at) {
            at = sw.uplink.clone();
            steps += 1;
            prop_assert!(steps <= l2.switches.len(), "uplink loop from {}", s.id);
        }
        prop_assert_eq!(at, "hq.r1");
    }
    // Channels: distinct while free ones are left (counts differ by at most one).
    for (list, pick) in [
        (
            &netkit_plan::CHANNELS_24[..],
            (|w: &netkit_plan::WifiPlan| w.channel_24) as fn(&netkit_plan::WifiPlan) -> u8,
        ),
        (&netkit_plan::CHANNELS_5[..], |w: &netkit_plan::WifiPlan| {
            w.channel_5
        }),
    ] {
        let mut uses: HashMap<u8, usize> = list.iter().map(|c| (*c, 0)).collect();
        for w in &l2.wifi {
            let c = pick(w);
            prop_assert!(uses.contains_key(&c), "channel {} is allowed", c);
            *uses.entry(c).or_default() += 1;
        }
        let max = uses.values().max().copied().unwrap_or(0);
        let min = uses.values().min().copied().unwrap_or(0);
        prop_assert!(max <= min + 1, "channels balanced: {:?}", uses);
    }
    prop_assert_eq!(l2.wifi.len(), g.aps.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn generated_access_layers_keep_the_rules(g in arb_layer2(), seg in 0usize..4, sw in 0usize..6) {
        let yaml = g.yaml();
        let plan = plan_text(&yaml, None);
        check_invariants(&g, &plan)?;
        // Same input, same bytes.
        prop_assert_eq!(plan.to_json(), plan_text(&yaml, None).to_json());

        // Add one desk port somewhere: with --keep nothing that still fits moves.
        let mut g2 = g.clone();
        let seg = seg % g2.segments.len();
        let sw = sw % g2.uplinks.len();
        g2.segments[seg].0[sw] += 1;
        // Same port and panel counts as before (the slack absorbs the new port).
        let mut yaml2 = g2.yaml();
        for (i, _) in g.uplinks.iter().enumerate() {
            let old = format!("sw{i}: {{ kind: switch, ports: {}", g2.ports_needed(i) + g2.slack);
            let new = format!("sw{i}: {{ kind: switch, ports: {}", g.ports_needed(i) + g.slack);
            yaml2 = yaml2.replacen(&old, &new, 1);
        }
        let kept = plan_text(&yaml2, Some(&plan));
        assert_unmoved(&plan, &kept);
    }
}
