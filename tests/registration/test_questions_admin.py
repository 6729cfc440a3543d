"""The organiser's registration form page: own questions, hidden standard fields, approval, privacy text."""

from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import func, select

from forum.events.models import Event
from forum.extensions import db
from forum.registration.models import (
    Answer,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)
from tests import factories
from tests.auth.helpers import actions, error_for, text, value_of
from tests.conftest import csrf_from, login_as, submit

PAGE = "/admin/events/halland-beredskap/form"
ADD = f"{PAGE}/questions"
SETTINGS = f"{PAGE}/settings"


@pytest.fixture
def event(app):
    return factories.event(slug="halland-beredskap", title="Temamöte om beredskap")


@pytest.fixture
def organiser(app, event):
    user = factories.user(roles={event: "organiser"})
    db.session.commit()
    return user


def question_data(**fields) -> dict:
    data = {"label": "Vilken kommun arbetar du i?", "help_text": "", "kind": "short_text", "options": ""}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def add(client, **fields):
    return submit(client, PAGE, question_data(**fields), post_url=ADD)


def stored(event) -> list[Question]:
    db.session.expire_all()
    return list(db.session.scalars(select(Question).where(Question.event_id == event.id).order_by(Question.position)))


def question(event, label: str, position: int, kind=QuestionKind.SHORT_TEXT, **fields) -> Question:
    item = Question(event=event, label=label, position=position, kind=kind, **fields)
    db.session.add(item)
    db.session.flush()
    return item


def registration(event, email: str) -> Registration:
    item = Registration(
        event=event,
        status=RegistrationStatus.CONFIRMED,
        first_name="Åsa",
        last_name="Öberg",
        email=email,
        email_key=email.casefold(),
        link_salt=secrets.token_hex(16),
        token_hash=secrets.token_hex(32),
    )
    db.session.add(item)
    db.session.flush()
    return item


def answer(item: Question, value, email: str | None = None) -> Answer:
    row = Answer(registration=registration(item.event, email or f"{secrets.token_hex(4)}@example.org"), question=item)
    row.value = value
    db.session.add(row)
    db.session.flush()
    return row


def answer_total() -> int:
    return db.session.scalar(select(func.count(Answer.id)))


def post_with_page_token(client, url: str, data: dict, page: str = PAGE):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


# --- adding questions ----------------------------------------------------------------------------


def test_the_page_lists_nothing_at_first_and_offers_every_kind(client, event, organiser):
    login_as(client, organiser)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = text(response)
    assert "<h1>Anmälningsformulär</h1>" in html
    assert "Evenemanget har inga egna frågor än." in html
    for label in ("Kort text", "Lång text", "Ett val", "Flera val", "Ja/nej"):
        assert f">{label}</option>" in html
    assert "Anmälningar kräver godkännande" in html
    # the event's sub-navigation is at the top
    assert html.index('class="event-nav"') < html.index("<h1>Anmälningsformulär</h1>")


@pytest.mark.parametrize(
    ("kind", "options", "stored_options"),
    [
        ("short_text", "", []),
        ("long_text", "ignoreras\nockså", []),
        ("yes_no", "", []),
        ("single_choice", "Vatten\n\n  Värme och energi  \nLivsmedel\n", ["Vatten", "Värme och energi", "Livsmedel"]),
        ("multiple_choice", "Förmiddag\nEftermiddag", ["Förmiddag", "Eftermiddag"]),
    ],
)
def test_adding_a_question_of_each_kind(client, event, organiser, kind, options, stored_options):
    login_as(client, organiser)
    response = add(client, label="Vad vill du prata om?", kind=kind, options=options, help_text="Kort svar räcker.")
    assert response.status_code == 302
    [item] = stored(event)
    assert (item.label, item.kind.value, item.options, item.help_text, item.required, item.position) == (
        "Vad vill du prata om?",
        kind,
        stored_options,
        "Kort svar räcker.",
        False,
        1,
    )
    html = text(client.get(response.headers["Location"]))
    assert "Frågan ”Vad vill du prata om?” är tillagd." in html
    assert "Vad vill du prata om?" in html
    if stored_options:
        assert "Alternativ: " + " · ".join(stored_options) in html
    [entry] = actions("question.created")
    assert entry.event_id == event.id and entry.target_id == item.id
    assert entry.details == {"label": "Vad vill du prata om?", "kind": kind}


def test_the_required_flag_is_saved_and_shown(client, event, organiser):
    login_as(client, organiser)
    add(client, label="Behöver du parkering?", kind="yes_no", required="y")
    add(client, label="Övrigt", kind="long_text")
    first, second = stored(event)
    assert first.required is True and second.required is False
    html = text(client.get(PAGE))
    assert re.search(r"Behöver du parkering\?</strong>\s*<br><span class=\"muted\">Ja/nej · svar krävs", html)
    assert re.search(r"Övrigt</strong>\s*<br><span class=\"muted\">Lång text · valfri", html)


def test_new_questions_go_last(client, event, organiser):
    login_as(client, organiser)
    for label in ("Första", "Andra", "Tredje"):
        assert add(client, label=label).status_code == 302
    assert [(q.position, q.label) for q in stored(event)] == [(1, "Första"), (2, "Andra"), (3, "Tredje")]
    html = text(client.get(PAGE))
    listed = html[html.index('class="admin-list"') :]
    assert listed.index("Första") < listed.index("Andra") < listed.index("Tredje")


# --- validation ----------------------------------------------------------------------------------


def test_problems_are_shown_next_to_the_fields_and_what_was_typed_is_kept(client, event, organiser):
    login_as(client, organiser)
    response = add(client, label="", kind="single_choice", options="Bara ett", help_text="x" * 501)
    assert response.status_code == 200
    html = text(response)
    assert error_for(html, "label") == "Skriv frågan."
    assert error_for(html, "help_text") == "Får vara högst 500 tecken."
    assert error_for(html, "options") == "Skriv minst två alternativ, ett per rad."
    assert "Bara ett</textarea>" in html
    assert "x" * 501 + "</textarea>" in html
    assert re.search(r'<option selected value="single_choice">|<option value="single_choice" selected', html)
    assert stored(event) == []
    assert actions("question.created") == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"label": "x" * 301}, "label", "Får vara högst 300 tecken."),
        ({"label": "   "}, "label", "Skriv frågan."),
        ({"kind": "essay"}, "kind", "Välj ett av alternativen."),
        ({"kind": "multiple_choice", "options": ""}, "options", "Skriv minst två alternativ, ett per rad."),
        (
            {"kind": "single_choice", "options": "Ja\nNej\nja"},
            "options",
            "Alternativet ”ja” finns mer än en gång.",
        ),
        (
            {"kind": "single_choice", "options": "Kort\n" + "y" * 201},
            "options",
            "Alternativet på rad 2 är för långt (högst 200 tecken).",
        ),
        (
            {"kind": "multiple_choice", "options": "\n".join(f"Alternativ {n}" for n in range(31))},
            "options",
            "Högst 30 alternativ.",
        ),
    ],
)
def test_invalid_questions_are_refused_with_a_message(client, event, organiser, fields, field, message):
    login_as(client, organiser)
    response = add(client, **fields)
    assert response.status_code == 200
    assert error_for(text(response), field) == message
    assert stored(event) == []


def test_thirty_options_of_two_hundred_characters_are_accepted(client, event, organiser):
    login_as(client, organiser)
    options = [f"{n:02d}" + "å" * 198 for n in range(30)]
    assert add(client, kind="multiple_choice", options="\r\n".join(options)).status_code == 302
    assert stored(event)[0].options == options


def test_errors_appear_in_english_for_an_english_organiser(client, event, organiser):
    login_as(client, organiser)
    client.set_cookie("forum_lang", "en")
    html = text(add(client, label="", kind="single_choice", options="One"))
    assert error_for(html, "label") == "Write the question."
    assert error_for(html, "options") == "Write at least two options, one per line."


def test_a_failed_add_keeps_the_saved_settings_in_the_settings_form(client, event, organiser):
    event.requires_approval = True
    event.privacy_notice = "Vi sparar listan i ett år."
    db.session.commit()
    login_as(client, organiser)
    html = text(add(client, label=""))
    assert re.search(r'<input[^>]*checked id="requires_approval"', html)
    assert "Vi sparar listan i ett år.</textarea>" in html


# --- editing -------------------------------------------------------------------------------------


def edit_url(item: Question) -> str:
    return f"{PAGE}/questions/{item.id}/edit"


def test_editing_a_question(client, event, organiser):
    item = question(event, "Kost?", 1, kind=QuestionKind.SHORT_TEXT)
    db.session.commit()
    login_as(client, organiser)
    html = text(client.get(edit_url(item)))
    assert value_of(html, "label") == "Kost?"
    response = submit(
        client,
        edit_url(item),
        question_data(label="Vilken workshop?", kind="single_choice", options="A\nB", required="y"),
    )
    assert response.status_code == 302
    [saved] = stored(event)
    assert (saved.label, saved.kind, saved.options, saved.required) == (
        "Vilken workshop?",
        QuestionKind.SINGLE_CHOICE,
        ["A", "B"],
        True,
    )
    assert "Frågan är sparad." in text(client.get(PAGE))
    [entry] = actions("question.updated")
    assert set(entry.details["fields"]) == {"label", "kind", "options", "required"}
    assert (entry.details["previous_kind"], entry.details["kind"]) == ("short_text", "single_choice")


def test_saving_without_changes_writes_no_log(client, event, organiser):
    item = question(event, "Ort?", 1, required=True)
    db.session.commit()
    login_as(client, organiser)
    response = submit(client, edit_url(item), question_data(label="Ort?", required="y"))
    assert response.status_code == 302
    assert "Inget ändrades." in text(client.get(PAGE))
    assert actions("question.updated") == []


def test_a_question_of_another_event_is_not_found(client, event, organiser):
    other = factories.event()
    item = question(other, "Annan", 1)
    db.session.commit()
    login_as(client, organiser)
    assert client.get(edit_url(item)).status_code == 404
    assert client.get(f"{PAGE}/questions/{item.id}/delete").status_code == 404


def test_an_answered_question_may_not_change_to_an_incompatible_kind(client, event, organiser):
    item = question(event, "Vilken dag?", 1, kind=QuestionKind.SINGLE_CHOICE, options=["Måndag", "Tisdag"])
    answer(item, "Måndag")
    answer(item, "Tisdag")
    db.session.commit()
    login_as(client, organiser)

    page = text(client.get(edit_url(item)))
    assert "Frågan har 2 svar. Typen kan därför bara ändras från kort text till lång text." in page
    response = submit(
        client, edit_url(item), question_data(label="Vilka dagar?", kind="multiple_choice", options="Måndag\nTisdag")
    )
    assert response.status_code == 200
    html = text(response)
    assert error_for(html, "kind") == (
        "Frågan har redan svar (2 st.) och kan inte byta typ från ”Ett val” till ”Flera val”: "
        "svaren skulle inte passa den nya typen. Lägg till en ny fråga i stället."
    )
    assert value_of(html, "label") == "Vilka dagar?"  # what was typed is kept
    [saved] = stored(event)
    assert (saved.label, saved.kind) == ("Vilken dag?", QuestionKind.SINGLE_CHOICE)
    assert actions("question.updated") == []


def test_an_answered_question_may_still_change_its_text_and_short_text_may_become_long(client, event, organiser):
    item = question(event, "Förväntningar?", 1, kind=QuestionKind.SHORT_TEXT)
    answer(item, "Att lära mig mer")
    db.session.commit()
    login_as(client, organiser)

    response = submit(client, edit_url(item), question_data(label="Vad förväntar du dig?", kind="long_text"))
    assert response.status_code == 302
    assert stored(event)[0].kind == QuestionKind.LONG_TEXT
    # and back is refused: a long answer might not fit a short one
    response = submit(client, edit_url(item), question_data(label="Vad förväntar du dig?", kind="short_text"))
    assert "kan inte byta typ från ”Lång text” till ”Kort text”" in error_for(text(response), "kind")
    assert stored(event)[0].kind == QuestionKind.LONG_TEXT


def test_an_unanswered_question_may_change_to_any_kind(client, event, organiser):
    item = question(event, "Fråga", 1, kind=QuestionKind.YES_NO)
    db.session.commit()
    login_as(client, organiser)
    response = submit(client, edit_url(item), question_data(label="Fråga", kind="multiple_choice", options="A\nB"))
    assert response.status_code == 302
    assert stored(event)[0].kind == QuestionKind.MULTIPLE_CHOICE


# --- ordering ------------------------------------------------------------------------------------


def move(client, item: Question, direction: str):
    return post_with_page_token(client, f"{PAGE}/questions/{item.id}/move", {"direction": direction})


def test_moving_questions_up_and_down(client, event, organiser):
    first = question(event, "Ett", 1)
    second = question(event, "Två", 2)
    third = question(event, "Tre", 3)
    db.session.commit()
    login_as(client, organiser)

    response = move(client, third, "up")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#question-{third.id}")
    assert [q.label for q in stored(event)] == ["Ett", "Tre", "Två"]
    move(client, first, "down")
    assert [(q.position, q.label) for q in stored(event)] == [(1, "Tre"), (2, "Ett"), (3, "Två")]
    move(client, second, "down")  # already last: nothing changes
    move(client, third, "up")  # already first
    assert [q.label for q in stored(event)] == ["Tre", "Ett", "Två"]
    assert [entry.details["label"] for entry in actions("question.moved")] == ["Tre", "Ett"]

    html = text(client.get(PAGE))
    listed = html[html.index('class="admin-list"') :]
    assert listed.index("Tre") < listed.index("Ett") < listed.index("Två")
    assert move(client, first, "sideways").status_code == 400


def test_a_move_needs_the_csrf_token(client, event, organiser):
    item = question(event, "Ett", 1)
    question(event, "Två", 2)
    db.session.commit()
    login_as(client, organiser)
    response = client.post(f"{PAGE}/questions/{item.id}/move", data={"direction": "down"})
    assert response.status_code == 400
    assert [q.label for q in stored(event)] == ["Ett", "Två"]


# --- deleting ------------------------------------------------------------------------------------


def delete_url(item: Question) -> str:
    return f"{PAGE}/questions/{item.id}/delete"


def test_a_question_without_answers_is_deleted_at_once_and_the_rest_renumbered(client, event, organiser):
    first = question(event, "Ett", 1)
    question(event, "Två", 2)
    question(event, "Tre", 3)
    db.session.commit()
    login_as(client, organiser)

    response = post_with_page_token(client, delete_url(first), {})
    assert response.status_code == 302
    assert [(q.position, q.label) for q in stored(event)] == [(1, "Två"), (2, "Tre")]
    assert "Frågan ”Ett” är borttagen." in text(client.get(PAGE))
    [entry] = actions("question.deleted")
    assert entry.details == {"label": "Ett", "deleted_answers": 0}


def test_deleting_an_answered_question_asks_first_and_says_how_many_answers_go(client, event, organiser):
    item = question(event, "Vilken dag?", 1, kind=QuestionKind.SINGLE_CHOICE, options=["Må", "Ti"])
    kept = question(event, "Övrigt", 2)
    for value in ("Må", "Ti", "Må"):
        answer(item, value)
    answer(kept, "Inget")
    db.session.commit()
    login_as(client, organiser)

    # the list's button leads to the confirmation, nothing is deleted yet
    response = post_with_page_token(client, delete_url(item), {})
    assert response.status_code == 200
    html = text(response)
    assert "Ta bort frågan ”Vilken dag?”?" in html
    assert "3 svar på frågan tas också bort." in html
    assert len(stored(event)) == 2 and answer_total() == 4

    response = client.post(delete_url(item), data={"csrf_token": csrf_from(html), "answers": "3"})
    assert response.status_code == 302
    assert [q.label for q in stored(event)] == ["Övrigt"]
    assert answer_total() == 1  # the other question's answer stays
    assert "Frågan ”Vilken dag?” och 3 svar är borttagna." in text(client.get(PAGE))
    [entry] = actions("question.deleted")
    assert entry.details == {"label": "Vilken dag?", "deleted_answers": 3}
    assert "Må" not in str(entry.details.values())  # the answers themselves are not logged


def test_answers_that_arrive_after_the_confirmation_page_are_not_deleted_unseen(client, event, organiser):
    item = question(event, "Dag?", 1)
    answer(item, "Måndag")
    db.session.commit()
    login_as(client, organiser)
    html = text(client.get(delete_url(item)))
    assert "1 svar på frågan tas också bort." in html
    answer(item, "Tisdag")  # someone registers meanwhile

    response = client.post(delete_url(item), data={"csrf_token": csrf_from(html), "answers": "1"})
    assert response.status_code == 200
    assert "2 svar på frågan tas också bort." in text(response)
    assert len(stored(event)) == 1 and answer_total() == 2


def test_the_confirmation_page_can_be_left_without_deleting(client, event, organiser):
    item = question(event, "Dag?", 1)
    db.session.commit()
    login_as(client, organiser)
    html = text(client.get(delete_url(item)))
    assert "Ingen har svarat på frågan än." in html
    assert f'href="{PAGE}">Avbryt</a>' in html


# --- settings --------------------------------------------------------------------------------------


def save_settings(client, **fields):
    return submit(client, PAGE, fields, post_url=SETTINGS)


def test_hidden_fields_approval_and_privacy_text_are_saved(client, event, organiser):
    login_as(client, organiser)
    response = save_settings(
        client,
        hidden_fields=["phone", "dietary", "municipality"],
        requires_approval="y",
        privacy_notice="  Listan sparas i **ett år**.  ",
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Event, event.id)
    # stored in the form's order, whatever the order they were sent in
    assert saved.hidden_fields == ["phone", "municipality", "dietary"]
    assert saved.requires_approval is True
    assert saved.privacy_notice == "Listan sparas i **ett år**."
    [entry] = actions("event.form_settings_changed")
    assert entry.event_id == event.id
    assert entry.details == {
        "fields": ["hidden_fields", "requires_approval", "privacy_notice"],
        "hidden_fields": ["phone", "municipality", "dietary"],
        "requires_approval": True,
    }

    html = text(client.get(PAGE))
    assert "Inställningarna är sparade." in html
    for value in ("phone", "municipality", "dietary"):
        assert re.search(rf'<input checked[^>]*value="{value}"', html), value
    assert not re.search(r'<input checked[^>]*value="organisation"', html)

    # unticking everything shows every field again and turns approval off
    assert save_settings(client, privacy_notice="Listan sparas i **ett år**.").status_code == 302
    db.session.expire_all()
    saved = db.session.get(Event, event.id)
    assert (saved.hidden_fields, saved.requires_approval) == ([], False)
    assert actions("event.form_settings_changed")[-1].details["fields"] == ["hidden_fields", "requires_approval"]


def test_settings_saved_unchanged_write_no_log(client, event, organiser):
    login_as(client, organiser)
    save_settings(client)
    assert "Inget ändrades." in text(client.get(PAGE))
    assert actions("event.form_settings_changed") == []


def test_bad_settings_are_refused_next_to_the_field(client, event, organiser):
    login_as(client, organiser)
    long_notice = "å" * 5001
    response = save_settings(client, hidden_fields=["phone", "first_name"], privacy_notice=long_notice)
    assert response.status_code == 200
    html = text(response)
    assert "Välj bland alternativen." in html
    assert error_for(html, "privacy_notice") == "Får vara högst 5000 tecken."
    assert long_notice + "</textarea>" in html
    db.session.expire_all()
    assert db.session.get(Event, event.id).hidden_fields == []
    assert actions("event.form_settings_changed") == []


def test_the_page_links_the_public_privacy_notice(client, event, organiser):
    login_as(client, organiser)
    assert 'href="/e/halland-beredskap/privacy"' in text(client.get(PAGE))


# --- access --------------------------------------------------------------------------------------


def test_check_in_staff_and_other_organisers_are_refused(client, event):
    item = question(event, "Fråga", 1)
    other_event = factories.event()
    checkin = factories.user(roles={event: "checkin"})
    stranger = factories.user(roles={other_event: "organiser"})
    db.session.commit()
    for user in (checkin, stranger):
        login_as(client, user)
        assert client.get(PAGE).status_code == 403
        assert client.get(edit_url(item)).status_code == 403
        # a valid token (from the logout form of a page they may see), so that the refusal is the policy's
        token = csrf_from(client.get("/admin/").get_data(as_text=True))
        assert client.post(ADD, data={**question_data(), "csrf_token": token}).status_code == 403
        assert client.post(delete_url(item), data={"csrf_token": token}).status_code == 403
    assert stored(event) == [item]


def test_anonymous_visitors_are_sent_to_the_login(client, event):
    item = question(event, "Fråga", 1)
    db.session.commit()
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    responses = (client.get(PAGE), client.get(delete_url(item)), client.post(SETTINGS, data={"csrf_token": token}))
    for response in responses:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login")


def test_owners_and_admins_may_use_the_page(client, event):
    owner = factories.user(roles={event: "owner"})
    admin = factories.user(admin=True)
    db.session.commit()
    for user in (owner, admin):
        login_as(client, user)
        assert client.get(PAGE).status_code == 200


def test_html_typed_by_an_organiser_is_shown_as_text(client, event, organiser):
    login_as(client, organiser)
    add(client, label="<b>Fet</b> fråga", kind="single_choice", options="<i>A</i>\nB", help_text="<script>x</script>")
    html = client.get(PAGE).get_data(as_text=True)
    assert "&lt;b&gt;Fet&lt;/b&gt; fråga" in html
    assert "&lt;i&gt;A&lt;/i&gt;" in html
    assert "<script>x</script>" not in html
