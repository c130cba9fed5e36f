"""The studio's downloads: a tracker's respondent-level data (SPSS ``.sav``, Parquet, CSV) and a wave's banner
table (XLSX, CSV), each the answer of the API's own export operation run as the signed-in user
(:func:`recognition.web.api.ops.perform_response`): the same role (exports need an editor's key, banner tables a
viewer's), the same refusals (a base below the suppression threshold), the same audit entry and the same file.

``GET /studio/trackers/{poll_id}/respondents.{sav|parquet|csv}`` (every published wave),
``GET /studio/waves/{wave_id}/respondents.{sav|parquet|csv}`` and ``GET /studio/waves/{wave_id}/banner.{xlsx|csv}``.
A refusal is a page in the API's words.
"""

from __future__ import annotations

from aiohttp import web

from recognition.web.api import banner, exports
from recognition.web.api.errors import Problem
from recognition.web.api.ops import Op, perform_response
from recognition.web.dashboard.serving import html_error
from recognition.web.studio.acting import visitor


def _op(operation_id: str, ops: tuple[Op, ...]) -> Op:
    return next(op for op in ops if op.operation_id == operation_id)


POLL_EXPORT = _op("export_poll_respondents", exports.OPS)
WAVE_EXPORT = _op("export_respondents", exports.OPS)
WAVE_BANNER = _op("wave_banner", banner.OPS)


async def _download(request: web.Request, op: Op, params: dict[str, str]) -> web.StreamResponse:
    who = await visitor(request)
    try:
        return await perform_response(op, request, who.key, params)
    except Problem as exc:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors) if exc.errors else exc.detail
        return html_error(exc.status, detail or exc.title)


async def poll_respondents(request: web.Request) -> web.StreamResponse:
    info = request.match_info
    return await _download(request, POLL_EXPORT, {"poll_id": info["poll_id"], "format": info["format"]})


async def wave_respondents(request: web.Request) -> web.StreamResponse:
    info = request.match_info
    return await _download(request, WAVE_EXPORT, {"wave_id": info["wave_id"], "format": info["format"]})


async def wave_banner(request: web.Request) -> web.StreamResponse:
    info = request.match_info
    return await _download(request, WAVE_BANNER, {"wave_id": info["wave_id"], "format": info["format"]})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(r"/studio/trackers/{poll_id}/respondents.{format:sav|parquet|csv}", poll_respondents)
    r.add_get(r"/studio/waves/{wave_id}/respondents.{format:sav|parquet|csv}", wave_respondents)
    r.add_get(r"/studio/waves/{wave_id}/banner.{format:xlsx|csv}", wave_banner)
