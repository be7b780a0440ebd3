"""Two-factor authentication: TOTP with single-use recovery codes.

`codes` is the arithmetic (no database), `factor` the user's factor in the
database, `pending` the signed half-way mark of a sign-in waiting for its code.
"""
