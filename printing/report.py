"""The hall manager's reports as A4 PDF (reportlab, with charts) and Excel workbooks (openpyxl).

One rule: this module only lays out the plain figures of ``clerk.reports``; it computes nothing
but labels and percentages. The workbook holds the same tables as the PDF, one sheet per table,
as real numbers and dates (never numbers as text). The PDF lists are capped at ``PDF_LIST_ROWS``
rows each (the note says how many more are in the workbook), so a busy day stays a few pages.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from clerk.reports import (DailyReport, Figures, RangeReport, Stat, SupervisionRow)

from .data import HallInfo, cn_date
from .fonts import register_fonts
from .pdfdoc import CONTENT_W, DocHeader, build_pdf, grid_table, p, styles

PDF_LIST_ROWS = 60
BLUE = colors.HexColor("#2F6DB5")
ORANGE = colors.HexColor("#E08A1E")
GREEN = colors.HexColor("#3C9A5F")
RED = colors.HexColor("#C0392B")


# --------------------------------------------------------------------------- labels

def minutes(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def percent(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def range_title(start: dt.date, end: dt.date) -> str:
    days = (end - start).days + 1
    if days == 7 and start.weekday() == 0:
        return "大厅运行周报"
    if start.day == 1 and (end + dt.timedelta(days=1)).day == 1 and days >= 28:
        return "大厅运行月报"
    return "大厅运行区间报告"


def summary_rows(f: Figures) -> list[tuple[str, Any, str]]:
    """(label, value, excel number format) — the headline figures, in print order."""
    t = f.tickets
    return [
        ("取号总数", t.issued, "0"), ("已办结号票", t.served, "0"), ("过号", t.no_show, "0"),
        ("取消", t.cancelled, "0"), ("未结束号票", t.other, "0"),
        ("平均等候（分钟）", f.wait.mean, "0.0"), ("等候中位数（分钟）", f.wait.median, "0.0"),
        ("等候 P90（分钟）", f.wait.p90, "0.0"), ("平均办理（分钟）", f.serve.mean, "0.0"),
        ("办理中位数（分钟）", f.serve.median, "0.0"), ("办理 P90（分钟）", f.serve.p90, "0.0"),
        ("受理办件", f.cases_accepted, "0"), ("其中即办件", f.immediate, "0"),
        ("即办件占比", f.immediate_share, "0.0%"), ("一次性告知", len(f.notices), "0"),
        ("不予受理", len(f.refusals), "0"), ("容缺材料待补交", f.deferred_outstanding, "0"),
        ("其中已逾期", f.deferred_overdue, "0"), ("超期办件（红牌）", len(f.overdue), "0"),
        ("2 个工作日内到期（黄牌）", len(f.due_soon), "0"), ("办结出件", f.delivered, "0"),
        ("其中跑动不超过一次", f.delivered_at_most_once, "0"), ("最多跑一次实现率", f.at_most_once_rate, "0.0%"),
        ("评价数", f.rating_count, "0"), ("满意率（含基本满意）", f.satisfied_rate, "0.0%"),
        ("差评（不满意、非常不满意）", len(f.bad_ratings), "0"),
    ]


def _shown(value: Any, fmt: str) -> str:
    if value is None:
        return "—"
    if fmt.endswith("%"):
        return percent(value)
    if fmt == "0.0":
        return minutes(value)
    return str(value)


# --------------------------------------------------------------------------- PDF

def _font() -> str:
    return register_fonts().regular


def _bar_chart(title: str, labels: Sequence[str], series: Sequence[Sequence[float]], names: Sequence[str],
               unit: str) -> Drawing:
    width, height = CONTENT_W, 62 * mm
    d = Drawing(width, height)
    font = _font()
    d.add(String(0, height - 10, title, fontName=font, fontSize=10))
    if not labels:
        d.add(String(width / 2, height / 2, "本期无数据", fontName=font, fontSize=10, textAnchor="middle"))
        return d
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 28, width - 50, height - 50
    chart.data = [list(s) for s in series]
    chart.categoryAxis.categoryNames = list(labels)
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.angle = 0 if len(labels) <= 12 else 30
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    top = max((v for s in series for v in s), default=0)
    chart.valueAxis.valueMax = max(1, top * 1.15)
    chart.barSpacing = 1
    chart.groupSpacing = 6
    for i, colour in enumerate((BLUE, ORANGE, GREEN)[:len(series)]):
        chart.bars[i].fillColor = colour
        chart.bars[i].strokeColor = None
    d.add(chart)
    d.add(String(0, height - 22, unit, fontName=font, fontSize=7.5))
    if len(names) > 1:
        legend = Legend()
        legend.fontName, legend.fontSize = font, 8
        legend.x, legend.y = width - 150, height - 6
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.colorNamePairs = list(zip((BLUE, ORANGE, GREEN), names))
        legend.deltax = 70
        d.add(legend)
    return d


def _line_chart(title: str, labels: Sequence[str], series: Sequence[Sequence[float | None]],
                names: Sequence[str]) -> Drawing:
    width, height = CONTENT_W, 60 * mm
    d = Drawing(width, height)
    font = _font()
    d.add(String(0, height - 10, title, fontName=font, fontSize=10))
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 28, width - 50, height - 52
    chart.data = [list(s) for s in series]  # None: no point that day (a holiday), the line breaks
    chart.categoryAxis.categoryNames = list(labels)
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(labels) > 10 else 0
    if len(labels) > 31:  # a long range: a label every few days
        step = len(labels) // 15 + 1
        chart.categoryAxis.categoryNames = [x if i % step == 0 else "" for i, x in enumerate(labels)]
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    top = max((v or 0 for s in series for v in s), default=0)
    chart.valueAxis.valueMax = max(1, top * 1.15)
    for i, colour in enumerate((BLUE, ORANGE, GREEN, RED)[:len(series)]):
        chart.lines[i].strokeColor = colour
        chart.lines[i].strokeWidth = 1.4
    d.add(chart)
    legend = Legend()
    legend.fontName, legend.fontSize = font, 8
    legend.x, legend.y = width - 80 * len(names), height - 6
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 80
    legend.colorNamePairs = list(zip((BLUE, ORANGE, GREEN, RED), names))
    d.add(legend)
    return d


def _wraps(c: Any) -> bool:
    # words wrap; a case number (ASCII letters and digits) stays on one line
    return isinstance(c, str) and len(c) > 10 and not c.isascii()


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[float]) -> Flowable:
    st = styles()
    small = _small_cell()
    body = [[p(h, st.head) for h in head]]
    for r in rows:
        body.append([p(str(c), small) if _wraps(c) else str(c) for c in r])
    if len(body) == 1:
        body.append(["无"] + [""] * (len(head) - 1))
    total = sum(widths)
    table = grid_table(body, [w * CONTENT_W / total for w in widths], header_rows=1, padding=2.5)
    table.setStyle([("FONTSIZE", (0, 1), (-1, -1), 8.5)])
    return table


def _small_cell() -> Any:
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle("report-cell", parent=styles().cell, fontSize=8.5, leading=11)


def _section(text: str) -> Flowable:
    from reportlab.lib.styles import ParagraphStyle

    return p(text, ParagraphStyle("report-section", parent=styles().section, keepWithNext=1))


def _capped(rows: Sequence[Any], what: str) -> tuple[Sequence[Any], list[Flowable]]:
    if len(rows) <= PDF_LIST_ROWS:
        return rows, []
    return rows[:PDF_LIST_ROWS], [p(f"（{what}共 {len(rows)} 条，此处列出前 {PDF_LIST_ROWS} 条，全部见 Excel 报表）",
                                    styles().small)]


def _stat_cells(s: Stat) -> list[str]:
    return [minutes(s.mean), minutes(s.median), minutes(s.p90)]


def _supervision_table(rows: Sequence[SupervisionRow]) -> list[Flowable]:
    shown, note = _capped(rows, "监察办件")
    table = _table(("级别", "办件编号", "事项", "窗口/人员", "承诺日期", "剩余工作日"),
                   [(("红" if r.level == "red" else "黄"), r.number, r.matter,
                     f"{r.window or ''}号 {r.clerk}" if r.window else r.clerk, r.promised_date.isoformat(),
                     r.working_days_left) for r in shown], (8, 46, 48, 22, 20, 12))
    return [table, *note]


def _figures_story(f: Figures, single_day: bool) -> list[Flowable]:
    st = styles()
    story: list[Flowable] = []
    if f.day_names:
        story.append(p("节假日与调休：" + "；".join(f.day_names), st.small))
    if f.tickets.issued == 0 and f.cases_accepted == 0:
        story.append(p("本期无取号、无受理办件。" if single_day else "本区间无取号、无受理办件。", st.body))
    elif f.tickets.issued and f.tickets.served == 0:
        story.append(p("本期号票均未办理（过号或取消），无等候与办理时间可统计。", st.body))
    rows = summary_rows(f)
    half = (len(rows) + 1) // 2
    pairs = []
    for i in range(half):
        left = rows[i]
        right = rows[i + half] if i + half < len(rows) else ("", None, "0")
        pairs.append((left[0], _shown(left[1], left[2]), right[0], _shown(right[1], right[2]) if right[0] else ""))
    story.append(KeepTogether([_section("一、总体情况"), grid_table(
        [[p(a, st.cell), b, p(c, st.cell), d] for a, b, c, d in pairs],
        [CONTENT_W * 0.32, CONTENT_W * 0.18, CONTENT_W * 0.32, CONTENT_W * 0.18], label_cols=(0, 2), padding=2.5)]))
    story.append(_section("二、等候与办理时间（分钟）"))
    story.append(_table(("分区", "取号", "办结", "过号", "取消", "等候均值", "中位", "P90", "办理均值", "中位", "P90"),
                        [(z.name, z.tickets.issued, z.tickets.served, z.tickets.no_show, z.tickets.cancelled,
                          *_stat_cells(z.wait), *_stat_cells(z.serve)) for z in f.by_zone],
                        (16, 9, 9, 9, 9, 10, 9, 9, 10, 9, 9)))
    story.append(Spacer(1, 3 * mm))
    hours = [f"{h.hour:02d}时" for h in f.by_hour]
    story.append(_bar_chart("各时段等候时间", hours, [[h.wait.mean or 0 for h in f.by_hour],
                                                   [h.wait.p90 or 0 for h in f.by_hour]], ("平均", "P90"), "分钟"))
    story.append(_table(("时段", "取号", "等候均值", "中位", "P90", "办理均值", "中位", "P90"),
                        [(f"{h.hour:02d}:00–{h.hour:02d}:59", h.issued, *_stat_cells(h.wait), *_stat_cells(h.serve))
                         for h in f.by_hour], (18, 9, 10, 9, 9, 10, 9, 9)))
    story.append(_section("三、受理办件"))
    story.append(_bar_chart("各分区受理办件", [z.name for z in f.by_zone], [[z.cases_accepted for z in f.by_zone]],
                            ("受理",), "件"))
    story.append(p(f"受理 {f.cases_accepted} 件，其中即办件 {f.immediate} 件（{percent(f.immediate_share)}）。"
                   "按事项统计时一件事的各事项分别计数。", st.small))
    story.append(_table(("序号", "事项（前 20）", "部门", "件数"),
                        [(i, r.label, r.extra, r.count) for i, r in enumerate(f.by_matter, 1)], (7, 56, 30, 9)))
    story.append(Spacer(1, 2 * mm))
    story.append(_table(("窗口", "受理件数"), [(r.label, r.count) for r in f.by_window], (50, 50)))
    story.append(Spacer(1, 2 * mm))
    story.append(_table(("工作人员", "受理件数"), [(r.label, r.count) for r in f.by_clerk], (50, 50)))
    story.append(_section("四、一次性告知与不予受理"))
    for title, rows_ in (("一次性告知", f.notices), ("不予受理", f.refusals)):
        shown, note = _capped(rows_, title)
        story.append(p(f"{title} {len(rows_)} 件", st.emphasis))
        story.append(_table(("办件编号", "事项", "时间", "窗口/人员", "缺少材料或理由"),
                            [(r.number, r.matter, f"{r.at:%m-%d %H:%M}", f"{r.window or ''}号 {r.clerk}",
                              r.reason) for r in shown], (44, 32, 18, 18, 40)))
        story.extend(note)
    story.append(_section("五、容缺受理材料"))
    story.append(p(f"待补交 {f.deferred_outstanding} 项，其中已逾期 {f.deferred_overdue} 项。", st.body))
    shown, note = _capped(f.deferred, "容缺材料")
    story.append(_table(("办件编号", "事项", "材料", "补交期限", "状态"),
                        [(r.number, r.matter, r.material, r.due_date.isoformat(), "逾期" if r.overdue else "待补交")
                         for r in shown], (44, 30, 40, 18, 12)))
    story.extend(note)
    story.append(_section("六、电子监察（超期与临期办件）"))
    story.append(p(f"红牌（已超过承诺办结日期）{len(f.overdue)} 件；黄牌（2 个工作日内到期）{len(f.due_soon)} 件。"
                   "以期末时点未办结的事项办件计。", st.body))
    story.extend(_supervision_table(f.overdue + f.due_soon))
    story.append(_section("七、最多跑一次与群众评价"))
    story.append(p(f"办结出件 {f.delivered} 件，跑动不超过一次 {f.delivered_at_most_once} 件，"
                   f"最多跑一次实现率 {percent(f.at_most_once_rate)}。评价 {f.rating_count} 条，"
                   f"满意率 {percent(f.satisfied_rate)}。", st.body))
    story.append(_table(("评价等级", "条数"), [(r.label, r.count) for r in f.ratings], (50, 50)))
    story.append(Spacer(1, 2 * mm))
    shown, note = _capped(f.bad_ratings, "差评")
    story.append(p(f"不满意、非常不满意 {len(f.bad_ratings)} 条（逐条列出）", st.emphasis))
    story.append(_table(("办件编号", "等级", "原因", "意见", "时间", "窗口/人员"),
                        [(r.number or "—", r.level_label, r.reasons or "—", r.text or "—", f"{r.at:%m-%d %H:%M}",
                          f"{r.window or ''}号 {r.clerk}" if r.window else r.clerk) for r in shown],
                        (42, 16, 20, 36, 19, 18)))
    story.extend(note)
    return story


def daily_pdf(report: DailyReport, hall: HallInfo) -> bytes:
    """日报 as A4 PDF bytes."""
    day = report.day
    head = DocHeader(title="大厅运行日报", number=day.isoformat(), hall=hall, date=day, number_label="统计日期")
    st = styles()
    kind = "工作日" if report.is_workday else "休息日"
    story: list[Flowable] = [p(f"统计日期：{cn_date(day)}（{kind}{'，' + report.day_name if report.day_name else ''}）"
                               f"　生成时间：{dt.datetime.now():%Y-%m-%d %H:%M}", st.small)]
    story += _figures_story(report.figures, True)
    return build_pdf(head, story)


def range_pdf(report: RangeReport, hall: HallInfo) -> bytes:
    """周报/月报/区间报告 as A4 PDF bytes: the figures, trend lines, the day-by-day and per-clerk tables."""
    title = range_title(report.start, report.end)
    head = DocHeader(title=title, number=f"{report.start.isoformat()} 至 {report.end.isoformat()}", hall=hall,
                     date=report.end, number_label="统计区间")
    st = styles()
    f = report.figures
    labels = [f"{d.day:%m-%d}" for d in report.series]
    story: list[Flowable] = [p(f"统计区间：{cn_date(report.start)} 至 {cn_date(report.end)}，"
                               f"共 {len(report.series)} 天，其中工作日 {f.workdays} 天", st.small)]
    story.append(_section("趋势"))
    story.append(_line_chart("每日取号、办结与受理", labels,
                             [[d.issued for d in report.series], [d.served for d in report.series],
                              [d.accepted for d in report.series]], ("取号", "办结号票", "受理办件")))
    story.append(_line_chart("每日平均等候（分钟）", labels, [[d.mean_wait for d in report.series]], ("平均等候",)))
    story.append(_line_chart("最多跑一次实现率与满意率（%）", labels,
                             [[(d.at_most_once_rate or 0) * 100 if d.at_most_once_rate is not None else None
                               for d in report.series],
                              [(d.satisfied_rate or 0) * 100 if d.satisfied_rate is not None else None
                               for d in report.series]], ("最多跑一次", "满意率")))
    story += _figures_story(f, False)
    story.append(_section("八、逐日统计"))
    story.append(_table(("日期", "工作日", "取号", "办结", "过号", "平均等候", "受理", "出件", "跑一次率", "评价", "满意率"),
                        [(d.day.isoformat(), "是" if d.is_workday else "否", d.issued, d.served, d.no_show,
                          minutes(d.mean_wait), d.accepted, d.delivered, percent(d.at_most_once_rate), d.ratings,
                          percent(d.satisfied_rate)) for d in report.series],
                        (18, 8, 8, 8, 8, 10, 8, 8, 10, 8, 10)))
    story.append(_section("九、工作人员统计"))
    story.append(KeepTogether([_table(("工作人员", "受理", "即办", "一次性告知", "不予受理", "评价", "平均等级", "差评"),
                                      [(c.clerk, c.accepted, c.immediate, c.notices, c.refusals, c.ratings,
                                        "—" if c.mean_level is None else f"{c.mean_level:.2f}", c.bad_ratings)
                                       for c in report.per_clerk], (20, 10, 10, 14, 12, 10, 12, 10))]))
    return build_pdf(head, story)


# --------------------------------------------------------------------------- Excel

def _sheet(wb: Any, title: str, head: Sequence[str], rows: Iterable[Sequence[Any]],
           formats: dict[int, str] | None = None, widths: Sequence[int] = ()) -> Any:
    from openpyxl.styles import Font, PatternFill

    ws = wb.create_sheet(title)
    ws.append(list(head))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEEEEE")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    for r in rows:
        ws.append(list(r))
    if formats:
        for col, fmt in formats.items():
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = fmt
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = w
    ws.freeze_panes = "A2"
    return ws


def _figures_sheets(wb: Any, f: Figures) -> None:
    summary = summary_rows(f)
    ws = _sheet(wb, "概况", ("指标", "数值"), [(label, value) for label, value, _ in summary], widths=(30, 14))
    for row, (_, _, fmt) in enumerate(summary, start=2):
        ws.cell(row, 2).number_format = fmt
    mins = {i: "0.00" for i in range(6, 12)}
    _sheet(wb, "分区", ("分区代码", "分区", "取号", "办结", "过号", "等候均值", "等候中位", "等候P90", "办理均值",
                      "办理中位", "办理P90", "取消", "受理办件"),
           [(z.code, z.name, z.tickets.issued, z.tickets.served, z.tickets.no_show, z.wait.mean, z.wait.median,
             z.wait.p90, z.serve.mean, z.serve.median, z.serve.p90, z.tickets.cancelled, z.cases_accepted)
            for z in f.by_zone], mins, (10, 12))
    _sheet(wb, "时段", ("时（起）", "取号", "等候人数", "等候均值", "等候中位", "等候P90", "办理均值", "办理中位", "办理P90"),
           [(h.hour, h.issued, h.wait.count, h.wait.mean, h.wait.median, h.wait.p90, h.serve.mean, h.serve.median,
             h.serve.p90) for h in f.by_hour], {i: "0.00" for i in range(4, 10)})
    _sheet(wb, "事项前20", ("事项编码", "事项", "部门", "件数"),
           [(r.key, r.label, r.extra, r.count) for r in f.by_matter], widths=(18, 40, 28, 8))
    _sheet(wb, "窗口", ("窗口号", "受理件数"), [(int(r.key), r.count) for r in f.by_window])
    _sheet(wb, "工作人员", ("用户名", "姓名", "受理件数"), [(r.key, r.label, r.count) for r in f.by_clerk])
    _sheet(wb, "告知与不予受理", ("类别", "办件编号", "事项", "时间", "窗口", "工作人员", "缺少材料或理由"),
           [("一次性告知", r.number, r.matter, r.at, r.window, r.clerk, r.reason) for r in f.notices]
           + [("不予受理", r.number, r.matter, r.at, r.window, r.clerk, r.reason) for r in f.refusals],
           {4: "yyyy-mm-dd hh:mm"}, (12, 26, 30, 17, 6, 10, 40))
    _sheet(wb, "容缺材料", ("办件编号", "事项", "材料", "补交期限", "已逾期"),
           [(r.number, r.matter, r.material, r.due_date, r.overdue) for r in f.deferred], {4: "yyyy-mm-dd"},
           (26, 30, 40, 12, 8))
    supervision_sheet(wb, f.overdue + f.due_soon)
    _sheet(wb, "评价", ("等级", "等级名称", "条数"), [(int(r.key), r.label, r.count) for r in f.ratings])
    _sheet(wb, "差评", ("办件编号", "等级", "等级名称", "原因", "意见", "时间", "窗口", "工作人员"),
           [(r.number, r.level, r.level_label, r.reasons, r.text, r.at, r.window, r.clerk) for r in f.bad_ratings],
           {6: "yyyy-mm-dd hh:mm"}, (26, 6, 10, 16, 30, 17, 6, 10))


def supervision_sheet(wb: Any, rows: Sequence[SupervisionRow], title: str = "电子监察") -> Any:
    return _sheet(wb, title, ("级别", "办件编号", "事项", "部门", "窗口", "工作人员", "受理时间", "承诺办结日期",
                              "剩余工作日", "状态"),
                  [(r.level_label, r.number, r.matter, r.department, r.window, r.clerk, r.accepted_at, r.promised_date,
                    r.working_days_left, r.state_label) for r in rows],
                  {7: "yyyy-mm-dd hh:mm", 8: "yyyy-mm-dd"}, (14, 26, 30, 24, 6, 10, 17, 12, 10, 10))


def _workbook() -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _bytes(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def daily_xlsx(report: DailyReport) -> bytes:
    wb = _workbook()
    _figures_sheets(wb, report.figures)
    ws = wb["概况"]
    ws.insert_rows(1, 2)
    ws["A1"], ws["B1"] = "统计日期", report.day
    ws["B1"].number_format = "yyyy-mm-dd"
    ws["A2"], ws["B2"] = "工作日", report.is_workday
    wb.properties.title = f"{report.figures.hall_name} 日报 {report.day.isoformat()}"
    return _bytes(wb)


def range_xlsx(report: RangeReport) -> bytes:
    wb = _workbook()
    _figures_sheets(wb, report.figures)
    ws = wb["概况"]
    ws.insert_rows(1, 2)
    ws["A1"], ws["B1"] = "开始日期", report.start
    ws["A2"], ws["B2"] = "结束日期", report.end
    ws["B1"].number_format = ws["B2"].number_format = "yyyy-mm-dd"
    _sheet(wb, "逐日", ("日期", "工作日", "取号", "办结号票", "过号", "平均等候", "受理办件", "办结出件", "最多跑一次实现率",
                      "评价数", "满意率"),
           [(d.day, d.is_workday, d.issued, d.served, d.no_show, d.mean_wait, d.accepted, d.delivered,
             d.at_most_once_rate, d.ratings, d.satisfied_rate) for d in report.series],
           {1: "yyyy-mm-dd", 6: "0.00", 9: "0.0%", 11: "0.0%"}, (12,))
    _sheet(wb, "人员统计", ("工作人员", "受理", "即办", "一次性告知", "不予受理", "评价数", "平均等级", "差评"),
           [(c.clerk, c.accepted, c.immediate, c.notices, c.refusals, c.ratings, c.mean_level, c.bad_ratings)
            for c in report.per_clerk], {7: "0.00"}, (12,))
    wb.properties.title = f"{report.figures.hall_name} {range_title(report.start, report.end)}"
    return _bytes(wb)


def supervision_xlsx(rows: Sequence[SupervisionRow]) -> bytes:
    """The supervision list alone, for the manager's export button."""
    wb = _workbook()
    supervision_sheet(wb, rows)
    return _bytes(wb)
