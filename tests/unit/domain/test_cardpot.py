"""The credit-card pot rule's decision policy: a table of named scenarios, then edges."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from potwise.domain.cards import CardIssuer, card_issuer, owed_on_card
from potwise.domain.errors import CurrencyMismatch, DomainError
from potwise.domain.mirror import TransactionStatus
from potwise.domain.money import Money
from potwise.domain.rules.cardpot import (
    CardPotConfig,
    CardPotDecision,
    CardPotState,
    CardSnapshot,
    CurrentAccountSnapshot,
    InvalidCardPotConfig,
    InvalidCardPotInput,
    InvalidCardPotState,
    PotSnapshot,
    decide_card_pot,
)

from .cardpot_builders import (
    AMEX,
    BARCLAYCARD,
    POT,
    T0,
    after,
    barclaycard,
    card,
    config,
    run,
    settled,
    state_of,
    tx,
    with_cfg,
)

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Expect:
    action: str
    amount: int
    reason: str
    cooldown: bool = False  # a cooldown is in force after the decision
    unfunded: int = 0
    notify: bool = False
    capped: bool = False
    target: int | None = None


Scenario = Callable[[], tuple[CardPotDecision, Expect]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS[fn.__name__] = fn
    return fn


# -- building blocks shared by several scenarios -----------------------------------------


def _amex_500() -> tuple[CardSnapshot, CardPotState]:
    amex = card(50000)
    return amex, settled(amex)


def _cooldown_after_bill_paid_from_pot() -> tuple[CardSnapshot, CardPotState]:
    """£500 owed and in the pot; the pot pays the bill; the card payment is not posted yet."""
    amex, state = _amex_500()
    started = run(amex, 0, state, now=T0 + HOUR)
    assert started.reason == "cooldown_started"
    return amex, state_of(started)


def _cooldown_after_pot_drop() -> tuple[CardSnapshot, CardPotState]:
    """£500 owed; the user took £200 out of the pot."""
    amex, state = _amex_500()
    started = run(amex, 30000, state, now=T0 + HOUR)
    assert started.reason == "cooldown_started"
    return amex, state_of(started)


# -- the table -------------------------------------------------------------------------


@scenario
def in_sync() -> tuple[CardPotDecision, Expect]:
    amex, state = _amex_500()
    return run(amex, 50000, state, now=T0 + HOUR), Expect("none", 0, "in_sync", target=50000)


@scenario
def first_run_fills_the_pot_with_posted_and_pending() -> tuple[CardPotDecision, Expect]:
    amex = card(50000, pending=(tx(-1899, pending=True),))
    return run(amex, 0, None), Expect("deposit", 51899, "first_run", target=51899)


@scenario
def first_run_withdraws_a_surplus() -> tuple[CardPotDecision, Expect]:
    return run(card(50000), 60000, None), Expect("withdraw", 10000, "first_run")


@scenario
def first_run_already_in_sync() -> tuple[CardPotDecision, Expect]:
    return run(card(50000), 50000, None), Expect("none", 0, "first_run")


@scenario
def posted_spending_is_deposited_at_once() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    amex = card(54250, posted=(tx(-4250, at=T0 + HOUR),))
    return run(amex, 50000, state, now=T0 + 2 * HOUR), Expect("deposit", 4250, "new_spending")


@scenario
def amex_pending_purchase_is_deposited() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    amex = card(50000, pending=(tx(-1899, pending=True, at=T0 + HOUR),))
    decision = run(amex, 50000, state, now=T0 + 2 * HOUR)
    return decision, Expect("deposit", 1899, "new_spending", target=51899)


@scenario
def amex_pending_posts_under_a_new_id_without_double_count() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    pending = tx(-1899, pending=True, at=T0 + HOUR)
    first = run(card(50000, pending=(pending,)), 50000, state, now=T0 + 2 * HOUR)
    assert (first.action, first.amount) == ("deposit", 1899)
    posted = card(51899, posted=(tx(-1899, at=T0 + HOUR),))
    decision = run(posted, 51899, state_of(first), now=T0 + 30 * HOUR)
    return decision, Expect("none", 0, "in_sync", target=51899)


@scenario
def amex_pending_posts_with_a_tip_deposits_only_the_tip() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    first = run(card(50000, pending=(tx(-1899, pending=True),)), 50000, state, now=T0 + HOUR)
    posted = card(52100, posted=(tx(-2100),))
    decision = run(posted, 51899, state_of(first), now=T0 + 30 * HOUR)
    return decision, Expect("deposit", 201, "new_spending", target=52100)


@scenario
def pending_posts_while_money_leaves_the_pot() -> tuple[CardPotDecision, Expect]:
    # The posting is not new spending: the £200 taken from the pot is unexplained.
    _, state = _amex_500()
    first = run(card(50000, pending=(tx(-1899, pending=True),)), 50000, state, now=T0 + HOUR)
    posted = card(51899, posted=(tx(-1899),))
    decision = run(posted, 31899, state_of(first), now=T0 + 30 * HOUR)
    return decision, Expect("none", 0, "cooldown_started", cooldown=True)


@scenario
def pending_posting_under_the_same_id_is_not_new() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    first = run(card(50000, pending=(tx(-1899, pending=True, tx_id="same"),)), 50000, state)
    posted = card(51899, posted=(tx(-1899, tx_id="same"),))
    decision = run(posted, 51899, state_of(first), now=T0 + 30 * HOUR)
    return decision, Expect("none", 0, "in_sync")


@scenario
def barclaycard_pending_is_already_in_the_balance() -> tuple[CardPotDecision, Expect]:
    state = settled(barclaycard(50000))
    # The pending £30 is already part of the £530 balance: the target is £530, not £560.
    bc = barclaycard(53000, pending=(tx(-3000, card=BARCLAYCARD, pending=True),))
    decision = run(bc, 50000, state, now=T0 + HOUR)
    return decision, Expect("deposit", 3000, "new_spending", target=53000)


@scenario
def barclaycard_pending_posts_without_double_count() -> tuple[CardPotDecision, Expect]:
    state = settled(barclaycard(50000))
    bc = barclaycard(53000, pending=(tx(-3000, card=BARCLAYCARD, pending=True),))
    first = run(bc, 50000, state, now=T0 + HOUR)
    posted = barclaycard(53000, posted=(tx(-3000, card=BARCLAYCARD),))
    decision = run(posted, 53000, state_of(first), now=T0 + 20 * HOUR)
    return decision, Expect("none", 0, "in_sync")


@scenario
def pending_refund_is_not_released_early() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    amex = card(50000, pending=(tx(2500, pending=True),))
    decision = run(amex, 50000, state, now=T0 + HOUR)
    return decision, Expect("none", 0, "in_sync", target=50000)


@scenario
def posted_refund_releases_the_surplus() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    amex = card(47500, posted=(tx(2500),))
    decision = run(amex, 50000, state, now=T0 + HOUR)
    return decision, Expect("withdraw", 2500, "surplus", target=47500)


@scenario
def repayment_from_another_account_withdraws_the_pot() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    amex = card(0, posted=(tx(50000),))
    decision = run(amex, 50000, state, now=T0 + HOUR)
    return decision, Expect("withdraw", 50000, "surplus", target=0)


@scenario
def bill_paid_from_the_pot_starts_a_cooldown() -> tuple[CardPotDecision, Expect]:
    amex, state = _amex_500()
    decision = run(amex, 0, state, now=T0 + HOUR)
    assert decision.cooldown_until == T0 + 4 * HOUR
    return decision, Expect("none", 0, "cooldown_started", cooldown=True)


@scenario
def cooldown_waits_while_nothing_changes() -> tuple[CardPotDecision, Expect]:
    amex, state = _cooldown_after_bill_paid_from_pot()
    decision = run(amex, 0, state, now=T0 + 2 * HOUR)
    return decision, Expect("none", 0, "cooldown_waiting", cooldown=True)


@scenario
def payment_posts_during_cooldown_ends_it() -> tuple[CardPotDecision, Expect]:
    _, state = _cooldown_after_bill_paid_from_pot()
    paid = card(0, posted=(tx(50000),))
    decision = run(paid, 0, state, now=T0 + 2 * HOUR)
    return decision, Expect("none", 0, "cooldown_ended", target=0)


@scenario
def payment_and_new_spending_land_together_in_cooldown() -> tuple[CardPotDecision, Expect]:
    _, state = _cooldown_after_bill_paid_from_pot()
    both = card(2000, posted=(tx(50000), tx(-2000)))
    decision = run(both, 0, state, now=T0 + 2 * HOUR)
    return decision, Expect("deposit", 2000, "new_spending", target=2000)


@scenario
def repayment_and_purchase_in_one_poll_are_told_apart() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    both = card(2000, posted=(tx(50000), tx(-2000)))
    decision = run(both, 50000, state, now=T0 + HOUR)
    return decision, Expect("withdraw", 48000, "surplus", target=2000)


@scenario
def expiry_uses_live_balances_not_the_stale_baseline() -> tuple[CardPotDecision, Expect]:
    _, state = _cooldown_after_bill_paid_from_pot()
    assert state.cooldown is not None and state.cooldown.owed_at_start == 50000
    part_paid = card(30000, posted=(tx(20000),))
    decision = run(part_paid, 0, state, now=T0 + 4 * HOUR)
    return decision, Expect("deposit", 30000, "cooldown_expired", target=30000)


@scenario
def expiry_with_low_funds_moves_nothing_and_notifies() -> tuple[CardPotDecision, Expect]:
    amex, state = _cooldown_after_bill_paid_from_pot()
    decision = run(amex, 0, state, now=T0 + 5 * HOUR, available=10000)
    return decision, Expect("none", 0, "insufficient_funds", unfunded=50000, notify=True)


@scenario
def exactly_at_expiry_deposits() -> tuple[CardPotDecision, Expect]:
    amex, state = _cooldown_after_bill_paid_from_pot()
    assert state.cooldown is not None
    decision = run(amex, 0, state, now=state.cooldown.until)
    return decision, Expect("deposit", 50000, "cooldown_expired")


@scenario
def a_microsecond_before_expiry_still_waits() -> tuple[CardPotDecision, Expect]:
    amex, state = _cooldown_after_bill_paid_from_pot()
    assert state.cooldown is not None
    decision = run(amex, 0, state, now=state.cooldown.until - timedelta(microseconds=1))
    return decision, Expect("none", 0, "cooldown_waiting", cooldown=True)


@scenario
def override_on_deposits_spending_during_cooldown() -> tuple[CardPotDecision, Expect]:
    _, state = _cooldown_after_bill_paid_from_pot()
    spent = card(52000, posted=(tx(-2000, at=T0 + 2 * HOUR),))
    decision = run(spent, 0, state, now=T0 + 2 * HOUR)
    return decision, Expect("deposit", 2000, "new_spending", cooldown=True, target=52000)


@scenario
def override_off_waits_for_the_cooldown() -> tuple[CardPotDecision, Expect]:
    amex, _ = _amex_500()
    cfg = with_cfg(config(), override_cooldown_on_spending=False)
    state = state_of(run(amex, 0, settled(amex, cfg=cfg), now=T0 + HOUR, cfg=cfg))
    spent = card(52000, posted=(tx(-2000, at=T0 + 2 * HOUR),))
    decision = run(spent, 0, state, now=T0 + 2 * HOUR, cfg=cfg)
    return decision, Expect("none", 0, "cooldown_waiting", cooldown=True)


@scenario
def override_off_expiry_deposits_everything_once() -> tuple[CardPotDecision, Expect]:
    amex, _ = _amex_500()
    cfg = with_cfg(config(), override_cooldown_on_spending=False)
    state = state_of(run(amex, 0, settled(amex, cfg=cfg), now=T0 + HOUR, cfg=cfg))
    spent = card(52000, posted=(tx(-2000, at=T0 + 2 * HOUR),))
    waiting = run(spent, 0, state, now=T0 + 2 * HOUR, cfg=cfg)
    decision = run(spent, 0, state_of(waiting), now=T0 + 4 * HOUR, cfg=cfg)
    return decision, Expect("deposit", 52000, "cooldown_expired")


@scenario
def pot_drop_and_small_purchase_in_one_poll() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    spent = card(51000, posted=(tx(-1000),))
    decision = run(spent, 30000, state, now=T0 + HOUR)
    assert decision.cooldown_until == T0 + 4 * HOUR
    return decision, Expect("deposit", 1000, "new_spending", cooldown=True, target=51000)


@scenario
def pot_over_funded_is_withdrawn() -> tuple[CardPotDecision, Expect]:
    amex, state = _amex_500()
    return run(amex, 70000, state, now=T0 + HOUR), Expect("withdraw", 20000, "surplus")


@scenario
def user_tops_up_the_pot_during_cooldown() -> tuple[CardPotDecision, Expect]:
    amex, state = _cooldown_after_pot_drop()
    decision = run(amex, 50000, state, now=T0 + 2 * HOUR)
    return decision, Expect("none", 0, "cooldown_ended")


@scenario
def user_overfills_the_pot_during_cooldown() -> tuple[CardPotDecision, Expect]:
    amex, state = _cooldown_after_pot_drop()
    decision = run(amex, 60000, state, now=T0 + 2 * HOUR)
    return decision, Expect("withdraw", 10000, "surplus")


@scenario
def repaid_elsewhere_during_cooldown() -> tuple[CardPotDecision, Expect]:
    _, state = _cooldown_after_pot_drop()
    repaid = card(0, posted=(tx(50000),))
    decision = run(repaid, 30000, state, now=T0 + 2 * HOUR)
    return decision, Expect("withdraw", 30000, "surplus", target=0)


@scenario
def insufficient_funds_for_new_spending() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    spent = card(52000, posted=(tx(-2000),))
    decision = run(spent, 50000, state, now=T0 + HOUR, available=1999)
    return decision, Expect("none", 0, "insufficient_funds", unfunded=2000, notify=True)


@scenario
def insufficient_funds_notifies_only_once() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    spent = card(52000, posted=(tx(-2000),))
    first = run(spent, 50000, state, now=T0 + HOUR, available=500)
    decision = run(spent, 50000, state_of(first), now=T0 + 2 * HOUR, available=500)
    return decision, Expect("none", 0, "insufficient_funds", unfunded=2000)


@scenario
def funds_recover_and_the_waiting_spending_is_deposited() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    spent = card(52000, posted=(tx(-2000),))
    first = run(spent, 50000, state, now=T0 + HOUR, available=500)
    decision = run(spent, 50000, state_of(first), now=T0 + 2 * HOUR, available=2000)
    assert not state_of(decision).funds_notified
    return decision, Expect("deposit", 2000, "carried_over")


@scenario
def exactly_enough_funds_is_enough() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    spent = card(52000, posted=(tx(-2000),))
    decision = run(spent, 50000, state, now=T0 + HOUR, available=2000)
    return decision, Expect("deposit", 2000, "new_spending")


@scenario
def two_cards_one_pot_in_sync() -> tuple[CardPotDecision, Expect]:
    cards = [card(30000), barclaycard(20000)]
    state = settled(cards)
    return run(cards, 50000, state, now=T0 + HOUR), Expect("none", 0, "in_sync", target=50000)


@scenario
def two_cards_one_pot_new_spending_on_both() -> tuple[CardPotDecision, Expect]:
    state = settled([card(30000), barclaycard(20000)])
    cards = [
        card(30000, pending=(tx(-1000, pending=True),)),
        barclaycard(20500, posted=(tx(-500, card=BARCLAYCARD),)),
    ]
    decision = run(cards, 50000, state, now=T0 + HOUR)
    return decision, Expect("deposit", 1500, "new_spending", target=51500)


@scenario
def two_cards_two_pots_other_rules_card_is_ignored() -> tuple[CardPotDecision, Expect]:
    state = settled(card(30000), cfg=config(pot_id="pot-amex"))
    # Spending on the Barclaycard does not concern the Amex rule at all.
    decision = run(card(30000), 30000, state, now=T0 + HOUR, pot_id="pot-amex")
    return decision, Expect("none", 0, "in_sync", target=30000)


@scenario
def card_in_credit_owes_nothing() -> tuple[CardPotDecision, Expect]:
    return run(card(-5000), 0, None), Expect("none", 0, "first_run", target=0)


@scenario
def card_in_credit_does_not_pay_another_cards_bill() -> tuple[CardPotDecision, Expect]:
    cards = [card(-5000), barclaycard(10000)]
    return run(cards, 0, None), Expect("deposit", 10000, "first_run", target=10000)


@scenario
def penny_exactness_from_decimal_pounds() -> tuple[CardPotDecision, Expect]:
    def pence(text: str) -> int:
        return Money.from_decimal(Decimal(text), "GBP").minor

    pending = tuple(
        tx(-pence(p), pending=True) for p in ("0.10", "0.20", "19.99", "234.565")
    )  # 234.565 rounds half-even to 234.56
    amex = card(pence("518.99"), pending=pending)
    return run(amex, 0, None), Expect("deposit", 77384, "first_run", target=77384)


@scenario
def max_transfer_caps_a_deposit() -> tuple[CardPotDecision, Expect]:
    decision = run(card(250000), 0, None)
    return decision, Expect(
        "deposit", 100000, "capped_by_limit", unfunded=150000, capped=True, target=250000
    )


@scenario
def capped_rest_follows_on_the_next_run() -> tuple[CardPotDecision, Expect]:
    first = run(card(250000), 0, None)
    decision = run(card(250000), 100000, state_of(first), now=T0 + HOUR, moved_today=100000)
    return decision, Expect("deposit", 100000, "capped_by_limit", unfunded=50000, capped=True)


@scenario
def max_per_day_caps_a_deposit() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    spent = card(70000, posted=(tx(-20000),))
    decision = run(spent, 50000, state, now=T0 + HOUR, moved_today=290000)
    return decision, Expect("deposit", 10000, "capped_by_limit", unfunded=10000, capped=True)


@scenario
def daily_limit_used_up_moves_nothing() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    spent = card(52000, posted=(tx(-2000),))
    decision = run(spent, 50000, state, now=T0 + HOUR, moved_today=300000)
    return decision, Expect("none", 0, "daily_limit_reached", unfunded=2000, capped=True)


@scenario
def withdrawals_are_not_capped() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    decision = run(card(0, posted=(tx(50000),)), 500000, state, now=T0 + HOUR, moved_today=300000)
    return decision, Expect("withdraw", 500000, "surplus", target=0)


@scenario
def pot_deleted_pauses() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    decision = run(card(60000, posted=(tx(-10000),)), 0, state, now=T0 + HOUR, deleted=True)
    assert decision.new_state is state
    return decision, Expect("none", 0, "pot_deleted")


@scenario
def cancelled_authorisation_releases_its_money() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    first = run(card(50000, pending=(tx(-5000, pending=True),)), 50000, state, now=T0 + HOUR)
    decision = run(card(50000), 55000, state_of(first), now=T0 + 2 * HOUR)
    return decision, Expect("withdraw", 5000, "surplus")


@scenario
def other_issuers_pending_counts_once_when_posted() -> tuple[CardPotDecision, Expect]:
    hsbc = card(50000, provider="uk-ob-hsbc")
    state = settled(hsbc)
    pending = tx(-700, pending=True)
    waiting = run(card(50000, provider="uk-ob-hsbc", pending=(pending,)), 50000, state)
    assert waiting.reason == "in_sync"
    posted = card(50700, provider="uk-ob-hsbc", posted=(tx(-700, tx_id=pending.external_id),))
    decision = run(posted, 50000, state_of(waiting), now=T0 + 20 * HOUR)
    return decision, Expect("deposit", 700, "new_spending")


@scenario
def card_added_to_a_rule_counts_as_new() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    cards = [card(50000), barclaycard(12000)]
    decision = run(cards, 50000, state, now=T0 + HOUR)
    return decision, Expect("deposit", 12000, "new_spending", target=62000)


@scenario
def zero_hour_cooldown_refills_at_once() -> tuple[CardPotDecision, Expect]:
    amex = card(50000)
    cfg = with_cfg(config(), cooldown_hours=0)
    decision = run(amex, 0, settled(amex, cfg=cfg), now=T0 + HOUR, cfg=cfg)
    return decision, Expect("deposit", 50000, "no_cooldown")


@scenario
def halifax_owes_credit_limit_minus_available() -> tuple[CardPotDecision, Expect]:
    halifax = card(40000, provider="uk-ob-halifax", credit_limit=200000, available=155000)
    return run(halifax, 0, None), Expect("deposit", 45000, "first_run", target=45000)


@scenario
def old_unseen_transactions_are_not_new_spending() -> tuple[CardPotDecision, Expect]:
    # Listed for the first time but too old to be new: the £20 taken from the pot is
    # not explained by it (were it new spending, it would be deposited at once).
    _, state = _amex_500()
    old = tx(-2000, at=T0 - timedelta(days=60))
    decision = run(card(50000, posted=(old,)), 48000, state, now=T0 + HOUR)
    assert decision.new_spending == 0
    return decision, Expect("none", 0, "cooldown_started", cooldown=True)


@scenario
def a_new_pot_for_the_rule_starts_afresh() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    decision = run(card(50000), 0, state, now=T0 + HOUR, pot_id="pot-2")
    return decision, Expect("deposit", 50000, "first_run")


# -- balances read before their transactions -------------------------------------------


@scenario
def balance_rose_with_no_transactions_is_deposited_as_spending() -> tuple[CardPotDecision, Expect]:
    # A refresh of the balance alone: £45.67 more owed, its transactions not read yet.
    _, state = _amex_500()
    decision = run(card(54567), 50000, state, now=T0 + HOUR)
    assert decision.new_spending == 4567
    assert state_of(decision).cards[AMEX].covered_ahead == 4567
    return decision, Expect("deposit", 4567, "new_spending", target=54567)


@scenario
def balance_rose_then_its_transactions_arrive_nothing_counted_twice() -> tuple[
    CardPotDecision, Expect
]:
    _, state = _amex_500()
    first = run(card(54567), 50000, state, now=T0 + HOUR)
    assert (first.action, first.amount) == ("deposit", 4567)
    shown = card(54567, posted=(tx(-4567, at=T0 + HOUR / 2),))
    decision = run(shown, after(first, 50000), state_of(first), now=T0 + 2 * HOUR)
    assert decision.new_spending == 0
    assert state_of(decision).cards[AMEX].covered_ahead == 0
    return decision, Expect("none", 0, "in_sync", target=54567)


@scenario
def covered_rise_is_not_spending_again_when_money_leaves_the_pot() -> tuple[
    CardPotDecision, Expect
]:
    # The transactions behind a rise already covered arrive as £200 leaves the pot:
    # they do not explain the £200, which waits for the cooldown.
    _, state = _amex_500()
    first = run(card(54567), 50000, state, now=T0 + HOUR)
    shown = card(54567, posted=(tx(-4567, at=T0 + HOUR / 2),))
    decision = run(shown, after(first, 50000) - 20000, state_of(first), now=T0 + 2 * HOUR)
    assert decision.new_spending == 0
    return decision, Expect("none", 0, "cooldown_started", cooldown=True)


@scenario
def purchase_posted_without_a_pending_stage_is_deposited_at_once() -> tuple[
    CardPotDecision, Expect
]:
    # A card whose owed figure leaves pending charges out: a purchase that posts
    # directly raises the balance before the posted list shows it.
    hsbc = card(50000, provider="uk-ob-hsbc")
    decision = run(card(53000, provider="uk-ob-hsbc"), 50000, settled(hsbc), now=T0 + HOUR)
    return decision, Expect("deposit", 3000, "new_spending", target=53000)


@scenario
def rise_with_some_transactions_seen_covers_the_rest_too() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    partly = card(56000, posted=(tx(-1000, at=T0 + HOUR / 2),))
    decision = run(partly, 50000, state, now=T0 + HOUR)
    assert state_of(decision).cards[AMEX].covered_ahead == 5000
    return decision, Expect("deposit", 6000, "new_spending", target=56000)


@scenario
def money_taken_from_the_pot_by_hand_starts_a_cooldown() -> tuple[CardPotDecision, Expect]:
    amex, state = _amex_500()
    decision = run(amex, 45433, state, now=T0 + HOUR)
    return decision, Expect("none", 0, "cooldown_started", cooldown=True)


@scenario
def card_repaid_with_no_transactions_seen_withdraws_the_surplus() -> tuple[CardPotDecision, Expect]:
    _, state = _amex_500()
    decision = run(card(30000), 50000, state, now=T0 + HOUR)
    return decision, Expect("withdraw", 20000, "surplus", target=30000)


@scenario
def bill_paid_from_the_pot_seen_on_both_is_in_sync() -> tuple[CardPotDecision, Expect]:
    # The pot paid the card, and both balances show it: nothing to move, now or when
    # the payment is listed on the card.
    _, state = _amex_500()
    both = run(card(0), 0, state, now=T0 + HOUR)
    assert (both.action, both.reason) == ("none", "in_sync")
    listed = card(0, posted=(tx(50000, at=T0 + HOUR / 2),))
    decision = run(listed, 0, state_of(both), now=T0 + 2 * HOUR)
    return decision, Expect("none", 0, "in_sync", target=0)


@scenario
def card_fell_while_the_pot_is_short_starts_a_cooldown() -> tuple[CardPotDecision, Expect]:
    # The rule left the pot £100 short; the card now owes £50 less, and the pot did
    # not fall: the rest is not spending, and a card that fell starts a cooldown.
    _, state = _amex_500()
    decision = run(card(45000), 40000, replace(state, pot_left=40000), now=T0 + HOUR)
    return decision, Expect("none", 0, "cooldown_started", cooldown=True, target=45000)


@scenario
def a_failed_deposit_is_not_taken_for_a_pot_that_fell() -> tuple[CardPotDecision, Expect]:
    # The deposit for a rise is refused: its state is never kept (the executor keeps
    # a state once its move is confirmed), so the next run starts from the one before.
    _, state = _amex_500()
    refused = run(card(54567), 50000, state, now=T0 + HOUR)
    assert (refused.action, refused.amount) == ("deposit", 4567)
    decision = run(card(54567), 50000, state, now=T0 + 2 * HOUR)
    return decision, Expect("deposit", 4567, "new_spending")


@scenario
def shortfall_with_nothing_fallen_is_deposited() -> tuple[CardPotDecision, Expect]:
    # The rule left the pot £45.67 short (a state it could not fill in full and did
    # not carry): neither the pot nor the card fell since, so no cooldown.
    _, state = _amex_500()
    short = replace(state, pot_left=45433)
    decision = run(card(50000), 45433, short, now=T0 + HOUR)
    return decision, Expect("deposit", 4567, "shortfall_covered")


@scenario
def old_state_without_balances_reads_a_shortfall_as_spending() -> tuple[CardPotDecision, Expect]:
    # Stored before the pot and the cards' balances were kept: nothing says what fell,
    # so the safe reading covers the shortfall at once.
    _, state = _amex_500()
    old = CardPotState.from_dict(_without_balances(state.to_dict()))
    assert old.pot_left is None and old.cards[AMEX].owed is None
    decision = run(card(54567), 50000, old, now=T0 + HOUR)
    kept = state_of(decision)
    assert (kept.pot_left, kept.cards[AMEX].owed) == (54567, 54567)
    return decision, Expect("deposit", 4567, "shortfall_covered", target=54567)


@scenario
def rise_during_a_cooldown_is_covered_with_the_override() -> tuple[CardPotDecision, Expect]:
    _, state = _cooldown_after_bill_paid_from_pot()
    decision = run(card(54567), 0, state, now=T0 + 2 * HOUR)
    return decision, Expect("deposit", 4567, "new_spending", cooldown=True, target=54567)


@scenario
def rise_during_a_cooldown_waits_without_the_override() -> tuple[CardPotDecision, Expect]:
    amex, _ = _amex_500()
    cfg = with_cfg(config(), override_cooldown_on_spending=False)
    state = state_of(run(amex, 0, settled(amex, cfg=cfg), now=T0 + HOUR, cfg=cfg))
    decision = run(card(54567), 0, state, now=T0 + 2 * HOUR, cfg=cfg)
    return decision, Expect("none", 0, "cooldown_waiting", cooldown=True)


def _without_balances(data: dict[str, object]) -> dict[str, object]:
    """A stored state as a release that kept no pot or card balances wrote it."""
    cards = data["cards"]
    assert isinstance(cards, dict)
    return {
        **{k: v for k, v in data.items() if k != "pot_left"},
        "cards": {
            card_id: {k: v for k, v in memory.items() if k not in ("owed", "covered_ahead")}
            for card_id, memory in cards.items()
        },
    }


@pytest.mark.parametrize("name", list(SCENARIOS), ids=list(SCENARIOS))
def test_scenario(name: str) -> None:
    decision, expect = SCENARIOS[name]()
    assert (decision.action, decision.amount, decision.reason) == (
        expect.action,
        expect.amount,
        expect.reason,
    ), decision.explanation
    assert decision.capped is expect.capped
    assert (decision.notify is not None) is expect.notify
    if expect.target is not None:
        assert decision.target == expect.target
    if decision.reason != "pot_deleted":
        state = state_of(decision)
        assert (state.cooldown is not None) is expect.cooldown
        assert state.unfunded == expect.unfunded
        assert state.recorded_owed == decision.target
    assert (decision.action == "none") is (decision.amount == 0)
    assert decision.explanation


def test_the_table_has_at_least_thirty_scenarios() -> None:
    assert len(SCENARIOS) >= 30


# -- explanations ------------------------------------------------------------------------


def test_explanation_reads_like_the_issue_example() -> None:
    _, state = _amex_500()
    amex = card(50000, pending=(tx(-1899, pending=True, at=T0 + HOUR),))
    decision = run(amex, 50000, state, now=T0 + 2 * HOUR)
    assert decision.explanation == (
        "Amex owes £518.99 (£500.00 posted + £18.99 pending); pot holds £500.00; "
        "new spending of £18.99 since 14:02 → deposit £18.99"
    )


def test_an_unexplained_rise_names_the_card_the_amount_and_what_is_not_seen() -> None:
    _, state = _amex_500()
    decision = run(card(54567), 50000, state, now=T0 + HOUR)
    assert decision.explanation == (
        "Amex owes £545.67; pot holds £500.00; Amex owes £45.67 more since 14:02 with no "
        "transactions seen yet: covered as spending (the next card refresh shows what it was) "
        "→ deposit £45.67"
    )
    two = [card(30000), barclaycard(20000)]
    risen = run([card(31000), barclaycard(22000)], 50000, settled(two), now=T0 + HOUR)
    assert (
        "Amex owes £10.00 more and Barclaycard owes £20.00 more since 14:02 with no "
        "transactions seen yet: covered as spending (the next card refresh shows what they were)"
        " → deposit £30.00"
    ) in risen.explanation


def test_a_cooldown_says_what_fell() -> None:
    amex, state = _amex_500()
    by_hand = run(amex, 45433, state, now=T0 + HOUR)
    assert by_hand.explanation == (
        "Amex owes £500.00; pot holds £454.33; pot is £45.67 short with no new card spending "
        "since 14:02 and the pot holds £45.67 less than potwise left in it (a bill paid or "
        "money taken from the pot?) → cooldown, waiting until 18:02 before topping up"
    )
    card_fell = run(card(45000), 40000, replace(state, pot_left=40000), now=T0 + HOUR)
    assert "and a card owes less than it did (a bill paid from the pot?) → cooldown" in (
        card_fell.explanation
    )


def test_a_shortfall_covered_says_why_no_cooldown() -> None:
    _, state = _amex_500()
    known = run(card(50000), 45433, replace(state, pot_left=45433), now=T0 + HOUR)
    assert known.explanation.endswith(
        "pot is £45.67 short with no new card spending since 14:02 but neither the pot nor a "
        "card's balance fell, so no bill was paid from the pot → deposit £45.67"
    )
    unknown = run(card(50000), 45433, replace(state, pot_left=None), now=T0 + HOUR)
    assert "stored by an earlier version of potwise" in unknown.explanation
    assert "(the pot holds at least what is owed) → deposit £45.67" in unknown.explanation


def test_explanations_show_local_time_and_say_when_capped() -> None:
    summer = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 in London
    amex, _ = _amex_500()
    state = state_of(run(amex, 0, settled(amex, at=summer), now=summer))
    assert state.cooldown is not None
    assert (
        "cooldown, waiting until 13:00"
        in run(amex, 0, settled(amex, at=summer), now=summer).explanation
    )
    capped = run(card(250000), 0, None)
    assert "capped by the £1,000.00 per-transfer limit" in capped.explanation
    assert "£1,500.00 on later runs" in capped.explanation


def test_insufficient_funds_explains_and_notifies_with_the_numbers() -> None:
    _, state = _amex_500()
    decision = run(card(52000, posted=(tx(-2000),)), 50000, state, now=T0 + HOUR, available=1500)
    assert decision.notify is not None
    assert "£20.00" in decision.notify and "£15.00" in decision.notify
    assert "only £15.00 available → nothing moves" in decision.explanation


def test_two_pots_each_follow_only_their_own_cards() -> None:
    amex_cfg = config((AMEX,), pot_id="pot-amex")
    bc_cfg = config((BARCLAYCARD,), pot_id="pot-bc")
    amex_state = settled(card(30000), cfg=amex_cfg)
    bc_state = settled(barclaycard(20000), cfg=bc_cfg)
    spent = barclaycard(25000, posted=(tx(-5000, card=BARCLAYCARD),))
    for_amex = run(card(30000), 30000, amex_state, now=T0 + HOUR, cfg=amex_cfg)
    for_bc = run(spent, 20000, bc_state, now=T0 + HOUR, cfg=bc_cfg)
    assert (for_amex.action, for_amex.reason) == ("none", "in_sync")
    assert (for_bc.action, for_bc.amount) == ("deposit", 5000)


def test_running_again_after_applying_a_move_does_nothing() -> None:
    _, state = _amex_500()
    spent = card(50000, pending=(tx(-2000, pending=True),))
    first = run(spent, 50000, state, now=T0 + HOUR)
    assert (first.action, first.amount) == ("deposit", 2000)
    again = run(spent, after(first, 50000), state_of(first), now=T0 + HOUR)
    assert (again.action, again.reason) == ("none", "in_sync")


# -- owed_on_card and issuers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "issuer"),
    [
        ("ob-amex", CardIssuer.AMEX),
        ("uk-ob-amex", CardIssuer.AMEX),
        ("oauth-amex", CardIssuer.AMEX),
        ("AMEX", CardIssuer.AMEX),
        ("uk-ob-barclaycard", CardIssuer.BARCLAYCARD),
        ("BARCLAYCARD", CardIssuer.BARCLAYCARD),
        ("uk-ob-halifax", CardIssuer.LLOYDS_GROUP),
        ("uk-ob-hsbc", CardIssuer.OTHER),
    ],
)
def test_card_issuer_reads_ids_and_display_names(provider: str, issuer: CardIssuer) -> None:
    assert card_issuer(provider) is issuer


def test_owed_on_card_per_issuer() -> None:
    pending = (tx(-1899, pending=True), tx(2500, pending=True))
    assert owed_on_card(card(50000, pending=pending)) == 51899
    assert owed_on_card(barclaycard(50000, pending=pending)) == 50000
    assert owed_on_card(card(50000, provider="uk-ob-hsbc", pending=pending)) == 50000
    assert owed_on_card(card(-100, pending=(tx(-50, pending=True),))) == 0
    halifax = card(1, provider="uk-ob-halifax")
    assert owed_on_card(halifax) == 1  # no limit/available: the posted balance


def test_owed_on_card_ignores_declined_and_foreign_currency_pending() -> None:
    declined = replace(tx(-1000, pending=True), status=TransactionStatus.DECLINED)
    foreign = tx(-1000, pending=True, currency="EUR")
    assert owed_on_card(card(50000, pending=(declined, foreign))) == 50000


# -- refusals --------------------------------------------------------------------------


def test_mixed_currencies_are_refused() -> None:
    with pytest.raises(CurrencyMismatch) as info:
        run(card(50000, currency="EUR"), 0, None)
    assert isinstance(info.value, DomainError)
    cfg = config()
    with pytest.raises(CurrencyMismatch):
        decide_card_pot(
            cfg,
            cards=[card(50000)],
            pot=PotSnapshot(POT, 0, "GBP"),
            current=CurrentAccountSnapshot(100, "EUR"),
            moved_today=0,
            state=None,
            now=T0,
        )


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        run(card(50000), 0, None, now=datetime(2025, 3, 3, 14, 2))  # noqa: DTZ001


def test_inputs_must_belong_to_the_rule() -> None:
    with pytest.raises(InvalidCardPotInput):
        run(card(50000), 0, None, cfg=config((AMEX, BARCLAYCARD)))
    with pytest.raises(InvalidCardPotInput):
        decide_card_pot(
            config(),
            cards=[card(50000)],
            pot=PotSnapshot("another-pot", 0, "GBP"),
            current=CurrentAccountSnapshot(100, "GBP"),
            moved_today=0,
            state=None,
            now=T0,
        )
    with pytest.raises(InvalidCardPotInput):
        PotSnapshot(POT, -1, "GBP")
    with pytest.raises(TypeError):
        card(Decimal("1.50"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"cooldown_hours": -1},
        {"cooldown_hours": 73},
        {"cooldown_hours": 1.5},
        {"max_transfer": 0},
        {"max_per_day": -5},
        {"max_transfer": 10.0},
        {"card_account_ids": ()},
        {"card_account_ids": (AMEX, AMEX)},
        {"pot_id": ""},
        {"override_cooldown_on_spending": "yes"},
    ],
    ids=lambda c: ",".join(f"{k}={v!r}" for k, v in c.items()),
)
def test_invalid_configs_are_refused(changes: dict[str, object]) -> None:
    base: dict[str, object] = {"pot_id": POT, "card_account_ids": (AMEX,)}
    with pytest.raises(InvalidCardPotConfig):
        CardPotConfig(**{**base, **changes})  # type: ignore[arg-type]


def test_config_round_trips_and_refuses_unknown_fields() -> None:
    cfg = CardPotConfig.from_dict({"pot_id": POT, "card_account_ids": [AMEX], "cooldown_hours": 72})
    assert cfg.card_account_ids == (AMEX,)
    assert CardPotConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.to_dict()["override_cooldown_on_spending"] is True
    with pytest.raises(InvalidCardPotConfig, match="unknown"):
        CardPotConfig.from_dict({**cfg.to_dict(), "max_transfers": 5})


# -- state ---------------------------------------------------------------------------


def test_state_round_trips_through_json() -> None:
    _, state = _cooldown_after_pot_drop()
    spent = card(51000, pending=(tx(-1000, pending=True),), posted=(tx(-300),))
    decision = run(spent, 30000, state, now=T0 + 2 * HOUR, available=10)
    new_state = state_of(decision)
    data = json.loads(json.dumps(new_state.to_dict()))
    assert data["version"] == 1
    assert CardPotState.from_dict(data) == new_state
    assert json.loads(json.dumps(decision.to_dict()))["reason"] == "insufficient_funds"


@pytest.mark.parametrize(
    "damage",
    [
        {"version": 2},
        {"recorded_at": "2025-03-03T14:02:00"},
        {"recorded_owed": "500"},
        {"cards": None},
        {"funds_notified": "no"},
    ],
    ids=["version", "naive-time", "string-pence", "cards", "flag"],
)
def test_unreadable_state_is_refused(damage: dict[str, object]) -> None:
    _, state = _amex_500()
    with pytest.raises(InvalidCardPotState):
        CardPotState.from_dict({**state.to_dict(), **damage})


def test_a_restart_keeps_the_cooldown() -> None:
    amex, state = _cooldown_after_bill_paid_from_pot()
    restored = CardPotState.from_dict(json.loads(json.dumps(state.to_dict())))
    decision = run(amex, 0, restored, now=T0 + 2 * HOUR)
    assert decision.reason == "cooldown_waiting"
    assert decision.cooldown_until == T0 + 4 * HOUR


def test_non_utc_now_is_recorded_in_utc() -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2025, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    decision = run(card(50000), 50000, None, now=local)
    assert state_of(decision).recorded_at == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
