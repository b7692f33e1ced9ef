"""Signing a bundle with the user's own key, in the WACZ anonymous-signature format.

The WACZ Signing and Verification recommendation (webrecorder, wacz-auth 0.1.0) signs the
``hash`` of ``datapackage.json`` as written in ``datapackage-digest.json``. Its anonymous
form, which needs no certificate authority or time-stamping server (this archive may be
offline), adds::

    "signedData": {"hash": "sha256:…", "created": "…Z", "software": "briefings …",
                   "signature": base64(ECDSA-SHA256 over the UTF-8 hash string, r‖s),
                   "publicKey": base64(DER SubjectPublicKeyInfo)}

so any WACZ tool that checks anonymous signatures checks ours. Keys are EC (P-256 or P-384,
as ArchiveWeb.page uses) in PEM; make one with
``openssl ecparam -name secp384r1 -genkey -noout -out key.pem``. A signature proves the
bundle is unchanged since it was signed by the holder of that key; who holds the key is for
the reader to know (its fingerprint is printed by ``briefings evidence verify``).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from storage.errors import ArchiveError

__all__ = ["SigningError", "key_fingerprint", "load_signing_key", "sign", "verify_signature"]


class SigningError(ArchiveError):
    """A key that cannot sign, or a signature that does not verify."""


def load_signing_key(path: str | Path, password: bytes | None = None) -> ec.EllipticCurvePrivateKey:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read the signing key {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{path} is not a PEM private key (or needs a password)") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SigningError(f"{path}: WACZ signatures need an EC key (P-256 or P-384)")
    return key


def _public_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_fingerprint(public_key_b64: str) -> str:
    """sha256 of the DER public key, hex: what a reader compares with the signer's."""
    return hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()


def sign(
    key: ec.EllipticCurvePrivateKey, hash_: str, created: str, software: str
) -> dict[str, Any]:
    der = key.sign(hash_.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    size = (key.curve.key_size + 7) // 8
    raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return {
        "hash": hash_,
        "created": created,
        "software": software,
        "signature": base64.b64encode(raw).decode("ascii"),
        "publicKey": base64.b64encode(_public_der(key.public_key())).decode("ascii"),
    }


def verify_signature(signed: dict[str, Any], expected_hash: str) -> str:
    """The signer's key fingerprint; ``SigningError`` if the signature does not hold."""
    if signed.get("hash") != expected_hash:
        raise SigningError("the signature is over another datapackage.json hash")
    public_b64 = signed.get("publicKey")
    if not public_b64:
        raise SigningError(
            "a domain-name (certificate) signature: not checked offline, "
            "only anonymous key signatures are"
        )
    try:
        public = serialization.load_der_public_key(base64.b64decode(public_b64))
        raw = base64.b64decode(signed["signature"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SigningError("the signature or its public key is malformed") from exc
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise SigningError("the signature's public key is not an EC key")
    half = len(raw) // 2
    der = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
    try:
        public.verify(der, expected_hash.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise SigningError("the signature does not match datapackage.json") from exc
    return key_fingerprint(public_b64)
