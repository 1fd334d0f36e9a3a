//! Every device's routing table on several threads, handed over in device-id order
//! (the order of `plan.routes`), with a bounded number of tables in flight: the
//! whole set of tables of a large network never has to sit in memory at once (the
//! JSON writer streams them, `stream.rs`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use netkit_model::{Diagnostic, Topology};

use super::tables::{Spt, Tables};
use crate::{Plan, Route};

/// Devices per unit of work: enough to amortize the hand-over, small enough to keep
/// the work balanced and the memory in flight low.
const BATCH: usize = 4;

/// Batches computed ahead of the one `sink` waits for, per thread.
const AHEAD_PER_THREAD: usize = 4;

struct Shared<T> {
    /// Finished batches not yet handed to the sink, by batch number.
    ready: BTreeMap<usize, Vec<T>>,
    /// Batches handed to the sink so far.
    handed: usize,
    /// The sink failed: workers stop.
    stop: bool,
}

/// Compute the table of every device of `t` on `threads` threads. `work` turns a
/// table into what the sink needs (on the worker thread: e.g. its JSON); `sink`
/// receives the results in device-id order on the calling thread. Stops at the
/// first error of `sink` and returns it.
pub(super) fn in_order<T, E>(
    t: &Tables<'_>,
    threads: usize,
    work: impl Fn(&str, Vec<Route>) -> T + Sync,
    mut sink: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
{
    let nodes = t.nodes();
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_unstable_by_key(|&i| nodes[i]);
    let batches = order.len().div_ceil(BATCH);
    let threads = threads.clamp(1, batches.max(1));
    if threads == 1 {
        let mut spt = Spt::new();
        for &src in &order {
            sink(work(nodes[src], t.table(src, &mut spt)))?;
        }
        return Ok(());
    }
    let window = threads * AHEAD_PER_THREAD;
    let next = AtomicUsize::new(0);
    let shared = Mutex::new(Shared {
        ready: BTreeMap::new(),
        handed: 0,
        stop: false,
    });
    let changed = Condvar::new();
    let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                // A worker that panics stops the others and wakes the sink, so that
                // the scope ends and re-raises the panic instead of waiting forever.
                struct OnPanic<'s, T>(&'s Mutex<Shared<T>>, &'s Condvar);
                impl<T> Drop for OnPanic<'_, T> {
                    fn drop(&mut self) {
                        if std::thread::panicking() {
                            self.0.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
                            self.1.notify_all();
                        }
                    }
                }
                let _guard = OnPanic(&shared, &changed);
                let mut spt = Spt::new();
                loop {
                    let b = next.fetch_add(1, Ordering::Relaxed);
                    if b >= batches {
                        return;
                    }
                    // Wait until the batch is within the window of the sink.
                    {
                        let mut s = lock();
                        while !s.stop && b >= s.handed + window {
                            s = changed.wait(s).unwrap_or_else(|e| e.into_inner());
                        }
                        if s.stop {
                            return;
                        }
                    }
                    let out: Vec<T> = order[b * BATCH..((b + 1) * BATCH).min(order.len())]
                        .iter()
                        .map(|&src| work(nodes[src], t.table(src, &mut spt)))
                        .collect();
                    lock().ready.insert(b, out);
                    changed.notify_all();
                }
            });
        }
        let mut result = Ok(());
        for b in 0..batches {
            let items = {
                let mut s = lock();
                loop {
                    if let Some(v) = s.ready.remove(&b) {
                        break Some(v);
                    }
                    if s.stop {
                        break None;
                    }
                    s = changed.wait(s).unwrap_or_else(|e| e.into_inner());
                }
            };
            // A worker panicked: the scope re-raises it.
            let Some(items) = items else { break };
            for item in items {
                if let Err(e) = sink(item) {
                    result = Err(e);
                    break;
                }
            }
            let mut s = lock();
            if result.is_err() {
                s.stop = true;
            } else {
                s.handed = b + 1;
            }
            drop(s);
            changed.notify_all();
            if result.is_err() {
                break;
            }
        }
        result
    })
}

/// Compute every layer-3 device's table, on every core (in device-id order, see `in_order`).
pub(super) fn compute(
    plan: &Plan,
    topology: Option<&Topology>,
) -> Result<BTreeMap<String, Vec<Route>>, Vec<Diagnostic>> {
    let t = Tables::new(plan, topology)?;
    let mut out = BTreeMap::new();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let done: Result<(), std::convert::Infallible> = in_order(
        &t,
        threads,
        |id, table| (id.to_string(), table),
        |(id, table)| {
            out.insert(id, table);
            Ok(())
        },
    );
    let Ok(()) = done;
    Ok(out)
}
