"""Purchase suggestions (荐购): the rules (same book, who may ask, states), the services
(the catalog asked first, one suggestion with several askers, accepted into a batch or
declined with a reason, following the batch as it is ordered and received), what the
database refuses, the librarian's page and the API."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.db import IntegrityError, connections, transaction
from openpyxl import Workbook

from shuxiang.acquisitions import rules, services
from shuxiang.acquisitions.models import (
    OrderLine,
    PurchaseBatch,
    PurchaseSuggestion,
    SuggestionAsker,
)
from shuxiang.catalog import cataloging
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Forbidden, Invalid, NotFound
from shuxiang.core.models import AuditEvent

DAY = dt.datetime(2026, 10, 12, 12, 30)
CAOFANGZI_13 = "9787532490462"  # 草房子
ZHAOHUA_13 = "9787020002207"  # 朝花夕拾
ZHAOHUA_10 = "7-02-000220-X"  # the ISBN-10 of 朝花夕拾


# --- rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("《哈利·波特与魔法石》", "哈利波特与魔法石"),
        ("哈利 波特与魔法石 ", "哈利波特与魔法石"),
        ("Harry Potter!", "harrypotter"),
        ("ＡＢＣ１２３", "abc123"),
        ("三体Ⅰ：地球往事", "三体i地球往事"),
        ("？！", ""),
    ],
)
def test_fold_title(text, folded):
    assert rules.fold_title(text) == folded


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("曹文轩 著", "曹文轩"),
        ("曹文轩著", "曹文轩"),
        ("王力 主编", "王力"),
        ("李著", "李著"),  # a two-character name keeps its last character
        ("[法] 法布尔", "法法布尔"),
        ("", ""),
    ],
)
def test_fold_author(text, folded):
    assert rules.fold_author(text) == folded


A = rules.Ask


@pytest.mark.parametrize(
    ("new", "existing", "same"),
    [
        # The ISBN decides where both have one ...
        (A("9787532490462", "草房子", ""), A("9787532490462", "草房子", "曹文轩"), True),
        (A("9787532490462", "草房子", ""), A("9787532490479", "草房子", ""), False),
        # ... but a set's volumes share one ISBN: the titles must agree as well.
        (A("9787536692930", "三体", ""), A("9787536692930", "三体i地球往事", ""), True),
        (A("9787536692930", "球状闪电", ""), A("9787536692930", "三体", ""), False),
        # Without an ISBN on one side: the folded titles, and the authors where both given.
        (A("", "草房子", "曹文轩"), A("9787532490462", "草房子", "曹文轩"), True),
        (A("", "草房子", ""), A("", "草房子", "曹文轩"), True),
        (A("", "草房子", "某某"), A("", "草房子", "曹文轩"), False),
        (A("", "草房", ""), A("", "草房子", ""), False),
        (A("", "", ""), A("", "", ""), False),
    ],
)
def test_same_book(new, existing, same):
    assert rules.same_book(new, existing) is same


@pytest.mark.parametrize(
    ("category", "active", "waiting", "refusal"),
    [
        ("student", True, 0, None),
        ("student", True, 4, None),
        ("student", True, 5, rules.TOO_MANY_SUGGESTIONS),
        ("teacher", True, 9, None),
        ("teacher", True, 10, rules.TOO_MANY_SUGGESTIONS),
        ("student", False, 0, rules.PATRON_INACTIVE),
        ("staff", True, 0, rules.CATEGORY_NOT_ALLOWED),
    ],
)
def test_suggestion_refusal(category, active, waiting, refusal):
    assert (
        rules.suggestion_refusal(category=category, patron_active=active, waiting=waiting)
        == refusal
    )


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("new", "accepted", True),
        ("new", "declined", True),
        ("new", "ordered", True),  # accepted into a batch already ordered
        ("accepted", "ordered", True),
        ("ordered", "received", True),
        ("accepted", "declined", False),
        ("declined", "accepted", False),
        ("received", "new", False),
    ],
)
def test_suggestion_states(current, target, allowed):
    assert rules.suggestion_move_allowed(current, target) is allowed


# --- services ---------------------------------------------------------------------------


@pytest.fixture
def readers(make_patron, school_class, make_user):
    """Two students and a teacher, each with a login."""
    people = {}
    for key, card, name, category in [
        ("ming", "R100001", "张小明", "student"),
        ("hong", "R100002", "王小红", "student"),
        ("teacher", "R100003", "李老师", "teacher"),
    ]:
        patron = make_patron(
            card=card,
            name=name,
            category=category,
            class_name="七年级3班" if category == "student" else None,
        )
        patron.user = make_user("student" if category == "student" else "teacher", key)
        patron.save()
        people[key] = patron
    return people


def reader_actor(patron) -> Actor:
    return Actor(library=patron.library, user=patron.user)


def suggest(patron, **kw):
    kw.setdefault("title", "草房子")
    with clock.frozen_at(DAY):
        return services.suggestion_create(actor=reader_actor(patron), patron_id=patron.pk, **kw)


@pytest.fixture
def zhaohua(actor, make_patron):
    """朝花夕拾 held in 3 copies, one of them on loan."""
    result = cataloging.bib_catalog(
        actor=actor,
        values={"title": "朝花夕拾", "isbn": ZHAOHUA_13, "clc": "I210.4"},
        copies=[cataloging.CopySpec() for _ in range(3)],
    )
    make_patron(card="R900001", name="借书人")
    from shuxiang.circulation.services import loan_checkout

    loan_checkout(actor=actor, card="R900001", barcode=result.items[0].barcode)
    return result.bib


def test_a_title_the_library_holds_is_answered_with_its_copies(readers, zhaohua):
    with pytest.raises(Conflict) as caught:
        suggest(readers["ming"], title="朝花夕拾", isbn=ZHAOHUA_10)
    assert caught.value.code == "already_held"
    assert caught.value.message == "本馆已有《朝花夕拾》3 册，其中 2 册在架，欢迎借阅。"
    assert caught.value.details == {"copies": 3, "available": 2, "titles": ["朝花夕拾"]}
    assert not PurchaseSuggestion.objects.exists()
    # A title without an ISBN is looked up as written.
    with pytest.raises(Conflict):
        suggest(readers["ming"], title="《朝花夕拾》")
    # The reader wants more copies all the same.
    outcome = suggest(readers["ming"], title="朝花夕拾", isbn=ZHAOHUA_10, insist=True)
    assert outcome.suggestion.isbn == ZHAOHUA_13 and outcome.asker.insisted


def test_two_readers_make_one_suggestion_with_two_askers(readers, library):
    first = suggest(readers["ming"], title="草房子", author="曹文轩 著", isbn=CAOFANGZI_13)
    second = suggest(
        readers["hong"],
        title="《草房子》",
        author="曹文轩",
        isbn="978-7-5324-9046-2",
        note="同学都说好看",
    )
    third = suggest(readers["teacher"], title="草 房 子", note="语文课推荐阅读")  # no ISBN
    assert not first.joined and second.joined and third.joined
    assert PurchaseSuggestion.objects.count() == 1
    suggestion = first.suggestion
    assert suggestion.askers.count() == 3
    assert suggestion.title == "草房子" and suggestion.isbn == CAOFANGZI_13
    assert list(suggestion.askers.values_list("note", flat=True)) == [
        "",
        "同学都说好看",
        "语文课推荐阅读",
    ]
    events = AuditEvent.objects.filter(object_type="acquisitions.purchasesuggestion")
    assert [e.action for e in events.order_by("id")] == [
        "suggestion.create",
        "suggestion.ask",
        "suggestion.ask",
        "suggestion.ask",
    ]
    # The audit log names no reader by card or name.
    assert not any("R10000" in str(e.after) for e in events)


def test_a_reader_asks_for_a_suggestion_once(readers):
    suggest(readers["ming"], isbn=CAOFANGZI_13)
    with pytest.raises(Conflict) as caught:
        suggest(readers["ming"], title="草房子", author="曹文轩")
    assert caught.value.code == "already_asked"
    assert SuggestionAsker.objects.count() == 1


def test_the_database_refuses_a_second_ask_by_the_same_reader(readers):
    outcome = suggest(readers["ming"])
    with pytest.raises(IntegrityError), transaction.atomic():
        SuggestionAsker.objects.create(
            suggestion=outcome.suggestion, patron=readers["ming"], asked_at=clock.now()
        )


def test_the_database_refuses_two_open_suggestions_of_the_same_book(readers, library):
    outcome = suggest(readers["ming"], isbn=CAOFANGZI_13)
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseSuggestion.objects.create(
            library=library,
            title="草房子",
            isbn=CAOFANGZI_13,
            title_key=outcome.suggestion.title_key,
            author_key=outcome.suggestion.author_key,
            created_at=clock.now(),
        )


@pytest.mark.django_db(transaction=True)
def test_two_readers_asking_at_the_same_moment_make_one_suggestion(readers):
    """Both find no suggestion and make one: the database lets one in, the other reader
    joins it (on PostgreSQL through the unique index; SQLite runs them one after the
    other)."""
    barrier = threading.Barrier(2)
    errors: list[str] = []

    def ask(key: str) -> None:
        try:
            barrier.wait()
            suggest(readers[key], title="草房子", isbn=CAOFANGZI_13)
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(key,)) for key in ("ming", "hong")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    suggestion = PurchaseSuggestion.objects.get()
    assert suggestion.askers.count() == 2


def test_different_books_and_a_sets_other_volume_are_different_suggestions(readers):
    suggest(readers["ming"], title="三体", isbn="9787536692930")
    suggest(readers["hong"], title="球状闪电", isbn="9787536692930")  # same (set) ISBN
    suggest(readers["hong"], title="青铜葵花")
    suggest(readers["teacher"], title="草房子", author="某某")
    suggest(readers["ming"], title="草房子", author="曹文轩")
    assert PurchaseSuggestion.objects.count() == 5


def test_bad_input_is_refused(readers):
    with pytest.raises(Invalid) as caught:
        suggest(readers["ming"], title="  《》 ")
    assert caught.value.code == "title_required"
    with pytest.raises(Invalid) as caught:
        suggest(readers["ming"], isbn="9787532490463")
    assert caught.value.code == "invalid_isbn" and "9787532490463" in caught.value.message
    with pytest.raises(Invalid) as caught:
        suggest(readers["ming"], note="好" * 501)
    assert caught.value.code == "too_long"
    assert not PurchaseSuggestion.objects.exists()


def test_a_reader_may_have_five_suggestions_waiting(readers):
    for n in range(5):
        suggest(readers["ming"], title=f"新书{n}")
    with pytest.raises(Conflict) as caught:
        suggest(readers["ming"], title="第六本")
    assert caught.value.code == "too_many_suggestions"
    assert "5 条荐购在等待答复" in caught.value.message
    # An answer frees a place.
    librarian_actor = Actor(library=readers["ming"].library, user=None)
    services.suggestion_decline(
        actor=librarian_actor,
        suggestion_id=PurchaseSuggestion.objects.get(title="新书0").pk,
        reason="不适合",
    )
    suggest(readers["ming"], title="第六本")


def test_only_active_students_and_teachers_suggest(readers, make_patron):
    staff = make_patron(card="R100009", name="后勤职工", category="staff")
    with pytest.raises(Forbidden) as caught:
        suggest(staff)
    assert caught.value.code == "suggestion_not_allowed"
    ming = readers["ming"]
    ming.status = "blocked"
    ming.save()
    with pytest.raises(Forbidden) as caught:
        suggest(ming)
    assert caught.value.code == "patron_inactive"


def test_decline_needs_a_reason(readers, actor):
    suggestion = suggest(readers["ming"]).suggestion
    for reason in ("", "   "):
        with pytest.raises(Invalid) as caught:
            services.suggestion_decline(actor=actor, suggestion_id=suggestion.pk, reason=reason)
        assert caught.value.code == "reason_required"
    suggestion.refresh_from_db()
    assert suggestion.status == "new"
    with clock.frozen_at(DAY):
        services.suggestion_decline(
            actor=actor, suggestion_id=suggestion.pk, reason="本馆已有同类图书"
        )
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.decline_reason) == ("declined", "本馆已有同类图书")
    assert suggestion.decided_by == actor.user and suggestion.decided_at is not None
    event = AuditEvent.objects.get(action="suggestion.decline")
    assert event.before == {"status": "new"} and event.after == {"status": "declined"}
    assert event.reason == "本馆已有同类图书"
    # Answered once: neither declined again nor accepted.
    with pytest.raises(Conflict) as caught:
        services.suggestion_accept(actor=actor, suggestion_id=suggestion.pk, batch_name="秋季")
    assert caught.value.code == "suggestion_decided"
    # A new ask for the declined book starts a new suggestion.
    again = suggest(readers["hong"])
    assert not again.joined and again.suggestion.pk != suggestion.pk


def test_the_database_refuses_a_decline_without_reason(readers):
    suggestion = suggest(readers["ming"]).suggestion
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseSuggestion.objects.filter(pk=suggestion.pk).update(status="declined")


def test_accept_puts_the_title_into_a_new_batch(readers, actor, library):
    suggestion = suggest(readers["ming"], author="曹文轩", isbn=CAOFANGZI_13).suggestion
    suggest(readers["hong"], isbn=CAOFANGZI_13)
    with pytest.raises(Invalid) as caught:
        services.suggestion_accept(actor=actor, suggestion_id=suggestion.pk)
    assert caught.value.code == "batch_required"
    with clock.frozen_at(DAY):
        services.suggestion_accept(
            actor=actor, suggestion_id=suggestion.pk, batch_name="2026 年读者荐购", quantity=2
        )
    suggestion.refresh_from_db()
    batch = PurchaseBatch.objects.get(library=library, name="2026 年读者荐购")
    assert (suggestion.status, suggestion.batch, batch.year) == ("accepted", batch, 2026)
    line = OrderLine.objects.get(batch=batch)
    assert (line.title, line.author, line.isbn, line.quantity) == (
        "草房子",
        "曹文轩",
        CAOFANGZI_13,
        2,
    )
    assert suggestion.order_line == line
    event = AuditEvent.objects.get(action="suggestion.accept")
    assert event.before == {"status": "new"}
    assert event.after == {"status": "accepted", "batch": batch.pk, "order_line": line.pk}
    with pytest.raises(Conflict):
        services.suggestion_accept(actor=actor, suggestion_id=suggestion.pk, batch_id=batch.pk)


def test_accept_into_an_existing_batch_uses_its_line_and_follows_the_batch(readers, actor, library):
    batch = services.batch_create(actor=actor, name="秋季新书", year=2026)
    services.order_lines_add(
        actor=actor,
        batch_id=batch.pk,
        lines=[{"title": "草房子", "isbn": CAOFANGZI_13, "quantity": 3}],
    )
    caofangzi = suggest(readers["ming"], isbn=CAOFANGZI_13).suggestion
    kunchong = suggest(readers["hong"], title="昆虫记", author="法布尔").suggestion
    services.suggestion_accept(actor=actor, suggestion_id=caofangzi.pk, batch_id=batch.pk)
    services.suggestion_accept(actor=actor, suggestion_id=kunchong.pk, batch_id=batch.pk)
    assert batch.lines.count() == 2  # 草房子's line was there already
    caofangzi.refresh_from_db()
    assert caofangzi.order_line.quantity == 3
    # The batch goes to the vendor: its suggestions are ordered.
    services.batch_mark_ordered(actor=actor, batch_id=batch.pk)
    assert set(batch.suggestions.values_list("status", flat=True)) == {"ordered"}
    # Accepted into a batch already ordered: ordered at once.
    late = suggest(readers["teacher"], title="青铜葵花").suggestion
    services.suggestion_accept(actor=actor, suggestion_id=late.pk, batch_id=batch.pk)
    late.refresh_from_db()
    assert late.status == "ordered"
    # 草房子 arrives (昆虫记 and 青铜葵花 do not): only its suggestion is received.
    rows = [
        ["书名", "著者", "出版社", "ISBN", "定价", "分类号", "册数"],
        ["草房子", "曹文轩", "江苏凤凰少年儿童出版社", CAOFANGZI_13, "25.00", "I287.45", 3],
    ]
    with clock.frozen_at(DAY):
        services.batch_receive_booklist(
            actor=actor, batch_id=batch.pk, source=_xlsx(rows), filename="x.xlsx"
        )
    statuses = dict(batch.suggestions.values_list("title", "status"))
    assert statuses == {"草房子": "received", "昆虫记": "ordered", "青铜葵花": "ordered"}
    actions = list(
        AuditEvent.objects.filter(object_id=str(caofangzi.pk), action__startswith="suggestion.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "suggestion.create",
        "suggestion.ask",
        "suggestion.accept",
        "suggestion.ordered",
        "suggestion.received",
    ]
    # A received batch takes no more suggestions.
    other = suggest(readers["teacher"], title="城南旧事").suggestion
    with pytest.raises(Conflict) as caught:
        services.suggestion_accept(actor=actor, suggestion_id=other.pk, batch_id=batch.pk)
    assert caught.value.code == "batch_received"


def _xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "list.xlsx"
    return buffer


@pytest.fixture
def other_school(db):
    """Another library with a librarian, a reader and a suggestion of its own."""
    from shuxiang.core.services import library_setup, user_create
    from shuxiang.patrons.services import patron_create

    two = library_setup(code="school-02", name="二中图书馆")
    librarian2 = user_create(library=two, username="lib02", role="librarian", password="secret123")
    actor2 = Actor(library=two, user=librarian2)
    patron = patron_create(actor=actor2, card="R100001", name="二中学生")
    with clock.frozen_at(DAY):
        outcome = services.suggestion_create(
            actor=actor2, patron_id=patron.pk, title="二中的荐购", isbn=CAOFANGZI_13
        )
    return {"library": two, "librarian": librarian2, "suggestion": outcome.suggestion}


def test_another_librarys_suggestion_is_not_found(readers, actor, other_school):
    theirs = other_school["suggestion"]
    with pytest.raises(NotFound):
        services.suggestion_accept(actor=actor, suggestion_id=theirs.pk, batch_name="秋季")
    with pytest.raises(NotFound):
        services.suggestion_decline(actor=actor, suggestion_id=theirs.pk, reason="不要")
    # Nor does an ask here join theirs, nor does their reader's card mean anything here.
    ours = suggest(readers["ming"], isbn=CAOFANGZI_13)
    assert not ours.joined and ours.suggestion.library == readers["ming"].library
    with pytest.raises(NotFound):
        services.suggestion_create(
            actor=actor, patron_id=theirs.askers.get().patron_id, title="别的书"
        )


# --- the librarian's page ---------------------------------------------------------------


def test_librarian_page_lists_by_askers_and_answers(client, librarian, readers, library):
    suggest(readers["ming"], title="青铜葵花")
    for key in ("ming", "hong", "teacher"):
        suggest(readers[key], isbn=CAOFANGZI_13, note=f"{key} 的理由")
    client.force_login(librarian)
    html = client.get("/staff/acquisitions/suggestions/").content.decode()
    assert "读者荐购" in html
    assert html.index("草房子") < html.index("青铜葵花")  # 3 askers before 1
    caofangzi = PurchaseSuggestion.objects.get(title="草房子")
    row = html[html.index(f'data-test="suggestion-{caofangzi.pk}"') :]
    assert '<span class="askers">3</span>' in row[: row.index("</tr>")]
    # The menu's 采访 entry is highlighted, the tab too.
    assert 'class="active">采访</a>' in html and 'class="active">读者荐购' in html

    detail = client.get(f"/staff/acquisitions/suggestions/{caofangzi.pk}/").content.decode()
    assert "3 位读者荐购" in detail
    assert "王小红" in detail and "hong 的理由" in detail and "七年级3班" in detail

    # Decline without a reason: the message, nothing changed.
    back = "/staff/acquisitions/suggestions/?status=new"
    response = client.post(
        f"/staff/acquisitions/suggestions/{caofangzi.pk}/",
        {"action": "decline", "reason": " ", "next": back},
        follow=True,
    )
    assert "请填写不采纳的原因，读者会看到它。" in response.content.decode()
    assert response.redirect_chain[-1][0] == back
    caofangzi.refresh_from_db()
    assert caofangzi.status == "new"

    # Accept into a new batch.
    response = client.post(
        f"/staff/acquisitions/suggestions/{caofangzi.pk}/",
        {"action": "accept", "batch": "new", "batch_name": "读者荐购第一批", "quantity": "2"},
        follow=True,
    )
    html = response.content.decode()
    assert "已采纳《草房子》，列入采购批次“读者荐购第一批”。" in html
    batch = PurchaseBatch.objects.get(library=library, name="读者荐购第一批")
    assert batch.lines.get().quantity == 2

    # Decline the other with a reason, from the list.
    qingtong = PurchaseSuggestion.objects.get(title="青铜葵花")
    client.post(
        f"/staff/acquisitions/suggestions/{qingtong.pk}/",
        {"action": "decline", "reason": "本馆已有同类图书", "next": back},
    )
    assert client.get(back).content.decode().count('data-test="suggestion-') == 0
    declined = client.get("/staff/acquisitions/suggestions/?status=declined").content.decode()
    assert "青铜葵花" in declined and "本馆已有同类图书" in declined
    everything = client.get("/staff/acquisitions/suggestions/?status=").content.decode()
    assert "草房子" in everything and "读者荐购第一批" in everything


def test_an_assistant_or_reader_cannot_see_the_librarians_page(client, readers, make_user):
    suggest(readers["ming"])
    assistant = make_user("assistant", "assistant1")
    for login in (assistant, readers["hong"].user):
        client.force_login(login)
        assert client.get("/staff/acquisitions/suggestions/").status_code == 403
        suggestion = PurchaseSuggestion.objects.get()
        response = client.post(
            f"/staff/acquisitions/suggestions/{suggestion.pk}/",
            {"action": "decline", "reason": "不要"},
        )
        assert response.status_code == 403
    assert PurchaseSuggestion.objects.get().status == "new"


def test_another_librarys_suggestion_is_404_on_the_page(client, librarian, other_school):
    theirs = other_school["suggestion"]
    client.force_login(librarian)
    assert client.get(f"/staff/acquisitions/suggestions/{theirs.pk}/").status_code == 404
    response = client.post(
        f"/staff/acquisitions/suggestions/{theirs.pk}/",
        {"action": "accept", "batch": "new", "batch_name": "x", "quantity": "1"},
    )
    assert response.status_code == 404
    assert (
        "二中的荐购" not in client.get("/staff/acquisitions/suggestions/?status=").content.decode()
    )
    theirs.refresh_from_db()
    assert theirs.status == "new"


# --- the API ----------------------------------------------------------------------------


def test_api_reader_suggests_and_reads_their_own(api, readers, zhaohua):
    ming = api(readers["ming"].user)
    response = ming.post("/api/v1/suggestions", {"title": "朝花夕拾", "isbn": ZHAOHUA_13})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_held"
    assert (body["copies"], body["available"], body["titles"]) == (3, 2, ["朝花夕拾"])

    response = ming.post(
        "/api/v1/suggestions",
        {"title": "草房子", "author": "曹文轩", "isbn": "9787532490463"},
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_isbn"
    response = ming.post(
        "/api/v1/suggestions", {"title": "草房子", "isbn": CAOFANGZI_13, "note": "好看"}
    )
    assert response.status_code == 201
    created = response.json()
    assert (created["status"], created["askers"], created["joined"]) == ("new", 1, False)
    hong = api(readers["hong"].user)
    joined = hong.post("/api/v1/suggestions", {"title": "草房子"}).json()
    assert (joined["id"], joined["askers"], joined["joined"]) == (created["id"], 2, True)
    hong.post("/api/v1/suggestions", {"title": "青铜葵花"})

    mine = ming.get("/api/v1/suggestions").json()
    assert [(s["title"], s["askers"], s["note"]) for s in mine] == [("草房子", 2, "好看")]
    assert [s["title"] for s in hong.get("/api/v1/suggestions").json()] == ["青铜葵花", "草房子"]


def test_api_librarian_lists_accepts_and_declines(api, librarian, readers, library):
    ming, hong = api(readers["ming"].user), api(readers["hong"].user)
    caofangzi = ming.post("/api/v1/suggestions", {"title": "草房子"}).json()
    hong.post("/api/v1/suggestions", {"title": "草房子", "note": "想看"})
    qingtong = hong.post("/api/v1/suggestions", {"title": "青铜葵花"}).json()
    staff = api(librarian)
    listed = staff.get("/api/v1/acquisitions/suggestions?status=new").json()
    assert [(s["title"], s["askers"], s["held"]) for s in listed] == [
        ("草房子", 2, 0),
        ("青铜葵花", 1, 0),
    ]
    detail = staff.get(f"/api/v1/acquisitions/suggestions/{caofangzi['id']}").json()
    assert [(a["card"], a["note"]) for a in detail["asker_list"]] == [
        ("R100001", ""),
        ("R100002", "想看"),
    ]

    response = staff.post(f"/api/v1/acquisitions/suggestions/{qingtong['id']}/decline", {})
    assert response.status_code == 422
    response = staff.post(
        f"/api/v1/acquisitions/suggestions/{qingtong['id']}/decline", {"reason": "  "}
    )
    assert response.status_code == 422 and response.json()["code"] == "reason_required"
    response = staff.post(
        f"/api/v1/acquisitions/suggestions/{qingtong['id']}/decline", {"reason": "已有同类"}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decline_reason"]) == (
        "declined",
        "已有同类",
    )

    batch = services.batch_create(
        actor=Actor(library=library, user=librarian), name="秋季", year=2026
    )
    response = staff.post(
        f"/api/v1/acquisitions/suggestions/{caofangzi['id']}/accept",
        {"batch": batch.pk, "quantity": 2},
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["batch"]) == ("accepted", batch.pk)
    again = staff.post(
        f"/api/v1/acquisitions/suggestions/{caofangzi['id']}/accept", {"batch": batch.pk}
    )
    assert again.status_code == 409 and again.json()["code"] == "suggestion_decided"
    # The readers see the answers.
    answers = {
        s["title"]: (s["status"], s["decline_reason"])
        for s in hong.get("/api/v1/suggestions").json()
    }
    assert answers == {"草房子": ("accepted", ""), "青铜葵花": ("declined", "已有同类")}


def test_api_readers_and_assistants_cannot_list_others(api, readers, make_user, librarian):
    api(readers["ming"].user).post("/api/v1/suggestions", {"title": "草房子"})
    suggestion = PurchaseSuggestion.objects.get()
    assistant = make_user("assistant", "assistant1")
    for login in (readers["hong"].user, assistant):
        client = api(login)
        for path in (
            "/api/v1/acquisitions/suggestions",
            f"/api/v1/acquisitions/suggestions/{suggestion.pk}",
        ):
            response = client.get(path)
            assert response.status_code == 403 and response.json()["code"] == "forbidden"
        response = client.post(
            f"/api/v1/acquisitions/suggestions/{suggestion.pk}/decline", {"reason": "不要"}
        )
        assert response.status_code == 403
    assert api(readers["hong"].user).get("/api/v1/suggestions").json() == []
    # A login without a reader record has no suggestions of its own.
    response = api(librarian).get("/api/v1/suggestions")
    assert response.status_code == 403 and response.json()["code"] == "no_patron"
    assert api().get("/api/v1/suggestions").status_code == 401


def test_api_another_librarys_suggestion_is_404(api, librarian, other_school):
    theirs = other_school["suggestion"]
    staff = api(librarian)
    response = staff.get(f"/api/v1/acquisitions/suggestions/{theirs.pk}")
    assert response.status_code == 404 and response.json()["code"] == "suggestion_not_found"
    response = staff.post(
        f"/api/v1/acquisitions/suggestions/{theirs.pk}/decline", {"reason": "不要"}
    )
    assert response.status_code == 404
    assert staff.get("/api/v1/acquisitions/suggestions?status=").json() == []
    theirs.refresh_from_db()
    assert theirs.status == "new"
