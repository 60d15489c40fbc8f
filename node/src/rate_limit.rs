//! A per-client token bucket, used to bound the work that the unauthenticated challenge endpoint
//! (`POST /v1/challenges/symbols`, one sliver expansion per challenged sliver) can be made to do.
//!
//! Each client IP address has a bucket of `burst` tokens that refills at `per_second` tokens per
//! second; a request takes one token or is refused with the time until the next token. Buckets of
//! clients that have been idle long enough to be full again are forgotten, so the table stays
//! bounded by the clients active within the last `burst / per_second` seconds.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// The most client buckets kept before idle ones are swept.
const SWEEP_THRESHOLD: usize = 4_096;

/// Token buckets per client IP address.
#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// A limiter allowing `burst` requests at once and `per_second` on average per client.
    /// `per_second == 0` disables the limit.
    pub fn new(burst: u32, per_second: u32) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_second),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client` at `now`: `Ok` if the request may proceed, else `Err` with the
    /// time until the next token.
    pub fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            // A panic while holding the lock left no consistent state; do not block service.
            return Ok(());
        };
        if buckets.len() >= SWEEP_THRESHOLD {
            let refill = Duration::from_secs_f64(self.burst / self.per_second);
            buckets.retain(|_, b| now.saturating_duration_since(b.updated) < refill);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }

    /// [`Self::check_at`] now.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn each_client_gets_its_burst_then_the_refill_rate() {
        let limiter = RateLimiter::new(3, 2);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at(A, t0), Ok(()));
        }
        let wait = limiter.check_at(A, t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        // Another client is unaffected.
        assert_eq!(limiter.check_at(B, t0), Ok(()));
        // Half a second later one token is back, and only one.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(limiter.check_at(A, t1), Ok(()));
        assert!(limiter.check_at(A, t1).is_err());
        // Long idle: the bucket is full again, not more.
        let t2 = t1 + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(limiter.check_at(A, t2), Ok(()));
        }
        assert!(limiter.check_at(A, t2).is_err());
    }

    #[test]
    fn zero_rate_disables_the_limit() {
        let limiter = RateLimiter::new(1, 0);
        let now = Instant::now();
        for _ in 0..100 {
            assert_eq!(limiter.check_at(A, now), Ok(()));
        }
    }

    #[test]
    fn idle_clients_are_forgotten() {
        let limiter = RateLimiter::new(1, 1);
        let t0 = Instant::now();
        for i in 0..SWEEP_THRESHOLD {
            let ip = IpAddr::V4(Ipv4Addr::from(u32::try_from(i).unwrap()));
            assert_eq!(limiter.check_at(ip, t0), Ok(()));
        }
        let later = t0 + Duration::from_secs(2);
        assert_eq!(limiter.check_at(A, later), Ok(()));
        assert_eq!(limiter.buckets.lock().unwrap().len(), 1);
    }
}
