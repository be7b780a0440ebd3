"""Deterministic household generator: a couple's money life, day by day.

Each day draws from its own seeded random stream (seed, household, date), so
the same seed gives the same history however the clock is advanced. Days are
generated up to the sandbox's now; events later in the day wait in the
household's schedule until the clock reaches them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from potwise.sandbox import catalogue as cat
from potwise.sandbox.catalogue import MerchantSpec
from potwise.sandbox.household import Household, Person
from potwise.sandbox.ids import IdMaker
from potwise.sandbox.ledger import record_move
from potwise.sandbox.model import (
    DirectDebit,
    MonzoAccount,
    Pot,
    RecurringTruth,
    StandingOrder,
    TLAccount,
    TLTx,
)
from potwise.sandbox.ukcalendar import (
    add_working_days,
    is_working_day,
    next_working_day,
    previous_working_day,
)

PAYDAY = 25
AMEX_STATEMENT_DAY = 3
BARCLAYCARD_STATEMENT_DAY = 28
BARCLAYCARD_PAYMENT = 20000


def _at(day: date, hour: int, rng: random.Random) -> datetime:
    return datetime(
        day.year,
        day.month,
        day.day,
        hour,
        rng.randrange(60),
        rng.randrange(60),
        rng.randrange(1000) * 1000,
        tzinfo=UTC,
    )


@dataclass(slots=True)
class Bill:
    """A recurring payment or income the generator schedules (and reports as truth)."""

    key: str
    payee: str
    bank: str
    account_id: str
    amount: int
    day: int
    method: str
    category: str
    direction: str = "out"
    adjust: str = "next"
    months: frozenset[int] | None = None
    change_month: int | None = None
    change_pct: int = 0
    active_until: date | None = None
    merchant: MerchantSpec | None = None
    history: list[tuple[date, int]] = field(default_factory=list)


class HouseholdGenerator:
    def __init__(self, household: Household, now: datetime) -> None:
        self.h = household
        self.now = now
        today = now.date()
        self.start = today - timedelta(days=365 * household.years)
        self.next_day = self.start
        self.bills: list[Bill] = []
        self._due: dict[date, list[Bill]] = {}
        self._planned_months: set[tuple[int, int]] = set()
        self.amex_statement_days: list[date] = []
        household.fill_days = self.fill

    # ---------------------------------------------------------------- setup
    def build(self) -> Household:
        h = self.h
        rng = random.Random(f"{h.seed}:{h.name}:setup")
        names = rng.sample(cat.PERSON_NAMES, 2)
        main = Person(h.ids.monzo("user"), *names[0])
        partner = Person(h.ids.monzo("user"), *names[1])
        h.people = [main, partner]
        opened = datetime.combine(self.start - timedelta(days=400), datetime.min.time(), UTC)
        owner_a = {
            "user_id": main.user_id,
            "preferred_name": main.full,
            "preferred_first_name": main.first,
        }
        owner_b = {
            "user_id": partner.user_id,
            "preferred_name": partner.full,
            "preferred_first_name": partner.first,
        }

        def account(
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
                user_id=main.user_id,
            )
            h.monzo_accounts[acc.id] = acc
            return acc

        # A closed legacy prepaid account is listed first, as it often is for old customers.
        account("uk_prepaid", main.user_id, [owner_a], True, opened - timedelta(days=700), False)
        personal = account("uk_retail", main.user_id, [owner_a], False, opened)
        joint = account(
            "uk_retail_joint",
            f"Joint account between {main.user_id} and {partner.user_id}",
            [owner_a, owner_b],
            False,
            opened + timedelta(days=30),
        )
        h.personal_id, h.joint_id = personal.id, joint.id

        def pot(
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
                user_id=main.user_id,
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

        self.bills_pot = pot("Bills", "blue", personal, bills=True)
        self.holiday_pot = pot("Holiday", "beach_ball", personal, goal=180000)
        self.card_pot = pot("Credit card", "", personal)
        self.old_pot = pot("Old savings", "piggy_bank", personal, deleted=True)
        self.home_pot = pot("Home", "window", joint, goal=500000)

        # TrueLayer side: Amex and Barclaycard cards, a NatWest current account.
        self.amex = TLAccount(
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
        self.barclaycard = TLAccount(
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
        self.natwest = TLAccount(
            account_id=h.ids.hex32(),
            provider_id="ob-natwest",
            kind="account",
            display_name="Select Account",
            created=opened,
            number=h.ids.digits(8),
            sort_code="60-16-13",
            overdraft=50000,
        )
        for acc in (self.amex, self.barclaycard, self.natwest):
            h.tl_accounts[acc.account_id] = acc
        self.nw_dd_barclaycard = DirectDebit(h.ids.hex32(), "BARCLAYCARD", "BC-" + h.ids.digits(8))
        self.nw_dd_tv = DirectDebit(h.ids.hex32(), "TV LICENCE MBP", "TVL" + h.ids.digits(9))
        self.natwest.direct_debits = [self.nw_dd_barclaycard, self.nw_dd_tv]
        self.nw_so = StandingOrder(
            frequency="IntrvlMnthDay:01:05",
            payee=main.full.upper(),
            reference="TOP UP MONZO",
            amount=5000,
            first_payment_date=self.start,
            next_payment_date=self.start,
        )
        self.natwest.standing_orders = [self.nw_so]

        employer = rng.choice(cat.EMPLOYERS)
        salary = 285000 + rng.randrange(0, 60) * 500
        self.employer = employer
        mid = self.start + (self.now.date() - self.start) / 2
        p, j, nw = personal.id, joint.id, self.natwest.account_id
        subs = cat.SUBSCRIPTION_MERCHANTS
        self.bills = [
            Bill(
                "salary",
                employer,
                "monzo",
                p,
                salary,
                PAYDAY,
                "salary",
                "income",
                direction="in",
                adjust="previous",
                change_month=4,
                change_pct=3,
            ),
            Bill(
                "partner",
                partner.full.upper(),
                "monzo",
                j,
                100000,
                28,
                "partner",
                "transfers",
                direction="in",
                adjust="previous",
            ),
            Bill(
                "joint",
                "Joint account",
                "monzo",
                p,
                105000,
                PAYDAY,
                "to_joint",
                "transfers",
                adjust="previous",
            ),
            Bill(
                "natwest",
                main.full.upper(),
                "monzo",
                p,
                30000,
                26,
                "to_natwest",
                "transfers",
                adjust="next",
            ),
            Bill(
                "natwest_so",
                main.full.upper(),
                "ob-natwest",
                nw,
                5000,
                5,
                "standing_order",
                "transfers",
                adjust="next",
            ),
            Bill(
                "mortgage",
                "Nationwide Building Society",
                "monzo",
                j,
                128000,
                1,
                "direct_debit",
                "bills",
            ),
            Bill(
                "council_tax",
                "Leeds City Council",
                "monzo",
                j,
                18600,
                1,
                "direct_debit",
                "bills",
                months=frozenset({4, 5, 6, 7, 8, 9, 10, 11, 12, 1}),
                change_month=4,
                change_pct=5,
            ),
            Bill(
                "energy",
                "Octopus Energy",
                "monzo",
                j,
                9600,
                14,
                "direct_debit",
                "bills",
                change_month=10,
                change_pct=6,
            ),
            Bill(
                "water",
                "Yorkshire Water",
                "monzo",
                j,
                3850,
                20,
                "direct_debit",
                "bills",
                change_month=4,
                change_pct=7,
            ),
            Bill(
                "broadband",
                "Virgin Media",
                "monzo",
                j,
                4200,
                8,
                "direct_debit",
                "bills",
                change_month=4,
                change_pct=8,
            ),
            Bill(
                "phone",
                "Vodafone Ltd",
                "monzo",
                p,
                1800,
                12,
                "direct_debit",
                "bills",
                change_month=4,
                change_pct=8,
            ),
            Bill("gym", "PureGym Ltd", "monzo", p, 2499, 1, "direct_debit", "bills"),
            Bill(
                "netflix",
                "Netflix",
                "monzo",
                p,
                1099,
                3,
                "card",
                "entertainment",
                change_month=1,
                change_pct=10,
                merchant=subs["netflix"],
            ),
            Bill(
                "disney",
                "Disney+",
                "monzo",
                p,
                799,
                9,
                "card",
                "entertainment",
                active_until=mid,
                merchant=subs["disney"],
            ),
            Bill(
                "spotify",
                "Spotify",
                "ob-amex",
                self.amex.account_id,
                1199,
                17,
                "card",
                "entertainment",
                change_month=7,
                change_pct=9,
                merchant=subs["spotify"],
            ),
            Bill(
                "prime",
                "Amazon Prime",
                "ob-amex",
                self.amex.account_id,
                899,
                22,
                "card",
                "shopping",
                merchant=subs["prime"],
            ),
            Bill(
                "tv_licence",
                "TV Licence MBP",
                "ob-natwest",
                nw,
                1413,
                1,
                "direct_debit",
                "bills",
                change_month=4,
                change_pct=3,
            ),
            Bill(
                "amex",
                "American Express",
                "monzo",
                p,
                0,
                AMEX_STATEMENT_DAY + 20,
                "card_repayment",
                "bills",
            ),
            Bill(
                "barclaycard",
                "Barclaycard",
                "ob-natwest",
                nw,
                BARCLAYCARD_PAYMENT,
                18,
                "card_repayment",
                "bills",
            ),
        ]
        for bill in self.bills:
            h.recurring[bill.key] = RecurringTruth(
                key=bill.key,
                payee=bill.payee,
                amount=bill.amount,
                cadence="monthly" if bill.months is None else "monthly_10_from_april",
                direction="in" if bill.direction == "in" else "out",
                active=bill.active_until is None,
                bank=bill.bank,
                account=bill.account_id,
                method=bill.method,
                day_of_month=bill.day,
                category=bill.category,
            )
        h.payday = {
            "payee": employer,
            "bank": "monzo",
            "account_id": personal.id,
            "day_of_month": PAYDAY,
            "adjustment": "previous_working_day",
            "calendar": "england-and-wales",
            "rule": (
                f"monthly on day {PAYDAY}; on a weekend or an England and Wales bank holiday "
                "it is paid on the previous working day"
            ),
            "amount": salary,
            "dates": [],
        }
        return h

    # ---------------------------------------------------------- scheduling
    def fill(self, until: date) -> None:
        while self.next_day <= until:
            day = self.next_day
            self._plan_month(day.year, day.month)
            nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            self._plan_month(nxt.year, nxt.month)
            self._day(day)
            self.next_day = day + timedelta(days=1)

    def _plan_month(self, year: int, month: int) -> None:
        if (year, month) in self._planned_months:
            return
        self._planned_months.add((year, month))
        for bill in self.bills:
            if bill.months is not None and month not in bill.months:
                continue
            last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
            nominal = date(year, month, min(bill.day, last))
            due = (previous_working_day if bill.adjust == "previous" else next_working_day)(nominal)
            self._due.setdefault(due, []).append(bill)

    def amount_on(self, bill: Bill, day: date) -> int:
        amount = bill.amount
        if bill.change_month is None or bill.change_pct == 0:
            return amount
        for year in range(self.start.year, day.year + 1):
            change = date(year, bill.change_month, 1)
            if self.start < change <= day:
                amount = (amount * (100 + bill.change_pct) + 50) // 100
                if bill.method == "card":
                    # Card subscriptions keep their .99 price points.
                    amount += 99 - amount % 100
        return amount

    def _day(self, day: date) -> None:
        h = self.h
        rng = random.Random(f"{h.seed}:{h.name}:{day.toordinal()}")
        if day == self.start:
            self._opening(day, rng)
        for bill in self._due.pop(day, []):
            if day < self.start or (bill.active_until and day > bill.active_until):
                continue
            self._run_bill(bill, day, rng)
        if day.day == AMEX_STATEMENT_DAY:
            h.schedule(_at(day, 2, rng), self._amex_statement)
        if day.day == BARCLAYCARD_STATEMENT_DAY:
            h.schedule(_at(day, 2, rng), self._barclaycard_statement)
        if day.weekday() == 0:
            h.schedule(_at(day, 7, rng), self._fund_card_pot)
        if day.day == 1:
            h.schedule(_at(day, 6, rng), self._bills_pot_withdraw)
        if day.day == 29:
            h.schedule(
                _at(day, 9, rng), lambda t: self._pot_move(self.home_pot, "deposit", 10000, t)
            )
        if day.month in (6, 12) and day.day == self._holiday_day(day.year, day.month):
            h.schedule(_at(day, 10, rng), self._holiday)
        self._spending(day, rng)

    def _opening(self, day: date, rng: random.Random) -> None:
        h = self.h
        when = _at(day, 8, rng)

        def opening(t: datetime) -> None:
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
                self.natwest,
                h.tl_new_row(
                    self.natwest,
                    t,
                    200000,
                    "OPENING DEPOSIT",
                    "CREDIT",
                    meta={"provider_transaction_category": "CR"},
                ),
            )
            h.tl_post(
                self.barclaycard,
                h.tl_new_row(
                    self.barclaycard,
                    t,
                    140000,
                    "BALANCE TRANSFER",
                    "OTHER",
                    meta={"provider_transaction_category": "BT"},
                ),
            )

        h.schedule(when, opening)

    # -------------------------------------------------------------- bills
    def _run_bill(self, bill: Bill, day: date, rng: random.Random) -> None:
        h = self.h
        amount = self.amount_on(bill, day)
        truth = h.recurring[bill.key]
        if bill.method != "card_repayment" and (not bill.history or bill.history[-1][1] != amount):
            bill.history.append((day, amount))
            truth.amount = amount
            truth.amounts.append({"from": day.isoformat(), "amount": amount})
        hour = {"salary": 5, "to_joint": 9, "partner": 8, "direct_debit": 4}.get(bill.method, 8)
        when = _at(day, hour, rng)

        def run(t: datetime) -> None:
            ids = self._execute_bill(bill, amount, t, day)
            truth.transaction_ids.extend(ids)

        h.schedule(when, run)

    def _execute_bill(self, bill: Bill, amount: int, t: datetime, day: date) -> list[str]:
        h = self.h
        nw = self.natwest
        if bill.method == "salary":
            self.h.payday["dates"].append(day.isoformat())
            self.h.payday["amount"] = amount
            tx = h.faster_payment(
                bill.account_id,
                bill.payee,
                amount,
                t,
                reference=f"{bill.payee} SALARY {day.strftime('%b').upper()}",
                category="income",
                account_number=h.ids.digits(8),
                sort_code="200000",
            )
            # Payday also funds the pots (after the salary lands).
            h.schedule(
                t + timedelta(hours=2),
                lambda w: self._pot_move(self.bills_pot, "deposit", 12000, w),
            )
            h.schedule(
                t + timedelta(hours=2, minutes=1),
                lambda w: self._pot_move(self.holiday_pot, "deposit", 15000, w),
            )
            return [tx.id]
        if bill.method == "partner":
            tx = h.faster_payment(
                bill.account_id,
                bill.payee,
                amount,
                t,
                reference="JOINT ACCOUNT",
                category="transfers",
                account_number=h.ids.digits(8),
                sort_code="309634",
            )
            return [tx.id]
        if bill.method == "to_joint":
            out, into = h.monzo_transfer(h.personal_id, h.joint_id, amount, t, "Joint bills")
            h.internal_transfers.extend([out.id, into.id])
            return [out.id]
        if bill.method == "to_natwest":
            out = h.faster_payment(
                h.personal_id,
                bill.payee,
                -amount,
                t,
                reference="SAVINGS",
                category="transfers",
                account_number=nw.number,
                sort_code=nw.sort_code.replace("-", ""),
            )
            row = h.tl_post(
                nw,
                h.tl_new_row(
                    nw,
                    t,
                    amount,
                    f"{bill.payee} SAVINGS",
                    "TRANSFER",
                    meta={
                        "provider_transaction_category": "FPI",
                        "counter_party_preferred_name": bill.payee,
                    },
                ),
            )
            h.internal_transfers.extend([out.id, row.transaction_id])
            return [out.id]
        if bill.method == "standing_order":
            row = h.tl_post(
                nw,
                h.tl_new_row(
                    nw,
                    t,
                    -amount,
                    f"{bill.payee} TOP UP MONZO",
                    "STANDING_ORDER",
                    meta={"provider_transaction_category": "SO"},
                ),
            )
            into = h.faster_payment(
                h.personal_id,
                bill.payee,
                amount,
                t,
                reference="TOP UP MONZO",
                category="transfers",
                account_number=nw.number,
                sort_code=nw.sort_code.replace("-", ""),
            )
            self.nw_so.next_payment_date = add_working_days(day, 20)
            h.internal_transfers.extend([row.transaction_id, into.id])
            return [row.transaction_id]
        if bill.method == "direct_debit" and bill.bank == "monzo":
            return [h.direct_debit(bill.account_id, bill.payee, amount, t, bill.category).id]
        if bill.method == "direct_debit":
            row = h.tl_post(
                nw,
                h.tl_new_row(
                    nw,
                    t,
                    -amount,
                    bill.payee.upper(),
                    "DIRECT_DEBIT",
                    meta={"provider_transaction_category": "DD"},
                ),
            )
            self.nw_dd_tv.previous_payment_time = t
            self.nw_dd_tv.previous_payment_amount = amount
            return [row.transaction_id]
        if bill.method == "card" and bill.merchant is not None:
            if bill.bank == "monzo":
                tx = h.card_payment(bill.account_id, bill.merchant, amount, t)
                self._settle_monzo_later(tx.id, day, t, settle_amount=None)
                return [tx.id]
            self._card_purchase(
                self.amex, bill.merchant, amount, t, day, vanish_ok=False, truth_key=bill.key
            )
            return []
        if bill.method == "card_repayment" and bill.key == "barclaycard":
            return self._pay_barclaycard(t)
        if bill.method == "card_repayment" and bill.key == "amex":
            return self._pay_amex(t)
        return []

    # --------------------------------------------------------------- cards
    def _amex_statement(self, t: datetime) -> None:
        amex = self.amex
        amex.last_statement_balance = amex.settled_balance
        amex.last_statement_date = t.date()
        self.amex_statement_days.append(t.date())

    def _pay_amex(self, t: datetime) -> list[str]:
        amex, h = self.amex, self.h
        owed = amex.last_statement_balance
        if owed <= 0 or amex.last_statement_date is None:
            return []
        # The credit-card pot pays what it holds towards the bill first.
        if self.card_pot.balance > 0:
            self._pot_move(
                self.card_pot,
                "withdraw",
                min(self.card_pot.balance, owed),
                t - timedelta(minutes=5),
            )
        tx = h.direct_debit(h.personal_id, "American Express", owed, t, "bills")
        truth = h.recurring["amex"]
        truth.amount = owed
        truth.amounts.append({"from": t.date().isoformat(), "amount": owed})
        posted = next_working_day(t.date() + timedelta(days=1))
        credit_time = datetime.combine(posted, t.timetz())

        def credit(w: datetime) -> None:
            row = h.tl_post(
                amex,
                h.tl_new_row(
                    amex,
                    w,
                    -owed,
                    "PAYMENT RECEIVED - THANK YOU",
                    "CREDIT",
                    meta={"transaction_type": "CREDIT"},
                ),
            )
            h.card_repayments.append(row.transaction_id)

        h.schedule(credit_time, credit)
        h.card_repayments.append(tx.id)
        return [tx.id]

    def _barclaycard_statement(self, t: datetime) -> None:
        card = self.barclaycard
        card.last_statement_balance = card.settled_balance
        card.last_statement_date = t.date()
        if card.settled_balance > 0:
            card.payment_due = min(card.settled_balance, max(2500, card.settled_balance * 3 // 100))
            card.payment_due_date = next_working_day(
                date(t.year + (t.month == 12), t.month % 12 + 1, 18)
            )
        else:
            card.payment_due = 0

    def _pay_barclaycard(self, t: datetime) -> list[str]:
        h, card, nw = self.h, self.barclaycard, self.natwest
        owed = card.last_statement_balance
        if owed <= 0:
            return []
        amount = min(BARCLAYCARD_PAYMENT, owed)
        row = h.tl_post(
            nw,
            h.tl_new_row(
                nw,
                t,
                -amount,
                "BARCLAYCARD",
                "DIRECT_DEBIT",
                meta={"provider_transaction_category": "DD"},
            ),
        )
        self.nw_dd_barclaycard.previous_payment_time = t
        self.nw_dd_barclaycard.previous_payment_amount = amount
        truth = h.recurring["barclaycard"]
        truth.amount = amount
        if not truth.amounts or truth.amounts[-1]["amount"] != amount:
            truth.amounts.append({"from": t.date().isoformat(), "amount": amount})
        posted = datetime.combine(next_working_day(t.date() + timedelta(days=1)), t.timetz())

        def credit(w: datetime) -> None:
            paid = h.tl_post(
                card,
                h.tl_new_row(
                    card,
                    w,
                    -amount,
                    "PAYMENT, THANK YOU",
                    "CREDIT",
                    meta={"provider_transaction_category": "PAY"},
                ),
            )
            h.card_repayments.append(paid.transaction_id)

        h.schedule(posted, credit)
        h.card_repayments.append(row.transaction_id)
        return [row.transaction_id]

    def _card_purchase(
        self,
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
        h = self.h
        signed = -amount if refund else amount
        if card.kind == "account":
            signed = -signed
        if card.provider_id == "ob-amex":
            meta = {
                "provider_merchant_name": spec.name.upper(),
                "transaction_type": "CREDIT" if refund else "DEBIT",
                "provider_reference": "AT" + h.ids.digits(21),
            }
            category = "CREDIT" if refund else "DEBIT"
            text = f"{spec.acquirer_text} {spec.city}"
        elif card.kind == "card":
            meta = {
                "provider_transaction_category": "REF" if refund else "PUR",
                "cardNumber": f"4929********{card.partial_card_number}",
            }
            category = "CREDIT" if refund else "PURCHASE"
            text = spec.acquirer_text
        else:
            meta = {"provider_transaction_category": "DEB"}
            category = "PURCHASE"
            text = f"CARD PAYMENT TO {spec.acquirer_text}"
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

    def _settle_monzo_later(
        self, tx_id: str, day: date, t: datetime, settle_amount: int | None
    ) -> None:
        h = self.h
        settle_day = add_working_days(day, 1 + (day.toordinal() + len(tx_id)) % 3)
        when = datetime.combine(settle_day, t.timetz()).replace(hour=4)
        h.schedule(when, lambda w: h.settle_monzo(h.monzo_txs[tx_id], w, settle_amount))

    # ---------------------------------------------------------------- pots
    def _pot_move(self, pot: Pot, direction: str, amount: int, t: datetime) -> None:
        h = self.h
        account = h.monzo_accounts[pot.current_account_id]
        if direction == "deposit":
            amount = min(amount, max(account.balance, 0))
        else:
            amount = min(amount, pot.balance)
        if amount <= 0:
            return
        dedupe = f"gen-{t.strftime('%Y%m%d%H%M%S')}-{pot.name.lower().replace(' ', '-')}"
        tx = h.pot_transaction(
            pot, pot.current_account_id, direction, amount, dedupe, t, trigger="user"
        )
        record_move(
            h,
            pot,
            pot.current_account_id,
            direction,
            amount,
            dedupe,
            t,
            tx.id,
            repeat=False,
            source="generator",
        )

    def _fund_card_pot(self, t: datetime) -> None:
        # Each week the household tops the pot up to what is owed on the Amex (pending
        # charges included) or takes out the excess, as the card-pot rule does by hand.
        owed = self.amex.settled_balance + sum(p.amount for p in self.amex.pending if p.amount > 0)
        gap = owed - self.card_pot.balance
        if gap > 0:
            self._pot_move(self.card_pot, "deposit", gap, t)
        elif gap < 0:
            self._pot_move(self.card_pot, "withdraw", -gap, t)

    def _bills_pot_withdraw(self, t: datetime) -> None:
        self._pot_move(self.bills_pot, "withdraw", 12000, t)

    def _holiday_day(self, year: int, month: int) -> int:
        """The day of the month the household leaves on: a different one each June and
        December, as people book holidays (a fixed day would make the flights look like
        a yearly bill)."""
        h = self.h
        return random.Random(f"{h.seed}:{h.name}:holiday-day:{year}-{month}").randrange(1, 29)

    def _holiday(self, t: datetime) -> None:
        h = self.h
        rng = random.Random(f"{h.seed}:{h.name}:holiday:{t.date().toordinal()}")
        self._pot_move(self.holiday_pot, "withdraw", self.holiday_pot.balance, t)
        flights = 18000 + rng.randrange(40000)
        hotel = 30000 + rng.randrange(60000)
        self._card_purchase(
            self.amex, cat.HOLIDAY[0], flights, t + timedelta(minutes=30), t.date(), rng=rng
        )
        self._card_purchase(
            self.amex, cat.HOLIDAY[1], hotel, t + timedelta(minutes=50), t.date(), rng=rng
        )

    # ------------------------------------------------------------ spending
    def _spending(self, day: date, rng: random.Random) -> None:
        weekday = is_working_day(day)
        weekend = day.weekday() >= 5
        plan: list[tuple[int, MerchantSpec, int, str]] = []

        def pick_card(spec: MerchantSpec, amex: float, barclaycard: float = 0.0) -> str:
            if not spec.amex_ok:
                return "monzo"
            r = rng.random()
            if r < amex:
                return "amex"
            if r < amex + barclaycard:
                return "barclaycard"
            return "monzo"

        if rng.random() < 0.32:
            spec = rng.choice(cat.GROCERIES)
            card = "joint" if weekend and rng.random() < 0.5 else pick_card(spec, 0.7)
            plan.append((rng.randrange(9, 20), spec, 1800 + rng.randrange(7500), card))
        if weekday and rng.random() < 0.45:
            spec = rng.choice(cat.COFFEE_LUNCH)
            plan.append((12, spec, 250 + rng.randrange(650), pick_card(spec, 0.4)))
        if weekday and rng.random() < 0.55:
            spec = rng.choice(cat.TRANSPORT[:2])
            plan.append((7, spec, 280 + rng.randrange(530), "monzo"))
        if rng.random() < 0.06:
            plan.append(
                (22, cat.TRANSPORT[2], 900 + rng.randrange(2200), pick_card(cat.TRANSPORT[2], 0.6))
            )
        if rng.random() < 0.04:
            plan.append((10, cat.TRAINLINE, 2000 + rng.randrange(7000), "amex"))
        if rng.random() < 0.11:
            spec = rng.choice(cat.RESTAURANTS)
            plan.append((19, spec, 2500 + rng.randrange(5500), pick_card(spec, 0.85)))
        if rng.random() < 0.09:
            spec = rng.choice(cat.TAKEAWAY)
            plan.append((20, spec, 1500 + rng.randrange(2000), pick_card(spec, 0.6)))
        if rng.random() < 0.07:
            plan.append((17, rng.choice(cat.FUEL), 4000 + rng.randrange(3500), "barclaycard"))
        if rng.random() < 0.13:
            spec = rng.choice(cat.SHOPPING)
            plan.append((14, spec, 600 + rng.randrange(9000), pick_card(spec, 0.6, 0.15)))
        if rng.random() < 0.04:
            spec = rng.choice(cat.ENTERTAINMENT)
            plan.append((18, spec, 1200 + rng.randrange(6000), pick_card(spec, 0.7)))
        if rng.random() < 0.025:
            plan.append((11, cat.ATM, rng.choice((2000, 3000, 5000)), "monzo"))
        if rng.random() < 0.005:
            spec = rng.choice(cat.LARGE)
            plan.append((13, spec, 30000 + rng.randrange(90000), pick_card(spec, 0.5, 0.5)))
        if rng.random() < 0.04:
            plan.append((13, rng.choice(cat.SHOPPING), 800 + rng.randrange(3000), "natwest"))

        for hour, spec, amount, card in plan:
            when = _at(day, hour, rng)
            refund_after = (
                rng.randrange(3, 15) if (spec.category == "shopping" and rng.random() < 0.06) else 0
            )
            declined = card == "monzo" and rng.random() < 0.004
            self.h.schedule(
                when,
                self._spend_event(spec, amount, card, day, rng.random(), refund_after, declined),
            )

    def _spend_event(
        self,
        spec: MerchantSpec,
        amount: int,
        card: str,
        day: date,
        draw: float,
        refund_after: int,
        declined: bool,
    ) -> Callable[[datetime], None]:
        h = self.h

        def spend(t: datetime) -> None:
            rng = random.Random(draw)
            if card in ("monzo", "joint"):
                account_id = h.personal_id if card == "monzo" else h.joint_id
                if declined or h.monzo_accounts[account_id].balance < amount - 50000:
                    h.card_payment(account_id, spec, amount, t, declined="INSUFFICIENT_FUNDS")
                    return
                tx = h.card_payment(account_id, spec, amount, t)
                final = None
                if spec.category == "eating_out" and rng.random() < 0.1:
                    final = -(amount + amount // 10)
                self._settle_monzo_later(tx.id, day, t, final)
                if refund_after:
                    back = datetime.combine(day + timedelta(days=refund_after), t.timetz())
                    h.schedule(back, lambda w: self._monzo_refund(account_id, spec, amount, w))
                return
            target = {"amex": self.amex, "barclaycard": self.barclaycard, "natwest": self.natwest}[
                card
            ]
            self._card_purchase(target, spec, amount, t, day, rng=rng)
            if refund_after:
                back = datetime.combine(day + timedelta(days=refund_after), t.timetz())
                h.schedule(
                    back,
                    lambda w: self._card_purchase(
                        target, spec, amount, w, w.date(), refund=True, vanish_ok=False
                    ),
                )

        return spend

    def _monzo_refund(self, account_id: str, spec: MerchantSpec, amount: int, t: datetime) -> None:
        tx = self.h.card_payment(account_id, spec, amount, t, refund=True)
        self._settle_monzo_later(tx.id, t.date(), t, None)


def generate_household(name: str, seed: int, years: int, now: datetime) -> Household:
    """Build a household and generate its history up to `now`."""
    household = Household(name, seed, years, IdMaker(f"{seed}:{name}:ids"))
    HouseholdGenerator(household, now).build()
    household.sync_to(now)
    return household


__all__ = ["Bill", "HouseholdGenerator", "TLTx", "generate_household"]
