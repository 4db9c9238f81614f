"""The portal's forms: what a customer types, before the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gridcrm.portal.requests import Field


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=11)


class RegisterForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=11)
    code = forms.CharField(label=_("Code from the SMS"), max_length=6, required=False)
    full_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, required=False, strip=False
    )


class BindForm(forms.Form):
    account_no = forms.CharField(label=_("Account number (户号)"), max_length=20)
    proof = forms.CharField(
        label=_("Proof"),
        max_length=200,
        help_text=_(
            "Persons: the last six characters of the ID number on the account. "
            "Businesses: the exact name on the account."
        ),
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea({"rows": 3})
    )


def request_form(fields: list[Field], data: object = None) -> forms.Form:
    """A form with the fields one request type needs."""
    form = forms.Form(data)  # type: ignore[arg-type]
    for field in fields:
        widget = forms.Textarea({"rows": 3}) if field.kind == "textarea" else None
        form.fields[field.name] = forms.CharField(
            label=str(field.label), required=field.required, max_length=300, widget=widget
        )
    return form


class PreferencesForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=_("Besides the portal inbox, tell me by"),
        required=False,
        choices=[("sms", _("SMS")), ("wechat", _("WeChat")), ("email", _("E-mail"))],
        widget=forms.CheckboxSelectMultiple,
    )
    email = forms.EmailField(label=_("E-mail address"), required=False)


class ContactForm(forms.Form):
    phone_alt = forms.CharField(label=_("Second phone"), max_length=20, required=False)
    preferred_channel = forms.ChoiceField(
        label=_("How you like to be contacted"),
        required=False,
        choices=[
            ("", "—"),
            ("phone", _("Phone call")),
            ("sms", _("SMS")),
            ("wechat", _("WeChat")),
            ("email", _("E-mail")),
        ],
    )
    e_bill = forms.BooleanField(label=_("Electronic bills"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(
        label=_("What to correct"),
        choices=[("name", _("Name")), ("phone", _("Mobile phone")), ("address", _("Address"))],
    )
    new_value = forms.CharField(label=_("Correct value"), max_length=200)
    reason = forms.CharField(label=_("Why"), max_length=500)


class ReviewForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What you ask"),
        choices=[
            ("explanation", _("An explanation of my grade")),
            ("human_review", _("A review of my grade by a person")),
        ],
    )
    message = forms.CharField(
        label=_("Message"), max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )
