"""Monzo JSON shaped exactly like the reference's examples (values invented there).

Builders return fresh dicts so a test can change one field without
affecting another test.
"""

from __future__ import annotations

import copy
from typing import Any

PERSONAL = "acc_0000Ax7QkLm2PzR9sTvWbN"
JOINT = "acc_0000Bq3RtY8uI1oP5aS2dF"
PREPAID = "acc_0000A1zzTq4Wm8Kp2Rv6Yb"
CARD_POT = "pot_0000C5hJkL9mN2bV4cX6zQ"
OLD_POT = "pot_0000C5hJpP3oO4iI5uU6yY"
USER = "user_0000Ax7Qa1B2c3D4e5F6g7"

_PRIYA = {"user_id": USER, "preferred_name": "Priya Lane", "preferred_first_name": "Priya"}
_TOM = {
    "user_id": "user_0000Bq3Rzz9Yx8Wv7Ut6Sr",
    "preferred_name": "Tom Okafor",
    "preferred_first_name": "Tom",
}

_PERSONAL_ACCOUNT: dict[str, Any] = {
    "id": PERSONAL,
    "closed": False,
    "created": "2019-03-02T10:15:44.481Z",
    "description": USER,
    "type": "uk_retail",
    "currency": "GBP",
    "country_code": "GB",
    "owners": [_PRIYA],
    "account_number": "31926815",
    "sort_code": "040004",
    "payment_details": {"locale_uk": {"account_number": "31926815", "sort_code": "040004"}},
}
_JOINT_ACCOUNT: dict[str, Any] = {
    "id": JOINT,
    "closed": False,
    "created": "2021-06-19T18:02:07.13Z",
    "description": f"Joint account between {USER} and user_0000Bq3Rzz9Yx8Wv7Ut6Sr",
    "type": "uk_retail_joint",
    "currency": "GBP",
    "country_code": "GB",
    "owners": [_PRIYA, _TOM],
    "account_number": "70443129",
    "sort_code": "040004",
    "payment_details": {"locale_uk": {"account_number": "70443129", "sort_code": "040004"}},
}
_PREPAID_ACCOUNT: dict[str, Any] = {
    "id": PREPAID,
    "closed": True,
    "created": "2017-02-11T09:00:31.2Z",
    "description": USER,
    "type": "uk_prepaid",
    "currency": "GBP",
    "country_code": "GB",
    "owners": [_PRIYA],
}


def personal_account(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(_PERSONAL_ACCOUNT), **changes}


def joint_account(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(_JOINT_ACCOUNT), **changes}


def prepaid_account(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(_PREPAID_ACCOUNT), **changes}


def balance(**changes: Any) -> dict[str, Any]:
    return {
        "balance": 84217,
        "total_balance": 312905,
        "balance_including_flexible_savings": 312905,
        "currency": "GBP",
        "spend_today": -1890,
        "local_currency": "",
        "local_exchange_rate": 0,
        "local_spend": [{"spend_today": -1890, "currency": "GBP"}],
        **changes,
    }


def card_pot(**changes: Any) -> dict[str, Any]:
    return {
        "id": CARD_POT,
        "name": "Credit card",
        "style": "",
        "balance": 42617,
        "currency": "GBP",
        "type": "default",
        "product_id": "default",
        "current_account_id": PERSONAL,
        "cover_image_url": "https://example.invalid/pot-covers/cc.png",
        "isa_wrapper": "",
        "round_up": False,
        "round_up_multiplier": None,
        "is_tax_pot": False,
        "created": "2022-01-04T08:11:52.306Z",
        "updated": "2026-05-18T07:40:03.9Z",
        "deleted": False,
        "locked": False,
        "available_for_bills": True,
        "has_virtual_cards": False,
        **changes,
    }


def deleted_pot(**changes: Any) -> dict[str, Any]:
    return {
        "id": OLD_POT,
        "name": "Old holiday",
        "style": "beach_ball",
        "balance": 0,
        "currency": "GBP",
        "type": "default",
        "product_id": "default",
        "current_account_id": PERSONAL,
        "cover_image_url": "https://example.invalid/pot-covers/beach_ball.png",
        "isa_wrapper": "",
        "round_up": False,
        "round_up_multiplier": None,
        "is_tax_pot": False,
        "created": "2019-07-21T12:00:09.77Z",
        "updated": "2020-02-02T16:45:10.12Z",
        "deleted": True,
        "locked": False,
        "available_for_bills": False,
        "has_virtual_cards": False,
        "goal_amount": 150000,
        **changes,
    }


def pot_after_deposit(**changes: Any) -> dict[str, Any]:
    """The deposit/withdraw answer: the 8 core fields only (no current_account_id)."""
    return {
        "id": CARD_POT,
        "name": "Credit card",
        "style": "",
        "balance": 55117,
        "currency": "GBP",
        "created": "2022-01-04T08:11:52.306Z",
        "updated": "2026-05-19T06:30:12.554Z",
        "deleted": False,
        **changes,
    }


def card_payment(**changes: Any) -> dict[str, Any]:
    """A pending card payment with the merchant expanded."""
    return {
        "id": "tx_0000D7fGhJ2kL4mN6pQ8rS",
        "created": "2026-05-18T12:41:07.342Z",
        "description": "CORNER CAFE LTD        LONDON        GBR",
        "amount": -465,
        "fees": {},
        "currency": "GBP",
        "merchant": {
            "id": "merch_0000D1xCvB2nM3aS4dF5gH",
            "group_id": "grp_0000D1xCqQ1wW2eE3rR4tT",
            "created": "2018-03-09T11:02:55.618Z",
            "name": "Corner Cafe",
            "logo": "https://example.invalid/logos/corner-cafe.png",
            "emoji": "\u2615",
            "category": "eating_out",
            "online": False,
            "atm": False,
            "address": {
                "short_formatted": "12 Mill Lane, London E8 4PQ",
                "formatted": "12 Mill Lane, London E8 4PQ, United Kingdom",
                "address": "12 Mill Lane",
                "city": "London",
                "region": "Greater London",
                "country": "GBR",
                "postcode": "E8 4PQ",
                "latitude": 51.5461,
                "longitude": -0.0559,
                "zoom_level": 17,
                "approximate": False,
            },
            "updated": "2025-11-30T09:14:21.05Z",
            "metadata": {"suggested_tags": "#coffee", "website": "cornercafe.example"},
            "disable_feedback": False,
        },
        "notes": "",
        "metadata": {
            "ledger_insertion_id": "entryset_0000D7fGq1w2e3r4t5y6u7",
            "mastercard_approval_type": "full",
            "mastercard_auth_message_id": "mcauthmsg_0000D7fGz9x8c7v6b5n4m3",
            "mastercard_card_id": "mccard_0000A9sDf8g7h6j5k4l3p2",
            "mastercard_lifecycle_id": "mclifecycle_0000D7fGa1s2d3f4g5h6j7",
            "mcc": "5814",
        },
        "labels": None,
        "attachments": None,
        "international": None,
        "category": "eating_out",
        "categories": {"eating_out": -465},
        "is_load": False,
        "settled": "",
        "local_amount": -465,
        "local_currency": "GBP",
        "updated": "2026-05-18T12:41:07.811Z",
        "account_id": PERSONAL,
        "user_id": USER,
        "counterparty": {},
        "scheme": "mastercard",
        "dedupe_id": (
            "mclifecycle:mclifecycle_0000D7fGa1s2d3f4g5h6j7:MASTERCARD_AUTH:"
            "mcauthmsg_0000D7fGz9x8c7v6b5n4m3"
        ),
        "originator": False,
        "include_in_spending": True,
        "can_be_excluded_from_breakdown": True,
        "can_be_made_subscription": True,
        "can_split_the_bill": True,
        "can_add_to_tab": True,
        "can_match_transactions_in_categorization": True,
        "amount_is_pending": False,
        "atm_fees_detailed": None,
        "parent_account_id": "",
        **changes,
    }


def pot_deposit(**changes: Any) -> dict[str, Any]:
    """The current-account side of a pot deposit made through the API."""
    dedupe = "7f0c2a9e-5d1b-4c66-9b1f-2e8d6a4c3b10"
    return {
        "id": "tx_0000D7fJqW9eR8tY7uI6oP",
        "created": "2026-05-19T06:30:12.401Z",
        "description": CARD_POT,
        "amount": -12500,
        "fees": {},
        "currency": "GBP",
        "merchant": None,
        "notes": "",
        "metadata": {
            "external_id": f"{USER}:{dedupe}",
            "ledger_insertion_id": "entryset_0000D7fJm1n2b3v4c5x6z7",
            "pot_account_id": "acc_0000C5hJwW1eE2rR3tT4yY",
            "pot_deposit_id": "potdep_0000D7fJk9j8h7g6f5d4s3",
            "pot_id": CARD_POT,
            "trigger": "user",
            "user_id": USER,
        },
        "labels": None,
        "attachments": None,
        "international": None,
        "category": "transfers",
        "categories": {"transfers": -12500},
        "is_load": False,
        "settled": "2026-05-19T06:30:12.401Z",
        "local_amount": -12500,
        "local_currency": "GBP",
        "updated": "2026-05-19T06:30:12.87Z",
        "account_id": PERSONAL,
        "user_id": "",
        "counterparty": {},
        "scheme": "uk_retail_pot",
        "dedupe_id": f"{CARD_POT}:{PERSONAL}:deposit:{USER}:{dedupe}",
        "originator": True,
        "include_in_spending": False,
        "can_be_excluded_from_breakdown": False,
        "can_be_made_subscription": False,
        "can_split_the_bill": False,
        "can_add_to_tab": False,
        "can_match_transactions_in_categorization": False,
        "amount_is_pending": False,
        "atm_fees_detailed": None,
        "parent_account_id": "",
        **changes,
    }


def salary(**changes: Any) -> dict[str, Any]:
    """An incoming Faster Payment, abbreviated as in the reference (no account_id)."""
    return {
        "id": "tx_0000D7fHaB1cD2eF3gH4iJ",
        "created": "2026-04-25T05:12:44.918Z",
        "description": "ACME PAYROLL APR",
        "amount": 245000,
        "currency": "GBP",
        "merchant": None,
        "notes": "ACME PAYROLL APR",
        "metadata": {
            "faster_payment": "true",
            "fps_payment_id": "FPINVENTED000111",
            "notes": "ACME PAYROLL APR",
            "trn": "TRNINVENTED2222",
        },
        "category": "income",
        "categories": {"income": 245000},
        "is_load": False,
        "settled": "2026-04-25T06:00:00Z",
        "counterparty": {
            "account_number": "55667788",
            "sort_code": "201530",
            "name": "ACME LTD",
            "user_id": "anonuser_0000Zz1Yy2Xx3Ww4Vv5Uu6",
        },
        "scheme": "payport_faster_payments",
        "include_in_spending": False,
        "originator": False,
        **changes,
    }


def trimmed_list_item(n: int, **changes: Any) -> dict[str, Any]:
    """A list item trimmed like the reference's `GET /transactions` example."""
    return {
        "id": f"tx_{n:022d}",
        "created": f"2026-05-{1 + n // 1000:02d}T{(n // 60) % 24:02d}:{n % 60:02d}:07.342Z",
        "amount": -100 - n,
        "currency": "GBP",
        "description": f"SHOP {n}",
        "merchant": f"merch_{n:022d}",
        "category": "shopping",
        "settled": "",
        "is_load": False,
        "notes": "",
        "metadata": {},
        **changes,
    }


def webhook_event(**data_changes: Any) -> dict[str, Any]:
    return {
        "type": "transaction.created",
        "data": {
            "id": "tx_0000D7fKpL3kJ2hG1fD9sA",
            "account_id": PERSONAL,
            "created": "2026-05-19T17:05:33.207Z",
            "description": "GREENLEAF GROCERS     LEEDS         GBR",
            "amount": -2389,
            "currency": "GBP",
            "category": "groceries",
            "is_load": False,
            "settled": "",
            "notes": "",
            "metadata": {"mcc": "5411"},
            "merchant": {
                "id": "merch_0000D9qWeR5tY6uI7oP8aS",
                "group_id": "grp_0000D9qWzX1cV2bN3mA4sD",
                "created": "2017-10-02T09:31:12.4Z",
                "name": "Greenleaf Grocers",
                "logo": "",
                "emoji": "\U0001f955",
                "category": "groceries",
                "address": {
                    "address": "3 Kirkgate",
                    "city": "Leeds",
                    "country": "GBR",
                    "latitude": 53.7963,
                    "longitude": -1.5392,
                    "postcode": "LS1 6BY",
                    "region": "West Yorkshire",
                },
            },
            "local_amount": -2389,
            "local_currency": "GBP",
            "scheme": "mastercard",
            "include_in_spending": True,
            "counterparty": {},
            **data_changes,
        },
    }


def token_response(**changes: Any) -> dict[str, Any]:
    return {
        "access_token": "eyJhbGciOiJFUzI1NiJ9.invented.payload",
        "client_id": "oauth2client_0000F3aSdF4gH5jK6lQ7wE",
        "expires_in": 21600,
        "refresh_token": "eyJhbGciOiJFUzI1NiJ9.invented.refresh",
        "token_type": "Bearer",
        "user_id": USER,
        **changes,
    }


def error(code: str, message: str = "", **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "retryable": {}, **extra}
