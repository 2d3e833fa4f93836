"""The SIP2 server over real TCP, driven by a SIP2 client nobody here wrote (the Sip2
package on PyPI, 1.1): what a kiosk sees for each message, and what the library's
records and audit log say afterwards."""

from __future__ import annotations

import socket

import pytest

from shuxiang.catalog.models import Item
from shuxiang.circulation.models import Fee, Loan
from shuxiang.core.models import AuditEvent
from shuxiang.sip2 import codec

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(library, kiosk, make_patron, make_item, make_bib):
    reader = make_patron(card="R200001", name="李小华", category="teacher")
    book = make_item(barcode="30000001", bib=make_bib("朝花夕拾"))
    other = make_item(barcode="30000002", bib=make_bib("骆驼祥子"))
    return {"reader": reader, "book": book, "other": other}


def _login(client, user="kiosk1", password="kiosk-secret"):
    return client.sip_login_response(client.get_response(client.sip_login_request(user, password)))


def test_a_kiosk_session_from_login_to_end(world, client_factory):
    client = client_factory(patron="R200001")
    assert _login(client)["fixed"]["Ok"] == "1"

    status = client.sip_sc_status_response(client.get_response(client.sip_sc_status_request()))
    assert status["fixed"]["OnlineStatus"] == "Y"
    assert status["variable"]["AO"] == ["main"]
    # patron status, checkout, checkin, block, status, resend, login, information, end
    # session, fee paid, item information: Y; item status update (answered, always
    # refused), patron enable, hold: N; renew, renew all: Y.
    assert status["variable"]["BX"] == ["YYYYYYYYYYYNNNYY"]

    info = client.sip_patron_information_response(
        client.get_response(client.sip_patron_information_request("charged"))
    )
    assert info["variable"]["AE"] == ["李小华"]
    assert info["variable"]["BL"] == ["Y"]
    assert info["fixed"]["ChargedItemsCount"] == "0000"

    out = client.sip_checkout_response(client.get_response(client.sip_checkout_request("30000001")))
    assert out["fixed"]["Ok"] == "1"
    assert out["variable"]["AJ"] == ["朝花夕拾"]
    due = out["variable"]["AH"][0]
    assert len(due) == 18 and due.endswith("235959")
    loan = Loan.objects.get(item__barcode="30000001", status="on_loan")
    assert loan.channel == "sip2"
    assert due.startswith(loan.due_date.strftime("%Y%m%d"))

    client.sip_checkout_response(client.get_response(client.sip_checkout_request("30000002")))
    info = client.sip_patron_information_response(
        client.get_response(client.sip_patron_information_request("charged"))
    )
    assert info["fixed"]["ChargedItemsCount"] == "0002"
    assert sorted(info["variable"]["AU"]) == ["30000001", "30000002"]

    item = client.sip_item_information_response(
        client.get_response(client.sip_item_information_request("30000001"))
    )
    assert item["fixed"]["CirculationStatus"] == "04"
    assert item["variable"]["AJ"] == ["朝花夕拾"]
    assert item["variable"]["AH"] == [due]
    assert item["variable"]["CF"] == ["0000"]

    renew = client.sip_renew_response(client.get_response(client.sip_renew_request("30000001")))
    assert renew["fixed"]["Ok"] == "1", client.last_response
    loan.refresh_from_db()
    assert loan.renewals == 1
    assert renew["variable"]["AH"][0].startswith(loan.due_date.strftime("%Y%m%d"))

    renew_all = client.sip_renew_all_response(client.get_response(client.sip_renew_all_request()))
    assert renew_all["fixed"]["Ok"] == "1", client.last_response
    assert int(renew_all["fixed"]["RenewedItems"]) + int(renew_all["fixed"]["UnrenewedItems"]) == 2

    back = client.sip_checkin_response(client.get_response(client.sip_checkin_request("30000001")))
    assert back["fixed"]["Ok"] == "1"
    assert back["fixed"]["Alert"] == "N"
    assert back["variable"]["AB"] == ["30000001"]
    assert Item.objects.get(barcode="30000001").status == "available"

    end = client.sip_end_patron_session_response(
        client.get_response(client.sip_end_patron_session_request())
    )
    assert end["fixed"]["EndSession"] == "Y"

    events = AuditEvent.objects.filter(channel="sip2")
    assert set(events.values_list("action", flat=True)) >= {
        "loan.checkout",
        "loan.renew",
        "loan.checkin",
    }
    assert set(events.values_list("actor_name", flat=True)) == {"kiosk1"}


def test_refusals_are_not_ok_with_a_chinese_screen_message(world, client_factory, make_patron):
    client = client_factory(patron="R200001")
    _login(client)
    client.sip_checkout_response(client.get_response(client.sip_checkout_request("30000001")))

    # The copy is on loan: a second check-out is refused the way the desk refuses it.
    out = client.sip_checkout_response(client.get_response(client.sip_checkout_request("30000001")))
    assert out["fixed"]["Ok"] == "0"
    assert out["variable"]["AF"] == ["此书已借出，请先办理归还。"]

    out = client.sip_checkout_response(client.get_response(client.sip_checkout_request("99999999")))
    assert out["fixed"]["Ok"] == "0"
    assert out["variable"]["AF"] == ["没有条码号为 99999999 的图书。"]

    back = client.sip_checkin_response(client.get_response(client.sip_checkin_request("30000002")))
    assert back["fixed"]["Ok"] == "0"
    assert back["variable"]["AF"] == ["此书未借出，无需归还。"]

    client.patron = "R999999"
    info = client.sip_patron_status_response(
        client.get_response(client.sip_patron_status_request())
    )
    assert info["variable"]["BL"] == ["N"]
    assert info["variable"]["AF"] == ["没有借书证号为 R999999 的读者。"]

    # A blocked reader: the kiosk cannot override what the desk would need a reason for.
    from shuxiang.patrons.models import Patron

    make_patron(card="R200009", name="王小二")
    Patron.objects.filter(card_number="R200009").update(status="blocked")
    client.patron = "R200009"
    out = client.sip_checkout_response(client.get_response(client.sip_checkout_request("30000002")))
    assert out["fixed"]["Ok"] == "0"
    assert "停借" in out["variable"]["AF"][0]
    assert not Loan.objects.filter(item__barcode="30000002").exists()

    update = client.get_response(client.sip_item_status_update_request("30000002", "X"))
    assert update.startswith("200") and "AF" in update


def test_english_kiosk_gets_english_screen_messages(world, client_factory):
    client = client_factory(patron="R999999", language="001")
    _login(client)
    info = client.sip_patron_status_response(
        client.get_response(client.sip_patron_status_request())
    )
    assert info["variable"]["AF"] == ["No reader has card number R999999."]


def test_wrong_password_and_non_kiosk_logins_are_refused(world, client_factory, librarian):
    client = client_factory(patron="R200001")
    assert _login(client, password="wrong")["fixed"]["Ok"] == "0"
    assert _login(client, user="librarian1", password="secret123")["fixed"]["Ok"] == "0"
    # Still connected, and nothing happens before a login.
    out = client.sip_checkout_response(client.get_response(client.sip_checkout_request("30000001")))
    assert out["fixed"]["Ok"] == "0"
    assert out["variable"]["AF"] == ["自助借还机尚未登录。"]
    assert not Loan.objects.exists()


def _raw(port, data: bytes, *, expect: int = 1) -> list[bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        buffer = b""
        while buffer.count(b"\r") < expect:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buffer += chunk
    return buffer.split(b"\r")[:expect]


def test_bad_checksum_unknown_codes_and_resend(world, sip2_port):
    login = b"9300CNkiosk1|COkiosk-secret|AY0AZ"
    login += codec.checksum(login).encode()
    answers = _raw(
        sip2_port,
        login + b"\r" + b"9900302.00AY1AZFCA6\r" + b"XY\n" + b"1720261102\r\n" + b"97\r",
        expect=5,
    )
    assert answers[0].startswith(b"941AY0AZ")
    assert codec.checksum(answers[0][:-4]) == answers[0][-4:].decode()
    assert answers[1] == b"96"  # bad checksum: please resend
    assert answers[2] == b"96"  # unknown code
    assert answers[3] == b"96"  # fixed fields cut short
    assert answers[4] == answers[0]  # resend: the last response, the 96s aside


def test_gb18030_kiosk(world, sip2_port, make_patron):
    make_patron(card="R200002", name="欧阳修")
    login = b"9300CNkiosk1|COkiosk-secret|\r"
    status = "23019" + "20261102    120000" + "AOmain|AAR200002|"
    answers = _raw(sip2_port, login + status.encode("gb18030") + b"\r", expect=2)
    assert answers[0] == b"941"
    # An ASCII request: the server's default character set (UTF-8) answers.
    assert "欧阳修".encode() in answers[1]
    title = "17" + "20261102    120000" + "AOmain|AB30000001|AF中文|"
    answers = _raw(sip2_port, login + title.encode("gb18030") + b"\r", expect=2)
    assert "朝花夕拾".encode("gb18030") in answers[1]


def test_fee_paid(world, client_factory, library):
    reader = world["reader"]
    fee = Fee.objects.create(
        library=library, patron=reader, kind="fine", amount=150, created_at=reader.created_at
    )
    client = client_factory(patron="R200001")
    _login(client)
    wrong = client.get_response(client.sip_fee_paid_request(1, 0, "1.00", currencyType="CNY"))
    assert wrong.startswith("38N")
    paid = client.get_response(client.sip_fee_paid_request(1, 0, "1.50", currencyType="CNY"))
    assert paid.startswith("38Y"), paid
    fee.refresh_from_db()
    assert fee.status == "paid"
