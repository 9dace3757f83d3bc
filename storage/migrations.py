"""Schema version and forward migrations.

A new database gets the current schema and the latest version at once. An older database gets each
missing migration in order, each in its own transaction, so an interrupted upgrade resumes cleanly.
"""
from __future__ import annotations

import logging
from typing import Callable

import peewee as pw
from playhouse.migrate import SchemaMigrator, migrate as apply_ops

from storage.models import ALL_MODELS, InboundMessage, SchemaVersion

log = logging.getLogger(__name__)


def _v2_inbound_norm_text(db: pw.Database) -> None:
    """v2: a hash of the normalised order text, for "same text resent to another center"."""
    migrator = SchemaMigrator.from_database(db)
    apply_ops(migrator.add_column("inbound_message", "norm_text", InboundMessage.norm_text))  # with its index


def _v3_drop_redundant_indexes(db: pw.Database) -> None:
    """v3: indexes covered by composite ones, or never searched; each cost every order a page write."""
    for name in ("order_reseller_id", "order_product_id", "order_inbound_id", "ledger_entry_counterpart_id",
                 "ledger_entry_created_at", "inbound_message_reseller_id"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    db.execute_sql('DROP INDEX IF EXISTS "order_reseller_id_ref_id"')
    db.execute_sql('CREATE UNIQUE INDEX "order_reseller_id_ref_id" ON "order" ("reseller_id", "ref_id") '
                   'WHERE "ref_id" IS NOT NULL')


def _v4_modems_and_attempts(db: pw.Database) -> None:
    """v4: modem settings, supplier stock, and one row per try of an order."""
    from storage.models import Attempt, Modem, Supplier

    db.create_tables([Modem, Attempt], safe=True)
    migrator = SchemaMigrator.from_database(db)
    apply_ops(
        migrator.add_column("supplier", "stock", Supplier.stock),
        migrator.add_column("supplier", "low_stock", Supplier.low_stock),
        migrator.add_column("supplier", "stock_checked_at", Supplier.stock_checked_at),
    )


def _v5_order_sn_index(db: pw.Database) -> None:
    """v5: orders by SN. Settling a success checks that its SN was not used before; without this the
    check reads every successful order (0.3-1 s on a million orders, with the event loop blocked)."""
    db.execute_sql('CREATE INDEX IF NOT EXISTS "order_sn_status" ON "order" ("sn", "status")')


def _v6_order_review(db: pw.Database) -> None:
    """v6: which suspect or failed orders the owner has dealt with ("Perlu tindakan" until then), and
    the audit trail by target (an order's history shows every manual action on it)."""
    # plain ADD COLUMN with its default (SQLite and PostgreSQL alike); peewee's add_column would rebuild
    # the SQLite table for the NOT NULL column, which the foreign keys to "order" refuse
    timestamp = "TIMESTAMP" if isinstance(db, pw.PostgresqlDatabase) else "DATETIME"
    db.execute_sql(f'ALTER TABLE "order" ADD COLUMN "reviewed_at" {timestamp}')
    db.execute_sql('ALTER TABLE "order" ADD COLUMN "reviewed_by" VARCHAR(50) NOT NULL DEFAULT \'\'')
    db.execute_sql('CREATE INDEX IF NOT EXISTS "audit_log_target" ON "audit_log" ("target")')
    db.execute_sql('CREATE INDEX IF NOT EXISTS "order_needs_review" ON "order" ("id") '
                   "WHERE \"status\" = 'failed' AND \"reviewed_at\" IS NULL")


def _v7_reply_stored_at_modem(db: pw.Database) -> None:
    """v7: where a reply waits in a sender modem's memory (store and send), so that after a crash the
    modem can tell whether it left: "<modem>:<slot>,<slot>", empty when not stored."""
    db.execute_sql('ALTER TABLE "outbound_message" ADD COLUMN "stored" VARCHAR(200) NOT NULL DEFAULT \'\'')
    db.execute_sql('CREATE INDEX IF NOT EXISTS "outbound_message_stored" ON "outbound_message" ("id") '
                   "WHERE \"stored\" != ''")


def _v8_books(db: pw.Database) -> None:
    """v8: the books: imported bank statement lines, a chip's stock history, uplines' markups per
    product and commissions, and when a deposit ticket was paid; H2H members, their refused refIDs and
    the callbacks to them."""
    from storage.models import (BankLine, Commission, H2HCallback, H2HMember, H2HRejection, ProductMarkup,
                                StockEntry)

    timestamp = "TIMESTAMP" if isinstance(db, pw.PostgresqlDatabase) else "DATETIME"
    db.execute_sql(f'ALTER TABLE "deposit_ticket" ADD COLUMN "paid_at" {timestamp}')
    # one open ticket per unique amount: of two open ones sharing it (never made so far) the later expires
    db.execute_sql('UPDATE "deposit_ticket" SET "status" = \'expired\' WHERE "status" = \'open\' AND EXISTS '
                   '(SELECT 1 FROM "deposit_ticket" d WHERE d."status" = \'open\' '
                   'AND d."unique_amount" = "deposit_ticket"."unique_amount" AND d."id" < "deposit_ticket"."id")')
    db.execute_sql('CREATE UNIQUE INDEX IF NOT EXISTS "deposit_ticket_open_unique_amount" ON "deposit_ticket" '
                   '("unique_amount") WHERE "status" = \'open\'')
    db.create_tables([BankLine, StockEntry, ProductMarkup, Commission, H2HMember, H2HRejection, H2HCallback],
                     safe=True)
    # a chip's attempts of one day, for its stock books (app/stock_books.py)
    db.execute_sql('CREATE INDEX IF NOT EXISTS "attempt_supplier_id_started_at" ON "attempt" '
                   '("supplier_id", "started_at")')


def _v9_chat_channels(db: pw.Database) -> None:
    """v9: chat centers (Telegram bots, Jabber accounts; app/chat)."""
    from storage.models import ChatChannel

    db.create_tables([ChatChannel], safe=True)


# version -> function bringing the schema from version-1 to version
MIGRATIONS: dict[int, Callable[[pw.Database], None]] = {
    2: _v2_inbound_norm_text,
    3: _v3_drop_redundant_indexes,
    4: _v4_modems_and_attempts,
    5: _v5_order_sn_index,
    6: _v6_order_review,
    7: _v7_reply_stored_at_modem,
    8: _v8_books,
    9: _v9_chat_channels,
}
LATEST = max(MIGRATIONS, default=1)


def current_version(db: pw.Database) -> int:
    if not db.table_exists("schema_version"):
        return 0
    row = SchemaVersion.select(pw.fn.MAX(SchemaVersion.version)).scalar()
    return int(row or 0)


def migrate(db: pw.Database) -> int:
    version = current_version(db)
    if version == 0 and not db.table_exists("reseller"):
        with db.atomic():
            db.create_tables(ALL_MODELS)
            SchemaVersion.create(version=LATEST)
        log.info("new database at schema version %d", LATEST)
        return LATEST
    if version == 0:
        raise RuntimeError("database has tables but no schema version; refusing to guess")
    if version > LATEST:
        raise RuntimeError(f"database schema {version} is newer than this program ({LATEST})")
    for target in range(version + 1, LATEST + 1):
        with db.atomic():
            MIGRATIONS[target](db)
            SchemaVersion.create(version=target)
        log.info("database upgraded to schema version %d", target)
    return LATEST
