use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Which vendor URLs a client may call. Tenants type the URLs and shared
/// workers call them, so the embedding service decides this, never a
/// tenant's settings. The default is strict: `https` only, public
/// addresses only.
///
/// ```
/// use psa_http::UrlPolicy;
///
/// let strict = UrlPolicy::default();
/// assert!(strict.check("https://api.huntress.io").is_ok());
/// let refused = strict.check("http://api.huntress.io").unwrap_err();
/// assert_eq!(refused.rule, "https only");
/// assert!(strict.check("https://169.254.169.254/latest/meta-data").is_err());
///
/// // Tests and examples talk to simulators on this machine.
/// assert!(UrlPolicy::loopback().check("http://127.0.0.1:8080").is_ok());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Plain `http` to any allowed host (else only to loopback, when
    /// loopback is allowed).
    pub allow_http: bool,
    /// Loopback addresses (`127.0.0.0/8`, `::1`, `localhost`).
    pub allow_loopback: bool,
    /// Private, link-local, shared and cloud-metadata addresses (an
    /// appliance on the service's own network).
    pub allow_private: bool,
}

/// A URL the policy refuses, naming the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url} is refused ({rule}): {advice}")]
pub struct UrlRefused {
    /// The URL, without user info.
    pub url: String,
    /// The rule it breaks, e.g. `https only`.
    pub rule: &'static str,
    /// What to do instead.
    pub advice: &'static str,
}

impl UrlPolicy {
    /// Loopback allowed (over `http` too): for simulators and tests.
    pub fn loopback() -> Self {
        Self {
            allow_loopback: true,
            ..Self::default()
        }
    }

    /// Everything allowed: for a service that vets URLs itself.
    pub fn permissive() -> Self {
        Self {
            allow_http: true,
            allow_loopback: true,
            allow_private: true,
        }
    }

    /// Parses `url` and checks its scheme, user info and host (a literal
    /// address, or `localhost`). Names that resolve are checked again at
    /// connect time by [`resolver`](Self::resolver).
    pub fn check(&self, url: &str) -> Result<Url, UrlRefused> {
        let parsed = Url::parse(url.trim()).map_err(|_| UrlRefused {
            url: without_user_info_text(url),
            rule: "not a URL",
            advice: "give an absolute https:// URL",
        })?;
        // Also for URLs without an authority (`user:pw@host` parses as a
        // scheme and a path).
        let shown = without_user_info_text(&crate::without_user_info(&parsed));
        let refuse = |rule, advice| UrlRefused {
            url: shown.clone(),
            rule,
            advice,
        };
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refuse(
                "no credentials in URLs",
                "put credentials in the integration's secrets, not in the URL",
            ));
        }
        let host = match parsed.host() {
            Some(url::Host::Domain(name)) if is_localhost(name) => {
                Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
            }
            Some(url::Host::Domain(_)) => None,
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            None => return Err(refuse("a host is needed", "give the vendor's host name")),
        };
        let loopback = host.is_some_and(|ip| ip.is_loopback());
        match parsed.scheme() {
            "https" => {}
            "http" if self.allow_http || (loopback && self.allow_loopback) => {}
            "http" => {
                return Err(refuse(
                    "https only",
                    "use the vendor's https:// URL (plain http is allowed only to loopback \
                     or when the service allows it)",
                ));
            }
            _ => return Err(refuse("https only", "use an https:// URL")),
        }
        if let Some(ip) = host
            && let Some(rule) = self.refuses(ip)
        {
            return Err(refuse(rule, ADDRESS_ADVICE));
        }
        Ok(parsed)
    }

    /// The rule an address breaks, if any.
    pub fn refuses(&self, ip: IpAddr) -> Option<&'static str> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        if ip.is_loopback() {
            return (!self.allow_loopback).then_some("no loopback addresses");
        }
        if ip.is_unspecified() || ip.is_multicast() {
            return Some("no unspecified or multicast addresses");
        }
        let inward = match ip {
            IpAddr::V4(v4) => is_inward_v4(v4),
            IpAddr::V6(v6) => is_inward_v6(v6),
        };
        (inward && !self.allow_private)
            .then_some("no private, link-local or cloud-metadata addresses")
    }

    /// A DNS resolver for the client that drops the addresses this policy
    /// refuses (a host name resolving only to them fails to connect, naming
    /// the rule), so no name can lead a request inward.
    pub fn resolver(&self) -> Arc<dyn Resolve> {
        Arc::new(PolicyResolver { policy: *self })
    }
}

const ADDRESS_ADVICE: &str = "vendor URLs must reach the vendor's public service; \
     the embedding service can allow such addresses in its URL policy";

/// Text that did not parse as a URL, shown without what could be user
/// info (anything between `://` and the last `@` of the authority), at
/// most 200 characters.
fn without_user_info_text(text: &str) -> String {
    let text: String = text.trim().chars().take(200).collect();
    let Some((scheme, rest)) = text.split_once("://") else {
        return match text.rsplit_once('@') {
            Some((_, host)) => host.to_owned(),
            None => text,
        };
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => text,
    }
}

fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

fn is_inward_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_link_local() // 169.254/16, cloud metadata included
        || ip.is_broadcast()
        || ip.is_documentation()
        || (a == 100 && (64..128).contains(&b)) // shared address space
        || a == 0
        || a >= 240
}

fn is_inward_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) // AWS metadata
}

struct PolicyResolver {
    policy: UrlPolicy,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| match policy.refuses(addr.ip()) {
                    Some(rule) => {
                        refused = Some(rule);
                        false
                    }
                    None => true,
                })
                .collect();
            if allowed.is_empty() {
                let rule = refused.unwrap_or("the name resolves to no address");
                return Err(format!("{host} is refused ({rule}): {ADDRESS_ADVICE}").into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_is_named() {
        let strict = UrlPolicy::default();
        let rule = |url: &str| strict.check(url).unwrap_err().rule;
        assert_eq!(rule("http://api.vendor.example"), "https only");
        assert_eq!(rule("ftp://api.vendor.example"), "https only");
        assert_eq!(
            rule("https://user:pw@api.vendor.example"),
            "no credentials in URLs"
        );
        assert_eq!(rule("https://127.0.0.1:9000"), "no loopback addresses");
        assert_eq!(rule("https://localhost"), "no loopback addresses");
        assert_eq!(rule("https://[::1]"), "no loopback addresses");
        let inward = "no private, link-local or cloud-metadata addresses";
        for url in [
            "https://10.1.2.3",
            "https://192.168.0.10",
            "https://172.16.0.1",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1",
            "https://[fd00:ec2::254]",
            "https://[fe80::1]",
            "https://[::ffff:10.0.0.1]",
        ] {
            assert_eq!(rule(url), inward, "{url}");
        }
        assert_eq!(rule("not a url"), "not a URL");
        assert!(
            strict
                .check("https://acme-api.cloud.tanium.com/graphql")
                .is_ok()
        );
        assert!(strict.check("https://8.8.8.8").is_ok());
    }

    #[test]
    fn the_message_never_shows_user_info() {
        for url in [
            "http://admin:hunter2@api.vendor.example",
            "https://admin:hunter2@api vendor.example/x",
            "admin:hunter2@api.vendor.example",
            "https://admin:hunter2@[::1/",
        ] {
            let refused = UrlPolicy::default().check(url).unwrap_err();
            assert!(!refused.to_string().contains("hunter2"), "{refused}");
        }
    }

    #[test]
    fn the_service_can_allow_more() {
        assert!(UrlPolicy::loopback().check("http://127.0.0.1:8080").is_ok());
        assert!(UrlPolicy::loopback().check("http://localhost:8080").is_ok());
        assert_eq!(
            UrlPolicy::loopback()
                .check("http://api.vendor.example")
                .unwrap_err()
                .rule,
            "https only"
        );
        assert!(UrlPolicy::loopback().check("https://10.0.0.1").is_err());
        let appliance = UrlPolicy {
            allow_private: true,
            ..UrlPolicy::default()
        };
        assert!(appliance.check("https://10.0.0.1").is_ok());
        assert!(UrlPolicy::permissive().check("http://10.0.0.1").is_ok());
    }

    #[tokio::test]
    async fn a_name_resolving_inward_is_refused_at_connect_time() {
        let resolver = UrlPolicy::default().resolver();
        let error = match resolver.resolve("localhost".parse().unwrap()).await {
            Ok(_) => panic!("localhost resolved"),
            Err(error) => error.to_string(),
        };
        assert!(error.contains("no loopback addresses"), "{error}");
        let allowed = UrlPolicy::loopback().resolver();
        let addrs: Vec<_> = allowed
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
    }
}
