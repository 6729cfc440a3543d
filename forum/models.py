"""Imports every module's models, so that the metadata (and Alembic) sees the whole schema."""

from forum.auth.models import EventRole, PasswordResetToken, Role, User  # noqa: F401
from forum.badges.models import BadgeCode  # noqa: F401
from forum.checkin.models import CheckIn, Device  # noqa: F401
from forum.events.models import Event, FocusArea, Organisation, Room  # noqa: F401
from forum.invitations.models import ImportBatch, InvitationText, Invitee  # noqa: F401
from forum.mail.models import OutboxMessage  # noqa: F401
from forum.privacy.models import AuditLog  # noqa: F401
from forum.programme.models import Appearance, ContributionCall, ProgrammeItem, Proposal, Speaker  # noqa: F401
from forum.registration.models import Answer, Interest, Question, Registration, WorkshopSignup  # noqa: F401
from forum.reports.models import ExportPreference  # noqa: F401
