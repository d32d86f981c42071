//! The site's per-client limits: a token bucket per client for requests ([`Limiter`]) and a
//! count of each client's open connections ([`Connections`]).
//!
//! The buckets live in a sharded map whose entries expire: a bucket left alone long enough
//! to be full again is the same as no bucket, so a sweep (once per that interval, per shard)
//! forgets it without changing any answer. The map then holds only the clients of the last
//! few seconds, and a request costs one hash and one lock of a small shard whether a
//! thousand or a million clients came in the last minute. (The first limiter swept its one
//! map on every request past 100,000 clients: the issue 18 slowdown.) A hard cap per shard
//! bounds memory under a flood of fresh addresses. Written here rather than taken from
//! `governor`, whose keyed limiter would add a dozen crates for these sixty lines.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Who a client is, for the limits: an IPv4 address, or the /64 an IPv6 address is in (a
/// subscriber's usual allocation: counted address by address, one visitor would have 2^64
/// buckets to spend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(u128);

impl ClientKey {
    /// The key of `ip` (an IPv4-mapped IPv6 address is its IPv4 address).
    pub fn of(ip: IpAddr) -> ClientKey {
        match ip.to_canonical() {
            IpAddr::V4(v4) => ClientKey(u128::from(v4.to_ipv6_mapped())),
            IpAddr::V6(v6) => ClientKey(u128::from(v6) & !u128::from(u64::MAX)),
        }
    }
}

/// Shards of the bucket map: enough that the two to sixteen threads of a server seldom wait
/// for one another, few enough that a sweep stays small.
const SHARDS: usize = 64;

/// At most this many clients are remembered at once (about 10 MB). Past it a shard forgets
/// one client to make room: that client gets a full bucket again, which only a flood of more
/// than this many addresses in a few seconds can cause.
const MAX_CLIENTS: usize = 1 << 18;

/// A token bucket per client: `burst` requests at once, `per_sec` a second after that.
pub struct Limiter {
    burst: f64,
    per_sec: f64,
    /// How long an untouched bucket takes to fill (and so may be forgotten), in ms.
    forget_ms: u64,
    epoch: Instant,
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
}

#[derive(Default)]
struct Shard {
    buckets: HashMap<ClientKey, Bucket>,
    /// When this shard was last swept, in ms since the limiter's epoch.
    swept: u64,
}

struct Bucket {
    tokens: f64,
    /// The last request, in ms since the limiter's epoch.
    at: u64,
}

impl Limiter {
    pub fn new(burst: f64, per_sec: f64) -> Limiter {
        // From empty to full: `burst / per_sec`. At least a second, so that a lifted limit
        // (the benchmarks') does not sweep on every request; at most an hour, for a limit
        // that never refills.
        let fill = if per_sec > 0.0 { burst / per_sec } else { f64::INFINITY };
        let forget = Duration::from_secs_f64(fill.clamp(1.0, 3600.0));
        Limiter {
            burst,
            per_sec,
            forget_ms: u64::try_from(forget.as_millis()).unwrap_or(u64::MAX),
            epoch: Instant::now(),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// Whether `client` may make a request now (and if so, it is counted).
    pub fn allow(&self, client: ClientKey) -> bool {
        self.allow_at(client, Instant::now())
    }

    /// [`Limiter::allow`] at `now` (tests and the benchmark step through time).
    pub fn allow_at(&self, client: ClientKey, now: Instant) -> bool {
        let now = u64::try_from(now.saturating_duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX);
        let index = (self.hasher.hash_one(client) % SHARDS as u64) as usize;
        let mut shard = self.shards[index].lock().unwrap_or_else(PoisonError::into_inner);
        if now.saturating_sub(shard.swept) >= self.forget_ms {
            let forget = self.forget_ms;
            shard.buckets.retain(|_, b| now.saturating_sub(b.at) < forget);
            shard.swept = now;
        }
        if shard.buckets.len() >= MAX_CLIENTS / SHARDS
            && !shard.buckets.contains_key(&client)
            && let Some(any) = shard.buckets.keys().next().copied()
        {
            shard.buckets.remove(&any);
        }
        let bucket = shard.buckets.entry(client).or_insert(Bucket { tokens: self.burst, at: now });
        let elapsed = now.saturating_sub(bucket.at) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * self.per_sec).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Clients remembered now (tests: the map stays bounded).
    pub fn remembered(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).buckets.len()).sum()
    }
}

/// Each client's open connections, against a cap.
pub struct Connections {
    cap: usize,
    open: Mutex<HashMap<ClientKey, usize>>,
}

/// One open connection: counted until dropped.
pub struct Slot {
    of: Arc<Connections>,
    client: ClientKey,
}

impl Connections {
    /// At most `cap` connections a client.
    pub fn new(cap: usize) -> Arc<Connections> {
        Arc::new(Connections { cap, open: Mutex::default() })
    }

    /// A slot for a new connection of `client`, or `None` when it has `cap` open already.
    pub fn enter(self: &Arc<Self>, client: ClientKey) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(client).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(Slot { of: Arc::clone(self), client })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.of.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.client) {
            *n -= 1;
            // Only clients with a connection open are kept: the map is bounded by those.
            if *n == 0 {
                open.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4(n: u32) -> ClientKey {
        ClientKey::of(IpAddr::V4(Ipv4Addr::from(n)))
    }

    #[test]
    fn a_client_gets_its_burst_then_its_rate() {
        let limiter = Limiter::new(3.0, 2.0);
        let t = Instant::now();
        assert!((0..3).all(|_| limiter.allow_at(v4(1), t)));
        assert!(!limiter.allow_at(v4(1), t), "the burst is spent");
        assert!(limiter.allow_at(v4(2), t), "another client is not slowed");
        assert!(limiter.allow_at(v4(1), t + Duration::from_millis(500)), "half a second: one more");
        assert!(!limiter.allow_at(v4(1), t + Duration::from_millis(500)));
    }

    #[test]
    fn forgotten_clients_are_those_whose_bucket_is_full_again() {
        // 60 at once, 20 a second: full again after 3 s.
        let limiter = Limiter::new(60.0, 20.0);
        let t = Instant::now();
        for n in 0..50_000 {
            limiter.allow_at(v4(n), t);
        }
        assert_eq!(limiter.remembered(), 50_000);
        // One spent client, then every shard looked at after 3 s: all the others go.
        while limiter.allow_at(v4(7), t) {}
        let later = t + Duration::from_millis(3_000);
        for n in 100_000..100_000 + 20 * SHARDS as u32 {
            limiter.allow_at(v4(n), later);
        }
        assert!(limiter.remembered() <= 20 * SHARDS, "{}", limiter.remembered());
        // Forgetting changed nothing: a client full again gets its whole burst.
        assert!((0..60).all(|_| limiter.allow_at(v4(7), later)));
        assert!(!limiter.allow_at(v4(7), later));
    }

    #[test]
    fn the_map_is_bounded_under_a_flood_of_addresses() {
        let limiter = Limiter::new(60.0, 20.0);
        let t = Instant::now();
        for n in 0..(MAX_CLIENTS as u32 + 50_000) {
            limiter.allow_at(v4(n), t);
        }
        assert!(limiter.remembered() <= MAX_CLIENTS, "{}", limiter.remembered());
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let a: Ipv6Addr = "2001:db8:1:2::1".parse().unwrap();
        let b: Ipv6Addr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ClientKey::of(a.into()), ClientKey::of(b.into()));
        assert_ne!(ClientKey::of(a.into()), ClientKey::of(c.into()));
        let mapped: Ipv6Addr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(ClientKey::of(mapped.into()), ClientKey::of(Ipv4Addr::new(192, 0, 2, 1).into()));
        assert_ne!(v4(1), v4(2));
    }

    #[test]
    fn a_client_has_at_most_its_cap_of_connections() {
        let conns = Connections::new(2);
        let (a, b) = (conns.enter(v4(1)), conns.enter(v4(1)));
        assert!(a.is_some() && b.is_some());
        assert!(conns.enter(v4(1)).is_none());
        assert!(conns.enter(v4(2)).is_some(), "another client is not held back");
        drop(a);
        assert!(conns.enter(v4(1)).is_some(), "a closed connection frees its slot");
        drop(b);
        assert!(conns.open.lock().unwrap().is_empty(), "no client without a connection is kept");
    }
}
