"""Spending insight API: classification overrides, category rules, suggestions, internal pairs.

`/transfers` is the automations' money moves; matched transactions between
the user's own accounts (and card repayments) are `/internal-pairs`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from potwise.db.models import CategoryRule, Transaction
from potwise.domain import classify as domain
from potwise.services import mirror
from potwise.services.insight import choices
from potwise.web.api.mirror import TransactionOut
from potwise.web.api.schemas import Page, Pence
from potwise.web.security import AppSettings, CurrentCaller, Db

router = APIRouter(tags=["insight"])


class ClassifiedTransactionOut(TransactionOut):
    merchant_key: str | None
    category_source: str | None = Field(description="provider, rule or user")
    classification_source: str | None = Field(description="auto or user")
    classification_reason: str | None = Field(description="Why it was classified so")
    linked_transaction_id: str | None = Field(
        description="The other half of an internal movement (own transfer, card repayment)"
    )


class SuggestionOut(BaseModel):
    merchant_key: str
    merchant: str
    category: str
    chosen: int = Field(description="How many of the merchant's latest transactions you put there")
    to_change: int = Field(description="Past transactions of the merchant that would change")
    evidence: list[str]


class ChoiceIn(BaseModel):
    """Set a category and/or a classification as your own; null hands it back to potwise."""

    category: str | None = Field(default=None, max_length=64)
    classification: str | None = Field(default=None, max_length=32)


class ChoiceOut(ClassifiedTransactionOut):
    suggestion: SuggestionOut | None = Field(
        description="Apply this category to the merchant's past and future transactions?"
    )


class RuleIn(BaseModel):
    category: str = Field(max_length=64)
    merchant_key: str | None = Field(
        default=None, max_length=200, description="A merchant as written; it is normalised"
    )
    description_contains: str | None = Field(default=None, max_length=200)
    description_equals: str | None = Field(default=None, max_length=200)
    min_amount: Pence | None = Field(default=None, description="Signed minor units, inclusive")
    max_amount: Pence | None = Field(default=None, description="Signed minor units, inclusive")
    account_id: str | None = Field(default=None, max_length=32)
    priority: int = Field(default=100, ge=0, le=10_000, description="Lower runs first")


class RuleOut(BaseModel):
    id: str
    category: str
    merchant_key: str | None
    description_contains: str | None
    description_equals: str | None
    min_amount: int | None
    max_amount: int | None
    account_id: str | None
    priority: int
    source: str
    created_at: datetime


class RuleCreated(BaseModel):
    rule: RuleOut
    changed: int = Field(description="Past transactions whose category changed")


class SuggestionChoice(BaseModel):
    merchant_key: str = Field(min_length=1, max_length=120)
    category: str = Field(min_length=1, max_length=64)


class PairOut(BaseModel):
    kind: str = Field(description="internal_transfer or card_repayment")
    money_out: ClassifiedTransactionOut
    money_in: ClassifiedTransactionOut


class Unpaired(BaseModel):
    transactions: list[ClassifiedTransactionOut]


def classified_out(t: Transaction, names: dict[str, str]) -> ClassifiedTransactionOut:
    """The transaction with its `display_name` (`names`: `mirror.transaction_names`)."""
    out = ClassifiedTransactionOut.model_validate(t, from_attributes=True)
    out.display_name = names.get(t.id)
    return out


def suggestion_out(s: domain.Suggestion) -> SuggestionOut:
    return SuggestionOut(
        merchant_key=s.merchant_key,
        merchant=s.merchant,
        category=s.category,
        chosen=s.chosen,
        to_change=s.to_change,
        evidence=list(s.evidence),
    )


def rule_out(rule: CategoryRule) -> RuleOut:
    return RuleOut.model_validate(rule, from_attributes=True)


@router.patch("/transactions/{transaction_id}", response_model=ChoiceOut)
def set_choice(
    transaction_id: str, body: ChoiceIn, caller: CurrentCaller, db: Db, settings: AppSettings
) -> ChoiceOut:
    """Override a transaction's category and/or classification. Your choice survives
    re-syncs and re-classification; send `null` to hand it back to potwise."""
    given = body.model_fields_set
    result = choices.set_choice(
        db,
        caller.user.id,
        transaction_id,
        category=body.category if "category" in given else choices.UNSET,
        classification=body.classification if "classification" in given else choices.UNSET,
        fallback_timezone=settings.timezone,
    )
    names = mirror.transaction_names(db, caller.user.id, [result.transaction])
    out = classified_out(result.transaction, names)
    suggestion = suggestion_out(result.suggestion) if result.suggestion else None
    return ChoiceOut(**out.model_dump(), suggestion=suggestion)


@router.get("/categories/rules", response_model=Page[RuleOut])
def list_rules(caller: CurrentCaller, db: Db) -> Page[RuleOut]:
    """Your category rules, in the order they are tried."""
    return Page[RuleOut](items=[rule_out(r) for r in choices.list_rules(db, caller.user.id)])


@router.post("/categories/rules", response_model=RuleCreated, status_code=status.HTTP_201_CREATED)
def create_rule(body: RuleIn, caller: CurrentCaller, db: Db, settings: AppSettings) -> RuleCreated:
    """Add a rule; every condition given must hold. Past transactions you have not
    categorised yourself are re-categorised at once, future ones as they arrive."""
    rule, changed = choices.create_rule(
        db,
        caller.user.id,
        choices.RuleInput(
            category=body.category,
            merchant_key=body.merchant_key,
            description_contains=body.description_contains,
            description_equals=body.description_equals,
            min_amount=body.min_amount,
            max_amount=body.max_amount,
            account_id=body.account_id,
            priority=body.priority,
        ),
        fallback_timezone=settings.timezone,
    )
    return RuleCreated(rule=rule_out(rule), changed=changed)


@router.delete("/categories/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: str, caller: CurrentCaller, db: Db, settings: AppSettings) -> Response:
    choices.delete_rule(db, caller.user.id, rule_id, fallback_timezone=settings.timezone)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/categories/suggestions", response_model=Page[SuggestionOut])
def list_suggestions(caller: CurrentCaller, db: Db) -> Page[SuggestionOut]:
    """Rules your own re-categorisations suggest; nothing is applied until you say so."""
    return Page[SuggestionOut](
        items=[suggestion_out(s) for s in choices.suggestions(db, caller.user.id)]
    )


@router.post("/categories/suggestions/apply", response_model=RuleCreated)
def apply_suggestion(
    body: SuggestionChoice, caller: CurrentCaller, db: Db, settings: AppSettings
) -> RuleCreated:
    """Apply the category to the merchant's past and future transactions (creates the rule)."""
    rule, changed = choices.apply_suggestion(
        db, caller.user.id, body.merchant_key, body.category, fallback_timezone=settings.timezone
    )
    return RuleCreated(rule=rule_out(rule), changed=changed)


@router.post("/categories/suggestions/dismiss", status_code=status.HTTP_204_NO_CONTENT)
def dismiss_suggestion(body: SuggestionChoice, caller: CurrentCaller, db: Db) -> Response:
    """Never offer this suggestion again."""
    choices.dismiss_suggestion(db, caller.user.id, body.merchant_key, body.category)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/internal-pairs", response_model=Page[PairOut])
def list_pairs(
    caller: CurrentCaller,
    db: Db,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    until: datetime | None = None,
) -> Page[PairOut]:
    """Matched movements between your own accounts and card repayments, newest first."""
    pairs = choices.list_pairs(db, caller.user.id, limit=limit, until=until)
    names = mirror.transaction_names(
        db, caller.user.id, [t for p in pairs for t in (p.out, p.into)]
    )
    return Page[PairOut](
        items=[
            PairOut(
                kind=p.kind,
                money_out=classified_out(p.out, names),
                money_in=classified_out(p.into, names),
            )
            for p in pairs
        ]
    )


@router.post("/internal-pairs/{transaction_id}/reject", response_model=Unpaired)
def reject_pair(
    transaction_id: str, caller: CurrentCaller, db: Db, settings: AppSettings
) -> Unpaired:
    """ "Not a pair": unlinks both halves, classifies them again, and never pairs them again."""
    a, b = choices.reject_pair(
        db, caller.user.id, transaction_id, fallback_timezone=settings.timezone
    )
    names = mirror.transaction_names(db, caller.user.id, [a, b])
    return Unpaired(transactions=[classified_out(a, names), classified_out(b, names)])
