"""Admin for clinic admins, scoped to their own organisations.

Users, roles, kiosks and organisation settings only. Patients, responses and
the audit log are deliberately not registered: patient data is reached only
through the audited product views.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pro_portal.models import Kiosk, Membership, Organisation, Role, User


def admin_organisation_ids(request: HttpRequest) -> list[int]:
    user = request.user
    if not (user.is_authenticated and user.is_active):
        return []
    return list(
        Membership.objects.filter(user_id=user.pk, role=Role.ADMIN).values_list(
            "organisation_id", flat=True
        )
    )


class ProPortalAdminSite(admin.AdminSite):
    site_header = _("PRO Portal administration")
    site_title = _("PRO Portal administration")
    index_title = _("Your organisation")

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """The admin logs in through the site's login, with its second factor."""
        return redirect_to_login(
            request.GET.get("next") or self.index_url(), reverse("account_login")
        )

    def index_url(self) -> str:
        return reverse(f"{self.name}:index")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_authenticated
            and user.is_active
            and (user.is_superuser or admin_organisation_ids(request))
        )


site = ProPortalAdminSite(name="admin")


class OrganisationScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Clinic admins manage the rows of their own organisations; superusers all."""

    organisation_path = "organisation"

    def _scoped(self, request: HttpRequest) -> bool:
        return not request.user.is_superuser

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if self._scoped(request):
            queryset = queryset.filter(
                **{f"{self.organisation_path}__in": admin_organisation_ids(request)}
            ).distinct()
        return queryset

    def _allowed(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser or admin_organisation_ids(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Nothing is deleted here: users are deactivated, kiosks revoked.
        return bool(request.user.is_superuser)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organisation" and self._scoped(request):
            kwargs["queryset"] = Organisation.objects.filter(id__in=admin_organisation_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Organisation, site=site)
class OrganisationAdmin(OrganisationScopedAdmin):
    organisation_path = "id"
    list_display = ("name", "kind", "city")
    fields = (
        "name",
        "kind",
        "address",
        "postcode",
        "city",
        "phone",
        "help_phone",
        "region",
        "invitation_validity_days",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 1
    fields = ("organisation", "role")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(organisation_id__in=admin_organisation_ids(request))
        return queryset

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organisation" and not request.user.is_superuser:
            kwargs["queryset"] = Organisation.objects.filter(id__in=admin_organisation_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


@admin.register(User, site=site)
class UserAdmin(OrganisationScopedAdmin, DjangoUserAdmin):  # type: ignore[type-arg]
    organisation_path = "memberships__organisation"
    inlines = (MembershipInline,)
    list_display = ("username", "email", "first_name", "last_name", "is_active")
    list_filter = ("is_active", "memberships__role")
    actions = ("deactivate",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Access"), {"fields": ("is_active",)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "first_name",
                    "last_name",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.action(description=_("Deactivate the selected users"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = queryset.exclude(username=request.user.get_username()).update(is_active=False)
        self.message_user(request, _("%(count)d users deactivated.") % {"count": count})

    def save_formset(
        self, request: HttpRequest, form: ModelForm[User], formset: Any, change: bool
    ) -> None:
        super().save_formset(request, form, formset, change)
        user = form.instance
        if not request.user.is_superuser and not user.memberships.exists():
            messages.warning(request, _("This user has no role yet and cannot see anything."))


@admin.register(Kiosk, site=site)
class KioskAdmin(OrganisationScopedAdmin):
    list_display = ("name", "organisation", "created_at", "revoked_at")
    fields = ("name", "organisation", "created_at", "revoked_at")
    readonly_fields = ("created_at", "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A kiosk is enrolled from the tablet itself (it needs the device
        # cookie), not created here.
        return False

    @admin.action(description=_("Revoke the selected kiosks"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Kiosk]) -> None:
        for kiosk in queryset.filter(revoked_at__isnull=True):
            kiosk.revoke()
        self.message_user(request, _("Kiosks revoked."))
