"""Mail about the account: what to send, to whom, through the outbox.

`Mailer` carries what composing a message needs (the SMTP settings, the public URL
for links, the secret key that signs them). With no SMTP host nothing is queued:
`send` answers False, and links are an operator's to hand out (`potwise user`).

`security_notice(db, mailer, user, kind)` is the hook for any code that changes how
a user signs in (a new browser, an API token, a bank connection, two-factor).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import update
from sqlalchemy.orm import Session

from potwise.db.models import User
from potwise.services import account_links
from potwise.services.mail import outbox
from potwise.services.mail.compose import compose
from potwise.services.mail.config import SmtpConfig, smtp_config
from potwise.settings import Settings

#: What a security notice says happened, by kind. Sign-ins from a new browser are
#: the only notices a user may turn off (List-Unsubscribe); the rest always go.
NOTICES = {
    "new_browser": "Someone signed in to your account from a browser we have not seen before.",
    "new_token": "A new personal API token was created for your account.",
    "new_connection": "A bank was connected to your account.",
    "password_changed": "The password of your account was changed.",
    "password_reset": (
        "The password of your account was reset by e-mail. Every session was signed out "
        "and every personal API token revoked."
    ),
    "totp_enabled": "Two-factor sign-in was switched on.",
    "totp_disabled": "Two-factor sign-in was switched off.",
    "two_factor_reset": "Two-factor sign-in was reset by the operator of this server.",
    "passkey_added": "A passkey was added to your account.",
    "passkey_removed": "A passkey was removed from your account.",
}
OPTIONAL_NOTICES = frozenset({"new_browser"})


@dataclass(frozen=True)
class Mailer:
    smtp: SmtpConfig | None
    public_url: str
    secret_key: str

    @property
    def enabled(self) -> bool:
        return self.smtp is not None

    def link(self, path: str, token: str) -> str:
        return f"{self.public_url}{path}?{urlencode({'token': token})}"

    def unsubscribe_url(self, user_id: str) -> str:
        return self.link(
            "/mail/unsubscribe", account_links.unsubscribe_token(self.secret_key, user_id)
        )


def mailer_for(settings: Settings) -> Mailer:
    return Mailer(
        smtp=smtp_config(settings),
        public_url=settings.public_url,
        secret_key=settings.require_secret_key(),
    )


def send(
    db: Session,
    mailer: Mailer,
    template: str,
    *,
    to: str,
    user_id: str | None,
    essential: bool = True,
    **context: Any,
) -> bool:
    """Queue `template` for `to` in the caller's unit of work; False when mail is off."""
    if mailer.smtp is None:
        return False
    mail = compose(template, public_url=mailer.public_url, to=to, **context)
    outbox.enqueue(
        db,
        to=to,
        kind=template,
        mail=mail,
        domain=mailer.smtp.sender_domain,
        user_id=user_id,
        essential=essential,
    )
    return True


def security_notice(
    db: Session, mailer: Mailer, user: User, kind: str, *, detail: str | None = None
) -> bool:
    """Tell the user by e-mail that `kind` (a key of NOTICES) happened; the caller
    commits. Optional notices respect the user's choice to have none."""
    optional = kind in OPTIONAL_NOTICES
    if optional and not user.mail_notices:
        return False
    return send(
        db,
        mailer,
        "security_notice",
        to=user.email,
        user_id=user.id,
        essential=not optional,
        what=NOTICES[kind],
        detail=detail,
        optional=optional,
    )


def set_notices(db: Session, user_id: str, *, on: bool) -> None:
    """The user's choice about optional mail (sign-in notices)."""
    db.execute(update(User).where(User.id == user_id).values(mail_notices=on))
    db.commit()


def unsubscribe(db: Session, mailer: Mailer, token: str) -> bool:
    """Turn optional mail off for the user an unsubscribe token names; False when the
    token is not ours."""
    user_id = account_links.unsubscribe_user(mailer.secret_key, token)
    if user_id is None:
        return False
    set_notices(db, user_id, on=False)
    return True


def token_created(db: Session, mailer: Mailer, user: User, name: str) -> None:
    """Tell the user a personal API token was made (a credential of its own)."""
    if security_notice(db, mailer, user, "new_token", detail=f"Token name: {name}."):
        db.commit()


def tell(db: Session, mailer: Mailer, user: User, kind: str, *, detail: str | None = None) -> None:
    """A security notice for a change already committed (two-factor, passkeys, the
    password), queued and committed on its own."""
    if security_notice(db, mailer, user, kind, detail=detail):
        db.commit()
