"""Accounts glue for django-allauth: its adapters (`adapters`), the library signals the audit
trail listens to (`receivers`) and the middleware that makes some roles set up MFA
(`middleware`). The writes themselves are services in `frameworks.services.accounts`.

May import the models, rules and services. Imported by settings (by dotted path) and the app's
`ready()`.
"""
