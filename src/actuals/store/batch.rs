//! A writer thread with its own connection that runs the question log's writes in batches:
//! the writes that arrive while one batch commits go together in the next transaction, so a
//! burst of questions costs one commit per batch instead of one per question, and answering
//! threads never queue on a lock for the disk. A batch of background writes (questions
//! logged) waits up to [`LINGER`] for more to join it; a write someone waits for (a vote, a
//! flush) is committed at once, with whatever is queued.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::{Store, StoreError};

/// The most writes one transaction takes.
const BATCH: usize = 256;
/// How long a background write waits for others to share its commit: under load, a few
/// commits a second instead of one per question (what nobody waits for may wait).
pub const LINGER: std::time::Duration = std::time::Duration::from_millis(50);

/// What a job does after its batch commits (or fails to): hand its result to its caller.
type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A write, run inside a batch's transaction (or told the store could not be opened).
type Work = Box<dyn FnOnce(Result<&mut Store, String>) -> Finish + Send>;

/// A write and whether someone waits for it.
struct Job {
    work: Work,
    urgent: bool,
}

/// The handle: jobs in, results back to each caller once its batch is on disk.
pub struct BatchWriter {
    jobs: Sender<Job>,
    name: &'static str,
}

/// How a writer's connection is set up once opened.
type Prepare = fn(Store) -> Result<Store, StoreError>;

impl BatchWriter {
    /// Starts the writer thread over the database at `db` (opened on the first job, as a
    /// log connection: see [`Store::for_question_log`]). `each_batch` runs after every
    /// batch, in its transaction (retention).
    pub fn start(db: PathBuf, each_batch: impl FnMut(&mut Store) + Send + 'static) -> std::io::Result<BatchWriter> {
        BatchWriter::start_with("question-log", db, Store::for_question_log, each_batch)
    }

    /// [`BatchWriter::start`] for another table: the thread named `name`, its connection set
    /// up by `prepare` (the store's own `synchronous=FULL` when `Ok`).
    pub fn start_with(
        name: &'static str,
        db: PathBuf,
        prepare: Prepare,
        each_batch: impl FnMut(&mut Store) + Send + 'static,
    ) -> std::io::Result<BatchWriter> {
        let (jobs, queue) = channel::<Job>();
        std::thread::Builder::new().name(name.into()).spawn(move || run(&db, prepare, &queue, each_batch))?;
        Ok(BatchWriter { jobs, name })
    }

    /// The same, its commits waited to disk (`synchronous=FULL`, as reports): for records
    /// someone is told about before the process may die (the LINE bot's inbox, whose
    /// events LINE will not send again once answered 200). Its thread is named `name`.
    pub fn start_durable(
        name: &'static str,
        db: PathBuf,
        each_batch: impl FnMut(&mut Store) + Send + 'static,
    ) -> std::io::Result<BatchWriter> {
        BatchWriter::start_with(name, db, Ok, each_batch)
    }

    /// Runs `f` in the writer's next batch without waiting for it; a failure is logged.
    pub fn submit(&self, what: &'static str, f: impl FnOnce(&mut Store) -> Result<(), StoreError> + Send + 'static) {
        let work: Work = Box::new(move |store| {
            let result = store.map_err(StoreError::Invalid).and_then(f);
            Box::new(move |committed: Result<(), String>| {
                if let Err(e) = committed.map_err(StoreError::Invalid).and(result) {
                    tracing::warn!(error = %e, "{what} was not written");
                }
            })
        });
        if self.jobs.send(Job { work, urgent: false }).is_err() {
            tracing::warn!(writer = self.name, "{what} was not written: the writer has stopped");
        }
    }

    /// Waits until everything submitted so far is written.
    pub fn flush(&self) {
        let _ = self.write(|_| Ok(()));
    }

    /// Runs `f` in the writer's next batch and returns its result once the batch commits.
    pub fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = channel::<Result<T, StoreError>>();
        let work: Work = Box::new(move |store| {
            let result = match store {
                Ok(store) => f(store),
                Err(e) => Err(StoreError::Invalid(e)),
            };
            Box::new(move |committed: Result<(), String>| {
                let _ = reply.send(committed.map_err(StoreError::Invalid).and(result));
            })
        });
        let gone = || StoreError::Invalid(format!("the {} writer has stopped", self.name));
        self.jobs.send(Job { work, urgent: true }).map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }
}

fn run(db: &std::path::Path, prepare: Prepare, queue: &Receiver<Job>, mut each_batch: impl FnMut(&mut Store)) {
    let mut store: Option<Store> = None;
    while let Ok(first) = queue.recv() {
        let mut urgent = first.urgent;
        let mut jobs = vec![first.work];
        let deadline = std::time::Instant::now() + LINGER;
        while jobs.len() < BATCH {
            let next = if urgent {
                queue.try_recv().ok()
            } else {
                queue.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())).ok()
            };
            let Some(job) = next else { break };
            urgent |= job.urgent;
            jobs.push(job.work);
        }
        if store.is_none() {
            match Store::open(db).and_then(prepare) {
                Ok(s) => store = Some(s),
                Err(e) => {
                    for job in jobs {
                        job(Err(e.to_string()))(Err(e.to_string()));
                    }
                    continue;
                }
            }
        }
        let Some(s) = store.as_mut() else { continue };
        if let Err(e) = s.conn.execute_batch("BEGIN IMMEDIATE") {
            for job in jobs {
                job(Err(e.to_string()))(Err(e.to_string()));
            }
            continue;
        }
        let finishes: Vec<Finish> = jobs.into_iter().map(|job| job(Ok(&mut *s))).collect();
        each_batch(s);
        let committed = s.conn.execute_batch("COMMIT").map_err(|e| {
            let _ = s.conn.execute_batch("ROLLBACK");
            e.to_string()
        });
        for finish in finishes {
            finish(committed.clone());
        }
    }
}
