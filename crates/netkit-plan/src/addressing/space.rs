//! Address space bookkeeping shared by IPv4 and IPv6.
//!
//! A prefix is a [`Block`]: a start address and a length, both families held in a
//! `u128` (IPv4 addresses use the low 32 bits). A [`Space`] is a sorted set of
//! non-overlapping taken ranges; the planner keeps several of them (reserves and
//! pins, site blocks, links, loopbacks, pool fences) and asks for the lowest (or
//! highest) aligned free block that none of them touches.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

/// An address family: 32 or 128 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fam {
    pub bits: u8,
}

impl Fam {
    pub const V4: Fam = Fam { bits: 32 };
    pub const V6: Fam = Fam { bits: 128 };

    /// Host bits of a prefix of length `len`, as a mask.
    pub fn mask(self, len: u8) -> u128 {
        let host = u32::from(self.bits.saturating_sub(len));
        if host >= 128 {
            u128::MAX
        } else {
            (1u128 << host) - 1
        }
    }

    /// Number of addresses in a prefix of length `len`, saturating at `u128::MAX`.
    pub fn size(self, len: u8) -> u128 {
        self.mask(len).saturating_add(1)
    }

    pub fn last(self, b: Block) -> u128 {
        b.start | self.mask(b.len)
    }

    /// The prefix of length `len` that contains `b` (`len <= b.len`).
    pub fn supernet(self, b: Block, len: u8) -> Block {
        Block {
            start: b.start & !self.mask(len),
            len,
        }
    }

    pub fn contains(self, outer: Block, inner: Block) -> bool {
        outer.len <= inner.len && self.supernet(inner, outer.len).start == outer.start
    }

    pub fn overlaps(self, a: Block, b: Block) -> bool {
        a.start <= self.last(b) && b.start <= self.last(a)
    }

    /// Smallest prefix containing both blocks.
    pub fn hull(self, a: Block, b: Block) -> Block {
        let mut len = a.len.min(b.len);
        loop {
            let sa = self.supernet(a, len);
            if sa.start == self.supernet(b, len).start || len == 0 {
                return sa;
            }
            len -= 1;
        }
    }

    /// Length of the smallest prefix holding `n` addresses (`n >= 1`).
    pub fn len_for(self, n: u128) -> u8 {
        let mut len = self.bits;
        while len > 0 && self.size(len) < n {
            len -= 1;
        }
        len
    }

    /// Human text of a block: `10.1.0.0/16`, `fd00:ac::/56`.
    pub fn show(self, b: Block) -> String {
        if self.bits == 32 {
            to_v4(b).to_string()
        } else {
            to_v6(b).to_string()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Block {
    pub start: u128,
    pub len: u8,
}

pub(crate) fn from_v4(n: Ipv4Net) -> Block {
    Block {
        start: u128::from(u32::from(n.network())),
        len: n.prefix_len(),
    }
}

pub(crate) fn from_v6(n: Ipv6Net) -> Block {
    Block {
        start: u128::from(n.network()),
        len: n.prefix_len(),
    }
}

pub(crate) fn v4_addr(a: u128) -> Ipv4Addr {
    // IPv4 blocks only ever hold values below 2^32: the planner builds them from
    // `Ipv4Net`s and allocates inside them.
    Ipv4Addr::from(a as u32)
}

pub(crate) fn v6_addr(a: u128) -> Ipv6Addr {
    Ipv6Addr::from(a)
}

pub(crate) fn to_v4(b: Block) -> Ipv4Net {
    // Lengths come from valid prefixes or from allocations bounded by them.
    Ipv4Net::new(v4_addr(b.start), b.len.min(32)).unwrap_or_default()
}

pub(crate) fn to_v6(b: Block) -> Ipv6Net {
    Ipv6Net::new(v6_addr(b.start), b.len.min(128)).unwrap_or_default()
}

/// Who holds a taken range: used to ignore a site's own pins when placing it, and to
/// name the other party in conflict errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Reserve(usize),
    Site(usize),
    Segment(usize, usize),
    Link(usize),
    Loopback,
    WanPool,
    LoopbackPool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Interval {
    pub first: u128,
    pub last: u128,
    pub owner: Owner,
}

/// Sorted, non-overlapping taken ranges.
#[derive(Debug, Clone, Default)]
pub(crate) struct Space {
    ivs: Vec<Interval>,
}

impl Space {
    pub fn new() -> Space {
        Space::default()
    }

    /// Take `[first, last]`. The caller checked that it is free in this space.
    pub fn insert(&mut self, first: u128, last: u128, owner: Owner) {
        let at = self.ivs.partition_point(|iv| iv.first < first);
        debug_assert!(self.conflict(first, last, |_| false).is_none());
        self.ivs.insert(at, Interval { first, last, owner });
    }

    pub fn insert_block(&mut self, fam: Fam, b: Block, owner: Owner) {
        self.insert(b.start, fam.last(b), owner);
    }

    /// Take `[first, last]`, merging with whatever overlaps it (for reserves, which
    /// may overlap each other).
    pub fn insert_merging(&mut self, mut first: u128, mut last: u128, owner: Owner) {
        let mut keep_owner = owner;
        let i = self.ivs.partition_point(|iv| iv.last < first);
        while i < self.ivs.len() && self.ivs[i].first <= last {
            let iv = self.ivs.remove(i);
            if iv.first < first {
                keep_owner = iv.owner;
            }
            first = first.min(iv.first);
            last = last.max(iv.last);
        }
        self.ivs.insert(
            i,
            Interval {
                first,
                last,
                owner: keep_owner,
            },
        );
    }

    /// The first taken range overlapping `[first, last]` whose owner is not ignored.
    pub fn conflict(
        &self,
        first: u128,
        last: u128,
        ignore: impl Fn(Owner) -> bool,
    ) -> Option<Interval> {
        let mut i = self.ivs.partition_point(|iv| iv.last < first);
        while i < self.ivs.len() && self.ivs[i].first <= last {
            if !ignore(self.ivs[i].owner) {
                return Some(self.ivs[i]);
            }
            i += 1;
        }
        None
    }

    pub fn iter(&self) -> impl Iterator<Item = &Interval> {
        self.ivs.iter()
    }
}

fn conflict_in(
    spaces: &[&Space],
    first: u128,
    last: u128,
    ignore: &dyn Fn(Owner) -> bool,
) -> Option<Interval> {
    spaces.iter().find_map(|s| s.conflict(first, last, ignore))
}

/// Is the block free in every space (ignoring the owners `ignore` accepts)?
pub(crate) fn first_conflict(
    fam: Fam,
    b: Block,
    spaces: &[&Space],
    ignore: &dyn Fn(Owner) -> bool,
) -> Option<Interval> {
    conflict_in(spaces, b.start, fam.last(b), ignore)
}

/// Lowest aligned free block of length `len` inside `[lo, hi]`.
pub(crate) fn find_lowest(
    fam: Fam,
    lo: u128,
    hi: u128,
    len: u8,
    spaces: &[&Space],
    ignore: &dyn Fn(Owner) -> bool,
) -> Option<Block> {
    let mask = fam.mask(len);
    let align_up = |x: u128| -> Option<u128> {
        if x & mask == 0 {
            Some(x)
        } else {
            (x | mask).checked_add(1)
        }
    };
    let mut cand = align_up(lo)?;
    loop {
        let end = cand.checked_add(mask)?;
        if end > hi {
            return None;
        }
        match conflict_in(spaces, cand, end, ignore) {
            None => return Some(Block { start: cand, len }),
            Some(iv) => cand = align_up(iv.last.checked_add(1)?)?,
        }
    }
}

/// Highest aligned free block of length `len` inside `[lo, hi]`.
pub(crate) fn find_highest(
    fam: Fam,
    lo: u128,
    hi: u128,
    len: u8,
    spaces: &[&Space],
    ignore: &dyn Fn(Owner) -> bool,
) -> Option<Block> {
    let mask = fam.mask(len);
    let mut cand = hi.checked_sub(mask)? & !mask;
    loop {
        if cand < lo {
            return None;
        }
        let end = cand + mask;
        match conflict_in(spaces, cand, end, ignore) {
            None => return Some(Block { start: cand, len }),
            Some(iv) => {
                // The next candidate ends before the conflicting range starts.
                let below = iv.first.checked_sub(1)?;
                cand = below.checked_sub(mask)? & !mask;
            }
        }
    }
}

/// Free addresses in `[lo, hi]` and the longest free aligned block there (its
/// length), for exhaustion errors.
pub(crate) fn free_stats(fam: Fam, lo: u128, hi: u128, spaces: &[&Space]) -> (u128, Option<u8>) {
    let mut taken: Vec<(u128, u128)> = spaces
        .iter()
        .flat_map(|s| s.iter())
        .filter(|iv| iv.last >= lo && iv.first <= hi)
        .map(|iv| (iv.first.max(lo), iv.last.min(hi)))
        .collect();
    taken.sort_unstable();
    let mut free: u128 = 0;
    let mut best: Option<u8> = None;
    let mut cursor = Some(lo);
    let mut gap = |a: u128, b: u128| {
        free = free.saturating_add(b - a).saturating_add(1);
        let l = largest_aligned(fam, a, b);
        best = Some(best.map_or(l, |x: u8| x.min(l)));
    };
    for (a, b) in taken {
        if let Some(c) = cursor {
            if a > c {
                gap(c, a - 1);
            }
            cursor = if b >= c { b.checked_add(1) } else { Some(c) };
        }
    }
    if let Some(c) = cursor
        && c <= hi
    {
        gap(c, hi);
    }
    (free, best)
}

/// Shortest prefix length of an aligned block inside `[a, b]`.
fn largest_aligned(fam: Fam, a: u128, b: u128) -> u8 {
    let mut len = 0u8;
    while len < fam.bits {
        let mask = fam.mask(len);
        let start = if a & mask == 0 {
            Some(a)
        } else {
            (a | mask).checked_add(1)
        };
        if let Some(s) = start
            && let Some(e) = s.checked_add(mask)
            && e <= b
        {
            return len;
        }
        len += 1;
    }
    fam.bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_skips_taken_and_aligns() {
        let fam = Fam::V4;
        let mut s = Space::new();
        s.insert(0, 9, Owner::Loopback);
        let b = find_lowest(fam, 0, 255, 28, &[&s], &|_| false).unwrap();
        assert_eq!(b, Block { start: 16, len: 28 });
        let h = find_highest(fam, 0, 255, 28, &[&s], &|_| false).unwrap();
        assert_eq!(
            h,
            Block {
                start: 240,
                len: 28
            }
        );
        s.insert(240, 255, Owner::WanPool);
        let h = find_highest(fam, 0, 255, 28, &[&s], &|_| false).unwrap();
        assert_eq!(
            h,
            Block {
                start: 224,
                len: 28
            }
        );
        assert!(find_lowest(fam, 0, 255, 24, &[&s], &|_| false).is_none());
        let (free, best) = free_stats(fam, 0, 255, &[&s]);
        assert_eq!(free, 256 - 10 - 16);
        assert_eq!(best, Some(26));
    }

    #[test]
    fn merging_reserves() {
        let mut s = Space::new();
        s.insert_merging(10, 20, Owner::Reserve(0));
        s.insert_merging(15, 30, Owner::Reserve(1));
        s.insert_merging(40, 50, Owner::Reserve(2));
        assert_eq!(s.iter().count(), 2);
        assert!(s.conflict(31, 39, |_| false).is_none());
        assert!(s.conflict(30, 39, |_| false).is_some());
    }

    #[test]
    fn v6_sizes_do_not_overflow() {
        let fam = Fam::V6;
        assert_eq!(fam.mask(0), u128::MAX);
        assert_eq!(fam.size(0), u128::MAX);
        assert_eq!(fam.len_for(1), 128);
        assert_eq!(fam.len_for(1 << 64), 64);
        assert_eq!(fam.len_for((1 << 64) + 1), 63);
    }
}
