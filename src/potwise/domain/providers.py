"""What banks and card providers are called: one name each, on every page and in the
API's display fields, whatever the provider calls itself ("AMEX", "BARCLAYCARD")."""

from __future__ import annotations

from potwise.domain.merchants import merchant_name

#: The Open Banking providers potwise knows by their TrueLayer provider id.
BANK_NAMES: dict[str, str] = {
    "ob-amex": "American Express",
    "uk-ob-barclaycard": "Barclaycard",
    "ob-barclaycard": "Barclaycard",
    "ob-natwest": "NatWest",
    "ob-barclays": "Barclays",
    "ob-hsbc": "HSBC",
    "ob-lloyds": "Lloyds",
    "ob-santander": "Santander",
    "ob-nationwide": "Nationwide",
    "ob-capital-one": "Capital One",
    "ob-monzo": "Monzo",
}
#: The same providers by what they may call themselves.
_BY_OWN_NAME = {"amex": "American Express", "american express": "American Express"}


def provider_name(
    provider: str, provider_id: str | None = None, own_name: str | None = None
) -> str:
    """The one name of a connection's bank or card provider: Monzo; a known Open
    Banking provider by its id ("ob-amex" → "American Express"); else the name it
    gave, written as a name ("BARCLAYCARD" → "Barclaycard"); else "Open Banking"."""
    if provider == "monzo":
        return "Monzo"
    known = BANK_NAMES.get(provider_id or "")
    return known or _own_name((own_name or "").strip())


def _own_name(text: str) -> str:
    if not text:
        return "Open Banking"
    if text in BANK_NAMES.values():
        return text
    by_name = _BY_OWN_NAME.get(text.lower())
    if by_name is not None:
        return by_name
    if text == text.upper() or text == text.lower():
        return merchant_name(" ".join(text.lower().split()))
    return text
