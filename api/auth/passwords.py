"""Argon2 hashing for passwords and client secrets."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified against when the account does not exist, so that the answer takes as long either way.
_DUMMY_HASH = _hasher.hash("no account has this password")


def hash_secret(secret):
    return _hasher.hash(secret)


def verify_secret(secret_hash, secret):
    """True when the secret matches; a missing hash still costs one verification."""
    try:
        return _hasher.verify(secret_hash or _DUMMY_HASH, secret) and secret_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
