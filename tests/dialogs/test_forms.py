"""The form runner's contracts (dialogs/forms.py, dialogs/runner.py): a question's parser may
take the text alone or the text and the context; `current()` tells an open form, none, and an
expired one (dropped, the user told why) apart; a form's end names the next form and the
runner opens it — the forms never import each other."""

import datetime as dt

import pytest

from dialogs import runner
from dialogs.forms import Form, FormContext, Question
from dialogs.parsing import Invalid, whole_number, yes_no
from storage import Store, load_draft, migrate

NOW = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


def ctx(answers=None) -> FormContext:
    return FormContext(7, 7, "Ann", NOW.date(), NOW, dict(answers or {}))


class FakeChat:
    """What the runner sends, as the user would read it."""

    chat_id = 7
    wake = None

    def __init__(self) -> None:
        self.sent: list[tuple[str, list | None]] = []

    async def send(self, text, keyboard=None, html=False) -> int:
        self.sent.append((text, keyboard))
        return len(self.sent)

    async def edit(self, message_id, text, keyboard=None) -> None:
        return None

    async def replace(self, message_id, text, keyboard=None) -> bool:
        self.sent.append((text, keyboard))
        return True


@pytest.fixture
async def store(tmp_path):
    store = Store(tmp_path / "bot.db")
    await store.run(migrate)
    yield store
    store.close()


@pytest.fixture
def forms():
    """Toy forms registered for one test, then removed (other tests enumerate FORMS)."""
    added: list[str] = []

    def add(form: Form) -> Form:
        runner.register(form)
        added.append(form.name)
        return form

    yield add
    for name in added:
        runner.FORMS.pop(name, None)


def test_a_parser_may_take_the_text_alone_or_the_context_too():
    alone = Question("q", "?", yes_no)
    with_context = Question("q", "?", lambda text, c: f"{text} for {c.first_name}")
    bound = Question("q", "?", lambda text: whole_number(text, 0, 10, "pain"))
    builtin = Question("q", "?", str.upper)
    assert alone.read("Yes", ctx()) is True
    assert with_context.read("7", ctx()) == "7 for Ann"
    assert bound.read("3/10", ctx()) == 3
    assert builtin.read("ok", ctx()) == "OK"
    with pytest.raises(Invalid):
        alone.read("maybe", ctx())


def test_a_question_copied_with_another_parser_reads_with_that_parser():
    import dataclasses

    copied = dataclasses.replace(Question("q", "?", yes_no), parse=lambda text, c: c.user_id)
    assert copied.read("anything", ctx()) == 7


async def test_current_tells_none_an_open_form_and_an_expired_one(store, forms):
    chat = FakeChat()
    form = forms(Form("t_open", (Question("a", "First?", yes_no, buttons=(("Yes", "No"),)),),
                      finish=lambda c, ch, st: None,  # never reached here
                      expired=lambda c: "Set aside: it was for another day."
                      if c.answers.get("_day") != c.today.isoformat() else None))  # fmt: skip
    assert await runner.current(store, 7, chat, ctx()) is None
    await runner.start(store, chat, form, ctx({"_day": NOW.date().isoformat()}))
    found = await runner.current(store, 7, chat, ctx())
    assert found is not None and not found.expired
    assert found.form is form and found.draft.question == "a"
    tomorrow = FormContext(7, 7, "Ann", NOW.date() + dt.timedelta(days=1), NOW + dt.timedelta(days=1))
    gone = await runner.current(store, 7, chat, tomorrow)
    assert gone is runner.EXPIRED and gone.expired and gone.form is None
    assert chat.sent[-1][0] == "Set aside: it was for another day."
    assert await store.run(load_draft, 7) is None  # dropped
    assert await runner.current(store, 7, chat, tomorrow) is None


async def test_a_forms_end_names_the_next_form_and_the_runner_opens_it(store, forms):
    chat = FakeChat()
    done: list[dict] = []

    async def first_done(c, ch, st):
        done.append(dict(c.answers))
        await ch.send("Saved.")
        return "t_second" if c.answers["go"] else None

    async def second_done(c, ch, st):
        return None

    first = forms(Form("t_first", (Question("go", "Go on?", yes_no, buttons=(("Yes", "No"),)),), first_done))
    forms(Form("t_second", (Question("b", "Second form, first question?", yes_no),), second_done))
    await runner.start(store, chat, first, ctx())
    assert await runner.answer_text(store, chat, ctx(), "yes", message_id=99)
    assert done[0]["go"] is True
    texts = [text for text, _ in chat.sent]
    assert texts[-2:] == ["Saved.", "Second form, first question?"]  # opened with no answers carried
    draft = await store.run(load_draft, 7)
    assert draft.form == "t_second" and draft.question == "b" and "go" not in draft.answers


async def test_a_named_form_with_its_own_opener_is_opened_by_it(store, forms):
    chat = FakeChat()
    opened: list[FormContext] = []

    async def opener(c, ch, st):
        opened.append(c)
        await ch.send("Opened my own way.")

    async def to_third(c, ch, st):
        return "t_third"

    forms(Form("t_third", (Question("c", "?", yes_no),), lambda c, ch, st: None, opens=opener))
    lead = forms(Form("t_lead", (Question("x", "X?", yes_no),), to_third))
    await runner.start(store, chat, lead, ctx())
    await runner.answer_text(store, chat, ctx(), "no", message_id=99)
    assert chat.sent[-1][0] == "Opened my own way."
    assert opened[0].user_id == 7 and opened[0].answers == {}


def test_the_check_in_is_registered_with_the_opener_onboardings_end_uses():
    from dialogs import checkin, onboarding  # noqa: F401 - registers both forms

    assert runner.FORMS["checkin"].opens is checkin.opens
    assert "onboarding" in runner.FORMS
