"""Managers set a hackathon up here: its window, team size, rules, judging criteria and
prizes. Teams, submissions, scores and paid prizes are what members and judges did on the
site: read-only here (scores are given on the judging page, prizes paid by finalising)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from community.events import selectors as events

from .models import Criterion, Hackathon, Prize, PrizeAward, Score, Submission, Team, TeamMember


class HackathonForm(forms.ModelForm):
    class Meta:
        model = Hackathon
        fields = ["event_id", "title", "submissions_open_at", "submissions_close_at", "team_size_max", "rules"]

    def clean_event_id(self):
        event_id = self.cleaned_data["event_id"]
        try:
            event = events.event_get(event_id=event_id)
        except (ObjectDoesNotExist, Http404):
            raise forms.ValidationError(_("No event has this id.")) from None
        if event.kind != "hackathon":
            raise forms.ValidationError(_("Only a hackathon event can have a hackathon."))
        return event_id


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 1


class PrizeInline(admin.TabularInline):
    model = Prize
    extra = 1


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Hackathon)
class HackathonAdmin(admin.ModelAdmin):
    form = HackathonForm
    list_display = ["title", "event_id", "submissions_open_at", "submissions_close_at", "team_size_max", "finalised_at"]
    search_fields = ["title"]
    readonly_fields = ["finalised_at", "finalised_by", "peoples_choice"]
    inlines = [CriterionInline, PrizeInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "hackathon", "position"]
    list_select_related = ["hackathon"]
    search_fields = ["name", "hackathon__title"]


@admin.register(Prize)
class PrizeAdmin(admin.ModelAdmin):
    list_display = ["hackathon", "place", "kind", "amount"]
    list_select_related = ["hackathon"]
    search_fields = ["hackathon__title"]


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["user", "joined_at"]
    exclude = ["hackathon"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Teams as members formed them; a manager may rename one or remove a member."""

    list_display = ["name", "hackathon", "captain", "invite_code", "created_at"]
    list_select_related = ["hackathon", "captain"]
    search_fields = ["name", "hackathon__title", "invite_code"]
    raw_id_fields = ["captain"]
    readonly_fields = ["hackathon", "invite_code"]
    inlines = [TeamMemberInline]

    def has_add_permission(self, request):
        return False


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdmin):
    list_display = ["user", "team", "hackathon", "joined_at"]
    list_select_related = ["user", "team", "hackathon"]
    search_fields = ["user__email", "team__name"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["team", "hackathon", "entry_id", "submitted_by", "submitted_at", "rank", "average_score", "votes"]
    list_select_related = ["team", "hackathon", "submitted_by"]
    search_fields = ["team__name", "hackathon__title"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["submission", "criterion", "judge", "value", "updated_at"]
    list_select_related = ["submission__team", "criterion", "judge"]
    search_fields = ["submission__team__name", "judge__email"]


@admin.register(PrizeAward)
class PrizeAwardAdmin(ReadOnlyAdmin):
    list_display = ["reference", "user", "kind", "amount", "paid_at"]
    list_select_related = ["user"]
    search_fields = ["reference", "user__email"]

    def has_delete_permission(self, request, obj=None):
        return False
