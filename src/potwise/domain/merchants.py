"""Merchant normalisation: one key for every way a bank spells a shop.

"TESCO STORES 2345 LONDON", "Tesco", "TESCO EXTRA" and
"CARD PAYMENT TO TESCO STORES 2214" all become ``tesco``;
"AMZN Mktp UK*AB12CD" and "AMAZON.CO.UK*1A2B3C" become ``amazon``.

The rules, in order:

1. Lower-case; drop apostrophes ("Sainsbury's" → "sainsburys"); anything
   that is not a letter, digit, ``&``, ``*``, ``.`` or ``/`` separates words.
2. Drop what banks put in front: card-payment prefixes ("card payment to",
   "contactless", "pos", "visa purchase", "direct debit"...) and payment
   facilitators ("sq *", "sumup *", "paypal *", "zettle_"...), keeping the
   seller after them.
3. Cut at ``*``: what follows is an order or trip reference ("uber *trip").
4. Drop web suffixes (".com", ".co.uk", "www.").
5. A known brand at the start wins outright ("tesco extra" → tesco,
   "esso tesco allerton" → esso); aliases map to one brand
   ("amzn mktp" → amazon, "transport for london" → tfl).
6. Otherwise cut at the first later word holding a digit (a store number
   or reference) or naming a town, drop country codes and legal or store
   words ("ltd", "plc", "stores", "s/mkts") from the end.

The result is at most 120 characters; an empty result falls back to the
lower-cased text so that nothing is ever keyed as "".
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_KEY_LENGTH = 120

_PREFIXES = (
    "card payment to ",
    "card payment ",
    "contactless payment ",
    "contactless ",
    "debit card purchase ",
    "visa purchase ",
    "visa debit ",
    "mastercard purchase ",
    "purchase at ",
    "payment to ",
    "bill payment to ",
    "direct debit to ",
    "direct debit ",
    "pos ",
    "clp ",
    "dd ",
    "so ",
)
# Payment facilitators: the seller's name follows them.
_FACILITATORS = ("sq", "sumup", "paypal", "zettle", "iz", "sp", "crv", "pp", "gocardless", "stripe")
_WEB_SUFFIX = re.compile(r"(\.co\.uk|\.com|\.uk|\.net|\.org|\.io)(/[a-z]*)?$")
_SEPARATORS = re.compile(r"[^a-z0-9&*./]+")

# Brand → the words it may start with. The first word (or two) of the text decides.
_BRANDS: dict[str, tuple[str, ...]] = {
    "tesco": ("tesco",),
    "sainsburys": ("sainsburys", "sainsbury", "js sainsbury"),
    "asda": ("asda",),
    "aldi": ("aldi",),
    "lidl": ("lidl",),
    "morrisons": ("morrisons", "wm morrison", "morrison"),
    "waitrose": ("waitrose",),
    "co-op": ("co-op", "coop", "co op", "the co-operative", "co-operative"),
    "m&s": ("m&s", "marks & spencer", "marks and spencer", "marks&spencer"),
    "iceland": ("iceland foods",),
    "amazon": ("amzn mktp", "amzn", "amazon.co.uk", "amazon mktplace", "amazon marketplace"),
    "amazon prime": ("amazon prime", "prime video", "amzn prime"),
    "tfl": ("tfl", "transport for london"),
    "uber eats": ("uber eats", "ubereats"),
    "uber": ("uber",),
    "deliveroo": ("deliveroo",),
    "just eat": ("just eat", "justeat"),
    "greggs": ("greggs",),
    "costa": ("costa coffee", "costa"),
    "starbucks": ("starbucks",),
    "pret": ("pret a manger", "pret"),
    "mcdonalds": ("mcdonalds", "mcdonald s"),
    "boots": ("boots",),
    "argos": ("argos",),
    "shell": ("shell",),
    "esso": ("esso",),
    "bp": ("bp",),
    "netflix": ("netflix",),
    "spotify": ("spotify",),
    "apple": ("apple.com", "apple"),
    "google": ("google",),
    "trainline": ("trainline",),
    "currys": ("currys",),
    "john lewis": ("john lewis",),
    "ikea": ("ikea",),
    "whsmith": ("whsmith", "wh smith"),
    "pizza express": ("pizza express", "pizzaexpress"),
    "nandos": ("nandos",),
    "wagamama": ("wagamama",),
    "odeon": ("odeon",),
    "disney plus": ("disney plus", "disneyplus", "disney+"),
    "american express": ("american express", "amex"),
    "barclaycard": ("barclaycard",),
}
# Longest alias first, so "amazon prime" is tried before "amazon".
_ALIASES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        ((alias, brand) for brand, aliases in _BRANDS.items() for alias in aliases),
        key=lambda pair: -len(pair[0]),
    )
)

_TOWNS = frozenset(
    [
        "london",
        "leeds",
        "manchester",
        "birmingham",
        "liverpool",
        "glasgow",
        "edinburgh",
        "bristol",
        "sheffield",
        "newcastle",
        "nottingham",
        "leicester",
        "cardiff",
        "belfast",
        "brighton",
        "oxford",
        "cambridge",
        "york",
        "bath",
        "reading",
        "southampton",
        "portsmouth",
        "coventry",
        "bradford",
        "hull",
        "derby",
        "plymouth",
        "exeter",
        "norwich",
        "luton",
        "milton",
        "keynes",
        "aberdeen",
        "dundee",
        "swansea",
        "sunderland",
        "wolverhampton",
        "stoke",
        "preston",
        "bournemouth",
        "middlesbrough",
        "huddersfield",
        "wakefield",
        "harrogate",
        "chester",
        "salford",
        "croydon",
        "watford",
        "slough",
        "guildford",
        "amsterdam",
        "dublin",
        "paris",
    ]
)
_COUNTRY_CODES = frozenset({"gb", "gbr", "uk", "gbp", "ie", "irl", "us", "usa", "nl", "nld"})
_TRAILING_NOISE = frozenset(
    {
        "ltd",
        "limited",
        "plc",
        "llp",
        "inc",
        "stores",
        "store",
        "superstore",
        "supermarket",
        "supermarkets",
        "s/mkts",
        "s/mkt",
        "retail",
        "group",
        "stn",
        "restaurants",
        "restaurant",
        "airline",
        "airlines",
        "cinemas",
        "cinema",
        "trains",
        "&",
    }
)


def _strip_prefixes(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix) :].lstrip()
                changed = True
    return text


def _strip_facilitator(text: str) -> str:
    # "sq *the coffee house", "paypal *ebay", "zettle_brewdog", "iz *stall"
    match = re.match(r"^([a-z]+)\s*[*_]\s*(.+)$", text)
    if match and match.group(1) in _FACILITATORS:
        return match.group(2)
    return text


def _brand(text: str) -> str | None:
    for alias, brand in _ALIASES:
        if text == alias or text.startswith(alias + " ") or text.startswith(alias + "*"):
            return brand
        if text.startswith(alias + ".") or (alias.endswith(".co.uk") and text.startswith(alias)):
            return brand
    return None


@lru_cache(maxsize=65536)
def merchant_key(text: str | None) -> str | None:
    """The normalised merchant for a merchant name or a statement description.

    Returns None for empty text. Deterministic and cached: the same
    description always gives the same key.
    """
    if text is None:
        return None
    raw = text.strip().lower()
    if not raw:
        return None
    cleaned = raw.replace("'", "").replace("\u2019", "").replace("+", " plus")
    cleaned = _SEPARATORS.sub(" ", cleaned).strip()
    cleaned = _strip_prefixes(cleaned)
    cleaned = _strip_facilitator(cleaned)
    brand = _brand(cleaned)
    if brand is not None:
        return brand
    if "*" in cleaned:
        head = cleaned.split("*", 1)[0].strip()
        cleaned = head or cleaned.replace("*", " ")
        brand = _brand(cleaned)
        if brand is not None:
            return brand
    words = cleaned.split()
    if words:
        first = _WEB_SUFFIX.sub("", words[0].removeprefix("www."))
        words = [first, *words[1:]] if first else words[1:]
    kept: list[str] = []
    for index, word in enumerate(words):
        if index > 0 and (any(ch.isdigit() for ch in word) or word in _TOWNS):
            break
        kept.append(_WEB_SUFFIX.sub("", word))
    while len(kept) > 1 and (kept[-1] in _TRAILING_NOISE or kept[-1] in _COUNTRY_CODES):
        kept.pop()
    key = " ".join(w for w in kept if w and w != "*").strip(" ./")
    if not key:
        key = _SEPARATORS.sub(" ", raw).strip() or raw
    return key[:MAX_KEY_LENGTH]


@lru_cache(maxsize=65536)
def merchant_key_for(
    merchant: str | None, counterparty: str | None, description: str | None
) -> str | None:
    """The key of a transaction: its merchant, else its counterparty, else its description.

    Cached as a whole too: the same three texts come back on every statement line.
    """
    for text in (merchant, counterparty, description):
        key = merchant_key(text)
        if key is not None:
            return key
    return None


# How a brand is written where capitals alone would get it wrong; any other key is
# shown word by word with a capital (see `merchant_name`).
_BRAND_NAMES: dict[str, str] = {
    "sainsburys": "Sainsbury's",
    "co-op": "Co-op",
    "m&s": "M&S",
    "tfl": "Transport for London",
    "mcdonalds": "McDonald's",
    "pret": "Pret A Manger",
    "costa": "Costa Coffee",
    "bp": "BP",
    "whsmith": "WHSmith",
    "nandos": "Nando's",
    "disney plus": "Disney+",
    "ikea": "IKEA",
    "iceland": "Iceland",
}
_SMALL_WORDS = frozenset({"and", "of", "the", "for", "at", "in", "on", "a", "to", "&"})
_VOWELS = frozenset("aeiouy")


def _word_name(word: str, first: bool) -> str:
    if not first and word in _SMALL_WORDS:
        return word
    letters = [ch for ch in word if ch.isalpha()]
    if "&" in word or (letters and len(word) <= 4 and not _VOWELS & set(letters)):
        return word.upper()  # "nhs", "m&s", "hmrc": initials
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


@lru_cache(maxsize=65536)
def merchant_name(key: str | None) -> str:
    """The one name a merchant goes by on every page and in the API's display fields,
    from its key (`merchant_key`): "tesco" → "Tesco", "tfl" → "Transport for London",
    "nationwide building society" → "Nationwide Building Society", "nhs" → "NHS".
    The same key always gives the same name, whichever bank spelled it."""
    if not key:
        return "Unknown merchant"
    known = _BRAND_NAMES.get(key)
    if known is not None:
        return known
    words = key.split()
    return " ".join(_word_name(word, index == 0) for index, word in enumerate(words))


def display_name(merchant: str | None, counterparty: str | None, description: str | None) -> str:
    """The name of a transaction's merchant or payee: `merchant_name` of its key."""
    return merchant_name(merchant_key_for(merchant, counterparty, description))


def pot_move_name(pot_name: str | None, amount: int) -> str:
    """A pot move as the current account sees it: money out of the account went into
    the pot. "Into your Bills pot", "Out of your Bills pot"; "Into a pot" when the
    pot is not known (deleted before it was mirrored)."""
    way = "Into" if amount < 0 else "Out of"
    return f"{way} your {pot_name} pot" if pot_name else f"{way} a pot"


def bill_name(payee: str, description: str, *, typed: bool = False) -> str:
    """The name of a recurring bill or income: its payee's `merchant_name`, unless its
    description holds the user's own words (`typed` by them, or a rename), which are kept.

    The bank's words are upper-case ("SPOTIFY P1A2B3C4 LONDON") or spell the payee
    itself; anything else was written by the user."""
    text = description.strip()
    if typed and (text or payee.strip()):
        return text or payee.strip()
    if text and text != text.upper() and merchant_key(text) != merchant_key(payee):
        return text
    return merchant_name(merchant_key(payee) or merchant_key(text))
