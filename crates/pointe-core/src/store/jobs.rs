//! Jobs: the work that refreshes a catalog on its own (a source's run, judging the watches,
//! delivering webhooks), kept in the store so that the schedulers of several nodes share it.
//! A scheduler claims a job that is due and not under another's lease, renews the lease while
//! it works, and finishes it with the time it is next due; a job whose node died is claimed
//! again once its lease has run out. Over PostgreSQL the claim is `FOR UPDATE SKIP LOCKED`,
//! so two nodes claiming at once take two different jobs.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{MemoryStore, SqliteStore};
use crate::{Error, Result};

/// A job as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// Its name: `source:NAME`, `watches`, `webhooks`.
    pub name: String,
    /// When it is next due.
    pub due_at: Timestamp,
    /// The node whose lease it is under, if any (lapsed leases included).
    pub owner: Option<String>,
    /// When that lease runs out.
    pub lease_until: Option<Timestamp>,
    /// How many times it was claimed.
    pub attempts: u32,
}

/// A claimed job: the claim's owner renews and finishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobClaim {
    /// The job's name.
    pub name: String,
    /// The node that holds it.
    pub owner: String,
    /// How many times it was claimed, this one included (above 1 after a node died in it).
    pub attempts: u32,
}

/// Where jobs are kept. Lease times are the store's own clock (a database server's, so that
/// nodes whose clocks differ agree); due times are Pointe's (`POINTE_NOW` sets it).
pub trait JobStore {
    /// Makes each job known, due at its time; a job under a live lease keeps its due time.
    fn schedule_jobs(&mut self, jobs: &[(String, Timestamp)]) -> Result<()>;
    /// Claims, for `lease`, the job due earliest (at `now` or before) that no live lease holds.
    fn claim_job(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease: Duration,
    ) -> Result<Option<JobClaim>>;
    /// Extends a claim's lease by `lease` from now; false when the claim was lost (its lease
    /// ran out and another node claimed the job).
    fn renew_job(&mut self, claim: &JobClaim, lease: Duration) -> Result<bool>;
    /// Ends a claim: the job is next due at `next_due`, or forgotten when `None`; false when
    /// the claim was lost.
    fn finish_job(&mut self, claim: &JobClaim, next_due: Option<Timestamp>) -> Result<bool>;
    /// Every job, by name.
    fn jobs(&self) -> Result<Vec<Job>>;
}

/// The most characters of a job's name.
pub const MAX_JOB_NAME: usize = 260;

pub(super) fn check(name: &str) -> Result<()> {
    match name.is_empty() || name.chars().count() > MAX_JOB_NAME {
        true => Err(Error::Usage(format!(
            "job name {name:?}: 1 to {MAX_JOB_NAME} characters"
        ))),
        false => Ok(()),
    }
}

fn until(lease: Duration) -> Result<i64> {
    let now = Timestamp::now().as_microsecond();
    let span = i64::try_from(lease.as_micros()).unwrap_or(i64::MAX);
    Ok(now.saturating_add(span))
}

pub(super) fn from_us(us: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(us).map_err(|e| Error::Store(format!("stored job time {us}: {e}")))
}

pub(super) fn attempts(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The jobs of a memory store.
pub(super) type JobBook = BTreeMap<String, Job>;

impl JobStore for MemoryStore {
    fn schedule_jobs(&mut self, jobs: &[(String, Timestamp)]) -> Result<()> {
        let now = Timestamp::now();
        for (name, due) in jobs {
            check(name)?;
            let book = self.job_book_mut();
            let job = book.entry(name.clone()).or_insert_with(|| Job {
                name: name.clone(),
                due_at: *due,
                owner: None,
                lease_until: None,
                attempts: 0,
            });
            if job.lease_until.is_none_or(|t| t < now) {
                job.due_at = *due;
            }
        }
        Ok(())
    }

    fn claim_job(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease: Duration,
    ) -> Result<Option<JobClaim>> {
        let clock = Timestamp::now();
        let lease_until = from_us(until(lease)?)?;
        let book = self.job_book_mut();
        let Some(job) = book
            .values_mut()
            .filter(|j| j.due_at <= now && j.lease_until.is_none_or(|t| t < clock))
            .min_by_key(|j| j.due_at)
        else {
            return Ok(None);
        };
        job.owner = Some(owner.to_string());
        job.lease_until = Some(lease_until);
        job.attempts += 1;
        Ok(Some(JobClaim {
            name: job.name.clone(),
            owner: owner.to_string(),
            attempts: job.attempts,
        }))
    }

    fn renew_job(&mut self, claim: &JobClaim, lease: Duration) -> Result<bool> {
        let lease_until = from_us(until(lease)?)?;
        match self.held_mut(claim) {
            Some(job) => {
                job.lease_until = Some(lease_until);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn finish_job(&mut self, claim: &JobClaim, next_due: Option<Timestamp>) -> Result<bool> {
        let Some(job) = self.held_mut(claim) else {
            return Ok(false);
        };
        match next_due {
            Some(due) => {
                job.due_at = due;
                job.owner = None;
                job.lease_until = None;
                job.attempts = 0;
            }
            None => {
                self.job_book_mut().remove(&claim.name);
            }
        }
        Ok(true)
    }

    fn jobs(&self) -> Result<Vec<Job>> {
        Ok(self.job_book().values().cloned().collect())
    }
}

impl MemoryStore {
    /// The job `claim` names, while the claim holds it.
    fn held_mut(&mut self, claim: &JobClaim) -> Option<&mut Job> {
        let now = Timestamp::now();
        self.job_book_mut().get_mut(&claim.name).filter(|j| {
            j.owner.as_deref() == Some(claim.owner.as_str())
                && j.lease_until.is_some_and(|t| t >= now)
        })
    }
}

impl JobStore for SqliteStore {
    fn schedule_jobs(&mut self, jobs: &[(String, Timestamp)]) -> Result<()> {
        let now = Timestamp::now().as_microsecond();
        let tx = self.conn().unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO jobs (name, due_at) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO UPDATE SET due_at = excluded.due_at \
                 WHERE lease_until IS NULL OR lease_until < ?3",
            )?;
            for (name, due) in jobs {
                check(name)?;
                stmt.execute(params![name, due.as_microsecond(), now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn claim_job(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease: Duration,
    ) -> Result<Option<JobClaim>> {
        let clock = Timestamp::now().as_microsecond();
        let row = self
            .conn()
            .prepare_cached(
                "UPDATE jobs SET owner = ?1, lease_until = ?2, attempts = attempts + 1 \
                 WHERE name = (SELECT name FROM jobs WHERE due_at <= ?3 \
                     AND (lease_until IS NULL OR lease_until < ?4) \
                     ORDER BY due_at, name LIMIT 1) \
                 RETURNING name, attempts",
            )?
            .query_row(
                params![owner, until(lease)?, now.as_microsecond(), clock],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()?;
        Ok(row.map(|(name, n)| JobClaim {
            name,
            owner: owner.to_string(),
            attempts: attempts(n),
        }))
    }

    fn renew_job(&mut self, claim: &JobClaim, lease: Duration) -> Result<bool> {
        let n = self.conn().prepare_cached(
            "UPDATE jobs SET lease_until = ?3 WHERE name = ?1 AND owner = ?2 AND lease_until >= ?4",
        )?
        .execute(params![
            claim.name,
            claim.owner,
            until(lease)?,
            Timestamp::now().as_microsecond()
        ])?;
        Ok(n > 0)
    }

    fn finish_job(&mut self, claim: &JobClaim, next_due: Option<Timestamp>) -> Result<bool> {
        let now = Timestamp::now().as_microsecond();
        let n = match next_due {
            Some(due) => self
                .conn()
                .prepare_cached(
                    "UPDATE jobs SET due_at = ?3, owner = NULL, lease_until = NULL, attempts = 0 \
                 WHERE name = ?1 AND owner = ?2 AND lease_until >= ?4",
                )?
                .execute(params![claim.name, claim.owner, due.as_microsecond(), now])?,
            None => self
                .conn()
                .prepare_cached(
                    "DELETE FROM jobs WHERE name = ?1 AND owner = ?2 AND lease_until >= ?3",
                )?
                .execute(params![claim.name, claim.owner, now])?,
        };
        Ok(n > 0)
    }

    fn jobs(&self) -> Result<Vec<Job>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT name, due_at, owner, lease_until, attempts FROM jobs ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        rows.map(|r| {
            let (name, due, owner, lease, n) = r?;
            Ok(Job {
                name,
                due_at: from_us(due)?,
                owner,
                lease_until: lease.map(from_us).transpose()?,
                attempts: attempts(n),
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> Timestamp {
        raw.parse().unwrap()
    }

    fn schedule(store: &mut dyn JobStore, name: &str, due: &str) {
        store.schedule_jobs(&[(name.to_string(), at(due))]).unwrap();
    }

    const LEASE: Duration = Duration::from_secs(30);

    /// Claims go earliest due first, never to a job under a live lease, and a finished job
    /// is due again when it said.
    fn claims_in_due_order(store: &mut dyn JobStore) {
        schedule(store, "source:b", "2026-12-02T10:05:00Z");
        schedule(store, "source:a", "2026-12-02T10:00:00Z");
        schedule(store, "source:later", "2026-12-02T12:00:00Z");
        let now = at("2026-12-02T11:00:00Z");
        let first = store.claim_job("node-a", now, LEASE).unwrap().unwrap();
        assert_eq!((first.name.as_str(), first.attempts), ("source:a", 1));
        let second = store.claim_job("node-b", now, LEASE).unwrap().unwrap();
        assert_eq!(second.name, "source:b", "a leased job is not claimed twice");
        assert_eq!(store.claim_job("node-c", now, LEASE).unwrap(), None);
        // A scheduler's look at the sources does not move a job under lease.
        schedule(store, "source:a", "2026-12-02T09:00:00Z");
        assert!(store.renew_job(&first, LEASE).unwrap());
        let next = at("2026-12-02T17:00:00Z");
        assert!(store.finish_job(&first, Some(next)).unwrap());
        assert!(
            !store.finish_job(&first, Some(next)).unwrap(),
            "already finished"
        );
        assert!(!store.renew_job(&first, LEASE).unwrap());
        assert!(store.finish_job(&second, None).unwrap());
        let jobs = store.jobs().unwrap();
        let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["source:a", "source:later"]);
        assert_eq!((jobs[0].due_at, jobs[0].owner.as_deref()), (next, None));
        assert_eq!(store.claim_job("node-c", now, LEASE).unwrap(), None);
    }

    /// A job whose lease ran out (its node died) is claimed again, counting the attempt, and
    /// the dead node's claim can no longer finish it.
    fn lapsed_leases_are_claimed_again(store: &mut dyn JobStore) {
        schedule(store, "watches", "2026-12-02T10:00:00Z");
        let now = at("2026-12-02T10:00:00Z");
        let short = Duration::from_millis(50);
        let dead = store.claim_job("node-a", now, short).unwrap().unwrap();
        std::thread::sleep(Duration::from_millis(120));
        let again = store.claim_job("node-b", now, LEASE).unwrap().unwrap();
        assert_eq!((again.name.as_str(), again.attempts), ("watches", 2));
        assert!(!store.renew_job(&dead, LEASE).unwrap());
        assert!(!store.finish_job(&dead, Some(now)).unwrap());
        assert!(store.finish_job(&again, Some(now)).unwrap());
        assert_eq!(store.jobs().unwrap()[0].attempts, 0);
    }

    /// The stores the suite runs on: memory, embedded, and PostgreSQL when one is configured.
    fn stores(dir: &std::path::Path) -> Vec<Box<dyn JobStore>> {
        let mut stores: Vec<Box<dyn JobStore>> = vec![
            Box::new(MemoryStore::new()),
            Box::new(SqliteStore::open_dir(dir).unwrap()),
        ];
        if let Some(url) = pointe_testdata::database_url() {
            stores.push(Box::new(crate::store::PgStore::scratch(&url).unwrap()));
        }
        stores
    }

    #[test]
    fn jobs_are_claimed_once_in_due_order() {
        let dir = tempfile::tempdir().unwrap();
        for store in &mut stores(dir.path()) {
            claims_in_due_order(store.as_mut());
        }
    }

    #[test]
    fn a_job_is_claimed_again_after_its_lease_runs_out() {
        let dir = tempfile::tempdir().unwrap();
        for store in &mut stores(dir.path()) {
            lapsed_leases_are_claimed_again(store.as_mut());
        }
    }
}
