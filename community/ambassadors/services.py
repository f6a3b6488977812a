"""Applying to the ambassador program, reviewing, granting and revoking what ambassadors
get, their monthly credits and their referrals.

What acceptance grants and where it lives:
- the *leader* trust level, set (locked) through ``community.trust.services.member_level_set``
  by the reviewing manager (community managers may change trust levels); where the
  member already held it, or the reviewer may not set levels, the level is left alone and
  ``Ambassador.granted_leader`` stays off, so revoking never takes away a level it did not give;
- the Ambassador badge (the badges app counts ``ambassador.accepted``);
- monthly compute credits (``ambassadors_credits_grant_monthly``, beat on the 1st; this
  month's at acceptance), one grant per member and month by its billing reference;
- permission to propose events (``community.events.services.event_proposer_set``);
- 100 points (the rewards rule ``ambassador.accepted``, from this app's handler).
Revoking ends the ongoing ones: event proposing, the monthly credits, the leader level it gave.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.activity.services import activity_record
from community.notifications.services import NotificationKind, notification_create
from community.trust import services as trust_services
from community.trust.levels import Level
from community.trust.selectors import member_trust_get
from portal.accounts.selectors import email_verified
from portal.billing.services import credits_grant

from .models import Ambassador, Application, Referral, ReferralVisit

# How long after opening a referral link a sign-up from the same browser counts as referred.
REFERRAL_WINDOW = timedelta(days=30)
MAX_LINKS = 5


def can_manage(user) -> bool:
    """Community managers: staff who may change ambassador applications."""
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and user.has_perm("ambassadors.change_application")
    )


def _require_manager(user) -> None:
    if not can_manage(user):
        raise PermissionDenied(_("Only community managers review ambassador applications."))


def monthly_credits() -> Decimal:
    return Decimal(settings.AMBASSADOR_MONTHLY_CREDITS)


def _clean_links(links: str) -> str:
    lines = [line.strip() for line in (links or "").splitlines() if line.strip()]
    if len(lines) > MAX_LINKS:
        raise ValidationError({"links": _("At most %(count)d links, one a line.") % {"count": MAX_LINKS}})
    validate = URLValidator(schemes=["http", "https"])
    for line in lines:
        try:
            validate(line)
        except ValidationError as exc:
            raise ValidationError(
                {"links": _("“%(link)s” is not a web address (https://…).") % {"link": line}}
            ) from exc
    return "\n".join(lines)


def application_submit(*, user, motivation: str, region: str, languages: str, links: str = "") -> Application:
    """A signed-in member with a verified email applies; one open application at a time,
    and none while they are an ambassador."""
    if not email_verified(user=user):
        raise ValidationError(_("Verify your email address before applying."))
    if Ambassador.objects.filter(user=user, active=True).exists():
        raise ValidationError(_("You are an ambassador already."))
    if Application.objects.filter(user=user, status=Application.Status.PENDING).exists():
        raise ValidationError(_("You have an application waiting for review already."))
    application = Application(
        user=user,
        motivation=(motivation or "").strip(),
        region=region,
        languages=" ".join((languages or "").split()),
        links=_clean_links(links),
    )
    application.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:  # a second submission racing the first
        raise ValidationError(_("You have an application waiting for review already.")) from exc
    activity_record(actor=user, verb="ambassador.applied", target=application, properties={"region": region})
    return application


def _pending(application_id: int) -> Application:
    application = Application.objects.select_for_update().select_related("user").get(pk=application_id)
    if application.status != Application.Status.PENDING:
        raise ValidationError(_("This application was reviewed already."))
    return application


def _tell(*, application: Application, accepted: bool) -> None:
    """The applicant's notification (in their language) and the decision mail, after commit."""
    user = application.user
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        title = (
            _("Welcome aboard: you are a community ambassador.")
            if accepted
            else _("Your ambassador application was declined.")
        )
    notification_create(
        recipient=user,
        kind=NotificationKind.EVENT,
        title=title,
        url=reverse("ambassadors:apply"),
        actor=application.reviewed_by,
    )
    from .tasks import decision_mail_send

    transaction.on_commit(lambda: decision_mail_send.delay(application_id=application.pk))


def _proposer_set(*, user, allowed: bool) -> None:
    """Ambassadors may propose events (a manager reviews each before it is published)."""
    from community.events.services import event_proposer_set

    event_proposer_set(user=user, allowed=allowed)


def _new_code() -> str:
    while True:
        code = secrets.token_urlsafe(8).replace("-", "a").replace("_", "b")[:10]
        if not Ambassador.objects.filter(referral_code=code).exists():
            return code


@transaction.atomic
def application_accept(*, manager, application_id: int, note: str = "") -> Ambassador:
    """Accept: the member becomes an ambassador with its grants (see the module's docstring)."""
    _require_manager(manager)
    application = _pending(application_id)
    now = timezone.now()
    application.status = Application.Status.ACCEPTED
    application.review_note = (note or "").strip()
    application.reviewed_by = manager
    application.reviewed_at = now
    application.full_clean(validate_constraints=False)
    application.save()
    user = application.user
    ambassador = Ambassador.objects.select_for_update().filter(user=user).first()
    if ambassador is None:
        ambassador = Ambassador(user=user, referral_code=_new_code())
    ambassador.application = application
    ambassador.region = application.region
    ambassador.languages = application.languages
    ambassador.links = application.links
    ambassador.active = True
    ambassador.since = now
    ambassador.revoked_at = None
    trust = member_trust_get(user=user)
    already_leader = trust is not None and trust.level >= Level.LEADER
    ambassador.granted_leader = False
    if not already_leader and trust_services.is_trust_manager(manager):
        trust_services.member_level_set(
            manager=manager, user=user, level=Level.LEADER, locked=True, note="Community ambassador"
        )
        ambassador.granted_leader = True
    ambassador.full_clean()
    ambassador.save()
    _proposer_set(user=user, allowed=True)
    credits_grant_month(user=user, month=now)
    _tell(application=application, accepted=True)
    activity_record(
        actor=user,
        verb="ambassador.accepted",
        target=application,
        properties={"region": application.region, "reviewed_by": manager.pk},
        dedupe_key=f"ambassador.accepted:{application.pk}",
    )
    return ambassador


@transaction.atomic
def application_decline(*, manager, application_id: int, note: str) -> Application:
    """Decline with a note the applicant reads (required: say why, and what would help)."""
    _require_manager(manager)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why, so that the applicant knows what would help next time.")})
    application = _pending(application_id)
    application.status = Application.Status.DECLINED
    application.review_note = note
    application.reviewed_by = manager
    application.reviewed_at = timezone.now()
    application.full_clean(validate_constraints=False)
    application.save()
    _tell(application=application, accepted=False)
    activity_record(
        actor=application.user,
        verb="ambassador.declined",
        target=application,
        properties={"reviewed_by": manager.pk},
        dedupe_key=f"ambassador.declined:{application.pk}",
    )
    return application


@transaction.atomic
def ambassador_revoke(*, manager, user_id: int) -> Ambassador:
    """End a member's ambassador status: no more event proposals or monthly credits, and the
    leader level handed back to the automatic rules where acceptance gave it. The badge,
    the points and credits paid stay (they were earned)."""
    _require_manager(manager)
    ambassador = Ambassador.objects.select_for_update().select_related("user").get(user_id=user_id, active=True)
    ambassador.active = False
    ambassador.revoked_at = timezone.now()
    if ambassador.granted_leader and trust_services.is_trust_manager(manager):
        trust_services.member_level_release(manager=manager, user=ambassador.user, note="Ambassador status ended")
        ambassador.granted_leader = False
    ambassador.save(update_fields=["active", "revoked_at", "granted_leader"])
    _proposer_set(user=ambassador.user, allowed=False)
    activity_record(
        actor=ambassador.user, verb="ambassador.revoked", target=ambassador, properties={"revoked_by": manager.pk}
    )
    return ambassador


# --- Monthly credits --------------------------------------------------------------------------


def credits_reference(*, user_id: int, month: datetime) -> str:
    return f"ambassador:{user_id}:{month:%Y-%m}"


def credits_grant_month(*, user, month: datetime):
    """This month's ambassador credits for one member; a second call in the same month pays nothing."""
    amount = monthly_credits()
    if amount <= 0:
        return None
    return credits_grant(
        user=user,
        amount=amount,
        reason=f"Ambassador credits for {month:%Y-%m}",
        reference=credits_reference(user_id=user.pk, month=month),
    )


def ambassadors_credits_grant_monthly(*, now: datetime | None = None) -> int:
    """The beat task's work on the 1st: every active ambassador's credits for the month, once
    each however often it runs. Returns how many ambassadors it went through."""
    now = now or timezone.now()
    count = 0
    for ambassador in Ambassador.objects.filter(active=True, user__is_active=True).select_related("user"):
        credits_grant_month(user=ambassador.user, month=now)
        count += 1
    return count


# --- Referrals --------------------------------------------------------------------------------


def referral_visit_record(*, code: str, device_hash: str) -> bool:
    """A browser opened an active ambassador's referral link; False for an unknown code."""
    ambassador = Ambassador.objects.filter(referral_code=code, active=True).first()
    if ambassador is None or not device_hash:
        return False
    # One row per browser and ambassador (opening the link again moves its time): reloading
    # the link a thousand times adds nothing.
    updated = ReferralVisit.objects.filter(ambassador=ambassador, device_hash=device_hash).update(
        visited_at=timezone.now()
    )
    if not updated:
        ReferralVisit.objects.create(ambassador=ambassador, device_hash=device_hash)
    return True


def referral_attach(*, user_id: int, device_hash: str, signed_up_at: datetime) -> Referral | None:
    """At sign-up: the newest referral link opened in this browser within the window names
    the ambassador who referred the member (never the member themselves). Once per member."""
    if not device_hash:
        return None
    visit = (
        ReferralVisit.objects.filter(
            device_hash=device_hash,
            visited_at__gte=signed_up_at - REFERRAL_WINDOW,
            visited_at__lte=signed_up_at + timedelta(minutes=5),
        )
        .exclude(ambassador__user_id=user_id)
        .order_by("-visited_at", "-id")
        .first()
    )
    if visit is None:
        return None
    referral, _created = Referral.objects.get_or_create(
        user_id=user_id, defaults={"ambassador_id": visit.ambassador_id, "signed_up_at": signed_up_at}
    )
    return referral


# --- Mail ---------------------------------------------------------------------------------------


def decision_mail_send(*, application_id: int) -> bool:
    """Mail the applicant the decision and the manager's note, in their language."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    application = Application.objects.select_related("user").filter(pk=application_id).first()
    if application is None or application.status == Application.Status.PENDING or not application.user.email:
        return False
    user = application.user
    accepted = application.status == Application.Status.ACCEPTED
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        subject = _("You are a community ambassador") if accepted else _("Your ambassador application")
        ambassador = Ambassador.objects.filter(user=user, active=True).first() if accepted else None
        body = render_to_string(
            "ambassadors/email/decision.txt",
            {
                "application": application,
                "accepted": accepted,
                "ambassador": ambassador,
                "credits": monthly_credits(),
                "SITE_URL": settings.SITE_URL.rstrip("/"),
            },
        )
    send_mail(subject=f"[Atrium] {subject}", message=body, from_email=None, recipient_list=[user.email])
    return True
