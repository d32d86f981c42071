//! The schema: its migrations, in order. `PRAGMA user_version` counts those applied; a
//! migration only adds (tables, columns, triggers), so existing data is kept as it was.

/// Schema migrations, in order; `PRAGMA user_version` counts those applied.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE staff (
    telegram_id INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'lead', 'staff')),
    active      INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL
);
CREATE TABLE staff_department (
    telegram_id INTEGER NOT NULL REFERENCES staff(telegram_id),
    department  TEXT NOT NULL,
    PRIMARY KEY (telegram_id, department)
);
CREATE TABLE actual (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    page        INTEGER NOT NULL,
    kpi         TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    value_raw   TEXT NOT NULL,
    value       REAL NOT NULL CHECK (value >= 0),
    unit        TEXT,
    per         TEXT,
    reported_by INTEGER NOT NULL REFERENCES staff(telegram_id),
    reported_at INTEGER NOT NULL,
    source      TEXT NOT NULL
);
CREATE INDEX actual_by_kpi ON actual (page, kpi, fiscal_year, id);
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor     INTEGER,
    action    TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('ok', 'refused')),
    detail    TEXT NOT NULL,
    reason    TEXT,
    actual_id INTEGER REFERENCES actual(id)
);
CREATE TRIGGER actual_append_only_update BEFORE UPDATE ON actual
    BEGIN SELECT RAISE(ABORT, 'actuals are append-only: report a correction instead'); END;
CREATE TRIGGER actual_append_only_delete BEFORE DELETE ON actual
    BEGIN SELECT RAISE(ABORT, 'actuals are append-only: report a correction instead'); END;
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#,
    r#"
-- The reporter's name as it was when the report was made (history and export show it;
-- a later rename of the staff member does not rewrite the record).
ALTER TABLE actual ADD COLUMN reporter_name TEXT;
"#,
    r#"
-- What people asked and what they got: reviewed by administrators (keikaku review). In public
-- mode `asker` is a pseudonym (a keyed hash of the chat, see `secret`), never a Telegram id.
CREATE TABLE question_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at INTEGER NOT NULL,
    channel  TEXT NOT NULL,
    mode     TEXT NOT NULL CHECK (mode IN ('staff', 'public')),
    asker    TEXT NOT NULL,
    question TEXT NOT NULL,
    intent   TEXT NOT NULL,
    pages    TEXT NOT NULL,
    result   TEXT NOT NULL CHECK (result IN ('answered', 'candidates', 'not_found')),
    vote     INTEGER CHECK (vote IN (-1, 1)),
    wanted   TEXT,
    status   TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'resolved', 'ignored')),
    message  INTEGER
);
CREATE INDEX question_log_by_time ON question_log (asked_at);
CREATE INDEX question_log_by_message ON question_log (asker, message);
CREATE TABLE secret (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"#,
    r#"
-- The LINE bot's inbox: every webhook event taken (LINE's webhookEventId), so that an event
-- LINE sends again, or one met again after a restart, is answered once, and one accepted
-- but not answered before a stop is finished at the next start. What identifies a resident
-- is kept only as long as it is needed: the event (with the question) until its answer is
-- ready, the reply token and the user or group to push to until it is sent.
CREATE TABLE line_event (
    event_id    TEXT PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('accepted', 'sending', 'answered', 'dropped')),
    received_at INTEGER NOT NULL,
    event       TEXT,
    reply_token TEXT,
    push_to     TEXT,
    answer      TEXT
);
CREATE INDEX line_event_pending ON line_event (state) WHERE state IN ('accepted', 'sending');
CREATE INDEX line_event_by_time ON line_event (received_at);
"#,
    r#"
-- The Telegram bots' inbox: updates taken from Telegram and not yet answered (Telegram is
-- told to forget an update only once it is here), and notices owed to chats whose backlog
-- is full. A row goes once answered. `bot` is the bot's own user id: the staff and public
-- bots share the database. `sent`: the ids of the messages already sent for it.
CREATE TABLE telegram_inbox (
    bot       INTEGER NOT NULL,
    update_id INTEGER NOT NULL,
    chat      INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('update', 'notice')),
    body      TEXT NOT NULL,
    sent      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (bot, update_id)
);
CREATE INDEX telegram_inbox_by_chat ON telegram_inbox (bot, chat, kind);
CREATE TABLE telegram_offset (
    bot  INTEGER PRIMARY KEY,
    next INTEGER NOT NULL
);
"#,
    r#"
-- Why a value missed its target (未達), given by its reporter (or an admin) when it was
-- reported or just after: kept beside the actual, never in it (actuals are append-only and
-- existing rows stay as they are). One reason per actual, append-only like the actuals.
CREATE TABLE actual_reason (
    actual_id INTEGER PRIMARY KEY REFERENCES actual(id),
    reason    TEXT NOT NULL,
    given_by  INTEGER NOT NULL,
    given_at  INTEGER NOT NULL
);
CREATE TRIGGER actual_reason_append_only_update BEFORE UPDATE ON actual_reason
    BEGIN SELECT RAISE(ABORT, 'reasons are append-only'); END;
CREATE TRIGGER actual_reason_append_only_delete BEFORE DELETE ON actual_reason
    BEGIN SELECT RAISE(ABORT, 'reasons are append-only'); END;
"#,
    r#"
-- Votes are keyed on an answer id of ours, whatever the channel: `answer` is given when the
-- answer is made and carried by its 👍 / 👎. Rows logged before keep `message` (the Telegram
-- message of the answer), and the buttons already sent under them still vote through it.
ALTER TABLE question_log ADD COLUMN answer INTEGER;
CREATE INDEX question_log_by_answer ON question_log (asker, answer);
"#,
];
