"""The admin's header says Zapas, and its "View site" link leads somewhere real (issue 15:
it said "Django administration" and "View site" was a 404)."""

from __future__ import annotations

import re

import pytest

from inventory.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
def test_the_header_says_zapas_and_view_site_opens_the_dashboard(client, language):
    client.force_login(StaffUserFactory(is_superuser=True))
    page = client.get("/admin/", headers={"accept-language": language}).content.decode()
    branding = re.search(r'<div id="site-name">(.*?)</div>', page, re.S).group(1)
    assert "Zapas" in branding and "Django" not in branding
    assert re.search(r"<title>[^<]*Zapas</title>", page)
    tools = page[page.index('id="user-tools"') : page.index('id="logout-form"')]
    view_site = re.findall(r'<a href="([^"]+)">[^<]+</a>', tools)[-1]  # the last before "Log out"
    assert view_site == "/"
    landed = client.get(view_site, headers={"accept-language": language}, follow=True)
    assert landed.status_code == 200
    assert landed.redirect_chain[-1][0] == "/admin/"
