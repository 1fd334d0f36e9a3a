//! Nested YAML anchors must not multiply memory: each anchored node used to be
//! stored as a full copy, so 600 KB of nested `&nX [...]` (no alias at all) took
//! gigabytes. The peak is measured with a counting allocator (this test binary's
//! global allocator), not with a clock.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const LIMIT: usize = 300 * 1024 * 1024;

/// Tests of this binary run on parallel threads and share the counters: one
/// measurement at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Peak bytes allocated above the level before `f` ran.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// 60 nested anchored lists with the scalars at the bottom: every anchor wraps
/// (nearly) the whole document, the worst case for copies of anchored nodes.
fn nested_anchors(target_bytes: usize, depth: usize) -> String {
    let scalars = target_bytes / 3;
    let mut s = String::with_capacity(target_bytes + 1024);
    s.push_str("root: ");
    for level in 0..depth {
        s.push_str(&format!("&n{level} ["));
    }
    for _ in 0..scalars {
        s.push_str("x, ");
    }
    s.push('x');
    for _ in 0..depth {
        s.push(']');
    }
    s.push('\n');
    s
}

#[test]
fn nested_anchors_without_aliases_stay_small() {
    let src = nested_anchors(600 * 1024, 60);
    assert!(src.len() > 590 * 1024 && src.len() < netkit_model::MAX_BYTES);
    let (parsed, peak) = peak_of(|| netkit_model::parse(src.as_bytes()));
    // Not a topology (no `name`, no `sites`), but refused cleanly.
    assert!(parsed.topology.is_none());
    assert!(!parsed.diagnostics.is_empty());
    assert!(
        peak < LIMIT,
        "parsing {} bytes of nested anchors peaked at {} MB",
        src.len(),
        peak / (1024 * 1024)
    );
}

/// The same nesting where every anchor is also used once: the copies now count
/// against the alias budget, so this is refused as an alias bomb, within bounds.
#[test]
fn nested_anchors_all_aliased_are_bounded() {
    let mut src = nested_anchors(600 * 1024, 60);
    src.push_str("uses: [");
    for level in 0..60 {
        src.push_str(&format!("*n{level}, "));
    }
    src.push_str("x]\n");
    let (parsed, peak) = peak_of(|| netkit_model::parse(src.as_bytes()));
    assert!(parsed.topology.is_none());
    assert!(
        parsed.diagnostics[0].message.contains("alias"),
        "{:?}",
        parsed.diagnostics[0]
    );
    assert!(peak < LIMIT, "peaked at {} MB", peak / (1024 * 1024));
}

/// A legitimate use of anchors and aliases still works, and is cheap.
#[test]
fn small_anchors_and_merge_keys_still_work() {
    let src = "name: t\naddressing: { ipv4: 10.0.0.0/8 }\n\
               defaults: &r { kind: router }\n\
               sites:\n  a:\n    devices: { r1: *r }\n    segments: { users: { vlan: 10, hosts: 10 } }\n";
    let (parsed, peak) = peak_of(|| netkit_model::parse(src.as_bytes()));
    // `defaults` is an unknown key, which is reported; the alias resolved.
    assert!(
        parsed
            .diagnostics
            .iter()
            .all(|d| !d.message.contains("alias")),
        "{:?}",
        parsed.diagnostics
    );
    assert!(peak < 16 * 1024 * 1024);
}
