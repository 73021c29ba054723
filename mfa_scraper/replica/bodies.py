"""Article text generation: leads with datelines, paragraphs, lists, tables, documents."""

from __future__ import annotations

import random
from datetime import date, timedelta

from mfa_scraper.replica.model import BASE, Block, Link
from mfa_scraper.replica.texts import (
    CITIES,
    CONTACT_LINES,
    COUNTRIES,
    DOC_INTROS,
    DOC_TITLES,
    LANG_INDEX,
    LIST_INTROS,
    MONTHS,
    NATIONS,
    ORGS,
    PEOPLE,
    QUOTES,
    SENTENCES,
    SUBHEADINGS,
    TABLE_EVENTS,
    TABLE_HEADERS,
    THEMES,
    TOPICS,
    TRANSLIT,
)

# Share of articles with each optional body element.
SHARES = {"dateline": 0.3, "heading": 0.25, "list": 0.2, "table": 0.15, "quote": 0.3,
          "docs": 0.35, "weblink": 0.2, "contact": 0.15, "nbsp": 0.2, "loose": 0.15,
          "blank": 0.2}
# Document links: (href pattern, file extension); relative, same-site absolute, external.
DOC_HREFS = (
    "/uploads/documents/docs/{name}.pdf",
    BASE + "/uploads/files/{year}/{name}.docx",
    "https://www.osce.org/files/f/documents/{name}.pdf",
    "/uploads/Dokumentai/{name}.PDF?v=2",
    "/uploads/documents/{year}/Pareik%C5%A1imas_{name}.pdf",
    "files/{name}.xlsx",
)
WEB_LINKS = {
    "en": ("More information is available on the ODIHR website.", "ODIHR website"),
    "lt": ("Daugiau informacijos – ESBO DŽTIB svetainėje.", "ESBO DŽTIB svetainėje"),
    "ru": ("Подробнее – на сайте БДИПЧ ОБСЕ.", "сайте БДИПЧ ОБСЕ"),
}


def transliterate(char: str) -> str:
    """ASCII spelling of one lower-case Lithuanian or Cyrillic letter ('' when unknown)."""
    return TRANSLIT.get(char, "")


def fill_words(rng: random.Random, lang: str) -> dict[str, str]:
    """Words for one article's templates, in ``lang``."""
    i = LANG_INDEX[lang]
    return {
        "person": rng.choice(PEOPLE)[i], "country": rng.choice(COUNTRIES)[i],
        "org": rng.choice(ORGS)[i], "topic": rng.choice(TOPICS)[i],
        "city": rng.choice(CITIES[lang]), "n": str(rng.randint(3, 40)),
    }


def themes(rng: random.Random, lang: str, number: int) -> tuple[str, ...]:
    """One or two themes; the first articles of a listing cover every theme once."""
    names = THEMES[lang]
    first = number % len(names) if number < len(names) else rng.randrange(len(names))
    picked = [first]
    if rng.random() < 0.4:
        picked.append(rng.choice([i for i in range(len(names)) if i != first]))
    return tuple(names[i] for i in picked)


def dateline(lang: str, day: date, city: str) -> str:
    """A press-release dateline such as ``October 16, 2020 - Vilnius, Lithuania``."""
    month = MONTHS[lang][day.month - 1]
    if lang == "en":
        return f"{month} {day.day}, {day.year} - {city}"
    if lang == "lt":
        return f"{day.year} m. {month} {day.day} d., {city}"
    return f"{day.day} {month} {day.year} г., {city}"


class Sentences:
    """Template sentences of one article, drawn without repeats until the pool runs out."""

    def __init__(self, rng: random.Random, lang: str, fill: dict[str, str]):
        self.rng, self.lang, self.fill = rng, lang, fill
        self.pool: list[str] = []

    def take(self, count: int) -> str:
        """``count`` sentences joined into one paragraph."""
        out = []
        for _ in range(count):
            if not self.pool:
                self.pool = self.rng.sample(SENTENCES[self.lang], len(SENTENCES[self.lang]))
            out.append(self.pool.pop().format(**self.fill))
        return " ".join(out)


def body(rng: random.Random, cms: str, lang: str, day: date,
         fill: dict[str, str]) -> tuple[str, tuple[Block, ...]]:
    """The lead and the body blocks of one article (the lead is the first paragraph)."""
    text = Sentences(rng, lang, fill)
    lead = text.take(rng.randint(1, 2))
    if rng.random() < SHARES["dateline"]:
        when = day - timedelta(days=rng.randint(0, 2))
        lead = f"{dateline(lang, when, fill['city'])}. {lead}"
    paragraphs = [text.take(rng.randint(1, 3)) for _ in range(rng.randint(1, 4))]
    if rng.random() < SHARES["nbsp"]:
        paragraphs[0] = paragraphs[0].replace(" ", "\u00a0", 2)
    blocks = [Block("p", lead)]
    if cms == "legacy" and rng.random() < SHARES["loose"]:
        blocks.append(Block("loose", items=tuple(paragraphs)))
    else:
        blocks.extend(Block("p", text) for text in paragraphs)
    blocks.extend(_extras(rng, lang, day, text))
    if rng.random() < SHARES["blank"]:
        blocks.insert(rng.randint(1, len(blocks)), Block("blank"))
    return lead, tuple(blocks)


def _extras(rng: random.Random, lang: str, day: date, text: Sentences) -> list[Block]:
    """Optional blocks: heading, quote, list, table, web link, documents, contact lines."""
    out: list[Block] = []
    if rng.random() < SHARES["heading"]:
        out.append(Block("h3", rng.choice(SUBHEADINGS[lang])))
        out.append(Block("p", text.take(2)))
    if rng.random() < SHARES["quote"]:
        out.append(Block("quote", QUOTES[lang]))
    if rng.random() < SHARES["list"]:
        names = rng.sample(NATIONS[lang], rng.randint(3, 6))
        out.append(Block("p", LIST_INTROS[lang]))
        out.append(Block(rng.choice(("ul", "ol")), items=tuple(names)))
    if rng.random() < SHARES["table"]:
        out.append(_table(rng, lang, day, text.fill))
    if rng.random() < SHARES["weblink"]:
        text, anchor = WEB_LINKS[lang]
        out.append(Block("p", text, links=(Link("https://www.osce.org/odihr", anchor),)))
    if rng.random() < SHARES["docs"]:
        out.extend(_documents(rng, lang, day))
    if rng.random() < SHARES["contact"]:
        out.append(Block("lines", items=CONTACT_LINES[lang]))
    return out


def _table(rng: random.Random, lang: str, day: date, fill: dict[str, str]) -> Block:
    rows = [TABLE_HEADERS[lang]]
    for offset, event in enumerate(TABLE_EVENTS[lang]):
        when = (day + timedelta(days=offset)).strftime("%Y-%m-%d")
        rows.append((when, event.format(**fill), rng.choice(CITIES[lang])))
    return Block("table", rows=tuple(rows))


def _doc_link(rng: random.Random, lang: str, day: date) -> Link:
    name = f"{day:%Y-%m-%d}_{rng.choice(('statement', 'pranesimas', 'report', 'programa'))}"
    href = rng.choice(DOC_HREFS).replace("{name}", name).replace("{year}", str(day.year))
    return Link(href, rng.choice(DOC_TITLES[lang]))


def _documents(rng: random.Random, lang: str, day: date) -> list[Block]:
    """One document in a sentence, or a list of documents with sizes, sometimes repeated."""
    first = _doc_link(rng, lang, day)
    intro = rng.choice(DOC_INTROS[lang])
    blocks = [Block("p", f"{intro} {first.text}.", links=(first,))]
    if rng.random() < 0.5:
        links = (first, _doc_link(rng, lang, day))
        items = tuple(f"{link.text} ({rng.randint(80, 900)} KB)" for link in links)
        blocks.append(Block("ul", items=items, links=links))
    return blocks
