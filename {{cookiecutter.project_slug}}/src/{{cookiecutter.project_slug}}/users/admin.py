from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from rest_framework.exceptions import APIException

from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.services import user_assign_default_role, user_deactivate


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login: a login the limits refuse (users.backends) says so, and for how long."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except APIException as refusal:  # too many attempts, or the limits cannot be checked
            raise ValidationError(str(refusal.detail), code="login_refused") from refusal


admin.site.login_form = AdminLoginForm


class UserCreationForm(AdminUserCreationForm[User]):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserUpdateForm(UserChangeForm[User]):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    form = UserUpdateForm
    add_form = UserCreationForm
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined", "updated_at")
    actions = ("deactivate",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name",)}),
        (
            "Permissions",
            {
                "description": (
                    "The API grants access by role: put the user in exactly one of the "
                    "groups admin, member or read_only. New users get DEFAULT_USER_ROLE."
                ),
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def save_model(
        self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # The add form has no groups: without a role, the new user could not use the API.
            user_assign_default_role(user=obj)
        elif "is_active" in form.changed_data and not obj.is_active:
            user_deactivate(user=obj)

    @admin.action(permissions=["change"], description="Deactivate the selected users")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.filter(is_active=True):
            user_deactivate(user=user)
