"""Reconciling a stocktake (清点核对): pure, no database.

What the shelves should hold (the copies in scope) and what was scanned go in; each
copy and each scanned barcode comes out under one outcome:

- found: scanned where it belongs (or anywhere, if it has no location);
- misplaced: scanned in another location than its own (in scope or not);
- on_loan: not scanned, and out on a loan (a loan the reader says was returned,
  声称已还, does not count: that copy is sought, and missing if not found);
- elsewhere: not scanned, and known to be off the shelf (in repair, on the hold shelf,
  in transit);
- missing: not scanned and none of the above (already missing copies stay missing);
- unknown: a scanned barcode no copy of the library carries;
- withdrawn: a scanned copy that was withdrawn;
- recovered: a scanned copy that was missing or lost (it comes back at closing);
- out_of_order: within one person's run along a shelf, the copies whose call number
  breaks the shelf order (those outside the longest run in CLC order: the fewest books
  to move to put the shelf right).

Scanned copies count as found or misplaced whatever their recorded state (a copy
recorded on loan but on the shelf is found: the shelf is the evidence)."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

OFF_SHELF = frozenset({"in_repair", "on_hold_shelf", "in_transit"})
RECOVERABLE = frozenset({"missing", "lost"})


class Copy(NamedTuple):
    """A copy of the library as the reconciliation needs it (a tuple: a stocktake reads
    150,000 of them)."""

    item_id: int
    barcode: str
    location_id: int | None
    status: str
    call_number: str = ""
    claimed: bool = False  # its loan is claimed returned (声称已还)


class Scan(NamedTuple):
    barcode: str
    location_id: int | None = None
    run: str = ""
    item_id: int | None = None


@dataclass(slots=True)
class Result:
    found: list[str] = field(default_factory=list)
    misplaced: list[str] = field(default_factory=list)
    on_loan: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)
    expected: int = 0
    scanned: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "scanned": self.scanned,
            "expected": self.expected,
            "found": len(self.found),
            "misplaced": len(self.misplaced),
            "on_loan": len(self.on_loan),
            "elsewhere": len(self.elsewhere),
            "missing": len(self.missing),
            "unknown": len(self.unknown),
            "withdrawn": len(self.withdrawn),
            "recovered": len(self.recovered),
            "out_of_order": len(self.out_of_order),
        }


def reconcile(
    expected: Iterable[Copy],
    scans: Iterable[Scan],
    others: dict[str, Copy],
    *,
    sort_key: Callable[[str], tuple] | None = None,
) -> Result:
    """`expected`: the copies in scope (withdrawn and lost ones are not expected).
    `scans`: in the order they were made. `others`: copies outside the scope that were
    scanned, by barcode (withdrawn, lost, other locations or classes)."""
    result = Result()
    in_scope = {copy.barcode: copy for copy in expected}
    result.expected = len(in_scope)
    seen: set[str] = set()
    runs: dict[str, list[tuple[str, str]]] = {}
    for scan in scans:
        if scan.barcode in seen:
            continue
        seen.add(scan.barcode)
        copy = in_scope.get(scan.barcode) or others.get(scan.barcode)
        if copy is None:
            result.unknown.append(scan.barcode)
            continue
        if copy.status == "withdrawn":
            result.withdrawn.append(scan.barcode)
            continue
        if copy.status in RECOVERABLE or copy.claimed:
            result.recovered.append(scan.barcode)
        if (
            scan.location_id is not None
            and copy.location_id is not None
            and scan.location_id != copy.location_id
        ) or scan.barcode not in in_scope:
            result.misplaced.append(scan.barcode)
        else:
            result.found.append(scan.barcode)
        if sort_key is not None and copy.call_number:
            runs.setdefault(scan.run, []).append((scan.barcode, copy.call_number))
    result.scanned = len(seen)
    for barcode, copy in in_scope.items():
        if barcode in seen:
            continue
        if copy.status == "on_loan" and not copy.claimed:
            result.on_loan.append(barcode)
        elif copy.status in OFF_SHELF:
            result.elsewhere.append(barcode)
        else:
            result.missing.append(barcode)
    if sort_key is not None:
        for run in runs.values():
            result.out_of_order.extend(out_of_order(run, sort_key))
    return result


def out_of_order(run: list[tuple[str, str]], sort_key: Callable[[str], tuple]) -> list[str]:
    """The barcodes of a shelf run (barcode, call number, in scan order) that stand
    outside its longest non-decreasing subsequence by call number: the fewest books to
    move. A run already in order is answered from one pass; otherwise the keys are
    ranked (equal keys, equal ranks), so the O(n log n) search compares integers.
    `sort_key` is called once per copy: give a cached one."""
    keys = [sort_key(call) for _barcode, call in run]
    if all(a <= b for a, b in zip(keys, keys[1:], strict=False)):
        return []  # the shelf is in order: the usual case
    ranks: dict[tuple, int] = {}
    for key in sorted(set(keys)):
        ranks[key] = len(ranks)
    keys = [ranks[key] for key in keys]
    tails: list[int] = []  # smallest tail rank of a subsequence of each length
    tail_at: list[int] = []  # index in run of that tail
    previous = [-1] * len(run)
    for i, key in enumerate(keys):
        pos = bisect.bisect_right(tails, key)
        if pos == len(tails):
            tails.append(key)
            tail_at.append(i)
        else:
            tails[pos] = key
            tail_at[pos] = i
        previous[i] = tail_at[pos - 1] if pos else -1
    keep: set[int] = set()
    i = tail_at[-1] if tail_at else -1
    while i >= 0:
        keep.add(i)
        i = previous[i]
    return [run[i][0] for i in range(len(run)) if i not in keep]


SCANNER_SEPARATORS = (",", "\t", ";")


def parse_scanner_file(text: str) -> list[str]:
    """The barcodes of a handheld scanner's export, in order: one per line, or CSV (the
    barcode is the first field that looks like one; a header line is skipped). Blank
    lines are skipped; repeats are kept here (the session counts each barcode once)."""
    barcodes = []
    for line in text.splitlines():
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        fields = [line]
        for sep in SCANNER_SEPARATORS:
            if sep in line:
                fields = [f.strip().strip('"').strip() for f in line.split(sep)]
                break
        code = next((f for f in fields if f and barcode_shape(f)), None)
        if code is not None:
            barcodes.append(code)
    return barcodes


def barcode_shape(text: str) -> bool:
    """A barcode is 1–40 characters of letters, digits and hyphens with a digit in it
    (so a header such as "barcode,time" is not one)."""
    return (
        0 < len(text) <= 40
        and all(c.isascii() and (c.isalnum() or c == "-") for c in text)
        and any(c.isdigit() for c in text)
    )
