"""Mailer.

Author: Anna Varlow <anna.varlow@kestrelmark.de>
"""
SUPPORT = "support@ourservice.io"
SENDER = "noreply@ourservice.io"

def send(to):
    pass
