"""The user's data, out: transactions as CSV and OFX (per account and period), and
everything they own as JSON. Each is checked before it starts (the account is theirs,
the period sound) and then streamed a batch at a time."""

from potwise.services.exports.csv_file import COLUMNS, csv_chunks
from potwise.services.exports.everything import (
    EXCLUDED_TABLES,
    FORMAT,
    VERSION,
    everything_chunks,
    exported_models,
    is_secret_column,
)
from potwise.services.exports.everything import filename as everything_filename
from potwise.services.exports.ofx_file import EXPORTED_STATUSES, ofx_account_id, ofx_chunks
from potwise.services.exports.period import Period, parse_period
from potwise.services.exports.selection import Selection, select_transactions

__all__ = [
    "COLUMNS",
    "EXCLUDED_TABLES",
    "EXPORTED_STATUSES",
    "FORMAT",
    "VERSION",
    "Period",
    "Selection",
    "csv_chunks",
    "everything_chunks",
    "everything_filename",
    "exported_models",
    "is_secret_column",
    "ofx_account_id",
    "ofx_chunks",
    "parse_period",
    "select_transactions",
]
