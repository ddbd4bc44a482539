"""Celery entry module for the worker-killed test: ``gannan.worker``, except that the
first monthly-report build on the stack announces itself (a marker file holding the
worker's pid) and then takes ``SLOW_REPORT_SECONDS`` before it writes anything, so the
test can SIGKILL the worker in the middle of it.  Later builds run at full speed."""

import os
import time

from gannan.reporting import monthly

_build_content = monthly.build_content


def _slow_first_build(month):
    content = _build_content(month)
    try:
        fd = os.open(os.environ["SLOW_REPORT_MARKER"], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return content  # not the first build: no delay
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    time.sleep(float(os.environ.get("SLOW_REPORT_SECONDS", "60")))
    return content


monthly.build_content = _slow_first_build

from gannan.worker import celery, flask_app  # noqa: E402,F401 - the app the worker runs
