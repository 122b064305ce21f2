"""The HTTP face of the back office: the v1 API of docs/api/openapi.yaml and the department pages.

One rule: handlers only translate HTTP to calls of ``core``, ``service`` and ``blobs`` and back;
every decision is made there. The app holds no state of its own besides the database, so any number of workers or
hosts can serve one database (``app_from_env`` is the factory uvicorn's workers import).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from . import blobs, core, handover, schemas, service
from .core import ApiError, Store

API_VERSION = "1.0.0"
ERRORS = {"model": schemas.ErrorBody}


@dataclass(frozen=True)
class Settings:
    database_url: str
    max_blob: int = blobs.MAX_BLOB
    faults: str | None = None  # a fault plan file (tests only)
    sqlite_synchronous: str = "full"  # "normal": no fsync per commit on SQLite (benchmarks only)
    blob_dir: str | None = None  # the blob folder (serve: <data-dir>/blobs unless --blob-dir)
    part_max_age_days: float = blobs.PART_MAX_AGE_DAYS  # abandoned uploads swept after this (0: never)


def _error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


def _json(reply: core.Reply) -> JSONResponse:
    headers = dict(reply.headers)
    if reply.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(reply.body, status_code=reply.status, headers=headers)


async def _raw_json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise ApiError(400, "bad_request", "请求体不是有效的 JSON", "body is not valid JSON") from None


log = logging.getLogger("backoffice")

WRITE_BLOCK = 1024 * 1024  # a PATCH body is handed to its worker threads in batches of this size
QUEUED_BLOCKS = 8  # batches received ahead of the writer (≤ 8 MiB per upload in memory)
BODY_IDLE = 60.0  # seconds without a byte of a PATCH body: the upload's lock is given back


async def _drain(request: Request) -> None:
    with contextlib.suppress(ClientDisconnect):
        async for _piece in request.stream():
            pass


class _Lane:
    """Batches applied to ``fn`` in order on a worker thread while the event loop receives the
    next. The thread drains what is queued and goes back to the pool when the queue is empty —
    an upload coming in slowly over a village line holds no thread while it waits for bytes; a
    fast one keeps its thread busy and pays no hop per batch. At ``QUEUED_BLOCKS`` batches the
    loop waits for the lane to catch up. After a failure the lane drops what comes; ``close``
    raises the failure."""

    def __init__(self, fn: Callable[[list[bytes]], None]) -> None:
        self.fn = fn
        self._batches: deque[list[bytes]] = deque()
        self._mutex = threading.Lock()
        self._running = False
        self._drain_task: asyncio.Future[None] | None = None
        self.failure: BaseException | None = None

    def _drain(self) -> None:
        while True:
            with self._mutex:
                if not self._batches or self.failure is not None:
                    self._batches.clear()
                    self._running = False
                    return
                batch = self._batches.popleft()
            try:
                self.fn(batch)
            except BaseException as exc:  # noqa: BLE001 — raised by close(), on the loop
                self.failure = exc

    @property
    def failed(self) -> bool:
        return self.failure is not None

    async def put(self, batch: list[bytes]) -> None:
        if self.failure is not None:
            return
        with self._mutex:
            self._batches.append(batch)
            start, self._running = not self._running, True
            behind = len(self._batches) >= QUEUED_BLOCKS
        if start:
            self._drain_task = asyncio.ensure_future(run_in_threadpool(self._drain))
        elif behind and self._drain_task is not None:
            await asyncio.wait({self._drain_task})  # the disk (or the hash) is behind: let it catch up

    async def settle(self) -> None:
        """Every batch put so far applied (or dropped after a failure)."""
        if self._drain_task is not None:
            await asyncio.wait({self._drain_task})

    async def close(self) -> None:
        """``settle``, then the first failure raised."""
        await self.settle()
        if self.failure is not None:
            raise self.failure


async def _stream_into(request: Request, up: blobs.Upload) -> None:
    """The body into the blob's part file as it arrives: one worker thread writes the batches of
    received pieces, another hashes them, while the loop receives the rest (the disk's waits and
    the sha256 side by side). A desk that goes away, or sends nothing for ``BODY_IDLE`` seconds,
    keeps what arrived (the blob's bytes at their offsets) and gives the part file's lock back."""
    lanes = (_Lane(up.write_file), _Lane(up.hash))
    buf: list[bytes] = []
    size = total = 0
    loop = asyncio.get_running_loop()

    async def put(batch: list[bytes]) -> None:
        for lane in lanes:
            await lane.put(batch)

    async def close() -> None:
        for lane in lanes:
            await lane.close()

    try:
        try:
            # one deadline, moved on with every piece (not a wait_for task per piece: a 32 MiB
            # body arrives in some 500 pieces)
            async with asyncio.timeout(BODY_IDLE) as idle:
                async for piece in request.stream():
                    idle.reschedule(loop.time() + BODY_IDLE)
                    total += len(piece)
                    if total > blobs.MAX_CHUNK:
                        raise blobs.chunk_too_large()
                    buf.append(piece)
                    size += len(piece)
                    if size >= WRITE_BLOCK:
                        await put(buf)
                        buf, size = [], 0
                        if any(lane.failed for lane in lanes):
                            break
        except (TimeoutError, ClientDisconnect) as exc:
            if buf:
                await put(buf)
            await close()
            if isinstance(exc, TimeoutError):
                raise ApiError(408, "body_timeout", "上传中断（超时未收到数据），已保存收到的部分，请继续上传",
                               "no body bytes for too long: what arrived is kept") from None
            raise
        if buf and not any(lane.failed for lane in lanes):
            await put(buf)
        await close()
    finally:
        for lane in lanes:  # never close the file under a running write
            await lane.settle()


bearer = HTTPBearer(auto_error=False, description="the workstation's token from POST /api/v1/workstations")


def _files(request: Request) -> blobs.BlobFiles:
    files: blobs.BlobFiles | None = request.app.state.blob_files
    if files is None:
        raise ApiError(503, "no_blob_folder", "后台未配置附件目录", "the back office has no blob folder configured")
    return files


def _store(request: Request) -> Store:
    return request.app.state.store


def authorization(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """The request's bearer header; 401 at once without one. The token itself is checked inside
    the call's own transaction (core._caller), which saves a round trip per request."""
    header = f"Bearer {credentials.credentials}" if credentials else request.headers.get("authorization")
    core.bearer_token(header)
    return header or ""


Auth = Annotated[str, Depends(authorization)]


def api_router() -> APIRouter:
    r = APIRouter(prefix="/api/v1", responses={401: ERRORS})

    @r.get("/health", tags=["auth"])
    def health() -> dict[str, Any]:
        """No token needed: is a back office answering here, and which API version."""
        return {"ok": True, "service": "window-clerk-backoffice", "api": API_VERSION}

    @r.post("/workstations", status_code=201, response_model=schemas.RegistrationReply, tags=["auth"],
            responses={403: ERRORS, 422: ERRORS})
    async def register_workstation(body: schemas.Registration, request: Request) -> JSONResponse:
        """Register a workstation with the hall's enrolment code; returns its bearer token. Registering
        the same workstation again issues a new token and revokes the older ones."""
        reply = await run_in_threadpool(core.register_workstation, _store(request), body.hall_code,
                                        body.workstation, body.name, body.enrolment_code)
        return _json(reply)

    @r.put("/cases/{case_uuid}", status_code=201, response_model=schemas.CaseReply, tags=["cases"],
           responses={200: {"description": "never: a replay answers 201 with Idempotent-Replayed: true"},
                      403: ERRORS, 404: ERRORS, 409: ERRORS, 422: ERRORS})
    async def put_case(case_uuid: str, body: schemas.CaseSnapshot, request: Request, who: Auth) -> JSONResponse:
        """The intake snapshot, sent once on acceptance. Idempotent by uuid: the same canonical body
        again → the stored reply (201, ``Idempotent-Replayed: true``); another body → 409 ``conflict``;
        an attachment not held complete → 422 ``missing_blob``."""
        raw = await _raw_json(request)
        return _json(await run_in_threadpool(service.put_case, _store(request), who, case_uuid, raw))

    @r.post("/cases/{case_uuid}/events", status_code=201, response_model=schemas.EventReply, tags=["cases"],
            responses={400: ERRORS, 404: ERRORS, 409: ERRORS, 422: ERRORS})
    async def post_event(case_uuid: str, body: schemas.EventBody, request: Request, who: Auth,
                         idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> JSONResponse:
        """A later desk fact. Same key + same body → the stored reply; same key + other body → 422
        ``idempotency_mismatch``; no key → 400; a move the state machine refuses → 409
        ``illegal_transition`` (permanent)."""
        raw = await _raw_json(request)
        return _json(await run_in_threadpool(service.post_event, _store(request), who, case_uuid,
                                             idempotency_key, raw))

    @r.get("/cases", response_model=schemas.CaseList, tags=["cases"], responses={403: ERRORS})
    def list_cases(request: Request, who: Auth, hall: str | None = None, since: str | None = None,
                   limit: Annotated[int, Query(ge=1, le=5000)] = 500,
                   offset: Annotated[int, Query(ge=0)] = 0) -> JSONResponse:
        """What the server holds for the token's hall."""
        return JSONResponse(service.list_cases(_store(request), who, since or None, limit, offset, hall or None))

    @r.get("/changes", response_model=schemas.ChangesPage, tags=["changes"], responses={410: ERRORS})
    def get_changes(request: Request, who: Auth, cursor: str | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> JSONResponse:
        """The status feed of the token's hall, in ``seq`` order, with an opaque cursor; replaying a
        page is harmless. An invalid cursor → 410 ``cursor_expired`` (resync from empty)."""
        return JSONResponse(service.changes(_store(request), who, cursor or None, limit))

    @r.put("/handover-lists/{number}", status_code=201, response_model=schemas.HandoverListReply, tags=["handover"],
           responses={404: ERRORS, 409: ERRORS, 422: ERRORS})
    async def put_handover_list(number: str, body: schemas.HandoverListBody, request: Request,
                                who: Auth) -> JSONResponse:
        """交接单 from a village agent's desk, after the cases it names. Idempotent on the number: the
        same canonical body again → the stored reply (``Idempotent-Replayed: true``); another body →
        409 ``conflict``; a case the server does not hold → 422 ``unknown_case`` (permanent)."""
        raw = await _raw_json(request)
        return _json(await run_in_threadpool(handover.put_list, _store(request), who, number, raw))

    @r.get("/handover-lists/{number}", response_model=schemas.HandoverListView, tags=["handover"],
           responses={404: ERRORS})
    def get_handover_list(number: str, request: Request, who: Auth) -> JSONResponse:
        """The list, its cases (applicants masked) and whether the centre received it."""
        return JSONResponse(handover.get_list(_store(request), who, number))

    @r.post("/handover-lists/{number}/receive", response_model=schemas.HandoverListView, tags=["handover"],
            responses={404: ERRORS, 422: ERRORS})
    async def receive_handover_list(number: str, body: schemas.HandoverReceiveBody, request: Request,
                                    who: Auth) -> JSONResponse:
        """The centre receives every case of the list at once (a ``case.handover_received`` feed row
        per case). Once: a second call changes nothing and answers 200 with ``already: true`` and
        who/when received it."""
        raw = await _raw_json(request)
        return JSONResponse(await run_in_threadpool(handover.receive, _store(request), who, number, raw))

    blob_headers = {"Upload-Offset": {"schema": {"type": "integer"}}, "Upload-Length": {"schema": {"type": "integer"}},
                    "Blob-Complete": {"schema": {"type": "string", "enum": ["true", "false"]}}}

    @r.head("/blobs/{sha256}", tags=["blobs"],
            responses={200: {"description": "held (maybe partly)", "headers": blob_headers}, 404: {}})
    def head_blob(sha256: str, request: Request, who: Auth) -> Response:
        """How many bytes of the blob the server holds."""
        try:
            return Response(status_code=200, headers=blobs.head_blob(_store(request), _files(request), who, sha256))
        except ApiError as exc:
            return Response(status_code=exc.status, headers=exc.headers)

    @r.post("/blobs/{sha256}", status_code=201, tags=["blobs"],
            responses={200: {"description": "exists already", "headers": blob_headers},
                       201: {"description": "created", "headers": blob_headers}, 400: ERRORS, 413: ERRORS})
    def create_blob(sha256: str, request: Request, who: Auth,
                    upload_length: Annotated[int | None, Header(alias="Upload-Length")] = None) -> Response:
        """Start an upload of ``Upload-Length`` bytes, or say where one stands: 201 created, 200
        held already — ``Blob-Complete: true`` (never sent again) or the offset to go on from. A
        desk needs no HEAD before it."""
        reply = blobs.create_blob(_store(request), _files(request), who, sha256, upload_length,
                                  request.app.state.settings.max_blob)
        return Response(status_code=reply.status, headers=reply.headers)

    @r.patch("/blobs/{sha256}", status_code=204, tags=["blobs"],
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
             responses={204: {"description": "stored", "headers": blob_headers}, 404: ERRORS, 409: ERRORS,
                        413: ERRORS, 415: ERRORS, 422: ERRORS})
    async def patch_blob(sha256: str, request: Request, who: Auth,
                         upload_offset: Annotated[int | None, Header(alias="Upload-Offset")] = None) -> Response:
        """The next chunk at ``Upload-Offset`` (up to the rest of the blob, ≤ 64 MiB; written as it
        arrives, so a connection lost midway keeps what came). A wrong offset → 409 ``offset_mismatch``;
        on the last byte the sha256 is checked: mismatch → 422 ``checksum_mismatch``, data discarded."""
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/offset+octet-stream":
            raise ApiError(415, "bad_content_type", "上传内容类型应为 application/offset+octet-stream",
                           "Content-Type must be application/offset+octet-stream")
        length_header = request.headers.get("content-length")
        declared = int(length_header) if (length_header or "").isdigit() else None
        if (declared or 0) > blobs.MAX_CHUNK:
            raise blobs.chunk_too_large()
        try:
            up = await run_in_threadpool(blobs.begin_patch, _store(request), _files(request), who, sha256,
                                         upload_offset, declared)
        except ApiError:
            await _drain(request)  # the desk reads our answer only once it has sent the chunk
            raise
        if isinstance(up, core.Reply):
            await _drain(request)
            return Response(status_code=204, headers=up.headers)
        try:
            await _stream_into(request, up)
            reply = await run_in_threadpool(up.finish)
        finally:
            up.close()
        return Response(status_code=204, headers=reply.headers)

    @r.get("/blobs/{sha256}", tags=["blobs"], response_class=Response,
           responses={200: {"content": {"application/octet-stream": {}}}, 404: ERRORS, 410: ERRORS})
    def get_blob(sha256: str, request: Request, who: Auth) -> Response:
        """The bytes of a complete blob that one of the hall's cases names."""
        store = _store(request)
        caller = core.authenticate(store, who)
        if not blobs.blob_visible(store, blobs._check_sha(sha256), hall_code=caller.hall_code):
            raise core.not_found("附件")
        return StreamingResponse(blobs.read_blob(store, _files(request), sha256), media_type="application/octet-stream")

    return r


SWEEP_EVERY = 6 * 3600.0  # seconds between sweeps of abandoned uploads (the first at start-up)


async def _sweeper(app: FastAPI) -> None:
    """Abandoned uploads swept at start-up and every ``SWEEP_EVERY`` seconds (``blobs.sweep``;
    every worker may run it, the part files' locks keep them apart)."""
    days = app.state.settings.part_max_age_days
    while True:
        try:
            swept = await run_in_threadpool(blobs.sweep, app.state.store, app.state.blob_files, days)
            if swept.parts or swept.rows or swept.healed:
                log.warning(swept.line(days))
        except Exception:  # a failed sweep is retried at the next turn, never fatal
            log.exception("附件清理失败 blob sweep failed")
        await asyncio.sleep(SWEEP_EVERY)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    task = None
    if app.state.blob_files is not None and app.state.settings.part_max_age_days > 0:
        task = asyncio.ensure_future(_sweeper(app))
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        app.state.store.dispose()


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="Window Clerk back office API (前台受理 → 后台审批 → 窗口出件)", version=API_VERSION,
                  description="The contract between a hall's desks and the county back office. Every error is "
                              "`{\"error\": {\"code\", \"message\" (中文), \"english\"}}`.",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None, lifespan=_lifespan)
    app.state.settings = settings
    app.state.store = Store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    app.state.blob_files = None
    if settings.blob_dir:
        app.state.blob_files = blobs.BlobFiles(blobs.private_root(settings.blob_dir))
    app.include_router(api_router())

    from .pages import pages_router

    app.include_router(pages_router())

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _error_response(ApiError(422, "invalid_body", f"请求内容有误：{where} {first.get('msg', '')}".strip(),
                                        f"invalid request: {where}: {first.get('msg', '')}",
                                        errors=[{"loc": list(map(str, e.get("loc", ()))), "msg": e.get("msg", "")}
                                                for e in exc.errors()[:20]]))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        zh = {404: "没有这个地址", 405: "不支持该请求方法"}.get(exc.status_code, "请求有误")
        return _error_response(ApiError(exc.status_code, code, zh, str(exc.detail)))

    if settings.faults:
        from .faults import FaultMiddleware

        app.add_middleware(FaultMiddleware, plan_path=settings.faults)
    return app


ENV_URL, ENV_MAX_BLOB, ENV_FAULTS = "CLERK_BACKOFFICE_DATABASE_URL", "CLERK_BACKOFFICE_MAX_BLOB", "CLERK_BACKOFFICE_FAULTS"
ENV_SQLITE_SYNC = "CLERK_BACKOFFICE_SQLITE_SYNC"
ENV_BLOB_DIR = "CLERK_BACKOFFICE_BLOB_DIR"
ENV_PART_MAX_AGE = "CLERK_BACKOFFICE_PART_MAX_AGE_DAYS"


def app_from_env() -> FastAPI:
    """The factory uvicorn's worker processes call (``serve`` sets the environment)."""
    blobs.keep_freed_memory()
    url = os.environ.get(ENV_URL)
    if not url:
        raise RuntimeError(f"{ENV_URL} is not set")
    return create_app(Settings(database_url=url, max_blob=int(os.environ.get(ENV_MAX_BLOB) or blobs.MAX_BLOB),
                               faults=os.environ.get(ENV_FAULTS) or None,
                               sqlite_synchronous=os.environ.get(ENV_SQLITE_SYNC) or "full",
                               blob_dir=os.environ.get(ENV_BLOB_DIR) or None,
                               part_max_age_days=float(os.environ.get(ENV_PART_MAX_AGE) or blobs.PART_MAX_AGE_DAYS)))


def openapi_document() -> dict[str, Any]:
    """The contract as the code states it (docs/api/openapi.yaml is this, committed)."""
    app = create_app(Settings(database_url="sqlite://"))
    try:
        return app.openapi()
    finally:
        app.state.store.dispose()


def default_database_url(data_dir: str | os.PathLike[str]) -> str:
    return f"sqlite:///{(Path(data_dir) / 'backoffice.sqlite3').as_posix()}"
