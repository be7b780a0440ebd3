"""JSON shapes of the API (wire types, separate from the models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, Field

from potwise.domain.money import MAX_MINOR_UNITS

T = TypeVar("T")

# Money as entered: signed minor units, bounded to what is stored and summed safely.
Pence = Annotated[int, Field(ge=-MAX_MINOR_UNITS, le=MAX_MINOR_UNITS)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class Credentials(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=4096)


class RegisterRequest(Credentials):
    invite: str | None = Field(default=None, max_length=512)


class Accepted(BaseModel):
    """An answer that says what will happen, and nothing of what was there."""

    status: str = "accepted"
    message: str


class LoginRequest(Credentials):
    totp: str | None = Field(default=None, max_length=16)


class UserOut(BaseModel):
    id: str
    email: str
    created_at: datetime
    email_verified: bool


class UserEnvelope(BaseModel):
    user: UserOut


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=4096)
    new_password: str = Field(min_length=1, max_length=4096)


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class TokensRevoked(BaseModel):
    revoked: int


class TokenOut(BaseModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself. Shown once; store it now.")


class SessionOut(BaseModel):
    id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip_address: str | None
    current: bool


class Revoked(BaseModel):
    revoked: int


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    migrations: str
