"""Transactions as OFX 2.2 (XML), written with ofxtools, streamed a batch at a time.

- One statement per account (OFX names one account per statement). Without an
  `account_id` the file holds one statement for each of the user's accounts: bank
  accounts under `BANKMSGSRSV1`, credit cards under `CREDITCARDMSGSRSV1`.
- Signs are OFX's, which are ours (DESIGN.md): from the account holder's side, money
  leaving is negative (`DEBIT`), arriving positive (`CREDIT`), on a card too; a card's
  ledger balance is negative while money is owed.
- `FITID` is the bank's own id for the transaction, so importing the same days twice
  adds nothing twice. `ACCTID` is the bank's id for the account (its last 22
  characters when longer, the most OFX allows); `BANKID` names the provider.
- Only settled transactions: a pending one may still change or vanish, and OFX has no
  way to say so; declined ones never moved money.
- `LEDGERBAL` is the balance the bank last reported, as of that time (an account whose
  balance was never read says 0.00, as of the export).

ofxtools writes each part; the statements are written with an empty transaction list,
and the transactions are put in, batch by batch, where each list closes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from ofxtools.header import make_header
from ofxtools.models import (
    BANKACCTFROM,
    BANKMSGSRSV1,
    BANKTRANLIST,
    CCACCTFROM,
    CCSTMTRS,
    CCSTMTTRNRS,
    CREDITCARDMSGSRSV1,
    LEDGERBAL,
    SIGNONMSGSRSV1,
    SONRS,
    STATUS,
    STMTRS,
    STMTTRN,
    STMTTRNRS,
)
from ofxtools.models.ofx import OFX
from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import Transaction
from potwise.domain.export_cells import major_decimal
from potwise.services import mirror
from potwise.services.exports.selection import (
    ExportAccount,
    Selection,
    first_time,
    transaction_batches,
)

OFX_VERSION = 220
ACCOUNT_TYPES = {"current": "CHECKING", "joint": "CHECKING", "savings": "SAVINGS"}
EXPORTED_STATUSES = ("settled",)
_LIST_END = "</BANKTRANLIST>"
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str | None, length: int) -> str | None:
    """`value` without characters XML cannot carry, cut to `length`; None when empty."""
    cleaned = _NOT_XML.sub("", value or "").strip()[:length]
    return cleaned or None


def ofx_account_id(external_id: str) -> str:
    """The account's id as OFX can carry it (22 characters at most; ids end in their
    random part, so the end is kept)."""
    return external_id[-22:]


def _status() -> STATUS:
    return STATUS(code=0, severity="INFO")


def _statement(
    account: ExportAccount, start: datetime, end: datetime, now: datetime
) -> STMTTRNRS | CCSTMTTRNRS:
    """One account's statement, its transaction list still empty."""
    balance = LEDGERBAL(
        balamt=major_decimal(account.balance or 0, account.currency),
        dtasof=account.balance_at if account.balance is not None and account.balance_at else now,
    )
    transactions = BANKTRANLIST(dtstart=start, dtend=end)
    acctid = ofx_account_id(account.external_id)
    if account.kind == "credit_card":
        return CCSTMTTRNRS(
            trnuid=account.id,
            status=_status(),
            ccstmtrs=CCSTMTRS(
                curdef=account.currency,
                ccacctfrom=CCACCTFROM(acctid=acctid),
                banktranlist=transactions,
                ledgerbal=balance,
            ),
        )
    return STMTTRNRS(
        trnuid=account.id,
        status=_status(),
        stmtrs=STMTRS(
            curdef=account.currency,
            bankacctfrom=BANKACCTFROM(
                bankid=account.provider[:9],
                acctid=acctid,
                accttype=ACCOUNT_TYPES.get(account.kind, "CHECKING"),
            ),
            banktranlist=transactions,
            ledgerbal=balance,
        ),
    )


def _skeleton(
    selection: Selection, start: datetime, end: datetime, now: datetime
) -> tuple[list[ExportAccount], str]:
    """The accounts in the order their statements appear, and the whole file with every
    statement's transaction list empty."""
    banks = [a for a in selection.accounts if a.kind != "credit_card"]
    cards = [a for a in selection.accounts if a.kind == "credit_card"]
    signon = SIGNONMSGSRSV1(sonrs=SONRS(status=_status(), dtserver=now, language="ENG"))
    message_sets: dict[str, object] = {}
    if banks:
        message_sets["bankmsgsrsv1"] = BANKMSGSRSV1(
            *(_statement(a, start, end, now) for a in banks)
        )
    if cards:
        message_sets["creditcardmsgsrsv1"] = CREDITCARDMSGSRSV1(
            *(_statement(a, start, end, now) for a in cards)
        )
    document = OFX(signonmsgsrsv1=signon, **message_sets)
    body = ET.tostring(document.to_etree(), encoding="unicode")
    return banks + cards, str(make_header(version=OFX_VERSION)) + body


def _entry(t: Transaction, shown: str) -> str:
    """One transaction as an OFX `STMTTRN`."""
    amount: Decimal = major_decimal(t.amount, t.currency)
    entry = STMTTRN(
        trntype="DEBIT" if t.amount < 0 else "CREDIT",
        dtposted=t.settled_at or t.created_at,
        dtuser=t.created_at,
        trnamt=amount,
        fitid=t.external_id,
        name=_text(shown, 32),
        memo=_text(t.description, 255),
    )
    return ET.tostring(entry.to_etree(), encoding="unicode")


def _bounds(
    sessions: sessionmaker[Session], selection: Selection, now: datetime
) -> tuple[datetime, datetime]:
    """The statement period: the one asked for, else from the first transaction to now."""
    period = selection.period
    end = period.until or max(now, period.since or now)
    start = period.since or first_time(sessions, selection) or end
    return min(start, end), end


def ofx_chunks(
    sessions: sessionmaker[Session], selection: Selection, now: datetime
) -> Iterator[str]:
    """The OFX file, in pieces: each statement's transactions go in a batch at a time."""
    start, end = _bounds(sessions, selection, now)
    accounts, document = _skeleton(selection, start, end, now)
    parts = document.split(_LIST_END)
    if len(parts) != len(accounts) + 1:  # pragma: no cover - ofxtools changed its output
        raise RuntimeError("The OFX statements could not be laid out.")
    yield parts[0]
    for account, rest in zip(accounts, parts[1:], strict=True):
        for batch in transaction_batches(
            sessions, selection, [account.id], statuses=EXPORTED_STATUSES
        ):
            # The name each row goes by on the pages (a pot move names its pot).
            with sessions() as db:
                shown = mirror.transaction_names(db, selection.user_id, batch)
            yield "".join(_entry(t, shown[t.id]) for t in batch)
        yield _LIST_END + rest
