"""One household's books: accounts, pots, cards, transactions and scheduled events.

Every money movement goes through the posting methods here (Monzo's) and in
`truelayer_postings` (the cards' and NatWest's), so balances are always the sum
of transactions, whichever path (generator, bank API, control API) created them.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from potwise.sandbox.ids import IdMaker
from potwise.sandbox.model import (
    Merchant,
    MerchantSpec,
    MonzoAccount,
    MonzoTx,
    Pot,
    PotMove,
    RecurringTruth,
    TLAccount,
)
from potwise.sandbox.truelayer_postings import TrueLayerPostings

Event = Callable[[datetime], None]


@dataclass(slots=True)
class Person:
    user_id: str
    first: str
    last: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


class Household(TrueLayerPostings):
    def __init__(
        self, name: str, seed: int, years: int, ids: IdMaker, cards: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        # The TrueLayer cards asked for (e.g. with ob-capital-one); () = the default two.
        self.cards = cards
        self.seed = seed
        self.years = years
        self.ids = ids
        self.people: list[Person] = []
        self.monzo_accounts: dict[str, MonzoAccount] = {}
        self.personal_id = ""
        self.joint_id = ""
        self.pots: dict[str, Pot] = {}
        self.monzo_txs: dict[str, MonzoTx] = {}
        self.merchants: dict[str, Merchant] = {}
        self.tl_accounts: dict[str, TLAccount] = {}
        self.pot_moves: list[PotMove] = []
        self.dedupe: dict[tuple[str, str, str, str, str], PotMove] = {}
        self.payday: dict[str, Any] = {}
        self.recurring: dict[str, RecurringTruth] = {}
        self.internal_transfers: list[str] = []
        self.card_repayments: list[str] = []
        self.pot_move_ids: list[str] = []
        self._events: list[tuple[float, int, Event]] = []
        self._seq = 0
        # Set by the generator: fills in days of life up to a given date.
        self.fill_days: Callable[[date], None] | None = None
        # Set by the world: called for every new Monzo transaction (webhooks).
        self.on_monzo_tx: Callable[[Household, MonzoTx], None] | None = None

    # ----------------------------------------------------------------- time
    def schedule(self, when: datetime, event: Event) -> None:
        self._seq += 1
        heapq.heappush(self._events, (when.timestamp(), self._seq, event))

    def next_event_at(self) -> float | None:
        return self._events[0][0] if self._events else None

    def sync_to(self, now: datetime) -> None:
        """Bring the books up to `now`: generate missing days, run due events."""
        if self.fill_days is not None:
            self.fill_days(now.date())
        limit = now.timestamp()
        events = self._events
        while events and events[0][0] <= limit:
            ts, _, event = heapq.heappop(events)
            event(datetime.fromtimestamp(ts, now.tzinfo))

    # ---------------------------------------------------------------- monzo
    @property
    def main(self) -> Person:
        return self.people[0]

    def merchant(self, spec: MerchantSpec, created: datetime) -> Merchant:
        found = self.merchants.get(spec.key)
        if found is None:
            found = Merchant(
                id=self.ids.monzo("merch"),
                group_id=self.ids.monzo("grp"),
                name=spec.name,
                category=spec.category,
                emoji=spec.emoji,
                online=spec.online,
                created=created,
                mcc=spec.mcc,
                address={
                    "short_formatted": f"{spec.city.title()} {spec.postcode}",
                    "formatted": f"{spec.city.title()} {spec.postcode}, United Kingdom",
                    "address": "",
                    "city": spec.city.title(),
                    "region": "",
                    # Real merchant addresses use 3-letter countries (GBR, GLO), not the docs' GB.
                    "country": "GLO" if spec.online else "GBR",
                    "postcode": spec.postcode,
                    "latitude": 53.7997,
                    "longitude": -1.5492,
                    "zoom_level": 17,
                    "approximate": False,
                },
            )
            self.merchants[spec.key] = found
        return found

    def post_monzo(self, tx: MonzoTx) -> MonzoTx:
        account = self.monzo_accounts[tx.account_id]
        ts = tx.created.timestamp()
        if account.times and ts < account.times[-1]:
            index = bisect_right(account.times, ts)
            account.times.insert(index, ts)
            account.txs.insert(index, tx)
        else:
            account.times.append(ts)
            account.txs.append(tx)
        if tx.decline_reason is None:
            account.balance += tx.amount
        self.monzo_txs[tx.id] = tx
        if self.on_monzo_tx is not None and not account.is_pot_ledger:
            self.on_monzo_tx(self, tx)
        return tx

    def settle_monzo(self, tx: MonzoTx, when: datetime, amount: int | None = None) -> None:
        if tx.settled is not None or tx.decline_reason is not None:
            return
        if amount is not None and amount != tx.amount:
            # Card pre-authorisations can settle for a different amount (fuel, tips).
            self.monzo_accounts[tx.account_id].balance += amount - tx.amount
            tx.amount = amount
        tx.settled = when
        tx.touch(when)

    def _base_tx(
        self,
        account_id: str,
        when: datetime,
        amount: int,
        description: str,
        category: str,
        scheme: str,
        dedupe_id: str,
        **extra: Any,
    ) -> MonzoTx:
        return MonzoTx(
            id=self.ids.monzo("tx"),
            account_id=account_id,
            created=when,
            amount=amount,
            description=description,
            category=category,
            scheme=scheme,
            dedupe_id=dedupe_id,
            user_id=extra.pop("user_id", ""),
            updated=when,
            **extra,
        )

    def card_payment(
        self,
        account_id: str,
        spec: MerchantSpec,
        amount: int,
        when: datetime,
        *,
        refund: bool = False,
        declined: str | None = None,
    ) -> MonzoTx:
        """A Monzo card payment (negative) or refund (positive), pending until settled."""
        merchant = self.merchant(spec, when)
        lifecycle = self.ids.monzo("mclifecycle")
        auth = self.ids.monzo("mcauthmsg")
        signed = amount if refund else -amount
        tx = self._base_tx(
            account_id,
            when,
            signed,
            f"{spec.acquirer_text:<22}{spec.city:<14}GBR",
            spec.category,
            "mastercard",
            f"mclifecycle:{lifecycle}:MASTERCARD_AUTH:{auth}",
            user_id=self.main.user_id,
            merchant=merchant,
            metadata={
                "ledger_insertion_id": self.ids.monzo("entryset"),
                "mastercard_approval_type": "full",
                "mastercard_auth_message_id": auth,
                "mastercard_lifecycle_id": lifecycle,
                "mcc": spec.mcc,
            },
            decline_reason=declined,
        )
        return self.post_monzo(tx)

    def direct_debit(
        self, account_id: str, payee: str, amount: int, when: datetime, category: str = "bills"
    ) -> MonzoTx:
        tx = self._base_tx(
            account_id,
            when,
            -amount,
            payee.upper(),
            category,
            "bacs",
            f"bacs:{self.ids.monzo('bacspayment')}",
            counterparty={"name": payee.upper(), "service_user_number": self.ids.digits(6)},
            metadata={
                "bacs_direct_debit_instruction_id": self.ids.monzo("bacsddi"),
                "bacs_payment_id": self.ids.monzo("bacspayment"),
                "ledger_insertion_id": self.ids.monzo("entryset"),
            },
            settled=when,
        )
        return self.post_monzo(tx)

    def faster_payment(
        self,
        account_id: str,
        name: str,
        amount: int,
        when: datetime,
        *,
        reference: str,
        category: str,
        account_number: str,
        sort_code: str,
    ) -> MonzoTx:
        """Incoming (amount > 0) or outgoing (amount < 0) Faster Payment."""
        tx = self._base_tx(
            account_id,
            when,
            amount,
            reference if amount > 0 else name,
            category,
            "payport_faster_payments",
            f"fps:{self.ids.monzo('fps')}",
            notes=reference,
            counterparty={
                "account_number": account_number,
                "sort_code": sort_code,
                "name": name,
                "user_id": self.ids.monzo("anonuser"),
            },
            metadata={
                "faster_payment": "true",
                "fps_payment_id": "FP" + self.ids.digits(14),
                "notes": reference,
                "trn": "TRN" + self.ids.digits(12),
                "ledger_insertion_id": self.ids.monzo("entryset"),
            },
            settled=when,
            include_in_spending=False,
            originator=amount < 0,
        )
        return self.post_monzo(tx)

    def monzo_transfer(
        self, from_id: str, to_id: str, amount: int, when: datetime, reference: str
    ) -> tuple[MonzoTx, MonzoTx]:
        """A Monzo-to-Monzo payment between the household's own accounts (both sides)."""
        p2p = self.ids.monzo("p2p")
        sides = []
        for account_id, other_id, signed in ((from_id, to_id, -amount), (to_id, from_id, amount)):
            other = self.monzo_accounts[other_id]
            name = other.owners[0]["preferred_name"] if len(other.owners) == 1 else "Joint account"
            sides.append(
                self.post_monzo(
                    self._base_tx(
                        account_id,
                        when,
                        signed,
                        reference,
                        "transfers",
                        "p2p_payment",
                        f"p2p:{p2p}:{'out' if signed < 0 else 'in'}",
                        notes=reference,
                        counterparty={
                            "account_id": other_id,
                            "name": name,
                            "preferred_name": name,
                            "user_id": self.main.user_id,
                        },
                        metadata={"p2p_transfer_id": p2p, "notes": reference},
                        settled=when,
                        include_in_spending=False,
                        originator=signed < 0,
                    )
                )
            )
        return sides[0], sides[1]

    def pot_transaction(
        self,
        pot: Pot,
        account_id: str,
        direction: str,
        amount: int,
        dedupe_id: str,
        when: datetime,
        trigger: str = "user",
    ) -> MonzoTx:
        """The current-account side of a pot move as observed, plus the pot-ledger mirror."""
        user_id = self.main.user_id
        move_key = "pot_deposit_id" if direction == "deposit" else "pot_withdrawal_id"
        move_id = self.ids.monzo("potdep" if direction == "deposit" else "potwdr")
        signed = -amount if direction == "deposit" else amount
        metadata = {
            "external_id": f"{user_id}:{dedupe_id}",
            "ledger_insertion_id": self.ids.monzo("entryset"),
            "pot_account_id": pot.pot_account_id,
            move_key: move_id,
            "pot_id": pot.id,
            "trigger": trigger,
            "user_id": user_id,
        }
        shared = {
            "settled": when,
            "include_in_spending": False,
            "originator": True,
        }
        tx = self._base_tx(
            account_id,
            when,
            signed,
            pot.id,
            "transfers",
            "uk_retail_pot",
            f"{pot.id}:{account_id}:{direction}:{user_id}:{dedupe_id}",
            metadata=metadata,
            **shared,
        )
        mirror = self._base_tx(
            pot.pot_account_id,
            when,
            -signed,
            pot.id,
            "transfers",
            "uk_retail_pot",
            f"{pot.id}:{pot.pot_account_id}:{direction}:{user_id}:{dedupe_id}",
            metadata=dict(metadata),
            **shared,
        )
        pot.balance -= signed
        pot.updated = when
        self.post_monzo(mirror)
        self.pot_move_ids.append(tx.id)
        return self.post_monzo(tx)
