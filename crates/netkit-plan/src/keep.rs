//! `netkit plan --keep PREVIOUS.json`: what the previous plan allocated, indexed by
//! the stable identity of each thing, so that the planner can offer it again.
//!
//! Identities: a site by its name, a segment by its id (`site.segment`), a device's
//! loopback by the device id, a link by its unordered endpoint pair plus its rank among
//! the links joining the same pair (parallel links), an interface name by the link
//! identity and the device. Nothing here decides whether an allocation still fits:
//! the planner checks that (inside the pool, free, big enough) and otherwise allocates
//! anew.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use crate::Plan;

/// The unordered endpoint pair of a link, smaller id first, and its rank among the
/// links joining the same pair (in file order).
pub(crate) type LinkKey = (String, String, usize);

/// What one previous link gave each of its ends.
#[derive(Debug, Clone)]
pub(crate) struct KeptLink {
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
    pub links: HashMap<LinkKey, KeptLink>,
    pub wan: Option<Ipv4Net>,
    pub loopbacks: Option<Ipv4Net>,
    pub wan6: Option<Ipv6Net>,
    pub loopbacks6: Option<Ipv6Net>,
}

/// Ranks links by endpoint pair: the n-th link joining `a` and `b` (either way).
pub(crate) fn link_keys<'a>(ends: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<LinkKey> {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    ends.map(|(a, b)| {
        let (x, y) = if a <= b { (a, b) } else { (b, a) };
        let pair = (x.to_string(), y.to_string());
        let n = seen.entry(pair.clone()).or_insert(0);
        let key = (pair.0, pair.1, *n);
        *n += 1;
        key
    })
    .collect()
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
        let keys = link_keys(plan.links.iter().map(|l| (l.a.as_str(), l.b.as_str())));
        for (key, l) in keys.into_iter().zip(&plan.links) {
            k.links.insert(
                key,
                KeptLink {
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
                },
            );
        }
        k
    }
}
