//! How the site is configured: where it listens, whom it believes about a client's address,
//! and its limits, from the command line and the environment.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

/// Where the site listens, and whom to believe about the client's address.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--listen` / `KEIKAKU_WEB_LISTEN`, default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// Take the client's address from `X-Forwarded-For` (behind a reverse proxy on this
    /// machine: `KEIKAKU_WEB_TRUST_PROXY=1`); otherwise the connection's.
    pub trust_proxy: bool,
    /// Requests a client may make at once (60), and per second after that (20).
    pub burst: f64,
    /// See `burst`.
    pub per_sec: f64,
    /// How often to look for changed data files (`KEIKAKU_RELOAD_SECS`, as the bots): a
    /// changed plan is on the site without a restart.
    pub reload_every: Option<Duration>,
    /// How long a request's whole head may take to arrive, from the moment the server waits
    /// for it (`KEIKAKU_WEB_HEADER_TIMEOUT`, seconds; 10, at most 30).
    pub header_timeout: Duration,
    /// How long a connection may sit with nothing moving while no page is being made for it
    /// (`KEIKAKU_WEB_IDLE_TIMEOUT`, seconds; 5): a kept-alive connection between requests.
    pub idle_timeout: Duration,
    /// Connections one client may hold open at once (`KEIKAKU_WEB_MAX_CONNECTIONS`; 64). An
    /// IPv6 client is its /64. Behind a trusted proxy, the proxy's loopback connections are
    /// not counted.
    pub max_connections: usize,
}

impl Config {
    /// At `listen`, trusting no proxy, with the default limits.
    pub fn at(listen: SocketAddr) -> Config {
        Config {
            listen,
            trust_proxy: false,
            burst: 60.0,
            per_sec: 20.0,
            reload_every: None,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            max_connections: 64,
        }
    }
}

impl Config {
    /// From `--listen` (or `KEIKAKU_WEB_LISTEN`), `KEIKAKU_WEB_TRUST_PROXY` and the limits'
    /// variables.
    pub fn from_env(listen: Option<&str>) -> anyhow::Result<Config> {
        let reload_every = crate::app::reload_every_from_env().map_err(anyhow::Error::msg)?;
        let config = Config::from_vars(listen, |name| std::env::var(name).ok())?;
        Ok(Config { reload_every, ..config })
    }

    /// [`Config::from_env`] with the environment read through `var` (tests).
    pub fn from_vars(listen: Option<&str>, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let var = |name: &str| var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let text =
            listen.map(str::to_string).or_else(|| var("KEIKAKU_WEB_LISTEN")).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = text
            .trim()
            .parse()
            .with_context(|| format!("cannot listen on 「{text}」: give an address and port, e.g. 127.0.0.1:8080"))?;
        let trust_proxy = matches!(var("KEIKAKU_WEB_TRUST_PROXY").as_deref(), Some("1" | "true" | "yes"));
        let defaults = Config::at(listen);
        let number = |name: &str, default: u64, most: u64| -> anyhow::Result<u64> {
            match var(name) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=most).contains(n))
                    .with_context(|| format!("{name} 「{v}」: give a whole number from 1 to {most}")),
            }
        };
        let header = number("KEIKAKU_WEB_HEADER_TIMEOUT", defaults.header_timeout.as_secs(), 30)?;
        let idle = number("KEIKAKU_WEB_IDLE_TIMEOUT", defaults.idle_timeout.as_secs(), 3600)?;
        let max_connections = number("KEIKAKU_WEB_MAX_CONNECTIONS", defaults.max_connections as u64, 100_000)?;
        Ok(Config {
            trust_proxy,
            header_timeout: Duration::from_secs(header),
            idle_timeout: Duration::from_secs(idle),
            max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
            ..defaults
        })
    }
}
