//! Every piece of text the documents print, in French and English, and the
//! locale-specific formatting of numbers, dates, durations and bandwidths.
//!
//! The catalog is one macro invocation: a key cannot exist in one language and not in
//! the other, and a test checks that no entry is empty and that both languages use
//! the same `{placeholders}`.

use chrono::{DateTime, NaiveDate, Utc};

/// Language of the documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// French (the default: the certification deliverables are in French).
    #[default]
    Fr,
    En,
}

impl Lang {
    /// `fr` or `en`, as in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// Parse `fr` or `en` (case-insensitive; `fr-FR`, `en_GB` too).
    pub fn parse(s: &str) -> Option<Lang> {
        let l = s.trim().to_ascii_lowercase();
        let base = l.split(['-', '_']).next().unwrap_or("");
        match base {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The text of a catalog key.
    pub fn t(self, k: K) -> &'static str {
        match self {
            Lang::Fr => k.fr(),
            Lang::En => k.en(),
        }
    }

    /// The text of a key with `{name}` placeholders replaced.
    ///
    /// `{name:singular|plural}` picks a form by the number in `name`: French takes
    /// the singular for 0 and 1, English for 1 only ("0 route", "0 routes").
    pub fn f(self, k: K, args: &[(&str, &str)]) -> String {
        let mut s = self.t(k).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            let Ok(n) = digits.parse::<u64>() else {
                continue;
            };
            let one = match self {
                Lang::Fr => n <= 1,
                Lang::En => n == 1,
            };
            let open = format!("{{{name}:");
            while let Some(a) = s.find(&open) {
                let Some(b) = s[a..].find('}').map(|b| a + b) else {
                    break;
                };
                let inner = &s[a + open.len()..b];
                let (sing, plur) = inner.split_once('|').unwrap_or((inner, inner));
                let pick = if one { sing } else { plur }.to_string();
                s.replace_range(a..=b, &pick);
            }
        }
        s
    }

    /// Thousands separator: a narrow no-break space in French, a comma in English.
    fn group_sep(self) -> &'static str {
        match self {
            Lang::Fr => "\u{202F}",
            Lang::En => ",",
        }
    }

    /// Space between a number and its unit: no-break in French.
    pub fn unit_sep(self) -> &'static str {
        match self {
            Lang::Fr => "\u{00A0}",
            Lang::En => " ",
        }
    }

    /// `1 000 000` (fr) or `1,000,000` (en).
    pub fn int(self, n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + 8);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(self.group_sep());
            }
            out.push(c);
        }
        out
    }

    /// A decimal number with at most `places` decimals, trailing zeros removed:
    /// `2,5` (fr) or `2.5` (en).
    pub fn dec(self, x: f64, places: usize) -> String {
        if !x.is_finite() {
            return "—".to_string();
        }
        let neg = x < 0.0;
        let s = format!("{:.*}", places, x.abs());
        let (int_part, frac) = match s.split_once('.') {
            Some((i, f)) => (i.to_string(), f.trim_end_matches('0').to_string()),
            None => (s.clone(), String::new()),
        };
        let int_val: u64 = int_part.parse().unwrap_or(0);
        let mut out = String::new();
        if neg && (int_val > 0 || !frac.is_empty()) {
            out.push('-');
        }
        out.push_str(&self.int(int_val));
        if !frac.is_empty() {
            out.push(match self {
                Lang::Fr => ',',
                Lang::En => '.',
            });
            out.push_str(&frac);
        }
        out
    }

    /// `25 %` (fr, narrow no-break space) or `25%` (en).
    pub fn percent(self, x: f64) -> String {
        match self {
            Lang::Fr => format!("{}\u{202F}%", self.dec(x, 1)),
            Lang::En => format!("{}%", self.dec(x, 1)),
        }
    }

    /// A bandwidth for people: `100 Mbit/s`, `2,5 Gbit/s`.
    pub fn bandwidth(self, bps: u64) -> String {
        let (v, unit) = scale_bps(bps as f64);
        format!("{}{}{}", self.dec(v, 2), self.unit_sep(), unit)
    }

    /// Same as [`Lang::bandwidth`] for measured (fractional) values.
    pub fn bandwidth_f(self, bps: f64) -> String {
        let (v, unit) = scale_bps(bps);
        format!("{}{}{}", self.dec(v, 1), self.unit_sep(), unit)
    }

    /// `29/11/2026` (fr) or `2026-11-29` (en).
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Lang::Fr => d.format("%d/%m/%Y").to_string(),
            Lang::En => d.format("%Y-%m-%d").to_string(),
        }
    }

    /// `01/12/2026 14:02:11 UTC` (fr) or `2026-12-01 14:02:11 UTC` (en).
    pub fn datetime(self, t: DateTime<Utc>) -> String {
        match self {
            Lang::Fr => t.format("%d/%m/%Y %H:%M:%S UTC").to_string(),
            Lang::En => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        }
    }

    /// `14:02:11`.
    pub fn time(self, t: DateTime<Utc>) -> String {
        t.format("%H:%M:%S").to_string()
    }

    /// A duration for people: `8 s`, `3 min 12 s`, `1 h 05 min`, `2 j 3 h` / `2 d 3 h`.
    pub fn duration(self, seconds: i64) -> String {
        let sep = self.unit_sep();
        let neg = seconds < 0;
        let s = seconds.unsigned_abs();
        // The two largest units, the second left out when it is zero: `3 min`,
        // `1 h 5 min`, `2 j 3 h`, `1 j`.
        let (big, unit, small, small_unit) = if s < 60 {
            (s, "s", 0, "")
        } else if s < 3600 {
            (s / 60, "min", s % 60, "s")
        } else if s < 86_400 {
            (s / 3600, "h", (s % 3600) / 60, "min")
        } else {
            let d = match self {
                Lang::Fr => "j",
                Lang::En => "d",
            };
            (s / 86_400, d, (s % 86_400) / 3600, "h")
        };
        let mut body = format!("{big}{sep}{unit}");
        if small > 0 {
            body = format!("{body} {small}{sep}{small_unit}");
        }
        if neg { format!("-{body}") } else { body }
    }

    /// ` : ` in French (a no-break space before the colon), `: ` in English.
    pub fn colon(self) -> &'static str {
        match self {
            Lang::Fr => "\u{A0}: ",
            Lang::En => ": ",
        }
    }

    /// `oui`/`non` or `yes`/`no`.
    pub fn yes_no(self, b: bool) -> &'static str {
        self.t(if b { K::Yes } else { K::No })
    }
}

fn scale_bps(bps: f64) -> (f64, &'static str) {
    if bps >= 1e12 {
        (bps / 1e12, "Tbit/s")
    } else if bps >= 1e9 {
        (bps / 1e9, "Gbit/s")
    } else if bps >= 1e6 {
        (bps / 1e6, "Mbit/s")
    } else if bps >= 1e3 {
        (bps / 1e3, "kbit/s")
    } else {
        (bps, "bit/s")
    }
}

/// Parse an RFC 3339 time as written by `netkit verify`.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

macro_rules! catalog {
    ($($key:ident => $fr:expr, $en:expr;)*) => {
        /// A catalog key: one piece of document text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum K { $($key,)* }

        impl K {
            /// Every key, for the completeness test.
            pub const ALL: &'static [K] = &[$(K::$key,)*];
            pub fn fr(self) -> &'static str { match self { $(K::$key => $fr,)* } }
            pub fn en(self) -> &'static str { match self { $(K::$key => $en,)* } }
        }
    };
}

catalog! {
    Yes => "oui", "yes";
    No => "non", "no";
    None_ => "aucun", "none";
    Any => "toute destination", "any destination";
    NotSet => "non renseigné", "not set";
    // Document titles.
    DocTitle => "Dossier technique du réseau « {name} »", "Network documentation: {name}";
    DocSubtitle => "Topologie, plan d'adressage, tables de routage, recette et fiches d'intervention",
        "Topology, addressing plan, routing tables, acceptance test and intervention sheets";
    GeneratedBy => "Document produit par netkit le {date}", "Document produced by netkit on {date}";
    Contents => "Sommaire", "Contents";
    Summary => "Synthèse", "Summary";
    SecTopology => "Topologie du réseau", "Network topology";
    SecAddressing => "Plan d'adressage", "Addressing plan";
    SecRouting => "Tables de routage", "Routing tables";
    SecFilters => "Règles de filtrage", "Filtering rules";
    SecAcceptance => "Rapport de recette", "Acceptance report";
    SecSheets => "Fiches d'intervention", "Intervention sheets";
    SecFiles => "Fichiers fournis", "Files delivered";
    SecAppendix => "Annexes", "Appendices";
    // Cover facts.
    Topology => "Topologie", "Topology";
    Description => "Description", "Description";
    Date => "Date", "Date";
    Technician => "Technicien", "Technician";
    Requester => "Demandeur", "Requester";
    Playbook => "Cahier de recette", "Acceptance playbook";
    RoutingMode => "Routage", "Routing";
    RoutingStatic => "statique", "static";
    RoutingOspf => "dynamique (OSPF)", "dynamic (OSPF)";
    Sites => "Sites", "Sites";
    Segments => "Segments", "Segments";
    L3Devices => "Équipements de niveau 3", "Layer-3 devices";
    Devices => "Équipements", "Devices";
    Links => "Liaisons", "Links";
    WanLinks => "Liaisons inter-sites", "WAN links";
    IntraLinks => "Liaisons internes aux sites", "Links inside sites";
    AcceptanceResult => "Résultat de la recette", "Acceptance result";
    AcceptanceNotRun => "recette non exécutée", "acceptance test not run";
    AcceptancePassed => "conforme ({passed} {passed:contrôle réussi|contrôles réussis} sur {total})", "passed ({passed} of {total} {total:check|checks})";
    AcceptanceFailed => "non conforme ({failed} {failed:échec|échecs} et {errors} {errors:contrôle non exécuté|contrôles non exécutés} sur {total} {total:contrôle|contrôles})", "not passed ({failed} {failed:failure|failures} and {errors} {errors:check|checks} not run out of {total} {total:check|checks})";
    AcceptanceFailedOnly => "non conforme ({failed} {failed:échec|échecs} sur {total} {total:contrôle|contrôles})", "not passed ({failed} {failed:failure|failures} out of {total} {total:check|checks})";
    Pools => "Réserves d'adresses", "Address pools";
    PoolIpv4 => "IPv4", "IPv4";
    PoolIpv6 => "IPv6", "IPv6";
    PoolWan => "Liaisons point à point", "Point-to-point links";
    PoolLoopbacks => "Adresses de bouclage", "Loopbacks";
    PoolReserve => "Réservé (jamais alloué)", "Reserved (never allocated)";
    Growth => "Marge de croissance", "Growth margin";
    P2pPrefix => "Préfixe des liaisons", "Link prefix length";
    // Diagram.
    DiagramCaption => "Schéma produit par netkit (fichiers topology.svg, topology.dot, topology.mmd et topology.drawio fournis).",
        "Diagram drawn by netkit (files topology.svg, topology.dot, topology.mmd and topology.drawio delivered).";
    DiagramTitle => "Topologie du réseau {name}", "Network topology of {name}";
    Legend => "Légende", "Legend";
    LegendWan => "liaison inter-sites (débit · coût · préfixe)", "WAN link (bandwidth · cost · prefix)";
    LegendIntra => "liaison interne au site", "link inside a site";
    LegendIsolated => "segment isolé", "isolated segment";
    LegendSegment => "segment (VLAN · nom · préfixe)", "segment (VLAN · name · prefix)";
    Isolated => "isolé", "isolated";
    IsolatedCol => "Isolé", "Isolated";
    Field => "Rubrique", "Field";
    Value => "Valeur", "Value";
    Loopback => "bouclage", "loopback";
    Cost => "coût", "cost";
    CostCol => "Coût", "Cost";
    Internet => "Internet", "Internet";
    Upstream => "opérateur {addr}", "upstream {addr}";
    Uplink => "accès Internet", "Internet uplink";
    MoreHosts => "… et {n} {n:autre|autres}", "… and {n} more";
    Layer2 => "Niveau 2 : {names}", "Layer 2: {names}";
    // Device kinds.
    KindRouter => "routeur", "router";
    KindL3Switch => "commutateur N3", "layer-3 switch";
    KindFirewall => "pare-feu", "firewall";
    KindSwitch => "commutateur", "switch";
    KindAccessPoint => "point d'accès", "access point";
    KindServer => "serveur", "server";
    // Addressing plan.
    Type => "Type", "Type";
    Site => "Site", "Site";
    Location => "Localisation", "Location";
    Object => "Objet", "Object";
    Segment => "Segment", "Segment";
    Name => "Nom", "Name";
    Vlan => "VLAN", "VLAN";
    Prefix => "Préfixe", "Prefix";
    Prefix6 => "Préfixe IPv6", "IPv6 prefix";
    Mask => "Masque", "Mask";
    FirstUsable => "Première adresse utilisable", "First usable";
    LastUsable => "Dernière adresse utilisable", "Last usable";
    Broadcast => "Adresse de diffusion", "Broadcast";
    Gateway => "Passerelle", "Gateway";
    Gateway6 => "Passerelle IPv6", "IPv6 gateway";
    Address => "Adresse", "Address";
    Address6 => "Adresse IPv6", "IPv6 address";
    Device => "Équipement", "Device";
    Kind => "Type", "Kind";
    Interface => "Interface", "Interface";
    HostsAsked => "Hôtes demandés", "Hosts requested";
    SizedFor => "Dimensionné pour", "Sized for";
    Usable => "Adresses utilisables", "Usable addresses";
    HostsTriple => "Hôtes : demandés / prévus / utilisables", "Hosts: requested / sized for / usable";
    Bandwidth => "Débit", "Bandwidth";
    EndA => "Extrémité A", "End A";
    EndB => "Extrémité B", "End B";
    AddressA => "Adresse A", "Address A";
    AddressB => "Adresse B", "Address B";
    Block => "Bloc du site", "Site block";
    RowSiteBlock => "bloc de site", "site block";
    RowSegment => "segment", "segment";
    RowWan => "liaison inter-sites", "WAN link";
    RowIntra => "liaison interne", "internal link";
    RowLoopback => "bouclage", "loopback";
    RowUplink => "accès Internet", "Internet uplink";
    RowNamed => "hôte fixe", "fixed host";
    Services => "Services", "Services";
    Fqdn => "Nom DNS", "DNS name";
    NamedHosts => "Hôtes fixes", "Fixed hosts";
    LinksTable => "Liaisons point à point", "Point-to-point links";
    LoopbacksTable => "Adresses de bouclage", "Loopback addresses";
    SegmentsOfSite => "Site {site}", "Site {site}";
    DnsZone => "Zone DNS {domain}, serveur {server} ({addr})", "DNS zone {domain}, server {server} ({addr})";
    // Routing.
    Destination => "Destination", "Destination";
    NextHop => "Prochain saut", "Next hop";
    Metric => "Métrique", "Metric";
    RouteKind => "Origine", "Origin";
    Describes => "Vers", "Reaches";
    KindConnected => "directement connecté", "connected";
    KindStatic => "statique", "static";
    KindDefault => "par défaut", "default";
    KindOspf => "OSPF", "OSPF";
    DirectlyConnected => "—", "—";
    RoutesOf => "Table de routage de {device}", "Routing table of {device}";
    SeeRoutesOf => "voir la table de routage de {device}", "see the routing table of {device}";
    NoRoutes => "Aucune route.", "No routes.";
    DescDefault => "route par défaut (Internet)", "default route (Internet)";
    DescSegment => "segment {id}", "segment {id}";
    DescSite => "site {site} (résumé)", "site {site} (summary)";
    DescLoopback => "bouclage de {device}", "loopback of {device}";
    DescLink => "liaison {a} – {b}", "link {a} – {b}";
    DescUplink => "accès Internet de {device}", "Internet uplink of {device}";
    DescOther => "autre réseau", "other network";
    DescHost => "hôte {host}", "host {host}";
    DescPool => "tout le réseau interne", "the whole internal network";
    OspfDesign => "Conception OSPF : {design}, bande passante de référence {bw}.", "OSPF design: {design}, reference bandwidth {bw}.";
    // Filters.
    FiltersIntro => "Filtrage à états sur la passerelle du segment source, et sur celle de chaque segment isolé pour les connexions ouvertes vers lui (l'isolement vaut dans les deux sens) : les réponses aux connexions ouvertes depuis l'autre côté passent toujours. Première règle correspondante appliquée.",
        "Stateful filtering on the gateway of the source segment, and on the gateway of each isolated segment for connections opened towards it (isolation works both ways): replies to connections opened from the other side always pass. The first matching rule applies.";
    FiltersOf => "Règles de {device}", "Rules of {device}";
    NoFilters => "Aucune règle de filtrage : tout le trafic interne est autorisé.", "No filtering rules: all internal traffic is allowed.";
    Action => "Action", "Action";
    From => "Source", "From";
    To => "Destination", "To";
    Protocol => "Protocole", "Protocol";
    Port => "Port", "Port";
    Reason => "Motif", "Reason";
    Accept => "autoriser", "accept";
    Drop => "refuser", "drop";
    AllTraffic => "tout", "all";
    // Acceptance.
    NoResults => "Aucun test n'a encore été exécuté : la recette reste à faire (lancer « netkit verify … --format json » puis « netkit report … --results RÉSULTATS.json »).",
        "No test has been run yet: the acceptance test remains to be done (run `netkit verify … --format json`, then `netkit report … --results RESULTS.json`).";
    Target => "Cible", "Target";
    TargetLab => "maquette (espaces de noms réseau)", "mock-up (network namespaces)";
    TargetLive => "réseau réel", "live network";
    Started => "Début", "Start";
    Finished => "Fin", "End";
    Duration => "Durée", "Duration";
    Checks => "Contrôles", "Checks";
    Total => "Total", "Total";
    Passed => "Réussis", "Passed";
    Failed => "Échecs", "Failed";
    Errors => "Non exécutés", "Not run";
    CardChecks => "{n:contrôle|contrôles}", "{n:check|checks}";
    CardPassed => "{n:réussi|réussis}", "{n:passed|passed}";
    CardFailed => "{n:échec|échecs}", "{n:failure|failures}";
    CardErrors => "{n:non exécuté|non exécutés}", "{n:not run|not run}";
    LinksValue => "{n} ({wan} {wan:liaison inter-sites|liaisons inter-sites}, {intra} {intra:liaison interne|liaisons internes})",
        "{n} ({wan} WAN {wan:link|links}, {intra} internal {intra:link|links})";
    SuccessRate => "Taux de réussite", "Success rate";
    Check => "Contrôle", "Check";
    Verdict => "Verdict", "Verdict";
    Expected => "Attendu", "Expected";
    Measured => "Mesuré", "Measured";
    Probed => "Cible sondée", "Probed";
    VerdictPass => "réussi", "pass";
    VerdictFail => "échec", "fail";
    VerdictError => "erreur", "error";
    ByCheck => "Par type de contrôle", "By kind of check";
    Details => "Détail des contrôles", "Checks in detail";
    FailuresTitle => "Anomalies à traiter", "Problems to fix";
    NoFailures => "Aucune anomalie.", "No problems.";
    CheckReach => "joignabilité", "reachability";
    CheckIsolate => "isolement", "isolation";
    CheckTcp => "service TCP", "TCP service";
    CheckUdp => "service UDP", "UDP service";
    CheckDns => "résolution DNS", "DNS resolution";
    CheckPath => "chemin", "path";
    CheckBandwidth => "débit", "bandwidth";
    CheckSnmp => "supervision SNMP", "SNMP monitoring";
    CheckLatency => "latence", "latency";
    CheckService => "service", "service";
    // Figures (measured/expected keys).
    FigSent => "envoyés", "sent";
    FigReceived => "reçus", "received";
    FigLoss => "perte", "loss";
    FigLatency => "latence", "latency";
    FigRttMin => "RTT min", "min RTT";
    FigRttMax => "RTT max", "max RTT";
    FigThroughput => "débit", "throughput";
    FigMinThroughput => "débit minimal", "minimum throughput";
    FigHops => "sauts", "hops";
    FigVia => "via", "via";
    FigReply => "réponse", "reply";
    FigConnected => "connexion établie", "connected";
    FigAnswer => "réponse DNS", "DNS answer";
    FigExpect => "attendu", "expected";
    FigPort => "port", "port";
    FigDuration => "durée", "duration";
    FigStreams => "flux", "streams";
    FigRetransmits => "retransmissions", "retransmits";
    FigCount => "nombre", "count";
    FigRttAvg => "RTT moyen", "average RTT";
    FigTime => "temps", "time";
    // Sheets.
    Sheet => "Fiche d'intervention", "Intervention sheet";
    SheetNumber => "N°", "No.";
    SheetSite => "Site d'intervention", "Site";
    KindOfWork => "Nature de l'intervention", "Kind of work";
    KindOfWorkValue => "Déploiement du réseau du site et recette", "Site network deployment and acceptance test";
    Request => "Demande", "Request";
    RequestValue => "Mettre en service le réseau du site {site}{location} conformément au plan « {name} » ({segments} {segments:segment|segments}, {devices} {devices:équipement|équipements} de niveau 3, {links} {links:liaison|liaisons}) et en faire la recette.",
        "Bring the network of site {site}{location} into service according to plan “{name}” ({segments} {segments:segment|segments}, {devices} layer-3 {devices:device|devices}, {links} {links:link|links}) and test it.";
    WorkDone => "Travaux réalisés", "Work done";
    SegmentsConfigured => "Segments configurés", "Segments configured";
    InterfacesOf => "{device} ({kind}), bouclage {loopback}", "{device} ({kind}), loopback {loopback}";
    InterfacesOfNoLoopback => "{device} ({kind})", "{device} ({kind})";
    Role => "Rôle", "Role";
    RoleSegment => "passerelle de {id} (VLAN {vlan})", "gateway of {id} (VLAN {vlan})";
    RoleLink => "liaison vers {peer}", "link to {peer}";
    RoleUplink => "accès Internet (opérateur {addr})", "Internet uplink (upstream {addr})";
    RoutesConfigured => "{n} {n:route configurée|routes configurées} sur {device}", "{n} {n:route|routes} configured on {device}";
    RoutesOspf => "{n} {n:route attendue|routes attendues} sur {device}, directement {n:connectée|connectées} ou {n:apprise|apprises} par OSPF", "{n} {n:route|routes} expected on {device}, connected or learned by OSPF";
    FiltersConfigured => "{n} {n:règle|règles} de filtrage {n:configurée|configurées} sur {device}", "{n} filtering {n:rule|rules} configured on {device}";
    NoFilterConfigured => "aucune règle de filtrage sur {device}", "no filtering rule on {device}";
    Layer2Installed => "Équipements de niveau 2 installés : {names}", "Layer-2 devices installed: {names}";
    TestsRun => "Tests réalisés", "Tests run";
    NoTestsForSite => "Aucun test n'a encore été exécuté pour ce site.", "No test has been run for this site yet.";
    NoTestsInResults => "Les résultats fournis ne contiennent aucun test concernant ce site.", "The results supplied hold no test about this site.";
    Schedule => "Horaires", "Schedule";
    Deadline => "Échéance", "Deadline";
    DeadlineMet => "Échéance respectée", "Deadline met";
    NotAssessed => "non évaluable", "cannot be assessed";
    NoDeadline => "aucune échéance fixée", "no deadline set";
    Observations => "Observations", "Remarks";
    ObservationsOk => "Tous les tests du site sont réussis.", "Every test of the site passed.";
    ObservationsKo => "{n} {n:test non réussi|tests non réussis} : voir le détail ci-dessus.", "{n} {n:test|tests} did not pass: see above.";
    Signatures => "Signatures", "Signatures";
    SignTechnician => "Le technicien", "Technician";
    DeadlineMissedBy => "non (retard de {late})", "no ({late} late)";
    ClosingStatus => "Statut de clôture", "Closing status";
    ClosingOk => "conforme", "accepted";
    ClosingReserves => "conforme avec réserves : {n} {n:contrôle n'a pas pu être exécuté|contrôles n'ont pas pu être exécutés}", "accepted with reservations: {n} {n:check|checks} could not be run";
    ClosingKo => "non conforme : {n} {n:contrôle en échec|contrôles en échec}, reprise nécessaire", "not accepted: {n} failed {n:check|checks}, rework needed";
    ClosingNone => "non prononcé (aucun test exécuté)", "not decided (no test run)";
    ClosingLate => "conforme avec réserves : échéance dépassée de {late}", "accepted with reservations: deadline missed by {late}";
    ClosingLateToo => "{status} ; échéance dépassée de {late}", "{status}; deadline missed by {late}";
    Corrective => "Actions correctives", "Corrective actions";
    SignClient => "Le demandeur", "Requester";
    SignHint => "Nom, date et signature", "Name, date and signature";
    PageOf => "Fiche {n} sur {total}", "Sheet {n} of {total}";
    // Files.
    FileIndex => "ce document", "this document";
    FileSvg => "schéma de la topologie (SVG)", "topology diagram (SVG)";
    FileDot => "schéma au format Graphviz", "diagram in Graphviz format";
    FileMmd => "schéma au format Mermaid (wikis Markdown)", "diagram in Mermaid format (Markdown wikis)";
    FileDrawio => "schéma modifiable dans draw.io / diagrams.net", "diagram to edit in draw.io / diagrams.net";
    FileWan => "vue des liaisons inter-sites (SVG ; aussi wan.dot, wan.mmd, wan.drawio)", "WAN view (SVG; also wan.dot, wan.mmd, wan.drawio)";
    FileSite => "vue du site {site} (SVG ; aussi .dot, .mmd, .drawio)", "view of site {site} (SVG; also .dot, .mmd, .drawio)";
    FileAddrCsv => "plan d'adressage (tableur)", "addressing plan (spreadsheet)";
    FileRoutesCsv => "tables de routage (tableur)", "routing tables (spreadsheet)";
    FileAddrMd => "plan d'adressage (Markdown)", "addressing plan (Markdown)";
    FileRoutesMd => "tables de routage (Markdown)", "routing tables (Markdown)";
    FileAcceptanceMd => "rapport de recette (Markdown)", "acceptance report (Markdown)";
    FileSheetsMd => "fiches d'intervention (Markdown)", "intervention sheets (Markdown)";
    FileNetbox => "import en masse NetBox ({what})", "NetBox bulk import ({what})";
    NetboxSites => "sites", "sites";
    NetboxPrefixes => "préfixes", "prefixes";
    NetboxVlans => "VLAN", "VLANs";
    NetboxAddresses => "adresses IP", "IP addresses";
    File => "Fichier", "File";
    Contents_ => "Contenu", "Contents";
    NetboxNote => "Importer dans NetBox 4.2 ou plus récent dans l'ordre : sites, VLAN, préfixes, adresses IP.",
        "Import into NetBox 4.2 or later in this order: sites, VLANs, prefixes, IP addresses.";
    // NetBox descriptions.
    NbSiteBlock => "bloc du site {site}", "block of site {site}";
    NbSegment => "segment {id}", "segment {id}";
    NbLink => "liaison {a} – {b}", "link {a} – {b}";
    NbLoopbacks => "bouclages des équipements", "device loopbacks";
    NbLoopback => "bouclage de {device}", "loopback of {device}";
    NbGateway => "passerelle de {id} ({device} {interface})", "gateway of {id} ({device} {interface})";
    NbLinkEnd => "{device} {interface}, liaison vers {peer}", "{device} {interface}, link to {peer}";
    NbNamed => "hôte fixe {id}", "fixed host {id}";
    NbPool => "réserve {what}", "pool {what}";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(s: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(i) = rest.find('{') {
            let after = &rest[i + 1..];
            match after.find('}') {
                Some(j) => {
                    // `{n:route|routes}` is a plural form of placeholder `n`.
                    let name = &after[..j];
                    out.insert(name.split(':').next().unwrap_or(name).to_string());
                    rest = &after[j + 1..];
                }
                None => break,
            }
        }
        out
    }

    #[test]
    fn every_key_has_both_languages_with_the_same_placeholders() {
        for k in K::ALL {
            assert!(!k.fr().trim().is_empty(), "{k:?} has no French text");
            assert!(!k.en().trim().is_empty(), "{k:?} has no English text");
            assert_eq!(
                placeholders(k.fr()),
                placeholders(k.en()),
                "{k:?}: the two languages use different placeholders"
            );
        }
    }

    #[test]
    fn numbers_in_each_locale() {
        assert_eq!(Lang::Fr.int(1_000_000), "1\u{202F}000\u{202F}000");
        assert_eq!(Lang::En.int(1_000_000), "1,000,000");
        assert_eq!(Lang::En.int(999), "999");
        assert_eq!(Lang::Fr.dec(2.5, 2), "2,5");
        assert_eq!(Lang::En.dec(1234.5, 1), "1,234.5");
        assert_eq!(Lang::Fr.bandwidth(100_000_000), "100\u{A0}Mbit/s");
        assert_eq!(Lang::En.bandwidth(2_500_000_000), "2.5 Gbit/s");
        assert_eq!(Lang::Fr.percent(25.0), "25\u{202F}%");
    }

    #[test]
    fn dates_in_each_locale() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(Lang::Fr.date(d), "29/11/2026");
        assert_eq!(Lang::En.date(d), "2026-11-29");
        let t = parse_time("2026-12-01T14:02:11Z").unwrap();
        assert_eq!(Lang::Fr.datetime(t), "01/12/2026 14:02:11 UTC");
        assert_eq!(Lang::Fr.duration(8), "8\u{A0}s");
        assert_eq!(Lang::En.duration(192), "3 min 12 s");
        assert_eq!(Lang::En.duration(3900), "1 h 5 min");
        assert_eq!(Lang::En.duration(7200), "2 h");
        assert_eq!(Lang::En.duration(180), "3 min");
        assert_eq!(Lang::Fr.duration(86_400), "1\u{A0}j");
        assert_eq!(
            Lang::Fr.duration(2 * 86_400 + 3 * 3600 + 59),
            "2\u{A0}j 3\u{A0}h"
        );
        assert_eq!(Lang::En.duration(40 * 86_400 + 3600), "40 d 1 h");
        assert_eq!(Lang::Fr.duration(90_000), "1\u{A0}j 1\u{A0}h");
    }

    #[test]
    fn languages_parse() {
        assert_eq!(Lang::parse("fr"), Some(Lang::Fr));
        assert_eq!(Lang::parse("EN-gb"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
    }
}
