"""The household's plan: its people, Monzo accounts and pots, cards and NatWest account.

Opened once, before any day of life is generated. The steps run in the order
the household's ids are drawn in, which is part of what makes it reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from potwise.sandbox import catalogue as cat
from potwise.sandbox.household import Household, Person
from potwise.sandbox.model import DirectDebit, MonzoAccount, Pot, StandingOrder, TLAccount


@dataclass(slots=True)
class Pots:
    """The pots the household moves money into and out of by habit."""

    bills: Pot
    holiday: Pot
    card: Pot
    home: Pot


@dataclass(slots=True)
class OtherBanks:
    """The TrueLayer side: Amex and Barclaycard cards, a NatWest current account."""

    amex: TLAccount
    barclaycard: TLAccount
    natwest: TLAccount
    dd_barclaycard: DirectDebit
    dd_tv: DirectDebit
    standing_order: StandingOrder


@dataclass(slots=True)
class HouseholdPlan:
    """What the generator holds on to while it lives the household's days."""

    h: Household
    start: date
    pots: Pots
    banks: OtherBanks
    amex_statement_days: list[date] = field(default_factory=list)


def meet_the_people(h: Household, rng: random.Random) -> tuple[Person, Person]:
    """The main account holder and their partner."""
    names = rng.sample(cat.PERSON_NAMES, 2)
    main = Person(h.ids.monzo("user"), *names[0])
    partner = Person(h.ids.monzo("user"), *names[1])
    h.people = [main, partner]
    return main, partner


def choose_job(rng: random.Random) -> tuple[str, int]:
    """The main holder's employer and monthly salary (pence)."""
    employer = rng.choice(cat.EMPLOYERS)
    salary = 285000 + rng.randrange(0, 60) * 500
    return employer, salary


def _owner(person: Person) -> dict[str, str]:
    return {
        "user_id": person.user_id,
        "preferred_name": person.full,
        "preferred_first_name": person.first,
    }


def _monzo_account(
    h: Household,
    kind: str,
    description: str,
    owners: list[dict[str, str]],
    closed: bool,
    created: datetime,
    bank: bool = True,
) -> MonzoAccount:
    acc = MonzoAccount(
        id=h.ids.monzo("acc"),
        type=kind,
        description=description,
        created=created,
        closed=closed,
        owners=owners,
        account_number=h.ids.digits(8) if bank else None,
        sort_code="040004" if bank else None,
        user_id=h.main.user_id,
    )
    h.monzo_accounts[acc.id] = acc
    return acc


def open_monzo_accounts(
    h: Household, main: Person, partner: Person, opened: datetime
) -> tuple[MonzoAccount, MonzoAccount]:
    """The personal and joint current accounts (after a closed legacy prepaid one)."""
    owner_a, owner_b = _owner(main), _owner(partner)
    # A closed legacy prepaid account is listed first, as it often is for old customers.
    _monzo_account(
        h, "uk_prepaid", main.user_id, [owner_a], True, opened - timedelta(days=700), False
    )
    personal = _monzo_account(h, "uk_retail", main.user_id, [owner_a], False, opened)
    joint = _monzo_account(
        h,
        "uk_retail_joint",
        f"Joint account between {main.user_id} and {partner.user_id}",
        [owner_a, owner_b],
        False,
        opened + timedelta(days=30),
    )
    h.personal_id, h.joint_id = personal.id, joint.id
    return personal, joint


def _pot(
    h: Household,
    opened: datetime,
    name: str,
    style: str,
    owner: MonzoAccount,
    goal: int | None = None,
    deleted: bool = False,
    bills: bool = False,
) -> Pot:
    ledger = MonzoAccount(
        id=h.ids.monzo("acc"),
        type="uk_retail_pot",
        description=name,
        created=opened,
        closed=deleted,
        owners=owner.owners,
        account_number=None,
        sort_code=None,
        user_id=h.main.user_id,
        is_pot_ledger=True,
    )
    h.monzo_accounts[ledger.id] = ledger
    p = Pot(
        id=h.ids.monzo("pot"),
        name=name,
        style=style,
        current_account_id=owner.id,
        pot_account_id=ledger.id,
        created=opened + timedelta(days=2),
        updated=opened + timedelta(days=2),
        deleted=deleted,
        goal_amount=goal,
        available_for_bills=bills,
    )
    h.pots[p.id] = p
    return p


def open_pots(h: Household, personal: MonzoAccount, joint: MonzoAccount, opened: datetime) -> Pots:
    """Each pot with its pot-ledger account; a deleted one is kept, as Monzo lists it."""
    bills = _pot(h, opened, "Bills", "blue", personal, bills=True)
    holiday = _pot(h, opened, "Holiday", "beach_ball", personal, goal=180000)
    card = _pot(h, opened, "Credit card", "", personal)
    _pot(h, opened, "Old savings", "piggy_bank", personal, deleted=True)
    home = _pot(h, opened, "Home", "window", joint, goal=500000)
    return Pots(bills=bills, holiday=holiday, card=card, home=home)


def _cards(h: Household, main: Person, opened: datetime) -> tuple[TLAccount, TLAccount]:
    amex = TLAccount(
        account_id=h.ids.hex32(),
        provider_id="ob-amex",
        kind="card",
        display_name="Preferred Rewards Gold Card",
        created=opened,
        card_network="AMEX",
        partial_card_number=h.ids.digits(4),
        name_on_card=main.full.upper(),
        credit_limit=800000,
        reports_available=False,
        reports_payment_due=False,
    )
    barclaycard = TLAccount(
        account_id=h.ids.hex32(),
        provider_id="uk-ob-barclaycard",
        kind="card",
        display_name="Barclaycard Platinum",
        created=opened,
        card_network="VISA",
        partial_card_number=h.ids.digits(4),
        name_on_card=main.full.upper(),
        valid_from=f"{opened.year}-{opened.month:02d}",
        valid_to=f"{opened.year + 5}-{opened.month:02d}",
        credit_limit=450000,
        pending_in_current=True,
    )
    return amex, barclaycard


def open_other_banks(h: Household, main: Person, opened: datetime, start: date) -> OtherBanks:
    """The cards and the NatWest account, with NatWest's direct debits and standing order."""
    amex, barclaycard = _cards(h, main, opened)
    natwest = TLAccount(
        account_id=h.ids.hex32(),
        provider_id="ob-natwest",
        kind="account",
        display_name="Select Account",
        created=opened,
        number=h.ids.digits(8),
        sort_code="60-16-13",
        overdraft=50000,
    )
    for acc in (amex, barclaycard, natwest):
        h.tl_accounts[acc.account_id] = acc
    dd_barclaycard = DirectDebit(h.ids.hex32(), "BARCLAYCARD", "BC-" + h.ids.digits(8))
    dd_tv = DirectDebit(h.ids.hex32(), "TV LICENCE MBP", "TVL" + h.ids.digits(9))
    natwest.direct_debits = [dd_barclaycard, dd_tv]
    standing_order = StandingOrder(
        frequency="IntrvlMnthDay:01:05",
        payee=main.full.upper(),
        reference="TOP UP MONZO",
        amount=5000,
        first_payment_date=start,
        next_payment_date=start,
    )
    natwest.standing_orders = [standing_order]
    return OtherBanks(amex, barclaycard, natwest, dd_barclaycard, dd_tv, standing_order)


def opening_balances(plan: HouseholdPlan, t: datetime) -> None:
    """The first day: money moved in to each account, a balance transfer onto the Barclaycard."""
    h, natwest, barclaycard = plan.h, plan.banks.natwest, plan.banks.barclaycard
    h.faster_payment(
        h.personal_id,
        h.main.full.upper(),
        150000,
        t,
        reference="MOVING MONEY",
        category="transfers",
        account_number=h.ids.digits(8),
        sort_code="201530",
    )
    h.faster_payment(
        h.joint_id,
        h.people[1].full.upper(),
        50000,
        t,
        reference="JOINT FUND",
        category="transfers",
        account_number=h.ids.digits(8),
        sort_code="309634",
    )
    h.tl_post(
        natwest,
        h.tl_new_row(
            natwest,
            t,
            200000,
            "OPENING DEPOSIT",
            "CREDIT",
            meta={"provider_transaction_category": "CR"},
        ),
    )
    h.tl_post(
        barclaycard,
        h.tl_new_row(
            barclaycard,
            t,
            140000,
            "BALANCE TRANSFER",
            "OTHER",
            meta={"provider_transaction_category": "BT"},
        ),
    )
