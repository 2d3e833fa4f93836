def test_home_page_shows_library_name(client, library):
    response = client.get("/")
    assert response.status_code == 200
    assert "实验中学图书馆" in response.content.decode()
