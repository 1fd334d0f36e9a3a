//! Throughput tests: the netkit agent protocol and an iperf3-compatible client.
