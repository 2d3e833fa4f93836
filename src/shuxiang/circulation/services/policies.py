"""The loan policy matrix (借阅规则): the defaults a new library starts with."""

from __future__ import annotations

from django.db import transaction

from shuxiang.catalog.models import Item
from shuxiang.circulation.models import LoanPolicy
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
