//! Plan -> device configurations: FRR, Cisco IOS, Linux (ip -batch + nftables). Pure.
