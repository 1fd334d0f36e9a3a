//! The family-independent allocator: pools, pins, site blocks, VLSM segments, links
//! and loopbacks, for IPv4 (32 bits) or IPv6 (128 bits).
//!
//! Order of work, so that pins and kept allocations are never displaced by new ones:
//! reserves and pins are taken first (and checked against each other), then the pools
//! for links and loopbacks (explicit, kept, or carved from the top of the pool), then
//! site blocks (pinned sites, sites with pinned segments, kept sites, new sites, each
//! group in file order), segments inside each block (pinned, kept, then largest
//! first), links (pinned, kept, new in file order), loopbacks (kept, new).

use std::collections::HashMap;

use netkit_model::{Diagnostic, Span};

use super::space::{
    Block, Fam, Owner, Space, find_highest, find_lowest, first_conflict, free_stats,
};

/// A prefix written in the topology (or a reserve), with where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Pin {
    pub block: Block,
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub(crate) struct SegReq {
    /// `site.segment`, for messages.
    pub id: String,
    /// Required prefix length (the pin's when pinned).
    pub len: u8,
    pub pin: Option<Pin>,
    pub kept: Option<Block>,
}

#[derive(Debug, Clone)]
pub(crate) struct SiteReq {
    pub name: String,
    pub span: Span,
    pub pin: Option<Pin>,
    pub kept: Option<Block>,
    pub segs: Vec<SegReq>,
}

#[derive(Debug, Clone)]
pub(crate) struct LinkReq {
    /// `link 0 (hq.r1 - lyon.r1)`, for messages.
    pub what: String,
    pub span: Span,
    pub pin: Option<Pin>,
    pub kept: Option<Block>,
}

#[derive(Debug, Clone)]
pub(crate) struct LoopReq {
    pub device: String,
    pub span: Span,
    pub kept: Option<Block>,
}

/// Where an infrastructure pool comes from.
#[derive(Debug, Clone)]
pub(crate) enum PoolSrc {
    /// Written in the topology (`addressing.wan`), with its span.
    Explicit(Block, Span),
    /// Carved from the main pool: the previous plan's pool when it still fits,
    /// otherwise the highest free aligned block of `default_len` (shortened until the
    /// things it must hold fit).
    Carved {
        kept: Option<Block>,
        default_len: u8,
    },
}

pub(crate) struct FamReq {
    pub fam: Fam,
    /// `addressing.ipv4` / `addressing.ipv6`.
    pub pool_name: &'static str,
    pub pool: Block,
    pub pool_span: Span,
    pub reserves: Vec<Pin>,
    pub sites: Vec<SiteReq>,
    pub links: Vec<LinkReq>,
    pub loops: Vec<LoopReq>,
    pub wan: PoolSrc,
    pub lo: PoolSrc,
    /// Prefix length of a link (31, 30 or 127) and of a loopback (32 or 128).
    pub p2p_len: u8,
    pub loop_len: u8,
    /// From the tight block length of a site (segments packed exactly), the length
    /// of the block it gets when there is room (room to grow).
    pub roomy: fn(u8) -> u8,
}

pub(crate) struct FamOut {
    pub sites: Vec<Block>,
    pub segs: Vec<Vec<Block>>,
    pub links: Vec<Block>,
    pub loops: Vec<Block>,
    pub wan: Block,
    pub lo: Block,
}

fn line(span: Option<Span>) -> String {
    match span {
        Some(s) if s.line > 0 => format!(" (line {})", s.line),
        _ => String::new(),
    }
}

fn show_size(fam: Fam, n: u128) -> String {
    if fam.bits == 32 {
        format!("{n} addresses")
    } else if n >= (1u128 << 64) && n.is_multiple_of(1u128 << 64) {
        let k = n >> 64;
        format!("{k} /64 subnet{}", if k == 1 { "" } else { "s" })
    } else {
        format!("{n} addresses")
    }
}

struct PinEntry {
    block: Block,
    span: Option<Span>,
    owner: Owner,
    what: String,
}

/// Everything that cannot move, checked: reserves, pins, explicit pools. Returns
/// the base space (reserves + pins) or every conflict found.
fn check_pins(req: &FamReq) -> Result<Space, Vec<Diagnostic>> {
    let fam = req.fam;
    let mut errors = Vec::new();
    let mut base = Space::new();
    for (i, r) in req.reserves.iter().enumerate() {
        base.insert_merging(r.block.start, fam.last(r.block), Owner::Reserve(i));
    }
    let mut pins: Vec<PinEntry> = Vec::new();
    for (si, s) in req.sites.iter().enumerate() {
        if let Some(p) = &s.pin {
            pins.push(PinEntry {
                block: p.block,
                span: p.span,
                owner: Owner::Site(si),
                what: format!("site {}", s.name),
            });
        }
        for (gi, g) in s.segs.iter().enumerate() {
            if let Some(p) = &g.pin {
                pins.push(PinEntry {
                    block: p.block,
                    span: p.span,
                    owner: Owner::Segment(si, gi),
                    what: format!("segment {}", g.id),
                });
            }
        }
    }
    for (li, l) in req.links.iter().enumerate() {
        if let Some(p) = &l.pin {
            pins.push(PinEntry {
                block: p.block,
                span: p.span,
                owner: Owner::Link(li),
                what: l.what.clone(),
            });
        }
    }
    let explicit_wan = match &req.wan {
        PoolSrc::Explicit(b, s) => Some((*b, *s)),
        PoolSrc::Carved { .. } => None,
    };
    let explicit_lo = match &req.lo {
        PoolSrc::Explicit(b, s) => Some((*b, *s)),
        PoolSrc::Carved { .. } => None,
    };
    let pool_word = if fam.bits == 32 { "" } else { "6" };
    for p in &pins {
        let is_link = matches!(p.owner, Owner::Link(_));
        if is_link && fam.mask(p.block.len) == 0 {
            errors.push(
                Diagnostic::error(
                    p.span,
                    format!(
                        "{} is pinned to {}, a single address: a link needs two",
                        p.what,
                        fam.show(p.block)
                    ),
                )
                .with_hint(if fam.bits == 32 {
                    "pin a /31 or a /30"
                } else {
                    "pin a /127"
                }),
            );
            continue;
        }
        // Where the pin must lie.
        let (home, home_name) = match (is_link, explicit_wan) {
            (true, Some((w, _))) => (w, format!("addressing.wan{pool_word}")),
            _ => (req.pool, req.pool_name.to_string()),
        };
        if !fam.contains(home, p.block) {
            errors.push(
                Diagnostic::error(
                    p.span,
                    format!(
                        "{} is pinned to {}, outside {} {}",
                        p.what,
                        fam.show(p.block),
                        home_name,
                        fam.show(home)
                    ),
                )
                .with_hint(format!("pin a prefix inside {}", fam.show(home))),
            );
            continue;
        }
        if let Some(iv) = base.conflict(p.block.start, fam.last(p.block), |_| false) {
            let (rspan, rtext) = match iv.owner {
                Owner::Reserve(i) => (req.reserves[i].span, fam.show(req.reserves[i].block)),
                _ => (None, String::from("a reserve")),
            };
            errors.push(
                Diagnostic::error(
                    p.span,
                    format!(
                        "{} is pinned to {}{}, which overlaps the reserved range {}{}",
                        p.what,
                        fam.show(p.block),
                        line(p.span),
                        rtext,
                        line(rspan)
                    ),
                )
                .with_hint("pin a prefix outside `addressing.reserve`, or shrink the reserve"),
            );
        }
        let mut pools: Vec<(Block, Span, String)> = Vec::new();
        if !is_link && let Some((w, s)) = explicit_wan {
            pools.push((w, s, format!("addressing.wan{pool_word}")));
        }
        if let Some((l, s)) = explicit_lo {
            pools.push((l, s, format!("addressing.loopbacks{pool_word}")));
        }
        for (b, s, name) in pools {
            if fam.overlaps(b, p.block) {
                errors.push(
                    Diagnostic::error(
                        p.span,
                        format!(
                            "{} is pinned to {}{}, which overlaps {} {}{}",
                            p.what,
                            fam.show(p.block),
                            line(p.span),
                            name,
                            fam.show(b),
                            line(Some(s))
                        ),
                    )
                    .with_hint(format!("pin a prefix outside {}", fam.show(b))),
                );
            }
        }
    }
    // Pins against each other: sorted by start, containers first; a stack holds the
    // pins that contain the current start.
    let mut order: Vec<usize> = (0..pins.len()).collect();
    order.sort_by_key(|&i| (pins[i].block.start, pins[i].block.len));
    let mut stack: Vec<usize> = Vec::new();
    for &i in &order {
        let p = &pins[i];
        while let Some(&top) = stack.last() {
            if fam.last(pins[top].block) < p.block.start {
                stack.pop();
            } else {
                break;
            }
        }
        for &o in &stack {
            let q = &pins[o];
            let own =
                matches!((q.owner, p.owner), (Owner::Site(s), Owner::Segment(t, _)) if s == t);
            if !own {
                errors.push(
                    Diagnostic::error(
                        p.span,
                        format!(
                            "{} is pinned to {}{}, which overlaps {} pinned to {}{}",
                            p.what,
                            fam.show(p.block),
                            line(p.span),
                            q.what,
                            fam.show(q.block),
                            line(q.span)
                        ),
                    )
                    .with_hint("change one of the two pins so that they do not overlap"),
                );
            }
        }
        stack.push(i);
    }
    // A pinned site holds its pinned segments.
    for (si, s) in req.sites.iter().enumerate() {
        let Some(sp) = &s.pin else { continue };
        for g in &s.segs {
            if let Some(gp) = &g.pin
                && !fam.contains(sp.block, gp.block)
            {
                errors.push(
                    Diagnostic::error(
                        gp.span,
                        format!(
                            "segment {} is pinned to {}{}, outside the pinned block {} of its site {}{}",
                            g.id,
                            fam.show(gp.block),
                            line(gp.span),
                            fam.show(sp.block),
                            s.name,
                            line(sp.span)
                        ),
                    )
                    .with_hint(format!(
                        "pin the segment inside {} or change the site's prefix",
                        fam.show(sp.block)
                    )),
                );
            }
        }
        let _ = si;
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Site pins, then segment pins of sites without a pin, then link pins: no two
    // overlap any more, except a site's own segments (left out).
    for p in pins {
        let inside_pinned_site =
            matches!(p.owner, Owner::Segment(s, _) if req.sites[s].pin.is_some());
        if inside_pinned_site {
            continue;
        }
        if base
            .conflict(p.block.start, fam.last(p.block), |_| false)
            .is_none()
        {
            base.insert_block(fam, p.block, p.owner);
        }
    }
    Ok(base)
}

/// Pack a site's segments into `block`: pins and kept prefixes where they are, the
/// others largest first, lowest aligned free place.
fn pack(fam: Fam, block: Block, segs: &[SegReq]) -> Option<Vec<Block>> {
    let mut local = Space::new();
    let mut out: Vec<Option<Block>> = vec![None; segs.len()];
    for (i, g) in segs.iter().enumerate() {
        if let Some(p) = &g.pin {
            if !fam.contains(block, p.block) {
                return None;
            }
            local.insert_block(fam, p.block, Owner::Segment(0, i));
            out[i] = Some(p.block);
        }
    }
    for (i, g) in segs.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        if let Some(k) = g.kept
            && k.len <= g.len
            && fam.contains(block, k)
            && first_conflict(fam, k, &[&local], &|_| false).is_none()
        {
            local.insert_block(fam, k, Owner::Segment(0, i));
            out[i] = Some(k);
        }
    }
    let mut rest: Vec<usize> = (0..segs.len()).filter(|&i| out[i].is_none()).collect();
    rest.sort_by_key(|&i| (segs[i].len, i));
    for i in rest {
        let b = find_lowest(
            fam,
            block.start,
            fam.last(block),
            segs[i].len,
            &[&local],
            &|_| false,
        )?;
        local.insert_block(fam, b, Owner::Segment(0, i));
        out[i] = Some(b);
    }
    out.into_iter().collect()
}

/// Addresses the segments of a site need, packed: the sum of their sizes.
fn need(fam: Fam, segs: &[SegReq]) -> u128 {
    segs.iter()
        .map(|g| fam.size(g.len))
        .fold(0u128, |a, b| a.saturating_add(b))
        .max(1)
}

pub(crate) fn allocate(req: &FamReq) -> Result<FamOut, Vec<Diagnostic>> {
    let fam = req.fam;
    let base = check_pins(req)?;
    let pool_first = req.pool.start;
    let pool_last = fam.last(req.pool);
    let word6 = if fam.bits == 32 { "" } else { "6" };

    // Infrastructure pools.
    let mut wan_fence = Space::new();
    let mut lo_fence = Space::new();
    let p2p_size = fam.size(req.p2p_len);
    let links_need = p2p_size.saturating_mul(req.links.len() as u128);
    let loops_need = (req.loops.len() as u128).saturating_add(1);
    let wan = carve(
        req,
        &req.wan,
        links_need,
        &[&base],
        &format!("addressing.wan{word6}"),
        "point-to-point links",
    )?;
    wan_fence.insert_block(fam, wan, Owner::WanPool);
    let lo = carve(
        req,
        &req.lo,
        loops_need,
        &[&base, &wan_fence],
        &format!("addressing.loopbacks{word6}"),
        "loopbacks",
    )?;
    // Explicit pools may overlap each other (loopbacks inside the WAN pool): the
    // fences are separate spaces.
    lo_fence.insert_block(fam, lo, Owner::LoopbackPool);

    // Sites: with room to grow first; if that runs out of space, every site tight.
    let mut placed = place_all(req, true, &base, &wan_fence, &lo_fence);
    if placed.is_err() {
        placed = place_all(req, false, &base, &wan_fence, &lo_fence);
    }
    let (sites, segs, site_blocks) = placed?;
    let mut errors = Vec::new();

    // Links.
    let mut links_space = Space::new();
    let mut links: Vec<Option<Block>> = vec![None; req.links.len()];
    for (i, l) in req.links.iter().enumerate() {
        if let Some(p) = &l.pin {
            links[i] = Some(p.block);
        }
    }
    for (i, l) in req.links.iter().enumerate() {
        if links[i].is_some() {
            continue;
        }
        if let Some(k) = l.kept
            && k.len == req.p2p_len
            && fam.contains(wan, k)
            && first_conflict(
                fam,
                k,
                &[&base, &site_blocks, &lo_fence, &links_space],
                &|_| false,
            )
            .is_none()
        {
            links_space.insert_block(fam, k, Owner::Link(i));
            links[i] = Some(k);
        }
    }
    let mut link_hint = wan.start;
    for (i, l) in req.links.iter().enumerate() {
        if links[i].is_some() {
            continue;
        }
        let spaces = [&base, &site_blocks, &lo_fence, &links_space];
        // Only insertions: the next free link prefix is never below the last one.
        match find_lowest(fam, link_hint, fam.last(wan), req.p2p_len, &spaces, &|_| {
            false
        }) {
            Some(b) => {
                links_space.insert_block(fam, b, Owner::Link(i));
                links[i] = Some(b);
                link_hint = b.start;
            }
            None => {
                let (free, _) = free_stats(fam, wan.start, fam.last(wan), &spaces);
                let left = req.links.iter().skip(i).filter(|l| l.pin.is_none()).count();
                errors.push(
                    Diagnostic::error(
                        l.span,
                        format!(
                            "no space left in the WAN pool {} (addressing.wan{word6}) for {}: it needs {} and {} left ({} link{} still to place)",
                            fam.show(wan),
                            l.what,
                            show_size(fam, p2p_size),
                            if free == 0 { String::from("none are") } else { format!("only {} are", show_size(fam, free)) },
                            left,
                            if left == 1 { "" } else { "s" }
                        ),
                    )
                    .with_hint(format!(
                        "set addressing.wan{word6} to a larger prefix (it needs {} for all links)",
                        show_size(fam, links_need)
                    )),
                );
                break;
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let links: Vec<Block> = links.into_iter().flatten().collect();

    // Loopbacks, skipping the pool's first address (`10.254.0.1` for the first).
    let mut loop_space = Space::new();
    let mut loops: Vec<Option<Block>> = vec![None; req.loops.len()];
    let lo_first = if fam.mask(lo.len) > 0 {
        lo.start + 1
    } else {
        lo.start
    };
    for (i, l) in req.loops.iter().enumerate() {
        if let Some(k) = l.kept
            && k.len == req.loop_len
            && fam.contains(lo, k)
            && k.start >= lo_first
            && first_conflict(
                fam,
                k,
                &[&base, &site_blocks, &links_space, &loop_space],
                &|_| false,
            )
            .is_none()
        {
            loop_space.insert_block(fam, k, Owner::Loopback);
            loops[i] = Some(k);
        }
    }
    let mut loop_hint = lo_first;
    for (i, l) in req.loops.iter().enumerate() {
        if loops[i].is_some() {
            continue;
        }
        let spaces = [&base, &site_blocks, &links_space, &loop_space];
        match find_lowest(fam, loop_hint, fam.last(lo), req.loop_len, &spaces, &|_| {
            false
        }) {
            Some(b) => {
                loop_space.insert_block(fam, b, Owner::Loopback);
                loops[i] = Some(b);
                loop_hint = b.start;
            }
            None => {
                let left = loops.iter().filter(|l| l.is_none()).count();
                errors.push(
                    Diagnostic::error(
                        l.span,
                        format!(
                            "no space left in the loopback pool {} (addressing.loopbacks{word6}) for {}: {} more loopback{} needed and none left",
                            fam.show(lo),
                            l.device,
                            left,
                            if left == 1 { " is" } else { "s are" }
                        ),
                    )
                    .with_hint(format!(
                        "set addressing.loopbacks{word6} to a larger prefix (one address per router, l3-switch and firewall)"
                    )),
                );
                break;
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let loops: Vec<Block> = loops.into_iter().flatten().collect();
    let _ = (pool_first, pool_last);
    Ok(FamOut {
        sites,
        segs,
        links,
        loops,
        wan,
        lo,
    })
}

/// The WAN or loopback pool.
fn carve(
    req: &FamReq,
    src: &PoolSrc,
    need: u128,
    avoid: &[&Space],
    name: &str,
    holds: &str,
) -> Result<Block, Vec<Diagnostic>> {
    let fam = req.fam;
    match src {
        PoolSrc::Explicit(b, _) => Ok(*b),
        PoolSrc::Carved { kept, default_len } => {
            if let Some(k) = kept
                && fam.contains(req.pool, *k)
                && k.len > req.pool.len
                && fam.size(k.len) >= need
                && first_conflict(fam, *k, avoid, &|_| false).is_none()
            {
                return Ok(*k);
            }
            let mut len = (*default_len).max(req.pool.len + 1).min(fam.bits);
            while len > req.pool.len + 1 && fam.size(len) < need {
                len -= 1;
            }
            let found = if fam.size(len) >= need {
                find_highest(fam, req.pool.start, fam.last(req.pool), len, avoid, &|_| {
                    false
                })
            } else {
                None
            };
            found.ok_or_else(|| {
                vec![
                    Diagnostic::error(
                        req.pool_span,
                        format!(
                            "{} {} has no free /{} left to carve the pool for {} ({} needed)",
                            req.pool_name,
                            fam.show(req.pool),
                            len,
                            holds,
                            show_size(fam, need)
                        ),
                    )
                    .with_hint(format!(
                        "set {name} to a prefix outside {} or give {} a larger prefix",
                        req.pool_name, req.pool_name
                    )),
                ]
            })
        }
    }
}

type Placed = (Vec<Block>, Vec<Vec<Block>>, Space);

/// Every site block and its segments, pinned sites first, then sites with pinned
/// segments, kept sites, new sites (file order inside each group).
fn place_all(
    req: &FamReq,
    room: bool,
    base: &Space,
    wan_fence: &Space,
    lo_fence: &Space,
) -> Result<Placed, Vec<Diagnostic>> {
    let fam = req.fam;
    let mut site_blocks = Space::new();
    let n = req.sites.len();
    let mut sites: Vec<Option<Block>> = vec![None; n];
    let mut segs: Vec<Vec<Block>> = vec![Vec::new(); n];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| {
        let s = &req.sites[i];
        let group = if s.pin.is_some() {
            0
        } else if s.segs.iter().any(|g| g.pin.is_some()) {
            1
        } else if s.kept.is_some() {
            2
        } else {
            3
        };
        (group, i)
    });
    let mut errors = Vec::new();
    let mut hints = HashMap::new();
    for si in order {
        match place_site(
            req,
            si,
            room,
            base,
            &site_blocks,
            wan_fence,
            lo_fence,
            &mut hints,
        ) {
            Ok((block, packed)) => {
                site_blocks.insert_block(fam, block, Owner::Site(si));
                sites[si] = Some(block);
                segs[si] = packed;
            }
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((sites.into_iter().flatten().collect(), segs, site_blocks))
}

#[allow(clippy::too_many_arguments)]
fn place_site(
    req: &FamReq,
    si: usize,
    room: bool,
    base: &Space,
    site_blocks: &Space,
    wan_fence: &Space,
    lo_fence: &Space,
    hints: &mut HashMap<u8, u128>,
) -> Result<(Block, Vec<Block>), Diagnostic> {
    let fam = req.fam;
    let s = &req.sites[si];
    let spaces = [base, site_blocks, wan_fence, lo_fence];
    let own = move |o: Owner| matches!(o, Owner::Site(x) | Owner::Segment(x, _) if x == si);
    let total = need(fam, &s.segs);
    let tight = fam.len_for(total).max(req.pool.len);
    let roomy = if room {
        (req.roomy)(tight).max(req.pool.len).min(tight)
    } else {
        tight
    };

    if let Some(p) = &s.pin {
        return match pack(fam, p.block, &s.segs) {
            Some(v) => Ok((p.block, v)),
            None => Err(Diagnostic::error(
                p.span.or(Some(s.span)),
                format!(
                    "the pinned block {} of site {} is too small for its segments: they need {} in aligned subnets and it holds {}",
                    fam.show(p.block),
                    s.name,
                    show_size(fam, total),
                    show_size(fam, fam.size(p.block.len))
                ),
            )
            .with_hint("pin a larger block for the site, or lower `hosts`/`growth` of its segments")),
        };
    }
    let free =
        |b: Block| fam.contains(req.pool, b) && first_conflict(fam, b, &spaces, &own).is_none();

    // The previous plan's block, or a supernet of it when the site grew.
    if let Some(k) = s.kept
        && s.segs
            .iter()
            .all(|g| g.pin.as_ref().is_none_or(|p| fam.contains(k, p.block)))
    {
        let mut len = k.len;
        loop {
            let b = fam.supernet(k, len);
            if !free(b) {
                break;
            }
            if let Some(v) = pack(fam, b, &s.segs) {
                return Ok((b, v));
            }
            if len <= req.pool.len {
                break;
            }
            len -= 1;
        }
    }

    // Pinned segments: the smallest block holding them all, grown until the rest fits.
    let seg_pins: Vec<&Pin> = s.segs.iter().filter_map(|g| g.pin.as_ref()).collect();
    if let Some(first) = seg_pins.first() {
        let hull = seg_pins
            .iter()
            .fold(first.block, |h, p| fam.hull(h, p.block));
        let mut fallback = None;
        let mut len = hull.len.min(tight);
        loop {
            let b = fam.supernet(hull, len);
            if !free(b) {
                break;
            }
            if let Some(v) = pack(fam, b, &s.segs) {
                if len <= roomy {
                    return Ok((b, v));
                }
                fallback.get_or_insert((b, v));
            }
            if len <= req.pool.len {
                break;
            }
            len -= 1;
        }
        return fallback.ok_or_else(|| {
            let pins: Vec<String> = s
                .segs
                .iter()
                .filter_map(|g| g.pin.as_ref().map(|p| format!("{} at {}{}", g.id, fam.show(p.block), line(p.span))))
                .collect();
            Diagnostic::error(
                seg_pins[0].span.or(Some(s.span)),
                format!(
                    "site {} has no pinned block and no free block holds its pinned segments ({}) together with its other segments ({} in all)",
                    s.name,
                    pins.join(", "),
                    show_size(fam, total)
                ),
            )
            .with_hint(format!(
                "pin the block of site {} (a prefix holding its segment pins), or move the segment pins",
                s.name
            ))
        });
    }

    for len in [roomy, tight] {
        // Blocks are only ever added, so the lowest free block of a length never
        // moves down: searching from the last one found is exact (and keeps the
        // placement of n sites near-linear).
        let from = hints.get(&len).copied().unwrap_or(0).max(req.pool.start);
        let found = find_lowest(fam, from, fam.last(req.pool), len, &spaces, &|_| false);
        if let Some(b) = found {
            hints.insert(len, b.start);
            if let Some(v) = pack(fam, b, &s.segs) {
                return Ok((b, v));
            }
        } else {
            hints.insert(len, fam.last(req.pool));
        }
    }
    let (free_n, largest) = free_stats(fam, req.pool.start, fam.last(req.pool), &spaces);
    Err(Diagnostic::error(
        s.span,
        format!(
            "no space left in {} {} for site {}: its segments need {} (a /{} block) and {} left{}",
            req.pool_name,
            fam.show(req.pool),
            s.name,
            show_size(fam, fam.size(fam.len_for(total))),
            fam.len_for(total),
            if free_n == 0 {
                String::from("none are")
            } else {
                format!("only {} are", show_size(fam, free_n))
            },
            match largest {
                Some(l) if free_n > 0 => format!(", the largest free block being a /{l}"),
                _ => String::new(),
            }
        ),
    )
    .with_hint(format!(
        "give {} a larger prefix, shrink `addressing.reserve`, or lower `hosts`/`growth`",
        req.pool_name
    )))
}
