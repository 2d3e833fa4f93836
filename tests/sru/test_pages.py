"""The sru app's pages are tabs of the cataloging desk (registered in catalog.desk_tabs):
copy cataloging at /staff/cataloging/copy/ and the servers beside the number settings at
/staff/cataloging/settings/sru/."""

from __future__ import annotations

from shuxiang.sru.models import SruServer


def test_servers_page_adds_and_switches_servers(staff_client, library):
    page = staff_client.get("/staff/cataloging/settings/sru/")
    assert page.status_code == 200 and "还没有 SRU 服务器" in page.content.decode()
    bad = staff_client.post("/staff/cataloging/settings/sru/", {"name": "国图", "url": "not a url"})
    assert bad.status_code == 422 and "http://" in bad.content.decode()
    assert 'value="国图"' in bad.content.decode()
    staff_client.post(
        "/staff/cataloging/settings/sru/",
        {
            "name": "区图书馆",
            "url": "http://127.0.0.1:2100",
            "database": "Default",
            "record_schema": "",
        },
    )
    server = SruServer.objects.get(library=library)
    assert server.enabled and server.record_schema == "marcxml"
    staff_client.post("/staff/cataloging/settings/sru/", {"toggle": str(server.pk)})
    server.refresh_from_db()
    assert not server.enabled


def test_the_pages_are_tabs_of_the_cataloging_desk(staff_client):
    form = staff_client.get("/staff/cataloging/").content.decode()
    assert 'href="/staff/cataloging/copy/"' in form and 'id="copy-link"' in form
    settings = staff_client.get("/staff/cataloging/settings/").content.decode()
    assert 'href="/staff/cataloging/settings/sru/"' in settings
    copy = staff_client.get("/staff/cataloging/copy/").content.decode()
    # No server yet: the page says where to add one, and its own tab is the active one.
    assert "还没有配置 SRU 服务器" in copy and 'href="/staff/cataloging/settings/sru/"' in copy
    assert '<a href="/staff/cataloging/copy/" class="active">' in copy
    servers = staff_client.get("/staff/cataloging/settings/sru/").content.decode()
    assert '<a href="/staff/cataloging/settings/" class="active">' in servers
    assert '<a href="/staff/cataloging/settings/sru/" class="active">' in servers


def test_the_pages_need_the_catalog_capability(client, make_user):
    client.force_login(make_user("assistant"))
    assert client.get("/staff/cataloging/copy/").status_code == 403
    assert client.get("/staff/cataloging/settings/sru/").status_code == 403
