"""One kiosk's conversation: a decoded request in, the response frame out.

Every change goes through the circulation services with the kiosk as the actor (channel
`sip2`), so a kiosk gets exactly the desk's answer: the same rules, the same refusals,
no override. A refusal becomes the response's "not OK" with the service's message in the
screen-message field (AF), in the kiosk's language (Chinese unless the request says
English, language 001). Nothing here decides library policy.
"""

from __future__ import annotations

import logging
import time
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.circulation import services
from shuxiang.circulation.models import Fee, Hold, Loan
from shuxiang.circulation.selectors import open_loan_of, patron_for_scan, patron_summary
from shuxiang.core import clock
from shuxiang.core.audit import Actor
from shuxiang.core.errors import DomainError
from shuxiang.core.libraries import library_of_user
from shuxiang.core.models import AuditEvent, Library
from shuxiang.core.money import yuan_text
from shuxiang.core.permissions import KIOSK
from shuxiang.sip2 import codec
from shuxiang.sip2.codec import Message, count, encode, sip_date, sip_datetime, yes

log = logging.getLogger("shuxiang.sip2")

# What 98's supported-messages field (BX) says, position by position as the
# specification lists them: patron status, checkout, checkin, block patron, SC status,
# resend, login, patron information, end patron session, fee paid, item information,
# item status update, patron enable, hold, renew, renew all.
SUPPORTED = {
    "23": True,
    "11": True,
    "09": True,
    "01": True,
    "99": True,
    "97": True,
    "93": True,
    "63": True,
    "35": True,
    "37": True,
    "17": True,
    "19": False,  # answered, but refused: there are no item properties to change
    "25": False,
    "15": False,
    "29": True,
    "65": True,
}

# SIP2 circulation status (message 18) of each item status.
CIRCULATION_STATUS = {
    Item.Status.AVAILABLE: "03",
    Item.Status.ON_LOAN: "04",
    Item.Status.ON_HOLD_SHELF: "08",
    Item.Status.IN_TRANSIT: "10",
    Item.Status.IN_REPAIR: "01",
    Item.Status.MISSING: "12",
    Item.Status.LOST: "13",
    Item.Status.WITHDRAWN: "01",
}

LANG_EN = "001"

FAILED_LOGIN_PAUSE = 1.0  # seconds
# How long a logged-in kiosk acts before its login is read again: a kiosk deactivated
# on the staff pages stops within this time, without a query on every message.
LOGIN_RECHECK = 60.0  # seconds


@dataclass(frozen=True, slots=True)
class KioskActor(Actor):
    """The self-service channel acting for one kiosk. It carries no login (a kiosk has
    no capability, so nothing can be overridden), but the audit log names the kiosk."""

    kiosk: str = ""

    @property
    def name(self) -> str:
        return self.kiosk or str(AuditEvent.Channel(self.channel).label)


def kiosk_authenticate(username: str, password: str) -> tuple[Any, Library] | None:
    """The kiosk login (role kiosk, active, with a library) with this password."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.is_active or not user.check_password(password):
        return None
    if not user.groups.filter(name=KIOSK).exists():
        return None
    library = library_of_user(user)
    if library is None:
        return None
    return user, library


class Session:
    """The state of one connection: its kiosk once logged in, the language of its
    screen messages, the last response (for 97) and the text encoding it speaks."""

    def __init__(self, *, encoding: str = "utf-8") -> None:
        self.encoding = encoding
        self.user: Any = None
        self.library: Library | None = None
        self.actor: KioskActor | None = None
        self.language = ""
        self.last_response = b""
        self.patron_card = ""
        self.checked_at = 0.0

    # -- framing ---------------------------------------------------------------------

    def handle_frame(self, raw: bytes) -> bytes:
        """One frame in, one frame out. Never raises: a frame that cannot be read gets
        a 96 (resend) and is logged."""
        try:
            message = codec.decode(raw, encoding=self.encoding)
        except codec.FrameError as exc:
            log.warning("sip2: %s in %r", exc.code, raw[:200])
            return encode("96")
        if message.encoding != self.encoding and any(b > 0x7F for b in raw):
            self.encoding = message.encoding  # the kiosk speaks the other character set
        if message.code == "97":
            return self.last_response or encode("96")
        try:
            with translation.override(self._lang(message)):
                code, fixed, fields = self.respond(message)
        except Exception:  # a bug must not cost the kiosk its connection
            log.exception("sip2: failed on %r", raw[:200])
            with translation.override(self._lang(message)):
                code, fixed, fields = self._not_ok(message, _("系统出错，请到服务台办理。"))
        response = encode(
            code,
            fixed,
            fields,
            sequence=message.sequence,
            with_checksum=message.checksummed,
            encoding=self.encoding,
        )
        self.last_response = response
        return response

    def _lang(self, message: Message) -> str:
        language = message.fixed.get("language", "")
        if language and language != "000":
            self.language = language
        return "en" if self.language == LANG_EN else "zh-hans"

    # -- dispatch --------------------------------------------------------------------

    def respond(self, message: Message) -> tuple[str, str, list[tuple[str, Any]]]:
        if message.code == "93":
            return self.login(message)
        if message.code == "99":
            return self.sc_status(message)
        if self.actor is not None and time.monotonic() - self.checked_at > LOGIN_RECHECK:
            if not get_user_model().objects.filter(pk=self.user.pk, is_active=True).exists():
                log.warning("sip2: %s was deactivated, logging it out", self.user.get_username())
                self.actor = None
            self.checked_at = time.monotonic()
        if self.actor is None:
            return self._not_ok(message, _("自助借还机尚未登录。"))
        institution = message.get("AO")
        if institution and institution != self.library.code:
            return self._not_ok(message, _("机构代码 %(code)s 不是本馆。") % {"code": institution})
        handler = getattr(self, f"msg_{message.code}")
        return handler(message)

    def _now(self) -> str:
        zone = zoneinfo.ZoneInfo(self.library.time_zone if self.library else "Asia/Shanghai")
        return sip_datetime(clock.now().astimezone(zone))

    def _not_ok(self, message: Message, text: str) -> tuple[str, str, list[tuple[str, Any]]]:
        """The "not OK" response of this request, with the reason on screen (AF)."""
        now = self._now()
        ao = ("AO", self.library.code if self.library else message.get("AO"))
        aa = ("AA", message.get("AA"))
        ab = ("AB", message.get("AB"))
        af = ("AF", text)
        code = message.code
        if code == "93":
            return "94", "0", []
        if code in ("23", "01"):
            return "24", "Y" * 4 + " " * 10 + "000" + now, [ao, aa, ("AE", ""), ("BL", "N"), af]
        if code == "63":
            fixed = "Y" * 4 + " " * 10 + "000" + now + " " * 24
            return "64", fixed, [ao, aa, ("AE", ""), ("BL", "N"), af]
        if code == "11":
            return "12", "0NNN" + now, [ao, aa, ab, ("AJ", ""), ("AH", ""), af]
        if code == "09":
            return "10", "0NNN" + now, [ao, ab, ("AQ", ""), af]
        if code == "29":
            return "30", "0NNN" + now, [ao, aa, ab, ("AJ", ""), ("AH", ""), af]
        if code == "65":
            return "66", "0" + "0000" + "0000" + now, [ao, af]
        if code == "17":
            return "18", "01" + "00" + "01" + now, [ab, ("AJ", ""), af]
        if code == "19":
            return "20", "0" + now, [ab, af]
        if code == "37":
            return "38", "N" + now, [ao, aa, af]
        if code == "35":
            return "36", "N" + now, [ao, aa, af]
        return "98", self._status_fixed(False), [ao, af]

    def _refused(self, message: Message, exc: DomainError) -> tuple[str, str, list]:
        log.info("sip2: %s refused %s: %s", message.code, exc.code, exc.message)
        return self._not_ok(message, exc.message)

    # -- 93 login, 99 status ---------------------------------------------------------

    def login(self, message: Message) -> tuple[str, str, list]:
        found = kiosk_authenticate(message.get("CN"), message.get("CO"))
        if found is None:
            log.warning("sip2: login refused for %r", message.get("CN"))
            # Slows a guesser down on this connection; a kiosk with the right password
            # never waits.
            time.sleep(FAILED_LOGIN_PAUSE)
            return "94", "0", []
        self.user, self.library = found
        self.actor = KioskActor(
            library=self.library,
            user=None,
            channel=AuditEvent.Channel.SIP2,
            kiosk=self.user.get_username(),
        )
        self.checked_at = time.monotonic()
        return "94", "1", []

    def _status_fixed(self, online: bool) -> str:
        # online, checkin ok, checkout ok, ACS renewal policy, status update ok,
        # offline ok, timeout period, retries allowed, date/time sync, protocol version
        flags = yes(online) * 3 + "Y" + "N" + "N"
        return flags + "030" + "003" + self._now() + "2.00"

    def sc_status(self, message: Message) -> tuple[str, str, list]:
        online = self.actor is not None
        supported = "".join(yes(v) for v in SUPPORTED.values())
        fields: list[tuple[str, Any]] = [
            ("AO", self.library.code if self.library else ""),
            ("AM", self.library.name if self.library else ""),
            ("BX", supported),
        ]
        if not online:
            fields.append(("AF", _("自助借还机尚未登录。")))
        return "98", self._status_fixed(online), fields

    # -- patrons ---------------------------------------------------------------------

    def _patron(self, message: Message) -> Any:
        card = message.get("AA")
        return patron_for_scan(self.library.pk, card, lock=False) if card else None

    def _password_field(self, message: Message, patron: Any) -> tuple[str, str] | None:
        if "AD" not in message.fields:
            return None
        user = getattr(patron, "user", None) if patron.user_id else None
        ok = user is not None and user.check_password(message.get("AD"))
        return ("CQ", yes(ok))

    def _patron_status(self, summary: dict[str, Any]) -> str:
        blocked = bool(summary["blocks"])
        policy = summary["policy"]
        flags = [
            blocked,  # charge privileges denied
            blocked,  # renewal privileges denied
            True,  # recall privileges denied: no recalls here
            blocked,  # hold privileges denied
            False,  # card reported lost
            summary["at_limit"],  # too many items charged
            blocked and summary["overdue"] > 0,  # too many items overdue
            False,
            False,
            False,
            bool(policy.block_fees and summary["fees"] > policy.block_fees),
            False,
            False,
            False,
        ]
        return "".join("Y" if f else " " for f in flags)

    def _lang_code(self) -> str:
        return LANG_EN if self.language == LANG_EN else "019"

    def _patron_fields(self, patron: Any, summary: dict[str, Any]) -> list[tuple[str, Any]]:
        fields: list[tuple[str, Any]] = [
            ("AO", self.library.code),
            ("AA", patron.card_number),
            ("AE", patron.name),
            ("BL", "Y"),
        ]
        return fields

    def _screen(self, summary: dict[str, Any]) -> str:
        return "；".join(r.message for r in summary["blocks"])

    def msg_23(self, message: Message) -> tuple[str, str, list]:
        patron = self._patron(message)
        if patron is None:
            return self._no_patron(message)
        summary = patron_summary(self.library, patron, today=clock.today())
        fields = self._patron_fields(patron, summary)
        password = self._password_field(message, patron)
        if password:
            fields.append(password)
        fields += [("BH", "CNY"), ("BV", yuan_text(summary["fees"]))]
        if summary["blocks"]:
            fields.append(("AF", self._screen(summary)))
        fixed = self._patron_status(summary) + self._lang_code() + self._now()
        return "24", fixed, fields

    def _no_patron(self, message: Message) -> tuple[str, str, list]:
        return self._not_ok(
            message,
            _("没有借书证号为 %(card)s 的读者。") % {"card": message.get("AA")},
        )

    def _range(self, message: Message) -> tuple[int, int]:
        try:
            start = max(1, int(message.get("BP", "1") or 1))
            end = int(message.get("BQ", "") or start + 9)
        except ValueError:
            start, end = 1, 10
        end = max(start, min(end, start + 49))  # a response stays well under the frame cap
        return start, end

    def msg_63(self, message: Message) -> tuple[str, str, list]:
        patron = self._patron(message)
        if patron is None:
            return self._no_patron(message)
        today = clock.today()
        summary = patron_summary(self.library, patron, today=today)
        loans = [row["loan"] for row in summary["loans"]]
        overdue = [row["loan"] for row in summary["loans"] if row["overdue_days"] > 0]
        holds = summary["holds"]
        fees = list(
            Fee.objects.filter(patron=patron, status=Fee.Status.OPEN)
            .select_related("item__bib")
            .order_by("created_at", "id")
        )
        unavailable = [h for h in holds if h.status == Hold.Status.WAITING]
        fixed = (
            self._patron_status(summary)
            + self._lang_code()
            + self._now()
            + count(len([h for h in holds if h.status == Hold.Status.READY]))
            + count(len(overdue))
            + count(len(loans))
            + count(len(fees))
            + count(0)
            + count(len(unavailable))
        )
        fields = self._patron_fields(patron, summary)
        password = self._password_field(message, patron)
        if password:
            fields.append(password)
        fields += [
            ("BZ", count(summary["limit"])),
            ("CB", count(summary["limit"])),
            ("BH", "CNY"),
            ("BV", yuan_text(summary["fees"])),
        ]
        wanted = message.fixed.get("summary", "")
        start, end = self._range(message)
        lists = {
            0: (
                "AS",
                [
                    h.item.barcode if h.item_id else h.bib.title
                    for h in holds
                    if h.status == Hold.Status.READY
                ],
            ),
            1: ("AT", [loan.item.barcode for loan in overdue]),
            2: ("AU", [loan.item.barcode for loan in loans]),
            3: (
                "AV",
                [
                    f"{yuan_text(f.amount)} {Fee.Kind(f.kind).label}"
                    + (f" {f.item.barcode} {f.item.bib.title}" if f.item_id else "")
                    for f in fees
                ],
            ),
            5: ("CD", [h.bib.title for h in unavailable]),
        }
        position = wanted.find("Y")
        if position in lists:
            tag, values = lists[position]
            fields += [(tag, value) for value in values[start - 1 : end]]
        if summary["blocks"]:
            fields.append(("AF", self._screen(summary)))
        return "64", fixed, fields

    def msg_01(self, message: Message) -> tuple[str, str, list]:
        reason = message.get("AL") or _("自助借还机停借")
        try:
            services.patron_block(actor=self.actor, card=message.get("AA"), reason=reason)
        except DomainError as exc:
            if exc.code != "already_blocked":
                return self._refused(message, exc)
        return self.msg_23(message)

    def msg_35(self, message: Message) -> tuple[str, str, list]:
        self.patron_card = ""
        return (
            "36",
            "Y" + self._now(),
            [("AO", self.library.code), ("AA", message.get("AA")), ("AF", _("谢谢使用，再见。"))],
        )

    # -- items -----------------------------------------------------------------------

    def _item(self, barcode: str) -> Item | None:
        return (
            Item.objects.select_related("bib", "location")
            .filter(library=self.library, barcode=barcode)
            .first()
            if barcode
            else None
        )

    def msg_11(self, message: Message) -> tuple[str, str, list]:
        try:
            loan = services.loan_checkout(
                actor=self.actor, card=message.get("AA"), barcode=message.get("AB")
            )
        except DomainError as exc:
            return self._refused(message, exc)
        title = loan.item.bib.title if loan.item.bib_id else ""
        return (
            "12",
            "1" + "N" + "N" + "Y" + self._now(),
            [
                ("AO", self.library.code),
                ("AA", message.get("AA")),
                ("AB", loan.item.barcode),
                ("AJ", self._title(loan.item, title)),
                ("AH", sip_date(loan.due_date)),
                ("AF", _("借书成功，请于 %(date)s 前归还。") % {"date": loan.due_date.isoformat()}),
            ],
        )

    def _title(self, item: Item, title: str = "") -> str:
        if title:
            return title
        return Item.objects.filter(pk=item.pk).values_list("bib__title", flat=True).first() or ""

    def msg_09(self, message: Message) -> tuple[str, str, list]:
        try:
            result = services.loan_checkin(actor=self.actor, barcode=message.get("AB"))
        except DomainError as exc:
            return self._refused(message, exc)
        item = self._item(result.item.barcode)
        alert = bool(result.hold) or result.found
        fields: list[tuple[str, Any]] = [
            ("AO", self.library.code),
            ("AB", item.barcode),
            ("AQ", item.location.name if item.location_id else ""),
            ("AJ", item.bib.title),
        ]
        if result.hold:
            fields.append(("CL", "hold"))
            fields.append(("CV", "01"))
        elif result.found:
            fields.append(("CV", "99"))
        if result.patron is not None:
            fields.append(("AA", result.patron.card_number))
        screen = " ".join(result.messages) or _("还书成功。")
        fields.append(("AF", screen))
        return "10", "1" + "Y" + "N" + yes(alert) + self._now(), fields

    def msg_29(self, message: Message) -> tuple[str, str, list]:
        barcode = message.get("AB")
        item = self._item(barcode)
        card = message.get("AA")
        if item is not None and card:
            loan = open_loan_of(item.pk)
            holder = (
                Loan.objects.filter(pk=loan.pk)
                .values_list("patron__card_number", flat=True)
                .first()
                if loan
                else None
            )
            if loan is not None and holder != card:
                return self._not_ok(message, _("这本书不是该读者借的。"))
        try:
            loan = services.loan_renew(actor=self.actor, barcode=barcode)
        except DomainError as exc:
            return self._refused(message, exc)
        return (
            "30",
            "1" + "Y" + "N" + "N" + self._now(),
            [
                ("AO", self.library.code),
                ("AA", card),
                ("AB", barcode),
                ("AJ", item.bib.title if item else ""),
                ("AH", sip_date(loan.due_date)),
                ("AF", _("续借成功，请于 %(date)s 前归还。") % {"date": loan.due_date.isoformat()}),
            ],
        )

    def msg_65(self, message: Message) -> tuple[str, str, list]:
        try:
            outcomes = services.loan_renew_all(actor=self.actor, card=message.get("AA"))
        except DomainError as exc:
            return self._refused(message, exc)
        renewed = [o for o in outcomes if o.renewed]
        refused = [o for o in outcomes if not o.renewed]
        fields: list[tuple[str, Any]] = [("AO", self.library.code)]
        fields += [("BM", o.loan.item.barcode) for o in renewed]
        fields += [("BN", o.loan.item.barcode) for o in refused]
        screen = _("续借 %(ok)s 本，未能续借 %(no)s 本。") % {
            "ok": len(renewed),
            "no": len(refused),
        }
        if refused:
            screen += " " + "；".join(f"{o.loan.item.barcode}：{o.message}" for o in refused)
        fields.append(("AF", screen))
        return "66", "1" + count(len(renewed)) + count(len(refused)) + self._now(), fields

    def msg_17(self, message: Message) -> tuple[str, str, list]:
        item = self._item(message.get("AB"))
        if item is None:
            return self._not_ok(
                message,
                _("没有条码号为 %(barcode)s 的图书。") % {"barcode": message.get("AB")},
            )
        queue = Hold.objects.filter(bib_id=item.bib_id, status=Hold.Status.WAITING).count()
        fields: list[tuple[str, Any]] = [("CF", count(queue))]
        loan = open_loan_of(item.pk) if item.status == Item.Status.ON_LOAN else None
        if loan is not None:
            fields.append(("AH", sip_date(loan.due_date)))
        fields += [
            ("AB", item.barcode),
            ("AJ", item.bib.title),
            ("AQ", item.location.name if item.location_id else ""),
            ("AF", str(Item.Status(item.status).label)),
        ]
        status = CIRCULATION_STATUS.get(item.status, "01")
        return "18", status + "00" + "01" + self._now(), fields

    def msg_19(self, message: Message) -> tuple[str, str, list]:
        # Shuxiang keeps no item properties (CH) to change; the kiosk is told so.
        item = self._item(message.get("AB"))
        if item is None:
            return self._not_ok(
                message,
                _("没有条码号为 %(barcode)s 的图书。") % {"barcode": message.get("AB")},
            )
        return self._not_ok(message, _("本系统不保存图书属性，请到服务台修改。"))

    def msg_37(self, message: Message) -> tuple[str, str, list]:
        patron = self._patron(message)
        if patron is None:
            return self._no_patron(message)
        try:
            amount = _fen(message.get("BV"))
        except ValueError:
            return self._not_ok(message, _("缴费金额格式有误。"))
        open_fees = Fee.objects.filter(patron=patron, status=Fee.Status.OPEN).order_by(
            "created_at", "id"
        )
        wanted = message.get("CG")
        if wanted:
            fees = [f for f in open_fees if str(f.pk) == wanted]
        else:
            fees, total = [], 0
            for fee in open_fees:
                if total + fee.amount > amount:
                    break
                fees.append(fee)
                total += fee.amount
        if not fees or sum(f.amount for f in fees) != amount:
            return self._not_ok(
                message, _("缴费金额与欠费不符，自助机只收整笔欠费，请到服务台办理。")
            )
        try:
            payments = services.fee_pay(actor=self.actor, fee_ids=[f.pk for f in fees])
        except DomainError as exc:
            return self._refused(message, exc)
        receipt = getattr(payments[-1], "receipt_number", "") if payments else ""
        return (
            "38",
            "Y" + self._now(),
            [
                ("AO", self.library.code),
                ("AA", patron.card_number),
                ("BK", receipt),
                ("AF", _("已缴费 %(yuan)s 元。") % {"yuan": yuan_text(amount)}),
            ],
        )


def _fen(text: str) -> int:
    """A SIP2 amount ("47.20") as fen."""
    text = (text or "").strip()
    if not text:
        raise ValueError("empty")
    yuan, _sep, jiao = text.partition(".")
    if not yuan.isdigit() or (jiao and (not jiao.isdigit() or len(jiao) > 2)):
        raise ValueError(text)
    return int(yuan) * 100 + int((jiao + "00")[:2])
