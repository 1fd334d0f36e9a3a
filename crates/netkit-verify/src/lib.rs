//! Acceptance playbooks, checks derived from the plan, verdicts; drives the probes.
