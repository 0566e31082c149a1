"""One case: details, conversation, attachments, reply box."""
