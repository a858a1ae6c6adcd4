from django.contrib import admin

from tenure.knowledge.models import Category, KnowledgeGap, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")


@admin.register(KnowledgeGap)
class KnowledgeGapAdmin(admin.ModelAdmin):
    list_display = ("query", "count", "first_seen", "last_seen")
    readonly_fields = ("query", "example", "count", "first_seen", "last_seen", "accounts")
