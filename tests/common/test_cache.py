"""The one cache API: read models keyed by their inputs, kept templates given their value alone."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import pytest
from jinja2 import UndefinedError

from common import cache
from common.templating import render


class Box(NamedTuple):
    name: str


@dataclass
class Loose:
    name: str


def test_a_read_model_is_kept_under_its_name_and_arguments(app):
    calls = []

    @cache.read_model
    def doubled(number: int) -> int:
        calls.append(number)
        return number * 2

    with app.test_request_context():
        assert doubled(2) == 4 and doubled(2) == 4 and doubled(3) == 6
    assert calls == [2, 3]


@pytest.mark.parametrize("argument", [object(), {"a": 1}, {1, 2}, [1], Loose("x"), (1, [2])])
def test_a_key_takes_plain_values_only(app, argument):
    @cache.read_model
    def anything(value):
        return 1

    with app.test_request_context(), pytest.raises(TypeError):
        anything(argument)


def test_an_orm_object_cannot_be_a_key(app, make_group):
    group = make_group()

    @cache.read_model
    def by_group(value):
        return value.id

    with app.test_request_context(), pytest.raises(TypeError):
        by_group(group)


def test_the_page_cache_can_be_turned_off(app):
    calls = []

    @cache.read_model
    def counted(number: int) -> int:
        calls.append(number)
        return number

    cache.configure(False)
    try:
        with app.test_request_context():
            counted(1)
            counted(1)
    finally:
        cache.configure(True)
    assert calls == [1, 1]


def test_the_memory_store_lets_the_least_recently_used_go_first():
    store = cache.MemoryStore(2)
    store.set("a", 1)
    store.set("b", 2)
    assert store.get("a") == 1  # a is used again: b is the oldest now
    store.set("c", 3)
    assert store.get("b") is cache._MISSING and store.get("a") == 1 and store.get("c") == 3


@pytest.mark.parametrize("source", [
    "{{ current_user.name }}", "{{ request.path }}", "{{ session.user }}", "{{ g.anything }}",
    "{{ name }}{{ viewer_name }}", "{{ '2020'|relative }}",
])
def test_a_kept_template_sees_its_value_and_nothing_else(app, tmp_path, source):
    """What a key does not name cannot be shown: the request, the signed-in
    user, the clock and any name beside the value's own fields are errors."""
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_loader = ChoiceLoader([DictLoader({"kept_test.html": source}), app.jinja_loader])
    with app.test_request_context(), pytest.raises((UndefinedError, Exception)) as raised:
        render("kept_test.html", Box("Ada"))
    assert "undefined" in str(raised.value).lower() or "no filter" in str(raised.value).lower()


def test_a_kept_template_draws_its_fields(app):
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_loader = ChoiceLoader([DictLoader({"kept_ok.html": "<b>{{ name }}</b>"}), app.jinja_loader])
    with app.test_request_context():
        assert render("kept_ok.html", Box("<Ada>")) == "<b>&lt;Ada&gt;</b>"


def test_a_shared_store_serves_every_worker(app):
    """NQ_CACHE_URL=redis://…: what one worker kept, another finds (Redis on 127.0.0.1:6379)."""
    import os

    import redis

    url = os.environ.get("NQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis here (and CI is unset)")
    cache.configure(True, url=url)
    try:
        cache.clear()
        with app.test_request_context():
            assert cache.keep(("shared-test", 1), lambda: Box("kept")) == Box("kept")
            shared = cache._store
            assert isinstance(shared, cache.SharedStore)
            cache._store = cache.SharedStore(shared.backend)  # another worker: a store of its own
            assert cache.keep(("shared-test", 1), lambda: Box("read again")) == Box("kept")
        cache.clear()
    finally:
        cache.configure(True)
