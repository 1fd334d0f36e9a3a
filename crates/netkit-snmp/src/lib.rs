//! SNMP client (v2c, v3 authPriv) and drift detection of a device against the plan.
