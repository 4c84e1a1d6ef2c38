"""The delivery loop: woken by NOTIFY, back-off with jitter, .eml files without SMTP, shutdown."""

from __future__ import annotations

import email
import email.policy
import functools
import logging
import time
from pathlib import Path
from typing import Any

import attrs
import pytest

from crm.app import create_app
from crm.app_keys import POOL, QUERIES
from crm.notify import outbox
from crm.notify.language import customer_language
from crm.notify.outbox import delivering, retry_delay
from crm.settings import Settings
from tests.api import Api
from tests.factories import check
from tests.notify_fixtures import Mailbox, eventually

REQUEST = {"title": "Чайник", "client": {"email": "ivan@example.com"}}


async def test_the_loop_wakes_on_notify_not_on_a_timer(
    napi: Api,
    notify_settings: Settings,
    mailbox: tuple[Mailbox, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With the idle re-check an hour away, only NOTIFY can wake the loop in time.
    monkeypatch.setattr(outbox, "IDLE_SECONDS", 3600.0)
    async with delivering(notify_settings, napi.app[POOL], napi.app[QUERIES]):
        for n in range(1, 4):
            started = time.monotonic()
            await napi.post("/tickets/public", REQUEST)
            await eventually(functools.partial(_received, mailbox[0], n), seconds=5)
            assert time.monotonic() - started < 5
    assert dict(await check(napi, "outbox_counts")) == {"pending": 0, "sent": 3, "dead": 0}


def _received(mailbox: Mailbox, count: int) -> bool:
    return len(mailbox.messages) == count


async def test_the_loop_sleeps_until_a_retry_is_due(
    napi: Api,
    notify_settings: Settings,
    mailbox: tuple[Mailbox, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first try fails (nobody listens on port 9); the retry, due 0.2 s later, succeeds.
    monkeypatch.setattr(outbox, "IDLE_SECONDS", 3600.0)
    settings = attrs.evolve(notify_settings, outbox_retry_base_seconds=0.2)
    await napi.post("/tickets/public", REQUEST)
    broken = outbox.Deliverer(
        attrs.evolve(settings, smtp_url="smtp://127.0.0.1:9"), napi.app[POOL], napi.app[QUERIES]
    )
    assert await broken.deliver_batch() == 1
    await broken.close()
    async with delivering(settings, napi.app[POOL], napi.app[QUERIES]):
        await eventually(lambda: len(mailbox[0].messages) == 1, seconds=5)
    [row] = await check(napi, "outbox_rows")
    assert (row["status"], row["attempts"]) == ("sent", 2)


async def test_without_smtp_url_local_mail_goes_to_eml_files(
    aiohttp_client: Any,
    settings: Settings,
    empty_tables: None,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    local = attrs.evolve(settings, data_dir=tmp_path, smtp_url=None)
    api = Api(await aiohttp_client(create_app(local)))
    await api.post("/tickets/public", REQUEST)
    deliverer = outbox.Deliverer(local, api.app[POOL], api.app[QUERIES])
    with caplog.at_level(logging.INFO, logger="crm.notify"):
        assert await deliverer.drain() == 1
    await deliverer.close()
    [path] = sorted((tmp_path / "mail").iterdir())
    assert path.name == "00000001-ticket.created.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "ivan@example.com"
    assert message["Subject"] == "Заявка №1 принята"
    assert [r.getMessage() for r in caplog.records if r.name == "crm.notify"] == [
        f"e-mail to ivan@example.com written to {path} (no SMTP_URL)"
    ]


async def test_outside_local_without_smtp_url_mail_waits_for_it(
    aiohttp_client: Any, settings: Settings, empty_tables: None, tmp_path: Path
) -> None:
    production = attrs.evolve(settings, env="production", data_dir=tmp_path, smtp_url=None)
    api = Api(await aiohttp_client(create_app(production)))
    await api.post("/tickets/public", REQUEST)
    deliverer = outbox.Deliverer(production, api.app[POOL], api.app[QUERIES])
    assert await deliverer.deliver_batch() == 1
    await deliverer.close()
    [row] = await check(api, "outbox_rows")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert not (tmp_path / "mail").exists()


def test_back_off_doubles_from_a_minute_to_six_hours_with_jitter() -> None:
    settings = Settings(jwt_secret="x" * 40)
    ceilings = [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600, 21600]
    for tries, ceiling in enumerate(ceilings, start=1):
        delays = [retry_delay(tries, settings) for _ in range(200)]
        assert all(d is not None and ceiling / 2 <= d <= ceiling for d in delays), tries
        assert len(set(delays)) > 150  # jittered, not one value
    assert retry_delay(12, settings) is None  # OUTBOX_MAX_ATTEMPTS tries: dead


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "ru"),
        ("", "ru"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        ("de-DE,en;q=0.5,ru;q=0.4", "en"),
        ("uk,ru;q=0.8,en;q=0.6", "ru"),
        ("en;q=0", "ru"),
        ("en;q=bogus,ru;q=0.1", "ru"),
        ("fr", "ru"),
    ],
)
def test_accept_language_picks_english_only_when_preferred(
    header: str | None, language: str
) -> None:
    assert customer_language(header) == language
