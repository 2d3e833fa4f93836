"""Order-list checking (采购查重), pure: given what the library holds and has on order,
is a title on a vendor's list new, a welcome extra copy, over the copy limit, or listed
twice?"""

from __future__ import annotations

from dataclasses import dataclass

NEW = "new"  # not held, not on order
ADD_COPIES = "add_copies"  # held or on order, the wanted copies stay within the limit
OVER_LIMIT = "over_limit"  # held + on order + wanted exceed the copy limit
REPEATED = "repeated"  # the same title earlier in the same list


@dataclass(frozen=True, slots=True)
class LineCheck:
    status: str
    suggested: int  # copies to order so as to stay within the limit


def check_line(
    *, held: int, on_order: int, wanted: int, copy_limit: int, repeated: bool = False
) -> LineCheck:
    """The decision for one line of an order list.

    held: copies in the collection (not withdrawn or lost); on_order: copies ordered and
    not yet received; wanted: copies the list proposes; copy_limit: the most copies of
    one title the library keeps (复本量上限)."""
    if repeated:
        return LineCheck(REPEATED, 0)
    room = max(0, copy_limit - held - on_order)
    if held + on_order + wanted > copy_limit:
        return LineCheck(OVER_LIMIT, min(wanted, room))
    if held or on_order:
        return LineCheck(ADD_COPIES, wanted)
    return LineCheck(NEW, wanted)
