"""Signing keys: PEM files from JWT_KEYS_DIR (kid = file name), or one generated at start."""
import json
import logging
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

log = logging.getLogger(__name__)

_generated = None


class KeyError_(ValueError):
    """The configured keys cannot be used."""


class KeySet:
    """Private keys by kid; the last in sort order signs, every listed key verifies."""

    def __init__(self, keys):
        if not keys:
            raise KeyError_("No signing keys.")
        self.private_keys = dict(keys)
        self.public_keys = {kid: key.public_key() for kid, key in keys}
        self.signing_kid = keys[-1][0]
        kinds = {type(key).__name__ for _, key in keys}
        if all(isinstance(k, rsa.RSAPrivateKey) for _, k in keys):
            self.algorithm = "RS256"
        elif all(isinstance(k, ec.EllipticCurvePrivateKey) and k.curve.name == "secp256r1" for _, k in keys):
            self.algorithm = "ES256"
        else:
            raise KeyError_(f"Keys must all be RSA or all EC P-256, got {sorted(kinds)}.")

    @property
    def signing_key(self):
        return self.private_keys[self.signing_kid]

    def jwks(self):
        algorithm = RSAAlgorithm if self.algorithm == "RS256" else ECAlgorithm
        keys = []
        for kid, public in self.public_keys.items():
            jwk = json.loads(algorithm.to_jwk(public))
            jwk.update({"kid": kid, "use": "sig", "alg": self.algorithm})
            keys.append(jwk)
        return {"keys": keys}


def _generated_key():
    global _generated
    if _generated is None:
        _generated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _generated


def load_keys(keys_dir):
    """Return the KeySet from a folder of PEM private keys, or a generated one when none is configured."""
    if not keys_dir:
        log.warning("No JWT_KEYS_DIR: signing tokens with a key generated at start; tokens die with the process.")
        return KeySet([("generated", _generated_key())])
    folder = Path(keys_dir)
    files = sorted(folder.glob("*.pem"))
    if not files:
        raise KeyError_(f"JWT_KEYS_DIR {keys_dir} holds no *.pem private key.")
    keys = []
    for path in files:
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as error:
            raise KeyError_(f"{path.name} is not an unencrypted PEM private key: {error}") from None
        keys.append((path.stem, key))
    log.info("JWT keys: %s; signing with %s", ", ".join(k for k, _ in keys), keys[-1][0])
    return KeySet(keys)


def write_private_key(path, key=None):
    """Write a new RSA private key as PEM (used by the CLI and the tests)."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    Path(path).write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    return key
