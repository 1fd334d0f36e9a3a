//! The plan JSON of a large network without the whole document in memory: the
//! routing tables (nearly all of the plan's bytes: 1,000 sites give ~2 M routes) are
//! computed on every core while the JSON is written, a few tables at a time, each
//! serialized on the thread that computed it. The bytes are exactly
//! [`Plan::to_json`]'s for the same topology (tested in `tests/stream_json.rs`).
//!
//! ```no_run
//! # fn f(topology: &netkit_model::Topology) -> std::io::Result<()> {
//! let deferred = netkit_plan::plan_deferred(topology, None).expect("valid topology");
//! deferred.write_json(std::io::stdout().lock(), 2)?;
//! # Ok(()) }
//! ```

use std::io::{self, Write};
use std::sync::Mutex;

use crate::{Plan, Route};
use netkit_model::{Diagnostic, Topology};

/// A plan whose routing tables are computed only when they are needed: written
/// straight to JSON ([`DeferredPlan::write_json`]) or filled in
/// ([`DeferredPlan::into_plan`]). Every error the tables could raise was checked
/// when it was made, so neither can fail for planning reasons.
#[derive(Debug, Clone)]
pub struct DeferredPlan {
    /// The plan with `routes` empty.
    plan: Plan,
}

/// Plan a checked topology like [`crate::plan`], leaving the routing tables for
/// later (see [`DeferredPlan`]).
///
/// # Errors
/// The same as [`crate::plan`].
pub fn plan_deferred(
    topology: &Topology,
    previous: Option<&Plan>,
) -> Result<DeferredPlan, Vec<Diagnostic>> {
    let mut plan = crate::address(topology, previous)?;
    crate::routing::fill_deferred(&mut plan, topology)?;
    // Switches, cables and Wi-Fi: small, planned here like in `crate::plan`.
    crate::layer2::fill(&mut plan, topology, previous)?;
    Ok(DeferredPlan { plan })
}

/// Output buffers handed back by the writer for the workers to fill again: a few
/// MB reused instead of a fresh allocation (and fresh pages) per routing table.
struct Pool(Mutex<Vec<Vec<u8>>>);

impl Pool {
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default()
    }

    fn give(&self, mut buf: Vec<u8>) {
        buf.clear();
        let mut p = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // More than the tables in flight is never needed.
        if p.len() < 64 {
            p.push(buf);
        }
    }
}

/// `,\n    "hq.r1": [ ... ]`: one entry of `routes`, as in the whole plan's JSON,
/// after the separator the writer needs unless it is the first entry.
fn entry_json(pool: &Pool, id: &str, table: &[Route]) -> Vec<u8> {
    let mut buf = pool.take();
    buf.extend_from_slice(b",\n");
    crate::routes_json::write_entry(&mut buf, id, table);
    buf
}

impl DeferredPlan {
    /// The plan without its routing tables (`routes` is empty).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The whole plan, routing tables computed (on every core).
    pub fn into_plan(self) -> Plan {
        let mut plan = self.plan;
        // Checked by `plan_deferred`: the tables can be computed.
        if let Ok(routes) = crate::routing::compute_tables(&plan) {
            plan.routes = routes;
        }
        plan
    }

    /// Write the plan JSON ([`Plan::to_json`]'s bytes, final newline included) to
    /// `out`, computing the routing tables on `threads` threads meanwhile. `out`
    /// is written in large pieces; wrap it in a `BufWriter` only for small writes.
    ///
    /// # Errors
    /// Writing to `out` failed (nothing more is computed or written).
    pub fn write_json(&self, mut out: impl Write, threads: usize) -> io::Result<()> {
        // The plan without routes is small (a few MB at 1,000 sites).
        let skeleton = serde_json::to_vec_pretty(&self.plan).expect("plan serializes");
        let marker: &[u8] = b"\n  \"routes\": {}";
        // Raw newlines only occur between JSON tokens (strings escape them), so the
        // top-level `routes` field is found by its indentation.
        let at = skeleton
            .windows(marker.len())
            .position(|w| w == marker)
            .expect("the plan JSON has a top-level routes field");
        let (head, tail) = skeleton.split_at(at + marker.len() - 1);
        let tail = &tail[1..];
        out.write_all(head)?;
        let mut first = true;
        let pool = Pool(Mutex::new(Vec::new()));
        let streamed = crate::routing::stream_tables(
            &self.plan,
            threads,
            |id, table| entry_json(&pool, id, &table),
            |entry| -> io::Result<()> {
                // Entries are large (hundreds of KB at 1,000 sites): written as they
                // are, no copy into another buffer.
                out.write_all(if first { &entry[1..] } else { &entry })?;
                first = false;
                pool.give(entry);
                Ok(())
            },
        );
        match streamed {
            Ok(r) => r?,
            // Checked by `plan_deferred`: cannot happen; write an empty table set
            // rather than half a document.
            Err(_) => first = true,
        }
        if !first {
            out.write_all(b"\n  ")?;
        }
        out.write_all(b"}")?;
        out.write_all(tail)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}
