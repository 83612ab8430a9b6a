"""volunteer desk: invites, volunteers, questions, answers, learned items and their changes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 22:36:04.338213
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learned_item_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_item_changes")),
    )
    with op.batch_alter_table("learned_item_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learned_item_changes_name"), ["name"], unique=False)

    op.create_table(
        "learned_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category_key", sa.String(length=20), nullable=False),
        sa.Column("subcategory", sa.String(length=40), nullable=True),
        sa.Column("advice", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_items")),
        sa.UniqueConstraint("name", name=op.f("uq_learned_items_name")),
    )
    op.create_table(
        "volunteer_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("community", sa.String(length=100), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_invites")),
        sa.UniqueConstraint("code", name=op.f("uq_volunteer_invites_code")),
    )
    op.create_table(
        "desk_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("item_phrase", sa.Text(), nullable=False),
        sa.Column("item_key", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=20), nullable=False),
        sa.Column("community", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("guess_item", sa.String(length=100), nullable=True),
        sa.Column("guess_category", sa.String(length=20), nullable=True),
        sa.Column("notified", sa.JSON(), nullable=False),
        sa.Column("answer_category", sa.String(length=20), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("guessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_desk_questions_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_questions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_desk_questions_idempotency_key")),
    )
    with op.batch_alter_table("desk_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_questions_item_key"), ["item_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_desk_questions_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index("ix_desk_questions_status_created", ["status", "created_at"], unique=False)

    op.create_table(
        "volunteers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("community", sa.String(length=100), nullable=True),
        sa.Column("invite_id", sa.Integer(), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invite_id"],
            ["volunteer_invites.id"],
            name=op.f("fk_volunteers_invite_id_volunteer_invites"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_volunteers_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteers")),
        sa.UniqueConstraint("resident_id", name=op.f("uq_volunteers_resident_id")),
    )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteers_community"), ["community"], unique=False)

    op.create_table(
        "desk_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column("category_key", sa.String(length=20), nullable=False),
        sa.Column("first", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["desk_questions.id"],
            name=op.f("fk_desk_answers_question_id_desk_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_desk_answers_volunteer_id_volunteers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_answers")),
        sa.UniqueConstraint("question_id", "volunteer_id", name=op.f("uq_desk_answers_question_id")),
    )
    with op.batch_alter_table("desk_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_answers_question_id"), ["question_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_desk_answers_volunteer_id"), ["volunteer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("desk_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_answers_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_desk_answers_question_id"))

    op.drop_table("desk_answers")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteers_community"))

    op.drop_table("volunteers")
    with op.batch_alter_table("desk_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_desk_questions_status_created")
        batch_op.drop_index(batch_op.f("ix_desk_questions_resident_id"))
        batch_op.drop_index(batch_op.f("ix_desk_questions_item_key"))

    op.drop_table("desk_questions")
    op.drop_table("volunteer_invites")
    op.drop_table("learned_items")
    with op.batch_alter_table("learned_item_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learned_item_changes_name"))

    op.drop_table("learned_item_changes")
