//! `netkit plan --keep PREVIOUS.json`: what the previous plan allocated, indexed by
//! the stable identity of each thing, so that the planner can offer it again.
//!
//! Identities: a site by its name, a segment by its id (`site.segment`), a device's
//! loopback by the device id, a link by its unordered endpoint pair and, among parallel
//! links joining the same pair, by its attributes (bandwidth, cost, description) and
//! then its rank; an interface name by the link identity and the device. Nothing here decides whether an allocation still fits:
//! the planner checks that (inside the pool, free, big enough) and otherwise allocates
//! anew.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use crate::Plan;

/// Bandwidth, cost and description of a link.
pub(crate) type LinkAttrs = (Option<u64>, u32, Option<String>);

/// What one previous link gave each of its ends.
#[derive(Debug, Clone)]
pub(crate) struct KeptLink {
    /// What tells parallel links apart: bandwidth, cost, description.
    pub attrs: LinkAttrs,
    pub prefix: Ipv4Net,
    pub prefix6: Option<Ipv6Net>,
    /// Address and interface name per device id.
    pub ends: Vec<(String, Ipv4Addr, Option<Ipv6Addr>, String)>,
}

impl KeptLink {
    pub fn end(&self, device: &str) -> Option<&(String, Ipv4Addr, Option<Ipv6Addr>, String)> {
        self.ends.iter().find(|e| e.0 == device)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Kept {
    pub site4: HashMap<String, Ipv4Net>,
    pub site6: HashMap<String, Ipv6Net>,
    pub seg4: HashMap<String, Ipv4Net>,
    pub seg6: HashMap<String, Ipv6Net>,
    pub loop4: HashMap<String, Ipv4Net>,
    pub loop6: HashMap<String, Ipv6Net>,
    /// Previous links by endpoint pair, in their file order.
    pub links: HashMap<(String, String), Vec<KeptLink>>,
    pub wan: Option<Ipv4Net>,
    pub loopbacks: Option<Ipv4Net>,
    pub wan6: Option<Ipv6Net>,
    pub loopbacks6: Option<Ipv6Net>,
}

impl Kept {
    pub fn from_plan(plan: &Plan) -> Kept {
        let mut k = Kept {
            wan: Some(plan.pools.wan),
            loopbacks: Some(plan.pools.loopbacks),
            wan6: plan.pools.wan6,
            loopbacks6: plan.pools.loopbacks6,
            ..Kept::default()
        };
        for site in &plan.sites {
            k.site4.insert(site.name.clone(), site.prefix);
            if let Some(p6) = site.prefix6 {
                k.site6.insert(site.name.clone(), p6);
            }
            for seg in &site.segments {
                k.seg4.insert(seg.id.clone(), seg.prefix);
                if let Some(p6) = seg.prefix6 {
                    k.seg6.insert(seg.id.clone(), p6);
                }
            }
        }
        for dev in &plan.devices {
            if let Some(l) = dev.loopback {
                k.loop4.insert(dev.id.clone(), l);
            }
            if let Some(l) = dev.loopback6 {
                k.loop6.insert(dev.id.clone(), l);
            }
        }
        for l in &plan.links {
            let pair = if l.a <= l.b {
                (l.a.clone(), l.b.clone())
            } else {
                (l.b.clone(), l.a.clone())
            };
            k.links.entry(pair).or_default().push(KeptLink {
                attrs: (l.bandwidth_bps, l.cost, l.description.clone()),
                prefix: l.prefix,
                prefix6: l.prefix6,
                ends: vec![
                    (
                        l.a.clone(),
                        l.a_address,
                        l.a_address6,
                        l.a_interface.clone(),
                    ),
                    (
                        l.b.clone(),
                        l.b_address,
                        l.b_address6,
                        l.b_interface.clone(),
                    ),
                ],
            });
        }
        k
    }
}

impl Kept {
    /// The previous link each new link continues: same endpoint pair; among parallel
    /// links, first those with the same attributes (in order), then the rest by rank.
    /// So inserting a parallel link (a backup) before an existing one does not take
    /// the existing one's addresses.
    pub fn match_links(&self, links: &[(String, String, LinkAttrs)]) -> Vec<Option<&KeptLink>> {
        let mut out: Vec<Option<&KeptLink>> = vec![None; links.len()];
        let mut used: HashMap<(String, String), Vec<bool>> = HashMap::new();
        let pair = |a: &str, b: &str| {
            if a <= b {
                (a.to_string(), b.to_string())
            } else {
                (b.to_string(), a.to_string())
            }
        };
        for exact in [true, false] {
            for (i, (a, b, attrs)) in links.iter().enumerate() {
                if out[i].is_some() {
                    continue;
                }
                let key = pair(a, b);
                let Some(prev) = self.links.get(&key) else {
                    continue;
                };
                let taken = used.entry(key).or_insert_with(|| vec![false; prev.len()]);
                let found = prev
                    .iter()
                    .enumerate()
                    .find(|(j, p)| !taken[*j] && (!exact || &p.attrs == attrs));
                if let Some((j, p)) = found {
                    taken[j] = true;
                    out[i] = Some(p);
                }
            }
        }
        out
    }
}
