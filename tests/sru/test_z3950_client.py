# ruff: noqa: F811 — the servers are fixtures imported from z3950_servers
"""The Z39.50 client (sru.z3950) against real servers: yaz-ztest and Zebra with real
MARC 21 (MARC-8) and CNMARC (GBK and UTF-8) records; a server that is down or never
answers gives a clear message within the time limit; several servers at once."""

from __future__ import annotations

import threading
import time

import pytest

from shuxiang.sru import copy_search, z3950
from shuxiang.sru.models import SruServer
from tests.sru.z3950_servers import (  # noqa: F401 — fixtures
    free_port,
    silent_port,
    z3950_server,
    zebra_port,
    ztest_port,
)


@pytest.mark.parametrize(
    ("query", "pqf"),
    [
        (
            {"isbn": "978-7-02-000220-7"},
            '@or @attr 1=7 "9787020002207" @or @attr 1=7 "978-7-02-000220-7" '
            '@or @attr 1=7 "702000220X" @attr 1=7 "7-02-000220-X"',
        ),
        ({"isbn": "10019-1234"}, '@attr 1=7 "100191234"'),  # not an ISBN: searched as typed
        ({"title": "朝花夕拾"}, '@attr 1=4 "朝花夕拾"'),
        ({"author": " 鲁迅 "}, '@attr 1=1003 "鲁迅"'),
        (
            {"title": '呐喊 "新版"\\', "author": "鲁迅"},
            '@and @attr 1=4 "呐喊 新版" @attr 1=1003 "鲁迅"',
        ),
        # An ISBN wins over the other fields: it names one book.
        ({"isbn": "9787532490462", "title": "x"}, None),
    ],
)
def test_pqf_queries(query, pqf):
    result = z3950.pqf_query(**query)
    if pqf is None:
        assert result.startswith('@or @attr 1=7 "9787532490462"') and "1=4" not in result
    else:
        assert result == pqf


def test_a_query_needs_something_to_search_for(library):
    with pytest.raises(ValueError):
        z3950.pqf_query(isbn=" ", title='"', author="\\")
    server = SruServer(library=library, name="国图", protocol="z3950", host="127.0.0.1", port=1)
    with pytest.raises(z3950.Z3950Error, match="请填写 ISBN、题名或责任者。"):
        z3950.search(server, title='" "')


def test_ztest_search_and_fetch_ten_records(library, z3950_server, ztest_port):
    server = z3950_server("测试 Z39.50", ztest_port, "Default")
    started = time.monotonic()
    found = z3950.search(server, isbn="9787020002207", maximum=10)
    elapsed = time.monotonic() - started
    assert found.total == 9787020002207  # yaz-ztest counts the number in the term
    assert len(found.records) == 10 and found.skipped == 0
    assert elapsed < 2, elapsed  # measured at a few milliseconds on the loopback
    first = found.records[0]
    assert first.values["title"] == "How to program a computer"
    assert first.values["authors"][0]["name"].startswith("Jack Collins")
    assert ("题名", "How to program a computer") in first.preview
    assert first.raw[:5].isdigit() and first.original.endswith(b"\x1d")
    assert found.url.startswith(f"z3950://127.0.0.1:{ztest_port}/Default?")


def test_zebra_marc21_by_isbn_title_and_author(library, z3950_server, zebra_port):
    server = z3950_server("美国国会图书馆样例", zebra_port, "loc", charset="auto")
    # Catalogued as "0471383147 (paper/cd-rom : alk. paper)": the ISBN-13 typed at the
    # desk finds it through its ISBN-10 form.
    by_isbn = z3950.search(server, isbn="978-0-471-38314-7")
    assert by_isbn.total == 1
    values = by_isbn.records[0].values
    assert values["title"] == "ActivePerl with ASP and ADO"
    assert values["isbn"] == "9780471383147"
    by_title = z3950.search(server, title="Escape from loneliness")
    assert [r.values["title"] for r in by_title.records] == ["Escape from loneliness"]
    by_author = z3950.search(server, author="Martinsson")
    assert [r.values["title"] for r in by_author.records] == ["ActivePerl with ASP and ADO"]


def test_zebra_marc8_record_is_decoded(library, z3950_server, zebra_port):
    server = z3950_server("美国国会图书馆样例", zebra_port, "loc", charset="marc8")
    (record,) = z3950.search(server, author="Tournier").records
    # MARC-8's combining grave accent before the letter, decoded into "à".
    assert "De la solitude à la communauté" in record.original.decode("utf-8")
    assert record.values["authors"][0]["name"].startswith("Tournier, Paul")


@pytest.mark.parametrize("charset", ["gbk", "auto"])
def test_zebra_cnmarc_in_gbk(library, z3950_server, zebra_port, charset):
    server = z3950_server(
        "国家图书馆（GBK）", zebra_port, "cngbk", record_syntax="cnmarc", charset=charset
    )
    by_isbn = z3950.search(server, isbn="9787020002207")
    assert by_isbn.total == 1
    record = by_isbn.records[0]
    assert "朝花夕拾".encode("gbk") in record.raw  # the server sent GBK
    values = record.values
    assert values["title"] == "朝花夕拾" and values["isbn"] == "9787020002207"
    assert values["publisher"] == "人民文学出版社" and values["clc"] == "I210.4"
    assert values["authors"][0]["name"] == "鲁迅" and values["price"] == 2600
    # Kept as UTF-8 ISO 2709, with the field the form never shows.
    assert "区联合目录中心" in record.original.decode("utf-8")


def test_zebra_cnmarc_in_gbk_searched_by_chinese_title_and_author(
    library, z3950_server, zebra_port
):
    # The GBK server compares GBK terms: the terms are converted (ZOOM's rpnCharset).
    server = z3950_server(
        "国家图书馆（GBK）", zebra_port, "cngbk", record_syntax="cnmarc", charset="gbk"
    )
    assert [r.values["title"] for r in z3950.search(server, title="呐喊").records] == ["呐喊"]
    by_author = z3950.search(server, author="鲁迅")
    assert by_author.total == 2
    assert sorted(r.values["title"] for r in by_author.records) == ["呐喊", "朝花夕拾"]
    both = z3950.search(server, title="朝花夕拾", author="鲁迅")
    assert [r.values["isbn"] for r in both.records] == ["9787020002207"]


def test_zebra_cnmarc_in_utf8(library, z3950_server, zebra_port):
    server = z3950_server(
        "区联合目录", zebra_port, "cnutf8", record_syntax="unimarc", charset="utf-8"
    )
    # Catalogued without hyphens; typed with them.
    (record,) = z3950.search(server, isbn="978-7-5324-9046-2").records
    assert record.values["title"] == "草房子" and record.values["clc"] == "I287.45"
    assert "草房子".encode() in record.raw
    assert [r.values["title"] for r in z3950.search(server, author="曹文轩").records] == ["草房子"]
    none = z3950.search(server, title="不存在的书")
    assert none.total == 0 and none.records == []


def test_wrong_charset_setting_is_reported_not_garbled(library, z3950_server, zebra_port):
    # GBK bytes read as UTF-8 do not decode: the record is left out and counted.
    server = z3950_server("设置错误", zebra_port, "cngbk", record_syntax="cnmarc", charset="utf-8")
    found = z3950.search(server, isbn="9787020002207")
    assert found.total == 1 and found.records == [] and found.skipped == 1


def test_a_wrong_database_or_record_syntax_is_said_in_words(
    library, z3950_server, zebra_port, monkeypatch
):
    wrong_db = z3950_server("区联合目录", zebra_port, "cnutf-8", record_syntax="cnmarc")
    with pytest.raises(z3950.Z3950Error) as exc:
        z3950.search(wrong_db, title="草房子")
    assert str(exc.value) == "服务器上没有数据库 cnutf-8，请检查服务器设置里的数据库名。"
    # A server that cannot give the syntax asked for (Zebra here gives no SUTRS).
    monkeypatch.setitem(z3950.SYNTAXES, "cnmarc", "SUTRS")
    server = z3950_server("区联合目录", zebra_port, "cnutf8", record_syntax="cnmarc")
    with pytest.raises(z3950.Z3950Error) as exc:
        z3950.search(server, title="草房子")
    assert str(exc.value) == "服务器不提供所选的记录语法 CNMARC，请在服务器设置里换一种。"


def test_a_port_with_nothing_listening_is_a_clear_message_at_once(library, z3950_server):
    server = z3950_server("关闭的服务器", free_port(), "Default")
    started = time.monotonic()
    with pytest.raises(z3950.Z3950Error) as exc:
        z3950.search(server, isbn="9787020002207", timeout=2)
    assert time.monotonic() - started < 2
    assert "无法连接到 127.0.0.1:" in str(exc.value) and "服务器没有开启" in str(exc.value)


def test_a_server_that_never_answers_times_out(library, z3950_server, silent_port):
    server = z3950_server("不应答的服务器", silent_port, "Default")
    started = time.monotonic()
    with pytest.raises(z3950.Z3950Error) as exc:
        z3950.search(server, title="呐喊", timeout=1)
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 3, elapsed
    assert str(exc.value) == f"服务器 1 秒内没有应答（127.0.0.1:{silent_port}）。"


def test_several_servers_at_once_each_with_its_outcome(
    library, z3950_server, zebra_port, silent_port, monkeypatch
):
    gbk = z3950_server(
        "国家图书馆（GBK）", zebra_port, "cngbk", record_syntax="cnmarc", charset="gbk"
    )
    utf8 = z3950_server("区联合目录", zebra_port, "cnutf8", record_syntax="cnmarc", charset="utf-8")
    silent = z3950_server("不应答的服务器", silent_port, "Default")
    down = z3950_server("关闭的服务器", free_port(), "Default")
    started = time.monotonic()
    outcomes = copy_search.search_servers([gbk, silent, utf8, down], author="鲁迅", timeout=2)
    elapsed = time.monotonic() - started
    # The silent one costs its time limit once, not once per server.
    assert elapsed < 2 + copy_search.GRACE, elapsed
    assert [o.server for o in outcomes] == [gbk, silent, utf8, down]
    assert [o.total for o in outcomes] == [2, 0, 0, 0]
    assert not outcomes[0].error and not outcomes[2].error
    assert "秒内没有应答" in outcomes[1].error
    assert "无法连接到" in outcomes[3].error


def test_the_page_stops_waiting_for_a_straggler(library, monkeypatch):
    """A server whose client overruns its own limit is reported, and the page goes on."""
    server = SruServer(library=library, name="慢", protocol="z3950", host="127.0.0.1", port=1)
    release = threading.Event()

    def stuck_search(*args, **kwargs):
        release.wait(10)
        raise z3950.Z3950Error("released")

    monkeypatch.setattr(z3950, "search", stuck_search)
    monkeypatch.setattr(copy_search, "GRACE", 0.2)
    started = time.monotonic()
    try:
        (outcome,) = copy_search.search_servers([server], isbn="9787020002207", timeout=1)
        assert time.monotonic() - started < 2
    finally:
        release.set()
    assert outcome.server is server and outcome.error == "服务器 1 秒内没有应答。"


def test_without_libyaz_the_message_names_the_package(library, monkeypatch):
    monkeypatch.setattr(z3950, "_LIBRARY_NAMES", ("libyaz-not-here.so.0",))
    monkeypatch.setattr(z3950.ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(z3950, "_loaded", [])
    server = SruServer(library=library, name="国图", protocol="z3950", host="127.0.0.1", port=210)
    assert not z3950.available()
    with pytest.raises(z3950.Z3950Unavailable) as exc:
        z3950.search(server, isbn="9787020002207")
    assert "libyaz5" in str(exc.value) and "apt-get install yaz" in str(exc.value)
    (outcome,) = copy_search.search_servers([server], isbn="9787020002207")
    assert "libyaz5" in outcome.error
