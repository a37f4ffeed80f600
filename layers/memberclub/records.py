"""The club's records: typed data that is checked where it enters, as msgspec Structs.

A club, its rules, a member, a coupon, an order and the events on the bus are ``Record``
classes. They are read from storage, from an event or from a request with ``parse``, which
checks every constraint of the class (``Annotated[int, Meta(ge=1)]``, a pattern, a
``Literal``) and runs its ``__post_init__``; ``to_data`` turns one back into JSON-ready
dicts, and ``replace`` makes a changed copy. Building one in code (``Club(club_id=…)``)
checks nothing: code that builds one from outside data calls ``parse`` or ``checked``.

Why not pydantic, which the HTTP apps use for their request bodies: every event function
reads a club and a member, and ``import pydantic`` and its first model cost 0.47× of an
``import boto3`` at each cold start, more than the rest of such a function; ``import msgspec``
and a first record cost 0.02× (``make bench``, "cold import", beside its floors).

``parse`` reports every field that is wrong, by dotted path (``"stamps.reward_at"``), in the
words of docs/api.md's ``fields``: the owner's settings form shows each field's error. A
``__post_init__`` that refuses one field names it first: ``ValueError("name: must not be blank")``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Annotated, Any, Self, Union, get_args, get_origin

import msgspec
from msgspec import Meta, Struct, field

__all__ = ["AMOUNT_PATTERN", "Amount", "Meta", "Record", "RecordInvalid", "field", "field_names"]

# A non-negative decimal string such as "249.00" or "249" (normalised to two decimals by the
# record that holds it, ``money.to_decimal_string``): money in settings and on the API.
AMOUNT_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"
Amount = Annotated[str, Meta(pattern=AMOUNT_PATTERN)]


class RecordInvalid(ValueError):
    """Data that does not make the record: ``fields`` is each wrong field's dotted path → what
    is wrong with it (``"body"`` for the whole)."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{path}: {problem}" for path, problem in fields.items()))
        self.fields = fields


class Record(Struct, kw_only=True):
    """A record: keyword fields, checked by ``parse``, compared field by field.

    msgspec applies ``kw_only`` to the fields a class itself defines, so every record class
    says ``kw_only=True``: a required field may then follow one with a default."""

    @classmethod
    def parse(cls, data: Any) -> Self:
        """The record that ``data`` (dicts, lists and plain values) describes, or
        ``RecordInvalid``. Numbers and booleans written as text are read as such, as a form
        sends them."""
        try:
            return msgspec.convert(data, cls, strict=False)
        except msgspec.ValidationError as error:
            raise RecordInvalid(_problems(cls, data, "", error)) from None

    def checked(self) -> Self:
        """This record, its constraints checked (one built in code from outside data)."""
        return type(self).parse(msgspec.to_builtins(self))

    def to_data(self, *, drop_none: bool = False, drop_defaults: bool = False,
                leave_out: Collection[str] = ()) -> dict[str, Any]:
        """As JSON-ready dicts and lists; ``drop_none`` leaves out fields (nested ones too)
        that are None, ``drop_defaults`` those that hold their default (what a stored item
        need not repeat), and ``leave_out`` the fields named."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        defaults = _defaults(type(self)) if drop_defaults else {}
        data = {name: value for name, value in data.items()
                if name not in leave_out and (name not in defaults or value != defaults[name])}
        return _without_none(data) if drop_none else data

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (not checked: the caller's values are the record's types)."""
        return msgspec.structs.replace(self, **changes)


def field_names(record: type[Record]) -> tuple[str, ...]:
    """The record's fields, in order (``ClubSettings``' sections, a stored club's own fields)."""
    return record.__struct_fields__


_DEFAULTS: dict[type[Record], dict[str, Any]] = {}


def _defaults(record: type[Record]) -> dict[str, Any]:
    """Each field's default as ``to_data`` writes it (fields without one are not there)."""
    if record not in _DEFAULTS:
        defaults = {}
        for info in msgspec.structs.fields(record):
            if info.default is not msgspec.NODEFAULT:
                defaults[info.encode_name] = msgspec.to_builtins(info.default)
            elif info.default_factory is not msgspec.NODEFAULT:
                defaults[info.encode_name] = msgspec.to_builtins(info.default_factory())
        _DEFAULTS[record] = defaults
    return _DEFAULTS[record]


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


# --- every problem of the data, not only msgspec's first ---------------------------------

def _problems(kind: Any, data: Any, path: str, error: msgspec.ValidationError) -> dict[str, str]:
    """Each wrong field under ``path``: the parts of a record or dict are checked one by one,
    so that two wrong settings are both reported; ``error`` is the whole's first problem."""
    struct = _struct_of(kind)
    if struct is not None and isinstance(data, dict):
        problems = _struct_problems(struct, data, path)
        if problems:
            return problems
    elif get_origin(_plain(kind)) is dict and isinstance(data, dict):
        key_kind, value_kind = get_args(_plain(kind))
        problems = {}
        for key, value in data.items():
            for part, part_kind in ((key, key_kind), (value, value_kind)):
                problem = _first_problem(part_kind, part)
                if problem is not None:
                    problems.update(_problems(part_kind, part, _join(path, str(key)), problem))
                    break
        if problems:
            return problems
    elif get_origin(_plain(kind)) is list and isinstance(data, list):
        (item_kind,) = get_args(_plain(kind))
        problems = {}
        for index, item in enumerate(data):
            problem = _first_problem(item_kind, item)
            if problem is not None:
                problems.update(_problems(item_kind, item, _join(path, str(index)), problem))
        if problems:
            return problems
    where, words = _join(path, _where(error)), _in_words(error)
    named = _NAMED.match(words)  # a __post_init__ that names its field: "name: must not be blank"
    if named:
        where, words = _join(where, named["field"]), named["words"]
    return {where or "body": words}


def _struct_problems(struct: type[Struct], data: dict[str, Any], path: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    fields = {info.encode_name: info for info in msgspec.structs.fields(struct)}
    if struct.__struct_config__.forbid_unknown_fields:
        for name in data:
            if name not in fields:
                problems[_join(path, str(name))] = "is not a known field"
    for name, info in fields.items():
        if name not in data:
            if info.required:
                problems[_join(path, name)] = "is required"
            continue
        problem = _first_problem(info.type, data[name])
        if problem is not None:
            problems.update(_problems(info.type, data[name], _join(path, name), problem))
    return problems


def _first_problem(kind: Any, data: Any) -> msgspec.ValidationError | None:
    try:
        msgspec.convert(data, kind, strict=False)
    except msgspec.ValidationError as error:
        return error
    return None


def _plain(kind: Any) -> Any:
    """``kind`` without ``Annotated`` and without ``| None``."""
    if get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    if get_origin(kind) is Union or type(kind).__name__ == "UnionType":
        others = [arg for arg in get_args(kind) if arg is not type(None)]
        if len(others) == 1:
            return _plain(others[0])
    return kind


def _struct_of(kind: Any) -> type[Struct] | None:
    plain = _plain(kind)
    return plain if isinstance(plain, type) and issubclass(plain, Struct) else None


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path and part else path or part


_NAMED = re.compile(r"^(?P<field>[a-z_]+): (?P<words>.+)$", re.DOTALL)
_AT = re.compile(r" - at `(?P<where>[^`]*)`$")


def _where(error: msgspec.ValidationError) -> str:
    """msgspec's ``$.stamps.reward_at`` / ``$.levels[1]`` as ``stamps.reward_at`` / ``levels.1``."""
    found = _AT.search(str(error))
    if found is None:
        missing = re.search(r"(?:missing required|unknown) field `([^`]*)`", str(error))
        return missing.group(1) if missing else ""
    where = found["where"]
    if where.startswith("key` in `"):
        where = where.removeprefix("key` in `")
    where = where.removeprefix("$").replace("[...]", "").replace("[", ".").replace("]", "")
    return where.lstrip(".")


# msgspec's words → the owner's (anything else is shown as msgspec says it).
_WORDS: tuple[tuple[re.Pattern[str], Any], ...] = tuple((re.compile(pattern), words) for pattern, words in (
    (r"^Expected `int` >= (-?\d+)", lambda m: f"must be {m[1]} or more"),
    (r"^Expected `int` <= (-?\d+)", lambda m: f"must be {m[1]} or less"),
    (r"^Expected `str` of length >= (\d+)", lambda m: "must not be empty" if m[1] == "1" else
     f"must have at least {m[1]} characters"),
    (r"^Expected `str` of length <= (\d+)", lambda m: f"must have at most {m[1]} characters"),
    (r"^Expected `(?:array|object)` of length <= (\d+)", lambda m: f"may have at most {m[1]} entries"),
    (r"^Expected `str` matching regex " + re.escape(repr(AMOUNT_PATTERN)),
     lambda m: "must be an amount like \"249.00\", not negative"),
    (r"^Expected `str` matching regex", lambda m: "is not in the expected form"),
    (r"^Expected `int`, got", lambda m: "must be a whole number"),
    (r"^Expected `bool`, got", lambda m: "must be true or false"),
    (r"^Expected `str`, got", lambda m: "must be text"),
    (r"^Expected `object`, got", lambda m: "must be an object"),
    (r"^Expected `array`, got", lambda m: "must be a list"),
    (r"^Invalid enum value ('[^']*'|\S+)", lambda m: f"{m[1]} is not one of the choices"),
    (r"^Object missing required field", lambda m: "is required"),
    (r"^Object contains unknown field", lambda m: "is not a known field"),
))


def _in_words(error: msgspec.ValidationError) -> str:
    message = _AT.sub("", str(error))
    for pattern, words in _WORDS:
        found = pattern.search(message)
        if found:
            return str(words(found))
    return message

