"""Creating an account from the sign-up form or the API, and invitations.

The answer never says whether an address already has an account: a new address
gets an account and a verification link; a known one gets nothing new, and its
owner a message saying someone tried. Both hash the password, so both take as long.

`POTWISE_REGISTRATION` decides who may register: `open`, `closed` (only operators
create users), or `invite` (only with a single-use invitation from
`potwise user invite`). Unset, the older `POTWISE_REGISTRATION_OPEN` decides, and
without it registration is open in development and, in production, until the
first user exists.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import User
from potwise.logs import get_logger
from potwise.services import account_links, account_mail, auth, passwords, verification
from potwise.services.account_mail import Mailer
from potwise.services.errors import Conflict, RegistrationClosed

log = get_logger(__name__)

INVITE_PATH = "/register"
ACCEPTED = (
    "Thank you. If the address can be used, a message with a link to confirm it is on "
    "its way; you can sign in meanwhile."
)


def mode(db: Session, policy: auth.AuthPolicy) -> str:
    """`open`, `closed` or `invite`, as this server is configured now."""
    if policy.registration is not None:
        return policy.registration
    return "open" if auth.registration_is_open(db, policy) else "closed"


def check_invite(db: Session, mailer: Mailer, token: str) -> None:
    """Raise why an invitation cannot be used (the sign-up page asks first)."""
    account_links.check(db, mailer.secret_key, "invite", token, clock.wall())


def register(
    db: Session,
    policy: auth.AuthPolicy,
    mailer: Mailer,
    *,
    email: str,
    password: str,
    invite: str | None = None,
) -> None:
    """Register `email`; the outcome is the same whether or not it has an account."""
    current = mode(db, policy)
    if current == "closed":
        raise RegistrationClosed("Registration is closed on this server.")
    if current == "invite":
        if not invite:
            raise RegistrationClosed("This server takes new accounts by invitation only.")
        check_invite(db, mailer, invite)
    address = auth.normalise_email(email)
    passwords.check_policy(password, email=address)
    existing = db.scalars(select(User).where(User.email == address)).one_or_none()
    if existing is None:
        try:
            user = auth.create_user(db, email=address, password=password, verified=False)
        except Conflict:  # registered a moment ago, by a request beside this one
            log.info("auth.register_existing")
            return
        if current == "invite" and invite:
            account_links.redeem(db, mailer.secret_key, "invite", invite, clock.wall())
        verification.send_link(db, mailer, user)
        db.commit()
        return
    passwords.hash_password(password)  # the work a new account costs, so timing says nothing
    account_mail.send(db, mailer, "register_existing", to=address, user_id=existing.id)
    db.commit()
    log.info("auth.register_existing")


def invite(db: Session, mailer: Mailer, *, email: str | None = None) -> str:
    """A single-use invitation link (7 days); mailed to `email` when given and mail is on."""
    address = auth.normalise_email(email) if email else None
    token = account_links.issue(
        db, mailer.secret_key, "invite", user_id=None, email=address, now=clock.wall()
    )
    link = mailer.link(INVITE_PATH, token).replace("?token=", "?invite=")
    if address is not None:
        account_mail.send(db, mailer, "invite", to=address, user_id=None, link=link)
    db.commit()
    log.info("auth.invitation_created", mailed=address is not None and mailer.enabled)
    return link
