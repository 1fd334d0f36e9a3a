//! The coordinator against agents on 127.0.0.0/8: checks go to the agent of their
//! source, results come back in playbook order with `agent`, and each fault
//! (agent down, wrong token, dropped mid-run, garbage, silent) turns exactly that
//! agent's unfinished checks into `error` verdicts naming it, within --timeout,
//! while the rest passes.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use netkit_agent::coordinator::{self, AgentEvent, Options};
use netkit_agent::proto::{self, Msg};
use netkit_bandwidth::auth::{hex, random_bytes};
use netkit_results::{CheckResult, Verdict};
use netkit_verify::playbook::{Check, TcpCheck};
use netkit_verify::{CheckContext, RunInfo};
use tokio::io::AsyncReadExt;

fn tcp(from: &str, port: u16) -> Check {
    Check::Tcp(TcpCheck {
        from: from.into(),
        to: vec!["127.0.0.1".into()],
        port,
    })
}

/// A fake agent that authenticates properly, then misbehaves: `mode` is `drop`
/// (closes after the first unit), `garbage` (answers junk) or `silent`.
async fn bad_agent(mode: &'static str) -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let Ok((mut s, _)) = l.accept().await else {
            return;
        };
        let t = Duration::from_secs(5);
        let mut m = [0u8; 8];
        if s.read_exact(&mut m).await.is_err() {
            return;
        }
        let nonce = random_bytes::<32>();
        let hello = Msg::Hello {
            proto: proto::PROTOCOL.into(),
            nonce: hex(&nonce),
            auth: "hmac-sha256".into(),
            limits: netkit_agent::ServerConfig::new(None).limits,
        };
        let _ = proto::write(&mut s, &hello, t).await;
        let Ok(Msg::Auth { client_nonce, .. }) = proto::read::<Msg, _>(&mut s, 4096, t).await
        else {
            return;
        };
        let cn = netkit_bandwidth::auth::unhex(&client_nonce).unwrap_or_default();
        let proof = hex(&token().prove(proto::AGENT_LABEL, &cn, &nonce));
        let _ = proto::write(&mut s, &Msg::Welcome { proof: Some(proof) }, t).await;
        let _ = proto::read::<Msg, _>(&mut s, 1 << 24, t).await; // session
        let _ = proto::read::<Msg, _>(&mut s, 1 << 20, t).await; // first run
        match mode {
            "garbage" => {
                use tokio::io::AsyncWriteExt;
                let _ = s.write_all(&7u32.to_be_bytes()).await;
                let _ = s.write_all(b"\x00junk!\xff").await;
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            "silent" => tokio::time::sleep(Duration::from_secs(60)).await,
            _ => {}
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_run_at_their_agents_and_faults_are_verdicts() {
    let good1 = agent_on("127.0.0.1", Some(token()), &["127.0.0.0/8"]).await;
    let good2 = agent_on("127.0.0.2", Some(token()), &["127.0.0.0/8"]).await;
    let wrong = agent_on("127.0.0.3", Some(other_token()), &["127.0.0.0/8"]).await;
    // Nothing listens here.
    let down: SocketAddr = {
        let l = std::net::TcpListener::bind("127.0.0.4:0").unwrap();
        l.local_addr().unwrap()
    };
    let dropper = bad_agent("drop").await;
    let garbage = bad_agent("garbage").await;
    let silent = bad_agent("silent").await;
    let open = service("127.0.0.1").await;

    let agents: BTreeMap<String, SocketAddr> = [
        ("lyon.users", good1.addr),
        ("marseille.users", good2.addr),
        ("marseille.voice", wrong.addr),
        ("hq.guests", down),
        ("hq.servers", dropper),
        ("hq.r1", garbage),
        ("lyon.r1", silent),
    ]
    .into_iter()
    .map(|(n, a)| (n.to_string(), a))
    .collect();
    let checks = vec![
        tcp("lyon.users", open),
        tcp("marseille.voice", open),
        tcp("marseille.users", open),
        tcp("hq.guests", open),
        tcp("hq.servers", open),
        tcp("hq.servers", open),
        tcp("hq.r1", open),
        tcp("lyon.r1", open),
        tcp("lyon.users", open),
        // No agent, not this machine.
        tcp("marseille.r1", open),
    ];
    let mut ctx = CheckContext::live(Arc::new(plan()));
    ctx.run_deadline = Some(std::time::Instant::now() + Duration::from_secs(8));
    let mut opts = Options::new(Some(token()), agents);
    opts.idle_timeout = Duration::from_secs(30);
    let info = RunInfo {
        name: "loopback".into(),
        ..Default::default()
    };
    let seen = Mutex::new(0usize);
    let events = Mutex::new(Vec::new());
    let on_result = |_: &CheckResult| *seen.lock().unwrap() += 1;
    let on_agent = |e: &AgentEvent| events.lock().unwrap().push(e.clone());
    let started = Instant::now();
    let out = coordinator::run(&ctx, &info, &checks, &opts, &on_result, &on_agent).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(11), "took {took:?}");
    let r = &out.results.results;
    assert_eq!(r.len(), checks.len());
    assert_eq!(*seen.lock().unwrap(), checks.len());
    let show: Vec<String> = r
        .iter()
        .map(|x| {
            format!(
                "{} {:?} {:?}: {:?}",
                x.verdict.as_str(),
                x.from,
                x.agent,
                x.reason
            )
        })
        .collect();
    let reason = |i: usize| r[i].reason.clone().unwrap_or_default();
    // Playbook order is kept.
    let froms: Vec<&str> = r.iter().map(|x| x.from.as_deref().unwrap()).collect();
    assert_eq!(
        froms,
        [
            "lyon.users",
            "marseille.voice",
            "marseille.users",
            "hq.guests",
            "hq.servers",
            "hq.servers",
            "hq.r1",
            "lyon.r1",
            "lyon.users",
            "marseille.r1"
        ]
    );
    // The good agents ran theirs, and say so.
    for i in [0, 2, 8] {
        assert_eq!(r[i].verdict, Verdict::Pass, "{show:#?}");
    }
    assert_eq!(r[0].agent.as_deref(), Some(good1.addr.to_string().as_str()));
    assert_eq!(r[2].agent.as_deref(), Some(good2.addr.to_string().as_str()));
    // Each fault: error naming the agent and the cause.
    let expect = [
        (1, wrong.addr, "refused the token"),
        (3, down, "cannot be reached"),
        (6, garbage, "garbage"),
        (7, silent, "time limit"),
    ];
    for (i, addr, cause) in expect {
        assert_eq!(r[i].verdict, Verdict::Error, "{show:#?}");
        assert!(reason(i).contains(&addr.to_string()), "{show:#?}");
        assert!(reason(i).contains(cause), "{i}: {show:#?}");
    }
    for i in [4, 5] {
        assert_eq!(r[i].verdict, Verdict::Error, "{show:#?}");
        assert!(reason(i).contains(&dropper.to_string()), "{show:#?}");
        assert!(reason(i).contains("dropped the connection"), "{show:#?}");
    }
    assert_eq!(r[9].verdict, Verdict::Error);
    assert!(
        reason(9).contains("needs an agent at marseille"),
        "{show:#?}"
    );
    assert_eq!(out.agents_failed, 5);
    let ev = events.lock().unwrap();
    assert!(ev.contains(&AgentEvent::Finished(good1.addr)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_without_agents_can_be_left_out() {
    let good = agent_on("127.0.0.1", Some(token()), &["127.0.0.0/8"]).await;
    let open = service("127.0.0.1").await;
    let agents: BTreeMap<String, SocketAddr> = [("lyon.users".to_string(), good.addr)]
        .into_iter()
        .collect();
    let checks = vec![
        tcp("lyon.users", open),
        tcp("marseille.users", open),
        tcp("hq.users", open),
    ];
    let ctx = CheckContext::live(Arc::new(plan()));
    let mut opts = Options::new(Some(token()), agents);
    opts.skip_unreachable = true;
    let out = coordinator::run(&ctx, &RunInfo::default(), &checks, &opts, &|_| {}, &|_| {}).await;
    assert_eq!(out.results.results.len(), 1);
    assert_eq!(out.results.results[0].verdict, Verdict::Pass);
    assert_eq!(out.left_out, 2);
    assert_eq!(out.left_out_sources, ["marseille.users", "hq.users"]);
}
