"""The guide view (办事指南): find any matter or 一件事 and read its guide for the chosen
situation — conditions, materials, time limits, fees, basis and the window script (一口清)."""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import QSplitter, QTextBrowser, QVBoxLayout, QWidget

from .context import AppContext
from .intake import MatterPicker, SituationPanel
from clerk.dto import FORM_LABELS

KIND_LABELS = {"immediate": "即办件", "committed": "承诺件"}


def _e(text: Any) -> str:
    return html.escape(str(text or ""))


def _days(n: int) -> str:
    return "即办" if not n else f"{n} 个工作日"


def _open_texts(g: Any) -> list[str]:
    """The open questions' wording (a bundle lists (matter code, key) pairs)."""
    texts = {}
    for m in getattr(g, "matters", None) or [g]:
        for q in m.questions:
            texts[(m.code, q.key)] = texts[q.key] = q.text
    return [texts.get(tuple(k) if isinstance(k, (list, tuple)) else k, str(k)) for k in (g.open_questions or ())]


def _materials_html(materials: list[Any], open_questions: list[str]) -> str:
    rows = []
    for i, m in enumerate(materials, 1):
        tags = []
        if getattr(m, "core", False):
            tags.append("核心")
        if getattr(m, "deferrable", False):
            tags.append("可容缺")
        if getattr(m, "shareable", False):
            tags.append(f"可共享获取（{_e(getattr(m, 'share_source', ''))}）")
        if not getattr(m, "required", True):
            tags.append("非必需")
        needed_by = getattr(m, "matter_names", None)
        extra = f"<br><small>共用：{_e('、'.join(needed_by))}</small>" if needed_by and len(needed_by) > 1 else ""
        rows.append(f"<tr><td>{i}</td><td>{_e(m.name)}{extra}</td><td>{FORM_LABELS.get(m.form, _e(m.form))}</td>"
                    f"<td>{m.count}</td><td>{'；'.join(tags)}</td><td>{_e(getattr(m, 'notes', ''))}</td></tr>")
    table = ("<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
             "<tr style='background:#eef3fb'><th>序号</th><th>材料名称</th><th>形式</th><th>份数</th>"
             "<th>说明</th><th>备注</th></tr>" + "".join(rows) + "</table>")
    if open_questions:
        table += ("<p style='color:#a05a00'>尚有情形未选择（" + "、".join(_e(q) for q in dict.fromkeys(open_questions))
                  + "），所列材料为各情形共同需要的部分。</p>")
    return table


def _form_html(fields: list[Any]) -> str:
    """申请表 fields: what the window will type in (required ones marked *)."""
    if not fields:
        return ""
    items = []
    for f in fields:
        what = f.type_label + (f"：{'／'.join(_e(o) for o in f.options)}" if f.options else "")
        shared = f"，{_e('、'.join(f.matters))}共用" if len(getattr(f, "matters", ())) > 1 else ""
        star = "<span style='color:#c0392b'>*</span>" if f.required else ""
        items.append(f"<li>{_e(f.label)}{star}（{what}{shared}）</li>")
    return "<h3>申请表（<span style='color:#c0392b'>*</span> 为必填）</h3><ul>" + "".join(items) + "</ul>"


PENDING_MATERIALS = "材料清单待补充"


def _pending_html() -> str:
    return (f"<p style='background:#fdecea;color:#a02a1a;padding:6px'><b>{PENDING_MATERIALS}</b>："
            "目录尚未列出本事项的申请材料。受理时请按申请人实际提交的材料逐项登记（“登记材料”），"
            "再导入含申请材料的目录即可补上。</p>")


def _facts_html(g: Any) -> str:
    """The published list's own facts: 办理地点, 咨询电话 and its other columns."""
    rows = [(label, getattr(g, f, "")) for f, label in (("place", "办理地点"), ("phone", "咨询电话"))]
    rows += list(getattr(g, "extra", ()) or ())
    rows = [(k, v) for k, v in rows if v]
    if not rows:
        return ""
    return ("<h3>其他信息</h3><table cellspacing='0' cellpadding='3'>"
            + "".join(f"<tr><td><b>{_e(k)}：</b></td><td>{_e(v)}</td></tr>" for k, v in rows) + "</table>")


def matter_html(g: Any) -> str:
    """HTML of a MatterGuide (duck-typed: fields named as in clerk.catalog)."""
    parent = f"<p><b>主项：</b>{_e(g.parent_name)}</p>" if getattr(g, "parent_name", "") else ""
    power = f"　<b>事项类型：</b>{_e(g.power_type)}" if getattr(g, "power_type", "") else ""
    division = f"　<b>行政区划：</b>{_e(g.division)}" if getattr(g, "division", "") else ""
    head = (f"<h2>{_e(g.name)}</h2>{parent}<p><b>事项编码：</b>{_e(g.code)}　<b>实施主体：</b>{_e(g.department)}"
            f"{division}　<b>办件类型：</b>{KIND_LABELS.get(g.kind, _e(g.kind))}{power}</p>"
            f"<p><b>法定时限：</b>{_days(g.statutory_days)}　<b>承诺时限：</b>{_days(g.promised_days)}　"
            f"<b>到现场次数：</b>{g.visits_required} 次　<b>收费：</b>{_e(g.fee)}</p>")
    script = f"<div style='background:#fff7e0;padding:6px'><b>一口清：</b>{_e(g.window_script)}</div>" \
        if getattr(g, "window_script", "") else ""
    materials = _pending_html() if getattr(g, "materials_pending", False) else \
        _materials_html(list(g.materials), _open_texts(g))
    body = (f"<h3>受理条件</h3><p>{_e(g.conditions) or '—'}</p>"
            f"<h3>申请材料</h3>{materials}"
            f"{_form_html(list(getattr(g, 'form_fields', ())))}"
            f"<h3>设定依据</h3><p>{_e(g.legal_basis) or '—'}</p>{_facts_html(g)}")
    return head + script + body


def bundle_html(b: Any) -> str:
    names = "".join(f"<li>{_e(m.name)}（{_e(m.department)}，{_days(m.promised_days)}）"
                    + (f"　<span style='color:#a02a1a'>{PENDING_MATERIALS}</span>"
                       if getattr(m, "materials_pending", False) else "") + "</li>" for m in b.matters)
    return (f"<h2>【一件事】{_e(b.name)}</h2><p>{_e(getattr(b, 'description', ''))}</p>"
            f"<p><b>承诺时限：</b>{_days(getattr(b, 'promised_days', 0))}　<b>包含事项：</b>{len(b.matters)} 项</p>"
            f"<ol>{names}</ol><h3>申请材料（共用材料只需提交一次）</h3>"
            f"{_materials_html(list(b.materials), _open_texts(b))}"
            f"{_form_html(list(getattr(b, 'form_fields', ())))}")


class GuideView(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.picker = MatterPicker(ctx)
        self.situation = SituationPanel()
        self.browser = QTextBrowser()
        self.browser.setObjectName("guide_text")
        self.choice: tuple[str, str, str] | None = None
        left = QWidget()
        llay = QVBoxLayout(left)
        llay.setContentsMargins(0, 0, 0, 0)
        llay.addWidget(self.picker, 1)
        llay.addWidget(self.situation)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.browser)
        split.setSizes([380, 820])
        lay = QVBoxLayout(self)
        lay.addWidget(split)
        self.picker.chosen.connect(self._chosen)
        self.situation.changed.connect(lambda answers: self._load(answers, rebuild=False))

    def _chosen(self, kind: str, code: str, name: str) -> None:
        self.choice = (kind, code, name)
        self._load({}, rebuild=True)

    def _load(self, answers: dict[str, Any], rebuild: bool) -> None:
        from clerk.catalog import get_bundle_guide, get_guide

        if self.choice is None:
            return
        kind, code, _ = self.choice

        def load():
            if kind == "bundle":
                return kind, get_bundle_guide(self.ctx.db, code, answers or None)
            return kind, get_guide(self.ctx.db, code, answers or None)

        self.ctx.tasks.run_latest("guide", load, lambda r: self._show(r, answers, rebuild))

    def _show(self, result: tuple[str, Any], answers: dict[str, Any], rebuild: bool) -> None:
        kind, guide = result
        if kind == "bundle":
            self.browser.setHtml(bundle_html(guide))
            questions = [(m.code, m.name, q) for m in guide.matters for q in m.questions]
        else:
            self.browser.setHtml(matter_html(guide))
            questions = [("", "", q) for q in guide.questions]
        if rebuild:
            self.situation.show_questions(questions, answers)
