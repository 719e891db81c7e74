"""The updates feed: what Django's syndication framework writes, written at once."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.feedgenerator import Atom1Feed

from uses.feeds import UpdatesFeed
from uses.models import Publication

pytestmark = pytest.mark.django_db


def test_the_feed_is_written_whole_as_the_generator_writes_it_event_by_event(published_site):
    note = "Dose ≥ 4.5 mg \N{EN DASH} “LDN” & <b>"
    Publication.objects.filter(kind="condition").update(change_note=note)
    request = RequestFactory(HTTP_HOST="127.0.0.1:8000").get("/feed/")
    feed = UpdatesFeed().get_feed(None, request)
    whole, event_by_event = HttpResponse(), HttpResponse()
    feed.write(whole, "utf-8")
    Atom1Feed.write(feed, event_by_event, "utf-8")
    assert whole.content == event_by_event.content
    assert "Dose ≥ 4.5 mg \N{EN DASH} “LDN” &amp; &lt;b&gt;".encode() in whole.content
