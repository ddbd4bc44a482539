"""Which problems can a piece of gannan's code end in?  Read from its source.

The OpenAPI document lists, for every operation, the error codes it can answer with
(``gannan.platform.apidoc``).  Rather than a list kept by hand next to each view,
which would drift, the list is read from the code the operation runs: the view, its
access rule and every gannan function they reach.  A problem is a ``(status, code)``
pair, found where it is made:

- ``SomeProblem(..., code=XErrorCode.MEMBER, status=...)`` (a :class:`ProblemError`
  subclass; without ``code``/``status`` the class's own);
- ``problem_response(status, XErrorCode.MEMBER, ...)``;
- reading the request body (``request.get_json()``, ``.get_data()`` …) may answer
  413 ``payload_too_large``.

Calls are followed through names the function's module or closure binds (functions,
module attributes, class attributes, and functions held in a dict, list or tuple, as
dispatch tables are); calls on objects (``order.foo()``) are not.  A function whose
errors are those of other callables says so with a ``raises_like`` attribute (see
``platform.auth.any_of``); a guard no operation calls by name (an ORM listener)
is marked with :func:`guard`.  The result may be a superset of what happens (a branch
never taken for this operation still counts) but should not miss a code: the test
suite checks every problem it meets against the document.
"""

from __future__ import annotations

import ast
import builtins
import enum
import inspect
import types
from collections.abc import Callable, Iterable
from typing import Any

from flask import request

from gannan.platform.errors import (
    ErrorCodeEnum,
    PlatformErrorCode,
    ProblemError,
    problem_response,
)

Problem = tuple[int, ErrorCodeEnum]

_BODY_READERS = {"get_json", "get_data", "json", "data", "form", "files", "stream", "values"}
_MISSING = object()
_memo: dict[Callable[..., Any], frozenset[Problem]] = {}
Function = ast.FunctionDef | ast.AsyncFunctionDef
_trees: dict[types.CodeType, Function | None] = {}
_modules: dict[str, dict[tuple[int, str], Function]] = {}


#: Functions no operation calls by name that still end in a problem: ORM guards that
#: refuse a write (the append-only ledger, certified reports).  Marked with @guard.
GUARDS: list[Callable[..., Any]] = []


def guard(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a guard, so the document's catalogue lists the codes it raises."""
    GUARDS.append(func)
    return func


def problems(*callables: Callable[..., Any]) -> frozenset[Problem]:
    """Every ``(status, code)`` the callables can end in, through what they call."""
    reading = _Reading()
    return frozenset().union(*(reading.problems(item) for item in callables))


def _function(obj: Any) -> types.FunctionType | None:
    """The plain function behind ``obj`` (decorators unwrapped), if it is gannan's."""
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    if inspect.ismethod(obj):
        obj = obj.__func__
    if not inspect.isfunction(obj):
        return None
    obj = inspect.unwrap(obj)
    module = getattr(obj, "__module__", None) or ""
    return obj if module.split(".")[0] == "gannan" else None


class _Reading:
    """One reading through the call graph.  A function met again while it is still being
    read (a recursion) adds nothing the second time; the functions read meanwhile have
    a partial result, which is used but not remembered."""

    def __init__(self) -> None:
        self.open: set[types.FunctionType] = set()
        self.cut = False

    def problems(self, obj: Any) -> frozenset[Problem]:
        if not issubclass(type(obj), _FUNCTION_TYPES):
            return frozenset()
        like = getattr(obj, "raises_like", None)
        if like is not None:
            return frozenset().union(*(self.problems(other) for other in like))
        func = _function(obj)
        if func is None:
            return frozenset()
        if func in _memo:
            return _memo[func]
        if func in self.open:
            self.cut = True
            return frozenset()
        outer_cut, self.cut = self.cut, False
        self.open.add(func)
        found = frozenset(_read(func, self))
        self.open.discard(func)
        if not self.cut:
            _memo[func] = found
        self.cut = self.cut or outer_cut
        return found


def _tree(func: types.FunctionType) -> Function | None:
    """The function's definition, from its module's syntax tree (parsed once)."""
    code = func.__code__
    if code not in _trees:
        definitions = _definitions(code.co_filename)
        _trees[code] = definitions.get((code.co_firstlineno, code.co_name))
    return _trees[code]


def _definitions(filename: str) -> dict[tuple[int, str], Function]:
    """Every function definition of a source file, by (first line, name) as its code
    object reports them (the first decorator's line, for a decorated function)."""
    if filename not in _modules:
        try:
            with open(filename, encoding="utf-8") as source:
                tree = ast.parse(source.read(), filename)
        except (OSError, SyntaxError):
            tree = ast.Module(body=[], type_ignores=[])
        _modules[filename] = {
            (min([n.lineno, *(d.lineno for d in n.decorator_list)]), n.name): n
            for n in _statements(tree.body) if isinstance(n, Function)
        }
    return _modules[filename]


def _statements(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Every statement, nested ones included, without walking into expressions."""
    for statement in body:
        yield statement
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(statement, name, None)
            if isinstance(inner, list):
                yield from _statements(inner)


def _read(func: types.FunctionType, reading: _Reading) -> set[Problem]:
    tree = _tree(func)
    if tree is None:
        return set()
    local = {a.arg for a in ast.walk(tree.args) if isinstance(a, ast.arg)}
    calls, raises, loads = [], [], []
    for node in ast.walk(ast.Module(body=tree.body, type_ignores=[])):
        if isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, ast.Raise) and node.exc is not None:
            raises.append(node.exc)
        elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
            loads.append(node)
        local.update(_bound(node))
    resolve = _resolver(func, local)
    found: set[Problem] = set()
    for call in calls:
        found |= _made(call, resolve)
    for exc in raises:  # ``raise NotFound`` without a call
        target = resolve(exc)
        if _is_problem_class(target):
            found.add((target.status, target.code))
    for node in loads:
        target = resolve(node)
        if target is _BODY:  # and a JSON body goes through platform.jsonbody's reader
            found.update({(413, PlatformErrorCode.PAYLOAD_TOO_LARGE),
                          (400, PlatformErrorCode.JSON_TOO_DEEP),
                          (400, PlatformErrorCode.NUMBER_TOO_LONG)})
        for callee in _callees(target):
            found |= reading.problems(callee)
    return found


def _made(call: ast.Call, resolve: Callable[[ast.AST], Any]) -> set[Problem]:
    """The problem a call makes, if it builds a ProblemError or a problem response."""
    target = resolve(call.func)
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    if _is_problem_class(target):
        code = resolve(keywords["code"]) if "code" in keywords else target.code
        status = _constant(keywords.get("status")) or target.status
    elif target is problem_response and len(call.args) >= 2:
        status, code = _constant(call.args[0]), resolve(call.args[1])
    else:
        return set()
    return {(status, code)} if issubclass(type(code), ErrorCodeEnum) and status else set()


def _constant(node: ast.AST | None) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def _is_problem_class(obj: Any) -> bool:
    return issubclass(type(obj), type) and issubclass(obj, ProblemError)


_FUNCTION_TYPES = (types.FunctionType, types.MethodType, classmethod, staticmethod)


def _callees(obj: Any) -> Iterable[Any]:
    # type(), not isinstance(): a werkzeug proxy (current_app, g) answers isinstance by
    # looking up its object, which needs an app context.
    kind = type(obj)
    if issubclass(kind, dict):
        return [v for v in obj.values() if issubclass(type(v), _FUNCTION_TYPES)]
    if issubclass(kind, (list, tuple, set, frozenset)):
        return [v for v in obj if issubclass(type(v), _FUNCTION_TYPES)]
    return [obj] if issubclass(kind, _FUNCTION_TYPES) else []


class _RequestBody:
    """Stands for ``request.get_json`` and the like: reading the body."""


_BODY = _RequestBody()


def _resolver(func: types.FunctionType, local: set[str]) -> Callable[[ast.AST], Any]:
    """Resolve a name or dotted name of ``func``'s body to the object it means there."""
    closure: dict[str, Any] = {}
    for name, cell in zip(func.__code__.co_freevars, func.__closure__ or ()):
        try:
            closure[name] = cell.cell_contents
        except ValueError:  # an empty cell
            pass

    def resolve(node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            if node.id in local:
                return _MISSING
            if node.id in closure:
                return closure[node.id]
            return func.__globals__.get(node.id, getattr(builtins, node.id, _MISSING))
        if isinstance(node, ast.Attribute):
            base = resolve(node.value)
            if base is request:
                return _BODY if node.attr in _BODY_READERS else _MISSING
            kind = type(base)
            if issubclass(kind, enum.EnumMeta):
                return base.__members__.get(node.attr, _MISSING)
            if issubclass(kind, (types.ModuleType, type)):
                # Statically: a class attribute may be a descriptor that needs an app.
                try:
                    return inspect.getattr_static(base, node.attr)
                except AttributeError:
                    return _MISSING
        return _MISSING

    return resolve


def _bound(node: ast.AST) -> list[str]:
    """Names a node binds inside a function (assignments, loops, imports, handlers)."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        return [node.id]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    return []
