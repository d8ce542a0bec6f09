"""SQLite storage through sqlite-utils: schema, migrations, typed queries and the outbox."""

import types as _types

from storage.alerts import (
    AlertRow,
    add_alert,
    alerts_to_resend,
    get_alert,
    mark_alert_resent,
    mark_alert_seen,
    unseen_alerts,
)
from storage.audit import AuditEntry, audit_entries, log_action
from storage.backup import backup
from storage.checkins import (
    checkins_between,
    decision_on,
    get_checkin,
    history,
    latest_decision,
    save_checkin,
    save_checkin_and_decision,
    save_decision,
)
from storage.coaches import (
    CoachRow,
    athletes_of,
    coach_by_invite,
    coaches_of,
    get_coach,
    is_linked,
    link_coach,
    list_coaches,
    new_invite_code,
    rotate_invite_code,
    set_coach_tz,
    unlink_coach,
    upsert_coach,
)
from storage.db import Store, open_db, parse_utc, utc_iso
from storage.drafts import Draft, clear_draft, form_state, load_draft, save_draft
from storage.events import add_event, events_between
from storage.integrity import UnusableDatabase, check_file, quick_check
from storage.migrations import MIGRATIONS, migrate, schema_version
from storage.outbox import (
    OutboxMessage,
    Priority,
    backlog_count,
    claim_due,
    delete_finished_before,
    enqueue,
    failed_count,
    get_message,
    mark_failed,
    mark_retry,
    mark_sent,
    release_claimed,
    requeue_stuck_sending,
    stale_pending,
)
from storage.privacy import delete_runner, export_runner, wipe_free_space
from storage.reminders import claim_reminder, claimed_since, prune_reminder_log, reminder_sent
from storage.runners import (
    RunnerRow,
    Schedule,
    check_tz,
    get_runner,
    list_runners,
    reminder_candidates,
    reminder_schedules,
    runner_tz,
    set_active,
    set_checkin_time,
    set_nudge_hours,
    set_paused,
    set_snoozed_until,
    set_tz,
    update_profile,
    upsert_runner,
)

# The public names are the ones imported above, listed once: __all__ follows them.
__all__ = sorted(name for name, value in vars().items()
                 if not name.startswith("_") and not isinstance(value, _types.ModuleType))  # fmt: skip
