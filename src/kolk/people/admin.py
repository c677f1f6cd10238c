"""Admin for people: for administrators; desk staff use the desk pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from kolk.people.models import EmailAddress, FamilyRelation, Household, Person, PhoneNumber, User


class EmailInline(admin.TabularInline[EmailAddress, Person]):
    model = EmailAddress
    extra = 0


class PhoneInline(admin.TabularInline[PhoneNumber, Person]):
    model = PhoneNumber
    extra = 0


class RelationInline(admin.TabularInline[FamilyRelation, Person]):
    model = FamilyRelation
    fk_name = "person"
    extra = 0
    raw_id_fields = ["relative"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ["customer_number", "pass_number", "surname", "given_name", "postcode", "town"]
    search_fields = ["surname", "given_name", "pass_number", "customer_number", "postcode"]
    inlines = [EmailInline, PhoneInline, RelationInline]
    raw_id_fields = ["household"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin[Household]):
    search_fields = ["name"]


@admin.register(User)
class KolkUserAdmin(UserAdmin[User]):
    raw_id_fields = ["person"]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("kolk", {"fields": ("person",)}))
