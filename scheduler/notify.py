"""Notifications: webhooks (JSON POST), email (SMTP) and an Atom file of recent changes.

A ``Notice`` is one thing to tell: change events of a run, a failed run, N failures in a
row, or a working day with no briefing. Each configured target says which kinds it wants
(``on``) and which change events (its filter); a "changes" notice whose events all fail a
target's filter is not sent to it.

Delivery never raises: a dead webhook or mail server is logged and the service carries on.
Webhooks are retried with a growing pause; email is tried once (SMTP servers queue).
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from scheduler.config import EmailTarget, EventFilter, NotifyConfig, SmtpConfig, WebhookTarget
from scheduler.render.atom import FEED_ID, render_atom
from scheduler.render.text import event_line
from storage.api import Archive, ChangeEvent

log = logging.getLogger("briefings.notify")

USER_AGENT = "briefings-scheduler/0.1 (+https://github.com/briefings-archive/briefings)"
ATOM_FEED_ID = FEED_ID


@dataclass
class Notice:
    kind: str  # one of scheduler.config.NOTICE_KINDS
    subject: str
    text: str
    source: str | None = None
    run: dict[str, Any] | None = None
    events: list[ChangeEvent] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """The webhook body: ``{"kind", "subject", "text", "source", "run", "events"}``,
        each event in the ledger's one JSON form (``ChangeEvent.to_json``)."""
        return {
            "kind": self.kind,
            "subject": self.subject,
            "text": self.text,
            "source": self.source,
            "run": self.run,
            "events": [event.to_json() for event in self.events],
        }

    def for_filter(self, event_filter: EventFilter) -> Notice | None:
        """This notice as a target with ``event_filter`` gets it (None: nothing for it)."""
        if self.kind != "changes":
            return self
        events = [e for e in self.events if event_filter.matches(e)]
        return replace(self, events=events) if events else None


Opener = Callable[..., Any]
SmtpFactory = Callable[..., smtplib.SMTP]


class Notifier:
    def __init__(
        self,
        config: NotifyConfig,
        *,
        opener: Opener = urllib.request.urlopen,
        smtp_factory: SmtpFactory | None = None,
        sleep: Callable[[float], None] = time.sleep,
        retry_pause: float = 1.0,
    ) -> None:
        self.config = config
        self.opener = opener
        self.smtp_factory = smtp_factory
        self.sleep = sleep
        self.retry_pause = retry_pause

    def send(self, notice: Notice) -> int:
        """Deliver to every interested target; returns how many deliveries succeeded."""
        delivered = 0
        for hook in self.config.webhooks:
            tailored = notice.for_filter(hook.filter) if notice.kind in hook.on else None
            if tailored is not None:
                delivered += self._guarded(f"webhook {hook.url}", self.post_webhook, hook, tailored)
        for target in self.config.emails:
            tailored = notice.for_filter(target.filter) if notice.kind in target.on else None
            if tailored is not None:
                delivered += self._guarded(
                    f"email to {target.to}", self.send_email, target, tailored
                )
        return delivered

    def _guarded(self, what: str, deliver: Callable[..., None], *args: Any) -> int:
        try:
            deliver(*args)
        except Exception as exc:  # a notification must never take the service down
            log.error("notification failed: %s: %s", what, exc)
            return 0
        log.info("notified %s (%s)", what, args[-1].kind)
        return 1

    # -- webhooks -------------------------------------------------------------------------------

    def post_webhook(self, hook: WebhookTarget, notice: Notice) -> None:
        body = json.dumps(notice.payload(), ensure_ascii=False, default=str).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
        headers |= hook.headers
        attempts = 1 + max(hook.retries, 0)
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(hook.url, data=body, headers=headers, method="POST")
            try:
                with self.opener(request, timeout=hook.timeout) as response:
                    response.read()
                return
            except (urllib.error.URLError, OSError) as exc:
                if attempt == attempts:
                    raise RuntimeError(f"gave up after {attempts} attempt(s): {exc}") from exc
                log.warning("webhook %s attempt %d failed: %s", hook.url, attempt, exc)
                self.sleep(self.retry_pause * 2 ** (attempt - 1))

    # -- email --------------------------------------------------------------------------------

    def send_email(self, target: EmailTarget, notice: Notice) -> None:
        smtp = self.config.smtp
        message = EmailMessage()
        message["Subject"] = f"{target.subject_prefix} {notice.subject}".strip()
        message["From"] = smtp.sender
        message["To"] = ", ".join(target.to)
        message.set_content(email_text(notice))
        with self._connect(smtp) as client:
            client.send_message(message)

    def _connect(self, smtp: SmtpConfig) -> smtplib.SMTP:
        if self.smtp_factory is not None:
            client = self.smtp_factory(smtp.host, smtp.port, timeout=smtp.timeout)
        elif smtp.ssl:
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        if smtp.starttls and not smtp.ssl:
            client.starttls()
        if smtp.user:
            client.login(
                smtp.user, os.environ.get(smtp.password_env, "") if smtp.password_env else ""
            )
        return client

    # -- the Atom file -------------------------------------------------------------------------

    def write_atom(self, archive: Archive) -> Path | None:
        """Rewrite the Atom file (if configured) with the latest change events; never raises."""
        if not self.config.atom_file:
            return None
        path = Path(self.config.atom_file)
        try:
            text = render_atom(archive.changes(limit=self.config.atom_entries))
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)  # readers never see half a feed
        except Exception as exc:
            log.error("notification failed: atom file %s: %s", path, exc)
            return None
        return path


# -- plain-text rendering ---------------------------------------------------------------------


def email_text(notice: Notice) -> str:
    lines = [notice.text, ""]
    for event in notice.events:
        lines.append(f"- {event_line(event)}\n  {event.briefing.url}")
    if notice.run:
        stats = notice.run.get("stats") or {}
        lines.append("")
        lines.append("run: " + json.dumps({k: notice.run.get(k) for k in ("id", "kind", "status")}))
        lines.append("stats: " + ", ".join(f"{k}={v}" for k, v in stats.items()))
    return "\n".join(lines).strip() + "\n"
