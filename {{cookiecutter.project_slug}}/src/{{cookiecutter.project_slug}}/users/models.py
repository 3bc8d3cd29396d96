import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    """The roles a user can hold, most privileged first; each is a group of the same name."""

    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    READ_ONLY = "read_only", "Read-only"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # Lower-casing the whole address (not only the domain, as Django does) makes
        # "Ada@Example.com" and "ada@example.com" one account, which is what people expect.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str | None) -> "User":
        # User.save() stores the normalised address, so an exact match on it finds the
        # account whatever the case typed, and can use the unique index.
        return self.get(email=self.normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields["is_staff"] is not True:
            raise ValueError("A superuser must have is_staff=True.")
        if extra_fields["is_superuser"] is not True:
            raise ValueError("A superuser must have is_superuser=True.")
        return self._create_user(email, password, **extra_fields)

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        # None stores an unusable password: the account exists but cannot log in yet.
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(
        default=True,
        help_text="Inactive users cannot log in; deactivate accounts instead of deleting them.",
    )
    is_staff = models.BooleanField(
        default=False,
        help_text="Staff users can log in to the admin site.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = UserManager.normalize_email(self.email)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        # Here too, so that form validation checks uniqueness on the address as stored.
        self.email = UserManager.normalize_email(self.email)
{%- if cookiecutter.auth == "supabase" %}


class IdentityLink(models.Model):
    """The Supabase Auth user (the ``sub`` of their tokens) a local account belongs to."""

    subject = models.UUIDField("Supabase user id", unique=True, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="identity_link")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "identity link"
        verbose_name_plural = "identity links"

    def __str__(self) -> str:
        return f"{self.subject} -> {self.user_id}"
{%- endif %}
