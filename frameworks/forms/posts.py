"""The post forms: which two posts to merge (`PostMergeForm`), and the versions the person saw.

May import the models and `frameworks.forms.base`. Imported by `frameworks.forms`, which
re-exports it.
"""

from __future__ import annotations

from django import forms

from frameworks.models import Post


class PostMergeForm(forms.Form):
    survivor = forms.ModelChoiceField(
        label="The post to keep",
        queryset=Post.objects.order_by("title"),
        empty_label="Choose a post",
        help_text="Usually the one spelled as the council spells it now.",
        error_messages={
            "required": "Choose the post to keep.",
            "invalid_choice": "Choose the post to keep from the list.",
        },
    )
    duplicate = forms.ModelChoiceField(
        label="The post to merge into it",
        queryset=Post.objects.order_by("title"),
        empty_label="Choose a post",
        help_text=(
            "Its milestones, holders and title move to the post you keep; then it is removed."
        ),
        error_messages={
            "required": "Choose the post to merge into the one you keep.",
            "invalid_choice": "Choose the post to merge from the list.",
        },
    )
    survivor_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    duplicate_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        survivor, duplicate = cleaned.get("survivor"), cleaned.get("duplicate")
        if survivor and duplicate and survivor == duplicate:
            self.add_error("duplicate", "Choose a different post from the one you keep.")
        return cleaned
