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

use std::collections::BTreeMap;
use std::io::{self, Write};

use netkit_model::{Diagnostic, Topology};
use serde::Serialize;

use crate::{Plan, Route};

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
    Ok(DeferredPlan { plan })
}

/// The top of the document each table is serialized in, so that serde_json's own
/// pretty printer indents it exactly as inside the whole plan.
const OPEN: &[u8] = b"{\n  \"routes\": {\n";
const CLOSE: &[u8] = b"\n  }\n}";

#[derive(Serialize)]
struct Wrapper<'a> {
    routes: BTreeMap<&'a str, &'a [Route]>,
}

/// `    "hq.r1": [ ... ]`: one entry of `routes`, as in the whole plan's JSON.
fn entry_json(id: &str, table: &[Route]) -> Vec<u8> {
    let w = Wrapper {
        routes: BTreeMap::from([(id, table)]),
    };
    // Strings, numbers and addresses only: serde_json cannot fail on it.
    let mut bytes = serde_json::to_vec_pretty(&w).expect("routes serialize");
    debug_assert!(bytes.starts_with(OPEN) && bytes.ends_with(CLOSE));
    bytes.truncate(bytes.len() - CLOSE.len());
    bytes.drain(..OPEN.len());
    bytes
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
        let mut pending: Vec<u8> = Vec::with_capacity(1 << 20);
        let streamed = crate::routing::stream_tables(
            &self.plan,
            threads,
            |id, table| entry_json(id, &table),
            |entry| -> io::Result<()> {
                pending.extend_from_slice(if first { b"\n" } else { b",\n" });
                first = false;
                pending.extend_from_slice(&entry);
                if pending.len() >= 1 << 20 {
                    out.write_all(&pending)?;
                    pending.clear();
                }
                Ok(())
            },
        );
        match streamed {
            Ok(r) => r?,
            // Checked by `plan_deferred`: cannot happen; write an empty table set
            // rather than half a document.
            Err(_) => first = true,
        }
        out.write_all(&pending)?;
        if !first {
            out.write_all(b"\n  ")?;
        }
        out.write_all(b"}")?;
        out.write_all(tail)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}
