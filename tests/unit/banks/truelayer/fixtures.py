# ruff: noqa: E501 - the reference's examples, kept verbatim
"""Answers shaped exactly like the reference's examples (TrueLayer Data API v1).

Kept as JSON text, not Python dicts, so numbers reach the client as the
wire sends them (`-23.47`, `2450.00`, `overdraft: 750`).
"""

from __future__ import annotations

ME = """
{ "results": [ {
    "client_id": "potwise-7f3a21",
    "credentials_id": "Zx4cQ1v9sW0pL7mN3bT6yH2kR8aE5uJ1oD0fG4iC9qM=",
    "consent_status": "Authorised",
    "consent_status_updated_at": "2025-01-10T09:31:12.440Z",
    "consent_created_at": "2025-01-10T09:30:58.102Z",
    "consent_expires_at": "2025-04-10T09:30:58.102Z",
    "provider": { "display_name": "AMEX", "logo_uri": "https://truelayer-provider-assets.s3.amazonaws.com/global/logos/amex.svg", "provider_id": "ob-amex" },
    "scopes": ["info", "accounts", "balance", "cards", "transactions", "offline_access"],
    "privacy_policy": "Feb2019" } ],
  "status": "Succeeded" }
"""

INFO = """
{ "results": [ { "full_name": "Priya Raman", "update_timestamp": "2025-01-10T09:31:20Z" } ], "status": "Succeeded" }
"""

ACCOUNTS = """
{ "results": [
  { "update_timestamp": "2025-03-04T07:12:40.118243Z",
    "account_id": "5c1e9a7be40d2f8836a1c0f95b27d4e1",
    "account_type": "TRANSACTION",
    "display_name": "Classic Account",
    "currency": "GBP",
    "account_number": { "iban": "GB29NWBK60161331926819", "number": "31926819", "sort_code": "60-16-13", "swift_bic": "NWBKGB2L" },
    "provider": { "display_name": "NatWest", "logo_uri": "https://truelayer-provider-assets.s3.amazonaws.com/global/logos/natwest.svg", "provider_id": "ob-natwest" } } ],
  "status": "Succeeded" }
"""

ACCOUNT_BALANCE = """
{ "results": [ { "currency": "GBP", "available": 1712.44, "current": 962.44, "overdraft": 750, "update_timestamp": "2025-03-04T07:12:41.002117Z" } ], "status": "Succeeded" }
"""

ACCOUNT_TRANSACTIONS = """
{ "results": [
  { "transaction_id": "9f2c41d07ab35e8c16d0f4a2b7e95c13",
    "normalised_provider_transaction_id": "txn-5e0a9c7d31b2f48a6",
    "provider_transaction_id": "OB-20250302-88412",
    "timestamp": "2025-03-02T00:00:00Z",
    "description": "TESCO STORES 2214",
    "amount": -23.47, "currency": "GBP",
    "transaction_type": "DEBIT", "transaction_category": "PURCHASE",
    "transaction_classification": ["Shopping", "Groceries"],
    "merchant_name": "Tesco",
    "running_balance": { "amount": 962.44, "currency": "GBP" },
    "meta": { "provider_transaction_category": "DEB" } },
  { "transaction_id": "0b7d3e6a25c94f18e2a07d5c9b41f368",
    "normalised_provider_transaction_id": "txn-a31f7c90e2d5b6048",
    "timestamp": "2025-02-28T00:00:00Z",
    "description": "ACME LTD SALARY",
    "amount": 2450.00, "currency": "GBP",
    "transaction_type": "CREDIT", "transaction_category": "TRANSFER",
    "transaction_classification": [],
    "running_balance": { "amount": 985.91, "currency": "GBP" },
    "meta": { "provider_transaction_category": "FPI" } } ],
  "status": "Succeeded" }
"""

ACCOUNT_PENDING = """
{ "results": [
  { "transaction_id": "c4e1a8f03b97d25e60f1a2b3c4d5e6f7",
    "timestamp": "2025-03-04T00:00:00Z",
    "description": "CARD PAYMENT TO UBER *TRIP",
    "amount": -14.20, "currency": "GBP",
    "transaction_type": "DEBIT", "transaction_category": "PURCHASE",
    "transaction_classification": [],
    "meta": {} } ],
  "status": "Succeeded" }
"""

STANDING_ORDERS = """
{ "results": [ { "frequency": "IntrvlMnthDay:01:28", "status": "Active", "timestamp": "2025-03-04T07:13:02.551+00:00", "currency": "GBP",
  "meta": { "provider_account_id": "8f3a1c2e-77d0-4b5a-9e61-0c4d2b7a9e13" },
  "next_payment_date": "2025-03-28T00:00:00+00:00", "next_payment_amount": 300,
  "first_payment_date": "2023-06-28T00:00:00+00:00", "first_payment_amount": 300,
  "final_payment_date": "9999-12-31T00:00:00+00:00", "final_payment_amount": 0,
  "payee": "R RAMAN", "reference": "RENT SHARE" } ], "status": "Succeeded" }
"""

DIRECT_DEBITS = """
{ "results": [ { "direct_debit_id": "2b9e0c7f41a6d53e8f1c0a2b3d4e5f60", "timestamp": "2025-03-04T07:13:03.010+00:00", "name": "OCTOPUS ENERGY", "status": "Active",
  "previous_payment_timestamp": "2025-02-14T00:00:00+00:00", "previous_payment_amount": 96.5, "currency": "GBP",
  "meta": { "provider_mandate_identification": "A-7F2K9Q1M", "provider_account_id": "31926819" } } ], "status": "Succeeded" }
"""

AMEX_CARD_ID = "e3b8c1d94f0a27b6c5d81e2f3a4b5c6d"

CARDS = """
{ "results": [
  { "account_id": "e3b8c1d94f0a27b6c5d81e2f3a4b5c6d",
    "card_network": "AMEX", "card_type": "CREDIT", "currency": "GBP",
    "display_name": "Preferred Rewards Gold Card",
    "partial_card_number": "1004", "name_on_card": "PRIYA RAMAN",
    "update_timestamp": "2025-03-04T07:14:10.337911Z",
    "provider": { "display_name": "AMEX", "logo_uri": "https://truelayer-provider-assets.s3.amazonaws.com/global/logos/amex.svg", "provider_id": "ob-amex" } } ],
  "status": "Succeeded" }
"""

CARD_BALANCE = """
{ "results": [ { "available": 4127.65, "currency": "GBP", "current": 872.35, "credit_limit": 5000,
  "last_statement_balance": 611.08, "last_statement_date": "2025-02-19",
  "payment_due": 25, "payment_due_date": "2025-03-16",
  "update_timestamp": "2025-03-04T07:14:11.902514Z" } ], "status": "Succeeded" }
"""

# Amex: no `available`, no `payment_due*`, and (like many examples) no `status`.
AMEX_CARD_BALANCE = """
{ "results": [ { "currency": "GBP", "current": 872.35, "credit_limit": 4127.65,
  "last_statement_balance": 611.08, "last_statement_date": "2025-02-19" } ] }
"""

CARD_TRANSACTIONS = """
{ "results": [
  { "transaction_id": "71d0e9c3b5a24f86d1e0c9b8a7f6e5d4",
    "normalised_provider_transaction_id": "txn-0c9e7a5d3b1f2e4a6",
    "provider_transaction_id": "AT250650071000010092214",
    "timestamp": "2025-03-01T00:00:00Z",
    "description": "PRET A MANGER LONDON",
    "amount": 8.95, "currency": "GBP",
    "transaction_type": "DEBIT", "transaction_category": "PURCHASE",
    "transaction_classification": ["Food & Dining", "Coffee shops"],
    "merchant_name": "Pret A Manger",
    "meta": { "provider_merchant_name": "PRET A MANGER", "transaction_type": "DEBIT", "provider_reference": "AT250650071000010092214" } },
  { "transaction_id": "4a2f9e8d7c6b5a4f3e2d1c0b9a8f7e6d",
    "normalised_provider_transaction_id": "txn-7b2d4f6a8c0e1a3c5",
    "timestamp": "2025-02-24T00:00:00Z",
    "description": "PAYMENT RECEIVED - THANK YOU",
    "amount": -611.08, "currency": "GBP",
    "transaction_type": "CREDIT", "transaction_category": "CREDIT",
    "transaction_classification": [],
    "meta": { "transaction_type": "CREDIT" } } ],
  "status": "Succeeded" }
"""

# Pending card rows: transaction_id only, positive = charge, negative = refund.
CARD_PENDING = """
{ "results": [
  { "transaction_id": "p1a2b3c4d5e6f708192a3b4c5d6e7f80",
    "timestamp": "2025-03-04T12:31:07.4606763Z",
    "description": "UBER *TRIP",
    "amount": 18.32, "currency": "GBP",
    "transaction_type": "DEBIT", "transaction_category": "PURCHASE",
    "transaction_classification": [] },
  { "transaction_id": "p2b3c4d5e6f708192a3b4c5d6e7f8091",
    "timestamp": "2025-03-04T15:02:00",
    "description": "ASOS REFUND",
    "amount": -40.00, "currency": "GBP",
    "transaction_type": "CREDIT", "transaction_category": "CREDIT",
    "transaction_classification": [] } ],
  "status": "Succeeded" }
"""


def error(code: str, description: str = "") -> str:
    body = f'"error": "{code}"'
    if description:
        body += f', "error_description": "{description}"'
    return "{" + body + ', "error_details": {}}'


TOKEN = """
{
  "access_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IjE0NTk4OUIwNTdDNUE0QzE1QjRCQjE4MUQ1NTZCQjQ3In0.eyJzdWIiOiJ4In0.c2ln",
  "expires_in": 3600,
  "token_type": "Bearer",
  "refresh_token": "7C1E0B55D2A94F0E8B6A13C9F2D4471A0E5B9C3D6F18A2B47E9D0C1F35A6B8E2",
  "scope": "info accounts balance cards transactions offline_access"
}
"""
