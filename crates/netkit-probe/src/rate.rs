//! A packet rate limiter shared by every probe of a run (`netkit verify --rate`).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Spaces packets out to at most `pps` per second across every task that shares it.
/// Tasks reserve a send slot under a short lock and sleep outside it, so the
/// limiter never holds a lock across an await. Slots closer than 1 ms are sent
/// without sleeping (timer resolution), which allows bursts of at most 1 ms worth
/// of packets.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl RateLimiter {
    /// `pps == 0` means unlimited.
    pub fn new(pps: u32) -> RateLimiter {
        RateLimiter {
            interval: (pps > 0).then(|| Duration::from_secs_f64(1.0 / f64::from(pps))),
            next: Mutex::new(Instant::now()),
        }
    }

    pub fn unlimited() -> RateLimiter {
        RateLimiter::new(0)
    }

    /// Packets per second, `None` when unlimited.
    pub fn pps(&self) -> Option<u32> {
        self.interval.map(|i| {
            (1.0 / i.as_secs_f64())
                .round()
                .clamp(1.0, f64::from(u32::MAX)) as u32
        })
    }

    /// Wait for the right to send `packets` packets.
    pub async fn acquire(&self, packets: u32) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = {
            // A poisoned lock only means another task panicked while holding an
            // Instant: the value is still valid.
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + interval * packets.max(1);
            slot
        };
        let now = Instant::now();
        if slot > now + Duration::from_millis(1) {
            tokio::time::sleep_until(tokio::time::Instant::from_std(slot)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_the_rate() {
        let rl = RateLimiter::new(1000);
        let t0 = Instant::now();
        for _ in 0..200 {
            rl.acquire(1).await;
        }
        let took = t0.elapsed();
        // 200 packets at 1000 pps take about 200 ms (the first slot is immediate).
        assert!(took >= Duration::from_millis(180), "{took:?}");
        assert!(took < Duration::from_millis(1500), "{took:?}");
    }

    #[tokio::test]
    async fn unlimited_does_not_wait() {
        let rl = RateLimiter::unlimited();
        let t0 = Instant::now();
        for _ in 0..100_000 {
            rl.acquire(1).await;
        }
        assert!(t0.elapsed() < Duration::from_secs(1));
        assert_eq!(rl.pps(), None);
        assert_eq!(RateLimiter::new(500).pps(), Some(500));
    }
}
