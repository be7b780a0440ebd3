"""Realistic UK payees, merchants and people for generated households."""

from __future__ import annotations

from dataclasses import dataclass

from potwise.sandbox.model import Provider


@dataclass(frozen=True, slots=True)
class MerchantSpec:
    key: str
    name: str
    acquirer_text: str
    category: str  # Monzo category
    mcc: str
    emoji: str
    city: str
    postcode: str
    online: bool
    tl_classification: tuple[str, ...]
    amex_ok: bool = True


def _m(
    key: str,
    name: str,
    text: str,
    category: str,
    mcc: str,
    emoji: str,
    city: str = "LEEDS",
    postcode: str = "LS1 6BY",
    online: bool = False,
    tl: tuple[str, ...] = (),
    amex_ok: bool = True,
) -> MerchantSpec:
    return MerchantSpec(key, name, text, category, mcc, emoji, city, postcode, online, tl, amex_ok)


GROCERIES = (
    _m(
        "tesco",
        "Tesco",
        "TESCO STORES 2214",
        "groceries",
        "5411",
        "🛒",
        tl=("Shopping", "Groceries"),
    ),
    _m(
        "sainsburys",
        "Sainsbury's",
        "SAINSBURYS S/MKTS",
        "groceries",
        "5411",
        "🛒",
        tl=("Shopping", "Groceries"),
    ),
    _m("asda", "Asda", "ASDA STORES 4471", "groceries", "5411", "🛒", tl=("Shopping", "Groceries")),
    _m(
        "aldi",
        "Aldi",
        "ALDI 71 762",
        "groceries",
        "5411",
        "🛒",
        tl=("Shopping", "Groceries"),
        amex_ok=False,
    ),
    _m(
        "lidl",
        "Lidl",
        "LIDL GB LEEDS",
        "groceries",
        "5411",
        "🛒",
        tl=("Shopping", "Groceries"),
        amex_ok=False,
    ),
    _m(
        "waitrose",
        "Waitrose & Partners",
        "WAITROSE 212",
        "groceries",
        "5411",
        "🥕",
        tl=("Shopping", "Groceries"),
    ),
    _m(
        "coop",
        "Co-op",
        "CO-OP GROUP 070573",
        "groceries",
        "5411",
        "🛒",
        tl=("Shopping", "Groceries"),
    ),
    _m(
        "mands",
        "M&S Simply Food",
        "M&S SIMPLY FOOD",
        "groceries",
        "5411",
        "🥪",
        tl=("Shopping", "Groceries"),
    ),
)
COFFEE_LUNCH = (
    _m(
        "pret",
        "Pret A Manger",
        "PRET A MANGER",
        "eating_out",
        "5814",
        "☕",
        tl=("Food & Dining", "Coffee shops"),
    ),
    _m(
        "greggs",
        "Greggs",
        "GREGGS PLC",
        "eating_out",
        "5814",
        "🥐",
        tl=("Food & Dining", "Fast Food"),
        amex_ok=False,
    ),
    _m(
        "costa",
        "Costa Coffee",
        "COSTA COFFEE 43010",
        "eating_out",
        "5814",
        "☕",
        tl=("Food & Dining", "Coffee shops"),
    ),
    _m(
        "leon",
        "LEON",
        "LEON RESTAURANTS",
        "eating_out",
        "5814",
        "🥗",
        tl=("Food & Dining", "Fast Food"),
    ),
)
RESTAURANTS = (
    _m(
        "nandos",
        "Nando's",
        "NANDOS LEEDS",
        "eating_out",
        "5812",
        "🍗",
        tl=("Food & Dining", "Restaurants"),
    ),
    _m(
        "wagamama",
        "wagamama",
        "WAGAMAMA LEEDS",
        "eating_out",
        "5812",
        "🍜",
        tl=("Food & Dining", "Restaurants"),
    ),
    _m(
        "pizzaexpress",
        "PizzaExpress",
        "PIZZA EXPRESS 1123",
        "eating_out",
        "5812",
        "🍕",
        tl=("Food & Dining", "Restaurants"),
    ),
    _m(
        "dishoom",
        "Dishoom",
        "DISHOOM MANCHESTER",
        "eating_out",
        "5812",
        "🍛",
        "MANCHESTER",
        "M3 3BZ",
        tl=("Food & Dining", "Restaurants"),
    ),
)
TAKEAWAY = (
    _m(
        "deliveroo",
        "Deliveroo",
        "DELIVEROO",
        "eating_out",
        "5812",
        "🛵",
        "LONDON",
        "EC4R 1BE",
        online=True,
        tl=("Food & Dining", "Restaurants"),
    ),
    _m(
        "justeat",
        "Just Eat",
        "JUST EAT.CO.UK LTD",
        "eating_out",
        "5814",
        "🍔",
        "LONDON",
        "WC1B 3HF",
        online=True,
        tl=("Food & Dining", "Fast Food"),
    ),
)
TRANSPORT = (
    _m(
        "tfl",
        "Transport for London",
        "TFL TRAVEL CH",
        "transport",
        "4111",
        "🚇",
        "LONDON",
        "SW1H 0TL",
        tl=("Auto & Transport", "Public transportation"),
        amex_ok=False,
    ),
    _m(
        "northern",
        "Northern",
        "NORTHERN TRAINS",
        "transport",
        "4112",
        "🚆",
        tl=("Auto & Transport", "Public transportation"),
        amex_ok=False,
    ),
    _m(
        "uber",
        "Uber",
        "UBER *TRIP",
        "transport",
        "4121",
        "🚕",
        "LONDON",
        "E1 8FA",
        online=True,
        tl=("Auto & Transport", "Taxi"),
    ),
)
TRAINLINE = _m(
    "trainline",
    "Trainline",
    "TRAINLINE.COM",
    "transport",
    "4112",
    "🚆",
    "LONDON",
    "EC1A 4HD",
    online=True,
    tl=("Auto & Transport", "Public transportation"),
)
FUEL = (
    _m(
        "shell",
        "Shell",
        "SHELL HEADINGLEY",
        "transport",
        "5541",
        "⛽",
        tl=("Auto & Transport", "Gas & Fuel"),
    ),
    _m(
        "bp",
        "BP",
        "BP KIRKSTALL RD",
        "transport",
        "5541",
        "⛽",
        tl=("Auto & Transport", "Gas & Fuel"),
    ),
    _m(
        "esso",
        "Esso",
        "ESSO TESCO ALLERTON",
        "transport",
        "5541",
        "⛽",
        tl=("Auto & Transport", "Gas & Fuel"),
    ),
)
SHOPPING = (
    _m(
        "amazon",
        "Amazon",
        "AMAZON.CO.UK*1A2B3C",
        "shopping",
        "5942",
        "📦",
        "LONDON",
        "EC2A 2FA",
        online=True,
        tl=("Shopping", "General"),
    ),
    _m(
        "boots",
        "Boots",
        "BOOTS 1147",
        "shopping",
        "5912",
        "💊",
        tl=("Health & Fitness", "Pharmacy"),
    ),
    _m("argos", "Argos", "ARGOS LTD", "shopping", "5311", "🛍️", tl=("Shopping", "General")),
    _m("next", "Next", "NEXT RETAIL LTD", "shopping", "5651", "👕", tl=("Shopping", "Clothing")),
    _m(
        "uniqlo",
        "Uniqlo",
        "UNIQLO TRINITY LEEDS",
        "shopping",
        "5651",
        "👕",
        tl=("Shopping", "Clothing"),
    ),
    _m(
        "whsmith",
        "WHSmith",
        "WHSMITH LEEDS STN",
        "shopping",
        "5994",
        "📰",
        tl=("Shopping", "Books"),
    ),
)
LARGE = (
    _m("currys", "Currys", "CURRYS 2931", "shopping", "5732", "📺", tl=("Shopping", "Electronics")),
    _m(
        "johnlewis",
        "John Lewis",
        "JOHN LEWIS LEEDS",
        "shopping",
        "5311",
        "🛋️",
        tl=("Shopping", "General"),
    ),
    _m("ikea", "IKEA", "IKEA LTD LEEDS", "shopping", "5712", "🪑", tl=("Home", "Furnishings")),
    _m(
        "apple",
        "Apple",
        "APPLE.COM/UK",
        "shopping",
        "5732",
        "💻",
        "LONDON",
        "W1B 2EL",
        online=True,
        tl=("Shopping", "Electronics"),
    ),
)
ENTERTAINMENT = (
    _m(
        "odeon",
        "ODEON",
        "ODEON CINEMAS",
        "entertainment",
        "7832",
        "🎬",
        tl=("Entertainment", "Movies"),
    ),
    _m(
        "ticketmaster",
        "Ticketmaster",
        "TICKETMASTER UK",
        "entertainment",
        "7922",
        "🎟️",
        "LONDON",
        "NW1 7DX",
        online=True,
        tl=("Entertainment", "Arts"),
    ),
)
HOLIDAY = (
    _m(
        "easyjet",
        "easyJet",
        "EASYJET AIRLINE",
        "holidays",
        "4511",
        "✈️",
        "LUTON",
        "LU2 9PF",
        online=True,
        tl=("Travel", "Air Travel"),
    ),
    _m(
        "bookingcom",
        "Booking.com",
        "BOOKING.COM",
        "holidays",
        "7011",
        "🏨",
        "AMSTERDAM",
        "1017 CE",
        online=True,
        tl=("Travel", "Hotel"),
    ),
)
SUBSCRIPTION_MERCHANTS = {
    "netflix": _m(
        "netflix",
        "Netflix",
        "NETFLIX.COM",
        "entertainment",
        "4899",
        "🎬",
        "LONDON",
        "W1F 9EP",
        online=True,
        tl=("Entertainment", "Movies & DVDs"),
    ),
    "spotify": _m(
        "spotify",
        "Spotify",
        "SPOTIFY P1A2B3C4",
        "entertainment",
        "4899",
        "🎵",
        "LONDON",
        "N1 9AG",
        online=True,
        tl=("Entertainment", "Music"),
    ),
    "disney": _m(
        "disney",
        "Disney+",
        "DISNEY PLUS",
        "entertainment",
        "4899",
        "🏰",
        "LONDON",
        "W6 9PE",
        online=True,
        tl=("Entertainment", "Movies & DVDs"),
    ),
    "prime": _m(
        "prime",
        "Amazon Prime",
        "AMAZON PRIME*RT4ZX",
        "shopping",
        "5968",
        "📦",
        "LONDON",
        "EC2A 2FA",
        online=True,
        tl=("Shopping", "General"),
    ),
}
ATM = _m(
    "atm",
    "Cash machine",
    "NOTEMACHINE LEEDS",
    "cash",
    "6011",
    "🏧",
    tl=("Cash", "ATM"),
    amex_ok=False,
)

PERSON_NAMES = (
    ("Priya", "Lane"),
    ("Tom", "Okafor"),
    ("Aisha", "Khan"),
    ("Callum", "Reid"),
    ("Sophie", "Turner"),
    ("Daniel", "Evans"),
    ("Megan", "Hughes"),
    ("Oliver", "Patel"),
    ("Hannah", "Murphy"),
    ("James", "Walsh"),
    ("Chloe", "Bennett"),
    ("Ravi", "Sharma"),
)
EMPLOYERS = ("ACME LTD", "NORTHWIND TRADING LTD", "HALCYON SYSTEMS PLC", "BRIGHTWATER NHS TRUST")

PROVIDERS: dict[str, Provider] = {
    "ob-amex": Provider(
        "ob-amex",
        "AMEX",
        "https://truelayer-provider-assets.s3.amazonaws.com/global/logos/amex.svg",
        cards_only=True,
        has_cards=True,
    ),
    "uk-ob-barclaycard": Provider(
        "uk-ob-barclaycard",
        "BARCLAYCARD",
        "https://truelayer-provider-assets.s3.amazonaws.com/global/logos/barclaycard.svg",
        cards_only=True,
        has_cards=True,
    ),
    "ob-natwest": Provider(
        "ob-natwest",
        "NatWest",
        "https://truelayer-provider-assets.s3.amazonaws.com/global/logos/natwest.svg",
        cards_only=False,
        has_cards=False,
    ),
}
# Older or alternative spellings seen in auth links, mapped to the provider we simulate.
PROVIDER_ALIASES = {
    "uk-ob-amex": "ob-amex",
    "uk-oauth-amex": "ob-amex",
    "oauth-amex": "ob-amex",
    "ob-barclaycard": "uk-ob-barclaycard",
    "uk-ob-natwest": "ob-natwest",
}
# Group selectors accepted in `providers=`: which simulated providers each one offers.
PROVIDER_GROUPS = {
    "uk-ob-all": ("ob-amex", "uk-ob-barclaycard", "ob-natwest"),
    "uk-oauth-all": ("ob-amex",),
}
