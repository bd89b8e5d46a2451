//! Huntress's enumerations. Each keeps values this version does not know in
//! `Other(String)`: Huntress adds values without notice.

use serde::Serialize;

psa_ingest::open_enum! {
    /// Whether an account is enabled.
    pub enum AccountStatus {
        /// Enabled.
        Enabled => "enabled",
        /// Disabled.
        Disabled => "disabled",
    }
}

psa_ingest::open_enum! {
    /// An agent's platform (also the agent list's `platform` filter).
    pub enum AgentPlatform {
        /// Windows.
        Windows => "windows",
        /// macOS.
        Darwin => "darwin",
        /// Linux.
        Linux => "linux",
    }
}

psa_ingest::open_enum! {
    /// An incident report's severity.
    pub enum Severity {
        /// Low.
        Low => "low",
        /// High.
        High => "high",
        /// Critical.
        Critical => "critical",
    }
}

psa_ingest::open_enum! {
    /// An incident report's status.
    pub enum IncidentReportStatus {
        /// Sent to the partner: open, waiting for the MSP.
        Sent => "sent",
        /// Closed.
        Closed => "closed",
        /// Dismissed by Huntress.
        Dismissed => "dismissed",
        /// Being remediated automatically.
        AutoRemediating => "auto_remediating",
        /// Being deleted.
        Deleting => "deleting",
        /// Dismissed by the partner.
        PartnerDismissed => "partner_dismissed",
    }
}

psa_ingest::open_enum! {
    /// The platform an incident report is about.
    pub enum IncidentPlatform {
        /// Windows.
        Windows => "windows",
        /// macOS.
        Darwin => "darwin",
        /// Microsoft 365.
        Microsoft365 => "microsoft_365",
        /// Google Workspace.
        Google => "google",
        /// Linux.
        Linux => "linux",
        /// Email security.
        EmailSecurity => "email_security",
        /// Huntress's own `other` value (not an unknown value: those land in
        /// `Other(String)`).
        OtherPlatform => "other",
    }
}

psa_ingest::open_enum! {
    /// A kind of threat indicator.
    pub enum IndicatorType {
        /// Persistent footholds.
        Footholds => "footholds",
        /// Monitored files.
        MonitoredFiles => "monitored_files",
        /// Ransomware canaries.
        RansomwareCanaries => "ransomware_canaries",
        /// Antivirus detections.
        AntivirusDetections => "antivirus_detections",
        /// Process detections.
        ProcessDetections => "process_detections",
        /// Managed identity (M365) detections.
        ManagedIdentity => "managed_identity",
        /// Microsoft Defender for Endpoint detections.
        MdeDetections => "mde_detections",
        /// SIEM detections.
        SiemDetections => "siem_detections",
        /// Favicon detections.
        FaviconDetections => "favicon_detections",
        /// Behavioral detections.
        BehavioralDetections => "behavioral_detections",
        /// Email security detections.
        EmailSecurityDetections => "email_security_detections",
        /// Application control.
        AppControl => "app_control",
        /// AI misuse.
        AiMisuse => "ai_misuse",
    }
}

psa_ingest::open_enum! {
    /// How a remediation is carried out.
    pub enum RemediationType {
        /// Huntress carries it out once approved.
        Assisted => "assisted",
        /// The partner carries it out.
        Manual => "manual",
        /// Host isolation and the like.
        Containment => "containment",
    }
}

psa_ingest::open_enum! {
    /// Where a remediation stands.
    pub enum RemediationStatus {
        /// Waiting for approval.
        Unapproved => "unapproved",
        /// Approved.
        Approved => "approved",
        /// Done.
        Completed => "completed",
        /// Failed.
        Failed => "failed",
        /// Cancelled.
        Cancelled => "cancelled",
    }
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDirection {
    /// Oldest or smallest first.
    Asc,
    /// Newest or largest first (Huntress's default).
    Desc,
}

/// What incident reports (and agents) can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SortField {
    /// The id (Huntress's default).
    Id,
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
}

/// What organizations can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationSortField {
    /// The id (Huntress's default).
    Id,
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// The name.
    Name,
    /// The key.
    Key,
}
