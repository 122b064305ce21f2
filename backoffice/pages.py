"""Department pages: server-rendered HTML (Jinja2, no build step) for the departments' decisions.

A department signs in (a session row + cookie), sees its inbox of received matter cases, opens one
(ID numbers and phones masked with clerk.privacy, scans viewable) and decides. Every form carries
the session's CSRF token; the sign-in form a double-submit cookie.
"""
from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from clerk.dto import FORM_LABELS
from clerk.privacy import mask_id, mask_phone

from . import blobs, core, departments, service
from .core import ApiError
from .departments import DeptSession

COOKIE = "bo_session"
LOGIN_COOKIE = "bo_login_csrf"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
MATERIAL_STATUS = {"presented": "已提交", "shared": "共享获取", "deferred": "容缺后补", "missing": "缺少",
                   "pending": "未核验"}
DECISION_LABELS = {k: v[3] for k, v in service.DECISIONS.items()}


def _store(request: Request) -> core.Store:
    return request.app.state.store


def _session(request: Request) -> DeptSession | None:
    return departments.session_of(_store(request), request.cookies.get(COOKIE))


def _to_login() -> RedirectResponse:
    return RedirectResponse("/dept/login", status_code=303)


def _masked(person: dict[str, Any] | None) -> dict[str, Any] | None:
    if not person:
        return None
    return {**person, "id_number": mask_id(person.get("id_number")), "phone": mask_phone(person.get("phone"))}


def pages_router() -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/")
    def root() -> RedirectResponse:
        return RedirectResponse("/dept/", status_code=303)

    @r.get("/dept/login", response_class=HTMLResponse)
    def login_form(request: Request, error: str = "") -> HTMLResponse:
        token = secrets.token_urlsafe(16)
        page = TEMPLATES.TemplateResponse(request, "login.html", {"csrf": token, "error": error})
        page.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/dept/login")
        return page

    @r.post("/dept/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        if not hmac.compare_digest(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "") or "-"):
            return TEMPLATES.TemplateResponse(request, "login.html", {"csrf": "", "error": "页面已过期，请刷新后重新登录"},
                                              status_code=400)
        try:
            token, _who = await run_in_threadpool(departments.sign_in, _store(request), str(form.get("username", "")),
                                                  str(form.get("password", "")))
        except ApiError as exc:
            fresh = secrets.token_urlsafe(16)
            page = TEMPLATES.TemplateResponse(request, "login.html", {"csrf": fresh, "error": exc.message},
                                              status_code=401)
            page.set_cookie(LOGIN_COOKIE, fresh, httponly=True, samesite="strict", path="/dept/login")
            return page
        page = RedirectResponse("/dept/", status_code=303)
        page.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/", max_age=departments.SESSION_HOURS * 3600)
        page.delete_cookie(LOGIN_COOKIE, path="/dept/login")
        return page

    @r.post("/dept/logout")
    async def logout(request: Request) -> Response:
        form = await request.form()
        who = await run_in_threadpool(_session, request)
        if who is not None and hmac.compare_digest(str(form.get("csrf", "")), who.csrf):
            await run_in_threadpool(departments.sign_out, _store(request), request.cookies.get(COOKIE))
        page = _to_login()
        page.delete_cookie(COOKIE, path="/")
        return page

    @r.get("/dept/", response_class=HTMLResponse)
    def inbox(request: Request, show: str = "open") -> Response:
        who = _session(request)
        if who is None:
            return _to_login()
        rows = departments.inbox(_store(request), who.department, "all" if show == "all" else "open")
        return TEMPLATES.TemplateResponse(request, "inbox.html", {"who": who, "cases": rows, "show": show})

    @r.get("/dept/cases/{case_uuid}", response_class=HTMLResponse)
    def case_page(request: Request, case_uuid: str, error: str = "", done: str = "") -> Response:
        who = _session(request)
        if who is None:
            return _to_login()
        return _case_page(request, who, case_uuid, error=error, done=done)

    @r.post("/dept/cases/{case_uuid}/decide")
    async def decide(request: Request, case_uuid: str) -> Response:
        form = await request.form()
        who = await run_in_threadpool(_session, request)
        if who is None:
            return _to_login()
        if not hmac.compare_digest(str(form.get("csrf", "")), who.csrf):
            return HTMLResponse("<p>页面已过期或来源不明，请返回刷新后重试。</p>", status_code=403)
        action = str(form.get("action", ""))
        items = [str(v) for v in form.getlist("item")]
        requirements = {i: str(form.get(f"req_{i}", "")) for i in items}
        try:
            await run_in_threadpool(
                lambda: service.decide(_store(request), case_uuid, action, f"{who.department} {who.display_name}",
                                       reason=str(form.get("reason", "")), items=items, requirements=requirements,
                                       text_=str(form.get("text", "")), due_date=str(form.get("due_date", "")) or None,
                                       department=who.department))
        except ApiError as exc:
            message, status = exc.message, exc.status
            return await run_in_threadpool(lambda: _case_page(request, who, case_uuid, error=message, status=status))
        return RedirectResponse(f"/dept/cases/{case_uuid}?done={action}", status_code=303)

    @r.get("/dept/blobs/{sha256}")
    def blob(request: Request, sha256: str, mime: str = "application/octet-stream") -> Response:
        who = _session(request)
        if who is None:
            return _to_login()
        store = _store(request)
        try:
            visible = blobs.blob_visible(store, blobs._check_sha(sha256), department=who.department)
            if not visible:
                raise core.not_found("附件")
            chunks = blobs.read_blob(store, request.app.state.blob_files, sha256)
        except ApiError as exc:
            return HTMLResponse(f"<p>{exc.message}</p>", status_code=exc.status)
        allowed = mime if mime in ("application/pdf", "image/jpeg", "image/png", "image/tiff") else "application/octet-stream"
        return StreamingResponse(chunks, media_type=allowed, headers={"X-Content-Type-Options": "nosniff"})

    return r


def _case_page(request: Request, who: DeptSession, case_uuid: str, *, error: str = "", done: str = "",
               status: int = 200) -> Response:
    try:
        view = departments.case_view(_store(request), case_uuid, who.department)
    except ApiError as exc:
        return HTMLResponse(f"<p>{exc.message}</p><p><a href='/dept/'>返回</a></p>", status_code=exc.status)
    snap = view["snapshot"]
    return TEMPLATES.TemplateResponse(request, "case.html", {
        "who": who, "case": view, "snap": snap, "applicant": _masked(snap.get("applicant")),
        "proxy": _masked(snap.get("proxy")), "materials": view["materials"], "status_labels": MATERIAL_STATUS,
        "form_labels": FORM_LABELS, "decision_labels": DECISION_LABELS, "error": error,
        "done": DECISION_LABELS.get(done, ""), "state_labels": service.STATE_LABELS}, status_code=status)
