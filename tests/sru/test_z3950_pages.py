# ruff: noqa: F811 — the servers are fixtures imported from z3950_servers
"""Z39.50 copy cataloging through the pages, logged in as a librarian: the servers page
adds Z39.50 servers beside SRU ones; the copy page searches every enabled server at once
(Zebra with CNMARC in GBK and in UTF-8 and LoC MARC 21, yaz-ztest, one down and one
silent), shows each server's records under its name and a clear message beside a server
that failed, and a record taken into the cataloging form keeps its full MARC."""

from __future__ import annotations

import base64
import html as html_lib
import time

from shuxiang.core.models import AuditEvent
from shuxiang.sru import copy_search, z3950
from shuxiang.sru.models import SruServer
from tests.sru.z3950_servers import (  # noqa: F401 — fixtures
    free_port,
    silent_port,
    z3950_server,
    zebra_port,
    ztest_port,
)

COPY = "/staff/cataloging/copy/"
SERVERS = "/staff/cataloging/settings/sru/"


def _sections(page: str) -> dict[str, str]:
    """Each server's section of the copy page, by the server's name."""
    out = {}
    for chunk in page.split('<section class="card" data-server=')[1:]:
        name = chunk.split("<h2>", 1)[1].split(" <span", 1)[0].strip()
        out[html_lib.unescape(name)] = chunk.split("</section>", 1)[0]
    return out


def _prefill_links(section: str) -> list[str]:
    links, rest = [], section
    while 'href="/staff/cataloging/?' in rest:
        start = rest.index('href="/staff/cataloging/?') + 6
        end = rest.index('"', start)
        links.append(html_lib.unescape(rest[start:end]))
        rest = rest[end:]
    return links


def test_servers_page_adds_a_z3950_server(staff_client, library):
    response = staff_client.post(
        SERVERS,
        {
            "name": "国家图书馆",
            "protocol": "z3950",
            "host": "z3950.example.org:2100",  # pasted as the server's notice writes it
            "port": "",
            "database": "UCS01U",
            "record_syntax": "cnmarc",
            "charset": "gbk",
        },
    )
    assert response.status_code == 302
    server = SruServer.objects.get(library=library)
    assert (server.protocol, server.host, server.port, server.database) == (
        "z3950",
        "z3950.example.org",
        2100,
        "UCS01U",
    )
    assert (server.record_syntax, server.charset, server.url) == ("cnmarc", "gbk", "")
    event = AuditEvent.objects.get(action="sru_server.create")
    assert event.after["host"] == "z3950.example.org" and event.after["port"] == 2100
    page = staff_client.get(SERVERS).content.decode()
    assert "国家图书馆" in page and "z3950.example.org:2100" in page and "Z39.50" in page
    assert "CNMARC，GBK / GB18030" in page


def test_servers_page_refuses_a_bad_z3950_server_and_keeps_the_input(staff_client, library):
    bad_port = staff_client.post(
        SERVERS,
        {"name": "区馆", "protocol": "z3950", "host": "z.example.org", "port": "99999"},
    )
    page = bad_port.content.decode()
    assert bad_port.status_code == 422 and "端口应为 1 到 65535 之间的整数。" in page
    assert 'value="z.example.org"' in page and 'value="99999"' in page
    assert '<option value="z3950" selected>' in page
    no_host = staff_client.post(SERVERS, {"name": "区馆", "protocol": "z3950", "port": "210"})
    assert no_host.status_code == 422
    assert "请填写 Z39.50 服务器的主机名或 IP 地址。" in no_host.content.decode()
    bad_host = staff_client.post(
        SERVERS, {"name": "区馆", "protocol": "z3950", "host": "http://z.example.org/"}
    )
    assert "主机名只能包含字母、数字、点和连字符" in bad_host.content.decode()
    assert not SruServer.objects.filter(library=library).exists()
    assert not AuditEvent.objects.filter(action="sru_server.create").exists()


def test_copy_page_searches_every_server_at_once(
    staff_client, library, z3950_server, zebra_port, ztest_port, silent_port, monkeypatch
):
    monkeypatch.setattr(copy_search, "TIMEOUT", 2)
    z3950_server("国家图书馆（GBK）", zebra_port, "cngbk", record_syntax="cnmarc", charset="gbk")
    z3950_server("区联合目录", zebra_port, "cnutf8", record_syntax="cnmarc", charset="utf-8")
    z3950_server("yaz 测试服务器", ztest_port, "Default")
    z3950_server("不应答的服务器", silent_port, "Default")
    z3950_server("关闭的服务器", free_port(), "Default")
    z3950_server("停用的服务器", free_port(), "Default", enabled=False)
    started = time.monotonic()
    response = staff_client.get(COPY, {"author": "鲁迅"})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 2 + copy_search.GRACE, elapsed  # one time limit, not one per server
    sections = _sections(response.content.decode())
    assert set(sections) == {
        "国家图书馆（GBK）",
        "区联合目录",
        "yaz 测试服务器",
        "不应答的服务器",
        "关闭的服务器",
    }
    gbk = sections["国家图书馆（GBK）"]
    assert "命中 2 条" in gbk and "朝花夕拾" in gbk and "呐喊" in gbk
    assert "人民文学出版社" in gbk and "I210.4" in gbk
    assert "<dt>来源</dt><dd>国家图书馆（GBK）</dd>" in gbk
    assert len(_prefill_links(gbk)) == 2
    assert "命中 0 条" in sections["区联合目录"] and "没有找到记录。" in sections["区联合目录"]
    assert "How to program a computer" in sections["yaz 测试服务器"]
    assert "服务器 2 秒内没有应答" in sections["不应答的服务器"]
    assert "无法连接到 127.0.0.1:" in sections["关闭的服务器"]
    assert 'data-test="server-error"' in sections["关闭的服务器"]


def test_sru_and_z3950_servers_on_one_page(
    staff_client, library, z3950_server, zebra_port, ztest_port, silent_port, monkeypatch
):
    monkeypatch.setattr(copy_search, "TIMEOUT", 1)
    # yaz-ztest answers SRU over HTTP on the same port.
    SruServer.objects.create(
        library=library,
        name="SRU 测试服务器",
        url=f"http://127.0.0.1:{ztest_port}",
        database="Default",
    )
    SruServer.objects.create(
        library=library, name="不应答的 SRU 服务器", url=f"http://127.0.0.1:{silent_port}"
    )
    z3950_server("国家图书馆（GBK）", zebra_port, "cngbk", record_syntax="cnmarc", charset="gbk")
    started = time.monotonic()
    page = staff_client.get(COPY, {"isbn": "9787020002207"}).content.decode()
    assert time.monotonic() - started < 1 + copy_search.GRACE
    sections = _sections(page)
    assert '<span class="tag">SRU</span>' in sections["SRU 测试服务器"]
    assert "How to program a computer" in sections["SRU 测试服务器"]
    assert '<span class="tag">Z39.50</span>' in sections["国家图书馆（GBK）"]
    assert "朝花夕拾" in sections["国家图书馆（GBK）"]
    assert "服务器 1 秒内没有应答" in sections["不应答的 SRU 服务器"]


def test_copy_page_by_isbn_and_by_title(staff_client, z3950_server, zebra_port):
    z3950_server("区联合目录", zebra_port, "cnutf8", record_syntax="cnmarc", charset="utf-8")
    z3950_server("国会图书馆", zebra_port, "loc", record_syntax="marc21")
    by_isbn = _sections(staff_client.get(COPY, {"isbn": "978-7-5324-9046-2"}).content.decode())
    assert "草房子" in by_isbn["区联合目录"] and "曹文轩" in by_isbn["区联合目录"]
    assert "没有找到记录。" in by_isbn["国会图书馆"]
    by_title = _sections(
        staff_client.get(COPY, {"title": "ActivePerl with ASP and ADO"}).content.decode()
    )
    assert "Tobias Martinsson" in by_title["国会图书馆"] and "命中 1 条" in by_title["国会图书馆"]
    only = staff_client.get(
        COPY, {"title": "草房子", "server": str(SruServer.objects.get(name="区联合目录").pk)}
    ).content.decode()
    assert list(_sections(only)) == ["区联合目录"]


def test_a_gbk_cnmarc_record_taken_into_the_form_keeps_its_full_marc(
    staff_client, library, z3950_server, zebra_port
):
    from shuxiang.catalog.models import Bib

    z3950_server("国家图书馆（GBK）", zebra_port, "cngbk", record_syntax="cnmarc", charset="gbk")
    page = staff_client.get(COPY, {"isbn": "9787020002207"}).content.decode()
    (link,) = _prefill_links(_sections(page)["国家图书馆（GBK）"])
    form = staff_client.get(link).content.decode()
    for value in ("朝花夕拾", "9787020002207", "I210.4", "人民文学出版社", "鲁迅", "26.00"):
        assert f'value="{value}"' in form, value
    start = form.index('name="marc" value="') + len('name="marc" value="')
    copied = form[start : form.index('"', start)]
    record = base64.urlsafe_b64decode(copied)
    # The copied record is the server's, re-encoded as UTF-8 ISO 2709: every field is
    # there, the 801 (originating agency) the form never shows included.
    text = record.decode("utf-8")
    assert record.endswith(b"\x1d") and int(record[:5]) == len(record)
    assert "朝花夕拾" in text and "区联合目录中心" in text and "鲁迅著" in text
    response = staff_client.post(
        "/staff/cataloging/",
        {
            "marc": copied,
            "isbn": "9787020002207",
            "title": "朝花夕拾",
            "authors": "鲁迅",
            "clc": "I210.4",
            "price": "26.00",
            "material_type": "book",
            "call_number_auto": "1",
            "copy_barcode": [""],
            "copy_location": ["stacks"],
            "copy_circulation_type": ["normal"],
            "copy_price": [""],
        },
    )
    assert response.status_code == 302
    bib = Bib.objects.get(library=library, isbn="9787020002207")
    assert bib.marc_format == "cnmarc" and bib.items.count() == 1
    kept = bytes(bib.marc_record).decode("utf-8")
    assert "区联合目录中心" in kept and "朝花夕拾" in kept


def test_without_libyaz_the_pages_name_the_package(staff_client, library, monkeypatch):
    monkeypatch.setattr(z3950, "_LIBRARY_NAMES", ("libyaz-not-here.so.0",))
    monkeypatch.setattr(z3950.ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(z3950, "_loaded", [])
    SruServer.objects.create(
        library=library, name="国家图书馆", protocol="z3950", host="127.0.0.1", port=210
    )
    settings_page = staff_client.get(SERVERS).content.decode()
    assert 'data-test="yaz-missing"' in settings_page and "libyaz5" in settings_page
    section = _sections(staff_client.get(COPY, {"isbn": "9787020002207"}).content.decode())
    assert "libyaz5" in section["国家图书馆"] and "apt-get install yaz" in section["国家图书馆"]
