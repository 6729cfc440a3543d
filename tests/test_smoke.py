from tests import factories


def test_front_page_lists_a_published_event(app, client):
    factories.event(title="Temamöte om vatten")
    factories.db.session.commit()
    page = client.get("/")
    assert page.status_code == 200
    assert "Temamöte om vatten" in page.get_data(as_text=True)
