"""The key vault: slots, recovery, passphrase changes, corruption, atomic writes."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from keys.atomic import write_atomic
from keys.errors import (
    DecryptionFailed,
    InvalidUserName,
    KeysError,
    LastUser,
    PassphraseTooWeak,
    UnknownUser,
    UserExists,
    VaultCorrupt,
    VaultExists,
    VaultMissing,
    VaultTooNew,
    WrongPassphrase,
    WrongRecoveryKey,
)
from keys.kdf import DEFAULT_N, WEAK_KDF_VARIABLE, WEAK_N, KdfParams, default_params, derive_key
from keys.recovery import format_recovery_key, parse_recovery_key
from keys.vault import Vault

PASSPHRASE = "correct horse 马 battery"
OTHER = "another passphrase 2"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def weak_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEAK_KDF_VARIABLE, "1")


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def snapshot(directory: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every entry's bytes and mtime, including the directory itself."""
    state: dict[str, tuple[bytes | None, int]] = {".": (None, directory.stat().st_mtime_ns)}
    for path in sorted(directory.rglob("*")):
        content = path.read_bytes() if path.is_file() else None
        state[str(path.relative_to(directory))] = (content, path.stat().st_mtime_ns)
    return state


class RecordingRandom:
    """os.urandom, remembering what it handed out (to look for secrets in files)."""

    def __init__(self) -> None:
        self.outputs: list[bytes] = []

    def __call__(self, size: int) -> bytes:
        data = os.urandom(size)
        self.outputs.append(data)
        return data


def sample_ciphertext(vault: Vault) -> bytes:
    return vault.field_cipher().encrypt(b"450981199001011234", b"person/1/id_number")


def assert_same_dek(vault: Vault, ciphertext: bytes) -> None:
    assert vault.field_cipher().decrypt(ciphertext, b"person/1/id_number") == (
        b"450981199001011234"
    )


# -- create and unlock -----------------------------------------------------------


def test_create_then_unlock_gives_the_same_keys(vault_dir: Path) -> None:
    assert not Vault.exists(vault_dir)
    vault, recovery_key = Vault.create(vault_dir, "admin", PASSPHRASE)
    assert Vault.exists(vault_dir)
    assert vault.users() == ["admin"]
    assert vault.key_version == 1
    again = Vault.unlock(vault_dir, "admin", PASSPHRASE)
    for purpose in ("field", "blind-index", "material", "material-address"):
        assert again.subkey(purpose) == vault.subkey(purpose)
        assert len(vault.subkey(purpose)) == 32
    assert len({vault.subkey(p) for p in ("field", "blind-index", "material")}) == 3
    assert again.material_keys() == {1: vault.subkey("material")}
    assert_same_dek(again, sample_ciphertext(vault))
    assert again.blind_indexer().index("id", "x") == vault.blind_indexer().index("id", "x")
    groups = recovery_key.split("-")
    assert len(groups) == 13 and all(len(g) == 4 for g in groups)
    assert recovery_key == recovery_key.upper()


def test_two_vaults_have_different_keys(tmp_path: Path) -> None:
    one, _ = Vault.create(tmp_path / "a", "admin", PASSPHRASE)
    two, _ = Vault.create(tmp_path / "b", "admin", PASSPHRASE)
    assert one.subkey("field") != two.subkey("field")
    with pytest.raises(DecryptionFailed):
        two.field_cipher().decrypt(sample_ciphertext(one), b"person/1/id_number")


def test_create_refuses_an_existing_vault(vault_dir: Path) -> None:
    Vault.create(vault_dir, "admin", PASSPHRASE)
    before = snapshot(vault_dir)
    with pytest.raises(VaultExists) as caught:
        Vault.create(vault_dir, "other", PASSPHRASE)
    assert str(vault_dir) in str(caught.value)
    assert snapshot(vault_dir) == before


def test_create_refuses_a_short_passphrase(vault_dir: Path) -> None:
    with pytest.raises(PassphraseTooWeak) as caught:
        Vault.create(vault_dir, "admin", "1234567")
    assert caught.value.params == {"minimum": 8}
    assert "8" in str(caught.value)
    assert not Vault.exists(vault_dir)
    Vault.create(vault_dir, "admin", "12345678")


@pytest.mark.parametrize("name", ["", " admin", "admin\n", "a\x00b", "x" * 65])
def test_unusable_user_names_are_refused(vault_dir: Path, name: str) -> None:
    with pytest.raises(InvalidUserName):
        Vault.create(vault_dir, name, PASSPHRASE)
    assert not Vault.exists(vault_dir)


def test_unlock_without_a_vault(vault_dir: Path) -> None:
    with pytest.raises(VaultMissing):
        Vault.unlock(vault_dir, "admin", PASSPHRASE)


def test_unknown_user(vault_dir: Path) -> None:
    Vault.create(vault_dir, "admin", PASSPHRASE)
    with pytest.raises(UnknownUser) as caught:
        Vault.unlock(vault_dir, "nobody", PASSPHRASE)
    assert "nobody" in str(caught.value)


def test_wrong_passphrase_changes_nothing(vault_dir: Path) -> None:
    Vault.create(vault_dir, "admin", PASSPHRASE)
    before = snapshot(vault_dir)
    for wrong in (PASSPHRASE + " ", PASSPHRASE.upper(), "", OTHER):
        with pytest.raises(WrongPassphrase) as caught:
            Vault.unlock(vault_dir, "admin", wrong)
        assert caught.value.params == {"user": "admin"}
    assert snapshot(vault_dir) == before


def test_passphrase_is_unicode_normalised(vault_dir: Path) -> None:
    composed = "pass phrase é"
    Vault.create(vault_dir, "admin", composed)
    Vault.unlock(vault_dir, "admin", "pass phrase e\u0301")


def test_a_slot_copied_to_another_user_does_not_open(vault_dir: Path) -> None:
    vault, _ = Vault.create(vault_dir, "admin", PASSPHRASE)
    vault.add_user("clerk", OTHER)
    path = vault_dir / "vault.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["slots"]["clerk"] = document["slots"]["admin"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(WrongPassphrase):
        Vault.unlock(vault_dir, "clerk", PASSPHRASE)


# -- recovery ----------------------------------------------------------------------


def test_recover_sets_a_new_passphrase_and_keeps_the_data(vault_dir: Path) -> None:
    vault, recovery_key = Vault.create(vault_dir, "admin", PASSPHRASE)
    ciphertext = sample_ciphertext(vault)
    recovered = Vault.recover(vault_dir, recovery_key, "admin", OTHER)
    assert_same_dek(recovered, ciphertext)
    assert_same_dek(Vault.unlock(vault_dir, "admin", OTHER), ciphertext)
    with pytest.raises(WrongPassphrase):
        Vault.unlock(vault_dir, "admin", PASSPHRASE)


def messy_spellings(key: str) -> list[str]:
    plain = key.replace("-", "")
    return [
        key.lower(),
        " ".join(key.split("-")),
        "  " + " ".join(plain[i : i + 2] for i in range(0, len(plain), 2)).lower() + "\n",
        key.replace("0", "O").replace("1", "l"),
        key.replace("0", "o").replace("1", "I"),
    ]


def test_recover_accepts_how_people_type_the_key(vault_dir: Path) -> None:
    vault, recovery_key = Vault.create(vault_dir, "admin", PASSPHRASE)
    ciphertext = sample_ciphertext(vault)
    for number, typed in enumerate(messy_spellings(recovery_key)):
        recovered = Vault.recover(vault_dir, typed, "admin", f"new passphrase {number}")
        assert_same_dek(recovered, ciphertext)


def test_recover_can_create_a_slot_for_a_new_user(vault_dir: Path) -> None:
    vault, recovery_key = Vault.create(vault_dir, "admin", PASSPHRASE)
    Vault.recover(vault_dir, recovery_key, "新管理员", OTHER)
    assert Vault.unlock(vault_dir, "admin", PASSPHRASE).users() == ["admin", "新管理员"]
    assert_same_dek(Vault.unlock(vault_dir, "新管理员", OTHER), sample_ciphertext(vault))


def test_wrong_recovery_key_changes_nothing(vault_dir: Path) -> None:
    _, recovery_key = Vault.create(vault_dir, "admin", PASSPHRASE)
    before = snapshot(vault_dir)
    flipped = recovery_key.replace(recovery_key[0], "Z" if recovery_key[0] != "Z" else "Y", 1)
    wrong_keys = [
        format_recovery_key(os.urandom(32)),
        flipped,
        recovery_key[:-5],
        recovery_key + "-0000",
        recovery_key.replace(recovery_key[5], "U", 1),
        "",
    ]
    for wrong in wrong_keys:
        with pytest.raises(WrongRecoveryKey):
            Vault.recover(vault_dir, wrong, "admin", OTHER)
    assert snapshot(vault_dir) == before
    Vault.unlock(vault_dir, "admin", PASSPHRASE)


def test_recovery_key_text_round_trips() -> None:
    for raw in (bytes(32), b"\xff" * 32, os.urandom(32)):
        text = format_recovery_key(raw)
        assert len(text) == 13 * 4 + 12
        assert parse_recovery_key(text) == raw
        assert parse_recovery_key(text.lower().replace("-", " ")) == raw


def test_recovery_key_with_nonzero_padding_bits_is_refused() -> None:
    text = format_recovery_key(bytes(32))
    with pytest.raises(WrongRecoveryKey):
        parse_recovery_key(text[:-1] + "1")


# -- users and passphrases ---------------------------------------------------------


def test_change_passphrase_keeps_the_data_key(vault_dir: Path) -> None:
    vault, recovery_key = Vault.create(vault_dir, "admin", PASSPHRASE)
    vault.add_user("clerk", "clerk passphrase")
    ciphertext = sample_ciphertext(vault)
    before = json.loads((vault_dir / "vault.json").read_text(encoding="utf-8"))
    vault.change_passphrase("admin", OTHER)
    after = json.loads((vault_dir / "vault.json").read_text(encoding="utf-8"))
    assert after["slots"]["clerk"] == before["slots"]["clerk"]
    assert after["recovery"] == before["recovery"]
    assert after["slots"]["admin"] != before["slots"]["admin"]
    assert_same_dek(vault, ciphertext)
    assert_same_dek(Vault.unlock(vault_dir, "admin", OTHER), ciphertext)
    assert_same_dek(Vault.unlock(vault_dir, "clerk", "clerk passphrase"), ciphertext)
    assert_same_dek(Vault.recover(vault_dir, recovery_key, "admin", OTHER), ciphertext)
    with pytest.raises(WrongPassphrase):
        Vault.unlock(vault_dir, "admin", PASSPHRASE)


def test_change_passphrase_checks_user_and_strength(vault_dir: Path) -> None:
    vault, _ = Vault.create(vault_dir, "admin", PASSPHRASE)
    before = snapshot(vault_dir)
    with pytest.raises(UnknownUser):
        vault.change_passphrase("nobody", OTHER)
    with pytest.raises(PassphraseTooWeak):
        vault.change_passphrase("admin", "short")
    assert snapshot(vault_dir) == before


def test_add_and_remove_users(vault_dir: Path) -> None:
    vault, _ = Vault.create(vault_dir, "admin", PASSPHRASE)
    ciphertext = sample_ciphertext(vault)
    vault.add_user("审核员", OTHER)
    assert vault.users() == ["admin", "审核员"]
    with pytest.raises(UserExists):
        vault.add_user("审核员", PASSPHRASE)
    with pytest.raises(PassphraseTooWeak):
        vault.add_user("clerk", "short")
    assert_same_dek(Vault.unlock(vault_dir, "审核员", OTHER), ciphertext)
    vault.remove_user("admin")
    assert vault.users() == ["审核员"]
    with pytest.raises(UnknownUser):
        Vault.unlock(vault_dir, "admin", PASSPHRASE)
    with pytest.raises(UnknownUser):
        vault.remove_user("admin")
    with pytest.raises(LastUser):
        vault.remove_user("审核员")
    assert Vault.unlock(vault_dir, "审核员", OTHER).users() == ["审核员"]


def test_users_are_listed_in_creation_order_without_unlocking(vault_dir: Path) -> None:
    with pytest.raises(VaultMissing):
        Vault.users_in(vault_dir)
    vault, recovery_key = Vault.create(vault_dir, "zhang", PASSPHRASE)
    for name in ("admin", "李四"):
        vault.add_user(name, OTHER)
    vault.change_passphrase("zhang", OTHER)
    Vault.recover(vault_dir, recovery_key, "zhang", PASSPHRASE)
    before = snapshot(vault_dir)
    assert Vault.users_in(vault_dir) == ["zhang", "admin", "李四"] == vault.users()
    assert snapshot(vault_dir) == before
    vault.remove_user("admin")
    vault.add_user("admin", OTHER)
    assert Vault.users_in(vault_dir) == ["zhang", "李四", "admin"]


def test_changes_keep_users_added_by_another_program(vault_dir: Path) -> None:
    first, _ = Vault.create(vault_dir, "admin", PASSPHRASE)
    second = Vault.unlock(vault_dir, "admin", PASSPHRASE)
    second.add_user("clerk", OTHER)
    first.add_user("reviewer", OTHER)
    assert Vault.unlock(vault_dir, "clerk", OTHER).users() == ["admin", "clerk", "reviewer"]


def test_a_replaced_vault_file_is_not_overwritten(tmp_path: Path) -> None:
    mine, _ = Vault.create(tmp_path / "a", "admin", PASSPHRASE)
    Vault.create(tmp_path / "b", "admin", PASSPHRASE)
    foreign = (tmp_path / "b" / "vault.json").read_bytes()
    (tmp_path / "a" / "vault.json").write_bytes(foreign)
    with pytest.raises(VaultCorrupt):
        mine.add_user("clerk", OTHER)
    assert (tmp_path / "a" / "vault.json").read_bytes() == foreign


# -- the file ------------------------------------------------------------------------


def test_vault_file_holds_no_secret(vault_dir: Path) -> None:
    randbytes = RecordingRandom()
    vault, recovery_key = Vault.create(vault_dir, "admin", PASSPHRASE, randbytes=randbytes)
    raw = (vault_dir / "vault.json").read_bytes()
    secrets = [out for out in randbytes.outputs if len(out) == 32]  # the DEK and recovery key
    assert len(secrets) == 2
    secrets += [vault.subkey(p) for p in ("field", "blind-index", "material")]
    for secret in secrets:
        for form in (secret, secret.hex().encode(), base64.b64encode(secret)):
            assert form not in raw
    for text in (PASSPHRASE, recovery_key, recovery_key.replace("-", "")):
        assert text.encode() not in raw
        assert json.dumps(text).encode() not in raw
    assert "马".encode() not in raw
    assert b"admin" in raw  # user names are not secret


def test_production_kdf_is_strong_unless_the_test_flag_is_set(
    monkeypatch: pytest.MonkeyPatch, vault_dir: Path
) -> None:
    Vault.create(vault_dir, "admin", PASSPHRASE)
    stored = json.loads((vault_dir / "vault.json").read_text(encoding="utf-8"))
    assert stored["slots"]["admin"]["kdf"]["n"] == WEAK_N
    for value in ("0", "true", "yes", ""):
        monkeypatch.setenv(WEAK_KDF_VARIABLE, value)
        assert default_params().n == DEFAULT_N == 2**17
    monkeypatch.delenv(WEAK_KDF_VARIABLE)
    strong = default_params()
    assert (strong.n, strong.r, strong.p, len(strong.salt)) == (2**17, 8, 1, 16)
    assert default_params().salt != strong.salt


def test_kdf_params_round_trip_and_each_wrap_keeps_its_own() -> None:
    params = KdfParams(n=2**4, r=1, p=1, salt=bytes(range(16)))
    assert KdfParams.from_json(params.to_json()) == params
    assert json.loads(json.dumps(params.to_json())) == params.to_json()
    assert derive_key("passphrase", params) != derive_key(
        "passphrase", KdfParams(n=2**5, r=1, p=1, salt=bytes(range(16)))
    )
    assert len(derive_key("passphrase", params)) == 32


@pytest.mark.parametrize(
    "change",
    [
        {"name": "argon2id"},
        {"n": 1000},
        {"n": 2**30},
        {"r": 0},
        {"p": True},
        {"salt": "c2hvcnQ="},
        {"salt": "***"},
        {"extra": 1},
    ],
)
def test_malformed_kdf_params_are_refused(change: dict[str, object]) -> None:
    data: dict[str, object] = {**KdfParams(n=16, r=8, p=1, salt=bytes(16)).to_json(), **change}
    with pytest.raises(ValueError):
        KdfParams.from_json(data)


def corruptions(original: bytes) -> list[tuple[str, bytes]]:
    document = json.loads(original)

    def edited(path: list[str], value: object) -> bytes:
        copy = json.loads(original)
        target = copy
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return json.dumps(copy).encode()

    admin = document["slots"]["admin"]
    return [
        ("empty", b""),
        ("garbage", os.urandom(200)),
        ("truncated", original[: len(original) // 2]),
        ("not an object", b"[1, 2, 3]"),
        ("latin-1", '{"format": "\xe9"}'.encode("latin-1")),
        ("wrong format", edited(["format"], "something-else")),
        ("no slots", edited(["slots"], {})),
        ("missing recovery", edited(["recovery"], KeyError)),
        ("bad key version", edited(["key_version"], "1")),
        ("bad nonce", edited(["slots", "admin", "nonce"], "AAAA")),
        ("bad base64", edited(["slots", "admin", "wrapped"], "!!!!" + admin["wrapped"][4:])),
        ("huge kdf", edited(["slots", "admin", "kdf", "n"], 2**40)),
        ("slot not an object", edited(["slots", "admin"], "x")),
        ("recovery kdf", edited(["recovery", "kdf", "name"], "md5")),
        ("extra field", edited(["surprise"], 1)),
        ("deep nesting", b"[" * 100000 + b"]" * 100000),
    ]


def test_corrupt_vault_file_is_reported(vault_dir: Path) -> None:
    Vault.create(vault_dir, "admin", PASSPHRASE)
    path = vault_dir / "vault.json"
    original = path.read_bytes()
    for name, damaged in corruptions(original):
        path.write_bytes(damaged)
        with pytest.raises(VaultCorrupt) as caught:
            Vault.unlock(vault_dir, "admin", PASSPHRASE)
        assert str(path) in str(caught.value), name
        with pytest.raises(VaultCorrupt):
            Vault.recover(vault_dir, format_recovery_key(bytes(32)), "admin", OTHER)
        assert path.read_bytes() == damaged, name


def test_damaged_wrap_is_a_wrong_passphrase_and_changes_nothing(vault_dir: Path) -> None:
    Vault.create(vault_dir, "admin", PASSPHRASE)
    path = vault_dir / "vault.json"
    document = json.loads(path.read_bytes())
    wrapped = bytearray(base64.b64decode(document["slots"]["admin"]["wrapped"]))
    wrapped[0] ^= 1
    document["slots"]["admin"]["wrapped"] = base64.b64encode(bytes(wrapped)).decode()
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(WrongPassphrase):
        Vault.unlock(vault_dir, "admin", PASSPHRASE)


def test_newer_format_is_reported_as_too_new(vault_dir: Path) -> None:
    Vault.create(vault_dir, "admin", PASSPHRASE)
    path = vault_dir / "vault.json"
    document = json.loads(path.read_bytes())
    document["version"] = 2
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(VaultTooNew) as caught:
        Vault.unlock(vault_dir, "admin", PASSPHRASE)
    assert caught.value.params["found"] == 2
    assert isinstance(caught.value, KeysError)


def test_vault_file_is_private_to_its_owner(vault_dir: Path) -> None:
    if os.name == "nt":
        return
    Vault.create(vault_dir, "admin", PASSPHRASE)
    assert (vault_dir / "vault.json").stat().st_mode & 0o077 == 0


def test_secrets_stay_out_of_repr(vault_dir: Path) -> None:
    vault, recovery_key = Vault.create(vault_dir, "admin", PASSPHRASE)
    shown = repr(vault) + repr(vault.blind_indexer()) + repr(vault.field_cipher())
    assert PASSPHRASE not in shown and recovery_key not in shown
    for purpose in ("field", "blind-index"):
        assert vault.subkey(purpose).hex() not in shown


# -- atomic writes --------------------------------------------------------------------


def test_atomic_write_replaces_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "vault.json"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault.json"]


def test_failed_atomic_write_leaves_the_old_state(tmp_path: Path) -> None:
    target = tmp_path / "vault.json"
    target.mkdir()
    (target / "keep").write_bytes(b"old")
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert (target / "keep").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault.json"]


def test_leftover_temp_files_are_swept_on_the_next_write(vault_dir: Path) -> None:
    vault, _ = Vault.create(vault_dir, "admin", PASSPHRASE)
    leftover = vault_dir / ".vault.json.abc123.tmp"
    leftover.write_bytes(b"an interrupted write")
    vault.add_user("clerk", OTHER)
    assert not leftover.exists()
    assert sorted(p.name for p in vault_dir.iterdir()) == ["vault.json"]


CHURN = """
import sys
from pathlib import Path
from keys.vault import Vault
directory, one, two = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
vault = Vault.unlock(directory, "admin", one)
while True:
    for passphrase in (two, one):
        vault.change_passphrase("admin", passphrase)
        vault.add_user("clerk", passphrase)
        vault.remove_user("clerk")
        print("written", flush=True)
"""


def test_kill_during_writes_leaves_a_usable_vault(vault_dir: Path) -> None:
    Vault.create(vault_dir, "admin", PASSPHRASE)
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    for rounds in (3, 17, 40):
        child = subprocess.Popen(
            [sys.executable, "-c", CHURN, str(vault_dir), PASSPHRASE, OTHER],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None
        for _ in range(rounds):
            assert child.stdout.readline() == b"written\n"
        child.kill()
        child.wait()
        child.stdout.close()
        opened = []
        for passphrase in (PASSPHRASE, OTHER):
            try:
                opened.append(Vault.unlock(vault_dir, "admin", passphrase))
            except WrongPassphrase:
                continue
        assert len(opened) == 1
        if opened[0].users() != ["admin"]:
            opened[0].remove_user("clerk")
        opened[0].change_passphrase("admin", PASSPHRASE)


def test_personal_key_belongs_to_the_passphrase_not_the_shared_key(tmp_path: Path) -> None:
    vault, _recovery = Vault.create(tmp_path, "agent", "first passphrase")
    vault.add_user("reviewer", "reviewer passphrase")
    mine = vault.personal_key("agent")
    assert len(mine) == 32 and mine != vault.personal_key("reviewer")
    again = Vault.unlock(tmp_path, "agent", "first passphrase")
    assert again.personal_key("agent") == mine
    with pytest.raises(UnknownUser):
        again.personal_key("reviewer")  # another user's passphrase was not given
    again.change_passphrase("agent", "second passphrase")
    assert again.personal_key("agent") != mine
    assert Vault.unlock(tmp_path, "agent", "second passphrase").personal_key("agent") == \
        again.personal_key("agent")
