"""One pass over a parsed page: elements by tag, class and id; CSS and chrome checks served from it.

Each parsel ``css()`` call translated its selector to XPath and scanned the whole document
(``.date`` costs ~0.1 ms a page: a string function per element); a page asks a dozen of them.
The index reads every element's class and id once, answers simple selectors (``tag``,
``.class``, ``#id``, ``[attr=value]``, descendant and child combinators) from dictionaries,
and hands anything else to a compiled XPath, so results are those of parsel's translation.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree
from parsel.csstranslator import css2xpath

from mfa_scraper.pages.blocks import (
    CHROME_MARKERS,
    CHROME_PREFIXES,
    CHROME_TAGS,
    CONTENT_TAGS,
    SECTION_EDGES,
)
from mfa_scraper.pages.text import marker_text, tag_of

# Class tokens as XPath's normalize-space() splits them (ASCII whitespace only).
_TOKENS = re.compile(r"[^ \t\r\n]+").findall
_COMPOUND = re.compile(
    r"(?P<tag>[A-Za-z][\w-]*|\*)?(?P<rest>(?:[.#][\w-]+|\[[^\]]+\])*)$"
)
_PART = re.compile(r"[.#][\w-]+|\[[^\]]+\]")
_ATTRIBUTE = re.compile(
    r"""\[\s*(?P<name>[\w-]+)\s*(?:(?P<op>[*^$~]?=)\s*(?P<value>"[^"]*"|'[^']*'|[\w-]+)\s*)?\]$"""
)
_COMBINATORS = re.compile(r"\s*>\s*|\s+")
# blocks.in_chrome's word tests as single regexes: a class word, or a token's prefix.
_CHROME_MARKER_RE = re.compile("|".join(map(re.escape, CHROME_MARKERS)))
_CHROME_PREFIX_RE = re.compile(
    r"(?:^|\s)(?:" + "|".join(map(re.escape, CHROME_PREFIXES)) + r")(?=$|\s|[_-])")
_CLASS_AND_ID = etree.XPath("//@class | //@id")  # in document order
_MARKED_AFTER = etree.XPath("following::*[@class or @id]")
_NESTED_CHROME_TAGS = CHROME_TAGS - SECTION_EDGES  # nav, aside: chrome even inside <article>


@lru_cache(maxsize=256)
def compiled(css: str) -> etree.XPath:
    """The XPath of a CSS selector as parsel translates it, compiled once per process."""
    return etree.XPath(css2xpath(css))


class _Compound:
    """One compound selector (``div.news_list[itemprop=x]``) as plain tests."""

    __slots__ = ("attributes", "classes", "id", "tag")

    def __init__(self, tag, id_, classes, attributes):
        self.tag, self.id, self.classes, self.attributes = tag, id_, classes, attributes

    def matches(self, element) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        if self.id is not None and element.get("id") != self.id:
            return False
        if self.classes:
            tokens = _TOKENS(element.get("class") or "")
            if not all(name in tokens for name in self.classes):
                return False
        return all(_attribute_matches(element.get(name), op, value)
                   for name, op, value in self.attributes)


def _attribute_matches(actual: str | None, op: str | None, value: str) -> bool:
    """cssselect's HTML semantics: an empty value never matches ``*= ^= $= ~=``."""
    if actual is None:
        return False
    if op is None:
        return True
    if op == "=":
        return actual == value
    if not value:
        return False
    if op == "*=":
        return value in actual
    if op == "^=":
        return actual.startswith(value)
    if op == "$=":
        return actual.endswith(value)
    return value in _TOKENS(actual)  # ~=


def _compound(text: str) -> _Compound | None:
    match = _COMPOUND.match(text)
    if not match or not text:
        return None
    tag = match.group("tag")
    id_, classes, attributes = None, [], []
    for part in _PART.findall(match.group("rest")):
        if part[0] == ".":
            classes.append(part[1:])
        elif part[0] == "#":
            if id_ is not None:
                return None
            id_ = part[1:]
        else:
            found = _ATTRIBUTE.match(part)
            if not found:
                return None
            value = (found.group("value") or "").strip("\"'")
            attributes.append((found.group("name").lower(), found.group("op"), value))
    return _Compound(None if tag in (None, "*") else tag.lower(), id_, tuple(classes),
                     tuple(attributes))


@lru_cache(maxsize=256)
def parse_css(css: str) -> tuple | None:
    """``((combinator, compound), ...)`` for a simple selector, ``None`` for anything else."""
    text = css.strip()
    if not text or not _only_in_brackets(text):
        return None
    parts = _COMBINATORS.split(text)
    joints = [" " if not j.strip() else ">" for j in _COMBINATORS.findall(text)]
    compounds = [_compound(part) for part in parts]
    if any(compound is None for compound in compounds):
        return None
    return tuple(zip([None, *joints], compounds, strict=True))


def _only_in_brackets(text: str) -> bool:
    """Whether every special character sits inside an attribute test (``[class~=a]``)."""
    outside = re.sub(r"\[[^\]]*\]", "", text)
    return not any(char in outside for char in ",:+~()")


class PageIndex:
    """Elements of one page by tag, class token and id, in document order."""

    def __init__(self, root):
        self.root = root
        self.by_class: dict[str, list] = {}
        self.by_id: dict[str, list] = {}
        self.marked: list  # elements with a class or an id attribute
        self._by_tag: dict[str, list] = {}
        self._elements: list | None = None
        self._chrome: dict = {}
        self._position: dict | None = None
        # Only class and id are read here, as attribute nodes: ~30% cheaper than visiting
        # every element from Python. Tags come from lxml's own filtered iteration.
        marked: dict = {}
        for value in _CLASS_AND_ID(root):
            element = value.getparent()
            marked[element] = None
            if value.attrname == "class":
                # str.split() splits on more than ASCII whitespace, but a printable value
                # holds no whitespace except " ": the same tokens, 3x faster.
                tokens = value.split() if value.isprintable() else _TOKENS(value)
                for token in tokens if len(tokens) < 2 else dict.fromkeys(tokens):
                    self.by_class.setdefault(token, []).append(element)
            else:
                self.by_id.setdefault(str(value), []).append(element)
        self.marked = list(marked)

    @property
    def elements(self) -> list:
        """Every element of the page in document order (no comments)."""
        if self._elements is None:
            self._elements = [e for e in self.root.iter() if e.tag.__class__ is str]
        return self._elements

    def by_tag(self, tag: str) -> list:
        """Elements named ``tag`` in document order."""
        found = self._by_tag.get(tag)
        if found is None:
            found = self._by_tag[tag] = list(self.root.iter(tag))
        return found

    @property
    def position(self) -> dict:
        """Element -> its index in document order."""
        if self._position is None:
            self._position = {element: i for i, element in enumerate(self.elements)}
        return self._position

    def select(self, css: str) -> list:
        """Elements matching ``css`` anywhere in the page, in document order."""
        chain = parse_css(css)
        return compiled(css)(self.root) if chain is None else self._select(chain)

    def _candidates(self, last: _Compound, chain: tuple) -> list:
        if last.id is not None:
            return self.by_id.get(last.id, [])
        if last.classes:
            return min((self.by_class.get(name, []) for name in last.classes), key=len)
        if last.tag is not None:
            return self.by_tag(last.tag)
        if len(chain) > 1 and chain[-1][0] == ">":
            parents = self._select(chain[:-1])
            children = {child for parent in parents for child in parent
                        if isinstance(child.tag, str)}
            return sorted(children, key=self.position.__getitem__)
        return self.elements

    def _select(self, chain: tuple) -> list:
        *ancestors, (joint, last) = chain
        found = [e for e in self._candidates(last, chain) if last.matches(e)]
        return [e for e in found if _chain_matches(e, joint, ancestors)] if ancestors else found

    def marked_after(self, element) -> list:
        """Elements with a class or id after ``element`` and its descendants (XPath
        ``following::*``), in document order. XPath's walk beats listing every element's
        position (~2x), which most pages need for nothing else."""
        return _MARKED_AFTER(element)

    # -- chrome ------------------------------------------------------------------------------

    def in_chrome(self, element) -> bool:
        """:func:`blocks.in_chrome`, memoised along the ancestor chain (same answers)."""
        return self._state(element)[0]

    def _state(self, element) -> tuple[bool, bool, bool]:
        """``(in chrome, inside article/main, any ancestor chrome by the outer rules)``."""
        found = self._chrome.get(element)
        if found is not None:
            return found
        path = []
        current = element
        while current is not None and current not in self._chrome:
            path.append(current)
            current = current.getparent()
        state = self._chrome[current] if current is not None else None
        for node in reversed(path):
            state = self._child_state(state, node.getparent()) if state is not None else (
                False, False, False)
            self._chrome[node] = state
        return state

    def _child_state(self, parent_state, parent) -> tuple[bool, bool, bool]:
        chrome, inside, outer_above = parent_state
        tag = tag_of(parent)
        markers = marker_text(parent)
        if markers == " ":  # no class, no id: most elements
            marked, outer = False, tag in CHROME_TAGS
        else:
            marked = _CHROME_MARKER_RE.search(markers) is not None
            outer = marked or tag in CHROME_TAGS or _CHROME_PREFIX_RE.search(markers) is not None
        if tag in CONTENT_TAGS:
            return outer or outer_above, True, outer or outer_above
        if inside:
            nested = marked or tag in _NESTED_CHROME_TAGS
            return nested or chrome, True, outer or outer_above
        return outer or chrome, False, outer or outer_above


def _chain_matches(element, joint: str, ancestors: list) -> bool:
    """Whether ``element``'s ancestors satisfy the rest of a selector chain."""
    *rest, (next_joint, compound) = ancestors
    if joint == ">":
        parent = element.getparent()
        return (parent is not None and compound.matches(parent)
                and (not rest or _chain_matches(parent, next_joint, rest)))
    for ancestor in element.iterancestors():
        if compound.matches(ancestor) and (not rest or _chain_matches(ancestor, next_joint, rest)):
            return True
    return False
