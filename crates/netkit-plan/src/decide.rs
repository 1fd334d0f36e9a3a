//! What the plan's filter rules decide for one new connection, across the gateways it
//! crosses. Verify, the lab tests and the planner's own tests read the rules through
//! [`Plan::decide`] (and [`crate::first_matching_rule`] for one device's list).
//!
//! Rules live on two kinds of gateway (see `routing/policy.rs`): the gateway of the
//! source segment (policies, the outbound half of an isolation) and the gateway of an
//! isolated destination segment (the inbound half, and the `allow` holes into it).
//! Every other device on the path holds no rule that matches the connection, so these
//! two lists decide it: the connection passes when neither drops it.

use std::net::IpAddr;

use netkit_model::Proto;

use crate::{FilterAction, FilterRule, Plan, SegmentPlan, first_matching_rule};

impl Plan {
    /// The segment whose IPv4 or IPv6 prefix holds `a`.
    pub fn segment_of(&self, a: IpAddr) -> Option<&SegmentPlan> {
        self.segments().find(|s| match a {
            IpAddr::V4(v4) => s.prefix.contains(&v4),
            IpAddr::V6(v6) => s.prefix6.is_some_and(|p| p.contains(&v6)),
        })
    }

    /// The layer-3 device that holds address `a` itself (loopback or interface).
    pub fn device_holding(&self, a: IpAddr) -> Option<&str> {
        self.devices
            .iter()
            .find(|d| {
                d.loopback.is_some_and(|l| IpAddr::V4(l.addr()) == a)
                    || d.loopback6.is_some_and(|l| IpAddr::V6(l.addr()) == a)
                    || d.interfaces.iter().any(|i| {
                        IpAddr::V4(i.address.addr()) == a
                            || i.address6.is_some_and(|p| IpAddr::V6(p.addr()) == a)
                    })
            })
            .map(|d| d.id.as_str())
    }

    /// The gateways whose rules a new connection from `src` to `dst` meets, in path
    /// order: the gateway of the segment holding `src` (none when `src` is a device's
    /// own address: a device's own packets are not filtered where they start), then
    /// the gateway of the segment holding `dst` when it is another device.
    pub fn filtering_gateways(&self, src: IpAddr, dst: IpAddr) -> Vec<&str> {
        let origin = self.device_holding(src);
        let mut out: Vec<&str> = Vec::new();
        if origin.is_none()
            && let Some(s) = self.segment_of(src)
        {
            out.push(s.gateway_device.as_str());
        }
        if let Some(d) = self.segment_of(dst) {
            let g = d.gateway_device.as_str();
            if !out.contains(&g) && origin != Some(g) {
                out.push(g);
            }
        }
        out
    }

    /// The rule that decides a new connection from `src` to `dst` (`proto`/`port`
    /// `None` for ICMP): the first drop met on the gateways it crosses, else the
    /// first accept; `None` when no rule matches (the connection passes).
    pub fn decide(
        &self,
        src: IpAddr,
        dst: IpAddr,
        proto: Option<Proto>,
        port: Option<u16>,
    ) -> Option<&FilterRule> {
        let mut accepted: Option<&FilterRule> = None;
        for g in self.filtering_gateways(src, dst) {
            let rules = self.filters.get(g).map(Vec::as_slice).unwrap_or(&[]);
            match first_matching_rule(rules, src, dst, proto, port) {
                Some(r) if r.action == FilterAction::Drop => return Some(r),
                Some(r) => {
                    accepted.get_or_insert(r);
                }
                None => {}
            }
        }
        accepted
    }

    /// Whether the plan lets `src` open a connection to `dst`.
    pub fn allows(
        &self,
        src: IpAddr,
        dst: IpAddr,
        proto: Option<Proto>,
        port: Option<u16>,
    ) -> bool {
        self.decide(src, dst, proto, port)
            .is_none_or(|r| r.action == FilterAction::Accept)
    }
}
