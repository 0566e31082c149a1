"""What the sync worker tells the window: status, notifications, new releases."""
