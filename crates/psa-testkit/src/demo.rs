//! The quickstart's fixed dataset, on both simulators: Tanium computer
//! groups and Huntress organizations named like the demo tenant's clients
//! (so they match by name) plus one unmapped each, and Huntress agents
//! named like Tanium endpoints (so incident tickets link to those assets).
//! The same calls give the same data on every run.

use crate::huntress::{HuntressSim, NewIncident, SimConfig};
use crate::tanium::{GroupSpec, TaniumSim};
use chrono::{TimeDelta, Utc};

/// A Tanium simulator with groups Acme Corp (40 endpoints), Globex (25),
/// Initech (12) and Lab (5, no client of that name).
pub async fn tanium() -> TaniumSim {
    TaniumSim::builder()
        .start_generated(&[
            GroupSpec::new("1", "Acme Corp", 40),
            GroupSpec::new("2", "Globex", 25),
            GroupSpec::new("3", "Initech", 12),
            GroupSpec::new("4", "Lab", 5),
        ])
        .await
}

/// A Huntress simulator with organizations Acme Corp, Globex and Umbrella
/// Health (no client of that name), agents named like the first endpoints
/// of `tanium`'s groups (or fixed names without it), and six incidents,
/// one closed and one without an agent. Its clock starts an hour back, so
/// every record is in the past.
pub async fn huntress(tanium: Option<&TaniumSim>) -> HuntressSim {
    let host = |group: &str, n: usize, fallback: &str| {
        tanium
            .and_then(|sim| {
                sim.endpoints()
                    .into_iter()
                    .filter(|e| e.groups.contains(group))
                    .nth(n)
            })
            .map_or_else(|| fallback.to_owned(), |e| e.name)
    };
    let sim = HuntressSim::start_with(SimConfig {
        start: Utc::now() - TimeDelta::hours(1),
        ..SimConfig::default()
    })
    .await;
    let acme = sim.add_organization("Acme Corp");
    let globex = sim.add_organization("Globex");
    let umbrella = sim.add_organization("Umbrella Health");
    let acme_1 = sim.add_agent(acme, &host("1", 0, "ACME-WS01"));
    let acme_2 = sim.add_agent(acme, &host("1", 1, "ACME-SRV01"));
    let globex_1 = sim.add_agent(globex, &host("2", 0, "GLOBEX-WS01"));
    let umbrella_1 = sim.add_agent(umbrella, "UMB-WS01");
    for incident in [
        NewIncident::new(acme, Some(acme_1)).severity("high"),
        NewIncident::new(acme, Some(acme_2)).severity("critical"),
        NewIncident::new(acme, Some(acme_1))
            .severity("low")
            .status("closed"),
        NewIncident::new(globex, Some(globex_1)).severity("low"),
        NewIncident::new(globex, None).severity("high"),
        NewIncident::new(umbrella, Some(umbrella_1)).severity("high"),
    ] {
        sim.add_incident(incident);
    }
    sim
}
