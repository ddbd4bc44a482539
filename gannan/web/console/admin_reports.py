"""Platform admin console: monthly reports — build (and follow the build), compare a
draft with the last certified version, certify.

Building enqueues the same Celery task as ``POST /api/v1/admin/reports/monthly``;
its progress is what :func:`gannan.reporting.tasks.task_state` knows, and when nothing
keeps task states (no result backend, or inline tasks) the page answers from the
stored versions instead of failing.  Certifying is ``monthly.certify``: a month that
has not ended in Asia/Shanghai is refused there, for the API and this page alike.
"""

from __future__ import annotations

import json
from itertools import groupby

from flask import current_app, flash, redirect, request, url_for

from gannan.platform.auth import require_user
from gannan.platform.celery_app import enqueue
from gannan.platform.errors import ProblemError
from gannan.platform.extensions import db
from gannan.platform.models import User
from gannan.platform.types import shanghai_today
from gannan.reporting import monthly, tasks
from gannan.reporting.metrics import Month
from gannan.reporting.models import ReportStatus
from gannan.reporting.schemas import CertifySchema, ReportRequestSchema
from gannan.web.console.admin import _frame, blp
from gannan.web.console.common import load_form, refused, render
from gannan.web.console.report_diff import compare
from gannan.web.errors import error_page
from gannan.web.forms import FormInvalid, payload

RECENT_MONTHS = 13
STATES = {"PENDING": "排队中", "STARTED": "正在生成", "RETRY": "重试中", "SUCCESS": "已完成",
          "FAILURE": "生成失败"}


def _months() -> list[str]:
    today = shanghai_today()
    month, out = Month(today.year, today.month), []
    for _ in range(RECENT_MONTHS):
        out.append(str(month))
        month = month.previous()
    return out


@blp.get("/admin/reports")
def reports(status: int = 200, **context):
    versions = monthly.listing(None, drafts=True)
    by_period = [(period, list(rows)) for period, rows in
                 groupby(sorted(versions, key=lambda r: (r.period, r.version), reverse=True),
                         key=lambda r: r.period)]
    today = shanghai_today()
    context.setdefault("form", {"period": str(Month(today.year, today.month).previous())})
    return render("console/admin/reports.html", status, **_frame("reports"),
                  by_period=by_period, months=_months(), **context)


@blp.post("/admin/reports")
def build():
    form = request.form
    try:
        data = load_form(ReportRequestSchema(), payload(form, ("period",)))
        period = str(monthly.parse_period(data["period"]))
        task = enqueue("reporting.build_monthly_report", period)
    except FormInvalid:
        db.session.rollback()
        return reports(422, form=form, errors={"period": "请选择月份。"},
                       message="请选择要生成的月份。")
    except ProblemError as error:
        message, status = refused(error)
        return reports(status, form=form, message=message)
    return redirect(url_for("console_admin.report", period=period, task=task.id))


def progress(task_id: str, period: str) -> dict:
    """What the page can say about a build: the task's state when Celery keeps it,
    otherwise the newest stored version of the month."""
    state = tasks.task_state(task_id)
    existing = monthly.versions(period)
    latest = existing[-1] if existing else None
    inline = current_app.extensions["celery"].conf.task_always_eager
    if state is None:
        done = inline
        text = ("已完成（任务在本服务器上同步运行）。" if inline else
                "已提交。没有配置任务结果存储（CELERY_RESULT_BACKEND），无法查询任务进度；"
                "下方是这个月已存储的最新版本，生成完成后会更新。")
    else:
        done = state in ("SUCCESS", "FAILURE")
        text = STATES.get(state, state)
        if state == "FAILURE":
            text += "：请查看 worker 日志后重试。"
    return {"task_id": task_id, "state": state, "text": text, "done": done, "latest": latest,
            "failed": state == "FAILURE"}


@blp.get("/admin/reports/tasks/<string:task_id>")
def task(task_id: str):
    """The build's progress (htmx polls it): a fragment, or the month's page."""
    period = request.args.get("period", "")
    try:
        period = str(monthly.parse_period(period))
    except ProblemError:
        return error_page(404)
    if not request.headers.get("HX-Request"):
        return redirect(url_for("console_admin.report", period=period, task=task_id[:64]))
    return render("console/admin/_progress.html", period=period,
                  progress=progress(task_id[:64], period))


@blp.get("/admin/reports/<string:period>")
def report(period: str, status: int = 200, **context):
    try:
        month = monthly.parse_period(period)
    except ProblemError:
        return error_page(404)
    existing = monthly.versions(str(month))
    certified = [r for r in existing if r.status is ReportStatus.CERTIFIED]
    drafts = [r for r in existing if r.status is ReportStatus.DRAFT]
    draft = drafts[-1] if drafts else None
    baseline = certified[-1] if certified else None
    diff = None
    if draft is not None:
        diff = compare(json.loads(baseline.content) if baseline else None,
                       json.loads(draft.content))
    try:
        monthly.require_ended(month)
        ended = None
    except ProblemError as error:
        ended = error.extra.get("ends_at")
    task_id = request.args.get("task", "")[:64]
    certifiers = _names({r.certified_by_id for r in existing if r.certified_by_id})
    return render("console/admin/report.html", status, **_frame("reports"), period=str(month),
                  versions=existing, draft=draft, baseline=baseline, diff=diff,
                  not_ended_until=ended, certifiers=certifiers,
                  progress=progress(task_id, str(month)) if task_id else None,
                  summary=json.loads((draft or baseline).content) if existing else None,
                  **context)


def _names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(db.select(User.id, User.display_name)
                                   .where(User.id.in_(user_ids))).all())


@blp.post("/admin/reports/<string:period>/certify")
def certify(period: str):
    form = request.form
    try:
        data = load_form(CertifySchema(), payload(form, ("version", "reason"),
                                                  integers=("version",)))
        certified = monthly.certify(period, data["version"], require_user(), data["reason"])
    except FormInvalid:
        db.session.rollback()
        return report(period, 422, form=form, message="请选择要认证的版本。")
    except ProblemError as error:
        message, status = refused(error)
        return report(period, status, form=form, message=message,
                      errors={"reason": message} if error.code == "correction_reason_required"
                      else {})
    flash(f"{certified.period} 第 {certified.version} 版已认证并签名；商务局现在可以下载。")
    return redirect(url_for("console_admin.report", period=certified.period))
