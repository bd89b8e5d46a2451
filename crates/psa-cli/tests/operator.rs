//! The `psa` binary as an operator runs it: a subprocess against the
//! Tanium simulator, on both backends.

use psa_store::test_util::TestStore;
use psa_testkit::tanium::{GroupSpec, TaniumSim};
use serde_json::Value;
use std::process::{Command, Output, Stdio};

psa_store::backend_tests!(
    an_operator_maps_a_group_syncs_and_unmaps_it,
    the_worker_stops_gracefully_on_sigterm
);

/// `psa` on one database, as a shell with these variables would run it.
#[derive(Clone)]
struct Psa {
    env: Vec<(String, String)>,
}

impl Psa {
    fn new(store: &TestStore) -> Self {
        Self {
            env: vec![
                ("DATABASE_URL".into(), store.url().to_owned()),
                (
                    "PSA_SECRET_KEY".into(),
                    store.secret_key().to_base64_unprotected(),
                ),
                ("TANIUM_API_TOKEN".into(), String::new()),
                ("PSA_TENANT".into(), String::new()),
            ],
        }
    }

    fn with(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.into(), value.into()));
        self
    }

    /// `psa ARGS` ready to run, stdin empty.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_psa"));
        command
            .arg("--allow-local-urls")
            .args(args)
            .env_remove("PSA_SECRET_KEY_FILE")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null());
        for (name, value) in &self.env {
            if value.is_empty() {
                command.env_remove(name);
            } else {
                command.env(name, value);
            }
        }
        command
    }

    /// Runs `psa ARGS` (stdin empty) and returns its output.
    async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || command.output().expect("psa runs"))
            .await
            .expect("joined")
    }

    /// Runs a command that must succeed; returns its stdout.
    async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(
            out.status.success(),
            "psa {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// Runs a command with `--json`; returns what it printed.
    async fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all).await).expect("JSON")
    }

    /// Runs a command that must be refused as bad usage (exit 2); returns
    /// its message.
    async fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "psa {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf-8")
    }
}

/// The mappings as (scope, client name or null, decided by).
async fn mappings(psa: &Psa, integration: &str) -> Vec<(String, Value, String)> {
    let rows = psa.json(&["mappings", integration]).await;
    rows.as_array()
        .expect("an array")
        .iter()
        .map(|m| {
            (
                m["scope"].as_str().unwrap().to_owned(),
                m["client"].clone(),
                m["decided_by"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn an_operator_maps_a_group_syncs_and_unmaps_it(store: TestStore) {
    let sim = TaniumSim::builder()
        .start_generated(&[
            GroupSpec::new("1", "Acme Corp", 4),
            GroupSpec::new("2", "Globex", 3),
            GroupSpec::new("3", "Lab", 2),
        ])
        .await;
    let psa = Psa::new(&store);

    let tenant = psa.ok(&["tenant", "create", "Ops MSP", "--demo"]).await;
    assert!(!tenant.trim().is_empty());
    let psa = psa.with("PSA_TENANT", "Ops MSP");
    let gateway = format!("gateway_url={}", sim.gateway_url());
    let integration = psa
        .ok(&[
            "integration",
            "add",
            "tanium",
            "--setting",
            &gateway,
            "--setting",
            "page_size=2",
        ])
        .await;
    let integration = integration.trim();

    // Without the token nothing is connected.
    let message = psa.refused(&["connect", integration]).await;
    assert!(message.contains("TANIUM_API_TOKEN"), "{message}");
    let psa = psa.with("TANIUM_API_TOKEN", &sim.token());
    let connected = psa.ok(&["connect", integration]).await;
    assert!(connected.contains("3 scopes found"), "{connected}");

    // Two groups matched demo clients by name; Lab waits for a person.
    let before = mappings(&psa, integration).await;
    assert_eq!(
        before,
        [
            ("1".into(), "Acme Corp".into(), "auto_match".into()),
            ("2".into(), "Globex".into(), "auto_match".into()),
            ("3".into(), Value::Null, "nobody".into()),
        ]
    );

    // Bad input is refused and changes nothing.
    let other = psa.clone().with("PSA_TENANT", "");
    other
        .ok(&[
            "--tenant",
            "Other MSP",
            "tenant",
            "create",
            "Other MSP",
            "--demo",
        ])
        .await;
    let foreign = other.json(&["--tenant", "Other MSP", "clients"]).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (args, names) in [
        (vec!["map", integration, "3", "Umbrella"], "Umbrella"),
        (vec!["map", integration, "3", &foreign], foreign.as_str()),
        (vec!["map", integration, "99", "Initech"], "99"),
        (vec!["map", "not-an-id", "3", "Initech"], "not-an-id"),
        (vec!["sync", integration, "--incidents"], "incident"),
        (
            vec![
                "integration",
                "add",
                "tanium",
                "--setting",
                "gateway_url=http://10.0.0.1/graphql/x",
                "--setting",
                "page_size=big",
            ],
            "page_size",
        ),
    ] {
        let message = psa.refused(&args).await;
        assert!(message.contains(names), "{args:?}: {message}");
    }
    let message = psa
        .clone()
        .with("PSA_TENANT", "Nobody")
        .refused(&["clients"])
        .await;
    assert!(message.contains("Nobody"), "{message}");
    assert_eq!(mappings(&psa, integration).await, before);
    assert_eq!(
        psa.json(&["integration", "list"])
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A person maps Lab by client name; the sync brings its devices.
    psa.ok(&["map", integration, "3", "Initech"]).await;
    let synced = psa.ok(&["sync", integration, "--devices", "--full"]).await;
    assert!(synced.contains("9 received, 9 created"), "{synced}");
    let assets = psa.json(&["assets"]).await;
    assert_eq!(assets.as_array().unwrap().len(), 9, "{assets}");
    let initech = psa.json(&["assets", "--client", "Initech"]).await;
    let names: Vec<&str> = initech
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["client"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Initech", "Initech"]);
    let usage = psa.json(&["usage", integration]).await;
    let counted: Vec<(&str, &str, u64)> = usage
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["client"].as_str().unwrap(),
                u["metric"].as_str().unwrap(),
                u["value"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counted,
        [
            ("Acme Corp", "endpoints", 4),
            ("Globex", "endpoints", 3),
            ("Initech", "endpoints", 2)
        ],
        "{usage}"
    );
    let runs = psa.json(&["runs", integration]).await;
    let kinds: Vec<(&str, &str)> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds[0], ("devices_full", "succeeded"), "{runs}");

    // Unmapped by a person, Acme Corp stays unmapped through a scope sync:
    // its name matches a client, but the matcher never overrides a person.
    psa.ok(&["unmap", integration, "1"]).await;
    psa.ok(&["sync", integration, "--scopes"]).await;
    let after = mappings(&psa, integration).await;
    assert_eq!(after[0], ("1".into(), Value::Null, "person".into()));
    assert_eq!(after[2], ("3".into(), "Initech".into(), "person".into()));
}

async fn the_worker_stops_gracefully_on_sigterm(store: TestStore) {
    let sim = TaniumSim::builder()
        .start_generated(&[GroupSpec::new("1", "Acme Corp", 3)])
        .await;
    let psa = Psa::new(&store).with("PSA_TENANT", "Ops MSP");
    psa.ok(&["tenant", "create", "Ops MSP", "--demo"]).await;
    let gateway = format!("gateway_url={}", sim.gateway_url());
    let integration = psa
        .ok(&["integration", "add", "tanium", "--setting", &gateway])
        .await;
    let integration = integration.trim().to_owned();
    let psa = psa.with("TANIUM_API_TOKEN", &sim.token());
    psa.ok(&["connect", &integration]).await;

    let mut command =
        psa.clone()
            .with("PSA_WORKER_TICK_SECONDS", "1")
            .command(&["worker", "--concurrency", "2"]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let stopped = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut child = command.spawn().expect("psa worker starts");
        // Its first line says it is running: then it has its signal handler.
        let stderr = child.stderr.take().expect("piped");
        let mut lines = std::io::BufReader::new(stderr).lines();
        let first = lines.next().expect("a line").expect("utf-8");
        assert!(first.contains("running every tenant's due jobs"), "{first}");
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        child.wait_with_output().expect("the worker exits")
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&stopped.stdout);
    assert!(stopped.status.success(), "{}: {stdout}", stopped.status);
    assert!(stdout.contains("worker stopped"), "{stdout}");
    // No lease is left behind: every job can be claimed at once again.
    let shown = psa.json(&["integration", "show", &integration]).await;
    let jobs = shown["jobs"].as_array().expect("jobs");
    assert!(!jobs.is_empty(), "{shown}");
    assert!(jobs.iter().all(|j| j["lease_holder"].is_null()), "{shown}");
}

psa_store::backend_tests!(an_operator_routes_huntress_and_a_webhook_brings_a_ticket_at_once);

async fn an_operator_routes_huntress_and_a_webhook_brings_a_ticket_at_once(store: TestStore) {
    use psa_testkit::huntress::{HuntressSim, NewIncident, SimConfig, signing_secret};
    let sim = HuntressSim::start_with(SimConfig {
        start: psa_integrations::chrono::Utc::now() - psa_integrations::chrono::TimeDelta::hours(1),
        ..SimConfig::default()
    })
    .await;
    let acme = sim.add_organization("Acme Corp");
    let umbrella = sim.add_organization("Umbrella Health");
    sim.add_incident(NewIncident::new(acme, None).severity("high"));
    sim.add_incident(NewIncident::new(umbrella, None).severity("low"));

    let psa = Psa::new(&store).with("PSA_TENANT", "Ops MSP");
    psa.ok(&["tenant", "create", "Ops MSP", "--demo"]).await;
    let api = format!("api_base_url={}", sim.uri());
    let integration = psa
        .ok(&["integration", "add", "huntress", "--setting", &api])
        .await;
    let integration = integration.trim().to_owned();
    let psa = psa
        .with("HUNTRESS_API_KEY", sim.api_key())
        .with("HUNTRESS_API_SECRET", sim.api_secret());
    psa.ok(&["connect", &integration]).await;

    // Routing by name; a name the tenant does not have is refused, naming
    // what it has, and nothing is written.
    let message = psa
        .refused(&["routing", &integration, "--board", "Nope"])
        .await;
    assert!(message.contains("Triage"), "{message}");
    let message = psa.refused(&["sync", &integration, "--incidents"]).await;
    assert!(
        message.contains("board_id") && message.contains("psa routing"),
        "{message}"
    );
    let runs = psa.json(&["runs", &integration]).await;
    assert!(
        runs.as_array()
            .unwrap()
            .iter()
            .all(|r| r["kind"] != "incidents"),
        "a refused sync recorded a run: {runs}"
    );
    let routed = psa
        .ok(&[
            "routing",
            &integration,
            "--board",
            "Default",
            "--fallback-board",
            "Triage",
            "--fallback-client",
            "Initech",
            "--close-to",
            "Closed",
        ])
        .await;
    assert!(routed.contains("routing complete"), "{routed}");
    let bad = psa
        .refused(&[
            "integration",
            "set",
            &integration,
            "--setting",
            "incidents.poll_interval_minutes=0",
        ])
        .await;
    assert!(bad.contains("poll_interval_minutes"), "{bad}");
    psa.ok(&[
        "integration",
        "set",
        &integration,
        "--setting",
        "incidents.poll_interval_minutes=30",
    ])
    .await;
    let shown = psa.json(&["integration", "show", &integration]).await;
    assert_eq!(
        shown["settings"]["incidents"]["poll_interval_minutes"], 30,
        "{shown}"
    );

    psa.ok(&["sync", &integration, "--incidents"]).await;
    let tickets = psa.json(&["tickets", &integration]).await;
    let clients: Vec<&str> = tickets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["client"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["Acme Corp", "Initech"], "{tickets}");

    // A webhook poke: the worker (ticking every five minutes) polls at once.
    let secret = signing_secret();
    psa.clone()
        .with("HUNTRESS_WEBHOOK_SECRET", &secret)
        .ok(&["webhook-secret", &integration])
        .await;
    let mut command = psa
        .clone()
        .with("PSA_WORKER_TICK_SECONDS", "300")
        .command(&["worker", "--listen", "127.0.0.1:0"]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("psa worker starts");
    let stderr = child.stderr.take().expect("piped");
    // Read its stderr to the end (a closed pipe would stop it), and learn
    // from it where it listens.
    let (found, listening) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(start) = line.find("http://")
                && line.contains("receiving webhooks at")
            {
                let _ = found.send(line[start..].split("/webhooks").next().unwrap().to_owned());
            }
        }
    });
    let receiver = tokio::task::spawn_blocking(move || {
        listening
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the worker says where it listens")
    })
    .await
    .unwrap();
    let incident = sim.add_incident(NewIncident::new(acme, None).severity("critical"));
    let delivery = sim.incident_delivery("incident_report.created", incident, &secret);
    let status = delivery
        .post(&format!("{receiver}/webhooks/huntress/{integration}"))
        .await;
    assert_eq!(status, 204);
    let sent = std::time::Instant::now();
    loop {
        let tickets = psa.json(&["tickets", &integration]).await;
        if tickets.as_array().unwrap().len() == 3 {
            break;
        }
        assert!(
            sent.elapsed() < std::time::Duration::from_secs(10),
            "no ticket 10 s after the poke: {tickets}"
        );
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let stopped = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(stopped.success(), "{stopped}");
}
