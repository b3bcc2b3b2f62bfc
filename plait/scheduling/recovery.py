"""What the processes session does when things go wrong (a part of ``ProcessSession``).

A worker that dies (killed, segfault, ``os._exit``, or killed here for a
timeout) is noticed through its process sentinel. Its batches, and batches
waiting for values it was to send, go back to the engine as ``unrun``; the
values only it held are ``lost`` (the engine recomputes them); a replacement
starts in its slot. The task it was running is blamed: after ``MAX_DEATHS``
deaths (or its timeout and retries) it fails with an error naming it.
Shared-memory names it was to make or read are unlinked.

Ctrl-C kills the workers busy with the computation (they are replaced when
the pool is next acquired); any other error asks them to skip what is left.
"""
from __future__ import annotations

import time
from concurrent.futures.process import BrokenProcessPool

from plait.scheduling import pool as pools
from plait.scheduling.engine import Report
from plait.scheduling.transfer import unlink

MAX_DEATHS = 3    # a task running when this many workers died fails


class TerminatedWorkerError(BrokenProcessPool):
    """A task was running each time its worker process died (3 times)."""


class TaskTimeoutError(TimeoutError):
    """A task ran longer than the ``timeout`` it was given."""



class Recovery:
    """Failure handling of ``ProcessSession`` (which it is mixed into)."""

    def _check_timeouts(self):
        st, now = self.pool.status, time.time()
        for slot, load in enumerate(self.load):
            if not load or slot in self.timed_out or st[3 * slot] != self.sid:
                continue
            i = int(st[3 * slot + 1])
            if i >= 0 and now - st[3 * slot + 2] > self.timeout:
                self.timed_out[slot] = i
                self.pool.workers[slot].process.kill()

    def _on_death(self, h):
        slot = h.slot
        self._drain(h)
        h.process.join()
        if not h.ready:
            raise self.pool.start_failed(h)
        self.counters.workers_lost += 1
        culprit = self._running(slot)
        timed_out = self.timed_out.pop(slot, None)
        unrun = self._cancel_batches(slot)
        error = None
        if culprit >= 0 and culprit in unrun:
            exc = self._blame(culprit, h.process.exitcode, timed_out == culprit)
            if exc is not None:
                error = (culprit, exc)
                unrun.remove(culprit)
        lost = self._forget(slot)
        self.pool.kill(slot)
        self.pool.start(slot)
        self.reports.append(Report([], error=error, worker=slot, lost=lost, unrun=unrun))

    def _running(self, slot):
        """The task the worker in ``slot`` was running, or -1."""
        st = self.pool.status
        i = int(st[3 * slot + 1]) if st[3 * slot] == self.sid else -1
        st[3 * slot + 1] = -1
        return i

    def _cancel_batches(self, slot):
        """Batches lost with the worker in ``slot``; return their tasks."""
        unrun = []
        doomed = [b for b in self.batches.values() if b.slot == slot]
        for req, (src, dst, items) in list(self.requests.items()):
            if src == slot or dst == slot:
                del self.requests[req]
                bundle = f"{self.pool.prefix}{self.sid:x}x{req:x}_m"
                unlink(bundle)
                self.segments.pop(bundle, None)
                for i, name in items:
                    if name is not None:
                        unlink(name)
                        self.segments.pop(name, None)
                    doomed.extend(self.waiting.pop((dst, i), ()))
        for b in doomed:
            if b.cancelled or b.bid not in self.batches:
                continue
            b.cancelled = True
            del self.batches[b.bid]
            self.load[b.slot] -= 1
            self.queued[b.slot] -= len(b.tasks)
            unrun.extend(b.tasks)
        for key in [k for k in self.waiting if k[0] == slot]:
            del self.waiting[key]
        for name, (src, dst) in list(self.segments.items()):
            if src == slot or dst == slot:
                unlink(name)
                del self.segments[name]
        return unrun

    def _blame(self, i, exitcode, timed_out):
        """The error for task ``i`` after its worker died, or None to run it again."""
        if timed_out:
            tries = self.failures.get(i, 0)
            if tries < self.retries:
                self.failures[i] = tries + 1
                self.counters.retries += 1
                return None
            return TaskTimeoutError(
                f"task {self._key(i)} ran longer than its timeout of {self.timeout:g} s; "
                f"its worker process was killed")
        n = self.deaths[i] = self.deaths.get(i, 0) + 1
        if n < MAX_DEATHS:
            return None
        return TerminatedWorkerError(
            f"task {self._key(i)} was running each of the {n} times a worker process "
            f"died (last exit code {pools.format_exitcode(exitcode)}). This can be "
            f"caused by a segmentation fault in the task's code, by os._exit or by "
            f"the process using too much memory.")

    def _forget(self, slot):
        """Drop ``slot`` as a holder; return the values that are now nowhere."""
        lost, where, extra, local = [], self.where, self.extra, self.local
        for i, s in enumerate(where):
            if s == slot:
                others = extra.get(i)
                if others:
                    where[i] = others.pop()
                    if not others:
                        del extra[i]
                else:
                    where[i] = -1
                    if i not in local:
                        lost.append(i)
        for i in [i for i, others in extra.items() if slot in others]:
            extra[i].discard(slot)
            if not extra[i]:
                del extra[i]
        self.releases[slot] = []
        self.inbound[slot] = []
        return lost

    def _cancel(self, exc):
        """Stop this computation's work: kill on Ctrl-C, else skip what is left."""
        busy = {b.slot for b in self.batches.values()}
        busy.update(src for src, _, _ in self.requests.values())
        if self.busy_io is not None:
            busy.add(self.busy_io)
        if exc is not None and not isinstance(exc, Exception):
            for slot in busy:
                self.pool.kill(slot)  # replaced when the pool is next acquired
        else:
            for slot in busy:
                self._send(slot, ("c", self.sid))
