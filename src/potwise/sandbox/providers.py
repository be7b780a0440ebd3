"""The TrueLayer providers the sandbox simulates, the other names auth links give them,
and which of them a link offers."""

from __future__ import annotations

from potwise.sandbox.model import Provider

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
    # Card-only like Amex, and its purchases post without a pending stage; only households
    # asked for it hold a card (POST /_sandbox/users {"cards": [...]}).
    "ob-capital-one": Provider(
        "ob-capital-one",
        "Capital One",
        "https://truelayer-provider-assets.s3.amazonaws.com/global/logos/capital-one.svg",
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
    "uk-ob-capital-one": "ob-capital-one",
}
# Group selectors accepted in `providers=`: which simulated providers each one offers.
# Refuse `/accounts` as not supported (501), as the reference reports for them.
NO_ACCOUNTS_ENDPOINT = frozenset({"ob-amex", "ob-capital-one"})
PROVIDER_GROUPS = {
    "uk-ob-all": ("ob-amex", "uk-ob-barclaycard", "ob-natwest", "ob-capital-one"),
    "uk-oauth-all": ("ob-amex",),
}


def offered_providers(selectors: str | None, provider_id: str | None) -> list[Provider]:
    """Which simulated providers an auth link's `providers` (and `provider_id`) offer."""
    if not selectors:
        chosen = list(PROVIDERS)
    else:
        chosen = []
        for selector in selectors.split():
            for pid in PROVIDER_GROUPS.get(selector, (PROVIDER_ALIASES.get(selector, selector),)):
                if pid in PROVIDERS and pid not in chosen:
                    chosen.append(pid)
    if provider_id:
        wanted = PROVIDER_ALIASES.get(provider_id, provider_id)
        chosen = [pid for pid in chosen if pid == wanted]
    return [PROVIDERS[pid] for pid in chosen]
