"""`busplan keys create --tenant NAME | list | revoke KEY_ID`: API keys in the job database.

A new key is printed once and never stored: the database keeps only its SHA-256 digest.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("keys", help="manage API keys (tenants' access to the API)")
    actions = p.add_subparsers(dest="keys_action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="make a key for a tenant and print it once")
    create.add_argument("--tenant", required=True, help="owner of the key's jobs")
    actions.add_parser("list", help="key ids, tenants, creation and revocation times")
    revoke = actions.add_parser("revoke", help="stop a key from working, at once")
    revoke.add_argument("key_id", help="the id shown by `busplan keys list`")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from busplan.auth.keyring import KeyRing
    from busplan.settings import ServiceSettings
    from busplan.store import make_engine, session_factory, upgrade

    engine = make_engine(ServiceSettings().store_url)
    try:
        upgrade(engine)
        keyring = KeyRing(session_factory(engine))
        if args.keys_action == "create":
            return _create(keyring, args.tenant)
        if args.keys_action == "list":
            return _list(keyring)
        return _revoke(keyring, args.key_id)
    finally:
        engine.dispose()


def _create(keyring: Any, tenant: str) -> int:
    try:
        record, key = keyring.create(tenant)
    except ValueError as exc:
        print(f"busplan keys: {exc}", file=sys.stderr)
        return 2
    print(key)
    print(f"key {record.key_id} for tenant {tenant}; it is not shown again", file=sys.stderr)
    return 0


def _list(keyring: Any) -> int:
    print(f"{'KEY_ID':<14}{'TENANT':<42}{'CREATED':<27}REVOKED")
    for k in keyring.all():
        revoked = k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "-"
        created = k.created_at.isoformat(timespec="seconds")
        print(f"{k.key_id:<14}{k.tenant:<42}{created:<27}{revoked}")
    return 0


def _revoke(keyring: Any, key_id: str) -> int:
    if not keyring.revoke(key_id):
        print(f"busplan keys: no live key {key_id}", file=sys.stderr)
        return 1
    print(f"key {key_id} revoked", file=sys.stderr)
    return 0
