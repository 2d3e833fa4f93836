"""A golden transcript: a kiosk's requests and the server's exact bytes, with the clock
frozen (Monday 2 November 2026, 10:00 in Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt

from shuxiang.circulation.models import Loan
from shuxiang.core import clock
from shuxiang.core.models import AuditEvent
from shuxiang.sip2 import codec
from shuxiang.sip2.session import Session

NOW = "20261102    100000"


def _with_checksum(text: str) -> bytes:
    raw = text.encode()
    return raw + codec.checksum(raw).encode()


def test_golden_transcript(library, kiosk, make_patron, make_item, make_bib):
    make_patron(card="R900001", name="林小雨", category="teacher")
    make_item(barcode="90000001", bib=make_bib("草房子"))
    session = Session()
    with clock.frozen_at(dt.date(2026, 11, 2)):
        # Before the login, the status says offline and why (the specification's own
        # example request, with error detection, so the answer carries AY and AZ).
        answer = session.handle_frame(b"9900302.00AY1AZFCA5")
        expected = (
            "98NNNYNN030003" + NOW + "2.00AO|AM|BXYYYYYYYYYYYNNNYY|AF自助借还机尚未登录。|AY1AZ"
        )
        assert answer == _with_checksum(expected) + b"\r"

        assert session.handle_frame(b"9300CNkiosk1|COkiosk-secret|CPlobby|") == b"941\r"

        answer = session.handle_frame(b"99" + b"0030" + b"2.00")
        assert (
            answer
            == (
                "98YYYYNN030003" + NOW + "2.00AOmain|AM实验中学图书馆|BXYYYYYYYYYYYNNNYY|\r"
            ).encode()
        )

        answer = session.handle_frame(("23019" + NOW + "AOmain|AAR900001|").encode())
        assert (
            answer
            == (
                # Recall privileges denied: nothing is recalled here.
                "24"
                + "  Y"
                + " " * 11
                + "019"
                + NOW
                + "AOmain|AAR900001|AE林小雨|BLY|BHCNY|BV0.00|\r"
            ).encode()
        )

        checkout = session.handle_frame(
            ("11YN" + NOW + " " * 18 + "AOmain|AAR900001|AB90000001|").encode()
        )
        due = Loan.objects.get(item__barcode="90000001").due_date
        assert (
            checkout
            == (
                "121NNY" + NOW + "AOmain|AAR900001|AB90000001|AJ草房子|"
                f"AH{due:%Y%m%d}    235959|AF借书成功，请于 {due:%Y-%m-%d} 前归还。|\r"
            ).encode()
        )

        answer = session.handle_frame(("09N" + NOW + NOW + "APlobby|AOmain|AB90000001|").encode())
        assert (
            answer
            == ("101YNN" + NOW + "AOmain|AB90000001|AQ|AJ草房子|AAR900001|AF还书成功。|\r").encode()
        )

        answer = session.handle_frame(("35" + NOW + "AOmain|AAR900001|").encode())
        assert answer == ("36Y" + NOW + "AOmain|AAR900001|AF谢谢使用，再见。|\r").encode()
        # Resend: the last answer again, byte for byte.
        assert session.handle_frame(b"97") == answer


def _session() -> Session:
    session = Session()
    assert session.handle_frame(b"9300CNkiosk1|COkiosk-secret|") == b"941\r"
    return session


def test_checkin_of_a_held_title_alerts_and_sorts_to_the_hold_shelf(
    library, kiosk, actor, make_patron, make_item, make_bib
):
    from shuxiang.circulation import services

    make_patron(card="R900002", name="陈一", category="teacher")
    make_patron(card="R900003", name="周二", category="teacher")
    bib = make_bib("稻草人")
    make_item(barcode="90000002", bib=bib)
    session = _session()
    out = session.handle_frame(("11YN" + NOW + " " * 18 + "AOmain|AAR900002|AB90000002|").encode())
    assert out.startswith(b"121")
    services.hold_place(actor=actor, card="R900003", bib_id=bib.pk)
    info = session.handle_frame(("17" + NOW + "AOmain|AB90000002|").encode()).decode()
    assert info.startswith("1804") and "CF0001|" in info  # on loan, one reader waiting
    back = session.handle_frame(("09N" + NOW + NOW + "APlobby|AOmain|AB90000002|").encode())
    text = back.decode()
    assert text.startswith("101YNY")  # alert
    assert "|CLhold|" in text and "AF请放预约架：周二 预约了此书" in text


def test_block_patron(library, kiosk, make_patron):
    from shuxiang.circulation.models import PatronBlock

    make_patron(card="R900004", name="吴三")
    session = _session()
    answer = session.handle_frame(("01N" + NOW + "AOmain|ALcard left in kiosk|AAR900004|").encode())
    text = answer.decode()
    assert text.startswith("24YY")
    assert "AF读者已被停借（card left in kiosk）。|" in text
    block = PatronBlock.objects.get(patron__card_number="R900004")
    assert block.reason == "card left in kiosk"
    event = AuditEvent.objects.get(action="patron.block")
    assert (event.channel, event.actor_name) == ("sip2", "kiosk1")


def test_refused_renewal_of_someone_elses_loan(library, kiosk, make_patron, make_item):
    make_patron(card="R900005", name="郑四", category="teacher")
    make_patron(card="R900006", name="王五", category="teacher")
    make_item(barcode="90000005")
    session = _session()
    session.handle_frame(("11YN" + NOW + " " * 18 + "AOmain|AAR900005|AB90000005|").encode())
    answer = session.handle_frame(
        ("29NN" + NOW + " " * 18 + "AOmain|AAR900006|AB90000005|").encode()
    )
    assert answer.startswith(b"300")
    assert "AF这本书不是该读者借的。|".encode() in answer


def test_a_deactivated_kiosk_is_logged_out(library, kiosk, make_patron, make_item, monkeypatch):
    from shuxiang.sip2 import session as session_module

    make_patron(card="R900007", name="冯六", category="teacher")
    make_item(barcode="90000007")
    session = _session()
    kiosk.is_active = False
    kiosk.save(update_fields=["is_active"])
    monkeypatch.setattr(session_module, "LOGIN_RECHECK", 0.0)
    answer = session.handle_frame(
        ("11YN" + NOW + " " * 18 + "AOmain|AAR900007|AB90000007|").encode()
    )
    assert answer.startswith(b"120")
    assert "AF自助借还机尚未登录。|".encode() in answer
    assert session.handle_frame(b"9300CNkiosk1|COkiosk-secret|") == b"940\r"
