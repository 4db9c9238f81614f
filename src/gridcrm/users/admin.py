from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from gridcrm.users.models import Region, User


@admin.register(User)
class GridUserAdmin(UserAdmin):  # type: ignore[type-arg]
    fieldsets = (*UserAdmin.fieldsets, ("GridCRM", {"fields": ("full_name", "region")}))  # type: ignore[misc]
    list_display = ("username", "full_name", "region", "is_active")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "level", "parent")
    readonly_fields = ("path",)
