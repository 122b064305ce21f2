"""``clerk validate id|uscc|phone`` and ``clerk calendar import|add-days``.

One rule: handlers only parse arguments and print; the checks live in ``clerk.validation`` and
``clerk.calendar``, whose ``ValidationError`` the ``clerk`` entry point turns into one
"错误：… (…)" line and exit status 1.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from typing import Any

from .errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="校验证件号码 check ID numbers, credit codes, phones")
    vsub = p.add_subparsers(dest="validate_command", metavar="KIND")
    for name, handler, helptext in (
        ("id", _validate_id, "身份证/居住证/永居证号码 ID number"),
        ("uscc", _validate_uscc, "统一社会信用代码 unified social credit code"),
        ("phone", _validate_phone, "手机或固定电话 mobile or landline"),
    ):
        cmd = vsub.add_parser(name, help=helptext)
        cmd.add_argument("value", metavar=name.upper())
        cmd.add_argument("--json", action="store_true", help="JSON 输出")
        cmd.set_defaults(handler=handler)

    c = sub.add_parser("calendar", help="工作日日历 working-day calendar")
    csub = c.add_subparsers(dest="calendar_command", metavar="CALENDAR_COMMAND")
    imp = csub.add_parser("import", help="导入节假日安排 import a CSV/JSON holiday file")
    imp.add_argument("file")
    imp.set_defaults(handler=_calendar_import)
    add = csub.add_parser("add-days", help="计算承诺办结日 the N-th working day after DATE")
    add.add_argument("date", help="YYYY-MM-DD")
    add.add_argument("n", type=int)
    add.add_argument("--json", action="store_true", help="JSON 输出")
    add.set_defaults(handler=_calendar_add_days)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def _validate_id(args: argparse.Namespace) -> int:
    from .validation import validate_id_number

    info = validate_id_number(args.value)
    if args.json:
        _print_json({**dataclasses.asdict(info), "card_label": info.card_label, "age": info.age()})
        return 0
    print(f"有效 valid: {info.number}（{info.card_label}）")
    print(f"出生日期 {info.birth_date.isoformat()}  性别 {info.sex}  年龄 {info.age()}")
    print(f"签发地 {info.division_code} {info.division_name}")
    for note in info.notes:
        print(f"注：{note}")
    return 0


def _validate_uscc(args: argparse.Namespace) -> int:
    from .validation import validate_uscc

    info = validate_uscc(args.value)
    if args.json:
        _print_json(dataclasses.asdict(info))
        return 0
    print(f"有效 valid: {info.code}")
    print(f"登记管理部门 {info.registration_dept}  机构类别 {info.org_type}")
    print(f"登记地 {info.division_code} {info.division_name or '（代码表中无此行政区划）'}")
    return 0


def _validate_phone(args: argparse.Namespace) -> int:
    from .validation import validate_phone

    number = validate_phone(args.value)
    if args.json:
        _print_json({"number": number, "kind": "mobile" if number.startswith("1") else "landline"})
    else:
        print(number)
    return 0


def _calendar_import(args: argparse.Namespace) -> int:
    from .calendar import import_calendar_file
    from .commands import open_db

    from .commands import acting

    db = open_db(args)
    try:
        who = acting(args, db, "calendar.change")
        with db.uow() as s:
            result = import_calendar_file(s, args.file, **who)
    finally:
        db.dispose()
    years = "、".join(str(y) for y in result.years)
    print(f"已导入 {years} 年节假日安排，共 {result.days} 天 imported {result.days} day(s) for {years}")
    return 0


def _calendar_add_days(args: argparse.Namespace) -> int:
    from .calendar import WorkCalendar
    from .commands import open_db

    try:
        start = dt.date.fromisoformat(args.date)
    except ValueError:
        raise ValidationError(f"日期无效：{args.date}（格式 YYYY-MM-DD）", f"invalid date: {args.date}") from None
    db = open_db(args)
    try:
        with db.uow() as s:
            cal = WorkCalendar.load(s)
    finally:
        db.dispose()
    due = cal.add_working_days(start, args.n)
    if args.json:
        _print_json({"start": start.isoformat(), "working_days": args.n, "date": due.date.isoformat(),
                     "warnings": list(due.warnings)})
        return 0
    print(due.date.isoformat())
    for warning in due.warnings:
        print(f"警告：{warning}", file=sys.stderr)
    return 0
