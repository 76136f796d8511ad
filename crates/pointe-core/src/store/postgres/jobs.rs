//! Jobs in the PostgreSQL store ([`JobStore`]): claimed with `FOR UPDATE SKIP LOCKED`, leased
//! by the server's clock, and announced on the `pointe_jobs` channel (a wake-up hint for the
//! other nodes' schedulers, which poll in any case).

use std::time::Duration;

use jiff::Timestamp;

use super::{PgStore, count};
use crate::Result;
use crate::store::jobs::{Job, JobClaim, JobStore, attempts, check, from_us};

/// The channel a node notifies when it makes work due sooner than the others planned.
pub const WAKE_CHANNEL: &str = "pointe_jobs";

fn secs(lease: Duration) -> f64 {
    lease.as_secs_f64()
}

impl JobStore for PgStore {
    fn schedule_jobs(&mut self, jobs: &[(String, Timestamp)]) -> Result<()> {
        for (name, _) in jobs {
            check(name)?;
        }
        let names: Vec<&str> = jobs.iter().map(|(n, _)| n.as_str()).collect();
        let due: Vec<i64> = jobs.iter().map(|(_, t)| t.as_microsecond()).collect();
        self.query(
            "INSERT INTO jobs (name, due_at) SELECT * FROM unnest($1::text[], $2::bigint[]) \
             ON CONFLICT (name) DO UPDATE SET due_at = excluded.due_at \
             WHERE jobs.lease_until IS NULL OR jobs.lease_until < clock_timestamp()",
            &[&names, &due],
        )?;
        Ok(())
    }

    fn claim_job(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease: Duration,
    ) -> Result<Option<JobClaim>> {
        let row = self.query_opt(
            "UPDATE jobs SET owner = $1, attempts = jobs.attempts + 1, \
                 lease_until = clock_timestamp() + make_interval(secs => $2) \
             FROM (SELECT name FROM jobs WHERE due_at <= $3 \
                     AND (lease_until IS NULL OR lease_until < clock_timestamp()) \
                   ORDER BY due_at, name LIMIT 1 FOR UPDATE SKIP LOCKED) due \
             WHERE jobs.name = due.name RETURNING jobs.name, jobs.attempts",
            &[&owner, &secs(lease), &now.as_microsecond()],
        )?;
        row.map(|r| {
            Ok(JobClaim {
                name: r.try_get(0)?,
                owner: owner.to_string(),
                attempts: attempts(i64::from(r.try_get::<_, i32>(1)?)),
            })
        })
        .transpose()
    }

    fn renew_job(&mut self, claim: &JobClaim, lease: Duration) -> Result<bool> {
        let row = self.query(
            "UPDATE jobs SET lease_until = clock_timestamp() + make_interval(secs => $3) \
             WHERE name = $1 AND owner = $2 AND lease_until >= clock_timestamp() RETURNING 1",
            &[&claim.name, &claim.owner, &secs(lease)],
        )?;
        Ok(!row.is_empty())
    }

    fn finish_job(&mut self, claim: &JobClaim, next_due: Option<Timestamp>) -> Result<bool> {
        let rows = match next_due {
            Some(due) => self.query(
                "UPDATE jobs SET due_at = $3, owner = NULL, lease_until = NULL, attempts = 0 \
                 WHERE name = $1 AND owner = $2 AND lease_until >= clock_timestamp() RETURNING 1",
                &[&claim.name, &claim.owner, &due.as_microsecond()],
            )?,
            None => self.query(
                "DELETE FROM jobs WHERE name = $1 AND owner = $2 \
                 AND lease_until >= clock_timestamp() RETURNING 1",
                &[&claim.name, &claim.owner],
            )?,
        };
        Ok(!rows.is_empty())
    }

    fn jobs(&self) -> Result<Vec<Job>> {
        let rows = self.query(
            "SELECT name, due_at, owner, \
                 (extract(epoch FROM lease_until) * 1000000)::bigint, attempts \
             FROM jobs ORDER BY name COLLATE \"C\" LIMIT $1",
            &[&count(100_000)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Job {
                    name: r.try_get(0)?,
                    due_at: from_us(r.try_get(1)?)?,
                    owner: r.try_get(2)?,
                    lease_until: r.try_get::<_, Option<i64>>(3)?.map(from_us).transpose()?,
                    attempts: attempts(i64::from(r.try_get::<_, i32>(4)?)),
                })
            })
            .collect()
    }
}

/// Wakes the other nodes' schedulers at the commit of `tx`: a source was made due.
pub(super) fn wake(tx: &mut postgres::Transaction<'_>) -> Result<()> {
    tx.execute("SELECT pg_notify($1, '')", &[&WAKE_CHANNEL])?;
    Ok(())
}

/// A connection listening on the wake-up channel ([`super::PgPool::listen`]).
pub struct PgListener {
    client: postgres::Client,
}

impl std::fmt::Debug for PgListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgListener").finish_non_exhaustive()
    }
}

impl PgListener {
    pub(super) fn new(mut client: postgres::Client) -> Result<PgListener> {
        client.batch_execute(&format!("LISTEN {WAKE_CHANNEL}"))?;
        Ok(PgListener { client })
    }

    /// Waits up to `timeout` for a wake-up; true when one came (every one waiting is taken).
    pub fn wait(&mut self, timeout: Duration) -> Result<bool> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut notes = self.client.notifications();
        let woken = notes.timeout_iter(timeout).next()?.is_some();
        while notes.iter().next()?.is_some() {}
        Ok(woken)
    }
}
