"""Card purchases as each bank shows them: pending first, settled a few working days later.

On the TrueLayer side each provider words its rows its own way (Amex, Barclaycard,
a NatWest debit card); some authorisations vanish and some grow by a tip before
they settle. Monzo card payments settle in the same few working days.
"""

from __future__ import annotations

import random
from datetime import date, datetime

from potwise.sandbox.household import Household
from potwise.sandbox.model import MerchantSpec, TLAccount
from potwise.sandbox.ukcalendar import add_working_days


def _wording(
    h: Household, card: TLAccount, spec: MerchantSpec, refund: bool
) -> tuple[dict[str, str], str, str]:
    """(meta, category, description) of a purchase row, as the card's provider writes it."""
    if card.provider_id == "ob-amex":
        meta = {
            "provider_merchant_name": spec.name.upper(),
            "transaction_type": "CREDIT" if refund else "DEBIT",
            "provider_reference": "AT" + h.ids.digits(21),
        }
        return meta, "CREDIT" if refund else "DEBIT", f"{spec.acquirer_text} {spec.city}"
    if card.kind == "card":
        meta = {
            "provider_transaction_category": "REF" if refund else "PUR",
            "cardNumber": f"4929********{card.partial_card_number}",
        }
        return meta, "CREDIT" if refund else "PURCHASE", spec.acquirer_text
    meta = {"provider_transaction_category": "DEB"}
    return meta, "PURCHASE", f"CARD PAYMENT TO {spec.acquirer_text}"


def card_purchase(
    h: Household,
    card: TLAccount,
    spec: MerchantSpec,
    amount: int,
    t: datetime,
    day: date,
    *,
    vanish_ok: bool = True,
    refund: bool = False,
    truth_key: str | None = None,
    rng: random.Random | None = None,
) -> None:
    """A pending row now, settled (or vanished) a few working days later."""
    signed = -amount if refund else amount
    if card.kind == "account":
        signed = -signed
    meta, category, text = _wording(h, card, spec, refund)
    pending = h.tl_add_pending(
        card,
        h.tl_new_row(
            card,
            t,
            signed,
            text,
            category,
            merchant_name=spec.name,
            classification=spec.tl_classification,
            meta=meta,
            pending=True,
        ),
    )
    vanish = bool(vanish_ok and rng is not None and rng.random() < 0.04)
    tip = bool(rng is not None and spec.category == "eating_out" and rng.random() < 0.1)
    settle_day = add_working_days(day, 1 + (day.toordinal() + amount) % 3)
    settle_at = datetime.combine(settle_day, t.timetz()).replace(hour=3)

    def settle(w: datetime) -> None:
        if tip:
            pending.amount += (pending.amount // 10) if pending.amount > 0 else 0
        row = h.tl_settle(card, pending, w, vanish=vanish)
        if row is not None and truth_key is not None:
            h.recurring[truth_key].transaction_ids.append(row.transaction_id)

    h.schedule(settle_at, settle)


def settle_monzo_later(
    h: Household, tx_id: str, day: date, t: datetime, settle_amount: int | None
) -> None:
    """Settle a Monzo card payment 1-3 working days on, for `settle_amount` if given."""
    settle_day = add_working_days(day, 1 + (day.toordinal() + len(tx_id)) % 3)
    when = datetime.combine(settle_day, t.timetz()).replace(hour=4)
    h.schedule(when, lambda w: h.settle_monzo(h.monzo_txs[tx_id], w, settle_amount))


def monzo_refund(
    h: Household, account_id: str, spec: MerchantSpec, amount: int, t: datetime
) -> None:
    tx = h.card_payment(account_id, spec, amount, t, refund=True)
    settle_monzo_later(h, tx.id, t.date(), t, None)
