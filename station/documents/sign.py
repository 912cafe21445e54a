"""Sealing a document: a PAdES signature with the office seal, shown as a red stamp.

``sign_pdf`` signs with pyHanko (PAdES baseline B-B: ETSI.CAdES.detached,
SHA-256, ECDSA P-256), embeds the seal's chain up to the county root so any
reader can build the path, and appends the signature as an incremental
update: the bytes before it are kept as they were.  The visible stamp goes
into the document's empty seal field (``sealplace.SEAL_FIELD``), or, in a
PDF without one, on a new field at the lower right of the last page.  The
result is written atomically; ``src`` and ``dst`` may be the same file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from keys.office_seal import seal_name
from station.documents.organ import organ_name
from station.documents.sealplace import FALLBACK_BOX, SEAL_FIELD
from station.documents.stamp import stamp_pdf
from station.errors import InputFileInvalid, PdfUnreadable, SealOfficeMismatch
from station.fileio import write_atomically

__all__ = ["asn1_certificate", "read_pdf", "sign_pdf"]


def sign_pdf(
    src: Path,
    dst: Path,
    key: ec.EllipticCurvePrivateKey,
    chain: Sequence[x509.Certificate],
    *,
    office: str,
    reason: str,
    location: str,
) -> Path:
    """Seal ``src`` as ``office`` and write the sealed PDF to ``dst``; return ``dst``.

    ``chain`` is the seal's certificate first, then its issuers (the county
    root may be last).  ``reason`` (e.g. 准予批准) and ``location`` (the
    node's name) are recorded in the signature.  Raises SealOfficeMismatch
    when the seal belongs to another office, PdfUnreadable for a file that
    is not a PDF and InputFileInvalid when ``src`` cannot be read.
    """
    if not chain:
        raise ValueError("a seal needs its certificate")
    cert = chain[0]
    if key.public_key() != cert.public_key():
        raise ValueError("the key does not belong to the seal's certificate")
    name = seal_name(cert)
    if name.office != office:
        raise SealOfficeMismatch(seal=name.office, office=office)
    data = read_pdf(src)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        field_name, new_field = _seal_field(reader)
        writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as error:
        raise PdfUnreadable(path=src) from error

    signer = signers.SimpleSigner(
        signing_cert=asn1_certificate(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_certificate(c) for c in chain[1:]]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        name=organ_name(name.node_name, name.office, name.code),
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    signed = BytesIO()
    with tempfile.TemporaryDirectory(prefix="station-seal-") as folder:
        # The stamp picture shows names only, nothing personal.
        picture = Path(folder) / "seal.pdf"
        picture.write_bytes(stamp_pdf(name.node_name, name.office, name.code))
        style = StaticStampStyle.from_pdf_file(
            str(picture), border_width=0, background_opacity=1.0,
            background_layout=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID,
                margins=Margins.uniform(0)),
        )
        pdf_signer = signers.PdfSigner(meta, signer, stamp_style=style,
                                       new_field_spec=new_field)
        pdf_signer.sign_pdf(writer, output=signed)

    def render(out: BinaryIO) -> None:
        out.write(signed.getvalue())

    return write_atomically(dst, render)


def read_pdf(path: Path) -> bytes:
    """The bytes of ``path`` if it looks like a PDF; InputFileInvalid, PdfUnreadable."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileInvalid(path=path, reason=error.strerror or str(error)) from None
    if b"%PDF-" not in data[:1024]:
        raise PdfUnreadable(path=path)
    return data


def asn1_certificate(cert: x509.Certificate) -> asn1_x509.Certificate:
    """A certificate as pyHanko takes it (asn1crypto)."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _seal_field(reader: PdfFileReader) -> tuple[str, fields.SigFieldSpec | None]:
    """The empty seal field the document offers, or a new one at the fallback place."""
    names = []
    for field_name, value, _ref in fields.enumerate_sig_fields(reader):
        names.append(field_name)
        if value is None and field_name.startswith(SEAL_FIELD):
            return field_name, None
    number = 1
    while f"{SEAL_FIELD}-{number}" in names:
        number += 1
    new_name = f"{SEAL_FIELD}-{number}"
    box = tuple(round(v) for v in FALLBACK_BOX)
    return new_name, fields.SigFieldSpec(new_name, on_page=-1, box=box)  # type: ignore[arg-type]
