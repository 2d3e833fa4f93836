"""The loan policy matrix (借阅规则) and the hold and compensation settings: the
defaults a new library starts with, and a librarian's edits of both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Item
from shuxiang.circulation.models import CirculationSettings, LoanPolicy
from shuxiang.circulation.selectors import fee_settings
from shuxiang.circulation.services._common import _require
from shuxiang.core import audit
from shuxiang.core.audit import Actor
from shuxiang.core.errors import Conflict, Invalid, NotFound
from shuxiang.core.models import Library
from shuxiang.patrons.models import Patron

# The defaults most schools start with: students 2 books for 14 days with one renewal;
# teachers 10 books until the end of term with two renewals; reference copies stay in
# the library; no fines.
DEFAULT_POLICIES = {
    Patron.Category.STUDENT: {"loan_days": 14, "max_loans": 2, "renewals": 1, "renewal_days": 14},
    Patron.Category.TEACHER: {
        "loan_days": 120,
        "fixed_due": "term_end",
        "max_loans": 10,
        "renewals": 2,
        "renewal_days": 30,
    },
    Patron.Category.STAFF: {"loan_days": 30, "max_loans": 5, "renewals": 1, "renewal_days": 30},
}


@transaction.atomic
def policies_seed_defaults(*, library: Library) -> int:
    """Fill the policy matrix with the defaults where a cell is missing; returns how many
    cells were added. Cells a librarian has edited are left alone."""
    added = 0
    for category, values in DEFAULT_POLICIES.items():
        for circulation_type in Item.CirculationType.values:
            cell = dict(values)
            if circulation_type == Item.CirculationType.REFERENCE:
                cell["loanable"] = False
            _policy, created = LoanPolicy.objects.get_or_create(
                library=library,
                patron_category=category,
                grade=0,
                circulation_type=circulation_type,
                defaults=cell,
            )
            added += created
    return added


# --- editing the matrix and the settings ------------------------------------------------

POLICY_FIELDS = (
    "patron_category",
    "grade",
    "circulation_type",
    "loanable",
    "loan_days",
    "fixed_due",
    "max_loans",
    "renewals",
    "renewal_days",
    "fine_per_day",
    "grace_days",
    "fine_cap",
    "holds_allowed",
    "block_overdue_days",
    "block_fees",
)
_POLICY_CHOICES = {
    "patron_category": Patron.Category.values,
    "circulation_type": Item.CirculationType.values,
    "fixed_due": ["", *LoanPolicy.FixedDue.values],
}
_POLICY_FLAGS = {"loanable", "holds_allowed"}


@dataclass
class PolicyCell:
    """One edited row of the matrix page: an existing cell (pk) or a new one (pk None),
    with its values by field name; `row` is its position on the page, for the message."""

    pk: int | None
    values: dict[str, Any]
    row: int = 0


def _policy_dict(policy: LoanPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


def _checked_policy_values(cell: PolicyCell) -> dict[str, Any]:
    values = {}
    for name in POLICY_FIELDS:
        value = cell.values.get(name)
        if name in _POLICY_FLAGS:
            values[name] = bool(value)
        elif name in _POLICY_CHOICES:
            if (value or "") not in _POLICY_CHOICES[name]:
                raise Invalid(_("请选择有效的选项。"), code="invalid_policy", row=cell.row)
            values[name] = value or ""
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise Invalid(_("请填写不小于 0 的整数。"), code="invalid_policy", row=cell.row)
        else:
            values[name] = value
    return values


@transaction.atomic
def policy_matrix_update(
    *, actor: Actor, cells: list[PolicyCell], delete_ids: list[int] | None = None
) -> int:
    """Save the loan policy matrix (借阅规则) as edited on its page: delete these cells,
    write the changed and new ones, each with its audit event; all or nothing. A cell
    must be unique per reader category, grade and circulation type (Conflict
    policy_cell_exists, with the row). Returns how many cells were written or deleted."""
    _require(actor, "circulate_any_class")
    library = actor.library
    done = 0
    for policy in LoanPolicy.objects.filter(library=library, pk__in=delete_ids or []):
        audit.record(actor, "policy.delete", policy, before=_policy_dict(policy))
        policy.delete()
        done += 1
    for cell in cells:
        values = _checked_policy_values(cell)
        if cell.pk is None:
            policy = LoanPolicy(library=library)
        else:
            policy = LoanPolicy.objects.filter(library=library, pk=cell.pk).first()
            if policy is None:
                raise NotFound(_("没有这一格规则。"), code="policy_not_found", row=cell.row)
        before = _policy_dict(policy) if cell.pk is not None else None
        for name, value in values.items():
            setattr(policy, name, value)
        duplicate = (
            LoanPolicy.objects.filter(
                library=library,
                patron_category=policy.patron_category,
                grade=policy.grade,
                circulation_type=policy.circulation_type,
            )
            .exclude(pk=policy.pk)
            .exists()
        )
        if duplicate:
            raise Conflict(_("这一格规则已经存在。"), code="policy_cell_exists", row=cell.row)
        policy.save()
        audit.record(actor, "policy.update", policy, before=before, after=_policy_dict(policy))
        done += 1
    return done


SETTINGS_FIELDS = (
    "hold_pickup_days",
    "max_holds",
    "lost_factor_percent",
    "lost_processing_fee",
    "lost_default_price",
    "damage_minor_percent",
    "damage_major_percent",
    "refund_processing_fee",
)


@transaction.atomic
def circulation_settings_update(*, actor: Actor, values: dict[str, Any]) -> CirculationSettings:
    """Change the library's hold and compensation settings (预约与赔偿设置); fields not
    given keep their value. Numbers are whole and not negative (fen, days, percent); a
    pickup window has at least one day. Audited with the values before and after."""
    _require(actor, "circulate_any_class")
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise Invalid(
            _("未知的设置：%(names)s") % {"names": "、".join(sorted(unknown))},
            code="invalid_setting",
        )
    fee_settings(actor.library)  # made with the defaults on first use
    row = CirculationSettings.objects.select_for_update().get(library=actor.library)
    before = {name: getattr(row, name) for name in SETTINGS_FIELDS}
    for name, value in values.items():
        if name == "refund_processing_fee":
            value = bool(value)
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise Invalid(_("请填写不小于 0 的整数。"), code="invalid_setting", field=name)
        elif name == "hold_pickup_days" and value < 1:
            raise Invalid(_("预约保留天数至少为 1 天。"), code="invalid_setting", field=name)
        setattr(row, name, value)
    row.save(update_fields=list(SETTINGS_FIELDS))
    audit.record(
        actor,
        "circulation_settings.update",
        row,
        before=before,
        after={name: getattr(row, name) for name in SETTINGS_FIELDS},
    )
    return row
