//! The `agents:` key of a playbook: values parsed with their position, nodes
//! checked against the plan.

use std::path::Path;

use netkit_verify::playbook;

fn plan() -> netkit_plan::Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../inventories/acme.yaml");
    let parsed = netkit_model::parse(&std::fs::read(path).unwrap());
    netkit_plan::plan(&parsed.topology.unwrap(), None).unwrap()
}

#[test]
fn agents_are_parsed_with_default_port() {
    let text = "topology: ../inventories/acme.yaml\ntarget: live\nagents:\n  lyon.users: 10.2.0.250\n  marseille.users: 10.2.1.250:6000\nchecks:\n  - reach: { from: lyon.users, to: hq.users }\n";
    let pb = playbook::parse(Path::new("playbooks/live.yaml"), text).unwrap();
    let got: Vec<(String, String)> = pb
        .agents
        .iter()
        .map(|a| (a.node.clone(), a.addr.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("lyon.users".to_string(), "10.2.0.250:5301".to_string()),
            ("marseille.users".to_string(), "10.2.1.250:6000".to_string())
        ]
    );
    assert!(playbook::validate(&pb, &plan()).is_empty());
}

#[test]
fn bad_agent_values_and_unknown_nodes_are_located() {
    let text = "topology: ../inventories/acme.yaml\ntarget: live\nagents:\n  lyon.users: lyon-host\n  marseille.users: 10.2.1.250:0\nchecks:\n  - reach: { from: lyon.users, to: hq.users }\n";
    let errors = playbook::parse(Path::new("live.yaml"), text).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let first = errors[0].to_string();
    assert!(
        first.starts_with("live.yaml:4:15: error: agents: lyon.users:"),
        "{first}"
    );
    assert!(first.contains("ADDR:PORT"), "{first}");
    assert!(
        errors[1].to_string().contains("live.yaml:5:"),
        "{}",
        errors[1]
    );

    let text = "topology: ../inventories/acme.yaml\ntarget: live\nagents:\n  lyon.userz: 10.2.0.250\nchecks:\n  - reach: { from: lyon.users, to: hq.users }\n";
    let pb = playbook::parse(Path::new("live.yaml"), text).unwrap();
    let errors = playbook::validate(&pb, &plan());
    assert_eq!(errors.len(), 1);
    let e = errors[0].to_string();
    assert!(
        e.starts_with("live.yaml:4:15: error: agents: `lyon.userz`"),
        "{e}"
    );
    assert!(e.contains("hint:"), "{e}");
}
