//! SNMP client (v2c, v3 authPriv) and drift detection of a device against the plan.
//!
//! What it is: our own BER codec and USM ([`ber`], [`pdu`], [`usm`]: checked
//! parsers that never panic), an async client on tokio with timeouts, retries
//! and bounded GETBULK walks ([`client`]), readers of IF-MIB, IP-MIB and
//! IP-FORWARD-MIB ([`device`]), and the comparison of what a device reports with
//! what the plan says ([`drift`]).
//!
//! What it is not: an agent, a trap receiver, or a MIB compiler. It never
//! prints, logs or returns secrets: [`Credentials`] redacts itself.

pub mod ber;
pub mod client;
pub mod credentials;
pub mod device;
pub mod drift;
pub mod mib;
pub mod oid;
pub mod pdu;
mod security;
pub mod usm;

pub use client::{Client, Target, WalkLimits};
pub use credentials::Credentials;
pub use device::DeviceState;
pub use drift::{Difference, DriftReport, Expectation};
pub use oid::Oid;
pub use pdu::{Value, VarBind};
