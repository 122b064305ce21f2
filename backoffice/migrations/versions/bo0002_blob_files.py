"""Blob bytes move from rows (bo_blob_chunk) to files in the blob folder; bo_blob keeps what a blob
is (sha256, length, complete), and the offset of an upload is the size of its ``.part`` file.

Chunks already stored are written out to ``<blob_dir>/<sha[:2]>/<sha>`` (complete, verified) or
``<sha>.part`` (an upload in progress, its contiguous bytes from 0), owner-only. The blob folder
comes from the Alembic config's ``attributes["blob_dir"]`` (``clerk backoffice …`` passes it);
a database holding chunks is not migrated without one. Downgrade reads the files back into rows.

Revision ID: bo0002
Revises: bo0001
Create Date: 2026-12-02 17:20:00
"""
import hashlib
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = 'bo0002'
down_revision = 'bo0001'
branch_labels = None
depends_on = None

BLOCK = 4 * 1024 * 1024


def _blob_dir(needed: bool) -> Path | None:
    chosen = context.config.attributes.get("blob_dir")
    if chosen is None and needed:
        raise RuntimeError("后台数据库中存有附件分块，升级需要附件目录（请用 clerk backoffice … --data-dir 运行）; "
                           "the database holds blob chunks: migrating needs the blob folder (attributes['blob_dir'])")
    return Path(chosen) if chosen else None


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name != "nt":
        os.chmod(path, 0o700)


def _write_out(bind, root: Path, sha256: str, length: int, complete: bool) -> None:
    folder = root / sha256[:2]
    _private_dir(root)
    _private_dir(folder)
    part = folder / f"{sha256}.part"
    h = hashlib.sha256()
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        at = 0
        for off, data in bind.execute(sa.text("SELECT \"offset\", data FROM bo_blob_chunk WHERE sha256 = :s "
                                              "ORDER BY \"offset\""), {"s": sha256}):
            if off != at:
                break  # a hole: keep the contiguous bytes from 0 (the desk resumes from there)
            data = bytes(data)
            os.write(fd, data)
            h.update(data)
            at += len(data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if complete and at == length and h.hexdigest() == sha256:
        os.replace(part, folder / sha256)
    elif complete:  # a row said complete but its chunks do not verify: upload again
        os.unlink(part)
        bind.execute(sa.text("UPDATE bo_blob SET complete = :f, completed_at = NULL WHERE sha256 = :s"),
                     {"f": False, "s": sha256})


def upgrade() -> None:
    bind = op.get_bind()
    held = [tuple(r) for r in bind.execute(sa.text(
        "SELECT DISTINCT b.sha256, b.length, b.complete FROM bo_blob b JOIN bo_blob_chunk c ON c.sha256 = b.sha256"))]
    root = _blob_dir(bool(held))
    for sha256, length, complete in held:
        _write_out(bind, root, sha256, int(length), bool(complete))
    op.drop_table('bo_blob_chunk')
    with op.batch_alter_table('bo_blob', schema=None) as batch_op:
        batch_op.drop_column('offset')


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('bo_blob', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offset', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('bo_blob_chunk',
                    sa.Column('sha256', sa.String(length=64), nullable=False),
                    sa.Column('offset', sa.Integer(), nullable=False),
                    sa.Column('data', sa.LargeBinary(), nullable=False),
                    sa.ForeignKeyConstraint(['sha256'], ['bo_blob.sha256'], ),
                    sa.PrimaryKeyConstraint('sha256', 'offset'))
    shas = [tuple(r) for r in bind.execute(sa.text("SELECT sha256, complete FROM bo_blob"))]
    root = _blob_dir(bool(shas))
    chunks = sa.table('bo_blob_chunk', sa.column('sha256'), sa.column('offset'), sa.column('data', sa.LargeBinary))
    for sha256, complete in shas:
        path = root / sha256[:2] / (sha256 if complete else f"{sha256}.part")
        at = 0
        if path.exists():
            with path.open("rb") as f:
                for data in iter(lambda: f.read(BLOCK), b""):
                    bind.execute(chunks.insert().values(sha256=sha256, offset=at, data=data))
                    at += len(data)
        elif complete:
            bind.execute(sa.text("UPDATE bo_blob SET complete = :f, completed_at = NULL WHERE sha256 = :s"),
                         {"f": False, "s": sha256})
        bind.execute(sa.text("UPDATE bo_blob SET \"offset\" = :o WHERE sha256 = :s"), {"o": at, "s": sha256})
