//! The addressing plan and the routing tables as CSV (RFC 4180, UTF-8 with a BOM so
//! that Excel reads the accents, CRLF line ends) and Markdown, and the NetBox bulk
//! import files (NetBox's own column names, no BOM, no translation of values).

use std::fmt::Write;

use netkit_plan::Plan;

use crate::esc::{csv_row, csv_row_sep, md};
use crate::i18n::K;
use crate::i18n::Lang;
use crate::markup::md_table;
use crate::view::{AddrRow, Ctx, RowKind, site_of};

/// UTF-8 byte order mark: Excel decodes a CSV as UTF-8 only when it starts with one.
pub const BOM: &str = "\u{FEFF}";

/// Field separator of the spreadsheets in the report's language: `;` in French
/// (Excel's list separator there, the comma being the decimal one), `,` in English.
pub fn sep(l: Lang) -> char {
    match l {
        Lang::Fr => ';',
        Lang::En => ',',
    }
}

/// First usable, last usable and broadcast address of an IPv4 prefix as text
/// (empty when `prefix` is not one; no broadcast for a /31 or /32).
pub fn range_cells(prefix: &str) -> [String; 3] {
    match prefix.parse::<ipnet::Ipv4Net>() {
        Ok(p) => {
            let (a, b, c) = crate::view::range_v4(p);
            [a.to_string(), b.to_string(), opt(c)]
        }
        Err(_) => [String::new(), String::new(), String::new()],
    }
}

/// The two ends of a link row (`a – b` in one cell on screen) as two values.
fn ends(s: &str) -> (String, String) {
    match s.split_once(" – ") {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (s.to_string(), s.to_string()),
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub fn addressing_csv(ctx: &Ctx, rows: &[AddrRow]) -> String {
    let l = ctx.l;
    let sep = sep(l);
    let mut out = String::from(BOM);
    out.push_str(&csv_row_sep(
        &[
            l.t(K::Type),
            l.t(K::Site),
            l.t(K::Object),
            l.t(K::Vlan),
            l.t(K::Prefix),
            l.t(K::Mask),
            l.t(K::FirstUsable),
            l.t(K::LastUsable),
            l.t(K::Broadcast),
            l.t(K::Address),
            l.t(K::Device),
            l.t(K::Interface),
            l.t(K::HostsAsked),
            l.t(K::SizedFor),
            l.t(K::Usable),
            l.t(K::IsolatedCol),
            l.t(K::Prefix6),
            l.t(K::Address6),
            l.t(K::Description),
        ],
        sep,
    ));
    for r in rows {
        let [first, last, bcast] = range_cells(&r.prefix);
        // A link (or the uplink) has two ends: one row each, one value per cell.
        let two = r.address.contains(" – ");
        let (a0, a1) = ends(&r.address);
        let (d0, d1) = ends(&r.device);
        let (i0, i1) = ends(&r.interface);
        let (v0, v1) = ends(&r.address6);
        let mut end_rows = vec![(a0, d0, i0, v0)];
        if two {
            end_rows.push((a1, d1, i1, v1));
        }
        for (address, device, interface, address6) in end_rows {
            out.push_str(&csv_row_sep(
                &[
                    r.kind.name(l).to_string(),
                    r.site.clone(),
                    r.object.clone(),
                    opt(r.vlan),
                    r.prefix.clone(),
                    r.mask.clone(),
                    first.clone(),
                    last.clone(),
                    bcast.clone(),
                    address,
                    device,
                    interface,
                    opt(r.hosts),
                    opt(r.sized_for),
                    opt(r.usable),
                    r.isolated
                        .map(|b| l.yes_no(b).to_string())
                        .unwrap_or_default(),
                    r.prefix6.clone(),
                    address6,
                    r.description.clone(),
                ],
                sep,
            ));
        }
    }
    out
}

pub fn routes_csv(ctx: &Ctx) -> String {
    let l = ctx.l;
    let sep = sep(l);
    let mut out = String::from(BOM);
    out.push_str(&csv_row_sep(
        &[
            l.t(K::Device),
            l.t(K::Site),
            l.t(K::Destination),
            l.t(K::NextHop),
            l.t(K::Interface),
            l.t(K::Metric),
            l.t(K::RouteKind),
            l.t(K::Describes),
        ],
        sep,
    ));
    for dev in ctx.plan.routers() {
        for r in ctx
            .plan
            .routes
            .get(&dev.id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            out.push_str(&csv_row_sep(
                &[
                    dev.id.clone(),
                    dev.site.clone(),
                    r.destination.to_string(),
                    opt(r.next_hop),
                    r.interface.clone(),
                    r.metric.to_string(),
                    crate::appendix::origin(ctx, r),
                    ctx.route_target(r),
                ],
                sep,
            ));
        }
    }
    out
}

fn n_or_blank(ctx: &Ctx, v: Option<u64>) -> String {
    v.map(|x| ctx.l.int(x)).unwrap_or_default()
}

pub fn addressing_md(ctx: &Ctx, rows: &[AddrRow]) -> String {
    let l = ctx.l;
    let plan = ctx.plan;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        md(l.t(K::SecAddressing)),
        md(&plan.name)
    );
    if let Some(d) = &plan.description {
        let _ = writeln!(out, "{}\n", md(d));
    }
    let _ = writeln!(out, "## {}\n", md(l.t(K::Pools)));
    let mut pools = vec![
        vec![l.t(K::PoolIpv4).to_string(), plan.pools.ipv4.to_string()],
        vec![l.t(K::PoolWan).to_string(), plan.pools.wan.to_string()],
        vec![
            l.t(K::PoolLoopbacks).to_string(),
            plan.pools.loopbacks.to_string(),
        ],
    ];
    if let Some(v6) = plan.pools.ipv6 {
        pools.insert(1, vec![l.t(K::PoolIpv6).to_string(), v6.to_string()]);
    }
    if !plan.pools.reserve.is_empty() {
        pools.push(vec![
            l.t(K::PoolReserve).to_string(),
            plan.pools
                .reserve
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    pools.push(vec![
        l.t(K::P2pPrefix).to_string(),
        format!("/{}", plan.pools.p2p_prefix),
    ]);
    pools.push(vec![
        l.t(K::Growth).to_string(),
        l.percent(plan.pools.growth_percent as f64),
    ]);
    md_table(&mut out, &[l.t(K::Object), l.t(K::Prefix)], &pools);

    for site in &plan.sites {
        let mut title = l.f(K::SegmentsOfSite, &[("site", &site.name)]);
        if let Some(loc) = &site.location {
            title.push_str(&format!(" — {loc}"));
        }
        let _ = writeln!(
            out,
            "## {} ({})\n",
            md(&title),
            md(&site.prefix.to_string())
        );
        let seg_rows: Vec<Vec<String>> = rows
            .iter()
            .filter(|r| r.site == site.name && r.kind == RowKind::Segment)
            .map(|r| {
                vec![
                    r.object.clone(),
                    opt(r.vlan),
                    r.prefix.clone(),
                    r.mask.clone(),
                    r.address.clone(),
                    format!("{} {}", r.device, r.interface),
                    n_or_blank(ctx, r.hosts.map(u64::from)),
                    n_or_blank(ctx, r.sized_for.map(u64::from)),
                    n_or_blank(ctx, r.usable),
                    r.isolated
                        .map(|b| l.yes_no(b).to_string())
                        .unwrap_or_default(),
                    r.prefix6.clone(),
                ]
            })
            .collect();
        md_table(
            &mut out,
            &[
                l.t(K::Segment),
                l.t(K::Vlan),
                l.t(K::Prefix),
                l.t(K::Mask),
                l.t(K::Gateway),
                l.t(K::Interface),
                l.t(K::HostsAsked),
                l.t(K::SizedFor),
                l.t(K::Usable),
                l.t(K::IsolatedCol),
                l.t(K::Prefix6),
            ],
            &seg_rows,
        );
        let named: Vec<Vec<String>> = rows
            .iter()
            .filter(|r| r.site == site.name && r.kind == RowKind::Named)
            .map(|r| {
                vec![
                    r.object.clone(),
                    r.address.clone(),
                    r.address6.clone(),
                    r.description.clone(),
                ]
            })
            .collect();
        if !named.is_empty() {
            let _ = writeln!(out, "### {}\n", md(l.t(K::NamedHosts)));
            md_table(
                &mut out,
                &[
                    l.t(K::Name),
                    l.t(K::Address),
                    l.t(K::Address6),
                    l.t(K::Description),
                ],
                &named,
            );
        }
    }
    let lo: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| r.kind == RowKind::Loopback)
        .map(|r| vec![r.device.clone(), r.prefix.clone(), r.prefix6.clone()])
        .collect();
    if !lo.is_empty() {
        let _ = writeln!(out, "## {}\n", md(l.t(K::LoopbacksTable)));
        md_table(
            &mut out,
            &[l.t(K::Device), l.t(K::Prefix), l.t(K::Prefix6)],
            &lo,
        );
    }
    if !plan.links.is_empty() {
        let _ = writeln!(out, "## {}\n", md(l.t(K::LinksTable)));
        let links: Vec<Vec<String>> = plan
            .links
            .iter()
            .map(|k| {
                vec![
                    k.prefix.to_string(),
                    format!("{} {}", k.a, k.a_interface),
                    k.a_address.to_string(),
                    format!("{} {}", k.b, k.b_interface),
                    k.b_address.to_string(),
                    k.bandwidth_bps.map(|b| l.bandwidth(b)).unwrap_or_default(),
                    k.cost.to_string(),
                ]
            })
            .collect();
        md_table(
            &mut out,
            &[
                l.t(K::Prefix),
                l.t(K::EndA),
                l.t(K::AddressA),
                l.t(K::EndB),
                l.t(K::AddressB),
                l.t(K::Bandwidth),
                l.t(K::CostCol),
            ],
            &links,
        );
    }
    if let Some(inet) = &plan.internet {
        let _ = writeln!(
            out,
            "{}{}{} {} {} ({}), {}\n",
            md(&crate::words::capital(l.t(K::Uplink))),
            l.colon(),
            md(&inet.edge),
            md(&inet.edge_interface),
            md(&inet.edge_address.to_string()),
            md(&inet.uplink_prefix.to_string()),
            md(&l.f(K::Upstream, &[("addr", &inet.upstream_address.to_string())]))
        );
    }
    if let Some(dns) = &plan.dns {
        let _ = writeln!(
            out,
            "{}\n",
            md(&l.f(
                K::DnsZone,
                &[
                    ("domain", &dns.domain),
                    ("server", &dns.server),
                    ("addr", &dns.server_address.to_string())
                ]
            ))
        );
    }
    out
}

pub fn routes_md(ctx: &Ctx) -> String {
    let l = ctx.l;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        md(l.t(K::SecRouting)),
        md(&ctx.plan.name)
    );
    for dev in ctx.plan.routers() {
        let _ = writeln!(
            out,
            "## {}\n",
            md(&l.f(K::RoutesOf, &[("device", &dev.id)]))
        );
        let routes = ctx
            .plan
            .routes
            .get(&dev.id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if routes.is_empty() {
            let _ = writeln!(out, "{}\n", md(l.t(K::NoRoutes)));
            continue;
        }
        let rows: Vec<Vec<String>> = routes
            .iter()
            .map(|r| {
                vec![
                    r.destination.to_string(),
                    r.next_hop
                        .map(|h| h.to_string())
                        .unwrap_or_else(|| l.t(K::DirectlyConnected).to_string()),
                    r.interface.clone(),
                    r.metric.to_string(),
                    crate::appendix::origin(ctx, r),
                    ctx.route_target(r),
                ]
            })
            .collect();
        md_table(
            &mut out,
            &[
                l.t(K::Destination),
                l.t(K::NextHop),
                l.t(K::Interface),
                l.t(K::Metric),
                l.t(K::RouteKind),
                l.t(K::Describes),
            ],
            &rows,
        );
    }
    out
}

/// `netbox-sites.csv`: the sites the other files refer to by name.
pub fn netbox_sites(ctx: &Ctx) -> String {
    let mut out = csv_row(&["name", "slug", "status", "description"]);
    for s in &ctx.plan.sites {
        let desc = s
            .location
            .iter()
            .chain(s.description.iter())
            .cloned()
            .collect::<Vec<_>>()
            .join(" — ");
        out.push_str(&csv_row(&[
            s.name.clone(),
            slug(&s.name),
            "active".to_string(),
            desc,
        ]));
    }
    out
}

/// NetBox slugs: lowercase letters, digits, `-` and `_`.
fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() {
        "site".to_string()
    } else {
        out
    }
}

/// `netbox-vlans.csv`: one VLAN per segment, in its site.
pub fn netbox_vlans(ctx: &Ctx) -> String {
    let mut out = csv_row(&["site", "vid", "name", "status", "description"]);
    for seg in ctx.plan.segments() {
        out.push_str(&csv_row(&[
            seg.site.clone(),
            seg.vlan.to_string(),
            seg.name.clone(),
            "active".to_string(),
            seg.description
                .clone()
                .unwrap_or_else(|| ctx.f(K::NbSegment, &[("id", &seg.id)])),
        ]));
    }
    out
}

/// `netbox-prefixes.csv`: pools and site blocks as containers, segments (with their
/// VLAN, found by `vlan_site` + `vlan`), links and loopbacks as active prefixes.
pub fn netbox_prefixes(ctx: &Ctx) -> String {
    let plan: &Plan = ctx.plan;
    let mut out = csv_row(&[
        "prefix",
        "status",
        "vlan_site",
        "vlan",
        "is_pool",
        "description",
    ]);
    let mut row =
        |prefix: String, status: &str, vlan: Option<(&str, u16)>, pool: bool, desc: String| {
            out.push_str(&csv_row(&[
                prefix,
                status.to_string(),
                vlan.map(|v| v.0.to_string()).unwrap_or_default(),
                vlan.map(|v| v.1.to_string()).unwrap_or_default(),
                if pool { "true" } else { "false" }.to_string(),
                desc,
            ]));
        };
    let pool = |what: &str| ctx.f(K::NbPool, &[("what", what)]);
    row(
        plan.pools.ipv4.to_string(),
        "container",
        None,
        false,
        pool("IPv4"),
    );
    if let Some(v6) = plan.pools.ipv6 {
        row(v6.to_string(), "container", None, false, pool("IPv6"));
    }
    if plan.pools.wan != plan.pools.ipv4 {
        row(
            plan.pools.wan.to_string(),
            "container",
            None,
            false,
            pool(ctx.t(K::PoolWan)),
        );
    }
    row(
        plan.pools.loopbacks.to_string(),
        "container",
        None,
        true,
        ctx.t(K::NbLoopbacks).to_string(),
    );
    for r in &plan.pools.reserve {
        row(
            r.to_string(),
            "reserved",
            None,
            false,
            ctx.t(K::PoolReserve).to_string(),
        );
    }
    for site in &plan.sites {
        let d = ctx.f(K::NbSiteBlock, &[("site", &site.name)]);
        row(site.prefix.to_string(), "container", None, false, d.clone());
        if let Some(p6) = site.prefix6 {
            row(p6.to_string(), "container", None, false, d);
        }
        for seg in &site.segments {
            let d = seg
                .description
                .clone()
                .unwrap_or_else(|| ctx.f(K::NbSegment, &[("id", &seg.id)]));
            row(
                seg.prefix.to_string(),
                "active",
                Some((&site.name, seg.vlan)),
                false,
                d.clone(),
            );
            if let Some(p6) = seg.prefix6 {
                row(
                    p6.to_string(),
                    "active",
                    Some((&site.name, seg.vlan)),
                    false,
                    d,
                );
            }
        }
    }
    for k in &plan.links {
        let d = ctx.f(K::NbLink, &[("a", &k.a), ("b", &k.b)]);
        row(k.prefix.to_string(), "active", None, true, d.clone());
        if let Some(p6) = k.prefix6 {
            row(p6.to_string(), "active", None, true, d);
        }
    }
    out
}

/// `netbox-ip-addresses.csv`: gateways, link ends, loopbacks and fixed hosts.
pub fn netbox_addresses(ctx: &Ctx) -> String {
    let plan = ctx.plan;
    let mut out = csv_row(&["address", "status", "role", "dns_name", "description"]);
    let mut row = |addr: String, role: &str, dns: String, desc: String| {
        out.push_str(&csv_row(&[
            addr,
            "active".to_string(),
            role.to_string(),
            dns,
            desc,
        ]));
    };
    for seg in plan.segments() {
        let d = ctx.f(
            K::NbGateway,
            &[
                ("id", &seg.id),
                ("device", &seg.gateway_device),
                ("interface", &seg.interface),
            ],
        );
        row(
            format!("{}/{}", seg.gateway, seg.prefix.prefix_len()),
            "",
            String::new(),
            d.clone(),
        );
        if let (Some(g6), Some(p6)) = (seg.gateway6, seg.prefix6) {
            row(format!("{g6}/{}", p6.prefix_len()), "", String::new(), d);
        }
        for n in &seg.named {
            let d = ctx.f(K::NbNamed, &[("id", &n.id)]);
            let dns = n.fqdn.clone().unwrap_or_default();
            row(
                format!("{}/{}", n.address, seg.prefix.prefix_len()),
                "",
                dns.clone(),
                d.clone(),
            );
            if let (Some(a6), Some(p6)) = (n.address6, seg.prefix6) {
                row(format!("{a6}/{}", p6.prefix_len()), "", dns, d);
            }
        }
    }
    for k in &plan.links {
        let len = k.prefix.prefix_len();
        let da = ctx.f(
            K::NbLinkEnd,
            &[
                ("device", &k.a),
                ("interface", &k.a_interface),
                ("peer", &k.b),
            ],
        );
        let db = ctx.f(
            K::NbLinkEnd,
            &[
                ("device", &k.b),
                ("interface", &k.b_interface),
                ("peer", &k.a),
            ],
        );
        row(
            format!("{}/{len}", k.a_address),
            "",
            String::new(),
            da.clone(),
        );
        row(
            format!("{}/{len}", k.b_address),
            "",
            String::new(),
            db.clone(),
        );
        if let (Some(p6), Some(a6), Some(b6)) = (k.prefix6, k.a_address6, k.b_address6) {
            row(format!("{a6}/{}", p6.prefix_len()), "", String::new(), da);
            row(format!("{b6}/{}", p6.prefix_len()), "", String::new(), db);
        }
    }
    for dev in &plan.devices {
        let d = ctx.f(K::NbLoopback, &[("device", &dev.id)]);
        let dns = dev.fqdn.clone().unwrap_or_default();
        if let Some(lo) = dev.loopback {
            row(lo.to_string(), "loopback", dns.clone(), d.clone());
        }
        if let Some(lo6) = dev.loopback6 {
            row(lo6.to_string(), "loopback", dns, d);
        }
    }
    let _ = site_of;
    out
}
