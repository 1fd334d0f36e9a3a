//! Where the lab puts its own hosts on the access layer (SPEC: "each segment's test
//! host behind an access port of its first switch, and one behind each SSID (a
//! wireless client) of its first access point"). Pure and derived from the plan, so
//! that netkit-lab (which builds these hosts) and netkit-verify (which probes from
//! them) agree without sharing state.

use std::net::Ipv4Addr;

use crate::{Plan, PortPlan, PortRole, SegmentPlan, SsidPlan, SwitchPlan, WifiPlan};

/// A wireless client with a lab node of its own: the one of a segment that has both
/// wired access ports and an SSID. (A segment that is only on Wi-Fi has no wired
/// test host: its test host is its wireless client.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WirelessClient {
    /// `site.segment.wifi-AP` (e.g. `hq.users.wifi-ap1`).
    pub id: String,
    /// Segment id.
    pub segment: String,
    /// Access point id it associates with.
    pub ap: String,
    pub vlan: u16,
    /// The highest usable address below the segment's test host that no named
    /// host holds.
    pub address: Ipv4Addr,
}

impl Plan {
    /// The first switch (plan order) with an access port of `segment`, and its
    /// access ports of that segment in port order.
    pub fn first_access_switch(&self, segment: &str) -> Option<(&SwitchPlan, Vec<&PortPlan>)> {
        self.layer2.switches.iter().find_map(|sw| {
            let ports: Vec<&PortPlan> = sw
                .ports
                .iter()
                .filter(|p| p.role == PortRole::Access && p.segment.as_deref() == Some(segment))
                .collect();
            (!ports.is_empty()).then_some((sw, ports))
        })
    }

    /// The first access point (plan order) broadcasting an SSID of `segment`.
    pub fn first_access_point(&self, segment: &str) -> Option<(&WifiPlan, &SsidPlan)> {
        self.layer2.wifi.iter().find_map(|w| {
            w.ssids
                .iter()
                .find(|s| s.segment == segment)
                .map(|s| (w, s))
        })
    }

    /// Every wireless client with a node of its own, in segment order. A segment
    /// without an address to spare (or whose client id is taken by a named host)
    /// has none: the lab never makes a valid topology invalid.
    pub fn wireless_clients(&self) -> Vec<WirelessClient> {
        self.segments()
            .filter(|s| self.first_access_switch(&s.id).is_some())
            .filter_map(|s| {
                let (w, ssid) = self.first_access_point(&s.id)?;
                let ap_name = w.ap.rsplit('.').next().unwrap_or(&w.ap);
                let id = format!("{}.wifi-{ap_name}", s.id);
                if s.named.iter().any(|n| n.id == id) {
                    return None;
                }
                Some(WirelessClient {
                    id,
                    segment: s.id.clone(),
                    ap: w.ap.clone(),
                    vlan: ssid.vlan,
                    address: spare_address(s)?,
                })
            })
            .collect()
    }

    /// The wireless client with node id `id`.
    pub fn wireless_client(&self, id: &str) -> Option<WirelessClient> {
        if !id.contains(".wifi-") {
            return None;
        }
        self.wireless_clients().into_iter().find(|c| c.id == id)
    }
}

/// The highest usable address strictly between the gateway and the test host that
/// no named host holds.
fn spare_address(s: &SegmentPlan) -> Option<Ipv4Addr> {
    let low = u32::from(s.gateway);
    let mut a = u32::from(s.test_host());
    // At most one step per named host before a free one: bounded by their number.
    while a > low + 1 {
        a -= 1;
        if !s.named.iter().any(|n| u32::from(n.address) == a) {
            return Some(Ipv4Addr::from(a));
        }
    }
    None
}
