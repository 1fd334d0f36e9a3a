//! Async probes on tokio: ICMP, TCP, DNS, path. Each takes a deadline and always returns a figure.
