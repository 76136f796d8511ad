//! A write transaction's connection, which a thread of its own may hold for a while to send
//! rows by `COPY` while the ingest builds the next ones. Without it the two take turns: the
//! server idles while the client builds a batch, and the client idles while the server stores
//! it. With it, on two cores, the client's work and the server's overlap.
//!
//! At most one send is in flight. Any other use of the connection waits for it first, and
//! an error of the send is the error of that use; the transaction is then rolled back as any
//! failed one.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};

use postgres::{Client, GenericClient};

use crate::{Error, Result};

/// `COPY … FROM STDIN` statements and their rows, sent in order.
pub(super) type Copies = Vec<(&'static str, String)>;

/// A connection in a transaction (`BEGIN` sent), rolled back when dropped uncommitted.
pub(super) struct TxConn<'a> {
    /// The store's connection; empty while the sending thread holds it.
    slot: &'a mut Option<Client>,
    sender: Option<CopySender>,
    /// Whether a send is in flight (the connection is with the sender).
    in_flight: bool,
    open: bool,
}

/// A send done: the connection back, its outcome and the rows' buffers, emptied for reuse.
struct Sent {
    client: Client,
    result: Result<()>,
    buffers: Vec<String>,
}

/// The thread that sends, for as long as the transaction lasts.
struct CopySender {
    jobs: Sender<(Client, Copies)>,
    done: Receiver<Sent>,
}

impl<'a> TxConn<'a> {
    pub(super) fn begin(slot: &'a mut Option<Client>) -> Result<TxConn<'a>> {
        slot.as_mut().ok_or_else(lost)?.batch_execute("BEGIN")?;
        Ok(TxConn {
            slot,
            sender: None,
            in_flight: false,
            open: true,
        })
    }

    /// The connection, once the rows in flight are stored.
    pub(super) fn client(&mut self) -> Result<&mut Client> {
        self.wait()?;
        self.slot.as_mut().ok_or_else(lost)
    }

    /// Waits for the send in flight, if any; the buffers it emptied.
    fn wait(&mut self) -> Result<Vec<String>> {
        if !self.in_flight {
            return Ok(Vec::new());
        }
        self.in_flight = false;
        let sent = self
            .sender
            .as_ref()
            .and_then(|s| s.done.recv().ok())
            .ok_or_else(lost)?;
        *self.slot = Some(sent.client);
        sent.result.map(|()| sent.buffers)
    }

    /// Sends `copies` on the sending thread and returns at once, with the buffers of the
    /// send before (empty, to fill again). Sends here when no thread can be started.
    pub(super) fn send_away(&mut self, copies: Copies) -> Result<Vec<String>> {
        let buffers = self.wait()?;
        if self.sender.is_none() {
            self.sender = CopySender::start();
        }
        let Some(sender) = &self.sender else {
            let client = self.slot.as_mut().ok_or_else(lost)?;
            return copy_all(client, &copies).map(|()| buffers);
        };
        let client = self.slot.take().ok_or_else(lost)?;
        match sender.jobs.send((client, copies)) {
            Ok(()) => self.in_flight = true,
            // The thread is gone, and the connection with the job it was handed.
            Err(e) => {
                *self.slot = Some(e.0.0);
                return Err(lost());
            }
        }
        Ok(buffers)
    }

    /// Sends `copies` and waits for them to be stored.
    pub(super) fn send_here(&mut self, copies: &[(&str, &str)]) -> Result<()> {
        copy_all(self.client()?, copies)
    }

    pub(super) fn commit(mut self) -> Result<()> {
        self.client()?.batch_execute("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for TxConn<'_> {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        // The outcome of a send in flight does not matter any more: it is all rolled back.
        let _ = self.wait();
        if let Some(client) = self.slot.as_mut()
            && let Err(e) = client.batch_execute("ROLLBACK")
        {
            tracing::warn!(error = %e, "rolling back a write to the database");
        }
    }
}

impl CopySender {
    /// Starts the thread; `None` when the system refuses one.
    fn start() -> Option<CopySender> {
        let (jobs, incoming) = channel::<(Client, Copies)>();
        let (finished, done) = channel();
        std::thread::Builder::new()
            .name("pointe-copy".into())
            .spawn(move || {
                for (mut client, copies) in incoming {
                    let result = catch_unwind(AssertUnwindSafe(|| copy_all(&mut client, &copies)))
                        .unwrap_or_else(|_| Err(Error::Store("sending rows failed".into())));
                    let buffers = copies
                        .into_iter()
                        .map(|(_, mut rows)| {
                            rows.clear();
                            rows
                        })
                        .collect();
                    let sent = Sent {
                        client,
                        result,
                        buffers,
                    };
                    if finished.send(sent).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(CopySender { jobs, done })
    }
}

/// Runs each `COPY` with its rows, skipping those with none.
pub(super) fn copy_all(
    client: &mut impl GenericClient,
    copies: &[(&str, impl AsRef<str>)],
) -> Result<()> {
    for (copy, rows) in copies.iter().filter(|(_, rows)| !rows.as_ref().is_empty()) {
        let mut writer = client.copy_in(*copy)?;
        std::io::Write::write_all(&mut writer, rows.as_ref().as_bytes())
            .map_err(|e| Error::Store(format!("copying rows to the database: {e}")))?;
        writer.finish()?;
    }
    Ok(())
}

fn lost() -> Error {
    Error::Store("the connection to the database was lost while it sent rows".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PgStore;

    const COPY: &str = "COPY conn_rows (n) FROM STDIN";

    fn rows(client: &mut Client) -> i64 {
        client
            .query_one("SELECT count(*) FROM conn_rows", &[])
            .unwrap()
            .get(0)
    }

    #[test]
    fn rows_sent_away_are_stored_before_the_next_use_and_a_refused_send_rolls_back() {
        let Some(url) = pointe_testdata::database_url() else {
            return;
        };
        let mut store = PgStore::scratch(&url).unwrap();
        let slot = store.client.get_mut();
        let client = slot.as_mut().unwrap();
        client
            .batch_execute("CREATE TABLE conn_rows (n INTEGER NOT NULL)")
            .unwrap();

        let mut conn = TxConn::begin(slot).unwrap();
        assert!(
            conn.send_away(vec![(COPY, "1\n2\n".into())])
                .unwrap()
                .is_empty()
        );
        let emptied = conn.send_away(vec![(COPY, "3\n".into())]).unwrap();
        assert_eq!(emptied.len(), 1);
        assert!(emptied[0].is_empty() && emptied[0].capacity() >= 4);
        assert_eq!(rows(conn.client().unwrap()), 3);
        conn.commit().unwrap();

        let mut conn = TxConn::begin(slot).unwrap();
        conn.send_away(vec![(COPY, "4\n".into())]).unwrap();
        conn.send_away(vec![(COPY, "four\n".into())]).unwrap();
        let refused = conn.client().err().expect("the server refuses the row");
        let mut said = refused.to_string();
        let mut cause = std::error::Error::source(&refused);
        while let Some(c) = cause {
            said.push_str(&format!(": {c}"));
            cause = c.source();
        }
        assert!(said.contains("\"four\""), "{said}");
        drop(conn);
        // Rolled back, on a connection that still serves.
        assert_eq!(rows(slot.as_mut().unwrap()), 3);
    }
}
