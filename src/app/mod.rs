//! The application: the engine and the store wired together, as the CLI and the bot use
//! them. Owns nothing of its own but the glue: finding initiatives for reports through the
//! search engine, and answers that show actuals.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use crate::actuals::report::{Found, InitiativeFinder, parse_message, resolve};
use crate::actuals::{
    ActualsVersion, ActualsView, AnswerId, BatchWriter, Channel, LoggedQuestion, QuestionRecord, QuestionResult,
    Refusal, ResolvedReport, ReviewStatus, Store, StoreError, VoteOn, fiscal_year, now_unix,
};
use crate::answer::{AskJson, Card, Extras, ask_json_with, card_with};
use crate::plan::FiscalYear;
use crate::review::{ReviewItem, Stats};
use crate::search::{self, Engine, Inputs, Intent, Outcome, Paths, Rebuild, Stamp};

/// Who keikaku answers — in the terminal (`--mode`), in a bot (`serve --mode`), in a card.
/// One idea, one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Audience {
    /// City staff: actuals with reporters, history; the staff bot takes registered users
    /// only, and reports.
    Staff,
    /// Residents: actuals only; the public bot is for everyone, read-only, with no write
    /// path at all.
    Public,
}

impl InitiativeFinder for Engine {
    fn find_initiative(&self, text: &str) -> Found {
        let outcome = self.by_name(text);
        let pages: Vec<u16> = outcome.hits.iter().map(|h| h.page).collect();
        match outcome.intent {
            Intent::NotFound => Found::None(outcome.suggestions.iter().map(|h| h.page).collect()),
            _ if outcome.ambiguous || outcome.intent == Intent::List => Found::Many(pages),
            _ => pages.first().map_or(Found::None(Vec::new()), |p| Found::One(*p)),
        }
    }
}

mod teach;

pub use teach::{Taught, TeachReply};

/// The longest question the log keeps, in characters (the engine reads no more).
const MAX_LOGGED_CHARS: usize = crate::search::engine::MAX_QUESTION_CHARS;

/// The engine and the store.
pub struct App {
    /// The question-answering engine; replaced whole when the data changes (a question
    /// being answered keeps the one it started with).
    engine: RwLock<Arc<Engine>>,
    /// The data folder the engine was read from, to read again on a change (none: fixed).
    source: Option<Paths>,
    /// The input files' stamp when last looked at and in service.
    stamp: Mutex<Option<Stamp>>,
    /// The last refusal and the files' stamp it was for: said once, tried again each look
    /// (an index someone else builds meanwhile is then taken up).
    refused: Mutex<Option<(Stamp, String)>>,
    /// Held while the engine is being replaced (a reload, a word taught): one at a time.
    changing: Mutex<()>,
    /// The state database.
    pub db: PathBuf,
    /// One connection, opened on first use and shared (SQLite connections are not `Sync`).
    shared: Mutex<Option<Store>>,
    /// The fiscal year taken as today, when fixed (tests, demos); the clock's otherwise.
    today: Option<FiscalYear>,
    /// The question log's writer (its own thread and connection), started on first use.
    log: std::sync::OnceLock<Result<BatchWriter, String>>,
    /// False when questions are not logged at all (`KEIKAKU_QUESTION_LOG=off`).
    logs_questions: bool,
    /// The actuals last read, with the version of the tables they were read at.
    view_cache: Mutex<Option<(ActualsVersion, Arc<ActualsView>)>>,
}

/// How long questions are kept (`KEIKAKU_LOG_RETENTION_DAYS`, default 365).
pub fn retention_days() -> i64 {
    std::env::var("KEIKAKU_LOG_RETENTION_DAYS")
        .ok()
        .and_then(|d| d.trim().parse::<i64>().ok())
        .filter(|d| *d > 0)
        .unwrap_or(365)
}

/// Who asked, as the question log is told.
#[derive(Debug, Clone, Copy)]
pub enum Asker {
    /// A Telegram chat (a pseudonym is kept for the public bot, the id for staff).
    Chat(i64),
    /// The terminal.
    Terminal,
    /// Nobody known: a search on the site.
    Anonymous,
}

impl App {
    /// An app over an open engine and a database path (opened when needed).
    pub fn new(engine: Engine, db: &Path) -> App {
        App {
            engine: RwLock::new(Arc::new(engine)),
            source: None,
            stamp: Mutex::new(None),
            refused: Mutex::new(None),
            changing: Mutex::new(()),
            db: db.to_path_buf(),
            shared: Mutex::new(None),
            view_cache: Mutex::new(None),
            today: None,
            log: std::sync::OnceLock::new(),
            logs_questions: true,
        }
    }

    /// The same app logging no question (a deployment whose privacy rules forbid keeping
    /// what residents ask): nothing to review, and the bots show no 👍 / 👎.
    pub fn without_question_log(mut self) -> App {
        self.logs_questions = false;
        self
    }

    /// True when questions are logged (and answers carry 👍 / 👎).
    pub fn logs_questions(&self) -> bool {
        self.logs_questions
    }

    /// The same app reading its data from `paths` again when the files change
    /// ([`App::reload_if_changed`]) and writing taught words there ([`App::teach`]).
    pub fn with_source(mut self, paths: Paths) -> App {
        self.source = Some(paths);
        self.finish_interrupted_at_start();
        self
    }

    /// The engine in service now.
    pub fn engine(&self) -> Arc<Engine> {
        Arc::clone(&self.engine.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// The plan in service now.
    pub fn plan(&self) -> Arc<crate::plan::Plan> {
        Arc::clone(self.engine().plan())
    }

    fn put_in_service(&self, engine: Arc<Engine>) {
        *self.engine.write().unwrap_or_else(std::sync::PoisonError::into_inner) = engine;
    }

    /// The engine made from `inputs`: the one in service when it was made from them, else a
    /// new one (its index built beside the old one when the document changed).
    fn engine_for(&self, inputs: &Inputs, paths: &Paths) -> Result<Arc<Engine>, search::SearchError> {
        let current = self.engine();
        if inputs.fingerprint() == current.inputs() {
            return Ok(current);
        }
        search::open_inputs(inputs, paths, Rebuild::IfStale).map(Arc::new)
    }

    /// Reads the data folder again when a file in it changed since the last look: the plan
    /// document, the user dictionary, the lexicon. A cheap look first (sizes and times);
    /// only when one differs are the files read and their contents compared with what the
    /// engine in service was made from. A new engine (and index, beside the old one) is
    /// built while the old one keeps answering, then put in service at once. A file that
    /// does not load is refused — said once per change, tried again at each look — and the
    /// old engine stays.
    pub fn reload_if_changed(&self) -> Reload {
        let Some(paths) = &self.source else { return Reload::Unchanged };
        let _one = self.changing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let stamp = Stamp::of(paths);
        if self.stamp.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref() == Some(&stamp) {
            return Reload::Unchanged;
        }
        let started = std::time::Instant::now();
        let current = self.engine();
        let engine = Inputs::read(paths)
            .and_then(|inputs| self.engine_for(&inputs, paths))
            .map(|engine| (!Arc::ptr_eq(&engine, &current)).then_some(engine));
        let mut refused = self.refused.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match engine {
            Ok(found) => {
                *self.stamp.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(stamp);
                *refused = None;
                let Some(engine) = found else { return Reload::Unchanged };
                let initiatives = engine.plan().initiatives.len();
                self.put_in_service(engine);
                Reload::Reloaded { initiatives, took: started.elapsed() }
            }
            Err(e) => {
                let error = format!("{e:#}");
                let again = refused.as_ref().is_some_and(|(s, said)| *s == stamp && *said == error);
                *refused = Some((stamp, error.clone()));
                if again { Reload::Unchanged } else { Reload::Refused(error) }
            }
        }
    }

    /// The same app with today's fiscal year fixed: what cards and relative years
    /// (「来年度」) are read against, so that a test says the same next April.
    pub fn with_today(mut self, today: FiscalYear) -> App {
        self.today = Some(today);
        self
    }

    /// Today's fiscal year.
    pub fn today(&self) -> FiscalYear {
        self.today.unwrap_or_else(|| fiscal_year(now_unix()))
    }

    /// What a card shows besides the plan: the actuals, reporters for staff, today's year.
    fn extras<'a>(&self, actuals: Option<&'a ActualsView>, audience: Audience) -> Extras<'a> {
        Extras { actuals, reporters: audience == Audience::Staff, today: Some(self.today()) }
    }

    /// A new connection to the store, creating the database if needed.
    pub fn store(&self) -> Result<Store, StoreError> {
        Store::open(&self.db).map(|s| self.fix_today(s))
    }

    /// The store reading today as this app does: the fixed year when there is one, the
    /// clock's otherwise.
    fn fix_today(&self, store: Store) -> Store {
        match self.today {
            Some(today) => store.with_today(today),
            None => store,
        }
    }

    /// Runs `f` on the shared connection, opening (and creating) the database if needed.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut guard = self.shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let store = match &mut *guard {
            Some(store) => store,
            slot @ None => slot.insert(self.fix_today(Store::open(&self.db)?)),
        };
        f(store)
    }

    /// The current actuals, or none when no database exists yet (reading never creates one).
    pub fn actuals(&self) -> Result<Option<Arc<ActualsView>>, StoreError> {
        let opened = self.shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_some();
        if !opened && !self.db.exists() {
            return Ok(None);
        }
        // Actuals are append-only: the newest id (and the roster's last change, for the
        // names) says whether the view read last is still the view; one cheap query per
        // answer instead of reading them all.
        self.with_store(|s| {
            let version = s.actuals_version()?;
            let mut cache = self.view_cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((seen, view)) = cache.as_ref()
                && *seen == version
            {
                return Ok(Some(Arc::clone(view)));
            }
            let view = Arc::new(s.view()?);
            *cache = Some((version, Arc::clone(&view)));
            Ok(Some(view))
        })
    }

    /// Answers a question with actuals, as a card and as the JSON contract.
    pub fn answer(
        &self,
        question: &str,
        context: Option<u16>,
        audience: Audience,
    ) -> Result<(Outcome, Card, AskJson), StoreError> {
        self.present(self.engine().ask_in_context(question, context), audience)
    }

    /// The card and the JSON of an outcome (an answer, or what a command asked the engine
    /// for), with actuals.
    pub fn present(&self, outcome: Outcome, audience: Audience) -> Result<(Outcome, Card, AskJson), StoreError> {
        let view = self.actuals()?;
        let extras = self.extras(view.as_deref(), audience);
        let engine = self.engine();
        let card = card_with(engine.plan(), &outcome, extras);
        let json = ask_json_with(engine.plan(), &outcome, extras);
        Ok((outcome, card, json))
    }

    /// The card of one initiative for one intent (a section button), with actuals.
    pub fn card_for(&self, page: u16, intent: Intent, audience: Audience) -> Result<Card, StoreError> {
        let outcome = Outcome::about(page, intent);
        let view = self.actuals()?;
        let extras = self.extras(view.as_deref(), audience);
        Ok(card_with(self.engine().plan(), &outcome, extras))
    }

    /// Logs a question and what came of it, for review, without waiting: the question log's
    /// writer batches it with others (see [`BatchWriter`]); a failure is a warning, never a
    /// failed answer. `answer`: the answer's id, which its 👍 / 👎 name. (The channels log
    /// through [`crate::conversation`], which gives the ids.)
    pub fn record_question(
        &self,
        channel: Channel,
        audience: Audience,
        asker: Asker,
        question: &str,
        outcome: &Outcome,
        answer: Option<AnswerId>,
    ) {
        if !self.logs_questions {
            return;
        }
        let result = match outcome.intent {
            Intent::NotFound => QuestionResult::NotFound,
            _ if outcome.ambiguous => QuestionResult::Candidates,
            _ => QuestionResult::Answered,
        };
        let pages: Vec<u16> = outcome.hits.iter().map(|h| h.page).take(20).collect();
        let now = now_unix();
        let question = question.chars().take(MAX_LOGGED_CHARS).collect::<String>();
        let intent = outcome.intent.as_str();
        let Some(writer) = self.log_writer() else { return };
        writer.submit("a question of the log", move |store| {
            let who = asker_name(store, asker, audience)?;
            store
                .log_question(&QuestionRecord {
                    at: now,
                    channel,
                    public: audience == Audience::Public,
                    asker: &who,
                    question: &question,
                    intent,
                    pages: &pages,
                    result,
                    answer,
                })
                .map(drop)
        });
    }

    /// 👍 or 👎 on the answer `on`, from the one who asked; a second press replaces the
    /// first. False when it is not theirs (or not there).
    pub fn vote(&self, on: VoteOn, audience: Audience, asker: Asker, up: bool) -> Result<bool, StoreError> {
        self.with_log(move |store| {
            let who = asker_name(store, asker, audience)?;
            store.vote(&who, on, up)
        })
    }

    /// What they wanted to know, said after a 👎 on the answer `on`.
    pub fn wanted(&self, on: VoteOn, audience: Audience, asker: Asker, text: &str) -> Result<bool, StoreError> {
        let text: String = text.chars().take(MAX_LOGGED_CHARS).collect();
        self.with_log(move |store| {
            let who = asker_name(store, asker, audience)?;
            store.set_wanted(&who, on, &text)
        })
    }

    /// Waits until every question logged so far is written (before the process ends, and in
    /// tests).
    pub fn flush_log(&self) {
        if let Some(writer) = self.log.get().and_then(|w| w.as_ref().ok()) {
            writer.flush();
        }
    }

    /// The logged questions asked in the last `since` seconds (all when `None`), oldest
    /// first; none when nothing was ever asked (no database).
    pub fn questions(&self, since: Option<i64>) -> Result<Vec<LoggedQuestion>, StoreError> {
        self.flush_log();
        let from = since.map_or(0, |s| now_unix() - s);
        Ok(match Store::open_existing(&self.db)? {
            Some(store) => store.questions_since(from)?,
            None => Vec::new(),
        })
    }

    /// The review's items of the last `since` seconds in `status` (all when `None`).
    pub fn review(&self, since: Option<i64>, status: Option<ReviewStatus>) -> Result<Vec<ReviewItem>, StoreError> {
        let rows = self.questions(since)?;
        let engine = self.engine();
        Ok(crate::review::review(&rows, |q| engine.question_key(q), status))
    }

    /// Marks the review item that holds question `id` (of the last `since` seconds) and
    /// every question in it; the number marked, or `None` when there is no such item.
    pub fn mark_review(&self, id: i64, since: Option<i64>, to: ReviewStatus) -> Result<Option<usize>, StoreError> {
        match self.review_item(id, since)? {
            Some(item) => self.mark_item(&item, to).map(Some),
            None => Ok(None),
        }
    }

    /// The review item (of the last `since` seconds, any status) that holds question `id`.
    fn review_item(&self, id: i64, since: Option<i64>) -> Result<Option<ReviewItem>, StoreError> {
        Ok(self.review(since, None)?.into_iter().find(|i| i.ids.contains(&id)))
    }

    /// Marks every question of `item`; how many.
    fn mark_item(&self, item: &ReviewItem, to: ReviewStatus) -> Result<usize, StoreError> {
        let ids = item.ids.clone();
        self.with_log(move |store| store.set_review_status(&ids, to))
    }

    /// What the log says of the last `since` seconds.
    pub fn stats(&self, since: Option<i64>) -> Result<Stats, StoreError> {
        let rows = self.questions(since)?;
        let engine = self.engine();
        Ok(crate::review::stats(&rows, |q| engine.question_key(q)))
    }

    /// Runs `f` in the question log's writer (batched with the writes of other threads) and
    /// waits until it is committed. The writer deletes rows older than the retention period,
    /// at most once an hour.
    fn with_log<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        match self.log_writer() {
            Some(writer) => writer.write(f),
            None => Err(StoreError::Invalid("the question log's writer could not be started".into())),
        }
    }

    /// The question log's writer, started on first use.
    fn log_writer(&self) -> Option<&BatchWriter> {
        let writer = self.log.get_or_init(|| {
            let mut trimmed_at = 0;
            BatchWriter::start(self.db.clone(), move |store| {
                let now = now_unix();
                if now - trimmed_at >= 3600 {
                    trimmed_at = now;
                    if let Err(e) = store.forget_questions_before(now - retention_days() * 86_400) {
                        tracing::warn!(error = %e, "old questions were not forgotten");
                    }
                }
            })
            .map_err(|e| {
                tracing::warn!(error = %e, "the question log's writer could not be started");
                e.to_string()
            })
        });
        writer.as_ref().ok()
    }

    /// Resolves the four parts of a report.
    pub fn resolve_parts(
        &self,
        initiative: &str,
        indicator: &str,
        year: &str,
        value: &str,
    ) -> Result<ResolvedReport, Refusal> {
        let engine = self.engine();
        resolve(engine.plan(), &*engine, initiative, indicator, year, value, self.today())
    }

    /// Resolves a report written as a sentence; the year defaults to the current one.
    pub fn resolve_message(&self, message: &str) -> Result<ResolvedReport, Refusal> {
        let engine = self.engine();
        parse_message(engine.plan(), &*engine, message, self.today())
    }
}

/// How often a served process looks whether its data files changed: `KEIKAKU_RELOAD_SECS`
/// (default 10; `0`: never).
pub fn reload_every_from_env() -> Result<Option<std::time::Duration>, String> {
    match std::env::var("KEIKAKU_RELOAD_SECS").ok().as_deref().map(str::trim) {
        None | Some("") => Ok(Some(std::time::Duration::from_secs(10))),
        Some(n) => n
            .parse::<u64>()
            .map(|secs| (secs > 0).then(|| std::time::Duration::from_secs(secs)))
            .map_err(|_| format!("KEIKAKU_RELOAD_SECS 「{n}」: use seconds, or 0 for never")),
    }
}

/// Looks every `every` whether the data files changed, and puts a new engine in service
/// when they did ([`App::reload_if_changed`]: a periodic look at the files' sizes and times,
/// then their contents; no file watcher), until `stop` turns true. A file that does not load
/// goes to the log and to `refused` (the staff bot tells its administrators); the old data
/// stays in service.
pub async fn watch_data<F, Fut>(
    app: Arc<App>,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
    refused: F,
) where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let looking = Arc::clone(&app);
        match tokio::task::spawn_blocking(move || looking.reload_if_changed()).await {
            Ok(Reload::Unchanged) => {}
            Ok(Reload::Reloaded { initiatives, took }) => {
                tracing::info!(initiatives, ?took, "the data changed: the new plan and word lists are in service");
            }
            Ok(Reload::Refused(error)) => {
                tracing::error!(%error, "the data changed but does not load; the old data stays in service");
                refused(error).await;
            }
            Err(e) => tracing::warn!(error = %e, "looking at the data files failed"),
        }
    }
}

/// What came of looking at the data folder again.
#[derive(Debug, Clone, PartialEq)]
pub enum Reload {
    /// Nothing changed (or nothing that changes answers).
    Unchanged,
    /// A new engine is in service.
    Reloaded {
        /// Its initiatives.
        initiatives: usize,
        /// How long reading and building took.
        took: std::time::Duration,
    },
    /// A file does not load; the old engine stays. The error names the file and the line.
    Refused(String),
}

/// How the log names who asked: a pseudonym for a resident, the id for staff.
fn asker_name(store: &mut Store, asker: Asker, audience: Audience) -> Result<String, StoreError> {
    Ok(match (asker, audience) {
        (Asker::Chat(chat), Audience::Public) => store.pseudonym(chat)?,
        (Asker::Chat(chat), Audience::Staff) => chat.to_string(),
        (Asker::Terminal, _) => "terminal".to_string(),
        (Asker::Anonymous, _) => "anonymous".to_string(),
    })
}
