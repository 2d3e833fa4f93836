"""The stocktake's reconciliation, by tables: every outcome, the shelf-order check by
CLC rules, and the handheld scanner's file."""

from __future__ import annotations

import pytest

from shuxiang.catalog.callnumbers import sort_key
from shuxiang.inventory.reconcile import Copy, Scan, out_of_order, parse_scanner_file, reconcile

STACKS, READING = 1, 2


def copy(barcode, status="available", location=STACKS, call="", claimed=False):
    return Copy(
        item_id=int(barcode[1:]),
        barcode=barcode,
        location_id=location,
        status=status,
        call_number=call,
        claimed=claimed,
    )


@pytest.mark.parametrize(
    ("copies", "scans", "others", "outcome", "expected"),
    [
        # on its shelf
        ([copy("B1")], [Scan("B1", STACKS)], {}, "found", ["B1"]),
        # scanned without a location: found wherever
        ([copy("B1")], [Scan("B1")], {}, "found", ["B1"]),
        # a copy without a location is found anywhere
        ([copy("B1", location=None)], [Scan("B1", READING)], {}, "found", ["B1"]),
        # in the reading room although it belongs to the stacks
        ([copy("B1")], [Scan("B1", READING)], {}, "misplaced", ["B1"]),
        # a copy of another location, outside the scope, found here
        ([], [Scan("B9", STACKS)], {"B9": copy("B9", location=READING)}, "misplaced", ["B9"]),
        # not scanned, out on loan
        ([copy("B1", "on_loan")], [], {}, "on_loan", ["B1"]),
        # not scanned, loan claimed returned: sought, so missing
        ([copy("B1", "on_loan", claimed=True)], [], {}, "missing", ["B1"]),
        # not scanned, nowhere to be accounted for
        ([copy("B1")], [], {}, "missing", ["B1"]),
        # missing before and still not found
        ([copy("B1", "missing")], [], {}, "missing", ["B1"]),
        # in repair, on the hold shelf, in transit
        (
            [copy("B1", "in_repair"), copy("B2", "on_hold_shelf"), copy("B3", "in_transit")],
            [],
            {},
            "elsewhere",
            ["B1", "B2", "B3"],
        ),
        # a barcode nobody knows
        ([], [Scan("X-77", STACKS)], {}, "unknown", ["X-77"]),
        # a withdrawn copy on the shelf
        ([], [Scan("B5", STACKS)], {"B5": copy("B5", "withdrawn")}, "withdrawn", ["B5"]),
        # a missing copy found again: found and recovered
        ([copy("B1", "missing")], [Scan("B1", STACKS)], {}, "recovered", ["B1"]),
        ([copy("B1", "missing")], [Scan("B1", STACKS)], {}, "found", ["B1"]),
        # a lost (billed) copy is found: recovered
        ([], [Scan("B6", STACKS)], {"B6": copy("B6", "lost")}, "recovered", ["B6"]),
        # the claimed-returned copy on the shelf
        ([copy("B1", "on_loan", claimed=True)], [Scan("B1", STACKS)], {}, "recovered", ["B1"]),
        # scanned twice: counted once
        ([copy("B1")], [Scan("B1", STACKS), Scan("B1", STACKS)], {}, "found", ["B1"]),
    ],
)
def test_every_outcome(copies, scans, others, outcome, expected):
    result = reconcile(copies, scans, others)
    assert getattr(result, outcome) == expected


def test_the_counts_add_up():
    copies = [copy("B1"), copy("B2"), copy("B3", "on_loan"), copy("B4")]
    scans = [Scan("B1", STACKS), Scan("B2", READING), Scan("ZZ1", STACKS), Scan("B1", STACKS)]
    counts = reconcile(copies, scans, {}).counts()
    assert counts == {
        "scanned": 3,
        "expected": 4,
        "found": 1,
        "misplaced": 1,
        "on_loan": 1,
        "elsewhere": 0,
        "missing": 1,
        "unknown": 1,
        "withdrawn": 0,
        "recovered": 0,
        "out_of_order": 0,
    }


@pytest.mark.parametrize(
    ("calls", "wrong"),
    [
        (["A11/45", "A2/13", "B43/6", "B43/11"], []),  # CLC order, not string order
        (["A2/13", "A11/45", "B43/6"], ["A2/13"]),  # A11 sorts before A2
        (["B43/11", "B43/6"], ["B43/11"]),  # sequence numbers as integers
        (["I247.5/1", "I247.5/2", "G624/3", "I247.5/3"], ["G624/3"]),  # one book in a wrong place
        (["K1/1", "I2/1", "I3/1", "I4/1"], ["K1/1"]),  # the fewest books to move
        ([], []),
    ],
)
def test_call_number_order_by_clc_rules(calls, wrong):
    run = [(f"B{i}", call) for i, call in enumerate(calls)]
    moved = [dict(run)[b] for b in out_of_order(run, sort_key)]
    assert moved == wrong


def test_out_of_order_is_checked_per_run_not_across_people():
    copies = [copy("B1", call="I1/1"), copy("B2", call="I1/2"), copy("B3", call="A1/1")]
    scans = [Scan("B2", STACKS, "ann"), Scan("B1", STACKS, "bob"), Scan("B3", STACKS, "ann")]
    result = reconcile(copies, scans, {}, sort_key=sort_key)
    assert result.out_of_order == ["B2"]  # ann scanned I1/2 before A1/1; bob's run is fine


@pytest.mark.parametrize(
    ("text", "barcodes"),
    [
        ("10001\n10002\r\n\n10003\n", ["10001", "10002", "10003"]),
        (
            "\ufeffbarcode,time\n10001,2026-06-01 10:00\n10002,2026-06-01 10:01\n",
            ["10001", "10002"],
        ),
        ("2026-06-01;10001\n", ["2026-06-01"]),
        ('"10001"\t1\n', ["10001"]),
        ("10001\n10001\n", ["10001", "10001"]),
        ("条码\n", []),
    ],
)
def test_handheld_scanner_files(text, barcodes):
    assert parse_scanner_file(text) == barcodes
