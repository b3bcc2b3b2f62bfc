"""``bag.str``: string methods applied to each element."""
from __future__ import annotations

import fnmatch
import re
from operator import methodcaller

from plait.bag.steps import Filter, Map


class StringAccessor:
    """String methods over the elements of a bag: ``b.str.lower()``,
    ``b.str.split(',')``, any other ``str`` method by name, and
    ``b.str.match(pattern)`` to keep the elements matching a glob pattern.

    >>> import plait.bag as pb
    >>> b = pb.from_sequence(['Alice Smith', 'Bob Jones', 'Alicia'])
    >>> b.str.lower().str.match('ali*').compute(scheduler='sync')
    ['alice smith', 'alicia']
    >>> b.str.split().compute(scheduler='sync')
    [['Alice', 'Smith'], ['Bob', 'Jones'], ['Alicia']]
    """

    def __init__(self, bag):
        self._bag = bag

    def __dir__(self):
        return sorted(set(dir(type(self))) | {n for n in dir(str) if not n.startswith("_")})

    def _method(self, name, *args, **kwargs):
        return self._bag.with_step(f"str-{name}", Map(methodcaller(name, *args, **kwargs)),
                                   args=(args, kwargs))

    def __getattr__(self, name):
        if name.startswith("_") or not callable(getattr(str, name, None)):
            raise AttributeError(f"'str' has no method {name!r} to apply to a bag's "
                                 f"elements")
        return lambda *args, **kwargs: self._method(name, *args, **kwargs)

    def strip(self, chars=None):
        """Strip leading and trailing ``chars`` (default whitespace)."""
        return self._method("strip", chars)

    def lstrip(self, chars=None):
        """Strip leading ``chars`` (default whitespace)."""
        return self._method("lstrip", chars)

    def rstrip(self, chars=None):
        """Strip trailing ``chars`` (default whitespace)."""
        return self._method("rstrip", chars)

    def lower(self):
        """Lower-case each element."""
        return self._method("lower")

    def upper(self):
        """Upper-case each element."""
        return self._method("upper")

    def split(self, sep=None, maxsplit=-1):
        """Split each element into a list of words (by ``sep``)."""
        return self._method("split", sep, maxsplit)

    def match(self, pattern):
        """Keep the elements that match the glob ``pattern`` (``fnmatch``)."""
        regex = re.compile(fnmatch.translate(pattern))
        return self._bag.with_step("str-match", Filter(regex.match), args=(pattern,))
