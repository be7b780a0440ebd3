"""SQLAlchemy models: users and their sessions and tokens, and the bank mirror.

Money columns are integers of minor units next to a currency; every
timestamp is timezone-aware UTC (`UTCDateTime`). Every table holding a
user's data carries `user_id`, so queries can be scoped by construction
(see `db.scoping`).

One module per area: `base` (the declarative base, ids, shared columns),
`users`, `connections`, `mirror` (what is mirrored from the banks),
`automations`, `insight`, `cashflow` and `system` (leases, switches).
Every model is importable from here.
"""

from __future__ import annotations

from potwise.db.models.automations import Automation, AutomationRun, Notice, Transfer
from potwise.db.models.base import (
    NAMING_CONVENTION,
    Base,
    id_column,
    new_id,
    new_ids,
    table_of,
    user_fk,
    utcnow,
)
from potwise.db.models.cashflow import (
    CARD_REPAYMENT_MODES,
    COMMITMENT_STATUSES,
    CardModel,
    CashflowPreference,
    Commitment,
    CommitmentAlert,
    PlannedItem,
)
from potwise.db.models.connections import (
    PROVIDERS,
    Connection,
    OAuthClient,
    OAuthState,
    SyncRun,
    UnattendedCall,
)
from potwise.db.models.insight import (
    BUDGET_PERIODS,
    Budget,
    BudgetAlert,
    Category,
    CategoryRule,
    InsightDismissal,
)
from potwise.db.models.mail import (
    LINK_PURPOSES,
    OUTBOX_STATUSES,
    AccountLink,
    KnownBrowser,
    OutboxMessage,
)
from potwise.db.models.mirror import (
    ACCOUNT_KINDS,
    TRANSACTION_STATUSES,
    Account,
    BalanceSnapshot,
    DirectDebit,
    MirroredRow,
    Pot,
    StandingOrder,
    Transaction,
)
from potwise.db.models.notifications import (
    NotificationChannel,
    NotificationDelivery,
    NotificationPreference,
    NotificationSchedule,
)
from potwise.db.models.system import Lease, SystemFlag
from potwise.db.models.users import (
    ApiToken,
    LoginFailure,
    Passkey,
    RecoveryCode,
    TotpFactor,
    User,
    UserSession,
    WebauthnChallenge,
)

USER_OWNED_MODELS: tuple[type[Base], ...] = (
    UserSession,
    ApiToken,
    Connection,
    Account,
    Pot,
    Transaction,
    BalanceSnapshot,
    StandingOrder,
    DirectDebit,
    OAuthClient,
    OAuthState,
    SyncRun,
    Automation,
    AutomationRun,
    Transfer,
    Notice,
    Category,
    CategoryRule,
    InsightDismissal,
    Budget,
    BudgetAlert,
    Commitment,
    PlannedItem,
    CardModel,
    CashflowPreference,
    CommitmentAlert,
    TotpFactor,
    RecoveryCode,
    Passkey,
    WebauthnChallenge,
    NotificationChannel,
    NotificationPreference,
    NotificationSchedule,
    NotificationDelivery,
    KnownBrowser,
)

__all__ = [
    "ACCOUNT_KINDS",
    "BUDGET_PERIODS",
    "CARD_REPAYMENT_MODES",
    "COMMITMENT_STATUSES",
    "LINK_PURPOSES",
    "NAMING_CONVENTION",
    "OUTBOX_STATUSES",
    "PROVIDERS",
    "TRANSACTION_STATUSES",
    "USER_OWNED_MODELS",
    "Account",
    "AccountLink",
    "ApiToken",
    "Automation",
    "AutomationRun",
    "BalanceSnapshot",
    "Base",
    "Budget",
    "BudgetAlert",
    "CardModel",
    "CashflowPreference",
    "Category",
    "CategoryRule",
    "Commitment",
    "CommitmentAlert",
    "Connection",
    "DirectDebit",
    "InsightDismissal",
    "KnownBrowser",
    "Lease",
    "LoginFailure",
    "MirroredRow",
    "Notice",
    "NotificationChannel",
    "NotificationDelivery",
    "NotificationPreference",
    "NotificationSchedule",
    "OAuthClient",
    "OAuthState",
    "OutboxMessage",
    "Passkey",
    "PlannedItem",
    "Pot",
    "RecoveryCode",
    "StandingOrder",
    "SyncRun",
    "SystemFlag",
    "TotpFactor",
    "Transaction",
    "Transfer",
    "UnattendedCall",
    "User",
    "UserSession",
    "WebauthnChallenge",
    "id_column",
    "new_id",
    "new_ids",
    "table_of",
    "user_fk",
    "utcnow",
]
