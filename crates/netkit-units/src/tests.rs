use super::*;

#[test]
fn rates() {
    for (t, v) in [
        ("100Mbps", 100_000_000),
        ("100mbps", 100_000_000),
        ("100 Mbit/s", 100_000_000),
        ("1Gbps", 1_000_000_000),
        ("1.5Gbps", 1_500_000_000),
        ("1,5 Gbit/s", 1_500_000_000),
        ("10M", 10_000_000),
        ("512kbps", 512_000),
        ("512Kb", 512_000),
        ("2000000", 2_000_000),
        ("90 mbit/s", 90_000_000),
    ] {
        assert_eq!(parse_rate(t), Ok(v), "{t}");
    }
    assert_eq!(
        parse_rate("90MBps").unwrap_err().to_string(),
        "`90MBps` is bytes per second, and netkit reads rates in bits per second: write 720Mbps"
    );
    assert!(
        matches!(parse_rate("1.5kB/s"), Err(UnitError::Bytes { bits, .. }) if bits == "12kbps")
    );
    for t in [
        "fast",
        "",
        "Mbps",
        "10 parsecs",
        "1.2.3M",
        "-5M",
        "10Mibps",
        "1e9",
    ] {
        assert!(matches!(parse_rate(t), Err(UnitError::Rate { .. })), "{t}");
    }
    for t in ["0Mbps", "0.1bps", "2000Tbps"] {
        assert!(
            matches!(parse_rate(t), Err(UnitError::RateRange { .. })),
            "{t}"
        );
    }
}

#[test]
fn durations() {
    for (t, ms) in [
        ("5s", 5000),
        ("500ms", 500),
        ("1.5s", 1500),
        ("2m", 120_000),
        ("2min", 120_000),
        ("1h", 3_600_000),
        ("3", 3000),
        ("0s", 0),
        ("0,5s", 500),
    ] {
        assert_eq!(parse_duration(t), Ok(Duration::from_millis(ms)), "{t}");
    }
    for t in ["soon", "-1s", "5 sec", "25h", "5S", ""] {
        assert!(
            matches!(parse_duration(t), Err(UnitError::Duration { .. })),
            "{t}"
        );
    }
    assert!(matches!(
        parse_positive_duration("0ms"),
        Err(UnitError::ZeroDuration { .. })
    ));
    assert_eq!(parse_positive_duration("1m"), Ok(Duration::from_secs(60)));
}

#[test]
fn display_reads_back() {
    assert_eq!(format_rate(100e6), "100 Mbit/s");
    assert_eq!(format_rate(1.25e6), "1.25 Mbit/s");
    assert_eq!(format_rate(94.123e6), "94.12 Mbit/s");
    assert_eq!(format_rate(2.5e9), "2.5 Gbit/s");
    assert_eq!(format_rate(512.0), "512 bit/s");
    for bps in [
        1u64,
        999,
        512_000,
        100_000_000,
        1_500_000_000,
        40_000_000_000,
    ] {
        let shown = format_rate(bps as f64)
            .replace(' ', "")
            .replace("bit/s", "bps");
        assert_eq!(parse_rate(&shown), Ok(bps), "{shown}");
    }
    for ms in [0u64, 250, 1500, 5000, 120_000, 3_600_000] {
        let d = Duration::from_millis(ms);
        assert_eq!(
            parse_duration(&format_duration(d)),
            Ok(d),
            "{}",
            format_duration(d)
        );
    }
}

#[test]
fn expansion() {
    let env = |n: &str| match n {
        "A" => Some("x".to_string()),
        "EMPTY" => Some(String::new()),
        _ => None,
    };
    assert_eq!(expand("p-${A}-${A}", "f", &env).as_deref(), Ok("p-x-x"));
    assert_eq!(expand("plain $A", "f", &env).as_deref(), Ok("plain $A"));
    assert_eq!(
        expand("${B}", "snmp.community", &env)
            .unwrap_err()
            .to_string(),
        "snmp.community refers to ${B}, which is not set in the environment: export B before running netkit"
    );
    assert!(matches!(
        expand("${EMPTY}", "f", &env),
        Err(UnitError::Unset { .. })
    ));
    assert!(matches!(
        expand("a ${A", "f", &env),
        Err(UnitError::Unclosed { .. })
    ));
    assert!(matches!(
        expand("${1X}", "f", &env),
        Err(UnitError::BadName { .. })
    ));
    assert!(matches!(
        expand("${A B}", "f", &env),
        Err(UnitError::BadName { .. })
    ));
}

#[test]
fn delays_and_percents() {
    assert_eq!(parse_millis("50ms"), Some(50.0));
    assert_eq!(parse_millis("0,5 ms"), Some(0.5));
    assert_eq!(parse_millis("1s"), Some(1000.0));
    assert_eq!(parse_millis("20"), Some(20.0));
    assert_eq!(parse_millis("61s"), None);
    assert_eq!(parse_millis("-1ms"), None);
    assert_eq!(parse_millis("fast"), None);
    assert_eq!(parse_millis("NaN"), None);
    assert_eq!(parse_percent("1%"), Some(1.0));
    assert_eq!(parse_percent("0,5 %"), Some(0.5));
    assert_eq!(parse_percent("100"), Some(100.0));
    assert_eq!(parse_percent("101%"), None);
    assert_eq!(parse_percent("inf"), None);
}
