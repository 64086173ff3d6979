"""What ODK Collect does, for the tests: read the form list and the XForm with an XML
parser, fill the form's primary instance, and send it as Collect does: multipart with
``xml_submission_file`` and the files named as in the XML, several POSTs when large, and,
for a form with ``base64RsaPublicKey``, encrypted as Collect's EncryptionUtils does
(written here from its published description: RSA-OAEP-wrapped AES-256 key, AES/CFB with
PKCS#7 padding per file, IV from MD5(instanceID ‖ key) with one byte stepped per file,
``submission.xml.enc`` last, and the signed manifest)."""

import base64
import copy
import hashlib
import io
import os
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart  # noqa: F401

XF = "{http://www.w3.org/2002/xforms}"
LIST = "{http://openrosa.org/xforms/xformsList}"
ENCRYPTED_NS = "http://www.opendatakit.org/xforms/encrypted"
# Java's "RSA/NONE/OAEPWithSHA256AndMGF1Padding" on Android: MGF1 with SHA-1.
JAVA_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA256(), label=None)  # noqa: S303


@dataclass
class Form:
    form_id: str
    version: str
    xml: str
    root: ET.Element = field(init=False)

    def __post_init__(self) -> None:
        self.root = ET.fromstring(  # noqa: S314  (the server's answer)
            self.xml.encode("utf-8")
        )

    @property
    def public_key(self) -> str | None:
        submission = self.root.find(f".//{XF}submission")
        return None if submission is None else submission.get("base64RsaPublicKey")

    def instance(self) -> ET.Element:
        """A fresh copy of the form's primary instance (its first child)."""
        model = self.root.find(f".//{XF}model")
        assert model is not None
        instance = model.find(f"{XF}instance")
        assert instance is not None
        return copy.deepcopy(next(iter(instance)))


def fill(
    form: Form,
    values: dict[str, Any],
    repeats: dict[str, list[dict[str, str]]] | None = None,
    instance_id: str | None = None,
) -> tuple[bytes, str]:
    """The record's XML as Collect writes it: ``values`` by element name (anywhere in the
    instance), ``repeats`` as instances of a repeat, and meta/instanceID."""
    root = form.instance()
    for node in root.iter():
        if node.get("{http://openrosa.org/javarosa}template") is not None:
            del node.attrib["{http://openrosa.org/javarosa}template"]
    for repeat_name, instances in (repeats or {}).items():
        # The form holds a template and a first instance: the record holds the instances filled.
        template = next(n for n in root.iter() if _local(n.tag) == repeat_name)
        parent = next(p for p in root.iter() if template in list(p))
        index = list(parent).index(template)
        for old in [c for c in parent if _local(c.tag) == repeat_name]:
            parent.remove(old)
        for number, answers in enumerate(instances):
            copy_ = copy.deepcopy(template)
            for child in copy_:
                child.text = str(answers.get(_local(child.tag), "")) or None
            parent.insert(index + number, copy_)
    for node in root.iter():
        name = _local(node.tag)
        if name in values:
            node.text = str(values[name])
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    meta_id = next(n for n in root.iter() if _local(n.tag) == "instanceID")
    meta_id.text = instance_id
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), instance_id


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def encrypt(
    form: Form, xml: bytes, instance_id: str, media: dict[str, bytes], oaep: Any = JAVA_OAEP
) -> tuple[bytes, dict[str, bytes]]:
    """(the manifest XML, the .enc files) of a finalized record, as Collect makes them."""
    assert form.public_key
    public = serialization.load_der_public_key(base64.b64decode(form.public_key))
    assert isinstance(public, rsa.RSAPublicKey)
    key = os.urandom(32)
    wrapped = base64.b64encode(public.encrypt(key, oaep)).decode()
    seed = bytearray(hashlib.md5(instance_id.encode() + key).digest())  # noqa: S324
    files: dict[str, bytes] = {}
    signature_source = (
        form.form_id + "\n" + form.version + "\n" + wrapped + "\n" + instance_id + "\n"
    )
    for counter, (name, data) in enumerate([*media.items(), ("submission.xml", xml)]):
        seed[counter % 16] = (seed[counter % 16] + 1) % 256
        padder = symmetric_padding.PKCS7(128).padder()
        padded = padder.update(data) + padder.finalize()
        encryptor = Cipher(algorithms.AES(key), CFB(bytes(seed))).encryptor()
        files[name + ".enc"] = encryptor.update(padded) + encryptor.finalize()
        signature_source += f"{name}::{hashlib.md5(data).hexdigest()}\n"  # noqa: S324
    digest = hashlib.md5(signature_source.encode()).digest()  # noqa: S324
    signature = base64.b64encode(public.encrypt(digest, oaep)).decode()
    media_xml = "".join(f"<file>{n}.enc</file>" for n in media)
    manifest = (
        f'<data xmlns="{ENCRYPTED_NS}" id="{form.form_id}" version="{form.version}" encrypted="yes">'
        f"<base64EncryptedKey>{wrapped}</base64EncryptedKey>"
        f'<meta xmlns="http://openrosa.org/xforms"><instanceID>{instance_id}</instanceID></meta>'
        f"<media>{media_xml}</media>"
        "<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>"
        f"<base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature></data>"
    )
    return manifest.encode(), files


@dataclass
class Collect:
    client: Client
    username: str
    password: str

    def _auth(self) -> dict[str, str]:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return {"HTTP_AUTHORIZATION": f"Basic {token}"}

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get(
            path,
            secure=True,
            HTTP_X_OPENROSA_VERSION="1.0",
            HTTP_ACCEPT_LANGUAGE="en",
            **self._auth(),
            **extra,
        )

    def form_list(self) -> list[dict[str, str]]:
        answer = self.get("/openrosa/formList")
        assert answer.status_code == 200, answer.content
        root = ET.fromstring(  # noqa: S314  (the server's answer)
            answer.content
        )
        assert root.tag == f"{LIST}xforms"
        return [
            {_local(c.tag): (c.text or "") for c in xform} for xform in root.findall(f"{LIST}xform")
        ]

    def download(self, entry: dict[str, str]) -> Form:
        answer = self.get(entry["downloadUrl"])
        assert answer.status_code == 200
        text = answer.content.decode("utf-8")
        assert "md5:" + hashlib.md5(answer.content).hexdigest() == entry["hash"]  # noqa: S324
        return Form(entry["formID"], entry["version"], text)

    def head(self) -> Any:
        return self.client.head("/openrosa/submission", secure=True, **self._auth())

    def post(self, xml: bytes, files: dict[str, bytes] | None = None) -> Any:
        data: dict[str, Any] = {"xml_submission_file": _named(xml, "submission.xml")}
        for name, content in (files or {}).items():
            data[name] = _named(content, name)
        return self.client.post(
            "/openrosa/submission",
            data,
            secure=True,
            HTTP_X_OPENROSA_VERSION="1.0",
            HTTP_ACCEPT_LANGUAGE="en",
            **self._auth(),
        )

    def submit(
        self, xml: bytes, files: dict[str, bytes] | None = None, per_post: int | None = None
    ) -> list[Any]:
        """Send as Collect does: all files in one POST, or ``per_post`` files in each
        (the XML repeated every time)."""
        names = list(files or {})
        if not per_post or len(names) <= per_post:
            return [self.post(xml, files)]
        return [
            self.post(xml, {n: files[n] for n in names[i : i + per_post]})
            for i in range(0, len(names), per_post)
        ]  # type: ignore[index]


def _named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def message_of(answer: Any) -> tuple[str, str]:
    """(nature, text) of an OpenRosa response document."""
    root = ET.fromstring(  # noqa: S314  (the server's answer)
        answer.content
    )
    assert root.tag == "{http://openrosa.org/http/response}OpenRosaResponse"
    message = root.find("{http://openrosa.org/http/response}message")
    assert message is not None
    return message.get("nature", ""), message.text or ""


# A small JPEG (the start of one is what the evidence service reads).
JPEG = (
    bytes.fromhex("ffd8ffe000104a46494600010100000100010000")
    + b"\x00" * 200
    + bytes.fromhex("ffd9")
)
