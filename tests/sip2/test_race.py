"""Twenty kiosks check out and in at once over TCP; two of them race for one copy:
exactly one gets it, the other a "not OK" with the reason on its screen."""

from __future__ import annotations

import threading

import pytest

from shuxiang.circulation.models import Loan
from shuxiang.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

KIOSKS = 20
ROUNDS = 3


def test_twenty_kiosks_at_once(library, kiosk, make_patron, make_item, client_factory):
    for n in range(KIOSKS):
        make_patron(card=f"R5000{n:02d}", name=f"读者{n}", category="teacher")
        make_item(barcode=f"5000{n:04d}")
    make_item(barcode="59999999")
    clients = [client_factory(patron=f"R5000{n:02d}") for n in range(KIOSKS)]
    barrier = threading.Barrier(KIOSKS)
    results: dict[int, dict] = {}

    def kiosk_run(n: int) -> None:
        client = clients[n]
        out = {"errors": []}
        try:
            login = client.get_response(client.sip_login_request("kiosk1", "kiosk-secret"))
            assert login.startswith("941"), login
            for _round in range(ROUNDS):
                got = client.get_response(client.sip_checkout_request(f"5000{n:04d}"))
                back = client.get_response(client.sip_checkin_request(f"5000{n:04d}"))
                if not got.startswith("121") or not back.startswith("101"):
                    out["errors"].append((got, back))
            barrier.wait(60)
            if n < 2:
                out["race"] = client.get_response(client.sip_checkout_request("59999999"))
        except Exception as exc:  # the test reports it below
            out["errors"].append(repr(exc))
        results[n] = out

    threads = [threading.Thread(target=kiosk_run, args=(n,)) for n in range(KIOSKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert all(not results[n]["errors"] for n in range(KIOSKS)), results
    race = sorted(results[n]["race"][:3] for n in (0, 1))
    assert race == ["120", "121"], [results[n]["race"] for n in (0, 1)]
    loser = next(results[n]["race"] for n in (0, 1) if results[n]["race"].startswith("120"))
    assert "AF此书已借出，请先办理归还。|" in loser
    assert Loan.objects.filter(item__barcode="59999999", status="on_loan").count() == 1
    assert Loan.objects.filter(status="returned", channel="sip2").count() == KIOSKS * ROUNDS
    assert (
        AuditEvent.objects.filter(channel="sip2", action="loan.checkout").count()
        == KIOSKS * ROUNDS + 1
    )
