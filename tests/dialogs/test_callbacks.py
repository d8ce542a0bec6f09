"""Every kind of button (dialogs/callbacks.py), table-driven: built and parsed back to the same
value, the exact wire format the bot has always sent (old buttons in chats and queued outbox
rows must keep working), the longest data each builder can make within Telegram's 64 bytes,
and garbage or foreign data read as stale, never raising. Plus: nothing outside the module
writes callback data by hand, and the stale answer is written once."""

import ast
import pathlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs import callbacks
from dialogs.callbacks import (
    ALERT_ACTIONS,
    CHECKIN_OFFERS,
    CONFIRM_VERBS,
    EXITS,
    KINDS,
    MAX_BYTES,
    MAX_ID,
    MENU,
    PICK_PURPOSES,
    ROLES,
    SNOOZE_HOURS,
    AlertPress,
    CheckinOffer,
    ClinicianInvite,
    CoachDelete,
    Confirm,
    Delete,
    Exit,
    FormAnswer,
    Leave,
    Link,
    Menu,
    Pick,
    ResumeSelf,
    Role,
    SettingsAt,
    Snooze,
    Undo,
    build,
    parse,
)
from dialogs.handlers import ROUTES
from dialogs.runner import FORMS

DIALOGS = pathlib.Path(__file__).parents[2] / "dialogs"
CODE = "Ab3_-x9QzLm0Kp2w"  # secrets.token_urlsafe(12): a coach's or a runner's invite code

# (button, its callback_data exactly as the bot sends it)
WIRE = [
    (FormAnswer("checkin", "pain_rest", 3), "f:checkin:pain_rest:3"),
    (FormAnswer("onboarding", "consent", 0), "f:onboarding:consent:0"),
    (AlertPress("seen", 12), "a:seen:12"),
    (AlertPress("resume!", 12), "a:resume!:12"),
    (AlertPress("back", 12), "a:back:12"),
    (Pick("card", 5101), "p:card:5101"),
    (Pick("clear_running", 5101), "p:clear_running:5101"),
    (Confirm("running", 5101, 1772438400), "k:running:5101:1772438400"),
    (Confirm("no", 5101, 1772438400), "k:no:5101:1772438400"),
    (Undo(7), "u:7"),
    (Role("coach"), "role:coach"),
    (Role("no"), "role:no"),
    (CoachDelete(True, 1772438400), "cdel:coach:1772438400"),
    (CoachDelete(False), "cdel:cancel"),
    (Delete(True, 1772438400), "del:confirm:1772438400"),
    (Delete(False), "del:cancel"),
    (CheckinOffer("start"), "checkin:start"),
    (CheckinOffer("correct"), "checkin:correct"),
    (CheckinOffer("today"), "checkin:today"),
    (Snooze(1), "snooze:1"),
    (Snooze(3), "snooze:3"),
    (ResumeSelf(), "resume:self"),
    (Link(CODE), f"link:y:{CODE}"),
    (Link(None), "link:n"),
    (ClinicianInvite(CODE), f"rinv:y:{CODE}"),
    (ClinicianInvite(None), "rinv:n"),
    (Leave(9001), "leave:9001"),
    (Leave(None), "leave:keep"),
    (Exit("invite"), "exit:invite"),
    (Exit("unpause"), "exit:unpause"),
    (SettingsAt("walking_cleared"), "settings:walking_cleared"),
    (Menu("plan"), "menu:plan"),
]


@pytest.mark.parametrize(("button", "data"), WIRE, ids=[data for _, data in WIRE])
def test_each_kind_builds_its_wire_format_and_parses_back(button, data):
    assert build(button) == data
    assert parse(data) == button


def test_every_kind_is_in_the_table():
    assert {type(button) for button, _ in WIRE} == set(KINDS)


def _longest(kind) -> list:
    """The widest values each kind's builder can be given in practice."""
    big = MAX_ID
    forms = [(f.name, q.id, 99) for f in FORMS.values() for q in f.questions]
    return {
        FormAnswer: [FormAnswer(*f) for f in forms],
        AlertPress: [AlertPress(a, big) for a in ALERT_ACTIONS],
        Pick: [Pick(p, big) for p in PICK_PURPOSES],
        Confirm: [Confirm(v, big, big) for v in CONFIRM_VERBS],
        Undo: [Undo(big)],
        Role: [Role(r) for r in ROLES],
        CoachDelete: [CoachDelete(True, big), CoachDelete(False)],
        Delete: [Delete(True, big), Delete(False)],
        CheckinOffer: [CheckinOffer(w) for w in CHECKIN_OFFERS],
        Snooze: [Snooze(h) for h in SNOOZE_HOURS],
        ResumeSelf: [ResumeSelf()],
        Link: [Link(CODE), Link(None)],
        ClinicianInvite: [ClinicianInvite(CODE), ClinicianInvite(None)],
        Leave: [Leave(big), Leave(None)],
        Exit: [Exit(e) for e in EXITS],
        SettingsAt: [SettingsAt(q.id) for q in FORMS["settings"].questions],
        Menu: [Menu(m) for m in MENU],
    }[kind]


@pytest.mark.parametrize("kind", KINDS, ids=[k.__name__ for k in KINDS])
def test_every_builders_longest_data_fits_telegrams_64_bytes_and_round_trips(kind):
    for button in _longest(kind):
        data = build(button)
        assert 1 <= len(data.encode()) <= MAX_BYTES, data
        assert parse(data) == button, data


def test_every_form_button_fits_and_round_trips():
    for form in FORMS.values():
        for q in form.questions:
            for index in range(40):  # more buttons than any question has
                data = build(FormAnswer(form.name, q.id, index))
                assert len(data.encode()) <= MAX_BYTES and parse(data) == FormAnswer(form.name, q.id, index)


STALE_DATA = [
    "", ":", "f", "f:", "f:::", "f:checkin:pain_rest:", "f:checkin:pain_rest:-1",
    "f:checkin:pain_rest:x", "f:checkin:pain_rest:1:2", "f:Checkin:pain_rest:1", "f:pain_rest:0",
    "a:", "a:seen", "a:seen:", "a:seen:x", "a:seen:-1", "a:bogus:1", "a:seen:99999999999999999999",
    f"a:seen:{MAX_ID + 1}", "a:seen:１", "a:seen: 1", "a:seen:+1", "a:seen:1_0", "p:card", "p:x:1",
    "p:card:1:2", "k:running:x:1", "k:running:1", "k:fly:1:1", "k:running:1:1:1", "u:", "u:x",
    "u:-1", "u:07", "a:seen:01", "role:", "role:admin", "cdel:", "cdel:x", "del:", "del:x", "del:confirmX",
    "checkin:", "checkin:later", "snooze:", "snooze:2", "snooze:7", "snooze:-1", "snooze:x",
    "snooze:99999999999999999999", "resume:", "resume:all", "link:", "link:y:", "link:yes",
    "rinv:y:", "leave:", "leave:x", "exit:", "exit:run", "settings:", "settings:Site",
    "settings:a:b", "menu:", "menu:nope", "seen:1", "raw:callback", "F:checkin:pain_rest:1",
    "x" * 65, "a:seen:1" + " " * 60, "\x00", "😀:1", "f:checkin:pain_rest:3\n",
]  # fmt: skip


@pytest.mark.parametrize("data", STALE_DATA)
def test_garbage_and_foreign_data_is_stale(data):
    assert parse(data) is None


@given(st.one_of(st.text(max_size=80), st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
                 st.builds(lambda p, rest: f"{p}:{rest}", st.sampled_from([k.PREFIX for k in KINDS]),
                           st.text(max_size=70))))  # fmt: skip
def test_parsing_never_raises_and_what_it_reads_builds_back_the_same(data):
    pressed = parse(data)
    if pressed is None:
        return
    assert parse(build(pressed)) == pressed
    if getattr(pressed, "stamp", 0) is not None:  # a confirmation without its time reads as expired
        assert build(pressed) == data  # otherwise only what a builder makes is read as a button


def test_parse_of_none_or_a_non_string_is_stale():
    assert parse(None) is None
    assert parse(b"a:seen:1") is None  # type: ignore[arg-type]


def test_every_kind_has_exactly_one_handler():
    assert set(ROUTES) == set(KINDS)


def _strings(path: pathlib.Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.JoinedStr):  # an f-string: its literal start
            first = node.values[0] if node.values else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value


def test_no_module_but_callbacks_writes_button_data_by_hand():
    prefixes = tuple(f"{kind.PREFIX}:" for kind in KINDS)
    found = [(path.name, text) for path in sorted(DIALOGS.glob("*.py")) if path.name != "callbacks.py"
             for text in _strings(path) if text.startswith(prefixes) and len(text) < 40]  # fmt: skip
    # "settings:" etc. as words in sentences would be fine; none of these is a sentence
    assert found == []


def test_the_stale_answer_is_written_once():
    sources = {path.name: path.read_text() for path in DIALOGS.glob("*.py")}
    holders = [name for name, text in sources.items() if callbacks.STALE in text]
    assert holders == ["callbacks.py"]
