"""Getting a batch's inputs to its worker (a part of ``ProcessSession``).

Inputs held by the batch's worker stay put. Graph literals (kept in the main
process) go with the batch. Values held by another worker are asked for
with an ``'x'`` export request naming a shared-memory segment for each large
value (and one for a bundle of the small ones); the holder replies with
descriptors, which are forwarded to the batch's worker as an ``'i'`` import
(processed before any later message), and the batch is sent once all its
inputs are on their way. A value moves to a worker once per computation:
copies are recorded (``extra``) and used by later batches.
"""
from __future__ import annotations

from plait.graph.core import key_str
from plait.scheduling.engine import Report
from plait.scheduling.executor import SerializationError
from plait.scheduling.transfer import SHM_MIN_BYTES, desc_nbytes, pack, unlink


class Moves:
    """Input transfers of ``ProcessSession`` (which it is mixed into)."""

    def _holds(self, slot, d):
        if self.where[d] == slot:
            return True
        others = self.extra.get(d) if self.extra else None
        return others is not None and slot in others

    def _fetch(self, b, external):
        """Arrange for the inputs ``b`` lacks on its worker to get there."""
        slot, need = b.slot, {}
        for d in external:
            if self._holds(slot, d):
                continue
            if d in self.local:
                b.imports.append(d)
                continue
            waiters = self.waiting.get((slot, d))
            b.missing += 1
            if waiters is not None:
                waiters.append(b)
                continue
            self.waiting[(slot, d)] = [b]
            need.setdefault(self._source(d), []).append(d)
        if b.imports and b.missing:  # send them now, before other batches
            self._send(slot, ("i", self.sid, self._local_imports(slot, b.imports)))
            b.imports = []
        for src, items in need.items():
            self._request(src, slot, items)

    def _source(self, d):
        s = self.where[d]
        if s < 0:
            others = self.extra.get(d)
            if not others:
                raise RuntimeError(f"plait internal error: the value of "
                                   f"{key_str(self.compiled.keys[d])} is nowhere")
            s = next(iter(others))
        return s

    def _local_imports(self, slot, indices):
        out = []
        for d in indices:
            desc = self.packed.get(d)
            if desc is None:
                try:
                    desc, nbytes = pack(self.local[d])
                except Exception as exc:
                    raise SerializationError(
                        f"the value of {key_str(self.compiled.keys[d])} could not be "
                        f"pickled to send it to a worker process: {exc!r}. Use "
                        f"scheduler='threads' for values that cannot be pickled."
                    ) from exc
                self.packed[d] = desc
            self.counters.bytes_from_main += desc_nbytes(desc)
            self._add_holder(d, slot)
            out.append((d, desc))
        return out

    def _add_holder(self, d, slot):
        if self.where[d] < 0:
            self.where[d] = slot
        elif self.where[d] != slot:
            self.extra.setdefault(d, set()).add(slot)

    def _request(self, src, dst, indices):
        """Ask ``src`` for values ``dst`` needs: large ones by shared memory."""
        req = next(self.reqs)
        prefix = f"{self.pool.prefix}{self.sid:x}x{req:x}_"
        items = []
        for d in indices:
            name = None
            if self.nbytes[d] >= SHM_MIN_BYTES:
                name = f"{prefix}{d:x}"
                self.segments[name] = (src, dst)
            items.append((d, name))
        bundle = prefix + "m"
        self.segments[bundle] = (src, dst)
        self.requests[req] = (src, dst, items)
        self._send(src, ("x", self.sid, req, items, bundle))

    def _on_exported(self, msg):
        _, _, req, items = msg
        src, dst, asked = self.requests.pop(req)
        bundle = f"{self.pool.prefix}{self.sid:x}x{req:x}_m"
        if not (items and items[-1][0] < 0 and items[-1][1] and items[-1][1][0] == "s"):
            self.segments.pop(bundle, None)  # the name was not used
        alive = self.pool.workers[dst].alive
        forward, moved = [], []
        c = self.counters
        for i, desc, extra in items:
            if desc is None:
                exc_bytes, tb = extra
                self.reports.append(Report([], worker=src, error=(i, self._serialization(
                    f"the value of {self._key(i)} could not be pickled to move it "
                    f"from worker process {src} to worker process {dst}", exc_bytes, tb))))
                continue
            indices = [i] if i >= 0 else [d for d, name in asked if name is None]
            name = desc[1] if desc[0] == "s" else None
            if not alive or not any((dst, d) in self.waiting for d in indices):
                if name is not None:
                    unlink(name)
                    self.segments.pop(name, None)
                continue
            if name is not None:
                self.segments[name] = (-1, dst)
                self.inbound[dst].append(name)
                c.bytes_shared_memory += extra
            else:
                c.bytes_relayed += extra
            c.transfers += len(indices)
            c.bytes_transferred += extra
            forward.append((i, desc))
            moved.extend(indices)
            if i < 0:
                self.bundles[i] = indices
        if not forward:
            return
        self._send(dst, ("i", self.sid, forward))
        for i in moved:
            self._add_holder(i, dst)
            for b in self.waiting.pop((dst, i), ()):
                if not b.cancelled:
                    b.missing -= 1
                    if not b.missing:
                        self._send_run(b)
