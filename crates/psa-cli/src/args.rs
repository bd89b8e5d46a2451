//! The command line, as clap reads it.

use clap::{Args, Parser, Subcommand};

/// The operator's command line for the PSA integration layer.
#[derive(Debug, Parser)]
#[command(name = "psa", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    /// The database: postgres://… or sqlite://path (a SQLite file keeps its
    /// secret key in PATH.key beside it).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://psa.db",
        global = true
    )]
    pub(crate) database: String,
    /// The tenant to act in: its id or exact name.
    #[arg(long, env = "PSA_TENANT", global = true)]
    pub(crate) tenant: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Let providers call vendor URLs on loopback and private networks (plain
    /// http to loopback only): simulators, an appliance on your network.
    #[arg(long, global = true)]
    pub(crate) allow_local_urls: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create and list tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// The tenant's clients.
    Clients,
    /// Add, list and show the tenant's integrations.
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// Connect an integration: test the credentials, store them, sync its
    /// scopes and schedule its jobs. Secrets come from the environment
    /// (TANIUM_API_TOKEN; HUNTRESS_API_KEY and HUNTRESS_API_SECRET) or,
    /// when unset, one line each from standard input; never from arguments.
    Connect {
        /// The integration's id.
        integration: String,
    },
    /// Disconnect an integration: forget its secrets, stop its jobs.
    Disconnect {
        /// The integration's id.
        integration: String,
    },
    /// Each scope of an integration with its client and who decided it.
    Mappings {
        /// The integration's id.
        integration: String,
    },
    /// Map a scope to a client, as a person's decision that automation
    /// never overrides.
    Map {
        /// The integration's id.
        integration: String,
        /// The scope's external id (as `psa mappings` lists it).
        scope: String,
        /// The client's id or exact name.
        client: String,
    },
    /// Unmap a scope; it stays unmapped (automation does not map it again).
    Unmap {
        /// The integration's id.
        integration: String,
        /// The scope's external id.
        scope: String,
    },
    /// One run now, with progress. Without a flag: every job the
    /// integration has scheduled.
    Sync(SyncArgs),
    /// An integration's recent runs, newest first.
    Runs {
        /// The integration's id.
        integration: String,
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// The tenant's assets.
    Assets {
        /// Only this client's (id or exact name).
        #[arg(long)]
        client: Option<String>,
        /// Only those this integration synced.
        #[arg(long)]
        integration: Option<String>,
        /// Also retired assets.
        #[arg(long)]
        inactive: bool,
    },
    /// Where an integration's incidents become tickets, by name: what a
    /// Huntress integration needs before its first poll.
    Routing(RoutingArgs),
    /// What the vendor counts per scope (agents, billable identities,
    /// endpoints) with each scope's client and the change since the
    /// snapshot before.
    Usage {
        /// The integration's id.
        integration: String,
    },
    /// The tickets an integration created, with their alert and assets.
    Tickets {
        /// The integration's id.
        integration: String,
    },
    /// The multi-tenant worker, until SIGINT or SIGTERM (running jobs get
    /// the shutdown grace to finish). Settings: PSA_WORKER_* variables.
    Worker {
        /// Jobs run at once (default PSA_WORKER_MAX_JOBS, else 4).
        #[arg(long)]
        concurrency: Option<usize>,
        /// Also receive webhooks on this address (e.g. 0.0.0.0:8080):
        /// POST /webhooks/huntress/{integration} makes its poll due now.
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Set an integration's webhook signing secret (the portal's whsec_…),
    /// from HUNTRESS_WEBHOOK_SECRET or one line of standard input.
    WebhookSecret {
        /// The integration's id.
        integration: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum TenantCommand {
    /// Create a tenant and print its id.
    Create {
        /// Its name (unique).
        name: String,
        /// Seed the demo boards, statuses, priorities, categories and clients.
        #[arg(long)]
        demo: bool,
    },
    /// Every tenant.
    List,
}

#[derive(Debug, Subcommand)]
pub(crate) enum IntegrationCommand {
    /// Add an integration of a provider (tanium, huntress) and print its id.
    Add {
        /// The provider.
        provider: String,
        /// A setting as the provider names it, e.g. gateway_url=https://…
        /// (numbers and true/false are read as such). Repeatable.
        #[arg(long = "setting", value_name = "KEY=VALUE")]
        settings: Vec<String>,
    },
    /// The tenant's integrations.
    List,
    /// Change settings: KEY=VALUE as in `add`; a section's key is dotted
    /// (schedule.device_sync_minutes=30). Checked before anything is written.
    Set {
        /// The integration's id.
        integration: String,
        /// A setting, e.g. page_size=200. Repeatable.
        #[arg(long = "setting", value_name = "KEY=VALUE", required = true)]
        settings: Vec<String>,
    },
    /// One integration: status, errors, schedule and last runs.
    Show {
        /// The integration's id.
        integration: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// The integration's id.
    pub(crate) integration: String,
    /// Only a scope sync.
    #[arg(long, conflicts_with_all = ["devices", "incidents"])]
    pub(crate) scopes: bool,
    /// Only a device sync (incremental where it can be).
    #[arg(long, conflicts_with = "incidents")]
    pub(crate) devices: bool,
    /// With --devices: walk every scope in full.
    #[arg(long, requires = "devices")]
    pub(crate) full: bool,
    /// Only an incident poll.
    #[arg(long)]
    pub(crate) incidents: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RoutingArgs {
    /// The integration's id.
    pub(crate) integration: String,
    /// The board for tickets of mapped organizations.
    #[arg(long)]
    pub(crate) board: Option<String>,
    /// The board for tickets of unmapped organizations.
    #[arg(long)]
    pub(crate) fallback_board: Option<String>,
    /// The client for tickets of unmapped organizations.
    #[arg(long)]
    pub(crate) fallback_client: Option<String>,
    /// The tickets' category.
    #[arg(long)]
    pub(crate) category: Option<String>,
    /// The tickets' subcategory (of --category).
    #[arg(long, requires = "category")]
    pub(crate) subcategory: Option<String>,
    /// Close tickets in this status of the board when the incident closes.
    #[arg(long)]
    pub(crate) close_to: Option<String>,
    /// Also turn the provider's escalations into tickets (Huntress), and
    /// schedule their poll.
    #[arg(long)]
    pub(crate) escalations: bool,
}
