//! Webhook delivery of alerts: a JSON POST with `Pointe-Timestamp`, `Pointe-Idempotency-Key`
//! (the alert's key, the same on every attempt) and, when the watch has a secret,
//! `Pointe-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. A delivery that
//! fails is tried again later with exponential backoff: at least once, so a receiver drops
//! the duplicates by key.

use std::time::Duration;

use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use pointe_core::watch::{Alert, Delivery, DeliveryState, Webhook};

use crate::fetch::Reach;
use crate::{Result, Workspace};

/// How deliveries are retried.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    /// The wait after the first failure; each later one doubles it (up to `max_wait`), with up
    /// to a quarter of it again at random.
    pub first_wait: Duration,
    /// The longest wait between two attempts.
    pub max_wait: Duration,
    /// Attempts in all before giving up.
    pub attempts: u32,
    /// How long one attempt may take.
    pub timeout: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> DeliveryPolicy {
        DeliveryPolicy {
            first_wait: Duration::from_secs(30),
            max_wait: Duration::from_secs(3600),
            attempts: 10,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Posts one webhook: the extension point of delivery (a test may answer from memory).
pub trait Post: Send + Sync {
    /// POSTs `body` to `url` with `headers`; the HTTP status, or why there was none.
    fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &[u8],
        reach: Reach,
    ) -> std::result::Result<u16, String>;
}

/// Posts over HTTP(S) (rustls), reaching only public addresses for a public-only webhook.
#[derive(Debug)]
pub struct HttpPost {
    any: reqwest::blocking::Client,
    public: reqwest::blocking::Client,
}

impl HttpPost {
    /// A client whose attempts take at most `timeout`.
    pub fn new(timeout: Duration) -> std::result::Result<HttpPost, String> {
        let any = crate::fetch::client(timeout, Reach::Any).map_err(|e| e.to_string())?;
        let public = crate::fetch::client(timeout, Reach::PublicOnly).map_err(|e| e.to_string())?;
        Ok(HttpPost { any, public })
    }
}

impl Post for HttpPost {
    fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &[u8],
        reach: Reach,
    ) -> std::result::Result<u16, String> {
        let client = match reach {
            Reach::Any => &self.any,
            Reach::PublicOnly => &self.public,
        };
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?}: {e}"))?;
        if let Some(why) = crate::fetch::refused(&parsed, reach) {
            return Err(why);
        }
        let mut request = client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        request
            .send()
            .map(|r| r.status().as_u16())
            .map_err(|e| crate::fetch::describe(&e))
    }
}

/// The `Pointe-Signature` value of `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// What one delivery attempt came to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Attempted {
    /// The alert's key.
    pub key: String,
    /// The watch.
    pub watch_id: String,
    /// Where its delivery stands now.
    pub delivery: Delivery,
}

/// The most deliveries attempted in one go.
const DUE_BATCH: usize = 100;

/// Attempts every delivery that is due now.
pub fn deliver_due(
    ws: &Workspace,
    post: &dyn Post,
    policy: &DeliveryPolicy,
) -> Result<Vec<Attempted>> {
    let mut store = ws.store()?;
    let now = pointe_core::clock::now()?;
    let mut done = Vec::new();
    for alert in store.due_deliveries(now, DUE_BATCH)? {
        let hook = store.watch(&alert.watch_id)?.and_then(|w| w.webhook);
        let before = alert.delivery.clone().unwrap_or(Delivery {
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt: None,
            delivered_at: None,
            last_error: None,
        });
        let outcome = match &hook {
            Some(hook) => attempt(&alert, hook, post, now),
            None => Err("its watch was removed".to_string()),
        };
        let delivery = next(before, outcome, hook.is_none(), now, policy);
        store.record_delivery(&alert.key, &delivery)?;
        done.push(Attempted {
            key: alert.key.clone(),
            watch_id: alert.watch_id.clone(),
            delivery,
        });
    }
    Ok(done)
}

/// One POST of `alert`: `Ok` on a 2xx answer.
fn attempt(
    alert: &Alert,
    hook: &Webhook,
    post: &dyn Post,
    now: Timestamp,
) -> std::result::Result<(), String> {
    let mut body = alert.clone();
    body.delivery = None;
    let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
    let timestamp = now.as_second().to_string();
    let mut headers = vec![
        ("Pointe-Timestamp", timestamp.clone()),
        ("Pointe-Idempotency-Key", alert.key.clone()),
    ];
    if let Some(secret) = &hook.secret {
        headers.push(("Pointe-Signature", signature(secret, &timestamp, &body)));
    }
    let reach = match hook.public_only {
        true => Reach::PublicOnly,
        false => Reach::Any,
    };
    match post.post(&hook.url, &headers, &body, reach)? {
        s if (200..300).contains(&s) => Ok(()),
        s => Err(format!("HTTP {s}")),
    }
}

/// The delivery after an attempt.
fn next(
    mut d: Delivery,
    outcome: std::result::Result<(), String>,
    give_up: bool,
    now: Timestamp,
    policy: &DeliveryPolicy,
) -> Delivery {
    d.attempts += 1;
    match outcome {
        Ok(()) => {
            d.state = DeliveryState::Delivered;
            d.delivered_at = Some(now);
            d.next_attempt = None;
            d.last_error = None;
        }
        Err(e) => {
            d.last_error = Some(e);
            if give_up || d.attempts >= policy.attempts {
                d.state = DeliveryState::Failed;
                d.next_attempt = None;
            } else {
                let wait = backoff(policy, d.attempts);
                d.next_attempt = now
                    .checked_add(SignedDuration::try_from(wait).unwrap_or(SignedDuration::MAX))
                    .ok();
            }
        }
    }
    d
}

/// The wait after the `n`th failed attempt.
fn backoff(policy: &DeliveryPolicy, n: u32) -> Duration {
    let doubled = policy
        .first_wait
        .saturating_mul(1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX));
    let wait = doubled.min(policy.max_wait);
    wait + crate::fetch::jitter(wait / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signature a receiver computes from the secret, the timestamp header and the raw
    /// body: HMAC-SHA256 of `timestamp.body` (the value Python's `hmac` module gives).
    #[test]
    fn the_signature_is_the_hmac_sha256_of_timestamp_dot_body() {
        assert_eq!(
            signature("whsec_test", "1767607200", br#"{"key":"al_1"}"#),
            "sha256=714cc32fd7532ea1e679bd2cb5c19fb49e6cb6ad828045c16cc5c4b62bed3a9e"
        );
    }

    #[test]
    fn a_failed_delivery_waits_longer_each_time_and_gives_up_at_the_last_attempt() {
        let policy = DeliveryPolicy {
            first_wait: Duration::from_secs(10),
            max_wait: Duration::from_secs(60),
            attempts: 3,
            timeout: Duration::from_secs(1),
        };
        let now: Timestamp = "2026-01-05T10:00:00Z".parse().unwrap();
        let mut d = Delivery {
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt: Some(now),
            delivered_at: None,
            last_error: None,
        };
        let mut waits = Vec::new();
        for _ in 0..3 {
            d = next(d, Err("HTTP 500".into()), false, now, &policy);
            waits.push(d.next_attempt.map(|t| t.duration_since(now).as_secs()));
        }
        assert!(matches!(waits[0], Some(10..=12)), "{waits:?}");
        assert!(matches!(waits[1], Some(20..=25)), "{waits:?}");
        assert_eq!(waits[2], None);
        assert_eq!(d.state, DeliveryState::Failed);
        let ok = next(d.clone(), Ok(()), false, now, &policy);
        assert_eq!(ok.state, DeliveryState::Delivered);
    }
}
