"""A shared library PC: a message one person never read is gone when they log out."""

from django.test import Client


def test_an_unread_message_does_not_outlive_the_login(make_user):
    browser = Client()
    browser.force_login(make_user("admin"))
    made = browser.post(
        "/staff/logins/",
        {"username": "wang", "full_name": "王老师", "role": "librarian", "password": "secret123"},
    )
    assert made.status_code == 302  # "已新建账号 wang。" waits for the next page
    browser.post("/staff/logout/")
    browser.force_login(make_user("librarian", username="next-person"))
    page = browser.get("/staff/").content.decode()
    assert "已新建账号" not in page
