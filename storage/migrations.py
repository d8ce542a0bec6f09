"""The schema, as a list of migrations, and `migrate()` which applies the pending ones.

The schema version is SQLite's `PRAGMA user_version`: 0 for an empty file, N after
`MIGRATIONS[N-1]` ran. Each migration runs in its own transaction together with the
version bump, so a crash leaves the database at the previous version, never half-way.

Rules for new migrations: append, never edit a released one; write plain SQL (the
models may change later, a migration must not); a table rebuild that needs
`foreign_keys=OFF` must switch it outside the transaction (see sqlite-utils `transform`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlite_utils import Database

Migration = Callable[[Database], None]


def _v1_tables(db: Database) -> None:
    """Every table of the bot."""
    statements = [
        # A runner, keyed by Telegram user id. `profile` is Profile.model_dump_json(),
        # NULL until onboarding finishes; `site` and `strength_days` are copied from it
        # for queries. nudge_hours NULL = no nudge. active = 0 once the bot was blocked.
        """CREATE TABLE runners (
            user_id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            first_name TEXT,
            profile TEXT,
            site TEXT,
            tz TEXT NOT NULL DEFAULT 'UTC',
            checkin_time TEXT NOT NULL DEFAULT '07:00',
            nudge_hours INTEGER DEFAULT 3,
            strength_days TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            paused INTEGER NOT NULL DEFAULT 0,
            onboarded_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE coaches (
            user_id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            first_name TEXT,
            tz TEXT NOT NULL DEFAULT 'UTC',
            invite_code TEXT UNIQUE,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE coach_links (
            coach_id INTEGER NOT NULL REFERENCES coaches(user_id) ON DELETE CASCADE,
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            PRIMARY KEY (coach_id, runner_id)
        )""",
        "CREATE INDEX coach_links_runner ON coach_links(runner_id)",
        """CREATE TABLE checkins (
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            date TEXT NOT NULL,
            pain_rest INTEGER NOT NULL,
            night_pain INTEGER NOT NULL,
            pain_session INTEGER,
            pain_morning INTEGER NOT NULL,
            soreness_hours REAL NOT NULL,
            tenderness INTEGER NOT NULL,
            swelling INTEGER NOT NULL,
            limp INTEGER NOT NULL,
            hip_groin_pain INTEGER NOT NULL,
            session_done TEXT,
            sleep_hours REAL,
            calcium_mg REAL,
            protein_g REAL,
            weight_kg REAL,
            missed_cycles INTEGER,
            vitamin_d_ng_ml REAL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (runner_id, date)
        )""",
        # `decision` is the whole Decision (with its EngineState) as JSON; the other
        # columns are copies for queries and for a clinician reading the table.
        """CREATE TABLE decisions (
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            date TEXT NOT NULL,
            action TEXT NOT NULL,
            stage_before TEXT NOT NULL,
            stage TEXT NOT NULL,
            rules TEXT NOT NULL,
            escalation TEXT,
            protocol_version TEXT NOT NULL,
            decision TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (runner_id, date)
        )""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            date TEXT NOT NULL,
            type TEXT NOT NULL,
            actor_id INTEGER,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX events_runner_date ON events(runner_id, date)",
        # One open form per user (runner or coach, so no foreign key).
        """CREATE TABLE form_drafts (
            user_id INTEGER PRIMARY KEY,
            form TEXT NOT NULL,
            question TEXT,
            answers TEXT NOT NULL DEFAULT '{}',
            message_id INTEGER,
            updated_at TEXT NOT NULL
        )""",
        # runner_id: the runner a message is about (a coach's alert too), so /delete
        # removes it. Higher priority goes first (alerts before a reminder fan-out).
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            runner_id INTEGER REFERENCES runners(user_id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            not_before TEXT NOT NULL,
            last_error TEXT,
            dedupe_key TEXT UNIQUE,
            created_at TEXT NOT NULL,
            sent_at TEXT
        )""",
        "CREATE INDEX outbox_due ON outbox(status, not_before)",
        "CREATE INDEX outbox_runner ON outbox(runner_id)",
        """CREATE TABLE reminder_log (
            id INTEGER PRIMARY KEY,
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            local_date TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (runner_id, kind, local_date)
        )""",
        """CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            coach_id INTEGER REFERENCES coaches(user_id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('urgent', 'review')),
            rules TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            seen_at TEXT,
            resent_at TEXT
        )""",
        "CREATE INDEX alerts_runner ON alerts(runner_id)",
        "CREATE INDEX alerts_coach ON alerts(coach_id, seen_at)",
        # No foreign key: an entry may name a user who is not (or no longer) a runner.
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_id INTEGER,
            action TEXT NOT NULL,
            runner_id INTEGER,
            detail TEXT
        )""",
        "CREATE INDEX audit_log_runner ON audit_log(runner_id)",
        "CREATE INDEX audit_log_actor ON audit_log(actor_id)",
    ]
    for sql in statements:
        db.execute(sql)


def _v2_snooze(db: Database) -> None:
    """Reminders: a runner can snooze them until a UTC time; index the tick's runner scan."""
    db.execute("ALTER TABLE runners ADD COLUMN snoozed_until TEXT")
    db.execute("CREATE INDEX runners_reminders ON runners(active, paused)")


def _v3_protocol_version_labels(db: Database) -> None:
    """Protocol version 2 (docs/PROTOCOL.md §8): decisions made under version 1 keep their content;
    their label, stored as "2026.11-1" before version 2 existed, becomes "1" in the column and
    in the stored decision, so every decision names the book's version it was made under."""
    db.execute(
        "UPDATE decisions SET protocol_version = '1', "
        "decision = json_set(decision, '$.protocol_version', '1') "
        "WHERE protocol_version = '2026.11-1'"
    )


def _v4_outbox_about(db: Database) -> None:
    """Every runner an outbox row is about, so /delete finds them all: a coach's digest
    names several athletes, and the "has left" notice names a runner already deleted (so
    no foreign key to `runners`). `outbox.runner_id`, when set, is listed here too."""
    db.execute(
        """CREATE TABLE outbox_about (
            outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
            runner_id INTEGER NOT NULL,
            PRIMARY KEY (runner_id, outbox_id)
        )"""
    )
    db.execute("CREATE INDEX outbox_about_row ON outbox_about(outbox_id)")
    db.execute(
        """INSERT INTO outbox_about (outbox_id, runner_id)
           SELECT id, runner_id FROM outbox WHERE runner_id IS NOT NULL"""
    )


def _v5_squad(db: Database) -> None:
    """Coaches (issue 17): a stable reference per athlete, coach actions that happen once,
    and the clearances a runner reports for the coach to confirm."""
    # `ref`: the athlete's number for this coach, never reused while the coach exists, so a
    # runner leaving never shifts anyone else's (/clear 2 always means the same athlete).
    db.execute("ALTER TABLE coach_links ADD COLUMN ref INTEGER")
    db.execute("ALTER TABLE coaches ADD COLUMN next_ref INTEGER NOT NULL DEFAULT 1")
    db.execute(
        """UPDATE coach_links SET ref = (
             SELECT count(*) FROM coach_links o WHERE o.coach_id = coach_links.coach_id
               AND (o.created_at < coach_links.created_at OR (o.created_at = coach_links.created_at
                    AND o.runner_id <= coach_links.runner_id)))"""
    )
    db.execute(
        """UPDATE coaches SET next_ref = 1 + coalesce(
             (SELECT max(ref) FROM coach_links WHERE coach_id = coaches.user_id), 0)"""
    )
    db.execute("CREATE UNIQUE INDEX coach_links_ref ON coach_links(coach_id, ref)")
    # One row per coach action; `key` makes a repeated or concurrent press one action.
    db.execute(
        """CREATE TABLE coach_actions (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            coach_id INTEGER NOT NULL,
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            action TEXT NOT NULL,
            alert_id INTEGER,
            event_id INTEGER,
            at TEXT NOT NULL,
            undone_at TEXT
        )"""
    )
    db.execute("CREATE INDEX coach_actions_runner ON coach_actions(runner_id, action)")
    db.execute("CREATE INDEX coach_actions_alert ON coach_actions(alert_id)")
    # What the runner says their clinician cleared (onboarding, settings), until confirmed.
    db.execute(
        """CREATE TABLE clearance_reports (
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('walking', 'running')),
            reported_at TEXT NOT NULL,
            confirmed_at TEXT,
            confirmed_by INTEGER,
            PRIMARY KEY (runner_id, kind)
        )"""
    )


def _v6_inbox(db: Database) -> None:
    """The inbox (storage/inbox.py): each update from Telegram, stored before it is
    acknowledged, until handled and pruned. `payload` is the update's JSON as received."""
    db.execute(
        """CREATE TABLE inbox (
            update_id INTEGER PRIMARY KEY,
            payload TEXT NOT NULL,
            received_at TEXT NOT NULL,
            handled_at TEXT
        )"""
    )
    # No index: every update inserts and marks a row on the hot path, an index would be
    # written twice per update; the rows are a couple of days of updates, and the two scans
    # (unhandled rows at start-up, pruning every ten minutes) read them in milliseconds.


def _v7_runner_changes(db: Database) -> None:
    """A runner's own later changes (dated, for the engine) and their clinician invites."""
    db.execute(
        """CREATE TABLE profile_changes (
            id INTEGER PRIMARY KEY,
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            date TEXT NOT NULL,
            field TEXT NOT NULL,
            old TEXT,
            new TEXT,
            actor_id INTEGER,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX profile_changes_runner ON profile_changes(runner_id, date)")
    db.execute(
        """CREATE TABLE runner_invites (
            code TEXT PRIMARY KEY,
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX runner_invites_runner ON runner_invites(runner_id)")
    # a weekly question skipped is still asked only weekly
    db.execute(
        """CREATE TABLE weekly_asked (
            runner_id INTEGER NOT NULL REFERENCES runners(user_id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            asked_on TEXT NOT NULL,
            PRIMARY KEY (runner_id, question)
        )"""
    )


def _v8_inbox_replies(db: Database) -> None:
    """The Bot API calls an update's handler has made (storage/inbox.py `add_reply`), kept
    until the update is handled: a handler run again after a kill does not repeat them. A
    table of their own: appending to the inbox row would rewrite its payload each time."""
    db.execute(
        """CREATE TABLE inbox_replies (
            update_id INTEGER NOT NULL,
            n INTEGER NOT NULL,
            entry TEXT NOT NULL
        )"""
    )
    # No index: it holds only the replies of the updates in hand (a few hundred rows at most,
    # deleted as each is marked), and an index would be written with every reply.


MIGRATIONS: list[Migration] = [
    _v1_tables, _v2_snooze, _v3_protocol_version_labels, _v4_outbox_about, _v5_squad,
    _v6_inbox, _v7_runner_changes, _v8_inbox_replies,
]


def schema_version(db: Database) -> int:
    """The version the database is at (0 = empty)."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: Database, migrations: Sequence[Migration] = MIGRATIONS) -> tuple[int, int]:
    """Apply the pending migrations, each in its own transaction; return (from, to)."""
    start = schema_version(db)
    if start > len(migrations):
        raise RuntimeError(
            f"database schema is version {start}, newer than this code "
            f"({len(migrations)}): upgrade stridecoach"
        )
    for version in range(start + 1, len(migrations) + 1):
        with db.atomic():
            migrations[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
    return start, max(start, len(migrations))
