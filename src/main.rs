//! `netkit`: plan, build, verify and document a multi-site network from one topology.
//! The command lives in the library `netkit-cli` (crates/netkit-cli); this is its binary.

fn main() -> std::process::ExitCode {
    netkit_cli::main()
}
