"""Passkeys (WebAuthn): registering them, signing in with one, naming and removing.

Every ceremony is bound to a single-use challenge kept on the server for five
minutes, to this server's relying party (the host of `POTWISE_PUBLIC_URL`) and
its origin, and needs user verification (the phone's or laptop's PIN or
biometrics), so a passkey alone is two factors. A passkey sign-in is
discoverable: the authenticator names the account, no e-mail is typed.
WebAuthn has no relying party for an IP address, so a server reached by one
offers no passkeys.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import webauthn
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    generate_challenge,
    parse_client_data_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from potwise import clock
from potwise.db.models import Passkey, User, WebauthnChallenge
from potwise.db.scoping import get_owned
from potwise.logs import get_logger
from potwise.services.errors import InvalidCredentials, InvalidInput, NotFound

log = get_logger(__name__)

Clock = Callable[[], datetime]

CHALLENGE_LIFETIME = timedelta(minutes=5)
MAX_PASSKEYS = 20
RP_NAME = "potwise"
_REGISTER = "register"
_SIGN_IN = "sign_in"


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str


def relying_party(public_url: str) -> RelyingParty | None:
    """The relying party for the public address, or None when it is an IP address."""
    parts = urlsplit(public_url)
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return RelyingParty(id=host, origin=f"{parts.scheme}://{parts.netloc}") if host else None
    return None


def _new_challenge(db: Session, purpose: str, user_id: str | None, moment: datetime) -> bytes:
    db.execute(delete(WebauthnChallenge).where(WebauthnChallenge.expires_at < moment))
    value = generate_challenge()
    db.add(
        WebauthnChallenge(
            challenge=bytes_to_base64url(value),
            purpose=purpose,
            user_id=user_id,
            expires_at=moment + CHALLENGE_LIFETIME,
        )
    )
    db.commit()
    return value


def _take_challenge(
    db: Session, credential: dict[str, Any], purpose: str, moment: datetime
) -> tuple[bytes, str | None]:
    """The challenge this credential answers, spent: (challenge, its user or None)."""
    try:
        client_data = parse_client_data_json(
            base64url_to_bytes(str(credential["response"]["clientDataJSON"]))
        )
    except (KeyError, TypeError, ValueError, WebAuthnException) as exc:
        raise InvalidInput("That passkey answer could not be read.") from exc
    encoded = bytes_to_base64url(client_data.challenge)
    row = db.scalars(
        select(WebauthnChallenge).where(
            WebauthnChallenge.challenge == encoded, WebauthnChallenge.purpose == purpose
        )
    ).one_or_none()
    if row is None or row.expires_at < moment:
        raise InvalidCredentials("That passkey request has expired. Try again.")
    user_id = row.user_id
    db.delete(row)
    db.commit()
    return client_data.challenge, user_id


def registration_options(
    db: Session, rp: RelyingParty, user: User, *, now: Clock = clock.now
) -> str:
    """The options for `navigator.credentials.create`, as JSON."""
    existing = list(db.scalars(select(Passkey).where(Passkey.user_id == user.id)))
    if len(existing) >= MAX_PASSKEYS:
        raise InvalidInput(f"You have {MAX_PASSKEYS} passkeys already: remove one first.")
    challenge = _new_challenge(db, _REGISTER, user.id, now())
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_id=user.id.encode(),
        user_name=user.email,
        user_display_name=user.email,
        challenge=challenge,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in existing
        ],
    )
    return webauthn.options_to_json(options)


def register(
    db: Session,
    rp: RelyingParty,
    user: User,
    *,
    name: str,
    credential: dict[str, Any],
    now: Clock = clock.now,
) -> Passkey:
    """Check the authenticator's answer and keep the passkey under `name`."""
    label = " ".join(name.split())
    if not label or len(label) > 100:
        raise InvalidInput("Give the passkey a name of up to 100 characters, e.g. “My phone”.")
    moment = now()
    challenge, owner = _take_challenge(db, credential, _REGISTER, moment)
    if owner != user.id:
        raise InvalidCredentials("That passkey request was not yours. Try again.")
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as exc:
        log.info("auth.passkey_register_refused", user_id=user.id, reason=type(exc).__name__)
        raise InvalidCredentials("The passkey could not be verified. Try again.") from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.scalars(select(Passkey.id).where(Passkey.credential_id == credential_id)).first():
        raise InvalidInput("That passkey is registered already.")
    transports = _transports(credential)
    passkey = Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=label,
        transports=",".join(transports) or None,
        created_at=moment,
    )
    db.add(passkey)
    db.commit()
    log.info("auth.passkey_added", user_id=user.id, passkey_id=passkey.id)
    return passkey


def _transports(credential: dict[str, Any]) -> list[str]:
    known = {t.value for t in AuthenticatorTransport}
    raw = credential.get("response", {}).get("transports") or []
    return [t for t in raw if isinstance(t, str) and t in known][:6]


def sign_in_options(
    db: Session, rp: RelyingParty, *, user: User | None = None, now: Clock = clock.now
) -> str:
    """Options for `navigator.credentials.get`. Without a user, any passkey of this
    server may answer (discoverable); with one, only that user's."""
    allowed: list[PublicKeyCredentialDescriptor] = []
    if user is not None:
        allowed = [
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in db.scalars(select(Passkey).where(Passkey.user_id == user.id))
        ]
        if not allowed:
            raise InvalidInput("You have no passkey yet.")
    challenge = _new_challenge(db, _SIGN_IN, user.id if user else None, now())
    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return webauthn.options_to_json(options)


def sign_in(
    db: Session, rp: RelyingParty, credential: dict[str, Any], *, now: Clock = clock.now
) -> User:
    """The user whose passkey signed the challenge. A challenge issued for one user
    (the second step of a password sign-in) accepts only that user's passkeys."""
    moment = now()
    challenge, expected_user = _take_challenge(db, credential, _SIGN_IN, moment)
    passkey = db.scalars(
        select(Passkey).where(Passkey.credential_id == str(credential.get("id", "")))
    ).one_or_none()
    refused = InvalidCredentials("That passkey is not known here, or it could not be verified.")
    if passkey is None or (expected_user is not None and passkey.user_id != expected_user):
        log.info("auth.passkey_sign_in_refused", reason="unknown_or_foreign")
        raise refused
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as exc:
        log.info("auth.passkey_sign_in_refused", reason=type(exc).__name__)
        raise refused from exc
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = moment
    user = db.get(User, passkey.user_id)
    if user is None or not user.is_active:
        raise refused
    db.commit()
    log.info("auth.passkey_sign_in", user_id=user.id, passkey_id=passkey.id)
    return user


def listed(db: Session, user_id: str) -> list[Passkey]:
    return list(
        db.scalars(select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at))
    )


def has_any(db: Session, user_id: str) -> bool:
    return db.scalars(select(Passkey.id).where(Passkey.user_id == user_id)).first() is not None


def remove(db: Session, user_id: str, passkey_id: str) -> None:
    passkey = get_owned(db, Passkey, passkey_id, user_id)
    if passkey is None:
        raise NotFound("No such passkey.")
    db.delete(passkey)
    db.commit()
    log.info("auth.passkey_removed", user_id=user_id, passkey_id=passkey_id)
