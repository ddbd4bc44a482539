"""One beat sends the schedule, however many beat processes are running.

Two beats would send every periodic task twice: the outbox sweep and the order sweeps
run twice (harmless, they are conditional), but the brand-licence sweep could notify a
seller twice and two monthly builds race for the same version.  So each beat holds a
Redis lock (``beat_lock_url``, by default the Redis broker) and sends nothing while
another holds it: a second beat is a standby that takes over within the lock's time
to live after the first one dies, and at once when it stops cleanly.

The tasks stay idempotent anyway (the report build compares digests, the sweeps only
touch rows still in the state they change), so a takeover that re-sends an entry the
dead beat had already sent does no harm.
"""

from __future__ import annotations

import logging
import os
import socket

from celery.beat import PersistentScheduler

log = logging.getLogger(__name__)
LOCK_NAME = "gannan:beat:lock"
#: Seconds the lock outlives a beat that stops renewing it (killed, frozen, cut off).
LOCK_TTL = 60


class SingletonScheduler(PersistentScheduler):
    """``PersistentScheduler`` that only sends while it holds the beat lock."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Renew well within the lock's lifetime, whatever the next entry's due time.
        self.max_interval = min(self.max_interval, LOCK_TTL / 4)
        self._lock = self._make_lock(self.app.conf.get("beat_lock_url") or "")
        self._held = False

    @staticmethod
    def _make_lock(url: str):
        if not url:
            log.warning("beat: no beat_lock_url (BEAT_LOCK_URL or a Redis broker); nothing "
                        "stops a second beat from sending the schedule twice")
            return None
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        return client.lock(LOCK_NAME, timeout=LOCK_TTL, thread_local=False)

    def tick(self, *args, **kwargs) -> float:
        if self._lock is not None and not self.holds_lock():
            return self.max_interval  # standby: look again later, send nothing
        return super().tick(*args, **kwargs)

    def holds_lock(self) -> bool:
        """Take or renew the lock; False (send nothing) when another beat has it or
        Redis cannot say."""
        from redis.exceptions import LockError, RedisError

        try:
            if self._held:
                self._lock.reacquire()  # resets the time to live; fails if it expired
            else:
                self._held = bool(self._lock.acquire(blocking=False))
                if self._held:
                    log.info("beat: %s holds %s and sends the schedule", _whoami(), LOCK_NAME)
        except LockError:
            log.warning("beat: lost %s to another beat; standing by", LOCK_NAME)
            self._held = False
        except RedisError as exc:
            log.warning("beat: cannot reach the lock store (%s); sending nothing", exc)
            return False
        return self._held

    def close(self) -> None:
        super().close()
        if self._lock is not None and self._held:
            from redis.exceptions import LockError, RedisError

            try:
                self._lock.release()  # a standby takes over at its next tick
            except (LockError, RedisError):
                pass
            self._held = False


def _whoami() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
