"""The English catalogs: complete, compiled, extracted exactly as Django looks strings up,
and used by the pages (zh-Hans stays the default)."""

from __future__ import annotations

import gettext as stdlib_gettext
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _load_messages():
    spec = importlib.util.spec_from_file_location(
        "shuxiang_messages_script", ROOT / "scripts" / "messages.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


messages = _load_messages()


def _apps_with_messages() -> list[str]:
    return [
        app
        for app in messages.apps()
        if messages.extract_app(app) or messages.po_path(app).exists()
    ]


# --- the real catalogs ----------------------------------------------------------------------


@pytest.mark.parametrize("app", _apps_with_messages())
def test_english_catalog_translates_every_msgid(app):
    found = messages.extract_app(app)
    catalog = messages.read_catalog(messages.po_path(app))
    missing, untranslated = [], []
    for key, item in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        message = catalog.get(key[0], context=key[1]) if catalog is not None else None
        if message is None:
            missing.append(messages._display(item))
        elif not messages._is_translated(message):
            untranslated.append(messages._display(item))
    assert not missing, (
        f"{app}: msgids not in the .po (run scripts/messages.py --app {app}): {missing}"
    )
    assert not untranslated, f"{app}: msgids without an English msgstr: {untranslated}"


@pytest.mark.parametrize("app", [app for app in messages.apps() if messages.po_path(app).exists()])
def test_compiled_catalog_matches_po(app):
    po = messages.po_path(app)
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{app}: {mo.name} missing; run scripts/messages.py --app {app}"
    expected = messages.mo_content(messages.render_mo(messages.read_catalog(po)))
    assert messages.mo_content(mo.read_bytes()) == expected, (
        f"{app}: django.mo is stale; run scripts/messages.py"
    )


@pytest.mark.parametrize("app", [app for app in messages.apps() if messages.po_path(app).exists()])
def test_translations_keep_python_format_placeholders(app):
    catalog = messages.read_catalog(messages.po_path(app))
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)s", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)s", string)) == wanted, (
                f"{app}: {message.id!r} -> {string!r}"
            )


# --- extraction is what Django looks up ------------------------------------------------------

TEMPLATE = """{% load i18n %}
{% translate "借书" %} {% trans '还书' %} {% translate "续借" context "动词" %}
{% translate "预约" as hold_label %}{{ hold_label }} {% translate "不外借" noop %}
{% translate "折扣 50%" %}
{% blocktranslate %}读者 {{ name }} 已借 {{ count }} 册{% endblocktranslate %}
{% blocktrans with who=reader.name %}欢迎，{{ who }}{% endblocktrans %}
{% blocktranslate count n=items|length %}共 {{ n }} 册{% plural %}共 {{ n }} 册书{% endblocktranslate %}
{% blocktranslate trimmed with t=title %}
  《{{ t }}》
  已逾期
{% endblocktranslate %}
{% blocktranslate context "索书号" %}第 {{ page }} 页{% endblocktranslate %}
{% blocktranslate context "读者" count n=2 %}{{ n }} 位{% plural %}{{ n }} 位读者{% endblocktranslate %}
<p class='x'>It's (open <a href=#top>{% translate "顶部" %}</a>
      {{ _("书架") }}
   {# Translators: a shelf label #}
  <b>{% translate "上架" %}</b>
"""


def test_template_msgids_are_the_ones_django_looks_up(tmp_path, monkeypatch):
    path = tmp_path / "templates" / "sample.html"
    path.parent.mkdir()
    path.write_text(TEMPLATE, encoding="utf-8")
    extracted = set()
    for _line, msgid, _comments, context in messages.extract_file(path):
        extracted.add((msgid if isinstance(msgid, str) else msgid[0], context))

    looked_up: set[tuple[str, str | None]] = set()
    trans = translation._trans
    monkeypatch.setattr(
        trans, "gettext", lambda m: looked_up.add((str(m), None)) or m, raising=False
    )
    monkeypatch.setattr(
        trans, "pgettext", lambda c, m: looked_up.add((str(m), c)) or m, raising=False
    )
    monkeypatch.setattr(
        trans, "ngettext", lambda s, p, n: looked_up.add((s, None)) or s, raising=False
    )
    monkeypatch.setattr(
        trans, "npgettext", lambda c, s, p, n: looked_up.add((s, c)) or s, raising=False
    )
    Engine(libraries={"i18n": "django.templatetags.i18n"}).from_string(TEMPLATE).render(
        Context(
            {
                "name": "张三",
                "count": 2,
                "reader": {"name": "李四"},
                "items": [1],
                "title": "西游记",
                "page": 1,
            }
        )
    )

    noop = ("不外借", None)  # `noop` marks a string for the catalog without looking it up
    assert extracted == looked_up | {noop}
    assert ("读者 %(name)s 已借 %(count)s 册", None) in extracted
    assert ("《%(t)s》 已逾期", None) in extracted
    assert ("折扣 50%%", None) in extracted
    comments = {m: c for _line, m, c, _ctx in messages.extract_file(path)}
    assert comments["上架"] == ["Translators: a shelf label"]


def test_python_extraction_follows_import_aliases(tmp_path):
    path = tmp_path / "views.py"
    path.write_text(
        "from django.utils.translation import gettext_lazy as tr, npgettext, pgettext_lazy\n"
        "from django.utils.translation import gettext_noop as N_\n"
        "A = tr('图书')\n"
        "B = pgettext_lazy('状态', '在架')\n"
        "C = npgettext('读者', '%(n)s 位', '%(n)s 位读者', 3)\n"
        "D = N_('遗失')\n"
        "E = print('不是消息')\n",
        encoding="utf-8",
    )
    found = {
        (m if isinstance(m, str) else m, c)
        for _line, m, _comments, c in messages.extract_file(path)
    }
    assert found == {
        ("图书", None),
        ("在架", "状态"),
        (("%(n)s 位", "%(n)s 位读者"), "读者"),
        ("遗失", None),
    }


# --- the script on a throwaway app ---------------------------------------------------------


def test_script_creates_merges_and_compiles(tmp_path, monkeypatch, capsys):
    app = tmp_path / "demo"
    (app / "templates" / "demo").mkdir(parents=True)
    (app / "apps.py").write_text("", encoding="utf-8")
    (app / "views.py").write_text(
        "from django.utils.translation import gettext as _\n\nA = _('借书证号')\nB = _('共 %(n)s 册')\n",
        encoding="utf-8",
    )
    (app / "templates" / "demo" / "page.html").write_text(
        '{% load i18n %}{% translate "索书号" %}{% blocktranslate %}欢迎 {{ who }}{% endblocktranslate %}',
        encoding="utf-8",
    )
    monkeypatch.setattr(messages, "PACKAGE", tmp_path)
    po = messages.po_path("demo")

    assert messages.main(["--app", "demo", "--check"]) == 1
    assert not po.exists(), "--check writes nothing"
    assert messages.main(["--app", "demo"]) == 0
    assert "4 msgids      4 untranslated" in capsys.readouterr().out
    catalog = messages.read_catalog(po)
    assert {m.id for m in catalog if m.id} == {"借书证号", "共 %(n)s 册", "索书号", "欢迎 %(who)s"}
    assert "python-format" in catalog.get("共 %(n)s 册").flags
    assert messages.main(["--app", "demo", "--check"]) == 1

    text = po.read_text(encoding="utf-8")
    for msgid, msgstr in [
        ("借书证号", "Card number"),
        ("共 %(n)s 册", "%(n)s items"),
        ("索书号", "Call number"),
        ("欢迎 %(who)s", "Welcome %(who)s"),
    ]:
        text = text.replace(f'msgid "{msgid}"\nmsgstr ""', f'msgid "{msgid}"\nmsgstr "{msgstr}"')
    po.write_text(text, encoding="utf-8")
    assert messages.main(["--app", "demo", "--check"]) == 1, (
        "the .mo is stale until the script runs"
    )
    assert messages.main(["--app", "demo"]) == 0
    assert messages.main(["--app", "demo", "--check"]) == 0
    before = po.read_bytes()
    assert messages.main(["--app", "demo"]) == 0
    assert po.read_bytes() == before, "a run with nothing new leaves the file alone"

    with po.with_suffix(".mo").open("rb") as fh:
        compiled = stdlib_gettext.GNUTranslations(fh)
    assert compiled.gettext("索书号") == "Call number"
    assert compiled.gettext("共 %(n)s 册") % {"n": 3} == "3 items"

    # A msgid leaves the sources, another arrives: the translation is kept as obsolete,
    # the new one waits for its English, and comes back translated if the msgid returns.
    (app / "views.py").write_text(
        "from django.utils.translation import gettext as _\n\nB = _('共 %(n)s 册')\nC = _('班主任')\n",
        encoding="utf-8",
    )
    messages.main(["--app", "demo"])
    catalog = messages.read_catalog(po)
    assert catalog.get("借书证号") is None
    assert "借书证号" in catalog.obsolete
    assert catalog.get("班主任").string == ""
    assert catalog.get("共 %(n)s 册").string == "%(n)s items"
    assert messages.main(["--app", "demo", "--check"]) == 1
    assert "untranslated: 班主任" in capsys.readouterr().out
    (app / "views.py").write_text(
        "from django.utils.translation import gettext as _\n\nA = _('借书证号')\nB = _('共 %(n)s 册')\n",
        encoding="utf-8",
    )
    messages.main(["--app", "demo"])
    assert messages.read_catalog(po).get("借书证号").string == "Card number"


# --- the pages --------------------------------------------------------------------------------


@pytest.fixture
def ascii_library(db):
    from shuxiang.core.services import library_setup

    return library_setup(code="main", name="Test Library")


def test_login_page_in_english(client, ascii_library):
    response = client.get("/staff/login/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "Shuxiang Library System" in html
    assert "Username" in html and "Password" in html and "Log in" in html
    # The one Chinese text allowed is the switch back to Chinese, named in its own language.
    assert 'value="zh-hans" lang="zh-hans"' in html
    assert CJK.findall(html.replace(ascii_library.name, "").replace(">简体中文<", "><")) == []


def test_login_error_in_english(client, ascii_library):
    response = client.post(
        "/staff/login/", {"username": "nobody", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert "The username or password is incorrect. Please try again." in html
    assert CJK.findall(html.replace(">简体中文<", "><")) == []


def test_login_page_defaults_to_chinese(client, ascii_library):
    html = client.get("/staff/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "书香图书管理系统" in html and "用户名" in html and "密码" in html


def test_language_switcher_on_the_public_site(client, ascii_library):
    html = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="en"' in html
    assert 'data-test="login">登录</a>' in html

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get("/").content.decode()
    assert 'data-test="login">Log in</a>' in html and "Welcome to Test Library" in html
    assert 'name="language" value="zh-hans"' in html
    # Only the switch back to Chinese names itself in Chinese.
    assert CJK.findall(html.replace("简体中文", "")) == []


def test_language_switcher_in_the_staff_header(client, librarian):
    client.force_login(librarian)
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="zh-hans"' in html
    assert "Log out" in html and "Today at a glance" in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The password must be at least 6 characters long."),
        ("zh-hans", "密码至少需要 6 个字符。"),
    ],
)
def test_service_errors_follow_the_language(ascii_library, language, expected):
    from shuxiang.core.errors import Invalid
    from shuxiang.core.services import user_create

    with translation.override(language), pytest.raises(Invalid) as caught:
        user_create(library=ascii_library, username="reader1", role="librarian", password="123")
    assert caught.value.message == expected


def test_a_msgid_has_one_english_text_across_apps():
    """Django merges the apps' catalogs into one, so a msgid shared by two apps gets only
    one of their translations at run time; different meanings need a context (pgettext)."""
    seen: dict[tuple[str, str | None], dict[str, str]] = {}
    for app in messages.apps():
        catalog = messages.read_catalog(messages.po_path(app))
        for message in catalog or ():
            if message.id and isinstance(message.string, str) and message.string:
                seen.setdefault((message.id, message.context), {})[app] = message.string
    conflicts = {key: by_app for key, by_app in seen.items() if len(set(by_app.values())) > 1}
    assert not conflicts, f"same msgid, different English: {conflicts}"


@pytest.mark.browser
def test_switching_language_in_the_browser(tmp_path):
    from tests.browser import browser_page, login, served, shuxiang

    shuxiang(tmp_path, "setup", "--name", "Test Library")
    shuxiang(
        tmp_path, "createuser", "librarian", "--role", "librarian", "--password", "librarian123"
    )
    with served(tmp_path) as url, browser_page() as page:
        page.goto(url + "/")
        assert "登录" in page.inner_text("header")
        page.click("header button[value=en]")
        assert "Log in" in page.inner_text("header")
        assert "Welcome to Test Library" in page.inner_text("main")

        # The choice is remembered on the staff side (a cookie), and can be switched back.
        login(page, url, "librarian", "librarian123")
        assert "Today at a glance" in page.inner_text("main")
        assert "Log out" in page.inner_text("header")
        page.click("header button[value=zh-hans]")
        assert "今日概况" in page.inner_text("main")
        assert page.url.rstrip("/").endswith("/staff")
