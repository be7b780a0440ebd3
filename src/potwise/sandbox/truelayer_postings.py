"""TrueLayer-side postings of a household's books: new rows, settled rows, pendings.

Card rows speak from the issuer's side (a charge is positive); bank-account rows
from the bank's (money out is negative).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from typing import Any

from potwise.sandbox.ids import IdMaker
from potwise.sandbox.model import TLAccount, TLTx


class TrueLayerPostings:
    """Mixed into `Household`: every TrueLayer row is made and posted here."""

    ids: IdMaker

    def tl_new_row(
        self,
        account: TLAccount,
        when: datetime,
        amount: int,
        description: str,
        category: str,
        *,
        merchant_name: str | None = None,
        classification: tuple[str, ...] = (),
        meta: dict[str, str] | None = None,
        pending: bool = False,
    ) -> TLTx:
        return TLTx(
            transaction_id=self.ids.hex32(),
            timestamp=when,
            description=description,
            amount=amount,
            transaction_type=self._tl_type(account, amount),
            category=category,
            classification=list(classification),
            merchant_name=merchant_name,
            meta=dict(meta or {}),
            pending=pending,
            key=self.ids.hex32()[:12],
        )

    @staticmethod
    def _tl_type(account: TLAccount, amount: int) -> Any:
        # Cards speak from the issuer's side: a positive amount is a DEBIT (a charge).
        if account.kind == "card":
            return "DEBIT" if amount >= 0 else "CREDIT"
        return "DEBIT" if amount < 0 else "CREDIT"

    def tl_post(self, account: TLAccount, tx: TLTx) -> TLTx:
        """Add a settled row; ids a stable-id provider would give are filled in here."""
        tx.pending = False
        if tx.normalised_id is None:
            tx.normalised_id = self.ids.normalised()
        if tx.provider_tx_id is None:
            tx.provider_tx_id = "AT" + self.ids.digits(21)
        account.settled_balance += tx.amount
        if account.kind == "account":
            tx.running_balance = account.settled_balance
        ts = tx.timestamp.timestamp()
        if account.times and ts < account.times[-1]:
            index = bisect_right(account.times, ts)
            account.times.insert(index, ts)
            account.settled.insert(index, tx)
        else:
            account.times.append(ts)
            account.settled.append(tx)
        return tx

    def tl_add_pending(self, account: TLAccount, tx: TLTx) -> TLTx:
        tx.pending = True
        account.pending.append(tx)
        return tx

    def tl_settle(
        self, account: TLAccount, pending: TLTx, when: datetime, *, vanish: bool = False
    ) -> TLTx | None:
        """Pending → settled: the pending row goes, a settled row with new ids appears.

        Cancelled authorisations simply vanish and never settle.
        """
        if pending not in account.pending:
            return None
        account.pending.remove(pending)
        if vanish:
            return None
        settled = TLTx(
            transaction_id=self.ids.hex32(),
            # Settled rows carry the transaction date at midnight (often "back-dated").
            timestamp=pending.timestamp.replace(hour=0, minute=0, second=0, microsecond=0),
            description=pending.description,
            amount=pending.amount,
            transaction_type=pending.transaction_type,
            category=pending.category,
            classification=pending.classification,
            merchant_name=pending.merchant_name,
            meta=dict(pending.meta),
            key=pending.key,
        )
        return self.tl_post(account, settled)
