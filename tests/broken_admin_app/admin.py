from django.contrib import admin
from django.contrib.contenttypes.models import ContentType


@admin.register(ContentType)
class BrokenContentTypeAdmin(admin.ModelAdmin):
    list_display = ("no_such_column",)  # admin.E108
