"""Rules run in a forked worker process, bounded in time and memory.

Neither CEL library can be interrupted inside one evaluation: cel-cpp runs
a `replace` over ten megabytes in C++ without returning to Python, and
cel-python has no cancellation either. So, as OPA cancels an evaluation
from outside, the engine runs the rules in a child process (`os.fork`, so
the compiled programs and the bound stack are inherited, not copied) whose
address space is limited (`RLIMIT_AS`): an allocation past the memory budget
fails there (MemoryError, std::bad_alloc), and a rule that outlives its time
budget is killed. Either way that rule gets one located error naming it, and
a new worker carries on with the next rule, so every other rule's findings
are kept.

The child sends each rule's result as soon as it has it; the parent counts a
rule's time from the previous result. Where `fork` is not available (or not
safe: macOS, Windows) the rules run in-process with only the cooperative
budgets (the per-component deadline and the iteration budget).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import select
import signal
import struct
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from stackpolicy.errors import PolicyError, StackpolicyError
from stackpolicy.rules.base import Checked, Rule

ContextT = TypeVar("ContextT")

GRACE = 0.5
"""Seconds past the time budget before the worker is killed, so the
cooperative budget (which names how far the rule got) speaks first when it can."""

_HEADER = struct.Struct("!Q")


def available() -> bool:
    """Whether rules can run in a bounded worker here."""
    return sys.platform == "linux" and hasattr(os, "fork")


class WorkerBug(RuntimeError):
    """A bug inside the worker (exit 3), with the worker's traceback."""


@dataclass(frozen=True)
class Budgets:
    seconds: float
    """How long one rule may run."""
    memory_bytes: int
    """How much address space the worker may add to what it inherits."""


def run_checks(
    rules: Sequence[Rule[ContextT]],
    context: ContextT,
    budgets: Budgets,
    run_one: Callable[[Rule[ContextT], ContextT], Checked],
) -> list[Checked]:
    """Each rule's result, in order; a rule that runs out of time or memory
    gets a PolicyError instead of its findings."""
    results: list[Checked] = []
    while len(results) < len(rules):
        try:
            results += _one_worker(rules, len(results), context, budgets, run_one)
        except _NoFork:  # out of processes: the rest run here, cooperatively bounded
            results += [run_one(rule, context) for rule in rules[len(results) :]]
    return results


class _NoFork(Exception):
    pass


def _one_worker(
    rules: Sequence[Rule[ContextT]],
    start: int,
    context: ContextT,
    budgets: Budgets,
    run_one: Callable[[Rule[ContextT], ContextT], Checked],
) -> list[Checked]:
    """Results from one worker, from rule `start` until the end or until a
    rule fails it (that rule's error is the last result)."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise _NoFork from None
    if pid == 0:  # the worker: never returns
        os.close(read_end)
        _work(rules, start, context, budgets.memory_bytes, run_one, write_end)
    os.close(write_end)
    results: list[Checked] = []
    try:
        with os.fdopen(read_end, "rb", buffering=0) as pipe:
            reader = _Reader(pipe.fileno())
            while start + len(results) < len(rules):
                rule = rules[start + len(results)]
                deadline = time.monotonic() + budgets.seconds + GRACE
                message = reader.next(deadline)
                if not isinstance(message, tuple) or message[0] != "checked":
                    results.append(_stopped(rule, message, budgets))
                    break
                results.append(_decode(message[1]))
    finally:
        _end(pid)
    return results


def _work(
    rules: Sequence[Rule[ContextT]],
    start: int,
    context: ContextT,
    memory_bytes: int,
    run_one: Callable[[Rule[ContextT], ContextT], Checked],
    out: int,
) -> None:
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # the parent reports Ctrl-C
        _limit_memory(memory_bytes)
        for rule in rules[start:]:
            try:
                payload: tuple[str, Any] = ("checked", _encode(run_one(rule, context)))
            except MemoryError:
                payload = ("memory", None)
            except Exception:
                payload = ("bug", traceback.format_exc())
            data = pickle.dumps(payload)
            os.write(out, _HEADER.pack(len(data)))
            _write_all(out, data)
            if payload[0] != "checked":
                break
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _limit_memory(extra: int) -> None:
    """Limit the worker to what it inherited plus `extra` bytes."""
    with open("/proc/self/statm", "rb") as statm:
        pages = int(statm.read().split()[0])
    limit = pages * resource.getpagesize() + extra
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _Reader:
    """Length-prefixed messages from the worker, each awaited until a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()

    def next(self, deadline: float) -> Any:
        """The next message, "timeout", or None when the worker died."""
        header = self._exactly(_HEADER.size, deadline)
        if not isinstance(header, bytes):
            return header
        body = self._exactly(_HEADER.unpack(header)[0], deadline)
        return pickle.loads(body) if isinstance(body, bytes) else body

    def _exactly(self, size: int, deadline: float) -> bytes | str | None:
        while len(self.buffer) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return "timeout"
            chunk = os.read(self.fd, max(65536, size - len(self.buffer)))
            if not chunk:
                return None
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data


def _end(pid: int) -> None:
    """Kill the worker if it still runs, and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _encode(checked: Checked) -> tuple[Any, ...]:
    # Errors are sent as their parts: an exception with a two-argument
    # constructor does not survive pickle.
    errors = [(type(e), e.message, e.location) for e in checked.errors]
    return (checked.findings, errors, checked.evaluations)


def _decode(body: tuple[Any, ...]) -> Checked:
    findings, errors, evaluations = body
    return Checked(findings, tuple(cls(m, where) for cls, m, where in errors), evaluations)


def _stopped(rule: Rule[Any], message: Any, budgets: Budgets) -> Checked:
    """The error of a rule that did not finish: `message` is "timeout", None
    (the worker died) or what the worker sent instead of a result."""
    policy = rule.policy
    if isinstance(message, tuple) and message[0] == "bug":
        raise WorkerBug(f"a rule failed in the evaluation worker:\n{message[1]}")
    if message == "timeout":
        text = (
            f"{policy.id}: stopped after {budgets.seconds:g} s, inside one evaluation "
            "(the policy time budget, --policy-timeout)"
        )
    elif message is None:
        text = (
            f"{policy.id}: stopped: the evaluation worker ended without a result "
            "(killed, e.g. by the system for lack of memory)"
        )
    else:
        text = memory_message(policy.id, budgets)
    error: StackpolicyError = PolicyError(text, policy.location)
    return Checked(errors=(error,))


def memory_message(policy_id: str, budgets: Budgets) -> str:
    mib = budgets.memory_bytes // (1024 * 1024)
    return f"{policy_id}: stopped: evaluation exceeded the memory budget ({mib} MiB)"
