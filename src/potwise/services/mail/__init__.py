"""Outgoing e-mail: templates (`compose`), the persisted outbox (`outbox`), the
SMTP client (`smtp`) and the pass that sends what is due (`sender`).

Nothing here talks SMTP inside a request: a request only adds to the outbox, and the
worker's mail sender (`jobs/mail_sender.py`) delivers within seconds, with backoff.
"""
